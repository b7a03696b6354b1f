/* ind_batch_internal.h - the per-ISA kernels behind the batch indicator bank,
 * and what its files share.
 *
 * Each kernel performs, for every element, exactly the IEEE-754 operations
 * of the scalar reference in ind_batch_scalar.c in the same order, so every
 * table returns the same bits. Only element-independent work and the lanes
 * of the multi-series (*_k) entry points are vectorized. */
#ifndef OSPREY_IND_BATCH_INTERNAL_H
#define OSPREY_IND_BATCH_INTERNAL_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "ta.h"

#define IND_WIN_ROWS 512
#define IND_WIN_MAXP 64
#define IND_STOCH_K_MAXP 64 /* slowk, slowd of strat_ind_stoch_k */

struct ind_kernels {
	const char *name;
	unsigned width; /* doubles per vector: 1, 4 or 8 */
	/* x[i] = x[i] / d for i in [0, n) */
	void (*div)(double *x, size_t n, double d);
	/* Windowed extremes by doubling, part 1: W[j] = max (mx) or min of the
	 * P2 rows ending at row from - (p - 1) + j, P2 the largest power of two
	 * <= p, for every j < to - from + p - 1 (W2s[j] = ext(Ws[j], Ws[j - s]);
	 * entries j < P2 - 1 are not full windows and are never used). Rows
	 * [from, to), from >= p - 1, to - from <= IND_WIN_ROWS, 2 <= p <=
	 * IND_WIN_MAXP. ext(newer, older) is newer > older ? newer : older (min:
	 * <), exactly (V)MAXPD/MINPD. a, b: scratch of IND_WIN_ROWS + IND_WIN_MAXP
	 * doubles; returns x + from - (p - 1), a or b. */
	const double *(*winext)(const double *x, size_t from, size_t to, unsigned p, bool mx,
				double *a, double *b);
	/* Part 2 fused with the ratio, for k < n: hh = ext(wh[k + lag],
	 * wh[k + lag - off]), ll likewise from wl (lag = p - 1, off = p - P2;
	 * ext(x, x) == x, so off 0 works for plain arrays), then
	 * STOCH fast %K: (c - ll) / ((hh - ll) / 100.0), 0 if the divisor is 0 */
	void (*fastk)(const double *wh, const double *wl, size_t lag, size_t off, const double *c,
		      size_t n, double *out);
	/* WILLR: (hh - c) / ((hh - ll) / (-100.0)), 0 if the divisor is 0 */
	void (*willr)(const double *wh, const double *wl, size_t lag, size_t off, const double *c,
		      size_t n, double *out);
	/* true range of rows [from, to), from >= 1, into out[i] (not out[i - from]) */
	void (*trange)(const double *h, const double *l, const double *c, size_t from, size_t to,
		       double *out);
	/* ROC of rows [from, to), from >= p, into out[i] */
	void (*roc)(const double *x, size_t from, size_t to, unsigned p, double *out);
	/* Multi-series: series [0, lanes) of k interleaved series (lanes is a
	 * multiple of width); n > the lookback, periods validated by the caller. */
	void (*sma_k)(const double *x, size_t n, size_t k, size_t lanes, unsigned p, double *out);
	void (*ema_k)(const double *x, size_t n, size_t k, size_t lanes, unsigned p, double *out);
	void (*rsi_k)(const double *x, size_t n, size_t k, size_t lanes, unsigned p, double *out);
	/* fast <= slow; all three outputs non-NULL */
	void (*macd_k)(const double *x, size_t n, size_t k, size_t lanes, unsigned fast,
		       unsigned slow, unsigned signal, double *macd, double *sig, double *hist);
	/* slowk, slowd <= IND_STOCH_K_MAXP; both outputs non-NULL */
	void (*stoch_k)(const double *h, const double *l, const double *c, size_t n, size_t k,
			size_t lanes, unsigned pk, unsigned ps, unsigned pd, double *ok, double *od);
	void (*atr_k)(const double *h, const double *l, const double *c, size_t n, size_t k,
		      size_t lanes, unsigned p, double *out);
};

/* TA-Lib's zero tests. */
#define IND_EPSILON (0.00000000000001)
#define IND_IS_ZERO(v) (((-IND_EPSILON) < (v)) && ((v) < IND_EPSILON))

extern const struct ind_kernels ind__kern_scalar;
/* ind_batch_simd.c; use only when strat_ind_isa_best() allows. */
extern const struct ind_kernels ind__kern_avx2;
extern const struct ind_kernels ind__kern_avx512;

/* ind__kern - the table of the selected ISA (strat_ind_isa_current). */
const struct ind_kernels *ind__kern(void);

static inline bool ind__period_ok(unsigned p, unsigned min)
{
	return p >= min && p <= STRAT_IND_MAX_PERIOD;
}

static inline void ind__nan_fill(double *out, size_t from, size_t to, size_t st)
{
	for (size_t i = from; i < to; i++)
		out[i * st] = NAN;
}

/* A running-sum SMA fed one value at a time (TA_INT_SMA's steps): the last
 * p inputs sit in a ring so the trailing value can be subtracted. */
struct ind__run_sma {
	double total;
	double *ring;
	unsigned p, pos, seen;
};

static inline bool ind__run_sma_push(struct ind__run_sma *s, double x, double *ret)
{
	if (s->p == 1) { /* TA_MA copies for period 1 */
		*ret = x;
		return true;
	}
	s->ring[s->pos] = x;
	if (++s->pos == s->p)
		s->pos = 0;
	s->total += x;
	if (s->seen < s->p - 1) {
		s->seen++;
		return false;
	}
	double t = s->total;
	s->total -= s->ring[s->pos]; /* the input p - 1 steps back */
	*ret = t / s->p;
	return true;
}

/* The scalar reference (ind_batch_scalar.c). Each reads x[i * st] and writes
 * out[i * st], so the same code serves one series (st = 1) and one lane of
 * k interleaved series (st = k); periods are validated by the caller. */
void ind__sma_s(const double *x, size_t n, size_t st, unsigned p, double *out);
void ind__ema_s(const double *x, size_t n, size_t st, unsigned p, double *out);
void ind__rsi_s(const double *x, size_t n, size_t st, unsigned p, double *out);
void ind__macd_s(const double *x, size_t n, size_t st, unsigned fast, unsigned slow,
		 unsigned signal, double *macd, double *sig, double *hist);
/* ATR's Wilder chain over true ranges already in out[1 .. n-1] (out[i * st]). */
void ind__atr_chain_s(size_t n, size_t st, unsigned p, double *out);

#endif /* OSPREY_IND_BATCH_INTERNAL_H */
