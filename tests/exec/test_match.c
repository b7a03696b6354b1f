/* The matching engine's queue model (exec.h, "The matching engine"), on
 * hand-built queues whose md events come from the feeds' own ITCH book, as in
 * the pipeline: joining behind displayed orders, cancels and executions
 * ahead, behind and through, an ITCH replace ahead losing priority (with and
 * without its original reference), partial fills, marketable orders walking
 * levels and the liquidity they took, IOC, halts, our own cancel/replace and
 * cancel-all, LOBSTER tracking numbers, top-of-book streams, the reference
 * map full. Then a property test on the LOBSTER AMZN day: passive orders
 * never fill before the displayed quantity ahead of them at arrival has gone,
 * checked against a brute-force computation over the test's own order map. */
/* (Long: one scenario per rule of the queue model, each built by hand.) */
#undef NDEBUG
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "feeds.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);      \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

#define PX(d, c) ((uint32_t)((d) * 10000 + (c) * 100)) /* dollars, cents -> 1e-4 */
#define LOC      7

/* ------------------------------------------------------------------------- */
/* The rig: the feeds' book makes the md events, the engine takes them. */

static struct feeds_books *B;
static struct exec_match *M;
static struct md_event ev;
static uint64_t seq, ts = 34200000000000ULL;
static struct exec_match_event out[4096];
static unsigned nout;

static void sink(void *ctx, const struct exec_match_event *e)
{
	(void)ctx;
	CHECK(nout < sizeof(out) / sizeof(out[0]));
	out[nout++] = *e;
}

static void rig(const struct exec_match_config *over)
{
	struct feeds_books_cfg bc = { .max_orders = 1024, .max_levels = 1024, .max_locate = 16 };
	char err[256];
	CHECK(feeds_books_create(&bc, &B, err, sizeof(err)) == 0);
	struct exec_match_config mc = { 0 };
	if (over)
		mc = *over;
	mc.sink = sink;
	if (exec_match_create(&mc, &M, err, sizeof(err)) != 0) {
		fprintf(stderr, "exec_match_create: %s\n", err);
		exit(1);
	}
	nout = 0;
}

static void unrig(void)
{
	M = exec_match_destroy(M);
	CHECK(M == NULL);
	feeds_books_destroy(B);
}

static struct feeds_itch_msg mk(char type)
{
	struct feeds_itch_msg m;
	memset(&m, 0, sizeof(m));
	m.type = (uint8_t)type;
	m.locate = LOC;
	m.ts_ns = ts += 1000;
	return m;
}

/* Apply to the feeds' book, then the engine; the engine's result. */
static int feed(const struct feeds_itch_msg *m, uint64_t orig_ref)
{
	CHECK(feeds_books_apply(B, m, &ev) == FEEDS_BOOK_OK);
	ev.seq = ++seq;
	return exec_match_market(M, &ev, orig_ref);
}

static int add_t(uint64_t ref, char side, uint32_t px, uint32_t qty, uint16_t tracking)
{
	struct feeds_itch_msg m = mk('A');
	m.tracking = tracking;
	m.u.add.ref = ref;
	m.u.add.side = side;
	m.u.add.price = px;
	m.u.add.shares = qty;
	return feed(&m, 0);
}

static int add(uint64_t ref, char side, uint32_t px, uint32_t qty)
{
	return add_t(ref, side, px, qty, 0);
}

static void exe(uint64_t ref, uint32_t qty)
{
	struct feeds_itch_msg m = mk('E');
	m.u.exec.ref = ref;
	m.u.exec.shares = qty;
	CHECK(feed(&m, 0) == 0);
}

static void cxl(uint64_t ref, uint32_t qty)
{
	struct feeds_itch_msg m = mk('X');
	m.u.cancel.ref = ref;
	m.u.cancel.shares = qty;
	CHECK(feed(&m, 0) == 0);
}

static void del(uint64_t ref)
{
	struct feeds_itch_msg m = mk('D');
	m.u.del.ref = ref;
	CHECK(feed(&m, 0) == 0);
}

static void rep(uint64_t old, uint64_t nref, uint32_t px, uint32_t qty, bool tell_orig)
{
	struct feeds_itch_msg m = mk('U');
	m.u.replace.orig_ref = old;
	m.u.replace.new_ref = nref;
	m.u.replace.price = px;
	m.u.replace.shares = qty;
	CHECK(feed(&m, tell_orig ? old : 0) == 0);
}

static void hidden(char side, uint32_t px, uint32_t qty)
{
	struct feeds_itch_msg m = mk('P');
	m.u.trade.side = side;
	m.u.trade.price = px;
	m.u.trade.shares = qty;
	m.u.trade.match = 99;
	CHECK(feed(&m, 0) == 0);
}

static void trading(char state)
{
	struct feeds_itch_msg m = mk('H');
	memcpy(m.u.trading.stock, "TEST    ", 8);
	m.u.trading.state = state;
	CHECK(feed(&m, 0) == 0);
}

