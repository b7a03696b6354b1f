/*
 * venue_crypto.c - osprey-venue as a crypto exchange (venue_crypto.h): the
 * capture replayed to WebSocket clients, Binance-spot order entry over
 * libmicrohttpd, fills against the replayed L2 book.
 *
 * One thread: libmicrohttpd in its external mode (MHD_run each turn), the
 * WebSocket connections it upgrades driven here (non-blocking sockets, our
 * own RFC 6455 server framing: frames out unmasked, frames in masked), the
 * capture's lines applied to feeds_crypto books as they fall due. Orders
 * and answers are the codec's (exec.h "Binance spot order entry": the
 * signature is exec_bn_sign).
 *
 * This file: the capture, the books, the fills, the connections and the
 * loop; the HTTP side (REST calls, handshakes) is venue_crypto_rest.c, the
 * WebSocket framing ws_server.c.
 */
#define _GNU_SOURCE
#include "venue_crypto_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

void venue_crypto__log(struct venue_crypto *v, const char *fmt, ...)
{
	if (!v->cfg.log)
		return;
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	v->cfg.log(v->cfg.log_arg, line);
}

uint64_t venue_crypto__wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

/* v at d decimals: "12.3400" (d 4), "7" (d 0). */
const char *venue_crypto__dec(char *buf, size_t cap, uint64_t v, unsigned d)
{
	uint64_t p = 1;
	for (unsigned i = 0; i < d; i++)
		p *= 10;
	if (d == 0)
		snprintf(buf, cap, "%" PRIu64, v);
	else
		snprintf(buf, cap, "%" PRIu64 ".%0*" PRIu64, v / p, (int)d, v % p);
	return buf;
}

/* ------------------------------------------------------------------------- */
/* WebSocket connections */

static void conn_drop(struct venue_crypto *v, int i)
{
	struct wsconn *c = v->conns[i];
	MHD_upgrade_action(c->urh, MHD_UPGRADE_ACTION_CLOSE); /* closes the socket */
	ws_server_fini(&c->ws);
	free(c);
	v->conns[i] = NULL;
}

static void broadcast(struct venue_crypto *v, uint8_t kind, const char *msg, size_t n)
{
	for (int i = 0; i < MAX_CONNS; i++) {
		struct wsconn *c = v->conns[i];
		if (!c || c->kind != kind || c->ws.closing)
			continue;
		if (ws_server_send(&c->ws, 1, msg, n) < 0) {
			venue_crypto__log(v, "a %s client fell %u MiB behind: cut",
			                  kind == C_MD ? "market-data" : "user", TX_MAX >> 20);
			v->st.md_slow++;
			conn_drop(v, i);
		} else if (kind == C_MD) {
			v->st.md_sent++;
		}
	}
}

/* ------------------------------------------------------------------------- */
/* Orders */

const char *venue_crypto__side(uint8_t s)
{
	return s == 'B' ? "BUY" : "SELL";
}

