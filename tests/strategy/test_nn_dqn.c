/* test_nn_dqn.c - the simplified venue's accounting, and the double DQN on a
 * toy tape whose optimal action is known (feature 0 is the sign of the next
 * price move): it learns it, the same seed gives bit-identical weights, and
 * the int8 export agrees with the float policy on held-out states. */
#undef NDEBUG
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn.h"

/* A scripted policy: actions[i] at the i-th call. */
struct script {
	const int *actions;
	unsigned n, i;
};

static int scripted(void *ctx, const int32_t *state, unsigned n)
{
	struct script *s = ctx;
	(void)state;
	(void)n;
	return s->i < s->n ? s->actions[s->i++] : STRAT_ACT_HOLD;
}

static void test_venue(void)
{
	int32_t f[6] = { 0 };
	uint32_t bid[6] = { 100000, 101000, 102000, 103000, 102000, 101000 };
	uint32_t ask[6] = { 100100, 101100, 102100, 103100, 102100, 101100 };
	struct strat_tape tape = { .n = 6, .nfeat = 1, .f = f, .bid = bid, .ask = ask };
	struct strat_venue_cfg v = { .lot = 100, .max_lots = 1, .latency = 1, .fee = 0.001 };
	/* buy at 0 (fills at 1's ask 10.11), buy at 1 refused (limit), sell at 2
	 * (fills at 3's bid 10.30), sell at 3 (fills at 4's bid 10.20: short),
	 * hold. */
	int acts[] = { STRAT_ACT_BUY, STRAT_ACT_BUY, STRAT_ACT_SELL, STRAT_ACT_SELL, STRAT_ACT_HOLD };
	struct script s = { acts, 5, 0 };
	struct strat_eval e;
	int32_t states[6 * 2];
	assert(strat_venue_eval(&v, &tape, 0, 6, scripted, &s, &e, states) == 0);
	assert(e.steps == 5 && e.fills == 3 && e.refused == 1 && e.trades == 1 && e.wins == 1);
	assert(e.final_pos == -100);
	/* realized: (10.30 - 10.11) * 100 - 2 * 0.1 = 18.8 */
	assert(fabs(e.fees - 0.3) < 1e-9);
	/* cash: -1011 - 0.1 + 1030 - 0.1 + 1020 - 0.1; equity at 5: cash - 100 * 10.105 */
	double pnl = -1011.0 + 1030.0 + 1020.0 - 0.3 - 1010.5;
	assert(fabs(e.pnl - pnl) < 1e-6);
	assert(e.win_rate == 1.0 && isinf(e.profit_factor));
	/* states carry the position (pending included) as a fraction of the limit */
	assert(states[1] == 0 && states[3] == 65536 && states[5] == 65536 && states[7] == 0);
	assert(states[9] == -65536 && states[11] == -65536);
	/* always hold: nothing happens */
	assert(strat_venue_eval(&v, &tape, 0, 6, strat_policy_hold, NULL, &e, NULL) == 0);
	assert(e.fills == 0 && e.pnl == 0.0 && e.max_dd == 0.0 && e.profit_factor == 0.0);
	assert(strat_venue_eval(&v, &tape, 5, 6, strat_policy_hold, NULL, &e, NULL) == -EINVAL);
	/* the hot path's input equals the tape state */
	struct feature_vec fv;
	memset(&fv, 0, sizeof(fv));
	for (int i = 0; i < STRAT_FEATURE_COUNT; i++)
		fv.f[i] = i * 1000 - 5000;
	int32_t in[STRAT_FEATURE_COUNT + 1], st2[STRAT_FEATURE_COUNT + 1];
	struct strat_tape t13 = { .n = 1, .nfeat = STRAT_FEATURE_COUNT, .f = fv.f, .bid = bid, .ask = ask };
	struct strat_venue_cfg v13 = { .lot = 100, .max_lots = 3 };
	for (int64_t pos = -300; pos <= 300; pos += 100) {
		strat_dqn_input(&fv, pos, 300, in);
		strat_venue_state(&v13, &t13, 0, pos, st2);
		assert(memcmp(in, st2, sizeof(in)) == 0);
	}
	strat_dqn_input(&fv, 900, 300, in);
	assert(in[STRAT_FEATURE_COUNT] == 65536);
	printf("venue: fills, fees, realized and marked P&L as computed by hand\n");
}

