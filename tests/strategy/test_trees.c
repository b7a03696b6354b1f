/* test_trees.c - our tree-ensemble inference against the XGBoost that trained
 * the model: for gbtree (logistic), random forest and regression models trained
 * here through XGBoost's C API, every held-out row selects the same leaf in every
 * tree as XGBoost's pred_leaf and gives XGBoost's margin (bit for bit; the
 * contract is 1e-6 relative) and probability, on every ISA path this CPU has.
 * Also: the split quantization over the whole int32 range, our file format
 * round trip, every truncation and every flipped byte refused, a wrong schema
 * refused, malformed and unsupported JSON refused. */
#undef NDEBUG
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <xgboost/c_api.h>

#include "learn.h"
#include "isa_skip.h"

#define NF 13
#define NROW 3000
#define NTRAIN 2000

#define XGB(call)                                                                   \
	do {                                                                        \
		if ((call) != 0) {                                                  \
			fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, \
				XGBGetLastError());                                 \
			abort();                                                    \
		}                                                                   \
	} while (0)

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static bool simd_ran[3]; /* scalar, avx2, avx512: a model was checked on it */

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int32_t rnd_range(int64_t lo, int64_t hi)
{
	return (int32_t)(lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1)));
}

/* ------------------------------------------------------------------------- */

static void test_quantize(void)
{
	uint64_t checked = 0;
	for (int k = 0; k < 20000; k++) {
		float c;
		switch (k % 4) {
		case 0: { /* any finite float */
			uint32_t u = (uint32_t)rnd();
			memcpy(&c, &u, 4);
			if (!isfinite(c))
				continue;
			break;
		}
		case 1: /* near integers at every magnitude, where float rounding bites */
			c = (float)((double)(int32_t)rnd() / (double)(1u << (rnd() % 31)));
			break;
		case 2: /* the midpoints XGBoost's exact method uses */
			c = ((float)(int32_t)rnd() + (float)(int32_t)rnd()) / 2.0f;
			break;
		default:
			c = nextafterf((float)(int32_t)rnd(), rnd() & 1 ? INFINITY : -INFINITY);
			break;
		}
		int32_t s = strat_tree_quantize(c);
		int64_t probe[] = { (int64_t)s - 300, (int64_t)s - 2, (int64_t)s - 1, s, (int64_t)s + 1,
				    (int64_t)s + 2, (int64_t)s + 300, INT32_MIN + 1, INT32_MAX, 0,
				    (int32_t)rnd() };
		for (unsigned i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
			if (probe[i] <= INT32_MIN || probe[i] > INT32_MAX)
				continue;
			int32_t x = (int32_t)probe[i];
			assert((x > s) == !((float)x < c));
			checked++;
		}
	}
	/* the ends: everything left, everything right */
	assert(strat_tree_quantize(3e9f) == INT32_MAX);
	assert(strat_tree_quantize(-3e9f) == INT32_MIN);
	assert(strat_tree_quantize(0.5f) == 0 && strat_tree_quantize(1.0f) == 0);
	assert(strat_tree_quantize(16777216.0f) == 16777215);
	/* 2^25 + 4: (float)33554434 rounds to even (2^25), (float)33554435 up to 2^25 + 4,
	 * so the split is 33554434, not ceil(cond) - 1 */
	assert(strat_tree_quantize(33554436.0f) == 33554434);
	printf("quantize: %llu decisions equal XGBoost's float comparison\n",
	       (unsigned long long)checked);
}

/* ------------------------------------------------------------------------- */

struct data {
	int32_t x[NROW][NF];
	float xf[NROW][NF];
	float y[NROW];   /* 0/1 */
	float yr[NROW];  /* regression target */
};

