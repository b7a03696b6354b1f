/*
 * strategy.h - Osprey's indicator bank, feature stage, model and decision stage.
 *
 * Two stages, each a core_stage poll function over SPSC rings:
 *
 *   md ring (struct md_event) --strat_features_poll--> feature ring (struct feature_vec)
 *   feature ring --strat_decide_poll--> intent ring (struct order_intent)
 *
 * They hold no shared state, so they may run on one thread or on two.
 *
 * Determinism: every indicator, feature and score is computed in integer
 * arithmetic (int64, with __int128 where a product can exceed 63 bits), with
 * rounding written out (round half away from zero), and every decision uses
 * event time (ts_ns), never the wall clock. The same md_event stream, model and
 * configuration give the same intents bit for bit on every machine and thread
 * mapping. The wall clock (core_now_ns) is read only to record latency.
 *
 * Results: 0 on success, negative errno on failure; poll functions (core_poll_fn)
 * write the number of input messages consumed (0: idle or blocked on a full
 * output ring) and return 0, or CORE_EOF once end-of-stream has been forwarded.
 * Libraries never print; create/load functions write "what went wrong, where"
 * into the caller's err buffer (may be NULL when errlen is 0).
 */
#ifndef OSPREY_STRATEGY_H
#define OSPREY_STRATEGY_H

#include "core.h"

/* ------------------------------------------------------------------------- */
/* Features: struct feature_vec.f[] indices. All values are Q16 fixed point
 * (FEATURE_ONE = 65536 means 1.0), rounded half away from zero and saturated to
 * [INT32_MIN, INT32_MAX]. "bps" means basis points (1e-4) of the price, so
 * STRAT_F_SPREAD_BPS = 2.5 * 65536 means the spread is 2.5 bps of the mid.
 *
 * Price series. Indicators run on the mid price, kept as mid2 = bid_px + ask_px
 * (twice the mid, in 1e-4 units, so it stays an integer). A "tick" is one sample
 * of that series. By default (STRAT_SAMPLE_MID_CHANGE) a tick is taken at each
 * event with a two-sided book whose mid differs from the last tick's mid, so
 * the windows measure the price path rather than deep-book message traffic (an
 * add at level 5 of an L5 feed does not shift them). STRAT_SAMPLE_EVERY_EVENT
 * takes a tick at every event with a two-sided book.
 *
 * Flow. MD_EXEC and MD_TRADE events with side 'B' or 'S' update the flow
 * indicators whatever the book looks like. The side is the side of the resting
 * order that was hit (ITCH convention), so a hit bid ('B') is seller-initiated:
 * sign -1; a lifted offer ('S') is buyer-initiated: sign +1.
 */
enum strat_feature {
	STRAT_F_SPREAD_BPS = 0,  /* (ask - bid) / mid, bps. Always valid (two-sided book). */
	STRAT_F_IMBALANCE = 1,   /* (bid_qty - ask_qty) / (bid_qty + ask_qty), in [-1, 1]; 0 if both 0 */
	STRAT_F_MICRO_BPS = 2,   /* (microprice - mid) / mid, bps; microprice =
				  * (bid*ask_qty + ask*bid_qty) / (bid_qty + ask_qty) */
	STRAT_F_RET1_BPS = 3,    /* (mid - mid 1 tick ago) / mid 1 tick ago, bps */
	STRAT_F_RET8_BPS = 4,    /* the same over 8 ticks */
	STRAT_F_RET32_BPS = 5,   /* the same over 32 ticks */
	STRAT_F_EMA_FAST_BPS = 6, /* (mid - EMA_fast(mid)) / EMA_fast, bps (fast period, default 8 ticks) */
	STRAT_F_EMA_SLOW_BPS = 7, /* (mid - EMA_slow(mid)) / EMA_slow, bps (default 32 ticks) */
	STRAT_F_EMA_CROSS_BPS = 8, /* (EMA_fast - EMA_slow) / EMA_slow, bps */
	STRAT_F_RSI = 9,         /* Wilder RSI(14) of mid, centred: (RSI - 50) / 50 =
				  * (avg_gain - avg_loss) / (avg_gain + avg_loss), in [-1, 1]; 0 when flat */
	STRAT_F_VOL_BPS = 10,    /* realized volatility: sqrt(mean of squared 1-tick returns) over
				  * the last 32 ticks, bps per tick (returns kept at 1/256 bps) */
	STRAT_F_FLOW_SIGN = 11,  /* EMA(16 trades) of trade sign (+1 buyer-, -1 seller-initiated), [-1, 1] */
	STRAT_F_FLOW_QTY = 12,   /* EMA(16) of signed traded qty / EMA(16) of traded qty, [-1, 1] */
	STRAT_FEATURE_COUNT = 13,
};
static_assert(STRAT_FEATURE_COUNT <= FEATURE_MAX, "features fit a feature_vec");

/* strat_feature_name - short name of feature index i ("spread_bps", ...), or "?". */
const char *strat_feature_name(unsigned i);
/* strat_feature_schema - the hash of this build's whole feature set,
 * strat_feature_schema_hash(STRAT_FEATURE_COUNT) (see "Tree ensembles"). A
 * model states the schema it was built for; loading one built for another
 * schema is refused, so a model can never read features it was not trained
 * on. Any thread. */
uint64_t strat_feature_schema(void);

/* ------------------------------------------------------------------------- */
/* Streaming indicators (O(1) per update, integer-exact). Also usable on their
 * own (tools, tests). Inputs are integers in any unit (e.g. 1e-4 price units);
 * values are returned in Q16 of that unit. They follow TA-Lib's seeding, so
 * on a price series they agree with TA_EMA / TA_RSI up to fixed-point rounding:
 * - EMA(N): seeded with the simple mean of the first N inputs (ready at the
 *   N-th), then ema += (x - ema) * 2 / (N + 1).
 * - RSI(N) (Wilder): the first input only sets the previous value; the mean
 *   up-move and down-move of the next N inputs seed the averages (ready at
 *   input N+1); then avg = (avg * (N - 1) + move) / N.
 * Plain structs owned by the caller; no allocation. */

struct strat_ema {
	int64_t v;      /* Q16 value once ready */
	int64_t sum;    /* seeding sum */
	uint32_t period;
	uint32_t n;     /* inputs seen (saturates at period) */
};

/* strat_ema_init - period >= 1. */
void strat_ema_init(struct strat_ema *e, uint32_t period);
/* strat_ema_update - add x (|x| < 2^40). Returns true once ready (N inputs seen). */
bool strat_ema_update(struct strat_ema *e, int64_t x);
static inline bool strat_ema_ready(const struct strat_ema *e)
{
	return e->n >= e->period;
}
/* strat_ema_value - Q16 value (x units * 65536); 0 before ready. */
static inline int64_t strat_ema_value(const struct strat_ema *e)
{
	return strat_ema_ready(e) ? e->v : 0;
}

struct strat_rsi {
	int64_t prev;
	int64_t gain;   /* seeding sum, then Q16 average up-move */
	int64_t loss;   /* seeding sum, then Q16 average down-move (positive) */
	uint32_t period;
	uint32_t n;     /* inputs seen (saturates at period + 1) */
};

void strat_rsi_init(struct strat_rsi *r, uint32_t period);
/* strat_rsi_update - add x (|x| < 2^40). Returns true once ready (period + 1 inputs). */
bool strat_rsi_update(struct strat_rsi *r, int64_t x);
static inline bool strat_rsi_ready(const struct strat_rsi *r)
{
	return r->n > r->period;
}
/* strat_rsi_percent - TA-Lib's RSI, 0..100, in Q16 (100 * 65536 max); 0 when
 * flat (gain + loss == 0, as TA-Lib) or not ready. */
int32_t strat_rsi_percent(const struct strat_rsi *r);
/* strat_rsi_centred - (gain - loss) / (gain + loss) in Q16, [-65536, 65536];
 * 0 when flat or not ready (the STRAT_F_RSI feature). */
int32_t strat_rsi_centred(const struct strat_rsi *r);

/* Fixed-point helpers used by the features (exposed for tests and tools). */
/* strat_q16_ratio - round(num * scale * 65536 / den) saturated to int32; den > 0. */
int32_t strat_q16_ratio(int64_t num, int64_t den, int64_t scale);
/* strat_isqrt - floor(sqrt(x)). */
uint64_t strat_isqrt(uint64_t x);

/* ------------------------------------------------------------------------- */
/* Features stage: md ring in, feature ring out.
 *
 * One feature_vec per md_event, in order (t0_ns, ts_ns, seq, locate, book,
 * flags and kind copied):
 * - a two-sided book (bid_px and ask_px nonzero): n = STRAT_FEATURE_COUNT and
 *   warm = 1 once the instrument's indicators have all warmed up (33 ticks: the
 *   32-tick return, the slow EMA, RSI and the volatility window). Before that
 *   warm = 0, f[] holds what is ready and 0 elsewhere.
 * - any other event (status, one-sided book, an instrument beyond the pool):
 *   n = 0, warm = 0, f[] zero. It still carries seq so downstream stages learn
 *   that seq has been seen.
 * - MD_EOS: forwarded as a feature_vec with kind MD_EOS; then the poll returns
 *   CORE_EOF.
 * Instrument state (about 1 KiB each) comes from a pool allocated at create and
 * handed out on an instrument's first event; it is never freed while the stage
 * lives.
 */
enum strat_sample {
	STRAT_SAMPLE_MID_CHANGE = 0, /* a tick when the mid changes (default) */
	STRAT_SAMPLE_EVERY_EVENT = 1, /* a tick at every two-sided event */
};

