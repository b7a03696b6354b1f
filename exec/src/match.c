/* match.c - the matching engine: orders of ours against the replayed book,
 * price-time, with an exact L3 queue model (exec.h, "The matching engine").
 * Why one file of this length: the book's order-by-order copy, our orders'
 * places in its queues and the fills are one data structure; every md event
 * kind moves all three at once, and splitting them would put the queue
 * invariants in two files. */
#include "exec_int.h"

#define NIL 0u /* index 0 of every pool is never used */

#define MATCH_MAX_REFS (1u << 26)
#define BLOCKING       (MD_F_HALTED | MD_F_STALE | MD_F_CROSSED)

/* A displayed order of the replayed book, known by its reference. */
struct mnode {
	uint64_t ref;
	uint64_t arr;  /* arrival number; 0: before every order of ours */
	uint32_t qty;  /* remaining shares */
	uint32_t taken; /* of them, taken by orders of ours (<= qty) */
	uint32_t level;
	uint32_t prev, next; /* the level's orders in arrival order; next: free list */
	uint32_t hnext;      /* the ref map's chain */
	uint16_t locate;
	uint8_t side; /* 0 bid, 1 ask */
	uint8_t pad_;
};

/* A price level of one instrument's side. */
struct mlevel {
	uint64_t known; /* shares of the known orders here */
	uint32_t px;
	uint32_t anon;       /* displayed shares no known order explains */
	uint32_t anon_taken; /* of them, taken by orders of ours */
	uint32_t head, tail; /* known orders, arrival order */
	uint32_t prev, next; /* toward the better / the worse price; next: free list */
	uint32_t ours;       /* the first order of ours resting here (NIL: none) */
	uint32_t pad_;
};

/* An order of ours. */
struct mord {
	uint64_t order_id;
	uint64_t arr;
	uint64_t ahead_known; /* shares of known orders ahead of it */
	uint32_t ahead_anon;  /* anonymous shares ahead of it */
	uint32_t account;
	uint32_t px, qty, leaves, cum;
	uint32_t level;        /* its level (reserved at arrival) */
	uint32_t prev, next;   /* resting: the instrument side's list, price-time; next: free list */
	uint32_t aprev, anext; /* every open order, in the order they reached the engine */
	uint16_t locate;
	uint8_t side; /* 0 buy, 1 sell */
	uint8_t tif;
	bool resting;
	uint8_t pad_[7];
};

struct minst {
	uint32_t best[2], worst[2]; /* levels, [0] bids, [1] asks */
	uint32_t ours[2];           /* resting orders of ours, best price first, then arrival */
	uint32_t top_px[2], top_qty[2]; /* the feed's top at the last check (px 0: empty side) */
	uint32_t nopen;
	bool blocked;  /* the last event was halted, stale or crossed */
	uint8_t dirty; /* bit s: side s changed at or above top_px[s] since the last check */
	uint8_t pad_[2];
};

/* (account, order_id) -> order index; ord NIL: empty cell. */
struct mcell {
	uint64_t id;
	uint32_t account;
	uint32_t ord;
};

struct exec_match {
	exec_match_sink_fn sink;
	void *sink_ctx;
	uint32_t max_open, max_take;
	bool lobster;

	struct mnode *nodes; /* max_refs + 1 */
	uint32_t nodes_cap, node_free, node_unused;
	uint32_t *rhead; /* ref -> node: bucket heads, chained through mnode.hnext */
	uint32_t rmask, rbits;

	struct mlevel *levels; /* max_levels + 1 */
	uint32_t levels_cap, level_free, level_unused;

	struct mord *ords; /* max_orders + 1 */
	uint32_t ords_cap, ord_free, ord_unused;
	struct mcell *cells;
	uint32_t cmask;
	uint32_t all_head, all_tail;

	struct minst *inst; /* EXEC_LOCATES */
	uint64_t arr;
	uint64_t now_ts, now_seq;
	struct exec_match_stats st;
};

static inline bool better(int s, uint32_t a, uint32_t than)
{
	return s == 0 ? a > than : a < than;
}

/* Does a limit of ours at px on side s cross the other side's price lpx? */
static inline bool crosses(int s, uint32_t px, uint32_t lpx)
{
	return s == 0 ? px >= lpx : px <= lpx;
}

static inline uint32_t min32(uint64_t a, uint64_t b)
{
	return (uint32_t)(a < b ? a : b);
}

static inline uint64_t ahead_of(const struct mord *o)
{
	return o->ahead_known + o->ahead_anon;
}

/* Displayed shares changed at px on side s: the top of book must be checked
 * unless px is behind the top seen at the last check. */
static inline void mark(struct minst *in, int s, uint32_t px)
{
	if (!in->top_px[s] || !better(s, in->top_px[s], px))
		in->dirty |= (uint8_t)(1u << s);
}

/* ------------------------------------------------------------------------- */
/* The ref map: chained hashing, the chains through the nodes. The bucket
 * array is a quarter of max_refs (4 bytes each), so it stays small enough to
 * live in cache while the book holds far fewer orders than it could; the
 * chains are short then. As in the feeds' book, the low bits of the
 * reference pick the bucket, plus a scrambled offset per array-sized block of
 * references: ITCH hands references out in increasing order. */

