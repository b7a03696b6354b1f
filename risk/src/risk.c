/* risk.c - the pre-trade risk stage. */
#include "risk.h"

#include <stdarg.h>
#include <stdio.h>

#define NLOCATE 65536

struct open_order {
	uint64_t order_id; /* 0: empty slot */
	int64_t remaining;
	uint16_t locate;
	uint8_t side;
	uint8_t pad_[5];
};

struct risk_stage {
	struct core_ring *intents, *reports, *out;
	struct risk_control *ctl;
	struct core_hist_pair *hist;
	bool venue_sync;
	bool reports_eos;    /* EXEC_EOS consumed: exec sends nothing more */
	bool session_up;     /* the venue session as last reported (check 2b) */
	uint64_t wm_sent;    /* highest seq forwarded as a watermark or order */
	struct risk_limits lim;
	uint32_t burst;
	bool eof;
	bool killed_seen;    /* the kill flag as this stage last saw it */
	uint32_t flatten_seen; /* flatten requests carried out (or under way) */
	uint32_t flatten_at;   /* under way: the next index in touched[] to close */
	bool flattening;
	uint16_t *touched; /* locates that ever had a position or exposure */
	uint32_t ntouched;
	bool cancel_pending; /* an ORDER_CANCEL_ALL waits for room */
	bool wm_pending;     /* a watermark waits for room */
	struct order_msg wm;
	uint64_t last_seq, last_ts, last_t0; /* last consumed intent */
	uint64_t next_id;
	/* open-order table: linear probing, backward-shift deletion */
	struct open_order *tab;
	uint64_t tab_mask;
	unsigned tab_bits;
	uint32_t open_max;
	uint32_t open_count;
	struct risk_position *pos; /* NLOCATE entries */
	uint8_t *seen;             /* NLOCATE flags: in touched[] */
	struct risk_stats st;
};

static const char *const reason_names[RISK_R_COUNT] = {
	[RISK_R_NONE] = "none",
	[RISK_R_KILLED] = "killed",
	[RISK_R_HALTED_MODE] = "halted_mode",
	[RISK_R_REDUCING] = "reducing",
	[RISK_R_STALE] = "stale",
	[RISK_R_CROSSED] = "crossed",
	[RISK_R_HALTED] = "halted",
	[RISK_R_BAD_ORDER] = "bad_order",
	[RISK_R_MAX_QTY] = "max_qty",
	[RISK_R_POSITION] = "position",
	[RISK_R_NO_MARKET] = "no_market",
	[RISK_R_COLLAR] = "collar",
	[RISK_R_OPEN_ORDERS] = "open_orders",
	[RISK_R_SESSION] = "session",
};

const char *risk_reason_name(unsigned reason)
{
	return reason < RISK_R_COUNT ? reason_names[reason] : "?";
}

/* ------------------------------------------------------------------------- */
/* Control: written by the control thread, read by the stage. */

void risk_control_init(struct risk_control *c)
{
	atomic_init(&c->killed, 0);
	atomic_init(&c->mode, RISK_MODE_ACTIVE);
	atomic_init(&c->flatten, 0);
}

void risk_control_kill(struct risk_control *c)
{
	atomic_store_explicit(&c->killed, 1, memory_order_release); /* K1: pairs with K2 */
}

void risk_control_flatten(struct risk_control *c)
{
	atomic_fetch_add_explicit(&c->flatten, 1, memory_order_release); /* K1 */
}

void risk_control_resume(struct risk_control *c)
{
	atomic_store_explicit(&c->killed, 0, memory_order_release); /* K1 */
}

bool risk_control_is_killed(const struct risk_control *c)
{
	/* K2: pairs with K1. */
	return atomic_load_explicit(&c->killed, memory_order_acquire) != 0;
}

int risk_control_set_mode(struct risk_control *c, enum risk_mode mode)
{
	if (mode != RISK_MODE_ACTIVE && mode != RISK_MODE_REDUCING && mode != RISK_MODE_HALTED)
		return -EINVAL;
	atomic_store_explicit(&c->mode, (uint32_t)mode, memory_order_release); /* K1 */
	return 0;
}

enum risk_mode risk_control_mode(const struct risk_control *c)
{
	return (enum risk_mode)atomic_load_explicit(&c->mode,
						    memory_order_acquire); /* K2 */
}

/* ------------------------------------------------------------------------- */
/* Open-order table. */

