/* test_risk.c - the risk stage through real rings: every reject reason and its
 * count, the kill switch (one CANCEL_ALL per transition, rejects while set,
 * resume), risk modes, open-order exposure, execution reports, watermarks, EOS,
 * a full order ring, and the open-order table under churn. */
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "risk_rig.h"

static void test_reasons(void)
{
	struct rig g;
	rig_init(&g, 64, 0, NULL, 0);
	struct order_intent it;

	/* approve: ids start at first_order_id and count up */
	it = intent(&g, 1, 'B', ASK, 100);
	assert(expect_approve(&g, &it) == 1000);
	pos_is(&g, 1, 0, 100, 0);

	it = intent(&g, 1, 'B', ASK, 100);
	it.flags |= MD_F_STALE;
	expect_reject(&g, &it, RISK_R_STALE);
	it = intent(&g, 1, 'B', ASK, 100);
	it.flags |= MD_F_CROSSED;
	expect_reject(&g, &it, RISK_R_CROSSED);
	it = intent(&g, 1, 'B', ASK, 100);
	it.bid_px = ASK; /* crossed book without the flag */
	expect_reject(&g, &it, RISK_R_CROSSED);
	it = intent(&g, 1, 'B', ASK, 100);
	it.flags |= MD_F_HALTED;
	expect_reject(&g, &it, RISK_R_HALTED);
	it = intent(&g, 1, 'X', ASK, 100);
	expect_reject(&g, &it, RISK_R_BAD_ORDER);
	it = intent(&g, 1, 'B', ASK, 0);
	expect_reject(&g, &it, RISK_R_BAD_ORDER);
	it = intent(&g, 1, 'B', 0, 10);
	expect_reject(&g, &it, RISK_R_BAD_ORDER);
	it = intent(&g, 1, 'B', ASK, 601);
	expect_reject(&g, &it, RISK_R_MAX_QTY);
	it = intent(&g, 1, 'B', ASK, 600);
	assert(expect_approve(&g, &it) == 1001);
	pos_is(&g, 1, 0, 700, 0);
	/* position limit counts open buys: 0 + 700 + 301 > 1000 */
	it = intent(&g, 1, 'B', ASK, 301);
	expect_reject(&g, &it, RISK_R_POSITION);
	it = intent(&g, 1, 'B', ASK, 300);
	assert(expect_approve(&g, &it) == 1002);
	pos_is(&g, 1, 0, 1000, 0);
	/* a sell at or below our open buys' price would trade with ourselves */
	it = intent(&g, 1, 'S', ASK, 10);
	expect_reject(&g, &it, RISK_R_SELF_TRADE);
	/* sells are limited by open sells, not by open buys (priced above them) */
	it = intent(&g, 1, 'S', ASK + 100, 600);
	assert(expect_approve(&g, &it) == 1003);
	it = intent(&g, 1, 'S', ASK + 100, 401);
	expect_reject(&g, &it, RISK_R_POSITION);
	/* and a buy at our open sells' price would too */
	it = intent(&g, 1, 'B', ASK + 100, 10);
	expect_reject(&g, &it, RISK_R_SELF_TRADE);
	it = intent(&g, 1, 'S', ASK + 100, 400);
	assert(expect_approve(&g, &it) == 1004);
	pos_is(&g, 1, 0, 1000, 1000);
	/* a cancel releases exposure */
	report(&g, EXEC_CANCELED, 1000, 1, 'B', 100);
	pos_is(&g, 1, 0, 900, 1000);
	it = intent(&g, 1, 'B', ASK, 100);
	assert(expect_approve(&g, &it) == 1005);

	/* no market / collar on instrument 2 */
	it = intent(&g, 2, 'B', ASK, 10);
	it.ask_px = 0;
	expect_reject(&g, &it, RISK_R_NO_MARKET);
	it = intent(&g, 2, 'S', BID, 10);
	it.bid_px = 0;
	expect_reject(&g, &it, RISK_R_NO_MARKET);
	/* mid 1000100, collar 50 bps = 5000.5 */
	it = intent(&g, 2, 'B', 1000100 + 5000, 10);
	expect_approve(&g, &it);
	it = intent(&g, 2, 'B', 1000100 + 5001, 10);
	expect_reject(&g, &it, RISK_R_COLLAR);
	it = intent(&g, 4, 'S', 1000100 - 5001, 10); /* instrument 4: no buy of ours to cross */
	expect_reject(&g, &it, RISK_R_COLLAR);
	it = intent(&g, 4, 'S', 1000100 - 5000, 10);
	expect_approve(&g, &it);

	/* modes */
	assert(risk_control_set_mode(&g.ctl, (enum risk_mode)7) == -EINVAL);
	assert(risk_control_set_mode(&g.ctl, RISK_MODE_HALTED) == 0);
	assert(risk_control_mode(&g.ctl) == RISK_MODE_HALTED);
	it = intent(&g, 3, 'B', ASK, 10);
	expect_reject(&g, &it, RISK_R_HALTED_MODE);
	assert(risk_control_set_mode(&g.ctl, RISK_MODE_ACTIVE) == 0);
	expect_approve(&g, &it);

	struct risk_stats st;
	risk_stage_stats(g.s, &st);
	assert(st.approved == 9 && st.rejected == 17 && st.intents == 26);
	assert(st.next_order_id == 1009);
	assert(strcmp(risk_reason_name(RISK_R_COLLAR), "collar") == 0);
	assert(strcmp(risk_reason_name(RISK_R_COUNT), "?") == 0);
	for (unsigned r = 0; r < RISK_R_COUNT; r++)
		assert(strcmp(risk_reason_name(r), "?") != 0);
	rig_fini(&g);
}

