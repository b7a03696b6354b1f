/* Binance spot order entry, the codec (exec/src/bn_orders.c): the signature
 * against the documented example of Binance's "SIGNED Endpoint security"
 * (the HMAC-SHA256 of its request under its secret); the new-order and cancel
 * bodies byte for byte, signed over exactly what precedes the signature; the
 * documented REST answers and user data stream events read field by field;
 * malformed ones named with their offset; every cut of every sample refused
 * without a read past its end (a guard page); the decimal conversions. */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bn_samples.h"
#include "exec.h"

/* rest-api.md, "SIGNED Endpoint Examples for POST /api/v3/order - HMAC Keys" */
#define DOC_SECRET "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
#define DOC_QUERY                                                                    \
	"symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=" \
	"5000&timestamp=1499827319559"
#define DOC_SIGNATURE "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"

static void signing(void)
{
	char hex[EXEC_BN_SIG + 1];
	assert(exec_bn_sign(DOC_SECRET, strlen(DOC_SECRET), DOC_QUERY, strlen(DOC_QUERY), hex) == 0);
	assert(!strcmp(hex, DOC_SIGNATURE));
	assert(exec_bn_sign("", 0, DOC_QUERY, 3, hex) == -EINVAL);

	char b[512];
	struct exec_bn_order o = { .symbol = "LTCBTC", .side = 'B', .tif = EXEC_TIF_DAY, .qty = 1,
		                   .px = 1, .px_decimals = 1, .order_id = 17, .seq = 4242 };
	int n = exec_bn_new_order(b, sizeof(b), &o, 5000, 1499827319559ull, DOC_SECRET,
	                          strlen(DOC_SECRET));
	const char *want = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
	                   "&newClientOrderId=17-4242&newOrderRespType=ACK&recvWindow=5000"
	                   "&timestamp=1499827319559&signature=";
	size_t wl = strlen(want);
	assert(n == (int)(wl + EXEC_BN_SIG) && !strncmp(b, want, wl));
	assert(exec_bn_sign(DOC_SECRET, strlen(DOC_SECRET), b, wl - 11, hex) == 0 &&
	       !strcmp(b + wl, hex)); /* signed over all before "&signature=" */

	o = (struct exec_bn_order){ .symbol = "BTCUSDT", .side = 'S', .tif = EXEC_TIF_IOC,
		                    .qty = 500000, .qty_decimals = 8, .px = 6400001,
		                    .px_decimals = 2, .order_id = 1, .seq = 2 };
	assert(exec_bn_new_order(b, sizeof(b), &o, 5000, 1, DOC_SECRET, strlen(DOC_SECRET)) > 0);
	assert(!strncmp(b, "symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=IOC&quantity=0.005"
	                   "&price=64000.01&newClientOrderId=1-2&",
	                83));
	/* what the API cannot carry */
	struct exec_bn_order bad = o;
	bad.symbol = "btc-usdt";
	assert(exec_bn_new_order(b, sizeof(b), &bad, 5000, 1, DOC_SECRET, 4) == -EINVAL);
	bad = o;
	bad.side = 'X';
	assert(exec_bn_new_order(b, sizeof(b), &bad, 5000, 1, DOC_SECRET, 4) == -EINVAL);
	bad = o;
	bad.order_id = UINT64_MAX, bad.seq = UINT64_MAX; /* 41 characters: above 36 */
	assert(exec_bn_new_order(b, sizeof(b), &bad, 5000, 1, DOC_SECRET, 4) == -EINVAL);
	assert(exec_bn_new_order(b, 100, &o, 5000, 1, DOC_SECRET, 4) == -ENOSPC);
	assert(exec_bn_new_order(b, sizeof(b), &o, 5000, 1, "", 0) == -EINVAL);

	n = exec_bn_cancel(b, sizeof(b), "BTCUSDT", 17, 4242, 5000, 77, DOC_SECRET,
	                   strlen(DOC_SECRET));
	want = "symbol=BTCUSDT&origClientOrderId=17-4242&recvWindow=5000&timestamp=77&signature=";
	wl = strlen(want);
	assert(n == (int)(wl + EXEC_BN_SIG) && !strncmp(b, want, wl));

	uint64_t id, seq;
	assert(exec_bn_client_id("17-4242", &id, &seq) == 0 && id == 17 && seq == 4242);
	assert(exec_bn_client_id("6gCrw2kRUAF9CvJDGP16IP", &id, &seq) == -EINVAL);
	assert(exec_bn_client_id("17-", &id, &seq) == -EINVAL);
	assert(exec_bn_client_id("-5", &id, &seq) == -EINVAL);
}

