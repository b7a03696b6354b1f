/* MoldUDP64 received on DPDK (FEEDS_UDP_DPDK; built with -Ddpdk=enabled),
 * with no NIC: DPDK's virtual devices. The books must equal LOBSTER's top of
 * book after every tracking-0 message, and the whole event stream must equal
 * the one the feed stage makes from the capture file itself (a hash of every
 * event's fields but its receive time).
 *
 *   test_feeds_mold_dpdk pcap
 *     net_pcap over the LOBSTER capture, damaged here first: after some
 *     packets, a copy with a broken IPv4 header checksum, one with a UDP
 *     checksum that fails, one to another port, an ARP frame, one whose IP
 *     length runs past the frame, a frame cut short, and an 802.1Q-tagged
 *     copy with a good checksum (a duplicate the sequencer drops); then End
 *     of Session. The damaged and foreign frames are counted exactly.
 *   test_feeds_mold_dpdk bad
 *     EAL arguments it refuses: a clear error quoting EAL, no crash (EAL
 *     itself prints its usage first: DPDK's doing, before its log is ours);
 *     then a second open: refused with the first one's reason (EAL starts
 *     once per process).
 *   test_feeds_mold_dpdk live BIND IFACE SERVE EAL|uring
 *     osprey-gen publishes the capture to BIND (dropping and reordering 2%
 *     of its packets) and serves re-requests on SERVE; the receiver is DPDK
 *     (EAL: its arguments, e.g. net_af_packet on a veth) or, as the anchor,
 *     the io_uring multishot socket. Every gap must heal through the
 *     re-request socket. OSPREY_GEN_PREFIX (e.g. "ip netns exec pub") runs
 *     osprey-gen under a command: test_mold_dpdk_veth.sh runs both receivers
 *     in a network namespace, the publisher in another behind the veth.
 */
#undef NDEBUG
#include <assert.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../stage_poll.h"
#include "feeds.h"
#include "frame_sum.h"
#include "mold_lobster.h"

#define LOB_MSGS 193502
#define GROUP    "233.54.12.111:26477"

struct run {
	struct lob_check c;
	uint64_t hash; /* FNV-1a over the events (gaps and receive times left out) */
	struct feeds_stats fs;
};

static void hash_event(uint64_t *h, const struct md_event *ev)
{
	if (ev->kind == MD_GAP)
		return;
	struct {
		uint64_t ts, ref;
		uint32_t px, qty, bpx, bq, apx, aq;
		uint16_t locate, tracking;
		uint8_t kind, side, type;
	} k;
	memset(&k, 0, sizeof(k));
	k.ts = ev->ts_ns, k.ref = ev->ref, k.px = ev->px, k.qty = ev->qty;
	k.bpx = ev->bid_px, k.bq = ev->bid_qty, k.apx = ev->ask_px, k.aq = ev->ask_qty;
	k.locate = ev->locate, k.tracking = ev->tracking;
	k.kind = ev->kind, k.side = ev->side, k.type = ev->msg_type;
	const unsigned char *p = (const unsigned char *)&k;
	for (size_t i = 0; i < sizeof(k); i++)
		*h = (*h ^ p[i]) * 0x100000001b3ull;
}

/* Drive a stage to its end, checking every event against LOBSTER. */
static void drain(const struct feeds_stage_cfg *cfg, const char *shared, struct run *out,
                  pid_t child)
{
	char err[512];
	struct core_ring *ring = cfg->out[0];
	assert(lob_open(&out->c, shared) == 0);
	out->hash = 0xcbf29ce484222325ull;
	struct feeds_stage *st;
	int r = feeds_stage_create(cfg, &st, err, sizeof(err));
	if (r < 0)
		fprintf(stderr, "%s\n", err);
	assert(r == 0);
	struct md_event ev;
	uint64_t t_end = core_monotonic_ns() + 60000000000ull;
	for (;;) {
		r = poll_once(feeds_stage_poll, st, NULL);
		if (r < 0)
			fprintf(stderr, "%s\n", feeds_stage_error(st));
		assert(r >= 0);
		while (core_ring_pop(ring, &ev) == 0) {
			lob_event(&out->c, &ev);
			hash_event(&out->hash, &ev);
		}
		if (r == CORE_EOF)
			break;
		if (core_monotonic_ns() > t_end) {
			feeds_stage_stats(st, &out->fs);
			fprintf(stderr, "timeout: next %llu high %llu\n",
			        (unsigned long long)out->fs.mold.next_seq,
			        (unsigned long long)out->fs.mold.high_seq);
			if (child > 0)
				kill(child, SIGKILL);
			abort();
		}
	}
	feeds_stage_stats(st, &out->fs);
	feeds_stage_destroy(st);
	uint64_t extra = lob_close(&out->c);
	const struct lob_check *c = &out->c;
	assert(c->eos && c->itch == LOB_MSGS && out->fs.mold.messages == LOB_MSGS);
	assert(c->mismatches == 0 && c->crossed == 0 && extra == 0 && c->rows == c->tracked);
	assert(out->fs.mold.lost_messages == 0 && c->stale_events == 0 && out->fs.book.errors == 0);
}

