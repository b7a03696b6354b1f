/* bench-mold - MoldUDP64 over loopback UDP into the feed stage (decode +
 * book), per receive mode: io_uring multishot recv (provided buffers),
 * io_uring recvmsg, and a plain recvmmsg loop, measured in the same run;
 * with --dpdk, DPDK's poll-mode receive too (a build with -Ddpdk=enabled).
 *
 *   bench-mold [--smoke] [--messages N] [--rate PPS]
 *              [--dest A.B.C.D] [--sender-netns PATH] [--dpdk EAL-ARGS]
 *
 * --dest: the receivers' address (default 127.0.0.1); --sender-netns: the
 * sender thread joins that network namespace first (bench-mold-dpdk.sh puts
 * the sender behind a veth, the receivers on its other end: DPDK's
 * net_af_packet on the veth, the kernel modes on its address); --dpdk: EAL's
 * arguments for a fourth mode, bound to --dest port 26477 (a kernel socket
 * holds that port too, so the kernel does not answer port-unreachable).
 *
 * A sender thread (pinned to cpu 0) sends a generated ITCH session as
 * MoldUDP64 packets of 20 messages with sendmmsg, stamping each message's
 * ITCH timestamp with its send time; the receiving stage runs on cpu 1 and
 * a consumer drains its ring on the same thread. Per mode:
 *  - "max": the sender as fast as it can: messages/s delivered in order to
 *    the book (kernel drops, if any, are counted as lost: no re-request server);
 *  - "paced": --rate packets/s (default 50000): receive-to-book latency (the
 *    stage's own histogram: packet reaped -> message applied to the book) and
 *    send-to-book (send stamp -> event popped), p50/p99/p99.9/max;
 *  - ns per received packet spent in the receive call itself.
 * --smoke: a short run of every mode, exit 0. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../tests/stage_poll.h"
#include "feeds.h"

static const unsigned char *msgs;
static size_t msgs_len;
static uint64_t nmsgs;
static uint64_t base_ns;
static uint32_t dest_ip = 0x7f000001;
static const char *sender_netns, *dpdk_eal;
#define DPDK_PORT 26477

struct sender {
	uint16_t port;
	uint64_t rate_pps; /* 0: max */
	uint64_t sent_pkts;
	int result;
};

static void *send_main(void *arg)
{
	struct sender *s = arg;
	core_thread_pin(0, "mold-send");
	if (sender_netns) {
		int ns = open(sender_netns, O_RDONLY | O_CLOEXEC);
		if (ns < 0 || setns(ns, CLONE_NEWNET) < 0) {
			s->result = -errno;
			fprintf(stderr, "bench-mold: network namespace %s: %s\n", sender_netns,
				strerror(errno));
			if (ns >= 0)
				close(ns);
			return NULL;
		}
		close(ns);
	}
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int sb = 8 << 20;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sb, sizeof(sb));
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(s->port),
				  .sin_addr.s_addr = htonl(dest_ip) };
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		s->result = -errno;
		close(fd);
		return NULL;
	}
	enum { B = 16 };
	static unsigned char pk[B][1500];
	struct mmsghdr mm[B];
	struct iovec iov[B];
	size_t off = 0;
	uint64_t seq = 1, due = core_now_ns();
	uint64_t gap = s->rate_pps ? 1000000000u / s->rate_pps : 0;
	while (off < msgs_len) {
		unsigned nb = s->rate_pps ? 1 : B, k;
		if (gap) {
			while (core_now_ns() < due)
				core_cpu_relax();
			due += gap;
		}
		for (k = 0; k < nb && off < msgs_len; k++) {
			struct feeds_mold_builder b;
			feeds_mold_build_begin(&b, pk[k], sizeof(pk[k]), "BENCH00001", seq);
			uint64_t t = core_now_ns() - base_ns;
			for (int i = 0; i < 20 && off < msgs_len; i++) {
				unsigned l = core_be16(msgs + off);
				unsigned char m[64];
				memcpy(m, msgs + off + 2, l);
				core_put_be48(m + 5, t); /* the send time rides in the ITCH timestamp */
				if (feeds_mold_build_add(&b, m, l) < 0)
					break;
				off += 2u + l;
				seq++;
			}
			iov[k].iov_base = pk[k];
			iov[k].iov_len = feeds_mold_build_end(&b);
			memset(&mm[k], 0, sizeof(mm[k]));
			mm[k].msg_hdr.msg_iov = &iov[k];
			mm[k].msg_hdr.msg_iovlen = 1;
		}
		unsigned done = 0;
		while (done < k) {
			int r = sendmmsg(fd, mm + done, k - done, 0);
			if (r < 0) {
				if (errno == EINTR || errno == ENOBUFS || errno == EAGAIN)
					continue;
				s->result = -errno;
				close(fd);
				return NULL;
			}
			done += (unsigned)r;
		}
		s->sent_pkts += k;
	}
	/* end of session, a few times */
	unsigned char end[FEEDS_MOLD_HDR_LEN];
	feeds_mold_control_encode(end, "BENCH00001", seq, FEEDS_MOLD_COUNT_END);
	for (int i = 0; i < 50; i++) {
		send(fd, end, sizeof(end), 0);
		usleep(2000);
	}
	close(fd);
	return NULL;
}

