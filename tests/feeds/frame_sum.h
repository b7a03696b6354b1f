/* frame_sum.h - the tests' own Internet checksum (RFC 1071 over big-endian
 * words), apart from the library's, to build frames and check its verdicts. */
#ifndef OSPREY_TEST_FRAME_SUM_H
#define OSPREY_TEST_FRAME_SUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The folded sum of n bytes at p added to s (odd n: a zero byte after). */
static inline uint16_t ref_sum(const unsigned char *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)(p[n - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Fill in the UDP checksum of the datagram after the IPv4 header ip. */
static inline void ref_udp_csum(unsigned char *ip)
{
	unsigned char *u = ip + (ip[0] & 15) * 4, ph[12] = { 0 };
	size_t ulen = (size_t)(u[4] << 8 | u[5]);
	memcpy(ph, ip + 12, 8);
	ph[9] = 17;
	ph[10] = u[4];
	ph[11] = u[5];
	u[6] = u[7] = 0;
	uint16_t c = (uint16_t)~ref_sum(u, ulen, ref_sum(ph, 12, 0));
	if (!c)
		c = 0xffff;
	u[6] = (unsigned char)(c >> 8);
	u[7] = (unsigned char)c;
}

/* Recompute the IPv4 header checksum. */
static inline void ref_ip_csum(unsigned char *ip)
{
	size_t ihl = (size_t)(ip[0] & 15) * 4;
	ip[10] = ip[11] = 0;
	uint16_t c = (uint16_t)~ref_sum(ip, ihl, 0);
	ip[10] = (unsigned char)(c >> 8);
	ip[11] = (unsigned char)c;
}

#endif