static void put_rec(FILE *f, uint64_t ts_ns, const unsigned char *d, size_t n)
{
	uint32_t h[4] = { (uint32_t)(ts_ns / 1000000000u), (uint32_t)(ts_ns % 1000000000u / 1000),
		          (uint32_t)n, (uint32_t)n };
	assert(fwrite(h, sizeof(h), 1, f) == 1 && fwrite(d, 1, n, f) == n);
}

struct damage {
	unsigned bad, foreign, tagged;
};

/* The capture again at path, with damaged and foreign frames among its own
 * (untagged Ethernet, IPv4 header 20 bytes), and End of Session at the end. */
static void write_damaged(const unsigned char *src, size_t len, const char *path, struct damage *d)
{
	char err[256];
	struct feeds_pcap p;
	assert(feeds_pcap_init(&p, src, len, "lobster", err, sizeof(err)) == 0);
	FILE *f = fopen(path, "wb");
	assert(f);
	uint32_t gh[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 };
	assert(fwrite(gh, sizeof(gh), 1, f) == 1);
	struct feeds_pcap_rec rec;
	unsigned char b[1600], last[64];
	uint64_t i = 0, ts = 0, next_seq = 0;
	memset(d, 0, sizeof(*d));
	while (feeds_pcap_next(&p, &rec, err, sizeof(err)) == 0) {
		assert(rec.linktype == 1 && rec.caplen <= 1500 && rec.caplen > 42 + 20);
		put_rec(f, rec.ts_ns, rec.data, rec.caplen);
		ts = rec.ts_ns;
		size_t n = rec.caplen;
		const unsigned char *mold = rec.data + 42;
		next_seq = core_be64(mold + 10) + core_be16(mold + 18);
		memcpy(last, rec.data, 42 + 20);
		memcpy(b, rec.data, n);
		unsigned char *ip = b + 14;
		switch (i++ % 40) {
		case 0: /* the TTL changed, not the header checksum */
			ip[8]--;
			d->bad++;
			break;
		case 1: /* a checksum, then a bit of the payload flipped */
			ref_udp_csum(ip);
			b[n - 3] ^= 4;
			d->bad++;
			break;
		case 2: /* to the next port */
			core_put_be16(ip + 22, (uint16_t)(core_be16(ip + 22) + 1));
			d->foreign++;
			break;
		case 3: /* ARP */
			core_put_be16(b + 12, 0x0806);
			n = 42;
			d->foreign++;
			break;
		case 4: /* an IP length past the frame */
			core_put_be16(ip + 2, (uint16_t)(core_be16(ip + 2) + 100));
			ref_ip_csum(ip);
			d->bad++;
			break;
		case 5: /* cut short inside the IPv4 header */
			n = 30;
			d->bad++;
			break;
		case 6: /* 802.1Q-tagged, with a good checksum: the same packet again */
			memmove(b + 18, b + 14, n - 14);
			core_put_be16(b + 12, 0x8100);
			core_put_be16(b + 14, 7);
			core_put_be16(b + 16, 0x0800);
			ref_udp_csum(b + 18);
			n += 4;
			d->tagged++;
			break;
		default:
			continue;
		}
		put_rec(f, rec.ts_ns, b, n);
	}
	/* End of Session: the session's header, the next number, count 0xFFFF */
	unsigned char *ip = last + 14;
	core_put_be16(ip + 2, 20 + 8 + 20);
	ref_ip_csum(ip);
	core_put_be16(ip + 24, 8 + 20);
	core_put_be16(ip + 26, 0);
	core_put_be64(last + 42 + 10, next_seq);
	core_put_be16(last + 42 + 18, 0xFFFF);
	put_rec(f, ts + 1000, last, 42 + 20);
	assert(fclose(f) == 0);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "pcap";
	const char *shared = getenv("OSPREY_SHARED"), *build = getenv("OSPREY_BUILD");
	char path[1024], gen[1024], eal[2048], tmp[] = "/tmp/osprey-dpdk-XXXXXX";
	if (!shared || !build) {
		printf("skip: OSPREY_SHARED or OSPREY_BUILD unset\n");
		return 77;
	}
	snprintf(path, sizeof(path), "%s/data/pcap/lobster_amzn_mold.pcap", shared);
	snprintf(gen, sizeof(gen), "%s/tools/osprey-gen", build);
	struct lob_check probe;
	if (access(path, R_OK) != 0 || lob_open(&probe, shared) != 0) {
		printf("skip: %s or the LOBSTER csv absent\n", path);
		return 77;
	}
	lob_close(&probe);
	if (!strcmp(mode, "bad")) {
		char err[512];
		struct feeds_udp *u;
		struct feeds_udp_cfg uc = { .bind = GROUP,
			                    .mode = FEEDS_UDP_DPDK,
			                    .dpdk_eal =
			                            "--no-huge --no-pci --no-shconf --bogus-flag" };
		int r = feeds_udp_open(&uc, &u, err, sizeof(err));
		printf("bad EAL arguments: %d: %s\n", r, err);
		assert(r < 0 && strstr(err, "dpdk: EAL did not start (") &&
		       strstr(err, "--bogus-flag"));
		r = feeds_udp_open(&uc, &u, err, sizeof(err));
		printf("again: %d: %s\n", r, err);
		assert(r == -EALREADY && strstr(err, "--bogus-flag") &&
		       strstr(err, "once per process"));
		return 0;
	}
	bool live = !strcmp(mode, "live");
	if (!live && strcmp(mode, "pcap")) {
		fprintf(stderr,
		        "usage: test_feeds_mold_dpdk pcap | live BIND IFACE SERVE EAL|uring\n");
		return 2;
	}
	if (live && argc != 6) {
		fprintf(stderr, "usage: test_feeds_mold_dpdk live BIND IFACE SERVE EAL|uring\n");
		return 2;
	}
	assert(core_clock_init(0) == 0);
	struct core_ring *ring = core_ring_create("md", 4096, sizeof(struct md_event));
	assert(ring);

	/* the reference: the feed stage over the capture file */
	static struct run file, rx;
	const char *paths[1] = { path };
	struct feeds_stage_cfg fcfg = { .paths = paths, .npaths = 1, .out = { ring }, .nout = 1 };
	drain(&fcfg, shared, &file, 0);

	struct feeds_mold_live_cfg mc = {
		.seq = { .max_request = 200, .gap_timeout_ns = 3000000000ull },
		.idle_timeout_ns = 20000000000ull,
	};
	struct damage dmg = { 0 };
	pid_t pid = 0;
	if (!live) {
		size_t len;
		char *src, ferr[300];
		assert(core_file_read(path, 1u << 30, &src, &len, ferr, sizeof(ferr)) == 0);
		int fd = mkstemp(tmp);
		assert(fd >= 0);
		close(fd);
		write_damaged((const unsigned char *)src, len, tmp, &dmg);
		free(src);
		snprintf(eal, sizeof(eal),
		         "--no-huge -m 256 --no-pci --no-shconf --file-prefix=osprey%d -l 0 "
		         "--vdev=net_pcap0,rx_pcap=%s",
		         (int)getpid(), tmp);
		mc.udp = (struct feeds_udp_cfg){
			.bind = GROUP, .mode = FEEDS_UDP_DPDK, .dpdk_eal = eal, .nbufs = 1024
		};
	} else {
		bool uring = !strcmp(argv[5], "uring");
		mc.udp = (struct feeds_udp_cfg){ .bind = argv[2],
			                         .iface = argv[3],
			                         .mode = uring ? FEEDS_UDP_MULTISHOT
			                                       : FEEDS_UDP_DPDK,
			                         .dpdk_eal = uring ? NULL : argv[5],
			                         .nbufs = 1024 };
		mc.rerequest = argv[4];
		pid = fork();
		assert(pid >= 0);
		if (pid == 0) {
			/* give the receiver a moment to be up: the capture is only sent once */
			usleep(300000);
			char *args[40], pre[256];
			int n = 0;
			snprintf(pre, sizeof(pre), "%s", getenv("OSPREY_GEN_PREFIX") ?: "");
			for (char *s = NULL, *t = strtok_r(pre, " ", &s); t && n < 20;
			     t = strtok_r(NULL, " ", &s))
				args[n++] = t;
			const char *rest[] = { gen,     "--mold",    argv[2], "--serve",
				               argv[4], "--input",   path,    "--drop",
				               "0.02",  "--reorder", "0.02",  "--seed",
				               "7",     "--rate",    "20000", "--linger-ms",
				               "1500" };
			for (size_t i = 0; i < sizeof(rest) / sizeof(rest[0]); i++)
				args[n++] = strdup(rest[i]); /* exec's argv is not const */
			args[n] = NULL;
			execvp(args[0], args);
			_exit(127);
		}
	}
	struct feeds_stage_cfg cfg = { .out = { ring }, .nout = 1, .mold = &mc };
	drain(&cfg, shared, &rx, pid);
	const struct feeds_mold_stats *m = &rx.fs.mold;
	printf("%s%s%s: %llu messages, %llu packets, %llu dup packets, %llu gaps, %llu requests, "
	       "%llu recovered; frames not ours %llu, bad %llu, missed %llu; events %s the "
	       "file's (%016llx)\n",
	       mode, live ? " " : "",
	       !live                      ? ""
	       : strcmp(argv[5], "uring") ? "dpdk"
	                                  : "io_uring",
	       (unsigned long long)m->messages, (unsigned long long)m->packets,
	       (unsigned long long)m->dup_packets, (unsigned long long)m->gaps,
	       (unsigned long long)m->requests, (unsigned long long)m->recovered,
	       (unsigned long long)m->rx_not_ours, (unsigned long long)m->rx_bad_frames,
	       (unsigned long long)m->rx_missed, rx.hash == file.hash ? "equal to" : "DIFFER from",
	       (unsigned long long)rx.hash);
	assert(rx.hash == file.hash);
	if (!live) {
		/* closed, then opened again: the device ran on (net_pcap is at the
		 * end of its file); one receiver a device; EAL keeps its first
		 * arguments; the pool its first size */
		char err[512];
		struct feeds_udp *u1, *u2;
		struct feeds_udp_pkt pk[8];
		assert(feeds_udp_open(&mc.udp, &u1, err, sizeof(err)) == 0);
		for (int i = 0; i < 1000; i++)
			assert(feeds_udp_recv(u1, pk, 8) == 0);
		assert(feeds_udp_open(&mc.udp, &u2, err, sizeof(err)) == -EBUSY &&
		       strstr(err, "open already"));
		struct feeds_udp_cfg other = mc.udp;
		other.dpdk_eal = "--no-huge --no-pci";
		assert(feeds_udp_open(&other, &u2, err, sizeof(err)) == -EALREADY &&
		       strstr(err, "other arguments"));
		other = mc.udp;
		other.nbufs = 4096;
		feeds_udp_close(u1);
		assert(feeds_udp_open(&other, &u2, err, sizeof(err)) == -ENOMEM &&
		       strstr(err, "more than the 1024"));
		printf("pcap: opened again, nothing stale; a second receiver, other EAL arguments "
		       "and more buffers refused\n");
		unlink(tmp);
		printf("pcap: injected %u damaged, %u foreign, %u tagged duplicates\n", dmg.bad,
		       dmg.foreign, dmg.tagged);
		assert(m->rx_bad_frames == dmg.bad && m->rx_not_ours == dmg.foreign);
		assert(m->dup_packets >= dmg.tagged && m->rx_missed == 0);
	} else {
		int status;
		assert(waitpid(pid, &status, 0) == pid);
		assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		assert(m->gaps > 0 && m->recovered > 0 && m->requests > 0);
	}
	core_ring_destroy(ring);
	return 0;
}
