/* fuzz_trees - LLVMFuzzerTestOneInput over the tree-ensemble loaders: the
 * strict JSON reader + XGBoost model import (input starting with '{') and our
 * .otree parser (anything else; the checksum is patched so the field checks
 * behind it are reached too). A model that loads must predict the same on
 * every ISA path and serialize to an image that parses back to the same bytes.
 *
 * Built as a libFuzzer target (-Dfuzz=true, OSPREY_LIBFUZZER) and as a plain
 * test whose main() runs it over tests/fuzz/trees_seed.json (an XGBoost 1.7
 * model), our image of it, and their truncations and single-byte mutations. */
#undef NDEBUG
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_model(struct strat_tree_model *m)
{
	struct strat_tree_info info;
	strat_tree_info(m, &info);
	assert(info.nfeatures >= 1 && info.nfeatures <= FEATURE_MAX);
	assert(info.depth <= STRAT_TREE_MAX_DEPTH);
	static const int32_t rows[3][FEATURE_MAX] = {
		{ 0 },
		{ INT32_MIN, INT32_MAX, -1, 1, 65536, -65536, 100000, 7, 8, 9, 10, 11, 12, 13 },
		{ INT32_MAX, INT32_MIN, 123456789, -987654321, 3, 2, 1, 0, -1, -2, -3, -4, -5, -6 },
	};
	for (int r = 0; r < 3; r++) {
		double ref = 0;
		for (int isa = STRAT_TREE_ISA_SCALAR; isa <= STRAT_TREE_ISA_AVX512; isa++) {
			if (strat_tree_set_isa(m, (enum strat_tree_isa)isa))
				continue;
			double v = strat_tree_margin(m, rows[r]);
			if (isa == STRAT_TREE_ISA_SCALAR)
				ref = v;
			assert(memcmp(&v, &ref, sizeof(v)) == 0);
			(void)strat_tree_predict(m, rows[r]);
		}
	}
	size_t n = strat_tree_serialize(m, NULL, 0);
	unsigned char *a = malloc(n), *b = malloc(n);
	assert(a && b);
	assert(strat_tree_serialize(m, a, n) == n);
	struct strat_tree_model *m2 = NULL;
	char err[512];
	assert(strat_tree_parse("image", a, n, 0, &m2, err, sizeof(err)) == 0);
	assert(strat_tree_serialize(m2, b, n) == n && memcmp(a, b, n) == 0);
	strat_tree_free(m2);
	free(a);
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct strat_tree_model *m = NULL;
	int r;
	err[0] = 0;
	if (size && data[0] == '{') {
		r = strat_tree_from_json("fuzz", (const char *)data, size, 1, &m, err, sizeof(err));
	} else {
		unsigned char *c = malloc(size + 1);
		assert(c);
		if (size)
			memcpy(c, data, size);
		if (size >= 72) { /* a valid checksum, so the checks behind it run */
			uint64_t h = core_fnv1a(CORE_FNV_OFFSET, c, size - 8);
			for (int i = 0; i < 8; i++)
				c[size - 8 + (size_t)i] = (unsigned char)(h >> (8 * i));
		}
		r = strat_tree_parse("fuzz", c, size, 0, &m, err, sizeof(err));
		free(c);
	}
	if (r == 0) {
		assert(m);
		check_model(m);
		strat_tree_free(m);
	} else {
		assert(r < 0 && m == NULL && err[0]);
	}
	return 0;
}

#ifndef OSPREY_LIBFUZZER
static unsigned runs, loaded;

static void one(const unsigned char *b, size_t n)
{
	struct strat_tree_model *m = NULL;
	char err[512];
	if (n && b[0] == '{' && strat_tree_from_json("x", (const char *)b, n, 1, &m, err, 512) == 0)
		loaded++;
	strat_tree_free(m);
	LLVMFuzzerTestOneInput(b, n);
	runs++;
}

static void mutate_run(const unsigned char *buf, size_t len)
{
	unsigned char *c = malloc(len + 1);
	assert(c);
	for (size_t n = 0; n <= len; n += n < 256 ? 1 : 37)
		one(buf, n);
	uint64_t s = 0x2545f4914f6cdd1dull;
	for (int k = 0; k < 3000; k++) {
		memcpy(c, buf, len);
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		size_t at = (size_t)(s % len);
		static const unsigned char vals[] = { '0', '9', '-', ',', ']', '}', '"', 'E', 0xff, 0 };
		c[at] = k & 1 ? vals[(s >> 32) % sizeof(vals)] : (unsigned char)(c[at] ^ (1u << (k % 8)));
		one(c, len);
	}
	free(c);
}

int main(void)
{
	const char *src = getenv("OSPREY_SOURCE");
	if (!src)
		return 77;
	char path[1024];
	snprintf(path, sizeof(path), "%s/tests/fuzz/trees_seed.json", src);
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("skip: %s absent\n", path);
		return 77;
	}
	static unsigned char json[1 << 16];
	size_t n = fread(json, 1, sizeof(json), f);
	fclose(f);
	assert(n > 100 && n < sizeof(json));
	struct strat_tree_model *m = NULL;
	char err[512];
	if (strat_tree_from_json(path, (const char *)json, n, 1, &m, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	size_t in = strat_tree_serialize(m, NULL, 0);
	unsigned char *img = malloc(in);
	assert(img);
	strat_tree_serialize(m, img, in);
	strat_tree_free(m);
	mutate_run(json, n);
	unsigned jl = loaded;
	mutate_run(img, in);
	printf("fuzz_trees: %u inputs (JSON truncations and mutations: %u loaded), no crash\n", runs,
	       jl);
	free(img);
	return 0;
}
#endif