struct strat_features_cfg {
	struct core_ring *in;  /* md_event slots; this stage is its only consumer */
	struct core_ring *out; /* feature_vec slots; this stage is its only producer */
	uint32_t burst;        /* max events per poll; 0: 32 */
	uint32_t max_instruments; /* pool size, 1..65536; 0: 1024 */
	uint32_t ema_fast;     /* EMA periods in ticks; 0: 8 and 32 (each 1..1024) */
	uint32_t ema_slow;
	enum strat_sample sample;
	struct core_hist_pair *hist; /* per-event processing ns; may be NULL; caller-owned */
};

struct strat_features_stats {
	uint64_t events;      /* md events consumed (EOS included) */
	uint64_t vectors;     /* feature vectors with n > 0 */
	uint64_t warm;        /* of which warm */
	uint64_t ticks;       /* price-series samples taken */
	uint64_t trades;      /* flow updates */
	uint64_t instruments; /* pool entries in use */
	uint64_t pool_full;   /* events of instruments that found the pool exhausted */
	uint64_t out_full;    /* polls that stopped because the feature ring was full */
};

struct strat_features;

/*
 * strat_features_create - allocate the stage and its pool (setup; core_alloc).
 * The rings and hist are borrowed and must outlive the stage. On success
 * *ret_stage is set and 0 returned; -EINVAL (bad ring slot size, NULL ring,
 * out-of-range parameter; err names the field) or -ENOMEM, and *ret_stage
 * is left alone.
 */
int strat_features_create(const struct strat_features_cfg *cfg, struct strat_features **ret_stage,
			  char *err, size_t errlen);
/* strat_features_destroy - free; accepts NULL; returns NULL. Not while polling. */
struct strat_features *strat_features_destroy(struct strat_features *s);
/*
 * strat_features_poll - core_stage poll (ctx = struct strat_features *). Only
 * the thread that consumes cfg.in and produces cfg.out may call it. Writes
 * the events consumed (0 when idle or when the feature ring is full: nothing
 * is dropped, the events stay in the md ring); returns 0, or CORE_EOF after
 * EOS went out.
 */
int strat_features_poll(void *ctx, uint32_t *ret_work);
/* strat_features_stats - copy the counters. From the polling thread, or after
 * it has stopped (the counters are plain, not atomic). */
void strat_features_stats(const struct strat_features *s, struct strat_features_stats *ret);

/* ------------------------------------------------------------------------- */
/* Model: a linear score over the features, loaded from a text file.
 *
 *   osprey-model linear v1          # first line, exactly
 *   features 4                      # N, 1..STRAT_FEATURE_COUNT: uses f[0..N-1]
 *   weights 0 1.5 0 -0.25           # N real numbers
 *   bias 0                          # real
 *   threshold 2.0                   # real, > 0
 *   qty 100                         # order quantity, shares, 1..1000000 (default 100)
 *   price opposite                  # "opposite": marketable limit at the opposite best
 *                                   #   (buy at ask, sell at bid; the default);
 *                                   # "join": the same-side best (buy at bid, sell at ask)
 *   cooldown_events 200             # per instrument: minimum feature events between
 *                                   #   intents (default 100)
 *   cooldown_ns 1000000000          # and minimum event time between intents (default 0)
 *   id 1                            # 0..255, copied to order_intent.model (default 1)
 *   schema 0x0123456789abcdef       # optional: strat_feature_schema() it was built for;
 *                                   #   another value is refused ("built for other features")
 *
 * '#' starts a comment; blank lines are ignored; keys may come in any order
 * after the header but each once, and "features" before "weights". Real
 * numbers are decimals ("-0.25", "3", "1e-3" is NOT accepted) converted to Q16
 * exactly by integer arithmetic (round half away from zero). Weights must
 * lie in [-1024, 1024], bias in [-32768, 32767], threshold in (0, 32767], so
 * the Q32 sum cannot overflow int64. Q16 values: a Q16 integer v is written exactly as v / 65536 in
 * at most 16 decimals, so strat_model_format() output loads back bit for bit.
 *
 * Score (Q16): s = bias + sum_i w_i * f_i / 65536, accumulated in int64 without
 * intermediate rounding (the sum is kept in Q32 and compared with threshold in
 * Q32). s > +threshold -> buy, s < -threshold -> sell. Confidence (0..10000) =
 * 10000 * |s| / (|s| + threshold): 5000 at the threshold, rising towards 10000.
 */
struct strat_model;

enum strat_price_mode {
	STRAT_PRICE_OPPOSITE = 0, /* buy at ask, sell at bid */
	STRAT_PRICE_JOIN = 1,     /* buy at bid, sell at ask */
};

struct strat_model_info {
	uint32_t nfeatures;
	int32_t weights[STRAT_FEATURE_COUNT]; /* Q16 */
	int64_t bias;                         /* Q16 */
	int64_t threshold;                    /* Q16, > 0 */
	uint32_t qty;
	enum strat_price_mode price;
	uint32_t cooldown_events;
	uint64_t cooldown_ns;
	uint8_t id;
	uint64_t schema;  /* strat_feature_schema() the model was built for; 0: not stated */
};

/*
 * strat_model_load - read and parse a model file (setup; allocates).
 * 0 and *ret_model set; -EINVAL with "FILE:LINE: what" in err for a malformed
 * file; -errno (with "FILE: strerror") if it cannot be read; -ENOMEM.
 * The caller owns the model (strat_model_free).
 */
int strat_model_load(const char *path, struct strat_model **ret_model, char *err, size_t errlen);
/* strat_model_parse - the same over a NUL-terminated string; name is used in messages
 * (e.g. a registry key when the blob comes from the database). */
int strat_model_parse(const char *name, const char *text, struct strat_model **ret_model, char *err,
		      size_t errlen);
/*
 * strat_model_from_blob - a model from a file's bytes, whatever its kind: a
 * tree model (.otree, binary:logistic) or a DQN policy (.onn) becomes a
 * one-member ensemble with the default regime detector and profiles (see
 * "Ensemble and regime"); text is parsed by strat_model_parse. buf need not
 * be NUL-terminated. Results as strat_model_parse, plus the tree and nn
 * loaders' (-EBADMSG corrupt or truncated, -EPROTO other features).
 * strat_model_load reads a file through it.
 */
int strat_model_from_blob(const char *name, const void *buf, size_t len,
			  struct strat_model **ret_model, char *err, size_t errlen);
/* strat_model_from_info - build a model from values (validated as the parser does). */
int strat_model_from_info(const struct strat_model_info *info, struct strat_model **ret_model,
			  char *err, size_t errlen);
/* strat_model_free - accepts NULL; returns NULL. */
struct strat_model *strat_model_free(struct strat_model *m);
/* strat_model_info - copy the model's values out. Any thread (the model is immutable). */
void strat_model_info(const struct strat_model *m, struct strat_model_info *ret);
/*
 * strat_model_format - write the model as a file strat_model_parse accepts.
 * Returns the length written (excluding NUL), or -ENOSPC if buf is too small
 * (4096 bytes always suffice for a linear model; an ensemble returns its
 * source text), or -ENOTSUP for a tree model or policy (its file is binary).
 */
int strat_model_format(const struct strat_model *m, char *buf, size_t len);
/* strat_model_score - the Q16 score of f[0..nfeatures-1] (rounded half away
 * from zero from Q32; decisions use the exact Q32 comparison). Any thread. */
int64_t strat_model_score(const struct strat_model *m, const int32_t *f);

/* ------------------------------------------------------------------------- */
/* Decision stage: feature ring in, intent ring out.
 *
 * Per feature_vec, in order:
 * - warm with n >= the model's features: score; above +threshold a buy, below
 *   -threshold a sell, if the instrument's cool-down has passed: at least
 *   cooldown_events feature events of that instrument and cooldown_ns of event
 *   time since its last intent (both; the first intent is always allowed).
 *   The intent is INTENT_NEW: px per the price mode (0 if that side of the
 *   book is empty: no intent then), qty from the model, bid/ask and flags of
 *   the book, confidence, model id, seq/ts/t0 of the event. The decision stage
 *   does not judge flags (stale, crossed, halted): risk is the gate.
 * - at the end of a poll that consumed input, if the last consumed event did
 *   not produce an intent: one INTENT_WATERMARK with its seq, ts_ns and t0_ns,
 *   so downstream learns every seq up to it has been decided. If the ring is
 *   full then, it is pushed by the next poll before anything else. (Not when
 *   the poll ended with EOS: EOS itself says every seq has been decided.)
 * - MD_EOS: INTENT_EOS (after any pending watermark), then CORE_EOF.
 * If the intent ring is full, the stage stops consuming (the event stays in
 * the feature ring) and counts out_full; nothing is dropped.
 */
struct strat_decide_cfg {
	struct core_ring *in;  /* feature_vec slots; only consumer */
	struct core_ring *out; /* order_intent slots; only producer */
	const struct strat_model *model; /* borrowed; must outlive the stage */
	uint32_t burst;        /* 0: 32 */
	uint32_t max_instruments; /* cool-down state pool, 1..65536; 0: 1024 */
	uint32_t cooldown_events; /* override the model's value when nonzero */
	uint64_t cooldown_ns;     /* override the model's value when nonzero */
	struct core_hist_pair *hist; /* per-event ns; may be NULL */
};

