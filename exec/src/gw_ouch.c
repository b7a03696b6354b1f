/* gw_ouch.c - the OUCH 4.2 order gateway: an exec_venue over core's
 * SoupBinTCP client (exec.h, "OUCH 4.2: the order gateway"). One file of
 * about 820 lines: sending, the venue's messages, re-login and recovery all
 * change the same open-order table and session state, which stay private here. */
#define _GNU_SOURCE
#include "gw.h"

#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>

#define OUCH_Q_CAP       4096
#define TIF_MARKET_HOURS 99998u /* OUCH 4.2 TIF: market hours, our DAY */
#define TIF_IOC          0u

struct exec_ouch_gw {
	struct gw gw;
	struct core_soup_client *soup;
	char firm[4];
	uint64_t drain_ns, recv_every_ns;
	uint64_t next_recv_ns, drain_until_ns, logout_until_ns;
	uint64_t last_new_id; /* the last ORDER_NEW on the wire: tokens never repeat */
	int fatal;            /* the client's error once it has given up (not after ORDER_EOS) */
	bool eos;             /* ORDER_EOS taken: draining */
	bool md_eos;          /* MD_EOS seen: no symbol will be named any more */
	bool logged_out;      /* our Logout Request went out */
	bool ended;           /* the venue ended the session (Z), or the client did */
	bool done;            /* after ORDER_EOS: nothing more will come */
	struct exec_ouch_gw_stats st;
	/* recovery: the replay after the first login, and an Accepted that waits
	 * for the md stream to name its stock (one at a time: reading stops) */
	uint64_t replay_quiet_ns, last_msg_ns, hb_at_login;
	bool replay_logged_in;
	bool have_stash;
	struct exec_ouch_accepted stash;
	uint64_t stash_seq, stash_until_ns;
};

#define ADOPT_WAIT_NS 2000000000ull /* an adoption waits this long for its symbol */

static bool replaying(const struct exec_ouch_gw *g)
{
	return g->st.recovery.state == EXEC_RECOVERY_REPLAYING;
}

static void note(struct exec_ouch_gw *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct exec_ouch_gw *g, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(g->st.reason, sizeof(g->st.reason), fmt, ap);
	va_end(ap);
}

static bool logged_in(const struct exec_ouch_gw *g)
{
	return core_soup_client_state(g->soup) == CORE_SOUP_ACTIVE;
}

/* The client failed for good (login rejected, a bad packet, out of attempts). */
static void give_up(struct exec_ouch_gw *g, int err)
{
	note(g, "session failed: %s", core_soup_client_error(g->soup));
	g->ended = true;
	if (g->eos)
		g->done = true; /* nothing more will come; the drain is over */
	else
		g->fatal = err;
}

/* The order a token names: open here, with the same md seq. *ret_id: the
 * order id it carries (0: not of our form). */
static struct gw_order *by_token(struct exec_ouch_gw *g, const char token[EXEC_TOKEN_LEN],
                                 uint64_t *ret_id)
{
	uint64_t id, seq;
	if (exec_order_token_get(token, &id, &seq) < 0) {
		*ret_id = 0;
		return NULL;
	}
	*ret_id = id;
	struct gw_order *o = gw_find(&g->gw, id);
	return o && o->seq == seq ? o : NULL;
}

static void retire(struct exec_ouch_gw *g, struct gw_order *o)
{
	if (o->restored && replaying(g))
		g->st.recovery.closed_by_venue++;
	gw_retire(&g->gw, o);
}

/* What core_soup_client_send said, as a venue answer: 0 (on the wire, in
 * full or in part), EXEC_VENUE_BUSY, or the client's fatal error. */
static int wire_result(struct exec_ouch_gw *g, int r)
{
	if (r == 0 || r == CORE_SOUP_QUEUED)
		return 0;
	if (r < 0 && core_soup_client_state(g->soup) == CORE_SOUP_ENDED) {
		give_up(g, r);
		return g->fatal ? g->fatal : EXEC_VENUE_BUSY;
	}
	/* BUSY, OFFLINE, or a link that died in this send (the next poll
	 * reports it and reconnects): the message was not sent */
	g->st.send_busy++;
	return EXEC_VENUE_BUSY;
}

