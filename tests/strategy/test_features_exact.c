/* test_features_exact.c - the features stage bit for bit against a reference
 * model that computes every feature with the 128-bit formulas the stage used
 * before it avoided __divti3 (strategy/src/features.c up to commit 9ceb054:
 * strat_q16_ratio and ratio128 on __int128 operands), over random books:
 * realistic ones, and extreme ones (prices and sizes anywhere in 32 bits,
 * crossed and one-sided books, huge trades, jumps between tiny and huge
 * prices) that drive the stage's wide-division paths: a quotient of 2^32 or
 * more (saturation), a 128-bit numerator over a 64-bit denominator, and a
 * denominator of 2^64 or more. The reference counts which path each ratio
 * needs, and the test requires every one of them to have been exercised. */
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strategy.h"
#include "fixed.h"

/* ---- the reference: features.c's compute() with its old arithmetic ----- */

#define HIST_TICKS 64
#define VOL_WINDOW 32
#define RSI_PERIOD 14
#define FLOW_PERIOD 16
#define RET_Q8_MAX (1 << 23)

struct ref_inst {
	bool used;
	int64_t mid2[HIST_TICKS];
	int32_t ret_q8[VOL_WINDOW];
	uint64_t sumsq;
	uint64_t ticks;
	int64_t last_mid2;
	struct strat_ema fast, slow;
	struct strat_rsi rsi;
	int64_t flow_sign, flow_sqty, flow_aqty;
};

enum path { P_NARROW, P_SATURATED, P_WIDE_64, P_WIDE_DEN, P_N };
static uint64_t paths[P_N];

static int64_t div_round(int64_t a, int64_t b) /* strat__div_round */
{
	if (a >= 0)
		return (a + b / 2) / b;
	return -((-a + b / 2) / b);
}

static int32_t sat32(__int128 v) /* strat__sat32 */
{
	return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}

/* Which path the stage's udiv_capped takes for this ratio. */
static void classify(__int128 n, __int128 den)
{
	unsigned __int128 a = (unsigned __int128)(n < 0 ? -n : n) + (unsigned __int128)(den / 2);
	unsigned __int128 d = (unsigned __int128)den;
	if (!((a | d) >> 64))
		paths[P_NARROW]++;
	else if ((a >> 32) >= d)
		paths[P_SATURATED]++;
	else if (!(d >> 64))
		paths[P_WIDE_64]++;
	else
		paths[P_WIDE_DEN]++;
}

/* The old local ratio128 (and strat_q16_ratio's formula). */
static int32_t ratio128(__int128 num, __int128 den, int64_t scale)
{
	if (den <= 0)
		return 0;
	__int128 n = num * scale * FEATURE_ONE;
	classify(n, den);
	__int128 q = n >= 0 ? (n + den / 2) / den : -((-n + den / 2) / den);
	return sat32(q);
}

/* strat_q16_ratio itself (the library's 128-bit one), counted like the others. */
static int32_t q16_ratio(int64_t num, int64_t den, int64_t scale)
{
	if (den > 0)
		classify((__int128)num * scale * FEATURE_ONE, den);
	return strat_q16_ratio(num, den, scale);
}

struct ref {
	struct ref_inst *insts; /* by locate */
	uint32_t fast, slow;
	enum strat_sample sample;
	uint64_t warm_ticks;
};

static void ref_tick(struct ref_inst *in, int64_t mid2)
{
	uint64_t t = in->ticks;
	in->mid2[t % HIST_TICKS] = mid2;
	if (t >= 1) {
		int64_t prev = in->mid2[(t - 1) % HIST_TICKS];
		int64_t r = div_round((mid2 - prev) * 10000 * 256, prev);
		if (r > RET_Q8_MAX)
			r = RET_Q8_MAX;
		if (r < -RET_Q8_MAX)
			r = -RET_Q8_MAX;
		uint64_t nret = t - 1;
		int32_t *slot = &in->ret_q8[nret % VOL_WINDOW];
		if (nret >= VOL_WINDOW)
			in->sumsq -= (uint64_t)((int64_t)*slot * *slot);
		*slot = (int32_t)r;
		in->sumsq += (uint64_t)(r * r);
	}
	in->ticks = t + 1;
	in->last_mid2 = mid2;
	strat_ema_update(&in->fast, mid2);
	strat_ema_update(&in->slow, mid2);
	strat_rsi_update(&in->rsi, mid2);
}

