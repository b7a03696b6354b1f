/* pcap.c - pcap/pcapng reader over memory, link/IPv4/UDP/TCP headers, pcap writer. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "feeds.h"

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
#define PCAPNG_SHB    0x0a0d0d0au
#define PCAPNG_BOM    0x1a2b3c4du

enum feeds_format feeds_format_detect(const void *data, size_t len)
{
	if (!data || len < 4)
		return FEEDS_FMT_ITCH;
	uint32_t m;
	memcpy(&m, data, 4);
	uint32_t b = __builtin_bswap32(m);
	if (m == PCAP_MAGIC_US || m == PCAP_MAGIC_NS || b == PCAP_MAGIC_US || b == PCAP_MAGIC_NS)
		return FEEDS_FMT_PCAP;
	if (m == PCAPNG_SHB)
		return FEEDS_FMT_PCAPNG;
	return FEEDS_FMT_ITCH;
}

static uint32_t rd32(const struct feeds_pcap *p, const unsigned char *q)
{
	uint32_t v;
	memcpy(&v, q, 4);
	return p->swapped ? __builtin_bswap32(v) : v;
}

static uint16_t rd16(const struct feeds_pcap *p, const unsigned char *q)
{
	uint16_t v;
	memcpy(&v, q, 2);
	return p->swapped ? __builtin_bswap16(v) : v;
}

#define BAD(off, ...)                                                                     \
	do {                                                                              \
		char m_[192];                                                             \
		snprintf(m_, sizeof(m_), __VA_ARGS__);                                    \
		core_errf(err, errlen, "%s: offset %zu: %s", p->name, (size_t)(off), m_); \
		return -EBADMSG;                                                          \
	} while (0)

/* pcapng section header at p->off: sets byte order, resets interfaces. */
static int ng_section(struct feeds_pcap *p, char *err, size_t errlen)
{
	size_t off = p->off;
	if (p->len - off < 28)
		BAD(off, "pcapng: truncated section header block (%zu bytes left)", p->len - off);
	uint32_t bom;
	memcpy(&bom, p->data + off + 8, 4);
	if (bom == PCAPNG_BOM)
		p->swapped = false;
	else if (__builtin_bswap32(bom) == PCAPNG_BOM)
		p->swapped = true;
	else
		BAD(off + 8, "pcapng: bad byte-order magic 0x%08x", bom);
	uint32_t blen = rd32(p, p->data + off + 4);
	if (blen < 28 || blen % 4 || blen > p->len - off)
		BAD(off + 4, "pcapng: section header block length %u (%zu bytes left)", blen,
		    p->len - off);
	p->nifaces = 0;
	p->off = off + blen;
	return 0;
}

int feeds_pcap_init(struct feeds_pcap *p, const void *data, size_t len, const char *name,
		    char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	p->data = data;
	p->len = data ? len : 0;
	snprintf(p->name, sizeof(p->name), "%s", name ? name : "memory");
	p->format = feeds_format_detect(data, p->len);
	if (p->format == FEEDS_FMT_PCAPNG)
		return ng_section(p, err, errlen);
	if (p->format != FEEDS_FMT_PCAP) {
		core_errf(err, errlen, "%s: offset 0: not a pcap or pcapng file", p->name);
		return -EPROTONOSUPPORT;
	}
	if (p->len < 24)
		BAD(0, "pcap: truncated file header (%zu of 24 bytes)", p->len);
	uint32_t m;
	memcpy(&m, p->data, 4);
	p->swapped = m != PCAP_MAGIC_US && m != PCAP_MAGIC_NS;
	if (p->swapped)
		m = __builtin_bswap32(m);
	p->nifaces = 1;
	p->ts_div[0] = m == PCAP_MAGIC_NS ? 1000000000u : 1000000u;
	/* the link type's low 16 bits; the upper ones carry FCS info */
	p->linktype[0] = rd32(p, p->data + 20) & 0xffff;
	p->off = 24;
	return 0;
}

static uint64_t to_ns(uint64_t ticks, uint64_t div)
{
	if (div == 1000000000u)
		return ticks;
	return (uint64_t)((unsigned __int128)ticks * 1000000000u / div);
}

