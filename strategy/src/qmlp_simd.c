/* qmlp_simd.c - the int8 MLP forward pass: a scalar twin, AVX2 and AVX-512BW.
 *
 * Every path computes exactly the same integers: products of weights in
 * [-127, 127] and activations in [-127, 255] summed in int32 (no saturating
 * instruction is used, and |acc| <= 2^30 + 64 * 255 * 127 cannot overflow;
 * a pair sum 2 * 255 * 127 would saturate vpmaddubsw, which is why the
 * kernels multiply sign-extended 16-bit values with vpmaddwd), so the order of the sums
 * does not matter. The float steps (input quantization x * a - b, requant
 * acc * M, clamp, round half to even) are single IEEE operations in the same
 * order on every path; cvtps2dq rounds with MXCSR, which the project never
 * changes from round-to-nearest-even, like lrintf. The compiler must not
 * contract x * a - b into an FMA: the project builds with -ffp-contract=off
 * and the intrinsics spell the multiply and the subtract separately.
 *
 * Kernels compile for their ISA through __attribute__((target)) only; the
 * dispatcher (qmlp.c) calls them after __builtin_cpu_supports.
 */
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "qmlp_internal.h"

/* ------------------------------------------------------------------------- */
/* Scalar twin */

static inline int16_t quant_in(int32_t x, float a, float b)
{
	float f = (float)x * a;
	f = f - b;
	f = f < -127.0f ? -127.0f : f;
	f = f > 127.0f ? 127.0f : f;
	return (int16_t)strat__rint(f);
}

static inline int16_t requant(int32_t acc, float m)
{
	float f = (float)acc * m;
	f = f < 0.0f ? 0.0f : f;
	f = f > 255.0f ? 255.0f : f;
	return (int16_t)strat__rint(f);
}

void strat__qmlp_run_scalar(const struct strat_qmlp *q, const int32_t *x, int32_t *trace,
			    int32_t *acc_out)
{
	int16_t buf[2][STRAT_NN_MAX_WIDTH + STRAT__NN_LANES];
	int32_t acc[STRAT_NN_MAX_WIDTH];
	int16_t *cur = buf[0], *nxt = buf[1];
	const struct strat__qlayer *L0 = &q->layer[0];
	for (uint32_t i = 0; i < L0->in_pairs * 2; i++)
		cur[i] = i < L0->in ? quant_in(x[i], q->in_a[i], q->in_b[i]) : 0;
	for (unsigned l = 0; l < q->nl; l++) {
		const struct strat__qlayer *L = &q->layer[l];
		for (uint32_t j = 0; j < L->out_pad; j++)
			acc[j] = L->bias[j];
		for (uint32_t p = 0; p < L->in_pairs; p++) {
			const int16_t *w = L->w + (size_t)p * L->out_pad * 2;
			int32_t x0 = cur[2 * p], x1 = cur[2 * p + 1];
			for (uint32_t j = 0; j < L->out_pad; j++)
				acc[j] += (int32_t)w[2 * j] * x0 + (int32_t)w[2 * j + 1] * x1;
		}
		if (trace) {
			memcpy(trace, acc, L->out * sizeof(int32_t));
			trace += L->out;
		}
		if (l + 1 == q->nl) {
			memcpy(acc_out, acc, L->out_pad * sizeof(int32_t));
			break;
		}
		for (uint32_t j = 0; j < L->out_pad; j++)
			nxt[j] = requant(acc[j], L->scale[j]);
		int16_t *t = cur;
		cur = nxt;
		nxt = t;
	}
}

/* ------------------------------------------------------------------------- */
/* AVX-512BW: 16 outputs per zmm, up to 4 accumulators (64 outputs). */

#define T512 __attribute__((target("avx512f,avx512bw")))

/* One layer, nb (a constant after inlining) accumulators kept in registers
 * through the requantization: y gets the 8-bit activations, or acc_out the
 * accumulators when this is the last layer (acc_out not NULL). */
