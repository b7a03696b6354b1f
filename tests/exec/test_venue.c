/* Simulated venue: immediate fill, partial + rest, book-move fill, trade fill
 * behind the displayed queue, event-time latency, cancel-all, resting cap, IOC,
 * halted. The streams here are top of book only (no order references), so the
 * matching engine sees the displayed quantity as anonymous (exec.h). */
#undef NDEBUG
#include "harness.h"

/* Feed an md event and a watermark for it, then run. */
static void step(struct hx *h, struct md_event e)
{
	hx_push_md(h, &e);
	struct order_msg w = hx_ctl(ORDER_WATERMARK, 0, e.seq, e.ts_ns);
	hx_push_order(h, &w);
	hx_run(h);
}

static void immediate_and_partial(void)
{
	struct hx_cfg cfg = { .sim.latency_ns = 0 };
	struct hx h;
	hx_init(&h, &cfg, 256);
	step(&h, hx_book(1, 100, 1, 99000, 300, 100000, 200));
	/* buy 150 @ 10.1 crosses the ask 10.0 x 200: fills 150 @ 10.0 */
	struct order_msg m = hx_new(10, 1, 'B', 101000, 150, 1, 100);
	hx_push_order(&h, &m);
	step(&h, hx_book(2, 100, 1, 99000, 300, 100000, 200));
	CHECK(h.nrep == 2);
	CHECK(h.rep[0].kind == EXEC_ACK && h.rep[0].order_id == 10 && h.rep[0].seq == 2);
	CHECK(h.rep[1].kind == EXEC_FILL && h.rep[1].px == 100000 && h.rep[1].qty == 150 &&
	      h.rep[1].leaves_qty == 0 && h.rep[1].cum_qty == 150 && h.rep[1].position == 150);
	/* only 50 of the displayed 200 remain for us at 10.0: buy 120 fills 50, rests 70 */
	m = hx_new(11, 1, 'B', 100000, 120, 2, 100);
	hx_push_order(&h, &m);
	step(&h, hx_book(3, 100, 1, 99000, 300, 100000, 200));
	const struct exec_report *f = hx_find(&h, 11, EXEC_FILL, 0);
	CHECK(f && f->qty == 50 && f->leaves_qty == 70 && f->px == 100000);
	struct exec_order_info oi;
	CHECK(exec_stage_order(h.st, 11, &oi) == 0 && oi.state == EXEC_ST_PARTIALLY_FILLED);
	/* nothing new at the level: the resting order does not refill from the same 200 */
	step(&h, hx_book(4, 100, 1, 99000, 300, 100000, 200));
	CHECK(hx_count(&h, 11, EXEC_FILL) == 1);
	/* a new ask level below our price: fills the rest at OUR price (we rest) */
	step(&h, hx_book(5, 100, 1, 99000, 300, 99500, 40));
	f = hx_find(&h, 11, EXEC_FILL, 1);
	CHECK(f && f->qty == 40 && f->px == 100000 && f->leaves_qty == 30 && f->seq == 5);
	step(&h, hx_book(6, 100, 1, 99000, 300, 99600, 1000));
	f = hx_find(&h, 11, EXEC_FILL, 2);
	CHECK(f && f->qty == 30 && f->leaves_qty == 0 && f->cum_qty == 120);
	CHECK(exec_stage_order(h.st, 11, &oi) == -ENOENT);
	struct exec_stats st;
	exec_stage_stats(h.st, &st);
	CHECK(st.fills == 4 && st.filled_qty == 270 && st.acks == 2 && st.open_orders == 0);
	struct position p;
	exec_stage_position(h.st, 1, &p);
	CHECK(p.qty == 270);
	CHECK(p.cost == 150LL * 100000 + 120LL * 100000);

	/* sell side symmetric: sell 100 @ 9.8 vs bid 9.9 x 300 -> fills at 9.9 */
	m = hx_new(12, 1, 'S', 98000, 100, 6, 100);
	hx_push_order(&h, &m);
	step(&h, hx_book(7, 100, 1, 99000, 300, 99600, 1000));
	f = hx_find(&h, 12, EXEC_FILL, 0);
	CHECK(f && f->px == 99000 && f->qty == 100 && f->position == 170);
	hx_fini(&h);
}

