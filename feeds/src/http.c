/* http.c - the feeds' REST clients' shared GET and log line (http.h). */
#include "http.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sink {
	struct feeds__http_body *b;
	size_t max;
};

static size_t on_body(char *p, size_t sz, size_t n, void *arg)
{
	struct sink *s = arg;
	struct feeds__http_body *b = s->b;
	size_t k = sz * n;
	if (b->len + k + 1 > b->cap) {
		size_t c = b->cap ? b->cap : 1 << 16;
		while (c < b->len + k + 1)
			c *= 2;
		if (b->len + k > s->max)
			return 0; /* fails the transfer (CURLE_WRITE_ERROR) */
		char *nb = realloc(b->p, c);
		if (!nb)
			return 0;
		b->p = nb;
		b->cap = c;
	}
	memcpy(b->p + b->len, p, k);
	b->len += k;
	b->p[b->len] = 0;
	return k;
}

static int abort_on_stop(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)dt, (void)dn, (void)ut, (void)un;
	return arg && atomic_load_explicit((_Atomic bool *)arg, memory_order_relaxed);
}

CURLcode feeds__http_get(CURL *h, const struct feeds__http_get *g, struct feeds__http_body *b,
			 long *ret_status)
{
	struct sink s = { b, g->max_body ? g->max_body : (64u << 20) };
	b->len = 0;
	if (b->p)
		b->p[0] = 0;
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, g->url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "osprey");
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, g->timeout_ms);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, abort_on_stop);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, g->stop);
	if (g->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, g->ca_file);
	if (g->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	CURLcode r = curl_easy_perform(h);
	*ret_status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, ret_status);
	if (r == CURLE_OK && !b->p) /* an empty answer: still a string to read */
		on_body((char *)(uintptr_t) "", 1, 0, &s);
	return r;
}

void feeds__logf(void (*log)(void *arg, const char *line), void *arg, const char *fmt, ...)
{
	if (!log)
		return;
	char b[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	log(arg, b);
}
