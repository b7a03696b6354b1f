/* gw_bn.c - the Binance spot order gateway (exec.h, "Binance spot order
 * entry: the gateway"), one file of about 800 lines on purpose: the REST
 * thread and the stage's side share the request and answer records, and
 * each transition's rule reads best beside the request that causes it (the
 * codec is bn_orders.c, the order table gw.c). Orders over signed REST calls
 * made by a thread of its own (libcurl), fills and cancels from the user data
 * stream the caller supplies.
 *
 * Who says what: a REST answer to a new order acknowledges it or refuses
 * it; everything after (fills, cancels, expiries) comes from the stream's
 * executionReports only, so no transition is reported twice. A new order
 * whose REST call failed in transport (no answer: it may or may not have
 * reached the exchange) is cancelled by its client id: "unknown order"
 * means it never got there (EXEC_REJECTED, EXEC_REASON_RECOVERY), anything
 * else lets the stream say how it ended. libcurl sends a request again when
 * the kept-alive connection it used dies before any answer; a new order sent
 * twice gets "Duplicate order sent." (-2010) the second time, which says the
 * first one is open there.
 */
#define _GNU_SOURCE
#include "gw.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define RING_CAP     1024
#define BODY_MAX     (64 * 1024) /* a REST answer read; longer is a transport failure */
#define EVENTS       16          /* stream messages read per poll */
#define LISTEN_RETRY 1000000000ull
#define KEEPALIVE_MS (30ull * 60 * 1000) /* Binance: ping the listenKey every 30 minutes */
#define UNKNOWN_ORDER (-2011)    /* Binance: "Unknown order sent." */
#define NEW_ORDER_REJECTED (-2010) /* Binance: a new order refused, for the reason msg gives */
#define DUPLICATE_MSG "Duplicate order sent." /* -2010's text when the client id is open */
#define INVALID_SYMBOL (-1121)   /* Binance: "Invalid symbol." */
#define INFO_RETRY   1000000000ull /* an exchangeInfo call that failed: again 1 s later */

enum req_kind { R_LISTEN = 1, R_INFO, R_NEW, R_CANCEL, R_KEEPALIVE };

struct req {
	uint8_t kind;
	uint8_t side, tif;
	uint8_t px_decimals, qty_decimals;
	uint16_t locate;
	uint64_t order_id, seq;
	uint64_t qty, px;
};

struct ans {
	uint8_t kind;
	uint16_t locate;
	uint64_t order_id, seq;
	long http;      /* 0: no HTTP answer (transport failure) */
	bool parsed;    /* a body that read as a REST answer */
	struct exec_bn_answer a;
	int info_r;     /* R_INFO: exec_bn_info_parse's result */
	struct exec_bn_info info;
	char why[160];  /* transport failure or bad body */
};

/* A symbol's state: its scales and filters come from exchangeInfo. */
enum { SYM_ASK, SYM_ASKED, SYM_READY, SYM_REFUSED };

struct bsym {
	uint8_t state;
	uint8_t want_px, want_qty;   /* the configured decimals (or EXEC_BN_SCALE_EXCHANGE) */
	uint8_t px_decimals, qty_decimals;
	uint64_t tick, step;         /* in those units: px % tick and qty % step must be 0 */
	uint64_t min_qty;            /* LOT_SIZE minQty (0: none) */
	uint64_t min_notional;       /* qty * px at px + qty decimals (0: none) */
	uint64_t retry_ns;
};

struct exec_bn_gw {
	struct gw gw;
	/* configuration (copied) */
	char rest[256], stream[256], api_key[128], secret[128], ca_file[256];
	size_t secret_len;
	struct bsym *syms;               /* the stage's */
	char (*names)[EXEC_BN_TEXT];     /* read by both threads; set at create */
	unsigned nsyms, nsettled;        /* settled: READY or REFUSED */
	uint64_t recv_window_ms, drain_ns;
	struct exec_bn_stream stream_io;
	/* the REST thread and its rings: req stage -> thread, ans thread -> stage */
	struct core_ring *reqs, *answers;
	pthread_t thread;
	bool started;
	_Atomic bool stop;
	/* the thread's own */
	CURL *curl;
	struct curl_slist *headers;
	char *body;
	size_t body_len;
	char listen_key_t[80]; /* for the keepalive */
	uint64_t next_keepalive_ms;
	/* the stage's */
	char listen_key[80];
	bool listen_asked, stream_opened;
	uint64_t listen_retry_ns;
	uint64_t last_new_id;
	bool eos, done;
	uint64_t drain_until_ns;
	int fatal;
	struct exec_bn_gw_stats st;
};

