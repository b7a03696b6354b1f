/* isa_skip.h - how the tests that compare SIMD paths report the paths this
 * CPU lacks, all in the same words (header-only, test code).
 *
 * A path the CPU lacks is reported once, "SKIP: avx2 not available" or
 * "SKIP: avx512 not available": its comparisons did not run. With neither,
 * a comparison of paths would set scalar against itself and prove nothing,
 * so the test ends with isa_skip_exit_if_scalar_only(), which says so and
 * exits 77 (meson: SKIP) once every other check has run: a PASS always
 * means at least one SIMD path was compared. */
#ifndef OSPREY_TEST_STRATEGY_ISA_SKIP_H
#define OSPREY_TEST_STRATEGY_ISA_SKIP_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* isa_skip_report - one line per missing path (nothing on a CPU with both). */
static inline void isa_skip_report(bool avx2, bool avx512)
{
	if (!avx2)
		printf("SKIP: avx2 not available\n");
	if (!avx512)
		printf("SKIP: avx512 not available\n");
}

/* isa_skip_exit_if_scalar_only - call last; returns if a SIMD path ran. */
static inline void isa_skip_exit_if_scalar_only(bool avx2, bool avx512)
{
	if (avx2 || avx512)
		return;
	printf("SKIP: no AVX2 or AVX-512 on this CPU: the kernel paths were not compared "
	       "(every other check passed)\n");
	fflush(stdout);
	exit(77);
}

#endif /* OSPREY_TEST_STRATEGY_ISA_SKIP_H */
