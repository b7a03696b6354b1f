/* gw_mt5.c - the MetaTrader 5 order gateway: an exec_venue over the DWX
 * ZeroMQ expert advisor (exec.h, "MetaTrader 5 over ZeroMQ: the order
 * gateway").
 *
 * Every command gets a serial number and a place in a queue of commands
 * awaiting their answer; the EA answers in order, so an answer belongs to the
 * first queued command of its kind, and the ones it passes over lost theirs.
 * The snapshots (GET_OPEN_TRADES) settle what lost answers and the terminal's
 * own doings (a pending order filled or deleted) leave open, judging only the
 * orders whose commands went before the snapshot's.
 */
#define _GNU_SOURCE
#include "gw.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <zmq.h>

#define PEND_CAP   1024u   /* commands awaiting an answer */
#define MAX_TRADES 4096u   /* snapshot entries read */
#define ANSWERS    16      /* answers read per poll */
#define MAGIC_MAX  (1u << 31)
#define PROBE_NS   100000000ull /* snapshots while not up, at most this far apart */
#define CONNECT_TIMEOUT_NS 500000000ull /* while not up: an answer lost as ZeroMQ
                                         * connects the answer socket is asked again soon */
#define SPACING_NS 10000000ull /* while not up: a command at least this long after an answer */
#define COMMENT    "osprey:"

enum pend_kind { P_TRACK, P_OPEN, P_CLOSE, P_TRADES };

struct pend {
	uint8_t kind;
	uint64_t order_id; /* P_OPEN, P_CLOSE (0: a stray's close) */
	uint64_t ticket;   /* P_CLOSE */
	uint64_t serial;
	uint64_t sent_ns;
};

/* What the gateway keeps per order, beside gw's table (same slot). */
struct slot {
	uint64_t ticket;       /* the EA's; 0: not known yet */
	uint64_t open_serial;  /* its TRADE;OPEN */
	uint64_t close_serial; /* its last TRADE;CLOSE (0: none) */
	uint64_t seen;         /* the last snapshot that listed it */
	bool refused;          /* an EXECUTION with no ticket was taken for its answer */
	bool market;           /* sent as a market order (type 0/1): filled on its answer */
};

/* The top of book the md stream last gave a locate (0: none yet). */
struct top {
	uint32_t bid, ask;
};

struct exec_mt5_gw {
	struct gw gw;
	void *zctx, *push, *pull;
	char (*symbols)[EXEC_MT5_TEXT];
	char *track; /* the TRACK_PRICES command */
	int track_len;
	unsigned nsymbols, px_decimals;
	uint32_t lot_units;
	uint64_t trades_every_ns, timeout_ns, drain_ns;
	uint64_t quiet_until_ns; /* not up: no command before (SPACING_NS after an answer) */
	struct slot *slots;
	struct top *tops; /* by locate, 0 .. nsymbols */
	struct exec_mt5_trade *trades;
	struct pend pend[PEND_CAP];
	uint32_t ph, pt; /* the queue: pend[ph % CAP] .. pend[(pt - 1) % CAP] */
	uint64_t serial; /* commands sent */
	uint64_t next_trades_ns;
	bool trades_out;    /* a GET_OPEN_TRADES awaits its answer */
	bool need_track;    /* TRACK_PRICES owed to this session */
	enum exec_session session;
	uint64_t last_new_id;
	bool eos, done;
	uint64_t drain_until_ns;
	int fatal;
	char cmd[1024];
	struct exec_mt5_gw_stats st;
};

static void note(struct exec_mt5_gw *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct exec_mt5_gw *g, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(g->st.reason, sizeof(g->st.reason), fmt, ap);
	va_end(ap);
}

static struct slot *slot_of(struct exec_mt5_gw *g, const struct gw_order *o)
{
	return &g->slots[o - g->gw.orders];
}

/* Hand a command to ZeroMQ and queue it for its answer: 0, EXEC_VENUE_BUSY
 * (no room here or in ZeroMQ, or no EA connected), or -errno (fatal). */
