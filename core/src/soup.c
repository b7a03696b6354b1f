/* soup.c - SoupBinTCP 3.0: packet codec and a non-blocking session client
 * (core.h, last section). Used by the feed stage's live source and by the
 * order-entry gateway. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core.h"

/* ------------------------------------------------------------------------- */
/* Codec */

static bool type_ok(int dir, uint8_t t, unsigned *fixed)
{
	*fixed = 0;
	if (dir == CORE_SOUP_FROM_SERVER) {
		switch (t) {
		case 'A': *fixed = 31; return true;
		case 'J': *fixed = 2; return true;
		case 'H':
		case 'Z': *fixed = 1; return true;
		case 'S':
		case 'U':
		case '+': return true;
		default: return false;
		}
	}
	switch (t) {
	case 'L': *fixed = 47; return true;
	case 'R':
	case 'O': *fixed = 1; return true;
	case 'U':
	case '+': return true;
	default: return false;
	}
}

static const char *tname(uint8_t t)
{
	switch (t) {
	case 'A': return "Login Accepted";
	case 'J': return "Login Rejected";
	case 'H': return "Server Heartbeat";
	case 'Z': return "End of Session";
	case 'S': return "Sequenced Data";
	case 'U': return "Unsequenced Data";
	case '+': return "Debug";
	case 'L': return "Login Request";
	case 'R': return "Client Heartbeat";
	case 'O': return "Logout Request";
	default: return "unknown";
	}
}

/* An alpha field: printable ASCII, spaces stripped at both ends. */
static bool alpha(const unsigned char *p, size_t n, char *out)
{
	size_t a = 0, b = n;
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return false;
	while (a < b && p[a] == ' ')
		a++;
	while (b > a && p[b - 1] == ' ')
		b--;
	memcpy(out, p + a, b - a);
	out[b - a] = '\0';
	return true;
}