static int order(uint32_t account, uint64_t id, char side, uint32_t px, uint32_t qty, uint8_t tif)
{
	struct exec_match_order o = { .order_id = id,
		                      .account = account,
		                      .px = px,
		                      .qty = qty,
		                      .locate = LOC,
		                      .side = (uint8_t)side,
		                      .tif = tif };
	return exec_match_new(M, &o);
}

static uint64_t ahead(uint32_t account, uint64_t id)
{
	struct exec_match_info in;
	CHECK(exec_match_order_info(M, account, id, &in) == 0);
	return in.ahead;
}

static bool is_open(uint32_t account, uint64_t id)
{
	struct exec_match_info in;
	return exec_match_order_info(M, account, id, &in) == 0;
}

/* The n-th event of a kind for an order (from index `from`), or NULL. */
static const struct exec_match_event *find(unsigned from, uint64_t id, uint8_t kind, unsigned n)
{
	for (unsigned i = from; i < nout; i++)
		if (out[i].order_id == id && out[i].kind == kind && n-- == 0)
			return &out[i];
	return NULL;
}

static unsigned count(unsigned from, uint8_t kind)
{
	unsigned n = 0;
	for (unsigned i = from; i < nout; i++)
		n += out[i].kind == kind;
	return n;
}

/* ------------------------------------------------------------------------- */

/* Behind three displayed orders: cancels and executions ahead move us up,
 * those behind do not; an execution behind us, one through our price and a
 * hidden trade through it fill us, partially, at our price. */
static void queue_basics(void)
{
	rig(NULL);
	add(1, 'B', PX(100, 0), 100);
	add(2, 'B', PX(100, 0), 200);
	add(3, 'B', PX(100, 0), 300);
	add(10, 'S', PX(100, 10), 100);
	CHECK(order(1, 1, 'B', PX(100, 0), 500, EXEC_TIF_DAY) == 0);
	CHECK(nout == 1 && out[0].kind == EXEC_MATCH_ACK && out[0].leaves_qty == 500);
	CHECK(ahead(1, 1) == 600);
	add(4, 'B', PX(100, 0), 50); /* behind us */
	CHECK(ahead(1, 1) == 600);
	cxl(2, 50); /* ahead */
	CHECK(ahead(1, 1) == 550);
	del(4); /* behind */
	CHECK(ahead(1, 1) == 550);
	exe(1, 100); /* ahead: the aggressor met ref 1 before us */
	CHECK(ahead(1, 1) == 450 && count(0, EXEC_MATCH_FILL) == 0);
	exe(2, 150);
	add(5, 'B', PX(100, 0), 100); /* behind us */
	exe(3, 300);
	CHECK(ahead(1, 1) == 0 && count(0, EXEC_MATCH_FILL) == 0);
	/* an execution against ref 5, behind us: that aggressor would have met us first */
	exe(5, 80);
	const struct exec_match_event *f = find(0, 1, EXEC_MATCH_FILL, 0);
	CHECK(f && f->qty == 80 && f->px == PX(100, 0) && f->leaves_qty == 420 &&
	      f->cum_qty == 80 && f->liquidity == 'A' && f->seq == seq);
	/* an execution at a worse price (bids hit at 99.99) goes through us */
	del(5);
	add(6, 'B', PX(99, 99), 100);
	exe(6, 100);
	f = find(0, 1, EXEC_MATCH_FILL, 1);
	CHECK(f && f->qty == 100 && f->px == PX(100, 0) && f->leaves_qty == 320);
	/* a hidden execution at our price says nothing about our queue ... */
	hidden('B', PX(100, 0), 1000);
	CHECK(count(0, EXEC_MATCH_FILL) == 2);
	/* ... one through it does */
	hidden('B', PX(99, 98), 1000);
	f = find(0, 1, EXEC_MATCH_FILL, 2);
	CHECK(f && f->qty == 320 && f->px == PX(100, 0) && f->leaves_qty == 0 && f->cum_qty == 500);
	CHECK(!is_open(1, 1));
	/* an execution on the other side fills nothing of a buy */
	CHECK(order(1, 2, 'B', PX(99, 0), 100, EXEC_TIF_DAY) == 0);
	unsigned before = nout;
	exe(10, 40);
	CHECK(nout == before && ahead(1, 2) == 0);
	struct exec_match_stats st;
	exec_match_stats(M, &st);
	CHECK(st.fills == 3 && st.filled_qty == 500 && st.taken_qty == 0 && st.open_orders == 1);
	CHECK(st.ghost_qty == 0 && st.anon_qty == 0 && st.unknown_refs == 0);
	unrig();
}

/* One execution reaches several orders of ours: the best price first, then
 * arrival; it stops at the executed order's place. */
