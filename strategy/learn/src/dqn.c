/* dqn.c - the simplified venue over a tape, policy evaluation, and the
 * double-DQN trainer (experience replay, target network, epsilon-greedy,
 * double-Q target, Huber loss). Single-threaded, deterministic for a seed. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "learn.h"

#define PENDING_MAX 64

struct pending {
	size_t due;
	int64_t qty;
};

struct venue {
	struct strat_venue_cfg c; /* defaults resolved */
	const struct strat_tape *tape;
	int64_t maxpos;
	int64_t pos, pending;
	struct pending q[PENDING_MAX];
	unsigned qh, qn;
	double cash, fees, avg_px;
	double peak, dd, max_dd;
	uint64_t fills, trades, wins, refused;
	bool step_refused;
	double gross_win, gross_loss;
	double *win; /* rolling window of step equity changes */
	unsigned wpos, wn;
	double wsum, wsq;
};

static int venue_init(struct venue *vs, const struct strat_venue_cfg *v, const struct strat_tape *tape,
		      char *err, size_t errlen)
{
	memset(vs, 0, sizeof(*vs));
	vs->c = *v;
	if (!vs->c.lot)
		vs->c.lot = 100;
	if (!vs->c.max_lots)
		vs->c.max_lots = 5;
	if (!vs->c.sharpe_window)
		vs->c.sharpe_window = 100;
	if (vs->c.reward_scale == 0.0)
		vs->c.reward_scale = 1.0 / (vs->c.lot * 0.01);
	if (vs->c.latency >= PENDING_MAX) {
		core_errf(err, errlen, "venue: latency %u, need 0..%d", vs->c.latency,
		          PENDING_MAX - 1);
		return -EINVAL;
	}
	if (!(vs->c.fee >= 0.0) || !(vs->c.reject_penalty >= 0.0) || vs->c.sharpe_window > 1000000) {
		core_errf(
		        err, errlen,
		        "venue: fee and reject_penalty must be >= 0 and sharpe_window <= 1000000");
		return -EINVAL;
	}
	if (!tape || !tape->f || !tape->bid || !tape->ask || tape->nfeat < 1 ||
	    tape->nfeat > FEATURE_MAX) {
		core_errf(err, errlen, "venue: bad tape (NULL arrays or nfeat outside 1..%d)",
		          FEATURE_MAX);
		return -EINVAL;
	}
	vs->tape = tape;
	vs->maxpos = (int64_t)vs->c.max_lots * vs->c.lot;
	vs->win = core_alloc(vs->c.sharpe_window * sizeof(double), 64);
	if (!vs->win) {
		core_errf(err, errlen, "venue: out of memory");
		return -ENOMEM;
	}
	return 0;
}

static void venue_fini(struct venue *vs)
{
	core_free(vs->win);
	vs->win = NULL;
}

static void venue_reset(struct venue *vs)
{
	double *w = vs->win;
	struct strat_venue_cfg c = vs->c;
	const struct strat_tape *tape = vs->tape;
	int64_t maxpos = vs->maxpos;
	memset(vs, 0, sizeof(*vs));
	vs->c = c;
	vs->tape = tape;
	vs->maxpos = maxpos;
	vs->win = w;
}

static double mid_of(const struct strat_tape *tape, size_t t)
{
	return ((double)tape->bid[t] + (double)tape->ask[t]) * 0.5e-4;
}

static double equity(const struct venue *vs, size_t t)
{
	return vs->cash + (double)vs->pos * mid_of(vs->tape, t);
}