struct strat_decide_stats {
	uint64_t events;      /* feature vectors consumed (EOS included) */
	uint64_t scored;      /* warm vectors scored */
	uint64_t signals;     /* scores beyond the threshold */
	uint64_t cooldown;    /* signals suppressed by the cool-down */
	uint64_t buys;        /* INTENT_NEW buy intents pushed */
	uint64_t sells;
	uint64_t watermarks;  /* INTENT_WATERMARK pushed */
	uint64_t pool_full;   /* signals dropped because the instrument pool was exhausted */
	uint64_t out_full;    /* polls that stopped on a full intent ring */
	uint64_t last_seq;    /* seq of the last consumed event */
	uint64_t swaps;       /* models picked up from strat_decide_swap */
	uint64_t regime_switches; /* ensemble models: instrument regime changes */
};

struct strat_decide;

/* strat_decide_create - as strat_features_create; -EINVAL also when the model
 * uses more features than STRAT_FEATURE_COUNT or is NULL. */
int strat_decide_create(const struct strat_decide_cfg *cfg, struct strat_decide **ret_stage,
			char *err, size_t errlen);
struct strat_decide *strat_decide_destroy(struct strat_decide *s);
/* strat_decide_poll - core_stage poll (ctx = struct strat_decide *); the thread
 * that consumes cfg.in and produces cfg.out only. Writes the events consumed;
 * returns 0, or CORE_EOF. */
int strat_decide_poll(void *ctx, uint32_t *ret_work);
void strat_decide_stats(const struct strat_decide *s, struct strat_decide_stats *ret);

/*
 * Hot model swap, without pausing ticks (quiescent-state reclamation).
 *
 * strat_decide_swap - publish next as the stage's model. From one thread at a
 * time (the control thread), while the stage polls on its own. The stage
 * picks it up at the start of its next poll, so every vector is scored by
 * exactly one model and no tick waits. *ret_old is the model it replaces and
 * *ret_gen the swap's generation: the caller keeps ownership of both models
 * and may free *ret_old only once strat_decide_quiesced(s, gen) is true
 * (the stage has started a poll with the new model, or has ended). next is
 * borrowed and must outlive its use. 0, or -EINVAL (nothing changed; err
 * says why): NULL argument, more features than the stage has, or a stated
 * schema other than strat_feature_schema(). Cool-downs come from the new
 * model unless the stage's cfg overrode them; per-instrument cool-down
 * state carries over.
 */
int strat_decide_swap(struct strat_decide *s, const struct strat_model *next,
		      const struct strat_model **ret_old, uint64_t *ret_gen, char *err,
		      size_t errlen);
/* strat_decide_quiesced - true once no poll can still be using the model
 * that swap generation gen replaced. Any thread. */
bool strat_decide_quiesced(struct strat_decide *s, uint64_t gen);

/* ------------------------------------------------------------------------- */
/* Ensemble and regime.
 *
 * A model file may instead hold an ensemble ("osprey-model ensemble v1"):
 * several member models, each giving a vote in [-1, 1] (Q16) on the same
 * feature vector, combined as their weighted mean V (weights from the
 * members' validation performance, chosen by the tool that trained them).
 * A per-instrument regime detector picks the agent profile that turns V into
 * an intent:
 *
 *   regime    detected from                               default profile
 *   volatile  realized volatility (STRAT_F_VOL_BPS) high   conservative
 *   trending  |EMA cross| (STRAT_F_EMA_CROSS_BPS) high      aggressive
 *   ranging   neither                                      contrarian
 *
 * Hysteresis: a regime is entered at its *_enter level and left only below
 * its *_exit level, and a change takes effect only after the new regime has
 * been indicated for `dwell` consecutive warm feature events, so the profile
 * does not flap. Every instrument starts ranging.
 *
 * Decision: confidence C = |V|; an intent only when C >= max(min_confidence,
 * the profile's min_confidence) (min_confidence default 0.6: below 60% the
 * ensemble emits nothing); side = sign(V), reversed by an `invert` profile
 * (contrarian: fade the members' call); qty and holding horizon (minimum
 * feature events between intents of an instrument) from the profile; the
 * intent's confidence field is C in 1e-4. Integer arithmetic throughout
 * (tree members: XGBoost's float margin, then 2p - 1 rounded to Q16), so the
 * same features give the same intent on every path.
 *
 * Member votes: linear: score / threshold (full conviction at the member's
 * own threshold), clamped; tree (binary:logistic .otree): 2p - 1; policy
 * (a DQN .onn from osprey-train-dqn): its int8 argmax from a flat position,
 * buy +1, sell -1, hold 0 (the decision stage does not know positions: risk
 * does; the policy is used as an entry signal).
 *
 * File (keys in any order after the header; '#' comments):
 *   osprey-model ensemble v1
 *   min_confidence 0.6
 *   id 3 | price opposite|join | cooldown_ns N | schema 0x...
 *   regime vol_enter 3 vol_exit 2 trend_enter 6 trend_exit 4 dwell 100
 *   profile conservative min_confidence 0.8 qty 50 hold 2000
 *   profile contrarian min_confidence 0.7 qty 100 hold 500 invert
 *   select ranging contrarian
 *   member momentum weight 0.6 linear
 *     features 13
 *     weights ...            (a linear model's lines, without its header)
 *     threshold 1.2
 *   end
 *   member flow weight 0.5 linear flow.model     (or a linear model in its own file)
 *   member trees weight 0.4 tree gbtree.otree   (relative to this file's folder)
 *   member dqn weight 0.5 policy policy.onn
 * Errors name the file and line like the linear format's.
 */
#define STRAT_ENSEMBLE_MAX_MEMBERS 8

enum strat_regime {
	STRAT_REGIME_RANGING = 0,
	STRAT_REGIME_TRENDING = 1,
	STRAT_REGIME_VOLATILE = 2,
	STRAT_REGIME_COUNT = 3,
};

enum strat_profile {
	STRAT_PROFILE_CONSERVATIVE = 0,
	STRAT_PROFILE_BALANCED = 1,
	STRAT_PROFILE_AGGRESSIVE = 2,
	STRAT_PROFILE_CONTRARIAN = 3,
	STRAT_PROFILE_COUNT = 4,
};

struct strat_regime_cfg {
	int32_t vol_enter, vol_exit;     /* Q16 bps per tick (STRAT_F_VOL_BPS) */
	int32_t trend_enter, trend_exit; /* Q16 bps (|STRAT_F_EMA_CROSS_BPS|) */
	uint32_t dwell;                  /* warm events a new regime must persist */
};

/* Per-instrument detector state (plain value; the decision stage keeps one per locate). */
struct strat_regime_state {
	uint8_t regime;   /* enum strat_regime in force */
	uint8_t pending;  /* the regime being indicated */
	uint32_t count;   /* consecutive warm events indicating pending */
	uint32_t switches; /* regime changes so far */
};

struct strat_profile_cfg {
	int32_t min_confidence; /* Q16; the ensemble's min_confidence is a floor under it */
	uint32_t qty;
	uint32_t hold_events;   /* minimum feature events of the instrument between intents */
	bool invert;            /* trade against the ensemble's call */
};

struct strat_ensemble_cfg {
	int32_t min_confidence;  /* Q16, default 0.6 */
	enum strat_price_mode price;
	uint64_t cooldown_ns;
	uint8_t id;
	uint64_t schema;         /* stated schema, 0: none */
	struct strat_regime_cfg regime;
	struct strat_profile_cfg profile[STRAT_PROFILE_COUNT];
	enum strat_profile select[STRAT_REGIME_COUNT];
};

struct strat_ensemble;

const char *strat_regime_name(enum strat_regime r);
const char *strat_profile_name(enum strat_profile p);
/* strat_ensemble_cfg_default - the defaults listed above (what a file overrides). */
void strat_ensemble_cfg_default(struct strat_ensemble_cfg *c);
/* strat_regime_step - the detector's next state after vector fv (pure: the
 * caller stores it). Vectors that are not warm leave the state unchanged. */
struct strat_regime_state strat_regime_step(const struct strat_regime_cfg *c,
					    struct strat_regime_state s,
					    const struct feature_vec *fv);
/* strat_model_ensemble - the ensemble of an ensemble model, or NULL (linear). */
const struct strat_ensemble *strat_model_ensemble(const struct strat_model *m);
const struct strat_ensemble_cfg *strat_ensemble_cfg(const struct strat_ensemble *e);
unsigned strat_ensemble_members(const struct strat_ensemble *e);
/* strat_ensemble_vote - V in Q16 [-65536, 65536]; votes (may be NULL) gets each
 * member's vote. Any thread (the ensemble is immutable). */
int32_t strat_ensemble_vote(const struct strat_ensemble *e, const int32_t *f, int32_t *votes);

