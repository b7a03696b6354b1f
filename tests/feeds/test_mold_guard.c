/* The MoldUDP64 decoder, the sequencer, the request decoder, the pcap and
 * pcapng readers and the IPv4/UDP header decoder never read past their
 * input: every input (and every truncation of it) is placed so that it ends
 * right before a PROT_NONE page, where a read past the end faults. */
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "feeds.h"

static unsigned char *end; /* first byte of the guard page */
static char err[256];
static unsigned checked;

static unsigned char *place(const void *src, size_t n)
{
	unsigned char *p = end - n;
	memmove(p, src, n);
	return p;
}

static void mold_all_truncations(const unsigned char *pkt, size_t n, struct feeds_mold_seq *s)
{
	unsigned char copy[2048];
	assert(n <= sizeof(copy));
	memcpy(copy, pkt, n);
	for (size_t k = 0; k <= n; k++) {
		unsigned char *p = place(copy, k);
		struct feeds_mold_pkt mp;
		int r = feeds_mold_decode(p, k, 0, &mp, err, sizeof(err));
		assert(r == 0 || r == -EBADMSG);
		if (r == 0) {
			size_t off = 0;
			uint16_t l;
			for (unsigned i = 0; i < mp.count && mp.count != 0xFFFF; i++)
				assert(feeds_mold_block(&mp, &off, &l) + l <= end);
		}
		struct feeds_mold_msg m;
		r = feeds_mold_seq_packet(s, p, k, 0, err, sizeof(err));
		assert(r == -EBADMSG || r >= 0);
		while (feeds_mold_seq_next(s, &m) == 0)
			assert(m.data + m.len <= end || m.data < end - 4096);
		char ss[10];
		uint64_t q;
		uint16_t c;
		(void)feeds_mold_request_decode(p, k, ss, &q, &c);
		checked++;
	}
}

static void pcap_all_truncations(const unsigned char *file, size_t n)
{
	for (size_t k = 0; k <= n; k++) {
		unsigned char *p = place(file, k);
		struct feeds_pcap pc;
		int r = feeds_pcap_init(&pc, p, k, "guard", err, sizeof(err));
		if (r == 0) {
			struct feeds_pcap_rec rec;
			while ((r = feeds_pcap_next(&pc, &rec, err, sizeof(err))) == 0) {
				assert(rec.data + rec.caplen <= end);
				struct feeds_ip_view ip;
				if (feeds_pcap_ip(&rec, &ip, err, sizeof(err)) == 0)
					assert(ip.payload + ip.len <= end);
			}
			assert(r == CORE_EOF || r == -EBADMSG);
			if (r == -EBADMSG)
				assert(strstr(err, "guard: offset "));
		} else {
			assert(r == -EBADMSG || r == -EPROTONOSUPPORT);
		}
		checked++;
	}
}

