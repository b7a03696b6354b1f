/* ind_batch_scalar.c - the batch indicator bank's scalar reference: TA-Lib's
 * algorithms in TA-Lib's operation order, and the scalar kernel table every
 * vector table (ind_batch_simd.c) matches bit for bit. */
#include <math.h>

#include "ta.h"
#include "ind_batch_internal.h"

/* Scalar reference. The *_s functions read x[i * st] and write out[i * st],
 * so the same code serves one series (st = 1) and one lane of k interleaved
 * series (st = k). Comments name the TA-Lib function whose steps they copy. */

/* TA_INT_SMA */
void ind__sma_s(const double *x, size_t n, size_t st, unsigned p, double *out)
{
	size_t lb = p - 1;
	if (n <= lb) {
		ind__nan_fill(out, 0, n, st);
		return;
	}
	if (p == 1) { /* TA_MA copies for period 1 */
		for (size_t i = 0; i < n; i++)
			out[i * st] = x[i * st];
		return;
	}
	double total = 0;
	for (size_t i = 0; i < lb; i++) {
		total += x[i * st];
		out[i * st] = NAN;
	}
	for (size_t i = lb; i < n; i++) {
		total += x[i * st];
		double t = total;
		total -= x[(i - lb) * st];
		out[i * st] = t / p;
	}
}

/* TA_INT_EMA, TA_COMPATIBILITY_DEFAULT: SMA seed at p - 1. */
void ind__ema_s(const double *x, size_t n, size_t st, unsigned p, double *out)
{
	size_t lb = p - 1;
	if (n <= lb) {
		ind__nan_fill(out, 0, n, st);
		return;
	}
	double k = 2.0 / (double)(p + 1), sum = 0.0;
	for (size_t i = 0; i < lb; i++) {
		sum += x[i * st];
		out[i * st] = NAN;
	}
	sum += x[lb * st];
	double ema = sum / p;
	out[lb * st] = ema;
	for (size_t i = lb + 1; i < n; i++) {
		ema = ((x[i * st] - ema) * k) + ema;
		out[i * st] = ema;
	}
}

/* TA_RSI, period >= 2. */
void ind__rsi_s(const double *x, size_t n, size_t st, unsigned p, double *out)
{
	if (n <= p) {
		ind__nan_fill(out, 0, n, st);
		return;
	}
	double prev = x[0], gain = 0.0, loss = 0.0;
	out[0] = NAN;
	for (size_t i = 1; i <= p; i++) {
		double v = x[i * st], d = v - prev;
		prev = v;
		if (d < 0)
			loss -= d;
		else
			gain += d;
		if (i < p)
			out[i * st] = NAN;
	}
	loss /= p;
	gain /= p;
	double t = gain + loss;
	out[(size_t)p * st] = !IND_IS_ZERO(t) ? 100.0 * (gain / t) : 0.0;
	double m = (double)(p - 1);
	for (size_t i = (size_t)p + 1; i < n; i++) {
		double v = x[i * st], d = v - prev;
		prev = v;
		loss *= m;
		gain *= m;
		if (d < 0)
			loss -= d;
		else
			gain += d;
		loss /= p;
		gain /= p;
		t = gain + loss;
		out[i * st] = !IND_IS_ZERO(t) ? 100.0 * (gain / t) : 0.0;
	}
}

/* TA_MACD (fast <= slow): both EMAs seeded at slow - 1 (the fast one with
 * the SMA of the fast period's closes ending there), the signal seeded at
 * the lookback with the SMA of the first signal MACD values; one pass. Any
 * output may be NULL. */
