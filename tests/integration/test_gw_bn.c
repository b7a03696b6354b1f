/* The Binance spot order gateway (exec/src/gw_bn.c) against a stand-in
 * exchange (tests/integration/ws_replay/spot_exchange.js: node's https and
 * the npm ws package, answering in Binance's documented shapes), with
 * feeds' WebSocket client as its user data stream (tools/bn_stream.c, as the
 * engine wires it); run by test_gw_bn.sh.
 *
 *   test_gw_bn PORT CA_FILE KEY_FILE
 *
 * KEY_FILE holds the API key and the secret, one a line. The exchange runs
 * with --drop-before 6-106 --drop-after 7-107 --bad-event-every 5 --wrap 1
 * (orders 6 and 7's client ids), --usdt 100000, and --exchange-info listing
 * BTCUSDT (tickSize 0.01, stepSize 0.00001, maxQty 9000, minNotional 5, the
 * wave), SOLUSDT (0.01, 0.001) and ADAUSDT (0.0001, 0.1, filled at its limit).
 * The gateway is given BTCUSDT at 2 and 5 decimals, ETHUSDT (not listed),
 * SOLUSDT at 4 and 3 (not the exchange's scales) and ADAUSDT at whatever the
 * exchange says. Checked, order by order: an IOC buy through the ask fills
 * at once; a GTC buy below the market rests and fills when the wave reaches
 * it; a GTC sell far away is cancelled; an IOC below the market expires (its
 * rest cancelled, IOC); orders for ETHUSDT and SOLUSDT are refused before the
 * wire; an order whose connection dies before the exchange took it is
 * cancelled by its id, "unknown order", and so rejected as never there; one
 * whose connection dies after is acknowledged (by the stream, or by the
 * -2010 "Duplicate order sent." answer to libcurl's second try) and ends
 * cancelled; one below minNotional is refused here, one above maxQty (a
 * filter the gateway leaves to the exchange) by the exchange with -1013, a
 * buy above the account's USDT by the exchange with -2010 and another text
 * (a refusal, not a duplicate); ADAUSDT trades at the exchange's scales;
 * non-JSON events are counted and skipped. Prints "net BTCUSDT Q" and "net
 * ADAUSDT Q" for the script to compare with the exchange's own positions. */
#define _GNU_SOURCE
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bn_stream.h"

/* ------------------------------------------------------------------------- */

static struct exec_bn_gw *gw;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
#define VD_SEQ_BASE 100 /* the client ids "<id>-<100 + id>" the exchange is told to drop */
#include "../exec/venue_driver.h"

static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "FAIL: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	for (unsigned i = 0; i < nlog; i++)
		fprintf(stderr, "report: order %" PRIu64 " kind %u reason %u px %u qty %u\n",
		        log_[i].order_id, log_[i].kind, log_[i].reason, log_[i].px, log_[i].qty);
	struct exec_bn_gw_stats st;
	exec_bn_gw_stats(gw, &st);
	fprintf(stderr,
	        "gateway: %" PRIu64 " orders, %" PRIu64 " cancels, %" PRIu64 " rejects (%" PRId64
	        " %s), %" PRIu64 " REST failures, %" PRIu64 " events (%" PRIu64 " bad: %s); %s\n",
	        st.orders, st.cancels, st.rejects, st.last_code, st.last_msg, st.rest_failures,
	        st.events, st.bad_events, st.last_bad, st.reason);
	exit(1);
}

