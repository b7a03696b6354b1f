/* ind_batch_series.c - the batch indicator bank's single-series entry points
 * (strat_ind_sma ... strat_ind_vwap): the sequential recurrences in scalar
 * code, the per-row work through the selected kernel table. */
#include <math.h>
#include <string.h>

#include "ta.h"
#include "ind_batch_internal.h"

/* ------------------------------------------------------------------------- */
/* STOCH and WILLR share the windowed highest high and lowest low. */

enum hl_kind { HL_FASTK, HL_WILLR };

/* Rows [from, to) (from >= p - 1) of fast %K or %R into out[i - from]. */
static void hl_rows(const struct ind_kernels *kn, enum hl_kind kind, const double *h,
		    const double *l, const double *c, size_t from, size_t to, unsigned p, double *out)
{
	double buf[4][IND_WIN_ROWS + IND_WIN_MAXP], hb[IND_WIN_ROWS], lb[IND_WIN_ROWS];
	for (size_t r0 = from; r0 < to; r0 += IND_WIN_ROWS) {
		size_t r1 = to - r0 > IND_WIN_ROWS ? r0 + IND_WIN_ROWS : to;
		const double *wh, *wl;
		size_t lag = 0, off = 0;
		if (p == 1) {
			wh = h + r0;
			wl = l + r0;
		} else if (p <= IND_WIN_MAXP) {
			unsigned p2 = 1;
			while (p2 * 2 <= p)
				p2 *= 2;
			wh = kn->winext(h, r0, r1, p, true, buf[0], buf[1]);
			wl = kn->winext(l, r0, r1, p, false, buf[2], buf[3]);
			lag = p - 1;
			off = p - p2;
		} else {
			/* long windows: oldest first, TA-Lib's comparisons */
			for (size_t i = r0; i < r1; i++) {
				double a = h[i + 1 - p], b = l[i + 1 - p];
				for (size_t j = i + 2 - p; j <= i; j++) {
					a = h[j] > a ? h[j] : a;
					b = l[j] < b ? l[j] : b;
				}
				hb[i - r0] = a;
				lb[i - r0] = b;
			}
			wh = hb;
			wl = lb;
		}
		if (kind == HL_FASTK)
			kn->fastk(wh, wl, lag, off, c + r0, r1 - r0, out + (r0 - from));
		else
			kn->willr(wh, wl, lag, off, c + r0, r1 - r0, out + (r0 - from));
	}
}

/* ------------------------------------------------------------------------- */
/* Single-series entry points. */

int strat_ind_sma(const double *x, size_t n, unsigned period, double *out)
{
	if (!x || !out || !ind__period_ok(period, 2))
		return -EINVAL;
	ind__sma_s(x, n, 1, period, out);
	return 0;
}

int strat_ind_ema(const double *x, size_t n, unsigned period, double *out)
{
	if (!x || !out || !ind__period_ok(period, 1))
		return -EINVAL;
	ind__ema_s(x, n, 1, period, out);
	return 0;
}

int strat_ind_rsi(const double *x, size_t n, unsigned period, double *out)
{
	if (!x || !out || !ind__period_ok(period, 2))
		return -EINVAL;
	ind__rsi_s(x, n, 1, period, out);
	return 0;
}

/* TA_WMA */
int strat_ind_wma(const double *x, size_t n, unsigned period, double *out)
{
	if (!x || !out || !ind__period_ok(period, 2))
		return -EINVAL;
	size_t lb = period - 1;
	if (n <= lb) {
		ind__nan_fill(out, 0, n, 1);
		return 0;
	}
	double divider = (double)(((uint64_t)period * (period + 1)) >> 1);
	double sum = 0.0, sub = 0.0, trailing = 0.0;
	for (size_t i = 0; i < lb; i++) {
		double t = x[i];
		sub += t;
		sum += t * (double)(i + 1);
		out[i] = NAN;
	}
	for (size_t i = lb; i < n; i++) {
		double t = x[i];
		sub += t;
		sub -= trailing;
		sum += t * (double)period;
		trailing = x[i - lb];
		out[i] = sum / divider;
		sum -= sub;
	}
	return 0;
}

/* TA_MACD: both EMAs seeded at slow - 1 (the fast one with the SMA of the
 * fast period's closes ending there), the signal seeded at the lookback with
 * the SMA of the first signal MACD values. Fused into one pass. */
