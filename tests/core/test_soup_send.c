/* The SoupBinTCP client's send path (order entry), against a server this test
 * drives itself on 127.0.0.1 in the same thread:
 *  - before login a send is CORE_SOUP_OFFLINE; a payload above
 *    CORE_SOUP_SEND_MAX is -EMSGSIZE; nothing of either reaches the server;
 *  - logged in, each send is one Unsequenced Data packet, byte for byte;
 *  - Sequenced Data from the server comes back as events 1, 2, 3...;
 *  - back-pressure (tiny socket buffers, a server that does not read):
 *    sends answer 0, CORE_SOUP_QUEUED or CORE_SOUP_BUSY; once the server
 *    reads, its byte stream is exactly the packets answered 0 or QUEUED, in
 *    order, none torn, none of the BUSY ones;
 *  - the same with the kernel's answers injected (it takes part of a packet,
 *    part of what was waiting, nothing): QUEUED keeps the rest in front of
 *    everything else, BUSY withdraws the new packet whole;
 *  - a send does the client's heartbeat (no R until heartbeat_ns after it);
 *  - the server resets the link: a send fails with -errno, the next poll
 *    reports LINK_DOWN, sends are OFFLINE, the client logs in again asking
 *    for the next sequenced number and drops what the server repeats;
 *    sending works again;
 *  - the owner drops the link (core_soup_client_drop): reported as LINK_DOWN
 *    (-EPROTO) on the next poll, and the client logs in again from the next
 *    number. */
#undef NDEBUG
#include <arpa/inet.h>
#include <assert.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core.h"

struct rx {
	int fd;
	unsigned char b[1 << 20];
	size_t len, off;
};

/* Server side: the next whole packet from the client (0), or -1 on EOF. */
static int srv_next(struct rx *rx, struct core_soup_pkt *k, int timeout_ms)
{
	char err[160];
	for (;;) {
		int r = core_soup_next(rx->b, rx->len, &rx->off, CORE_SOUP_FROM_CLIENT, k, err,
				       sizeof(err));
		if (r == 0)
			return 0;
		if (r < 0)
			fprintf(stderr, "server decode: %s\n", err);
		assert(r == CORE_EOF || r == CORE_SOUP_PARTIAL);
		if (rx->off) {
			memmove(rx->b, rx->b + rx->off, rx->len - rx->off);
			rx->len -= rx->off;
			rx->off = 0;
		}
		struct pollfd pf = { .fd = rx->fd, .events = POLLIN };
		if (poll(&pf, 1, timeout_ms) <= 0)
			return -2; /* nothing came */
		ssize_t n = recv(rx->fd, rx->b + rx->len, sizeof(rx->b) - rx->len, 0);
		if (n <= 0)
			return -1;
		rx->len += (size_t)n;
	}
}

static void srv_put(int fd, const unsigned char *p, int n)
{
	assert(n > 0);
	assert(send(fd, p, (size_t)n, MSG_NOSIGNAL) == n);
}

/* Client side: poll until an event of this kind (other kinds are not expected). */
static void cl_wait(struct core_soup_client *c, int kind, struct core_soup_event *ev)
{
	uint64_t deadline = core_monotonic_ns() + 5000000000ull;
	for (;;) {
		assert(core_monotonic_ns() < deadline);
		int r = core_soup_client_poll(c, core_monotonic_ns(), ev);
		assert(r >= 0 && r != CORE_EOF);
		if (r == 1) {
			if (ev->kind != kind)
				fprintf(stderr, "event %d, waiting for %d\n", ev->kind, kind);
			assert(ev->kind == kind);
			return;
		}
	}
}

/* Connect and log in: the client's L is checked, the server answers A(seq). */
static int login(struct core_soup_client *c, int lfd, struct rx *rx, uint64_t want_seq,
		 uint64_t give_seq)
{
	struct core_soup_event ev;
	uint64_t deadline = core_monotonic_ns() + 5000000000ull;
	while (core_soup_client_state(c) != CORE_SOUP_CONNECTING) {
		assert(core_monotonic_ns() < deadline);
		assert(core_soup_client_poll(c, core_monotonic_ns(), &ev) >= 0);
	}
	int fd = accept(lfd, NULL, NULL);
	assert(fd >= 0);
	rx->fd = fd;
	rx->len = rx->off = 0;
	while (core_soup_client_state(c) != CORE_SOUP_LOGIN_SENT) {
		assert(core_monotonic_ns() < deadline);
		assert(core_soup_client_poll(c, core_monotonic_ns(), &ev) >= 0);
	}
	struct core_soup_pkt k;
	assert(srv_next(rx, &k, 2000) == 0);
	assert(k.type == 'L' && !strcmp(k.username, "osp") && !strcmp(k.password, "pw"));
	assert(k.seq == want_seq);
	unsigned char p[64];
	srv_put(fd, p, core_soup_put_accepted(p, sizeof(p), "SESS1", give_seq));
	cl_wait(c, CORE_SOUP_EV_LOGIN, &ev);
	assert(ev.seq == give_seq && core_soup_client_state(c) == CORE_SOUP_ACTIVE);
	return fd;
}

