/*
 * bench-gw-ouch - tick-to-wire of the OUCH 4.2 gateway alone: the time from
 * the gateway's send() entry to its return for an Enter Order on loopback
 * (the order manager records tick_to_wire right after that return: the
 * bytes are with the kernel then), beside a bare send(2) of the same 52
 * bytes on a plain TCP connection in the same run (bench-echo's
 * send_syscall: the floor).
 *
 * A venue thread (pinned to cpu A) accepts the gateway's SoupBinTCP session,
 * answers its Login Request, and answers every Enter Order with a Canceled
 * for all its shares, so the gateway's order table never fills; it drains
 * the plain connection's bytes. The engine thread (cpu B) calls the
 * gateway's exec_venue ops directly (no stage, no rings): send() one Enter
 * Order, timed; then poll() until the venue's Canceled has come back (one
 * order in flight at a time, as in bench-echo). Then the same count of bare
 * send(2)s, each after the venue has drained the previous one. Prints p50,
 * p99, p99.9 and max in ns.
 *
 * usage: bench-gw-ouch [--smoke] [--iters N] [--cpus A,B]
 */
#define _GNU_SOURCE
#include "exec.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static uint64_t iters = 200000;
static int cpu_venue = 0, cpu_engine = 1;
static int lst, plain_rx, plain_tx;
static struct sockaddr_in lst_addr;
static _Atomic uint64_t plain_got; /* bytes the venue has read on the plain connection */
static _Atomic bool stop;
static struct core_hist h_gw, h_plain;

#define PLAIN_BYTES 52 /* an Enter Order (49) in its SoupBinTCP packet (3) */

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void put_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			die("venue send");
		}
		p += w;
		n -= (size_t)w;
	}
}

/* The venue: the gateway's session, and the plain connection's bytes. */
static void *venue_main(void *arg)
{
	(void)arg;
	core_thread_pin(cpu_venue, "venue");
	int fd = accept(lst, NULL, NULL);
	if (fd < 0)
		die("accept");
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	static unsigned char in[1 << 16], plain[1 << 16];
	size_t len = 0;
	uint64_t vts = 34200000000000ull;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		ssize_t n = recv(plain_rx, plain, sizeof(plain), MSG_DONTWAIT);
		if (n > 0)
			/* pairs with the engine's acquire load: a counter, no data behind it */
			atomic_fetch_add_explicit(&plain_got, (uint64_t)n, memory_order_release);
		n = recv(fd, in + len, sizeof(in) - len, MSG_DONTWAIT);
		if (n == 0)
			break;
		if (n < 0) {
			core_cpu_relax();
			continue;
		}
		len += (size_t)n;
		size_t off = 0;
		for (;;) {
			struct core_soup_pkt k;
			char err[160];
			int r = core_soup_next(in, len, &off, CORE_SOUP_FROM_CLIENT, &k, err,
			                       sizeof(err));
			if (r == CORE_EOF || r == CORE_SOUP_PARTIAL)
				break;
			if (r < 0) {
				fprintf(stderr, "venue: %s\n", err);
				exit(1);
			}
			unsigned char out[128];
			if (k.type == 'L') {
				put_all(fd, out,
				        (size_t)core_soup_put_accepted(out, sizeof(out), "BENCH", 1));
			} else if (k.type == 'U') {
				struct exec_ouch_msg m;
				if (exec_ouch_decode(k.payload, k.len, EXEC_OUCH_INBOUND, &m, err,
				                     sizeof(err)) != EXEC_OUCH_ENTER) {
					fprintf(stderr, "venue: %s\n", err);
					exit(1);
				}
				struct exec_ouch_msg c = { .kind = EXEC_OUCH_CANCELED };
				c.canceled.ts_ns = vts += 1000;
				memcpy(c.canceled.token, m.enter.token, EXEC_TOKEN_LEN);
				c.canceled.decrement = m.enter.shares;
				c.canceled.reason = 'U';
				unsigned char b[EXEC_OUCH_MAX_LEN];
				int bn = exec_ouch_encode(b, sizeof(b), &c);
				put_all(fd, out,
				        (size_t)core_soup_put_sequenced(out, sizeof(out), b, (size_t)bn));
			}
		}
		memmove(in, in + off, len - off);
		len -= off;
	}
	close(fd);
	return NULL;
}

