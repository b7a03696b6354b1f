/* The MoldUDP64 publisher as a venue uses it: every message reported once, in
 * order, by on_publish; with speed > 0, packets paced by the ITCH timestamps
 * (never a message before it is due); and the packets on the wire hold
 * exactly the published ranges; a resumed session (first_seq) starts there. */
#undef NDEBUG
#include <arpa/inet.h>
#include <assert.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "feeds.h"

struct seen {
	uint64_t next; /* the next first_seq expected */
	uint64_t calls;
	uint64_t t_first, t_last;
};

static void on_publish(void *arg, uint64_t first, uint16_t count, uint64_t sent_ns)
{
	struct seen *s = arg;
	assert(first == s->next && count > 0);
	s->next += count;
	if (!s->calls++)
		s->t_first = sent_ns;
	assert(sent_ns >= s->t_last);
	s->t_last = sent_ns;
}

/* Publish the session from message `first`; returns the wall time it took (ns). */
static uint64_t publish_from(const unsigned char *buf, size_t len, double speed, uint64_t first,
                             int rx, uint16_t port, struct seen *s, uint64_t *ret_rx_msgs)
{
	char dest[32];
	snprintf(dest, sizeof(dest), "127.0.0.1:%u", port);
	struct feeds_mold_pub_cfg pc = { .dest = dest,
		                         .msgs = buf,
		                         .msgs_len = len,
		                         .max_count = 20,
		                         .speed = speed,
		                         .on_publish = on_publish,
		                         .on_publish_arg = s,
		                         .linger_ns = 1000000,
		                         .first_seq = first };
	struct feeds_mold_pub *p;
	char err[200];
	assert(feeds_mold_pub_create(&pc, &p, err, sizeof(err)) == 0);
	uint64_t t0 = core_now_ns(), rx_msgs = 0, expect = first;
	uint32_t work;
	int r;
	while ((r = feeds_mold_pub_poll(p, core_now_ns(), &work)) == 0) {
		unsigned char pkt[2048];
		ssize_t n;
		while ((n = recv(rx, pkt, sizeof(pkt), MSG_DONTWAIT)) > 0) {
			if (n < 20)
				continue;
			uint64_t seq = core_be64(pkt + 10);
			uint16_t cnt = core_be16(pkt + 18);
			if (cnt == 0 || cnt == 0xffff)
				continue;
			assert(seq == expect); /* loopback, no loss: the ranges in order */
			expect += cnt;
			rx_msgs += cnt;
		}
		assert(core_now_ns() - t0 < 20000000000ull);
	}
	assert(r == CORE_EOF);
	feeds_mold_pub_destroy(p);
	*ret_rx_msgs = rx_msgs;
	return core_now_ns() - t0;
}

static uint64_t publish(const unsigned char *buf, size_t len, double speed, int rx, uint16_t port,
                        struct seen *s, uint64_t *ret_rx_msgs)
{
	return publish_from(buf, len, speed, 1, rx, port, s, ret_rx_msgs);
}

int main(void)
{
	core_clock_init(5);
	struct feeds_gen_cfg gc = { .seed = 3, .messages = 4000, .symbols = 2 };
	size_t cap = feeds_gen_bound(&gc), len;
	unsigned char *buf = malloc(cap);
	char err[200];
	assert(buf && feeds_gen(&gc, buf, cap, &len, err, sizeof(err)) == 0);
	/* the session spans from its first to its last timestamp */
	uint64_t first_ts = core_be48(buf + 2 + 5), last_ts = 0;
	uint64_t n = 0;
	for (size_t o = 0; o < len; o += 2 + core_be16(buf + o), n++)
		last_ts = core_be48(buf + o + 2 + 5);
	int rx = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	int big = 8 << 20;
	setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	assert(rx >= 0 && bind(rx, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	       getsockname(rx, (struct sockaddr *)&a, &al) == 0);
	uint16_t port = ntohs(a.sin_port);

	/* as fast as possible */
	struct seen s = { .next = 1 };
	uint64_t got;
	uint64_t t_max = publish(buf, len, 0, rx, port, &s, &got);
	assert(s.next == n + 1 && got == n);
	/* resumed after message 1000 (a venue restarted): from 1001 on */
	struct seen r = { .next = 1001 };
	publish_from(buf, len, 0, 1001, rx, port, &r, &got);
	assert(r.next == n + 1 && got == n - 1000);
	struct feeds_mold_pub_cfg past = { .dest = "127.0.0.1:9", .msgs = buf, .msgs_len = len,
		                           .first_seq = n + 2 };
	struct feeds_mold_pub *pp;
	assert(feeds_mold_pub_create(&past, &pp, err, sizeof(err)) == -EINVAL);
	assert(strstr(err, "first_seq"));
	/* paced: the day squeezed into about 0.3 s */
	double speed = (double)(last_ts - first_ts) / 300e6;
	struct seen p = { .next = 1 };
	uint64_t t_paced = publish(buf, len, speed, rx, port, &p, &got);
	assert(p.next == n + 1 && got == n);
	uint64_t span = p.t_last - p.t_first;
	printf("mold publisher: %llu messages; max speed %.1f ms in %llu packets; speed %.0fx: "
	       "published over %.1f ms (session span / speed = 300 ms), %llu packets\n",
	       (unsigned long long)n, t_max / 1e6, (unsigned long long)s.calls, speed, span / 1e6,
	       (unsigned long long)p.calls);
	/* never early: the last message is due 300 ms after the first */
	assert(span >= 299000000ull && t_paced >= span);
	/* paced packets carry only what is due, so more of them than at max speed */
	assert(p.calls > s.calls);
	close(rx);
	free(buf);
	printf("ok\n");
	return 0;
}
