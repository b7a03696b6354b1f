/*
 * bench-nn - one-row latency of the int8 MLP (32 -> 64 -> 64 -> 3 by default)
 * on each kernel path, with the float forward pass of the same network and
 * an empty timed region (the timer's own cost) as anchors in the same run.
 *
 * Each sample times one call between fenced TSC reads (lfence; rdtsc;
 * lfence), converted to ns with the calibrated TSC rate; the timer overhead
 * is included and printed as its own row. Inputs cycle through 1024 random
 * Q16 rows, the next row depending on the previous argmax so calls cannot
 * overlap. Prints p50/p99/p99.9/max, and the back-to-back cost per row (the
 * median over blocks of 64 calls of the block's mean).
 *
 * Then one int8 LSTM step (14 inputs, 32 cells) per path.
 *
 * usage: bench-nn [--smoke] [--iters N] [--sizes 32,64,64,3]
 */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <x86intrin.h>

#include "learn.h"

#define ROWS 1024

static uint64_t iters = 2000000;
static double ns_per_tick;
static int32_t *xs;
static unsigned nin;

static inline uint64_t tsc(void)
{
	_mm_lfence();
	uint64_t t = __rdtsc();
	_mm_lfence();
	return t;
}

static void report(const char *name, struct core_hist *h, double mean_ns)
{
	printf("%-26s p50=%lld p99=%lld p99.9=%lld max=%lld ns   back-to-back %.1f ns/row\n", name,
	       (long long)core_hist_value_at(h, 50), (long long)core_hist_value_at(h, 99),
	       (long long)core_hist_value_at(h, 99.9), (long long)core_hist_max(h), mean_ns);
}

static void record(struct core_hist *h, uint64_t ticks)
{
	int64_t ns = (int64_t)((double)ticks * ns_per_tick + 0.5);
	core_hist_record(h, ns < 1 ? 1 : ns);
}

static void bench_empty(struct core_hist *h)
{
	for (uint64_t i = 0; i < iters; i++) {
		uint64_t t0 = tsc();
		uint64_t t1 = tsc();
		record(h, t1 - t0);
	}
	report("timer overhead (empty)", h, 0.0);
}

static void bench_int8(const struct strat_qmlp *q, enum strat_nn_path p, struct core_hist *h)
{
	unsigned idx = 0;
	for (uint64_t i = 0; i < iters; i++) {
		const int32_t *x = xs + (size_t)idx * nin;
		uint64_t t0 = tsc();
		int a = strat_qmlp_forward_path(q, p, x, NULL, NULL);
		uint64_t t1 = tsc();
		record(h, t1 - t0);
		idx = (idx + 1 + (unsigned)a) & (ROWS - 1);
	}
	/* back to back: blocks of 64 calls, the median block's mean per call
	 * (robust to preemption on a shared machine) */
	struct core_hist hb;
	if (core_hist_init(&hb))
		abort();
	for (uint64_t i = 0; i < iters / 64; i++) {
		uint64_t t0 = tsc();
		for (int k = 0; k < 64; k++)
			idx = (idx + 1 + (unsigned)strat_qmlp_forward_path(q, p, xs + (size_t)idx * nin,
									    NULL, NULL)) & (ROWS - 1);
		record(&hb, (tsc() - t0) * 10 / 64); /* 0.1 ns units */
	}
	double mean = (double)core_hist_value_at(&hb, 50) / 10.0;
	core_hist_fini(&hb);
	char name[64];
	snprintf(name, sizeof(name), "int8 mlp %s", strat_nn_path_name(p));
	report(name, h, mean);
}

static void bench_float(struct strat_mlp *m, unsigned nout, struct core_hist *h)
{
	unsigned idx = 0;
	float z[STRAT_NN_MAX_WIDTH], out[STRAT_NN_MAX_WIDTH];
	for (uint64_t i = 0; i < iters; i++) {
		const int32_t *x = xs + (size_t)idx * nin;
		uint64_t t0 = tsc();
		strat_mlp_normalize(m, x, z);
		strat_mlp_forward(m, z, out);
		unsigned a = 0;
		for (unsigned j = 1; j < nout; j++)
			if (out[j] > out[a])
				a = j;
		uint64_t t1 = tsc();
		record(h, t1 - t0);
		idx = (idx + 1 + a) & (ROWS - 1);
	}
	report("float mlp (anchor)", h, 0.0);
}

/* One LSTM step (14 inputs, 32 cells: the hidden-size limit) per call, on a
 * running state. */
