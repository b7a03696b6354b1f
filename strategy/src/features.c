/* features.c - the features stage: md_event -> feature_vec, O(1) integer indicators per event. */
#include "strategy.h"
#include "fixed.h"
#include "strat_internal.h"

#define HIST_TICKS 64  /* mid2 ring: needs > 32 past ticks for the 32-tick return */
#define VOL_WINDOW 32  /* 1-tick returns in the volatility window */
#define RSI_PERIOD 14
#define FLOW_PERIOD 16
#define RET_Q8_MAX (1 << 23) /* clamp of a 1-tick return in 1/256 bps: 32768 bps */

static_assert((HIST_TICKS & (HIST_TICKS - 1)) == 0, "power of two");
static_assert((VOL_WINDOW & (VOL_WINDOW - 1)) == 0, "power of two");

struct inst {
	int64_t mid2[HIST_TICKS]; /* bid_px + ask_px at each tick */
	int32_t ret_q8[VOL_WINDOW]; /* 1-tick returns, 1/256 bps */
	uint64_t sumsq;           /* sum of ret_q8^2 over the window (exact) */
	uint64_t ticks;
	int64_t last_mid2;
	struct strat_ema fast, slow;
	struct strat_rsi rsi;
	int64_t flow_sign;        /* Q16 */
	int64_t flow_sqty;        /* Q16 shares */
	int64_t flow_aqty;        /* Q16 shares */
};

struct strat_features {
	struct core_ring *in, *out;
	struct core_hist_pair *hist;
	uint32_t burst;
	uint32_t ema_fast, ema_slow;
	enum strat_sample sample;
	bool eof;
	uint64_t warm_ticks; /* ticks an instrument needs before warm */
	struct strat__pool pool;
	struct inst *insts;
	struct strat_features_stats st;
};

/*
 * Per-message arithmetic without 128-bit division. Every feature is a rounded
 * Q16 ratio: round(num * k / den), half away from zero, saturated to int32,
 * 0 when den <= 0, with k = scale * 65536 <= 655360000 < 2^30. It used to be
 * computed on __int128 operands (strat_q16_ratio and a local ratio128): a
 * call to libgcc's __divti3 per feature, about ten per message. Here the
 * sign is split off, |num| < 2^64 (prices and sizes are 32-bit), so
 * n = |num| * k + den / 2 is one 64x64->128 multiply, and:
 *  - n and den both below 2^64: one 64-bit division. Always so for spread_bps
 *    and the returns (|num| < 2^34, den < 2^33) and for imbalance (|num| <
 *    2^32, k = 2^16); for the EMA deviations while mid2 (bid + ask) is
 *    within about 430,000 price units (1e-4) of its EMA, i.e. the mid
 *    within about $21 of it; for micro_bps while
 *    |spread * (bq - aq)| < 2^34 and mid2 * (bq + aq) < 2^64, and for rsi and
 *    flow_qty while their Q16 numerators are below 2^48: on the AMZN day,
 *    every message;
 *  - otherwise (udiv_wide, out of line): a quotient of 2^32 or more only
 *    saturates, so n >= den * 2^32 is answered by a compare; below that,
 *    x86-64's divq divides the 128-bit n by a 64-bit den (the quotient fits
 *    64 bits, so it cannot fault), and a 32-step shift-subtract loop covers
 *    den >= 2^64 (micro_bps only: mid2 * (bq + aq) < 2^66) and other CPUs.
 * tests/strategy/test_features_exact.c checks the stage's output bit for bit
 * against the 128-bit formulas on random and extreme books.
 */
static CORE_COLD uint64_t udiv_wide(unsigned __int128 n, unsigned __int128 d)
{
	if ((n >> 32) >= d) /* n >= d * 2^32 (d is an integer) */
		return (uint64_t)1 << 32;
#if defined(__x86_64__)
	if (!(d >> 64)) {
		/* n < d * 2^32, so n's high half is below d: the quotient fits 64 bits */
		uint64_t q, rem;
		__asm__("divq %4"
			: "=a"(q), "=d"(rem)
			: "a"((uint64_t)n), "d"((uint64_t)(n >> 64)), "rm"((uint64_t)d)
			: "cc");
		return q;
	}
#endif
	/* restoring division: the quotient has at most 32 bits, d < 2^96 */
	uint64_t q = 0;
	for (int i = 31; i >= 0; i--) {
		if ((n >> i) >= d) {
			n -= d << i;
			q |= (uint64_t)1 << i;
		}
	}
	return q;
}