void venue_crypto__report(struct venue_crypto *v, const struct corder *o, const char *x,
                          const char *status, uint64_t last_qty, uint32_t last_px)
{
	unsigned pxd = 4, qtyd = 8;
	(void)feeds_crypto_scale(v->instr, o->locate, &pxd, &qtyd);
	char q[32], p[32], l[32], z[32], lp[32], msg[1024];
	uint64_t now = venue_crypto__wall_ms();
	bool trade = !strcmp(x, "TRADE");
	int n = snprintf(
	        msg, sizeof(msg),
	        "{\"e\":\"executionReport\",\"E\":%" PRIu64 ",\"s\":\"%s\",\"c\":\"%s\","
	        "\"S\":\"%s\",\"o\":\"LIMIT\",\"f\":\"%s\",\"q\":\"%s\",\"p\":\"%s\","
	        "\"C\":\"%s\",\"x\":\"%s\",\"X\":\"%s\",\"r\":\"NONE\",\"i\":%" PRIu64
	        ",\"l\":\"%s\",\"z\":\"%s\",\"L\":\"%s\",\"n\":\"0\",\"N\":null,\"T\":%" PRIu64
	        ",\"t\":%" PRId64 ",\"w\":%s,\"m\":false,\"O\":%" PRIu64 "}",
	        now, feeds_crypto_symbol(v->instr, o->locate), o->id, venue_crypto__side(o->side),
	        o->tif == EXEC_TIF_IOC ? "IOC" : "GTC",
	        venue_crypto__dec(q, sizeof(q), o->qty, qtyd),
	        venue_crypto__dec(p, sizeof(p), o->px, pxd), strcmp(x, "CANCELED") ? "" : o->id, x,
	        status, o->order_id, venue_crypto__dec(l, sizeof(l), last_qty, qtyd),
	        venue_crypto__dec(z, sizeof(z), o->cum, qtyd),
	        venue_crypto__dec(lp, sizeof(lp), last_px, pxd), now,
	        trade ? (int64_t)v->trade_id : (int64_t)-1,
	        !strcmp(status, "NEW") ? "true" : "false", o->created_ms);
	if (n > 0 && (size_t)n < sizeof(msg)) /* (its fields are bounded: it always fits) */
		broadcast(v, C_USER, msg, (size_t)n);
}

static void fill(struct venue_crypto *v, struct corder *o, uint64_t qty, uint32_t px)
{
	if (qty > o->qty - o->cum)
		qty = o->qty - o->cum;
	if (!qty)
		return;
	o->cum += qty;
	v->trade_id++;
	v->st.fills++;
	struct pos *p = &v->pos[o->locate];
	p->position += o->side == 'B' ? (int64_t)qty : -(int64_t)qty;
	p->fills++;
	bool done = o->cum == o->qty;
	if (done)
		o->open = false;
	venue_crypto__report(v, o, "TRADE", done ? "FILLED" : "PARTIALLY_FILLED", qty, px);
}

void venue_crypto__expire(struct venue_crypto *v, struct corder *o)
{
	o->open = false;
	v->st.expired++;
	venue_crypto__report(v, o, "EXPIRED", "EXPIRED", 0, 0);
}

/* A new order against the book: each level it crosses, at the level's price. */
void venue_crypto__take(struct venue_crypto *v, struct corder *o)
{
	struct feeds_level lv[DEPTH];
	int n = feeds_crypto_depth(v->books, o->locate, o->side == 'B' ? 'S' : 'B', lv, DEPTH);
	for (int i = 0; i < n && o->open; i++) {
		if (o->side == 'B' ? lv[i].px > o->px : lv[i].px < o->px)
			break;
		fill(v, o, lv[i].qty, lv[i].px);
	}
}

/* The book of locate moved, or a trade printed there: resting orders it
 * reaches fill at their price. */
static void touch(struct venue_crypto *v, const struct md_event *e)
{
	struct feeds_level bid, ask;
	if (feeds_crypto_bbo(v->books, e->locate, &bid, &ask) < 0)
		return;
	for (uint32_t i = 0; i < v->norders; i++) {
		struct corder *o = &v->orders[i];
		if (!o->open || o->locate != e->locate)
			continue;
		bool buy = o->side == 'B';
		if (buy ? ask.qty && ask.px <= o->px : bid.qty && bid.px >= o->px) {
			fill(v, o, o->qty, o->px);
		} else if (e->kind == MD_TRADE && e->px) {
			if (buy ? e->px < o->px : e->px > o->px)
				fill(v, o, o->qty, o->px);
			else if (e->px == o->px)
				fill(v, o, e->qty, o->px);
		}
	}
}

/* ------------------------------------------------------------------------- */
/* The capture */

/* The next line of f: its span, and its capture time (0: a line with none,
 * applied at once). false at the end. */