static int pcap_rec(struct feeds_pcap *p, struct feeds_pcap_rec *ret, char *err, size_t errlen)
{
	size_t off = p->off;
	if (p->len - off < 16)
		BAD(off, "pcap: truncated record header (%zu of 16 bytes)", p->len - off);
	const unsigned char *h = p->data + off;
	uint32_t sec = rd32(p, h), frac = rd32(p, h + 4);
	uint32_t caplen = rd32(p, h + 8), origlen = rd32(p, h + 12);
	if (caplen > p->len - off - 16)
		BAD(off, "pcap: record %llu: captured length %u but %zu bytes left",
		    (unsigned long long)p->records + 1, caplen, p->len - off - 16);
	if (caplen > 262144)
		BAD(off, "pcap: record %llu: captured length %u above 256 KiB",
		    (unsigned long long)p->records + 1, caplen);
	if (frac >= p->ts_div[0])
		BAD(off + 4, "pcap: record %llu: sub-second field %u out of range",
		    (unsigned long long)p->records + 1, frac);
	ret->ts_ns = (uint64_t)sec * 1000000000u + to_ns(frac, p->ts_div[0]);
	ret->data = h + 16;
	ret->caplen = caplen;
	ret->origlen = origlen;
	ret->linktype = p->linktype[0];
	ret->offset = off;
	p->off = off + 16 + caplen;
	p->records++;
	return 0;
}

/* pcapng if_tsresol (option 9) of an IDB body's options. */
static uint64_t ng_tsresol(const struct feeds_pcap *p, const unsigned char *o, size_t n)
{
	while (n >= 4) {
		uint16_t code = rd16(p, o), olen = rd16(p, o + 2);
		if (code == 0)
			break;
		size_t padded = ((size_t)olen + 3) & ~(size_t)3;
		if (padded > n - 4)
			break;
		if (code == 9 && olen >= 1) {
			uint8_t v = o[4];
			unsigned e = v & 0x7f;
			if (v & 0x80)
				return e < 63 ? (uint64_t)1 << e : 0;
			uint64_t d = 1;
			for (unsigned i = 0; i < e; i++) {
				if (d > UINT64_MAX / 10)
					return 0;
				d *= 10;
			}
			return d;
		}
		o += 4 + padded;
		n -= 4 + padded;
	}
	return 1000000u;
}

static int ng_block(struct feeds_pcap *p, struct feeds_pcap_rec *ret, char *err, size_t errlen)
{
	for (;;) {
		size_t off = p->off;
		if (off == p->len)
			return CORE_EOF;
		if (p->len - off < 12)
			BAD(off, "pcapng: truncated block header (%zu bytes left)", p->len - off);
		const unsigned char *b = p->data + off;
		uint32_t type;
		memcpy(&type, b, 4);
		if (type == PCAPNG_SHB) {
			int r = ng_section(p, err, errlen);
			if (r < 0)
				return r;
			continue;
		}
		type = rd32(p, b);
		uint32_t blen = rd32(p, b + 4);
		if (blen < 12 || blen % 4 || blen > p->len - off)
			BAD(off + 4, "pcapng: block type %u: length %u (%zu bytes left)", type, blen,
			    p->len - off);
		if (rd32(p, b + blen - 4) != blen)
			BAD(off + blen - 4, "pcapng: block type %u: trailing length %u differs from %u",
			    type, rd32(p, b + blen - 4), blen);
		const unsigned char *body = b + 8;
		size_t bodylen = blen - 12;
		p->off = off + blen;
		if (type == 1) { /* interface description */
			if (bodylen < 8)
				BAD(off, "pcapng: interface block body of %zu bytes", bodylen);
			if (p->nifaces >= FEEDS_PCAP_MAX_IFACES)
				BAD(off, "pcapng: more than %d interfaces", FEEDS_PCAP_MAX_IFACES);
			uint64_t div = ng_tsresol(p, body + 8, bodylen - 8);
			if (!div)
				BAD(off, "pcapng: interface %u: unusable if_tsresol", p->nifaces);
			p->linktype[p->nifaces] = rd16(p, body);
			p->ts_div[p->nifaces] = div;
			p->nifaces++;
			continue;
		}
		if (type == 6 || type == 2) { /* enhanced / obsolete packet */
			if (bodylen < 20)
				BAD(off, "pcapng: packet block body of %zu bytes", bodylen);
			uint32_t ifid = type == 6 ? rd32(p, body) : rd16(p, body);
			if (ifid >= p->nifaces)
				BAD(off + 8, "pcapng: packet block names interface %u of %u", ifid,
				    p->nifaces);
			uint64_t ts = (uint64_t)rd32(p, body + 4) << 32 | rd32(p, body + 8);
			uint32_t caplen = rd32(p, body + 12), origlen = rd32(p, body + 16);
			if (caplen > bodylen - 20)
				BAD(off + 20, "pcapng: packet block captured length %u exceeds its %zu "
					      "bytes",
				    caplen, bodylen - 20);
			uint64_t div = p->ts_div[ifid];
			ret->ts_ns = ts / div * 1000000000u + to_ns(ts % div, div);
			ret->data = body + 20;
			ret->caplen = caplen;
			ret->origlen = origlen;
			ret->linktype = p->linktype[ifid];
			ret->offset = off;
			p->records++;
			return 0;
		}
		if (type == 3) { /* simple packet: interface 0, no time */
			if (bodylen < 4)
				BAD(off, "pcapng: simple packet block body of %zu bytes", bodylen);
			if (p->nifaces == 0)
				BAD(off, "pcapng: simple packet block before any interface");
			uint32_t origlen = rd32(p, body);
			uint32_t caplen = origlen < bodylen - 4 ? origlen : (uint32_t)(bodylen - 4);
			ret->ts_ns = 0;
			ret->data = body + 4;
			ret->caplen = caplen;
			ret->origlen = origlen;
			ret->linktype = p->linktype[0];
			ret->offset = off;
			p->records++;
			return 0;
		}
		/* anything else (statistics, name resolution, custom): skip */
	}
}

