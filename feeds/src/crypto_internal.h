/* crypto_internal.h - private to the crypto L2 decoders (feeds.h "Crypto L2
 * feeds" is their manual):
 *   crypto.c       capture lines: `<ts>: <JSON>` and URL lines, dispatch;
 *   binance.c      Binance messages: depth diffs, bookTicker, trades, REST snapshots;
 *   bybit.c        Bybit messages: orderBookL2 snapshots and deltas, trades;
 *   crypto_book.c  the books shared by both: levels, symbols and scales,
 *                  events, snapshot loading; setup and queries.
 * Small helpers used by all of them are static inline here; the rest are
 * feeds__crypto_* (crypto_book.c), feeds__binance_* and feeds__bybit_*.
 * One thread at a time per struct feeds_crypto, as feeds.h says. */
#ifndef OSPREY_FEEDS_CRYPTO_INTERNAL_H
#define OSPREY_FEEDS_CRYPTO_INTERNAL_H

#include <stdio.h>
#include <string.h>

#include "feeds.h"

#define PX_MAX        UINT32_MAX
#define QTY_MAX       UINT64_MAX
#define TICKS_PENDING 16
#define NS_PER_DAY    86400000000000ull

enum { BID = 0, ASK = 1 };
enum sym_state { ST_NOSNAP = 0, ST_SYNCING = 1, ST_LIVE = 2, ST_STALE = 3 };

struct lvl {
	uint64_t qty;
	uint32_t px;
	uint32_t pad_;
};

/* Bids ascending, asks descending: the best level is the last, so changes
 * near the top move few entries. */
struct side {
	uint32_t n;
	struct lvl *lv;
};

struct tick {
	uint64_t u;
	uint64_t bq, aq;
	uint32_t bpx, apx;
};

struct sym {
	char name[FEEDS_CRYPTO_SYMBOL_MAX];
	uint8_t venue;
	uint8_t pxd, qtyd;
	uint8_t state;
	uint64_t last_id; /* Binance: lastUpdateId, then the last applied u; Bybit: cross_seq */
	uint64_t sync_ns; /* receive time of the snapshot the book was built from */
	struct side s[2];
	struct tick tick[TICKS_PENDING]; /* Binance bookTickers ahead of the book */
	unsigned ntick;
};

struct change {
	uint64_t qty;
	uint32_t px;
	uint8_t side;
	uint8_t op; /* OP_SET (Binance), OP_DEL / OP_UPD / OP_INS (Bybit) */
};
enum { OP_SET = 0, OP_DEL = 1, OP_UPD = 2, OP_INS = 3 };

struct instr {
	char symbol[FEEDS_CRYPTO_SYMBOL_MAX];
	uint8_t venue, pxd, qtyd;
};

struct feeds_crypto {
	struct sym *syms;
	unsigned nsyms, max_syms;
	uint32_t max_levels;
	struct lvl *pool;
	struct change *ch;
	unsigned max_ch;
	struct md_event *ev;
	unsigned nev;
	struct instr *instr;
	unsigned ninstr;
	bool no_builtin, reject_unknown;
	uint8_t def_pxd, def_qtyd;
	struct feeds_crypto_stats st;
	uint64_t last_ts; /* event time never goes back (see ev_new) */
	uint8_t ws_venue; /* Binance messages: spot, or futures after a fstream `<->` */
	/* line tracking for feeds_crypto_next */
	const struct feeds_capture *lc_cap;
	size_t lc_off;
	uint64_t lc_line;
};

/* Per-line context. */
struct crypto_ctx {
	struct feeds_crypto *c;
	struct core_json j;
	const char *line;
	char *err;
	size_t errlen;
	uint64_t recv_ns; /* receive time, ns since the epoch */
};

/* A rejected line: -EBADMSG with "offset N: field 'F': what" (N from the
 * start of the line) in the caller's err. */
static inline int bad(struct crypto_ctx *x, const char *at, const char *field, const char *what)
{
	if (field)
		core_errf(x->err, x->errlen, "offset %zu: field '%s': %s", (size_t)(at - x->line),
		          field, what);
	else
		core_errf(x->err, x->errlen, "offset %zu: %s", (size_t)(at - x->line), what);
	return -EBADMSG;
}

/* The JSON scanner's error, at its offset. */
static inline int bad_json(struct crypto_ctx *x, const char *field)
{
	return bad(x, x->line + x->j.err_off, field, x->j.err ? x->j.err : "malformed JSON");
}

/* ------------------------------------------------------------------------- */
/* Levels */

