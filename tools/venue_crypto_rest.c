/*
 * venue_crypto_rest.c - osprey-venue's crypto exchange, the HTTP side
 * (venue_crypto.h): the Binance-spot REST calls (exchangeInfo, depth, the
 * listenKey, new orders and cancels, signatures checked as Binance does)
 * and the WebSocket handshakes whose sockets the loop then drives.
 */
#define _GNU_SOURCE
#include "venue_crypto_int.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ------------------------------------------------------------------------- */
/* WebSocket handshakes */

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
		venue_crypto__log(v, "market data: a client on %s", rq->uri);
	} else {
		v->st.user_streams++;
		venue_crypto__log(v, "user data stream opened");
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
	uint64_t now = venue_crypto__wall_ms();
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
	venue_crypto__dec(tick, sizeof(tick), 1, pxd);
	venue_crypto__dec(step, sizeof(step), 1, qtyd);
	venue_crypto__dec(max, sizeof(max), UINT32_MAX,
	                  pxd); /* the largest price an order can carry */
	return answer(c, 200,
	              "{\"timezone\":\"UTC\",\"serverTime\":%" PRIu64 ",\"rateLimits\":[],"
	              "\"exchangeFilters\":[],\"symbols\":[{\"symbol\":\"%s\",\"status\":\"%s\","
	              "\"orderTypes\":[\"LIMIT\"],\"filters\":[{\"filterType\":\"PRICE_FILTER\","
	              "\"minPrice\":\"%s\",\"maxPrice\":\"%s\",\"tickSize\":\"%s\"},"
	              "{\"filterType\":\"LOT_SIZE\",\"minQty\":\"%s\",\"maxQty\":\"9000000\","
	              "\"stepSize\":\"%s\"}]}]}",
	              venue_crypto__wall_ms(), sym, v->closed ? "BREAK" : "TRADING", tick, max,
	              tick, step, step);
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
			                      venue_crypto__dec(p, sizeof(p), lv[i].px, pxd),
			                      venue_crypto__dec(s, sizeof(s), lv[i].qty, qtyd));
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
		              .created_ms = venue_crypto__wall_ms() };
	memcpy(o->id, id, strlen(id) + 1); /* shorter than EXEC_BN_TEXT: checked above */
	ret = answer(c, 200,
	             "{\"symbol\":\"%s\",\"orderId\":%" PRIu64 ",\"orderListId\":-1,"
	             "\"clientOrderId\":\"%s\",\"transactTime\":%" PRIu64 "}",
	             sym, o->order_id, o->id, o->created_ms);
	venue_crypto__report(v, o, "NEW", "NEW", 0, 0);
	venue_crypto__take(v, o);
	if (o->open && o->tif == EXEC_TIF_IOC)
		venue_crypto__expire(v, o);
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
	             sym, o->id, o->order_id, o->order_id, venue_crypto__wall_ms(),
	             venue_crypto__dec(px, sizeof(px), o->px, pxd),
	             venue_crypto__dec(qty, sizeof(qty), o->qty, qtyd),
	             venue_crypto__dec(cum, sizeof(cum), o->cum, qtyd),
	             o->tif == EXEC_TIF_IOC ? "IOC" : "GTC", venue_crypto__side(o->side));
	venue_crypto__report(v, o, "CANCELED", "CANCELED", 0, 0);
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

void *venue_crypto__on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	(void)cls;
	(void)c;
	struct req *rq = calloc(1, sizeof(*rq));
	if (rq)
		snprintf(rq->uri, sizeof(rq->uri), "%s", uri);
	return rq;
}

void venue_crypto__on_done(void *cls, struct MHD_Connection *c, void **req_cls,
                           enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	free(*req_cls);
	*req_cls = NULL;
}

enum MHD_Result venue_crypto__on_request(void *cls, struct MHD_Connection *c, const char *url,
                                         const char *method, const char *version,
                                         const char *upload, size_t *upload_size, void **req_cls)
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
