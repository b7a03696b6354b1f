/* mlp.c - the float MLP (forward, backward, Adam/SGD) and its int8 export
 * with calibrated scales (strat_qmlp_quantize), which the strategy library
 * runs (strategy/src/qmlp.c). Single-precision, no contraction, a fixed
 * order of operations: a given seed and data give bit-identical weights. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "learn.h"
#include "learn_internal.h"
#include "qmlp_internal.h"

struct strat_mlp {
	unsigned nsizes, nl;
	uint32_t sizes[STRAT_NN_MAX_LAYERS + 1];
	size_t np;
	size_t woff[STRAT_NN_MAX_LAYERS], boff[STRAT_NN_MAX_LAYERS];
	float *p, *g, *am, *av; /* params, grads, Adam first and second moments */
	uint64_t adam_t;
	float mean[STRAT_NN_MAX_WIDTH], std[STRAT_NN_MAX_WIDTH];
	float na[STRAT_NN_MAX_WIDTH], nb[STRAT_NN_MAX_WIDTH]; /* z = x * na - nb */
	float act[STRAT_NN_MAX_LAYERS + 1][STRAT_NN_MAX_WIDTH]; /* act[0] = z */
	float delta[2][STRAT_NN_MAX_WIDTH];
};

static int check_sizes(const uint32_t *sizes, unsigned nsizes, char *err, size_t errlen)
{
	if (nsizes < 2 || nsizes > STRAT_NN_MAX_LAYERS + 1) {
		core_errf(err, errlen, "mlp: %u sizes, need 2..%u", nsizes,
		          STRAT_NN_MAX_LAYERS + 1);
		return -EINVAL;
	}
	for (unsigned i = 0; i < nsizes; i++) {
		if (sizes[i] < 1 || sizes[i] > STRAT_NN_MAX_WIDTH) {
			core_errf(err, errlen, "mlp: sizes[%u] = %u, need 1..%u", i, sizes[i],
			          STRAT_NN_MAX_WIDTH);
			return -EINVAL;
		}
	}
	return 0;
}

static void norm_update(struct strat_mlp *m)
{
	for (unsigned i = 0; i < STRAT_NN_MAX_WIDTH; i++) {
		m->na[i] = 1.0f / (65536.0f * m->std[i]);
		m->nb[i] = m->mean[i] / m->std[i];
	}
}

int strat_mlp_create(const uint32_t *sizes, unsigned nsizes, uint64_t seed, struct strat_mlp **ret_mlp,
		     char *err, size_t errlen)
{
	int r = check_sizes(sizes, nsizes, err, errlen);
	if (r)
		return r;
	struct strat_mlp *m = core_alloc(sizeof(*m), CORE_CACHE_LINE);
	if (!m)
		goto fail_nomem;
	memset(m, 0, sizeof(*m));
	m->nsizes = nsizes;
	m->nl = nsizes - 1;
	memcpy(m->sizes, sizes, nsizes * sizeof(*sizes));
	size_t np = 0;
	for (unsigned l = 0; l < m->nl; l++) {
		m->woff[l] = np;
		np += (size_t)sizes[l] * sizes[l + 1];
		m->boff[l] = np;
		np += sizes[l + 1];
	}
	m->np = np;
	m->p = core_alloc(4 * np * sizeof(float), CORE_CACHE_LINE);
	if (!m->p)
		goto fail_free;
	memset(m->p, 0, 4 * np * sizeof(float));
	m->g = m->p + np;
	m->am = m->g + np;
	m->av = m->am + np;
	for (unsigned i = 0; i < STRAT_NN_MAX_WIDTH; i++)
		m->std[i] = 1.0f;
	norm_update(m);

	struct strat_rng rng = { seed };
	for (unsigned l = 0; l < m->nl; l++) {
		/* He-uniform: U(-sqrt(6 / fan_in), sqrt(6 / fan_in)) */
		float lim = sqrtf(6.0f / (float)sizes[l]);
		float *w = m->p + m->woff[l];
		for (size_t i = 0; i < (size_t)sizes[l] * sizes[l + 1]; i++)
			w[i] = (2.0f * strat_rng_uniform(&rng) - 1.0f) * lim;
	}
	*ret_mlp = m;
	return 0;

fail_free:
	core_free(m);
fail_nomem:
	core_errf(err, errlen, "mlp: out of memory");
	return -ENOMEM;
}

struct strat_mlp *strat_mlp_free(struct strat_mlp *m)
{
	if (m) {
		core_free(m->p);
		core_free(m);
	}
	return NULL;
}

int strat_mlp_copy(struct strat_mlp *dst, const struct strat_mlp *src)
{
	if (dst->nsizes != src->nsizes ||
	    memcmp(dst->sizes, src->sizes, src->nsizes * sizeof(src->sizes[0])) != 0)
		return -EINVAL;
	memcpy(dst->p, src->p, src->np * sizeof(float));
	memcpy(dst->mean, src->mean, sizeof(dst->mean));
	memcpy(dst->std, src->std, sizeof(dst->std));
	norm_update(dst);
	return 0;
}

