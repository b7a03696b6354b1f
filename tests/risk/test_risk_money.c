/* test_risk_money.c - risk's money and what it does with it, each case with
 * figures worked out by hand from risk.h: fees (maker, taker, rebate) and
 * P&L; the drawdown tiers one by one (scaling, REDUCING, HALTED with the
 * cancel-all) and the operator's acknowledgement; the daily loss limit; the
 * fill throttle and its lifting; each exit (stop-loss, take-profit, trailing,
 * time) and exits passing REDUCING; one instrument's flatten; the restricted
 * list and instrument modes letting reducing orders through; limits changed
 * at run time (and a bad set refused); the events ring; the limits by key;
 * core_parse_fixed. */
#include "risk_rig.h"

#include <string.h>

/* Everything the stage pushed since the last call. */
static unsigned drain(struct rig *g, struct order_msg *m, unsigned max)
{
	unsigned n = 0;
	struct order_msg x;
	while (core_ring_pop(g->out, &x) == 0)
		if (n < max)
			m[n++] = x;
	return n;
}

/* A watermark carrying a book (a new mark for locate) at event time ts. */
static void book(struct rig *g, uint16_t locate, uint32_t bid, uint32_t ask, uint64_t ts)
{
	struct order_intent it = { .kind = INTENT_WATERMARK, .seq = g->seq++, .ts_ns = ts,
		                   .locate = locate, .bid_px = bid, .ask_px = ask };
	assert(core_ring_push(g->in, &it) == 0);
	poll_work(risk_stage_poll, g->s);
}

static void fill(struct rig *g, uint64_t id, uint16_t locate, uint8_t side, uint32_t qty,
		 uint32_t px, uint64_t ts)
{
	struct exec_report r = { .kind = EXEC_FILL, .order_id = id, .locate = locate, .side = side,
		                 .qty = qty, .px = px, .ts_ns = ts };
	assert(core_ring_push(g->rep, &r) == 0);
	poll_work(risk_stage_poll, g->s);
}

/* Push one intent at ts; return its order (kind ORDER_NEW) or a zeroed msg. */
static struct order_msg decide(struct rig *g, uint16_t locate, uint8_t side, uint32_t px,
			       uint32_t qty, uint32_t bid, uint32_t ask, uint64_t ts)
{
	struct order_intent it = intent(g, locate, side, px, qty);
	it.ts_ns = ts;
	it.bid_px = bid;
	it.ask_px = ask;
	assert(core_ring_push(g->in, &it) == 0);
	poll_work(risk_stage_poll, g->s);
	struct order_msg m[8], r = { 0 };
	unsigned n = drain(g, m, 8);
	for (unsigned i = 0; i < n; i++)
		if (m[i].kind == ORDER_NEW && m[i].seq == it.seq && !(m[i].flags & ORDER_F_EXIT))
			r = m[i];
	return r;
}

static uint64_t rejects(struct rig *g, enum risk_reason why)
{
	struct risk_stats st;
	risk_stage_stats(g->s, &st);
	return st.rejects[why];
}

#define S 1000000000ull

static void test_fees_and_pnl(void)
{
	struct risk_limits l = { .max_order_qty = 1000, .max_position = 1000, .collar_bps = 100,
		                 .fees_per_share = 5, .fees_cbps_maker = -20, .fees_cbps_taker = 30 };
	struct rig g;
	rig_init_with(&g, 64, 0, NULL, 0, &l, false);
	/* a buy at the ask crosses: taker */
	struct order_msg b = decide(&g, 1, 'B', ASK, 100, BID, ASK, 1 * S);
	assert(b.kind == ORDER_NEW);
	fill(&g, b.order_id, 1, 'B', 100, ASK, 2 * S);
	/* a sell above the ask rests: maker, a rebate */
	struct order_msg s = decide(&g, 1, 'S', ASK + 100, 100, BID, ASK, 3 * S);
	assert(s.kind == ORDER_NEW);
	fill(&g, s.order_id, 1, 'S', 100, ASK + 100, 4 * S);
	struct risk_stats st;
	risk_stage_stats(g.s, &st);
	/* taker 100*5 + 1000200*100*30/1e6 = 500 + 3000.6 -> 3501;
	 * maker 100*5 - 1000300*100*20/1e6 = 500 - 2000.6 -> -1501 */
	assert(st.fees == 3501 - 1501);
	assert(st.realized == 100 * 100); /* one tick on 100 shares */
	assert(st.pnl == 10000 - 2000 && st.unrealized == 0);
	struct risk_position p;
	risk_stage_position(g.s, 1, &p);
	assert(p.position == 0 && p.fees == 2000 && p.realized == 10000);
	rig_fini(&g);
}