/* A numeric field: spaces then digits (spaces after tolerated), not blank. */
static bool numeric(const unsigned char *p, size_t n, uint64_t *ret)
{
	size_t i = 0;
	while (i < n && p[i] == ' ')
		i++;
	if (i == n)
		return false;
	uint64_t v = 0;
	for (; i < n && p[i] != ' '; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		uint64_t d = p[i] - '0';
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	for (; i < n; i++)
		if (p[i] != ' ')
			return false;
	*ret = v;
	return true;
}

int core_soup_next(const unsigned char *buf, size_t len, size_t *off, int dir,
		    struct core_soup_pkt *ret, char *err, size_t errlen)
{
	size_t o = *off;
	if (o > len || (dir != CORE_SOUP_FROM_SERVER && dir != CORE_SOUP_FROM_CLIENT))
		return -EINVAL;
	if (o == len)
		return CORE_EOF;
	size_t rem = len - o;
	if (rem < 2)
		return CORE_SOUP_PARTIAL;
	unsigned plen = core_be16(buf + o);
	if (plen == 0) {
		core_errf(err, errlen, "offset %zu: packet length 0 (no type byte)", o);
		return -EBADMSG;
	}
	if (rem < 3)
		return CORE_SOUP_PARTIAL;
	uint8_t t = buf[o + 2];
	unsigned fixed;
	if (!type_ok(dir, t, &fixed)) {
		core_errf(err, errlen,
		          "offset %zu: packet type 0x%02x ('%c') is not sent by the %s", o, t,
		          t >= 0x20 && t < 0x7f ? t : '?',
		          dir == CORE_SOUP_FROM_SERVER ? "server" : "client");
		return -EBADMSG;
	}
	if (fixed && plen != fixed) {
		core_errf(err, errlen, "offset %zu: %s ('%c') with length %u (expected %u)", o,
		          tname(t), t, plen, fixed);
		return -EBADMSG;
	}
	if (rem < 2 + (size_t)plen)
		return CORE_SOUP_PARTIAL;
	const unsigned char *p = buf + o + 3;
	struct core_soup_pkt k;
	memset(&k, 0, sizeof(k));
	k.type = t;
	k.len = (uint16_t)(plen - 1);
	k.payload = p;
	const char *bad = NULL;
	switch (t) {
	case 'L':
		if (!alpha(p, 6, k.username))
			bad = "username";
		else if (!alpha(p + 6, 10, k.password))
			bad = "password";
		else if (!alpha(p + 16, 10, k.session))
			bad = "requested session";
		else if (!numeric(p + 26, 20, &k.seq))
			bad = "requested sequence number";
		break;
	case 'A':
		if (!alpha(p, 10, k.session))
			bad = "session";
		else if (!numeric(p + 10, 20, &k.seq))
			bad = "sequence number";
		break;
	case 'J':
		k.reject = (char)p[0];
		if (k.reject != 'A' && k.reject != 'S')
			bad = "reject reason code";
		break;
	default:
		break;
	}
	if (bad) {
		core_errf(err, errlen, "offset %zu: %s ('%c'): malformed %s", o, tname(t), t, bad);
		return -EBADMSG;
	}
	*ret = k;
	*off = o + 2 + plen;
	return 0;
}

int core_soup_put(unsigned char *buf, size_t cap, uint8_t type, const void *payload, size_t n)
{
	if (n > CORE_SOUP_MAX_PAYLOAD)
		return -EINVAL;
	if (cap < 3 + n)
		return -ENOSPC;
	core_put_be16(buf, (uint16_t)(n + 1));
	buf[2] = type;
	if (n)
		memcpy(buf + 3, payload, n);
	return (int)(3 + n);
}

static int pad(unsigned char *dst, size_t width, const char *s, bool left)
{
	size_t n = s ? strlen(s) : 0;
	if (n > width)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return -EINVAL; /* the decoder takes printable ASCII only */
	memset(dst, ' ', width);
	memcpy(dst + (left ? width - n : 0), s, n);
	return 0;
}

static void put_seq(unsigned char *dst, uint64_t seq)
{
	char tmp[24];
	snprintf(tmp, sizeof(tmp), "%20llu", (unsigned long long)seq);
	memcpy(dst, tmp, 20);
}

int core_soup_put_login(unsigned char *buf, size_t cap, const char *username,
			 const char *password, const char *session, uint64_t seq)
{
	unsigned char p[46];
	if (pad(p, 6, username, false) < 0 || pad(p + 6, 10, password, false) < 0 ||
	    pad(p + 16, 10, session, true) < 0)
		return -EINVAL;
	put_seq(p + 26, seq);
	return core_soup_put(buf, cap, 'L', p, sizeof(p));
}

int core_soup_put_accepted(unsigned char *buf, size_t cap, const char *session, uint64_t seq)
{
	unsigned char p[30];
	if (pad(p, 10, session, true) < 0)
		return -EINVAL;
	put_seq(p + 10, seq);
	return core_soup_put(buf, cap, 'A', p, sizeof(p));
}

int core_soup_put_rejected(unsigned char *buf, size_t cap, char code)
{
	if (code != 'A' && code != 'S')
		return -EINVAL;
	return core_soup_put(buf, cap, 'J', &code, 1);
}

int core_soup_put_unsequenced(unsigned char *buf, size_t cap, const void *payload, size_t n)
{
	return core_soup_put(buf, cap, 'U', payload, n);
}

int core_soup_put_sequenced(unsigned char *buf, size_t cap, const void *payload, size_t n)
{
	return core_soup_put(buf, cap, 'S', payload, n);
}

int core_soup_put_client_heartbeat(unsigned char *buf, size_t cap)
{
	return core_soup_put(buf, cap, 'R', NULL, 0);
}

int core_soup_put_logout(unsigned char *buf, size_t cap)
{
	return core_soup_put(buf, cap, 'O', NULL, 0);
}

int core_soup_put_server_heartbeat(unsigned char *buf, size_t cap)
{
	return core_soup_put(buf, cap, 'H', NULL, 0);
}

int core_soup_put_end_of_session(unsigned char *buf, size_t cap)
{
	return core_soup_put(buf, cap, 'Z', NULL, 0);
}

/* ------------------------------------------------------------------------- */
/* Client */

#define RBUF_CAP (2 * (CORE_SOUP_MAX_PAYLOAD + 3))
/* Room for the unsent rest of one packet plus a whole new one behind it. */
#define OBUF_CAP (2 * (CORE_SOUP_SEND_MAX + 3))
#define MAX_PEND 2 /* events waiting for the next poll: a gap after a login, a link lost in send */

struct core_soup_client {
	uint32_t ip;
	uint16_t port;
	char user[7], pass[11], session[11];
	uint64_t hb_ns, to_ns, cto_ns, rc_ns;
	unsigned max_rc;

	int fd;
	enum core_soup_state state;
	uint64_t next_seq; /* next message we want */
	uint64_t srv_seq;  /* number of the next S from the server */
	uint64_t last_send_ns, last_recv_ns, since_ns, retry_at_ns;
	unsigned failures;
	int fatal;
	unsigned npend;
	struct core_soup_event pend[MAX_PEND];

	unsigned char *rbuf;
	size_t rlen, roff;
	/* Bytes not yet taken by the kernel, in wire order: the rest of a packet
	 * the kernel took in part always goes out before anything else. */
	unsigned char obuf[OBUF_CAP];
	size_t olen;

	struct core_soup_client_stats st;
	char msg[256];
};

static void cl_close(struct core_soup_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->rlen = c->roff = 0;
	c->olen = 0; /* a packet cut in half dies with its connection */
}

static void cl_queue(struct core_soup_client *c, const struct core_soup_event *ev)
{
	if (c->npend < MAX_PEND)
		c->pend[c->npend++] = *ev;
}

static int cl_unqueue(struct core_soup_client *c, struct core_soup_event *ev)
{
	*ev = c->pend[0];
	for (unsigned i = 1; i < c->npend; i++)
		c->pend[i - 1] = c->pend[i];
	c->npend--;
	return 1;
}

/* The link failed: close and schedule a reconnect, queueing LINK_DOWN (0),
 * or give up (the error, now fatal). */
static int cl_lost(struct core_soup_client *c, uint64_t now, int error, const char *what)
{
	snprintf(c->msg, sizeof(c->msg), "%s: %s", what, strerror(-error));
	cl_close(c);
	c->st.link_downs++;
	if (error == -ETIMEDOUT)
		c->st.timeouts++;
	c->state = CORE_SOUP_DISCONNECTED;
	c->retry_at_ns = now + c->rc_ns;
	if (++c->failures > c->max_rc) {
		c->fatal = error;
		c->state = CORE_SOUP_ENDED;
		size_t n = strlen(c->msg);
		snprintf(c->msg + n, sizeof(c->msg) - n, " (gave up after %u attempts)",
			 c->failures);
		return error;
	}
	struct core_soup_event ev = { .kind = CORE_SOUP_EV_LINK_DOWN, .error = error,
				      .seq = c->next_seq };
	cl_queue(c, &ev);
	return 0;
}

/* cl_lost, then hand the event to the poll that saw it: 1 with *ev, or the fatal error. */
static int cl_down(struct core_soup_client *c, uint64_t now, int error, const char *what,
		   struct core_soup_event *ev)
{
	int r = cl_lost(c, now, error, what);
	return r < 0 ? r : cl_unqueue(c, ev);
}

static int cl_fail(struct core_soup_client *c, int error)
{
	cl_close(c);
	c->fatal = error;
	c->state = CORE_SOUP_ENDED;
	return error;
}

/* Drop the first w bytes of the send buffer (the kernel took them). */
static void cl_sent(struct core_soup_client *c, size_t w, uint64_t now)
{
	memmove(c->obuf, c->obuf + w, c->olen - w);
	c->olen -= w;
	c->st.bytes_sent += w;
	c->last_send_ns = now;
}

/* Queue a session packet and send what the buffer holds. 0 or -errno. */
static int cl_send(struct core_soup_client *c, const unsigned char *p, size_t n, uint64_t now)
{
	if (n > sizeof(c->obuf) - c->olen)
		return 0; /* a heartbeat while a send is pending: the pending bytes will do */
	if (n) {
		memcpy(c->obuf + c->olen, p, n);
		c->olen += n;
	}
	while (c->olen) {
		ssize_t w = send(c->fd, c->obuf, c->olen, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			return -errno;
		}
		cl_sent(c, (size_t)w, now);
	}
	return 0;
}

int core_soup_client_send(struct core_soup_client *c, const void *payload, size_t len,
			  uint64_t now_ns)
{
	if (c->fatal)
		return c->fatal;
	if (c->state != CORE_SOUP_ACTIVE)
		return CORE_SOUP_OFFLINE;
	if (len > CORE_SOUP_SEND_MAX)
		return -EMSGSIZE;
	size_t before = c->olen, n = len + 3;
	if (n > sizeof(c->obuf) - before) {
		c->st.send_busy++;
		return CORE_SOUP_BUSY;
	}
	unsigned char *p = c->obuf + before;
	core_put_be16(p, (uint16_t)(len + 1));
	p[2] = 'U';
	if (len)
		memcpy(p + 3, payload, len);
	c->olen = before + n;
	ssize_t w = send(c->fd, c->obuf, c->olen, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (w < 0) {
		int e = errno;
		c->olen = before; /* not ours to keep */
		if (e == EAGAIN || e == EWOULDBLOCK || e == EINTR) {
			c->st.send_busy++;
			return CORE_SOUP_BUSY;
		}
		int r = cl_lost(c, now_ns, -e, "send");
		return r < 0 ? r : -e;
	}
	if ((size_t)w <= before) {
		/* the kernel took only older bytes: withdraw this packet whole */
		c->olen = before;
		cl_sent(c, (size_t)w, now_ns);
		c->st.send_busy++;
		return CORE_SOUP_BUSY;
	}
	cl_sent(c, (size_t)w, now_ns);
	c->st.unseq_sent++;
	if (c->olen) {
		c->st.send_queued++;
		return CORE_SOUP_QUEUED;
	}
	return 0;
}

static int cl_connect(struct core_soup_client *c, uint64_t now, struct core_soup_event *ev)
{
	c->st.connects++;
	c->since_ns = now;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return cl_down(c, now, -errno, "socket", ev);
	int one = 1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(c->port),
				  .sin_addr.s_addr = htonl(c->ip) };
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS)
		return cl_down(c, now, -errno, "connect", ev);
	c->state = CORE_SOUP_CONNECTING;
	return 0;
}

