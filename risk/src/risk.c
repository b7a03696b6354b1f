/* risk.c - the pre-trade risk stage: its rings, open orders, reports, the
 * kill switch and the poll loop. The checks and the money behind them are in
 * money.c; the operator's side in control.c; the risk model in model.c.
 * Why one file of about 830 lines: the poll loop and what it pushes (orders,
 * events, the model's messages, in the one order that keeps seqs monotonic)
 * share the stage's queues and must be read together. */
#include "risk_int.h"

/* ------------------------------------------------------------------------- */
/* Open orders: a slab (stable indexes, a free list), an id -> slab index
 * table, and per instrument one list per side. */

/* Order ids are handed out in sequence, so the id itself is the hash: the
 * orders in flight sit in neighbouring cells (one warm cache line for the
 * next insert) instead of scattered over the table (a miss per order). */
static struct risk_idcell *tab_cell(struct risk_stage *s, uint64_t id)
{
	for (uint64_t i = id & s->tab_mask;; i = (i + 1) & s->tab_mask) {
		struct risk_idcell *c = &s->tab[i];
		if (c->id == id || c->id == 0)
			return c;
	}
}

static struct risk_order *order_find(struct risk_stage *s, uint64_t id)
{
	struct risk_idcell *c = tab_cell(s, id);
	return c->id ? &s->orders[c->slot] : NULL;
}

static void tab_erase(struct risk_stage *s, struct risk_idcell *c)
{
	uint64_t i = (uint64_t)(c - s->tab);
	uint64_t j = i;
	for (;;) {
		j = (j + 1) & s->tab_mask;
		if (s->tab[j].id == 0)
			break;
		uint64_t k = s->tab[j].id & s->tab_mask;
		/* Move j back into the hole at i unless its home lies cyclically in (i, j]. */
		bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
		if (!stays) {
			s->tab[i] = s->tab[j];
			i = j;
		}
	}
	memset(&s->tab[i], 0, sizeof(s->tab[i]));
}

void risk__touch(struct risk_stage *s, uint16_t locate)
{
	struct risk_inst *in = &s->inst[locate];
	if (!in->touched) {
		in->touched = 1;
		s->touched[s->ntouched++] = locate;

	}
}

/* Track an order just pushed: open exposure at once. */
static void expose(struct risk_stage *s, const struct order_msg *m, bool taker)
{
	uint32_t idx = s->free_head; /* the caller checked open_count < open_max */
	struct risk_order *o = &s->orders[idx - 1];
	s->free_head = o->next;
	struct risk_inst *in = &s->inst[m->locate];
	uint32_t *head = &in->head[m->side == 'S'];
	*o = (struct risk_order){ .order_id = m->order_id, .remaining = m->qty, .px = m->px,
		                  .locate = m->locate, .side = m->side, .taker = taker,
		                  .prev = 0, .next = *head };
	if (*head)
		s->orders[*head - 1].prev = idx;
	*head = idx;
	struct risk_idcell *c = tab_cell(s, m->order_id);
	c->id = m->order_id;
	c->slot = idx - 1;
	s->open_count++;
	if (m->side == 'B')
		in->open_buy += m->qty;
	else
		in->open_sell += m->qty;
	risk__touch(s, m->locate);
	risk__refresh(s, m->locate);
}

/* Release an order's remaining exposure and forget it. */
static void order_close(struct risk_stage *s, struct risk_order *o)
{
	struct risk_inst *in = &s->inst[o->locate];
	if (o->side == 'B')
		in->open_buy -= o->remaining;
	else
		in->open_sell -= o->remaining;
	if (in->exit_id == o->order_id)
		in->exit_id = 0;
	uint32_t idx = (uint32_t)(o - s->orders) + 1;
	if (o->prev)
		s->orders[o->prev - 1].next = o->next;
	else
		in->head[o->side == 'S'] = o->next;
	if (o->next)
		s->orders[o->next - 1].prev = o->prev;
	tab_erase(s, tab_cell(s, o->order_id));
	uint16_t locate = o->locate;
	memset(o, 0, sizeof(*o));
	o->next = s->free_head;
	s->free_head = idx;
	s->open_count--;
	risk__refresh(s, locate);
}