static void note(struct exec_bn_gw *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct exec_bn_gw *g, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(g->st.reason, sizeof(g->st.reason), fmt, ap);
	va_end(ap);
}

static uint64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------------- */
/* The REST thread */

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
	struct exec_bn_gw *g = arg;
	size_t len = size * n;
	if (g->body_len + len >= BODY_MAX)
		return 0; /* too long: the transfer fails */
	memcpy(g->body + g->body_len, p, len);
	g->body_len += len;
	g->body[g->body_len] = '\0';
	return len;
}

/* One call: method, path, body (NULL: none) or query. *http 0 on failure. */
static void call(struct exec_bn_gw *g, const char *method, const char *path, const char *query,
                 const char *body, struct ans *a)
{
	char url[4096];
	snprintf(url, sizeof(url), "%s%s%s%s", g->rest, path, query ? "?" : "", query ? query : "");
	g->body_len = 0;
	g->body[0] = '\0';
	curl_easy_setopt(g->curl, CURLOPT_URL, url);
	curl_easy_setopt(g->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(g->curl, CURLOPT_POSTFIELDS, body ? body : "");
	CURLcode c = curl_easy_perform(g->curl);
	a->http = 0;
	if (c != CURLE_OK) {
		snprintf(a->why, sizeof(a->why), "%s %s: %s", method, path, curl_easy_strerror(c));
		return;
	}
	curl_easy_getinfo(g->curl, CURLINFO_RESPONSE_CODE, &a->http);
	a->parsed = exec_bn_answer_parse(g->body, g->body_len, &a->a, a->why, sizeof(a->why)) == 0;
}

static void serve(struct exec_bn_gw *g, const struct req *r, struct ans *a)
{
	char q[1024];
	*a = (struct ans){ .kind = r->kind, .locate = r->locate, .order_id = r->order_id,
		           .seq = r->seq };
	const char *sym = g->names[r->locate - 1];
	switch (r->kind) {
	case R_LISTEN:
		call(g, "POST", "/api/v3/userDataStream", NULL, NULL, a);
		if (a->parsed && a->a.listen_key[0]) {
			memcpy(g->listen_key_t, a->a.listen_key, sizeof(g->listen_key_t));
			g->next_keepalive_ms = wall_ms() + KEEPALIVE_MS;
		}
		return;
	case R_KEEPALIVE:
		snprintf(q, sizeof(q), "listenKey=%s", g->listen_key_t);
		call(g, "PUT", "/api/v3/userDataStream", q, NULL, a);
		return;
	case R_INFO:
		snprintf(q, sizeof(q), "symbol=%s", sym);
		call(g, "GET", "/api/v3/exchangeInfo", q, NULL, a);
		if (a->http == 200)
			a->info_r = exec_bn_info_parse(g->body, g->body_len, sym, &a->info, a->why,
			                               sizeof(a->why));
		return;
	case R_NEW: {
		struct exec_bn_order o = { .symbol = sym, .side = r->side, .tif = r->tif,
			                   .qty = r->qty, .px = r->px,
			                   .qty_decimals = r->qty_decimals,
			                   .px_decimals = r->px_decimals,
			                   .order_id = r->order_id, .seq = r->seq };
		/* signed here, with the time it leaves: recvWindow counts from it */
		if (exec_bn_new_order(q, sizeof(q), &o, g->recv_window_ms, wall_ms(), g->secret,
		                      g->secret_len) < 0) {
			snprintf(a->why, sizeof(a->why), "order %" PRIu64 ": cannot be signed",
			         r->order_id);
			return;
		}
		call(g, "POST", "/api/v3/order", NULL, q, a);
		return;
	}
	case R_CANCEL:
		if (exec_bn_cancel(q, sizeof(q), sym, r->order_id, r->seq, g->recv_window_ms,
		                   wall_ms(), g->secret, g->secret_len) < 0) {
			snprintf(a->why, sizeof(a->why), "cancel %" PRIu64 ": cannot be signed",
			         r->order_id);
			return;
		}
		call(g, "DELETE", "/api/v3/order", q, NULL, a);
		return;
	}
}

static void *rest_thread(void *arg)
{
	struct exec_bn_gw *g = arg;
	struct req r;
	struct ans a;
	while (!atomic_load_explicit(&g->stop, memory_order_relaxed)) {
		if (core_ring_pop(g->reqs, &r) != 0) {
			if (g->listen_key_t[0] && wall_ms() >= g->next_keepalive_ms) {
				r = (struct req){ .kind = R_KEEPALIVE, .locate = 1 };
				g->next_keepalive_ms = wall_ms() + KEEPALIVE_MS;
			} else {
				struct timespec ts = { 0, 100000 }; /* 100 us */
				nanosleep(&ts, NULL);
				continue;
			}
		}
		serve(g, &r, &a);
		if (r.kind == R_KEEPALIVE)
			continue; /* nothing for the stage: a failed ping is retried in 30 min */
		while (core_ring_push(g->answers, &a) != 0 &&
		       !atomic_load_explicit(&g->stop, memory_order_relaxed)) {
			struct timespec ts = { 0, 100000 };
			nanosleep(&ts, NULL);
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------------- */
/* The stage's side */

static int ask(struct exec_bn_gw *g, const struct req *r)
{
	if (core_ring_push(g->reqs, r) != 0) {
		g->st.send_busy++;
		return EXEC_VENUE_BUSY;
	}
	g->st.requests++;
	return 0;
}

static int ask_cancel(struct exec_bn_gw *g, struct gw_order *o)
{
	struct req r = { .kind = R_CANCEL, .locate = o->locate, .order_id = o->order_id,
		         .seq = o->seq };
	int e = ask(g, &r);
	if (e == 0) {
		o->cancel_sent = true;
		g->st.cancels++;
	}
	return e;
}

/* Room in the report queue for two more. */
static bool room2(const struct exec_bn_gw *g)
{
	return g->gw.q_cap - (g->gw.q_tail - g->gw.q_head) >= 2;
}

/* Up: every symbol's exchangeInfo settled, and the stream up. */
static bool up(const struct exec_bn_gw *g)
{
	return g->nsettled == g->nsyms && g->stream_opened && g->stream_io.ops->up(g->stream_io.ctx);
}

static uint8_t end_reason(const struct gw_order *o)
{
	return o->mass_sent ? EXEC_REASON_CANCEL_ALL : o->cancel_sent ? EXEC_REASON_USER_CANCEL
	       : o->tif == EXEC_TIF_IOC ? EXEC_REASON_IOC : EXEC_REASON_NONE;
}

static void ack(struct exec_bn_gw *g, struct gw_order *o)
{
	if (!o->acked) {
		o->acked = true;
		gw_report(&g->gw, o, EXEC_ACK, o->px, o->qty, EXEC_REASON_NONE, 0);
	}
}

static void end(struct exec_bn_gw *g, struct gw_order *o, uint8_t kind, uint8_t reason)
{
	uint32_t qty = o->leaves;
	o->leaves = 0;
	gw_report(&g->gw, o, kind, o->px, qty, reason, 0);
	gw_retire(&g->gw, o);
}

/* A filter's text at decimals into *ret; 0 (and why noted) when the scale
 * cannot hold it: then the exchange checks it alone. */
static void filter_units(struct exec_bn_gw *g, const char *sym, const char *name,
                         const char *text, unsigned decimals, uint64_t *ret)
{
	*ret = 0;
	if (text[0] && exec_bn_decimal(text, decimals, UINT64_MAX, ret) < 0)
		note(g, "%s: %s %s does not fit %u decimals: left to the exchange", sym, name,
		     text, decimals);
}

/* A symbol's exchangeInfo: its scales (checked against the configured
 * ones) and filters, or why orders for it are refused here. */
static void on_info(struct exec_bn_gw *g, const struct ans *a, uint64_t now)
{
	struct bsym *y = &g->syms[a->locate - 1];
	const char *name = g->names[a->locate - 1];
	const struct exec_bn_info *in = &a->info;
	y->state = SYM_REFUSED;
	if (a->http == 200 && a->info_r == 0) {
		if ((y->want_px != EXEC_BN_SCALE_EXCHANGE && y->want_px != in->px_decimals) ||
		    (y->want_qty != EXEC_BN_SCALE_EXCHANGE && y->want_qty != in->qty_decimals)) {
			g->st.symbols_refused++;
			note(g, "%s: the exchange's tickSize %s and stepSize %s are %u and %u decimals, "
			        "not the %u and %u configured: its orders are refused",
			     name, in->tick, in->step, in->px_decimals, in->qty_decimals, y->want_px,
			     y->want_qty);
		} else {
			y->state = SYM_READY;
			y->px_decimals = in->px_decimals;
			y->qty_decimals = in->qty_decimals;
			filter_units(g, name, "tickSize", in->tick, y->px_decimals, &y->tick);
			filter_units(g, name, "stepSize", in->step, y->qty_decimals, &y->step);
			filter_units(g, name, "minQty", in->min_qty, y->qty_decimals, &y->min_qty);
			filter_units(g, name, "minNotional", in->min_notional,
			             (unsigned)y->px_decimals + y->qty_decimals, &y->min_notional);
			g->st.symbols_ready++;
			if (strcmp(in->status, "TRADING"))
				note(g, "%s is %s at the exchange", name, in->status);
		}
	} else if ((a->http == 200 && a->info_r == -ENOENT) ||
	           (a->parsed && a->a.error && a->a.code == INVALID_SYMBOL)) {
		g->st.symbols_refused++;
		note(g, "%s: not listed at the exchange: its orders are refused", name);
	} else if (a->http == 200) { /* an answer of the wrong shape: asking again will not mend it */
		g->st.symbols_refused++;
		note(g, "%s: exchangeInfo: %s", name, a->why);
	} else { /* transport, a rate limit, the exchange busy: again later */
		g->st.rest_failures++;
		note(g, "%s: exchangeInfo: %s%s", name, a->parsed && a->a.error ? a->a.msg : a->why,
		     a->http ? "" : " (no answer)");
		y->state = SYM_ASK;
		y->retry_ns = now + INFO_RETRY;
		return;
	}
	g->nsettled++;
}

static void on_answer(struct exec_bn_gw *g, const struct ans *a, uint64_t now)
{
	if (a->kind == R_INFO) {
		on_info(g, a, now);
		return;
	}
	if (a->kind == R_LISTEN) {
		if (!a->parsed || a->a.error || !a->a.listen_key[0]) {
			g->st.rest_failures++;
			note(g, "no listenKey: %s%s", a->parsed ? a->a.msg : a->why,
			     a->http ? "" : " (no answer)");
			g->listen_asked = false;
			g->listen_retry_ns = now + LISTEN_RETRY;
			return;
		}
		memcpy(g->listen_key, a->a.listen_key, sizeof(g->listen_key));
		char url[512];
		snprintf(url, sizeof(url), "%s/ws/%s", g->stream, g->listen_key);
		int r = g->stream_io.ops->open(g->stream_io.ctx, url);
		if (r < 0) {
			note(g, "the user data stream did not open: %s", strerror(-r));
			g->fatal = r;
			return;
		}
		g->stream_opened = true;
		g->st.stream_opens++;
		return;
	}
	struct gw_order *o = gw_find(&g->gw, a->order_id);
	if (!o || o->seq != a->seq)
		return; /* ended already (its events came first) */
	if (a->kind == R_NEW) {
		if (!a->http) { /* it may or may not be there: ask it gone by its id */
			g->st.rest_failures++;
			note(g, "order %" PRIu64 ": %s; cancelling it by its id", o->order_id, a->why);
			if (!o->cancel_sent && ask_cancel(g, o) != 0)
				gw_owe_cancel(&g->gw, o);
			return;
		}
		if (a->parsed && a->a.error && a->a.code == NEW_ORDER_REJECTED &&
		    !strcmp(a->a.msg, DUPLICATE_MSG)) {
			/* libcurl sent it again after a connection died under it: the
			 * first one got there, and is open */
			note(g, "order %" PRIu64 ": sent twice, open at the exchange", o->order_id);
			ack(g, o);
			return;
		}
		if (!a->parsed || a->a.error) {
			g->st.rejects++;
			g->st.last_code = a->parsed ? a->a.code : 0;
			snprintf(g->st.last_msg, sizeof(g->st.last_msg), "order %" PRIu64 ": HTTP %ld %s",
			         o->order_id, a->http, a->parsed ? a->a.msg : a->why);
			end(g, o, EXEC_REJECTED, EXEC_REASON_INVALID);
			return;
		}
		ack(g, o);
		return;
	}
	/* R_CANCEL: only a refusal says something the stream will not */
	if (a->parsed && a->a.error && a->a.code == UNKNOWN_ORDER) {
		if (!o->acked) { /* the exchange never had it */
			end(g, o, EXEC_REJECTED, EXEC_REASON_RECOVERY);
			return;
		}
		g->gw.st.cancel_too_late++; /* it ended there: its event says how */
	} else if (!a->http || !a->parsed || a->a.error) {
		g->st.rest_failures++;
		note(g, "cancel of order %" PRIu64 ": %s", o->order_id,
		     a->parsed ? a->a.msg : a->why);
	}
}

static long locate_of(const struct exec_bn_gw *g, const char *symbol)
{
	for (unsigned i = 0; i < g->nsyms; i++)
		if (!strcmp(g->names[i], symbol))
			return (long)i + 1;
	return -1;
}

static void on_report(struct exec_bn_gw *g, const struct exec_bn_report *r)
{
	g->st.reports++;
	long loc = locate_of(g, r->symbol);
	uint64_t id = 0, seq = 0, q = 0, p = 0;
	const struct bsym *s = loc > 0 ? &g->syms[loc - 1] : NULL;
	bool fill = r->exec == EXEC_BN_TRADE;
	if (fill && (!s || s->state != SYM_READY || exec_bn_decimal(r->last_qty, s->qty_decimals, UINT32_MAX, &q) < 0 ||
	             exec_bn_decimal(r->last_px, s->px_decimals, UINT32_MAX, &p) < 0)) {
		g->st.bad_events++;
		snprintf(g->st.last_bad, sizeof(g->st.last_bad),
		         "executionReport of %s: a fill of %s at %s osprey cannot hold", r->symbol,
		         r->last_qty, r->last_px);
		return;
	}
	struct gw_order *o = NULL;
	if (exec_bn_client_id(r->client_id, &id, &seq) == 0)
		o = gw_find(&g->gw, id);
	if (!o || o->seq != seq) {
		if (fill) { /* not ours, or ended here: the position still moves */
			struct gw_order tmp = { .order_id = 0, .locate = (uint16_t)loc, .side = r->side };
			g->gw.unknown_reports++;
			gw_report(&g->gw, &tmp, EXEC_FILL, (uint32_t)p, (uint32_t)q, EXEC_REASON_NONE, 0);
		}
		g->st.unknown_orders++;
		return;
	}
	switch (r->exec) {
	case EXEC_BN_NEW:
		ack(g, o);
		break;
	case EXEC_BN_TRADE:
		ack(g, o);
		if (q > o->leaves)
			q = o->leaves;
		o->cum += (uint32_t)q;
		o->leaves -= (uint32_t)q;
		gw_report(&g->gw, o, EXEC_FILL, (uint32_t)p, (uint32_t)q, EXEC_REASON_NONE, 0);
		if (!o->leaves)
			gw_retire(&g->gw, o);
		break;
	case EXEC_BN_CANCELED:
	case EXEC_BN_EXPIRED:
	case EXEC_BN_TRADE_PREVENTION:
		ack(g, o);
		end(g, o, EXEC_CANCELED, end_reason(o));
		break;
	case EXEC_BN_REJECTED:
		end(g, o, EXEC_REJECTED, EXEC_REASON_INVALID);
		break;
	default:
		break;
	}
}

static void on_stream(struct exec_bn_gw *g)
{
	for (int n = 0; n < EVENTS; n++) {
		if (!room2(g)) /* an event queues at most two reports */
			return;
		const char *msg;
		size_t len;
		int r = g->stream_io.ops->next(g->stream_io.ctx, &msg, &len);
		if (r <= 0) {
			if (r < 0) {
				note(g, "the user data stream failed: %s", strerror(-r));
				g->fatal = r;
			}
			return;
		}
		g->st.events++;
		struct exec_bn_report rep;
		char other[EXEC_BN_TEXT], why[160];
		int e = exec_bn_event_parse(msg, len, &rep, other, why, sizeof(why));
		if (e < 0) {
			g->st.bad_events++;
			snprintf(g->st.last_bad, sizeof(g->st.last_bad), "event %" PRIu64 ": %s",
			         g->st.events, why);
		} else if (e == 0) {
			g->st.other_events++;
		} else {
			on_report(g, &rep);
		}
	}
}

static int flush_cancels(struct exec_bn_gw *g)
{
	for (struct gw_order *o = gw_open_first(&g->gw); o && g->gw.ncancel_due;
	     o = gw_open_next(&g->gw, o)) {
		if (!o->cancel_due)
			continue;
		int e = ask_cancel(g, o);
		if (e != 0)
			return e;
		gw_cancel_paid(&g->gw, o);
	}
	return 0;
}

static int bn_send(void *ctx, const struct order_msg *m)
{
	struct exec_bn_gw *g = ctx;
	if (g->fatal)
		return g->fatal;
	switch (m->kind) {
	case ORDER_NEW: {
		if (!m->qty || !m->px || (m->side != 'B' && m->side != 'S') ||
		    (m->tif != EXEC_TIF_DAY && m->tif != EXEC_TIF_IOC))
			return gw_refuse(&g->gw, m, EXEC_REASON_INVALID, &g->st.invalid);
		if (m->order_id <= g->last_new_id)
			return gw_refuse(&g->gw, m, EXEC_REASON_DUPLICATE, &g->st.invalid);
		if (!m->locate || m->locate > g->nsyms ||
		    (g->nsettled == g->nsyms && g->syms[m->locate - 1].state != SYM_READY))
			return gw_refuse(&g->gw, m, EXEC_REASON_INVALID, &g->st.no_symbol);
		const struct bsym *y = &g->syms[m->locate - 1];
		if (y->state == SYM_READY &&
		    ((y->tick && m->px % y->tick) || (y->step && m->qty % y->step) ||
		     m->qty < y->min_qty || (uint64_t)m->qty * m->px < y->min_notional))
			return gw_refuse(&g->gw, m, EXEC_REASON_INVALID, &g->st.filtered);
		if (!up(g) || g->gw.free_head < 0) {
			g->st.send_busy++;
			return EXEC_VENUE_BUSY;
		}
		struct req r = { .kind = R_NEW, .side = m->side, .tif = m->tif,
			         .px_decimals = y->px_decimals, .qty_decimals = y->qty_decimals,
			         .locate = m->locate, .order_id = m->order_id, .seq = m->seq,
			         .qty = m->qty, .px = m->px };
		int e = ask(g, &r);
		if (e != 0)
			return e;
		gw_track(&g->gw, m);
		g->last_new_id = m->order_id;
		g->st.orders++;
		return 0;
	}
	case ORDER_CANCEL: {
		struct gw_order *o = gw_find(&g->gw, m->order_id);
		if (!o) {
			g->gw.st.cancel_too_late++;
			return 0;
		}
		return ask_cancel(g, o);
	}
	case ORDER_CANCEL_ALL:
		for (struct gw_order *o = gw_open_first(&g->gw); o; o = gw_open_next(&g->gw, o)) {
			o->mass_sent = true;
			gw_owe_cancel(&g->gw, o);
		}
		(void)flush_cancels(g); /* busy: the rest on the next polls */
		return 0;
	case ORDER_WATERMARK:
		return 0;
	case ORDER_EOS:
		g->eos = true;
		g->drain_until_ns = core_now_ns() + g->drain_ns;
		return 0;
	default:
		return -EINVAL;
	}
}

static int bn_market(void *ctx, const struct md_event *e)
{
	struct exec_bn_gw *g = ctx;
	gw_market(&g->gw, e);
	return 0;
}

static int bn_poll(void *ctx, struct exec_report *out, uint32_t cap)
{
	struct exec_bn_gw *g = ctx;
	uint64_t now = core_now_ns();
	if (!g->done && !g->fatal) {
		for (unsigned i = 0; g->nsettled < g->nsyms && i < g->nsyms; i++) {
			struct bsym *y = &g->syms[i];
			struct req r = { .kind = R_INFO, .locate = (uint16_t)(i + 1) };
			if (y->state == SYM_ASK && now >= y->retry_ns && ask(g, &r) == 0)
				y->state = SYM_ASKED;
		}
		if (!g->listen_asked && now >= g->listen_retry_ns) {
			struct req r = { .kind = R_LISTEN, .locate = 1 };
			if (ask(g, &r) == 0)
				g->listen_asked = true;
		}
		struct ans a; /* each answer queues at most two reports */
		for (int n = 0; n < EVENTS && room2(g) && core_ring_pop(g->answers, &a) == 0; n++)
			on_answer(g, &a, now);
		if (g->stream_opened && !g->fatal)
			on_stream(g);
		if (g->gw.ncancel_due)
			(void)flush_cancels(g);
		if (g->eos && (g->gw.nopen == 0 || now >= g->drain_until_ns))
			g->done = true;
	}
	uint32_t n = gw_pop(&g->gw, out, cap);
	if (n == 0 && g->fatal)
		return g->fatal;
	return (int)n;
}

static enum exec_session bn_session(const void *ctx)
{
	const struct exec_bn_gw *g = ctx;
	if (g->done && g->gw.q_head == g->gw.q_tail)
		return EXEC_SESSION_DONE;
	if (g->fatal)
		return EXEC_SESSION_DOWN;
	if (up(g))
		return EXEC_SESSION_UP;
	return g->listen_asked || g->stream_opened ? EXEC_SESSION_CONNECTING : EXEC_SESSION_DOWN;
}

static void bn_stats(const void *ctx, struct exec_venue_stats *ret)
{
	const struct exec_bn_gw *g = ctx;
	*ret = g->gw.st;
}

static const struct exec_venue_ops bn_ops = {
	.send = bn_send,
	.market = bn_market,
	.poll = bn_poll,
	.session = bn_session,
	.stats = bn_stats,
	.event_time = false,
	.name = "binance",
};

struct exec_venue exec_bn_gw_venue(struct exec_bn_gw *g)
{
	return (struct exec_venue){ .ops = &bn_ops, .ctx = g };
}

/* ------------------------------------------------------------------------- */
/* Setup */

static int copy(char *dst, size_t cap, const char *src, const char *what, char *err,
                size_t errlen)
{
	if (!src || !*src || strlen(src) >= cap) {
		core_errf(err, errlen, "binance gateway: %s is %s", what,
		          !src || !*src ? "missing" : "too long");
		return -EINVAL;
	}
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

CORE_COLD int exec_bn_gw_create(const struct exec_bn_gw_config *cfg, struct exec_bn_gw **ret,
                                char *err, size_t errlen)
{
	if (!cfg || !ret || !cfg->stream_io.ops || !cfg->symbols || !cfg->nsymbols ||
	    cfg->nsymbols >= EXEC_LOCATES) {
		core_errf(err, errlen,
		          "binance gateway: cfg, ret, the stream and 1 to 65535 symbols are required");
		return -EINVAL;
	}
	uint32_t max_orders = cfg->max_orders ? cfg->max_orders : 4096;
	uint32_t q_cap = 2 * max_orders + 64;
	struct exec_bn_gw *g;
	struct core_layout l = core_layout_begin(sizeof(*g));
	struct gw_plan plan;
	gw_plan(&l, max_orders, q_cap, &plan);
	size_t syms = core_layout_add(&l, cfg->nsymbols, sizeof(struct bsym), CORE_CACHE_LINE);
	size_t names = core_layout_add(&l, cfg->nsymbols, EXEC_BN_TEXT, CORE_CACHE_LINE);
	size_t body = core_layout_add(&l, BODY_MAX + 1, 1, CORE_CACHE_LINE);
	if (!(g = core_layout_alloc(&l))) {
		core_errf(err, errlen, "binance gateway: out of memory");
		return -ENOMEM;
	}
	gw_place(&g->gw, g, &plan, max_orders, q_cap);
	g->syms = core_layout_at(g, syms);
	g->names = core_layout_at(g, names);
	g->body = core_layout_at(g, body);
	int r;
	if ((r = copy(g->rest, sizeof(g->rest), cfg->rest, "rest", err, errlen)) < 0 ||
	    (r = copy(g->stream, sizeof(g->stream), cfg->stream, "stream", err, errlen)) < 0 ||
	    (r = copy(g->api_key, sizeof(g->api_key), cfg->api_key, "the API key", err,
	              errlen)) < 0 ||
	    (r = copy(g->secret, sizeof(g->secret), cfg->secret, "the secret", err, errlen)) < 0 ||
	    (cfg->ca_file &&
	     (r = copy(g->ca_file, sizeof(g->ca_file), cfg->ca_file, "ca_file", err, errlen)) < 0))
		goto fail;
	g->secret_len = strlen(g->secret);
	for (unsigned i = 0; i < cfg->nsymbols; i++) {
		const struct exec_bn_symbol *s = &cfg->symbols[i];
		bool px_ok = s->px_decimals <= 9 || s->px_decimals == EXEC_BN_SCALE_EXCHANGE;
		bool qty_ok = s->qty_decimals <= 9 || s->qty_decimals == EXEC_BN_SCALE_EXCHANGE;
		if (!s->name || !*s->name || strlen(s->name) >= EXEC_BN_TEXT || !px_ok || !qty_ok) {
			core_errf(err, errlen,
			          "binance gateway: symbol %u: a name and decimals <= 9 (or "
			          "EXEC_BN_SCALE_EXCHANGE)",
			          i + 1);
			r = -EINVAL;
			goto fail;
		}
		snprintf(g->names[i], EXEC_BN_TEXT, "%s", s->name);
		g->syms[i] = (struct bsym){ .state = SYM_ASK,
			                    .want_px = s->px_decimals,
			                    .want_qty = s->qty_decimals };
	}
	g->nsyms = cfg->nsymbols;
	g->recv_window_ms = cfg->recv_window_ms ? cfg->recv_window_ms : 5000;
	g->drain_ns = cfg->drain_ns ? cfg->drain_ns : 2000000000ull;
	g->stream_io = cfg->stream_io;
	char hdr[160];
	snprintf(hdr, sizeof(hdr), "X-MBX-APIKEY: %s", g->api_key);
	if (!(g->reqs = core_ring_create("bn-requests", RING_CAP, sizeof(struct req))) ||
	    !(g->answers = core_ring_create("bn-answers", RING_CAP, sizeof(struct ans))) ||
	    !(g->curl = curl_easy_init()) ||
	    !(g->headers = curl_slist_append(NULL, hdr))) {
		core_errf(err, errlen, "binance gateway: out of memory");
		r = -ENOMEM;
		goto fail;
	}
	curl_easy_setopt(g->curl, CURLOPT_HTTPHEADER, g->headers);
	curl_easy_setopt(g->curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(g->curl, CURLOPT_WRITEDATA, g);
	curl_easy_setopt(g->curl, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(g->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(g->curl, CURLOPT_TCP_NODELAY, 1L);
	if (g->ca_file[0])
		curl_easy_setopt(g->curl, CURLOPT_CAINFO, g->ca_file);
	atomic_init(&g->stop, false);
	if ((r = -pthread_create(&g->thread, NULL, rest_thread, g)) < 0) {
		core_errf(err, errlen, "binance gateway: its REST thread: %s", strerror(-r));
		goto fail;
	}
	g->started = true;
	*ret = g;
	return 0;
fail:
	exec_bn_gw_destroy(g);
	return r;
}

struct exec_bn_gw *exec_bn_gw_destroy(struct exec_bn_gw *g)
{
	if (!g)
		return NULL;
	if (g->started) {
		atomic_store_explicit(&g->stop, true, memory_order_relaxed);
		pthread_join(g->thread, NULL);
	}
	if (g->stream_opened && g->stream_io.ops->close)
		g->stream_io.ops->close(g->stream_io.ctx);
	curl_slist_free_all(g->headers);
	if (g->curl)
		curl_easy_cleanup(g->curl);
	core_ring_destroy(g->reqs);
	core_ring_destroy(g->answers);
	explicit_bzero(g->secret, sizeof(g->secret));
	core_free(g);
	return NULL;
}

void exec_bn_gw_stats(const struct exec_bn_gw *g, struct exec_bn_gw_stats *ret)
{
	*ret = g->st;
	ret->open_orders = g->gw.nopen;
	ret->unknown_reports = g->gw.unknown_reports;
	ret->cancel_too_late = g->gw.st.cancel_too_late;
}
