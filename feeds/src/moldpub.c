/* moldpub.c - a MoldUDP64 publisher with a re-request server, for
 * osprey-gen --mold and the loopback tests. Not a hot path: plain sockets. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "feeds.h"

enum { PUB_SENDING = 0, PUB_ENDING = 1, PUB_DONE = 2 };

struct feeds_mold_pub {
	int fd;
	uint32_t dest_ip, src_ip;
	uint16_t dest_port, src_port;
	char session[10];
	const unsigned char *msgs;
	uint32_t *off;   /* frame offset of message seq (1-based: off[seq - 1]) */
	uint64_t n;
	uint64_t next;   /* next sequence number to send */
	uint16_t max_payload, max_count;
	double drop, reorder;
	uint64_t rng;
	uint64_t rate_pps, heartbeat_ns, linger_ns;
	double speed;
	uint64_t pace_wall0, pace_ts0; /* speed > 0: wall time and ITCH time of the first message */
	void (*on_publish)(void *arg, uint64_t first_seq, uint16_t count, uint64_t sent_ns);
	void *on_publish_arg;
	int phase;
	uint64_t next_due, last_send, last_req, end_at, last_end;
	bool started;
	unsigned char held[FEEDS_MOLD_MAX_PKT];
	size_t held_len;
	unsigned char pkt[FEEDS_MOLD_MAX_PKT];
	struct feeds_pcap_writer *pcap;
	struct feeds_mold_pub_stats st;
};

static uint64_t rnd(struct feeds_mold_pub *p)
{
	p->rng ^= p->rng << 13;
	p->rng ^= p->rng >> 7;
	p->rng ^= p->rng << 17;
	return p->rng;
}

static double rnd01(struct feeds_mold_pub *p)
{
	return (double)(rnd(p) >> 11) / 9007199254740992.0;
}

