/* Hot model swap in the decision stage: the next poll uses the new model, the
 * old one is reclaimable exactly when the stage has moved past it, a model for
 * other features is refused, and (threaded, also under TSan/ASan) thousands of
 * swaps while the stage polls never let it touch a freed model. */
#undef NDEBUG
#include "learn.h"

#include "../stage_poll.h"
#include <assert.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

static uint64_t g_seq = 1;

static struct feature_vec vec(double imbalance)
{
	struct feature_vec v = { 0 };
	v.seq = g_seq;
	v.ts_ns = g_seq * 1000;
	g_seq++;
	v.locate = 1;
	v.kind = MD_ADD;
	v.flags = MD_F_BOOK;
	v.bid_px = 1000000;
	v.ask_px = 1000200;
	v.n = STRAT_FEATURE_COUNT;
	v.warm = 1;
	v.f[STRAT_F_IMBALANCE] = (int32_t)(imbalance * FEATURE_ONE);
	return v;
}

/* id and the sign of the imbalance weight: +1 buys on a bid-heavy book, -1 sells */
static struct strat_model *model(unsigned id, int sign, const char *extra)
{
	char text[512], err[256];
	snprintf(text, sizeof(text),
		 "osprey-model linear v1\nfeatures 2\nweights 0 %d\nthreshold 0.5\n"
		 "cooldown_events 0\nid %u\n%s",
		 sign, id, extra ? extra : "");
	struct strat_model *m = NULL;
	int r = strat_model_parse("swap-test", text, &m, err, sizeof(err));
	if (r)
		fprintf(stderr, "%s\n", err);
	assert(r == 0);
	return m;
}

struct rig {
	struct core_ring *in, *out;
	struct strat_decide *d;
};

static void rig_init(struct rig *g, const struct strat_model *m)
{
	g->in = core_ring_create("fv", 1024, sizeof(struct feature_vec));
	g->out = core_ring_create("intent", 1024, sizeof(struct order_intent));
	assert(g->in && g->out);
	struct strat_decide_cfg cfg = { .in = g->in, .out = g->out, .model = m, .burst = 16 };
	char err[256];
	assert(strat_decide_create(&cfg, &g->d, err, sizeof(err)) == 0);
}

static void rig_fini(struct rig *g)
{
	strat_decide_destroy(g->d);
	core_ring_destroy(g->in);
	core_ring_destroy(g->out);
}

static void test_swap_semantics(void)
{
	struct strat_model *a = model(4, 1, NULL), *b = model(9, -1, NULL);
	struct rig g;
	rig_init(&g, a);
	struct feature_vec v = vec(0.9);
	assert(core_ring_push(g.in, &v) == 0);
	assert(poll_work(strat_decide_poll, g.d) == 1);
	struct order_intent it;
	assert(core_ring_pop(g.out, &it) == 0 && it.kind == INTENT_NEW && it.model == 4 &&
	       it.side == 'B');

	uint64_t gen = 0;
	char err[256];
	assert(strat_decide_swap(g.d, b, &gen, err, sizeof(err)) == 0);
	assert(gen == 1);
	/* the stage has not polled since: a may still be in use */
	assert(!strat_decide_quiesced(g.d, gen));
	v = vec(0.9);
	assert(core_ring_push(g.in, &v) == 0);
	assert(poll_work(strat_decide_poll, g.d) == 1);
	assert(strat_decide_quiesced(g.d, gen));
	assert(core_ring_pop(g.out, &it) == 0 && it.model == 9 && it.side == 'S');
	strat_model_free(a);
	struct strat_decide_stats st;
	strat_decide_stats(g.d, &st);
	assert(st.swaps == 1);

	/* an idle poll is enough to move past the old model */
	struct strat_model *c = model(11, 1, NULL);
	assert(strat_decide_swap(g.d, c, &gen, err, sizeof(err)) == 0 && gen == 2);
	assert(poll_work(strat_decide_poll, g.d) == 0);
	assert(strat_decide_quiesced(g.d, gen));
	strat_model_free(b);

	/* a model stating another feature schema is refused by the stage itself,
	 * whatever built it: strat_model_from_info validates values, not the
	 * schema, so the model exists and strat_decide_swap is what refuses it.
	 * Nothing changes: the out-parameter is not written, no generation is
	 * taken, and the stage keeps c. */
	struct strat_model_info info;
	strat_model_info(c, &info);
	info.schema = strat_feature_schema() ^ 1;
	struct strat_model *bad = NULL;
	assert(strat_model_from_info(&info, &bad, err, sizeof(err)) == 0 && bad);
	uint64_t gen_bad = 12345;
	err[0] = '\0';
	assert(strat_decide_swap(g.d, bad, &gen_bad, err, sizeof(err)) == -EINVAL);
	assert(strstr(err, "strat_decide_swap: model built for features") != NULL);
	assert(gen_bad == 12345);
	strat_model_free(bad);
	v = vec(0.9);
	assert(core_ring_push(g.in, &v) == 0);
	assert(poll_work(strat_decide_poll, g.d) == 1);
	assert(core_ring_pop(g.out, &it) == 0 && it.model == 11);
	strat_decide_stats(g.d, &st);
	assert(st.swaps == 2);
	/* the next good swap takes the next generation: the refused one took none */
	struct strat_model *e = model(12, 1, NULL);
	assert(strat_decide_swap(g.d, e, &gen, err, sizeof(err)) == 0 && gen == 3);
	assert(poll_work(strat_decide_poll, g.d) == 0 && strat_decide_quiesced(g.d, gen));
	rig_fini(&g);
	strat_model_free(c);
	strat_model_free(e);
}