static void shared_execution(void)
{
	rig(NULL);
	add(1, 'B', PX(50, 0), 100);
	CHECK(order(1, 1, 'B', PX(50, 0), 30, EXEC_TIF_DAY) == 0); /* behind ref 1 */
	CHECK(order(1, 2, 'B', PX(50, 1), 40, EXEC_TIF_DAY) == 0); /* better price, alone */
	add(2, 'B', PX(50, 0), 100);                               /* behind order 1 */
	CHECK(order(1, 3, 'B', PX(50, 0), 50, EXEC_TIF_DAY) == 0); /* behind ref 2 */
	del(1);
	exe(2, 60); /* reaches order 2 (better price), then order 1; not order 3 */
	CHECK(find(0, 2, EXEC_MATCH_FILL, 0)->qty == 40);
	CHECK(find(0, 1, EXEC_MATCH_FILL, 0)->qty == 20);
	CHECK(!find(0, 3, EXEC_MATCH_FILL, 0));
	unsigned i2 = 0, i1 = 0;
	for (unsigned i = 0; i < nout; i++) {
		if (out[i].order_id == 2 && out[i].kind == EXEC_MATCH_FILL)
			i2 = i;
		if (out[i].order_id == 1 && out[i].kind == EXEC_MATCH_FILL)
			i1 = i;
	}
	CHECK(i2 < i1);
	CHECK(ahead(1, 3) == 40);
	unrig();
}

/* An ITCH replace of an order ahead of us: it loses priority (its new
 * reference is behind us); the queue ahead is never jumped. */
static void replace_ahead(void)
{
	rig(NULL);
	add(1, 'B', PX(100, 0), 100);
	add(2, 'B', PX(100, 0), 100);
	CHECK(order(1, 1, 'B', PX(100, 0), 100, EXEC_TIF_DAY) == 0);
	CHECK(ahead(1, 1) == 200);
	rep(1, 21, PX(100, 0), 100, true);
	CHECK(ahead(1, 1) == 100);
	exe(21, 50); /* behind us, but ref 2 is still ahead: no fill */
	CHECK(count(0, EXEC_MATCH_FILL) == 0);
	del(2);
	CHECK(ahead(1, 1) == 0);
	exe(21, 50);
	const struct exec_match_event *f = find(0, 1, EXEC_MATCH_FILL, 0);
	CHECK(f && f->qty == 50 && f->leaves_qty == 50);
	unrig();

	/* without the original reference (an md_event does not carry it): the top
	 * of book shows which order left the best level */
	rig(NULL);
	add(1, 'B', PX(100, 0), 100);
	add(2, 'B', PX(100, 0), 70);
	add(3, 'B', PX(99, 90), 10);
	CHECK(order(1, 1, 'B', PX(100, 0), 10, EXEC_TIF_DAY) == 0);
	CHECK(ahead(1, 1) == 170);
	rep(2, 22, PX(99, 99), 70, false);
	CHECK(ahead(1, 1) == 100);
	struct exec_match_stats st;
	exec_match_stats(M, &st);
	CHECK(st.replace_unresolved == 1 && st.ghost_qty == 70 && st.refs == 3);
	/* a replace deeper in the book stays a ghost until its level is the top */
	rep(3, 23, PX(99, 80), 10, false);
	exec_match_stats(M, &st);
	CHECK(st.replace_unresolved == 2 && st.ghost_qty == 70 && st.refs == 4);
	unrig();
}

/* Marketable orders walk levels at the book's prices; what they take stays
 * taken until new liquidity comes; IOC remainders are cancelled. */
