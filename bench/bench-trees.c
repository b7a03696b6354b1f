/* bench-trees - one-row tree-ensemble inference: ours (scalar, AVX2, AVX-512)
 * against XGBoost's own C API in the same run.
 *
 *   bench-trees [--smoke] [--iters N] [--trees N] [--depth D] [--save FILE.otree]
 *
 * Trains (XGBoost, hist, nthread 1) a binary:logistic model of --trees trees
 * (default 100) of depth --depth (6) over 16 synthetic integer features,
 * imports it, then times single-row margin predictions over 1024 distinct
 * rows, one clock read pair per call (the clock's own cost, measured and
 * printed, is included): ns p50/p99/p99.9/max per path. XGBoost: in-place
 * prediction from a 1-row dense array (XGBoosterPredictFromDense), and a 1-row
 * DMatrix built and predicted per call. Every path's margins are checked equal
 * to XGBoost's first. --smoke: few iterations, exit 0. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xgboost/c_api.h>

#include "learn.h"

#define NF 16
#define NROWS 1024

#define XGB(call)                                                                          \
	do {                                                                               \
		if ((call) != 0) {                                                         \
			fprintf(stderr, "bench-trees: %s: %s\n", #call, XGBGetLastError()); \
			exit(1);                                                           \
		}                                                                          \
	} while (0)

static uint64_t rng = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static volatile double sink;

static void report(const char *name, struct core_hist *h, int64_t anchor_p50)
{
	int64_t p50 = core_hist_value_at(h, 50);
	printf("%-22s ns/row p50 %6" PRId64 " p99 %6" PRId64 " p99.9 %6" PRId64 " max %7" PRId64
	       "  (mean %.0f)", name, p50, core_hist_value_at(h, 99), core_hist_value_at(h, 99.9),
	       core_hist_max(h), core_hist_mean(h));
	if (anchor_p50 > 0 && p50 > 0)
		printf("  xgb-dense/this p50: %.1fx", (double)anchor_p50 / (double)p50);
	printf("\n");
}

int main(int argc, char **argv)
{
	bool smoke = false;
	long iters = 200000, ntrees = 100, depth = 6;
	const char *save = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke"))
			smoke = true;
		else if (!strcmp(argv[i], "--iters") && i + 1 < argc)
			iters = atol(argv[++i]);
		else if (!strcmp(argv[i], "--trees") && i + 1 < argc)
			ntrees = atol(argv[++i]);
		else if (!strcmp(argv[i], "--depth") && i + 1 < argc)
			depth = atol(argv[++i]);
		else if (!strcmp(argv[i], "--save") && i + 1 < argc)
			save = argv[++i];
		else {
			fprintf(stderr, "usage: bench-trees [--smoke] [--iters N] [--trees N] "
				"[--depth D] [--save FILE.otree]\n");
			return 2;
		}
	}
	if (smoke)
		iters = 2000;
	if (iters < 1 || ntrees < 1 || ntrees > 10000 || depth < 1 || depth > STRAT_TREE_MAX_DEPTH) {
		fprintf(stderr, "bench-trees: bad --iters/--trees/--depth\n");
		return 2;
	}
	if (core_clock_init(0) < 0) {
		fprintf(stderr, "bench-trees: clock init failed\n");
		return 1;
	}

	/* training data: integer features, a nonlinear label with noise */
	int ntrain = smoke ? 4000 : 20000;
	float *xf = malloc(sizeof(float) * (size_t)ntrain * NF), *y = malloc(sizeof(float) * ntrain);
	int32_t(*rows)[NF] = malloc(sizeof(*rows) * NROWS);
	float(*rowsf)[NF] = malloc(sizeof(*rowsf) * NROWS);
	if (!xf || !y || !rows || !rowsf) {
		fprintf(stderr, "bench-trees: out of memory\n");
		return 1;
	}
	for (int i = 0; i < ntrain + NROWS; i++) {
		int32_t x[NF];
		double z = 0;
		for (int j = 0; j < NF; j++) {
			x[j] = (int32_t)(rnd() % (20 * 65536)) - 10 * 65536;
			z += (j % 3 == 0 ? 1.0 : -0.5) * x[j] / 65536.0 * (j < 4 ? 1.0 : 0.2);
		}
		z += (x[0] > 0) * (x[1] > 0) * 3.0 + (double)(rnd() % 2000) / 200.0 - 5.0;
		if (i < ntrain) {
			for (int j = 0; j < NF; j++)
				xf[(size_t)i * NF + j] = (float)x[j];
			y[i] = z > 0;
		} else {
			memcpy(rows[i - ntrain], x, sizeof(x));
			for (int j = 0; j < NF; j++)
				rowsf[i - ntrain][j] = (float)x[j];
		}
	}
	DMatrixHandle dtrain;
	BoosterHandle b;
	XGB(XGDMatrixCreateFromMat(xf, (bst_ulong)ntrain, NF, NAN, &dtrain));
	XGB(XGDMatrixSetFloatInfo(dtrain, "label", y, (bst_ulong)ntrain));
	XGB(XGBoosterCreate(&dtrain, 1, &b));
	char dstr[16];
	snprintf(dstr, sizeof(dstr), "%ld", depth);
	XGB(XGBoosterSetParam(b, "objective", "binary:logistic"));
	XGB(XGBoosterSetParam(b, "tree_method", "hist"));
	XGB(XGBoosterSetParam(b, "max_depth", dstr));
	XGB(XGBoosterSetParam(b, "min_child_weight", "0"));
	XGB(XGBoosterSetParam(b, "nthread", "1"));
	XGB(XGBoosterSetParam(b, "seed", "1"));
	for (long it = 0; it < ntrees; it++)
		XGB(XGBoosterUpdateOneIter(b, (int)it, dtrain));
	bst_ulong jlen;
	const char *js;
	XGB(XGBoosterSaveModelToBuffer(b, "{\"format\":\"json\"}", &jlen, &js));
	struct strat_tree_model *m = NULL;
	char err[512];
	if (strat_tree_from_json("bench", js, jlen, strat_feature_schema_hash(NF > STRAT_FEATURE_COUNT ?
				 STRAT_FEATURE_COUNT : NF), &m, err, sizeof(err))) {
		fprintf(stderr, "bench-trees: %s\n", err);
		return 1;
	}
	struct strat_tree_info info;
	strat_tree_info(m, &info);
	if (save && strat_tree_save(m, save, err, sizeof(err))) {
		fprintf(stderr, "bench-trees: %s\n", err);
		return 1;
	}

	/* XGBoost's single-row paths */
	char arr[256], cfg_dense[] = "{\"type\": 1, \"training\": false, \"iteration_begin\": 0, "
				     "\"iteration_end\": 0, \"strict_shape\": false, \"cache_id\": 0, \"missing\": -3e38}";
	const char *cfg_dm = "{\"type\": 1, \"training\": false, \"iteration_begin\": 0, "
			     "\"iteration_end\": 0, \"strict_shape\": false}";
	const bst_ulong *shape;
	bst_ulong dim;
	const float *out;
	DMatrixHandle proxy;
	XGB(XGProxyDMatrixCreate(&proxy));

	/* correctness first: every path equals XGBoost on every row */
	static const enum strat_tree_isa isas[] = { STRAT_TREE_ISA_SCALAR, STRAT_TREE_ISA_AVX2,
						    STRAT_TREE_ISA_AVX512 };
	for (int r = 0; r < NROWS; r++) {
		snprintf(arr, sizeof(arr), "{\"data\": [%" PRIuPTR ", true], \"shape\": [1, %d], "
			 "\"typestr\": \"<f4\", \"version\": 3}", (uintptr_t)rowsf[r], NF);
		XGB(XGBoosterPredictFromDense(b, arr, cfg_dense, proxy, &shape, &dim, &out));
		float want = out[0];
		for (unsigned k = 0; k < 3; k++) {
			if (strat_tree_set_isa(m, isas[k]))
				continue;
			float got = (float)strat_tree_margin(m, rows[r]);
			if (got != want) {
				fprintf(stderr, "bench-trees: row %d %s: margin %.9g, XGBoost %.9g\n", r,
					strat_tree_isa_name(isas[k]), got, want);
				return 1;
			}
		}
	}
	printf("bench-trees: %u trees, depth %u, %u features, %d rows checked equal to XGBoost on "
	       "every path; %ld iterations per path\n", info.ntrees, info.depth, info.nfeatures,
	       NROWS, iters);

	struct core_hist h;
	if (core_hist_init(&h)) {
		fprintf(stderr, "bench-trees: out of memory\n");
		return 1;
	}
	/* clock overhead */
	for (long i = 0; i < iters; i++) {
		uint64_t t = core_now_ns();
		core_hist_record(&h, (int64_t)(core_now_ns() - t));
	}
	report("clock read pair", &h, 0);

	/* XGBoost in-place dense, the anchor */
	core_hist_reset(&h);
	long xiters = smoke ? iters : iters / 10;
	for (long i = 0; i < xiters; i++) {
		int r = (int)(i % NROWS);
		snprintf(arr, sizeof(arr), "{\"data\": [%" PRIuPTR ", true], \"shape\": [1, %d], "
			 "\"typestr\": \"<f4\", \"version\": 3}", (uintptr_t)rowsf[r], NF);
		uint64_t t = core_now_ns();
		XGB(XGBoosterPredictFromDense(b, arr, cfg_dense, proxy, &shape, &dim, &out));
		core_hist_record(&h, (int64_t)(core_now_ns() - t));
		sink += out[0];
	}
	int64_t anchor = core_hist_value_at(&h, 50);
	report("xgboost dense 1-row", &h, 0);

	core_hist_reset(&h);
	for (long i = 0; i < xiters; i++) {
		int r = (int)(i % NROWS);
		uint64_t t = core_now_ns();
		DMatrixHandle d1;
		XGB(XGDMatrixCreateFromMat(rowsf[r], 1, NF, NAN, &d1));
		XGB(XGBoosterPredictFromDMatrix(b, d1, cfg_dm, &shape, &dim, &out));
		sink += out[0];
		XGB(XGDMatrixFree(d1));
		core_hist_record(&h, (int64_t)(core_now_ns() - t));
	}
	report("xgboost dmatrix 1-row", &h, anchor);

	for (unsigned k = 0; k < 3; k++) {
		char name[64];
		if (strat_tree_set_isa(m, isas[k])) {
			printf("osprey %-15s not supported by this CPU\n", strat_tree_isa_name(isas[k]));
			continue;
		}
		core_hist_reset(&h);
		for (long i = 0; i < iters; i++) {
			const int32_t *row = rows[i % NROWS];
			uint64_t t = core_now_ns();
			sink += strat_tree_margin(m, row);
			core_hist_record(&h, (int64_t)(core_now_ns() - t));
		}
		snprintf(name, sizeof(name), "osprey %s", strat_tree_isa_name(isas[k]));
		report(name, &h, anchor);
	}
	core_hist_fini(&h);
	XGB(XGDMatrixFree(proxy));
	XGB(XGDMatrixFree(dtrain));
	XGB(XGBoosterFree(b));
	strat_tree_free(m);
	free(xf);
	free(y);
	free(rows);
	free(rowsf);
	return 0;
}
