/* gw_fix.c - the FIX 4.4 order gateway: an exec_venue over a FIX session on
 * a TCP connection (exec.h, "FIX 4.4: the order gateway"), with its recovery
 * after a restart (resend, OrderMassStatusRequest, reconciliation). One file
 * of about 820 lines: sending, the venue's reports, adoption and the
 * reconciliation all change the same open-order table and session state,
 * which stay private here. */
#define _GNU_SOURCE
#include "gw.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#define FIX_RX_CAP    (256 * 1024)
#define FIX_Q_CAP     4096
#define NS_PER_DAY    86400000000000ull
#define ADOPT_WAIT_NS 2000000000ull /* an adoption waits this long for its symbol */

/* An order of ours the venue reported and this gateway does not hold (sent
 * before a crash, never stored): what adopting it needs. */
struct fix_adopt {
	uint64_t id, seq, ts_ns, venue_seq;
	uint32_t px, qty, leaves, cum;
	char sym[GW_SYMBOL]; /* space padded */
	uint8_t side;
	bool status; /* from a status report (150=I) */
};

struct exec_fix_gw {
	struct gw gw;
	struct gw_conn conn;
	struct exec_fix_session ses;
	struct exec_fix_store store;
	bool store_open;
	int64_t wall_off; /* CLOCK_REALTIME ns - core_now_ns() */
	uint64_t drain_ns, recv_every_ns;
	uint64_t next_recv_ns, next_tick_ns, drain_until_ns;
	uint64_t cancel_n; /* ClOrdIDs of cancels and mass cancels */
	bool eos, done;
	struct exec_fix_gw_stats st;
	struct core_hist send_ns; /* each send(2) of order bytes: the floor under tick-to-wire */
	/* recovery: after the logon, the venue's resend, then its answer to an
	 * OrderMassStatusRequest, then the reconciliation */
	uint64_t status_timeout_ns, status_until_ns, status_n;
	uint64_t replay_timeout_ns, replay_until_ns; /* 0: not logged on for the replay yet */
	bool status_sent, status_done;
	char status_id[24];
	bool have_stash;      /* an adoption waiting for its symbol: reading stops */
	struct fix_adopt stash;
	uint64_t stash_until_ns;
	uint32_t rx_len;
	char rx[FIX_RX_CAP];
};

static uint64_t wall_now(const struct exec_fix_gw *g, uint64_t now)
{
	return (uint64_t)((int64_t)now + g->wall_off);
}

/* The order id a ClOrdID names: its leading digits ("123-45", "123-C7"). */
static uint64_t cl_ord_order_id(struct exec_fix_str s)
{
	uint64_t id = 0;
	uint32_t i = 0;
	for (; i < s.len && s.p[i] >= '0' && s.p[i] <= '9' && i < 19; i++)
		id = id * 10 + (uint64_t)(s.p[i] - '0');
	return i ? id : 0;
}

static void note(struct exec_fix_gw *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct exec_fix_gw *g, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(g->st.reason, sizeof(g->st.reason), fmt, ap);
	va_end(ap);
}

static bool replaying(const struct exec_fix_gw *g)
{
	return g->st.recovery.state == EXEC_RECOVERY_REPLAYING;
}

/* Forget an ended order (its report is queued). */
static void retire(struct exec_fix_gw *g, struct gw_order *o)
{
	if (o->restored && replaying(g))
		g->st.recovery.closed_by_venue++;
	gw_retire(&g->gw, o);
}

/* The connection is gone: the session too; orders stay open (the venue may
 * still hold them: a reconnect and the venue's reports tell). */
static void lost(struct exec_fix_gw *g, uint64_t now, const char *why)
{
	if (g->conn.fd >= 0)
		g->st.disconnects++;
	char r[200];
	snprintf(r, sizeof(r), "%s%s%s", why, exec_fix_session_reason(&g->ses)[0] ? ": " : "",
	         exec_fix_session_reason(&g->ses));
	note(g, "%s", r);
	exec_fix_session_disconnected(&g->ses);
	g->status_sent = g->status_done = false; /* asked again after the next logon */
	g->replay_until_ns = 0;
	gw_conn_close(&g->conn, now, r);
	g->rx_len = 0;
	if (g->eos)
		g->done = true; /* no drain on a dead link */
}