/* The toy tape: f0 = +-1 (Q16) at random, the mid moves one cent in that
 * direction at the next step; f1 is noise. Spread 0.02 cents, no fees. */
struct toy {
	size_t n;
	int32_t *f;
	uint32_t *bid, *ask;
	struct strat_tape tape;
};

static void toy_make(struct toy *t, size_t n, uint64_t seed)
{
	struct strat_rng r = { seed };
	t->n = n;
	t->f = malloc(n * 2 * sizeof(int32_t));
	t->bid = malloc(n * sizeof(uint32_t));
	t->ask = malloc(n * sizeof(uint32_t));
	assert(t->f && t->bid && t->ask);
	uint32_t mid = 1000000;
	for (size_t i = 0; i < n; i++) {
		bool up = strat_rng_next(&r) & 1;
		t->f[2 * i] = up ? 65536 : -65536;
		t->f[2 * i + 1] = (int32_t)((strat_rng_uniform(&r) - 0.5f) * 131072.0f);
		t->bid[i] = mid - 1;
		t->ask[i] = mid + 1;
		mid = up ? mid + 100 : mid - 100;
	}
	t->tape = (struct strat_tape){ .n = n, .nfeat = 2, .f = t->f, .bid = t->bid, .ask = t->ask };
}

static void toy_free(struct toy *t)
{
	free(t->f);
	free(t->bid);
	free(t->ask);
}

static void progress(void *ctx, const struct strat_dqn_progress *p)
{
	(void)ctx;
	printf("  episode %u: steps %llu updates %llu eps %.3f loss %.4f reward %.1f pnl %.2f\n",
	       p->episode, (unsigned long long)p->steps, (unsigned long long)p->updates,
	       (double)p->epsilon, p->mean_loss, p->reward, p->pnl);
}

static const struct strat_venue_cfg toy_venue = { .lot = 100, .max_lots = 1, .latency = 0,
						  .reject_penalty = 0.5 };

static struct strat_mlp *toy_train(const struct toy *t, size_t end, uint64_t seed, uint32_t episodes,
				   bool verbose)
{
	struct strat_dqn_cfg c = {
		.hidden = { 16, 16 }, .episodes = episodes, .episode_steps = 1500, .replay = 20000,
		.batch = 32, .learn_start = 500, .train_every = 2, .target_every = 100,
		.gamma = 0.5f, .lr = 2e-3f, .eps_decay = 5000, .seed = seed,
	};
	struct strat_mlp *m = NULL;
	char err[256];
	int r = strat_dqn_train(&c, &toy_venue, &t->tape, 0, end, verbose ? progress : NULL, NULL, &m,
				err, sizeof(err));
	if (r)
		fprintf(stderr, "%s\n", err);
	assert(r == 0);
	return m;
}

static int oracle(void *ctx, const int32_t *state, unsigned n)
{
	(void)ctx;
	(void)n;
	return state[0] > 0 ? STRAT_ACT_BUY : STRAT_ACT_SELL;
}

