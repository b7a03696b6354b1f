/*
 * ta.h - Osprey's technical-analysis library: TA-Lib's indicator bank (batch
 * and streaming, one instrument or 16 in lockstep), bars from trades, and
 * microstructure features.
 *
 * For research, training data, tools and tests; the engine does not link it.
 * The hot path's features are the integer features stage of strategy.h.
 *
 * Sections:
 *   Indicator bank: batch      20 TA-Lib 0.6.0 columns over a whole series,
 *                              bit for bit TA-Lib's doubles; scalar, AVX2 and
 *                              AVX-512 paths with identical bits
 *   Indicator bank: streaming  the same columns one bar at a time, O(1) per bar
 *   Bars from trades           time, tick and volume bars, exact integers
 *   Microstructure features    spread, N-level imbalance, trade flow, returns,
 *                              realized volatility, VWAP; Q16 integers
 *
 * Results: 0 on success, negative errno on failure, as each function says.
 * The library never prints; init functions write "what went wrong" into the
 * caller's err buffer (may be NULL when errlen is 0). Nothing here allocates
 * except where a function says so, and every struct is caller-owned.
 * Link: strategy_ta_dep (strategy/ta/meson.build).
 */
#ifndef OSPREY_TA_H
#define OSPREY_TA_H

#include "core.h"

/* ------------------------------------------------------------------------- */
/* Indicator bank: batch.
 *
 * The indicators of TA-Lib 0.6.0 (TA_COMPATIBILITY_DEFAULT, unstable periods
 * 0, every function called once over the whole series with startIdx = 0),
 * computed in doubles with exactly TA-Lib's operation order, so each value is
 * the double TA-Lib returns, bit for bit (see ../shared/oracles/README.md for
 * the algorithms and their traps: SMA-seeded EMA, Wilder smoothing, MACD's
 * seed alignment, population sigma, running sums). This is a floating-point
 * module: unlike the features stage's integer indicators (strategy.h) it is
 * meant for training data, research tools and the oracle comparison, not for
 * decision code.
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
 * features stage's integer features (strategy.h).
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
 * from the last tick's (as STRAT_SAMPLE_MID_CHANGE of strategy.h's features
 * stage).
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

#endif /* OSPREY_TA_H */