/* Index of px, or of where it would go (*found false). */
static inline uint32_t side_find(const struct side *s, int sd, uint32_t px, bool *found)
{
	uint32_t lo = 0, hi = s->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		uint32_t m = s->lv[mid].px;
		if (m == px) {
			*found = true;
			return mid;
		}
		/* ascending for bids, descending for asks */
		if (sd == BID ? m < px : m > px)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static inline void side_remove(struct side *s, uint32_t i)
{
	memmove(&s->lv[i], &s->lv[i + 1], (s->n - i - 1) * sizeof(s->lv[0]));
	s->n--;
}

/* Insert at i; false when full. */
static inline bool side_insert(struct feeds_crypto *c, struct side *s, uint32_t i, uint32_t px,
			uint64_t qty)
{
	if (s->n >= c->max_levels)
		return false;
	memmove(&s->lv[i + 1], &s->lv[i], (s->n - i) * sizeof(s->lv[0]));
	s->lv[i].px = px;
	s->lv[i].qty = qty;
	s->n++;
	return true;
}

static inline void top(const struct side *s, uint32_t *px, uint64_t *qty)
{
	if (s->n) {
		*px = s->lv[s->n - 1].px;
		*qty = s->lv[s->n - 1].qty;
	} else {
		*px = 0;
		*qty = 0;
	}
}

static inline uint32_t sat32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static inline bool sym_crossed(const struct sym *y)
{
	return y->s[BID].n && y->s[ASK].n && y->s[BID].lv[y->s[BID].n - 1].px >=
						     y->s[ASK].lv[y->s[ASK].n - 1].px;
}

static inline uint16_t locate_of(const struct feeds_crypto *c, const struct sym *y)
{
	return (uint16_t)(y - c->syms + 1);
}

/* ------------------------------------------------------------------------- */
/* Value conversion: JSON decimals and integers with the symbol's scale */

static inline int dec_val(struct crypto_ctx *x, const struct core_json_val *v, const char *field,
			  unsigned decimals, uint64_t max, uint64_t *ret)
{
	if (v->type != CORE_JSON_STRING && v->type != CORE_JSON_NUMBER)
		return bad(x, v->s, field, "expected a decimal string or number");
	if (v->escaped)
		return bad(x, v->s, field, "escaped decimal");
	const char *what = NULL;
	if (core_json_decimal(v->s, v->n, decimals, max, ret, &what) < 0) {
		char msg[128];
		snprintf(msg, sizeof(msg), "'%.*s' at %u decimals: %s", (int)(v->n > 40 ? 40 : v->n),
			 v->s, decimals, what);
		return bad(x, v->s, field, msg);
	}
	return 0;
}

static inline int uint_val(struct crypto_ctx *x, const struct core_json_val *v, const char *field,
			   uint64_t *ret)
{
	if ((v->type != CORE_JSON_NUMBER && v->type != CORE_JSON_STRING) || v->escaped ||
	    core_json_uint(v->s, v->n, ret) < 0)
		return bad(x, v->s, field, "expected an unsigned integer");
	return 0;
}

static inline uint64_t day_ns_ms(uint64_t ms)
{
	return (ms % 86400000ull) * 1000000ull;
}

/* ------------------------------------------------------------------------- */
/* Events */

static inline struct md_event *ev_new(struct feeds_crypto *c, const struct sym *y, uint8_t kind,
				      uint8_t msg_type, uint64_t ts_ns, uint64_t ref)
{
	struct md_event *e = &c->ev[c->nev++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->msg_type = msg_type;
	/* Streams of several symbols interleave and trades carry their match
	 * time, so exchange times step back now and then; downstream stages
	 * run on event time and need it non-decreasing. */
	if (ts_ns < c->last_ts)
		ts_ns = c->last_ts;
	c->last_ts = ts_ns;
	e->ts_ns = ts_ns;
	e->ref = ref;
	e->locate = locate_of(c, y);
	return e;
}

/* ------------------------------------------------------------------------- */
/* crypto_book.c */

/* The symbol's book, created on first sight (scales from the configured
 * instruments, the built-in table, then the defaults). NULL with an error in x. */
struct sym *feeds__crypto_sym_get(struct crypto_ctx *x, int venue, const struct core_json_val *v,
				  const char *field);
/* Fill the top of book and flags into events [from, nev). */
void feeds__crypto_ev_finish(struct feeds_crypto *c, const struct sym *y, unsigned from);
/* The book fell out of sequence: stale until its next snapshot, one MD_GAP event. */
void feeds__crypto_sym_gap(struct feeds_crypto *c, struct sym *y, uint8_t msg_type, uint64_t ts,
			   uint64_t ref);
/* Give y new scales: an emptied book that resyncs (one MD_GAP) if it had
 * levels or a snapshot. */
void feeds__crypto_set_scale(struct feeds_crypto *c, struct sym *y, uint8_t pxd, uint8_t qtyd);
/* Replace the book with the n changes in c->ch (a snapshot). */
void feeds__crypto_load_snapshot(struct feeds_crypto *c, struct sym *y, unsigned n);

/* binance.c */

/* A Binance event object (depthUpdate, aggTrade, trade, or a bookTicker). */
int feeds__binance_event(struct crypto_ctx *x, const struct core_json_val *obj);
/* A REST depth snapshot answer for the symbol symv (taken from the URL),
 * of venue BINANCE or BINANCE_FUTURES. */
int feeds__binance_snapshot(struct crypto_ctx *x, const struct core_json_val *root,
			    const struct core_json_val *symv, int venue);
/* An exchangeInfo answer: the scales of the symbols it lists. */
int feeds__binance_exchange_info(struct crypto_ctx *x, const struct core_json_val *root, int venue);

/* bybit.c */

/* A Bybit message with a topic (orderBookL2_*.SYMBOL or trade.SYMBOL; other
 * topics are counted as skipped). */
int feeds__bybit_message(struct crypto_ctx *x, const struct core_json_val *topic,
			 const struct core_json_val *type, const struct core_json_val *data,
			 const struct core_json_val *cseq, const struct core_json_val *tse6);

#endif
