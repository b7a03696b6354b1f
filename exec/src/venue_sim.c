/* venue_sim.c - the simulated venue: an exec_venue that acts in event time
 * on the session's own market data (exec.h, "The simulated venue"). */
#include "exec_int.h"

struct sim_inst {
	uint32_t bid_px, bid_qty, ask_px, ask_qty; /* top of book (last event) */
	uint32_t taken_bid_px, taken_bid_qty;      /* our take at the best bid level */
	uint32_t taken_ask_px, taken_ask_qty;
	uint32_t nresting;
	int32_t rest_head, rest_tail; /* resting orders, time priority */
	uint8_t flags;                /* MD_F_* of the last event */
};

struct sim_order {
	uint64_t order_id;
	uint32_t px, qty, leaves, cum;
	uint16_t locate;
	uint8_t side;
	uint8_t tif;
	bool resting;         /* acknowledged and open */
	int32_t rnext, rprev; /* instrument resting list; rnext is the free list */
	int32_t anext, aprev; /* every resting order, in arrival order */
};

struct sim_msg {
	struct order_msg m;
	int32_t slot;   /* ORDER_NEW holding an order slot, else -1 */
	uint8_t reason; /* nonzero: rejected on arrival */
	uint8_t pad_[3];
};

struct exec_sim {
	uint64_t latency_ns;
	uint32_t max_orders, max_rest;

	struct sim_order *orders;
	int32_t free_head;
	struct exec__idmap ids;     /* resting orders by id */
	int32_t all_head, all_tail; /* resting orders, arrival order */

	struct sim_msg *fifo;                     /* messages on their way, send order */
	uint32_t fifo_mask, fifo_head, fifo_tail; /* free running */

	struct sim_inst *inst;

	struct exec_report *q; /* reports not yet taken by poll() */
	uint32_t q_cap, q_head, q_tail;

	uint64_t decided; /* every md event up to this one is decided */
	uint64_t last_new_id;
	bool order_eos, md_eos;
	uint64_t ev_seq, ev_ts; /* the md event being acted on */

	struct exec_venue_stats st;
};

/* ------------------------------------------------------------------------- */
/* Orders and reports. */

static int32_t slot_alloc(struct exec_sim *v)
{
	int32_t k = v->free_head;
	if (k >= 0)
		v->free_head = v->orders[k].rnext;
	return k;
}

static void slot_free(struct exec_sim *v, int32_t k)
{
	struct sim_order *o = &v->orders[k];
	memset(o, 0, sizeof(*o));
	o->rnext = v->free_head;
	v->free_head = k;
}

static void report(struct exec_sim *v, const struct sim_order *o, uint8_t kind, uint32_t px,
                   uint32_t qty, uint8_t reason)
{
	struct exec_report *r = &v->q[v->q_tail++ % v->q_cap];
	*r = (struct exec_report){
		.ts_ns = v->ev_ts,
		.seq = v->ev_seq,
		.order_id = o->order_id,
		.px = px,
		.qty = qty,
		.leaves_qty = o->leaves,
		.cum_qty = o->cum,
		.locate = o->locate,
		.kind = kind,
		.side = o->side,
		.reason = reason,
	};
}

/* Lists: resting per instrument, and every resting order. */
static void rest_link(struct exec_sim *v, int32_t k)
{
	struct sim_order *o = &v->orders[k];
	struct sim_inst *in = &v->inst[o->locate];
	o->resting = true;
	o->rnext = -1;
	o->rprev = in->rest_tail;
	if (in->rest_tail >= 0)
		v->orders[in->rest_tail].rnext = k;
	else
		in->rest_head = k;
	in->rest_tail = k;
	in->nresting++;

	o->anext = -1;
	o->aprev = v->all_tail;
	if (v->all_tail >= 0)
		v->orders[v->all_tail].anext = k;
	else
		v->all_head = k;
	v->all_tail = k;
	v->st.open_orders++;
	exec__idmap_insert(&v->ids, o->order_id, k);
}