static void apply_report(struct risk_stage *s, const struct exec_report *r)
{
	s->st.reports++;
	if (r->kind == EXEC_SESSION) {
		s->st.session_changes++;
		s->session_up = r->reason == EXEC_SESSION_UP;
		return;
	}
	struct risk_order *o = order_find(s, r->order_id);
	if (!o)
		s->st.unknown_reports++;
	switch (r->kind) {
	case EXEC_FILL: {
		s->st.fills++;
		risk__fill(s, r, o);
		uint16_t locate = o ? o->locate : r->locate;
		risk__touch(s, locate);
		if (o) {
			int64_t dq = r->qty < o->remaining ? r->qty : o->remaining;
			o->remaining -= dq;
			if (o->side == 'B')
				s->inst[locate].open_buy -= dq;
			else
				s->inst[locate].open_sell -= dq;
			if (o->remaining == 0)
				order_close(s, o); /* refreshes */
			else
				risk__refresh(s, locate);
		} else {
			risk__refresh(s, locate);
		}
		risk__breakers(s, r->ts_ns);
		break;
	}
	case EXEC_CANCELED:
	case EXEC_REJECTED:
		if (o)
			order_close(s, o);
		break;
	default: /* EXEC_ACK: exposure was counted at approval */
		break;
	}
}

/* ------------------------------------------------------------------------- */
/* The events ring. */

/* Stop taking intents and reports while a queue is this full: what one of
 * them can add (a few transitions, one trade) always fits. */
#define Q_GATE (RISK_Q_CAP - 8)

static void q_flush(struct risk_q *q)
{
	while (q->n) {
		void *slot = core_ring_reserve(q->ring);
		if (!slot)
			return;
		memcpy(slot, q->buf[q->head], 64);
		core_ring_commit(q->ring, 1);
		q->head = (q->head + 1) % RISK_Q_CAP;
		q->n--;
	}
}

static void q_put(struct risk_q *q, const void *msg)
{
	if (!q->ring)
		return;
	q_flush(q);
	if (q->n == 0) {
		void *slot = core_ring_reserve(q->ring);
		if (slot) {
			memcpy(slot, msg, 64);
			core_ring_commit(q->ring, 1);
			return;
		}
	}
	/* the gates keep at least RISK_Q_CAP - Q_GATE free */
	memcpy(q->buf[(q->head + q->n) % RISK_Q_CAP], msg, 64);
	q->n++;
}

void risk__event(struct risk_stage *s, const struct risk_event *ev)
{
	q_put(&s->events_q, ev);
}

void risk__model(struct risk_stage *s, const struct risk_model_msg *m)
{
	q_put(&s->model_q, m);
}

static bool events_gated(const struct risk_stage *s)
{
	return s->events_q.n >= Q_GATE || s->model_q.n >= Q_GATE;
}

/* ------------------------------------------------------------------------- */
/* The order ring. */

static bool push(struct risk_stage *s, const struct order_msg *m)
{
	struct order_msg *slot = core_ring_reserve(s->out);
	if (!slot) {
		s->st.out_full++;
		return false;
	}
	*slot = *m;
	core_ring_commit(s->out, 1);
	if (m->seq > s->wm_sent)
		s->wm_sent = m->seq;
	return true;
}

static void marker(struct order_msg *m, uint8_t kind, uint64_t seq, uint64_t ts, uint64_t t0)
{
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->seq = seq;
	m->ts_ns = ts;
	m->t0_ns = t0;
}

/* Observe the kill flag and flatten requests (K2); on clear -> set, queue one
 * CANCEL_ALL; on a new flatten request, start one. Returns the kill flag. */
