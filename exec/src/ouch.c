/* ouch.c - OUCH 4.2 messages: one encoder per kind, one decoder (exec.h,
 * last section, has the layouts and the rules). Why one file of about 800
 * lines: the layout strings below are the one definition of every kind, read
 * by both directions of the codec; splitting encoders from the decoder would
 * split that table.
 *
 * Each kind has a layout string, one character per wire byte, which is the
 * one definition of what a valid message is for both directions of the
 * codec: encoders write the bytes, then check them exactly as the decoder
 * does. Characters: T the type byte; A starts an alpha field and a continues
 * it; N starts a binary number and n continues it; C a code byte; S the side;
 * L the order state; E the system event code. Every byte that is not T, N or
 * n must be printable ASCII (a branch-free loop over the message the
 * compiler vectorizes); S, L and E bytes must also be in their lists. The
 * uppercase letters start fields, in the order of the kind's field names,
 * which only the error path reads. */
#include <stdio.h>
#include <string.h>

#include "exec.h"

#define L_TOKEN "Aaaaaaaaaaaaaa"
#define L_STOCK "Aaaaaaaa"
#define L_FIRM  "Aaaa"
#define L_U32   "Nnnn"
#define L_U64   "Nnnnnnnn"
#define L_TS    L_U64

/* inbound */
#define LAY_ENTER     "T" L_TOKEN "S" L_U32 L_STOCK L_U32 L_U32 L_FIRM "CCC" L_U32 "CC"
#define LAY_REPLACE   "T" L_TOKEN L_TOKEN L_U32 L_U32 L_U32 "CC" L_U32
#define LAY_CANCEL    "T" L_TOKEN L_U32
#define LAY_MODIFY    "T" L_TOKEN "S" L_U32
#define LAY_TRADE_NOW "T" L_TOKEN
/* outbound */
#define LAY_SYSTEM_EVENT "T" L_TS "E"
#define LAY_ACCEPTED                                                                              \
	"T" L_TS L_TOKEN "S" L_U32 L_STOCK L_U32 L_U32 L_FIRM "C" L_U64 "CC" L_U32 "CLC"
#define LAY_REPLACED                                                                              \
	"T" L_TS L_TOKEN "S" L_U32 L_STOCK L_U32 L_U32 L_FIRM "C" L_U64 "CC" L_U32 "CL" L_TOKEN "C"
#define LAY_CANCELED       "T" L_TS L_TOKEN L_U32 "C"
#define LAY_AIQ_CANCELED   "T" L_TS L_TOKEN L_U32 "C" L_U32 L_U32 "C"
#define LAY_EXECUTED       "T" L_TS L_TOKEN L_U32 L_U32 "C" L_U64
#define LAY_BROKEN         "T" L_TS L_TOKEN L_U64 "C"
#define LAY_EXECUTED_REF   "T" L_TS L_TOKEN L_U32 L_U32 "C" L_U64 L_U32 "C"
#define LAY_CORRECTION     "T" L_TS L_TOKEN L_U32 L_U32 "C" L_U64 "C"
#define LAY_REJECTED       "T" L_TS L_TOKEN "C"
#define LAY_CANCEL_PENDING "T" L_TS L_TOKEN
#define LAY_CANCEL_REJECT  "T" L_TS L_TOKEN
#define LAY_PRIORITY       "T" L_TS L_TOKEN L_U32 "C" L_U64
#define LAY_MODIFIED       "T" L_TS L_TOKEN "S" L_U32

#define LEN_OK(lay, n) static_assert(sizeof(lay) - 1 == (n), #lay " is not " #n " bytes")
LEN_OK(LAY_ENTER, 49);
LEN_OK(LAY_REPLACE, 47);
LEN_OK(LAY_CANCEL, 19);
LEN_OK(LAY_MODIFY, 20);
LEN_OK(LAY_TRADE_NOW, 15);
LEN_OK(LAY_SYSTEM_EVENT, 10);
LEN_OK(LAY_ACCEPTED, 66);
LEN_OK(LAY_REPLACED, 80);
LEN_OK(LAY_CANCELED, 28);
LEN_OK(LAY_AIQ_CANCELED, 37);
LEN_OK(LAY_EXECUTED, 40);
LEN_OK(LAY_BROKEN, 32);
LEN_OK(LAY_EXECUTED_REF, 45);
LEN_OK(LAY_CORRECTION, 41);
LEN_OK(LAY_REJECTED, 24);
LEN_OK(LAY_CANCEL_PENDING, 23);
LEN_OK(LAY_CANCEL_REJECT, 23);
LEN_OK(LAY_PRIORITY, 36);
LEN_OK(LAY_MODIFIED, 28);
static_assert(sizeof(LAY_REPLACED) - 1 == EXEC_OUCH_MAX_LEN, "the longest message");

