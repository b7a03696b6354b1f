/* MetaTrader 5 ticks (feeds/src/mt5ticks.c): the parser on the EA's format
 * ("SYMBOL BID;ASK" with MQL's %f) and its faults, each named with its
 * offset and none read past a guard page; then a PUB socket in the test
 * playing the EA's publisher: ticks of the configured symbols become MD_LEVEL
 * events (locate, prices in 10^-5, time of day never going back), a symbol
 * that only shares a prefix is counted apart, malformed ticks, a price finer
 * than the scale and a crossed book are counted and dropped. */
#define _GNU_SOURCE
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zmq.h>

#include "feeds.h"

static void parse(void)
{
	char sym[FEEDS_MT5_TEXT], err[160];
	int64_t bid, ask;
	const char *t = "EURUSD 1.085430;1.085450";
	assert(feeds_mt5_tick_parse(t, strlen(t), sym, sizeof(sym), &bid, &ask, err, sizeof(err)) ==
	       0);
	assert(!strcmp(sym, "EURUSD") && bid == 108543000 && ask == 108545000);
	static const struct {
		const char *s, *what;
	} bad[] = {
		{ "EURUSD", "offset 0: no \"SYMBOL \"" },
		{ " 1.1;1.2", "offset 0: no \"SYMBOL \"" },
		{ "EURUSD 1.1 1.2", "offset 7: no ';'" },
		{ "EURUSD x;1.2", "offset 7: the bid is not a number" },
		{ "EURUSD 1.1;", "offset 11: the ask is not a number" },
		{ "EURUSD 1.1;1.2.3", "offset 11: the ask is not a number" },
		{ "EURUSD 1.123456789;1.2", "offset 7: the bid" },
		{ "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGH 1;2", "a symbol of 34 bytes" },
	};
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	char *map = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert(map != MAP_FAILED && mprotect(map + pg, pg, PROT_NONE) == 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = strlen(bad[i].s);
		char *p = map + pg - n; /* its last byte before the guard page */
		memcpy(p, bad[i].s, n);
		int r = feeds_mt5_tick_parse(p, n, sym, sizeof(sym), &bid, &ask, err, sizeof(err));
		if (r != -EBADMSG || !strstr(err, bad[i].what)) {
			fprintf(stderr, "tick <%s>: %d '%s', wanted '%s'\n", bad[i].s, r, err,
			        bad[i].what);
			assert(0);
		}
	}
	for (size_t n = 0; n < strlen(t); n++) { /* every cut, before the guard page */
		char *p = map + pg - n;
		memcpy(p, t, n);
		int r = feeds_mt5_tick_parse(p, n, sym, sizeof(sym), &bid, &ask, err, sizeof(err));
		assert(r == -EBADMSG || (r == 0 && n >= 17)); /* from "EURUSD 1.085430;1" on */
	}
	munmap(map, 2 * pg);
}

static void live(void)
{
	void *ctx = zmq_ctx_new(), *pub = zmq_socket(ctx, ZMQ_PUB);
	assert(zmq_bind(pub, "tcp://127.0.0.1:*") == 0);
	char addr[64];
	size_t len = sizeof(addr);
	assert(zmq_getsockopt(pub, ZMQ_LAST_ENDPOINT, addr, &len) == 0);
	const char *syms[] = { "EURUSD", "GBPUSD" };
	struct feeds_mt5_cfg cfg = { .ticks = addr, .symbols = syms, .nsymbols = 2, .px_decimals = 5 };
	struct feeds_mt5 *m;
	char err[200];
	assert(feeds_mt5_create(&cfg, &m, err, sizeof(err)) == 0);
	struct md_event ev;
	/* a slow joiner: publish until the subscription has reached the PUB */
	int got = 0;
	for (int i = 0; i < 2000 && !got; i++) {
		zmq_send(pub, "EURUSD 1.085430;1.085450", 24, 0);
		usleep(1000);
		got = feeds_mt5_poll(m, &ev);
	}
	assert(got && ev.kind == MD_LEVEL && ev.locate == 1 && ev.bid_px == 108543 &&
	       ev.ask_px == 108545 && ev.bid_qty == 1 && ev.t0_ns);
	while (feeds_mt5_poll(m, &ev)) /* the rest of the warm-up */
		;
	const char *const msgs[] = {
		"GBPUSD 1.270100;1.270120", /* locate 2 */
		"EURUSDm 1.1;1.2",          /* subscribed "EURUSD " only: never arrives */
		"GBPUSD x;1.27",            /* bad */
		"GBPUSD 1.2701001;1.27012", /* finer than 10^-5: bad */
		"GBPUSD 1.270200;1.270100", /* crossed: bad */
		"EURUSD 1.085440;1.085460", /* locate 1 */
	};
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
		assert(zmq_send(pub, msgs[i], strlen(msgs[i]), 0) >= 0);
	struct md_event evs[4];
	int n = 0;
	for (int i = 0; i < 2000 && n < 2; i++) {
		if (feeds_mt5_poll(m, &evs[n]))
			n++;
		else
			usleep(1000);
	}
	assert(n == 2);
	assert(evs[0].locate == 2 && evs[0].bid_px == 127010 && evs[0].ask_px == 127012);
	assert(evs[1].locate == 1 && evs[1].bid_px == 108544 && evs[1].ts_ns >= evs[0].ts_ns);
	struct feeds_mt5_stats st;
	feeds_mt5_stats(m, &st);
	assert(st.bad == 3 && st.unknown == 0 && strstr(st.last_bad, "GBPUSD: bid"));
	assert(!strcmp(feeds_mt5_symbol(m, 2), "GBPUSD") && !feeds_mt5_symbol(m, 3)[0]);
	feeds_mt5_destroy(m);
	/* a bad config is named */
	const char *spaced[] = { "EUR USD" };
	cfg.symbols = spaced;
	cfg.nsymbols = 1;
	assert(feeds_mt5_create(&cfg, &m, err, sizeof(err)) == -EINVAL && strstr(err, "symbol 1"));
	zmq_close(pub);
	zmq_ctx_term(ctx);
}

int main(void)
{
	parse();
	live();
	printf("mt5 ticks: the EA's format read, its faults named and counted\n");
	return 0;
}
