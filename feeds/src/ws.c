/* ws.c - the WebSocket frame codec (RFC 6455 section 5; feeds.h,
 * "WebSocket"). */
#include "feeds.h"

#include <stdio.h>

static int bad(char *err, size_t errlen, size_t at, const char *what)
{
	core_errf(err, errlen, "offset %zu: %s", at, what);
	return -EBADMSG;
}

int feeds_ws_frame_next(void *buf, size_t len, size_t *off, bool from_server, uint64_t max,
			struct feeds_ws_frame *ret, char *err, size_t errlen)
{
	unsigned char *p = buf;
	size_t o = *off;
	if (o >= len)
		return CORE_EOF;
	size_t have = len - o;
	if (have < 2)
		return FEEDS_WS_PARTIAL;
	uint8_t b0 = p[o], b1 = p[o + 1];
	uint8_t op = b0 & 0x0f;
	bool fin = b0 & 0x80, masked = b1 & 0x80;
	if (b0 & 0x70)
		return bad(err, errlen, o, "RSV bits set (no extension was negotiated)");
	if (op != FEEDS_WS_CONT && op != FEEDS_WS_TEXT && op != FEEDS_WS_BINARY &&
	    op != FEEDS_WS_CLOSE && op != FEEDS_WS_PING && op != FEEDS_WS_PONG) {
		char what[48];
		snprintf(what, sizeof(what), "unknown opcode 0x%x", op);
		return bad(err, errlen, o, what);
	}
	if (masked == from_server)
		return bad(err, errlen, o + 1,
			   from_server ? "a masked frame from the server" : "an unmasked frame from a client");
	uint64_t n = b1 & 0x7f;
	size_t hdr = 2;
	if (n == 126) {
		if (have < 4)
			return FEEDS_WS_PARTIAL;
		n = core_be16(p + o + 2);
		hdr = 4;
		if (n < 126)
			return bad(err, errlen, o + 2, "a 16-bit length below 126 (not minimal)");
	} else if (n == 127) {
		if (have < 10)
			return FEEDS_WS_PARTIAL;
		n = core_be64(p + o + 2);
		hdr = 10;
		if (n >> 63)
			return bad(err, errlen, o + 2, "a 64-bit length with its top bit set");
		if (n <= 0xffff)
			return bad(err, errlen, o + 2, "a 64-bit length below 65536 (not minimal)");
	}
	if (op >= FEEDS_WS_CLOSE) {
		if (!fin)
			return bad(err, errlen, o, "a fragmented control frame");
		if (n > 125)
			return bad(err, errlen, o + 1, "a control frame above 125 bytes");
		if (op == FEEDS_WS_CLOSE && n == 1)
			return bad(err, errlen, o + 1, "a Close frame of one byte");
	}
	if (n > max) {
		core_errf(err, errlen, "offset %zu: a frame of %llu bytes (the limit is %llu)", o + 1,
			  (unsigned long long)n, (unsigned long long)max);
		return -EMSGSIZE;
	}
	if (masked)
		hdr += 4;
	if (have < hdr || have - hdr < n)
		return FEEDS_WS_PARTIAL;
	ret->op = op;
	ret->fin = fin;
	ret->masked = masked;
	ret->len = n;
	ret->payload = p + o + hdr;
	if (masked) {
		memcpy(ret->mask, p + o + hdr - 4, 4);
		for (uint64_t i = 0; i < n; i++)
			ret->payload[i] ^= ret->mask[i & 3];
	}
	*off = o + hdr + (size_t)n;
	return 0;
}

int feeds_ws_frame_put(void *out, size_t cap, uint8_t op, bool fin, const uint8_t *mask,
		       const void *payload, size_t n)
{
	if (op >= FEEDS_WS_CLOSE && (n > 125 || !fin))
		return -EINVAL;
	unsigned char *q = out;
	size_t hdr = 2 + (n >= 126 ? (n > 0xffff ? 8 : 2) : 0) + (mask ? 4 : 0);
	if (cap < hdr || cap - hdr < n || n > INT32_MAX - hdr)
		return -ENOSPC;
	q[0] = (uint8_t)((fin ? 0x80 : 0) | (op & 0x0f));
	uint8_t m = mask ? 0x80 : 0;
	size_t i = 2;
	if (n < 126) {
		q[1] = (uint8_t)(m | n);
	} else if (n <= 0xffff) {
		q[1] = m | 126;
		q[2] = (uint8_t)(n >> 8);
		q[3] = (uint8_t)n;
		i = 4;
	} else {
		q[1] = m | 127;
		for (int k = 0; k < 8; k++)
			q[2 + k] = (uint8_t)((uint64_t)n >> (56 - 8 * k));
		i = 10;
	}
	const unsigned char *s = payload;
	if (mask) {
		memcpy(q + i, mask, 4);
		i += 4;
		for (size_t k = 0; k < n; k++)
			q[i + k] = s[k] ^ mask[k & 3];
	} else if (n) {
		memcpy(q + i, s, n);
	}
	return (int)(i + n);
}

unsigned feeds_ws_close_code(const struct feeds_ws_frame *f, const char **ret_reason,
			     size_t *ret_len)
{
	*ret_reason = "";
	*ret_len = 0;
	if (f->len < 2)
		return 1005;
	*ret_reason = (const char *)f->payload + 2;
	*ret_len = (size_t)f->len - 2;
	return core_be16(f->payload);
}
