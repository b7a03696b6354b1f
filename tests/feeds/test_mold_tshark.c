/* Independent peer: Debian's tshark decodes a pcap of our own MoldUDP64
 * traffic with the same sequence numbers, message counts and block lengths
 * as our decoder reads back. The traffic is real: the publisher sends a
 * generated session over loopback (with drops and reordering), heartbeats,
 * end of session and retransmissions answering our re-requests, and writes
 * every datagram it sends into the pcap. Skips (77) without tshark. */
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "feeds.h"

#define MAXP 4096

struct pkt_info {
	uint64_t seq;
	unsigned count;
	char lens[2048];
};

static struct pkt_info ours[MAXP], theirs[MAXP];

int main(void)
{
	if (system("tshark -v >/dev/null 2>&1") != 0) {
		printf("skip: tshark not installed\n");
		return 77;
	}
	assert(core_clock_init(0) == 0);
	char err[512], pcap[] = "/tmp/osprey-mold-tshark-XXXXXX";
	int fd = mkstemp(pcap);
	assert(fd >= 0);
	close(fd);

	struct feeds_gen_cfg gc = { .seed = 3, .messages = 3000, .symbols = 2 };
	size_t cap = feeds_gen_bound(&gc), len;
	unsigned char *msgs = malloc(cap);
	assert(msgs && feeds_gen(&gc, msgs, cap, &len, err, sizeof(err)) == 0);

	/* the receiving socket: our own io_uring receiver */
	struct feeds_udp *rx;
	struct feeds_udp_cfg uc = { .bind = "127.0.0.1:0" };
	assert(feeds_udp_open(&uc, &rx, err, sizeof(err)) == 0);
	char dest[64];
	snprintf(dest, sizeof(dest), "127.0.0.1:%u", feeds_udp_port(rx));
	struct feeds_mold_pub_cfg pc = { .dest = dest,
					 .serve = "127.0.0.1:0",
					 .pcap = pcap,
					 .msgs = msgs,
					 .msgs_len = len,
					 .max_payload = 600,
					 .drop = 0.1,
					 .reorder = 0.1,
					 .seed = 11,
					 .rate_pps = 2000,
					 .heartbeat_ns = 300000,
					 .linger_ns = 20000000 };
	memcpy(pc.session, "TSHARK0001", 10);
	struct feeds_mold_pub *pub;
	assert(feeds_mold_pub_create(&pc, &pub, err, sizeof(err)) == 0);
	struct feeds_mold_pub_stats ps;
	feeds_mold_pub_stats(pub, &ps);
	/* ask for a few ranges again so retransmissions are in the capture */
	unsigned asked = 0;
	int r;
	uint32_t work;
	while ((r = feeds_mold_pub_poll(pub, core_now_ns(), &work)) != CORE_EOF) {
		assert(r == 0);
		struct feeds_udp_pkt pk[32];
		int n = feeds_udp_recv(rx, pk, 32);
		assert(n >= 0);
		for (int i = 0; i < n; i++)
			feeds_udp_release(rx, &pk[i]);
		struct feeds_mold_pub_stats now;
		feeds_mold_pub_stats(pub, &now);
		if (asked < 5 && now.messages > 500 * (asked + 1)) {
			struct feeds_mold_req req;
			feeds_mold_request_encode(req.pkt, "TSHARK0001", 1 + 97 * asked, 30);
			assert(feeds_udp_sendto(rx, req.pkt, 20, 0x7f000001, ps.serve_port) == 0);
			asked++;
		}
		if (r == 0) {
			struct timespec ts = { 0, 50000 };
			nanosleep(&ts, NULL);
		}
	}
	feeds_mold_pub_stats(pub, &ps);
	feeds_mold_pub_destroy(pub);
	assert(ps.requests == 5 && ps.resent_packets > 0 && ps.dropped > 0 && ps.ends > 0);

	/* our decode of the capture */
	struct feeds_capture c;
	assert(feeds_capture_open(&c, pcap, err, sizeof(err)) == 0);
	struct feeds_pcap p;
	assert(feeds_pcap_init(&p, c.data, c.len, pcap, err, sizeof(err)) == 0);
	struct feeds_pcap_rec rec;
	unsigned nours = 0, hb = 0, ends = 0;
	uint64_t nmsg = 0;
	uint16_t rxport = feeds_udp_port(rx);
	while ((r = feeds_pcap_next(&p, &rec, err, sizeof(err))) == 0) {
		struct feeds_ip_view ip;
		struct feeds_mold_pkt mp;
		assert(feeds_pcap_ip(&rec, &ip, err, sizeof(err)) == 0 && ip.proto == 17);
		assert(ip.dport == rxport);
		assert(feeds_mold_decode(ip.payload, ip.len, 0, &mp, err, sizeof(err)) == 0);
		assert(nours < MAXP);
		struct pkt_info *pi = &ours[nours++];
		pi->seq = mp.seq;
		pi->count = mp.count;
		size_t off = 0, o = 0;
		if (mp.count == 0)
			hb++;
		else if (mp.count == 0xFFFF)
			ends++;
		else
			for (unsigned i = 0; i < mp.count; i++) {
				uint16_t l;
				(void)feeds_mold_block(&mp, &off, &l);
				o += (size_t)snprintf(pi->lens + o, sizeof(pi->lens) - o, "%s%u",
						      i ? "," : "", l);
				nmsg++;
			}
	}
	assert(r == CORE_EOF);
	feeds_capture_close(&c);

	/* tshark's */
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
		 "tshark -r %s -d udp.port==%u,moldudp64 -T fields -e moldudp64.sequence "
		 "-e moldudp64.count -e moldudp64.msglen 2>/dev/null",
		 pcap, rxport);
	FILE *f = popen(cmd, "r");
	assert(f);
	char line[8192];
	unsigned ntheirs = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		assert(ntheirs < MAXP);
		struct pkt_info *pi = &theirs[ntheirs++];
		char *t1 = strchr(line, '\t');
		assert(t1);
		char *t2 = strchr(t1 + 1, '\t');
		assert(t2);
		*t1 = *t2 = 0;
		pi->seq = strtoull(line, NULL, 10);
		pi->count = (unsigned)strtoul(t1 + 1, NULL, 10);
		snprintf(pi->lens, sizeof(pi->lens), "%s", t2 + 1);
	}
	int st = pclose(f);
	assert(st == 0);
	printf("ours %u packets (%u heartbeats, %u ends, %llu message blocks), tshark %u\n", nours,
	       hb, ends, (unsigned long long)nmsg, ntheirs);
	assert(ntheirs == nours && nours > 100 && hb > 0 && ends > 0);
	for (unsigned i = 0; i < nours; i++) {
		if (ours[i].seq != theirs[i].seq || ours[i].count != theirs[i].count ||
		    strcmp(ours[i].lens, theirs[i].lens) != 0) {
			fprintf(stderr, "packet %u: ours %llu/%u/%s tshark %llu/%u/%s\n", i + 1,
				(unsigned long long)ours[i].seq, ours[i].count, ours[i].lens,
				(unsigned long long)theirs[i].seq, theirs[i].count, theirs[i].lens);
			abort();
		}
	}
	feeds_udp_close(rx);
	free(msgs);
	unlink(pcap);
	printf("ok\n");
	return 0;
}