static void test_reducing_and_initial(void)
{
	struct position init[2] = { { .qty = 300, .locate = 5 }, { .qty = -50, .locate = 6 } };
	struct rig g;
	rig_init(&g, 64, 0, init, 2);
	pos_is(&g, 5, 300, 0, 0);
	pos_is(&g, 6, -50, 0, 0);
	assert(risk_control_set_mode(&g.ctl, RISK_MODE_REDUCING) == 0);
	struct order_intent it = intent(&g, 5, 'S', BID, 200);
	expect_approve(&g, &it);
	it = intent(&g, 5, 'S', BID, 200); /* 300 - 200 open - 200 < 0: would flip */
	expect_reject(&g, &it, RISK_R_REDUCING);
	it = intent(&g, 5, 'S', BID, 100);
	expect_approve(&g, &it);
	it = intent(&g, 5, 'B', ASK, 10); /* adds to a long */
	expect_reject(&g, &it, RISK_R_REDUCING);
	it = intent(&g, 6, 'B', ASK, 50);
	expect_approve(&g, &it);
	it = intent(&g, 7, 'B', ASK, 1); /* flat: nothing reduces */
	expect_reject(&g, &it, RISK_R_REDUCING);
	rig_fini(&g);

	/* bad configurations */
	struct risk_stage *s = NULL;
	struct risk_control ctl;
	risk_control_init(&ctl);
	struct core_ring *in = core_ring_create("i", 8, sizeof(struct order_intent));
	struct core_ring *out = core_ring_create("o", 8, sizeof(struct order_msg));
	struct risk_stage_cfg cfg = { .intents_in = in, .orders_out = out, .ctl = &ctl,
				      .limits = { .max_order_qty = 1, .max_position = 1 } };
	char err[256] = "";
	struct position dup[2] = { { .locate = 3 }, { .locate = 3 } };
	cfg.initial = dup;
	cfg.ninitial = 2;
	assert(risk_stage_create(&cfg, &s, err, sizeof(err)) == -EINVAL && !s && strstr(err, "repeated"));
	cfg.ninitial = 0;
	cfg.limits.max_position = 0;
	assert(risk_stage_create(&cfg, &s, err, sizeof(err)) == -EINVAL && strstr(err, "max_position"));
	cfg.limits.max_position = 1;
	cfg.limits.max_order_qty = 0;
	assert(risk_stage_create(&cfg, &s, err, sizeof(err)) == -EINVAL && strstr(err, "max_order_qty"));
	cfg.limits.max_order_qty = 1;
	struct core_ring *wide = core_ring_create("w", 8, 128);
	cfg.orders_out = wide;
	assert(risk_stage_create(&cfg, &s, err, sizeof(err)) == -EINVAL && strstr(err, "order_msg"));
	core_ring_destroy(wide);
	cfg.orders_out = out;
	cfg.ctl = NULL;
	assert(risk_stage_create(&cfg, &s, err, sizeof(err)) == -EINVAL);
	cfg.ctl = &ctl;
	assert(risk_stage_create(&cfg, &s, err, sizeof(err)) == 0 && s);
	assert(risk_stage_destroy(s) == NULL && risk_stage_destroy(NULL) == NULL);
	core_ring_destroy(in);
	core_ring_destroy(out);
}