static bool next_line(const struct src *f, const char **line, size_t *len, double *ts)
{
	if (f->off >= f->len)
		return false;
	const char *p = f->buf + f->off;
	const char *nl = memchr(p, '\n', f->len - f->off);
	*len = nl ? (size_t)(nl - p) : f->len - f->off;
	*line = p;
	const char *t = p;
	if (f->rest) { /* the time after the URL */
		const char *arrow = memmem(p, *len, " -> ", 4);
		t = arrow ? arrow + 4 : p + *len;
	}
	char *end;
	*ts = t < p + *len ? strtod(t, &end) : 0;
	if (*ts && (end == t || end >= p + *len || *end != ':'))
		*ts = 0;
	return true;
}

/* The REST snapshots recorded up to capture time ts (all: ts < 0) applied to
 * the books, as the exchange's own book had them. */
static void apply_rest(struct venue_crypto *v, double ts)
{
	const char *line;
	size_t len;
	double at;
	const struct md_event *ev;
	char err[256];
	while (next_line(&v->rest, &line, &len, &at) && (ts < 0 || at <= ts)) {
		v->rest.off += len + 1;
		if (feeds_crypto_line(v->books, line, len, &ev, err, sizeof(err)) < 0 &&
		    v->st.bad_lines++ < 5)
			venue_crypto__log(v, "%s: %s", v->cfg.rest_capture, err);
	}
}

/* Apply and publish every line due by now; the books' events then touch
 * the resting orders. */
static void publish(struct venue_crypto *v, uint64_t now)
{
	const char *line;
	size_t len;
	double ts;
	for (int n = 0; n < 256 && next_line(&v->cap, &line, &len, &ts); n++) {
		if (ts > 0) {
			if (v->ts_first == 0)
				v->ts_first = ts;
			if (v->cfg.speed > 0 &&
			    now < v->t0_ns + (uint64_t)((ts - v->ts_first) / v->cfg.speed * 1e9))
				return;
			apply_rest(v, ts);
		}
		v->cap.off += len + 1;
		v->st.lines++;
		const struct md_event *ev;
		char err[256];
		int r = feeds_crypto_line(v->books, line, len, &ev, err, sizeof(err));
		if (r < 0) {
			if (v->st.bad_lines++ < 5)
				venue_crypto__log(v, "%s: line %" PRIu64 ": %s", v->cfg.capture,
				                  v->st.lines, err);
			continue;
		}
		if (ts > 0) { /* "<ts>: <message>": what the exchange sent */
			const char *msg = memchr(line, ':', len);
			if (msg && msg + 2 <= line + len) {
				msg += 2;
				v->st.messages++;
				broadcast(v, C_MD, msg, (size_t)(line + len - msg));
			}
		}
		for (int i = 0; i < r; i++)
			if (i + 1 == r || ev[i + 1].locate != ev[i].locate ||
			    ev[i].kind == MD_TRADE)
				touch(v, &ev[i]);
	}
}

/* ------------------------------------------------------------------------- */
/* Setup, the loop, the end */

/* The capture read through once: v->instr learns every symbol (and its
 * final scales) before a client asks; the replayed books are declared in
 * the same order, so a locate is the same in both. */
static int read_instruments(struct venue_crypto *v, char *err, size_t errlen)
{
	if (!feeds_crypto_sniff(v->cap.buf, v->cap.len < 64 ? v->cap.len : 64)) {
		core_errf(err, errlen, "%s: not a cryptofeed capture", v->cfg.capture);
		return -EINVAL;
	}
	int r = feeds_crypto_create(NULL, &v->instr, err, errlen);
	if (r < 0)
		return r;
	const char *line;
	size_t len;
	double ts;
	const struct md_event *ev;
	char why[256];
	for (struct src *f = &v->rest; f; f = f == &v->rest ? &v->cap : NULL) {
		while (next_line(f, &line, &len, &ts)) {
			f->off += len + 1;
			(void)feeds_crypto_line(v->instr, line, len, &ev, why, sizeof(why));
		}
		f->off = 0;
	}
	unsigned n = feeds_crypto_nsymbols(v->instr);
	if (!n) {
		core_errf(err, errlen, "%s: no symbol in the capture", v->cfg.capture);
		return -EINVAL;
	}
	const char *names[64];
	for (unsigned i = 0; i < n && i < 64; i++)
		names[i] = feeds_crypto_symbol(v->instr, (uint16_t)(i + 1));
	struct feeds_crypto_cfg bc = { .declare = names, .ndeclare = n < 64 ? n : 64 };
	return feeds_crypto_create(&bc, &v->books, err, errlen);
}

