/*
 * fx.c - forex bars and quotes from Alpha Vantage's REST API (feeds.h,
 * "Forex from Alpha Vantage").
 *
 * The thread: round after round over the pairs (FX_INTRADAY, then
 * CURRENCY_EXCHANGE_RATE with quotes), each call at least 60 s /
 * calls_per_minute after the one before, each answer read whole with the
 * feeds' JSON scanner before any event leaves; the events go on an SPSC ring
 * (the thread produces, the caller consumes). Bars are handed out once: a
 * pair remembers the time of the newest bar it handed out.
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "feeds.h"
#include "http.h"
#include "source.h"

#define NS_PER_S   UINT64_C(1000000000)
#define NS_PER_DAY (86400 * NS_PER_S)
#define MAX_BARS   4096 /* per answer (a full FX_INTRADAY holds a few thousand) */

struct pair {
	char from[4], to[4], name[8];
	uint64_t last_bar; /* epoch s of the newest bar handed out */
	uint64_t next_ns;  /* the pair's next round */
};

struct bar {
	uint64_t t; /* epoch s */
	uint32_t close;
};

struct feeds_fx {
	struct feeds_fx_cfg cfg;
	char key[128];
	char interval[8];
	struct pair *pairs;
	unsigned npairs;
	struct core_ring *ring;
	pthread_t thread;
	bool started;
	_Atomic bool stop;
	uint64_t last_call_ns, gap_ns;
	uint64_t last_ts; /* event time never goes back */
	struct feeds__http_body body;
	struct bar *bars;
	/* counters: written by the thread, read by feeds_fx_stats */
	_Atomic uint64_t calls, nbars, nquotes, errors, rate_limited, failures, ring_full, min_gap;
};

#define note(fx, ...) feeds__logf((fx)->cfg.log, (fx)->cfg.log_arg, __VA_ARGS__)

