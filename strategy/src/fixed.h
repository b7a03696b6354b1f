/*
 * fixed.h - the integer streaming indicators and fixed-point arithmetic the
 * features stage is built on. Private to the strategy libraries: used by
 * features.c, by the ta library's microstructure features (ta/src/micro.c)
 * and by tests, through strategy_private_inc; not part of strategy.h.
 *
 * O(1) per update, integer-exact. Inputs are integers in any unit (e.g. 1e-4
 * price units); values are returned in Q16 of that unit. They follow
 * TA-Lib's seeding, so on a price series they agree with TA_EMA / TA_RSI up
 * to fixed-point rounding (round half away from zero):
 * - EMA(N): seeded with the simple mean of the first N inputs (ready at the
 *   N-th), then ema += (x - ema) * 2 / (N + 1).
 * - RSI(N) (Wilder): the first input only sets the previous value; the mean
 *   up-move and down-move of the next N inputs seed the averages (ready at
 *   input N+1); then avg = (avg * (N - 1) + move) / N.
 * Plain structs owned by the caller; no allocation; any thread (each struct
 * is used by one thread at a time).
 */
#ifndef OSPREY_STRAT_FIXED_H
#define OSPREY_STRAT_FIXED_H

#include "core.h"

struct strat_ema {
	int64_t v;      /* Q16 value once ready */
	int64_t sum;    /* seeding sum */
	uint32_t period;
	uint32_t n;     /* inputs seen (saturates at period) */
};

/* strat_ema_init - period >= 1 (0 is taken as 1). */
void strat_ema_init(struct strat_ema *e, uint32_t period);
/* strat_ema_update - add x (|x| < 2^40). Returns true once ready (N inputs seen). */
bool strat_ema_update(struct strat_ema *e, int64_t x);
static inline bool strat_ema_ready(const struct strat_ema *e)
{
	return e->n >= e->period;
}
/* strat_ema_value - Q16 value (x units * 65536); 0 before ready. */
static inline int64_t strat_ema_value(const struct strat_ema *e)
{
	return strat_ema_ready(e) ? e->v : 0;
}

struct strat_rsi {
	int64_t prev;
	int64_t gain;   /* seeding sum, then Q16 average up-move */
	int64_t loss;   /* seeding sum, then Q16 average down-move (positive) */
	uint32_t period;
	uint32_t n;     /* inputs seen (saturates at period + 1) */
};

/* strat_rsi_init - period >= 1 (0 is taken as 1). */
void strat_rsi_init(struct strat_rsi *r, uint32_t period);
/* strat_rsi_update - add x (|x| < 2^40). Returns true once ready (period + 1 inputs). */
bool strat_rsi_update(struct strat_rsi *r, int64_t x);
static inline bool strat_rsi_ready(const struct strat_rsi *r)
{
	return r->n > r->period;
}
/* strat_rsi_percent - TA-Lib's RSI, 0..100, in Q16 (100 * 65536 max); 0 when
 * flat (gain + loss == 0, as TA-Lib) or not ready. */
int32_t strat_rsi_percent(const struct strat_rsi *r);
/* strat_rsi_centred - (gain - loss) / (gain + loss) in Q16, [-65536, 65536];
 * 0 when flat or not ready (the STRAT_F_RSI feature). */
int32_t strat_rsi_centred(const struct strat_rsi *r);

/* strat_q16_ratio - round(num * scale * 65536 / den) half away from zero,
 * saturated to int32 (128-bit intermediate); 0 if den <= 0. */
int32_t strat_q16_ratio(int64_t num, int64_t den, int64_t scale);
/* strat_isqrt - floor(sqrt(x)), exact (no floating point). */
uint64_t strat_isqrt(uint64_t x);

#endif /* OSPREY_STRAT_FIXED_H */
