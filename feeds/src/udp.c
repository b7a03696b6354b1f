/* udp.c - live UDP receive in batches: io_uring multishot recv with a
 * provided-buffer ring, io_uring recvmsg, plain recvmmsg, or a DPDK device
 * (udp_dpdk.c) beside a kernel socket for re-requests; and the Ethernet /
 * IPv4 / UDP frame check the DPDK path parses with. */
#define _GNU_SOURCE /* recvmmsg */
#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "feeds.h"
#include "udp_dpdk.h"

#define BGID 7
#define KERNEL_POLL_NS 100000 /* DPDK: the re-request socket is read this often */

struct feeds_udp {
	int fd;
	enum feeds_udp_mode mode;
	uint32_t nbufs, buf_size;
	unsigned char *bufs;
	uint16_t port;

	struct io_uring ring;
	bool ring_ok;
	/* multishot */
	struct io_uring_buf_ring *br;
	size_t br_len;
	bool armed;
	uint32_t br_added; /* buffers added since the last advance */
	uint32_t held;     /* buffers handed out, not yet released */
	/* recvmsg */
	struct msghdr *msgs;
	struct iovec *iovs;
	unsigned unsubmitted; /* SQEs prepared, not yet submitted */
	/* recvmmsg */
	struct mmsghdr *mm;
	uint32_t *free_ids;
	uint32_t nfree;
	/* DPDK: the device; the socket above (recvmmsg) takes re-request answers */
	struct feeds_udp_dpdk *dpdk;
	uint64_t kernel_poll_ns;

	struct feeds_udp_stats st;
};

int feeds_udp_addr(const char *s, uint32_t *ret_ip, uint16_t *ret_port)
{
	char host[64];
	if (!s)
		return -EINVAL;
	const char *colon = strrchr(s, ':');
	if (!colon || (size_t)(colon - s) >= sizeof(host) || colon == s)
		return -EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	struct in_addr a;
	if (inet_pton(AF_INET, host, &a) != 1)
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long p = strtoul(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || p > 65535)
		return -EINVAL;
	*ret_ip = ntohl(a.s_addr);
	*ret_port = (uint16_t)p;
	return 0;
}

/* The ones' complement sum of len bytes at p, in native byte order (which is
 * the network-order sum byte-swapped: a check against 0xffff needs no swap).
 * Eight bytes a step, as two 32-bit halves into 64 bits: 65536 = 1 mod 65535. */
static uint64_t csum_add(uint64_t s, const unsigned char *p, size_t len)
{
	for (; len >= 8; p += 8, len -= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		s += (uint32_t)w;
		s += w >> 32;
	}
	for (; len >= 2; p += 2, len -= 2) {
		uint16_t w;
		memcpy(&w, p, 2);
		s += w;
	}
	if (len) {
		unsigned char last[2] = { p[0], 0 };
		uint16_t w;
		memcpy(&w, last, 2);
		s += w;
	}
	return s;
}

static bool csum_ok(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s == 0xffff;
}

int feeds_udp_frame(const unsigned char *frame, size_t len, uint32_t ip, uint16_t port,
		    unsigned flags, struct feeds_ip_view *ret, char *err, size_t errlen)
{
	struct feeds_pcap_rec rec = { .data = frame, .caplen = (uint32_t)len, .linktype = 1 };
	if (len > UINT32_MAX)
		return -EBADMSG;
	memset(ret, 0, sizeof(*ret));
	int r = feeds_pcap_ip(&rec, ret, err, errlen);
	if (r == -EBADMSG && ret->l3 && ret->proto != 17)
		return -ENOENT; /* someone's TCP (or other) segment, however shaped */
	if (r < 0)
		return r;
	if (ret->proto != 17 || ret->dport != port || (ip && ret->dst_ip != ip))
		return -ENOENT;
	if (!(flags & FEEDS_FRAME_IP_CSUM_OK) && !csum_ok(csum_add(0, ret->l3, ret->l3_len))) {
		core_errf(err, errlen, "ipv4 header checksum fails");
		return -EBADMSG;
	}
	const unsigned char *udp = ret->payload - 8;
	if (!(flags & FEEDS_FRAME_UDP_CSUM_OK) && (udp[6] | udp[7])) {
		/* the pseudo header: addresses, zero, protocol, UDP length */
		size_t ulen = ret->len + 8;
		unsigned char ph[12];
		memcpy(ph, ret->l3 + 12, 8);
		ph[8] = 0;
		ph[9] = 17;
		core_put_be16(ph + 10, (uint16_t)ulen);
		if (!csum_ok(csum_add(csum_add(0, ph, sizeof(ph)), udp, ulen))) {
			core_errf(err, errlen, "udp checksum fails");
			return -EBADMSG;
		}
	}
	return 0;
}