int main(int argc, char **argv)
{
	if (argc != 4)
		fail("usage: test_gw_bn PORT CA_FILE KEY_FILE");
	core_clock_init(5);
	char key[128], secret[128], rest[64], wss[64];
	FILE *f = fopen(argv[3], "r");
	if (!f || !fgets(key, sizeof(key), f) || !fgets(secret, sizeof(secret), f))
		fail("%s: the API key and the secret, one a line", argv[3]);
	fclose(f);
	key[strcspn(key, "\n")] = secret[strcspn(secret, "\n")] = '\0';
	snprintf(rest, sizeof(rest), "https://localhost:%s", argv[1]);
	snprintf(wss, sizeof(wss), "wss://localhost:%s", argv[1]);
	struct bn_stream s = { .ca_file = argv[2] };
	/* BTCUSDT: tickSize 0.01, stepSize 0.00001; ETHUSDT: not listed there;
	 * SOLUSDT: listed at 2 and 3 decimals; ADAUSDT: at the exchange's */
	struct exec_bn_symbol syms[] = { { "BTCUSDT", 2, 5 },
		                         { "ETHUSDT", 2, 5 },
		                         { "SOLUSDT", 4, 3 },
		                         { "ADAUSDT", EXEC_BN_SCALE_EXCHANGE,
		                           EXEC_BN_SCALE_EXCHANGE } };
	struct exec_bn_gw_config cfg = { .rest = rest, .stream = wss, .api_key = key,
		                         .secret = secret, .ca_file = argv[2], .symbols = syms,
		                         .nsymbols = 4, .drain_ns = 1000000000ull,
		                         .stream_io = bn_stream_io(&s) };
	char err[256];
	if (exec_bn_gw_create(&cfg, &gw, err, sizeof(err)) < 0)
		fail("create: %s", err);
	v = exec_bn_gw_venue(gw);
	WAIT_FOR(v.ops->session(v.ctx) == EXEC_SESSION_UP, 10000, "session up");

	new_order(1, 1, 'B', 100, 6420000, EXEC_TIF_IOC); /* through the ask */
	WAIT_FOR(find(1, EXEC_FILL), 3000, "order 1 filled");
	const struct exec_report *f1 = find(1, EXEC_FILL);
	assert(find(1, EXEC_ACK) && f1->qty == 100 && f1->px >= 6400001 && f1->px <= 6410001);
	assert(f1->leaves_qty == 0 && f1->side == 'B');

	new_order(2, 1, 'B', 200, 6400101, EXEC_TIF_DAY); /* rests; the wave reaches it */
	new_order(3, 1, 'S', 100, 7000000, EXEC_TIF_DAY); /* far away */
	new_order(4, 1, 'B', 100, 6300000, EXEC_TIF_IOC); /* below the market: expires */
	new_order(5, 2, 'B', 100, 300000, EXEC_TIF_DAY);  /* a symbol not listed */
	new_order(6, 1, 'B', 100, 6300000, EXEC_TIF_DAY); /* dropped before it is taken */
	new_order(7, 1, 'B', 100, 6300000, EXEC_TIF_DAY); /* dropped after */
	new_order(8, 3, 'B', 100, 300000, EXEC_TIF_DAY);  /* listed at other scales */
	WAIT_FOR(find(3, EXEC_ACK) && find(4, EXEC_CANCELED) && find(5, EXEC_REJECTED) &&
	                 find(8, EXEC_REJECTED),
	         3000, "orders 3 to 5 and 8");
	assert(find(4, EXEC_CANCELED)->reason == EXEC_REASON_IOC && !find(4, EXEC_FILL));
	assert(find(5, EXEC_REJECTED)->reason == EXEC_REASON_INVALID);
	struct exec_bn_gw_stats st;
	exec_bn_gw_stats(gw, &st);
	if (st.no_symbol != 2 || st.symbols_ready != 2 || st.symbols_refused != 2)
		fail("%" PRIu64 " orders refused for their symbol, %" PRIu64 " symbols ready, %" PRIu64
		     " refused",
		     st.no_symbol, st.symbols_ready, st.symbols_refused);
	cancel(3);
	WAIT_FOR(find(3, EXEC_CANCELED), 3000, "order 3 cancelled");
	assert(find(3, EXEC_CANCELED)->reason == EXEC_REASON_USER_CANCEL);
	WAIT_FOR(find(6, EXEC_REJECTED), 15000, "order 6 found never there");
	assert(find(6, EXEC_REJECTED)->reason == EXEC_REASON_RECOVERY && !find(6, EXEC_ACK));
	/* order 7: without an answer, the gateway cancels it by its id; if libcurl
	 * sent it again and heard -2010, it is open here and we cancel it */
	WAIT_FOR(find(7, EXEC_ACK), 15000, "order 7 acknowledged");
	if (!find(7, EXEC_CANCELED))
		cancel(7);
	WAIT_FOR(find(7, EXEC_CANCELED), 15000, "order 7 cancelled");
	/* the filters: minNotional here; maxQty and the balance at the exchange */
	new_order(9, 1, 'B', 1, 6400000, EXEC_TIF_DAY); /* 0.00001 BTC: 0.64 USDT < 5 */
	WAIT_FOR(find(9, EXEC_REJECTED), 1000, "order 9 refused here");
	exec_bn_gw_stats(gw, &st);
	assert(st.filtered == 1 && st.orders == 6);
	new_order(10, 1, 'S', 900000001, 7000000, EXEC_TIF_DAY); /* 9000.00001 BTC > maxQty */
	WAIT_FOR(find(10, EXEC_REJECTED), 3000, "order 10 refused by the exchange");
	exec_bn_gw_stats(gw, &st);
	assert(st.last_code == -1013 && strstr(st.last_msg, "LOT_SIZE"));
	new_order(11, 1, 'B', 200000, 6300000, EXEC_TIF_DAY); /* 2 BTC: 126000 USDT > 100000 */
	WAIT_FOR(find(11, EXEC_REJECTED), 3000, "order 11 refused by the exchange");
	exec_bn_gw_stats(gw, &st);
	assert(!find(11, EXEC_ACK) && st.last_code == -2010 && strstr(st.last_msg, "balance"));
	/* ADAUSDT at the exchange's scales (0.0001, 0.1): 100.0 at 0.5000 */
	new_order(12, 4, 'B', 1000, 5000, EXEC_TIF_DAY);
	WAIT_FOR(find(12, EXEC_FILL), 3000, "order 12 filled");
	assert(find(12, EXEC_FILL)->qty == 1000 && find(12, EXEC_FILL)->px == 5000);
	WAIT_FOR(find(2, EXEC_FILL), 5000, "order 2 filled by the wave");
	assert(find(2, EXEC_FILL)->px == 6400101 && find(2, EXEC_FILL)->qty == 200);
	send_msg((struct order_msg){ .kind = ORDER_EOS });
	WAIT_FOR(v.ops->session(v.ctx) == EXEC_SESSION_DONE, 3000, "drained");

	exec_bn_gw_stats(gw, &st);
	if (st.bad_events == 0 || st.rest_failures < 1 || st.open_orders != 0)
		fail("%" PRIu64 " bad events, %" PRIu64 " REST failures, %" PRIu64 " open",
		     st.bad_events, st.rest_failures, st.open_orders);
	int64_t net[5] = { 0 };
	for (unsigned i = 0; i < nlog; i++)
		if (log_[i].kind == EXEC_FILL && log_[i].locate < 5)
			net[log_[i].locate] +=
				log_[i].side == 'B' ? (int64_t)log_[i].qty : -(int64_t)log_[i].qty;
	long long a = llabs(net[1]), b = llabs(net[4]);
	printf("net BTCUSDT %s%lld.%05lld\n", net[1] < 0 ? "-" : "", a / 100000, a % 100000);
	printf("net ADAUSDT %s%lld.%lld\n", net[4] < 0 ? "-" : "", b / 10, b % 10);
	printf("gw_bn: %" PRIu64 " orders, %" PRIu64 " cancels, %" PRIu64 " events (%" PRIu64
	       " not JSON), %" PRIu64 " REST failures\n",
	       st.orders, st.cancels, st.events, st.bad_events, st.rest_failures);
	exec_bn_gw_destroy(gw);
	return 0;
}
