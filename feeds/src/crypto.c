/* crypto.c - Binance spot and Bybit WebSocket JSON captures -> L2 books -> md_events.
 *
 * Each line is scanned once by json_scan (spans only), the fields the venue
 * defines are converted to integers with the symbol's scales into a change
 * list, and only when the whole message is valid is anything applied. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feeds.h"
#include "json_scan.h"

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
	/* line tracking for feeds_crypto_next */
	const struct feeds_capture *lc_cap;
	size_t lc_off;
	uint64_t lc_line;
};

/* Exchange reference data for the symbols of ../shared/data/crypto (tick and
 * lot decimals at capture time; Bybit's sizes are printed from binary floats
 * such as 10.969999, which need more places than the lot size). */
static const struct instr builtin[] = {
	{ "NKNUSDT", FEEDS_CRYPTO_BINANCE, 5, 1 },  { "BLZETH", FEEDS_CRYPTO_BINANCE, 8, 0 },
	{ "LRCBTC", FEEDS_CRYPTO_BINANCE, 8, 0 },   { "RUNEEUR", FEEDS_CRYPTO_BINANCE, 3, 1 },
	{ "BCHUSDT", FEEDS_CRYPTO_BYBIT, 2, 7 },    { "XTZUSDT", FEEDS_CRYPTO_BYBIT, 3, 6 },
	{ "UNIUSDT", FEEDS_CRYPTO_BYBIT, 3, 6 },    { "LTCUSDT", FEEDS_CRYPTO_BYBIT, 2, 6 },
	{ "DOTUSDT", FEEDS_CRYPTO_BYBIT, 3, 6 },    { "LINKUSDT", FEEDS_CRYPTO_BYBIT, 3, 6 },
	{ "ADAUSDT", FEEDS_CRYPTO_BYBIT, 4, 5 },    { "ETHUSDT", FEEDS_CRYPTO_BYBIT, 2, 6 },
};

/* Per-line context. */
struct ctx {
	struct feeds_crypto *c;
	struct fj j;
	const char *line;
	char *err;
	size_t errlen;
	uint64_t recv_ns; /* receive time, ns since the epoch */
};

static int bad(struct ctx *x, const char *at, const char *field, const char *what)
{
	if (field)
		core_errf(x->err, x->errlen, "offset %zu: field '%s': %s", (size_t)(at - x->line),
		          field, what);
	else
		core_errf(x->err, x->errlen, "offset %zu: %s", (size_t)(at - x->line), what);
	return -EBADMSG;
}

static int bad_json(struct ctx *x, const char *field)
{
	return bad(x, x->line + x->j.err_off, field, x->j.err ? x->j.err : "malformed JSON");
}

/* ------------------------------------------------------------------------- */
/* Levels */

/* Index of px, or of where it would go (*found false). */
static uint32_t side_find(const struct side *s, int sd, uint32_t px, bool *found)
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

static void side_remove(struct side *s, uint32_t i)
{
	memmove(&s->lv[i], &s->lv[i + 1], (s->n - i - 1) * sizeof(s->lv[0]));
	s->n--;
}

