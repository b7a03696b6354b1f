/*
 * learn.h - Osprey's training library: what builds the models strategy.h
 * runs. Linked by the tools that train or import (osprey-train,
 * osprey-train-dqn, osprey-model) and by tests and benches; the engine does
 * not link it.
 *
 * Sections:
 *   Model files           writing the linear, .otree and .onn files that
 *                         strategy.h loads
 *   XGBoost JSON import   tree ensembles trained by XGBoost -> struct
 *                         strat_tree_model (run by strategy.h)
 *   Float MLP             training (Adam, SGD) and the int8 export ->
 *                         struct strat_qmlp (run by strategy.h)
 *   Simplified venue      a tape of features and quotes, policies, and their
 *                         evaluation (P&L, Sharpe, drawdown, win rate, ...)
 *   Double DQN            trains a policy over that venue
 *   LSTM forecaster       float training and its int8 twin (no engine model
 *                         uses it yet, so its inference lives here too)
 *
 * Everything here is setup-time work: it allocates, may run as long as the
 * configuration asks, and is deterministic: all arithmetic is
 * single-precision IEEE without contraction (the project builds with
 * -ffp-contract=off) in a fixed order, and all randomness comes from a seed
 * (struct strat_rng), so a given seed and data give bit-identical weights on
 * every run (checked across -O1 and -O3 builds; the LSTM's expf/tanhf make
 * its weights depend on the C library too).
 *
 * Results: 0, or a negative errno with "what went wrong" in the caller's err
 * buffer (may be NULL when errlen is 0). The library never prints.
 * Link: strategy_learn_dep (strategy/learn/meson.build), which brings
 * strategy_dep.
 */
#ifndef OSPREY_LEARN_H
#define OSPREY_LEARN_H

#include "strategy.h"

/* A seeded generator (splitmix64): the only randomness the trainers use. */
struct strat_rng {
	uint64_t s;
};

