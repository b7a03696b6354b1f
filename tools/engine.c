/*
 * engine.c - the pipeline assembled from its stages, and run: rings, stages,
 * the stage-to-thread mapping, the hot threads, the risk model's thread, the
 * aux thread (persistence, telemetry) and the control thread
 * (engine_control.c). About 1,250 lines as one file because creation, the run
 * and teardown walk the same objects in one order that is easiest to check
 * read top to bottom; faults and recovery are in engine_faults.c, operator
 * commands in engine_control.c/engine_risk.c, the reports in engine_report.c.
 */
#define _GNU_SOURCE
#include "engine_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

const char *const engine__stage_names[ST_COUNT] = { "feeds", "features", "model", "risk", "exec" };

/* ---- gauges ------------------------------------------------------------- */

/* A hot thread's event toward the log (nothing without one). */
static void emit(struct engine_gauged *g, uint32_t kind, uint32_t from, uint32_t to, uint64_t n,
                 uint64_t total)
{
	if (!g || !g->events || !g->seen_set)
		return;
	struct engine_event ev = { .ts_ns = core_now_ns(),
		                   .kind = kind,
		                   .from = from,
		                   .to = to,
		                   .n = n,
		                   .total = total };
	if (core_ring_push(g->events, &ev) == CORE_RING_FULL)
		atomic_fetch_add_explicit(&g->e->g.events_dropped, 1, memory_order_relaxed);
}

static void publish_feeds(struct engine *e, struct engine_gauged *g)
{
	struct feeds_stats st;
	feeds_stage_stats(e->feeds, &st);
	if (g) {
		if (st.mold.gaps > g->seen_gaps)
			emit(g, ENGINE_EV_MD_GAPS, 0, 0, st.mold.gaps - g->seen_gaps, st.mold.gaps);
		if (st.mold.lost_messages > g->seen_lost)
			emit(g, ENGINE_EV_MD_LOST, 0, 0, st.mold.lost_messages - g->seen_lost,
			     st.mold.lost_messages);
		g->seen_gaps = st.mold.gaps;
		g->seen_lost = st.mold.lost_messages;
		g->seen_set = true;
	}
	if (st.total != atomic_load_explicit(&e->g.messages, memory_order_relaxed))
		atomic_store_explicit(&e->g.md_last_ns, core_now_ns(), memory_order_relaxed);
	atomic_store_explicit(&e->g.messages, st.total, memory_order_relaxed);
	atomic_store_explicit(&e->g.md_bytes, st.bytes, memory_order_relaxed);
	atomic_store_explicit(&e->g.md_input_bytes, st.input_bytes, memory_order_relaxed);
	atomic_store_explicit(&e->g.md_gaps, st.mold.gaps, memory_order_relaxed);
	atomic_store_explicit(&e->g.md_lost, st.mold.lost_messages, memory_order_relaxed);
}

static void publish_model(struct engine *e, struct engine_gauged *g)
{
	(void)g;
	struct strat_decide_stats st;
	strat_decide_stats(e->decide, &st);
	atomic_store_explicit(&e->g.intents, st.buys + st.sells, memory_order_relaxed);
	if (e->drift) { /* 130 counters, at most once a millisecond */
		uint64_t c[STRAT_FEATURE_COUNT][STRAT_DRIFT_BINS], rows;
		strat_decide_drift(e->decide, c, &rows);
		for (unsigned i = 0; i < e->drift->nfeatures; i++)
			for (unsigned b = 0; b < STRAT_DRIFT_BINS; b++)
				atomic_store_explicit(&e->g.drift[i][b], c[i][b], memory_order_relaxed);
		/* rows last (release): a reader that sees them sees counts at least as new */
		atomic_store_explicit(&e->g.drift_rows, rows, memory_order_release);
	}
}

unsigned engine__drift_counts(struct engine *e, uint64_t c[STRAT_FEATURE_COUNT][STRAT_DRIFT_BINS],
                              uint64_t *ret_rows)
{
	*ret_rows = 0;
	if (!e->drift)
		return 0;
	*ret_rows = atomic_load_explicit(&e->g.drift_rows, memory_order_acquire);
	for (unsigned i = 0; i < e->drift->nfeatures; i++)
		for (unsigned b = 0; b < STRAT_DRIFT_BINS; b++)
			c[i][b] = atomic_load_explicit(&e->g.drift[i][b], memory_order_relaxed);
	return e->drift->nfeatures;
}

unsigned engine__drift_psi(struct engine *e, double psi[STRAT_FEATURE_COUNT], uint64_t *ret_rows)
{
	uint64_t c[STRAT_FEATURE_COUNT][STRAT_DRIFT_BINS];
	unsigned nf = engine__drift_counts(e, c, ret_rows);
	for (unsigned i = 0; i < nf; i++)
		psi[i] = strat_drift_psi(e->drift, i, c[i]);
	return nf;
}

static void publish_risk(struct engine *e, struct engine_gauged *g)
{
	struct risk_gauges st; /* a few hundred bytes, at most once a millisecond: the hot thread */
	risk_stage_gauges(e->risk, &st);
	if (g) {
		uint32_t mode = atomic_load_explicit(&e->ctl.breaker_mode, memory_order_relaxed);
		if (mode != g->seen_mode)
			emit(g, ENGINE_EV_BREAKER_MODE, g->seen_mode, mode, 0, 0);
		if (st.tier != g->seen_tier)
			emit(g, ENGINE_EV_TIER, g->seen_tier, st.tier, 0, 0);
		g->seen_mode = mode;
		g->seen_tier = st.tier;
		g->seen_set = true;
	}
	atomic_store_explicit(&e->g.rejects, st.rejected, memory_order_relaxed);
	atomic_store_explicit(&e->g.kill_seen_ns, st.kill_seen_ns, memory_order_relaxed);
	atomic_store_explicit(&e->g.risk_pnl, st.pnl, memory_order_relaxed);
	atomic_store_explicit(&e->g.risk_fees, st.fees, memory_order_relaxed);
	atomic_store_explicit(&e->g.risk_drawdown, st.drawdown, memory_order_relaxed);
	atomic_store_explicit(&e->g.risk_max_drawdown, st.max_drawdown, memory_order_relaxed);
	atomic_store_explicit(&e->g.risk_gross, st.gross_notional, memory_order_relaxed);
	atomic_store_explicit(&e->g.risk_net_long, st.net_long_notional, memory_order_relaxed);
	atomic_store_explicit(&e->g.risk_net_short, st.net_short_notional, memory_order_relaxed);
	atomic_store_explicit(&e->g.risk_capital_used, st.capital_used, memory_order_relaxed);
	atomic_store_explicit(&e->g.risk_tier, st.tier, memory_order_relaxed);
	for (unsigned i = 0; i < RISK_R_COUNT; i++)
		atomic_store_explicit(&e->g.rejects_by[i], st.rejects[i], memory_order_relaxed);
}