/* ------------------------------------------------------------------------- */
/* Indicator bank: batch.
 *
 * The indicators of TA-Lib 0.6.0 (TA_COMPATIBILITY_DEFAULT, unstable periods
 * 0, every function called once over the whole series with startIdx = 0),
 * computed in doubles with exactly TA-Lib's operation order, so each value is
 * the double TA-Lib returns, bit for bit (see ../shared/oracles/README.md for
 * the algorithms and their traps: SMA-seeded EMA, Wilder smoothing, MACD's
 * seed alignment, population sigma, running sums). This is a floating-point
 * module: unlike the integer indicators above it is meant for training data,
 * research tools and the oracle comparison, not for decision code.
 *
 * Output convention: every output array has n elements; element i belongs to
 * input row i; NaN marks "no value yet" (the first strat_ind_lookback()
 * rows). Inputs must be finite (NaN or infinities give unspecified values;
 * a STOCH/WILLR window holding both +0.0 and -0.0 may pick the other zero
 * than TA-Lib's index-ordered scan, identically on every path).
 * Periods are in rows. Every function returns 0, or -EINVAL for a NULL
 * required pointer or a period out of range (each function says which range;
 * no period may exceed STRAT_IND_MAX_PERIOD), or -ENOMEM where it says it
 * allocates (scratch through core_alloc, freed before returning).
 * Outputs may not alias inputs. All functions are reentrant and may be called
 * from any thread; they read the ISA selection below.
 *
 * SIMD: every function has a scalar, an AVX2 and an AVX-512 path chosen once
 * (at the first call, from the CPU) or forced with strat_ind_set_isa(). All
 * paths perform the same IEEE-754 operations in the same order for each
 * element (no FMA: the project builds with -ffp-contract=off), so they return
 * identical bits (tested on the oracle files and on random series, forcing
 * each path). The single-series recurrences (running sums, EMA, Wilder
 * averages) are sequential by definition: reordering them would change the
 * bits, so they run scalar on every path and cost what TA-Lib's loops cost.
 * The vector paths take the work that is independent per row: the windowed
 * highs and lows and the %K / %R divisions of STOCH and WILLR, STOCH's
 * smoothing divisions, ATR's true range, ROC. The *_k entry points run K
 * independent series in the SIMD lanes, each lane doing the scalar sequence;
 * that is where SMA, EMA, RSI, MACD, STOCH and ATR get faster. EMA, RSI, MACD, WMA,
 * STDDEV, BBANDS, OBV, CCI, ADX, MFI and single-series SMA are scalar code.
 */
#define STRAT_IND_MAX_PERIOD 100000

/* The 20 batch output columns, in the order and with the names of the
 * oracle files (the names carry TA-Lib's default periods; they name the
 * column whatever periods are used). */
enum strat_ind_col {
	STRAT_IND_SMA = 0,       /* SMA20: TA_SMA */
	STRAT_IND_EMA = 1,       /* EMA20: TA_EMA, seeded with the SMA of the first N */
	STRAT_IND_RSI = 2,       /* RSI14: TA_RSI (Wilder); 0 when flat */
	STRAT_IND_MACD = 3,      /* MACD_12_26_9: TA_MACD line */
	STRAT_IND_MACD_SIGNAL = 4, /* MACDSIGNAL */
	STRAT_IND_MACD_HIST = 5, /* MACDHIST */
	STRAT_IND_BB_UPPER = 6,  /* BB_UPPER_20_2: TA_BBANDS(SMA) */
	STRAT_IND_BB_MIDDLE = 7, /* BB_MIDDLE */
	STRAT_IND_BB_LOWER = 8,  /* BB_LOWER */
	STRAT_IND_STOCH_K = 9,   /* STOCH_SLOWK_14_3_3: TA_STOCH, SMA smoothing */
	STRAT_IND_STOCH_D = 10,  /* STOCH_SLOWD */
	STRAT_IND_ATR = 11,      /* ATR14: TA_ATR (Wilder) */
	STRAT_IND_OBV = 12,      /* OBV: TA_OBV, OBV[0] = volume[0] */
	STRAT_IND_STDDEV = 13,   /* STDDEV20: TA_STDDEV, population */
	STRAT_IND_WMA = 14,      /* WMA20: TA_WMA */
	STRAT_IND_ROC = 15,      /* ROC10: TA_ROC, percent */
	STRAT_IND_WILLR = 16,    /* WILLR14: TA_WILLR, [-100, 0] */
	STRAT_IND_CCI = 17,      /* CCI20: TA_CCI */
	STRAT_IND_ADX = 18,      /* ADX14: TA_ADX */
	STRAT_IND_MFI = 19,      /* MFI14: TA_MFI */
	STRAT_IND_COUNT = 20,
};

/* strat_ind_name - the oracle column name of col ("SMA20", ..., "MFI14"), or "?". */
const char *strat_ind_name(unsigned col);

/* Periods and factors; strat_ind_params_default() gives TA-Lib's defaults,
 * which are also what the oracle files use. */
struct strat_ind_params {
	uint32_t sma, ema, wma, stddev, bb, cci; /* 20 each */
	uint32_t rsi, atr, willr, adx, mfi;      /* 14 each */
	uint32_t macd_fast, macd_slow, macd_signal; /* 12, 26, 9 */
	uint32_t stoch_k, stoch_slowk, stoch_slowd; /* 14, 3, 3 (SMA smoothing) */
	uint32_t roc;                            /* 10 */
	double bb_up, bb_dn;                     /* 2.0, 2.0 (sigmas) */
	double stddev_nbdev;                     /* 1.0 */
};

/* strat_ind_params_default - fill p with the defaults listed above. */
void strat_ind_params_default(struct strat_ind_params *p);

/* strat_ind_lookback - index of the first row with a value in column col for
 * these periods (TA-Lib's lookback: SMA/EMA/WMA/STDDEV/BB/CCI p-1, RSI/ATR/MFI
 * p, ROC p, WILLR p-1, ADX 2p-1, OBV 0, MACD slow-1+signal-1, STOCH
 * k-1+slowk-1+slowd-1); -1 for an unknown column. p NULL: defaults. */
long strat_ind_lookback(const struct strat_ind_params *p, unsigned col);

/* One series. close is required; high, low and volume may be NULL
 * (close-only input): the columns that need them (STOCH, ATR, OBV, WILLR,
 * CCI, ADX, MFI) are then all NaN. open is not used by any indicator. The
 * arrays are borrowed for the duration of the call. */
struct strat_ind_series {
	const double *open, *high, *low, *close, *volume;
	size_t n;
};

/*
 * strat_ind_batch - every column at once. out[c] is an array of s->n doubles
 * owned by the caller, or NULL to skip column c. p NULL: defaults. Returns 0;
 * -EINVAL with err naming the field (NULL series or close, a period out of
 * range); -ENOMEM (scratch of STOCH, CCI or MFI with long periods, see
 * below). On failure the outputs are unspecified. err may be NULL when
 * errlen is 0.
 */
int strat_ind_batch(const struct strat_ind_params *p, const struct strat_ind_series *s,
		    double *out[STRAT_IND_COUNT], char *err, size_t errlen);

/* Per indicator. Period ranges: [2, STRAT_IND_MAX_PERIOD] unless noted. */
int strat_ind_sma(const double *x, size_t n, unsigned period, double *out);
int strat_ind_ema(const double *x, size_t n, unsigned period, double *out); /* period >= 1 */
int strat_ind_wma(const double *x, size_t n, unsigned period, double *out);
int strat_ind_rsi(const double *x, size_t n, unsigned period, double *out);
/* strat_ind_macd - fast, slow >= 2 (swapped if fast > slow, as TA-Lib does),
 * signal >= 1. Any of the three outputs may be NULL. */
int strat_ind_macd(const double *x, size_t n, unsigned fast, unsigned slow, unsigned signal,
		   double *macd, double *sig, double *hist);
/* strat_ind_bbands - SMA middle band, population sigma; any output may be NULL. */
int strat_ind_bbands(const double *x, size_t n, unsigned period, double nbdev_up, double nbdev_dn,
		     double *upper, double *middle, double *lower);
int strat_ind_stddev(const double *x, size_t n, unsigned period, double nbdev, double *out);
int strat_ind_roc(const double *x, size_t n, unsigned period, double *out); /* period >= 1 */
/* strat_ind_stoch - fastk >= 1, slowk >= 1, slowd >= 1 (SMA smoothing);
 * either output may be NULL. Allocates scratch only when slowk + slowd > 128
 * (-ENOMEM). */
int strat_ind_stoch(const double *high, const double *low, const double *close, size_t n,
		    unsigned fastk, unsigned slowk, unsigned slowd, double *slow_k, double *slow_d);
int strat_ind_atr(const double *high, const double *low, const double *close, size_t n,
		  unsigned period, double *out); /* period >= 1 (1: true range) */
int strat_ind_obv(const double *close, const double *volume, size_t n, double *out);
int strat_ind_willr(const double *high, const double *low, const double *close, size_t n,
		    unsigned period, double *out);
/* strat_ind_cci - allocates its window only for period > 64 (-ENOMEM). */
int strat_ind_cci(const double *high, const double *low, const double *close, size_t n,
		  unsigned period, double *out);
int strat_ind_adx(const double *high, const double *low, const double *close, size_t n,
		  unsigned period, double *out);
/* strat_ind_mfi - allocates its window only for period > 64 (-ENOMEM). */
int strat_ind_mfi(const double *high, const double *low, const double *close,
		  const double *volume, size_t n, unsigned period, double *out);
/* strat_ind_vwap - not a TA-Lib function: cumulative sum(TP * volume) /
 * sum(volume) from row 0, TP = (high + low + close) / 3.0, both sums
 * sequential; NaN while the cumulative volume is 0. Session resets are the
 * caller's business (call it once per session). Not in the oracle files. */
int strat_ind_vwap(const double *high, const double *low, const double *close,
		   const double *volume, size_t n, double *out);

/*
 * Multi-series entry points: k independent series of n rows each, stored
 * interleaved (x[i * k + s] is row i of series s; out likewise), computed
 * k lanes at a time; each lane performs exactly the single-series sequence,
 * so out[i * k + s] is bit for bit what the single-series function returns
 * for series s. k >= 1 (any k; lanes beyond a multiple of the vector width
 * run the scalar sequence). Same periods and results as above.
 */
int strat_ind_sma_k(const double *x, size_t n, size_t k, unsigned period, double *out);
int strat_ind_ema_k(const double *x, size_t n, size_t k, unsigned period, double *out);
int strat_ind_rsi_k(const double *x, size_t n, size_t k, unsigned period, double *out);
int strat_ind_atr_k(const double *high, const double *low, const double *close, size_t n, size_t k,
		    unsigned period, double *out);
