/*
 * venue_fix.c - osprey-venue's FIX 4.4 acceptor sessions (exec_fix_session,
 * acceptor side: the session rules are the library's; this file owns the
 * sockets' bytes and the application messages).
 *
 * A connection's first message must be a Logon; its SenderCompID (49) names
 * the peer and is its account (with --users, only those names log on; an
 * unknown or already logged-on CompID is disconnected, as QuickFIX does).
 * Our CompID is --fix-comp. Each peer keeps its sequence numbers in memory
 * across reconnections for the life of the process.
 *
 *   NewOrderSingle D           -> ExecutionReport New (150=0), Trade (F, with
 *                                 32/31), Canceled (4: IOC rest), Rejected (8)
 *   OrderCancelRequest F       -> ExecutionReport Canceled (11 the request's
 *                                 ClOrdID, 41 the order's) or OrderCancelReject 9
 *   OrderCancelReplaceRequest G -> ExecutionReport Replaced (5) or 9
 *   OrderMassCancelRequest q   -> Canceled for each open order of the account,
 *                                 then OrderMassCancelReport r (533 = how many)
 *   OrderMassStatusRequest AF  -> one ExecutionReport 150=I per open order of
 *                                 the account (584 echoed, 911 = how many, 912=Y
 *                                 on the last; with none, one with 911=0)
 * A peer's ResendRequest is answered from the session's journal (the last
 * VENUE_FIX_JOURNAL_MB of reports): a client that restarts gets the
 * ExecutionReports it missed again (PossDupFlag=Y), not a gap fill.
 * At the close, open orders expire (150=C, 39=C). A message that does not
 * decode gets a session-level Reject (exec_fix_session_reject). Reports for a
 * peer that is not logged on wait and go out after its next Logon.
 * TransactTime (60) is today's UTC date at the replay's ITCH time of day.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "venue_int.h"

#define VENUE_FIX_JOURNAL_MB 64 /* per peer: about 300,000 ExecutionReports */

/* Move what the session has written into the connection's send buffer. */
static void take_pending(struct venue_conn *c, struct exec_fix_session *s)
{
	const char *p;
	size_t n;
	while ((n = exec_fix_session_pending(s, &p)) > 0) {
		if (venue_conn_queue(c, p, n) < 0) {
			c->dead = true;
			return;
		}
		exec_fix_session_sent(s, n);
	}
}

static int send_out(struct venue *v, struct venue_fix_peer *p, const struct venue_fix_out *r)
{
	uint64_t now = venue_wall_ns(v);
	struct exec_fix_str cl = { r->cl, (uint32_t)strlen(r->cl) };
	struct exec_fix_str orig = { r->orig, (uint32_t)strlen(r->orig) };
	struct exec_fix_str text = { r->text, (uint32_t)strlen(r->text) };
	char oid[24];
	int on = r->order_id ? snprintf(oid, sizeof(oid), "%" PRIu64, r->order_id)
	                     : snprintf(oid, sizeof(oid), "NONE");
	struct exec_fix_str order_id = { oid, (uint32_t)on };
	if (r->type == '9') {
		struct exec_fix_cancel_reject x = { .order_id = order_id,
			                            .cl_ord_id = cl,
			                            .orig_cl_ord_id = orig,
			                            .text = text,
			                            .ord_status = r->ord_status,
			                            .response_to = r->response_to,
			                            .reason = r->reason };
		return exec_fix_session_send_cancel_reject(p->ses, now, &x);
	}
	if (r->type == 'r') {
		struct exec_fix_mass_cancel_report x = {
			.order_id = { r->mass_id, (uint32_t)strlen(r->mass_id) },
			.cl_ord_id = cl,
			.text = text,
			.request_type = '7',
			.response = r->ord_status,
			.reject_reason = r->reason,
			.total_affected = (int64_t)r->total,
		};
		return exec_fix_session_send_mass_cancel_report(p->ses, now, &x);
	}
	char eid[24];
	int en = snprintf(eid, sizeof(eid), "%" PRIu64, v->exec_no + 1);
	bool status = r->exec_type == 'I';
	struct exec_fix_exec_report x = {
		.order_id = order_id,
		.exec_id = { eid, (uint32_t)en },
		.cl_ord_id = cl,
		.orig_cl_ord_id = orig,
		.symbol = { r->sym, (uint32_t)strlen(r->sym) },
		.text = text,
		.exec_type = r->exec_type,
		.ord_status = r->ord_status,
		.side = r->side,
		.leaves_qty = r->leaves,
		.cum_qty = r->cum,
		.avg_px = r->avg_px,
		.last_qty = r->last_qty,
		.last_px = r->last_px,
		.order_qty = r->order_qty,
		.px = r->px,
		.transact_time_ns = r->transact_ns,
		.mass_status_req_id = { status ? r->mass_id : "", status ? (uint32_t)strlen(r->mass_id) : 0 },
		.tot_num_reports = status ? (int32_t)r->total : 0,
		.last_rpt_requested = status && r->last_rpt,
	};
	int rc = exec_fix_session_send_exec_report(p->ses, now, &x);
	if (rc == 0)
		v->exec_no++; /* ExecIDs count the reports sent (venue_fix_drop_sent too) */
	return rc;
}