static void trade_fill(void)
{
	struct hx_cfg cfg = { .sim.latency_ns = 0 };
	struct hx h;
	hx_init(&h, &cfg, 256);
	step(&h, hx_book(1, 10, 2, 50000, 100, 50100, 100));
	struct order_msg m = hx_new(1, 2, 'B', 50000, 300, 1, 10); /* joins the bid */
	hx_push_order(&h, &m);
	m = hx_new(2, 2, 'S', 50200, 300, 1, 10); /* above the ask */
	hx_push_order(&h, &m);
	step(&h, hx_book(2, 20, 2, 50000, 100, 50100, 100));
	CHECK(hx_count(&h, 1, EXEC_ACK) == 1 && hx_count(&h, 1, EXEC_FILL) == 0);
	/* a sell aggressor hits the displayed bid at 5.0000 for 120: the 100 shares
	 * displayed there when we joined are ahead of us, so we get the other 20 */
	struct md_event e = hx_book(3, 30, 2, 50000, 100, 50100, 100);
	e.kind = MD_EXEC;
	e.side = 'B';
	e.px = 50000;
	e.qty = 120;
	step(&h, e);
	const struct exec_report *f = hx_find(&h, 1, EXEC_FILL, 0);
	CHECK(f && f->qty == 20 && f->px == 50000 && f->leaves_qty == 280);
	/* an execution on the ask side does not fill our buy */
	e.seq = 4;
	e.side = 'S';
	e.px = 50100;
	step(&h, e);
	CHECK(hx_count(&h, 1, EXEC_FILL) == 1);
	CHECK(hx_count(&h, 2, EXEC_FILL) == 0); /* 5.01 < our sell at 5.02 */
	/* a non-displayed trade at 5.03 goes through our sell at 5.02 */
	e = hx_book(5, 50, 2, 50000, 100, 50100, 100);
	e.kind = MD_TRADE;
	e.px = 50300;
	e.qty = 1000;
	step(&h, e);
	f = hx_find(&h, 2, EXEC_FILL, 0);
	CHECK(f && f->qty == 300 && f->px == 50200 && f->leaves_qty == 0);
	/* ... but a trade at exactly our buy price with unknown side does not */
	e.seq = 6;
	e.px = 50000;
	step(&h, e);
	CHECK(hx_count(&h, 1, EXEC_FILL) == 1);
	hx_fini(&h);
}

static void latency(void)
{
	/* latency 5 us event time */
	struct hx_cfg cfg = { .sim.latency_ns = 5000 };
	struct hx h;
	hx_init(&h, &cfg, 256);
	step(&h, hx_book(1, 1000, 3, 99000, 100, 100000, 100));
	struct order_msg m = hx_new(1, 3, 'B', 100000, 10, 1, 1000);
	hx_push_order(&h, &m);
	/* events before T + latency: order not at the venue, the ask is not taken */
	step(&h, hx_book(2, 2000, 3, 99000, 100, 100000, 100));
	step(&h, hx_book(3, 5999, 3, 99000, 100, 100000, 100));
	CHECK(h.nrep == 0);
	struct exec_order_info oi;
	CHECK(exec_stage_order(h.st, 1, &oi) == 0 && oi.state == EXEC_ST_PENDING_NEW);
	/* the ask moves away before the order arrives: no fill at arrival */
	step(&h, hx_book(4, 6000, 3, 99000, 100, 100500, 100));
	CHECK(h.nrep == 1 && h.rep[0].kind == EXEC_ACK && h.rep[0].seq == 4 &&
	      h.rep[0].ts_ns == 6000);
	/* seq rule: an event with ts past T+latency but seq == S does not carry it */
	m = hx_new(2, 3, 'S', 99000, 10, 5, 10000);
	hx_push_order(&h, &m);
	step(&h, hx_book(5, 20000, 3, 99000, 100, 100500, 100));
	CHECK(hx_count(&h, 2, EXEC_ACK) == 0);
	step(&h, hx_book(6, 20001, 3, 99000, 100, 100500, 100));
	CHECK(hx_count(&h, 2, EXEC_ACK) == 1 && hx_count(&h, 2, EXEC_FILL) == 1);
	/* event time stepping back (another clock) releases an order in flight at
	 * once instead of stranding it until the new clock catches up */
	m = hx_new(3, 3, 'B', 100000, 10, 7, 30000);
	hx_push_order(&h, &m);
	step(&h, hx_book(7, 30000, 3, 99000, 100, 100000, 100));
	CHECK(hx_count(&h, 3, EXEC_ACK) == 0);
	step(&h, hx_book(8, 1000, 3, 99000, 100, 100000, 100));
	CHECK(hx_count(&h, 3, EXEC_ACK) == 1 && hx_count(&h, 3, EXEC_FILL) == 1);
	hx_fini(&h);
}

