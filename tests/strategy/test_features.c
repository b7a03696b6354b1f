/* test_features.c - the features stage through real rings: each feature against a
 * reference computed here, warm-up, saturation, one-sided/status events, the pool,
 * a full output ring (nothing dropped) and EOS. */
#undef NDEBUG
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../stage_poll.h"
#include "strategy.h"

#define MAXV 4096

static struct core_ring *md_ring, *fv_ring;
static struct feature_vec out[MAXV];
static unsigned nout;
static uint64_t next_seq = 1;

static struct md_event book(uint16_t locate, uint32_t bid, uint32_t bq, uint32_t ask, uint32_t aq)
{
	struct md_event e = { 0 };
	e.seq = next_seq++;
	e.ts_ns = 34200000000000ull + e.seq * 1000;
	e.t0_ns = e.seq * 7;
	e.locate = locate;
	e.kind = MD_ADD;
	e.flags = MD_F_BOOK;
	e.bid_px = bid;
	e.bid_qty = bq;
	e.ask_px = ask;
	e.ask_qty = aq;
	return e;
}

static void drain(void)
{
	struct feature_vec fv;
	while (core_ring_pop(fv_ring, &fv) == 0) {
		assert(nout < MAXV);
		out[nout++] = fv;
	}
}

/* Push one event, poll until it is consumed, return its feature vector. */
static const struct feature_vec *feed(struct strat_features *s, const struct md_event *e)
{
	assert(core_ring_push(md_ring, e) == 0);
	uint32_t w;
	int r = poll_once(strat_features_poll, s, &w);
	assert((r == 0 || r == CORE_EOF) && w == 1);
	unsigned before = nout;
	drain();
	assert(nout == before + 1);
	const struct feature_vec *fv = &out[nout - 1];
	assert(fv->seq == e->seq && fv->ts_ns == e->ts_ns && fv->t0_ns == e->t0_ns);
	assert(fv->locate == e->locate && fv->kind == e->kind && fv->flags == e->flags);
	assert(fv->bid_px == e->bid_px && fv->ask_px == e->ask_px);
	assert(fv->bid_qty == e->bid_qty && fv->ask_qty == e->ask_qty);
	return fv;
}

static double q(int32_t v)
{
	return (double)v / FEATURE_ONE;
}

static void near(int32_t got, double want, double tol)
{
	if (fabs(q(got) - want) > tol) {
		fprintf(stderr, "got %.9f want %.9f\n", q(got), want);
		assert(0);
	}
}