struct result {
	double msgs_per_s;
	uint64_t delivered, lost, missed;
	struct core_hist r2b, s2b;
	uint64_t recv_ns_per_pkt;
	enum feeds_udp_mode used;
};

/* A receiver's config: --dest and an ephemeral port, or DPDK's fixed one. */
static struct feeds_udp_cfg udp_cfg(enum feeds_udp_mode mode, char *bind, size_t n)
{
	struct in_addr a = { .s_addr = htonl(dest_ip) };
	snprintf(bind, n, "%s:%u", inet_ntoa(a), mode == FEEDS_UDP_DPDK ? DPDK_PORT : 0);
	return (struct feeds_udp_cfg){ .bind = bind, .mode = mode, .nbufs = 1024,
				       .rcvbuf = 32 << 20,
				       .dpdk_eal = mode == FEEDS_UDP_DPDK ? dpdk_eal : NULL };
}

/* DPDK: a kernel socket on the port it receives (the kernel sees the
 * datagrams too: without one it would answer each with port-unreachable,
 * which fails the sender's next send). Its queue fills and the rest drop. */
static int sink_open(enum feeds_udp_mode mode)
{
	if (mode != FEEDS_UDP_DPDK)
		return -1;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), small = 4096;
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(DPDK_PORT),
				  .sin_addr.s_addr = htonl(dest_ip) };
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int run(enum feeds_udp_mode mode, uint64_t rate, struct result *res)
{
	char err[512], bind_to[64];
	struct core_ring *ring = core_ring_create("md", 8192, sizeof(struct md_event));
	struct core_hist_pair *hp = core_alloc(sizeof(*hp), CORE_CACHE_LINE);
	if (!ring || !hp || core_hist_pair_init(hp) < 0)
		return -ENOMEM;
	struct feeds_mold_live_cfg mc = {
		.udp = udp_cfg(mode, bind_to, sizeof(bind_to)),
		.seq = { .gap_timeout_ns = 20000000 },
		.idle_timeout_ns = 5000000000ull,
	};
	struct feeds_stage *st;
	struct feeds_stage_cfg cfg = { .out = { ring }, .nout = 1, .mold = &mc, .hist = hp };
	int r = feeds_stage_create(&cfg, &st, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "bench-mold: %s\n", err);
		return r;
	}
	struct feeds_stats fs;
	feeds_stage_stats(st, &fs);
	struct sender snd = { .port = fs.mold.local_port, .rate_pps = rate };
	int sink = sink_open(mode);
	core_hist_init(&res->s2b);
	pthread_t th;
	pthread_create(&th, NULL, send_main, &snd);
	struct md_event ev;
	uint64_t first = 0, last = 0, n = 0;
	for (;;) {
		r = poll_once(feeds_stage_poll, st, NULL);
		while (core_ring_pop(ring, &ev) == 0) {
			if (ev.kind == MD_EOS || ev.kind == MD_GAP)
				continue;
			uint64_t now = core_now_ns();
			if (!first)
				first = now;
			last = now;
			n++;
			core_hist_record(&res->s2b, (int64_t)(now - base_ns - ev.ts_ns));
		}
		if (r < 0 || r == CORE_EOF)
			break;
	}
	pthread_join(th, NULL);
	if (sink >= 0)
		close(sink);
	if (r < 0)
		fprintf(stderr, "bench-mold: %s\n", feeds_stage_error(st));
	if (snd.result < 0 && r >= 0)
		r = snd.result;
	feeds_stage_stats(st, &fs);
	res->delivered = n;
	res->lost = fs.mold.lost_messages;
	res->missed = fs.mold.rx_missed;
	res->msgs_per_s = last > first ? (double)n * 1e9 / (double)(last - first) : 0;
	core_hist_init(&res->r2b);
	core_hist_merge(&res->r2b, &hp->h[0]);
	core_hist_merge(&res->r2b, &hp->h[1]);
	res->used = mode;
	feeds_stage_destroy(st);
	core_hist_pair_fini(hp);
	core_free(hp);
	core_ring_destroy(ring);
	return r < 0 ? r : 0;
}