/* Order ids are handed out in sequence, so the id itself is the hash: the
 * orders in flight sit in neighbouring slots (one warm cache line for the
 * next insert) instead of scattered over the table (a miss per order). */
static uint64_t tab_home(const struct risk_stage *s, uint64_t id)
{
	return id & s->tab_mask;
}

static struct open_order *tab_find(struct risk_stage *s, uint64_t id)
{
	for (uint64_t i = tab_home(s, id);; i = (i + 1) & s->tab_mask) {
		struct open_order *o = &s->tab[i];
		if (o->order_id == id)
			return o;
		if (o->order_id == 0)
			return NULL;
	}
}

static void tab_insert(struct risk_stage *s, const struct open_order *o)
{
	uint64_t i = tab_home(s, o->order_id);
	while (s->tab[i].order_id)
		i = (i + 1) & s->tab_mask;
	s->tab[i] = *o;
	s->open_count++;
}

static void tab_remove(struct risk_stage *s, struct open_order *o)
{
	uint64_t i = (uint64_t)(o - s->tab);
	uint64_t j = i;
	for (;;) {
		j = (j + 1) & s->tab_mask;
		if (s->tab[j].order_id == 0)
			break;
		uint64_t k = tab_home(s, s->tab[j].order_id);
		/* Move j back into the hole at i unless its home lies cyclically in (i, j]. */
		bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
		if (!stays) {
			s->tab[i] = s->tab[j];
			i = j;
		}
	}
	memset(&s->tab[i], 0, sizeof(s->tab[i]));
	s->open_count--;
}

/* A locate that has (or had) a position or exposure, for flatten's walk. */
static void touch(struct risk_stage *s, uint16_t locate)
{
	if (!s->seen[locate]) {
		s->seen[locate] = 1;
		s->touched[s->ntouched++] = locate;
	}
}

/* Release an order's remaining exposure and forget it. */
static void order_close(struct risk_stage *s, struct open_order *o)
{
	struct risk_position *p = &s->pos[o->locate];
	if (o->side == 'B')
		p->open_buy -= o->remaining;
	else
		p->open_sell -= o->remaining;
	tab_remove(s, o);
}