static void answers(void)
{
	struct exec_bn_answer a;
	char err[200];
	assert(exec_bn_answer_parse(BN_ACK, strlen(BN_ACK), &a, err, sizeof(err)) == 0);
	assert(!a.error && a.order_id == 28 && !strcmp(a.client_id, "6gCrw2kRUAF9CvJDGP16IP") &&
	       a.transact_ms == 1507725176595ull);
	assert(exec_bn_answer_parse(BN_ERROR, strlen(BN_ERROR), &a, err, sizeof(err)) == 0);
	assert(a.error && a.code == -1013 && !strcmp(a.msg, "Filter failure: LOT_SIZE"));
	assert(exec_bn_answer_parse(BN_LISTEN_KEY, strlen(BN_LISTEN_KEY), &a, err, sizeof(err)) ==
	       0);
	assert(!a.error && strlen(a.listen_key) == 64 && !strncmp(a.listen_key, "pqia91", 6));
	assert(exec_bn_answer_parse(BN_CANCELED, strlen(BN_CANCELED), &a, err, sizeof(err)) == 0);
	assert(!strcmp(a.status, "CANCELED") && a.order_id == 4 &&
	       !strcmp(a.client_id, "cancelMyOrder1"));

	/* exchangeInfo: the symbol's scales and filters */
	struct exec_bn_info in;
	const char *info = BN_EXCHANGE_INFO;
	assert(exec_bn_info_parse(info, strlen(info), "ETHBTC", &in, err, sizeof(err)) == 0);
	assert(!strcmp(in.symbol, "ETHBTC") && !strcmp(in.status, "TRADING"));
	assert(in.px_decimals == 6 && in.qty_decimals == 3);
	assert(!strcmp(in.tick, "0.00000100") && !strcmp(in.step, "0.00100000"));
	assert(!strcmp(in.min_qty, "0.00100000") && !strcmp(in.min_notional, "0.00010000"));
	assert(exec_bn_info_parse(info, strlen(info), "BTCUSDT", &in, err, sizeof(err)) == -ENOENT);
	assert(strstr(err, "BTCUSDT is not among"));
	/* listed, without the filters an order needs */
	assert(exec_bn_info_parse(info, strlen(info), "LTCBTC", &in, err, sizeof(err)) == -EBADMSG);
	assert(strstr(err, "no PRICE_FILTER tickSize"));
	const char *zero = "{\"symbols\":[{\"symbol\":\"X\",\"filters\":[{\"filterType\":"
	                   "\"PRICE_FILTER\",\"tickSize\":\"0.000\"},{\"filterType\":"
	                   "\"LOT_SIZE\",\"stepSize\":\"1\"}]}]}";
	assert(exec_bn_info_parse(zero, strlen(zero), "X", &in, err, sizeof(err)) == -EBADMSG);
	assert(strstr(err, "a step of zero") && strstr(err, "offset "));
	const char *fine = "{\"symbols\":[{\"symbol\":\"X\",\"filters\":[{\"filterType\":"
	                   "\"PRICE_FILTER\",\"tickSize\":\"0.0000000001\"},{\"filterType\":"
	                   "\"LOT_SIZE\",\"stepSize\":\"1\"}]}]}";
	assert(exec_bn_info_parse(fine, strlen(fine), "X", &in, err, sizeof(err)) == -EBADMSG);
	assert(strstr(err, "past 9 decimal places"));
	assert(exec_bn_info_parse(BN_ACK, strlen(BN_ACK), "X", &in, err, sizeof(err)) == -EBADMSG);
	assert(strstr(err, "no \"symbols\""));
}

