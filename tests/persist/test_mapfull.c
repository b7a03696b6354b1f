/* Failure injection: a tiny map fills up. The writer reports -ENOSPC with a
 * message, keeps the failed batch in the ring, and after reopening with a
 * larger map the earlier commits are intact and the batch can be written. */
#undef NDEBUG
#include "../stage_poll.h"
#include "util.h"

int main(void)
{
	char dir[256], err[256] = "";
	tmpdir_make(dir, sizeof(dir));
	struct persist *p = NULL;
	struct persist_options small = { .mapsize = 128 << 10 };
	CHECK(persist_open_opts(dir, &small, &p, err, sizeof(err)) == 0);
	struct core_ring *ring = core_ring_create("persist", 8192, sizeof(struct persist_rec));
	struct core_ring *in[1] = { ring };
	struct persist_writer *w = NULL;
	CHECK(persist_writer_create(&(struct persist_writer_cfg){ .db = p, .in = in, .nin = 1 }, &w,
				    err, sizeof(err)) == 0);

	/* a first batch that fits */
	for (unsigned i = 1; i <= 50; i++) {
		struct persist_rec r = rec_order(i, 1, 'B', 100000, 10);
		CHECK(core_ring_push(ring, &r) == 0);
	}
	struct persist_rec r = rec_pos(1, 50, 500, 5);
	CHECK(core_ring_push(ring, &r) == 0);
	CHECK(poll_work(persist_writer_poll, w) == 51);

	/* then far more than 128 KiB */
	for (unsigned i = 51; i <= 5050; i++) {
		r = rec_order(i, 1, 'B', 100000, 10);
		CHECK(core_ring_push(ring, &r) == 0);
	}
	r = (struct persist_rec){ .kind = PERSIST_EOS };
	CHECK(core_ring_push(ring, &r) == 0);
	int rc = poll_once(persist_writer_poll, w, NULL);
	CHECK(rc == -ENOSPC);
	const char *msg = persist_writer_error(w);
	fprintf(stderr, "expected failure: %s\n", msg);
	CHECK(strstr(msg, "MDB_MAP_FULL") && strstr(msg, dir) && strstr(msg, "orders"));
	CHECK(poll_once(persist_writer_poll, w, NULL) == -ENOSPC); /* sticky */
	struct persist_writer_stats st;
	persist_writer_stats(w, &st);
	CHECK(st.error == -ENOSPC && st.records == 51 && st.txns == 1);
	/* nothing of the failed batch was released */
	CHECK(core_ring_readable(ring, 1) == 5001);
	w = persist_writer_destroy(w);
	p = persist_close(p);

	/* reopen bigger: the first batch is intact, the failed one absent */
	struct persist_options big = { .mapsize = 64 << 20 };
	CHECK(persist_open_opts(dir, &big, &p, err, sizeof(err)) == 0);
	uint64_t next = 0;
	CHECK(persist_next_order_id(p, &next) == 0 && next == 51);
	struct position pos[2];
	unsigned n = 0;
	CHECK(persist_load_positions(p, pos, 2, &n) == 0 && n == 1 && pos[0].qty == 50);
	/* a new writer on the same ring finishes the job */
	CHECK(persist_writer_create(&(struct persist_writer_cfg){ .db = p, .in = in, .nin = 1 }, &w,
				    err, sizeof(err)) == 0);
	int last;
	uint32_t work;
	while ((last = poll_once(persist_writer_poll, w, &work)) == 0 && work > 0)
		;
	CHECK(last == CORE_EOF);
	CHECK(persist_next_order_id(p, &next) == 0 && next == 5051);
	struct persist_order o;
	CHECK(persist_get_order(p, 2500, &o) == 0 && o.order.qty == 10);
	w = persist_writer_destroy(w);
	p = persist_close(p);

	/* opening garbage: a clear error, no crash */
	char f[300];
	snprintf(f, sizeof(f), "%s/data.mdb", dir);
	FILE *fp = fopen(f, "w");
	CHECK(fp);
	for (int i = 0; i < 4096; i++)
		fputc('x', fp);
	fclose(fp);
	rc = persist_open(dir, &p, err, sizeof(err));
	fprintf(stderr, "expected failure: %d %s\n", rc, err);
	CHECK(rc == -EPROTO && p == NULL && strstr(err, "mdb_env_open"));

	core_ring_destroy(ring);
	tmpdir_remove(dir);
	printf("persist mapfull: ok\n");
	return 0;
}