/* Write what the session has pending; false when the link died. */
static bool flush(struct exec_fix_gw *g, uint64_t now)
{
	const char *p;
	size_t n;
	while ((n = exec_fix_session_pending(&g->ses, &p)) > 0) {
		uint64_t t = core_now_ns();
		ssize_t k = gw_conn_send(&g->conn, p, n);
		core_hist_record(&g->send_ns, (int64_t)(core_now_ns() - t));
		if (k < 0) {
			lost(g, now, "send failed");
			return false;
		}
		if (k == 0)
			break; /* the kernel is full: the rest goes on a later poll */
		exec_fix_session_sent(&g->ses, (size_t)k);
		g->st.bytes_out += (uint64_t)k;
	}
	return true;
}

/* ------------------------------------------------------------------------- */
/* Reports from the venue. */

/*
 * Adopt an order of ours the venue reported (New, or open in its status
 * answer) that this gateway does not hold: sent just before a crash and never
 * stored, or closed here at a recovery and accepted late. Track it from the
 * report (the stock's locate from the md stream's names), report EXEC_ACK with
 * EXEC_REASON_ADOPTED and the order's own md seq (the order manager stores
 * it), and cancel it, unless the replay is still running (the
 * reconciliation cancels it then). 1 done, 0 the stock is not named yet, -1
 * the table is full.
 */
static int adopt(struct exec_fix_gw *g, const struct fix_adopt *a)
{
	long loc = gw_locate_of(&g->gw, a->sym);
	if (loc < 0)
		return 0;
	struct order_msg m = { .kind = ORDER_NEW,
		               .order_id = a->id,
		               .seq = a->seq,
		               .locate = (uint16_t)loc,
		               .side = a->side,
		               .px = a->px,
		               .qty = a->qty,
		               .tif = EXEC_TIF_DAY };
	struct gw_order *o = gw_adopt(&g->gw, &m, a->ts_ns, a->venue_seq);
	if (!o)
		return -1;
	o->at_venue = a->status;
	g->st.adopted++;
	if (replaying(g)) {
		g->st.recovery.adopted++;
	} else {
		o->mass_sent = true;
		gw_owe_cancel(&g->gw, o);
	}
	if (a->cum) {
		/* filled before we knew it, and its fills' prices are not in a
		 * status report: the position here misses them */
		g->st.recovery.unresolved++;
		note(g, "adopted order %" PRIu64 " had %u shares filled that were never reported here",
		     a->id, a->cum);
		return 1;
	}
	note(g, "adopted order %" PRIu64 " (%.8s %c %u @ %u): the venue has it, the store had not",
	     a->id, a->sym, a->side, a->qty, a->px);
	return 1;
}

/* An adoption: now, or kept (reading stops) until the md stream names its
 * stock, the md stream ends, or ADOPT_WAIT_NS pass; then it is forwarded as
 * unknown. True when it is settled. */
static bool settle(struct exec_fix_gw *g, const struct fix_adopt *a, uint64_t now)
{
	int r = adopt(g, a);
	if (r > 0)
		return true;
	if (r == 0 && !g->gw.md_eos && (!g->have_stash || now < g->stash_until_ns)) {
		if (!g->have_stash) {
			g->stash = *a;
			g->stash_until_ns = now + ADOPT_WAIT_NS;
			g->have_stash = true;
		}
		return false;
	}
	g->st.recovery.unresolved += replaying(g);
	note(g, "order %" PRIu64 " open at the venue for '%.8s', which %s: not tracked", a->id,
	     a->sym, r == 0 ? "the md stream never named" : "no table room took");
	uint64_t vs = g->gw.venue_seq;
	g->gw.venue_seq = a->venue_seq;
	gw_report_unknown(&g->gw, a->id, EXEC_ACK, a->px, a->qty, a->ts_ns);
	g->gw.venue_seq = vs;
	return true;
}

/* The kept adoption, if any: settled now? (reading goes on only then) */
static bool stash_settled(struct exec_fix_gw *g, uint64_t now)
{
	if (!g->have_stash)
		return true;
	if (!gw_q_room(&g->gw) || !settle(g, &g->stash, now))
		return false;
	g->have_stash = false;
	return true;
}

