/* test_decide.c - the decision stage through real rings: thresholds, price modes,
 * confidence, cool-downs (events and event time), watermarks, EOS, a full intent
 * ring, and determinism across burst sizes and ring capacities. */
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "../stage_poll.h"
#include "strategy.h"

static uint64_t g_seq = 1;

static struct feature_vec vec(uint16_t locate, uint64_t ts, bool warm, double imbalance)
{
	struct feature_vec v = { 0 };
	v.seq = g_seq++;
	v.ts_ns = ts;
	v.t0_ns = v.seq * 3;
	v.locate = locate;
	v.kind = MD_ADD;
	v.flags = MD_F_BOOK;
	v.bid_px = 1000000;
	v.ask_px = 1000200;
	v.bid_qty = 10;
	v.ask_qty = 20;
	v.n = STRAT_FEATURE_COUNT;
	v.warm = warm;
	v.f[STRAT_F_SPREAD_BPS] = 2 * FEATURE_ONE;
	v.f[STRAT_F_IMBALANCE] = (int32_t)(imbalance * FEATURE_ONE);
	return v;
}

static struct strat_model *model(const char *extra)
{
	char text[512];
	snprintf(text, sizeof(text),
		 "osprey-model linear v1\nfeatures 2\nweights 0 1\nthreshold 0.5\nqty 100\nid 4\n%s",
		 extra);
	struct strat_model *m = NULL;
	char err[256];
	int r = strat_model_parse("test", text, &m, err, sizeof(err));
	if (r)
		fprintf(stderr, "%s\n", err);
	assert(r == 0);
	return m;
}

struct rig {
	struct core_ring *in, *out;
	struct strat_decide *d;
};

static void rig_init(struct rig *g, const struct strat_model *m, uint32_t out_cap, uint32_t burst,
		     uint64_t cd_ns)
{
	g->in = core_ring_create("fv", 4096, sizeof(struct feature_vec));
	g->out = core_ring_create("intent", out_cap, sizeof(struct order_intent));
	assert(g->in && g->out);
	struct strat_decide_cfg cfg = { .in = g->in, .out = g->out, .model = m, .burst = burst,
					.cooldown_ns = cd_ns };
	char err[256];
	assert(strat_decide_create(&cfg, &g->d, err, sizeof(err)) == 0);
}

static void rig_fini(struct rig *g)
{
	g->d = strat_decide_destroy(g->d);
	core_ring_destroy(g->in);
	core_ring_destroy(g->out);
}

static unsigned pop_all(struct rig *g, struct order_intent *out, unsigned max)
{
	unsigned n = 0;
	while (n < max && core_ring_pop(g->out, &out[n]) == 0)
		n++;
	return n;
}

static void test_semantics(void)
{
	struct strat_model *m = model("cooldown_events 3\n");
	struct rig g;
	rig_init(&g, m, 64, 32, 0);
	struct feature_vec v[6] = {
		vec(1, 100, true, 0.6),   /* buy at ask */
		vec(1, 200, true, 0.9),   /* cool-down: 0 events since */
		vec(1, 300, true, -0.9),  /* cool-down: 1 */
		vec(1, 400, true, 0.0),   /* quiet (2 -> 3) */
		vec(1, 500, true, -0.7),  /* sell at bid: 3 events since */
		vec(1, 600, false, 1.0),  /* not warm: not scored */
	};
	for (int i = 0; i < 6; i++)
		assert(core_ring_push(g.in, &v[i]) == 0);
	assert(poll_work(strat_decide_poll, g.d) == 6);
	struct order_intent o[16];
	unsigned n = pop_all(&g, o, 16);
	assert(n == 3);
	assert(o[0].kind == INTENT_NEW && o[0].side == 'B' && o[0].px == 1000200 && o[0].qty == 100);
	assert(o[0].seq == v[0].seq && o[0].ts_ns == 100 && o[0].t0_ns == v[0].t0_ns);
	assert(o[0].bid_px == 1000000 && o[0].ask_px == 1000200 && o[0].locate == 1);
	assert(o[0].flags == MD_F_BOOK && o[0].model == 4);
	/* confidence = 10000 * |s| / (|s| + t) = 10000 * 0.6 / 1.1 */
	assert(o[0].confidence == 5454);
	assert(o[1].kind == INTENT_NEW && o[1].side == 'S' && o[1].px == 1000000 && o[1].seq == v[4].seq);
	assert(o[2].kind == INTENT_WATERMARK && o[2].seq == v[5].seq && o[2].ts_ns == 600);
	struct strat_decide_stats st;
	strat_decide_stats(g.d, &st);
	assert(st.events == 6 && st.scored == 5 && st.signals == 4 && st.cooldown == 2);
	assert(st.buys == 1 && st.sells == 1 && st.watermarks == 1 && st.last_seq == v[5].seq);

	/* another instrument is not in instrument 1's cool-down; no watermark after an intent */
	struct feature_vec w = vec(2, 700, true, 0.6);
	assert(core_ring_push(g.in, &w) == 0);
	assert(poll_work(strat_decide_poll, g.d) == 1);
	n = pop_all(&g, o, 16);
	assert(n == 1 && o[0].kind == INTENT_NEW && o[0].locate == 2 && o[0].seq == w.seq);
	/* idle poll: nothing */
	assert(poll_work(strat_decide_poll, g.d) == 0);
	assert(pop_all(&g, o, 16) == 0);

	/* EOS right after a quiet event: INTENT_EOS only, then CORE_EOF */
	struct feature_vec q = vec(2, 800, true, 0.1), e = vec(0, 900, false, 0);
	e.kind = MD_EOS;
	e.n = 0;
	assert(core_ring_push(g.in, &q) == 0 && core_ring_push(g.in, &e) == 0);
	assert(poll_once(strat_decide_poll, g.d, NULL) == CORE_EOF);
	n = pop_all(&g, o, 16);
	assert(n == 1 && o[0].kind == INTENT_EOS && o[0].seq == e.seq && o[0].ts_ns == 900);
	assert(poll_once(strat_decide_poll, g.d, NULL) == CORE_EOF);
	rig_fini(&g);
	strat_model_free(m);
}

