/* udp_dpdk.c - FEEDS_UDP_DPDK's device side: EAL, one receive queue polled
 * with rte_eth_rx_burst on the feed thread, frames checked by
 * feeds_udp_frame, datagrams handed out in their mbufs (a slot each) until
 * released. Built only with -Ddpdk=enabled.
 *
 * EAL starts once per process and stays up (it cannot start again); so do
 * the devices, once started, and their mbuf pools: a close leaves the device
 * running, a later open drops what it received meanwhile and goes on (a
 * stop and start is not safe on every driver: net_af_packet's ring index
 * restarts at 0 while the kernel's does not, and packets are lost), and an
 * atexit handler closes them all and cleans EAL up. */
#define _GNU_SOURCE /* pthread_*affinity_np, open_memstream */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "udp_dpdk.h"

#define MAX_EAL_ARGS 64
#define RX_DESC      1024
#define BURST        64

struct feeds_udp_dpdk {
	uint16_t dev;
	uint16_t port; /* UDP */
	uint32_t ip;
	bool ip_offload, udp_offload; /* the device checks these checksums */
	bool registered;              /* the polling thread has an lcore id (mempool cache) */
	bool owner;                   /* this receiver holds the device (dev_busy) */
	uint32_t nslots;
	struct rte_mbuf **slot;
	uint32_t *free_slots;
	uint32_t nfree;
	uint64_t missed0;
};

/* EAL, once per process: its arguments (EAL may keep pointers into its argv:
 * they stay), why it failed, its log (kept here, never on stderr). Per
 * device: the mbuf pool (kept for reopening, sized by the first open) and
 * whether a receiver has it. Opens and closes come from one thread at a
 * time (the feed stage's creator or its thread). */
static enum { EAL_NOT_STARTED, EAL_UP, EAL_FAILED } eal_state;
static char *eal_args, *eal_argv_copy;
static char eal_error[320];
static char *eal_log;
static size_t eal_log_len;
static FILE *eal_log_f;
static struct rte_mempool *dev_pool[RTE_MAX_ETHPORTS];
static uint32_t dev_pool_slots[RTE_MAX_ETHPORTS];
static bool dev_busy[RTE_MAX_ETHPORTS];
static bool dev_started[RTE_MAX_ETHPORTS];
static bool dev_ip_offload[RTE_MAX_ETHPORTS], dev_udp_offload[RTE_MAX_ETHPORTS];

static void close_log(void)
{
	rte_openlog_stream(NULL);
	if (eal_log_f)
		fclose(eal_log_f);
	eal_log_f = NULL;
	free(eal_log);
	eal_log = NULL;
}

/* The last line EAL logged ("" if none). */
static const char *eal_last_line(char *buf, size_t cap)
{
	buf[0] = 0;
	if (!eal_log_f || fflush(eal_log_f) != 0 || !eal_log)
		return buf;
	size_t n = eal_log_len;
	while (n && (eal_log[n - 1] == '\n' || eal_log[n - 1] == ' '))
		n--;
	size_t b = n;
	while (b && eal_log[b - 1] != '\n')
		b--;
	snprintf(buf, cap, "%.*s", (int)(n - b), eal_log + b);
	return buf;
}

static void stop_eal(void)
{
	uint16_t id;
	RTE_ETH_FOREACH_DEV(id)
	{
		(void)rte_eth_dev_stop(id);
		(void)rte_eth_dev_close(id);
	}
	for (unsigned i = 0; i < RTE_MAX_ETHPORTS; i++)
		rte_mempool_free(dev_pool[i]);
	(void)rte_eal_cleanup();
	close_log();
	free(eal_args);
	free(eal_argv_copy);
}

