/*
 * wsclient.c - a WebSocket client over TLS that stays connected (feeds.h,
 * "WebSocket client over TLS"). OpenSSL for TLS, SHA-1 and base64; the
 * frames are ws.c's. One file of about 850 lines: one state machine, its
 * I/O and its frames; split up, each state's step would sit away from the
 * poll that drives it.
 *
 * The link's life, one state at a time, each step non-blocking and driven by
 * feeds_ws_client_poll:
 *   WAIT (the back-off) -> TCP (connect in progress) -> TLS (handshake)
 *   -> UPGRADE (request written, reading the 101 response) -> OPEN
 *   -> CLOSING (our Close sent, waiting for the server's) -> ENDED
 * A failure anywhere before ENDED goes back to WAIT with the reason, which
 * the next poll reports as FEEDS_WS_EV_DOWN.
 */
#define _GNU_SOURCE
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "feeds.h"

#define WS_GUID       "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define HDR_MAX       16384
#define NS_PER_MS     UINT64_C(1000000)

enum { S_WAIT, S_TCP, S_TLS, S_UPGRADE, S_OPEN, S_CLOSING, S_ENDED };

struct feeds_ws_client {
	struct feeds_ws_client_cfg cfg;
	char host[256], port[8], path[2048];
	bool tls;
	char **subs;
	SSL_CTX *ctx;
	SSL *ssl;
	int fd;
	int state;
	uint64_t due_ns;     /* WAIT: when to connect; TCP..UPGRADE: the deadline */
	uint64_t backoff_ns;
	unsigned failures;   /* attempts in a row that did not open */
	uint64_t last_rx_ns, ping_sent_ns;
	char key[32];        /* Sec-WebSocket-Key of this attempt */
	char down[200];      /* a reason to report (""), set when the link is lost */
	bool report_down, report_open;
	unsigned char *rx;   /* bytes read, not yet framed */
	size_t rx_len, rx_cap, rx_used;
	unsigned char *tx;   /* bytes to write */
	size_t tx_len, tx_cap;
	unsigned char *msg;  /* a fragmented message being put together */
	size_t msg_len, msg_cap;
	bool in_msg, msg_binary;
	struct feeds_ws_client_stats st;
};

/* ------------------------------------------------------------------------- */
/* Buffers */

static int reserve(unsigned char **p, size_t *cap, size_t need)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap : 16384;
	while (c < need)
		c *= 2;
	unsigned char *n = realloc(*p, c);
	if (!n)
		return -ENOMEM;
	*p = n;
	*cap = c;
	return 0;
}

static int queue(struct feeds_ws_client *c, const void *p, size_t n)
{
	if (reserve(&c->tx, &c->tx_cap, c->tx_len + n) < 0)
		return -ENOMEM;
	memcpy(c->tx + c->tx_len, p, n);
	c->tx_len += n;
	return 0;
}

/* A frame of ours (masked, as a client's must be). */
static int queue_frame(struct feeds_ws_client *c, uint8_t op, const void *p, size_t n)
{
	uint8_t mask[4];
	if (RAND_bytes(mask, 4) != 1)
		return -EIO;
	if (reserve(&c->tx, &c->tx_cap, c->tx_len + n + FEEDS_WS_MAX_HDR) < 0)
		return -ENOMEM;
	int k = feeds_ws_frame_put(c->tx + c->tx_len, c->tx_cap - c->tx_len, op, true, mask, p, n);
	if (k < 0)
		return k;
	c->tx_len += (size_t)k;
	return 0;
}

/* ------------------------------------------------------------------------- */
/* Setup */

