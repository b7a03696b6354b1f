/* exec.c - the execution stage: order manager, simulated venue, positions. */
#include <stdarg.h>
#include <stdio.h>

#include "exec.h"

#define EXEC_LOCATES    65536u
#define EXEC_MAX_LIMIT  (1u << 22)
#define FNV_PRIME       0x100000001b3ULL

struct exec_inst {
	struct position pos;
	uint32_t bid_px, bid_qty, ask_px, ask_qty; /* venue top of book (last event) */
	uint32_t taken_bid_px, taken_bid_qty;       /* our take at the best bid level */
	uint32_t taken_ask_px, taken_ask_qty;
	uint32_t last_fill_px;
	uint32_t nresting;
	int32_t rest_head, rest_tail; /* resting orders, time priority */
	uint8_t flags;                /* MD_F_* of the last event */
	bool touched;                 /* has a position entry */
};

struct exec_order {
	uint64_t order_id;
	uint64_t seq;
	uint64_t ts_ns;
	uint32_t px, qty, leaves, cum;
	uint16_t locate;
	uint8_t side;
	uint8_t state; /* enum exec_order_state; NONE: free slot */
	bool at_venue;
	int32_t rnext, rprev; /* instrument resting list; rnext is the free list */
	int32_t anext, aprev; /* every order at the venue, activation order */
};

struct exec_fifo_ent {
	struct order_msg m;
	int32_t slot;   /* ORDER_NEW with a table slot, else -1 */
	uint8_t reason; /* nonzero: reject at the venue */
	uint8_t pad_[3];
};

struct exec_stage {
	struct core_ring *oin, *min, *rout, *pout;
	uint64_t latency_ns;
	uint32_t burst;
	struct core_hist_pair *hist_exec, *hist_t2o;
	struct core_hist *hx, *ht; /* open batches during a poll */
	enum exec_tif tif;
	uint32_t max_orders, max_rest;

	struct exec_order *orders;
	int32_t free_head;
	uint32_t nused;
	int32_t all_head, all_tail; /* orders at the venue */
	uint32_t nopen;
	uint32_t *ht_slots; /* order_id hash: slot + 1, 0 empty; linear probing */
	uint32_t ht_mask;

	struct exec_fifo_ent *fifo;
	uint32_t fifo_mask, fifo_head, fifo_tail; /* free running */

	struct exec_inst *inst;
	uint16_t *touched; /* locates with a position entry, in first-touch order */
	uint32_t ntouched;

	struct exec_report *rep;
	uint32_t rep_cap, rep_n, rep_off;
	struct persist_rec *per;
	uint32_t per_cap, per_n, per_off;

	uint64_t decided;
	uint64_t last_new_id;
	uint64_t run_seq;
	uint64_t hash;
	bool order_eos, md_eos, eos_queued, eof;

	/* venue event being processed */
	uint64_t ev_seq, ev_ts;
	uint64_t progress_seq; /* last EXEC_PROGRESS sent */

	struct exec_stats st;
};

static uint32_t pow2_at_least(uint32_t v)
{
	uint32_t p = 2;
	while (p < v)
		p <<= 1;
	return p;
}

/* ------------------------------------------------------------------------- */
/* Order table. */

static uint32_t ht_hash(const struct exec_stage *s, uint64_t id)
{
	return (uint32_t)((id * 0x9E3779B97F4A7C15ULL) >> 32) & s->ht_mask;
}

static int32_t table_find(const struct exec_stage *s, uint64_t id)
{
	for (uint32_t i = ht_hash(s, id);; i = (i + 1) & s->ht_mask) {
		uint32_t v = s->ht_slots[i];
		if (v == 0)
			return -1;
		if (s->orders[v - 1].order_id == id)
			return (int32_t)(v - 1);
	}
}

static void table_insert(struct exec_stage *s, int32_t slot)
{
	uint32_t i = ht_hash(s, s->orders[slot].order_id);
	while (s->ht_slots[i])
		i = (i + 1) & s->ht_mask;
	s->ht_slots[i] = (uint32_t)slot + 1;
}

/* Backward-shift deletion keeps probe chains intact without tombstones. */
static void table_erase(struct exec_stage *s, uint64_t id)
{
	uint32_t i = ht_hash(s, id);
	while (s->ht_slots[i] && s->orders[s->ht_slots[i] - 1].order_id != id)
		i = (i + 1) & s->ht_mask;
	if (!s->ht_slots[i])
		return;
	uint32_t j = i;
	for (;;) {
		j = (j + 1) & s->ht_mask;
		uint32_t v = s->ht_slots[j];
		if (!v)
			break;
		uint32_t home = ht_hash(s, s->orders[v - 1].order_id);
		/* move v into the hole at i unless its home lies in (i, j] */
		if (((j - home) & s->ht_mask) >= ((j - i) & s->ht_mask)) {
			s->ht_slots[i] = v;
			i = j;
		}
	}
	s->ht_slots[i] = 0;
}

