/* alerts.c - the engine's events: the structured log and alerts posted to a webhook
 * through libcurl, from one thread (alerts.h). */
#define _GNU_SOURCE
#include "alerts.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine_int.h"

#define ALERT_Q       64
#define WATCH_MS      50
#define POST_TIMEOUT  2000 /* ms */
#define STOP_POSTS    16   /* at most this many still queued are posted at stop */

#define alert alerts_item

/* What was last seen of the engine, to post what changed. */
struct seen {
	bool persist_failed, failed;
};

struct alerts {
	struct engine *e;
	/* the log: every event, one line each, written by this thread only */
	FILE *log;
	char log_path[256];
	_Atomic bool reopen;     /* SIGHUP: reopen the log (rotation) */
	struct alert lq[ALERT_Q]; /* events not yet logged, under lock */
	unsigned lhead, ln;
	uint64_t log_dropped;
	char url[512];
	char chat[64];
	uint64_t interval_ns;
	pthread_t tid;
	_Atomic bool stop;
	struct seen seen;
	bool ever_up; /* the venue session has been up: a later up is a recovery */
	bool drifted[STRAT_FEATURE_COUNT]; /* said shifted, not yet said back */
	uint64_t drift_base[STRAT_FEATURE_COUNT][STRAT_DRIFT_BINS]; /* the window's start */
	uint64_t drift_base_rows;
	/* the queue: any thread adds (alerts_event), the alerts thread takes; under lock */
	struct alert q[ALERT_Q];
	unsigned head, n;
	uint64_t dropped_unsaid; /* dropped since the last post: the next one says so */
	uint64_t last_post_ns;
	CURL *curl;
	struct curl_slist *headers;
	pthread_mutex_t lock; /* the queue, recent and st */
	struct alerts_stats st;
	struct alert recent[ALERTS_RECENT]; /* the last events, for the dashboard */
	uint64_t nrecent;                    /* events put there in all */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* An event at wall time at_ns (0: now). */
static void vadd(struct alerts *a, uint64_t at_ns, const char *event, const char *severity,
                 const char *fmt, va_list ap)
{
	struct alert al;
	snprintf(al.event, sizeof(al.event), "%s", event);
	snprintf(al.severity, sizeof(al.severity), "%s", severity);
	vsnprintf(al.text, sizeof(al.text), fmt, ap);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (at_ns) {
		ts.tv_sec = (time_t)(at_ns / 1000000000ull);
		ts.tv_nsec = (long)(at_ns % 1000000000ull);
	}
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char day[24];
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(al.ts, sizeof(al.ts), "%.19s.%06dZ", day, (int)(ts.tv_nsec / 1000));
	pthread_mutex_lock(&a->lock);
	if (a->n == ALERT_Q) { /* full: the oldest goes */
		a->head = (a->head + 1) % ALERT_Q;
		a->n--;
		a->dropped_unsaid++;
		a->st.dropped++;
	}
	if (a->url[0])
		a->q[(a->head + a->n++) % ALERT_Q] = al;
	if (a->log) {
		if (a->ln == ALERT_Q) {
			a->lhead = (a->lhead + 1) % ALERT_Q;
			a->ln--;
			a->log_dropped++;
		}
		a->lq[(a->lhead + a->ln++) % ALERT_Q] = al;
	}
	a->recent[a->nrecent++ % ALERTS_RECENT] = al;
	a->st.events++;
	pthread_mutex_unlock(&a->lock);
}

unsigned alerts_recent(struct alerts *a, struct alerts_item *out, unsigned cap)
{
	pthread_mutex_lock(&a->lock);
	unsigned n = 0;
	for (uint64_t i = a->nrecent; i > 0 && n < cap && a->nrecent - i < ALERTS_RECENT; i--)
		out[n++] = a->recent[(i - 1) % ALERTS_RECENT];
	pthread_mutex_unlock(&a->lock);
	return n;
}

/* What part of the engine an event comes from (the log's component). */
static const char *component(const char *event)
{
	static const char *const map[][2] = {
		{ "gateway", "exec" },      { "recovery", "exec" },  { "feed_loss", "feeds" },
		{ "feed_gap", "feeds" },    { "persistence", "persist" }, { "store_behind", "persist" },
		{ "failure", "engine" },    { "control_refused", "control" }, { "model", "strategy" },
		{ "drift", "strategy" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(event, map[i][0]))
			return map[i][1];
	return "risk"; /* kill, resume, mode, breaker, set, flatten, restrict, allow */
}

/* Write every event not yet logged; reopen the file first if asked (SIGHUP). */
static void log_flush(struct alerts *a)
{
	if (!a->log)
		return;
	if (atomic_exchange_explicit(&a->reopen, false, memory_order_relaxed)) {
		FILE *f = fopen(a->log_path, "ae");
		if (f) {
			fclose(a->log);
			a->log = f;
		} else {
			pthread_mutex_lock(&a->lock);
			snprintf(a->st.last_error, sizeof(a->st.last_error), "log reopen: %s",
			         strerror(errno));
			pthread_mutex_unlock(&a->lock);
		}
	}
	for (;;) {
		struct alert al;
		uint64_t dropped;
		pthread_mutex_lock(&a->lock);
		bool any = a->ln > 0;
		if (any) {
			al = a->lq[a->lhead];
			a->lhead = (a->lhead + 1) % ALERT_Q;
			a->ln--;
			dropped = a->log_dropped;
			a->log_dropped = 0;
		}
		pthread_mutex_unlock(&a->lock);
		if (!any)
			break;
		if (dropped)
			fprintf(a->log, "%s WARN engine log_dropped: %" PRIu64 " events not logged\n",
			        al.ts, dropped);
		const char *level = !strcmp(al.severity, "critical")  ? "ERROR"
		                    : !strcmp(al.severity, "warning") ? "WARN"
		                                                      : "INFO";
		fprintf(a->log, "%s %s %s %s: %s\n", al.ts, level, component(al.event), al.event,
		        al.text);
	}
	fflush(a->log);
}

void alerts_reopen(struct alerts *a)
{
	atomic_store_explicit(&a->reopen, true, memory_order_relaxed);
}

static void add_at(struct alerts *a, uint64_t at_ns, const char *event, const char *severity,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void add_at(struct alerts *a, uint64_t at_ns, const char *event, const char *severity,
                   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vadd(a, at_ns, event, severity, fmt, ap);
	va_end(ap);
}
#define add(a, ...) add_at(a, 0, __VA_ARGS__)

void alerts_event(struct alerts *a, const char *event, const char *severity, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vadd(a, 0, event, severity, fmt, ap);
	va_end(ap);
}

/* Take the oldest queued alert into *ret (and how many were dropped since the
 * last one taken): false if none. */
static bool take(struct alerts *a, struct alert *ret, uint64_t *ret_dropped)
{
	pthread_mutex_lock(&a->lock);
	bool any = a->n > 0;
	if (any) {
		*ret = a->q[a->head];
		a->head = (a->head + 1) % ALERT_Q;
		a->n--;
		*ret_dropped = a->dropped_unsaid;
		a->dropped_unsaid = 0;
	}
	pthread_mutex_unlock(&a->lock);
	return any;
}

static const char *mode_name(unsigned m)
{
	return m == RISK_MODE_ACTIVE ? "active" : m == RISK_MODE_REDUCING ? "reducing" : "halted";
}

/* One event from a hot thread's ring (at the time it was seen there). */
static void hot_event(struct alerts *a, const struct engine_event *ev, uint64_t at_ns)
{
	switch (ev->kind) {
	case ENGINE_EV_BREAKER_MODE:
		add_at(a, at_ns, "mode", ev->to == RISK_MODE_ACTIVE ? "info" : "critical",
		       "the breakers moved risk %s -> %s", mode_name(ev->from), mode_name(ev->to));
		break;
	case ENGINE_EV_TIER:
		add_at(a, at_ns, "breaker", ev->to > ev->from ? "critical" : "info",
		       "drawdown breaker tier %u -> %u", ev->from, ev->to);
		break;
	case ENGINE_EV_MD_GAPS:
		add_at(a, at_ns, "feed_gap", "warning",
		       "market data: %" PRIu64 " sequence gaps opened (%" PRIu64 " in all; re-requested)",
		       ev->n, ev->total);
		break;
	case ENGINE_EV_MD_LOST:
		add_at(a, at_ns, "feed_loss", "critical",
		       "market data: %" PRIu64 " messages lost (%" PRIu64 " in all)", ev->n, ev->total);
		break;
	case ENGINE_EV_SESSION:
		if (ev->from == EXEC_SESSION_UP && ev->to != EXEC_SESSION_DONE)
			add_at(a, at_ns, "gateway", "critical",
			       "venue session down: no new orders until it is back");
		else if (ev->to == EXEC_SESSION_UP && a->ever_up)
			add_at(a, at_ns, "gateway", "info", "venue session back up");
		/* the first up is the login, not news */
		a->ever_up = a->ever_up || ev->to == EXEC_SESSION_UP;
		break;
	case ENGINE_EV_STORE_BEHIND:
		add_at(a, at_ns, "store_behind", "warning",
		       "the store is behind: its ring was full (%" PRIu64 " polls waited)", ev->total);
		break;
	}
}

/* Everything the hot threads' rings hold, in each ring's order. */
static void drain_hot(struct alerts *a)
{
	struct engine *e = a->e;
	struct timespec wt;
	clock_gettime(CLOCK_REALTIME, &wt);
	uint64_t wall = (uint64_t)wt.tv_sec * 1000000000ull + (uint64_t)wt.tv_nsec;
	uint64_t mono = core_now_ns();
	for (unsigned i = 0; i < ST_COUNT; i++) {
		struct engine_event ev;
		while (e->gauged[i].events && core_ring_pop(e->gauged[i].events, &ev) == 0)
			hot_event(a, &ev, wall - (mono > ev.ts_ns ? mono - ev.ts_ns : 0));
	}
}

/* The drift monitor, over windows of DRIFT_WINDOW counted vectors (the
 * session's whole counts would hide a late shift), with hysteresis: a
 * feature whose window's PSI reaches DRIFT_SHIFTED is said shifted once,
 * and said back when a window's falls below DRIFT_STABLE. */
#define DRIFT_WINDOW 2000
#define DRIFT_SHIFTED 0.25
#define DRIFT_STABLE 0.1
static void drift(struct alerts *a)
{
	uint64_t c[STRAT_FEATURE_COUNT][STRAT_DRIFT_BINS], rows;
	unsigned nf = engine__drift_counts(a->e, c, &rows);
	if (rows < a->drift_base_rows + DRIFT_WINDOW)
		return;
	double psi[STRAT_FEATURE_COUNT];
	for (unsigned i = 0; i < nf; i++) {
		uint64_t w[STRAT_DRIFT_BINS];
		for (unsigned b = 0; b < STRAT_DRIFT_BINS; b++)
			w[b] = c[i][b] - a->drift_base[i][b];
		psi[i] = strat_drift_psi(a->e->drift, i, w);
	}
	memcpy(a->drift_base, c, sizeof(c));
	rows -= a->drift_base_rows;
	a->drift_base_rows += rows;
	for (unsigned i = 0; i < nf; i++) {
		if (!a->drifted[i] && psi[i] >= DRIFT_SHIFTED) {
			a->drifted[i] = true;
			add(a, "drift", "warning",
			    "feature %s has shifted from the training period: PSI %.3f over the last %" PRIu64
			    " vectors counted (the model reads inputs it was not trained on)",
			    strat_feature_name(i), psi[i], rows);
		} else if (a->drifted[i] && psi[i] < DRIFT_STABLE) {
			a->drifted[i] = false;
			add(a, "drift", "info", "feature %s is back in its training range: PSI %.3f",
			    strat_feature_name(i), psi[i]);
		}
	}
}

/* The state of the other threads now, against what was seen: one alert per
 * change (the hot threads' changes come through their rings). */
static void watch(struct alerts *a, bool first)
{
	struct engine *e = a->e;
	const struct engine_gauges *g = &e->g;
	struct seen now = {
		.persist_failed = atomic_load_explicit(&g->persist_failed, memory_order_acquire),
		.failed = atomic_load_explicit(&e->failed, memory_order_acquire),
	};
	struct seen *was = &a->seen;
	if (first) { /* the starting state is no news, but a kill carried over is */
		*was = now;
		if (risk_control_is_killed(&e->ctl))
			add(a, "kill", "critical", "the engine started killed (osprey-ctl resume to trade)");
		return;
	}
	drain_hot(a);
	drift(a);
	if (now.persist_failed && !was->persist_failed)
		add(a, "persistence", "critical", "database failed: %s; trading halted",
		    e->persist_error);
	if (now.failed && !was->failed)
		add(a, "failure", "critical", "%s", e->failure);
	*was = now;
}

/* JSON string body of s (quotes, backslashes, control bytes escaped). */
static size_t json_text(char *out, size_t cap, const char *s)
{
	size_t n = 0;
	for (; *s && n + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[n++] = '\\';
			out[n++] = (char)c;
		} else if (c < 0x20) {
			n += (size_t)snprintf(out + n, cap - n, "\\u%04x", c);
		} else {
			out[n++] = (char)c;
		}
	}
	out[n] = '\0';
	return n;
}

static void post(struct alerts *a, const struct alert *al, uint64_t dropped)
{
	char text[512], esc[1100], body[1400];
	if (dropped)
		snprintf(text, sizeof(text), "%s (%" PRIu64 " earlier alerts dropped: too many at once)",
		         al->text, dropped);
	else
		snprintf(text, sizeof(text), "%s", al->text);
	if (a->chat[0]) {
		char tg[600];
		snprintf(tg, sizeof(tg), "osprey %s (%s, %s): %s", al->event, al->severity, al->ts, text);
		json_text(esc, sizeof(esc), tg);
		snprintf(body, sizeof(body), "{\"chat_id\":\"%s\",\"text\":\"%s\"}", a->chat, esc);
	} else {
		json_text(esc, sizeof(esc), text);
		snprintf(body, sizeof(body),
		         "{\"source\":\"osprey\",\"event\":\"%s\",\"severity\":\"%s\",\"text\":\"%s\","
		         "\"ts\":\"%s\"}",
		         al->event, al->severity, esc, al->ts);
	}
	curl_easy_setopt(a->curl, CURLOPT_POSTFIELDS, body);
	CURLcode rc = curl_easy_perform(a->curl);
	long code = 0;
	curl_easy_getinfo(a->curl, CURLINFO_RESPONSE_CODE, &code);
	pthread_mutex_lock(&a->lock);
	if (rc == CURLE_OK && code >= 200 && code < 300) {
		a->st.sent++;
	} else {
		a->st.failed++;
		if (rc != CURLE_OK)
			snprintf(a->st.last_error, sizeof(a->st.last_error), "%s",
			         curl_easy_strerror(rc));
		else
			snprintf(a->st.last_error, sizeof(a->st.last_error), "HTTP %ld", code);
	}
	pthread_mutex_unlock(&a->lock);
	a->last_post_ns = mono_ns();
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

static void *alerts_main(void *arg)
{
	struct alerts *a = arg;
	struct alert al;
	uint64_t dropped;
	while (!atomic_load_explicit(&a->stop, memory_order_relaxed)) {
		watch(a, false);
		log_flush(a);
		if (a->url[0] && mono_ns() - a->last_post_ns >= a->interval_ns &&
		    take(a, &al, &dropped))
			post(a, &al, dropped);
		struct timespec ts = { 0, WATCH_MS * 1000000L };
		nanosleep(&ts, NULL);
	}
	watch(a, false); /* what the end of the run changed */
	log_flush(a);
	for (unsigned i = 0; a->url[0] && i < STOP_POSTS && take(a, &al, &dropped); i++)
		post(a, &al, dropped);
	return NULL;
}

int alerts_start(struct alerts **ret, const struct alerts_cfg *cfg, struct engine *e, char *err,
                 size_t errlen)
{
	const char *hook = cfg->webhook ? cfg->webhook : "";
	if ((hook[0] && strncmp(hook, "http://", 7) && strncmp(hook, "https://", 8)) ||
	    strlen(hook) >= sizeof(((struct alerts *)0)->url)) {
		core_errf(err, errlen, "alerts.webhook '%s': want http://HOST:PORT/PATH (or https)",
		          cfg->webhook ? cfg->webhook : "");
		return -EINVAL;
	}
	const char *chat = cfg->telegram_chat ? cfg->telegram_chat : "";
	for (const char *c = chat; *c; c++)
		if (!((*c >= '0' && *c <= '9') || (*c == '-' && c == chat) || *c == '@' || *c == '_' ||
		      (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z'))) {
			core_errf(err, errlen,
			          "alerts.telegram_chat '%s': a chat id (digits, maybe a leading '-') or "
			          "@channel name",
			          chat);
			return -EINVAL;
		}
	struct alerts *a = calloc(1, sizeof(*a));
	if (!a) {
		core_errf(err, errlen, "alerts: out of memory");
		return -ENOMEM;
	}
	a->e = e;
	snprintf(a->url, sizeof(a->url), "%s", hook);
	if (cfg->log_path && cfg->log_path[0]) {
		snprintf(a->log_path, sizeof(a->log_path), "%s", cfg->log_path);
		if (!(a->log = fopen(a->log_path, "ae"))) {
			int r = -errno;
			core_errf(err, errlen, "engine.log %s: cannot open: %s", a->log_path,
			          strerror(errno));
			free(a);
			return r;
		}
	}
	snprintf(a->chat, sizeof(a->chat), "%s", chat);
	a->interval_ns = (cfg->min_interval_ms ? cfg->min_interval_ms : 1000) * 1000000ull;
	pthread_mutex_init(&a->lock, NULL);
	if (a->url[0]) { /* the log alone needs no HTTP client */
		curl_global_init(CURL_GLOBAL_DEFAULT);
		a->curl = curl_easy_init();
		a->headers = curl_slist_append(NULL, "Content-Type: application/json");
		if (!a->curl || !a->headers) {
			alerts_stop(a);
			core_errf(err, errlen, "alerts: cannot set up libcurl");
			return -ENOMEM;
		}
		curl_easy_setopt(a->curl, CURLOPT_URL, a->url);
		curl_easy_setopt(a->curl, CURLOPT_HTTPHEADER, a->headers);
		curl_easy_setopt(a->curl, CURLOPT_TIMEOUT_MS, (long)POST_TIMEOUT);
		curl_easy_setopt(a->curl, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(a->curl, CURLOPT_WRITEFUNCTION, discard);
	}
	watch(a, true); /* the state at start, before anyone can change it */
	int r = pthread_create(&a->tid, NULL, alerts_main, a);
	if (r) {
		a->tid = 0;
		alerts_stop(a);
		core_errf(err, errlen, "alerts: cannot start its thread: %s", strerror(r));
		return -r;
	}
	pthread_setname_np(a->tid, "osprey-alerts");
	*ret = a;
	return 0;
}

void alerts_stop(struct alerts *a)
{
	if (!a)
		return;
	if (a->tid) {
		atomic_store_explicit(&a->stop, true, memory_order_relaxed);
		pthread_join(a->tid, NULL);
	}
	curl_slist_free_all(a->headers);
	if (a->curl)
		curl_easy_cleanup(a->curl);
	if (a->log)
		fclose(a->log);
	if (a->url[0])
		curl_global_cleanup();
	pthread_mutex_destroy(&a->lock);
	free(a);
}

void alerts_stats(struct alerts *a, struct alerts_stats *ret)
{
	pthread_mutex_lock(&a->lock);
	*ret = a->st;
	pthread_mutex_unlock(&a->lock);
}