static void publish_exec(struct engine *e, struct engine_gauged *g)
{
	struct exec_stats st;
	exec_stage_stats(e->exec, &st);
	if (g) {
		uint64_t now = core_now_ns();
		if (st.session != g->seen_session)
			emit(g, ENGINE_EV_SESSION, g->seen_session, st.session, 0, 0);
		if (st.persist_waits > g->seen_waits) {
			if (now - g->waits_ns >= 1000000000ull) /* news after a quiet second */
				emit(g, ENGINE_EV_STORE_BEHIND, 0, 0, st.persist_waits - g->seen_waits,
				     st.persist_waits);
			g->waits_ns = now;
		}
		g->seen_session = st.session;
		g->seen_waits = st.persist_waits;
		g->seen_set = true;
	}
	atomic_store_explicit(&e->g.orders, st.sent, memory_order_relaxed);
	atomic_store_explicit(&e->g.fills, st.fills, memory_order_relaxed);
	atomic_store_explicit(&e->g.open_orders, st.open_orders + st.inflight,
			      memory_order_relaxed);
	atomic_store_explicit(&e->g.cancels, st.cancels, memory_order_relaxed);
	atomic_store_explicit(&e->g.session, st.session, memory_order_relaxed);
	atomic_store_explicit(&e->g.positions, st.positions, memory_order_relaxed);
	atomic_store_explicit(&e->g.cancel_all_sent_ns, st.cancel_all_sent_ns,
	                      memory_order_relaxed);
	atomic_store_explicit(&e->g.cancel_all_done_ns, st.cancel_all_done_ns,
	                      memory_order_relaxed);
	atomic_store_explicit(&e->g.realized, st.realized_pnl, memory_order_relaxed);
	atomic_store_explicit(&e->g.unrealized, st.unrealized_pnl, memory_order_relaxed);
	atomic_store_explicit(&e->g.persist_waits, st.persist_waits, memory_order_relaxed);
	struct position pos[ENGINE_POS_GAUGES]; /* 2.5 KiB of stack, once a millisecond */
	unsigned np = exec_stage_positions(e->exec, pos, ENGINE_POS_GAUGES);
	np = np < ENGINE_POS_GAUGES ? np : ENGINE_POS_GAUGES;
	for (unsigned i = 0; i < np; i++) {
		atomic_store_explicit(&e->g.pos_locate[i], pos[i].locate, memory_order_relaxed);
		atomic_store_explicit(&e->g.pos_qty[i], pos[i].qty, memory_order_relaxed);
		atomic_store_explicit(&e->g.pos_realized[i], pos[i].realized_pnl, memory_order_relaxed);
	}
	atomic_store_explicit(&e->g.npos, np, memory_order_release);
	/* the store is behind: with persist_full = halt trading stops here (the
	 * records still wait their turn: nothing is dropped) */
	if (st.persist_waits && e->o.persist_full_halt && !e->persist_full_halted) {
		e->persist_full_halted = true;
		engine__fail(e, "hot", "persist-ring", -ENOBUFS, true);
	}
	if (e->rec_publishing)
		engine__publish_recovery(e);
}

static int gauged_poll(void *arg, uint32_t *ret_work)
{
	struct engine_gauged *g = arg;
	uint32_t work = 0;
	int r = g->poll(g->ctx, &work);
	if (work)
		g->dirty = true;
	if (g->dirty) {
		uint64_t now = core_now_ns();
		/* at most once a millisecond (an idle stage keeps looking, so the
		 * gauges are at most 1 ms old), and at the end */
		if (r != 0 || now - g->last_ns >= 1000000) {
			g->publish(g->e, g);
			atomic_store_explicit(&g->e->g.stage_work_ns[g - g->e->gauged], now,
			                      memory_order_relaxed);
			g->dirty = false;
			g->last_ns = now;
		}
	}
	if (r >= 0)
		*ret_work = work;
	return r;
}

void engine_progress(struct engine *e, struct engine_progress *ret)
{
	const struct engine_gauges *g = &e->g;
	*ret = (struct engine_progress){
		.messages = atomic_load_explicit(&g->messages, memory_order_relaxed),
		.bytes = atomic_load_explicit(&g->md_bytes, memory_order_relaxed),
		.input_bytes = atomic_load_explicit(&g->md_input_bytes, memory_order_relaxed),
		.orders = atomic_load_explicit(&g->orders, memory_order_relaxed),
		.fills = atomic_load_explicit(&g->fills, memory_order_relaxed),
		.done = atomic_load_explicit(&g->input_done, memory_order_relaxed),
	};
}

void engine__publish_all(struct engine *e)
{
	publish_feeds(e, NULL);
	publish_model(e, NULL);
	publish_risk(e, NULL);
	publish_exec(e, NULL);
}

/* ---- assembly ----------------------------------------------------------- */

/* The registry's active model when the database has one, else [strategy] model. */
static int load_start_model(struct engine *e, char *err, size_t errlen)
{
	if (e->db) {
		struct persist_model_meta meta;
		void *blob;
		int r = persist_model_active(e->db, &meta, &blob);
		if (r == 0) {
			snprintf(e->model_name, sizeof(e->model_name), "%s@%u", meta.name,
				 meta.version);
			char why[300];
			if (!engine__schema_ok(meta.schema)) {
				core_errf(why, sizeof(why),
				          "built for features 0x%016" PRIx64
				          ", this engine has 0x%016" PRIx64,
				          meta.schema, strat_feature_schema());
				r = -EINVAL;
			} else {
				r = strat_model_from_blob(meta.source[0] ? meta.source : e->model_name,
						    blob, meta.blob_len, &e->model, why,
						    sizeof(why));
			}
			free(blob);
			if (r < 0)
				core_errf(err, errlen, "%s: registry's active model %s refused: %s",
				          e->o.db, e->model_name, why);
			return r;
		}
		if (r != -ENOENT) {
			core_errf(err, errlen, "%s: model registry: %s", e->o.db, strerror(-r));
			return r;
		}
	}
	snprintf(e->model_name, sizeof(e->model_name), "%.255s", e->o.model);
	return strat_model_load(e->o.model, &e->model, err, errlen);
}

static int stage_index(const char *name, size_t len)
{
	for (int i = 0; i < ST_COUNT; i++)
		if (strlen(engine__stage_names[i]) == len &&
		    !strncmp(engine__stage_names[i], name, len))
			return i;
	return -1;
}

/* "feeds+features,model+risk+exec": ',' separates threads, '+' joins stages.
 * Every stage must appear exactly once; each thread's stages keep pipeline order. */
