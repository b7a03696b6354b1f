/* udp_dpdk.h - the DPDK half of FEEDS_UDP_DPDK (udp_dpdk.c, built with
 * -Ddpdk=enabled, which defines OSPREY_DPDK); udp.c owns the rest (the
 * kernel socket for re-requests, buffer ids, stats). Without DPDK the open
 * refuses and nothing else is reached. The feed thread only. */
#ifndef OSPREY_FEEDS_UDP_DPDK_H
#define OSPREY_FEEDS_UDP_DPDK_H

#include "feeds.h"

struct feeds_udp_dpdk;

#ifdef OSPREY_DPDK
/*
 * feeds__dpdk_open - start EAL (first call in the process), configure and
 * start the device with one receive queue; datagrams to ip:port (ip 0: any)
 * are delivered, up to nbufs held at once. 0, or -errno with err set
 * ("dpdk: what"): -EALREADY when EAL failed to start earlier or runs with
 * other arguments, -ENODEV when the device is not there, -EBUSY when
 * another receiver has it, -ENOMEM when nbufs exceeds its first open's.
 */
int feeds__dpdk_open(const struct feeds_udp_cfg *cfg, uint32_t ip, uint16_t port, uint32_t nbufs,
                     struct feeds_udp_dpdk **ret, char *err, size_t errlen);
/* feeds__dpdk_recv - one rx burst: up to max datagrams into pkts, their
 * buf_ ids id_base + slot; counts into st. Returns the count (0: none). */
int feeds__dpdk_recv(struct feeds_udp_dpdk *d, struct feeds_udp_pkt *pkts, unsigned max,
                     uint32_t id_base, struct feeds_udp_stats *st);
void feeds__dpdk_release(struct feeds_udp_dpdk *d, uint32_t slot);
uint64_t feeds__dpdk_missed(const struct feeds_udp_dpdk *d); /* imissed since open */
/* feeds__dpdk_close - the receiver's mbufs back; the device keeps running
 * (a later open drops what came meanwhile). Accepts NULL. */
void feeds__dpdk_close(struct feeds_udp_dpdk *d);
#else
static inline int feeds__dpdk_open(const struct feeds_udp_cfg *cfg, uint32_t ip, uint16_t port,
                                   uint32_t nbufs, struct feeds_udp_dpdk **ret, char *err,
                                   size_t errlen)
{
	(void)cfg, (void)ip, (void)port, (void)nbufs, (void)ret;
	core_errf(err, errlen, "udp: built without DPDK (meson configure BUILD -Ddpdk=enabled)");
	return -ENOTSUP;
}
static inline int feeds__dpdk_recv(struct feeds_udp_dpdk *d, struct feeds_udp_pkt *pkts,
                                   unsigned max, uint32_t id_base, struct feeds_udp_stats *st)
{
	(void)d, (void)pkts, (void)max, (void)id_base, (void)st;
	return 0;
}
static inline void feeds__dpdk_release(struct feeds_udp_dpdk *d, uint32_t slot)
{
	(void)d, (void)slot;
}
static inline uint64_t feeds__dpdk_missed(const struct feeds_udp_dpdk *d)
{
	(void)d;
	return 0;
}
static inline void feeds__dpdk_close(struct feeds_udp_dpdk *d)
{
	(void)d;
}
#endif

#endif /* OSPREY_FEEDS_UDP_DPDK_H */