static void venue_fill(struct venue *vs, size_t t, int64_t qty)
{
	double px = (qty > 0 ? vs->tape->ask[t] : vs->tape->bid[t]) * 1e-4;
	double aq = (double)(qty > 0 ? qty : -qty);
	double fee = vs->c.fee * aq;
	vs->cash -= (double)qty * px + fee;
	vs->fees += fee;
	vs->fills++;
	int64_t p0 = vs->pos, p1 = p0 + qty;
	if (p0 != 0 && (p0 > 0) != (qty > 0)) {
		int64_t a0 = p0 > 0 ? p0 : -p0;
		double closed = aq < (double)a0 ? aq : (double)a0;
		double realized = (px - vs->avg_px) * closed * (p0 > 0 ? 1.0 : -1.0) -
				  2.0 * vs->c.fee * closed;
		vs->trades++;
		if (realized > 0.0) {
			vs->wins++;
			vs->gross_win += realized;
		} else {
			vs->gross_loss -= realized;
		}
	}
	if (p1 == 0)
		vs->avg_px = 0.0;
	else if (p0 == 0 || (p0 > 0) != (p1 > 0))
		vs->avg_px = px; /* opened, or crossed through zero */
	else if ((p1 > 0 ? p1 : -p1) > (p0 > 0 ? p0 : -p0))
		vs->avg_px = (vs->avg_px * (double)(p0 > 0 ? p0 : -p0) + px * aq) /
			     (double)(p1 > 0 ? p1 : -p1);
	vs->pos = p1;
}

/* Orders due at step t fill at t's book. */
static void venue_arrive(struct venue *vs, size_t t)
{
	while (vs->qn && vs->q[vs->qh].due <= t) {
		struct pending *p = &vs->q[vs->qh];
		vs->pending -= p->qty;
		venue_fill(vs, t, p->qty);
		vs->qh = (vs->qh + 1) % PENDING_MAX;
		vs->qn--;
	}
}

static void venue_act(struct venue *vs, size_t t, int action)
{
	int64_t q = action == STRAT_ACT_BUY ? (int64_t)vs->c.lot
		    : action == STRAT_ACT_SELL ? -(int64_t)vs->c.lot : 0;
	int64_t eff = vs->pos + vs->pending + q;
	if (q == 0)
		return;
	if (eff > vs->maxpos || eff < -vs->maxpos) {
		vs->refused++;
		vs->step_refused = true;
		return;
	}
	if (vs->c.latency == 0) {
		venue_fill(vs, t, q);
		return;
	}
	struct pending *p = &vs->q[(vs->qh + vs->qn) % PENDING_MAX];
	p->due = t + vs->c.latency;
	p->qty = q;
	vs->qn++;
	vs->pending += q;
}

/* Move from t to t + 1 after the action at t; returns the equity change and
 * sets *ret_reward. */
static double venue_advance(struct venue *vs, size_t t, double *ret_reward)
{
	double e0 = equity(vs, t), dd0 = vs->dd;
	venue_arrive(vs, t + 1);
	double e1 = equity(vs, t + 1), de = e1 - e0;
	if (e1 > vs->peak)
		vs->peak = e1;
	vs->dd = vs->peak - e1;
	if (vs->dd > vs->max_dd)
		vs->max_dd = vs->dd;
	unsigned w = vs->c.sharpe_window;
	if (vs->wn == w) {
		double old = vs->win[vs->wpos];
		vs->wsum -= old;
		vs->wsq -= old * old;
	} else {
		vs->wn++;
	}
	vs->win[vs->wpos] = de;
	vs->wsum += de;
	vs->wsq += de * de;
	vs->wpos = (vs->wpos + 1) % w;
	double s = 0.0;
	if (vs->wn == w) {
		double mean = vs->wsum / w, var = vs->wsq / w - mean * mean;
		if (var > 1e-12)
			s = mean / sqrt(var);
	}
	double ap = (double)(vs->pos > 0 ? vs->pos : -vs->pos);
	double ddinc = vs->dd > dd0 ? vs->dd - dd0 : 0.0;
	*ret_reward = vs->c.reward_scale * (de - vs->c.inv_penalty * ap / vs->c.lot -
					    vs->c.dd_penalty * ddinc + vs->c.sharpe_bonus * s -
					    (vs->step_refused ? vs->c.reject_penalty : 0.0));
	vs->step_refused = false;
	return de;
}

static void state_of(const struct venue *vs, size_t t, int64_t pos, int32_t *ret)
{
	const struct strat_tape *tape = vs->tape;
	memcpy(ret, tape->f + t * tape->nfeat, tape->nfeat * sizeof(int32_t));
	ret[tape->nfeat] = (int32_t)(pos * 65536 / vs->maxpos);
}

