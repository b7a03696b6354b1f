/*
 * venue_int.h - what the parts of osprey-venue share (venue.c, venue_orders.c,
 * venue_ouch.c, venue_fix.c): the venue struct, connections, accounts and
 * orders, and the calls between the parts. See venue.h for the picture.
 */
#ifndef OSPREY_VENUE_INT_H
#define OSPREY_VENUE_INT_H

#include <stdarg.h>

#include "venue.h"

#define VENUE_NAME_MAX  32 /* account names: SoupBinTCP usernames (6), FIX CompIDs (32) */
#define VENUE_CLORD_MAX 40 /* FIX ClOrdIDs we keep (longer ones are rejected) */

enum venue_proto {
	VENUE_OUCH = 1,
	VENUE_FIX = 2,
};

/* Why a cancel happened, beyond what the matching engine knows. */
enum venue_cause {
	VENUE_CAUSE_NONE = 0,
	VENUE_CAUSE_USER = 1,       /* OUCH Cancel, FIX OrderCancelRequest */
	VENUE_CAUSE_REDUCE = 2,     /* OUCH Cancel with shares > 0 (a replace in the engine) */
	VENUE_CAUSE_REPLACE = 3,    /* OUCH Replace, FIX OrderCancelReplaceRequest */
	VENUE_CAUSE_MASS = 4,       /* FIX OrderMassCancelRequest */
	VENUE_CAUSE_DISCONNECT = 5, /* --cancel-on-disconnect */
	VENUE_CAUSE_CLOSE = 6,      /* the market closed: open orders expire */
};

/* One TCP connection of either protocol. */
struct venue_conn {
	int fd;
	uint8_t proto;
	bool logged_in;
	bool dead;         /* close at the end of this loop turn */
	bool end_sent;     /* OUCH: End of Session (Z) written */
	bool linger;       /* close once the queued bytes are out (a login refused) */
	bool superseded;   /* a new login of the same user took over: no cancel on disconnect */
	uint32_t owner;    /* OUCH user or FIX peer index; UINT32_MAX before login */
	uint64_t next_seq; /* OUCH: the next sequenced message to write */
	uint64_t opened_ns, last_rx_ns, last_tx_ns, recv_ns;
	char peer[32];
	unsigned char *rx;
	size_t rx_len, rx_cap;
	unsigned char *tx;
	size_t tx_off, tx_len, tx_cap;
};

/* An OUCH user: its account and every sequenced message of its session,
 * kept so a re-login from any number replays from there. */
struct venue_ouch_user {
	char name[VENUE_NAME_MAX + 1]; /* a SoupBinTCP login is 6 at most; FIX CompIDs longer */
	char pass[11];
	bool pass_set;
	uint32_t account;
	struct venue_conn *conn;
	unsigned char *log; /* the messages back to back */
	size_t log_len, log_cap;
	uint32_t *off; /* message i (0-based) starts at log + off[i]; off[n] = log_len */
	uint64_t n;
	size_t off_cap;
};

/* A FIX report waiting for room in its session (or for the peer to log on). */
struct venue_fix_out {
	char type; /* '8' ExecutionReport, '9' OrderCancelReject, 'r' OrderMassCancelReport */
	char exec_type, ord_status, side, response_to;
	int32_t reason; /* 9: CxlRejReason; r: -1 */
	uint64_t order_id, leaves, cum, last_qty, order_qty, total;
	int64_t last_px, px, avg_px;
	uint64_t transact_ns;
	char sym[24];
	char cl[VENUE_CLORD_MAX + 1], orig[VENUE_CLORD_MAX + 1];
	char text[64];
	char mass_id[24]; /* r: its OrderID (37); 8 with 150=I: the MassStatusReqID (584) */
	bool last_rpt;    /* 8 with 150=I: 912=Y */
};

/* The fields every ExecutionReport about order o (venue id `id`) carries:
 * side, symbol, quantities, prices, ClOrdID (type '8'; the caller sets the
 * rest: ExecType, OrdStatus, TransactTime...). */
struct venue;
struct venue_order;
void venue_fix_order_report(const struct venue *v, const struct venue_order *o, uint64_t id,
                            struct venue_fix_out *r);

struct venue_fix_peer {
	char comp[VENUE_NAME_MAX + 1];
	uint32_t account;
	struct venue_conn *conn;
	struct exec_fix_store store; /* in memory: the numbers go on across reconnections */
	struct exec_fix_journal journal; /* what we sent, for the peer's ResendRequests */
	struct exec_fix_session *ses;
	struct venue_fix_out *q;
	size_t q_head, q_len, q_cap;
	bool counted_logon;
	int jfd;              /* --journal: DIR/fix-COMP.out, the resend journal's file; -1 */
	uint64_t sent_before; /* reports the file held at the start (sent before a restart) */
};

struct venue_account {
	char name[VENUE_NAME_MAX + 1];
};