static bool observe_kill(struct risk_stage *s)
{
	uint32_t f = atomic_load_explicit(&s->ctl->flatten, memory_order_acquire); /* K2 */
	if (f != s->flatten_seen && !s->flattening) {
		s->flatten_seen = f; /* requests while one is under way come next */
		uint32_t all = atomic_load_explicit(&s->ctl->flatten_all, memory_order_relaxed);
		s->flatten_every = all != s->flatten_all_seen;
		s->flatten_all_seen = all;
		/* the instruments asked for one by one (F2 pairs with the setter's F1) */
		uint32_t head = atomic_load_explicit(&s->ctl->flat_head, memory_order_acquire);
		uint32_t tail = atomic_load_explicit(&s->ctl->flat_tail, memory_order_relaxed);
		s->flat_n = 0;
		for (; tail != head; tail++) {
			uint16_t l = s->ctl->flat_q[tail % RISK_FLATTEN_Q];
			bool dup = false;
			for (uint32_t k = 0; k < s->flat_n; k++)
				dup |= s->flat_list[k] == l;
			if (!dup)
				s->flat_list[s->flat_n++] = l;
		}
		atomic_store_explicit(&s->ctl->flat_tail, tail, memory_order_release); /* F3 */
		s->flattening = true;
		s->flatten_at = 0;
	}
	bool k = atomic_load_explicit(&s->ctl->killed, memory_order_acquire) != 0; /* K2 */
	if (k && !s->killed_seen) {
		s->killed_seen = true;
		s->cancel_pending = true;
		s->cancel_cause = 0;
		s->st.kill_transitions++;
		s->st.kill_seen_ns = core_now_ns(); /* from here no new order passes */
	} else if (!k && s->killed_seen) {
		s->killed_seen = false;
		s->st.resumes++;
	}
	return k;
}

/* Close every position: one flatten order per instrument, resumable when the
 * order ring fills. false if it is full. */
static bool flatten_step(struct risk_stage *s)
{
	/* every instrument (touched[]), or those asked for (flat_list) */
	uint32_t n = s->flatten_every ? s->ntouched : s->flat_n;
	for (; s->flatten_at < n; s->flatten_at++) {
		uint16_t l = s->flatten_every ? s->touched[s->flatten_at] : s->flat_list[s->flatten_at];
		struct risk_inst *in = &s->inst[l];
		int64_t p = in->pos.qty;
		if (p == 0)
			continue;
		uint64_t q = p < 0 ? (uint64_t)-p : (uint64_t)p;
		struct order_msg m;
		marker(&m, ORDER_NEW, s->last_seq, s->last_ts, core_now_ns());
		m.order_id = s->next_id;
		m.locate = l;
		m.side = p > 0 ? 'S' : 'B';
		m.qty = q > UINT32_MAX ? UINT32_MAX : (uint32_t)q;
		m.flags = ORDER_F_FLATTEN;
		if (s->open_count >= s->open_max)
			continue; /* no room to track it: the next request tries again */
		if (!push(s, &m))
			return false;
		s->next_id++;
		expose(s, &m, true);
		s->st.flatten_orders++;
	}
	s->flattening = false;
	s->st.flattens++;
	return true;
}

/* Push queued control messages: a CANCEL_ALL (kill, breaker), then flatten
 * orders, then a watermark. false if the order ring is full. */
static bool flush_pending(struct risk_stage *s)
{
	if (s->cancel_pending) {
		struct order_msg m;
		marker(&m, ORDER_CANCEL_ALL, s->last_seq, s->last_ts, core_now_ns());
		if (!push(s, &m))
			return false;
		s->cancel_pending = false;
		s->st.cancel_alls++;
		s->st.cancel_all_ns = core_now_ns();
		struct risk_event ev = { .ts_ns = s->last_ts, .seq = s->last_seq,
			                 .kind = RISK_EV_CANCEL_ALL, .reason = s->cancel_cause };
		risk__event(s, &ev);
	}
	if (s->flattening && !flatten_step(s))
		return false;
	if (s->wm_pending) {
		if (!push(s, &s->wm))
			return false;
		s->wm_pending = false;
		s->st.watermarks++;
	}
	return true;
}

/* Apply reports in ring order while their seq is below limit (PROGRESS
 * markers only move venue_done; EXEC_EOS ends the stream). Returns the
 * number consumed. */
static uint32_t drain_reports(struct risk_stage *s, uint64_t limit, uint32_t max)
{
	uint32_t n = s->reports_eos ? 0 : core_ring_readable_upto(s->reports, max);
	uint32_t i = 0;
	for (; i < n; i++) {
		const struct exec_report *r = core_ring_peek(s->reports, i);
		if (r->kind == EXEC_EOS) {
			s->reports_eos = true;
			i++;
			break;
		}
		uint64_t done = r->kind == EXEC_PROGRESS ? r->seq : (r->seq ? r->seq - 1 : 0);
		if (done > s->st.venue_done)
			s->st.venue_done = done;
		if (r->kind == EXEC_PROGRESS) {
			s->st.reports++;
			continue;
		}
		if (r->seq >= limit || events_gated(s))
			break;
		apply_report(s, r);
	}
	if (i)
		core_ring_release(s->reports, i);
	return i;
}

