/* lstm.c - a one-layer LSTM forecaster: float training by backpropagation
 * through time, and its int8 twin (gate matmuls on the lstm_simd.c kernels,
 * table nonlinearities, an integer cell). See learn.h "LSTM forecaster". */
#include <errno.h>
#include <immintrin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "learn_internal.h"
#include "qmlp_internal.h"

#define LUT_HALF 512 /* table index k = rint(clamp(pre * 64, -512, 512)) + 512 */
#define Q15 32768
#define C_LIMIT (16 * Q15)

struct strat_lstm {
	uint32_t nin, H, N, G; /* G = 4H */
	size_t np, owh, ob, owy, oby;
	float *p, *g, *am, *av;
	uint64_t adam_t;
	float mean[STRAT_LSTM_MAX_IN], std[STRAT_LSTM_MAX_IN];
	float na[STRAT_LSTM_MAX_IN], nb[STRAT_LSTM_MAX_IN];
	/* workspace of the last forward pass */
	float x[STRAT_LSTM_MAX_WINDOW][STRAT_LSTM_MAX_IN];
	float act[STRAT_LSTM_MAX_WINDOW][4 * STRAT_LSTM_MAX_HIDDEN];
	float c[STRAT_LSTM_MAX_WINDOW + 1][STRAT_LSTM_MAX_HIDDEN];
	float h[STRAT_LSTM_MAX_WINDOW + 1][STRAT_LSTM_MAX_HIDDEN];
	float tc[STRAT_LSTM_MAX_WINDOW][STRAT_LSTM_MAX_HIDDEN];
};

static float sigm(float a)
{
	return 1.0f / (1.0f + expf(-a));
}

static void lnorm_update(struct strat_lstm *m)
{
	for (unsigned i = 0; i < STRAT_LSTM_MAX_IN; i++) {
		m->na[i] = 1.0f / (65536.0f * m->std[i]);
		m->nb[i] = m->mean[i] / m->std[i];
	}
}

int strat_lstm_create(uint32_t nin, uint32_t hidden, uint32_t window, uint64_t seed,
		      struct strat_lstm **ret, char *err, size_t errlen)
{
	if (nin < 1 || nin > STRAT_LSTM_MAX_IN || hidden < 1 || hidden > STRAT_LSTM_MAX_HIDDEN ||
	    window < 1 || window > STRAT_LSTM_MAX_WINDOW) {
		core_errf(err, errlen, "lstm: nin %u (1..%d), hidden %u (1..%d), window %u (1..%d)",
		          nin, STRAT_LSTM_MAX_IN, hidden, STRAT_LSTM_MAX_HIDDEN, window,
		          STRAT_LSTM_MAX_WINDOW);
		return -EINVAL;
	}
	struct strat_lstm *m = core_alloc(sizeof(*m), CORE_CACHE_LINE);
	if (!m)
		goto fail_nomem;
	m->nin = nin;
	m->H = hidden;
	m->N = window;
	m->G = 4 * hidden;
	m->owh = (size_t)m->G * nin;
	m->ob = m->owh + (size_t)m->G * hidden;
	m->owy = m->ob + m->G;
	m->oby = m->owy + hidden;
	m->np = m->oby + 1;
	m->p = core_alloc(4 * m->np * sizeof(float), CORE_CACHE_LINE);
	if (!m->p) {
		core_free(m);
		goto fail_nomem;
	}
	m->g = m->p + m->np;
	m->am = m->g + m->np;
	m->av = m->am + m->np;
	struct strat_rng rng = { seed };
	float lim = 1.0f / sqrtf((float)hidden);
	for (size_t i = 0; i < m->ob; i++)
		m->p[i] = (2.0f * strat_rng_uniform(&rng) - 1.0f) * lim;
	for (uint32_t j = 0; j < hidden; j++) {
		m->p[m->ob + hidden + j] = 1.0f; /* forget gate bias */
		m->p[m->owy + j] = (2.0f * strat_rng_uniform(&rng) - 1.0f) * lim;
	}
	for (unsigned i = 0; i < STRAT_LSTM_MAX_IN; i++)
		m->std[i] = 1.0f;
	lnorm_update(m);
	*ret = m;
	return 0;
fail_nomem:
	core_errf(err, errlen, "lstm: out of memory");
	return -ENOMEM;
}

struct strat_lstm *strat_lstm_free(struct strat_lstm *m)
{
	if (m) {
		core_free(m->p);
		core_free(m);
	}
	return NULL;
}