static inline uint32_t ref_home(const struct exec_match *m, uint64_t ref)
{
	uint64_t block = ref >> m->rbits;
	return (uint32_t)(ref + ((block * 0x9E3779B97F4A7C15ULL) >> 32)) & m->rmask;
}

/* The node of ref, NIL if not tracked. */
static inline uint32_t ref_find(const struct exec_match *m, uint64_t ref)
{
	uint32_t n = m->rhead[ref_home(m, ref)];
	while (n != NIL && m->nodes[n].ref != ref)
		n = m->nodes[n].hnext;
	return n;
}

static void ref_insert(struct exec_match *m, uint64_t ref, uint32_t n)
{
	uint32_t *h = &m->rhead[ref_home(m, ref)];
	m->nodes[n].hnext = *h;
	*h = n;
}

static void ref_erase(struct exec_match *m, uint64_t ref)
{
	uint32_t *p = &m->rhead[ref_home(m, ref)];
	while (*p != NIL && m->nodes[*p].ref != ref)
		p = &m->nodes[*p].hnext;
	if (*p != NIL)
		*p = m->nodes[*p].hnext;
}

/* ------------------------------------------------------------------------- */
/* Events. */

static void emit(struct exec_match *m, const struct mord *o, uint8_t kind, uint32_t px,
                 uint32_t qty, uint8_t reason, uint8_t liquidity)
{
	struct exec_match_event ev = {
		.ts_ns = m->now_ts,
		.seq = m->now_seq,
		.order_id = o->order_id,
		.account = o->account,
		.px = px,
		.qty = qty,
		.leaves_qty = o->leaves,
		.cum_qty = o->cum,
		.locate = o->locate,
		.kind = kind,
		.side = o->side ? 'S' : 'B',
		.reason = reason,
		.tif = o->tif,
		.liquidity = liquidity,
	};
	m->sink(m->sink_ctx, &ev);
}

/* ------------------------------------------------------------------------- */
/* Levels. */

static uint32_t level_alloc(struct exec_match *m)
{
	uint32_t i;
	if (m->level_free != NIL) {
		i = m->level_free;
		m->level_free = m->levels[i].next;
	} else if (m->level_unused <= m->levels_cap) {
		i = m->level_unused++;
	} else {
		return NIL;
	}
	memset(&m->levels[i], 0, sizeof(m->levels[i]));
	return i;
}

/* The level at px on side s, NIL if absent. */
static uint32_t level_find(const struct exec_match *m, const struct minst *in, int s, uint32_t px)
{
	const struct mlevel *L = m->levels;
	for (uint32_t i = in->best[s]; i != NIL && !better(s, px, L[i].px); i = L[i].next)
		if (L[i].px == px)
			return i;
	return NIL;
}

/* The level at px on side s, created if absent (searched from the nearer end,
 * as the feeds' book does); NIL when the pool is full (counted). */
static uint32_t level_get(struct exec_match *m, struct minst *in, int s, uint32_t px)
{
	struct mlevel *L = m->levels;
	uint32_t best = in->best[s], worst = in->worst[s];
	uint32_t prev = NIL, next = NIL;
	if (best != NIL) {
		uint32_t bpx = L[best].px, wpx = L[worst].px;
		uint32_t dbest = px > bpx ? px - bpx : bpx - px;
		uint32_t dworst = px > wpx ? px - wpx : wpx - px;
		if (dbest <= dworst) {
			next = best;
			while (next != NIL && better(s, L[next].px, px)) {
				prev = next;
				next = L[next].next;
			}
			if (next != NIL && L[next].px == px)
				return next;
		} else {
			prev = worst;
			while (prev != NIL && better(s, px, L[prev].px)) {
				next = prev;
				prev = L[prev].prev;
			}
			if (prev != NIL && L[prev].px == px)
				return prev;
		}
	}
	uint32_t n = level_alloc(m);
	if (n == NIL) {
		m->st.levels_full++;
		return NIL;
	}
	L = m->levels;
	L[n].px = px;
	L[n].prev = prev;
	L[n].next = next;
	if (prev != NIL)
		L[prev].next = n;
	else
		in->best[s] = n;
	if (next != NIL)
		L[next].prev = n;
	else
		in->worst[s] = n;
	return n;
}

/* Free a level that holds nothing (no known order, no anonymous shares, no
 * order of ours resting or arriving there). */
static void level_maybe_release(struct exec_match *m, struct minst *in, int s, uint32_t i,
                                uint32_t keep)
{
	struct mlevel *L = m->levels;
	if (i == NIL || i == keep || L[i].head != NIL || L[i].anon || L[i].ours != NIL)
		return;
	if (L[i].prev != NIL)
		L[L[i].prev].next = L[i].next;
	else
		in->best[s] = L[i].next;
	if (L[i].next != NIL)
		L[L[i].next].prev = L[i].prev;
	else
		in->worst[s] = L[i].prev;
	L[i].next = m->level_free;
	L[i].prev = NIL;
	L[i].px = 0;
	m->level_free = i;
}

/* ------------------------------------------------------------------------- */
/* Orders of ours: table, (account, id) map, lists. */