static void test_tiers(void)
{
	/* capital 200,000,000 (20,000 dollars, room for 150 shares at 100): tiers
	 * at 10,000,000 / 20,000,000 / 30,000,000, i.e. the mid 100,000 / 200,000 /
	 * 300,000 lower on a long of 100 */
	struct risk_limits l = { .max_order_qty = 1000, .max_position = 1000, .collar_bps = 500,
		                 .capital = 200000000, .drawdown_bps = { 500, 1000, 1500 },
		                 .tier1_size_pct = 50 };
	struct rig g;
	rig_init_with(&g, 64, 0, NULL, 0, &l, true);
	struct order_msg b = decide(&g, 1, 'B', ASK, 100, BID, ASK, 1 * S);
	fill(&g, b.order_id, 1, 'B', 100, 1000100, 2 * S); /* long 100 at 100.01 (the mid) */
	book(&g, 1, BID, ASK, 3 * S);                       /* mark 1000100: flat P&L */
	struct risk_stats st;
	risk_stage_stats(g.s, &st);
	assert(st.pnl == 0 && st.drawdown == 0 && st.tier == 0);

	/* the mid falls 100,000 (10 dollars on 100 shares = 10,000,000 = 5%): tier 1 */
	book(&g, 1, BID - 100000, ASK - 100000, 4 * S);
	risk_stage_stats(g.s, &st);
	assert(st.drawdown == 10000000 && st.tier == 1);
	assert(risk_control_mode(&g.ctl) == RISK_MODE_ACTIVE);
	/* new risk is halved; reducing orders are not */
	struct order_msg h = decide(&g, 1, 'B', BID - 100000, 100, BID - 100000, ASK - 100000, 5 * S);
	assert(h.kind == ORDER_NEW && h.qty == 50);
	struct exec_report c = { .kind = EXEC_CANCELED, .order_id = h.order_id, .ts_ns = 5 * S };
	assert(core_ring_push(g.rep, &c) == 0);
	poll_work(risk_stage_poll, g.s);
	struct order_msg r = decide(&g, 1, 'S', ASK - 100000, 40, BID - 100000, ASK - 100000, 6 * S);
	assert(r.kind == ORDER_NEW && r.qty == 40);
	c.order_id = r.order_id;
	assert(core_ring_push(g.rep, &c) == 0);
	poll_work(risk_stage_poll, g.s);

	/* 10%: REDUCING */
	book(&g, 1, BID - 200000, ASK - 200000, 7 * S);
	assert(risk_control_mode(&g.ctl) == RISK_MODE_REDUCING);
	assert(decide(&g, 1, 'B', BID - 200000, 10, BID - 200000, ASK - 200000, 8 * S).kind == 0);
	assert(rejects(&g, RISK_R_REDUCING) == 1);
	struct order_msg red = decide(&g, 1, 'S', ASK - 200000, 30, BID - 200000, ASK - 200000, 9 * S);
	assert(red.kind == ORDER_NEW && red.qty == 30); /* open: 30 of the 100 covered */

	/* 15%: HALTED, and the cancel-all before anything else */
	struct order_intent w = { .kind = INTENT_WATERMARK, .seq = g.seq++, .ts_ns = 10 * S,
		                  .locate = 1, .bid_px = BID - 300000, .ask_px = ASK - 300000 };
	assert(core_ring_push(g.in, &w) == 0);
	poll_work(risk_stage_poll, g.s);
	struct order_msg m[8];
	unsigned n = drain(&g, m, 8);
	assert(n == 2 && m[0].kind == ORDER_CANCEL_ALL && m[1].kind == ORDER_WATERMARK);
	c.order_id = red.order_id; /* the venue answers the cancel-all */
	assert(core_ring_push(g.rep, &c) == 0);
	poll_work(risk_stage_poll, g.s);
	assert(risk_control_mode(&g.ctl) == RISK_MODE_HALTED);
	assert(decide(&g, 1, 'S', ASK - 300000, 10, BID - 300000, ASK - 300000, 11 * S).kind == 0);
	assert(rejects(&g, RISK_R_HALTED_MODE) == 1); /* even reducing: only exits pass */
	risk_stage_stats(g.s, &st);
	assert(st.tier == 3 && st.cancel_alls == 1 && st.ntransitions == 3);
	assert(st.transitions[0].cause == RISK_CAUSE_TIER1 && st.transitions[1].cause == RISK_CAUSE_TIER2 &&
	       st.transitions[2].cause == RISK_CAUSE_TIER3);
	assert(st.transitions[2].from == RISK_MODE_REDUCING && st.transitions[2].to == RISK_MODE_HALTED);

	/* nothing but the operator leaves it: a recovery does not */
	book(&g, 1, BID, ASK, 12 * S);
	assert(risk_control_mode(&g.ctl) == RISK_MODE_HALTED);
	assert(risk_control_set_mode(&g.ctl, RISK_MODE_ACTIVE) == 0);
	/* 90 more: 190 shares at 100.01 fit the capital of 20,000 */
	struct order_msg a = decide(&g, 1, 'B', BID, 90, BID, ASK, 13 * S);
	assert(a.kind == ORDER_NEW && a.qty == 90); /* no scaling either */
	assert(risk_control_mode(&g.ctl) == RISK_MODE_ACTIVE);
	risk_stage_stats(g.s, &st);
	assert(st.tier == 0 && st.ntransitions == 4 &&
	       st.transitions[3].cause == RISK_CAUSE_OPERATOR);

	/* the events ring saw it all, in order */
	struct risk_event ev;
	unsigned modes = 0, cancels = 0, rej = 0;
	uint8_t order[8];
	while (core_ring_pop(g.events, &ev) == 0) {
		if (ev.kind == RISK_EV_MODE)
			order[modes++] = ev.reason;
		cancels += ev.kind == RISK_EV_CANCEL_ALL;
		rej += ev.kind == RISK_EV_REJECT;
	}
	assert(modes == 4 && order[0] == RISK_CAUSE_TIER1 && order[2] == RISK_CAUSE_TIER3 &&
	       order[3] == RISK_CAUSE_OPERATOR);
	assert(cancels == 1 && rej == 2);
	rig_fini(&g);
}

