/*
 * venue_ouch.c - osprey-venue's SoupBinTCP 3.0 server sessions carrying
 * OUCH 4.2 (the framing is core's codec: core_soup_next / core_soup_put_*).
 *
 * Each user (a SoupBinTCP username) has one session for the day: every
 * outbound OUCH message is a Sequenced Data packet numbered from 1 and kept
 * in memory, so a login from sequence number N replays N onward (requested 0:
 * only new messages; above the next number: from the next number). Login
 * Request checked against --users (Login Rejected 'A'), the session name
 * against ours ('S'). A second login of a user takes over from the first
 * connection. Server heartbeat after a second without sending; a client
 * silent for the timeout (15 s) is closed. Unsequenced Data carries Enter
 * Order, Cancel Order and Replace Order; Modify and Trade Now are counted and
 * ignored. A malformed packet closes the session (SoupBinTCP has no reject)
 * and the log says why. At the market's close every user gets System Event
 * 'E', then each connection End of Session 'Z' after its last message.
 *
 * OUCH 4.2 Rejected reasons used: C market closed, S unknown stock, Z shares
 * 0 or above 1,000,000, X price 0 or above 199,999.9999, N minimum quantity
 * (not supported), O other (a token already used today, the engine's own
 * refusals). Canceled reasons: U user, I immediate or cancel, T the day
 * ended, Z the venue's own (cancel on disconnect).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "venue_int.h"

#define OUCH_MAX_SHARES 1000000u
#define OUCH_MAX_PRICE  1999999999u
#define TX_HIGH_WATER   (256 * 1024) /* stop framing replay packets above this */