size_t strat_lstm_nparams(const struct strat_lstm *m)
{
	return m->np;
}

float *strat_lstm_params(struct strat_lstm *m)
{
	return m->p;
}

float *strat_lstm_grads(struct strat_lstm *m)
{
	return m->g;
}

void strat_lstm_set_norm(struct strat_lstm *m, const float *mean, const float *std)
{
	for (unsigned i = 0; i < m->nin; i++) {
		m->mean[i] = mean[i];
		m->std[i] = std[i] > 0.0f ? std[i] : 1.0f;
	}
	lnorm_update(m);
}

void strat_lstm_normalize(const struct strat_lstm *m, const int32_t *x, float *ret_z)
{
	for (unsigned i = 0; i < m->nin; i++)
		ret_z[i] = (float)x[i] * m->na[i] - m->nb[i];
}

float strat_lstm_forward(struct strat_lstm *m, const float *z)
{
	uint32_t H = m->H, G = m->G, nin = m->nin;
	const float *wx = m->p, *wh = m->p + m->owh, *b = m->p + m->ob;
	memset(m->c[0], 0, sizeof(m->c[0]));
	memset(m->h[0], 0, sizeof(m->h[0]));
	for (uint32_t t = 0; t < m->N; t++) {
		memcpy(m->x[t], z + (size_t)t * nin, nin * sizeof(float));
		float *a = m->act[t];
		for (uint32_t r = 0; r < G; r++) {
			float s = b[r];
			const float *wr = wx + (size_t)r * nin;
			for (uint32_t i = 0; i < nin; i++)
				s += wr[i] * m->x[t][i];
			wr = wh + (size_t)r * H;
			for (uint32_t k = 0; k < H; k++)
				s += wr[k] * m->h[t][k];
			a[r] = (r >= 2 * H && r < 3 * H) ? tanhf(s) : sigm(s);
		}
		for (uint32_t j = 0; j < H; j++) {
			float c = a[H + j] * m->c[t][j] + a[j] * a[2 * H + j];
			m->c[t + 1][j] = c;
			m->tc[t][j] = tanhf(c);
			m->h[t + 1][j] = a[3 * H + j] * m->tc[t][j];
		}
	}
	float y = m->p[m->oby];
	for (uint32_t j = 0; j < H; j++)
		y += m->p[m->owy + j] * m->h[m->N][j];
	return y;
}

void strat_lstm_backward(struct strat_lstm *m, const float *z, float dy)
{
	strat_lstm_forward(m, z);
	uint32_t H = m->H, G = m->G, nin = m->nin;
	const float *wh = m->p + m->owh;
	float *gwx = m->g, *gwh = m->g + m->owh, *gb = m->g + m->ob;
	float dh[STRAT_LSTM_MAX_HIDDEN], dc[STRAT_LSTM_MAX_HIDDEN] = { 0 };
	float da[4 * STRAT_LSTM_MAX_HIDDEN];
	for (uint32_t j = 0; j < H; j++) {
		dh[j] = dy * m->p[m->owy + j];
		m->g[m->owy + j] += dy * m->h[m->N][j];
	}
	m->g[m->oby] += dy;
	for (uint32_t t = m->N; t-- > 0;) {
		const float *a = m->act[t];
		for (uint32_t j = 0; j < H; j++) {
			float i = a[j], f = a[H + j], g = a[2 * H + j], o = a[3 * H + j], tc = m->tc[t][j];
			float d_o = dh[j] * tc;
			float dcj = dc[j] + dh[j] * o * (1.0f - tc * tc);
			da[j] = dcj * g * i * (1.0f - i);
			da[H + j] = dcj * m->c[t][j] * f * (1.0f - f);
			da[2 * H + j] = dcj * i * (1.0f - g * g);
			da[3 * H + j] = d_o * o * (1.0f - o);
			dc[j] = dcj * f;
		}
		for (uint32_t r = 0; r < G; r++) {
			float *gr = gwx + (size_t)r * nin;
			for (uint32_t i = 0; i < nin; i++)
				gr[i] += da[r] * m->x[t][i];
			gr = gwh + (size_t)r * H;
			for (uint32_t k = 0; k < H; k++)
				gr[k] += da[r] * m->h[t][k];
			gb[r] += da[r];
		}
		for (uint32_t k = 0; k < H; k++) {
			float s = 0.0f;
			for (uint32_t r = 0; r < G; r++)
				s += wh[(size_t)r * H + k] * da[r];
			dh[k] = s;
		}
	}
}

