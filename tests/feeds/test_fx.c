/* Forex from Alpha Vantage (feeds/src/fx.c): answers in the documented
 * shapes read into events (bars oldest first, each once; a quote's bid and
 * ask), the refusals counted apart (Error Message; Note and Information: the
 * rate limit), an answer that cannot be read whole gives nothing; the key
 * file must be ours alone; the thread never calls faster than the limit
 * (against a port nobody listens on: every call fails fast, and is counted). */
#undef NDEBUG
#include <assert.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../feeds/src/source.h"

static int drain(struct feeds_fx *fx, struct md_event *out, int max)
{
	int n = 0;
	while (n < max && feeds_fx_poll(fx, &out[n]))
		n++;
	return n;
}

#define BAR(T, C) "\"" T "\": {\"1. open\": \"" C "\", \"2. high\": \"" C "\", \"3. low\": \"" C "\", \"4. close\": \"" C "\"}"
#define SERIES(BARS)                                                                             \
	"{\"Meta Data\": {\"1. Information\": \"FX Intraday (30min) Time Series\", \"2. From "  \
	"Symbol\": \"USD\", \"3. To Symbol\": \"CHF\", \"5. Interval\": \"30min\", \"7. Time "   \
	"Zone\": \"UTC\"}, \"Time Series FX (30min)\": {" BARS "}}"