static int32_t slot_alloc(struct exec_stage *s)
{
	int32_t k = s->free_head;
	if (k < 0)
		return -1;
	s->free_head = s->orders[k].rnext;
	s->nused++;
	return k;
}

static void slot_free(struct exec_stage *s, int32_t k)
{
	struct exec_order *o = &s->orders[k];
	table_erase(s, o->order_id);
	memset(o, 0, sizeof(*o));
	o->rnext = s->free_head;
	s->free_head = k;
	s->nused--;
}

/* Lists: resting per instrument and every order at the venue. */
static void rest_link(struct exec_stage *s, int32_t k)
{
	struct exec_order *o = &s->orders[k];
	struct exec_inst *in = &s->inst[o->locate];
	o->rnext = -1;
	o->rprev = in->rest_tail;
	if (in->rest_tail >= 0)
		s->orders[in->rest_tail].rnext = k;
	else
		in->rest_head = k;
	in->rest_tail = k;
	in->nresting++;

	o->anext = -1;
	o->aprev = s->all_tail;
	if (s->all_tail >= 0)
		s->orders[s->all_tail].anext = k;
	else
		s->all_head = k;
	s->all_tail = k;
	s->nopen++;
}

static void rest_unlink(struct exec_stage *s, int32_t k)
{
	struct exec_order *o = &s->orders[k];
	struct exec_inst *in = &s->inst[o->locate];
	if (o->rprev >= 0)
		s->orders[o->rprev].rnext = o->rnext;
	else
		in->rest_head = o->rnext;
	if (o->rnext >= 0)
		s->orders[o->rnext].rprev = o->rprev;
	else
		in->rest_tail = o->rprev;
	in->nresting--;

	if (o->aprev >= 0)
		s->orders[o->aprev].anext = o->anext;
	else
		s->all_head = o->anext;
	if (o->anext >= 0)
		s->orders[o->anext].aprev = o->aprev;
	else
		s->all_tail = o->aprev;
	s->nopen--;
}

/* Apply an order-manager event; false (counted) if illegal. */
static bool om_apply(struct exec_stage *s, struct exec_order *o, enum exec_order_event ev)
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

/* ------------------------------------------------------------------------- */
/* Positions. */

static void position_apply(struct position *p, int64_t dq, uint32_t px)
{
	int64_t q = p->qty;
	if (q == 0 || (q > 0) == (dq > 0)) {
		p->qty = q + dq;
		p->cost += dq * (int64_t)px;
		return;
	}
	int64_t absq = q < 0 ? -q : q;
	int64_t absd = dq < 0 ? -dq : dq;
	int64_t closing = absd < absq ? absd : absq;
	int64_t removed = closing == absq
				  ? p->cost
				  : (int64_t)((__int128)p->cost * closing / absq);
	int64_t sign = q > 0 ? 1 : -1;
	p->realized_pnl += sign * closing * (int64_t)px - removed;
	p->qty = q - sign * closing;
	p->cost -= removed;
	int64_t rest = absd - closing;
	if (rest > 0) {
		int64_t sd = dq > 0 ? 1 : -1;
		p->qty += sd * rest;
		p->cost += sd * rest * (int64_t)px;
	}
}

static int64_t inst_mid2(const struct exec_inst *in)
{
	/* twice the mid, so odd sums stay exact until the final division */
	if (in->bid_px && in->ask_px)
		return (int64_t)in->bid_px + in->ask_px;
	if (in->bid_px)
		return 2 * (int64_t)in->bid_px;
	if (in->ask_px)
		return 2 * (int64_t)in->ask_px;
	return 2 * (int64_t)in->last_fill_px;
}