static void test_series(void)
{
	struct strat_features_cfg cfg = { .in = md_ring, .out = fv_ring, .burst = 8,
					  .max_instruments = 2 };
	struct strat_features *s = NULL;
	char err[256];
	assert(strat_features_create(&cfg, &s, err, sizeof(err)) == 0);

	/* one-sided and status events: carried, n = 0, warm = 0 */
	struct md_event e = book(7, 1000000, 100, 0, 0);
	const struct feature_vec *fv = feed(s, &e);
	assert(fv->n == 0 && fv->warm == 0);
	for (int i = 0; i < FEATURE_MAX; i++)
		assert(fv->f[i] == 0);
	e = book(7, 0, 0, 0, 0);
	e.kind = MD_STATUS;
	e.flags = MD_F_HALTED;
	fv = feed(s, &e);
	assert(fv->n == 0 && fv->warm == 0);

	/* a price path: ticks on mid changes only */
	enum { NT = 60 };
	double mids[NT];
	uint32_t bq = 300, aq = 100;
	double ema8 = 0, ema32 = 0, sum8 = 0, sum32 = 0, g = 0, l = 0;
	double rets[NT];
	for (int k = 0; k < NT; k++) {
		int64_t step = ((k * 37) % 11) - 5;
		if (step == 0)
			step = 3;
		uint32_t bid = (uint32_t)(2200000 + 100 * (k % 7) + 100 * step + 10 * k);
		uint32_t ask = bid + (uint32_t)(100 + 100 * (k % 3));
		e = book(7, bid, bq, ask, aq);
		fv = feed(s, &e);
		double mid = (bid + ask) / 2.0;
		mids[k] = mid;
		assert(k == 0 || mids[k] != mids[k - 1]); /* this path changes mid every event */
		assert(fv->n == STRAT_FEATURE_COUNT);
		/* warm exactly from the 33rd tick */
		assert(fv->warm == (k >= 32));
		/* book features */
		near(fv->f[STRAT_F_SPREAD_BPS], (ask - bid) / mid * 1e4, 1.0 / 65536);
		near(fv->f[STRAT_F_IMBALANCE], (300.0 - 100.0) / 400.0, 1.0 / 65536);
		double micro = (bid * (double)aq + ask * (double)bq) / (bq + aq);
		near(fv->f[STRAT_F_MICRO_BPS], (micro - mid) / mid * 1e4, 1.0 / 65536);
		/* returns over 1, 8, 32 ticks */
		rets[k] = k ? (mid - mids[k - 1]) / mids[k - 1] * 1e4 : 0;
		int lags[3] = { 1, 8, 32 };
		int idx[3] = { STRAT_F_RET1_BPS, STRAT_F_RET8_BPS, STRAT_F_RET32_BPS };
		for (int j = 0; j < 3; j++) {
			double want = k >= lags[j] ? (mid - mids[k - lags[j]]) / mids[k - lags[j]] * 1e4 : 0;
			near(fv->f[idx[j]], want, 1.0 / 65536);
		}
		/* EMA(8), EMA(32) in doubles, TA-Lib seeding */
		if (k < 8) {
			sum8 += mid;
			if (k == 7)
				ema8 = sum8 / 8;
		} else {
			ema8 += (mid - ema8) * 2 / 9;
		}
		if (k < 32) {
			sum32 += mid;
			if (k == 31)
				ema32 = sum32 / 32;
		} else {
			ema32 += (mid - ema32) * 2 / 33;
		}
		near(fv->f[STRAT_F_EMA_FAST_BPS], k >= 7 ? (mid - ema8) / ema8 * 1e4 : 0, 1e-3);
		near(fv->f[STRAT_F_EMA_SLOW_BPS], k >= 31 ? (mid - ema32) / ema32 * 1e4 : 0, 1e-3);
		near(fv->f[STRAT_F_EMA_CROSS_BPS], k >= 31 ? (ema8 - ema32) / ema32 * 1e4 : 0, 1e-3);
		/* Wilder RSI(14), centred */
		if (k >= 1) {
			double d = mid - mids[k - 1];
			double up = d > 0 ? d : 0, dn = d < 0 ? -d : 0;
			if (k <= 14) {
				g += up;
				l += dn;
				if (k == 14) {
					g /= 14;
					l /= 14;
				}
			} else {
				g = (g * 13 + up) / 14;
				l = (l * 13 + dn) / 14;
			}
		}
		near(fv->f[STRAT_F_RSI], k >= 14 ? (g - l) / (g + l) : 0, 1e-4);
		/* realized vol over the last 32 one-tick returns */
		if (k >= 32) {
			double ss = 0;
			for (int j = k - 31; j <= k; j++)
				ss += rets[j] * rets[j];
			near(fv->f[STRAT_F_VOL_BPS], sqrt(ss / 32), 0.01);
		} else {
			assert(fv->f[STRAT_F_VOL_BPS] == 0);
		}
		assert(fv->f[STRAT_F_FLOW_SIGN] == 0 && fv->f[STRAT_F_FLOW_QTY] == 0);
	}
	struct strat_features_stats st;
	strat_features_stats(s, &st);
	assert(st.ticks == NT);

	/* qty-only change: no tick, imbalance follows the book */
	e = book(7, out[nout - 1].bid_px, 100, out[nout - 1].ask_px, 300);
	fv = feed(s, &e);
	strat_features_stats(s, &st);
	assert(st.ticks == NT);
	near(fv->f[STRAT_F_IMBALANCE], -0.5, 1.0 / 65536);
	near(fv->f[STRAT_F_RET1_BPS], rets[NT - 1], 1.0 / 65536);

	/* trades: a lifted offer ('S' resting) is buyer-initiated */
	struct md_event t = e;
	t.seq = next_seq++;
	t.kind = MD_EXEC;
	t.side = 'S';
	t.qty = 100;
	fv = feed(s, &t);
	double fs = 2.0 / 17, sq = 100 * 2.0 / 17, aqe = 100 * 2.0 / 17;
	near(fv->f[STRAT_F_FLOW_SIGN], fs, 1.0 / 65536);
	assert(fv->f[STRAT_F_FLOW_QTY] == FEATURE_ONE);
	t.seq = next_seq++;
	t.side = 'B';
	t.qty = 300;
	fv = feed(s, &t);
	fs += (-1 - fs) * 2 / 17;
	sq += (-300 - sq) * 2 / 17;
	aqe += (300 - aqe) * 2 / 17;
	near(fv->f[STRAT_F_FLOW_SIGN], fs, 2.0 / 65536);
	near(fv->f[STRAT_F_FLOW_QTY], sq / aqe, 2.0 / 65536);
	assert(fv->f[STRAT_F_FLOW_SIGN] < 0 && fv->f[STRAT_F_FLOW_QTY] < 0);

	/* saturation: a second instrument whose mid jumps 10000x */
	e = book(9, 99, 10, 101, 10);
	fv = feed(s, &e);
	assert(fv->warm == 0 && fv->n == STRAT_FEATURE_COUNT);
	e = book(9, 999900, 0, 1000100, 10);
	fv = feed(s, &e);
	assert(fv->f[STRAT_F_RET1_BPS] == INT32_MAX);
	assert(fv->f[STRAT_F_IMBALANCE] == -FEATURE_ONE);
	e = book(9, 99, 10, 101, 10);
	fv = feed(s, &e);
	near(fv->f[STRAT_F_RET1_BPS], -9999.0, 1e-4); /* -99.99 % is representable */

	/* the pool holds 2 instruments: a third gets n = 0 and is counted */
	e = book(11, 1000, 1, 1002, 1);
	fv = feed(s, &e);
	assert(fv->n == 0 && fv->warm == 0);
	strat_features_stats(s, &st);
	assert(st.pool_full == 1 && st.instruments == 2);

	/* EOS is forwarded and the stage stays finished */
	e = book(0, 0, 0, 0, 0);
	e.kind = MD_EOS;
	fv = feed(s, &e);
	assert(fv->kind == MD_EOS);
	assert(poll_once(strat_features_poll, s, NULL) == CORE_EOF);
	assert(poll_once(strat_features_poll, s, NULL) == CORE_EOF);
	s = strat_features_destroy(s);
	assert(s == NULL);
}

