/* The MetaTrader 5 protocol codec (exec/src/mt5.c): every answer the DWX
 * expert advisor writes (mt5_samples.h) read field by field; every cut of
 * each refused with an offset inside it, with its last byte right before a
 * PROT_NONE page; malformed answers named; the commands byte for byte as the
 * EA's ParseZmqMessage splits them; the unit conversions at their edges. */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "exec.h"
#include "mt5_samples.h"

static struct exec_mt5_trade trades[8];

static int parse(const char *s, struct exec_mt5_answer *a, char *err)
{
	return exec_mt5_answer_parse(s, strlen(s), a, trades, 8, err, 200);
}

static void answers(void)
{
	struct exec_mt5_answer a;
	char err[200];
	assert(parse(MT5_EXECUTION, &a, err) == 0);
	assert(a.action == EXEC_MT5_EXECUTION && a.has_ticket && a.ticket == 5012345);
	assert(a.has_magic && a.magic == 7 && a.has_open_px && a.open_px_e8 == 108543000);
	assert(!a.response[0] && !a.has_close_px);
	assert(parse(MT5_EXECUTION_NO_DMA, &a, err) == 0);
	assert(a.ticket == 5012346 && a.magic == 8 && a.open_px_e8 == 108551000);

	assert(parse(MT5_REFUSED, &a, err) == 0);
	assert(a.action == EXEC_MT5_EXECUTION && !a.has_ticket && !a.has_magic);
	assert(!strcmp(a.response, "134") && !strcmp(a.response_value, "not enough money"));
	assert(parse(MT5_LOT_SIZE, &a, err) == 0);
	assert(!strcmp(a.response, "LOT_SIZE_ERROR") &&
	       !strcmp(a.response_value, "MAX_LOT_SIZE_EXCEEDED"));

	assert(parse(MT5_CLOSE_PENDING, &a, err) == 0);
	assert(a.action == EXEC_MT5_CLOSE && a.ticket == 5012345 &&
	       !strcmp(a.response, "CLOSE_PENDING") && !strcmp(a.response_value, "SUCCESS"));
	assert(parse(MT5_CLOSE_MARKET, &a, err) == 0);
	assert(!strcmp(a.response, "CLOSE_MARKET") && a.has_close_px && a.close_px_e8 == 108549000);
	assert(a.has_close_lots && a.close_lots_e8 == 1000000);
	assert(parse(MT5_CLOSE_NOT_FOUND, &a, err) == 0);
	assert(a.ticket == 99 && !strcmp(a.response, "NOT_FOUND") && !a.response_value[0]);

	assert(parse(MT5_OPEN_TRADES, &a, err) == 0);
	assert(a.action == EXEC_MT5_OPEN_TRADES && a.ntrades == 3);
	assert(trades[0].ticket == 5012347 && trades[0].magic == 9 && trades[0].type == 2);
	assert(trades[0].lots_e8 == 2000000 && trades[0].open_px_e8 == 108500000);
	assert(!strcmp(trades[0].symbol, "EURUSD") && !strcmp(trades[0].comment, "osprey:9"));
	assert(trades[1].ticket == 5012346 && trades[1].type == 1 &&
	       !strcmp(trades[1].comment, "osprey:8"));
	assert(trades[2].ticket == 4000001 && trades[2].type == 0 && trades[2].lots_e8 == 100000000 &&
	       !strcmp(trades[2].symbol, "GBPUSD") && !strcmp(trades[2].comment, "manual"));
	assert(parse(MT5_NO_TRADES, &a, err) == 0 && a.ntrades == 0);

	assert(parse(MT5_TRACK, &a, err) == 0);
	assert(a.action == EXEC_MT5_TRACK_PRICES && a.symbol_count == 2);

	/* more trades than kept: how many, and -E2BIG */
	assert(exec_mt5_answer_parse(MT5_OPEN_TRADES, strlen(MT5_OPEN_TRADES), &a, trades, 2, err,
	                             sizeof(err)) == -E2BIG);
	assert(a.ntrades == 3 && strstr(err, "3 open trades"));
	/* an unknown action, a trailing comma, a NUL sent with the string */
	assert(parse("{'_action': 'HIST', '_data': [{'time':'x', 'open':1.5},], }", &a, err) == 0);
	assert(a.action == EXEC_MT5_OTHER);
	assert(exec_mt5_answer_parse(MT5_TRACK, sizeof(MT5_TRACK), &a, trades, 8, err, 200) == 0);
}

