/* bench-text-venues - what the text-protocol venues cost per message on the
 * thread that calls them: a Binance spot new order built and signed
 * (HMAC-SHA256, exec_bn_new_order), an executionReport read
 * (exec_bn_event_parse), a MetaTrader 5 TRADE;OPEN built (exec_mt5_cmd_open)
 * and the EA's EXECUTION and OPEN_TRADES answers read
 * (exec_mt5_answer_parse); the anchor, in the same run, is an OUCH 4.2 Enter
 * Order encoded (exec_ouch_encode), the binary protocol's cost.
 *
 *   bench-text-venues [--smoke] [--reps N]
 *
 * Each case runs over 1,024 messages that differ (ids, prices, quantities),
 * in batches of 16 timed with the TSC (core_now_ns); the per-message time of
 * each batch goes into an HDR histogram. Prints p50/p99/p99.9/max in ns and
 * the p50 as a multiple of the anchor's. --smoke: one short pass. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tests/exec/bn_samples.h"
#include "../tests/exec/mt5_samples.h"
#include "../tests/exec/ouch_samples.h"
#include "exec.h"

#define NMSG  1024
#define BATCH 16
#define SECRET "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"

enum bench_case {
	C_OUCH,
	C_BN_ORDER,
	C_BN_EVENT,
	C_BN_EVENT_RAW,
	C_MT5_OPEN,
	C_MT5_EXEC,
	C_MT5_TRADES,
	NCASES
};
static const char *const names[NCASES] = {
	"OUCH Enter encode (anchor)", "Binance order + HMAC",  "Binance executionReport",
	"Binance exec.Report (raw)",  "MT5 TRADE;OPEN build",  "MT5 EXECUTION answer",
	"MT5 OPEN_TRADES (3)",
};

static char texts[NMSG][1024];
static size_t lens[NMSG];
static struct exec_ouch_msg enters[NMSG];
static volatile uint64_t sink;
static double p50s[NCASES];

/* The inputs of case c: answers and events to read vary in their ids. */
static void prepare(int c)
{
	for (uint32_t i = 0; i < NMSG; i++) {
		const char *s = c == C_BN_EVENT       ? BN_TRADE_WRAPPED
		                : c == C_BN_EVENT_RAW ? BN_EXECUTION_REPORT
		                : c == C_MT5_EXEC     ? MT5_EXECUTION
		                : c == C_MT5_TRADES ? MT5_OPEN_TRADES
		                                    : "";
		snprintf(texts[i], sizeof(texts[i]), "%s", s);
		char *id = strstr(texts[i], c == C_BN_EVENT ? "17-4242" : "5012345");
		if (id) /* same length: a different id each */
			id[6] = (char)('0' + i % 10), id[5] = (char)('0' + i / 10 % 10);
		lens[i] = strlen(texts[i]);
	}
	unsigned char b[EXEC_OUCH_MAX_LEN];
	for (uint32_t i = 0; c == C_OUCH && i < NMSG; i++) {
		ouch_sample(EXEC_OUCH_ENTER, &enters[i], b);
		enters[i].enter.price = 1000000 + i * 100;
		enters[i].enter.shares = 100 + i % 900;
	}
}

static uint64_t one(int c, uint32_t i)
{
	char out[512], err[160], other[EXEC_BN_TEXT];
	switch (c) {
	case C_OUCH: {
		unsigned char b[EXEC_OUCH_MAX_LEN];
		return (uint64_t)exec_ouch_encode(b, sizeof(b), &enters[i]) + b[20];
	}
	case C_BN_ORDER: {
		struct exec_bn_order o = { .symbol = "BTCUSDT", .side = i & 1 ? 'B' : 'S',
			                   .qty = 100000 + i, .qty_decimals = 8,
			                   .px = 6400000 + i, .px_decimals = 2,
			                   .order_id = 1000 + i, .seq = 77000 + i };
		return (uint64_t)exec_bn_new_order(out, sizeof(out), &o, 5000,
		                                   1700000000000ull + i, SECRET, sizeof(SECRET) - 1);
	}
	case C_BN_EVENT:
	case C_BN_EVENT_RAW: {
		struct exec_bn_report r;
		return (uint64_t)exec_bn_event_parse(texts[i], lens[i], &r, other, err,
		                                     sizeof(err)) + r.order_id;
	}
	case C_MT5_OPEN:
		return (uint64_t)exec_mt5_cmd_open(out, sizeof(out), EXEC_MT5_BUY_LIMIT, "EURUSD",
		                                   108000 + i, 5, 1000 * (1 + i % 9), 100000,
		                                   "osprey:12345", 12345 + i);
	default: {
		static struct exec_mt5_trade trades[8];
		struct exec_mt5_answer a;
		return (uint64_t)exec_mt5_answer_parse(texts[i], lens[i], &a, trades, 8, err,
		                                       sizeof(err)) + a.ticket + a.ntrades;
	}
	}
}

static int run(int c, int reps)
{
	prepare(c);
	if ((int64_t)one(c, 0) < 0) {
		printf("%s: the case fails\n", names[c]);
		return 1;
	}
	struct core_hist h;
	core_hist_init(&h);
	uint64_t n = 0, acc = 0;
	for (int r = 0; r < reps; r++) {
		for (uint32_t i = 0; i < NMSG; i += BATCH) {
			uint64_t t0 = core_now_ns();
			for (uint32_t j = i; j < i + BATCH; j++)
				acc += one(c, j);
			uint64_t dt = core_now_ns() - t0;
			int64_t ps = (int64_t)(dt * 1000 / BATCH);
			core_hist_record_n(&h, ps > 0 ? ps : 1, BATCH);
			n += BATCH;
		}
	}
	sink += acc;
	p50s[c] = core_hist_value_at(&h, 50) / 1e3;
	printf("%-28s %8" PRIu64 " msgs  p50 %7.1f  p99 %7.1f  p99.9 %7.1f  max %8.1f ns/msg  "
	       "p50 %5.1fx the anchor\n",
	       names[c], n, p50s[c], core_hist_value_at(&h, 99) / 1e3,
	       core_hist_value_at(&h, 99.9) / 1e3, core_hist_max(&h) / 1e3,
	       p50s[C_OUCH] > 0 ? p50s[c] / p50s[C_OUCH] : 0.0);
	core_hist_fini(&h);
	return 0;
}

int main(int argc, char **argv)
{
	int reps = 100;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke"))
			reps = 2;
		else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = atoi(argv[++i]);
	}
	if (reps < 1)
		reps = 1;
	core_clock_init(20);
	printf("text venues, %d x %d messages per case, batches of %d (TSC: %s)\n", reps, NMSG,
	       BATCH, core_clock_uses_tsc() ? "yes" : "no, clock_gettime");
	int r = 0;
	for (int c = 0; c < NCASES; c++)
		r |= run(c, reps);
	return r;
}
