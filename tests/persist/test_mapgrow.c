/* A map that fills grows: opened at 128 KiB with room to grow to 64 MiB, the
 * writer stores 20,000 orders (about 2 MiB) by doubling the map as batches
 * find it full, while another thread reads the store all along (growing
 * waits for its transactions); everything is there after a reopen. At the
 * limit the writer fails with -ENOSPC as before (test persist-mapfull). */
#undef NDEBUG
#include <pthread.h>

#include "../stage_poll.h"
#include "util.h"

static _Atomic bool done;
static _Atomic uint64_t reads;

static void *reader(void *arg)
{
	struct persist *p = arg;
	while (!atomic_load(&done)) {
		struct persist_order o;
		uint64_t next = 0;
		int r = persist_get_order(p, 1, &o);
		CHECK(r == 0 || r == -ENOENT);
		CHECK(persist_next_order_id(p, &next) == 0);
		atomic_fetch_add(&reads, 1);
	}
	return NULL;
}

int main(void)
{
	char dir[256], err[256] = "";
	tmpdir_make(dir, sizeof(dir));
	struct persist *p = NULL;
	struct persist_options o = { .mapsize = 128 << 10, .mapsize_max = 64 << 20,
	                             .sync = PERSIST_SYNC_NONE };
	CHECK(persist_open_opts(dir, &o, &p, err, sizeof(err)) == 0);
	CHECK(persist_mapsize(p) == 128 << 10);
	struct core_ring *ring = core_ring_create("persist", 32768, sizeof(struct persist_rec));
	struct core_ring *in[1] = { ring };
	struct persist_writer *w = NULL;
	CHECK(persist_writer_create(&(struct persist_writer_cfg){ .db = p, .in = in, .nin = 1,
	                                                           .batch = 1000 },
	                            &w, err, sizeof(err)) == 0);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, reader, p) == 0);
	for (unsigned i = 1; i <= 20000; i++) {
		struct persist_rec r = rec_order(i, 1, 'B', 100000, 10);
		CHECK(core_ring_push(ring, &r) == 0);
	}
	struct persist_rec eos = { .kind = PERSIST_EOS };
	CHECK(core_ring_push(ring, &eos) == 0);
	int rc = writer_drain(w);
	atomic_store(&done, true);
	pthread_join(t, NULL);
	struct persist_writer_stats st;
	persist_writer_stats(w, &st);
	printf("map %llu KiB after %llu grows; %llu reads meanwhile; writer %d %s\n",
	       (unsigned long long)(persist_mapsize(p) >> 10), (unsigned long long)st.map_grows,
	       (unsigned long long)atomic_load(&reads), rc, persist_writer_error(w));
	CHECK(rc == CORE_EOF && st.error == 0 && st.orders == 20000);
	CHECK(st.map_grows >= 3 && persist_mapsize(p) > 1 << 20 && persist_mapsize(p) <= 64 << 20);
	w = persist_writer_destroy(w);
	p = persist_close(p);

	CHECK(persist_open_opts(dir, &(struct persist_options){ .mapsize = 64 << 20 }, &p, err,
	                        sizeof(err)) == 0);
	uint64_t next = 0;
	struct persist_order got;
	CHECK(persist_next_order_id(p, &next) == 0 && next == 20001);
	CHECK(persist_get_order(p, 12345, &got) == 0 && got.order.order_id == 12345);
	persist_close(p);
	core_ring_destroy(ring);
	tmpdir_remove(dir);
	printf("persist mapgrow: ok\n");
	return 0;
}
