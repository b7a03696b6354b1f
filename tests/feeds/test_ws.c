/* The WebSocket frame codec (feeds.h, "WebSocket"): RFC 6455's own examples
 * (section 5.7) decode to what the RFC says and encode to its bytes; frames of
 * every length form round-trip, masked and not; every cut of a frame is
 * PARTIAL, never an error or a read past the end (the frame ends right before
 * a PROT_NONE page); each header fault is refused with its offset. */
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "feeds.h"

static unsigned char *guard_end; /* the first byte of a PROT_NONE page */

/* Decode a copy of b[0, n) placed right before the guard page. */
static int decode(const unsigned char *b, size_t n, bool from_server, struct feeds_ws_frame *f,
		  size_t *off, char *err)
{
	unsigned char *p = guard_end - n;
	memcpy(p, b, n);
	*off = 0;
	return feeds_ws_frame_next(p, n, off, from_server, 1u << 20, f, err, 200);
}

static void refused(const unsigned char *b, size_t n, bool from_server, const char *what,
		    size_t at)
{
	struct feeds_ws_frame f;
	size_t off;
	char err[200];
	int r = decode(b, n, from_server, &f, &off, err);
	if (r != -EBADMSG || !strstr(err, what) || off != 0) {
		fprintf(stderr, "want '%s', got %d '%s'\n", what, r, err);
		assert(0);
	}
	char o[32];
	snprintf(o, sizeof(o), "offset %zu:", at);
	assert(!strncmp(err, o, strlen(o)));
}