static void apply_report(struct risk_stage *s, const struct exec_report *r)
{
	if (r->kind == EXEC_SESSION) {
		s->st.reports++;
		s->st.session_changes++;
		s->session_up = r->reason == EXEC_SESSION_UP;
		return;
	}
	struct open_order *o = tab_find(s, r->order_id);
	s->st.reports++;
	if (!o)
		s->st.unknown_reports++;
	switch (r->kind) {
	case EXEC_FILL: {
		s->st.fills++;
		uint8_t side = o ? o->side : r->side;
		uint16_t locate = o ? o->locate : r->locate;
		int64_t q = r->qty;
		if (side == 'B')
			s->pos[locate].position += q;
		else if (side == 'S')
			s->pos[locate].position -= q;
		touch(s, locate);
		if (o) {
			int64_t dq = q < o->remaining ? q : o->remaining;
			o->remaining -= dq;
			if (o->side == 'B')
				s->pos[locate].open_buy -= dq;
			else
				s->pos[locate].open_sell -= dq;
			if (o->remaining == 0)
				tab_remove(s, o);
		}
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
/* Checks: pure, so a full order ring can leave the intent for the next poll. */

static enum risk_reason check(const struct risk_stage *s, const struct order_intent *it,
			      uint32_t mode)
{
	const struct risk_position *p = &s->pos[it->locate];
	int64_t q = it->qty;
	if (mode == RISK_MODE_HALTED)
		return RISK_R_HALTED_MODE;
	if (mode == RISK_MODE_REDUCING) {
		bool reduces = it->side == 'B' ? p->position < 0 && p->position + p->open_buy + q <= 0
					       : it->side == 'S' && p->position > 0 &&
							 p->position - p->open_sell - q >= 0;
		if (!reduces)
			return RISK_R_REDUCING;
	}
	if (!s->session_up)
		return RISK_R_SESSION;
	if (it->flags & MD_F_STALE)
		return RISK_R_STALE;
	if ((it->flags & MD_F_CROSSED) || (it->bid_px && it->ask_px && it->bid_px >= it->ask_px))
		return RISK_R_CROSSED;
	if (it->flags & MD_F_HALTED)
		return RISK_R_HALTED;
	if ((it->side != 'B' && it->side != 'S') || it->qty == 0 || it->px == 0)
		return RISK_R_BAD_ORDER;
	if (it->qty > s->lim.max_order_qty)
		return RISK_R_MAX_QTY;
	if (it->side == 'B' ? p->position + p->open_buy + q > s->lim.max_position
			    : p->position - p->open_sell - q < -s->lim.max_position)
		return RISK_R_POSITION;
	if (it->bid_px == 0 || it->ask_px == 0)
		return RISK_R_NO_MARKET;
	/* |px - mid| / mid > collar/1e4  <=>  |2px - (bid+ask)| * 1e4 > collar * (bid+ask) */
	int64_t mid2 = (int64_t)it->bid_px + it->ask_px;
	int64_t d = 2 * (int64_t)it->px - mid2;
	if (d < 0)
		d = -d;
	if (d * 10000 > (int64_t)s->lim.collar_bps * mid2)
		return RISK_R_COLLAR;
	if (s->open_count >= s->open_max)
		return RISK_R_OPEN_ORDERS;
	return RISK_R_NONE;
}

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
		s->flatten_seen = f; /* requests while one is under way join it */
		s->flattening = true;
		s->flatten_at = 0;
	}
	bool k = atomic_load_explicit(&s->ctl->killed, memory_order_acquire) != 0; /* K2 */
	if (k && !s->killed_seen) {
		s->killed_seen = true;
		s->cancel_pending = true;
		s->st.kill_transitions++;
		s->st.kill_seen_ns = core_now_ns(); /* from here no new order passes */
	} else if (!k && s->killed_seen) {
		s->killed_seen = false;
		s->st.resumes++;
	}
	return k;
}

/* Open exposure for an order just pushed. */
static void expose(struct risk_stage *s, const struct order_msg *m)
{
	struct open_order o = {
		.order_id = m->order_id, .remaining = m->qty, .locate = m->locate, .side = m->side
	};
	tab_insert(s, &o);
	if (m->side == 'B')
		s->pos[m->locate].open_buy += m->qty;
	else
		s->pos[m->locate].open_sell += m->qty;
	touch(s, m->locate);
}

/* Close every position: one flatten order per instrument, resumable when the
 * order ring fills. false if it is full. */
static bool flatten_step(struct risk_stage *s)
{
	for (; s->flatten_at < s->ntouched; s->flatten_at++) {
		uint16_t l = s->touched[s->flatten_at];
		int64_t p = s->pos[l].position;
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
		expose(s, &m);
		s->st.flatten_orders++;
	}
	s->flattening = false;
	s->st.flattens++;
	return true;
}

/* Push queued control messages: the kill's CANCEL_ALL, then flatten orders,
 * then a watermark. false if the order ring is full. */
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
		if (r->seq >= limit)
			break;
		apply_report(s, r);
	}
	if (i)
		core_ring_release(s->reports, i);
	return i;
}

/* Finished once ORDER_EOS is out and, with a report ring, EXEC_EOS is in. */
static int poll_result(const struct risk_stage *s)
{
	return s->eof && (!s->reports || s->reports_eos) ? CORE_EOF : 0;
}

