/* Integration: ../shared/data/pcap/lobster_amzn_mold.pcap (the AMZN ITCH file
 * in 9,676 MoldUDP64 packets) through the feed stage, which picks the pcap
 * source by content. The book after every tracking-0 message equals LOBSTER's
 * top of book, never crosses, and the sequencer saw every message once.
 * Then the same capture with packets dropped, duplicated and reordered while
 * rewriting it: reordering and duplicates heal in the capture itself; a
 * dropped packet cannot be re-requested from a file, so the stage reports the
 * loss (MD_GAP stale+halted, stats.mold.last_loss) and flags every later
 * event stale + halted. */
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../stage_poll.h"
#include "feeds.h"
#include "mold_lobster.h"

static struct core_ring *ring;

static void run_stage(const char *path, struct lob_check *c, struct feeds_stats *ret_st)
{
	char err[512];
	struct feeds_stage *st;
	struct feeds_stage_cfg cfg = { .paths = &path, .npaths = 1, .out = { ring }, .nout = 1 };
	int r = feeds_stage_create(&cfg, &st, err, sizeof(err));
	if (r < 0)
		fprintf(stderr, "%s\n", err);
	assert(r == 0);
	struct md_event ev;
	for (;;) {
		r = poll_once(feeds_stage_poll, st, NULL);
		if (r < 0)
			fprintf(stderr, "%s\n", feeds_stage_error(st));
		assert(r >= 0);
		while (core_ring_pop(ring, &ev) == 0)
			lob_event(c, &ev);
		if (r == CORE_EOF)
			break;
	}
	assert(c->eos);
	feeds_stage_stats(st, ret_st);
	feeds_stage_destroy(st);
}

/* Rewrite the capture: mode 0 sends every 13th packet twice, mode 1 drops every 97th. */
static void rewrite(const char *in, const char *out, int mode)
{
	char err[512];
	struct feeds_capture cap;
	assert(feeds_capture_open(&cap, in, err, sizeof(err)) == 0);
	struct feeds_pcap p;
	assert(feeds_pcap_init(&p, cap.data, cap.len, in, err, sizeof(err)) == 0);
	struct feeds_pcap_writer *w;
	assert(feeds_pcap_writer_open(out, &w, err, sizeof(err)) == 0);
	struct feeds_pcap_rec rec;
	uint64_t k = 0;
	while (feeds_pcap_next(&p, &rec, err, sizeof(err)) == 0) {
		struct feeds_ip_view ip;
		assert(feeds_pcap_ip(&rec, &ip, err, sizeof(err)) == 0);
		k++;
		if (mode == 1 && k % 97 == 5)
			continue; /* dropped */
		assert(feeds_pcap_write_udp(w, rec.ts_ns, ip.src_ip, ip.sport, ip.dst_ip, ip.dport,
					    ip.payload, ip.len) == 0);
		if (mode == 0 && k % 13 == 0)
			assert(feeds_pcap_write_udp(w, rec.ts_ns, ip.src_ip, ip.sport, ip.dst_ip,
						    ip.dport, ip.payload, ip.len) == 0);
	}
	assert(feeds_pcap_writer_close(w) == 0);
	feeds_capture_close(&cap);
}

/* Swap neighbours: write packets in the order 2,1,4,3,... for k%7==0 pairs. */
static void rewrite_swapped(const char *in, const char *out)
{
	char err[512];
	struct feeds_capture cap;
	assert(feeds_capture_open(&cap, in, err, sizeof(err)) == 0);
	struct feeds_pcap p;
	assert(feeds_pcap_init(&p, cap.data, cap.len, in, err, sizeof(err)) == 0);
	struct feeds_pcap_writer *w;
	assert(feeds_pcap_writer_open(out, &w, err, sizeof(err)) == 0);
	struct feeds_pcap_rec rec;
	struct feeds_ip_view held;
	bool have = false;
	uint64_t k = 0;
	while (feeds_pcap_next(&p, &rec, err, sizeof(err)) == 0) {
		struct feeds_ip_view ip;
		assert(feeds_pcap_ip(&rec, &ip, err, sizeof(err)) == 0);
		k++;
		if (!have && k % 7 == 0) {
			held = ip;
			have = true;
			continue;
		}
		assert(feeds_pcap_write_udp(w, rec.ts_ns, ip.src_ip, ip.sport, ip.dst_ip, ip.dport,
					    ip.payload, ip.len) == 0);
		if (have) {
			assert(feeds_pcap_write_udp(w, rec.ts_ns, held.src_ip, held.sport,
						    held.dst_ip, held.dport, held.payload,
						    held.len) == 0);
			have = false;
		}
	}
	assert(!have);
	assert(feeds_pcap_writer_close(w) == 0);
	feeds_capture_close(&cap);
}

