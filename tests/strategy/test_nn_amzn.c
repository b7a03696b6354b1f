/* test_nn_amzn.c - the double DQN on the real AMZN day: features from the hot
 * path's own stages, a short training run on the first 70% of the tape, int8
 * export, and on the held-out 30%: float vs int8 argmax agreement >= 99%,
 * bit-identical kernel paths, a file round trip, and the evaluation table
 * next to the baselines (printed, not judged: a short run need not win).
 * Then an LSTM return forecast on the same split, against the zero forecast. */
#undef NDEBUG
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "isa_skip.h"
#include "nn_tape.h"

static void row(const char *name, const struct strat_eval *e)
{
	printf("  %-14s pnl %10.2f sharpe %7.3f maxdd %9.2f win %.3f pf %7.3f fills %6llu\n", name,
	       e->pnl, e->sharpe, e->max_dd, e->win_rate, e->profit_factor,
	       (unsigned long long)e->fills);
	assert(isfinite(e->pnl) && isfinite(e->sharpe) && e->max_dd >= 0.0);
	assert(e->win_rate >= 0.0 && e->win_rate <= 1.0 && e->profit_factor >= 0.0);
}

/* The LSTM on the same tape: the 8-step-ahead return of the mid, in bps,
 * from the last 16 feature vectors; R^2 and direction hit rate on the
 * held-out part next to the zero forecast (R^2 about 0). Printed honestly;
 * asserted: the int8 twin follows the float forecast. */
#define HZN 8
#define WIN 16
static double fwd_bps(const struct strat_tape *tape, size_t t)
{
	double m0 = (double)tape->bid[t] + tape->ask[t], m1 = (double)tape->bid[t + HZN] + tape->ask[t + HZN];
	return (m1 - m0) / m0 * 1e4;
}

