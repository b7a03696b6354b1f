/* ind_batch_simd.c - the AVX2 and AVX-512 kernels of the batch indicator
 * bank (ind_batch_kern.h instantiated twice). Each function carries its own
 * target attribute, so the rest of the project keeps the baseline ISA; the
 * dispatcher in ind_batch.c only calls a table the CPU supports. */
#include <math.h>
#include <string.h>
#include <immintrin.h>

#include "ind_batch_internal.h"

#define KW 4
#define KT __attribute__((target("avx2")))
#define KN(x) x##_avx2
#define KN_NAME "avx2"
#define KMAX(x, y) ((vd_avx2)_mm256_max_pd((__m256d)(x), (__m256d)(y)))
#define KMIN(x, y) ((vd_avx2)_mm256_min_pd((__m256d)(x), (__m256d)(y)))
#include "ind_batch_kern.h"
#undef KW
#undef KT
#undef KN
#undef KN_NAME
#undef KMAX
#undef KMIN

#define KW 8
#define KT __attribute__((target("avx512f,avx512dq,avx512vl")))
#define KN(x) x##_avx512
#define KN_NAME "avx512"
#define KMAX(x, y) ((vd_avx512)_mm512_max_pd((__m512d)(x), (__m512d)(y)))
#define KMIN(x, y) ((vd_avx512)_mm512_min_pd((__m512d)(x), (__m512d)(y)))
#include "ind_batch_kern.h"