static int64_t inst_unrealized(const struct exec_inst *in)
{
	int64_t mid2 = inst_mid2(in);
	if (in->pos.qty == 0 || mid2 == 0)
		return 0; /* flat, or no price seen yet (a restored position before any md) */
	__int128 v = (__int128)in->pos.qty * mid2 / 2;
	return (int64_t)(v - in->pos.cost);
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

static void out_report(struct exec_stage *s, const struct exec_order *o, uint8_t kind, uint32_t px,
		       uint32_t qty, uint8_t reason)
{
	struct exec_report *r = &s->rep[s->rep_n++];
	memset(r, 0, sizeof(*r));
	r->ts_ns = s->ev_ts;
	r->seq = s->ev_seq;
	r->order_id = o->order_id;
	r->position = s->inst[o->locate].pos.qty;
	r->px = px;
	r->qty = qty;
	r->leaves_qty = o->leaves;
	r->cum_qty = o->cum;
	r->locate = o->locate;
	r->kind = kind;
	r->side = o->side;
	r->reason = reason;
	s->st.reports++;
	out_persist(s, PERSIST_REPORT, r, sizeof(*r));
}

/* EXEC_PROGRESS(seq): every venue md event up to seq is processed. Not persisted. */
static void out_progress(struct exec_stage *s)
{
	if (s->ev_seq <= s->progress_seq)
		return;
	struct exec_report *r = &s->rep[s->rep_n++];
	memset(r, 0, sizeof(*r));
	r->ts_ns = s->ev_ts;
	r->seq = s->ev_seq;
	r->kind = EXEC_PROGRESS;
	s->progress_seq = s->ev_seq;
	s->st.progress++;
}

/* Push as much of the outbox as the rings take; returns messages pushed. */
static int out_drain(struct exec_stage *s)
{
	int n = 0;
	if (s->rep_off < s->rep_n) {
		uint32_t k = core_ring_push_burst(s->rout, s->rep + s->rep_off, s->rep_n - s->rep_off);
		s->rep_off += k;
		n += (int)k;
		if (s->rep_off == s->rep_n)
			s->rep_off = s->rep_n = 0;
	}
	if (s->per_off < s->per_n) {
		uint32_t k = core_ring_push_burst(s->pout, s->per + s->per_off, s->per_n - s->per_off);
		s->per_off += k;
		n += (int)k;
		if (s->per_off == s->per_n)
			s->per_off = s->per_n = 0;
	}
	return n;
}

static bool out_empty(const struct exec_stage *s)
{
	return s->rep_n == 0 && s->per_n == 0;
}

/* ------------------------------------------------------------------------- */
/* Venue. */

static void order_fill(struct exec_stage *s, int32_t k, uint32_t q, uint32_t px)
{
	struct exec_order *o = &s->orders[k];
	struct exec_inst *in = &s->inst[o->locate];
	o->leaves -= q;
	o->cum += q;
	om_apply(s, o, o->leaves ? EXEC_EV_PARTIAL_FILL : EXEC_EV_FULL_FILL);
	position_apply(&in->pos, o->side == 'B' ? (int64_t)q : -(int64_t)q, px);
	in->pos.ts_ns = s->ev_ts;
	in->pos.locate = o->locate;
	if (!in->touched) {
		in->touched = true;
		s->touched[s->ntouched++] = o->locate;
	}
	in->last_fill_px = px;
	s->st.fills++;
	s->st.filled_qty += q;
	out_report(s, o, EXEC_FILL, px, q, 0);
	out_persist(s, PERSIST_POSITION, &in->pos, sizeof(in->pos));
}

static void order_cancel(struct exec_stage *s, int32_t k, uint8_t reason)
{
	struct exec_order *o = &s->orders[k];
	if (!om_apply(s, o, EXEC_EV_CANCELLED))
		return;
	uint32_t q = o->leaves;
	o->leaves = 0;
	s->st.cancels++;
	out_report(s, o, EXEC_CANCELED, o->px, q, reason);
}

/* Free a terminal order's slot (unlinking it from the venue lists). */
static void order_retire(struct exec_stage *s, int32_t k)
{
	if (s->orders[k].at_venue)
		rest_unlink(s, k);
	slot_free(s, k);
}

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

static void venue_match_resting(struct exec_stage *s, struct exec_inst *in, const struct md_event *e)
{
	uint32_t trade_qty = 0;
	bool trade_side_known = false;
	if (e->kind == MD_EXEC || e->kind == MD_TRADE) {
		trade_qty = e->qty;
		trade_side_known = e->kind == MD_EXEC && (e->side == 'B' || e->side == 'S');
	}
	int32_t k = in->rest_head;
	while (k >= 0) {
		struct exec_order *o = &s->orders[k];
		int32_t next = o->rnext;
		uint32_t q = 0;
		if (o->side == 'B') {
			if (in->ask_px && in->ask_px <= o->px) {
				uint32_t a = level_avail(in->ask_px, in->ask_qty, in->taken_ask_px,
							 in->taken_ask_qty);
				q = a < o->leaves ? a : o->leaves;
				if (q)
					level_take(in->ask_px, &in->taken_ask_px, &in->taken_ask_qty, q);
			}
			bool hit = trade_side_known ? (e->side == 'B' && e->px <= o->px)
						    : e->px < o->px;
			if (trade_qty && hit && q < o->leaves) {
				uint32_t t = o->leaves - q;
				if (t > trade_qty)
					t = trade_qty;
				trade_qty -= t;
				q += t;
			}
		} else {
			if (in->bid_px && in->bid_px >= o->px) {
				uint32_t a = level_avail(in->bid_px, in->bid_qty, in->taken_bid_px,
							 in->taken_bid_qty);
				q = a < o->leaves ? a : o->leaves;
				if (q)
					level_take(in->bid_px, &in->taken_bid_px, &in->taken_bid_qty, q);
			}
			bool hit = trade_side_known ? (e->side == 'S' && e->px >= o->px)
						    : e->px > o->px;
			if (trade_qty && hit && q < o->leaves) {
				uint32_t t = o->leaves - q;
				if (t > trade_qty)
					t = trade_qty;
				trade_qty -= t;
				q += t;
			}
		}
		if (q) {
			order_fill(s, k, q, o->px);
			if (state_terminal(o->state))
				order_retire(s, k);
		}
		k = next;
	}
}

static void venue_new(struct exec_stage *s, struct exec_fifo_ent *f)
{
	s->st.inflight--;
	if (f->slot < 0) {
		/* rejected at send: report against a temporary order view */
		struct exec_order tmp = { .order_id = f->m.order_id, .px = f->m.px,
					  .qty = f->m.qty, .locate = f->m.locate, .side = f->m.side };
		s->st.rejects++;
		out_report(s, &tmp, EXEC_REJECTED, f->m.px, f->m.qty, f->reason);
		return;
	}
	int32_t k = f->slot;
	struct exec_order *o = &s->orders[k];
	struct exec_inst *in = &s->inst[o->locate];
	if (in->nresting >= s->max_rest) {
		om_apply(s, o, EXEC_EV_REJECT);
		s->st.rejects++;
		out_report(s, o, EXEC_REJECTED, o->px, o->qty, EXEC_REASON_RESTING_CAP);
		slot_free(s, k);
		return;
	}
	om_apply(s, o, EXEC_EV_ACK);
	o->at_venue = true;
	rest_link(s, k);
	s->st.acks++;
	out_report(s, o, EXEC_ACK, o->px, o->qty, 0);

	if (!(in->flags & MD_F_HALTED)) {
		uint32_t q = 0, px = 0;
		if (o->side == 'B' && in->ask_px && o->px >= in->ask_px) {
			uint32_t a = level_avail(in->ask_px, in->ask_qty, in->taken_ask_px,
						 in->taken_ask_qty);
			q = a < o->leaves ? a : o->leaves;
			px = in->ask_px;
			if (q)
				level_take(in->ask_px, &in->taken_ask_px, &in->taken_ask_qty, q);
		} else if (o->side == 'S' && in->bid_px && o->px <= in->bid_px) {
			uint32_t a = level_avail(in->bid_px, in->bid_qty, in->taken_bid_px,
						 in->taken_bid_qty);
			q = a < o->leaves ? a : o->leaves;
			px = in->bid_px;
			if (q)
				level_take(in->bid_px, &in->taken_bid_px, &in->taken_bid_qty, q);
		}
		if (q)
			order_fill(s, k, q, px);
	}
	if (!state_terminal(o->state) && s->tif == EXEC_TIF_IOC)
		order_cancel(s, k, EXEC_REASON_IOC);
	if (state_terminal(o->state))
		order_retire(s, k);
}

static void venue_cancel(struct exec_stage *s, const struct exec_fifo_ent *f)
{
	s->st.inflight--;
	int32_t k = table_find(s, f->m.order_id);
	if (k < 0 || !s->orders[k].at_venue) {
		/* filled or cancelled meanwhile: too late */
		s->st.cancel_unknown++;
		return;
	}
	order_cancel(s, k, EXEC_REASON_USER_CANCEL);
	if (state_terminal(s->orders[k].state))
		order_retire(s, k);
}

static void venue_cancel_all(struct exec_stage *s)
{
	s->st.inflight--;
	int32_t k = s->all_head;
	while (k >= 0) {
		int32_t next = s->orders[k].anext;
		order_cancel(s, k, EXEC_REASON_CANCEL_ALL);
		if (state_terminal(s->orders[k].state))
			order_retire(s, k);
		k = next;
	}
}

/* Has order m reached the venue by event e (e->seq > m->seq)? Event time
 * must have advanced by the latency since the deciding event. An event whose
 * time is earlier than the order's (a feed whose clock stepped back, or two
 * feeds with different clocks) cannot measure elapsed time: it releases the
 * order, so a clock step never strands orders in flight. */
static bool arrived(const struct exec_stage *s, const struct order_msg *m, const struct md_event *e)
{
	return e->ts_ns < m->ts_ns || e->ts_ns - m->ts_ns >= s->latency_ns;
}

static void venue_event(struct exec_stage *s, const struct md_event *e)
{
	struct exec_inst *in = &s->inst[e->locate];
	in->bid_px = e->bid_px;
	in->bid_qty = e->bid_qty;
	in->ask_px = e->ask_px;
	in->ask_qty = e->ask_qty;
	in->flags = e->flags;
	s->ev_seq = e->seq;
	s->ev_ts = e->ts_ns;
	if (in->nresting && !(e->flags & MD_F_HALTED))
		venue_match_resting(s, in, e);
	while (s->fifo_head != s->fifo_tail) {
		struct exec_fifo_ent *f = &s->fifo[s->fifo_head & s->fifo_mask];
		if (!(f->m.seq < e->seq && arrived(s, &f->m, e)))
			break;
		switch (f->m.kind) {
		case ORDER_NEW:
			venue_new(s, f);
			break;
		case ORDER_CANCEL:
			venue_cancel(s, f);
			break;
		default:
			venue_cancel_all(s);
			break;
		}
		s->fifo_head++;
	}
	s->st.md_in++;
}

/* ------------------------------------------------------------------------- */
/* Gateway side: messages from risk. */

static uint64_t fnv_bytes(uint64_t h, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		h ^= (v >> (8 * i)) & 0xff;
		h *= FNV_PRIME;
	}
	return h;
}