static void test_daily_loss(void)
{
	struct risk_limits l = { .max_order_qty = 1000, .max_position = 1000, .collar_bps = 500,
		                 .daily_loss_limit = 200000 };
	struct rig g;
	rig_init_with(&g, 64, 0, NULL, 0, &l, true);
	struct order_msg b = decide(&g, 2, 'B', ASK, 100, BID, ASK, 1 * S);
	fill(&g, b.order_id, 2, 'B', 100, 1000100, 2 * S);
	book(&g, 2, BID - 1999, ASK - 1999, 3 * S); /* -199,900: not yet */
	assert(risk_control_mode(&g.ctl) == RISK_MODE_ACTIVE);
	book(&g, 2, BID - 2000, ASK - 2000, 4 * S); /* -200,000: the limit */
	assert(risk_control_mode(&g.ctl) == RISK_MODE_HALTED);
	struct risk_stats st;
	risk_stage_stats(g.s, &st);
	assert(st.tier == 4 && st.cancel_alls == 1 &&
	       st.transitions[0].cause == RISK_CAUSE_DAILY_LOSS);
	rig_fini(&g);
}

static void test_fill_throttle(void)
{
	struct risk_limits l = { .max_order_qty = 1000, .max_position = 100000, .collar_bps = 500,
		                 .max_fills_per_min = 3 };
	struct rig g;
	rig_init_with(&g, 64, 0, NULL, 0, &l, false);
	for (int i = 0; i < 3; i++)
		fill(&g, 900 + (uint64_t)i, 3, 'B', 10, BID, (uint64_t)(1 + i) * S);
	assert(decide(&g, 3, 'B', BID, 10, BID, ASK, 4 * S).kind == ORDER_NEW);
	fill(&g, 999, 3, 'B', 10, BID, 5 * S); /* the 4th within the minute */
	assert(decide(&g, 3, 'B', BID, 10, BID, ASK, 6 * S).kind == 0);
	assert(rejects(&g, RISK_R_INST_HALTED) == 1);
	/* a reducing order still goes; another instrument is untouched */
	assert(decide(&g, 3, 'S', ASK, 10, BID, ASK, 7 * S).kind == ORDER_NEW);
	assert(decide(&g, 4, 'B', BID, 10, BID, ASK, 7 * S).kind == ORDER_NEW);
	/* no timer lifts it: a minute later still halted */
	assert(decide(&g, 3, 'B', BID - 100, 10, BID, ASK, 120 * S).kind == 0);
	/* the operator does */
	assert(risk_control_set_inst_mode(&g.ctl, 3, RISK_MODE_ACTIVE) == 0);
	assert(decide(&g, 3, 'B', BID - 100, 10, BID, ASK, 121 * S).kind == ORDER_NEW);
	struct risk_stats st;
	risk_stage_stats(g.s, &st);
	assert(st.ntransitions == 1 && st.transitions[0].cause == RISK_CAUSE_FILL_THROTTLE &&
	       st.transitions[0].locate == 3);
	rig_fini(&g);
}

