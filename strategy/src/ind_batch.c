/* ind_batch.c - the batch indicator bank: TA-Lib's algorithms in TA-Lib's
 * operation order (scalar reference), the public entry points and the ISA
 * dispatch. The vector kernels live in ind_batch_simd.c. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "strategy.h"
#include "ind_batch_internal.h"

/* ------------------------------------------------------------------------- */
/* ISA selection: chosen once at the first call, or forced. */

static _Atomic int ind_isa = -1;

enum strat_ind_isa strat_ind_isa_best(void)
{
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
	    __builtin_cpu_supports("avx512vl"))
		return STRAT_IND_ISA_AVX512;
	if (__builtin_cpu_supports("avx2"))
		return STRAT_IND_ISA_AVX2;
	return STRAT_IND_ISA_SCALAR;
}

enum strat_ind_isa strat_ind_isa_current(void)
{
	int v = atomic_load_explicit(&ind_isa, memory_order_relaxed);
	if (v < 0) {
		v = (int)strat_ind_isa_best();
		atomic_store_explicit(&ind_isa, v, memory_order_relaxed);
	}
	return (enum strat_ind_isa)v;
}

int strat_ind_set_isa(enum strat_ind_isa isa)
{
	if ((unsigned)isa > STRAT_IND_ISA_AVX512)
		return -EINVAL;
	if ((unsigned)isa > (unsigned)strat_ind_isa_best())
		return -ENOTSUP;
	atomic_store_explicit(&ind_isa, (int)isa, memory_order_relaxed);
	return 0;
}

const char *strat_ind_isa_name(void)
{
	static const char *const names[] = { "scalar", "avx2", "avx512" };
	return names[strat_ind_isa_current()];
}

static const struct ind_kernels *kern(void)
{
	switch (strat_ind_isa_current()) {
	case STRAT_IND_ISA_AVX512:
		return &ind__kern_avx512;
	case STRAT_IND_ISA_AVX2:
		return &ind__kern_avx2;
	default:
		return &ind__kern_scalar;
	}
}

/* ------------------------------------------------------------------------- */
/* Names, defaults, lookbacks. */

static const char *const col_names[STRAT_IND_COUNT] = {
	"SMA20", "EMA20", "RSI14", "MACD_12_26_9", "MACDSIGNAL", "MACDHIST",
	"BB_UPPER_20_2", "BB_MIDDLE", "BB_LOWER", "STOCH_SLOWK_14_3_3", "STOCH_SLOWD",
	"ATR14", "OBV", "STDDEV20", "WMA20", "ROC10", "WILLR14", "CCI20", "ADX14", "MFI14",
};

const char *strat_ind_name(unsigned col)
{
	return col < STRAT_IND_COUNT ? col_names[col] : "?";
}

void strat_ind_params_default(struct strat_ind_params *p)
{
	*p = (struct strat_ind_params){
		.sma = 20, .ema = 20, .wma = 20, .stddev = 20, .bb = 20, .cci = 20,
		.rsi = 14, .atr = 14, .willr = 14, .adx = 14, .mfi = 14,
		.macd_fast = 12, .macd_slow = 26, .macd_signal = 9,
		.stoch_k = 14, .stoch_slowk = 3, .stoch_slowd = 3,
		.roc = 10, .bb_up = 2.0, .bb_dn = 2.0, .stddev_nbdev = 1.0,
	};
}

long strat_ind_lookback(const struct strat_ind_params *p, unsigned col)
{
	struct strat_ind_params d;
	if (!p) {
		strat_ind_params_default(&d);
		p = &d;
	}
	unsigned slow = p->macd_slow > p->macd_fast ? p->macd_slow : p->macd_fast;
	switch (col) {
	case STRAT_IND_SMA: return (long)p->sma - 1;
	case STRAT_IND_EMA: return (long)p->ema - 1;
	case STRAT_IND_RSI: return p->rsi;
	case STRAT_IND_MACD:
	case STRAT_IND_MACD_SIGNAL:
	case STRAT_IND_MACD_HIST: return (long)slow - 1 + (long)p->macd_signal - 1;
	case STRAT_IND_BB_UPPER:
	case STRAT_IND_BB_MIDDLE:
	case STRAT_IND_BB_LOWER: return (long)p->bb - 1;
	case STRAT_IND_STOCH_K:
	case STRAT_IND_STOCH_D:
		return (long)p->stoch_k - 1 + (long)p->stoch_slowk - 1 + (long)p->stoch_slowd - 1;
	case STRAT_IND_ATR: return p->atr;
	case STRAT_IND_OBV: return 0;
	case STRAT_IND_STDDEV: return (long)p->stddev - 1;
	case STRAT_IND_WMA: return (long)p->wma - 1;
	case STRAT_IND_ROC: return p->roc;
	case STRAT_IND_WILLR: return (long)p->willr - 1;
	case STRAT_IND_CCI: return (long)p->cci - 1;
	case STRAT_IND_ADX: return 2 * (long)p->adx - 1;
	case STRAT_IND_MFI: return p->mfi;
	default: return -1;
	}
}