static void watermark_gate(void)
{
	struct hx_cfg cfg = { .sim.latency_ns = 0 };
	struct hx h;
	hx_init(&h, &cfg, 256);
	struct md_event e = hx_book(1, 10, 4, 99000, 100, 100000, 100);
	hx_push_md(&h, &e);
	e = hx_book(2, 20, 4, 99000, 100, 100000, 100);
	hx_push_md(&h, &e);
	e = hx_book(3, 30, 4, 99000, 100, 100000, 100);
	hx_push_md(&h, &e);
	hx_run(&h);
	struct exec_stats st;
	exec_stage_stats(h.st, &st);
	CHECK(st.md_in == 1); /* event 1 needs nothing decided; event 2 needs event 1 */
	CHECK(st.wm_waits > 0);
	/* an order from event 1: events <= 0 decided, more may come from event 1 */
	struct order_msg m = hx_new(1, 4, 'B', 100000, 10, 1, 10);
	hx_push_order(&h, &m);
	hx_run(&h);
	exec_stage_stats(h.st, &st);
	CHECK(st.md_in == 1);
	m = hx_new(2, 4, 'B', 100000, 10, 1, 10);
	hx_push_order(&h, &m);
	m = hx_ctl(ORDER_WATERMARK, 0, 1, 10);
	hx_push_order(&h, &m);
	hx_run(&h);
	exec_stage_stats(h.st, &st);
	CHECK(st.md_in == 2 && st.decided_seq == 1);
	CHECK(h.last_prog == 2 && st.progress == h.nprog); /* EXEC_PROGRESS(2) for risk */
	/* both orders from event 1 reached the venue at event 2 */
	CHECK(hx_find(&h, 1, EXEC_ACK, 0)->seq == 2 && hx_find(&h, 2, EXEC_ACK, 0)->seq == 2);
	/* EOS on the order ring releases the rest */
	m = hx_ctl(ORDER_EOS, 0, 0, 0);
	hx_push_order(&h, &m);
	e = hx_eos_md();
	hx_push_md(&h, &e);
	CHECK(hx_run(&h) == CORE_EOF);
	exec_stage_stats(h.st, &st);
	CHECK(st.md_in == 3 && h.last_prog == 3);
	hx_fini(&h);
}