static void *buf_of(const struct feeds_udp *u, uint32_t id)
{
	return u->bufs + (size_t)id * u->buf_size;
}

static int arm_multishot(struct feeds_udp *u)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
	if (!sqe)
		return -EBUSY;
	io_uring_prep_recv_multishot(sqe, u->fd, NULL, 0, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = BGID;
	sqe->user_data = 1;
	int r = io_uring_submit(&u->ring);
	u->st.submits++;
	if (r < 0)
		return r;
	u->armed = true;
	return 0;
}

static void prep_recvmsg(struct feeds_udp *u, uint32_t id)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
	if (!sqe) { /* cannot happen: one SQE per buffer and the SQ holds nbufs */
		u->st.errors++;
		return;
	}
	struct msghdr *m = &u->msgs[id];
	memset(m, 0, sizeof(*m));
	m->msg_iov = &u->iovs[id];
	m->msg_iovlen = 1;
	io_uring_prep_recvmsg(sqe, u->fd, m, 0);
	sqe->user_data = id;
	u->unsubmitted++;
}

static int setup_uring(struct feeds_udp *u, char *err, size_t errlen)
{
	/* COOP_TASKRUN: completions are not pushed at a spinning thread with
	 * an IPI (which it would only see at the next tick: milliseconds); the
	 * kernel raises IORING_SQ_TASKRUN instead and recv enters to run them. */
	unsigned entries = u->nbufs < 64 ? 64 : u->nbufs;
	int r = io_uring_queue_init(entries, &u->ring,
				    IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG);
	if (r == -EINVAL)
		r = io_uring_queue_init(entries, &u->ring, 0);
	if (r < 0) {
		core_errf(err, errlen, "io_uring_queue_init: %s", strerror(-r));
		return r;
	}
	u->ring_ok = true;
	if (u->mode == FEEDS_UDP_MULTISHOT) {
		u->br_len = (size_t)u->nbufs * sizeof(struct io_uring_buf);
		void *p = mmap(NULL, u->br_len, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE,
			       -1, 0);
		if (p == MAP_FAILED) {
			r = -errno;
			core_errf(err, errlen, "buffer ring: %s", strerror(-r));
			return r;
		}
		u->br = p;
		struct io_uring_buf_reg reg = { .ring_addr = (uintptr_t)p,
						.ring_entries = u->nbufs,
						.bgid = BGID };
		r = io_uring_register_buf_ring(&u->ring, &reg, 0);
		if (r < 0) {
			core_errf(err, errlen, "io_uring_register_buf_ring: %s", strerror(-r));
			return r;
		}
		io_uring_buf_ring_init(u->br);
		uint32_t mask = (uint32_t)io_uring_buf_ring_mask(u->nbufs);
		for (uint32_t i = 0; i < u->nbufs; i++)
			io_uring_buf_ring_add(u->br, buf_of(u, i), u->buf_size, (unsigned short)i,
					      (int)mask, (int)i);
		io_uring_buf_ring_advance(u->br, (int)u->nbufs);
		r = arm_multishot(u);
		if (r < 0)
			core_errf(err, errlen, "multishot recv: %s", strerror(-r));
		return r;
	}
	u->msgs = core_alloc((size_t)u->nbufs * sizeof(*u->msgs), CORE_CACHE_LINE);
	u->iovs = core_alloc((size_t)u->nbufs * sizeof(*u->iovs), CORE_CACHE_LINE);
	if (!u->msgs || !u->iovs)
		return -ENOMEM;
	/* Every pending recvmsg on the socket is woken by each datagram: keep
	 * 32 in flight, not nbufs (1024 in flight measured 4x slower). */
	for (uint32_t i = 0; i < u->nbufs; i++) {
		u->iovs[i].iov_base = buf_of(u, i);
		u->iovs[i].iov_len = u->buf_size;
		if (i < 32)
			prep_recvmsg(u, i);
	}
	r = io_uring_submit(&u->ring);
	u->st.submits++;
	if (r < 0) {
		core_errf(err, errlen, "io_uring_submit: %s", strerror(-r));
		return r;
	}
	u->unsubmitted = 0;
	return 0;
}