static int build_mapping(struct engine *e, char *err, size_t errlen)
{
	static core_poll_fn *const polls[ST_COUNT] = {
		feeds_stage_poll, strat_features_poll, strat_decide_poll,
		risk_stage_poll,  exec_stage_poll,
	};
	static void (*const publish[ST_COUNT])(struct engine *, struct engine_gauged *) = {
		publish_feeds, NULL, publish_model, publish_risk, publish_exec,
	};
	void *ctxs[ST_COUNT] = { e->feeds, e->features, e->decide, e->risk, e->exec };
	bool seen[ST_COUNT] = { false };
	const char *s = e->o.mapping;
	e->nhot = 0;
	while (*s) {
		if (e->nhot == ENGINE_MAX_THREADS)
			goto bad;
		struct core_runner *r = &e->hot[e->nhot];
		memset(r, 0, sizeof(*r));
		snprintf(r->name, sizeof(r->name), "osprey-hot%u", e->nhot);
		r->cpu = e->o.cpus[e->nhot];
		r->idle = e->o.idle;
		r->spin_limit = (uint32_t)e->o.spin_limit;
		r->sleep_ns = e->o.sleep_ns;
		r->stop = &e->stop;
		r->on_fail = engine__hot_failed;
		r->fail_arg = e;
		int prev = -1;
		for (;;) {
			size_t len = strcspn(s, "+,");
			int idx = stage_index(s, len);
			if (idx < 0 || seen[idx] || idx < prev)
				goto bad;
			seen[idx] = true;
			prev = idx;
			struct engine_gauged *g = &e->gauged[idx];
			*g = (struct engine_gauged){ .poll = polls[idx],
				                     .ctx = ctxs[idx],
				                     .publish = publish[idx],
				                     .e = e };
			/* its events go to the log or webhook, when there is one */
			if (publish[idx] && (e->o.log[0] || e->o.alerts_webhook[0]) &&
			    !(g->events = core_ring_create(engine__stage_names[idx], ENGINE_EV_RING,
			                                   sizeof(struct engine_event)))) {
				core_errf(err, errlen, "out of memory for the events rings");
				return -ENOMEM;
			}
			r->stages[r->nstages++] =
			        publish[idx]
			                ? (struct core_stage){ .name = engine__stage_names[idx],
				                               .poll = gauged_poll,
				                               .ctx = g }
			                : (struct core_stage){ .name = engine__stage_names[idx],
				                               .poll = polls[idx],
				                               .ctx = ctxs[idx] };
			s += len;
			if (*s != '+')
				break;
			s++;
		}
		e->nhot++;
		if (*s == ',')
			s++;
	}
	for (int i = 0; i < ST_COUNT; i++)
		if (!seen[i])
			goto bad;
	return 0;
bad:
	core_errf(err, errlen,
	          "threads.mapping '%s': list each of feeds, features, model, risk, exec once, in "
	          "pipeline order within a thread, '+' joining stages on one thread and ',' "
	          "separating "
	          "at most %d threads",
	          e->o.mapping, ENGINE_MAX_THREADS);
	return -EINVAL;
}

static int make_rings(struct engine *e)
{
	uint32_t cap = (uint32_t)e->o.ring_capacity;
	e->md = core_ring_create("md", cap, sizeof(struct md_event));
	e->venue_md = core_ring_create("venue-md", cap, sizeof(struct md_event));
	e->feat = core_ring_create("features", cap, sizeof(struct feature_vec));
	e->intents = core_ring_create("intents", cap, sizeof(struct order_intent));
	e->orders = core_ring_create("orders", cap, sizeof(struct order_msg));
	e->reports = core_ring_create("reports", cap, sizeof(struct exec_report));
	e->persist_ring = core_ring_create("persist", cap * 4, sizeof(struct persist_rec));
	if (!e->md || !e->venue_md || !e->feat || !e->intents || !e->orders || !e->reports ||
	    !e->persist_ring)
		return -ENOMEM;
	e->model_ring = core_ring_create("risk-model", cap, sizeof(struct risk_model_msg));
	e->caps = core_alloc(sizeof(*e->caps), CORE_CACHE_LINE);
	if (!e->model_ring || !e->caps)
		return -ENOMEM;
	memset(e->caps, 0, sizeof(*e->caps));
	if (e->o.orders_csv[0] || e->o.metrics_listen[0]) {
		/* the orders log (a file, the API's recent events or both) reads
		 * exec's records and, with a database, hands them on to the writer
		 * on a ring of their own */
		e->risk_events = core_ring_create("risk-events", cap, sizeof(struct risk_event));
		e->persist_fwd = core_ring_create("persist-fwd", cap * 4, sizeof(struct persist_rec));
		if (!e->risk_events || !e->persist_fwd)
			return -ENOMEM;
	}
	return 0;
}

static int open_db(struct engine *e, char *err, size_t errlen)
{
	if (!e->o.db[0])
		return 0;
	struct persist_options po = { .mapsize = e->o.db_map_kb << 10,
		                      .mapsize_max = e->o.db_map_max_kb << 10 };
	int r = persist_open_opts(e->o.db, &po, &e->db, err, errlen);
	if (r < 0)
		return r;
	unsigned n = 0;
	/* one position per instrument: at most one per locate */
	if (!(e->restored = core_alloc((size_t)RISK_NLOCATE * sizeof(*e->restored), CORE_CACHE_LINE))) {
		core_errf(err, errlen, "%s: out of memory for positions", e->o.db);
		return -ENOMEM;
	}
	r = persist_load_positions(e->db, e->restored, RISK_NLOCATE, &n);
	if (r < 0) {
		core_errf(err, errlen, "%s: cannot load positions (%s)", e->o.db, strerror(-r));
		return r;
	}
	e->nrestored = n;
	uint64_t next = 1;
	r = persist_next_order_id(e->db, &next);
	if (r < 0) {
		core_errf(err, errlen, "%s: cannot read the next order id (%s)", e->o.db,
		          strerror(-r));
		return r;
	}
	/* Ids handed out but not yet stored at a crash are at most what the
	 * persistence rings and one writer batch hold: start past them (and
	 * store that, so a crash before anything is stored still skips them). */
	uint64_t cap = e->o.ring_capacity;
	next += 8 * cap + 8192;
	if ((r = persist_set_meta(e->db, PERSIST_META_NEXT_ORDER_ID, next)) < 0) {
		core_errf(err, errlen, "%s: cannot store the next order id (%s)", e->o.db,
		          strerror(-r));
		return r;
	}
	e->first_order_id = next;
	if ((e->o.protocol == ENGINE_OUCH || e->o.protocol == ENGINE_FIX) &&
	    (r = engine__load_session(e, err, errlen)) < 0)
		return r;
	uint64_t killed = 0;
	if (persist_get_meta(e->db, "killed", &killed) == 0 && killed)
		e->restored_killed = true;
	return 0;
}

/* Split buf ("A,B C": commas and spaces) in place into out[0, max): the
 * count, or -EINVAL with err naming what when there are more. */
static int split_list(char *buf, const char **out, unsigned max, const char *what, char *err,
                      size_t errlen)
{
	unsigned n = 0;
	for (char *t, *save = NULL, *p = buf; (t = strtok_r(p, ", ", &save)); p = NULL) {
		if (n == max) {
			core_errf(err, errlen, "%s: more than %u", what, max);
			return -EINVAL;
		}
		out[n++] = t;
	}
	return (int)n;
}

/* [feeds] mt5_symbols and [gateway] binance_symbols into e's lists. */
static int split_symbols(struct engine *e, char *err, size_t errlen)
{
	snprintf(e->mt5_buf, sizeof(e->mt5_buf), "%s", e->o.mt5_symbols);
	snprintf(e->bn_buf, sizeof(e->bn_buf), "%s", e->o.bn_symbols);
	int m = split_list(e->mt5_buf, e->mt5_syms, ENGINE_MT5_SYMBOLS, "[feeds] mt5_symbols", err,
	                   errlen);
	int b = m < 0 ? m
	              : split_list(e->bn_buf, e->bn_syms, ENGINE_BN_SYMBOLS,
	                           "[gateway] binance_symbols", err, errlen);
	if (b < 0)
		return b;
	e->nmt5 = (unsigned)m;
	e->nbn = (unsigned)b;
	return 0;
}

