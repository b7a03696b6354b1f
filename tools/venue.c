/*
 * venue.c - osprey-venue's frame: the session loaded or generated, the
 * MoldUDP64 publisher and the matching engine it drives, the listening
 * sockets and connections, and the poll loop from start to end. The parts:
 * venue.h.
 *
 * Market data and matching: the publisher (feeds_mold_pub) paces the session
 * and calls on_publish once per data packet, in sequence order, right after
 * sending it; on_publish applies that packet's messages to the books and the
 * matching engine before the loop reads any socket again, so an order that
 * arrives after packet k meets the book after k. The packet's first sequence
 * number and send time are kept (one entry per packet) for wire-to-wire.
 *
 * The day: WAITING (nothing published until --wait-logins sessions have
 * logged in) -> PUBLISHING -> the last message out and close_grace passed:
 * the market closes (open orders expire, new ones are rejected, OUCH users
 * get System Event 'E' then End of Session) -> the publisher has lingered:
 * ENDING, waiting up to end_wait for the sessions to log out -> FINAL: FIX
 * sessions still on are logged out, the rest closed within a second -> DONE.
 * SIGINT / SIGTERM go to FINAL at once (closing the market first).
 */
#define _GNU_SOURCE /* accept4, ppoll */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "venue_int.h"

#define NS_PER_MS  UINT64_C(1000000)
#define NS_PER_S   UINT64_C(1000000000)
#define NS_PER_DAY (86400ull * NS_PER_S)

void venue_log(struct venue *v, const char *fmt, ...)
{
	if (!v->cfg.log)
		return;
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	v->cfg.log(v->cfg.log_arg, line);
}

uint64_t venue_wall_ns(const struct venue *v)
{
	return v->replaying ? v->replay_wall_ns : core_now_ns() + v->wall_off_ns;
}

bool venue_market_open(const struct venue *v)
{
	return v->phase < VENUE_CLOSED;
}

/* ------------------------------------------------------------------------- */
/* The session */

void *venue__grow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	size_t c = *cap ? *cap : 16;
	while (c < need)
		c *= 2;
	void *np = realloc(p, c * size);
	if (!np)
		return NULL;
	*cap = c;
	return np;
}

static int load_capture(struct venue *v, const char *path, char *err, size_t errlen)
{
	return feeds_reader_dayfile(path, &v->msgs, &v->msgs_len, &v->st.skipped_events, err,
				    errlen);
}