static void cancel_all_and_caps(void)
{
	struct hx_cfg cfg = { .sim.max_resting_per_instrument = 3 };
	struct hx h;
	hx_init(&h, &cfg, 256);
	step(&h, hx_book(1, 10, 5, 99000, 100, 100000, 100));
	step(&h, hx_book(2, 10, 6, 49000, 100, 50000, 100));
	uint64_t id = 1;
	for (int i = 0; i < 4; i++) {
		struct order_msg m = hx_new(id++, 5, 'B', 98000, 10, 2, 10);
		hx_push_order(&h, &m);
	}
	struct order_msg m = hx_new(id++, 6, 'S', 51000, 10, 2, 10);
	hx_push_order(&h, &m);
	step(&h, hx_book(3, 20, 5, 99000, 100, 100000, 100));
	/* the 4th on instrument 5 exceeds the cap of 3 */
	const struct exec_report *r = hx_find(&h, 4, EXEC_REJECTED, 0);
	CHECK(r && r->reason == EXEC_REASON_RESTING_CAP);
	struct exec_stats st;
	exec_stage_stats(h.st, &st);
	CHECK(st.open_orders == 4 && st.acks == 4);
	/* cancel-all, then a new order sent after it survives */
	m = hx_ctl(ORDER_CANCEL_ALL, 0, 3, 20);
	hx_push_order(&h, &m);
	struct exec_order_info oi;
	hx_run(&h);
	CHECK(exec_stage_order(h.st, 5, &oi) == 0 && oi.state == EXEC_ST_CANCEL_PENDING);
	m = hx_new(id++, 6, 'S', 52000, 10, 3, 20);
	hx_push_order(&h, &m);
	step(&h, hx_book(4, 30, 6, 49000, 100, 50000, 100));
	exec_stage_stats(h.st, &st);
	CHECK(st.cancels == 4 && st.open_orders == 1);
	unsigned order_ids[4] = { 1, 2, 3, 5 };
	for (unsigned i = 0; i < 4; i++) {
		r = hx_find(&h, order_ids[i], EXEC_CANCELED, 0);
		CHECK(r && r->reason == EXEC_REASON_CANCEL_ALL && r->qty == 10 && r->seq == 4);
	}
	/* cancelled in activation order */
	unsigned k = 0;
	for (unsigned i = 0; i < h.nrep; i++)
		if (h.rep[i].kind == EXEC_CANCELED)
			CHECK(h.rep[i].order_id == order_ids[k++]);
	CHECK(exec_stage_order(h.st, 6, &oi) == 0 && oi.state == EXEC_ST_ACKED);
	hx_fini(&h);
}

/* The operator's flatten order: priced from the last book through the touch,
 * immediate-or-cancel, whatever the stage's own time in force. */
static void flatten(void)
{
	struct hx_cfg cfg = { .exec.flatten_bps = 100 };
	struct hx h;
	hx_init(&h, &cfg, 256);
	step(&h, hx_book(1, 10, 5, 99000, 30, 100000, 60));
	struct order_msg m = hx_new(1, 5, 'S', 0, 50, 1, 10);
	m.flags = ORDER_F_FLATTEN;
	hx_push_order(&h, &m);
	step(&h, hx_book(2, 10, 5, 99000, 30, 100000, 60));
	/* sent at bid - 1% = 98010, IOC: 30 fill at the bid, 20 cancelled */
	const struct persist_rec *sent = NULL;
	for (unsigned i = 0; i < h.nper; i++)
		if (h.per[i].kind == PERSIST_ORDER && h.per[i].u.order.order_id == 1)
			sent = &h.per[i];
	CHECK(sent && sent->u.order.px == 98010 && sent->u.order.tif == EXEC_TIF_IOC);
	const struct exec_report *f = hx_find(&h, 1, EXEC_FILL, 0);
	CHECK(f && f->qty == 30 && f->px == 99000);
	const struct exec_report *c = hx_find(&h, 1, EXEC_CANCELED, 0);
	CHECK(c && c->qty == 20 && c->reason == EXEC_REASON_IOC);
	/* nothing known of the instrument: px stays 0 and the venue rejects it */
	m = hx_new(2, 6, 'B', 0, 10, 2, 10);
	m.flags = ORDER_F_FLATTEN;
	hx_push_order(&h, &m);
	step(&h, hx_book(3, 10, 5, 99000, 30, 100000, 60));
	const struct exec_report *rj = hx_find(&h, 2, EXEC_REJECTED, 0);
	CHECK(rj && rj->reason == EXEC_REASON_INVALID);
	hx_fini(&h);
}