#define F_TOKEN "Order Token"
#define F_SIDE  "Buy/Sell Indicator"
#define F_TS    "Timestamp"
static const char *const f_enter[] = { F_TOKEN, F_SIDE, "Shares", "Stock", "Price",
				       "Time In Force", "Firm", "Display", "Capacity",
				       "Intermarket Sweep Eligibility", "Minimum Quantity",
				       "Cross Type", "Customer Type" };
static const char *const f_replace[] = { "Existing Order Token", "Replacement Order Token",
					 "Shares", "Price", "Time In Force", "Display",
					 "Intermarket Sweep Eligibility", "Minimum Quantity" };
static const char *const f_cancel[] = { F_TOKEN, "Shares" };
static const char *const f_modify[] = { F_TOKEN, F_SIDE, "Shares" };
static const char *const f_trade_now[] = { F_TOKEN };
static const char *const f_system_event[] = { F_TS, "Event Code" };
static const char *const f_accepted[] = { F_TS, F_TOKEN, F_SIDE, "Shares", "Stock", "Price",
					  "Time In Force", "Firm", "Display",
					  "Order Reference Number", "Capacity",
					  "Intermarket Sweep Eligibility", "Minimum Quantity",
					  "Cross Type", "Order State", "BBO Weight Indicator" };
static const char *const f_replaced[] = { F_TS, "Replacement Order Token", F_SIDE, "Shares",
					  "Stock", "Price", "Time In Force", "Firm", "Display",
					  "Order Reference Number", "Capacity",
					  "Intermarket Sweep Eligibility", "Minimum Quantity",
					  "Cross Type", "Order State", "Previous Order Token",
					  "BBO Weight Indicator" };
static const char *const f_canceled[] = { F_TS, F_TOKEN, "Decrement Shares", "Reason" };
static const char *const f_aiq_canceled[] = { F_TS, F_TOKEN, "Decrement Shares", "Reason",
					      "Quantity Prevented from Trading",
					      "Execution Price", "Liquidity Flag" };
static const char *const f_executed[] = { F_TS, F_TOKEN, "Executed Shares", "Execution Price",
					  "Liquidity Flag", "Match Number" };
static const char *const f_broken[] = { F_TS, F_TOKEN, "Match Number", "Reason" };
static const char *const f_executed_ref[] = { F_TS, F_TOKEN, "Executed Shares",
					      "Execution Price", "Liquidity Flag", "Match Number",
					      "Reference Price", "Reference Price Type" };
static const char *const f_correction[] = { F_TS, F_TOKEN, "Executed Shares",
					    "Execution Price", "Liquidity Flag", "Match Number",
					    "Reason" };
static const char *const f_rejected[] = { F_TS, F_TOKEN, "Reason" };
static const char *const f_token_only[] = { F_TS, F_TOKEN };
static const char *const f_priority[] = { F_TS, F_TOKEN, "Price", "Display",
					  "Order Reference Number" };
static const char *const f_modified[] = { F_TS, F_TOKEN, F_SIDE, "Shares" };

struct spec {
	const char *name;
	const char *layout;
	const char *const *fields; /* names of the fields the layout starts, in order */
	uint8_t nfields;
	uint8_t type, len, dir;
	uint8_t side, state, event; /* offsets of the S, L, E bytes (0: none) */
};

#define IN  EXEC_OUCH_INBOUND
#define OUT EXEC_OUCH_OUTBOUND
#define SPEC(name, lay, f, type, dir, side, state, event)                                      \
	{ name, lay, f, sizeof(f) / sizeof(f[0]), type, sizeof(lay) - 1, dir, side, state, event }

