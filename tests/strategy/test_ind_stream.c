/* test_ind_stream.c - the streaming indicator bank against TA-Lib's golden values (every
 * file, column and row of ../shared/oracles/golden), every ISA path of the
 * multi-instrument bank against the single bank bit for bit, degenerate branches,
 * and streaming == batch on random series. */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ta.h"
#include "isa_skip.h"

static const char *const golden_cols[STRAT_IND_COUNT] = {
	"SMA20", "EMA20", "RSI14", "MACD_12_26_9", "MACDSIGNAL", "MACDHIST", "BB_UPPER_20_2",
	"BB_MIDDLE", "BB_LOWER", "STOCH_SLOWK_14_3_3", "STOCH_SLOWD", "ATR14", "OBV", "STDDEV20",
	"WMA20", "ROC10", "WILLR14", "CCI20", "ADX14", "MFI14",
};

static const char *isa_str(enum strat_ind_isa isa)
{
	return isa == STRAT_IND_ISA_AVX512 ? "avx512" : isa == STRAT_IND_ISA_AVX2 ? "avx2" : "scalar";
}

static const enum strat_ind_isa all_isas[] = { STRAT_IND_ISA_SCALAR, STRAT_IND_ISA_AVX2,
					       STRAT_IND_ISA_AVX512 };

struct table {
	size_t rows, ncols;
	double *v; /* rows * ncols; NaN for an empty cell */
	char *names[64];
};

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	assert(buf);
	assert(fread(buf, 1, (size_t)n, f) == (size_t)n);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* A CSV with a header; column 0 (a label) is skipped, so v[.][c] is column c + 1. */
static int load_csv(const char *path, struct table *t)
{
	char *buf = slurp(path);
	if (!buf)
		return -errno;
	memset(t, 0, sizeof(*t));
	char *save = NULL, *line = strtok_r(buf, "\n", &save);
	assert(line);
	char *hs = NULL;
	strtok_r(line, ",\r", &hs); /* label */
	for (char *c = strtok_r(NULL, ",\r", &hs); c; c = strtok_r(NULL, ",\r", &hs))
		t->names[t->ncols++] = strdup(c);
	size_t cap = 1024;
	t->v = malloc(cap * t->ncols * sizeof(double));
	assert(t->v);
	while ((line = strtok_r(NULL, "\n", &save))) {
		if (t->rows == cap) {
			cap *= 2;
			t->v = realloc(t->v, cap * t->ncols * sizeof(double));
			assert(t->v);
		}
		char *p = strchr(line, ',');
		assert(p);
		for (size_t c = 0; c < t->ncols; c++) {
			p++;
			char *end;
			double x = strtod(p, &end);
			if (end == p)
				x = NAN;
			t->v[t->rows * t->ncols + c] = x;
			p = strchr(p, ',');
			assert(p || c + 1 == t->ncols);
		}
		t->rows++;
	}
	free(buf);
	return 0;
}

static void free_table(struct table *t)
{
	for (size_t c = 0; c < t->ncols; c++)
		free(t->names[c]);
	free(t->v);
}

