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
 * Results: 0 on success, negative errno on failure; poll functions return the
 * number of input messages consumed (0: idle or blocked on a full output ring),
 * CORE_EOF once end-of-stream has been forwarded, or a negative errno.
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
/* strat_feature_schema - a hash (FNV-1a 64) of the feature set: the count,
 * every name in order and the Q16 scale. A model states the schema it was
 * built for; loading one built for another schema is refused, so a model can
 * never read features it was not trained on. Any thread. */
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
 * the thread that consumes cfg.in and produces cfg.out may call it. Returns
 * events consumed (0 when idle or when the feature ring is full: nothing is
 * dropped, the events stay in the md ring), or CORE_EOF after EOS went out.
 */
int strat_features_poll(void *ctx);
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
 * (4096 bytes always suffice).
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
};

struct strat_decide;

/* strat_decide_create - as strat_features_create; -EINVAL also when the model
 * uses more features than STRAT_FEATURE_COUNT or is NULL. */
int strat_decide_create(const struct strat_decide_cfg *cfg, struct strat_decide **ret_stage,
			char *err, size_t errlen);
struct strat_decide *strat_decide_destroy(struct strat_decide *s);
/* strat_decide_poll - core_stage poll (ctx = struct strat_decide *); the thread
 * that consumes cfg.in and produces cfg.out only. Events consumed, 0, or CORE_EOF. */
int strat_decide_poll(void *ctx);
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

#endif /* OSPREY_STRATEGY_H */