static int put_cancel(struct exec_ouch_gw *g, const struct gw_order *o, uint64_t now)
{
	struct exec_ouch_cancel c = { .shares = 0 }; /* nothing left: cancel it all */
	(void)exec_order_token_put(c.token, o->order_id, o->seq); /* fits: it went out */
	unsigned char b[EXEC_OUCH_MAX_LEN];
	int n = exec_ouch_put_cancel(b, sizeof(b), &c);
	int r = wire_result(g, core_soup_client_send(g->soup, b, (size_t)n, now));
	if (r == 0)
		g->st.cancels++;
	return r;
}

/* Send the cancels owed (cancel-all, re-login), most recent order first,
 * until the kernel has no room. 0 (none left), EXEC_VENUE_BUSY or the fatal
 * error. */
static int flush_cancels(struct exec_ouch_gw *g, uint64_t now)
{
	for (struct gw_order *o = gw_open_first(&g->gw); o && g->gw.ncancel_due;
	     o = gw_open_next(&g->gw, o)) {
		if (!o->cancel_due)
			continue;
		int r = put_cancel(g, o, now);
		if (r != 0)
			return r;
		gw_cancel_paid(&g->gw, o);
	}
	return 0;
}

/* ------------------------------------------------------------------------- */
/* The venue's messages. */

static void report_unknown(struct exec_ouch_gw *g, uint64_t id, uint8_t kind, uint32_t px,
                           uint32_t qty, uint64_t ts)
{
	gw_report_unknown(&g->gw, id, kind, px, qty, ts);
}

static void on_fill(struct exec_ouch_gw *g, const char *token, uint32_t shares, uint32_t price,
                    uint64_t ts)
{
	uint64_t id;
	struct gw_order *o = by_token(g, token, &id);
	if (!o) {
		report_unknown(g, id, EXEC_FILL, price, shares, ts);
		return;
	}
	if (replaying(g))
		g->st.recovery.replay_fills++;
	o->cum += shares;
	o->leaves -= shares < o->leaves ? shares : o->leaves;
	gw_report(&g->gw, o, EXEC_FILL, price, shares, EXEC_REASON_NONE, ts);
	if (o->leaves == 0)
		retire(g, o);
}

static void on_canceled(struct exec_ouch_gw *g, const char *token, uint32_t decrement,
                        uint64_t ts)
{
	uint64_t id;
	struct gw_order *o = by_token(g, token, &id);
	if (!o) {
		report_unknown(g, id, EXEC_CANCELED, 0, decrement, ts);
		return;
	}
	uint32_t qty = decrement < o->leaves ? decrement : o->leaves;
	o->leaves -= qty;
	/* the reason is what we asked for; the venue's byte says the same or
	 * less (it cancels an IOC rest as 'I' whatever we asked) */
	uint8_t reason = o->mass_sent             ? EXEC_REASON_CANCEL_ALL
	                 : o->cancel_sent         ? EXEC_REASON_USER_CANCEL
	                 : o->tif == EXEC_TIF_IOC ? EXEC_REASON_IOC
	                                          : EXEC_REASON_NONE;
	gw_report(&g->gw, o, EXEC_CANCELED, o->px, qty, reason, ts);
	if (o->leaves == 0)
		retire(g, o);
}

static void on_broken(struct exec_ouch_gw *g, uint8_t kind, const char *token, uint64_t match,
                      uint8_t reason, uint64_t ts)
{
	uint64_t id;
	(void)by_token(g, token, &id);
	g->st.broken = (struct exec_ouch_gw_broken){
		.ts_ns = ts, .match = match, .order_id = id, .kind = kind, .reason = reason
	};
	if (kind == EXEC_OUCH_BROKEN)
		g->st.broken_trades++;
	else
		g->st.corrections++;
	note(g, "%s: order %" PRIu64 ", match %" PRIu64 ", reason '%c' (position not unwound)",
	     exec_ouch_name(kind), id, match, reason);
}

