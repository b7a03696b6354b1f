/* learn_internal.h - private to the learn library: the Adam step shared by
 * the MLP and LSTM trainers, and the LSTM's gate matmul kernels. */
#ifndef OSPREY_LEARN_INTERNAL_H
#define OSPREY_LEARN_INTERNAL_H

#include "learn.h"

/* One Adam step (t >= 1) over n parameters; zeroes the gradients (mlp.c). */
void learn__adam(float *p, float *grads, float *am, float *av, size_t n, uint64_t t,
		 const struct strat_adam_cfg *cfg, float grad_scale);

/* Lane-form int16 matmul without requantization (the LSTM gates; lstm_simd.c):
 * acc[j] = sum_p w[p][j] . x[2p..2p+1] for j < out_pad (a multiple of 16,
 * <= 128). The AVX2 and AVX-512 kernels only on a CPU that has them. */
void learn__lanes_scalar(const int16_t *w, uint32_t in_pairs, uint32_t out_pad, const int16_t *x,
			 int32_t *acc);
void learn__lanes_avx2(const int16_t *w, uint32_t in_pairs, uint32_t out_pad, const int16_t *x,
		       int32_t *acc);
void learn__lanes_avx512(const int16_t *w, uint32_t in_pairs, uint32_t out_pad, const int16_t *x,
			 int32_t *acc);

#endif /* OSPREY_LEARN_INTERNAL_H */
