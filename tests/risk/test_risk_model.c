/* test_risk_model.c - the risk model against figures computed here another
 * way (a straight two-pass textbook computation over the same numbers, not
 * the model's ring-buffer code): historical and parametric VaR and ES at 95%
 * and 99%, the correlation-weighted exposure and the largest correlation for
 * two instruments; the caps a VaR limit and a correlation limit give; the
 * Kelly fraction from trades; and through the stage: marks and closes sent at
 * interval boundaries, the caps applied RISK_CAPS_LAG closes later (a replay
 * waits for them), position caps scaled, Kelly setting the order size. */
#include "risk_rig.h"

#include <math.h>
#include <string.h>

static void send(struct core_ring *r, const struct risk_model_msg *m)
{
	assert(core_ring_push(r, m) == 0);
}

static void run(struct risk_model *m)
{
	uint32_t w;
	while (risk_model_poll(m, &w) == 0 && w)
		;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void near(int64_t got, double want, const char *what)
{
	if (fabs((double)got - want) > 1.0) {
		fprintf(stderr, "%s: got %lld want %.2f\n", what, (long long)got, want);
		assert(0);
	}
}

#define N 40

static void test_var_two_instruments(void)
{
	struct core_ring *in = core_ring_create("m", 4096, sizeof(struct risk_model_msg));
	static struct risk_caps_board board;
	static struct risk_control ctl;
	risk_control_init(&ctl);
	struct risk_limits lim = { .max_order_qty = 100, .max_position = 1000, .collar_bps = 100 };
	char err[200];
	assert(risk_control_set_limits(&ctl, &lim, err, sizeof(err)) == 0);
	struct risk_model *m;
	struct risk_model_cfg cfg = { .in = in, .board = &board, .ctl = &ctl, .window = N };
	assert(risk_model_create(&cfg, &m, err, sizeof(err)) == 0);
	/* two price paths, partly correlated, N + 1 marks each (N returns) */
	uint32_t pa[N + 1], pb[N + 1];
	uint64_t x = 12345;
	pa[0] = 1000000;
	pb[0] = 500000;
	for (int t = 1; t <= N; t++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		int common = (int)(x >> 60) - 8, own = (int)((x >> 52) & 15) - 8;
		pa[t] = (uint32_t)((int)pa[t - 1] + 150 * common + 40 * own);
		pb[t] = (uint32_t)((int)pb[t - 1] + 60 * common - 50 * own);
	}
	const int64_t qa = 300, qb = -700; /* long A, short B */
	for (int t = 0; t <= N; t++) {
		struct risk_model_msg a = { .kind = RISK_MODEL_MARK, .interval = (uint64_t)t,
			                    .locate = 1, .mark = pa[t], .position = qa };
		struct risk_model_msg b = { .kind = RISK_MODEL_MARK, .interval = (uint64_t)t,
			                    .locate = 2, .mark = pb[t], .position = qb };
		struct risk_model_msg c = { .kind = RISK_MODEL_CLOSE, .interval = (uint64_t)t,
			                    .seq = (uint64_t)t };
		send(in, &a);
		send(in, &b);
		send(in, &c);
		run(m);
	}
	struct risk_caps caps;
	risk_model_last(m, &caps);
	assert(caps.seq == N && caps.ninst == 2 && caps.nreturns == N);
	assert(risk_caps_read(&board, N, &caps) == 1 && caps.seq == N);
	struct risk_caps old;
	assert(risk_caps_read(&board, N - RISK_CAPS_SLOTS, &old) == 0); /* overwritten */

	/* the same figures, computed plainly */
	double ra[N], rb[N], ma = 0, mb = 0;
	for (int t = 0; t < N; t++) {
		ra[t] = log((double)pa[t + 1] / pa[t]);
		rb[t] = log((double)pb[t + 1] / pb[t]);
		ma += ra[t] / N;
		mb += rb[t] / N;
	}
	double ea = (double)qa * pa[N], eb = (double)qb * pb[N];
	double saa = 0, sbb = 0, sab = 0, scen[N];
	for (int t = 0; t < N; t++) {
		saa += (ra[t] - ma) * (ra[t] - ma) / (N - 1);
		sbb += (rb[t] - mb) * (rb[t] - mb) / (N - 1);
		sab += (ra[t] - ma) * (rb[t] - mb) / (N - 1);
		scen[t] = ea * ra[t] + eb * rb[t];
	}
	qsort(scen, N, sizeof(double), cmpd);
	/* 95% of 40: the 2 worst; 99%: the worst */
	near(caps.var95_hist, -scen[1], "var95_hist");
	near(caps.es95_hist, -(scen[0] + scen[1]) / 2, "es95_hist");
	near(caps.var99_hist, -scen[0], "var99_hist");
	near(caps.es99_hist, -scen[0], "es99_hist");
	double sp = sqrt(ea * ea * saa + eb * eb * sbb + 2 * ea * eb * sab);
	near(caps.var95_param, 1.6448536269514722 * sp, "var95_param");
	near(caps.var99_param, 2.3263478740408408 * sp, "var99_param");
	near(caps.es99_param, sp * 2.6652142203457802, "es99_param");
	double corr = sab / sqrt(saa * sbb);
	near(caps.corr_exposure, sqrt(ea * ea + eb * eb + 2 * ea * eb * corr), "corr_exposure");
	assert(llabs(caps.max_abs_corr_ppm - (int64_t)llround(fabs(corr) * 1e6)) <= 1);
	assert(caps.position_ppm == 1000000 && !caps.kelly_valid);

	/* limits below the figures scale the caps: the smaller ratio wins */
	int64_t var99 = caps.var99_hist > caps.var99_param ? caps.var99_hist : caps.var99_param;
	lim.var_limit = var99 / 2;
	lim.corr_exposure_limit = caps.corr_exposure / 4;
	assert(risk_control_set_limits(&ctl, &lim, err, sizeof(err)) == 0);
	struct risk_model_msg c = { .kind = RISK_MODEL_CLOSE, .interval = N + 1, .seq = N + 1 };
	send(in, &c); /* no new marks: returns of 0, the exposures as before */
	run(m);
	risk_model_last(m, &caps);
	double want = fmin((double)lim.var_limit / (double)(caps.var99_hist > caps.var99_param
	                                                           ? caps.var99_hist
	                                                           : caps.var99_param),
	                   (double)lim.corr_exposure_limit / (double)caps.corr_exposure);
	assert(llabs((int64_t)caps.position_ppm - (int64_t)floor(want * 1e6)) <= 1);

	/* Kelly: 12 wins of 100 and 8 losses of 50: p 0.6, b 2, f = 0.6 - 0.4 / 2 */
	for (int t = 0; t < 20; t++) {
		struct risk_model_msg tr = { .kind = RISK_MODEL_FILL, .closing = 1,
			                         .pnl = t < 12 ? 100 : -50 };
		send(in, &tr);
		if (t == 18) {
			struct risk_model_msg c2 = { .kind = RISK_MODEL_CLOSE, .seq = N + 2 };
			send(in, &c2);
			run(m);
			risk_model_last(m, &caps);
			assert(!caps.kelly_valid); /* 19 trades: not yet */
		}
	}
	struct risk_model_msg c3 = { .kind = RISK_MODEL_CLOSE, .seq = N + 3 };
	send(in, &c3);
	struct risk_model_msg eos = { .kind = RISK_MODEL_EOS };
	send(in, &eos);
	uint32_t w;
	assert(risk_model_poll(m, &w) == CORE_EOF);
	risk_model_last(m, &caps);
	assert(caps.kelly_valid && caps.kelly_ppm == 400000);
	risk_model_destroy(m);
	core_ring_destroy(in);
}

/* Wilder's ATR over bars of marks, against the textbook recursion. */
static void test_atr(void)
{
	struct core_ring *in = core_ring_create("m", 1024, sizeof(struct risk_model_msg));
	static struct risk_caps_board board;
	static struct risk_control ctl;
	risk_control_init(&ctl);
	struct risk_model *m;
	char err[200];
	struct risk_model_cfg cfg = { .in = in, .board = &board, .ctl = &ctl, .window = 50 };
	assert(risk_model_create(&cfg, &m, err, sizeof(err)) == 0);
	enum { BARS = 30 };
	uint32_t hi[BARS], lo[BARS], cl[BARS];
	uint64_t x = 99;
	uint32_t c = 1000000;
	for (int t = 0; t < BARS; t++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		uint32_t open = c;
		c = (uint32_t)((int)c + (int)((x >> 50) % 4001) - 2000);
		hi[t] = (open > c ? open : c) + (uint32_t)((x >> 30) % 900);
		lo[t] = (open < c ? open : c) - (uint32_t)((x >> 40) % 700);
		cl[t] = c;
	}
	double atr = 0, sum = 0;
	for (int t = 0; t < BARS; t++) {
		struct risk_model_msg mk = { .kind = RISK_MODEL_MARK, .interval = (uint64_t)t,
			                     .locate = 9, .mark = cl[t], .high = hi[t], .low = lo[t] };
		struct risk_model_msg cm = { .kind = RISK_MODEL_CLOSE, .interval = (uint64_t)t,
			                     .seq = (uint64_t)t };
		send(in, &mk);
		send(in, &cm);
		run(m);
		double tr = (double)hi[t] - lo[t];
		if (t > 0) {
			double a = fabs((double)hi[t] - cl[t - 1]), b = fabs((double)lo[t] - cl[t - 1]);
			tr = tr > a ? tr : a;
			tr = tr > b ? tr : b;
		}
		if (t < RISK_ATR_PERIOD)
			sum += tr, atr = sum / RISK_ATR_PERIOD;
		else
			atr = (atr * (RISK_ATR_PERIOD - 1) + tr) / RISK_ATR_PERIOD;
		struct risk_caps caps;
		risk_model_last(m, &caps);
		assert(caps.atr_locate[0] == 9);
		if (t < RISK_ATR_PERIOD - 1)
			assert(caps.atr[0] == 0); /* not a full period yet */
		else
			assert(llabs((int64_t)caps.atr[0] - llround(atr)) <= 1);
	}
	risk_model_destroy(m);
	core_ring_destroy(in);
}

/* Publish caps by hand (one thread: the seqlock's even sequence is enough). */
static void put_caps(struct risk_caps_board *b, const struct risk_caps *c)
{
	uint64_t w[sizeof(b->slot[0].words) / sizeof(uint64_t)] = { 0 };
	memcpy(w, c, sizeof(*c));
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		atomic_store(&b->slot[c->seq % RISK_CAPS_SLOTS].words[i], w[i]);
	atomic_store(&b->slot[c->seq % RISK_CAPS_SLOTS].seq, 2);
	atomic_store(&b->latest, c->seq + 1);
}

/* An exit at 2 ATRs: live, the stage takes the newest caps; a loss of 2
 * ATRs per share fires the stop, a unit less does not. */
static void test_atr_exit(void)
{
	for (int edge = 0; edge < 2; edge++) {
		struct rig g;
		struct risk_limits lim = { .max_order_qty = 1000, .max_position = 1000,
			                   .collar_bps = 500, .stop_loss_atr = 200 };
		rig_init_with(&g, 64, 0, NULL, 0, &lim, false);
		risk_stage_destroy(g.s);
		struct core_ring *mr = core_ring_create("model", 256, sizeof(struct risk_model_msg));
		static struct risk_caps_board board;
		memset(&board, 0, sizeof(board));
		struct risk_stage_cfg cfg = { .intents_in = g.in, .reports_in = g.rep,
			                      .orders_out = g.out, .limits = lim, .ctl = &g.ctl,
			                      .model_out = mr, .caps = &board };
		char err[200];
		assert(risk_stage_create(&cfg, &g.s, err, sizeof(err)) == 0);
		struct risk_caps c = { .seq = 0, .position_ppm = 1000000 };
		c.atr_locate[0] = 1;
		c.atr[0] = 1000;
		put_caps(&board, &c);
		struct exec_report f = { .kind = EXEC_FILL, .order_id = 5, .locate = 1, .side = 'B',
			                 .qty = 100, .px = 1000100, .ts_ns = 1 };
		assert(core_ring_push(g.rep, &f) == 0);
		uint32_t w;
		struct order_msg om;
		uint32_t mids[2] = { 1000100, (uint32_t)(1000100 - 2000 + edge) };
		bool exit = false;
		for (int k = 0; k < 2; k++) {
			struct order_intent it = { .kind = INTENT_WATERMARK, .seq = g.seq++,
				                   .ts_ns = 2 + (uint64_t)k, .locate = 1,
				                   .bid_px = mids[k] - 100, .ask_px = mids[k] + 100 };
			assert(core_ring_push(g.in, &it) == 0);
			risk_stage_poll(g.s, &w);
			while (core_ring_pop(g.out, &om) == 0)
				exit |= (om.flags & ORDER_F_EXIT) && om.side == 'S' && om.qty == 100;
		}
		assert(exit == (edge == 0));
		struct risk_stats st;
		risk_stage_stats(g.s, &st);
		assert(st.exits[0] == (edge == 0));
		rig_fini(&g);
		core_ring_destroy(mr);
	}
}

/* A buy intent with (calibrated) probability p through the stage: the
 * quantity of the order it became (0: none), its id and time. */
static uint32_t kelly_order(struct rig *g, uint8_t calibrated, uint16_t p, uint64_t *ret_id,
			    uint64_t *ret_ts)
{
	struct order_intent it = intent(g, 1, 'B', BID, 10);
	it.calibrated = calibrated;
	it.confidence = p;
	assert(core_ring_push(g->in, &it) == 0);
	uint32_t w, qty = 0;
	risk_stage_poll(g->s, &w);
	struct order_msg om;
	while (core_ring_pop(g->out, &om) == 0)
		if (om.kind == ORDER_NEW) {
			qty = om.qty;
			*ret_id = om.order_id;
		}
	*ret_ts = it.ts_ns;
	return qty;
}

/* Kelly sizing from a calibrated probability: with b = 2 from the trades
 * (history f = 0.4), an intent whose side is right with p = 0.7 is sized by
 * its own f = 0.7 - 0.3 / 2 = 0.55, one with p = 0.3 (f < 0) is refused, an
 * uncalibrated one takes the history's f; without b yet, the history's f. */
static void test_calibrated_kelly(void)
{
	struct rig g;
	struct risk_limits lim = { .max_order_qty = 100000, .max_position = 1000000,
		                   .collar_bps = 500, .capital = 10000000000LL,
		                   .kelly_ppm = 250000 };
	rig_init_with(&g, 64, 0, NULL, 0, &lim, false);
	risk_stage_destroy(g.s);
	struct core_ring *mr = core_ring_create("model", 256, sizeof(struct risk_model_msg));
	static struct risk_caps_board board;
	memset(&board, 0, sizeof(board));
	struct risk_stage_cfg cfg = { .intents_in = g.in, .reports_in = g.rep, .orders_out = g.out,
		                      .limits = lim, .ctl = &g.ctl, .model_out = mr, .caps = &board };
	char err[200];
	assert(risk_stage_create(&cfg, &g.s, err, sizeof(err)) == 0);
	struct risk_caps c = { .seq = 0, .position_ppm = 1000000, .kelly_ppm = 400000,
		               .kelly_valid = 1, .kelly_b_ppm = 2000000 };
	put_caps(&board, &c);
	struct {
		uint8_t calibrated;
		uint16_t p;
		uint32_t want; /* 0: refused by Kelly */
	} cases[] = {
		{ 1, 7000, 1375 }, /* 0.25 * 0.55 * 1e10 / 1e6 */
		{ 1, 3000, 0 },
		{ 0, 3000, 1000 }, /* 0.25 * 0.4 * 1e10 / 1e6 */
		{ 1, 5000, 625 },  /* 0.5 - 0.5 / 2 = 0.25 */
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		uint64_t id, ts;
		uint32_t got = kelly_order(&g, cases[k].calibrated, cases[k].p, &id, &ts);
		if (got != cases[k].want)
			fprintf(stderr, "case %zu: qty %u, want %u\n", k, got, cases[k].want);
		assert(got == cases[k].want);
		/* every order is cancelled at once: exposure stays clear */
		if (got) {
			struct exec_report x = { .kind = EXEC_CANCELED, .order_id = id, .locate = 1,
				                 .side = 'B', .qty = got, .px = BID, .ts_ns = ts };
			assert(core_ring_push(g.rep, &x) == 0);
		}
	}
	struct risk_stats st;
	risk_stage_stats(g.s, &st);
	assert(st.rejects[RISK_R_KELLY] == 1);
	/* no payoff from the trades yet (no loss seen): the history's f */
	c.seq = 1;
	c.kelly_b_ppm = 0;
	put_caps(&board, &c);
	uint64_t id, ts;
	assert(kelly_order(&g, 1, 3000, &id, &ts) == 1000);
	rig_fini(&g);
	core_ring_destroy(mr);
}

/* The stage with the model: closes at boundaries, caps after the lag. */
static void test_stage_with_model(void)
{
	struct rig g;
	struct risk_limits lim = { .max_order_qty = 1000, .max_position = 1000, .collar_bps = 500,
		                   .capital = 1000000000000LL };
	rig_init_with(&g, 256, 0, NULL, 0, &lim, false);
	risk_stage_destroy(g.s); /* again, with the model's rings and in replay mode */
	struct core_ring *mr = core_ring_create("model", 4096, sizeof(struct risk_model_msg));
	static struct risk_caps_board board;
	memset(&board, 0, sizeof(board));
	struct risk_stage_cfg cfg = { .intents_in = g.in, .reports_in = g.rep, .orders_out = g.out,
		                      .limits = lim, .ctl = &g.ctl, .model_out = mr,
		                      .caps = &board, .model_interval_ms = 1000,
		                      .venue_sync = true };
	char err[200];
	assert(risk_stage_create(&cfg, &g.s, err, sizeof(err)) == 0);
	struct risk_model *m;
	struct risk_model_cfg mc = { .in = mr, .board = &board, .ctl = &g.ctl, .window = 8 };
	assert(risk_model_create(&mc, &m, err, sizeof(err)) == 0);
	/* a long of 500 so the model has an exposure, then a book per second */
	struct exec_report f = { .kind = EXEC_FILL, .order_id = 77, .locate = 1, .side = 'B',
		                 .qty = 500, .px = BID, .ts_ns = 1 };
	assert(core_ring_push(g.rep, &f) == 0);
	uint64_t sec = 1000000000ull;
	uint32_t w;
	struct order_msg om;
	for (uint64_t t = 0; t < RISK_CAPS_LAG + 3; t++) {
		/* the venue has done everything before each seq (a replay) */
		struct exec_report p = { .kind = EXEC_PROGRESS, .seq = g.seq };
		assert(core_ring_push(g.rep, &p) == 0);
		uint32_t mid = BID + 100 + (uint32_t)(t % 3) * 2000;
		struct order_intent it = { .kind = INTENT_WATERMARK, .seq = g.seq++, .ts_ns = t * sec,
			                   .locate = 1, .bid_px = mid - 100, .ask_px = mid + 100 };
		assert(core_ring_push(g.in, &it) == 0);
		risk_stage_poll(g.s, &w);
		while (core_ring_pop(g.out, &om) == 0)
			;
		if (t < 1) /* the model then stops: the caps of close 0 never come */
			run(m);
	}
	struct risk_stats st;
	risk_stage_stats(g.s, &st);
	/* at the close RISK_CAPS_LAG + 1 the stage needs close 0's caps: it waits */
	assert(st.model_waits > 0 && st.caps_interval == 0);
	struct order_intent it = intent(&g, 1, 'B', BID, 10);
	it.ts_ns = (RISK_CAPS_LAG + 2) * sec + 1;
	struct exec_report p = { .kind = EXEC_PROGRESS, .seq = it.seq };
	assert(core_ring_push(g.rep, &p) == 0);
	assert(core_ring_push(g.in, &it) == 0);
	risk_stage_poll(g.s, &w);
	assert(core_ring_pop(g.out, &om) == CORE_RING_EMPTY); /* still waiting */
	/* the model catches up: the caps arrive, the waiting intents go */
	for (int k = 0; k < 4; k++) {
		run(m);
		risk_stage_poll(g.s, &w);
	}
	risk_stage_stats(g.s, &st);
	assert(st.caps_interval > 0 && st.position_ppm == 1000000);
	bool got = false;
	while (core_ring_pop(g.out, &om) == 0)
		got |= om.kind == ORDER_NEW && om.seq == it.seq && om.qty == 10;
	assert(got);

	/* a VaR limit far below the model's figure: the position caps shrink,
	 * only reducing orders pass once the caps are in force */
	struct risk_limits l2 = lim;
	l2.var_limit = 1;
	assert(risk_control_set_limits(&g.ctl, &l2, err, sizeof(err)) == 0);
	uint64_t t0 = RISK_CAPS_LAG + 3;
	for (uint64_t t = t0; t < t0 + RISK_CAPS_LAG + 2; t++) {
		struct exec_report pr = { .kind = EXEC_PROGRESS, .seq = g.seq };
		assert(core_ring_push(g.rep, &pr) == 0);
		struct order_intent wm = { .kind = INTENT_WATERMARK, .seq = g.seq++, .ts_ns = t * sec,
			                   .locate = 1, .bid_px = BID, .ask_px = ASK };
		assert(core_ring_push(g.in, &wm) == 0);
		for (int k = 0; k < 3; k++) {
			risk_stage_poll(g.s, &w);
			run(m);
		}
		while (core_ring_pop(g.out, &om) == 0)
			;
	}
	risk_stage_stats(g.s, &st);
	assert(st.position_ppm < 1000000);
	struct order_intent more = intent(&g, 1, 'B', BID, 10);
	more.ts_ns = (t0 + RISK_CAPS_LAG + 2) * sec;
	struct exec_report pr = { .kind = EXEC_PROGRESS, .seq = more.seq };
	assert(core_ring_push(g.rep, &pr) == 0);
	assert(core_ring_push(g.in, &more) == 0);
	for (int k = 0; k < 3; k++) {
		risk_stage_poll(g.s, &w);
		run(m);
	}
	risk_stage_stats(g.s, &st);
	assert(st.rejects[RISK_R_POSITION] == 1);
	risk_model_destroy(m);
	rig_fini(&g);
	core_ring_destroy(mr);
}

int main(void)
{
	core_clock_init(1);
	test_var_two_instruments();
	test_atr();
	test_atr_exit();
	test_calibrated_kelly();
	test_stage_with_model();
	printf("risk model: ok\n");
	return 0;
}
