/* fuzz_pcap - LLVMFuzzerTestOneInput over the pcap/pcapng reader, the
 * link/IPv4/UDP decoder, the DPDK path's frame check (feeds_udp_frame) and
 * the MoldUDP64 capture source (through a feed
 * stage over memory, which picks the source by content). Any outcome but a
 * crash, a hang or an unterminated error is fine.
 *
 * Built as a libFuzzer target (-Dfuzz=true) and as a plain unit test over the
 * pcaps in $OSPREY_SHARED/data/pcap, their truncations and mutations. */
#undef NDEBUG
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../stage_poll.h"
#include "feeds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct core_ring *ring;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct feeds_pcap p;
	int r = feeds_pcap_init(&p, data, size, "fuzz", err, sizeof(err));
	if (r == 0) {
		struct feeds_pcap_rec rec;
		while ((r = feeds_pcap_next(&p, &rec, err, sizeof(err))) == 0) {
			assert(rec.data >= data && rec.data + rec.caplen <= data + size);
			struct feeds_ip_view ip;
			int k = feeds_pcap_ip(&rec, &ip, err, sizeof(err));
			assert(k == 0 || k == -ENOENT || k == -EBADMSG);
			if (k == 0)
				assert(ip.payload >= rec.data &&
				       ip.payload + ip.len <= rec.data + rec.caplen);
			/* the DPDK path's frame check, on Ethernet frames */
			if (rec.linktype == 1) {
				uint32_t dst = k == 0 ? ip.dst_ip : 0;
				uint16_t port = k == 0 ? ip.dport : 26477;
				k = feeds_udp_frame(rec.data, rec.caplen, dst, port, 0, &ip, err,
				                    sizeof(err));
				assert(k == 0 || k == -ENOENT || k == -EBADMSG);
				if (k == 0)
					assert(ip.payload >= rec.data && ip.l3 >= rec.data &&
					       ip.payload + ip.len <= rec.data + rec.caplen);
			}
		}
		assert(r == CORE_EOF || (r == -EBADMSG && strncmp(err, "fuzz: offset ", 13) == 0));
	} else {
		assert(r == -EBADMSG || r == -EPROTONOSUPPORT);
	}
	if (feeds_format_detect(data, size) == FEEDS_FMT_ITCH)
		return 0;
	if (!ring) {
		assert(core_clock_init(1) == 0);
		ring = core_ring_create("fuzz", 64, sizeof(struct md_event));
		assert(ring);
	}
	struct feeds_stage *st;
	struct feeds_stage_cfg cfg = { .mem = data, .mem_len = size, .mem_name = "fuzz",
				       .out = { ring }, .nout = 1,
				       .books = { .max_orders = 64, .max_levels = 32, .max_locate = 8 } };
	r = feeds_stage_create(&cfg, &st, err, sizeof(err));
	if (r < 0)
		return 0; /* a bad file header */
	struct md_event ev;
	uint64_t last = 0;
	for (int i = 0; i < 1000000; i++) {
		r = poll_once(feeds_stage_poll, st, NULL);
		while (core_ring_pop(ring, &ev) == 0) {
			assert(ev.seq == last + 1);
			last = ev.seq;
		}
		if (r < 0) {
			assert(strncmp(feeds_stage_error(st), "fuzz", 4) == 0);
			break;
		}
		if (r == CORE_EOF)
			break;
	}
	assert(r < 0 || r == CORE_EOF);
	feeds_stage_destroy(st);
	return 0;
}

#ifndef OSPREY_LIBFUZZER
#define FUZZ_SEED 0x9E3779B97F4A7C15ull
#include "fuzz_driver.h"

int main(void)
{
	const char *dir = getenv("OSPREY_SHARED");
	char path[1024], err[512];
	if (!dir) {
		printf("skip: OSPREY_SHARED unset\n");
		return 77;
	}
	const char *files[] = { "real_dir_mold.pcap", "lobster_amzn_mold.pcap", "soup_ouch.pcapng",
				"fix_session.pcapng" };
	unsigned runs = 0, used = 0;
	for (int fi = 0; fi < 4; fi++) {
		snprintf(path, sizeof(path), "%s/data/pcap/%s", dir, files[fi]);
		struct feeds_capture cap;
		if (feeds_capture_open(&cap, path, err, sizeof(err)) < 0)
			continue;
		used++;
		size_t win = cap.len < 8192 ? cap.len : 8192;
		LLVMFuzzerTestOneInput(cap.data, win);
		runs++;
		for (int i = 0; i < 300; i++) {
			size_t n = 1 + rnd() % win;
			unsigned char *c = malloc(n);
			memcpy(c, cap.data, n);
			if (i % 3) {
				unsigned flips = 1 + (unsigned)(rnd() % 8);
				for (unsigned k = 0; k < flips; k++)
					c[rnd() % n] ^= (unsigned char)(1u << (rnd() % 8));
			}
			LLVMFuzzerTestOneInput(c, n);
			free(c);
			runs++;
		}
		feeds_capture_close(&cap);
	}
	LLVMFuzzerTestOneInput(NULL, 0);
	core_ring_destroy(ring);
	printf("ok: %u inputs\n", runs);
	return used ? 0 : 77;
}
#endif
