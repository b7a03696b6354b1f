/* gw.h - what the order gateways (venues on a socket: FIX, OUCH) share:
 * the orders they have sent, the instruments' symbols, the queue of reports
 * for the order manager, and a TCP connection. Private to exec. */
#ifndef OSPREY_EXEC_GW_H
#define OSPREY_EXEC_GW_H

#include "exec_int.h"

#include <sys/types.h>

/* An order the gateway sent and has not seen end. */
struct gw_order {
	uint64_t order_id;
	uint64_t seq; /* the md event that triggered it (carried in its id on the wire) */
	uint32_t px, qty, leaves, cum;
	uint16_t locate;
	uint8_t side;
	uint8_t tif;
	bool acked;
	bool cancel_sent; /* an ORDER_CANCEL for it went out */
	bool mass_sent;   /* a cancel-all went out while it was open */
	bool cancel_due;  /* OUCH: a Cancel Order owed to the wire (cancel-all, re-login) */
	bool restored;    /* handed in at create from the store (recovery) */
	bool at_venue;    /* FIX recovery: open in the venue's status answer */
	int32_t next, prev; /* open: the open list (-1 ends it); free: next is the free list */
};

#define GW_SYMBOL 8 /* ITCH / OUCH Stock field width */

struct gw {
	struct gw_order *orders;
	int32_t free_head, open_head; /* a kill's cancels walk the open orders, not the table */
	uint32_t max_orders, nopen;
	struct exec__idmap ids;
	char (*symbols)[GW_SYMBOL]; /* by locate, space padded; all spaces: unknown */
	struct exec_report *q;      /* reports for the order manager, in arrival order */
	uint32_t q_cap, q_head, q_tail;
	uint64_t md_seq;            /* the last md event seen (market()) */
	uint64_t venue_seq;         /* the venue message being read (0: none): its reports carry it */
	bool md_eos;                /* MD_EOS seen: no instrument will be named any more */
	struct exec_venue_stats st;
	uint64_t unknown_reports; /* reports for ids this gateway did not send */
	uint32_t ncancel_due;     /* open orders with cancel_due set */
};

/* Plan the tables in the owner's core_layout; gw_place points them into the
 * allocated block. max_orders open orders, q_cap queued reports. */
struct gw_plan {
	size_t orders, ids, symbols, q;
	uint32_t id_cap;
};
void gw_plan(struct core_layout *l, uint32_t max_orders, uint32_t q_cap, struct gw_plan *ret);
void gw_place(struct gw *g, void *block, const struct gw_plan *p, uint32_t max_orders,
              uint32_t q_cap);

/* An 'R' (stock directory) event names its instrument: learn it. */
void gw_market(struct gw *g, const struct md_event *e);
/* The symbol of locate, space padded to GW_SYMBOL; false when unknown. */
bool gw_symbol(const struct gw *g, uint16_t locate, const char **ret);
/* The locate the md stream gave a symbol (GW_SYMBOL bytes, space padded), or
 * -1 if none yet. A scan of every locate: for recovery, not the hot path. */
long gw_locate_of(const struct gw *g, const char sym[GW_SYMBOL]);

/* Track an order about to be sent; NULL when the table is full. */
struct gw_order *gw_track(struct gw *g, const struct order_msg *m);
struct gw_order *gw_find(struct gw *g, uint64_t order_id);
/* The open orders, most recent first: for (o = gw_open_first(g); o; o = gw_open_next(g, o)).
 * The walk must not retire the order it stands on. */
static inline struct gw_order *gw_open_first(struct gw *g)
{
	return g->open_head < 0 ? NULL : &g->orders[g->open_head];
}
static inline struct gw_order *gw_open_next(struct gw *g, const struct gw_order *o)
{
	return o->next < 0 ? NULL : &g->orders[o->next];
}
/* Forget an order that has ended (filled, cancelled, rejected). */
void gw_retire(struct gw *g, struct gw_order *o);

/* A cancel for o is owed to the wire (cancel-all, re-login, recovery): true
 * if newly owed. The gateway sends the owed ones (o->cancel_due, while
 * g->ncancel_due) and calls gw_cancel_paid for each one sent. */