static void test_schema_in_file(void)
{
	char extra[64], err[256];
	struct strat_model *m = NULL;
	/* the engine's own schema loads and is kept ... */
	snprintf(extra, sizeof(extra), "schema 0x%016llx\n",
		 (unsigned long long)strat_feature_schema());
	m = model(1, 1, extra);
	struct strat_model_info info;
	strat_model_info(m, &info);
	assert(info.schema == strat_feature_schema());
	char buf[4096];
	assert(strat_model_format(m, buf, sizeof(buf)) > 0 && strstr(buf, extra));
	strat_model_free(m);
	/* ... another is refused with a message naming the line and the problem */
	snprintf(extra, sizeof(extra), "schema 0x%016llx\n",
		 (unsigned long long)(strat_feature_schema() + 1));
	char text[512];
	snprintf(text, sizeof(text), "osprey-model linear v1\nfeatures 1\nweights 1\n"
				     "threshold 1\n%s",
		 extra);
	m = NULL;
	assert(strat_model_parse("f.model", text, &m, err, sizeof(err)) == -EINVAL && !m);
	assert(strstr(err, "f.model:5") && strstr(err, "built for other features"));
	/* and a malformed value too */
	snprintf(text, sizeof(text), "osprey-model linear v1\nfeatures 1\nweights 1\n"
				     "threshold 1\nschema 12\n");
	assert(strat_model_parse("f.model", text, &m, err, sizeof(err)) == -EINVAL && !m);
	assert(strstr(err, "16 hex digits"));
}

/* ---- threaded: swaps while the stage polls -------------------------------- */

#define SWAPS 2000

struct shared {
	struct rig g;
	_Atomic bool done;
	uint64_t intents, bad_ids;
};

static void *poller(void *arg)
{
	struct shared *sh = arg;
	double imb = 0.9;
	while (!atomic_load_explicit(&sh->done, memory_order_acquire)) {
		struct feature_vec v = vec(imb);
		imb = -imb;
		if (core_ring_push(sh->g.in, &v) != 0)
			sched_yield();
		poll_once(strat_decide_poll, sh->g.d, NULL);
		struct order_intent it;
		while (core_ring_pop(sh->g.out, &it) == 0) {
			if (it.kind != INTENT_NEW)
				continue;
			sh->intents++;
			if (it.model < 100 || it.model > 101)
				sh->bad_ids++;
		}
	}
	return NULL;
}

static void test_swap_threaded(void)
{
	static struct shared sh;
	struct strat_model *cur = model(100, 1, NULL);
	rig_init(&sh.g, cur);
	atomic_init(&sh.done, false);
	pthread_t t;
	assert(pthread_create(&t, NULL, poller, &sh) == 0);
	char err[256];
	for (int i = 0; i < SWAPS; i++) {
		struct strat_model *next =
		        model(100 + (unsigned)((i + 1) & 1), (i & 1) ? 1 : -1, NULL);
		uint64_t gen;
		assert(strat_decide_swap(sh.g.d, next, &gen, err, sizeof(err)) == 0);
		while (!strat_decide_quiesced(sh.g.d, gen))
			sched_yield();
		/* poison, then free the model next replaced: a stage still reading
		 * it would trip ASan/TSan */
		memset(cur, 0xa5, 64);
		strat_model_free(cur);
		cur = next;
	}
	atomic_store_explicit(&sh.done, true, memory_order_release);
	assert(pthread_join(t, NULL) == 0);
	struct strat_decide_stats st;
	strat_decide_stats(sh.g.d, &st);
	printf("threaded: %d swaps, %llu picked up, %llu intents\n", SWAPS,
	       (unsigned long long)st.swaps, (unsigned long long)sh.intents);
	assert(st.swaps >= 1 && st.swaps <= SWAPS);
	assert(sh.bad_ids == 0 && sh.intents > 0);
	rig_fini(&sh.g);
	strat_model_free(cur);
}

int main(void)
{
	core_clock_init(1);
	test_swap_semantics();
	test_schema_in_file();
	test_swap_threaded();
	printf("swap: ok\n");
	return 0;
}