int venue_crypto_create(const struct venue_crypto_cfg *cfg, struct venue_crypto **ret, char *err,
                        size_t errlen)
{
	if (!cfg->capture || !cfg->listen || !cfg->api_key || !cfg->secret || !*cfg->api_key ||
	    !*cfg->secret || strlen(cfg->api_key) >= 128 || strlen(cfg->secret) >= 128) {
		core_errf(err, errlen, "crypto venue: a capture, an address, a key and a secret");
		return -EINVAL;
	}
	char host[64];
	const char *colon = strrchr(cfg->listen, ':');
	struct sockaddr_in sa = { .sin_family = AF_INET };
	if (!colon || (size_t)(colon - cfg->listen) >= sizeof(host)) {
		core_errf(err, errlen, "crypto venue: '%s' is not A.B.C.D:PORT", cfg->listen);
		return -EINVAL;
	}
	memcpy(host, cfg->listen, (size_t)(colon - cfg->listen));
	host[colon - cfg->listen] = '\0';
	char *end;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (*end || port > 65535 || inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		core_errf(err, errlen, "crypto venue: '%s' is not A.B.C.D:PORT", cfg->listen);
		return -EINVAL;
	}
	sa.sin_port = htons((uint16_t)port);
	struct venue_crypto *v = calloc(1, sizeof(*v));
	if (!v || !(v->orders = calloc(MAX_ORDERS, sizeof(*v->orders)))) {
		free(v);
		core_errf(err, errlen, "crypto venue: out of memory");
		return -ENOMEM;
	}
	v->cfg = *cfg;
	snprintf(v->api_key, sizeof(v->api_key), "%s", cfg->api_key);
	snprintf(v->secret, sizeof(v->secret), "%s", cfg->secret);
	v->next_order_id = 1000;
	v->rest.rest = true;
	int r = core_file_read(cfg->capture, (size_t)1 << 30, &v->cap.buf, &v->cap.len, err,
	                       errlen);
	if (r == 0 && cfg->rest_capture)
		r = core_file_read(cfg->rest_capture, (size_t)1 << 30, &v->rest.buf, &v->rest.len,
		                   err, errlen);
	if (r < 0 || (r = read_instruments(v, err, errlen)) < 0) {
		venue_crypto_destroy(v);
		return r;
	}
	v->d = MHD_start_daemon(
	        MHD_ALLOW_UPGRADE | MHD_USE_ERROR_LOG, 0, NULL, NULL, venue_crypto__on_request, v,
	        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_URI_LOG_CALLBACK,
	        venue_crypto__on_uri, v, MHD_OPTION_NOTIFY_COMPLETED, venue_crypto__on_done, v,
	        MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
	if (!v->d) {
		core_errf(err, errlen, "crypto venue: cannot listen on %s", cfg->listen);
		venue_crypto_destroy(v);
		return -EADDRINUSE;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(v->d, MHD_DAEMON_INFO_BIND_PORT);
	v->st.port = di ? di->port : (uint16_t)port;
	*ret = v;
	return 0;
}

static unsigned clients(const struct venue_crypto *v)
{
	unsigned n = 0;
	for (int i = 0; i < MAX_CONNS; i++)
		n += v->conns[i] != NULL;
	return n;
}

int venue_crypto_run(struct venue_crypto *v, volatile sig_atomic_t *stop, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	uint64_t start_wait = v->cfg.start_wait_ns ? v->cfg.start_wait_ns : 30 * NS;
	uint64_t grace = v->cfg.close_grace_ns ? v->cfg.close_grace_ns : NS;
	uint64_t end_wait = v->cfg.end_wait_ns ? v->cfg.end_wait_ns : 5 * NS;
	v->start_by_ns = mono_ns() + start_wait;
	venue_crypto__log(v, "listening %.*s:%u (REST, user data and market-data WebSockets)",
	                  (int)(strrchr(v->cfg.listen, ':') - v->cfg.listen), v->cfg.listen,
	                  v->st.port);
	while (!*stop) {
		uint64_t now = mono_ns();
		MHD_run(v->d);
		if (!v->started && (v->st.md_clients || now >= v->start_by_ns)) {
			v->started = true;
			v->t0_ns = now;
		}
		if (v->started && !v->ended) {
			publish(v, now);
			if (v->cap.off >= v->cap.len) {
				apply_rest(v, -1);
				v->ended = true;
				v->ended_ns = now;
				venue_crypto__log(v,
				                  "the capture is over: %" PRIu64 " lines, %" PRIu64
				                  " messages",
				                  v->st.lines, v->st.messages);
			}
		}
		if (v->ended && !v->closed && now >= v->ended_ns + grace) {
			v->closed = true;
			v->closed_ns = now;
			for (uint32_t i = 0; i < v->norders; i++)
				if (v->orders[i].open)
					venue_crypto__expire(v, &v->orders[i]);
			venue_crypto__log(v, "closed: open orders expired");
		}
		if (v->closed && (!clients(v) || now >= v->closed_ns + end_wait))
			break;
		struct pollfd pf[MAX_CONNS];
		int idx[MAX_CONNS], n = 0;
		for (int i = 0; i < MAX_CONNS; i++) {
			struct wsconn *c = v->conns[i];
			if (!c)
				continue;
			short ev = (short)(POLLIN | (ws_server_pending(&c->ws) ? POLLOUT : 0));
			pf[n] = (struct pollfd){ .fd = c->ws.fd, .events = ev };
			idx[n++] = i;
		}
		(void)poll(pf, (nfds_t)n, 1);
		for (int k = 0; k < n; k++) {
			struct wsconn *c = v->conns[idx[k]];
			int r = 0;
			if (pf[k].revents & (POLLIN | POLLHUP | POLLERR))
				r = ws_server_read(&c->ws);
			if (r == 0 && (ws_server_pending(&c->ws) || c->ws.closing))
				r = ws_server_write(&c->ws);
			if (r < 0) {
				if (r == -EPROTO)
					venue_crypto__log(v, "a client dropped: %s", c->ws.why);
				conn_drop(v, idx[k]);
			}
		}
	}
	v->st.interrupted = *stop != 0;
	return 0;
}

void venue_crypto_stats(const struct venue_crypto *v, struct venue_crypto_stats *ret)
{
	*ret = v->st;
}

int venue_crypto_positions(const struct venue_crypto *v, struct venue_crypto_position **ret)
{
	unsigned n = 0, ns = feeds_crypto_nsymbols(v->instr);
	*ret = calloc(ns ? ns : 1, sizeof(**ret));
	if (!*ret)
		return -ENOMEM;
	for (unsigned loc = 1; loc <= ns; loc++) {
		const struct pos *p = &v->pos[loc];
		if (!p->fills)
			continue;
		struct venue_crypto_position *o = &(*ret)[n++];
		unsigned pxd;
		snprintf(o->symbol, sizeof(o->symbol), "%s",
		         feeds_crypto_symbol(v->instr, (uint16_t)loc));
		o->position = p->position;
		o->fills = p->fills;
		(void)feeds_crypto_scale(v->instr, (uint16_t)loc, &pxd, &o->qty_decimals);
	}
	return (int)n;
}

struct venue_crypto *venue_crypto_destroy(struct venue_crypto *v)
{
	if (!v)
		return NULL;
	for (int i = 0; i < MAX_CONNS; i++)
		if (v->conns[i])
			conn_drop(v, i);
	if (v->d)
		MHD_stop_daemon(v->d);
	feeds_crypto_destroy(v->books);
	feeds_crypto_destroy(v->instr);
	free(v->cap.buf);
	free(v->rest.buf);
	free(v->orders);
	explicit_bzero(v->secret, sizeof(v->secret));
	free(v);
	return NULL;
}
