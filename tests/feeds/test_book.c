/* Order books: the seven operations, depth, crossing, errors, and a
 * randomized comparison against a naive reference book. */
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feeds.h"

static struct feeds_books *B;
static struct md_event ev;
static uint64_t ts = 1000;

static struct feeds_itch_msg mk(char type, uint16_t locate)
{
	struct feeds_itch_msg m;
	memset(&m, 0, sizeof(m));
	m.type = (uint8_t)type;
	m.locate = locate;
	m.tracking = 7;
	m.ts_ns = ts++;
	return m;
}

static int add(uint16_t loc, uint64_t ref, char side, uint32_t px, uint32_t qty)
{
	struct feeds_itch_msg m = mk('A', loc);
	m.u.add.ref = ref;
	m.u.add.side = side;
	m.u.add.price = px;
	m.u.add.shares = qty;
	return feeds_books_apply(B, &m, &ev);
}

static int addf(uint16_t loc, uint64_t ref, char side, uint32_t px, uint32_t qty)
{
	struct feeds_itch_msg m = mk('F', loc);
	m.u.add.ref = ref;
	m.u.add.side = side;
	m.u.add.price = px;
	m.u.add.shares = qty;
	memcpy(m.u.add.mpid, "GSCO", 4);
	return feeds_books_apply(B, &m, &ev);
}

static int exe(uint16_t loc, uint64_t ref, uint32_t qty)
{
	struct feeds_itch_msg m = mk('E', loc);
	m.u.exec.ref = ref;
	m.u.exec.shares = qty;
	m.u.exec.match = 555;
	return feeds_books_apply(B, &m, &ev);
}

static int exc(uint16_t loc, uint64_t ref, uint32_t qty, uint32_t px)
{
	struct feeds_itch_msg m = mk('C', loc);
	m.u.exec.ref = ref;
	m.u.exec.shares = qty;
	m.u.exec.price = px;
	m.u.exec.printable = 'Y';
	return feeds_books_apply(B, &m, &ev);
}

static int cxl(uint16_t loc, uint64_t ref, uint32_t qty)
{
	struct feeds_itch_msg m = mk('X', loc);
	m.u.cancel.ref = ref;
	m.u.cancel.shares = qty;
	return feeds_books_apply(B, &m, &ev);
}

static int del(uint16_t loc, uint64_t ref)
{
	struct feeds_itch_msg m = mk('D', loc);
	m.u.del.ref = ref;
	return feeds_books_apply(B, &m, &ev);
}

static int rep(uint16_t loc, uint64_t old, uint64_t nref, uint32_t px, uint32_t qty)
{
	struct feeds_itch_msg m = mk('U', loc);
	m.u.replace.orig_ref = old;
	m.u.replace.new_ref = nref;
	m.u.replace.price = px;
	m.u.replace.shares = qty;
	return feeds_books_apply(B, &m, &ev);
}

static void top(uint32_t bpx, uint32_t bq, uint32_t apx, uint32_t aq)
{
	if (ev.bid_px != bpx || ev.bid_qty != bq || ev.ask_px != apx || ev.ask_qty != aq) {
		fprintf(stderr, "top %u/%u x %u/%u, want %u/%u x %u/%u\n", ev.bid_px, ev.bid_qty,
			ev.ask_px, ev.ask_qty, bpx, bq, apx, aq);
		abort();
	}
	struct feeds_level b, a;
	assert(feeds_books_bbo(B, ev.locate, &b, &a) == 0);
	assert(b.px == bpx && b.qty == bq && a.px == apx && a.qty == aq);
}

