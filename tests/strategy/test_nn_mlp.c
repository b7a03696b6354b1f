/* test_nn_mlp.c - the float MLP and its int8 export: every kernel path gives
 * bit-identical accumulators and outputs (and equals a reference written from
 * the documented file semantics), int8 tracks float, the backward pass
 * matches finite differences, and the .onn loader refuses corrupt, truncated
 * and mismatched files with a message naming the problem. */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "learn.h"
#include "isa_skip.h"

static struct strat_rng rng = { 12345 };

static int32_t rand_q16(void)
{
	/* mostly moderate values, sometimes extreme ones */
	uint64_t r = strat_rng_next(&rng);
	switch (r & 15) {
	case 0:
		return (r >> 8) & 1 ? INT32_MAX : INT32_MIN;
	case 1:
		return (int32_t)(uint32_t)(r >> 16);
	default:
		return (int32_t)((float)(strat_rng_uniform(&rng) * 2.0f - 1.0f) * 65536.0f * 8.0f);
	}
}

static struct strat_mlp *make_mlp(const uint32_t *sizes, unsigned n, uint64_t seed, bool biases)
{
	struct strat_mlp *m = NULL;
	char err[256];
	int r = strat_mlp_create(sizes, n, seed, &m, err, sizeof(err));
	if (r)
		fprintf(stderr, "%s\n", err);
	assert(r == 0);
	if (biases) {
		float *p = strat_mlp_params(m);
		size_t off = 0;
		for (unsigned l = 0; l + 1 < n; l++) {
			off += (size_t)sizes[l] * sizes[l + 1];
			for (unsigned j = 0; j < sizes[l + 1]; j++)
				p[off + j] = strat_rng_uniform(&rng) - 0.4f;
			off += sizes[l + 1];
		}
		float mean[STRAT_NN_MAX_WIDTH], sd[STRAT_NN_MAX_WIDTH];
		for (unsigned i = 0; i < sizes[0]; i++) {
			mean[i] = strat_rng_uniform(&rng) - 0.5f;
			sd[i] = 0.5f + 4.0f * strat_rng_uniform(&rng);
		}
		strat_mlp_set_norm(m, mean, sd);
	}
	return m;
}

static struct strat_qmlp *quantize(struct strat_mlp *m, unsigned in, size_t rows, uint64_t hash)
{
	int32_t *cal = malloc(rows * in * sizeof(int32_t));
	assert(cal);
	for (size_t i = 0; i < rows * in; i++)
		cal[i] = (int32_t)((strat_rng_uniform(&rng) * 2.0f - 1.0f) * 65536.0f * 6.0f);
	struct strat_qmlp *q = NULL;
	char err[256];
	int r = strat_qmlp_quantize(m, cal, rows, in, hash, &q, err, sizeof(err));
	if (r)
		fprintf(stderr, "%s\n", err);
	assert(r == 0);
	free(cal);
	return q;
}

/* ------------------------------------------------------------------------- */
/* An independent reference of the documented semantics, read from the file
 * image (not from the library's in-memory layout). */

struct ref {
	unsigned ns;
	uint32_t sizes[8];
	float a[64], b[64];
	float scale[4][64];
	int32_t bias[4][64];
	int8_t w[4][64 * 64];
};

static void ref_open(struct ref *r, const unsigned char *img)
{
	memcpy(&r->ns, img + 24, 4);
	memcpy(r->sizes, img + 32, 4 * r->ns);
	const unsigned char *p = img + 64 + 4 * (r->ns - 1);
	memcpy(r->a, p, 4 * r->sizes[0]);
	p += 4 * r->sizes[0];
	memcpy(r->b, p, 4 * r->sizes[0]);
	p += 4 * r->sizes[0];
	for (unsigned l = 0; l + 1 < r->ns; l++) {
		memcpy(r->scale[l], p, 4 * r->sizes[l + 1]);
		p += 4 * r->sizes[l + 1];
		memcpy(r->bias[l], p, 4 * r->sizes[l + 1]);
		p += 4 * r->sizes[l + 1];
		memcpy(r->w[l], p, r->sizes[l + 1] * r->sizes[l]);
		p += r->sizes[l + 1] * r->sizes[l];
	}
}

