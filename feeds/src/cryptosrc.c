/* cryptosrc.c - crypto captures (Binance/Bybit JSON lines) as a feed-stage
 * source: each line's md_events are handed out one by one as ready events.
 *
 * Several crypto captures in one run (Binance's REST snapshots, then its
 * WebSocket stream) must share one set of books: feeds__crypto_src_link
 * makes every later crypto source use the first one's feeds_crypto.
 *
 * The live variant (feeds__crypto_live_open) takes its lines from a
 * feeds_crypto_live (the exchange's stream and REST snapshots) instead of a
 * file: polled without waiting, FEEDS_SRC_AGAIN when nothing came, the end
 * after idle_ns of silence once something came (0: never). A look that
 * found nothing costs a poll(2) (about a microsecond here), so the next one
 * waits LOOK_EVERY_NS: a spinning feed stage does not spend its core in the
 * kernel, and a message waits at most that long more. */
#include <stdio.h>

#include "source.h"

struct crypto_src {
	struct feeds_src base;
	struct feeds_crypto *c;
	bool owner;
	struct feeds_capture *cap;
	struct feeds_crypto_live *live; /* instead of cap */
	uint64_t idle_ns, last_ns;
	const struct md_event *ev;
	int nev, iev;
	uint64_t t0_ns; /* when the current line was read */
	uint64_t next_look_ns; /* live: no look at the stream before this */
};

#define LOOK_EVERY_NS 10000 /* live: after a look that found nothing */

static int csrc_next(struct feeds_src *s, struct feeds_item *it, char *err, size_t errlen)
{
	struct crypto_src *cs = (struct crypto_src *)s;
	while (cs->iev >= cs->nev) {
		/* t0 before decoding: the stage's latency covers scan + book */
		cs->t0_ns = core_now_ns();
		uint32_t n;
		int r;
		if (cs->live) {
			r = cs->t0_ns < cs->next_look_ns
			            ? 0
			            : feeds_crypto_live_poll(cs->live, 0, &cs->ev, &n, err, errlen);
			if (r < 0)
				return r;
			if (r == 0) {
				if (cs->t0_ns >= cs->next_look_ns)
					cs->next_look_ns = cs->t0_ns + LOOK_EVERY_NS;
				return feeds__quiet_end(cs->idle_ns, cs->last_ns, cs->t0_ns)
				               ? CORE_EOF
				               : FEEDS_SRC_AGAIN;
			}
			cs->last_ns = cs->t0_ns;
			r = 0;
		} else {
			r = feeds_crypto_next(cs->c, cs->cap, &cs->ev, &n, err, errlen);
		}
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
	if (cs->live) {
		struct feeds_crypto_live_stats ls;
		struct feeds_ws_client_stats ws;
		feeds_crypto_live_stats(cs->live, &ls);
		feeds_ws_client_stats(feeds_crypto_live_ws(cs->live), &ws);
		ret->crypto_opens = ws.opens;
		ret->crypto_downs = ws.downs;
		ret->crypto_messages = ws.messages;
		ret->crypto_snapshots = ls.snapshots_loaded;
		ret->crypto_snapshot_failures = ls.snapshot_failures;
		ret->crypto_held = ls.held;
		ret->crypto_resyncs = ls.resyncs;
		snprintf(ret->crypto_last_down, sizeof(ret->crypto_last_down), "%s", ws.last_down);
	}
}

static void csrc_close(struct feeds_src *s)
{
	struct crypto_src *cs = (struct crypto_src *)s;
	if (!cs)
		return;
	feeds_crypto_live_destroy(cs->live); /* before the books it feeds */
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

int feeds__crypto_live_open(const struct feeds_crypto_live_cfg *cfg,
			    const struct feeds_crypto_cfg *books, uint64_t idle_ns,
			    struct feeds_src **ret, char *err, size_t errlen)
{
	struct crypto_src *cs = core_alloc(sizeof(*cs), CORE_CACHE_LINE);
	if (!cs) {
		core_errf(err, errlen, "crypto: out of memory");
		return -ENOMEM;
	}
	int r = feeds_crypto_create(books, &cs->c, err, errlen);
	if (r == 0)
		r = feeds_crypto_live_create(cfg, cs->c, &cs->live, err, errlen);
	if (r < 0) {
		feeds_crypto_destroy(cs->c);
		core_free(cs);
		return r;
	}
	cs->base.ops = &csrc_ops;
	cs->owner = true;
	cs->idle_ns = idle_ns;
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
