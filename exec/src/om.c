/* om.c - the execution stage: the order manager in front of a venue (exec.h).
 * One file of about 810 lines: the order table, the outbox and the poll's
 * ordering (reports before orders, timing per message) form one state machine
 * whose invariants are easiest to check in one place. */
#include "exec_int.h"

struct om_order {
	uint64_t order_id;
	uint64_t seq;
	uint32_t px, qty, leaves, cum;
	uint16_t locate;
	uint8_t side;
	uint8_t state; /* enum exec_order_state; NONE: free slot */
	bool at_venue;
	int32_t next_free;
};

/* Reports taken from the venue per call; the outbox holds one call's worth
 * (each report: itself, its persist copy, a position). */
#define OM_PULL 32

struct exec_stage {
	struct core_ring *oin, *min, *rout, *pout;
	struct exec_venue venue;
	uint32_t burst;
	struct core_hist_pair *hist_exec, *hist_t2o, *hist_t2w;
	struct core_hist *t2o, *t2w; /* open tick-to-order / tick-to-wire batches during a poll */
	bool batch_open;             /* this poll has opened its histogram batches */
	enum exec_tif tif;
	uint32_t max_orders;
	uint32_t flatten_bps;

	struct om_order *orders;
	int32_t free_head;
	struct exec__idmap ids;
	struct exec__book book;

	/* outbox: what the rings did not take yet */
	struct exec_report rep[OM_PULL + 2];
	uint32_t rep_n, rep_off;
	struct persist_rec per[2 * OM_PULL + 2];
	uint32_t per_n, per_off;

	uint32_t nlive;          /* orders in the table */
	bool cancel_all_waiting; /* a cancel-all went out with orders live */
	uint64_t last_new_id;
	uint64_t run_seq;
	uint64_t hash;
	uint64_t md_seq, md_ts; /* last md event the venue took */
	uint64_t progress_seq;  /* last EXEC_PROGRESS pushed */
	bool venue_pending;     /* the venue may hold reports not yet taken */
	uint8_t session_seen;   /* enum exec_session as last told to risk */
	bool order_eos, md_eos, eos_queued, eof;

	struct exec_stats st;
};

/* ------------------------------------------------------------------------- */
/* Order table. */

static int32_t slot_alloc(struct exec_stage *s)
{
	int32_t k = s->free_head;
	if (k >= 0) {
		s->free_head = s->orders[k].next_free;
		s->nlive++;
	}
	return k;
}

static void slot_free(struct exec_stage *s, int32_t k)
{
	struct om_order *o = &s->orders[k];
	exec__idmap_erase(&s->ids, o->order_id);
	memset(o, 0, sizeof(*o));
	o->next_free = s->free_head;
	s->free_head = k;
	if (--s->nlive == 0 && s->cancel_all_waiting) {
		/* the venue has answered for every order the cancel-all covered */
		s->cancel_all_waiting = false;
		s->st.cancel_all_done_ns = core_now_ns();
	}
}

/* Apply an order-manager event; false (counted) if illegal. */
static bool om_apply(struct exec_stage *s, struct om_order *o, enum exec_order_event ev)
{
	enum exec_order_state to;
	if (exec_order_transition((enum exec_order_state)o->state, ev, &to) < 0) {
		s->st.illegal++;
		return false;
	}
	o->state = (uint8_t)to;
	return true;
}

static bool state_terminal(uint8_t st)
{
	return st == EXEC_ST_FILLED || st == EXEC_ST_CANCELLED || st == EXEC_ST_REJECTED;
}

static bool order_valid(const struct order_msg *m)
{
	return m->qty && m->px && (m->side == 'B' || m->side == 'S');
}

/* ------------------------------------------------------------------------- */
/* Outbox. */

