/* stage.c - the feed stage: capture files -> decode -> books -> md_event rings. */
#include <math.h>
#include <stdio.h>

#include "feeds.h"
#include "source.h"

struct feeds_stage {
	void (*on_symbol)(void *arg, uint16_t locate, const char *symbol);
	void *on_symbol_arg;
	struct feeds_capture *caps;
	struct feeds_src **srcs; /* per capture: NULL for an ITCH day file (read inline) */
	struct feeds_src *live;  /* cfg.mold: the only input */
	bool live_eof;
	bool have_held;          /* an item fetched early, waiting for the pacing clock */
	struct feeds_item held;
	unsigned ncaps;
	unsigned cur; /* the capture being read */
	struct core_ring *out[2];
	unsigned nout;
	uint32_t burst;
	double speed;
	struct feeds_books *books;
	struct core_hist_pair *hist;

	struct md_event pending; /* the event being delivered */
	unsigned pending_mask;   /* outputs that have not accepted it yet */
	bool eos_built;
	bool done;
	int failed;
	uint64_t seq;
	uint64_t last_ts;
	unsigned pf_cap;  /* the capture pf_off belongs to */
	size_t pf_off;    /* next frame to prefetch, PREFETCH_AHEAD frames ahead */

	bool pace_started;
	uint64_t pace_wall0;
	uint64_t pace_ts0;

	struct feeds_stats st;
	char err[512];
};

enum { NEXT_EVENT = 0, NEXT_PACE = 1 };

/* Frames of order-slot prefetch lookahead: bench-decode measured p50 66 ns/msg
 * without, 37 with 8 on the LOBSTER files (default 2M-slot order table). */
#define PREFETCH_AHEAD 8

/* The next item of a source into st->pending. CORE_EOF: the source is done. */
/* A directory message named a locate: tell cfg.on_symbol. */
static inline void named(const struct feeds_stage *st, const struct feeds_itch_msg *m)
{
	if (__builtin_expect(m->type == 'R', 0) && st->on_symbol)
		st->on_symbol(st->on_symbol_arg, m->locate, feeds_books_symbol(st->books, m->locate));
}

static int next_from_source(struct feeds_stage *st, struct feeds_src *src, struct core_hist *h,
			    uint64_t now_shared)
{
	struct feeds_item *it = &st->held;
	if (!st->have_held) {
		int r = src->ops->next(src, it, st->err, sizeof(st->err));
		if (r == FEEDS_SRC_AGAIN)
			return NEXT_PACE;
		if (r == CORE_EOF)
			return CORE_EOF;
		if (r < 0) {
			st->failed = r;
			return r;
		}
	}
	st->have_held = false;
	uint64_t t0 = it->t0_ns ? it->t0_ns : (h || st->speed > 0) ? core_now_ns() : now_shared;
	struct md_event *ev = &st->pending;
	if (it->kind == FEEDS_ITEM_ITCH) {
		if (st->speed > 0 && !st->live) {
			uint64_t now = core_now_ns();
			if (!st->pace_started || it->msg.ts_ns < st->pace_ts0) {
				st->pace_started = true;
				st->pace_wall0 = now;
				st->pace_ts0 = it->msg.ts_ns;
			} else if (now < st->pace_wall0 + (uint64_t)((double)(it->msg.ts_ns -
									      st->pace_ts0) /
								     st->speed)) {
				st->have_held = true;
				st->st.pace_waits++;
				return NEXT_PACE;
			}
		}
		feeds_books_apply(st->books, &it->msg, ev);
		named(st, &it->msg);
		ev->flags |= it->flags;
		st->last_ts = it->msg.ts_ns;
		st->st.total++;
		st->st.by_type[it->msg.type & 127]++;
		st->st.bytes += it->msg.len;
	} else {
		*ev = it->ev;
	}
	ev->t0_ns = t0;
	ev->seq = ++st->seq;
	st->pending_mask = (1u << st->nout) - 1;
	if (h)
		core_hist_record(h, (int64_t)(core_now_ns() - t0));
	return NEXT_EVENT;
}

