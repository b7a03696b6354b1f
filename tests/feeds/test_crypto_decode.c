/* Crypto decoders on crafted lines: scales without rounding, key order and
 * whitespace, Binance's snapshot/U/u rules (old, first diff, duplicate,
 * out-of-order gap, resync), Bybit snapshot/delta (update/delete/insert,
 * duplicate cross_seq, level errors), trades, and malformed input: truncated,
 * zero-length, oversized, wrong types -- each with its outcome. */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "feeds.h"

static struct feeds_crypto *c;
static char err[512];
static const struct md_event *ev;

static int line(const char *s)
{
	return feeds_crypto_line(c, s, strlen(s), &ev, err, sizeof(err));
}

static void bbo(uint16_t loc, uint32_t bpx, uint64_t bq, uint32_t apx, uint64_t aq)
{
	struct feeds_level b, a;
	assert(feeds_crypto_bbo(c, loc, &b, &a) == 0);
	if (b.px != bpx || b.qty != bq || a.px != apx || a.qty != aq)
		fprintf(stderr, "bbo %u: %u/%llu %u/%llu\n", loc, b.px, (unsigned long long)b.qty,
			a.px, (unsigned long long)a.qty);
	assert(b.px == bpx && b.qty == bq && a.px == apx && a.qty == aq);
}

static void expect_bad(const char *s, const char *needle)
{
	struct feeds_level b0, a0, b1, a1;
	int has = feeds_crypto_nsymbols(c) >= 1;
	if (has)
		feeds_crypto_bbo(c, 1, &b0, &a0);
	struct feeds_crypto_stats st0, st1;
	feeds_crypto_stats(c, &st0);
	int r = line(s);
	if (r != -EBADMSG || !strstr(err, needle) || strncmp(err, "offset ", 7))
		fprintf(stderr, "line %s -> %d '%s' (want '%s')\n", s, r, err, needle);
	assert(r == -EBADMSG && strstr(err, needle) && !strncmp(err, "offset ", 7));
	/* nothing applied */
	feeds_crypto_stats(c, &st1);
	assert(st1.level_events == st0.level_events && st1.diffs == st0.diffs);
	if (has) {
		feeds_crypto_bbo(c, 1, &b1, &a1);
		assert(b0.px == b1.px && b0.qty == b1.qty && a0.px == a1.px && a0.qty == a1.qty);
	}
}

#define SNAP(L, BIDS, ASKS)                                                                     \
	"https://api.binance.com/api/v3/depth?symbol=TEST&limit=1000 -> 1600000000.5: "        \
	"{\"lastUpdateId\":" #L ",\"bids\":" BIDS ",\"asks\":" ASKS "}"

#define DIFF(U, u, B, A)                                                                        \
	"1600000001.25: {\"stream\":\"test@depth@100ms\",\"data\":{\"e\":\"depthUpdate\","     \
	"\"E\":1600000001200,\"s\":\"TEST\",\"U\":" #U ",\"u\":" #u ",\"b\":" B ",\"a\":" A   \
	"}}"