/* A status report (150=I) answering our OrderMassStatusRequest. */
static void on_status(struct exec_fix_gw *g, const struct exec_fix_exec_report *r,
                      struct gw_order *o, const struct fix_adopt *a, bool ours, uint64_t now)
{
	g->st.status_reports++;
	if (o) {
		o->at_venue = r->leaves_qty > 0;
		if (r->cum_qty > o->cum) {
			g->st.recovery.unresolved++;
			note(g, "order %" PRIu64 ": the venue has %" PRIu64 " shares filled, we %u",
			     o->order_id, r->cum_qty, o->cum);
		}
		if (!o->acked && o->at_venue) {
			o->acked = true;
			gw_report(&g->gw, o, EXEC_ACK, o->px, o->qty, EXEC_REASON_NONE, a->ts_ns);
		}
	} else if (ours && r->leaves_qty) {
		settle(g, a, now);
	}
	if (r->last_rpt_requested && r->mass_status_req_id.len == strlen(g->status_id) &&
	    !memcmp(r->mass_status_req_id.p, g->status_id, r->mass_status_req_id.len))
		g->status_done = true;
}

static void on_exec_report(struct exec_fix_gw *g, const struct exec_fix_msg *m, uint64_t now)
{
	struct exec_fix_exec_report r;
	struct exec_fix_error e;
	if (exec_fix_decode_exec_report(m, &r, &e) < 0) {
		g->st.bad_reports++;
		exec_fix_session_reject(&g->ses, wall_now(g, now), &e);
		return;
	}
	uint64_t id = cl_ord_order_id(r.orig_cl_ord_id.len ? r.orig_cl_ord_id : r.cl_ord_id);
	uint64_t ts = r.transact_time_ns ? r.transact_time_ns % NS_PER_DAY : 0;
	struct gw_order *o = id ? gw_find(&g->gw, id) : NULL;
	struct fix_adopt a = { .ts_ns = ts,
		               .venue_seq = m->seq,
		               .px = r.px > 0 && r.px <= UINT32_MAX ? (uint32_t)r.px : 0,
		               .qty = r.order_qty <= UINT32_MAX ? (uint32_t)r.order_qty : 0,
		               .leaves = r.leaves_qty <= UINT32_MAX ? (uint32_t)r.leaves_qty : 0,
		               .cum = r.cum_qty <= UINT32_MAX ? (uint32_t)r.cum_qty : 0,
		               .side = r.side == '1' ? 'B' : 'S',
		               .status = r.exec_type == 'I' };
	bool ours = !o && !r.orig_cl_ord_id.len && exec_fix_clord_parse(r.cl_ord_id.p, r.cl_ord_id.len,
	                                                                      &a.id, &a.seq);
	if (ours) {
		memset(a.sym, ' ', GW_SYMBOL);
		memcpy(a.sym, r.symbol.p, r.symbol.len < GW_SYMBOL ? r.symbol.len : GW_SYMBOL);
	}
	uint8_t kind;
	switch (r.exec_type) {
	case '0':
		if (ours) { /* an order of ours we do not hold: adopt it */
			settle(g, &a, now);
			return;
		}
		kind = EXEC_ACK;
		break;
	case 'F':
	case '1': /* FIX 4.2 partial fill / fill, from peers that still send them */
	case '2':
		kind = EXEC_FILL;
		break;
	case '4':
	case 'C': /* expired */
		kind = EXEC_CANCELED;
		break;
	case '8':
		kind = EXEC_REJECTED;
		break;
	case 'I':
		on_status(g, &r, o, &a, ours, now);
		return;
	default: /* replaced, restated...: nothing for the order manager */
		g->st.other_reports++;
		return;
	}
	if (!o) {
		gw_report_unknown(&g->gw, id, kind, (uint32_t)r.last_px, (uint32_t)r.last_qty, ts);
		return;
	}
	uint32_t px = o->px, qty = o->qty;
	uint8_t reason = 0;
	if (kind == EXEC_FILL) {
		qty = (uint32_t)r.last_qty;
		px = (uint32_t)r.last_px;
		o->cum += qty;
		o->leaves = r.leaves_qty < o->qty ? (uint32_t)r.leaves_qty : 0;
		g->st.recovery.replay_fills += replaying(g);
	} else if (kind == EXEC_CANCELED) {
		qty = o->leaves;
		o->leaves = 0;
		reason = o->mass_sent             ? EXEC_REASON_CANCEL_ALL
		         : o->cancel_sent         ? EXEC_REASON_USER_CANCEL
		         : o->tif == EXEC_TIF_IOC ? EXEC_REASON_IOC
		                                  : EXEC_REASON_NONE;
	} else if (kind == EXEC_REJECTED) {
		o->leaves = 0;
		reason = EXEC_REASON_INVALID;
	} else {
		o->acked = true;
	}
	gw_report(&g->gw, o, kind, px, qty, reason, ts);
	if (o->leaves == 0 && kind != EXEC_ACK)
		retire(g, o);
}