static void make_data(struct data *d)
{
	for (int i = 0; i < NROW; i++) {
		int32_t *x = d->x[i];
		for (int j = 0; j < NF; j++) {
			switch (j % 4) {
			case 0: x[j] = rnd_range(-65536, 65536); break;          /* [-1, 1] Q16 */
			case 1: x[j] = rnd_range(-50 * 65536, 50 * 65536); break; /* bps */
			case 2: x[j] = (int32_t)rnd(); break; /* whole int32 range: float rounds */
			default: x[j] = rnd_range(0, 40) * 1000; break;         /* coarse grid */
			}
		}
		if (i % 97 == 0)
			x[2] = INT32_MIN;
		if (i % 89 == 0)
			x[6] = INT32_MAX;
		double z = x[0] / 65536.0 + x[1] / (25.0 * 65536) - (x[2] > 0 ? 0.7 : 0) +
			   (x[3] > 20000 ? 0.5 : -0.2) + (double)x[6] / 4e9 +
			   ((int64_t)rnd_range(-1000, 1000)) / 800.0;
		d->y[i] = z > 0;
		d->yr[i] = (float)(z * 3.0);
		for (int j = 0; j < NF; j++)
			d->xf[i][j] = (float)x[j];
	}
}

struct trained {
	BoosterHandle b;
	struct strat_tree_model *m;
	char *json;
	size_t json_len;
};

static void train(DMatrixHandle dtrain, const char *const *params, int rounds, struct trained *ret)
{
	XGB(XGBoosterCreate(&dtrain, 1, &ret->b));
	XGB(XGBoosterSetParam(ret->b, "nthread", "1"));
	XGB(XGBoosterSetParam(ret->b, "seed", "11"));
	for (int i = 0; params[i]; i += 2)
		XGB(XGBoosterSetParam(ret->b, params[i], params[i + 1]));
	for (int it = 0; it < rounds; it++)
		XGB(XGBoosterUpdateOneIter(ret->b, it, dtrain));
	bst_ulong len;
	const char *s;
	XGB(XGBoosterSaveModelToBuffer(ret->b, "{\"format\":\"json\"}", &len, &s));
	ret->json = malloc(len);
	assert(ret->json);
	memcpy(ret->json, s, len);
	ret->json_len = len;
	char err[512] = "";
	int r = strat_tree_from_json("model.json", ret->json, len, strat_feature_schema_hash(NF),
				     &ret->m, err, sizeof(err));
	if (r)
		fprintf(stderr, "%s\n", err);
	assert(r == 0);
}

static const float *predict(BoosterHandle b, DMatrixHandle d, int type, bst_ulong *ret_n)
{
	char cfg[160];
	snprintf(cfg, sizeof(cfg), "{\"type\": %d, \"training\": false, \"iteration_begin\": 0, "
		 "\"iteration_end\": 0, \"strict_shape\": false}", type);
	const bst_ulong *shape;
	bst_ulong dim;
	const float *out;
	XGB(XGBoosterPredictFromDMatrix(b, d, cfg, &shape, &dim, &out));
	bst_ulong n = 1;
	for (bst_ulong i = 0; i < dim; i++)
		n *= shape[i];
	*ret_n = n;
	return out;
}

static bool rel_close(double a, double b, double tol)
{
	double s = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
	return fabs(a - b) <= tol * (s > 1e-30 ? s : 1e-30);
}