void strat_lstm_adam_step(struct strat_lstm *m, const struct strat_adam_cfg *cfg, float grad_scale)
{
	m->adam_t++;
	learn__adam(m->p, m->g, m->am, m->av, m->np, m->adam_t, cfg, grad_scale);
}

/* ------------------------------------------------------------------------- */
/* Int8 twin */

struct strat_qlstm {
	uint32_t nin, H, N, G, gpad, xpairs, hpairs;
	uint64_t schema_hash;
	float s_x;
	float in_a[STRAT_LSTM_MAX_IN], in_b[STRAT_LSTM_MAX_IN];
	float mx[4 * STRAT_LSTM_MAX_HIDDEN], mh[4 * STRAT_LSTM_MAX_HIDDEN], b[4 * STRAT_LSTM_MAX_HIDDEN];
	int8_t wxq[4 * STRAT_LSTM_MAX_HIDDEN * STRAT_LSTM_MAX_IN];
	int8_t whq[4 * STRAT_LSTM_MAX_HIDDEN * STRAT_LSTM_MAX_HIDDEN];
	float sy, by;
	int8_t wyq[STRAT_LSTM_MAX_HIDDEN];
	int32_t sig[2 * LUT_HALF + 1], tnh[2 * LUT_HALF + 1];
	/* lane layouts ([pair][gpad][2]), 64-byte aligned */
	int16_t wx_l[(STRAT_LSTM_MAX_IN / 2) * 4 * STRAT_LSTM_MAX_HIDDEN * 2] __attribute__((aligned(64)));
	int16_t wh_l[(STRAT_LSTM_MAX_HIDDEN / 2) * 4 * STRAT_LSTM_MAX_HIDDEN * 2] __attribute__((aligned(64)));
};

static void qlstm_finish(struct strat_qlstm *q)
{
	q->G = 4 * q->H;
	q->gpad = (q->G + 15) / 16 * 16;
	q->xpairs = (q->nin + 1) / 2;
	q->hpairs = (q->H + 1) / 2;
	memset(q->wx_l, 0, sizeof(q->wx_l));
	memset(q->wh_l, 0, sizeof(q->wh_l));
	for (uint32_t r = 0; r < q->G; r++) {
		for (uint32_t i = 0; i < q->nin; i++)
			q->wx_l[((size_t)(i / 2) * q->gpad + r) * 2 + (i & 1)] = q->wxq[(size_t)r * q->nin + i];
		for (uint32_t k = 0; k < q->H; k++)
			q->wh_l[((size_t)(k / 2) * q->gpad + r) * 2 + (k & 1)] = q->whq[(size_t)r * q->H + k];
	}
	for (int k = 0; k <= 2 * LUT_HALF; k++) {
		double v = (double)(k - LUT_HALF) / 64.0;
		q->sig[k] = (int32_t)nearbyint(Q15 / (1.0 + exp(-v)));
		q->tnh[k] = (int32_t)nearbyint(Q15 * tanh(v));
	}
}

static int8_t q8(float v, float s)
{
	long r = lrintf(v / s);
	return (int8_t)(r > 127 ? 127 : r < -127 ? -127 : r);
}

static float row_scale(const float *w, size_t n)
{
	float mx = 0.0f;
	for (size_t i = 0; i < n; i++)
		if (fabsf(w[i]) > mx)
			mx = fabsf(w[i]);
	return mx > 0.0f ? mx / 127.0f : 1.0f;
}