/* Finished once ORDER_EOS is out, with a report ring EXEC_EOS is in, and
 * with an events ring every event and RISK_EV_EOS is out. */
static int poll_result(struct risk_stage *s)
{
	if (!s->eof || (s->reports && !s->reports_eos))
		return 0;
	if (s->events_q.ring && !s->events_eos) {
		struct risk_event ev = { .ts_ns = s->last_ts, .seq = s->last_seq, .kind = RISK_EV_EOS };
		risk__event(s, &ev);
		s->events_eos = true;
	}
	if (s->model_q.ring && !s->model_eos) {
		struct risk_model_msg m = { .kind = RISK_MODEL_EOS };
		risk__model(s, &m);
		s->model_eos = true;
	}
	q_flush(&s->events_q);
	q_flush(&s->model_q);
	return s->events_q.n || s->model_q.n ? 0 : CORE_EOF;
}

/* The global mode in force, after acknowledging an operator's set (K2). */
/* Take an operator's global mode set (K2) before anything that could fire a
 * breaker: a breaker that fires after the set stays in effect. Then a fault
 * reported since: HALTED and a cancel-all. */
static void ack_operator(struct risk_stage *s, uint64_t ts)
{
	uint32_t sets = atomic_load_explicit(&s->ctl->mode_sets, memory_order_acquire); /* K2 */
	if (sets != s->mode_sets_seen) {
		s->mode_sets_seen = sets;
		risk__operator(s, ts);
	}
	uint32_t faults = atomic_load_explicit(&s->ctl->faults, memory_order_acquire); /* K2 */
	if (faults != s->faults_seen) {
		s->faults_seen = faults;
		s->tier_effect = 5; /* in effect until the operator sets the mode */
		risk__set_breaker_mode(s, RISK_MODE_HALTED, ts, RISK_CAUSE_FAULT);
		s->cancel_pending = true;
		s->cancel_cause = RISK_CAUSE_FAULT;
	}
}

static uint32_t global_mode(const struct risk_stage *s)
{
	return s->op_mode > s->breaker_mode ? s->op_mode : s->breaker_mode;
}

/* Observe the book of an intent or watermark, and send the exit it calls
 * for. false if the order ring is full (the caller keeps the intent). */
static bool observe(struct risk_stage *s, const struct order_intent *it, bool killed)
{
	risk__observe(s, it);
	/* a breaker this book fired: its cancel-all goes before the exit (seqs
	 * never go backwards, and it must not cancel the exit) */
	if (s->cancel_pending && !flush_pending(s))
		return false;
	if (killed)
		return true;
	struct order_msg m;
	int kind = risk__exit_order(s, it, &m);
	if (!kind)
		return true;
	m.order_id = s->next_id;
	if (!push(s, &m))
		return false;
	s->next_id++;
	s->inst[m.locate].exit_id = m.order_id;
	expose(s, &m, true);
	s->st.exits[kind - 1]++;
	return true;
}

/* The risk model's side of an intent (or watermark) at ts: close the
 * interval it ends (every instrument's mark and position, then CLOSE), and
 * take the caps due. false: wait (a queue is full, or in a replay the caps
 * are not there yet); nothing of the intent has been done. */
