/* binance.c - Binance spot messages into the crypto L2 books: depthUpdate
 * diffs in update-id sequence against REST depth snapshots, bookTicker checks
 * against the book, aggTrade and trade events (feeds.h "Crypto L2 feeds"). */
#include "crypto_internal.h"

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
static int parse_pairs(struct crypto_ctx *x, struct sym *y, const struct core_json_val *arr, int sd,
		       const char *field, uint8_t op, unsigned *n)
{
	struct feeds_crypto *c = x->c;
	if (arr->type != CORE_JSON_ARRAY)
		return bad(x, arr->s, field, "expected an array of [price, size] pairs");
	struct core_json_cur cur;
	struct core_json_val e;
	core_json_open(arr, &cur);
	int r;
	while ((r = core_json_arr_next(&x->j, &cur, &e)) == 1) {
		if (e.type != CORE_JSON_ARRAY)
			return bad(x, e.s, field, "expected a [price, size] pair");
		struct core_json_cur ec;
		struct core_json_val pv, qv, extra;
		core_json_open(&e, &ec);
		if (core_json_arr_next(&x->j, &ec, &pv) != 1 ||
		    core_json_arr_next(&x->j, &ec, &qv) != 1)
			return x->j.err ? bad_json(x, field)
					: bad(x, e.s, field, "pair with fewer than 2 elements");
		r = core_json_arr_next(&x->j, &ec, &extra);
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

/* The fields of a Binance event object we look at. */
struct bn_fields {
	struct core_json_val e, E, s, U, u, b, a, B, A, p, q, m, t, T, pu;
	bool has_e, has_E, has_s, has_U, has_u, has_b, has_a, has_B, has_A, has_p, has_q, has_m,
		has_t, has_T, has_pu;
};

static int bn_scan(struct crypto_ctx *x, const struct core_json_val *obj, struct bn_fields *f)
{
	memset(f, 0, sizeof(*f));
	struct core_json_cur cur;
	struct core_json_val k, v;
	int r;
	core_json_open(obj, &cur);
	while ((r = core_json_obj_next(&x->j, &cur, &k, &v)) == 1) {
		if (CORE_JSON_KEY(&k, "pu")) { /* futures: the previous event's u */
			f->pu = v;
			f->has_pu = true;
			continue;
		}
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

static int need(struct crypto_ctx *x, bool has, const struct core_json_val *obj, const char *field)
{
	if (!has) {
		char msg[64];
		snprintf(msg, sizeof(msg), "missing field '%s'", field);
		return bad(x, obj->s, NULL, msg);
	}
	return 0;
}

static int bn_diff(struct crypto_ctx *x, const struct core_json_val *obj, struct bn_fields *f)
{
	struct feeds_crypto *c = x->c;
	int r;
	if ((r = need(x, f->has_s, obj, "s")) < 0 || (r = need(x, f->has_U, obj, "U")) < 0 ||
	    (r = need(x, f->has_u, obj, "u")) < 0 || (r = need(x, f->has_b, obj, "b")) < 0 ||
	    (r = need(x, f->has_a, obj, "a")) < 0)
		return r;
	bool fut = f->has_pu || c->ws_venue == FEEDS_CRYPTO_BINANCE_FUTURES;
	struct sym *y = feeds__crypto_sym_get(
		x, fut ? FEEDS_CRYPTO_BINANCE_FUTURES : FEEDS_CRYPTO_BINANCE, &f->s, "s");
	if (!y)
		return -EBADMSG;
	uint64_t U, u, E = 0, pu = 0;
	if ((r = uint_val(x, &f->U, "U", &U)) < 0 || (r = uint_val(x, &f->u, "u", &u)) < 0)
		return r;
	if (fut && (r = need(x, f->has_pu, obj, "pu")) < 0)
		return r;
	if (fut && (r = uint_val(x, &f->pu, "pu", &pu)) < 0)
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
	if (fut) {
		c->st.futures_diffs++;
		switch (y->state) {
		case ST_NOSNAP:
		case ST_STALE:
			c->st.diffs_unsynced++;
			return 0;
		case ST_SYNCING: /* drop u < L; the first applied spans L */
			if (u < y->last_id) {
				c->st.diffs_old++;
				return 0;
			}
			if (U > y->last_id) {
				feeds__crypto_sym_gap(c, y, 'd', ts, u);
				return 0;
			}
			break;
		default: /* ST_LIVE: each pu is the previous u */
			if (u <= y->last_id) {
				c->st.duplicates++;
				return 0;
			}
			if (pu != y->last_id) {
				feeds__crypto_sym_gap(c, y, 'd', ts, u);
				return 0;
			}
			break;
		}
		goto apply;
	}
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
			feeds__crypto_sym_gap(c, y, 'd', ts, u);
			return 0;
		}
		break;
	default: /* ST_LIVE */
		if (u <= y->last_id) {
			c->st.duplicates++;
			return 0;
		}
		if (U != y->last_id + 1) {
			feeds__crypto_sym_gap(c, y, 'd', ts, u);
			return 0;
		}
		break;
	}
apply:
	y->state = ST_LIVE;
	unsigned from = c->nev;
	apply_sets(c, y, n, 'd', ts, u);
	y->last_id = u;
	feeds__crypto_ev_finish(c, y, from);
	if (y->state == ST_LIVE)
		ticks_settle(c, y);
	return 0;
}

static int bn_ticker(struct crypto_ctx *x, const struct core_json_val *obj, struct bn_fields *f)
{
	struct feeds_crypto *c = x->c;
	int r;
	if ((r = need(x, f->has_s, obj, "s")) < 0 || (r = need(x, f->has_u, obj, "u")) < 0 ||
	    (r = need(x, f->has_b, obj, "b")) < 0 || (r = need(x, f->has_B, obj, "B")) < 0 ||
	    (r = need(x, f->has_a, obj, "a")) < 0 || (r = need(x, f->has_A, obj, "A")) < 0)
		return r;
	struct sym *y = feeds__crypto_sym_get(x, c->ws_venue, &f->s, "s");
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

static int bn_trade(struct crypto_ctx *x, const struct core_json_val *obj, struct bn_fields *f,
		    bool agg)
{
	struct feeds_crypto *c = x->c;
	int r;
	const struct core_json_val *id = agg ? &f->a : &f->t;
	if ((r = need(x, f->has_s, obj, "s")) < 0 || (r = need(x, f->has_p, obj, "p")) < 0 ||
	    (r = need(x, f->has_q, obj, "q")) < 0 || (r = need(x, f->has_m, obj, "m")) < 0 ||
	    (r = need(x, agg ? f->has_a : f->has_t, obj, agg ? "a" : "t")) < 0)
		return r;
	struct sym *y = feeds__crypto_sym_get(x, c->ws_venue, &f->s, "s");
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
	if (f->m.type != CORE_JSON_TRUE && f->m.type != CORE_JSON_FALSE)
		return bad(x, f->m.s, "m", "expected true or false");
	c->st.trades++;
	unsigned from = c->nev;
	struct md_event *e = ev_new(c, y, MD_TRADE, agg ? 'a' : 't',
				    T ? day_ns_ms(T) : x->recv_ns % NS_PER_DAY, ref);
	e->px = (uint32_t)px;
	e->qty = sat32(qty);
	e->side = f->m.type == CORE_JSON_TRUE ? 'S' : 'B'; /* buyer is maker: the taker sold */
	c->st.trade_events++;
	feeds__crypto_ev_finish(c, y, from);
	return 0;
}

int feeds__binance_event(struct crypto_ctx *x, const struct core_json_val *obj)
{
	struct bn_fields f;
	int r = bn_scan(x, obj, &f);
	if (r < 0)
		return r;
	if (f.has_e) {
		if (f.e.type != CORE_JSON_STRING)
			return bad(x, f.e.s, "e", "expected a string");
		if (CORE_JSON_KEY(&f.e, "depthUpdate"))
			return bn_diff(x, obj, &f);
		if (CORE_JSON_KEY(&f.e, "aggTrade"))
			return bn_trade(x, obj, &f, true);
		if (CORE_JSON_KEY(&f.e, "trade"))
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
int feeds__binance_snapshot(struct crypto_ctx *x, const struct core_json_val *root,
			    const struct core_json_val *symv, int venue)
{
	struct feeds_crypto *c = x->c;
	struct core_json_cur cur;
	struct core_json_val k, v, lid = { 0 }, bids = { 0 }, asks = { 0 };
	int r;
	core_json_open(root, &cur);
	while ((r = core_json_obj_next(&x->j, &cur, &k, &v)) == 1) {
		if (CORE_JSON_KEY(&k, "lastUpdateId"))
			lid = v;
		else if (CORE_JSON_KEY(&k, "bids"))
			bids = v;
		else if (CORE_JSON_KEY(&k, "asks"))
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
	struct sym *y = feeds__crypto_sym_get(x, venue, symv, "symbol");
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
	feeds__crypto_load_snapshot(c, y, n); /* a full side leaves it ST_STALE */
	y->last_id = L;
	y->sync_ns = x->recv_ns;
	unsigned from = c->nev;
	/* No exchange time, and fetched out of band (a replay reads the REST file
	 * first): it does not advance the event clock. */
	struct md_event *e = ev_new(c, y, MD_STATUS, 'r', c->last_ts, L);
	e->flags = MD_F_BOOK;
	feeds__crypto_ev_finish(c, y, from);
	ticks_settle(c, y);
	return 0;
}

/* "0.00010000" -> 4: the decimal places down to the last nonzero digit. */
static int decimals_of(struct crypto_ctx *x, const struct core_json_val *v, const char *field,
		       uint8_t *ret)
{
	const char *what = "expected a decimal string";
	int r = v->type == CORE_JSON_STRING ? core_json_step_places(v->s, v->n, &what) : -EINVAL;
	if (r < 0)
		return bad(x, v->s ? v->s : x->line, field, what);
	*ret = (uint8_t)r;
	return 0;
}

/* One entry of "symbols": its name and the two filters' steps, checked
 * (apply false) or applied. */
static int info_symbol(struct crypto_ctx *x, const struct core_json_val *obj, int venue, bool apply)
{
	struct feeds_crypto *c = x->c;
	struct core_json_cur cur, fc, gc;
	struct core_json_val k, v, sym = { 0 }, filters = { 0 }, tick = { 0 }, step = { 0 };
	int r;
	if (obj->type != CORE_JSON_OBJECT)
		return bad(x, obj->s, "symbols", "expected objects");
	core_json_open(obj, &cur);
	while ((r = core_json_obj_next(&x->j, &cur, &k, &v)) == 1) {
		if (CORE_JSON_KEY(&k, "symbol"))
			sym = v;
		else if (CORE_JSON_KEY(&k, "filters"))
			filters = v;
	}
	if (r < 0)
		return bad_json(x, NULL);
	if (!sym.type || filters.type != CORE_JSON_ARRAY)
		return bad(x, obj->s, "symbols", "an entry without symbol or filters");
	struct core_json_val f;
	core_json_open(&filters, &fc);
	while ((r = core_json_arr_next(&x->j, &fc, &f)) == 1) {
		if (f.type != CORE_JSON_OBJECT)
			continue;
		struct core_json_val type = { 0 }, ts = { 0 }, ss = { 0 };
		core_json_open(&f, &gc);
		while ((r = core_json_obj_next(&x->j, &gc, &k, &v)) == 1) {
			if (CORE_JSON_KEY(&k, "filterType"))
				type = v;
			else if (CORE_JSON_KEY(&k, "tickSize"))
				ts = v;
			else if (CORE_JSON_KEY(&k, "stepSize"))
				ss = v;
		}
		if (r < 0)
			return bad_json(x, NULL);
		if (type.type == CORE_JSON_STRING && CORE_JSON_KEY(&type, "PRICE_FILTER"))
			tick = ts;
		else if (type.type == CORE_JSON_STRING && CORE_JSON_KEY(&type, "LOT_SIZE"))
			step = ss;
	}
	if (r < 0)
		return bad_json(x, NULL);
	if (!tick.type || !step.type)
		return bad(x, filters.s, "filters", "no PRICE_FILTER tickSize or LOT_SIZE stepSize");
	uint8_t pxd, qtyd;
	if ((r = decimals_of(x, &tick, "tickSize", &pxd)) < 0 ||
	    (r = decimals_of(x, &step, "stepSize", &qtyd)) < 0)
		return r;
	if (sym.type != CORE_JSON_STRING || sym.escaped || sym.n == 0 ||
	    sym.n >= FEEDS_CRYPTO_SYMBOL_MAX)
		return bad(x, sym.s, "symbol", "expected a symbol string of 1..23 characters");
	if (!apply)
		return 0;
	struct sym *y = feeds__crypto_sym_get(x, venue, &sym, "symbol");
	if (!y)
		return -EBADMSG;
	feeds__crypto_set_scale(c, y, pxd, qtyd);
	c->st.scales_set++;
	return 0;
}

int feeds__binance_exchange_info(struct crypto_ctx *x, const struct core_json_val *root, int venue)
{
	struct core_json_cur cur, sc;
	struct core_json_val k, v, syms = { 0 };
	int r;
	core_json_open(root, &cur);
	while ((r = core_json_obj_next(&x->j, &cur, &k, &v)) == 1)
		if (CORE_JSON_KEY(&k, "symbols"))
			syms = v;
	if (r < 0)
		return bad_json(x, NULL);
	if (syms.type != CORE_JSON_ARRAY)
		return bad(x, root->s, "symbols", "exchangeInfo without a symbols array");
	/* the whole answer is checked before any scale changes (but for more
	 * symbols than max_symbols, found while applying) */
	for (int pass = 0; pass < 2; pass++) {
		struct core_json_val e;
		core_json_open(&syms, &sc);
		while ((r = core_json_arr_next(&x->j, &sc, &e)) == 1)
			if ((r = info_symbol(x, &e, venue, pass == 1)) < 0)
				return r;
		if (r < 0)
			return bad_json(x, NULL);
	}
	return 0;
}