int main(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char *map = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				  -1, 0);
	assert(map != MAP_FAILED);
	assert(mprotect(map + 2 * pg, pg, PROT_NONE) == 0);
	end = map + 2 * pg;

	struct feeds_mold_seq *s;
	struct feeds_mold_seq_cfg sc = { .window = 1024, .first_seq = FEEDS_MOLD_JOIN_LATE };
	assert(feeds_mold_seq_create(&sc, &s, err, sizeof(err)) == 0);
	/* a packet of three ITCH-sized messages, a heartbeat, an end of session */
	unsigned char pkt[512];
	struct feeds_mold_builder b;
	feeds_mold_build_begin(&b, pkt, sizeof(pkt), "GUARDSESS1", 5);
	unsigned char m[50];
	memset(m, 'x', sizeof(m));
	assert(feeds_mold_build_add(&b, m, 36) == 0);
	assert(feeds_mold_build_add(&b, m, 50) == 0);
	assert(feeds_mold_build_add(&b, m, 1) == 0);
	size_t n = feeds_mold_build_end(&b);
	mold_all_truncations(pkt, n, s);
	feeds_mold_control_encode(pkt, "GUARDSESS1", 9, 0);
	mold_all_truncations(pkt, 20, s);
	feeds_mold_control_encode(pkt, "GUARDSESS1", 9, 0xFFFF);
	mold_all_truncations(pkt, 20, s);
	/* a block claiming more than is there */
	feeds_mold_build_begin(&b, pkt, sizeof(pkt), "GUARDSESS1", 9);
	assert(feeds_mold_build_add(&b, m, 10) == 0);
	n = feeds_mold_build_end(&b);
	core_put_be16(pkt + 20, 0xffff);
	mold_all_truncations(pkt, n, s);
	feeds_mold_seq_destroy(s);

	/* a pcap (written by our writer) and a pcapng holding the same packet */
	char path[] = "/tmp/osprey-guard-XXXXXX";
	int fd = mkstemp(path);
	assert(fd >= 0);
	close(fd);
	struct feeds_pcap_writer *w;
	assert(feeds_pcap_writer_open(path, &w, err, sizeof(err)) == 0);
	feeds_mold_build_begin(&b, pkt, sizeof(pkt), "GUARDSESS1", 1);
	assert(feeds_mold_build_add(&b, m, 36) == 0);
	n = feeds_mold_build_end(&b);
	assert(feeds_pcap_write_udp(w, 1, 0x7f000001, 1, 0xe9360c6f, 2, pkt, n) == 0);
	assert(feeds_pcap_write_udp(w, 2, 0x7f000001, 1, 0x7f000001, 2, pkt, n) == 0);
	assert(feeds_pcap_writer_close(w) == 0);
	FILE *f = fopen(path, "rb");
	unsigned char file[4096];
	size_t flen = fread(file, 1, sizeof(file), f);
	fclose(f);
	unlink(path);
	assert(flen > 24 + 2 * 16);
	pcap_all_truncations(file, flen);

	/* pcapng: SHB, IDB (Ethernet, if_tsresol 9), EPB with the first frame, IDB-less SPB */
	unsigned char ng[1024];
	size_t o = 0;
	uint32_t v;
#define PUT32(x) (v = (x), memcpy(ng + o, &v, 4), o += 4)
	PUT32(0x0a0d0d0a); PUT32(28); PUT32(0x1a2b3c4d); PUT32(0x00000001); PUT32(0xffffffff);
	PUT32(0xffffffff); PUT32(28);
	PUT32(1); PUT32(32); PUT32(1); PUT32(65535);
	PUT32(0x00010009); PUT32(0x00000009); /* if_tsresol = 9 (ns), padded */
	PUT32(0); /* opt_endofopt */
	PUT32(32);
	uint32_t caplen = (uint32_t)(14 + 20 + 8 + n);
	uint32_t padded = (caplen + 3) & ~3u;
	PUT32(6); PUT32(32 + padded); PUT32(0); PUT32(0); PUT32(123456789);
	PUT32(caplen); PUT32(caplen);
	memset(ng + o, 0, padded);
	memcpy(ng + o, file + 24 + 16, caplen);
	o += padded;
	PUT32(32 + padded);
#undef PUT32
	pcap_all_truncations(ng, o);
	/* and it decodes whole */
	struct feeds_pcap pc;
	assert(feeds_pcap_init(&pc, place(ng, o), o, "ng", err, sizeof(err)) == 0);
	struct feeds_pcap_rec rec;
	assert(feeds_pcap_next(&pc, &rec, err, sizeof(err)) == 0);
	assert(rec.ts_ns == 123456789 && rec.caplen == caplen && rec.linktype == 1);
	struct feeds_ip_view ip;
	assert(feeds_pcap_ip(&rec, &ip, err, sizeof(err)) == 0);
	assert(ip.proto == 17 && ip.len == n && ip.dst_ip == 0xe9360c6f && ip.dport == 2);
	assert(feeds_pcap_next(&pc, &rec, err, sizeof(err)) == CORE_EOF);

	munmap(map, 3 * pg);
	printf("ok: %u placements at the guard page\n", checked);
	return 0;
}