static int command_of(struct exec_mt5_gw *g, const char *cmd, int len, uint8_t kind,
                      uint64_t order_id, uint64_t ticket, uint64_t now)
{
	if (len < 0)
		return -EINVAL; /* checked by the callers: never a bad command here */
	if (g->pt - g->ph == PEND_CAP) {
		g->st.send_busy++;
		return EXEC_VENUE_BUSY;
	}
	if (zmq_send(g->push, cmd, (size_t)len, ZMQ_DONTWAIT) < 0) {
		if (errno == EAGAIN || errno == EINTR) {
			g->st.send_busy++;
			return EXEC_VENUE_BUSY;
		}
		note(g, "ZeroMQ send failed: %s", zmq_strerror(errno));
		return g->fatal = -errno;
	}
	g->pend[g->pt++ % PEND_CAP] =
		(struct pend){ .kind = kind, .order_id = order_id, .ticket = ticket, .serial = ++g->serial,
		               .sent_ns = now };
	g->st.commands++;
	return 0;
}

/* The same for the command built in g->cmd. */
static int command(struct exec_mt5_gw *g, int len, uint8_t kind, uint64_t order_id, uint64_t now)
{
	return command_of(g, g->cmd, len, kind, order_id, 0, now);
}

static void retire(struct exec_mt5_gw *g, struct gw_order *o)
{
	*slot_of(g, o) = (struct slot){ 0 };
	gw_retire(&g->gw, o);
}

static uint8_t cancel_reason(const struct gw_order *o)
{
	return o->mass_sent ? EXEC_REASON_CANCEL_ALL : o->cancel_sent ? EXEC_REASON_USER_CANCEL
	                                                              : EXEC_REASON_NONE;
}

static void fill(struct exec_mt5_gw *g, struct gw_order *o, uint32_t px, uint32_t qty)
{
	if (qty > o->leaves)
		qty = o->leaves;
	o->cum += qty;
	o->leaves -= qty;
	gw_report(&g->gw, o, EXEC_FILL, px, qty, EXEC_REASON_NONE, 0);
}

/* The order ends with what is left of it as kind (CANCELED or REJECTED). */
static void end(struct exec_mt5_gw *g, struct gw_order *o, uint8_t kind, uint8_t reason)
{
	uint32_t qty = o->leaves;
	o->leaves = 0;
	gw_report(&g->gw, o, kind, o->px, qty, reason, 0);
	retire(g, o);
}

static int send_close(struct exec_mt5_gw *g, struct gw_order *o, uint64_t now)
{
	struct slot *s = slot_of(g, o);
	int len = exec_mt5_cmd_close(g->cmd, sizeof(g->cmd), s->ticket,
	                             (uint32_t)(o->order_id % MAGIC_MAX));
	int r = command_of(g, g->cmd, len, P_CLOSE, o->order_id, s->ticket, now);
	if (r == 0) {
		s->close_serial = g->serial;
		o->cancel_sent = true;
		g->st.closes++;
	}
	return r;
}

/* Send the cancels owed for orders whose ticket is known. */
static int flush_cancels(struct exec_mt5_gw *g, uint64_t now)
{
	for (struct gw_order *o = gw_open_first(&g->gw); o && g->gw.ncancel_due;
	     o = gw_open_next(&g->gw, o)) {
		if (!o->cancel_due || !slot_of(g, o)->ticket)
			continue;
		int r = send_close(g, o, now);
		if (r != 0)
			return r;
		gw_cancel_paid(&g->gw, o);
	}
	return 0;
}

/* ------------------------------------------------------------------------- */
/* Answers */

static void on_execution(struct exec_mt5_gw *g, const struct pend *p,
                         const struct exec_mt5_answer *a)
{
	struct gw_order *o = gw_find(&g->gw, p->order_id);
	if (!o) { /* a snapshot ended it first (its answer came late) */
		g->gw.unknown_reports++;
		return;
	}
	if (!a->has_ticket) {
		/* a refusal names no order: if answers were lost before it, it may
		 * be another's, so the next snapshot decides (absent: rejected) */
		g->st.refusals++;
		snprintf(g->st.last_refusal, sizeof(g->st.last_refusal), "order %" PRIu64 ": %s %s",
		         o->order_id, a->response[0] ? a->response : "(no _response)",
		         a->response_value);
		slot_of(g, o)->refused = true;
		return;
	}
	slot_of(g, o)->ticket = a->ticket;
	if (!o->acked) {
		o->acked = true;
		gw_report(&g->gw, o, EXEC_ACK, o->px, o->qty, EXEC_REASON_NONE, 0);
	}
	if (slot_of(g, o)->market) { /* filled whole, a position now */
		uint32_t px = o->px;
		if (!a->has_open_px || !exec_mt5_px(a->open_px_e8, g->px_decimals, &px))
			note(g, "order %" PRIu64 ": no '_open_price' in its execution: filled at its own price",
			     o->order_id);
		fill(g, o, px, o->leaves);
		retire(g, o);
	}
}