/* floor(n / d) for d > 0 when it is below 2^32, else some value >= 2^32. */
static inline uint64_t udiv_capped(unsigned __int128 n, unsigned __int128 d)
{
	if (!((n | d) >> 64))
		return (uint64_t)n / (uint64_t)d;
	return udiv_wide(n, d);
}

/* round(+-mag * k / den), half away from zero, saturated to int32; den > 0. */
static inline int32_t ratio_mag(bool neg, uint64_t mag, uint64_t k, unsigned __int128 den)
{
	uint64_t q = udiv_capped((unsigned __int128)mag * k + (den >> 1), den);
	if (neg)
		return q > (uint64_t)INT32_MAX + 1 ? INT32_MIN : (int32_t)(0 - (int64_t)q);
	return q > INT32_MAX ? INT32_MAX : (int32_t)q;
}

/* strat_q16_ratio(num, den, scale) for scale 1 or 10000, bit for bit. */
static inline int32_t q16_ratio(int64_t num, int64_t den, uint32_t scale)
{
	if (den <= 0)
		return 0;
	uint64_t mag = num < 0 ? 0 - (uint64_t)num : (uint64_t)num;
	return ratio_mag(num < 0, mag, (uint64_t)scale * FEATURE_ONE, (uint64_t)den);
}

/* strat__sat32 of an int64, inline. */
static inline int32_t sat32(int64_t v)
{
	return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}

/* strat__div_round inline, so a constant b becomes a multiply (b > 0). */
static inline int64_t div_round(int64_t a, int64_t b)
{
	if (a >= 0)
		return (a + b / 2) / b;
	return -((-a + b / 2) / b);
}

static struct inst *inst_get(struct strat_features *s, uint16_t locate)
{
	uint32_t idx = s->pool.map[locate];
	if (idx)
		return &s->insts[idx - 1];
	if (s->pool.used == s->pool.cap)
		return NULL;
	idx = ++s->pool.used;
	s->pool.map[locate] = idx;
	struct inst *in = &s->insts[idx - 1];
	/* Pool memory is zeroed by core_alloc; only the periods need setting. */
	strat_ema_init(&in->fast, s->ema_fast);
	strat_ema_init(&in->slow, s->ema_slow);
	strat_rsi_init(&in->rsi, RSI_PERIOD);
	s->st.instruments = s->pool.used;
	return in;
}

