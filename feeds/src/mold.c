/* mold.c - MoldUDP64 packets (decode, request, builder) and the sequencer. */
#include <inttypes.h>
#include <stdio.h>

#include "feeds.h"

/* ---- packets ------------------------------------------------------------ */

int feeds_mold_decode(const unsigned char *pkt, size_t len, size_t max_msg,
		      struct feeds_mold_pkt *ret, char *err, size_t errlen)
{
	if (!pkt || len < FEEDS_MOLD_HDR_LEN) {
		core_errf(err, errlen,
		          "offset 0: moldudp64 packet of %zu bytes is shorter than "
		          "the 20-byte header",
		          len);
		return -EBADMSG;
	}
	if (max_msg == 0 || max_msg > 65535)
		max_msg = 65535;
	uint16_t count = core_be16(pkt + 18);
	size_t off = FEEDS_MOLD_HDR_LEN;
	if (count == FEEDS_MOLD_COUNT_HB || count == FEEDS_MOLD_COUNT_END) {
		if (len != FEEDS_MOLD_HDR_LEN) {
			core_errf(err, errlen,
			          "offset 20: moldudp64 %s carries %zu bytes after the header",
			          count ? "end of session" : "heartbeat", len - FEEDS_MOLD_HDR_LEN);
			return -EBADMSG;
		}
	} else {
		for (unsigned i = 0; i < count; i++) {
			if (len - off < 2) {
				core_errf(err, errlen,
				          "offset %zu: moldudp64 message %u of %u: truncated block "
				          "length (%zu bytes left)",
				          off, i + 1, count, len - off);
				return -EBADMSG;
			}
			size_t bl = core_be16(pkt + off);
			if (bl == 0) {
				core_errf(err, errlen,
				          "offset %zu: moldudp64 message %u of %u: zero-length "
				          "message block",
				          off, i + 1, count);
				return -EBADMSG;
			}
			if (bl > max_msg) {
				core_errf(err, errlen,
				          "offset %zu: moldudp64 message %u of %u: length %zu is "
				          "above the limit %zu",
				          off, i + 1, count, bl, max_msg);
				return -EBADMSG;
			}
			if (len - off - 2 < bl) {
				core_errf(err, errlen,
				          "offset %zu: moldudp64 message %u of %u: truncated, "
				          "length %zu but %zu bytes left",
				          off, i + 1, count, bl, len - off - 2);
				return -EBADMSG;
			}
			off += 2 + bl;
		}
		if (off != len) {
			core_errf(err, errlen,
			          "offset %zu: moldudp64 packet has %zu bytes after its %u "
			          "messages",
			          off, len - off, count);
			return -EBADMSG;
		}
	}
	memcpy(ret->session, pkt, 10);
	ret->seq = core_be64(pkt + 10);
	ret->count = count;
	ret->blocks = pkt + FEEDS_MOLD_HDR_LEN;
	ret->blocks_len = len - FEEDS_MOLD_HDR_LEN;
	return 0;
}

void feeds_mold_request_encode(unsigned char buf[FEEDS_MOLD_HDR_LEN], const char session[10],
			       uint64_t seq, uint16_t count)
{
	memcpy(buf, session, 10);
	core_put_be64(buf + 10, seq);
	core_put_be16(buf + 18, count);
}

int feeds_mold_request_decode(const unsigned char *pkt, size_t len, char ret_session[10],
			      uint64_t *ret_seq, uint16_t *ret_count)
{
	if (!pkt || len != FEEDS_MOLD_HDR_LEN)
		return -EBADMSG;
	uint16_t c = core_be16(pkt + 18);
	if (c == 0 || c == FEEDS_MOLD_COUNT_END)
		return -EBADMSG;
	memcpy(ret_session, pkt, 10);
	*ret_seq = core_be64(pkt + 10);
	*ret_count = c;
	return 0;
}

void feeds_mold_build_begin(struct feeds_mold_builder *b, unsigned char *buf, size_t cap,
			    const char session[10], uint64_t seq)
{
	b->buf = buf;
	b->cap = cap;
	b->len = FEEDS_MOLD_HDR_LEN;
	b->count = 0;
	feeds_mold_request_encode(buf, session, seq, 0);
}

int feeds_mold_build_add(struct feeds_mold_builder *b, const void *msg, size_t len)
{
	if (len == 0 || len > 65535)
		return -EINVAL;
	if (b->cap - b->len < 2 + len || b->count >= FEEDS_MOLD_COUNT_END - 1)
		return -ENOSPC;
	core_put_be16(b->buf + b->len, (uint16_t)len);
	memcpy(b->buf + b->len + 2, msg, len);
	b->len += 2 + len;
	b->count++;
	return 0;
}