static const struct spec specs[EXEC_OUCH_KINDS] = {
	[EXEC_OUCH_ENTER] = SPEC("Enter Order", LAY_ENTER, f_enter, 'O', IN, 15, 0, 0),
	[EXEC_OUCH_REPLACE] = SPEC("Replace Order", LAY_REPLACE, f_replace, 'U', IN, 0, 0, 0),
	[EXEC_OUCH_CANCEL] = SPEC("Cancel Order", LAY_CANCEL, f_cancel, 'X', IN, 0, 0, 0),
	[EXEC_OUCH_MODIFY] = SPEC("Modify Order", LAY_MODIFY, f_modify, 'M', IN, 15, 0, 0),
	[EXEC_OUCH_TRADE_NOW] = SPEC("Trade Now", LAY_TRADE_NOW, f_trade_now, 'N', IN, 0, 0, 0),
	[EXEC_OUCH_SYSTEM_EVENT] = SPEC("System Event", LAY_SYSTEM_EVENT, f_system_event, 'S', OUT,
					0, 0, 9),
	[EXEC_OUCH_ACCEPTED] = SPEC("Accepted", LAY_ACCEPTED, f_accepted, 'A', OUT, 23, 64, 0),
	[EXEC_OUCH_REPLACED] = SPEC("Replaced", LAY_REPLACED, f_replaced, 'U', OUT, 23, 64, 0),
	[EXEC_OUCH_CANCELED] = SPEC("Canceled", LAY_CANCELED, f_canceled, 'C', OUT, 0, 0, 0),
	[EXEC_OUCH_AIQ_CANCELED] = SPEC("AIQ Canceled", LAY_AIQ_CANCELED, f_aiq_canceled, 'D',
					OUT, 0, 0, 0),
	[EXEC_OUCH_EXECUTED] = SPEC("Executed", LAY_EXECUTED, f_executed, 'E', OUT, 0, 0, 0),
	[EXEC_OUCH_BROKEN] = SPEC("Broken Trade", LAY_BROKEN, f_broken, 'B', OUT, 0, 0, 0),
	[EXEC_OUCH_EXECUTED_REF] = SPEC("Executed with Reference Price", LAY_EXECUTED_REF,
					f_executed_ref, 'G', OUT, 0, 0, 0),
	[EXEC_OUCH_CORRECTION] = SPEC("Trade Correction", LAY_CORRECTION, f_correction, 'F', OUT,
				      0, 0, 0),
	[EXEC_OUCH_REJECTED] = SPEC("Rejected", LAY_REJECTED, f_rejected, 'J', OUT, 0, 0, 0),
	[EXEC_OUCH_CANCEL_PENDING] = SPEC("Cancel Pending", LAY_CANCEL_PENDING, f_token_only, 'P',
					  OUT, 0, 0, 0),
	[EXEC_OUCH_CANCEL_REJECT] = SPEC("Cancel Reject", LAY_CANCEL_REJECT, f_token_only, 'I',
					 OUT, 0, 0, 0),
	[EXEC_OUCH_PRIORITY] = SPEC("Order Priority Update", LAY_PRIORITY, f_priority, 'T', OUT, 0,
				    0, 0),
	[EXEC_OUCH_MODIFIED] = SPEC("Order Modified", LAY_MODIFIED, f_modified, 'M', OUT, 23, 0,
				    0),
};

static bool side_ok(uint8_t c)
{
	return c == 'B' || c == 'S' || c == 'T' || c == 'E';
}

static bool state_ok(uint8_t c)
{
	return c == 'L' || c == 'D';
}

static bool event_ok(uint8_t c)
{
	return c == 'S' || c == 'E';
}

/* Every byte of b valid for its field (s->len bytes, the type byte not read). */
static inline bool valid(const struct spec *s, const unsigned char *b)
{
	uint8_t bad = 0; /* byte lanes: the loop vectorizes without widening */
	for (unsigned i = 1; i < s->len; i++)
		bad |= (uint8_t)((((unsigned char)s->layout[i] | 0x20) != 'n') &
				 ((unsigned char)(b[i] - 0x20) > 0x5e));
	if (s->side && !side_ok(b[s->side]))
		return false;
	if (s->state && !state_ok(b[s->state]))
		return false;
	if (s->event && !event_ok(b[s->event]))
		return false;
	return !bad;
}

/* The first invalid byte of b, named ("offset N: KIND (...): FIELD byte ..."). */
static CORE_COLD void explain(const struct spec *s, const unsigned char *b, char *err,
			      size_t errlen)
{
	int field = -1;
	for (unsigned i = 1; i < s->len; i++) {
		char c = s->layout[i];
		if (c >= 'A' && c <= 'Z')
			field++;
		uint8_t v = b[i];
		const char *want = NULL;
		if ((c | 0x20) != 'n' && (uint8_t)(v - 0x20) > 0x5e)
			want = "printable ASCII";
		else if (c == 'S' && !side_ok(v))
			want = "B, S, T or E";
		else if (c == 'L' && !state_ok(v))
			want = "L or D";
		else if (c == 'E' && !event_ok(v))
			want = "S or E";
		if (!want)
			continue;
		core_errf(err, errlen, "offset %u: %s ('%c', length %u): %s byte 0x%02x ('%c') is not %s",
			  i, s->name, s->type, s->len,
			  field >= 0 && field < s->nfields ? s->fields[field] : "?", v,
			  v >= 0x20 && v < 0x7f ? v : '?', want);
		return;
	}
	core_errf(err, errlen, "%s: no invalid byte found", s->name); /* not reached */
}

/* ------------------------------------------------------------------------- */
/* Encoders: write, then check the bytes as the decoder would. */

static inline int finish(int kind, const unsigned char *b)
{
	const struct spec *s = &specs[kind];
	return valid(s, b) ? s->len : -EINVAL;
}

