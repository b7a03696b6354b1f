/* trees_simd.c - AVX2 (8 trees a vector) and AVX-512 (16) tree-walk kernels.
 * Each lane walks one tree: gather the node's feature and split, fetch the
 * feature, compare, step to child 2i+1 or 2i+2. Several vectors of trees go
 * level by level together so their gather latencies overlap. The result is the
 * leaf slot the scalar kernel (trees.c) finds; the code is compiled for its ISA
 * with target attributes and chosen at run time (trees__cpu_has). */
#include "trees_internal.h"

#include <immintrin.h>

#define GROUPS 4 /* vectors of trees walked together */

bool trees__cpu_has(enum strat_tree_isa isa)
{
	switch (isa) {
	case STRAT_TREE_ISA_SCALAR:
		return true;
	case STRAT_TREE_ISA_AVX2:
		return __builtin_cpu_supports("avx2");
	case STRAT_TREE_ISA_AVX512:
		return __builtin_cpu_supports("avx512f");
	default:
		return false;
	}
}

/* x[f] for 8 lanes from the row held in three registers (features 0..23):
 * three in-lane permutes and two blends instead of a gather. */
__attribute__((target("avx2"))) static inline __m256i row_avx2(__m256i x0, __m256i x1, __m256i x2,
							       __m256i f)
{
	__m256i a = _mm256_permutevar8x32_epi32(x0, f);
	__m256i b = _mm256_permutevar8x32_epi32(x1, f);
	__m256i c = _mm256_permutevar8x32_epi32(x2, f);
	__m256i ge8 = _mm256_cmpgt_epi32(f, _mm256_set1_epi32(7));
	__m256i ge16 = _mm256_cmpgt_epi32(f, _mm256_set1_epi32(15));
	return _mm256_blendv_epi8(_mm256_blendv_epi8(a, b, ge8), c, ge16);
}

/* The {split, feat} pairs of 8 nodes: two 4-lane 64-bit gathers, unzipped. */
__attribute__((target("avx2"))) static inline void unzip_avx2(const uint64_t *node, __m256i n,
							      __m256i *ret_s, __m256i *ret_f)
{
	const __m256i even = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
	__m256i a = _mm256_i32gather_epi64((const long long *)node, _mm256_castsi256_si128(n), 8);
	__m256i b = _mm256_i32gather_epi64((const long long *)node, _mm256_extracti128_si256(n, 1), 8);
	a = _mm256_permutevar8x32_epi32(a, even); /* s0 s1 s2 s3 | f0 f1 f2 f3 */
	b = _mm256_permutevar8x32_epi32(b, even); /* s4 s5 s6 s7 | f4 f5 f6 f7 */
	*ret_s = _mm256_permute2x128_si256(a, b, 0x20);
	*ret_f = _mm256_permute2x128_si256(a, b, 0x31);
}

/* G vectors of 8 trees from tree t, level by level (G is a constant after inlining). */
__attribute__((target("avx2"), always_inline)) static inline void
walk_avx2(const struct strat_tree_model *m, const __m256i *xr, uint32_t t, int G, uint32_t *ret_slot)
{
	const int ni = (int)m->ni;
	const __m256i one = _mm256_set1_epi32(1);
	const __m256i vni = _mm256_set1_epi32(ni);
	const __m256i lane = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), vni);
	__m256i base[GROUPS], idx[GROUPS];
	for (int g = 0; g < G; g++) {
		/* node index of lane k: (t + k) * ni + i; ntrees_pad * ni < 2^24 */
		base[g] = _mm256_add_epi32(_mm256_set1_epi32((int)(t + 8 * (uint32_t)g) * ni), lane);
		idx[g] = _mm256_setzero_si256();
	}
	for (uint32_t l = 0; l < m->info.depth; l++)
		for (int g = 0; g < G; g++) {
			__m256i f, s;
			unzip_avx2(m->node, _mm256_add_epi32(base[g], idx[g]), &s, &f);
			__m256i right = _mm256_cmpgt_epi32(row_avx2(xr[0], xr[1], xr[2], f), s); /* -1 */
			idx[g] = _mm256_sub_epi32(_mm256_add_epi32(_mm256_add_epi32(idx[g], idx[g]), one),
						  right);
		}
	for (int g = 0; g < G; g++)
		_mm256_storeu_si256((__m256i *)(ret_slot + t + 8 * (uint32_t)g),
				    _mm256_sub_epi32(idx[g], vni));
}

