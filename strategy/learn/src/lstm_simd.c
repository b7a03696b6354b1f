/* lstm_simd.c - the int8 LSTM's gate matmul: int16 weights laid out with the
 * outputs across the lanes (as the int8 MLP's, strategy/src/qmlp_simd.c),
 * int32 accumulators, no requantization; scalar, AVX2 and AVX-512BW paths
 * that compute the same integers (the sums cannot overflow: |w|, |x| <= 127,
 * at most 64 pairs). Each kernel compiles for its ISA through
 * __attribute__((target)) only; lstm.c calls one the CPU supports. */
#include <immintrin.h>
#include <string.h>

#include "learn_internal.h"

#define T512 __attribute__((target("avx512f,avx512bw")))
#define T256 __attribute__((target("avx2")))

void learn__lanes_scalar(const int16_t *w, uint32_t in_pairs, uint32_t out_pad, const int16_t *x,
			 int32_t *acc)
{
	for (uint32_t j = 0; j < out_pad; j++)
		acc[j] = 0;
	for (uint32_t p = 0; p < in_pairs; p++) {
		const int16_t *wp = w + (size_t)p * out_pad * 2;
		int32_t x0 = x[2 * p], x1 = x[2 * p + 1];
		for (uint32_t j = 0; j < out_pad; j++)
			acc[j] += (int32_t)wp[2 * j] * x0 + (int32_t)wp[2 * j + 1] * x1;
	}
}

static inline __attribute__((always_inline)) T512 void lanes512_n(const int32_t *w, uint32_t in_pairs,
								  uint32_t out_pad, const int16_t *x,
								  int32_t *acc, const int nb)
{
	__m512i a[8];
	for (int b = 0; b < nb; b++)
		a[b] = _mm512_setzero_si512();
	for (uint32_t p = 0; p < in_pairs; p++) {
		int32_t pair;
		memcpy(&pair, x + 2 * p, sizeof(pair));
		__m512i xp = _mm512_set1_epi32(pair);
		const int32_t *wp = w + (size_t)p * out_pad;
		for (int b = 0; b < nb; b++)
			a[b] = _mm512_add_epi32(a[b], _mm512_madd_epi16(xp, _mm512_load_si512((const void *)(wp + 16 * b))));
	}
	for (int b = 0; b < nb; b++)
		_mm512_storeu_si512((void *)(acc + 16 * b), a[b]);
}

T512 void learn__lanes_avx512(const int16_t *w16, uint32_t in_pairs, uint32_t out_pad, const int16_t *x,
			      int32_t *acc)
{
	const int32_t *w = (const int32_t *)w16;
	switch (out_pad / 16) {
	case 1: lanes512_n(w, in_pairs, out_pad, x, acc, 1); break;
	case 2: lanes512_n(w, in_pairs, out_pad, x, acc, 2); break;
	case 3: lanes512_n(w, in_pairs, out_pad, x, acc, 3); break;
	case 4: lanes512_n(w, in_pairs, out_pad, x, acc, 4); break;
	case 5: lanes512_n(w, in_pairs, out_pad, x, acc, 5); break;
	case 6: lanes512_n(w, in_pairs, out_pad, x, acc, 6); break;
	case 7: lanes512_n(w, in_pairs, out_pad, x, acc, 7); break;
	default: lanes512_n(w, in_pairs, out_pad, x, acc, 8); break;
	}
}

T256 void learn__lanes_avx2(const int16_t *w16, uint32_t in_pairs, uint32_t out_pad, const int16_t *x,
			    int32_t *acc)
{
	const int32_t *w = (const int32_t *)w16;
	/* 16 outputs (two ymm) at a time: at most 8 live accumulators per pass */
	for (uint32_t o = 0; o < out_pad; o += 64) {
		int nb = (int)((out_pad - o) / 8 < 8 ? (out_pad - o) / 8 : 8);
		__m256i a[8];
		for (int b = 0; b < 8; b++)
			a[b] = _mm256_setzero_si256();
		for (uint32_t p = 0; p < in_pairs; p++) {
			int32_t pair;
			memcpy(&pair, x + 2 * p, sizeof(pair));
			__m256i xp = _mm256_set1_epi32(pair);
			const int32_t *wp = w + (size_t)p * out_pad + o;
			for (int b = 0; b < nb; b++)
				a[b] = _mm256_add_epi32(a[b], _mm256_madd_epi16(xp, _mm256_load_si256((const __m256i *)(wp + 8 * b))));
		}
		for (int b = 0; b < nb; b++)
			_mm256_storeu_si256((__m256i *)(acc + o + 8 * b), a[b]);
	}
}