static void rest_unlink(struct exec_sim *v, int32_t k)
{
	struct sim_order *o = &v->orders[k];
	struct sim_inst *in = &v->inst[o->locate];
	if (o->rprev >= 0)
		v->orders[o->rprev].rnext = o->rnext;
	else
		in->rest_head = o->rnext;
	if (o->rnext >= 0)
		v->orders[o->rnext].rprev = o->rprev;
	else
		in->rest_tail = o->rprev;
	in->nresting--;

	if (o->aprev >= 0)
		v->orders[o->aprev].anext = o->anext;
	else
		v->all_head = o->anext;
	if (o->anext >= 0)
		v->orders[o->anext].aprev = o->aprev;
	else
		v->all_tail = o->aprev;
	v->st.open_orders--;
	exec__idmap_erase(&v->ids, o->order_id);
	o->resting = false;
}

/* An order is done when nothing is left; its slot goes back. */
static void retire_if_done(struct exec_sim *v, int32_t k)
{
	if (v->orders[k].leaves)
		return;
	if (v->orders[k].resting)
		rest_unlink(v, k);
	slot_free(v, k);
}

static void fill(struct exec_sim *v, int32_t k, uint32_t q, uint32_t px)
{
	struct sim_order *o = &v->orders[k];
	o->leaves -= q;
	o->cum += q;
	report(v, o, EXEC_FILL, px, q, 0);
}

static void cancel(struct exec_sim *v, int32_t k, uint8_t reason)
{
	struct sim_order *o = &v->orders[k];
	uint32_t q = o->leaves;
	o->leaves = 0;
	report(v, o, EXEC_CANCELED, o->px, q, reason);
}

/* ------------------------------------------------------------------------- */
/* Matching against the session's displayed book and its trades. */

/* Displayed liquidity at a level minus what we already took there. */
static uint32_t level_avail(uint32_t px, uint32_t qty, uint32_t taken_px, uint32_t taken_qty)
{
	if (px == 0)
		return 0;
	if (px != taken_px)
		return qty;
	return qty > taken_qty ? qty - taken_qty : 0;
}

static void level_take(uint32_t px, uint32_t *taken_px, uint32_t *taken_qty, uint32_t q)
{
	if (*taken_px != px) {
		*taken_px = px;
		*taken_qty = 0;
	}
	*taken_qty += q;
}

/* Take up to want shares of the opposite best level if px crosses it; the
 * quantity taken, its price in *ret_px. */
static uint32_t take_touch(struct sim_inst *in, uint8_t side, uint32_t px, uint32_t want,
                           uint32_t *ret_px)
{
	uint32_t q = 0;
	if (side == 'B' && in->ask_px && px >= in->ask_px) {
		uint32_t a =
		        level_avail(in->ask_px, in->ask_qty, in->taken_ask_px, in->taken_ask_qty);
		q = a < want ? a : want;
		if (q)
			level_take(in->ask_px, &in->taken_ask_px, &in->taken_ask_qty, q);
		*ret_px = in->ask_px;
	} else if (side == 'S' && in->bid_px && px <= in->bid_px) {
		uint32_t a =
		        level_avail(in->bid_px, in->bid_qty, in->taken_bid_px, in->taken_bid_qty);
		q = a < want ? a : want;
		if (q)
			level_take(in->bid_px, &in->taken_bid_px, &in->taken_bid_qty, q);
		*ret_px = in->bid_px;
	}
	return q;
}

