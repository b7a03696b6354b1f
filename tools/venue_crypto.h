/*
 * venue_crypto.h - osprey-venue as a crypto exchange (tools-internal): it
 * replays a cryptofeed capture (Binance or Bybit WebSocket lines) to
 * market-data WebSocket clients at the capture's pace, and takes orders the
 * way Binance spot does (signed REST calls and a user data stream), filling
 * them against the replayed book, so a crypto session can be paper-traded
 * end to end (the engine's [feeds] crypto_ws and [gateway] protocol =
 * binance pointed at it).
 *
 * One HTTP server (libmicrohttpd, plain HTTP on the address given: a paper
 * venue for loopback, not TLS) serves:
 *   GET  /api/v3/exchangeInfo?symbol=S   S's PRICE_FILTER and LOT_SIZE: its
 *        scales in the replayed books (tickSize 10^-px_decimals, stepSize
 *        10^-qty_decimals); -1121 for a symbol the capture does not hold
 *   POST /api/v3/userDataStream           {"listenKey"}; PUT pings it
 *   POST /api/v3/order                    LIMIT GTC/IOC, signed (HMAC-SHA256
 *        with the secret, recvWindow): the ACK answer; then executionReports
 *   DELETE /api/v3/order                  by origClientOrderId
 *   GET  /ws/<listenKey>  (WebSocket)     the user data stream
 *   GET  any other path   (WebSocket)     the market data: every message line
 *        of the capture, as the exchange sent it (what a client sends is
 *        read and ignored; the capture's subscriptions are the stream)
 * Refusals as Binance words them (-2015 key, -1022 signature, -1021
 * recvWindow, -1121 symbol, -1013 filters, -2010 duplicate, -2011 unknown
 * order; after the close, -1013 "Market is closed.").
 *
 * Fills (L2, no market impact, no queue position):
 *   a new order that crosses the book takes each level up to its limit, at
 *   the level's price and at most its displayed size; what is left rests
 *   (GTC) or expires (IOC). A resting buy fills whole at its price when the
 *   ask falls to it or a trade prints below it, and by the trade's size when
 *   one prints at it (sells alike): optimistic, as it stands first in line.
 * Publishing starts when the first market-data client connects (or after
 * start_wait_ns); after the last line, orders are taken close_grace_ns
 * longer, then open orders expire and the market-data streams are closed;
 * the run ends once every client has gone or end_wait_ns has passed.
 *
 * Threads: one, the caller's (venue_crypto_run's loop). Memory: the venue
 * owns everything it allocates; positions' rows are the caller's to free.
 * Results: 0 or -errno with err naming what.
 */
#ifndef OSPREY_VENUE_CRYPTO_H
#define OSPREY_VENUE_CRYPTO_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct venue_crypto_cfg {
	const char *capture;      /* a cryptofeed capture; required */
	const char *rest_capture; /* its Binance REST snapshots ("URL -> ts: JSON" lines:
	                           * cryptofeed's .http file), applied to the books at
	                           * their times; NULL: none (Bybit needs none) */
	const char *listen;  /* "A.B.C.D:PORT" (port 0: any free one); required */
	const char *api_key; /* the one account's key and secret; required */
	const char *secret;
	double speed;            /* 0: as fast as the clients take it; N: N times real time */
	uint64_t start_wait_ns;  /* publish after this long even with no client (0: 30 s) */
	uint64_t close_grace_ns; /* orders taken this long after the last line (0: 1 s) */
	uint64_t end_wait_ns;    /* then wait this long for clients to go (0: 5 s) */
	/* log lines (listening, clients, the close); NULL: none */
	void (*log)(void *arg, const char *line);
	void *log_arg;
};

struct venue_crypto_stats {
	uint64_t lines, messages, bad_lines;   /* capture lines, WebSocket messages among them */
	uint64_t md_clients, md_sent, md_slow; /* clients; messages sent; clients cut as too slow */
	uint64_t user_streams, requests;       /* user data streams opened; REST calls */
	uint64_t orders, accepted, rejected, fills, canceled, expired;
	uint64_t auth_failures; /* bad key, signature or timestamp */
	char last_reject[160];
	uint16_t port; /* where it listens */
	bool interrupted;
};

struct venue_crypto_position {
	char symbol[24];
	int64_t position; /* base units at 10^-qty_decimals */
	unsigned qty_decimals;
	uint64_t fills;
};

struct venue_crypto;

int venue_crypto_create(const struct venue_crypto_cfg *cfg, struct venue_crypto **ret, char *err,
                        size_t errlen);
/* venue_crypto_run - the loop, until the session is over or *stop is set. */
int venue_crypto_run(struct venue_crypto *v, volatile sig_atomic_t *stop, char *err, size_t errlen);
void venue_crypto_stats(const struct venue_crypto *v, struct venue_crypto_stats *ret);
/* venue_crypto_positions - one row per symbol traded (malloc'd: the caller
 * frees); the count or -ENOMEM. */
int venue_crypto_positions(const struct venue_crypto *v, struct venue_crypto_position **ret);
/* venue_crypto_destroy - NULL ok; returns NULL. */
struct venue_crypto *venue_crypto_destroy(struct venue_crypto *v);

#endif