int feeds_pcap_next(struct feeds_pcap *p, struct feeds_pcap_rec *ret, char *err, size_t errlen)
{
	if (p->off > p->len)
		return -EINVAL;
	if (p->format == FEEDS_FMT_PCAPNG)
		return ng_block(p, ret, err, errlen);
	if (p->format != FEEDS_FMT_PCAP)
		return -EINVAL;
	if (p->off == p->len)
		return CORE_EOF;
	return pcap_rec(p, ret, err, errlen);
}

#undef BAD
#define BAD(...)                                                                     \
	do {                                                                         \
		char m_[160];                                                        \
		snprintf(m_, sizeof(m_), __VA_ARGS__);                               \
		core_errf(err, errlen, "record at offset %zu: %s", rec->offset, m_); \
		return -EBADMSG;                                                     \
	} while (0)

int feeds_pcap_ip(const struct feeds_pcap_rec *rec, struct feeds_ip_view *ret, char *err,
		  size_t errlen)
{
	const unsigned char *d = rec->data;
	size_t n = rec->caplen, l2;
	uint16_t etype;
	switch (rec->linktype) {
	case 1: /* Ethernet, possibly 802.1Q / QinQ tagged */
		if (n < 14)
			BAD("ethernet header truncated (%zu bytes)", n);
		l2 = 14;
		etype = core_be16(d + 12);
		while (etype == 0x8100 || etype == 0x88a8) {
			if (n < l2 + 4)
				BAD("vlan tag truncated");
			etype = core_be16(d + l2 + 2);
			l2 += 4;
		}
		break;
	case 113: /* Linux cooked v1 */
		if (n < 16)
			BAD("linux cooked header truncated (%zu bytes)", n);
		l2 = 16;
		etype = core_be16(d + 14);
		break;
	case 276: /* Linux cooked v2 */
		if (n < 20)
			BAD("linux cooked v2 header truncated (%zu bytes)", n);
		l2 = 20;
		etype = core_be16(d);
		break;
	case 101:
	case 12:
	case 228: /* raw IP */
		l2 = 0;
		etype = (n && (d[0] >> 4) == 4) ? 0x0800 : 0;
		break;
	case 0: /* BSD loopback: host-order AF */
		if (n < 4)
			BAD("loopback header truncated");
		l2 = 4;
		etype = (d[0] == 2 || d[3] == 2) ? 0x0800 : 0;
		break;
	default:
		return -ENOENT;
	}
	if (etype != 0x0800)
		return -ENOENT;
	d += l2;
	n -= l2;
	if (n < 20)
		BAD("ipv4 header truncated (%zu bytes)", n);
	if ((d[0] >> 4) != 4)
		BAD("ipv4 version %u", d[0] >> 4);
	size_t ihl = (size_t)(d[0] & 15) * 4;
	size_t tot = core_be16(d + 2);
	if (ihl < 20 || tot < ihl)
		BAD("ipv4 header length %zu, total length %zu", ihl, tot);
	if (tot > n)
		BAD("ipv4 total length %zu but %zu bytes captured", tot, n);
	if (core_be16(d + 6) & 0x3fff)
		return -ENOENT; /* a fragment */
	memset(ret, 0, sizeof(*ret));
	ret->l3 = d;
	ret->l3_len = ihl;
	ret->proto = d[9];
	ret->src_ip = core_be32(d + 12);
	ret->dst_ip = core_be32(d + 16);
	const unsigned char *l4 = d + ihl;
	size_t l4n = tot - ihl;
	if (ret->proto == 17) {
		if (l4n < 8)
			BAD("udp header truncated (%zu bytes)", l4n);
		size_t ulen = core_be16(l4 + 4);
		if (ulen < 8 || ulen > l4n)
			BAD("udp length %zu, %zu bytes in the ip packet", ulen, l4n);
		ret->sport = core_be16(l4);
		ret->dport = core_be16(l4 + 2);
		ret->payload = l4 + 8;
		ret->len = ulen - 8;
	} else if (ret->proto == 6) {
		if (l4n < 20)
			BAD("tcp header truncated (%zu bytes)", l4n);
		size_t doff = (size_t)(l4[12] >> 4) * 4;
		if (doff < 20 || doff > l4n)
			BAD("tcp data offset %zu, %zu bytes in the ip packet", doff, l4n);
		ret->sport = core_be16(l4);
		ret->dport = core_be16(l4 + 2);
		ret->payload = l4 + doff;
		ret->len = l4n - doff;
	} else {
		ret->payload = l4;
		ret->len = l4n;
	}
	return 0;
}