static inline __attribute__((always_inline)) T512 void layer512(const struct strat__qlayer *L,
								const int16_t *x, int16_t *y,
								int32_t *trace, int32_t *acc_out,
								const int nb)
{
	__m512i acc[STRAT_NN_MAX_WIDTH / 16];
	for (int b = 0; b < nb; b++)
		acc[b] = _mm512_load_si512((const void *)(L->bias + 16 * b));
	const int32_t *w = (const int32_t *)L->w;
#pragma GCC unroll 4
	for (uint32_t p = 0; p < L->in_pairs; p++) {
		int32_t pair;
		memcpy(&pair, x + 2 * p, sizeof(pair));
		__m512i xp = _mm512_set1_epi32(pair);
		const int32_t *wp = w + (size_t)p * L->out_pad;
		for (int b = 0; b < nb; b++)
			acc[b] = _mm512_add_epi32(acc[b],
						  _mm512_madd_epi16(xp, _mm512_load_si512((const void *)(wp + 16 * b))));
	}
	if (trace) {
		int32_t t[STRAT_NN_MAX_WIDTH] __attribute__((aligned(64)));
		for (int b = 0; b < nb; b++)
			_mm512_store_si512((void *)(t + 16 * b), acc[b]);
		memcpy(trace, t, L->out * sizeof(int32_t));
	}
	if (acc_out) {
		for (int b = 0; b < nb; b++)
			_mm512_store_si512((void *)(acc_out + 16 * b), acc[b]);
		return;
	}
	const __m512 zero = _mm512_setzero_ps(), hi = _mm512_set1_ps(255.0f);
	for (int b = 0; b < nb; b++) {
		__m512 f = _mm512_cvtepi32_ps(acc[b]);
		f = _mm512_mul_ps(f, _mm512_load_ps(L->scale + 16 * b));
		f = _mm512_min_ps(_mm512_max_ps(f, zero), hi);
		_mm256_store_si256((__m256i *)(y + 16 * b), _mm512_cvtepi32_epi16(_mm512_cvtps_epi32(f)));
	}
}

/* The narrow last layer: one dot product per output over kpad inputs (x is
 * zero past the layer's inputs, and so are the padded weights). */
static inline __attribute__((always_inline)) T512 void rows512(const struct strat__qlayer *L,
							       const int16_t *x, int32_t *acc)
{
	__m512i xv[STRAT_NN_MAX_WIDTH / 32];
	uint32_t nc = L->kpad / 32;
	for (uint32_t c = 0; c < nc; c++)
		xv[c] = _mm512_load_si512((const void *)(x + 32 * c));
	for (uint32_t j = 0; j < L->out; j++) {
		const int16_t *w = L->w_rows + (size_t)j * L->kpad;
		__m512i s = _mm512_setzero_si512();
		for (uint32_t c = 0; c < nc; c++)
			s = _mm512_add_epi32(s, _mm512_madd_epi16(xv[c], _mm512_load_si512((const void *)(w + 32 * c))));
		acc[j] = L->bias[j] + _mm512_reduce_add_epi32(s);
	}
}