static void marketable(void)
{
	rig(NULL);
	add(1, 'B', PX(100, 0), 100);
	add(10, 'S', PX(100, 10), 100);
	add(11, 'S', PX(100, 10), 200);
	add(12, 'S', PX(100, 20), 300);
	add(13, 'S', PX(100, 30), 100);
	CHECK(order(1, 1, 'B', PX(100, 20), 500, EXEC_TIF_IOC) == 0);
	CHECK(nout == 3 && out[0].kind == EXEC_MATCH_ACK);
	CHECK(out[1].kind == EXEC_MATCH_FILL && out[1].px == PX(100, 10) && out[1].qty == 300 &&
	      out[1].leaves_qty == 200 && out[1].liquidity == 'R');
	CHECK(out[2].kind == EXEC_MATCH_FILL && out[2].px == PX(100, 20) && out[2].qty == 200 &&
	      out[2].leaves_qty == 0);
	/* only 100 of ref 12 are left for us; the IOC remainder is cancelled */
	unsigned from = nout;
	CHECK(order(1, 2, 'B', PX(100, 20), 300, EXEC_TIF_IOC) == 0);
	const struct exec_match_event *f = find(from, 2, EXEC_MATCH_FILL, 0);
	CHECK(f && f->px == PX(100, 20) && f->qty == 100);
	const struct exec_match_event *c = find(from, 2, EXEC_MATCH_CANCELED, 0);
	CHECK(c && c->qty == 200 && c->reason == EXEC_REASON_IOC && c->cum_qty == 100 &&
	      c->leaves_qty == 0 && c > f);
	/* a DAY order finds nothing left at <= 100.20 and rests, crossing */
	from = nout;
	CHECK(order(1, 3, 'B', PX(100, 20), 50, EXEC_TIF_DAY) == 0);
	CHECK(nout == from + 1 && is_open(1, 3) && ahead(1, 3) == 0);
	/* the market's cancels of what we took leave it taken (capped) */
	cxl(12, 50);
	CHECK(nout == from + 1);
	/* new liquidity crossing our resting buy meets it, at our price */
	add(14, 'S', PX(100, 15), 30);
	f = find(from, 3, EXEC_MATCH_FILL, 0);
	CHECK(f && f->qty == 30 && f->px == PX(100, 20) && f->liquidity == 'A');
	/* ... and what it gave us is taken: an IOC buy at 100.15 finds nothing */
	from = nout;
	CHECK(order(1, 4, 'B', PX(100, 15), 10, EXEC_TIF_IOC) == 0);
	CHECK(!find(from, 4, EXEC_MATCH_FILL, 0) && find(from, 4, EXEC_MATCH_CANCELED, 0));
	/* a new order at the level (a replace's new reference too) is available */
	rep(13, 15, PX(100, 20), 100, true);
	f = find(from, 3, EXEC_MATCH_FILL, 0);
	CHECK(f && f->qty == 20 && f->leaves_qty == 0 && !is_open(1, 3));
	struct exec_match_stats st;
	exec_match_stats(M, &st);
	CHECK(st.taken_qty == 600 && st.filled_qty == 650);
	unrig();

	/* at most max_take_levels levels per take */
	struct exec_match_config mc = { .max_take_levels = 2 };
	rig(&mc);
	add(10, 'S', PX(10, 1), 10);
	add(11, 'S', PX(10, 2), 10);
	add(12, 'S', PX(10, 3), 10);
	CHECK(order(1, 1, 'B', PX(10, 5), 100, EXEC_TIF_DAY) == 0);
	CHECK(count(0, EXEC_MATCH_FILL) == 2 && is_open(1, 1));
	/* sells symmetric: a sell takes the bids from the best down */
	add(1, 'B', PX(9, 99), 5);
	add(2, 'B', PX(9, 98), 5);
	CHECK(order(1, 2, 'S', PX(9, 98), 20, EXEC_TIF_IOC) == 0);
	CHECK(find(0, 2, EXEC_MATCH_FILL, 0)->px == PX(9, 99) &&
	      find(0, 2, EXEC_MATCH_FILL, 1)->px == PX(9, 98) &&
	      find(0, 2, EXEC_MATCH_CANCELED, 0)->qty == 10);
	unrig();
}

/* Nothing fills while halted; when trading resumes, resting orders that
 * cross the book take it as on arrival. */
static void halted(void)
{
	rig(NULL);
	add(1, 'B', PX(20, 0), 100);
	add(10, 'S', PX(20, 5), 100);
	trading('H');
	CHECK(ev.flags & MD_F_HALTED);
	CHECK(order(1, 1, 'B', PX(20, 5), 60, EXEC_TIF_IOC) == 0);
	CHECK(count(0, EXEC_MATCH_FILL) == 0 && find(0, 1, EXEC_MATCH_CANCELED, 0)->qty == 60);
	CHECK(order(1, 2, 'B', PX(20, 5), 60, EXEC_TIF_DAY) == 0);
	CHECK(order(1, 3, 'S', PX(20, 10), 50, EXEC_TIF_DAY) == 0);
	add(2, 'B', PX(20, 0), 100);
	exe(2, 10);                   /* through our buy, but halted */
	hidden('S', PX(20, 20), 100); /* through our sell, but halted */
	CHECK(count(0, EXEC_MATCH_FILL) == 0);
	struct exec_match_stats st;
	exec_match_stats(M, &st);
	CHECK(st.blocked_events == 4);
	trading('T');
	const struct exec_match_event *f = find(0, 2, EXEC_MATCH_FILL, 0);
	CHECK(f && f->qty == 60 && f->px == PX(20, 5) && f->liquidity == 'R');
	CHECK(count(0, EXEC_MATCH_FILL) == 1 && is_open(1, 3));
	unrig();
}

/* Our own cancel, replace (priority kept only when the price stays and qty
 * does not grow) and cancel-all per account. */