/* A Reject (3) or BusinessMessageReject (j) of our OrderMassStatusRequest:
 * the venue does not answer it; reconcile without. */
static void status_refused(struct exec_fix_gw *g, const struct exec_fix_msg *m)
{
	struct exec_fix_str t = { "", 0 };
	if (!g->status_sent || g->status_done || exec_fix_msg_str(m, 372, &t) || t.len != 2 ||
	    memcmp(t.p, "AF", 2))
		return;
	g->status_until_ns = 0;
	note(g, "the venue refused the OrderMassStatusRequest: reconciling without it");
}

static void on_app(struct exec_fix_gw *g, const struct exec_fix_msg *m, uint64_t now)
{
	g->st.recovery.replayed += replaying(g);
	g->gw.venue_seq = m->seq; /* the reports below carry it: the store keeps the highest */
	if (!strcmp(m->type, "8")) {
		on_exec_report(g, m, now);
	} else if (!strcmp(m->type, "9")) {
		/* too late or unknown at the venue: the order keeps whatever state its
		 * own reports give it */
		g->st.cancel_rejects++;
	} else if (!strcmp(m->type, "3")) {
		g->st.rejects_received++;
		note(g, "%s", exec_fix_session_reason(&g->ses));
		status_refused(g, m);
	} else if (!strcmp(m->type, "r")) {
		g->st.mass_cancel_reports++;
	} else {
		if (!strcmp(m->type, "j"))
			status_refused(g, m);
		g->st.other_reports++;
	}
	g->gw.venue_seq = 0;
}

/* Read and handle what the venue sent. */
static void receive(struct exec_fix_gw *g, uint64_t now)
{
	while (gw_q_room(&g->gw) && g->conn.connected && stash_settled(g, now)) {
		/* room for at least a message before reading more */
		if (g->rx_len == FIX_RX_CAP) {
			lost(g, now, "a message larger than the receive buffer");
			return;
		}
		ssize_t k = gw_conn_recv(&g->conn, g->rx + g->rx_len, FIX_RX_CAP - g->rx_len);
		if (k < 0) {
			lost(g, now,
			     k == -ECONNRESET ? "the venue closed the connection"
			                      : "receive failed");
			return;
		}
		if (k == 0)
			return;
		g->rx_len += (uint32_t)k;
		g->st.bytes_in += (uint64_t)k;
		uint32_t off = 0;
		static struct exec_fix_msg msg; /* the gateway's thread only; 3 KiB */
		for (;;) {
			/* the rest waits in rx until reports are taken, or an
			 * adoption has its symbol */
			if (!gw_q_room(&g->gw) || g->have_stash)
				break;
			size_t used = 0;
			int r = exec_fix_session_input(&g->ses, g->rx + off, g->rx_len - off,
			                               wall_now(g, now), &msg, &used);
			off += (uint32_t)used;
			if (r == EXEC_FIX_PARTIAL)
				break;
			if (r == EXEC_FIX_MSG)
				on_app(g, &msg, now);
			if (r == EXEC_FIX_CLOSED || r < 0) {
				flush(g, now);
				lost(g, now, "session closed");
				return;
			}
		}
		memmove(g->rx, g->rx + off, g->rx_len - off);
		g->rx_len -= off;
	}
}

/* ------------------------------------------------------------------------- */
/* The exec_venue ops. */