/*
 * An Accepted for an order of ours (our token form) not held here: sent just
 * before a crash and never stored, or closed here as never accepted and
 * accepted late. Track it from what the Accepted says (the stock's locate
 * from the md stream's names), report EXEC_ACK with EXEC_REASON_ADOPTED and
 * the order's own md seq (the order manager stores it), and cancel it unless
 * the replay is still running (then the reconciliation cancels it). 1 done,
 * 0 the stock is not named yet, -1 the table is full.
 */
static int adopt(struct exec_ouch_gw *g, const struct exec_ouch_accepted *a, uint64_t id,
                 uint64_t seq)
{
	long loc = gw_locate_of(&g->gw, a->stock);
	if (loc < 0)
		return 0;
	struct order_msg m = { .kind = ORDER_NEW,
		               .order_id = id,
		               .seq = seq,
		               .locate = (uint16_t)loc,
		               .side = a->side,
		               .px = a->price,
		               .qty = a->shares,
		               .tif = a->tif == TIF_IOC ? EXEC_TIF_IOC : EXEC_TIF_DAY };
	struct gw_order *o = gw_adopt(&g->gw, &m, a->ts_ns, g->gw.venue_seq);
	if (!o)
		return -1;
	if (id > g->last_new_id)
		g->last_new_id = id;
	g->st.adopted++;
	if (replaying(g)) {
		g->st.recovery.adopted++;
	} else {
		o->mass_sent = true;
		gw_owe_cancel(&g->gw, o);
	}
	note(g, "adopted order %" PRIu64 " (%.8s %c %u @ %u): the venue has it, the store had not",
	     id, a->stock, a->side, a->shares, a->price);
	return 1;
}

/* An Accepted whose token is ours but not held here: adopt it now, or keep
 * it (reading stops) until the md stream names its stock, the md stream
 * ends, or ADOPT_WAIT_NS pass; then it is forwarded as unknown. True when
 * it is settled. */
static bool settle_accepted(struct exec_ouch_gw *g, const struct exec_ouch_accepted *a,
                            uint64_t venue_seq, uint64_t now)
{
	uint64_t id = 0, seq = 0;
	(void)exec_order_token_get(a->token, &id, &seq);
	int r = id ? adopt(g, a, id, seq) : -1;
	if (r > 0)
		return true;
	if (r == 0 && !g->md_eos && (!g->have_stash || now < g->stash_until_ns)) {
		if (!g->have_stash) {
			g->stash = *a;
			g->stash_seq = venue_seq;
			g->stash_until_ns = now + ADOPT_WAIT_NS;
			g->have_stash = true;
		}
		return false;
	}
	if (id) {
		g->st.recovery.unresolved += replaying(g);
		note(g, "order %" PRIu64 " accepted by the venue for '%.8s', which %s: not tracked", id,
		     a->stock, r == 0 ? "the md stream never named" : "no table room took");
	}
	report_unknown(g, id, EXEC_ACK, a->price, a->shares, a->ts_ns);
	return true;
}

/* The kept Accepted, if any: settled now? (reading goes on only then) */
static bool stash_settled(struct exec_ouch_gw *g, uint64_t now)
{
	if (!g->have_stash)
		return true;
	if (!gw_q_room(&g->gw))
		return false;
	g->gw.venue_seq = g->stash_seq;
	bool done = settle_accepted(g, &g->stash, g->stash_seq, now);
	g->gw.venue_seq = 0;
	if (done)
		g->have_stash = false;
	return done;
}