static int cl_login(struct core_soup_client *c, uint64_t now, struct core_soup_event *ev)
{
	unsigned char p[64];
	int n = core_soup_put_login(p, sizeof(p), c->user, c->pass, c->session, c->next_seq);
	int r = cl_send(c, p, (size_t)n, now);
	if (r < 0)
		return cl_down(c, now, r, "send login", ev);
	c->state = CORE_SOUP_LOGIN_SENT;
	c->last_recv_ns = now;
	return 0;
}

/* Handle one decoded packet. 1 with *ev, 0, or a fatal error. */
static int cl_packet(struct core_soup_client *c, const struct core_soup_pkt *k,
		     struct core_soup_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	switch (k->type) {
	case 'A':
		if (c->state != CORE_SOUP_LOGIN_SENT) {
			snprintf(c->msg, sizeof(c->msg), "Login Accepted while already logged in");
			return cl_fail(c, -EBADMSG);
		}
		snprintf(c->session, sizeof(c->session), "%s", k->session);
		memcpy(c->st.session, c->session, sizeof(c->session));
		c->srv_seq = k->seq;
		c->state = CORE_SOUP_ACTIVE;
		c->failures = 0;
		c->st.logins++;
		ev->kind = CORE_SOUP_EV_LOGIN;
		ev->seq = k->seq;
		if (k->seq > c->next_seq) {
			/* The server cannot give what we asked for: report the hole. */
			struct core_soup_event gap = { .kind = CORE_SOUP_EV_GAP, .seq = c->next_seq,
						       .count = k->seq - c->next_seq };
			cl_queue(c, &gap);
			c->st.gaps++;
			c->st.lost += gap.count;
			c->next_seq = k->seq;
		}
		return 1;
	case 'J':
		snprintf(c->msg, sizeof(c->msg), "login rejected: %s",
			 k->reject == 'A' ? "not authorized ('A')" : "session not available ('S')");
		return cl_fail(c, k->reject == 'A' ? -EACCES : -ENOENT);
	case 'S':
		if (c->state != CORE_SOUP_ACTIVE && c->state != CORE_SOUP_LOGGING_OUT) {
			snprintf(c->msg, sizeof(c->msg), "Sequenced Data before Login Accepted");
			return cl_fail(c, -EBADMSG);
		}
		if (c->srv_seq++ < c->next_seq) {
			c->st.duplicates++;
			return 0;
		}
		ev->kind = CORE_SOUP_EV_DATA;
		ev->seq = c->next_seq++;
		ev->data = k->payload;
		ev->len = k->len;
		c->st.messages++;
		return 1;
	case 'H':
		c->st.hb_received++;
		return 0;
	case 'Z':
		cl_close(c);
		c->state = CORE_SOUP_ENDED;
		ev->kind = CORE_SOUP_EV_END;
		ev->seq = c->next_seq;
		return 1;
	case 'U':
		c->st.unseq_received++;
		ev->kind = CORE_SOUP_EV_UNSEQ;
		ev->data = k->payload;
		ev->len = k->len;
		return 1;
	default: /* '+' */
		c->st.debug_received++;
		return 0;
	}
}