int strat_ind_macd(const double *x, size_t n, unsigned fast, unsigned slow, unsigned signal,
		   double *macd, double *sig, double *hist)
{
	if (!x || !ind__period_ok(fast, 2) || !ind__period_ok(slow, 2) || !ind__period_ok(signal, 1))
		return -EINVAL;
	if (slow < fast) {
		unsigned t = slow;
		slow = fast;
		fast = t;
	}
	ind__macd_s(x, n, 1, fast, slow, signal, macd, sig, hist);
	return 0;
}

/* TA_BBANDS with TA_MAType_SMA: TA_INT_stddev_using_precalc_ma. */
int strat_ind_bbands(const double *x, size_t n, unsigned period, double nbdev_up, double nbdev_dn,
		     double *upper, double *middle, double *lower)
{
	if (!x || !ind__period_ok(period, 2))
		return -EINVAL;
	double *mid = middle ? middle : upper ? upper : lower;
	if (!mid)
		return 0;
	strat_ind_sma(x, n, period, mid);
	size_t lb = period - 1;
	for (size_t i = 0; i < lb && i < n; i++) {
		if (upper)
			upper[i] = NAN;
		if (lower)
			lower[i] = NAN;
	}
	if (n <= lb)
		return 0;
	double t2 = 0;
	for (size_t i = 0; i < lb; i++) {
		double t = x[i];
		t *= t;
		t2 += t;
	}
	for (size_t i = lb; i < n; i++) {
		double t = x[i];
		t *= t;
		t2 += t;
		double mv2 = t2 / period;
		t = x[i - lb];
		t *= t;
		t2 -= t;
		double mv = mid[i];
		t = mv * mv;
		mv2 -= t;
		double sd = !(mv2 < IND_EPSILON) ? sqrt(mv2) : 0.0;
		/* TA-Lib's four branches on nbdev == 1.0 all reduce to this:
		 * sd * 1.0 == sd exactly. */
		if (upper)
			upper[i] = mv + sd * nbdev_up;
		if (lower)
			lower[i] = mv - sd * nbdev_dn;
	}
	return 0;
}

/* TA_STDDEV = sqrt(TA_INT_VAR) */
int strat_ind_stddev(const double *x, size_t n, unsigned period, double nbdev, double *out)
{
	if (!x || !out || !ind__period_ok(period, 2))
		return -EINVAL;
	size_t lb = period - 1;
	if (n <= lb) {
		ind__nan_fill(out, 0, n, 1);
		return 0;
	}
	double t1 = 0, t2 = 0;
	for (size_t i = 0; i < lb; i++) {
		double t = x[i];
		t1 += t;
		t *= t;
		t2 += t;
		out[i] = NAN;
	}
	for (size_t i = lb; i < n; i++) {
		double t = x[i];
		t1 += t;
		t *= t;
		t2 += t;
		double m1 = t1 / period, m2 = t2 / period;
		t = x[i - lb];
		t1 -= t;
		t *= t;
		t2 -= t;
		double var = m2 - m1 * m1;
		if (var < IND_EPSILON)
			out[i] = 0.0;
		else if (nbdev != 1.0)
			out[i] = sqrt(var) * nbdev;
		else
			out[i] = sqrt(var);
	}
	return 0;
}

/* TA_ROC */
int strat_ind_roc(const double *x, size_t n, unsigned period, double *out)
{
	if (!x || !out || !ind__period_ok(period, 1))
		return -EINVAL;
	size_t stop = n < period ? n : period;
	ind__nan_fill(out, 0, stop, 1);
	if (n > period)
		ind__kern()->roc(x, period, n, period, out);
	return 0;
}

#define STOCH_CHUNK 512
#define STOCH_PRE 64 /* carried history: the fast path takes slowk, slowd <= 65 */

/* Generic STOCH smoothing (any periods): one row at a time through rings. */
static int stoch_rings(const struct ind_kernels *kn, const double *high, const double *low,
		       const double *close, size_t n, unsigned fastk, unsigned slowk,
		       unsigned slowd, double *slow_k, double *slow_d)
{
	double fk[STOCH_CHUNK], local[128], *ring = local;
	if (slowk + slowd > 128 &&
	    !(ring = core_alloc(((size_t)slowk + slowd) * sizeof(double), 64)))
		return -ENOMEM;
	struct ind__run_sma ks = { .ring = ring, .p = slowk }, ds = { .ring = ring + slowk, .p = slowd };
	for (size_t j0 = fastk - 1; j0 < n; j0 += STOCH_CHUNK) {
		size_t j1 = n - j0 > STOCH_CHUNK ? j0 + STOCH_CHUNK : n;
		hl_rows(kn, HL_FASTK, high, low, close, j0, j1, fastk, fk);
		for (size_t j = j0; j < j1; j++) {
			double k, d;
			if (!ind__run_sma_push(&ks, fk[j - j0], &k) || !ind__run_sma_push(&ds, k, &d))
				continue;
			if (slow_k)
				slow_k[j] = k;
			if (slow_d)
				slow_d[j] = d;
		}
	}
	if (ring != local)
		core_free(ring);
	return 0;
}