/* OrderCancelRequest for o: ClOrdID "<order_id>-C<n>", OrigClOrdID its own. */
static int send_cancel(struct exec_fix_gw *g, struct gw_order *o, uint64_t wall)
{
	const char *sym;
	gw_symbol(&g->gw, o->locate, &sym);
	uint32_t sl = GW_SYMBOL;
	while (sl && sym[sl - 1] == ' ')
		sl--;
	char id[48], orig[48];
	int n = snprintf(id, sizeof(id), "%" PRIu64 "-C%" PRIu64, o->order_id, ++g->cancel_n);
	int on = snprintf(orig, sizeof(orig), "%" PRIu64 "-%" PRIu64, o->order_id, o->seq);
	struct exec_fix_order c = {
		.cl_ord_id = { id, (uint32_t)n },
		.orig_cl_ord_id = { orig, (uint32_t)on },
		.symbol = { sym, sl },
		.side = o->side == 'B' ? '1' : '2',
		.qty = o->qty,
		.transact_time_ns = wall,
	};
	int r = exec_fix_session_send_cancel(&g->ses, wall, &c);
	if (r == 0)
		o->cancel_sent = true;
	return r;
}

/* The cancels owed (recovery, adoptions), while the session takes them. */
static void send_due(struct exec_fix_gw *g, uint64_t now)
{
	for (struct gw_order *o = gw_open_first(&g->gw); o && g->gw.ncancel_due;
	     o = gw_open_next(&g->gw, o)) {
		if (!o->cancel_due)
			continue;
		if (send_cancel(g, o, wall_now(g, now)) != 0)
			return; /* busy or down: on a later poll */
		gw_cancel_paid(&g->gw, o);
		g->st.sent++;
	}
}

/*
 * The replay is over (the venue resent what we missed and answered the
 * status request, or did not answer in time): reconcile. An order still open
 * here that the venue's answer does not hold open ended at the venue
 * without our hearing it, or never reached it: closed here with
 * EXEC_REASON_RECOVERY (EXEC_REJECTED if never accepted, else
 * EXEC_CANCELED). Every order open at the venue (restored or adopted) is
 * cancelled: the engine resumes with no order it did not place in this run.
 * Without an answer, accepted orders count as open. False while the report
 * queue has no room (again next poll).
 */
static bool reconcile(struct exec_fix_gw *g, uint64_t now)
{
	struct exec_recovery_stats *rs = &g->st.recovery;
	bool answered = g->status_done;
	for (struct gw_order *o = gw_open_first(&g->gw), *next; o; o = next) {
		next = gw_open_next(&g->gw, o);
		if (answered ? o->at_venue : o->acked) {
			o->mass_sent = true;
			rs->cancelled += gw_owe_cancel(&g->gw, o);
			continue;
		}
		if (!gw_q_room(&g->gw))
			return false;
		gw_close_here(&g->gw, o, o->acked ? EXEC_CANCELED : EXEC_REJECTED, rs);
		retire(g, o);
	}
	gw_recovery_done(rs, now);
	note(g,
	     "recovered from message %" PRIu64 " (%s): %" PRIu64 " replayed (%" PRIu64
	     " fills), %" PRIu64 " restored orders ended by the venue, %" PRIu64
	     " adopted, %" PRIu64 " not open at the venue, %" PRIu64 " cancelled: %" PRIu64
	     " differences",
	     rs->from_seq, answered ? "status answered" : "no status answer", rs->replayed,
	     rs->replay_fills, rs->closed_by_venue, rs->adopted, rs->not_at_venue, rs->cancelled,
	     rs->differences);
	return true;
}

/* While replaying and logged on: once the venue's resend is in, ask for the
 * status of every open order; once answered (or status_timeout_ns passed),
 * reconcile. */
static void recovery_poll(struct exec_fix_gw *g, uint64_t now)
{
	if (!g->replay_until_ns)
		g->replay_until_ns = now + g->replay_timeout_ns;
	if (now >= g->replay_until_ns && !g->have_stash) {
		/* a replay that never ends must not keep the engine HALTED */
		bool resend = exec_fix_session_awaiting_resend(&g->ses);
		char why[200], what[200];
		snprintf(why, sizeof(why),
		         "the replay did not end %" PRIu64 " ms after the logon (%s): reconciling "
		         "with what came",
		         g->replay_timeout_ns / 1000000,
		         resend            ? "the venue's resend was not complete"
		         : !g->status_sent ? "the status request was not sent"
		                           : "no status answer");
		if (reconcile(g, now)) {
			g->st.replay_timeouts++;
			snprintf(what, sizeof(what), "%s", g->st.reason); /* reconcile's account */
			note(g, "%s; %s", why, what);
		}
		return;
	}
	if (g->have_stash || exec_fix_session_awaiting_resend(&g->ses))
		return;
	if (!g->status_sent) {
		int n = snprintf(g->status_id, sizeof(g->status_id), "S%" PRIu64, ++g->status_n);
		struct exec_fix_mass_status q = { .req_id = { g->status_id, (uint32_t)n },
			                          .req_type = '7' };
		if (exec_fix_session_send_mass_status(&g->ses, wall_now(g, now), &q) == 0) {
			g->status_sent = true;
			g->status_until_ns = now + g->status_timeout_ns;
		}
		return;
	}
	if (g->status_done || now >= g->status_until_ns) {
		if (!g->status_done)
			g->st.status_timeouts++;
		(void)reconcile(g, now);
	}
}