/* One Sequenced Data message, its reports carrying its number. */
static void on_message_body(struct exec_ouch_gw *g, const struct core_soup_event *ev,
                            uint64_t now)
{
	struct exec_ouch_msg m;
	char err[160];
	int k = exec_ouch_decode(ev->data, ev->len, EXEC_OUCH_OUTBOUND, &m, err, sizeof(err));
	if (k < 0) {
		g->st.bad_messages++;
		snprintf(g->st.last_bad, sizeof(g->st.last_bad), "sequenced message %" PRIu64 ": %s",
		         ev->seq, err);
		note(g, "%s; link dropped", g->st.last_bad);
		char why[200];
		memcpy(why, g->st.reason, sizeof(why));
		int r = core_soup_client_drop(g->soup, now, why);
		if (r < 0 && r != -ENOTCONN)
			give_up(g, r);
		return;
	}
	g->st.msgs[k]++;
	uint64_t id;
	struct gw_order *o;
	switch (k) {
	case EXEC_OUCH_ACCEPTED: {
		const struct exec_ouch_accepted *a = &m.accepted;
		if (a->state == 'D')
			g->st.accepted_dead++;
		if (!(o = by_token(g, a->token, &id))) {
			(void)settle_accepted(g, a, ev->seq, now);
			break;
		}
		o->acked = true;
		gw_report(&g->gw, o, EXEC_ACK, o->px, o->qty, EXEC_REASON_NONE, a->ts_ns);
		break;
	}
	case EXEC_OUCH_EXECUTED:
		on_fill(g, m.executed.token, m.executed.shares, m.executed.price, m.executed.ts_ns);
		break;
	case EXEC_OUCH_EXECUTED_REF:
		on_fill(g, m.executed_ref.token, m.executed_ref.shares, m.executed_ref.price,
		        m.executed_ref.ts_ns);
		break;
	case EXEC_OUCH_CANCELED:
		on_canceled(g, m.canceled.token, m.canceled.decrement, m.canceled.ts_ns);
		break;
	case EXEC_OUCH_AIQ_CANCELED:
		on_canceled(g, m.aiq_canceled.token, m.aiq_canceled.decrement,
		            m.aiq_canceled.ts_ns);
		break;
	case EXEC_OUCH_REJECTED: {
		const struct exec_ouch_rejected *j = &m.rejected;
		g->st.last_reject_reason = j->reason;
		if (!(o = by_token(g, j->token, &id))) {
			report_unknown(g, id, EXEC_REJECTED, 0, 0, j->ts_ns);
			break;
		}
		o->leaves = 0;
		gw_report(&g->gw, o, EXEC_REJECTED, o->px, o->qty, EXEC_REASON_INVALID, j->ts_ns);
		retire(g, o);
		break;
	}
	case EXEC_OUCH_BROKEN:
		on_broken(g, EXEC_OUCH_BROKEN, m.broken.token, m.broken.match, m.broken.reason,
		          m.broken.ts_ns);
		break;
	case EXEC_OUCH_CORRECTION:
		on_broken(g, EXEC_OUCH_CORRECTION, m.correction.token, m.correction.match,
		          m.correction.reason, m.correction.ts_ns);
		break;
	default: /* system event, replaced, cancel pending / reject, priority, modified */
		break;
	}
}

/* One Sequenced Data message. */
static void on_message(struct exec_ouch_gw *g, const struct core_soup_event *ev, uint64_t now)
{
	if (replaying(g)) {
		g->st.recovery.replayed++;
		g->last_msg_ns = now;
	}
	g->gw.venue_seq = ev->seq;
	on_message_body(g, ev, now);
	g->gw.venue_seq = 0;
}

/* Logged in again: whatever cancel was outstanding may not have arrived. */
static void relogin(struct exec_ouch_gw *g)
{
	for (struct gw_order *o = gw_open_first(&g->gw); o; o = gw_open_next(&g->gw, o)) {
		if ((o->cancel_sent || o->mass_sent) && !o->cancel_due) {
			gw_owe_cancel(&g->gw, o);
			g->st.cancels_resent++;
		}
	}
}

/* Drive the client: connect, log in, heartbeats, and the venue's messages
 * while there is room for their reports. */