/* The same for 2 <= slowk, slowd <= STOCH_PRE + 1, in chunks, software
 * pipelined: one loop advances the %K running sum over chunk c and the %D
 * running sum over chunk c - 1 (whose %K values are final), so the two
 * dependency chains overlap; the divisions run as vector passes. Each
 * buffer carries the history its trailing subtraction needs in front. Same
 * operations per element as stoch_rings. q counts fast %K values (row
 * q + fastk - 1). */
static void stoch_chunks(const struct ind_kernels *kn, const double *high, const double *low,
			 const double *close, size_t n, unsigned fastk, unsigned slowk,
			 unsigned slowd, double *slow_k, double *slow_d)
{
	double fb[STOCH_PRE + STOCH_CHUNK], kb[2][STOCH_PRE + STOCH_CHUNK], db[STOCH_CHUNK];
	double *f = fb + STOCH_PRE;       /* chunk c: f[q - q0] */
	double *kp = kb[0] + STOCH_PRE;   /* chunk c - 1: %K */
	double *kc = kb[1] + STOCH_PRE;   /* chunk c: %K totals, then %K */
	size_t lbk = fastk - 1, m = n - lbk, ks0 = slowk - 1, ds0 = ks0 + slowd - 1;
	ptrdiff_t kt = (ptrdiff_t)ks0, dt = (ptrdiff_t)slowd - 1;
	double ktot = 0.0, dtot = 0.0;
	size_t p0 = 0, plen = 0; /* chunk c - 1 */
	for (size_t q0 = 0; q0 < m || plen; q0 += STOCH_CHUNK) {
		size_t len = q0 < m ? (m - q0 > STOCH_CHUNK ? STOCH_CHUNK : m - q0) : 0;
		if (len)
			hl_rows(kn, HL_FASTK, high, low, close, lbk + q0, lbk + q0 + len, fastk, f);
		size_t both = len < plen ? len : plen, j;
		for (j = 0; j < both; j++) {
			size_t q = q0 + j, r = p0 + j;
			ktot += f[j];
			if (q >= ks0) {
				kc[j] = ktot;
				ktot -= f[(ptrdiff_t)j - kt]; /* may reach the carry */
			}
			if (r >= ks0) {
				dtot += kp[j];
				if (r >= ds0) {
					db[j] = dtot;
					dtot -= kp[(ptrdiff_t)j - dt];
				}
			}
		}
		for (size_t i = j; i < len; i++) {
			ktot += f[i];
			if (q0 + i >= ks0) {
				kc[i] = ktot;
				ktot -= f[(ptrdiff_t)i - kt];
			}
		}
		for (size_t i = j; i < plen; i++) {
			size_t r = p0 + i;
			if (r >= ks0) {
				dtot += kp[i];
				if (r >= ds0) {
					db[i] = dtot;
					dtot -= kp[(ptrdiff_t)i - dt];
				}
			}
		}
		/* chunk c - 1 is complete: %D averages, then out */
		size_t from = p0 >= ds0 ? 0 : ds0 - p0;
		if (from < plen) {
			kn->div(db + from, plen - from, (double)slowd);
			if (slow_k)
				memcpy(slow_k + lbk + p0 + from, kp + from, (plen - from) * sizeof(double));
			if (slow_d)
				memcpy(slow_d + lbk + p0 + from, db + from, (plen - from) * sizeof(double));
		}
		/* chunk c's %K averages */
		size_t kf = q0 >= ks0 ? 0 : ks0 - q0;
		if (kf < len)
			kn->div(kc + kf, len - kf, (double)slowk);
		/* chunk c becomes c - 1: its buffer gets the last STOCH_PRE %K
		 * values before it in front (only the last chunk is short, and
		 * nothing follows it); the fast %K history moves to the front */
		if (plen == STOCH_CHUNK)
			memcpy(kc - STOCH_PRE, kp + STOCH_CHUNK - STOCH_PRE, STOCH_PRE * sizeof(double));
		double *t = kp;
		kp = kc;
		kc = t;
		memmove(fb, fb + len, STOCH_PRE * sizeof(double));
		p0 = q0;
		plen = len;
	}
}

