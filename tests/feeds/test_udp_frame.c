/* feeds_udp_frame, the Ethernet / IPv4 / UDP check of the DPDK receive path:
 * datagrams to the feed's address and port are taken (untagged, 802.1Q,
 * with and without a UDP checksum), other traffic is told apart from
 * damaged frames (bad checksums, lengths that disagree, truncations), the
 * device's checksum verdicts are honoured, and no frame or truncation of one
 * is read past its end (each ends right before a PROT_NONE page). The
 * checksums are checked against a plain RFC 1071 sum over big-endian words,
 * written here apart from the library's. */
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "feeds.h"
#include "frame_sum.h"

#define GROUP 0xE9360C6Fu /* 233.54.12.111 */
#define PORT  26477

static char err[256];

/* An Ethernet frame (vlan: one 802.1Q tag) with an IPv4 UDP datagram of
 * plen payload bytes; udp_csum: fill in the UDP checksum. Returns its length. */
static size_t frame(unsigned char *f, bool vlan, uint32_t dst, uint16_t dport,
                    const unsigned char *payload, size_t plen, bool udp_csum)
{
	static const unsigned char mac[12] = { 1, 0, 0x5e, 0x36, 0x0c, 0x6f, 2, 0, 0, 0, 0, 1 };
	memcpy(f, mac, 12);
	size_t l2 = 14;
	if (vlan) {
		core_put_be16(f + 12, 0x8100);
		core_put_be16(f + 14, 42);
		l2 = 18;
	}
	core_put_be16(f + l2 - 2, 0x0800);
	unsigned char *ip = f + l2;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	core_put_be16(ip + 2, (uint16_t)(28 + plen));
	core_put_be16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 17;
	core_put_be32(ip + 12, 0x0a000001);
	core_put_be32(ip + 16, dst);
	ref_ip_csum(ip);
	unsigned char *u = ip + 20;
	core_put_be16(u, 40000);
	core_put_be16(u + 2, dport);
	core_put_be16(u + 4, (uint16_t)(8 + plen));
	core_put_be16(u + 6, 0);
	memcpy(u + 8, payload, plen);
	if (udp_csum)
		ref_udp_csum(ip);
	return l2 + 28 + plen;
}

static int check(const unsigned char *f, size_t n, uint32_t ip, unsigned flags,
                 struct feeds_ip_view *v)
{
	int r = feeds_udp_frame(f, n, ip, PORT, flags, v, err, sizeof(err));
	assert(r == 0 || r == -ENOENT || r == -EBADMSG);
	if (r == 0)
		assert(v->payload >= f && v->payload + v->len <= f + n);
	return r;
}