static void on_close(struct exec_mt5_gw *g, const struct pend *p, const struct exec_mt5_answer *a)
{
	struct gw_order *o = p->order_id ? gw_find(&g->gw, p->order_id) : NULL;
	if (!o)
		return; /* a stray's close, or an order a snapshot ended */
	if (!strcmp(a->response, "CLOSE_PENDING")) {
		end(g, o, EXEC_CANCELED, cancel_reason(o));
	} else if (!strcmp(a->response, "CLOSE_MARKET")) {
		/* it had filled, and the EA closed the position: both trades, so
		 * positions here stay what they are at the terminal */
		g->st.closed_at_market++;
		note(g, "cancel of order %" PRIu64 " met a filled order: the EA closed its position",
		     o->order_id);
		uint32_t qty = o->leaves, px = o->px, cpx, cqty = qty;
		if (!a->has_close_px || !exec_mt5_px(a->close_px_e8, g->px_decimals, &cpx))
			cpx = px;
		if (a->has_close_lots)
			(void)exec_mt5_qty(a->close_lots_e8, g->lot_units, &cqty);
		fill(g, o, px, qty);
		struct gw_order close = { .locate = o->locate, .side = o->side == 'B' ? 'S' : 'B' };
		retire(g, o);
		g->gw.unknown_reports++;
		gw_report(&g->gw, &close, EXEC_FILL, cpx, cqty, EXEC_REASON_NONE, 0);
	}
	/* NOT_FOUND, or anything else: the next snapshot says */
}

/* The order id of a comment of ours, 0 for any other. */
static uint64_t our_id(const char *comment)
{
	if (strncmp(comment, COMMENT, sizeof(COMMENT) - 1))
		return 0;
	char *end;
	unsigned long long id = strtoull(comment + sizeof(COMMENT) - 1, &end, 10);
	return *end ? 0 : (uint64_t)id;
}

static void on_snapshot(struct exec_mt5_gw *g, const struct pend *p,
                        const struct exec_mt5_answer *a, uint64_t now)
{
	g->st.snapshots++;
	g->st.positions = 0;
	for (uint32_t i = 0; i < a->ntrades; i++) {
		const struct exec_mt5_trade *t = &g->trades[i];
		bool position = t->type == EXEC_MT5_BUY || t->type == EXEC_MT5_SELL;
		g->st.positions += position;
		uint64_t id = our_id(t->comment);
		struct gw_order *o = id ? gw_find(&g->gw, id) : NULL;
		if (!o || slot_of(g, o)->open_serial >= p->serial) {
			if (id && !o && !position) {
				/* pending, ours by its comment, not open here: an earlier run's */
				g->st.strays++;
				int len = exec_mt5_cmd_close(g->cmd, sizeof(g->cmd), t->ticket,
				                             (uint32_t)(id % MAGIC_MAX));
				/* busy: the next snapshot */
				(void)command_of(g, g->cmd, len, P_CLOSE, 0, t->ticket, now);
			}
			continue;
		}
		struct slot *s = slot_of(g, o);
		s->seen = p->serial;
		s->refused = false; /* the refusal was another order's */
		if (!s->ticket)
			s->ticket = t->ticket;
		if (!o->acked) { /* its OPEN's answer was lost */
			o->acked = true;
			gw_report(&g->gw, o, EXEC_ACK, o->px, o->qty, EXEC_REASON_NONE, 0);
		}
		if (!position)
			continue;
		uint32_t px = o->px, qty = o->leaves;
		if (!exec_mt5_px(t->open_px_e8, g->px_decimals, &px))
			px = o->px;
		if (!exec_mt5_qty(t->lots_e8, g->lot_units, &qty))
			qty = o->leaves;
		g->st.snapshot_fills++;
		fill(g, o, px, qty);
		if (o->leaves) /* the terminal filled part: the rest is not there */
			end(g, o, EXEC_CANCELED, EXEC_REASON_NONE);
		else
			retire(g, o);
	}
	/* open here, sent before the snapshot, not in it */
	for (struct gw_order *o = gw_open_first(&g->gw), *nx; o; o = nx) {
		nx = gw_open_next(&g->gw, o);
		struct slot *s = slot_of(g, o);
		if (s->open_serial >= p->serial || s->seen == p->serial)
			continue;
		if (!s->ticket) { /* it never got there: refused, or its command was lost */
			end(g, o, EXEC_REJECTED, s->refused ? EXEC_REASON_INVALID : EXEC_REASON_RECOVERY);
		} else if (s->close_serial && s->close_serial < p->serial) {
			end(g, o, EXEC_CANCELED, cancel_reason(o)); /* our cancel; its answer lost */
		} else {
			g->st.gone++;
			end(g, o, EXEC_CANCELED, EXEC_REASON_NONE);
		}
	}
	if (g->session != EXEC_SESSION_UP && !g->need_track) {
		g->session = EXEC_SESSION_UP;
		note(g, "up: the EA answered a snapshot of %" PRIu32 " open trades", a->ntrades);
	}
}