static int fix_send(void *ctx, const struct order_msg *m)
{
	struct exec_fix_gw *g = ctx;
	uint64_t now = core_now_ns();
	if (m->kind == ORDER_WATERMARK)
		return 0;
	if (m->kind == ORDER_EOS) {
		g->eos = true;
		g->drain_until_ns = now + g->drain_ns;
		return 0;
	}
	/* risk holds new orders meanwhile; cancels wait here (owed ones go first) */
	if (exec_fix_session_state(&g->ses) != EXEC_FIX_ACTIVE || replaying(g) ||
	    g->gw.ncancel_due)
		return EXEC_VENUE_BUSY;
	uint64_t wall = wall_now(g, now);
	char id[48];
	int r;
	switch (m->kind) {
	case ORDER_NEW: {
		const char *sym;
		if (!gw_symbol(&g->gw, m->locate, &sym)) {
			/* the stage takes orders before market data: wait until the md
			 * stream has passed the event behind the order ('R' comes first) */
			if (g->gw.st.md_in && !g->gw.md_eos && m->seq > g->gw.md_seq)
				return EXEC_VENUE_BUSY;
			/* nothing to name it by: refused here, as the venue would */
			g->st.no_symbol++;
			struct gw_order tmp = { .order_id = m->order_id,
				                .px = m->px,
				                .qty = m->qty,
				                .locate = m->locate,
				                .side = m->side };
			if (!gw_q_room(&g->gw))
				return EXEC_VENUE_BUSY;
			gw_report(&g->gw, &tmp, EXEC_REJECTED, m->px, m->qty, EXEC_REASON_INVALID,
			          0);
			return 0;
		}
		if (g->gw.free_head < 0)
			return EXEC_VENUE_BUSY;
		int n = snprintf(id, sizeof(id), "%" PRIu64 "-%" PRIu64, m->order_id, m->seq);
		uint32_t sl = GW_SYMBOL;
		while (sl && sym[sl - 1] == ' ')
			sl--;
		struct exec_fix_order o = {
			.cl_ord_id = { id, (uint32_t)n },
			.symbol = { sym, sl },
			.side = m->side == 'B' ? '1' : '2',
			.ord_type = '2',
			.tif = m->tif == EXEC_TIF_IOC ? '3' : '0',
			.qty = m->qty,
			.px = m->px,
			.transact_time_ns = wall,
		};
		r = exec_fix_session_send_new_order(&g->ses, wall, &o);
		if (r == 0)
			gw_track(&g->gw, m);
		break;
	}
	case ORDER_CANCEL: {
		struct gw_order *o = gw_find(&g->gw, m->order_id);
		if (!o) {
			g->gw.st.cancel_too_late++;
			return 0; /* ended already: nothing to cancel */
		}
		r = send_cancel(g, o, wall);
		break;
	}
	case ORDER_CANCEL_ALL: {
		int n = snprintf(id, sizeof(id), "M%" PRIu64, ++g->cancel_n);
		struct exec_fix_mass_cancel q = { .cl_ord_id = { id, (uint32_t)n },
			                          .request_type = '7',
			                          .transact_time_ns = wall };
		r = exec_fix_session_send_mass_cancel(&g->ses, wall, &q);
		if (r == 0)
			for (struct gw_order *o = gw_open_first(&g->gw); o;
			     o = gw_open_next(&g->gw, o))
				o->mass_sent = true;
		break;
	}
	default:
		return -EINVAL;
	}
	if (r == EXEC_FIX_BUSY)
		return EXEC_VENUE_BUSY;
	if (r < 0) {
		note(g, "%s", exec_fix_session_reason(&g->ses));
		return r == -ENOTCONN ? EXEC_VENUE_BUSY : r;
	}
	g->st.sent++;
	/* on the wire now: tick-to-wire ends when send(2) returns */
	flush(g, now);
	return 0;
}