static void bump(_Atomic uint64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* ------------------------------------------------------------------------- */
/* Setup */

static int read_key(struct feeds_fx *fx, const char *path, char *err, size_t errlen)
{
	char *text;
	size_t n;
	int r = core_secret_read(path, 4096, &text, &n, err, errlen);
	if (r < 0)
		return r;
	while (n && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
		text[--n] = 0;
	bool ok = n > 0 && n < sizeof(fx->key);
	for (size_t i = 0; ok && i < n; i++)
		ok = (text[i] >= 'A' && text[i] <= 'Z') || (text[i] >= 'a' && text[i] <= 'z') ||
		     (text[i] >= '0' && text[i] <= '9') || text[i] == '_' || text[i] == '-';
	if (ok)
		memcpy(fx->key, text, n + 1);
	explicit_bzero(text, n);
	free(text);
	if (!ok) {
		core_errf(err, errlen, "%s: not one line of letters and digits (an API key)", path);
		return -EINVAL;
	}
	return 0;
}

static bool upper3(const char *s)
{
	for (int i = 0; i < 3; i++)
		if (s[i] < 'A' || s[i] > 'Z')
			return false;
	return true;
}

static void *run(void *arg);

int feeds_fx_create(const struct feeds_fx_cfg *cfg, struct feeds_fx **ret, char *err,
		    size_t errlen)
{
	if (!cfg->base || (strncmp(cfg->base, "https://", 8) && strncmp(cfg->base, "http://", 7))) {
		core_errf(err, errlen, "fx: base '%s' is not http(s)://", cfg->base ? cfg->base : "");
		return -EINVAL;
	}
	if (!cfg->npairs || !cfg->pairs || !cfg->key_file) {
		core_errf(err, errlen, "fx: no pairs, or no key file");
		return -EINVAL;
	}
	const char *iv = cfg->interval ? cfg->interval : "5min";
	if (strcmp(iv, "1min") && strcmp(iv, "5min") && strcmp(iv, "15min") && strcmp(iv, "30min") &&
	    strcmp(iv, "60min")) {
		core_errf(err, errlen, "fx: interval '%s': one of 1min 5min 15min 30min 60min", iv);
		return -EINVAL;
	}
	if (cfg->px_decimals > 9) {
		core_errf(err, errlen, "fx: px_decimals %u above 9", cfg->px_decimals);
		return -EINVAL;
	}
	struct feeds_fx *fx = calloc(1, sizeof(*fx));
	if (!fx) {
		core_errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	fx->cfg = *cfg;
	snprintf(fx->interval, sizeof(fx->interval), "%s", iv);
	if (!fx->cfg.calls_per_minute)
		fx->cfg.calls_per_minute = 5;
	if (!fx->cfg.round_ns)
		fx->cfg.round_ns = 60 * NS_PER_S;
	if (!fx->cfg.px_decimals)
		fx->cfg.px_decimals = 5;
	fx->gap_ns = 60 * NS_PER_S / fx->cfg.calls_per_minute;
	if (fx->cfg.pause_ns < fx->gap_ns)
		fx->cfg.pause_ns = fx->cfg.pause_ns ? fx->gap_ns : 60 * NS_PER_S;
	int r = read_key(fx, cfg->key_file, err, errlen);
	if (r < 0)
		goto fail;
	fx->pairs = calloc(cfg->npairs, sizeof(*fx->pairs));
	fx->bars = malloc(MAX_BARS * sizeof(*fx->bars));
	fx->ring = core_ring_create("fx", 4096, sizeof(struct md_event));
	if (!fx->pairs || !fx->bars || !fx->ring) {
		core_errf(err, errlen, "out of memory");
		r = -ENOMEM;
		goto fail;
	}
	for (unsigned i = 0; i < cfg->npairs; i++) {
		const char *p = cfg->pairs[i];
		if (strlen(p) != 6 || !upper3(p) || !upper3(p + 3)) {
			core_errf(err, errlen, "fx: pair '%s': two ISO 4217 codes, e.g. EURUSD", p);
			r = -EINVAL;
			goto fail;
		}
		memcpy(fx->pairs[i].from, p, 3);
		memcpy(fx->pairs[i].to, p + 3, 3);
		memcpy(fx->pairs[i].name, p, 6);
	}
	fx->npairs = cfg->npairs;
	fx->cfg.pairs = NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		core_errf(err, errlen, "fx: libcurl would not start");
		r = -ENOMEM;
		goto fail;
	}
	if ((r = -pthread_create(&fx->thread, NULL, run, fx)) < 0) {
		core_errf(err, errlen, "fx: thread: %s", strerror(-r));
		goto fail;
	}
	fx->started = true;
	*ret = fx;
	return 0;
fail:
	feeds_fx_destroy(fx);
	return r;
}

struct feeds_fx *feeds_fx_destroy(struct feeds_fx *fx)
{
	if (!fx)
		return NULL;
	if (fx->started) {
		atomic_store(&fx->stop, true);
		pthread_join(fx->thread, NULL);
	}
	core_ring_destroy(fx->ring);
	free(fx->pairs);
	free(fx->bars);
	free(fx->body.p);
	explicit_bzero(fx->key, sizeof(fx->key));
	free(fx);
	return NULL;
}

int feeds_fx_poll(struct feeds_fx *fx, struct md_event *ev)
{
	return core_ring_pop(fx->ring, ev) == 0;
}

void feeds_fx_stats(const struct feeds_fx *fx, struct feeds_fx_stats *ret)
{
	ret->calls = atomic_load_explicit(&fx->calls, memory_order_relaxed);
	ret->bars = atomic_load_explicit(&fx->nbars, memory_order_relaxed);
	ret->quotes = atomic_load_explicit(&fx->nquotes, memory_order_relaxed);
	ret->errors = atomic_load_explicit(&fx->errors, memory_order_relaxed);
	ret->rate_limited = atomic_load_explicit(&fx->rate_limited, memory_order_relaxed);
	ret->failures = atomic_load_explicit(&fx->failures, memory_order_relaxed);
	ret->ring_full = atomic_load_explicit(&fx->ring_full, memory_order_relaxed);
	ret->min_gap_ns = atomic_load_explicit(&fx->min_gap, memory_order_relaxed);
}

const char *feeds_fx_symbol(const struct feeds_fx *fx, uint16_t locate)
{
	return locate >= 1 && locate <= fx->npairs ? fx->pairs[locate - 1].name : "";
}

/* ------------------------------------------------------------------------- */
/* Answers */

/* "2024-01-05 21:55:00" (UTC) -> epoch seconds; false when not that shape. */
static bool parse_time(const struct core_json_val *v, uint64_t *ret)
{
	char b[20];
	if (v->n != 19 && v->n != 16 && v->n != 10)
		return false;
	memcpy(b, v->s, v->n);
	b[v->n] = 0;
	struct tm tm = { 0 };
	const char *end = strptime(b, v->n == 10 ? "%Y-%m-%d" : v->n == 16 ? "%Y-%m-%d %H:%M"
								     : "%Y-%m-%d %H:%M:%S", &tm);
	if (!end || *end)
		return false;
	time_t t = timegm(&tm);
	if (t < 0)
		return false;
	*ret = (uint64_t)t;
	return true;
}

static bool price(struct feeds_fx *fx, const struct core_json_val *v, uint32_t *ret,
		  const char **what)
{
	uint64_t x;
	if (v->type != CORE_JSON_STRING || v->escaped) {
		*what = "a price that is not a decimal string";
		return false;
	}
	if (core_json_decimal(v->s, v->n, fx->cfg.px_decimals, UINT32_MAX, &x, what) < 0)
		return false;
	*ret = (uint32_t)x;
	return true;
}

static void push(struct feeds_fx *fx, struct md_event *ev)
{
	ev->t0_ns = core_now_ns();
	if (ev->ts_ns < fx->last_ts) /* pairs interleave: the event clock never steps back */
		ev->ts_ns = fx->last_ts;
	fx->last_ts = ev->ts_ns;
	while (core_ring_push(fx->ring, ev) != 0) {
		bump(&fx->ring_full);
		if (atomic_load_explicit(&fx->stop, memory_order_relaxed))
			return;
		usleep(1000); /* the consumer is behind: wait for it (nothing dropped) */
	}
}

/* The answer's refusal, if it is one: 1 (handled), 0 (not a refusal). */
static int refusal(struct feeds_fx *fx, const char *what, struct core_json *j,
		   const struct core_json_val *root)
{
	struct core_json_cur cur;
	struct core_json_val k, v;
	core_json_open(root, &cur);
	while (core_json_obj_next(j, &cur, &k, &v) == 1) {
		bool error = CORE_JSON_KEY(&k, "Error Message");
		if (!error && !CORE_JSON_KEY(&k, "Note") && !CORE_JSON_KEY(&k, "Information"))
			continue;
		bump(error ? &fx->errors : &fx->rate_limited);
		note(fx, "%s: Alpha Vantage %s: %.*s", what, error ? "refused the call" : "says",
		     (int)(v.n > 300 ? 300 : v.n), v.s);
		if (!error) /* the frequency or the day's quota: a pause */
			fx->last_call_ns = core_now_ns() + fx->cfg.pause_ns - fx->gap_ns;
		return 1;
	}
	return 0;
}

static int bar_cmp(const void *a, const void *b)
{
	const struct bar *x = a, *y = b;
	return x->t < y->t ? -1 : x->t > y->t;
}

/* An FX_INTRADAY answer body[0, len) for pair index i. */
static void intraday(struct feeds_fx *fx, unsigned i, const char *what, const char *body,
		     size_t len)
{
	struct pair *p = &fx->pairs[i];
	struct core_json j;
	core_json_init(&j, body, len);
	const char *q = body;
	struct core_json_val root;
	const char *why = NULL;
	if (core_json_value(&j, &q, &root) < 0 || root.type != CORE_JSON_OBJECT) {
		why = j.err ? j.err : "not a JSON object";
		goto bad;
	}
	if (refusal(fx, what, &j, &root))
		return;
	char want[48];
	int wn = snprintf(want, sizeof(want), "Time Series FX (%s)", fx->interval);
	struct core_json_cur cur, sc, bc;
	struct core_json_val k, v, series = { 0 };
	core_json_open(&root, &cur);
	while (core_json_obj_next(&j, &cur, &k, &v) == 1)
		if (core_json_key_is(&k, want, (size_t)wn))
			series = v;
	if (series.type != CORE_JSON_OBJECT) {
		why = "no \"Time Series FX\" object for the interval asked";
		goto bad;
	}
	unsigned n = 0;
	core_json_open(&series, &sc);
	int r;
	while ((r = core_json_obj_next(&j, &sc, &k, &v)) == 1) {
		uint64_t t;
		if (!parse_time(&k, &t) || v.type != CORE_JSON_OBJECT) {
			why = "a bar whose key is not a time or whose value is not an object";
			goto bad;
		}
		struct core_json_val close = { 0 }, bk, bv;
		core_json_open(&v, &bc);
		while (core_json_obj_next(&j, &bc, &bk, &bv) == 1)
			if (CORE_JSON_KEY(&bk, "4. close"))
				close = bv;
		uint32_t px;
		if (!close.type) {
			why = "a bar without \"4. close\"";
			goto bad;
		}
		if (!price(fx, &close, &px, &why))
			goto bad;
		if (t <= p->last_bar)
			continue; /* handed out before */
		if (n == MAX_BARS) {
			why = "more bars than one answer may hold";
			goto bad;
		}
		fx->bars[n++] = (struct bar){ t, px };
	}
	if (r < 0) {
		why = j.err ? j.err : "malformed JSON";
		goto bad;
	}
	qsort(fx->bars, n, sizeof(fx->bars[0]), bar_cmp);
	for (unsigned b = 0; b < n; b++) {
		struct md_event ev = { .kind = MD_TRADE, .locate = (uint16_t)(i + 1), .msg_type = 'b',
				       .px = fx->bars[b].close, .qty = 1,
				       .bid_px = fx->bars[b].close, .bid_qty = 1,
				       .ask_px = fx->bars[b].close, .ask_qty = 1,
				       .ts_ns = fx->bars[b].t % 86400 * NS_PER_S,
				       .ref = fx->bars[b].t };
		push(fx, &ev);
		bump(&fx->nbars);
	}
	if (n)
		p->last_bar = fx->bars[n - 1].t;
	return;
bad:
	bump(&fx->failures);
	note(fx, "%s: an answer osprey cannot read (%s): nothing taken from it", what, why);
}

/* A CURRENCY_EXCHANGE_RATE answer body[0, len) for pair index i. */
static void quote(struct feeds_fx *fx, unsigned i, const char *what, const char *body, size_t len)
{
	struct core_json j;
	core_json_init(&j, body, len);
	const char *q = body;
	struct core_json_val root, k, v, rate = { 0 }, bid = { 0 }, ask = { 0 }, when = { 0 };
	const char *why = NULL;
	if (core_json_value(&j, &q, &root) < 0 || root.type != CORE_JSON_OBJECT) {
		why = j.err ? j.err : "not a JSON object";
		goto bad;
	}
	if (refusal(fx, what, &j, &root))
		return;
	struct core_json_cur cur, rc;
	core_json_open(&root, &cur);
	while (core_json_obj_next(&j, &cur, &k, &v) == 1)
		if (CORE_JSON_KEY(&k, "Realtime Currency Exchange Rate"))
			rate = v;
	if (rate.type != CORE_JSON_OBJECT) {
		why = "no \"Realtime Currency Exchange Rate\" object";
		goto bad;
	}
	core_json_open(&rate, &rc);
	while (core_json_obj_next(&j, &rc, &k, &v) == 1) {
		if (CORE_JSON_KEY(&k, "8. Bid Price"))
			bid = v;
		else if (CORE_JSON_KEY(&k, "9. Ask Price"))
			ask = v;
		else if (CORE_JSON_KEY(&k, "6. Last Refreshed"))
			when = v;
	}
	uint32_t b, a;
	uint64_t t;
	if (!bid.type || !ask.type || !when.type) {
		why = "no \"8. Bid Price\", \"9. Ask Price\" or \"6. Last Refreshed\"";
		goto bad;
	}
	if (!price(fx, &bid, &b, &why) || !price(fx, &ask, &a, &why))
		goto bad;
	if (!parse_time(&when, &t)) {
		why = "a \"6. Last Refreshed\" that is not a time";
		goto bad;
	}
	if (b == 0 || a < b) {
		why = "a bid of zero or above the ask";
		goto bad;
	}
	struct md_event ev = { .kind = MD_LEVEL, .locate = (uint16_t)(i + 1), .msg_type = 'q',
			       .bid_px = b, .bid_qty = 1, .ask_px = a, .ask_qty = 1,
			       .ts_ns = t % 86400 * NS_PER_S, .ref = t };
	push(fx, &ev);
	bump(&fx->nquotes);
	return;
bad:
	bump(&fx->failures);
	note(fx, "%s: an answer osprey cannot read (%s): nothing taken from it", what, why);
}

/* ------------------------------------------------------------------------- */
/* For the tests (source.h): no thread, no key */

struct feeds_fx *feeds__fx_bare(const char *const *pairs, unsigned n, const char *interval)
{
	struct feeds_fx *fx = calloc(1, sizeof(*fx));
	if (!fx)
		return NULL;
	snprintf(fx->interval, sizeof(fx->interval), "%s", interval ? interval : "5min");
	fx->cfg.px_decimals = 5;
	fx->gap_ns = NS_PER_S;
	fx->cfg.pause_ns = 60 * NS_PER_S;
	fx->pairs = calloc(n ? n : 1, sizeof(*fx->pairs));
	fx->bars = malloc(MAX_BARS * sizeof(*fx->bars));
	fx->ring = core_ring_create("fx", 4096, sizeof(struct md_event));
	if (!fx->pairs || !fx->bars || !fx->ring)
		return feeds_fx_destroy(fx);
	for (unsigned i = 0; i < n; i++) {
		if (strlen(pairs[i]) != 6)
			return feeds_fx_destroy(fx);
		memcpy(fx->pairs[i].from, pairs[i], 3);
		memcpy(fx->pairs[i].to, pairs[i] + 3, 3);
		memcpy(fx->pairs[i].name, pairs[i], 6);
	}
	fx->npairs = n;
	return fx;
}

void feeds__fx_answer(struct feeds_fx *fx, unsigned pair, bool is_quote, const char *body,
		      size_t len)
{
	if (pair >= fx->npairs)
		return;
	if (is_quote)
		quote(fx, pair, "CURRENCY_EXCHANGE_RATE", body, len);
	else
		intraday(fx, pair, "FX_INTRADAY", body, len);
}

/* ------------------------------------------------------------------------- */
/* The thread */

/* Sleep until t (ns, core clock) unless stopped: false when stopped. */
static bool wait_until(struct feeds_fx *fx, uint64_t t)
{
	for (;;) {
		if (atomic_load_explicit(&fx->stop, memory_order_relaxed))
			return false;
		uint64_t now = core_now_ns();
		if (now >= t)
			return true;
		uint64_t d = t - now;
		usleep((useconds_t)(d > 50000000 ? 50000 : d / 1000 + 1));
	}
}

/* One call: the rate limit first; true with the body in fx->body. */
static bool call(struct feeds_fx *fx, CURL *h, const char *url, const char *what)
{
	if (fx->last_call_ns && !wait_until(fx, fx->last_call_ns + fx->gap_ns))
		return false;
	uint64_t now = core_now_ns();
	if (fx->last_call_ns) {
		uint64_t g = now > fx->last_call_ns ? now - fx->last_call_ns : 0;
		uint64_t m = atomic_load_explicit(&fx->min_gap, memory_order_relaxed);
		if (!m || g < m)
			atomic_store_explicit(&fx->min_gap, g, memory_order_relaxed);
	}
	fx->last_call_ns = now;
	bump(&fx->calls);
	struct feeds__http_get g = { .url = url, .ca_file = fx->cfg.ca_file, .timeout_ms = 30000,
				     .stop = &fx->stop };
	long status;
	CURLcode r = feeds__http_get(h, &g, &fx->body, &status);
	if (r != CURLE_OK || status != 200) {
		if (atomic_load_explicit(&fx->stop, memory_order_relaxed))
			return false;
		bump(&fx->failures);
		if (r != CURLE_OK)
			note(fx, "%s: %s", what, curl_easy_strerror(r));
		else
			note(fx, "%s: HTTP %ld", what, status);
		return false;
	}
	return true;
}

static void *run(void *arg)
{
	struct feeds_fx *fx = arg;
	CURL *h = curl_easy_init();
	if (!h) {
		bump(&fx->failures);
		note(fx, "libcurl: no handle");
		return NULL;
	}
	while (!atomic_load_explicit(&fx->stop, memory_order_relaxed)) {
		/* the pair whose round is due first */
		unsigned best = 0;
		for (unsigned i = 1; i < fx->npairs; i++)
			if (fx->pairs[i].next_ns < fx->pairs[best].next_ns)
				best = i;
		struct pair *p = &fx->pairs[best];
		if (!wait_until(fx, p->next_ns))
			break;
		p->next_ns = core_now_ns() + fx->cfg.round_ns;
		char url[1024], what[64];
		/* the key is in the URL (Alpha Vantage's only way) but never in a log line */
		snprintf(url, sizeof(url),
			 "%s/query?function=FX_INTRADAY&from_symbol=%s&to_symbol=%s&interval=%s"
			 "&outputsize=compact&apikey=%s",
			 fx->cfg.base, p->from, p->to, fx->interval, fx->key);
		snprintf(what, sizeof(what), "FX_INTRADAY %s", p->name);
		if (call(fx, h, url, what))
			intraday(fx, best, what, fx->body.p, fx->body.len);
		if (!fx->cfg.quotes)
			continue;
		snprintf(url, sizeof(url),
			 "%s/query?function=CURRENCY_EXCHANGE_RATE&from_currency=%s&to_currency=%s"
			 "&apikey=%s",
			 fx->cfg.base, p->from, p->to, fx->key);
		snprintf(what, sizeof(what), "CURRENCY_EXCHANGE_RATE %s", p->name);
		if (call(fx, h, url, what))
			quote(fx, best, what, fx->body.p, fx->body.len);
	}
	curl_easy_cleanup(h);
	explicit_bzero(fx->key, sizeof(fx->key));
	return NULL;
}

/* ------------------------------------------------------------------------- */
/* The feed stage's source */

struct fx_src {
	struct feeds_src base;
	struct feeds_fx *fx;
	uint64_t idle_ns, last_ns;
};

static int fxs_next(struct feeds_src *s, struct feeds_item *it, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	struct fx_src *fs = (struct fx_src *)s;
	uint64_t now = core_now_ns();
	if (!feeds_fx_poll(fs->fx, &it->ev))
		return feeds__quiet_end(fs->idle_ns, fs->last_ns, now) ? CORE_EOF : FEEDS_SRC_AGAIN;
	fs->last_ns = now;
	it->kind = FEEDS_ITEM_EVENT;
	it->flags = 0;
	it->t0_ns = it->ev.t0_ns; /* when its answer was read */
	return 0;
}

static void fxs_stats(const struct feeds_src *s, struct feeds_stats *ret)
{
	struct feeds_fx_stats st;
	feeds_fx_stats(((const struct fx_src *)s)->fx, &st);
	ret->total += st.bars + st.quotes;
	ret->fx_calls = st.calls;
	ret->fx_bars = st.bars;
	ret->fx_quotes = st.quotes;
	ret->fx_errors = st.errors;
	ret->fx_rate_limited = st.rate_limited;
	ret->fx_failures = st.failures;
}

static void fxs_close(struct feeds_src *s)
{
	struct fx_src *fs = (struct fx_src *)s;
	if (!fs)
		return;
	feeds_fx_destroy(fs->fx);
	core_free(fs);
}

static const struct feeds_src_ops fxs_ops = {
	.name = "fx",
	.next = fxs_next,
	.stats = fxs_stats,
	.close = fxs_close,
};

int feeds__fx_src_open(const struct feeds_fx_cfg *cfg, uint64_t idle_ns, struct feeds_src **ret,
		       char *err, size_t errlen)
{
	struct fx_src *fs = core_alloc(sizeof(*fs), CORE_CACHE_LINE);
	if (!fs) {
		core_errf(err, errlen, "fx: out of memory");
		return -ENOMEM;
	}
	int r = feeds_fx_create(cfg, &fs->fx, err, errlen);
	if (r < 0) {
		core_free(fs);
		return r;
	}
	fs->base.ops = &fxs_ops;
	fs->idle_ns = idle_ns;
	*ret = &fs->base;
	return 0;
}

const struct feeds_fx *feeds__fx_src_feed(const struct feeds_src *s)
{
	return s && s->ops == &fxs_ops ? ((const struct fx_src *)s)->fx : NULL;
}
