/* venue_sim.c - the simulated venue: an exec_venue that acts in event time
 * on the session's own market data (exec.h, "The simulated venue"). */
#include "exec_int.h"

#define SIM_TAKE_LEVELS 16 /* levels one take may walk (exec_match_config) */

struct sim_msg {
	struct order_msg m;
	uint64_t latency_ns; /* this message's way to the venue, event time */
	bool counted;   /* a valid ORDER_NEW, counted in norders */
	uint8_t reason; /* nonzero: rejected on arrival (invalid or duplicate when sent) */
	uint8_t pad_[6];
};

struct exec_sim {
	uint64_t latency_ns;
	uint32_t *lat_table; /* sampled latency: NULL, or lat_len values (ns) */
	uint32_t lat_len;
	uint64_t lat_rng;    /* xorshift64 state */
	uint32_t max_orders;
	uint32_t norders; /* valid ORDER_NEWs in flight or open at the engine */

	struct exec_match *match;

	struct sim_msg *fifo;                     /* messages on their way, send order */
	uint32_t fifo_mask, fifo_head, fifo_tail; /* free running */

	struct exec_report *q; /* reports not yet taken by poll() */
	uint32_t q_cap, q_head, q_tail;
	uint64_t q_lost; /* reports that did not fit: never (q_cap), else -EOVERFLOW */

	uint64_t decided; /* every md event up to this one is decided */
	uint64_t last_new_id;
	bool order_eos, md_eos;
	uint64_t ev_seq, ev_ts; /* the md event being acted on */

	struct exec_venue_stats st;
};

/* ------------------------------------------------------------------------- */
/* Reports: the matching engine's events, and rejects made at send. */

static void push_report(struct exec_sim *v, const struct exec_report *r)
{
	if (v->q_tail - v->q_head >= v->q_cap) {
		v->q_lost++;
		return;
	}
	v->q[v->q_tail++ % v->q_cap] = *r;
}

static void sim_sink(void *ctx, const struct exec_match_event *ev)
{
	struct exec_sim *v = ctx;
	struct exec_report r = {
		.ts_ns = ev->ts_ns,
		.seq = ev->seq,
		.order_id = ev->order_id,
		.px = ev->px,
		.qty = ev->qty,
		.leaves_qty = ev->leaves_qty,
		.cum_qty = ev->cum_qty,
		.locate = ev->locate,
		.kind = ev->kind,
		.side = ev->side,
		.reason = ev->reason,
	};
	push_report(v, &r);
	/* the order is done: its place under max_orders is free again */
	if (ev->kind == EXEC_MATCH_REJECTED ||
	    ((ev->kind == EXEC_MATCH_FILL || ev->kind == EXEC_MATCH_CANCELED) && !ev->leaves_qty))
		v->norders--;
}

/* ------------------------------------------------------------------------- */
/* Messages reaching the venue. */

static void arrive_new(struct exec_sim *v, const struct sim_msg *f)
{
	if (!f->counted) {
		/* refused when sent: report against the message itself */
		struct exec_report r = { .ts_ns = v->ev_ts,
			                 .seq = v->ev_seq,
			                 .order_id = f->m.order_id,
			                 .px = f->m.px,
			                 .qty = f->m.qty,
			                 .locate = f->m.locate,
			                 .kind = EXEC_REJECTED,
			                 .side = f->m.side,
			                 .reason = f->reason };
		push_report(v, &r);
		return;
	}
	struct exec_match_order o = { .order_id = f->m.order_id,
		                      .px = f->m.px,
		                      .qty = f->m.qty,
		                      .locate = f->m.locate,
		                      .side = f->m.side,
		                      .tif = f->m.tif };
	exec_match_new(v->match, &o);
}

static void arrive_cancel(struct exec_sim *v, const struct sim_msg *f)
{
	if (exec_match_cancel(v->match, 0, f->m.order_id, EXEC_REASON_USER_CANCEL) ==
	    EXEC_MATCH_NOT_OPEN)
		v->st.cancel_too_late++; /* filled or cancelled meanwhile: too late */
}

/* Has message m reached the venue by event e (e->seq > m->seq)? Event time
 * must have advanced by the latency since the deciding event; an event
 * earlier than the order (a clock that stepped back) releases it. */
static bool arrived(const struct sim_msg *f, const struct md_event *e)
{
	const struct order_msg *m = &f->m;
	return m->seq < e->seq && (e->ts_ns < m->ts_ns || e->ts_ns - m->ts_ns >= f->latency_ns);
}

