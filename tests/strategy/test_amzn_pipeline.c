/* test_amzn_pipeline.c - the real AMZN ITCH day through feeds -> features -> decide
 * with models/default.model: a modest number of intents (not every tick), every
 * seq decided, and the same intents bit for bit across runs and poll shapes. */
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../stage_poll.h"
#include "feeds.h"
#include "strategy.h"

struct result {
	uint64_t hash_new;  /* FNV-1a over INTENT_NEW intents, t0_ns excluded */
	uint64_t hash_all;  /* over everything (watermarks depend on poll shape) */
	uint64_t buys, sells, watermarks, last_seq, eos_seq, md_events;
	struct strat_features_stats fst;
	struct strat_decide_stats dst;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

static void print_hist(const char *name, struct core_hist_pair *p)
{
	struct core_hist *h = core_hist_pair_begin(p);
	core_hist_pair_end(p);
	printf("%s: %lld events, ns per event p50 %lld p99 %lld p99.9 %lld max %lld\n", name,
	       (long long)h->total, (long long)core_hist_value_at(h, 50),
	       (long long)core_hist_value_at(h, 99), (long long)core_hist_value_at(h, 99.9),
	       (long long)core_hist_max(h));
}

static void run(const char *itch, const struct strat_model *m, uint32_t burst, uint32_t cap,
		struct result *res, bool timed)
{
	const char *paths[1] = { itch };
	struct core_ring *md = core_ring_create("md", cap, sizeof(struct md_event));
	struct core_ring *fv = core_ring_create("fv", cap, sizeof(struct feature_vec));
	struct core_ring *in = core_ring_create("intent", cap, sizeof(struct order_intent));
	assert(md && fv && in);
	char err[256];
	struct feeds_stage_cfg fc = { .paths = paths, .npaths = 1, .out = { md }, .nout = 1,
				      .burst = burst };
	struct feeds_stage *fs = NULL;
	int r = feeds_stage_create(&fc, &fs, err, sizeof(err));
	if (r)
		fprintf(stderr, "%s\n", err);
	assert(r == 0);
	struct core_hist_pair *hp = core_alloc(2 * sizeof(*hp), CORE_CACHE_LINE);
	assert(hp && core_hist_pair_init(&hp[0]) == 0 && core_hist_pair_init(&hp[1]) == 0);
	struct strat_features_cfg sc = { .in = md, .out = fv, .burst = burst,
					 .hist = timed ? &hp[0] : NULL };
	struct strat_features *f = NULL;
	assert(strat_features_create(&sc, &f, err, sizeof(err)) == 0);
	struct strat_decide_cfg dc = { .in = fv, .out = in, .model = m, .burst = burst,
				       .hist = timed ? &hp[1] : NULL };
	struct strat_decide *d = NULL;
	assert(strat_decide_create(&dc, &d, err, sizeof(err)) == 0);