static inline bool gw_owe_cancel(struct gw *g, struct gw_order *o)
{
	if (o->cancel_due)
		return false;
	o->cancel_due = true;
	g->ncancel_due++;
	return true;
}
static inline void gw_cancel_paid(struct gw *g, struct gw_order *o)
{
	o->cancel_due = false;
	g->ncancel_due--;
}

/* Adopt an order of ours the venue has and this gateway does not (sent just
 * before a crash and never stored, or closed here at a recovery and accepted
 * late): track m as acknowledged and queue its EXEC_ACK with
 * EXEC_REASON_ADOPTED, the order's own md seq (m->seq: the order manager
 * stores the order under it) and venue_seq. NULL when the table is full. */
struct gw_order *gw_adopt(struct gw *g, const struct order_msg *m, uint64_t ts_ns,
                          uint64_t venue_seq);

/* Room for one more report? */
static inline bool gw_q_room(const struct gw *g)
{
	return g->q_tail - g->q_head < g->q_cap;
}
/* Queue a report about o (px/qty as given; leaves and cum from o). */
void gw_report(struct gw *g, const struct gw_order *o, uint8_t kind, uint32_t px, uint32_t qty,
               uint8_t reason, uint64_t ts_ns);
/* A refusal before the wire: an EXEC_REJECTED report of m (reason), counted
 * in *counter; 0 (the message is taken), or EXEC_VENUE_BUSY when the report
 * queue is full (nothing done). */
int gw_refuse(struct gw *g, const struct order_msg *m, uint8_t reason, uint64_t *counter);
/* Queue a report for an id the gateway does not know (forwarded, counted). */
void gw_report_unknown(struct gw *g, uint64_t order_id, uint8_t kind, uint32_t px, uint32_t qty,
                       uint64_t ts_ns);
/* Hand out up to cap queued reports. */
uint32_t gw_pop(struct gw *g, struct exec_report *out, uint32_t cap);

/* Recovery: o, open here, is not open at the venue: closed here (kind
 * EXEC_REJECTED if it never got there, EXEC_CANCELED if it ended unheard)
 * with EXEC_REASON_RECOVERY, counted in rs->not_at_venue; the caller checked
 * gw_q_room and retires it. */
static inline void gw_close_here(struct gw *g, struct gw_order *o, uint8_t kind,
                                 struct exec_recovery_stats *rs)
{
	uint32_t qty = o->leaves;
	o->leaves = 0;
	gw_report(g, o, kind, o->px, qty, EXEC_REASON_RECOVERY, 0);
	rs->not_at_venue++;
	o->restored = false; /* not the venue's doing */
}
/* Recovery: reconciled at now. */
static inline void gw_recovery_done(struct exec_recovery_stats *rs, uint64_t now)
{
	rs->differences = rs->adopted + rs->not_at_venue + rs->unresolved;
	rs->state = EXEC_RECOVERY_DONE;
	rs->done_ns = now;
}

/* ------------------------------------------------------------------------- */
/* A non-blocking TCP connection to "A.B.C.D:PORT". */

struct gw_conn {
	int fd;         /* -1: none */
	bool connected; /* connect finished */
	uint32_t ip;
	uint16_t port;
	uint64_t next_try_ns; /* earliest next connection attempt */
	uint64_t retry_ns;    /* wait between attempts */
	uint64_t connects, failures;
	char why[160]; /* the last failure */
};

/* Parse addr ("A.B.C.D:PORT"); -EINVAL with err. */
int gw_conn_init(struct gw_conn *c, const char *addr, uint64_t retry_ns, char *err, size_t errlen);
/* Drive the connection: start an attempt when due, finish one in progress.
 * Returns 1 when it has just become connected, 0 otherwise (connected or
 * not), negative never: failures are counted, described in why, retried. */
int gw_conn_poll(struct gw_conn *c, uint64_t now_ns);
/* Close it; the next attempt after retry_ns. */
void gw_conn_close(struct gw_conn *c, uint64_t now_ns, const char *why);
/* One send(2) of n bytes: how many went (0..n), or -errno (the link is dead). */
ssize_t gw_conn_send(struct gw_conn *c, const void *buf, size_t n);
/* One recv(2): bytes read (> 0), 0 nothing now, -ECONNRESET the peer closed,
 * or -errno. */
ssize_t gw_conn_recv(struct gw_conn *c, void *buf, size_t cap);

#endif