static float clampf(float v, float lo, float hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static void ref_run(const struct ref *r, const int32_t *x, int32_t *trace, float *out)
{
	int32_t cur[64], nxt[64];
	for (unsigned i = 0; i < r->sizes[0]; i++) {
		float f = (float)x[i] * r->a[i];
		f = f - r->b[i];
		cur[i] = (int32_t)nearbyintf(clampf(f, -127.0f, 127.0f));
	}
	for (unsigned l = 0; l + 1 < r->ns; l++) {
		unsigned in = r->sizes[l], outn = r->sizes[l + 1];
		for (unsigned j = 0; j < outn; j++) {
			int64_t acc = r->bias[l][j];
			for (unsigned i = 0; i < in; i++)
				acc += (int64_t)r->w[l][j * in + i] * cur[i];
			assert(acc >= INT32_MIN && acc <= INT32_MAX);
			*trace++ = (int32_t)acc;
			if (l + 2 == r->ns)
				out[j] = (float)acc * r->scale[l][j];
			else
				nxt[j] = (int32_t)nearbyintf(clampf((float)acc * r->scale[l][j], 0.0f, 255.0f));
		}
		memcpy(cur, nxt, sizeof(cur));
	}
}

static void test_paths(void)
{
	static const uint32_t shapes[][6] = {
		{ 4, 32, 64, 64, 3 }, { 4, 13, 17, 5, 3 }, { 2, 1, 1 }, { 5, 64, 64, 64, 64, 64 },
		{ 3, 7, 33, 2 }, { 3, 14, 64, 3 }, { 4, 63, 47, 31, 15 },
	};
	enum strat_nn_path paths[] = { STRAT_NN_PATH_SCALAR, STRAT_NN_PATH_AVX2, STRAT_NN_PATH_AVX512 };
	unsigned checked[3] = { 0 };
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		unsigned n = shapes[s][0];
		const uint32_t *sz = &shapes[s][1];
		struct strat_mlp *m = make_mlp(sz, n, 100 + s, true);
		struct strat_qmlp *q = quantize(m, sz[0], 64, 0x1234);
		struct strat_qmlp_info info;
		strat_qmlp_info(q, &info);
		unsigned char *img = malloc(info.file_bytes);
		assert(img && strat_qmlp_serialize(q, img, info.file_bytes) == (long)info.file_bytes);
		static struct ref ref;
		ref_open(&ref, img);
		size_t tl = strat_qmlp_trace_len(q);
		int32_t x[64], tr[3][5 * 64], rtr[5 * 64];
		float out[3][64], rout[64];
		for (int it = 0; it < 3000; it++) {
			for (unsigned i = 0; i < sz[0]; i++)
				x[i] = rand_q16();
			ref_run(&ref, x, rtr, rout);
			int am[3];
			for (int p = 0; p < 3; p++) {
				if (!strat_nn_path_supported(paths[p])) {
					am[p] = -1;
					continue;
				}
				memset(tr[p], 0xa5, sizeof(tr[p]));
				am[p] = strat_qmlp_forward_path(q, paths[p], x, tr[p], out[p]);
				assert(am[p] >= 0 && am[p] < (int)sz[n - 1]);
				assert(memcmp(tr[p], rtr, tl * sizeof(int32_t)) == 0);
				assert(memcmp(out[p], rout, sz[n - 1] * sizeof(float)) == 0);
				checked[p]++;
			}
			for (int p = 1; p < 3; p++)
				if (am[p] >= 0)
					assert(am[p] == am[0]);
			assert(strat_qmlp_forward(q, x, NULL) == am[0]);
		}
		free(img);
		strat_qmlp_free(q);
		strat_mlp_free(m);
	}
	printf("paths: scalar %u, avx2 %u, avx512 %u rows bit-identical to the reference\n",
	       checked[0], checked[1], checked[2]);
	assert(checked[0] > 0);

	/* forcing a path */
	assert(strat_nn_path_select(STRAT_NN_PATH_SCALAR) == 0);
	assert(strat_nn_path_active() == STRAT_NN_PATH_SCALAR);
	if (strat_nn_path_supported(STRAT_NN_PATH_AVX512)) {
		assert(strat_nn_path_select(STRAT_NN_PATH_AVX512) == 0);
		assert(strat_nn_path_active() == STRAT_NN_PATH_AVX512);
	} else {
		assert(strat_nn_path_select(STRAT_NN_PATH_AVX512) == -ENOTSUP);
	}
	assert(strat_nn_path_select((enum strat_nn_path)9) == -EINVAL);
	assert(strat_nn_path_select(STRAT_NN_PATH_AUTO) == 0);
	printf("active path: %s\n", strat_nn_path_name(strat_nn_path_active()));
}

