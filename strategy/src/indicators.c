/* indicators.c - streaming integer indicators (EMA, Wilder RSI), fixed-point
 * arithmetic, and the feature names with the schema hashes built from them. */
#include "strategy.h"
#include "fixed.h"
#include "strat_internal.h"

#define SCHEMA_VERSION "osprey-features/1;q16"

int64_t strat__div_round(int64_t a, int64_t b)
{
	/* b > 0; round half away from zero so results are symmetric in sign. */
	if (a >= 0)
		return (a + b / 2) / b;
	return -((-a + b / 2) / b);
}

int32_t strat__sat32(__int128 v)
{
	if (v > INT32_MAX)
		return INT32_MAX;
	if (v < INT32_MIN)
		return INT32_MIN;
	return (int32_t)v;
}

int32_t strat_q16_ratio(int64_t num, int64_t den, int64_t scale)
{
	if (den <= 0)
		return 0;
	__int128 n = (__int128)num * scale * FEATURE_ONE;
	__int128 q;
	if (n >= 0)
		q = (n + den / 2) / den;
	else
		q = -((-n + den / 2) / den);
	return strat__sat32(q);
}

uint64_t strat_isqrt(uint64_t x)
{
	/* Bitwise square root: exact floor, no floating point. */
	uint64_t res = 0, bit = (uint64_t)1 << 62;
	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= res + bit) {
			x -= res + bit;
			res = (res >> 1) + bit;
		} else {
			res >>= 1;
		}
		bit >>= 2;
	}
	return res;
}

void strat_ema_init(struct strat_ema *e, uint32_t period)
{
	memset(e, 0, sizeof(*e));
	e->period = period ? period : 1;
}

bool strat_ema_update(struct strat_ema *e, int64_t x)
{
	if (e->n < e->period) {
		/* TA-Lib seed: the simple mean of the first N inputs. */
		e->sum += x;
		if (++e->n == e->period)
			e->v = strat__div_round(e->sum * FEATURE_ONE, e->period);
		return e->n == e->period;
	}
	e->v += strat__div_round((x * FEATURE_ONE - e->v) * 2, (int64_t)e->period + 1);
	return true;
}

void strat_rsi_init(struct strat_rsi *r, uint32_t period)
{
	memset(r, 0, sizeof(*r));
	r->period = period ? period : 1;
}

bool strat_rsi_update(struct strat_rsi *r, int64_t x)
{
	int64_t move = x - r->prev;
	int64_t up = move > 0 ? move : 0;
	int64_t down = move < 0 ? -move : 0;
	r->prev = x;
	if (r->n == 0) {
		r->n = 1;
		return false;
	}
	if (r->n <= r->period) {
		/* Seed: plain sums of the first N moves, then their means. */
		r->gain += up;
		r->loss += down;
		if (++r->n > r->period) {
			r->gain = strat__div_round(r->gain * FEATURE_ONE, r->period);
			r->loss = strat__div_round(r->loss * FEATURE_ONE, r->period);
			return true;
		}
		return false;
	}
	int64_t n = r->period;
	r->gain = strat__div_round(r->gain * (n - 1) + up * FEATURE_ONE, n);
	r->loss = strat__div_round(r->loss * (n - 1) + down * FEATURE_ONE, n);
	return true;
}

int32_t strat_rsi_percent(const struct strat_rsi *r)
{
	if (!strat_rsi_ready(r) || r->gain + r->loss == 0)
		return 0;
	return strat_q16_ratio(r->gain, r->gain + r->loss, 100);
}

int32_t strat_rsi_centred(const struct strat_rsi *r)
{
	if (!strat_rsi_ready(r) || r->gain + r->loss == 0)
		return 0;
	return strat_q16_ratio(r->gain - r->loss, r->gain + r->loss, 1);
}

static const char *const feature_names[STRAT_FEATURE_COUNT] = {
	[STRAT_F_SPREAD_BPS] = "spread_bps",
	[STRAT_F_IMBALANCE] = "imbalance",
	[STRAT_F_MICRO_BPS] = "micro_bps",
	[STRAT_F_RET1_BPS] = "ret1_bps",
	[STRAT_F_RET8_BPS] = "ret8_bps",
	[STRAT_F_RET32_BPS] = "ret32_bps",
	[STRAT_F_EMA_FAST_BPS] = "ema_fast_bps",
	[STRAT_F_EMA_SLOW_BPS] = "ema_slow_bps",
	[STRAT_F_EMA_CROSS_BPS] = "ema_cross_bps",
	[STRAT_F_RSI] = "rsi",
	[STRAT_F_VOL_BPS] = "vol_bps",
	[STRAT_F_FLOW_SIGN] = "flow_sign",
	[STRAT_F_FLOW_QTY] = "flow_qty",
};

const char *strat_feature_name(unsigned i)
{
	return i < STRAT_FEATURE_COUNT ? feature_names[i] : "?";
}

uint64_t strat_feature_schema(void)
{
	/* the whole feature set; models using a prefix state strat_feature_schema_hash(n) */
	return strat_feature_schema_hash(STRAT_FEATURE_COUNT);
}

uint64_t strat_feature_schema_hash(unsigned nfeatures)
{
	uint64_t h = core_fnv1a(CORE_FNV_OFFSET, SCHEMA_VERSION, strlen(SCHEMA_VERSION));
	char num[16];
	int k = snprintf(num, sizeof(num), ";%u;", nfeatures);
	h = core_fnv1a(h, num, (size_t)k);
	for (unsigned i = 0; i < nfeatures; i++) {
		const char *s = strat_feature_name(i);
		h = core_fnv1a(h, s, strlen(s) + 1);
	}
	return h;
}

uint64_t strat_nn_schema_hash(const char *const *extra, unsigned nextra)
{
	/* the whole feature set (one definition for every model kind), then the
	 * extra inputs; with none it is strat_feature_schema() itself */
	uint64_t h = strat_feature_schema();
	if (nextra == 0)
		return h;
	uint32_t n = nextra;
	h = core_fnv1a(h, &n, sizeof(n));
	for (unsigned i = 0; i < nextra; i++)
		h = core_fnv1a(h, extra[i], strlen(extra[i]) + 1);
	return h;
}
