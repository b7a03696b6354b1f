/* metrics.c - the Prometheus endpoint over libmicrohttpd (metrics.h). */
#define _GNU_SOURCE
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "engine_int.h"

#define METRICS_BUF (64 * 1024)

struct metrics {
	struct MHD_Daemon *d;
	struct engine *e;
	uint16_t port;
	char token[256];        /* "" : none asked */
	_Atomic bool stopping;  /* metrics_stop: event streams end */
};

extern const char dashboard_page[]; /* tools/report/dashboard.html, by embed.py */
extern const size_t dashboard_page_len;

#define STREAM_EVERY_NS 500000000ull /* one dashboard event every half second */
#define STREAM_MAX_EVENTS 7200u      /* an hour; the browser's EventSource reconnects */

/* The text being built: appends stop quietly at the end (the length still counts). */
struct out {
	char *p;
	size_t cap, len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->len < o->cap ? o->p + o->len : NULL, o->len < o->cap ? o->cap - o->len : 0,
	                  fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

static void head(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void counter(struct out *o, const char *name, const char *help, uint64_t v)
{
	head(o, name, "counter", help);
	put(o, "%s %" PRIu64 "\n", name, v);
}

static void gauge(struct out *o, const char *name, const char *help, double v)
{
	head(o, name, "gauge", help);
	put(o, "%s %.17g\n", name, v);
}

#define U(x) atomic_load_explicit(&(x), memory_order_relaxed)

/* An instrument's symbol as a label value (the metrics thread's buffer,
 * valid until the next call): printable ASCII, '"' and '\\' left out. */
static const char *symbol(struct engine *e, uint16_t locate)
{
	static char buf[32];
	const char *s = feeds_stage_symbol(e->feeds, locate);
	size_t n = 0;
	for (; s && *s && n < sizeof(buf) - 1; s++)
		if (*s > ' ' && *s < 127 && *s != '"' && *s != '\\')
			buf[n++] = *s;
	if (!n)
		n = (size_t)snprintf(buf, sizeof(buf), "locate%u", locate);
	buf[n] = 0;
	return buf;
}

/* Bucket bounds in ns: 100 ns to 100 ms, 1-2.5-5 steps. */
static const int64_t bounds_ns[] = { 100,     250,     500,      1000,     2500,     5000,
	                             10000,   25000,   50000,    100000,   250000,   500000,
	                             1000000, 2500000, 10000000, 100000000 };
#define NBOUNDS (sizeof(bounds_ns) / sizeof(bounds_ns[0]))

static void histogram(struct out *o, struct engine *e, const char *name, const char *label,
                      const char *tag)
{
	uint64_t cum[NBOUNDS], count;
	double sum;
	if (telemetry_buckets(&e->tele, tag, bounds_ns, NBOUNDS, cum, &count, &sum) < 0)
		return;
	const char *sep = label[0] ? "," : "";
	for (unsigned j = 0; j < NBOUNDS; j++)
		put(o, "%s_bucket{%s%sle=\"%.9g\"} %" PRIu64 "\n", name, label, sep,
		    (double)bounds_ns[j] / 1e9, cum[j]);
	put(o, "%s_bucket{%s%sle=\"+Inf\"} %" PRIu64 "\n", name, label, sep, count);
	put(o, "%s_sum%s%s%s %.9g\n", name, label[0] ? "{" : "", label, label[0] ? "}" : "",
	    sum / 1e9);
	put(o, "%s_count%s%s%s %" PRIu64 "\n", name, label[0] ? "{" : "", label,
	    label[0] ? "}" : "", count);
}

size_t metrics_render(struct engine *e, char *buf, size_t cap)
{
	struct out o = { .p = buf, .cap = cap };
	struct engine_gauges *g = &e->g;
	if (cap)
		buf[0] = '\0';
	counter(&o, "osprey_md_messages_total", "Market data messages decoded.", U(g->messages));
	counter(&o, "osprey_md_gaps_total", "MoldUDP64 sequence gaps opened.", U(g->md_gaps));
	counter(&o, "osprey_md_lost_messages_total", "Market data messages given up as lost.",
	        U(g->md_lost));
	counter(&o, "osprey_intents_total", "Trading intents from the model.", U(g->intents));
	counter(&o, "osprey_orders_total", "New orders sent to the venue.", U(g->orders));
	counter(&o, "osprey_fills_total", "Fill reports from the venue.", U(g->fills));
	counter(&o, "osprey_cancels_total", "Cancel reports from the venue.", U(g->cancels));
	counter(&o, "osprey_risk_rejects_total", "Intents refused by pre-trade risk.",
	        U(g->rejects));
	head(&o, "osprey_risk_rejects_by_reason_total", "counter",
	     "Intents refused by pre-trade risk, by the first control that refused them.");
	for (unsigned i = 1; i < RISK_R_COUNT; i++)
		put(&o, "osprey_risk_rejects_by_reason_total{reason=\"%s\"} %" PRIu64 "\n",
		    risk_reason_name(i), U(g->rejects_by[i]));
	counter(&o, "osprey_persist_unstored_total",
	        "Records drained without being stored since the database failed.",
	        U(g->persist_unstored));
	gauge(&o, "osprey_open_orders", "Orders open or in flight.", (double)U(g->open_orders));
	gauge(&o, "osprey_positions", "Instruments with a nonzero position.",
	      (double)U(g->positions));
	gauge(&o, "osprey_realized_pnl", "Realized P&L (currency units).",
	      (double)U(g->realized) / 1e4);
	gauge(&o, "osprey_unrealized_pnl", "Unrealized P&L at the mid (currency units).",
	      (double)U(g->unrealized) / 1e4);
	gauge(&o, "osprey_risk_pnl", "Risk's P&L after fees (currency units).",
	      (double)U(g->risk_pnl) / 1e4);
	gauge(&o, "osprey_risk_drawdown", "Drawdown from the high-water mark (currency units).",
	      (double)U(g->risk_drawdown) / 1e4);
	gauge(&o, "osprey_risk_gross_notional", "Gross notional exposure (currency units).",
	      (double)U(g->risk_gross) / 1e4);
	gauge(&o, "osprey_risk_breaker_tier", "Drawdown breaker tier (0: none).",
	      (double)U(g->risk_tier));
	gauge(&o, "osprey_mode", "Risk mode in force: 0 active, 1 reducing, 2 halted.",
	      (double)risk_control_mode(&e->ctl));
	gauge(&o, "osprey_killed", "1 while the kill switch is set.",
	      risk_control_is_killed(&e->ctl) ? 1 : 0);
	gauge(&o, "osprey_persist_failed", "1 once the database has failed (trading halted).",
	      U(g->persist_failed) ? 1 : 0);
	counter(&o, "osprey_log_events_dropped_total",
	        "Hot-thread events for the log a full ring refused.", U(g->events_dropped));
	counter(&o, "osprey_persist_waits_total",
	        "Polls that found the persistence ring full: the store is behind (back-pressure).",
	        U(g->persist_waits));
	gauge(&o, "osprey_input_done", "1 once the input has ended.", U(g->input_done) ? 1 : 0);
	gauge(&o, "osprey_recovery_state",
	      "Crash recovery: 0 none, 1 running, 2 waiting for resume, 3 resumed.",
	      (double)atomic_load_explicit(&e->recovery, memory_order_relaxed));
	gauge(&o, "osprey_recovery_differences",
	      "Orders the recovery found the store and the venue disagreeing on.",
	      (double)U(g->rec_differences));
	/* an instrument's symbol is named (an ITCH 'R') before any order for it */
	uint32_t np = atomic_load_explicit(&g->npos, memory_order_acquire);
	head(&o, "osprey_position_shares", "gauge", "Position by instrument (shares; short < 0).");
	for (uint32_t i = 0; i < np; i++)
		put(&o, "osprey_position_shares{symbol=\"%s\"} %" PRId64 "\n",
		    symbol(e, (uint16_t)U(g->pos_locate[i])), (int64_t)U(g->pos_qty[i]));
	head(&o, "osprey_position_realized_pnl", "gauge",
	     "Realized P&L by instrument (currency units).");
	for (uint32_t i = 0; i < np; i++)
		put(&o, "osprey_position_realized_pnl{symbol=\"%s\"} %.4f\n",
		    symbol(e, (uint16_t)U(g->pos_locate[i])), (double)(int64_t)U(g->pos_realized[i]) / 1e4);
	double psi[STRAT_FEATURE_COUNT];
	uint64_t drows;
	unsigned nf = engine__drift_psi(e, psi, &drows);
	if (nf) {
		gauge(&o, "osprey_drift_rows", "Feature vectors counted by the drift monitor.",
		      (double)drows);
		head(&o, "osprey_feature_psi", "gauge",
		     "Population stability index of each feature against the training period's "
		     "deciles ([strategy] drift_reference): < 0.1 stable, > 0.25 shifted.");
		for (unsigned i = 0; i < nf; i++)
			put(&o, "osprey_feature_psi{feature=\"%s\"} %.6f\n", strat_feature_name(i),
			    psi[i]);
	}
	head(&o, "osprey_ring_fill_ratio", "gauge",
	     "How full each ring between the stages is (0 empty, 1 full: the stage after it is behind).");
	const struct { const char *name; struct core_ring *r; } rings[] = {
		{ "md", e->md },           { "venue_md", e->venue_md },   { "features", e->feat },
		{ "intents", e->intents }, { "orders", e->orders },       { "reports", e->reports },
		{ "persist", e->persist_ring }, { "risk_model", e->model_ring },
	};
	for (unsigned i = 0; i < sizeof(rings) / sizeof(rings[0]); i++)
		if (rings[i].r)
			put(&o, "osprey_ring_fill_ratio{ring=\"%s\"} %.6f\n", rings[i].name,
			    (double)core_ring_fill(rings[i].r) / core_ring_capacity(rings[i].r));
	uint64_t last = U(g->md_last_ns), now = core_now_ns();
	gauge(&o, "osprey_md_last_message_age_seconds",
	      "Seconds since a market data message was last decoded (-1: none yet).",
	      last ? (double)(now > last ? now - last : 0) / 1e9 : -1.0);

	head(&o, "osprey_stage_latency_seconds", "histogram",
	     "Per-message processing time of each pipeline stage.");
	for (unsigned i = 0; i < ST_COUNT; i++) {
		char label[48];
		snprintf(label, sizeof(label), "stage=\"%s\"", engine__stage_names[i]);
		histogram(&o, e, "osprey_stage_latency_seconds", label, engine__stage_names[i]);
	}
	head(&o, "osprey_tick_to_order_seconds", "histogram",
	     "Market data receipt to the order handed to the venue.");
	histogram(&o, e, "osprey_tick_to_order_seconds", "", "tick_to_order");
	head(&o, "osprey_tick_to_wire_seconds", "histogram",
	     "Market data receipt to the order's bytes handed to the kernel.");
	histogram(&o, e, "osprey_tick_to_wire_seconds", "", "tick_to_wire");
	return o.len;
}

static enum MHD_Result queue(struct MHD_Connection *c, unsigned status, struct MHD_Response *r,
                             const char *type)
{
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	enum MHD_Result ok = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ok;
}

/* A short fixed answer (an error). */
static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *text)
{
	return queue(c, status,
	             MHD_create_response_from_buffer(strlen(text), (void *)(uintptr_t)text,
	                                             MHD_RESPMEM_PERSISTENT),
	             "text/plain; charset=utf-8");
}

/* Equal strings, in time that depends only on their lengths. */
static bool same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;
	for (size_t i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/* With a token: "Authorization: Bearer TOKEN", or ?token=TOKEN (a browser's
 * EventSource cannot set headers). */
static bool allowed(const struct metrics *m, struct MHD_Connection *c)
{
	if (!m->token[0])
		return true;
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	if (h && !strncmp(h, "Bearer ", 7) && same(h + 7, m->token))
		return true;
	const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
	return q && same(q, m->token);
}

/* ?since=N: digits only; 0 when absent; false when malformed. */
static bool since_arg(struct MHD_Connection *c, uint64_t *ret)
{
	const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "since");
	*ret = 0;
	if (!v)
		return true;
	if (!*v || strlen(v) > 19 || strspn(v, "0123456789") != strlen(v))
		return false;
	*ret = strtoull(v, NULL, 10);
	return true;
}

/* One client's server-sent event stream of /api/dashboard. */
struct stream {
	struct metrics *m;
	uint64_t since;   /* the order events it has */
	uint64_t next_ns; /* when the next event is due */
	unsigned sent;
	char *buf;        /* the event being sent */
	size_t len, off;
};

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	(void)pos;
	struct stream *s = cls;
	for (;;) {
		if (s->off < s->len) {
			size_t n = s->len - s->off < max ? s->len - s->off : max;
			memcpy(out, s->buf + s->off, n);
			s->off += n;
			return (ssize_t)n;
		}
		if (atomic_load_explicit(&s->m->stopping, memory_order_relaxed) ||
		    s->sent == STREAM_MAX_EVENTS)
			return MHD_CONTENT_READER_END_OF_STREAM;
		uint64_t now = core_now_ns();
		if (now < s->next_ns) { /* this connection's own thread: wait, 50 ms at most */
			uint64_t wait = s->next_ns - now < 50000000ull ? s->next_ns - now : 50000000ull;
			struct timespec ts = { 0, (long)wait };
			nanosleep(&ts, NULL);
			continue;
		}
		s->next_ns = now + STREAM_EVERY_NS;
		char *body;
		uint64_t next = s->since;
		ssize_t n = api_render(s->m->e, "/api/dashboard", s->since, &next, &body);
		if (n < 0)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		while (n > 0 && body[n - 1] == '\n') /* one line: JSON escapes every newline */
			n--;
		free(s->buf);
		s->buf = NULL;
		s->len = s->off = 0;
		FILE *f = open_memstream(&s->buf, &s->len);
		if (!f) {
			free(body);
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
		fprintf(f, "id: %" PRIu64 "\nevent: update\ndata: %.*s\n\n", next, (int)n, body);
		free(body);
		if (fclose(f) != 0)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		s->since = next;
		s->sent++;
	}
}

static void stream_free(void *cls)
{
	struct stream *s = cls;
	free(s->buf);
	free(s);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *data,
                              size_t *data_len, void **state)
{
	(void)version;
	(void)data;
	struct metrics *m = cls;
	if (!*state) { /* the first call is for the headers: wait for the whole request */
		*state = (void *)1;
		return MHD_YES;
	}
	if (*data_len) {
		*data_len = 0; /* a body is ignored */
		return MHD_YES;
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET /metrics and /api/...\n");
	if (!allowed(m, c)) {
		struct MHD_Response *r = MHD_create_response_from_buffer(
		        13, (void *)(uintptr_t) "unauthorized\n", MHD_RESPMEM_PERSISTENT);
		if (r)
			MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
		return queue(c, MHD_HTTP_UNAUTHORIZED, r, "text/plain; charset=utf-8");
	}
	uint64_t since;
	if (!since_arg(c, &since))
		return reply(c, MHD_HTTP_BAD_REQUEST, "since: want a sequence number (digits)\n");
	if (!strcmp(url, "/") || !strcmp(url, "/dashboard"))
		return queue(c, MHD_HTTP_OK,
		             MHD_create_response_from_buffer(dashboard_page_len,
		                                             (void *)(uintptr_t)dashboard_page,
		                                             MHD_RESPMEM_PERSISTENT),
		             "text/html; charset=utf-8");
	if (!strcmp(url, "/api/stream")) {
		struct stream *s = calloc(1, sizeof(*s));
		if (!s)
			return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
		s->m = m;
		s->since = since;
		struct MHD_Response *r = MHD_create_response_from_callback(
		        MHD_SIZE_UNKNOWN, 64 * 1024, stream_read, s, stream_free);
		if (!r) {
			free(s);
			return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
		}
		MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
		return queue(c, MHD_HTTP_OK, r, "text/event-stream");
	}
	if (!strncmp(url, "/api/", 5)) {
		char *body;
		ssize_t n = api_render(m->e, url, since, NULL, &body);
		if (n == -ENOENT)
			return reply(c, MHD_HTTP_NOT_FOUND,
			             "not found: /api/status, /api/positions, /api/latency, /api/health, "
			             "/api/orders, /api/alerts, /api/dashboard, /api/stream\n");
		if (n < 0)
			return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
		struct MHD_Response *r =
		        MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_MUST_FREE);
		if (!r)
			free(body);
		return queue(c, MHD_HTTP_OK, r, "application/json");
	}
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, "not found: try /, /metrics or /api/status\n");
	char *buf = malloc(METRICS_BUF);
	if (!buf)
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	size_t n = metrics_render(m->e, buf, METRICS_BUF);
	if (n >= METRICS_BUF) {
		free(buf);
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "metrics text too long\n");
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(n, buf, MHD_RESPMEM_MUST_FREE);
	if (!r)
		free(buf);
	return queue(c, MHD_HTTP_OK, r, "text/plain; version=0.0.4; charset=utf-8");
}