/* TA_STOCH with SMA smoothing of %K and %D: fast %K by the vector kernel,
 * then the two running-sum SMAs. Allocates only for slowk + slowd > 128. */
int strat_ind_stoch(const double *high, const double *low, const double *close, size_t n,
		    unsigned fastk, unsigned slowk, unsigned slowd, double *slow_k, double *slow_d)
{
	if (!high || !low || !close || !ind__period_ok(fastk, 1) || !ind__period_ok(slowk, 1) ||
	    !ind__period_ok(slowd, 1))
		return -EINVAL;
	size_t lbk = fastk - 1, lb = lbk + (slowk - 1) + (slowd - 1);
	size_t stop = n < lb ? n : lb;
	for (size_t i = 0; i < stop; i++) {
		if (slow_k)
			slow_k[i] = NAN;
		if (slow_d)
			slow_d[i] = NAN;
	}
	if (n <= lb || (!slow_k && !slow_d))
		return 0;
	const struct ind_kernels *kn = ind__kern();
	if (slowk >= 2 && slowd >= 2 && slowk <= STOCH_PRE + 1 && slowd <= STOCH_PRE + 1) {
		stoch_chunks(kn, high, low, close, n, fastk, slowk, slowd, slow_k, slow_d);
		return 0;
	}
	return stoch_rings(kn, high, low, close, n, fastk, slowk, slowd, slow_k, slow_d);
}

/* TA_ATR */
int strat_ind_atr(const double *high, const double *low, const double *close, size_t n,
		  unsigned period, double *out)
{
	if (!high || !low || !close || !out || !ind__period_ok(period, 1))
		return -EINVAL;
	if (n <= period) {
		ind__nan_fill(out, 0, n, 1);
		return 0;
	}
	ind__kern()->trange(high, low, close, 1, n, out);
	ind__atr_chain_s(n, 1, period, out);
	return 0;
}

/* TA_OBV */
int strat_ind_obv(const double *close, const double *volume, size_t n, double *out)
{
	if (!close || !volume || !out)
		return -EINVAL;
	if (!n)
		return 0;
	double obv = volume[0], prev = close[0];
	for (size_t i = 0; i < n; i++) {
		double t = close[i];
		if (t > prev)
			obv += volume[i];
		else if (t < prev)
			obv -= volume[i];
		out[i] = obv;
		prev = t;
	}
	return 0;
}

/* TA_WILLR */
int strat_ind_willr(const double *high, const double *low, const double *close, size_t n,
		    unsigned period, double *out)
{
	if (!high || !low || !close || !out || !ind__period_ok(period, 2))
		return -EINVAL;
	size_t lb = period - 1;
	ind__nan_fill(out, 0, n < lb ? n : lb, 1);
	if (n > lb)
		hl_rows(ind__kern(), HL_WILLR, high, low, close, lb, n, period, out + lb);
	return 0;
}

/* TA_CCI: sums in circular-buffer slot order (row i sits in slot i % p). */
int strat_ind_cci(const double *high, const double *low, const double *close, size_t n,
		  unsigned period, double *out)
{
	if (!high || !low || !close || !out || !ind__period_ok(period, 2))
		return -EINVAL;
	size_t lb = period - 1;
	if (n <= lb) {
		ind__nan_fill(out, 0, n, 1);
		return 0;
	}
	double local[64], *buf = local;
	if (period > 64 && !(buf = core_alloc(period * sizeof(double), 64)))
		return -ENOMEM;
	size_t slot = 0;
	for (size_t i = 0; i < lb; i++) {
		buf[slot++] = (high[i] + low[i] + close[i]) / 3;
		out[i] = NAN;
	}
	for (size_t i = lb; i < n; i++) {
		double last = (high[i] + low[i] + close[i]) / 3;
		buf[slot] = last;
		double avg = 0;
		for (unsigned j = 0; j < period; j++)
			avg += buf[j];
		avg /= period;
		double md = 0;
		for (unsigned j = 0; j < period; j++)
			md += fabs(buf[j] - avg);
		double t = last - avg;
		if (t != 0.0 && md != 0.0)
			out[i] = t / (0.015 * (md / period));
		else
			out[i] = 0.0;
		if (++slot == period)
			slot = 0;
	}
	if (buf != local)
		core_free(buf);
	return 0;
}

/* TA_ADX: one step of the directional movement and true range. */
struct adx_state {
	double ph, pl, pc, mdm, pdm, tr;
};

