/*
 * venue.h - osprey-venue's workings (tools-internal): a paper-trading venue
 * that replays a market-data session and matches orders against it.
 *
 *   session (day file or generated) --feeds_mold_pub--> MoldUDP64 out (+ re-requests)
 *        |  every published packet, in order (on_publish)
 *        v
 *   feeds_books (ITCH -> md events) --> exec_match (one for every account)
 *        ^ orders / cancels / replaces         | acks, fills, cancels, rejects
 *        |                                     v
 *   OUCH 4.2 in SoupBinTCP 3.0 sessions   drop copy (CSV), positions,
 *   FIX 4.4 acceptor sessions             reports back on each session
 *
 * Where things are: venue.c (setup, the market data, the poll loop, the
 * end), venue_orders.c (accounts, orders, the matching engine's events, the
 * drop copy, positions, wire-to-wire, the summary), venue_ouch.c (SoupBinTCP
 * server sessions carrying OUCH 4.2), venue_fix.c (FIX 4.4 acceptor
 * sessions). osprey-venue.c holds main(): flags and printing.
 *
 * One thread does everything: a poll(2) loop over non-blocking sockets. It
 * is not the engine's hot path; it allocates as it goes (orders, the OUCH
 * message logs kept for replay).
 */
#ifndef OSPREY_VENUE_H
#define OSPREY_VENUE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "exec.h"
#include "feeds.h"

struct venue_progress {
	uint64_t published, total; /* md messages published (applied) of the session's */
	uint64_t orders, fills;    /* orders received, fills */
	unsigned logins;           /* order-entry logins so far */
	bool done;                 /* the last call: the loop has ended */
};

struct venue_cfg {
	/* market data: a capture (any format feeds_reader takes), else generated */
	const char *itch;
	struct feeds_gen_cfg gen;
	const char *mold;        /* MoldUDP64 destination "A.B.C.D:PORT"; required */
	const char *serve;       /* re-request server bind (NULL: 0.0.0.0:0) */
	double speed;            /* 0: as fast as possible; 1: real time; N: N times */
	bool spin;               /* poll without sleeping: the loop owns a cpu, a sleeping
				    venue's wake-up is not charged to a client's send(2),
				    and packets leave on time to the ns, not to 50 us */
	char session[11];        /* MoldUDP64 and SoupBinTCP session name ("" : OSPREY0001) */
	uint64_t linger_ns;      /* the publisher serves re-requests this long after the end */
	uint64_t close_grace_ns; /* after the last message is published, orders are still
				    taken this long; then the market closes (open orders
				    expire, new ones are rejected) */
	/* order entry */
	const char *ouch;     /* "A.B.C.D:PORT" (port 0: any; the log says which) or NULL */
	const char *fix;      /* the same for FIX, or NULL */
	const char *fix_comp; /* our CompID (NULL: "EXEC") */
	const char *users;    /* "user:pass,..." (NULL: any login accepted) */
	bool cancel_on_disconnect;
	unsigned wait_logins;       /* publish nothing before this many order-entry logins */
	uint64_t soup_heartbeat_ns; /* 0: 1 s */
	uint64_t client_timeout_ns; /* client silence that closes a session (0: 15 s) */
	uint64_t end_wait_ns;       /* after the publisher is done: wait this long for logouts */
	/* matching */
	uint32_t max_refs;   /* exec_match_config.max_refs (0: its default) */
	uint32_t max_orders; /* open orders at once (0: 65536) */
	enum exec_match_tracking tracking;
	/* output */
	const char *drop_copy; /* CSV path or NULL */
	const char *journal;   /* folder of the journal that survives a SIGKILL
				  (venue_journal.c); NULL: none */
	/* log lines (sessions opened and closed and why, listening addresses);
	 * NULL: none. Called on the loop's thread. */
	void (*log)(void *arg, const char *line);
	void *log_arg;
	/* how far the session has got, at most four times a second and once at
	 * the end (done set); NULL: none. Called on the loop's thread. */
	void (*progress)(void *arg, const struct venue_progress *p);
	void *progress_arg;
};

/* Counters and results, for the summary. */
struct venue_stats {
	uint64_t md_messages, md_published, packets;
	uint64_t ouch_logins, ouch_login_rejects, ouch_sessions_closed, ouch_malformed;
	uint64_t fix_logons, fix_sessions_closed, fix_session_rejects, fix_garbled;
	uint64_t fix_rejects_received; /* session-level Rejects from peers */
	uint64_t fix_mass_status;      /* OrderMassStatusRequests answered */
	uint64_t fix_resend_requests;  /* peers' ResendRequests ... */
	uint64_t fix_resent;           /* ... ExecutionReports (and others) sent again for them */
	uint64_t fix_gap_filled;       /* ... ones the journal no longer held (lost to the peer) */
	uint64_t orders;               /* Enter Orders and NewOrderSingles received */
	uint64_t accepted, rejected, fills, filled_qty, canceled, replaced, expired;
	uint64_t cancel_unknown; /* cancels for tokens / ClOrdIDs not open (ignored or
					 answered with OrderCancelReject) */
	uint64_t replace_unknown, duplicate_tokens, unknown_symbols, closed_rejects;
	uint64_t unsupported;        /* OUCH Modify / Trade Now, other FIX MsgTypes */
	uint64_t disconnect_cancels; /* orders cancelled by --cancel-on-disconnect */
	uint64_t mass_cancels;       /* FIX OrderMassCancelRequests */
	uint64_t w2w_samples, w2w_no_seq, w2w_unknown_seq;
	int64_t w2w_p50, w2w_p99, w2w_p999, w2w_max; /* ns; -1 without samples */
	uint64_t skipped_events; /* capture items that are not ITCH (not published) */
	uint64_t restarts;       /* 1: this run started again from a journal */
	uint64_t journal_errors; /* journal writes that failed */
	bool interrupted;        /* SIGINT / SIGTERM */
};

/* One row of the positions (venue_positions). Money: 1e-4 units. */
struct venue_position {
	char account[33];
	char symbol[9];
	int64_t position;
	uint64_t fills, bought, sold;
	int64_t cash; /* sells minus buys, 1e-4 * shares */
};

struct venue;

/* venue_create - load or generate the session, open the sockets and the
 * drop copy. 0, or -errno with err naming what. */
int venue_create(const struct venue_cfg *cfg, struct venue **ret, char *err, size_t errlen);
/* venue_run - the loop, until the session is over (published, lingered,
 * sessions logged out or end_wait passed) or *stop is set (a signal). 0 or
 * -errno (err says what). */
int venue_run(struct venue *v, volatile sig_atomic_t *stop, char *err, size_t errlen);
void venue_stats(struct venue *v, struct venue_stats *ret);
/* venue_positions - the rows (account, then symbol, ascending); *ret is
 * malloc'd, the caller frees it. Returns the count or -ENOMEM. */
int venue_positions(const struct venue *v, struct venue_position **ret);
/* venue_destroy - close everything; accepts NULL; returns NULL. */
struct venue *venue_destroy(struct venue *v);

#endif