static int start_eal(const char *args, char *err, size_t errlen)
{
	args = args ? args : "";
	if (eal_state == EAL_UP) {
		if (strcmp(args, eal_args) == 0)
			return 0;
		core_errf(err, errlen,
		          "dpdk: EAL runs with other arguments (%s): one set per process",
		          eal_args);
		return -EALREADY;
	}
	if (eal_state == EAL_FAILED) {
		core_errf(err, errlen, "%s (EAL starts once per process)", eal_error);
		return -EALREADY;
	}
	eal_state = EAL_FAILED;
	snprintf(eal_error, sizeof(eal_error), "dpdk: EAL did not start (out of memory)");
	eal_args = strdup(args);
	eal_argv_copy = strdup(args);
	if (!eal_args || !eal_argv_copy) {
		core_errf(err, errlen, "%s", eal_error);
		return -ENOMEM;
	}
	char *argv[MAX_EAL_ARGS + 2];
	int argc = 0;
	argv[argc++] = "osprey";
	for (char *save = NULL, *t = strtok_r(eal_argv_copy, " \t\n", &save); t;
	     t = strtok_r(NULL, " \t\n", &save)) {
		if (argc > MAX_EAL_ARGS) {
			snprintf(eal_error, sizeof(eal_error), "dpdk: more than %d EAL arguments",
			         MAX_EAL_ARGS);
			core_errf(err, errlen, "%s", eal_error);
			return -E2BIG;
		}
		argv[argc++] = t;
	}
	argv[argc] = NULL;
	eal_log_f = open_memstream(&eal_log, &eal_log_len);
	if (eal_log_f)
		rte_openlog_stream(eal_log_f);
	/* EAL pins the calling thread to its main lcore: the engine pins its own */
	cpu_set_t cpus;
	bool have_cpus = pthread_getaffinity_np(pthread_self(), sizeof(cpus), &cpus) == 0;
	int r = rte_eal_init(argc, argv);
	int e = rte_errno;
	if (have_cpus)
		(void)pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus);
	if (r < 0) {
		char last[200];
		snprintf(eal_error, sizeof(eal_error), "dpdk: EAL did not start (%s): %s%s%s", args,
		         rte_strerror(e), eal_last_line(last, sizeof(last))[0] ? ": " : "", last);
		core_errf(err, errlen, "%s", eal_error);
		close_log();
		return e > 0 ? -e : -EINVAL;
	}
	eal_state = EAL_UP;
	atexit(stop_eal);
	return 0;
}

static int find_device(const char *name, uint16_t *ret, char *err, size_t errlen)
{
	if (name) {
		if (rte_eth_dev_get_port_by_name(name, ret) != 0) {
			core_errf(err, errlen, "dpdk: no device '%s' (%u found)", name,
			          rte_eth_dev_count_avail());
			return -ENODEV;
		}
		return 0;
	}
	uint16_t id;
	RTE_ETH_FOREACH_DEV(id)
	{
		*ret = id;
		return 0;
	}
	core_errf(err, errlen, "dpdk: no device (give EAL a --vdev, or bind a NIC to vfio-pci)");
	return -ENODEV;
}

/* The device's pool: made at its first open, kept after (its queue holds
 * mbufs of it while stopped). */
