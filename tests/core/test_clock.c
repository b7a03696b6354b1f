#undef NDEBUG
#include "core.h"

#include <assert.h>
#include <stdio.h>
#include <time.h>

int main(void)
{
	assert(core_clock_init(20) == 0);
	uint64_t a = core_now_ns(), ma = core_monotonic_ns();
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	uint64_t b = core_now_ns(), mb = core_monotonic_ns();
	assert(b > a);
	/* the TSC-derived interval agrees with CLOCK_MONOTONIC within 2% */
	double ratio = (double)(b - a) / (double)(mb - ma);
	printf("tsc=%d hz=%llu ratio=%.5f\n", core_clock_uses_tsc(),
	       (unsigned long long)core_clock_tsc_hz(), ratio);
	assert(ratio > 0.98 && ratio < 1.02);
	uint64_t prev = core_now_ns();
	for (int i = 0; i < 100000; i++) {
		uint64_t now = core_now_ns();
		assert(now >= prev);
		prev = now;
	}
	return 0;
}