static int parse_url(struct feeds_ws_client *c, const char *url, char *err, size_t errlen)
{
	const char *p;
	if (!strncmp(url, "wss://", 6)) {
		c->tls = true;
		p = url + 6;
	} else if (!strncmp(url, "ws://", 5)) {
		p = url + 5;
	} else {
		core_errf(err, errlen, "websocket url '%s': not wss:// or ws://", url);
		return -EINVAL;
	}
	size_t hl = strcspn(p, ":/?");
	if (hl == 0 || hl >= sizeof(c->host)) {
		core_errf(err, errlen, "websocket url '%s': no host", url);
		return -EINVAL;
	}
	memcpy(c->host, p, hl);
	c->host[hl] = 0;
	p += hl;
	snprintf(c->port, sizeof(c->port), "%s", c->tls ? "443" : "80");
	if (*p == ':') {
		size_t pl = strspn(p + 1, "0123456789");
		if (pl == 0 || pl > 5 || atoi(p + 1) > 65535 || atoi(p + 1) == 0) {
			core_errf(err, errlen, "websocket url '%s': bad port", url);
			return -EINVAL;
		}
		memcpy(c->port, p + 1, pl);
		c->port[pl] = 0;
		p += 1 + pl;
	}
	if (*p && *p != '/' && *p != '?') {
		core_errf(err, errlen, "websocket url '%s': junk after the host", url);
		return -EINVAL;
	}
	int n = snprintf(c->path, sizeof(c->path), "%s%s", *p == '?' ? "/" : "", *p ? p : "/");
	if (n >= (int)sizeof(c->path) || strpbrk(c->path, " \r\n")) {
		core_errf(err, errlen, "websocket url '%s': path too long or with spaces", url);
		return -EINVAL;
	}
	return 0;
}