static bool model_step(struct risk_stage *s, uint64_t ts)
{
	if (!s->model_q.ring)
		return true;
	/* one compare per intent; the division only when an interval ends */
	if (!s->have_interval || (ts >= s->interval_end && !s->closing)) {
		uint64_t j = ts / s->interval_ns;
		if (!s->have_interval) {
			s->have_interval = true;
			s->cur_interval = j;
		} else if (j > s->cur_interval) {
			s->closing = true;
			s->close_at = 0;
			s->next_interval = j;
		}
		s->interval_end = (j + 1) * s->interval_ns;
	}
	if (s->closing) {
		for (; s->close_at < s->ntouched; s->close_at++) {
			if (events_gated(s))
				return false;
			uint16_t l = s->touched[s->close_at];
			struct risk_inst *in = &s->inst[l];
			if (!in->mark)
				continue;
			struct risk_model_msg m = {
				.kind = RISK_MODEL_MARK, .interval = s->cur_interval, .locate = l,
				.mark = in->mark, .position = in->pos.qty,
				.pnl = in->pos.realized_pnl - in->fees + in->pos.qty * (int64_t)in->mark -
				       in->pos.cost,
				.high = in->bar_hi > in->mark ? in->bar_hi : in->mark,
				.low = in->bar_lo && in->bar_lo < in->mark ? in->bar_lo : in->mark
			};
			risk__model(s, &m);
			in->bar_hi = in->bar_lo = in->mark; /* the next bar opens here */
		}
		if (events_gated(s))
			return false;
		struct risk_model_msg c = { .kind = RISK_MODEL_CLOSE, .interval = s->cur_interval,
			                    .seq = s->closes };
		risk__model(s, &c);
		s->closes++;
		s->closing = false;
		s->cur_interval = s->next_interval;
	}
	struct risk_caps c;
	if (!s->venue_sync) {
		/* live: the newest published, as soon as it is */
		uint64_t latest = atomic_load_explicit(&s->board->latest, memory_order_acquire);
		if (latest > s->caps_seq && risk_caps_read(s->board, latest - 1, &c) == 1) {
			s->caps = c;
			s->caps_seq = latest;
			risk__caps_changed(s);
		}
		return true;
	}
	/* a replay: the caps of the close RISK_CAPS_LAG before the last one */
	if (s->closes > RISK_CAPS_LAG && s->caps_seq != s->closes - RISK_CAPS_LAG) {
		uint64_t want = s->closes - 1 - RISK_CAPS_LAG;
		if (risk_caps_read(s->board, want, &c) != 1) {
			s->st.model_waits++;
			return false;
		}
		s->caps = c;
		s->caps_seq = want + 1;
		risk__caps_changed(s);
	}
	return true;
}

/* An intent refused: counted and recorded (the events ring). */
static void reject(struct risk_stage *s, const struct order_intent *it, enum risk_reason why)
{
	struct risk_event ev = { .ts_ns = it->ts_ns, .seq = it->seq, .px = it->px,
		                 .qty = it->qty, .locate = it->locate, .side = it->side,
		                 .kind = RISK_EV_REJECT, .reason = (uint8_t)why };
	risk__event(s, &ev);
	s->st.rejects[why]++;
	s->st.rejected++;
	s->st.intents++;
}

/* A strategy's cancel of its own order: passed on as ORDER_CANCEL (true),
 * rejected (true, *rejected), or the ring is full (false: nothing changed). */
static bool cancel_intent(struct risk_stage *s, const struct order_intent *it, bool *rejected)
{
	struct risk_order *o = it->order_id ? order_find(s, it->order_id) : NULL;
	enum risk_reason why = o ? risk__cancel_check(s, o->locate, it->ts_ns) : RISK_R_UNKNOWN_ORDER;
	*rejected = why != RISK_R_NONE;
	if (why != RISK_R_NONE) {
		reject(s, it, why);
		return true;
	}
	struct order_msg m;
	marker(&m, ORDER_CANCEL, it->seq, it->ts_ns, it->t0_ns);
	m.order_id = o->order_id;
	m.locate = o->locate;
	m.side = o->side;
	m.px = o->px;
	m.qty = (uint32_t)o->remaining;
	if (!push(s, &m))
		return false;
	risk__cancel_taken(s, o->locate, it->ts_ns);
	s->st.cancels++;
	s->st.intents++;
	return true;
}

/* One intent through the checks: approved and pushed (true), rejected
 * (true, *rejected), or the ring is full (false: nothing changed). */
static bool decide(struct risk_stage *s, const struct order_intent *it, bool killed,
		   bool *rejected)
{
	if (it->kind == INTENT_CANCEL)
		return cancel_intent(s, it, rejected); /* never stopped by the kill or a mode */
	enum risk_reason why = RISK_R_KILLED;
	uint32_t qty = it->qty;
	if (!killed)
		why = it->kind == INTENT_NEW ? risk__check(s, it, global_mode(s), &qty)
		                             : RISK_R_BAD_ORDER;
	*rejected = why != RISK_R_NONE;
	if (why != RISK_R_NONE) {
		reject(s, it, why);
		return true;
	}
	struct order_msg m;
	marker(&m, ORDER_NEW, it->seq, it->ts_ns, it->t0_ns);
	m.order_id = s->next_id;
	m.px = it->px;
	m.qty = qty;
	m.locate = it->locate;
	m.side = it->side;
	if (!push(s, &m))
		return false; /* the checks changed nothing that a second pass would not */
	s->next_id++;
	bool taker = it->side == 'B' ? it->ask_px && it->px >= it->ask_px
	                             : it->bid_px && it->px <= it->bid_px;
	expose(s, &m, taker);
	risk__approved(s, &m);
	s->st.approved++;
	s->st.scaled += qty != it->qty;
	s->st.intents++;
	return true;
}