static void events(void)
{
	struct exec_bn_report r;
	char other[EXEC_BN_TEXT], err[200];
	assert(exec_bn_event_parse(BN_EXECUTION_REPORT, strlen(BN_EXECUTION_REPORT), &r, other, err,
	                           sizeof(err)) == 1);
	assert(!strcmp(r.symbol, "ETHBTC") && !strcmp(r.client_id, "mUvoqJxFIILMdfAW5iGSOW"));
	assert(r.side == 'B' && r.exec == EXEC_BN_NEW && !strcmp(r.status, "NEW"));
	assert(r.order_id == 4293153 && !strcmp(r.qty, "1.00000000") &&
	       !strcmp(r.price, "0.10264410"));
	assert(!strcmp(r.cum_qty, "0.00000000") && r.trade_id == -1 && !r.maker);
	assert(r.event_ms == 1499405658658ull && r.transact_ms == 1499405658657ull);
	assert(!r.orig_client_id[0] && !strcmp(r.reject_reason, "NONE"));

	assert(exec_bn_event_parse(BN_TRADE_WRAPPED, strlen(BN_TRADE_WRAPPED), &r, other, err,
	                           sizeof(err)) == 1);
	assert(r.exec == EXEC_BN_TRADE && r.side == 'S' && !strcmp(r.client_id, "17-4242"));
	assert(!strcmp(r.last_qty, "0.00200000") && !strcmp(r.last_px, "64000.50000000"));
	assert(r.trade_id == 77 && r.maker && !strcmp(r.status, "PARTIALLY_FILLED"));
	uint64_t v;
	assert(exec_bn_decimal(r.last_px, 2, UINT32_MAX, &v) == 0 && v == 6400050);
	assert(exec_bn_decimal(r.last_qty, 8, UINT32_MAX, &v) == 0 && v == 200000);
	assert(exec_bn_decimal(r.price, 1, UINT64_MAX, &v) == -ERANGE); /* 64000.01 at 1 decimal */
	assert(exec_bn_decimal("1e5", 2, UINT64_MAX, &v) == -EINVAL);

	assert(exec_bn_event_parse(BN_ACCOUNT, strlen(BN_ACCOUNT), &r, other, err, sizeof(err)) ==
	       0);
	assert(!strcmp(other, "outboundAccountPosition"));
	assert(exec_bn_event_parse(BN_BALANCE, strlen(BN_BALANCE), &r, other, err, sizeof(err)) ==
	       0);
	assert(!strcmp(other, "balanceUpdate"));
}

static void malformed(void)
{
	static const struct {
		const char *s, *what;
	} bad[] = {
		{ "[1]", "offset 0: not a JSON object" },
		{ "{\"code\":\"x\",\"msg\":\"m\"}", "offset 8: \"code\" is not an integer" },
		{ "{\"orderId\":-3}", "offset 11: \"orderId\" is not an id" },
		{ "{\"e\":\"executionReport\",\"s\":\"A\",\"c\":\"1-2\",\"S\":\"HOLD\"}",
		  "offset 45: \"S\" is not BUY or SELL" },
		{ "{\"e\":\"executionReport\",\"s\":\"A\"}", "without \"s\", \"c\"" },
		{ "{\"E\":5}", "an event with no \"e\"" },
		{ "{\"e\":\"executionReport\",\"m\":1}", "\"m\" is not true or false" },
		{ "{\"event\":[]}", "offset 9: \"event\" is not an object" },
		{ "{\"a\":1} x", "offset 8: bytes after the object" },
		{ "{\"a\":", "offset " },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct exec_bn_report r;
		struct exec_bn_answer a;
		char other[EXEC_BN_TEXT], err[200] = "";
		size_t n = strlen(bad[i].s);
		int e = exec_bn_event_parse(bad[i].s, n, &r, other, err, sizeof(err));
		if (e == -EBADMSG && strstr(err, bad[i].what))
			continue;
		e = exec_bn_answer_parse(bad[i].s, n, &a, err, sizeof(err));
		if (e != -EBADMSG || !strstr(err, bad[i].what)) {
			fprintf(stderr, "<%s>: %d '%s', wanted '%s'\n", bad[i].s, e, err, bad[i].what);
			abort();
		}
	}
}

/* every cut of every sample before a guard page: refused with an offset */
static void cuts(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	char *map = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert(map != MAP_FAILED && mprotect(map + pg, pg, PROT_NONE) == 0);
	static const char *const all[] = { BN_ALL };
	unsigned n = 0;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		size_t len = strlen(all[i]);
		for (size_t have = 0; have < len; have++) {
			char *p = map + pg - have;
			memcpy(p, all[i], have);
			struct exec_bn_report r;
			struct exec_bn_answer a;
			char other[EXEC_BN_TEXT], err[200] = "";
			unsigned long at;
			assert(exec_bn_event_parse(p, have, &r, other, err, sizeof(err)) == -EBADMSG);
			assert(sscanf(err, "offset %lu:", &at) == 1 && at <= have);
			assert(exec_bn_answer_parse(p, have, &a, err, sizeof(err)) == -EBADMSG);
			struct exec_bn_info in;
			assert(exec_bn_info_parse(p, have, "ETHBTC", &in, err, sizeof(err)) == -EBADMSG);
			n++;
		}
	}
	printf("bn_orders: %u cut messages refused with their offset, none read past its end\n", n);
}

int main(void)
{
	signing();
	answers();
	events();
	malformed();
	cuts();
	printf("bn_orders: the documented signature, requests, answers and events\n");
	return 0;
}