/* Decode what is buffered, reading more when no whole packet is there. */
static int cl_read(struct core_soup_client *c, uint64_t now, struct core_soup_event *ev)
{
	for (int round = 0; round < 2; round++) {
		for (;;) {
			struct core_soup_pkt k;
			char e[160];
			int r = core_soup_next(c->rbuf, c->rlen, &c->roff, CORE_SOUP_FROM_SERVER, &k,
					       e, sizeof(e));
			if (r == CORE_EOF || r == CORE_SOUP_PARTIAL)
				break;
			if (r < 0) {
				snprintf(c->msg, sizeof(c->msg), "from the server: %s", e);
				return cl_fail(c, -EBADMSG);
			}
			r = cl_packet(c, &k, ev);
			if (r != 0)
				return r;
			if (c->state == CORE_SOUP_ENDED)
				return CORE_EOF;
		}
		if (round)
			break;
		/* Keep the partial packet, make room, read. */
		if (c->roff) {
			memmove(c->rbuf, c->rbuf + c->roff, c->rlen - c->roff);
			c->rlen -= c->roff;
			c->roff = 0;
		}
		ssize_t n = recv(c->fd, c->rbuf + c->rlen, RBUF_CAP - c->rlen, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return 0;
			return cl_down(c, now, -errno, "recv", ev);
		}
		if (n == 0) {
			if (c->state == CORE_SOUP_LOGGING_OUT) {
				cl_close(c);
				c->state = CORE_SOUP_ENDED;
				return CORE_EOF;
			}
			return cl_down(c, now, -ECONNRESET, "server closed the connection", ev);
		}
		c->rlen += (size_t)n;
		c->st.bytes_received += (uint64_t)n;
		c->last_recv_ns = now;
	}
	return 0;
}

