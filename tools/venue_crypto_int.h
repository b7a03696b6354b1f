/*
 * venue_crypto_int.h - what the two halves of osprey-venue's crypto exchange
 * share (venue_crypto.h is the manual): venue_crypto.c (the capture, the
 * books, the fills, the loop) and venue_crypto_rest.c (the HTTP side: REST
 * calls, the WebSocket handshakes). One thread: the loop's.
 */
#ifndef OSPREY_VENUE_CRYPTO_INT_H
#define OSPREY_VENUE_CRYPTO_INT_H

#include <microhttpd.h>
#include <stdarg.h>

#include "core.h"
#include "exec.h"
#include "feeds.h"
#include "venue_crypto.h"
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

/* venue_crypto.c */
void venue_crypto__log(struct venue_crypto *v, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
uint64_t venue_crypto__wall_ms(void);
/* v at d decimals: "12.3400" (d 4), "7" (d 0), in buf. */
const char *venue_crypto__dec(char *buf, size_t cap, uint64_t v, unsigned d);
const char *venue_crypto__side(uint8_t s);
/* an executionReport of o on the user data streams */
void venue_crypto__report(struct venue_crypto *v, const struct corder *o, const char *x,
                          const char *status, uint64_t last_qty, uint32_t last_px);
/* a new order against the book; an order's end */
void venue_crypto__take(struct venue_crypto *v, struct corder *o);
void venue_crypto__expire(struct venue_crypto *v, struct corder *o);

/* venue_crypto_rest.c: libmicrohttpd's callbacks (cls: the venue) */
enum MHD_Result venue_crypto__on_request(void *cls, struct MHD_Connection *c, const char *url,
                                         const char *method, const char *version,
                                         const char *upload, size_t *upload_size, void **req_cls);
void *venue_crypto__on_uri(void *cls, const char *uri, struct MHD_Connection *c);
void venue_crypto__on_done(void *cls, struct MHD_Connection *c, void **req_cls,
                           enum MHD_RequestTerminationCode toe);

#endif