static int cmpf(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

int strat_qlstm_quantize(struct strat_lstm *m, const int32_t *calib, size_t nrows, size_t stride,
			 uint64_t schema_hash, struct strat_qlstm **ret, char *err, size_t errlen)
{
	if (!calib || nrows == 0) {
		core_errf(err, errlen, "lstm quantize: no calibration rows");
		return -EINVAL;
	}
	struct strat_qlstm *q = core_alloc(sizeof(*q), 64);
	float *zs = core_alloc(nrows * m->nin * sizeof(float), 64);
	if (!q || !zs) {
		core_free(q);
		core_free(zs);
		core_errf(err, errlen, "lstm quantize: out of memory");
		return -ENOMEM;
	}
	q->nin = m->nin;
	q->H = m->H;
	q->N = m->N;
	q->schema_hash = schema_hash;
	float z[STRAT_LSTM_MAX_IN];
	for (size_t r = 0; r < nrows; r++) {
		strat_lstm_normalize(m, calib + r * stride, z);
		for (uint32_t i = 0; i < m->nin; i++)
			zs[r * m->nin + i] = fabsf(z[i]);
	}
	qsort(zs, nrows * m->nin, sizeof(float), cmpf);
	float s = zs[(size_t)((double)(nrows * m->nin - 1) * 0.999)] / 127.0f;
	core_free(zs);
	q->s_x = s > 0.0f && isfinite(s) ? s : 1.0f;
	for (uint32_t i = 0; i < m->nin; i++) {
		q->in_a[i] = m->na[i] / q->s_x;
		q->in_b[i] = m->nb[i] / q->s_x;
	}
	uint32_t G = 4 * m->H;
	for (uint32_t r = 0; r < G; r++) {
		const float *wx = m->p + (size_t)r * m->nin, *wh = m->p + m->owh + (size_t)r * m->H;
		float sx = row_scale(wx, m->nin), sh = row_scale(wh, m->H);
		for (uint32_t i = 0; i < m->nin; i++)
			q->wxq[(size_t)r * m->nin + i] = q8(wx[i], sx);
		for (uint32_t k = 0; k < m->H; k++)
			q->whq[(size_t)r * m->H + k] = q8(wh[k], sh);
		q->mx[r] = q->s_x * sx;
		q->mh[r] = sh / 127.0f;
		q->b[r] = m->p[m->ob + r];
	}
	float sy = row_scale(m->p + m->owy, m->H);
	for (uint32_t j = 0; j < m->H; j++)
		q->wyq[j] = q8(m->p[m->owy + j], sy);
	q->sy = sy / 127.0f;
	q->by = m->p[m->oby];
	qlstm_finish(q);
	*ret = q;
	return 0;
}

struct strat_qlstm *strat_qlstm_free(struct strat_qlstm *q)
{
	core_free(q);
	return NULL;
}

static int lut_index(float pre)
{
	float f = pre * 64.0f;
	f = f < -(float)LUT_HALF ? -(float)LUT_HALF : f;
	f = f > (float)LUT_HALF ? (float)LUT_HALF : f;
	return (int)strat__rint(f) + LUT_HALF;
}

static int32_t rshift15(int64_t v)
{
	return (int32_t)((v + (1 << 14)) >> 15); /* arithmetic shift (GCC) */
}

/* The element-wise part for 16 cells at a time (AVX-512F): the same integers
 * as the scalar loop in strat_qlstm_step (the 64-bit f * c products as
 * even/odd vpmuldq; the other products fit 32 bits, as the scalar values do). */
__attribute__((target("avx512f"))) static void cells512(const struct strat_qlstm *q, const int32_t *ax,
							const int32_t *ah, struct strat_qlstm_state *st)
{
	uint32_t H = q->H;
	const __m512 lo = _mm512_set1_ps(-(float)LUT_HALF), hi = _mm512_set1_ps((float)LUT_HALF);
	const __m512i half = _mm512_set1_epi32(LUT_HALF), rnd = _mm512_set1_epi32(1 << 14);
	for (uint32_t j0 = 0; j0 < H; j0 += 16) {
		uint32_t n = H - j0 < 16 ? H - j0 : 16;
		__mmask16 m = (__mmask16)((1u << n) - 1);
		__m512i v[4];
		for (int gt = 0; gt < 4; gt++) {
			uint32_t r = (uint32_t)gt * H + j0;
			__m512 pre = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_maskz_loadu_epi32(m, ax + r)),
						   _mm512_maskz_loadu_ps(m, q->mx + r));
			pre = _mm512_add_ps(pre, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_maskz_loadu_epi32(m, ah + r)),
							       _mm512_maskz_loadu_ps(m, q->mh + r)));
			pre = _mm512_add_ps(pre, _mm512_maskz_loadu_ps(m, q->b + r));
			pre = _mm512_mul_ps(pre, _mm512_set1_ps(64.0f));
			pre = _mm512_min_ps(_mm512_max_ps(pre, lo), hi);
			__m512i k = _mm512_add_epi32(_mm512_cvtps_epi32(pre), half);
			v[gt] = _mm512_i32gather_epi32(k, gt == 2 ? q->tnh : q->sig, 4);
		}
		__m512i c0 = _mm512_maskz_loadu_epi32(m, st->c + j0);
		/* c = (f * c + i * g + 2^14) >> 15 in 64 bits, even and odd lanes */
		__m512i ig = _mm512_mullo_epi32(v[0], v[2]); /* |i g| <= 2^30 */
		__m512i ev = _mm512_add_epi64(_mm512_mul_epi32(v[1], c0), _mm512_srai_epi64(_mm512_slli_epi64(ig, 32), 32));
		__m512i od = _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(v[1], 32), _mm512_srli_epi64(c0, 32)),
					      _mm512_srai_epi64(ig, 32));
		ev = _mm512_srai_epi64(_mm512_add_epi64(ev, _mm512_set1_epi64(1 << 14)), 15);
		od = _mm512_srai_epi64(_mm512_add_epi64(od, _mm512_set1_epi64(1 << 14)), 15);
		__m512i c = _mm512_mask_blend_epi32((__mmask16)0xaaaa, ev, _mm512_slli_epi64(od, 32));
		c = _mm512_min_epi32(_mm512_max_epi32(c, _mm512_set1_epi32(-C_LIMIT)), _mm512_set1_epi32(C_LIMIT));
		_mm512_mask_storeu_epi32(st->c + j0, m, c);
		__m512i kc = _mm512_srai_epi32(_mm512_add_epi32(_mm512_slli_epi32(c, 6), rnd), 15);
		kc = _mm512_min_epi32(_mm512_max_epi32(kc, _mm512_set1_epi32(-LUT_HALF)), half);
		__m512i tc = _mm512_i32gather_epi32(_mm512_add_epi32(kc, half), q->tnh, 4);
		__m512i h = _mm512_srai_epi32(_mm512_add_epi32(_mm512_mullo_epi32(v[3], tc), rnd), 15);
		h = _mm512_srai_epi32(_mm512_add_epi32(_mm512_mullo_epi32(h, _mm512_set1_epi32(127)), rnd), 15);
		int16_t hb[16];
		_mm256_storeu_si256((__m256i *)hb, _mm512_cvtepi32_epi16(h));
		memcpy(st->h + j0, hb, n * sizeof(int16_t));
	}
}