static void teardown_uring(struct feeds_udp *u)
{
	if (u->ring_ok)
		io_uring_queue_exit(&u->ring);
	u->ring_ok = false;
	if (u->br)
		munmap(u->br, u->br_len);
	u->br = NULL;
	core_free(u->msgs);
	core_free(u->iovs);
	u->msgs = NULL;
	u->iovs = NULL;
}

static int setup_mmsg(struct feeds_udp *u)
{
	u->mm = core_alloc((size_t)u->nbufs * sizeof(*u->mm), CORE_CACHE_LINE);
	u->iovs = core_alloc((size_t)u->nbufs * sizeof(*u->iovs), CORE_CACHE_LINE);
	u->free_ids = core_alloc((size_t)u->nbufs * sizeof(uint32_t), CORE_CACHE_LINE);
	if (!u->mm || !u->iovs || !u->free_ids)
		return -ENOMEM;
	for (uint32_t i = 0; i < u->nbufs; i++)
		u->free_ids[i] = u->nbufs - 1 - i;
	u->nfree = u->nbufs;
	return 0;
}

int feeds_udp_open(const struct feeds_udp_cfg *cfg, struct feeds_udp **ret, char *err,
		   size_t errlen)
{
	int r;
	uint32_t ip, iface = 0;
	uint16_t port, dummy;
	if (!cfg || feeds_udp_addr(cfg->bind, &ip, &port) < 0) {
		core_errf(err, errlen, "udp: bind address '%s' is not A.B.C.D:PORT",
		          cfg && cfg->bind ? cfg->bind : "(null)");
		return -EINVAL;
	}
	if (cfg->iface) {
		char tmp[80];
		snprintf(tmp, sizeof(tmp), "%s:0", cfg->iface);
		if (feeds_udp_addr(tmp, &iface, &dummy) < 0) {
			core_errf(err, errlen, "udp: interface address '%s' is not A.B.C.D",
			          cfg->iface);
			return -EINVAL;
		}
	}
	uint32_t nbufs = cfg->nbufs ? cfg->nbufs : 256;
	uint32_t bsz = cfg->buf_size ? cfg->buf_size : 2048;
	if (nbufs & (nbufs - 1) || nbufs > 32768 || bsz < 64 || bsz > 65536 ||
	    cfg->mode > FEEDS_UDP_DPDK) {
		core_errf(err, errlen,
		          "udp: nbufs %u must be a power of two <= 32768, buf_size %u within "
		          "64..65536, mode 0..3",
		          nbufs, bsz);
		return -EINVAL;
	}
	bool dpdk = cfg->mode == FEEDS_UDP_DPDK;
	if (dpdk && !port) {
		core_errf(err, errlen, "udp: %s: DPDK receives on a given port (a device has no "
		          "ephemeral one)", cfg->bind);
		return -EINVAL;
	}
	struct feeds_udp *u = core_alloc(sizeof(*u), CORE_CACHE_LINE);
	if (!u) {
		core_errf(err, errlen, "udp: out of memory");
		return -ENOMEM;
	}
	u->nbufs = nbufs;
	u->buf_size = bsz;
	u->mode = cfg->mode;
	u->bufs = core_alloc((size_t)nbufs * bsz, 4096);
	if (!u->bufs) {
		r = -ENOMEM;
		core_errf(err, errlen, "udp: out of memory for %u buffers", nbufs);
		goto fail_free_udp;
	}
	u->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (u->fd < 0) {
		r = -errno;
		core_errf(err, errlen, "udp: socket: %s", strerror(-r));
		goto fail_free_bufs;
	}
	int one = 1, rb = cfg->rcvbuf ? cfg->rcvbuf : 4 << 20;
	(void)setsockopt(u->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (setsockopt(u->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rb, sizeof(rb)) < 0)
		(void)setsockopt(u->fd, SOL_SOCKET, SO_RCVBUF, &rb, sizeof(rb));
	bool mcast = (ip >> 28) == 14;
	/* DPDK: the device takes the feed; this socket only re-requests */
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(dpdk ? 0 : port),
				  .sin_addr.s_addr = htonl(dpdk ? iface : mcast ? INADDR_ANY : ip) };
	if (bind(u->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		core_errf(err, errlen, "udp: bind %s: %s", cfg->bind, strerror(-r));
		goto fail_close;
	}
	if (mcast && !dpdk) {
		struct ip_mreq mr = { .imr_multiaddr.s_addr = htonl(ip),
				      .imr_interface.s_addr = htonl(iface) };
		if (setsockopt(u->fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
			r = -errno;
			core_errf(err, errlen, "udp: join %s: %s", cfg->bind, strerror(-r));
			goto fail_close;
		}
	}
	socklen_t sl = sizeof(sa);
	if (getsockname(u->fd, (struct sockaddr *)&sa, &sl) == 0)
		u->port = ntohs(sa.sin_port);
	if (u->mode != FEEDS_UDP_RECVMMSG && !dpdk) {
		char tmp[160];
		r = setup_uring(u, tmp, sizeof(tmp));
		if (r < 0) {
			/* No io_uring here (seccomp, old kernel): the plain loop still works. */
			teardown_uring(u);
			u->mode = FEEDS_UDP_RECVMMSG;
		}
	}
	if ((u->mode == FEEDS_UDP_RECVMMSG || dpdk) && (r = setup_mmsg(u)) < 0) {
		core_errf(err, errlen, "udp: out of memory");
		goto fail_close;
	}
	if (dpdk) {
		r = feeds__dpdk_open(cfg, ip, port, nbufs, &u->dpdk, err, errlen);
		if (r < 0)
			goto fail_close;
		u->port = port;
	}
	u->st.mode = u->mode;
	*ret = u;
	return 0;

fail_close:
	teardown_uring(u);
	core_free(u->mm);
	core_free(u->free_ids);
	close(u->fd);
fail_free_bufs:
	core_free(u->bufs);
fail_free_udp:
	core_free(u);
	return r;
}

struct feeds_udp *feeds_udp_close(struct feeds_udp *u)
{
	if (!u)
		return NULL;
	teardown_uring(u);
	feeds__dpdk_close(u->dpdk);
	close(u->fd);
	core_free(u->mm);
	core_free(u->free_ids);
	core_free(u->iovs);
	core_free(u->bufs);
	core_free(u);
	return NULL;
}

static int recv_uring(struct feeds_udp *u, struct feeds_udp_pkt *pkts, unsigned max)
{
	if (u->mode == FEEDS_UDP_MULTISHOT) {
		if (u->br_added) {
			io_uring_buf_ring_advance(u->br, (int)u->br_added);
			u->br_added = 0;
		}
		if (!u->armed && u->held < u->nbufs) {
			int r = arm_multishot(u);
			if (r < 0)
				return r;
		}
	} else if (u->unsubmitted) {
		int r = io_uring_submit(&u->ring);
		u->st.submits++;
		if (r < 0)
			return r;
		u->unsubmitted = 0;
	}
	struct io_uring_cqe *cqes[64];
	if (max > 64)
		max = 64;
	unsigned n = io_uring_peek_batch_cqe(&u->ring, cqes, max);
	if (!n) {
		/* This load needs no acquire: a stale flag only delays us one poll,
		 * and io_uring_get_events orders everything it reaps. */
		if (!(IO_URING_READ_ONCE(*u->ring.sq.kflags) & IORING_SQ_TASKRUN))
			return 0;
		u->st.submits++;
		int r = io_uring_get_events(&u->ring);
		if (r < 0 && r != -EINTR && r != -EAGAIN)
			return r;
		n = io_uring_peek_batch_cqe(&u->ring, cqes, max);
		if (!n)
			return 0;
	}
	uint64_t t0 = core_now_ns();
	unsigned got = 0;
	for (unsigned i = 0; i < n; i++) {
		struct io_uring_cqe *c = cqes[i];
		if (u->mode == FEEDS_UDP_MULTISHOT) {
			if (!(c->flags & IORING_CQE_F_MORE))
				u->armed = false;
			if (c->res == -ENOBUFS) {
				u->st.no_buffers++;
				continue;
			}
			if (c->res < 0 || !(c->flags & IORING_CQE_F_BUFFER)) {
				u->st.errors++;
				continue;
			}
			uint32_t id = c->flags >> IORING_CQE_BUFFER_SHIFT;
			pkts[got].buf_ = id;
			pkts[got].data = buf_of(u, id);
			pkts[got].len = (uint32_t)c->res;
			if ((uint32_t)c->res >= u->buf_size)
				u->st.truncated++; /* recv cannot tell; a full buffer may be cut */
		} else {
			uint32_t id = (uint32_t)c->user_data;
			if (c->res < 0) {
				u->st.errors++;
				prep_recvmsg(u, id);
				continue;
			}
			if (u->msgs[id].msg_flags & MSG_TRUNC)
				u->st.truncated++;
			pkts[got].buf_ = id;
			pkts[got].data = buf_of(u, id);
			pkts[got].len = (uint32_t)c->res;
		}
		pkts[got].t0_ns = t0;
		u->st.bytes += pkts[got].len;
		got++;
	}
	io_uring_cq_advance(&u->ring, n);
	u->st.packets += got;
	u->held += got;
	return (int)got;
}

static int recv_mmsg(struct feeds_udp *u, struct feeds_udp_pkt *pkts, unsigned max)
{
	if (max > u->nfree)
		max = u->nfree;
	if (max > 64)
		max = 64;
	if (!max) {
		u->st.no_buffers++;
		return 0;
	}
	for (unsigned i = 0; i < max; i++) {
		uint32_t id = u->free_ids[u->nfree - 1 - i];
		u->iovs[i].iov_base = buf_of(u, id);
		u->iovs[i].iov_len = u->buf_size;
		memset(&u->mm[i].msg_hdr, 0, sizeof(u->mm[i].msg_hdr));
		u->mm[i].msg_hdr.msg_iov = &u->iovs[i];
		u->mm[i].msg_hdr.msg_iovlen = 1;
	}
	u->st.recv_calls++;
	int n = recvmmsg(u->fd, u->mm, max, MSG_DONTWAIT, NULL);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		u->st.errors++;
		return -errno;
	}
	uint64_t t0 = core_now_ns();
	for (int i = 0; i < n; i++) {
		uint32_t id = u->free_ids[--u->nfree];
		pkts[i].buf_ = id;
		pkts[i].data = buf_of(u, id);
		pkts[i].len = u->mm[i].msg_len;
		pkts[i].t0_ns = t0;
		if (u->mm[i].msg_hdr.msg_flags & MSG_TRUNC)
			u->st.truncated++;
		u->st.bytes += pkts[i].len;
	}
	u->st.packets += (uint64_t)n;
	return n;
}

/* The device's burst; every KERNEL_POLL_NS, the re-request socket's answers
 * too (a syscall per poll would cost the device path its point). */
static int recv_dpdk(struct feeds_udp *u, struct feeds_udp_pkt *pkts, unsigned max)
{
	int n = feeds__dpdk_recv(u->dpdk, pkts, max, u->nbufs, &u->st);
	if ((unsigned)n == max)
		return n;
	uint64_t now = core_now_ns();
	if (now - u->kernel_poll_ns < KERNEL_POLL_NS)
		return n;
	u->kernel_poll_ns = now;
	int k = recv_mmsg(u, pkts + n, max - (unsigned)n);
	return k < 0 ? (n ? n : k) : n + k;
}

int feeds_udp_recv(struct feeds_udp *u, struct feeds_udp_pkt *pkts, unsigned max)
{
	if (!max)
		return 0;
	if (u->mode == FEEDS_UDP_DPDK)
		return recv_dpdk(u, pkts, max);
	if (u->mode == FEEDS_UDP_RECVMMSG)
		return recv_mmsg(u, pkts, max);
	u->st.recv_calls++;
	return recv_uring(u, pkts, max);
}

void feeds_udp_release(struct feeds_udp *u, const struct feeds_udp_pkt *pkt)
{
	uint32_t id = pkt->buf_;
	if (u->dpdk && id >= u->nbufs && id - u->nbufs < u->nbufs) {
		feeds__dpdk_release(u->dpdk, id - u->nbufs);
		return;
	}
	if (id >= u->nbufs)
		return;
	if (u->mode == FEEDS_UDP_MULTISHOT || u->mode == FEEDS_UDP_RECVMSG)
		u->held--;
	switch (u->mode) {
	case FEEDS_UDP_MULTISHOT:
		io_uring_buf_ring_add(u->br, buf_of(u, id), u->buf_size, (unsigned short)id,
				      io_uring_buf_ring_mask(u->nbufs), (int)u->br_added);
		u->br_added++;
		break;
	case FEEDS_UDP_RECVMSG:
		prep_recvmsg(u, id);
		break;
	case FEEDS_UDP_RECVMMSG:
	case FEEDS_UDP_DPDK: /* the re-request socket's buffers */
		u->free_ids[u->nfree++] = id;
		break;
	}
}

int feeds_udp_sendto(struct feeds_udp *u, const void *buf, size_t len, uint32_t ip,
		     uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(ip) };
	if (sendto(u->fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return 0;
}

uint16_t feeds_udp_port(const struct feeds_udp *u)
{
	return u->port;
}

void feeds_udp_stats(const struct feeds_udp *u, struct feeds_udp_stats *ret)
{
	*ret = u->st;
	if (u->dpdk)
		ret->missed = feeds__dpdk_missed(u->dpdk);
}