/* Insert at i; false when full. */
static bool side_insert(struct feeds_crypto *c, struct side *s, uint32_t i, uint32_t px,
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

static void top(const struct side *s, uint32_t *px, uint64_t *qty)
{
	if (s->n) {
		*px = s->lv[s->n - 1].px;
		*qty = s->lv[s->n - 1].qty;
	} else {
		*px = 0;
		*qty = 0;
	}
}

static uint32_t sat32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static bool sym_crossed(const struct sym *y)
{
	return y->s[BID].n && y->s[ASK].n && y->s[BID].lv[y->s[BID].n - 1].px >=
						     y->s[ASK].lv[y->s[ASK].n - 1].px;
}

/* ------------------------------------------------------------------------- */
/* Symbols */

static const struct instr *scale_of(const struct feeds_crypto *c, int venue, const char *name)
{
	for (unsigned i = 0; i < c->ninstr; i++)
		if ((c->instr[i].venue == FEEDS_CRYPTO_ANY || c->instr[i].venue == venue) &&
		    !strcmp(c->instr[i].symbol, name))
			return &c->instr[i];
	if (!c->no_builtin)
		for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
			if (builtin[i].venue == venue && !strcmp(builtin[i].symbol, name))
				return &builtin[i];
	return NULL;
}

/* The symbol's book, created on first sight. NULL with an error in x. */
static struct sym *sym_get(struct ctx *x, int venue, const struct fj_val *v, const char *field)
{
	struct feeds_crypto *c = x->c;
	if (v->type != FJ_STRING || v->escaped || v->n == 0 || v->n >= FEEDS_CRYPTO_SYMBOL_MAX) {
		bad(x, v->s ? v->s : x->line, field, "expected a symbol string of 1..23 characters");
		return NULL;
	}
	for (size_t i = 0; i < v->n; i++) {
		char ch = v->s[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-')) {
			bad(x, v->s + i, field, "bad character in symbol");
			return NULL;
		}
	}
	for (unsigned i = 0; i < c->nsyms; i++) {
		struct sym *y = &c->syms[i];
		if (y->venue == venue && !memcmp(y->name, v->s, v->n) && y->name[v->n] == '\0')
			return y;
	}
	if (c->nsyms >= c->max_syms) {
		bad(x, v->s, field, "more symbols than max_symbols");
		return NULL;
	}
	char name[FEEDS_CRYPTO_SYMBOL_MAX];
	memcpy(name, v->s, v->n);
	name[v->n] = '\0';
	const struct instr *in = scale_of(c, venue, name);
	if (!in && c->reject_unknown) {
		bad(x, v->s, field, "symbol has no configured price/size scale");
		return NULL;
	}
	struct sym *y = &c->syms[c->nsyms++];
	memcpy(y->name, name, v->n + 1);
	y->venue = (uint8_t)venue;
	y->pxd = in ? in->pxd : c->def_pxd;
	y->qtyd = in ? in->qtyd : c->def_qtyd;
	y->state = ST_NOSNAP;
	return y;
}

static uint16_t locate_of(const struct feeds_crypto *c, const struct sym *y)
{
	return (uint16_t)(y - c->syms + 1);
}

/* ------------------------------------------------------------------------- */
/* Value conversion */

static int dec_val(struct ctx *x, const struct fj_val *v, const char *field, unsigned decimals,
		   uint64_t max, uint64_t *ret)
{
	if (v->type != FJ_STRING && v->type != FJ_NUMBER)
		return bad(x, v->s, field, "expected a decimal string or number");
	if (v->escaped)
		return bad(x, v->s, field, "escaped decimal");
	const char *what = NULL;
	if (fj_decimal(v->s, v->n, decimals, max, ret, &what) < 0) {
		char msg[128];
		snprintf(msg, sizeof(msg), "'%.*s' at %u decimals: %s", (int)(v->n > 40 ? 40 : v->n),
			 v->s, decimals, what);
		return bad(x, v->s, field, msg);
	}
	return 0;
}

static int uint_val(struct ctx *x, const struct fj_val *v, const char *field, uint64_t *ret)
{
	if ((v->type != FJ_NUMBER && v->type != FJ_STRING) || v->escaped ||
	    fj_uint(v->s, v->n, ret) < 0)
		return bad(x, v->s, field, "expected an unsigned integer");
	return 0;
}

static uint64_t day_ns_ms(uint64_t ms)
{
	return (ms % 86400000ull) * 1000000ull;
}

/* ------------------------------------------------------------------------- */
/* Events */

static struct md_event *ev_new(struct feeds_crypto *c, const struct sym *y, uint8_t kind,
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

/* Fill the top of book and flags into events [from, nev). */
static void ev_finish(struct feeds_crypto *c, const struct sym *y, unsigned from)
{
	uint32_t bpx, apx;
	uint64_t bq, aq;
	top(&y->s[BID], &bpx, &bq);
	top(&y->s[ASK], &apx, &aq);
	bool crossed = sym_crossed(y);
	uint8_t fl = (uint8_t)((crossed ? MD_F_CROSSED : 0) |
			       (y->state == ST_STALE || y->state == ST_NOSNAP ? MD_F_STALE : 0));
	for (unsigned i = from; i < c->nev; i++) {
		struct md_event *e = &c->ev[i];
		e->bid_px = bpx;
		e->bid_qty = sat32(bq);
		e->ask_px = apx;
		e->ask_qty = sat32(aq);
		e->flags |= fl;
	}
	if (crossed && c->nev > from)
		c->st.crossed_events++;
}

static void sym_gap(struct feeds_crypto *c, struct sym *y, uint8_t msg_type, uint64_t ts,
		    uint64_t ref)
{
	y->state = ST_STALE;
	c->st.gaps++;
	c->st.ticker_unverifiable += y->ntick;
	y->ntick = 0;
	unsigned from = c->nev;
	struct md_event *e = ev_new(c, y, MD_GAP, msg_type, ts, ref);
	e->flags = MD_F_STALE;
	c->st.gap_events++;
	ev_finish(c, y, from);
}

/* ------------------------------------------------------------------------- */
/* Binance */

static bool tick_matches(const struct sym *y, const struct tick *t)
{
	uint32_t bpx, apx;
	uint64_t bq, aq;
	top(&y->s[BID], &bpx, &bq);
	top(&y->s[ASK], &apx, &aq);
	return bpx == t->bpx && bq == t->bq && apx == t->apx && aq == t->aq;
}

/* The book is now exactly at update id y->last_id: settle pending tickers. */
static void ticks_settle(struct feeds_crypto *c, struct sym *y)
{
	unsigned k = 0;
	for (unsigned i = 0; i < y->ntick; i++) {
		struct tick *t = &y->tick[i];
		if (t->u > y->last_id) {
			y->tick[k++] = *t;
		} else if (t->u == y->last_id) {
			if (tick_matches(y, t))
				c->st.ticker_matched++;
			else
				c->st.ticker_mismatched++;
		} else {
			c->st.ticker_unverifiable++;
		}
	}
	y->ntick = k;
}

/* [["price","qty"], ...] into changes. */
static int parse_pairs(struct ctx *x, struct sym *y, const struct fj_val *arr, int sd,
		       const char *field, uint8_t op, unsigned *n)
{
	struct feeds_crypto *c = x->c;
	if (arr->type != FJ_ARRAY)
		return bad(x, arr->s, field, "expected an array of [price, size] pairs");
	struct fj_cur cur;
	struct fj_val e;
	fj_open(arr, &cur);
	int r;
	while ((r = fj_arr_next(&x->j, &cur, &e)) == 1) {
		if (e.type != FJ_ARRAY)
			return bad(x, e.s, field, "expected a [price, size] pair");
		struct fj_cur ec;
		struct fj_val pv, qv, extra;
		fj_open(&e, &ec);
		if (fj_arr_next(&x->j, &ec, &pv) != 1 || fj_arr_next(&x->j, &ec, &qv) != 1)
			return x->j.err ? bad_json(x, field)
					: bad(x, e.s, field, "pair with fewer than 2 elements");
		r = fj_arr_next(&x->j, &ec, &extra);
		if (r != 0)
			return r < 0 ? bad_json(x, field)
				     : bad(x, extra.s, field, "pair with more than 2 elements");
		if (*n >= c->max_ch)
			return bad(x, e.s, field, "more level changes than max_events");
		struct change *ch = &c->ch[*n];
		uint64_t px;
		if ((r = dec_val(x, &pv, field, y->pxd, PX_MAX, &px)) < 0 ||
		    (r = dec_val(x, &qv, field, y->qtyd, QTY_MAX, &ch->qty)) < 0)
			return r;
		ch->px = (uint32_t)px;
		ch->side = (uint8_t)sd;
		ch->op = op;
		(*n)++;
	}
	return r < 0 ? bad_json(x, field) : 0;
}

/* Apply Binance-style set changes (qty 0 removes) and emit level events. */
static void apply_sets(struct feeds_crypto *c, struct sym *y, unsigned n, uint8_t msg_type,
		       uint64_t ts, uint64_t ref)
{
	for (unsigned i = 0; i < n; i++) {
		const struct change *ch = &c->ch[i];
		struct side *s = &y->s[ch->side];
		bool found;
		uint32_t at = side_find(s, ch->side, ch->px, &found);
		if (found) {
			if (ch->qty)
				s->lv[at].qty = ch->qty;
			else
				side_remove(s, at);
		} else if (ch->qty) {
			if (!side_insert(c, s, at, ch->px, ch->qty)) {
				c->st.levels_full++;
				y->state = ST_STALE;
			}
		}
		if (msg_type) {
			struct md_event *e = ev_new(c, y, MD_LEVEL, msg_type, ts, ref);
			e->px = ch->px;
			e->qty = sat32(ch->qty);
			e->side = ch->side == BID ? 'B' : 'S';
			e->flags = MD_F_BOOK;
			c->st.level_events++;
		}
	}
}

static int ch_cmp(const void *a, const void *b)
{
	const struct change *x = a, *y = b;
	if (x->side != y->side)
		return x->side < y->side ? -1 : 1;
	if (x->px == y->px)
		return 0;
	/* storage order: bids ascending, asks descending (best last) */
	return (x->side == BID) == (x->px < y->px) ? -1 : 1;
}

/* Replace the book with the n changes (a snapshot): sort once instead of n
 * ordered inserts (a 1,000-level REST snapshot arrives best first, the
 * reverse of the storage order). Levels of size 0 and repeated prices are
 * skipped; beyond max_levels the worst are dropped and the book is stale. */
static void load_snapshot(struct feeds_crypto *c, struct sym *y, unsigned n)
{
	qsort(c->ch, n, sizeof(c->ch[0]), ch_cmp);
	y->s[BID].n = y->s[ASK].n = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct change *ch = &c->ch[i];
		struct side *s = &y->s[ch->side];
		if (!ch->qty || (s->n && s->lv[s->n - 1].px == ch->px))
			continue;
		if (s->n == c->max_levels) {
			/* full: drop the worst (first) level */
			memmove(&s->lv[0], &s->lv[1], (s->n - 1) * sizeof(s->lv[0]));
			s->n--;
			c->st.levels_full++;
			y->state = ST_STALE;
		}
		s->lv[s->n].px = ch->px;
		s->lv[s->n].qty = ch->qty;
		s->n++;
	}
}

/* The fields of a Binance event object we look at. */
struct bn_fields {
	struct fj_val e, E, s, U, u, b, a, B, A, p, q, m, t, T;
	bool has_e, has_E, has_s, has_U, has_u, has_b, has_a, has_B, has_A, has_p, has_q, has_m,
		has_t, has_T;
};

static int bn_scan(struct ctx *x, const struct fj_val *obj, struct bn_fields *f)
{
	memset(f, 0, sizeof(*f));
	struct fj_cur cur;
	struct fj_val k, v;
	int r;
	fj_open(obj, &cur);
	while ((r = fj_obj_next(&x->j, &cur, &k, &v)) == 1) {
		if (k.n != 1 || k.escaped)
			continue;
#define F(ch, fld)                 \
	case ch:                   \
		f->fld = v;        \
		f->has_##fld = true; \
		break;
		switch (k.s[0]) {
			F('e', e)
			F('E', E)
			F('s', s)
			F('U', U)
			F('u', u)
			F('b', b)
			F('a', a)
			F('B', B)
			F('A', A)
			F('p', p)
			F('q', q)
			F('m', m)
			F('t', t)
			F('T', T)
		default:
			break;
		}
#undef F
	}
	return r < 0 ? bad_json(x, NULL) : 0;
}

static int need(struct ctx *x, bool has, const struct fj_val *obj, const char *field)
{
	if (!has) {
		char msg[64];
		snprintf(msg, sizeof(msg), "missing field '%s'", field);
		return bad(x, obj->s, NULL, msg);
	}
	return 0;
}

static int bn_diff(struct ctx *x, const struct fj_val *obj, struct bn_fields *f)
{
	struct feeds_crypto *c = x->c;
	int r;
	if ((r = need(x, f->has_s, obj, "s")) < 0 || (r = need(x, f->has_U, obj, "U")) < 0 ||
	    (r = need(x, f->has_u, obj, "u")) < 0 || (r = need(x, f->has_b, obj, "b")) < 0 ||
	    (r = need(x, f->has_a, obj, "a")) < 0)
		return r;
	struct sym *y = sym_get(x, FEEDS_CRYPTO_BINANCE, &f->s, "s");
	if (!y)
		return -EBADMSG;
	uint64_t U, u, E = 0;
	if ((r = uint_val(x, &f->U, "U", &U)) < 0 || (r = uint_val(x, &f->u, "u", &u)) < 0)
		return r;
	if (f->has_E && (r = uint_val(x, &f->E, "E", &E)) < 0)
		return r;
	if (U > u)
		return bad(x, f->U.s, "U", "first update id above the last (u)");
	unsigned n = 0;
	if ((r = parse_pairs(x, y, &f->b, BID, "b", OP_SET, &n)) < 0 ||
	    (r = parse_pairs(x, y, &f->a, ASK, "a", OP_SET, &n)) < 0)
		return r;
	c->st.diffs++;
	uint64_t ts = E ? day_ns_ms(E) : x->recv_ns % NS_PER_DAY;
	switch (y->state) {
	case ST_NOSNAP:
	case ST_STALE:
		c->st.diffs_unsynced++;
		return 0;
	case ST_SYNCING:
		if (u <= y->last_id) {
			c->st.diffs_old++;
			return 0;
		}
		if (U > y->last_id + 1) {
			sym_gap(c, y, 'd', ts, u);
			return 0;
		}
		break;
	default: /* ST_LIVE */
		if (u <= y->last_id) {
			c->st.duplicates++;
			return 0;
		}
		if (U != y->last_id + 1) {
			sym_gap(c, y, 'd', ts, u);
			return 0;
		}
		break;
	}
	y->state = ST_LIVE;
	unsigned from = c->nev;
	apply_sets(c, y, n, 'd', ts, u);
	y->last_id = u;
	ev_finish(c, y, from);
	if (y->state == ST_LIVE)
		ticks_settle(c, y);
	return 0;
}

static int bn_ticker(struct ctx *x, const struct fj_val *obj, struct bn_fields *f)
{
	struct feeds_crypto *c = x->c;
	int r;
	if ((r = need(x, f->has_s, obj, "s")) < 0 || (r = need(x, f->has_u, obj, "u")) < 0 ||
	    (r = need(x, f->has_b, obj, "b")) < 0 || (r = need(x, f->has_B, obj, "B")) < 0 ||
	    (r = need(x, f->has_a, obj, "a")) < 0 || (r = need(x, f->has_A, obj, "A")) < 0)
		return r;
	struct sym *y = sym_get(x, FEEDS_CRYPTO_BINANCE, &f->s, "s");
	if (!y)
		return -EBADMSG;
	struct tick t;
	uint64_t bpx, apx;
	if ((r = uint_val(x, &f->u, "u", &t.u)) < 0 ||
	    (r = dec_val(x, &f->b, "b", y->pxd, PX_MAX, &bpx)) < 0 ||
	    (r = dec_val(x, &f->B, "B", y->qtyd, QTY_MAX, &t.bq)) < 0 ||
	    (r = dec_val(x, &f->a, "a", y->pxd, PX_MAX, &apx)) < 0 ||
	    (r = dec_val(x, &f->A, "A", y->qtyd, QTY_MAX, &t.aq)) < 0)
		return r;
	t.bpx = (uint32_t)bpx;
	t.apx = (uint32_t)apx;
	c->st.tickers++;
	if (y->state != ST_LIVE && y->state != ST_SYNCING) {
		c->st.ticker_unverifiable++;
		return 0;
	}
	if (t.u <= y->last_id) {
		if (t.u == y->last_id) {
			if (tick_matches(y, &t))
				c->st.ticker_matched++;
			else
				c->st.ticker_mismatched++;
		} else {
			c->st.ticker_unverifiable++;
		}
		return 0;
	}
	if (y->ntick == TICKS_PENDING) {
		c->st.ticker_unverifiable++;
		memmove(&y->tick[0], &y->tick[1], (TICKS_PENDING - 1) * sizeof(y->tick[0]));
		y->ntick--;
	}
	y->tick[y->ntick++] = t;
	return 0;
}

static int bn_trade(struct ctx *x, const struct fj_val *obj, struct bn_fields *f, bool agg)
{
	struct feeds_crypto *c = x->c;
	int r;
	const struct fj_val *id = agg ? &f->a : &f->t;
	if ((r = need(x, f->has_s, obj, "s")) < 0 || (r = need(x, f->has_p, obj, "p")) < 0 ||
	    (r = need(x, f->has_q, obj, "q")) < 0 || (r = need(x, f->has_m, obj, "m")) < 0 ||
	    (r = need(x, agg ? f->has_a : f->has_t, obj, agg ? "a" : "t")) < 0)
		return r;
	struct sym *y = sym_get(x, FEEDS_CRYPTO_BINANCE, &f->s, "s");
	if (!y)
		return -EBADMSG;
	uint64_t px, qty, ref, T = 0;
	if ((r = dec_val(x, &f->p, "p", y->pxd, PX_MAX, &px)) < 0 ||
	    (r = dec_val(x, &f->q, "q", y->qtyd, QTY_MAX, &qty)) < 0 ||
	    (r = uint_val(x, id, agg ? "a" : "t", &ref)) < 0)
		return r;
	if (f->has_T && (r = uint_val(x, &f->T, "T", &T)) < 0)
		return r;
	if (!T && f->has_E && (r = uint_val(x, &f->E, "E", &T)) < 0)
		return r;
	if (f->m.type != FJ_TRUE && f->m.type != FJ_FALSE)
		return bad(x, f->m.s, "m", "expected true or false");
	c->st.trades++;
	unsigned from = c->nev;
	struct md_event *e = ev_new(c, y, MD_TRADE, agg ? 'a' : 't',
				    T ? day_ns_ms(T) : x->recv_ns % NS_PER_DAY, ref);
	e->px = (uint32_t)px;
	e->qty = sat32(qty);
	e->side = f->m.type == FJ_TRUE ? 'S' : 'B'; /* buyer is maker: the taker sold */
	c->st.trade_events++;
	ev_finish(c, y, from);
	return 0;
}

static int bn_event(struct ctx *x, const struct fj_val *obj)
{
	struct bn_fields f;
	int r = bn_scan(x, obj, &f);
	if (r < 0)
		return r;
	if (f.has_e) {
		if (f.e.type != FJ_STRING)
			return bad(x, f.e.s, "e", "expected a string");
		if (FJ_KEY(&f.e, "depthUpdate"))
			return bn_diff(x, obj, &f);
		if (FJ_KEY(&f.e, "aggTrade"))
			return bn_trade(x, obj, &f, true);
		if (FJ_KEY(&f.e, "trade"))
			return bn_trade(x, obj, &f, false);
		x->c->st.skipped++;
		return 0;
	}
	if (f.has_u && f.has_B && f.has_A)
		return bn_ticker(x, obj, &f);
	x->c->st.skipped++;
	return 0;
}

/* A REST depth snapshot for `sym` (from the URL). */
static int bn_snapshot(struct ctx *x, const struct fj_val *root, const struct fj_val *symv)
{
	struct feeds_crypto *c = x->c;
	struct fj_cur cur;
	struct fj_val k, v, lid = { 0 }, bids = { 0 }, asks = { 0 };
	int r;
	fj_open(root, &cur);
	while ((r = fj_obj_next(&x->j, &cur, &k, &v)) == 1) {
		if (FJ_KEY(&k, "lastUpdateId"))
			lid = v;
		else if (FJ_KEY(&k, "bids"))
			bids = v;
		else if (FJ_KEY(&k, "asks"))
			asks = v;
	}
	if (r < 0)
		return bad_json(x, NULL);
	if (!lid.type) {
		c->st.skipped++; /* another REST answer */
		return 0;
	}
	if (!bids.type || !asks.type)
		return bad(x, root->s, NULL, "snapshot without bids or asks");
	struct sym *y = sym_get(x, FEEDS_CRYPTO_BINANCE, symv, "symbol");
	if (!y)
		return -EBADMSG;
	uint64_t L;
	if ((r = uint_val(x, &lid, "lastUpdateId", &L)) < 0)
		return r;
	unsigned n = 0;
	if ((r = parse_pairs(x, y, &bids, BID, "bids", OP_SET, &n)) < 0 ||
	    (r = parse_pairs(x, y, &asks, ASK, "asks", OP_SET, &n)) < 0)
		return r;
	c->st.snapshots++;
	y->state = ST_SYNCING;
	load_snapshot(c, y, n); /* a full side leaves it ST_STALE */
	y->last_id = L;
	y->sync_ns = x->recv_ns;
	unsigned from = c->nev;
	/* No exchange time, and fetched out of band (a replay reads the REST file
	 * first): it does not advance the event clock. */
	struct md_event *e = ev_new(c, y, MD_STATUS, 'r', c->last_ts, L);
	e->flags = MD_F_BOOK;
	ev_finish(c, y, from);
	ticks_settle(c, y);
	return 0;
}

/* ------------------------------------------------------------------------- */
/* Bybit */

/* {"price":"..","side":"Buy","size":..,...} entries into changes. */
static int by_entries(struct ctx *x, struct sym *y, const struct fj_val *arr, const char *field,
		      uint8_t op, unsigned *n)
{
	struct feeds_crypto *c = x->c;
	if (arr->type != FJ_ARRAY)
		return bad(x, arr->s, field, "expected an array of levels");
	struct fj_cur cur;
	struct fj_val e;
	int r;
	fj_open(arr, &cur);
	while ((r = fj_arr_next(&x->j, &cur, &e)) == 1) {
		if (e.type != FJ_OBJECT)
			return bad(x, e.s, field, "expected a level object");
		struct fj_cur ec;
		struct fj_val k, v, px = { 0 }, side = { 0 }, size = { 0 }, sym = { 0 };
		fj_open(&e, &ec);
		while ((r = fj_obj_next(&x->j, &ec, &k, &v)) == 1) {
			if (FJ_KEY(&k, "price"))
				px = v;
			else if (FJ_KEY(&k, "side"))
				side = v;
			else if (FJ_KEY(&k, "size"))
				size = v;
			else if (FJ_KEY(&k, "symbol"))
				sym = v;
		}
		if (r < 0)
			return bad_json(x, field);
		if (!px.type || !side.type || (op != OP_DEL && !size.type))
			return bad(x, e.s, field,
				   op == OP_DEL ? "level without price or side"
						: "level without price, side or size");
		if (sym.type && (sym.type != FJ_STRING || strlen(y->name) != sym.n ||
				 memcmp(sym.s, y->name, sym.n)))
			return bad(x, sym.s, "symbol", "level of another symbol than the topic's");
		if (*n >= c->max_ch)
			return bad(x, e.s, field, "more level changes than max_events");
		struct change *ch = &c->ch[*n];
		uint64_t p;
		if ((r = dec_val(x, &px, "price", y->pxd, PX_MAX, &p)) < 0)
			return r;
		ch->qty = 0;
		if (op != OP_DEL && (r = dec_val(x, &size, "size", y->qtyd, QTY_MAX, &ch->qty)) < 0)
			return r;
		if (FJ_KEY(&side, "Buy"))
			ch->side = BID;
		else if (FJ_KEY(&side, "Sell"))
			ch->side = ASK;
		else
			return bad(x, side.s, "side", "expected \"Buy\" or \"Sell\"");
		ch->px = (uint32_t)p;
		ch->op = op;
		(*n)++;
	}
	return r < 0 ? bad_json(x, field) : 0;
}

/* The symbol after the topic's last '.'. */
static int topic_symbol(struct ctx *x, const struct fj_val *topic, struct fj_val *ret)
{
	const char *dot = NULL;
	for (size_t i = 0; i < topic->n; i++)
		if (topic->s[i] == '.')
			dot = topic->s + i;
	if (!dot)
		return bad(x, topic->s, "topic", "no symbol in topic");
	ret->type = FJ_STRING;
	ret->s = dot + 1;
	ret->n = (size_t)(topic->s + topic->n - ret->s);
	ret->escaped = false;
	return 0;
}

static void by_apply(struct feeds_crypto *c, struct sym *y, unsigned n, uint64_t ts,
		     uint64_t ref, unsigned *errors)
{
	/* Deletes, then updates, then inserts, whatever the key order was. */
	for (uint8_t op = OP_DEL; op <= OP_INS; op++) {
		for (unsigned i = 0; i < n; i++) {
			const struct change *ch = &c->ch[i];
			if (ch->op != op)
				continue;
			struct side *s = &y->s[ch->side];
			bool found;
			uint32_t at = side_find(s, ch->side, ch->px, &found);
			if (op == OP_DEL) {
				if (found)
					side_remove(s, at);
				else
					(*errors)++;
			} else if (op == OP_UPD) {
				if (found)
					s->lv[at].qty = ch->qty;
				else
					(*errors)++;
			} else {
				if (found) {
					(*errors)++;
					s->lv[at].qty = ch->qty;
				} else if (!side_insert(c, s, at, ch->px, ch->qty)) {
					c->st.levels_full++;
					(*errors)++;
				}
			}
			struct md_event *e = ev_new(c, y, MD_LEVEL, 'o', ts, ref);
			e->px = ch->px;
			e->qty = sat32(ch->qty);
			e->side = ch->side == BID ? 'B' : 'S';
			e->flags = MD_F_BOOK;
			c->st.level_events++;
		}
	}
}

static int by_book(struct ctx *x, const struct fj_val *symv, const struct fj_val *type,
		   const struct fj_val *data, const struct fj_val *cseq, const struct fj_val *tse6)
{
	struct feeds_crypto *c = x->c;
	int r;
	bool snap;
	if (!type->type || !data->type)
		return bad(x, x->line, NULL, "orderBook message without type or data");
	if (FJ_KEY(type, "snapshot"))
		snap = true;
	else if (FJ_KEY(type, "delta"))
		snap = false;
	else
		return bad(x, type->s, "type", "expected \"snapshot\" or \"delta\"");
	struct sym *y = sym_get(x, FEEDS_CRYPTO_BYBIT, symv, "topic");
	if (!y)
		return -EBADMSG;
	uint64_t cs = 0, t6 = 0;
	if (cseq->type && (r = uint_val(x, cseq, "cross_seq", &cs)) < 0)
		return r;
	if (tse6->type && (r = uint_val(x, tse6, "timestamp_e6", &t6)) < 0)
		return r;
	unsigned n = 0;
	if (snap) {
		const struct fj_val *levels = data;
		struct fj_val ob = { 0 };
		if (data->type == FJ_OBJECT) {
			struct fj_cur cur;
			struct fj_val k, v;
			fj_open(data, &cur);
			while ((r = fj_obj_next(&x->j, &cur, &k, &v)) == 1)
				if (FJ_KEY(&k, "order_book"))
					ob = v;
			if (r < 0)
				return bad_json(x, "data");
			if (!ob.type)
				return bad(x, data->s, "data", "snapshot without order_book");
			levels = &ob;
		}
		if ((r = by_entries(x, y, levels, "order_book", OP_INS, &n)) < 0)
			return r;
	} else {
		if (data->type != FJ_OBJECT)
			return bad(x, data->s, "data", "expected an object");
		struct fj_cur cur;
		struct fj_val k, v;
		fj_open(data, &cur);
		while ((r = fj_obj_next(&x->j, &cur, &k, &v)) == 1) {
			if (FJ_KEY(&k, "delete"))
				r = by_entries(x, y, &v, "delete", OP_DEL, &n);
			else if (FJ_KEY(&k, "update"))
				r = by_entries(x, y, &v, "update", OP_UPD, &n);
			else if (FJ_KEY(&k, "insert"))
				r = by_entries(x, y, &v, "insert", OP_INS, &n);
			else
				r = 0;
			if (r < 0)
				return r;
		}
		if (r < 0)
			return bad_json(x, "data");
	}
	uint64_t ts = t6 ? (t6 % 86400000000ull) * 1000ull : x->recv_ns % NS_PER_DAY;
	unsigned from = c->nev;
	if (snap) {
		c->st.bybit_snapshots++;
		y->state = ST_LIVE;
		load_snapshot(c, y, n); /* a full side leaves it ST_STALE */
		y->last_id = cs;
		y->sync_ns = x->recv_ns;
		struct md_event *e = ev_new(c, y, MD_STATUS, 'O', ts, cs);
		e->flags = MD_F_BOOK;
		ev_finish(c, y, from);
		return 0;
	}
	c->st.bybit_deltas++;
	if (y->state != ST_LIVE) {
		c->st.diffs_unsynced++;
		return 0;
	}
	if (cseq->type && cs <= y->last_id) {
		c->st.duplicates++;
		return 0;
	}
	unsigned errors = 0;
	by_apply(c, y, n, ts, cs, &errors);
	if (cseq->type)
		y->last_id = cs;
	ev_finish(c, y, from);
	if (errors) {
		c->st.level_errors += errors;
		sym_gap(c, y, 'o', ts, cs);
	}
	return 0;
}

static int by_trades(struct ctx *x, const struct fj_val *symv, const struct fj_val *data)
{
	struct feeds_crypto *c = x->c;
	if (data->type != FJ_ARRAY)
		return bad(x, data->s ? data->s : x->line, "data", "expected an array of trades");
	struct sym *y = sym_get(x, FEEDS_CRYPTO_BYBIT, symv, "topic");
	if (!y)
		return -EBADMSG;
	/* Validate every trade first: nothing is emitted for a bad message. */
	struct fj_cur cur;
	struct fj_val e;
	int r;
	unsigned from = c->nev;
	fj_open(data, &cur);
	while ((r = fj_arr_next(&x->j, &cur, &e)) == 1) {
		if (e.type != FJ_OBJECT)
			goto fail_bad_trade;
		struct fj_cur ec;
		struct fj_val k, v, px = { 0 }, size = { 0 }, side = { 0 }, tms = { 0 };
		fj_open(&e, &ec);
		while ((r = fj_obj_next(&x->j, &ec, &k, &v)) == 1) {
			if (FJ_KEY(&k, "price"))
				px = v;
			else if (FJ_KEY(&k, "size"))
				size = v;
			else if (FJ_KEY(&k, "side"))
				side = v;
			else if (FJ_KEY(&k, "trade_time_ms"))
				tms = v;
		}
		if (r < 0) {
			c->nev = from;
			return bad_json(x, "data");
		}
		if (!px.type || !size.type || !side.type) {
			c->nev = from;
			return bad(x, e.s, "data", "trade without price, size or side");
		}
		uint64_t p, q, ms = 0;
		if ((r = dec_val(x, &px, "price", y->pxd, PX_MAX, &p)) < 0 ||
		    (r = dec_val(x, &size, "size", y->qtyd, QTY_MAX, &q)) < 0 ||
		    (tms.type && (r = uint_val(x, &tms, "trade_time_ms", &ms)) < 0)) {
			c->nev = from;
			return r;
		}
		uint8_t sd;
		if (FJ_KEY(&side, "Buy"))
			sd = 'B';
		else if (FJ_KEY(&side, "Sell"))
			sd = 'S';
		else {
			c->nev = from;
			return bad(x, side.s, "side", "expected \"Buy\" or \"Sell\"");
		}
		if (c->nev >= c->max_ch) {
			c->nev = from;
			return bad(x, e.s, "data", "more trades than max_events");
		}
		struct md_event *ev = ev_new(c, y, MD_TRADE, 'T',
					     ms ? day_ns_ms(ms) : x->recv_ns % NS_PER_DAY, 0);
		ev->px = (uint32_t)p;
		ev->qty = sat32(q);
		ev->side = sd;
	}
	if (r < 0) {
		c->nev = from;
		return bad_json(x, "data");
	}
	c->st.bybit_trades += c->nev - from;
	c->st.trade_events += c->nev - from;
	ev_finish(c, y, from);
	return 0;

fail_bad_trade:
	c->nev = from;
	return bad(x, e.s, "data", "expected a trade object");
}

/* ------------------------------------------------------------------------- */
/* Lines */

/* A JSON message received on a WebSocket. */
static int ws_message(struct ctx *x, const struct fj_val *root)
{
	struct feeds_crypto *c = x->c;
	struct fj_cur cur;
	struct fj_val k, v, stream = { 0 }, data = { 0 }, topic = { 0 }, type = { 0 },
				cseq = { 0 }, tse6 = { 0 };
	bool flat_binance = false;
	int r;
	fj_open(root, &cur);
	while ((r = fj_obj_next(&x->j, &cur, &k, &v)) == 1) {
		if (FJ_KEY(&k, "stream"))
			stream = v;
		else if (FJ_KEY(&k, "data"))
			data = v;
		else if (FJ_KEY(&k, "topic"))
			topic = v;
		else if (FJ_KEY(&k, "type"))
			type = v;
		else if (FJ_KEY(&k, "cross_seq"))
			cseq = v;
		else if (FJ_KEY(&k, "timestamp_e6"))
			tse6 = v;
		else if (FJ_KEY(&k, "e") || FJ_KEY(&k, "B"))
			flat_binance = true;
	}
	if (r < 0)
		return bad_json(x, NULL);
	c->st.messages++;
	if (topic.type) {
		if (topic.type != FJ_STRING || topic.escaped)
			return bad(x, topic.s, "topic", "expected a string");
		struct fj_val symv;
		if ((r = topic_symbol(x, &topic, &symv)) < 0)
			return r;
		if (topic.n > 9 && !memcmp(topic.s, "orderBook", 9))
			return by_book(x, &symv, &type, &data, &cseq, &tse6);
		if (topic.n > 6 && !memcmp(topic.s, "trade.", 6))
			return by_trades(x, &symv, &data);
		c->st.skipped++;
		return 0;
	}
	if (stream.type && data.type) {
		if (data.type != FJ_OBJECT)
			return bad(x, data.s, "data", "expected an object");
		return bn_event(x, &data);
	}
	if (flat_binance)
		return bn_event(x, root);
	c->st.skipped++; /* subscription acks and the like */
	return 0;
}

/* "1633998512.0633569" -> ns since the epoch. */
static int recv_time(struct ctx *x, const char *s, size_t n, uint64_t *ret)
{
	const char *what;
	if (n == 0 || fj_decimal(s, n, 9, UINT64_MAX, ret, &what) < 0)
		return bad(x, s, NULL, "bad receive timestamp");
	return 0;
}

/* Parse "<ts>: <JSON>" at p. */
static int ts_json(struct ctx *x, const char *p, const char *end, struct fj_val *root)
{
	const char *colon = memchr(p, ':', (size_t)(end - p));
	if (!colon)
		return bad(x, p, NULL, "expected '<receive time>: <JSON>'");
	int r = recv_time(x, p, (size_t)(colon - p), &x->recv_ns);
	if (r < 0)
		return r;
	const char *q = colon + 1;
	if (fj_value(&x->j, &q, root) < 0)
		return bad_json(x, NULL);
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	if (q != end)
		return bad(x, q, NULL, "bytes after the JSON value");
	if (root->type != FJ_OBJECT)
		return bad(x, root->s, NULL, "expected a JSON object");
	return 0;
}

static const char *find(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);
	for (; (size_t)(end - p) >= n; p++)
		if (!memcmp(p, lit, n))
			return p;
	return NULL;
}