static void check_against_xgb(const char *what, struct trained *t, const struct data *d,
			      DMatrixHandle dtest, uint32_t want_trees, enum strat_tree_kind kind)
{
	struct strat_tree_info info;
	strat_tree_info(t->m, &info);
	assert(info.ntrees == want_trees);
	assert(info.kind == kind);
	assert(info.nfeatures == NF);
	int ntest = NROW - NTRAIN;
	bst_ulong n;
	float *leaf = malloc(sizeof(float) * (size_t)ntest * want_trees);
	float *margin = malloc(sizeof(float) * (size_t)ntest);
	float *prob = malloc(sizeof(float) * (size_t)ntest);
	assert(leaf && margin && prob);
	const float *p = predict(t->b, dtest, 6, &n);
	assert(n == (bst_ulong)ntest * want_trees);
	memcpy(leaf, p, sizeof(float) * n);
	p = predict(t->b, dtest, 1, &n);
	assert(n == (bst_ulong)ntest);
	memcpy(margin, p, sizeof(float) * n);
	p = predict(t->b, dtest, 0, &n);
	assert(n == (bst_ulong)ntest);
	memcpy(prob, p, sizeof(float) * n);

	static const enum strat_tree_isa isas[] = { STRAT_TREE_ISA_SCALAR, STRAT_TREE_ISA_AVX2,
						    STRAT_TREE_ISA_AVX512 };
	int32_t *ids = malloc(sizeof(int32_t) * want_trees);
	assert(ids);
	for (unsigned k = 0; k < 3; k++) {
		int r = strat_tree_set_isa(t->m, isas[k]);
		if (r == -ENOTSUP) {
			printf("SKIP: %s not available: %s\n", strat_tree_isa_name(isas[k]), what);
			continue;
		}
		assert(r == 0);
		simd_ran[k] = true;
		uint64_t leaves = 0, exact = 0;
		double worst = 0;
		for (int i = 0; i < ntest; i++) {
			const int32_t *row = d->x[NTRAIN + i];
			assert(strat_tree_leaves(t->m, row, ids, want_trees) == (int)want_trees);
			assert(strat_tree_leaves(t->m, row, ids, want_trees - 1) == -ENOSPC);
			for (uint32_t j = 0; j < want_trees; j++) {
				if ((float)ids[j] != leaf[(size_t)i * want_trees + j]) {
					fprintf(stderr, "%s %s row %d tree %u: leaf %d, XGBoost %g\n",
						what, strat_tree_isa_name(isas[k]), i, j, ids[j],
						leaf[(size_t)i * want_trees + j]);
					abort();
				}
				leaves++;
			}
			double mg = strat_tree_margin(t->m, row), pr = strat_tree_predict(t->m, row);
			if (!rel_close(mg, margin[i], 1e-6) || !rel_close(pr, prob[i], 1e-6)) {
				fprintf(stderr, "%s %s row %d: margin %.9g prob %.9g, XGBoost %.9g %.9g\n",
					what, strat_tree_isa_name(isas[k]), i, mg, pr, margin[i], prob[i]);
				abort();
			}
			double e = fabs(mg - margin[i]);
			if (e > worst)
				worst = e;
			exact += (float)mg == margin[i] && (float)pr == prob[i];
		}
		printf("%s: %s: %d rows, %llu leaves equal XGBoost's, margins and predictions "
		       "bit-equal on %llu rows (max |diff| %g)\n", what, strat_tree_isa_name(isas[k]),
		       ntest, (unsigned long long)leaves, (unsigned long long)exact, worst);
	}
	free(ids);
	free(leaf);
	free(margin);
	free(prob);
}

/* The file image round trip gives the same bytes and predictions. */
static void check_roundtrip(struct trained *t, const struct data *d)
{
	size_t n = strat_tree_serialize(t->m, NULL, 0);
	unsigned char *a = malloc(n), *b = malloc(n);
	assert(a && b);
	assert(strat_tree_serialize(t->m, a, n) == n);
	struct strat_tree_model *m2 = NULL;
	char err[512];
	int r = strat_tree_parse("img", a, n, strat_feature_schema_hash(NF), &m2, err, sizeof(err));
	if (r)
		fprintf(stderr, "%s\n", err);
	assert(r == 0);
	assert(strat_tree_serialize(m2, b, n) == n && memcmp(a, b, n) == 0);
	for (int i = NTRAIN; i < NROW; i++) {
		double x = strat_tree_margin(t->m, d->x[i]), y = strat_tree_margin(m2, d->x[i]);
		assert(memcmp(&x, &y, sizeof(x)) == 0);
	}
	/* through a file too */
	char path[] = "/tmp/test_trees_XXXXXX";
	int fd = mkstemp(path);
	assert(fd >= 0);
	close(fd);
	assert(strat_tree_save(m2, path, err, sizeof(err)) == 0);
	strat_tree_free(m2);
	m2 = NULL;
	assert(strat_tree_load(path, 0, &m2, err, sizeof(err)) == 0);
	assert(strat_tree_serialize(m2, b, n) == n && memcmp(a, b, n) == 0);
	strat_tree_free(m2);
	unlink(path);
	free(a);
	free(b);
}