/* strat_ind_stoch_k - as strat_ind_stoch, with 1 <= slowk, slowd <= 64 and
 * both outputs non-NULL; no allocation. */
int strat_ind_stoch_k(const double *high, const double *low, const double *close, size_t n,
		      size_t k, unsigned fastk, unsigned slowk, unsigned slowd, double *slow_k,
		      double *slow_d);
/* strat_ind_macd_k - as strat_ind_macd; the three outputs must not be NULL. */
int strat_ind_macd_k(const double *x, size_t n, size_t k, unsigned fast, unsigned slow,
		     unsigned signal, double *macd, double *sig, double *hist);

/* ISA selection for this bank (process-wide). */
enum strat_ind_isa {
	STRAT_IND_ISA_SCALAR = 0,
	STRAT_IND_ISA_AVX2 = 1,
	STRAT_IND_ISA_AVX512 = 2, /* AVX-512F + VL + DQ */
};
/* strat_ind_isa_best - the widest path this CPU supports. */
enum strat_ind_isa strat_ind_isa_best(void);
/* strat_ind_set_isa - force a path (tests, benches). 0, or -ENOTSUP if the
 * CPU lacks it (the selection is unchanged), -EINVAL for an unknown value.
 * Call it while no other thread is inside this bank. */
int strat_ind_set_isa(enum strat_ind_isa isa);
/* strat_ind_isa_current - the path in use (selected at the first call). */
enum strat_ind_isa strat_ind_isa_current(void);
/* strat_ind_isa_name - "scalar", "avx2" or "avx512": the path in use. */
const char *strat_ind_isa_name(void);

/* ------------------------------------------------------------------------- */
/* Tree ensembles: gradient-boosted trees and random forests trained by
 * XGBoost, evaluated by us over the integer features.
 *
 * Features. A model reads f[0 .. nfeatures-1] of a feature_vec, the Q16
 * integers the features stage produces; XGBoost was trained on (float)f.
 * XGBoost sends a row left at a split when (float)x < cond. Rounding to float
 * is monotone, so for every cond there is one integer split s with
 *   x > s  <=>  !((float)x < cond)   for every int32 x in [INT32_MIN + 1, INT32_MAX],
 * even where float cannot represent x (|x| > 2^24): s is found by bisection
 * over the integers (strat_tree_quantize). The kernels first clamp INT32_MIN to
 * INT32_MIN + 1, which XGBoost cannot tell apart ((float) of both is -2^31), so
 * every int32 row takes exactly XGBoost's path: no clamping is needed before
 * training. Missing values are not used (every feature is always present), so
 * the trees' default_left is ignored.
 *
 * Layout and kernels. Each tree is padded to a complete tree of the ensemble's
 * depth (at most STRAT_TREE_MAX_DEPTH) and walked without branches, i = 2i + 1
 * + (x[feat[i]] > split[i]), depth steps. The SIMD kernels walk 8 (AVX2) or 16
 * (AVX-512) trees per vector, four vectors level by level, with gathers and
 * int32 compares; the scalar kernel interleaves 8 trees. All kernels select the
 * same leaves. Leaf values are added in tree order in float onto the base
 * margin, as XGBoost's CPU predictor does, so the margin is XGBoost's bit for
 * bit (tests/strategy/test_trees.c checks every held-out row and leaf against
 * XGBoost 1.7). binary:logistic: probability = 1 / (1 + expf(-margin)) (float);
 * reg:squarederror: the margin itself. 100 trees of depth 6: about 0.4 us a row
 * with AVX-512 (BENCHMARKS.md, "Models: tree ensembles").
 *
 * Our file (".otree", little-endian, strat_tree_save / strat_tree_load):
 *   0  magic "OSPRTREE"        8  version (u32, 1)     12 header size (u32, 64)
 *   16 kind (u32)              20 objective (u32)      24 ntrees (u32)
 *   28 depth (u32)             32 nfeatures (u32)      36 num_parallel_tree (u32)
 *   40 feature schema hash (u64)                       48 base_score (f32 bits)
 *   52 base margin (f32 bits)  56 payload size (u64)
 *   64 payload: per tree, 2^depth - 1 internal nodes {feature u32, split i32},
 *      then 2^depth leaves {value f32 bits, XGBoost node id i32}
 *   end: FNV-1a 64 of every byte before it (u64; any change of one byte changes it)
 * The same model always serializes to the same bytes.
 *
 * Results: 0 or a count on success; -EINVAL bad argument or malformed JSON
 * (err: "NAME: offset N: what" or "NAME: learner...trees[3].split_indices[5]:
 * what"); -EBADMSG corrupt, truncated or inconsistent model file (err names the
 * byte offset and field); -EPROTO the model's feature schema hash is not the
 * one expected (err gives both); -ENOTSUP a model we do not evaluate
 * (multi-class, dart, categorical splits, other objectives, too deep) or an ISA
 * this CPU lacks; -ENOMEM; -errno from reading or writing a file.
 *
 * Threads: loading, saving and strat_tree_set_isa are setup calls. A loaded
 * model is immutable, so any number of threads may predict with it at once;
 * predictions allocate nothing and use a few hundred bytes of stack.
 */
#define STRAT_TREE_MAX_DEPTH 12
#define STRAT_TREE_MAX_TREES 100000
#define STRAT_TREE_MAX_NODES (1u << 24) /* padded nodes over all trees */

enum strat_tree_kind {
	STRAT_TREE_GBTREE = 1, /* boosted: num_parallel_tree == 1 */
	STRAT_TREE_RF = 2,     /* random forest: num_parallel_tree > 1 */
};

enum strat_tree_objective {
	STRAT_TREE_REG_SQUARED = 1,      /* reg:squarederror: prediction = margin */
	STRAT_TREE_BINARY_LOGISTIC = 2,  /* binary:logistic: prediction = sigmoid(margin) */
};

enum strat_tree_isa {
	STRAT_TREE_ISA_AUTO = 0,   /* the widest this CPU supports (the default at load) */
	STRAT_TREE_ISA_SCALAR = 1,
	STRAT_TREE_ISA_AVX2 = 2,
	STRAT_TREE_ISA_AVX512 = 3, /* AVX-512F */
};

struct strat_tree_info {
	enum strat_tree_kind kind;
	enum strat_tree_objective objective;
	uint32_t ntrees;
	uint32_t depth;             /* padded depth: that of the deepest tree (0: all leaves) */
	uint32_t nfeatures;         /* reads f[0 .. nfeatures-1]; <= FEATURE_MAX */
	uint32_t num_parallel_tree; /* trees per boosting round (> 1: random forest) */
	uint64_t schema_hash;       /* feature schema the model was trained for */
	float base_score;           /* XGBoost's base_score (a probability for logistic) */
	float base_margin;          /* the same in margin space */
	enum strat_tree_isa isa;    /* kernel in use */
};

struct strat_tree_model;

/* strat_feature_schema_hash - FNV-1a 64 of the names and order of features
 * 0 .. n-1 (strat_feature_name), their Q16 scale and the schema version. A
 * model records it at training; loaders refuse a model whose hash differs. */
uint64_t strat_feature_schema_hash(unsigned nfeatures);

/* strat_tree_quantize - the integer split s for XGBoost's float condition cond
 * (not NaN): for every int32 x > INT32_MIN, x > s exactly when (float)x >= cond. */
int32_t strat_tree_quantize(float cond);

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

/*
 * strat_tree_parse - a model from our file format in buf (len bytes; any
 * alignment). expect_schema: the feature schema hash the caller computes with
 * (-EPROTO if the model's differs); 0 accepts any. Every field, index, count
 * and the checksum is checked before use. Setup; the caller owns *ret_model.
 */
int strat_tree_parse(const char *name, const void *buf, size_t len, uint64_t expect_schema,
		     struct strat_tree_model **ret_model, char *err, size_t errlen);
/* strat_tree_check_schema - 0 if the model was trained on features 0 ..
 * nfeatures-1 of this build (nfeatures <= STRAT_FEATURE_COUNT and its schema
 * hash is strat_feature_schema_hash(nfeatures)), so a model keeps loading when
 * features are appended; else -EPROTO with both hashes in err. Any thread. */
int strat_tree_check_schema(const struct strat_tree_model *m, char *err, size_t errlen);
/* strat_tree_load - strat_tree_parse of a whole file. */
int strat_tree_load(const char *path, uint64_t expect_schema, struct strat_tree_model **ret_model,
		    char *err, size_t errlen);
/* strat_tree_serialize - write the file image into buf. Returns its size; if
 * len is smaller nothing is written (call with len 0 to learn the size). */
size_t strat_tree_serialize(const struct strat_tree_model *m, void *buf, size_t len);
/* strat_tree_save - write the file image to path (through path.tmp and a rename). */
int strat_tree_save(const struct strat_tree_model *m, const char *path, char *err, size_t errlen);
/* strat_tree_free - accepts NULL; returns NULL. No prediction may be running. */
struct strat_tree_model *strat_tree_free(struct strat_tree_model *m);

/* strat_tree_info - copy the model's description. Any thread. */
void strat_tree_info(const struct strat_tree_model *m, struct strat_tree_info *ret);
/* strat_tree_set_isa - choose the kernel (AUTO: the widest supported).
 * -ENOTSUP if this CPU lacks it (the model keeps its kernel). Setup only. */
int strat_tree_set_isa(struct strat_tree_model *m, enum strat_tree_isa isa);
/* strat_tree_isa_name - "auto", "scalar", "avx2", "avx512", or "?". */
const char *strat_tree_isa_name(enum strat_tree_isa isa);
/* strat_tree_isa_parse - the inverse (-EINVAL for an unknown name). */
int strat_tree_isa_parse(const char *name, enum strat_tree_isa *ret);