static void operations(void)
{
	struct feeds_level lv[8];
	struct feeds_book_stats st;

	/* A: adds on both sides, several levels. */
	assert(add(1, 10, 'B', 1000, 100) == 0);
	assert(ev.kind == MD_ADD && ev.ref == 10 && ev.px == 1000 && ev.qty == 100);
	assert(ev.side == 'B' && (ev.flags & MD_F_BOOK) && ev.msg_type == 'A');
	assert(ev.tracking == 7 && ev.locate == 1);
	top(1000, 100, 0, 0);
	assert(add(1, 11, 'B', 1000, 50) == 0);
	assert(add(1, 12, 'B', 990, 70) == 0);
	assert(add(1, 13, 'B', 1010, 30) == 0); /* new best bid */
	top(1010, 30, 0, 0);
	assert(add(1, 20, 'S', 1030, 40) == 0);
	assert(add(1, 21, 'S', 1020, 60) == 0);
	/* F: add with MPID. */
	assert(addf(1, 22, 'S', 1020, 15) == 0);
	assert(ev.kind == MD_ADD && ev.msg_type == 'F');
	top(1010, 30, 1020, 75);
	assert(!(ev.flags & MD_F_CROSSED));

	assert(feeds_books_depth(B, 1, 'B', lv, 8) == 3);
	assert(lv[0].px == 1010 && lv[0].qty == 30 && lv[0].orders == 1);
	assert(lv[1].px == 1000 && lv[1].qty == 150 && lv[1].orders == 2);
	assert(lv[2].px == 990 && lv[2].qty == 70);
	assert(feeds_books_depth(B, 1, 'S', lv, 1) == 1 && lv[0].px == 1020);
	assert(feeds_books_depth(B, 1, 'S', lv, 8) == 2 && lv[1].px == 1030 && lv[1].qty == 40);
	assert(feeds_books_depth(B, 1, 'X', lv, 8) == -EINVAL);

	/* E: partial then full execution of the best bid. */
	assert(exe(1, 13, 10) == 0);
	assert(ev.kind == MD_EXEC && ev.px == 1010 && ev.qty == 10 && ev.side == 'B');
	top(1010, 20, 1020, 75);
	assert(exe(1, 13, 20) == 0);
	top(1000, 150, 1020, 75); /* level 1010 gone */
	uint32_t px, qty;
	assert(feeds_books_order(B, 13, NULL, NULL, NULL, NULL) == -ENOENT);

	/* C: execution with a price reports that price. */
	assert(exc(1, 21, 60, 1019) == 0);
	assert(ev.kind == MD_EXEC && ev.px == 1019 && ev.qty == 60 && ev.side == 'S');
	top(1000, 150, 1020, 15);

	/* X: partial cancel. */
	assert(cxl(1, 10, 40) == 0);
	assert(ev.kind == MD_CANCEL && ev.qty == 40 && ev.px == 1000);
	top(1000, 110, 1020, 15);
	char side;
	uint16_t loc;
	assert(feeds_books_order(B, 10, &loc, &side, &px, &qty) == 0);
	assert(loc == 1 && side == 'B' && px == 1000 && qty == 60);

	/* D: delete the last order of the best ask level. */
	assert(del(1, 22) == 0);
	assert(ev.kind == MD_DELETE && ev.qty == 15 && ev.px == 1020 && ev.side == 'S');
	top(1000, 110, 1030, 40);

	/* U: replace moves the order (same side) to a new price and reference. */
	assert(rep(1, 12, 30, 1005, 25) == 0);
	assert(ev.kind == MD_REPLACE && ev.ref == 30 && ev.px == 1005 && ev.qty == 25);
	assert(ev.side == 'B');
	top(1005, 25, 1030, 40);
	assert(feeds_books_order(B, 12, NULL, NULL, NULL, NULL) == -ENOENT);
	assert(feeds_books_depth(B, 1, 'B', lv, 8) == 2); /* 990 level gone */

	/* Crossing: a bid at or through the best ask is flagged. */
	assert(add(1, 40, 'B', 1030, 5) == 0);
	assert(ev.flags & MD_F_CROSSED);
	assert(feeds_books_crossed(B, 1));
	assert(del(1, 40) == 0);
	assert(!(ev.flags & MD_F_CROSSED) && !feeds_books_crossed(B, 1));
	feeds_books_stats(B, &st);
	assert(st.crossed_events == 1 && st.errors == 0);

	/* Books are per locate. */
	assert(add(2, 50, 'S', 5000, 1) == 0);
	top(0, 0, 5000, 1);
	assert(ev.locate == 2);
	assert(exe(2, 50, 1) == 0);
	top(0, 0, 0, 0);
	/* The event reports the order's own book even if the message's locate is off. */
	assert(exe(2, 30, 5) == 0);
	assert(ev.bid_px == 1005 && ev.bid_qty == 20);

	/* Trades and status messages do not touch the book. */
	struct feeds_itch_msg m = mk('P', 1);
	m.u.trade.match = 99;
	m.u.trade.price = 1010;
	m.u.trade.shares = 300;
	m.u.trade.side = 'B';
	assert(feeds_books_apply(B, &m, &ev) == 0);
	assert(ev.kind == MD_TRADE && ev.ref == 99 && ev.qty == 300 && !(ev.flags & MD_F_BOOK));
	top(1005, 20, 1030, 40);
	m = mk('Q', 1);
	m.u.cross.shares = 10000000000ull;
	m.u.cross.price = 1000;
	assert(feeds_books_apply(B, &m, &ev) == 0);
	assert(ev.kind == MD_TRADE && ev.qty == UINT32_MAX);
	m = mk('R', 1);
	memcpy(m.u.dir.stock, "AMZN    ", 8);
	assert(feeds_books_apply(B, &m, &ev) == 0 && ev.kind == MD_STATUS);
	assert(strcmp(feeds_books_symbol(B, 1), "AMZN") == 0);
	assert(strcmp(feeds_books_symbol(B, 3), "") == 0);
	assert(memcmp(&ev.ref, "AMZN    ", 8) == 0); /* the symbol rides in the event */
	m = mk('H', 1);
	m.u.trading.state = 'H';
	assert(feeds_books_apply(B, &m, &ev) == 0 && (ev.flags & MD_F_HALTED));
	assert(add(1, 41, 'B', 900, 1) == 0 && (ev.flags & MD_F_HALTED));
	m.u.trading.state = 'T';
	assert(feeds_books_apply(B, &m, &ev) == 0 && !(ev.flags & MD_F_HALTED));
}

