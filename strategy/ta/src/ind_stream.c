/* ind_stream.c - the streaming indicator bank: TA-Lib's 20 columns, one bar at a time,
 * bit for bit what TA-Lib returns over the whole history (scalar path; the kernel is
 * ind_stream_kern.h, shared with the multi-instrument SIMD paths in ind_stream_simd.c). */
#include <errno.h>
#include <string.h>

#include "ind_stream_int.h"

static_assert(sizeof(struct ind_single) <= sizeof(struct strat_ind_bank), "bank storage");
static_assert(_Alignof(struct ind_single) <= _Alignof(struct strat_ind_bank), "bank alignment");
static_assert(sizeof(struct strat_bar) == IN_COUNT * sizeof(double), "bar layout");

/* Scalar lanes: V is a double, a mask a bool. */
#define KNAME      ind_kern_scalar1
#define KATTR      __attribute__((always_inline)) inline
#define V          double
#define M          ind_mask
#define K1(x)      ((double)(x))
#define KLD(p)     (*(p))
#define KST(p, v)  (*(p) = (v))
#define KLDU(p)    (*(p))
#define KSTU(p, v) (*(p) = (v))
#define KGT(a, b)  ind_gt((a), (b))
#define KLT(a, b)  ind_lt((a), (b))
#define KNE(a, b)  ind_ne((a), (b))
#define KAND(a, b) ind_and((a), (b))
#define KANDN(a, b) ind_andn((a), (b))
#define KNOT(a)    ind_not(a)
#define KSEL(m, a, b) ind_sel((m), (a), (b))
#define KMAX(a, b)  ((a) > (b) ? (a) : (b))
#define KMIN(a, b)  ((a) < (b) ? (a) : (b))
#define KABS(a)    fabs(a)
#define KSQRT(a)   sqrt(a)
#include "ind_stream_kern.h"

int ind_cfg_from_params(struct ind_cfg *cfg, const struct strat_ind_params *p, unsigned flags,
			char *err, size_t errlen)
{
	struct strat_ind_params d;
	if (!p) {
		strat_ind_params_default(&d);
		p = &d;
	}
	if (flags & ~(unsigned)STRAT_IND_CLOSE_ONLY) {
		core_errf(err, errlen, "strat_ind params: unknown flags 0x%x", flags);
		return -EINVAL;
	}
	const uint32_t maxp = STRAT_IND_STREAM_MAX_PERIOD;
	const struct {
		const char *name;
		uint32_t v, lo, hi;
	} chk[] = {
		{ "sma", p->sma, 2, maxp },        { "ema", p->ema, 1, maxp },
		{ "wma", p->wma, 2, maxp },        { "stddev", p->stddev, 2, maxp },
		{ "bb", p->bb, 2, maxp },          { "cci", p->cci, 2, maxp },
		{ "rsi", p->rsi, 2, maxp },        { "atr", p->atr, 1, maxp },
		{ "willr", p->willr, 2, maxp },    { "adx", p->adx, 2, maxp },
		{ "mfi", p->mfi, 2, maxp },        { "macd_fast", p->macd_fast, 2, maxp },
		{ "macd_slow", p->macd_slow, 2, maxp }, { "macd_signal", p->macd_signal, 1, maxp },
		{ "stoch_k", p->stoch_k, 1, maxp }, { "stoch_slowk", p->stoch_slowk, 1, maxp },
		{ "stoch_slowd", p->stoch_slowd, 1, maxp }, { "roc", p->roc, 1, RING_LEN - 1 },
	};
	for (size_t k = 0; k < sizeof(chk) / sizeof(chk[0]); k++) {
		if (chk[k].v < chk[k].lo || chk[k].v > chk[k].hi) {
			core_errf(err, errlen, "strat_ind params: %s = %u out of range [%u, %u]",
			          chk[k].name, chk[k].v, chk[k].lo, chk[k].hi);
			return -EINVAL;
		}
	}
	if (!isfinite(p->bb_up) || !isfinite(p->bb_dn) || !isfinite(p->stddev_nbdev)) {
		core_errf(err, errlen,
		          "strat_ind params: bb_up, bb_dn and stddev_nbdev must be finite");
		return -EINVAL;
	}
	memset(cfg, 0, sizeof(*cfg));
	cfg->sma = p->sma;
	cfg->ema = p->ema;
	cfg->rsi = p->rsi;
	/* TA-Lib swaps the MACD periods when slow < fast. */
	cfg->macd_fast = p->macd_fast < p->macd_slow ? p->macd_fast : p->macd_slow;
	cfg->macd_slow = p->macd_fast < p->macd_slow ? p->macd_slow : p->macd_fast;
	cfg->macd_sig = p->macd_signal;
	cfg->bb = p->bb;
	cfg->sd = p->stddev;
	cfg->wma = p->wma;
	cfg->roc = p->roc;
	cfg->st_fk = p->stoch_k;
	cfg->st_sk = p->stoch_slowk;
	cfg->st_sd = p->stoch_slowd;
	cfg->willr = p->willr;
	cfg->atr = p->atr;
	cfg->cci = p->cci;
	cfg->adx = p->adx;
	cfg->mfi = p->mfi;
	cfg->ohlcv = !(flags & STRAT_IND_CLOSE_ONLY);
	/* TA-Lib's PER_TO_K: 2.0 / (period + 1) in doubles. */
	cfg->ema_k = 2.0 / (double)(cfg->ema + 1);
	cfg->macd_kf = 2.0 / (double)(cfg->macd_fast + 1);
	cfg->macd_ks = 2.0 / (double)(cfg->macd_slow + 1);
	cfg->macd_ksig = 2.0 / (double)(cfg->macd_sig + 1);
	cfg->bb_up = p->bb_up;
	cfg->bb_dn = p->bb_dn;
	cfg->sd_nb = p->stddev_nbdev;
	cfg->wma_div = (double)((cfg->wma * (cfg->wma + 1)) >> 1);
	/* From this bar on every column takes its steady-state branch. */
	const uint64_t from[] = {
		cfg->sma - 1, cfg->ema, cfg->rsi + 1, (uint64_t)cfg->macd_slow - 1 + cfg->macd_sig,
		cfg->bb - 1, cfg->sd - 1, cfg->wma - 1, cfg->roc,
		(uint64_t)cfg->st_fk + cfg->st_sk + cfg->st_sd - 3, cfg->willr - 1, cfg->atr + 1,
		cfg->cci - 1, 2 * (uint64_t)cfg->adx, cfg->mfi + 1,
	};
	cfg->steady = 0;
	for (size_t k = 0; k < sizeof(from) / sizeof(from[0]); k++)
		if (from[k] > cfg->steady)
			cfg->steady = from[k];
	return 0;
}

