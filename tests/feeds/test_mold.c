/* MoldUDP64 unit tests: packet decode (every malformation has a clear
 * error), request and builder round trips, and the sequencer's state
 * machine: in order, duplicates, partial overlap, gaps with re-requests,
 * out of order fill, heartbeats, end of session, timeouts, other sessions,
 * window overflow, bad packets and join-late. */
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "feeds.h"

static const char SESS[10] = { 'T', 'E', 'S', 'T', 'S', 'E', 'S', 'S', '0', '1' };
static char err[256];

/* A packet of `n` messages starting at seq; message q is 3 bytes: 'M', q. */
static size_t mk(unsigned char *buf, size_t cap, const char *sess, uint64_t seq, unsigned n)
{
	struct feeds_mold_builder b;
	feeds_mold_build_begin(&b, buf, cap, sess, seq);
	for (unsigned i = 0; i < n; i++) {
		unsigned char m[3] = { 'M', (unsigned char)((seq + i) >> 8), (unsigned char)(seq + i) };
		assert(feeds_mold_build_add(&b, m, 3) == 0);
	}
	return feeds_mold_build_end(&b);
}

static uint64_t msg_seq(const struct feeds_mold_msg *m)
{
	assert(m->len == 3 && m->data[0] == 'M');
	return (uint64_t)m->data[1] << 8 | m->data[2];
}

/* Drain and check the delivered numbers are lo..hi-1 in order. */
static void drain(struct feeds_mold_seq *s, uint64_t lo, uint64_t hi)
{
	struct feeds_mold_msg m;
	for (uint64_t q = lo; q < hi; q++) {
		int r = feeds_mold_seq_next(s, &m);
		assert(r == 0);
		assert(m.seq == q && (msg_seq(&m) == (q & 0xffff)));
	}
	int r = feeds_mold_seq_next(s, &m);
	assert(r == CORE_RING_EMPTY || r == CORE_EOF);
}

static void test_decode(void)
{
	unsigned char b[256];
	struct feeds_mold_pkt p;
	size_t n = mk(b, sizeof(b), SESS, 7, 3);
	assert(n == 20 + 3 * 5);
	assert(feeds_mold_decode(b, n, 0, &p, err, sizeof(err)) == 0);
	assert(p.seq == 7 && p.count == 3 && !memcmp(p.session, SESS, 10));
	size_t off = 0;
	uint16_t l;
	for (int i = 0; i < 3; i++) {
		const unsigned char *m = feeds_mold_block(&p, &off, &l);
		assert(l == 3 && m[2] == 7 + i && m == b + 22 + 5 * i);
	}
	/* every short header */
	for (size_t k = 0; k < 20; k++) {
		assert(feeds_mold_decode(b, k, 0, &p, err, sizeof(err)) == -EBADMSG);
		assert(strstr(err, "shorter than the 20-byte header"));
	}
	/* every truncation of the blocks */
	for (size_t k = 21; k < n; k++) {
		assert(feeds_mold_decode(b, k, 0, &p, err, sizeof(err)) == -EBADMSG);
		assert(strstr(err, "truncated") && strstr(err, "offset "));
	}
	assert(feeds_mold_decode(b, 20, 0, &p, err, sizeof(err)) == -EBADMSG); /* count 3, no blocks */
	/* trailing bytes */
	b[n] = 0;
	assert(feeds_mold_decode(b, n + 1, 0, &p, err, sizeof(err)) == -EBADMSG);
	assert(strstr(err, "offset 35") && strstr(err, "1 bytes after its 3 messages"));
	/* zero-length block */
	size_t z = mk(b, sizeof(b), SESS, 1, 2);
	b[20 + 5] = 0;
	b[20 + 6] = 0;
	assert(feeds_mold_decode(b, z, 0, &p, err, sizeof(err)) == -EBADMSG);
	assert(strstr(err, "offset 25") && strstr(err, "message 2 of 2: zero-length"));
	/* oversized block (above max_msg) */
	z = mk(b, sizeof(b), SESS, 1, 1);
	assert(feeds_mold_decode(b, z, 2, &p, err, sizeof(err)) == -EBADMSG);
	assert(strstr(err, "length 3 is above the limit 2"));
	assert(feeds_mold_decode(b, z, 3, &p, err, sizeof(err)) == 0);
	/* a block length larger than the datagram */
	core_put_be16(b + 20, 60000);
	assert(feeds_mold_decode(b, z, 0, &p, err, sizeof(err)) == -EBADMSG);
	assert(strstr(err, "length 60000 but 3 bytes left"));
	/* heartbeat and end of session */
	feeds_mold_control_encode(b, SESS, 42, FEEDS_MOLD_COUNT_HB);
	assert(feeds_mold_decode(b, 20, 0, &p, err, sizeof(err)) == 0 && p.count == 0 &&
	       p.seq == 42);
	assert(feeds_mold_decode(b, 22, 0, &p, err, sizeof(err)) == -EBADMSG);
	assert(strstr(err, "heartbeat carries 2 bytes"));
	feeds_mold_control_encode(b, SESS, 43, FEEDS_MOLD_COUNT_END);
	assert(feeds_mold_decode(b, 20, 0, &p, err, sizeof(err)) == 0 && p.count == 0xFFFF);
	/* request round trip */
	char ss[10];
	uint64_t q;
	uint16_t c;
	feeds_mold_request_encode(b, SESS, 1234567890123ull, 77);
	assert(feeds_mold_request_decode(b, 20, ss, &q, &c) == 0);
	assert(!memcmp(ss, SESS, 10) && q == 1234567890123ull && c == 77);
	assert(feeds_mold_request_decode(b, 19, ss, &q, &c) == -EBADMSG);
	assert(feeds_mold_request_decode(b, 21, ss, &q, &c) == -EBADMSG);
	core_put_be16(b + 18, 0);
	assert(feeds_mold_request_decode(b, 20, ss, &q, &c) == -EBADMSG);
	/* builder: a full packet refuses more, zero-length refused */
	struct feeds_mold_builder bl;
	feeds_mold_build_begin(&bl, b, 30, SESS, 1);
	assert(feeds_mold_build_add(&bl, "abcdef", 6) == 0);
	assert(feeds_mold_build_add(&bl, "abc", 3) == -ENOSPC);
	assert(feeds_mold_build_add(&bl, "abc", 0) == -EINVAL);
	assert(feeds_mold_build_end(&bl) == 28 && core_be16(b + 18) == 1);
}