static void hash_order(struct exec_stage *s, const struct order_msg *m)
{
	uint64_t h = s->hash;
	h = fnv_bytes(h, m->order_id, 8);
	h = fnv_bytes(h, m->locate, 2);
	h = fnv_bytes(h, m->side, 1);
	h = fnv_bytes(h, m->px, 4);
	h = fnv_bytes(h, m->qty, 4);
	h = fnv_bytes(h, m->seq, 8);
	s->hash = h;
}

static struct exec_fifo_ent *fifo_push(struct exec_stage *s, const struct order_msg *m)
{
	struct exec_fifo_ent *f = &s->fifo[s->fifo_tail & s->fifo_mask];
	f->m = *m;
	f->slot = -1;
	f->reason = 0;
	s->fifo_tail++;
	s->st.inflight++;
	return f;
}

static void note_decided(struct exec_stage *s, uint64_t v)
{
	if (v > s->decided)
		s->decided = v;
}

/*
 * Handle one order-ring message. Returns 1 when it must wait for a table or
 * FIFO slot (nothing consumed), 0 when consumed; *sent says whether an
 * ORDER_NEW was sent (for tick-to-order).
 */
static int gw_order(struct exec_stage *s, const struct order_msg *m, bool *sent)
{
	bool fifo_full = s->fifo_tail - s->fifo_head > s->fifo_mask;
	switch (m->kind) {
	case ORDER_WATERMARK:
		note_decided(s, m->seq);
		break;
	case ORDER_EOS:
		s->order_eos = true;
		break;
	case ORDER_NEW: {
		uint8_t reason = 0;
		if (m->qty == 0 || m->px == 0 || (m->side != 'B' && m->side != 'S'))
			reason = EXEC_REASON_INVALID;
		else if (m->order_id <= s->last_new_id)
			reason = EXEC_REASON_DUPLICATE;
		if (fifo_full || (!reason && s->free_head < 0))
			return 1;
		if (m->seq)
			note_decided(s, m->seq - 1);
		struct exec_fifo_ent *f = fifo_push(s, m);
		if (reason) {
			f->reason = reason;
		} else {
			int32_t k = slot_alloc(s);
			struct exec_order *o = &s->orders[k];
			o->order_id = m->order_id;
			o->seq = m->seq;
			o->ts_ns = m->ts_ns;
			o->px = m->px;
			o->qty = m->qty;
			o->leaves = m->qty;
			o->cum = 0;
			o->locate = m->locate;
			o->side = m->side;
			o->state = EXEC_ST_PENDING_NEW;
			o->at_venue = false;
			o->rnext = o->rprev = o->anext = o->aprev = -1;
			table_insert(s, k);
			f->slot = k;
			s->last_new_id = m->order_id;
		}
		hash_order(s, m);
		s->st.sent++;
		*sent = true;
		out_persist(s, PERSIST_ORDER, m, sizeof(*m));
		break;
	}
	case ORDER_CANCEL: {
		if (fifo_full)
			return 1;
		if (m->seq)
			note_decided(s, m->seq - 1);
		/*
		 * Whether the order is still open here depends on how far the
		 * venue has got, i.e. on timing; so the decision to send the
		 * cancel must not: every cancel for an id that was sent goes to
		 * the venue, which finds the order open or not deterministically.
		 */
		if (m->order_id == 0 || m->order_id > s->last_new_id) {
			s->st.cancel_unknown++;
			break;
		}
		int32_t k = table_find(s, m->order_id);
		if (k >= 0)
			om_apply(s, &s->orders[k], EXEC_EV_CANCEL_REQUEST);
		fifo_push(s, m);
		s->st.cancels_sent++;
		out_persist(s, PERSIST_ORDER, m, sizeof(*m));
		break;
	}
	case ORDER_CANCEL_ALL: {
		if (fifo_full)
			return 1;
		if (m->seq)
			note_decided(s, m->seq - 1);
		for (uint32_t k = 0; k < s->max_orders; k++) {
			struct exec_order *o = &s->orders[k];
			if (o->state != EXEC_ST_NONE && o->state != EXEC_ST_CANCEL_PENDING)
				om_apply(s, o, EXEC_EV_CANCEL_REQUEST);
		}
		fifo_push(s, m);
		s->st.cancels_sent++;
		out_persist(s, PERSIST_ORDER, m, sizeof(*m));
		break;
	}
	default:
		/* unknown kind: consumed and ignored, counted */
		s->st.illegal++;
		break;
	}
	s->st.orders_in++;
	return 0;
}

