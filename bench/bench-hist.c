/* bench-hist - ns per HDR histogram record: ours, the old out-of-line index, HdrHistogram_c.
 *
 *   bench-hist [--smoke] [--batches N] [--hdr PATH/libhdr_histogram.so]
 *
 * Rows (each records the same precomputed values into its own histogram of
 * the same layout: 1 ns .. 60 s, 3 significant digits):
 * - "ours": core_hist_record, inline, the index computed from compile-time
 *   constants (core.h core_hist__index);
 * - "before": the anchor, a copy of the record path as it was before that
 *   change: the index function out of line (a call per record) reading the
 *   layout from the struct (core/src/hist.c up to commit 9ceb054);
 * - "HdrHistogram_c": hdr_record_value from HdrHistogram_c's hdr_histogram.c
 *   (npm native-hdr-histogram@1.0.0), built by bench/hdrhistogram-fetch.sh
 *   and loaded with dlopen, so each record is a call through a pointer, as a
 *   call into a shared library is. Without the library this row is skipped
 *   (one line says so).
 * Timing: a batch of 1000 records between two core_now_ns() readings (the
 * calibrated TSC; the two readings add about 0.02 ns per record), divided
 * by 1000, recorded in picoseconds into a histogram per row; N batches per
 * row (default 200,000; --smoke 2,000), the rows interleaved batch by batch
 * in a rotating order, after an unrecorded warm-up. Prints p50/p99/p99.9/max
 * of ns per record. Values: a latency-like mix drawn once from a fixed seed
 * (98%: log-normal, median 300 ns, sigma 0.5; 2%: log-uniform 10 us .. 20 ms),
 * 16384 of them, read in order from a rotating offset.
 * Checks: ours and before must give the same counts (exit 1 otherwise);
 * HdrHistogram_c's percentiles of the same values are printed beside ours.
 *
 * Without --hdr the library is looked for where hdrhistogram-fetch.sh puts
 * it by default: ${OSPREY_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/osprey-bench}
 * /hdrhistogram-c-1.0.0/libhdr_histogram.so. */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"

#define BATCH   1000
#define NVALUES 16384 /* power of two */

/* ---- the "before" anchor ------------------------------------------------ */

#if defined(__clang__)
#define NOT_INLINED __attribute__((noinline))
#else
#define NOT_INLINED __attribute__((noinline, noipa))
#endif

/* The index as core/src/hist.c computed it (out of line, layout read from h). */
NOT_INLINED static int32_t before_index(const struct core_hist *h, int64_t v)
{
	int32_t pow2ceiling = 64 - __builtin_clzll((uint64_t)(v | h->sub_bucket_mask));
	int32_t b = pow2ceiling - h->unit_magnitude - (h->sub_bucket_half_count_magnitude + 1);
	int32_t sb = (int32_t)(v >> (b + h->unit_magnitude));
	int32_t base = (b + 1) << h->sub_bucket_half_count_magnitude;
	return base + (sb - h->sub_bucket_half_count);
}

/* core_hist_record_n(h, v, 1) as core.h had it. */
static inline void before_record(struct core_hist *h, int64_t v)
{
	if (v < h->lowest)
		v = h->lowest;
	if (v > h->highest) {
		v = h->highest;
		h->clamped += 1;
	}
	h->counts[before_index(h, v)] += 1;
	h->total += 1;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

/* ---- HdrHistogram_c through dlopen -------------------------------------- */

struct hdr_histogram; /* opaque here */
static struct {
	void *dl;
	int (*init)(int64_t, int64_t, int, struct hdr_histogram **);
	bool (*record)(struct hdr_histogram *, int64_t);
	int64_t (*value_at)(const struct hdr_histogram *, double);
	void (*reset)(struct hdr_histogram *);
	void (*close)(struct hdr_histogram *);
	struct hdr_histogram *h;
} hdr;

static int load_hdr(const char *path)
{
	hdr.dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!hdr.dl) {
		fprintf(stderr, "bench-hist: %s\n", dlerror());
		return -1;
	}
	hdr.init = (int (*)(int64_t, int64_t, int, struct hdr_histogram **))dlsym(hdr.dl, "hdr_init");
	hdr.record = (bool (*)(struct hdr_histogram *, int64_t))dlsym(hdr.dl, "hdr_record_value");
	hdr.value_at = (int64_t (*)(const struct hdr_histogram *, double))dlsym(
		hdr.dl, "hdr_value_at_percentile");
	hdr.reset = (void (*)(struct hdr_histogram *))dlsym(hdr.dl, "hdr_reset");
	hdr.close = (void (*)(struct hdr_histogram *))dlsym(hdr.dl, "hdr_close");
	if (!hdr.init || !hdr.record || !hdr.value_at || !hdr.reset || !hdr.close) {
		fprintf(stderr, "bench-hist: %s lacks an hdr_ function\n", path);
		goto fail_close;
	}
	if (hdr.init(CORE_HIST_LOWEST, CORE_HIST_HIGHEST, CORE_HIST_DIGITS, &hdr.h) != 0) {
		fprintf(stderr, "bench-hist: hdr_init failed\n");
		goto fail_close;
	}
	return 0;

fail_close:
	dlclose(hdr.dl);
	hdr.dl = NULL;
	return -1;
}