#define ROOM(kind)                                                                                \
	do {                                                                                      \
		if (cap < specs[kind].len)                                                        \
			return -ENOSPC;                                                           \
		b[0] = specs[kind].type;                                                          \
	} while (0)

int exec_ouch_put_enter(unsigned char *b, size_t cap, const struct exec_ouch_enter *m)
{
	ROOM(EXEC_OUCH_ENTER);
	memcpy(b + 1, m->token, 14);
	b[15] = m->side;
	core_put_be32(b + 16, m->shares);
	memcpy(b + 20, m->stock, 8);
	core_put_be32(b + 28, m->price);
	core_put_be32(b + 32, m->tif);
	memcpy(b + 36, m->firm, 4);
	b[40] = m->display;
	b[41] = m->capacity;
	b[42] = m->iso;
	core_put_be32(b + 43, m->min_qty);
	b[47] = m->cross_type;
	b[48] = m->customer_type;
	return finish(EXEC_OUCH_ENTER, b);
}

int exec_ouch_put_replace(unsigned char *b, size_t cap, const struct exec_ouch_replace *m)
{
	ROOM(EXEC_OUCH_REPLACE);
	memcpy(b + 1, m->existing, 14);
	memcpy(b + 15, m->replacement, 14);
	core_put_be32(b + 29, m->shares);
	core_put_be32(b + 33, m->price);
	core_put_be32(b + 37, m->tif);
	b[41] = m->display;
	b[42] = m->iso;
	core_put_be32(b + 43, m->min_qty);
	return finish(EXEC_OUCH_REPLACE, b);
}

int exec_ouch_put_cancel(unsigned char *b, size_t cap, const struct exec_ouch_cancel *m)
{
	ROOM(EXEC_OUCH_CANCEL);
	memcpy(b + 1, m->token, 14);
	core_put_be32(b + 15, m->shares);
	return finish(EXEC_OUCH_CANCEL, b);
}

int exec_ouch_put_modify(unsigned char *b, size_t cap, const struct exec_ouch_modify *m)
{
	ROOM(EXEC_OUCH_MODIFY);
	memcpy(b + 1, m->token, 14);
	b[15] = m->side;
	core_put_be32(b + 16, m->shares);
	return finish(EXEC_OUCH_MODIFY, b);
}

int exec_ouch_put_trade_now(unsigned char *b, size_t cap, const struct exec_ouch_trade_now *m)
{
	ROOM(EXEC_OUCH_TRADE_NOW);
	memcpy(b + 1, m->token, 14);
	return finish(EXEC_OUCH_TRADE_NOW, b);
}

int exec_ouch_put_system_event(unsigned char *b, size_t cap,
			       const struct exec_ouch_system_event *m)
{
	ROOM(EXEC_OUCH_SYSTEM_EVENT);
	core_put_be64(b + 1, m->ts_ns);
	b[9] = m->event;
	return finish(EXEC_OUCH_SYSTEM_EVENT, b);
}

/* The fields Accepted and Replaced share, from offset 23 (the side) to 64 (the state). */
#define PUT_ORDER_BODY(b, m)                                                                      \
	do {                                                                                      \
		b[23] = m->side;                                                                  \
		core_put_be32(b + 24, m->shares);                                                 \
		memcpy(b + 28, m->stock, 8);                                                      \
		core_put_be32(b + 36, m->price);                                                  \
		core_put_be32(b + 40, m->tif);                                                    \
		memcpy(b + 44, m->firm, 4);                                                       \
		b[48] = m->display;                                                               \
		core_put_be64(b + 49, m->order_ref);                                              \
		b[57] = m->capacity;                                                              \
		b[58] = m->iso;                                                                   \
		core_put_be32(b + 59, m->min_qty);                                                \
		b[63] = m->cross_type;                                                            \
		b[64] = m->state;                                                                 \
	} while (0)

int exec_ouch_put_accepted(unsigned char *b, size_t cap, const struct exec_ouch_accepted *m)
{
	ROOM(EXEC_OUCH_ACCEPTED);
	core_put_be64(b + 1, m->ts_ns);
	memcpy(b + 9, m->token, 14);
	PUT_ORDER_BODY(b, m);
	b[65] = m->bbo_weight;
	return finish(EXEC_OUCH_ACCEPTED, b);
}

int exec_ouch_put_replaced(unsigned char *b, size_t cap, const struct exec_ouch_replaced *m)
{
	ROOM(EXEC_OUCH_REPLACED);
	core_put_be64(b + 1, m->ts_ns);
	memcpy(b + 9, m->token, 14);
	PUT_ORDER_BODY(b, m);
	memcpy(b + 65, m->previous, 14);
	b[79] = m->bbo_weight;
	return finish(EXEC_OUCH_REPLACED, b);
}