T512 void strat__qmlp_run_avx512(const struct strat_qmlp *q, const int32_t *x, int32_t *trace,
				 int32_t *acc_out)
{
	int16_t buf[2][STRAT_NN_MAX_WIDTH] __attribute__((aligned(64)));
	int16_t *cur = buf[0], *nxt = buf[1];
	/* the narrow layer reads up to kpad inputs; lanes past its inputs meet zero
	 * weights, and zeroing once keeps them initialized */
	for (int i = 0; i < 2 * STRAT_NN_MAX_WIDTH; i += 32)
		_mm512_store_si512((void *)(&buf[0][0] + i), _mm512_setzero_si512());
	const struct strat__qlayer *L0 = &q->layer[0];
	const __m512 lo_in = _mm512_set1_ps(-127.0f), hi = _mm512_set1_ps(127.0f);
	for (uint32_t i = 0; i < L0->in_pairs * 2; i += 16) {
		uint32_t n = L0->in - i < 16 ? L0->in - i : 16;
		if (i >= L0->in)
			n = 0;
		__mmask16 k = (__mmask16)((1u << n) - 1);
		__m512 f = _mm512_cvtepi32_ps(_mm512_maskz_loadu_epi32(k, x + i));
		f = _mm512_mul_ps(f, _mm512_loadu_ps(q->in_a + i));
		f = _mm512_sub_ps(f, _mm512_loadu_ps(q->in_b + i));
		f = _mm512_min_ps(_mm512_max_ps(f, lo_in), hi);
		/* lanes past in are 0: masked load, zero a and b */
		_mm256_store_si256((__m256i *)(cur + i), _mm512_cvtepi32_epi16(_mm512_cvtps_epi32(f)));
	}
	for (unsigned l = 0; l < q->nl; l++) {
		const struct strat__qlayer *L = &q->layer[l];
		if (L->w_rows) { /* only ever the last layer */
			rows512(L, cur, acc_out);
			if (trace)
				memcpy(trace, acc_out, L->out * sizeof(int32_t));
			break;
		}
		int32_t *last = l + 1 == q->nl ? acc_out : NULL;
		switch (L->out_pad / 16) {
		case 1: layer512(L, cur, nxt, trace, last, 1); break;
		case 2: layer512(L, cur, nxt, trace, last, 2); break;
		case 3: layer512(L, cur, nxt, trace, last, 3); break;
		default: layer512(L, cur, nxt, trace, last, 4); break;
		}
		if (trace)
			trace += L->out;
		int16_t *t = cur;
		cur = nxt;
		nxt = t;
	}
}

/* ------------------------------------------------------------------------- */
/* AVX2: 8 outputs per ymm, up to 8 accumulators. */

#define T256 __attribute__((target("avx2")))

static inline __attribute__((always_inline)) T256 __m128i pack16(__m256i v)
{
	/* v holds 8 int32 in [-127, 255]: narrow to 8 int16 in order */
	return _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
}

static inline __attribute__((always_inline)) T256 void layer256(const struct strat__qlayer *L,
								const int16_t *x, int16_t *y,
								int32_t *trace, int32_t *acc_out,
								const int nb)
{
	__m256i acc[STRAT_NN_MAX_WIDTH / 8];
	for (int b = 0; b < nb; b++)
		acc[b] = _mm256_load_si256((const __m256i *)(L->bias + 8 * b));
	const int32_t *w = (const int32_t *)L->w;
#pragma GCC unroll 4
	for (uint32_t p = 0; p < L->in_pairs; p++) {
		int32_t pair;
		memcpy(&pair, x + 2 * p, sizeof(pair));
		__m256i xp = _mm256_set1_epi32(pair);
		const int32_t *wp = w + (size_t)p * L->out_pad;
		for (int b = 0; b < nb; b++)
			acc[b] = _mm256_add_epi32(acc[b],
						  _mm256_madd_epi16(xp, _mm256_load_si256((const __m256i *)(wp + 8 * b))));
	}
	if (trace) {
		int32_t t[STRAT_NN_MAX_WIDTH] __attribute__((aligned(32)));
		for (int b = 0; b < nb; b++)
			_mm256_store_si256((__m256i *)(t + 8 * b), acc[b]);
		memcpy(trace, t, L->out * sizeof(int32_t));
	}
	if (acc_out) {
		for (int b = 0; b < nb; b++)
			_mm256_store_si256((__m256i *)(acc_out + 8 * b), acc[b]);
		return;
	}
	const __m256 zero = _mm256_setzero_ps(), hi = _mm256_set1_ps(255.0f);
	for (int b = 0; b < nb; b++) {
		__m256 f = _mm256_cvtepi32_ps(acc[b]);
		f = _mm256_mul_ps(f, _mm256_load_ps(L->scale + 8 * b));
		f = _mm256_min_ps(_mm256_max_ps(f, zero), hi);
		_mm_store_si128((__m128i *)(y + 8 * b), pack16(_mm256_cvtps_epi32(f)));
	}
}