/* A command passed over by a later answer: its own answer was lost. */
static void lost(struct exec_mt5_gw *g, const struct pend *p)
{
	g->st.lost_answers++;
	if (p->kind == P_TRADES) {
		g->trades_out = false;
		g->next_trades_ns = 0; /* ask again now */
	}
	else if (p->kind == P_TRACK)
		g->need_track = true;
	/* P_OPEN, P_CLOSE: the next snapshot judges the order */
}

static enum exec_mt5_action answer_of(uint8_t kind)
{
	switch (kind) {
	case P_OPEN:
		return EXEC_MT5_EXECUTION;
	case P_CLOSE:
		return EXEC_MT5_CLOSE;
	case P_TRADES:
		return EXEC_MT5_OPEN_TRADES;
	default:
		return EXEC_MT5_TRACK_PRICES;
	}
}

static void on_answer(struct exec_mt5_gw *g, const struct exec_mt5_answer *a, uint64_t now)
{
	uint32_t i = g->ph;
	for (; i != g->pt; i++) {
		const struct pend *p = &g->pend[i % PEND_CAP];
		if (answer_of(p->kind) != a->action)
			continue;
		if (a->action == EXEC_MT5_EXECUTION && a->has_magic &&
		    (uint64_t)a->magic != p->order_id % MAGIC_MAX)
			continue;
		if (a->action == EXEC_MT5_CLOSE && a->has_ticket && a->ticket != p->ticket)
			continue;
		break;
	}
	if (i == g->pt) {
		g->st.unexpected++;
		return;
	}
	for (; g->ph != i; g->ph++)
		lost(g, &g->pend[g->ph % PEND_CAP]);
	struct pend p = g->pend[g->ph++ % PEND_CAP];
	switch (p.kind) {
	case P_OPEN:
		on_execution(g, &p, a);
		break;
	case P_CLOSE:
		on_close(g, &p, a);
		break;
	case P_TRADES:
		g->trades_out = false;
		on_snapshot(g, &p, a, now);
		break;
	default:
		g->need_track = false;
		break;
	}
	if (g->gw.ncancel_due && g->session == EXEC_SESSION_UP)
		(void)flush_cancels(g, now); /* tickets learnt; busy: the next poll */
}

/* Read what the EA has answered, while the report queue has room for the
 * worst one (a snapshot: two reports per open order). */