static void test_kill(void)
{
	struct rig g;
	rig_init(&g, 4, 0, NULL, 0);
	struct order_intent it = intent(&g, 1, 'B', ASK, 10);
	uint64_t id = expect_approve(&g, &it);
	(void)id;
	assert(!risk_control_is_killed(&g.ctl));
	risk_control_kill(&g.ctl);
	assert(risk_control_is_killed(&g.ctl));
	/* an idle poll already sends the CANCEL_ALL, exactly once */
	assert(poll_work(risk_stage_poll, g.s) == 0);
	struct order_msg m;
	assert(core_ring_pop(g.out, &m) == 0 && m.kind == ORDER_CANCEL_ALL && m.seq == it.seq);
	for (int i = 0; i < 5; i++)
		assert(poll_work(risk_stage_poll, g.s) == 0);
	assert(core_ring_pop(g.out, &m) == CORE_RING_EMPTY);
	/* while killed: rejected KILLED, with a watermark; no further CANCEL_ALL */
	it = intent(&g, 1, 'B', ASK, 10);
	expect_reject(&g, &it, RISK_R_KILLED);
	it = intent(&g, 2, 'S', BID, 10);
	expect_reject(&g, &it, RISK_R_KILLED);
	/* resume: approved again */
	risk_control_resume(&g.ctl);
	it = intent(&g, 1, 'B', ASK, 10);
	expect_approve(&g, &it);
	struct risk_stats st;
	risk_stage_stats(g.s, &st);
	assert(st.kill_transitions == 1 && st.resumes == 1 && st.cancel_alls == 1);

	/* a kill with the order ring full: CANCEL_ALL waits, intents stay queued */
	for (int i = 0; i < 4; i++) {
		it = intent(&g, 9, 'B', ASK, 1);
		assert(core_ring_push(g.in, &it) == 0);
	}
	assert(poll_work(risk_stage_poll, g.s) == 4); /* fills the 4-slot ring */
	risk_control_kill(&g.ctl);
	it = intent(&g, 9, 'B', ASK, 1);
	assert(core_ring_push(g.in, &it) == 0);
	assert(poll_work(risk_stage_poll, g.s) == 0);
	assert(poll_work(risk_stage_poll, g.s) == 0);
	risk_stage_stats(g.s, &st);
	assert(st.out_full >= 2 && st.cancel_alls == 1 && st.kill_transitions == 2);
	for (int i = 0; i < 4; i++) {
		assert(core_ring_pop(g.out, &m) == 0 && m.kind == ORDER_NEW);
	}
	assert(poll_work(risk_stage_poll, g.s) == 1);
	assert(core_ring_pop(g.out, &m) == 0 && m.kind == ORDER_CANCEL_ALL);
	assert(core_ring_pop(g.out, &m) == 0 && m.kind == ORDER_WATERMARK && m.seq == it.seq);
	assert(core_ring_pop(g.out, &m) == CORE_RING_EMPTY);
	risk_stage_stats(g.s, &st);
	assert(st.cancel_alls == 2 && st.rejects[RISK_R_KILLED] == 3);
	/* a kill observed between two intents of one burst: the CANCEL_ALL comes between */
	risk_control_resume(&g.ctl);
	assert(poll_work(risk_stage_poll, g.s) == 0);
	rig_fini(&g);
}

/* A venue on a socket: nothing new before the session is up, nothing while it
 * is down or recovering; the kill switch's cancel-all goes through anyway. */
