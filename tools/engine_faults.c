/*
 * engine_faults.c - what the engine does when something breaks: a stage that
 * fails on any thread (reported; trading halted where it matters), the
 * database that fails (trading halted, records counted), and the recovery of
 * a venue session after a stop or a crash (the orders and the last venue
 * message the database kept, the gateway's reconciliation, the resume).
 */
#define _GNU_SOURCE
#include "engine_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <unistd.h>

/* ---- failures ------------------------------------------------------------ */

void engine__fail(struct engine *e, const char *thread, const char *stage, int rc, bool halt)
{
	bool no = false;
	if (atomic_compare_exchange_strong(&e->failing, &no, true)) {
		/* the first failure is the one reported: its text, then the flag */
		snprintf(e->failure, sizeof(e->failure), "thread %s, stage %s: %s%s", thread, stage,
		         strerror(-rc), halt ? "; trading halted, open orders cancelled" : "");
		atomic_store_explicit(&e->failed, true, memory_order_release);
	}
	if (halt)
		risk_control_fault(&e->ctl);
}

/* A hot thread's stage failed: trading halts and the other hot threads stop
 * now (a pipeline with a dead stage would run on half-blind). */
void engine__hot_failed(void *arg, const struct core_runner *r, const char *stage, int rc)
{
	struct engine *e = arg;
	engine__fail(e, r->name, stage, rc, true);
	atomic_store_explicit(&e->stop, true, memory_order_relaxed);
}

/* An aux or control thread's stage failed outside a guard: its thread is
 * gone (with what else it ran), so trading halts. */
void engine__side_failed(void *arg, const struct core_runner *r, const char *stage, int rc)
{
	engine__fail(arg, r->name, stage, rc, true);
}

/* A guarded aux stage: its failure is reported (halting trading when the
 * stage matters to it) and the stage stops, while the others on the thread
 * go on (persistence must not die with telemetry). */
int engine__guarded_poll(void *arg, uint32_t *ret_work)
{
	struct engine_guard *g = arg;
	int r = g->poll(g->ctx, ret_work);
	if (r >= 0)
		return r;
	engine__fail(g->e, "osprey-aux", g->name, r, g->halts);
	*ret_work = 1;
	return CORE_EOF;
}

/* The persist writer, guarded: when the database fails (disk full, I/O
 * error, map full) trading halts (risk_control_fault: HALTED, cancel-all)
 * and the failure is reported, while the aux thread goes on with telemetry
 * and the risk model. The records that can no longer be stored are drained
 * and counted (never silently: the report and status say how many), so exec
 * is not held back and the cancel-all reaches the venue. */
int engine__persist_guard_poll(void *ctx, uint32_t *ret_work)
{
	struct engine *e = ctx;
	struct core_ring *in = e->risk_events ? e->persist_fwd : e->persist_ring;
	if (!atomic_load_explicit(&e->g.persist_failed, memory_order_relaxed)) {
		int r = persist_writer_poll(e->writer, ret_work);
		if (r >= 0)
			return r;
		snprintf(e->persist_error, sizeof(e->persist_error), "%s",
		         persist_writer_error(e->writer));
		atomic_store_explicit(&e->g.persist_failed, true, memory_order_release);
		risk_control_fault(&e->ctl); /* told by status now, by the run's error at the end */
	}
	uint32_t n = core_ring_readable_upto(in, 4096), i = 0;
	bool eos = false;
	for (; i < n && !eos; i++)
		eos = ((const struct persist_rec *)core_ring_peek(in, i))->kind == PERSIST_EOS;
	if (i)
		core_ring_release(in, i);
	atomic_fetch_add_explicit(&e->g.persist_unstored, i - eos, memory_order_relaxed);
	*ret_work = i;
	return eos ? CORE_EOF : 0;
}

/* ---- recovery ------------------------------------------------------------ */

/* What the database holds of the gateway's session (OUCH or FIX): the last
 * venue message stored and the orders open at the stop. Either one means a
 * recovery. */