static bool same_bits(double a, double b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

/* The README's default tolerance. */
static bool close_enough(double a, double b)
{
	double m = fmax(fabs(a), fabs(b));
	return fabs(a - b) <= fmax(1e-9, 1e-9 * m);
}

/* The README's extra allowance for sigma columns: |sa^2 - sb^2| <= 1e-12 * SMA20^2. */
static bool sigma_ok(double sa, double sb, double sma)
{
	return fabs(sa * sa - sb * sb) <= 1e-12 * sma * sma;
}

struct colstat {
	size_t values, exact, tol;
	double maxdiff;
};

/*
 * Feed the golden file's inputs through the bank and compare every cell.
 * skip_ties: for the exact-ties file, ADX14 and MFI14 take other branches on
 * ties (README); count their mismatches into *tie_mismatch instead.
 */
static void check_golden(const char *shared, const char *name, bool expect_exact,
			 size_t tie_limit_adx, size_t tie_limit_mfi, enum strat_ind_isa isa)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/oracles/golden/%s", shared, name);
	struct table t;
	int r = load_csv(path, &t);
	if (r) {
		fprintf(stderr, "%s: %s\n", path, strerror(-r));
		assert(0);
	}
	size_t nin = t.ncols - STRAT_IND_COUNT;
	assert(nin == 1 || nin == 5);
	for (unsigned c = 0; c < STRAT_IND_COUNT; c++)
		assert(strcmp(t.names[nin + c], golden_cols[c]) == 0);
	bool close_only = nin == 1;

	struct strat_ind_bank *b = aligned_alloc(64, sizeof(*b));
	assert(b);
	char err[256];
	assert(strat_ind_bank_init(b, NULL, close_only ? STRAT_IND_CLOSE_ONLY : 0, err,
				   sizeof(err)) == 0);
	if (strat_ind_bank_set_isa(b, isa) == -ENOTSUP) {
		printf("SKIP: %s not available: %s, single bank\n", isa_str(isa), name);
		free(b);
		free_table(&t);
		return;
	}
	struct colstat cs[STRAT_IND_COUNT] = { 0 };
	size_t tie_adx = 0, tie_mfi = 0;
	for (size_t i = 0; i < t.rows; i++) {
		const double *row = &t.v[i * t.ncols];
		struct strat_bar bar;
		if (close_only)
			bar = (struct strat_bar){ NAN, NAN, NAN, row[0], NAN };
		else
			bar = (struct strat_bar){ row[0], row[1], row[2], row[3], row[4] };
		double out[STRAT_IND_COUNT];
		strat_ind_bank_update(b, &bar, out);
		for (unsigned c = 0; c < STRAT_IND_COUNT; c++) {
			double g = row[nin + c], o = out[c];
			if (isnan(g) || isnan(o)) {
				if (isnan(g) != isnan(o)) {
					fprintf(stderr, "%s row %zu %s: got %.17g want %.17g\n", name, i,
						golden_cols[c], o, g);
					assert(0);
				}
				continue;
			}
			cs[c].values++;
			double d = fabs(o - g);
			if (d > cs[c].maxdiff)
				cs[c].maxdiff = d;
			if (same_bits(o, g) || o == g) { /* WILLR -0 vs 0: numerically equal */
				cs[c].exact++;
				continue;
			}
			bool ok = close_enough(o, g);
			double sma = row[nin + STRAT_IND_SMA];
			if (!ok && c == STRAT_IND_STDDEV)
				ok = sigma_ok(o, g, sma);
			if (!ok && (c == STRAT_IND_BB_UPPER || c == STRAT_IND_BB_LOWER))
				ok = sigma_ok(fabs(o - out[STRAT_IND_BB_MIDDLE]) / 2,
					      fabs(g - row[nin + STRAT_IND_BB_MIDDLE]) / 2, sma);
			if (!ok && c == STRAT_IND_ADX && tie_limit_adx) {
				tie_adx++;
				continue;
			}
			if (!ok && c == STRAT_IND_MFI && tie_limit_mfi) {
				tie_mfi++;
				continue;
			}
			if (!ok) {
				fprintf(stderr, "%s row %zu %s: got %.17g want %.17g\n", name, i,
					golden_cols[c], o, g);
				assert(0);
			}
			cs[c].tol++;
		}
	}
	assert(strat_ind_bank_bars(b) == t.rows);
	printf("%s [bank %s]: %zu rows%s\n", name, isa_str(isa), t.rows,
	       close_only ? " (close only)" : "");
	size_t exact_cols = 0, vcols = 0;
	for (unsigned c = 0; c < STRAT_IND_COUNT; c++) {
		if (!cs[c].values)
			continue;
		vcols++;
		if (cs[c].exact == cs[c].values)
			exact_cols++;
		else
			printf("  %-20s %zu of %zu bit-exact, %zu within tolerance, max |diff| %.3g\n",
			       golden_cols[c], cs[c].exact, cs[c].values, cs[c].tol, cs[c].maxdiff);
	}
	printf("  %zu of %zu columns bit-exact on every row\n", exact_cols, vcols);
	if (expect_exact)
		assert(exact_cols == vcols);
	if (tie_limit_adx || tie_limit_mfi) {
		printf("  exact-decimal tie branches: ADX14 differs on %zu rows (README: <= %zu), "
		       "MFI14 on %zu rows (README: <= %zu)\n",
		       tie_adx, tie_limit_adx, tie_mfi, tie_limit_mfi);
		assert(tie_adx > 0 && tie_adx <= tie_limit_adx);
		assert(tie_mfi > 0 && tie_mfi <= tie_limit_mfi);
	}
	free(b);
	free_table(&t);
}

