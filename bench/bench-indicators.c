/* bench-indicators - the batch indicator bank against TA-Lib, ns per point.
 *
 *   bench-indicators [--smoke] [--points N] [--reps R] [--talib PATH/libta.so]
 *
 * A random-walk OHLC series of N points (default 10,000,000) and, per
 * repetition, TA_SMA(20), TA_EMA(20), TA_RSI(14), TA_MACD(12,26,9),
 * TA_STOCH(14,3,SMA,3,SMA), TA_ATR(14) against ours:
 * - "1 series": strat_ind_* over the one series, on the CPU's best ISA path
 *   and on the forced scalar path;
 * - "K=8": the *_k entry points (all six) over 8 interleaved
 *   series of N/8 points each (the same N points in total), one series per
 *   SIMD lane.
 * Times are wall-clock ns per input point; each case reports p50, p99, p99.9
 * and max over R repetitions (default 11, after one unrecorded warm-up; the
 * order of the cases rotates from one repetition to the next), and
 * the TA-Lib/ours ratio of the p50s. "TA-Lib" is a plain call (its
 * n-sized scratch buffers come from fresh mmap pages, as in a new process);
 * "TA-Lib warm heap" serves them from an already-faulted heap, which is
 * TA-Lib's best case. TA-Lib is loaded with dlopen from a
 * shared library built by bench/talib-fetch.sh from the C sources in the npm
 * package talib@2.0.5; without --talib only our figures are printed. With
 * TA-Lib, every output is also compared with TA-Lib's bit for bit.
 * --smoke: 200,000 points, 3 repetitions (the bench-smoke test). */
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ta.h"

/* TA-Lib's prototypes (ta_func.h), called through dlsym. */
typedef int (*ta_init_fn)(void);
typedef int (*ta_ma_fn)(int, int, const double *, int, int *, int *, double *);
typedef int (*ta_macd_fn)(int, int, const double *, int, int, int, int *, int *, double *,
			  double *, double *);
typedef int (*ta_stoch_fn)(int, int, const double *, const double *, const double *, int, int, int,
			   int, int, int *, int *, double *, double *);
typedef int (*ta_atr_fn)(int, int, const double *, const double *, const double *, int, int *,
			 int *, double *);

static struct {
	void *dl;
	ta_ma_fn sma, ema, rsi;
	ta_macd_fn macd;
	ta_stoch_fn stoch;
	ta_atr_fn atr;
} ta;

static int load_talib(const char *path)
{
	ta.dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!ta.dl) {
		fprintf(stderr, "bench-indicators: %s\n", dlerror());
		return -1;
	}
	ta_init_fn init = (ta_init_fn)dlsym(ta.dl, "TA_Initialize");
	ta.sma = (ta_ma_fn)dlsym(ta.dl, "TA_SMA");
	ta.ema = (ta_ma_fn)dlsym(ta.dl, "TA_EMA");
	ta.rsi = (ta_ma_fn)dlsym(ta.dl, "TA_RSI");
	ta.macd = (ta_macd_fn)dlsym(ta.dl, "TA_MACD");
	ta.stoch = (ta_stoch_fn)dlsym(ta.dl, "TA_STOCH");
	ta.atr = (ta_atr_fn)dlsym(ta.dl, "TA_ATR");
	if (!init || !ta.sma || !ta.ema || !ta.rsi || !ta.macd || !ta.stoch || !ta.atr) {
		fprintf(stderr, "bench-indicators: %s lacks a TA_ function\n", path);
		return -1;
	}
	if (init() != 0) {
		fprintf(stderr, "bench-indicators: TA_Initialize failed\n");
		return -1;
	}
	return 0;
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static double urand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

enum ind { I_SMA, I_EMA, I_RSI, I_MACD, I_STOCH, I_ATR, I_N };
static const char *const ind_name[I_N] = { "SMA(20)", "EMA(20)", "RSI(14)", "MACD(12,26,9)",
					   "STOCH(14,3,3)", "ATR(14)" };
enum impl { M_TALIB, M_TALIB_WARM, M_BEST, M_SCALAR, M_K8, M_N };
static const char *const impl_name[M_N] = { "TA-Lib", "TA-Lib warm heap", "ours 1 series",
					    "ours 1 series scalar", "ours K=8 series" };

static size_t n;
static double *h, *l, *c, *o1, *o2, *o3, *t1, *t2, *t3;

/* One run; returns false if the case does not exist (TA-Lib absent, no K
 * entry point for this indicator). */
