/* Binance USD-M futures and instrument metadata on crafted lines: the
 * futures depth rules (drop u < L; the first applied diff spans L; each pu
 * the previous u; anything else a gap until the next snapshot), futures and
 * spot books of one symbol kept apart, trades following the stream's venue;
 * exchangeInfo scales (a 5-decimal futures price refused before, read after;
 * a book whose scale changes emptied and resynced; a bad answer refused
 * whole); a capture of an exchange Osprey does not speak refused by name. */
#undef NDEBUG
#include <assert.h>
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

static int gaps(int n)
{
	int g = 0;
	for (int i = 0; i < n; i++)
		g += ev[i].kind == MD_GAP;
	return g;
}

#define FSNAP(L, BIDS, ASKS)                                                                    \
	"https://fapi.binance.com/fapi/v1/depth?symbol=BTCUSDT&limit=1000 -> 1700000000.5: "   \
	"{\"lastUpdateId\":" #L ",\"E\":1700000000400,\"T\":1700000000390,\"bids\":" BIDS      \
	",\"asks\":" ASKS "}"
#define FDIFF(U, u, pu, B, A)                                                                   \
	"1700000001.25: {\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\","  \
	"\"E\":1700000001200,\"T\":1700000001190,\"s\":\"BTCUSDT\",\"U\":" #U ",\"u\":" #u     \
	",\"pu\":" #pu ",\"b\":" B ",\"a\":" A "}}"
#define INFO(VENUE_URL, SYM, TICK, STEP)                                                        \
	VENUE_URL "/exchangeInfo?symbol=" SYM " -> 1700000000.1: {\"timezone\":\"UTC\","        \
	"\"symbols\":[{\"symbol\":\"" SYM "\",\"status\":\"TRADING\",\"filters\":["             \
	"{\"filterType\":\"PRICE_FILTER\",\"minPrice\":\"0.1\",\"tickSize\":\"" TICK "\"},"     \
	"{\"filterType\":\"LOT_SIZE\",\"minQty\":\"0.001\",\"stepSize\":\"" STEP "\"}]}]}"