/* A random OHLCV walk on a cent grid, with flat stretches (ties, zero ranges). */
static uint64_t rng = 88172645463325252ull;
static double urand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

static void random_bars(struct strat_bar *bars, size_t n, double start, bool flats)
{
	double px = start;
	for (size_t i = 0; i < n; i++) {
		bool flat = flats && (i / 40) % 5 == 3; /* 40 identical bars every 200 */
		if (!flat)
			px = fmax(0.05, round((px + (urand() - 0.5) * 0.4) * 100) / 100);
		double hi = flat ? px : round((px + urand() * 0.2) * 100) / 100;
		double lo = flat ? px : fmax(0.01, round((px - urand() * 0.2) * 100) / 100);
		double op = flat ? px : round((lo + urand() * (hi - lo)) * 100) / 100;
		double vol = flat ? 100 : floor(urand() * 5000);
		bars[i] = (struct strat_bar){ op, hi, lo, px, vol };
	}
}

/* Every ISA path of the multi bank equals the single bank, lane by lane, bit for bit. */
static void check_multi(unsigned lanes, const struct strat_ind_params *p, unsigned flags)
{
	const size_t n = 1500;
	struct strat_bar *bars = malloc(sizeof(*bars) * n * lanes);
	assert(bars);
	for (unsigned j = 0; j < lanes; j++)
		random_bars(bars + (size_t)j * n, n, 20.0 + 7.0 * j, j % 3 == 1);
	struct strat_ind_bank *single = aligned_alloc(64, sizeof(*single) * lanes);
	struct strat_ind_multi *m = aligned_alloc(64, sizeof(*m));
	struct strat_bar_lanes *in = aligned_alloc(64, sizeof(*in));
	assert(single && m && in);
	/* outputs deliberately only 8-byte aligned: the vector paths must not assume more */
	char *obuf = aligned_alloc(64, sizeof(double) * (STRAT_IND_COUNT * STRAT_IND_MAX_LANES + 8));
	assert(obuf);
	double(*out)[STRAT_IND_MAX_LANES] = (double(*)[STRAT_IND_MAX_LANES])(obuf + 8);
	char err[256];
	static const enum strat_ind_isa isas[] = { STRAT_IND_ISA_SCALAR, STRAT_IND_ISA_AVX2,
						   STRAT_IND_ISA_AVX512 };
	for (size_t k = 0; k < 3; k++) {
		assert(strat_ind_multi_init(m, lanes, p, flags, err, sizeof(err)) == 0);
		int r = strat_ind_multi_set_isa(m, isas[k]);
		if (r == -ENOTSUP) {
			printf("SKIP: %s not available: multi bank, %u lanes\n", isa_str(isas[k]),
			       lanes);
			continue;
		}
		assert(r == 0 && strat_ind_multi_isa(m) == isas[k]);
		for (unsigned j = 0; j < lanes; j++) {
			assert(strat_ind_bank_init(&single[j], p, flags, err, sizeof(err)) == 0);
			assert(strat_ind_bank_set_isa(&single[j], STRAT_IND_ISA_SCALAR) == 0);
		}
		size_t values = 0;
		for (size_t i = 0; i < n; i++) {
			memset(in, 0, sizeof(*in));
			for (unsigned j = 0; j < lanes; j++) {
				const struct strat_bar *bb = &bars[(size_t)j * n + i];
				in->open[j] = bb->open;
				in->high[j] = bb->high;
				in->low[j] = bb->low;
				in->close[j] = bb->close;
				in->volume[j] = bb->volume;
			}
			strat_ind_multi_update(m, in, out);
			for (unsigned j = 0; j < lanes; j++) {
				double o1[STRAT_IND_COUNT];
				strat_ind_bank_update(&single[j], &bars[(size_t)j * n + i], o1);
				for (unsigned c = 0; c < STRAT_IND_COUNT; c++) {
					if (!same_bits(o1[c], out[c][j]) &&
					    !(isnan(o1[c]) && isnan(out[c][j]))) {
						fprintf(stderr,
							"multi isa %d lane %u bar %zu col %s: %.17g vs "
							"single %.17g\n",
							(int)isas[k], j, i, golden_cols[c], out[c][j],
							o1[c]);
						assert(0);
					}
					values += !isnan(o1[c]);
				}
			}
		}
		printf("multi %u lanes, isa %d%s: %zu values equal the single bank bit for bit\n",
		       lanes, (int)isas[k], flags ? " (close only)" : "", values);
	}
	free(obuf);
	free(in);
	free(m);
	free(single);
	free(bars);
}