/* Send what waits, while the session is logged on and takes it. */
static void drain(struct venue *v, struct venue_fix_peer *p)
{
	if (!p->conn || !p->ses)
		return;
	if (p->q_len && exec_fix_session_state(p->ses) == EXEC_FIX_ACTIVE)
		venue_journal_mark(v); /* what these say rests on market data so far */
	while (p->q_len && exec_fix_session_state(p->ses) == EXEC_FIX_ACTIVE) {
		int r = send_out(v, p, &p->q[p->q_head]);
		if (r == EXEC_FIX_BUSY) {
			take_pending(p->conn, p->ses);
			r = send_out(v, p, &p->q[p->q_head]);
			if (r == EXEC_FIX_BUSY)
				break;
		}
		if (r == -ENOTCONN)
			break;
		if (r < 0)
			venue_log(v, "fix %s: a report could not be encoded (%s): dropped", p->comp,
			          strerror(-r));
		p->q_head = (p->q_head + 1) % p->q_cap;
		p->q_len--;
	}
	take_pending(p->conn, p->ses);
}

void venue_fix_emit(struct venue *v, uint32_t peer, const struct venue_fix_out *r)
{
	struct venue_fix_peer *p = &v->peers[peer];
	if (p->q_len == p->q_cap) { /* a ring: grow and unwrap */
		size_t cap = p->q_cap ? p->q_cap * 2 : 64;
		struct venue_fix_out *q = malloc(cap * sizeof(*q));
		if (!q)
			abort();
		for (size_t i = 0; i < p->q_len; i++)
			q[i] = p->q[(p->q_head + i) % p->q_cap];
		free(p->q);
		p->q = q;
		p->q_cap = cap;
		p->q_head = 0;
	}
	p->q[(p->q_head + p->q_len) % p->q_cap] = *r;
	p->q_len++;
	drain(v, p);
}

/* ------------------------------------------------------------------------- */
/* Application messages */

static void str_copy(char *dst, size_t cap, struct exec_fix_str s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;
	memcpy(dst, s.p, n);
	dst[n] = 0;
}

static void er_reject(struct venue *v, uint32_t peer, const struct venue_order *t, const char *why,
                      const char *text)
{
	struct venue_fix_out r;
	memset(&r, 0, sizeof(r));
	r.type = '8';
	r.exec_type = '8';
	r.ord_status = '8';
	r.side = t->wire_side;
	r.order_qty = t->qty;
	r.px = t->px;
	r.reason = -1;
	r.transact_ns = v->midnight_utc_ns + v->itch_ns;
	snprintf(r.cl, sizeof(r.cl), "%s", t->token);
	snprintf(r.sym, sizeof(r.sym), "%s", t->locate ? v->symbols[t->locate] : "?");
	snprintf(r.text, sizeof(r.text), "%s", text);
	venue_drop_reject(v, t, t->qty, t->px, why);
	venue_fix_emit(v, peer, &r);
}