/* Feeds: capture files, or one live source. Two outputs: the strategy's md
 * ring and the venue's. */
static int create_feeds(struct engine *e, char *err, size_t errlen)
{
	const struct engine_opts *o = &e->o;
	const char *paths[ENGINE_MAX_INPUTS];
	for (unsigned i = 0; i < o->ninputs; i++)
		paths[i] = o->inputs[i];
	struct feeds_stage_cfg fc = {
		.paths = paths,
		.npaths = o->ninputs,
		.out = { e->md, e->venue_md },
		.nout = 2,
		.burst = (uint32_t)o->burst,
		.speed = o->speed,
		.max_orders = (uint32_t)o->max_orders_book,
		.hist = e->hist[ST_FEEDS],
		.on_symbol = engine__on_symbol,
		.on_symbol_arg = e,
		/* day files of stream_mb or more are paged in by the aux thread, a
		 * window ahead of the feeds stage, and dropped behind it */
		.stream_window = (size_t)o->stream_window_mb << 20,
		.stream_min = (size_t)o->stream_min_mb << 20,
	};
	struct feeds_mold_live_cfg mold = {
		.udp = { .bind = o->mold,
		         .iface = o->mold_iface[0] ? o->mold_iface : NULL,
		         .mode = o->mold_dpdk[0] ? FEEDS_UDP_DPDK : FEEDS_UDP_MULTISHOT,
		         .dpdk_eal = o->mold_dpdk[0] ? o->mold_dpdk : NULL,
		         .dpdk_port = o->mold_dpdk_port[0] ? o->mold_dpdk_port : NULL },
		.rerequest = o->mold_rerequest[0] ? o->mold_rerequest : NULL,
		.seq = { .max_msg = 64, .gap_timeout_ns = o->gap_timeout_ms * 1000000ull },
		.idle_timeout_ns = o->idle_timeout_ms * 1000000ull,
	};
	struct core_soup_client_cfg soup = {
		.addr = o->soup,
		.username = o->soup_user,
		.password = o->soup_password,
		.session = o->soup_session,
		.seq = o->soup_seq,
	};
	/* a live crypto stream: its symbols to snapshot split from "A,B,C" */
	char syms_buf[sizeof(o->crypto_snapshot)];
	const char *syms[64];
	snprintf(syms_buf, sizeof(syms_buf), "%s", o->crypto_snapshot);
	int nsyms = split_list(syms_buf, syms, 64, "[feeds] crypto_snapshot", err, errlen);
	if (nsyms < 0)
		return nsyms;
	const char *sub[1] = { o->crypto_subscribe };
	struct feeds_crypto_live_cfg crypto = {
		.ws = { .url = o->crypto_ws, .ca_file = o->crypto_ca[0] ? o->crypto_ca : NULL,
			.subscribe = sub, .nsubscribe = o->crypto_subscribe[0] ? 1 : 0 },
		.rest = o->crypto_rest[0] ? o->crypto_rest : NULL,
		.futures = o->crypto_futures,
		.symbols = syms,
		.nsymbols = (unsigned)nsyms,
	};
	/* with REST, scales come from the exchange's metadata, not our table;
	 * the Binance gateway's symbols are its first books, so it knows their
	 * locates */
	struct feeds_crypto_cfg books = { .no_builtin = o->crypto_rest[0] != 0 };
	int r = split_symbols(e, err, errlen);
	if (r < 0)
		return r;
	if (o->protocol == ENGINE_BINANCE) {
		books.declare = e->bn_syms;
		books.ndeclare = e->nbn;
	}
	if (o->crypto_record[0] && !(e->crypto_record = fopen(o->crypto_record, "w"))) {
		core_errf(err, errlen, "[feeds] crypto_record %s: %s", o->crypto_record,
		          strerror(errno));
		return -errno;
	}
	crypto.record = e->crypto_record;
	/* forex: the pairs split from "A,B" */
	char pairs_buf[sizeof(o->fx_pairs)];
	const char *pairs[16];
	snprintf(pairs_buf, sizeof(pairs_buf), "%s", o->fx_pairs);
	int npairs = split_list(pairs_buf, pairs, 16, "[feeds] fx_pairs", err, errlen);
	if (npairs < 0)
		return npairs;
	struct feeds_fx_cfg fx = {
		.base = o->fx_base,
		.key_file = o->fx_key_file,
		.pairs = pairs,
		.npairs = (unsigned)npairs,
		.interval = o->fx_interval[0] ? o->fx_interval : NULL,
		.quotes = o->fx_quotes,
		.calls_per_minute = (unsigned)o->fx_calls_per_minute,
		.round_ns = o->fx_round_ms * 1000000ull,
		.ca_file = o->fx_ca[0] ? o->fx_ca : NULL,
	};
	/* MetaTrader 5 ticks */
	struct feeds_mt5_cfg mt5 = { .ticks = o->mt5_ticks,
		                     .symbols = e->mt5_syms,
		                     .nsymbols = e->nmt5,
		                     .px_decimals = (uint8_t)o->mt5_decimals };
	if (o->mold[0])
		fc.mold = &mold;
	else if (o->soup[0])
		fc.soup = &soup;
	else if (o->fx_base[0]) {
		fc.fx = &fx;
		fc.fx_idle_ns = o->idle_timeout_ms * 1000000ull;
	} else if (o->mt5_ticks[0]) {
		fc.mt5 = &mt5;
		fc.mt5_idle_ns = o->idle_timeout_ms * 1000000ull;
	} else if (o->crypto_ws[0]) {
		fc.crypto = &crypto;
		fc.crypto_books = &books;
		fc.crypto_idle_ns = o->idle_timeout_ms * 1000000ull;
	}
	return feeds_stage_create(&fc, &e->feeds, err, errlen);
}