static int load_session(struct venue *v, char *err, size_t errlen)
{
	int r;
	if (v->cfg.itch) {
		r = load_capture(v, v->cfg.itch, err, errlen);
		if (r < 0)
			return r;
	} else {
		size_t cap = feeds_gen_bound(&v->cfg.gen);
		v->msgs = malloc(cap);
		if (!v->msgs) {
			core_errf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		r = feeds_gen(&v->cfg.gen, v->msgs, cap, &v->msgs_len, err, errlen);
		if (r < 0)
			return r;
	}
	/* count the messages and learn every symbol up front (a venue knows its
	 * list before the day starts) */
	size_t off = 0;
	struct feeds_itch_msg m;
	while ((r = feeds_itch_next(v->msgs, v->msgs_len, &off, &m, err, errlen)) == 0) {
		v->nmsgs++;
		if (m.type == 'R' && m.locate)
			venue_symbol_add(v, m.locate, (const char *)m.raw + 11);
	}
	if (r < 0)
		return r;
	if (v->nmsgs == 0) {
		core_errf(err, errlen, "%s: no ITCH message to publish",
		          v->cfg.itch ? v->cfg.itch : "the generated session");
		return -EINVAL;
	}
	v->st.md_messages = v->nmsgs;
	return 0;
}

static void on_publish(void *arg, uint64_t first_seq, uint16_t count, uint64_t sent_ns)
{
	struct venue *v = arg;
	uint64_t *ps = v->pkt_seq, *pn = v->pkt_ns;
	if (v->npkts == v->pkts_cap) {
		size_t cap = v->pkts_cap ? v->pkts_cap * 2 : 4096;
		ps = realloc(v->pkt_seq, cap * sizeof(*ps));
		if (ps)
			v->pkt_seq = ps;
		pn = realloc(v->pkt_ns, cap * sizeof(*pn));
		if (pn)
			v->pkt_ns = pn;
		if (!ps || !pn)
			abort(); /* out of memory in a tool */
		v->pkts_cap = cap;
	}
	v->pkt_seq[v->npkts] = first_seq;
	v->pkt_ns[v->npkts] = sent_ns;
	v->npkts++;
	v->st.packets++;
	v->last_pub_ns = sent_ns;
	for (uint64_t s = first_seq; s < first_seq + count; s++)
		venue_apply_md(v, s, sent_ns);
}

void venue_apply_md(struct venue *v, uint64_t seq, uint64_t sent_ns)
{
	struct feeds_itch_msg m;
	struct md_event ev;
	char err[160];
	if (seq != v->applied + 1 ||
	    feeds_itch_next(v->msgs, v->msgs_len, &v->msgs_off, &m, err, sizeof(err))) {
		venue_log(v, "market data: message %" PRIu64 " out of step (applied %" PRIu64 "): a venue bug",
		          seq, v->applied);
		return;
	}
	memset(&ev, 0, sizeof(ev));
	feeds_books_apply(v->books, &m, &ev);
	ev.seq = seq;
	ev.t0_ns = sent_ns;
	v->applied = seq;
	v->itch_ns = m.ts_ns;
	v->st.md_published++;
	v->ctx = (struct venue_ctx){ 0 };
	exec_match_market(v->match, &ev, m.type == 'U' ? m.u.replace.orig_ref : 0);
}

/* ------------------------------------------------------------------------- */
/* Sockets */

static int listen_on(struct venue *v, const char *what, const char *addr, uint16_t *ret_port,
                     char *err, size_t errlen)
{
	uint32_t ip;
	uint16_t port;
	if (feeds_udp_addr(addr, &ip, &port) < 0) {
		core_errf(err, errlen, "--%s: '%s' is not A.B.C.D:PORT", what, addr);
		return -EINVAL;
	}
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		int r = -errno;
		core_errf(err, errlen, "--%s: socket: %s", what, strerror(-r));
		return r;
	}
	int one = 1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in sa = { .sin_family = AF_INET,
		                  .sin_port = htons(port),
		                  .sin_addr.s_addr = htonl(ip) };
	socklen_t sl = sizeof(sa);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
		int r = -errno;
		core_errf(err, errlen, "--%s %s: %s", what, addr, strerror(-r));
		close(fd);
		return r;
	}
	*ret_port = ntohs(sa.sin_port);
	char a[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &sa.sin_addr, a, sizeof(a));
	venue_log(v, "%s listening on %s:%u", what, a, *ret_port);
	return fd;
}

int venue_conn_queue(struct venue_conn *c, const void *p, size_t n)
{
	if (c->tx_off && c->tx_off == c->tx_len)
		c->tx_off = c->tx_len = 0;
	if (c->tx_len + n > c->tx_cap) {
		if (c->tx_off) { /* slide what is left to the front first */
			memmove(c->tx, c->tx + c->tx_off, c->tx_len - c->tx_off);
			c->tx_len -= c->tx_off;
			c->tx_off = 0;
		}
		size_t cap = c->tx_cap ? c->tx_cap : 65536;
		while (c->tx_len + n > cap)
			cap *= 2;
		if (cap != c->tx_cap) {
			unsigned char *t = realloc(c->tx, cap);
			if (!t)
				return -ENOMEM;
			c->tx = t;
			c->tx_cap = cap;
		}
	}
	memcpy(c->tx + c->tx_len, p, n);
	c->tx_len += n;
	return 0;
}

void venue_conn_close(struct venue *v, struct venue_conn *c, const char *why)
{
	if (c->dead)
		return;
	c->dead = true;
	const char *who = "";
	if (c->owner != UINT32_MAX)
		who = c->proto == VENUE_OUCH ? v->users[c->owner].name : v->peers[c->owner].comp;
	venue_log(v, "%s %s%s%s: closed: %s", c->proto == VENUE_OUCH ? "ouch" : "fix", c->peer,
	          *who ? " " : "", who, why);
}