	memset(res, 0, sizeof(*res));
	res->hash_new = res->hash_all = CORE_FNV_OFFSET;
	bool feof_ = false, seof = false, deof = false;
	uint64_t prev = 0;
	while (!deof || core_ring_readable(in, 1)) {
		if (!feof_) {
			r = poll_once(feeds_stage_poll, fs, NULL);
			assert(r >= 0);
			feof_ = r == CORE_EOF;
		}
		if (!seof)
			seof = poll_once(strat_features_poll, f, NULL) == CORE_EOF;
		if (!deof)
			deof = poll_once(strat_decide_poll, d, NULL) == CORE_EOF;
		struct order_intent it;
		while (core_ring_pop(in, &it) == 0) {
			assert(it.seq > prev || it.kind == INTENT_EOS);
			prev = it.seq;
			it.t0_ns = 0; /* wall clock: the only field allowed to differ */
			res->hash_all = fnv(res->hash_all, &it, sizeof(it));
			if (it.kind == INTENT_NEW) {
				res->hash_new = fnv(res->hash_new, &it, sizeof(it));
				assert(it.px == (it.side == 'B' ? it.ask_px : it.bid_px));
				assert(it.confidence >= 5000 && it.confidence <= 10000);
				if (it.side == 'B')
					res->buys++;
				else
					res->sells++;
				res->last_seq = it.seq;
			} else if (it.kind == INTENT_WATERMARK) {
				res->watermarks++;
				res->last_seq = it.seq;
			} else {
				assert(it.kind == INTENT_EOS);
				res->eos_seq = it.seq;
			}
		}
	}
	struct feeds_stats fst;
	feeds_stage_stats(fs, &fst);
	res->md_events = fst.events;
	strat_features_stats(f, &res->fst);
	strat_decide_stats(d, &res->dst);
	if (timed) {
		print_hist("features stage", &hp[0]);
		print_hist("decide stage", &hp[1]);
	}
	core_hist_pair_fini(&hp[0]);
	core_hist_pair_fini(&hp[1]);
	core_free(hp);
	strat_decide_destroy(d);
	strat_features_destroy(f);
	feeds_stage_destroy(fs);
	core_ring_destroy(md);
	core_ring_destroy(fv);
	core_ring_destroy(in);
}

int main(void)
{
	const char *shared = getenv("OSPREY_SHARED");
	const char *src = getenv("OSPREY_SOURCE");
	if (!shared || !src)
		return 77;
	char itch[1024], mpath[1024];
	snprintf(itch, sizeof(itch), "%s/data/itch/lobster_AMZN_20120621_L5.itch50", shared);
	snprintf(mpath, sizeof(mpath), "%s/models/default.model", src);
	if (access(itch, R_OK) != 0) {
		printf("skip: %s absent\n", itch);
		return 77;
	}
	core_clock_init(1);
	struct strat_model *m = NULL;
	char err[512];
	int r = strat_model_load(mpath, &m, err, sizeof(err));
	if (r)
		fprintf(stderr, "%s\n", err);
	assert(r == 0);

	struct result a, b, c;
	run(itch, m, 32, 4096, &a, true);
	run(itch, m, 32, 4096, &b, false);
	run(itch, m, 3, 4, &c, false); /* tiny rings and bursts: constant back-pressure */
	uint64_t intents = a.buys + a.sells;
	printf("AMZN: %llu md events, %llu ticks, %llu warm vectors, %llu scored, %llu signals "
	       "(%llu in cool-down), %llu intents (%llu buy, %llu sell), %llu watermarks\n",
	       (unsigned long long)a.md_events, (unsigned long long)a.fst.ticks,
	       (unsigned long long)a.fst.warm, (unsigned long long)a.dst.scored,
	       (unsigned long long)a.dst.signals, (unsigned long long)a.dst.cooldown,
	       (unsigned long long)intents, (unsigned long long)a.buys,
	       (unsigned long long)a.sells, (unsigned long long)a.watermarks);
	fflush(stdout);
	/* 193,502 messages + EOS */
	assert(a.md_events == 193503);
	assert(a.dst.events == a.md_events);
	/* modest: hundreds to a few thousand, not every tick */
	assert(intents >= 100 && intents <= 5000);
	assert(a.buys > 0 && a.sells > 0);
	/* EOS carries the last seq + 1 (feeds) and closes every decision */
	assert(a.eos_seq == a.md_events && a.last_seq < a.eos_seq);
	/* deterministic: bit for bit across runs; the same intents under back-pressure */
	assert(a.hash_all == b.hash_all && a.hash_new == b.hash_new);
	assert(a.hash_new == c.hash_new && a.buys == c.buys && a.sells == c.sells);
	assert(c.eos_seq == a.eos_seq);
	strat_model_free(m);
	printf("amzn pipeline: ok (intent hash %016llx)\n", (unsigned long long)a.hash_new);
	return 0;
}