static long user_add(struct venue *v, const char *name, size_t n, const char *pass)
{
	struct venue_ouch_user *u = venue__grow(v->users, &v->users_cap, v->nusers + 1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	v->users = u;
	long i = (long)v->nusers++;
	memset(&u[i], 0, sizeof(u[i]));
	memcpy(u[i].name, name, n);
	if (pass) {
		snprintf(u[i].pass, sizeof(u[i].pass), "%s", pass);
		u[i].pass_set = true;
	}
	u[i].account = venue_account(v, u[i].name);
	u[i].off = malloc(64 * sizeof(*u[i].off));
	if (!u[i].off)
		return -ENOMEM;
	u[i].off_cap = 64;
	u[i].off[0] = 0;
	return i;
}

static long user_find(const struct venue *v, const char *name)
{
	for (size_t i = 0; i < v->nusers; i++)
		if (!strcmp(v->users[i].name, name))
			return (long)i;
	return -1;
}

bool venue_user_refused(const struct venue *v, const char *name)
{
	return v->users_fixed && user_find(v, name) < 0;
}

int venue_ouch_users(struct venue *v, const char *users, char *err, size_t errlen)
{
	const char *p = users;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		const char *colon = memchr(p, ':', n);
		size_t nl = colon ? (size_t)(colon - p) : n;
		size_t pl = colon ? n - nl - 1 : 0;
		if (nl == 0 || nl > VENUE_NAME_MAX || pl > 10) {
			core_errf(err, errlen,
			          "--users: '%.*s' is not user:password (user 1-%d characters, "
			          "password up to 10)",
			          (int)n, p, VENUE_NAME_MAX);
			return -EINVAL;
		}
		char name[VENUE_NAME_MAX + 1], pass[11];
		memcpy(name, p, nl);
		name[nl] = 0;
		memcpy(pass, colon ? colon + 1 : "", pl);
		pass[pl] = 0;
		if (user_find(v, name) >= 0) {
			core_errf(err, errlen, "--users: '%s' twice", name);
			return -EINVAL;
		}
		if (user_add(v, name, nl, pass) < 0) {
			core_errf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	v->users_fixed = true;
	return 0;
}

void venue_ouch_fini(struct venue *v)
{
	for (size_t i = 0; i < v->nusers; i++) {
		free(v->users[i].log);
		free(v->users[i].off);
	}
	free(v->users);
	v->users = NULL;
}

/* ------------------------------------------------------------------------- */
/* Outbound */

static void user_append(struct venue *v, struct venue_ouch_user *u, const unsigned char *b,
                        size_t n)
{
	(void)v;
	unsigned char *log = venue__grow(u->log, &u->log_cap, u->log_len + n, 1);
	uint32_t *off = venue__grow(u->off, &u->off_cap, (size_t)u->n + 2, sizeof(*off));
	if (!log || !off)
		abort(); /* out of memory in a tool: nothing better to do */
	u->log = log;
	u->off = off;
	memcpy(u->log + u->log_len, b, n);
	u->log_len += n;
	u->n++;
	u->off[u->n] = (uint32_t)u->log_len;
}

void venue_ouch_emit(struct venue *v, uint32_t user, const struct exec_ouch_msg *m)
{
	unsigned char b[EXEC_OUCH_MAX_LEN];
	int n = exec_ouch_encode(b, sizeof(b), m);
	if (n <= 0) {
		venue_log(v, "ouch: could not encode %s for %s (%d): a venue bug",
		          exec_ouch_name(m->kind), v->users[user].name, n);
		return;
	}
	user_append(v, &v->users[user], b, (size_t)n);
}

static void system_event(struct venue *v, struct venue_ouch_user *u, uint8_t code)
{
	struct exec_ouch_msg m;
	memset(&m, 0, sizeof(m));
	m.kind = EXEC_OUCH_SYSTEM_EVENT;
	m.system_event.ts_ns = v->itch_ns;
	m.system_event.event = code;
	venue_ouch_emit(v, (uint32_t)(u - v->users), &m);
}

void venue_ouch_close(struct venue *v)
{
	for (size_t i = 0; i < v->nusers; i++)
		if (v->users[i].n) /* a session that has started */
			system_event(v, &v->users[i], 'E');
}

static int queue_pkt(struct venue_conn *c, uint8_t type, const void *payload, size_t n)
{
	unsigned char b[3 + EXEC_OUCH_MAX_LEN + 64];
	int k = core_soup_put(b, sizeof(b), type, payload, n);
	if (k < 0)
		return k;
	return venue_conn_queue(c, b, (size_t)k);
}

/* Frame what the connection has not been sent yet; Z after the last message
 * once the market has closed. */
static void pump(struct venue *v, struct venue_conn *c)
{
	if (!c->logged_in || c->end_sent || c->owner >= v->nusers)
		return;
	struct venue_ouch_user *u = &v->users[c->owner];
	if (c->next_seq <= u->n)
		venue_journal_mark(v); /* what these say rests on market data so far */
	while (c->next_seq <= u->n && c->tx_len - c->tx_off < TX_HIGH_WATER) {
		uint64_t i = c->next_seq - 1;
		if (queue_pkt(c, 'S', u->log + u->off[i], u->off[i + 1] - u->off[i]) < 0) {
			c->dead = true;
			return;
		}
		c->next_seq++;
	}
	if (c->next_seq > u->n && !venue_market_open(v) && v->phase >= VENUE_CLOSED) {
		if (queue_pkt(c, 'Z', NULL, 0) < 0) {
			c->dead = true;
			return;
		}
		c->end_sent = true;
	}
}

void venue_ouch_tick(struct venue *v, struct venue_conn *c, uint64_t now)
{
	uint64_t timeout = v->cfg.client_timeout_ns;
	if (!c->logged_in) {
		if (!c->linger && now - c->opened_ns > timeout)
			venue_conn_close(v, c, "no Login Request within the timeout");
		return;
	}
	pump(v, c);
	if (now - c->last_rx_ns > timeout) {
		venue_conn_close(v, c, "client silent for the timeout (no heartbeat)");
		return;
	}
	if (now - c->last_tx_ns >= v->cfg.soup_heartbeat_ns && c->tx_len == c->tx_off) {
		if (queue_pkt(c, 'H', NULL, 0) < 0)
			c->dead = true;
	}
}

/* ------------------------------------------------------------------------- */
/* Inbound */

static void refuse_login(struct venue *v, struct venue_conn *c, char code, const char *why)
{
	v->st.ouch_login_rejects++;
	unsigned char b[8];
	int k = core_soup_put_rejected(b, sizeof(b), code);
	if (k > 0)
		venue_conn_queue(c, b, (size_t)k);
	venue_log(v, "ouch %s: login rejected '%c': %s", c->peer, code, why);
	c->linger = true; /* close once the J is out */
}

/* What a login changes: the user (new ones are created), its start of day,
 * the counts. The user's index or -ENOMEM. */
static long login(struct venue *v, const char *name)
{
	long ui = user_find(v, name);
	if (ui < 0 && (ui = user_add(v, name, strlen(name), NULL)) < 0)
		return ui;
	if (v->users[ui].n == 0)
		system_event(v, &v->users[ui], 'S'); /* the session's first message */
	v->logins++;
	v->st.ouch_logins++;
	return ui;
}

void venue_ouch_relogin(struct venue *v, const char *user)
{
	if (login(v, user) < 0)
		abort(); /* out of memory in a tool */
}

static void on_login(struct venue *v, struct venue_conn *c, const struct core_soup_pkt *k)
{
	if (c->logged_in) {
		venue_conn_close(v, c, "a second Login Request on a logged-in session");
		return;
	}
	long ui = user_find(v, k->username);
	if (v->users_fixed) {
		if (ui < 0 || !v->users[ui].pass_set || strcmp(v->users[ui].pass, k->password)) {
			refuse_login(v, c, 'A', "unknown user or wrong password");
			return;
		}
	} else if (!k->username[0]) {
		refuse_login(v, c, 'A', "blank username");
		return;
	}
	if (k->session[0] && strcmp(k->session, v->session)) {
		char why[64];
		snprintf(why, sizeof(why), "session '%s' is not '%s'", k->session, v->session);
		refuse_login(v, c, 'S', why);
		return;
	}
	venue_journal_ouch_login(v, k->username);
	ui = login(v, k->username);
	if (ui < 0) {
		venue_conn_close(v, c, "out of memory");
		return;
	}
	struct venue_ouch_user *u = &v->users[ui];
	if (u->conn && u->conn != c) {
		u->conn->superseded = true;
		venue_conn_close(v, u->conn, "superseded by a new login of the same user");
	}
	uint64_t next = u->n + 1;
	uint64_t start = k->seq == 0 || k->seq > next ? next : k->seq;
	unsigned char b[40];
	int n = core_soup_put_accepted(b, sizeof(b), v->session, start);
	if (n < 0 || venue_conn_queue(c, b, (size_t)n) < 0) {
		venue_conn_close(v, c, "could not queue Login Accepted");
		return;
	}
	c->logged_in = true;
	c->owner = (uint32_t)ui;
	c->next_seq = start;
	u->conn = c;
	venue_log(v,
	          "ouch %s: %s logged in, requested %" PRIu64 ", from %" PRIu64 " (%" PRIu64
	          " messages to replay)",
	          c->peer, u->name, k->seq, start, next - start);
	pump(v, c);
}

static void reject(struct venue *v, struct venue_ouch_user *u, const char tok14[14],
                   const struct venue_order *o, uint8_t code, const char *why)
{
	struct exec_ouch_msg m;
	memset(&m, 0, sizeof(m));
	m.kind = EXEC_OUCH_REJECTED;
	m.rejected.ts_ns = v->itch_ns;
	memcpy(m.rejected.token, tok14, 14);
	m.rejected.reason = code;
	venue_ouch_emit(v, (uint32_t)(u - v->users), &m);
	venue_drop_reject(v, o, o->qty, o->px, why);
}

static void token_str(char *dst, const char tok14[14])
{
	size_t n = exec_ouch_alpha_len(tok14, 14);
	memcpy(dst, tok14, n);
	dst[n] = 0;
}

static void on_enter(struct venue *v, struct venue_conn *c, const struct exec_ouch_enter *e)
{
	struct venue_ouch_user *u = &v->users[c->owner];
	v->st.orders++;
	uint64_t tid = 0, tseq = 0;
	bool named = exec_order_token_get(e->token, &tid, &tseq) == 0;
	venue_w2w(v, named, tseq, c->recv_ns);
	struct venue_order t;
	memset(&t, 0, sizeof(t));
	t.account = u->account;
	t.owner = c->owner;
	t.proto = VENUE_OUCH;
	token_str(t.token, e->token);
	t.wire_side = e->side;
	t.side = e->side == 'B' ? 'B' : 'S'; /* T, E: short sales are sells */
	t.qty = e->shares;
	t.px = e->price;
	t.tif = e->tif == 0 ? EXEC_TIF_IOC : EXEC_TIF_DAY;
	t.locate = venue_symbol_locate(v, e->stock, 8);
	bool seen;
	venue_token_find(v, u->account, VENUE_OUCH, t.token, &seen);
	if (seen) {
		v->st.duplicate_tokens++;
		reject(v, u, e->token, &t, 'O', "duplicate_token");
		return;
	}
	venue_token_set(v, u->account, VENUE_OUCH, t.token, 0);
	if (!venue_market_open(v)) {
		v->st.closed_rejects++;
		reject(v, u, e->token, &t, 'C', "closed");
		return;
	}
	if (!t.locate) {
		v->st.unknown_symbols++;
		reject(v, u, e->token, &t, 'S', "unknown_symbol");
		return;
	}
	if (e->shares == 0 || e->shares > OUCH_MAX_SHARES) {
		reject(v, u, e->token, &t, 'Z', "bad_shares");
		return;
	}
	if (e->price == 0 || e->price > OUCH_MAX_PRICE) {
		reject(v, u, e->token, &t, 'X', "bad_price");
		return;
	}
	if (e->min_qty) {
		reject(v, u, e->token, &t, 'N', "min_qty");
		return;
	}
	long i = venue_order_new(v, u->account, c->owner, VENUE_OUCH);
	if (i < 0) {
		reject(v, u, e->token, &t, 'O', "venue_full");
		return;
	}
	struct venue_order *o = &v->orders[i];
	*o = t;
	memcpy(o->firm, e->firm, 4);
	o->ouch_tif = e->tif;
	o->min_qty = e->min_qty;
	o->display = e->display;
	o->capacity = e->capacity;
	o->iso = e->iso;
	o->cross_type = e->cross_type;
	o->customer_type = e->customer_type;
	o->open = true;
	o->leaves = o->qty;
	venue_token_set(v, u->account, VENUE_OUCH, o->token, (uint32_t)i + 1);
	struct exec_match_order mo = { .order_id = (uint64_t)i + 1,
		                       .account = o->account,
		                       .px = o->px,
		                       .qty = o->qty,
		                       .locate = o->locate,
		                       .side = o->side,
		                       .tif = o->tif };
	v->ctx = (struct venue_ctx){ 0 };
	exec_match_new(v->match, &mo);
}

/* The open order a token names, or NULL. */
static struct venue_order *open_order(struct venue *v, uint32_t account, const char tok14[14],
                                      uint32_t *ret_id)
{
	char tok[VENUE_CLORD_MAX + 1];
	token_str(tok, tok14);
	bool seen;
	uint32_t id = venue_token_find(v, account, VENUE_OUCH, tok, &seen);
	if (!id || !v->orders[id - 1].open)
		return NULL;
	*ret_id = id;
	return &v->orders[id - 1];
}

static void on_cancel(struct venue *v, struct venue_conn *c, const struct exec_ouch_cancel *x)
{
	struct venue_ouch_user *u = &v->users[c->owner];
	uint32_t id;
	struct venue_order *o = open_order(v, u->account, x->token, &id);
	if (!o) {
		v->st.cancel_unknown++; /* OUCH: a cancel for no live order is ignored */
		return;
	}
	if (x->shares >= o->leaves)
		return; /* leaves at most what is left: nothing to take off */
	if (x->shares == 0) {
		v->ctx = (struct venue_ctx){ .cause = VENUE_CAUSE_USER };
		exec_match_cancel(v->match, o->account, id, EXEC_REASON_USER_CANCEL);
	} else {
		v->ctx = (struct venue_ctx){ .cause = VENUE_CAUSE_REDUCE, .old_leaves = o->leaves };
		exec_match_replace(v->match, o->account, id, 0, o->px, o->cum + x->shares);
	}
	v->ctx = (struct venue_ctx){ 0 };
}

static void on_replace(struct venue *v, struct venue_conn *c, const struct exec_ouch_replace *r)
{
	struct venue_ouch_user *u = &v->users[c->owner];
	char newtok[VENUE_CLORD_MAX + 1];
	token_str(newtok, r->replacement);
	uint32_t id;
	struct venue_order *o = open_order(v, u->account, r->existing, &id);
	bool seen;
	venue_token_find(v, u->account, VENUE_OUCH, newtok, &seen);
	if (!o) {
		v->st.replace_unknown++; /* no live order: ignored */
		if (!seen)
			venue_token_set(v, u->account, VENUE_OUCH, newtok, 0);
		return;
	}
	struct venue_order t = *o;
	snprintf(t.token, sizeof(t.token), "%s", newtok);
	t.qty = r->shares;
	t.px = r->price;
	if (seen) {
		v->st.duplicate_tokens++;
		reject(v, u, r->replacement, &t, 'O', "duplicate_token");
		return;
	}
	venue_token_set(v, u->account, VENUE_OUCH, newtok, 0);
	if (!venue_market_open(v)) {
		v->st.closed_rejects++;
		reject(v, u, r->replacement, &t, 'C', "closed");
		return;
	}
	if (r->price == 0 || r->price > OUCH_MAX_PRICE) {
		reject(v, u, r->replacement, &t, 'X', "bad_price");
		return;
	}
	if (r->shares > OUCH_MAX_SHARES) {
		reject(v, u, r->replacement, &t, 'Z', "bad_shares");
		return;
	}
	if (r->min_qty) {
		reject(v, u, r->replacement, &t, 'N', "min_qty");
		return;
	}
	/* The replacement is a new order for `shares` more: the engine counts the
	 * old order's executions in its total. The time in force stays. */
	o->ouch_tif = r->tif;
	o->display = r->display;
	o->iso = r->iso;
	v->ctx = (struct venue_ctx){ .cause = VENUE_CAUSE_REPLACE, .cl = newtok };
	int x = exec_match_replace(v->match, o->account, id, 0, r->price, o->cum + r->shares);
	v->ctx = (struct venue_ctx){ 0 };
	if (x != 0)
		reject(v, u, r->replacement, &t, 'O', "replace_refused");
}

/* An Enter, Cancel or Replace of the connection's user; the rest is counted. */
static void apply(struct venue *v, struct venue_conn *c, int kind, const struct exec_ouch_msg *m)
{
	switch (kind) {
	case EXEC_OUCH_ENTER:
		on_enter(v, c, &m->enter);
		break;
	case EXEC_OUCH_CANCEL:
		on_cancel(v, c, &m->cancel);
		break;
	case EXEC_OUCH_REPLACE:
		on_replace(v, c, &m->replace);
		break;
	default:
		if (v->st.unsupported++ == 0)
			venue_log(v, "ouch %s: %s is not supported here: ignored (counted)",
			          c->peer, exec_ouch_name(kind));
		break;
	}
}

static void on_data(struct venue *v, struct venue_conn *c, const struct core_soup_pkt *k)
{
	struct exec_ouch_msg m;
	char err[160];
	int kind = exec_ouch_decode(k->payload, k->len, EXEC_OUCH_INBOUND, &m, err, sizeof(err));
	if (kind < 0) {
		char why[220];
		v->st.ouch_malformed++;
		snprintf(why, sizeof(why), "malformed OUCH message: %s", err);
		venue_conn_close(v, c, why);
		return;
	}
	if (kind == EXEC_OUCH_ENTER || kind == EXEC_OUCH_CANCEL || kind == EXEC_OUCH_REPLACE)
		venue_journal_ouch_msg(v, c->owner, k->payload, k->len);
	apply(v, c, kind, &m);
}

void venue_ouch_replay(struct venue *v, uint32_t user, const void *msg, size_t n)
{
	struct venue_conn c = { .fd = -1, .proto = VENUE_OUCH, .logged_in = true, .owner = user };
	snprintf(c.peer, sizeof(c.peer), "journal");
	struct exec_ouch_msg m;
	char err[160];
	int kind = exec_ouch_decode(msg, n, EXEC_OUCH_INBOUND, &m, err, sizeof(err));
	if (kind >= 0)
		apply(v, &c, kind, &m);
}

void venue_ouch_input(struct venue *v, struct venue_conn *c)
{
	size_t off = 0;
	while (!c->dead && !c->linger) {
		struct core_soup_pkt k;
		char err[160];
		int r = core_soup_next(c->rx, c->rx_len, &off, CORE_SOUP_FROM_CLIENT, &k, err,
		                       sizeof(err));
		if (r == CORE_EOF || r == CORE_SOUP_PARTIAL)
			break;
		if (r < 0) {
			char why[220];
			v->st.ouch_malformed++;
			snprintf(why, sizeof(why), "malformed SoupBinTCP packet: %s", err);
			venue_conn_close(v, c, why);
			break;
		}
		if (k.type == 'L') {
			on_login(v, c, &k);
			continue;
		}
		if (!c->logged_in) {
			v->st.ouch_malformed++;
			venue_conn_close(v, c, "a packet before the Login Request");
			break;
		}
		switch (k.type) {
		case 'U':
			on_data(v, c, &k);
			break;
		case 'O':
			venue_conn_close(v, c, "logged out");
			break;
		default:
			break; /* R heartbeat, + debug: the arrival is what counts */
		}
	}
	memmove(c->rx, c->rx + off, c->rx_len - off);
	c->rx_len -= off;
	if (!c->dead)
		pump(v, c);
}

void venue_ouch_gone(struct venue *v, struct venue_conn *c)
{
	if (!c->logged_in || c->owner >= v->nusers)
		return;
	struct venue_ouch_user *u = &v->users[c->owner];
	if (u->conn == c)
		u->conn = NULL;
	if (v->cfg.cancel_on_disconnect && !c->superseded) {
		venue_journal_cancel_all(v, u->account, VENUE_CAUSE_DISCONNECT);
		unsigned n = venue_cancel_all(v, u->account, VENUE_CAUSE_DISCONNECT);
		if (n)
			venue_log(v, "ouch: %s disconnected: %u open orders cancelled", u->name, n);
	}
}