static void pump(struct exec_ouch_gw *g, uint64_t now)
{
	while (gw_q_room(&g->gw) && !g->done && !g->fatal) {
		if (!stash_settled(g, now))
			return; /* an Accepted waits for its stock's name */
		struct core_soup_event ev;
		int r = core_soup_client_poll(g->soup, now, &ev);
		if (r == 0)
			return;
		if (r == CORE_EOF) { /* logged out and closed, or after Z */
			g->ended = true;
			if (g->eos)
				g->done = true;
			return;
		}
		if (r < 0) {
			give_up(g, r);
			return;
		}
		switch (ev.kind) {
		case CORE_SOUP_EV_DATA:
			on_message(g, &ev, now);
			break;
		case CORE_SOUP_EV_LOGIN: {
			struct core_soup_client_stats cs;
			core_soup_client_stats(g->soup, &cs);
			if (replaying(g) && !g->replay_logged_in) {
				/* the replay runs from here; it is over once the venue
				 * goes quiet (its heartbeat, or replay_quiet_ns) */
				g->replay_logged_in = true;
				g->hb_at_login = cs.hb_received;
				g->last_msg_ns = now;
			}
			if (cs.logins > 1) {
				relogin(g);
				note(g, "logged in again to session '%s' at %" PRIu64, cs.session,
				     ev.seq);
			}
			break;
		}
		case CORE_SOUP_EV_LINK_DOWN:
			note(g, "link lost: %s", core_soup_client_error(g->soup));
			if (g->logged_out)
				g->done = true; /* it was ending anyway */
			break;
		case CORE_SOUP_EV_GAP:
			note(g, "the venue resumed above %" PRIu64 ": %" PRIu64
			        " messages (reports) lost",
			     ev.seq, ev.count);
			break;
		case CORE_SOUP_EV_END:
			note(g, "the venue ended the session (End of Session)");
			g->ended = true;
			if (g->eos)
				g->done = true;
			break;
		default: /* unsequenced data from the venue: counted by the client */
			break;
		}
	}
}

/*
 * The replay is over: reconcile. A restored order the venue never accepted
 * (not before the stop, not in the replay) never reached it: closed here,
 * EXEC_REJECTED with EXEC_REASON_RECOVERY. Every order still open (restored
 * or adopted) is cancelled: the engine resumes with no order it did not
 * place in this run. False while the report queue has no room (again next poll).
 */
static bool reconcile(struct exec_ouch_gw *g, uint64_t now)
{
	struct exec_recovery_stats *rs = &g->st.recovery;
	for (struct gw_order *o = gw_open_first(&g->gw), *next; o; o = next) {
		next = gw_open_next(&g->gw, o);
		if (o->acked) {
			o->mass_sent = true;
			rs->cancelled += gw_owe_cancel(&g->gw, o);
			continue;
		}
		if (!gw_q_room(&g->gw))
			return false;
		gw_close_here(&g->gw, o, EXEC_REJECTED, rs);
		retire(g, o);
	}
	gw_recovery_done(rs, now);
	note(g,
	     "recovered from message %" PRIu64 ": %" PRIu64 " replayed (%" PRIu64
	     " fills), %" PRIu64 " restored orders ended by the venue, %" PRIu64
	     " adopted, %" PRIu64 " never at the venue, %" PRIu64 " cancelled: %" PRIu64
	     " differences",
	     rs->from_seq, rs->replayed, rs->replay_fills, rs->closed_by_venue, rs->adopted,
	     rs->not_at_venue, rs->cancelled, rs->differences);
	return true;
}

/* While replaying: has the venue gone quiet since the login? */
static void recovery_poll(struct exec_ouch_gw *g, uint64_t now)
{
	if (!g->replay_logged_in || !logged_in(g) || g->have_stash)
		return;
	struct core_soup_client_stats cs;
	core_soup_client_stats(g->soup, &cs);
	if (cs.hb_received > g->hb_at_login || now - g->last_msg_ns >= g->replay_quiet_ns)
		(void)reconcile(g, now);
}

/* ------------------------------------------------------------------------- */
/* The exec_venue ops. */

