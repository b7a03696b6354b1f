/* http.h - what the feeds' REST clients share (private to feeds): one
 * blocking GET with libcurl into a growing body, and their log lines.
 * cryptolive.c (Binance's snapshots) and fx.c (Alpha Vantage) call them from
 * their own worker threads. */
#ifndef OSPREY_FEEDS_HTTP_H
#define OSPREY_FEEDS_HTTP_H

#include <curl/curl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

/* A body read whole, NUL-terminated (p is malloc'd, grown as it comes). */
struct feeds__http_body {
	char *p;
	size_t len, cap;
};

struct feeds__http_get {
	const char *url;
	const char *ca_file;  /* PEM CAs instead of the system's; NULL: the system's */
	bool insecure;        /* no certificate check (never the default) */
	long timeout_ms;
	size_t max_body;      /* a longer answer fails the call */
	_Atomic bool *stop;   /* set: the call under way is aborted */
};

/* GET g->url on handle h (reset first, its connection kept). The CURLcode
 * (CURLE_OK when an answer came, whatever its status), *ret_status the HTTP
 * status (0: none). */
CURLcode feeds__http_get(CURL *h, const struct feeds__http_get *g, struct feeds__http_body *b,
			 long *ret_status);

/* A printf-style line to log(arg, line); nothing when log is NULL. */
void feeds__logf(void (*log)(void *arg, const char *line), void *arg, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
