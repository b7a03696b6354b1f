/*
 * cryptolive.c - crypto books from the exchange itself: the WebSocket stream
 * (wsclient.c) and, for Binance, REST depth snapshots over libcurl, fed to
 * feeds_crypto as a capture's lines (feeds.h, "Crypto books, live").
 *
 * Every line goes through one queue, so the books see what a capture of the
 * same session would hold, in the order a capture replays: a symbol's
 * snapshot line, then the diffs held while it loaded.
 *
 * The REST transfers are blocking libcurl calls on a worker thread of this
 * object's own (started when there are symbols to snapshot), so the polling
 * thread (the feed stage's, in the engine) never waits for them nor does
 * their TLS: it hands a symbol's job over with a release store (and wakes the
 * worker: a mutex held for a signal, at a connect or a gap only) and picks
 * the answer up with an acquire load.
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "feeds.h"
#include "http.h"

#define NS_PER_MS UINT64_C(1000000)

enum { SNAP_IDLE, SNAP_WANT, SNAP_LOADING };
/* A symbol's REST job, between the polling thread and the worker. */
enum { JOB_NONE, JOB_ASKED, JOB_DONE };

/* Lines back to back, each as a u32 length then its bytes. */
struct lines {
	char *buf;
	size_t len, cap, head; /* head: the next to take (a queue) */
	uint64_t n;
};

struct csym {
	char name[FEEDS_CRYPTO_SYMBOL_MAX + 1];
	int snap;           /* SNAP_* */
	bool info;          /* its exchangeInfo (the scales) is in */
	bool loading_info;  /* the transfer running is the exchangeInfo */
	uint64_t due_ns;    /* SNAP_WANT: not before */
	uint64_t backoff_ns;
	uint64_t gen, job_gen; /* a job asked before the last want() is stale */
	/* the job: url set by the poller before ASKED; result, status and body
	 * by the worker before DONE (the stores' release / loads' acquire order
	 * them) */
	_Atomic int job;
	char url[512];
	int result;         /* CURLcode */
	long status;
	struct feeds__http_body body;
	uint64_t held_bytes;
	struct lines held;  /* depthUpdate lines while the snapshot loads */
};

struct feeds_crypto_live {
	struct feeds_crypto_live_cfg cfg;
	struct feeds_crypto *books;
	struct feeds_ws_client *ws;
	struct csym *sym;
	unsigned nsym;
	pthread_t worker;
	bool worker_started;
	_Atomic bool stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct lines ready; /* to feed, in order */
	char *line;         /* the line being fed */
	size_t line_cap;
	struct feeds_crypto_live_stats st;
};

#define note(l, ...) feeds__logf((l)->cfg.log, (l)->cfg.log_arg, __VA_ARGS__)

/* ------------------------------------------------------------------------- */
/* Line queues */

static int lines_put(struct lines *q, const char *head, size_t hn, const char *body, size_t bn)
{
	size_t need = q->len + 4 + hn + bn;
	if (need > q->cap) {
		if (q->head) { /* slide what is left to the front first */
			memmove(q->buf, q->buf + q->head, q->len - q->head);
			q->len -= q->head;
			q->head = 0;
			need = q->len + 4 + hn + bn;
		}
		size_t c = q->cap ? q->cap : 65536;
		while (c < need)
			c *= 2;
		char *nb = c > q->cap ? realloc(q->buf, c) : q->buf;
		if (!nb)
			return -ENOMEM;
		q->buf = nb;
		q->cap = c;
	}
	uint32_t n = (uint32_t)(hn + bn);
	memcpy(q->buf + q->len, &n, 4);
	memcpy(q->buf + q->len + 4, head, hn);
	memcpy(q->buf + q->len + 4 + hn, body, bn);
	q->len += 4 + hn + bn;
	q->n++;
	return 0;
}

/* The next line, or NULL; valid until the next put. */
static const char *lines_take(struct lines *q, size_t *ret_len)
{
	if (q->head >= q->len) {
		q->head = q->len = 0;
		return NULL;
	}
	uint32_t n;
	memcpy(&n, q->buf + q->head, 4);
	const char *p = q->buf + q->head + 4;
	q->head += 4 + n;
	q->n--;
	*ret_len = n;
	return p;
}

