/*
 * strategy.h - Osprey's strategy stages: the features stage, the models it
 * feeds (linear, ensemble, tree ensembles, int8 MLP policies) and the
 * decision stage. This is the hot path's manual.
 *
 * Two stages, each a core_stage poll function over SPSC rings:
 *
 *   md ring (struct md_event) --strat_features_poll--> feature ring (struct feature_vec)
 *   feature ring --strat_decide_poll--> intent ring (struct order_intent)
 *
 * They hold no shared state, so they may run on one thread or on two.
 *
 * Sections:
 *   Features                  the feature vector, its names and schema hash
 *   Features stage            md ring -> feature ring
 *   Model                     the linear model and its text file; any model file
 *   Decision stage            feature ring -> intent ring, hot model swap
 *   Ensemble and regime       weighted member votes, regime-selected profiles
 *   Tree ensembles            XGBoost-trained trees: inference, .otree files
 *   Int8 MLP policies         DQN policies: inference, .onn files
 * Training (XGBoost import, MLP/Adam, DQN, LSTM) is learn.h; the TA-Lib
 * indicator banks, bars and microstructure are ta.h: separate libraries the
 * engine does not link.
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
/* strat_feature_schema_hash - FNV-1a 64 of the names and order of features
 * 0 .. n-1 (strat_feature_name), their Q16 scale and the schema version. A
 * model records the hash of the features it was built for; loaders refuse a
 * model whose hash differs, so a model can never read features it was not
 * trained on. Any thread. */
uint64_t strat_feature_schema_hash(unsigned nfeatures);
/* strat_feature_schema - this build's whole feature set,
 * strat_feature_schema_hash(STRAT_FEATURE_COUNT): what a linear or ensemble
 * model states ("schema 0x..."). Any thread. */
uint64_t strat_feature_schema(void);
/* strat_nn_schema_hash - strat_feature_schema() extended (FNV-1a 64) by the
 * names of nextra extra inputs a model appends (a DQN policy: "position");
 * with none, strat_feature_schema() itself. Int8 models store it. */
uint64_t strat_nn_schema_hash(const char *const *extra, unsigned nextra);

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
 * be NUL-terminated. Results as strat_model_parse, plus the tree and int8
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
 * exactly one model and no tick waits. *ret_gen is the swap's generation.
 * The caller owns every model it gave the stage (cfg.model, then each next)
 * and may free the one next replaces only once strat_decide_quiesced(s, gen)
 * is true (the stage has started a poll with the new model, or has ended);
 * next is borrowed and must outlive its use. 0, or -EINVAL (nothing changed; err
 * says why): NULL argument, more features than the stage has, or a stated
 * schema other than strat_feature_schema(). Cool-downs come from the new
 * model unless the stage's cfg overrode them; per-instrument cool-down
 * state carries over.
 */
int strat_decide_swap(struct strat_decide *s, const struct strat_model *next, uint64_t *ret_gen,
                      char *err, size_t errlen);
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
/* Tree ensembles: gradient-boosted trees and random forests trained by
 * XGBoost (imported by learn.h's strat_tree_from_json), evaluated by us over
 * the integer features.
 *
 * Features. A model reads f[0 .. nfeatures-1] of a feature_vec; XGBoost was
 * trained on (float)f and sends a row left when (float)x < cond. Rounding to
 * float is monotone, so for every cond there is one integer split s with
 *   x > s  <=>  !((float)x < cond)   for every int32 x in [INT32_MIN + 1, INT32_MAX],
 * even where float cannot represent x (strat_tree_quantize bisects for it).
 * The kernels clamp INT32_MIN to INT32_MIN + 1, which XGBoost cannot tell
 * apart, so every int32 row takes exactly XGBoost's path. Missing values are
 * not used (every feature is always present): default_left is ignored.
 *
 * Kernels. Trees are padded to the ensemble's depth (at most
 * STRAT_TREE_MAX_DEPTH) and walked without branches; scalar, AVX2 and
 * AVX-512 kernels select the same leaves (src/trees_internal.h). Leaf values
 * are added in tree order in float onto the base margin, as XGBoost's CPU
 * predictor does, so the margin is XGBoost's bit for bit (test_trees.c checks
 * every held-out row and leaf against XGBoost 1.7). binary:logistic:
 * probability = 1 / (1 + expf(-margin)) (float); reg:squarederror: the margin.
 * 100 trees of depth 6: about 0.4 us a row with AVX-512 (BENCHMARKS.md).
 *
 * File: ".otree" (layout in src/trees_file.c): little-endian, the feature
 * schema hash in the header, an FNV-1a 64 checksum at the end; the same model
 * always serializes to the same bytes.
 *
 * Results: 0 or a count on success; -EINVAL bad argument; -EBADMSG corrupt,
 * truncated or inconsistent model file (err names the byte offset and
 * field); -EPROTO the model's feature schema hash is not the one expected
 * (err gives both); -ENOTSUP an ISA this CPU lacks; -ENOMEM; -errno from
 * reading or writing a file.
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

/* strat_tree_quantize - the integer split s for XGBoost's float condition cond
 * (not NaN): for every int32 x > INT32_MIN, x > s exactly when (float)x >= cond. */