static void out_persist(struct exec_stage *s, uint8_t kind, const void *body, size_t len)
{
	if (!s->pout)
		return;
	struct persist_rec *r = &s->per[s->per_n++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->run_seq = ++s->run_seq;
	if (len)
		memcpy(&r->u, body, len);
}

static void out_report(struct exec_stage *s, const struct exec_report *r)
{
	s->rep[s->rep_n++] = *r;
	if (r->kind != EXEC_PROGRESS && r->kind != EXEC_EOS && r->kind != EXEC_SESSION)
		out_persist(s, PERSIST_REPORT, r, sizeof(*r));
}

/* Push as much of the outbox as the rings take; returns messages pushed. */
static uint32_t out_drain(struct exec_stage *s)
{
	uint32_t n = 0;
	if (s->rep_off < s->rep_n) {
		uint32_t k =
		        core_ring_push_burst(s->rout, s->rep + s->rep_off, s->rep_n - s->rep_off);
		s->rep_off += k;
		n += k;
		if (s->rep_off == s->rep_n)
			s->rep_off = s->rep_n = 0;
	}
	if (s->per_off < s->per_n) {
		uint32_t k =
		        core_ring_push_burst(s->pout, s->per + s->per_off, s->per_n - s->per_off);
		s->per_off += k;
		n += k;
		if (s->per_off == s->per_n)
			s->per_off = s->per_n = 0;
		else
			s->st.persist_waits++;
	}
	return n;
}

static bool out_empty(const struct exec_stage *s)
{
	return s->rep_n == 0 && s->per_n == 0;
}

/* ------------------------------------------------------------------------- */
/* Reports from the venue. */

/* Track an order open at the venue that this run did not send (restored
 * from the store, or adopted by the gateway); -1 if the table is full. */
static int32_t track_open(struct exec_stage *s, const struct order_msg *m, uint8_t state,
                          uint32_t leaves, uint32_t cum)
{
	int32_t k = slot_alloc(s);
	if (k < 0)
		return -1;
	s->orders[k] = (struct om_order){ .order_id = m->order_id,
		                          .seq = m->seq,
		                          .px = m->px,
		                          .qty = m->qty,
		                          .leaves = leaves,
		                          .cum = cum,
		                          .locate = m->locate,
		                          .side = m->side,
		                          .state = state,
		                          .at_venue = state != EXEC_ST_PENDING_NEW,
		                          .next_free = -1 };
	exec__idmap_insert(&s->ids, m->order_id, k);
	if (m->order_id > s->last_new_id)
		s->last_new_id = m->order_id;
	return k;
}

/* The gateway adopted an order of ours the store never had: store its
 * ORDER_NEW now (from the ack: its own md seq), so a later restart knows it. */
static int32_t adopt(struct exec_stage *s, const struct exec_report *r)
{
	if (!r->order_id || (r->side != 'B' && r->side != 'S'))
		return -1;
	struct order_msg m = { .kind = ORDER_NEW,
		               .order_id = r->order_id,
		               .seq = r->seq,
		               .locate = r->locate,
		               .side = r->side,
		               .px = r->px,
		               .qty = r->qty };
	int32_t k = track_open(s, &m, EXEC_ST_PENDING_NEW, r->qty, 0);
	if (k >= 0) {
		s->st.adopted++;
		out_persist(s, PERSIST_ORDER, &m, sizeof(m));
	}
	return k;
}

static void apply_report(struct exec_stage *s, struct exec_report *r)
{
	int32_t k = exec__idmap_find(&s->ids, r->order_id);
	if (k < 0 && r->kind == EXEC_ACK && r->reason == EXEC_REASON_ADOPTED)
		k = adopt(s, r);
	struct om_order *o = k >= 0 ? &s->orders[k] : NULL;
	switch (r->kind) {
	case EXEC_ACK:
		s->st.acks++;
		if (o && om_apply(s, o, EXEC_EV_ACK))
			o->at_venue = true;
		break;
	case EXEC_FILL:
		s->st.fills++;
		s->st.filled_qty += r->qty;
		if (o) {
			o->leaves = r->leaves_qty;
			o->cum = r->cum_qty;
			om_apply(s, o, r->leaves_qty ? EXEC_EV_PARTIAL_FILL : EXEC_EV_FULL_FILL);
		}
		break;
	case EXEC_CANCELED:
		s->st.cancels++;
		if (o && om_apply(s, o, EXEC_EV_CANCELLED))
			o->leaves = 0;
		break;
	case EXEC_REJECTED:
		s->st.rejects++;
		if (o)
			om_apply(s, o, EXEC_EV_REJECT);
		break;
	default:
		s->st.illegal++;
		return; /* not a venue report: dropped */
	}
	/* an invalid order was never tracked; its reject is expected */
	if (!o && !(r->kind == EXEC_REJECTED &&
	            (r->reason == EXEC_REASON_INVALID || r->reason == EXEC_REASON_DUPLICATE)))
		s->st.unknown_reports++;
	if (r->kind == EXEC_FILL && (r->side == 'B' || r->side == 'S'))
		exec__book_fill(&s->book, r->locate, r->side, r->qty, r->px, r->ts_ns);
	r->position = s->book.inst[r->locate].pos.qty;
	s->st.reports++;
	out_report(s, r); /* the store moves its position by the fill itself */
	if (o && state_terminal(o->state))
		slot_free(s, k);
}

/*
 * Take the venue's reports while the outbox drains; returns messages moved
 * or a negative errno. Leaves venue_pending set when the venue may hold more.
 * Per-message timing is the caller's: a report's cost belongs to the event
 * that caused it.
 */
static int pull_reports(struct exec_stage *s)
{
	struct exec_report buf[OM_PULL];
	int work = 0;
	while (out_empty(s)) {
		int n = s->venue.ops->poll(s->venue.ctx, buf, OM_PULL);
		if (n < 0)
			return n;
		for (int i = 0; i < n; i++)
			apply_report(s, &buf[i]);
		work += n + (int)out_drain(s);
		s->venue_pending = n == OM_PULL;
		if (!s->venue_pending)
			break;
	}
	return work;
}

/* ------------------------------------------------------------------------- */
/* Orders from risk. */

static void hash_order(struct exec_stage *s, const struct order_msg *m)
{
	unsigned char b[27];
	uint64_t id = m->order_id, seq = m->seq;
	for (int i = 0; i < 8; i++) {
		b[i] = (unsigned char)(id >> (8 * i));
		b[19 + i] = (unsigned char)(seq >> (8 * i));
	}
	b[8] = (unsigned char)m->locate;
	b[9] = (unsigned char)(m->locate >> 8);
	b[10] = m->side;
	for (int i = 0; i < 4; i++) {
		b[11 + i] = (unsigned char)(m->px >> (8 * i));
		b[15 + i] = (unsigned char)(m->qty >> (8 * i));
	}
	s->hash = core_fnv1a(s->hash, b, sizeof(b));
}

/* The order manager's side of sending m; the venue has taken it. */
static void track_new(struct exec_stage *s, const struct order_msg *m)
{
	if (order_valid(m) && m->order_id > s->last_new_id) {
		int32_t k = slot_alloc(s);
		s->orders[k] = (struct om_order){ .order_id = m->order_id,
			                          .seq = m->seq,
			                          .px = m->px,
			                          .qty = m->qty,
			                          .leaves = m->qty,
			                          .locate = m->locate,
			                          .side = m->side,
			                          .state = EXEC_ST_PENDING_NEW,
			                          .next_free = -1 };
		exec__idmap_insert(&s->ids, m->order_id, k);
		s->last_new_id = m->order_id;
	}
	hash_order(s, m);
	s->st.sent++;
}

static void track_cancel(struct exec_stage *s, const struct order_msg *m)
{
	if (m->kind == ORDER_CANCEL) {
		int32_t k = exec__idmap_find(&s->ids, m->order_id);
		if (k >= 0)
			om_apply(s, &s->orders[k], EXEC_EV_CANCEL_REQUEST);
	} else {
		for (uint32_t k = 0; k < s->max_orders; k++) {
			struct om_order *o = &s->orders[k];
			if (o->state != EXEC_ST_NONE && o->state != EXEC_ST_CANCEL_PENDING)
				om_apply(s, o, EXEC_EV_CANCEL_REQUEST);
		}
	}
	s->st.cancels_sent++;
}

/*
 * Hand one order-ring message to the venue. Returns 0 when consumed,
 * EXEC_VENUE_BUSY when it must wait (nothing changed), or a negative errno.
 * *sent says whether an ORDER_NEW went out (for tick-to-order).
 */
static int handle_order(struct exec_stage *s, const struct order_msg *in, bool *sent)
{
	struct order_msg m = *in;
	int r;
	switch (m.kind) {
	case ORDER_NEW:
		m.tif = (uint8_t)s->tif;
		if (m.flags & (ORDER_F_FLATTEN | ORDER_F_EXIT)) {
			/* the operator's flatten or risk's exit: at the touch, now or never */
			const struct exec__inst *mk = &s->book.inst[m.locate];
			uint32_t ref = m.side == 'B' ? mk->ask_px : mk->bid_px;
			if (!ref)
				ref = mk->last_fill_px;
			uint64_t through = (uint64_t)ref * s->flatten_bps / 10000;
			if (!m.px && ref)
				m.px = m.side == 'B'
				               ? (uint32_t)(ref + through < UINT32_MAX
				                                    ? ref + through
				                                    : UINT32_MAX)
				               : (uint32_t)(ref > through ? ref - through : 1);
			m.tif = EXEC_TIF_IOC;
		}
		/* a valid order needs a table slot before it leaves */
		if (order_valid(&m) && m.order_id > s->last_new_id && s->free_head < 0)
			return EXEC_VENUE_BUSY;
		break;
	case ORDER_CANCEL:
		if (m.order_id == 0 || m.order_id > s->last_new_id) {
			/* never sent: dropped; what it says of decisions still counts */
			m.kind = ORDER_WATERMARK;
			m.seq = m.seq ? m.seq - 1 : 0;
			if ((r = s->venue.ops->send(s->venue.ctx, &m)) != 0)
				return r;
			s->st.cancel_unknown++;
			goto consumed;
		}
		break;
	case ORDER_CANCEL_ALL:
	case ORDER_WATERMARK:
	case ORDER_EOS:
		break;
	default:
		s->st.illegal++; /* unknown kind: consumed and ignored, counted */
		goto consumed;
	}
	if ((r = s->venue.ops->send(s->venue.ctx, &m)) != 0)
		return r;
	switch (m.kind) {
	case ORDER_NEW:
		track_new(s, &m);
		*sent = true;
		out_persist(s, PERSIST_ORDER, &m, sizeof(m));
		break;
	case ORDER_CANCEL_ALL:
		s->st.cancel_all_sent_ns =
		        core_now_ns(); /* on the wire (or at the simulated venue) */
		s->cancel_all_waiting = s->nlive > 0;
		if (!s->cancel_all_waiting)
			s->st.cancel_all_done_ns = s->st.cancel_all_sent_ns;
		/* fall through */
	case ORDER_CANCEL:
		track_cancel(s, &m);
		out_persist(s, PERSIST_ORDER, &m, sizeof(m));
		break;
	case ORDER_EOS:
		s->order_eos = true;
		break;
	default:
		break;
	}
consumed:
	s->st.orders_in++;
	return 0;
}

/* ------------------------------------------------------------------------- */
/* Poll. */

/* Open the poll's histogram batches at its first piece of work. */
static void batch_begin(struct exec_stage *s, struct core_timer *tm)
{
	if (s->batch_open)
		return;
	s->batch_open = true;
	core_timer_begin(tm, s->hist_exec);
	if (s->hist_t2o)
		s->t2o = core_hist_pair_begin(s->hist_t2o);
	if (s->hist_t2w)
		s->t2w = core_hist_pair_begin(s->hist_t2w);
}

static int finish(struct exec_stage *s, struct core_timer *tm, uint32_t work, uint32_t *ret_work,
                  int rc)
{
	core_timer_end(tm);
	if (s->t2o)
		core_hist_pair_end(s->hist_t2o);
	if (s->t2w)
		core_hist_pair_end(s->hist_t2w);
	s->t2o = s->t2w = NULL;
	s->batch_open = false;
	*ret_work = work;
	return rc;
}

int exec_stage_poll(void *ctx, uint32_t *ret_work)
{
	struct exec_stage *s = ctx;
	struct core_timer tm = { 0 };
	uint32_t work = 0;
	int r;
	if (s->eof)
		return finish(s, &tm, 0, ret_work, CORE_EOF);
	work += out_drain(s);
	if (!out_empty(s)) {
		s->st.out_waits++;
		return finish(s, &tm, work, ret_work, 0);
	}

	/* What an event-time venue still holds from the last poll comes first:
	 * its reports come before anything later in event time. A venue on a
	 * socket is read after the orders, so a new order never waits behind a
	 * recv(2) (its reports reach risk one poll later, a few hundred ns). */
	if (s->venue.ops->event_time && (s->venue_pending || s->md_eos)) {
		/* (after the market data, the venue acts on orders as they come) */
		batch_begin(s, &tm);
		if ((r = pull_reports(s)) < 0)
			return finish(s, &tm, work, ret_work, r);
		work += (uint32_t)r;
		if (!out_empty(s)) {
			s->st.out_waits++;
			return finish(s, &tm, work, ret_work, 0);
		}
	}

	/* A session that went down or came back: risk hears it before anything new. */
	enum exec_session ses = s->venue.ops->session(s->venue.ctx);
	if (ses != EXEC_SESSION_DONE && ses != s->session_seen) {
		struct exec_report sr = { .ts_ns = s->md_ts,
			                  .seq = s->md_seq,
			                  .kind = EXEC_SESSION,
			                  .reason = (uint8_t)ses };
		batch_begin(s, &tm);
		out_report(s, &sr);
		s->session_seen = (uint8_t)ses;
		s->st.session_changes++;
		work += out_drain(s);
		if (!out_empty(s)) {
			s->st.out_waits++;
			return finish(s, &tm, work, ret_work, 0);
		}
	}

	/* Orders: they advance the decisions an event-time venue waits for. */
	bool orders_blocked = false;
	uint32_t n = s->order_eos ? 0 : core_ring_readable_upto(s->oin, s->burst);
	uint32_t i;
	for (i = 0; i < n; i++) {
		const struct order_msg *m = core_ring_peek(s->oin, i);
		bool sent = false;
		batch_begin(s, &tm);
		if ((r = handle_order(s, m, &sent)) < 0)
			return finish(s, &tm, work, ret_work, r);
		if (r == EXEC_VENUE_BUSY) {
			orders_blocked = true;
			s->st.table_waits++;
			break;
		}
		uint64_t now = core_timer_lap(&tm);
		if (sent && (s->t2o || s->t2w) && m->t0_ns) {
			if (!now)
				now = core_now_ns();
			if (now >= m->t0_ns && s->t2o)
				core_hist_record(s->t2o, (int64_t)(now - m->t0_ns));
			/* a venue on a socket took the bytes in send(): that was the wire */
			if (now >= m->t0_ns && s->t2w && !s->venue.ops->event_time)
				core_hist_record(s->t2w, (int64_t)(now - m->t0_ns));
		}
		work++;
		work += out_drain(s);
		if (!out_empty(s) || s->order_eos) {
			i++;
			break;
		}
	}
	if (i)
		core_ring_release(s->oin, i);
	if (!out_empty(s)) {
		s->st.out_waits++;
		return finish(s, &tm, work, ret_work, 0);
	}
	if (!s->venue.ops->event_time) {
		batch_begin(s, &tm);
		if ((r = pull_reports(s)) < 0)
			return finish(s, &tm, work, ret_work, r);
		work += (uint32_t)r;
		if (!out_empty(s)) {
			s->st.out_waits++;
			return finish(s, &tm, work, ret_work, 0);
		}
	}

	/* Market data: marks, and the venue's clock when it acts in event time. */
	uint32_t md_taken = 0;
	bool md_blocked = false;
	n = !s->min || s->md_eos ? 0 : core_ring_readable_upto(s->min, s->burst);
	for (i = 0; i < n; i++) {
		const struct md_event *e = core_ring_peek(s->min, i);
		batch_begin(s, &tm);
		if (s->venue.ops->market) {
			if ((r = s->venue.ops->market(s->venue.ctx, e)) < 0)
				return finish(s, &tm, work, ret_work, r);
			if (r == EXEC_VENUE_BUSY) {
				md_blocked = true;
				break;
			}
		}
		work++;
		if (e->kind == MD_EOS) {
			s->md_eos = true;
			i++;
			if (s->venue.ops->event_time) {
				/* what was in flight reached the venue at the end: its reports */
				if ((r = pull_reports(s)) < 0)
					return finish(s, &tm, work, ret_work, r);
				work += (uint32_t)r;
			}
			break;
		}
		exec__book_mark(&s->book, e);
		s->md_seq = e->seq;
		s->md_ts = e->ts_ns;
		s->st.md_in++;
		md_taken++;
		if (s->venue.ops->event_time) {
			if ((r = pull_reports(s)) < 0)
				return finish(s, &tm, work, ret_work, r);
			work += (uint32_t)r;
		}
		core_timer_lap(&tm); /* the event and the reports it caused */
		if (!out_empty(s)) {
			i++;
			break;
		}
	}
	if (i)
		core_ring_release(s->min, i);

	/* Once per poll that advanced an event-time venue, after its reports:
	 * risk's venue_sync waits on it. */
	if (out_empty(s) && !s->venue_pending && s->venue.ops->event_time &&
	    s->md_seq > s->progress_seq) {
		struct exec_report p = { .ts_ns = s->md_ts,
			                 .seq = s->md_seq,
			                 .kind = EXEC_PROGRESS };
		out_report(s, &p);
		s->progress_seq = s->md_seq;
		s->st.progress++;
		work += out_drain(s);
	}
	if (!out_empty(s)) {
		s->st.out_waits++;
		return finish(s, &tm, work, ret_work, 0);
	}
	if (orders_blocked && md_blocked && md_taken == 0)
		return finish(s, &tm, work, ret_work, -ENOBUFS);

	if (s->order_eos && (s->md_eos || !s->min) && !s->venue_pending &&
	    s->venue.ops->session(s->venue.ctx) == EXEC_SESSION_DONE) {
		if (!s->eos_queued) {
			s->eos_queued = true;
			struct exec_report eos = { .ts_ns = s->md_ts,
				                   .seq = s->md_seq,
				                   .kind = EXEC_EOS };
			out_report(s, &eos);
			out_persist(s, PERSIST_EOS, NULL, 0);
			work += out_drain(s);
		}
		if (out_empty(s)) {
			s->eof = true;
			s->st.eof = true;
			return finish(s, &tm, work, ret_work, CORE_EOF);
		}
	}
	return finish(s, &tm, work, ret_work, 0);
}

/* ------------------------------------------------------------------------- */
/* Setup and getters. */

CORE_COLD int exec_stage_create(const struct exec_config *cfg, struct exec_stage **ret, char *err,
                                size_t errlen)
{
	if (!cfg || !ret) {
		core_errf(err, errlen, "exec: cfg and ret are required");
		return -EINVAL;
	}
	const struct exec_venue_ops *ops = cfg->venue.ops;
	if (core_ring_check(cfg->orders_in, "exec", "orders_in", sizeof(struct order_msg),
	                    "order_msg", err, errlen) < 0 ||
	    (cfg->md_in && core_ring_check(cfg->md_in, "exec", "md_in", sizeof(struct md_event),
	                                   "md_event", err, errlen) < 0) ||
	    core_ring_check(cfg->reports_out, "exec", "reports_out", sizeof(struct exec_report),
	                    "exec_report", err, errlen) < 0 ||
	    (cfg->persist_out &&
	     core_ring_check(cfg->persist_out, "exec", "persist_out", sizeof(struct persist_rec),
	                     "persist_rec", err, errlen) < 0))
		return -EINVAL;
	if (!ops || !ops->send || !ops->poll || !ops->session || !ops->stats) {
		core_errf(err, errlen,
		          "exec: venue: ops with send, poll, session and stats required");
		return -EINVAL;
	}
	if (ops->event_time && (!ops->market || !cfg->md_in)) {
		core_errf(err, errlen, "exec: venue '%s' acts in event time: it needs md_in",
		          ops->name ? ops->name : "?");
		return -EINVAL;
	}
	uint32_t max_orders = cfg->max_orders ? cfg->max_orders : 4096;
	if (max_orders > EXEC_MAX_LIMIT) {
		core_errf(err, errlen, "exec: max_orders above %u", EXEC_MAX_LIMIT);
		return -EINVAL;
	}
	if (cfg->tif != EXEC_TIF_DAY && cfg->tif != EXEC_TIF_IOC) {
		core_errf(err, errlen, "exec: tif is not EXEC_TIF_DAY or EXEC_TIF_IOC");
		return -EINVAL;
	}
	if (cfg->ninitial && !cfg->initial) {
		core_errf(err, errlen, "exec: initial is NULL with ninitial > 0");
		return -EINVAL;
	}
	if (cfg->nrestore && !cfg->restore) {
		core_errf(err, errlen, "exec: restore is NULL with nrestore > 0");
		return -EINVAL;
	}

	struct exec_stage *s = core_alloc(sizeof(*s), CORE_CACHE_LINE);
	if (!s)
		goto fail_nomem;
	s->oin = cfg->orders_in;
	s->min = cfg->md_in;
	s->rout = cfg->reports_out;
	s->pout = cfg->persist_out;
	s->venue = cfg->venue;
	s->burst = cfg->burst ? cfg->burst : 32;
	s->hist_exec = cfg->hist_exec;
	s->hist_t2o = cfg->hist_t2o;
	s->hist_t2w = cfg->hist_t2w;
	/* an event-time venue is up from the start; one on a socket is not */
	s->session_seen = ops->event_time ? EXEC_SESSION_UP : EXEC_SESSION_DOWN;
	s->tif = cfg->tif;
	s->flatten_bps = cfg->flatten_bps;
	s->max_orders = max_orders;
	s->hash = CORE_FNV_OFFSET;
	s->orders = core_alloc(sizeof(*s->orders) * max_orders, CORE_CACHE_LINE);
	if (!s->orders || exec__idmap_init(&s->ids, max_orders) < 0 ||
	    exec__book_init(&s->book) < 0) {
		exec_stage_destroy(s);
		goto fail_nomem;
	}
	for (uint32_t k = 0; k < max_orders; k++)
		s->orders[k].next_free = k + 1 < max_orders ? (int32_t)(k + 1) : -1;
	s->free_head = 0;
	for (unsigned j = 0; j < cfg->nrestore; j++) {
		const struct exec_open_order *ro = &cfg->restore[j];
		uint8_t st = !ro->acked ? EXEC_ST_PENDING_NEW
		             : ro->cum_qty ? EXEC_ST_PARTIALLY_FILLED
		                           : EXEC_ST_ACKED;
		if (track_open(s, &ro->order, st, ro->leaves_qty, ro->cum_qty) < 0) {
			core_errf(err, errlen, "exec: %u orders to restore, max_orders %u",
			          cfg->nrestore, max_orders);
			exec_stage_destroy(s);
			return -EINVAL;
		}
	}
	for (unsigned j = 0; j < cfg->ninitial; j++) {
		if (exec__book_restore(&s->book, &cfg->initial[j]) < 0) {
			core_errf(err, errlen, "exec: initial[%u]: locate %u appears twice", j,
			          (unsigned)cfg->initial[j].locate);
			exec_stage_destroy(s);
			return -EINVAL;
		}
	}
	*ret = s;
	return 0;
fail_nomem:
	core_errf(err, errlen, "exec: out of memory allocating the stage tables");
	return -ENOMEM;
}

struct exec_stage *exec_stage_destroy(struct exec_stage *s)
{
	if (!s)
		return NULL;
	core_free(s->orders);
	exec__idmap_fini(&s->ids);
	exec__book_fini(&s->book);
	core_free(s);
	return NULL;
}

void exec_stage_stats(const struct exec_stage *s, struct exec_stats *ret)
{
	struct exec_venue_stats vs;
	s->venue.ops->stats(s->venue.ctx, &vs);
	struct exec_stats st = s->st;
	st.hash = s->hash;
	st.session = s->session_seen;
	st.open_orders = vs.open_orders;
	st.inflight = vs.inflight;
	st.wm_waits = vs.wm_waits;
	st.decided_seq = vs.decided_seq;
	st.cancel_unknown += vs.cancel_too_late;
	st.positions = 0;
	st.realized_pnl = 0;
	st.unrealized_pnl = 0;
	/* cheap enough for the polling thread to call often: touched instruments only */
	for (uint32_t i = 0; i < s->book.ntouched; i++) {
		uint16_t l = s->book.touched[i];
		const struct position *p = &s->book.inst[l].pos;
		if (p->qty)
			st.positions++;
		st.realized_pnl += p->realized_pnl;
		st.unrealized_pnl += exec__book_unrealized(&s->book, l);
	}
	*ret = st;
}

void exec_stage_position(const struct exec_stage *s, uint16_t locate, struct position *ret)
{
	*ret = s->book.inst[locate].pos;
	ret->locate = locate;
}

int64_t exec_stage_unrealized(const struct exec_stage *s, uint16_t locate)
{
	return exec__book_unrealized(&s->book, locate);
}

unsigned exec_stage_positions(const struct exec_stage *s, struct position *out, unsigned cap)
{
	unsigned n = 0;
	for (uint32_t i = 0; i < s->book.ntouched; i++) {
		uint16_t l = s->book.touched[i];
		const struct position *p = &s->book.inst[l].pos;
		if (!p->qty && !p->cost && !p->realized_pnl)
			continue;
		if (n < cap) { /* insertion by locate: the list is short (instruments traded) */
			unsigned k = n;
			for (; k > 0 && out[k - 1].locate > l; k--)
				out[k] = out[k - 1];
			out[k] = *p;
			out[k].locate = l;
		}
		n++;
	}
	return n;
}

int exec_stage_order(const struct exec_stage *s, uint64_t order_id, struct exec_order_info *ret)
{
	int32_t k = exec__idmap_find(&s->ids, order_id);
	if (k < 0)
		return -ENOENT;
	const struct om_order *o = &s->orders[k];
	*ret = (struct exec_order_info){
		.order_id = o->order_id,
		.seq = o->seq,
		.px = o->px,
		.qty = o->qty,
		.leaves_qty = o->leaves,
		.cum_qty = o->cum,
		.locate = o->locate,
		.side = o->side,
		.state = o->state,
		.at_venue = o->at_venue,
	};
	return 0;
}