int main(void)
{
	const char *dir = getenv("OSPREY_SHARED");
	char path[1024];
	if (!dir) {
		printf("skip: OSPREY_SHARED unset\n");
		return 77;
	}
	snprintf(path, sizeof(path), "%s/data/pcap/lobster_amzn_mold.pcap", dir);
	if (access(path, R_OK) != 0) {
		printf("skip: %s absent\n", path);
		return 77;
	}
	assert(core_clock_init(0) == 0);
	ring = core_ring_create("md", 1024, sizeof(struct md_event));
	assert(ring);
	struct lob_check c;
	struct feeds_stats st;
	if (lob_open(&c, dir) == 77) {
		printf("skip: LOBSTER csv absent\n");
		return 77;
	}

	/* 1. the capture as it is */
	run_stage(path, &c, &st);
	uint64_t extra = lob_close(&c);
	printf("pcap: %llu events, %llu tracking-0 rows, %llu mismatches, %llu crossed; mold: "
	       "%llu packets, %llu messages, %llu gaps\n",
	       (unsigned long long)c.events, (unsigned long long)c.rows,
	       (unsigned long long)c.mismatches, (unsigned long long)c.crossed,
	       (unsigned long long)st.mold.packets, (unsigned long long)st.mold.messages,
	       (unsigned long long)st.mold.gaps);
	assert(c.itch == 193502 && st.total == 193502);
	assert(c.mismatches == 0 && c.crossed == 0 && extra == 0 && c.rows == c.tracked);
	assert(st.mold.packets == 9676 && st.mold.messages == 193502);
	assert(st.mold.gaps == 0 && st.mold.lost_messages == 0 && c.gap_events == 0);
	assert(st.book.errors == 0 && c.stale_events == 0);
	assert(!strcmp(st.mold.session, "000000001A"));

	char tmp[] = "/tmp/osprey-mold-XXXXXX";
	int fd = mkstemp(tmp);
	assert(fd >= 0);
	close(fd);

	/* 2. duplicates every 13th packet: dropped by the sequencer, book unchanged */
	rewrite(path, tmp, 0);
	assert(lob_open(&c, dir) == 0);
	run_stage(tmp, &c, &st);
	extra = lob_close(&c);
	assert(c.mismatches == 0 && c.crossed == 0 && extra == 0);
	assert(st.mold.dup_packets == 9676 / 13 && st.mold.messages == 193502);
	assert(st.mold.gaps == 0 && c.gap_events == 0);

	/* 3. every 7th packet swapped with the next: gaps open and heal in the capture */
	rewrite_swapped(path, tmp);
	assert(lob_open(&c, dir) == 0);
	run_stage(tmp, &c, &st);
	extra = lob_close(&c);
	printf("swapped: %llu gaps, %llu recovered, %llu MD_GAP events, %llu mismatches\n",
	       (unsigned long long)st.mold.gaps, (unsigned long long)st.mold.recovered,
	       (unsigned long long)c.gap_events, (unsigned long long)c.mismatches);
	assert(c.mismatches == 0 && c.crossed == 0 && extra == 0);
	assert(st.mold.gaps > 1000 && st.mold.gaps == c.gap_events);
	assert(st.mold.recovered == st.mold.gaps * 20 && st.mold.lost_messages == 0);
	assert(c.stale_events == 0 && st.book.errors == 0);

	/* 4. every 97th packet lost: the first loss halts the feed for good */
	rewrite(path, tmp, 1);
	assert(lob_open(&c, dir) == 0);
	run_stage(tmp, &c, &st);
	lob_close(&c);
	printf("dropped: %llu lost gaps, %llu lost messages, %llu stale events; %s\n",
	       (unsigned long long)st.mold.lost_gaps, (unsigned long long)st.mold.lost_messages,
	       (unsigned long long)c.stale_events, st.mold.last_loss);
	uint64_t ndrop = (9676 + 92) / 97;
	assert(st.mold.lost_gaps == ndrop && st.mold.lost_messages == ndrop * 20);
	assert(st.mold.messages == 193502 - ndrop * 20);
	assert(c.stale_events > 0 && c.itch == 193502 - ndrop * 20);
	assert(strstr(st.mold.last_loss, "lost"));
	/* everything after the first loss (messages 81..100 are packet 5) is stale */
	assert(c.stale_events == c.itch - 80);
	unlink(tmp);
	core_ring_destroy(ring);
	printf("ok\n");
	return 0;
}
