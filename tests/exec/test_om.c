/* Order-manager transitions: the table, and the stage counting illegal ones. */
#undef NDEBUG
#include "harness.h"

static void table(void)
{
	enum exec_order_state s = EXEC_ST_NONE;
	/* legal path: new -> ack -> partial -> partial -> filled */
	CHECK(exec_order_transition(EXEC_ST_PENDING_NEW, EXEC_EV_ACK, &s) == 0 && s == EXEC_ST_ACKED);
	CHECK(exec_order_transition(s, EXEC_EV_PARTIAL_FILL, &s) == 0 &&
	      s == EXEC_ST_PARTIALLY_FILLED);
	CHECK(exec_order_transition(s, EXEC_EV_PARTIAL_FILL, &s) == 0 &&
	      s == EXEC_ST_PARTIALLY_FILLED);
	CHECK(exec_order_transition(s, EXEC_EV_FULL_FILL, &s) == 0 && s == EXEC_ST_FILLED);
	/* cancel path; fills may race the cancel */
	CHECK(exec_order_transition(EXEC_ST_ACKED, EXEC_EV_CANCEL_REQUEST, &s) == 0 &&
	      s == EXEC_ST_CANCEL_PENDING);
	CHECK(exec_order_transition(s, EXEC_EV_PARTIAL_FILL, &s) == 0 &&
	      s == EXEC_ST_CANCEL_PENDING);
	CHECK(exec_order_transition(s, EXEC_EV_CANCELLED, &s) == 0 && s == EXEC_ST_CANCELLED);
	CHECK(exec_order_transition(EXEC_ST_CANCEL_PENDING, EXEC_EV_FULL_FILL, &s) == 0 &&
	      s == EXEC_ST_FILLED);
	CHECK(exec_order_transition(EXEC_ST_PENDING_NEW, EXEC_EV_CANCEL_REQUEST, &s) == 0 &&
	      s == EXEC_ST_CANCEL_PENDING);
	CHECK(exec_order_transition(s, EXEC_EV_ACK, &s) == 0 && s == EXEC_ST_CANCEL_PENDING);
	CHECK(exec_order_transition(EXEC_ST_PENDING_NEW, EXEC_EV_REJECT, &s) == 0 &&
	      s == EXEC_ST_REJECTED);

	/* illegal: *ret untouched */
	s = EXEC_ST_ACKED;
	CHECK(exec_order_transition(EXEC_ST_PENDING_NEW, EXEC_EV_PARTIAL_FILL, &s) == -EINVAL);
	CHECK(exec_order_transition(EXEC_ST_PENDING_NEW, EXEC_EV_FULL_FILL, &s) == -EINVAL);
	CHECK(exec_order_transition(EXEC_ST_ACKED, EXEC_EV_ACK, &s) == -EINVAL);
	CHECK(exec_order_transition(EXEC_ST_ACKED, EXEC_EV_REJECT, &s) == -EINVAL);
	CHECK(exec_order_transition(EXEC_ST_CANCEL_PENDING, EXEC_EV_CANCEL_REQUEST, &s) == -EINVAL);
	CHECK(exec_order_transition((enum exec_order_state)99, EXEC_EV_ACK, &s) == -EINVAL);
	CHECK(exec_order_transition(EXEC_ST_ACKED, (enum exec_order_event)0, &s) == -EINVAL);
	CHECK(exec_order_transition(EXEC_ST_NONE, EXEC_EV_ACK, &s) == -EINVAL);
	for (int ev = EXEC_EV_ACK; ev <= EXEC_EV_REJECT; ev++) {
		CHECK(exec_order_transition(EXEC_ST_FILLED, ev, &s) == -EINVAL);
		CHECK(exec_order_transition(EXEC_ST_CANCELLED, ev, &s) == -EINVAL);
		CHECK(exec_order_transition(EXEC_ST_REJECTED, ev, &s) == -EINVAL);
	}
	CHECK(s == EXEC_ST_ACKED);
	CHECK(strcmp(exec_order_state_name(EXEC_ST_CANCEL_PENDING), "CANCEL_PENDING") == 0);
	CHECK(strcmp(exec_order_state_name((enum exec_order_state)42), "?") == 0);
}