/* ------------------------------------------------------------------------- */
/* Poll. */

static uint64_t rec_begin(struct exec_stage *s)
{
	if (s->hist_exec && !s->hx)
		s->hx = core_hist_pair_begin(s->hist_exec);
	if (s->hist_t2o && !s->ht)
		s->ht = core_hist_pair_begin(s->hist_t2o);
	return core_now_ns();
}

static void rec_end(struct exec_stage *s)
{
	if (s->hx)
		core_hist_pair_end(s->hist_exec);
	if (s->ht)
		core_hist_pair_end(s->hist_t2o);
	s->hx = s->ht = NULL;
}

int exec_stage_poll(void *ctx)
{
	struct exec_stage *s = ctx;
	if (s->eof)
		return CORE_EOF;
	int work = out_drain(s);
	if (!out_empty(s)) {
		s->st.out_waits++;
		return work == CORE_EOF ? work + 1 : work;
	}
	uint64_t t = 0;
	bool began = false;

	/* Orders first: they advance the watermark the venue waits for. */
	bool orders_blocked = false;
	uint32_t n = s->order_eos ? 0 : core_ring_readable(s->oin, s->burst);
	if (n > s->burst)
		n = s->burst;
	uint32_t i;
	for (i = 0; i < n && !s->order_eos; i++) {
		const struct order_msg *m = core_ring_peek(s->oin, i);
		if (!began) {
			t = rec_begin(s);
			began = true;
		}
		bool sent = false;
		if (gw_order(s, m, &sent)) {
			orders_blocked = true;
			s->st.table_waits++;
			break;
		}
		uint64_t now = core_now_ns();
		if (s->hx)
			core_hist_record(s->hx, (int64_t)(now - t));
		if (sent && s->ht && m->t0_ns && now >= m->t0_ns)
			core_hist_record(s->ht, (int64_t)(now - m->t0_ns));
		t = now;
		work++;
		work += out_drain(s);
		if (!out_empty(s)) {
			i++;
			break;
		}
	}
	if (i)
		core_ring_release(s->oin, i);
	if (!out_empty(s)) {
		s->st.out_waits++;
		goto out;
	}

	/* Venue market data, as far as the watermark allows. */
	uint32_t done = 0;
	bool wm_blocked = false;
	n = s->md_eos ? 0 : core_ring_readable(s->min, s->burst);
	if (n > s->burst)
		n = s->burst;
	for (i = 0; i < n; i++) {
		const struct md_event *e = core_ring_peek(s->min, i);
		if (e->kind == MD_EOS) {
			s->md_eos = true;
			i++;
			work++;
			break;
		}
		if (!s->order_eos && s->decided + 1 < e->seq) {
			wm_blocked = true;
			s->st.wm_waits++;
			break;
		}
		if (!began) {
			t = rec_begin(s);
			began = true;
		}
		venue_event(s, e);
		uint64_t now = core_now_ns();
		if (s->hx)
			core_hist_record(s->hx, (int64_t)(now - t));
		t = now;
		done++;
		work++;
		work += out_drain(s);
		if (!out_empty(s)) {
			i++;
			break;
		}
	}
	if (i)
		core_ring_release(s->min, i);
	/* once per poll that advanced the venue (or after one whose marker did
	 * not fit): risk waits on it (venue_sync) */
	if (out_empty(s)) {
		out_progress(s);
		work += out_drain(s);
	}
	if (!out_empty(s)) {
		s->st.out_waits++;
		goto out;
	}
	if (orders_blocked && wm_blocked && done == 0) {
		rec_end(s);
		return -ENOBUFS;
	}

	if (s->order_eos && s->md_eos) {
		if (!s->eos_queued) {
			s->eos_queued = true;
			out_persist(s, PERSIST_EOS, NULL, 0);
			work += out_drain(s);
		}
		if (out_empty(s)) {
			s->eof = true;
			s->st.eof = true;
			rec_end(s);
			return CORE_EOF;
		}
	}
out:
	rec_end(s);
	/* an amount of work must never read as CORE_EOF to the runner */
	return work == CORE_EOF ? work + 1 : work;
}

