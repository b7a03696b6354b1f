/* The writer on its own thread while a producer fills the ring and the main
 * thread reads and sets meta concurrently (LMDB readers and one writer).
 * Meant for -Db_sanitize=thread too. */
#undef NDEBUG
#include <pthread.h>
#include <sched.h>

#include "util.h"

#define N 20000

static struct core_ring *ring;
static struct persist_writer *w;
static _Atomic int writer_result;

static void *producer(void *arg)
{
	(void)arg;
	for (unsigned i = 1; i <= N; i++) {
		struct persist_rec r = (i % 2) ? rec_order(i, 1, 'B', 100, 1)
					       : rec_pos((uint16_t)(i % 64), i, i, 0);
		r.run_seq = i;
		while (core_ring_push(ring, &r) == CORE_RING_FULL)
			sched_yield();
	}
	struct persist_rec eos = { .kind = PERSIST_EOS };
	while (core_ring_push(ring, &eos) == CORE_RING_FULL)
		sched_yield();
	return NULL;
}

static void *writer(void *arg)
{
	(void)arg;
	int r;
	uint32_t work;
	while ((r = poll_once(persist_writer_poll, w, &work)) == 0)
		if (work == 0)
			sched_yield(); /* the runner would back off here */
	atomic_store_explicit(&writer_result, r, memory_order_relaxed);
	return NULL;
}

int main(void)
{
	char dir[256], err[256] = "";
	tmpdir_make(dir, sizeof(dir));
	struct persist *p = NULL;
	struct persist_options opt = { .mapsize = 256 << 20, .sync = PERSIST_SYNC_NONE };
	CHECK(persist_open_opts(dir, &opt, &p, err, sizeof(err)) == 0);
	ring = core_ring_create("persist", 1024, sizeof(struct persist_rec));
	struct core_ring *in[1] = { ring };
	CHECK(persist_writer_create(&(struct persist_writer_cfg){ .db = p, .in = in, .nin = 1,
								   .batch = 256 },
				    &w, err, sizeof(err)) == 0);
	pthread_t tw, tp;
	CHECK(pthread_create(&tw, NULL, writer, NULL) == 0);
	CHECK(pthread_create(&tp, NULL, producer, NULL) == 0);
	/* concurrent readers and a meta writer: positions only ever grow */
	int64_t last = 0;
	for (int i = 0; i < 200; i++) {
		struct position pos[64];
		unsigned n = 0;
		CHECK(persist_load_positions(p, pos, 64, &n) == 0 && n <= 64);
		int64_t sum = 0;
		for (unsigned k = 0; k < n; k++)
			sum += pos[k].qty;
		CHECK(sum >= last);
		last = sum;
		CHECK(persist_set_meta(p, PERSIST_META_KILL, (uint64_t)i) == 0);
		struct persist_writer_stats st;
		persist_writer_stats(w, &st);
		CHECK(st.error == 0);
	}
	CHECK(pthread_join(tp, NULL) == 0);
	CHECK(pthread_join(tw, NULL) == 0);
	CHECK(atomic_load(&writer_result) == CORE_EOF);
	struct persist_writer_stats st;
	persist_writer_stats(w, &st);
	CHECK(st.records == N && st.orders == N / 2 && st.positions == N / 2 && st.eof);
	CHECK(st.backlog_hwm > 0 && st.backlog_hwm <= 1024);
	uint64_t next = 0, kill = 0;
	CHECK(persist_next_order_id(p, &next) == 0 && next == N);
	CHECK(persist_get_meta(p, PERSIST_META_KILL, &kill) == 0 && kill == 199);
	struct position pos[64];
	unsigned n = 0;
	CHECK(persist_load_positions(p, pos, 64, &n) == 0 && n == 32); /* even locates */
	w = persist_writer_destroy(w);
	p = persist_close(p);
	core_ring_destroy(ring);
	tmpdir_remove(dir);
	printf("persist threaded: ok\n");
	return 0;
}