int strat_qlstm_step(const struct strat_qlstm *q, enum strat_nn_path path, struct strat_qlstm_state *st,
		     const int32_t *x)
{
	if (path == STRAT_NN_PATH_AUTO)
		path = strat_nn_path_active();
	if (!strat_nn_path_supported(path))
		return -ENOTSUP;
	int16_t xq[STRAT_LSTM_MAX_IN + 2] __attribute__((aligned(64))) = { 0 };
	int32_t ax[4 * STRAT_LSTM_MAX_HIDDEN] __attribute__((aligned(64)));
	int32_t ah[4 * STRAT_LSTM_MAX_HIDDEN] __attribute__((aligned(64)));
	for (uint32_t i = 0; i < q->nin; i++) {
		float f = (float)x[i] * q->in_a[i];
		f = f - q->in_b[i];
		f = f < -127.0f ? -127.0f : f > 127.0f ? 127.0f : f;
		xq[i] = (int16_t)strat__rint(f);
	}
	switch (path) {
	case STRAT_NN_PATH_AVX512:
		learn__lanes_avx512(q->wx_l, q->xpairs, q->gpad, xq, ax);
		learn__lanes_avx512(q->wh_l, q->hpairs, q->gpad, st->h, ah);
		break;
	case STRAT_NN_PATH_AVX2:
		learn__lanes_avx2(q->wx_l, q->xpairs, q->gpad, xq, ax);
		learn__lanes_avx2(q->wh_l, q->hpairs, q->gpad, st->h, ah);
		break;
	default:
		learn__lanes_scalar(q->wx_l, q->xpairs, q->gpad, xq, ax);
		learn__lanes_scalar(q->wh_l, q->hpairs, q->gpad, st->h, ah);
		break;
	}
	if (path == STRAT_NN_PATH_AVX512) {
		cells512(q, ax, ah, st);
		st->steps++;
		return 0;
	}
	uint32_t H = q->H;
	int k[4];
	for (uint32_t j = 0; j < H; j++) {
		for (int gt = 0; gt < 4; gt++) {
			uint32_t r = (uint32_t)gt * H + j;
			float pre = (float)ax[r] * q->mx[r];
			pre = pre + (float)ah[r] * q->mh[r];
			pre = pre + q->b[r];
			k[gt] = lut_index(pre);
		}
		int64_t i = q->sig[k[0]], f = q->sig[k[1]], g = q->tnh[k[2]], o = q->sig[k[3]];
		int32_t c = rshift15(f * st->c[j] + i * g);
		c = c > C_LIMIT ? C_LIMIT : c < -C_LIMIT ? -C_LIMIT : c;
		st->c[j] = c;
		int32_t kc = rshift15((int64_t)c * 64);
		kc = kc > LUT_HALF ? LUT_HALF : kc < -LUT_HALF ? -LUT_HALF : kc;
		int32_t h = rshift15(o * q->tnh[kc + LUT_HALF]);
		st->h[j] = (int16_t)rshift15((int64_t)h * 127);
	}
	st->steps++;
	return 0;
}