int main(void)
{
	unsigned char payload[1401], f[1500];
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (unsigned char)(i * 131 + 7);
	struct feeds_ip_view v;
	unsigned cases = 0;

	/* taken: every payload length 0..1401 (odd ones end on half a word), with
	 * and without a checksum, tagged and not; to the group or to any address */
	for (size_t plen = 0; plen <= sizeof(payload); plen++) {
		for (int variant = 0; variant < 4; variant++) {
			bool vlan = variant & 1, csum = variant & 2;
			size_t n = frame(f, vlan, GROUP, PORT, payload, plen, csum);
			assert(check(f, n, GROUP, 0, &v) == 0);
			assert(v.len == plen && !memcmp(v.payload, payload, plen));
			assert(v.dst_ip == GROUP && v.dport == PORT && v.src_ip == 0x0a000001);
			assert(check(f, n, 0, 0, &v) == 0);
			/* one bit flipped in the payload: caught when there is a checksum */
			if (plen) {
				f[n - 1 - plen / 2] ^= 0x10;
				int r = check(f, n, GROUP, 0, &v);
				assert(csum ? r == -EBADMSG && strstr(err, "udp checksum")
				            : r == 0);
				/* the device said the checksum was good: not checked again */
				assert(check(f, n, GROUP, FEEDS_FRAME_UDP_CSUM_OK, &v) == 0);
			}
			cases++;
		}
	}

	/* other traffic: another port, another address, not UDP, not IPv4, a fragment */
	size_t n = frame(f, false, GROUP, PORT + 1, payload, 100, true);
	assert(check(f, n, GROUP, 0, &v) == -ENOENT);
	n = frame(f, false, GROUP + 1, PORT, payload, 100, true);
	assert(check(f, n, GROUP, 0, &v) == -ENOENT);
	assert(check(f, n, 0, 0, &v) == 0);
	n = frame(f, false, GROUP, PORT, payload, 100, false);
	f[14 + 9] = 6; /* TCP */
	ref_ip_csum(f + 14);
	assert(check(f, n, GROUP, 0, &v) == -ENOENT);
	n = frame(f, false, GROUP, PORT, payload, 100, false);
	core_put_be16(f + 12, 0x0806); /* ARP */
	assert(check(f, n, GROUP, 0, &v) == -ENOENT);
	n = frame(f, false, GROUP, PORT, payload, 100, false);
	core_put_be16(f + 14 + 6, 0x2000); /* more fragments */
	assert(check(f, n, GROUP, 0, &v) == -ENOENT);
	cases += 6;

	/* damaged: the IPv4 header checksum, its lengths, the UDP length */
	n = frame(f, false, GROUP, PORT, payload, 100, false);
	f[14 + 8] = 63; /* TTL changed, checksum not */
	assert(check(f, n, GROUP, 0, &v) == -EBADMSG && strstr(err, "ipv4 header checksum"));
	assert(check(f, n, GROUP, FEEDS_FRAME_IP_CSUM_OK, &v) == 0);
	n = frame(f, false, GROUP, PORT, payload, 100, false);
	core_put_be16(f + 14 + 2, (uint16_t)(28 + 200)); /* longer than the frame */
	assert(check(f, n, GROUP, 0, &v) == -EBADMSG);
	n = frame(f, false, GROUP, PORT, payload, 100, false);
	core_put_be16(f + 14 + 20 + 4, 8 + 101); /* UDP longer than the IP packet */
	assert(check(f, n, GROUP, FEEDS_FRAME_IP_CSUM_OK, &v) == -EBADMSG);
	n = frame(f, false, GROUP, PORT, payload, 100, false);
	f[14] = 0x46; /* IHL 6: the header checksum no longer covers it */
	assert(check(f, n, GROUP, 0, &v) == -EBADMSG);
	cases += 5;

	/* every truncation of a tagged, checksummed frame, ending at a guard page */
	long pg = sysconf(_SC_PAGESIZE);
	unsigned char *map = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE,
	                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert(map != MAP_FAILED);
	assert(mprotect(map + pg, (size_t)pg, PROT_NONE) == 0);
	unsigned char *end = map + pg;
	n = frame(f, true, GROUP, PORT, payload, 333, true);
	for (size_t k = 0; k <= n; k++) {
		unsigned char *p = end - k;
		memcpy(p, f, k);
		int r = check(p, k, GROUP, 0, &v);
		assert(k == n ? r == 0 : r != 0);
		cases++;
	}
	munmap(map, (size_t)pg * 2);

	/* a DPDK receiver: a port is needed (a device has no ephemeral one);
	 * without DPDK built in, refused by name */
	struct feeds_udp *u;
	struct feeds_udp_cfg uc = { .bind = "127.0.0.1:0", .mode = FEEDS_UDP_DPDK };
	assert(feeds_udp_open(&uc, &u, err, sizeof(err)) == -EINVAL && strstr(err, "ephemeral"));
#ifndef OSPREY_DPDK
	uc.bind = "127.0.0.1:9";
	assert(feeds_udp_open(&uc, &u, err, sizeof(err)) == -ENOTSUP &&
	       strstr(err, "built without DPDK") && strstr(err, "-Ddpdk=enabled"));
#endif
	printf("udp frame: %u cases\n", cases);
	return 0;
}