static void errors(void)
{
	struct feeds_book_stats st;
	feeds_books_reset(B);
	feeds_books_stats(B, &st);
	assert(st.errors == 0 && st.live_orders == 0 && st.live_levels == 0);

	assert(add(1, 1, 'B', 100, 10) == 0);
	assert(exe(1, 999, 1) == FEEDS_BOOK_UNKNOWN_REF && (ev.flags & MD_F_STALE));
	assert(exc(1, 999, 1, 5) == FEEDS_BOOK_UNKNOWN_REF);
	assert(cxl(1, 999, 1) == FEEDS_BOOK_UNKNOWN_REF);
	assert(del(1, 999) == FEEDS_BOOK_UNKNOWN_REF);
	assert(del(1, 0) == FEEDS_BOOK_UNKNOWN_REF);
	assert(rep(1, 999, 1000, 100, 1) == FEEDS_BOOK_UNKNOWN_REF);
	assert(feeds_books_order(B, 1000, NULL, NULL, NULL, NULL) == -ENOENT);
	assert(add(1, 1, 'S', 200, 10) == FEEDS_BOOK_DUP_REF);
	top(100, 10, 0, 0);
	assert(add(0, 2, 'B', 100, 10) == FEEDS_BOOK_BAD_LOCATE);
	assert(add(17, 2, 'B', 100, 10) == FEEDS_BOOK_BAD_LOCATE);
	assert(ev.bid_px == 0 && ev.ask_px == 0);
	assert(add(1, 2, 'x', 100, 10) == FEEDS_BOOK_BAD_SIDE);
	assert(add(1, 0, 'B', 100, 10) == FEEDS_BOOK_BAD_REF);
	/* Over-execution removes the order. */
	assert(exe(1, 1, 11) == FEEDS_BOOK_OVER_EXEC);
	top(0, 0, 0, 0);
	assert(add(1, 3, 'S', 100, 10) == 0);
	assert(cxl(1, 3, 50) == FEEDS_BOOK_OVER_EXEC);
	top(0, 0, 0, 0);
	/* Replace onto a live reference: the old order goes, the new one is refused. */
	assert(add(1, 4, 'S', 100, 10) == 0);
	assert(add(1, 5, 'S', 101, 10) == 0);
	assert(rep(1, 4, 5, 102, 1) == FEEDS_BOOK_DUP_REF);
	top(0, 0, 101, 10);
	feeds_books_stats(B, &st);
	assert(st.unknown_ref == 6 && st.dup_ref == 2 && st.bad_locate == 2 && st.bad_side == 1);
	assert(st.bad_ref == 1 && st.over_exec == 2);
	assert(st.errors == 14);

	/* Full order table and level pool are outcomes, not crashes. */
	feeds_books_reset(B);
	int full = 0;
	for (uint64_t r = 1; r <= 70; r++) {
		int o = add(1, r, 'B', 1000, 1);
		if (o == FEEDS_BOOK_ORDERS_FULL)
			full++;
		else
			assert(o == 0);
	}
	assert(full == 70 - 64);
	feeds_books_reset(B);
	full = 0;
	for (uint64_t r = 1; r <= 40; r++) {
		int o = add(1, r, r & 1 ? 'B' : 'S', (uint32_t)(r & 1 ? 1000 - r : 2000 + r), 1);
		if (o == FEEDS_BOOK_LEVELS_FULL)
			full++;
		else
			assert(o == 0);
	}
	assert(full == 40 - 32);
	feeds_books_stats(B, &st);
	assert(st.levels_full == 8 && st.live_levels == 32 && st.live_orders == 32);
	/* Freed levels are reused. */
	assert(del(1, 1) == 0);
	assert(add(1, 100, 'B', 1, 1) == 0);
}

