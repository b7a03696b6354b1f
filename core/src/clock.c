/* clock.c - TSC calibrated against CLOCK_MONOTONIC. */
#include "core.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

struct core_clock__state core_clock__g;

uint64_t core_monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static CORE_COLD bool cpu_has_invariant_tsc(void)
{
#if defined(__x86_64__)
	/* /proc/cpuinfo flags are what the kernel trusts (constant_tsc, nonstop_tsc). */
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return false;
	char line[4096];
	bool constant = false, nonstop = false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5) != 0)
			continue;
		constant = strstr(line, " constant_tsc") != NULL;
		nonstop = strstr(line, " nonstop_tsc") != NULL;
		break;
	}
	fclose(f);
	return constant && nonstop;
#else
	return false;
#endif
}

CORE_COLD int core_clock_init(unsigned calib_ms)
{
	if (core_clock__g.mult)
		return 0;
	if (calib_ms == 0)
		calib_ms = 20;
	if (!cpu_has_invariant_tsc()) {
		core_clock__g.tsc = false;
		core_clock__g.mult = 1;
		return 0;
	}
	/* Bracket each reading with two TSC reads and keep the tightest pair, so a
	 * preemption during calibration cannot skew the rate much. */
	uint64_t t_a = 0, n_a = 0, t_b = 0, n_b = 0, best = UINT64_MAX;
	for (int i = 0; i < 5; i++) {
		uint64_t x = core_rdtsc(), n = core_monotonic_ns(), y = core_rdtsc();
		if (y - x < best) {
			best = y - x;
			t_a = x + (y - x) / 2;
			n_a = n;
		}
	}
	struct timespec sl = { .tv_sec = calib_ms / 1000, .tv_nsec = (long)(calib_ms % 1000) * 1000000 };
	nanosleep(&sl, NULL);
	best = UINT64_MAX;
	for (int i = 0; i < 5; i++) {
		uint64_t x = core_rdtsc(), n = core_monotonic_ns(), y = core_rdtsc();
		if (y - x < best) {
			best = y - x;
			t_b = x + (y - x) / 2;
			n_b = n;
		}
	}
	if (t_b <= t_a || n_b <= n_a)
		return -EIO;
	core_clock__g.tsc0 = t_b;
	core_clock__g.ns0 = n_b;
	core_clock__g.mult = (uint64_t)(((unsigned __int128)(n_b - n_a) << 32) / (t_b - t_a));
	core_clock__g.tsc = true;
	return 0;
}

uint64_t core_clock_tsc_hz(void)
{
	if (!core_clock__g.tsc || !core_clock__g.mult)
		return 0;
	return (uint64_t)(((unsigned __int128)1000000000ull << 32) / core_clock__g.mult);
}

bool core_clock_uses_tsc(void)
{
	return core_clock__g.tsc;
}