static int url_line(struct ctx *x, const char *end)
{
	struct feeds_crypto *c = x->c;
	const char *p = x->line;
	const char *arrow = find(p, end, " -> ");
	const char *conn = find(p, end, " <-> ");
	if (conn && (!arrow || conn < arrow)) {
		/* A (re)connection: books of that venue must resync. */
		int venue = find(p, conn, "bybit") ? FEEDS_CRYPTO_BYBIT
			  : find(p, conn, "binance") ? FEEDS_CRYPTO_BINANCE
						     : FEEDS_CRYPTO_ANY;
		uint64_t t;
		int r = recv_time(x, conn + 5, (size_t)(end - conn - 5), &t);
		if (r < 0)
			return r;
		c->st.reconnects++;
		for (unsigned i = 0; i < c->nsyms; i++) {
			struct sym *y = &c->syms[i];
			/* A snapshot received after the connection opened (REST
			 * snapshots taken once the stream is up) stays valid. */
			if ((venue != FEEDS_CRYPTO_ANY && y->venue != venue) || y->sync_ns > t)
				continue;
			if (y->state == ST_LIVE || y->state == ST_SYNCING)
				sym_gap(c, y, 'c', t % NS_PER_DAY, 0);
			if (y->state == ST_STALE && y->venue == FEEDS_CRYPTO_BYBIT)
				y->state = ST_NOSNAP; /* a new snapshot will come */
		}
		return 0;
	}
	if (!arrow) {
		if (find(p, end, " <- ")) {
			c->st.skipped++; /* a request we sent */
			return 0;
		}
		return bad(x, p, NULL, "URL line without ' -> ', ' <- ' or ' <-> '");
	}
	struct fj_val root;
	int r = ts_json(x, arrow + 4, end, &root);
	if (r < 0)
		return r;
	c->st.messages++;
	const char *sq = find(p, arrow, "symbol=");
	if (!sq || !find(p, arrow, "depth")) {
		c->st.skipped++;
		return 0;
	}
	struct fj_val symv = { .s = sq + 7, .type = FJ_STRING };
	const char *se = symv.s;
	while (se < arrow && *se != '&' && *se != ' ')
		se++;
	symv.n = (size_t)(se - symv.s);
	return bn_snapshot(x, &root, &symv);
}

