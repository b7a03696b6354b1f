/* calibrate.c - Platt scaling: a logistic map from a model's score to the
 * probability of an up move, fitted by Newton's method with a backtracking
 * line search on Platt's smoothed targets (the algorithm of H.-T. Lin, C.-J.
 * Lin and R. C. Weng, "A note on Platt's probabilistic outputs for support
 * vector machines", 2007, which stays finite where Platt's original could
 * overflow). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "learn.h"

#define MAX_ITER 100
#define MIN_STEP 1e-10
#define SIGMA    1e-12 /* keeps the Hessian positive definite */
#define EPS      1e-5  /* gradient small enough: done (LIBSVM's test) */

/* log(1 + exp(-t)) + (1 - target) t, written both ways so neither exp overflows;
 * here t = -(a x + b) in Lin's sign (p = 1 / (1 + exp(t))) */
static double loss(const double *x, const double *tgt, size_t n, double a, double b)
{
	double f = 0;
	for (size_t i = 0; i < n; i++) {
		double t = x[i] * a + b;
		f += t >= 0 ? tgt[i] * t + log1p(exp(-t)) : (tgt[i] - 1) * t + log1p(exp(t));
	}
	return f;
}

int strat_platt_fit(const double *x, const float *y, size_t n, double *ret_a, double *ret_b)
{
	size_t pos = 0;
	for (size_t i = 0; i < n; i++)
		pos += y[i] > 0.5f;
	size_t neg = n - pos;
	if (n < 2 || pos == 0 || neg == 0)
		return -EINVAL;
	double hi = ((double)pos + 1) / ((double)pos + 2), lo = 1 / ((double)neg + 2);
	double *tgt = malloc(n * sizeof(double));
	if (!tgt)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		tgt[i] = y[i] > 0.5f ? hi : lo;
	/* Lin's parameters: p = 1 / (1 + exp(A x + B)) */
	double A = 0, B = log(((double)neg + 1) / ((double)pos + 1));
	double fval = loss(x, tgt, n, A, B);
	int r = -EDOM;
	for (int it = 0; it < MAX_ITER; it++) {
		double h11 = SIGMA, h22 = SIGMA, h21 = 0, g1 = 0, g2 = 0;
		for (size_t i = 0; i < n; i++) {
			double t = x[i] * A + B, p, q;
			if (t >= 0) {
				double e = exp(-t);
				p = e / (1 + e);
				q = 1 / (1 + e);
			} else {
				double e = exp(t);
				p = 1 / (1 + e);
				q = e / (1 + e);
			}
			double d2 = p * q, d1 = tgt[i] - p;
			h11 += x[i] * x[i] * d2;
			h22 += d2;
			h21 += x[i] * d2;
			g1 += x[i] * d1;
			g2 += d1;
		}
		if (fabs(g1) < EPS && fabs(g2) < EPS) {
			r = 0;
			break;
		}
		double det = h11 * h22 - h21 * h21;
		double dA = -(h22 * g1 - h21 * g2) / det, dB = -(-h21 * g1 + h11 * g2) / det;
		double gd = g1 * dA + g2 * dB, step = 1;
		/* the Newton decrement: what a full step could still gain is below
		 * the loss's own rounding (the gradient, a sum over n rows, need
		 * not reach EPS for large n) */
		if (-gd <= 1e-12 * (fval + 1)) {
			r = 0;
			break;
		}
		while (step >= MIN_STEP) {
			double nA = A + step * dA, nB = B + step * dB, nf = loss(x, tgt, n, nA, nB);
			if (nf < fval + 0.0001 * step * gd) {
				A = nA, B = nB, fval = nf;
				break;
			}
			step /= 2;
		}
		if (step < MIN_STEP)
			break; /* the line search failed: -EDOM */
	}
	free(tgt);
	if (r == 0) {
		*ret_a = -A; /* p = 1 / (1 + exp(-(a x + b))) */
		*ret_b = -B;
	}
	return r;
}