int main(void)
{
	static const struct feeds_crypto_instr in[] = {
		{ "TEST", FEEDS_CRYPTO_BINANCE, 4, 2 },
		{ "BYT", FEEDS_CRYPTO_BYBIT, 2, 3 },
	};
	struct feeds_crypto_cfg cfg = { .instr = in, .ninstr = 2, .no_builtin = true,
					.max_events = 8, .max_symbols = 4 };
	assert(feeds_crypto_create(&cfg, &c, err, sizeof(err)) == 0);
	struct feeds_crypto_stats st;

	/* Zero-length and blank lines: skipped, no events. */
	assert(line("") == 0 && line("   ") == 0 && line("\r") == 0);

	/* A diff before any snapshot: unsynced, dropped. */
	assert(line(DIFF(90, 95, "[[\"1.0000\",\"1\"]]", "[]")) == 0);
	feeds_crypto_stats(c, &st);
	assert(st.diffs_unsynced == 1);
	assert(feeds_crypto_stale(c, 1));
	uint64_t uid;
	assert(feeds_crypto_update_id(c, 1, &uid) == -EAGAIN);
	assert(feeds_crypto_update_id(c, 9, &uid) == -ERANGE);

	/* Snapshot L=100. */
	assert(line(SNAP(100, "[[\"1.0000\",\"5.00\"],[\"0.9990\",\"7\"]]",
			 "[[\"1.0010\",\"3.5\"],[\"1.0020\",\"1\"]]")) == 1);
	assert(ev[0].kind == MD_STATUS && ev[0].msg_type == 'r' && ev[0].ref == 100 &&
	       (ev[0].flags & MD_F_BOOK) && ev[0].locate == 1);
	assert(ev[0].bid_px == 10000 && ev[0].bid_qty == 500 && ev[0].ask_px == 10010 &&
	       ev[0].ask_qty == 350);
	bbo(1, 10000, 500, 10010, 350);
	assert(!strcmp(feeds_crypto_symbol(c, 1), "TEST") &&
	       feeds_crypto_venue(c, 1) == FEEDS_CRYPTO_BINANCE &&
	       feeds_crypto_lookup(c, FEEDS_CRYPTO_BINANCE, "TEST") == 1);
	assert(feeds_crypto_update_id(c, 1, &uid) == 0 && uid == 100); /* the snapshot's */

	/* u <= lastUpdateId: old, dropped. */
	assert(line(DIFF(95, 100, "[[\"1.0000\",\"0\"]]", "[]")) == 0);
	feeds_crypto_stats(c, &st);
	assert(st.diffs_old == 1);
	bbo(1, 10000, 500, 10010, 350);

	/* The first diff straddles L+1; keys in another order, extra spaces. */
	const char *d1 = "1600000001.3: { \"data\" : { \"a\" : [ [ \"1.0010\" , \"0\" ] ] , "
			 "\"u\" : 103 , \"s\" : \"TEST\" , \"b\" : [ [ \"1.0005\" , \"2\" ] ] , "
			 "\"U\" : 99 , \"e\" : \"depthUpdate\" , \"E\" : 1600000001300 } , "
			 "\"stream\" : \"test@depth@100ms\" }  ";
	assert(line(d1) == 2);
	assert(ev[0].kind == MD_LEVEL && ev[0].side == 'B' && ev[0].px == 10005 &&
	       ev[0].qty == 200 && ev[0].ref == 103);
	assert(ev[1].kind == MD_LEVEL && ev[1].side == 'S' && ev[1].px == 10010 && ev[1].qty == 0);
	/* both carry the book after the whole message */
	for (int i = 0; i < 2; i++)
		assert(ev[i].bid_px == 10005 && ev[i].bid_qty == 200 && ev[i].ask_px == 10020 &&
		       ev[i].ask_qty == 100 && ev[i].flags == MD_F_BOOK);
	assert(ev[0].ts_ns == (1600000001300ull % 86400000ull) * 1000000ull);
	assert(!feeds_crypto_stale(c, 1));

	/* Next in sequence. */
	assert(line(DIFF(104, 104, "[]", "[[\"1.0015\",\"4\"]]")) == 1);
	bbo(1, 10005, 200, 10015, 400);
	assert(feeds_crypto_update_id(c, 1, &uid) == 0 && uid == 104); /* the last diff's u */

	/* A bookTicker at u=104 matches; at 105 it waits for the diff. */
	assert(line("1600000001.4: {\"stream\":\"test@bookTicker\",\"data\":{\"u\":104,\"s\":\"TEST\","
		    "\"b\":\"1.0005\",\"B\":\"2.00\",\"a\":\"1.0015\",\"A\":\"4\"}}") == 0);
	assert(line("1600000001.4: {\"stream\":\"test@bookTicker\",\"data\":{\"u\":105,\"s\":\"TEST\","
		    "\"b\":\"1.0005\",\"B\":\"2\",\"a\":\"1.0015\",\"A\":\"9\"}}") == 0);
	feeds_crypto_stats(c, &st);
	assert(st.ticker_matched == 1 && st.ticker_mismatched == 0);
	assert(line(DIFF(105, 105, "[]", "[[\"1.0015\",\"9\"]]")) == 1);
	feeds_crypto_stats(c, &st);
	assert(st.ticker_matched == 2);

	/* Duplicate (u <= last u): dropped, book unchanged. */
	assert(line(DIFF(104, 104, "[]", "[[\"1.0015\",\"1\"]]")) == 0);
	feeds_crypto_stats(c, &st);
	assert(st.duplicates == 1);
	bbo(1, 10005, 200, 10015, 900);

	/* Out of order (U skips 106..107): a gap, stale until a new snapshot. */
	assert(line(DIFF(108, 110, "[[\"1.0006\",\"1\"]]", "[]")) == 1);
	assert(ev[0].kind == MD_GAP && (ev[0].flags & MD_F_STALE) && ev[0].ref == 110);
	assert(feeds_crypto_stale(c, 1));
	assert(line(DIFF(111, 111, "[[\"1.0007\",\"1\"]]", "[]")) == 0); /* not applied */
	bbo(1, 10005, 200, 10015, 900);
	feeds_crypto_stats(c, &st);
	assert(st.gaps == 1 && st.diffs_unsynced == 2);
	/* Resync: snapshot 120; a first diff starting above 121 is a gap again. */
	assert(line(SNAP(120, "[[\"1.0001\",\"1\"]]", "[[\"1.0003\",\"1\"]]")) == 1);
	assert(!feeds_crypto_stale(c, 1));
	assert(line(DIFF(121, 122, "[[\"1.0002\",\"1\"]]", "[]")) == 1);
	bbo(1, 10002, 100, 10003, 100);

	/* A crossed result is flagged. */
	assert(line(DIFF(123, 123, "[[\"1.0004\",\"1\"]]", "[]")) == 1);
	assert(ev[0].flags & MD_F_CROSSED);
	assert(line(DIFF(124, 124, "[[\"1.0004\",\"0\"]]", "[]")) == 1);
	assert(!(ev[0].flags & MD_F_CROSSED));

	/* Scales: no rounding, no overflow, no exponent, no sign. */
	expect_bad(DIFF(125, 125, "[[\"1.00005\",\"1\"]]", "[]"), "more decimal places");
	expect_bad(DIFF(125, 125, "[[\"1.0001\",\"1.005\"]]", "[]"), "more decimal places");
	expect_bad(DIFF(125, 125, "[[\"429497.0000\",\"1\"]]", "[]"), "too large");
	expect_bad(DIFF(125, 125, "[[\"1e-4\",\"1\"]]", "[]"), "exponent");
	expect_bad(DIFF(125, 125, "[[\"-1.0\",\"1\"]]", "[]"), "sign");
	expect_bad(DIFF(125, 125, "[[\"\",\"1\"]]", "[]"), "decimal");
	expect_bad(DIFF(125, 125, "[[\"1.0001\"]]", "[]"), "fewer than 2");
	expect_bad(DIFF(125, 125, "[[\"1.0001\",\"1\",\"2\"]]", "[]"), "more than 2");
	expect_bad(DIFF(125, 125, "{}", "[]"), "field 'b'");
	expect_bad(DIFF(126, 125, "[]", "[]"), "field 'U'");
	/* trailing zeros beyond the scale are fine */
	assert(line(DIFF(125, 125, "[[\"1.00010000\",\"3.000\"]]", "[]")) == 1);
	assert(ev[0].px == 10001 && ev[0].qty == 300);

	/* Oversized: more level changes than max_events (8). */
	expect_bad(DIFF(126, 126,
			"[[\"1\",\"1\"],[\"2\",\"1\"],[\"3\",\"1\"],[\"4\",\"1\"],[\"5\",\"1\"],"
			"[\"6\",\"1\"],[\"7\",\"1\"],[\"8\",\"1\"],[\"9\",\"1\"]]",
			"[]"),
		   "max_events");

	/* Truncated: every prefix of a good line is rejected or harmless, and
	 * leaves the book alone. */
	{
		const char *good = DIFF(126, 126, "[[\"1.0001\",\"2\"]]", "[[\"1.0003\",\"2\"]]");
		size_t n = strlen(good);
		struct feeds_level b0, a0;
		feeds_crypto_bbo(c, 1, &b0, &a0);
		for (size_t k = 1; k < n; k++) {
			int r = feeds_crypto_line(c, good, k, &ev, err, sizeof(err));
			assert(r == -EBADMSG && !strncmp(err, "offset ", 7));
		}
		bbo(1, b0.px, b0.qty, a0.px, a0.qty);
		assert(feeds_crypto_line(c, good, n, &ev, err, sizeof(err)) == 2);
	}

	/* Malformed JSON and lines. */
	expect_bad("1600000001.3: {\"stream\":\"x\",\"data\":{\"e\":\"depthUpdate\",}}", "trailing comma");
	expect_bad("1600000001.3: {\"stream\":\"x\" \"data\":1}", "expected ','");
	expect_bad("1600000001.3: [1,2]", "expected a JSON object");
	expect_bad("1600000001.3: {} x", "bytes after");
	expect_bad("hello world", "not a capture line");
	expect_bad("16000x: {}", "receive timestamp");
	expect_bad("1600000001.3: {\"a\":\"\x01\"}", "control character");
	{
		char deep[200];
		size_t k = (size_t)snprintf(deep, sizeof(deep), "1.0: {\"a\":");
		for (int i = 0; i < 40; i++)
			deep[k++] = '[';
		deep[k] = '\0';
		expect_bad(deep, "nesting too deep");
	}
	expect_bad("1600000001.3: {\"stream\":\"x\",\"data\":{\"e\":\"depthUpdate\",\"s\":\"T\\u0045ST\","
		   "\"U\":1,\"u\":1,\"b\":[],\"a\":[]}}",
		   "symbol");

	/* Trades: aggTrade (buyer is maker -> taker sold), trade. */
	assert(line("1600000002.0: {\"stream\":\"test@aggTrade\",\"data\":{\"e\":\"aggTrade\","
		    "\"E\":1600000002000,\"s\":\"TEST\",\"a\":77,\"p\":\"1.0002\",\"q\":\"1.50\","
		    "\"f\":1,\"l\":1,\"T\":1600000001999,\"m\":true,\"M\":true}}") == 1);
	assert(ev[0].kind == MD_TRADE && ev[0].msg_type == 'a' && ev[0].px == 10002 &&
	       ev[0].qty == 150 && ev[0].side == 'S' && ev[0].ref == 77);
	assert(line("1600000002.0: {\"e\":\"trade\",\"E\":1,\"s\":\"TEST\",\"t\":9,\"p\":\"1.0002\","
		    "\"q\":\"1\",\"T\":2,\"m\":false}") == 1);
	assert(ev[0].kind == MD_TRADE && ev[0].side == 'B' && ev[0].ref == 9);
	/* kline and acks: skipped */
	assert(line("1600000002.0: {\"stream\":\"test@kline_1m\",\"data\":{\"e\":\"kline\",\"k\":{}}}") ==
	       0);
	assert(line("1600000002.0: {\"result\":null,\"id\":1}") == 0);

	/* ---- Bybit ---- */
	assert(line("1.5: {\"topic\":\"trade.BYT\",\"data\":[{\"symbol\":\"BYT\",\"price\":\"10.05\","
		    "\"size\":0.5,\"side\":\"Buy\",\"trade_time_ms\":\"1000\"}]}") == 1);
	assert(ev[0].kind == MD_TRADE && ev[0].locate == 2 && ev[0].px == 1005 &&
	       ev[0].qty == 500 && (ev[0].flags & MD_F_STALE)); /* no book yet */
	/* A delta before the snapshot: unsynced. */
	assert(line("1.6: {\"topic\":\"orderBookL2_25.BYT\",\"type\":\"delta\",\"data\":{\"delete\":[],"
		    "\"update\":[],\"insert\":[]},\"cross_seq\":\"5\"}") == 0);
	assert(line("1.7: {\"topic\":\"orderBookL2_25.BYT\",\"type\":\"snapshot\",\"data\":{"
		    "\"order_book\":[{\"price\":\"10.00\",\"symbol\":\"BYT\",\"id\":\"1000\","
		    "\"side\":\"Buy\",\"size\":2},{\"price\":\"10.10\",\"side\":\"Sell\",\"size\":1.25}]},"
		    "\"cross_seq\":\"10\",\"timestamp_e6\":\"1618677786430132\"}") == 1);
	assert(ev[0].kind == MD_STATUS && ev[0].msg_type == 'O' && ev[0].ref == 10);
	bbo(2, 1000, 2000, 1010, 1250);
	/* insert listed before delete and update: applied as delete, update, insert */
	assert(line("1.8: {\"topic\":\"orderBookL2_25.BYT\",\"type\":\"delta\",\"cross_seq\":11,"
		    "\"data\":{\"insert\":[{\"price\":\"10.05\",\"side\":\"Buy\",\"size\":3}],"
		    "\"delete\":[{\"price\":\"10.10\",\"side\":\"Sell\"}],"
		    "\"update\":[{\"price\":\"10.00\",\"side\":\"Buy\",\"size\":2.5}]}}") == 3);
	assert(ev[0].qty == 0 && ev[0].side == 'S' && ev[1].qty == 2500 && ev[2].px == 1005);
	bbo(2, 1005, 3000, 0, 0);
	/* duplicate cross_seq */
	assert(line("1.9: {\"topic\":\"orderBookL2_25.BYT\",\"type\":\"delta\",\"cross_seq\":11,"
		    "\"data\":{\"insert\":[{\"price\":\"10.20\",\"side\":\"Sell\",\"size\":3}]}}") == 0);
	feeds_crypto_stats(c, &st);
	assert(st.duplicates == 2 && st.diffs_unsynced == 3);
	/* update of an absent level: a level error, stale until the next snapshot */
	assert(line("2.0: {\"topic\":\"orderBookL2_25.BYT\",\"type\":\"delta\",\"cross_seq\":12,"
		    "\"data\":{\"update\":[{\"price\":\"11.00\",\"side\":\"Sell\",\"size\":3}]}}") == 2);
	assert(ev[1].kind == MD_GAP && (ev[1].flags & MD_F_STALE));
	assert(feeds_crypto_stale(c, 2));
	feeds_crypto_stats(c, &st);
	assert(st.level_errors == 1);
	expect_bad("2.1: {\"topic\":\"orderBookL2_25.BYT\",\"type\":\"delta\",\"cross_seq\":13,"
		   "\"data\":{\"update\":[{\"price\":\"11.001\",\"side\":\"Sell\",\"size\":3}]}}",
		   "more decimal places");
	expect_bad("2.1: {\"topic\":\"orderBookL2_25.BYT\",\"type\":\"delta\",\"cross_seq\":13,"
		   "\"data\":{\"update\":[{\"price\":\"11.00\",\"side\":\"Up\",\"size\":3}]}}",
		   "field 'side'");
	expect_bad("2.1: {\"topic\":\"orderBookL2_25.BYT\",\"type\":\"delta\",\"cross_seq\":13,"
		   "\"data\":{\"update\":[{\"price\":\"11.00\",\"symbol\":\"OTHER\",\"side\":\"Buy\","
		   "\"size\":3}]}}",
		   "another symbol");
	expect_bad("2.1: {\"topic\":\"orderBookL2_25.BYT\",\"type\":\"weird\",\"data\":{}}", "field 'type'");

	/* Symbols: unknown ones get the defaults; past max_symbols (4): error. */
	assert(line("1.0: {\"e\":\"trade\",\"s\":\"AAA\",\"t\":1,\"p\":\"1\",\"q\":\"1\",\"m\":true}") == 1);
	unsigned pxd, qd;
	assert(feeds_crypto_scale(c, 3, &pxd, &qd) == 0 && pxd == 4 && qd == 8);
	assert(line("1.0: {\"e\":\"trade\",\"s\":\"BBB\",\"t\":1,\"p\":\"1\",\"q\":\"1\",\"m\":true}") == 1);
	expect_bad("1.0: {\"e\":\"trade\",\"s\":\"CCC\",\"t\":1,\"p\":\"1\",\"q\":\"1\",\"m\":true}",
		   "max_symbols");

	/* A reconnection resyncs the books synced before it. */
	assert(line("wss://stream.binance.com:9443/stream?streams=x <-> 1600000009.0") == 1);
	assert(ev[0].kind == MD_GAP && ev[0].locate == 1);
	assert(feeds_crypto_stale(c, 1));
	assert(line("wss://stream.bybit.com/realtime_public <- 1.0: {\"op\":\"subscribe\"}") == 0);

	/* Sniffing. */
	assert(feeds_crypto_sniff("1633998512.0633569: {\"a\":1}", 26));
	assert(feeds_crypto_sniff("wss://x", 7));
	assert(!feeds_crypto_sniff("\x00\x0c" "S", 3));
	assert(!feeds_crypto_sniff("1633998512", 10));

	/* Config errors. */
	struct feeds_crypto *bad;
	struct feeds_crypto_instr bi = { "X", 0, 19, 0 };
	struct feeds_crypto_cfg bcfg = { .instr = &bi, .ninstr = 1 };
	assert(feeds_crypto_create(&bcfg, &bad, err, sizeof(err)) == -EINVAL);
	bcfg = (struct feeds_crypto_cfg){ .max_symbols = 70000 };
	assert(feeds_crypto_create(&bcfg, &bad, err, sizeof(err)) == -EINVAL);
	/* reject_unknown */
	bcfg = (struct feeds_crypto_cfg){ .reject_unknown = true, .no_builtin = true };
	assert(feeds_crypto_create(&bcfg, &bad, err, sizeof(err)) == 0);
	const char *aaa = "1.0: {\"e\":\"trade\",\"s\":\"AAA\",\"t\":1,\"p\":\"1\",\"q\":\"1\","
			  "\"m\":true}";
	assert(feeds_crypto_line(bad, aaa, strlen(aaa), &ev, err, sizeof(err)) == -EBADMSG);
	assert(strstr(err, "no configured"));
	feeds_crypto_destroy(bad);

	/* Declared books: locates 1.. in the order given, before any line;
	 * each taken by the first venue naming it, at that venue's scales */
	const char *decl[] = { "ETHUSDT", "NKNUSDT", "NEVER" };
	bcfg = (struct feeds_crypto_cfg){ .declare = decl, .ndeclare = 3 };
	assert(feeds_crypto_create(&bcfg, &bad, err, sizeof(err)) == 0);
	assert(feeds_crypto_nsymbols(bad) == 3 && !strcmp(feeds_crypto_symbol(bad, 2), "NKNUSDT"));
	assert(feeds_crypto_venue(bad, 1) == FEEDS_CRYPTO_ANY);
	const char *nkn = "1.0: {\"e\":\"trade\",\"s\":\"NKNUSDT\",\"t\":1,\"p\":\"0.35210\","
			  "\"q\":\"5.5\",\"m\":true}";
	assert(feeds_crypto_line(bad, nkn, strlen(nkn), &ev, err, sizeof(err)) == 1);
	assert(ev->locate == 2 && ev->px == 35210 && ev->qty == 55);
	assert(feeds_crypto_venue(bad, 2) == FEEDS_CRYPTO_BINANCE);
	assert(feeds_crypto_scale(bad, 2, &pxd, &qd) == 0 && pxd == 5 && qd == 1);
	const char *eth = "1.1: {\"topic\":\"trade.ETHUSDT\",\"data\":[{\"symbol\":\"ETHUSDT\","
			  "\"side\":\"Buy\",\"size\":0.5,\"price\":3500.25,\"trade_time_ms\":1100}]}";
	assert(feeds_crypto_line(bad, eth, strlen(eth), &ev, err, sizeof(err)) == 1);
	assert(ev->locate == 1 && feeds_crypto_venue(bad, 1) == FEEDS_CRYPTO_BYBIT);
	assert(feeds_crypto_scale(bad, 1, &pxd, &qd) == 0 && pxd == 2 && qd == 6);
	/* the same name from the other venue is a book of its own */
	const char *eth_bn = "1.2: {\"e\":\"trade\",\"s\":\"ETHUSDT\",\"t\":2,\"p\":\"3500.1\","
			     "\"q\":\"1\",\"m\":true}";
	assert(feeds_crypto_line(bad, eth_bn, strlen(eth_bn), &ev, err, sizeof(err)) == 1);
	assert(ev->locate == 4 && feeds_crypto_nsymbols(bad) == 4);
	feeds_crypto_destroy(bad);
	const char *twice[] = { "A", "A" };
	bcfg = (struct feeds_crypto_cfg){ .declare = twice, .ndeclare = 2 };
	assert(feeds_crypto_create(&bcfg, &bad, err, sizeof(err)) == -EINVAL);
	assert(strstr(err, "declare[1] 'A': declared twice"));
	const char *odd[] = { "BTC/USDT" };
	bcfg = (struct feeds_crypto_cfg){ .declare = odd, .ndeclare = 1 };
	assert(feeds_crypto_create(&bcfg, &bad, err, sizeof(err)) == -EINVAL);
	assert(strstr(err, "'BTC/USDT'"));
	assert(feeds_crypto_destroy(NULL) == NULL);
	feeds_crypto_destroy(c);
	printf("crypto decode: ok\n");
	return 0;
}
