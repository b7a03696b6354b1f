/* Batching: N records in ceil(N / batch) transactions; several input rings;
 * EOF only after EOS from every ring; idle polls return 0. */
#undef NDEBUG
#include "../stage_poll.h"
#include "util.h"

int main(void)
{
	char dir[256], err[256] = "";
	tmpdir_make(dir, sizeof(dir));
	struct persist *p = NULL;
	struct persist_options opt = { .mapsize = 256 << 20, .sync = PERSIST_SYNC_NONE };
	CHECK(persist_open_opts(dir, &opt, &p, err, sizeof(err)) == 0);
	struct core_ring *a = core_ring_create("a", 16384, sizeof(struct persist_rec));
	struct core_ring *b = core_ring_create("b", 16384, sizeof(struct persist_rec));
	struct core_ring *in[2] = { a, b };
	struct core_hist_pair *hist = core_alloc(sizeof(*hist), CORE_CACHE_LINE);
	CHECK(hist && core_hist_pair_init(hist) == 0);
	struct persist_writer *w = NULL;
	CHECK(persist_writer_create(&(struct persist_writer_cfg){ .db = p, .in = in, .nin = 2,
								   .hist = hist },
				    &w, err, sizeof(err)) == 0);

	/* 10000 reports on ring a: default batch 4096 -> 3 transactions */
	for (unsigned i = 0; i < 10000; i++) {
		struct persist_rec r = rec_report(i + 1, EXEC_ACK, 1, 1, 0);
		r.run_seq = i + 1;
		CHECK(core_ring_push(a, &r) == 0);
	}
	int polls = 0, rr;
	uint32_t work;
	while ((rr = poll_once(persist_writer_poll, w, &work)) == 0 && work > 0)
		polls++;
	CHECK(rr == 0 && work == 0 && polls == 3);
	struct persist_writer_stats st;
	persist_writer_stats(w, &st);
	CHECK(st.records == 10000 && st.txns == 3 && st.journal == 10000);
	CHECK(st.backlog_hwm == 10000 && st.backlog == 0);
	CHECK(st.orphan_reports == 10000);

	/* both rings: 300 + 200 records in one transaction; then EOS from a only */
	for (unsigned i = 0; i < 300; i++) {
		struct persist_rec r = rec_order(100000 + i, 1, 'B', 1, 1);
		CHECK(core_ring_push(a, &r) == 0);
	}
	for (unsigned i = 0; i < 200; i++) {
		struct persist_rec r = rec_pos((uint16_t)i, i, i, 0);
		CHECK(core_ring_push(b, &r) == 0);
	}
	struct persist_rec eos = { .kind = PERSIST_EOS };
	CHECK(core_ring_push(a, &eos) == 0);
	CHECK(poll_work(persist_writer_poll, w) == 500);
	CHECK(poll_work(persist_writer_poll, w) == 0); /* a is done, b idle: not EOF yet */
	persist_writer_stats(w, &st);
	CHECK(st.txns == 4 && st.orders == 300 && st.positions == 200 && !st.eof);
	/* records behind a's EOS are not read */
	struct persist_rec late = rec_order(999999, 1, 'B', 1, 1);
	CHECK(core_ring_push(a, &late) == 0);
	CHECK(core_ring_push(b, &eos) == 0);
	CHECK(poll_once(persist_writer_poll, w, NULL) == CORE_EOF);
	CHECK(poll_once(persist_writer_poll, w, NULL) == CORE_EOF);
	struct persist_order o;
	CHECK(persist_get_order(p, 999999, &o) == -ENOENT);
	CHECK(persist_get_order(p, 100299, &o) == 0);
	uint64_t cnt;
	CHECK(persist_journal_count(p, &cnt, NULL) == 0 && cnt == 10000);
	/* one histogram record per committed transaction (the EOS-only one included) */
	struct core_hist *h = core_hist_pair_flip(hist);
	CHECK(h->total == 5);
	w = persist_writer_destroy(w);

	/* a small batch: 1000 records at 64 per transaction -> 16 */
	struct core_ring *c = core_ring_create("c", 2048, sizeof(struct persist_rec));
	struct core_ring *in1[1] = { c };
	CHECK(persist_writer_create(&(struct persist_writer_cfg){ .db = p, .in = in1, .nin = 1,
								   .batch = 64 },
				    &w, err, sizeof(err)) == 0);
	for (unsigned i = 0; i < 1000; i++) {
		struct persist_rec r = rec_pos(7, i, 0, 0);
		CHECK(core_ring_push(c, &r) == 0);
	}
	polls = 0;
	while ((rr = poll_once(persist_writer_poll, w, &work)) == 0 && work > 0) {
		CHECK(work <= 64);
		polls++;
	}
	persist_writer_stats(w, &st);
	CHECK(polls == 16 && st.txns == 16 && st.records == 1000);
	/* a batch of 3 (CORE_EOF's value) is a count, not the end */
	for (unsigned i = 0; i < 3; i++) {
		struct persist_rec r = rec_pos(8, i, 0, 0);
		CHECK(core_ring_push(c, &r) == 0);
	}
	rr = poll_once(persist_writer_poll, w, &work);
	CHECK(rr == 0 && work == 3);
	persist_writer_stats(w, &st);
	CHECK(st.records == 1003 && st.txns == 17);
	struct position pos[1];
	unsigned n;
	CHECK(persist_load_positions(p, pos, 1, &n) == -ENOSPC); /* 200 locates stored */
	w = persist_writer_destroy(w);

	core_hist_pair_fini(hist);
	core_free(hist);
	core_ring_destroy(a);
	core_ring_destroy(b);
	core_ring_destroy(c);
	p = persist_close(p);
	tmpdir_remove(dir);
	printf("persist batch: ok\n");
	return 0;
}