static int send_new(struct exec_ouch_gw *g, const struct order_msg *m, uint64_t now)
{
	if (g->ended)
		return gw_refuse(&g->gw, m, EXEC_REASON_INVALID, &g->st.after_end);
	if (!m->qty || !m->px || (m->side != 'B' && m->side != 'S'))
		return gw_refuse(&g->gw, m, EXEC_REASON_INVALID, &g->st.invalid);
	if (m->order_id <= g->last_new_id) /* as the simulated venue: invalid first */
		return gw_refuse(&g->gw, m, EXEC_REASON_DUPLICATE, &g->st.duplicates);
	if (!logged_in(g) || replaying(g)) {
		g->st.send_busy++;
		return EXEC_VENUE_BUSY; /* risk holds new orders meanwhile */
	}
	const char *sym;
	if (!gw_symbol(&g->gw, m->locate, &sym)) {
		/* the stage takes orders before market data: wait until the md
		 * stream has passed the event behind the order ('R' comes first) */
		if (g->gw.st.md_in && !g->md_eos && m->seq > g->gw.md_seq) {
			g->st.symbol_waits++;
			return EXEC_VENUE_BUSY;
		}
		return gw_refuse(&g->gw, m, EXEC_REASON_INVALID, &g->st.no_symbol);
	}
	struct exec_ouch_enter e = { .side = m->side,
		                     .shares = m->qty,
		                     .price = m->px,
		                     .tif = m->tif == EXEC_TIF_IOC ? TIF_IOC : TIF_MARKET_HOURS,
		                     .display = 'Y',
		                     .capacity = 'A',
		                     .iso = 'N',
		                     .min_qty = 0,
		                     .cross_type = 'N',
		                     .customer_type = 'R' };
	if (exec_order_token_put(e.token, m->order_id, m->seq) < 0)
		return gw_refuse(&g->gw, m, EXEC_REASON_INVALID, &g->st.invalid);
	if (g->gw.free_head < 0)
		return EXEC_VENUE_BUSY;
	int r;
	if (g->gw.ncancel_due && (r = flush_cancels(g, now)) != 0)
		return r; /* owed cancels leave first */
	memcpy(e.stock, sym, sizeof(e.stock));
	memcpy(e.firm, g->firm, sizeof(e.firm));
	unsigned char b[EXEC_OUCH_MAX_LEN];
	int n = exec_ouch_put_enter(b, sizeof(b), &e);
	if (n < 0) /* a symbol byte OUCH cannot carry */
		return gw_refuse(&g->gw, m, EXEC_REASON_INVALID, &g->st.invalid);
	/* tick-to-wire ends when this returns: the bytes are with the kernel */
	if ((r = wire_result(g, core_soup_client_send(g->soup, b, (size_t)n, now))) != 0)
		return r;
	gw_track(&g->gw, m);
	g->last_new_id = m->order_id;
	g->st.enters++;
	return 0;
}

static int send_cancel(struct exec_ouch_gw *g, const struct order_msg *m, uint64_t now)
{
	struct gw_order *o = gw_find(&g->gw, m->order_id);
	if (!o || g->ended) {
		g->gw.st.cancel_too_late++; /* ended already: nothing to cancel */
		return 0;
	}
	if (!logged_in(g)) {
		g->st.send_busy++;
		return EXEC_VENUE_BUSY;
	}
	int r;
	if (g->gw.ncancel_due && (r = flush_cancels(g, now)) != 0)
		return r;
	if ((r = put_cancel(g, o, now)) != 0)
		return r;
	o->cancel_sent = true;
	return 0;
}

static int send_cancel_all(struct exec_ouch_gw *g, uint64_t now)
{
	if (g->ended)
		return 0;
	if (!logged_in(g)) {
		g->st.send_busy++;
		return EXEC_VENUE_BUSY;
	}
	for (struct gw_order *o = gw_open_first(&g->gw); o; o = gw_open_next(&g->gw, o)) {
		o->mass_sent = true;
		gw_owe_cancel(&g->gw, o);
	}
	/* taken: what the kernel has no room for now leaves on the next polls */
	int r = flush_cancels(g, now);
	return r < 0 ? r : 0;
}

static int ouch_send(void *ctx, const struct order_msg *m)
{
	struct exec_ouch_gw *g = ctx;
	uint64_t now = core_now_ns();
	if (g->fatal)
		return g->fatal;
	switch (m->kind) {
	case ORDER_NEW:
		return send_new(g, m, now);
	case ORDER_CANCEL:
		return send_cancel(g, m, now);
	case ORDER_CANCEL_ALL:
		return send_cancel_all(g, now);
	case ORDER_WATERMARK:
		return 0;
	case ORDER_EOS:
		g->eos = true;
		g->drain_until_ns = now + g->drain_ns;
		if (g->ended)
			g->done = true;
		return 0;
	default:
		return -EINVAL;
	}
}