static void cancel_reject(struct venue *v, uint32_t peer, uint64_t id, char status, const char *cl,
                          const char *orig, char response_to, int reason, const char *text)
{
	struct venue_fix_out r;
	memset(&r, 0, sizeof(r));
	r.type = '9';
	r.order_id = id;
	r.ord_status = status;
	r.response_to = response_to;
	r.reason = reason;
	snprintf(r.cl, sizeof(r.cl), "%s", cl);
	snprintf(r.orig, sizeof(r.orig), "%s", orig);
	snprintf(r.text, sizeof(r.text), "%s", text);
	venue_fix_emit(v, peer, &r);
}

static void session_reject(struct venue *v, struct venue_fix_peer *p,
                           const struct exec_fix_error *e)
{
	v->st.fix_session_rejects++;
	if (v->replaying)
		return; /* sent before the restart (its number is in the store) */
	char t[160];
	exec_fix_error_format(e, t, sizeof(t));
	venue_log(v, "fix %s: session Reject for MsgSeqNum %" PRIu64 " (%s): %s", p->comp, e->seq,
	          e->type, t);
	exec_fix_session_reject(p->ses, venue_wall_ns(v), e);
}

static void on_new(struct venue *v, struct venue_conn *c, struct venue_fix_peer *p,
                   const struct exec_fix_msg *m)
{
	struct exec_fix_order o;
	struct exec_fix_error e;
	if (exec_fix_decode_order(m, &o, &e) < 0) {
		session_reject(v, p, &e);
		return;
	}
	uint32_t peer = (uint32_t)(p - v->peers);
	v->st.orders++;
	if (o.cl_ord_id.len > VENUE_CLORD_MAX) {
		e = (struct exec_fix_error){ .kind = EXEC_FIX_ERR_VALUE, .tag = 11, .seq = m->seq };
		memcpy(e.type, m->type, 3);
		session_reject(v, p, &e);
		return;
	}
	struct venue_order t;
	memset(&t, 0, sizeof(t));
	t.account = p->account;
	t.owner = peer;
	t.proto = VENUE_FIX;
	str_copy(t.token, sizeof(t.token), o.cl_ord_id);
	uint64_t id = 0, seq = 0;
	bool named = exec_fix_clord_parse(t.token, strlen(t.token), &id, &seq);
	venue_w2w(v, named, seq, c->recv_ns);
	t.wire_side = (uint8_t)o.side;
	t.side = o.side == '1' ? 'B' : 'S';
	t.qty = o.qty <= UINT32_MAX ? (uint32_t)o.qty : 0;
	t.px = o.px > 0 && o.px <= UINT32_MAX ? (uint32_t)o.px : 0;
	t.tif = o.tif == '3' ? EXEC_TIF_IOC : EXEC_TIF_DAY;
	t.locate = venue_symbol_locate(v, o.symbol.p, o.symbol.len);
	bool seen;
	venue_token_find(v, p->account, VENUE_FIX, t.token, &seen);
	if (seen) {
		v->st.duplicate_tokens++;
		er_reject(v, peer, &t, "duplicate_token", "duplicate ClOrdID");
		return;
	}
	venue_token_set(v, p->account, VENUE_FIX, t.token, 0);
	if (!venue_market_open(v)) {
		v->st.closed_rejects++;
		er_reject(v, peer, &t, "closed", "market closed");
		return;
	}
	if (!t.locate) {
		v->st.unknown_symbols++;
		/* the report names the symbol as sent */
		struct venue_fix_out r;
		memset(&r, 0, sizeof(r));
		r.type = '8';
		r.exec_type = '8';
		r.ord_status = '8';
		r.side = t.wire_side;
		r.order_qty = t.qty;
		r.px = t.px;
		r.reason = -1;
		r.transact_ns = v->midnight_utc_ns + v->itch_ns;
		snprintf(r.cl, sizeof(r.cl), "%s", t.token);
		str_copy(r.sym, sizeof(r.sym), o.symbol);
		snprintf(r.text, sizeof(r.text), "unknown symbol");
		venue_drop_reject(v, &t, t.qty, t.px, "unknown_symbol");
		venue_fix_emit(v, peer, &r);
		return;
	}
	if (o.side != '1' && o.side != '2' && o.side != '5' && o.side != '6') {
		er_reject(v, peer, &t, "bad_side", "Side must be 1, 2, 5 or 6");
		return;
	}
	if (o.ord_type != '2') {
		er_reject(v, peer, &t, "bad_ord_type", "only limit orders (40=2)");
		return;
	}
	if (o.tif && o.tif != '0' && o.tif != '3') {
		er_reject(v, peer, &t, "bad_tif", "TimeInForce must be 0 (DAY) or 3 (IOC)");
		return;
	}
	if (!t.qty || !t.px) {
		er_reject(v, peer, &t, "invalid", "OrderQty and Price must be positive");
		return;
	}
	long i = venue_order_new(v, p->account, peer, VENUE_FIX);
	if (i < 0) {
		er_reject(v, peer, &t, "venue_full", "out of memory");
		return;
	}
	struct venue_order *vo = &v->orders[i];
	*vo = t;
	vo->open = true;
	vo->leaves = vo->qty;
	venue_token_set(v, p->account, VENUE_FIX, vo->token, (uint32_t)i + 1);
	struct exec_match_order mo = { .order_id = (uint64_t)i + 1,
		                       .account = vo->account,
		                       .px = vo->px,
		                       .qty = vo->qty,
		                       .locate = vo->locate,
		                       .side = vo->side,
		                       .tif = vo->tif };
	v->ctx = (struct venue_ctx){ 0 };
	exec_match_new(v->match, &mo);
}

