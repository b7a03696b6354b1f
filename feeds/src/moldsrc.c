/* moldsrc.c - MoldUDP64 sources for the feed stage: pcap/pcapng captures and
 * live UDP with re-requests. Both run the sequencer and yield ITCH messages
 * in sequence order, plus MD_GAP notices when a gap opens (stale) or is
 * given up (stale + halted, for every instrument from then on: the lost
 * messages could have touched any book, and ITCH has no snapshot to rebuild
 * from, so the feed stays halted and stats.mold.last_loss says why). */
#include <inttypes.h>
#include <stdio.h>

#include "source.h"

#define BURST 32

struct mold_src {
	struct feeds_src base;
	struct feeds_mold_seq *seq;
	char name[256];
	bool halted;          /* a gap was lost: every later event is stale + halted */
	uint64_t last_ts;     /* last ITCH timestamp, for MD_GAP events */
	uint64_t gaps_seen;   /* seq stats.gaps already announced */
	bool have_event;
	struct md_event event; /* a pending MD_GAP */
	uint64_t cur_t0;      /* receive time of the packet being drained */
	uint64_t gap_events;

	/* pcap */
	struct feeds_pcap pcap;
	bool pcap_eof;
	uint64_t pcap_now;

	/* live */
	struct feeds_udp *udp;
	bool has_rr;
	uint32_t rr_ip;
	uint16_t rr_port;
	uint64_t idle_timeout_ns;
	uint64_t last_rx_ns;
	struct feeds_udp_pkt pkts[BURST];
	unsigned npkts, ipkt;
	bool holding; /* pkts[ipkt - 1] was fed and is being drained */
	uint64_t send_errors;
	uint64_t request_packets; /* captured re-requests skipped */
	const unsigned char *refeed; /* a packet to feed again once drained (window overflow) */
	size_t refeed_len;
	uint64_t refeed_ts;
};

static void gap_event(struct mold_src *s, uint64_t first, uint64_t count, uint8_t flags)
{
	struct md_event *ev = &s->event;
	memset(ev, 0, sizeof(*ev));
	ev->kind = MD_GAP;
	ev->flags = flags;
	ev->ts_ns = s->last_ts;
	ev->ref = first;
	ev->qty = count > UINT32_MAX ? UINT32_MAX : (uint32_t)count;
	ev->t0_ns = s->cur_t0;
	s->have_event = true;
	s->gap_events++;
}

/* After a packet or a timer: announce a new gap, handle requests and losses. */
static void after_packet(struct mold_src *s, uint64_t now)
{
	struct feeds_mold_stats st;
	feeds_mold_seq_stats(s->seq, &st);
	if (st.gaps != s->gaps_seen && !s->have_event) {
		s->gaps_seen = st.gaps;
		gap_event(s, st.next_seq, st.high_seq - st.next_seq, MD_F_STALE);
	}
	struct feeds_mold_req req;
	int o = feeds_mold_seq_poll(s->seq, now, &req);
	if (o == FEEDS_MOLD_REQUEST && s->udp && s->has_rr) {
		if (feeds_udp_sendto(s->udp, req.pkt, sizeof(req.pkt), s->rr_ip, s->rr_port) < 0)
			s->send_errors++;
	} else if (o == FEEDS_MOLD_LOST) {
		s->halted = true;
		/* a loss notice replaces a pending stale notice */
		gap_event(s, req.seq, req.count, MD_F_STALE | MD_F_HALTED);
	}
}

static int deliver(struct mold_src *s, const struct feeds_mold_msg *m, struct feeds_item *it,
		   char *err, size_t errlen)
{
	char tmp[192];
	int r = feeds_itch_decode(m->data, m->len, &it->msg, tmp, sizeof(tmp));
	if (r < 0) {
		core_errf(err, errlen, "%s: moldudp64 message %" PRIu64 ": %s", s->name, m->seq,
		          tmp);
		return r;
	}
	it->kind = FEEDS_ITEM_ITCH;
	it->flags = s->halted ? MD_F_STALE | MD_F_HALTED : 0;
	it->t0_ns = s->cur_t0;
	s->last_ts = it->msg.ts_ns;
	return 0;
}

/* ---- pcap ---------------------------------------------------------------- */

