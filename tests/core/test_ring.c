#undef NDEBUG
#include "core.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>

struct msg {
	uint64_t seq;
	uint64_t check;
};

static void test_single_thread(void)
{
	assert(core_ring_create("bad", 3, 16) == NULL);
	assert(core_ring_create("bad", 4, 12) == NULL);
	struct core_ring *r = core_ring_create("t", 8, sizeof(struct msg));
	assert(r && core_ring_capacity(r) == 8);
	struct msg m = { 0 }, out;
	assert(core_ring_pop(r, &out) == CORE_RING_EMPTY);
	for (uint64_t i = 0; i < 8; i++) {
		m.seq = i;
		assert(core_ring_push(r, &m) == 0);
	}
	m.seq = 99;
	assert(core_ring_push(r, &m) == CORE_RING_FULL);
	assert(r->full_waits == 1);
	for (uint64_t i = 0; i < 8; i++) {
		assert(core_ring_pop(r, &out) == 0);
		assert(out.seq == i);
	}
	assert(core_ring_pop(r, &out) == CORE_RING_EMPTY);
	/* bursts across the wrap, and peek/release */
	struct msg burst[5];
	uint64_t next_in = 0, next_out = 0;
	for (int round = 0; round < 1000; round++) {
		for (int i = 0; i < 5; i++)
			burst[i] = (struct msg){ .seq = next_in + (uint64_t)i };
		uint32_t n = core_ring_push_burst(r, burst, 5);
		next_in += n;
		uint32_t avail = core_ring_readable(r, 3);
		uint32_t take = avail < 3 ? avail : 3;
		for (uint32_t i = 0; i < take; i++) {
			const struct msg *p = core_ring_peek(r, i);
			assert(p->seq == next_out + i);
		}
		core_ring_release(r, take);
		next_out += take;
	}
	assert(next_in - next_out <= 8);
	core_ring_destroy(r);
}

static void test_index_wrap(void)
{
	/* free-running indices near UINT32_MAX: only unsigned differences are used */
	struct core_ring *r = core_ring_create("wrap", 4, sizeof(struct msg));
	atomic_store(&r->head, UINT32_MAX - 2);
	atomic_store(&r->tail, UINT32_MAX - 2);
	r->tail_cache = r->head_cache = UINT32_MAX - 2;
	struct msg m, out;
	for (uint64_t i = 0; i < 100; i++) {
		m.seq = i;
		assert(core_ring_push(r, &m) == 0);
		assert(core_ring_push(r, &m) == 0);
		assert(core_ring_pop(r, &out) == 0 && out.seq == i);
		assert(core_ring_pop(r, &out) == 0 && out.seq == i);
	}
	core_ring_destroy(r);
}

#define N_MSGS 2000000ull

static void *producer(void *arg)
{
	struct core_ring *r = arg;
	struct msg batch[7];
	uint64_t seq = 0;
	while (seq < N_MSGS) {
		uint32_t want = (uint32_t)((seq % 7) + 1);
		if (seq + want > N_MSGS)
			want = (uint32_t)(N_MSGS - seq);
		for (uint32_t i = 0; i < want; i++)
			batch[i] = (struct msg){ .seq = seq + i, .check = (seq + i) * 2654435761u };
		uint32_t n = core_ring_push_burst(r, batch, want);
		seq += n;
		if (!n)
			core_cpu_relax();
	}
	return NULL;
}

static void test_threads(void)
{
	struct core_ring *r = core_ring_create("spsc", 64, sizeof(struct msg));
	pthread_t t;
	assert(pthread_create(&t, NULL, producer, r) == 0);
	uint64_t expect = 0;
	while (expect < N_MSGS) {
		uint32_t avail = core_ring_readable(r, 1);
		if (!avail) {
			core_cpu_relax();
			continue;
		}
		/* alternate zero-copy and copying consumption */
		if (expect & 1) {
			for (uint32_t i = 0; i < avail; i++) {
				const struct msg *p = core_ring_peek(r, i);
				assert(p->seq == expect && p->check == expect * 2654435761u);
				expect++;
			}
			core_ring_release(r, avail);
		} else {
			struct msg out[4];
			uint32_t n = core_ring_pop_burst(r, out, 4);
			for (uint32_t i = 0; i < n; i++) {
				assert(out[i].seq == expect && out[i].check == expect * 2654435761u);
				expect++;
			}
		}
	}
	pthread_join(t, NULL);
	assert(core_ring_readable(r, 1) == 0);
	core_ring_destroy(r);
}

int main(void)
{
	test_single_thread();
	test_index_wrap();
	test_threads();
	printf("ring ok\n");
	return 0;
}