int feeds_ws_client_create(const struct feeds_ws_client_cfg *cfg, struct feeds_ws_client **ret,
			   char *err, size_t errlen)
{
	struct feeds_ws_client *c = calloc(1, sizeof(*c));
	if (!c) {
		core_errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->cfg = *cfg;
	c->fd = -1;
	if (!c->cfg.reconnect_min_ns)
		c->cfg.reconnect_min_ns = 100 * NS_PER_MS;
	if (!c->cfg.reconnect_max_ns)
		c->cfg.reconnect_max_ns = 10000 * NS_PER_MS;
	if (!c->cfg.timeout_ns)
		c->cfg.timeout_ns = 10000 * NS_PER_MS;
	if (!c->cfg.ping_ns)
		c->cfg.ping_ns = 20000 * NS_PER_MS;
	if (!c->cfg.max_message)
		c->cfg.max_message = 16u << 20;
	int r = cfg->url ? parse_url(c, cfg->url, err, errlen) : -EINVAL;
	if (!cfg->url)
		core_errf(err, errlen, "websocket: no url");
	if (r < 0)
		goto fail;
	c->subs = calloc(cfg->nsubscribe + 1, sizeof(*c->subs));
	for (unsigned i = 0; c->subs && i < cfg->nsubscribe; i++)
		if (!(c->subs[i] = strdup(cfg->subscribe[i])))
			goto nomem;
	if (!c->subs)
		goto nomem;
	c->cfg.subscribe = NULL;
	if (c->tls) {
		c->ctx = SSL_CTX_new(TLS_client_method());
		if (!c->ctx)
			goto nomem;
		SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
		SSL_CTX_set_mode(c->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
						 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
		if (!cfg->insecure) {
			SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
			int ok = cfg->ca_file ? SSL_CTX_load_verify_locations(c->ctx, cfg->ca_file, NULL)
					      : SSL_CTX_set_default_verify_paths(c->ctx);
			if (ok != 1) {
				char e[160];
				ERR_error_string_n(ERR_get_error(), e, sizeof(e));
				core_errf(err, errlen, "websocket: CA %s: %s",
					  cfg->ca_file ? cfg->ca_file : "(system)", e);
				r = -EINVAL;
				goto fail;
			}
		}
	}
	c->state = S_WAIT;
	c->due_ns = 0;
	c->backoff_ns = c->cfg.reconnect_min_ns;
	*ret = c;
	return 0;
nomem:
	core_errf(err, errlen, "out of memory");
	r = -ENOMEM;
fail:
	feeds_ws_client_destroy(c);
	return r;
}

static void drop_link(struct feeds_ws_client *c)
{
	if (c->ssl) {
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->rx_len = c->rx_used = c->tx_len = c->msg_len = 0;
	c->in_msg = false;
}

struct feeds_ws_client *feeds_ws_client_destroy(struct feeds_ws_client *c)
{
	if (!c)
		return NULL;
	drop_link(c);
	if (c->ctx)
		SSL_CTX_free(c->ctx);
	for (unsigned i = 0; c->subs && i < c->cfg.nsubscribe; i++)
		free(c->subs[i]);
	free(c->subs);
	free(c->rx);
	free(c->tx);
	free(c->msg);
	free(c);
	return NULL;
}

void feeds_ws_client_stats(const struct feeds_ws_client *c, struct feeds_ws_client_stats *ret)
{
	*ret = c->st;
}

/* The link is lost: report it once, then wait the back-off. */
static void lost(struct feeds_ws_client *c, uint64_t now, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void lost(struct feeds_ws_client *c, uint64_t now, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->down, sizeof(c->down), fmt, ap);
	va_end(ap);
	snprintf(c->st.last_down, sizeof(c->st.last_down), "%s", c->down);
	bool was_open = c->state == S_OPEN || c->state == S_CLOSING;
	drop_link(c);
	c->st.downs++;
	c->report_down = true;
	if (!was_open)
		c->failures++;
	c->state = S_WAIT;
	c->due_ns = now + c->backoff_ns;
	c->backoff_ns = c->backoff_ns * 2 < c->cfg.reconnect_max_ns ? c->backoff_ns * 2
								  : c->cfg.reconnect_max_ns;
}

static const char *ssl_reason(void)
{
	static __thread char b[160];
	unsigned long e = ERR_get_error();
	if (!e)
		return "connection closed";
	if (ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
		ERR_clear_error();
		return "the server dropped the connection (no TLS close)";
	}
	ERR_error_string_n(e, b, sizeof(b));
	ERR_clear_error();
	return b;
}

/* ------------------------------------------------------------------------- */
/* Bytes in and out: TLS or not. n > 0, 0 (would block), or -1 (lost: why
 * in *why). */

/*
 * OpenSSL writes to the socket with write(2): to a peer that has hung up,
 * that raises SIGPIPE, whose default ends the process (a library must not
 * change the disposition). So the calls that write run with SIGPIPE blocked
 * for this thread, and a SIGPIPE they raised is taken back before the mask
 * is restored (one that was already pending is left alone): the failure
 * comes back as EPIPE and the link is lost, reported, reconnected. (SSL_read
 * writes only to answer a TLS 1.3 KeyUpdate; it is left unwrapped, off the
 * per-message path's extra syscalls.)
 */
struct nopipe {
	sigset_t old;
	bool was_pending;
};

static void nopipe_begin(struct nopipe *np)
{
	sigset_t pipe, pend;
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	sigpending(&pend);
	np->was_pending = sigismember(&pend, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, &np->old);
}

static void nopipe_end(struct nopipe *np)
{
	sigset_t pipe, pend;
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	if (!np->was_pending && sigpending(&pend) == 0 && sigismember(&pend, SIGPIPE)) {
		struct timespec zero = { 0, 0 };
		while (sigtimedwait(&pipe, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &np->old, NULL);
}

/* What SSL_read / SSL_write's result k means, as io_read / io_write say it. */
static ssize_t ssl_outcome(struct feeds_ws_client *c, int k, const char **why)
{
	if (k > 0)
		return k;
	int e = SSL_get_error(c->ssl, k);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	*why = e == SSL_ERROR_ZERO_RETURN             ? "the server closed TLS"
	       : e == SSL_ERROR_SYSCALL && errno != 0 ? strerror(errno)
						      : ssl_reason();
	return -1;
}

static ssize_t io_read(struct feeds_ws_client *c, void *p, size_t n, const char **why)
{
	if (!c->ssl) {
		ssize_t k = recv(c->fd, p, n, MSG_DONTWAIT);
		if (k > 0)
			return k;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return 0;
		*why = k == 0 ? "the server closed the connection" : strerror(errno);
		return -1;
	}
	ERR_clear_error();
	return ssl_outcome(c, SSL_read(c->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n), why);
}

static ssize_t io_write(struct feeds_ws_client *c, const void *p, size_t n, const char **why)
{
	if (!c->ssl) {
		ssize_t k = send(c->fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (k >= 0)
			return k;
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		*why = strerror(errno);
		return -1;
	}
	ERR_clear_error();
	struct nopipe np;
	nopipe_begin(&np);
	int k = SSL_write(c->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
	int e = errno;
	nopipe_end(&np);
	errno = e;
	return ssl_outcome(c, k, why);
}

static int flush(struct feeds_ws_client *c, uint64_t now)
{
	size_t off = 0;
	while (off < c->tx_len) {
		const char *why = "";
		ssize_t k = io_write(c, c->tx + off, c->tx_len - off, &why);
		if (k < 0) {
			lost(c, now, "write: %s", why);
			return -1;
		}
		if (k == 0)
			break;
		off += (size_t)k;
	}
	memmove(c->tx, c->tx + off, c->tx_len - off);
	c->tx_len -= off;
	return 0;
}

/* ------------------------------------------------------------------------- */
/* Connecting */

static void start(struct feeds_ws_client *c, uint64_t now)
{
	if (c->cfg.max_reconnects && c->failures >= c->cfg.max_reconnects) {
		c->state = S_ENDED;
		return;
	}
	c->st.connects++;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai;
	int g = getaddrinfo(c->host, c->port, &hints, &ai);
	if (g) {
		lost(c, now, "%s:%s: %s", c->host, c->port, gai_strerror(g));
		return;
	}
	c->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int r = c->fd < 0 ? -1 : connect(c->fd, ai->ai_addr, ai->ai_addrlen);
	int e = errno;
	freeaddrinfo(ai);
	if (c->fd < 0 || (r < 0 && e != EINPROGRESS)) {
		lost(c, now, "connect %s:%s: %s", c->host, c->port, strerror(e));
		return;
	}
	int one = 1;
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->state = S_TCP;
	c->due_ns = now + c->cfg.timeout_ns;
}

static void send_upgrade(struct feeds_ws_client *c, uint64_t now)
{
	unsigned char nonce[16];
	if (RAND_bytes(nonce, sizeof(nonce)) != 1) {
		lost(c, now, "no random bytes for the key");
		return;
	}
	EVP_EncodeBlock((unsigned char *)c->key, nonce, sizeof(nonce));
	bool default_port = !strcmp(c->port, c->tls ? "443" : "80");
	char req[2600];
	int n = snprintf(req, sizeof(req),
			 "GET %s HTTP/1.1\r\nHost: %s%s%s\r\nUpgrade: websocket\r\n"
			 "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
			 "Sec-WebSocket-Version: 13\r\nUser-Agent: osprey\r\n\r\n",
			 c->path, c->host, default_port ? "" : ":", default_port ? "" : c->port,
			 c->key);
	if (n >= (int)sizeof(req) || queue(c, req, (size_t)n) < 0) {
		lost(c, now, "out of memory");
		return;
	}
	c->state = S_UPGRADE;
}

static void tls_step(struct feeds_ws_client *c, uint64_t now);

static void tcp_done(struct feeds_ws_client *c, uint64_t now)
{
	int e = 0;
	socklen_t l = sizeof(e);
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &l) < 0)
		e = errno;
	if (e) {
		lost(c, now, "connect %s:%s: %s", c->host, c->port, strerror(e));
		return;
	}
	if (!c->tls) {
		send_upgrade(c, now);
		return;
	}
	c->ssl = SSL_new(c->ctx);
	if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1 ||
	    SSL_set_tlsext_host_name(c->ssl, c->host) != 1 ||
	    (!c->cfg.insecure && SSL_set1_host(c->ssl, c->host) != 1)) {
		lost(c, now, "TLS setup: %s", ssl_reason());
		return;
	}
	c->state = S_TLS;
	tls_step(c, now); /* the ClientHello: the server speaks only after it */
}

static void tls_step(struct feeds_ws_client *c, uint64_t now)
{
	ERR_clear_error();
	struct nopipe np;
	nopipe_begin(&np);
	int k = SSL_connect(c->ssl);
	int err = errno;
	nopipe_end(&np);
	errno = err;
	if (k == 1) {
		send_upgrade(c, now);
		return;
	}
	int e = SSL_get_error(c->ssl, k);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return;
	c->st.tls_failures++;
	long v = SSL_get_verify_result(c->ssl);
	if (v != X509_V_OK)
		lost(c, now, "TLS: certificate of %s not trusted: %s", c->host,
		     X509_verify_cert_error_string(v));
	else
		lost(c, now, "TLS handshake with %s:%s: %s", c->host, c->port,
		     e == SSL_ERROR_SYSCALL && errno ? strerror(errno) : ssl_reason());
}

/* The value of header name in the response head, or NULL. */
static const char *header(const char *head, const char *name, size_t *ret_len)
{
	size_t nl = strlen(name);
	for (const char *p = strstr(head, "\r\n"); p && p[2] != '\r'; p = strstr(p + 2, "\r\n")) {
		const char *h = p + 2;
		if (!strncasecmp(h, name, nl) && h[nl] == ':') {
			const char *v = h + nl + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			const char *e = strstr(v, "\r\n");
			while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			*ret_len = (size_t)(e - v);
			return v;
		}
	}
	return NULL;
}

static bool token_in(const char *v, size_t n, const char *token)
{
	size_t tl = strlen(token);
	for (size_t i = 0; i + tl <= n; i++)
		if (!strncasecmp(v + i, token, tl))
			return true;
	return false;
}

/* The 101 response is in rx[0, end): check it and open. */
static void upgraded(struct feeds_ws_client *c, size_t end, uint64_t now)
{
	char head[HDR_MAX + 1];
	memcpy(head, c->rx, end);
	head[end] = 0;
	if (strncmp(head, "HTTP/1.1 101", 12)) {
		size_t l = strcspn(head, "\r\n");
		lost(c, now, "upgrade refused: %.*s", (int)(l > 120 ? 120 : l), head);
		return;
	}
	size_t n;
	const char *v = header(head, "Upgrade", &n);
	if (!v || !token_in(v, n, "websocket")) {
		lost(c, now, "upgrade: no 'Upgrade: websocket' in the 101 response");
		return;
	}
	v = header(head, "Connection", &n);
	if (!v || !token_in(v, n, "upgrade")) {
		lost(c, now, "upgrade: no 'Connection: Upgrade' in the 101 response");
		return;
	}
	unsigned char sha[SHA_DIGEST_LENGTH];
	char in[96], want[64];
	snprintf(in, sizeof(in), "%s%s", c->key, WS_GUID);
	SHA1((const unsigned char *)in, strlen(in), sha);
	EVP_EncodeBlock((unsigned char *)want, sha, sizeof(sha));
	v = header(head, "Sec-WebSocket-Accept", &n);
	if (!v || n != strlen(want) || memcmp(v, want, n)) {
		lost(c, now, "upgrade: Sec-WebSocket-Accept %s%.*s%s does not answer our key",
		     v ? "'" : "", v ? (int)n : 7, v ? v : "missing", v ? "'" : "");
		return;
	}
	if (header(head, "Sec-WebSocket-Extensions", &n)) {
		lost(c, now, "upgrade: the server chose an extension we did not offer");
		return;
	}
	memmove(c->rx, c->rx + end, c->rx_len - end); /* frames already sent */
	c->rx_len -= end;
	c->rx_used = 0;
	for (unsigned i = 0; i < c->cfg.nsubscribe; i++)
		if (queue_frame(c, FEEDS_WS_TEXT, c->subs[i], strlen(c->subs[i])) < 0) {
			lost(c, now, "out of memory");
			return;
		}
	c->state = S_OPEN;
	c->failures = 0;
	c->backoff_ns = c->cfg.reconnect_min_ns;
	c->last_rx_ns = now;
	c->ping_sent_ns = 0;
	c->st.opens++;
	c->report_open = true;
}

/* ------------------------------------------------------------------------- */
/* Reading */

/* Read what is there into rx. 1: something new, 0: nothing, -1: lost. */
static int fill(struct feeds_ws_client *c, uint64_t now)
{
	int got = 0;
	for (int k = 0; k < 64; k++) {
		if (reserve(&c->rx, &c->rx_cap, c->rx_len + 16384) < 0) {
			lost(c, now, "out of memory");
			return -1;
		}
		const char *why = "";
		ssize_t n = io_read(c, c->rx + c->rx_len, c->rx_cap - c->rx_len, &why);
		if (n < 0 && got)
			return 1; /* what came before the end first (a Close frame, say) */
		if (n < 0 && c->state == S_CLOSING) {
			drop_link(c); /* the server closed after (or instead of) its Close */
			c->state = S_ENDED;
			return -1;
		}
		if (n < 0) {
			lost(c, now, "read: %s", why);
			return -1;
		}
		if (n == 0)
			break;
		c->rx_len += (size_t)n;
		c->last_rx_ns = now;
		c->ping_sent_ns = 0;
		got = 1;
		if (c->state == S_UPGRADE)
			break;
	}
	return got;
}

/* Frames in rx from rx_used: 1 with a message in *ev, 0 when more bytes
 * are needed, -1 lost. */
static int frames(struct feeds_ws_client *c, uint64_t now, struct feeds_ws_event *ev)
{
	for (;;) {
		struct feeds_ws_frame f;
		char why[160];
		size_t at = c->rx_used;
		int r = feeds_ws_frame_next(c->rx, c->rx_len, &c->rx_used, true, c->cfg.max_message, &f,
					    why, sizeof(why));
		if (r == CORE_EOF || r == FEEDS_WS_PARTIAL) {
			if (r == FEEDS_WS_PARTIAL && c->rx_len - at > c->cfg.max_message + FEEDS_WS_MAX_HDR) {
				lost(c, now, "a frame larger than the limit");
				return -1;
			}
			return 0;
		}
		if (r < 0) {
			c->st.bad_frames++;
			lost(c, now, "bad frame from the server: %s", why);
			return -1;
		}
		c->st.frames++;
		switch (f.op) {
		case FEEDS_WS_PING:
			c->st.pings_received++;
			if (queue_frame(c, FEEDS_WS_PONG, f.payload, (size_t)f.len) == 0)
				c->st.pongs_sent++;
			continue;
		case FEEDS_WS_PONG:
			c->st.pongs_received++;
			continue;
		case FEEDS_WS_CLOSE: {
			c->st.closes_received++;
			const char *reason;
			size_t rl;
			unsigned code = feeds_ws_close_code(&f, &reason, &rl);
			if (c->state == S_CLOSING) {
				drop_link(c);
				c->state = S_ENDED;
				return 0;
			}
			unsigned char echo[2] = { (uint8_t)(code >> 8), (uint8_t)code };
			(void)queue_frame(c, FEEDS_WS_CLOSE, echo, code == 1005 ? 0 : 2);
			(void)flush(c, now);
			lost(c, now, "the server closed the WebSocket (%u%s%.*s)", code, rl ? ": " : "",
			     (int)(rl > 100 ? 100 : rl), reason);
			return -1;
		}
		default:
			break;
		}
		bool start = f.op != FEEDS_WS_CONT;
		if (start == c->in_msg) {
			c->st.bad_frames++;
			lost(c, now, "bad frame from the server: %s",
			     start ? "a new message inside a fragmented one"
				   : "a continuation with no message to continue");
			return -1;
		}
		if (start && f.fin) { /* whole: hand out in place */
			ev->kind = FEEDS_WS_EV_MESSAGE;
			ev->binary = f.op == FEEDS_WS_BINARY;
			ev->data = (const char *)f.payload;
			ev->len = (size_t)f.len;
			ev->recv_ns = now;
			c->st.messages++;
			c->st.bytes += f.len;
			return 1;
		}
		c->st.fragments++;
		if (start) {
			c->in_msg = true;
			c->msg_binary = f.op == FEEDS_WS_BINARY;
			c->msg_len = 0;
		}
		if (c->msg_len + f.len > c->cfg.max_message) {
			lost(c, now, "a fragmented message larger than the limit");
			return -1;
		}
		if (reserve(&c->msg, &c->msg_cap, c->msg_len + (size_t)f.len + 1) < 0) {
			lost(c, now, "out of memory");
			return -1;
		}
		memcpy(c->msg + c->msg_len, f.payload, (size_t)f.len);
		c->msg_len += (size_t)f.len;
		if (f.fin) {
			c->in_msg = false;
			ev->kind = FEEDS_WS_EV_MESSAGE;
			ev->binary = c->msg_binary;
			ev->data = (const char *)c->msg;
			ev->len = c->msg_len;
			ev->recv_ns = now;
			c->st.messages++;
			c->st.bytes += c->msg_len;
			return 1;
		}
	}
}

/* ------------------------------------------------------------------------- */
/* The poll */

static int ended(struct feeds_ws_client *c, char *err, size_t errlen)
{
	if (c->cfg.max_reconnects && c->failures >= c->cfg.max_reconnects) {
		core_errf(err, errlen, "websocket %s: %u attempts failed, the last: %s", c->cfg.url,
			  c->failures, c->st.last_down);
		return -ECONNREFUSED;
	}
	core_errf(err, errlen, "websocket %s: closed", c->cfg.url);
	return -ESHUTDOWN;
}

int feeds_ws_client_poll(struct feeds_ws_client *c, uint64_t wait_ns, struct feeds_ws_event *ev,
			 char *err, size_t errlen)
{
	uint64_t now = core_now_ns(), until = now + wait_ns;
	bool looked = false; /* at the socket, in this call */
	/* what the last message pointed at is given up now */
	if (c->rx_used) {
		memmove(c->rx, c->rx + c->rx_used, c->rx_len - c->rx_used);
		c->rx_len -= c->rx_used;
		c->rx_used = 0;
	}
	for (;;) {
		if (c->report_down) {
			c->report_down = false;
			*ev = (struct feeds_ws_event){ .kind = FEEDS_WS_EV_DOWN, .data = c->down,
						       .len = strlen(c->down), .recv_ns = now };
			return 1;
		}
		if (c->report_open) {
			c->report_open = false;
			if (c->state == S_OPEN) {
				(void)flush(c, now); /* the subscriptions */
				*ev = (struct feeds_ws_event){ .kind = FEEDS_WS_EV_OPEN, .recv_ns = now };
				return 1;
			}
		}
		switch (c->state) {
		case S_ENDED:
			return ended(c, err, errlen);
		case S_WAIT:
			if (now >= c->due_ns) {
				start(c, now);
				continue;
			}
			break;
		case S_TCP:
		case S_TLS:
		case S_UPGRADE:
			if (now >= c->due_ns) {
				lost(c, now, "%s:%s: no WebSocket within %llu ms (%s)", c->host, c->port,
				     (unsigned long long)(c->cfg.timeout_ns / NS_PER_MS),
				     c->state == S_TCP ? "connecting" : c->state == S_TLS ? "TLS handshake"
											  : "upgrade");
				continue;
			}
			break;
		case S_OPEN:
		case S_CLOSING: {
			int r = frames(c, now, ev);
			if (r > 0)
				return 1;
			if (r < 0 || c->state == S_ENDED)
				continue; /* the DOWN, or the end, at the top */
			if (c->state == S_CLOSING && now - c->ping_sent_ns >= c->cfg.timeout_ns) {
				drop_link(c); /* no Close came back: ours is done anyway */
				c->state = S_ENDED;
				continue;
			}
			uint64_t quiet = now - c->last_rx_ns;
			if (c->ping_sent_ns && now - c->ping_sent_ns >= c->cfg.timeout_ns) {
				lost(c, now, "no answer to our Ping within %llu ms",
				     (unsigned long long)(c->cfg.timeout_ns / NS_PER_MS));
				continue;
			}
			if (!c->ping_sent_ns && quiet >= c->cfg.ping_ns && c->state == S_OPEN) {
				if (queue_frame(c, FEEDS_WS_PING, "osprey", 6) == 0) {
					c->ping_sent_ns = now;
					c->st.pings_sent++;
				}
			}
			break;
		}
		}
		if (c->tx_len && c->fd >= 0 && c->state != S_TCP && c->state != S_TLS &&
		    flush(c, now) < 0)
			continue;
		/* wait for the socket or the next deadline */
		uint64_t deadline = until;
		if (c->state == S_WAIT && c->due_ns < deadline)
			deadline = c->due_ns;
		if (c->state >= S_TCP && c->state <= S_UPGRADE && c->due_ns < deadline)
			deadline = c->due_ns;
		if (c->state == S_OPEN || c->state == S_CLOSING) {
			uint64_t t = c->ping_sent_ns ? c->ping_sent_ns + c->cfg.timeout_ns
						     : c->last_rx_ns + c->cfg.ping_ns;
			if (t < deadline)
				deadline = t;
		}
		bool pending = c->ssl && SSL_pending(c->ssl) > 0;
		if (!pending) {
			if (now >= until && looked)
				return 0; /* (a poll with no time left still looks once) */
			looked = true;
			int ms = deadline > now ? (int)((deadline - now + NS_PER_MS - 1) / NS_PER_MS) : 0;
			if (c->fd >= 0) {
				short events = POLLIN;
				if (c->state == S_TCP || c->tx_len)
					events |= POLLOUT;
				if (c->state == S_TLS)
					events = SSL_want_write(c->ssl) ? POLLOUT : POLLIN;
				struct pollfd p = { .fd = c->fd, .events = events };
				int pr = poll(&p, 1, ms);
				if (pr < 0 && errno != EINTR) {
					core_errf(err, errlen, "poll: %s", strerror(errno));
					return -errno;
				}
				now = core_now_ns();
				if (pr <= 0) {
					if (now >= until)
						return 0;
					continue;
				}
			} else {
				if (ms)
					usleep((useconds_t)(ms * 1000 > 100000 ? 100000 : ms * 1000));
				now = core_now_ns();
				continue;
			}
		}
		switch (c->state) {
		case S_TCP:
			tcp_done(c, now);
			break;
		case S_TLS:
			tls_step(c, now);
			break;
		case S_UPGRADE: {
			if (fill(c, now) < 0)
				break;
			unsigned char *e = memmem(c->rx, c->rx_len, "\r\n\r\n", 4);
			if (e)
				upgraded(c, (size_t)(e - c->rx) + 4, now);
			else if (c->rx_len > HDR_MAX)
				lost(c, now, "upgrade: a response head above %d bytes", HDR_MAX);
			break;
		}
		case S_OPEN:
		case S_CLOSING:
			(void)fill(c, now);
			break;
		default:
			break;
		}
		now = core_now_ns();
	}
}

int feeds_ws_client_send(struct feeds_ws_client *c, const char *text, size_t n)
{
	if (c->state != S_OPEN)
		return -ENOTCONN;
	return queue_frame(c, FEEDS_WS_TEXT, text, n);
}

void feeds_ws_client_close(struct feeds_ws_client *c)
{
	if (c->state != S_OPEN) {
		drop_link(c);
		c->state = S_ENDED;
		c->report_down = false;
		return;
	}
	static const unsigned char normal[2] = { 0x03, 0xe8 }; /* 1000 */
	(void)queue_frame(c, FEEDS_WS_CLOSE, normal, 2);
	c->state = S_CLOSING;
	c->ping_sent_ns = core_now_ns(); /* the answer's deadline */
}