static void pump(struct exec_mt5_gw *g, uint64_t now)
{
	for (int n = 0; n < ANSWERS; n++) {
		if (g->gw.q_cap - (g->gw.q_tail - g->gw.q_head) < 2 * g->gw.nopen + 2)
			return;
		zmq_msg_t m;
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, g->pull, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&m);
			return;
		}
		g->st.answers++;
		g->quiet_until_ns = now + SPACING_NS;
		if (g->session == EXEC_SESSION_DOWN) {
			g->session = EXEC_SESSION_CONNECTING;
			g->need_track = true;
			note(g, "the EA answers again: reconciling");
		}
		struct exec_mt5_answer a;
		char why[160];
		int r = exec_mt5_answer_parse(zmq_msg_data(&m), zmq_msg_size(&m), &a, g->trades,
		                              MAX_TRADES, why, sizeof(why));
		zmq_msg_close(&m);
		if (r < 0) {
			g->st.bad_answers++;
			snprintf(g->st.last_bad, sizeof(g->st.last_bad), "answer %" PRIu64 ": %s",
			         g->st.answers, why);
			continue;
		}
		on_answer(g, &a, now);
	}
}

/* The EA is gone (why says how we know): DOWN, and every queued command
 * lost (the snapshot after its return judges them). */
static void go_down(struct exec_mt5_gw *g, const char *why)
{
	if (g->session == EXEC_SESSION_UP)
		g->st.timeouts++;
	if (g->session != EXEC_SESSION_DOWN)
		note(g, "down: %s for %" PRIu64 " ms", why, g->timeout_ns / 1000000);
	g->session = EXEC_SESSION_DOWN;
	for (; g->ph != g->pt; g->ph++)
		lost(g, &g->pend[g->ph % PEND_CAP]);
	g->need_track = true;
	g->next_trades_ns = 0; /* the snapshot that brings it up: as soon as it answers */
}

static void check_timeout(struct exec_mt5_gw *g, uint64_t now)
{
	uint64_t limit = g->timeout_ns;
	if (g->session != EXEC_SESSION_UP && limit > CONNECT_TIMEOUT_NS)
		limit = CONNECT_TIMEOUT_NS;
	if (g->ph != g->pt && now - g->pend[g->ph % PEND_CAP].sent_ns >= limit)
		go_down(g, "a command unanswered");
}

/* TRACK_PRICES when owed, and a snapshot every trades_every_ns (also the
 * probe that finds an EA come back). */
static void ask(struct exec_mt5_gw *g, uint64_t now)
{
	/* not up: one command at a time, SPACING_NS after the last answer. The
	 * EA sends its answers without blocking on a socket whose high-water
	 * mark is 1, and ZeroMQ frees that room only when the EA's socket next
	 * looks at its queue: an answer it makes within about a millisecond of
	 * the last is dropped, so TRACK_PRICES then the snapshot, asked back to
	 * back, could lose the snapshot's answer every time and never come up. */
	if (g->session != EXEC_SESSION_UP && (g->ph != g->pt || now < g->quiet_until_ns))
		return;
	if (g->need_track && !g->trades_out) {
		bool queued = false;
		for (uint32_t i = g->ph; i != g->pt; i++)
			queued |= g->pend[i % PEND_CAP].kind == P_TRACK;
		if (!queued && command_of(g, g->track, g->track_len, P_TRACK, 0, 0, now) != 0)
			return;
	}
	if (g->trades_out || now < g->next_trades_ns)
		return;
	if (g->session != EXEC_SESSION_UP && g->ph != g->pt)
		return; /* the TRACK_PRICES just asked first */
	if (command(g, exec_mt5_cmd_open_trades(g->cmd, sizeof(g->cmd)), P_TRADES, 0, now) == 0) {
		g->trades_out = true;
		/* not up yet: the snapshot that brings it up comes sooner */
		uint64_t every = g->trades_every_ns;
		if (g->session != EXEC_SESSION_UP && every > PROBE_NS)
			every = PROBE_NS;
		g->next_trades_ns = now + every;
	} else if (now - g->next_trades_ns >= g->timeout_ns) {
		go_down(g, "no EA taking commands"); /* ZeroMQ has no connection to give it to */
	}
}

/* ------------------------------------------------------------------------- */
/* The exec_venue ops. */