int risk_stage_poll(void *ctx, uint32_t *ret_work)
{
	struct risk_stage *s = ctx;
	uint32_t work = 0;
	q_flush(&s->events_q);
	q_flush(&s->model_q);
	ack_operator(s, s->last_ts);
	if (s->reports) {
		/* with venue_sync, only what every future intent is entitled to see */
		uint64_t limit = s->venue_sync && !s->eof ? s->last_seq + 1 : UINT64_MAX;
		work += drain_reports(s, limit, s->burst);
	}
	*ret_work = work;
	if (s->eof)
		return poll_result(s);

	if (risk__limits_read(s->ctl, &s->lim_seq, &s->lim) > 0) {
		s->st.limit_updates++;
		risk__caps_changed(s);
		risk__breakers(s, s->last_ts); /* new capital, tiers or loss limit */
	}
	observe_kill(s);
	if (!flush_pending(s))
		return 0;

	uint32_t avail = core_ring_readable_upto(s->intents, s->burst);
	if (avail == 0)
		return 0;

	struct core_timer tm;
	core_timer_begin(&tm, s->hist);
	uint32_t done = 0;
	bool last_rejected = false;
	struct order_msg m;
	while (done < avail && !events_gated(s)) {
		const struct order_intent *it = core_ring_peek(s->intents, done);
		if (it->kind == INTENT_EOS) {
			if ((s->cancel_pending || s->flattening) && !flush_pending(s))
				break;
			if (s->cancel_at_end && !s->end_cancelled) {
				/* nothing of ours stays open at the venue after the input */
				s->end_cancelled = true;
				if (s->open_count) {
					s->cancel_pending = true;
					s->cancel_cause = RISK_CAUSE_END;
				}
			}
			if (s->cancel_pending && !flush_pending(s))
				break;
			if (s->flatten_at_end && !s->end_flattened) {
				s->end_flattened = true;
				s->flattening = true;
				s->flatten_every = true;
				s->flatten_at = 0;
			}
			if (s->flattening && !flush_pending(s))
				break;
			marker(&m, ORDER_EOS, it->seq, it->ts_ns, it->t0_ns);
			if (!push(s, &m))
				break;
			s->eof = true;
			last_rejected = false;
		} else {
			if (s->venue_sync && s->reports) {
				drain_reports(s, it->seq, UINT32_MAX);
				if (s->st.venue_done + 1 < it->seq) {
					/* decided through seq-1: let the venue catch up */
					if (s->wm_sent + 1 < it->seq) {
						marker(&m, ORDER_WATERMARK, it->seq - 1, s->last_ts,
						       s->last_t0);
						if (!push(s, &m))
							break;
						s->wm_sent = it->seq - 1;
						s->st.watermarks++;
					}
					s->st.venue_waits++;
					break;
				}
			}
			if (!model_step(s, it->ts_ns))
				break;
			/* One acquire load per order (K2); a fresh kill first sends CANCEL_ALL. */
			bool killed = observe_kill(s);
			if ((s->cancel_pending || s->flattening) && !flush_pending(s))
				break;
			ack_operator(s, it->ts_ns);
			if (!observe(s, it, killed))
				break;
			if (it->kind == INTENT_WATERMARK) {
				marker(&m, ORDER_WATERMARK, it->seq, it->ts_ns, it->t0_ns);
				if (!push(s, &m))
					break;
				s->st.watermarks++;
				last_rejected = false;
			} else {
				if (!decide(s, it, killed, &last_rejected))
					break;
			}
		}
		s->last_seq = it->seq;
		s->last_ts = it->ts_ns;
		s->last_t0 = it->t0_ns;
		done++;
		core_timer_lap(&tm);
		if (s->eof)
			break;
	}
	if (done)
		core_ring_release(s->intents, done);
	if (last_rejected) {
		marker(&s->wm, ORDER_WATERMARK, s->last_seq, s->last_ts, s->last_t0);
		s->wm_pending = true;
		flush_pending(s);
	}
	core_timer_end(&tm);
	*ret_work = work + done;
	return poll_result(s);
}