/* strat_tree_margin - the margin for features f[0 .. nfeatures-1]: XGBoost's
 * output_margin prediction (a float, returned exactly as a double). Any thread. */
double strat_tree_margin(const struct strat_tree_model *m, const int32_t *f);
/* strat_tree_predict - the prediction: sigmoid(margin) for binary:logistic
 * (float arithmetic as XGBoost), the margin for reg:squarederror. Any thread. */
double strat_tree_predict(const struct strat_tree_model *m, const int32_t *f);
/* strat_tree_leaves - the XGBoost node id of the leaf each tree selects, in
 * tree order (what XGBoost's pred_leaf returns). ret has room for n ids.
 * Returns ntrees, or -ENOSPC if n < ntrees (nothing written). Any thread. */
int strat_tree_leaves(const struct strat_tree_model *m, const int32_t *f, int32_t *ret, uint32_t n);

/* ------------------------------------------------------------------------- */
/* Neural models: a float MLP (training), its int8 export (inference), a
 * double-DQN trainer over a simplified venue, and the policy evaluator.
 *
 * Float MLP. Layers sizes[0] -> sizes[1] -> ... -> sizes[n-1], every size
 * 1..STRAT_NN_MAX_WIDTH, 2..STRAT_NN_MAX_LAYERS+1 sizes; ReLU after every
 * layer but the last (linear output). Weights W[l] are [out][in] row-major,
 * followed by the bias, layer after layer, in one float array (see
 * strat_mlp_params). Inputs are "normalized" floats z; the model carries the
 * normalization of raw Q16 inputs: z_i = (float)x_i * a_i - b_i with
 * a_i = 1 / (65536 * std_i) and b_i = mean_i / std_i (strat_mlp_normalize).
 * All arithmetic is single-precision IEEE without contraction (the project
 * builds with -ffp-contract=off), in a fixed order, so a given seed and data
 * give bit-identical weights on every run (checked across -O1 and -O3 builds;
 * the LSTM's expf/tanhf make its weights depend on the C library too). A
 * model is used by one thread at a
 * time (forward/backward use a workspace inside it).
 *
 * Int8 export (struct strat_qmlp), immutable once built, shareable by any
 * number of threads:
 * - weights: per output row j, symmetric int8: s_w[j] = max_i |W[j][i]| / 127,
 *   w_q = round(W / s_w[j]) in [-127, 127];
 * - activations: 8-bit per layer with one calibrated scale s_l. The input
 *   is signed int8: s_0 = the 99.9th percentile of |z| over the calibration
 *   rows / 127, q = rint(clamp((float)x * (a_i / s_0) - b_i / s_0, -127, 127)).
 *   Hidden activations follow a ReLU, so they are unsigned 8-bit: s_l = the
 *   maximum activation over the calibration rows / 255,
 *   h = rint(clamp((float)acc * M[j], 0, 255)) (ReLU folded into the clamp),
 *   M[j] = s_{l-1} * s_w[j] / s_l stored as float in the file;
 * - accumulation: acc[j] = bias_q[j] + sum_i w_q[j][i] * x_q[i] in int32
 *   (bias_q = round(b / (s_{l-1} s_w[j])), clamped to +-2^30; |acc| < 2^31
 *   always since |x_q| <= 255, |w_q| <= 127 and width <= 64);
 * - output: out[j] = (float)acc[j] * D[j], D[j] = s_{L-1} * s_w[j].
 * "rint" is round-half-to-even (the default MXCSR mode: cvtps2dq and lrintf
 * agree); every step is one IEEE single operation, so the scalar, AVX2 and
 * AVX-512BW kernels produce bit-identical accumulators and outputs. Kernels
 * multiply 16-bit pairs (vpmaddwd; weights sign-extended once at load) with
 * the outputs across the lanes: no horizontal sums and no saturation anywhere
 * (vpmaddubsw would saturate 2 * 255 * 127; this CPU has no VNNI). A last
 * layer of at most 4 outputs (the DQN's 3 actions) is computed as dot
 * products instead, so 3 outputs do not occupy 16 lanes; the integers are the
 * same.
 *
 * Model file (".onn", little-endian), refused with -EINVAL and a message
 * naming the problem when anything is off:
 *   0  magic "OSPRYNN\0"      8  u32 version (1)   12 u32 kind (1 = int8 MLP)
 *   16 u64 feature-schema hash 24 u32 nsizes       28 u32 payload bytes
 *   32 u32 sizes[8]           64 payload            end: u64 FNV-1a 64 of all
 *   bytes before it. Payload: f32 s[L] (the activation scales, for
 *   information), f32 a'[in], f32 b'[in] (the input step's a_i / s_0 and
 *   b_i / s_0); per layer: f32 M or D [out], i32 bias_q[out], i8 w_q[out][in].
 *   Kind 2 is the LSTM below.
 */
#define STRAT_NN_MAX_WIDTH 64
#define STRAT_NN_MAX_LAYERS 4 /* weight layers */
#define STRAT_NN_FILE_VERSION 1

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

/* strat_nn_schema_hash - strat_feature_schema() extended (FNV-1a 64) by the
 * names of nextra extra inputs a model appends (e.g. "position"); with none,
 * strat_feature_schema() itself. Models store it; loaders compare. */
uint64_t strat_nn_schema_hash(const char *const *extra, unsigned nextra);

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

/* Kernel paths. The active path is process-wide: chosen at first use (AUTO:
 * the best the CPU supports, or the OSPREY_NN_PATH environment variable:
 * "scalar", "avx2", "avx512"), or forced by strat_nn_path_select at setup,
 * before threads that run models start. */
enum strat_nn_path {
	STRAT_NN_PATH_AUTO = 0,
	STRAT_NN_PATH_SCALAR = 1,
	STRAT_NN_PATH_AVX2 = 2,
	STRAT_NN_PATH_AVX512 = 3, /* AVX-512F + BW */
};
/* strat_nn_path_supported - the CPU can run path p (SCALAR and AUTO: always). */
bool strat_nn_path_supported(enum strat_nn_path p);
/* strat_nn_path_select - set the active path: 0, or -ENOTSUP if the CPU lacks
 * it (the active path is unchanged), -EINVAL for an unknown value. AUTO
 * re-resolves (OSPREY_NN_PATH, then the best supported path). */
int strat_nn_path_select(enum strat_nn_path p);
enum strat_nn_path strat_nn_path_active(void);
/* strat_nn_path_name - "scalar", "avx2", "avx512", "auto", or "?". */
const char *strat_nn_path_name(enum strat_nn_path p);

struct strat_qmlp;

struct strat_qmlp_info {
	unsigned nsizes;
	uint32_t sizes[STRAT_NN_MAX_LAYERS + 1];
	uint64_t schema_hash;
	float act_scale[STRAT_NN_MAX_LAYERS]; /* s_0 .. s_{L-1} */
	size_t file_bytes;                    /* strat_qmlp_serialize length */
};

/*
 * strat_qmlp_quantize - export m to int8, calibrating the activation scales on
 * nrows Q16 input rows (row r at calib + r * stride, sizes[0] values each;
 * nrows >= 1). schema_hash is stored in the model. Setup; allocates. 0 and
 * *ret_q set; -EINVAL (err says what) or -ENOMEM. Caller owns *ret_q.
 */
int strat_qmlp_quantize(struct strat_mlp *m, const int32_t *calib, size_t nrows, size_t stride,
			uint64_t schema_hash, struct strat_qmlp **ret_q, char *err, size_t errlen);
/* strat_qmlp_free - accepts NULL; returns NULL. Only once no thread runs it. */
struct strat_qmlp *strat_qmlp_free(struct strat_qmlp *q);
void strat_qmlp_info(const struct strat_qmlp *q, struct strat_qmlp_info *ret);
/*
 * strat_qmlp_forward - run the int8 model on Q16 inputs x[0..sizes[0]-1] on
 * the active path; ret_out (sizes[n-1] floats, may be NULL) gets the
 * dequantized outputs. Returns the argmax output index (the lowest index on a
 * tie). Any thread, concurrently (scratch is on the stack); never allocates.
 */
int strat_qmlp_forward(const struct strat_qmlp *q, const int32_t *x, float *ret_out);
/* strat_qmlp_trace_len - number of int32 accumulators of all layers (the sum
 * of sizes[1..n-1]). */
size_t strat_qmlp_trace_len(const struct strat_qmlp *q);
/*
 * strat_qmlp_forward_path - strat_qmlp_forward on an explicit path (for tests
 * and benchmarks); ret_acc (trace_len int32, may be NULL) gets every layer's
 * accumulators, layer after layer. Returns the argmax, or -ENOTSUP if the CPU
 * lacks the path.
 */
int strat_qmlp_forward_path(const struct strat_qmlp *q, enum strat_nn_path path, const int32_t *x,
			    int32_t *ret_acc, float *ret_out);
/* strat_qmlp_serialize - write the file image into buf; returns its length,
 * or -ENOSPC if cap is smaller (info.file_bytes always suffices). */
long strat_qmlp_serialize(const struct strat_qmlp *q, void *buf, size_t cap);
/* strat_qmlp_save - write the file (via "PATH.tmp" and rename). 0 or -errno
 * with "PATH: what" in err. */
int strat_qmlp_save(const struct strat_qmlp *q, const char *path, char *err, size_t errlen);
/*
 * strat_qmlp_parse - validate and load a file image of len bytes; name is used
 * in messages. expect_hash: the schema hash the caller's features have (0:
 * accept any). 0 and *ret_q set, or -EINVAL with "NAME: offset N: what"
 * (bad magic, unsupported version or kind, truncated, checksum mismatch,
 * schema hash mismatch, bad size or scale), or -ENOMEM. strat_qmlp_load reads
 * the file first (-errno with "PATH: strerror" if it cannot).
 */
