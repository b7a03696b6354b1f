/* test_trees_train.c - osprey-train and osprey-model from the outside, on the
 * real AMZN ITCH day:
 * - the same arguments and seed give the same model file bit for bit (gbtree
 *   and rf); another seed gives another forest;
 * - `osprey-model predict --leaves` on the test rows osprey-train wrote prints,
 *   on every ISA path, XGBoost's own margin (loaded from the JSON osprey-train
 *   exported) and XGBoost's leaf in every tree, row by row;
 * - a flipped byte and a truncated file make osprey-model fail naming the
 *   problem, and a model with another feature schema is refused;
 * - if models/trees_amzn.otree is committed, `osprey-train --kind gbtree --itch
 *   AMZN --trees 100 --depth 6 --horizon 50 --seed 1` regenerates it bit for bit. */
#undef NDEBUG
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xgboost/c_api.h>

#include "learn.h"
#include "isa_skip.h"

#define XGB(call)                                                                   \
	do {                                                                        \
		if ((call) != 0) {                                                  \
			fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, \
				XGBGetLastError());                                 \
			abort();                                                    \
		}                                                                   \
	} while (0)

static char dir[] = "/tmp/test_trees_train_XXXXXX";
static const char *build, *itch;

static int run(const char *cmd)
{
	int r = system(cmd);
	assert(r != -1);
	return WIFEXITED(r) ? WEXITSTATUS(r) : 128;
}