/* ns per received packet inside feeds_udp_recv, sender at max rate. */
static uint64_t recv_cost(enum feeds_udp_mode mode)
{
	char err[256], bind_to[64];
	struct feeds_udp *u;
	struct feeds_udp_cfg uc = udp_cfg(mode, bind_to, sizeof(bind_to));
	if (feeds_udp_open(&uc, &u, err, sizeof(err)) < 0)
		return 0;
	struct sender snd = { .port = feeds_udp_port(u) };
	int sink = sink_open(mode);
	pthread_t th;
	pthread_create(&th, NULL, send_main, &snd);
	struct feeds_udp_pkt pk[32];
	uint64_t in_recv = 0, pkts = 0, idle_since = core_now_ns();
	while (core_now_ns() - idle_since < 200000000u) {
		uint64_t t = core_now_ns();
		int k = feeds_udp_recv(u, pk, 32);
		if (k > 0) {
			in_recv += core_now_ns() - t;
			pkts += (uint64_t)k;
			idle_since = core_now_ns();
			for (int i = 0; i < k; i++)
				feeds_udp_release(u, &pk[i]);
		}
	}
	pthread_join(th, NULL);
	if (sink >= 0)
		close(sink);
	feeds_udp_close(u);
	return pkts ? in_recv / pkts : 0;
}

static const char *mode_name[] = { "io_uring multishot", "io_uring recvmsg", "recvmmsg loop",
				   "DPDK rx burst" };

static void print_hist(const char *what, const struct core_hist *h)
{
	printf("    %-15s p50 %7" PRId64 "  p99 %7" PRId64 "  p99.9 %8" PRId64 "  max %9" PRId64
	       " ns\n",
	       what, core_hist_value_at(h, 50), core_hist_value_at(h, 99),
	       core_hist_value_at(h, 99.9), core_hist_max(h));
}

int main(int argc, char **argv)
{
	bool smoke = false;
	uint64_t messages = 1000000, rate = 50000;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke"))
			smoke = true;
		else if (!strcmp(argv[i], "--messages") && i + 1 < argc)
			messages = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--rate") && i + 1 < argc)
			rate = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--dest") && i + 1 < argc) {
			struct in_addr a;
			if (inet_pton(AF_INET, argv[++i], &a) != 1) {
				fprintf(stderr, "bench-mold: --dest %s is not A.B.C.D\n", argv[i]);
				return 2;
			}
			dest_ip = ntohl(a.s_addr);
		} else if (!strcmp(argv[i], "--sender-netns") && i + 1 < argc)
			sender_netns = argv[++i];
		else if (!strcmp(argv[i], "--dpdk") && i + 1 < argc)
			dpdk_eal = argv[++i];
		else {
			fprintf(stderr, "usage: bench-mold [--smoke] [--messages N] [--rate PPS] "
					"[--dest A.B.C.D] [--sender-netns PATH] [--dpdk EAL-ARGS]\n");
			return 2;
		}
	}
	if (smoke)
		messages = 20000;
	core_clock_init(0);
	core_thread_pin(1, "mold-recv");
	struct feeds_gen_cfg gc = { .seed = 5, .messages = messages, .symbols = 8 };
	size_t cap = feeds_gen_bound(&gc);
	unsigned char *buf = malloc(cap);
	char err[256];
	if (!buf || feeds_gen(&gc, buf, cap, &msgs_len, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench-mold: %s\n", err);
		return 1;
	}
	msgs = buf;
	nmsgs = messages;
	base_ns = core_now_ns();
	struct in_addr a = { .s_addr = htonl(dest_ip) };
	printf("MoldUDP64 to %s%s%s: %" PRIu64 " ITCH messages, 20 per packet, receiver on cpu 1, "
	       "sender on cpu 0\n",
	       inet_ntoa(a), sender_netns ? ", sender in " : " (loopback)",
	       sender_netns ? sender_netns : "", messages);
	if (dpdk_eal)
		printf("DPDK: EAL %s; the kernel modes read the same wire's datagrams\n", dpdk_eal);
	int rc = 0;
	for (int m = 0; m < (dpdk_eal ? 4 : 3); m++) {
		struct result mx = { 0 }, pc = { 0 };
		if (run((enum feeds_udp_mode)m, 0, &mx) < 0 ||
		    run((enum feeds_udp_mode)m, rate, &pc) < 0) {
			rc = 1;
			continue;
		}
		uint64_t cost = smoke ? 0 : recv_cost((enum feeds_udp_mode)m);
		printf("%s:\n", mode_name[m]);
		printf("    max rate: %.2f M messages/s into the book (%" PRIu64 " delivered, %" PRIu64
		       " lost to drops%s",
		       mx.msgs_per_s / 1e6, mx.delivered, mx.lost, m == FEEDS_UDP_DPDK ? "" : ")\n");
		if (m == FEEDS_UDP_DPDK)
			printf("; %" PRIu64 " packets dropped by the device)\n", mx.missed);
		if (!smoke)
			printf("    receive call: %" PRIu64 " ns per packet\n", cost);
		printf("    paced %" PRIu64 " packets/s (%" PRIu64 " delivered, %" PRIu64 " lost):\n",
		       rate, pc.delivered, pc.lost);
		print_hist("receive-to-book", &pc.r2b);
		print_hist("send-to-book", &pc.s2b);
		core_hist_fini(&mx.r2b);
		core_hist_fini(&mx.s2b);
		core_hist_fini(&pc.r2b);
		core_hist_fini(&pc.s2b);
	}
	free(buf);
	return rc;
}
