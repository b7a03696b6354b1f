/* Round trip of each record kind through the writer, and the read API. */
#undef NDEBUG
#include <lmdb.h>

#include "../stage_poll.h"
#include "util.h"

int main(void)
{
	char dir[256], err[256] = "";
	tmpdir_make(dir, sizeof(dir));
	struct persist *p = NULL;
	struct persist_options opt = { .mapsize = 64 << 20, .sync = PERSIST_SYNC_NONE };
	int r = persist_open_opts(dir, &opt, &p, err, sizeof(err));
	if (r) {
		fprintf(stderr, "open: %d %s\n", r, err);
		return 1;
	}
	uint64_t next = 0;
	CHECK(persist_next_order_id(p, &next) == 0 && next == 1);

	struct core_ring *ring = core_ring_create("persist", 64, sizeof(struct persist_rec));
	struct core_ring *in[1] = { ring };
	struct persist_writer *w = NULL;
	struct persist_writer_cfg wc = { .db = p, .in = in, .nin = 1 };
	CHECK(persist_writer_create(&wc, &w, err, sizeof(err)) == 0);
	CHECK(poll_work(persist_writer_poll, w) == 0); /* idle: nothing to do, no spin */

	struct persist_rec recs[] = {
		rec_order(5, 1, 'B', 100000, 100),
		rec_order(6, 1, 'S', 101000, 50),
		rec_order(7, 2, 'B', 5000, 10),
		rec_order(8, 2, 'B', 5000, 10),
		rec_report(5, EXEC_ACK, 100, 100, 0),
		rec_report(5, EXEC_FILL, 40, 60, 40),
		rec_report(6, EXEC_ACK, 50, 50, 0),
		rec_report(6, EXEC_FILL, 50, 0, 50),
		rec_report(7, EXEC_REJECTED, 10, 0, 0),
		rec_report(99, EXEC_ACK, 1, 1, 0), /* orphan: journaled only */
		rec_pos(1, 40, 4000000, 0),
		rec_pos(1, -10, -1010000, 2500), /* later wins */
		rec_pos(300, 7, 700, -3),
	};
	struct persist_rec cancel = { .kind = PERSIST_ORDER };
	cancel.u.order = (struct order_msg){ .kind = ORDER_CANCEL, .order_id = 5, .seq = 77 };
	struct persist_rec odd = { .kind = 9, .run_seq = 4242 };
	unsigned n = sizeof(recs) / sizeof(recs[0]);
	for (unsigned i = 0; i < n; i++) {
		recs[i].run_seq = i + 1;
		CHECK(core_ring_push(ring, &recs[i]) == 0);
	}
	CHECK(core_ring_push(ring, &cancel) == 0);
	CHECK(core_ring_push(ring, &odd) == 0);
	struct persist_rec eos = { .kind = PERSIST_EOS };
	CHECK(core_ring_push(ring, &eos) == 0);
	CHECK(writer_drain(w) == CORE_EOF);
	CHECK(poll_once(persist_writer_poll, w, NULL) == CORE_EOF);
	CHECK(core_ring_readable(ring, 1) == 0);

	struct persist_writer_stats ws;
	persist_writer_stats(w, &ws);
	CHECK(ws.records == n + 2 && ws.txns == 1 && ws.eof && ws.error == 0);
	CHECK(ws.orders == 4 && ws.positions == 3 && ws.orphan_reports == 1);
	CHECK(ws.journal == 6 + 2);
	CHECK(ws.backlog_hwm == n + 3 && persist_writer_backlog_hwm(w) == n + 3);
	CHECK(strcmp(persist_writer_error(w), "") == 0);

	/* orders: the NEW as sent plus the latest status */
	struct persist_order o;
	CHECK(persist_get_order(p, 5, &o) == 0);
	CHECK(o.order.px == 100000 && o.order.qty == 100 && o.order.seq == 50);
	CHECK(o.status == EXEC_FILL && o.leaves_qty == 60 && o.cum_qty == 40);
	CHECK(persist_get_order(p, 6, &o) == 0 && o.status == EXEC_FILL && o.leaves_qty == 0);
	CHECK(persist_get_order(p, 7, &o) == 0 && o.status == EXEC_REJECTED);
	CHECK(persist_get_order(p, 8, &o) == 0 && o.status == 0 && o.leaves_qty == 10);
	CHECK(persist_get_order(p, 99, &o) == -ENOENT);
	struct persist_order open_o[8];
	unsigned nopen = 0;
	CHECK(persist_load_open_orders(p, open_o, 8, &nopen) == 0 && nopen == 2);
	CHECK(open_o[0].order.order_id == 5 && open_o[1].order.order_id == 8);
	CHECK(persist_load_open_orders(p, open_o, 1, &nopen) == -ENOSPC);
	CHECK(persist_next_order_id(p, &next) == 0 && next == 9);

	/* journal: reports and the cancel, in order, whole records */
	uint64_t cnt = 0, jnext = 0;
	CHECK(persist_journal_count(p, &cnt, &jnext) == 0 && cnt == 8 && jnext == 9);
	struct persist_rec j[16];
	unsigned nj = 0;
	CHECK(persist_journal_read(p, 1, j, 16, &nj, &jnext) == 0 && nj == 8 && jnext == 9);
	CHECK(j[0].kind == PERSIST_REPORT && j[0].u.report.order_id == 5 &&
	      j[0].u.report.kind == EXEC_ACK && j[0].run_seq == 5);
	CHECK(memcmp(&j[5], &recs[9], sizeof(j[5])) == 0);
	CHECK(j[6].kind == PERSIST_ORDER && j[6].u.order.kind == ORDER_CANCEL &&
	      j[6].u.order.seq == 77);
	CHECK(j[7].kind == 9 && j[7].run_seq == 4242);
	CHECK(persist_journal_read(p, 7, j, 1, &nj, &jnext) == 0 && nj == 1 && jnext == 8 &&
	      j[0].kind == PERSIST_ORDER);

	/* positions: latest per locate, ascending */
	struct position pos[4];
	unsigned npos = 0;
	CHECK(persist_load_positions(p, pos, 4, &npos) == 0 && npos == 2);
	CHECK(pos[0].locate == 1 && pos[0].qty == -10 && pos[0].cost == -1010000 &&
	      pos[0].realized_pnl == 2500 && pos[0].ts_ns == 777);
	CHECK(pos[1].locate == 300 && pos[1].qty == 7 && pos[1].realized_pnl == -3);
	CHECK(persist_load_positions(p, pos, 1, &npos) == -ENOSPC);

	/* meta */
	uint64_t v = 0;
	CHECK(persist_get_meta(p, PERSIST_META_KILL, &v) == -ENOENT);
	CHECK(persist_set_meta(p, PERSIST_META_KILL, 1) == 0);
	CHECK(persist_get_meta(p, PERSIST_META_KILL, &v) == 0 && v == 1);
	CHECK(persist_set_meta(p, PERSIST_META_NEXT_ORDER_ID, 500) == 0);
	CHECK(persist_next_order_id(p, &next) == 0 && next == 500);
	CHECK(persist_set_meta_blob(p, "note", "hello", 5) == 0);
	char buf[8];
	size_t len = 0;
	CHECK(persist_get_meta_blob(p, "note", buf, sizeof(buf), &len) == 0 && len == 5 &&
	      memcmp(buf, "hello", 5) == 0);
	CHECK(persist_get_meta_blob(p, "note", buf, 2, &len) == -EMSGSIZE && len == 5);
	CHECK(persist_get_meta(p, "note", &v) == -EPROTO);
	CHECK(persist_set_meta(p, "", 1) == -EINVAL);
	char longkey[100];
	memset(longkey, 'k', 99);
	longkey[99] = 0;
	CHECK(persist_set_meta(p, longkey, 1) == -EINVAL);
	uint64_t run = 0;
	CHECK(persist_run_begin(p, &run) == 0 && run == 1);
	CHECK(persist_run_begin(p, &run) == 0 && run == 2);

	/* bad arguments */
	CHECK(persist_writer_create(&(struct persist_writer_cfg){ .db = p, .in = in, .nin = 0 },
				    &w, err, sizeof(err)) == -EINVAL);
	struct core_ring *wrong = core_ring_create("w", 8, 64);
	struct core_ring *in2[1] = { wrong };
	struct persist_writer *w2 = NULL;
	CHECK(persist_writer_create(&(struct persist_writer_cfg){ .db = p, .in = in2, .nin = 1 },
				    &w2, err, sizeof(err)) == -EINVAL && !w2);
	CHECK(strstr(err, "in[0]"));
	core_ring_destroy(wrong);

	w = persist_writer_destroy(w);
	CHECK(persist_writer_destroy(NULL) == NULL);
	p = persist_close(p);
	CHECK(persist_close(NULL) == NULL);

	/* a regular file where the directory should be */
	char fpath[300];
	snprintf(fpath, sizeof(fpath), "%s/data.mdb", dir);
	r = persist_open(fpath, &p, err, sizeof(err));
	CHECK(r < 0 && p == NULL && strstr(err, "data.mdb"));
	CHECK(persist_errno(MDB_MAP_FULL) == -ENOSPC);
	CHECK(persist_errno(0) == 0 && persist_errno(EIO) == -EIO);

	core_ring_destroy(ring);
	tmpdir_remove(dir);
	printf("persist roundtrip: ok\n");
	return 0;
}