int strat_ind_bank_init(struct strat_ind_bank *b, const struct strat_ind_params *p, unsigned flags,
			char *err, size_t errlen)
{
	struct ind_single *s = (struct ind_single *)b;
	struct ind_cfg cfg;
	int r = ind_cfg_from_params(&cfg, p, flags, err, errlen);
	if (r)
		return r;
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	/* Scalar by default: on the reference machine (AMD EPYC, AVX-512) the
	 * vector-division paths measure no faster for one instrument (see
	 * BENCHMARKS.md); they stay selectable and give the same bits. */
	s->isa = STRAT_IND_ISA_SCALAR;
	return 0;
}

int strat_ind_bank_set_isa(struct strat_ind_bank *b, enum strat_ind_isa isa)
{
	struct ind_single *s = (struct ind_single *)b;
	if (isa != STRAT_IND_ISA_SCALAR && isa != STRAT_IND_ISA_AVX2 && isa != STRAT_IND_ISA_AVX512)
		return -EINVAL;
	if (!ind_isa_ok(isa))
		return -ENOTSUP;
	s->isa = isa;
	return 0;
}

enum strat_ind_isa strat_ind_bank_isa(const struct strat_ind_bank *b)
{
	return ((const struct ind_single *)b)->isa;
}

void strat_ind_bank_update(struct strat_ind_bank *b, const struct strat_bar *bar,
			   double out[STRAT_IND_COUNT])
{
	struct ind_single *s = (struct ind_single *)b;
	const double in[IN_COUNT] = { bar->open, bar->high, bar->low, bar->close, bar->volume };
	if (s->isa != STRAT_IND_ISA_SCALAR && s->cfg.ohlcv && s->ctl.n >= s->cfg.steady) {
		if (s->isa == STRAT_IND_ISA_AVX512)
			ind_bank_steady_avx512(&s->cfg, &s->ctl, s->st, s->rg, in, out);
		else
			ind_bank_steady_avx2(&s->cfg, &s->ctl, s->st, s->rg, in, out);
	} else {
		ind_kern_scalar1(&s->cfg, &s->ctl, s->st, s->rg, in, out, 1, 0);
	}
	ind_ctl_advance(&s->cfg, &s->ctl);
}

uint64_t strat_ind_bank_bars(const struct strat_ind_bank *b)
{
	return ((const struct ind_single *)b)->ctl.n;
}

double strat_ind_bank_vwap(const struct strat_ind_bank *b)
{
	const struct ind_single *s = (const struct ind_single *)b;
	if (!s->cfg.ohlcv || !(s->st[S_VWAP_V] > 0.0))
		return NAN;
	return s->st[S_VWAP_PV] / s->st[S_VWAP_V];
}
