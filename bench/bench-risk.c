/* bench-risk - the pre-trade risk stage's cost per approved order, control by
 * control.
 *
 *   bench-risk [--smoke] [--orders N]
 *
 * One thread drives the real stage through its rings: per order, an untimed
 * poll applies the cancel of the previous order (so exposure never fills up
 * and every order is approved), then the timed part: the intent is pushed,
 * risk_stage_poll decides it, the order is popped. Eight instruments round
 * robin, prices on a 0.01 tick drifting by a tick now and then (marks move:
 * P&L, the band, the breakers and the exits all recompute), event time 100 ms
 * apart, 4 resting orders of ours per instrument and side (the self-trade
 * walk is real). Configurations: the three checks the stage had before Step 7
 * (max qty, position, collar) as the anchor, each group of controls added
 * alone, then every control on. Printed: p50/p99/p99.9/max ns per order, and
 * p50 minus the anchor's p50 in the same run (a shared VM drifts between
 * runs; the difference within one run is the control's cost). The clock
 * read's own cost is printed as the floor.
 * --smoke: 20000 orders per configuration, exit 0 if every order was approved. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "risk.h"

#define NLOC 8
#define RESTING 4

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

struct result {
	uint64_t p50, p99, p999, max;
	uint64_t approved, n;
	int64_t stage_p50, stage_p99; /* the stage's own timer per intent (its hist) */
};

static struct result pct(uint64_t *v, uint64_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return (struct result){ v[n / 2], v[n * 99 / 100], v[n * 999 / 1000], v[n - 1], 0, n };
}

static struct risk_limits base(void)
{
	return (struct risk_limits){ .max_order_qty = 1000, .max_position = 100000, .collar_bps = 100 };
}

static void on_static(struct risk_limits *l)
{
	l->tick = 100;
	l->lot = 100;
	l->min_qty = 100;
}
static void on_notional(struct risk_limits *l)
{
	l->min_notional = 1000 * 10000LL;
	l->max_order_notional = 1000000 * 10000LL;
}
static void on_band(struct risk_limits *l)
{
	l->band_bps = 500;
	l->band_window_ms = 60000;
}
static void on_rates(struct risk_limits *l)
{
	l->max_orders_per_sec = 1000;
	l->max_orders_per_sec_inst = 100;
}
static void on_dup(struct risk_limits *l)
{
	l->duplicate_ms = 50;
}
static void on_exposure(struct risk_limits *l)
{
	l->max_position_notional = 100000000 * 10000LL;
	l->max_gross_notional = 500000000 * 10000LL;
	l->max_net_notional = 400000000 * 10000LL;
	l->capital = 1000000000 * 10000LL;
}
static void on_money(struct risk_limits *l)
{
	if (!l->capital)
		l->capital = 1000000000 * 10000LL;
	l->daily_loss_limit = 1000000 * 10000LL;
	l->drawdown_bps[0] = 500;
	l->drawdown_bps[1] = 1000;
	l->drawdown_bps[2] = 1500;
	l->tier1_size_pct = 50;
	l->max_fills_per_min = 100000;
	l->fees_per_share = 5;
	l->fees_cbps_maker = -20;
	l->fees_cbps_taker = 30;
}
static void on_exits(struct risk_limits *l)
{
	l->stop_loss_bps = 5000;
	l->take_profit_bps = 5000;
	l->trailing_stop_bps = 5000;
	l->max_hold_ms = 86400000;
}
static void on_all(struct risk_limits *l)
{
	on_static(l);
	on_notional(l);
	on_band(l);
	on_rates(l);
	on_dup(l);
	on_exposure(l);
	on_money(l);
	on_exits(l);
}

static void on_model(struct risk_limits *l)
{
	l->var_limit = 1000000000 * 10000LL;
	l->corr_exposure_limit = 1000000000 * 10000LL;
	l->kelly_ppm = 250000;
	if (!l->capital)
		l->capital = 1000000000 * 10000LL;
}

static void on_all_model(struct risk_limits *l)
{
	on_all(l);
	on_model(l);
}

struct config {
	const char *name;
	void (*on)(struct risk_limits *);
	bool model; /* with the risk model's rings (its thread's work untimed) */
};