/* what is wrong, and where */
static void malformed(void)
{
	static const struct {
		const char *s, *what;
	} bad[] = {
		{ "", "offset 0: the answer ends" },
		{ "[1]", "offset 0: an answer that is not a dict" },
		{ "{'_action' 'CLOSE'}", "offset 11: expected ':'" },
		{ "{'_action': 'CLOSE' '_ticket': 1}", "offset 20: expected ','" },
		{ "{'_action': 'CLOSE}", "offset 12: a string with no closing quote" },
		{ "{'_ticket': 'x'}", "offset 12: '_ticket' is not a number" },
		{ "{'_ticket': 1.5}", "offset 12: '_ticket' is not a whole number" },
		{ "{'_open_price': 1.2.3}", "offset 16: '_open_price': a number with two points" },
		{ "{'_open_price': 99999999999999}", "'_open_price': '99999999999999' is not a number" },
		{ "{'_action': 7}", "offset 12: '_action' is not a string" },
		{ "{'_trades': []}", "offset 12: '_trades' is not a dict" },
		{ "{'_trades': {'x': {}}}", "offset 13: 'a ticket key' is not a number" },
		{ "{'_trades': {5: 1}}", "offset 16: trade 5 is not a dict" },
		{ "{'_trades': {5: {'_type': 9}}}", "offset 26: '_type' is not an order type" },
		{ "{'a': [[[[[[[[[1]]]]]]]]]}", "nesting deeper than 8" },
		{ "{'a': 1} x", "offset 9: bytes after the answer's dict" },
		{ "{'a': #}", "offset 6: byte 0x23 starts no value" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct exec_mt5_answer a;
		char err[200] = "";
		int r = parse(bad[i].s, &a, err);
		if (r != -EBADMSG || !strstr(err, bad[i].what)) {
			fprintf(stderr, "answer %zu <%s>: %d '%s', wanted '%s'\n", i, bad[i].s, r, err,
			        bad[i].what);
			abort();
		}
	}
}

/* every cut of every answer, its last byte before a guard page */
static void cuts(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	char *map = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert(map != MAP_FAILED && mprotect(map + pg, pg, PROT_NONE) == 0);
	static const char *const all[] = { MT5_ANSWERS };
	unsigned n = 0;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		size_t len = strlen(all[i]);
		for (size_t have = 0; have <= len; have++) {
			char *p = map + pg - have;
			memcpy(p, all[i], have);
			struct exec_mt5_answer a;
			char err[200] = "";
			int r = exec_mt5_answer_parse(p, have, &a, trades, 8, err, sizeof(err));
			bool whole = have == len || (i == 1 && have == len - 1); /* the spare '}' */
			if (whole) {
				assert(r == 0);
				continue;
			}
			unsigned long at;
			assert(r == -EBADMSG && sscanf(err, "offset %lu:", &at) == 1 && at <= have);
			n++;
		}
	}
	printf("mt5: %u cut answers refused with their offset, none read past its end\n", n);
}

static void commands(void)
{
	char b[256];
	int n = exec_mt5_cmd_open(b, sizeof(b), EXEC_MT5_BUY_LIMIT, "EURUSD", 108500, 5, 2000, 100000,
	                          "osprey:9", 9);
	assert(n == (int)strlen(b) && !strcmp(b, "TRADE;OPEN;2;EURUSD;1.085;0;0;osprey:9;0.02;9;0"));
	/* eleven fields, as the EA's ParseZmqMessage splits them */
	unsigned fields = 1;
	for (const char *p = b; *p; p++)
		fields += *p == ';';
	assert(fields == 11);
	assert(exec_mt5_cmd_open(b, sizeof(b), EXEC_MT5_SELL, "USDJPY", 150123, 3, 100000, 100000,
	                         "c", 1) > 0);
	assert(!strcmp(b, "TRADE;OPEN;1;USDJPY;150.123;0;0;c;1;1;0"));
	assert(exec_mt5_cmd_open(b, sizeof(b), EXEC_MT5_BUY, "EUR;USD", 1, 5, 1000, 100000, "c", 1) ==
	       -EINVAL);
	assert(exec_mt5_cmd_open(b, sizeof(b), EXEC_MT5_BUY, "EURUSD", 1, 5, 1000, 100000, "a;b", 1) ==
	       -EINVAL);
	assert(exec_mt5_cmd_open(b, sizeof(b), EXEC_MT5_BUY, "EURUSD", 1, 5, 1, 300000000, "c", 1) ==
	       -EINVAL); /* 1/3e8 lot is not a whole number of 1e-8 lots */
	assert(exec_mt5_cmd_open(b, 20, EXEC_MT5_BUY, "EURUSD", 1, 5, 1000, 100000, "c", 1) ==
	       -ENOSPC);
	n = exec_mt5_cmd_close(b, sizeof(b), 5012345, 9);
	assert(n > 0 && !strcmp(b, "TRADE;CLOSE;0;NULL;0;0;0;;0;9;5012345"));
	fields = 1;
	for (const char *p = b; *p; p++)
		fields += *p == ';';
	assert(fields == 11);
	assert(exec_mt5_cmd_open_trades(b, sizeof(b)) == 21 && !strcmp(b, "TRADE;GET_OPEN_TRADES"));
	const char *syms[] = { "EURUSD", "GBPUSD" };
	assert(exec_mt5_cmd_track_prices(b, sizeof(b), syms, 2) > 0 &&
	       !strcmp(b, "TRACK_PRICES;EURUSD;GBPUSD"));
	assert(exec_mt5_cmd_track_prices(b, 20, syms, 2) == -ENOSPC);
}

static void units(void)
{
	uint32_t v;
	assert(exec_mt5_px(108543000, 5, &v) && v == 108543);
	assert(exec_mt5_px(108543500, 5, &v) && v == 108544); /* to the nearest */
	assert(exec_mt5_px(108543499, 5, &v) && v == 108543);
	assert(exec_mt5_px(15012300000, 3, &v) && v == 150123);
	assert(!exec_mt5_px(0, 5, &v) && !exec_mt5_px(-5, 5, &v));
	assert(!exec_mt5_px(4294967296LL * 1000, 5, &v)); /* 2^32 in 10^-5 */
	assert(exec_mt5_qty(1000000, 100000, &v) && v == 1000); /* 0.01 lot */
	assert(exec_mt5_qty(100000000, 100000, &v) && v == 100000);
	assert(!exec_mt5_qty(0, 100000, &v) && !exec_mt5_qty(1, 0, &v));
	assert(!exec_mt5_qty(INT64_MAX, 100000, &v));
}

int main(void)
{
	answers();
	malformed();
	cuts();
	commands();
	units();
	printf("mt5: the EA's answers read, malformed ones named, commands exact\n");
	return 0;
}