/* ---- values and timing -------------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static double urand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
}

static int64_t values[NVALUES];

static void make_values(void)
{
	for (int i = 0; i < NVALUES; i++) {
		double v;
		if (urand() < 0.98) {
			double z = sqrt(-2.0 * log(urand())) * cos(6.283185307179586 * urand());
			v = 300.0 * exp(0.5 * z);
		} else {
			v = 1e4 * exp(urand() * log(2e7 / 1e4));
		}
		values[i] = v < 1 ? 1 : (int64_t)v;
	}
}

enum row { R_OURS, R_BEFORE, R_HDR, R_N };
static const char *const row_name[R_N] = {
	"ours: core_hist_record (inline index)",
	"before: out-of-line core_hist__index",
	"HdrHistogram_c: hdr_record_value",
};

static struct core_hist target[2]; /* ours, before */

#define BARRIER() __asm__ __volatile__("" ::: "memory")

/* One batch of BATCH records from values[off..]; returns elapsed ns. */
static uint64_t batch(enum row r, unsigned off)
{
	BARRIER();
	uint64_t t0 = core_now_ns();
	BARRIER();
	switch (r) {
	case R_OURS:
		for (unsigned i = 0; i < BATCH; i++)
			core_hist_record(&target[0], values[(off + i) & (NVALUES - 1)]);
		break;
	case R_BEFORE:
		for (unsigned i = 0; i < BATCH; i++)
			before_record(&target[1], values[(off + i) & (NVALUES - 1)]);
		break;
	default:
		for (unsigned i = 0; i < BATCH; i++)
			hdr.record(hdr.h, values[(off + i) & (NVALUES - 1)]);
		break;
	}
	BARRIER();
	uint64_t t1 = core_now_ns();
	BARRIER();
	return t1 - t0;
}

static const char *default_lib(char *buf, size_t cap)
{
	const char *c = getenv("OSPREY_BENCH_CACHE");
	const char *x = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	if (c && *c)
		snprintf(buf, cap, "%s/hdrhistogram-c-1.0.0/libhdr_histogram.so", c);
	else if (x && *x)
		snprintf(buf, cap, "%s/osprey-bench/hdrhistogram-c-1.0.0/libhdr_histogram.so", x);
	else if (home && *home)
		snprintf(buf, cap, "%s/.cache/osprey-bench/hdrhistogram-c-1.0.0/libhdr_histogram.so",
			 home);
	else
		return NULL;
	return buf;
}