/* Every truncation, every flipped bit pattern, a wrong schema: refused. */
static void check_corruption(const struct strat_tree_model *m)
{
	size_t n = strat_tree_serialize(m, NULL, 0);
	unsigned char *a = malloc(n + 1), *c = malloc(n + 1);
	assert(a && c);
	strat_tree_serialize(m, a, n);
	uint64_t schema = strat_feature_schema_hash(NF);
	struct strat_tree_model *bad = NULL;
	char err[512];
	for (size_t len = 0; len < n; len++) {
		memcpy(c, a, len);
		err[0] = 0;
		int r = strat_tree_parse("trunc", len ? c : a, len, schema, &bad, err, sizeof(err));
		assert(r == -EBADMSG && bad == NULL && strstr(err, "trunc: offset"));
	}
	printf("corrupt: %zu truncations refused (e.g. \"%s\")\n", n, err);
	memcpy(c, a, n);
	c[n] = 0;
	assert(strat_tree_parse("long", c, n + 1, schema, &bad, err, sizeof(err)) == -EBADMSG);
	unsigned flips = 0;
	for (size_t i = 0; i < n; i++) {
		for (unsigned v = 1; v < 256; v <<= 1) {
			memcpy(c, a, n);
			c[i] ^= (unsigned char)v;
			int r = strat_tree_parse("flip", c, n, 0, &bad, err, sizeof(err));
			assert(r == -EBADMSG && bad == NULL);
			flips++;
		}
	}
	printf("corrupt: %u single-bit flips refused (e.g. \"%s\")\n", flips, err);
	int r = strat_tree_parse("schema", a, n, schema ^ 1, &bad, err, sizeof(err));
	assert(r == -EPROTO && bad == NULL && strstr(err, "schema"));
	/* the model's own schema check: trained on features 0..NF-1 of this build */
	assert(strat_tree_check_schema(m, err, sizeof(err)) == 0);
	assert(strat_tree_parse("schema", a, n, 0, &bad, err, sizeof(err)) == 0);
	struct strat_tree_info bi;
	strat_tree_info(bad, &bi);
	assert(bi.schema_hash == strat_feature_schema_hash(bi.nfeatures));
	strat_tree_free(bad);
	bad = NULL;
	printf("corrupt: wrong schema refused: \"%s\"\n", err);
	assert(strat_tree_parse("ok", a, n, schema, &bad, err, sizeof(err)) == 0 && bad);
	strat_tree_free(bad);
	free(a);
	free(c);
}

static int load_json_str(const char *s, char *err, size_t errlen)
{
	struct strat_tree_model *m = NULL;
	err[0] = 0;
	int r = strat_tree_from_json("j", s, strlen(s), 1, &m, err, errlen);
	if (r == 0)
		strat_tree_free(m);
	else
		assert(m == NULL && err[0]);
	return r;
}

static char *replace(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);
	assert(p);
	size_t n = strlen(s) - strlen(from) + strlen(to) + 1;
	char *o = malloc(n);
	assert(o);
	snprintf(o, n, "%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
	return o;
}