__attribute__((target("avx2")))
void trees__slots_avx2(const struct strat_tree_model *m, const int32_t *x, uint32_t *ret_slot)
{
	static_assert(FEATURE_MAX <= 24, "row_avx2 covers 24 features");
	const __m256i xr[3] = { _mm256_load_si256((const __m256i *)x),
				_mm256_load_si256((const __m256i *)(x + 8)),
				_mm256_load_si256((const __m256i *)(x + 16)) };
	uint32_t t = 0;
	for (; t + 8 * GROUPS <= m->ntrees_pad; t += 8 * GROUPS)
		walk_avx2(m, xr, t, GROUPS, ret_slot);
	/* ntrees_pad is a multiple of 16: 0 or 16 trees remain */
	if (t < m->ntrees_pad)
		walk_avx2(m, xr, t, 2, ret_slot);
}

/* G vectors of 16 trees from tree t, level by level (G is a constant after inlining). */
__attribute__((target("avx512f"), always_inline)) static inline void
walk_avx512(const struct strat_tree_model *m, __m512i x0, __m512i x1, uint32_t t, int G,
	    uint32_t *ret_slot)
{
	const int ni = (int)m->ni;
	const __m512i one = _mm512_set1_epi32(1);
	const __m512i vni = _mm512_set1_epi32(ni);
	const __m512i lane = _mm512_mullo_epi32(
		_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), vni);
	const __m512i even =
		_mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
	const __m512i odd = _mm512_add_epi32(even, one);
	__m512i base[GROUPS], idx[GROUPS];
	for (int g = 0; g < G; g++) {
		/* node index of lane k: (t + k) * ni + i; ntrees_pad * ni < 2^24 */
		base[g] = _mm512_add_epi32(_mm512_set1_epi32((int)(t + 16 * (uint32_t)g) * ni), lane);
		idx[g] = _mm512_setzero_si512();
	}
	for (uint32_t l = 0; l < m->info.depth; l++)
		for (int g = 0; g < G; g++) {
			__m512i node = _mm512_add_epi32(base[g], idx[g]);
			/* 16 {split, feat} pairs in two 64-bit gathers, then unzipped */
			__m512i lo = _mm512_i32gather_epi64(_mm512_castsi512_si256(node),
							    (const void *)m->node, 8);
			__m512i hi = _mm512_i32gather_epi64(_mm512_extracti64x4_epi64(node, 1),
							    (const void *)m->node, 8);
			__m512i s = _mm512_permutex2var_epi32(lo, even, hi);
			__m512i f = _mm512_permutex2var_epi32(lo, odd, hi);
			/* the row lives in two registers: a two-source permute, not a gather */
			__m512i xv = _mm512_permutex2var_epi32(x0, f, x1);
			__mmask16 right = _mm512_cmpgt_epi32_mask(xv, s);
			idx[g] = _mm512_add_epi32(_mm512_add_epi32(idx[g], idx[g]), one);
			idx[g] = _mm512_mask_add_epi32(idx[g], right, idx[g], one);
		}
	for (int g = 0; g < G; g++)
		_mm512_storeu_si512(ret_slot + t + 16 * (uint32_t)g, _mm512_sub_epi32(idx[g], vni));
}

__attribute__((target("avx512f")))
void trees__slots_avx512(const struct strat_tree_model *m, const int32_t *x, uint32_t *ret_slot)
{
	const __m512i x0 = _mm512_load_si512(x), x1 = _mm512_load_si512(x + 16);
	uint32_t t = 0;
	for (; t + 16 * GROUPS <= m->ntrees_pad; t += 16 * GROUPS)
		walk_avx512(m, x0, x1, t, GROUPS, ret_slot);
	switch ((m->ntrees_pad - t) / 16) {
	case 3:
		walk_avx512(m, x0, x1, t, 3, ret_slot);
		break;
	case 2:
		walk_avx512(m, x0, x1, t, 2, ret_slot);
		break;
	case 1:
		walk_avx512(m, x0, x1, t, 1, ret_slot);
		break;
	default:
		break;
	}
}