int main(void)
{
	struct feeds_crypto_cfg cfg = { .no_builtin = true };
	assert(feeds_crypto_create(&cfg, &c, err, sizeof(err)) == 0);

	/* a 5-decimal price with the default scale (4): refused, named */
	assert(line("wss://fstream.binance.com/stream?streams=btcusdt@depth <-> 1700000000.0") == 0);
	assert(line(FSNAP(100, "[[\"0.12345\",\"1.000\"]]", "[]")) == -EBADMSG);
	assert(strstr(err, "more decimal places than the instrument's scale"));
	/* exchangeInfo gives BTCUSDT futures 5 price and 3 size decimals */
	assert(line(INFO("https://fapi.binance.com/fapi/v1", "BTCUSDT", "0.00001000", "0.001")) == 0);
	int loc = feeds_crypto_lookup(c, FEEDS_CRYPTO_BINANCE_FUTURES, "BTCUSDT");
	assert(loc > 0);
	unsigned pd, qd;
	assert(feeds_crypto_scale(c, (uint16_t)loc, &pd, &qd) == 0 && pd == 5 && qd == 3);

	/* the futures rules: snapshot L = 100 */
	assert(line(FSNAP(100, "[[\"0.12345\",\"1.000\"],[\"0.12340\",\"2.000\"]]",
			  "[[\"0.12350\",\"3.000\"]]")) >= 1);
	struct feeds_crypto_stats st;
	assert(line(FDIFF(90, 99, 89, "[]", "[]")) == 0); /* u < L: old */
	feeds_crypto_stats(c, &st);
	assert(st.diffs_old == 1 && st.futures_diffs == 1);
	/* U <= L <= u: the first applied (spot would want U <= L+1 <= u: also
	 * true here; the next case tells them apart) */
	assert(line(FDIFF(95, 100, 94, "[[\"0.12345\",\"5.000\"]]", "[]")) == 1);
	struct feeds_level b, a;
	assert(feeds_crypto_bbo(c, (uint16_t)loc, &b, &a) == 0 && b.px == 12345 && b.qty == 5000);
	/* pu = the previous u: applied, though U is not u + 1 (futures streams skip) */
	assert(line(FDIFF(105, 110, 100, "[]", "[[\"0.12350\",\"0\"]]")) == 1);
	assert(feeds_crypto_bbo(c, (uint16_t)loc, &b, &a) == 0 && a.px == 0);
	/* a duplicate, then pu not the previous u: a gap, stale until a snapshot */
	assert(line(FDIFF(105, 110, 100, "[]", "[]")) == 0);
	int n = line(FDIFF(121, 125, 120, "[]", "[]"));
	assert(n == 1 && gaps(n) == 1 && feeds_crypto_stale(c, (uint16_t)loc));
	assert(line(FDIFF(126, 130, 125, "[[\"0.12000\",\"1.000\"]]", "[]")) == 0); /* unsynced */
	/* resync: a snapshot at 140; 130 < 140 dropped; U > L is a gap */
	assert(line(FSNAP(140, "[[\"0.12345\",\"1.000\"]]", "[]")) >= 1);
	assert(!feeds_crypto_stale(c, (uint16_t)loc));
	n = line(FDIFF(141, 145, 140, "[]", "[]"));
	assert(n == 1 && gaps(n) == 1);
	assert(line(FSNAP(150, "[[\"0.12345\",\"1.000\"]]", "[]")) >= 1);
	assert(line(FDIFF(150, 152, 149, "[[\"0.12346\",\"1.000\"]]", "[]")) == 1); /* U = L */
	assert(feeds_crypto_bbo(c, (uint16_t)loc, &b, &a) == 0 && b.px == 12346);
	/* a diff without pu on the futures stream is refused by name */
	assert(line("1700000002.0: {\"stream\":\"btcusdt@depth\",\"data\":{\"e\":\"depthUpdate\","
		    "\"E\":1700000002000,\"s\":\"BTCUSDT\",\"U\":153,\"u\":154,\"b\":[],\"a\":[]}}") ==
	       -EBADMSG && strstr(err, "missing field 'pu'"));
	/* trades on the futures stream land on the futures book */
	n = line("1700000002.5: {\"stream\":\"btcusdt@aggTrade\",\"data\":{\"e\":\"aggTrade\","
		 "\"E\":1700000002500,\"s\":\"BTCUSDT\",\"a\":7,\"p\":\"0.12346\",\"q\":\"0.500\","
		 "\"T\":1700000002490,\"m\":true}}");
	assert(n == 1 && ev[0].kind == MD_TRADE && ev[0].locate == loc && ev[0].qty == 500);

	/* the spot book of the same symbol is another book, with spot's rules */
	assert(line("wss://stream.binance.com:9443/stream?streams=btcusdt@depth <-> 1700000003.0") == 0);
	assert(line(INFO("https://api.binance.com/api/v3", "BTCUSDT", "0.01000000", "0.00001000")) == 0);
	assert(line("https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=1000 -> 1700000003.5: "
		    "{\"lastUpdateId\":500,\"bids\":[[\"37000.01\",\"0.50000\"]],\"asks\":[]}") >= 1);
	int sloc = feeds_crypto_lookup(c, FEEDS_CRYPTO_BINANCE, "BTCUSDT");
	assert(sloc > 0 && sloc != loc);
	assert(feeds_crypto_scale(c, (uint16_t)sloc, &pd, &qd) == 0 && pd == 2 && qd == 5);
	/* spot: U must be at most L+1 and u at least L+1 (u = L is old here) */
	n = line("1700000004.0: {\"stream\":\"btcusdt@depth\",\"data\":{\"e\":\"depthUpdate\","
		 "\"E\":1700000004000,\"s\":\"BTCUSDT\",\"U\":499,\"u\":500,\"b\":[],\"a\":[]}}");
	feeds_crypto_stats(c, &st);
	assert(n == 0 && st.diffs_old == 2);
	assert(feeds_crypto_bbo(c, (uint16_t)loc, &b, &a) == 0 && b.px == 12346); /* untouched */

	/* a new scale for a book with levels: emptied, resynced (a gap) */
	n = line(INFO("https://api.binance.com/api/v3", "BTCUSDT", "0.10000000", "0.00001000"));
	assert(n == 1 && gaps(n) == 1 && feeds_crypto_stale(c, (uint16_t)sloc));
	assert(feeds_crypto_bbo(c, (uint16_t)sloc, &b, &a) == 0 && b.px == 0);
	feeds_crypto_stats(c, &st);
	assert(st.scale_resets == 1 && st.scales_set == 3);
	/* a bad answer is refused whole: the second entry lacks LOT_SIZE */
	assert(line("https://api.binance.com/api/v3/exchangeInfo -> 1700000005.0: {\"symbols\":["
		    "{\"symbol\":\"ETHUSDT\",\"filters\":[{\"filterType\":\"PRICE_FILTER\",\"tickSize\":\"0.01\"},"
		    "{\"filterType\":\"LOT_SIZE\",\"stepSize\":\"0.0001\"}]},"
		    "{\"symbol\":\"XRPUSDT\",\"filters\":[{\"filterType\":\"PRICE_FILTER\",\"tickSize\":\"0.0001\"}]}]}") ==
	       -EBADMSG && strstr(err, "no PRICE_FILTER tickSize or LOT_SIZE stepSize"));
	assert(feeds_crypto_lookup(c, FEEDS_CRYPTO_BINANCE, "ETHUSDT") == -ENOENT);
	assert(line(INFO("https://api.binance.com/api/v3", "ETHUSDT", "0.000", "0.01")) == -EBADMSG &&
	       strstr(err, "a step of zero"));

	/* exchanges Osprey does not speak */
	assert(line("wss://ws-feed.exchange.coinbase.com <-> 1700000006.0") == -EBADMSG);
	assert(strstr(err, "a capture of coinbase: a venue Osprey does not speak"));
	assert(line("wss://ws.kraken.com <-> 1700000006.0") == -EBADMSG && strstr(err, "kraken"));
	feeds_crypto_destroy(c);
	printf("crypto futures: pu continuity, the first diff spanning L, spot apart; "
	       "exchangeInfo scales; unknown venues refused by name\n");
	return 0;
}