/* Features, then the decision stage over the starting model. */
static int create_strategy(struct engine *e, uint32_t drain, char *err, size_t errlen)
{
	struct strat_features_cfg sc = {
		.in = e->md, .out = e->feat, .burst = drain, .hist = e->hist[ST_FEATURES],
	};
	int r = strat_features_create(&sc, &e->features, err, errlen);
	if (r < 0 || (r = load_start_model(e, err, errlen)) < 0)
		return r;
	if (e->o.drift_reference[0]) {
		e->drift = core_alloc(sizeof(*e->drift), CORE_CACHE_LINE);
		if (!e->drift) {
			core_errf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		char derr[300];
		if ((r = strat_drift_ref_load(e->o.drift_reference, e->drift, derr, sizeof(derr))) < 0) {
			core_errf(err, errlen, "[strategy] drift_reference: %s", derr);
			return r;
		}
	}
	struct strat_decide_cfg dc = {
		.in = e->feat,
		.out = e->intents,
		.model = e->model,
		.burst = drain,
		.cooldown_events = (uint32_t)e->o.cooldown_events,
		.hist = e->hist[ST_MODEL],
		.drift = e->drift,
		.drift_every = (uint32_t)e->o.drift_every,
	};
	return strat_decide_create(&dc, &e->decide, err, errlen);
}

/* The venue orders go to: the simulated one, or a gateway to one on a socket. */
/* --latency-from FILE[:TAG]: the quantiles of a recorded latency (tag
 * tick_to_wire by default), one per 1/ENGINE_LATENCY_TABLE of probability,
 * for the simulated venue to draw from. */
static int latency_table(struct engine *e, uint32_t *table, char *err, size_t errlen)
{
	char path[ENGINE_PATH_MAX];
	snprintf(path, sizeof(path), "%s", e->o.latency_from);
	char *colon = strrchr(path, ':');
	const char *tag = "tick_to_wire";
	if (colon && !strchr(colon, '/')) {
		*colon = '\0';
		tag = colon + 1;
	}
	struct core_hist h;
	if (core_hist_init(&h) < 0)
		return -ENOMEM;
	char why[400];
	uint64_t n;
	int r = hlog_total(path, tag, &h, &n, why, sizeof(why));
	if (r < 0) {
		core_errf(err, errlen, "--latency-from: %s", why);
		core_hist_fini(&h);
		return r;
	}
	for (unsigned i = 0; i < ENGINE_LATENCY_TABLE; i++) {
		int64_t v = core_hist_value_at(&h, (i + 0.5) * 100.0 / ENGINE_LATENCY_TABLE);
		table[i] = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	}
	struct telemetry_summary s;
	telemetry_summarize(&h, &s);
	snprintf(e->latency_model, sizeof(e->latency_model),
	         "sampled from %s (tag %s: %" PRIu64 " intervals, %" PRId64 " values, p50 %" PRId64
	         " ns, p99 %" PRId64 " ns, max %" PRId64 " ns), seed %" PRIu64,
	         path, tag, n, s.count, s.p50, s.p99, s.max, e->o.latency_seed);
	core_hist_fini(&h);
	return 0;
}

/* The Binance spot gateway: its symbols are the crypto feed's first books
 * (create_feeds declares them), at the feed's scales: exchangeInfo's when
 * the feed reads it too ([feeds] crypto_rest), else its table's, which the
 * gateway checks against the exchange's. The key file: the API key, then
 * the secret, one a line, in a file of ours nobody else may read. */
static int create_binance(struct engine *e, struct exec_venue *ret, char *err, size_t errlen)
{
	const struct engine_opts *o = &e->o;
	struct exec_bn_symbol syms[ENGINE_BN_SYMBOLS];
	struct feeds_crypto_cfg table = { .no_builtin = o->crypto_rest[0] != 0 };
	for (unsigned i = 0; i < e->nbn; i++) {
		unsigned pxd = EXEC_BN_SCALE_EXCHANGE, qtyd = EXEC_BN_SCALE_EXCHANGE;
		if (!o->crypto_rest[0])
			(void)feeds_crypto_table_scale(&table, FEEDS_CRYPTO_ANY, e->bn_syms[i], &pxd,
			                               &qtyd);
		syms[i] = (struct exec_bn_symbol){ e->bn_syms[i], (uint8_t)pxd, (uint8_t)qtyd };
	}
	char *keys;
	size_t len;
	int r = core_secret_read(o->bn_key_file, 4096, &keys, &len, err, errlen);
	if (r < 0)
		return r;
	char *secret = strchr(keys, '\n');
	if (secret) {
		*secret++ = '\0';
		secret[strcspn(secret, "\r\n")] = '\0';
	}
	keys[strcspn(keys, "\r")] = '\0';
	if (!keys[0] || !secret || !secret[0]) {
		core_errf(err, errlen, "[gateway] binance_key_file %s: the API key, then the secret, "
		          "one a line", o->bn_key_file);
		r = -EINVAL;
	} else {
		e->bn_ws.ca_file = o->bn_ca[0] ? o->bn_ca : NULL;
		struct exec_bn_gw_config bc = {
			.rest = o->bn_rest,
			.stream = o->bn_stream,
			.api_key = keys,
			.secret = secret,
			.ca_file = o->bn_ca[0] ? o->bn_ca : NULL,
			.symbols = syms,
			.nsymbols = e->nbn,
			.drain_ns = o->drain_ms * 1000000ull,
			.stream_io = bn_stream_io(&e->bn_ws),
		};
		if ((r = exec_bn_gw_create(&bc, &e->bn_gw, err, errlen)) == 0)
			*ret = exec_bn_gw_venue(e->bn_gw);
	}
	explicit_bzero(keys, len);
	free(keys);
	return r;
}

static int create_venue(struct engine *e, struct exec_venue *ret, char *err, size_t errlen)
{
	const struct engine_opts *o = &e->o;
	int r;
	switch (o->protocol) {
	case ENGINE_FIX: {
		/* the session's numbers live beside the database, so a restart continues it */
		char store[ENGINE_PATH_MAX + 80];
		if (o->db[0])
			snprintf(store, sizeof(store), "%s/fix-%s-%s.seq", o->db, o->fix_sender,
			         o->fix_target);
		struct exec_fix_gw_config fc = {
			.connect = o->connect,
			.sender = o->fix_sender,
			.target = o->fix_target,
			.heartbeat_s = (uint32_t)o->fix_heartbeat_s,
			.reset_on_logon = o->fix_reset_seq,
			.store_path = o->db[0] ? store : NULL,
			.drain_ns = o->drain_ms * 1000000ull,
			/* resume: the venue resends from after the last stored report */
			.recover = e->recover,
			.seq = e->recover ? e->venue_seq + 1 : 0,
			.restore = e->open_orders,
			.nrestore = e->nopen_orders,
		};
		if ((r = exec_fix_gw_create(&fc, &e->fix_gw, err, errlen)) < 0)
			return r;
		*ret = exec_fix_gw_venue(e->fix_gw);
		return 0;
	}
	case ENGINE_OUCH: {
		struct exec_ouch_gw_config oc = {
			.connect = o->connect,
			.user = o->gw_soup_user,
			.password = o->gw_soup_password,
			.drain_ns = o->drain_ms * 1000000ull,
			/* resume the stored session after its last stored message */
			.recover = e->recover,
			.seq = e->recover ? e->venue_seq + 1 : 0,
			.restore = e->open_orders,
			.nrestore = e->nopen_orders,
		};
		if ((r = exec_ouch_gw_create(&oc, &e->ouch_gw, err, errlen)) < 0)
			return r;
		*ret = exec_ouch_gw_venue(e->ouch_gw);
		return 0;
	}
	case ENGINE_MT5: {
		struct exec_mt5_gw_config mc = {
			.commands = o->mt5_commands,
			.answers = o->mt5_answers,
			.symbols = e->mt5_syms,
			.nsymbols = e->nmt5,
			.px_decimals = (unsigned)o->mt5_decimals,
			.lot_units = (uint32_t)o->mt5_lot_units,
			.drain_ns = o->drain_ms * 1000000ull,
		};
		if ((r = exec_mt5_gw_create(&mc, &e->mt5_gw, err, errlen)) < 0)
			return r;
		*ret = exec_mt5_gw_venue(e->mt5_gw);
		return 0;
	}
	case ENGINE_BINANCE:
		return create_binance(e, ret, err, errlen);
	default: {
		struct exec_sim_config vc = { .latency_ns = o->venue_latency_ns };
		uint32_t *table = NULL;
		if (o->latency_from[0]) {
			if (!(table = malloc(sizeof(*table) * ENGINE_LATENCY_TABLE)))
				return -ENOMEM;
			if ((r = latency_table(e, table, err, errlen)) < 0) {
				free(table);
				return r;
			}
			vc.latency_table = table;
			vc.latency_len = ENGINE_LATENCY_TABLE;
			vc.latency_seed = o->latency_seed;
		}
		r = exec_sim_create(&vc, &e->sim, err, errlen);
		free(table); /* copied */
		if (r < 0)
			return r;
		*ret = exec_sim_venue(e->sim);
		return 0;
	}
	}
}

/* Risk, the venue, exec and exec's persistence. */
static int create_orders(struct engine *e, uint32_t drain, char *err, size_t errlen)
{
	const struct engine_opts *o = &e->o;
	bool sim = o->protocol == ENGINE_SIM;
	risk_control_init(&e->ctl);
	if (e->restored_killed)
		risk_control_kill(&e->ctl);
	if (e->recover) {
		/* HALTED until reconciled and resumed (the gateway's session
		 * stays down while it replays, whatever the mode) */
		risk_control_set_mode(&e->ctl, RISK_MODE_HALTED);
		atomic_store_explicit(&e->recovery, ENGINE_REC_RUNNING, memory_order_relaxed);
		e->rec_publishing = true;
	}
	struct risk_stage_cfg rc = {
		.intents_in = e->intents,
		.reports_in = e->reports,
		.orders_out = e->orders,
		.events_out = e->risk_events,
		.model_out = e->model_ring,
		.caps = e->caps,
		.model_interval_ms = (uint32_t)o->model_interval_ms,
		.limits = o->risk,
		.flatten_at_end = o->flatten_at_end,
		.cancel_at_end = o->cancel_at_end,
		.ctl = &e->ctl,
		.first_order_id = e->first_order_id,
		.initial = e->restored,
		.ninitial = e->nrestored,
		.burst = drain,
		.hist = e->hist[ST_RISK],
		/* the simulated venue acts in event time: risk waits for it; a venue on a
		 * socket is never waited for, and starts down */
		.venue_sync = sim,
		.wait_for_session = !sim,
	};
	int r = risk_stage_create(&rc, &e->risk, err, errlen);
	if (r < 0)
		return r;
	struct backtest_cfg bc = { .limits = o->risk,
		                   .interval_ns = o->model_interval_ms * 1000000ull };
	if ((r = backtest_create(&bc, &e->backtest)) < 0) {
		core_errf(err, errlen, "backtest record: %s", strerror(-r));
		return r;
	}
	struct risk_model_cfg mc = { .in = e->model_ring, .board = e->caps, .ctl = &e->ctl,
		                     .window = (uint32_t)o->var_window,
		                     .tap = backtest_tap, .tap_arg = e->backtest };
	if ((r = risk_model_create(&mc, &e->model_risk, err, errlen)) < 0)
		return r;
	struct exec_venue venue;
	if ((r = create_venue(e, &venue, err, errlen)) < 0)
		return r;
	struct exec_config xc = {
		.orders_in = e->orders,
		.md_in = e->venue_md,
		.reports_out = e->reports,
		.persist_out = e->db || e->risk_events ? e->persist_ring : NULL,
		.venue = venue,
		.burst = drain,
		.hist_exec = e->hist[ST_EXEC],
		.hist_t2o = e->t2o,
		.hist_t2w = e->t2w,
		.initial = e->restored,
		.ninitial = e->nrestored,
		.restore = sim ? NULL : e->open_orders,
		.nrestore = sim ? 0 : e->nopen_orders,
		.flatten_bps = o->risk.collar_bps, /* as far through as risk's collar */
	};
	if ((r = exec_stage_create(&xc, &e->exec, err, errlen)) < 0)
		return r;
	if (e->db) {
		struct core_ring *in[1] = { e->risk_events ? e->persist_fwd : e->persist_ring };
		struct persist_writer_cfg wc = { .db = e->db, .in = in, .nin = 1 };
		if ((r = persist_writer_create(&wc, &e->writer, err, errlen)) < 0)
			return r;
	}
	if (o->metrics_listen[0] && !(e->recent = orders_recent_create()))
		return -ENOMEM;
	if (e->risk_events)
		r = orders_log_open(&e->orders_log, o->orders_csv[0] ? o->orders_csv : NULL,
		                    e->risk_events, e->persist_ring, e->db ? e->persist_fwd : NULL,
		                    feeds_stage_books(e->feeds), e->recent, err, errlen);
	return r;
}

static int create_telemetry(struct engine *e, char *err, size_t errlen)
{
	int r = telemetry_init(&e->tele, e->o.hlog[0] ? e->o.hlog : NULL, 1000000000ull, err,
	                       errlen);
	if (r < 0)
		return r;
	for (int i = 0; i < ST_COUNT; i++)
		if (!(e->hist[i] = telemetry_add(&e->tele, engine__stage_names[i])))
			goto out_nomem;
	if (!(e->t2o = telemetry_add(&e->tele, "tick_to_order")) ||
	    !(e->t2w = telemetry_add(&e->tele, "tick_to_wire")))
		goto out_nomem;
	return 0;
out_nomem:
	core_errf(err, errlen, "out of memory for the latency histograms");
	return -ENOMEM;
}

/* The control socket refused a client: into the audit log (control thread). */
static void control_refused(void *arg, uid_t uid, const char *why)
{
	engine__audit(arg, uid, "control_refused", "-", why);
}

int engine_create(const struct engine_opts *o, struct engine **ret, char *err, size_t errlen)
{
	int r;
	struct engine *e = core_alloc(sizeof(*e), CORE_CACHE_LINE);
	if (!e) {
		core_errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	e->o = *o;
	e->first_order_id = 1;
	atomic_init(&e->stop, false);
	atomic_init(&e->aux_stop, false);
	atomic_init(&e->shutdown, false);
	bool live = o->mold[0] || o->soup[0] || o->crypto_ws[0] || o->fx_base[0] || o->mt5_ticks[0];
	if (o->ninputs == 0 && !live) {
		core_errf(err, errlen,
		          "no input: give capture files ([feeds] files, or on the "
		          "command line), or a live source ([feeds] mold, soup, crypto_ws, fx or mt5)");
		r = -EINVAL;
		goto out_destroy;
	}
	if (o->ninputs && live) {
		core_errf(err, errlen, "[feeds]: capture files and a live source (%s) at once",
		          o->mold[0]        ? "mold"
		          : o->soup[0]      ? "soup"
		          : o->crypto_ws[0] ? "crypto_ws"
		          : o->fx_base[0]   ? "fx"
		                            : "mt5");
		r = -EINVAL;
		goto out_destroy;
	}
	if ((r = make_rings(e)) < 0) {
		core_errf(err, errlen, "out of memory for the rings");
		goto out_destroy;
	}
	/* Only the source is paced by engine.burst. Every stage after it may
	 * consume several times that per poll: a stage that stalled for a round
	 * (risk waiting on the venue, exec waiting on a watermark) must be able
	 * to catch up, or the backlog it built stays in its ring for good and
	 * every later tick pays for it in tick-to-order latency. */
	uint32_t drain = (uint32_t)o->burst * 4;
	if (drain > (uint32_t)o->ring_capacity)
		drain = (uint32_t)o->ring_capacity;
	if ((r = create_telemetry(e, err, errlen)) < 0 || (r = open_db(e, err, errlen)) < 0 ||
	    (r = engine__load_overrides(e, err, errlen)) < 0 ||
	    (r = engine__open_audit(e, err, errlen)) < 0 || (r = create_feeds(e, err, errlen)) < 0 ||
	    (r = create_strategy(e, drain, err, errlen)) < 0 ||
	    (r = create_orders(e, drain, err, errlen)) < 0 ||
	    (r = build_mapping(e, err, errlen)) < 0)
		goto out_destroy;
	/* alerts first: what the operator does once the socket is open is news */
	struct alerts_cfg ac = { .webhook = o->alerts_webhook,
		                 .log_path = o->log,
		                 .telegram_chat = o->alerts_telegram_chat,
		                 .min_interval_ms = o->alerts_min_interval_ms };
	if ((o->alerts_webhook[0] || o->log[0] || o->metrics_listen[0]) &&
	    (r = alerts_start(&e->alerts, &ac, e, err, errlen)) < 0)
		goto out_destroy;
	if (o->control_socket[0]) {
		if ((r = control_open(&e->control, o->control_socket, engine__control, e, err,
		                      errlen)) < 0)
			goto out_destroy;
		e->control.wait_ms = 50; /* a thread of its own: wait in the kernel */
		e->control.on_refuse = control_refused;
		e->control_open = true;
	}
	if (o->metrics_listen[0] && (r = metrics_start(&e->metrics, o->metrics_listen,
	                                               o->metrics_token_file, e, err, errlen)) < 0)
		goto out_destroy;
	*ret = e;
	return 0;
out_destroy:
	engine_destroy(e);
	return r;
}

void engine_request_reopen(struct engine *e)
{
	if (e->alerts)
		alerts_reopen(e->alerts);
}

void engine_request_stop(struct engine *e)
{
	/* async-signal-safe: lock-free atomic stores only (relaxed: flags carry no data) */
	atomic_store_explicit(&e->shutdown, true, memory_order_relaxed);
	atomic_store_explicit(&e->stop, true, memory_order_relaxed);
}

/* The risk model's thread, the aux thread (persistence, telemetry) and the
 * control thread: they sleep rather than spin, and none waits for another.
 * The model has a thread of its own because a replay's risk stage waits for
 * its caps: on the aux thread it waited behind the store's syncs (tick-to-
 * order p99 of the AMZN day with a database: 25 us to 3 ms, BENCHMARKS.md). */
static int start_side_threads(struct engine *e, char *err, size_t errlen)
{
	struct core_runner *mt = &e->model_thr;
	*mt = (struct core_runner){ .cpu = e->o.aux_cpu,
		                    .idle = CORE_IDLE_SLEEP,
		                    .spin_limit = 64,
		                    .sleep_ns = 20000,
		                    .stop = &e->aux_stop };
	snprintf(mt->name, sizeof(mt->name), "osprey-riskmod");
	mt->on_fail = engine__side_failed;
	mt->fail_arg = e;
	/* risk decides with the model's caps: without them trading halts */
	e->guards[0] = (struct engine_guard){ "risk-model", risk_model_poll, e->model_risk, e, true };
	mt->stages[mt->nstages++] = (struct core_stage){ "risk-model", engine__guarded_poll, &e->guards[0] };
	int r = core_runner_start(mt);
	if (r < 0) {
		core_errf(err, errlen, "cannot start the risk model's thread: %s", strerror(-r));
		return r;
	}
	struct core_runner *aux = &e->aux;
	*aux = (struct core_runner){ .cpu = e->o.aux_cpu,
		                     .idle = CORE_IDLE_SLEEP,
		                     .sleep_ns = 200000,
		                     .stop = &e->aux_stop };
	snprintf(aux->name, sizeof(aux->name), "osprey-aux");
	aux->on_fail = engine__side_failed;
	aux->fail_arg = e;
	/* the latency logs are only reported */
	e->guards[1] = (struct engine_guard){ "telemetry", telemetry_poll, &e->tele, e, false };
	if (e->orders_log)
		aux->stages[aux->nstages++] =
			(struct core_stage){ "orders", orders_log_poll, e->orders_log };
	if (e->writer)
		aux->stages[aux->nstages++] =
			(struct core_stage){ "persist", engine__persist_guard_poll, e };
	aux->stages[aux->nstages++] = (struct core_stage){ "telemetry", engine__guarded_poll, &e->guards[1] };
	aux->stages[aux->nstages++] = (struct core_stage){ "pager", feeds_stage_page, e->feeds };
	/* the recovery's resume runs where the operator's commands run, one thread */
	if (e->recover && !e->control_open)
		aux->stages[aux->nstages++] =
			(struct core_stage){ "recovery", engine__recovery_poll, e };
	if ((r = core_runner_start(aux)) < 0) {
		core_errf(err, errlen, "cannot start the aux thread: %s", strerror(-r));
		atomic_store_explicit(&e->aux_stop, true, memory_order_relaxed);
		core_runner_join(mt);
		return r;
	}
	if (!e->control_open)
		return 0;
	struct core_runner *c = &e->ctl_thr;
	/* the control poll itself waits for a client (control.wait_ms) */
	*c = (struct core_runner){ .cpu = e->o.aux_cpu,
		                   .idle = CORE_IDLE_SPIN,
		                   .stop = &e->aux_stop };
	snprintf(c->name, sizeof(c->name), "osprey-ctl");
	c->on_fail = engine__side_failed;
	c->fail_arg = e;
	c->stages[c->nstages++] = (struct core_stage){ "control", control_poll, &e->control };
	if (e->recover)
		c->stages[c->nstages++] =
			(struct core_stage){ "recovery", engine__recovery_poll, e };
	if ((r = core_runner_start(c)) < 0) {
		core_errf(err, errlen, "cannot start the control thread: %s", strerror(-r));
		atomic_store_explicit(&e->aux_stop, true, memory_order_relaxed);
		core_runner_join(aux);
		core_runner_join(mt);
		e->control_open = false;
	}
	return r;
}

/* Run the hot threads to the end of the input (or a stop); their first error. */
static int run_hot(struct engine *e, char *err, size_t errlen)
{
	int r = 0;
	struct irq_snap *before = malloc(sizeof(*before)), *after = malloc(sizeof(*after));
	bool counted = before && after && irq_snapshot("/proc/interrupts", before) == 0;
	uint64_t t0 = core_now_ns();
	unsigned started = 0;
	for (; started < e->nhot; started++)
		if ((r = core_runner_start(&e->hot[started])) < 0) {
			core_errf(err, errlen, "cannot start hot thread %u: %s", started,
			          strerror(-r));
			atomic_store_explicit(&e->stop, true, memory_order_relaxed);
			break;
		}
	for (unsigned i = 0; i < started; i++) {
		int hr = core_runner_join(&e->hot[i]);
		if (hr < 0 && r == 0) {
			r = hr;
			/* one hot thread failed: the others must not wait for it */
			atomic_store_explicit(&e->stop, true, memory_order_relaxed);
			const char *fe = feeds_stage_error(e->feeds);
			core_errf(err, errlen, "%s", fe && *fe ? fe : strerror(-hr));
		}
	}
	e->run_ns = core_now_ns() - t0;
	if (counted && irq_snapshot("/proc/interrupts", after) == 0) {
		int cpus[ENGINE_MAX_THREADS];
		for (unsigned i = 0; i < e->nhot; i++)
			cpus[i] = e->hot[i].cpu;
		e->nirq_hits = irq_hot(before, after, cpus, e->nhot, e->irq_hits, ENGINE_IRQ_HITS);
	}
	free(before);
	free(after);
	atomic_store_explicit(&e->g.input_done, true, memory_order_relaxed);
	/* the hot threads are joined: their stats are ours to read */
	engine__publish_all(e);
	return r;
}

/* backtest_final_fn: risk's books of one instrument, after the run */
static void final_books(void *arg, uint16_t locate, struct risk_position *ret)
{
	struct engine *e = arg;
	risk_stage_position(e->risk, locate, ret);
}

int engine_run(struct engine *e, char *err, size_t errlen)
{
	int r = start_side_threads(e, err, errlen);
	if (r < 0)
		return r;
	int hot_result = run_hot(e, err, errlen);
	/* daemon: keep serving osprey-ctl until a stop request */
	while (e->o.stay_up && !hot_result &&
	       !atomic_load_explicit(&e->shutdown, memory_order_relaxed)) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	if (e->control_open) {
		atomic_store_explicit(&e->control.finish, true, memory_order_relaxed);
		core_runner_join(&e->ctl_thr);
	}
	/* Stopped early: the exec stage never sent PERSIST_EOS, so we do (exec's
	 * thread is joined; we are the persist ring's producer now). */
	struct exec_stats xs;
	exec_stage_stats(e->exec, &xs);
	if ((e->writer || e->orders_log) && !xs.eof) {
		struct persist_rec eos = { .kind = PERSIST_EOS };
		while (core_ring_push(e->persist_ring, &eos) == CORE_RING_FULL) {
			struct timespec ts = { 0, 1000000 };
			nanosleep(&ts, NULL);
		}
	}
	struct risk_stats rs;
	risk_stage_stats(e->risk, &rs);
	if (e->orders_log && !rs.events_eos) { /* the same for risk's events */
		struct risk_event eos = { .kind = RISK_EV_EOS };
		while (core_ring_push(e->risk_events, &eos) == CORE_RING_FULL) {
			struct timespec ts = { 0, 1000000 };
			nanosleep(&ts, NULL);
		}
	}
	if (!rs.model_eos) { /* and for the risk model */
		struct risk_model_msg eos = { .kind = RISK_MODEL_EOS };
		while (core_ring_push(e->model_ring, &eos) == CORE_RING_FULL) {
			struct timespec ts = { 0, 1000000 };
			nanosleep(&ts, NULL);
		}
	}
	atomic_store_explicit(&e->tele.finish, true, memory_order_relaxed);
	r = core_runner_join(&e->aux);
	int mr = core_runner_join(&e->model_thr);
	if (r == 0)
		r = mr;
	/* the risk model's thread has stopped: the record is complete */
	if (backtest_finish(e->backtest, final_books, e) < 0)
		e->backtest_failed = true;
	if (r < 0 && !hot_result) {
		core_errf(err, errlen, "persistence failed: %s",
		          e->writer ? persist_writer_error(e->writer) : strerror(-r));
		return r;
	}
	if (atomic_load_explicit(&e->g.persist_failed, memory_order_acquire) && !hot_result) {
		telemetry_finish(&e->tele);
		core_errf(err, errlen,
		          "persistence failed: %s; trading was halted and open orders cancelled; "
		          "%" PRIu64 " records after the failure were not stored",
		          e->persist_error,
		          atomic_load_explicit(&e->g.persist_unstored, memory_order_relaxed));
		return -EIO;
	}
	telemetry_finish(&e->tele);
	if (atomic_load_explicit(&e->failed, memory_order_acquire) && !hot_result) {
		orders_log_close(e->orders_log, NULL, 0);
		e->orders_log = NULL;
		core_errf(err, errlen, "%s", e->failure);
		return -EIO;
	}
	char oerr[320];
	if ((r = orders_log_close(e->orders_log, oerr, sizeof(oerr))) < 0 && !hot_result) {
		e->orders_log = NULL;
		core_errf(err, errlen, "%s", oerr);
		return r;
	}
	e->orders_log = NULL;
	return hot_result;
}

struct engine *engine_destroy(struct engine *e)
{
	if (!e)
		return NULL;
	metrics_stop(e->metrics); /* first: a scrape reads everything below */
	orders_recent_destroy(e->recent);
	e->metrics = NULL;
	alerts_stop(e->alerts); /* posts what the run's end changed */
	e->alerts = NULL;
	if (e->control_open)
		control_close(&e->control);
	if (e->audit)
		fclose(e->audit);
	core_free(e->restored);
	free(e->open_orders);
	orders_log_close(e->orders_log, NULL, 0); /* a run that never ended: keep what it wrote */
	e->writer = persist_writer_destroy(e->writer);
	e->exec = exec_stage_destroy(e->exec);
	e->sim = exec_sim_destroy(e->sim);
	e->fix_gw = exec_fix_gw_destroy(e->fix_gw);
	e->ouch_gw = exec_ouch_gw_destroy(e->ouch_gw);
	e->mt5_gw = exec_mt5_gw_destroy(e->mt5_gw);
	e->bn_gw = exec_bn_gw_destroy(e->bn_gw);
	bn_stream_fini(&e->bn_ws);
	e->risk = risk_stage_destroy(e->risk);
	e->model_risk = risk_model_destroy(e->model_risk);
	backtest_destroy(e->backtest);
	e->decide = strat_decide_destroy(e->decide);
	e->model = strat_model_free(e->model);
	core_free(e->drift);
	e->drift = NULL;
	for (unsigned i = 0; i < e->nretired; i++)
		strat_model_free(e->retired[i]);
	e->features = strat_features_destroy(e->features);
	e->feeds = feeds_stage_destroy(e->feeds);
	if (e->crypto_record)
		fclose(e->crypto_record);
	e->db = persist_close(e->db);
	telemetry_fini(&e->tele);
	core_ring_destroy(e->md);
	core_ring_destroy(e->venue_md);
	core_ring_destroy(e->feat);
	core_ring_destroy(e->intents);
	core_ring_destroy(e->orders);
	core_ring_destroy(e->reports);
	core_ring_destroy(e->persist_ring);
	core_ring_destroy(e->persist_fwd);
	for (unsigned i = 0; i < ST_COUNT; i++)
		e->gauged[i].events = core_ring_destroy(e->gauged[i].events);
	core_ring_destroy(e->risk_events);
	core_ring_destroy(e->model_ring);
	core_free(e->caps);
	core_free(e);
	return NULL;
}