/* The token: the file's first line, at least 16 characters; the file a
 * regular one, owned by this user, readable by nobody else. */
static int load_token(const char *path, char *out, size_t cap, char *err, size_t errlen)
{
	char *text, why[300];
	size_t n;
	int r = core_secret_read(path, 4096, &text, &n, why, sizeof(why));
	if (r < 0) {
		core_errf(err, errlen, "metrics.token_file %s", why);
		return r;
	}
	text[strcspn(text, "\r\n")] = '\0';
	snprintf(out, cap, "%s", text);
	explicit_bzero(text, n);
	free(text);
	if (strlen(out) < 16 || strspn(out, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                                    "0123456789-._~+/=") != strlen(out)) {
		core_errf(err, errlen,
		          "metrics.token_file %s: the token must be 16 or more characters of "
		          "A-Z a-z 0-9 -._~+/=",
		          path);
		return -EINVAL;
	}
	return 0;
}

int metrics_start(struct metrics **ret, const char *listen, const char *token_file,
                  struct engine *e, char *err, size_t errlen)
{
	char host[64];
	const char *colon = strrchr(listen, ':');
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char *end = NULL;
	unsigned long port = colon ? strtoul(colon + 1, &end, 10) : 0;
	if (!colon || (size_t)(colon - listen) >= sizeof(host) || end == colon + 1 || *end ||
	    port > 65535) {
		core_errf(err, errlen, "metrics.listen '%s': want A.B.C.D:PORT", listen);
		return -EINVAL;
	}
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		core_errf(err, errlen, "metrics.listen '%s': '%s' is not an IPv4 address", listen,
		          host);
		return -EINVAL;
	}
	sa.sin_port = htons((uint16_t)port);
	bool loopback = (ntohl(sa.sin_addr.s_addr) >> 24) == 127;
	if (!loopback && !(token_file && token_file[0])) {
		core_errf(err, errlen,
		          "metrics.listen %s is not a loopback address: set metrics.token_file (a "
		          "file only its owner can read) so that only who has the token can read",
		          listen);
		return -EPERM;
	}
	struct metrics *m = calloc(1, sizeof(*m));
	if (!m) {
		core_errf(err, errlen, "metrics: out of memory");
		return -ENOMEM;
	}
	m->e = e;
	int tr;
	if (token_file && token_file[0] &&
	    (tr = load_token(token_file, m->token, sizeof(m->token), err, errlen)) < 0) {
		free(m);
		return tr;
	}
	errno = 0;
	/* a thread per connection: an event stream waits on its own thread */
	m->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
	                                MHD_USE_POLL,
	                        0, NULL, NULL,
	                        handle, m, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	                        MHD_OPTION_CONNECTION_LIMIT, 32u, MHD_OPTION_CONNECTION_TIMEOUT, 5u,
	                        MHD_OPTION_END);
	if (!m->d) {
		int r = errno ? -errno : -EADDRINUSE;
		core_errf(err, errlen, "metrics.listen %s: cannot serve there (%s)", listen,
		          strerror(-r));
		free(m);
		return r;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_BIND_PORT);
	m->port = info ? info->port : (uint16_t)port;
	*ret = m;
	return 0;
}

void metrics_stop(struct metrics *m)
{
	if (!m)
		return;
	atomic_store_explicit(&m->stopping, true, memory_order_relaxed);
	MHD_stop_daemon(m->d); /* joins each connection's thread: streams end within 50 ms */
	free(m);
}

uint16_t metrics_port(const struct metrics *m)
{
	return m->port;
}