/* ---- writer ------------------------------------------------------------- */

struct feeds_pcap_writer {
	int fd;
	int error;
	size_t used;
	unsigned char buf[1 << 16];
};

static int w_flush(struct feeds_pcap_writer *w)
{
	size_t done = 0;
	while (done < w->used) {
		ssize_t k = write(w->fd, w->buf + done, w->used - done);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (!w->error)
				w->error = -errno;
			break;
		}
		done += (size_t)k;
	}
	w->used = 0;
	return w->error;
}

static int w_put(struct feeds_pcap_writer *w, const void *b, size_t n)
{
	if (sizeof(w->buf) - w->used < n && w_flush(w) < 0)
		return w->error;
	if (n > sizeof(w->buf)) {
		const unsigned char *q = b;
		while (n) {
			ssize_t k = write(w->fd, q, n);
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				return w->error = -errno;
			q += k;
			n -= (size_t)k;
		}
		return 0;
	}
	memcpy(w->buf + w->used, b, n);
	w->used += n;
	return 0;
}

int feeds_pcap_writer_open(const char *path, struct feeds_pcap_writer **ret, char *err,
			   size_t errlen)
{
	struct feeds_pcap_writer *w = core_alloc(sizeof(*w), CORE_CACHE_LINE);
	if (!w) {
		core_errf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		int r = -errno;
		core_errf(err, errlen, "%s: cannot create: %s", path, strerror(-r));
		core_free(w);
		return r;
	}
	/* nanosecond pcap, host byte order, snaplen 65535, Ethernet */
	uint32_t hdr[6] = { PCAP_MAGIC_NS, 0x00040002u, 0, 0, 65535, 1 };
	w_put(w, hdr, sizeof(hdr));
	*ret = w;
	return 0;
}