static unsigned char *slurp(const char *path, size_t *ret_n)
{
	FILE *f = fopen(path, "rb");
	assert(f);
	assert(fseek(f, 0, SEEK_END) == 0);
	long n = ftell(f);
	assert(n >= 0);
	rewind(f);
	unsigned char *b = malloc((size_t)n + 1);
	assert(b && fread(b, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	b[n] = 0;
	*ret_n = (size_t)n;
	return b;
}

static void train(const char *kind, int seed, const char *name, bool extras)
{
	char cmd[4096];
	snprintf(cmd, sizeof(cmd), "'%s/tools/osprey-train' --kind %s --itch '%s' --trees %d "
		 "--depth 5 --horizon 50 --seed %d -o '%s/%s.otree'%s%s%s%s%s > '%s/%s.log' 2>&1",
		 build, kind, itch, strcmp(kind, "rf") ? 30 : 12, seed, dir, name,
		 extras ? " --json-out '" : "", extras ? dir : "", extras ? "/m.json' --features-out '" : "",
		 extras ? dir : "", extras ? "/test.csv'" : "", dir, name);
	int r = run(cmd);
	if (r) {
		snprintf(cmd, sizeof(cmd), "cat '%s/%s.log'", dir, name);
		run(cmd);
	}
	assert(r == 0);
}

static bool same_file(const char *a, const char *b)
{
	char pa[512], pb[512];
	snprintf(pa, sizeof(pa), "%s/%s.otree", dir, a);
	snprintf(pb, sizeof(pb), "%s/%s.otree", dir, b);
	size_t na, nb;
	unsigned char *x = slurp(pa, &na), *y = slurp(pb, &nb);
	bool same = na == nb && memcmp(x, y, na) == 0;
	free(x);
	free(y);
	return same;
}

/* Rows of the CSV osprey-train wrote: STRAT_FEATURE_COUNT ints, then the label. */
static size_t read_rows(float **ret)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/test.csv", dir);
	FILE *f = fopen(path, "r");
	assert(f);
	char line[4096];
	size_t cap = 1024, n = 0;
	float *x = malloc(cap * STRAT_FEATURE_COUNT * sizeof(float));
	assert(x && fgets(line, sizeof(line), f)); /* header */
	while (fgets(line, sizeof(line), f)) {
		if (n == cap) {
			cap *= 2;
			x = realloc(x, cap * STRAT_FEATURE_COUNT * sizeof(float));
			assert(x);
		}
		char *p = line;
		for (int j = 0; j < STRAT_FEATURE_COUNT; j++) {
			char *end;
			long v = strtol(p, &end, 10);
			assert(end != p && *end == ',');
			x[n * STRAT_FEATURE_COUNT + (size_t)j] = (float)v;
			p = end + 1;
		}
		n++;
	}
	fclose(f);
	*ret = x;
	return n;
}

static void check_predict(const char *isa, BoosterHandle b, DMatrixHandle d, size_t nrows,
			  uint32_t ntrees)
{
	const bst_ulong *shape;
	bst_ulong dim;
	const float *out;
	float *margin = malloc(nrows * sizeof(float)), *leaf = malloc(nrows * ntrees * sizeof(float));
	assert(margin && leaf);
	XGB(XGBoosterPredictFromDMatrix(b, d, "{\"type\": 1, \"training\": false, \"iteration_begin\": "
					"0, \"iteration_end\": 0, \"strict_shape\": false}", &shape,
					&dim, &out));
	memcpy(margin, out, nrows * sizeof(float));
	XGB(XGBoosterPredictFromDMatrix(b, d, "{\"type\": 6, \"training\": false, \"iteration_begin\": "
					"0, \"iteration_end\": 0, \"strict_shape\": false}", &shape,
					&dim, &out));
	memcpy(leaf, out, nrows * ntrees * sizeof(float));

	char cmd[4096];
	snprintf(cmd, sizeof(cmd), "'%s/tools/osprey-model' predict --model '%s/a1.otree' --csv "
		 "'%s/test.csv' --isa %s --schema current --leaves", build, dir, dir, isa);
	FILE *p = popen(cmd, "r");
	assert(p);
	static char line[1 << 16];
	size_t n = 0;
	while (fgets(line, sizeof(line), p)) {
		assert(n < nrows);
		char *s = line, *end;
		double mg = strtod(s, &end);
		assert(end != s && *end == ',');
		double pr = strtod(end + 1, &end);
		assert(*end == ',');
		if (mg != (double)margin[n] || !(pr > 0 && pr < 1)) {
			fprintf(stderr, "%s row %zu: margin %.17g, XGBoost %.17g\n", isa, n, mg,
				(double)margin[n]);
			abort();
		}
		for (uint32_t t = 0; t < ntrees; t++) {
			long id = strtol(end + 1, &end, 10);
			assert(*end == ',' || *end == '\n');
			if ((float)id != leaf[n * ntrees + t]) {
				fprintf(stderr, "%s row %zu tree %u: leaf %ld, XGBoost %g\n", isa, n, t,
					id, (double)leaf[n * ntrees + t]);
				abort();
			}
		}
		n++;
	}
	assert(pclose(p) == 0);
	assert(n == nrows);
	printf("osprey-model predict --isa %s: %zu rows, margins equal XGBoost's, %zu leaves "
	       "equal\n", isa, n, n * ntrees);
	free(margin);
	free(leaf);
}

int main(void)
{
	const char *shared = getenv("OSPREY_SHARED");
	build = getenv("OSPREY_BUILD");
	if (!shared || !build)
		return 77;
	static char path[1024];
	snprintf(path, sizeof(path), "%s/data/itch/lobster_AMZN_20120621_L5.itch50", shared);
	itch = path;
	if (access(itch, R_OK) != 0) {
		printf("skip: %s absent\n", itch);
		return 77;
	}
	assert(mkdtemp(dir));

	train("gbtree", 7, "a1", true);
	train("gbtree", 7, "a2", false);
	assert(same_file("a1", "a2"));
	train("rf", 7, "r1", false);
	train("rf", 7, "r2", false);
	train("rf", 8, "r3", false);
	assert(same_file("r1", "r2"));
	assert(!same_file("r1", "r3"));
	printf("reproducible: same seed -> same bytes (gbtree, rf); another seed -> another rf\n");

	/* OHLCV bars through the same features stage (--csv) */
	char cmd0[4096];
	for (int k = 0; k < 2; k++) {
		snprintf(cmd0, sizeof(cmd0), "'%s/tools/osprey-train' --kind rf --csv "
			 "'%s/data/bars/timeSeries_MSFT_daily_ohlcv_2000-2001.csv' --horizon 1 --trees 20 "
			 "--depth 3 --seed 3%s -o '%s/bars%d.otree' > '%s/bars.log' 2>&1", build, shared,
			 k ? " --walk-forward 3" : "", dir, k, dir);
		assert(run(cmd0) == 0);
	}
	assert(same_file("bars0", "bars1"));
	snprintf(cmd0, sizeof(cmd0), "grep -q 'verdict: the model' '%s/bars.log' && grep -q "
		 "'equal XGBoost.s on [0-9]* of' '%s/bars.log' && grep -q 'fold 3: train' '%s/bars.log' "
		 "&& grep -q 'beats both in [0-3] of 3 folds' '%s/bars.log'", dir, dir, dir, dir);
	assert(run(cmd0) == 0);
	printf("--csv bars: trained, checked against XGBoost, reproducible (with or without "
	       "--walk-forward)\n");

	/* osprey-model import of the exported JSON gives osprey-train's file exactly */
	char cmd1[4096];
	snprintf(cmd1, sizeof(cmd1), "'%s/tools/osprey-model' import --json '%s/m.json' -o "
		 "'%s/imported.otree'", build, dir, dir);
	assert(run(cmd1) == 0);
	assert(same_file("a1", "imported"));
	printf("osprey-model import of the JSON == osprey-train's model file\n");

	/* from the outside: osprey-model vs XGBoost on the exported JSON */
	char mpath[512], jpath[512];
	snprintf(mpath, sizeof(mpath), "%s/a1.otree", dir);
	snprintf(jpath, sizeof(jpath), "%s/m.json", dir);
	struct strat_tree_model *m = NULL;
	char err[512];
	assert(strat_tree_load(mpath, strat_feature_schema_hash(STRAT_FEATURE_COUNT), &m, err,
			       sizeof(err)) == 0);
	struct strat_tree_info info;
	strat_tree_info(m, &info);
	float *x;
	size_t nrows = read_rows(&x);
	assert(nrows > 1000);
	BoosterHandle b;
	DMatrixHandle d;
	XGB(XGBoosterCreate(NULL, 0, &b));
	XGB(XGBoosterLoadModel(b, jpath));
	XGB(XGDMatrixCreateFromMat(x, nrows, STRAT_FEATURE_COUNT, NAN, &d));
	static const char *const isas[] = { "scalar", "avx2", "avx512" };
	bool simd_ran[3] = { false };
	for (int k = 0; k < 3; k++) {
		enum strat_tree_isa isa;
		assert(strat_tree_isa_parse(isas[k], &isa) == 0);
		if (strat_tree_set_isa(m, isa) == -ENOTSUP) {
			printf("SKIP: %s not available\n", isas[k]);
			continue;
		}
		check_predict(isas[k], b, d, nrows, info.ntrees);
		simd_ran[k] = true;
	}
	XGB(XGDMatrixFree(d));
	XGB(XGBoosterFree(b));
	free(x);
	strat_tree_free(m);

	/* damaged files: osprey-model fails and says why */
	size_t n;
	unsigned char *img = slurp(mpath, &n);
	char bad[512], cmd[4096];
	snprintf(bad, sizeof(bad), "%s/bad.otree", dir);
	static const struct { size_t len; size_t flip; const char *want; } cases[] = {
		{ 0, 1000, "checksum" },  /* flipped byte in a tree */
		{ 100, SIZE_MAX, "truncated" },
		{ 0, 41, "checksum" },     /* in the schema hash: the checksum catches it first */
	};
	for (unsigned i = 0; i < 3; i++) {
		size_t len = cases[i].len ? cases[i].len : n;
		unsigned char *c = malloc(n);
		assert(c);
		memcpy(c, img, n);
		if (cases[i].flip != SIZE_MAX)
			c[cases[i].flip] ^= 0x10;
		FILE *f = fopen(bad, "wb");
		assert(f && fwrite(c, 1, len, f) == len && fclose(f) == 0);
		free(c);
		snprintf(cmd, sizeof(cmd), "'%s/tools/osprey-model' info --model '%s' 2>&1 | grep -q '%s'",
			 build, bad, cases[i].want);
		assert(run(cmd) == 0);
		snprintf(cmd, sizeof(cmd), "'%s/tools/osprey-model' info --model '%s' >/dev/null 2>&1",
			 build, bad);
		assert(run(cmd) == 1);
	}
	/* another schema: a model for other features, with a valid checksum */
	assert(strat_tree_load(mpath, 0, &m, err, sizeof(err)) == 0);
	unsigned char *c = malloc(n);
	assert(c);
	assert(strat_tree_serialize(m, c, n) == n);
	strat_tree_free(m);
	struct strat_tree_model *m2 = NULL;
	/* rebuild the image with schema of 5 features: parse with any, patch, re-save */
	memcpy(c + 40, &(uint64_t){ strat_feature_schema_hash(5) }, 8);
	uint64_t h = core_fnv1a(CORE_FNV_OFFSET, c, n - 8);
	memcpy(c + n - 8, &h, 8);
	assert(strat_tree_parse("other", c, n, 0, &m2, err, sizeof(err)) == 0);
	assert(strat_tree_save(m2, bad, err, sizeof(err)) == 0);
	strat_tree_free(m2);
	free(c);
	snprintf(cmd, sizeof(cmd), "'%s/tools/osprey-model' info --model '%s' --schema current 2>&1 "
		 "| grep -q 'schema hash'", build, bad);
	assert(run(cmd) == 0);
	snprintf(cmd, sizeof(cmd), "'%s/tools/osprey-model' info --model '%s' --schema any >/dev/null",
		 build, bad);
	assert(run(cmd) == 0);
	printf("damaged and foreign model files refused with the reason\n");
	free(img);

	/* a committed model (for the demo) must be what the documented command makes */
	const char *src = getenv("OSPREY_SOURCE");
	char committed[1024];
	snprintf(committed, sizeof(committed), "%s/models/trees_amzn.otree", src ? src : ".");
	if (src && access(committed, R_OK) == 0) {
		snprintf(cmd, sizeof(cmd), "'%s/tools/osprey-train' --kind gbtree --itch '%s' --trees 100 "
			 "--depth 6 --horizon 50 --seed 1 -o '%s/regen.otree' > /dev/null && cmp -s '%s' "
			 "'%s/regen.otree'", build, itch, dir, committed, dir);
		assert(run(cmd) == 0);
		printf("models/trees_amzn.otree regenerates bit for bit\n");
	}

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	run(cmd);
	isa_skip_exit_if_scalar_only(simd_ran[1], simd_ran[2]);
	printf("trees-train: ok\n");
	return 0;
}