static int pcap_next(struct feeds_src *base, struct feeds_item *it, char *err, size_t errlen)
{
	struct mold_src *s = (struct mold_src *)base;
	char tmp[192];
	for (;;) {
		if (s->have_event) {
			s->have_event = false;
			it->kind = FEEDS_ITEM_EVENT;
			it->ev = s->event;
			it->t0_ns = 0;
			return 0;
		}
		struct feeds_mold_msg m;
		int r = feeds_mold_seq_next(s->seq, &m);
		if (r == 0)
			return deliver(s, &m, it, err, errlen);
		if (r == CORE_EOF)
			return CORE_EOF;
		if (s->pcap_eof) {
			struct feeds_mold_req req;
			if (feeds_mold_seq_flush(s->seq, s->pcap_now, &req) == FEEDS_MOLD_LOST) {
				s->halted = true;
				gap_event(s, req.seq, req.count, MD_F_STALE | MD_F_HALTED);
				continue;
			}
			return CORE_EOF;
		}
		if (s->refeed) {
			const unsigned char *pk = s->refeed;
			s->refeed = NULL;
			r = feeds_mold_seq_packet(s->seq, pk, s->refeed_len, s->refeed_ts, tmp,
						  sizeof(tmp));
			if (r < 0)
				return r;
			after_packet(s, s->refeed_ts);
			continue;
		}
		struct feeds_pcap_rec rec;
		r = feeds_pcap_next(&s->pcap, &rec, err, errlen);
		if (r == CORE_EOF) {
			s->pcap_eof = true;
			continue;
		}
		if (r < 0)
			return r;
		struct feeds_ip_view ip;
		r = feeds_pcap_ip(&rec, &ip, tmp, sizeof(tmp));
		if (r == -ENOENT || (r == 0 && ip.proto != 17))
			continue; /* not UDP/IPv4: not ours */
		if (r < 0) {
			core_errf(err, errlen, "%s: %s", s->name, tmp);
			return r;
		}
		char ss[10];
		uint64_t q;
		uint16_t c;
		if (feeds_mold_request_decode(ip.payload, ip.len, ss, &q, &c) == 0) {
			/* a captured re-request (client to server), not data: 20 bytes
			 * with a count of messages but no blocks */
			s->request_packets++;
			continue;
		}
		s->cur_t0 = core_now_ns();
		s->pcap_now = rec.ts_ns;
		r = feeds_mold_seq_packet(s->seq, ip.payload, ip.len, rec.ts_ns, tmp, sizeof(tmp));
		if (r == -EBADMSG) {
			/* the payload starts 42 bytes into an Ethernet frame, more with tags */
			core_errf(err, errlen, "%s: offset %zu (packet at offset %zu): %s", s->name,
			          (size_t)(ip.payload - s->pcap.data), rec.offset, tmp);
			return r;
		}
		if (r < 0)
			return r;
		if (r == FEEDS_MOLD_OVERFLOW) {
			/* a capture cannot be asked again: give the gap up now, then
			 * feed the packet again once what follows the gap is drained */
			struct feeds_mold_req req;
			if (feeds_mold_seq_flush(s->seq, rec.ts_ns, &req) == FEEDS_MOLD_LOST) {
				s->halted = true;
				gap_event(s, req.seq, req.count, MD_F_STALE | MD_F_HALTED);
			}
			s->refeed = ip.payload;
			s->refeed_len = ip.len;
			s->refeed_ts = rec.ts_ns;
			continue;
		}
		after_packet(s, rec.ts_ns);
	}
}

static void src_stats(const struct feeds_src *base, struct feeds_stats *ret)
{
	const struct mold_src *s = (const struct mold_src *)base;
	struct feeds_mold_stats st;
	feeds_mold_seq_stats(s->seq, &st);
	if (s->udp) {
		struct feeds_udp_stats us;
		feeds_udp_stats(s->udp, &us);
		st.local_port = feeds_udp_port(s->udp);
		st.rx_not_ours = us.not_ours;
		st.rx_bad_frames = us.bad_frames;
		st.rx_missed = us.missed;
	}
	st.request_packets += s->request_packets;
	ret->gap_events += s->gap_events;
	feeds__mold_stats_add(&ret->mold, &st);
}

static void src_close(struct feeds_src *base)
{
	struct mold_src *s = (struct mold_src *)base;
	if (!s)
		return;
	feeds_mold_seq_destroy(s->seq);
	feeds_udp_close(s->udp);
	core_free(s);
}

static const struct feeds_src_ops pcap_ops = {
	.name = "moldudp64-pcap",
	.next = pcap_next,
	.stats = src_stats,
	.close = src_close,
};