static void test_cooldown_ns_and_join(void)
{
	struct strat_model *m = model("cooldown_events 0\ncooldown_ns 1000\nprice join\n");
	struct rig g;
	rig_init(&g, m, 64, 32, 0);
	struct feature_vec v[4] = {
		vec(5, 10000, true, 0.8),  /* buy, joins the bid */
		vec(5, 10500, true, -0.8), /* 500 ns later: cool-down */
		vec(5, 10999, true, -0.8), /* 999 ns: cool-down */
		vec(5, 11000, true, -0.8), /* 1000 ns: sell, joins the ask */
	};
	for (int i = 0; i < 4; i++)
		assert(core_ring_push(g.in, &v[i]) == 0);
	assert(poll_work(strat_decide_poll, g.d) == 4);
	struct order_intent o[8];
	unsigned n = pop_all(&g, o, 8);
	assert(n == 2);
	assert(o[0].side == 'B' && o[0].px == 1000000);
	assert(o[1].side == 'S' && o[1].px == 1000200 && o[1].seq == v[3].seq);
	rig_fini(&g);

	/* the stage's cool-down override beats the model's */
	rig_init(&g, m, 64, 32, 5000);
	for (int i = 0; i < 4; i++) {
		v[i].seq = g_seq++;
		assert(core_ring_push(g.in, &v[i]) == 0);
	}
	assert(poll_work(strat_decide_poll, g.d) == 4);
	n = pop_all(&g, o, 8);
	assert(n == 2 && o[0].kind == INTENT_NEW && o[1].kind == INTENT_WATERMARK);
	rig_fini(&g);
	strat_model_free(m);

	/* a model using more features than a vector carries is never scored */
	m = model("");
	rig_init(&g, m, 64, 32, 0);
	struct feature_vec s = vec(6, 1, true, 0.9);
	s.n = 1;
	assert(core_ring_push(g.in, &s) == 0);
	assert(poll_work(strat_decide_poll, g.d) == 1);
	n = pop_all(&g, o, 8);
	assert(n == 1 && o[0].kind == INTENT_WATERMARK);
	rig_fini(&g);
	strat_model_free(m);
}

#define NSTREAM 3000