/* A long of 100 at 1000100 on locate 5, then books; the exit pushed, if any. */
static struct order_msg exit_after(const struct risk_limits *l, const uint32_t *mids, unsigned n,
				   uint64_t step_ns, enum risk_mode mode)
{
	struct rig g;
	rig_init_with(&g, 64, 0, NULL, 0, l, false);
	struct order_msg b = decide(&g, 5, 'B', ASK, 100, BID, ASK, 1 * S);
	fill(&g, b.order_id, 5, 'B', 100, 1000100, 1 * S);
	assert(risk_control_set_mode(&g.ctl, mode) == 0);
	struct order_msg out = { 0 }, m[8];
	for (unsigned i = 0; i < n && !out.kind; i++) {
		book(&g, 5, mids[i] - 100, mids[i] + 100, 2 * S + i * step_ns);
		unsigned k = drain(&g, m, 8);
		for (unsigned j = 0; j < k; j++)
			if (m[j].flags & ORDER_F_EXIT)
				out = m[j];
	}
	rig_fini(&g);
	return out;
}

static void test_exits(void)
{
	struct risk_limits base = { .max_order_qty = 1000, .max_position = 1000, .collar_bps = 500 };
	struct risk_limits l = base;
	l.stop_loss_bps = 100; /* 1% of 1000100 = 10001 on the mid */
	uint32_t down[] = { 995000, 990200, 990099 };
	struct order_msg e = exit_after(&l, down, 2, S, RISK_MODE_ACTIVE);
	assert(!e.kind); /* 0.99% down: not yet */
	e = exit_after(&l, down, 3, S, RISK_MODE_ACTIVE);
	assert(e.kind == ORDER_NEW && e.side == 'S' && e.qty == 100 && e.px == 990099 - 100);
	e = exit_after(&l, down, 3, S, RISK_MODE_REDUCING); /* exits pass REDUCING ... */
	assert(e.kind == ORDER_NEW);
	e = exit_after(&l, down, 3, S, RISK_MODE_HALTED); /* ... and HALTED */
	assert(e.kind == ORDER_NEW);

	l = base;
	l.take_profit_bps = 50;
	uint32_t up[] = { 1003000, 1005100, 1005200 }; /* 0.5% of 100,010,000 is 500,050 */
	e = exit_after(&l, up, 2, S, RISK_MODE_ACTIVE);
	assert(!e.kind); /* 500,000: just short */
	e = exit_after(&l, up, 3, S, RISK_MODE_ACTIVE);
	assert(e.kind == ORDER_NEW && e.side == 'S' && e.px == 1005100);

	l = base;
	l.trailing_stop_bps = 20; /* from the best mark: 1010000 * 0.2% = 2020 */
	uint32_t trail[] = { 1010000, 1008000, 1007980 };
	e = exit_after(&l, trail, 2, S, RISK_MODE_ACTIVE);
	assert(!e.kind);
	e = exit_after(&l, trail, 3, S, RISK_MODE_ACTIVE);
	assert(e.kind == ORDER_NEW && e.px == 1007880);

	l = base;
	l.max_hold_ms = 5000; /* opened at 1 s: due at 6 s */
	uint32_t flat[] = { 1000100, 1000100, 1000100, 1000100, 1000100, 1000100 };
	e = exit_after(&l, flat, 4, S, RISK_MODE_ACTIVE); /* books at 2..5 s */
	assert(!e.kind);
	e = exit_after(&l, flat, 5, S, RISK_MODE_ACTIVE); /* 6 s */
	assert(e.kind == ORDER_NEW && e.qty == 100);
}