static bool run(enum ind i, enum impl m)
{
	int beg, nb;
	if (m == M_TALIB || m == M_TALIB_WARM) {
		if (!ta.dl)
			return false;
		int e = (int)n - 1;
		switch (i) {
		case I_SMA: ta.sma(0, e, c, 20, &beg, &nb, t1); break;
		case I_EMA: ta.ema(0, e, c, 20, &beg, &nb, t1); break;
		case I_RSI: ta.rsi(0, e, c, 14, &beg, &nb, t1); break;
		case I_MACD: ta.macd(0, e, c, 12, 26, 9, &beg, &nb, t1, t2, t3); break;
		case I_STOCH: ta.stoch(0, e, h, l, c, 14, 3, 0, 3, 0, &beg, &nb, t1, t2); break;
		case I_ATR: ta.atr(0, e, h, l, c, 14, &beg, &nb, t1); break;
		default: return false;
		}
		return true;
	}
	if (m == M_K8) {
		size_t rows = n / 8;
		switch (i) {
		case I_SMA: return strat_ind_sma_k(c, rows, 8, 20, o1) == 0;
		case I_EMA: return strat_ind_ema_k(c, rows, 8, 20, o1) == 0;
		case I_RSI: return strat_ind_rsi_k(c, rows, 8, 14, o1) == 0;
		case I_ATR: return strat_ind_atr_k(h, l, c, rows, 8, 14, o1) == 0;
		case I_MACD: return strat_ind_macd_k(c, rows, 8, 12, 26, 9, o1, o2, o3) == 0;
		case I_STOCH: return strat_ind_stoch_k(h, l, c, rows, 8, 14, 3, 3, o1, o2) == 0;
		default: return false;
		}
	}
	switch (i) {
	case I_SMA: return strat_ind_sma(c, n, 20, o1) == 0;
	case I_EMA: return strat_ind_ema(c, n, 20, o1) == 0;
	case I_RSI: return strat_ind_rsi(c, n, 14, o1) == 0;
	case I_MACD: return strat_ind_macd(c, n, 12, 26, 9, o1, o2, o3) == 0;
	case I_STOCH: return strat_ind_stoch(h, l, c, n, 14, 3, 3, o1, o2) == 0;
	case I_ATR: return strat_ind_atr(h, l, c, n, 14, o1) == 0;
	default: return false;
	}
}

/* Compare our single-series outputs with TA-Lib's (both just computed). */
static size_t mismatches(enum ind i)
{
	long lb;
	int outs;
	switch (i) {
	case I_SMA: lb = 19, outs = 1; break;
	case I_EMA: lb = 19, outs = 1; break;
	case I_RSI: lb = 14, outs = 1; break;
	case I_MACD: lb = 33, outs = 3; break;
	case I_STOCH: lb = 17, outs = 2; break;
	default: lb = 14, outs = 1; break;
	}
	double *ours[3] = { o1, o2, o3 }, *theirs[3] = { t1, t2, t3 };
	size_t bad = 0;
	for (int k = 0; k < outs; k++) {
		for (size_t j = 0; j < (size_t)lb; j++)
			bad += !isnan(ours[k][j]);
		for (size_t j = (size_t)lb; j < n; j++)
			bad += memcmp(&ours[k][j], &theirs[k][j - (size_t)lb], sizeof(double)) != 0;
	}
	return bad;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double pct(const double *sorted, int r, double q)
{
	int idx = (int)ceil(q * r) - 1;
	if (idx < 0)
		idx = 0;
	if (idx >= r)
		idx = r - 1;
	return sorted[idx];
}

/* TA-Lib's MACD, STOCH and ATR malloc n-sized scratch; glibc serves that
 * with fresh mmap pages (faulted in during the call, unmapped after it). The
 * unmapping slows whatever runs next in this VM for a few milliseconds, so
 * give the kernel that time before timing anything else. */
static void settle(void)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	nanosleep(&ts, NULL);
}

static double *alloc_touch(size_t count)
{
	double *p = malloc(count * sizeof(double));
	if (!p) {
		fprintf(stderr, "bench-indicators: out of memory\n");
		exit(1);
	}
	memset(p, 0, count * sizeof(double));
	return p;
}