float strat_qlstm_output(const struct strat_qlstm *q, const struct strat_qlstm_state *st)
{
	int32_t acc = 0;
	for (uint32_t j = 0; j < q->H; j++)
		acc += (int32_t)q->wyq[j] * st->h[j];
	return (float)acc * q->sy + q->by;
}

int strat_qlstm_forecast(const struct strat_qlstm *q, enum strat_nn_path path, const int32_t *rows,
			 size_t stride, float *ret_y, struct strat_qlstm_state *ret_state)
{
	struct strat_qlstm_state st;
	memset(&st, 0, sizeof(st));
	for (uint32_t t = 0; t < q->N; t++) {
		int r = strat_qlstm_step(q, path, &st, rows + t * stride);
		if (r)
			return r;
	}
	*ret_y = strat_qlstm_output(q, &st);
	if (ret_state)
		*ret_state = st;
	return 0;
}

/* ------------------------------------------------------------------------- */
/* File (kind 2) */

#define HDR 64

static uint64_t fnv(const void *p, size_t n)
{
	return core_fnv1a(CORE_FNV_OFFSET, p, n);
}

static size_t payload(uint32_t nin, uint32_t H)
{
	size_t G = 4 * (size_t)H;
	return 4 + 8 * (size_t)nin + 12 * G + G * nin + G * H + 8 + H;
}

size_t strat_qlstm_file_bytes(const struct strat_qlstm *q)
{
	return HDR + payload(q->nin, q->H) + 8;
}

#define PUT(p, src, n) (memcpy((p), (src), (n)), (p) += (n))
#define GET(dst, p, n) (memcpy((dst), (p), (n)), (p) += (n))

long strat_qlstm_serialize(const struct strat_qlstm *q, void *buf, size_t cap)
{
	size_t total = strat_qlstm_file_bytes(q);
	if (cap < total)
		return -ENOSPC;
	unsigned char *b = buf, *p = b + HDR;
	uint32_t v[8] = { 0 };
	memset(b, 0, HDR);
	memcpy(b, "OSPRYNN", 8);
	v[0] = STRAT_NN_FILE_VERSION;
	v[1] = 2;
	memcpy(b + 8, v, 8);
	memcpy(b + 16, &q->schema_hash, 8);
	v[0] = 3;
	v[1] = (uint32_t)payload(q->nin, q->H);
	memcpy(b + 24, v, 8);
	uint32_t sz[3] = { q->nin, q->H, q->N };
	memcpy(b + 32, sz, sizeof(sz));
	PUT(p, &q->s_x, 4);
	PUT(p, q->in_a, 4 * q->nin);
	PUT(p, q->in_b, 4 * q->nin);
	PUT(p, q->mx, 4 * q->G);
	PUT(p, q->mh, 4 * q->G);
	PUT(p, q->b, 4 * q->G);
	PUT(p, q->wxq, (size_t)q->G * q->nin);
	PUT(p, q->whq, (size_t)q->G * q->H);
	PUT(p, &q->sy, 4);
	PUT(p, &q->by, 4);
	PUT(p, q->wyq, q->H);
	uint64_t cs = fnv(b, (size_t)(p - b));
	memcpy(p, &cs, 8);
	return (long)total;
}

static bool finite_all(const float *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return false;
	return true;
}