static inline uint32_t cell_home(const struct exec_match *m, uint32_t account, uint64_t id)
{
	uint64_t h = (id ^ ((uint64_t)account * 0xC2B2AE3D27D4EB4FULL)) * 0x9E3779B97F4A7C15ULL;
	return (uint32_t)(h >> 32) & m->cmask;
}

static uint32_t ord_find(const struct exec_match *m, uint32_t account, uint64_t id)
{
	for (uint32_t i = cell_home(m, account, id);; i = (i + 1) & m->cmask) {
		const struct mcell *c = &m->cells[i];
		if (c->ord == NIL || (c->id == id && c->account == account))
			return c->ord;
	}
}

static void ord_map_insert(struct exec_match *m, uint32_t account, uint64_t id, uint32_t k)
{
	uint32_t i = cell_home(m, account, id);
	while (m->cells[i].ord != NIL)
		i = (i + 1) & m->cmask;
	m->cells[i] = (struct mcell){ .id = id, .account = account, .ord = k };
}

static void ord_map_erase(struct exec_match *m, uint32_t account, uint64_t id)
{
	uint32_t i = cell_home(m, account, id);
	while (m->cells[i].ord != NIL && !(m->cells[i].id == id && m->cells[i].account == account))
		i = (i + 1) & m->cmask;
	if (m->cells[i].ord == NIL)
		return;
	for (uint32_t j = i;;) {
		j = (j + 1) & m->cmask;
		if (m->cells[j].ord == NIL)
			break;
		uint32_t home = cell_home(m, m->cells[j].account, m->cells[j].id);
		/* move j into the hole at i unless its home lies cyclically in (i, j] */
		if (((j - home) & m->cmask) >= ((j - i) & m->cmask)) {
			m->cells[i] = m->cells[j];
			i = j;
		}
	}
	m->cells[i].ord = NIL;
}

static uint32_t ord_alloc(struct exec_match *m)
{
	uint32_t k;
	if (m->ord_free != NIL) {
		k = m->ord_free;
		m->ord_free = m->ords[k].next;
	} else if (m->ord_unused <= m->ords_cap) {
		k = m->ord_unused++;
	} else {
		return NIL;
	}
	memset(&m->ords[k], 0, sizeof(m->ords[k]));
	return k;
}

/* Rest order k at its level: the tail of its queue, behind every displayed
 * share there now. */
static void rest(struct exec_match *m, struct minst *in, uint32_t k)
{
	struct mord *o = &m->ords[k];
	struct mlevel *lv = &m->levels[o->level];
	int s = o->side;
	o->arr = ++m->arr;
	o->ahead_known = lv->known;
	o->ahead_anon = lv->anon;
	o->resting = true;
	/* after every order of ours at a better price or at this one */
	uint32_t prev = NIL, next = in->ours[s];
	while (next != NIL && !better(s, o->px, m->ords[next].px)) {
		prev = next;
		next = m->ords[next].next;
	}
	o->prev = prev;
	o->next = next;
	if (prev != NIL)
		m->ords[prev].next = k;
	else
		in->ours[s] = k;
	if (next != NIL)
		m->ords[next].prev = k;
	if (lv->ours == NIL)
		lv->ours = k;
}

/* Take order k out of its queue (it stays open). */
static void unrest(struct exec_match *m, struct minst *in, uint32_t k)
{
	struct mord *o = &m->ords[k];
	if (!o->resting)
		return;
	struct mlevel *lv = &m->levels[o->level];
	if (lv->ours == k)
		lv->ours = o->next != NIL && m->ords[o->next].level == o->level ? o->next : NIL;
	if (o->prev != NIL)
		m->ords[o->prev].next = o->next;
	else
		in->ours[o->side] = o->next;
	if (o->next != NIL)
		m->ords[o->next].prev = o->prev;
	o->prev = o->next = NIL;
	o->resting = false;
}

/* An order is closed: out of every list and map, its slot and (if empty) its level freed. */
static void close_order(struct exec_match *m, uint32_t k)
{
	struct mord *o = &m->ords[k];
	struct minst *in = &m->inst[o->locate];
	unrest(m, in, k);
	level_maybe_release(m, in, o->side, o->level, NIL);
	if (o->aprev != NIL)
		m->ords[o->aprev].anext = o->anext;
	else
		m->all_head = o->anext;
	if (o->anext != NIL)
		m->ords[o->anext].aprev = o->aprev;
	else
		m->all_tail = o->aprev;
	ord_map_erase(m, o->account, o->order_id);
	in->nopen--;
	m->st.open_orders--;
	o->next = m->ord_free;
	m->ord_free = k;
}

static void fill(struct exec_match *m, uint32_t k, uint32_t q, uint32_t px, uint8_t liquidity)
{
	struct mord *o = &m->ords[k];
	o->leaves -= q;
	o->cum += q;
	m->st.fills++;
	m->st.filled_qty += q;
	if (liquidity == 'R')
		m->st.taken_qty += q;
	emit(m, o, EXEC_MATCH_FILL, px, q, 0, liquidity);
}

/* A resting order is met: it fills at its own price, and closes when done. */
static void fill_resting(struct exec_match *m, uint32_t k, uint32_t q)
{
	fill(m, k, q, m->ords[k].px, 'A');
	if (!m->ords[k].leaves)
		close_order(m, k);
}