/* ------------------------------------------------------------------------- */
/* Setup and getters. */

int exec_stage_create(const struct exec_config *cfg, struct exec_stage **ret, char *err,
		      size_t errlen)
{
	int r = -EINVAL;
	if (!cfg || !ret) {
		core_errf(err, errlen, "exec: %s is NULL", !cfg ? "cfg" : "ret");
		return -EINVAL;
	}
	if (!cfg->orders_in || cfg->orders_in->slot_size != sizeof(struct order_msg)) {
		core_errf(err, errlen, "exec: %s missing or not an order_msg ring", "orders_in");
		return -EINVAL;
	}
	if (!cfg->md_in || cfg->md_in->slot_size != sizeof(struct md_event)) {
		core_errf(err, errlen, "exec: %s missing or not an md_event ring", "md_in");
		return -EINVAL;
	}
	if (!cfg->reports_out || cfg->reports_out->slot_size != sizeof(struct exec_report)) {
		core_errf(err, errlen, "exec: %s missing or not an exec_report ring",
		          "reports_out");
		return -EINVAL;
	}
	if (cfg->persist_out && cfg->persist_out->slot_size != sizeof(struct persist_rec)) {
		core_errf(err, errlen, "exec: %s is not a persist_rec ring", "persist_out");
		return -EINVAL;
	}
	uint32_t max_orders = cfg->max_orders ? cfg->max_orders : 4096;
	uint32_t max_inflight = cfg->max_inflight ? cfg->max_inflight : 2 * max_orders;
	uint32_t max_rest = cfg->max_resting_per_instrument ? cfg->max_resting_per_instrument : 64;
	if (max_orders > EXEC_MAX_LIMIT || max_inflight > EXEC_MAX_LIMIT) {
		core_errf(err, errlen, "exec: %s above 4194304",
		          max_orders > EXEC_MAX_LIMIT ? "max_orders" : "max_inflight");
		return -EINVAL;
	}
	if (cfg->tif != EXEC_TIF_DAY && cfg->tif != EXEC_TIF_IOC) {
		core_errf(err, errlen, "exec: %s is not EXEC_TIF_DAY or EXEC_TIF_IOC", "tif");
		return -EINVAL;
	}
	if (cfg->ninitial && !cfg->initial) {
		core_errf(err, errlen, "exec: %s is NULL with ninitial > 0", "initial");
		return -EINVAL;
	}

	struct exec_stage *s = core_alloc(sizeof(*s), CORE_CACHE_LINE);
	if (!s)
		goto fail_nomem;
	s->oin = cfg->orders_in;
	s->min = cfg->md_in;
	s->rout = cfg->reports_out;
	s->pout = cfg->persist_out;
	s->latency_ns = cfg->latency_ns;
	s->burst = cfg->burst ? cfg->burst : 32;
	s->hist_exec = cfg->hist_exec;
	s->hist_t2o = cfg->hist_t2o;
	s->tif = cfg->tif;
	s->max_orders = max_orders;
	s->max_rest = max_rest;
	s->hash = CORE_FNV_OFFSET;
	s->all_head = s->all_tail = -1;

	s->orders = core_alloc(sizeof(*s->orders) * max_orders, CORE_CACHE_LINE);
	uint32_t htcap = pow2_at_least(2 * max_orders);
	s->ht_slots = core_alloc(sizeof(*s->ht_slots) * htcap, CORE_CACHE_LINE);
	s->ht_mask = htcap - 1;
	uint32_t fcap = pow2_at_least(max_inflight);
	s->fifo = core_alloc(sizeof(*s->fifo) * fcap, CORE_CACHE_LINE);
	s->fifo_mask = fcap - 1;
	s->inst = core_alloc(sizeof(*s->inst) * EXEC_LOCATES, CORE_CACHE_LINE);
	s->touched = core_alloc(sizeof(*s->touched) * EXEC_LOCATES, CORE_CACHE_LINE);
	/* One md event's worst case (see the bound in exec_stage_poll's callers):
	 * per order slot ack + fill + cancel, per FIFO entry one reject. */
	s->rep_cap = 3 * max_orders + fcap + 8;
	s->per_cap = 4 * max_orders + fcap + 8;
	s->rep = core_alloc(sizeof(*s->rep) * s->rep_cap, CORE_CACHE_LINE);
	s->per = s->pout ? core_alloc(sizeof(*s->per) * s->per_cap, CORE_CACHE_LINE) : NULL;
	if (!s->orders || !s->ht_slots || !s->fifo || !s->inst || !s->touched || !s->rep || (s->pout && !s->per))
		goto fail_free_stage;

	for (uint32_t k = 0; k < max_orders; k++)
		s->orders[k].rnext = k + 1 < max_orders ? (int32_t)(k + 1) : -1;
	s->free_head = 0;
	for (uint32_t l = 0; l < EXEC_LOCATES; l++)
		s->inst[l].rest_head = s->inst[l].rest_tail = -1;
	for (unsigned j = 0; j < cfg->ninitial; j++) {
		const struct position *p = &cfg->initial[j];
		struct exec_inst *in = &s->inst[p->locate];
		if (in->touched) {
			core_errf(err, errlen, "exec: initial[%u]: locate %u appears twice", j,
			          (unsigned)p->locate);
			r = -EINVAL;
			goto fail_destroy;
		}
		in->pos = *p;
		in->touched = true;
		s->touched[s->ntouched++] = p->locate;
	}
	*ret = s;
	return 0;

fail_free_stage:
	core_errf(err, errlen, "exec: %s", "out of memory allocating the stage tables");
	exec_stage_destroy(s);
	return -ENOMEM;
fail_destroy:
	exec_stage_destroy(s);
	return r;
fail_nomem:
	core_errf(err, errlen, "exec: %s", "out of memory allocating the stage");
	return -ENOMEM;
}

