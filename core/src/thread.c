/* thread.c - named, pinned threads and the stage runner. */
#define _GNU_SOURCE
#include "core.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int core_cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

int core_thread_pin(int cpu, const char *name)
{
	if (name) {
		char buf[16];
		snprintf(buf, sizeof(buf), "%s", name);
		pthread_setname_np(pthread_self(), buf);
	}
	if (cpu < 0)
		return 0;
	if (cpu >= CPU_SETSIZE)
		return -EINVAL;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	int r = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	return -r;
}

static void runner_idle(struct core_runner *r, uint32_t idle_streak)
{
	if (r->idle == CORE_IDLE_SPIN || idle_streak < r->spin_limit) {
		core_cpu_relax();
		return;
	}
	if (r->idle == CORE_IDLE_YIELD) {
		sched_yield();
		return;
	}
	struct timespec ts = { .tv_sec = (time_t)(r->sleep_ns / 1000000000ull),
			       .tv_nsec = (long)(r->sleep_ns % 1000000000ull) };
	nanosleep(&ts, NULL);
}

int core_runner_run(struct core_runner *r)
{
	bool done[CORE_RUNNER_MAX_STAGES] = { false };
	unsigned ndone = 0;
	uint32_t idle_streak = 0;

	r->result = 0;
	while (ndone < r->nstages) {
		/* relaxed: the flag carries no data; the stages' rings do. */
		if (r->stop && atomic_load_explicit(r->stop, memory_order_relaxed))
			break;
		/* Pass 0 polls every stage; later passes poll only the stages after
		 * the first, while they still make progress, so what the first stage
		 * (the source, where there is one) admitted leaves the thread before
		 * more is admitted. On one hot thread that is what keeps a stage that
		 * waited for a later one (risk for the venue) from adding a round of
		 * latency to every tick behind it. */
		uint64_t work = 0;
		for (unsigned pass = 0; pass <= CORE_RUNNER_DRAIN_PASSES; pass++) {
			uint64_t pass_work = 0;
			for (unsigned i = pass ? 1 : 0; i < r->nstages; i++) {
				if (done[i])
					continue;
				uint32_t n = 0;
				int rc = r->stages[i].poll(r->stages[i].ctx, &n);
				if (rc < 0) {
					r->result = rc;
					if (r->on_fail)
						r->on_fail(r->fail_arg, r, r->stages[i].name, rc);
					return rc;
				}
				pass_work += n;
				if (rc == CORE_EOF) {
					done[i] = true;
					ndone++;
					pass_work++; /* finishing is progress: poll the rest again */
				}
			}
			work += pass_work;
			if (!pass_work)
				break;
		}
		if (work) {
			r->busy_rounds++;
			idle_streak = 0;
		} else {
			r->idle_rounds++;
			if (idle_streak < UINT32_MAX)
				idle_streak++;
			runner_idle(r, idle_streak);
		}
	}
	return r->result;
}

struct runner_thread {
	pthread_t tid;
	struct core_runner *r;
};

static void *runner_main(void *arg)
{
	struct core_runner *r = arg;
	int rc = core_thread_pin(r->cpu, r->name);
	if (rc < 0) {
		r->result = rc;
		return NULL;
	}
	core_runner_run(r);
	return NULL;
}

/* The pthread handle lives beside the runner in a small static table keyed
 * by runner address, so struct core_runner stays free of pthread types. */
#define MAX_RUNNERS 64
static struct runner_thread runners[MAX_RUNNERS];
static pthread_mutex_t runners_lock = PTHREAD_MUTEX_INITIALIZER;

int core_runner_start(struct core_runner *r)
{
	pthread_mutex_lock(&runners_lock);
	struct runner_thread *slot = NULL;
	for (int i = 0; i < MAX_RUNNERS; i++)
		if (!runners[i].r) {
			slot = &runners[i];
			break;
		}
	if (!slot) {
		pthread_mutex_unlock(&runners_lock);
		return -EAGAIN;
	}
	slot->r = r;
	pthread_mutex_unlock(&runners_lock);
	int rc = pthread_create(&slot->tid, NULL, runner_main, r);
	if (rc) {
		pthread_mutex_lock(&runners_lock);
		slot->r = NULL;
		pthread_mutex_unlock(&runners_lock);
		return -rc;
	}
	return 0;
}

int core_runner_join(struct core_runner *r)
{
	pthread_t tid;
	bool found = false;
	pthread_mutex_lock(&runners_lock);
	for (int i = 0; i < MAX_RUNNERS; i++)
		if (runners[i].r == r) {
			tid = runners[i].tid;
			runners[i].r = NULL;
			found = true;
			break;
		}
	pthread_mutex_unlock(&runners_lock);
	if (!found)
		return -ESRCH;
	pthread_join(tid, NULL);
	return r->result;
}