static int32_t ref_ret_k(const struct ref_inst *in, uint64_t k)
{
	if (in->ticks <= k)
		return 0;
	int64_t now = in->mid2[(in->ticks - 1) % HIST_TICKS];
	int64_t then = in->mid2[(in->ticks - 1 - k) % HIST_TICKS];
	return q16_ratio(now - then, then, 10000);
}

static int32_t ref_ema_dev(int64_t x_q16, const struct strat_ema *e)
{
	if (!strat_ema_ready(e))
		return 0;
	int64_t v = strat_ema_value(e);
	return ratio128((__int128)x_q16 - v, v, 10000);
}

static void ref_compute(struct ref *R, const struct md_event *ev, struct feature_vec *fv)
{
	memset(fv, 0, sizeof(*fv));
	fv->t0_ns = ev->t0_ns;
	fv->ts_ns = ev->ts_ns;
	fv->seq = ev->seq;
	fv->bid_px = ev->bid_px;
	fv->bid_qty = ev->bid_qty;
	fv->ask_px = ev->ask_px;
	fv->ask_qty = ev->ask_qty;
	fv->locate = ev->locate;
	fv->kind = ev->kind;
	fv->flags = ev->flags;
	if (ev->kind == MD_EOS)
		return;
	bool trade = (ev->kind == MD_EXEC || ev->kind == MD_TRADE) &&
		     (ev->side == 'B' || ev->side == 'S') && ev->qty > 0;
	bool two_sided = ev->bid_px && ev->ask_px;
	if (!trade && !two_sided)
		return;
	struct ref_inst *in = &R->insts[ev->locate];
	if (!in->used) {
		in->used = true;
		strat_ema_init(&in->fast, R->fast);
		strat_ema_init(&in->slow, R->slow);
		strat_rsi_init(&in->rsi, RSI_PERIOD);
	}
	if (trade) {
		int64_t sign = ev->side == 'S' ? 1 : -1;
		int64_t q = ev->qty;
		in->flow_sign += div_round((sign * FEATURE_ONE - in->flow_sign) * 2, FLOW_PERIOD + 1);
		in->flow_sqty +=
			div_round((sign * q * FEATURE_ONE - in->flow_sqty) * 2, FLOW_PERIOD + 1);
		in->flow_aqty += div_round((q * FEATURE_ONE - in->flow_aqty) * 2, FLOW_PERIOD + 1);
	}
	if (!two_sided)
		return;
	int64_t mid2 = (int64_t)ev->bid_px + ev->ask_px;
	if (R->sample == STRAT_SAMPLE_EVERY_EVENT || in->ticks == 0 || mid2 != in->last_mid2)
		ref_tick(in, mid2);
	int64_t bq = ev->bid_qty, aq = ev->ask_qty;
	int64_t spread = (int64_t)ev->ask_px - ev->bid_px;
	int32_t *f = fv->f;
	f[STRAT_F_SPREAD_BPS] = q16_ratio(2 * spread, mid2, 10000);
	f[STRAT_F_IMBALANCE] = bq + aq ? q16_ratio(bq - aq, bq + aq, 1) : 0;
	f[STRAT_F_MICRO_BPS] =
		bq + aq ? ratio128((__int128)spread * (bq - aq), (__int128)mid2 * (bq + aq), 10000) : 0;
	f[STRAT_F_RET1_BPS] = ref_ret_k(in, 1);
	f[STRAT_F_RET8_BPS] = ref_ret_k(in, 8);
	f[STRAT_F_RET32_BPS] = ref_ret_k(in, 32);
	int64_t x_q16 = mid2 * FEATURE_ONE;
	f[STRAT_F_EMA_FAST_BPS] = ref_ema_dev(x_q16, &in->fast);
	f[STRAT_F_EMA_SLOW_BPS] = ref_ema_dev(x_q16, &in->slow);
	f[STRAT_F_EMA_CROSS_BPS] =
		strat_ema_ready(&in->slow) ? ref_ema_dev(strat_ema_value(&in->fast), &in->slow) : 0;
	/* strat_rsi_centred, counted */
	if (strat_rsi_ready(&in->rsi) && in->rsi.gain + in->rsi.loss != 0)
		classify((__int128)(in->rsi.gain - in->rsi.loss) * FEATURE_ONE,
			 in->rsi.gain + in->rsi.loss);
	f[STRAT_F_RSI] = strat_rsi_centred(&in->rsi);
	if (in->ticks > VOL_WINDOW) {
		uint64_t v = strat_isqrt(in->sumsq / VOL_WINDOW) << 8;
		f[STRAT_F_VOL_BPS] = v > INT32_MAX ? INT32_MAX : (int32_t)v;
	}
	f[STRAT_F_FLOW_SIGN] = sat32(in->flow_sign);
	f[STRAT_F_FLOW_QTY] = in->flow_aqty > 0 ? q16_ratio(in->flow_sqty, in->flow_aqty, 1) : 0;
	fv->n = STRAT_FEATURE_COUNT;
	fv->warm = in->ticks >= R->warm_ticks;
}