/* int8 outputs track the float network: small error relative to the output
 * range, and the same argmax where the float margin is clear. */
static void test_agreement(void)
{
	static const uint32_t sz[] = { 32, 64, 64, 3 };
	struct strat_mlp *m = make_mlp(sz, 4, 7, true);
	enum { ROWS = 4000 };
	int32_t *x = malloc(ROWS * 32 * sizeof(int32_t));
	assert(x);
	for (size_t i = 0; i < ROWS * 32; i++)
		x[i] = (int32_t)((strat_rng_uniform(&rng) * 2.0f - 1.0f) * 65536.0f * 3.0f);
	struct strat_qmlp *q = NULL;
	char err[256];
	assert(strat_qmlp_quantize(m, x, ROWS / 2, 32, 1, &q, err, sizeof(err)) == 0);
	double err_sum = 0, range_sum = 0;
	unsigned agree = 0, clear = 0, clear_agree = 0;
	for (size_t r = ROWS / 2; r < ROWS; r++) { /* held out from calibration */
		float z[32], of[3], oq[3];
		strat_mlp_normalize(m, x + r * 32, z);
		strat_mlp_forward(m, z, of);
		int aq = strat_qmlp_forward(q, x + r * 32, oq);
		int af = 0;
		float lo = of[0], hi = of[0];
		for (int j = 1; j < 3; j++) {
			if (of[j] > of[af])
				af = j;
			lo = fminf(lo, of[j]);
			hi = fmaxf(hi, of[j]);
		}
		for (int j = 0; j < 3; j++)
			err_sum += fabs(of[j] - oq[j]);
		range_sum += 3 * (hi - lo);
		agree += af == aq;
		float second = -INFINITY;
		for (int j = 0; j < 3; j++)
			if (j != af && of[j] > second)
				second = of[j];
		if (of[af] - second > 0.05f * (hi - lo)) {
			clear++;
			clear_agree += af == aq;
		}
	}
	double rel = err_sum / range_sum;
	printf("int8 vs float: mean |error| %.4f of the output range, argmax agreement %.2f%%, "
	       "%.2f%% where the float margin is > 5%% of the range\n",
	       rel, 100.0 * agree / (ROWS / 2), 100.0 * clear_agree / clear);
	assert(rel < 0.03);
	assert(agree >= 0.95 * (ROWS / 2));
	assert(clear_agree >= 0.99 * clear);
	free(x);
	strat_qmlp_free(q);
	strat_mlp_free(m);
}

/* Backward pass vs central finite differences of L = sum_j c_j out_j (in
 * double from float forward passes). */