/* One order of ours (a venue order id is its index + 1, the engine's order_id). */
struct venue_order {
	uint32_t account;
	uint32_t owner; /* OUCH user or FIX peer index */
	uint8_t proto;
	uint8_t side;      /* 'B' or 'S' (matching) */
	uint8_t wire_side; /* OUCH B S T E; FIX '1' '2' '5' '6' */
	uint8_t tif;       /* enum exec_tif */
	bool open;
	uint16_t locate;
	uint32_t px, qty, leaves, cum;
	int64_t notional;                /* sum of fill px * qty */
	char token[VENUE_CLORD_MAX + 1]; /* OUCH token (trimmed) or FIX ClOrdID, current */
	/* OUCH fields echoed in Accepted / Replaced */
	char firm[4];
	uint32_t ouch_tif, min_qty;
	uint8_t display, capacity, iso, cross_type, customer_type;
};

/* What the request being handled asked, for the reports the engine emits
 * during the call (the sink cannot call back into it). */
struct venue_ctx {
	enum venue_cause cause;
	const char *cl;   /* FIX: the request's ClOrdID; OUCH replace: the new token */
	const char *orig; /* FIX: OrigClOrdID */
	uint32_t old_leaves;
	uint64_t affected;
};

struct venue_map; /* string-keyed hash (venue_orders.c) */

enum venue_phase {
	VENUE_WAITING = 0, /* for --wait-logins */
	VENUE_PUBLISHING = 1,
	VENUE_CLOSED = 2, /* every message out and the grace passed: market closed */
	VENUE_ENDING = 3, /* publisher done: waiting for logouts */
	VENUE_FINAL = 4,  /* FIX sessions logged out, the rest closing (a second at most) */
	VENUE_DONE = 5,
};

struct venue {
	struct venue_cfg cfg;
	char session[11];
	char fix_comp[VENUE_NAME_MAX + 1];
	uint64_t wall_off_ns; /* wall clock = core_now_ns() + wall_off_ns */
	uint64_t midnight_utc_ns;
	enum venue_phase phase;
	uint64_t phase_ns;

	/* market data */
	unsigned char *msgs; /* the session as a day file */
	size_t msgs_len, msgs_off;
	uint64_t nmsgs, applied; /* messages; applied to the engine (= highest seq) */
	uint64_t itch_ns;        /* ITCH time of the last applied message */
	uint64_t last_pub_ns;
	uint64_t *pkt_seq, *pkt_ns; /* per published packet: first seq, send time */
	size_t npkts, pkts_cap;
	char (*symbols)[9]; /* locate -> symbol (trimmed), from the R messages */
	struct feeds_books *books;
	struct feeds_mold_pub *pub;
	struct exec_match *match;

	/* order entry */
	int ouch_fd, fix_fd;
	uint16_t ouch_port, fix_port;
	struct venue_conn **conns;
	size_t nconns, conns_cap;
	struct venue_ouch_user *users;
	size_t nusers, users_cap;
	bool users_fixed; /* --users given: only those log in */
	struct venue_fix_peer *peers;
	size_t npeers, peers_cap;
	unsigned logins; /* OUCH logins + FIX logons, ever */

	/* accounts, orders, positions */
	struct venue_account *accounts;
	size_t naccounts, accounts_cap;
	struct venue_order *orders;
	size_t norders, orders_cap;
	struct venue_map *names; /* symbol, account, token and ClOrdID lookups */
	struct venue_pos_row *pos;
	size_t npos, pos_cap;
	struct venue_ctx ctx;
	uint64_t match_no, exec_no;
	struct core_hist w2w;
	FILE *drop;
	struct venue_stats st;

	/* --journal (venue_journal.c) */
	int jfd;                 /* DIR/inputs, or -1 */
	bool replaying;          /* rebuilding from it: nothing goes to a socket */
	uint64_t replay_wall_ns; /* venue_wall_ns() meanwhile: the record's time */
	uint64_t jmark;          /* market data the journal has reached */
};

/* venue.c */
__attribute__((format(printf, 2, 3))) void venue_log(struct venue *v, const char *fmt, ...);
uint64_t venue_wall_ns(const struct venue *v);
void venue_conn_close(struct venue *v, struct venue_conn *c, const char *why);
/* Queue bytes on a connection (sent by the loop); -ENOMEM. */
int venue_conn_queue(struct venue_conn *c, const void *p, size_t n);
bool venue_market_open(const struct venue *v);
/* Apply market-data message seq (= applied + 1) to the books and the
 * matching engine; sent_ns is its publication time. */
void venue_apply_md(struct venue *v, uint64_t seq, uint64_t sent_ns);
/* The market closes: open orders expire, new ones are refused. */
void venue_close_market(struct venue *v, const char *why);
/* p (an array of *cap elements of size bytes) with room for need, doubling;
 * *cap updated. NULL when out of memory (p is then still valid, unchanged). */