/* A feature ring of 4 slots: the stage stops consuming instead of dropping. */
static void test_backpressure(void)
{
	struct core_ring *in = core_ring_create("md", 64, sizeof(struct md_event));
	struct core_ring *small = core_ring_create("fv4", 4, sizeof(struct feature_vec));
	assert(in && small);
	struct core_hist_pair *hp = core_alloc(sizeof(*hp), CORE_CACHE_LINE);
	assert(hp && core_hist_pair_init(hp) == 0);
	struct strat_features_cfg cfg = { .in = in, .out = small, .burst = 32, .hist = hp };
	struct strat_features *s = NULL;
	assert(strat_features_create(&cfg, &s, NULL, 0) == 0);
	uint64_t first = next_seq;
	for (int i = 0; i < 40; i++) {
		struct md_event e = book(3, 1000000 + 100 * (uint32_t)i, 5, 1000200 + 100 * (uint32_t)i, 5);
		assert(core_ring_push(in, &e) == 0);
	}
	struct md_event eos = book(0, 0, 0, 0, 0);
	eos.kind = MD_EOS;
	assert(core_ring_push(in, &eos) == 0);
	uint64_t expect = first;
	int r, stalls = 0;
	bool done = false;
	while (!done) {
		uint32_t w;
		r = poll_once(strat_features_poll, s, &w);
		assert(r >= 0);
		if (w == 0)
			stalls++;
		struct feature_vec fv;
		int got = 0;
		/* drain only 3 at a time so the ring keeps filling */
		while (got < 3 && core_ring_pop(small, &fv) == 0) {
			assert(fv.seq == expect);
			expect++;
			got++;
			if (fv.kind == MD_EOS)
				done = true;
		}
	}
	assert(expect == eos.seq + 1);
	struct strat_features_stats st;
	strat_features_stats(s, &st);
	assert(st.events == 41 && st.out_full > 0);
	assert(small->full_waits == st.out_full);
	assert(poll_once(strat_features_poll, s, NULL) == CORE_EOF);
	/* latency was recorded into the active histogram: one value per event */
	struct core_hist *h = core_hist_pair_begin(hp);
	core_hist_pair_end(hp);
	assert(h->total == 41);
	strat_features_destroy(s);
	core_hist_pair_fini(hp);
	core_free(hp);
	core_ring_destroy(in);
	core_ring_destroy(small);
}

/* Every-event sampling ticks on qty-only changes too; bad configs are refused with a message. */
static void test_config(void)
{
	struct strat_features *s = NULL;
	char err[256] = "";
	struct strat_features_cfg cfg = { .in = md_ring, .out = md_ring };
	assert(strat_features_create(&cfg, &s, err, sizeof(err)) == -EINVAL && s == NULL);
	assert(strstr(err, "feature_vec"));
	cfg.out = fv_ring;
	cfg.max_instruments = 70000;
	assert(strat_features_create(&cfg, &s, err, sizeof(err)) == -EINVAL);
	assert(strstr(err, "max_instruments"));
	cfg.max_instruments = 0;
	cfg.sample = STRAT_SAMPLE_EVERY_EVENT;
	assert(strat_features_create(&cfg, &s, err, sizeof(err)) == 0);
	for (int i = 0; i < 5; i++) {
		struct md_event e = book(1, 5000, 1 + (uint32_t)i, 5002, 1);
		feed(s, &e);
	}
	struct strat_features_stats st;
	strat_features_stats(s, &st);
	assert(st.ticks == 5);
	strat_features_destroy(s);
	assert(strat_features_destroy(NULL) == NULL);
}

int main(void)
{
	core_clock_init(1);
	md_ring = core_ring_create("md", 1024, sizeof(struct md_event));
	fv_ring = core_ring_create("fv", 1024, sizeof(struct feature_vec));
	assert(md_ring && fv_ring);
	test_series();
	test_backpressure();
	test_config();
	core_ring_destroy(md_ring);
	core_ring_destroy(fv_ring);
	printf("features: ok\n");
	return 0;
}