/* ------------------------------------------------------------------------- */
/* Scalar reference. The *_s functions read x[i * st] and write out[i * st],
 * so the same code serves one series (st = 1) and one lane of k interleaved
 * series (st = k). Comments name the TA-Lib function whose steps they copy. */

static bool period_ok(unsigned p, unsigned min)
{
	return p >= min && p <= STRAT_IND_MAX_PERIOD;
}

static void nan_fill(double *out, size_t from, size_t to, size_t st)
{
	for (size_t i = from; i < to; i++)
		out[i * st] = NAN;
}

/* TA_INT_SMA */
static void sma_s(const double *x, size_t n, size_t st, unsigned p, double *out)
{
	size_t lb = p - 1;
	if (n <= lb) {
		nan_fill(out, 0, n, st);
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
static void ema_s(const double *x, size_t n, size_t st, unsigned p, double *out)
{
	size_t lb = p - 1;
	if (n <= lb) {
		nan_fill(out, 0, n, st);
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
static void rsi_s(const double *x, size_t n, size_t st, unsigned p, double *out)
{
	if (n <= p) {
		nan_fill(out, 0, n, st);
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
static void macd_s(const double *x, size_t n, size_t st, unsigned fast, unsigned slow,
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

/* A running-sum SMA fed one value at a time (TA_INT_SMA's steps): the last
 * p inputs sit in a ring so the trailing value can be subtracted. */
struct run_sma {
	double total;
	double *ring;
	unsigned p, pos, seen;
};

static inline bool run_sma_push(struct run_sma *s, double x, double *ret)
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
	struct run_sma ks = { .ring = ring, .p = ps }, ds = { .ring = ring + IND_STOCH_K_MAXP, .p = pd };
	for (size_t i = lbk; i < n; i++) {
		double hh = h[(i + 1 - pk) * st], ll = l[(i + 1 - pk) * st], k, d;
		for (size_t j = i + 2 - pk; j <= i; j++) {
			hh = h[j * st] > hh ? h[j * st] : hh;
			ll = l[j * st] < ll ? l[j * st] : ll;
		}
		double diff = (hh - ll) / 100.0;
		double f = diff != 0.0 ? (c[i * st] - ll) / diff : 0.0;
		if (!run_sma_push(&ks, f, &k) || !run_sma_push(&ds, k, &d))
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
static void atr_chain_s(size_t n, size_t st, unsigned p, double *out)
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
		nan_fill(out, 0, n, st);
		return;
	}
	for (size_t i = 1; i < n; i++)
		out[i * st] = trange1(h[i * st], l[i * st], c[(i - 1) * st]);
	atr_chain_s(n, st, p, out);
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
		sma_s(x + s, n, k, p, out + s);
}

static void k_ema_k(const double *x, size_t n, size_t k, size_t lanes, unsigned p, double *out)
{
	for (size_t s = 0; s < lanes; s++)
		ema_s(x + s, n, k, p, out + s);
}

static void k_rsi_k(const double *x, size_t n, size_t k, size_t lanes, unsigned p, double *out)
{
	for (size_t s = 0; s < lanes; s++)
		rsi_s(x + s, n, k, p, out + s);
}

static void k_macd_k(const double *x, size_t n, size_t k, size_t lanes, unsigned fast,
		     unsigned slow, unsigned signal, double *macd, double *sig, double *hist)
{
	for (size_t s = 0; s < lanes; s++)
		macd_s(x + s, n, k, fast, slow, signal, macd + s, sig + s, hist + s);
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
	if (!x || !out || !period_ok(period, 2))
		return -EINVAL;
	sma_s(x, n, 1, period, out);
	return 0;
}

int strat_ind_ema(const double *x, size_t n, unsigned period, double *out)
{
	if (!x || !out || !period_ok(period, 1))
		return -EINVAL;
	ema_s(x, n, 1, period, out);
	return 0;
}

int strat_ind_rsi(const double *x, size_t n, unsigned period, double *out)
{
	if (!x || !out || !period_ok(period, 2))
		return -EINVAL;
	rsi_s(x, n, 1, period, out);
	return 0;
}

/* TA_WMA */
int strat_ind_wma(const double *x, size_t n, unsigned period, double *out)
{
	if (!x || !out || !period_ok(period, 2))
		return -EINVAL;
	size_t lb = period - 1;
	if (n <= lb) {
		nan_fill(out, 0, n, 1);
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
	if (!x || !period_ok(fast, 2) || !period_ok(slow, 2) || !period_ok(signal, 1))
		return -EINVAL;
	if (slow < fast) {
		unsigned t = slow;
		slow = fast;
		fast = t;
	}
	macd_s(x, n, 1, fast, slow, signal, macd, sig, hist);
	return 0;
}

/* TA_BBANDS with TA_MAType_SMA: TA_INT_stddev_using_precalc_ma. */
int strat_ind_bbands(const double *x, size_t n, unsigned period, double nbdev_up, double nbdev_dn,
		     double *upper, double *middle, double *lower)
{
	if (!x || !period_ok(period, 2))
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
	if (!x || !out || !period_ok(period, 2))
		return -EINVAL;
	size_t lb = period - 1;
	if (n <= lb) {
		nan_fill(out, 0, n, 1);
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
	if (!x || !out || !period_ok(period, 1))
		return -EINVAL;
	size_t stop = n < period ? n : period;
	nan_fill(out, 0, stop, 1);
	if (n > period)
		kern()->roc(x, period, n, period, out);
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
	struct run_sma ks = { .ring = ring, .p = slowk }, ds = { .ring = ring + slowk, .p = slowd };
	for (size_t j0 = fastk - 1; j0 < n; j0 += STOCH_CHUNK) {
		size_t j1 = n - j0 > STOCH_CHUNK ? j0 + STOCH_CHUNK : n;
		hl_rows(kn, HL_FASTK, high, low, close, j0, j1, fastk, fk);
		for (size_t j = j0; j < j1; j++) {
			double k, d;
			if (!run_sma_push(&ks, fk[j - j0], &k) || !run_sma_push(&ds, k, &d))
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
	if (!high || !low || !close || !period_ok(fastk, 1) || !period_ok(slowk, 1) ||
	    !period_ok(slowd, 1))
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
	const struct ind_kernels *kn = kern();
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
	if (!high || !low || !close || !out || !period_ok(period, 1))
		return -EINVAL;
	if (n <= period) {
		nan_fill(out, 0, n, 1);
		return 0;
	}
	kern()->trange(high, low, close, 1, n, out);
	atr_chain_s(n, 1, period, out);
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
	if (!high || !low || !close || !out || !period_ok(period, 2))
		return -EINVAL;
	size_t lb = period - 1;
	nan_fill(out, 0, n < lb ? n : lb, 1);
	if (n > lb)
		hl_rows(kern(), HL_WILLR, high, low, close, lb, n, period, out + lb);
	return 0;
}

/* TA_CCI: sums in circular-buffer slot order (row i sits in slot i % p). */
int strat_ind_cci(const double *high, const double *low, const double *close, size_t n,
		  unsigned period, double *out)
{
	if (!high || !low || !close || !out || !period_ok(period, 2))
		return -EINVAL;
	size_t lb = period - 1;
	if (n <= lb) {
		nan_fill(out, 0, n, 1);
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
	if (!high || !low || !close || !out || !period_ok(period, 2))
		return -EINVAL;
	size_t lb = 2 * (size_t)period - 1;
	if (n <= lb) {
		nan_fill(out, 0, n, 1);
		return 0;
	}
	nan_fill(out, 0, lb, 1);
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
	if (!high || !low || !close || !volume || !out || !period_ok(period, 2))
		return -EINVAL;
	if (n <= period) {
		nan_fill(out, 0, n, 1);
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

/* ------------------------------------------------------------------------- */
/* Multi-series entry points. */

static size_t vec_lanes(size_t k)
{
	return k - k % kern()->width;
}

int strat_ind_sma_k(const double *x, size_t n, size_t k, unsigned period, double *out)
{
	if (!x || !out || !k || !period_ok(period, 2))
		return -EINVAL;
	size_t kv = n >= period ? vec_lanes(k) : 0;
	if (kv)
		kern()->sma_k(x, n, k, kv, period, out);
	ind__kern_scalar.sma_k(x + kv, n, k, k - kv, period, out + kv);
	return 0;
}

int strat_ind_ema_k(const double *x, size_t n, size_t k, unsigned period, double *out)
{
	if (!x || !out || !k || !period_ok(period, 1))
		return -EINVAL;
	size_t kv = n >= period ? vec_lanes(k) : 0;
	if (kv)
		kern()->ema_k(x, n, k, kv, period, out);
	ind__kern_scalar.ema_k(x + kv, n, k, k - kv, period, out + kv);
	return 0;
}

int strat_ind_rsi_k(const double *x, size_t n, size_t k, unsigned period, double *out)
{
	if (!x || !out || !k || !period_ok(period, 2))
		return -EINVAL;
	size_t kv = n > period ? vec_lanes(k) : 0;
	if (kv)
		kern()->rsi_k(x, n, k, kv, period, out);
	ind__kern_scalar.rsi_k(x + kv, n, k, k - kv, period, out + kv);
	return 0;
}

int strat_ind_macd_k(const double *x, size_t n, size_t k, unsigned fast, unsigned slow,
		     unsigned signal, double *macd, double *sig, double *hist)
{
	if (!x || !macd || !sig || !hist || !k || !period_ok(fast, 2) || !period_ok(slow, 2) ||
	    !period_ok(signal, 1))
		return -EINVAL;
	if (slow < fast) {
		unsigned t = slow;
		slow = fast;
		fast = t;
	}
	size_t kv = n > (size_t)slow - 1 + signal - 1 ? vec_lanes(k) : 0;
	if (kv)
		kern()->macd_k(x, n, k, kv, fast, slow, signal, macd, sig, hist);
	ind__kern_scalar.macd_k(x + kv, n, k, k - kv, fast, slow, signal, macd + kv, sig + kv,
				hist + kv);
	return 0;
}

int strat_ind_stoch_k(const double *high, const double *low, const double *close, size_t n,
		      size_t k, unsigned fastk, unsigned slowk, unsigned slowd, double *slow_k,
		      double *slow_d)
{
	if (!high || !low || !close || !slow_k || !slow_d || !k || !period_ok(fastk, 1) ||
	    !slowk || slowk > IND_STOCH_K_MAXP || !slowd || slowd > IND_STOCH_K_MAXP)
		return -EINVAL;
	size_t lb = (size_t)fastk - 1 + slowk - 1 + slowd - 1;
	size_t kv = n > lb ? vec_lanes(k) : 0;
	if (kv)
		kern()->stoch_k(high, low, close, n, k, kv, fastk, slowk, slowd, slow_k, slow_d);
	ind__kern_scalar.stoch_k(high + kv, low + kv, close + kv, n, k, k - kv, fastk, slowk, slowd,
				 slow_k + kv, slow_d + kv);
	return 0;
}

int strat_ind_atr_k(const double *high, const double *low, const double *close, size_t n, size_t k,
		    unsigned period, double *out)
{
	if (!high || !low || !close || !out || !k || !period_ok(period, 1))
		return -EINVAL;
	size_t kv = n > period ? vec_lanes(k) : 0;
	if (kv)
		kern()->atr_k(high, low, close, n, k, kv, period, out);
	ind__kern_scalar.atr_k(high + kv, low + kv, close + kv, n, k, k - kv, period, out + kv);
	return 0;
}

/* ------------------------------------------------------------------------- */
/* The whole bank. */

/* Write the message and hand back rc, so a check reads "return fail(...)". */
#define fail(err, errlen, rc, ...) (core_errf((err), (errlen), __VA_ARGS__), (rc))

int strat_ind_batch(const struct strat_ind_params *p, const struct strat_ind_series *s,
		    double *out[STRAT_IND_COUNT], char *err, size_t errlen)
{
	struct strat_ind_params d;
	if (!p) {
		strat_ind_params_default(&d);
		p = &d;
	}
	if (!s || !s->close || !out)
		return fail(err, errlen, -EINVAL, "strat_ind_batch: %s is NULL",
			    !s ? "series" : !out ? "out" : "series close");
	static const struct {
		const char *name;
		size_t off;
		unsigned min;
	} per[] = {
#define PER(f, m) { #f, offsetof(struct strat_ind_params, f), m }
		PER(sma, 2), PER(ema, 1), PER(wma, 2), PER(stddev, 2), PER(bb, 2), PER(cci, 2),
		PER(rsi, 2), PER(atr, 1), PER(willr, 2), PER(adx, 2), PER(mfi, 2),
		PER(macd_fast, 2), PER(macd_slow, 2), PER(macd_signal, 1),
		PER(stoch_k, 1), PER(stoch_slowk, 1), PER(stoch_slowd, 1), PER(roc, 1),
#undef PER
	};
	for (size_t i = 0; i < sizeof(per) / sizeof(per[0]); i++) {
		uint32_t v;
		memcpy(&v, (const char *)p + per[i].off, sizeof(v));
		if (!period_ok(v, per[i].min))
			return fail(err, errlen, -EINVAL,
				    "strat_ind_batch: period %s = %u out of range [%u, %u]",
				    per[i].name, v, per[i].min, STRAT_IND_MAX_PERIOD);
	}
	const double *x = s->close, *h = s->high, *l = s->low, *v = s->volume;
	size_t n = s->n;
	bool hl = h && l;
	int rc = 0;
	if (out[STRAT_IND_SMA])
		strat_ind_sma(x, n, p->sma, out[STRAT_IND_SMA]);
	if (out[STRAT_IND_EMA])
		strat_ind_ema(x, n, p->ema, out[STRAT_IND_EMA]);
	if (out[STRAT_IND_RSI])
		strat_ind_rsi(x, n, p->rsi, out[STRAT_IND_RSI]);
	strat_ind_macd(x, n, p->macd_fast, p->macd_slow, p->macd_signal, out[STRAT_IND_MACD],
		       out[STRAT_IND_MACD_SIGNAL], out[STRAT_IND_MACD_HIST]);
	strat_ind_bbands(x, n, p->bb, p->bb_up, p->bb_dn, out[STRAT_IND_BB_UPPER],
			 out[STRAT_IND_BB_MIDDLE], out[STRAT_IND_BB_LOWER]);
	if (out[STRAT_IND_STDDEV])
		strat_ind_stddev(x, n, p->stddev, p->stddev_nbdev, out[STRAT_IND_STDDEV]);
	if (out[STRAT_IND_WMA])
		strat_ind_wma(x, n, p->wma, out[STRAT_IND_WMA]);
	if (out[STRAT_IND_ROC])
		strat_ind_roc(x, n, p->roc, out[STRAT_IND_ROC]);
	if (hl) {
		rc = strat_ind_stoch(h, l, x, n, p->stoch_k, p->stoch_slowk, p->stoch_slowd,
				     out[STRAT_IND_STOCH_K], out[STRAT_IND_STOCH_D]);
		if (rc < 0)
			return fail(err, errlen, rc, "strat_ind_batch: STOCH scratch: out of memory");
		if (out[STRAT_IND_ATR])
			strat_ind_atr(h, l, x, n, p->atr, out[STRAT_IND_ATR]);
		if (out[STRAT_IND_WILLR])
			strat_ind_willr(h, l, x, n, p->willr, out[STRAT_IND_WILLR]);
		if (out[STRAT_IND_CCI] && (rc = strat_ind_cci(h, l, x, n, p->cci, out[STRAT_IND_CCI])) < 0)
			return fail(err, errlen, rc, "strat_ind_batch: CCI buffer: out of memory");
		if (out[STRAT_IND_ADX])
			strat_ind_adx(h, l, x, n, p->adx, out[STRAT_IND_ADX]);
	} else {
		static const int hlcols[] = { STRAT_IND_STOCH_K, STRAT_IND_STOCH_D, STRAT_IND_ATR,
					      STRAT_IND_WILLR, STRAT_IND_CCI, STRAT_IND_ADX };
		for (size_t c = 0; c < sizeof(hlcols) / sizeof(hlcols[0]); c++)
			if (out[hlcols[c]])
				nan_fill(out[hlcols[c]], 0, n, 1);
	}
	if (out[STRAT_IND_OBV]) {
		if (v)
			strat_ind_obv(x, v, n, out[STRAT_IND_OBV]);
		else
			nan_fill(out[STRAT_IND_OBV], 0, n, 1);
	}
	if (out[STRAT_IND_MFI]) {
		if (hl && v) {
			rc = strat_ind_mfi(h, l, x, v, n, p->mfi, out[STRAT_IND_MFI]);
			if (rc < 0)
				return fail(err, errlen, rc, "strat_ind_batch: MFI buffer: out of memory");
		} else {
			nan_fill(out[STRAT_IND_MFI], 0, n, 1);
		}
	}
	return 0;
}