static void lines_clear(struct lines *q)
{
	q->len = q->head = 0;
	q->n = 0;
}

/* "<unix time>" of now, for a line's head. */
static int stamp(char *b, size_t n)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return snprintf(b, n, "%lld.%06ld", (long long)ts.tv_sec, ts.tv_nsec / 1000);
}

/* ------------------------------------------------------------------------- */
/* Snapshots */


static void want(struct feeds_crypto_live *l, struct csym *y, uint64_t now)
{
	if (y->snap == SNAP_LOADING)
		y->gen++; /* asked again before it came: what comes is dropped */
	(void)l;
	y->snap = SNAP_WANT;
	y->due_ns = now;
}

/* The transfer y needs next: its exchangeInfo (once), else the snapshot. */
static char *rest_url(const struct feeds_crypto_live *l, const struct csym *y, char *b, size_t n)
{
	const char *base = l->cfg.futures ? "fapi/v1" : "api/v3";
	if (!y->info)
		snprintf(b, n, "%s/%s/exchangeInfo?symbol=%s", l->cfg.rest, base, y->name);
	else
		snprintf(b, n, "%s/%s/depth?symbol=%s&limit=%u", l->cfg.rest, base, y->name,
			 l->cfg.depth_limit ? l->cfg.depth_limit : 1000);
	return b;
}