static void cancel_order(struct exec_match *m, uint32_t k, uint8_t reason)
{
	struct mord *o = &m->ords[k];
	uint32_t q = o->leaves;
	o->leaves = 0;
	m->st.cancels++;
	emit(m, o, EXEC_MATCH_CANCELED, o->px, q, reason, 0);
	close_order(m, k);
}

/* ------------------------------------------------------------------------- */
/* Matching. */

/*
 * An execution of q shares on side s at price p meets the orders of ours it
 * reaches before the executed liquidity, in price-time order: those at better
 * prices, then those at p that arrived before it (narr: the executed order's
 * arrival number), or, for an anonymous execution (anon), those at p once the
 * anonymous shares ahead of them are used up. Nobody with shares ahead fills.
 */
static void meet(struct exec_match *m, struct minst *in, int s, uint32_t p, uint64_t narr, bool anon,
                 uint32_t q)
{
	uint32_t used_anon = 0; /* anonymous shares at p used up so far */
	for (uint32_t k = in->ours[s], next; k != NIL; k = next) {
		struct mord *o = &m->ords[k];
		next = o->next;
		if (o->px == p) {
			if (anon) {
				/* every order of ours at p loses the anonymous shares used up */
				uint32_t gap = o->ahead_anon > used_anon ? o->ahead_anon - used_anon : 0;
				uint32_t t = min32(gap, q);
				q -= t;
				used_anon += t;
				o->ahead_anon -= min32(o->ahead_anon, used_anon);
			} else if (o->arr > narr) {
				break;
			}
		} else if (!better(s, o->px, p)) {
			break;
		}
		if (q && ahead_of(o) == 0) {
			uint32_t f = min32(o->leaves, q);
			q -= f;
			fill_resting(m, k, f);
		} else if (!q && !anon) {
			break;
		}
	}
}

/* A non-displayed execution or a cross at p: through our prices only. */
static void trade_through(struct exec_match *m, struct minst *in, uint32_t p, uint32_t qty)
{
	for (int s = 0; s < 2; s++) {
		uint32_t q = qty;
		for (uint32_t k = in->ours[s], next; k != NIL && q; k = next) {
			struct mord *o = &m->ords[k];
			next = o->next;
			if (!better(s, o->px, p))
				break;
			if (ahead_of(o) == 0) {
				uint32_t f = min32(o->leaves, q);
				q -= f;
				fill_resting(m, k, f);
			}
		}
	}
}

/* New displayed liquidity of avail shares on side s at price p meets the
 * resting orders of ours on the other side that it crosses. Returns the
 * shares they took. */
static uint32_t cross_new(struct exec_match *m, struct minst *in, int s, uint32_t p, uint32_t avail)
{
	int os = 1 - s;
	uint32_t took = 0;
	for (uint32_t k = in->ours[os], next; k != NIL && avail; k = next) {
		struct mord *o = &m->ords[k];
		next = o->next;
		if (!crosses(os, o->px, p))
			break;
		if (ahead_of(o) == 0) {
			uint32_t f = min32(o->leaves, avail);
			avail -= f;
			took += f;
			fill_resting(m, k, f);
		}
	}
	return took;
}

/* Order k takes the available liquidity it crosses, level by level. */
static void take(struct exec_match *m, struct minst *in, uint32_t k)
{
	struct mord *o = &m->ords[k];
	int os = 1 - o->side;
	uint32_t nlev = 0;
	for (uint32_t i = in->best[os], next; i != NIL && o->leaves && nlev < m->max_take; i = next) {
		struct mlevel *lv = &m->levels[i];
		next = lv->next;
		if (!crosses(o->side, o->px, lv->px))
			break;
		uint32_t got = 0, want = o->leaves;
		for (uint32_t n = lv->head; n != NIL && got < want; n = m->nodes[n].next) {
			struct mnode *d = &m->nodes[n];
			uint32_t t = min32(d->qty - d->taken, want - got);
			d->taken += t;
			got += t;
		}
		if (got < want) {
			uint32_t t = min32(lv->anon - lv->anon_taken, want - got);
			lv->anon_taken += t;
			got += t;
		}
		if (got) {
			fill(m, k, got, lv->px, 'R');
			nlev++;
		}
	}
}

/* ------------------------------------------------------------------------- */
/* The replayed book. */

/* Take r (<= qty) shares off known order n. Orders of ours behind it move up.
 * Never frees the level (the caller does). */
static void node_reduce(struct exec_match *m, uint32_t n, uint32_t r)
{
	struct mnode *d = &m->nodes[n];
	struct mlevel *lv = &m->levels[d->level];
	mark(&m->inst[d->locate], d->side, lv->px);
	for (uint32_t k = lv->ours; k != NIL && m->ords[k].level == d->level; k = m->ords[k].next) {
		struct mord *o = &m->ords[k];
		if (d->arr < o->arr)
			o->ahead_known -= o->ahead_known < r ? o->ahead_known : r;
	}
	d->qty -= r;
	lv->known -= r;
	if (d->taken > d->qty)
		d->taken = d->qty;
	if (d->qty)
		return;
	if (d->prev != NIL)
		m->nodes[d->prev].next = d->next;
	else
		lv->head = d->next;
	if (d->next != NIL)
		m->nodes[d->next].prev = d->prev;
	else
		lv->tail = d->prev;
	ref_erase(m, d->ref);
	d->ref = 0;
	d->next = m->node_free;
	m->node_free = n;
	m->st.refs--;
}