size_t feeds_mold_build_end(struct feeds_mold_builder *b)
{
	core_put_be16(b->buf + 18, b->count);
	return b->len;
}

void feeds_mold_control_encode(unsigned char buf[FEEDS_MOLD_HDR_LEN], const char session[10],
			       uint64_t next_seq, uint16_t count)
{
	feeds_mold_request_encode(buf, session, next_seq, count);
}

/* ---- sequencer ---------------------------------------------------------- */

struct feeds_mold_seq {
	struct feeds_mold_seq_cfg cfg;
	bool locked;   /* session known */
	bool started;  /* next/high set (join late) */
	uint64_t next; /* next message to deliver */
	uint64_t high; /* one past the highest number seen */
	uint64_t end;  /* end of session number, 0 if not seen */

	/* the last packet's in-order messages, delivered zero copy */
	const unsigned char *cur;
	size_t cur_off;
	uint32_t cur_left;

	/* reorder window: message seq lives in slot seq & mask when win_seq says so */
	uint32_t mask;
	uint32_t slot_size; /* 2 + max_msg, rounded to 8 */
	uint64_t *win_seq;
	uint64_t *win_t;    /* arrival time of each stored message */
	unsigned char *win;
	uint64_t high_t;    /* when high last moved past a hole */

	/* the hole at `next` */
	uint64_t gap_next;  /* next when the timers started; UINT64_MAX: none */
	uint64_t gap_since;
	uint64_t req_due;
	uint64_t req_end;   /* one past the last message asked for */

	struct feeds_mold_stats st;
};

int feeds_mold_seq_create(const struct feeds_mold_seq_cfg *cfg, struct feeds_mold_seq **ret,
			  char *err, size_t errlen)
{
	struct feeds_mold_seq_cfg c = { 0 };
	if (cfg)
		c = *cfg;
	if (c.first_seq == 0)
		c.first_seq = 1;
	if (c.window == 0)
		c.window = 65536;
	if (c.max_msg == 0)
		c.max_msg = 64;
	if (c.max_request == 0)
		c.max_request = 64;
	if (c.request_interval_ns == 0)
		c.request_interval_ns = 5000000;
	if (c.gap_timeout_ns == 0)
		c.gap_timeout_ns = 2000000000;
	if (c.window & (c.window - 1) || c.window > (1u << 24)) {
		core_errf(err, errlen, "moldudp64: window %u must be a power of two <= 16M",
		          c.window);
		return -EINVAL;
	}
	if (c.max_request >= c.window || c.max_request == FEEDS_MOLD_COUNT_END) {
		core_errf(err, errlen, "moldudp64: max_request %u must be below the window %u",
		          c.max_request, c.window);
		return -EINVAL;
	}
	uint32_t slot_size = (2u + c.max_msg + 7u) & ~7u;
	struct core_layout l = core_layout_begin(sizeof(struct feeds_mold_seq));
	size_t o_seq = core_layout_add(&l, c.window, sizeof(uint64_t), CORE_CACHE_LINE);
	size_t o_win = core_layout_add(&l, c.window, slot_size, CORE_CACHE_LINE);
	size_t o_t = core_layout_add(&l, c.window, sizeof(uint64_t), CORE_CACHE_LINE);
	struct feeds_mold_seq *s = core_layout_alloc(&l);
	if (!s) {
		core_errf(err, errlen, "moldudp64: out of memory for a %u-message window",
		          c.window);
		return -ENOMEM;
	}
	s->cfg = c;
	s->mask = c.window - 1;
	s->slot_size = slot_size;
	s->win_seq = core_layout_at(s, o_seq);
	s->win = core_layout_at(s, o_win);
	s->win_t = core_layout_at(s, o_t);
	/* slot tags are message numbers; UINT64_MAX never is one */
	for (uint32_t i = 0; i < c.window; i++)
		s->win_seq[i] = UINT64_MAX;
	bool named = false;
	for (int i = 0; i < 10; i++)
		named |= c.session[i] != 0;
	if (named) {
		s->locked = true;
		memcpy(s->st.session, c.session, 10);
	}
	if (c.first_seq != FEEDS_MOLD_JOIN_LATE) {
		s->started = true;
		s->next = s->high = c.first_seq;
	}
	s->gap_next = UINT64_MAX;
	*ret = s;
	return 0;
}

struct feeds_mold_seq *feeds_mold_seq_destroy(struct feeds_mold_seq *s)
{
	core_free(s); /* one block (core_layout) */
	return NULL;
}

