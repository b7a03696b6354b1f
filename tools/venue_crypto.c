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
 * Past 800 lines because the exchange is one state (the books, the orders,
 * the connections) that the REST calls, the capture's lines and the loop
 * all change; the WebSocket framing is ws_server.c, the codec exec's.
 */
#define _GNU_SOURCE
#include "venue_crypto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core.h"
#include "exec.h"
#include "feeds.h"
#include "ws_server.h"

#define MAX_CONNS  64
#define MAX_ORDERS 65536
#define DEPTH      64          /* levels a new order may take */
#define TX_MAX     (64u << 20) /* a client this far behind is cut */
#define BODY_MAX   8192
#define NS         1000000000ull

enum { C_MD = 1, C_USER = 2 };

struct wsconn {
	struct ws_server_conn ws; /* the socket MHD handed over, and its frames */
	uint8_t kind;
	struct MHD_UpgradeResponseHandle *urh;
};

struct corder {
	char id[EXEC_BN_TEXT]; /* newClientOrderId */
	uint64_t order_id;
	uint16_t locate;
	uint8_t side, tif; /* 'B'/'S', EXEC_TIF_DAY (GTC) / EXEC_TIF_IOC */
	bool open;
	uint32_t px;
	uint64_t qty, cum;
	uint64_t created_ms;
};

struct pos {
	int64_t position;
	uint64_t fills;
};

/* A capture file, whole, and the next line to read. */
struct src {
	char *buf;
	size_t len, off;
	bool rest; /* "URL -> <ts>: <json>" lines, not "<ts>: <json>" */
};

/* One HTTP request's state (MHD's req_cls). */
struct req {
	char uri[2048]; /* as sent, query included (the signature covers it) */
	char body[BODY_MAX];
	size_t body_len;
	bool too_long;
	bool headers_seen; /* MHD's first call (headers only) is past */
};

struct venue_crypto {
	struct venue_crypto_cfg cfg;
	char api_key[128], secret[128];
	struct feeds_crypto *instr; /* the whole capture read at create: every symbol
	                             * and its scales, for exchangeInfo and orders */
	struct feeds_crypto *books; /* the books as replayed (the same locates) */
	struct src cap;             /* the stream's lines */
	struct src rest;            /* Binance REST snapshots' lines (or none) */
	double ts_first;
	bool started, ended, closed;
	uint64_t t0_ns, ended_ns, closed_ns, start_by_ns;
	struct MHD_Daemon *d;
	struct wsconn *conns[MAX_CONNS];
	char listen_key[65];
	struct corder *orders;
	uint32_t norders;
	uint64_t next_order_id, trade_id;
	struct pos pos[65536];
	struct venue_crypto_stats st;
};

static void logf_(struct venue_crypto *v, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static void logf_(struct venue_crypto *v, const char *fmt, ...)
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

static uint64_t wall_ms(void)
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
static const char *dec(char *buf, size_t cap, uint64_t v, unsigned d)
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
			logf_(v, "a %s client fell %u MiB behind: cut",
			      kind == C_MD ? "market-data" : "user", TX_MAX >> 20);
			v->st.md_slow++;
			conn_drop(v, i);
		} else if (kind == C_MD) {
			v->st.md_sent++;
		}
	}
}

static void on_upgrade(void *cls, struct MHD_Connection *connection, void *req_cls,
                       const char *extra_in, size_t extra_in_size, MHD_socket sock,
                       struct MHD_UpgradeResponseHandle *urh)
{
	(void)connection;
	struct venue_crypto *v = cls;
	struct req *rq = req_cls;
	int slot = -1;
	for (int i = 0; i < MAX_CONNS && slot < 0; i++)
		if (!v->conns[i])
			slot = i;
	struct wsconn *c = slot >= 0 ? calloc(1, sizeof(*c)) : NULL;
	if (!c) {
		MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
		return;
	}
	c->ws.fd = sock;
	c->ws.max_tx = TX_MAX;
	c->urh = urh;
	c->kind = strncmp(rq->uri, "/ws/", 4) ? C_MD : C_USER;
	if (extra_in_size && extra_in_size <= sizeof(c->ws.rx)) { /* read with the request */
		memcpy(c->ws.rx, extra_in, extra_in_size);
		c->ws.rx_len = extra_in_size;
	}
	v->conns[slot] = c;
	if (c->kind == C_MD) {
		v->st.md_clients++;
		logf_(v, "market data: a client on %s", rq->uri);
	} else {
		v->st.user_streams++;
		logf_(v, "user data stream opened");
	}
}

