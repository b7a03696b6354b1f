/*
 * strategy.h - Osprey's hot path: the features stage, the models it feeds
 * (linear, ensemble and regime, XGBoost trees, int8 MLP policies) and the
 * decision stage: two core_stage polls over SPSC rings that share no state,
 * so they may run on one thread or on two:
 *   md ring (struct md_event) --strat_features_poll--> feature ring (struct feature_vec)
 *   feature ring --strat_decide_poll--> intent ring (struct order_intent)
 * Training and model writing are learn.h; TA-Lib indicators, bars and
 * microstructure ta.h (the engine links neither). Last section: for tests and tools.
 *
 * Determinism: integer features, scores and decisions (rounding written out,
 * half away from zero), tree and int8 models a fixed sequence of IEEE single
 * operations that every kernel path repeats, and event time (ts_ns), never the
 * wall clock (read only to record latency): the same md_event stream, model
 * and configuration give the same intents bit for bit on every machine and
 * thread mapping.
 * Results: 0, a documented count, or a negative errno; err gets "what went
 * wrong, where" (NULL when errlen is 0); the library never prints. Threads:
 * create, load, parse, free, destroy and kernel choices are setup calls, not
 * concurrent with other uses of the object; built models are immutable, and
 * "any thread" means any number of threads at once.
 */
#ifndef OSPREY_STRATEGY_H
#define OSPREY_STRATEGY_H

#include "core.h"

/* ------------------------------------------------------------------------- */
/* Features: feature_vec.f[] indices, Q16 (FEATURE_ONE = 65536 is 1.0) rounded
 * half away from zero and saturated to int32; bps: basis points of the price.
 * Price series: the mid, kept as mid2 = bid_px + ask_px. A tick is one sample
 * of it: by default (STRAT_SAMPLE_MID_CHANGE) each event with a two-sided book
 * whose mid differs from the last tick's, so the windows follow the price path,
 * not deep-book traffic; STRAT_SAMPLE_EVERY_EVENT: each two-sided-book event.
 * Flow: MD_EXEC and MD_TRADE events with side 'B' or 'S', whatever the book.
 * The side is the resting order's (ITCH): a hit bid ('B') is seller-initiated,
 * sign -1; a lifted offer ('S') buyer-initiated, sign +1.
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

/* strat_feature_name - short name of feature index i ("spread_bps", ...), or "?". Any thread. */
const char *strat_feature_name(unsigned i);
/* strat_feature_schema_hash - FNV-1a 64 of the names, order and Q16 scale of
 * features 0 .. n-1 and the schema version. Models record it and loaders refuse
 * another, so a model never reads features it was not trained on. Any thread. */
uint64_t strat_feature_schema_hash(unsigned nfeatures);
/* strat_feature_schema - strat_feature_schema_hash(STRAT_FEATURE_COUNT), what a
 * linear or ensemble model states ("schema 0x..."). Any thread. */
uint64_t strat_feature_schema(void);
/* strat_nn_schema_hash - strat_feature_schema() extended by the names of nextra
 * appended inputs (a DQN policy: "position"; none: unchanged); int8 models store
 * it. Any thread. */
uint64_t strat_nn_schema_hash(const char *const *extra, unsigned nextra);

/* ------------------------------------------------------------------------- */
/* Features stage: md ring in, feature ring out, one feature_vec per md_event in
 * order (t0_ns, ts_ns, seq, locate, book, flags and kind copied):
 * - two-sided book (bid_px and ask_px nonzero): n = STRAT_FEATURE_COUNT; warm
 *   = 1 once the instrument's indicators are all ready (33 ticks: 32-tick
 *   return, slow EMA, RSI, volatility window); before, f[] holds what is ready
 *   and 0 elsewhere;
 * - any other event (status, one-sided book, an instrument beyond the pool):
 *   n = 0, warm = 0, f[] zero; it still carries seq downstream;
 * - MD_EOS: forwarded as a feature_vec of kind MD_EOS, then CORE_EOF.
 * Instrument state (about 1 KiB) comes from a pool allocated at create, taken
 * at an instrument's first event and kept while the stage lives.
 */