/* The anonymous quantity of a level shrinks to a (taken from behind ours first). */
static void anon_shrink(struct exec_match *m, uint32_t i, uint32_t a)
{
	struct mlevel *lv = &m->levels[i];
	lv->anon = a;
	if (lv->anon_taken > a)
		lv->anon_taken = a;
	for (uint32_t k = lv->ours; k != NIL && m->ords[k].level == i; k = m->ords[k].next)
		if (m->ords[k].ahead_anon > a)
			m->ords[k].ahead_anon = a;
}

/* Remove x displayed shares from level i that the feed says are not there:
 * anonymous first, then the newest known order of exactly x shares, else from
 * the newest backward. */
static void level_trim(struct exec_match *m, uint32_t i, uint64_t x)
{
	struct mlevel *lv = &m->levels[i];
	m->st.ghost_qty += x;
	uint32_t a = min32(lv->anon, x);
	if (a) {
		anon_shrink(m, i, lv->anon - a);
		x -= a;
	}
	if (!x)
		return;
	for (uint32_t n = lv->tail; n != NIL; n = m->nodes[n].prev)
		if (m->nodes[n].qty == x) {
			node_reduce(m, n, (uint32_t)x);
			return;
		}
	while (x && lv->tail != NIL) {
		uint32_t n = lv->tail;
		uint32_t r = min32(m->nodes[n].qty, x);
		node_reduce(m, n, r);
		x -= r;
	}
}

/* Level i shrinks to at most target displayed shares. */
static void level_shrink_to(struct exec_match *m, uint32_t i, uint64_t target)
{
	struct mlevel *lv = &m->levels[i];
	uint64_t d = lv->known + lv->anon;
	if (d > target)
		level_trim(m, i, d - target);
}

/* Level px on side s grows to at least target displayed shares: the shares
 * missing are anonymous, arrived now; they may meet orders of ours they cross. */
static void level_grow_to(struct exec_match *m, struct minst *in, int s, uint32_t px,
                          uint64_t target, bool fills)
{
	uint32_t i = level_find(m, in, s, px);
	uint64_t d = i != NIL ? m->levels[i].known + m->levels[i].anon : 0;
	if (d >= target)
		return;
	if (i == NIL && (i = level_get(m, in, s, px)) == NIL) {
		in->dirty |= (uint8_t)(1u << s); /* no room (counted): check again next time */
		return;
	}
	struct mlevel *lv = &m->levels[i];
	uint64_t add64 = target - d;
	uint32_t add = min32(add64, UINT32_MAX - lv->anon);
	lv->anon += add;
	m->st.anon_qty += add;
	mark(in, s, px);
	if (fills)
		lv->anon_taken += cross_new(m, in, s, px, add);
}

/* The feed's top of book for side s (px 0: empty): displayed shares at better
 * prices are ghosts; at the best price, no more than the feed shows. */
static void top_shrink(struct exec_match *m, struct minst *in, int s, uint32_t px, uint32_t qty)
{
	uint32_t i = in->best[s];
	while (i != NIL && (px == 0 || better(s, m->levels[i].px, px))) {
		uint32_t next = m->levels[i].next;
		level_shrink_to(m, i, 0);
		level_maybe_release(m, in, s, i, NIL);
		i = next;
	}
	if (px && i != NIL && m->levels[i].px == px) {
		level_shrink_to(m, i, qty);
		level_maybe_release(m, in, s, i, NIL);
	}
}

static int on_add(struct exec_match *m, struct minst *in, const struct md_event *e, uint64_t ref,
                  bool presession, bool fills)
{
	if (ref == 0 || e->qty == 0 || e->px == 0 || (e->side != 'B' && e->side != 'S'))
		return 0;
	if (ref_find(m, ref) != NIL)
		return 0; /* the feed's book refused it too (duplicate reference) */
	int s = e->side == 'S';
	if (m->node_free == NIL && m->node_unused > m->nodes_cap) {
		m->st.refs_full++;
		return EXEC_MATCH_FULL;
	}
	uint32_t i = level_get(m, in, s, e->px);
	if (i == NIL)
		return EXEC_MATCH_FULL;
	uint32_t n;
	if (m->node_free != NIL) {
		n = m->node_free;
		m->node_free = m->nodes[n].next;
	} else {
		n = m->node_unused++;
	}
	struct mlevel *lv = &m->levels[i];
	struct mnode *d = &m->nodes[n];
	*d = (struct mnode){ .ref = ref,
		             .arr = presession ? 0 : ++m->arr,
		             .qty = e->qty,
		             .level = i,
		             .prev = lv->tail,
		             .next = NIL,
		             .locate = e->locate,
		             .side = (uint8_t)s };
	if (lv->tail != NIL)
		m->nodes[lv->tail].next = n;
	else
		lv->head = n;
	lv->tail = n;
	lv->known += e->qty;
	mark(in, s, e->px);
	ref_insert(m, ref, n);
	if (++m->st.refs > m->st.refs_max)
		m->st.refs_max = m->st.refs;
	if (presession) {
		/* it was there before any order of ours */
		for (uint32_t k = lv->ours; k != NIL && m->ords[k].level == i; k = m->ords[k].next)
			m->ords[k].ahead_known += e->qty;
	} else if (fills) {
		d->taken = cross_new(m, in, s, e->px, e->qty);
	}
	return 0;
}

