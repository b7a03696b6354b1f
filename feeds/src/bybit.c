/* bybit.c - Bybit messages into the crypto L2 books: orderBookL2 snapshots
 * and deltas (deletes, updates, inserts) in cross_seq order, and trades
 * (feeds.h "Crypto L2 feeds"). */
#include "crypto_internal.h"

/* {"price":"..","side":"Buy","size":..,...} entries into changes. */
static int by_entries(struct crypto_ctx *x, struct sym *y, const struct core_json_val *arr,
		      const char *field, uint8_t op, unsigned *n)
{
	struct feeds_crypto *c = x->c;
	if (arr->type != CORE_JSON_ARRAY)
		return bad(x, arr->s, field, "expected an array of levels");
	struct core_json_cur cur;
	struct core_json_val e;
	int r;
	core_json_open(arr, &cur);
	while ((r = core_json_arr_next(&x->j, &cur, &e)) == 1) {
		if (e.type != CORE_JSON_OBJECT)
			return bad(x, e.s, field, "expected a level object");
		struct core_json_cur ec;
		struct core_json_val k, v, px = { 0 }, side = { 0 }, size = { 0 }, sym = { 0 };
		core_json_open(&e, &ec);
		while ((r = core_json_obj_next(&x->j, &ec, &k, &v)) == 1) {
			if (CORE_JSON_KEY(&k, "price"))
				px = v;
			else if (CORE_JSON_KEY(&k, "side"))
				side = v;
			else if (CORE_JSON_KEY(&k, "size"))
				size = v;
			else if (CORE_JSON_KEY(&k, "symbol"))
				sym = v;
		}
		if (r < 0)
			return bad_json(x, field);
		if (!px.type || !side.type || (op != OP_DEL && !size.type))
			return bad(x, e.s, field,
				   op == OP_DEL ? "level without price or side"
						: "level without price, side or size");
		if (sym.type && (sym.type != CORE_JSON_STRING || strlen(y->name) != sym.n ||
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
		if (CORE_JSON_KEY(&side, "Buy"))
			ch->side = BID;
		else if (CORE_JSON_KEY(&side, "Sell"))
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
static int topic_symbol(struct crypto_ctx *x, const struct core_json_val *topic,
			struct core_json_val *ret)
{
	const char *dot = NULL;
	for (size_t i = 0; i < topic->n; i++)
		if (topic->s[i] == '.')
			dot = topic->s + i;
	if (!dot)
		return bad(x, topic->s, "topic", "no symbol in topic");
	ret->type = CORE_JSON_STRING;
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

static int by_book(struct crypto_ctx *x, const struct core_json_val *symv,
		   const struct core_json_val *type, const struct core_json_val *data,
		   const struct core_json_val *cseq, const struct core_json_val *tse6)
{
	struct feeds_crypto *c = x->c;
	int r;
	bool snap;
	if (!type->type || !data->type)
		return bad(x, x->line, NULL, "orderBook message without type or data");
	if (CORE_JSON_KEY(type, "snapshot"))
		snap = true;
	else if (CORE_JSON_KEY(type, "delta"))
		snap = false;
	else
		return bad(x, type->s, "type", "expected \"snapshot\" or \"delta\"");
	struct sym *y = feeds__crypto_sym_get(x, FEEDS_CRYPTO_BYBIT, symv, "topic");
	if (!y)
		return -EBADMSG;
	uint64_t cs = 0, t6 = 0;
	if (cseq->type && (r = uint_val(x, cseq, "cross_seq", &cs)) < 0)
		return r;
	if (tse6->type && (r = uint_val(x, tse6, "timestamp_e6", &t6)) < 0)
		return r;
	unsigned n = 0;
	if (snap) {
		const struct core_json_val *levels = data;
		struct core_json_val ob = { 0 };
		if (data->type == CORE_JSON_OBJECT) {
			struct core_json_cur cur;
			struct core_json_val k, v;
			core_json_open(data, &cur);
			while ((r = core_json_obj_next(&x->j, &cur, &k, &v)) == 1)
				if (CORE_JSON_KEY(&k, "order_book"))
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
		if (data->type != CORE_JSON_OBJECT)
			return bad(x, data->s, "data", "expected an object");
		struct core_json_cur cur;
		struct core_json_val k, v;
		core_json_open(data, &cur);
		while ((r = core_json_obj_next(&x->j, &cur, &k, &v)) == 1) {
			if (CORE_JSON_KEY(&k, "delete"))
				r = by_entries(x, y, &v, "delete", OP_DEL, &n);
			else if (CORE_JSON_KEY(&k, "update"))
				r = by_entries(x, y, &v, "update", OP_UPD, &n);
			else if (CORE_JSON_KEY(&k, "insert"))
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
		feeds__crypto_load_snapshot(c, y, n); /* a full side leaves it ST_STALE */
		y->last_id = cs;
		y->sync_ns = x->recv_ns;
		struct md_event *e = ev_new(c, y, MD_STATUS, 'O', ts, cs);
		e->flags = MD_F_BOOK;
		feeds__crypto_ev_finish(c, y, from);
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
	feeds__crypto_ev_finish(c, y, from);
	if (errors) {
		c->st.level_errors += errors;
		feeds__crypto_sym_gap(c, y, 'o', ts, cs);
	}
	return 0;
}

static int by_trades(struct crypto_ctx *x, const struct core_json_val *symv,
		     const struct core_json_val *data)
{
	struct feeds_crypto *c = x->c;
	if (data->type != CORE_JSON_ARRAY)
		return bad(x, data->s ? data->s : x->line, "data", "expected an array of trades");
	struct sym *y = feeds__crypto_sym_get(x, FEEDS_CRYPTO_BYBIT, symv, "topic");
	if (!y)
		return -EBADMSG;
	/* Validate every trade first: nothing is emitted for a bad message. */
	struct core_json_cur cur;
	struct core_json_val e;
	int r;
	unsigned from = c->nev;
	core_json_open(data, &cur);
	while ((r = core_json_arr_next(&x->j, &cur, &e)) == 1) {
		if (e.type != CORE_JSON_OBJECT)
			goto fail_bad_trade;
		struct core_json_cur ec;
		struct core_json_val k, v, px = { 0 }, size = { 0 }, side = { 0 }, tms = { 0 };
		core_json_open(&e, &ec);
		while ((r = core_json_obj_next(&x->j, &ec, &k, &v)) == 1) {
			if (CORE_JSON_KEY(&k, "price"))
				px = v;
			else if (CORE_JSON_KEY(&k, "size"))
				size = v;
			else if (CORE_JSON_KEY(&k, "side"))
				side = v;
			else if (CORE_JSON_KEY(&k, "trade_time_ms"))
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
		if (CORE_JSON_KEY(&side, "Buy"))
			sd = 'B';
		else if (CORE_JSON_KEY(&side, "Sell"))
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
	feeds__crypto_ev_finish(c, y, from);
	return 0;

fail_bad_trade:
	c->nev = from;
	return bad(x, e.s, "data", "expected a trade object");
}

int feeds__bybit_message(struct crypto_ctx *x, const struct core_json_val *topic,
			 const struct core_json_val *type, const struct core_json_val *data,
			 const struct core_json_val *cseq, const struct core_json_val *tse6)
{
	if (topic->type != CORE_JSON_STRING || topic->escaped)
		return bad(x, topic->s, "topic", "expected a string");
	struct core_json_val symv;
	int r = topic_symbol(x, topic, &symv);
	if (r < 0)
		return r;
	if (topic->n > 9 && !memcmp(topic->s, "orderBook", 9))
		return by_book(x, &symv, type, data, cseq, tse6);
	if (topic->n > 6 && !memcmp(topic->s, "trade.", 6))
		return by_trades(x, &symv, data);
	x->c->st.skipped++;
	return 0;
}