/* ------------------------------------------------------------------------- */

CORE_COLD int risk_stage_create(const struct risk_stage_cfg *cfg, struct risk_stage **ret_stage,
				char *err, size_t errlen)
{
	if (!cfg || !cfg->ctl || !ret_stage) {
		core_errf(err, errlen, "risk: cfg, ctl and ret_stage are required");
		return -EINVAL;
	}
	if (core_ring_check(cfg->intents_in, "risk", "intents_in", sizeof(struct order_intent),
	                    "order_intent", err, errlen) < 0 ||
	    (cfg->events_out &&
	     core_ring_check(cfg->events_out, "risk", "events_out", sizeof(struct risk_event),
	                     "risk_event", err, errlen) < 0) ||
	    (cfg->reports_in &&
	     core_ring_check(cfg->reports_in, "risk", "reports_in", sizeof(struct exec_report),
	                     "exec_report", err, errlen) < 0) ||
	    core_ring_check(cfg->orders_out, "risk", "orders_out", sizeof(struct order_msg),
	                    "order_msg", err, errlen) < 0)
		return -EINVAL;
	if (risk_limits_check(&cfg->limits, err, errlen) < 0)
		return -EINVAL;
	if (!cfg->model_out != !cfg->caps ||
	    (cfg->model_out &&
	     core_ring_check(cfg->model_out, "risk", "model_out", sizeof(struct risk_model_msg),
	                     "risk_model_msg", err, errlen) < 0)) {
		if (!cfg->model_out != !cfg->caps)
			core_errf(err, errlen, "risk: model_out and caps go together");
		return -EINVAL;
	}
	if (cfg->ninitial && !cfg->initial) {
		core_errf(err, errlen, "risk: ninitial %u without initial positions",
		          cfg->ninitial);
		return -EINVAL;
	}
	uint32_t open_max = cfg->max_open_orders ? cfg->max_open_orders : 65536;
	if (open_max > (1u << 24)) {
		core_errf(err, errlen, "risk: max_open_orders %u above %u", open_max, 1u << 24);
		return -EINVAL;
	}
	/* Table at most half full: probes stay short. */
	unsigned bits = 1;
	while (((uint64_t)1 << bits) < 2 * (uint64_t)open_max)
		bits++;

	struct core_layout l = core_layout_begin(sizeof(struct risk_stage));
	size_t o_inst = core_layout_add(&l, RISK_NLOCATE, sizeof(struct risk_inst), CORE_CACHE_LINE);
	size_t o_tab =
	        core_layout_add(&l, (size_t)1 << bits, sizeof(struct risk_idcell), CORE_CACHE_LINE);
	size_t o_orders = core_layout_add(&l, open_max, sizeof(struct risk_order), CORE_CACHE_LINE);
	size_t o_touched = core_layout_add(&l, RISK_NLOCATE, sizeof(uint16_t), CORE_CACHE_LINE);
	struct risk_stage *s = core_layout_alloc(&l);
	if (!s) {
		core_errf(err, errlen, "risk: out of memory");
		return -ENOMEM;
	}
	s->inst = core_layout_at(s, o_inst);
	s->tab = core_layout_at(s, o_tab);
	s->orders = core_layout_at(s, o_orders);
	s->touched = core_layout_at(s, o_touched);
	for (uint32_t i = 0; i < open_max; i++)
		s->orders[i].next = i + 2 <= open_max ? i + 2 : 0;
	s->free_head = 1;
	s->ctl = cfg->ctl;
	s->lim = cfg->limits;
	for (unsigned i = 0; i < cfg->ninitial; i++) {
		const struct position *p = &cfg->initial[i];
		struct risk_inst *in = &s->inst[p->locate];
		if (in->touched) {
			core_errf(err, errlen, "risk: initial position %u: locate %u repeated", i,
			          (unsigned)p->locate);
			risk_stage_destroy(s);
			return -EINVAL;
		}
		/* the quantity and its cost; realized P&L starts at 0 (the day's) */
		in->pos.qty = p->qty;
		in->pos.cost = p->cost;
		in->pos.locate = p->locate;
		risk__touch(s, p->locate);
	}
	if (risk_control_set_limits(cfg->ctl, &cfg->limits, err, errlen) < 0) {
		risk_stage_destroy(s);
		return -EINVAL;
	}
	s->lim_seq = atomic_load_explicit(&cfg->ctl->limits_seq, memory_order_relaxed);
	s->mode_sets_seen = atomic_load_explicit(&cfg->ctl->mode_sets, memory_order_relaxed);
	s->op_mode = atomic_load_explicit(&cfg->ctl->mode, memory_order_relaxed);
	s->faults_seen = atomic_load_explicit(&cfg->ctl->faults, memory_order_relaxed);
	s->tab_mask = ((uint64_t)1 << bits) - 1;
	s->open_max = open_max;
	s->intents = cfg->intents_in;
	s->reports = cfg->reports_in;
	s->out = cfg->orders_out;
	s->events_q.ring = cfg->events_out;
	s->model_q.ring = cfg->model_out;
	s->board = cfg->caps;
	s->interval_ns = (uint64_t)(cfg->model_interval_ms ? cfg->model_interval_ms : 60000) * 1000000;
	s->hist = cfg->hist;
	s->venue_sync = cfg->venue_sync;
	s->session_up = !cfg->wait_for_session;
	s->flatten_at_end = cfg->flatten_at_end;
	s->cancel_at_end = cfg->cancel_at_end;
	s->burst = cfg->burst ? cfg->burst : 32;
	s->next_id = cfg->first_order_id ? cfg->first_order_id : 1;
	s->high_water = s->lim.capital;
	risk__caps_changed(s);
	*ret_stage = s;
	return 0;
}

