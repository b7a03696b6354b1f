/* Fills move the stored position in the transaction that journals them, and
 * the venue session's highest sequence number rides in the same transaction:
 * after every commit (one record each here, the worst split a crash can see)
 * the store's positions equal the journaled fills replayed through
 * core_position_apply, and PERSIST_META_VENUE_SEQ is the highest venue_seq
 * journaled; both survive a reopen. */
#undef NDEBUG
#include "util.h"

struct fill {
	uint16_t locate;
	uint8_t side;
	uint32_t qty, px;
	uint64_t venue_seq;
};

static struct persist_rec rec_fill(uint64_t id, const struct fill *f)
{
	struct persist_rec r = rec_report(id, EXEC_FILL, f->qty, 0, f->qty);
	r.u.report.locate = f->locate;
	r.u.report.side = f->side;
	r.u.report.px = f->px;
	r.u.report.ts_ns = 1000 + id;
	r.u.report.venue_seq = f->venue_seq;
	return r;
}

static void check_store(struct persist *p, const struct position *want, unsigned nloc,
                        uint64_t want_seq)
{
	struct position got[8];
	unsigned n = 0;
	CHECK(persist_load_positions(p, got, 8, &n) == 0);
	unsigned nonzero = 0;
	for (unsigned l = 0; l < nloc; l++) {
		if (!want[l].qty && !want[l].cost && !want[l].realized_pnl)
			continue;
		nonzero++;
		bool found = false;
		for (unsigned i = 0; i < n; i++)
			if (got[i].locate == l) {
				CHECK(got[i].qty == want[l].qty && got[i].cost == want[l].cost &&
				      got[i].realized_pnl == want[l].realized_pnl);
				found = true;
			}
		CHECK(found);
	}
	CHECK(n == nonzero);
	uint64_t seq = 0;
	int r = persist_get_meta(p, PERSIST_META_VENUE_SEQ, &seq);
	CHECK(want_seq ? r == 0 && seq == want_seq : r == -ENOENT);
}

int main(void)
{
	char dir[256], err[256] = "";
	tmpdir_make(dir, sizeof(dir));
	struct persist *p = NULL;
	struct persist_options opt = { .mapsize = 64 << 20, .sync = PERSIST_SYNC_NONE };
	CHECK(persist_open_opts(dir, &opt, &p, err, sizeof(err)) == 0);
	struct core_ring *ring = core_ring_create("in", 1024, sizeof(struct persist_rec));
	struct core_ring *in[1] = { ring };
	struct persist_writer *w = NULL;
	CHECK(persist_writer_create(&(struct persist_writer_cfg){ .db = p, .in = in, .nin = 1,
	                                                           .batch = 1 },
	                            &w, err, sizeof(err)) == 0);

	/* buys, a partial sell, a sell through zero, a late report that carries an
	 * older sequence number (it must not lower the stored one), a fill with
	 * no side (journal only), and a report with no venue sequence */
	const struct fill fills[] = {
		{ 3, 'B', 40, 100000, 5 },  { 3, 'B', 60, 101000, 7 }, { 5, 'S', 10, 250000, 8 },
		{ 3, 'S', 30, 102000, 9 },  { 3, 'S', 100, 99000, 4 }, { 5, 'B', 10, 240000, 11 },
		{ 3, 0, 77, 123400, 12 },   { 5, 'B', 5, 245000, 0 },
	};
	const unsigned nf = sizeof(fills) / sizeof(fills[0]);
	struct position want[8] = { { 0 } };
	uint64_t want_seq = 0;
	check_store(p, want, 8, 0);
	for (unsigned i = 0; i < nf; i++) {
		const struct fill *f = &fills[i];
		struct persist_rec r = rec_fill(i + 1, f);
		CHECK(core_ring_push(ring, &r) == 0);
		uint32_t work = 0;
		CHECK(poll_once(persist_writer_poll, w, &work) == 0 && work == 1);
		if (f->side)
			core_position_apply(&want[f->locate],
			                    f->side == 'B' ? (int64_t)f->qty : -(int64_t)f->qty, f->px);
		if (f->venue_seq > want_seq)
			want_seq = f->venue_seq;
		check_store(p, want, 8, want_seq);
	}
	CHECK(want[3].qty == -30 && want[5].qty == 5 && want_seq == 12);

	/* a cancel's venue_seq counts too (it is a message the session need not replay) */
	struct persist_rec c = rec_report(99, EXEC_CANCELED, 0, 0, 0);
	c.u.report.venue_seq = 20;
	CHECK(core_ring_push(ring, &c) == 0);
	CHECK(poll_work(persist_writer_poll, w) == 1);
	check_store(p, want, 8, 20);

	struct persist_rec eos = { .kind = PERSIST_EOS };
	CHECK(core_ring_push(ring, &eos) == 0);
	CHECK(poll_once(persist_writer_poll, w, NULL) == CORE_EOF);
	w = persist_writer_destroy(w);
	p = persist_close(p);
	CHECK(persist_open(dir, &p, err, sizeof(err)) == 0);
	check_store(p, want, 8, 20);
	persist_close(p);
	core_ring_destroy(ring);
	tmpdir_remove(dir);
	printf("persist fills: ok\n");
	return 0;
}