enum strat_sample {
	STRAT_SAMPLE_MID_CHANGE = 0,  /* a tick when the mid changes (default) */
	STRAT_SAMPLE_EVERY_EVENT = 1, /* a tick at every two-sided event */
};

struct strat_features_cfg {
	struct core_ring *in;  /* md_event slots; this stage is its only consumer */
	struct core_ring *out; /* feature_vec slots; this stage is its only producer */
	uint32_t burst;        /* max events per poll; 0: 32 */
	uint32_t max_instruments; /* pool size, 1..65536; 0: 1024 */
	uint32_t ema_fast, ema_slow; /* EMA periods in ticks, 1..1024; 0: 8 and 32 */
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
/* strat_features_create - allocate the stage and its pool (core_alloc); rings and
 * hist are borrowed and must outlive it. 0 and *ret_stage set; -EINVAL (NULL ring,
 * wrong slot size, parameter out of range: err names it) or -ENOMEM, untouched. */
int strat_features_create(const struct strat_features_cfg *cfg, struct strat_features **ret_stage,
			  char *err, size_t errlen);
/* strat_features_destroy - free; accepts NULL; returns NULL. Not while polling. */
struct strat_features *strat_features_destroy(struct strat_features *s);
/* strat_features_poll - core_stage poll (ctx: struct strat_features *), only on
 * the thread that consumes cfg.in and produces cfg.out. *ret_work: events
 * consumed (0: idle, or the feature ring is full and events wait in the md
 * ring: nothing is dropped). Returns 0, or CORE_EOF once EOS went out. */
int strat_features_poll(void *ctx, uint32_t *ret_work);
/* strat_features_stats - copy the (non-atomic) counters: polling thread, or once it stopped. */
void strat_features_stats(const struct strat_features *s, struct strat_features_stats *ret);

/* ------------------------------------------------------------------------- */
/* Model: a linear score over the features, from a text file:
 *   osprey-model linear v1       # first line, exactly
 *   features 4                   # N, 1..STRAT_FEATURE_COUNT: uses f[0..N-1]
 *   weights 0 1.5 0 -0.25        # N reals, each in [-1024, 1024]
 *   bias 0                       # real in [-32768, 32767]
 *   threshold 2.0                # real in (0, 32767]
 *   qty 100                      # shares per order, 1..1000000 (default 100)
 *   price opposite               # opposite (default): buy at ask, sell at bid;
 *                                #   join: buy at bid, sell at ask
 *   cooldown_events 200          # per instrument: minimum feature events (default
 *   cooldown_ns 1000000000       #   100) and event time (default 0) between intents
 *   id 1                         # 0..255, copied to order_intent.model (default 1)
 *   schema 0x0123456789abcdef    # optional: strat_feature_schema() it was built for
 * '#' starts a comment, blank lines are ignored; after the header, keys in any
 * order, each once, "features" before "weights". Reals are decimals ("-0.25",
 * "3"; not "1e-3") rounded to Q16 by integer arithmetic (the ranges keep the
 * Q32 sum in int64); a Q16 v written as v / 65536 in at most 16 decimals
 * (learn.h's strat_model_format) loads back bit for bit.
 * Score: s = bias + sum_i w_i * f_i / 65536, exact in Q32 and compared with the
 * threshold there: s > +threshold buys, s < -threshold sells. Confidence
 * (0..10000) = 10000 * |s| / (|s| + threshold): 5000 at the threshold.
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

/* strat_model_parse - a model from NUL-terminated text, linear or ensemble;
 * name is used in messages (a file, a registry key). 0 and *ret_model set (the
 * caller owns it: strat_model_free); -EINVAL with "NAME:LINE: what" (also for
 * a stated schema other than strat_feature_schema()); -ENOMEM. */
int strat_model_parse(const char *name, const char *text, struct strat_model **ret_model, char *err,
		      size_t errlen);
/* strat_model_from_blob - a model from a file's bytes (no NUL needed): text goes
 * to strat_model_parse; an .otree (binary:logistic) or a DQN .onn becomes a
 * one-member ensemble with the default regime detector and profiles. Results
 * as the loader of its kind, or -EINVAL: other binary data, another objective,
 * an .onn that is not a policy (features + position in, hold/buy/sell out). */
int strat_model_from_blob(const char *name, const void *buf, size_t len,
			  struct strat_model **ret_model, char *err, size_t errlen);
/* strat_model_load - strat_model_from_blob of a file; also -errno with "FILE:
 * what" if it cannot be read, -EFBIG beyond 1 MiB. */
int strat_model_load(const char *path, struct strat_model **ret_model, char *err, size_t errlen);
/* strat_model_from_info - a linear model from values, validated as the parser does. */
int strat_model_from_info(const struct strat_model_info *info, struct strat_model **ret_model,
			  char *err, size_t errlen);
/* strat_model_free - accepts NULL; returns NULL. */
struct strat_model *strat_model_free(struct strat_model *m);
/* strat_model_info - copy the values out (an ensemble's summary). Any thread. */
void strat_model_info(const struct strat_model *m, struct strat_model_info *ret);
/* strat_model_score - the Q16 score of f[0..nfeatures-1] rounded from Q32
 * (decisions use the exact comparison); an ensemble's vote V. Any thread. */
int64_t strat_model_score(const struct strat_model *m, const int32_t *f);

/* ------------------------------------------------------------------------- */
/* Decision stage: feature ring in, intent ring out. Per feature_vec, in order:
 * - warm, n >= the model's features, score beyond +-threshold, the instrument's
 *   cool-down passed (cooldown_events of its feature events and cooldown_ns of
 *   event time since its last intent; the first always passes): an INTENT_NEW
 *   buy or sell, px per the price mode (none if that side of the book is
 *   empty), the model's qty and id, confidence, the book's bid/ask and flags
 *   (stale, crossed, halted: risk judges them), the event's seq/ts/t0;
 * - a poll that consumed input and ended on an event without an intent pushes
 *   an INTENT_WATERMARK with its seq, ts_ns, t0_ns (every seq up to it is
 *   decided), first thing next poll if the ring is full; none after EOS;
 * - MD_EOS: INTENT_EOS (after any pending watermark), then CORE_EOF.
 * A full intent ring stops consumption (out_full counts it): nothing is dropped.
 */
/* ------------------------------------------------------------------------- */
/* Drift: the features' distribution live against a training period's.
 * A reference holds, per feature, the 9 decile edges of the training rows
 * (bin b: edge[b-1] <= f < edge[b]; ties can leave bins empty) and each
 * bin's share of those rows (osprey-train --kind reference writes it). The
 * decision stage counts warm vectors into the bins (one in drift_every); the
 * population stability index of the counts against the shares,
 * sum (a - e) ln(a / e) (empty bins as 1e-4), reads: below 0.1 stable,
 * 0.1-0.25 moving, above 0.25 shifted. */
#define STRAT_DRIFT_BINS 10
struct strat_drift_ref {
	uint64_t schema;   /* strat_feature_schema_hash(nfeatures) */
	uint32_t nfeatures;
	uint64_t rows;     /* training rows it was made from */
	int32_t edge[STRAT_FEATURE_COUNT][STRAT_DRIFT_BINS - 1];
	double share[STRAT_FEATURE_COUNT][STRAT_DRIFT_BINS];
};
/* strat_drift_ref_parse / _load - read a reference (text; caller-owned
 * struct). 0; -EINVAL with "NAME:LINE: what" (or "NAME: what") in err for a
 * malformed file, one whose schema is not the features', edges that
 * decrease or shares that do not add up to 1; _load also -errno of the open,
 * -EFBIG past 64 KiB. Setup calls, any thread. */
int strat_drift_ref_parse(const char *name, const char *text, struct strat_drift_ref *ret,
			  char *err, size_t errlen);
int strat_drift_ref_load(const char *path, struct strat_drift_ref *ret, char *err, size_t errlen);
/* strat_drift_ref_format - the text _parse reads; its length, or -ENOSPC. */
int strat_drift_ref_format(const struct strat_drift_ref *r, char *buf, size_t len);
/* strat_drift_bin - the bin of value v of feature i; strat_drift_psi - the
 * PSI of counts against feature i's shares (0 with no counts). Pure. */
unsigned strat_drift_bin(const struct strat_drift_ref *r, unsigned feature, int32_t v);
double strat_drift_psi(const struct strat_drift_ref *r, unsigned feature,
		       const uint64_t counts[STRAT_DRIFT_BINS]);

struct strat_decide_cfg {
	struct core_ring *in;  /* feature_vec slots; only consumer */
	struct core_ring *out; /* order_intent slots; only producer */
	const struct strat_model *model; /* borrowed; must outlive the stage */
	uint32_t burst;        /* 0: 32 */
	uint32_t max_instruments; /* cool-down state pool, 1..65536; 0: 1024 */
	uint32_t cooldown_events; /* override the model's value when nonzero */
	uint64_t cooldown_ns;     /* override the model's value when nonzero */
	struct core_hist_pair *hist; /* per-event ns; may be NULL */
	const struct strat_drift_ref *drift; /* borrowed, may be NULL: count the features */
	uint32_t drift_every;     /* count one warm vector in this many (0: 16) */
};

struct strat_decide_stats {
	uint64_t events;      /* feature vectors consumed (EOS included) */
	uint64_t scored;      /* warm vectors scored */
	uint64_t signals;     /* scores beyond the threshold */
	uint64_t cooldown;    /* signals suppressed by the cool-down */
	uint64_t buys, sells; /* INTENT_NEW intents pushed */
	uint64_t watermarks;  /* INTENT_WATERMARK pushed */
	uint64_t pool_full;   /* signals dropped because the instrument pool was exhausted */
	uint64_t out_full;    /* polls that stopped on a full intent ring */
	uint64_t last_seq;    /* seq of the last consumed event */
	uint64_t swaps;       /* models picked up from strat_decide_swap */
	uint64_t regime_switches; /* ensemble models: instrument regime changes */
	uint64_t votes;       /* ensemble models: votes taken */
	uint64_t votes_cut;   /* of them, stopped before every member was asked (the rest
				 could not have reached the confidence needed) */
};

struct strat_decide;
/* strat_decide_create, _destroy, _poll (ctx: struct strat_decide *), _stats -
 * as the features stage's; create also fails with -EINVAL for a NULL model or
 * one using more than STRAT_FEATURE_COUNT features. */
int strat_decide_create(const struct strat_decide_cfg *cfg, struct strat_decide **ret_stage,
			char *err, size_t errlen);
struct strat_decide *strat_decide_destroy(struct strat_decide *s);
int strat_decide_poll(void *ctx, uint32_t *ret_work);
void strat_decide_stats(const struct strat_decide *s, struct strat_decide_stats *ret);
/* strat_decide_drift - the drift counts (cfg.drift's features x bins) and
 * the vectors counted; 0 rows without a reference. The stage's thread. */
void strat_decide_drift(const struct strat_decide *s,
			uint64_t ret_counts[STRAT_FEATURE_COUNT][STRAT_DRIFT_BINS], uint64_t *ret_rows);

/* The run's timeline: a regime change of an instrument (ensemble models)
 * or a model swap, at the event time it took effect. */
enum { STRAT_CHANGE_REGIME = 1, STRAT_CHANGE_SWAP = 2 };
struct strat_decide_change {
	uint64_t ts_ns;
	uint32_t model_id;  /* STRAT_CHANGE_SWAP: the model now in force (strat_model_info.id) */
	uint16_t locate;    /* STRAT_CHANGE_REGIME */
	uint8_t kind;
	uint8_t from, to;   /* STRAT_CHANGE_REGIME: enum strat_regime */
	/* STRAT_CHANGE_REGIME: why, the detector's inputs on the vector that
	 * completed the dwell (Q16 bps): STRAT_F_VOL_BPS and |STRAT_F_EMA_CROSS_BPS| */
	int32_t vol, trend;
};
#define STRAT_DECIDE_CHANGES 4096
/* strat_decide_changes - the last STRAT_DECIDE_CHANGES changes (oldest
 * first) into out, at most cap; how many; *ret_total how many there were in
 * all. Plain reads: the stage's thread, or after it stopped. */
unsigned strat_decide_changes(const struct strat_decide *s, struct strat_decide_change *out,
			      unsigned cap, uint64_t *ret_total);
/* strat_decide_swap - publish next as the model without pausing ticks
 * (quiescent-state reclamation): the stage takes it at the start of its next
 * poll, so each vector is scored by one model. One thread at a time (the
 * control thread) while the stage polls. *ret_gen: the swap's generation. The
 * caller owns every model it gives the stage and may free the one next
 * replaces once strat_decide_quiesced(s, gen). Cool-downs come from next
 * unless cfg overrode them; per-instrument state carries over. 0, or -EINVAL,
 * nothing changed (err says why): NULL argument, more features than the stage
 * has, a stated schema not strat_feature_schema(). */
int strat_decide_swap(struct strat_decide *s, const struct strat_model *next, uint64_t *ret_gen,
		      char *err, size_t errlen);
/* strat_decide_quiesced - true once no poll can still use the model that swap
 * gen replaced (the stage began a poll with the new one, or ended). Any thread. */
bool strat_decide_quiesced(struct strat_decide *s, uint64_t gen);

/* ------------------------------------------------------------------------- */
/* Ensemble and regime: member models vote in [-1, 1] (Q16) on the feature
 * vector; V is their weighted mean (weights from validation performance). A
 * per-instrument regime detector picks the profile that turns V into an intent:
 *   regime    detected from                               default profile
 *   volatile  realized volatility (STRAT_F_VOL_BPS) high   conservative
 *   trending  |EMA cross| (STRAT_F_EMA_CROSS_BPS) high      aggressive
 *   ranging   neither (every instrument starts here)       contrarian
 * A regime is entered at its *_enter level and left below its *_exit level,
 * after `dwell` consecutive warm events indicating the change (no flapping).
 * An intent only when C = |V| >= max(min_confidence (default 0.6), the
 * profile's); side = sign(V), reversed by an `invert` profile (contrarian);
 * qty and hold (minimum feature events of the instrument between intents) from
 * the profile; confidence C in 1e-4. Votes: linear: score / own threshold,
 * clamped; tree (binary:logistic): 2p - 1; policy (DQN): its argmax from a flat
 * position, buy +1, sell -1, hold 0 (risk knows positions: an entry signal).
 * File ('#' comments; lines in any order after the header; 1 to
 * STRAT_ENSEMBLE_MAX_MEMBERS members; errors as the linear format's; a full
 * example: models/demo.model):
 *   osprey-model ensemble v1
 *   min_confidence 0.6 | id 3 | price opposite|join | cooldown_ns N | schema 0x...
 *   regime vol_enter 3 vol_exit 2 trend_enter 6 trend_exit 4 dwell 100
 *   profile contrarian min_confidence 0.7 qty 100 hold 500 invert
 *   select ranging contrarian
 *   member momentum weight 0.6 linear    (a linear model's lines, without its
 *     features 13 ... threshold 1.2     header, up to "end")
 *   end
 *   member flow weight 0.5 linear flow.model    (or tree X.otree, policy X.onn;
 *                                                relative to this file's folder)
 */
#define STRAT_ENSEMBLE_MAX_MEMBERS 8
enum strat_regime {
	STRAT_REGIME_RANGING = 0, STRAT_REGIME_TRENDING = 1, STRAT_REGIME_VOLATILE = 2,
	STRAT_REGIME_COUNT = 3,
};
enum strat_profile {
	STRAT_PROFILE_CONSERVATIVE = 0, STRAT_PROFILE_BALANCED = 1, STRAT_PROFILE_AGGRESSIVE = 2,
	STRAT_PROFILE_CONTRARIAN = 3, STRAT_PROFILE_COUNT = 4,
};
struct strat_regime_cfg {
	int32_t vol_enter, vol_exit;     /* Q16 bps per tick (STRAT_F_VOL_BPS) */
	int32_t trend_enter, trend_exit; /* Q16 bps (|STRAT_F_EMA_CROSS_BPS|) */
	uint32_t dwell;                  /* warm events a new regime must persist */
};
/* Per-instrument detector state (plain value; the decision stage keeps one per locate). */
struct strat_regime_state {
	uint8_t regime, pending;  /* enum strat_regime in force; the one being indicated */
	uint32_t count, switches; /* consecutive warm events indicating pending; changes so far */
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
	/* "calibrate A B" (osprey-train --kind calibrate): the probability of an
	 * up move given the vote v in [-1, 1] is 1 / (1 + exp(-(A v + B))),
	 * fitted on a validation period; intents then carry the probability
	 * that their side is right (order_intent.calibrated), which Kelly sizing
	 * reads. Without it (calibrated 0) the confidence is |v|. */
	bool calibrated;
	double calib_a, calib_b;
};
struct strat_ensemble;
/* strat_ensemble_p_side - the calibrated probability (0..10000) that an order
 * on side ('B' or 'S') is right, given the ensemble's vote (Q16); 0 if the
 * configuration has no calibration. Any thread. */
uint16_t strat_ensemble_p_side(const struct strat_ensemble_cfg *c, int32_t vote, uint8_t side);

/* Names ("ranging", "conservative", ...), or "?". Any thread. */
const char *strat_regime_name(enum strat_regime r);
const char *strat_profile_name(enum strat_profile p);
/* strat_ensemble_cfg_default - the defaults above, which a file overrides. */
void strat_ensemble_cfg_default(struct strat_ensemble_cfg *c);
/* strat_regime_step - the detector's state after vector fv (pure: the caller
 * stores it); vectors that are not warm leave it unchanged. Any thread. */
struct strat_regime_state strat_regime_step(const struct strat_regime_cfg *c,
					    struct strat_regime_state s,
					    const struct feature_vec *fv);
/* An ensemble model's ensemble (NULL: linear), its configuration and member
 * count; valid while the model lives. Any thread. */
const struct strat_ensemble *strat_model_ensemble(const struct strat_model *m);
const struct strat_ensemble_cfg *strat_ensemble_cfg(const struct strat_ensemble *e);
unsigned strat_ensemble_members(const struct strat_ensemble *e);
/* strat_ensemble_vote - V in Q16 [-65536, 65536]; votes (may be NULL) gets each
 * member's vote. Any thread. */
int32_t strat_ensemble_vote(const struct strat_ensemble *e, const int32_t *f, int32_t *votes);
/*
 * strat_ensemble_vote_reaching - the vote when its magnitude can reach need
 * (Q16), else 0: members are asked cheapest first (linear, then policies,
 * then trees) and the asking stops once those not yet asked, voting +-1,
 * could not lift the rounded weighted mean to need. Whenever strat_ensemble_
 * vote's magnitude is >= need, this returns the same value; below need it
 * returns that value, or 0 when the asking stopped early. *ret_asked (may be
 * NULL): the members asked. Any thread.
 */
int32_t strat_ensemble_vote_reaching(const struct strat_ensemble *e, const int32_t *f,
				     int32_t need, unsigned *ret_asked);

/* ------------------------------------------------------------------------- */
/* Tree ensembles: XGBoost's boosted trees and random forests (imported by
 * learn.h's strat_tree_from_json) on the integer features f[0 .. nfeatures-1].
 * The margin is XGBoost 1.7's bit for bit on every int32 row and on the scalar,
 * AVX2 and AVX-512 kernels alike (why: src/trees_internal.h); missing values are
 * not supported (default_left is ignored: every feature is present). Predictions
 * allocate nothing (a few hundred bytes of stack; 100 trees of depth 6: about
 * 0.4 us with AVX-512). File (.otree): little-endian, the feature schema hash in
 * the header, an FNV-1a 64 checksum at the end; byte layout beside its writer,
 * strategy/learn/src/trees_write.c.
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
	STRAT_TREE_ISA_AUTO = 0, /* the widest this CPU supports (the default at load) */
	STRAT_TREE_ISA_SCALAR = 1, STRAT_TREE_ISA_AVX2 = 2,
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

/* strat_tree_parse - a model from an .otree image (any alignment), every field
 * and the checksum checked before use; expect_schema: the caller's schema hash,
 * 0 accepts any. 0 and *ret_model set (the caller owns it); -EINVAL NULL
 * argument; -EBADMSG corrupt, truncated or inconsistent (err names the byte
 * offset and field); -EPROTO another schema hash (err gives both); -ENOMEM. */
int strat_tree_parse(const char *name, const void *buf, size_t len, uint64_t expect_schema,
		     struct strat_tree_model **ret_model, char *err, size_t errlen);
/* strat_tree_load - strat_tree_parse of a whole file; also -errno, or -EINVAL
 * for anything but a regular file of at most a maximal model's size. */
int strat_tree_load(const char *path, uint64_t expect_schema, struct strat_tree_model **ret_model,
		    char *err, size_t errlen);
/* strat_tree_check_schema - 0 if the model was trained on this build's features
 * 0 .. nfeatures-1 (hash strat_feature_schema_hash(nfeatures)), so models keep
 * loading when features are appended; else -EPROTO, both hashes in err. Any thread. */
int strat_tree_check_schema(const struct strat_tree_model *m, char *err, size_t errlen);
/* strat_tree_free - accepts NULL; returns NULL. */
struct strat_tree_model *strat_tree_free(struct strat_tree_model *m);
/* strat_tree_info - copy the model's description. Any thread. */
void strat_tree_info(const struct strat_tree_model *m, struct strat_tree_info *ret);
/* strat_tree_margin - XGBoost's output_margin for f (a float, returned exactly). Any thread. */
double strat_tree_margin(const struct strat_tree_model *m, const int32_t *f);
/* strat_tree_predict - binary:logistic: 1 / (1 + expf(-margin)) in float as
 * XGBoost; reg:squarederror: the margin. Any thread. */
double strat_tree_predict(const struct strat_tree_model *m, const int32_t *f);

/* ------------------------------------------------------------------------- */
/* Int8 MLP policies: a DQN policy (osprey-train-dqn) is an int8 MLP sizes[0] ->
 * ... -> sizes[n-1] (each 1..STRAT_NN_MAX_WIDTH, at most STRAT_NN_MAX_LAYERS
 * weight layers, ReLU between) made by learn.h's strat_qmlp_quantize, whose
 * arithmetic the scalar, AVX2 and AVX-512BW kernels repeat bit for bit. Input:
 * strat_dqn_input; output j: the value of action j; the policy takes the
 * argmax. Kernel path: process-wide, the best the CPU has, or OSPREY_NN_PATH
 * ("scalar", "avx2", "avx512") read at first use, or strat_nn_path_select.
 * File (.onn): little-endian, strat_nn_schema_hash in the header, an FNV-1a 64
 * checksum at the end; byte layout beside its writer, strategy/learn/src/
 * qmlp_write.c (kind 2 of the container: learn.h's LSTM).
 */
#define STRAT_NN_MAX_WIDTH 64
#define STRAT_NN_MAX_LAYERS 4 /* weight layers */
#define STRAT_NN_FILE_VERSION 1
enum strat_action {
	STRAT_ACT_HOLD = 0, STRAT_ACT_BUY = 1, STRAT_ACT_SELL = 2, STRAT_ACT_COUNT = 3,
};
enum strat_nn_path {
	STRAT_NN_PATH_AUTO = 0, STRAT_NN_PATH_SCALAR = 1, STRAT_NN_PATH_AVX2 = 2,
	STRAT_NN_PATH_AVX512 = 3, /* AVX-512F + BW */
};
struct strat_qmlp;
struct strat_qmlp_info {
	unsigned nsizes;
	uint32_t sizes[STRAT_NN_MAX_LAYERS + 1];
	uint64_t schema_hash;
	float act_scale[STRAT_NN_MAX_LAYERS]; /* s_0 .. s_{L-1} */
	size_t file_bytes;                    /* the .onn file's size */
};

/* strat_dqn_input - a policy's input (STRAT_FEATURE_COUNT + 1 values): v's
 * features, then the instrument's signed position pos (shares, pending orders
 * included) over its limit max_pos (> 0) in Q16, clamped to +-1. Any thread. */
void strat_dqn_input(const struct feature_vec *v, int64_t pos, int64_t max_pos, int32_t *ret);
/* strat_qmlp_parse - a model from an .onn image (name is used in messages);
 * expect_hash: the caller's schema hash, 0 accepts any. 0 and *ret_q set (the
 * caller owns it); -EINVAL with "NAME: offset N: what" (magic, version, kind,
 * truncated, checksum, schema hash, size or scale); -ENOMEM. strat_qmlp_load
 * reads a file first: also -errno with "PATH: strerror", -EINVAL over 16 MiB. */
int strat_qmlp_parse(const char *name, const void *buf, size_t len, uint64_t expect_hash,
		     struct strat_qmlp **ret_q, char *err, size_t errlen);
int strat_qmlp_load(const char *path, uint64_t expect_hash, struct strat_qmlp **ret_q, char *err,
		    size_t errlen);
/* strat_qmlp_free - accepts NULL; returns NULL. */
struct strat_qmlp *strat_qmlp_free(struct strat_qmlp *q);
/* strat_qmlp_info - copy the model's description. Any thread. */
void strat_qmlp_info(const struct strat_qmlp *q, struct strat_qmlp_info *ret);
/* strat_qmlp_forward - run on Q16 inputs x[0..sizes[0]-1] on the active path;
 * ret_out (sizes[n-1] floats, may be NULL) gets the dequantized outputs.
 * Returns the argmax (lowest index on a tie). Any thread; never allocates. */
int strat_qmlp_forward(const struct strat_qmlp *q, const int32_t *x, float *ret_out);

/* ------------------------------------------------------------------------- */
/* For tests and tools: kernel choice and introspection (choices are setup calls). */
/* strat_tree_quantize - the integer split s for XGBoost's float condition cond
 * (not NaN): for every int32 x > INT32_MIN, x > s exactly when (float)x >= cond. */
int32_t strat_tree_quantize(float cond);
/* strat_tree_leaves - each tree's leaf as an XGBoost node id, in tree order
 * (pred_leaf), into ret (room for n): ntrees, or -ENOSPC if n < ntrees (nothing
 * written). Any thread. */
int strat_tree_leaves(const struct strat_tree_model *m, const int32_t *f, int32_t *ret, uint32_t n);
/* strat_tree_set_isa - the model's kernel (AUTO: widest supported); -ENOTSUP if
 * the CPU lacks it, -EINVAL unknown (kernel unchanged). No prediction may run. */
int strat_tree_set_isa(struct strat_tree_model *m, enum strat_tree_isa isa);
/* strat_tree_isa_name - "auto", "scalar", "avx2", "avx512", or "?";
 * strat_tree_isa_parse - the inverse (-EINVAL for an unknown name). Any thread. */
const char *strat_tree_isa_name(enum strat_tree_isa isa);
int strat_tree_isa_parse(const char *name, enum strat_tree_isa *ret);
/* strat_nn_path_supported - the CPU can run path p (SCALAR and AUTO: always). Any thread. */
bool strat_nn_path_supported(enum strat_nn_path p);
/* strat_nn_path_select - set the process-wide path before model threads start:
 * 0, -ENOTSUP if the CPU lacks it (unchanged), -EINVAL unknown; AUTO re-resolves. */
int strat_nn_path_select(enum strat_nn_path p);
/* strat_nn_path_active - the path in use; strat_nn_path_name - "scalar", "avx2",
 * "avx512", "auto", or "?". Any thread. */
enum strat_nn_path strat_nn_path_active(void);
const char *strat_nn_path_name(enum strat_nn_path p);
/* strat_qmlp_trace_len - int32 accumulators of all layers, sum of sizes[1..n-1]. Any thread. */
size_t strat_qmlp_trace_len(const struct strat_qmlp *q);
/* strat_qmlp_forward_path - strat_qmlp_forward on path (AUTO: the active one);
 * ret_acc (trace_len, may be NULL) gets every layer's accumulators in order.
 * The argmax, or -ENOTSUP if the CPU lacks the path. Any thread. */
int strat_qmlp_forward_path(const struct strat_qmlp *q, enum strat_nn_path path, const int32_t *x,
			    int32_t *ret_acc, float *ret_out);

#endif /* OSPREY_STRATEGY_H */