int feeds_mold_pub_create(const struct feeds_mold_pub_cfg *cfg, struct feeds_mold_pub **ret,
			  char *err, size_t errlen)
{
	int r;
	uint32_t dip, sip = 0;
	uint16_t dport, sport = 0;
	if (!cfg || feeds_udp_addr(cfg->dest, &dip, &dport) < 0 || dport == 0) {
		core_errf(err, errlen, "mold publisher: destination '%s' is not A.B.C.D:PORT",
		          cfg && cfg->dest ? cfg->dest : "(null)");
		return -EINVAL;
	}
	if (cfg->serve && feeds_udp_addr(cfg->serve, &sip, &sport) < 0) {
		core_errf(err, errlen, "mold publisher: serve address '%s' is not A.B.C.D:PORT",
		          cfg->serve);
		return -EINVAL;
	}
	if (!(cfg->speed >= 0 && cfg->speed <= 1e9)) {
		core_errf(err, errlen, "mold publisher: speed must be in [0, 1e9]");
		return -EINVAL;
	}
	if (!(cfg->drop >= 0 && cfg->drop < 1) || !(cfg->reorder >= 0 && cfg->reorder < 1)) {
		core_errf(err, errlen, "mold publisher: drop and reorder must be in [0, 1)");
		return -EINVAL;
	}
	if (cfg->max_payload && (cfg->max_payload < 100 || cfg->max_payload > FEEDS_MOLD_MAX_PKT)) {
		core_errf(err, errlen, "mold publisher: max_payload %u outside 100..%u",
		          cfg->max_payload, FEEDS_MOLD_MAX_PKT);
		return -EINVAL;
	}
	/* index the day file */
	const unsigned char *m = cfg->msgs;
	uint64_t n = 0;
	size_t o = 0;
	while (o < cfg->msgs_len) {
		if (cfg->msgs_len - o < 2 || core_be16(m + o) == 0 ||
		    cfg->msgs_len - o - 2 < core_be16(m + o)) {
			core_errf(err, errlen, "mold publisher: input offset %zu: bad frame", o);
			return -EINVAL;
		}
		o += 2 + (size_t)core_be16(m + o);
		n++;
	}
	if (n >= UINT32_MAX || cfg->msgs_len >= UINT32_MAX) {
		core_errf(err, errlen, "mold publisher: input too large");
		return -EINVAL;
	}
	struct feeds_mold_pub *p = core_alloc(sizeof(*p), CORE_CACHE_LINE);
	if (!p)
		goto fail_nomem;
	p->off = core_alloc((n + 1) * sizeof(uint32_t), CORE_CACHE_LINE);
	if (!p->off) {
		core_free(p);
		goto fail_nomem;
	}
	o = 0;
	for (uint64_t i = 0; i < n; i++) {
		p->off[i] = (uint32_t)o;
		o += 2 + (size_t)core_be16(m + o);
	}
	if (cfg->first_seq > n + 1) {
		core_errf(err, errlen, "mold publisher: first_seq %" PRIu64 " past the %" PRIu64
			  " messages", cfg->first_seq, n);
		core_free(p->off);
		core_free(p);
		return -EINVAL;
	}
	p->msgs = m;
	p->n = n;
	p->next = cfg->first_seq ? cfg->first_seq : 1;
	p->dest_ip = dip;
	p->dest_port = dport;
	bool named = false;
	for (int i = 0; i < 10; i++)
		named |= cfg->session[i] != 0;
	memcpy(p->session, named ? cfg->session : "OSPREY0001", 10);
	p->max_payload = cfg->max_payload ? cfg->max_payload : 1400;
	p->max_count = cfg->max_count ? cfg->max_count : FEEDS_MOLD_COUNT_END - 1;
	p->drop = cfg->drop;
	p->reorder = cfg->reorder;
	p->rng = cfg->seed * 0x9E3779B97F4A7C15ull + 0x243F6A8885A308D3ull;
	if (!p->rng)
		p->rng = 1;
	p->rate_pps = cfg->rate_pps;
	p->speed = cfg->speed;
	p->on_publish = cfg->on_publish;
	p->on_publish_arg = cfg->on_publish_arg;
	p->heartbeat_ns = cfg->heartbeat_ns ? cfg->heartbeat_ns : 1000000000ull;
	p->linger_ns = cfg->linger_ns ? cfg->linger_ns : 2000000000ull;
	p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		r = -errno;
		core_errf(err, errlen, "mold publisher: socket: %s", strerror(-r));
		goto fail_free_off;
	}
	int sb = 4 << 20, ttl = 1, loop = 1;
	(void)setsockopt(p->fd, SOL_SOCKET, SO_SNDBUF, &sb, sizeof(sb));
	(void)setsockopt(p->fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl));
	(void)setsockopt(p->fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof(loop));
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(sport),
				  .sin_addr.s_addr = htonl(sip) };
	if (bind(p->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		core_errf(err, errlen, "mold publisher: bind %s: %s",
		          cfg->serve ? cfg->serve : "0.0.0.0:0", strerror(-r));
		goto fail_close;
	}
	socklen_t sl = sizeof(sa);
	if (getsockname(p->fd, (struct sockaddr *)&sa, &sl) == 0)
		p->src_port = ntohs(sa.sin_port);
	p->src_ip = sip ? sip : 0x7f000001u;
	p->st.serve_port = p->src_port;
	if (cfg->pcap) {
		r = feeds_pcap_writer_open(cfg->pcap, &p->pcap, err, errlen);
		if (r < 0)
			goto fail_close;
	}
	*ret = p;
	return 0;

fail_close:
	close(p->fd);
fail_free_off:
	core_free(p->off);
	core_free(p);
	return r;
fail_nomem:
	core_errf(err, errlen, "mold publisher: out of memory");
	return -ENOMEM;
}

struct feeds_mold_pub *feeds_mold_pub_destroy(struct feeds_mold_pub *p)
{
	if (!p)
		return NULL;
	feeds_pcap_writer_close(p->pcap);
	close(p->fd);
	core_free(p->off);
	core_free(p);
	return NULL;
}

