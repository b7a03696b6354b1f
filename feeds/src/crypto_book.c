/* crypto_book.c - the crypto decoders' L2 books (one per venue and symbol):
 * symbols and their scales, events with the top of book, gaps, snapshot
 * loading; setup and the queries of feeds.h "Crypto L2 feeds". The venues'
 * messages are in binance.c and bybit.c, capture lines in crypto.c. */
#include <stdlib.h>

#include "crypto_internal.h"

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

int feeds_crypto_table_scale(const struct feeds_crypto_cfg *cfg, int venue, const char *symbol,
			     unsigned *ret_px_decimals, unsigned *ret_qty_decimals)
{
	for (unsigned i = 0; i < cfg->ninstr; i++) {
		const struct feeds_crypto_instr *in = &cfg->instr[i];
		if ((venue == FEEDS_CRYPTO_ANY || in->venue == FEEDS_CRYPTO_ANY || in->venue == venue) &&
		    !strcmp(in->symbol, symbol)) {
			*ret_px_decimals = in->px_decimals;
			*ret_qty_decimals = in->qty_decimals;
			return 1;
		}
	}
	for (size_t i = 0; !cfg->no_builtin && i < sizeof(builtin) / sizeof(builtin[0]); i++) {
		if ((venue == FEEDS_CRYPTO_ANY || builtin[i].venue == venue) &&
		    !strcmp(builtin[i].symbol, symbol)) {
			*ret_px_decimals = builtin[i].pxd;
			*ret_qty_decimals = builtin[i].qtyd;
			return 1;
		}
	}
	*ret_px_decimals = cfg->default_px_decimals ? cfg->default_px_decimals : 4;
	*ret_qty_decimals = cfg->default_qty_decimals ? cfg->default_qty_decimals : 8;
	return 0;
}

/* A symbol name's characters: letters, digits, '_' and '-'. */
static bool name_ok(const char *s, size_t n, size_t *bad_at)
{
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-')) {
			*bad_at = i;
			return false;
		}
	}
	return true;
}

/* y is venue's: at the scales the tables give for it there. */
static void sym_claim(struct feeds_crypto *c, struct sym *y, int venue)
{
	const struct instr *in = scale_of(c, venue, y->name);
	y->venue = (uint8_t)venue;
	y->pxd = in ? in->pxd : c->def_pxd;
	y->qtyd = in ? in->qtyd : c->def_qtyd;
}

/* A new book for (venue, name) at the next locate (a declared one has venue
 * ANY until a venue claims it). */
static struct sym *sym_new(struct feeds_crypto *c, int venue, const char *name)
{
	struct sym *y = &c->syms[c->nsyms++];
	snprintf(y->name, sizeof(y->name), "%s", name);
	sym_claim(c, y, venue);
	y->state = ST_NOSNAP;
	return y;
}

/* The symbol's book, created on first sight (or the declared one of its
 * name, which the venue now claims). NULL with an error in x. */
struct sym *feeds__crypto_sym_get(struct crypto_ctx *x, int venue, const struct core_json_val *v,
				  const char *field)
{
	struct feeds_crypto *c = x->c;
	if (v->type != CORE_JSON_STRING || v->escaped || v->n == 0 ||
	    v->n >= FEEDS_CRYPTO_SYMBOL_MAX) {
		bad(x, v->s ? v->s : x->line, field, "expected a symbol string of 1..23 characters");
		return NULL;
	}
	size_t at;
	if (!name_ok(v->s, v->n, &at)) {
		bad(x, v->s + at, field, "bad character in symbol");
		return NULL;
	}
	for (unsigned i = 0; i < c->nsyms; i++) {
		struct sym *y = &c->syms[i];
		if ((y->venue == venue || y->venue == FEEDS_CRYPTO_ANY) &&
		    !memcmp(y->name, v->s, v->n) && y->name[v->n] == '\0') {
			if (y->venue == FEEDS_CRYPTO_ANY) /* declared: this venue's now */
				sym_claim(c, y, venue);
			return y;
		}
	}
	if (c->nsyms >= c->max_syms) {
		bad(x, v->s, field, "more symbols than max_symbols");
		return NULL;
	}
	char name[FEEDS_CRYPTO_SYMBOL_MAX];
	memcpy(name, v->s, v->n);
	name[v->n] = '\0';
	if (c->reject_unknown && !scale_of(c, venue, name)) {
		bad(x, v->s, field, "symbol has no configured price/size scale");
		return NULL;
	}
	return sym_new(c, venue, name);
}

/* ------------------------------------------------------------------------- */
/* Events */

/* Fill the top of book and flags into events [from, nev). */
void feeds__crypto_ev_finish(struct feeds_crypto *c, const struct sym *y, unsigned from)
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