/* ---- random books -------------------------------------------------------- */

static uint64_t rs = 0x853c49e6748fea9bull;
static uint64_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}
static uint32_t below(uint64_t n) /* 0..n-1 */
{
	return (uint32_t)(rnd() % n);
}

enum regime { REALISTIC, EXTREME, JUMPS, NREGIMES };

struct walk {
	int64_t mid; /* 1e-4 units */
};

static uint32_t clamp_px(int64_t v)
{
	return v < 1 ? 1 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static struct md_event gen(enum regime g, struct walk *w, uint64_t seq, uint16_t locate)
{
	struct md_event e = { 0 };
	e.seq = seq;
	e.ts_ns = 34200000000000ull + seq * 100;
	e.t0_ns = seq * 3;
	e.locate = locate;
	e.kind = MD_ADD;
	e.flags = MD_F_BOOK;
	uint32_t r = below(100);
	switch (g) {
	case REALISTIC: {
		w->mid += (int64_t)below(5) * 100 - 200;
		if (w->mid < 10000)
			w->mid = 10000;
		uint32_t half = 50 + 100 * below(3);
		e.bid_px = clamp_px(w->mid - half);
		e.ask_px = clamp_px(w->mid + half);
		e.bid_qty = 1 + below(5000);
		e.ask_qty = 1 + below(5000);
		break;
	}
	case EXTREME: {
		e.bid_px = r < 30 ? (uint32_t)rnd() : UINT32_MAX - below(1000);
		e.ask_px = r < 60 ? (uint32_t)rnd() : UINT32_MAX - below(1000);
		e.bid_qty = r % 3 ? (uint32_t)rnd() : UINT32_MAX - below(3);
		e.ask_qty = r % 5 ? (uint32_t)rnd() : below(3);
		break;
	}
	default: { /* JUMPS: the mid leaps between tiny and huge, spreads wide or crossed */
		if (below(8) == 0)
			w->mid = below(2) ? 2 + below(1000) : (int64_t)UINT32_MAX - below(1000000);
		else
			w->mid += (int64_t)(rnd() % 2000001) - 1000000;
		if (w->mid < 2)
			w->mid = 2;
		int64_t half = below(4) ? (int64_t)below(1000) : (int64_t)(rnd() % 100000000);
		e.bid_px = clamp_px(w->mid - half);
		e.ask_px = clamp_px(w->mid + half);
		if (below(10) == 0) { /* crossed */
			uint32_t t = e.bid_px;
			e.bid_px = e.ask_px;
			e.ask_px = t;
		}
		e.bid_qty = below(3) ? below(100000) : (uint32_t)rnd();
		e.ask_qty = below(3) ? below(100000) : (uint32_t)rnd();
		break;
	}
	}
	/* one-sided books, trades, status events, now and then */
	uint32_t k = below(100);
	if (k < 3)
		e.bid_px = e.bid_qty = 0;
	else if (k < 6)
		e.ask_px = e.ask_qty = 0;
	else if (k < 8)
		e.kind = MD_STATUS;
	if (k >= 80) {
		e.kind = below(2) ? MD_EXEC : MD_TRADE;
		e.side = below(10) ? (below(2) ? 'B' : 'S') : 0;
		e.qty = g == REALISTIC ? 1 + below(1000) : below(4) ? (uint32_t)rnd() : below(2);
	}
	return e;
}

/* Books where micro_bps divides exactly with a denominator of 2^64 or more:
 * spread S = 2^17, |bq - aq| = I = 115000, bq + aq = T = S * I / 2, mid2 = M
 * = 2^22 * 625, so S * I * 655360000 = M * T / 2 and the rounded ratio is
 * exactly 1/2 + 1/2 = 1 (M * T > 2^64): the shift-subtract loop meets an exact
 * remainder. Then the mirror image (-1). */
static struct md_event crafted(uint64_t seq, uint16_t locate)
{
	struct md_event e = { 0 };
	e.seq = seq;
	e.ts_ns = 34200000000000ull + seq * 100;
	e.locate = locate;
	e.kind = MD_ADD;
	uint32_t big = 3768377500u, small = 3768262500u;
	e.bid_px = 1310654464u;
	e.ask_px = 1310785536u;
	e.bid_qty = seq & 1 ? big : small;
	e.ask_qty = seq & 1 ? small : big;
	return e;
}

/* ---- the comparison -------------------------------------------------------- */

static void run(enum regime g, enum strat_sample sample, uint32_t fast, uint32_t slow,
		uint64_t events)
{
	enum { CAP = 256 };
	struct core_ring *md = core_ring_create("md", CAP, sizeof(struct md_event));
	struct core_ring *fvr = core_ring_create("fv", CAP, sizeof(struct feature_vec));
	assert(md && fvr);
	struct strat_features_cfg cfg = { .in = md, .out = fvr, .burst = 32, .ema_fast = fast,
					  .ema_slow = slow, .sample = sample };
	struct strat_features *s = NULL;
	char err[256];
	assert(strat_features_create(&cfg, &s, err, sizeof(err)) == 0);
	enum { NLOC = 4 };
	struct ref R = { .fast = fast ? fast : 8, .slow = slow ? slow : 32, .sample = sample };
	R.insts = calloc(65536, sizeof(*R.insts));
	assert(R.insts);
	R.warm_ticks = VOL_WINDOW + 1;
	if (R.slow > R.warm_ticks)
		R.warm_ticks = R.slow;
	if (R.fast > R.warm_ticks)
		R.warm_ticks = R.fast;
	if (RSI_PERIOD + 1 > R.warm_ticks)
		R.warm_ticks = RSI_PERIOD + 1;
	struct walk w[NLOC];
	for (int i = 0; i < NLOC; i++)
		w[i].mid = 2200000 + 10000 * i;
	static struct md_event pending[CAP];
	uint64_t seq = 1, checked = 0;
	while (seq <= events + 1) {
		unsigned n = 0;
		while (n < CAP / 2 && seq <= events + 1) {
			uint16_t loc = (uint16_t)(1 + below(NLOC));
			pending[n] = g == EXTREME && seq <= 4 ? crafted(seq, loc)
							     : gen(g, &w[loc - 1], seq, loc);
			if (seq == events + 1)
				pending[n].kind = MD_EOS;
			assert(core_ring_push(md, &pending[n]) == 0);
			n++;
			seq++;
		}
		unsigned got = 0;
		while (got < n) {
			uint32_t work;
			int r = strat_features_poll(s, &work);
			assert(r >= 0);
			struct feature_vec out, want;
			while (core_ring_pop(fvr, &out) == 0) {
				ref_compute(&R, &pending[got], &want);
				if (g == EXTREME && out.seq <= 4)
					assert(want.f[STRAT_F_MICRO_BPS] == (out.seq & 1 ? 1 : -1));
				if (memcmp(&out, &want, sizeof(out))) {
					fprintf(stderr, "regime %d seq %llu: stage and reference differ\n",
						(int)g, (unsigned long long)out.seq);
					for (int i = 0; i < STRAT_FEATURE_COUNT; i++)
						fprintf(stderr, "  f[%d] %d %d\n", i, out.f[i], want.f[i]);
					fprintf(stderr, "  n %d/%d warm %d/%d\n", out.n, want.n, out.warm,
						want.warm);
					exit(1);
				}
				got++;
				checked++;
			}
		}
	}
	assert(checked == events + 1);
	free(R.insts);
	strat_features_destroy(s);
	core_ring_destroy(md);
	core_ring_destroy(fvr);
}

int main(void)
{
	const uint64_t per = 150000;
	for (int g = 0; g < NREGIMES; g++) {
		run((enum regime)g, STRAT_SAMPLE_MID_CHANGE, 0, 0, per);
		run((enum regime)g, STRAT_SAMPLE_EVERY_EVENT, 3, 50, per);
	}
	printf("features exact: %llu events, ratios by division path: narrow %llu, saturated %llu, "
	       "128/64 %llu, denominator >= 2^64 %llu\n",
	       (unsigned long long)(per + 1) * 2 * NREGIMES, (unsigned long long)paths[P_NARROW],
	       (unsigned long long)paths[P_SATURATED], (unsigned long long)paths[P_WIDE_64],
	       (unsigned long long)paths[P_WIDE_DEN]);
	for (int p = 0; p < P_N; p++)
		assert(paths[p] > 0);
	printf("features exact: ok\n");
	return 0;
}