static void test_toy(void)
{
	struct toy t;
	toy_make(&t, 20000, 77);
	size_t split = 15000; /* train on [0, 15000), hold out the rest */
	struct strat_mlp *m = toy_train(&t, split, 1, 8, true);

	/* the learned action where it matters: a position that can still move */
	unsigned ok = 0, total = 0;
	int32_t st[3];
	for (size_t i = split; i < t.n; i++) {
		for (int pos = -100; pos <= 100; pos += 100) {
			strat_venue_state(&toy_venue, &t.tape, i, pos, st);
			bool up = st[0] > 0;
			if ((up && pos == 100) || (!up && pos == -100))
				continue;
			total++;
			ok += strat_policy_mlp(m, st, 3) == (up ? STRAT_ACT_BUY : STRAT_ACT_SELL);
		}
	}
	struct strat_eval ep, eo, eh;
	assert(strat_venue_eval(&toy_venue, &t.tape, split, t.n, strat_policy_mlp, m, &ep, NULL) == 0);
	assert(strat_venue_eval(&toy_venue, &t.tape, split, t.n, oracle, NULL, &eo, NULL) == 0);
	assert(strat_venue_eval(&toy_venue, &t.tape, split, t.n, strat_policy_hold, NULL, &eh, NULL) == 0);
	printf("toy: optimal action on %.2f%% of %u held-out states; P&L %.2f (oracle %.2f, hold %.2f), "
	       "Sharpe %.2f, win rate %.2f\n",
	       100.0 * ok / total, total, ep.pnl, eo.pnl, eh.pnl, ep.sharpe, ep.win_rate);
	assert(ok >= 0.95 * total);
	assert(ep.pnl >= 0.8 * eo.pnl && eo.pnl > 0.0);

	/* int8 export: argmax agreement on held-out states */
	size_t nh = t.n - split;
	int32_t *cal = malloc(split * 3 * sizeof(int32_t)), *held = malloc(nh * 3 * sizeof(int32_t));
	assert(cal && held);
	struct strat_eval tmp;
	assert(strat_venue_eval(&toy_venue, &t.tape, 0, split, strat_policy_mlp, m, &tmp, cal) == 0);
	assert(strat_venue_eval(&toy_venue, &t.tape, split, t.n, strat_policy_mlp, m, &tmp, held) == 0);
	struct strat_qmlp *q = NULL;
	char err[256];
	const char *extra[] = { "position" };
	assert(strat_qmlp_quantize(m, cal, split, 3, strat_nn_schema_hash(extra, 1), &q, err,
				   sizeof(err)) == 0);
	unsigned agree = 0;
	for (size_t i = 0; i < nh; i++)
	{
		int af = strat_policy_mlp(m, held + 3 * i, 3), aq = strat_qmlp_forward(q, held + 3 * i, NULL);
		agree += af == aq;
		if (af != aq && getenv("NN_DEBUG"))
			printf("  disagree: pos %d f0 %d float %d int8 %d\n", held[3 * i + 2], held[3 * i], af, aq);
	}
	printf("toy: int8 vs float argmax agreement %.2f%% of %zu held-out states\n", 100.0 * agree / nh, nh);
	assert(agree >= 0.99 * nh);
	struct strat_eval eq;
	assert(strat_venue_eval(&toy_venue, &t.tape, split, t.n, strat_policy_qmlp, q, &eq, NULL) == 0);
	assert(eq.pnl >= 0.8 * eo.pnl);
	strat_qmlp_free(q);
	free(cal);
	free(held);
	strat_mlp_free(m);
	toy_free(&t);
}

static void test_repro(void)
{
	struct toy t;
	toy_make(&t, 4000, 5);
	struct strat_mlp *a = toy_train(&t, 4000, 42, 2, false);
	struct strat_mlp *b = toy_train(&t, 4000, 42, 2, false);
	struct strat_mlp *c = toy_train(&t, 4000, 43, 2, false);
	size_t n = strat_mlp_nparams(a);
	assert(n == strat_mlp_nparams(b) && n == strat_mlp_nparams(c));
	assert(memcmp(strat_mlp_params(a), strat_mlp_params(b), n * sizeof(float)) == 0);
	assert(memcmp(strat_mlp_params(a), strat_mlp_params(c), n * sizeof(float)) != 0);
	printf("repro: seed 42 twice -> identical %zu weights; seed 43 differs\n", n);
	strat_mlp_free(a);
	strat_mlp_free(b);
	strat_mlp_free(c);
	toy_free(&t);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_venue();
	test_repro();
	test_toy();
	printf("ok\n");
	return 0;
}
