/* ind_stream_int.h - private layout of the streaming indicator bank (ta library only). */
#ifndef OSPREY_IND_STREAM_INT_H
#define OSPREY_IND_STREAM_INT_H

#include <math.h>

#include "ta.h"

/*
 * Branch-free scalar compare and select. Several of the bank's decisions (the
 * sign of a move for RSI, OBV and MFI, ADX's directional rules) follow the
 * data and would mispredict half the time as branches; these functions keep
 * them in SSE2 registers (and/andnot/or on a compare mask). A compare gives
 * the same answer as the C operator (false for NaN, != true for NaN).
 */
#if defined(__SSE2__)
#include <emmintrin.h>
typedef __m128d ind_mask;
static inline __m128d ind_gt(double a, double b)
{
	return _mm_cmpgt_sd(_mm_set_sd(a), _mm_set_sd(b));
}
static inline __m128d ind_lt(double a, double b)
{
	return _mm_cmplt_sd(_mm_set_sd(a), _mm_set_sd(b));
}
static inline __m128d ind_ne(double a, double b)
{
	return _mm_cmpneq_sd(_mm_set_sd(a), _mm_set_sd(b));
}
static inline __m128d ind_and(__m128d a, __m128d b)
{
	return _mm_and_pd(a, b);
}
static inline __m128d ind_andn(__m128d a, __m128d b) /* a & ~b */
{
	return _mm_andnot_pd(b, a);
}
static inline __m128d ind_not(__m128d a)
{
	return _mm_xor_pd(a, _mm_castsi128_pd(_mm_set1_epi64x(-1)));
}
static inline double ind_sel(__m128d m, double a, double b)
{
	return _mm_cvtsd_f64(_mm_or_pd(_mm_and_pd(m, _mm_set_sd(a)), _mm_andnot_pd(m, _mm_set_sd(b))));
}
#else
typedef bool ind_mask;
static inline bool ind_gt(double a, double b)
{
	return a > b;
}
static inline bool ind_lt(double a, double b)
{
	return a < b;
}
static inline bool ind_ne(double a, double b)
{
	return a != b;
}
static inline bool ind_and(bool a, bool b)
{
	return a && b;
}
static inline bool ind_andn(bool a, bool b)
{
	return a && !b;
}
static inline bool ind_not(bool a)
{
	return !a;
}
static inline double ind_sel(bool m, double a, double b)
{
	return m ? a : b;
}
#endif

/* Output columns (the public enum strat_ind_col). */
enum {
	IX_SMA = STRAT_IND_SMA,
	IX_EMA = STRAT_IND_EMA,
	IX_RSI = STRAT_IND_RSI,
	IX_MACD = STRAT_IND_MACD,
	IX_MACDSIG = STRAT_IND_MACD_SIGNAL,
	IX_MACDHIST = STRAT_IND_MACD_HIST,
	IX_BB_UP = STRAT_IND_BB_UPPER,
	IX_BB_MID = STRAT_IND_BB_MIDDLE,
	IX_BB_LO = STRAT_IND_BB_LOWER,
	IX_STOCHK = STRAT_IND_STOCH_K,
	IX_STOCHD = STRAT_IND_STOCH_D,
	IX_ATR = STRAT_IND_ATR,
	IX_OBV = STRAT_IND_OBV,
	IX_STDDEV = STRAT_IND_STDDEV,
	IX_WMA = STRAT_IND_WMA,
	IX_ROC = STRAT_IND_ROC,
	IX_WILLR = STRAT_IND_WILLR,
	IX_CCI = STRAT_IND_CCI,
	IX_ADX = STRAT_IND_ADX,
	IX_MFI = STRAT_IND_MFI,
	IX_COUNT = STRAT_IND_COUNT,
};

/* Columns computed from closes alone. */
static inline bool ix_close_only(unsigned k)
{
	return k <= IX_BB_LO || k == IX_STDDEV || k == IX_WMA || k == IX_ROC;
}

/* Inputs: the field order of struct strat_bar and struct strat_bar_lanes. */
enum { IN_OPEN, IN_HIGH, IN_LOW, IN_CLOSE, IN_VOLUME, IN_COUNT };