/* Outbound messages all start with the timestamp and the token. */
#define PUT_TS_TOKEN(b, m)                                                                        \
	do {                                                                                      \
		core_put_be64(b + 1, m->ts_ns);                                                   \
		memcpy(b + 9, m->token, 14);                                                      \
	} while (0)

int exec_ouch_put_canceled(unsigned char *b, size_t cap, const struct exec_ouch_canceled *m)
{
	ROOM(EXEC_OUCH_CANCELED);
	PUT_TS_TOKEN(b, m);
	core_put_be32(b + 23, m->decrement);
	b[27] = m->reason;
	return finish(EXEC_OUCH_CANCELED, b);
}

int exec_ouch_put_aiq_canceled(unsigned char *b, size_t cap,
			       const struct exec_ouch_aiq_canceled *m)
{
	ROOM(EXEC_OUCH_AIQ_CANCELED);
	PUT_TS_TOKEN(b, m);
	core_put_be32(b + 23, m->decrement);
	b[27] = m->reason;
	core_put_be32(b + 28, m->prevented);
	core_put_be32(b + 32, m->price);
	b[36] = m->liquidity;
	return finish(EXEC_OUCH_AIQ_CANCELED, b);
}

int exec_ouch_put_executed(unsigned char *b, size_t cap, const struct exec_ouch_executed *m)
{
	ROOM(EXEC_OUCH_EXECUTED);
	PUT_TS_TOKEN(b, m);
	core_put_be32(b + 23, m->shares);
	core_put_be32(b + 27, m->price);
	b[31] = m->liquidity;
	core_put_be64(b + 32, m->match);
	return finish(EXEC_OUCH_EXECUTED, b);
}

int exec_ouch_put_broken(unsigned char *b, size_t cap, const struct exec_ouch_broken *m)
{
	ROOM(EXEC_OUCH_BROKEN);
	PUT_TS_TOKEN(b, m);
	core_put_be64(b + 23, m->match);
	b[31] = m->reason;
	return finish(EXEC_OUCH_BROKEN, b);
}

int exec_ouch_put_executed_ref(unsigned char *b, size_t cap,
			       const struct exec_ouch_executed_ref *m)
{
	ROOM(EXEC_OUCH_EXECUTED_REF);
	PUT_TS_TOKEN(b, m);
	core_put_be32(b + 23, m->shares);
	core_put_be32(b + 27, m->price);
	b[31] = m->liquidity;
	core_put_be64(b + 32, m->match);
	core_put_be32(b + 40, m->ref_price);
	b[44] = m->ref_type;
	return finish(EXEC_OUCH_EXECUTED_REF, b);
}

int exec_ouch_put_correction(unsigned char *b, size_t cap, const struct exec_ouch_correction *m)
{
	ROOM(EXEC_OUCH_CORRECTION);
	PUT_TS_TOKEN(b, m);
	core_put_be32(b + 23, m->shares);
	core_put_be32(b + 27, m->price);
	b[31] = m->liquidity;
	core_put_be64(b + 32, m->match);
	b[40] = m->reason;
	return finish(EXEC_OUCH_CORRECTION, b);
}

int exec_ouch_put_rejected(unsigned char *b, size_t cap, const struct exec_ouch_rejected *m)
{
	ROOM(EXEC_OUCH_REJECTED);
	PUT_TS_TOKEN(b, m);
	b[23] = m->reason;
	return finish(EXEC_OUCH_REJECTED, b);
}

int exec_ouch_put_cancel_pending(unsigned char *b, size_t cap,
				 const struct exec_ouch_cancel_pending *m)
{
	ROOM(EXEC_OUCH_CANCEL_PENDING);
	PUT_TS_TOKEN(b, m);
	return finish(EXEC_OUCH_CANCEL_PENDING, b);
}

int exec_ouch_put_cancel_reject(unsigned char *b, size_t cap,
				const struct exec_ouch_cancel_reject *m)
{
	ROOM(EXEC_OUCH_CANCEL_REJECT);
	PUT_TS_TOKEN(b, m);
	return finish(EXEC_OUCH_CANCEL_REJECT, b);
}

int exec_ouch_put_priority(unsigned char *b, size_t cap, const struct exec_ouch_priority *m)
{
	ROOM(EXEC_OUCH_PRIORITY);
	PUT_TS_TOKEN(b, m);
	core_put_be32(b + 23, m->price);
	b[27] = m->display;
	core_put_be64(b + 28, m->order_ref);
	return finish(EXEC_OUCH_PRIORITY, b);
}

int exec_ouch_put_modified(unsigned char *b, size_t cap, const struct exec_ouch_modified *m)
{
	ROOM(EXEC_OUCH_MODIFIED);
	PUT_TS_TOKEN(b, m);
	b[23] = m->side;
	core_put_be32(b + 24, m->shares);
	return finish(EXEC_OUCH_MODIFIED, b);
}

