/* test_model.c - the model file: exact Q16 parsing, scoring, format round trip,
 * malformed files rejected with "FILE:LINE: what", the committed default model. */
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "learn.h"

static const char *good =
	"# a comment line\n"
	"\n"
	"osprey-model linear v1   # header\n"
	"features 4\n"
	"weights 0.5 -0.25 1 -1023.9999847412109375\n"
	"bias -0.00000762939453125\n"
	"threshold 2.5\n"
	"qty 300\n"
	"price join\n"
	"cooldown_events 7\n"
	"cooldown_ns 1500\n"
	"id 9\n";

static void test_good(void)
{
	struct strat_model *m = NULL;
	char err[256] = "";
	int r = strat_model_parse("good", good, &m, err, sizeof(err));
	if (r)
		fprintf(stderr, "%s\n", err);
	assert(r == 0 && m);
	struct strat_model_info in;
	strat_model_info(m, &in);
	assert(in.nfeatures == 4);
	assert(in.weights[0] == 32768);
	assert(in.weights[1] == -16384);
	assert(in.weights[2] == 65536);
	assert(in.weights[3] == -(1024 * 65536 - 1)); /* exact: -67108863 / 65536 */
	assert(in.bias == -1); /* 0.5 / 65536 rounds away from zero */
	assert(in.threshold == 2 * 65536 + 32768);
	assert(in.qty == 300 && in.price == STRAT_PRICE_JOIN);
	assert(in.cooldown_events == 7 && in.cooldown_ns == 1500 && in.id == 9);

	/* score: bias + sum w*f, in Q16 */
	int32_t f[STRAT_FEATURE_COUNT] = { 4 * 65536, 2 * 65536, -3 * 65536, 0 };
	/* 0.5*4 - 0.25*2 + 1*-3 = -1.5; minus 1/65536 */
	assert(strat_model_score(m, f) == -98304 - 1);

	/* format -> parse is bit exact */
	char buf[4096];
	int n = strat_model_format(m, buf, sizeof(buf));
	assert(n > 0 && (size_t)n == strlen(buf));
	struct strat_model *m2 = NULL;
	assert(strat_model_parse("formatted", buf, &m2, err, sizeof(err)) == 0);
	struct strat_model_info in2;
	strat_model_info(m2, &in2);
	assert(memcmp(&in, &in2, sizeof(in)) == 0);
	assert(strat_model_format(m, buf, 10) == -ENOSPC);
	m2 = strat_model_free(m2);
	assert(m2 == NULL);

	/* from_info validates like the parser */
	in.weights[0] = 2000 * 65536;
	assert(strat_model_from_info(&in, &m2, err, sizeof(err)) == -EINVAL && m2 == NULL);
	in.weights[0] = 1;
	assert(strat_model_from_info(&in, &m2, err, sizeof(err)) == 0 && m2);
	strat_model_free(m2);
	strat_model_free(m);
	assert(strat_model_free(NULL) == NULL);

	/* rounding boundary: just under half a Q16 step rounds to 0, half rounds away */
	const char *b1 = "osprey-model linear v1\nfeatures 2\nweights -0.0000076293945312 "
			 "0.00000762939453125\nthreshold 0.00001\n";
	assert(strat_model_parse("b1", b1, &m, err, sizeof(err)) == 0);
	strat_model_info(m, &in);
	assert(in.weights[0] == 0 && in.weights[1] == 1 && in.threshold == 1);
	strat_model_free(m);

	/* defaults */
	assert(strat_model_parse("d", "osprey-model linear v1\nfeatures 1\nweights 1\nthreshold 1\n", &m,
				 err, sizeof(err)) == 0);
	strat_model_info(m, &in);
	assert(in.qty == 100 && in.price == STRAT_PRICE_OPPOSITE && in.cooldown_events == 100 &&
	       in.cooldown_ns == 0 && in.id == 1 && in.bias == 0);
	strat_model_free(m);
}

static void expect_bad(const char *text, const char *where, const char *what)
{
	struct strat_model *m = NULL;
	char err[256] = "";
	int r = strat_model_parse("bad.model", text, &m, err, sizeof(err));
	if (r != -EINVAL || m != NULL || strncmp(err, where, strlen(where)) != 0 || !strstr(err, what)) {
		fprintf(stderr, "text:\n%s\nerr: '%s' (want '%s' ... '%s')\n", text, err, where, what);
		assert(0);
	}
}