/* OrdStatus (39) of an order of ours now. */
static char fix_ord_status(const struct venue_order *o)
{
	if (o->open)
		return o->cum ? '1' : '0';
	return o->cum && o->cum >= o->qty ? '2' : '4';
}

/* OrderCancelRequest and OrderCancelReplaceRequest. */
static void on_cancel_replace(struct venue *v, struct venue_fix_peer *p,
                              const struct exec_fix_msg *m, bool replace)
{
	struct exec_fix_order o;
	struct exec_fix_error e;
	if (exec_fix_decode_order(m, &o, &e) < 0) {
		session_reject(v, p, &e);
		return;
	}
	uint32_t peer = (uint32_t)(p - v->peers);
	char cl[VENUE_CLORD_MAX + 1], orig[VENUE_CLORD_MAX + 1];
	str_copy(cl, sizeof(cl), o.cl_ord_id);
	str_copy(orig, sizeof(orig), o.orig_cl_ord_id);
	char resp = replace ? '2' : '1';
	if (o.cl_ord_id.len > VENUE_CLORD_MAX || o.orig_cl_ord_id.len > VENUE_CLORD_MAX) {
		cancel_reject(v, peer, 0, '8', cl, orig, resp, 99, "ClOrdID too long");
		return;
	}
	bool seen, cl_seen;
	uint32_t id = venue_token_find(v, p->account, VENUE_FIX, orig, &seen);
	venue_token_find(v, p->account, VENUE_FIX, cl, &cl_seen);
	struct venue_order *vo = id ? &v->orders[id - 1] : NULL;
	if (cl_seen) {
		v->st.duplicate_tokens++;
		cancel_reject(v, peer, id, vo ? fix_ord_status(vo) : '8', cl, orig, resp, 6,
		              "duplicate ClOrdID");
		return;
	}
	venue_token_set(v, p->account, VENUE_FIX, cl, 0);
	if (!vo || !vo->open) {
		if (replace)
			v->st.replace_unknown++;
		else
			v->st.cancel_unknown++;
		cancel_reject(v, peer, id, vo ? fix_ord_status(vo) : '8', cl, orig, resp,
		              vo ? 0 : 1, vo ? "too late: the order is closed" : "unknown order");
		return;
	}
	if (!venue_market_open(v)) {
		cancel_reject(v, peer, id, fix_ord_status(vo), cl, orig, resp, 99, "market closed");
		return;
	}
	v->ctx = (struct venue_ctx){ .cause = replace ? VENUE_CAUSE_REPLACE : VENUE_CAUSE_USER,
		                     .cl = cl,
		                     .orig = orig };
	int r;
	if (replace) {
		uint32_t qty = o.qty <= UINT32_MAX ? (uint32_t)o.qty : 0;
		uint32_t px = o.px > 0 && o.px <= UINT32_MAX ? (uint32_t)o.px : 0;
		r = (o.ord_type && o.ord_type != '2') || !qty || !px
		            ? EXEC_MATCH_INVALID
		            : exec_match_replace(v->match, vo->account, id, 0, px, qty);
	} else {
		r = exec_match_cancel(v->match, vo->account, id, EXEC_REASON_USER_CANCEL);
	}
	v->ctx = (struct venue_ctx){ 0 };
	if (r != 0)
		cancel_reject(v, peer, id, fix_ord_status(vo), cl, orig, resp, 99,
		              r == EXEC_MATCH_INVALID ? "OrderQty and Price must be positive"
		                                      : "refused by the matching engine");
}