unsigned strat_mlp_sizes(const struct strat_mlp *m, uint32_t *ret_sizes)
{
	memcpy(ret_sizes, m->sizes, m->nsizes * sizeof(m->sizes[0]));
	return m->nsizes;
}

size_t strat_mlp_nparams(const struct strat_mlp *m)
{
	return m->np;
}

float *strat_mlp_params(struct strat_mlp *m)
{
	return m->p;
}

float *strat_mlp_grads(struct strat_mlp *m)
{
	return m->g;
}

void strat_mlp_set_norm(struct strat_mlp *m, const float *mean, const float *std)
{
	for (unsigned i = 0; i < m->sizes[0]; i++) {
		m->mean[i] = mean[i];
		m->std[i] = std[i] > 0.0f ? std[i] : 1.0f;
	}
	norm_update(m);
}

void strat_mlp_normalize(const struct strat_mlp *m, const int32_t *x, float *ret_z)
{
	for (unsigned i = 0; i < m->sizes[0]; i++)
		ret_z[i] = (float)x[i] * m->na[i] - m->nb[i];
}

static void mlp_fwd(struct strat_mlp *m, const float *z)
{
	memcpy(m->act[0], z, m->sizes[0] * sizeof(float));
	for (unsigned l = 0; l < m->nl; l++) {
		unsigned in = m->sizes[l], out = m->sizes[l + 1];
		const float *w = m->p + m->woff[l], *b = m->p + m->boff[l];
		const float *x = m->act[l];
		float *y = m->act[l + 1];
		bool relu = l + 1 < m->nl;
		for (unsigned j = 0; j < out; j++) {
			const float *wr = w + (size_t)j * in;
			float s = 0.0f;
			for (unsigned i = 0; i < in; i++)
				s += wr[i] * x[i];
			s += b[j];
			y[j] = relu && !(s > 0.0f) ? 0.0f : s;
		}
	}
}

void strat_mlp_forward(struct strat_mlp *m, const float *z, float *ret_out)
{
	mlp_fwd(m, z);
	memcpy(ret_out, m->act[m->nl], m->sizes[m->nl] * sizeof(float));
}

void strat_mlp_backward(struct strat_mlp *m, const float *z, const float *dout)
{
	mlp_fwd(m, z);
	float *d = m->delta[0], *dp = m->delta[1];
	memcpy(d, dout, m->sizes[m->nl] * sizeof(float));
	for (unsigned l = m->nl; l-- > 0;) {
		unsigned in = m->sizes[l], out = m->sizes[l + 1];
		const float *w = m->p + m->woff[l];
		float *gw = m->g + m->woff[l], *gb = m->g + m->boff[l];
		const float *x = m->act[l];
		for (unsigned j = 0; j < out; j++) {
			float dj = d[j];
			float *gr = gw + (size_t)j * in;
			for (unsigned i = 0; i < in; i++)
				gr[i] += dj * x[i];
			gb[j] += dj;
		}
		if (l == 0)
			break;
		for (unsigned i = 0; i < in; i++)
			dp[i] = 0.0f;
		for (unsigned j = 0; j < out; j++) {
			const float *wr = w + (size_t)j * in;
			float dj = d[j];
			for (unsigned i = 0; i < in; i++)
				dp[i] += wr[i] * dj;
		}
		for (unsigned i = 0; i < in; i++)
			if (!(x[i] > 0.0f)) /* ReLU: x is the layer's output, post-activation */
				dp[i] = 0.0f;
		float *t = d;
		d = dp;
		dp = t;
	}
}

void strat_mlp_zero_grad(struct strat_mlp *m)
{
	memset(m->g, 0, m->np * sizeof(float));
}

void learn__adam(float *p, float *gr, float *am, float *av, size_t n, uint64_t t,
		 const struct strat_adam_cfg *cfg, float grad_scale)
{
	float lr = cfg && cfg->lr > 0.0f ? cfg->lr : 1e-3f;
	float b1 = cfg && cfg->beta1 > 0.0f ? cfg->beta1 : 0.9f;
	float b2 = cfg && cfg->beta2 > 0.0f ? cfg->beta2 : 0.999f;
	float eps = cfg && cfg->eps > 0.0f ? cfg->eps : 1e-8f;
	float clip = cfg ? cfg->clip : 0.0f;
	/* bias corrections in double, rounded once to float: deterministic */
	float c1 = (float)(1.0 - pow((double)b1, (double)t));
	float c2 = (float)(1.0 - pow((double)b2, (double)t));
	float step = lr / c1;
	for (size_t i = 0; i < n; i++) {
		float g = gr[i] * grad_scale;
		if (clip > 0.0f)
			g = g > clip ? clip : g < -clip ? -clip : g;
		am[i] = b1 * am[i] + (1.0f - b1) * g;
		av[i] = b2 * av[i] + (1.0f - b2) * (g * g);
		p[i] -= step * am[i] / (sqrtf(av[i] / c2) + eps);
		gr[i] = 0.0f;
	}
}

