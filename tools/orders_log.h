/*
 * orders_log.h - every order event of a run as CSV (osprey-replay --orders):
 *
 *   ts_ns,event,order_id,symbol,side,px,qty,filled_qty,leaves_qty,reason
 *
 * event: new (an order sent), exit (risk's exit order, sent), flatten (the
 * operator's or the end-of-run flatten, sent), ack, fill, cancel, reject
 * (by risk: no order_id, reason its risk_reason name; by the venue: reason
 * "venue:" and the exec_reason), cancel_all (reason: kill or the breaker),
 * mode (a risk mode transition: side and px empty, qty empty, reason
 * "CAUSE:FROM->TO"). px in the instrument's price units; on a fill, px and
 * qty are the fill's, filled_qty the order's cumulative fill and leaves_qty
 * what stays open. Sorted at close by ts_ns (event time), then orders sent,
 * the venue's reports, risk's events, each in the order they came: the same
 * run gives the same file.
 *
 * The same events also go, as they come (not sorted), to a struct
 * orders_recent when one is given: the last ORDERS_RECENT of them, each with
 * a sequence number, for the API's /api/orders?since=N (the metrics thread
 * reads while the aux thread appends; a mutex between them, never a hot
 * thread). With no path, only there.
 *
 * A stage of the aux thread (core_poll_fn): it consumes risk's events ring
 * and exec's persist ring; with a database it forwards each persist record
 * to the writer's ring (it is then the only consumer of exec's, and the
 * writer's producer). It returns CORE_EOF once both inputs have ended (and
 * everything is forwarded). Library-style: it never prints; results are 0 or
 * a negative errno with the reason in err.
 */
#ifndef OSPREY_ORDERS_LOG_H
#define OSPREY_ORDERS_LOG_H

#include "core.h"
#include "feeds.h"

#include <stdio.h>

struct orders_log;

#define ORDERS_RECENT 4096

/* One line of the log, as the API serves it. */
struct orders_event {
	uint64_t seq;      /* 1, 2, ... in the order the log took them */
	uint64_t ts_ns;    /* event time */
	uint64_t order_id; /* 0: none (risk's rejects, mode, cancel_all) */
	uint64_t filled, leaves;
	uint32_t px, qty;
	char event[12];    /* new, exit, flatten, ack, fill, cancel, reject, cancel_all, mode */
	char symbol[9];    /* "" when none */
	char side;         /* 'B', 'S' or 0 */
	char reason[40];
};

struct orders_recent;
/* orders_recent_create / _destroy (accepts NULL): setup and teardown, when no
 * thread uses it. NULL: out of memory. */
struct orders_recent *orders_recent_create(void);
void orders_recent_destroy(struct orders_recent *r);
/* orders_recent_read - copy the events with seq > since, oldest first, at
 * most cap of them; the count. *ret_first: the oldest seq still kept (an
 * event older than that, and newer than since, is gone: the caller missed
 * it); *ret_last: the newest seq so far (0: none). Any thread. */
size_t orders_recent_read(struct orders_recent *r, uint64_t since, struct orders_event *out,
			  size_t cap, uint64_t *ret_first, uint64_t *ret_last);

/* orders_log_open - create path (NULL: no file); risk_events and persist_in
 * are consumed by the log (consumer side), forward (may be NULL) produced.
 * names: the feed's books, for symbols (feeds_books_name: any thread).
 * recent (borrowed; may be NULL): every event also goes there. 0 or -errno. */
int orders_log_open(struct orders_log **ret, const char *path, struct core_ring *risk_events,
		    struct core_ring *persist_in, struct core_ring *forward,
		    const struct feeds_books *names, struct orders_recent *recent, char *err,
		    size_t errlen);
int orders_log_poll(void *ctx, uint32_t *ret_work);
/* orders_log_close - sort the file and close it (after the aux thread is
 * joined); accepts NULL. 0 or -errno (write error, out of memory) with err. */
int orders_log_close(struct orders_log *l, char *err, size_t errlen);
/* orders_log_lines - lines written so far (after the poller stopped). */
uint64_t orders_log_lines(const struct orders_log *l);

#endif /* OSPREY_ORDERS_LOG_H */