int main(void)
{
	core_clock_init(5);
	const char *pairs[] = { "EURUSD", "USDCHF" };
	struct feeds_fx *fx = feeds__fx_bare(pairs, 2, "30min");
	assert(fx);
	struct md_event ev[16];
	struct feeds_fx_stats st;

	/* newest first in the answer, oldest first out */
	const char *a1 = SERIES(BAR("1996-04-01 01:00:00", "1.19330") "," BAR("1996-04-01 00:30:00", "1.19410") ","
				BAR("1996-04-01 00:00:00", "1.19300"));
	feeds__fx_answer(fx, 1, false, a1, strlen(a1));
	assert(drain(fx, ev, 16) == 3);
	assert(ev[0].kind == MD_TRADE && ev[0].locate == 2 && ev[0].px == 119300);
	assert(ev[1].px == 119410 && ev[2].px == 119330 && ev[2].ts_ns == 3600ull * 1000000000);
	assert(ev[2].bid_px == 119330 && ev[2].ask_px == 119330 && ev[2].ref == 828320400);
	assert(!strcmp(feeds_fx_symbol(fx, 2), "USDCHF") && !feeds_fx_symbol(fx, 3)[0]);
	/* the next round: only the bar not seen */
	const char *a2 = SERIES(BAR("1996-04-01 01:30:00", "1.19310") "," BAR("1996-04-01 01:00:00", "1.19330") ","
				BAR("1996-04-01 00:30:00", "1.19410"));
	feeds__fx_answer(fx, 1, false, a2, strlen(a2));
	assert(drain(fx, ev, 16) == 1 && ev[0].px == 119310);

	/* refusals: counted apart, nothing out */
	const char *err = "{\"Error Message\": \"Invalid API call. Please retry or visit the documentation (https://www.alphavantage.co/documentation/) for FX_INTRADAY.\"}";
	const char *note = "{\"Note\": \"Thank you for using Alpha Vantage! Our standard API call frequency is 5 calls per minute and 500 calls per day.\"}";
	const char *info = "{\"Information\": \"Thank you for using Alpha Vantage! Our standard API rate limit is 25 requests per day.\"}";
	feeds__fx_answer(fx, 0, false, err, strlen(err));
	feeds__fx_answer(fx, 0, false, note, strlen(note));
	feeds__fx_answer(fx, 0, true, info, strlen(info));
	feeds_fx_stats(fx, &st);
	assert(st.errors == 1 && st.rate_limited == 2 && st.failures == 0);
	assert(drain(fx, ev, 16) == 0);

	/* what cannot be read whole gives nothing: a price finer than 1e-5, a
	 * bad time, the wrong interval, broken JSON, a bar without a close */
	const char *bad[] = {
		SERIES(BAR("1996-04-01 03:00:00", "1.19300") "," BAR("1996-04-01 02:30:00", "1.193005")),
		SERIES(BAR("1996-04-01 03:00:00", "1.19300") "," BAR("yesterday", "1.19300")),
		"{\"Time Series FX (5min)\": {" BAR("1996-04-01 03:00:00", "1.19300") "}}",
		"{\"Time Series FX (30min)\": {\"1996-04-01 03:00:00\": {\"1. open\": \"1.1\"",
		"{\"Time Series FX (30min)\": {\"1996-04-01 03:00:00\": {\"1. open\": \"1.19300\"}}}",
		"",
		"[1, 2]",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		feeds__fx_answer(fx, 1, false, bad[i], strlen(bad[i]));
	feeds_fx_stats(fx, &st);
	assert(st.failures == sizeof(bad) / sizeof(bad[0]));
	assert(drain(fx, ev, 16) == 0);

	/* a quote */
	const char *q = "{\"Realtime Currency Exchange Rate\": {\"1. From_Currency Code\": \"EUR\", "
			"\"3. To_Currency Code\": \"USD\", \"5. Exchange Rate\": \"1.08150000\", "
			"\"6. Last Refreshed\": \"2024-01-05 21:59:01\", \"7. Time Zone\": \"UTC\", "
			"\"8. Bid Price\": \"1.08145000\", \"9. Ask Price\": \"1.08155000\"}}";
	feeds__fx_answer(fx, 0, true, q, strlen(q));
	assert(drain(fx, ev, 16) == 1 && ev[0].kind == MD_LEVEL && ev[0].locate == 1);
	assert(ev[0].bid_px == 108145 && ev[0].ask_px == 108155);
	const char *crossed = "{\"Realtime Currency Exchange Rate\": {\"6. Last Refreshed\": \"2024-01-05 21:59:01\", "
			      "\"8. Bid Price\": \"1.09\", \"9. Ask Price\": \"1.08\"}}";
	feeds__fx_answer(fx, 0, true, crossed, strlen(crossed));
	assert(drain(fx, ev, 16) == 0);
	feeds_fx_destroy(fx);

	/* the key file: ours alone */
	char path[] = "/tmp/osprey-fxkey.XXXXXX";
	int fd = mkstemp(path);
	assert(fd >= 0 && write(fd, "demo_KEY-1\n", 11) == 11);
	close(fd);
	chmod(path, 0644);
	struct feeds_fx_cfg cfg = { .base = "http://127.0.0.1:9", .key_file = path,
				    .pairs = pairs, .npairs = 2, .calls_per_minute = 600,
				    .round_ns = 1 };
	char e[300];
	struct feeds_fx *live;
	assert(feeds_fx_create(&cfg, &live, e, sizeof(e)) == -EPERM);
	assert(strstr(e, "others may read or write it (mode 0644): chmod 600"));
	cfg.pairs = (const char *[]){ "EURUS" };
	cfg.npairs = 1;
	chmod(path, 0600);
	assert(feeds_fx_create(&cfg, &live, e, sizeof(e)) == -EINVAL && strstr(e, "pair 'EURUS'"));
	cfg.pairs = pairs;
	cfg.npairs = 2;
	cfg.interval = "2min";
	assert(feeds_fx_create(&cfg, &live, e, sizeof(e)) == -EINVAL && strstr(e, "interval '2min'"));
	cfg.interval = NULL;
	/* 600 calls a minute: 100 ms apart, though every call fails at once */
	assert(feeds_fx_create(&cfg, &live, e, sizeof(e)) == 0);
	usleep(450000);
	feeds_fx_stats(live, &st);
	feeds_fx_destroy(live);
	assert(st.calls >= 3 && st.calls <= 6 && st.failures >= 3);
	assert(st.min_gap_ns >= 99000000);
	unlink(path);
	assert(feeds_fx_create(&cfg, &live, e, sizeof(e)) == -ENOENT && strstr(e, path));
	printf("fx: bars oldest first and once, refusals apart, bad answers whole; the key "
	       "file ours alone; %llu calls at least %.0f ms apart\n",
	       (unsigned long long)st.calls, st.min_gap_ns / 1e6);
	return 0;
}