void strat_mlp_adam_step(struct strat_mlp *m, const struct strat_adam_cfg *cfg, float grad_scale)
{
	m->adam_t++;
	learn__adam(m->p, m->g, m->am, m->av, m->np, m->adam_t, cfg, grad_scale);
}

void strat_mlp_sgd_step(struct strat_mlp *m, float lr, float grad_scale)
{
	for (size_t i = 0; i < m->np; i++) {
		m->p[i] -= lr * (m->g[i] * grad_scale);
		m->g[i] = 0.0f;
	}
}

/* ------------------------------------------------------------------------- */
/* Int8 export */

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

int strat_qmlp_quantize(struct strat_mlp *m, const int32_t *calib, size_t nrows, size_t stride,
			uint64_t schema_hash, struct strat_qmlp **ret_q, char *err, size_t errlen)
{
	if (nrows == 0 || !calib) {
		core_errf(err, errlen, "quantize: no calibration rows");
		return -EINVAL;
	}
	unsigned in = m->sizes[0];
	float *zs = core_alloc(nrows * in * sizeof(float), 64);
	struct strat_qmlp *q = core_alloc(sizeof(*q), CORE_CACHE_LINE);
	if (!zs || !q)
		goto fail_nomem;
	memset(q, 0, sizeof(*q));
	q->nsizes = m->nsizes;
	q->nl = m->nl;
	memcpy(q->sizes, m->sizes, sizeof(q->sizes));
	q->schema_hash = schema_hash;
	if (strat__qmlp_alloc(q))
		goto fail_nomem;

	/* Calibrate: s_0 from the 99.9th percentile of |z|, hidden scales from
	 * the maximum activation. */
	float amax[STRAT_NN_MAX_LAYERS] = { 0 };
	float z[STRAT_NN_MAX_WIDTH];
	for (size_t r = 0; r < nrows; r++) {
		strat_mlp_normalize(m, calib + r * stride, z);
		for (unsigned i = 0; i < in; i++)
			zs[r * in + i] = fabsf(z[i]);
		mlp_fwd(m, z);
		for (unsigned l = 1; l < m->nl; l++)
			for (unsigned j = 0; j < m->sizes[l]; j++)
				if (m->act[l][j] > amax[l])
					amax[l] = m->act[l][j];
	}
	size_t nz = nrows * in;
	qsort(zs, nz, sizeof(float), cmp_float);
	size_t k = (size_t)((double)(nz - 1) * 0.999);
	amax[0] = zs[k];
	for (unsigned l = 0; l < m->nl; l++) {
		float s = amax[l] / (l == 0 ? 127.0f : 255.0f);
		q->act_scale[l] = s > 0.0f && isfinite(s) ? s : 1.0f;
	}
	for (unsigned i = 0; i < in; i++) {
		q->in_a[i] = m->na[i] / q->act_scale[0];
		q->in_b[i] = m->nb[i] / q->act_scale[0];
	}
	for (unsigned l = 0; l < m->nl; l++) {
		struct strat__qlayer *L = &q->layer[l];
		const float *w = m->p + m->woff[l], *b = m->p + m->boff[l];
		float sin = q->act_scale[l];
		for (uint32_t j = 0; j < L->out; j++) {
			const float *wr = w + (size_t)j * L->in;
			float mx = 0.0f;
			for (uint32_t i = 0; i < L->in; i++)
				if (fabsf(wr[i]) > mx)
					mx = fabsf(wr[i]);
			float sw = mx > 0.0f ? mx / 127.0f : 1.0f;
			for (uint32_t i = 0; i < L->in; i++) {
				long v = lrintf(wr[i] / sw);
				L->wq[(size_t)j * L->in + i] = (int8_t)(v > 127 ? 127 : v < -127 ? -127 : v);
			}
			double bq = nearbyint((double)b[j] / ((double)sin * sw));
			if (bq > STRAT__NN_BIAS_LIMIT)
				bq = STRAT__NN_BIAS_LIMIT;
			if (bq < -STRAT__NN_BIAS_LIMIT)
				bq = -STRAT__NN_BIAS_LIMIT;
			L->bias[j] = (int32_t)bq;
			if (l + 1 < m->nl)
				L->scale[j] = sin * sw / q->act_scale[l + 1];
			else
				L->scale[j] = sin * sw;
		}
	}
	strat__qmlp_layout(q);
	core_free(zs);
	*ret_q = q;
	return 0;

fail_nomem:
	core_free(zs);
	strat_qmlp_free(q);
	core_errf(err, errlen, "quantize: out of memory");
	return -ENOMEM;
}