static void test_session(void)
{
	struct rig g;
	rig_init(&g, 64, 0, NULL, 0);
	risk_stage_destroy(g.s);
	struct risk_stage_cfg cfg = {
		.intents_in = g.in,
		.reports_in = g.rep,
		.orders_out = g.out,
		.limits = { .max_order_qty = 600, .max_position = 1000, .collar_bps = 50 },
		.ctl = &g.ctl,
		.first_order_id = 1000,
		.wait_for_session = true,
	};
	assert(risk_stage_create(&cfg, &g.s, NULL, 0) == 0);
	struct risk_stats st;
	risk_stage_stats(g.s, &st);
	assert(!st.session_up);
	struct order_intent it = intent(&g, 1, 'B', ASK, 10);
	expect_reject(&g, &it, RISK_R_SESSION);
	/* the session comes up: orders go */
	struct exec_report sr = { .kind = EXEC_SESSION, .reason = EXEC_SESSION_UP };
	assert(core_ring_push(g.rep, &sr) == 0);
	it = intent(&g, 1, 'B', ASK, 10);
	expect_approve(&g, &it);
	/* down, then recovering: refused both times, and the checks before it still
	 * come first (a killed engine says killed) */
	sr.reason = EXEC_SESSION_DOWN;
	assert(core_ring_push(g.rep, &sr) == 0);
	it = intent(&g, 1, 'B', ASK, 10);
	expect_reject(&g, &it, RISK_R_SESSION);
	sr.reason = EXEC_SESSION_CONNECTING;
	assert(core_ring_push(g.rep, &sr) == 0);
	it = intent(&g, 1, 'S', BID, 10);
	expect_reject(&g, &it, RISK_R_SESSION);
	risk_control_kill(&g.ctl);
	assert(poll_work(risk_stage_poll, g.s) == 0);
	struct order_msg m;
	assert(core_ring_pop(g.out, &m) == 0 && m.kind == ORDER_CANCEL_ALL);
	it = intent(&g, 1, 'B', ASK, 10);
	expect_reject(&g, &it, RISK_R_KILLED);
	risk_control_resume(&g.ctl);
	sr.reason = EXEC_SESSION_UP;
	assert(core_ring_push(g.rep, &sr) == 0);
	it = intent(&g, 1, 'B', ASK, 10);
	expect_approve(&g, &it);
	risk_stage_stats(g.s, &st);
	assert(st.session_up && st.session_changes == 4 && st.rejects[RISK_R_SESSION] == 3);
	assert(strcmp(risk_reason_name(RISK_R_SESSION), "session") == 0);
	rig_fini(&g);
}

/* kill --flatten: after the CANCEL_ALL, one closing order per instrument with
 * a position, killed or not, resumable across a full order ring. */