/* Scalar state fields, one double per lane each. */
enum {
	S_SMA_SUM, S_EMA_SUM, S_EMA, S_RSI_PREV, S_RSI_GAIN, S_RSI_LOSS,
	S_MS_SUM, S_MF_SUM, S_MSLOW, S_MFAST, S_SIG_SUM, S_SIG,
	S_BB_SUM, S_BB_SUM2, S_SD_S1, S_SD_S2, S_WMA_SUB, S_WMA_SUM, S_WMA_TV,
	S_ST_KSUM, S_ST_DSUM, S_ATR_SUM, S_ATR, S_OBV, S_PREV_C,
	S_ADX_PH, S_ADX_PL, S_ADX_MDM, S_ADX_PDM, S_ADX_TR, S_ADX_SUMDX, S_ADX,
	S_MFI_PTP, S_MFI_POS, S_MFI_NEG, S_VWAP_PV, S_VWAP_V,
	S_COUNT,
};

/* Ring rows: closes, highs and lows by bar (power of two), then the windows
 * indexed modulo their period (CCI's and MFI's slot order matters). */
#define RING_LEN  (2 * STRAT_IND_STREAM_MAX_PERIOD)
#define RING_MASK (RING_LEN - 1)
#define WIN_LEN   STRAT_IND_STREAM_MAX_PERIOD
#define WIN_MASK  (WIN_LEN - 1)
static_assert((RING_LEN & RING_MASK) == 0 && (WIN_LEN & WIN_MASK) == 0, "powers of two");
enum {
	ROW_CLOSE = 0,
	ROW_HIGH = ROW_CLOSE + RING_LEN,
	ROW_LOW = ROW_HIGH + RING_LEN,
	ROW_FASTK = ROW_LOW + RING_LEN,
	ROW_SLOWK = ROW_FASTK + WIN_LEN,
	ROW_CCI = ROW_SLOWK + WIN_LEN,
	ROW_CCIP = ROW_CCI + WIN_LEN, /* prefix sums of the CCI slots */
	ROW_MPOS = ROW_CCIP + WIN_LEN,
	ROW_MNEG = ROW_MPOS + WIN_LEN,
	ROW_COUNT = ROW_MNEG + WIN_LEN,
};

/* Periods and constants, validated and derived once at init. */
struct ind_cfg {
	uint32_t sma, ema, rsi, macd_fast, macd_slow, macd_sig, bb, sd, wma, roc;
	uint32_t st_fk, st_sk, st_sd, willr, atr, cci, adx, mfi;
	bool ohlcv;
	uint64_t steady; /* first bar at which every column is past warm-up and seeds */
	double ema_k, macd_kf, macd_ks, macd_ksig, bb_up, bb_dn, sd_nb, wma_div;
};

/* Bar count and window slots, shared by the lanes of a bank. */
struct ind_ctl {
	uint64_t n;        /* bars seen before this one */
	uint32_t cci_slot; /* n mod cci */
	uint32_t mfi_slot; /* (n - 1) mod mfi once n >= 1 */
};

static inline void ind_ctl_advance(const struct ind_cfg *cfg, struct ind_ctl *ctl)
{
	if (cfg->ohlcv) {
		if (++ctl->cci_slot == cfg->cci)
			ctl->cci_slot = 0;
		if (ctl->n >= 1 && ++ctl->mfi_slot == cfg->mfi)
			ctl->mfi_slot = 0;
	}
	ctl->n++;
}

int ind_cfg_from_params(struct ind_cfg *cfg, const struct strat_ind_params *p, unsigned flags,
			char *err, size_t errlen);

struct ind_single {
	struct ind_cfg cfg;
	struct ind_ctl ctl;
	enum strat_ind_isa isa;
	_Alignas(64) double st[S_COUNT];
	double rg[ROW_COUNT];
};

struct ind_multi {
	struct ind_cfg cfg;
	struct ind_ctl ctl;
	uint32_t lanes;
	enum strat_ind_isa isa;
	_Alignas(64) double st[S_COUNT * STRAT_IND_MAX_LANES];
	_Alignas(64) double rg[ROW_COUNT * STRAT_IND_MAX_LANES];
};

/* Steady-state single-instrument kernels with vector divisions (ind_stream_simd.c). */
void ind_bank_steady_avx2(const struct ind_cfg *cfg, const struct ind_ctl *ctl, double *st,
			  double *rg, const double *in, double *out);
void ind_bank_steady_avx512(const struct ind_cfg *cfg, const struct ind_ctl *ctl, double *st,
			    double *rg, const double *in, double *out);
bool ind_isa_ok(enum strat_ind_isa isa);
enum strat_ind_isa ind_isa_best(void);

#endif
