/* ind_stream_simd.c - the streaming bank for up to 16 instruments in lockstep: lanes are
 * instruments; scalar, AVX2 (4 lanes per vector) and AVX-512 (8) instantiations of the
 * same kernel (ind_stream_kern.h), chosen per bank, all giving the scalar bank's bits. */
#include <errno.h>
#include <immintrin.h>
#include <string.h>

#include "ind_stream_int.h"

static_assert(sizeof(struct ind_multi) <= sizeof(struct strat_ind_multi), "multi storage");
static_assert(_Alignof(struct ind_multi) <= _Alignof(struct strat_ind_multi), "multi alignment");
static_assert(sizeof(struct strat_bar_lanes) == IN_COUNT * STRAT_IND_MAX_LANES * sizeof(double),
	      "lanes layout");

/* Scalar twin: one lane per call. */
#define KNAME      ind_kern_lane
#define KATTR      __attribute__((noinline))
#define V          double
#define M          ind_mask
#define K1(x)      ((double)(x))
#define KLD(p)     (*(p))
#define KST(p, v)  (*(p) = (v))
#define KLDU(p)    (*(p))
#define KSTU(p, v) (*(p) = (v))
#define KGT(a, b)  ind_gt((a), (b))
#define KLT(a, b)  ind_lt((a), (b))
#define KNE(a, b)  ind_ne((a), (b))
#define KAND(a, b) ind_and((a), (b))
#define KANDN(a, b) ind_andn((a), (b))
#define KNOT(a)    ind_not(a)
#define KSEL(m, a, b) ind_sel((m), (a), (b))
#define KMAX(a, b)  ((a) > (b) ? (a) : (b))
#define KMIN(a, b)  ((a) < (b) ? (a) : (b))
#define KABS(a)    fabs(a)
#define KSQRT(a)   sqrt(a)
#include "ind_stream_kern.h"

/* GCC vector extensions: element-wise IEEE operations, compares give 0 / -1 masks. */
typedef double v4d __attribute__((vector_size(32)));
typedef long long v4l __attribute__((vector_size(32)));
typedef double v8d __attribute__((vector_size(64)));
/* the same with 8-byte alignment, for caller-owned inputs and outputs */
typedef double v4du __attribute__((vector_size(32), aligned(8)));
typedef double v8du __attribute__((vector_size(64), aligned(8)));
typedef long long v8l __attribute__((vector_size(64)));

#define KNAME      ind_kern_avx2
#define KATTR      __attribute__((target("avx2"), noinline))
#define V          v4d
#define M          v4l
#define K1(x)      ((v4d){ (x), (x), (x), (x) })
#define KLD(p)     (*(const v4d *)(p))
#define KST(p, v)  (*(v4d *)(p) = (v))
#define KLDU(p)    ((v4d)(*(const v4du *)(p)))
#define KSTU(p, v) (*(v4du *)(p) = (v4du)(v))
#define KGT(a, b)  ((a) > (b))
#define KLT(a, b)  ((a) < (b))
#define KNE(a, b)  ((a) != (b))
#define KAND(a, b) ((a) & (b))
#define KANDN(a, b) ((a) & ~(b))
#define KNOT(a)    (~(a))
#define KSEL(m, a, b) ((v4d)(((v4l)(a) & (m)) | ((v4l)(b) & ~(m))))
#define KABS(a)    ((v4d)((v4l)(a) & (v4l){ INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX }))
#define KSQRT(a)   ((v4d)_mm256_sqrt_pd((__m256d)(a)))
#define KMAX(a, b)  KSEL(KGT((a), (b)), (a), (b))
#define KMIN(a, b)  KSEL(KLT((a), (b)), (a), (b))
#include "ind_stream_kern.h"

#define KNAME      ind_kern_avx512
#define KATTR      __attribute__((target("avx512f,avx512dq,avx512vl"), noinline))
#define V          v8d
#define M          v8l
#define K1(x)      ((v8d){ (x), (x), (x), (x), (x), (x), (x), (x) })
#define KLD(p)     (*(const v8d *)(p))
#define KST(p, v)  (*(v8d *)(p) = (v))
#define KLDU(p)    ((v8d)(*(const v8du *)(p)))
#define KSTU(p, v) (*(v8du *)(p) = (v8du)(v))
#define KGT(a, b)  ((a) > (b))
#define KLT(a, b)  ((a) < (b))
#define KNE(a, b)  ((a) != (b))
#define KAND(a, b) ((a) & (b))
#define KANDN(a, b) ((a) & ~(b))
#define KNOT(a)    (~(a))
#define KSEL(m, a, b) ((v8d)(((v8l)(a) & (m)) | ((v8l)(b) & ~(m))))
#define KABS(a)                                                                                    \
	((v8d)((v8l)(a) &                                                                          \
	       (v8l){ INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX, \
		      INT64_MAX }))