/* exec, cancel, delete of a known reference; false if unknown. */
static bool on_reduce(struct exec_match *m, uint64_t ref, uint32_t shares, bool exec, bool fills)
{
	if (!ref)
		return false; /* a stream without references (top of book, L2) */
	uint32_t n = ref_find(m, ref);
	if (n == NIL) {
		m->st.unknown_refs++;
		return false;
	}
	struct mnode *d = &m->nodes[n];
	struct minst *in = &m->inst[d->locate];
	int s = d->side;
	uint32_t i = d->level;
	uint32_t r = shares < d->qty ? shares : d->qty;
	if (exec && fills && r)
		meet(m, in, s, m->levels[i].px, d->arr, false, r);
	node_reduce(m, n, r);
	level_maybe_release(m, in, s, i, NIL);
	return true;
}

/* Resting orders of an instrument that trades again take what they cross. */
static void sweep(struct exec_match *m, struct minst *in)
{
	for (int s = 0; s < 2; s++)
		for (uint32_t k = in->ours[s], next; k != NIL; k = next) {
			next = m->ords[k].next;
			if (ahead_of(&m->ords[k]) == 0) {
				take(m, in, k);
				if (!m->ords[k].leaves)
					close_order(m, k);
			}
		}
}

int exec_match_market(struct exec_match *m, const struct md_event *e, uint64_t orig_ref)
{
	if (e->kind == MD_EOS)
		return 0;
	m->now_ts = e->ts_ns;
	m->now_seq = e->seq;
	m->st.md_in++;
	struct minst *in = &m->inst[e->locate];
	bool was_blocked = in->blocked;
	bool fills = !(e->flags & BLOCKING);
	in->blocked = !fills;
	if (!fills)
		m->st.blocked_events++;
	int rc = 0;
	switch (e->kind) {
	case MD_ADD:
		rc = on_add(m, in, e, e->ref, m->lobster && e->tracking != 0, fills);
		break;
	case MD_EXEC:
		if (!on_reduce(m, e->ref, e->qty, true, fills) && fills && e->px && e->qty &&
		    (e->side == 'B' || e->side == 'S'))
			meet(m, in, e->side == 'S', e->px, 0, true, e->qty);
		break;
	case MD_CANCEL:
		on_reduce(m, e->ref, e->qty, false, fills);
		break;
	case MD_DELETE:
		on_reduce(m, e->ref, UINT32_MAX, false, fills);
		break;
	case MD_REPLACE:
		if (orig_ref)
			on_reduce(m, orig_ref, UINT32_MAX, false, fills);
		else
			m->st.replace_unresolved++;
		rc = on_add(m, in, e, e->ref, false, fills);
		break;
	case MD_TRADE:
		if (fills && e->px && e->qty)
			trade_through(m, in, e->px, e->qty);
		break;
	case MD_LEVEL:
		if (e->px && (e->side == 'B' || e->side == 'S')) {
			int s = e->side == 'S';
			mark(in, s, e->px);
			uint32_t i = level_find(m, in, s, e->px);
			if (i != NIL) {
				level_shrink_to(m, i, e->qty);
				level_maybe_release(m, in, s, i, NIL);
			}
			level_grow_to(m, in, s, e->px, e->qty, fills);
		}
		break;
	default:
		break;
	}
	if (!(e->flags & MD_F_STALE)) {
		/* Only a side whose top moved, or that changed at or above its
		 * old top, can disagree with the feed: the others matched at
		 * the last check and nothing there has changed since. */
		const uint32_t px[2] = { e->bid_px, e->ask_px }, qty[2] = { e->bid_qty, e->ask_qty };
		bool check[2];
		for (int s = 0; s < 2; s++) {
			check[s] = (in->dirty >> s & 1) || px[s] != in->top_px[s] ||
			           qty[s] != in->top_qty[s];
			in->top_px[s] = px[s];
			in->top_qty[s] = qty[s];
		}
		in->dirty = 0; /* what the checks below change marks it again */
		for (int s = 0; s < 2; s++)
			if (check[s])
				top_shrink(m, in, s, px[s], qty[s]);
		for (int s = 0; s < 2; s++)
			if (check[s] && px[s] && qty[s])
				level_grow_to(m, in, s, px[s], qty[s], fills);
	}
	if (fills && was_blocked)
		sweep(m, in);
	return rc;
}

/* ------------------------------------------------------------------------- */
/* Orders of ours. */

static void reject(struct exec_match *m, const struct exec_match_order *r, uint8_t reason)
{
	m->st.rejected++;
	struct exec_match_event ev = {
		.ts_ns = m->now_ts,
		.seq = m->now_seq,
		.order_id = r->order_id,
		.account = r->account,
		.px = r->px,
		.qty = r->qty,
		.locate = r->locate,
		.kind = EXEC_MATCH_REJECTED,
		.side = r->side, /* as sent, even when invalid */
		.reason = reason,
		.tif = r->tif,
	};
	m->sink(m->sink_ctx, &ev);
}

