/* core_runner_run: stages polled until every one returns CORE_EOF; a stage
 * that fails ends the run with its errno after on_fail has been told which
 * runner and stage; a set stop flag ends it at once. */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core.h"

struct counter {
	int polls, eof_after, fail_at, rc;
};

static int count_poll(void *ctx, uint32_t *ret_work)
{
	struct counter *c = ctx;
	c->polls++;
	*ret_work = 1;
	if (c->fail_at && c->polls == c->fail_at)
		return c->rc;
	return c->eof_after && c->polls >= c->eof_after ? CORE_EOF : 0;
}

static int fails;
static char failed_stage[32], failed_runner[16];
static int failed_rc;

static void on_fail(void *arg, const struct core_runner *r, const char *stage, int rc)
{
	assert(arg == &fails);
	fails++;
	snprintf(failed_stage, sizeof(failed_stage), "%s", stage);
	snprintf(failed_runner, sizeof(failed_runner), "%s", r->name);
	failed_rc = rc;
}

static void setup(struct core_runner *r, struct counter *a, struct counter *b)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "test-runner");
	r->cpu = -1;
	r->idle = CORE_IDLE_SPIN;
	r->on_fail = on_fail;
	r->fail_arg = &fails;
	r->stages[r->nstages++] = (struct core_stage){ "a", count_poll, a };
	r->stages[r->nstages++] = (struct core_stage){ "b", count_poll, b };
}

int main(void)
{
	struct core_runner r;
	/* both finish: 0, no failure reported */
	struct counter a = { .eof_after = 3 }, b = { .eof_after = 5 };
	setup(&r, &a, &b);
	assert(core_runner_run(&r) == 0 && r.result == 0 && fails == 0);
	assert(a.polls == 3 && b.polls == 5); /* a finished stage is not polled again */

	/* b fails on its fourth poll: the run ends with its errno, on_fail names it */
	a = (struct counter){ .eof_after = 100 };
	b = (struct counter){ .fail_at = 4, .rc = -EIO };
	setup(&r, &a, &b);
	assert(core_runner_run(&r) == -EIO && r.result == -EIO);
	assert(fails == 1 && failed_rc == -EIO && !strcmp(failed_stage, "b") &&
	       !strcmp(failed_runner, "test-runner"));
	assert(b.polls == 4 && a.polls < 100);

	/* a set stop flag: nothing is polled, 0, no failure */
	_Atomic bool stop = true;
	a = (struct counter){ .eof_after = 3 };
	b = (struct counter){ .eof_after = 3 };
	setup(&r, &a, &b);
	r.stop = &stop;
	assert(core_runner_run(&r) == 0 && a.polls == 0 && fails == 1);
	printf("core runner: ok\n");
	return 0;
}