int main(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t span = 72 * pg;
	unsigned char *map = mmap(NULL, span + pg, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert(map != MAP_FAILED && mprotect(map + span, pg, PROT_NONE) == 0);
	guard_end = map + span;
	struct feeds_ws_frame f;
	size_t off;
	char err[200];

	/* RFC 6455 5.7: a single-frame unmasked text message "Hello" */
	static const unsigned char hello[] = { 0x81, 0x05, 'H', 'e', 'l', 'l', 'o' };
	assert(decode(hello, sizeof(hello), true, &f, &off, err) == 0);
	assert(f.op == FEEDS_WS_TEXT && f.fin && !f.masked && f.len == 5 && off == 7);
	assert(!memcmp(f.payload, "Hello", 5));
	unsigned char out[70000 + FEEDS_WS_MAX_HDR];
	assert(feeds_ws_frame_put(out, sizeof(out), FEEDS_WS_TEXT, true, NULL, "Hello", 5) == 7);
	assert(!memcmp(out, hello, 7));
	/* ... masked (a client's), key 37 fa 21 3d */
	static const unsigned char hello_m[] = { 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
						 0x7f, 0x9f, 0x4d, 0x51, 0x58 };
	static const uint8_t key[4] = { 0x37, 0xfa, 0x21, 0x3d };
	assert(decode(hello_m, sizeof(hello_m), false, &f, &off, err) == 0);
	assert(f.masked && f.len == 5 && !memcmp(f.payload, "Hello", 5));
	assert(feeds_ws_frame_put(out, sizeof(out), FEEDS_WS_TEXT, true, key, "Hello", 5) == 11);
	assert(!memcmp(out, hello_m, 11));
	/* ... fragmented: "Hel" then "lo" */
	static const unsigned char frag[] = { 0x01, 0x03, 'H', 'e', 'l', 0x80, 0x02, 'l', 'o' };
	assert(decode(frag, sizeof(frag), true, &f, &off, err) == 0);
	assert(f.op == FEEDS_WS_TEXT && !f.fin && f.len == 3 && off == 5);
	assert(feeds_ws_frame_next(guard_end - sizeof(frag), sizeof(frag), &off, true, 100, &f, err,
				   sizeof(err)) == 0);
	assert(f.op == FEEDS_WS_CONT && f.fin && f.len == 2 && !memcmp(f.payload, "lo", 2));
	assert(feeds_ws_frame_next(guard_end - sizeof(frag), sizeof(frag), &off, true, 100, &f, err,
				   sizeof(err)) == CORE_EOF);
	/* ... unmasked Ping "Hello", and 256 bytes / 64 KiB binary in one frame */
	static const unsigned char ping[] = { 0x89, 0x05, 'H', 'e', 'l', 'l', 'o' };
	assert(decode(ping, sizeof(ping), true, &f, &off, err) == 0 && f.op == FEEDS_WS_PING);
	static unsigned char body[70000];
	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (unsigned char)(i * 7);
	assert(feeds_ws_frame_put(out, sizeof(out), FEEDS_WS_BINARY, true, NULL, body, 256) == 260);
	assert(out[0] == 0x82 && out[1] == 0x7e && out[2] == 0x01 && out[3] == 0x00);
	assert(feeds_ws_frame_put(out, sizeof(out), FEEDS_WS_BINARY, true, NULL, body, 65536) ==
	       65546);
	static const unsigned char l64[] = { 0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0 };
	assert(!memcmp(out, l64, sizeof(l64)));

	/* every length form round-trips, masked and not; every cut is PARTIAL */
	static const size_t lens[] = { 0, 1, 125, 126, 127, 65535, 65536, 70000 };
	unsigned cuts = 0;
	for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
		for (int m = 0; m < 2; m++) {
			int n = feeds_ws_frame_put(out, sizeof(out), FEEDS_WS_BINARY, true,
						   m ? key : NULL, body, lens[li]);
			assert(n > 0);
			assert(decode(out, (size_t)n, !m, &f, &off, err) == 0);
			assert(off == (size_t)n && f.len == lens[li] && f.masked == (m == 1));
			assert(!memcmp(f.payload, body, lens[li]));
			size_t step = n > 300 ? 97 : 1;
			for (size_t cut = 0; cut < (size_t)n; cut += step, cuts++) {
				int r = decode(out, cut, !m, &f, &off, err);
				assert(r == (cut ? FEEDS_WS_PARTIAL : CORE_EOF) && off == 0);
			}
		}
	}
	/* a payload above the caller's limit, before it has all arrived */
	int n = feeds_ws_frame_put(out, sizeof(out), FEEDS_WS_TEXT, true, NULL, body, 70000);
	off = 0;
	assert(feeds_ws_frame_next(out, 20, &off, true, 65536, &f, err, sizeof(err)) == -EMSGSIZE);
	assert(strstr(err, "70000 bytes (the limit is 65536)") && n > 0);
	/* the encoder refuses what no peer may send */
	assert(feeds_ws_frame_put(out, sizeof(out), FEEDS_WS_PING, true, NULL, body, 126) == -EINVAL);
	assert(feeds_ws_frame_put(out, sizeof(out), FEEDS_WS_CLOSE, false, NULL, body, 2) == -EINVAL);
	assert(feeds_ws_frame_put(out, 6, FEEDS_WS_TEXT, true, NULL, body, 5) == -ENOSPC);

	/* faults, with the offset of the byte that says so */
	refused((const unsigned char[]){ 0xc1, 0x00 }, 2, true, "RSV bits", 0);
	refused((const unsigned char[]){ 0x83, 0x00 }, 2, true, "unknown opcode 0x3", 0);
	refused((const unsigned char[]){ 0x8b, 0x00 }, 2, true, "unknown opcode 0xb", 0);
	refused((const unsigned char[]){ 0x81, 0x80, 1, 2, 3, 4 }, 6, true, "masked frame from the server", 1);
	refused(hello, sizeof(hello), false, "unmasked frame from a client", 1);
	refused((const unsigned char[]){ 0x81, 0x7e, 0x00, 0x7d }, 4, true, "16-bit length below 126", 2);
	refused((const unsigned char[]){ 0x82, 0x7f, 0, 0, 0, 0, 0, 0, 0xff, 0xff }, 10, true,
		"64-bit length below 65536", 2);
	refused((const unsigned char[]){ 0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0 }, 10, true,
		"top bit set", 2);
	refused((const unsigned char[]){ 0x09, 0x00 }, 2, true, "fragmented control frame", 0);
	refused((const unsigned char[]){ 0x89, 0x7e, 0x00, 0x7e }, 4, true, "control frame above 125", 1);
	refused((const unsigned char[]){ 0x88, 0x01, 0x03 }, 3, true, "Close frame of one byte", 1);
	/* a fault after a good frame names its own offset */
	unsigned char two[9] = { 0x81, 0x05, 'H', 'e', 'l', 'l', 'o', 0xf1, 0x00 };
	off = 0;
	assert(decode(two, sizeof(two), true, &f, &off, err) == 0 && off == 7);
	assert(feeds_ws_frame_next(guard_end - sizeof(two), sizeof(two), &off, true, 100, &f, err,
				   sizeof(err)) == -EBADMSG && strstr(err, "offset 7:"));

	/* Close codes */
	static const unsigned char close_[] = { 0x88, 0x06, 0x03, 0xe9, 'g', 'o', 'n', 'e' };
	assert(decode(close_, sizeof(close_), true, &f, &off, err) == 0);
	const char *why;
	size_t wl;
	assert(feeds_ws_close_code(&f, &why, &wl) == 1001 && wl == 4 && !memcmp(why, "gone", 4));
	static const unsigned char close0[] = { 0x88, 0x00 };
	assert(decode(close0, 2, true, &f, &off, err) == 0);
	assert(feeds_ws_close_code(&f, &why, &wl) == 1005 && wl == 0);
	munmap(map, span + pg);
	printf("ws: RFC 6455's examples, %u cuts partial, 11 faults named\n", cuts);
	return 0;
}
