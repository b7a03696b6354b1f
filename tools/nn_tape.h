/* nn_tape.h - build a strat_tape from a capture: feeds stage -> features
 * stage over rings (the hot path's own code), one step per warm feature
 * vector of one instrument whose mid differs from the previous step's (or
 * every warm vector). Used by osprey-train-dqn and the nn tests; header-only
 * so tests can include it without linking a tool. */
#ifndef OSPREY_NN_TAPE_H
#define OSPREY_NN_TAPE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feeds.h"
#include "learn.h"

struct nn_tape_buf {
	struct strat_tape tape;
	int32_t *f;
	uint32_t *bid, *ask;
	uint64_t *ts_ns;
	size_t cap;
	uint16_t locate;
	uint64_t md_events, vectors;
};

static inline void nn_tape_free(struct nn_tape_buf *b)
{
	free(b->f);
	free(b->bid);
	free(b->ask);
	free(b->ts_ns);
	memset(b, 0, sizeof(*b));
}

static inline int nn_tape_push(struct nn_tape_buf *b, const struct feature_vec *v)
{
	size_t n = b->tape.n;
	if (n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 65536;
		int32_t *f = realloc(b->f, cap * STRAT_FEATURE_COUNT * sizeof(int32_t));
		if (f)
			b->f = f;
		uint32_t *bid = realloc(b->bid, cap * sizeof(uint32_t));
		if (bid)
			b->bid = bid;
		uint32_t *ask = realloc(b->ask, cap * sizeof(uint32_t));
		if (ask)
			b->ask = ask;
		uint64_t *ts = realloc(b->ts_ns, cap * sizeof(uint64_t));
		if (ts)
			b->ts_ns = ts;
		if (!f || !bid || !ask || !ts)
			return -ENOMEM;
		b->cap = cap;
	}
	memcpy(b->f + n * STRAT_FEATURE_COUNT, v->f, STRAT_FEATURE_COUNT * sizeof(int32_t));
	b->bid[n] = v->bid_px;
	b->ask[n] = v->ask_px;
	b->ts_ns[n] = v->ts_ns;
	b->tape.n = n + 1;
	return 0;
}

/* nn_tape_build - replay path; 0, or a negative errno with err set. The
 * first instrument with a warm vector is the one kept. */
static inline int nn_tape_build(const char *path, bool every_event, struct nn_tape_buf *b, char *err,
				size_t errlen)
{
	memset(b, 0, sizeof(*b));
	const char *paths[1] = { path };
	struct core_ring *md = core_ring_create("md", 4096, sizeof(struct md_event));
	struct core_ring *fv = core_ring_create("fv", 4096, sizeof(struct feature_vec));
	struct feeds_stage *fs = NULL;
	struct strat_features *sf = NULL;
	int r = -ENOMEM;
	if (!md || !fv) {
		snprintf(err, errlen, "tape: out of memory");
		goto out;
	}
	struct feeds_stage_cfg fc = { .paths = paths, .npaths = 1, .out = { md }, .nout = 1 };
	r = feeds_stage_create(&fc, &fs, err, errlen);
	if (r)
		goto out;
	struct strat_features_cfg sc = { .in = md, .out = fv };
	r = strat_features_create(&sc, &sf, err, errlen);
	if (r)
		goto out;
	bool feof_ = false, seof = false, have = false;
	uint64_t last_mid2 = 0;
	while (!seof || core_ring_readable(fv, 1)) {
		if (!feof_) {
			uint32_t work;
			r = feeds_stage_poll(fs, &work);
			if (r < 0) {
				snprintf(err, errlen, "%s", feeds_stage_error(fs));
				goto out;
			}
			feof_ = r == CORE_EOF;
		}
		if (!seof)
			seof = strat_features_poll(sf, &(uint32_t){ 0 }) == CORE_EOF;
		struct feature_vec v;
		while (core_ring_pop(fv, &v) == 0) {
			if (v.kind == MD_EOS || !v.warm || v.n < STRAT_FEATURE_COUNT || !v.bid_px ||
			    !v.ask_px)
				continue;
			if (!have) {
				have = true;
				b->locate = v.locate;
			}
			if (v.locate != b->locate)
				continue;
			b->vectors++;
			uint64_t mid2 = (uint64_t)v.bid_px + v.ask_px;
			if (!every_event && mid2 == last_mid2)
				continue;
			last_mid2 = mid2;
			r = nn_tape_push(b, &v);
			if (r) {
				snprintf(err, errlen, "tape: out of memory at %zu steps", b->tape.n);
				goto out;
			}
		}
	}
	struct feeds_stats st;
	feeds_stage_stats(fs, &st);
	b->md_events = st.events;
	b->tape.nfeat = STRAT_FEATURE_COUNT;
	b->tape.f = b->f;
	b->tape.bid = b->bid;
	b->tape.ask = b->ask;
	r = 0;
	if (b->tape.n < 100) {
		snprintf(err, errlen, "%.400s: only %zu tape steps (need 100)", path, b->tape.n);
		r = -EINVAL;
	}
out:
	strat_features_destroy(sf);
	feeds_stage_destroy(fs);
	core_ring_destroy(md);
	core_ring_destroy(fv);
	if (r)
		nn_tape_free(b);
	return r;
}

#endif /* OSPREY_NN_TAPE_H */
