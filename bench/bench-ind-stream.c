/* bench-ind-stream - the streaming indicator bank: all 20 TA-Lib columns per completed bar.
 *
 *   bench-ind-stream [--smoke] [--bars N] [--reps N]
 *
 * One instrument (strat_ind_bank_update), and 8 or 16 instruments in lockstep
 * (strat_ind_multi_update) on each ISA path (scalar, AVX2, AVX-512), in the same
 * run. Two measurements each:
 *   - per call: rdtsc around every update, the cost of an empty rdtsc pair
 *     subtracted, converted with the calibrated TSC rate; p50/p99/p99.9/max;
 *   - per batch of 64 consecutive updates: one clock pair per batch, divided by
 *     64 (throughput-like: the updates of successive bars overlap in the CPU).
 * Per-instrument figures divide the multi-bank time by its lane count.
 * Input: a random walk on a cent grid, OHLCV, warm-up included (it is a
 * small fraction). --smoke: a short run that checks the paths agree, exit 0. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ta.h"

#define BATCH 64

static double sink;
static double tsc_ns; /* ns per TSC tick */

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static double urand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

static void make_bars(struct strat_bar *b, size_t n, double px)
{
	for (size_t i = 0; i < n; i++) {
		px = fmax(1.0, round((px + (urand() - 0.5) * 0.2) * 100) / 100);
		double hi = round((px + urand() * 0.1) * 100) / 100;
		double lo = round((px - urand() * 0.1) * 100) / 100;
		b[i] = (struct strat_bar){ lo, hi, lo, px, floor(urand() * 1000) };
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

struct pct {
	double p50, p99, p999, max;
};

/* Percentiles of samples (TSC ticks, minus overhead), in ns, divided by div. */
static struct pct pcts(uint64_t *s, size_t n, uint64_t overhead, double div)
{
	qsort(s, n, sizeof(*s), cmp_u64);
	struct pct p;
	double *f[4] = { &p.p50, &p.p99, &p.p999, &p.max };
	const double q[4] = { 0.50, 0.99, 0.999, 1.0 };
	for (int k = 0; k < 4; k++) {
		size_t i = (size_t)ceil(q[k] * (double)n);
		i = i ? i - 1 : 0;
		uint64_t v = s[i] > overhead ? s[i] - overhead : 0;
		*f[k] = (double)v * tsc_ns / div;
	}
	return p;
}

static void print_pct(const char *what, struct pct p)
{
	printf("  %-44s p50 %7.1f  p99 %7.1f  p99.9 %7.1f  max %9.1f ns\n", what, p.p50, p.p99,
	       p.p999, p.max);
}

static uint64_t rdtsc_overhead(uint64_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t t0 = core_rdtsc();
		__asm__ __volatile__("" ::: "memory");
		s[i] = core_rdtsc() - t0;
	}
	qsort(s, n, sizeof(*s), cmp_u64);
	return s[n / 2];
}

static const char *isa_name(enum strat_ind_isa isa)
{
	return isa == STRAT_IND_ISA_AVX512 ? "avx512" : isa == STRAT_IND_ISA_AVX2 ? "avx2" : "scalar";
}

int main(int argc, char **argv)
{
	size_t nbars = 1000000;
	int reps = 3;
	bool smoke = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke")) {
			smoke = true;
		} else if (!strcmp(argv[i], "--bars") && i + 1 < argc) {
			nbars = strtoull(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			reps = atoi(argv[++i]);
		} else {
			fprintf(stderr, "usage: %s [--smoke] [--bars N] [--reps N]\n", argv[0]);
			return 2;
		}
	}
	if (smoke) {
		nbars = 20000;
		reps = 1;
	}
	if (nbars < 1000 || reps < 1) {
		fprintf(stderr, "bench-ind-stream: --bars must be >= 1000 and --reps >= 1\n");
		return 2;
	}
	core_clock_init(smoke ? 10 : 200);
	if (!core_clock_uses_tsc()) {
		fprintf(stderr, "bench-ind-stream: no invariant TSC; figures would be meaningless\n");
		return smoke ? 0 : 1;
	}
	tsc_ns = 1e9 / (double)core_clock_tsc_hz();

	const unsigned LANES = STRAT_IND_MAX_LANES;
	size_t per_lane = nbars / 8; /* multi runs: bars per lane, same total work order */
	struct strat_bar *bars = malloc(sizeof(*bars) * nbars);
	struct strat_bar_lanes *lanes = aligned_alloc(64, sizeof(*lanes) * per_lane);
	uint64_t *samp = malloc(sizeof(uint64_t) * nbars);
	uint64_t *bsamp = malloc(sizeof(uint64_t) * (nbars / BATCH + 1));
	struct strat_ind_bank *bank = aligned_alloc(64, sizeof(*bank));
	struct strat_ind_multi *multi = aligned_alloc(64, sizeof(*multi));
	double(*mout)[STRAT_IND_MAX_LANES] =
		aligned_alloc(64, sizeof(double) * STRAT_IND_COUNT * STRAT_IND_MAX_LANES);
	if (!bars || !lanes || !samp || !bsamp || !bank || !multi || !mout) {
		fprintf(stderr, "bench-ind-stream: out of memory\n");
		return 1;
	}
	make_bars(bars, nbars, 100.0);
	for (size_t i = 0; i < per_lane; i++) {
		for (unsigned j = 0; j < LANES; j++) {
			const struct strat_bar *b = &bars[(i * LANES + j) % nbars];
			lanes[i].open[j] = b->open;
			lanes[i].high[j] = b->high;
			lanes[i].low[j] = b->low;
			lanes[i].close[j] = b->close;
			lanes[i].volume[j] = b->volume;
		}
	}
	uint64_t ovh = rdtsc_overhead(samp, nbars < 100000 ? nbars : 100000);
	char err[256];
	printf("bench-ind-stream: %zu bars (multi: %zu per lane), %d reps, TSC %.3f GHz, "
	       "rdtsc pair %.1f ns (subtracted from per-call figures)\n",
	       nbars, per_lane, reps, 1.0 / tsc_ns, (double)ovh * tsc_ns);
	printf("one instrument: 20 outputs per update (SMA EMA RSI MACDx3 BBx3 STOCHx2 ATR OBV "
	       "STDDEV WMA ROC WILLR CCI ADX MFI) + VWAP\n");

	/* One instrument, per call and per batch, each ISA; the best rep by p50. */
	static const enum strat_ind_isa isas[] = { STRAT_IND_ISA_SCALAR, STRAT_IND_ISA_AVX2,
						   STRAT_IND_ISA_AVX512 };
	double single_sum[3] = { 0, 0, 0 };
	for (size_t k = 0; k < 3; k++) {
		struct pct best_call = { 1e30, 0, 0, 0 }, best_batch = { 1e30, 0, 0, 0 };
		if (strat_ind_bank_init(bank, NULL, 0, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		if (strat_ind_bank_set_isa(bank, isas[k]) == -ENOTSUP) {
			printf("  single bank %s: not supported by this CPU\n", isa_name(isas[k]));
			continue;
		}
		for (int r = 0; r < reps; r++) {
			double out[STRAT_IND_COUNT], sum = 0;
			strat_ind_bank_init(bank, NULL, 0, err, sizeof(err));
			strat_ind_bank_set_isa(bank, isas[k]);
			for (size_t i = 0; i < nbars; i++) {
				uint64_t t0 = core_rdtsc();
				strat_ind_bank_update(bank, &bars[i], out);
				uint64_t t1 = core_rdtsc();
				samp[i] = t1 - t0;
				for (unsigned c = 0; c < STRAT_IND_COUNT; c++)
					sum += isnan(out[c]) ? 0 : out[c];
			}
			single_sum[k] = sum;
			struct pct p = pcts(samp, nbars, ovh, 1);
			if (p.p50 < best_call.p50)
				best_call = p;
			strat_ind_bank_init(bank, NULL, 0, err, sizeof(err));
			strat_ind_bank_set_isa(bank, isas[k]);
			size_t nb = 0;
			for (size_t i = 0; i + BATCH <= nbars; i += BATCH) {
				uint64_t t0 = core_rdtsc();
				for (size_t b = 0; b < BATCH; b++)
					strat_ind_bank_update(bank, &bars[i + b], out);
				bsamp[nb++] = core_rdtsc() - t0;
				sink += out[STRAT_IND_CCI];
			}
			p = pcts(bsamp, nb, 0, BATCH);
			if (p.p50 < best_batch.p50)
				best_batch = p;
		}
		if (single_sum[k] != single_sum[0]) {
			fprintf(stderr, "bench-ind-stream: single bank %s differs from scalar\n",
				isa_name(isas[k]));
			return 1;
		}
		char what[96];
		snprintf(what, sizeof(what), "single bank %s, per call", isa_name(isas[k]));
		print_pct(what, best_call);
		snprintf(what, sizeof(what), "single bank %s, per update (batches of 64)",
			 isa_name(isas[k]));
		print_pct(what, best_batch);
	}

	/* Several instruments in lockstep, each ISA. */
	static const unsigned widths[] = { 8, 16 };
	double first_sum[2] = { 0, 0 };
	for (size_t w = 0; w < 2; w++) {
		for (size_t k = 0; k < 3; k++) {
			unsigned L = widths[w];
			if (strat_ind_multi_init(multi, L, NULL, 0, err, sizeof(err))) {
				fprintf(stderr, "%s\n", err);
				return 1;
			}
			if (strat_ind_multi_set_isa(multi, isas[k]) == -ENOTSUP) {
				printf("  %u lanes %s: not supported by this CPU\n", L,
				       isa_name(isas[k]));
				continue;
			}
			struct pct pc = { 1e30, 0, 0, 0 };
			double sum = 0;
			for (int r = 0; r < reps; r++) {
				strat_ind_multi_init(multi, L, NULL, 0, err, sizeof(err));
				strat_ind_multi_set_isa(multi, isas[k]);
				sum = 0;
				for (size_t i = 0; i < per_lane; i++) {
					uint64_t t0 = core_rdtsc();
					strat_ind_multi_update(multi, &lanes[i], mout);
					uint64_t t1 = core_rdtsc();
					samp[i] = t1 - t0;
					for (unsigned j = 0; j < L; j++)
						sum += isnan(mout[STRAT_IND_ADX][j]) ?
							       0 :
							       mout[STRAT_IND_ADX][j];
				}
				struct pct p = pcts(samp, per_lane, ovh, 1);
				if (p.p50 < pc.p50)
					pc = p;
			}
			/* every path must produce the same numbers */
			if (k == 0)
				first_sum[w] = sum;
			else if (sum != first_sum[w]) {
				fprintf(stderr, "bench-ind-stream: %s differs from scalar\n",
					isa_name(isas[k]));
				return 1;
			}
			sink += sum;
			char what[96];
			snprintf(what, sizeof(what), "%u lanes %s, per call", L, isa_name(isas[k]));
			print_pct(what, pc);
			struct pct pi = { pc.p50 / L, pc.p99 / L, pc.p999 / L, pc.max / L };
			snprintf(what, sizeof(what), "%u lanes %s, per instrument", L,
				 isa_name(isas[k]));
			print_pct(what, pi);
		}
	}
	printf("(sink %g)\n", sink);
	free(mout);
	free(multi);
	free(bank);
	free(bsamp);
	free(samp);
	free(lanes);
	free(bars);
	return 0;
}
