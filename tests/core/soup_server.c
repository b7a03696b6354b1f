/* soup_server.c - see soup_server.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core.h"
#include "soup_server.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct conn {
	int fd;
	unsigned char in[4096];
	size_t inlen;
	bool logged_in, logout, closed;
	uint64_t last_send;
};

static int send_all(struct soup_server *s, struct conn *c, const unsigned char *p, size_t n)
{
	(void)s;
	while (n) {
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			c->closed = true;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	c->last_send = mono_ns();
	return 0;
}

/* Read what the client sent within timeout_ms and handle R, O and L.
 * Returns a decoded Login Request in *login (when want_login). */
static void client_input(struct soup_server *s, struct conn *c, int timeout_ms,
			 struct core_soup_pkt *login, bool *got_login)
{
	struct pollfd pf = { .fd = c->fd, .events = POLLIN };
	if (poll(&pf, 1, timeout_ms) <= 0)
		return;
	ssize_t n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, MSG_DONTWAIT);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			c->closed = true;
		return;
	}
	c->inlen += (size_t)n;
	size_t off = 0;
	for (;;) {
		struct core_soup_pkt k;
		char err[160];
		int r = core_soup_next(c->in, c->inlen, &off, CORE_SOUP_FROM_CLIENT, &k, err,
					sizeof(err));
		if (r == CORE_EOF || r == CORE_SOUP_PARTIAL)
			break;
		if (r < 0) {
			s->bad_packets++;
			snprintf(s->fail, sizeof(s->fail), "client sent: %s", err);
			c->closed = true;
			return;
		}
		if (k.type == 'R')
			s->hb_received++;
		else if (k.type == 'O') {
			s->logouts++;
			c->logout = true;
		} else if (k.type == 'L' && login) {
			*login = k;
			*got_login = true;
		}
	}
	memmove(c->in, c->in + off, c->inlen - off);
	c->inlen -= off;
}

static void heartbeat_if_due(struct soup_server *s, struct conn *c)
{
	uint64_t hb = s->cfg.hb_ns ? s->cfg.hb_ns : 1000000000ull;
	if (mono_ns() - c->last_send >= hb) {
		unsigned char p[3];
		int n = core_soup_put(p, sizeof(p), 'H', NULL, 0);
		if (send_all(s, c, p, (size_t)n) == 0)
			s->hb_sent++;
	}
}