static void report(const char *name, const struct core_hist *h)
{
	printf("%-22s count=%lld p50=%lld p99=%lld p99.9=%lld max=%lld ns\n", name,
	       (long long)h->total, (long long)core_hist_value_at(h, 50),
	       (long long)core_hist_value_at(h, 99), (long long)core_hist_value_at(h, 99.9),
	       (long long)core_hist_max(h));
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke"))
			iters = 3000;
		else if (!strcmp(argv[i], "--iters") && i + 1 < argc)
			iters = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--cpus") && i + 1 < argc &&
		         sscanf(argv[i + 1], "%d,%d", &cpu_venue, &cpu_engine) == 2)
			i++;
		else {
			fprintf(stderr, "usage: bench-gw-ouch [--smoke] [--iters N] [--cpus A,B]\n");
			return 2;
		}
	}
	core_clock_init(20);
	if (core_hist_init(&h_gw) || core_hist_init(&h_plain))
		die("hist");
	if (core_cpu_count() < 2)
		cpu_venue = cpu_engine = -1;

	/* one listening socket: the plain connection first, then the gateway's */
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	lst = socket(AF_INET, SOCK_STREAM, 0);
	if (lst < 0 || bind(lst, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lst, 2) < 0 ||
	    getsockname(lst, (struct sockaddr *)&lst_addr, &al) < 0)
		die("listen");
	plain_tx = socket(AF_INET, SOCK_STREAM, 0);
	if (plain_tx < 0 || connect(plain_tx, (struct sockaddr *)&lst_addr, sizeof(lst_addr)) < 0)
		die("connect");
	plain_rx = accept(lst, NULL, NULL);
	if (plain_rx < 0)
		die("accept");
	int one = 1;
	setsockopt(plain_tx, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(plain_rx, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	pthread_t th;
	if (pthread_create(&th, NULL, venue_main, NULL))
		die("thread");
	core_thread_pin(cpu_engine, "engine");

	char addr[32], err[256];
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", ntohs(lst_addr.sin_port));
	struct exec_ouch_gw *g;
	struct exec_ouch_gw_config gc = { .connect = addr,
		                          .user = "BENCH",
		                          .password = "PW",
		                          .firm = "OSPR",
		                          .recv_every_ns = 1,
		                          .heartbeat_ns = 1000000000ull,
		                          .timeout_ns = 60000000000ull,
		                          .max_orders = 1024 };
	if (exec_ouch_gw_create(&gc, &g, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench-gw-ouch: %s\n", err);
		return 1;
	}
	struct exec_venue v = exec_ouch_gw_venue(g);
	struct exec_report rep[64];
	uint64_t end = core_now_ns() + 5000000000ull;
	while (v.ops->session(v.ctx) != EXEC_SESSION_UP) {
		if (v.ops->poll(v.ctx, rep, 64) < 0 || core_now_ns() > end) {
			fprintf(stderr, "bench-gw-ouch: no session\n");
			return 1;
		}
	}
	struct md_event r = { .seq = 1, .locate = 1, .kind = MD_STATUS, .msg_type = 'R' };
	memcpy(&r.ref, "AMZN    ", 8);
	v.ops->market(v.ctx, &r);

	uint64_t warm = iters / 20 + 100, busy = 0;
	for (uint64_t i = 0; i < iters + warm; i++) {
		struct order_msg m = { .seq = 1 + i,
			               .order_id = 1 + i,
			               .px = 1892500 + (uint32_t)(i % 100),
			               .qty = 100,
			               .locate = 1,
			               .side = i & 1 ? 'S' : 'B',
			               .kind = ORDER_NEW };
		int rc;
		for (;;) {
			uint64_t t0 = core_now_ns();
			rc = v.ops->send(v.ctx, &m);
			uint64_t t1 = core_now_ns();
			if (rc == 0) {
				if (i >= warm)
					core_hist_record(&h_gw, (int64_t)(t1 - t0));
				break;
			}
			if (rc < 0) {
				fprintf(stderr, "bench-gw-ouch: send %d\n", rc);
				return 1;
			}
			busy++;
			v.ops->poll(v.ctx, rep, 64);
		}
		/* the venue's Canceled: one order in flight at a time */
		struct exec_venue_stats vs;
		do {
			if (v.ops->poll(v.ctx, rep, 64) < 0) {
				fprintf(stderr, "bench-gw-ouch: poll failed\n");
				return 1;
			}
			v.ops->stats(v.ctx, &vs);
		} while (vs.open_orders);
	}

	unsigned char pkt[PLAIN_BYTES];
	memset(pkt, 'O', sizeof(pkt));
	for (uint64_t i = 0; i < iters + warm; i++) {
		uint64_t t0 = core_now_ns();
		if (send(plain_tx, pkt, sizeof(pkt), MSG_DONTWAIT | MSG_NOSIGNAL) != sizeof(pkt))
			die("plain send");
		uint64_t t1 = core_now_ns();
		if (i >= warm)
			core_hist_record(&h_plain, (int64_t)(t1 - t0));
		/* pairs with the venue's release add */
		while (atomic_load_explicit(&plain_got, memory_order_acquire) < (i + 1) * sizeof(pkt))
			core_cpu_relax();
	}

	struct exec_ouch_gw_stats st;
	exec_ouch_gw_stats(g, &st);
	printf("OUCH gateway tick-to-wire over loopback, %llu Enter Orders (each answered by a "
	       "Canceled before the next), cpus venue %d engine %d; busy retries %llu\n",
	       (unsigned long long)iters, cpu_venue, cpu_engine, (unsigned long long)busy);
	report("gw_send_enter_order", &h_gw);
	report("bare_send_52B", &h_plain);
	if (st.enters != iters + warm || st.msgs[EXEC_OUCH_CANCELED] != iters + warm ||
	    st.open_orders) {
		fprintf(stderr, "bench-gw-ouch: enters %llu canceled %llu open %llu\n",
		        (unsigned long long)st.enters,
		        (unsigned long long)st.msgs[EXEC_OUCH_CANCELED],
		        (unsigned long long)st.open_orders);
		return 1;
	}
	atomic_store(&stop, true);
	exec_ouch_gw_destroy(g); /* the venue sees the close */
	pthread_join(th, NULL);
	close(plain_tx);
	close(plain_rx);
	close(lst);
	return 0;
}