int main(int argc, char **argv)
{
	uint64_t batches = 200000;
	const char *lib = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke")) {
			batches = 2000;
		} else if (!strcmp(argv[i], "--batches") && i + 1 < argc) {
			batches = strtoull(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--hdr") && i + 1 < argc) {
			lib = argv[++i];
		} else {
			fprintf(stderr, "usage: bench-hist [--smoke] [--batches N] "
					"[--hdr PATH/libhdr_histogram.so]\n");
			return 2;
		}
	}
	if (batches == 0)
		batches = 1;
	core_clock_init(0);
	make_values();
	char buf[1024];
	bool have_hdr;
	if (lib) {
		if (load_hdr(lib) < 0)
			return 1;
		have_hdr = true;
	} else {
		lib = default_lib(buf, sizeof(buf));
		have_hdr = lib && access(lib, R_OK) == 0 && load_hdr(lib) == 0;
	}

	struct core_hist ps[R_N]; /* picoseconds per record, one per row */
	for (int r = 0; r < R_N; r++)
		if (core_hist_init(&ps[r]) < 0)
			return 1;
	if (core_hist_init(&target[0]) < 0 || core_hist_init(&target[1]) < 0)
		return 1;

	int nrows = have_hdr ? R_N : R_HDR;
	printf("bench-hist: ns per record, batches of %d timed with core_now_ns (TSC %s, %.3f GHz), "
	       "%llu batches per row, rows interleaved\n",
	       BATCH, core_clock_uses_tsc() ? "yes" : "no (clock_gettime)",
	       (double)core_clock_tsc_hz() / 1e9, (unsigned long long)batches);
	printf("values: %d precomputed, 98%% log-normal (median 300 ns, sigma 0.5), "
	       "2%% log-uniform 10 us .. 20 ms\n", NVALUES);
	if (have_hdr)
		printf("HdrHistogram_c: %s (npm native-hdr-histogram@1.0.0, hdr_histogram.c, "
		       "gcc -O3 -fPIC, dlopen)\n", lib);
	else
		printf("HdrHistogram_c: not loaded, row skipped (bench/hdrhistogram-fetch.sh "
		       "fetches and builds it; or pass --hdr PATH)\n");

	/* warm-up, unrecorded: fault in the counts, train the predictors */
	unsigned off = 0;
	for (int w = 0; w < 200; w++)
		for (int r = 0; r < nrows; r++)
			batch((enum row)r, off += 997);
	for (int r = 0; r < 2; r++)
		core_hist_reset(&target[r]);
	if (have_hdr)
		hdr.reset(hdr.h);

	for (uint64_t k = 0; k < batches; k++) {
		off += 997; /* same offsets for every row */
		for (int j = 0; j < nrows; j++) {
			int r = (int)((k + (uint64_t)j) % (uint64_t)nrows);
			uint64_t ns = batch((enum row)r, off);
			core_hist_record(&ps[r], (int64_t)(ns * 1000 / BATCH));
		}
	}

	printf("%-40s %8s %8s %8s %10s\n", "ns per record", "p50", "p99", "p99.9", "max");
	for (int r = 0; r < nrows; r++)
		printf("%-40s %8.2f %8.2f %8.2f %10.2f\n", row_name[r],
		       core_hist_value_at(&ps[r], 50) / 1000.0, core_hist_value_at(&ps[r], 99) / 1000.0,
		       core_hist_value_at(&ps[r], 99.9) / 1000.0, core_hist_max(&ps[r]) / 1000.0);
	if (!have_hdr)
		printf("%-40s %8s\n", row_name[R_HDR], "skipped");

	/* ours and the old path must agree count for count */
	if (target[0].total != target[1].total || target[0].min != target[1].min ||
	    target[0].max != target[1].max ||
	    memcmp(target[0].counts, target[1].counts,
		   (size_t)target[0].counts_len * sizeof(int64_t))) {
		printf("MISMATCH: ours and before recorded different counts\n");
		return 1;
	}
	printf("check: ours == before, count for count (%lld records)\n",
	       (long long)target[0].total);
	if (have_hdr) {
		static const double pct[] = { 50, 99, 99.9, 100 };
		printf("check: recorded values, ours / HdrHistogram_c:");
		for (unsigned i = 0; i < sizeof(pct) / sizeof(pct[0]); i++)
			printf(" p%g %lld/%lld", pct[i], (long long)core_hist_value_at(&target[0], pct[i]),
			       (long long)hdr.value_at(hdr.h, pct[i]));
		printf("\n");
		hdr.close(hdr.h);
		dlclose(hdr.dl);
	}
	for (int r = 0; r < R_N; r++)
		core_hist_fini(&ps[r]);
	core_hist_fini(&target[0]);
	core_hist_fini(&target[1]);
	return 0;
}