static void lstm_amzn(const struct strat_tape *tape, size_t split)
{
	unsigned nin = tape->nfeat;
	struct strat_lstm *m = NULL;
	char err[256];
	assert(strat_lstm_create(nin, 16, WIN, 5, &m, err, sizeof(err)) == 0);
	float mean[STRAT_FEATURE_COUNT], sd[STRAT_FEATURE_COUNT];
	for (unsigned i = 0; i < nin; i++) {
		double s = 0, s2 = 0;
		for (size_t t = 0; t < split; t++) {
			double x = tape->f[t * nin + i] / 65536.0;
			s += x;
			s2 += x * x;
		}
		double mu = s / split, var = s2 / split - mu * mu;
		mean[i] = (float)mu;
		sd[i] = var > 1e-12 ? (float)sqrt(var) : 1.0f;
	}
	strat_lstm_set_norm(m, mean, sd);
	struct strat_rng rng = { 9 };
	struct strat_adam_cfg ac = { .lr = 2e-3f, .clip = 5.0f };
	float z[WIN * STRAT_FEATURE_COUNT];
	double train_var = 0;
	for (size_t t = WIN; t + HZN < split; t++)
		train_var += fwd_bps(tape, t) * fwd_bps(tape, t);
	float yscale = (float)sqrt(train_var / (double)(split - WIN - HZN)); /* learn y / yscale */
	for (int step = 0; step < 400; step++) {
		for (int b = 0; b < 32; b++) {
			size_t t = WIN - 1 + strat_rng_next(&rng) % (split - WIN - HZN);
			for (int k = 0; k < WIN; k++)
				strat_lstm_normalize(m, tape->f + (t - WIN + 1 + k) * nin, z + k * nin);
			float y = strat_lstm_forward(m, z);
			strat_lstm_backward(m, z, y - (float)fwd_bps(tape, t) / yscale);
		}
		strat_lstm_adam_step(m, &ac, 1.0f / 32);
	}
	struct strat_qlstm *q = NULL;
	assert(strat_qlstm_quantize(m, tape->f, split, nin, 0, &q, err, sizeof(err)) == 0);
	double se_f = 0, se_q = 0, se_0 = 0, se_fq = 0, var_f = 0, mf = 0;
	size_t n = 0, hit_f = 0, hit_q = 0, moves = 0;
	for (size_t t = split + WIN; t + HZN < tape->n; t += 3) {
		for (int k = 0; k < WIN; k++)
			strat_lstm_normalize(m, tape->f + (t - WIN + 1 + k) * nin, z + k * nin);
		double y = fwd_bps(tape, t), pf = strat_lstm_forward(m, z) * yscale;
		float pq;
		assert(strat_qlstm_forecast(q, STRAT_NN_PATH_AUTO, tape->f + (t - WIN + 1) * nin, nin, &pq,
					    NULL) == 0);
		pq *= yscale;
		se_f += (y - pf) * (y - pf);
		se_q += (y - pq) * (y - pq);
		se_0 += y * y;
		se_fq += (pf - pq) * (pf - pq);
		mf += pf;
		var_f += pf * pf;
		if (y != 0.0) {
			moves++;
			hit_f += (pf > 0) == (y > 0);
			hit_q += (pq > 0) == (y > 0);
		}
		n++;
	}
	mf /= (double)n;
	var_f = var_f / (double)n - mf * mf;
	printf("lstm AMZN %d-step return (bps), %zu held-out windows: MSE float %.4f int8 %.4f zero-forecast "
	       "%.4f; R^2 vs zero float %.4f int8 %.4f; direction hit rate float %.3f int8 %.3f of %zu "
	       "moves\n",
	       HZN, n, se_f / n, se_q / n, se_0 / n, 1 - se_f / se_0, 1 - se_q / se_0,
	       (double)hit_f / moves, (double)hit_q / moves, moves);
	printf("  (%s the zero forecast on MSE)\n", se_q < se_0 ? "beats" : "does NOT beat");
	/* the int8 twin follows the float forecast: its error is small next to
	 * the forecast's own spread */
	printf("  int8 vs float: rms difference %.4f bps, float forecast stdev %.4f bps\n",
	       sqrt(se_fq / n), sqrt(var_f));
	assert(se_fq / n < 0.1 * var_f);
	strat_qlstm_free(q);
	strat_lstm_free(m);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *shared = getenv("OSPREY_SHARED");
	if (!shared)
		return 77;
	char itch[1024];
	snprintf(itch, sizeof(itch), "%s/data/itch/lobster_AMZN_20120621_L5.itch50", shared);
	if (access(itch, R_OK) != 0) {
		printf("skip: %s absent\n", itch);
		return 77;
	}
	core_clock_init(1);
	char err[512];
	struct nn_tape_buf tb;
	int r = nn_tape_build(itch, false, &tb, err, sizeof(err));
	if (r)
		fprintf(stderr, "%s\n", err);
	assert(r == 0);
	const struct strat_tape *tape = &tb.tape;
	printf("tape: %zu steps from %llu md events\n", tape->n, (unsigned long long)tb.md_events);
	assert(tape->n > 10000 && tape->nfeat == STRAT_FEATURE_COUNT);
	for (size_t i = 1; i < tape->n; i++) {
		assert(tape->bid[i] < tape->ask[i]);
		assert(tape->bid[i] + tape->ask[i] != tape->bid[i - 1] + tape->ask[i - 1]);
		assert(tb.ts_ns[i] >= tb.ts_ns[i - 1]);
	}

	struct strat_venue_cfg vc = { .lot = 100, .max_lots = 5, .latency = 1, .fee = 0.003,
				      .inv_penalty = 0.01, .dd_penalty = 0.1, .sharpe_bonus = 0.05,
				      .reject_penalty = 5.0 };
	struct strat_dqn_cfg dc = { .episodes = 3, .episode_steps = 3000, .seed = 7 };
	size_t split = tape->n * 7 / 10, nh = tape->n - split;
	struct strat_mlp *m = NULL;
	r = strat_dqn_train(&dc, &vc, tape, 0, split, NULL, NULL, &m, err, sizeof(err));
	if (r)
		fprintf(stderr, "%s\n", err);
	assert(r == 0);

	unsigned ns = tape->nfeat + 1;
	int32_t *cal = malloc(split * ns * sizeof(int32_t)), *held = malloc(nh * ns * sizeof(int32_t));
	assert(cal && held);
	struct strat_eval ef, eq, eh, em;
	assert(strat_venue_eval(&vc, tape, 0, split, strat_policy_mlp, m, &ef, cal) == 0);
	const char *extra[] = { "position" };
	uint64_t hash = strat_nn_schema_hash(extra, 1);
	struct strat_qmlp *q = NULL;
	assert(strat_qmlp_quantize(m, cal, split, ns, hash, &q, err, sizeof(err)) == 0);
	assert(strat_venue_eval(&vc, tape, split, tape->n, strat_policy_mlp, m, &ef, held) == 0);
	assert(strat_venue_eval(&vc, tape, split, tape->n, strat_policy_qmlp, q, &eq, NULL) == 0);
	assert(strat_venue_eval(&vc, tape, split, tape->n, strat_policy_hold, NULL, &eh, NULL) == 0);
	struct strat_momentum mom = { .feature = STRAT_F_RET8_BPS, .threshold = 0 };
	assert(strat_venue_eval(&vc, tape, split, tape->n, strat_policy_momentum, &mom, &em, NULL) == 0);

	/* file round trip, then every path on every held-out state */
	struct strat_qmlp_info qi;
	strat_qmlp_info(q, &qi);
	unsigned char *img = malloc(qi.file_bytes);
	assert(img && strat_qmlp_serialize(q, img, qi.file_bytes) == (long)qi.file_bytes);
	struct strat_qmlp *q2 = NULL;
	assert(strat_qmlp_parse("amzn.onn", img, qi.file_bytes, hash, &q2, err, sizeof(err)) == 0);
	size_t tl = strat_qmlp_trace_len(q);
	bool avx2 = strat_nn_path_supported(STRAT_NN_PATH_AVX2);
	bool avx512 = strat_nn_path_supported(STRAT_NN_PATH_AVX512);
	isa_skip_report(avx2, avx512);
	size_t agree = 0;
	for (size_t i = 0; i < nh; i++) {
		const int32_t *s = held + i * ns;
		int32_t t0[3 * 64], t1[3 * 64];
		float o0[3], o1[3];
		int a = strat_qmlp_forward_path(q, STRAT_NN_PATH_SCALAR, s, t0, o0);
		for (int p = STRAT_NN_PATH_AVX2; p <= STRAT_NN_PATH_AVX512; p++) {
			if (!strat_nn_path_supported(p))
				continue;
			assert(strat_qmlp_forward_path(q2, p, s, t1, o1) == a);
			assert(memcmp(t0, t1, tl * sizeof(int32_t)) == 0 && memcmp(o0, o1, sizeof(o0)) == 0);
		}
		agree += strat_policy_mlp(m, s, ns) == a;
	}
	double ag = (double)agree / (double)nh;
	printf("held-out [%zu, %zu): int8 vs float argmax agreement %.2f%% of %zu states\n", split,
	       tape->n, 100.0 * ag, nh);
	row("dqn int8", &eq);
	row("dqn float", &ef);
	row("always hold", &eh);
	row("momentum", &em);
	printf("  (the int8 policy %s both baselines on held-out P&L)\n",
	       eq.pnl > eh.pnl && eq.pnl > em.pnl ? "beats" : "does NOT beat");
	assert(ag >= 0.99);
	assert(eh.pnl == 0.0 && eh.fills == 0);
	assert(em.fills > 0);

	lstm_amzn(tape, split);

	free(img);
	free(cal);
	free(held);
	strat_qmlp_free(q2);
	strat_qmlp_free(q);
	strat_mlp_free(m);
	nn_tape_free(&tb);
	isa_skip_exit_if_scalar_only(avx2, avx512);
	printf("ok\n");
	return 0;
}