struct risk_stage *risk_stage_destroy(struct risk_stage *s)
{
	core_free(s); /* one block: the stage and its tables (core_layout) */
	return NULL;
}

static int64_t clamp(__int128 v)
{
	return v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN : (int64_t)v;
}

void risk_stage_stats(const struct risk_stage *s, struct risk_stats *ret)
{
	*ret = s->st;
	ret->open_orders = s->open_count;
	ret->session_up = s->session_up;
	ret->next_order_id = s->next_id;
	ret->realized = clamp(s->realized);
	ret->fees = clamp(s->fees);
	ret->unrealized = clamp(s->unreal);
	ret->pnl = clamp(s->realized - s->fees + s->unreal);
	ret->high_water = s->high_water;
	ret->gross_notional = clamp(s->gross);
	ret->net_long_notional = clamp(s->net_long);
	ret->net_short_notional = clamp(s->net_short);
	ret->capital_used = clamp(s->cap_used);
	ret->tier = s->tier_effect;
	ret->events_eos = s->events_eos && s->events_q.n == 0;
	ret->model_eos = s->model_eos && s->model_q.n == 0;
	ret->caps_interval = s->caps_seq ? s->caps.interval + 1 : 0;
	ret->position_ppm = s->caps_seq ? s->caps.position_ppm : 1000000;
}

void risk_stage_gauges(const struct risk_stage *s, struct risk_gauges *ret)
{
	*ret = (struct risk_gauges){
		.rejected = s->st.rejected,
		.kill_seen_ns = s->st.kill_seen_ns,
		.pnl = clamp(s->realized - s->fees + s->unreal),
		.fees = clamp(s->fees),
		.drawdown = s->st.drawdown,
		.max_drawdown = s->st.max_drawdown,
		.gross_notional = clamp(s->gross),
		.net_long_notional = clamp(s->net_long),
		.net_short_notional = clamp(s->net_short),
		.capital_used = clamp(s->cap_used),
		.tier = s->tier_effect,
	};
	memcpy(ret->rejects, s->st.rejects, sizeof(ret->rejects));
}

void risk_stage_position(const struct risk_stage *s, uint16_t locate, struct risk_position *ret)
{
	const struct risk_inst *in = &s->inst[locate];
	*ret = (struct risk_position){ .position = in->pos.qty, .open_buy = in->open_buy,
		                       .open_sell = in->open_sell, .cost = in->pos.cost,
		                       .realized = in->pos.realized_pnl, .fees = in->fees,
		                       .mark = in->mark };
}