/* Streaming == batch on random series (bit for bit), with non-default periods too. */
static void check_batch(const struct strat_ind_params *p, bool flats, enum strat_ind_isa isa)
{
	const size_t n = 3000;
	struct strat_bar *bars = malloc(sizeof(*bars) * n);
	double *col[STRAT_IND_COUNT];
	double *x[5];
	assert(bars);
	random_bars(bars, n, 50.0, flats);
	for (int k = 0; k < 5; k++) {
		x[k] = malloc(sizeof(double) * n);
		assert(x[k]);
	}
	for (size_t i = 0; i < n; i++) {
		x[0][i] = bars[i].open;
		x[1][i] = bars[i].high;
		x[2][i] = bars[i].low;
		x[3][i] = bars[i].close;
		x[4][i] = bars[i].volume;
	}
	for (int c = 0; c < STRAT_IND_COUNT; c++) {
		col[c] = malloc(sizeof(double) * n);
		assert(col[c]);
	}
	struct strat_ind_series s = { x[0], x[1], x[2], x[3], x[4], n };
	char err[256];
	int r = strat_ind_batch(p, &s, col, err, sizeof(err));
	if (r)
		fprintf(stderr, "batch: %s\n", err);
	assert(r == 0);
	struct strat_ind_bank b;
	assert(strat_ind_bank_init(&b, p, 0, err, sizeof(err)) == 0);
	if (strat_ind_bank_set_isa(&b, isa) == -ENOTSUP) {
		printf("SKIP: %s not available: stream == batch (run on scalar)\n", isa_str(isa));
		isa = STRAT_IND_ISA_SCALAR;
		assert(strat_ind_bank_set_isa(&b, isa) == 0);
	}
	assert(strat_ind_bank_isa(&b) == isa);
	double *vw = malloc(sizeof(double) * n);
	assert(vw && strat_ind_vwap(x[1], x[2], x[3], x[4], n, vw) == 0);
	size_t values = 0;
	for (size_t i = 0; i < n; i++) {
		double out[STRAT_IND_COUNT];
		strat_ind_bank_update(&b, &bars[i], out);
		double v = strat_ind_bank_vwap(&b);
		assert(same_bits(v, vw[i]) || (isnan(v) && isnan(vw[i])));
		for (unsigned c = 0; c < STRAT_IND_COUNT; c++) {
			double a = out[c], w = col[c][i];
			if (isnan(a) && isnan(w))
				continue;
			if (!same_bits(a, w)) {
				fprintf(stderr, "stream vs batch row %zu %s: %.17g vs %.17g\n", i,
					golden_cols[c], a, w);
				assert(0);
			}
			values++;
		}
	}
	/* warm-up length equals the batch lookback */
	for (unsigned c = 0; c < STRAT_IND_COUNT; c++) {
		long lb = strat_ind_lookback(p, c);
		assert(lb >= 0 && isnan(col[c][lb > 0 ? lb - 1 : 0]) == (lb > 0));
		assert(!isnan(col[c][lb]));
	}
	printf("stream [bank %s] == batch%s: %zu values bit for bit\n", isa_str(isa),
	       flats ? " (flat stretches)" : "", values);
	free(vw);
	for (int c = 0; c < STRAT_IND_COUNT; c++)
		free(col[c]);
	for (int k = 0; k < 5; k++)
		free(x[k]);
	free(bars);
}