/* After an arrival (new, or a replace that lost priority) has taken what it
 * could: IOC remainder cancelled, else it rests. */
static void settle(struct exec_match *m, struct minst *in, uint32_t k)
{
	struct mord *o = &m->ords[k];
	if (!o->leaves)
		close_order(m, k);
	else if (o->tif == EXEC_TIF_IOC)
		cancel_order(m, k, EXEC_REASON_IOC);
	else
		rest(m, in, k);
}

int exec_match_new(struct exec_match *m, const struct exec_match_order *r)
{
	if (r->qty == 0 || r->px == 0 || (r->side != 'B' && r->side != 'S') ||
	    (r->tif != EXEC_TIF_DAY && r->tif != EXEC_TIF_IOC)) {
		reject(m, r, EXEC_REASON_INVALID);
		return EXEC_MATCH_REJECT;
	}
	if (ord_find(m, r->account, r->order_id) != NIL) {
		reject(m, r, EXEC_REASON_DUPLICATE);
		return EXEC_MATCH_REJECT;
	}
	struct minst *in = &m->inst[r->locate];
	if (m->max_open && in->nopen >= m->max_open) {
		reject(m, r, EXEC_REASON_RESTING_CAP);
		return EXEC_MATCH_REJECT;
	}
	int s = r->side == 'S';
	uint32_t k = ord_alloc(m);
	uint32_t i = k != NIL ? level_get(m, in, s, r->px) : NIL;
	if (i == NIL) {
		if (k != NIL) {
			m->ords[k].next = m->ord_free;
			m->ord_free = k;
		}
		reject(m, r, EXEC_REASON_VENUE_FULL);
		return EXEC_MATCH_REJECT;
	}
	struct mord *o = &m->ords[k];
	*o = (struct mord){ .order_id = r->order_id,
		            .account = r->account,
		            .px = r->px,
		            .qty = r->qty,
		            .leaves = r->qty,
		            .level = i,
		            .aprev = m->all_tail,
		            .anext = NIL,
		            .locate = r->locate,
		            .side = (uint8_t)s,
		            .tif = r->tif };
	if (m->all_tail != NIL)
		m->ords[m->all_tail].anext = k;
	else
		m->all_head = k;
	m->all_tail = k;
	ord_map_insert(m, r->account, r->order_id, k);
	in->nopen++;
	m->st.open_orders++;
	m->st.accepted++;
	emit(m, o, EXEC_MATCH_ACK, o->px, o->qty, 0, 0);
	if (!in->blocked)
		take(m, in, k);
	settle(m, in, k);
	return 0;
}

int exec_match_cancel(struct exec_match *m, uint32_t account, uint64_t order_id, uint8_t reason)
{
	uint32_t k = ord_find(m, account, order_id);
	if (k == NIL)
		return EXEC_MATCH_NOT_OPEN;
	cancel_order(m, k, reason);
	return 0;
}

unsigned exec_match_cancel_all(struct exec_match *m, uint32_t account, uint8_t reason)
{
	unsigned n = 0;
	for (uint32_t k = m->all_head, next; k != NIL; k = next) {
		next = m->ords[k].anext;
		if (account == EXEC_MATCH_ALL_ACCOUNTS || m->ords[k].account == account) {
			cancel_order(m, k, reason);
			n++;
		}
	}
	return n;
}

int exec_match_replace(struct exec_match *m, uint32_t account, uint64_t order_id,
                       uint64_t new_order_id, uint32_t px, uint32_t qty)
{
	uint32_t k = ord_find(m, account, order_id);
	if (k == NIL)
		return EXEC_MATCH_NOT_OPEN;
	if (px == 0 || qty == 0)
		return EXEC_MATCH_INVALID;
	uint64_t nid = new_order_id ? new_order_id : order_id;
	if (nid != order_id && ord_find(m, account, nid) != NIL)
		return EXEC_MATCH_DUPLICATE;
	struct mord *o = &m->ords[k];
	struct minst *in = &m->inst[o->locate];
	bool keep = px == o->px && qty <= o->qty;
	uint32_t i = o->level;
	if (!keep && qty > o->cum && px != o->px && (i = level_get(m, in, o->side, px)) == NIL)
		return EXEC_MATCH_FULL;
	if (nid != order_id) {
		ord_map_erase(m, account, order_id);
		ord_map_insert(m, account, nid, k);
		o->order_id = nid;
	}
	m->st.replaces++;
	o->qty = qty;
	o->leaves = qty > o->cum ? qty - o->cum : 0;
	struct exec_match_event ev = {
		.ts_ns = m->now_ts,
		.seq = m->now_seq,
		.order_id = nid,
		.orig_order_id = order_id,
		.account = account,
		.px = px,
		.qty = qty,
		.leaves_qty = o->leaves,
		.cum_qty = o->cum,
		.locate = o->locate,
		.kind = EXEC_MATCH_REPLACED,
		.side = o->side ? 'S' : 'B',
		.tif = o->tif,
	};
	if (!o->leaves) {
		m->sink(m->sink_ctx, &ev);
		close_order(m, k);
		return 0;
	}
	if (keep) {
		m->sink(m->sink_ctx, &ev);
		return 0;
	}
	/* a new arrival at the tail of its (new) level */
	uint32_t old = o->level;
	unrest(m, in, k);
	o->px = px;
	o->level = i;
	level_maybe_release(m, in, o->side, old, i);
	m->sink(m->sink_ctx, &ev);
	if (!in->blocked)
		take(m, in, k);
	settle(m, in, k);
	return 0;
}