int core_soup_client_poll(struct core_soup_client *c, uint64_t now, struct core_soup_event *ev)
{
	if (c->npend)
		return cl_unqueue(c, ev);
	if (c->fatal)
		return c->fatal;
	int r;
	switch (c->state) {
	case CORE_SOUP_ENDED:
		return CORE_EOF;
	case CORE_SOUP_DISCONNECTED:
		if (now < c->retry_at_ns)
			return 0;
		return cl_connect(c, now, ev);
	case CORE_SOUP_CONNECTING: {
		struct pollfd pf = { .fd = c->fd, .events = POLLOUT };
		if (poll(&pf, 1, 0) > 0) {
			int e = 0;
			socklen_t l = sizeof(e);
			getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &l);
			if (e)
				return cl_down(c, now, -e, "connect", ev);
			return cl_login(c, now, ev);
		}
		if (now - c->since_ns > c->cto_ns)
			return cl_down(c, now, -ETIMEDOUT, "connect", ev);
		return 0;
	}
	default:
		break;
	}
	/* LOGIN_SENT, ACTIVE, LOGGING_OUT */
	if (c->olen && (r = cl_send(c, NULL, 0, now)) < 0)
		return cl_down(c, now, r, "send", ev);
	r = cl_read(c, now, ev);
	if (r != 0)
		return r;
	if (c->state == CORE_SOUP_LOGIN_SENT && now - c->since_ns > c->cto_ns)
		return cl_down(c, now, -ETIMEDOUT, "no login answer", ev);
	if (c->state == CORE_SOUP_ACTIVE) {
		if (now - c->last_recv_ns > c->to_ns)
			return cl_down(c, now, -ETIMEDOUT, "server silent", ev);
		if (now - c->last_send_ns >= c->hb_ns) {
			unsigned char p[3];
			int n = core_soup_put_client_heartbeat(p, sizeof(p));
			if ((r = cl_send(c, p, (size_t)n, now)) < 0)
				return cl_down(c, now, r, "send heartbeat", ev);
			c->last_send_ns = now; /* also when queued behind a partial send */
			c->st.hb_sent++;
		}
	}
	return 0;
}

int core_soup_client_logout(struct core_soup_client *c, uint64_t now)
{
	if (c->state == CORE_SOUP_ACTIVE) {
		unsigned char p[3];
		int n = core_soup_put_logout(p, sizeof(p));
		int r = cl_send(c, p, (size_t)n, now);
		if (r < 0) {
			cl_close(c);
			c->state = CORE_SOUP_ENDED;
			return r;
		}
		c->state = CORE_SOUP_LOGGING_OUT;
		if (!c->olen)
			shutdown(c->fd, SHUT_WR); /* nothing more from us */
		return 0;
	}
	cl_close(c);
	c->state = CORE_SOUP_ENDED;
	return 0;
}