static void tick(struct strat_features *s, struct inst *in, int64_t mid2)
{
	uint64_t t = in->ticks;
	in->mid2[t % HIST_TICKS] = mid2;
	if (t >= 1) {
		int64_t prev = in->mid2[(t - 1) % HIST_TICKS];
		/* |mid2 - prev| < 2^33: the product fits 64 bits */
		int64_t r = div_round((mid2 - prev) * 10000 * 256, prev);
		if (r > RET_Q8_MAX)
			r = RET_Q8_MAX;
		if (r < -RET_Q8_MAX)
			r = -RET_Q8_MAX;
		uint64_t nret = t - 1; /* returns before this one */
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
	s->st.ticks++;
}

static void flow(struct inst *in, const struct md_event *ev)
{
	int64_t sign = ev->side == 'S' ? 1 : -1; /* resting sell lifted: buyer-initiated */
	int64_t q = ev->qty;
	in->flow_sign += div_round((sign * FEATURE_ONE - in->flow_sign) * 2, FLOW_PERIOD + 1);
	in->flow_sqty += div_round((sign * q * FEATURE_ONE - in->flow_sqty) * 2, FLOW_PERIOD + 1);
	in->flow_aqty += div_round((q * FEATURE_ONE - in->flow_aqty) * 2, FLOW_PERIOD + 1);
}

static int32_t ret_k(const struct inst *in, uint64_t k)
{
	if (in->ticks <= k)
		return 0;
	int64_t now = in->mid2[(in->ticks - 1) % HIST_TICKS];
	int64_t then = in->mid2[(in->ticks - 1 - k) % HIST_TICKS];
	return q16_ratio(now - then, then, 10000); /* |now - then| < 2^33 */
}

static int32_t ema_dev(int64_t x_q16, const struct strat_ema *e)
{
	if (!strat_ema_ready(e))
		return 0;
	int64_t v = strat_ema_value(e);
	if (v <= 0)
		return 0;
	/* |x - v| < 2^64 whatever the int64 operands */
	bool neg = x_q16 < v;
	uint64_t mag = neg ? (uint64_t)v - (uint64_t)x_q16 : (uint64_t)x_q16 - (uint64_t)v;
	return ratio_mag(neg, mag, 10000u * FEATURE_ONE, (uint64_t)v);
}

/* strat_rsi_centred with the division above. */
static int32_t rsi_centred(const struct strat_rsi *r)
{
	if (!strat_rsi_ready(r) || r->gain + r->loss == 0)
		return 0;
	return q16_ratio(r->gain - r->loss, r->gain + r->loss, 1);
}

static void compute(struct strat_features *s, const struct md_event *ev, struct feature_vec *fv)
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
	struct inst *in = inst_get(s, ev->locate);
	if (!in) {
		s->st.pool_full++;
		return;
	}
	if (trade) {
		flow(in, ev);
		s->st.trades++;
	}
	if (!two_sided)
		return;

	int64_t mid2 = (int64_t)ev->bid_px + ev->ask_px;
	if (s->sample == STRAT_SAMPLE_EVERY_EVENT || in->ticks == 0 || mid2 != in->last_mid2)
		tick(s, in, mid2);

	int64_t bq = ev->bid_qty, aq = ev->ask_qty;
	int64_t spread = (int64_t)ev->ask_px - ev->bid_px;
	int32_t *f = fv->f;
	f[STRAT_F_SPREAD_BPS] = q16_ratio(2 * spread, mid2, 10000);
	f[STRAT_F_IMBALANCE] = bq + aq ? q16_ratio(bq - aq, bq + aq, 1) : 0;
	/* microprice - mid = spread/2 * imbalance; relative to mid = spread * (bq - aq) / (mid2 * (bq + aq)).
	 * |spread|, |bq - aq| < 2^32: their product's magnitude fits 64 bits; mid2 * (bq + aq) < 2^66. */
	if (bq + aq) {
		uint64_t sm = spread < 0 ? (uint64_t)-spread : (uint64_t)spread;
		uint64_t im = bq < aq ? (uint64_t)(aq - bq) : (uint64_t)(bq - aq);
		f[STRAT_F_MICRO_BPS] = ratio_mag((spread < 0) != (bq < aq), sm * im, 10000u * FEATURE_ONE,
						 (unsigned __int128)mid2 * (uint64_t)(bq + aq));
	} else {
		f[STRAT_F_MICRO_BPS] = 0;
	}
	f[STRAT_F_RET1_BPS] = ret_k(in, 1);
	f[STRAT_F_RET8_BPS] = ret_k(in, 8);
	f[STRAT_F_RET32_BPS] = ret_k(in, 32);
	int64_t x_q16 = mid2 * FEATURE_ONE;
	f[STRAT_F_EMA_FAST_BPS] = ema_dev(x_q16, &in->fast);
	f[STRAT_F_EMA_SLOW_BPS] = ema_dev(x_q16, &in->slow);
	f[STRAT_F_EMA_CROSS_BPS] = strat_ema_ready(&in->slow) ?
		ema_dev(strat_ema_value(&in->fast), &in->slow) : 0;
	f[STRAT_F_RSI] = rsi_centred(&in->rsi);
	if (in->ticks > VOL_WINDOW) {
		/* sumsq/W is in (1/256 bps)^2; sqrt gives 1/256 bps; << 8 makes Q16. */
		uint64_t v = strat_isqrt(in->sumsq / VOL_WINDOW) << 8;
		f[STRAT_F_VOL_BPS] = v > INT32_MAX ? INT32_MAX : (int32_t)v;
	}
	f[STRAT_F_FLOW_SIGN] = sat32(in->flow_sign);
	f[STRAT_F_FLOW_QTY] = in->flow_aqty > 0 ? q16_ratio(in->flow_sqty, in->flow_aqty, 1) : 0;
	fv->n = STRAT_FEATURE_COUNT;
	fv->warm = in->ticks >= s->warm_ticks;
	s->st.vectors++;
	s->st.warm += fv->warm;
}