static void accept_all(struct venue *v, int lfd, uint8_t proto)
{
	for (;;) {
		struct sockaddr_in sa;
		socklen_t sl = sizeof(sa);
		int fd = accept4(lfd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return; /* EAGAIN, or a connection that went away before accept */
		int one = 1;
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		struct venue_conn *c = calloc(1, sizeof(*c));
		struct venue_conn **cs = v->conns;
		if (c && v->nconns == v->conns_cap) {
			size_t cap = v->conns_cap ? v->conns_cap * 2 : 16;
			cs = realloc(v->conns, cap * sizeof(*cs));
			if (cs) {
				v->conns = cs;
				v->conns_cap = cap;
			}
		}
		if (!c || !cs) {
			free(c);
			close(fd);
			venue_log(v, "out of memory: a connection refused");
			continue;
		}
		c->fd = fd;
		c->proto = proto;
		c->owner = UINT32_MAX;
		c->opened_ns = c->last_rx_ns = c->last_tx_ns = core_now_ns();
		char a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &sa.sin_addr, a, sizeof(a));
		snprintf(c->peer, sizeof(c->peer), "%s:%u", a, ntohs(sa.sin_port));
		v->conns[v->nconns++] = c;
	}
}

/* Read what is there; each batch is handed to the protocol with its arrival
 * time taken right after recv. */
static void conn_read(struct venue *v, struct venue_conn *c)
{
	while (!c->dead) {
		if (c->rx_cap - c->rx_len < 16384) {
			size_t cap = c->rx_cap ? c->rx_cap * 2 : 65536;
			if (cap > (16u << 20)) {
				venue_conn_close(v, c, "more than 16 MiB of input not understood");
				return;
			}
			unsigned char *r = realloc(c->rx, cap);
			if (!r) {
				venue_conn_close(v, c, "out of memory");
				return;
			}
			c->rx = r;
			c->rx_cap = cap;
		}
		ssize_t n = recv(c->fd, c->rx + c->rx_len, c->rx_cap - c->rx_len, MSG_DONTWAIT);
		uint64_t now = core_now_ns();
		if (n == 0) {
			venue_conn_close(v, c, "the peer closed the connection");
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				char why[96];
				snprintf(why, sizeof(why), "recv: %s", strerror(errno));
				venue_conn_close(v, c, why);
			}
			return;
		}
		c->recv_ns = c->last_rx_ns = now;
		c->rx_len += (size_t)n;
		if (c->linger) { /* refused: what it says no longer matters */
			c->rx_len = 0;
			continue;
		}
		if (c->proto == VENUE_OUCH)
			venue_ouch_input(v, c);
		else
			venue_fix_input(v, c);
	}
}

static void conn_write(struct venue *v, struct venue_conn *c)
{
	while (c->tx_off < c->tx_len) {
		ssize_t n = send(c->fd, c->tx + c->tx_off, c->tx_len - c->tx_off,
		                 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				char why[96];
				snprintf(why, sizeof(why), "send: %s", strerror(errno));
				venue_conn_close(v, c, why);
			}
			return;
		}
		c->tx_off += (size_t)n;
		c->last_tx_ns = core_now_ns();
	}
	c->tx_off = c->tx_len = 0;
}

static void conn_free(struct venue *v, struct venue_conn *c)
{
	if (c->proto == VENUE_OUCH) {
		if (c->logged_in)
			v->st.ouch_sessions_closed++;
		venue_ouch_gone(v, c);
	} else {
		if (c->logged_in)
			v->st.fix_sessions_closed++;
		venue_fix_gone(v, c);
	}
	/* what was queued before the end goes out if the kernel takes it now
	 * (a Login Accepted before the packet that closed the session) */
	if (c->tx_off < c->tx_len)
		(void)!send(c->fd, c->tx + c->tx_off, c->tx_len - c->tx_off,
		            MSG_NOSIGNAL | MSG_DONTWAIT);
	close(c->fd);
	free(c->rx);
	free(c->tx);
	free(c);
}

static void reap(struct venue *v)
{
	size_t j = 0;
	for (size_t i = 0; i < v->nconns; i++) {
		struct venue_conn *c = v->conns[i];
		if (c->linger && c->tx_off == c->tx_len && !c->dead)
			c->dead = true; /* the refusal or the Logout is out */
		if (c->dead)
			conn_free(v, c);
		else
			v->conns[j++] = c;
	}
	v->nconns = j;
}

