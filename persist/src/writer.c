/* writer.c - the persist writer stage: persist_rec rings -> batched LMDB transactions. */
#include <stdio.h>

#include "persist_int.h"

struct persist_writer {
	struct persist *p;
	unsigned nin;
	uint32_t batch;
	struct core_ring *in[PERSIST_WRITER_MAX_INPUTS];
	bool eos[PERSIST_WRITER_MAX_INPUTS];
	uint32_t take[PERSIST_WRITER_MAX_INPUTS];
	struct core_hist_pair *hist;
	int error;
	bool eof;
	/* stats: written by the polling thread, read by any (relaxed: counters only) */
	_Atomic uint64_t records, txns, orders, journal, positions, orphans, grows;
	_Atomic uint64_t backlog, backlog_hwm;
	_Atomic int error_pub;
	_Atomic bool eof_pub;
	char msg[256];
};

int persist_writer_create(const struct persist_writer_cfg *cfg, struct persist_writer **ret,
			  char *err, size_t errlen)
{
	const char *bad = NULL;
	if (!cfg || !ret)
		bad = "cfg or ret is NULL";
	else if (!cfg->db)
		bad = "db (the store) is NULL";
	else if (!cfg->in || cfg->nin == 0 || cfg->nin > PERSIST_WRITER_MAX_INPUTS)
		bad = "in: need 1..8 rings";
	if (!bad)
		for (unsigned i = 0; i < cfg->nin; i++)
			if (!cfg->in[i] || cfg->in[i]->slot_size != sizeof(struct persist_rec)) {
				if (err && errlen)
					snprintf(err, errlen,
						 "persist: writer in[%u] is NULL or not a "
						 "persist_rec ring", i);
				return -EINVAL;
			}
	if (bad) {
		if (err && errlen)
			snprintf(err, errlen, "persist: writer %s", bad);
		return -EINVAL;
	}
	struct persist_writer *w = core_alloc(sizeof(*w), CORE_CACHE_LINE);
	if (!w) {
		if (err && errlen)
			snprintf(err, errlen, "persist: out of memory");
		return -ENOMEM;
	}
	w->p = cfg->db;
	w->nin = cfg->nin;
	w->batch = cfg->batch ? cfg->batch : 4096;
	w->hist = cfg->hist;
	for (unsigned i = 0; i < w->nin; i++)
		w->in[i] = cfg->in[i];
	*ret = w;
	return 0;
}

struct persist_writer *persist_writer_destroy(struct persist_writer *w)
{
	core_free(w);
	return NULL;
}

static void stat_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

struct batch_counts {
	uint64_t orders, journal, positions, orphans;
	uint64_t venue_seq; /* the highest venue sequence number in the batch */
};

static int fail(struct persist_writer *w, const char *what, uint64_t where, int rc)
{
	char buf[96];
	snprintf(buf, sizeof(buf), "%s (record %llu of the batch)", what,
		 (unsigned long long)where);
	persist__err(w->msg, sizeof(w->msg), w->p->path, buf, rc);
	w->error = persist_errno(rc);
	atomic_store_explicit(&w->error_pub, w->error, memory_order_relaxed);
	return w->error;
}

static int put_journal(struct persist_writer *w, MDB_txn *txn, const struct persist_rec *rec,
		       uint64_t *jnext)
{
	unsigned char kb[8];
	core_put_be64(kb, *jnext);
	MDB_val k = { 8, kb };
	unsigned char buf[sizeof(*rec) + PERSIST_SEAL];
	MDB_val v = persist__sealed(&k, rec, sizeof(*rec), buf);
	int rc = mdb_put(txn, w->p->dbi[PERSIST_DBI_REPORTS], &k, &v, MDB_APPEND);
	if (rc == 0)
		(*jnext)++;
	return rc;
}

/* A fill moves its instrument's stored position in the same transaction as
 * its journal record, so the two agree whatever point a crash stops at. */