int exec_ouch_encode(unsigned char *b, size_t cap, const struct exec_ouch_msg *m)
{
	switch (m->kind) {
	case EXEC_OUCH_ENTER: return exec_ouch_put_enter(b, cap, &m->enter);
	case EXEC_OUCH_REPLACE: return exec_ouch_put_replace(b, cap, &m->replace);
	case EXEC_OUCH_CANCEL: return exec_ouch_put_cancel(b, cap, &m->cancel);
	case EXEC_OUCH_MODIFY: return exec_ouch_put_modify(b, cap, &m->modify);
	case EXEC_OUCH_TRADE_NOW: return exec_ouch_put_trade_now(b, cap, &m->trade_now);
	case EXEC_OUCH_SYSTEM_EVENT: return exec_ouch_put_system_event(b, cap, &m->system_event);
	case EXEC_OUCH_ACCEPTED: return exec_ouch_put_accepted(b, cap, &m->accepted);
	case EXEC_OUCH_REPLACED: return exec_ouch_put_replaced(b, cap, &m->replaced);
	case EXEC_OUCH_CANCELED: return exec_ouch_put_canceled(b, cap, &m->canceled);
	case EXEC_OUCH_AIQ_CANCELED: return exec_ouch_put_aiq_canceled(b, cap, &m->aiq_canceled);
	case EXEC_OUCH_EXECUTED: return exec_ouch_put_executed(b, cap, &m->executed);
	case EXEC_OUCH_BROKEN: return exec_ouch_put_broken(b, cap, &m->broken);
	case EXEC_OUCH_EXECUTED_REF: return exec_ouch_put_executed_ref(b, cap, &m->executed_ref);
	case EXEC_OUCH_CORRECTION: return exec_ouch_put_correction(b, cap, &m->correction);
	case EXEC_OUCH_REJECTED: return exec_ouch_put_rejected(b, cap, &m->rejected);
	case EXEC_OUCH_CANCEL_PENDING:
		return exec_ouch_put_cancel_pending(b, cap, &m->cancel_pending);
	case EXEC_OUCH_CANCEL_REJECT: return exec_ouch_put_cancel_reject(b, cap, &m->cancel_reject);
	case EXEC_OUCH_PRIORITY: return exec_ouch_put_priority(b, cap, &m->priority);
	case EXEC_OUCH_MODIFIED: return exec_ouch_put_modified(b, cap, &m->modified);
	default: return -EINVAL;
	}
}

/* ------------------------------------------------------------------------- */
/* Decoder */

#define GET_ORDER_BODY(b, m)                                                                      \
	do {                                                                                      \
		m->side = b[23];                                                                  \
		m->shares = core_be32(b + 24);                                                    \
		memcpy(m->stock, b + 28, 8);                                                      \
		m->price = core_be32(b + 36);                                                     \
		m->tif = core_be32(b + 40);                                                       \
		memcpy(m->firm, b + 44, 4);                                                       \
		m->display = b[48];                                                               \
		m->order_ref = core_be64(b + 49);                                                 \
		m->capacity = b[57];                                                              \
		m->iso = b[58];                                                                   \
		m->min_qty = core_be32(b + 59);                                                   \
		m->cross_type = b[63];                                                            \
		m->state = b[64];                                                                 \
	} while (0)

#define GET_TS_TOKEN(b, m)                                                                        \
	do {                                                                                      \
		m->ts_ns = core_be64(b + 1);                                                      \
		memcpy(m->token, b + 9, 14);                                                      \
	} while (0)

/* The kind of a type byte in a direction (0: none). */
static int kind_of(uint8_t type, int dir)
{
	if (dir == EXEC_OUCH_INBOUND) {
		switch (type) {
		case 'O': return EXEC_OUCH_ENTER;
		case 'U': return EXEC_OUCH_REPLACE;
		case 'X': return EXEC_OUCH_CANCEL;
		case 'M': return EXEC_OUCH_MODIFY;
		case 'N': return EXEC_OUCH_TRADE_NOW;
		default: return 0;
		}
	}
	switch (type) {
	case 'S': return EXEC_OUCH_SYSTEM_EVENT;
	case 'A': return EXEC_OUCH_ACCEPTED;
	case 'U': return EXEC_OUCH_REPLACED;
	case 'C': return EXEC_OUCH_CANCELED;
	case 'D': return EXEC_OUCH_AIQ_CANCELED;
	case 'E': return EXEC_OUCH_EXECUTED;
	case 'B': return EXEC_OUCH_BROKEN;
	case 'G': return EXEC_OUCH_EXECUTED_REF;
	case 'F': return EXEC_OUCH_CORRECTION;
	case 'J': return EXEC_OUCH_REJECTED;
	case 'P': return EXEC_OUCH_CANCEL_PENDING;
	case 'I': return EXEC_OUCH_CANCEL_REJECT;
	case 'T': return EXEC_OUCH_PRIORITY;
	case 'M': return EXEC_OUCH_MODIFIED;
	default: return 0;
	}
}