static int device_pool(struct feeds_udp_dpdk *d, uint16_t nrx, int socket, char *err, size_t errlen)
{
	if (dev_pool[d->dev]) {
		if (d->nslots <= dev_pool_slots[d->dev])
			return 0;
		core_errf(err, errlen,
		          "dpdk: device %u opened again with %u buffers, more than the %u of its "
		          "first open",
		          d->dev, d->nslots, dev_pool_slots[d->dev]);
		return -ENOMEM;
	}
	/* the ring, the slots held downstream, a burst and the lcore cache */
	uint32_t want = nrx + d->nslots + BURST + 512, n = 1;
	while (n < want)
		n <<= 1;
	char name[RTE_MEMPOOL_NAMESIZE];
	snprintf(name, sizeof(name), "osprey_rx%u", d->dev);
	dev_pool[d->dev] = rte_pktmbuf_pool_create(name, n - 1, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
	                                           socket < 0 ? (int)SOCKET_ID_ANY : socket);
	if (!dev_pool[d->dev]) {
		core_errf(err, errlen, "dpdk: mbuf pool of %u: %s", n - 1, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	dev_pool_slots[d->dev] = d->nslots;
	return 0;
}

/* One rx queue (and the tx queue some drivers insist on), checksum offloads
 * where offered, promiscuous and all-multicast, started. */
static int start_device(struct feeds_udp_dpdk *d, char *err, size_t errlen)
{
	struct rte_eth_dev_info info;
	int r = rte_eth_dev_info_get(d->dev, &info);
	if (r != 0) {
		core_errf(err, errlen, "dpdk: device %u info: %s", d->dev, rte_strerror(-r));
		return r;
	}
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof(conf));
	d->ip_offload = info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	d->udp_offload = info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
	if (d->ip_offload)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	if (d->udp_offload)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
	uint16_t nrx = RX_DESC, ntx = 64;
	int socket = rte_eth_dev_socket_id(d->dev);
	const char *what = "configure";
	if ((r = rte_eth_dev_configure(d->dev, 1, 1, &conf)) != 0)
		goto fail;
	what = "descriptor counts";
	if ((r = rte_eth_dev_adjust_nb_rx_tx_desc(d->dev, &nrx, &ntx)) != 0)
		goto fail;
	if ((r = device_pool(d, nrx, socket, err, errlen)) < 0)
		return r;
	what = "rx queue";
	if ((r = rte_eth_rx_queue_setup(d->dev, 0, nrx, (unsigned)socket, NULL,
	                                dev_pool[d->dev])) != 0)
		goto fail;
	what = "tx queue";
	if ((r = rte_eth_tx_queue_setup(d->dev, 0, ntx, (unsigned)socket, NULL)) != 0)
		goto fail;
	/* a driver without these delivers what it has: the frame check filters */
	(void)rte_eth_promiscuous_enable(d->dev);
	(void)rte_eth_allmulticast_enable(d->dev);
	what = "start";
	if ((r = rte_eth_dev_start(d->dev)) != 0)
		goto fail;
	dev_started[d->dev] = true;
	dev_ip_offload[d->dev] = d->ip_offload;
	dev_udp_offload[d->dev] = d->udp_offload;
	struct rte_eth_stats es;
	if (rte_eth_stats_get(d->dev, &es) == 0)
		d->missed0 = es.imissed;
	return 0;
fail:
	core_errf(err, errlen, "dpdk: device %u %s: %s", d->dev, what,
	          rte_strerror(r < 0 ? -r : r));
	return r < 0 ? r : -r;
}

/* A device an earlier receiver started: what it took in since is stale. */
static void resume_device(struct feeds_udp_dpdk *d)
{
	d->ip_offload = dev_ip_offload[d->dev];
	d->udp_offload = dev_udp_offload[d->dev];
	struct rte_mbuf *mb[BURST];
	uint16_t n;
	while ((n = rte_eth_rx_burst(d->dev, 0, mb, BURST)) > 0)
		rte_pktmbuf_free_bulk(mb, n);
	struct rte_eth_stats es;
	if (rte_eth_stats_get(d->dev, &es) == 0)
		d->missed0 = es.imissed;
}

int feeds__dpdk_open(const struct feeds_udp_cfg *cfg, uint32_t ip, uint16_t port, uint32_t nbufs,
                     struct feeds_udp_dpdk **ret, char *err, size_t errlen)
{
	int r = start_eal(cfg->dpdk_eal, err, errlen);
	if (r < 0)
		return r;
	struct feeds_udp_dpdk *d = core_alloc(sizeof(*d), CORE_CACHE_LINE);
	if (!d) {
		core_errf(err, errlen, "dpdk: out of memory");
		return -ENOMEM;
	}
	memset(d, 0, sizeof(*d));
	d->ip = ip;
	d->port = port;
	d->nslots = nbufs;
	d->slot = core_alloc(nbufs * sizeof(*d->slot), CORE_CACHE_LINE);
	d->free_slots = core_alloc(nbufs * sizeof(*d->free_slots), CORE_CACHE_LINE);
	if (!d->slot || !d->free_slots) {
		core_errf(err, errlen, "dpdk: out of memory");
		r = -ENOMEM;
		goto fail;
	}
	memset(d->slot, 0, nbufs * sizeof(*d->slot));
	for (uint32_t i = 0; i < nbufs; i++)
		d->free_slots[i] = nbufs - 1 - i;
	d->nfree = nbufs;
	if ((r = find_device(cfg->dpdk_port, &d->dev, err, errlen)) < 0)
		goto fail;
	if (dev_busy[d->dev]) {
		core_errf(err, errlen, "dpdk: device %u is open already (one receiver each)",
		          d->dev);
		r = -EBUSY;
		goto fail;
	}
	dev_busy[d->dev] = true;
	d->owner = true;
	if (dev_started[d->dev] && d->nslots > dev_pool_slots[d->dev]) {
		core_errf(err, errlen,
		          "dpdk: device %u opened again with %u buffers, more than the %u of its "
		          "first open",
		          d->dev, d->nslots, dev_pool_slots[d->dev]);
		r = -ENOMEM;
		goto fail;
	}
	if (dev_started[d->dev])
		resume_device(d);
	else if ((r = start_device(d, err, errlen)) < 0)
		goto fail;
	*ret = d;
	return 0;
fail:
	feeds__dpdk_close(d);
	return r;
}

int feeds__dpdk_recv(struct feeds_udp_dpdk *d, struct feeds_udp_pkt *pkts, unsigned max,
                     uint32_t id_base, struct feeds_udp_stats *st)
{
	if (__builtin_expect(!d->registered, 0)) {
		/* an lcore id gives this thread the mempool's per-lcore cache */
		if (rte_lcore_id() == LCORE_ID_ANY)
			(void)rte_thread_register();
		d->registered = true;
	}
	if (max > d->nfree)
		max = d->nfree;
	if (max > BURST)
		max = BURST;
	st->recv_calls++;
	if (!max) {
		st->no_buffers++;
		return 0;
	}
	struct rte_mbuf *mb[BURST];
	uint16_t n = rte_eth_rx_burst(d->dev, 0, mb, (uint16_t)max);
	if (!n)
		return 0;
	uint64_t t0 = core_now_ns();
	unsigned got = 0;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = mb[i];
		if (m->nb_segs > 1) { /* longer than one buffer: not a feed's datagram */
			st->truncated++;
			rte_pktmbuf_free(m);
			continue;
		}
		uint64_t ol = m->ol_flags;
		unsigned flags = 0;
		if (d->ip_offload) {
			uint64_t f = ol & RTE_MBUF_F_RX_IP_CKSUM_MASK;
			flags |= f == RTE_MBUF_F_RX_IP_CKSUM_GOOD ? FEEDS_FRAME_IP_CSUM_OK : 0;
		}
		if (d->udp_offload) {
			uint64_t f = ol & RTE_MBUF_F_RX_L4_CKSUM_MASK;
			flags |= f == RTE_MBUF_F_RX_L4_CKSUM_GOOD ? FEEDS_FRAME_UDP_CSUM_OK : 0;
		}
		struct feeds_ip_view v;
		int r = feeds_udp_frame(rte_pktmbuf_mtod(m, const unsigned char *), m->data_len,
		                        d->ip, d->port, flags, &v, NULL, 0);
		if (r < 0) {
			if (r == -ENOENT)
				st->not_ours++;
			else
				st->bad_frames++;
			rte_pktmbuf_free(m);
			continue;
		}
		uint32_t s = d->free_slots[--d->nfree];
		d->slot[s] = m;
		pkts[got].data = v.payload;
		pkts[got].len = (uint32_t)v.len;
		pkts[got].buf_ = id_base + s;
		pkts[got].t0_ns = t0;
		st->bytes += v.len;
		got++;
	}
	st->packets += got;
	return (int)got;
}

void feeds__dpdk_release(struct feeds_udp_dpdk *d, uint32_t slot)
{
	if (slot >= d->nslots || !d->slot[slot])
		return;
	rte_pktmbuf_free(d->slot[slot]);
	d->slot[slot] = NULL;
	d->free_slots[d->nfree++] = slot;
}

uint64_t feeds__dpdk_missed(const struct feeds_udp_dpdk *d)
{
	struct rte_eth_stats es;
	if (rte_eth_stats_get(d->dev, &es) != 0 || es.imissed < d->missed0)
		return 0;
	return es.imissed - d->missed0;
}

void feeds__dpdk_close(struct feeds_udp_dpdk *d)
{
	if (!d)
		return;
	for (uint32_t i = 0; d->slot && i < d->nslots; i++)
		if (d->slot[i])
			rte_pktmbuf_free(d->slot[i]);
	if (d->owner)
		dev_busy[d->dev] = false;
	core_free(d->slot);
	core_free(d->free_slots);
	core_free(d);
}