/* Hand y's next transfer to the worker. */
static void start(struct feeds_crypto_live *l, struct csym *y)
{
	y->loading_info = !y->info;
	rest_url(l, y, y->url, sizeof(y->url));
	y->job_gen = y->gen;
	y->snap = SNAP_LOADING;
	if (!y->loading_info)
		l->st.snapshots_requested++;
	atomic_store_explicit(&y->job, JOB_ASKED, memory_order_release);
	pthread_mutex_lock(&l->mu); /* rare (a connect, a gap): the worker sleeps on it */
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

/* The worker's transfer for y ended (job DONE): the exchangeInfo goes to the
 * queue (and the snapshot is asked), or the snapshot then the held diffs, or
 * it is asked again later. */
static void finished(struct feeds_crypto_live *l, struct csym *y, uint64_t now)
{
	atomic_store_explicit(&y->job, JOB_NONE, memory_order_relaxed);
	if (y->job_gen != y->gen) { /* asked again meanwhile (want): this one is stale */
		y->snap = SNAP_WANT;
		return;
	}
	if (y->result != CURLE_OK || y->status != 200) {
		if (!y->loading_info)
			l->st.snapshot_failures++;
		if (y->result != CURLE_OK)
			note(l, "%s: %s; again in %" PRIu64 " ms", y->url,
			     curl_easy_strerror((CURLcode)y->result), y->backoff_ns / NS_PER_MS);
		else
			note(l, "%s: HTTP %ld: %.*s; again in %" PRIu64 " ms", y->url, y->status,
			     (int)(y->body.len < 160 ? y->body.len : 160), y->body.p ? y->body.p : "",
			     y->backoff_ns / NS_PER_MS);
		y->snap = SNAP_WANT;
		y->due_ns = now + y->backoff_ns;
		y->backoff_ns = y->backoff_ns < 8000 * NS_PER_MS ? y->backoff_ns * 2 : y->backoff_ns;
		return;
	}
	y->backoff_ns = 250 * NS_PER_MS;
	char head[600];
	int hn = snprintf(head, sizeof(head), "%s -> ", y->url);
	hn += stamp(head + hn, sizeof(head) - (size_t)hn);
	hn += snprintf(head + hn, sizeof(head) - (size_t)hn, ": ");
	/* the body has no newline of its own inside a line */
	for (size_t i = 0; i < y->body.len; i++)
		if (y->body.p[i] == '\n' || y->body.p[i] == '\r')
			y->body.p[i] = ' ';
	if (lines_put(&l->ready, head, (size_t)hn, y->body.p, y->body.len) < 0)
		return;
	if (y->loading_info) { /* the scales are in: now the snapshot */
		y->info = true;
		l->st.infos_loaded++;
		y->snap = SNAP_WANT;
		y->due_ns = now;
		return;
	}
	size_t n;
	const char *p;
	while ((p = lines_take(&y->held, &n)) != NULL) {
		(void)lines_put(&l->ready, p, n, "", 0);
		l->st.held_applied++;
	}
	lines_clear(&y->held);
	y->held_bytes = 0;
	y->snap = SNAP_IDLE;
	l->st.snapshots_loaded++;
}

static void run_rest(struct feeds_crypto_live *l, uint64_t now)
{
	for (unsigned i = 0; i < l->nsym; i++) {
		struct csym *y = &l->sym[i];
		int job = atomic_load_explicit(&y->job, memory_order_acquire);
		if (job == JOB_DONE) /* (a stale one too: finished drops it) */
			finished(l, y, now);
		else if (job == JOB_NONE && y->snap == SNAP_WANT && now >= y->due_ns)
			start(l, y);
	}
}

/* ------------------------------------------------------------------------- */
/* The REST worker: blocking libcurl transfers, off the polling thread */

static void transfer(struct feeds_crypto_live *l, CURL *h, struct csym *y)
{
	struct feeds__http_get g = {
		.url = y->url,
		.ca_file = l->cfg.ws.ca_file,
		.insecure = l->cfg.ws.insecure,
		.timeout_ms = (long)((l->cfg.rest_timeout_ns ? l->cfg.rest_timeout_ns
							 : 10000 * NS_PER_MS) / NS_PER_MS),
		.stop = &l->stop,
	};
	y->result = feeds__http_get(h, &g, &y->body, &y->status);
}

static void *worker(void *arg)
{
	struct feeds_crypto_live *l = arg;
	CURL *h = curl_easy_init(); /* one handle: its connection is kept for the next */
	while (!atomic_load_explicit(&l->stop, memory_order_relaxed)) {
		bool did = false;
		for (unsigned i = 0; i < l->nsym; i++) {
			struct csym *y = &l->sym[i];
			if (atomic_load_explicit(&y->job, memory_order_acquire) != JOB_ASKED)
				continue;
			if (h)
				transfer(l, h, y);
			else
				y->result = CURLE_FAILED_INIT;
			atomic_store_explicit(&y->job, JOB_DONE, memory_order_release);
			did = true;
		}
		if (did)
			continue;
		pthread_mutex_lock(&l->mu);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 20 * 1000000L; /* and a look now and then: a signal may come early */
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&l->cv, &l->mu, &ts);
		pthread_mutex_unlock(&l->mu);
	}
	if (h)
		curl_easy_cleanup(h);
	return NULL;
}

/* ------------------------------------------------------------------------- */
/* The stream */

/* A Binance depthUpdate for a symbol whose snapshot is not in: that symbol. */
static struct csym *held_for(struct feeds_crypto_live *l, const char *msg, size_t n)
{
	if (!l->nsym || !memmem(msg, n, "\"depthUpdate\"", 13))
		return NULL;
	const char *s = memmem(msg, n, "\"s\":\"", 5);
	if (!s)
		return NULL;
	s += 5;
	const char *e = memchr(s, '"', (size_t)(msg + n - s));
	if (!e)
		return NULL;
	for (unsigned i = 0; i < l->nsym; i++) {
		struct csym *y = &l->sym[i];
		if (y->snap != SNAP_IDLE && strlen(y->name) == (size_t)(e - s) &&
		    !memcmp(y->name, s, (size_t)(e - s)))
			return y;
	}
	return NULL;
}

/* A book fell out of step: ask its snapshot again. */
static void gaps(struct feeds_crypto_live *l, const struct md_event *ev, uint32_t n, uint64_t now)
{
	for (uint32_t i = 0; i < n; i++) {
		if (ev[i].kind != MD_GAP ||
		    feeds_crypto_venue(l->books, ev[i].locate) != FEEDS_CRYPTO_BINANCE)
			continue;
		const char *s = feeds_crypto_symbol(l->books, ev[i].locate);
		for (unsigned k = 0; k < l->nsym; k++)
			if (!strcmp(l->sym[k].name, s) && l->sym[k].snap == SNAP_IDLE) {
				l->st.resyncs++;
				note(l, "%s out of step: a new snapshot", s);
				want(l, &l->sym[k], now);
			}
	}
}