int main(int argc, char **argv)
{
	size_t points = 10000000;
	int reps = 11;
	const char *talib = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke")) {
			points = 200000;
			reps = 3;
		} else if (!strcmp(argv[i], "--points") && i + 1 < argc) {
			points = strtoull(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			reps = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--talib") && i + 1 < argc) {
			talib = argv[++i];
		} else {
			fprintf(stderr, "usage: bench-indicators [--smoke] [--points N] [--reps R] "
					"[--talib PATH/libta.so]\n");
			return 2;
		}
	}
	if (points < 1000 || reps < 1 || reps > 1000) {
		fprintf(stderr, "bench-indicators: need --points >= 1000 and 1 <= --reps <= 1000\n");
		return 2;
	}
	n = points - points % 8;
	if (talib && load_talib(talib) < 0)
		return 1;
	/* Keep the heap: "TA-Lib warm heap" runs serve TA-Lib's scratch from
	 * it (M_MMAP_THRESHOLD raised around those calls only), so they show
	 * TA-Lib without page faults; plain "TA-Lib" runs get fresh mmap pages
	 * as a new process would. */
	mallopt(M_TRIM_THRESHOLD, 1 << 30);
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	h = alloc_touch(n), l = alloc_touch(n), c = alloc_touch(n);
	o1 = alloc_touch(n), o2 = alloc_touch(n), o3 = alloc_touch(n);
	t1 = alloc_touch(n), t2 = alloc_touch(n), t3 = alloc_touch(n);
	double px = 100;
	for (size_t i = 0; i < n; i++) {
		double open = px;
		px += (urand() - 0.5) * 0.1;
		c[i] = px;
		h[i] = fmax(open, px) + urand() * 0.05;
		l[i] = fmin(open, px) - urand() * 0.05;
	}
	enum strat_ind_isa best = strat_ind_isa_best();
	printf("bench-indicators: %zu points (random walk), %d repetitions, ISA %s\n", n, reps,
	       strat_ind_isa_name());
	if (ta.dl)
		printf("TA-Lib: %s (talib@2.0.5 C sources, gcc -O2 -ffp-contract=off)\n", talib);
	else
		printf("TA-Lib: not found (build it with bench/talib-fetch.sh WORKDIR and pass "
		       "--talib WORKDIR/libta.so); our figures only\n");

	double *samples[I_N][M_N];
	bool have[I_N][M_N];
	for (int i = 0; i < I_N; i++)
		for (int m = 0; m < M_N; m++)
			samples[i][m] = calloc((size_t)reps, sizeof(double)), have[i][m] = false;
	size_t bad[I_N] = { 0 };
	for (int r = -1; r < reps; r++) {
		for (int i = 0; i < I_N; i++) {
			/* rotate the order every repetition so that whatever one case
			 * leaves behind (caches, TLB, the kernel freeing TA-Lib's
			 * scratch) falls on every case alike */
			for (int mm = 0; mm < M_N; mm++) {
				int m = (mm + (r < 0 ? 0 : r)) % M_N;
				strat_ind_set_isa(m == M_SCALAR ? STRAT_IND_ISA_SCALAR : best);
				if (m == M_TALIB_WARM)
					mallopt(M_MMAP_THRESHOLD, 1 << 30);
				double t0 = now_ns();
				bool ok = run((enum ind)i, (enum impl)m);
				double dt = now_ns() - t0;
				if (m == M_TALIB_WARM)
					mallopt(M_MMAP_THRESHOLD, 128 * 1024);
				if ((m == M_TALIB || m == M_TALIB_WARM) && ok)
					settle();
				if (!ok)
					continue;
				have[i][m] = true;
				if (r >= 0)
					samples[i][m][r] = dt / (double)n;
				/* warm-up: both single-series paths against TA-Lib's t1..t3 */
				if (r == -1 && ta.dl && (m == M_BEST || m == M_SCALAR))
					bad[i] += mismatches((enum ind)i);
			}
		}
	}
	strat_ind_set_isa(best);

	printf("\nns per point: p50 p99 p99.9 max over %d repetitions\n", reps);
	double p50[I_N][M_N];
	for (int i = 0; i < I_N; i++) {
		for (int m = 0; m < M_N; m++) {
			if (!have[i][m])
				continue;
			qsort(samples[i][m], (size_t)reps, sizeof(double), cmp_double);
			double *s = samples[i][m];
			p50[i][m] = pct(s, reps, 0.5);
			printf("  %-14s %-22s p50 %7.3f  p99 %7.3f  p99.9 %7.3f  max %7.3f\n",
			       ind_name[i], impl_name[m], p50[i][m], pct(s, reps, 0.99),
			       pct(s, reps, 0.999), s[reps - 1]);
		}
	}
	printf("\nsummary (p50 ns/point; ratios = TA-Lib / ours, TA-Lib as a fresh call and "
	       "with a warm heap; target >= 3x)\n");
	printf("  %-14s %8s %8s %9s %14s %9s %14s %s\n", "indicator", "TA-Lib", "TA warm",
	       "1 series", "ratio", "K=8", "ratio", ta.dl ? "bits vs TA-Lib" : "");
	for (int i = 0; i < I_N; i++) {
		printf("  %-14s", ind_name[i]);
		if (have[i][M_TALIB])
			printf(" %8.3f %8.3f", p50[i][M_TALIB], p50[i][M_TALIB_WARM]);
		else
			printf(" %8s %8s", "-", "-");
		for (int m = M_BEST; m <= M_K8; m += M_K8 - M_BEST) {
			if (!have[i][m]) {
				printf(" %9s %14s", "-", "-");
				continue;
			}
			printf(" %9.3f", p50[i][m]);
			if (have[i][M_TALIB])
				printf("  %5.2fx/%5.2fx", p50[i][M_TALIB] / p50[i][m],
				       p50[i][M_TALIB_WARM] / p50[i][m]);
			else
				printf(" %14s", "-");
		}
		if (ta.dl)
			printf(" %s", bad[i] ? "DIFFER" : "identical");
		printf("\n");
	}
	int rc = 0;
	for (int i = 0; i < I_N; i++) {
		if (bad[i]) {
			fprintf(stderr, "bench-indicators: %s: %zu values differ from TA-Lib\n",
				ind_name[i], bad[i]);
			rc = 1;
		}
		for (int m = 0; m < M_N; m++)
			free(samples[i][m]);
	}
	free(h), free(l), free(c), free(o1), free(o2), free(o3), free(t1), free(t2), free(t3);
	if (ta.dl)
		dlclose(ta.dl);
	return rc;
}