void ind__macd_s(const double *x, size_t n, size_t st, unsigned fast, unsigned slow,
		   unsigned signal, double *macd, double *sig, double *hist)
{
	size_t s0 = slow - 1, lb = s0 + signal - 1, stop = n < lb ? n : lb;
	for (size_t i = 0; i < stop; i++) {
		if (macd)
			macd[i * st] = NAN;
		if (sig)
			sig[i * st] = NAN;
		if (hist)
			hist[i * st] = NAN;
	}
	if (n <= lb)
		return;
	double k1 = 2.0 / (double)(slow + 1), k2 = 2.0 / (double)(fast + 1);
	double ks = 2.0 / (double)(signal + 1);
	double ssum = 0.0, fsum = 0.0;
	for (size_t i = 0; i < slow; i++)
		ssum += x[i * st];
	for (size_t i = slow - fast; i < slow; i++)
		fsum += x[i * st];
	double se = ssum / slow, fe = fsum / fast, m = fe - se, gsum = 0.0, g;
	for (size_t i = s0;;) {
		gsum += m;
		if (i == lb)
			break;
		i++;
		se = ((x[i * st] - se) * k1) + se;
		fe = ((x[i * st] - fe) * k2) + fe;
		m = fe - se;
	}
	g = gsum / signal;
	for (size_t i = lb;;) {
		if (macd)
			macd[i * st] = m;
		if (sig)
			sig[i * st] = g;
		if (hist)
			hist[i * st] = m - g;
		if (++i >= n)
			break;
		se = ((x[i * st] - se) * k1) + se;
		fe = ((x[i * st] - fe) * k2) + fe;
		m = fe - se;
		g = ((m - g) * ks) + g;
	}
}

/* TA_STOCH for one lane of interleaved series (strat_ind_stoch_k's scalar
 * twin): the window scanned oldest first, slowk, slowd <= IND_STOCH_K_MAXP. */
static void stoch_s(const double *h, const double *l, const double *c, size_t n, size_t st,
		    unsigned pk, unsigned ps, unsigned pd, double *ok, double *od)
{
	size_t lbk = pk - 1, lb = lbk + (ps - 1) + (pd - 1);
	for (size_t i = 0; i < n && i < lb; i++)
		ok[i * st] = od[i * st] = NAN;
	if (n <= lb)
		return;
	double ring[2 * IND_STOCH_K_MAXP];
	struct ind__run_sma ks = { .ring = ring, .p = ps }, ds = { .ring = ring + IND_STOCH_K_MAXP, .p = pd };
	for (size_t i = lbk; i < n; i++) {
		double hh = h[(i + 1 - pk) * st], ll = l[(i + 1 - pk) * st], k, d;
		for (size_t j = i + 2 - pk; j <= i; j++) {
			hh = h[j * st] > hh ? h[j * st] : hh;
			ll = l[j * st] < ll ? l[j * st] : ll;
		}
		double diff = (hh - ll) / 100.0;
		double f = diff != 0.0 ? (c[i * st] - ll) / diff : 0.0;
		if (!ind__run_sma_push(&ks, f, &k) || !ind__run_sma_push(&ds, k, &d))
			continue;
		ok[i * st] = k;
		od[i * st] = d;
	}
}

/* TA_TRANGE for one row i >= 1. */
static inline double trange1(double h, double l, double cy)
{
	double g = h - l, v2 = fabs(cy - h), v3 = fabs(cy - l);
	if (v2 > g)
		g = v2;
	if (v3 > g)
		g = v3;
	return g;
}

/* TA_ATR's recurrence over true ranges already in out[1..n-1] (in place). */
void ind__atr_chain_s(size_t n, size_t st, unsigned p, double *out)
{
	out[0] = NAN;
	if (p == 1)
		return; /* TA_TRANGE */
	double total = 0;
	for (size_t i = 1; i <= p; i++) {
		total += out[i * st];
		if (i < p)
			out[i * st] = NAN;
	}
	double atr = total / p, m = (double)(p - 1);
	out[(size_t)p * st] = atr;
	for (size_t i = (size_t)p + 1; i < n; i++) {
		atr *= m;
		atr += out[i * st];
		atr /= p;
		out[i * st] = atr;
	}
}

static void atr_s(const double *h, const double *l, const double *c, size_t n, size_t st,
		  unsigned p, double *out)
{
	if (n <= p) {
		ind__nan_fill(out, 0, n, st);
		return;
	}
	for (size_t i = 1; i < n; i++)
		out[i * st] = trange1(h[i * st], l[i * st], c[(i - 1) * st]);
	ind__atr_chain_s(n, st, p, out);
}

/* ------------------------------------------------------------------------- */
/* The scalar kernel table. */

static void k_div(double *x, size_t n, double d)
{
	for (size_t i = 0; i < n; i++)
		x[i] = x[i] / d;
}

static inline double ext1(double newer, double older, bool mx)
{
	return mx ? (newer > older ? newer : older) : (newer < older ? newer : older);
}

