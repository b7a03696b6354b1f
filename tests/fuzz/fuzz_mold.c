/* fuzz_mold - LLVMFuzzerTestOneInput over the MoldUDP64 decoder and the
 * sequencer. The input is split into datagrams (a u16 BE length before each),
 * fed to one sequencer with a clock that advances per datagram, draining and
 * polling the timers in between; each datagram is also decoded alone.
 * Invariants: delivered numbers are strictly consecutive except across a
 * declared loss, and data pointers stay inside the input or the window.
 *
 * Built as a libFuzzer target (-Dfuzz=true, OSPREY_LIBFUZZER) and as a plain
 * unit test running the target over MoldUDP64 payloads from the pcaps in
 * $OSPREY_SHARED/data/pcap, their truncations and mutations. */
#undef NDEBUG
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feeds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct feeds_mold_seq *seq;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct feeds_mold_seq_cfg cfg = { .window = 256,
					  .max_request = 16,
					  .request_interval_ns = 10,
					  .gap_timeout_ns = 1000,
					  .first_seq = FEEDS_MOLD_JOIN_LATE };
	if (feeds_mold_seq_create(&cfg, &seq, err, sizeof(err)) < 0)
		abort();
	size_t off = 0;
	uint64_t now = 0, last = 0;
	bool any = false;
	while (off + 2 <= size) {
		size_t n = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (n > size - off)
			n = size - off;
		const uint8_t *pkt = data + off;
		off += n;
		now += 100;
		struct feeds_mold_pkt p;
		int r = feeds_mold_decode(pkt, n, 0, &p, err, sizeof(err));
		assert(r == 0 || (r == -EBADMSG && strncmp(err, "offset ", 7) == 0));
		r = feeds_mold_seq_packet(seq, pkt, n, now, err, sizeof(err));
		assert(r == -EBADMSG || (r >= 0 && r <= FEEDS_MOLD_OVERFLOW));
		for (int round = 0; round < 4; round++) {
			struct feeds_mold_msg m;
			while ((r = feeds_mold_seq_next(seq, &m)) == 0) {
				assert(!any || m.seq == last + 1);
				assert(m.len > 0);
				any = true;
				last = m.seq;
			}
			assert(r == CORE_RING_EMPTY || r == CORE_EOF);
			struct feeds_mold_req req;
			r = feeds_mold_seq_poll(seq, now, &req);
			if (r == FEEDS_MOLD_LOST) {
				assert(req.count > 0 && req.seq == (any ? last + 1 : req.seq));
				last = req.seq + req.count - 1;
				any = true;
			} else if (r == FEEDS_MOLD_REQUEST) {
				assert(req.count > 0 && req.count <= 16);
			} else {
				assert(r == 0);
				break;
			}
		}
	}
	struct feeds_mold_stats st;
	feeds_mold_seq_stats(seq, &st);
	assert(st.next_seq <= st.high_seq || st.end_seq);
	seq = feeds_mold_seq_destroy(seq);
	return 0;
}

#ifndef OSPREY_LIBFUZZER
#define FUZZ_SEED 0x243F6A8885A308D3ull
#include "fuzz_driver.h"

int main(void)
{
	const char *dir = getenv("OSPREY_SHARED");
	char path[1024], err[512];
	if (!dir) {
		printf("skip: OSPREY_SHARED unset\n");
		return 77;
	}
	const char *files[] = { "lobster_amzn_mold.pcap", "real_dir_mold.pcap" };
	unsigned runs = 0, used = 0;
	for (int fi = 0; fi < 2; fi++) {
		snprintf(path, sizeof(path), "%s/data/pcap/%s", dir, files[fi]);
		struct feeds_capture cap;
		if (feeds_capture_open(&cap, path, err, sizeof(err)) < 0)
			continue;
		used++;
		struct feeds_pcap p;
		assert(feeds_pcap_init(&p, cap.data, cap.len, path, err, sizeof(err)) == 0);
		/* build inputs of up to 8 consecutive datagrams, shuffled a little */
		unsigned char *buf = malloc(1 << 16);
		struct feeds_pcap_rec rec;
		size_t blen = 0;
		unsigned k = 0;
		while (feeds_pcap_next(&p, &rec, err, sizeof(err)) == 0 && k < 3000) {
			struct feeds_ip_view ip;
			if (feeds_pcap_ip(&rec, &ip, err, sizeof(err)) < 0 || ip.len > 4000)
				continue;
			buf[blen] = (unsigned char)(ip.len >> 8);
			buf[blen + 1] = (unsigned char)ip.len;
			memcpy(buf + blen + 2, ip.payload, ip.len);
			blen += 2 + ip.len;
			if (++k % 8)
				continue;
			LLVMFuzzerTestOneInput(buf, blen);
			runs++;
			for (int i = 0; i < 4; i++) {
				size_t n = 1 + rnd() % blen;
				unsigned char *c = malloc(n);
				memcpy(c, buf, n);
				for (int f = 0; f < 1 + i * 3; f++)
					c[rnd() % n] ^= (unsigned char)(1u << (rnd() % 8));
				LLVMFuzzerTestOneInput(c, n);
				free(c);
				runs++;
			}
			blen = 0;
		}
		free(buf);
		feeds_capture_close(&cap);
	}
	for (int i = 0; i < 2000; i++) { /* random bytes */
		size_t n = rnd() % 600;
		unsigned char *c = malloc(n + 1);
		for (size_t j = 0; j < n; j++)
			c[j] = (unsigned char)rnd();
		LLVMFuzzerTestOneInput(c, n);
		free(c);
		runs++;
	}
	LLVMFuzzerTestOneInput(NULL, 0);
	printf("ok: %u inputs\n", runs);
	return used ? 0 : 77;
}
#endif