/* Degenerate branches the real files never reach (README: test them separately). */
static void check_flat(void)
{
	struct strat_ind_bank b;
	char err[256];
	assert(strat_ind_bank_init(&b, NULL, 0, err, sizeof(err)) == 0);
	double out[STRAT_IND_COUNT];
	for (int i = 0; i < 100; i++) {
		struct strat_bar bar = { 10.25, 10.25, 10.25, 10.25, 0.5 };
		strat_ind_bank_update(&b, &bar, out);
	}
	assert(out[STRAT_IND_RSI] == 0.0);     /* TA-Lib: 0 on flat data, not 50 */
	assert(out[STRAT_IND_MFI] == 0.0);     /* pos + neg < 1 */
	assert(out[STRAT_IND_STOCH_K] == 0.0 && out[STRAT_IND_STOCH_D] == 0.0);
	assert(out[STRAT_IND_WILLR] == 0.0 && out[STRAT_IND_CCI] == 0.0);
	assert(out[STRAT_IND_STDDEV] == 0.0);  /* the sigma floor */
	assert(out[STRAT_IND_BB_UPPER] == 10.25 && out[STRAT_IND_BB_LOWER] == 10.25);
	assert(out[STRAT_IND_ROC] == 0.0 && out[STRAT_IND_ATR] == 0.0);
	assert(out[STRAT_IND_SMA] == 10.25 && out[STRAT_IND_EMA] == 10.25);
	assert(out[STRAT_IND_MACD] == 0.0 && out[STRAT_IND_OBV] == 0.5);
	assert(strat_ind_bank_vwap(&b) == 10.25);

	/* close-only: the OHLCV columns stay NaN */
	assert(strat_ind_bank_init(&b, NULL, STRAT_IND_CLOSE_ONLY, err, sizeof(err)) == 0);
	for (int i = 0; i < 60; i++) {
		struct strat_bar bar = { NAN, NAN, NAN, 1.0 + i * 0.01, NAN };
		strat_ind_bank_update(&b, &bar, out);
	}
	assert(!isnan(out[STRAT_IND_MACD_HIST]) && !isnan(out[STRAT_IND_WMA]));
	assert(isnan(out[STRAT_IND_ATR]) && isnan(out[STRAT_IND_OBV]) && isnan(out[STRAT_IND_ADX]));
	assert(isnan(strat_ind_bank_vwap(&b)));

	/* bad parameters are refused with the field named */
	struct strat_ind_params p;
	strat_ind_params_default(&p);
	p.cci = STRAT_IND_STREAM_MAX_PERIOD + 1;
	assert(strat_ind_bank_init(&b, &p, 0, err, sizeof(err)) == -EINVAL);
	assert(strstr(err, "cci"));
	strat_ind_params_default(&p);
	p.rsi = 1;
	assert(strat_ind_bank_init(&b, &p, 0, err, sizeof(err)) == -EINVAL);
	assert(strstr(err, "rsi"));
	assert(strat_ind_bank_init(&b, NULL, 0x80, err, sizeof(err)) == -EINVAL);
	assert(strstr(err, "flags"));
	struct strat_ind_multi *m = aligned_alloc(64, sizeof(*m));
	assert(m);
	assert(strat_ind_multi_init(m, 17, NULL, 0, err, sizeof(err)) == -EINVAL);
	assert(strstr(err, "lanes"));
	assert(strat_ind_multi_init(m, 8, NULL, 0, err, sizeof(err)) == 0);
	assert(strat_ind_multi_set_isa(m, (enum strat_ind_isa)7) == -EINVAL);
	free(m);
	printf("degenerate branches and parameter checks: ok\n");
}

