/* qmlp_internal.h - the int8 MLP layout, private to the strategy libraries:
 * read by the kernels (qmlp_simd.c) and the loader (qmlp.c), built by the
 * learn library's int8 export (strategy/learn/src/mlp.c) and written by its
 * qmlp_write.c. */
#ifndef OSPREY_QMLP_INTERNAL_H
#define OSPREY_QMLP_INTERNAL_H

#include <math.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "strategy.h"

/* strat__rint - round half to even under the default rounding mode, as
 * lrintf and cvtps2dq do; cvtss2si inline rather than a libm call. Only for
 * values well inside the int32 range. */
static inline int32_t strat__rint(float f)
{
#if defined(__x86_64__)
	return _mm_cvtss_si32(_mm_set_ss(f));
#else
	return (int32_t)lrintf(f);
#endif
}

#define STRAT__NN_LANES 16 /* outputs are padded to a multiple of this */

/*
 * One int8 layer, laid out for "outputs across lanes": for input pair p and
 * output j, the 32-bit word w[(p * out_pad + j) * 2 .. +1] holds the
 * sign-extended weights (W[j][2p], W[j][2p+1]), so one vpmaddwd of a
 * broadcast input pair against 16 (8) consecutive words adds two products to
 * 16 (8) output accumulators. Padded outputs have zero weights, bias and
 * scale; a padded input (odd in) has zero weights.
 */
struct strat__qlayer {
	uint32_t in, out;   /* real sizes */
	uint32_t in_pairs;  /* (in + 1) / 2 */
	uint32_t out_pad;   /* out rounded up to STRAT__NN_LANES */
	int16_t *w;         /* in_pairs * out_pad * 2, 64-byte aligned */
	int32_t *bias;      /* out_pad */
	float *scale;       /* out_pad: M (hidden layers) or D (the last layer) */
	int8_t *wq;         /* out * in, row-major: the file's copy */
	/* Rows form for a narrow last layer (out <= STRAT__NN_NARROW): w_rows[j *
	 * kpad + i] = W[j][i], zero-padded to kpad = in rounded up to 32, so a
	 * dot product of 32 inputs is one vpmaddwd plus a horizontal sum, instead
	 * of spending 16 lanes on 3 outputs. NULL for other layers. */
	int16_t *w_rows;
	uint32_t kpad;
};

#define STRAT__NN_NARROW 4
#define STRAT__NN_BIAS_LIMIT (1 << 30) /* |bias_q| bound: |acc| stays below 2^31 */

struct strat_qmlp {
	unsigned nsizes, nl;
	uint32_t sizes[STRAT_NN_MAX_LAYERS + 1];
	uint64_t schema_hash;
	float act_scale[STRAT_NN_MAX_LAYERS];
	float *in_a;        /* STRAT_NN_MAX_WIDTH, zero-padded: q = rint(clamp(x * a - b)) */
	float *in_b;
	struct strat__qlayer layer[STRAT_NN_MAX_LAYERS];
	void *mem;          /* one core_alloc block holding every array */
	size_t mem_len;
};

/*
 * A path's whole forward pass: quantize x (q->sizes[0] values), run every
 * layer, write each layer's accumulators into trace (real outputs only, layer
 * after layer) when trace is not NULL, and the last layer's out_pad
 * accumulators into acc_out.
 */
typedef void (*strat__qmlp_fn)(const struct strat_qmlp *q, const int32_t *x, int32_t *trace,
			       int32_t *acc_out);

void strat__qmlp_run_scalar(const struct strat_qmlp *q, const int32_t *x, int32_t *trace,
			    int32_t *acc_out);
void strat__qmlp_run_avx2(const struct strat_qmlp *q, const int32_t *x, int32_t *trace,
			  int32_t *acc_out);
void strat__qmlp_run_avx512(const struct strat_qmlp *q, const int32_t *x, int32_t *trace,
			    int32_t *acc_out);

/* strat__qmlp_alloc - q's arrays for q->nsizes, q->nl and q->sizes, in one
 * zeroed block (q->mem). 0 or -ENOMEM. */
int strat__qmlp_alloc(struct strat_qmlp *q);
/* strat__qmlp_layout - fill the kernels' layouts (w, w_rows) from wq. */
void strat__qmlp_layout(struct strat_qmlp *q);

/* The .onn container, shared by its reader (qmlp.c) and its writer (the
 * learn library's qmlp_write.c, which describes the layout). */
#define STRAT__NN_MAGIC "OSPRYNN"
#define STRAT__NN_KIND_QMLP 1
#define STRAT__NN_HDR_BYTES 64

/* strat__qmlp_payload_bytes - bytes between the header and the checksum. */
static inline size_t strat__qmlp_payload_bytes(const uint32_t *sizes, unsigned nsizes)
{
	size_t n = (nsizes - 1) * sizeof(float) + 2 * (size_t)sizes[0] * sizeof(float);
	for (unsigned l = 0; l + 1 < nsizes; l++)
		n += (size_t)sizes[l + 1] * (sizeof(float) + sizeof(int32_t)) +
		     (size_t)sizes[l + 1] * sizes[l];
	return n;
}

#endif /* OSPREY_QMLP_INTERNAL_H */