int feeds_crypto_line(struct feeds_crypto *c, const char *line, size_t len,
		      const struct md_event **ret_ev, char *err, size_t errlen)
{
	struct ctx x = { .c = c, .line = line, .err = err, .errlen = errlen };
	c->nev = 0;
	c->st.lines++;
	if (len && line[len - 1] == '\r')
		len--;
	const char *end = line + len;
	fj_init(&x.j, line, len);
	const char *p = line;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	int r;
	if (p == end) {
		c->st.skipped++;
		r = 0;
	} else if (*p >= '0' && *p <= '9') {
		struct fj_val root;
		r = ts_json(&x, p, end, &root);
		if (r == 0)
			r = ws_message(&x, &root);
	} else if ((size_t)(end - p) > 6 && (!memcmp(p, "wss://", 6) || !memcmp(p, "https:", 6) ||
					     !memcmp(p, "ws://", 5) || !memcmp(p, "http:/", 6))) {
		r = url_line(&x, end);
	} else {
		r = bad(&x, p, NULL, "not a capture line (expected '<time>: {...}' or a URL line)");
	}
	if (r < 0) {
		c->nev = 0;
		return r;
	}
	*ret_ev = c->ev;
	return (int)c->nev;
}

int feeds_crypto_next(struct feeds_crypto *c, struct feeds_capture *cap,
                      const struct md_event **ret_ev, uint32_t *ret_n, char *err, size_t errlen)
{
	if (cap->off >= cap->len)
		return CORE_EOF;
	const char *base = (const char *)cap->data;
	/* Line number of cap->off: counted incrementally while reading forward. */
	if (c->lc_cap != cap || c->lc_off > cap->off) {
		c->lc_cap = cap;
		c->lc_off = 0;
		c->lc_line = 1;
	}
	for (size_t i = c->lc_off; i < cap->off; i++)
		if (base[i] == '\n')
			c->lc_line++;
	c->lc_off = cap->off;
	const char *s = base + cap->off;
	const char *nl = memchr(s, '\n', cap->len - cap->off);
	size_t n = nl ? (size_t)(nl - s) : cap->len - cap->off;
	char tmp[256];
	int r = feeds_crypto_line(c, s, n, ret_ev, tmp, sizeof(tmp));
	if (r < 0) {
		size_t o = 0;
		sscanf(tmp, "offset %zu", &o);
		const char *rest = strchr(tmp, ':');
		core_errf(err, errlen, "%s: line %llu (offset %zu)%s", cap->path,
		          (unsigned long long)c->lc_line, cap->off + o, rest ? rest : "");
		return r;
	}
	cap->off += n + (nl ? 1 : 0);
	*ret_n = (uint32_t)r;
	return 0;
}

