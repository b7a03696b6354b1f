/*
 * metrics.h - the engine's Prometheus endpoint (tools-internal).
 *
 * `[metrics] listen = A.B.C.D:PORT` serves the Prometheus text exposition
 * format (version 0.0.4) at GET /metrics through libmicrohttpd, on threads
 * of libmicrohttpd's own, one per connection (never a hot thread; at most 32
 * connections, so that open dashboards, each holding its event stream, leave
 * room for scrapes; each closed after 5 s idle), the JSON API under /api/ (api.h), and the live
 * dashboard: GET / (or /dashboard) is one self-contained page
 * (tools/report/dashboard.html) that follows GET /api/stream, a server-sent
 * event stream of /api/dashboard every half second (each connection on a
 * thread of its own; an hour at most, then the browser reconnects). Other
 * paths answer 404, other methods 405, a malformed ?since= 400.
 *
 * Access: loopback addresses by default. Any other listen address needs
 * `[metrics] token_file`: a regular file of this user's that nobody else may
 * read or write (mode 600), whose first line (16+ characters) is the token;
 * then every request needs "Authorization: Bearer TOKEN" or ?token=TOKEN
 * (compared in constant time), else 401. A token file may be set on
 * loopback too. What a scrape reads:
 *   counters    messages, intents, orders, fills, cancels, risk rejects (in all and
 *               by reason), md gaps and messages lost, records not stored (a
 *               failed database), polls that found the store's ring full,
 *               hot-thread log events dropped
 *   gauges      open orders, instruments with a position, shares and realized
 *               P&L by symbol, P&L (exec's and risk's), drawdown, exposure,
 *               breaker tier, mode, killed, database failed, input finished,
 *               recovery state and differences, seconds since the last md
 *               message, each ring's fill ratio
 *   histograms  per-stage processing latency, tick-to-order and tick-to-wire,
 *               in seconds with cumulative buckets, from the telemetry totals
 *               (telemetry_buckets: the same HDR histograms the report prints)
 * Gauges and counters are the engine's published atomics (at most 1 ms old).
 *
 * Memory: metrics_start allocates the server; metrics_stop frees it. Each
 * scrape's text is built in a buffer libmicrohttpd frees after sending.
 *
 * Threads: metrics_start / metrics_stop on the main thread (after the engine
 * is created, before it is destroyed). The handler runs on libmicrohttpd's
 * thread and reads only atomics and the telemetry totals (under their lock).
 *
 * Results: metrics_start returns 0, -EINVAL (a listen address that is not
 * A.B.C.D:PORT, a malformed token; err says so), -EPERM (not loopback and
 * no token file; a token file others can read), -EADDRINUSE / -EACCES / -errno when
 * libmicrohttpd cannot listen (err names the address), or -ENOMEM.
 */
#ifndef OSPREY_METRICS_H
#define OSPREY_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct engine;
struct metrics;

/* token_file: metrics.token_file (NULL or "": none; required when listen is
 * not a loopback address). */
int metrics_start(struct metrics **ret, const char *listen, const char *token_file,
                  struct engine *e, char *err, size_t errlen);
/* metrics_stop - stop serving (waits for a scrape in progress) and free; accepts NULL. */
void metrics_stop(struct metrics *m);
/* metrics_port - the port it listens on (useful with PORT 0: one the kernel picked). */
uint16_t metrics_port(const struct metrics *m);
/* metrics_render - the exposition text into buf (cap bytes, NUL-terminated);
 * the length it needed (>= cap: truncated). What a scrape sends; any thread. */
size_t metrics_render(struct engine *e, char *buf, size_t cap);

#endif