static void test_gradcheck(void)
{
	static const uint32_t sz[] = { 5, 7, 6, 3 };
	struct strat_mlp *m = make_mlp(sz, 4, 99, true);
	size_t np = strat_mlp_nparams(m);
	assert(np == 5 * 7 + 7 + 7 * 6 + 6 + 6 * 3 + 3);
	float *p = strat_mlp_params(m), *g = strat_mlp_grads(m);
	unsigned ok = 0, total = 0;
	for (int trial = 0; trial < 5; trial++) {
		float z[5], c[3], out[3];
		for (int i = 0; i < 5; i++)
			z[i] = strat_rng_uniform(&rng) * 4.0f - 2.0f;
		for (int j = 0; j < 3; j++)
			c[j] = strat_rng_uniform(&rng) * 2.0f - 1.0f;
		strat_mlp_zero_grad(m);
		strat_mlp_backward(m, z, c);
		for (size_t k = 0; k < np; k++) {
			/* a ReLU kink within +-h spoils a difference: retry with a smaller h */
			bool match = false;
			double fd = 0;
			for (float h = 1e-2f; h > 5e-4f && !match; h *= 0.1f) {
				float save = p[k];
				double lp = 0, lm = 0;
				p[k] = save + h;
				strat_mlp_forward(m, z, out);
				for (int j = 0; j < 3; j++)
					lp += (double)c[j] * out[j];
				p[k] = save - h;
				strat_mlp_forward(m, z, out);
				for (int j = 0; j < 3; j++)
					lm += (double)c[j] * out[j];
				p[k] = save;
				fd = (lp - lm) / (2.0 * h);
				match = fabs(fd - g[k]) <= 2e-3 + 1e-2 * fabs(fd);
			}
			total++;
			if (match)
				ok++;
			else if (getenv("NN_DEBUG"))
				printf("  param %zu: fd %g analytic %g\n", k, fd, g[k]);
		}
	}
	printf("gradient check: %u of %u parameters within tolerance\n", ok, total);
	assert(ok >= total * 0.995);

	/* SGD on the same loss lowers it */
	float z[5] = { 0.5f, -1.0f, 0.25f, 1.5f, -0.5f }, c[3] = { 1.0f, -0.5f, 0.25f }, out[3];
	strat_mlp_forward(m, z, out);
	double l0 = c[0] * out[0] + c[1] * out[1] + c[2] * out[2];
	strat_mlp_zero_grad(m);
	strat_mlp_backward(m, z, c);
	strat_mlp_sgd_step(m, 1e-3f, 1.0f);
	strat_mlp_forward(m, z, out);
	double l1 = c[0] * out[0] + c[1] * out[1] + c[2] * out[2];
	assert(l1 < l0);
	for (size_t k = 0; k < np; k++)
		assert(g[k] == 0.0f);
	strat_mlp_free(m);

	/* Adam fits a small regression target */
	static const uint32_t s2[] = { 2, 16, 1 };
	m = make_mlp(s2, 3, 5, false);
	struct strat_adam_cfg ac = { .lr = 1e-2f };
	double first = 0, last = 0;
	for (int step = 0; step < 600; step++) {
		double loss = 0;
		for (int b = 0; b < 16; b++) {
			float zz[2] = { strat_rng_uniform(&rng) * 2 - 1, strat_rng_uniform(&rng) * 2 - 1 };
			float y = 0.7f * zz[0] - 0.3f * zz[1] + 0.2f, o;
			strat_mlp_forward(m, zz, &o);
			float d = o - y;
			loss += (double)d * d;
			strat_mlp_backward(m, zz, &d);
		}
		strat_mlp_adam_step(m, &ac, 1.0f / 16);
		if (step == 0)
			first = loss;
		last = loss;
	}
	printf("adam: loss %.4f -> %.6f\n", first, last);
	assert(last < first * 0.01);
	strat_mlp_free(m);

	char err[128];
	uint32_t bad[] = { 3, 65, 2 };
	assert(strat_mlp_create(bad, 3, 1, &m, err, sizeof(err)) == -EINVAL && strstr(err, "sizes[1]"));
	assert(strat_mlp_create(bad, 1, 1, &m, err, sizeof(err)) == -EINVAL);
}

static uint64_t fnv(const unsigned char *b, size_t n)
{
	return core_fnv1a(CORE_FNV_OFFSET, b, n); /* the file format's checksum */
}

static int parse(const unsigned char *b, size_t n, uint64_t hash, char *err, size_t el)
{
	struct strat_qmlp *q = NULL;
	int r = strat_qmlp_parse("m.onn", b, n, hash, &q, err, el);
	if (r == 0)
		strat_qmlp_free(q);
	else
		assert(q == NULL);
	return r;
}