static struct feeds_mold_seq *mkseq(uint32_t window)
{
	struct feeds_mold_seq *s;
	struct feeds_mold_seq_cfg cfg = { .window = window,
					  .max_request = 8,
					  .request_interval_ns = 1000,
					  .gap_timeout_ns = 100000 };
	assert(feeds_mold_seq_create(&cfg, &s, err, sizeof(err)) == 0);
	return s;
}

static void test_sequencer(void)
{
	unsigned char b[4][512];
	size_t n[4];
	struct feeds_mold_seq *s = mkseq(64);
	struct feeds_mold_stats st;
	struct feeds_mold_req req;
	struct feeds_mold_msg m;

	/* in order, zero copy */
	n[0] = mk(b[0], 512, SESS, 1, 3);
	assert(feeds_mold_seq_packet(s, b[0], n[0], 0, err, sizeof(err)) == FEEDS_MOLD_OK);
	assert(feeds_mold_seq_next(s, &m) == 0 && m.seq == 1 && m.data == b[0] + 22);
	/* not drained: a new packet is refused, nothing changes */
	n[1] = mk(b[1], 512, SESS, 4, 2);
	assert(feeds_mold_seq_packet(s, b[1], n[1], 0, err, sizeof(err)) == -EBUSY);
	drain(s, 2, 4);
	assert(feeds_mold_seq_packet(s, b[1], n[1], 0, err, sizeof(err)) == FEEDS_MOLD_OK);
	drain(s, 4, 6);
	/* duplicate packet, then a partial overlap (4..7 when next is 6) */
	assert(feeds_mold_seq_packet(s, b[0], n[0], 0, err, sizeof(err)) == FEEDS_MOLD_DUP);
	n[2] = mk(b[2], 512, SESS, 4, 4);
	assert(feeds_mold_seq_packet(s, b[2], n[2], 0, err, sizeof(err)) == FEEDS_MOLD_OK);
	drain(s, 6, 8);
	feeds_mold_seq_stats(s, &st);
	assert(st.dup_packets == 1 && st.dup_messages == 3 + 2 && st.messages == 7);
	assert(!strcmp(st.session, "TESTSESS01") && st.next_seq == 8 && st.gaps == 0);
	assert(feeds_mold_seq_poll(s, 10, &req) == 0);

	/* gap: 11..12 arrives while 8 is next */
	n[0] = mk(b[0], 512, SESS, 11, 2);
	assert(feeds_mold_seq_packet(s, b[0], n[0], 1000, err, sizeof(err)) == FEEDS_MOLD_GAP);
	assert(feeds_mold_seq_next(s, &m) == CORE_RING_EMPTY);
	assert(feeds_mold_seq_poll(s, 1000, &req) == FEEDS_MOLD_REQUEST);
	assert(req.seq == 8 && req.count == 3);
	char ss[10];
	uint64_t q;
	uint16_t c;
	assert(feeds_mold_request_decode(req.pkt, 20, ss, &q, &c) == 0 && q == 8 && c == 3 &&
	       !memcmp(ss, SESS, 10));
	assert(feeds_mold_seq_poll(s, 1500, &req) == 0);                   /* not yet again */
	assert(feeds_mold_seq_poll(s, 2000, &req) == FEEDS_MOLD_REQUEST); /* resent */
	/* later packet 13..14 beyond the gap: still buffered */
	n[1] = mk(b[1], 512, SESS, 13, 2);
	assert(feeds_mold_seq_packet(s, b[1], n[1], 2100, err, sizeof(err)) == FEEDS_MOLD_GAP);
	/* the fill arrives: 8..10 (a retransmission) */
	n[2] = mk(b[2], 512, SESS, 8, 3);
	assert(feeds_mold_seq_packet(s, b[2], n[2], 2200, err, sizeof(err)) == FEEDS_MOLD_FILL);
	drain(s, 8, 15);
	feeds_mold_seq_stats(s, &st);
	assert(st.gaps == 1 && st.recovered == 3 && st.requests == 2 && st.out_of_order == 2);
	assert(st.gap_open == 0 && st.next_seq == 15);
	assert(feeds_mold_seq_poll(s, 2300, &req) == 0);

	/* two holes, filled out of order: 15 missing, 16 here, 17 missing, 18 here */
	n[0] = mk(b[0], 512, SESS, 16, 1);
	n[1] = mk(b[1], 512, SESS, 18, 1);
	assert(feeds_mold_seq_packet(s, b[1], n[1], 3000, err, sizeof(err)) == FEEDS_MOLD_GAP);
	assert(feeds_mold_seq_packet(s, b[0], n[0], 3000, err, sizeof(err)) == FEEDS_MOLD_FILL);
	assert(feeds_mold_seq_poll(s, 3000, &req) == FEEDS_MOLD_REQUEST);
	assert(req.seq == 15 && req.count == 1); /* only up to the first present */
	n[2] = mk(b[2], 512, SESS, 17, 1);
	assert(feeds_mold_seq_packet(s, b[2], n[2], 3001, err, sizeof(err)) == FEEDS_MOLD_FILL);
	assert(feeds_mold_seq_next(s, &m) == CORE_RING_EMPTY); /* 15 still missing */
	n[3] = mk(b[3], 512, SESS, 15, 1);
	assert(feeds_mold_seq_packet(s, b[3], n[3], 3002, err, sizeof(err)) == FEEDS_MOLD_FILL);
	drain(s, 15, 19);

	/* heartbeats: at the next number nothing happens; ahead of it, a gap */
	unsigned char hb[20];
	feeds_mold_control_encode(hb, SESS, 19, FEEDS_MOLD_COUNT_HB);
	assert(feeds_mold_seq_packet(s, hb, 20, 4000, err, sizeof(err)) == FEEDS_MOLD_HEARTBEAT);
	feeds_mold_control_encode(hb, SESS, 21, FEEDS_MOLD_COUNT_HB);
	assert(feeds_mold_seq_packet(s, hb, 20, 4000, err, sizeof(err)) == FEEDS_MOLD_GAP);
	assert(feeds_mold_seq_poll(s, 4000, &req) == FEEDS_MOLD_REQUEST);
	assert(req.seq == 19 && req.count == 2);
	/* nobody answers: the gap is given up after gap_timeout_ns */
	assert(feeds_mold_seq_poll(s, 4000 + 99999, &req) == FEEDS_MOLD_REQUEST);
	assert(feeds_mold_seq_poll(s, 4000 + 100000, &req) == FEEDS_MOLD_LOST);
	assert(req.seq == 19 && req.count == 2);
	feeds_mold_seq_stats(s, &st);
	assert(st.lost_gaps == 1 && st.lost_messages == 2 && st.next_seq == 21);
	assert(strstr(st.last_loss, "messages 19..20 lost: not filled after 0 ms"));
	/* a late copy of the lost messages is a duplicate now */
	n[0] = mk(b[0], 512, SESS, 19, 2);
	assert(feeds_mold_seq_packet(s, b[0], n[0], 200000, err, sizeof(err)) == FEEDS_MOLD_DUP);

	/* another session's packet is ignored */
	n[0] = mk(b[0], 512, "OTHERSESS1", 21, 1);
	assert(feeds_mold_seq_packet(s, b[0], n[0], 0, err, sizeof(err)) == FEEDS_MOLD_SESSION);
	assert(feeds_mold_seq_next(s, &m) == CORE_RING_EMPTY);

	/* bad packets: truncated, zero-length block, oversized block -> -EBADMSG, counted */
	n[0] = mk(b[0], 512, SESS, 21, 2);
	assert(feeds_mold_seq_packet(s, b[0], n[0] - 1, 0, err, sizeof(err)) == -EBADMSG);
	b[0][21] = 0;
	assert(feeds_mold_seq_packet(s, b[0], n[0], 0, err, sizeof(err)) == -EBADMSG);
	core_put_be16(b[0] + 20, 100); /* above max_msg 64 */
	assert(feeds_mold_seq_packet(s, b[0], n[0], 0, err, sizeof(err)) == -EBADMSG);
	assert(feeds_mold_seq_packet(s, b[0], 0, 0, err, sizeof(err)) == -EBADMSG);
	feeds_mold_seq_stats(s, &st);
	assert(st.bad_packets == 4 && st.next_seq == 21 && st.other_session == 1);

	/* window overflow: beyond next + 64 */
	n[0] = mk(b[0], 512, SESS, 21 + 60, 10);
	assert(feeds_mold_seq_packet(s, b[0], n[0], 0, err, sizeof(err)) == FEEDS_MOLD_OVERFLOW);
	feeds_mold_seq_stats(s, &st);
	assert(st.overflow == 1 && st.high_seq == 91);

	/* end of session: EOS says 92; fill 21..91 then EOF */
	feeds_mold_control_encode(hb, SESS, 92, FEEDS_MOLD_COUNT_END);
	assert(feeds_mold_seq_packet(s, hb, 20, 0, err, sizeof(err)) == FEEDS_MOLD_ENDED);
	assert(feeds_mold_seq_next(s, &m) == CORE_RING_EMPTY);
	for (uint64_t q0 = 21; q0 < 92; q0 += 20) {
		unsigned k = (unsigned)(92 - q0 < 20 ? 92 - q0 : 20);
		n[0] = mk(b[0], 512, SESS, q0, k);
		int r = feeds_mold_seq_packet(s, b[0], n[0], 0, err, sizeof(err));
		assert(r == FEEDS_MOLD_FILL || r == FEEDS_MOLD_OK);
		/* 81..84 of the overflowing packet fitted in the window and were kept */
		uint64_t lo = q0 == 81 ? 85 : q0, hi = q0 + k == 81 ? 85 : q0 + k;
		drain(s, lo, hi);
	}
	assert(feeds_mold_seq_next(s, &m) == CORE_EOF);
	feeds_mold_seq_stats(s, &st);
	assert(st.end_seq == 92 && st.messages == 92 - 1 - 2);
	feeds_mold_seq_destroy(s);

	/* join late: the first packet's number starts the session; flush gives up */
	struct feeds_mold_seq_cfg jl = { .first_seq = FEEDS_MOLD_JOIN_LATE };
	assert(feeds_mold_seq_create(&jl, &s, err, sizeof(err)) == 0);
	n[0] = mk(b[0], 512, SESS, 1000, 2);
	assert(feeds_mold_seq_packet(s, b[0], n[0], 0, err, sizeof(err)) == FEEDS_MOLD_OK);
	drain(s, 1000, 1002);
	n[0] = mk(b[0], 512, SESS, 1005, 1);
	assert(feeds_mold_seq_packet(s, b[0], n[0], 0, err, sizeof(err)) == FEEDS_MOLD_GAP);
	assert(feeds_mold_seq_flush(s, 0, &req) == FEEDS_MOLD_LOST);
	assert(req.seq == 1002 && req.count == 3);
	drain(s, 1005, 1006);
	assert(feeds_mold_seq_flush(s, 0, &req) == 0);
	feeds_mold_seq_destroy(s);

	/* bad configs */
	struct feeds_mold_seq_cfg bad = { .window = 100 };
	assert(feeds_mold_seq_create(&bad, &s, err, sizeof(err)) == -EINVAL);
	bad = (struct feeds_mold_seq_cfg){ .window = 16, .max_request = 16 };
	assert(feeds_mold_seq_create(&bad, &s, err, sizeof(err)) == -EINVAL);
	assert(feeds_mold_seq_destroy(NULL) == NULL);
}

int main(void)
{
	test_decode();
	test_sequencer();
	printf("ok\n");
	return 0;
}