static void ours(void)
{
	rig(NULL);
	add(1, 'B', PX(30, 0), 100);
	CHECK(order(1, 1, 'B', PX(30, 0), 100, EXEC_TIF_DAY) == 0);
	add(2, 'B', PX(30, 0), 100);
	CHECK(order(2, 1, 'B', PX(30, 0), 100, EXEC_TIF_DAY) == 0); /* same id, other account */
	CHECK(ahead(1, 1) == 100 && ahead(2, 1) == 200);
	/* rejects */
	unsigned from = nout;
	CHECK(order(1, 1, 'B', PX(30, 0), 5, EXEC_TIF_DAY) == EXEC_MATCH_REJECT);
	CHECK(order(1, 9, 'X', PX(30, 0), 5, EXEC_TIF_DAY) == EXEC_MATCH_REJECT);
	CHECK(order(1, 9, 'B', 0, 5, EXEC_TIF_DAY) == EXEC_MATCH_REJECT);
	CHECK(out[from].kind == EXEC_MATCH_REJECTED && out[from].reason == EXEC_REASON_DUPLICATE);
	CHECK(out[from + 1].reason == EXEC_REASON_INVALID && out[from + 1].side == 'X');
	CHECK(out[from + 2].reason == EXEC_REASON_INVALID);
	/* qty down at the same price: the place is kept */
	CHECK(exec_match_replace(M, 1, 1, 11, PX(30, 0), 80) == 0);
	CHECK(out[nout - 1].kind == EXEC_MATCH_REPLACED && out[nout - 1].order_id == 11 &&
	      out[nout - 1].orig_order_id == 1 && out[nout - 1].leaves_qty == 80);
	CHECK(!is_open(1, 1) && ahead(1, 11) == 100);
	/* qty up: the tail, behind ref 2 and account 2's order (theirs do not count) */
	CHECK(exec_match_replace(M, 1, 11, 0, PX(30, 0), 90) == 0);
	CHECK(ahead(1, 11) == 200);
	CHECK(exec_match_replace(M, 1, 11, 0, 0, 90) == EXEC_MATCH_INVALID);
	CHECK(exec_match_replace(M, 1, 77, 0, PX(30, 0), 90) == EXEC_MATCH_NOT_OPEN);
	CHECK(order(1, 5, 'B', PX(29, 0), 10, EXEC_TIF_DAY) == 0);
	CHECK(exec_match_replace(M, 1, 11, 5, PX(30, 0), 90) == EXEC_MATCH_DUPLICATE);
	/* a partial fill, then a replace to a marketable price takes the ask */
	del(1);
	del(2);
	add(3, 'B', PX(30, 0), 50); /* behind both */
	exe(3, 30);                 /* account 2's order is first now */
	CHECK(find(0, 1, EXEC_MATCH_FILL, 0)->account == 2 &&
	      find(0, 1, EXEC_MATCH_FILL, 0)->qty == 30 && ahead(1, 11) == 0);
	del(3);
	add(10, 'S', PX(30, 5), 50);
	from = nout;
	CHECK(exec_match_replace(M, 1, 11, 12, PX(30, 5), 90) == 0);
	CHECK(out[from].kind == EXEC_MATCH_REPLACED && out[from + 1].kind == EXEC_MATCH_FILL &&
	      out[from + 1].order_id == 12 && out[from + 1].qty == 50 && out[from + 1].leaves_qty == 40);
	/* a replace to qty <= cum closes it */
	CHECK(exec_match_replace(M, 1, 12, 0, PX(30, 5), 50) == 0);
	CHECK(out[nout - 1].kind == EXEC_MATCH_REPLACED && out[nout - 1].leaves_qty == 0 &&
	      !is_open(1, 12));
	/* our orders never trade with each other */
	CHECK(order(2, 7, 'S', PX(29, 0), 10, EXEC_TIF_DAY) == 0);
	CHECK(!find(0, 7, EXEC_MATCH_FILL, 0) && is_open(2, 7) && is_open(1, 5));
	/* cancel and cancel-all per account, in arrival order */
	CHECK(exec_match_cancel(M, 1, 12, EXEC_REASON_USER_CANCEL) == EXEC_MATCH_NOT_OPEN);
	CHECK(order(1, 6, 'S', PX(31, 0), 10, EXEC_TIF_DAY) == 0);
	from = nout;
	CHECK(exec_match_cancel_all(M, 1, EXEC_REASON_CANCEL_ALL) == 2);
	CHECK(out[from].order_id == 5 && out[from + 1].order_id == 6 &&
	      out[from].reason == EXEC_REASON_CANCEL_ALL && out[from].qty == 10);
	CHECK(is_open(2, 1) && is_open(2, 7));
	CHECK(exec_match_cancel(M, 2, 1, EXEC_REASON_USER_CANCEL) == 0);
	CHECK(out[nout - 1].qty == 70 && out[nout - 1].cum_qty == 30);
	CHECK(exec_match_cancel_all(M, EXEC_MATCH_ALL_ACCOUNTS, EXEC_REASON_CANCEL_ALL) == 1);
	struct exec_match_stats st;
	exec_match_stats(M, &st);
	CHECK(st.open_orders == 0 && st.rejected == 3 && st.replaces == 4);
	/* the resting cap per instrument */
	unrig();
	struct exec_match_config mc = { .max_open_per_instrument = 2 };
	rig(&mc);
	CHECK(order(1, 1, 'B', PX(1, 0), 1, EXEC_TIF_DAY) == 0);
	CHECK(order(2, 1, 'B', PX(1, 0), 1, EXEC_TIF_DAY) == 0);
	CHECK(order(1, 2, 'B', PX(1, 0), 1, EXEC_TIF_DAY) == EXEC_MATCH_REJECT &&
	      out[nout - 1].reason == EXEC_REASON_RESTING_CAP);
	unrig();
}

/* LOBSTER's synthetic adds (tracking 1: an order that rested before 09:30)
 * are ahead of us; with tracking numbers ignored they would be behind. */