#define H "osprey-model linear v1\n"

static void test_bad(void)
{
	expect_bad("", "bad.model:0:", "header");
	expect_bad("# only a comment\n", "bad.model:1:", "header");
	expect_bad("features 2\n", "bad.model:1:", "header");
	expect_bad("osprey-model tree v1\n", "bad.model:1:", "unsupported");
	expect_bad("osprey-model linear v2\n", "bad.model:1:", "unsupported");
	expect_bad(H "features 2\nweights 1 2\nthreshold 1\nfoo 3\n", "bad.model:5:", "unknown key 'foo'");
	expect_bad(H "features 2\nfeatures 2\n", "bad.model:3:", "duplicate");
	expect_bad(H "weights 1 2\n", "bad.model:2:", "before 'features'");
	expect_bad(H "features 2\nweights 1\n", "bad.model:3:", "1 values for 2 features");
	expect_bad(H "features 2\nweights 1 2 3\n", "bad.model:3:", "3 values");
	expect_bad(H "features 0\n", "bad.model:2:", "features");
	expect_bad(H "features 99\n", "bad.model:2:", "features");
	expect_bad(H "features 1\nweights 1e-3\n", "bad.model:3:", "not a decimal");
	expect_bad(H "features 1\nweights 0x10\n", "bad.model:3:", "not a decimal");
	expect_bad(H "features 1\nweights -\n", "bad.model:3:", "not a decimal");
	expect_bad(H "features 1\nweights 1025\n", "bad.model:3:", "out of range");
	expect_bad(H "features 1\nweights 0.1234567890123456789\n", "bad.model:3:", "decimals");
	expect_bad(H "features 1\nweights 1\nthreshold 0\n", "bad.model:4:", "threshold");
	expect_bad(H "features 1\nweights 1\nthreshold -1\n", "bad.model:4:", "threshold");
	expect_bad(H "features 1\nweights 1\nthreshold\n", "bad.model:4:", "one value");
	expect_bad(H "features 1\nweights 1\nthreshold 1\nprice mid\n", "bad.model:5:", "price");
	expect_bad(H "features 1\nweights 1\nthreshold 1\nqty 0\n", "bad.model:5:", "qty");
	expect_bad(H "features 1\nweights 1\nthreshold 1\nid 256\n", "bad.model:5:", "id");
	expect_bad(H "features 1\nweights 1\nthreshold 1\ncooldown_events -1\n", "bad.model:5:",
		   "cooldown_events");
	/* missing keys are reported at the last line */
	expect_bad(H "features 1\nweights 1\n", "bad.model:3:", "missing 'threshold'");
	expect_bad(H "features 1\nthreshold 1\n\n", "bad.model:4:", "missing 'weights'");
}

static void test_files(void)
{
	struct strat_model *m = NULL;
	char err[512] = "";
	assert(strat_model_load("/nonexistent/x.model", &m, err, sizeof(err)) == -ENOENT);
	assert(m == NULL && strstr(err, "/nonexistent/x.model"));

	char path[] = "/tmp/osprey-model-XXXXXX";
	int fd = mkstemp(path);
	assert(fd >= 0);
	const char *text = H "features 2\nweights 1 1\nthreshold 1\nqty abc\n";
	assert(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	assert(strat_model_load(path, &m, err, sizeof(err)) == -EINVAL && m == NULL);
	char want[600];
	snprintf(want, sizeof(want), "%s:5: qty", path);
	assert(strncmp(err, want, strlen(want)) == 0);
	unlink(path);
}

/* the committed default model loads */
static void test_committed(const char *src)
{
	struct strat_model *m = NULL;
	char err[512] = "";
	char dpath[1024];
	snprintf(dpath, sizeof(dpath), "%s/models/default.model", src);
	int r = strat_model_load(dpath, &m, err, sizeof(err));
	if (r)
		fprintf(stderr, "%s\n", err);
	assert(r == 0 && m);
	struct strat_model_info in;
	strat_model_info(m, &in);
	assert(in.nfeatures >= 1 && in.threshold > 0 && in.cooldown_events > 0);
	strat_model_free(m);
}

int main(void)
{
	test_good();
	test_bad();
	test_files();
	const char *src = getenv("OSPREY_SOURCE");
	if (!src) {
		printf("SKIP: OSPREY_SOURCE unset: the committed default model was not checked\n");
		return 77;
	}
	test_committed(src);
	printf("model: ok\n");
	return 0;
}