static int run(const struct config *c, uint64_t norders, uint64_t *lat, struct result *ret)
{
	struct core_ring *in = core_ring_create("i", 1024, sizeof(struct order_intent));
	struct core_ring *rep = core_ring_create("r", 1024, sizeof(struct exec_report));
	struct core_ring *out = core_ring_create("o", 1024, sizeof(struct order_msg));
	struct risk_control *ctl = calloc(1, sizeof(*ctl));
	if (!in || !rep || !out || !ctl)
		return -1;
	risk_control_init(ctl);
	struct risk_limits l = base();
	if (c->on)
		c->on(&l);
	struct core_hist_pair *hp = calloc(1, sizeof(*hp));
	if (!hp || core_hist_pair_init(hp) < 0)
		return -1;
	struct risk_stage_cfg cfg = { .intents_in = in, .reports_in = rep, .orders_out = out,
		                      .limits = l, .ctl = ctl, .hist = hp };
	struct core_ring *mr = NULL;
	struct risk_caps_board *board = NULL;
	struct risk_model *model = NULL;
	if (c->model) {
		mr = core_ring_create("m", 4096, sizeof(struct risk_model_msg));
		board = calloc(1, sizeof(*board));
		if (!mr || !board)
			return -1;
		cfg.model_out = mr;
		cfg.caps = board;
	}
	struct risk_stage *s;
	char err[256];
	if (risk_stage_create(&cfg, &s, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench-risk: %s: %s\n", c->name, err);
		return -1;
	}
	if (c->model) {
		struct risk_model_cfg mc = { .in = mr, .board = board, .ctl = ctl };
		if (risk_model_create(&mc, &model, err, sizeof(err)) < 0) {
			fprintf(stderr, "bench-risk: %s\n", err);
			return -1;
		}
	}
	uint32_t bid[NLOC], work;
	uint64_t ts = 34200000000000ull, seq = 0;
	for (int i = 0; i < NLOC; i++)
		bid[i] = 1000000 + 10000 * (uint32_t)i; /* $100.00, $101.00, ... */
	/* resting orders of ours, far from the touch, both sides */
	for (int i = 0; i < NLOC; i++)
		for (int k = 0; k < 2 * RESTING; k++) {
			struct order_intent it = { .ts_ns = ts, .seq = ++seq, .kind = INTENT_NEW,
				                   .locate = (uint16_t)(i + 1), .qty = 100,
				                   .bid_px = bid[i], .ask_px = bid[i] + 100 };
			it.side = k & 1 ? 'S' : 'B';
			it.px = k & 1 ? bid[i] + 100 + 4000 + 100 * (uint32_t)k
			              : bid[i] - 4000 - 100 * (uint32_t)k;
			ts += 100000000;
			core_ring_push(in, &it);
			risk_stage_poll(s, &work);
			struct order_msg m;
			while (core_ring_pop(out, &m) == 0)
				;
		}
	uint64_t rng = 88172645463325252ull, approved = 0, last_id = 0;
	for (uint64_t n = 0; n < norders; n++) {
		int i = (int)(n % NLOC);
		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		if ((rng & 15) == 0) {
			/* the book moves a tick, within 20 ticks of where it began (our
			 * resting orders sit 40 or more away: they never cross) */
			uint32_t start = 1000000 + 10000 * (uint32_t)i;
			bool up = (rng & 16) ? bid[i] < start + 2000 : bid[i] <= start - 2000;
			bid[i] += up ? 100 : (uint32_t)-100;
		}
		if (last_id) {
			/* untimed: the previous order is cancelled, its exposure released */
			struct exec_report r = { .kind = EXEC_CANCELED, .order_id = last_id,
				                 .ts_ns = ts, .seq = seq };
			core_ring_push(rep, &r);
			risk_stage_poll(s, &work);
			last_id = 0;
		}
		if (model) /* untimed: the model's own thread's work */
			risk_model_poll(model, &work);
		struct order_intent it = { .ts_ns = ts, .seq = ++seq, .kind = INTENT_NEW,
			                   .locate = (uint16_t)(i + 1), .qty = (rng & 32) ? 200 : 100,
			                   .bid_px = bid[i], .ask_px = bid[i] + 100 };
		it.side = (n / NLOC) & 1 ? 'S' : 'B';
		it.px = it.side == 'B' ? it.bid_px : it.ask_px;
		ts += 100000000;
		uint64_t t0 = core_now_ns();
		core_ring_push(in, &it);
		risk_stage_poll(s, &work);
		struct order_msg m;
		int got = core_ring_pop(out, &m);
		uint64_t t1 = core_now_ns();
		lat[n] = t1 - t0;
		if (got == 0 && m.kind == ORDER_NEW) {
			approved++;
			last_id = m.order_id;
		}
		while (core_ring_pop(out, &m) == 0) /* a watermark after a reject */
			;
	}
	struct risk_stats st;
	risk_stage_stats(s, &st);
	if (approved != norders)
		for (unsigned r = 1; r < RISK_R_COUNT; r++)
			if (st.rejects[r])
				fprintf(stderr, "bench-risk: %s: %" PRIu64 " rejected %s\n", c->name,
				        st.rejects[r], risk_reason_name(r));
	*ret = pct(lat, norders);
	ret->approved = approved;
	/* the resting orders' setup went into it too: 64 of norders */
	ret->stage_p50 = core_hist_value_at(&hp->h[0], 50.0);
	ret->stage_p99 = core_hist_value_at(&hp->h[0], 99.0);
	core_hist_pair_fini(hp);
	free(hp);
	risk_stage_destroy(s);
	risk_model_destroy(model);
	core_ring_destroy(mr);
	free(board);
	free(ctl);
	core_ring_destroy(in);
	core_ring_destroy(rep);
	core_ring_destroy(out);
	return 0;
}

int main(int argc, char **argv)
{
	bool smoke = false;
	uint64_t norders = 1000000;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke"))
			smoke = true, norders = 20000;
		else if (!strcmp(argv[i], "--orders") && i + 1 < argc)
			norders = strtoull(argv[++i], NULL, 10);
		else {
			fprintf(stderr, "usage: bench-risk [--smoke] [--orders N]\n");
			return 2;
		}
	}
	if (norders < 1000)
		norders = 1000;
	core_clock_init(0);
	uint64_t *lat = malloc(norders * sizeof(*lat));
	if (!lat)
		return 1;
	for (uint64_t n = 0; n < norders; n++) {
		uint64_t a = core_now_ns();
		lat[n] = core_now_ns() - a;
	}
	struct result floor_ = pct(lat, norders);
	printf("bench-risk: %" PRIu64 " orders per configuration, %d instruments; clock read "
	       "p50 %" PRIu64 " ns\n",
	       norders, NLOC, floor_.p50);
	static const struct config cfgs[] = {
		{ "anchor: qty, position, collar", NULL },
		{ "+ tick, lot, min qty", on_static },
		{ "+ min/max order notional", on_notional },
		{ "+ price band", on_band },
		{ "+ rate limits (2 buckets)", on_rates },
		{ "+ duplicate detection", on_dup },
		{ "+ exposure (notional, gross, net, capital)", on_exposure },
		{ "+ money (fees, tiers, daily loss, throttle)", on_money },
		{ "+ exits (stop, profit, trailing, time)", on_exits },
		{ "+ risk model (closes, caps, Kelly sizing)", on_model, true },
		{ "every control", on_all },
		{ "every control and the risk model", on_all_model, true },
		{ "anchor again", NULL },
	};
	printf("%-44s %6s %6s %7s %8s %9s | %9s %9s\n", "configuration", "p50", "p99", "p99.9",
	       "max", "p50-anchor", "stage p50", "stage p99");
	uint64_t anchor = 0;
	bool all_ok = true;
	for (size_t c = 0; c < sizeof(cfgs) / sizeof(cfgs[0]); c++) {
		struct result r;
		if (run(&cfgs[c], norders, lat, &r) < 0)
			return 1;
		if (c == 0)
			anchor = r.p50;
		all_ok &= r.approved == r.n;
		printf("%-44s %6" PRIu64 " %6" PRIu64 " %7" PRIu64 " %8" PRIu64 " %+9" PRId64
		       "  | %9" PRId64 " %9" PRId64 "%s\n",
		       cfgs[c].name, r.p50, r.p99, r.p999, r.max, (int64_t)r.p50 - (int64_t)anchor,
		       r.stage_p50, r.stage_p99, r.approved == r.n ? "" : "  (NOT all approved)");
	}
	printf("(ns per approved order: push the intent, poll the stage, pop the order, two clock\n"
	       " reads included; stage: the stage's own timer from before the kill-switch load to\n"
	       " the order pushed, as its histogram in the engine records it)\n");
	free(lat);
	if (smoke && !all_ok)
		return 1;
	return 0;
}