#define KSQRT(a)   ((v8d)_mm512_sqrt_pd((__m512d)(a)))
#define KMAX(a, b)  KSEL(KGT((a), (b)), (a), (b))
#define KMIN(a, b)  KSEL(KLT((a), (b)), (a), (b))
#include "ind_stream_kern.h"

/* Window extremes and CCI deviations for the steady-state kernels. */
__attribute__((target("avx2"))) static inline void win_avx2(const double *ph, const double *pl,
							    uint64_t n, double *ret_h, double *ret_l)
{
	__m256d mh = _mm256_set1_pd(ph[0]), ml = _mm256_set1_pd(pl[0]);
	uint64_t k = 0;
	for (; k + 4 <= n; k += 4) {
		mh = _mm256_max_pd(mh, _mm256_loadu_pd(ph + k));
		ml = _mm256_min_pd(ml, _mm256_loadu_pd(pl + k));
	}
	__m128d h2 = _mm_max_pd(_mm256_castpd256_pd128(mh), _mm256_extractf128_pd(mh, 1));
	__m128d l2 = _mm_min_pd(_mm256_castpd256_pd128(ml), _mm256_extractf128_pd(ml, 1));
	double h = _mm_cvtsd_f64(_mm_max_sd(h2, _mm_unpackhi_pd(h2, h2)));
	double l = _mm_cvtsd_f64(_mm_min_sd(l2, _mm_unpackhi_pd(l2, l2)));
	for (; k < n; k++) {
		h = ph[k] > h ? ph[k] : h;
		l = pl[k] < l ? pl[k] : l;
	}
	*ret_h = h;
	*ret_l = l;
}

__attribute__((target("avx2"))) static inline void absdev_avx2(double *dev, const double *p,
							       double avg, uint64_t n)
{
	const __m256d a = _mm256_set1_pd(avg), sign = _mm256_set1_pd(-0.0);
	uint64_t k = 0;
	for (; k + 4 <= n; k += 4)
		_mm256_storeu_pd(dev + k, _mm256_andnot_pd(sign, _mm256_sub_pd(_mm256_loadu_pd(p + k), a)));
	for (; k < n; k++)
		dev[k] = fabs(p[k] - avg);
}

#define KNAME ind_bank_steady_avx2
#define KATTR __attribute__((target("avx2")))
#define DIV8(q, n0, d0, n1, d1, n2, d2, n3, d3, n4, d4, n5, d5, n6, d6, n7, d7)                   \
	do {                                                                                       \
		_mm256_storeu_pd((q), _mm256_div_pd(_mm256_set_pd((n3), (n2), (n1), (n0)),        \
						    _mm256_set_pd((d3), (d2), (d1), (d0))));       \
		_mm256_storeu_pd((q) + 4, _mm256_div_pd(_mm256_set_pd((n7), (n6), (n5), (n4)),    \
							_mm256_set_pd((d7), (d6), (d5), (d4)))); \
	} while (0)
#define DIV4(q, n0, d0, n1, d1, n2, d2, n3, d3) _mm256_storeu_pd((q), _mm256_div_pd(_mm256_set_pd((n3), (n2), (n1), (n0)), _mm256_set_pd((d3), (d2), (d1), (d0))))
#define DIV2(q, n0, d0, n1, d1) _mm_storeu_pd((q), _mm_div_pd(_mm_set_pd((n1), (n0)), _mm_set_pd((d1), (d0))))
#define SQRT2(q, a0, a1) _mm_storeu_pd((q), _mm_sqrt_pd(_mm_set_pd((a1), (a0))))
#define WINDOW(ph, pl, n, hh, ll) win_avx2((ph), (pl), (n), &(hh), &(ll))
#define ABSDEV(dev, p, avg, n) absdev_avx2((dev), (p), (avg), (n))
#include "ind_stream_bank.h"

#define KNAME ind_bank_steady_avx512
#define KATTR __attribute__((target("avx512f,avx512dq,avx512vl")))
#define DIV8(q, n0, d0, n1, d1, n2, d2, n3, d3, n4, d4, n5, d5, n6, d6, n7, d7)                   \
	_mm512_storeu_pd((q), _mm512_div_pd(_mm512_set_pd((n7), (n6), (n5), (n4), (n3), (n2), (n1), (n0)), \
					    _mm512_set_pd((d7), (d6), (d5), (d4), (d3), (d2), (d1), (d0))))