static void test_flatten_one_and_restricted(void)
{
	struct risk_limits l = { .max_order_qty = 1000, .max_position = 1000, .collar_bps = 500 };
	struct rig g;
	rig_init_with(&g, 64, 0, NULL, 0, &l, false);
	struct order_msg a = decide(&g, 1, 'B', ASK, 100, BID, ASK, 1 * S);
	struct order_msg b = decide(&g, 2, 'S', BID, 70, BID, ASK, 1 * S);
	fill(&g, a.order_id, 1, 'B', 100, ASK, 2 * S);
	fill(&g, b.order_id, 2, 'S', 70, BID, 2 * S);
	risk_control_flatten_inst(&g.ctl, 2);
	poll_work(risk_stage_poll, g.s);
	struct order_msg m[8];
	unsigned n = drain(&g, m, 8);
	assert(n == 1 && (m[0].flags & ORDER_F_FLATTEN) && m[0].locate == 2 && m[0].side == 'B' &&
	       m[0].qty == 70);
	/* restricted: new risk refused, a reducing order passes */
	risk_control_restrict(&g.ctl, 1, true);
	assert(risk_control_is_restricted(&g.ctl, 1));
	assert(decide(&g, 1, 'B', BID, 10, BID, ASK, 3 * S).kind == 0);
	assert(rejects(&g, RISK_R_RESTRICTED) == 1);
	assert(decide(&g, 1, 'S', ASK, 10, BID, ASK, 3 * S).kind == ORDER_NEW);
	risk_control_restrict(&g.ctl, 1, false);
	assert(decide(&g, 1, 'B', BID, 10, BID, ASK, 4 * S).kind == ORDER_NEW);
	/* an instrument in REDUCING */
	assert(risk_control_set_inst_mode(&g.ctl, 1, RISK_MODE_REDUCING) == 0);
	assert(risk_control_inst_mode(&g.ctl, 1) == RISK_MODE_REDUCING);
	assert(decide(&g, 1, 'B', BID, 10, BID, ASK, 5 * S).kind == 0);
	assert(rejects(&g, RISK_R_REDUCING) == 1);
	assert(risk_control_set_inst_mode(&g.ctl, 1, (enum risk_mode)9) == -EINVAL);
	rig_fini(&g);
}

static void test_limits_at_run_time(void)
{
	struct risk_limits l = { .max_order_qty = 1000, .max_position = 1000, .collar_bps = 500 };
	struct rig g;
	rig_init_with(&g, 64, 0, NULL, 0, &l, true);
	assert(decide(&g, 1, 'B', BID, 60, BID, ASK, 1 * S).kind == ORDER_NEW);
	struct risk_limits n = l;
	n.max_order_qty = 50;
	char err[200];
	assert(risk_control_set_limits(&g.ctl, &n, err, sizeof(err)) == 0);
	assert(decide(&g, 1, 'B', BID - 100, 60, BID, ASK, 2 * S).kind == 0);
	assert(rejects(&g, RISK_R_MAX_QTY) == 1);
	struct risk_stats st;
	risk_stage_stats(g.s, &st);
	assert(st.limit_updates == 1);
	/* a bad set is refused whole and nothing is published */
	n.max_position = 0;
	assert(risk_control_set_limits(&g.ctl, &n, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "max_position"));
	struct risk_limits now;
	risk_control_limits(&g.ctl, &now);
	assert(now.max_order_qty == 50 && now.max_position == 1000);
	/* the events ring: the reject with its reason, then EOS after ORDER_EOS */
	struct order_intent eos = { .kind = INTENT_EOS, .seq = g.seq++ };
	assert(core_ring_push(g.in, &eos) == 0);
	struct exec_report xeos = { .kind = EXEC_EOS };
	assert(core_ring_push(g.rep, &xeos) == 0);
	uint32_t work;
	int r = 0;
	for (int i = 0; i < 10 && r != CORE_EOF; i++)
		r = risk_stage_poll(g.s, &work);
	assert(r == CORE_EOF);
	struct risk_event ev;
	assert(core_ring_pop(g.events, &ev) == 0 && ev.kind == RISK_EV_REJECT &&
	       ev.reason == RISK_R_MAX_QTY && ev.qty == 60 && ev.locate == 1);
	assert(core_ring_pop(g.events, &ev) == 0 && ev.kind == RISK_EV_EOS);
	assert(core_ring_pop(g.events, &ev) == CORE_RING_EMPTY);
	rig_fini(&g);
}