int exec_ouch_decode(const unsigned char *b, size_t len, int dir, struct exec_ouch_msg *ret,
		     char *err, size_t errlen)
{
	if (dir != EXEC_OUCH_INBOUND && dir != EXEC_OUCH_OUTBOUND) {
		core_errf(err, errlen, "ouch: direction %d is neither inbound nor outbound", dir);
		return -EINVAL;
	}
	if (len == 0) {
		core_errf(err, errlen, "offset 0: empty OUCH message (length 0)");
		return -ENOMSG;
	}
	int kind = kind_of(b[0], dir);
	if (!kind) {
		core_errf(err, errlen, "offset 0: type 0x%02x ('%c') is not an %s OUCH 4.2 message "
			  "(length %zu)", b[0], b[0] >= 0x20 && b[0] < 0x7f ? b[0] : '?',
			  dir == EXEC_OUCH_INBOUND ? "inbound" : "outbound", len);
		return -ENOMSG;
	}
	const struct spec *s = &specs[kind];
	if (len != s->len) {
		core_errf(err, errlen, "offset 0: %s ('%c') with length %zu (expected %u)", s->name,
			  s->type, len, s->len);
		return -EBADMSG;
	}
	if (!valid(s, b)) {
		explain(s, b, err, errlen);
		return -EBADMSG;
	}
	struct exec_ouch_msg m;
	m.kind = (uint8_t)kind;
	m.type = s->type;
	m.len = s->len;
	switch (kind) {
	case EXEC_OUCH_ENTER: {
		struct exec_ouch_enter *o = &m.enter;
		memcpy(o->token, b + 1, 14);
		o->side = b[15];
		o->shares = core_be32(b + 16);
		memcpy(o->stock, b + 20, 8);
		o->price = core_be32(b + 28);
		o->tif = core_be32(b + 32);
		memcpy(o->firm, b + 36, 4);
		o->display = b[40];
		o->capacity = b[41];
		o->iso = b[42];
		o->min_qty = core_be32(b + 43);
		o->cross_type = b[47];
		o->customer_type = b[48];
		break;
	}
	case EXEC_OUCH_REPLACE: {
		struct exec_ouch_replace *o = &m.replace;
		memcpy(o->existing, b + 1, 14);
		memcpy(o->replacement, b + 15, 14);
		o->shares = core_be32(b + 29);
		o->price = core_be32(b + 33);
		o->tif = core_be32(b + 37);
		o->display = b[41];
		o->iso = b[42];
		o->min_qty = core_be32(b + 43);
		break;
	}
	case EXEC_OUCH_CANCEL:
		memcpy(m.cancel.token, b + 1, 14);
		m.cancel.shares = core_be32(b + 15);
		break;
	case EXEC_OUCH_MODIFY:
		memcpy(m.modify.token, b + 1, 14);
		m.modify.side = b[15];
		m.modify.shares = core_be32(b + 16);
		break;
	case EXEC_OUCH_TRADE_NOW:
		memcpy(m.trade_now.token, b + 1, 14);
		break;
	case EXEC_OUCH_SYSTEM_EVENT:
		m.system_event.ts_ns = core_be64(b + 1);
		m.system_event.event = b[9];
		break;
	case EXEC_OUCH_ACCEPTED: {
		struct exec_ouch_accepted *o = &m.accepted;
		GET_TS_TOKEN(b, o);
		GET_ORDER_BODY(b, o);
		o->bbo_weight = b[65];
		break;
	}
	case EXEC_OUCH_REPLACED: {
		struct exec_ouch_replaced *o = &m.replaced;
		GET_TS_TOKEN(b, o);
		GET_ORDER_BODY(b, o);
		memcpy(o->previous, b + 65, 14);
		o->bbo_weight = b[79];
		break;
	}
	case EXEC_OUCH_CANCELED: {
		struct exec_ouch_canceled *o = &m.canceled;
		GET_TS_TOKEN(b, o);
		o->decrement = core_be32(b + 23);
		o->reason = b[27];
		break;
	}
	case EXEC_OUCH_AIQ_CANCELED: {
		struct exec_ouch_aiq_canceled *o = &m.aiq_canceled;
		GET_TS_TOKEN(b, o);
		o->decrement = core_be32(b + 23);
		o->reason = b[27];
		o->prevented = core_be32(b + 28);
		o->price = core_be32(b + 32);
		o->liquidity = b[36];
		break;
	}
	case EXEC_OUCH_EXECUTED: {
		struct exec_ouch_executed *o = &m.executed;
		GET_TS_TOKEN(b, o);
		o->shares = core_be32(b + 23);
		o->price = core_be32(b + 27);
		o->liquidity = b[31];
		o->match = core_be64(b + 32);
		break;
	}
	case EXEC_OUCH_BROKEN: {
		struct exec_ouch_broken *o = &m.broken;
		GET_TS_TOKEN(b, o);
		o->match = core_be64(b + 23);
		o->reason = b[31];
		break;
	}
	case EXEC_OUCH_EXECUTED_REF: {
		struct exec_ouch_executed_ref *o = &m.executed_ref;
		GET_TS_TOKEN(b, o);
		o->shares = core_be32(b + 23);
		o->price = core_be32(b + 27);
		o->liquidity = b[31];
		o->match = core_be64(b + 32);
		o->ref_price = core_be32(b + 40);
		o->ref_type = b[44];
		break;
	}
	case EXEC_OUCH_CORRECTION: {
		struct exec_ouch_correction *o = &m.correction;
		GET_TS_TOKEN(b, o);
		o->shares = core_be32(b + 23);
		o->price = core_be32(b + 27);
		o->liquidity = b[31];
		o->match = core_be64(b + 32);
		o->reason = b[40];
		break;
	}
	case EXEC_OUCH_REJECTED: {
		struct exec_ouch_rejected *o = &m.rejected;
		GET_TS_TOKEN(b, o);
		o->reason = b[23];
		break;
	}
	case EXEC_OUCH_CANCEL_PENDING: {
		struct exec_ouch_cancel_pending *o = &m.cancel_pending;
		GET_TS_TOKEN(b, o);
		break;
	}
	case EXEC_OUCH_CANCEL_REJECT: {
		struct exec_ouch_cancel_reject *o = &m.cancel_reject;
		GET_TS_TOKEN(b, o);
		break;
	}
	case EXEC_OUCH_PRIORITY: {
		struct exec_ouch_priority *o = &m.priority;
		GET_TS_TOKEN(b, o);
		o->price = core_be32(b + 23);
		o->display = b[27];
		o->order_ref = core_be64(b + 28);
		break;
	}
	case EXEC_OUCH_MODIFIED: {
		struct exec_ouch_modified *o = &m.modified;
		GET_TS_TOKEN(b, o);
		o->side = b[23];
		o->shares = core_be32(b + 24);
		break;
	}
	}
	*ret = m;
	return kind;
}