void strat_venue_state(const struct strat_venue_cfg *v, const struct strat_tape *tape, size_t t,
		       int64_t pos, int32_t *ret)
{
	int64_t maxpos = (int64_t)(v->max_lots ? v->max_lots : 5) * (v->lot ? v->lot : 100);
	memcpy(ret, tape->f + t * tape->nfeat, tape->nfeat * sizeof(int32_t));
	ret[tape->nfeat] = (int32_t)(pos * 65536 / maxpos);
}

/* ------------------------------------------------------------------------- */
/* Policies */

int strat_policy_hold(void *ctx, const int32_t *state, unsigned n)
{
	(void)ctx;
	(void)state;
	(void)n;
	return STRAT_ACT_HOLD;
}

int strat_policy_momentum(void *ctx, const int32_t *state, unsigned n)
{
	const struct strat_momentum *m = ctx;
	if (m->feature >= n)
		return STRAT_ACT_HOLD;
	int32_t v = state[m->feature];
	return v > m->threshold ? STRAT_ACT_BUY : v < -m->threshold ? STRAT_ACT_SELL : STRAT_ACT_HOLD;
}

int strat_policy_qmlp(void *ctx, const int32_t *state, unsigned n)
{
	(void)n;
	return strat_qmlp_forward(ctx, state, NULL);
}

static int argmax(const float *v, unsigned n)
{
	unsigned b = 0;
	for (unsigned j = 1; j < n; j++)
		if (v[j] > v[b])
			b = j;
	return (int)b;
}

int strat_policy_mlp(void *ctx, const int32_t *state, unsigned n)
{
	float z[STRAT_NN_MAX_WIDTH], out[STRAT_NN_MAX_WIDTH];
	uint32_t sizes[STRAT_NN_MAX_LAYERS + 1];
	unsigned ns = strat_mlp_sizes(ctx, sizes);
	(void)n;
	strat_mlp_normalize(ctx, state, z);
	strat_mlp_forward(ctx, z, out);
	return argmax(out, sizes[ns - 1]);
}

int strat_venue_eval(const struct strat_venue_cfg *v, const struct strat_tape *tape, size_t begin,
		     size_t end, strat_policy_fn policy, void *ctx, struct strat_eval *ret,
		     int32_t *ret_states)
{
	struct venue vs;
	if (!tape || end > tape->n || begin + 2 > end)
		return -EINVAL;
	int r = venue_init(&vs, v, tape, NULL, 0);
	if (r)
		return r;
	unsigned ns = tape->nfeat + 1, w = vs.c.sharpe_window;
	int32_t st[FEATURE_MAX + 1];
	double bucket = 0.0, bsum = 0.0, bsq = 0.0;
	uint64_t nb = 0, steps = 0;
	venue_arrive(&vs, begin);
	for (size_t t = begin; t + 1 < end; t++) {
		state_of(&vs, t, vs.pos + vs.pending, st);
		if (ret_states)
			memcpy(ret_states + (t - begin) * ns, st, ns * sizeof(int32_t));
		int a = policy(ctx, st, ns);
		venue_act(&vs, t, a);
		double rew;
		bucket += venue_advance(&vs, t, &rew);
		if (++steps % w == 0) {
			bsum += bucket;
			bsq += bucket * bucket;
			nb++;
			bucket = 0.0;
		}
	}
	if (ret_states) /* the last step's state (no action taken there) */
		state_of(&vs, end - 1, vs.pos + vs.pending, ret_states + (end - 1 - begin) * ns);
	memset(ret, 0, sizeof(*ret));
	ret->steps = steps;
	ret->fills = vs.fills;
	ret->refused = vs.refused;
	ret->trades = vs.trades;
	ret->wins = vs.wins;
	ret->pnl = equity(&vs, end - 1);
	ret->fees = vs.fees;
	ret->max_dd = vs.max_dd;
	if (nb >= 2) {
		double mean = bsum / nb, var = bsq / nb - mean * mean;
		ret->sharpe = var > 1e-12 ? mean / sqrt(var) : 0.0;
	}
	ret->win_rate = vs.trades ? (double)vs.wins / vs.trades : 0.0;
	ret->profit_factor = !vs.trades ? 0.0 : vs.gross_loss > 0.0 ? vs.gross_win / vs.gross_loss
								    : INFINITY;
	ret->final_pos = vs.pos;
	venue_fini(&vs);
	return 0;
}

/* ------------------------------------------------------------------------- */
/* Double DQN */

