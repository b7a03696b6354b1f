/* risk_rig.h - the risk tests' rig: a stage over real rings, intents with a
 * two-sided book, reports, and expectations on what comes out. Header-only
 * (static functions), one copy per test program. */
#ifndef OSPREY_TEST_RISK_RIG_H
#define OSPREY_TEST_RISK_RIG_H

#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "../stage_poll.h"
#include "risk.h"

/* not every test uses every helper */
#define RIG_FN static __attribute__((unused))

#define BID 1000000u
#define ASK 1000200u

struct rig {
	struct core_ring *in, *rep, *out, *events;
	struct risk_control ctl;
	struct risk_stage *s;
	uint64_t seq;
};

/* A stage over fresh rings with these limits (and an events ring if asked). */
RIG_FN void rig_init_with(struct rig *g, uint32_t out_cap, uint32_t max_open,
			  const struct position *init, unsigned ninit, const struct risk_limits *lim,
			  bool events)
{
	memset(g, 0, sizeof(*g));
	if (events)
		assert((g->events = core_ring_create("events", 256, sizeof(struct risk_event))));
	g->in = core_ring_create("intents", 256, sizeof(struct order_intent));
	g->rep = core_ring_create("reports", 256, sizeof(struct exec_report));
	g->out = core_ring_create("orders", out_cap, sizeof(struct order_msg));
	assert(g->in && g->rep && g->out);
	risk_control_init(&g->ctl);
	struct risk_stage_cfg cfg = {
		.intents_in = g->in,
		.reports_in = g->rep,
		.orders_out = g->out,
		.events_out = g->events,
		.limits = *lim,
		.ctl = &g->ctl,
		.first_order_id = 1000,
		.initial = init,
		.ninitial = ninit,
		.max_open_orders = max_open,
	};
	char err[256];
	int r = risk_stage_create(&cfg, &g->s, err, sizeof(err));
	if (r)
		fprintf(stderr, "%s\n", err);
	assert(r == 0);
	g->seq = 1;
}

/* The limits test_risk.c was written for: qty 600, position 1000, collar 50 bps. */
RIG_FN void rig_init(struct rig *g, uint32_t out_cap, uint32_t max_open, const struct position *init,
		     unsigned ninit)
{
	struct risk_limits lim = { .max_order_qty = 600, .max_position = 1000, .collar_bps = 50 };
	rig_init_with(g, out_cap, max_open, init, ninit, &lim, false);
}

RIG_FN void rig_fini(struct rig *g)
{
	g->s = risk_stage_destroy(g->s);
	core_ring_destroy(g->in);
	core_ring_destroy(g->rep);
	core_ring_destroy(g->out);
	core_ring_destroy(g->events);
}

RIG_FN struct order_intent intent(struct rig *g, uint16_t locate, uint8_t side, uint32_t px,
				  uint32_t qty)
{
	struct order_intent it = { 0 };
	it.seq = g->seq++;
	it.ts_ns = it.seq * 1000;
	it.t0_ns = it.seq * 11;
	it.kind = INTENT_NEW;
	it.locate = locate;
	it.side = side;
	it.px = px;
	it.qty = qty;
	it.bid_px = BID;
	it.ask_px = ASK;
	it.flags = MD_F_BOOK;
	return it;
}

/* Push one intent, poll, return the single order_msg it produced (plus a watermark if rejected). */
RIG_FN struct order_msg send1(struct rig *g, const struct order_intent *it, bool *ret_approved)
{
	assert(core_ring_push(g->in, it) == 0);
	assert(poll_work(risk_stage_poll, g->s) >= 1);
	struct order_msg m;
	assert(core_ring_pop(g->out, &m) == 0);
	struct order_msg extra;
	assert(core_ring_pop(g->out, &extra) == CORE_RING_EMPTY);
	*ret_approved = m.kind == ORDER_NEW;
	if (!*ret_approved) {
		/* a rejected last intent still tells the venue its seq was decided */
		assert(m.kind == ORDER_WATERMARK && m.seq == it->seq && m.ts_ns == it->ts_ns &&
		       m.t0_ns == it->t0_ns);
	}
	return m;
}

RIG_FN void expect_reject(struct rig *g, const struct order_intent *it, enum risk_reason why)
{
	struct risk_stats before, after;
	risk_stage_stats(g->s, &before);
	bool ok;
	send1(g, it, &ok);
	assert(!ok);
	risk_stage_stats(g->s, &after);
	for (unsigned r = 0; r < RISK_R_COUNT; r++)
		assert(after.rejects[r] == before.rejects[r] + (r == why));
	assert(after.rejected == before.rejected + 1 && after.approved == before.approved);
}

RIG_FN uint64_t expect_approve(struct rig *g, const struct order_intent *it)
{
	bool ok;
	struct risk_stats before;
	risk_stage_stats(g->s, &before);
	struct order_msg m = send1(g, it, &ok);
	if (!ok) {
		struct risk_stats after;
		risk_stage_stats(g->s, &after);
		for (unsigned r = 0; r < RISK_R_COUNT; r++)
			if (after.rejects[r] != before.rejects[r])
				fprintf(stderr, "seq %llu rejected: %s\n", (unsigned long long)it->seq,
				        risk_reason_name(r));
	}
	assert(ok);
	assert(m.seq == it->seq && m.ts_ns == it->ts_ns && m.t0_ns == it->t0_ns);
	assert(m.px == it->px && m.qty == it->qty && m.side == it->side && m.locate == it->locate);
	return m.order_id;
}

RIG_FN void report(struct rig *g, uint8_t kind, uint64_t id, uint16_t locate, uint8_t side,
		   uint32_t qty)
{
	struct exec_report r = { 0 };
	r.kind = kind;
	r.order_id = id;
	r.locate = locate;
	r.side = side;
	r.qty = qty;
	assert(core_ring_push(g->rep, &r) == 0);
	assert(poll_work(risk_stage_poll, g->s) >= 1);
}

RIG_FN void pos_is(struct rig *g, uint16_t locate, int64_t p, int64_t ob, int64_t os)
{
	struct risk_position rp;
	risk_stage_position(g->s, locate, &rp);
	if (rp.position != p || rp.open_buy != ob || rp.open_sell != os) {
		fprintf(stderr, "locate %u: pos %lld open %lld/%lld, want %lld %lld/%lld\n", locate,
			(long long)rp.position, (long long)rp.open_buy, (long long)rp.open_sell,
			(long long)p, (long long)ob, (long long)os);
		assert(0);
	}
}

#endif /* OSPREY_TEST_RISK_RIG_H */