static void test_file(void)
{
	static const uint32_t sz[] = { 14, 64, 64, 3 };
	const char *extra[] = { "position" };
	uint64_t hash = strat_nn_schema_hash(extra, 1);
	assert(hash != strat_nn_schema_hash(NULL, 0));
	struct strat_mlp *m = make_mlp(sz, 4, 3, true);
	struct strat_qmlp *q = quantize(m, 14, 100, hash);
	char path[] = "/tmp/osprey-test-nn-XXXXXX";
	int fd = mkstemp(path);
	assert(fd >= 0);
	close(fd);
	char err[512];
	int r = strat_qmlp_save(q, path, err, sizeof(err));
	if (r)
		fprintf(stderr, "%s\n", err);
	assert(r == 0);
	struct strat_qmlp *q2 = NULL;
	assert(strat_qmlp_load(path, hash, &q2, err, sizeof(err)) == 0);
	struct strat_qmlp_info info;
	strat_qmlp_info(q, &info);
	size_t n = info.file_bytes;
	unsigned char *a = malloc(n), *b = malloc(n + 8);
	assert(strat_qmlp_serialize(q, a, n) == (long)n);
	assert(strat_qmlp_serialize(q2, b, n) == (long)n);
	assert(memcmp(a, b, n) == 0);
	assert(strat_qmlp_serialize(q, b, n - 1) == -ENOSPC);
	for (int it = 0; it < 200; it++) {
		int32_t x[14];
		float o1[3], o2[3];
		for (int i = 0; i < 14; i++)
			x[i] = rand_q16();
		assert(strat_qmlp_forward(q, x, o1) == strat_qmlp_forward(q2, x, o2));
		assert(memcmp(o1, o2, sizeof(o1)) == 0);
	}
	strat_qmlp_free(q2);
	assert(parse(a, n, 0, err, sizeof(err)) == 0);

	/* truncated at every length */
	for (size_t len = 0; len < n; len++) {
		assert(parse(a, len, hash, err, sizeof(err)) == -EINVAL);
		assert(strstr(err, "truncated"));
	}
	memcpy(b, a, n);
	b[n] = 0;
	assert(parse(b, n + 1, hash, err, sizeof(err)) == -EINVAL && strstr(err, "trailing"));
	/* every flipped byte is refused */
	unsigned by_checksum = 0;
	for (size_t i = 0; i < n; i++) {
		memcpy(b, a, n);
		b[i] ^= 0x10;
		assert(parse(b, n, hash, err, sizeof(err)) == -EINVAL);
		by_checksum += strstr(err, "checksum") != NULL;
	}
	printf("file: %zu bytes; %zu truncations and %zu flipped bytes refused (%u by the checksum)\n",
	       n, n, n, by_checksum);
	assert(by_checksum > n / 2);
	/* schema mismatch */
	assert(parse(a, n, hash ^ 1, err, sizeof(err)) == -EINVAL);
	assert(strstr(err, "schema hash mismatch"));
	printf("  e.g. %s\n", err);
	/* semantic errors behind a valid checksum */
	memcpy(b, a, n);
	b[8] = 2;
	uint64_t cs = fnv(b, n - 8);
	memcpy(b + n - 8, &cs, 8);
	assert(parse(b, n, hash, err, sizeof(err)) == -EINVAL && strstr(err, "version 2"));
	memcpy(b, a, n);
	b[n - 9] = 0x80; /* the last weight: -128 */
	cs = fnv(b, n - 8);
	memcpy(b + n - 8, &cs, 8);
	assert(parse(b, n, hash, err, sizeof(err)) == -EINVAL && strstr(err, "-128"));
	memcpy(b, a, n);
	uint32_t big = 65;
	memcpy(b + 36, &big, 4);
	cs = fnv(b, n - 8);
	memcpy(b + n - 8, &cs, 8);
	assert(parse(b, n, hash, err, sizeof(err)) == -EINVAL && strstr(err, "sizes[1]"));
	memcpy(b, a, n);
	float nan = NAN;
	memcpy(b + 64, &nan, 4);
	cs = fnv(b, n - 8);
	memcpy(b + n - 8, &cs, 8);
	assert(parse(b, n, hash, err, sizeof(err)) == -EINVAL && strstr(err, "activation scale 0"));

	/* a truncated file on disk */
	FILE *f = fopen(path, "wb");
	assert(f && fwrite(a, 1, n / 2, f) == n / 2);
	fclose(f);
	assert(strat_qmlp_load(path, hash, &q2, err, sizeof(err)) == -EINVAL);
	assert(strstr(err, path) && strstr(err, "truncated"));
	unlink(path);
	assert(strat_qmlp_load(path, hash, &q2, err, sizeof(err)) == -ENOENT && strstr(err, path));
	free(a);
	free(b);
	strat_qmlp_free(q);
	strat_mlp_free(m);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	bool avx2 = strat_nn_path_supported(STRAT_NN_PATH_AVX2);
	bool avx512 = strat_nn_path_supported(STRAT_NN_PATH_AVX512);
	isa_skip_report(avx2, avx512);
	test_paths();
	test_agreement();
	test_gradcheck();
	test_file();
	isa_skip_exit_if_scalar_only(avx2, avx512);
	printf("ok\n");
	return 0;
}