static void tracking(void)
{
	for (int mode = 0; mode < 2; mode++) {
		struct exec_match_config mc = { .tracking = mode ? EXEC_MATCH_TRACKING_IGNORE
		                                                 : EXEC_MATCH_TRACKING_LOBSTER };
		rig(&mc);
		add_t(1000000000001ULL, 'S', PX(40, 0), 100, 2); /* placeholder */
		CHECK(order(1, 1, 'S', PX(40, 0), 150, EXEC_TIF_DAY) == 0);
		CHECK(ahead(1, 1) == 100);
		/* carve-out: X on the placeholder, the real order, its execution */
		cxl(1000000000001ULL, 100);
		CHECK(ahead(1, 1) == 0);
		add_t(555, 'S', PX(40, 0), 100, 1);
		CHECK(ahead(1, 1) == (mode ? 0u : 100u));
		exe(555, 100);
		CHECK(ahead(1, 1) == 0);
		CHECK(count(0, EXEC_MATCH_FILL) == (mode ? 1u : 0u));
		unrig();
	}
}

/* A stream without references (top of book only): displayed shares are
 * anonymous; an anonymous execution uses up what is ahead first; a shrinking
 * level loses shares from behind us first. */
static void anonymous(void)
{
	rig(NULL);
	struct md_event e = { .ts_ns = 1, .seq = 1, .locate = 3, .kind = MD_ADD, .flags = MD_F_BOOK,
		              .bid_px = PX(5, 0), .bid_qty = 300, .ask_px = PX(5, 1), .ask_qty = 100 };
	CHECK(exec_match_market(M, &e, 0) == 0);
	struct exec_match_order o = { .order_id = 1, .account = 1, .px = PX(5, 0), .qty = 100,
		                      .locate = 3, .side = 'B' };
	CHECK(exec_match_new(M, &o) == 0);
	CHECK(ahead(1, 1) == 300);
	e.seq++;
	e.bid_qty = 500; /* 200 more, behind us */
	exec_match_market(M, &e, 0);
	CHECK(ahead(1, 1) == 300);
	e.seq++;
	e.bid_qty = 250; /* 250 left: the 200 behind us went first, then 50 ahead */
	exec_match_market(M, &e, 0);
	CHECK(ahead(1, 1) == 250);
	e.seq++;
	e.kind = MD_EXEC; /* an anonymous execution of 280 at the bid */
	e.side = 'B';
	e.px = PX(5, 0);
	e.qty = 280;
	e.bid_qty = 100; /* the feed's own book: 250 - 280 plus some added */
	exec_match_market(M, &e, 0);
	const struct exec_match_event *f = find(0, 1, EXEC_MATCH_FILL, 0);
	CHECK(f && f->qty == 30 && f->leaves_qty == 70 && ahead(1, 1) == 0);
	/* the bid level vanishes from the feed: the anonymous shares go; ours stays */
	e.seq++;
	e.kind = MD_CANCEL;
	e.bid_px = PX(4, 99);
	exec_match_market(M, &e, 0);
	CHECK(is_open(1, 1) && ahead(1, 1) == 0);
	/* an ask appears at our price: new liquidity crossing us */
	e.seq++;
	e.ask_px = PX(5, 0);
	e.ask_qty = 40;
	exec_match_market(M, &e, 0);
	f = find(0, 1, EXEC_MATCH_FILL, 1);
	CHECK(f && f->qty == 40 && f->px == PX(5, 0) && f->leaves_qty == 30);
	struct exec_match_stats st;
	exec_match_stats(M, &st);
	CHECK(st.anon_qty == 300 + 100 + 200 + 100 + 40 && st.refs == 0 && st.unknown_refs == 0);
	unrig();
}

/* The reference map full: the add is counted and returns EXEC_MATCH_FULL;
 * its shares come in as anonymous from the top of book. */
static void refs_full(void)
{
	struct exec_match_config mc = { .max_refs = 4 };
	rig(&mc);
	CHECK(add(1, 'B', PX(8, 0), 10) == 0);
	CHECK(add(2, 'B', PX(8, 0), 10) == 0);
	CHECK(add(3, 'S', PX(8, 5), 10) == 0);
	CHECK(add(4, 'S', PX(8, 5), 10) == 0);
	CHECK(add(5, 'B', PX(8, 0), 10) == EXEC_MATCH_FULL);
	struct exec_match_stats st;
	exec_match_stats(M, &st);
	CHECK(st.refs_full == 1 && st.refs == 4 && st.refs_max == 4 && st.anon_qty == 10);
	CHECK(order(1, 1, 'B', PX(8, 0), 5, EXEC_TIF_DAY) == 0);
	CHECK(ahead(1, 1) == 30);
	del(1); /* a slot frees up */
	CHECK(add(6, 'B', PX(8, 0), 10) == 0);
	exe(5, 10); /* unknown to the engine: anonymous, ahead of us */
	exec_match_stats(M, &st);
	CHECK(st.unknown_refs == 1 && ahead(1, 1) == 10 && count(0, EXEC_MATCH_FILL) == 0);
	exe(2, 10);
	exe(6, 4); /* behind us */
	CHECK(find(0, 1, EXEC_MATCH_FILL, 0)->qty == 4);
	unrig();
}