/* ------------------------------------------------------------------------- */
/* Orders */

static const char *side_word(uint8_t s)
{
	return s == 'B' ? "BUY" : "SELL";
}

static void report(struct venue_crypto *v, const struct corder *o, const char *x,
                   const char *status, uint64_t last_qty, uint32_t last_px)
{
	unsigned pxd = 4, qtyd = 8;
	(void)feeds_crypto_scale(v->instr, o->locate, &pxd, &qtyd);
	char q[32], p[32], l[32], z[32], lp[32], msg[1024];
	uint64_t now = wall_ms();
	bool trade = !strcmp(x, "TRADE");
	int n = snprintf(
	        msg, sizeof(msg),
	        "{\"e\":\"executionReport\",\"E\":%" PRIu64 ",\"s\":\"%s\",\"c\":\"%s\","
	        "\"S\":\"%s\",\"o\":\"LIMIT\",\"f\":\"%s\",\"q\":\"%s\",\"p\":\"%s\","
	        "\"C\":\"%s\",\"x\":\"%s\",\"X\":\"%s\",\"r\":\"NONE\",\"i\":%" PRIu64
	        ",\"l\":\"%s\",\"z\":\"%s\",\"L\":\"%s\",\"n\":\"0\",\"N\":null,\"T\":%" PRIu64
	        ",\"t\":%" PRId64 ",\"w\":%s,\"m\":false,\"O\":%" PRIu64 "}",
	        now, feeds_crypto_symbol(v->instr, o->locate), o->id, side_word(o->side),
	        o->tif == EXEC_TIF_IOC ? "IOC" : "GTC", dec(q, sizeof(q), o->qty, qtyd),
	        dec(p, sizeof(p), o->px, pxd), strcmp(x, "CANCELED") ? "" : o->id, x, status,
	        o->order_id, dec(l, sizeof(l), last_qty, qtyd), dec(z, sizeof(z), o->cum, qtyd),
	        dec(lp, sizeof(lp), last_px, pxd), now, trade ? (int64_t)v->trade_id : (int64_t)-1,
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
	report(v, o, "TRADE", done ? "FILLED" : "PARTIALLY_FILLED", qty, px);
}

static void expire(struct venue_crypto *v, struct corder *o)
{
	o->open = false;
	v->st.expired++;
	report(v, o, "EXPIRED", "EXPIRED", 0, 0);
}

/* A new order against the book: each level it crosses, at the level's price. */
static void take(struct venue_crypto *v, struct corder *o)
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
/* REST */

static enum MHD_Result answer(struct MHD_Connection *c, unsigned http, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static enum MHD_Result answer(struct MHD_Connection *c, unsigned http, const char *fmt, ...)
{
	char body[2048];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(body)) /* (the answers are bounded: never) */
		return MHD_NO;
	struct MHD_Response *r =
	        MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json");
	enum MHD_Result q = MHD_queue_response(c, http, r);
	MHD_destroy_response(r);
	return q;
}

static enum MHD_Result refuse(struct venue_crypto *v, struct MHD_Connection *c, unsigned http,
                              int code, const char *msg)
{
	snprintf(v->st.last_reject, sizeof(v->st.last_reject), "%d %s", code, msg);
	return answer(c, http, "{\"code\":%d,\"msg\":\"%s\"}", code, msg);
}

/* key's value in a query string ("" when absent; values are plain here). */
static const char *param(const char *q, const char *key, char *out, size_t cap)
{
	size_t kn = strlen(key);
	out[0] = '\0';
	for (const char *p = q; p && *p;) {
		const char *amp = strchr(p, '&');
		size_t n = amp ? (size_t)(amp - p) : strlen(p);
		if (n > kn && !strncmp(p, key, kn) && p[kn] == '=') {
			size_t vn = n - kn - 1 < cap - 1 ? n - kn - 1 : cap - 1;
			memcpy(out, p + kn + 1, vn);
			out[vn] = '\0';
			break;
		}
		p = amp ? amp + 1 : NULL;
	}
	return out;
}

/* The signed parameters checked as Binance checks them: false, answered,
 * when refused (the signature compared in constant time). */
static bool signed_ok(struct venue_crypto *v, struct MHD_Connection *c, const char *q,
                      enum MHD_Result *ret)
{
	const char *key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-MBX-APIKEY");
	if (!key || strcmp(key, v->api_key)) {
		v->st.auth_failures++;
		*ret = refuse(v, c, 401, -2015, "Invalid API-key, IP, or permissions for action.");
		return false;
	}
	const char *sig = strstr(q, "&signature=");
	char hex[EXEC_BN_SIG + 1];
	if (!sig || exec_bn_sign(v->secret, strlen(v->secret), q, (size_t)(sig - q), hex) < 0 ||
	    strlen(sig + 11) != EXEC_BN_SIG || CRYPTO_memcmp(sig + 11, hex, EXEC_BN_SIG)) {
		v->st.auth_failures++;
		*ret = refuse(v, c, 400, -1022, "Signature for this request is not valid.");
		return false;
	}
	char t[32], w[32];
	uint64_t ts = strtoull(param(q, "timestamp", t, sizeof(t)), NULL, 10);
	uint64_t win = strtoull(param(q, "recvWindow", w, sizeof(w)), NULL, 10);
	uint64_t now = wall_ms();
	if (!win)
		win = 5000;
	if (!ts || (now > ts ? now - ts : ts - now) > win) {
		v->st.auth_failures++;
		*ret = refuse(v, c, 400, -1021,
		              "Timestamp for this request is outside of the recvWindow.");
		return false;
	}
	return true;
}

static struct corder *find(struct venue_crypto *v, const char *id)
{
	for (uint32_t i = 0; i < v->norders; i++)
		if (v->orders[i].open && !strcmp(v->orders[i].id, id))
			return &v->orders[i];
	return NULL;
}

static long locate_of(const struct venue_crypto *v, const char *sym)
{
	for (int venue = FEEDS_CRYPTO_BINANCE; venue <= FEEDS_CRYPTO_BINANCE_FUTURES; venue++) {
		int r = feeds_crypto_lookup(v->instr, venue, sym);
		if (r > 0)
			return r;
	}
	return -1;
}

static enum MHD_Result exchange_info(struct venue_crypto *v, struct MHD_Connection *c,
                                     const char *q)
{
	char sym[EXEC_BN_TEXT], tick[32], step[32], max[32];
	long loc = locate_of(v, param(q, "symbol", sym, sizeof(sym)));
	unsigned pxd, qtyd;
	if (loc < 0 || feeds_crypto_scale(v->instr, (uint16_t)loc, &pxd, &qtyd) < 0)
		return refuse(v, c, 400, -1121, "Invalid symbol.");
	dec(tick, sizeof(tick), 1, pxd);
	dec(step, sizeof(step), 1, qtyd);
	dec(max, sizeof(max), UINT32_MAX, pxd); /* the largest price an order can carry */
	return answer(c, 200,
	              "{\"timezone\":\"UTC\",\"serverTime\":%" PRIu64 ",\"rateLimits\":[],"
	              "\"exchangeFilters\":[],\"symbols\":[{\"symbol\":\"%s\",\"status\":\"%s\","
	              "\"orderTypes\":[\"LIMIT\"],\"filters\":[{\"filterType\":\"PRICE_FILTER\","
	              "\"minPrice\":\"%s\",\"maxPrice\":\"%s\",\"tickSize\":\"%s\"},"
	              "{\"filterType\":\"LOT_SIZE\",\"minQty\":\"%s\",\"maxQty\":\"9000000\","
	              "\"stepSize\":\"%s\"}]}]}",
	              wall_ms(), sym, v->closed ? "BREAK" : "TRADING", tick, max, tick, step, step);
}

/* GET /api/v3/depth: the book as it stands (lastUpdateId the update id it
 * is at), limit levels a side (Binance's default 100, at most 5000); 503
 * (-1001) while the book is out of sync, as an exchange busy resyncing. */
static enum MHD_Result depth(struct venue_crypto *v, struct MHD_Connection *c, const char *q)
{
	char sym[EXEC_BN_TEXT], lim[16];
	long loc = locate_of(v, param(q, "symbol", sym, sizeof(sym)));
	unsigned pxd, qtyd;
	if (loc < 0 || feeds_crypto_scale(v->instr, (uint16_t)loc, &pxd, &qtyd) < 0)
		return refuse(v, c, 400, -1121, "Invalid symbol.");
	unsigned long limit = strtoul(param(q, "limit", lim, sizeof(lim)), NULL, 10);
	limit = !limit ? 100 : limit > 5000 ? 5000 : limit;
	uint64_t id;
	if (feeds_crypto_update_id(v->books, (uint16_t)loc, &id) < 0)
		return refuse(v, c, 503, -1001,
		              "Internal error; unable to process your request. Please try again.");
	size_t cap = 128 + limit * 2 * 64;
	struct feeds_level *lv = malloc(limit * sizeof(*lv));
	char *body = malloc(cap);
	if (!lv || !body) {
		free(lv);
		free(body);
		return MHD_NO;
	}
	size_t n = (size_t)snprintf(body, cap, "{\"lastUpdateId\":%" PRIu64, id);
	for (int side = 0; side < 2; side++) {
		int k = feeds_crypto_depth(v->books, (uint16_t)loc, side ? 'S' : 'B', lv,
		                           (unsigned)limit);
		n += (size_t)snprintf(body + n, cap - n, ",\"%s\":[", side ? "asks" : "bids");
		for (int i = 0; i < k; i++) {
			char p[32], s[32];
			n += (size_t)snprintf(body + n, cap - n, "%s[\"%s\",\"%s\"]", i ? "," : "",
			                      dec(p, sizeof(p), lv[i].px, pxd),
			                      dec(s, sizeof(s), lv[i].qty, qtyd));
		}
		n += (size_t)snprintf(body + n, cap - n, "]");
	}
	n += (size_t)snprintf(body + n, cap - n, "}");
	free(lv);
	struct MHD_Response *r = MHD_create_response_from_buffer(n, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "application/json");
	enum MHD_Result ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result refuse_order(struct venue_crypto *v, struct MHD_Connection *c, unsigned http,
                                    int code, const char *msg)
{
	v->st.rejected++;
	return refuse(v, c, http, code, msg);
}

static enum MHD_Result new_order(struct venue_crypto *v, struct MHD_Connection *c, const char *q)
{
	enum MHD_Result ret;
	v->st.orders++;
	if (!signed_ok(v, c, q, &ret)) {
		v->st.rejected++;
		return ret;
	}
	char sym[EXEC_BN_TEXT], side[8], type[16], tif[8], qty_s[40], px_s[40], id[64];
	param(q, "symbol", sym, sizeof(sym));
	param(q, "side", side, sizeof(side));
	param(q, "type", type, sizeof(type));
	param(q, "timeInForce", tif, sizeof(tif));
	param(q, "quantity", qty_s, sizeof(qty_s));
	param(q, "price", px_s, sizeof(px_s));
	param(q, "newClientOrderId", id, sizeof(id));
	long loc = locate_of(v, sym);
	unsigned pxd, qtyd;
	uint64_t qty, px;
	if (loc < 0 || feeds_crypto_scale(v->instr, (uint16_t)loc, &pxd, &qtyd) < 0)
		return refuse_order(v, c, 400, -1121, "Invalid symbol.");
	if (strcmp(type, "LIMIT"))
		return refuse_order(v, c, 400, -1116, "Invalid orderType.");
	if (strcmp(side, "BUY") && strcmp(side, "SELL"))
		return refuse_order(v, c, 400, -1117, "Invalid side.");
	if (strcmp(tif, "GTC") && strcmp(tif, "IOC"))
		return refuse_order(v, c, 400, -1115, "Invalid timeInForce.");
	if (!id[0] || strlen(id) >= EXEC_BN_TEXT)
		return refuse_order(v, c, 400, -1100,
		                    "Illegal characters found in parameter 'newClientOrderId'.");
	if (exec_bn_decimal(qty_s, qtyd, UINT64_MAX, &qty) < 0 || !qty)
		return refuse_order(v, c, 400, -1013, "Filter failure: LOT_SIZE");
	if (exec_bn_decimal(px_s, pxd, UINT32_MAX, &px) < 0 || !px)
		return refuse_order(v, c, 400, -1013, "Filter failure: PRICE_FILTER");
	if (v->closed)
		return refuse_order(v, c, 400, -1013, "Market is closed.");
	if (find(v, id))
		return refuse_order(v, c, 400, -2010, "Duplicate order sent.");
	if (v->norders == MAX_ORDERS) /* compact: ended orders leave */
		for (uint32_t i = 0, k = 0;; i++) {
			if (i == v->norders) {
				v->norders = k;
				break;
			}
			if (v->orders[i].open)
				v->orders[k++] = v->orders[i];
		}
	if (v->norders == MAX_ORDERS)
		return refuse_order(v, c, 400, -1015, "Too many new orders.");
	v->st.accepted++;
	struct corder *o = &v->orders[v->norders++];
	*o = (struct corder){ .order_id = v->next_order_id++,
		              .locate = (uint16_t)loc,
		              .side = side[0] == 'B' ? 'B' : 'S',
		              .tif = tif[0] == 'I' ? EXEC_TIF_IOC : EXEC_TIF_DAY,
		              .open = true,
		              .px = (uint32_t)px,
		              .qty = qty,
		              .created_ms = wall_ms() };
	memcpy(o->id, id, strlen(id) + 1); /* shorter than EXEC_BN_TEXT: checked above */
	ret = answer(c, 200,
	             "{\"symbol\":\"%s\",\"orderId\":%" PRIu64 ",\"orderListId\":-1,"
	             "\"clientOrderId\":\"%s\",\"transactTime\":%" PRIu64 "}",
	             sym, o->order_id, o->id, o->created_ms);
	report(v, o, "NEW", "NEW", 0, 0);
	take(v, o);
	if (o->open && o->tif == EXEC_TIF_IOC)
		expire(v, o);
	return ret;
}

static enum MHD_Result cancel(struct venue_crypto *v, struct MHD_Connection *c, const char *q)
{
	enum MHD_Result ret;
	if (!signed_ok(v, c, q, &ret))
		return ret;
	char sym[EXEC_BN_TEXT], id[64], px[32], qty[32], cum[32];
	struct corder *o = find(v, param(q, "origClientOrderId", id, sizeof(id)));
	param(q, "symbol", sym, sizeof(sym));
	if (!o || strcmp(feeds_crypto_symbol(v->instr, o->locate), sym))
		return refuse(v, c, 400, -2011, "Unknown order sent.");
	o->open = false;
	v->st.canceled++;
	unsigned pxd = 4, qtyd = 8;
	(void)feeds_crypto_scale(v->instr, o->locate, &pxd, &qtyd);
	ret = answer(c, 200,
	             "{\"symbol\":\"%s\",\"origClientOrderId\":\"%s\",\"orderId\":%" PRIu64
	             ",\"orderListId\":-1,\"clientOrderId\":\"cancel%" PRIu64
	             "\",\"transactTime\":%" PRIu64
	             ",\"price\":\"%s\",\"origQty\":\"%s\",\"executedQty\":\"%s\","
	             "\"status\":\"CANCELED\",\"timeInForce\":\"%s\",\"type\":\"LIMIT\","
	             "\"side\":\"%s\"}",
	             sym, o->id, o->order_id, o->order_id, wall_ms(),
	             dec(px, sizeof(px), o->px, pxd), dec(qty, sizeof(qty), o->qty, qtyd),
	             dec(cum, sizeof(cum), o->cum, qtyd), o->tif == EXEC_TIF_IOC ? "IOC" : "GTC",
	             side_word(o->side));
	report(v, o, "CANCELED", "CANCELED", 0, 0);
	return ret;
}

/* The WebSocket handshake (RFC 6455 4.2.2): 101 with Sec-WebSocket-Accept. */
static enum MHD_Result upgrade(struct venue_crypto *v, struct MHD_Connection *c, struct req *rq)
{
	const char *key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-WebSocket-Key");
	if (!key || strlen(key) > 64)
		return answer(c, 400, "{\"code\":-1000,\"msg\":\"no Sec-WebSocket-Key\"}");
	if (!strncmp(rq->uri, "/ws/", 4) &&
	    (!v->listen_key[0] || strcmp(rq->uri + 4, v->listen_key)))
		return answer(c, 400,
		              "{\"code\":-1125,\"msg\":\"This listenKey does not exist.\"}");
	char acc[29];
	(void)ws_server_accept_key(key, acc);
	struct MHD_Response *r = MHD_create_response_for_upgrade(on_upgrade, v);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_UPGRADE, "websocket");
	MHD_add_response_header(r, "Sec-WebSocket-Accept", acc);
	enum MHD_Result q = MHD_queue_response(c, MHD_HTTP_SWITCHING_PROTOCOLS, r);
	MHD_destroy_response(r);
	return q;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	(void)cls;
	(void)c;
	struct req *rq = calloc(1, sizeof(*rq));
	if (rq)
		snprintf(rq->uri, sizeof(rq->uri), "%s", uri);
	return rq;
}

static void on_done(void *cls, struct MHD_Connection *c, void **req_cls,
                    enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	free(*req_cls);
	*req_cls = NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **req_cls)
{
	(void)version;
	struct venue_crypto *v = cls;
	struct req *rq = *req_cls;
	if (!rq)
		return MHD_NO;
	if (!rq->headers_seen) { /* the headers: the body (if any) comes in the next calls */
		rq->headers_seen = true;
		return MHD_YES;
	}
	if (*upload_size) { /* the body, as sent (the signature covers it) */
		if (rq->body_len + *upload_size < sizeof(rq->body)) {
			memcpy(rq->body + rq->body_len, upload, *upload_size);
			rq->body_len += *upload_size;
		} else {
			rq->too_long = true;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	v->st.requests++;
	rq->body[rq->body_len] = '\0';
	const char *q = strchr(rq->uri, '?');
	q = q ? q + 1 : "";
	const char *up = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_UPGRADE);
	if (!strcmp(method, "GET") && up && !strcasecmp(up, "websocket"))
		return upgrade(v, c, rq);
	if (rq->too_long)
		return refuse(v, c, 400, -1101, "Too many parameters.");
	if (!strcmp(url, "/api/v3/exchangeInfo") && !strcmp(method, "GET"))
		return exchange_info(v, c, q);
	if (!strcmp(url, "/api/v3/depth") && !strcmp(method, "GET"))
		return depth(v, c, q);
	if (!strcmp(url, "/api/v3/userDataStream")) {
		const char *key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-MBX-APIKEY");
		if (!key || strcmp(key, v->api_key)) {
			v->st.auth_failures++;
			return refuse(v, c, 401, -2015,
			              "Invalid API-key, IP, or permissions for action.");
		}
		if (!strcmp(method, "POST")) {
			if (!v->listen_key[0]) {
				unsigned char raw[32];
				if (getentropy(raw, sizeof(raw)) < 0)
					return MHD_NO;
				for (int i = 0; i < 32; i++)
					snprintf(v->listen_key + 2 * i, 3, "%02x", raw[i]);
			}
			return answer(c, 200, "{\"listenKey\":\"%s\"}", v->listen_key);
		}
		return answer(c, 200, "{}");
	}
	if (!strcmp(url, "/api/v3/order") && !strcmp(method, "POST"))
		return new_order(v, c, rq->body);
	if (!strcmp(url, "/api/v3/order") && !strcmp(method, "DELETE"))
		return cancel(v, c, q);
	return refuse(v, c, 404, -1000, "An unknown error occured while processing the request.");
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
			logf_(v, "%s: %s", v->cfg.rest_capture, err);
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
				logf_(v, "%s: line %" PRIu64 ": %s", v->cfg.capture, v->st.lines,
				      err);
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
	v->d = MHD_start_daemon(MHD_ALLOW_UPGRADE | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, v,
	                        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	                        MHD_OPTION_URI_LOG_CALLBACK, on_uri, v, MHD_OPTION_NOTIFY_COMPLETED,
	                        on_done, v, MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
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
	logf_(v, "listening %.*s:%u (REST, user data and market-data WebSockets)",
	      (int)(strrchr(v->cfg.listen, ':') - v->cfg.listen), v->cfg.listen, v->st.port);
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
				logf_(v,
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
					expire(v, &v->orders[i]);
			logf_(v, "closed: open orders expired");
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
					logf_(v, "a client dropped: %s", c->ws.why);
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
