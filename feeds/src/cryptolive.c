/*
 * cryptolive.c - crypto books from the exchange itself: the WebSocket stream
 * (wsclient.c) and, for Binance, REST depth snapshots over libcurl, fed to
 * feeds_crypto as a capture's lines (feeds.h, "Crypto books, live").
 *
 * Every line goes through one queue, so the books see what a capture of the
 * same session would hold, in the order a capture replays: a symbol's
 * snapshot line, then the diffs held while it loaded.
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "feeds.h"

#define NS_PER_MS UINT64_C(1000000)

enum { SNAP_IDLE, SNAP_WANT, SNAP_LOADING };

/* Lines back to back, each as a u32 length then its bytes. */
struct lines {
	char *buf;
	size_t len, cap, head; /* head: the next to take (a queue) */
	uint64_t n;
};

struct csym {
	char name[FEEDS_CRYPTO_SYMBOL_MAX + 1];
	int snap;           /* SNAP_* */
	uint64_t due_ns;    /* SNAP_WANT: not before */
	uint64_t backoff_ns;
	CURL *h;
	char *body;
	size_t body_len, body_cap;
	uint64_t held_bytes;
	struct lines held;  /* depthUpdate lines while the snapshot loads */
};

struct feeds_crypto_live {
	struct feeds_crypto_live_cfg cfg;
	struct feeds_crypto *books;
	struct feeds_ws_client *ws;
	CURLM *multi;
	struct csym *sym;
	unsigned nsym;
	unsigned loading;
	struct lines ready; /* to feed, in order */
	char *line;         /* the line being fed */
	size_t line_cap;
	struct feeds_crypto_live_stats st;
};

static void note(struct feeds_crypto_live *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct feeds_crypto_live *l, const char *fmt, ...)
{
	if (!l->cfg.log)
		return;
	char b[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	l->cfg.log(l->cfg.log_arg, b);
}

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

static size_t on_body(char *p, size_t sz, size_t n, void *arg)
{
	struct csym *y = arg;
	size_t k = sz * n;
	if (y->body_len + k + 1 > y->body_cap) {
		size_t c = y->body_cap ? y->body_cap : 1 << 16;
		while (c < y->body_len + k + 1)
			c *= 2;
		if (c > (64u << 20))
			return 0; /* a depth snapshot is never this big: fail the transfer */
		char *nb = realloc(y->body, c);
		if (!nb)
			return 0;
		y->body = nb;
		y->body_cap = c;
	}
	memcpy(y->body + y->body_len, p, k);
	y->body_len += k;
	return k;
}

static void want(struct feeds_crypto_live *l, struct csym *y, uint64_t now)
{
	if (y->snap == SNAP_LOADING) { /* asked again before it came: start over */
		curl_multi_remove_handle(l->multi, y->h);
		curl_easy_cleanup(y->h);
		y->h = NULL;
		l->loading--;
	}
	y->snap = SNAP_WANT;
	y->due_ns = now;
}

static char *snapshot_url(const struct feeds_crypto_live *l, const struct csym *y, char *b,
			  size_t n)
{
	snprintf(b, n, "%s/api/v3/depth?symbol=%s&limit=%u", l->cfg.rest, y->name,
		 l->cfg.depth_limit ? l->cfg.depth_limit : 1000);
	return b;
}

static void start(struct feeds_crypto_live *l, struct csym *y)
{
	char url[512];
	CURL *h = curl_easy_init();
	if (!h) {
		y->due_ns = core_now_ns() + 1000 * NS_PER_MS;
		return;
	}
	y->body_len = 0;
	curl_easy_setopt(h, CURLOPT_URL, snapshot_url(l, y, url, sizeof(url)));
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, y);
	curl_easy_setopt(h, CURLOPT_PRIVATE, y);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "osprey");
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
			 (long)((l->cfg.rest_timeout_ns ? l->cfg.rest_timeout_ns
							: 10000 * NS_PER_MS) / NS_PER_MS));
	if (l->cfg.ws.ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, l->cfg.ws.ca_file);
	if (l->cfg.ws.insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	curl_multi_add_handle(l->multi, h);
	y->h = h;
	y->snap = SNAP_LOADING;
	l->loading++;
	l->st.snapshots_requested++;
}

/* A transfer ended: the snapshot then the held diffs go to the queue, or
 * it is asked again later. */
static void finished(struct feeds_crypto_live *l, CURLMsg *m, uint64_t now)
{
	struct csym *y;
	curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&y);
	long status = 0;
	curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
	curl_multi_remove_handle(l->multi, m->easy_handle);
	curl_easy_cleanup(m->easy_handle);
	y->h = NULL;
	l->loading--;
	char url[512];
	snapshot_url(l, y, url, sizeof(url));
	if (m->data.result != CURLE_OK || status != 200) {
		l->st.snapshot_failures++;
		if (m->data.result != CURLE_OK)
			note(l, "snapshot %s: %s; again in %" PRIu64 " ms", url,
			     curl_easy_strerror(m->data.result), y->backoff_ns / NS_PER_MS);
		else
			note(l, "snapshot %s: HTTP %ld: %.*s; again in %" PRIu64 " ms", url, status,
			     (int)(y->body_len < 160 ? y->body_len : 160), y->body ? y->body : "",
			     y->backoff_ns / NS_PER_MS);
		y->snap = SNAP_WANT;
		y->due_ns = now + y->backoff_ns;
		y->backoff_ns = y->backoff_ns < 8000 * NS_PER_MS ? y->backoff_ns * 2 : y->backoff_ns;
		return;
	}
	y->backoff_ns = 250 * NS_PER_MS;
	char head[600];
	int hn = snprintf(head, sizeof(head), "%s -> ", url);
	hn += stamp(head + hn, sizeof(head) - (size_t)hn);
	hn += snprintf(head + hn, sizeof(head) - (size_t)hn, ": ");
	/* the body has no newline of its own inside a line */
	for (size_t i = 0; i < y->body_len; i++)
		if (y->body[i] == '\n' || y->body[i] == '\r')
			y->body[i] = ' ';
	if (lines_put(&l->ready, head, (size_t)hn, y->body, y->body_len) < 0)
		return;
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
	for (unsigned i = 0; i < l->nsym; i++)
		if (l->sym[i].snap == SNAP_WANT && now >= l->sym[i].due_ns)
			start(l, &l->sym[i]);
	if (!l->loading)
		return;
	int running;
	curl_multi_perform(l->multi, &running);
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(l->multi, &left)) != NULL)
		if (m->msg == CURLMSG_DONE)
			finished(l, m, now);
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
		bool busy = l->loading || l->ready.n;
		for (unsigned i = 0; !busy && i < l->nsym; i++)
			busy = l->sym[i].snap == SNAP_WANT;
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
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(l->multi = curl_multi_init())) {
		core_errf(err, errlen, "crypto live: libcurl would not start");
		r = -ENOMEM;
		goto fail;
	}
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
	for (unsigned i = 0; l->sym && i < l->nsym; i++) {
		if (l->sym[i].h) {
			curl_multi_remove_handle(l->multi, l->sym[i].h);
			curl_easy_cleanup(l->sym[i].h);
		}
		free(l->sym[i].body);
		free(l->sym[i].held.buf);
	}
	free(l->sym);
	if (l->multi)
		curl_multi_cleanup(l->multi);
	feeds_ws_client_destroy(l->ws);
	free(l->ready.buf);
	free(l->line);
	free(l);
	return NULL;
}