bool feeds_crypto_sniff(const void *buf, size_t len)
{
	const char *s = buf;
	if (len >= 6 && (!memcmp(s, "wss://", 6) || !memcmp(s, "https:", 6) ||
			 !memcmp(s, "ws://", 5) || !memcmp(s, "http:/", 6)))
		return true;
	size_t i = 0;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i == 0 || i >= len)
		return false;
	if (s[i] == '.') {
		size_t j = ++i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == j)
			return false;
	}
	return len - i >= 3 && s[i] == ':' && s[i + 1] == ' ' && s[i + 2] == '{';
}

/* ------------------------------------------------------------------------- */
/* Setup and queries */

int feeds_crypto_create(const struct feeds_crypto_cfg *cfg, struct feeds_crypto **ret, char *err,
			size_t errlen)
{
	struct feeds_crypto_cfg d = { 0 };
	if (!cfg)
		cfg = &d;
	unsigned max_syms = cfg->max_symbols ? cfg->max_symbols : 64;
	unsigned max_levels = cfg->max_levels ? cfg->max_levels : 4096;
	unsigned max_ev = cfg->max_events ? cfg->max_events : 8192;
	if (max_syms > 65535) {
		core_errf(err, errlen, "crypto: max_symbols %u above 65535", max_syms);
		return -EINVAL;
	}
	if (max_levels > (1u << 20) || max_ev > (1u << 20)) {
		core_errf(err, errlen, "crypto: max_levels or max_events above 1048576");
		return -EINVAL;
	}
	if (cfg->ninstr && !cfg->instr) {
		core_errf(err, errlen, "crypto: ninstr %u but no instr", cfg->ninstr);
		return -EINVAL;
	}
	if (cfg->default_px_decimals > 18 || cfg->default_qty_decimals > 18) {
		core_errf(err, errlen, "crypto: default decimals above 18");
		return -EINVAL;
	}
	for (unsigned i = 0; i < cfg->ninstr; i++) {
		const struct feeds_crypto_instr *in = &cfg->instr[i];
		if (!in->symbol || !in->symbol[0] ||
		    strlen(in->symbol) >= FEEDS_CRYPTO_SYMBOL_MAX || in->px_decimals > 18 ||
		    in->qty_decimals > 18 || in->venue > FEEDS_CRYPTO_BYBIT) {
			core_errf(err, errlen,
			          "crypto: instr[%u]: symbol must be 1..23 characters, decimals "
			          "<= 18, venue 0..2",
			          i);
			return -EINVAL;
		}
	}
	struct feeds_crypto *c = core_alloc(sizeof(*c), CORE_CACHE_LINE);
	if (!c)
		goto fail_nomem;
	c->max_syms = max_syms;
	c->max_levels = max_levels;
	c->max_ch = max_ev;
	c->no_builtin = cfg->no_builtin;
	c->reject_unknown = cfg->reject_unknown;
	c->def_pxd = cfg->default_px_decimals ? cfg->default_px_decimals : 4;
	c->def_qtyd = cfg->default_qty_decimals ? cfg->default_qty_decimals : 8;
	c->syms = core_alloc(max_syms * sizeof(*c->syms), CORE_CACHE_LINE);
	c->pool = core_alloc((size_t)max_syms * 2 * max_levels * sizeof(struct lvl),
			     CORE_CACHE_LINE);
	c->ch = core_alloc(max_ev * sizeof(*c->ch), CORE_CACHE_LINE);
	/* + 1: a message's gap event after its level events; a reconnection
	 * line gives one gap event per symbol. */
	c->ev = core_alloc(((max_ev > max_syms ? max_ev : max_syms) + 1) * sizeof(*c->ev),
			   CORE_CACHE_LINE);
	if (cfg->ninstr)
		c->instr = core_alloc(cfg->ninstr * sizeof(*c->instr), CORE_CACHE_LINE);
	if (!c->syms || !c->pool || !c->ch || !c->ev || (cfg->ninstr && !c->instr))
		goto fail_free;
	for (unsigned i = 0; i < cfg->ninstr; i++) {
		snprintf(c->instr[i].symbol, sizeof(c->instr[i].symbol), "%s", cfg->instr[i].symbol);
		c->instr[i].venue = cfg->instr[i].venue;
		c->instr[i].pxd = cfg->instr[i].px_decimals;
		c->instr[i].qtyd = cfg->instr[i].qty_decimals;
	}
	c->ninstr = cfg->ninstr;
	for (unsigned i = 0; i < max_syms; i++)
		for (int sd = 0; sd < 2; sd++)
			c->syms[i].s[sd].lv = c->pool + ((size_t)i * 2 + (size_t)sd) * max_levels;
	*ret = c;
	return 0;

fail_free:
	feeds_crypto_destroy(c);
fail_nomem:
	core_errf(err, errlen, "crypto: out of memory");
	return -ENOMEM;
}