int strat_qmlp_parse(const char *name, const void *buf, size_t len, uint64_t expect_hash,
		     struct strat_qmlp **ret_q, char *err, size_t errlen);
int strat_qmlp_load(const char *path, uint64_t expect_hash, struct strat_qmlp **ret_q, char *err,
		    size_t errlen);

/*
 * Simplified venue and policy evaluation. A tape is a time-ordered series of
 * steps (e.g. one per warm feature vector of a capture): Q16 features and the
 * best bid and ask (price units 1e-4 dollars). A policy sees the state
 * (the step's features, then the position as a fraction of the limit in Q16)
 * and answers hold, buy or sell. Buy (sell) sends a marketable order for one
 * lot that fills `latency` steps later, in full, at the ask (bid) of that
 * step, paying `fee` dollars per share; an order that would take position
 * plus pending orders beyond max_lots lots is not sent. Equity is cash plus
 * position marked at the mid. This is a simplified model of a venue (no queue
 * position, no partial fills, no market impact, no rejects); the engine's
 * exec stage is not driven by it.
 *
 * Reward of step t (training): r = scale * (dE - inv_penalty * |pos| / lot
 * - dd_penalty * max(0, dDD) + sharpe_bonus * S - reject_penalty * refused),
 * dE the change of equity in
 * dollars from t to t+1, DD the drawdown from the equity peak, S the Sharpe
 * ratio (mean / standard deviation) of the last sharpe_window step changes of
 * equity (0 until the window is full or while it is flat).
 */
enum strat_action {
	STRAT_ACT_HOLD = 0,
	STRAT_ACT_BUY = 1,
	STRAT_ACT_SELL = 2,
	STRAT_ACT_COUNT = 3,
};

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

/* strat_dqn_input - the same policy input in the hot path, from a feature
 * vector and the instrument's signed position (shares, pending orders
 * included) against its limit max_pos (> 0): STRAT_FEATURE_COUNT features
 * then pos / max_pos in Q16 (clamped to +-1). ret has STRAT_FEATURE_COUNT + 1
 * entries. Any thread. */
void strat_dqn_input(const struct feature_vec *v, int64_t pos, int64_t max_pos, int32_t *ret);

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

/*
 * Double DQN. An episode starts at a random step of [begin, end) flat and runs
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

/*
 * LSTM forecaster. A window of the last N input rows (nin Q16 values each,
 * normalized like the MLP's) runs through one LSTM layer of H cells from a
 * zero state; a linear head on the last hidden state gives the forecast
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
 * File: the .onn container with kind 2; sizes = { nin, H, N }; payload
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

/* ------------------------------------------------------------------------- */
/* Indicator bank: streaming.
 *
 * The same 20 columns as "Indicator bank: batch" (enum strat_ind_col, struct
 * strat_ind_params), updated in O(1) per completed bar (CCI: O(period), as its
 * mean deviation needs the whole window) for one instrument, or for 8 or 16
 * instruments at once. Each update runs exactly the IEEE double operations
 * TA-Lib 0.6.0 runs for that row when called once over the whole history
 * (startIdx = 0), so after n bars out[] holds, bit for bit, row n-1 of the
 * batch functions (and of the oracle files): the SMA-seeded EMA, TA-Lib's
 * MACD seed alignment, Wilder smoothing, running sums with their rounding
 * drift, population sigma, ADX/MFI tie rules on doubles. NaN marks "no value
 * yet" (the first strat_ind_lookback() bars). Floating point, like the batch
 * section: for research, training data and tools; decision code uses the
 * integer features above.
 *
 * Periods: 2 <= period <= STRAT_IND_STREAM_MAX_PERIOD (the rings are fixed
 * size, no allocation), except EMA, ATR, MACD signal and the three STOCH
 * periods >= 1, and ROC in 1 .. 2 * STRAT_IND_STREAM_MAX_PERIOD - 1.
 * STOCH smoothing is SMA (TA-Lib's default MA type), as in the batch section.
 *
 * Threads: a bank belongs to one thread at a time; nothing here allocates,
 * prints or blocks. The structs are caller-owned (stack, arena, core_alloc)
 * and hold everything; copying one (memcpy) forks its state.
 */
#define STRAT_IND_STREAM_MAX_PERIOD 128
#define STRAT_IND_MAX_LANES 16

/* strat_ind_bank_init flags */
enum {
	STRAT_IND_CLOSE_ONLY = 1, /* bars carry close only: STOCH, ATR, OBV, WILLR, CCI,
				   * ADX, MFI and VWAP stay NaN; high/low/volume are not read */
};

/* One completed bar. open is not used by any indicator. */
struct strat_bar {
	double open, high, low, close, volume;
};

/* One instrument's bank (about 13.5 KiB). Opaque: use the functions. */
struct strat_ind_bank {
	_Alignas(64) double opaque_[1728];
};

/*
 * strat_ind_bank_init - reset *b for params p (NULL: TA-Lib's defaults) and
 * flags. Returns 0, or -EINVAL with err naming the parameter and its range
 * (b is then unusable until a successful init). err may be NULL if errlen 0.
 */
int strat_ind_bank_init(struct strat_ind_bank *b, const struct strat_ind_params *p, unsigned flags,
			char *err, size_t errlen);
/*
 * strat_ind_bank_update - add one completed bar and write the 20 columns for
 * it into out[] (NaN while warming up or not computable in close-only mode).
 * Inputs must be finite.
 *
 * SIMD across the bank: TA-Lib's recurrences are sequential, and its CCI sums
 * its window in slot order, so what one instrument can share between vector
 * lanes without changing a bit is its ~29 independent divisions and 2 square
 * roots per bar, the window highs/lows and CCI's absolute deviations: the
 * AVX2 and AVX-512 paths do those in vectors once every column is past its
 * warm-up (OHLCV mode; warm-up bars and close-only banks run the scalar
 * path). Division and square root are correctly rounded per lane, so every
 * path returns the scalar path's bits. Measured on the reference machine they
 * are no faster than the scalar path (the bar's dependency chains, CCI's ~40
 * dependent additions first, bound one instrument's update), so init selects
 * the scalar path; the multi-instrument bank is where SIMD pays.
 */
void strat_ind_bank_update(struct strat_ind_bank *b, const struct strat_bar *bar,
			   double out[STRAT_IND_COUNT]);
/* strat_ind_bank_set_isa - choose this bank's path (init selects
 * STRAT_IND_ISA_SCALAR, see above); may be called between updates. 0,
 * -ENOTSUP if the CPU lacks it, -EINVAL for an unknown value. */
int strat_ind_bank_set_isa(struct strat_ind_bank *b, enum strat_ind_isa isa);
enum strat_ind_isa strat_ind_bank_isa(const struct strat_ind_bank *b);
/* strat_ind_bank_bars - bars added since init. */
uint64_t strat_ind_bank_bars(const struct strat_ind_bank *b);
/* strat_ind_bank_vwap - sum(TP * volume) / sum(volume) over every bar since
 * init, TP = (high + low + close) / 3.0 as strat_ind_vwap computes it; NaN
 * while the volume sum is 0 or in close-only mode. */
double strat_ind_bank_vwap(const struct strat_ind_bank *b);

/* Several instruments in lockstep: lane j is instrument j; every lane gets
 * one bar per update (struct of arrays, lanes beyond `lanes` ignored). */
struct strat_bar_lanes {
	_Alignas(64) double open[STRAT_IND_MAX_LANES];
	_Alignas(64) double high[STRAT_IND_MAX_LANES];
	_Alignas(64) double low[STRAT_IND_MAX_LANES];
	_Alignas(64) double close[STRAT_IND_MAX_LANES];
	_Alignas(64) double volume[STRAT_IND_MAX_LANES];
};

/* Up to 16 instruments' banks (200 KiB). Opaque. */
struct strat_ind_multi {
	_Alignas(64) double opaque_[25600];
};

/*
 * strat_ind_multi_init - lanes 1..16 (8 and 16 fill whole vectors; others
 * run the last partial vector's lanes through the scalar path), params and
 * flags as strat_ind_bank_init, shared by every lane. The ISA is the widest
 * this CPU supports (AVX-512F+DQ+VL, else AVX2, else scalar). 0 or -EINVAL
 * (err names the field).
 */
int strat_ind_multi_init(struct strat_ind_multi *m, unsigned lanes,
			 const struct strat_ind_params *p, unsigned flags, char *err,
			 size_t errlen);
/* strat_ind_multi_set_isa - force this bank's path (tests, benches): 0, or
 * -ENOTSUP if the CPU lacks it, -EINVAL for an unknown value. Every path
 * returns the same bits: each lane runs strat_ind_bank_update's operations,
 * with data-dependent branches done as selects between identically computed
 * values. */
int strat_ind_multi_set_isa(struct strat_ind_multi *m, enum strat_ind_isa isa);
enum strat_ind_isa strat_ind_multi_isa(const struct strat_ind_multi *m);
/*
 * strat_ind_multi_update - one bar per lane; out[col][lane] as
 * strat_ind_bank_update's out[col] for that lane's instrument (out needs
 * only double alignment; entries of lanes beyond `lanes` are not written).
 */
void strat_ind_multi_update(struct strat_ind_multi *m, const struct strat_bar_lanes *in,
			    double out[STRAT_IND_COUNT][STRAT_IND_MAX_LANES]);