static inline uint64_t strat_rng_next(struct strat_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* strat_rng_uniform - a float in [0, 1) with 24 random bits. */
static inline float strat_rng_uniform(struct strat_rng *r)
{
	return (float)(strat_rng_next(r) >> 40) * (1.0f / 16777216.0f);
}

/* ------------------------------------------------------------------------- */
/* Model files: the writers of what strategy.h's loaders read.
 *
 * The same model always writes the same bytes, and what is written loads
 * back bit for bit. Byte layouts: strategy/learn/src/trees_write.c (.otree),
 * strategy/learn/src/qmlp_write.c (.onn). Setup calls; the model is
 * immutable, so they may run while other threads predict with it. The save
 * functions write PATH.tmp, fsync it and rename it over PATH: 0, or -ENOMEM,
 * -ENAMETOOLONG (strat_tree_save) or the -errno of the failing open, write,
 * fsync or rename, with "PATH: what" in err.
 */

/*
 * strat_platt_fit - Platt scaling: a and b such that p = 1 / (1 + exp(-(a x +
 * b))) is the probability that y is 1 given the score x, fitted on (x[i],
 * y[i]) (y 0 or 1) by maximum likelihood with Platt's smoothed targets
 * (Newton's method, backtracking line search: Lin, Lin and Weng 2007). Fit
 * it on a period the model was not trained on. Returns 0; -EINVAL when n < 2
 * or y holds one class only; -ENOMEM; -EDOM when it does not converge in 100
 * iterations. Pure; any thread.
 */
int strat_platt_fit(const double *x, const float *y, size_t n, double *ret_a, double *ret_b);

/* strat_model_format - write the model as text strat_model_parse accepts
 * (Q16 values as exact decimals). Returns the length written (excluding
 * NUL), or -ENOSPC if buf is too small (4096 bytes always suffice for a
 * linear model; an ensemble returns its source text), or -ENOTSUP for a tree
 * model or policy (its file is binary). */
int strat_model_format(const struct strat_model *m, char *buf, size_t len);
/* strat_tree_serialize - write the .otree image into buf. Returns its size;
 * if len is smaller nothing is written (call with len 0 to learn the size). */
size_t strat_tree_serialize(const struct strat_tree_model *m, void *buf, size_t len);
/* strat_tree_save - write the .otree file to path. */
int strat_tree_save(const struct strat_tree_model *m, const char *path, char *err, size_t errlen);
/* strat_qmlp_serialize - write the .onn image into buf; returns its length,
 * or -ENOSPC if cap is smaller (strat_qmlp_info's file_bytes suffices). */
long strat_qmlp_serialize(const struct strat_qmlp *q, void *buf, size_t cap);
/* strat_qmlp_save - write the .onn file to path. */
int strat_qmlp_save(const struct strat_qmlp *q, const char *path, char *err, size_t errlen);

/* ------------------------------------------------------------------------- */
/* XGBoost JSON import.
 *
 * Results: 0; -EINVAL bad argument or malformed JSON (err: "NAME: offset N:
 * what" or "NAME: learner...trees[3].split_indices[5]: what"); -ENOTSUP a
 * model strategy.h does not evaluate (multi-class, dart, categorical splits,
 * other objectives, deeper than STRAT_TREE_MAX_DEPTH); -ENOMEM; -errno from
 * reading the file.
 */

/*
 * strat_tree_from_json - build a model from XGBoost's JSON model (save_model
 * to ".json", or XGBoosterSaveModelToBuffer with format json; XGBoost 1.x):
 * gbtree booster, objective binary:logistic or reg:squarederror, one target,
 * numerical splits only. Leaf values are split_conditions of leaf nodes (what
 * XGBoost's predictor adds); base_weights are not used. text need not be
 * NUL-terminated; name is used in messages. schema_hash is recorded in the
 * model (JSON carries none): pass strat_feature_schema_hash(n) of the features
 * the model was trained on. nfeatures is the model's num_feature, which must be
 * <= FEATURE_MAX. Setup; allocates; the caller owns *ret_model.
 */
int strat_tree_from_json(const char *name, const char *text, size_t len, uint64_t schema_hash,
			 struct strat_tree_model **ret_model, char *err, size_t errlen);
/* strat_tree_load_json - the same from a file. */
int strat_tree_load_json(const char *path, uint64_t schema_hash, struct strat_tree_model **ret_model,
			 char *err, size_t errlen);

/* ------------------------------------------------------------------------- */
/* Float MLP and its int8 export.
 *
 * Layers sizes[0] -> sizes[1] -> ... -> sizes[n-1], every size
 * 1..STRAT_NN_MAX_WIDTH, 2..STRAT_NN_MAX_LAYERS+1 sizes; ReLU after every
 * layer but the last (linear output). Weights W[l] are [out][in] row-major,
 * followed by the bias, layer after layer, in one float array (see
 * strat_mlp_params). Inputs are "normalized" floats z; the model carries the
 * normalization of raw Q16 inputs: z_i = (float)x_i * a_i - b_i with
 * a_i = 1 / (65536 * std_i) and b_i = mean_i / std_i (strat_mlp_normalize).
 * A model is used by one thread at a time (forward/backward use a workspace
 * inside it).
 *
 * Int8 export (strat_qmlp_quantize), which strategy.h's int8 kernels run:
 * - weights: per output row j, symmetric int8: s_w[j] = max_i |W[j][i]| / 127,
 *   w_q = round(W / s_w[j]) in [-127, 127];
 * - activations: 8-bit per layer with one calibrated scale s_l. The input
 *   is signed int8: s_0 = the 99.9th percentile of |z| over the calibration
 *   rows / 127, so a'_i = a_i / s_0 and b'_i = b_i / s_0. Hidden activations
 *   follow a ReLU, so they are unsigned 8-bit: s_l = the maximum activation
 *   over the calibration rows / 255, M[j] = s_{l-1} * s_w[j] / s_l;
 * - bias_q = round(b / (s_{l-1} s_w[j])), clamped to +-2^30;
 * - output: D[j] = s_{L-1} * s_w[j].
 * Inference, from Q16 inputs x: input q_i = rint(clamp((float)x_i * a'_i -
 * b'_i, -127, 127)) (int8); per layer acc_j = bias_q_j + sum_i w_q[j][i] *
 * q_i in int32 (int8 weights, |acc| < 2^31 always); hidden layers
 * h_j = rint(clamp((float)acc_j * M_j, 0, 255)) (ReLU folded into the clamp,
 * unsigned 8-bit); the last layer out_j = (float)acc_j * D_j. "rint" rounds
 * half to even (cvtps2dq and lrintf agree under the default MXCSR); every
 * step is one IEEE single operation, so the scalar, AVX2 and AVX-512BW
 * kernels give bit-identical accumulators and outputs (vpmaddwd on 16-bit
 * pairs: no saturation anywhere; a last layer of at most 4 outputs is done as
 * dot products).
 */

struct strat_mlp;

/*
 * strat_mlp_create - a float MLP with He-uniform weights drawn from seed and
 * zero biases, identity normalization (mean 0, std 1) (setup; allocates).
 * 0 and *ret_mlp set; -EINVAL (err names the bad size) or -ENOMEM. The caller
 * owns it (strat_mlp_free).
 */
int strat_mlp_create(const uint32_t *sizes, unsigned nsizes, uint64_t seed, struct strat_mlp **ret_mlp,
		     char *err, size_t errlen);
/* strat_mlp_free - accepts NULL; returns NULL. */
struct strat_mlp *strat_mlp_free(struct strat_mlp *m);
/* strat_mlp_copy - copy parameters and normalization of src into dst (the
 * target-network update); -EINVAL if their sizes differ. */
int strat_mlp_copy(struct strat_mlp *dst, const struct strat_mlp *src);
/* strat_mlp_sizes - copy the sizes into ret_sizes (STRAT_NN_MAX_LAYERS + 1
 * entries); returns nsizes. */
unsigned strat_mlp_sizes(const struct strat_mlp *m, uint32_t *ret_sizes);
/* Parameters and gradients: nparams floats each, owned by the model, valid
 * until strat_mlp_free. Layout: per layer W[out][in] then b[out]. */
size_t strat_mlp_nparams(const struct strat_mlp *m);
float *strat_mlp_params(struct strat_mlp *m);
float *strat_mlp_grads(struct strat_mlp *m);
/* strat_mlp_set_norm - input normalization in real units (Q16 / 65536):
 * z_i = (x_i / 65536 - mean_i) / std_i; std_i <= 0 is taken as 1. */
void strat_mlp_set_norm(struct strat_mlp *m, const float *mean, const float *std);
/* strat_mlp_normalize - z[0..sizes[0]-1] from Q16 inputs x. Any thread. */
void strat_mlp_normalize(const struct strat_mlp *m, const int32_t *x, float *ret_z);
/* strat_mlp_forward - out[0..sizes[n-1]-1] from normalized z. Uses the model's
 * workspace: one thread at a time. */
void strat_mlp_forward(struct strat_mlp *m, const float *z, float *ret_out);
/* strat_mlp_backward - forward z, then add d(loss)/d(params) to the gradients
 * given dout = d(loss)/d(out). One thread at a time. */
void strat_mlp_backward(struct strat_mlp *m, const float *z, const float *dout);
void strat_mlp_zero_grad(struct strat_mlp *m);

struct strat_adam_cfg {
	float lr;    /* 0: 1e-3 */
	float beta1; /* 0: 0.9 */
	float beta2; /* 0: 0.999 */
	float eps;   /* 0: 1e-8 */
	float clip;  /* clip every gradient element to [-clip, clip] after
		      * scaling; 0: no clipping */
};
/* strat_mlp_adam_step - params -= Adam(grads * grad_scale); zeroes the
 * gradients. strat_mlp_sgd_step - params -= lr * grads * grad_scale; zeroes. */
void strat_mlp_adam_step(struct strat_mlp *m, const struct strat_adam_cfg *cfg, float grad_scale);
void strat_mlp_sgd_step(struct strat_mlp *m, float lr, float grad_scale);

/*
 * strat_qmlp_quantize - export m to int8, calibrating the activation scales on
 * nrows Q16 input rows (row r at calib + r * stride, sizes[0] values each;
 * nrows >= 1). schema_hash is stored in the model. Setup; allocates. 0 and
 * *ret_q set; -EINVAL (err says what) or -ENOMEM. Caller owns *ret_q.
 */
int strat_qmlp_quantize(struct strat_mlp *m, const int32_t *calib, size_t nrows, size_t stride,
			uint64_t schema_hash, struct strat_qmlp **ret_q, char *err, size_t errlen);

/* ------------------------------------------------------------------------- */
/* Simplified venue and policy evaluation.
 *
 * A tape is a time-ordered series of steps (e.g. one per warm feature vector
 * of a capture): Q16 features and the best bid and ask (price units 1e-4
 * dollars). A policy sees the state (the step's features, then the position
 * as a fraction of the limit in Q16: what strategy.h's strat_dqn_input gives
 * in the engine) and answers hold, buy or sell (enum strat_action). Buy
 * (sell) sends a marketable order for one lot that fills `latency` steps later, in full, at the ask (bid) of that
 * step, paying `fee` dollars per share; an order that would take position
 * plus pending orders beyond max_lots lots is not sent. Equity is cash plus
 * position marked at the mid. This is a simplified model of a venue (no queue
 * position, no partial fills, no market impact, no rejects); the engine's
 * exec stage is not driven by it.
 *
 * Reward of step t (training): r = scale * (dE - inv_penalty * |pos| / lot
 * - dd_penalty * max(0, dDD) + sharpe_bonus * S - reject_penalty * refused),
 * dE the change of equity in dollars from t to t+1, DD the drawdown from the equity peak, S the Sharpe
 * ratio (mean / standard deviation) of the last sharpe_window step changes of
 * equity (0 until the window is full or while it is flat).
 */
struct strat_tape {
	size_t n;            /* steps */
	unsigned nfeat;      /* features per step, 1..FEATURE_MAX */
	const int32_t *f;    /* n * nfeat, row-major */
	const uint32_t *bid; /* n; both sides nonzero */
	const uint32_t *ask; /* n */
};

struct strat_venue_cfg {
	uint32_t lot;         /* shares per order; 0: 100 */
	uint32_t max_lots;    /* |position + pending| <= max_lots * lot; 0: 5 */
	uint32_t latency;     /* steps from decision to fill, 0..63 (0: fills at the same step) */
	double fee;           /* dollars per share, >= 0 */
	double inv_penalty;   /* per step, per lot held */
	double dd_penalty;    /* per dollar of new drawdown */
	double sharpe_bonus;  /* times the rolling Sharpe ratio, per step */
	double reject_penalty; /* dollars per order refused by the position limit
				* (breaks the tie between "buy at the limit" and hold) */
	uint32_t sharpe_window; /* steps; 0: 100 (also the evaluation's Sharpe window) */
	double reward_scale;  /* 0: 1 / (lot * 0.01): rewards in cents per share */
};

/* strat_venue_state - the policy input of step t at signed position pos
 * (shares, pending orders included): nfeat features then
 * pos / (max_lots * lot) in Q16. ret has tape->nfeat + 1 entries. */
void strat_venue_state(const struct strat_venue_cfg *v, const struct strat_tape *tape, size_t t,
		       int64_t pos, int32_t *ret);

/* A policy: returns an enum strat_action for the state (n values). */
typedef int (*strat_policy_fn)(void *ctx, const int32_t *state, unsigned n);

/* Built-in policies. hold: always STRAT_ACT_HOLD (ctx unused). momentum:
 * ctx = struct strat_momentum; buy when f[feature] > threshold, sell when it
 * is < -threshold. qmlp: ctx = const struct strat_qmlp * (argmax of its
 * outputs). mlp: ctx = struct strat_mlp * (float argmax; not thread-safe). */
struct strat_momentum {
	unsigned feature;  /* e.g. STRAT_F_RET8_BPS */
	int32_t threshold; /* Q16, >= 0 */
};
int strat_policy_hold(void *ctx, const int32_t *state, unsigned n);
int strat_policy_momentum(void *ctx, const int32_t *state, unsigned n);
int strat_policy_qmlp(void *ctx, const int32_t *state, unsigned n);
int strat_policy_mlp(void *ctx, const int32_t *state, unsigned n);

struct strat_eval {
	uint64_t steps;
	uint64_t fills;         /* orders filled */
	uint64_t refused;       /* orders not sent: beyond the position limit */
	uint64_t trades;        /* fills that reduced the position (closed shares) */
	uint64_t wins;          /* of which realized P&L > 0 */
	double pnl;             /* final equity, dollars (fees included) */
	double fees;            /* dollars */
	double max_dd;          /* largest drop from an equity peak, dollars */
	double sharpe;          /* mean / stdev of the P&L of consecutive windows of
				 * sharpe_window steps (not annualized); 0 if flat */
	double win_rate;        /* wins / trades; 0 without trades */
	double profit_factor;   /* gross realized profit / gross realized loss (each
				 * closing fill: price move times shares closed minus
				 * the fees of both sides); INFINITY without losses,
				 * 0 without trades */
	int64_t final_pos;      /* shares */
};

/*
 * strat_venue_eval - replay steps [begin, end) of tape with policy; fill ret.
 * ret_states (may be NULL) receives the state seen at each step,
 * (end - begin) * (nfeat + 1) values. 0, or -EINVAL (empty range, bad tape or
 * configuration). Thread: any, as far as the policy allows.
 */
int strat_venue_eval(const struct strat_venue_cfg *v, const struct strat_tape *tape, size_t begin,
		     size_t end, strat_policy_fn policy, void *ctx, struct strat_eval *ret,
		     int32_t *ret_states);

/* ------------------------------------------------------------------------- */
/* Double DQN.
 *
 * An episode starts at a random step of [begin, end) flat and runs
 * episode_steps steps. Every step: epsilon-greedy action from the online
 * network (epsilon decays linearly from eps_start to eps_end over eps_decay
 * steps), the transition (t, position, action, reward, next position) goes to
 * a ring buffer of replay entries; every train_every steps (after learn_start
 * transitions) a minibatch drawn uniformly from the buffer takes one Adam
 * step on the Huber loss of Q(s, a) - y, with the double-Q target
 * y = r + gamma * Q_target(s', argmax_a' Q_online(s', a')). The target network
 * copies the online one every target_every gradient steps. Inputs are
 * normalized by the mean and standard deviation of [begin, end). All
 * randomness comes from seed: the same seed, tape and configuration give
 * bit-identical weights.
 */
struct strat_dqn_cfg {
	uint32_t hidden[2];     /* hidden widths; 0: 64 and 64 */
	uint32_t episodes;      /* 0: 20 */
	uint32_t episode_steps; /* 0: 5000 (capped at the range) */
	uint32_t replay;        /* buffer entries; 0: 50000 */
	uint32_t batch;         /* 0: 32 */
	uint32_t learn_start;   /* 0: 1000 */
	uint32_t train_every;   /* 0: 4 */
	uint32_t target_every;  /* K; 0: 250 */
	float gamma;            /* 0: 0.95 */
	float lr;               /* 0: 5e-4 */
	float huber;            /* Huber delta; 0: 1 */
	float eps_start;        /* 0: 1 */
	float eps_end;          /* 0: 0.05 */
	uint32_t eps_decay;     /* steps; 0: 60% of all steps */
	uint64_t seed;
};

struct strat_dqn_progress {
	uint32_t episode;       /* 1-based, the one that just ended */
	uint64_t steps;         /* total environment steps */
	uint64_t updates;       /* gradient steps */
	float epsilon;
	double mean_loss;       /* Huber loss per sample over the episode's updates */
	double reward;          /* episode's total reward */
	double pnl;             /* episode's equity change, dollars */
};

typedef void (*strat_dqn_progress_fn)(void *ctx, const struct strat_dqn_progress *p);

/*
 * strat_dqn_train - train on steps [begin, end) of tape (end - begin >= 2);
 * progress (may be NULL) is called after every episode. 0 and *ret_online set
 * (a network nfeat + 1 -> hidden -> hidden -> 3, owned by the caller), or
 * -EINVAL / -ENOMEM with err set. Setup-time work: allocates, runs for as long
 * as the configuration asks, one thread.
 */
int strat_dqn_train(const struct strat_dqn_cfg *cfg, const struct strat_venue_cfg *v,
		    const struct strat_tape *tape, size_t begin, size_t end,
		    strat_dqn_progress_fn progress, void *ctx, struct strat_mlp **ret_online,
		    char *err, size_t errlen);

/* ------------------------------------------------------------------------- */
/* LSTM forecaster.
 *
 * A window of the last N input rows (nin Q16 values each, normalized like
 * the MLP's) runs through one LSTM layer of H cells from a zero state; a linear head on the last hidden state gives the forecast
 * (e.g. the next-horizon return in bps). Gates i, f, g, o, in that order:
 *   a = Wx x_t + Wh h_{t-1} + b,  i, f, o = sigmoid(a),  g = tanh(a),
 *   c_t = f c_{t-1} + i g,  h_t = o tanh(c_t),  y = wy . h_N + by.
 * Limits: 1 <= nin <= 32, 1 <= H <= 32, 1 <= N <= 64. Training is BPTT over
 * the window (strat_lstm_backward), Adam, single-precision and deterministic
 * like the MLP; one thread at a time per model.
 *
 * Int8 inference (struct strat_qlstm, immutable, any thread): per-row int8
 * Wx, Wh and wy (scale max|w| / 127); the input quantized as the MLP's (s_x
 * from the 99.9th percentile of |z|); h_{t-1} as int8 with the fixed scale
 * 1/127 (|h| < 1). Per step: int32 accumulators ax = Wx_q x_q and
 * ah = Wh_q h_q (the vpmaddwd kernels: scalar, AVX2, AVX-512BW, bit-identical),
 * then pre = (float)ax * mx[j] + (float)ah * mh[j] + b[j] (three IEEE single
 * operations in that order) indexes a table k = rint(clamp(pre * 64, -512,
 * 512)) of sigmoid / tanh in Q15 (built at load from double exp/tanh); the
 * cell is integer: c = (f c + i g + 2^14) >> 15 in Q15 (clamped to +-16),
 * h = (o tanh(c) + 2^14) >> 15, h_q = (127 h + 2^14) >> 15 (arithmetic
 * shifts); y = (float)(wy_q . h_q) * sy + by. The AVX-512 path also runs
 * the element-wise part 16 cells at a time (gathers from the tables, 64-bit
 * products for f c); it computes the same integers, so states and forecasts
 * are bit-identical across paths (tested).
 *
 * File: the .onn container (strategy/learn/src/qmlp_write.c) with kind 2;
 * sizes = { nin, H, N }; payload
 * f32 s_x, f32 a'[nin], f32 b'[nin], f32 mx[4H], f32 mh[4H], f32 b[4H],
 * i8 Wx[4H][nin], i8 Wh[4H][H], f32 sy, f32 by, i8 wy[H].
 */
#define STRAT_LSTM_MAX_IN 32
#define STRAT_LSTM_MAX_HIDDEN 32
#define STRAT_LSTM_MAX_WINDOW 64

struct strat_lstm;

/* strat_lstm_create - random weights from seed (uniform +-1/sqrt(H)), forget
 * bias 1, identity normalization. 0, -EINVAL (err names the size), -ENOMEM. */
int strat_lstm_create(uint32_t nin, uint32_t hidden, uint32_t window, uint64_t seed,
		      struct strat_lstm **ret, char *err, size_t errlen);
struct strat_lstm *strat_lstm_free(struct strat_lstm *m);
size_t strat_lstm_nparams(const struct strat_lstm *m);
float *strat_lstm_params(struct strat_lstm *m);
float *strat_lstm_grads(struct strat_lstm *m);
/* strat_lstm_set_norm / strat_lstm_normalize - as the MLP's, per input. */
void strat_lstm_set_norm(struct strat_lstm *m, const float *mean, const float *std);
void strat_lstm_normalize(const struct strat_lstm *m, const int32_t *x, float *ret_z);
/* strat_lstm_forward - the forecast for a window of N normalized rows
 * (z[t * nin + i]). One thread at a time (workspace in the model). */
float strat_lstm_forward(struct strat_lstm *m, const float *z);
/* strat_lstm_backward - forward, then add d(loss)/d(params) for dloss/dy = dy. */
void strat_lstm_backward(struct strat_lstm *m, const float *z, float dy);
/* strat_lstm_adam_step - as strat_mlp_adam_step. */
void strat_lstm_adam_step(struct strat_lstm *m, const struct strat_adam_cfg *cfg, float grad_scale);

struct strat_qlstm;

/* The streaming state of one series: caller-owned, zeroed = the start. */
struct strat_qlstm_state {
	int32_t c[STRAT_LSTM_MAX_HIDDEN]; /* Q15 */
	int16_t h[STRAT_LSTM_MAX_HIDDEN + 2]; /* int8 values (scale 1/127), zero-padded */
	uint32_t steps;
};

/* strat_qlstm_quantize - export m; calibration: nrows Q16 input rows (row r
 * at calib + r * stride). 0, -EINVAL, -ENOMEM; caller owns *ret. */
int strat_qlstm_quantize(struct strat_lstm *m, const int32_t *calib, size_t nrows, size_t stride,
			 uint64_t schema_hash, struct strat_qlstm **ret, char *err, size_t errlen);
struct strat_qlstm *strat_qlstm_free(struct strat_qlstm *q);
/* strat_qlstm_step - advance st by one Q16 input row on path (AUTO: the
 * active path); -ENOTSUP if the CPU lacks it, else 0. Any thread (st is the
 * caller's); never allocates. */
int strat_qlstm_step(const struct strat_qlstm *q, enum strat_nn_path path, struct strat_qlstm_state *st,
		     const int32_t *x);
/* strat_qlstm_output - the forecast from the current state. */
float strat_qlstm_output(const struct strat_qlstm *q, const struct strat_qlstm_state *st);
/* strat_qlstm_forecast - zero state, N steps over rows (rows[t * stride]),
 * the output: the int8 twin of strat_lstm_forward. ret_state may be NULL. */
int strat_qlstm_forecast(const struct strat_qlstm *q, enum strat_nn_path path, const int32_t *rows,
			 size_t stride, float *ret_y, struct strat_qlstm_state *ret_state);
/* Files, as the MLP's (kind 2). */
size_t strat_qlstm_file_bytes(const struct strat_qlstm *q);
long strat_qlstm_serialize(const struct strat_qlstm *q, void *buf, size_t cap);
int strat_qlstm_parse(const char *name, const void *buf, size_t len, uint64_t expect_hash,
		      struct strat_qlstm **ret_q, char *err, size_t errlen);

#endif /* OSPREY_LEARN_H */
