/* fuzz_ws_server - LLVMFuzzerTestOneInput over what a client sends osprey-
 * venue's WebSocket server (tools/ws_server.c): the input as the bytes
 * read, parsed in one piece and again fed in two. Whatever it is, the
 * parser keeps what it has not used (never more than it was given), answers
 * only in whole frames, and refuses a frame that breaks RFC 6455 with
 * -EPROTO and a reason; split or whole, it reaches the same end.
 *
 * Built as a libFuzzer target (-Dfuzz=true, OSPREY_LIBFUZZER; seed
 * tests/fuzz/seed.ws-server) and as a plain test whose main() runs it over
 * client frames (masked text, ping, close, a 126-length frame), their cuts
 * and mutations, each ending right before a PROT_NONE page. */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ws_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int feed(struct ws_server_conn *c, const uint8_t *p, size_t n)
{
	if (n > sizeof(c->rx) - c->rx_len)
		n = sizeof(c->rx) - c->rx_len;
	memcpy(c->rx + c->rx_len, p, n);
	c->rx_len += n;
	return ws_server_parse(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ws_server_conn a, b;
	a.rx_len = b.rx_len = 0;
	a.closing = b.closing = false;
	a.tx_off = a.tx_len = b.tx_off = b.tx_len = 0;
	a.messages_in = b.messages_in = a.pings = b.pings = 0;
	a.max_tx = b.max_tx = 1 << 20;
	int ra = feed(&a, data, size);
	assert(ra == 0 || (ra == -EPROTO && a.why[0]) || ra == -ENOMEM);
	assert(a.rx_len <= size);
	if (a.tx_len) /* answers are whole frames: FIN set, unmasked, a control opcode */
		assert((a.tx[0] & 0x80) && !(a.tx[1] & 0x80) && (a.tx[0] & 0x0f) >= 8);
	size_t cut = size / 2;
	int rb = feed(&b, data, cut);
	if (rb == 0)
		rb = feed(&b, data + cut, size - cut);
	assert(rb == ra && b.closing == a.closing && b.messages_in == a.messages_in &&
	       b.pings == a.pings && b.tx_len == a.tx_len &&
	       (!a.tx_len || !memcmp(a.tx, b.tx, a.tx_len)));
	return 0;
}

#ifndef OSPREY_LIBFUZZER
#define FUZZ_SEED 0xD1B54A32D192ED03ull
#include "fuzz_driver.h"

/* A masked client frame of p[0, n) into out: its length. */
static size_t frame(unsigned char *out, uint8_t first, const char *p, size_t n)
{
	static const unsigned char mask[4] = { 0x37, 0xfa, 0x21, 0x3d };
	size_t h = 2;
	out[0] = first;
	if (n < 126) {
		out[1] = (unsigned char)(0x80 | n);
	} else {
		out[1] = 0x80 | 126;
		out[2] = (unsigned char)(n >> 8);
		out[3] = (unsigned char)n;
		h = 4;
	}
	memcpy(out + h, mask, 4);
	for (size_t i = 0; i < n; i++)
		out[h + 4 + i] = (unsigned char)(p[i] ^ mask[i & 3]);
	return h + 4 + n;
}

int main(void)
{
	static unsigned char s[8192];
	static char big[300];
	memset(big, 'x', sizeof(big));
	size_t n = 0;
	n += frame(s + n, 0x81, "{\"op\":\"subscribe\",\"args\":[\"trade.BTCUSDT\"]}", 44);
	n += frame(s + n, 0x89, "ping", 4);
	n += frame(s + n, 0x01, "frag", 4); /* a fragment, then its end */
	n += frame(s + n, 0x80, "ment", 4);
	n += frame(s + n, 0x81, big, sizeof(big));
	n += frame(s + n, 0x88, "\x03\xe8", 2);
	/* the whole, known to read: one subscription, a ping, a fragmented and a
	 * long message, then the close (its code echoed) */
	struct ws_server_conn c = { .max_tx = 1 << 20 };
	memcpy(c.rx, s, n);
	c.rx_len = n;
	assert(ws_server_parse(&c) == 0 && c.messages_in == 3 && c.pings == 1 && c.closing);
	assert(c.rx_len == 0 && c.tx_len == 6 + 4 && c.tx[0] == 0x8a && c.tx[6] == 0x88);
	/* an unmasked frame is refused */
	struct ws_server_conn u = { 0 };
	memcpy(u.rx, "\x81\x02hi", 4);
	u.rx_len = 4;
	assert(ws_server_parse(&u) == -EPROTO && strstr(u.why, "unmasked"));
	ws_server_fini(&c);
	ws_server_fini(&u);
	char accept[29];
	assert(ws_server_accept_key("dGhlIHNhbXBsZSBub25jZQ==", accept) == 0);
	assert(!strcmp(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")); /* RFC 6455 1.3's example */

	struct fuzz_guard g;
	fuzz_guard_init(&g, 4);
	for (size_t k = 0; k <= n; k++)
		fuzz_guarded(&g, s, k);
	static char m[8192];
	for (int i = 0; i < 20000; i++) {
		size_t mn = fuzz_mutate(m, (const char *)s, n, "\x80\x81\x88\x89\x7e\x7f\x00\xff");
		fuzz_guarded(&g, m, mn);
	}
	printf("fuzz_ws_server: %llu inputs; the RFC's accept key; frames whole or split alike\n",
	       (unsigned long long)g.runs);
	return 0;
}
#endif
