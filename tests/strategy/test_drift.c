/* The drift monitor's pieces: a features reference written and read back
 * exactly; malformed references refused with the line; the bins (edge[b-1]
 * <= f < edge[b], ties at an edge go up); the PSI against a sum written out
 * by hand; and the decision stage counting one warm vector in drift_every
 * into the bins, cold ones not at all, without changing a decision. */
#undef NDEBUG
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../stage_poll.h"
#include "strategy.h"

static struct strat_drift_ref ref;
static char err[256];

/* edges 10, 20, ... 90 (Q16 integers) for every feature, equal shares */
static void make_ref(void)
{
	memset(&ref, 0, sizeof(ref));
	ref.nfeatures = STRAT_FEATURE_COUNT;
	ref.schema = strat_feature_schema_hash(STRAT_FEATURE_COUNT);
	ref.rows = 1000;
	for (unsigned i = 0; i < STRAT_FEATURE_COUNT; i++) {
		for (unsigned j = 0; j < STRAT_DRIFT_BINS - 1; j++)
			ref.edge[i][j] = 10 * (int32_t)(j + 1);
		for (unsigned b = 0; b < STRAT_DRIFT_BINS; b++)
			ref.share[i][b] = 0.1;
	}
	ref.share[3][0] = 0.0; /* an empty bin: the floor */
	ref.share[3][1] = 0.2;
}

static void bad(const char *text, const char *want)
{
	struct strat_drift_ref r;
	err[0] = 0;
	int rc = strat_drift_ref_parse("ref", text, &r, err, sizeof(err));
	if (rc != -EINVAL || !strstr(err, want)) {
		fprintf(stderr, "parse: %d '%s' (want '%s')\n", rc, err, want);
		abort();
	}
}

static void test_file(void)
{
	make_ref();
	static char text[32768], again[32768];
	int n = strat_drift_ref_format(&ref, text, sizeof(text));
	assert(n > 0 && (size_t)n < sizeof(text));
	struct strat_drift_ref r;
	assert(strat_drift_ref_parse("ref", text, &r, err, sizeof(err)) == 0);
	assert(r.nfeatures == ref.nfeatures && r.rows == 1000 && r.schema == ref.schema);
	assert(!memcmp(r.edge, ref.edge, sizeof(r.edge)));
	for (unsigned i = 0; i < STRAT_FEATURE_COUNT; i++)
		for (unsigned b = 0; b < STRAT_DRIFT_BINS; b++)
			assert(fabs(r.share[i][b] - ref.share[i][b]) < 1e-6);
	assert(strat_drift_ref_format(&r, again, sizeof(again)) == n && !strcmp(text, again));
	assert(strat_drift_ref_format(&ref, again, 100) == -ENOSPC);
	/* damaged copies */
	bad("osprey-model ensemble v1\n", "ref:1: not a features reference");
	bad("", "no 'osprey-features reference v1' header");
	char *t = strdup(text);
	char *f0 = strstr(t, "feature 0 10 20");
	memcpy(f0 + strlen("feature 0 "), "30", 2); /* 30 20 30 ...: decreasing */
	bad(t, "edges are Q16 integers, not decreasing");
	strcpy(t, text);
	char *sh = strstr(strstr(t, "feature 2 "), "shares 0.1");
	memcpy(sh + strlen("shares "), "0.9", 3); /* shares add up to 1.8 */
	bad(t, "do not add up to 1");
	strcpy(t, text);
	char *sc = strstr(t, "schema 0x");
	sc[strlen("schema 0x")] = sc[strlen("schema 0x")] == 'f' ? 'e' : 'f';
	bad(t, "is not these 13 features'");
	strcpy(t, text);
	*strstr(t, "feature 12 ") = '#'; /* a feature missing */
	bad(t, "(12 of 13)");
	strcpy(t, text);
	memcpy(strstr(t, "feature 5 "), "feature 4 ", 10); /* twice */
	bad(t, "once each");
	free(t);
	assert(strat_drift_ref_load("/nonexistent/ref", &r, err, sizeof(err)) == -ENOENT &&
	       strstr(err, "/nonexistent/ref"));
}

