/* Positions and P&L (average cost), on a hand-made fill sequence. */
#undef NDEBUG
#include "harness.h"

static uint64_t g_seq;
static uint64_t g_id;

/* Send one order that fills at once against the given book, then settle. */
static void trade(struct hx *h, uint16_t loc, uint8_t side, uint32_t px, uint32_t qty,
		  uint32_t bid, uint32_t ask)
{
	g_seq++;
	struct md_event e = hx_book(g_seq, g_seq * 10, loc, bid, 100000, ask, 100000);
	hx_push_md(h, &e);
	struct order_msg m = hx_new(++g_id, loc, side, px, qty, g_seq, e.ts_ns);
	hx_push_order(h, &m);
	struct order_msg w = hx_ctl(ORDER_WATERMARK, 0, g_seq, e.ts_ns);
	hx_push_order(h, &w);
	/* the order reaches the venue at the next event (same book) */
	e.seq = ++g_seq;
	e.ts_ns = g_seq * 10;
	hx_push_md(h, &e);
	w.seq = g_seq;
	hx_push_order(h, &w);
	hx_run(h);
	const struct exec_report *f = hx_find(h, g_id, EXEC_FILL, 0);
	CHECK(f && f->qty == qty && f->px == px);
}

static void mark(struct hx *h, uint16_t loc, uint32_t bid, uint32_t ask)
{
	g_seq++;
	struct md_event e = hx_book(g_seq, g_seq * 10, loc, bid, 100, ask, 100);
	hx_push_md(h, &e);
	struct order_msg w = hx_ctl(ORDER_WATERMARK, 0, g_seq, e.ts_ns);
	hx_push_order(h, &w);
	hx_run(h);
}

int main(void)
{
	CHECK(core_clock_init(1) == 0);
	struct position init = { .qty = 50, .cost = 50LL * 90000, .realized_pnl = 7, .locate = 2 };
	struct hx_cfg cfg = { .exec.initial = &init, .exec.ninitial = 1 };
	struct hx h;
	hx_init(&h, &cfg, 64);
	struct position p;
	struct exec_stats st;

	/* a restored position with no price seen yet is not marked */
	CHECK(exec_stage_unrealized(h.st, 2) == 0);
	/* buy 100 @ 10.0000, sell 60 @ 10.5000 */
	trade(&h, 1, 'B', 100000, 100, 99000, 100000);
	trade(&h, 1, 'S', 105000, 60, 105000, 106000);
	exec_stage_position(h.st, 1, &p);
	CHECK(p.qty == 40);
	CHECK(p.cost == 40LL * 100000);
	CHECK(p.realized_pnl == 60LL * 5000); /* 300000 in 1e-4 units */
	/* unrealized at mid (10.4000 + 10.6000) / 2 = 10.5000 */
	mark(&h, 1, 104000, 106000);
	CHECK(exec_stage_unrealized(h.st, 1) == 40LL * 105000 - 40LL * 100000);
	mark(&h, 1, 100001, 100002); /* odd sum: mid 10.00015 */
	CHECK(exec_stage_unrealized(h.st, 1) == 40LL * 200003 / 2 - 40LL * 100000);
	mark(&h, 1, 0, 0); /* empty book: last fill price (10.5000) */
	CHECK(exec_stage_unrealized(h.st, 1) == 40LL * 105000 - 40LL * 100000);
	mark(&h, 1, 0, 98000); /* one side only */
	CHECK(exec_stage_unrealized(h.st, 1) == 40LL * 98000 - 40LL * 100000);

	/* sell 100 @ 11.0000 through zero: closes 40 (+40 * 1.0000), opens short 60 */
	trade(&h, 1, 'S', 110000, 100, 110000, 111000);
	exec_stage_position(h.st, 1, &p);
	CHECK(p.qty == -60);
	CHECK(p.cost == -60LL * 110000);
	CHECK(p.realized_pnl == 300000 + 40LL * 10000);
	/* buy back 30 @ 10.8000: short gains 0.2000 a share */
	trade(&h, 1, 'B', 108000, 30, 107000, 108000);
	exec_stage_position(h.st, 1, &p);
	CHECK(p.qty == -30 && p.cost == -30LL * 110000);
	CHECK(p.realized_pnl == 700000 + 30LL * 2000);
	CHECK(exec_stage_unrealized(h.st, 1) == -30LL * (107000 + 108000) / 2 + 30LL * 110000);

	/* average cost over two buys: 10 @ 1.0000 and 20 @ 1.3000 -> avg 1.2000;
	 * selling 15 @ 1.1000 realizes 15 * -0.1000 */
	trade(&h, 3, 'B', 10000, 10, 9000, 10000);
	trade(&h, 3, 'B', 13000, 20, 12000, 13000);
	trade(&h, 3, 'S', 11000, 15, 11000, 11500);
	exec_stage_position(h.st, 3, &p);
	CHECK(p.qty == 15 && p.cost == 15LL * 12000 && p.realized_pnl == -15LL * 1000);
	/* uneven split: 3 @ 1.0000 + 4 @ 1.0001 (cost 70004), sell 2: removed 70004*2/7 = 20001 */
	trade(&h, 4, 'B', 10000, 3, 9000, 10000);
	trade(&h, 4, 'B', 10001, 4, 9000, 10001);
	trade(&h, 4, 'S', 10000, 2, 10000, 10002);
	exec_stage_position(h.st, 4, &p);
	CHECK(p.qty == 5 && p.cost == 70004 - 20001 && p.realized_pnl == 20000 - 20001);
	trade(&h, 4, 'S', 10000, 5, 10000, 10002); /* flat: cost exactly 0, nothing leaks */
	exec_stage_position(h.st, 4, &p);
	CHECK(p.qty == 0 && p.cost == 0 && p.realized_pnl == 70000 - 70004);

	/* restored position: 50 @ 9.0000 with 7 already realized; sell 50 @ 10.0000 */
	trade(&h, 2, 'S', 100000, 50, 100000, 100100);
	exec_stage_position(h.st, 2, &p);
	CHECK(p.qty == 0 && p.cost == 0 && p.realized_pnl == 7 + 50LL * 10000);

	/* reports carry the position after each fill; persist gets every fill
	 * report (it moves the stored position itself) and no position record */
	const struct exec_report *f = hx_find(&h, 3, EXEC_FILL, 0);
	CHECK(f && f->position == -60 && f->locate == 1);
	unsigned npos = 0, nfill = 0, pfill = 0;
	for (unsigned i = 0; i < h.nper; i++) {
		npos += h.per[i].kind == PERSIST_POSITION;
		pfill += h.per[i].kind == PERSIST_REPORT && h.per[i].u.report.kind == EXEC_FILL;
	}
	for (unsigned i = 0; i < h.nrep; i++)
		nfill += h.rep[i].kind == EXEC_FILL;
	CHECK(npos == 0 && pfill == nfill && nfill == 12);

	exec_stage_stats(h.st, &st);
	int64_t realized = 760000 + (-15000) + (70000 - 70004) + 500007;
	CHECK(st.realized_pnl == realized);
	CHECK(st.positions == 2); /* instruments 1 and 3 */
	struct position all[8];
	unsigned n = exec_stage_positions(h.st, all, 8);
	CHECK(n == 4 && all[0].locate == 1 && all[1].locate == 2 && all[3].locate == 4);
	CHECK(exec_stage_positions(h.st, NULL, 0) == 4);
	hx_fini(&h);
	printf("exec pnl: ok\n");
	return 0;
}