struct feeds_crypto *feeds_crypto_destroy(struct feeds_crypto *c)
{
	if (!c)
		return NULL;
	core_free(c->syms);
	core_free(c->pool);
	core_free(c->ch);
	core_free(c->ev);
	core_free(c->instr);
	core_free(c);
	return NULL;
}

static const struct sym *sym_at(const struct feeds_crypto *c, uint16_t locate)
{
	return locate >= 1 && locate <= c->nsyms ? &c->syms[locate - 1] : NULL;
}

unsigned feeds_crypto_nsymbols(const struct feeds_crypto *c)
{
	return c->nsyms;
}

const char *feeds_crypto_symbol(const struct feeds_crypto *c, uint16_t locate)
{
	const struct sym *y = sym_at(c, locate);
	return y ? y->name : "";
}

int feeds_crypto_venue(const struct feeds_crypto *c, uint16_t locate)
{
	const struct sym *y = sym_at(c, locate);
	return y ? y->venue : 0;
}

int feeds_crypto_lookup(const struct feeds_crypto *c, int venue, const char *symbol)
{
	for (unsigned i = 0; i < c->nsyms; i++)
		if ((venue == FEEDS_CRYPTO_ANY || c->syms[i].venue == venue) &&
		    !strcmp(c->syms[i].name, symbol))
			return (int)i + 1;
	return -ENOENT;
}