void feeds__crypto_sym_gap(struct feeds_crypto *c, struct sym *y, uint8_t msg_type, uint64_t ts,
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
	feeds__crypto_ev_finish(c, y, from);
}

void feeds__crypto_set_scale(struct feeds_crypto *c, struct sym *y, uint8_t pxd, uint8_t qtyd)
{
	if (y->pxd == pxd && y->qtyd == qtyd)
		return;
	bool had = y->state == ST_LIVE || y->state == ST_SYNCING;
	y->pxd = pxd;
	y->qtyd = qtyd;
	if (!had && !y->s[BID].n && !y->s[ASK].n)
		return;
	/* levels in the old units mean nothing now: empty, resync */
	c->st.scale_resets++;
	y->s[BID].n = y->s[ASK].n = 0;
	if (had)
		feeds__crypto_sym_gap(c, y, 'x', c->last_ts, 0);
	y->state = ST_NOSNAP;
}

/* ------------------------------------------------------------------------- */
/* Snapshots */

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
void feeds__crypto_load_snapshot(struct feeds_crypto *c, struct sym *y, unsigned n)
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
		    in->qty_decimals > 18 || in->venue > FEEDS_CRYPTO_BINANCE_FUTURES) {
			core_errf(err, errlen,
			          "crypto: instr[%u]: symbol must be 1..23 characters, decimals "
			          "<= 18, venue 0..3",
			          i);
			return -EINVAL;
		}
	}
	/* + 1 event: a message's gap event after its level events; a reconnection
	 * line gives one gap event per symbol. */
	struct feeds_crypto *c;
	struct core_layout l = core_layout_begin(sizeof(*c));
	size_t o_syms = core_layout_add(&l, max_syms, sizeof(*c->syms), CORE_CACHE_LINE);
	size_t o_pool = core_layout_add(&l, (size_t)max_syms * 2 * max_levels, sizeof(struct lvl),
	                                CORE_CACHE_LINE);
	size_t o_ch = core_layout_add(&l, max_ev, sizeof(*c->ch), CORE_CACHE_LINE);
	size_t o_ev = core_layout_add(&l, (max_ev > max_syms ? max_ev : max_syms) + 1,
	                              sizeof(*c->ev), CORE_CACHE_LINE);
	size_t o_instr = core_layout_add(&l, cfg->ninstr, sizeof(*c->instr), CORE_CACHE_LINE);
	c = core_layout_alloc(&l);
	if (!c) {
		core_errf(err, errlen, "crypto: out of memory");
		return -ENOMEM;
	}
	c->syms = core_layout_at(c, o_syms);
	c->pool = core_layout_at(c, o_pool);
	c->ch = core_layout_at(c, o_ch);
	c->ev = core_layout_at(c, o_ev);
	c->instr = cfg->ninstr ? core_layout_at(c, o_instr) : NULL;
	c->max_syms = max_syms;
	c->max_levels = max_levels;
	c->max_ch = max_ev;
	c->no_builtin = cfg->no_builtin;
	c->ws_venue = FEEDS_CRYPTO_BINANCE;
	c->reject_unknown = cfg->reject_unknown;
	c->def_pxd = cfg->default_px_decimals ? cfg->default_px_decimals : 4;
	c->def_qtyd = cfg->default_qty_decimals ? cfg->default_qty_decimals : 8;
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
	for (unsigned i = 0; i < cfg->ndeclare; i++) {
		const char *name = cfg->declare[i];
		size_t at, n = name ? strlen(name) : 0;
		bool dup = false;
		for (unsigned k = 0; k < i && !dup; k++)
			dup = !strcmp(cfg->declare[k], name);
		if (!n || n >= FEEDS_CRYPTO_SYMBOL_MAX || !name_ok(name, n, &at) || dup ||
		    c->nsyms == max_syms) {
			core_errf(err, errlen,
			          "crypto: declare[%u] '%s': %s", i, name ? name : "",
			          dup ? "declared twice"
			          : c->nsyms == max_syms ? "more books than max_symbols"
			                                 : "a symbol is 1..23 of A-Z a-z 0-9 _ -");
			core_free(c);
			return -EINVAL;
		}
		sym_new(c, FEEDS_CRYPTO_ANY, name);
	}
	*ret = c;
	return 0;
}

struct feeds_crypto *feeds_crypto_destroy(struct feeds_crypto *c)
{
	core_free(c); /* one block (core_layout) */
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

int feeds_crypto_update_id(const struct feeds_crypto *c, uint16_t locate, uint64_t *ret)
{
	const struct sym *y = sym_at(c, locate);
	if (!y)
		return -ERANGE;
	if (y->state != ST_LIVE && y->state != ST_SYNCING)
		return -EAGAIN;
	*ret = y->last_id;
	return 0;
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