static int send_new(struct exec_mt5_gw *g, const struct order_msg *m, uint64_t now)
{
	if (!m->qty || !m->px || (m->side != 'B' && m->side != 'S') || m->order_id >= MAGIC_MAX)
		return gw_refuse(&g->gw, m, EXEC_REASON_INVALID, &g->st.invalid);
	if (m->order_id <= g->last_new_id)
		return gw_refuse(&g->gw, m, EXEC_REASON_DUPLICATE, &g->st.duplicates);
	if (!m->locate || m->locate > g->nsymbols)
		return gw_refuse(&g->gw, m, EXEC_REASON_INVALID, &g->st.no_symbol);
	if (g->session != EXEC_SESSION_UP || g->gw.free_head < 0) {
		g->st.send_busy++;
		return EXEC_VENUE_BUSY;
	}
	/* marketable at the last top of book: a market order (a pending limit
	 * there is refused by the terminal); with no book yet, IOC is */
	const struct top *t = &g->tops[m->locate];
	bool ioc = m->tif == EXEC_TIF_IOC, known = t->bid && t->ask;
	bool market = known ? (m->side == 'B' ? m->px >= t->ask : m->px <= t->bid) : ioc;
	if (ioc && !market) { /* it would not fill on arrival: its end, here */
		if (g->gw.q_cap - (g->gw.q_tail - g->gw.q_head) < 2)
			return EXEC_VENUE_BUSY;
		struct gw_order tmp = { .order_id = m->order_id, .seq = m->seq, .px = m->px,
			                .qty = m->qty, .leaves = m->qty, .locate = m->locate,
			                .side = m->side, .tif = m->tif };
		gw_report(&g->gw, &tmp, EXEC_ACK, m->px, m->qty, EXEC_REASON_NONE, 0);
		tmp.leaves = 0;
		gw_report(&g->gw, &tmp, EXEC_CANCELED, m->px, m->qty, EXEC_REASON_IOC, 0);
		g->last_new_id = m->order_id;
		g->st.ioc_unfilled++;
		return 0;
	}
	enum exec_mt5_type type = m->side == 'B' ? (market ? EXEC_MT5_BUY : EXEC_MT5_BUY_LIMIT)
	                                         : (market ? EXEC_MT5_SELL : EXEC_MT5_SELL_LIMIT);
	char comment[EXEC_MT5_TEXT];
	snprintf(comment, sizeof(comment), COMMENT "%" PRIu64, m->order_id);
	int len = exec_mt5_cmd_open(g->cmd, sizeof(g->cmd), type, g->symbols[m->locate - 1], m->px,
	                            g->px_decimals, m->qty, g->lot_units, comment,
	                            (uint32_t)m->order_id);
	if (len < 0) /* a quantity that is not a whole number of 10^-8 lots */
		return gw_refuse(&g->gw, m, EXEC_REASON_INVALID, &g->st.invalid);
	int r = command(g, len, P_OPEN, m->order_id, now);
	if (r != 0)
		return r;
	struct gw_order *o = gw_track(&g->gw, m);
	*slot_of(g, o) = (struct slot){ .open_serial = g->serial, .market = market };
	g->last_new_id = m->order_id;
	g->st.opens++;
	return 0;
}

static int send_cancel(struct exec_mt5_gw *g, const struct order_msg *m, uint64_t now)
{
	struct gw_order *o = gw_find(&g->gw, m->order_id);
	if (!o) {
		g->gw.st.cancel_too_late++;
		return 0;
	}
	if (g->session != EXEC_SESSION_UP) {
		g->st.send_busy++;
		return EXEC_VENUE_BUSY;
	}
	if (!slot_of(g, o)->ticket) { /* its OPEN is unanswered: the cancel waits for the ticket */
		gw_owe_cancel(&g->gw, o);
		o->cancel_sent = true;
		return 0;
	}
	return send_close(g, o, now);
}

static int send_cancel_all(struct exec_mt5_gw *g, uint64_t now)
{
	if (g->session != EXEC_SESSION_UP) {
		g->st.send_busy++;
		return EXEC_VENUE_BUSY;
	}
	for (struct gw_order *o = gw_open_first(&g->gw); o; o = gw_open_next(&g->gw, o)) {
		o->mass_sent = true;
		gw_owe_cancel(&g->gw, o);
	}
	int r = flush_cancels(g, now); /* busy: the rest on the next polls */
	return r < 0 ? r : 0;
}

static int mt5_send(void *ctx, const struct order_msg *m)
{
	struct exec_mt5_gw *g = ctx;
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
		return 0;
	default:
		return -EINVAL;
	}
}