static inline __attribute__((always_inline)) T256 void rows256(const struct strat__qlayer *L,
							       const int16_t *x, int32_t *acc)
{
	__m256i xv[STRAT_NN_MAX_WIDTH / 16];
	uint32_t nc = L->kpad / 16;
	for (uint32_t c = 0; c < nc; c++)
		xv[c] = _mm256_load_si256((const __m256i *)(x + 16 * c));
	for (uint32_t j = 0; j < L->out; j++) {
		const int16_t *w = L->w_rows + (size_t)j * L->kpad;
		__m256i s = _mm256_setzero_si256();
		for (uint32_t c = 0; c < nc; c++)
			s = _mm256_add_epi32(s, _mm256_madd_epi16(xv[c], _mm256_load_si256((const __m256i *)(w + 16 * c))));
		__m128i h = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
		h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0x4e));
		h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0xb1));
		acc[j] = L->bias[j] + _mm_cvtsi128_si32(h);
	}
}

T256 void strat__qmlp_run_avx2(const struct strat_qmlp *q, const int32_t *x, int32_t *trace,
			       int32_t *acc_out)
{
	int16_t buf[2][STRAT_NN_MAX_WIDTH] __attribute__((aligned(64)));
	int16_t *cur = buf[0], *nxt = buf[1];
	for (int i = 0; i < 2 * STRAT_NN_MAX_WIDTH; i += 16)
		_mm256_store_si256((__m256i *)(&buf[0][0] + i), _mm256_setzero_si256());
	const struct strat__qlayer *L0 = &q->layer[0];
	const __m256 lo_in = _mm256_set1_ps(-127.0f), hi = _mm256_set1_ps(127.0f);
	int32_t xin[STRAT_NN_MAX_WIDTH] __attribute__((aligned(32)));
	uint32_t nin = L0->in_pairs * 2;
	/* zero the last vector, then copy: lanes past in read 0 */
	_mm256_store_si256((__m256i *)(xin + (nin - 1) / 8 * 8), _mm256_setzero_si256());
	memcpy(xin, x, L0->in * sizeof(int32_t));
	for (uint32_t i = 0; i < nin; i += 8) {
		__m256 f = _mm256_cvtepi32_ps(_mm256_load_si256((const __m256i *)(xin + i)));
		f = _mm256_mul_ps(f, _mm256_loadu_ps(q->in_a + i));
		f = _mm256_sub_ps(f, _mm256_loadu_ps(q->in_b + i));
		f = _mm256_min_ps(_mm256_max_ps(f, lo_in), hi);
		_mm_store_si128((__m128i *)(cur + i), pack16(_mm256_cvtps_epi32(f)));
	}
	for (unsigned l = 0; l < q->nl; l++) {
		const struct strat__qlayer *L = &q->layer[l];
		if (L->w_rows) {
			rows256(L, cur, acc_out);
			if (trace)
				memcpy(trace, acc_out, L->out * sizeof(int32_t));
			break;
		}
		int32_t *last = l + 1 == q->nl ? acc_out : NULL;
		switch (L->out_pad / 8) {
		case 2: layer256(L, cur, nxt, trace, last, 2); break;
		case 4: layer256(L, cur, nxt, trace, last, 4); break;
		case 6: layer256(L, cur, nxt, trace, last, 6); break;
		default: layer256(L, cur, nxt, trace, last, 8); break;
		}
		if (trace)
			trace += L->out;
		int16_t *t = cur;
		cur = nxt;
		nxt = t;
	}
}