static inline double adx_step(struct adx_state *s, double h, double l, double c, unsigned p,
			      bool wilder)
{
	double dp = h - s->ph, dm = s->pl - l, t2, tr;
	s->ph = h;
	s->pl = l;
	if (wilder) {
		s->mdm -= s->mdm / p;
		s->pdm -= s->pdm / p;
	}
	if ((dm > 0) && (dp < dm))
		s->mdm += dm;
	else if ((dp > 0) && (dp > dm))
		s->pdm += dp;
	tr = s->ph - s->pl;
	t2 = fabs(s->ph - s->pc);
	if (t2 > tr)
		tr = t2;
	t2 = fabs(s->pl - s->pc);
	if (t2 > tr)
		tr = t2;
	if (wilder)
		s->tr = s->tr - (s->tr / p) + tr;
	else
		s->tr += tr;
	s->pc = c;
	return tr;
}

/* DX of the current state; false when TA-Lib skips the bar. */
static inline bool adx_dx(const struct adx_state *s, double *dx)
{
	if (IND_IS_ZERO(s->tr))
		return false;
	double mdi = 100.0 * (s->mdm / s->tr), pdi = 100.0 * (s->pdm / s->tr), t = mdi + pdi;
	if (IND_IS_ZERO(t))
		return false;
	*dx = 100.0 * (fabs(mdi - pdi) / t);
	return true;
}

int strat_ind_adx(const double *high, const double *low, const double *close, size_t n,
		  unsigned period, double *out)
{
	if (!high || !low || !close || !out || !ind__period_ok(period, 2))
		return -EINVAL;
	size_t lb = 2 * (size_t)period - 1;
	if (n <= lb) {
		ind__nan_fill(out, 0, n, 1);
		return 0;
	}
	ind__nan_fill(out, 0, lb, 1);
	struct adx_state s = { .ph = high[0], .pl = low[0], .pc = close[0] };
	size_t i = 1;
	for (; i < period; i++)
		adx_step(&s, high[i], low[i], close[i], period, false);
	double sum = 0.0, dx;
	for (; i <= lb; i++) {
		adx_step(&s, high[i], low[i], close[i], period, true);
		if (adx_dx(&s, &dx))
			sum += dx;
	}
	double adx = sum / period, m = (double)(period - 1);
	out[lb] = adx;
	for (; i < n; i++) {
		adx_step(&s, high[i], low[i], close[i], period, true);
		if (adx_dx(&s, &dx))
			adx = ((adx * m) + dx) / period;
		out[i] = adx;
	}
	return 0;
}

/* TA_MFI: a circular buffer of the last p positive and negative flows. */
int strat_ind_mfi(const double *high, const double *low, const double *close,
		  const double *volume, size_t n, unsigned period, double *out)
{
	if (!high || !low || !close || !volume || !out || !ind__period_ok(period, 2))
		return -EINVAL;
	if (n <= period) {
		ind__nan_fill(out, 0, n, 1);
		return 0;
	}
	double local[2 * 64], *pos = local;
	if (period > 64 && !(pos = core_alloc(2 * (size_t)period * sizeof(double), 64)))
		return -ENOMEM;
	double *neg = pos + period;
	double prev = (high[0] + low[0] + close[0]) / 3.0, psum = 0.0, nsum = 0.0;
	size_t slot = 0;
	out[0] = NAN;
	for (size_t i = 1; i < n; i++) {
		if (i > period) {
			psum -= pos[slot];
			nsum -= neg[slot];
		}
		double tp = (high[i] + low[i] + close[i]) / 3.0, d = tp - prev;
		prev = tp;
		tp *= volume[i];
		if (d < 0) {
			neg[slot] = tp;
			nsum += tp;
			pos[slot] = 0.0;
		} else if (d > 0) {
			pos[slot] = tp;
			psum += tp;
			neg[slot] = 0.0;
		} else {
			pos[slot] = 0.0;
			neg[slot] = 0.0;
		}
		if (i < period) {
			out[i] = NAN;
		} else {
			double t = psum + nsum;
			out[i] = t < 1.0 ? 0.0 : 100.0 * (psum / t);
		}
		if (++slot == period)
			slot = 0;
	}
	if (pos != local)
		core_free(pos);
	return 0;
}

int strat_ind_vwap(const double *high, const double *low, const double *close,
		   const double *volume, size_t n, double *out)
{
	if (!high || !low || !close || !volume || !out)
		return -EINVAL;
	double pv = 0.0, v = 0.0;
	for (size_t i = 0; i < n; i++) {
		double tp = (high[i] + low[i] + close[i]) / 3.0;
		pv += tp * volume[i];
		v += volume[i];
		out[i] = v != 0.0 ? pv / v : NAN;
	}
	return 0;
}