static void ioc_and_halt(void)
{
	struct hx_cfg cfg = { .exec.tif = EXEC_TIF_IOC };
	struct hx h;
	hx_init(&h, &cfg, 256);
	step(&h, hx_book(1, 10, 8, 99000, 100, 100000, 60));
	struct order_msg m = hx_new(1, 8, 'B', 100000, 100, 1, 10);
	hx_push_order(&h, &m);
	step(&h, hx_book(2, 10, 8, 99000, 100, 100000, 60));
	CHECK(hx_find(&h, 1, EXEC_FILL, 0)->qty == 60);
	const struct exec_report *c = hx_find(&h, 1, EXEC_CANCELED, 0);
	CHECK(c && c->qty == 40 && c->reason == EXEC_REASON_IOC && c->cum_qty == 60);
	hx_fini(&h);

	cfg = (struct hx_cfg){ 0 };
	hx_init(&h, &cfg, 256);
	struct md_event e = hx_book(1, 10, 8, 99000, 100, 100000, 60);
	e.flags |= MD_F_HALTED;
	step(&h, e);
	m = hx_new(1, 8, 'B', 100000, 100, 1, 10);
	hx_push_order(&h, &m);
	e.seq = 2;
	step(&h, e);
	CHECK(hx_count(&h, 1, EXEC_ACK) == 1 && hx_count(&h, 1, EXEC_FILL) == 0);
	e.seq = 3;
	step(&h, e);
	CHECK(hx_count(&h, 1, EXEC_FILL) == 0);
	e.seq = 4;
	e.flags = MD_F_BOOK;
	step(&h, e);
	CHECK(hx_count(&h, 1, EXEC_FILL) == 1);
	hx_fini(&h);
}

static void backpressure(void)
{
	/* report ring of 4: a cancel-all of 20 orders must not drop anything */
	struct hx_cfg cfg = { .sim.latency_ns = 0 };
	struct hx h;
	hx_init(&h, &cfg, 4);
	step(&h, hx_book(1, 10, 9, 99000, 100, 100000, 100));
	for (uint64_t id = 1; id <= 20; id++) {
		struct order_msg m = hx_new(id, 9, 'B', 90000, 1, 1, 10);
		hx_push_order(&h, &m);
		hx_run(&h);
	}
	step(&h, hx_book(2, 10, 9, 99000, 100, 100000, 100));
	struct order_msg m = hx_ctl(ORDER_CANCEL_ALL, 0, 2, 10);
	hx_push_order(&h, &m);
	step(&h, hx_book(3, 10, 9, 99000, 100, 100000, 100));
	m = hx_ctl(ORDER_EOS, 0, 3, 10);
	hx_push_order(&h, &m);
	struct md_event e = hx_eos_md();
	hx_push_md(&h, &e);
	CHECK(hx_run(&h) == CORE_EOF);
	struct exec_stats st;
	exec_stage_stats(h.st, &st);
	CHECK(st.out_waits > 0);
	CHECK(h.nrep == 40 && st.reports == 40);
	for (uint64_t id = 1; id <= 20; id++)
		CHECK(hx_count(&h, id, EXEC_ACK) == 1 && hx_count(&h, id, EXEC_CANCELED) == 1);
	/* persist copies: 20 orders + 1 cancel-all + 40 reports + EOS, counters dense */
	CHECK(h.nper == 62);
	for (unsigned i = 0; i < h.nper; i++)
		CHECK(h.per[i].run_seq == i + 1);
	hx_fini(&h);
}

static void table_full_deadlock(void)
{
	/* 2 order slots and a venue latency that needs more watermark: -ENOBUFS */
	struct hx_cfg cfg = { .sim.latency_ns = 1000000,
		              .sim.max_orders = 2,
		              .exec.max_orders = 2 };
	struct hx h;
	hx_init(&h, &cfg, 64);
	struct md_event e = hx_book(1, 10, 9, 99000, 100, 100000, 100);
	hx_push_md(&h, &e);
	e = hx_book(2, 20, 9, 99000, 100, 100000, 100);
	hx_push_md(&h, &e);
	for (uint64_t id = 1; id <= 3; id++) {
		struct order_msg m = hx_new(id, 9, 'B', 90000, 1, 1, 10);
		CHECK(core_ring_push(h.orders, &m) == 0);
	}
	int r = 0;
	for (int i = 0; i < 10 && r >= 0; i++)
		r = hx_poll(&h, NULL);
	CHECK(r == -ENOBUFS);
	hx_fini(&h);
}

int main(void)
{
	CHECK(core_clock_init(1) == 0);
	immediate_and_partial();
	trade_fill();
	latency();
	watermark_gate();
	cancel_all_and_caps();
	ioc_and_halt();
	flatten();
	backpressure();
	table_full_deadlock();
	printf("exec venue: ok\n");
	return 0;
}