static void test_flatten(void)
{
	struct position init[1] = { { .qty = -300, .locate = 9 } };
	struct rig g;
	rig_init(&g, 2, 0, init, 1);
	/* long 40 on locate 1 (two fills), flat on 2, short 300 on 9 (restored) */
	struct order_intent it = intent(&g, 1, 'B', ASK, 40);
	uint64_t id1 = expect_approve(&g, &it);
	report(&g, EXEC_FILL, id1, 1, 'B', 25);
	report(&g, EXEC_FILL, id1, 1, 'B', 15);
	it = intent(&g, 2, 'B', ASK, 10);
	uint64_t id2 = expect_approve(&g, &it);
	report(&g, EXEC_CANCELED, id2, 2, 'B', 10);
	pos_is(&g, 1, 40, 0, 0);
	pos_is(&g, 2, 0, 0, 0);
	risk_control_kill(&g.ctl);
	risk_control_flatten(&g.ctl);
	/* a 2-slot order ring: CANCEL_ALL and one flatten order, then the other */
	assert(poll_work(risk_stage_poll, g.s) == 0);
	struct order_msg m[3];
	assert(core_ring_pop(g.out, &m[0]) == 0 && m[0].kind == ORDER_CANCEL_ALL);
	assert(core_ring_pop(g.out, &m[1]) == 0 && core_ring_pop(g.out, &m[2]) != 0);
	assert(poll_work(risk_stage_poll, g.s) == 0);
	assert(core_ring_pop(g.out, &m[2]) == 0);
	/* in the order the instruments were first touched: 9 (restored), then 1 */
	assert(m[1].kind == ORDER_NEW && (m[1].flags & ORDER_F_FLATTEN) && m[1].px == 0);
	assert(m[1].locate == 9 && m[1].side == 'B' && m[1].qty == 300 && m[1].order_id == id2 + 1);
	assert(m[2].locate == 1 && m[2].side == 'S' && m[2].qty == 40 && m[2].order_id == id2 + 2);
	assert(m[2].flags & ORDER_F_FLATTEN);
	/* their qty is open exposure, released by their reports like any order's */
	pos_is(&g, 9, -300, 300, 0);
	pos_is(&g, 1, 40, 0, 40);
	report(&g, EXEC_FILL, m[2].order_id, 1, 'S', 40);
	report(&g, EXEC_FILL, m[1].order_id, 9, 'B', 100);
	report(&g, EXEC_CANCELED, m[1].order_id, 9, 'B', 200); /* IOC rest */
	pos_is(&g, 1, 0, 0, 0);
	pos_is(&g, 9, -200, 0, 0);
	/* still killed: intents refused; a second request closes what is left */
	it = intent(&g, 1, 'B', ASK, 10);
	expect_reject(&g, &it, RISK_R_KILLED);
	risk_control_flatten(&g.ctl);
	assert(poll_work(risk_stage_poll, g.s) == 0);
	assert(core_ring_pop(g.out, &m[0]) == 0 && m[0].locate == 9 && m[0].qty == 200 &&
	       m[0].side == 'B' && (m[0].flags & ORDER_F_FLATTEN));
	assert(core_ring_pop(g.out, &m[1]) != 0);
	struct risk_stats st;
	risk_stage_stats(g.s, &st);
	assert(st.flattens == 2 && st.flatten_orders == 3 && st.cancel_alls == 1);
	rig_fini(&g);
}

static void test_reports(void)
{
	struct rig g;
	rig_init(&g, 64, 2, NULL, 0);
	struct order_intent it = intent(&g, 4, 'B', BID, 100);
	uint64_t b = expect_approve(&g, &it);
	it = intent(&g, 4, 'S', ASK, 50);
	uint64_t s = expect_approve(&g, &it);
	/* table full (max_open_orders 2) */
	it = intent(&g, 4, 'S', ASK, 5);
	expect_reject(&g, &it, RISK_R_OPEN_ORDERS);
	report(&g, EXEC_ACK, b, 4, 'B', 100);
	pos_is(&g, 4, 0, 100, 50);
	report(&g, EXEC_FILL, b, 4, 'B', 40);
	pos_is(&g, 4, 40, 60, 50);
	report(&g, EXEC_FILL, b, 4, 'B', 60);
	pos_is(&g, 4, 100, 0, 50);
	struct risk_stats st;
	risk_stage_stats(g.s, &st);
	assert(st.open_orders == 1 && st.fills == 2);
	report(&g, EXEC_FILL, s, 4, 'S', 20);
	pos_is(&g, 4, 80, 0, 30);
	report(&g, EXEC_REJECTED, s, 4, 'S', 30);
	pos_is(&g, 4, 80, 0, 0);
	risk_stage_stats(g.s, &st);
	assert(st.open_orders == 0 && st.unknown_reports == 0);
	/* a fill for an order placed before a restart still moves the position */
	report(&g, EXEC_FILL, 424242, 4, 'S', 30);
	pos_is(&g, 4, 50, 0, 0);
	report(&g, EXEC_CANCELED, b, 4, 'B', 0); /* already closed: unknown, no change */
	pos_is(&g, 4, 50, 0, 0);
	risk_stage_stats(g.s, &st);
	assert(st.unknown_reports == 2 && st.reports == 7);
	it = intent(&g, 4, 'S', ASK, 5);
	expect_approve(&g, &it);
	rig_fini(&g);
}

