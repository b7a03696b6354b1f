/* fuzz_ws - LLVMFuzzerTestOneInput over the WebSocket frame decoder, both
 * directions (server frames unmasked, client frames masked), re-encoding
 * each frame it accepts and decoding that again to the same frame.
 *
 * Built as a libFuzzer target (-Dfuzz=true, OSPREY_LIBFUZZER; seed
 * tests/fuzz/seed.ws, written by this driver given a path) and as a plain
 * test whose main() runs it over streams of frames of every kind and length
 * form, their cuts and mutations. The target copies its input (the decoder
 * unmasks in place); the decoder's own guard-page test is tests/feeds/test_ws.c. */
#undef NDEBUG
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feeds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char buf[1 << 17], re[(1 << 17) + FEEDS_WS_MAX_HDR];
	if (size > sizeof(buf))
		size = sizeof(buf);
	char err[200];
	for (int from_server = 0; from_server < 2; from_server++) {
		memcpy(buf, data, size); /* masked payloads are unmasked in place */
		size_t off = 0;
		int r;
		struct feeds_ws_frame f;
		while ((r = feeds_ws_frame_next(buf, size, &off, from_server, 1 << 16, &f, err,
						sizeof(err))) == 0) {
			assert(off <= size && f.payload >= buf && f.payload + f.len <= buf + off);
			int n = feeds_ws_frame_put(re, sizeof(re), f.op, f.fin,
						   f.masked ? f.mask : NULL, f.payload, (size_t)f.len);
			assert(n > 0);
			struct feeds_ws_frame g;
			size_t o2 = 0;
			assert(feeds_ws_frame_next(re, (size_t)n, &o2, from_server, 1 << 16, &g, err,
						   sizeof(err)) == 0);
			assert(o2 == (size_t)n && g.op == f.op && g.fin == f.fin && g.len == f.len);
			assert(!memcmp(g.payload, f.payload, (size_t)f.len));
		}
		assert(r == CORE_EOF || r == FEEDS_WS_PARTIAL ||
		       ((r == -EBADMSG || r == -EMSGSIZE) && !strncmp(err, "offset ", 7)));
	}
	return 0;
}

#ifndef OSPREY_LIBFUZZER
#define FUZZ_SEED 0x9E3779B97F4A7C15ull
#include "fuzz_driver.h"

int main(int argc, char **argv)
{
	/* a stream as a server sends it, and one as a client does */
	static unsigned char srv[80000], cli[80000], body[70000];
	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (unsigned char)("{\"topic\":\"orderBookL2_25\",\"x\":1}"[i % 33]);
	static const uint8_t key[4] = { 0x37, 0xfa, 0x21, 0x3d };
	size_t ns = 0, nc = 0;
	static const struct {
		uint8_t op;
		bool fin;
		size_t len;
	} fr[] = { { FEEDS_WS_TEXT, true, 33 },     { FEEDS_WS_TEXT, false, 10 },
		   { FEEDS_WS_PING, true, 4 },      { FEEDS_WS_CONT, true, 20 },
		   { FEEDS_WS_BINARY, true, 300 },  { FEEDS_WS_PONG, true, 0 },
		   { FEEDS_WS_TEXT, true, 66000 },  { FEEDS_WS_CLOSE, true, 6 } };
	for (size_t i = 0; i < sizeof(fr) / sizeof(fr[0]); i++) {
		int a = feeds_ws_frame_put(srv + ns, sizeof(srv) - ns, fr[i].op, fr[i].fin, NULL, body,
					   fr[i].len);
		int b = feeds_ws_frame_put(cli + nc, sizeof(cli) - nc, fr[i].op, fr[i].fin, key, body,
					   fr[i].len);
		assert(a > 0 && b > 0);
		ns += (size_t)a;
		nc += (size_t)b;
	}
	if (argc > 1) { /* write the libFuzzer seed: the server's stream without the big frame */
		FILE *f = fopen(argv[1], "wb");
		assert(f && fwrite(srv, 1, 400, f) == 400 && fclose(f) == 0);
		return 0;
	}
	struct fuzz_guard g;
	fuzz_guard_init(&g, 24);
	for (size_t n = 0; n <= ns; n += n < 500 ? 1 : 311)
		fuzz_guarded(&g, srv, n);
	for (size_t n = 0; n <= nc; n += n < 500 ? 1 : 311)
		fuzz_guarded(&g, cli, n);
	static const char alphabet[] = "\x81\x01\x80\x88\x89\x8a\x7e\x7f\x00\xff";
	static char c[80000];
	for (int i = 0; i < 20000; i++) {
		const unsigned char *src = i & 1 ? cli : srv;
		size_t len = i & 1 ? nc : ns;
		if (i % 4 < 2)
			len = len < 600 ? len : 600; /* small inputs mutate faster */
		fuzz_guarded(&g, c, fuzz_mutate(c, (const char *)src, len, alphabet));
	}
	printf("fuzz_ws: %llu inputs against a guard page, no crash, no overread\n",
	       (unsigned long long)g.runs);
	return 0;
}
#endif