static void match_resting(struct exec_sim *v, struct sim_inst *in, const struct md_event *e)
{
	uint32_t trade_qty = 0;
	bool trade_side_known = false;
	if (e->kind == MD_EXEC || e->kind == MD_TRADE) {
		trade_qty = e->qty;
		trade_side_known = e->kind == MD_EXEC && (e->side == 'B' || e->side == 'S');
	}
	for (int32_t k = in->rest_head, next; k >= 0; k = next) {
		struct sim_order *o = &v->orders[k];
		next = o->rnext;
		uint32_t touch_px;
		uint32_t q = take_touch(in, o->side, o->px, o->leaves, &touch_px);
		bool hit = o->side == 'B' ? (trade_side_known ? e->side == 'B' && e->px <= o->px
		                                              : e->px < o->px)
		                          : (trade_side_known ? e->side == 'S' && e->px >= o->px
		                                              : e->px > o->px);
		if (trade_qty && hit && q < o->leaves) {
			uint32_t t = o->leaves - q;
			if (t > trade_qty)
				t = trade_qty;
			trade_qty -= t;
			q += t;
		}
		if (q) {
			fill(v, k, q, o->px); /* a resting order fills at its own price */
			retire_if_done(v, k);
		}
	}
}

/* ------------------------------------------------------------------------- */
/* Messages reaching the venue. */

static void arrive_new(struct exec_sim *v, const struct sim_msg *f)
{
	if (f->slot < 0) {
		/* refused when sent: report against the message itself */
		struct sim_order tmp = { .order_id = f->m.order_id,
			                 .locate = f->m.locate,
			                 .side = f->m.side };
		report(v, &tmp, EXEC_REJECTED, f->m.px, f->m.qty, f->reason);
		return;
	}
	int32_t k = f->slot;
	struct sim_order *o = &v->orders[k];
	struct sim_inst *in = &v->inst[o->locate];
	if (in->nresting >= v->max_rest) {
		report(v, o, EXEC_REJECTED, o->px, o->qty, EXEC_REASON_RESTING_CAP);
		slot_free(v, k);
		return;
	}
	rest_link(v, k);
	report(v, o, EXEC_ACK, o->px, o->qty, 0);
	if (!(in->flags & MD_F_HALTED)) {
		uint32_t px = 0;
		uint32_t q = take_touch(in, o->side, o->px, o->leaves, &px);
		if (q)
			fill(v, k, q, px); /* a marketable order fills at the touch */
	}
	if (o->leaves && o->tif == EXEC_TIF_IOC)
		cancel(v, k, EXEC_REASON_IOC);
	retire_if_done(v, k);
}

static void arrive_cancel(struct exec_sim *v, const struct sim_msg *f)
{
	int32_t k = exec__idmap_find(&v->ids, f->m.order_id);
	if (k < 0) {
		/* filled or cancelled meanwhile: too late */
		v->st.cancel_too_late++;
		return;
	}
	cancel(v, k, EXEC_REASON_USER_CANCEL);
	retire_if_done(v, k);
}

static void arrive_cancel_all(struct exec_sim *v)
{
	for (int32_t k = v->all_head, next; k >= 0; k = next) {
		next = v->orders[k].anext;
		cancel(v, k, EXEC_REASON_CANCEL_ALL);
		retire_if_done(v, k);
	}
}

/* Has message m reached the venue by event e (e->seq > m->seq)? Event time
 * must have advanced by the latency since the deciding event; an event
 * earlier than the order (a clock that stepped back) releases it. */
static bool arrived(const struct exec_sim *v, const struct order_msg *m, const struct md_event *e)
{
	return m->seq < e->seq && (e->ts_ns < m->ts_ns || e->ts_ns - m->ts_ns >= v->latency_ns);
}