static int feed(struct feeds_crypto_live *l, const char *p, size_t n, const struct md_event **ev,
		uint32_t *ret_n, char *err, size_t errlen)
{
	if (n + 1 > l->line_cap) { /* the decoder reads a line that stays put */
		char *nl = realloc(l->line, n + 1);
		if (!nl) {
			core_errf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		l->line = nl;
		l->line_cap = n + 1;
	}
	memcpy(l->line, p, n);
	l->line[n] = 0;
	if (l->cfg.record && (fwrite(l->line, 1, n, l->cfg.record) != n ||
			      fputc('\n', l->cfg.record) == EOF)) {
		core_errf(err, errlen, "the record: write error");
		return -EIO;
	}
	char e[300];
	int k = feeds_crypto_line(l->books, l->line, n, ev, e, sizeof(e));
	l->st.lines++;
	if (k < 0) { /* the exchange said what we cannot read: logged, the book untouched */
		l->st.refused++;
		note(l, "a line refused: %s", e);
		*ret_n = 0;
		return 0;
	}
	*ret_n = (uint32_t)k;
	gaps(l, *ev, *ret_n, core_now_ns());
	return 1;
}

int feeds_crypto_live_poll(struct feeds_crypto_live *l, uint64_t wait_ns,
			   const struct md_event **ret_ev, uint32_t *ret_n, char *err, size_t errlen)
{
	uint64_t until = core_now_ns() + wait_ns;
	for (;;) {
		size_t n;
		const char *p = lines_take(&l->ready, &n);
		if (p)
			return feed(l, p, n, ret_ev, ret_n, err, errlen);
		uint64_t now = core_now_ns();
		run_rest(l, now);
		if (l->ready.n)
			continue;
		bool busy = false;
		for (unsigned i = 0; !busy && i < l->nsym; i++)
			busy = l->sym[i].snap != SNAP_IDLE;
		uint64_t left = until > now ? until - now : 0;
		if (busy && left > 2 * NS_PER_MS)
			left = 2 * NS_PER_MS; /* come back for the transfers */
		struct feeds_ws_event ev;
		int r = feeds_ws_client_poll(l->ws, left, &ev, err, errlen);
		if (r < 0)
			return r;
		if (r == 0) {
			if (core_now_ns() >= until)
				return 0;
			continue;
		}
		char head[2200];
		int hn;
		if (ev.kind == FEEDS_WS_EV_DOWN) {
			note(l, "%s: link down: %.*s", l->cfg.ws.url, (int)ev.len, ev.data);
			continue;
		}
		if (ev.kind == FEEDS_WS_EV_OPEN) {
			/* a new link: every book resyncs, every snapshot is asked again */
			hn = snprintf(head, sizeof(head), "%s <-> ", l->cfg.ws.url);
			hn += stamp(head + hn, sizeof(head) - (size_t)hn);
			note(l, "%s: open", l->cfg.ws.url);
			for (unsigned i = 0; i < l->nsym; i++) {
				lines_clear(&l->sym[i].held);
				l->sym[i].held_bytes = 0;
				want(l, &l->sym[i], now);
			}
			return feed(l, head, (size_t)hn, ret_ev, ret_n, err, errlen);
		}
		if (ev.binary)
			continue; /* the exchanges' streams are text */
		hn = stamp(head, sizeof(head));
		hn += snprintf(head + hn, sizeof(head) - (size_t)hn, ": ");
		struct csym *y = held_for(l, ev.data, ev.len);
		if (y) {
			if (y->held_bytes + ev.len > (l->cfg.max_held ? l->cfg.max_held : 8u << 20)) {
				l->st.held_overflows++;
				note(l, "%s: more diffs than max_held while its snapshot loads: "
				        "asked again", y->name);
				lines_clear(&y->held);
				y->held_bytes = 0;
				want(l, y, now);
				continue;
			}
			if (lines_put(&y->held, head, (size_t)hn, ev.data, ev.len) < 0) {
				core_errf(err, errlen, "out of memory");
				return -ENOMEM;
			}
			y->held_bytes += ev.len;
			l->st.held++;
			continue;
		}
		if (lines_put(&l->ready, head, (size_t)hn, ev.data, ev.len) < 0) {
			core_errf(err, errlen, "out of memory");
			return -ENOMEM;
		}
	}
}

/* ------------------------------------------------------------------------- */
/* Setup */

int feeds_crypto_live_create(const struct feeds_crypto_live_cfg *cfg, struct feeds_crypto *books,
			     struct feeds_crypto_live **ret, char *err, size_t errlen)
{
	if (cfg->nsymbols && !cfg->rest) {
		core_errf(err, errlen, "crypto live: symbols to snapshot but no REST base");
		return -EINVAL;
	}
	if (cfg->rest && strncmp(cfg->rest, "https://", 8) && strncmp(cfg->rest, "http://", 7)) {
		core_errf(err, errlen, "crypto live: REST base '%s' is not http(s)://", cfg->rest);
		return -EINVAL;
	}
	struct feeds_crypto_live *l = calloc(1, sizeof(*l));
	if (!l) {
		core_errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	l->cfg = *cfg;
	l->books = books;
	int r = feeds_ws_client_create(&cfg->ws, &l->ws, err, errlen);
	if (r < 0)
		goto fail;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		core_errf(err, errlen, "crypto live: libcurl would not start");
		r = -ENOMEM;
		goto fail;
	}
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	l->sym = calloc(cfg->nsymbols + 1, sizeof(*l->sym));
	if (!l->sym) {
		core_errf(err, errlen, "out of memory");
		r = -ENOMEM;
		goto fail;
	}
	for (unsigned i = 0; i < cfg->nsymbols; i++) {
		const char *s = cfg->symbols[i];
		size_t n = strlen(s);
		if (n == 0 || n > FEEDS_CRYPTO_SYMBOL_MAX || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != n) {
			core_errf(err, errlen, "crypto live: symbol '%s': not an exchange symbol "
					       "(capitals and digits, at most %d)", s, FEEDS_CRYPTO_SYMBOL_MAX);
			r = -EINVAL;
			goto fail;
		}
		memcpy(l->sym[i].name, s, n);
		l->sym[i].backoff_ns = 250 * NS_PER_MS;
	}
	l->nsym = cfg->nsymbols;
	l->cfg.symbols = NULL;
	if (l->nsym) {
		if ((r = -pthread_create(&l->worker, NULL, worker, l)) < 0) {
			core_errf(err, errlen, "crypto live: the REST thread: %s", strerror(-r));
			goto fail;
		}
		l->worker_started = true;
	}
	*ret = l;
	return 0;
fail:
	feeds_crypto_live_destroy(l);
	return r;
}

void feeds_crypto_live_stats(const struct feeds_crypto_live *l, struct feeds_crypto_live_stats *ret)
{
	*ret = l->st;
}

struct feeds_ws_client *feeds_crypto_live_ws(struct feeds_crypto_live *l)
{
	return l->ws;
}

struct feeds_crypto_live *feeds_crypto_live_destroy(struct feeds_crypto_live *l)
{
	if (!l)
		return NULL;
	if (l->worker_started) { /* a transfer under way is aborted (abort_on_stop) */
		atomic_store(&l->stop, true);
		pthread_mutex_lock(&l->mu);
		pthread_cond_signal(&l->cv);
		pthread_mutex_unlock(&l->mu);
		pthread_join(l->worker, NULL);
	}
	for (unsigned i = 0; l->sym && i < l->nsym; i++) {
		free(l->sym[i].body.p);
		free(l->sym[i].held.buf);
	}
	free(l->sym);
	feeds_ws_client_destroy(l->ws);
	free(l->ready.buf);
	free(l->line);
	free(l);
	return NULL;
}