static bool deliverable(const struct feeds_mold_seq *s)
{
	return s->cur_left || s->win_seq[s->next & s->mask] == s->next;
}

/* Store message seq in the window. false if it does not fit. */
static bool win_store(struct feeds_mold_seq *s, uint64_t seq, const unsigned char *m,
		      uint16_t len, uint64_t now_ns)
{
	if (seq - s->next > s->mask)
		return false;
	uint32_t slot = (uint32_t)(seq & s->mask);
	if (s->win_seq[slot] == seq) {
		s->st.dup_messages++;
		return true;
	}
	unsigned char *p = s->win + (size_t)slot * s->slot_size;
	core_put_be16(p, len);
	memcpy(p + 2, m, len);
	s->win_seq[slot] = seq;
	s->win_t[slot] = now_ns;
	return true;
}

int feeds_mold_seq_packet(struct feeds_mold_seq *s, const unsigned char *pkt, size_t len,
			  uint64_t now_ns, char *err, size_t errlen)
{
	struct feeds_mold_pkt p;
	if (s->started && deliverable(s))
		return -EBUSY;
	int r = feeds_mold_decode(pkt, len, s->cfg.max_msg, &p, err, errlen);
	if (r < 0) {
		s->st.bad_packets++;
		return r;
	}
	if (p.seq > UINT64_MAX - 0x20000) {
		s->st.bad_packets++;
		core_errf(err, errlen,
		          "offset 10: moldudp64 sequence number %" PRIu64 " out of range", p.seq);
		return -EBADMSG;
	}
	if (!s->locked) {
		s->locked = true;
		memcpy(s->cfg.session, p.session, 10);
		memcpy(s->st.session, p.session, 10);
	} else if (memcmp(s->cfg.session, p.session, 10) != 0) {
		s->st.other_session++;
		return FEEDS_MOLD_SESSION;
	}
	if (!s->started) {
		s->started = true;
		s->next = s->high = p.seq;
	}
	s->st.packets++;
	bool ctl = p.count == FEEDS_MOLD_COUNT_HB || p.count == FEEDS_MOLD_COUNT_END;
	uint64_t n = ctl ? 0 : p.count;
	uint64_t last = p.seq + n; /* one past this packet's messages */
	bool new_hole = p.seq > s->high;
	uint64_t high_before = s->high;
	if (last > s->high)
		s->high = last;
	if (new_hole) {
		s->st.gaps++;
		s->high_t = now_ns;
	}
	if (p.count == FEEDS_MOLD_COUNT_HB) {
		s->st.heartbeats++;
		return new_hole ? FEEDS_MOLD_GAP : FEEDS_MOLD_HEARTBEAT;
	}
	if (p.count == FEEDS_MOLD_COUNT_END) {
		if (!s->end || p.seq < s->end)
			s->end = p.seq;
		s->st.end_seq = s->end;
		return FEEDS_MOLD_ENDED;
	}
	if (last <= s->next) {
		s->st.dup_packets++;
		s->st.dup_messages += n;
		return FEEDS_MOLD_DUP;
	}
	/* messages that fill a known hole */
	uint64_t lo = p.seq > s->next ? p.seq : s->next;
	uint64_t hi = last < high_before ? last : high_before;
	if (hi > lo)
		s->st.recovered += hi - lo;
	if (p.seq <= s->next) {
		/* in order: skip the duplicates at the front, deliver the rest from the packet */
		size_t off = 0;
		uint16_t l;
		for (uint64_t q = p.seq; q < s->next; q++)
			(void)feeds_mold_block(&p, &off, &l);
		s->st.dup_messages += s->next - p.seq;
		s->cur = p.blocks;
		s->cur_off = off;
		s->cur_left = (uint32_t)(last - s->next);
		return hi > lo ? FEEDS_MOLD_FILL : FEEDS_MOLD_OK;
	}
	/* beyond the next expected message: keep it in the window */
	s->st.out_of_order++;
	size_t off = 0;
	bool overflow = false;
	for (uint64_t q = p.seq; q < last; q++) {
		uint16_t l;
		const unsigned char *m = feeds_mold_block(&p, &off, &l);
		if (!win_store(s, q, m, l, now_ns))
			overflow = true;
	}
	if (overflow) {
		s->st.overflow++;
		return FEEDS_MOLD_OVERFLOW;
	}
	if (new_hole)
		return FEEDS_MOLD_GAP;
	return hi > lo ? FEEDS_MOLD_FILL : FEEDS_MOLD_GAP;
}