/* Run a stream; out_cap/burst/drain shape the back-pressure. Returns outputs. */
static unsigned run(const struct strat_model *m, const struct feature_vec *in, unsigned nin,
		    uint32_t out_cap, uint32_t burst, unsigned drain_per_poll, struct order_intent *out,
		    uint64_t *ret_out_full)
{
	struct rig g;
	rig_init(&g, m, out_cap, burst, 0);
	unsigned pushed = 0, n = 0;
	int r = 0;
	while (r != CORE_EOF) {
		while (pushed < nin && core_ring_push(g.in, &in[pushed]) == 0)
			pushed++;
		uint32_t w;
		r = poll_once(strat_decide_poll, g.d, &w);
		assert(r >= 0);
		for (unsigned k = 0; k < drain_per_poll && core_ring_pop(g.out, &out[n]) == 0; k++) {
			/* seqs only move forward */
			assert(n == 0 || out[n].seq > out[n - 1].seq);
			n++;
			assert(n < 2 * NSTREAM);
		}
		if ((w > 0 || r == CORE_EOF) && drain_per_poll >= out_cap) {
			/* nothing held back: the last output covers the last consumed seq */
			struct strat_decide_stats st;
			strat_decide_stats(g.d, &st);
			assert(n > 0 && out[n - 1].seq == st.last_seq);
		}
	}
	while (core_ring_pop(g.out, &out[n]) == 0)
		n++;
	struct strat_decide_stats st;
	strat_decide_stats(g.d, &st);
	*ret_out_full = st.out_full;
	rig_fini(&g);
	return n;
}

static void test_determinism(void)
{
	static struct feature_vec in[NSTREAM];
	static struct order_intent a[2 * NSTREAM], b[2 * NSTREAM], c[2 * NSTREAM];
	uint64_t rng = 7;
	for (unsigned i = 0; i < NSTREAM - 1; i++) {
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		double imb = (double)((int)((rng >> 33) % 2001) - 1000) / 1000.0;
		in[i] = vec((uint16_t)(rng >> 20) % 3, 1000 * i, (rng >> 40) % 10 != 0, imb);
	}
	in[NSTREAM - 1] = vec(0, 1000 * NSTREAM, false, 0);
	in[NSTREAM - 1].kind = MD_EOS;
	struct strat_model *m = model("cooldown_events 5\n");
	uint64_t full_a, full_b, full_c;
	unsigned na = run(m, in, NSTREAM, 8192, 32, 100000, a, &full_a);
	unsigned nb = run(m, in, NSTREAM, 8192, 32, 100000, b, &full_b);
	unsigned nc = run(m, in, NSTREAM, 2, 5, 1, c, &full_c);
	assert(full_a == 0 && full_c > 0);
	/* identical runs: identical streams, watermarks included */
	assert(na == nb && memcmp(a, b, na * sizeof(a[0])) == 0);
	/* under back-pressure: the same intents, in order, and EOS last */
	unsigned ia = 0, ic = 0, intents = 0;
	for (;;) {
		while (ia < na && a[ia].kind == INTENT_WATERMARK)
			ia++;
		while (ic < nc && c[ic].kind == INTENT_WATERMARK)
			ic++;
		if (ia == na || ic == nc)
			break;
		assert(memcmp(&a[ia], &c[ic], sizeof(a[0])) == 0);
		intents += a[ia].kind == INTENT_NEW;
		ia++;
		ic++;
	}
	assert(ia == na && ic == nc);
	assert(a[na - 1].kind == INTENT_EOS && c[nc - 1].kind == INTENT_EOS);
	/* a modest number of intents: the cool-down holds */
	assert(intents > 50 && intents < NSTREAM / 4);
	strat_model_free(m);
}

static void test_create_errors(void)
{
	struct core_ring *r = core_ring_create("x", 8, sizeof(struct order_intent));
	struct core_ring *f = core_ring_create("f", 8, sizeof(struct feature_vec));
	struct strat_model *m = model("");
	struct strat_decide *d = NULL;
	char err[256] = "";
	struct strat_decide_cfg cfg = { .in = f, .out = r };
	assert(strat_decide_create(&cfg, &d, err, sizeof(err)) == -EINVAL && !d);
	assert(strstr(err, "model"));
	cfg.model = m;
	cfg.in = r;
	assert(strat_decide_create(&cfg, &d, err, sizeof(err)) == -EINVAL && !d);
	assert(strstr(err, "feature_vec"));
	cfg.in = f;
	cfg.out = f;
	assert(strat_decide_create(&cfg, &d, err, sizeof(err)) == -EINVAL && !d);
	assert(strstr(err, "order_intent"));
	assert(strat_decide_destroy(NULL) == NULL);
	strat_model_free(m);
	core_ring_destroy(r);
	core_ring_destroy(f);
}

int main(void)
{
	core_clock_init(1);
	test_semantics();
	test_cooldown_ns_and_join();
	test_determinism();
	test_create_errors();
	printf("decide: ok\n");
	return 0;
}