int main(void)
{
	check_flat();

	struct strat_ind_params odd;
	strat_ind_params_default(&odd);
	odd.sma = 7, odd.ema = 5, odd.wma = 9, odd.stddev = 11, odd.bb = 6, odd.cci = 13;
	odd.rsi = 3, odd.atr = 2, odd.willr = 5, odd.adx = 4, odd.mfi = 6;
	odd.macd_fast = 26, odd.macd_slow = 5, odd.macd_signal = 1; /* swapped by TA-Lib */
	odd.stoch_k = 5, odd.stoch_slowk = 1, odd.stoch_slowd = 4, odd.roc = 200;
	odd.bb_up = 1.5, odd.bb_dn = 2.5, odd.stddev_nbdev = 3.0;

	check_multi(16, NULL, 0);
	check_multi(8, NULL, 0);
	check_multi(5, &odd, 0);
	check_multi(16, NULL, STRAT_IND_CLOSE_ONLY);
	struct strat_ind_params ones;
	strat_ind_params_default(&ones);
	ones.ema = 1, ones.atr = 1, ones.roc = 1, ones.macd_signal = 1;
	ones.stoch_k = 1, ones.stoch_slowk = 1, ones.stoch_slowd = 1;
	ones.sma = 2, ones.wma = 2, ones.cci = 2, ones.willr = 2, ones.adx = 2, ones.mfi = 2;
	ones.rsi = 2, ones.bb = 2, ones.stddev = 2, ones.macd_fast = 2, ones.macd_slow = 2;
	check_multi(8, &ones, 0);
	for (size_t k = 0; k < 3; k++) {
		check_batch(&ones, true, all_isas[k]);
		check_batch(NULL, false, all_isas[k]);
		check_batch(NULL, true, all_isas[k]);
		check_batch(&odd, true, all_isas[k]);
	}

	const char *shared = getenv("OSPREY_SHARED");
	char probe[1024];
	snprintf(probe, sizeof(probe), "%s/oracles/README.md", shared ? shared : "");
	FILE *f = shared ? fopen(probe, "r") : NULL;
	if (!f) {
		printf("skip: golden files absent (OSPREY_SHARED)\n");
		return 77;
	}
	fclose(f);
	for (size_t k = 0; k < 3; k++) {
		enum strat_ind_isa isa = all_isas[k];
		check_golden(shared, "MSFT_daily_2000-2001.csv", true, 0, 0, isa);
		check_golden(shared, "USDCHF_30min_first5000.csv", true, 0, 0, isa);
		check_golden(shared, "AMZN_2012-06-21_1min.csv", true, 0, 0, isa);
		check_golden(shared, "AMZN_2012-06-21_1s.csv", true, 0, 0, isa);
		/* exact decimals: tolerance everywhere, ADX/MFI take the other tie branches */
		check_golden(shared, "AMZN_2012-06-21_1s.exact-ties.csv", false, 1629, 84, isa);
	}
	isa_skip_exit_if_scalar_only(strat_ind_isa_best() >= STRAT_IND_ISA_AVX2,
				     strat_ind_isa_best() >= STRAT_IND_ISA_AVX512);
	printf("ind stream: ok\n");
	return 0;
}