static int mt5_market(void *ctx, const struct md_event *e)
{
	struct exec_mt5_gw *g = ctx;
	gw_market(&g->gw, e);
	if (e->kind != MD_EOS && e->locate && e->locate <= g->nsymbols && e->bid_px && e->ask_px)
		g->tops[e->locate] = (struct top){ e->bid_px, e->ask_px };
	return 0;
}

static int mt5_poll(void *ctx, struct exec_report *out, uint32_t cap)
{
	struct exec_mt5_gw *g = ctx;
	uint64_t now = core_now_ns();
	if (!g->done && !g->fatal) {
		pump(g, now);
		check_timeout(g, now);
		ask(g, now);
		if (g->gw.ncancel_due && g->session == EXEC_SESSION_UP)
			(void)flush_cancels(g, now);
		if (g->eos && (g->gw.nopen == 0 || now >= g->drain_until_ns))
			g->done = true;
	}
	uint32_t n = gw_pop(&g->gw, out, cap);
	if (n == 0 && g->fatal)
		return g->fatal;
	return (int)n;
}

static enum exec_session mt5_session(const void *ctx)
{
	const struct exec_mt5_gw *g = ctx;
	if (g->done && g->gw.q_head == g->gw.q_tail)
		return EXEC_SESSION_DONE;
	return g->fatal ? EXEC_SESSION_DOWN : g->session;
}

static void mt5_stats(const void *ctx, struct exec_venue_stats *ret)
{
	const struct exec_mt5_gw *g = ctx;
	*ret = g->gw.st;
	ret->inflight = g->pt - g->ph;
}

static const struct exec_venue_ops mt5_ops = {
	.send = mt5_send,
	.market = mt5_market,
	.poll = mt5_poll,
	.session = mt5_session,
	.stats = mt5_stats,
	.event_time = false,
	.name = "mt5",
};

struct exec_venue exec_mt5_gw_venue(struct exec_mt5_gw *g)
{
	return (struct exec_venue){ .ops = &mt5_ops, .ctx = g };
}

/* ------------------------------------------------------------------------- */
/* Setup. */

static int zsock(struct exec_mt5_gw *g, void **ret, int type, const char *addr, const char *what,
                 char *err, size_t errlen)
{
	int zero = 0, one = 1, ivl_max = 1000;
	void *s = zmq_socket(g->zctx, type);
	if (!s || zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero)) < 0 ||
	    zmq_setsockopt(s, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof(ivl_max)) < 0 ||
	    (type == ZMQ_PUSH && zmq_setsockopt(s, ZMQ_IMMEDIATE, &one, sizeof(one)) < 0) ||
	    zmq_connect(s, addr) < 0) {
		int e = errno;
		core_errf(err, errlen, "mt5 gateway: %s '%s': %s", what, addr, zmq_strerror(e));
		if (s)
			zmq_close(s);
		return -e;
	}
	*ret = s;
	return 0;
}