static void stage(void)
{
	struct hx_cfg cfg = { .sim.latency_ns = 1000 };
	struct hx h;
	hx_init(&h, &cfg, 64);
	struct exec_order_info oi;
	struct exec_stats st;

	/* order 1 away from the market; then a cancel, then a duplicate cancel */
	struct order_msg m = hx_new(1, 7, 'B', 90000, 100, 1, 1000);
	hx_push_order(&h, &m);
	hx_run(&h);
	CHECK(exec_stage_order(h.st, 1, &oi) == 0);
	CHECK(oi.state == EXEC_ST_PENDING_NEW && !oi.at_venue && oi.leaves_qty == 100);

	struct md_event e = hx_book(1, 1000, 7, 99000, 500, 101000, 500);
	hx_push_md(&h, &e);
	e = hx_book(2, 2000, 7, 99000, 500, 101000, 500);
	hx_push_md(&h, &e);
	m = hx_ctl(ORDER_WATERMARK, 0, 2, 2000);
	hx_push_order(&h, &m);
	hx_run(&h);
	CHECK(exec_stage_order(h.st, 1, &oi) == 0);
	CHECK(oi.state == EXEC_ST_ACKED && oi.at_venue);
	CHECK(h.nrep == 1 && h.rep[0].kind == EXEC_ACK && h.rep[0].seq == 2);

	m = hx_ctl(ORDER_CANCEL, 1, 2, 2000);
	hx_push_order(&h, &m);
	hx_push_order(&h, &m); /* duplicate cancel: illegal from CANCEL_PENDING */
	m = hx_ctl(ORDER_CANCEL, 77, 2, 2000); /* unknown order */
	hx_push_order(&h, &m);
	hx_run(&h);
	CHECK(exec_stage_order(h.st, 1, &oi) == 0 && oi.state == EXEC_ST_CANCEL_PENDING);
	exec_stage_stats(h.st, &st);
	CHECK(st.illegal == 1);
	CHECK(st.cancel_unknown == 1); /* id 77 was never sent: dropped here */
	CHECK(st.cancels_sent == 2);   /* the duplicate still goes to the venue */

	/* the cancel reaches the venue at the first event >= 2000 + latency */
	e = hx_book(3, 2500, 7, 99000, 500, 101000, 500);
	hx_push_md(&h, &e);
	m = hx_ctl(ORDER_WATERMARK, 0, 3, 2500);
	hx_push_order(&h, &m);
	hx_run(&h);
	CHECK(hx_count(&h, 1, EXEC_CANCELED) == 0);
	e = hx_book(4, 3000, 7, 99000, 500, 101000, 500);
	hx_push_md(&h, &e);
	m = hx_ctl(ORDER_WATERMARK, 0, 4, 3000);
	hx_push_order(&h, &m);
	hx_run(&h);
	const struct exec_report *c = hx_find(&h, 1, EXEC_CANCELED, 0);
	CHECK(c && c->qty == 100 && c->leaves_qty == 0 && c->seq == 4 &&
	      c->reason == EXEC_REASON_USER_CANCEL);
	CHECK(exec_stage_order(h.st, 1, &oi) == -ENOENT); /* terminal: slot freed */

	CHECK(hx_count(&h, 1, EXEC_CANCELED) == 1);
	exec_stage_stats(h.st, &st);
	CHECK(st.cancel_unknown == 2); /* the duplicate found nothing open at the venue */

	/* cancel after the order is gone: sent (exec cannot know), too late at the venue */
	unsigned before = h.nrep;
	m = hx_ctl(ORDER_CANCEL, 1, 4, 3000);
	hx_push_order(&h, &m);
	hx_run(&h);

	/* unknown order kind: consumed, counted, no crash */
	m = hx_ctl(9, 0, 4, 3000);
	hx_push_order(&h, &m);
	hx_run(&h);
	exec_stage_stats(h.st, &st);
	CHECK(st.illegal == 2);

	/* ids must increase: 1 again is rejected at the venue as a duplicate */
	m = hx_new(1, 7, 'B', 90000, 10, 4, 3000);
	hx_push_order(&h, &m);
	m = hx_new(2, 7, 'B', 0, 10, 4, 3000); /* px 0: invalid */
	hx_push_order(&h, &m);
	m = hx_new(3, 7, 'X', 90000, 10, 4, 3000); /* bad side */
	hx_push_order(&h, &m);
	e = hx_book(5, 5000, 7, 99000, 500, 101000, 500);
	hx_push_md(&h, &e);
	m = hx_ctl(ORDER_EOS, 0, 5, 5000);
	hx_push_order(&h, &m);
	e = hx_eos_md();
	hx_push_md(&h, &e);
	CHECK(hx_run(&h) == CORE_EOF);
	CHECK(hx_poll(&h, NULL) == CORE_EOF);
	CHECK(hx_count(&h, 1, EXEC_CANCELED) == 1);
	exec_stage_stats(h.st, &st);
	CHECK(st.cancel_unknown == 3 && st.cancels_sent == 3);
	(void)before;
	const struct exec_report *rj = hx_find(&h, 1, EXEC_REJECTED, 0);
	CHECK(rj && rj->reason == EXEC_REASON_DUPLICATE);
	rj = hx_find(&h, 2, EXEC_REJECTED, 0);
	CHECK(rj && rj->reason == EXEC_REASON_INVALID);
	rj = hx_find(&h, 3, EXEC_REJECTED, 0);
	CHECK(rj && rj->reason == EXEC_REASON_INVALID);
	exec_stage_stats(h.st, &st);
	CHECK(st.rejects == 3 && st.eof && st.open_orders == 0 && st.inflight == 0);
	CHECK(h.nper > 0 && h.per[h.nper - 1].kind == PERSIST_EOS);
	hx_fini(&h);
}