/* Naive reference: every live order in an array; levels computed on demand. */
struct rorder {
	uint64_t ref;
	uint32_t px, qty;
	uint16_t loc;
	char side;
};
static struct rorder ref_o[4096];
static unsigned ref_n;

static unsigned ref_depth(uint16_t loc, char side, struct feeds_level *out, unsigned n)
{
	struct feeds_level all[4096];
	unsigned k = 0;
	for (unsigned i = 0; i < ref_n; i++) {
		if (ref_o[i].loc != loc || ref_o[i].side != side)
			continue;
		unsigned j;
		for (j = 0; j < k; j++)
			if (all[j].px == ref_o[i].px)
				break;
		if (j == k)
			all[k++] = (struct feeds_level){ .px = ref_o[i].px };
		all[j].qty += ref_o[i].qty;
		all[j].orders++;
	}
	/* sort best first */
	for (unsigned a = 0; a < k; a++)
		for (unsigned b = a + 1; b < k; b++)
			if (side == 'B' ? all[b].px > all[a].px : all[b].px < all[a].px) {
				struct feeds_level t = all[a];
				all[a] = all[b];
				all[b] = t;
			}
	if (k > n)
		k = n;
	memcpy(out, all, k * sizeof(*out));
	return k;
}

static uint64_t rs = 88172645463325252ull;
static uint32_t rnd(uint32_t n)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (uint32_t)(rs % n);
}