int core_soup_client_drop(struct core_soup_client *c, uint64_t now, const char *why)
{
	if (c->state != CORE_SOUP_CONNECTING && c->state != CORE_SOUP_LOGIN_SENT &&
	    c->state != CORE_SOUP_ACTIVE)
		return -ENOTCONN;
	int r = cl_lost(c, now, -EPROTO, why ? why : "dropped by the owner");
	return r < 0 ? r : 0;
}

int core_soup_client_create(const struct core_soup_client_cfg *cfg, struct core_soup_client **ret,
			    char *err, size_t errlen)
{
	if (!cfg || !cfg->addr) {
		core_errf(err, errlen, "soup client: addr is required");
		return -EINVAL;
	}
	uint32_t ip;
	uint16_t port;
	{
		char host[64];
		const char *colon = strrchr(cfg->addr, ':');
		struct in_addr ia;
		char *end;
		unsigned long p = colon ? strtoul(colon + 1, &end, 10) : 0;
		if (!colon || (size_t)(colon - cfg->addr) >= sizeof(host) || !colon[1] || *end ||
		    p == 0 || p > 65535) {
			core_errf(err, errlen, "soup client: addr '%s': expected A.B.C.D:PORT",
			          cfg->addr);
			return -EINVAL;
		}
		memcpy(host, cfg->addr, (size_t)(colon - cfg->addr));
		host[colon - cfg->addr] = '\0';
		if (inet_pton(AF_INET, host, &ia) != 1) {
			core_errf(err, errlen, "soup client: addr '%s': bad IPv4 address",
			          cfg->addr);
			return -EINVAL;
		}
		ip = ntohl(ia.s_addr);
		port = (uint16_t)p;
	}
	const char *user = cfg->username ? cfg->username : "";
	const char *pass = cfg->password ? cfg->password : "";
	const char *sess = cfg->session ? cfg->session : "";
	unsigned char probe[64];
	if (core_soup_put_login(probe, sizeof(probe), user, pass, sess, 1) < 0) {
		core_errf(err, errlen,
		          "soup client: username (max 6), password (max 10) or session (max 10) "
		          "too long or not printable ASCII");
		return -EINVAL;
	}
	struct core_soup_client *c = core_alloc(sizeof(*c), CORE_CACHE_LINE);
	if (!c)
		goto fail_nomem;
	c->rbuf = core_alloc(RBUF_CAP, CORE_CACHE_LINE);
	if (!c->rbuf)
		goto fail_free_client;
	c->ip = ip;
	c->port = port;
	snprintf(c->user, sizeof(c->user), "%s", user);
	snprintf(c->pass, sizeof(c->pass), "%s", pass);
	snprintf(c->session, sizeof(c->session), "%s", sess);
	c->hb_ns = cfg->heartbeat_ns ? cfg->heartbeat_ns : 1000000000ull;
	c->to_ns = cfg->timeout_ns ? cfg->timeout_ns : 15000000000ull;
	c->cto_ns = cfg->connect_timeout_ns ? cfg->connect_timeout_ns : 5000000000ull;
	c->rc_ns = cfg->reconnect_ns ? cfg->reconnect_ns : 100000000ull;
	c->max_rc = cfg->max_reconnects ? cfg->max_reconnects : 10;
	c->next_seq = cfg->seq ? cfg->seq : 1;
	c->fd = -1;
	c->state = CORE_SOUP_DISCONNECTED;
	*ret = c;
	return 0;

fail_free_client:
	core_free(c);
fail_nomem:
	core_errf(err, errlen, "soup client: out of memory");
	return -ENOMEM;
}

struct core_soup_client *core_soup_client_destroy(struct core_soup_client *c)
{
	if (!c)
		return NULL;
	cl_close(c);
	core_free(c->rbuf);
	core_free(c);
	return NULL;
}

int core_soup_client_fd(const struct core_soup_client *c)
{
	return c->fd;
}

size_t core_soup_client_pending(const struct core_soup_client *c)
{
	return c->olen;
}

enum core_soup_state core_soup_client_state(const struct core_soup_client *c)
{
	return c->state;
}

const char *core_soup_client_error(const struct core_soup_client *c)
{
	return c->msg;
}

void core_soup_client_stats(const struct core_soup_client *c, struct core_soup_client_stats *ret)
{
	*ret = c->st;
	ret->state = c->state;
	ret->next_seq = c->next_seq;
}