struct transition {
	uint32_t t;     /* tape step of s; s' is step t + 1 */
	int32_t pos;    /* effective position (shares) in s */
	int32_t pos1;   /* in s' */
	uint8_t action;
	float reward;
};

static float huber_grad(float d, float delta, double *loss)
{
	float ad = fabsf(d);
	if (ad <= delta) {
		*loss += 0.5 * (double)d * d;
		return d;
	}
	*loss += (double)delta * (ad - 0.5 * delta);
	return d > 0.0f ? delta : -delta;
}

int strat_dqn_train(const struct strat_dqn_cfg *cfg_in, const struct strat_venue_cfg *v,
		    const struct strat_tape *tape, size_t begin, size_t end,
		    strat_dqn_progress_fn progress, void *ctx, struct strat_mlp **ret_online,
		    char *err, size_t errlen)
{
	struct strat_dqn_cfg c = *cfg_in;
	if (!c.hidden[0])
		c.hidden[0] = 64;
	if (!c.hidden[1])
		c.hidden[1] = 64;
	if (!c.episodes)
		c.episodes = 20;
	if (!c.episode_steps)
		c.episode_steps = 5000;
	if (!c.replay)
		c.replay = 50000;
	if (!c.batch)
		c.batch = 32;
	if (!c.learn_start)
		c.learn_start = 1000;
	if (!c.train_every)
		c.train_every = 4;
	if (!c.target_every)
		c.target_every = 250;
	if (c.gamma == 0.0f)
		c.gamma = 0.95f;
	if (c.lr == 0.0f)
		c.lr = 5e-4f;
	if (c.huber == 0.0f)
		c.huber = 1.0f;
	if (c.eps_start == 0.0f)
		c.eps_start = 1.0f;
	if (c.eps_end == 0.0f)
		c.eps_end = 0.05f;
	if (!tape || end > tape->n || begin + 2 > end || end - begin > UINT32_MAX) {
		core_errf(err, errlen, "dqn: bad range [%zu, %zu) of a %zu-step tape", begin, end,
		          tape ? tape->n : 0);
		return -EINVAL;
	}
	if (!(c.gamma > 0.0f && c.gamma < 1.0f)) {
		core_errf(err, errlen, "dqn: gamma %g outside (0, 1)", (double)c.gamma);
		return -EINVAL;
	}
	if (c.episode_steps > end - begin - 1)
		c.episode_steps = (uint32_t)(end - begin - 1);
	uint64_t total = (uint64_t)c.episodes * c.episode_steps;
	if (!c.eps_decay)
		c.eps_decay = (uint32_t)(total * 6 / 10 > 0 ? total * 6 / 10 : 1);

	struct venue vs;
	int r = venue_init(&vs, v, tape, err, errlen);
	if (r)
		return r;
	unsigned nin = tape->nfeat + 1;
	uint32_t sizes[4] = { nin, c.hidden[0], c.hidden[1], STRAT_ACT_COUNT };
	struct strat_mlp *on = NULL, *tg = NULL;
	struct transition *rb = NULL;
	struct strat_rng rng = { c.seed };
	uint64_t init_seed = strat_rng_next(&rng);
	r = strat_mlp_create(sizes, 4, init_seed, &on, err, errlen);
	if (r)
		goto out;
	r = strat_mlp_create(sizes, 4, init_seed, &tg, err, errlen);
	if (r)
		goto out;
	rb = core_alloc((size_t)c.replay * sizeof(*rb), 64);
	if (!rb) {
		core_errf(err, errlen, "dqn: out of memory for %u replay entries", c.replay);
		r = -ENOMEM;
		goto out;
	}

	/* normalization over the training range (double sums, fixed order) */
	float mean[STRAT_NN_MAX_WIDTH] = { 0 }, sd[STRAT_NN_MAX_WIDTH] = { 0 };
	for (unsigned i = 0; i < tape->nfeat; i++) {
		double s = 0.0, s2 = 0.0;
		for (size_t t = begin; t < end; t++) {
			double x = tape->f[t * tape->nfeat + i] / 65536.0;
			s += x;
			s2 += x * x;
		}
		double n = (double)(end - begin), m = s / n, var = s2 / n - m * m;
		mean[i] = (float)m;
		sd[i] = var > 1e-12 ? (float)sqrt(var) : 1.0f;
	}
	mean[tape->nfeat] = 0.0f;
	sd[tape->nfeat] = 0.5f;
	strat_mlp_set_norm(on, mean, sd);
	strat_mlp_copy(tg, on);

	struct strat_adam_cfg adam = { .lr = c.lr };
	uint64_t steps = 0, updates = 0, count = 0, head = 0;
	int32_t st[FEATURE_MAX + 1], st1[FEATURE_MAX + 1];
	float z[STRAT_NN_MAX_WIDTH], z1[STRAT_NN_MAX_WIDTH], qv[STRAT_NN_MAX_WIDTH],
		qn[STRAT_NN_MAX_WIDTH], qt[STRAT_NN_MAX_WIDTH];
	for (uint32_t ep = 0; ep < c.episodes; ep++) {
		size_t span = end - begin - c.episode_steps; /* >= 1 */
		size_t t0 = begin + (size_t)(strat_rng_next(&rng) % span);
		venue_reset(&vs);
		venue_arrive(&vs, t0);
		double ep_reward = 0.0, ep_loss = 0.0, e0 = equity(&vs, t0);
		uint64_t ep_updates = 0;
		float eps = c.eps_end;
		for (uint32_t k = 0; k < c.episode_steps; k++) {
			size_t t = t0 + k;
			int64_t pe = vs.pos + vs.pending;
			eps = steps >= c.eps_decay ? c.eps_end
			      : c.eps_start + (c.eps_end - c.eps_start) * (float)steps / (float)c.eps_decay;
			int a;
			if (strat_rng_uniform(&rng) < eps) {
				a = (int)(strat_rng_next(&rng) % STRAT_ACT_COUNT);
			} else {
				state_of(&vs, t, pe, st);
				strat_mlp_normalize(on, st, z);
				strat_mlp_forward(on, z, qv);
				a = argmax(qv, STRAT_ACT_COUNT);
			}
			venue_act(&vs, t, a);
			double rew;
			venue_advance(&vs, t, &rew);
			ep_reward += rew;
			struct transition *tr = &rb[head];
			tr->t = (uint32_t)t;
			tr->pos = (int32_t)pe;
			tr->pos1 = (int32_t)(vs.pos + vs.pending);
			tr->action = (uint8_t)a;
			tr->reward = (float)rew;
			head = (head + 1) % c.replay;
			if (count < c.replay)
				count++;
			steps++;
			if (count < c.learn_start || steps % c.train_every)
				continue;
			for (uint32_t b = 0; b < c.batch; b++) {
				const struct transition *x = &rb[strat_rng_next(&rng) % count];
				state_of(&vs, x->t, x->pos, st);
				state_of(&vs, x->t + 1, x->pos1, st1);
				strat_mlp_normalize(on, st, z);
				strat_mlp_normalize(on, st1, z1);
				strat_mlp_forward(on, z1, qn);
				int an = argmax(qn, STRAT_ACT_COUNT); /* online picks a' */
				strat_mlp_forward(tg, z1, qt);        /* target evaluates it */
				float y = x->reward + c.gamma * qt[an];
				strat_mlp_forward(on, z, qv);
				float dout[STRAT_ACT_COUNT] = { 0 };
				dout[x->action] = huber_grad(qv[x->action] - y, c.huber, &ep_loss);
				strat_mlp_backward(on, z, dout);
			}
			strat_mlp_adam_step(on, &adam, 1.0f / (float)c.batch);
			updates++;
			ep_updates++;
			if (updates % c.target_every == 0)
				strat_mlp_copy(tg, on);
		}
		if (progress) {
			struct strat_dqn_progress p = {
				.episode = ep + 1, .steps = steps, .updates = updates, .epsilon = eps,
				.mean_loss = ep_updates ? ep_loss / ((double)ep_updates * c.batch) : 0.0,
				.reward = ep_reward,
				.pnl = equity(&vs, t0 + c.episode_steps) - e0,
			};
			progress(ctx, &p);
		}
	}
	*ret_online = on;
	on = NULL;
	r = 0;
out:
	core_free(rb);
	strat_mlp_free(tg);
	strat_mlp_free(on);
	venue_fini(&vs);
	return r;
}