static int fill_position(struct persist_writer *w, MDB_txn *txn, const struct exec_report *r,
			 struct batch_counts *bc, const char **what)
{
	if (r->side != 'B' && r->side != 'S')
		return 0; /* a fill for an order the gateway could not place: journal only */
	unsigned char kb[2];
	core_put_be16(kb, r->locate);
	MDB_val k = { 2, kb }, v;
	struct position pos = { .locate = r->locate };
	*what = "mdb_get(positions)";
	int rc = mdb_get(txn, w->p->dbi[PERSIST_DBI_POSITIONS], &k, &v);
	if (rc == 0) {
		*what = "positions record: its checksum (changed on disk)";
		if ((rc = persist__unseal(&k, &v, &pos, sizeof(pos))) != 0)
			return rc;
	} else if (rc != MDB_NOTFOUND) {
		return rc;
	}
	core_position_apply(&pos, r->side == 'B' ? (int64_t)r->qty : -(int64_t)r->qty, r->px);
	pos.ts_ns = r->ts_ns;
	pos.locate = r->locate;
	unsigned char buf[sizeof(pos) + PERSIST_SEAL];
	MDB_val nv = persist__sealed(&k, &pos, sizeof(pos), buf);
	*what = "mdb_put(positions, fill)";
	rc = mdb_put(txn, w->p->dbi[PERSIST_DBI_POSITIONS], &k, &nv, 0);
	bc->positions += rc == 0;
	return rc;
}

/* The venue session's highest sequence number, raised in the batch's transaction. */
static int put_venue_seq(struct persist_writer *w, MDB_txn *txn, uint64_t seq)
{
	MDB_val k = persist__in(PERSIST_META_VENUE_SEQ, strlen(PERSIST_META_VENUE_SEQ)), v;
	int rc = mdb_get(txn, w->p->dbi[PERSIST_DBI_META], &k, &v);
	if (rc == 0 && v.mv_size == 8 && core_be64(v.mv_data) >= seq)
		return 0;
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	unsigned char b[8];
	core_put_be64(b, seq);
	MDB_val nv = persist__in(b, 8);
	return mdb_put(txn, w->p->dbi[PERSIST_DBI_META], &k, &nv, 0);
}

static int put_record(struct persist_writer *w, MDB_txn *txn, const struct persist_rec *rec,
		      uint64_t *jnext, struct batch_counts *bc, const char **what)
{
	struct persist *p = w->p;
	int rc;
	switch (rec->kind) {
	case PERSIST_ORDER:
		if (rec->u.order.kind == ORDER_NEW) {
			struct persist_order o = { .order = rec->u.order,
						   .leaves_qty = rec->u.order.qty };
			unsigned char kb[8];
			core_put_be64(kb, o.order.order_id);
			MDB_val k = { 8, kb };
			unsigned char buf[sizeof(o) + PERSIST_SEAL];
			MDB_val v = persist__sealed(&k, &o, sizeof(o), buf);
			*what = "mdb_put(orders)";
			rc = mdb_put(txn, p->dbi[PERSIST_DBI_ORDERS], &k, &v, 0);
			bc->orders += rc == 0;
			return rc;
		}
		*what = "mdb_put(reports journal, order)";
		rc = put_journal(w, txn, rec, jnext);
		bc->journal += rc == 0;
		return rc;
	case PERSIST_REPORT: {
		*what = "mdb_put(reports journal)";
		rc = put_journal(w, txn, rec, jnext);
		if (rc)
			return rc;
		bc->journal++;
		const struct exec_report *r = &rec->u.report;
		if (r->venue_seq > bc->venue_seq)
			bc->venue_seq = r->venue_seq;
		if (r->kind == EXEC_FILL && (rc = fill_position(w, txn, r, bc, what)) != 0)
			return rc;
		unsigned char kb[8];
		core_put_be64(kb, r->order_id);
		MDB_val k = { 8, kb }, v;
		*what = "mdb_get(orders)";
		rc = mdb_get(txn, p->dbi[PERSIST_DBI_ORDERS], &k, &v);
		if (rc == MDB_NOTFOUND) {
			bc->orphans++;
			return 0;
		}
		if (rc)
			return rc;
		struct persist_order o;
		*what = "orders record: its checksum (changed on disk)";
		if ((rc = persist__unseal(&k, &v, &o, sizeof(o))) != 0)
			return rc;
		o.status = r->kind;
		o.leaves_qty = r->leaves_qty;
		o.cum_qty = r->cum_qty;
		unsigned char buf[sizeof(o) + PERSIST_SEAL];
		MDB_val nv = persist__sealed(&k, &o, sizeof(o), buf);
		*what = "mdb_put(orders, status)";
		return mdb_put(txn, p->dbi[PERSIST_DBI_ORDERS], &k, &nv, 0);
	}
	case PERSIST_POSITION: {
		unsigned char kb[2];
		core_put_be16(kb, rec->u.pos.locate);
		MDB_val k = { 2, kb };
		unsigned char buf[sizeof(rec->u.pos) + PERSIST_SEAL];
		MDB_val v = persist__sealed(&k, &rec->u.pos, sizeof(rec->u.pos), buf);
		*what = "mdb_put(positions)";
		rc = mdb_put(txn, p->dbi[PERSIST_DBI_POSITIONS], &k, &v, 0);
		bc->positions += rc == 0;
		return rc;
	}
	default:
		*what = "mdb_put(reports journal, unknown kind)";
		rc = put_journal(w, txn, rec, jnext);
		bc->journal += rc == 0;
		return rc;
	}
}