static struct rx rx;

/* Fault injection: this executable's send() is the one the client calls
 * (core is a static library linked into it), so the test decides how much
 * the "kernel" takes: -1 all it would, 0 nothing (EAGAIN), n > 0 at most n
 * bytes. */
static long inject = -1;
static unsigned nsend;

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	nsend++;
	if (inject == 0) {
		errno = EAGAIN;
		return -1;
	}
	if (inject > 0 && len > (size_t)inject)
		len = (size_t)inject;
	return sendto(fd, buf, len, flags, NULL, 0);
}

/* The client's U packet with this payload counter and length, as it goes out. */
static void expect_u(uint32_t id, size_t len, const unsigned char *pay)
{
	struct core_soup_pkt k;
	assert(srv_next(&rx, &k, 2000) == 0);
	assert(k.type == 'U' && k.len == len && core_be32(k.payload) == id);
	assert(!memcmp(k.payload + 4, pay + 4, len - 4));
}

int main(void)
{
	assert(core_clock_init(5) == 0);
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert(lfd >= 0);
	int small = 4096;
	/* inherited by accepted sockets: a small window makes back-pressure quick */
	assert(setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) == 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	assert(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(lfd, 4) == 0);
	assert(getsockname(lfd, (struct sockaddr *)&sa, &sl) == 0);
	char addr[32];
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", ntohs(sa.sin_port));

	char err[256];
	struct core_soup_client_cfg cc = { .addr = addr, .username = "osp", .password = "pw",
					   .heartbeat_ns = 30000000000ull,
					   .timeout_ns = 60000000000ull,
					   .reconnect_ns = 1000000 };
	struct core_soup_client *c;
	assert(core_soup_client_create(&cc, &c, err, sizeof(err)) == 0);
	unsigned char pay[CORE_SOUP_SEND_MAX + 1];
	for (size_t i = 0; i < sizeof(pay); i++)
		pay[i] = (unsigned char)(i * 7 + 1);

	/* Before login. */
	assert(core_soup_client_send(c, pay, 10, core_monotonic_ns()) == CORE_SOUP_OFFLINE);
	int fd = login(c, lfd, &rx, 1, 1);
	assert(core_soup_client_send(c, pay, 10, core_monotonic_ns()) == 0);
	assert(core_soup_client_send(c, pay, CORE_SOUP_SEND_MAX + 1, core_monotonic_ns()) ==
	       -EMSGSIZE);
	assert(core_soup_client_send(c, pay, 0, core_monotonic_ns()) == 0);
	assert(core_soup_client_send(c, pay, CORE_SOUP_SEND_MAX, core_monotonic_ns()) == 0);
	assert(core_soup_client_pending(c) == 0);
	struct core_soup_pkt k;
	size_t want[3] = { 10, 0, CORE_SOUP_SEND_MAX };
	for (int i = 0; i < 3; i++) {
		assert(srv_next(&rx, &k, 2000) == 0);
		assert(k.type == 'U' && k.len == want[i] && !memcmp(k.payload, pay, want[i]));
	}
	assert(srv_next(&rx, &k, 50) == -2); /* the OFFLINE and too-long ones never came */

	/* Sequenced Data 1..5. */
	struct core_soup_event ev;
	unsigned char p[1024];
	for (int i = 1; i <= 5; i++) {
		char m[8];
		int n = snprintf(m, sizeof(m), "m%d", i);
		srv_put(fd, p, core_soup_put_sequenced(p, sizeof(p), m, (size_t)n));
		cl_wait(c, CORE_SOUP_EV_DATA, &ev);
		assert(ev.seq == (uint64_t)i && ev.len == (uint16_t)n && !memcmp(ev.data, m, (size_t)n));
	}

	/* Back-pressure: the server stops reading. */
	int cfd = core_soup_client_fd(c);
	assert(setsockopt(cfd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)) == 0);
	enum { NTRY = 20000 };
	static uint32_t accepted[NTRY];
	unsigned nacc = 0, nbusy = 0, nqueued = 0, nbusy_pending = 0;
	size_t plen = 300;
	for (uint32_t i = 0; i < NTRY && nbusy < 100; i++) {
		core_put_be32(pay, i);
		size_t before = core_soup_client_pending(c);
		int r = core_soup_client_send(c, pay, plen, core_monotonic_ns());
		assert(r == 0 || r == CORE_SOUP_QUEUED || r == CORE_SOUP_BUSY);
		if (r == CORE_SOUP_BUSY) {
			nbusy++;
			/* nothing added; older bytes may have gone out */
			assert(core_soup_client_pending(c) <= before);
			if (before)
				nbusy_pending++;
			continue;
		}
		accepted[nacc++] = i;
		if (r == CORE_SOUP_QUEUED) {
			nqueued++;
			assert(core_soup_client_pending(c) > 0 &&
			       core_soup_client_pending(c) < plen + 3);
		} else {
			assert(core_soup_client_pending(c) == 0);
		}
	}
	printf("back-pressure: %u sent, %u queued in part, %u busy (%u with bytes pending)\n", nacc,
	       nqueued, nbusy, nbusy_pending);
	assert(nbusy >= 3);
	/* The server reads again while the client polls: the rest goes out first. */
	unsigned got = 0;
	uint64_t deadline = core_monotonic_ns() + 10000000000ull;
	while (got < nacc) {
		assert(core_monotonic_ns() < deadline);
		assert(core_soup_client_poll(c, core_monotonic_ns(), &ev) == 0);
		int r = srv_next(&rx, &k, 1);
		if (r == -2)
			continue;
		assert(r == 0);
		assert(k.type == 'U' && k.len == plen);
		assert(core_be32(k.payload) == accepted[got]);
		assert(!memcmp(k.payload + 4, pay + 4, plen - 4));
		got++;
	}
	assert(core_soup_client_pending(c) == 0 && srv_next(&rx, &k, 50) == -2);
	struct core_soup_client_stats st;
	core_soup_client_stats(c, &st);
	assert(st.unseq_sent == 3 + nacc && st.send_queued == nqueued && st.send_busy == nbusy);

	/* Injected: one send(2) per call, whatever the kernel answers. */
	{
		const size_t n = 49; /* an OUCH Enter Order */
		unsigned s0 = nsend;
		inject = 10; /* the kernel takes 10 of 52 bytes */
		core_put_be32(pay, 100);
		assert(core_soup_client_send(c, pay, n, core_monotonic_ns()) == CORE_SOUP_QUEUED);
		assert(core_soup_client_pending(c) == 42 && nsend == s0 + 1);
		inject = 20; /* ... then 20 of those 42, and nothing of the next */
		core_put_be32(pay, 101);
		assert(core_soup_client_send(c, pay, n, core_monotonic_ns()) == CORE_SOUP_BUSY);
		assert(core_soup_client_pending(c) == 22 && nsend == s0 + 2);
		inject = 0; /* ... then nothing at all */
		assert(core_soup_client_send(c, pay, n, core_monotonic_ns()) == CORE_SOUP_BUSY);
		assert(core_soup_client_pending(c) == 22 && nsend == s0 + 3);
		inject = 30; /* the 22 waiting and 8 of the next: committed */
		core_put_be32(pay, 102);
		assert(core_soup_client_send(c, pay, n, core_monotonic_ns()) == CORE_SOUP_QUEUED);
		assert(core_soup_client_pending(c) == 44);
		inject = -1; /* the 44 waiting and a whole new one */
		core_put_be32(pay, 103);
		assert(core_soup_client_send(c, pay, n, core_monotonic_ns()) == 0);
		assert(core_soup_client_pending(c) == 0 && nsend == s0 + 5);
		expect_u(100, n, pay);
		expect_u(102, n, pay);
		expect_u(103, n, pay);
		assert(srv_next(&rx, &k, 50) == -2); /* 101 was withdrawn */
		/* a tail left by a send goes out on the next poll */
		inject = 3;
		core_put_be32(pay, 104);
		assert(core_soup_client_send(c, pay, n, core_monotonic_ns()) == CORE_SOUP_QUEUED);
		inject = -1;
		assert(core_soup_client_poll(c, core_monotonic_ns(), &ev) == 0);
		assert(core_soup_client_pending(c) == 0);
		expect_u(104, n, pay);
		core_soup_client_stats(c, &st);
		assert(st.send_queued == nqueued + 3 && st.send_busy == nbusy + 2);
		printf("injected partial sends: ok\n");
	}

	/* Heartbeats: a send counts as traffic. */
	uint64_t t = core_monotonic_ns();
	assert(core_soup_client_send(c, pay, 5, t) == 0);
	assert(srv_next(&rx, &k, 2000) == 0 && k.type == 'U');
	assert(core_soup_client_poll(c, t + cc.heartbeat_ns - 1, &ev) == 0);
	assert(srv_next(&rx, &k, 50) == -2);
	assert(core_soup_client_poll(c, t + cc.heartbeat_ns, &ev) == 0);
	assert(srv_next(&rx, &k, 2000) == 0 && k.type == 'R');
	core_soup_client_stats(c, &st);
	assert(st.hb_sent == 1);

	/* The server resets the link. */
	struct linger lg = { 1, 0 };
	assert(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0);
	close(fd);
	int r = 0;
	for (int i = 0; i < 100 && r >= 0; i++) {
		r = core_soup_client_send(c, pay, 20, core_monotonic_ns());
		if (r >= 0) {
			struct timespec ts = { 0, 1000000 };
			nanosleep(&ts, NULL);
		}
	}
	printf("send after reset: %d (%s)\n", r, strerror(-r));
	assert(r == -ECONNRESET || r == -EPIPE);
	assert(core_soup_client_state(c) == CORE_SOUP_DISCONNECTED);
	assert(core_soup_client_send(c, pay, 20, core_monotonic_ns()) == CORE_SOUP_OFFLINE);
	assert(core_soup_client_poll(c, core_monotonic_ns(), &ev) == 1);
	assert(ev.kind == CORE_SOUP_EV_LINK_DOWN && ev.error == r && ev.seq == 6);
	assert(core_soup_client_error(c)[0]);
	/* Log in again: the client asks for 6, the server resumes at 4. */
	fd = login(c, lfd, &rx, 6, 4);
	for (int i = 4; i <= 7; i++) {
		char m[8];
		int n = snprintf(m, sizeof(m), "m%d", i);
		srv_put(fd, p, core_soup_put_sequenced(p, sizeof(p), m, (size_t)n));
	}
	cl_wait(c, CORE_SOUP_EV_DATA, &ev);
	assert(ev.seq == 6 && ev.len == 2 && !memcmp(ev.data, "m6", 2));
	cl_wait(c, CORE_SOUP_EV_DATA, &ev);
	assert(ev.seq == 7 && !memcmp(ev.data, "m7", 2));
	assert(core_soup_client_send(c, pay, 49, core_monotonic_ns()) == 0);
	assert(srv_next(&rx, &k, 2000) == 0 && k.type == 'U' && k.len == 49);
	core_soup_client_stats(c, &st);
	assert(st.duplicates == 2 && st.link_downs == 1 && st.logins == 2 && st.messages == 7);

	/* The owner drops the link (core_soup_client_drop): the server sees the
	 * close, the next poll reports LINK_DOWN (-EPROTO, the reason kept), the
	 * client logs in again from the next number (8: 7 were delivered). */
	assert(core_soup_client_drop(c, core_monotonic_ns(), "test: bad message") == 0);
	assert(core_soup_client_state(c) == CORE_SOUP_DISCONNECTED);
	assert(core_soup_client_drop(c, core_monotonic_ns(), NULL) == -ENOTCONN);
	assert(core_soup_client_send(c, pay, 5, core_monotonic_ns()) == CORE_SOUP_OFFLINE);
	assert(srv_next(&rx, &k, 2000) == -1); /* EOF at the server */
	close(fd);
	assert(core_soup_client_poll(c, core_monotonic_ns(), &ev) == 1);
	assert(ev.kind == CORE_SOUP_EV_LINK_DOWN && ev.error == -EPROTO && ev.seq == 8);
	assert(strstr(core_soup_client_error(c), "test: bad message"));
	fd = login(c, lfd, &rx, 8, 8);
	assert(core_soup_client_send(c, pay, 5, core_monotonic_ns()) == 0);
	assert(srv_next(&rx, &k, 2000) == 0 && k.type == 'U' && k.len == 5);
	core_soup_client_stats(c, &st);
	assert(st.link_downs == 2 && st.logins == 3 && st.duplicates == 2);

	/* Logout: O reaches the server, the close ends the client. */
	assert(core_soup_client_logout(c, core_monotonic_ns()) == 0);
	assert(core_soup_client_send(c, pay, 5, core_monotonic_ns()) == CORE_SOUP_OFFLINE);
	assert(srv_next(&rx, &k, 2000) == 0 && k.type == 'O');
	close(fd);
	deadline = core_monotonic_ns() + 5000000000ull;
	while ((r = core_soup_client_poll(c, core_monotonic_ns(), &ev)) != CORE_EOF) {
		assert(r == 0 && core_monotonic_ns() < deadline);
	}
	core_soup_client_destroy(c);
	close(lfd);
	printf("soup send: ok\n");
	return 0;
}