static void act_on(struct exec_sim *v, const struct md_event *e)
{
	struct sim_inst *in = &v->inst[e->locate];
	in->bid_px = e->bid_px;
	in->bid_qty = e->bid_qty;
	in->ask_px = e->ask_px;
	in->ask_qty = e->ask_qty;
	in->flags = e->flags;
	v->ev_seq = e->seq;
	v->ev_ts = e->ts_ns;
	if (in->nresting && !(e->flags & MD_F_HALTED))
		match_resting(v, in, e);
	while (v->fifo_head != v->fifo_tail) {
		const struct sim_msg *f = &v->fifo[v->fifo_head & v->fifo_mask];
		if (!arrived(v, &f->m, e))
			break;
		if (f->m.kind == ORDER_NEW)
			arrive_new(v, f);
		else if (f->m.kind == ORDER_CANCEL)
			arrive_cancel(v, f);
		else
			arrive_cancel_all(v);
		v->fifo_head++;
		v->st.inflight--;
	}
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
	int32_t k = -1;
	if (m->kind == ORDER_NEW) {
		if (m->qty == 0 || m->px == 0 || (m->side != 'B' && m->side != 'S'))
			reason = EXEC_REASON_INVALID;
		else if (m->order_id <= v->last_new_id)
			reason = EXEC_REASON_DUPLICATE;
		if (!reason) {
			if ((k = slot_alloc(v)) < 0)
				return EXEC_VENUE_BUSY;
			struct sim_order *o = &v->orders[k];
			*o = (struct sim_order){ .order_id = m->order_id,
				                 .px = m->px,
				                 .qty = m->qty,
				                 .leaves = m->qty,
				                 .locate = m->locate,
				                 .side = m->side,
				                 .tif = m->tif,
				                 .rnext = -1,
				                 .rprev = -1,
				                 .anext = -1,
				                 .aprev = -1 };
			v->last_new_id = m->order_id;
		}
	}
	if (m->seq)
		note_decided(v, m->seq - 1);
	struct sim_msg *f = &v->fifo[v->fifo_tail++ & v->fifo_mask];
	f->m = *m;
	f->slot = k;
	f->reason = reason;
	v->st.inflight++;
	return 0;
}

static int sim_market(void *ctx, const struct md_event *e)
{
	struct exec_sim *v = ctx;
	if (v->q_head != v->q_tail)
		return EXEC_VENUE_BUSY; /* the last event's reports first */
	if (e->kind == MD_EOS) {
		v->md_eos = true;
		return 0;
	}
	if (!v->order_eos && v->decided + 1 < e->seq) {
		v->st.wm_waits++;
		return EXEC_VENUE_BUSY;
	}
	act_on(v, e);
	return 0;
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
	*ret = v->st;
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
	v->max_orders = max_orders;
	v->max_rest = cfg->max_resting_per_instrument ? cfg->max_resting_per_instrument : 64;
	v->all_head = v->all_tail = -1;
	uint32_t fcap = exec__pow2_at_least(max_inflight);
	v->fifo_mask = fcap - 1;
	/* One md event's worst case: per order slot ack + fill + cancel, per
	 * FIFO entry one reject. */
	v->q_cap = 3 * max_orders + fcap + 8;
	v->orders = core_alloc(sizeof(*v->orders) * max_orders, CORE_CACHE_LINE);
	v->fifo = core_alloc(sizeof(*v->fifo) * fcap, CORE_CACHE_LINE);
	v->inst = core_alloc(sizeof(*v->inst) * EXEC_LOCATES, CORE_CACHE_LINE);
	v->q = core_alloc(sizeof(*v->q) * v->q_cap, CORE_CACHE_LINE);
	if (!v->orders || !v->fifo || !v->inst || !v->q ||
	    exec__idmap_init(&v->ids, max_orders) < 0) {
		exec_sim_destroy(v);
		goto fail_nomem;
	}
	for (uint32_t k = 0; k < max_orders; k++)
		v->orders[k].rnext = k + 1 < max_orders ? (int32_t)(k + 1) : -1;
	v->free_head = 0;
	for (uint32_t l = 0; l < EXEC_LOCATES; l++)
		v->inst[l].rest_head = v->inst[l].rest_tail = -1;
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
	core_free(v->orders);
	core_free(v->fifo);
	core_free(v->inst);
	core_free(v->q);
	exec__idmap_fini(&v->ids);
	core_free(v);
	return NULL;
}