static void test_watermarks_eos_backpressure(void)
{
	struct rig g;
	rig_init(&g, 4, 0, NULL, 0);
	/* 20 approvable intents, a rejected one, a watermark, then EOS; drained 1 per poll */
	enum { N = 24 };
	struct order_intent in[N];
	for (int i = 0; i < 20; i++)
		in[i] = intent(&g, 1, (i & 1) ? 'S' : 'B', (i & 1) ? ASK : BID, 10);
	in[20] = intent(&g, 1, 'B', ASK, 10000); /* max qty */
	in[21] = intent(&g, 1, 'B', ASK, 10);
	in[21].kind = INTENT_WATERMARK;
	in[22] = intent(&g, 1, 'B', ASK, 10);
	in[22].flags |= MD_F_STALE;
	in[23] = intent(&g, 0, 0, 0, 0);
	in[23].kind = INTENT_EOS;
	for (int i = 0; i < N; i++)
		assert(core_ring_push(g.in, &in[i]) == 0);
	struct order_msg out[64];
	unsigned n = 0;
	int polls = 0;
	/* until ORDER_EOS is out; without exec's EXEC_EOS the stage goes on */
	while (n == 0 || out[n - 1].kind != ORDER_EOS) {
		assert(poll_once(risk_stage_poll, g.s, NULL) == 0);
		if (core_ring_pop(g.out, &out[n]) == 0)
			n++;
		assert(++polls < 1000);
	}
	while (core_ring_pop(g.out, &out[n]) == 0)
		n++;
	/* 20 orders with consecutive ids, then the watermarks, then EOS: nothing lost */
	for (int i = 0; i < 20; i++) {
		assert(out[i].kind == ORDER_NEW && out[i].seq == in[i].seq);
		assert(out[i].order_id == 1000 + (uint64_t)i);
	}
	unsigned k = 20;
	/* the max-qty reject may or may not be the last of its poll; if it was, its watermark */
	if (out[k].kind == ORDER_WATERMARK && out[k].seq == in[20].seq)
		k++;
	assert(out[k].kind == ORDER_WATERMARK && out[k].seq == in[21].seq &&
	       out[k].ts_ns == in[21].ts_ns && out[k].t0_ns == in[21].t0_ns);
	k++;
	if (out[k].kind == ORDER_WATERMARK && out[k].seq == in[22].seq)
		k++;
	assert(out[k].kind == ORDER_EOS && out[k].seq == in[23].seq);
	assert(k + 1 == n);
	struct risk_stats st;
	risk_stage_stats(g.s, &st);
	assert(st.out_full > 0 && st.approved == 20);
	/* reports are still drained after ORDER_EOS, and EXEC_EOS ends the stream */
	struct exec_report rep = { .kind = EXEC_FILL, .order_id = 1000, .qty = 10, .locate = 1,
				   .side = 'B' };
	assert(core_ring_push(g.rep, &rep) == 0);
	struct exec_report xeos = { .kind = EXEC_EOS };
	assert(core_ring_push(g.rep, &xeos) == 0);
	assert(poll_once(risk_stage_poll, g.s, NULL) == CORE_EOF);
	assert(core_ring_readable(g.rep, 1) == 0);
	pos_is(&g, 1, 10, 90, 100);
	rig_fini(&g);
}

/* After ORDER_EOS the stage keeps draining reports until exec's last one, EXEC_EOS. */
static void test_exec_eos(void)
{
	struct rig g;
	rig_init(&g, 64, 0, NULL, 0);
	struct order_intent it = intent(&g, 1, 'B', ASK, 10);
	uint64_t id = expect_approve(&g, &it);
	struct order_intent eos = intent(&g, 0, 0, 0, 0);
	eos.kind = INTENT_EOS;
	assert(core_ring_push(g.in, &eos) == 0);
	uint32_t w;
	assert(poll_once(risk_stage_poll, g.s, &w) == 0 &&
	       w == 1); /* EOS forwarded, not finished */
	struct order_msg m;
	assert(core_ring_pop(g.out, &m) == 0 && m.kind == ORDER_EOS);
	assert(poll_work(risk_stage_poll, g.s) == 0);
	struct exec_report rep = { .kind = EXEC_FILL, .order_id = id, .qty = 10, .locate = 1,
				   .side = 'B' };
	assert(core_ring_push(g.rep, &rep) == 0);
	assert(poll_work(risk_stage_poll, g.s) == 1);
	pos_is(&g, 1, 10, 0, 0);
	/* exec's last report and its EXEC_EOS in one poll: both drained, then finished */
	rep.kind = EXEC_ACK;
	assert(core_ring_push(g.rep, &rep) == 0);
	struct exec_report xeos = { .kind = EXEC_EOS };
	assert(core_ring_push(g.rep, &xeos) == 0);
	assert(poll_once(risk_stage_poll, g.s, &w) == CORE_EOF && w == 2);
	assert(core_ring_readable(g.rep, 1) == 0);
	assert(poll_once(risk_stage_poll, g.s, &w) == CORE_EOF && w == 0);
	/* nothing behind EXEC_EOS is read */
	rep.kind = EXEC_FILL;
	assert(core_ring_push(g.rep, &rep) == 0);
	assert(poll_once(risk_stage_poll, g.s, NULL) == CORE_EOF);
	assert(core_ring_readable(g.rep, 1) == 1);
	pos_is(&g, 1, 10, 0, 0);
	struct risk_stats st;
	risk_stage_stats(g.s, &st);
	assert(st.reports == 2); /* EXEC_EOS is not a report */
	rig_fini(&g);
}

