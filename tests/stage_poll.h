/* stage_poll.h - calling a stage's poll function (core_poll_fn) from a test. */
#ifndef OSPREY_TEST_STAGE_POLL_H
#define OSPREY_TEST_STAGE_POLL_H

#include <stdio.h>
#include <stdlib.h>

#include "core.h"

/* One poll: its result (0, CORE_EOF or a negative errno); the work it did in
 * *ret_work when that is non-NULL (0 after an error). */
static inline int poll_once(core_poll_fn *fn, void *ctx, uint32_t *ret_work)
{
	uint32_t w = 0;
	int r = fn(ctx, &w);
	if (ret_work)
		*ret_work = r < 0 ? 0 : w;
	return r;
}

/* The work of one poll that must return 0 (the stream goes on); any other
 * result fails the test. */
static inline uint32_t poll_work(core_poll_fn *fn, void *ctx)
{
	uint32_t w = 0;
	int r = fn(ctx, &w);
	if (r != 0) {
		fprintf(stderr, "poll returned %d where the stream should go on\n", r);
		exit(1);
	}
	return w;
}

#endif