/* ------------------------------------------------------------------------- */

unsigned exec_ouch_len(int kind)
{
	return kind > 0 && kind < EXEC_OUCH_KINDS ? specs[kind].len : 0;
}

const char *exec_ouch_name(int kind)
{
	return kind > 0 && kind < EXEC_OUCH_KINDS ? specs[kind].name : "unknown";
}

uint8_t exec_ouch_type(int kind)
{
	return kind > 0 && kind < EXEC_OUCH_KINDS ? specs[kind].type : 0;
}

int exec_ouch_alpha_set(char *dst, size_t width, const char *s)
{
	size_t n = strlen(s);
	if (n > width)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)(s[i] - 0x20) > 0x5e)
			return -EINVAL;
	memcpy(dst, s, n);
	memset(dst + n, ' ', width - n);
	return 0;
}

size_t exec_ouch_alpha_len(const char *field, size_t width)
{
	while (width && field[width - 1] == ' ')
		width--;
	return width;
}

/* ------------------------------------------------------------------------- */
/* Order tokens: order_id and triggering seq, base 36, 7 characters each. */

static const char b36[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
#define B36_7 78364164096ull /* 36^7 */

int exec_order_token_put(char token[EXEC_TOKEN_LEN], uint64_t order_id, uint64_t seq)
{
	if (order_id >= B36_7 || seq >= B36_7)
		return -ERANGE;
	for (int i = 6; i >= 0; i--) {
		token[i] = b36[order_id % 36];
		token[7 + i] = b36[seq % 36];
		order_id /= 36;
		seq /= 36;
	}
	return 0;
}

static int b36_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return -1;
}

int exec_order_token_get(const char token[EXEC_TOKEN_LEN], uint64_t *ret_order_id,
			 uint64_t *ret_seq)
{
	uint64_t v[2] = { 0, 0 };
	for (int i = 0; i < EXEC_TOKEN_LEN; i++) {
		int d = b36_value(token[i]);
		if (d < 0)
			return -EINVAL;
		v[i / 7] = v[i / 7] * 36 + (uint64_t)d;
	}
	*ret_order_id = v[0];
	*ret_seq = v[1];
	return 0;
}