/* Churn through the open-order table against a reference, with tiny capacity. */
static void test_table_churn(void)
{
	struct rig g;
	rig_init(&g, 256, 48, NULL, 0);
	enum { MAXO = 4096 };
	static struct {
		uint64_t id;
		uint8_t side;
		int64_t rem;
		uint16_t loc;
	} ref[MAXO];
	unsigned nref = 0;
	int64_t pos[8] = { 0 }, ob[8] = { 0 }, os[8] = { 0 };
	uint64_t rng = 3;
	for (int step = 0; step < 20000; step++) {
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		unsigned op = (unsigned)(rng >> 60);
		if (op < 7 || nref == 0) {
			uint16_t loc = (uint16_t)((rng >> 20) % 8);
			uint8_t side = (rng >> 30) & 1 ? 'B' : 'S';
			uint32_t qty = 1 + (uint32_t)((rng >> 35) % 200);
			struct order_intent it = intent(&g, loc, side, side == 'B' ? BID : ASK, qty);
			bool ok;
			struct order_msg m = send1(&g, &it, &ok);
			int64_t expo = side == 'B' ? pos[loc] + ob[loc] + qty : pos[loc] - os[loc] - qty;
			bool room = nref < 48;
			bool lim = side == 'B' ? expo <= 1000 : expo >= -1000;
			assert(ok == (room && lim));
			if (ok) {
				assert(nref < MAXO);
				ref[nref].id = m.order_id;
				ref[nref].side = side;
				ref[nref].rem = qty;
				ref[nref].loc = loc;
				nref++;
				(side == 'B' ? ob : os)[loc] += qty;
			}
		} else {
			unsigned i = (unsigned)((rng >> 8) % nref);
			int64_t q = op < 12 ? 1 + (int64_t)((rng >> 40) % (uint64_t)ref[i].rem) : 0;
			uint16_t loc = ref[i].loc;
			if (q) {
				report(&g, EXEC_FILL, ref[i].id, loc, ref[i].side, (uint32_t)q);
				pos[loc] += ref[i].side == 'B' ? q : -q;
			} else {
				report(&g, EXEC_CANCELED, ref[i].id, loc, ref[i].side, 0);
				q = ref[i].rem;
			}
			(ref[i].side == 'B' ? ob : os)[loc] -= q;
			ref[i].rem -= q;
			if (ref[i].rem == 0)
				ref[i] = ref[--nref];
		}
		if (step % 97 == 0)
			for (uint16_t l = 0; l < 8; l++)
				pos_is(&g, l, pos[l], ob[l], os[l]);
	}
	struct risk_stats st;
	risk_stage_stats(g.s, &st);
	assert(st.open_orders == nref && st.unknown_reports == 0);
	assert(st.rejects[RISK_R_OPEN_ORDERS] > 0 && st.rejects[RISK_R_POSITION] > 0);
	rig_fini(&g);
}

int main(void)
{
	core_clock_init(1);
	test_reasons();
	test_reducing_and_initial();
	test_kill();
	test_reports();
	test_session();
	test_flatten();
	test_watermarks_eos_backpressure();
	test_exec_eos();
	test_table_churn();
	printf("risk: ok\n");
	return 0;
}