int feeds__mold_pcap_open(const unsigned char *data, size_t len, const char *name,
			  struct feeds_src **ret, char *err, size_t errlen)
{
	struct mold_src *s = core_alloc(sizeof(*s), CORE_CACHE_LINE);
	if (!s) {
		core_errf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	s->base.ops = &pcap_ops;
	snprintf(s->name, sizeof(s->name), "%s", name);
	int r = feeds_pcap_init(&s->pcap, data, len, name, err, errlen);
	if (r < 0)
		goto fail_free;
	char tmp[160];
	/* capture time drives the timers: a gap still open 2 s of capture later is lost */
	r = feeds_mold_seq_create(NULL, &s->seq, tmp, sizeof(tmp));
	if (r < 0) {
		core_errf(err, errlen, "%s: %s", name, tmp);
		goto fail_free;
	}
	*ret = &s->base;
	return 0;
fail_free:
	core_free(s);
	return r;
}

/* ---- live ----------------------------------------------------------------- */

static int live_next(struct feeds_src *base, struct feeds_item *it, char *err, size_t errlen)
{
	struct mold_src *s = (struct mold_src *)base;
	char tmp[192];
	for (;;) {
		if (s->have_event) {
			s->have_event = false;
			it->kind = FEEDS_ITEM_EVENT;
			it->ev = s->event;
			it->t0_ns = 0;
			return 0;
		}
		struct feeds_mold_msg m;
		int r = feeds_mold_seq_next(s->seq, &m);
		if (r == 0)
			return deliver(s, &m, it, err, errlen);
		if (s->holding) {
			feeds_udp_release(s->udp, &s->pkts[s->ipkt - 1]);
			s->holding = false;
		}
		if (r == CORE_EOF)
			return CORE_EOF;
		if (s->ipkt == s->npkts) {
			s->ipkt = s->npkts = 0;
			r = feeds_udp_recv(s->udp, s->pkts, BURST);
			if (r < 0) {
				core_errf(err, errlen, "%s: receive: %s", s->name, strerror(-r));
				return r;
			}
			uint64_t now = core_now_ns();
			if (r == 0) {
				after_packet(s, now);
				if (s->have_event)
					continue;
				if (s->idle_timeout_ns && now - s->last_rx_ns > s->idle_timeout_ns) {
					core_errf(err, errlen, "%s: no packet for %" PRIu64 " ms",
					          s->name, (now - s->last_rx_ns) / 1000000);
					return -ETIMEDOUT;
				}
				return FEEDS_SRC_AGAIN;
			}
			s->npkts = (unsigned)r;
			s->last_rx_ns = now;
		}
		struct feeds_udp_pkt *p = &s->pkts[s->ipkt++];
		s->cur_t0 = p->t0_ns;
		r = feeds_mold_seq_packet(s->seq, p->data, p->len, p->t0_ns, tmp, sizeof(tmp));
		/* malformed packets are counted and dropped: their messages are asked again */
		s->holding = true;
		after_packet(s, p->t0_ns);
	}
}

static const struct feeds_src_ops live_ops = {
	.name = "moldudp64-udp",
	.next = live_next,
	.stats = src_stats,
	.close = src_close,
};

int feeds__mold_live_open(const struct feeds_mold_live_cfg *cfg, struct feeds_src **ret, char *err,
			  size_t errlen)
{
	int r;
	struct mold_src *s = core_alloc(sizeof(*s), CORE_CACHE_LINE);
	if (!s) {
		core_errf(err, errlen, "moldudp64: out of memory");
		return -ENOMEM;
	}
	s->base.ops = &live_ops;
	snprintf(s->name, sizeof(s->name), "udp %s", cfg->udp.bind ? cfg->udp.bind : "?");
	if (cfg->rerequest) {
		if (feeds_udp_addr(cfg->rerequest, &s->rr_ip, &s->rr_port) < 0) {
			core_errf(err, errlen,
			          "moldudp64: re-request address '%s' is not "
			          "A.B.C.D:PORT",
			          cfg->rerequest);
			r = -EINVAL;
			goto fail_free;
		}
		s->has_rr = true;
	}
	r = feeds_mold_seq_create(&cfg->seq, &s->seq, err, errlen);
	if (r < 0)
		goto fail_free;
	r = feeds_udp_open(&cfg->udp, &s->udp, err, errlen);
	if (r < 0)
		goto fail_seq;
	s->idle_timeout_ns = cfg->idle_timeout_ns;
	s->last_rx_ns = core_now_ns();
	*ret = &s->base;
	return 0;
fail_seq:
	feeds_mold_seq_destroy(s->seq);
fail_free:
	core_free(s);
	return r;
}

void feeds__mold_stats_add(struct feeds_mold_stats *d, const struct feeds_mold_stats *s)
{
	if (s->session[0])
		memcpy(d->session, s->session, sizeof(d->session));
	if (s->last_loss[0])
		memcpy(d->last_loss, s->last_loss, sizeof(d->last_loss));
	d->next_seq = s->next_seq;
	d->high_seq = s->high_seq;
	d->end_seq = s->end_seq;
	d->packets += s->packets;
	d->messages += s->messages;
	d->heartbeats += s->heartbeats;
	d->dup_packets += s->dup_packets;
	d->dup_messages += s->dup_messages;
	d->out_of_order += s->out_of_order;
	d->gaps += s->gaps;
	d->gap_open |= s->gap_open;
	if (s->gap_open)
		d->gap_since_ns = s->gap_since_ns;
	d->requests += s->requests;
	d->recovered += s->recovered;
	d->lost_gaps += s->lost_gaps;
	d->lost_messages += s->lost_messages;
	d->overflow += s->overflow;
	d->other_session += s->other_session;
	d->bad_packets += s->bad_packets;
	d->request_packets += s->request_packets;
	if (s->local_port)
		d->local_port = s->local_port;
	d->rx_not_ours += s->rx_not_ours;
	d->rx_bad_frames += s->rx_bad_frames;
	d->rx_missed += s->rx_missed;
}