static void on_mass_cancel(struct venue *v, struct venue_fix_peer *p, const struct exec_fix_msg *m)
{
	struct exec_fix_mass_cancel q;
	struct exec_fix_error e;
	if (exec_fix_decode_mass_cancel(m, &q, &e) < 0) {
		session_reject(v, p, &e);
		return;
	}
	struct venue_fix_out r;
	memset(&r, 0, sizeof(r));
	r.type = 'r';
	r.reason = -1;
	str_copy(r.cl, sizeof(r.cl), q.cl_ord_id);
	snprintf(r.mass_id, sizeof(r.mass_id), "MC%" PRIu64, ++v->st.mass_cancels);
	if (q.request_type && q.request_type != '7') {
		r.ord_status = '0'; /* MassCancelResponse 0: rejected */
		r.reason = 0;       /* MassCancelRejectReason 0: not supported */
		snprintf(r.text, sizeof(r.text), "only MassCancelRequestType 7 (all orders)");
	} else {
		r.ord_status = '7';
		r.total = venue_cancel_all(v, p->account, VENUE_CAUSE_MASS);
	}
	venue_fix_emit(v, (uint32_t)(p - v->peers), &r);
}

/* OrderMassStatusRequest: the state of every open order of the account. */
static void on_mass_status(struct venue *v, struct venue_fix_peer *p, const struct exec_fix_msg *m)
{
	struct exec_fix_mass_status q;
	struct exec_fix_error e;
	if (exec_fix_decode_mass_status(m, &q, &e) < 0) {
		session_reject(v, p, &e);
		return;
	}
	uint32_t peer = (uint32_t)(p - v->peers);
	uint64_t total = 0, sent = 0;
	for (size_t i = 0; i < v->norders; i++) {
		const struct venue_order *o = &v->orders[i];
		total += o->open && o->account == p->account && o->proto == VENUE_FIX;
	}
	v->st.fix_mass_status++;
	struct venue_fix_out r;
	memset(&r, 0, sizeof(r));
	r.type = '8';
	r.exec_type = 'I';
	r.reason = -1;
	r.total = total;
	str_copy(r.mass_id, sizeof(r.mass_id), q.req_id);
	if (!total) {
		r.ord_status = '8';
		r.side = '1';
		r.last_rpt = true;
		snprintf(r.sym, sizeof(r.sym), "NONE");
		snprintf(r.text, sizeof(r.text), "no open orders");
		venue_fix_emit(v, peer, &r);
		return;
	}
	for (size_t i = 0; i < v->norders && sent < total; i++) {
		const struct venue_order *o = &v->orders[i];
		if (!o->open || o->account != p->account || o->proto != VENUE_FIX)
			continue;
		struct venue_fix_out s;
		venue_fix_order_report(v, o, i + 1, &s);
		s.exec_type = 'I';
		s.ord_status = fix_ord_status(o);
		s.total = total;
		snprintf(s.mass_id, sizeof(s.mass_id), "%s", r.mass_id);
		s.transact_ns = v->midnight_utc_ns + v->itch_ns;
		s.last_rpt = ++sent == total;
		venue_fix_emit(v, peer, &s);
	}
}