static int ouch_market(void *ctx, const struct md_event *e)
{
	struct exec_ouch_gw *g = ctx;
	gw_market(&g->gw, e);
	if (e->kind == MD_EOS)
		g->md_eos = true;
	return 0;
}

static int ouch_poll(void *ctx, struct exec_report *out, uint32_t cap)
{
	struct exec_ouch_gw *g = ctx;
	uint64_t now = core_now_ns();
	if (!g->done && !g->fatal && now >= g->next_recv_ns) {
		g->next_recv_ns = now + g->recv_every_ns;
		pump(g, now);
	}
	if (replaying(g) && !g->done && !g->fatal)
		recovery_poll(g, now);
	if (g->gw.ncancel_due && !g->done && !g->fatal && logged_in(g))
		(void)flush_cancels(g, now); /* busy: next time; fatal: g->fatal says */
	/* end of the capture: wait for open orders' reports, then log out */
	if (g->eos && !g->done && !g->fatal) {
		if (!g->logged_out && logged_in(g) &&
		    ((g->gw.nopen == 0 && !g->gw.ncancel_due) || now >= g->drain_until_ns)) {
			if (g->gw.nopen)
				g->st.drain_timeouts++;
			int r = core_soup_client_logout(g->soup, now);
			g->logged_out = true;
			g->logout_until_ns = now + g->drain_ns;
			if (r < 0)
				g->done = true;
		} else if (g->logged_out ? now >= g->logout_until_ns
		                         : !logged_in(g) && now >= g->drain_until_ns) {
			/* the venue never closed after our logout, or we never got
			 * (back) in: nothing more will come */
			if (!g->logged_out && g->gw.nopen)
				g->st.drain_timeouts++;
			(void)core_soup_client_logout(g->soup, now); /* closes: ENDED */
			g->done = true;
		}
	}
	uint32_t n = gw_pop(&g->gw, out, cap);
	if (n == 0 && g->fatal)
		return g->fatal;
	return (int)n;
}

static enum exec_session ouch_session(const void *ctx)
{
	const struct exec_ouch_gw *g = ctx;
	if (g->done && g->gw.q_head == g->gw.q_tail)
		return EXEC_SESSION_DONE;
	if (g->ended || g->fatal)
		return EXEC_SESSION_DOWN;
	switch (core_soup_client_state(g->soup)) {
	case CORE_SOUP_ACTIVE:
		return replaying(g) ? EXEC_SESSION_CONNECTING : EXEC_SESSION_UP;
	case CORE_SOUP_CONNECTING:
	case CORE_SOUP_LOGIN_SENT:
		return EXEC_SESSION_CONNECTING;
	default: /* disconnected, logging out, ended */
		return EXEC_SESSION_DOWN;
	}
}

static void ouch_stats(const void *ctx, struct exec_venue_stats *ret)
{
	const struct exec_ouch_gw *g = ctx;
	*ret = g->gw.st;
}

static const struct exec_venue_ops ouch_ops = {
	.send = ouch_send,
	.market = ouch_market,
	.poll = ouch_poll,
	.session = ouch_session,
	.stats = ouch_stats,
	.event_time = false,
	.name = "ouch",
};

struct exec_venue exec_ouch_gw_venue(struct exec_ouch_gw *g)
{
	return (struct exec_venue){ .ops = &ouch_ops, .ctx = g };
}

/* ------------------------------------------------------------------------- */
/* Setup. */