/* Fill st->pending with the next event (or EOS). NEXT_PACE when pacing says wait. */
static int next_event(struct feeds_stage *st, struct core_hist *h, uint64_t now_shared)
{
	struct feeds_itch_msg m;
	for (;;) {
		struct feeds_src *src = (st->live && !st->live_eof) ? st->live
				       : st->cur < st->ncaps ? st->srcs[st->cur] : NULL;
		if (src) {
			int r = next_from_source(st, src, h, now_shared);
			if (r != CORE_EOF)
				return r;
			if (src == st->live)
				st->live_eof = true;
			else
				st->cur++;
			continue;
		}
		if (st->cur >= st->ncaps) {
			memset(&st->pending, 0, sizeof(st->pending));
			st->pending.kind = MD_EOS;
			st->pending.seq = st->seq + 1;
			st->pending.ts_ns = st->last_ts;
			st->pending.t0_ns = core_now_ns();
			st->pending_mask = (1u << st->nout) - 1;
			st->eos_built = true;
			return NEXT_EVENT;
		}
		struct feeds_capture *cap = &st->caps[st->cur];
		uint64_t t0 = (h || st->speed > 0) ? core_now_ns() : now_shared;
		size_t off = cap->off;
		char tmp[192];
		int r = feeds_itch_next(cap->data, cap->len, &off, &m, tmp, sizeof(tmp));
		if (r == CORE_EOF) {
			if (cap->window_) /* the pager may drop it all */
				atomic_store_explicit(&cap->progress_, cap->len, memory_order_relaxed);
			st->cur++;
			continue;
		}
		if (r < 0) {
			snprintf(st->err, sizeof(st->err), "%s: %s", cap->path, tmp);
			st->failed = r;
			return r;
		}
		if (st->speed > 0) {
			if (!st->pace_started || m.ts_ns < st->pace_ts0) {
				/* First message, or time went backwards (a new file): rebase. */
				st->pace_started = true;
				st->pace_wall0 = t0;
				st->pace_ts0 = m.ts_ns;
			} else {
				uint64_t due = st->pace_wall0 +
					       (uint64_t)((double)(m.ts_ns - st->pace_ts0) / st->speed);
				if (t0 < due) {
					st->st.pace_waits++;
					return NEXT_PACE;
				}
			}
		}
		st->st.bytes += off - cap->off;
		cap->off = off;
		if (cap->window_) /* for the pager (feeds_stage_page) */
			atomic_store_explicit(&cap->progress_, off, memory_order_relaxed);
		if (st->pf_cap != st->cur || st->pf_off < off) {
			st->pf_cap = st->cur;
			st->pf_off = off;
			for (int i = 0; i < PREFETCH_AHEAD; i++)
				st->pf_off = feeds_books_prefetch(st->books, cap->data, cap->len,
								  st->pf_off);
		} else {
			st->pf_off = feeds_books_prefetch(st->books, cap->data, cap->len,
							  st->pf_off);
		}
		struct md_event *ev = &st->pending;
		feeds_books_apply(st->books, &m, ev);
		named(st, &m);
		ev->t0_ns = t0;
		ev->seq = ++st->seq;
		st->last_ts = m.ts_ns;
		st->st.total++;
		st->st.by_type[m.type & 127]++;
		st->pending_mask = (1u << st->nout) - 1;
		if (h)
			core_hist_record(h, (int64_t)(core_now_ns() - t0));
		return NEXT_EVENT;
	}
}

int feeds_stage_page(void *ctx, uint32_t *ret_work)
{
	struct feeds_stage *st = ctx;
	uint32_t work = 0;
	bool done = true;
	for (unsigned i = 0; i < st->ncaps; i++) {
		int r = feeds__capture_page(&st->caps[i]);
		if (r != CORE_EOF) {
			done = false;
			work += (uint32_t)r;
		}
	}
	*ret_work = work;
	return done ? CORE_EOF : 0;
}

int feeds_stage_poll(void *ctx, uint32_t *ret_work)
{
	struct feeds_stage *st = ctx;
	if (st->failed)
		return st->failed;
	*ret_work = 0;
	if (st->done)
		return CORE_EOF;
	struct core_hist *h = st->hist ? core_hist_pair_begin(st->hist) : NULL;
	uint64_t now_shared = (h || st->speed > 0) ? 0 : core_now_ns();
	uint32_t pushed = 0;
	int r = 0;
	for (uint32_t n = 0; n < st->burst; n++) {
		if (!st->pending_mask) {
			r = next_event(st, h, now_shared);
			if (r != NEXT_EVENT)
				break;
		}
		for (unsigned i = 0; i < st->nout; i++)
			if ((st->pending_mask & (1u << i)) &&
			    core_ring_push(st->out[i], &st->pending) == 0)
				st->pending_mask &= ~(1u << i);
		if (st->pending_mask) {
			st->st.ring_full_waits++;
			break;
		}
		pushed++;
		st->st.events++;
		if (st->eos_built) {
			st->done = true;
			break;
		}
	}
	if (h)
		core_hist_pair_end(st->hist);
	if (r < 0)
		return r;
	*ret_work = pushed;
	return st->done ? CORE_EOF : 0;
}

/* Choose the source for a mapped capture by its content (source.h). NULL: ITCH
 * day file, read inline by the stage. Other formats (text captures) add their
 * sniffing here. Used by the stage and by feeds_reader. */
