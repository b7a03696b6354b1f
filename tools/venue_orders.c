/*
 * venue_orders.c - osprey-venue's books of record: accounts, symbols, order
 * tokens, our orders, the matching engine's events turned into protocol
 * reports (OUCH and FIX), the drop copy, positions and wire-to-wire.
 *
 * Every report comes from one place, venue_on_match (the exec_match sink),
 * so the drop copy, the positions and what each client is told are the same
 * events by construction. What the venue refuses before the engine (unknown
 * symbol, duplicate token, market closed) is written by venue_drop_reject.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "venue_int.h"

/* ------------------------------------------------------------------------- */
/* A string-keyed hash map (open addressing, linear probing, at most half full). */

struct venue_map_ent {
	uint64_t h;
	char *key; /* NULL: empty slot */
	uint32_t klen;
	uint32_t val;
};

struct venue_map {
	struct venue_map_ent *e;
	size_t cap, n;
};

static uint64_t map_hash(const void *k, size_t n)
{
	uint64_t h = core_fnv1a(CORE_FNV_OFFSET, k, n);
	return h ? h : 1;
}

static struct venue_map_ent *map_slot(const struct venue_map *m, const void *k, size_t n,
                                      uint64_t h)
{
	size_t i = (size_t)h & (m->cap - 1);
	for (;;) {
		struct venue_map_ent *e = &m->e[i];
		if (!e->key || (e->h == h && e->klen == n && !memcmp(e->key, k, n)))
			return e;
		i = (i + 1) & (m->cap - 1);
	}
}

static bool map_get(const struct venue_map *m, const void *k, size_t n, uint32_t *ret)
{
	struct venue_map_ent *e = map_slot(m, k, n, map_hash(k, n));
	if (!e->key)
		return false;
	*ret = e->val;
	return true;
}

static int map_grow(struct venue_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 1024;
	struct venue_map_ent *old = m->e, *ne = calloc(cap, sizeof(*ne));
	if (!ne)
		return -ENOMEM;
	size_t ocap = m->cap;
	m->e = ne;
	m->cap = cap;
	for (size_t i = 0; i < ocap; i++)
		if (old[i].key)
			*map_slot(m, old[i].key, old[i].klen, old[i].h) = old[i];
	free(old);
	return 0;
}

static int map_put(struct venue_map *m, const void *k, size_t n, uint32_t val)
{
	if ((m->n + 1) * 2 > m->cap && map_grow(m) < 0)
		return -ENOMEM;
	uint64_t h = map_hash(k, n);
	struct venue_map_ent *e = map_slot(m, k, n, h);
	if (!e->key) {
		e->key = malloc(n ? n : 1);
		if (!e->key)
			return -ENOMEM;
		memcpy(e->key, k, n);
		e->klen = (uint32_t)n;
		e->h = h;
		m->n++;
	}
	e->val = val;
	return 0;
}

static void map_free(struct venue_map *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->cap; i++)
		free(m->e[i].key);
	free(m->e);
	free(m);
}

/* Keys: a kind byte, then the fields. */
static size_t key_make(unsigned char *k, char kind, uint32_t account, uint8_t proto, const char *s,
                       size_t n)
{
	k[0] = (unsigned char)kind;
	memcpy(k + 1, &account, 4);
	k[5] = proto;
	memcpy(k + 6, s, n);
	return 6 + n;
}

/* ------------------------------------------------------------------------- */

struct venue_pos_row {
	uint32_t account;
	uint16_t locate;
	int64_t position;
	uint64_t fills, bought, sold;
	int64_t cash;
};