/* s with the first element of array "key" replaced by val */
static char *replace_first(const char *s, const char *key, const char *val)
{
	const char *p = strstr(s, key);
	assert(p);
	p += strlen(key);
	const char *e = strchr(p, ',');
	assert(e);
	size_t n = strlen(s) + strlen(val) + 1;
	char *o = malloc(n);
	assert(o);
	snprintf(o, n, "%.*s%s%s", (int)(p - s), s, val, e);
	return o;
}

static void check_bad_json(const struct trained *t)
{
	char err[512];
	char *s = malloc(t->json_len + 1);
	assert(s);
	memcpy(s, t->json, t->json_len);
	s[t->json_len] = 0;
	assert(load_json_str(s, err, sizeof(err)) == 0);
	unsigned refused = 0;
	for (size_t len = 0; len < t->json_len; len++) {
		struct strat_tree_model *m = NULL;
		int r = strat_tree_from_json("j", s, len, 1, &m, err, sizeof(err));
		assert(r < 0 && m == NULL);
		refused++;
	}
	printf("json: %u truncations refused (e.g. \"%s\")\n", refused, err);
	static const char *const cases[][3] = {
		{ "binary:logistic", "multi:softprob", "" },
		{ "\"split_type\":[0", "\"split_type\":[1", "" },
		{ "\"name\":\"gbtree\"", "\"name\":\"dart\"", "" },

		{ "\"left_children\":[1", "\"left_children\":[7", "" },
		{ "\"left_children\":[1", "\"left_children\":[0", "" },

		{ "\"split_conditions\":[", "\"split_conditions\":[1.,", "" },
		{ "\"num_class\":\"0\"", "\"num_class\":\"3\"", "" },
		{ "{", "{\"x\":01,", "" },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *b = replace(s, cases[i][0], cases[i][1]);
		int r = load_json_str(b, err, sizeof(err));
		printf("json: %s -> %s: %d \"%s\"\n", cases[i][0], cases[i][1], r, err);
		assert(r == -EINVAL || r == -ENOTSUP);
		free(b);
	}
	static const char *const elems[][3] = {
		{ "\"split_indices\":[", "99", "feature 99 out of range" },
		{ "\"split_indices\":[", "-1", "feature -1 out of range" },
		{ "\"split_conditions\":[", "1e99", "not a finite float" },
		{ "\"left_children\":[", "2147483648", "not an int32" },
	};
	for (unsigned i = 0; i < sizeof(elems) / sizeof(elems[0]); i++) {
		char *b = replace_first(s, elems[i][0], elems[i][1]);
		int r = load_json_str(b, err, sizeof(err));
		printf("json: %s%s: %d \"%s\"\n", elems[i][0], elems[i][1], r, err);
		assert(r == -EINVAL && strstr(err, elems[i][2]));
		free(b);
	}
	/* newer XGBoost writes base_score as "[5E-1]": accepted, same model */
	char *b = replace(s, "\"base_score\":\"5E-1\"", "\"base_score\":\"[5E-1]\"");
	struct strat_tree_model *m = NULL;
	assert(strat_tree_from_json("j", b, strlen(b), 1, &m, err, sizeof(err)) == 0);
	size_t n1 = strat_tree_serialize(m, NULL, 0), n2 = strat_tree_serialize(t->m, NULL, 0);
	unsigned char *i1 = malloc(n1), *i2 = malloc(n2);
	assert(i1 && i2 && n1 == n2);
	strat_tree_serialize(m, i1, n1);
	strat_tree_serialize(t->m, i2, n2);
	assert(memcmp(i1 + 48, i2 + 48, 8) == 0); /* base score and margin */
	/* stamped with schema hash 1: not this build's features */
	assert(strat_tree_check_schema(m, err, sizeof(err)) == -EPROTO && strstr(err, "schema hash"));
	free(i1);
	free(i2);
	strat_tree_free(m);
	free(b);
	free(s);
}