static void test_bins_and_psi(void)
{
	make_ref();
	assert(strat_drift_bin(&ref, 0, INT32_MIN) == 0 && strat_drift_bin(&ref, 0, 9) == 0);
	assert(strat_drift_bin(&ref, 0, 10) == 1 && strat_drift_bin(&ref, 0, 19) == 1);
	assert(strat_drift_bin(&ref, 0, 90) == 9 && strat_drift_bin(&ref, 0, INT32_MAX) == 9);
	uint64_t same[STRAT_DRIFT_BINS], skew[STRAT_DRIFT_BINS], none[STRAT_DRIFT_BINS] = { 0 };
	for (unsigned b = 0; b < STRAT_DRIFT_BINS; b++) {
		same[b] = 100;
		skew[b] = b < 5 ? 180 : 20;
	}
	assert(strat_drift_psi(&ref, 0, same) == 0);
	assert(strat_drift_psi(&ref, 0, none) == 0);
	/* by hand: five bins at 0.18 and five at 0.02 against 0.1 */
	double want = 5 * (0.18 - 0.1) * log(0.18 / 0.1) + 5 * (0.02 - 0.1) * log(0.02 / 0.1);
	assert(fabs(strat_drift_psi(&ref, 0, skew) - want) < 1e-12);
	assert(want > 0.25);
	/* feature 3's empty reference bin counts as 1e-4 */
	want = (0.1 - 1e-4) * log(0.1 / 1e-4) + (0.1 - 0.2) * log(0.1 / 0.2);
	assert(fabs(strat_drift_psi(&ref, 3, same) - want) < 1e-12);
}

static void test_stage_counts(void)
{
	make_ref();
	struct strat_model *m = NULL;
	assert(strat_model_parse("m",
	                         "osprey-model linear v1\nfeatures 2\nweights 0 1\n"
	                         "threshold 0.5\nqty 100\n",
	                         &m, err, sizeof(err)) == 0);
	struct core_ring *in = core_ring_create("fv", 64, sizeof(struct feature_vec));
	struct core_ring *out = core_ring_create("it", 64, sizeof(struct order_intent));
	struct strat_decide *d;
	struct strat_decide_cfg cfg = {
		.in = in, .out = out, .model = m, .drift = &ref, .drift_every = 3
	};
	assert(strat_decide_create(&cfg, &d, err, sizeof(err)) == 0);
	uint64_t want[STRAT_DRIFT_BINS] = { 0 };
	unsigned counted = 0, warm = 0;
	for (int k = 0; k < 30; k++) {
		struct feature_vec v = { .seq = (uint64_t)k + 1,
			                 .kind = MD_ADD,
			                 .locate = 1,
			                 .n = STRAT_FEATURE_COUNT,
			                 .warm = k % 5 != 0 };
		for (unsigned i = 0; i < STRAT_FEATURE_COUNT; i++)
			v.f[i] = (int32_t)(k * 4);
		if (v.warm && ++warm % 3 == 0) {
			want[strat_drift_bin(&ref, 0, v.f[0])]++;
			counted++;
		}
		assert(core_ring_push(in, &v) == 0);
		assert(poll_work(strat_decide_poll, d) == 1);
		struct order_intent it;
		while (core_ring_pop(out, &it) == 0)
			;
	}
	uint64_t c[STRAT_FEATURE_COUNT][STRAT_DRIFT_BINS], rows;
	strat_decide_drift(d, c, &rows);
	assert(rows == counted && counted == 8);
	for (unsigned i = 0; i < STRAT_FEATURE_COUNT; i++)
		assert(!memcmp(c[i], want, sizeof(want)));
	strat_decide_destroy(d);
	core_ring_destroy(in);
	core_ring_destroy(out);
	strat_model_free(m);
}

int main(void)
{
	core_clock_init(1);
	test_file();
	test_bins_and_psi();
	test_stage_counts();
	printf("drift: ok\n");
	return 0;
}
