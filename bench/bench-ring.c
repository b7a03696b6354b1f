/*
 * bench-ring - SPSC ring round trip between two pinned threads.
 *
 * Thread A pushes a 64-byte message into ring 1; thread B pops it and pushes
 * it back on ring 2; A pops it and records the round trip. The anchor, in the
 * same run, is a bare cache-line ping-pong (one atomic each way), the floor
 * any cross-core ring pays. Prints p50/p99/p99.9/max in ns.
 *
 * usage: bench-ring [--smoke] [--iters N] [--cpus A,B]
 */
#define _GNU_SOURCE
#include "core.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct msg {
	uint64_t seq;
	uint64_t pad[7];
};

static struct core_ring *ping, *pong;
static uint64_t iters = 1000000;
static int cpu_a = 0, cpu_b = 1;
static CORE_ALIGNED _Atomic uint64_t flag_a, flag_b;

static void *echo_ring(void *arg)
{
	(void)arg;
	core_thread_pin(cpu_b, "ring-echo");
	struct msg m;
	for (uint64_t i = 0; i < iters + 1000; i++) {
		while (core_ring_pop(ping, &m) != 0)
			core_cpu_relax();
		while (core_ring_push(pong, &m) != 0)
			core_cpu_relax();
	}
	return NULL;
}

static void *echo_flag(void *arg)
{
	(void)arg;
	core_thread_pin(cpu_b, "flag-echo");
	for (uint64_t i = 1; i <= iters + 1000; i++) {
		/* acquire pairs with the sender's release; our release with its acquire */
		while (atomic_load_explicit(&flag_a, memory_order_acquire) != i)
			core_cpu_relax();
		atomic_store_explicit(&flag_b, i, memory_order_release);
	}
	return NULL;
}

static void report(const char *name, struct core_hist *h)
{
	printf("%-22s count=%lld p50=%lld p99=%lld p99.9=%lld max=%lld ns\n", name,
	       (long long)h->total, (long long)core_hist_value_at(h, 50),
	       (long long)core_hist_value_at(h, 99), (long long)core_hist_value_at(h, 99.9),
	       (long long)core_hist_max(h));
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke"))
			iters = 20000;
		else if (!strcmp(argv[i], "--iters") && i + 1 < argc)
			iters = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--cpus") && i + 1 < argc)
			sscanf(argv[++i], "%d,%d", &cpu_a, &cpu_b);
	}
	if (core_cpu_count() < 2)
		cpu_b = cpu_a; /* still correct, just not a cross-core figure */
	core_clock_init(50);
	ping = core_ring_create("ping", 1024, sizeof(struct msg));
	pong = core_ring_create("pong", 1024, sizeof(struct msg));
	struct core_hist ring_h, flag_h;
	if (!ping || !pong || core_hist_init(&ring_h) || core_hist_init(&flag_h))
		return 1;
	core_thread_pin(cpu_a, "bench-ring");

	pthread_t t;
	pthread_create(&t, NULL, echo_flag, NULL);
	for (uint64_t i = 1; i <= iters + 1000; i++) {
		uint64_t t0 = core_now_ns();
		atomic_store_explicit(&flag_a, i, memory_order_release);
		while (atomic_load_explicit(&flag_b, memory_order_acquire) != i)
			core_cpu_relax();
		if (i > 1000)
			core_hist_record(&flag_h, (int64_t)(core_now_ns() - t0));
	}
	pthread_join(t, NULL);

	pthread_create(&t, NULL, echo_ring, NULL);
	struct msg m = { 0 };
	for (uint64_t i = 0; i < iters + 1000; i++) {
		m.seq = i;
		uint64_t t0 = core_now_ns();
		while (core_ring_push(ping, &m) != 0)
			core_cpu_relax();
		while (core_ring_pop(pong, &m) != 0)
			core_cpu_relax();
		if (m.seq != i) {
			fprintf(stderr, "bench-ring: sequence %llu came back as %llu\n",
				(unsigned long long)i, (unsigned long long)m.seq);
			return 1;
		}
		if (i >= 1000)
			core_hist_record(&ring_h, (int64_t)(core_now_ns() - t0));
	}
	pthread_join(t, NULL);

	printf("ring round trip, cpus %d<->%d, %llu iterations, 64-byte messages\n", cpu_a, cpu_b,
	       (unsigned long long)iters);
	report("anchor cache-line RTT", &flag_h);
	report("core_ring RTT", &ring_h);
	printf("ratio ring/anchor p50 = %.2f\n",
	       (double)core_hist_value_at(&ring_h, 50) / (double)core_hist_value_at(&flag_h, 50));
	return 0;
}