int feeds_mold_seq_next(struct feeds_mold_seq *s, struct feeds_mold_msg *ret)
{
	if (!s->started)
		return CORE_RING_EMPTY;
	if (s->end && s->next >= s->end) {
		s->cur_left = 0;
		return CORE_EOF;
	}
	if (s->cur_left) {
		struct feeds_mold_pkt p = { .blocks = s->cur };
		ret->data = feeds_mold_block(&p, &s->cur_off, &ret->len);
		ret->seq = s->next++;
		s->cur_left--;
		s->st.messages++;
		return 0;
	}
	uint32_t slot = (uint32_t)(s->next & s->mask);
	if (s->win_seq[slot] == s->next) {
		const unsigned char *p = s->win + (size_t)slot * s->slot_size;
		s->win_seq[slot] = UINT64_MAX;
		ret->len = core_be16(p);
		ret->data = p + 2;
		ret->seq = s->next++;
		s->st.messages++;
		return 0;
	}
	return CORE_RING_EMPTY;
}

/* The first message above next that is present, searching up to limit (exclusive). */
static uint64_t first_present(const struct feeds_mold_seq *s, uint64_t limit)
{
	uint64_t lim = s->high < limit ? s->high : limit;
	for (uint64_t q = s->next + 1; q < lim; q++)
		if (s->win_seq[q & s->mask] == q)
			return q;
	return lim;
}

static int give_up(struct feeds_mold_seq *s, uint64_t now_ns, struct feeds_mold_req *ret,
		   const char *why)
{
	uint64_t to = first_present(s, s->next + s->mask + 1);
	if (s->end && to > s->end)
		to = s->end > s->next ? s->end : s->next;
	ret->seq = s->next;
	ret->count = to - s->next;
	memset(ret->pkt, 0, sizeof(ret->pkt));
	s->st.lost_gaps++;
	s->st.lost_messages += ret->count;
	snprintf(s->st.last_loss, sizeof(s->st.last_loss),
		 "moldudp64 session %.10s: messages %" PRIu64 "..%" PRIu64 " lost: %s after %" PRIu64
		 " ms",
		 s->cfg.session, s->next, to - 1, why,
		 (now_ns - s->gap_since) / 1000000);
	s->next = to;
	s->cur_left = 0;
	s->gap_next = UINT64_MAX;
	s->req_end = 0;
	return FEEDS_MOLD_LOST;
}

static bool hole_open(const struct feeds_mold_seq *s)
{
	return s->started && !deliverable(s) && s->high > s->next && !(s->end && s->next >= s->end);
}

int feeds_mold_seq_poll(struct feeds_mold_seq *s, uint64_t now_ns, struct feeds_mold_req *ret)
{
	if (!hole_open(s)) {
		s->st.gap_open = 0;
		s->gap_next = UINT64_MAX;
		return 0;
	}
	if (s->gap_next != s->next) {
		/* a new hole blocks delivery (or the old one shrank): it was
		 * detected when the first message after it arrived */
		uint64_t q = first_present(s, s->next + 4096);
		uint64_t since = q < s->high && s->win_seq[q & s->mask] == q ? s->win_t[q & s->mask]
									 : s->high_t;
		s->gap_since = since < now_ns ? since : now_ns;
		s->gap_next = s->next;
		s->req_due = now_ns;
		s->st.gap_open = 1;
		s->st.gap_since_ns = s->gap_since;
	}
	if (now_ns - s->gap_since >= s->cfg.gap_timeout_ns)
		return give_up(s, now_ns, ret, "not filled");
	if (now_ns < s->req_due && s->next < s->req_end)
		return 0;
	uint64_t to = first_present(s, s->next + s->cfg.max_request);
	ret->seq = s->next;
	ret->count = to - s->next;
	feeds_mold_request_encode(ret->pkt, s->cfg.session, ret->seq, (uint16_t)ret->count);
	s->req_due = now_ns + s->cfg.request_interval_ns;
	s->req_end = to;
	s->st.requests++;
	return FEEDS_MOLD_REQUEST;
}

int feeds_mold_seq_flush(struct feeds_mold_seq *s, uint64_t now_ns, struct feeds_mold_req *ret)
{
	if (!hole_open(s))
		return 0;
	if (s->gap_next == UINT64_MAX)
		s->gap_since = now_ns;
	return give_up(s, now_ns, ret, "no retransmission possible (capture)");
}

void feeds_mold_seq_stats(const struct feeds_mold_seq *s, struct feeds_mold_stats *ret)
{
	*ret = s->st;
	ret->next_seq = s->next;
	ret->high_seq = s->high;
	ret->end_seq = s->end;
	ret->gap_open = hole_open(s);
}