/* ------------------------------------------------------------------------- */
/* Property: the LOBSTER AMZN day, random passive orders at the best bid/ask. */

#define PMAX 64

struct pref {
	uint64_t ref;
	uint32_t qty;
	uint32_t px;
	uint32_t live_ix; /* its place in livev */
	uint8_t side;
	bool live;
};

struct prop_order {
	uint64_t id;
	uint64_t born;   /* event count at arrival */
	uint64_t *refs;  /* the displayed orders at its price and side at its arrival */
	unsigned nrefs;
	uint32_t px, qty, filled;
	uint8_t side;
	bool open;
};

/* The test's own order map (open addressing, no deletions: the day is small). */
static struct pref *pmap;
static uint32_t pmask;
static uint32_t *livev; /* the live displayed orders (pmap indexes) */
static unsigned nlive;

static void plive(struct pref *p)
{
	p->live = true;
	p->live_ix = nlive;
	livev[nlive++] = (uint32_t)(p - pmap);
}

static void pgone(struct pref *p)
{
	p->live = false;
	uint32_t last = livev[--nlive];
	livev[p->live_ix] = last;
	pmap[last].live_ix = p->live_ix;
}

static struct pref *pfind(uint64_t ref, bool create)
{
	for (uint32_t i = (uint32_t)(ref * 0x9E3779B97F4A7C15ULL >> 40) & pmask;; i = (i + 1) & pmask) {
		if (pmap[i].ref == ref)
			return &pmap[i];
		if (pmap[i].ref == 0) {
			if (!create)
				return NULL;
			pmap[i].ref = ref;
			return &pmap[i];
		}
	}
}

static struct prop_order porders[4096];
static unsigned nporders;
static uint64_t pevent;
static uint64_t prop_fills, prop_filled, prop_violations;
static uint8_t last_kind;

static struct prop_order *pord(uint64_t id)
{
	return id >= 1 && id <= nporders ? &porders[id - 1] : NULL;
}

/* Brute force: shares still displayed of the orders that were ahead at arrival. */
static uint64_t still_ahead(const struct prop_order *o)
{
	uint64_t s = 0;
	for (unsigned i = 0; i < o->nrefs; i++) {
		struct pref *p = pfind(o->refs[i], false);
		if (p && p->live)
			s += p->qty;
	}
	return s;
}

static void prop_sink(void *ctx, const struct exec_match_event *e)
{
	(void)ctx;
	if (e->kind != EXEC_MATCH_FILL)
		return;
	struct prop_order *o = pord(e->order_id);
	CHECK(o && o->open);
	/* passive orders fill at their own price, only on an execution, a hidden
	 * trade or an add that crosses them */
	CHECK(e->px == o->px && e->liquidity == 'A');
	CHECK(last_kind == MD_EXEC || last_kind == MD_TRADE || last_kind == MD_ADD);
	uint64_t left = still_ahead(o);
	if (left) {
		fprintf(stderr, "order %llu filled %u at event %llu with %llu shares still ahead\n",
		        (unsigned long long)o->id, e->qty, (unsigned long long)pevent,
		        (unsigned long long)left);
		prop_violations++;
	}
	o->filled += e->qty;
	CHECK(o->filled <= o->qty && o->qty - o->filled == e->leaves_qty);
	if (!e->leaves_qty)
		o->open = false;
	prop_fills++;
	prop_filled += e->qty;
}