static void serve(struct soup_server *s, int fd, unsigned conn_no)
{
	struct conn c = { .fd = fd, .last_send = mono_ns() };
	struct core_soup_pkt login;
	bool got = false;
	uint64_t t_end = mono_ns() + 5000000000ull;
	while (!got && !c.closed && mono_ns() < t_end && !atomic_load(&s->stop))
		client_input(s, &c, 50, &login, &got);
	if (!got)
		return;
	struct soup_login *l = &s->logins[s->nlogins < SOUP_SERVER_MAX_LOGINS ? s->nlogins++
									  : s->nlogins - 1];
	memcpy(l->user, login.username, sizeof(l->user));
	memcpy(l->pass, login.password, sizeof(l->pass));
	memcpy(l->session, login.session, sizeof(l->session));
	l->seq = login.seq;
	unsigned char p[CORE_SOUP_MAX_PAYLOAD + 3];
	int n;
	if (s->cfg.reject_all || strcmp(login.username, s->cfg.user) ||
	    strcmp(login.password, s->cfg.pass)) {
		n = core_soup_put_rejected(p, sizeof(p), 'A');
		send_all(s, &c, p, (size_t)n);
		return;
	}
	if (login.session[0] && strcmp(login.session, s->cfg.session)) {
		n = core_soup_put_rejected(p, sizeof(p), 'S');
		send_all(s, &c, p, (size_t)n);
		return;
	}
	l->ok = true;
	int64_t seq = (int64_t)(login.seq ? login.seq : 1);
	if (conn_no > 0)
		seq += s->cfg.resume_shift;
	if (seq < 1)
		seq = 1;
	n = core_soup_put_accepted(p, sizeof(p), s->cfg.session, (uint64_t)seq);
	if (send_all(s, &c, p, (size_t)n) < 0)
		return;
	uint64_t sent_here = 0;
	static unsigned char batch[1 << 16];
	size_t blen = 0;
	for (uint64_t i = (uint64_t)seq - 1; i < s->nmsgs && !c.closed && !atomic_load(&s->stop);
	     i++) {
		const unsigned char *f = s->cfg.msgs + s->offs[i];
		unsigned mlen = core_be16(f);
		if (blen + 3 + mlen > sizeof(batch)) {
			send_all(s, &c, batch, blen);
			blen = 0;
			client_input(s, &c, 0, NULL, NULL);
		}
		n = core_soup_put(batch + blen, sizeof(batch) - blen, 'S', f + 2, mlen);
		blen += (size_t)n;
		s->s_sent++;
		sent_here++;
		if (conn_no == 0 && s->cfg.drop_after && sent_here == s->cfg.drop_after) {
			send_all(s, &c, batch, blen);
			return; /* drop the link mid-stream */
		}
		if (conn_no == 0 && s->cfg.pause_after && sent_here == s->cfg.pause_after) {
			send_all(s, &c, batch, blen);
			blen = 0;
			uint64_t until = mono_ns() + s->cfg.pause_ns;
			while (mono_ns() < until && !c.closed && !atomic_load(&s->stop)) {
				if (!s->cfg.pause_silent)
					heartbeat_if_due(s, &c);
				client_input(s, &c, 10, NULL, NULL);
			}
			if (s->cfg.pause_silent)
				return; /* a dead server: the client must have timed out */
		}
	}
	if (blen)
		send_all(s, &c, batch, blen);
	if (s->cfg.end_session && !c.closed) {
		n = core_soup_put(p, sizeof(p), 'Z', NULL, 0);
		send_all(s, &c, p, (size_t)n);
	}
	/* Idle: heartbeats until the client logs out or leaves. */
	while (!c.closed && !c.logout && !atomic_load(&s->stop)) {
		heartbeat_if_due(s, &c);
		client_input(s, &c, 10, NULL, NULL);
	}
}

static void *server_main(void *arg)
{
	struct soup_server *s = arg;
	while (!atomic_load(&s->stop)) {
		struct pollfd pf = { .fd = s->lfd, .events = POLLIN };
		if (poll(&pf, 1, 20) <= 0)
			continue;
		int fd = accept(s->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		serve(s, fd, s->nconns++);
		close(fd);
	}
	return NULL;
}

int soup_server_start(struct soup_server *s, const struct soup_server_cfg *cfg)
{
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	size_t off = 0;
	uint64_t n = 0;
	while (off + 2 <= cfg->msgs_len) {
		off += 2 + core_be16(cfg->msgs + off);
		n++;
	}
	s->offs = malloc((n ? n : 1) * sizeof(*s->offs));
	if (!s->offs)
		return -ENOMEM;
	off = 0;
	for (uint64_t i = 0; i < n; i++) {
		s->offs[i] = off;
		off += 2 + core_be16(cfg->msgs + off);
	}
	s->nmsgs = n;
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		return -errno;
	int one = 1;
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(cfg->port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	if (bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s->lfd, 4) < 0 ||
	    getsockname(s->lfd, (struct sockaddr *)&sa, &sl) < 0) {
		int e = -errno;
		close(s->lfd);
		return e;
	}
	s->port = ntohs(sa.sin_port);
	int r = pthread_create(&s->th, NULL, server_main, s);
	if (r) {
		close(s->lfd);
		return -r;
	}
	return 0;
}

void soup_server_stop(struct soup_server *s)
{
	atomic_store(&s->stop, true);
	pthread_join(s->th, NULL);
	close(s->lfd);
	free(s->offs);
	s->offs = NULL;
}