int strat_features_poll(void *ctx, uint32_t *ret_work)
{
	struct strat_features *s = ctx;
	*ret_work = 0;
	if (s->eof)
		return CORE_EOF;
	uint32_t avail = core_ring_readable_upto(s->in, s->burst);
	if (avail == 0)
		return 0;

	struct core_timer tm;
	core_timer_begin(&tm, s->hist);
	uint32_t done = 0;
	while (done < avail) {
		const struct md_event *ev = core_ring_peek(s->in, done);
		struct feature_vec *fv = core_ring_reserve(s->out);
		if (!fv) {
			s->st.out_full++;
			break;
		}
		compute(s, ev, fv);
		core_ring_commit(s->out, 1);
		done++;
		core_timer_lap(&tm);
		if (ev->kind == MD_EOS) {
			s->eof = true;
			break;
		}
	}
	if (done)
		core_ring_release(s->in, done);
	core_timer_end(&tm);
	s->st.events += done;
	*ret_work = done;
	return s->eof ? CORE_EOF : 0;
}

CORE_COLD int strat_features_create(const struct strat_features_cfg *cfg,
				    struct strat_features **ret_stage, char *err, size_t errlen)
{
	if (!cfg || !ret_stage) {
		core_errf(err, errlen, "strat_features: cfg and ret_stage are required");
		return -EINVAL;
	}
	if (core_ring_check(cfg->in, "strat_features", "in", sizeof(struct md_event), "md_event",
	                    err, errlen) < 0 ||
	    core_ring_check(cfg->out, "strat_features", "out", sizeof(struct feature_vec),
	                    "feature_vec", err, errlen) < 0)
		return -EINVAL;
	uint32_t maxi = cfg->max_instruments ? cfg->max_instruments : 1024;
	uint32_t fast = cfg->ema_fast ? cfg->ema_fast : 8;
	uint32_t slow = cfg->ema_slow ? cfg->ema_slow : 32;
	if (maxi > 65536) {
		core_errf(err, errlen, "strat_features: max_instruments %u out of range 1..65536",
		          maxi);
		return -EINVAL;
	}
	if (fast > 1024 || slow > 1024) {
		core_errf(err, errlen, "strat_features: ema periods %u/%u out of range 1..1024",
		          fast, slow);
		return -EINVAL;
	}
	if (cfg->sample != STRAT_SAMPLE_MID_CHANGE && cfg->sample != STRAT_SAMPLE_EVERY_EVENT) {
		core_errf(err, errlen, "strat_features: unknown sample mode %d", (int)cfg->sample);
		return -EINVAL;
	}

	struct core_layout l = core_layout_begin(sizeof(struct strat_features));
	size_t o_map = core_layout_add(&l, 65536, sizeof(uint32_t), CORE_CACHE_LINE);
	size_t o_insts = core_layout_add(&l, maxi, sizeof(struct inst), CORE_CACHE_LINE);
	struct strat_features *s = core_layout_alloc(&l);
	if (!s) {
		core_errf(err, errlen, "strat_features: out of memory (%u instruments)", maxi);
		return -ENOMEM;
	}
	s->pool.map = core_layout_at(s, o_map);
	s->insts = core_layout_at(s, o_insts);
	s->pool.cap = maxi;
	s->in = cfg->in;
	s->out = cfg->out;
	s->hist = cfg->hist;
	s->burst = cfg->burst ? cfg->burst : 32;
	s->ema_fast = fast;
	s->ema_slow = slow;
	s->sample = cfg->sample;
	/* warm: 32-tick return and full volatility window (33 ticks), slow/fast EMA, RSI(14) */
	uint64_t w = VOL_WINDOW + 1;
	if (slow > w)
		w = slow;
	if (fast > w)
		w = fast;
	if (RSI_PERIOD + 1 > w)
		w = RSI_PERIOD + 1;
	s->warm_ticks = w;
	*ret_stage = s;
	return 0;
}

struct strat_features *strat_features_destroy(struct strat_features *s)
{
	core_free(s); /* one block (core_layout) */
	return NULL;
}

void strat_features_stats(const struct strat_features *s, struct strat_features_stats *ret)
{
	*ret = s->st;
}