static void bench_lstm(enum strat_nn_path p, struct core_hist *h)
{
	struct strat_lstm *m = NULL;
	struct strat_qlstm *q = NULL;
	char err[256];
	unsigned n = 14;
	int32_t *rows = malloc((size_t)ROWS * n * sizeof(int32_t));
	struct strat_rng rng = { 7 };
	if (!rows || strat_lstm_create(n, 32, 16, 3, &m, err, sizeof(err)))
		abort();
	for (size_t i = 0; i < (size_t)ROWS * n; i++)
		rows[i] = (int32_t)((strat_rng_uniform(&rng) * 2.0f - 1.0f) * 65536.0f * 3.0f);
	if (strat_qlstm_quantize(m, rows, ROWS, n, 0, &q, err, sizeof(err)))
		abort();
	struct strat_qlstm_state st;
	memset(&st, 0, sizeof(st));
	for (uint64_t i = 0; i < iters; i++) {
		const int32_t *x = rows + (size_t)(i & (ROWS - 1)) * n;
		uint64_t t0 = tsc();
		strat_qlstm_step(q, p, &st, x);
		uint64_t t1 = tsc();
		record(h, t1 - t0);
	}
	char name[64];
	snprintf(name, sizeof(name), "int8 lstm step %s", strat_nn_path_name(p));
	report(name, h, 0.0);
	strat_qlstm_free(q);
	strat_lstm_free(m);
	free(rows);
}

int main(int argc, char **argv)
{
	uint32_t sizes[STRAT_NN_MAX_LAYERS + 1] = { 32, 64, 64, 3 };
	unsigned ns = 4;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke")) {
			iters = 20000;
		} else if (!strcmp(argv[i], "--iters") && i + 1 < argc) {
			iters = strtoull(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--sizes") && i + 1 < argc) {
			char *s = argv[++i], *end;
			ns = 0;
			while (*s && ns < STRAT_NN_MAX_LAYERS + 1) {
				sizes[ns++] = (uint32_t)strtoul(s, &end, 10);
				s = *end == ',' ? end + 1 : end;
				if (end == s && *s)
					break;
			}
		} else {
			fprintf(stderr, "usage: bench-nn [--smoke] [--iters N] [--sizes 32,64,64,3]\n");
			return 2;
		}
	}
	if (iters < 100)
		iters = 100;
	core_clock_init(50);
	ns_per_tick = core_clock_uses_tsc() ? 1e9 / (double)core_clock_tsc_hz() : 1.0;
	if (!core_clock_uses_tsc())
		fprintf(stderr, "bench-nn: no invariant TSC; figures are in TSC ticks\n");

	char err[256];
	struct strat_mlp *m = NULL;
	if (strat_mlp_create(sizes, ns, 1, &m, err, sizeof(err))) {
		fprintf(stderr, "bench-nn: %s\n", err);
		return 2;
	}
	nin = sizes[0];
	xs = malloc((size_t)ROWS * nin * sizeof(int32_t));
	if (!xs)
		return 1;
	struct strat_rng rng = { 99 };
	for (size_t i = 0; i < (size_t)ROWS * nin; i++)
		xs[i] = (int32_t)((strat_rng_uniform(&rng) * 2.0f - 1.0f) * 65536.0f * 3.0f);
	struct strat_qmlp *q = NULL;
	if (strat_qmlp_quantize(m, xs, ROWS, nin, 0, &q, err, sizeof(err))) {
		fprintf(stderr, "bench-nn: %s\n", err);
		return 2;
	}
	printf("bench-nn: int8 MLP");
	for (unsigned i = 0; i < ns; i++)
		printf("%s%u", i ? " -> " : " ", sizes[i]);
	printf(", one row per call, %llu calls per row of the table; auto path: %s\n",
	       (unsigned long long)iters, strat_nn_path_name(strat_nn_path_active()));

	struct core_hist h;
	if (core_hist_init(&h))
		return 1;
	bench_empty(&h);
	static const enum strat_nn_path paths[] = { STRAT_NN_PATH_SCALAR, STRAT_NN_PATH_AVX2,
						    STRAT_NN_PATH_AVX512 };
	for (int p = 0; p < 3; p++) {
		if (!strat_nn_path_supported(paths[p])) {
			printf("int8 mlp %-17s not supported by this CPU\n", strat_nn_path_name(paths[p]));
			continue;
		}
		core_hist_reset(&h);
		bench_int8(q, paths[p], &h);
	}
	core_hist_reset(&h);
	bench_float(m, sizes[ns - 1], &h);
	for (int p = 0; p < 3; p++) {
		if (!strat_nn_path_supported(paths[p]))
			continue;
		core_hist_reset(&h);
		bench_lstm(paths[p], &h);
	}
	core_hist_fini(&h);
	strat_qmlp_free(q);
	strat_mlp_free(m);
	free(xs);
	return 0;
}