static uint16_t ip_csum(const unsigned char *h)
{
	uint32_t s = 0;
	for (int i = 0; i < 20; i += 2)
		s += core_be16(h + i);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

int feeds_pcap_write_udp(struct feeds_pcap_writer *w, uint64_t ts_ns, uint32_t src_ip,
			 uint16_t sport, uint32_t dst_ip, uint16_t dport, const void *payload,
			 size_t len)
{
	if (len > FEEDS_MOLD_MAX_PKT)
		return -EMSGSIZE;
	if (w->error)
		return w->error;
	unsigned char h[16 + 14 + 20 + 8];
	uint32_t caplen = (uint32_t)(14 + 20 + 8 + len);
	uint32_t rh[4] = { (uint32_t)(ts_ns / 1000000000u), (uint32_t)(ts_ns % 1000000000u), caplen,
			   caplen };
	memcpy(h, rh, 16);
	unsigned char *e = h + 16;
	/* multicast destinations get the matching group MAC */
	if ((dst_ip >> 28) == 14) {
		unsigned char mac[6] = { 0x01, 0x00, 0x5e, (unsigned char)((dst_ip >> 16) & 0x7f),
					 (unsigned char)(dst_ip >> 8), (unsigned char)dst_ip };
		memcpy(e, mac, 6);
	} else {
		memset(e, 0, 6);
	}
	unsigned char smac[6] = { 0x02, 0, 0, 0, 0, 1 };
	memcpy(e + 6, smac, 6);
	core_put_be16(e + 12, 0x0800);
	unsigned char *ip = e + 14;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	core_put_be16(ip + 2, (uint16_t)(20 + 8 + len));
	core_put_be16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = 17;
	core_put_be32(ip + 12, src_ip);
	core_put_be32(ip + 16, dst_ip);
	core_put_be16(ip + 10, ip_csum(ip));
	unsigned char *u = ip + 20;
	core_put_be16(u, sport);
	core_put_be16(u + 2, dport);
	core_put_be16(u + 4, (uint16_t)(8 + len));
	core_put_be16(u + 6, 0); /* no checksum (allowed for IPv4) */
	int r = w_put(w, h, sizeof(h));
	if (r == 0)
		r = w_put(w, payload, len);
	return r;
}

int feeds_pcap_write_tcp(struct feeds_pcap_writer *w, uint64_t ts_ns, uint32_t src_ip,
			 uint16_t sport, uint32_t dst_ip, uint16_t dport, uint32_t seq, uint32_t ack,
			 uint8_t flags, const void *payload, size_t len)
{
	if (len > 65535 - 40)
		return -EMSGSIZE;
	if (w->error)
		return w->error;
	unsigned char h[16 + 14 + 20 + 20];
	uint32_t caplen = (uint32_t)(14 + 20 + 20 + len);
	uint32_t rh[4] = { (uint32_t)(ts_ns / 1000000000u), (uint32_t)(ts_ns % 1000000000u), caplen,
			   caplen };
	memcpy(h, rh, 16);
	unsigned char *e = h + 16;
	static const unsigned char mac[2][6] = { { 0x02, 0, 0, 0, 0, 1 }, { 0x02, 0, 0, 0, 0, 2 } };
	memcpy(e, mac[src_ip < dst_ip || (src_ip == dst_ip && sport < dport)], 6);
	memcpy(e + 6, mac[!(src_ip < dst_ip || (src_ip == dst_ip && sport < dport))], 6);
	core_put_be16(e + 12, 0x0800);
	unsigned char *ip = e + 14;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	core_put_be16(ip + 2, (uint16_t)(20 + 20 + len));
	core_put_be16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = 6;
	core_put_be32(ip + 12, src_ip);
	core_put_be32(ip + 16, dst_ip);
	core_put_be16(ip + 10, ip_csum(ip));
	unsigned char *t = ip + 20;
	memset(t, 0, 20);
	core_put_be16(t, sport);
	core_put_be16(t + 2, dport);
	core_put_be32(t + 4, seq);
	core_put_be32(t + 8, ack);
	t[12] = 5 << 4; /* header length: 5 words, no options */
	t[13] = flags;
	core_put_be16(t + 14, 65535); /* window; checksum left 0 (readers do not verify it by default) */
	int r = w_put(w, h, sizeof(h));
	if (r == 0 && len)
		r = w_put(w, payload, len);
	return r;
}

int feeds_pcap_writer_close(struct feeds_pcap_writer *w)
{
	if (!w)
		return 0;
	int r = w_flush(w);
	if (close(w->fd) < 0 && r == 0)
		r = -errno;
	core_free(w);
	return r;
}