int feeds__src_open(struct feeds_capture *cap, struct feeds_src **ret, char *err, size_t errlen)
{
	*ret = NULL;
	switch (feeds_format_detect(cap->data, cap->len)) {
	case FEEDS_FMT_PCAP:
	case FEEDS_FMT_PCAPNG:
		return feeds__mold_pcap_open(cap->data, cap->len, cap->path, ret, err, errlen);
	default:
		/* Binance/Bybit JSON-line captures (checked last: no magic number) */
		if (feeds_crypto_sniff(cap->data, cap->len < 64 ? cap->len : 64))
			return feeds__crypto_src_open(cap, ret, err, errlen);
		return 0;
	}
}

static void close_sources(struct feeds_stage *st)
{
	if (st->live)
		st->live->ops->close(st->live);
	st->live = NULL;
	for (unsigned i = 0; i < st->ncaps && st->caps; i++) {
		if (st->srcs && st->srcs[i])
			st->srcs[i]->ops->close(st->srcs[i]);
		feeds_capture_close(&st->caps[i]);
	}
}

int feeds_stage_create(const struct feeds_stage_cfg *cfg, struct feeds_stage **ret, char *err,
		       size_t errlen)
{
	int r;
	if (!cfg || cfg->nout < 1 || cfg->nout > 2) {
		core_errf(err, errlen, "feeds stage: nout must be 1 or 2");
		return -EINVAL;
	}
	for (unsigned i = 0; i < cfg->nout; i++) {
		if (!cfg->out[i] || cfg->out[i]->slot_size != sizeof(struct md_event)) {
			core_errf(err, errlen,
			          "feeds stage: out[%u] must be a ring of %zu-byte md_event slots",
			          i, sizeof(struct md_event));
			return -EINVAL;
		}
	}
	if (!(cfg->speed >= 0) || isinf(cfg->speed)) {
		core_errf(err, errlen, "feeds stage: speed must be a finite number >= 0");
		return -EINVAL;
	}
	if (cfg->npaths && !cfg->paths) {
		core_errf(err, errlen, "feeds stage: npaths %u but no paths", cfg->npaths);
		return -EINVAL;
	}
	if (!cfg->npaths && !cfg->mem && cfg->mem_len) {
		core_errf(err, errlen, "feeds stage: mem_len %zu but no mem", cfg->mem_len);
		return -EINVAL;
	}
	if (!!cfg->mold + !!cfg->soup + !!cfg->crypto + !!cfg->fx + !!cfg->mt5 > 1) {
		core_errf(err, errlen,
		          "feeds stage: one live source at most (mold, soup, crypto, fx, mt5)");
		return -EINVAL;
	}
	struct feeds_stage *st = core_alloc(sizeof(*st), CORE_CACHE_LINE);
	if (!st) {
		core_errf(err, errlen, "feeds stage: out of memory");
		return -ENOMEM;
	}
	st->ncaps = (cfg->mold || cfg->soup || cfg->crypto || cfg->fx || cfg->mt5) ? 0
		    : cfg->npaths                                     ? cfg->npaths
								      : 1;
	st->caps = core_alloc((st->ncaps + 1) * sizeof(*st->caps), CORE_CACHE_LINE);
	st->srcs = core_alloc((st->ncaps + 1) * sizeof(*st->srcs), CORE_CACHE_LINE);
	if (!st->caps || !st->srcs) {
		r = -ENOMEM;
		core_errf(err, errlen, "feeds stage: out of memory");
		goto fail_close_caps;
	}
	if (cfg->mold) {
		r = feeds__mold_live_open(cfg->mold, &st->live, err, errlen);
		if (r < 0)
			goto fail_close_caps;
	} else if (cfg->soup) { /* live SoupBinTCP */
		r = feeds__soup_live_open(cfg->soup, &st->live, err, errlen);
		if (r < 0)
			goto fail_close_caps;
	} else if (cfg->crypto) { /* a live crypto stream */
		r = feeds__crypto_live_open(cfg->crypto, cfg->crypto_books, cfg->crypto_idle_ns,
					    &st->live, err, errlen);
		if (r < 0)
			goto fail_close_caps;
	} else if (cfg->fx) { /* forex from Alpha Vantage */
		r = feeds__fx_src_open(cfg->fx, cfg->fx_idle_ns, &st->live, err, errlen);
		if (r < 0)
			goto fail_close_caps;
	} else if (cfg->mt5) { /* MetaTrader 5 ticks */
		r = feeds__mt5_src_open(cfg->mt5, cfg->mt5_idle_ns, &st->live, err, errlen);
		if (r < 0)
			goto fail_close_caps;
	} else if (cfg->npaths) {
		for (unsigned i = 0; i < cfg->npaths; i++) {
			r = feeds__capture_open(&st->caps[i], cfg->paths[i], cfg->stream_window,
			                        cfg->stream_min ? cfg->stream_min : (size_t)256 << 20,
			                        err, errlen);
			if (r < 0)
				goto fail_close_caps;
			if (st->caps[i].len == 0) { /* a replay of nothing is a mistake, not a run */
				core_errf(err, errlen, "%s: empty file: no market data in it",
				          cfg->paths[i]);
				r = -EINVAL;
				goto fail_close_caps;
			}
			r = feeds__src_open(&st->caps[i], &st->srcs[i], err, errlen);
			if (r < 0)
				goto fail_close_caps;
			if (st->srcs[i]) /* windows only for the stage's own ITCH reader */
				feeds__capture_read_all(&st->caps[i]);
		}
		/* several crypto captures (REST snapshots, then the stream) share one set of books */
		feeds__crypto_src_link(st->srcs, cfg->npaths);
	} else {
		st->caps[0].data = cfg->mem;
		st->caps[0].len = cfg->mem_len;
		snprintf(st->caps[0].path, sizeof(st->caps[0].path), "%s",
			 cfg->mem_name ? cfg->mem_name : "memory");
		r = feeds__src_open(&st->caps[0], &st->srcs[0], err, errlen);
		if (r < 0)
			goto fail_close_caps;
	}
	/* the bytes to read, when every input is an ITCH day file (bytes then
	 * counts their frames): what a progress line measures against */
	for (unsigned i = 0; i < st->ncaps; i++) {
		if (st->srcs[i]) {
			st->st.input_bytes = 0;
			break;
		}
		st->st.input_bytes += st->caps[i].len;
	}
	struct feeds_books_cfg bc = cfg->books;
	if (cfg->max_orders)
		bc.max_orders = cfg->max_orders;
	r = feeds_books_create(&bc, &st->books, err, errlen);
	if (r < 0)
		goto fail_close_caps;
	st->nout = cfg->nout;
	st->out[0] = cfg->out[0];
	st->out[1] = cfg->nout > 1 ? cfg->out[1] : NULL;
	st->burst = cfg->burst ? cfg->burst : 32;
	st->speed = cfg->speed;
	st->hist = cfg->hist;
	st->on_symbol = cfg->on_symbol;
	st->on_symbol_arg = cfg->on_symbol_arg;
	*ret = st;
	return 0;

fail_close_caps:
	close_sources(st);
	core_free(st->caps);
	core_free(st->srcs);
	core_free(st);
	return r;
}

