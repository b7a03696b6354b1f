/* ouch_venue.h - a scripted OUCH 4.2 venue on SoupBinTCP for the gateway
 * tests, driven from the test's own thread between polls of the stage
 * (header-only test code; nothing blocks):
 *  - listens on 127.0.0.1 (an ephemeral port), one client at a time;
 *  - answers a Login Request (credentials checked: J 'A' and a close when
 *    they differ) with Login Accepted at the number asked for, shifted by
 *    resume_shift once (a venue that resumes below it repeats messages);
 *  - decodes every Unsequenced Data packet as an inbound OUCH message into a
 *    queue the test reads (ov_in); counts heartbeats; a Logout Request
 *    closes the link, as a SoupBinTCP server does;
 *  - sends the outbound messages the test gives it (ov_emit, ov_emit_raw) as
 *    Sequenced Data, numbered from 1 and kept for replays after a re-login;
 *    with hold set they are kept but not sent (a link about to die);
 *  - heartbeats every 100 ms when idle; ov_drop closes the link;
 *  - with record set, keeps every SoupBinTCP packet either way as a frame
 *    (plus SYN/FIN frames), for a pcap. */
#ifndef OSPREY_TEST_OUCH_VENUE_H
#define OSPREY_TEST_OUCH_VENUE_H

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"

#define OV_MAX_MSGS   512
#define OV_MAX_IN     512
#define OV_MAX_FRAMES 512

struct ov_frame {
	int from_client;
	uint8_t flags; /* TCP flags: 0x18 data, 0x02 SYN, 0x12 SYN-ACK, 0x10 ACK, 0x11 FIN */
	unsigned char data[96];
	size_t len;
	uint64_t ts_ns; /* wall clock */
};

struct ov {
	const char *user, *pass; /* expected credentials */
	int lfd, fd;
	uint16_t port, client_port;
	unsigned char rx[1 << 16];
	size_t rlen;
	/* the session's Sequenced Data: message n is log[n - 1] */
	unsigned char log[OV_MAX_MSGS][EXEC_OUCH_MAX_LEN];
	uint8_t loglen[OV_MAX_MSGS];
	uint64_t nlog;
	uint64_t next_out; /* the next message number to send on this link */
	bool logged_in;
	bool hold;
	int64_t resume_shift; /* applied to the next login only */
	struct exec_ouch_msg in[OV_MAX_IN];
	unsigned nin, in_next;
	unsigned nconns, nlogins, logouts, hb_in, bad_in;
	uint64_t login_seq[16]; /* what each login asked for */
	char login_user[7], login_pass[11], login_session[11];
	uint64_t last_send_ns;
	bool record;
	struct ov_frame frames[OV_MAX_FRAMES];
	unsigned nframes;
};