int risk_stage_poll(void *ctx, uint32_t *ret_work)
{
	struct risk_stage *s = ctx;
	uint32_t work = 0;
	if (s->reports) {
		/* with venue_sync, only what every future intent is entitled to see */
		uint64_t limit = s->venue_sync && !s->eof ? s->last_seq + 1 : UINT64_MAX;
		work += drain_reports(s, limit, s->burst);
	}
	*ret_work = work;
	if (s->eof)
		return poll_result(s);

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
	while (done < avail) {
		const struct order_intent *it = core_ring_peek(s->intents, done);
		if (it->kind == INTENT_EOS) {
			marker(&m, ORDER_EOS, it->seq, it->ts_ns, it->t0_ns);
			if (!push(s, &m))
				break;
			s->eof = true;
			last_rejected = false;
		} else if (it->kind == INTENT_WATERMARK) {
			marker(&m, ORDER_WATERMARK, it->seq, it->ts_ns, it->t0_ns);
			if (!push(s, &m))
				break;
			s->st.watermarks++;
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
			/* One acquire load per order (K2); a fresh kill first sends CANCEL_ALL. */
			bool killed = observe_kill(s);
			if ((s->cancel_pending || s->flattening) && !flush_pending(s))
				break;
			enum risk_reason why = RISK_R_KILLED;
			if (!killed) {
				uint32_t mode = atomic_load_explicit(&s->ctl->mode,
								     memory_order_acquire); /* K2 */
				why = it->kind == INTENT_NEW ? check(s, it, mode) : RISK_R_BAD_ORDER;
			}
			if (why == RISK_R_NONE) {
				marker(&m, ORDER_NEW, it->seq, it->ts_ns, it->t0_ns);
				m.order_id = s->next_id;
				m.px = it->px;
				m.qty = it->qty;
				m.locate = it->locate;
				m.side = it->side;
				if (!push(s, &m))
					break; /* check() changed nothing */
				s->next_id++;
				expose(s, &m);
				s->st.approved++;
			} else {
				s->st.rejects[why]++;
				s->st.rejected++;
			}
			s->st.intents++;
			last_rejected = why != RISK_R_NONE;
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
	    (cfg->reports_in &&
	     core_ring_check(cfg->reports_in, "risk", "reports_in", sizeof(struct exec_report),
	                     "exec_report", err, errlen) < 0) ||
	    core_ring_check(cfg->orders_out, "risk", "orders_out", sizeof(struct order_msg),
	                    "order_msg", err, errlen) < 0)
		return -EINVAL;
	if (cfg->limits.max_order_qty == 0) {
		core_errf(err, errlen, "risk: limits.max_order_qty must be > 0");
		return -EINVAL;
	}
	if (cfg->limits.max_position <= 0) {
		core_errf(err, errlen, "risk: limits.max_position must be > 0");
		return -EINVAL;
	}
	if (cfg->limits.collar_bps > 10000) {
		core_errf(err, errlen, "risk: limits.collar_bps %u above 10000",
		          cfg->limits.collar_bps);
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
	size_t o_pos = core_layout_add(&l, NLOCATE, sizeof(struct risk_position), CORE_CACHE_LINE);
	size_t o_tab =
	        core_layout_add(&l, (size_t)1 << bits, sizeof(struct open_order), CORE_CACHE_LINE);
	size_t o_seen = core_layout_add(&l, NLOCATE, 1, CORE_CACHE_LINE);
	size_t o_touched = core_layout_add(&l, NLOCATE, sizeof(uint16_t), CORE_CACHE_LINE);
	struct risk_stage *s = core_layout_alloc(&l);
	if (!s) {
		core_errf(err, errlen, "risk: out of memory");
		return -ENOMEM;
	}
	s->pos = core_layout_at(s, o_pos);
	s->tab = core_layout_at(s, o_tab);
	s->seen = core_layout_at(s, o_seen);
	s->touched = core_layout_at(s, o_touched);
	for (unsigned i = 0; i < cfg->ninitial; i++) {
		const struct position *p = &cfg->initial[i];
		if (s->seen[p->locate]) {
			core_errf(err, errlen, "risk: initial position %u: locate %u repeated", i,
			          (unsigned)p->locate);
			risk_stage_destroy(s);
			return -EINVAL;
		}
		s->pos[p->locate].position = p->qty;
		touch(s, p->locate);
	}
	s->tab_bits = bits;
	s->tab_mask = ((uint64_t)1 << bits) - 1;
	s->open_max = open_max;
	s->intents = cfg->intents_in;
	s->reports = cfg->reports_in;
	s->out = cfg->orders_out;
	s->ctl = cfg->ctl;
	s->hist = cfg->hist;
	s->venue_sync = cfg->venue_sync;
	s->session_up = !cfg->wait_for_session;
	s->lim = cfg->limits;
	s->burst = cfg->burst ? cfg->burst : 32;
	s->next_id = cfg->first_order_id ? cfg->first_order_id : 1;
	*ret_stage = s;
	return 0;
}

struct risk_stage *risk_stage_destroy(struct risk_stage *s)
{
	core_free(s); /* one block: the stage and its tables (core_layout) */
	return NULL;
}

void risk_stage_stats(const struct risk_stage *s, struct risk_stats *ret)
{
	*ret = s->st;
	ret->open_orders = s->open_count;
	ret->session_up = s->session_up;
	ret->next_order_id = s->next_id;
}

void risk_stage_position(const struct risk_stage *s, uint16_t locate, struct risk_position *ret)
{
	*ret = s->pos[locate];
}