/* One batch in one transaction. */
struct batch {
	uint32_t n;             /* records written */
	uint64_t jnext;         /* the journal's next key after them */
	struct batch_counts bc;
	bool eos_now[PERSIST_WRITER_MAX_INPUTS];
	const char *what;       /* MDB_MAP_FULL: where */
};

/* Write what avail[] says is waiting (up to batch records) and commit: 0,
 * MDB_MAP_FULL (rolled back, b->what and b->n say where: the caller may grow
 * the map and call again), or a negative errno (fail() has run). */
static int write_batch(struct persist_writer *w, const uint32_t *avail, struct batch *b)
{
	memset(b, 0, sizeof(*b));
	MDB_txn *txn;
	int rc = persist__txn_begin(w->p, 0, &txn);
	if (rc)
		return fail(w, "mdb_txn_begin", 0, rc);
	b->jnext = w->p->journal_next;
	for (unsigned i = 0; i < w->nin; i++) {
		uint32_t j;
		for (j = 0; j < avail[i] && b->n < w->batch; j++) {
			const struct persist_rec *rec = core_ring_peek(w->in[i], j);
			if (rec->kind == PERSIST_EOS) {
				b->eos_now[i] = true;
				j++;
				break;
			}
			const char *what = "mdb_put";
			rc = put_record(w, txn, rec, &b->jnext, &b->bc, &what);
			if (rc) {
				persist__txn_abort(w->p, txn);
				b->what = what;
				return rc == MDB_MAP_FULL ? rc : fail(w, what, b->n, rc);
			}
			b->n++;
		}
		w->take[i] = j;
	}
	if (b->bc.venue_seq && (rc = put_venue_seq(w, txn, b->bc.venue_seq)) != 0) {
		persist__txn_abort(w->p, txn);
		b->what = "mdb_put(meta venue_seq)";
		return rc == MDB_MAP_FULL ? rc : fail(w, b->what, b->n, rc);
	}
	rc = persist__txn_commit(w->p, txn);
	if (rc) {
		b->what = "mdb_txn_commit";
		return rc == MDB_MAP_FULL ? rc : fail(w, b->what, b->n, rc);
	}
	return 0;
}