int32_t strat_tree_quantize(float cond);

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
/* Int8 MLP policies (".onn"): inference.
 *
 * A DQN policy (osprey-train-dqn) is an int8 MLP, sizes[0] -> sizes[1] -> ...
 * -> sizes[n-1] (each 1..STRAT_NN_MAX_WIDTH, at most STRAT_NN_MAX_LAYERS
 * weight layers, ReLU between them), built by learn.h (float training, then
 * strat_qmlp_quantize, which says how the scales are calibrated). Its input
 * is strat_dqn_input (the features, then the position); its outputs are the
 * values of the actions of enum strat_action, and the policy takes the argmax.
 *
 * Arithmetic, from Q16 inputs x: input q_i = rint(clamp((float)x_i * a'_i -
 * b'_i, -127, 127)) (int8); per layer acc_j = bias_q_j + sum_i w_q[j][i] *
 * q_i in int32 (int8 weights, |acc| < 2^31 always); hidden layers
 * h_j = rint(clamp((float)acc_j * M_j, 0, 255)) (ReLU folded into the clamp,
 * unsigned 8-bit); the last layer out_j = (float)acc_j * D_j. "rint" rounds
 * half to even (cvtps2dq and lrintf agree under the default MXCSR); every
 * step is one IEEE single operation, so the scalar, AVX2 and AVX-512BW
 * kernels give bit-identical accumulators and outputs (vpmaddwd on 16-bit
 * pairs: no saturation anywhere; a last layer of at most 4 outputs is done as
 * dot products).
 *
 * File: ".onn" (layout in src/qmlp.c): little-endian, the schema hash
 * (strat_nn_schema_hash) in the header, an FNV-1a 64 checksum at the end;
 * refused with -EINVAL and "NAME: offset N: what" when anything is off (bad
 * magic, version or kind, truncated, checksum, schema hash, size or scale).
 * Kind 2 of the same container is learn.h's LSTM.
 *
 * A built model is immutable and shareable by any number of threads.
 */
#define STRAT_NN_MAX_WIDTH 64
#define STRAT_NN_MAX_LAYERS 4 /* weight layers */
#define STRAT_NN_FILE_VERSION 1

/* A policy's actions: its output j is the value of action j. */
enum strat_action {
	STRAT_ACT_HOLD = 0,
	STRAT_ACT_BUY = 1,
	STRAT_ACT_SELL = 2,
	STRAT_ACT_COUNT = 3,
};

/* strat_dqn_input - a policy's input from a feature vector and the
 * instrument's signed position (shares, pending orders included) against its
 * limit max_pos (> 0): STRAT_FEATURE_COUNT features then pos / max_pos in Q16
 * (clamped to +-1). ret has STRAT_FEATURE_COUNT + 1 entries. Any thread. */
void strat_dqn_input(const struct feature_vec *v, int64_t pos, int64_t max_pos, int32_t *ret);

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
/*
 * strat_qmlp_parse - validate and load a file image of len bytes; name is used
 * in messages. expect_hash: the schema hash the caller's features have (0:
 * accept any). 0 and *ret_q set, or -EINVAL with "NAME: offset N: what", or
 * -ENOMEM. strat_qmlp_load reads the file first (-errno with "PATH: strerror"
 * if it cannot). Setup; the caller owns *ret_q.
 */
int strat_qmlp_parse(const char *name, const void *buf, size_t len, uint64_t expect_hash,
		     struct strat_qmlp **ret_q, char *err, size_t errlen);
int strat_qmlp_load(const char *path, uint64_t expect_hash, struct strat_qmlp **ret_q, char *err,
		    size_t errlen);

#endif /* OSPREY_STRATEGY_H */
