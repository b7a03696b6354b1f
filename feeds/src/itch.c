/* itch.c - ITCH 5.0 decoder: all 23 message types, day-file framing. */
#include <stdio.h>

#include "feeds.h"

const char feeds_itch_types[FEEDS_ITCH_NTYPES + 1] = "SRHYLVWKJhIOAFECXDUPQBN";

/* Lengths from the spec's offset/length tables (PROTOCOLS.md agrees). */
static const uint8_t itch_len[256] = {
	['S'] = 12, ['R'] = 39, ['H'] = 25, ['Y'] = 20, ['L'] = 26, ['V'] = 35,
	['W'] = 12, ['K'] = 28, ['J'] = 35, ['h'] = 21, ['I'] = 50, ['O'] = 48,
	['A'] = 36, ['F'] = 40, ['E'] = 31, ['C'] = 36, ['X'] = 23, ['D'] = 19,
	['U'] = 35, ['P'] = 44, ['Q'] = 40, ['B'] = 19, ['N'] = 20,
};

unsigned feeds_itch_msg_len(uint8_t type)
{
	return itch_len[type];
}

/* A printable rendering of a type byte for messages: 'A' or 0x01. */
static void type_str(char *buf, size_t n, uint8_t t)
{
	if (t >= 0x21 && t < 0x7f)
		snprintf(buf, n, "'%c'", t);
	else
		snprintf(buf, n, "0x%02x", t);
}

#define CPY(dst, p, o) memcpy((dst), (p) + (o), sizeof(dst))

/* Decode a message whose type and length have been checked. */
static inline void decode_body(const unsigned char *p, unsigned len, struct feeds_itch_msg *m)
{
	m->raw = p;
	m->type = p[0];
	m->len = (uint16_t)len;
	m->locate = core_be16(p + 1);
	m->tracking = core_be16(p + 3);
	m->ts_ns = core_be48(p + 5);
	switch (p[0]) {
	case 'A':
	case 'F':
		m->u.add.ref = core_be64(p + 11);
		m->u.add.side = (char)p[19];
		m->u.add.shares = core_be32(p + 20);
		CPY(m->u.add.stock, p, 24);
		m->u.add.price = core_be32(p + 32);
		if (p[0] == 'F')
			CPY(m->u.add.mpid, p, 36);
		else
			memset(m->u.add.mpid, ' ', sizeof(m->u.add.mpid));
		break;
	case 'E':
	case 'C':
		m->u.exec.ref = core_be64(p + 11);
		m->u.exec.shares = core_be32(p + 19);
		m->u.exec.match = core_be64(p + 23);
		if (p[0] == 'C') {
			m->u.exec.printable = (char)p[31];
			m->u.exec.price = core_be32(p + 32);
		} else {
			m->u.exec.printable = 'Y';
			m->u.exec.price = 0;
		}
		break;
	case 'X':
		m->u.cancel.ref = core_be64(p + 11);
		m->u.cancel.shares = core_be32(p + 19);
		break;
	case 'D':
		m->u.del.ref = core_be64(p + 11);
		break;
	case 'U':
		m->u.replace.orig_ref = core_be64(p + 11);
		m->u.replace.new_ref = core_be64(p + 19);
		m->u.replace.shares = core_be32(p + 27);
		m->u.replace.price = core_be32(p + 31);
		break;
	case 'P':
		m->u.trade.ref = core_be64(p + 11);
		m->u.trade.side = (char)p[19];
		m->u.trade.shares = core_be32(p + 20);
		CPY(m->u.trade.stock, p, 24);
		m->u.trade.price = core_be32(p + 32);
		m->u.trade.match = core_be64(p + 36);
		break;
	case 'Q':
		m->u.cross.shares = core_be64(p + 11);
		CPY(m->u.cross.stock, p, 19);
		m->u.cross.price = core_be32(p + 27);
		m->u.cross.match = core_be64(p + 31);
		m->u.cross.cross_type = (char)p[39];
		break;
	case 'B':
		m->u.broken.match = core_be64(p + 11);
		break;
	case 'S':
		m->u.sys.event = (char)p[11];
		break;
	case 'R':
		CPY(m->u.dir.stock, p, 11);
		m->u.dir.market_category = (char)p[19];
		m->u.dir.financial_status = (char)p[20];
		m->u.dir.round_lot = core_be32(p + 21);
		m->u.dir.round_lots_only = (char)p[25];
		m->u.dir.issue_classification = (char)p[26];
		CPY(m->u.dir.issue_subtype, p, 27);
		m->u.dir.authenticity = (char)p[29];
		m->u.dir.short_sale_threshold = (char)p[30];
		m->u.dir.ipo_flag = (char)p[31];
		m->u.dir.luld_tier = (char)p[32];
		m->u.dir.etp_flag = (char)p[33];
		m->u.dir.etp_leverage = core_be32(p + 34);
		m->u.dir.inverse = (char)p[38];
		break;
	case 'H':
		CPY(m->u.trading.stock, p, 11);
		m->u.trading.state = (char)p[19];
		m->u.trading.reserved = (char)p[20];
		CPY(m->u.trading.reason, p, 21);
		break;
	case 'Y':
		CPY(m->u.regsho.stock, p, 11);
		m->u.regsho.action = (char)p[19];
		break;
	case 'L':
		CPY(m->u.mpp.mpid, p, 11);
		CPY(m->u.mpp.stock, p, 15);
		m->u.mpp.primary = (char)p[23];
		m->u.mpp.mode = (char)p[24];
		m->u.mpp.state = (char)p[25];
		break;
	case 'V':
		m->u.mwcb_decline.level[0] = core_be64(p + 11);
		m->u.mwcb_decline.level[1] = core_be64(p + 19);
		m->u.mwcb_decline.level[2] = core_be64(p + 27);
		break;
	case 'W':
		m->u.mwcb_status.level = (char)p[11];
		break;
	case 'K':
		CPY(m->u.ipo.stock, p, 11);
		m->u.ipo.release_time = core_be32(p + 19);
		m->u.ipo.release_qualifier = (char)p[23];
		m->u.ipo.price = core_be32(p + 24);
		break;
	case 'J':
		CPY(m->u.luld.stock, p, 11);
		m->u.luld.ref_price = core_be32(p + 19);
		m->u.luld.upper_price = core_be32(p + 23);
		m->u.luld.lower_price = core_be32(p + 27);
		m->u.luld.extension = core_be32(p + 31);
		break;
	case 'h':
		CPY(m->u.op_halt.stock, p, 11);
		m->u.op_halt.market_code = (char)p[19];
		m->u.op_halt.action = (char)p[20];
		break;
	case 'I':
		m->u.noii.paired = core_be64(p + 11);
		m->u.noii.imbalance = core_be64(p + 19);
		m->u.noii.direction = (char)p[27];
		CPY(m->u.noii.stock, p, 28);
		m->u.noii.far_price = core_be32(p + 36);
		m->u.noii.near_price = core_be32(p + 40);
		m->u.noii.ref_price = core_be32(p + 44);
		m->u.noii.cross_type = (char)p[48];
		m->u.noii.variation = (char)p[49];
		break;
	case 'N':
		CPY(m->u.rpii.stock, p, 11);
		m->u.rpii.interest = (char)p[19];
		break;
	case 'O':
		CPY(m->u.dlcr.stock, p, 11);
		m->u.dlcr.eligible = (char)p[19];
		m->u.dlcr.min_price = core_be32(p + 20);
		m->u.dlcr.max_price = core_be32(p + 24);
		m->u.dlcr.near_price = core_be32(p + 28);
		m->u.dlcr.near_time = core_be64(p + 32);
		m->u.dlcr.lower_collar = core_be32(p + 40);
		m->u.dlcr.upper_collar = core_be32(p + 44);
		break;
	default:
		break;
	}
}

