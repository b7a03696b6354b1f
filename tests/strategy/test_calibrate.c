/* strat_platt_fit: on data drawn from a known logistic law it finds that law
 * again; the fitted probabilities are the empirical rates where data is
 * dense; perfectly separated data still gives finite parameters (Platt's
 * smoothed targets); one class, or fewer than two rows, is refused. */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "learn.h"

static double uniform(uint64_t *x)
{
	*x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
	return (double)(*x >> 11) / 9007199254740992.0;
}

int main(void)
{
	enum { N = 200000 };
	static double v[N];
	static float y[N];
	uint64_t x = 0x9E3779B97F4A7C15ull;
	struct {
		double a, b;
	} laws[] = { { 2, -0.5 }, { 0.7, 0.2 }, { -1.5, 0 } };
	for (size_t k = 0; k < sizeof(laws) / sizeof(laws[0]); k++) {
		double a = laws[k].a, b = laws[k].b;
		for (size_t i = 0; i < N; i++) {
			v[i] = 2 * uniform(&x) - 1;
			y[i] = uniform(&x) < 1 / (1 + exp(-(a * v[i] + b))) ? 1.0f : 0.0f;
		}
		double fa, fb;
		assert(strat_platt_fit(v, y, N, &fa, &fb) == 0);
		printf("law %.2f %.2f: fitted %.4f %.4f\n", a, b, fa, fb);
		/* the standard errors here are about 0.01: 0.05 is five of them */
		assert(fabs(fa - a) < 0.05 && fabs(fb - b) < 0.05);
		/* where rows are dense the fitted probability is the observed rate */
		size_t n = 0, up = 0;
		for (size_t i = 0; i < N; i++)
			if (v[i] > 0.4 && v[i] < 0.5)
				n++, up += y[i] > 0.5f;
		double p = 1 / (1 + exp(-(fa * 0.45 + fb)));
		assert(fabs(p - (double)up / (double)n) < 0.02);
	}
	/* separated: up exactly when v > 0; the smoothed targets keep a finite */
	for (size_t i = 0; i < 1000; i++) {
		v[i] = (double)i / 500 - 1 + 0.0005;
		y[i] = v[i] > 0 ? 1.0f : 0.0f;
	}
	double fa, fb;
	assert(strat_platt_fit(v, y, 1000, &fa, &fb) == 0);
	printf("separated: fitted %.4f %.4f\n", fa, fb);
	assert(isfinite(fa) && isfinite(fb) && fa > 10);
	/* refused */
	for (size_t i = 0; i < 10; i++)
		y[i] = 1.0f;
	assert(strat_platt_fit(v, y, 10, &fa, &fb) == -EINVAL);
	assert(strat_platt_fit(v, y, 1, &fa, &fb) == -EINVAL);
	assert(strat_platt_fit(v, y, 0, &fa, &fb) == -EINVAL);
	printf("platt: ok\n");
	return 0;
}