/* A strategy's cancel: to ORDER_CANCEL, past the kill and HALTED, refused
 * only for an order that is not open or past the cancel rates. */
static struct order_msg cancel1(struct rig *g, uint64_t id, uint16_t locate, uint64_t ts)
{
	struct order_intent it = intent(g, locate, 'B', BID, 1);
	it.kind = INTENT_CANCEL;
	it.order_id = id;
	it.ts_ns = ts;
	assert(core_ring_push(g->in, &it) == 0);
	poll_work(risk_stage_poll, g->s);
	struct order_msg m[8], r = { 0 };
	unsigned n = drain(g, m, 8);
	for (unsigned i = 0; i < n; i++)
		if (m[i].kind == ORDER_CANCEL)
			r = m[i];
	return r;
}

static void test_cancels(void)
{
	struct risk_limits l = { .max_order_qty = 1000, .max_position = 1000, .collar_bps = 500,
		                 .max_cancels_per_sec = 2 };
	struct rig g;
	rig_init_with(&g, 64, 0, NULL, 0, &l, false);
	uint64_t id[4];
	for (int i = 0; i < 4; i++) {
		struct order_msg o = decide(&g, 1, 'B', BID - 100 * (uint32_t)i, 10, BID, ASK, 1 * S);
		assert(o.kind == ORDER_NEW);
		id[i] = o.order_id;
	}
	struct order_msg c = cancel1(&g, id[0], 1, 2 * S);
	assert(c.kind == ORDER_CANCEL && c.order_id == id[0] && c.locate == 1 && c.qty == 10);
	struct risk_position p;
	risk_stage_position(g.s, 1, &p);
	assert(p.open_buy == 40); /* in flight until the venue says cancelled */
	assert(cancel1(&g, 999999, 1, 2 * S).kind == 0);
	assert(rejects(&g, RISK_R_UNKNOWN_ORDER) == 1);
	/* the kill and HALTED stop new risk, not a cancel */
	risk_control_kill(&g.ctl);
	assert(risk_control_set_mode(&g.ctl, RISK_MODE_HALTED) == 0);
	assert(cancel1(&g, id[1], 1, 2 * S).kind == ORDER_CANCEL);
	/* two a second: the third in the same second waits for a token */
	assert(cancel1(&g, id[2], 1, 2 * S).kind == 0);
	assert(rejects(&g, RISK_R_CANCEL_RATE) == 1);
	assert(cancel1(&g, id[2], 1, 2 * S + S / 2).kind == ORDER_CANCEL); /* half a second: one */
	struct exec_report x = { .kind = EXEC_CANCELED, .order_id = id[0], .ts_ns = 3 * S };
	assert(core_ring_push(g.rep, &x) == 0);
	poll_work(risk_stage_poll, g.s);
	risk_stage_position(g.s, 1, &p);
	assert(p.open_buy == 30);
	struct risk_stats st;
	risk_stage_stats(g.s, &st);
	assert(st.cancels == 3 && st.cancel_alls == 1); /* and the kill's own cancel-all */
	rig_fini(&g);
}