int persist_writer_poll(void *ctx, uint32_t *ret_work)
{
	struct persist_writer *w = ctx;
	if (w->error)
		return w->error;
	*ret_work = 0;
	if (w->eof)
		return CORE_EOF;

	uint64_t backlog = 0;
	uint32_t avail[PERSIST_WRITER_MAX_INPUTS];
	for (unsigned i = 0; i < w->nin; i++) {
		avail[i] = w->eos[i] ? 0 : core_ring_readable(w->in[i], w->batch);
		backlog += avail[i];
	}
	atomic_store_explicit(&w->backlog, backlog, memory_order_relaxed);
	if (backlog > atomic_load_explicit(&w->backlog_hwm, memory_order_relaxed))
		atomic_store_explicit(&w->backlog_hwm, backlog, memory_order_relaxed);
	if (backlog == 0)
		return 0;

	uint64_t t0 = w->hist ? core_now_ns() : 0;
	struct batch b;
	int rc;
	while ((rc = write_batch(w, avail, &b)) == MDB_MAP_FULL) {
		if (persist__grow(w->p) != 0)
			return fail(w, b.what, b.n, MDB_MAP_FULL); /* at mapsize_max */
		stat_add(&w->grows, 1); /* the map doubled: the same batch again */
	}
	if (rc < 0)
		return rc;
	uint32_t n = b.n;
	uint64_t jnext = b.jnext;
	struct batch_counts bc = b.bc;
	bool *eos_now = b.eos_now;
	w->p->journal_next = jnext;
	bool all_eos = true;
	for (unsigned i = 0; i < w->nin; i++) {
		if (w->take[i])
			core_ring_release(w->in[i], w->take[i]);
		w->eos[i] = w->eos[i] || eos_now[i];
		all_eos = all_eos && w->eos[i];
	}
	if (w->hist) {
		struct core_hist *h = core_hist_pair_begin(w->hist);
		core_hist_record(h, (int64_t)(core_now_ns() - t0));
		core_hist_pair_end(w->hist);
	}
	stat_add(&w->records, n);
	stat_add(&w->txns, 1);
	stat_add(&w->orders, bc.orders);
	stat_add(&w->journal, bc.journal);
	stat_add(&w->positions, bc.positions);
	stat_add(&w->orphans, bc.orphans);
	/* EOS markers alone count as work too, so the runner polls again */
	*ret_work = n ? n : 1;
	if (all_eos) {
		w->eof = true;
		atomic_store_explicit(&w->eof_pub, true, memory_order_relaxed);
		return CORE_EOF;
	}
	return 0;
}

void persist_writer_stats(const struct persist_writer *w, struct persist_writer_stats *ret)
{
	/* atomic loads through a const pointer: nothing is written */
	const struct persist_writer *m = w;
	*ret = (struct persist_writer_stats){
		.records = atomic_load_explicit(&m->records, memory_order_relaxed),
		.txns = atomic_load_explicit(&m->txns, memory_order_relaxed),
		.orders = atomic_load_explicit(&m->orders, memory_order_relaxed),
		.journal = atomic_load_explicit(&m->journal, memory_order_relaxed),
		.positions = atomic_load_explicit(&m->positions, memory_order_relaxed),
		.orphan_reports = atomic_load_explicit(&m->orphans, memory_order_relaxed),
		.map_grows = atomic_load_explicit(&m->grows, memory_order_relaxed),
		.backlog = atomic_load_explicit(&m->backlog, memory_order_relaxed),
		.backlog_hwm = atomic_load_explicit(&m->backlog_hwm, memory_order_relaxed),
		.error = atomic_load_explicit(&m->error_pub, memory_order_relaxed),
		.eof = atomic_load_explicit(&m->eof_pub, memory_order_relaxed),
	};
}

uint64_t persist_writer_backlog_hwm(const struct persist_writer *w)
{
	return atomic_load_explicit(&w->backlog_hwm, memory_order_relaxed);
}

const char *persist_writer_error(const struct persist_writer *w)
{
	return w->msg;
}
