/*
 * api.h - the engine's read-only JSON API, served beside /metrics by the
 * metrics thread ([metrics] listen; tools-internal):
 *
 *   /api/status     mode, kill switch, venue session, counts, P&L, risk's
 *                   money view, recovery, failure
 *   /api/positions  shares and realized P&L by symbol (the first 64 instruments)
 *   /api/latency    every stage's, tick-to-order's and tick-to-wire's totals so
 *                   far: count, p50, p90, p99, p999, max in ns (the keys of
 *                   --json's latency_ns)
 *   /api/health     each component: the feed, the venue session, persistence,
 *                   each hot stage's last work; "ok", "degraded" or "failed"
 *                   with why, and "ok" overall only when all are
 *   /api/orders?since=N  the order events after seq N (orders_log.h: new,
 *                   ack, fill, cancel, reject, ...; at most 1000 an answer,
 *                   of the last 4096 kept): "next" is the seq to ask after
 *                   next time, "missed" counts those no longer kept
 *   /api/alerts     the last 32 events of the log and alerts, newest first
 *   /api/dashboard?since=N  all of the above in one object (what the
 *                   dashboard's event stream sends)
 *
 * Every answer is built from what the threads already publish (the engine's
 * gauges, risk's control words, telemetry's totals): nothing here waits for
 * a hot thread. Times are seconds; money is decimal with four places.
 *
 * Memory: api_render returns a malloc'd buffer the caller frees. Thread: the
 * metrics thread (any thread but a hot one). Results: the body's length and
 * *ret (the caller frees), or -ENOENT for a path that is not one of the
 * above, or -ENOMEM.
 */
#ifndef OSPREY_API_H
#define OSPREY_API_H

#include <stdint.h>
#include <sys/types.h>

struct engine;

/* since: /api/orders' and /api/dashboard's (0: from the oldest kept);
 * *ret_next (may be NULL): the since to ask with next time. */
ssize_t api_render(struct engine *e, const char *path, uint64_t since, uint64_t *ret_next,
		   char **ret);

#endif