static void test_limits_by_key(void)
{
	struct risk_limits l = { .max_order_qty = 1000, .max_position = 1000, .collar_bps = 100 };
	char err[200], buf[64];
	assert(risk_limits_set(&l, "capital", "1000000", err, sizeof(err)) == 0 &&
	       l.capital == 10000000000LL);
	assert(risk_limits_set(&l, "tick_size", "0.01", err, sizeof(err)) == 0 && l.tick == 100);
	assert(risk_limits_set(&l, "fees_bps_maker", "-0.25", err, sizeof(err)) == 0 &&
	       l.fees_cbps_maker == -25);
	assert(risk_limits_set(&l, "fees_per_share", "0.0035", err, sizeof(err)) == 0 &&
	       l.fees_per_share == 35);
	/* tiers need their tier-1 factor: the whole set is checked */
	assert(risk_limits_set(&l, "drawdown_tiers", "5,10,15", err, sizeof(err)) == -EINVAL &&
	       strstr(err, "tier1_size_factor"));
	assert(risk_limits_set(&l, "tier1_size_factor", "0.5", err, sizeof(err)) == 0 &&
	       l.tier1_size_pct == 50);
	assert(risk_limits_set(&l, "drawdown_tiers", "5,10,15", err, sizeof(err)) == 0 &&
	       l.drawdown_bps[0] == 500 && l.drawdown_bps[2] == 1500);
	/* refused, *l untouched */
	struct risk_limits before = l;
	assert(risk_limits_set(&l, "drawdown_tiers", "10,5,15", err, sizeof(err)) == -EINVAL);
	assert(risk_limits_set(&l, "drawdown_tiers", "5,10", err, sizeof(err)) == -EINVAL);
	assert(risk_limits_set(&l, "capital", "1.00001", err, sizeof(err)) == -EINVAL &&
	       strstr(err, "4 decimals"));
	assert(risk_limits_set(&l, "capital", "-5", err, sizeof(err)) == -EINVAL);
	assert(risk_limits_set(&l, "max_order_qty", "0", err, sizeof(err)) == -EINVAL);
	assert(risk_limits_set(&l, "max_order_qty", "12x", err, sizeof(err)) == -EINVAL);
	assert(risk_limits_set(&l, "nope", "1", err, sizeof(err)) == -ENOENT && strstr(err, "nope"));
	assert(!memcmp(&before, &l, sizeof(l)));
	/* every key formats and parses back to the same value */
	for (unsigned i = 0; risk_limits_key(i); i++) {
		struct risk_limits c = l;
		assert(risk_limits_format(&l, risk_limits_key(i), buf, sizeof(buf)) == 0);
		assert(risk_limits_set(&c, risk_limits_key(i), buf, err, sizeof(err)) == 0);
		assert(!memcmp(&c, &l, sizeof(l)));
	}
	assert(risk_limits_format(&l, "nope", buf, sizeof(buf)) == -ENOENT);
	assert(strcmp(risk_cause_name(RISK_CAUSE_TIER3), "drawdown_tier3") == 0);
	/* core_parse_fixed, exact or refused */
	int64_t v;
	assert(core_parse_fixed("0.0035", 4, &v) == 0 && v == 35);
	assert(core_parse_fixed("-2.5", 2, &v) == 0 && v == -250);
	assert(core_parse_fixed("7", 4, &v) == 0 && v == 70000);
	assert(core_parse_fixed("7.", 4, &v) == 0 && v == 70000);
	assert(core_parse_fixed(".5", 1, &v) == 0 && v == 5);
	assert(core_parse_fixed("0.00001", 4, &v) == -EINVAL);
	assert(core_parse_fixed("", 4, &v) == -EINVAL);
	assert(core_parse_fixed(".", 4, &v) == -EINVAL);
	assert(core_parse_fixed("1.2.3", 4, &v) == -EINVAL);
	assert(core_parse_fixed("1e3", 0, &v) == -EINVAL);
	assert(core_parse_fixed("922337203685477.5807", 4, &v) == 0 && v == INT64_MAX);
	assert(core_parse_fixed("922337203685477.5808", 4, &v) == -ERANGE);
	assert(core_parse_fixed("-922337203685477.5808", 4, &v) == 0 && v == INT64_MIN);
}

int main(void)
{
	core_clock_init(1);
	test_fees_and_pnl();
	test_tiers();
	test_daily_loss();
	test_fill_throttle();
	test_exits();
	test_flatten_one_and_restricted();
	test_limits_at_run_time();
	test_cancels();
	test_limits_by_key();
	printf("risk money: ok\n");
	return 0;
}
