/* test_nn_lstm.c - the LSTM forecaster: BPTT gradients match finite
 * differences, it learns a series that needs memory (the target depends on
 * inputs 2 and 5 steps back), its int8 twin tracks it, every kernel path
 * gives bit-identical states and forecasts, and its file is checked. */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn.h"
#include "isa_skip.h"

static struct strat_rng rng = { 2024 };

static void test_gradcheck(void)
{
	struct strat_lstm *m = NULL;
	char err[256];
	assert(strat_lstm_create(3, 4, 5, 11, &m, err, sizeof(err)) == 0);
	size_t np = strat_lstm_nparams(m);
	assert(np == 16 * 3 + 16 * 4 + 16 + 4 + 1);
	float *p = strat_lstm_params(m), *g = strat_lstm_grads(m);
	float z[15];
	unsigned ok = 0, total = 0;
	for (int trial = 0; trial < 3; trial++) {
		for (int i = 0; i < 15; i++)
			z[i] = strat_rng_uniform(&rng) * 4.0f - 2.0f;
		float dy = strat_rng_uniform(&rng) * 2.0f - 1.0f;
		memset(g, 0, np * sizeof(float));
		strat_lstm_backward(m, z, dy);
		for (size_t k = 0; k < np; k++) {
			bool match = false;
			double fd = 0;
			for (float h = 1e-2f; h > 5e-4f && !match; h *= 0.1f) {
				float save = p[k];
				p[k] = save + h;
				double lp = (double)dy * strat_lstm_forward(m, z);
				p[k] = save - h;
				double lm = (double)dy * strat_lstm_forward(m, z);
				p[k] = save;
				fd = (lp - lm) / (2.0 * h);
				match = fabs(fd - g[k]) <= 1e-3 + 1e-2 * fabs(fd);
			}
			total++;
			ok += match;
			if (!match)
				printf("  param %zu: fd %g bptt %g\n", k, fd, g[k]);
		}
	}
	printf("lstm gradient check: %u of %u parameters within tolerance\n", ok, total);
	assert(ok == total);
	strat_lstm_free(m);
	assert(strat_lstm_create(3, 33, 5, 1, &m, err, sizeof(err)) == -EINVAL && strstr(err, "hidden 33"));
}

/* series: x0 uniform in [-1, 1], x1 noise; target of the window ending at t */
#define NIN 2
#define WIN 8
static float target(const int32_t *x, size_t t)
{
	return 0.8f * (float)x[t * NIN] / 65536.0f - 0.5f * (float)x[(t - 2) * NIN] / 65536.0f +
	       0.3f * (float)x[(t - 5) * NIN] / 65536.0f;
}

static double r2(const float *y, const float *p, size_t n)
{
	double m = 0, ss = 0, se = 0;
	for (size_t i = 0; i < n; i++)
		m += y[i];
	m /= (double)n;
	for (size_t i = 0; i < n; i++) {
		ss += (y[i] - m) * (y[i] - m);
		se += (y[i] - p[i]) * (y[i] - p[i]);
	}
	return 1.0 - se / ss;
}

static void test_learn(void)
{
	enum { N = 6000, SPLIT = 4500 };
	int32_t *x = malloc(N * NIN * sizeof(int32_t));
	assert(x);
	for (size_t i = 0; i < N * NIN; i++)
		x[i] = (int32_t)((strat_rng_uniform(&rng) * 2.0f - 1.0f) * 65536.0f);
	struct strat_lstm *m = NULL;
	char err[256];
	assert(strat_lstm_create(NIN, 16, WIN, 3, &m, err, sizeof(err)) == 0);
	float mean[NIN] = { 0, 0 }, sd[NIN] = { 0.577f, 0.577f };
	strat_lstm_set_norm(m, mean, sd);
	struct strat_adam_cfg ac = { .lr = 5e-3f };
	float z[WIN * NIN];
	for (int step = 0; step < 1500; step++) {
		for (int b = 0; b < 16; b++) {
			size_t t = WIN - 1 + strat_rng_next(&rng) % (SPLIT - WIN);
			for (int k = 0; k < WIN; k++)
				strat_lstm_normalize(m, x + (t - WIN + 1 + k) * NIN, z + k * NIN);
			float y = strat_lstm_forward(m, z);
			strat_lstm_backward(m, z, y - target(x, t));
		}
		strat_lstm_adam_step(m, &ac, 1.0f / 16);
	}
	struct strat_qlstm *q = NULL;
	assert(strat_qlstm_quantize(m, x, SPLIT, NIN, 0, &q, err, sizeof(err)) == 0);
	size_t nh = N - SPLIT;
	float *y = malloc(nh * sizeof(float)), *pf = malloc(nh * sizeof(float)),
	      *pq = malloc(nh * sizeof(float));
	assert(y && pf && pq);
	for (size_t i = 0; i < nh; i++) {
		size_t t = SPLIT + i;
		y[i] = target(x, t);
		for (int k = 0; k < WIN; k++)
			strat_lstm_normalize(m, x + (t - WIN + 1 + k) * NIN, z + k * NIN);
		pf[i] = strat_lstm_forward(m, z);
		assert(strat_qlstm_forecast(q, STRAT_NN_PATH_AUTO, x + (t - WIN + 1) * NIN, NIN, &pq[i],
					    NULL) == 0);
	}
	double rf = r2(y, pf, nh), rq = r2(y, pq, nh), rfq = r2(pf, pq, nh);
	printf("lstm: held-out R^2 float %.4f, int8 %.4f; int8 explains %.4f of the float forecast\n",
	       rf, rq, rfq);
	assert(rf > 0.9);
	assert(rq > 0.85);
	assert(rfq > 0.95);

	/* streaming: one step per row equals the windowed forecast at the window's end */
	struct strat_qlstm_state st;
	memset(&st, 0, sizeof(st));
	for (int k = 0; k < WIN; k++)
		assert(strat_qlstm_step(q, STRAT_NN_PATH_SCALAR, &st, x + (SPLIT - WIN + 1 + k) * NIN) == 0);
	assert(strat_qlstm_output(q, &st) == pq[0]);
	free(y);
	free(pf);
	free(pq);
	free(x);
	strat_qlstm_free(q);
	strat_lstm_free(m);
}

