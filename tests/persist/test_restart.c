/* Positions, orders, the journal counter and meta survive close/reopen. */
#undef NDEBUG
#include "util.h"

static void write_run(struct persist *p, uint64_t first_id, unsigned norders, int64_t qty)
{
	char err[256];
	struct core_ring *ring = core_ring_create("persist", 256, sizeof(struct persist_rec));
	struct core_ring *in[1] = { ring };
	struct persist_writer *w = NULL;
	CHECK(persist_writer_create(&(struct persist_writer_cfg){ .db = p, .in = in, .nin = 1 }, &w,
				    err, sizeof(err)) == 0);
	for (unsigned i = 0; i < norders; i++) {
		struct persist_rec r = rec_order(first_id + i, 3, 'B', 100000, 10);
		CHECK(core_ring_push(ring, &r) == 0);
		r = rec_report(first_id + i, EXEC_ACK, 10, 10, 0);
		CHECK(core_ring_push(ring, &r) == 0);
	}
	struct persist_rec r = rec_pos(3, qty, qty * 100000, 42);
	CHECK(core_ring_push(ring, &r) == 0);
	r = (struct persist_rec){ .kind = PERSIST_EOS };
	CHECK(core_ring_push(ring, &r) == 0);
	CHECK(writer_drain(w) == CORE_EOF);
	persist_writer_destroy(w);
	core_ring_destroy(ring);
}

int main(void)
{
	char dir[256], err[256] = "";
	tmpdir_make(dir, sizeof(dir));
	struct persist *p = NULL;
	CHECK(persist_open(dir, &p, err, sizeof(err)) == 0);
	uint64_t run;
	CHECK(persist_run_begin(p, &run) == 0 && run == 1);
	write_run(p, 1, 20, 200);
	CHECK(persist_set_meta(p, PERSIST_META_KILL, 1) == 0);
	p = persist_close(p);

	/* "restart" */
	CHECK(persist_open(dir, &p, err, sizeof(err)) == 0);
	CHECK(persist_run_begin(p, &run) == 0 && run == 2);
	struct position pos[4];
	unsigned n = 0;
	CHECK(persist_load_positions(p, pos, 4, &n) == 0 && n == 1);
	CHECK(pos[0].locate == 3 && pos[0].qty == 200 && pos[0].cost == 200LL * 100000 &&
	      pos[0].realized_pnl == 42);
	uint64_t next = 0, killed = 0;
	CHECK(persist_next_order_id(p, &next) == 0 && next == 21);
	CHECK(persist_get_meta(p, PERSIST_META_KILL, &killed) == 0 && killed == 1);
	struct persist_order open_o[32];
	CHECK(persist_load_open_orders(p, open_o, 32, &n) == 0 && n == 20);
	uint64_t cnt = 0, jnext = 0;
	CHECK(persist_journal_count(p, &cnt, &jnext) == 0 && cnt == 20 && jnext == 21);

	/* the second run appends after the first: journal keys continue */
	write_run(p, next, 5, 250);
	CHECK(persist_journal_count(p, &cnt, &jnext) == 0 && cnt == 25 && jnext == 26);
	struct persist_rec j[4];
	CHECK(persist_journal_read(p, 21, j, 4, &n, NULL) == 0 && n == 4);
	CHECK(j[0].u.report.order_id == 21);
	p = persist_close(p);

	CHECK(persist_open(dir, &p, err, sizeof(err)) == 0);
	CHECK(persist_load_positions(p, pos, 4, &n) == 0 && n == 1 && pos[0].qty == 250);
	CHECK(persist_next_order_id(p, &next) == 0 && next == 26);
	CHECK(persist_set_meta(p, PERSIST_META_KILL, 0) == 0);
	p = persist_close(p);
	CHECK(persist_open(dir, &p, err, sizeof(err)) == 0);
	CHECK(persist_get_meta(p, PERSIST_META_KILL, &killed) == 0 && killed == 0);
	p = persist_close(p);
	tmpdir_remove(dir);
	printf("persist restart: ok\n");
	return 0;
}