int main(void)
{
	test_quantize();
	struct data *d = malloc(sizeof(*d));
	assert(d);
	make_data(d);
	DMatrixHandle dtrain, dtest, dtrain_r;
	XGB(XGDMatrixCreateFromMat(&d->xf[0][0], NTRAIN, NF, NAN, &dtrain));
	XGB(XGDMatrixSetFloatInfo(dtrain, "label", d->y, NTRAIN));
	XGB(XGDMatrixCreateFromMat(&d->xf[NTRAIN][0], NROW - NTRAIN, NF, NAN, &dtest));
	XGB(XGDMatrixCreateFromMat(&d->xf[0][0], NTRAIN, NF, NAN, &dtrain_r));
	XGB(XGDMatrixSetFloatInfo(dtrain_r, "label", d->yr, NTRAIN));

	struct trained gb = { 0 }, rf = { 0 }, reg = { 0 }, tiny = { 0 };
	static const char *const p_gb[] = { "objective", "binary:logistic", "max_depth", "6",
					    "tree_method", "exact", "base_score", "0.3", NULL };
	train(dtrain, p_gb, 40, &gb);
	check_against_xgb("gbtree/exact/logistic", &gb, d, dtest, 40, STRAT_TREE_GBTREE);
	static const char *const p_rf[] = { "objective", "binary:logistic", "max_depth", "6",
					    "tree_method", "hist", "num_parallel_tree", "8",
					    "subsample", "0.8", "colsample_bynode", "0.8",
					    "learning_rate", "1", NULL };
	train(dtrain, p_rf, 2, &rf);
	check_against_xgb("rf/hist/logistic", &rf, d, dtest, 16, STRAT_TREE_RF);
	static const char *const p_reg[] = { "objective", "reg:squarederror", "max_depth", "5",
					     "tree_method", "hist", "base_score", "0.25", NULL };
	train(dtrain_r, p_reg, 25, &reg);
	check_against_xgb("gbtree/hist/squarederror", &reg, d, dtest, 25, STRAT_TREE_GBTREE);

	/* deep trees over several 64-tree chunks; and trees that are a single leaf */
	struct trained deep = { 0 }, stump = { 0 };
	static const char *const p_deep[] = { "objective", "binary:logistic", "max_depth", "9",
					      "tree_method", "exact", "min_child_weight", "0",
					      "eta", "0.05", NULL };
	train(dtrain, p_deep, 70, &deep);
	struct strat_tree_info di;
	strat_tree_info(deep.m, &di);
	assert(di.depth >= 8);
	check_against_xgb("gbtree/exact/depth 9", &deep, d, dtest, 70, STRAT_TREE_GBTREE);
	static const char *const p_stump[] = { "objective", "binary:logistic", "gamma", "1e30",
					       "base_score", "0.7", NULL };
	train(dtrain, p_stump, 3, &stump);
	strat_tree_info(stump.m, &di);
	assert(di.depth == 0);
	check_against_xgb("single-leaf trees", &stump, d, dtest, 3, STRAT_TREE_GBTREE);
	check_roundtrip(&deep, d);

	check_roundtrip(&gb, d);
	check_roundtrip(&rf, d);
	static const char *const p_tiny[] = { "objective", "binary:logistic", "max_depth", "2", NULL };
	train(dtrain, p_tiny, 3, &tiny);
	check_corruption(tiny.m);
	check_bad_json(&tiny);

	struct trained *all[] = { &gb, &rf, &reg, &tiny, &deep, &stump };
	for (unsigned i = 0; i < 6; i++) {
		XGB(XGBoosterFree(all[i]->b));
		strat_tree_free(all[i]->m);
		free(all[i]->json);
	}
	XGB(XGDMatrixFree(dtrain));
	XGB(XGDMatrixFree(dtest));
	XGB(XGDMatrixFree(dtrain_r));
	free(d);
	isa_skip_exit_if_scalar_only(simd_ran[1], simd_ran[2]);
	printf("trees: ok\n");
	return 0;
}