/* ------------------------------------------------------------------------- */
/* Bars from trades (part of "Indicator bank: streaming").
 *
 * One builder per instrument (the caller routes by locate). Trades are the
 * md events of kind MD_EXEC (ITCH E, C: px is the execution price) and
 * MD_TRADE (ITCH P, Q; crypto trades) with qty > 0; everything else only
 * advances time. Prices stay integers (1e-4) and volumes integer shares, so
 * bars are exact; strat_obar_to_bar converts to doubles for the indicator
 * bank (px / 10000.0, the double nearest the 4-decimal price, i.e. what
 * strtod gives for "223.8200").
 *
 * - STRAT_BARS_TIME: interval k = floor(ts_ns / period_ns) (integer
 *   arithmetic, ts in ns since midnight for ITCH); open = the first trade of
 *   the interval, close = the last, in event order; high/low = max/min px;
 *   volume = sum of qty. An interval without trades produces no bar (nothing
 *   is forward-filled). A bar completes when the first event (of any kind)
 *   at or after its interval's end arrives, or at strat_bars_flush.
 * - STRAT_BARS_TICK: every `size` trades.
 * - STRAT_BARS_VOLUME: a bar completes with the trade that brings its volume
 *   to >= size; trades are not split, so a bar may exceed size.
 * Session: trades with ts_ns outside [session_start_ns, session_end_ns) are
 * ignored when session_end_ns > 0.
 * These are the rules of ../shared/oracles/bars (the 1-s and 1-min AMZN bars
 * are reproduced bar for bar). Plain caller-owned struct; no allocation; one
 * thread at a time.
 */
enum strat_bars_kind {
	STRAT_BARS_TIME = 1,
	STRAT_BARS_TICK = 2,
	STRAT_BARS_VOLUME = 3,
};

struct strat_bars_cfg {
	enum strat_bars_kind kind;
	uint64_t size;             /* TIME: period in ns; TICK: trades; VOLUME: shares (> 0) */
	uint64_t session_start_ns; /* trades before are ignored */
	uint64_t session_end_ns;   /* trades at or after are ignored; 0: no session filter */
};

/* A completed bar, exact. */
struct strat_obar {
	uint64_t start_ns;  /* TIME: interval start (k * period); else the first trade's ts */
	uint64_t first_ns;  /* first and last trade times */
	uint64_t last_ns;
	uint32_t open, high, low, close; /* 1e-4 */
	uint64_t volume;    /* shares */
	uint64_t notional;  /* sum px * qty (1e-4 * shares), saturating at UINT64_MAX */
	uint32_t trades;
};

struct strat_bars {
	struct strat_bars_cfg cfg;
	struct strat_obar cur;
	uint64_t cur_end_ns;  /* TIME: end of the current interval */
	bool open;            /* cur holds at least one trade */
	uint64_t bars;        /* bars completed */
};

/* strat_bars_init - 0, or -EINVAL (unknown kind, size 0; err names the field). */
int strat_bars_init(struct strat_bars *b, const struct strat_bars_cfg *cfg, char *err,
		    size_t errlen);
/*
 * strat_bars_trade - one trade. Returns 1 with the completed bar in *ret when
 * this trade completed one (TIME: the previous interval's bar, this trade
 * starts the next; TICK/VOLUME: the bar this trade ends), else 0 (*ret
 * untouched). Trades must come in time order (an earlier ts joins the current
 * bar).
 */
int strat_bars_trade(struct strat_bars *b, uint64_t ts_ns, uint32_t px, uint32_t qty,
		     struct strat_obar *ret);
/* strat_bars_event - strat_bars_advance(ev->ts_ns), then strat_bars_trade for a
 * trade event; 1 with *ret or 0 as above (at most one bar per event). */
int strat_bars_event(struct strat_bars *b, const struct md_event *ev, struct strat_obar *ret);
/* strat_bars_advance - TIME bars: complete the current bar if now_ns is at or
 * past its interval's end (1 and *ret), else 0. Other kinds: always 0. */
int strat_bars_advance(struct strat_bars *b, uint64_t now_ns, struct strat_obar *ret);
/* strat_bars_flush - complete whatever is open (end of session): 1 and *ret, or 0. */
int strat_bars_flush(struct strat_bars *b, struct strat_obar *ret);
/* strat_obar_to_bar - doubles for the indicator bank (px / 10000.0). */
void strat_obar_to_bar(const struct strat_obar *o, struct strat_bar *ret);

/* ------------------------------------------------------------------------- */
/* Microstructure features (part of "Indicator bank: streaming").
 *
 * Integer and fixed point (Q16, FEATURE_ONE = 1.0, rounded half away from
 * zero, saturated to int32) because they feed the hot path; O(1) per event,
 * exact and deterministic. One struct per instrument, caller-owned, no
 * allocation; one thread at a time.
 *
 * Inputs: md events (top of book after the event, and trades), plus, for the
 * N-level imbalance, the quantities of the best N levels of each side, which
 * an md_event does not carry: the caller takes them from its book (e.g.
 * feeds_books_depth) and hands them to strat_micro_depth.
 *
 * Mid series: mid2 = bid_px + ask_px (twice the mid, 1e-4 units); a tick is
 * taken at each event with a two-sided, uncrossed book whose mid2 differs
 * from the last tick's (as STRAT_SAMPLE_MID_CHANGE of the features stage).
 * Trade sign: by default the ITCH convention, side is the resting order's
 * side, so 'B' (a bid was hit) is seller-initiated, -1, and 'S' is
 * buyer-initiated, +1; with cfg.taker_side (the crypto feeds, whose MD_TRADE
 * side is the taker's) 'B' is +1 and 'S' -1. Trades with another side
 * (crosses) only count towards VWAP.
 */
enum strat_micro_col {
	STRAT_MICRO_SPREAD_BPS = 0, /* (ask - bid) / mid, bps (last two-sided book) */
	STRAT_MICRO_IMB1 = 1,       /* (bid_qty - ask_qty) / (bid_qty + ask_qty), level 1; [-1, 1] */
	STRAT_MICRO_IMBN = 2,       /* the same over the N levels of the last strat_micro_depth */
	STRAT_MICRO_TRADE_SIGN = 3, /* sum of trade signs / trades, last flow_window signed trades */
	STRAT_MICRO_TRADE_QTY = 4,  /* sum of signed qty / sum of qty, same window */
	STRAT_MICRO_RET_SHORT = 5,  /* mid return over ret_short ticks, bps (0 until available) */
	STRAT_MICRO_RET_LONG = 6,   /* over ret_long ticks, bps */
	STRAT_MICRO_RVOL = 7,       /* sqrt(mean squared 1-tick return) over the last vol_window
				     * ticks, bps per tick (returns kept in 1/256 bps, clamped at
				     * +-32768 bps) */
	STRAT_MICRO_COUNT = 8,
};
#define STRAT_MICRO_MAX_WINDOW 256

/* strat_micro_name - "spread_bps", "imb1", "imbN", "trade_sign", "trade_qty",
 * "ret_short_bps", "ret_long_bps", "rvol_bps"; "?" otherwise. */
const char *strat_micro_name(unsigned col);

struct strat_micro_cfg {
	uint32_t ret_short;   /* ticks, 1..255; 0: 1 */
	uint32_t ret_long;    /* ticks, 1..255; 0: 16 */
	uint32_t vol_window;  /* ticks, 1..256; 0: 32 */
	uint32_t flow_window; /* signed trades, 1..256; 0: 32 */
	bool taker_side;      /* md_event.side of trades is the aggressor's (crypto feeds) */
};

struct strat_micro {
	struct strat_micro_cfg cfg;
	int64_t mid2[STRAT_MICRO_MAX_WINDOW];  /* tick ring */
	int32_t ret_q8[STRAT_MICRO_MAX_WINDOW]; /* 1-tick returns, 1/256 bps */
	int8_t sign[STRAT_MICRO_MAX_WINDOW];
	uint32_t qty[STRAT_MICRO_MAX_WINDOW];
	uint64_t ticks, trades;   /* mid ticks and signed trades so far */
	uint64_t sumsq;           /* sum of ret_q8^2 over the window */
	int64_t sign_sum, sqty_sum;
	uint64_t qty_sum;
	uint32_t bid_px, ask_px;  /* last two-sided book */
	uint32_t bid_qty, ask_qty;
	uint64_t depth_bid, depth_ask; /* N-level sums */
	unsigned __int128 vwap_pq;  /* sum px * qty */
	uint64_t vwap_q;            /* sum qty */
};

/* strat_micro_init - 0 or -EINVAL (err names the field). cfg NULL: defaults. */
int strat_micro_init(struct strat_micro *m, const struct strat_micro_cfg *cfg, char *err,
		     size_t errlen);
/* strat_micro_event - one md event of this instrument (any kind). */
void strat_micro_event(struct strat_micro *m, const struct md_event *ev);
/* strat_micro_depth - the quantities of the best n levels per side, best
 * first (n may differ per side; a missing level counts 0). */
void strat_micro_depth(struct strat_micro *m, const uint64_t *bid_qty, unsigned nbid,
		       const uint64_t *ask_qty, unsigned nask);
/* strat_micro_values - the STRAT_MICRO_COUNT features now, Q16. */
void strat_micro_values(const struct strat_micro *m, int32_t out[STRAT_MICRO_COUNT]);
/* strat_micro_vwap - sum(px * qty) / sum(qty) over every trade since init, in
 * 1e-4 price units, Q16 (rounded half up); 0 before the first trade. Session
 * resets: init again. */
int64_t strat_micro_vwap(const struct strat_micro *m);

#endif /* OSPREY_STRATEGY_H */