int feeds_itch_decode(const unsigned char *msg, size_t len, struct feeds_itch_msg *ret, char *err,
		      size_t errlen)
{
	char ts[8];
	if (len == 0) {
		core_errf(err, errlen, "empty message (length 0)");
		return -EBADMSG;
	}
	unsigned want = itch_len[msg[0]];
	if (want == 0) {
		type_str(ts, sizeof(ts), msg[0]);
		core_errf(err, errlen, "unknown message type %s (length %zu)", ts, len);
		return -EBADMSG;
	}
	if (want != len) {
		type_str(ts, sizeof(ts), msg[0]);
		core_errf(err, errlen, "type %s has length %u, got %zu", ts, want, len);
		return -EBADMSG;
	}
	decode_body(msg, want, ret);
	return 0;
}

/* Cold: build the message for a bad frame at off. */
static CORE_COLD int frame_error(const unsigned char *buf, size_t len, size_t off, char *err,
				 size_t errlen)
{
	char ts[8];
	size_t left = len - off;
	if (left < 2) {
		core_errf(err, errlen, "offset %zu: truncated frame header (%zu byte left, need 2)",
		          off, left);
		return -EBADMSG;
	}
	size_t flen = core_be16(buf + off);
	left -= 2;
	if (flen == 0) {
		if (left > 0 && itch_len[buf[off + 2]]) {
			type_str(ts, sizeof(ts), buf[off + 2]);
			core_errf(err, errlen,
			          "offset %zu: frame length 0 (next byte is type %s, length %u)",
			          off, ts, itch_len[buf[off + 2]]);
		} else {
			core_errf(err, errlen, "offset %zu: frame length 0", off);
		}
		return -EBADMSG;
	}
	if (left == 0) {
		core_errf(err, errlen,
		          "offset %zu: truncated frame: length %zu but no message bytes left", off,
		          flen);
		return -EBADMSG;
	}
	uint8_t t = buf[off + 2];
	unsigned want = itch_len[t];
	type_str(ts, sizeof(ts), t);
	if (want == 0) {
		core_errf(err, errlen, "offset %zu: unknown message type %s (frame length %zu)",
		          off, ts, flen);
		return -EBADMSG;
	}
	if (flen != want) {
		core_errf(err, errlen, "offset %zu: type %s has length %u, frame length is %zu",
		          off, ts, want, flen);
		return -EBADMSG;
	}
	core_errf(err, errlen,
	          "offset %zu: truncated message: type %s length %zu, only %zu bytes left", off, ts,
	          flen, left);
	return -EBADMSG;
}

int feeds_itch_next(const unsigned char *buf, size_t len, size_t *off, struct feeds_itch_msg *ret,
		    char *err, size_t errlen)
{
	size_t o = *off;
	if (o >= len) {
		if (o == len)
			return CORE_EOF;
		core_errf(err, errlen, "offset %zu is past the end (%zu bytes)", o, len);
		return -EINVAL;
	}
	/* Fast path: header, type and body all present and consistent. */
	if (len - o >= 3) {
		size_t flen = core_be16(buf + o);
		unsigned want = itch_len[buf[o + 2]];
		if (flen == want && want != 0 && len - o - 2 >= flen) {
			decode_body(buf + o + 2, want, ret);
			*off = o + 2 + flen;
			return 0;
		}
	}
	return frame_error(buf, len, o, err, errlen);
}