static void create_errors(void)
{
	char err[128] = "";
	struct exec_stage *s = NULL;
	struct exec_config cfg = { 0 };
	CHECK(exec_stage_create(&cfg, &s, err, sizeof(err)) == -EINVAL && s == NULL);
	CHECK(strstr(err, "orders_in"));
	struct core_ring *wrong = core_ring_create("w", 8, 64);
	struct core_ring *md = core_ring_create("m", 8, sizeof(struct md_event));
	cfg.orders_in = wrong;
	cfg.md_in = md;
	cfg.reports_out = wrong;
	cfg.persist_out = md; /* 64-byte slots: not a persist_rec ring */
	CHECK(exec_stage_create(&cfg, &s, err, sizeof(err)) == -EINVAL);
	CHECK(strstr(err, "persist_out"));
	cfg.persist_out = NULL;
	CHECK(exec_stage_create(&cfg, &s, err, sizeof(err)) == -EINVAL);
	CHECK(strstr(err, "venue"));
	struct exec_sim_config sc = { 0 };
	struct exec_sim *sim = NULL;
	CHECK(exec_sim_create(&sc, &sim, err, sizeof(err)) == 0 && sim);
	cfg.venue = exec_sim_venue(sim);
	cfg.md_in = NULL; /* the simulated venue acts on market data */
	CHECK(exec_stage_create(&cfg, &s, err, sizeof(err)) == -EINVAL);
	CHECK(strstr(err, "md_in"));
	cfg.md_in = md;
	sc.max_orders = (1u << 22) + 1;
	struct exec_sim *big = NULL;
	CHECK(exec_sim_create(&sc, &big, err, sizeof(err)) == -EINVAL && !big);
	CHECK(strstr(err, "max_orders"));
	struct position init[2] = { { .qty = 5, .locate = 3 }, { .qty = 6, .locate = 3 } };
	cfg.initial = init;
	cfg.ninitial = 2;
	CHECK(exec_stage_create(&cfg, &s, err, sizeof(err)) == -EINVAL);
	CHECK(strstr(err, "initial[1]"));
	cfg.ninitial = 1;
	CHECK(exec_stage_create(&cfg, &s, err, sizeof(err)) == 0 && s);
	struct position p;
	exec_stage_position(s, 3, &p);
	CHECK(p.qty == 5 && p.locate == 3);
	s = exec_stage_destroy(s);
	CHECK(exec_stage_destroy(NULL) == NULL);
	sim = exec_sim_destroy(sim);
	CHECK(exec_sim_destroy(NULL) == NULL);
	core_ring_destroy(wrong);
	core_ring_destroy(md);
}

int main(void)
{
	CHECK(core_clock_init(1) == 0);
	table();
	stage();
	create_errors();
	printf("exec om: ok\n");
	return 0;
}