static int send_to(struct feeds_mold_pub *p, const unsigned char *b, size_t len, uint32_t ip,
		   uint16_t port, uint64_t now)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(ip) };
	for (;;) {
		if (sendto(p->fd, b, len, 0, (struct sockaddr *)&sa, sizeof(sa)) >= 0)
			break;
		if (errno == EINTR || errno == ENOBUFS || errno == EAGAIN)
			continue;
		if (errno == ECONNREFUSED) /* a stale ICMP error: nobody listened earlier */
			break;
		return -errno;
	}
	p->last_send = now;
	if (p->pcap) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		int r = feeds_pcap_write_udp(p->pcap, (uint64_t)ts.tv_sec * 1000000000u +
							      (uint64_t)ts.tv_nsec,
					     p->src_ip, p->src_port, ip, port, b, len);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Build a packet of messages from seq, at most `limit` of them. Returns its length. */
static size_t build(struct feeds_mold_pub *p, uint64_t seq, uint64_t limit, uint16_t *ret_count)
{
	struct feeds_mold_builder b;
	feeds_mold_build_begin(&b, p->pkt, p->max_payload, p->session, seq);
	while (seq <= p->n && b.count < limit && b.count < p->max_count) {
		const unsigned char *f = p->msgs + p->off[seq - 1];
		if (feeds_mold_build_add(&b, f + 2, core_be16(f)) < 0)
			break;
		seq++;
	}
	*ret_count = b.count;
	return feeds_mold_build_end(&b);
}

static int serve(struct feeds_mold_pub *p, uint64_t now)
{
	int work = 0;
	for (int k = 0; k < 16; k++) {
		unsigned char req[64];
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t len = recvfrom(p->fd, req, sizeof(req), MSG_DONTWAIT, (struct sockaddr *)&from,
				       &fl);
		if (len < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNREFUSED)
				break;
			if (errno == EINTR)
				continue;
			return -errno;
		}
		work++;
		char ss[10];
		uint64_t seq;
		uint16_t count;
		if (feeds_mold_request_decode(req, (size_t)len, ss, &seq, &count) < 0 ||
		    memcmp(ss, p->session, 10) != 0 || seq == 0 || seq >= p->next) {
			p->st.bad_requests++;
			continue;
		}
		p->st.requests++;
		p->last_req = now;
		uint64_t end = seq + count;
		if (end > p->next)
			end = p->next; /* only what was already published */
		for (int pk = 0; seq < end && pk < 64; pk++) {
			uint16_t c;
			size_t l = build(p, seq, end - seq, &c);
			if (!c)
				break;
			int r = send_to(p, p->pkt, l, ntohl(from.sin_addr.s_addr),
					ntohs(from.sin_port), now);
			if (r < 0)
				return r;
			p->st.resent_packets++;
			p->st.resent_messages += c;
			seq += c;
		}
	}
	return work;
}

/* ITCH timestamp (ns since midnight) of message seq: bytes 5..10 of the message. */
static uint64_t msg_ts(const struct feeds_mold_pub *p, uint64_t seq)
{
	const unsigned char *f = p->msgs + p->off[seq - 1];
	return core_be16(f) >= 11 ? core_be48(f + 2 + 5) : 0;
}

/* speed > 0: how many messages from p->next are due at now (0: none yet). */
static uint64_t due_count(struct feeds_mold_pub *p, uint64_t now)
{
	if (p->speed <= 0)
		return UINT64_MAX;
	if (!p->pace_wall0) {
		p->pace_wall0 = now;
		p->pace_ts0 = msg_ts(p, p->next);
	}
	uint64_t n = 0;
	for (uint64_t s = p->next; s <= p->n && n < p->max_count; s++, n++) {
		uint64_t ts = msg_ts(p, s);
		if (ts < p->pace_ts0) { /* time went back (a new day): rebase */
			p->pace_wall0 = now;
			p->pace_ts0 = ts;
		}
		if (now < p->pace_wall0 + (uint64_t)((double)(ts - p->pace_ts0) / p->speed))
			break;
	}
	return n;
}