static int fix_market(void *ctx, const struct md_event *e)
{
	struct exec_fix_gw *g = ctx;
	gw_market(&g->gw, e);
	return 0;
}

static int fix_poll(void *ctx, struct exec_report *out, uint32_t cap)
{
	struct exec_fix_gw *g = ctx;
	uint64_t now = core_now_ns();
	if (!g->done && gw_conn_poll(&g->conn, now) == 1) {
		g->st.connects++;
		if (exec_fix_session_start(&g->ses, wall_now(g, now)) < 0)
			lost(g, now, "session start");
		flush(g, now);
	}
	if (g->conn.connected && now >= g->next_recv_ns) {
		g->next_recv_ns = now + g->recv_every_ns;
		receive(g, now);
	}
	if (g->conn.connected && exec_fix_session_state(&g->ses) == EXEC_FIX_ACTIVE) {
		if (replaying(g))
			recovery_poll(g, now);
		if (g->gw.ncancel_due)
			send_due(g, now);
	}
	if (g->conn.connected && now >= g->next_tick_ns) {
		g->next_tick_ns = now + 1000000; /* timers: every ms is plenty */
		int r = exec_fix_session_tick(&g->ses, wall_now(g, now));
		if (r == EXEC_FIX_CLOSED || r < 0) {
			flush(g, now);
			lost(g, now, "session timed out");
		}
	}
	/* end of the capture: wait for open orders' reports, then log out */
	if (g->eos && !g->done && g->conn.connected &&
	    exec_fix_session_state(&g->ses) == EXEC_FIX_ACTIVE &&
	    (g->gw.nopen == 0 || now >= g->drain_until_ns)) {
		if (g->gw.nopen)
			g->st.drain_timeouts++;
		exec_fix_session_logout(&g->ses, wall_now(g, now), "end of session");
	}
	if (g->eos && !g->conn.connected && exec_fix_session_state(&g->ses) != EXEC_FIX_ACTIVE &&
	    now >= g->drain_until_ns)
		g->done = true; /* never got (back) up: nothing more will come */
	if (g->conn.connected)
		flush(g, now);
	return (int)gw_pop(&g->gw, out, cap);
}

static enum exec_session fix_session(const void *ctx)
{
	const struct exec_fix_gw *g = ctx;
	if (g->done && g->gw.q_head == g->gw.q_tail)
		return EXEC_SESSION_DONE;
	switch (exec_fix_session_state(&g->ses)) {
	case EXEC_FIX_ACTIVE:
		return replaying(g) ? EXEC_SESSION_CONNECTING : EXEC_SESSION_UP;
	case EXEC_FIX_LOGON_SENT:
	case EXEC_FIX_AWAIT_LOGON:
		return EXEC_SESSION_CONNECTING;
	default:
		return g->conn.fd >= 0 ? EXEC_SESSION_CONNECTING : EXEC_SESSION_DOWN;
	}
}

static void fix_stats(const void *ctx, struct exec_venue_stats *ret)
{
	const struct exec_fix_gw *g = ctx;
	*ret = g->gw.st;
}

static const struct exec_venue_ops fix_ops = {
	.send = fix_send,
	.market = fix_market,
	.poll = fix_poll,
	.session = fix_session,
	.stats = fix_stats,
	.event_time = false,
	.name = "fix",
};

struct exec_venue exec_fix_gw_venue(struct exec_fix_gw *g)
{
	return (struct exec_venue){ .ops = &fix_ops, .ctx = g };
}

/* ------------------------------------------------------------------------- */
/* Setup. */