static void randomized(void)
{
	struct feeds_books *save = B;
	struct feeds_books_cfg bc = { .max_orders = 4096, .max_levels = 4096, .max_locate = 4 };
	char err[128];
	assert(feeds_books_create(&bc, &B, err, sizeof(err)) == 0);
	uint64_t next = 1;
	struct feeds_level a[64], b[64];
	for (int step = 0; step < 60000; step++) {
		unsigned r = rnd(100);
		if (ref_n < 5 || (r < 45 && ref_n < 3000)) {
			struct rorder o = { .ref = next++, .loc = (uint16_t)(1 + rnd(3)),
					    .side = rnd(2) ? 'B' : 'S', .qty = 1 + rnd(500) };
			/* wide spread of prices so inserts land at the top, middle and tail */
			o.px = o.side == 'B' ? 100000 - rnd(r < 20 ? 20 : 3000)
					     : 100001 + rnd(r < 20 ? 20 : 3000);
			assert(add(o.loc, o.ref, o.side, o.px, o.qty) == 0);
			ref_o[ref_n++] = o;
		} else {
			unsigned k = rnd(ref_n);
			struct rorder *o = &ref_o[k];
			unsigned op = rnd(5);
			if (op == 0) {
				uint32_t q = 1 + rnd(o->qty);
				assert(exe(o->loc, o->ref, q) == 0);
				o->qty -= q;
			} else if (op == 1) {
				uint32_t q = 1 + rnd(o->qty);
				assert(cxl(o->loc, o->ref, q) == 0);
				o->qty -= q;
			} else if (op == 2) {
				uint32_t q = 1 + rnd(o->qty);
				assert(exc(o->loc, o->ref, q, o->px + 1) == 0);
				o->qty -= q;
			} else if (op == 3) {
				assert(del(o->loc, o->ref) == 0);
				o->qty = 0;
			} else {
				uint64_t nr = next++;
				uint32_t px = o->side == 'B' ? 100000 - rnd(40) : 100001 + rnd(40);
				uint32_t q = 1 + rnd(300);
				assert(rep(o->loc, o->ref, nr, px, q) == 0);
				o->ref = nr;
				o->px = px;
				o->qty = q;
			}
			if (o->qty == 0)
				ref_o[k] = ref_o[--ref_n];
		}
		if (step % 7 == 0 || step > 59000) {
			for (uint16_t loc = 1; loc <= 3; loc++) {
				for (int s = 0; s < 2; s++) {
					char side = s ? 'S' : 'B';
					int n = feeds_books_depth(B, loc, side, a, 64);
					unsigned m = ref_depth(loc, side, b, 64);
					assert(n >= 0 && (unsigned)n == m);
					for (unsigned i = 0; i < m; i++)
						assert(a[i].px == b[i].px && a[i].qty == b[i].qty &&
						       a[i].orders == b[i].orders);
				}
			}
		}
	}
	/* Every live order is found with its fields; a deleted one is not. */
	for (unsigned i = 0; i < ref_n; i++) {
		uint32_t px, qty;
		assert(feeds_books_order(B, ref_o[i].ref, NULL, NULL, &px, &qty) == 0);
		assert(px == ref_o[i].px && qty == ref_o[i].qty);
	}
	struct feeds_book_stats st;
	feeds_books_stats(B, &st);
	assert(st.errors == 0 && st.live_orders == ref_n && st.crossed_events == 0);
	printf("randomized: %u live orders, %llu live levels, high-water %llu orders\n", ref_n,
	       (unsigned long long)st.live_levels, (unsigned long long)st.max_live_orders);
	feeds_books_destroy(B);
	B = save;
}

int main(void)
{
	char err[128];
	struct feeds_books_cfg bad = { .max_orders = (1u << 30) + 1 };
	assert(feeds_books_create(&bad, &B, err, sizeof(err)) == -EINVAL);
	assert(strstr(err, "max_orders"));
	struct feeds_books_cfg bc = { .max_orders = 64, .max_levels = 32, .max_locate = 16 };
	assert(feeds_books_create(&bc, &B, err, sizeof(err)) == 0);
	operations();
	errors();
	randomized();
	assert(feeds_books_bbo(B, 17, NULL, NULL) == -ERANGE);
	B = feeds_books_destroy(B);
	assert(feeds_books_destroy(NULL) == NULL);
	printf("ok\n");
	return 0;
}
