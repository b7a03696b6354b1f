/* ouch_samples.h - one OUCH 4.2 message of every kind, with distinct field
 * values, and its wire bytes written here from the offsets exec.h documents
 * (not by the encoder under test), so an encoder or decoder that puts a field
 * at the wrong offset, swaps two fields or gets a byte order wrong disagrees
 * with these bytes. Shared by the OUCH tests, the fuzz driver and the bench. */
#ifndef OSPREY_TEST_OUCH_SAMPLES_H
#define OSPREY_TEST_OUCH_SAMPLES_H

#include <stdio.h>
#include <string.h>

#include "exec.h"

static inline void os_alpha(char *field, size_t width, const char *s)
{
	size_t n = strlen(s);
	memset(field, ' ', width);
	memcpy(field, s, n < width ? n : width);
}

/* Fill *m (zeroed first) and bytes (EXEC_OUCH_MAX_LEN) for kind; returns the length. */
static inline int ouch_sample(int kind, struct exec_ouch_msg *m, unsigned char *b)
{
	memset(m, 0, sizeof(*m));
	memset(b, 0, EXEC_OUCH_MAX_LEN);
	m->kind = (uint8_t)kind;
	m->type = exec_ouch_type(kind);
	m->len = (uint8_t)exec_ouch_len(kind);
	b[0] = m->type;
	const uint32_t k = (uint32_t)kind;
	const uint64_t ts = 34200000000000ull + k * 1000003ull; /* 09:30:00.0k */
	const uint32_t shares = 100 + k, price = 1892500 + k, tif = k & 1 ? 99999 : 30 + k;
	const uint32_t min_qty = 7 + k, decrement = 10 + k, prevented = 5 + k;
	const uint32_t ref_price = 1890000 + k;
	const uint64_t order_ref = 0x1122334455667700ull + k, match = 0x0a0b0c0d0e0f1000ull + k;
	char token[15], token2[15];
	snprintf(token, sizeof(token), "TOK%02uA%07u", (unsigned)k, 1000000u + k);
	snprintf(token2, sizeof(token2), "NEW%02uB", (unsigned)k); /* padded with spaces */
	char tokb[14], tok2b[14], stock[8], firm[4];
	os_alpha(tokb, 14, token);
	os_alpha(tok2b, 14, token2);
	os_alpha(stock, 8, "AAPL");
	os_alpha(firm, 4, "FIRM");
#define W32(off, v) core_put_be32(b + (off), (v))
#define W64(off, v) core_put_be64(b + (off), (v))
#define WA(off, s, n) memcpy(b + (off), (s), (n))
	switch (kind) {
	case EXEC_OUCH_ENTER: {
		struct exec_ouch_enter *o = &m->enter;
		memcpy(o->token, tokb, 14), WA(1, tokb, 14);
		o->side = b[15] = 'B';
		o->shares = shares, W32(16, shares);
		memcpy(o->stock, stock, 8), WA(20, stock, 8);
		o->price = price, W32(28, price);
		o->tif = tif, W32(32, tif);
		memcpy(o->firm, firm, 4), WA(36, firm, 4);
		o->display = b[40] = 'A';
		o->capacity = b[41] = 'P';
		o->iso = b[42] = 'Y';
		o->min_qty = min_qty, W32(43, min_qty);
		o->cross_type = b[47] = 'N';
		o->customer_type = b[48] = 'R';
		break;
	}
	case EXEC_OUCH_REPLACE: {
		struct exec_ouch_replace *o = &m->replace;
		memcpy(o->existing, tokb, 14), WA(1, tokb, 14);
		memcpy(o->replacement, tok2b, 14), WA(15, tok2b, 14);
		o->shares = shares, W32(29, shares);
		o->price = price, W32(33, price);
		o->tif = tif, W32(37, tif);
		o->display = b[41] = 'A';
		o->iso = b[42] = 'Y';
		o->min_qty = min_qty, W32(43, min_qty);
		break;
	}
	case EXEC_OUCH_CANCEL:
		memcpy(m->cancel.token, tokb, 14), WA(1, tokb, 14);
		m->cancel.shares = shares, W32(15, shares);
		break;
	case EXEC_OUCH_MODIFY:
		memcpy(m->modify.token, tokb, 14), WA(1, tokb, 14);
		m->modify.side = b[15] = 'T';
		m->modify.shares = shares, W32(16, shares);
		break;
	case EXEC_OUCH_TRADE_NOW:
		memcpy(m->trade_now.token, tokb, 14), WA(1, tokb, 14);
		break;
	case EXEC_OUCH_SYSTEM_EVENT:
		m->system_event.ts_ns = ts, W64(1, ts);
		m->system_event.event = b[9] = 'S';
		break;
	case EXEC_OUCH_ACCEPTED:
	case EXEC_OUCH_REPLACED: {
		/* the two share every offset up to 64 */
		struct exec_ouch_accepted a;
		memset(&a, 0, sizeof(a));
		a.ts_ns = ts, W64(1, ts);
		memcpy(a.token, kind == EXEC_OUCH_ACCEPTED ? tokb : tok2b, 14), WA(9, a.token, 14);
		a.side = b[23] = 'S';
		a.shares = shares, W32(24, shares);
		memcpy(a.stock, stock, 8), WA(28, stock, 8);
		a.price = price, W32(36, price);
		a.tif = tif, W32(40, tif);
		memcpy(a.firm, firm, 4), WA(44, firm, 4);
		a.display = b[48] = 'A';
		a.order_ref = order_ref, W64(49, order_ref);
		a.capacity = b[57] = 'P';
		a.iso = b[58] = 'Y';
		a.min_qty = min_qty, W32(59, min_qty);
		a.cross_type = b[63] = 'N';
		a.state = b[64] = 'L';
		if (kind == EXEC_OUCH_ACCEPTED) {
			a.bbo_weight = b[65] = '1';
			m->accepted = a;
			break;
		}
		struct exec_ouch_replaced *o = &m->replaced;
		o->ts_ns = a.ts_ns, o->order_ref = a.order_ref;
		memcpy(o->token, a.token, 14), memcpy(o->stock, stock, 8), memcpy(o->firm, firm, 4);
		o->shares = a.shares, o->price = a.price, o->tif = a.tif, o->min_qty = a.min_qty;
		o->side = a.side, o->display = a.display, o->capacity = a.capacity, o->iso = a.iso;
		o->cross_type = a.cross_type, o->state = a.state;
		memcpy(o->previous, tokb, 14), WA(65, tokb, 14);
		o->bbo_weight = b[79] = ' ';
		break;
	}
	case EXEC_OUCH_CANCELED:
		m->canceled.ts_ns = ts, W64(1, ts);
		memcpy(m->canceled.token, tokb, 14), WA(9, tokb, 14);
		m->canceled.decrement = decrement, W32(23, decrement);
		m->canceled.reason = b[27] = 'U';
		break;
	case EXEC_OUCH_AIQ_CANCELED:
		m->aiq_canceled.ts_ns = ts, W64(1, ts);
		memcpy(m->aiq_canceled.token, tokb, 14), WA(9, tokb, 14);
		m->aiq_canceled.decrement = decrement, W32(23, decrement);
		m->aiq_canceled.reason = b[27] = 'Q';
		m->aiq_canceled.prevented = prevented, W32(28, prevented);
		m->aiq_canceled.price = price, W32(32, price);
		m->aiq_canceled.liquidity = b[36] = 'R';
		break;
	case EXEC_OUCH_EXECUTED:
	case EXEC_OUCH_EXECUTED_REF:
	case EXEC_OUCH_CORRECTION: {
		/* the three share every offset up to 39 */
		struct exec_ouch_executed e;
		memset(&e, 0, sizeof(e));
		e.ts_ns = ts, W64(1, ts);
		memcpy(e.token, tokb, 14), WA(9, tokb, 14);
		e.shares = shares, W32(23, shares);
		e.price = price, W32(27, price);
		e.liquidity = b[31] = 'A';
		e.match = match, W64(32, match);
		if (kind == EXEC_OUCH_EXECUTED) {
			m->executed = e;
		} else if (kind == EXEC_OUCH_EXECUTED_REF) {
			struct exec_ouch_executed_ref *o = &m->executed_ref;
			o->ts_ns = e.ts_ns, o->match = e.match, memcpy(o->token, e.token, 14);
			o->shares = e.shares, o->price = e.price, o->liquidity = e.liquidity;
			o->ref_price = ref_price, W32(40, ref_price);
			o->ref_type = b[44] = 'N';
		} else {
			struct exec_ouch_correction *o = &m->correction;
			o->ts_ns = e.ts_ns, o->match = e.match, memcpy(o->token, e.token, 14);
			o->shares = e.shares, o->price = e.price, o->liquidity = e.liquidity;
			o->reason = b[40] = 'E';
		}
		break;
	}
	case EXEC_OUCH_BROKEN:
		m->broken.ts_ns = ts, W64(1, ts);
		memcpy(m->broken.token, tokb, 14), WA(9, tokb, 14);
		m->broken.match = match, W64(23, match);
		m->broken.reason = b[31] = 'C';
		break;
	case EXEC_OUCH_REJECTED:
		m->rejected.ts_ns = ts, W64(1, ts);
		memcpy(m->rejected.token, tokb, 14), WA(9, tokb, 14);
		m->rejected.reason = b[23] = 'X';
		break;
	case EXEC_OUCH_CANCEL_PENDING:
		m->cancel_pending.ts_ns = ts, W64(1, ts);
		memcpy(m->cancel_pending.token, tokb, 14), WA(9, tokb, 14);
		break;
	case EXEC_OUCH_CANCEL_REJECT:
		m->cancel_reject.ts_ns = ts, W64(1, ts);
		memcpy(m->cancel_reject.token, tokb, 14), WA(9, tokb, 14);
		break;
	case EXEC_OUCH_PRIORITY:
		m->priority.ts_ns = ts, W64(1, ts);
		memcpy(m->priority.token, tokb, 14), WA(9, tokb, 14);
		m->priority.price = price, W32(23, price);
		m->priority.display = b[27] = 'Y';
		m->priority.order_ref = order_ref, W64(28, order_ref);
		break;
	case EXEC_OUCH_MODIFIED:
		m->modified.ts_ns = ts, W64(1, ts);
		memcpy(m->modified.token, tokb, 14), WA(9, tokb, 14);
		m->modified.side = b[23] = 'E';
		m->modified.shares = shares, W32(24, shares);
		break;
	default:
		return 0;
	}
#undef W32
#undef W64
#undef WA
	return m->len;
}

/* The direction a kind travels in. */
static inline int ouch_sample_dir(int kind)
{
	return kind <= EXEC_OUCH_TRADE_NOW ? EXEC_OUCH_INBOUND : EXEC_OUCH_OUTBOUND;
}

#endif