static void test_paths_and_file(void)
{
	static const uint32_t shapes[][3] = { { 14, 32, 16 }, { 13, 7, 5 }, { 1, 1, 1 }, { 32, 32, 64 } };
	unsigned checked = 0;
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		uint32_t nin = shapes[s][0], H = shapes[s][1], N = shapes[s][2];
		struct strat_lstm *m = NULL;
		char err[256];
		assert(strat_lstm_create(nin, H, N, 40 + s, &m, err, sizeof(err)) == 0);
		float *p = strat_lstm_params(m);
		for (size_t i = 0; i < strat_lstm_nparams(m); i++)
			p[i] *= 3.0f; /* saturate some gates too */
		size_t rows = 256;
		int32_t *x = malloc(rows * nin * sizeof(int32_t));
		for (size_t i = 0; i < rows * nin; i++) {
			uint64_t r = strat_rng_next(&rng);
			x[i] = (r & 31) == 0 ? ((r >> 8) & 1 ? INT32_MAX : INT32_MIN)
					     : (int32_t)((strat_rng_uniform(&rng) * 2.0f - 1.0f) * 65536.0f * 3.0f);
		}
		struct strat_qlstm *q = NULL;
		assert(strat_qlstm_quantize(m, x, rows, nin, 0xabc, &q, err, sizeof(err)) == 0);
		struct strat_qlstm_state st[3];
		memset(st, 0, sizeof(st));
		for (size_t t = 0; t < rows; t++) {
			for (int pth = 0; pth < 3; pth++) {
				enum strat_nn_path path = (enum strat_nn_path)(STRAT_NN_PATH_SCALAR + pth);
				if (!strat_nn_path_supported(path))
					continue;
				assert(strat_qlstm_step(q, path, &st[pth], x + t * nin) == 0);
				assert(memcmp(&st[pth], &st[0], sizeof(st[0])) == 0);
				float a = strat_qlstm_output(q, &st[pth]), b = strat_qlstm_output(q, &st[0]);
				assert(memcmp(&a, &b, sizeof(a)) == 0);
				checked++;
			}
		}
		/* file round trip and refusals */
		size_t n = strat_qlstm_file_bytes(q);
		unsigned char *img = malloc(n), *img2 = malloc(n);
		assert(strat_qlstm_serialize(q, img, n) == (long)n);
		assert(strat_qlstm_serialize(q, img, n - 1) == -ENOSPC);
		struct strat_qlstm *q2 = NULL;
		assert(strat_qlstm_parse("l.onn", img, n, 0xabc, &q2, err, sizeof(err)) == 0);
		assert(strat_qlstm_serialize(q2, img2, n) == (long)n && memcmp(img, img2, n) == 0);
		float y1, y2;
		assert(strat_qlstm_forecast(q, STRAT_NN_PATH_AUTO, x, nin, &y1, NULL) == 0);
		assert(strat_qlstm_forecast(q2, STRAT_NN_PATH_SCALAR, x, nin, &y2, NULL) == 0);
		assert(memcmp(&y1, &y2, sizeof(y1)) == 0);
		strat_qlstm_free(q2);
		assert(strat_qlstm_parse("l.onn", img, n, 0xabd, &q2, err, sizeof(err)) == -EINVAL &&
		       strstr(err, "schema hash mismatch"));
		for (size_t len = 0; len < n; len += 7)
			assert(strat_qlstm_parse("l.onn", img, len, 0, &q2, err, sizeof(err)) == -EINVAL &&
			       strstr(err, "truncated"));
		for (size_t i = 0; i < n; i += 3) {
			memcpy(img2, img, n);
			img2[i] ^= 0x01;
			assert(strat_qlstm_parse("l.onn", img2, n, 0, &q2, err, sizeof(err)) == -EINVAL);
		}
		free(img);
		free(img2);
		free(x);
		strat_qlstm_free(q);
		strat_lstm_free(m);
	}
	printf("lstm paths: %u steps bit-identical across paths; files round-trip and refusals ok\n",
	       checked);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	bool avx2 = strat_nn_path_supported(STRAT_NN_PATH_AVX2);
	bool avx512 = strat_nn_path_supported(STRAT_NN_PATH_AVX512);
	isa_skip_report(avx2, avx512);
	test_gradcheck();
	test_paths_and_file();
	test_learn();
	isa_skip_exit_if_scalar_only(avx2, avx512);
	printf("ok\n");
	return 0;
}