static int send_data(struct feeds_mold_pub *p, uint64_t now, uint64_t limit)
{
	uint16_t c;
	size_t l = build(p, p->next, limit, &c);
	if (!c)
		return -EMSGSIZE; /* a message longer than max_payload */
	uint64_t first = p->next;
	p->next += c;
	p->st.messages += c;
	p->st.packets++;
	int r = 0;
	if (rnd01(p) < p->drop) {
		p->st.dropped++;
	} else if (p->held_len) {
		r = send_to(p, p->pkt, l, p->dest_ip, p->dest_port, now);
		if (r == 0)
			r = send_to(p, p->held, p->held_len, p->dest_ip, p->dest_port, now);
		p->held_len = 0;
	} else if (rnd01(p) < p->reorder) {
		memcpy(p->held, p->pkt, l);
		p->held_len = l;
		p->st.reordered++;
	} else {
		r = send_to(p, p->pkt, l, p->dest_ip, p->dest_port, now);
	}
	if (r == 0 && p->on_publish)
		p->on_publish(p->on_publish_arg, first, c, core_now_ns());
	return r;
}

static int send_control(struct feeds_mold_pub *p, uint16_t count, uint64_t now)
{
	unsigned char b[FEEDS_MOLD_HDR_LEN];
	feeds_mold_control_encode(b, p->session, p->next, count);
	if (count == FEEDS_MOLD_COUNT_END)
		p->st.ends++;
	else
		p->st.heartbeats++;
	return send_to(p, b, sizeof(b), p->dest_ip, p->dest_port, now);
}

int feeds_mold_pub_poll(struct feeds_mold_pub *p, uint64_t now, uint32_t *ret_work)
{
	*ret_work = 0;
	if (p->phase == PUB_DONE)
		return CORE_EOF;
	if (!p->started) {
		p->started = true;
		p->next_due = now;
		p->last_send = now;
	}
	int work = serve(p, now);
	if (work < 0)
		return work;
	int r;
	if (p->phase == PUB_SENDING) {
		for (int k = 0; k < 16 && p->next <= p->n; k++) {
			if (p->rate_pps && now < p->next_due)
				break;
			uint64_t due = due_count(p, now);
			if (due == 0)
				break;
			if ((r = send_data(p, now, due)) < 0)
				return r;
			if (p->rate_pps)
				p->next_due += 1000000000ull / p->rate_pps;
			work++;
		}
		if (p->next > p->n) {
			if (p->held_len) {
				if ((r = send_to(p, p->held, p->held_len, p->dest_ip, p->dest_port,
						 now)) < 0)
					return r;
				p->held_len = 0;
			}
			if ((r = send_control(p, FEEDS_MOLD_COUNT_END, now)) < 0)
				return r;
			p->phase = PUB_ENDING;
			p->end_at = p->last_end = now;
			work++;
		} else if (now - p->last_send >= p->heartbeat_ns) {
			if ((r = send_control(p, FEEDS_MOLD_COUNT_HB, now)) < 0)
				return r;
			work++;
		}
		*ret_work = (uint32_t)work;
		return 0;
	}
	/* ending: repeat end of session now and then, serve until quiet */
	uint64_t every = p->heartbeat_ns < 100000000u ? p->heartbeat_ns : 100000000u;
	if (now - p->last_end >= every) {
		if ((r = send_control(p, FEEDS_MOLD_COUNT_END, now)) < 0)
			return r;
		p->last_end = now;
		work++;
	}
	uint64_t quiet_since = p->last_req > p->end_at ? p->last_req : p->end_at;
	*ret_work = (uint32_t)work;
	if (now - quiet_since >= p->linger_ns) {
		p->phase = PUB_DONE;
		return CORE_EOF;
	}
	return 0;
}

void feeds_mold_pub_stats(const struct feeds_mold_pub *p, struct feeds_mold_pub_stats *ret)
{
	*ret = p->st;
}
