/*
 * alerts.h - the engine's events: a structured log and alerts to a webhook
 * (tools-internal).
 *
 * `[engine] log = FILE` appends one line per event, written by this thread
 * only: "UTC-TIME LEVEL COMPONENT EVENT: TEXT" (time to the microsecond;
 * LEVEL INFO, WARN or ERROR; COMPONENT risk, exec, feeds, persist, strategy,
 * control or engine); alerts_reopen (the tools' SIGHUP) reopens it after a
 * rotation.
 *
 * `[alerts] webhook = http://HOST:PORT/PATH` posts one JSON body per event,
 * through libcurl, from a thread of its own (never a hot thread, never the
 * aux thread that stores orders). Three sources, all written by this thread:
 * every line of the engine's audit trail (alerts_event from engine__audit,
 * any thread but a hot one: kill, resume, mode, limit sets, flatten,
 * restrict, model switches, recovery decisions, refused control clients);
 * the hot threads' events, each through its stage's SPSC ring (struct
 * engine_event: seen when the stage publishes its gauges, at most 1 ms
 * after it happened, and logged with that time):
 *   mode               the breakers moved risk (REDUCING, HALTED)
 *   breaker            the drawdown breaker tier changed
 *   feed_gap           MoldUDP64 sequence gaps opened (re-requested)
 *   feed_loss          market data messages given up as lost
 *   gateway            the venue session went down, or came back up
 *   store_behind       the ring toward the store filled (after a quiet second)
 * and what this thread sees change in the other threads' state, looked at
 * every 50 ms:
 *   persistence        the database failed (trading halted)
 *   failure            a stage failed on some thread
 *   kill               the engine started killed (carried over from the last run)
 * The body: {"source":"osprey","event":E,"severity":"info"|"warning"|
 * "critical","text":T,"ts":"UTC ISO 8601 to the microsecond"}; with
 * `[alerts] telegram_chat = ID` it is the Telegram Bot API sendMessage shape
 * instead, {"chat_id":"ID","text":"osprey E: T"} (point webhook at
 * https://api.telegram.org/botTOKEN/sendMessage).
 *
 * Rate limit: at most one post per `[alerts] min_interval_ms` (default
 * 1000); events wait in a queue of 64 (the oldest dropped beyond, and the
 * next post says how many were). A post gets 2 s; a failed one is counted
 * and not retried (the next event is still sent).
 *
 * The last ALERTS_RECENT events are also kept for the dashboard
 * (alerts_recent, /api/alerts).
 *
 * Memory: alerts_start allocates, alerts_stop frees. Threads: start/stop on
 * the main thread; alerts_stats and alerts_recent from any thread (a mutex).
 * Results: alerts_start 0, -EINVAL (the webhook is not http(s)://...; err
 * says so), -errno when the log cannot be opened or the thread cannot
 * start, -ENOMEM.
 */
#ifndef OSPREY_ALERTS_H
#define OSPREY_ALERTS_H

#include <stddef.h>
#include <stdint.h>

struct engine;
struct alerts;

struct alerts_cfg {
	const char *webhook;       /* NULL or "": no posts (the log only) */
	const char *log_path;      /* NULL or "": no log */
	const char *telegram_chat; /* NULL or "": the generic body */
	uint64_t min_interval_ms;  /* 0: 1000 */
};

/* One event, as logged and posted. */
struct alerts_item {
	char event[16];
	char severity[10]; /* info, warning, critical */
	char text[200];
	char ts[40];       /* UTC ISO 8601 to the microsecond */
};

#define ALERTS_RECENT 32

struct alerts_stats {
	uint64_t events;     /* changes seen */
	uint64_t sent;       /* posts answered 2xx */
	uint64_t failed;     /* posts that failed (network, timeout, non-2xx) */
	uint64_t dropped;    /* events dropped from a full queue */
	char last_error[160];
};

int alerts_start(struct alerts **ret, const struct alerts_cfg *cfg, struct engine *e, char *err,
                 size_t errlen);
/* alerts_event - queue one alert (printf-style text). Any thread; never blocks
 * for the network (the post is the alerts thread's). */
void alerts_event(struct alerts *a, const char *event, const char *severity, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* alerts_reopen - reopen the log at its next write (after a rotation).
 * Async-signal-safe (one atomic store). */
void alerts_reopen(struct alerts *a);
/* alerts_stop - post what is still queued (up to 16, each within its 2 s), stop, free; accepts NULL. */
void alerts_stop(struct alerts *a);
void alerts_stats(struct alerts *a, struct alerts_stats *ret);
/* alerts_recent - the last events (up to ALERTS_RECENT), newest first, into
 * out; how many. Any thread (the mutex). */
unsigned alerts_recent(struct alerts *a, struct alerts_item *out, unsigned cap);

#endif
