/* soupsrc.c - a live SoupBinTCP session as a feed-stage source: Sequenced
 * Data carries ITCH messages to the stage's books; a resume above our
 * number becomes an MD_GAP event (books stale); End of Session ends the
 * stream. One client poll per next(): FEEDS_SRC_AGAIN when nothing came. */
#include <stdio.h>

#include "source.h"

struct soup_src {
	struct feeds_src base;
	struct core_soup_client *c;
	uint64_t gap_events;
};

static int ssrc_next(struct feeds_src *s, struct feeds_item *it, char *err, size_t errlen)
{
	struct soup_src *ss = (struct soup_src *)s;
	for (;;) {
		struct core_soup_event ev;
		uint64_t now = core_now_ns();
		int r = core_soup_client_poll(ss->c, now, &ev);
		if (r == 0)
			return FEEDS_SRC_AGAIN;
		if (r == CORE_EOF)
			return CORE_EOF;
		if (r < 0) {
			core_errf(err, errlen, "soupbintcp: %s", core_soup_client_error(ss->c));
			return r;
		}
		memset(it, 0, sizeof(*it));
		it->t0_ns = now;
		if (ev.kind == CORE_SOUP_EV_DATA) {
			char e[160];
			if (feeds_itch_decode(ev.data, ev.len, &it->msg, e, sizeof(e)) < 0) {
				core_errf(err, errlen, "soupbintcp: message %llu: %s",
				          (unsigned long long)ev.seq, e);
				return -EBADMSG;
			}
			it->kind = FEEDS_ITEM_ITCH;
			return 0;
		}
		if (ev.kind == CORE_SOUP_EV_GAP) {
			it->kind = FEEDS_ITEM_EVENT;
			it->ev.kind = MD_GAP;
			it->ev.flags = MD_F_STALE;
			it->ev.ref = ev.seq;
			it->ev.qty = ev.count > UINT32_MAX ? UINT32_MAX : (uint32_t)ev.count;
			ss->gap_events++;
			return 0;
		}
		/* login, link down (the client resumes by itself), unsequenced: nothing to book */
	}
}

static void ssrc_stats(const struct feeds_src *s, struct feeds_stats *ret)
{
	ret->gap_events += ((const struct soup_src *)s)->gap_events;
}

static void ssrc_close(struct feeds_src *s)
{
	struct soup_src *ss = (struct soup_src *)s;
	if (!ss)
		return;
	core_soup_client_destroy(ss->c);
	core_free(ss);
}

static const struct feeds_src_ops ssrc_ops = {
	.name = "soupbintcp",
	.next = ssrc_next,
	.stats = ssrc_stats,
	.close = ssrc_close,
};

int feeds__soup_live_open(const struct core_soup_client_cfg *cfg, struct feeds_src **ret,
			  char *err, size_t errlen)
{
	struct soup_src *ss = core_alloc(sizeof(*ss), CORE_CACHE_LINE);
	if (!ss) {
		core_errf(err, errlen, "soupbintcp: out of memory");
		return -ENOMEM;
	}
	int r = core_soup_client_create(cfg, &ss->c, err, errlen);
	if (r < 0) {
		core_free(ss);
		return r;
	}
	ss->base.ops = &ssrc_ops;
	*ret = &ss->base;
	return 0;
}