CORE_COLD int exec_ouch_gw_create(const struct exec_ouch_gw_config *cfg,
                                  struct exec_ouch_gw **ret, char *err, size_t errlen)
{
	if (!cfg || !ret) {
		core_errf(err, errlen, "ouch gateway: cfg and ret are required");
		return -EINVAL;
	}
	uint32_t max_orders = cfg->max_orders ? cfg->max_orders : 4096;
	if (max_orders > EXEC_MAX_LIMIT) {
		core_errf(err, errlen, "ouch gateway: max_orders above %u", EXEC_MAX_LIMIT);
		return -EINVAL;
	}
	if (cfg->nrestore > max_orders || (cfg->nrestore && !cfg->restore)) {
		core_errf(err, errlen,
		          "ouch gateway: %u orders to restore (max_orders %u, restore %s)",
		          cfg->nrestore, max_orders, cfg->restore ? "given" : "NULL");
		return -EINVAL;
	}
	char firm[4];
	if (exec_ouch_alpha_set(firm, sizeof(firm), cfg->firm ? cfg->firm : "") < 0) {
		core_errf(err, errlen,
		          "ouch gateway: firm '%s' is not up to 4 printable ASCII characters",
		          cfg->firm);
		return -EINVAL;
	}
	struct exec_ouch_gw *g;
	struct core_layout l = core_layout_begin(sizeof(*g));
	struct gw_plan plan;
	gw_plan(&l, max_orders, OUCH_Q_CAP, &plan);
	g = core_layout_alloc(&l);
	if (!g) {
		core_errf(err, errlen, "ouch gateway: out of memory");
		return -ENOMEM;
	}
	gw_place(&g->gw, g, &plan, max_orders, OUCH_Q_CAP);
	memcpy(g->firm, firm, sizeof(firm));
	struct core_soup_client_cfg sc = {
		.addr = cfg->connect,
		.username = cfg->user,
		.password = cfg->password,
		.session = cfg->session,
		.seq = cfg->seq,
		.heartbeat_ns = cfg->heartbeat_ns,
		.timeout_ns = cfg->timeout_ns,
		.reconnect_ns = cfg->reconnect_ns,
		.max_reconnects = cfg->max_reconnects ? cfg->max_reconnects : UINT_MAX,
	};
	char e[200] = "";
	int r = core_soup_client_create(&sc, &g->soup, e, sizeof(e));
	if (r < 0) {
		core_errf(err, errlen, "ouch gateway: %s", e);
		core_free(g);
		return r;
	}
	g->drain_ns = cfg->drain_ns ? cfg->drain_ns : 2000000000ull;
	g->recv_every_ns = cfg->recv_every_ns ? cfg->recv_every_ns : 10000;
	g->replay_quiet_ns = cfg->replay_quiet_ns ? cfg->replay_quiet_ns : 200000000ull;
	if (cfg->recover || cfg->nrestore) {
		g->st.recovery.state = EXEC_RECOVERY_REPLAYING;
		g->st.recovery.from_seq = cfg->seq ? cfg->seq : 1;
	}
	for (unsigned i = 0; i < cfg->nrestore; i++) {
		const struct exec_open_order *ro = &cfg->restore[i];
		struct gw_order *o = gw_track(&g->gw, &ro->order); /* room: checked above */
		o->leaves = ro->leaves_qty;
		o->cum = ro->cum_qty;
		o->acked = ro->acked;
		o->restored = true;
		if (ro->order.order_id > g->last_new_id)
			g->last_new_id = ro->order.order_id;
	}
	g->st.recovery.restored = cfg->nrestore;
	*ret = g;
	return 0;
}

struct exec_ouch_gw *exec_ouch_gw_destroy(struct exec_ouch_gw *g)
{
	if (!g)
		return NULL;
	core_soup_client_destroy(g->soup);
	core_free(g);
	return NULL;
}

void exec_ouch_gw_stats(const struct exec_ouch_gw *g, struct exec_ouch_gw_stats *ret)
{
	*ret = g->st;
	core_soup_client_stats(g->soup, &ret->soup);
	ret->state = ret->soup.state;
	ret->logins = ret->soup.logins;
	ret->link_downs = ret->soup.link_downs;
	ret->open_orders = g->gw.nopen;
	ret->unknown_reports = g->gw.unknown_reports;
	ret->cancel_too_late = g->gw.st.cancel_too_late;
	if (!ret->reason[0])
		snprintf(ret->reason, sizeof(ret->reason), "%s", core_soup_client_error(g->soup));
}