CORE_COLD int exec_fix_gw_create(const struct exec_fix_gw_config *cfg, struct exec_fix_gw **ret,
                                 char *err, size_t errlen)
{
	if (!cfg || !ret) {
		core_errf(err, errlen, "fix gateway: cfg and ret are required");
		return -EINVAL;
	}
	uint32_t max_orders = cfg->max_orders ? cfg->max_orders : 4096;
	if (max_orders > EXEC_MAX_LIMIT) {
		core_errf(err, errlen, "fix gateway: max_orders above %u", EXEC_MAX_LIMIT);
		return -EINVAL;
	}
	if (cfg->nrestore > max_orders || (cfg->nrestore && !cfg->restore)) {
		core_errf(err, errlen, "fix gateway: %u orders to restore (max_orders %u, restore %s)",
		          cfg->nrestore, max_orders, cfg->restore ? "given" : "NULL");
		return -EINVAL;
	}
	struct exec_fix_gw *g;
	struct core_layout l = core_layout_begin(sizeof(*g));
	struct gw_plan plan;
	gw_plan(&l, max_orders, FIX_Q_CAP, &plan);
	g = core_layout_alloc(&l);
	if (!g) {
		core_errf(err, errlen, "fix gateway: out of memory");
		return -ENOMEM;
	}
	gw_place(&g->gw, g, &plan, max_orders, FIX_Q_CAP);
	int r = gw_conn_init(&g->conn, cfg->connect, cfg->reconnect_ns, err, errlen);
	if (r < 0)
		goto fail;
	if ((r = exec_fix_store_open(&g->store, cfg->store_path, err, errlen)) < 0)
		goto fail;
	g->store_open = true;
	struct exec_fix_session_config sc = { .sender = cfg->sender,
		                              .target = cfg->target,
		                              .initiator = true,
		                              .heartbeat_s = cfg->heartbeat_s,
		                              .reset_on_logon = cfg->reset_on_logon,
		                              .store = &g->store };
	if ((r = exec_fix_session_init(&g->ses, &sc, err, errlen)) < 0)
		goto fail;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	g->wall_off = (int64_t)((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec) -
	              (int64_t)core_now_ns();
	if ((r = core_hist_init(&g->send_ns)) < 0) {
		core_errf(err, errlen, "fix gateway: out of memory");
		goto fail;
	}
	g->drain_ns = cfg->drain_ns ? cfg->drain_ns : 2000000000ull;
	g->recv_every_ns = cfg->recv_every_ns ? cfg->recv_every_ns : 10000;
	g->status_timeout_ns = cfg->status_timeout_ns ? cfg->status_timeout_ns : 2000000000ull;
	g->replay_timeout_ns = cfg->replay_timeout_ns ? cfg->replay_timeout_ns : 10000000000ull;
	if (cfg->recover || cfg->nrestore) {
		/* ask again for what the store may not have kept: the venue resends it */
		uint64_t in = exec_fix_session_next_in(&g->ses);
		if (cfg->seq && cfg->seq < in)
			exec_fix_session_set_next_in(&g->ses, in = cfg->seq);
		g->st.recovery.state = EXEC_RECOVERY_REPLAYING;
		g->st.recovery.from_seq = in;
	}
	for (unsigned i = 0; i < cfg->nrestore; i++) {
		const struct exec_open_order *ro = &cfg->restore[i];
		struct gw_order *o = gw_track(&g->gw, &ro->order); /* room: checked above */
		o->leaves = ro->leaves_qty;
		o->cum = ro->cum_qty;
		o->acked = ro->acked;
		o->restored = true;
	}
	g->st.recovery.restored = cfg->nrestore;
	*ret = g;
	return 0;
fail:
	exec_fix_gw_destroy(g);
	return r;
}

struct exec_fix_gw *exec_fix_gw_destroy(struct exec_fix_gw *g)
{
	if (!g)
		return NULL;
	gw_conn_close(&g->conn, 0, NULL);
	if (g->store_open)
		exec_fix_store_close(&g->store);
	core_hist_fini(&g->send_ns);
	core_free(g);
	return NULL;
}

void exec_fix_gw_stats(const struct exec_fix_gw *g, struct exec_fix_gw_stats *ret)
{
	*ret = g->st;
	ret->state = exec_fix_session_state(&g->ses);
	ret->open_orders = g->gw.nopen;
	ret->unknown_reports = g->gw.unknown_reports;
	ret->session = *exec_fix_session_stats(&g->ses);
	ret->send_count = g->send_ns.total;
	ret->send_p50_ns = core_hist_value_at(&g->send_ns, 50);
	ret->send_p99_ns = core_hist_value_at(&g->send_ns, 99);
	if (!ret->reason[0])
		snprintf(ret->reason, sizeof(ret->reason), "%s", g->conn.why);
}