static void on_app(struct venue *v, struct venue_conn *c, struct venue_fix_peer *p,
                   const struct exec_fix_msg *m)
{
	if (!strcmp(m->type, "D")) {
		on_new(v, c, p, m);
	} else if (!strcmp(m->type, "F")) {
		on_cancel_replace(v, p, m, false);
	} else if (!strcmp(m->type, "G")) {
		on_cancel_replace(v, p, m, true);
	} else if (!strcmp(m->type, "q")) {
		on_mass_cancel(v, p, m);
	} else if (!strcmp(m->type, "AF")) {
		on_mass_status(v, p, m);
	} else if (!strcmp(m->type, "3")) {
		v->st.fix_rejects_received++;
		const struct exec_fix_field *f = exec_fix_msg_find(m, 45);
		venue_log(v, "fix %s: the peer rejected our MsgSeqNum %.*s", p->comp,
		          f ? (int)f->len : 1, f ? f->val : "?");
	} else {
		v->st.unsupported++;
		struct exec_fix_error e = { .kind = EXEC_FIX_ERR_VALUE, .tag = 35, .seq = m->seq };
		memcpy(e.type, m->type, 3);
		session_reject(v, p, &e);
	}
}

/* ------------------------------------------------------------------------- */
/* Connections */

long venue_fix_peer(struct venue *v, const char *comp, char *err, size_t errlen)
{
	for (size_t i = 0; i < v->npeers; i++)
		if (!strcmp(v->peers[i].comp, comp))
			return (long)i;
	struct venue_fix_peer *p = venue__grow(v->peers, &v->peers_cap, v->npeers + 1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	v->peers = p;
	struct venue_fix_peer *n = &p[v->npeers];
	memset(n, 0, sizeof(*n));
	n->jfd = -1;
	snprintf(n->comp, sizeof(n->comp), "%s", comp);
	venue_journal_fix_peer(v, comp);
	n->account = venue_account(v, comp);
	n->ses = malloc(sizeof(*n->ses));
	if (!n->ses || exec_fix_journal_init(&n->journal, VENUE_FIX_JOURNAL_MB << 20, 1u << 18) < 0) {
		free(n->ses);
		n->ses = NULL;
		exec_fix_journal_fini(&n->journal);
		return -ENOMEM;
	}
	int r = venue_journal_fix_files(v, n, err, errlen);
	if (r < 0)
		goto fail;
	struct exec_fix_session_config sc = { .sender = v->fix_comp,
		                              .target = comp,
		                              .initiator = false,
		                              .logon_timeout_ms = 10000,
		                              .store = &n->store,
		                              .journal = &n->journal };
	r = exec_fix_session_init(n->ses, &sc, err, errlen);
	if (r < 0)
		goto fail;
	return (long)v->npeers++;
fail:
	free(n->ses);
	n->ses = NULL;
	exec_fix_journal_fini(&n->journal);
	exec_fix_store_close(&n->store);
	if (n->jfd >= 0)
		close(n->jfd);
	return r;
}

/* The first message: a Logon naming the peer. 1: attached, 0: wait for more, <0: closed. */
static int attach(struct venue *v, struct venue_conn *c)
{
	struct exec_fix_msg *m = malloc(sizeof(*m));
	struct exec_fix_error e;
	if (!m) {
		venue_conn_close(v, c, "out of memory");
		return -1;
	}
	int r = exec_fix_parse((const char *)c->rx, c->rx_len, m, &e);
	if (r == EXEC_FIX_PARTIAL) {
		free(m);
		if (c->rx_len > 8192) {
			venue_conn_close(v, c, "no complete FIX message in the first 8 KiB");
			return -1;
		}
		return 0;
	}
	char why[240];
	if (r < 0) {
		char t[160];
		exec_fix_error_format(&e, t, sizeof(t));
		snprintf(why, sizeof(why), "garbled first message: %s", t);
		v->st.fix_garbled++;
		goto fail;
	}
	if (strcmp(m->type, "A")) {
		snprintf(why, sizeof(why), "first message is MsgType %s, not a Logon", m->type);
		goto fail;
	}
	if (m->sender.len == 0 || m->sender.len > VENUE_NAME_MAX) {
		snprintf(why, sizeof(why), "Logon without a usable SenderCompID");
		goto fail;
	}
	char comp[VENUE_NAME_MAX + 1];
	memcpy(comp, m->sender.p, m->sender.len);
	comp[m->sender.len] = 0;
	free(m);
	m = NULL;
	if (venue_user_refused(v, comp)) {
		snprintf(why, sizeof(why), "SenderCompID '%s' is not in --users", comp);
		goto fail;
	}
	char err[160];
	long pi = venue_fix_peer(v, comp, err, sizeof(err));
	if (pi < 0) {
		snprintf(why, sizeof(why), "%s: %s", comp, pi == -ENOMEM ? "out of memory" : err);
		goto fail;
	}
	struct venue_fix_peer *p = &v->peers[pi];
	if (p->conn) {
		snprintf(why, sizeof(why), "'%s' is logged on already (from %s)", comp,
		         p->conn->peer);
		goto fail;
	}
	if (exec_fix_session_start(p->ses, venue_wall_ns(v)) < 0) {
		snprintf(why, sizeof(why), "%s: the session could not start", comp);
		goto fail;
	}
	p->conn = c;
	c->owner = (uint32_t)pi;
	return 1;
fail:
	free(m);
	venue_conn_close(v, c, why);
	return -1;
}

static void closed_by_session(struct venue *v, struct venue_conn *c, struct venue_fix_peer *p)
{
	take_pending(c, p->ses);
	char why[240];
	snprintf(why, sizeof(why), "session over: %s", exec_fix_session_reason(p->ses));
	venue_log(v, "fix %s (%s): %s", p->comp, c->peer, why);
	c->linger = true; /* close once the Logout is out */
}

static void after(struct venue *v, struct venue_conn *c, struct venue_fix_peer *p)
{
	if (!p->counted_logon && exec_fix_session_state(p->ses) == EXEC_FIX_ACTIVE) {
		p->counted_logon = true;
		c->logged_in = true;
		v->logins++;
		v->st.fix_logons++;
		venue_log(v, "fix %s: %s logged on (next in %" PRIu64 ", next out %" PRIu64 ")",
		          c->peer, p->comp, exec_fix_session_next_in(p->ses),
		          exec_fix_session_next_out(p->ses));
	}
	drain(v, p);
}

void venue_fix_input(struct venue *v, struct venue_conn *c)
{
	if (c->owner == UINT32_MAX && attach(v, c) <= 0)
		return;
	struct venue_fix_peer *p = &v->peers[c->owner];
	struct exec_fix_msg *m = malloc(sizeof(*m));
	if (!m) {
		venue_conn_close(v, c, "out of memory");
		return;
	}
	size_t off = 0;
	uint64_t garbled0 = exec_fix_session_stats(p->ses)->garbled;
	while (!c->dead && !c->linger) {
		size_t used = 0;
		int r = exec_fix_session_input(p->ses, (const char *)c->rx + off, c->rx_len - off,
		                               venue_wall_ns(v), m, &used);
		off += used;
		if (r == EXEC_FIX_PARTIAL)
			break;
		if (r == EXEC_FIX_MSG) {
			venue_journal_fix_msg(v, c->owner, m->data, m->len);
			on_app(v, c, p, m);
			after(v, c, p);
		} else if (r == EXEC_FIX_CLOSED) {
			closed_by_session(v, c, p);
		} else if (r < 0) {
			venue_conn_close(v, c, "the session's out buffer is full");
		} else {
			after(v, c, p);
		}
	}
	free(m);
	v->st.fix_garbled += exec_fix_session_stats(p->ses)->garbled - garbled0;
	if (c->dead)
		return;
	memmove(c->rx, c->rx + off, c->rx_len - off);
	c->rx_len -= off;
	take_pending(c, p->ses);
}

void venue_fix_tick(struct venue *v, struct venue_conn *c, uint64_t now)
{
	if (c->owner == UINT32_MAX) {
		if (now - c->opened_ns > v->cfg.client_timeout_ns)
			venue_conn_close(v, c, "no Logon within the timeout");
		return;
	}
	if (c->linger)
		return;
	struct venue_fix_peer *p = &v->peers[c->owner];
	int r = exec_fix_session_tick(p->ses, venue_wall_ns(v));
	if (r == EXEC_FIX_CLOSED) {
		closed_by_session(v, c, p);
		return;
	}
	drain(v, p);
}

void venue_fix_replay(struct venue *v, uint32_t peer, const char *msg, size_t n)
{
	struct exec_fix_msg *m = malloc(sizeof(*m));
	struct exec_fix_error e;
	if (!m)
		abort(); /* out of memory in a tool */
	if (exec_fix_parse(msg, n, m, &e) == 0) {
		struct venue_conn c = { .fd = -1, .proto = VENUE_FIX, .logged_in = true, .owner = peer };
		snprintf(c.peer, sizeof(c.peer), "journal");
		on_app(v, &c, &v->peers[peer], m);
	}
	free(m);
}

uint64_t venue_fix_drop_sent(struct venue *v, struct venue_fix_peer *p)
{
	uint64_t k = p->sent_before < p->q_len ? p->sent_before : p->q_len;
	if (k < p->sent_before)
		venue_log(v,
		          "journal: fix %s: %" PRIu64 " reports were sent before the restart, the "
		          "replay made %zu",
		          p->comp, p->sent_before, p->q_len);
	for (uint64_t i = 0; i < k; i++) {
		if (p->q[p->q_head].type == '8')
			v->exec_no++;
		p->q_head = (p->q_head + 1) % p->q_cap;
		p->q_len--;
	}
	return k;
}

void venue_fix_logout_all(struct venue *v, const char *text)
{
	for (size_t i = 0; i < v->npeers; i++) {
		struct venue_fix_peer *p = &v->peers[i];
		if (!p->conn || exec_fix_session_state(p->ses) != EXEC_FIX_ACTIVE)
			continue;
		drain(v, p);
		if (exec_fix_session_logout(p->ses, venue_wall_ns(v), text) == 0)
			take_pending(p->conn, p->ses);
	}
}

void venue_fix_gone(struct venue *v, struct venue_conn *c)
{
	if (c->owner == UINT32_MAX || c->owner >= v->npeers)
		return;
	struct venue_fix_peer *p = &v->peers[c->owner];
	if (p->conn != c)
		return;
	exec_fix_session_disconnected(p->ses);
	p->conn = NULL;
	bool was_on = p->counted_logon;
	p->counted_logon = false;
	if (was_on && v->cfg.cancel_on_disconnect) {
		venue_journal_cancel_all(v, p->account, VENUE_CAUSE_DISCONNECT);
		unsigned n = venue_cancel_all(v, p->account, VENUE_CAUSE_DISCONNECT);
		if (n)
			venue_log(v, "fix: %s disconnected: %u open orders cancelled", p->comp, n);
	}
}

void venue_fix_fini(struct venue *v)
{
	for (size_t i = 0; i < v->npeers; i++) {
		free(v->peers[i].ses);
		free(v->peers[i].q);
		exec_fix_store_close(&v->peers[i].store);
		exec_fix_journal_fini(&v->peers[i].journal);
		if (v->peers[i].jfd >= 0)
			close(v->peers[i].jfd);
	}
	free(v->peers);
	v->peers = NULL;
}