static const double *k_winext(const double *x, size_t from, size_t to, unsigned p, bool mx,
			      double *a, double *b)
{
	size_t len = to - from + p - 1, s = 1, j;
	unsigned p2 = 1;
	while (p2 * 2 <= p)
		p2 *= 2;
	const double *src = x + from - (p - 1);
	double *dst = a;
	for (; s < p2; s *= 2) {
		for (j = 0; j < s; j++)
			dst[j] = src[j];
		for (; j < len; j++)
			dst[j] = ext1(src[j], src[j - s], mx);
		src = dst;
		dst = dst == a ? b : a;
	}
	return src;
}

static void k_fastk(const double *wh, const double *wl, size_t lag, size_t off, const double *c,
		    size_t n, double *out)
{
	for (size_t i = 0; i < n; i++) {
		double hh = ext1(wh[i + lag], wh[i + lag - off], true);
		double ll = ext1(wl[i + lag], wl[i + lag - off], false);
		double diff = (hh - ll) / 100.0;
		out[i] = diff != 0.0 ? (c[i] - ll) / diff : 0.0;
	}
}

static void k_willr(const double *wh, const double *wl, size_t lag, size_t off, const double *c,
		    size_t n, double *out)
{
	for (size_t i = 0; i < n; i++) {
		double hh = ext1(wh[i + lag], wh[i + lag - off], true);
		double ll = ext1(wl[i + lag], wl[i + lag - off], false);
		double diff = (hh - ll) / (-100.0);
		out[i] = diff != 0.0 ? (hh - c[i]) / diff : 0.0;
	}
}

static void k_trange(const double *h, const double *l, const double *c, size_t from, size_t to,
		     double *out)
{
	for (size_t i = from; i < to; i++)
		out[i] = trange1(h[i], l[i], c[i - 1]);
}

static void k_roc(const double *x, size_t from, size_t to, unsigned p, double *out)
{
	for (size_t i = from; i < to; i++) {
		double t = x[i - p];
		out[i] = t != 0.0 ? ((x[i] / t) - 1.0) * 100.0 : 0.0;
	}
}

static void k_sma_k(const double *x, size_t n, size_t k, size_t lanes, unsigned p, double *out)
{
	for (size_t s = 0; s < lanes; s++)
		ind__sma_s(x + s, n, k, p, out + s);
}

static void k_ema_k(const double *x, size_t n, size_t k, size_t lanes, unsigned p, double *out)
{
	for (size_t s = 0; s < lanes; s++)
		ind__ema_s(x + s, n, k, p, out + s);
}

static void k_rsi_k(const double *x, size_t n, size_t k, size_t lanes, unsigned p, double *out)
{
	for (size_t s = 0; s < lanes; s++)
		ind__rsi_s(x + s, n, k, p, out + s);
}

static void k_macd_k(const double *x, size_t n, size_t k, size_t lanes, unsigned fast,
		     unsigned slow, unsigned signal, double *macd, double *sig, double *hist)
{
	for (size_t s = 0; s < lanes; s++)
		ind__macd_s(x + s, n, k, fast, slow, signal, macd + s, sig + s, hist + s);
}

static void k_stoch_k(const double *h, const double *l, const double *c, size_t n, size_t k,
		      size_t lanes, unsigned pk, unsigned ps, unsigned pd, double *ok, double *od)
{
	for (size_t s = 0; s < lanes; s++)
		stoch_s(h + s, l + s, c + s, n, k, pk, ps, pd, ok + s, od + s);
}

static void k_atr_k(const double *h, const double *l, const double *c, size_t n, size_t k,
		    size_t lanes, unsigned p, double *out)
{
	for (size_t s = 0; s < lanes; s++)
		atr_s(h + s, l + s, c + s, n, k, p, out + s);
}

const struct ind_kernels ind__kern_scalar = {
	.name = "scalar", .width = 1,
	.div = k_div, .winext = k_winext, .fastk = k_fastk, .willr = k_willr, .trange = k_trange, .roc = k_roc,
	.sma_k = k_sma_k, .ema_k = k_ema_k, .rsi_k = k_rsi_k, .atr_k = k_atr_k,
	.macd_k = k_macd_k, .stoch_k = k_stoch_k,
};