int venue_orders_init(struct venue *v, char *err, size_t errlen)
{
	v->names = calloc(1, sizeof(*v->names));
	v->symbols = calloc(65536, sizeof(*v->symbols));
	if (!v->names || !v->symbols || map_grow(v->names) < 0 || core_hist_init(&v->w2w) < 0) {
		core_errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

void venue_orders_fini(struct venue *v)
{
	map_free(v->names);
	v->names = NULL;
	free(v->symbols);
	free(v->accounts);
	free(v->orders);
	free(v->pos);
	core_hist_fini(&v->w2w);
}

uint32_t venue_account(struct venue *v, const char *name)
{
	unsigned char k[8 + VENUE_NAME_MAX];
	size_t n = strnlen(name, VENUE_NAME_MAX);
	size_t kl = key_make(k, 'A', 0, 0, name, n);
	uint32_t id;
	if (map_get(v->names, k, kl, &id))
		return id;
	struct venue_account *a = venue__grow(v->accounts, &v->accounts_cap, v->naccounts + 1, sizeof(*a));
	if (!a)
		abort(); /* a tool out of memory at a login: nothing sensible to do */
	v->accounts = a;
	id = (uint32_t)v->naccounts++;
	memset(&a[id], 0, sizeof(a[id]));
	memcpy(a[id].name, name, n);
	if (map_put(v->names, k, kl, id) < 0)
		abort();
	return id;
}

void venue_symbol_add(struct venue *v, uint16_t locate, const char *sym8)
{
	size_t n = 8;
	while (n && sym8[n - 1] == ' ')
		n--;
	memcpy(v->symbols[locate], sym8, n);
	v->symbols[locate][n] = 0;
	unsigned char k[16];
	size_t kl = key_make(k, 'S', 0, 0, sym8, n);
	if (map_put(v->names, k, kl, locate) < 0)
		abort();
}

uint16_t venue_symbol_locate(struct venue *v, const char *sym, size_t len)
{
	while (len && sym[len - 1] == ' ')
		len--;
	if (len == 0 || len > 8)
		return 0;
	unsigned char k[16];
	uint32_t loc;
	return map_get(v->names, k, key_make(k, 'S', 0, 0, sym, len), &loc) ? (uint16_t)loc : 0;
}

uint32_t venue_token_find(struct venue *v, uint32_t account, uint8_t proto, const char *tok,
                          bool *ret_seen)
{
	unsigned char k[8 + VENUE_CLORD_MAX];
	size_t n = strnlen(tok, VENUE_CLORD_MAX);
	uint32_t val = 0;
	*ret_seen = map_get(v->names, k, key_make(k, 'T', account, proto, tok, n), &val);
	return val;
}

void venue_token_set(struct venue *v, uint32_t account, uint8_t proto, const char *tok,
                     uint32_t order_plus1)
{
	unsigned char k[8 + VENUE_CLORD_MAX];
	size_t n = strnlen(tok, VENUE_CLORD_MAX);
	if (map_put(v->names, k, key_make(k, 'T', account, proto, tok, n), order_plus1) < 0)
		abort();
}

long venue_order_new(struct venue *v, uint32_t account, uint32_t owner, uint8_t proto)
{
	struct venue_order *o = venue__grow(v->orders, &v->orders_cap, v->norders + 1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	v->orders = o;
	long i = (long)v->norders++;
	memset(&o[i], 0, sizeof(o[i]));
	o[i].account = account;
	o[i].owner = owner;
	o[i].proto = proto;
	return i;
}

/* ------------------------------------------------------------------------- */
/* Drop copy and positions */

static void put_px(char *b, size_t n, uint32_t px)
{
	snprintf(b, n, "%" PRIu32 ".%04" PRIu32, px / 10000, px % 10000);
}

static void drop_row(struct venue *v, const struct venue_order *o, uint64_t id, uint64_t seq,
                     uint64_t itch_ns, uint32_t qty, uint32_t px, const char *event,
                     const char *reason, char liquidity)
{
	if (!v->drop)
		return;
	char p[24];
	put_px(p, sizeof(p), px);
	fprintf(v->drop,
	        "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%s,%s,%s,%" PRIu64 ",%s,%c,%s,%" PRIu32
	        ",%s,%" PRIu32 ",%" PRIu32 ",%s,%s,%c\n",
	        venue_wall_ns(v), itch_ns, seq, v->accounts[o->account].name,
	        o->proto == VENUE_OUCH ? "ouch" : "fix", o->token, id, v->symbols[o->locate],
	        o->side ? o->side : '?', o->tif == EXEC_TIF_IOC ? "ioc" : "day", qty, p, o->leaves,
	        o->cum, event, reason, liquidity ? liquidity : '-');
}

void venue_drop_reject(struct venue *v, const struct venue_order *o, uint32_t qty, uint32_t px,
                       const char *reason)
{
	v->st.rejected++;
	drop_row(v, o, 0, v->applied, v->itch_ns, qty, px, "rejected", reason, 0);
}

static void position_fill(struct venue *v, const struct venue_order *o, uint32_t qty, uint32_t px)
{
	unsigned char k[16];
	uint32_t i;
	size_t kl = key_make(k, 'P', o->account, 0, (const char *)&o->locate, 2);
	if (!map_get(v->names, k, kl, &i)) {
		struct venue_pos_row *p = venue__grow(v->pos, &v->pos_cap, v->npos + 1, sizeof(*p));
		if (!p)
			abort();
		v->pos = p;
		i = (uint32_t)v->npos++;
		memset(&p[i], 0, sizeof(p[i]));
		p[i].account = o->account;
		p[i].locate = o->locate;
		if (map_put(v->names, k, kl, i) < 0)
			abort();
	}
	struct venue_pos_row *p = &v->pos[i];
	int64_t value = (int64_t)qty * (int64_t)px;
	p->fills++;
	if (o->side == 'B') {
		p->position += qty;
		p->bought += qty;
		p->cash -= value;
	} else {
		p->position -= qty;
		p->sold += qty;
		p->cash += value;
	}
}

static int pos_cmp(const void *a, const void *b)
{
	const struct venue_position *x = a, *y = b;
	int c = strcmp(x->account, y->account);
	return c ? c : strcmp(x->symbol, y->symbol);
}

int venue_positions(const struct venue *v, struct venue_position **ret)
{
	struct venue_position *out = calloc(v->npos ? v->npos : 1, sizeof(*out));
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < v->npos; i++) {
		const struct venue_pos_row *p = &v->pos[i];
		memcpy(out[i].account, v->accounts[p->account].name, sizeof(out[i].account));
		memcpy(out[i].symbol, v->symbols[p->locate], sizeof(out[i].symbol));
		out[i].position = p->position;
		out[i].fills = p->fills;
		out[i].bought = p->bought;
		out[i].sold = p->sold;
		out[i].cash = p->cash;
	}
	qsort(out, v->npos, sizeof(*out), pos_cmp);
	*ret = out;
	return (int)v->npos;
}

/* ------------------------------------------------------------------------- */
/* Wire-to-wire */

void venue_w2w(struct venue *v, bool has_seq, uint64_t seq, uint64_t recv_ns)
{
	if (v->replaying)
		return; /* measured when it arrived */
	if (!has_seq) {
		v->st.w2w_no_seq++;
		return;
	}
	if (seq == 0 || seq > v->applied || v->npkts == 0 || seq < v->pkt_seq[0]) {
		v->st.w2w_unknown_seq++;
		return;
	}
	size_t lo = 0, hi = v->npkts; /* the last packet whose first seq <= seq */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (v->pkt_seq[mid] <= seq)
			lo = mid;
		else
			hi = mid;
	}
	if (recv_ns < v->pkt_ns[lo]) {
		v->st.w2w_unknown_seq++;
		return;
	}
	core_hist_record(&v->w2w, (int64_t)(recv_ns - v->pkt_ns[lo]));
	v->st.w2w_samples++;
}

unsigned venue_cancel_all(struct venue *v, uint32_t account, enum venue_cause cause)
{
	struct venue_ctx saved = v->ctx;
	v->ctx = (struct venue_ctx){ .cause = cause };
	unsigned n = exec_match_cancel_all(v->match, account, EXEC_REASON_CANCEL_ALL);
	v->ctx = saved;
	return n;
}

/* ------------------------------------------------------------------------- */
/* The engine's events -> reports */

static const char *cancel_reason(const struct venue *v, const struct exec_match_event *ev)
{
	if (ev->reason == EXEC_REASON_IOC)
		return "ioc";
	switch (v->ctx.cause) {
	case VENUE_CAUSE_USER:
		return "user";
	case VENUE_CAUSE_MASS:
		return "mass_cancel";
	case VENUE_CAUSE_DISCONNECT:
		return "disconnect";
	case VENUE_CAUSE_CLOSE:
		return "close";
	default:
		return "other";
	}
}

static const char *reject_reason(uint8_t r)
{
	switch (r) {
	case EXEC_REASON_INVALID:
		return "invalid";
	case EXEC_REASON_DUPLICATE:
		return "duplicate";
	case EXEC_REASON_RESTING_CAP:
		return "resting_cap";
	case EXEC_REASON_VENUE_FULL:
		return "venue_full";
	default:
		return "other";
	}
}

/* OUCH Canceled reason codes (4.2): U user, I IOC, T timeout (the day ended),
 * Z system cancel (the venue's own: cancel on disconnect). */
static uint8_t ouch_cancel_code(const struct venue *v, const struct exec_match_event *ev)
{
	if (ev->reason == EXEC_REASON_IOC)
		return 'I';
	switch (v->ctx.cause) {
	case VENUE_CAUSE_DISCONNECT:
		return 'Z';
	case VENUE_CAUSE_CLOSE:
		return 'T';
	default:
		return 'U';
	}
}

static void ouch_fill_common(char *tok14, const struct venue_order *o)
{
	exec_ouch_alpha_set(tok14, 14, o->token);
}

static void report_ouch(struct venue *v, struct venue_order *o, uint64_t id,
                        const struct exec_match_event *ev, const char *prev_token)
{
	struct exec_ouch_msg m;
	memset(&m, 0, sizeof(m));
	uint64_t ts = ev->ts_ns;
	switch (ev->kind) {
	case EXEC_MATCH_ACK: {
		struct exec_ouch_accepted *a = &m.accepted;
		m.kind = EXEC_OUCH_ACCEPTED;
		a->ts_ns = ts;
		ouch_fill_common(a->token, o);
		exec_ouch_alpha_set(a->stock, 8, v->symbols[o->locate]);
		memcpy(a->firm, o->firm, 4);
		a->side = o->wire_side;
		a->shares = o->qty;
		a->price = o->px;
		a->tif = o->ouch_tif;
		a->display = o->display;
		a->order_ref = id;
		a->capacity = o->capacity;
		a->iso = o->iso;
		a->min_qty = o->min_qty;
		a->cross_type = o->cross_type;
		a->state = 'L';
		a->bbo_weight = ' ';
		break;
	}
	case EXEC_MATCH_FILL:
		m.kind = EXEC_OUCH_EXECUTED;
		m.executed.ts_ns = ts;
		ouch_fill_common(m.executed.token, o);
		m.executed.shares = ev->qty;
		m.executed.price = ev->px;
		m.executed.liquidity = ev->liquidity ? ev->liquidity : 'A';
		m.executed.match = v->match_no;
		break;
	case EXEC_MATCH_CANCELED:
		m.kind = EXEC_OUCH_CANCELED;
		m.canceled.ts_ns = ts;
		ouch_fill_common(m.canceled.token, o);
		m.canceled.decrement = ev->qty;
		m.canceled.reason = ouch_cancel_code(v, ev);
		break;
	case EXEC_MATCH_REJECTED:
		/* OUCH 4.2 Rejected reason 'O' (other): the engine's own refusals
		 * (open-order caps, no room) have no closer code */
		m.kind = EXEC_OUCH_REJECTED;
		m.rejected.ts_ns = ts;
		ouch_fill_common(m.rejected.token, o);
		m.rejected.reason = 'O';
		break;
	case EXEC_MATCH_REPLACED:
		if (v->ctx.cause == VENUE_CAUSE_REDUCE) {
			m.kind = EXEC_OUCH_CANCELED;
			m.canceled.ts_ns = ts;
			ouch_fill_common(m.canceled.token, o);
			m.canceled.decrement = v->ctx.old_leaves - ev->leaves_qty;
			m.canceled.reason = 'U';
			break;
		}
		struct exec_ouch_replaced *r = &m.replaced;
		m.kind = EXEC_OUCH_REPLACED;
		r->ts_ns = ts;
		ouch_fill_common(r->token, o);
		exec_ouch_alpha_set(r->previous, 14, prev_token);
		exec_ouch_alpha_set(r->stock, 8, v->symbols[o->locate]);
		memcpy(r->firm, o->firm, 4);
		r->side = o->wire_side;
		r->shares = ev->leaves_qty;
		r->price = o->px;
		r->tif = o->ouch_tif;
		r->display = o->display;
		r->order_ref = id;
		r->capacity = o->capacity;
		r->iso = o->iso;
		r->min_qty = o->min_qty;
		r->cross_type = o->cross_type;
		r->state = ev->leaves_qty ? 'L' : 'D';
		r->bbo_weight = ' ';
		break;
	default:
		return;
	}
	venue_ouch_emit(v, o->owner, &m);
}

static char fix_status(const struct venue_order *o)
{
	if (o->leaves)
		return o->cum ? '1' : '0';
	return o->cum >= o->qty && o->cum ? '2' : '4';
}

void venue_fix_order_report(const struct venue *v, const struct venue_order *o, uint64_t id,
                            struct venue_fix_out *r)
{
	memset(r, 0, sizeof(*r));
	r->type = '8';
	r->order_id = id;
	r->side = o->wire_side;
	snprintf(r->sym, sizeof(r->sym), "%s", v->symbols[o->locate]);
	r->leaves = o->leaves;
	r->cum = o->cum;
	r->order_qty = o->qty;
	r->px = o->px;
	r->avg_px = o->cum ? (o->notional + (int64_t)o->cum / 2) / (int64_t)o->cum : 0;
	r->reason = -1;
	snprintf(r->cl, sizeof(r->cl), "%s", o->token);
}

static void report_fix(struct venue *v, struct venue_order *o, uint64_t id,
                       const struct exec_match_event *ev, const char *prev_token)
{
	struct venue_fix_out r;
	venue_fix_order_report(v, o, id, &r);
	r.transact_ns = v->midnight_utc_ns + ev->ts_ns;
	switch (ev->kind) {
	case EXEC_MATCH_ACK:
		r.exec_type = '0';
		r.ord_status = '0';
		break;
	case EXEC_MATCH_FILL:
		r.exec_type = 'F';
		r.ord_status = o->leaves ? '1' : '2';
		r.last_qty = ev->qty;
		r.last_px = ev->px;
		break;
	case EXEC_MATCH_CANCELED:
		if (v->ctx.cause == VENUE_CAUSE_CLOSE && ev->reason != EXEC_REASON_IOC) {
			r.exec_type = 'C'; /* expired: the day ended */
			r.ord_status = 'C';
		} else {
			r.exec_type = '4';
			r.ord_status = '4';
		}
		if (v->ctx.cause == VENUE_CAUSE_USER && v->ctx.cl) {
			snprintf(r.cl, sizeof(r.cl), "%s", v->ctx.cl);
			snprintf(r.orig, sizeof(r.orig), "%s", v->ctx.orig);
		}
		break;
	case EXEC_MATCH_REJECTED:
		r.exec_type = '8';
		r.ord_status = '8';
		snprintf(r.text, sizeof(r.text), "rejected: %s", reject_reason(ev->reason));
		break;
	case EXEC_MATCH_REPLACED:
		r.exec_type = '5';
		r.ord_status = o->leaves ? fix_status(o) : '2';
		snprintf(r.orig, sizeof(r.orig), "%s", prev_token);
		break;
	default:
		return;
	}
	venue_fix_emit(v, o->owner, &r);
}

void venue_on_match(void *ctx, const struct exec_match_event *ev)
{
	struct venue *v = ctx;
	if (ev->order_id == 0 || ev->order_id > v->norders)
		return; /* not ours: cannot happen */
	uint64_t id = ev->order_id;
	struct venue_order *o = &v->orders[id - 1];
	char prev[VENUE_CLORD_MAX + 1];
	memcpy(prev, o->token, sizeof(prev));
	o->leaves = ev->leaves_qty;
	o->cum = ev->cum_qty;
	o->open = ev->leaves_qty > 0;
	const char *event = "?", *reason = "";
	uint32_t qty = ev->qty, px = ev->px;
	char liq = 0;
	switch (ev->kind) {
	case EXEC_MATCH_ACK:
		event = "accepted";
		v->st.accepted++;
		break;
	case EXEC_MATCH_FILL:
		event = "fill";
		liq = (char)ev->liquidity;
		o->notional += (int64_t)ev->qty * ev->px;
		v->st.fills++;
		v->st.filled_qty += ev->qty;
		v->match_no++;
		position_fill(v, o, ev->qty, ev->px);
		break;
	case EXEC_MATCH_CANCELED:
		event = "canceled";
		reason = cancel_reason(v, ev);
		v->st.canceled++;
		if (v->ctx.cause == VENUE_CAUSE_CLOSE && ev->reason != EXEC_REASON_IOC)
			v->st.expired++;
		if (v->ctx.cause == VENUE_CAUSE_DISCONNECT)
			v->st.disconnect_cancels++;
		v->ctx.affected++;
		break;
	case EXEC_MATCH_REJECTED:
		event = "rejected";
		reason = reject_reason(ev->reason);
		v->st.rejected++;
		break;
	case EXEC_MATCH_REPLACED:
		if (v->ctx.cause == VENUE_CAUSE_REDUCE) {
			event = "canceled";
			reason = "reduce";
			qty = v->ctx.old_leaves - ev->leaves_qty;
			v->st.canceled++;
			break;
		}
		event = "replaced";
		v->st.replaced++;
		o->qty = ev->qty;
		o->px = ev->px;
		if (v->ctx.cl) {
			/* the old token or ClOrdID is dead (still used today); the new one
			 * names the order from now on */
			venue_token_set(v, o->account, o->proto, o->token, 0);
			snprintf(o->token, sizeof(o->token), "%s", v->ctx.cl);
			venue_token_set(v, o->account, o->proto, o->token, (uint32_t)id);
		}
		break;
	}
	drop_row(v, o, id, ev->seq, ev->ts_ns, qty, px, event, reason, liq);
	if (o->proto == VENUE_OUCH)
		report_ouch(v, o, id, ev, prev);
	else
		report_fix(v, o, id, ev, prev);
}
