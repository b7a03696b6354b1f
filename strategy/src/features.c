/* features.c - the features stage: md_event -> feature_vec, O(1) integer indicators per event. */
#include "strategy.h"
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

static int32_t ratio128(__int128 num, __int128 den, int64_t scale)
{
	if (den <= 0)
		return 0;
	__int128 n = num * scale * FEATURE_ONE;
	__int128 q = n >= 0 ? (n + den / 2) / den : -((-n + den / 2) / den);
	return strat__sat32(q);
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
		int64_t r = strat__div_round((mid2 - prev) * 10000 * 256, prev);
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
	in->flow_sign += strat__div_round((sign * FEATURE_ONE - in->flow_sign) * 2, FLOW_PERIOD + 1);
	in->flow_sqty += strat__div_round((sign * q * FEATURE_ONE - in->flow_sqty) * 2, FLOW_PERIOD + 1);
	in->flow_aqty += strat__div_round((q * FEATURE_ONE - in->flow_aqty) * 2, FLOW_PERIOD + 1);
}

static int32_t ret_k(const struct inst *in, uint64_t k)
{
	if (in->ticks <= k)
		return 0;
	int64_t now = in->mid2[(in->ticks - 1) % HIST_TICKS];
	int64_t then = in->mid2[(in->ticks - 1 - k) % HIST_TICKS];
	return strat_q16_ratio(now - then, then, 10000);
}

static int32_t ema_dev(int64_t x_q16, const struct strat_ema *e)
{
	if (!strat_ema_ready(e))
		return 0;
	int64_t v = strat_ema_value(e);
	return ratio128((__int128)x_q16 - v, v, 10000);
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
	f[STRAT_F_SPREAD_BPS] = strat_q16_ratio(2 * spread, mid2, 10000);
	f[STRAT_F_IMBALANCE] = bq + aq ? strat_q16_ratio(bq - aq, bq + aq, 1) : 0;
	/* microprice - mid = spread/2 * imbalance; relative to mid = spread * (bq - aq) / (mid2 * (bq + aq)) */
	f[STRAT_F_MICRO_BPS] =
		bq + aq ? ratio128((__int128)spread * (bq - aq), (__int128)mid2 * (bq + aq), 10000) : 0;
	f[STRAT_F_RET1_BPS] = ret_k(in, 1);
	f[STRAT_F_RET8_BPS] = ret_k(in, 8);
	f[STRAT_F_RET32_BPS] = ret_k(in, 32);
	int64_t x_q16 = mid2 * FEATURE_ONE;
	f[STRAT_F_EMA_FAST_BPS] = ema_dev(x_q16, &in->fast);
	f[STRAT_F_EMA_SLOW_BPS] = ema_dev(x_q16, &in->slow);
	f[STRAT_F_EMA_CROSS_BPS] = strat_ema_ready(&in->slow) ?
		ema_dev(strat_ema_value(&in->fast), &in->slow) : 0;
	f[STRAT_F_RSI] = strat_rsi_centred(&in->rsi);
	if (in->ticks > VOL_WINDOW) {
		/* sumsq/W is in (1/256 bps)^2; sqrt gives 1/256 bps; << 8 makes Q16. */
		uint64_t v = strat_isqrt(in->sumsq / VOL_WINDOW) << 8;
		f[STRAT_F_VOL_BPS] = v > INT32_MAX ? INT32_MAX : (int32_t)v;
	}
	f[STRAT_F_FLOW_SIGN] = strat__sat32(in->flow_sign);
	f[STRAT_F_FLOW_QTY] = in->flow_aqty > 0 ? strat_q16_ratio(in->flow_sqty, in->flow_aqty, 1) : 0;
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

	struct strat_features *s = core_alloc(sizeof(*s), CORE_CACHE_LINE);
	if (!s)
		goto fail_nomem;
	s->pool.map = core_alloc(65536 * sizeof(uint32_t), CORE_CACHE_LINE);
	if (!s->pool.map)
		goto out_free_stage;
	s->insts = core_alloc((size_t)maxi * sizeof(struct inst), CORE_CACHE_LINE);
	if (!s->insts)
		goto out_free_map;
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

out_free_map:
	core_free(s->pool.map);
out_free_stage:
	core_free(s);
fail_nomem:
	core_errf(err, errlen, "strat_features: out of memory (%u instruments)", maxi);
	return -ENOMEM;
}

struct strat_features *strat_features_destroy(struct strat_features *s)
{
	if (!s)
		return NULL;
	core_free(s->insts);
	core_free(s->pool.map);
	core_free(s);
	return NULL;
}

void strat_features_stats(const struct strat_features *s, struct strat_features_stats *ret)
{
	*ret = s->st;
}