int strat_qlstm_parse(const char *name, const void *buf, size_t len, uint64_t expect_hash,
		      struct strat_qlstm **ret_q, char *err, size_t errlen)
{
	const unsigned char *b = buf;
	uint32_t v[2], sz[3];
	if (len < HDR + 8) {
		core_errf(err, errlen,
		          "%s: offset %zu: truncated: %zu bytes, a header and checksum need %d",
		          name, len, len, HDR + 8);
		return -EINVAL;
	}
	if (memcmp(b, "OSPRYNN", 8) != 0) {
		core_errf(err, errlen, "%s: offset 0: bad magic (not an osprey .onn model)", name);
		return -EINVAL;
	}
	memcpy(v, b + 8, 8);
	if (v[0] != STRAT_NN_FILE_VERSION || v[1] != 2) {
		core_errf(err, errlen,
		          "%s: offset 8: version %u kind %u: not a version-%d LSTM (kind 2)", name,
		          v[0], v[1], STRAT_NN_FILE_VERSION);
		return -EINVAL;
	}
	memcpy(v, b + 24, 8);
	memcpy(sz, b + 32, sizeof(sz));
	if (v[0] != 3 || sz[0] < 1 || sz[0] > STRAT_LSTM_MAX_IN || sz[1] < 1 ||
	    sz[1] > STRAT_LSTM_MAX_HIDDEN || sz[2] < 1 || sz[2] > STRAT_LSTM_MAX_WINDOW) {
		core_errf(err, errlen,
		          "%s: offset 24: bad sizes (nsizes %u, nin %u, hidden %u, window %u)",
		          name, v[0], sz[0], sz[1], sz[2]);
		return -EINVAL;
	}
	size_t want = payload(sz[0], sz[1]);
	if (v[1] != want || len != HDR + want + 8) {
		core_errf(err, errlen,
		          "%s: offset %zu: truncated or padded: %zu bytes, expected %zu", name,
		          len < HDR + want + 8 ? len : HDR + want + 8, len, HDR + want + 8);
		return -EINVAL;
	}
	uint64_t cs, fcs, hash;
	cs = fnv(b, HDR + want);
	memcpy(&fcs, b + HDR + want, 8);
	if (cs != fcs) {
		core_errf(err, errlen, "%s: offset %zu: checksum mismatch: corrupt file", name,
		          HDR + want);
		return -EINVAL;
	}
	memcpy(&hash, b + 16, 8);
	if (expect_hash && hash != expect_hash) {
		core_errf(err, errlen,
		          "%s: offset 16: feature schema hash mismatch: model built for %016llx, "
		          "features are %016llx",
		          name, (unsigned long long)hash, (unsigned long long)expect_hash);
		return -EINVAL;
	}
	struct strat_qlstm *q = core_alloc(sizeof(*q), 64);
	if (!q) {
		core_errf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	q->nin = sz[0];
	q->H = sz[1];
	q->N = sz[2];
	q->G = 4 * q->H;
	q->schema_hash = hash;
	const unsigned char *p = b + HDR;
	GET(&q->s_x, p, 4);
	GET(q->in_a, p, 4 * q->nin);
	GET(q->in_b, p, 4 * q->nin);
	GET(q->mx, p, 4 * q->G);
	GET(q->mh, p, 4 * q->G);
	GET(q->b, p, 4 * q->G);
	GET(q->wxq, p, (size_t)q->G * q->nin);
	GET(q->whq, p, (size_t)q->G * q->H);
	GET(&q->sy, p, 4);
	GET(&q->by, p, 4);
	GET(q->wyq, p, q->H);
	if (!finite_all(&q->s_x, 1) || !finite_all(q->in_a, q->nin) || !finite_all(q->in_b, q->nin) ||
	    !finite_all(q->mx, q->G) || !finite_all(q->mh, q->G) || !finite_all(q->b, q->G) ||
	    !finite_all(&q->sy, 1) || !finite_all(&q->by, 1)) {
		core_errf(err, errlen, "%s: offset %d: a scale or bias is not finite", name, HDR);
		core_free(q);
		return -EINVAL;
	}
	for (size_t i = 0; i < (size_t)q->G * q->nin; i++)
		if (q->wxq[i] == -128)
			goto bad_w;
	for (size_t i = 0; i < (size_t)q->G * q->H; i++)
		if (q->whq[i] == -128)
			goto bad_w;
	for (uint32_t i = 0; i < q->H; i++)
		if (q->wyq[i] == -128)
			goto bad_w;
	qlstm_finish(q);
	*ret_q = q;
	return 0;
bad_w:
	core_errf(err, errlen, "%s: a weight is -128 (symmetric range is +-127)", name);
	core_free(q);
	return -EINVAL;
}