void *venue__grow(void *p, size_t *cap, size_t need, size_t size);

/* venue_orders.c */
int venue_orders_init(struct venue *v, char *err, size_t errlen);
void venue_orders_fini(struct venue *v);
/* Account index of a name (created when new). */
uint32_t venue_account(struct venue *v, const char *name);
/* Symbol -> locate (0: unknown). */
uint16_t venue_symbol_locate(struct venue *v, const char *sym, size_t len);
void venue_symbol_add(struct venue *v, uint16_t locate, const char *sym8);
/* Token / ClOrdID -> order index + 1 (0: never seen); *ret_seen: used today. */
uint32_t venue_token_find(struct venue *v, uint32_t account, uint8_t proto, const char *tok,
                          bool *ret_seen);
void venue_token_set(struct venue *v, uint32_t account, uint8_t proto, const char *tok,
                     uint32_t order_plus1);
/* A new order record (zeroed but for account, owner, proto); index or -ENOMEM. */
long venue_order_new(struct venue *v, uint32_t account, uint32_t owner, uint8_t proto);
/* The sink of exec_match. */
void venue_on_match(void *ctx, const struct exec_match_event *ev);
/* A drop-copy row for something the venue refused itself (no engine event). */
void venue_drop_reject(struct venue *v, const struct venue_order *o, uint32_t qty, uint32_t px,
                       const char *reason);
/* Wire-to-wire for an order naming md seq `seq`, arrived at recv_ns. */
void venue_w2w(struct venue *v, bool has_seq, uint64_t seq, uint64_t recv_ns);
/* Cancel every open order of account (or all: EXEC_MATCH_ALL_ACCOUNTS). */
unsigned venue_cancel_all(struct venue *v, uint32_t account, enum venue_cause cause);

/* venue_ouch.c */
/* --users given and name not in it (any name is allowed without --users). */
bool venue_user_refused(const struct venue *v, const char *name);
int venue_ouch_users(struct venue *v, const char *users, char *err, size_t errlen);
void venue_ouch_input(struct venue *v, struct venue_conn *c);
void venue_ouch_tick(struct venue *v, struct venue_conn *c, uint64_t now);
/* Append one outbound OUCH message to a user's session. */
void venue_ouch_emit(struct venue *v, uint32_t user, const struct exec_ouch_msg *m);
/* The market closed: System Event 'E' to every user. */
void venue_ouch_close(struct venue *v);
void venue_ouch_gone(struct venue *v, struct venue_conn *c);
void venue_ouch_fini(struct venue *v);
/* The journal's replay: a login's effects (the user, its start of day), and
 * an Enter / Cancel / Replace of user as if it had arrived now. */
void venue_ouch_relogin(struct venue *v, const char *user);
void venue_ouch_replay(struct venue *v, uint32_t user, const void *msg, size_t n);

/* venue_fix.c */
void venue_fix_input(struct venue *v, struct venue_conn *c);
void venue_fix_tick(struct venue *v, struct venue_conn *c, uint64_t now);
void venue_fix_emit(struct venue *v, uint32_t peer, const struct venue_fix_out *r);
void venue_fix_logout_all(struct venue *v, const char *text);
void venue_fix_gone(struct venue *v, struct venue_conn *c);
void venue_fix_fini(struct venue *v);
/* The peer named comp (created when new: its account, session and files);
 * its index or -errno (err says what). */
long venue_fix_peer(struct venue *v, const char *comp, char *err, size_t errlen);
/* The journal's replay: application message msg[0, n) of peer. */
void venue_fix_replay(struct venue *v, uint32_t peer, const char *msg, size_t n);
/* After the replay: drop the reports p had sent before (the first
 * p->sent_before waiting); returns how many. */
uint64_t venue_fix_drop_sent(struct venue *v, struct venue_fix_peer *p);

/* venue_journal.c (--journal; every call does nothing without one or while
 * replaying) */
/* Open DIR, replay what it holds (or start it). 0 or -errno, err says what. */
int venue_journal_open(struct venue *v, char *err, size_t errlen);
void venue_journal_fini(struct venue *v);
/* An input, written before it is acted on. */
void venue_journal_ouch_login(struct venue *v, const char *user);
void venue_journal_ouch_msg(struct venue *v, uint32_t user, const void *p, size_t n);
void venue_journal_fix_peer(struct venue *v, const char *comp);
void venue_journal_fix_msg(struct venue *v, uint32_t peer, const void *p, size_t n);
void venue_journal_cancel_all(struct venue *v, uint32_t account, enum venue_cause cause);
void venue_journal_close(struct venue *v);
/* Before a report leaves for a socket: how far market data has gone. */
void venue_journal_mark(struct venue *v);
/* A new FIX peer's store and resend journal: in DIR with a journal, else in
 * memory. 0 or -errno, err says what. */
int venue_journal_fix_files(struct venue *v, struct venue_fix_peer *p, char *err, size_t errlen);

#endif
