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

/* orders_log_open - create path; risk_events and persist_in are consumed by
 * the log (consumer side), forward (may be NULL) produced. names: the feed's
 * books, for symbols (feeds_books_name: any thread). 0 or -errno. */
int orders_log_open(struct orders_log **ret, const char *path, struct core_ring *risk_events,
		    struct core_ring *persist_in, struct core_ring *forward,
		    const struct feeds_books *names, char *err, size_t errlen);
int orders_log_poll(void *ctx, uint32_t *ret_work);
/* orders_log_close - sort the file and close it (after the aux thread is
 * joined); accepts NULL. 0 or -errno (write error, out of memory) with err. */
int orders_log_close(struct orders_log *l, char *err, size_t errlen);
/* orders_log_lines - lines written so far (after the poller stopped). */
uint64_t orders_log_lines(const struct orders_log *l);

#endif /* OSPREY_ORDERS_LOG_H */