CORE_COLD int exec_mt5_gw_create(const struct exec_mt5_gw_config *cfg, struct exec_mt5_gw **ret,
                                 char *err, size_t errlen)
{
	if (!cfg || !ret || !cfg->commands || !cfg->answers) {
		core_errf(err, errlen, "mt5 gateway: cfg, ret, commands and answers are required");
		return -EINVAL;
	}
	if (!cfg->symbols || !cfg->nsymbols || cfg->nsymbols >= EXEC_LOCATES) {
		core_errf(err, errlen, "mt5 gateway: %u symbols (1 to %u)", cfg->nsymbols,
		          EXEC_LOCATES - 1);
		return -EINVAL;
	}
	for (unsigned i = 0; i < cfg->nsymbols; i++) {
		const char *s = cfg->symbols[i];
		if (!s || !*s || strlen(s) >= EXEC_MT5_TEXT || strpbrk(s, "; ")) {
			core_errf(err, errlen,
			          "mt5 gateway: symbol %u '%s' is empty, longer than %d bytes or holds "
			          "';' or a space",
			          i + 1, s ? s : "(null)", EXEC_MT5_TEXT - 1);
			return -EINVAL;
		}
	}
	if (cfg->px_decimals > 8) {
		core_errf(err, errlen, "mt5 gateway: px_decimals %u above 8", cfg->px_decimals);
		return -EINVAL;
	}
	uint32_t max_orders = cfg->max_orders ? cfg->max_orders : 4096;
	if (max_orders > EXEC_MAX_LIMIT) {
		core_errf(err, errlen, "mt5 gateway: max_orders above %u", EXEC_MAX_LIMIT);
		return -EINVAL;
	}
	uint32_t q_cap = 2 * max_orders + 64;
	struct exec_mt5_gw *g;
	struct core_layout l = core_layout_begin(sizeof(*g));
	struct gw_plan plan;
	gw_plan(&l, max_orders, q_cap, &plan);
	size_t slots = core_layout_add(&l, max_orders, sizeof(struct slot), CORE_CACHE_LINE);
	size_t tops = core_layout_add(&l, cfg->nsymbols + 1, sizeof(struct top), CORE_CACHE_LINE);
	size_t trades = core_layout_add(&l, MAX_TRADES, sizeof(struct exec_mt5_trade),
	                                CORE_CACHE_LINE);
	size_t syms = core_layout_add(&l, cfg->nsymbols, EXEC_MT5_TEXT, CORE_CACHE_LINE);
	size_t track_cap = (size_t)cfg->nsymbols * EXEC_MT5_TEXT + 16;
	size_t track = core_layout_add(&l, track_cap, 1, CORE_CACHE_LINE);
	g = core_layout_alloc(&l);
	if (!g) {
		core_errf(err, errlen, "mt5 gateway: out of memory");
		return -ENOMEM;
	}
	gw_place(&g->gw, g, &plan, max_orders, q_cap);
	g->slots = core_layout_at(g, slots);
	g->tops = core_layout_at(g, tops);
	g->trades = core_layout_at(g, trades);
	g->symbols = core_layout_at(g, syms);
	for (unsigned i = 0; i < cfg->nsymbols; i++)
		snprintf(g->symbols[i], EXEC_MT5_TEXT, "%s", cfg->symbols[i]);
	g->nsymbols = cfg->nsymbols;
	g->track = core_layout_at(g, track);
	g->track_len = exec_mt5_cmd_track_prices(g->track, track_cap, cfg->symbols, cfg->nsymbols);
	g->px_decimals = cfg->px_decimals ? cfg->px_decimals : 5;
	g->lot_units = cfg->lot_units ? cfg->lot_units : 100000;
	g->trades_every_ns = cfg->trades_every_ns ? cfg->trades_every_ns : 100000000ull;
	g->timeout_ns = cfg->timeout_ns ? cfg->timeout_ns : 3000000000ull;
	g->drain_ns = cfg->drain_ns ? cfg->drain_ns : 2000000000ull;
	g->session = EXEC_SESSION_CONNECTING;
	g->need_track = true;
	int r;
	if (!(g->zctx = zmq_ctx_new())) {
		r = -errno;
		core_errf(err, errlen, "mt5 gateway: zmq_ctx_new: %s", zmq_strerror(errno));
		core_free(g);
		return r;
	}
	if ((r = zsock(g, &g->push, ZMQ_PUSH, cfg->commands, "commands", err, errlen)) < 0 ||
	    (r = zsock(g, &g->pull, ZMQ_PULL, cfg->answers, "answers", err, errlen)) < 0) {
		exec_mt5_gw_destroy(g);
		return r;
	}
	*ret = g;
	return 0;
}

struct exec_mt5_gw *exec_mt5_gw_destroy(struct exec_mt5_gw *g)
{
	if (!g)
		return NULL;
	if (g->push)
		zmq_close(g->push);
	if (g->pull)
		zmq_close(g->pull);
	if (g->zctx)
		zmq_ctx_term(g->zctx);
	core_free(g);
	return NULL;
}

void exec_mt5_gw_stats(const struct exec_mt5_gw *g, struct exec_mt5_gw_stats *ret)
{
	*ret = g->st;
	ret->open_orders = g->gw.nopen;
	ret->unknown_reports = g->gw.unknown_reports;
	ret->cancel_too_late = g->gw.st.cancel_too_late;
}