/* ------------------------------------------------------------------------- */
/* Setup */

int venue_create(const struct venue_cfg *cfg, struct venue **ret, char *err, size_t errlen)
{
	struct venue *v = calloc(1, sizeof(*v));
	if (!v) {
		core_errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	v->cfg = *cfg;
	v->ouch_fd = v->fix_fd = v->jfd = -1;
	int r = core_clock_init(20);
	if (r < 0) {
		core_errf(err, errlen, "clock: %s", strerror(-r));
		goto fail;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t wall = (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
	v->wall_off_ns = wall - core_now_ns();
	v->midnight_utc_ns = wall / NS_PER_DAY * NS_PER_DAY;
	if (!v->cfg.soup_heartbeat_ns)
		v->cfg.soup_heartbeat_ns = NS_PER_S;
	if (!v->cfg.client_timeout_ns)
		v->cfg.client_timeout_ns = 15 * NS_PER_S;
	snprintf(v->session, sizeof(v->session), "%s",
	         cfg->session[0] ? cfg->session : "OSPREY0001");
	snprintf(v->fix_comp, sizeof(v->fix_comp), "%s", cfg->fix_comp ? cfg->fix_comp : "EXEC");
	if (!cfg->mold) {
		core_errf(err, errlen, "--mold ADDR:PORT is required (the market data)");
		r = -EINVAL;
		goto fail;
	}
	if ((r = venue_orders_init(v, err, errlen)) < 0)
		goto fail;
	if (cfg->users && (r = venue_ouch_users(v, cfg->users, err, errlen)) < 0)
		goto fail;
	if ((r = load_session(v, err, errlen)) < 0)
		goto fail;
	/* the books' order table follows --max-refs up (a whole NASDAQ day) */
	struct feeds_books_cfg bc = { .max_orders =
		                              cfg->max_refs > (1u << 20) ? cfg->max_refs : 0 };
	if ((r = feeds_books_create(&bc, &v->books, err, errlen)) < 0)
		goto fail;
	struct exec_match_config mc = { .sink = venue_on_match,
		                        .sink_ctx = v,
		                        .max_refs = cfg->max_refs,
		                        .max_orders = cfg->max_orders ? cfg->max_orders : 65536,
		                        .tracking = cfg->tracking };
	if ((r = exec_match_create(&mc, &v->match, err, errlen)) < 0)
		goto fail;
	/* written from the start again after a restart: the journal's replay
	 * makes every row again */
	if (cfg->drop_copy) {
		v->drop = fopen(cfg->drop_copy, "w");
		if (!v->drop) {
			r = -errno;
			core_errf(err, errlen, "--drop-copy %s: %s", cfg->drop_copy, strerror(-r));
			goto fail;
		}
		fprintf(v->drop, "wall_ns,itch_ns,md_seq,account,protocol,token,order_id,symbol,"
		                 "side,tif,qty,price,leaves,cum,event,reason,liquidity\n");
	}
	if (cfg->journal && (r = venue_journal_open(v, err, errlen)) < 0)
		goto fail;
	struct feeds_mold_pub_cfg pc = { .dest = cfg->mold,
		                         .serve = cfg->serve,
		                         .msgs = v->msgs,
		                         .msgs_len = v->msgs_len,
		                         .speed = cfg->speed,
		                         .on_publish = on_publish,
		                         .on_publish_arg = v,
		                         .linger_ns = cfg->linger_ns,
		                         .first_seq = v->applied + 1 };
	memset(pc.session, ' ', 10);
	memcpy(pc.session, v->session, strlen(v->session));
	if ((r = feeds_mold_pub_create(&pc, &v->pub, err, errlen)) < 0)
		goto fail;
	struct feeds_mold_pub_stats ps;
	feeds_mold_pub_stats(v->pub, &ps);
	venue_log(v, "mold publishing %" PRIu64 " messages to %s, re-requests on port %u", v->nmsgs,
	          cfg->mold, ps.serve_port);
	if (cfg->ouch &&
	    (r = v->ouch_fd = listen_on(v, "ouch", cfg->ouch, &v->ouch_port, err, errlen)) < 0)
		goto fail;
	if (cfg->fix &&
	    (r = v->fix_fd = listen_on(v, "fix", cfg->fix, &v->fix_port, err, errlen)) < 0)
		goto fail;
	if (v->phase < VENUE_CLOSED) /* (a journal may have closed the market) */
		v->phase = cfg->wait_logins && v->logins < cfg->wait_logins && !v->applied
		                   ? VENUE_WAITING
		                   : VENUE_PUBLISHING;
	*ret = v;
	return 0;
fail:
	venue_destroy(v);
	return r;
}

struct venue *venue_destroy(struct venue *v)
{
	if (!v)
		return NULL;
	for (size_t i = 0; i < v->nconns; i++) {
		close(v->conns[i]->fd);
		free(v->conns[i]->rx);
		free(v->conns[i]->tx);
		free(v->conns[i]);
	}
	free(v->conns);
	if (v->ouch_fd >= 0)
		close(v->ouch_fd);
	if (v->fix_fd >= 0)
		close(v->fix_fd);
	if (v->drop)
		fclose(v->drop);
	venue_journal_fini(v);
	feeds_mold_pub_destroy(v->pub);
	exec_match_destroy(v->match);
	feeds_books_destroy(v->books);
	venue_fix_fini(v);
	venue_ouch_fini(v);
	venue_orders_fini(v);
	free(v->pkt_seq);
	free(v->pkt_ns);
	free(v->msgs);
	free(v);
	return NULL;
}

/* ------------------------------------------------------------------------- */
/* The loop */

void venue_close_market(struct venue *v, const char *why)
{
	if (v->phase >= VENUE_CLOSED)
		return;
	venue_journal_close(v);
	v->phase = VENUE_CLOSED;
	unsigned n = venue_cancel_all(v, EXEC_MATCH_ALL_ACCOUNTS, VENUE_CAUSE_CLOSE);
	venue_ouch_close(v);
	venue_log(v,
	          "market closed (%s) after message %" PRIu64 " of %" PRIu64
	          ": %u open orders expired",
	          why, v->applied, v->nmsgs, n);
}

static void go_final(struct venue *v, uint64_t now)
{
	venue_fix_logout_all(v, "osprey-venue: end of session");
	for (size_t i = 0; i < v->nconns; i++)
		if (v->conns[i]->proto == VENUE_OUCH || !v->conns[i]->logged_in)
			v->conns[i]->linger = true; /* OUCH: Z is queued already */
	v->phase = VENUE_FINAL;
	v->phase_ns = now;
}

static void report_progress(struct venue *v, bool done)
{
	struct venue_progress p = { .published = v->applied,
		                    .total = v->nmsgs,
		                    .orders = v->st.orders,
		                    .fills = v->st.fills,
		                    .logins = v->logins,
		                    .done = done };
	v->cfg.progress(v->cfg.progress_arg, &p);
}

int venue_run(struct venue *v, volatile sig_atomic_t *stop, char *err, size_t errlen)
{
	struct pollfd *pfd = NULL;
	size_t pfd_cap = 0;
	int rc = 0;
	uint64_t progress_ns = 0;
	while (v->phase != VENUE_DONE) {
		uint64_t now = core_now_ns();
		if (v->cfg.progress && now - progress_ns >= 250 * NS_PER_MS) {
			progress_ns = now;
			report_progress(v, false);
		}
		if (stop && *stop && v->phase != VENUE_FINAL) {
			v->st.interrupted = true;
			venue_close_market(v, "signal");
			for (size_t i = 0; i < v->nconns; i++)
				if (v->conns[i]->proto == VENUE_OUCH)
					venue_ouch_tick(v, v->conns[i], now); /* queue Z */
			go_final(v, now);
		}
		if (v->phase == VENUE_WAITING && v->logins >= v->cfg.wait_logins) {
			venue_log(v, "%u order-entry logins: publishing", v->logins);
			v->phase = VENUE_PUBLISHING;
		}
		uint32_t work = 0;
		if (v->phase == VENUE_PUBLISHING || v->phase == VENUE_CLOSED) {
			int r = feeds_mold_pub_poll(v->pub, now, &work);
			if (r < 0) {
				core_errf(err, errlen, "MoldUDP64 publisher: %s", strerror(-r));
				rc = r;
				break;
			}
			uint64_t t = core_now_ns(); /* after the packets just sent */
			if (v->phase == VENUE_PUBLISHING && v->applied == v->nmsgs &&
			    t - v->last_pub_ns >= v->cfg.close_grace_ns)
				venue_close_market(v, "end of the session");
			if (r == CORE_EOF) {
				venue_close_market(v, "end of the session");
				v->phase = VENUE_ENDING;
				v->phase_ns = now;
				venue_log(v,
				          "publisher done; waiting up to %" PRIu64
				          " ms for sessions to log out",
				          v->cfg.end_wait_ns / NS_PER_MS);
			}
		}
		if (v->phase == VENUE_ENDING &&
		    (v->nconns == 0 || now - v->phase_ns >= v->cfg.end_wait_ns)) {
			if (v->nconns == 0)
				v->phase = VENUE_DONE;
			else
				go_final(v, now);
		}
		if (v->phase == VENUE_FINAL && (v->nconns == 0 || now - v->phase_ns >= NS_PER_S))
			v->phase = VENUE_DONE;
		if (v->phase == VENUE_DONE)
			break;

		size_t need = v->nconns + 2;
		if (need > pfd_cap) {
			struct pollfd *np = realloc(pfd, need * 2 * sizeof(*np));
			if (!np) {
				core_errf(err, errlen, "out of memory");
				rc = -ENOMEM;
				break;
			}
			pfd = np;
			pfd_cap = need * 2;
		}
		size_t n = 0;
		pfd[n++] = (struct pollfd){ .fd = v->ouch_fd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = v->fix_fd, .events = POLLIN };
		for (size_t i = 0; i < v->nconns; i++)
			pfd[n++] = (struct pollfd){
				.fd = v->conns[i]->fd,
				.events =
				        (short)(POLLIN |
				                (v->conns[i]->tx_off < v->conns[i]->tx_len ? POLLOUT
				                                                           : 0)),
			};
		bool pacing = v->phase == VENUE_PUBLISHING || v->phase == VENUE_CLOSED;
		struct timespec to = { 0, work || v->cfg.spin ? 0 : pacing ? 50000 : 10000000 };
		int pr = ppoll(pfd, n, &to, NULL);
		if (pr < 0 && errno != EINTR) {
			rc = -errno;
			core_errf(err, errlen, "poll: %s", strerror(-rc));
			break;
		}
		if (pr > 0) {
			if (pfd[0].revents & POLLIN)
				accept_all(v, v->ouch_fd, VENUE_OUCH);
			if (pfd[1].revents & POLLIN)
				accept_all(v, v->fix_fd, VENUE_FIX);
			for (size_t i = 2; i < n; i++) {
				struct venue_conn *c = v->conns[i - 2];
				if (pfd[i].revents & (POLLIN | POLLERR | POLLHUP))
					conn_read(v, c);
			}
		}
		now = core_now_ns();
		for (size_t i = 0; i < v->nconns; i++) {
			struct venue_conn *c = v->conns[i];
			if (c->dead)
				continue;
			if (c->proto == VENUE_OUCH)
				venue_ouch_tick(v, c, now);
			else
				venue_fix_tick(v, c, now);
			if (!c->dead)
				conn_write(v, c);
		}
		reap(v);
	}
	free(pfd);
	if (v->cfg.progress)
		report_progress(v, true);
	if (v->drop)
		fflush(v->drop);
	return rc;
}

void venue_stats(struct venue *v, struct venue_stats *ret)
{
	*ret = v->st;
	for (size_t i = 0; i < v->npeers; i++) {
		const struct exec_fix_session_stats *ss = exec_fix_session_stats(v->peers[i].ses);
		ret->fix_resend_requests += ss->resend_requests_received;
		ret->fix_resent += ss->app_resent;
		ret->fix_gap_filled += ss->app_gap_filled;
	}
	bool any = v->st.w2w_samples > 0;
	ret->w2w_p50 = any ? core_hist_value_at(&v->w2w, 50) : -1;
	ret->w2w_p99 = any ? core_hist_value_at(&v->w2w, 99) : -1;
	ret->w2w_p999 = any ? core_hist_value_at(&v->w2w, 99.9) : -1;
	ret->w2w_max = any ? core_hist_max(&v->w2w) : -1;
}