int engine__load_session(struct engine *e, char *err, size_t errlen)
{
	int r = persist_get_meta(e->db, PERSIST_META_VENUE_SEQ, &e->venue_seq);
	if (r < 0 && r != -ENOENT) {
		core_errf(err, errlen, "%s: cannot read %s (%s)", e->o.db, PERSIST_META_VENUE_SEQ,
		          strerror(-r));
		return r;
	}
	const unsigned cap = 4096; /* the gateway's default order table */
	struct persist_order *po = calloc(cap, sizeof(*po));
	e->open_orders = calloc(cap, sizeof(*e->open_orders));
	if (!po || !e->open_orders) {
		free(po);
		core_errf(err, errlen, "%s: out of memory for open orders", e->o.db);
		return -ENOMEM;
	}
	unsigned n = 0;
	r = persist_load_open_orders(e->db, po, cap, &n);
	if (r < 0) {
		free(po);
		core_errf(err, errlen, "%s: cannot load open orders (%s%s)", e->o.db, strerror(-r),
		          r == -ENOSPC ? ": more than the gateway's 4096" : "");
		return r;
	}
	for (unsigned i = 0; i < n; i++)
		e->open_orders[i] = (struct exec_open_order){ .order = po[i].order,
			                                      .leaves_qty = po[i].leaves_qty,
			                                      .cum_qty = po[i].cum_qty,
			                                      .acked = po[i].status != 0 };
	free(po);
	e->nopen_orders = n;
	e->recover = e->venue_seq > 0 || n > 0;
	return 0;
}

/* The gateway's recovery, until it is done (the hot thread owns the gateway). */
void engine__publish_recovery(struct engine *e)
{
	struct exec_recovery_stats rec;
	if (e->ouch_gw) {
		struct exec_ouch_gw_stats gs;
		exec_ouch_gw_stats(e->ouch_gw, &gs);
		rec = gs.recovery;
	} else {
		struct exec_fix_gw_stats gs;
		exec_fix_gw_stats(e->fix_gw, &gs);
		rec = gs.recovery;
	}
	const struct exec_recovery_stats *r = &rec;
	struct engine_gauges *g = &e->g;
	atomic_store_explicit(&g->rec_from_seq, r->from_seq, memory_order_relaxed);
	atomic_store_explicit(&g->rec_restored, r->restored, memory_order_relaxed);
	atomic_store_explicit(&g->rec_replayed, r->replayed, memory_order_relaxed);
	atomic_store_explicit(&g->rec_replay_fills, r->replay_fills, memory_order_relaxed);
	atomic_store_explicit(&g->rec_closed, r->closed_by_venue, memory_order_relaxed);
	atomic_store_explicit(&g->rec_adopted, r->adopted, memory_order_relaxed);
	atomic_store_explicit(&g->rec_not_at_venue, r->not_at_venue, memory_order_relaxed);
	atomic_store_explicit(&g->rec_cancelled, r->cancelled, memory_order_relaxed);
	atomic_store_explicit(&g->rec_differences, r->differences, memory_order_relaxed);
	/* the state last: who sees DONE sees the counts (release, acquire) */
	atomic_store_explicit(&g->rec_state, r->state, memory_order_release);
	if (r->state == EXEC_RECOVERY_DONE)
		e->rec_publishing = false;
}

int engine__recovery_poll(void *ctx, uint32_t *ret_work)
{
	struct engine *e = ctx;
	*ret_work = 0;
	/* done once decided (or the operator resumed), or once the input ended */
	if (atomic_load_explicit(&e->recovery, memory_order_relaxed) != ENGINE_REC_RUNNING ||
	    atomic_load_explicit(&e->g.input_done, memory_order_relaxed))
		return CORE_EOF;
	if (atomic_load_explicit(&e->g.rec_state, memory_order_acquire) != EXEC_RECOVERY_DONE)
		return 0;
	uint64_t diffs = atomic_load_explicit(&e->g.rec_differences, memory_order_relaxed);
	char what[96];
	snprintf(what, sizeof(what), "reconciled:%" PRIu64 "_differences", diffs);
	if (e->o.auto_resume && diffs == 0) {
		risk_control_set_mode(&e->ctl, RISK_MODE_ACTIVE);
		atomic_store_explicit(&e->recovery, ENGINE_REC_RESUMED, memory_order_relaxed);
		engine__audit(e, getuid(), "recovery", what, "resumed(auto_resume)");
	} else {
		atomic_store_explicit(&e->recovery, ENGINE_REC_WAITING, memory_order_relaxed);
		engine__audit(e, getuid(), "recovery", what, "halted(waiting_for_resume)");
	}
	*ret_work = 1;
	return CORE_EOF;
}

