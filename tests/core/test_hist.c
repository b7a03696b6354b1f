#undef NDEBUG
#include "core.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* decode our own V2 encoding back into counts (independent of the encoder loop) */
static int64_t read_zz(const unsigned char **p)
{
	uint64_t v = 0;
	int shift = 0;
	for (int i = 0; i < 8; i++) {
		unsigned char b = *(*p)++;
		v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
	}
	v |= (uint64_t)*(*p)++ << 56;
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* HdrHistogram_c's counts_index_for over the fields core_hist_init derived
 * (the out-of-line form core.h's inline core_hist__index replaced). */
static int32_t general_index(const struct core_hist *h, int64_t v)
{
	int32_t pow2ceiling = 64 - __builtin_clzll((uint64_t)(v | h->sub_bucket_mask));
	int32_t b = pow2ceiling - h->unit_magnitude - (h->sub_bucket_half_count_magnitude + 1);
	int32_t sb = (int32_t)(v >> (b + h->unit_magnitude));
	return ((b + 1) << h->sub_bucket_half_count_magnitude) + (sb - h->sub_bucket_half_count);
}

static void check_index(const struct core_hist *h, int64_t v)
{
	int32_t i = core_hist__index(v);
	if (i != general_index(h, v)) {
		fprintf(stderr, "core_hist__index(%lld) = %d, HdrHistogram's formula %d\n",
			(long long)v, i, general_index(h, v));
		abort();
	}
	assert(i >= 0 && i < h->counts_len);
}

int main(void)
{
	struct core_hist h, h2;
	assert(core_hist_init(&h) == 0);
	assert(core_hist_init(&h2) == 0);
	assert(core_hist_value_at(&h, 50) == 0);

	/* the inline index (constants folded in) against the general formula:
	 * every value below 2^22, both sides of every power of two and of the
	 * highest trackable value, and random values over the whole range */
	assert(h.unit_magnitude == 0 && h.sub_bucket_half_count_magnitude == CORE_HIST__HALF_MAG);
	for (int64_t v = CORE_HIST_LOWEST; v < (1 << 22); v++)
		check_index(&h, v);
	for (int s = 1; s < 36; s++)
		for (int64_t d = -3; d <= 3; d++)
			if ((1LL << s) + d >= CORE_HIST_LOWEST && (1LL << s) + d <= CORE_HIST_HIGHEST)
				check_index(&h, (1LL << s) + d);
	for (int64_t d = 0; d < 4096; d++)
		check_index(&h, CORE_HIST_HIGHEST - d);
	assert(core_hist__index(CORE_HIST_HIGHEST) < h.counts_len);
	{
		uint64_t r = 0x243f6a8885a308d3ull;
		for (int i = 0; i < 2000000; i++) {
			r ^= r << 13, r ^= r >> 7, r ^= r << 17;
			/* log-uniform: a random bit length, then random bits */
			int64_t v = (int64_t)(r >> (28 + (r & 31)));
			if (v >= CORE_HIST_LOWEST && v <= CORE_HIST_HIGHEST)
				check_index(&h, v);
		}
	}

	/* exact below 2048 (3 significant digits, unit 1) */
	for (int64_t v = 1; v <= 1000; v++)
		core_hist_record(&h, v);
	assert(h.total == 1000);
	assert(core_hist_value_at(&h, 50) == 500);
	assert(core_hist_value_at(&h, 99) == 990);
	assert(core_hist_value_at(&h, 100) == 1000);
	assert(core_hist_min(&h) == 1 && core_hist_max(&h) == 1000);

	/* relative precision within 0.1% against a sorted reference */
	core_hist_reset(&h);
	enum { N = 100000 };
	static int64_t vals[N];
	uint64_t x = 88172645463325252ull;
	for (int i = 0; i < N; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		vals[i] = (int64_t)(x % 50000000000ull) + 1;
		core_hist_record(&h, vals[i]);
	}
	qsort(vals, N, sizeof(vals[0]), cmp_i64);
	double ps[] = { 1, 50, 90, 99, 99.9, 100 };
	for (unsigned i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		int64_t rank = (int64_t)ceil(ps[i] / 100.0 * N);
		int64_t exact = vals[rank - 1];
		int64_t got = core_hist_value_at(&h, ps[i]);
		assert(got >= exact && (double)(got - exact) <= exact * 0.001 + 1);
	}

	/* clamping above 60 s is counted, not lost */
	core_hist_record(&h, 100000000000LL);
	assert(h.clamped == 1 && h.total == N + 1);

	/* merge */
	core_hist_reset(&h2);
	for (int64_t v = 1; v <= 10; v++)
		core_hist_record_n(&h2, v * 1000, 3);
	struct core_hist m;
	assert(core_hist_init(&m) == 0);
	core_hist_merge(&m, &h2);
	core_hist_merge(&m, &h2);
	assert(m.total == 60 && core_hist_min(&m) == 1000);
	/* 10000 lies in a bucket of width 8: HdrHistogram reports its highest equivalent */
	assert(core_hist_value_at(&m, 100) == 10007 && core_hist_highest_equivalent(&m, 10000) == 10007);

	/* V2 encoding decodes back to the same counts */
	unsigned char *buf = malloc(core_hist_encode_bound(&h));
	assert(core_hist_encode_v2(&h, buf, 10) == -ENOSPC);
	long n = core_hist_encode_v2(&h, buf, core_hist_encode_bound(&h));
	assert(n > 40);
	assert(core_be32(buf) == 0x1c849313u);
	assert((long)core_be32(buf + 4) == n - 40);
	assert(core_be32(buf + 12) == 3);
	assert((int64_t)core_be64(buf + 24) == CORE_HIST_HIGHEST);
	const unsigned char *p = buf + 40, *end = buf + n;
	int32_t idx = 0;
	int64_t total = 0;
	while (p < end) {
		int64_t c = read_zz(&p);
		if (c < 0) {
			for (int64_t z = 0; z < -c; z++)
				assert(h.counts[idx++] == 0);
		} else {
			assert(h.counts[idx] == c);
			total += c;
			idx++;
		}
	}
	assert(p == end && total == h.total);
	free(buf);

	/* the pair: flip, quiesce only after the writer's next batch */
	struct core_hist_pair pair;
	assert(core_hist_pair_init(&pair) == 0);
	struct core_hist *w = core_hist_pair_begin(&pair);
	core_hist_record(w, 5);
	core_hist_pair_end(&pair);
	struct core_hist *c = core_hist_pair_flip(&pair);
	assert(c == w);
	assert(!core_hist_pair_quiesced(&pair));
	struct core_hist *w2 = core_hist_pair_begin(&pair);
	assert(w2 != c);
	core_hist_record(w2, 7);
	core_hist_pair_end(&pair);
	assert(core_hist_pair_quiesced(&pair));
	assert(c->total == 1 && core_hist_value_at(c, 100) == 5);

	core_hist_pair_fini(&pair);
	core_hist_fini(&m);
	core_hist_fini(&h);
	core_hist_fini(&h2);
	printf("hist ok\n");
	return 0;
}