#define DIV4(q, n0, d0, n1, d1, n2, d2, n3, d3) _mm256_storeu_pd((q), _mm256_div_pd(_mm256_set_pd((n3), (n2), (n1), (n0)), _mm256_set_pd((d3), (d2), (d1), (d0))))
#define DIV2(q, n0, d0, n1, d1) _mm_storeu_pd((q), _mm_div_pd(_mm_set_pd((n1), (n0)), _mm_set_pd((d1), (d0))))
#define SQRT2(q, a0, a1) _mm_storeu_pd((q), _mm_sqrt_pd(_mm_set_pd((a1), (a0))))
#define WINDOW(ph, pl, n, hh, ll) win_avx2((ph), (pl), (n), &(hh), &(ll))
#define ABSDEV(dev, p, avg, n) absdev_avx2((dev), (p), (avg), (n))
#include "ind_stream_bank.h"

bool ind_isa_ok(enum strat_ind_isa isa)
{
	switch (isa) {
	case STRAT_IND_ISA_SCALAR:
		return true;
	case STRAT_IND_ISA_AVX2:
		return __builtin_cpu_supports("avx2");
	case STRAT_IND_ISA_AVX512:
		return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
		       __builtin_cpu_supports("avx512vl");
	}
	return false;
}

enum strat_ind_isa ind_isa_best(void)
{
	if (ind_isa_ok(STRAT_IND_ISA_AVX512))
		return STRAT_IND_ISA_AVX512;
	if (ind_isa_ok(STRAT_IND_ISA_AVX2))
		return STRAT_IND_ISA_AVX2;
	return STRAT_IND_ISA_SCALAR;
}

int strat_ind_multi_init(struct strat_ind_multi *m, unsigned lanes,
			 const struct strat_ind_params *p, unsigned flags, char *err, size_t errlen)
{
	struct ind_multi *s = (struct ind_multi *)m;
	if (lanes < 1 || lanes > STRAT_IND_MAX_LANES) {
		core_errf(err, errlen, "strat_ind_multi_init: lanes = %u out of range [1, %u]",
		          lanes, STRAT_IND_MAX_LANES);
		return -EINVAL;
	}
	struct ind_cfg cfg;
	int r = ind_cfg_from_params(&cfg, p, flags, err, errlen);
	if (r)
		return r;
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->lanes = lanes;
	s->isa = ind_isa_best();
	return 0;
}

int strat_ind_multi_set_isa(struct strat_ind_multi *m, enum strat_ind_isa isa)
{
	struct ind_multi *s = (struct ind_multi *)m;
	if (isa != STRAT_IND_ISA_SCALAR && isa != STRAT_IND_ISA_AVX2 && isa != STRAT_IND_ISA_AVX512)
		return -EINVAL;
	if (!ind_isa_ok(isa))
		return -ENOTSUP;
	s->isa = isa;
	return 0;
}

enum strat_ind_isa strat_ind_multi_isa(const struct strat_ind_multi *m)
{
	return ((const struct ind_multi *)m)->isa;
}

void strat_ind_multi_update(struct strat_ind_multi *m, const struct strat_bar_lanes *in,
			    double out[STRAT_IND_COUNT][STRAT_IND_MAX_LANES])
{
	struct ind_multi *s = (struct ind_multi *)m;
	const double *inp = (const double *)in; /* IN_* rows of STRAT_IND_MAX_LANES doubles */
	double *o = (double *)out;
	const unsigned L = STRAT_IND_MAX_LANES;
	unsigned lo = 0;
	switch (s->isa) {
	case STRAT_IND_ISA_AVX512:
		for (; lo + 8 <= s->lanes; lo += 8)
			ind_kern_avx512(&s->cfg, &s->ctl, s->st, s->rg, inp, o, L, lo);
		break;
	case STRAT_IND_ISA_AVX2:
		for (; lo + 4 <= s->lanes; lo += 4)
			ind_kern_avx2(&s->cfg, &s->ctl, s->st, s->rg, inp, o, L, lo);
		break;
	case STRAT_IND_ISA_SCALAR:
		break;
	}
	for (; lo < s->lanes; lo++)
		ind_kern_lane(&s->cfg, &s->ctl, s->st, s->rg, inp, o, L, lo);
	ind_ctl_advance(&s->cfg, &s->ctl);
}