/* The next message's latency: the constant, or a draw from the table (the
 * same sequence of draws for the same messages: deterministic). */
static uint64_t draw_latency(struct exec_sim *v)
{
	if (!v->lat_table)
		return v->latency_ns;
	uint64_t x = v->lat_rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	v->lat_rng = x;
	return v->lat_table[(x >> 11) % v->lat_len];
}

/* Messages reach the venue in the order sent: those that have arrived by
 * event e, or (e NULL: the market data has ended) every one, against the
 * last book. */
static void arrive(struct exec_sim *v, const struct md_event *e)
{
	while (v->fifo_head != v->fifo_tail) {
		const struct sim_msg *f = &v->fifo[v->fifo_head & v->fifo_mask];
		if (e && !arrived(f, e))
			break;
		if (f->m.kind == ORDER_NEW)
			arrive_new(v, f);
		else if (f->m.kind == ORDER_CANCEL)
			arrive_cancel(v, f);
		else
			exec_match_cancel_all(v->match, EXEC_MATCH_ALL_ACCOUNTS,
			                      EXEC_REASON_CANCEL_ALL);
		v->fifo_head++;
		v->st.inflight--;
	}
}

static void act_on(struct exec_sim *v, const struct md_event *e)
{
	v->ev_seq = e->seq;
	v->ev_ts = e->ts_ns;
	exec_match_market(v->match, e, 0); /* EXEC_MATCH_FULL: counted by the engine */
	arrive(v, e);
	v->st.md_in++;
}

/* ------------------------------------------------------------------------- */
/* The exec_venue ops. */

static void note_decided(struct exec_sim *v, uint64_t seq)
{
	if (seq > v->decided)
		v->decided = seq;
}

static int sim_send(void *ctx, const struct order_msg *m)
{
	struct exec_sim *v = ctx;
	switch (m->kind) {
	case ORDER_WATERMARK:
		note_decided(v, m->seq);
		return 0;
	case ORDER_EOS:
		v->order_eos = true;
		return 0;
	case ORDER_NEW:
	case ORDER_CANCEL:
	case ORDER_CANCEL_ALL:
		break;
	default:
		return -EINVAL;
	}
	if (v->fifo_tail - v->fifo_head > v->fifo_mask)
		return EXEC_VENUE_BUSY;
	uint8_t reason = 0;
	bool counted = false;
	if (m->kind == ORDER_NEW) {
		if (m->qty == 0 || m->px == 0 || (m->side != 'B' && m->side != 'S'))
			reason = EXEC_REASON_INVALID;
		else if (m->order_id <= v->last_new_id)
			reason = EXEC_REASON_DUPLICATE;
		if (!reason) {
			if (v->norders >= v->max_orders)
				return EXEC_VENUE_BUSY;
			v->norders++;
			counted = true;
			v->last_new_id = m->order_id;
		}
	}
	if (m->seq)
		note_decided(v, m->seq - 1);
	struct sim_msg *f = &v->fifo[v->fifo_tail++ & v->fifo_mask];
	f->m = *m;
	f->latency_ns = draw_latency(v);
	f->counted = counted;
	f->reason = reason;
	v->st.inflight++;
	if (v->md_eos)
		arrive(v, NULL); /* no more market data to wait for: at once */
	return 0;
}

static int sim_market(void *ctx, const struct md_event *e)
{
	struct exec_sim *v = ctx;
	if (v->q_head != v->q_tail)
		return EXEC_VENUE_BUSY; /* the last event's reports first */
	if (e->kind == MD_EOS) {
		/* the market data has ended: what is in flight reaches the venue now
		 * (a cancel-all at the end, or the operator's kill, is not lost) */
		v->md_eos = true;
		arrive(v, NULL);
		return v->q_lost ? -EOVERFLOW : 0;
	}
	if (!v->order_eos && v->decided + 1 < e->seq) {
		v->st.wm_waits++;
		return EXEC_VENUE_BUSY;
	}
	act_on(v, e);
	/* q_cap bounds one event's reports; a report that did not fit would be a
	 * bug here, and fails the session rather than vanish */
	return v->q_lost ? -EOVERFLOW : 0;
}

static int sim_poll(void *ctx, struct exec_report *out, uint32_t cap)
{
	struct exec_sim *v = ctx;
	uint32_t n = 0;
	while (n < cap && v->q_head != v->q_tail)
		out[n++] = v->q[v->q_head++ % v->q_cap];
	return (int)n;
}