static uint64_t prng(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static int property_amzn(void)
{
	const char *dir = getenv("OSPREY_SHARED");
	char path[1024], err[256];
	snprintf(path, sizeof(path), "%s/data/itch/lobster_AMZN_20120621_L5.itch50",
	         dir ? dir : "../shared");
	struct feeds_capture cap;
	if (feeds_capture_open(&cap, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "skip: %s\n", err);
		return 77;
	}
	struct feeds_books_cfg bc = { 0 };
	struct feeds_books *b;
	CHECK(feeds_books_create(&bc, &b, err, sizeof(err)) == 0);
	struct exec_match_config mc = { .sink = prop_sink };
	CHECK(exec_match_create(&mc, &M, err, sizeof(err)) == 0);
	pmask = (1u << 20) - 1;
	pmap = calloc(pmask + 1, sizeof(*pmap));
	livev = calloc(pmask + 1, sizeof(*livev));
	CHECK(pmap && livev);
	uint64_t rs = 0x5EED0F0A11ULL;
	unsigned open_now = 0, placed_at_top = 0;
	struct feeds_itch_msg m;
	int r;
	while ((r = feeds_capture_next(&cap, &m, err, sizeof(err))) == 0) {
		/* the brute-force map first, from the ITCH message itself */
		switch (m.type) {
		case 'A':
		case 'F': {
			struct pref *p = pfind(m.u.add.ref, true);
			CHECK(!p->live);
			p->qty = m.u.add.shares;
			p->px = m.u.add.price;
			p->side = (uint8_t)m.u.add.side;
			plive(p);
			break;
		}
		case 'E':
		case 'C':
		case 'X': {
			struct pref *p = pfind(m.u.exec.ref, false);
			uint32_t sh = m.type == 'X' ? m.u.cancel.shares : m.u.exec.shares;
			CHECK(p && p->live && p->qty >= sh);
			p->qty -= sh;
			if (!p->qty)
				pgone(p);
			break;
		}
		case 'D': {
			struct pref *p = pfind(m.u.del.ref, false);
			CHECK(p && p->live);
			pgone(p);
			break;
		}
		case 'U':
			CHECK(!"no replace in the LOBSTER files");
			break;
		default:
			break;
		}
		CHECK(feeds_books_apply(b, &m, &ev) == FEEDS_BOOK_OK);
		ev.seq = ++pevent;
		last_kind = ev.kind;
		CHECK(exec_match_market(M, &ev, 0) == 0);

		/* now and then a passive order of 1..500 shares at the best bid or ask */
		if (ev.locate == 0 || !ev.bid_px || !ev.ask_px || prng(&rs) % 97 != 0)
			continue;
		open_now = 0;
		for (unsigned i = 0; i < nporders; i++)
			open_now += porders[i].open;
		/* cancel the oldest when 64 are open, or at random */
		for (unsigned i = 0; i < nporders; i++) {
			struct prop_order *o = &porders[i];
			if (o->open && (open_now >= PMAX || prng(&rs) % 50 == 0)) {
				CHECK(exec_match_cancel(M, 0, o->id, EXEC_REASON_USER_CANCEL) == 0);
				o->open = false;
				open_now--;
			}
		}
		if (nporders == sizeof(porders) / sizeof(porders[0]))
			continue;
		struct prop_order *o = &porders[nporders++];
		o->id = nporders;
		o->side = prng(&rs) & 1 ? 'B' : 'S';
		o->px = o->side == 'B' ? ev.bid_px : ev.ask_px;
		o->qty = 1 + (uint32_t)(prng(&rs) % 500);
		o->born = pevent;
		o->open = true;
		/* brute force: every live displayed order at that price and side */
		unsigned cap_refs = 0;
		for (unsigned i = 0; i < nlive; i++) {
			struct pref *p = &pmap[livev[i]];
			if (p->px != o->px || p->side != o->side)
				continue;
			if (o->nrefs == cap_refs) {
				cap_refs = cap_refs ? 2 * cap_refs : 16;
				o->refs = realloc(o->refs, cap_refs * sizeof(*o->refs));
				CHECK(o->refs);
			}
			o->refs[o->nrefs++] = p->ref;
		}
		placed_at_top += o->nrefs > 0;
		struct exec_match_order mo = { .order_id = o->id,
			                       .px = o->px,
			                       .qty = o->qty,
			                       .locate = ev.locate,
			                       .side = o->side };
		CHECK(exec_match_new(M, &mo) == 0);
		/* the engine's queue ahead is never shorter than the brute force's */
		struct exec_match_info info;
		if (exec_match_order_info(M, 0, o->id, &info) == 0)
			CHECK(info.ahead >= still_ahead(o));
	}
	CHECK(r == CORE_EOF);
	/* and at the end, for every order still open */
	for (unsigned i = 0; i < nporders; i++) {
		struct exec_match_info info;
		if (porders[i].open && exec_match_order_info(M, 0, porders[i].id, &info) == 0)
			CHECK(info.ahead >= still_ahead(&porders[i]));
	}
	struct exec_match_stats st;
	exec_match_stats(M, &st);
	unsigned filled_orders = 0, never = 0;
	for (unsigned i = 0; i < nporders; i++) {
		filled_orders += porders[i].filled > 0;
		never += porders[i].filled == 0;
	}
	printf("amzn property: %llu events, %u orders (%u behind displayed orders), %u filled, "
	       "%u never; %llu fills, %llu shares; engine: %llu refs at most, ghost %llu, "
	       "anonymous %llu; violations %llu\n",
	       (unsigned long long)pevent, nporders, placed_at_top, filled_orders, never,
	       (unsigned long long)prop_fills, (unsigned long long)prop_filled,
	       (unsigned long long)st.refs_max, (unsigned long long)st.ghost_qty,
	       (unsigned long long)st.anon_qty, (unsigned long long)prop_violations);
	CHECK(prop_violations == 0);
	CHECK(nporders > 1000 && placed_at_top > 500 && filled_orders > 100 && never > 100);
	CHECK(st.ghost_qty == 0 && st.anon_qty == 0 && st.refs_full == 0);
	for (unsigned i = 0; i < nporders; i++)
		free(porders[i].refs);
	free(pmap);
	free(livev);
	M = exec_match_destroy(M);
	feeds_books_destroy(b);
	feeds_capture_close(&cap);
	return 0;
}

int main(void)
{
	queue_basics();
	shared_execution();
	replace_ahead();
	marketable();
	halted();
	ours();
	tracking();
	anonymous();
	refs_full();
	printf("exec match: queue model ok\n");
	return property_amzn();
}