int feeds_crypto_scale(const struct feeds_crypto *c, uint16_t locate, unsigned *ret_px_decimals,
		       unsigned *ret_qty_decimals)
{
	const struct sym *y = sym_at(c, locate);
	if (!y)
		return -ERANGE;
	*ret_px_decimals = y->pxd;
	*ret_qty_decimals = y->qtyd;
	return 0;
}

static void level_out(const struct side *s, uint32_t i, struct feeds_level *l)
{
	l->px = s->lv[i].px;
	l->qty = s->lv[i].qty;
	l->orders = 1;
}

int feeds_crypto_bbo(const struct feeds_crypto *c, uint16_t locate, struct feeds_level *ret_bid,
		     struct feeds_level *ret_ask)
{
	const struct sym *y = sym_at(c, locate);
	if (!y)
		return -ERANGE;
	memset(ret_bid, 0, sizeof(*ret_bid));
	memset(ret_ask, 0, sizeof(*ret_ask));
	if (y->s[BID].n)
		level_out(&y->s[BID], y->s[BID].n - 1, ret_bid);
	if (y->s[ASK].n)
		level_out(&y->s[ASK], y->s[ASK].n - 1, ret_ask);
	return 0;
}

int feeds_crypto_depth(const struct feeds_crypto *c, uint16_t locate, char side,
		       struct feeds_level *out, unsigned n)
{
	const struct sym *y = sym_at(c, locate);
	if (!y)
		return -ERANGE;
	if (side != 'B' && side != 'S')
		return -EINVAL;
	const struct side *s = &y->s[side == 'B' ? BID : ASK];
	unsigned k = 0;
	for (; k < n && k < s->n; k++)
		level_out(s, s->n - 1 - k, &out[k]);
	return (int)k;
}

bool feeds_crypto_stale(const struct feeds_crypto *c, uint16_t locate)
{
	const struct sym *y = sym_at(c, locate);
	return !y || y->state == ST_STALE || y->state == ST_NOSNAP;
}

void feeds_crypto_stats(const struct feeds_crypto *c, struct feeds_crypto_stats *ret)
{
	*ret = c->st;
}