static enum exec_session sim_session(const void *ctx)
{
	const struct exec_sim *v = ctx;
	return v->order_eos && v->md_eos && v->q_head == v->q_tail ? EXEC_SESSION_DONE
	                                                           : EXEC_SESSION_UP;
}

static void sim_stats(const void *ctx, struct exec_venue_stats *ret)
{
	const struct exec_sim *v = ctx;
	struct exec_match_stats ms;
	exec_match_stats(v->match, &ms);
	*ret = v->st;
	ret->open_orders = ms.open_orders;
	ret->decided_seq = v->decided;
}

static const struct exec_venue_ops sim_ops = {
	.send = sim_send,
	.market = sim_market,
	.poll = sim_poll,
	.session = sim_session,
	.stats = sim_stats,
	.event_time = true,
	.name = "sim",
};

struct exec_venue exec_sim_venue(struct exec_sim *v)
{
	return (struct exec_venue){ .ops = &sim_ops, .ctx = v };
}

/* ------------------------------------------------------------------------- */
/* Setup. */

CORE_COLD int exec_sim_create(const struct exec_sim_config *cfg, struct exec_sim **ret, char *err,
                              size_t errlen)
{
	if (!cfg || !ret) {
		core_errf(err, errlen, "exec_sim: cfg and ret are required");
		return -EINVAL;
	}
	uint32_t max_orders = cfg->max_orders ? cfg->max_orders : 4096;
	uint32_t max_inflight = cfg->max_inflight ? cfg->max_inflight : 2 * max_orders;
	if (max_orders > EXEC_MAX_LIMIT || max_inflight > EXEC_MAX_LIMIT) {
		core_errf(err, errlen, "exec_sim: %s above %u",
		          max_orders > EXEC_MAX_LIMIT ? "max_orders" : "max_inflight",
		          EXEC_MAX_LIMIT);
		return -EINVAL;
	}
	struct exec_sim *v = core_alloc(sizeof(*v), CORE_CACHE_LINE);
	if (!v)
		goto fail_nomem;
	v->latency_ns = cfg->latency_ns;
	if (cfg->latency_table && cfg->latency_len) {
		v->lat_table = core_alloc(sizeof(uint32_t) * cfg->latency_len, CORE_CACHE_LINE);
		if (!v->lat_table) {
			core_free(v);
			goto fail_nomem;
		}
		memcpy(v->lat_table, cfg->latency_table, sizeof(uint32_t) * cfg->latency_len);
		v->lat_len = cfg->latency_len;
		v->lat_rng = cfg->latency_seed ? cfg->latency_seed : 0x9e3779b97f4a7c15ull;
	}
	v->max_orders = max_orders;
	uint32_t fcap = exec__pow2_at_least(max_inflight);
	v->fifo_mask = fcap - 1;
	struct exec_match_config mc = {
		.sink = sim_sink,
		.sink_ctx = v,
		.max_refs = cfg->max_refs,
		.max_orders = max_orders,
		.max_open_per_instrument = cfg->max_resting_per_instrument
		                                   ? cfg->max_resting_per_instrument
		                                   : 64,
		.max_take_levels = SIM_TAKE_LEVELS,
		.tracking = cfg->tracking,
	};
	int r = exec_match_create(&mc, &v->match, err, errlen);
	if (r < 0) {
		exec_sim_destroy(v);
		return r;
	}
	/* One md event's worst case: per order, a fill from the event, one from
	 * new liquidity, a sweep of SIM_TAKE_LEVELS fills, an ack, a cancel; per
	 * FIFO entry one reject. */
	v->q_cap = (SIM_TAKE_LEVELS + 6) * max_orders + fcap + 8;
	v->fifo = core_alloc(sizeof(*v->fifo) * fcap, CORE_CACHE_LINE);
	v->q = core_alloc(sizeof(*v->q) * v->q_cap, CORE_CACHE_LINE);
	if (!v->fifo || !v->q) {
		exec_sim_destroy(v);
		goto fail_nomem;
	}
	*ret = v;
	return 0;
fail_nomem:
	core_errf(err, errlen, "exec_sim: out of memory allocating the venue's tables");
	return -ENOMEM;
}

struct exec_sim *exec_sim_destroy(struct exec_sim *v)
{
	if (!v)
		return NULL;
	exec_match_destroy(v->match);
	core_free(v->lat_table);
	core_free(v->fifo);
	core_free(v->q);
	core_free(v);
	return NULL;
}

void exec_sim_match_stats(const struct exec_sim *v, struct exec_match_stats *ret)
{
	exec_match_stats(v->match, ret);
}