int exec_match_order_info(const struct exec_match *m, uint32_t account, uint64_t order_id,
                          struct exec_match_info *ret)
{
	uint32_t k = ord_find(m, account, order_id);
	if (k == NIL)
		return -ENOENT;
	const struct mord *o = &m->ords[k];
	*ret = (struct exec_match_info){ .order_id = o->order_id,
		                         .ahead = ahead_of(o),
		                         .account = o->account,
		                         .px = o->px,
		                         .qty = o->qty,
		                         .leaves_qty = o->leaves,
		                         .cum_qty = o->cum,
		                         .locate = o->locate,
		                         .side = o->side ? 'S' : 'B',
		                         .tif = o->tif };
	return 0;
}

void exec_match_stats(const struct exec_match *m, struct exec_match_stats *ret)
{
	*ret = m->st;
}

/* ------------------------------------------------------------------------- */
/* Setup. */

CORE_COLD int exec_match_create(const struct exec_match_config *cfg, struct exec_match **ret,
                                char *err, size_t errlen)
{
	if (!cfg || !ret || !cfg->sink) {
		core_errf(err, errlen, "exec_match: cfg, ret and cfg->sink are required");
		return -EINVAL;
	}
	uint32_t max_refs = cfg->max_refs ? cfg->max_refs : 1u << 16;
	uint32_t max_orders = cfg->max_orders ? cfg->max_orders : 4096;
	if (max_refs > MATCH_MAX_REFS || max_orders > EXEC_MAX_LIMIT ||
	    cfg->max_levels > MATCH_MAX_REFS) {
		core_errf(err, errlen, "exec_match: %s too large",
		          max_refs > MATCH_MAX_REFS ? "max_refs"
		          : max_orders > EXEC_MAX_LIMIT ? "max_orders"
		                                        : "max_levels");
		return -EINVAL;
	}
	if (cfg->tracking != EXEC_MATCH_TRACKING_LOBSTER &&
	    cfg->tracking != EXEC_MATCH_TRACKING_IGNORE) {
		core_errf(err, errlen, "exec_match: unknown tracking %d", (int)cfg->tracking);
		return -EINVAL;
	}
	uint32_t max_levels = cfg->max_levels ? cfg->max_levels : max_refs / 4 + 1024;
	struct exec_match *m = core_alloc(sizeof(*m), CORE_CACHE_LINE);
	if (!m)
		goto fail_nomem;
	m->sink = cfg->sink;
	m->sink_ctx = cfg->sink_ctx;
	m->max_open = cfg->max_open_per_instrument;
	m->max_take = cfg->max_take_levels ? cfg->max_take_levels : 16;
	m->lobster = cfg->tracking == EXEC_MATCH_TRACKING_LOBSTER;
	m->nodes_cap = max_refs;
	m->node_unused = 1;
	m->levels_cap = max_levels;
	m->level_unused = 1;
	m->ords_cap = max_orders;
	m->ord_unused = 1;
	uint32_t ccap = exec__pow2_at_least(2 * max_orders);
	m->cmask = ccap - 1;
	uint32_t rcap = exec__pow2_at_least(max_refs / 4);
	m->rmask = rcap - 1;
	while ((1u << m->rbits) < rcap)
		m->rbits++;
	m->rhead = core_alloc(sizeof(*m->rhead) * rcap, CORE_CACHE_LINE);
	m->nodes = core_alloc(sizeof(*m->nodes) * ((size_t)max_refs + 1), CORE_CACHE_LINE);
	m->levels = core_alloc(sizeof(*m->levels) * ((size_t)max_levels + 1), CORE_CACHE_LINE);
	m->ords = core_alloc(sizeof(*m->ords) * ((size_t)max_orders + 1), CORE_CACHE_LINE);
	m->cells = core_alloc(sizeof(*m->cells) * ccap, CORE_CACHE_LINE);
	m->inst = core_alloc(sizeof(*m->inst) * EXEC_LOCATES, CORE_CACHE_LINE);
	if (!m->rhead || !m->nodes || !m->levels || !m->ords || !m->cells || !m->inst) {
		exec_match_destroy(m);
		goto fail_nomem;
	}
	*ret = m;
	return 0;
fail_nomem:
	core_errf(err, errlen, "exec_match: out of memory allocating the engine's tables");
	return -ENOMEM;
}

struct exec_match *exec_match_destroy(struct exec_match *m)
{
	if (!m)
		return NULL;
	core_free(m->nodes);
	core_free(m->levels);
	core_free(m->ords);
	core_free(m->cells);
	core_free(m->inst);
	core_free(m->rhead);
	core_free(m);
	return NULL;
}