struct feeds_stage *feeds_stage_destroy(struct feeds_stage *st)
{
	if (!st)
		return NULL;
	close_sources(st);
	core_free(st->caps);
	core_free(st->srcs);
	feeds_books_destroy(st->books);
	core_free(st);
	return NULL;
}

const char *feeds_stage_error(const struct feeds_stage *st)
{
	return st->err;
}

void feeds_stage_stats(const struct feeds_stage *st, struct feeds_stats *ret)
{
	*ret = st->st;
	feeds_books_stats(st->books, &ret->book);
	memset(&ret->mold, 0, sizeof(ret->mold));
	ret->gap_events = 0;
	for (unsigned i = 0; i < st->ncaps; i++)
		if (st->srcs[i] && st->srcs[i]->ops->stats)
			st->srcs[i]->ops->stats(st->srcs[i], ret);
	if (st->live && st->live->ops->stats)
		st->live->ops->stats(st->live, ret);
}

const char *feeds_stage_symbol(const struct feeds_stage *st, uint16_t locate)
{
	const char *s = feeds_books_symbol(st->books, locate);
	/* crypto captures (and a live crypto feed) name their locates in their own books */
	const struct feeds_crypto *lc = feeds__crypto_src_books(st->live);
	if (!s[0] && lc)
		return feeds_crypto_symbol(lc, locate);
	const struct feeds_fx *fx = feeds__fx_src_feed(st->live);
	if (!s[0] && fx)
		return feeds_fx_symbol(fx, locate);
	const struct feeds_mt5 *mt5 = feeds__mt5_src_feed(st->live);
	if (!s[0] && mt5)
		return feeds_mt5_symbol(mt5, locate);
	for (unsigned i = 0; !s[0] && st->srcs && i < st->ncaps; i++) {
		const struct feeds_crypto *c = feeds__crypto_src_books(st->srcs[i]);
		if (c)
			return feeds_crypto_symbol(c, locate);
	}
	return s;
}

const struct feeds_books *feeds_stage_books(const struct feeds_stage *st)
{
	return st->books;
}