struct exec_stage *exec_stage_destroy(struct exec_stage *s)
{
	if (!s)
		return NULL;
	core_free(s->orders);
	core_free(s->ht_slots);
	core_free(s->fifo);
	core_free(s->inst);
	core_free(s->touched);
	core_free(s->rep);
	core_free(s->per);
	core_free(s);
	return NULL;
}

void exec_stage_stats(const struct exec_stage *s, struct exec_stats *ret)
{
	struct exec_stats st = s->st;
	st.hash = s->hash;
	st.open_orders = s->nopen;
	st.decided_seq = s->decided;
	st.positions = 0;
	st.realized_pnl = 0;
	st.unrealized_pnl = 0;
	/* cheap enough for the polling thread to call often: touched instruments only */
	for (uint32_t i = 0; i < s->ntouched; i++) {
		const struct exec_inst *in = &s->inst[s->touched[i]];
		if (in->pos.qty)
			st.positions++;
		st.realized_pnl += in->pos.realized_pnl;
		st.unrealized_pnl += inst_unrealized(in);
	}
	*ret = st;
}

void exec_stage_position(const struct exec_stage *s, uint16_t locate, struct position *ret)
{
	*ret = s->inst[locate].pos;
	ret->locate = locate;
}

int64_t exec_stage_unrealized(const struct exec_stage *s, uint16_t locate)
{
	return inst_unrealized(&s->inst[locate]);
}

unsigned exec_stage_positions(const struct exec_stage *s, struct position *out, unsigned cap)
{
	unsigned n = 0;
	for (uint32_t l = 0; l < EXEC_LOCATES; l++) {
		const struct position *p = &s->inst[l].pos;
		if (!s->inst[l].touched || (!p->qty && !p->cost && !p->realized_pnl))
			continue;
		if (n < cap) {
			out[n] = *p;
			out[n].locate = (uint16_t)l;
		}
		n++;
	}
	return n;
}

int exec_stage_order(const struct exec_stage *s, uint64_t order_id, struct exec_order_info *ret)
{
	int32_t k = table_find(s, order_id);
	if (k < 0)
		return -ENOENT;
	const struct exec_order *o = &s->orders[k];
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
