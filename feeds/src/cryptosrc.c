/* cryptosrc.c - crypto captures (Binance/Bybit JSON lines) as a feed-stage
 * source: each line's md_events are handed out one by one as ready events.
 *
 * Several crypto captures in one run (Binance's REST snapshots, then its
 * WebSocket stream) must share one set of books: feeds__crypto_src_link
 * makes every later crypto source use the first one's feeds_crypto. */
#include <stdio.h>

#include "source.h"

struct crypto_src {
	struct feeds_src base;
	struct feeds_crypto *c;
	bool owner;
	struct feeds_capture *cap;
	const struct md_event *ev;
	int nev, iev;
	uint64_t t0_ns; /* when the current line was read */
};

static int csrc_next(struct feeds_src *s, struct feeds_item *it, char *err, size_t errlen)
{
	struct crypto_src *cs = (struct crypto_src *)s;
	while (cs->iev >= cs->nev) {
		/* t0 before decoding: the stage's latency covers scan + book */
		cs->t0_ns = core_now_ns();
		uint32_t n;
		int r = feeds_crypto_next(cs->c, cs->cap, &cs->ev, &n, err, errlen);
		if (r != 0)
			return r;
		cs->nev = n;
		cs->iev = 0;
	}
	it->kind = FEEDS_ITEM_EVENT;
	it->flags = 0;
	it->t0_ns = cs->t0_ns;
	it->ev = cs->ev[cs->iev++];
	return 0;
}

static void csrc_stats(const struct feeds_src *s, struct feeds_stats *ret)
{
	const struct crypto_src *cs = (const struct crypto_src *)s;
	if (!cs->owner)
		return; /* the owner reports the shared counters once */
	struct feeds_crypto_stats st;
	feeds_crypto_stats(cs->c, &st);
	ret->total += st.messages;
	ret->gap_events += st.gap_events;
}

static void csrc_close(struct feeds_src *s)
{
	struct crypto_src *cs = (struct crypto_src *)s;
	if (!cs)
		return;
	if (cs->owner)
		feeds_crypto_destroy(cs->c);
	core_free(cs);
}

static const struct feeds_src_ops csrc_ops = {
	.name = "crypto",
	.next = csrc_next,
	.stats = csrc_stats,
	.close = csrc_close,
};

int feeds__crypto_src_open(struct feeds_capture *cap, struct feeds_src **ret, char *err,
			   size_t errlen)
{
	struct crypto_src *cs = core_alloc(sizeof(*cs), CORE_CACHE_LINE);
	if (!cs) {
		core_errf(err, errlen, "%s: out of memory", cap->path);
		return -ENOMEM;
	}
	int r = feeds_crypto_create(NULL, &cs->c, err, errlen);
	if (r < 0) {
		core_free(cs);
		return r;
	}
	cs->base.ops = &csrc_ops;
	cs->owner = true;
	cs->cap = cap;
	*ret = &cs->base;
	return 0;
}

void feeds__crypto_src_link(struct feeds_src **srcs, unsigned n)
{
	struct crypto_src *first = NULL;
	for (unsigned i = 0; i < n; i++) {
		if (!srcs[i] || srcs[i]->ops != &csrc_ops)
			continue;
		struct crypto_src *cs = (struct crypto_src *)srcs[i];
		if (!first) {
			first = cs;
			continue;
		}
		if (cs->owner)
			feeds_crypto_destroy(cs->c);
		cs->c = first->c;
		cs->owner = false;
	}
}

const struct feeds_crypto *feeds__crypto_src_books(const struct feeds_src *s)
{
	return s && s->ops == &csrc_ops ? ((const struct crypto_src *)s)->c : NULL;
}