static inline uint64_t ov_mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static inline void ov_record(struct ov *v, int from_client, uint8_t flags, const void *p, size_t n)
{
	if (!v->record)
		return;
	assert(v->nframes < OV_MAX_FRAMES && n <= sizeof(v->frames[0].data));
	struct ov_frame *f = &v->frames[v->nframes++];
	f->from_client = from_client;
	f->flags = flags;
	if (n)
		memcpy(f->data, p, n);
	f->len = n;
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	f->ts_ns = (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static inline void ov_start(struct ov *v, const char *user, const char *pass)
{
	memset(v, 0, sizeof(*v));
	v->user = user;
	v->pass = pass;
	v->fd = -1;
	v->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert(v->lfd >= 0);
	int one = 1;
	setsockopt(v->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	assert(bind(v->lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(v->lfd, 4) == 0);
	assert(getsockname(v->lfd, (struct sockaddr *)&sa, &sl) == 0);
	v->port = ntohs(sa.sin_port);
}

/* Close the link (the client sees EOF). */
static inline void ov_drop(struct ov *v)
{
	if (v->fd < 0)
		return;
	close(v->fd);
	v->fd = -1;
	v->logged_in = false;
	v->rlen = 0;
	ov_record(v, 0, 0x11, NULL, 0);
	ov_record(v, 1, 0x11, NULL, 0);
}

static inline void ov_stop(struct ov *v)
{
	ov_drop(v);
	close(v->lfd);
}

static inline void ov_put(struct ov *v, const unsigned char *p, int n)
{
	assert(n > 0);
	size_t off = 0;
	while (off < (size_t)n) {
		ssize_t w = send(v->fd, p + off, (size_t)n - off, MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (w < 0) { /* the client went away: its side will tell */
			ov_drop(v);
			return;
		}
		off += (size_t)w;
	}
	ov_record(v, 0, 0x18, p, (size_t)n);
	v->last_send_ns = ov_mono_ns();
}

static inline void ov_login(struct ov *v, const struct core_soup_pkt *k)
{
	if (v->nlogins < 16)
		v->login_seq[v->nlogins] = k->seq;
	v->nlogins++;
	memcpy(v->login_user, k->username, sizeof(v->login_user));
	memcpy(v->login_pass, k->password, sizeof(v->login_pass));
	memcpy(v->login_session, k->session, sizeof(v->login_session));
	unsigned char p[64];
	if (strcmp(k->username, v->user) || strcmp(k->password, v->pass)) {
		ov_put(v, p, core_soup_put_rejected(p, sizeof(p), 'A'));
		ov_drop(v);
		return;
	}
	int64_t at = (int64_t)(k->seq ? k->seq : 1) + v->resume_shift;
	v->resume_shift = 0;
	if (at < 1)
		at = 1;
	if ((uint64_t)at > v->nlog + 1)
		at = (int64_t)v->nlog + 1;
	v->next_out = (uint64_t)at;
	v->logged_in = true;
	ov_put(v, p, core_soup_put_accepted(p, sizeof(p), "OVSESS", v->next_out));
}

/* Handle the packets buffered; false when the link closed meanwhile. */
static inline bool ov_packets(struct ov *v)
{
	size_t off = 0;
	for (;;) {
		struct core_soup_pkt k;
		char err[160];
		size_t at = off;
		int r = core_soup_next(v->rx, v->rlen, &off, CORE_SOUP_FROM_CLIENT, &k, err,
		                       sizeof(err));
		if (r == CORE_EOF || r == CORE_SOUP_PARTIAL)
			break;
		if (r < 0) {
			fprintf(stderr, "venue: bad packet from the client: %s\n", err);
			v->bad_in++;
			ov_drop(v);
			return false;
		}
		ov_record(v, 1, 0x18, v->rx + at, off - at);
		switch (k.type) {
		case 'L':
			ov_login(v, &k);
			break;
		case 'U':
			assert(v->nin < OV_MAX_IN);
			if (exec_ouch_decode(k.payload, k.len, EXEC_OUCH_INBOUND, &v->in[v->nin], err,
			                     sizeof(err)) > 0)
				v->nin++;
			else {
				fprintf(stderr, "venue: not an inbound OUCH 4.2 message: %s\n", err);
				v->bad_in++;
			}
			break;
		case 'R':
			v->hb_in++;
			break;
		case 'O':
			v->logouts++;
			ov_drop(v);
			return false;
		default:
			break;
		}
		if (v->fd < 0)
			return false;
	}
	memmove(v->rx, v->rx + off, v->rlen - off);
	v->rlen -= off;
	return true;
}

/* Accept, read, answer, send what is due. Call between the stage's polls. */
static inline void ov_pump(struct ov *v)
{
	if (v->fd < 0) {
		struct sockaddr_in peer;
		socklen_t pl = sizeof(peer);
		int fd = accept4(v->lfd, (struct sockaddr *)&peer, &pl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		v->fd = fd;
		v->nconns++;
		v->rlen = 0;
		v->logged_in = false;
		v->client_port = ntohs(peer.sin_port);
		v->last_send_ns = ov_mono_ns();
		ov_record(v, 1, 0x02, NULL, 0);
		ov_record(v, 0, 0x12, NULL, 0);
		ov_record(v, 1, 0x10, NULL, 0);
	}
	for (;;) {
		ssize_t n = recv(v->fd, v->rx + v->rlen, sizeof(v->rx) - v->rlen, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
			ov_drop(v); /* the client closed */
			return;
		}
		if (n < 0)
			break;
		v->rlen += (size_t)n;
		if (!ov_packets(v))
			return;
	}
	unsigned char p[EXEC_OUCH_MAX_LEN + 8];
	while (v->logged_in && !v->hold && v->next_out <= v->nlog && v->fd >= 0) {
		uint64_t i = v->next_out++ - 1;
		ov_put(v, p, core_soup_put_sequenced(p, sizeof(p), v->log[i], v->loglen[i]));
	}
	if (v->logged_in && v->fd >= 0 && ov_mono_ns() - v->last_send_ns >= 100000000ull)
		ov_put(v, p, core_soup_put_server_heartbeat(p, sizeof(p)));
}

/* Queue an outbound message (its number: nlog after the call). */
static inline void ov_emit_raw(struct ov *v, const void *p, size_t n)
{
	assert(v->nlog < OV_MAX_MSGS && n <= EXEC_OUCH_MAX_LEN);
	memcpy(v->log[v->nlog], p, n);
	v->loglen[v->nlog] = (uint8_t)n;
	v->nlog++;
}

static inline void ov_emit(struct ov *v, const struct exec_ouch_msg *m)
{
	unsigned char b[EXEC_OUCH_MAX_LEN];
	int n = exec_ouch_encode(b, sizeof(b), m);
	assert(n > 0);
	ov_emit_raw(v, b, (size_t)n);
}

/* The next inbound message not yet read, or NULL. */
static inline const struct exec_ouch_msg *ov_in(struct ov *v)
{
	return v->in_next < v->nin ? &v->in[v->in_next++] : NULL;
}

#endif
