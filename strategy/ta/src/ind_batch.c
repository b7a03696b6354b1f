/* ind_batch.c - the batch indicator bank: ISA selection, column names,
 * defaults and lookbacks, the multi-series (*_k) entry points and the whole
 * bank (strat_ind_batch). The scalar reference is ind_batch_scalar.c, the
 * single-series entry points ind_batch_series.c, the vector kernels
 * ind_batch_simd.c. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ta.h"
#include "ind_batch_internal.h"

/* ------------------------------------------------------------------------- */
/* ISA selection: chosen once at the first call, or forced. */

static _Atomic int ind_isa = -1;

enum strat_ind_isa strat_ind_isa_best(void)
{
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
	    __builtin_cpu_supports("avx512vl"))
		return STRAT_IND_ISA_AVX512;
	if (__builtin_cpu_supports("avx2"))
		return STRAT_IND_ISA_AVX2;
	return STRAT_IND_ISA_SCALAR;
}

enum strat_ind_isa strat_ind_isa_current(void)
{
	int v = atomic_load_explicit(&ind_isa, memory_order_relaxed);
	if (v < 0) {
		v = (int)strat_ind_isa_best();
		atomic_store_explicit(&ind_isa, v, memory_order_relaxed);
	}
	return (enum strat_ind_isa)v;
}

int strat_ind_set_isa(enum strat_ind_isa isa)
{
	if ((unsigned)isa > STRAT_IND_ISA_AVX512)
		return -EINVAL;
	if ((unsigned)isa > (unsigned)strat_ind_isa_best())
		return -ENOTSUP;
	atomic_store_explicit(&ind_isa, (int)isa, memory_order_relaxed);
	return 0;
}

const char *strat_ind_isa_name(void)
{
	static const char *const names[] = { "scalar", "avx2", "avx512" };
	return names[strat_ind_isa_current()];
}

const struct ind_kernels *ind__kern(void)
{
	switch (strat_ind_isa_current()) {
	case STRAT_IND_ISA_AVX512:
		return &ind__kern_avx512;
	case STRAT_IND_ISA_AVX2:
		return &ind__kern_avx2;
	default:
		return &ind__kern_scalar;
	}
}

/* ------------------------------------------------------------------------- */
/* Names, defaults, lookbacks. */

static const char *const col_names[STRAT_IND_COUNT] = {
	"SMA20", "EMA20", "RSI14", "MACD_12_26_9", "MACDSIGNAL", "MACDHIST",
	"BB_UPPER_20_2", "BB_MIDDLE", "BB_LOWER", "STOCH_SLOWK_14_3_3", "STOCH_SLOWD",
	"ATR14", "OBV", "STDDEV20", "WMA20", "ROC10", "WILLR14", "CCI20", "ADX14", "MFI14",
};

const char *strat_ind_name(unsigned col)
{
	return col < STRAT_IND_COUNT ? col_names[col] : "?";
}

void strat_ind_params_default(struct strat_ind_params *p)
{
	*p = (struct strat_ind_params){
		.sma = 20, .ema = 20, .wma = 20, .stddev = 20, .bb = 20, .cci = 20,
		.rsi = 14, .atr = 14, .willr = 14, .adx = 14, .mfi = 14,
		.macd_fast = 12, .macd_slow = 26, .macd_signal = 9,
		.stoch_k = 14, .stoch_slowk = 3, .stoch_slowd = 3,
		.roc = 10, .bb_up = 2.0, .bb_dn = 2.0, .stddev_nbdev = 1.0,
	};
}

long strat_ind_lookback(const struct strat_ind_params *p, unsigned col)
{
	struct strat_ind_params d;
	if (!p) {
		strat_ind_params_default(&d);
		p = &d;
	}
	unsigned slow = p->macd_slow > p->macd_fast ? p->macd_slow : p->macd_fast;
	switch (col) {
	case STRAT_IND_SMA: return (long)p->sma - 1;
	case STRAT_IND_EMA: return (long)p->ema - 1;
	case STRAT_IND_RSI: return p->rsi;
	case STRAT_IND_MACD:
	case STRAT_IND_MACD_SIGNAL:
	case STRAT_IND_MACD_HIST: return (long)slow - 1 + (long)p->macd_signal - 1;
	case STRAT_IND_BB_UPPER:
	case STRAT_IND_BB_MIDDLE:
	case STRAT_IND_BB_LOWER: return (long)p->bb - 1;
	case STRAT_IND_STOCH_K:
	case STRAT_IND_STOCH_D:
		return (long)p->stoch_k - 1 + (long)p->stoch_slowk - 1 + (long)p->stoch_slowd - 1;
	case STRAT_IND_ATR: return p->atr;
	case STRAT_IND_OBV: return 0;
	case STRAT_IND_STDDEV: return (long)p->stddev - 1;
	case STRAT_IND_WMA: return (long)p->wma - 1;
	case STRAT_IND_ROC: return p->roc;
	case STRAT_IND_WILLR: return (long)p->willr - 1;
	case STRAT_IND_CCI: return (long)p->cci - 1;
	case STRAT_IND_ADX: return 2 * (long)p->adx - 1;
	case STRAT_IND_MFI: return p->mfi;
	default: return -1;
	}
}

/* ------------------------------------------------------------------------- */
/* Multi-series entry points. */

static size_t vec_lanes(size_t k)
{
	return k - k % ind__kern()->width;
}

int strat_ind_sma_k(const double *x, size_t n, size_t k, unsigned period, double *out)
{
	if (!x || !out || !k || !ind__period_ok(period, 2))
		return -EINVAL;
	size_t kv = n >= period ? vec_lanes(k) : 0;
	if (kv)
		ind__kern()->sma_k(x, n, k, kv, period, out);
	ind__kern_scalar.sma_k(x + kv, n, k, k - kv, period, out + kv);
	return 0;
}

int strat_ind_ema_k(const double *x, size_t n, size_t k, unsigned period, double *out)
{
	if (!x || !out || !k || !ind__period_ok(period, 1))
		return -EINVAL;
	size_t kv = n >= period ? vec_lanes(k) : 0;
	if (kv)
		ind__kern()->ema_k(x, n, k, kv, period, out);
	ind__kern_scalar.ema_k(x + kv, n, k, k - kv, period, out + kv);
	return 0;
}

int strat_ind_rsi_k(const double *x, size_t n, size_t k, unsigned period, double *out)
{
	if (!x || !out || !k || !ind__period_ok(period, 2))
		return -EINVAL;
	size_t kv = n > period ? vec_lanes(k) : 0;
	if (kv)
		ind__kern()->rsi_k(x, n, k, kv, period, out);
	ind__kern_scalar.rsi_k(x + kv, n, k, k - kv, period, out + kv);
	return 0;
}

int strat_ind_macd_k(const double *x, size_t n, size_t k, unsigned fast, unsigned slow,
		     unsigned signal, double *macd, double *sig, double *hist)
{
	if (!x || !macd || !sig || !hist || !k || !ind__period_ok(fast, 2) || !ind__period_ok(slow, 2) ||
	    !ind__period_ok(signal, 1))
		return -EINVAL;
	if (slow < fast) {
		unsigned t = slow;
		slow = fast;
		fast = t;
	}
	size_t kv = n > (size_t)slow - 1 + signal - 1 ? vec_lanes(k) : 0;
	if (kv)
		ind__kern()->macd_k(x, n, k, kv, fast, slow, signal, macd, sig, hist);
	ind__kern_scalar.macd_k(x + kv, n, k, k - kv, fast, slow, signal, macd + kv, sig + kv,
				hist + kv);
	return 0;
}

int strat_ind_stoch_k(const double *high, const double *low, const double *close, size_t n,
		      size_t k, unsigned fastk, unsigned slowk, unsigned slowd, double *slow_k,
		      double *slow_d)
{
	if (!high || !low || !close || !slow_k || !slow_d || !k || !ind__period_ok(fastk, 1) ||
	    !slowk || slowk > IND_STOCH_K_MAXP || !slowd || slowd > IND_STOCH_K_MAXP)
		return -EINVAL;
	size_t lb = (size_t)fastk - 1 + slowk - 1 + slowd - 1;
	size_t kv = n > lb ? vec_lanes(k) : 0;
	if (kv)
		ind__kern()->stoch_k(high, low, close, n, k, kv, fastk, slowk, slowd, slow_k, slow_d);
	ind__kern_scalar.stoch_k(high + kv, low + kv, close + kv, n, k, k - kv, fastk, slowk, slowd,
				 slow_k + kv, slow_d + kv);
	return 0;
}

int strat_ind_atr_k(const double *high, const double *low, const double *close, size_t n, size_t k,
		    unsigned period, double *out)
{
	if (!high || !low || !close || !out || !k || !ind__period_ok(period, 1))
		return -EINVAL;
	size_t kv = n > period ? vec_lanes(k) : 0;
	if (kv)
		ind__kern()->atr_k(high, low, close, n, k, kv, period, out);
	ind__kern_scalar.atr_k(high + kv, low + kv, close + kv, n, k, k - kv, period, out + kv);
	return 0;
}

/* ------------------------------------------------------------------------- */
/* The whole bank. */

/* Write the message and hand back rc, so a check reads "return fail(...)". */
#define fail(err, errlen, rc, ...) (core_errf((err), (errlen), __VA_ARGS__), (rc))

int strat_ind_batch(const struct strat_ind_params *p, const struct strat_ind_series *s,
		    double *out[STRAT_IND_COUNT], char *err, size_t errlen)
{
	struct strat_ind_params d;
	if (!p) {
		strat_ind_params_default(&d);
		p = &d;
	}
	if (!s || !s->close || !out)
		return fail(err, errlen, -EINVAL, "strat_ind_batch: %s is NULL",
			    !s ? "series" : !out ? "out" : "series close");
	static const struct {
		const char *name;
		size_t off;
		unsigned min;
	} per[] = {
#define PER(f, m) { #f, offsetof(struct strat_ind_params, f), m }
		PER(sma, 2), PER(ema, 1), PER(wma, 2), PER(stddev, 2), PER(bb, 2), PER(cci, 2),
		PER(rsi, 2), PER(atr, 1), PER(willr, 2), PER(adx, 2), PER(mfi, 2),
		PER(macd_fast, 2), PER(macd_slow, 2), PER(macd_signal, 1),
		PER(stoch_k, 1), PER(stoch_slowk, 1), PER(stoch_slowd, 1), PER(roc, 1),
#undef PER
	};
	for (size_t i = 0; i < sizeof(per) / sizeof(per[0]); i++) {
		uint32_t v;
		memcpy(&v, (const char *)p + per[i].off, sizeof(v));
		if (!ind__period_ok(v, per[i].min))
			return fail(err, errlen, -EINVAL,
				    "strat_ind_batch: period %s = %u out of range [%u, %u]",
				    per[i].name, v, per[i].min, STRAT_IND_MAX_PERIOD);
	}
	const double *x = s->close, *h = s->high, *l = s->low, *v = s->volume;
	size_t n = s->n;
	bool hl = h && l;
	int rc = 0;
	if (out[STRAT_IND_SMA])
		strat_ind_sma(x, n, p->sma, out[STRAT_IND_SMA]);
	if (out[STRAT_IND_EMA])
		strat_ind_ema(x, n, p->ema, out[STRAT_IND_EMA]);
	if (out[STRAT_IND_RSI])
		strat_ind_rsi(x, n, p->rsi, out[STRAT_IND_RSI]);
	strat_ind_macd(x, n, p->macd_fast, p->macd_slow, p->macd_signal, out[STRAT_IND_MACD],
		       out[STRAT_IND_MACD_SIGNAL], out[STRAT_IND_MACD_HIST]);
	strat_ind_bbands(x, n, p->bb, p->bb_up, p->bb_dn, out[STRAT_IND_BB_UPPER],
			 out[STRAT_IND_BB_MIDDLE], out[STRAT_IND_BB_LOWER]);
	if (out[STRAT_IND_STDDEV])
		strat_ind_stddev(x, n, p->stddev, p->stddev_nbdev, out[STRAT_IND_STDDEV]);
	if (out[STRAT_IND_WMA])
		strat_ind_wma(x, n, p->wma, out[STRAT_IND_WMA]);
	if (out[STRAT_IND_ROC])
		strat_ind_roc(x, n, p->roc, out[STRAT_IND_ROC]);
	if (hl) {
		rc = strat_ind_stoch(h, l, x, n, p->stoch_k, p->stoch_slowk, p->stoch_slowd,
				     out[STRAT_IND_STOCH_K], out[STRAT_IND_STOCH_D]);
		if (rc < 0)
			return fail(err, errlen, rc, "strat_ind_batch: STOCH scratch: out of memory");
		if (out[STRAT_IND_ATR])
			strat_ind_atr(h, l, x, n, p->atr, out[STRAT_IND_ATR]);
		if (out[STRAT_IND_WILLR])
			strat_ind_willr(h, l, x, n, p->willr, out[STRAT_IND_WILLR]);
		if (out[STRAT_IND_CCI] && (rc = strat_ind_cci(h, l, x, n, p->cci, out[STRAT_IND_CCI])) < 0)
			return fail(err, errlen, rc, "strat_ind_batch: CCI buffer: out of memory");
		if (out[STRAT_IND_ADX])
			strat_ind_adx(h, l, x, n, p->adx, out[STRAT_IND_ADX]);
	} else {
		static const int hlcols[] = { STRAT_IND_STOCH_K, STRAT_IND_STOCH_D, STRAT_IND_ATR,
					      STRAT_IND_WILLR, STRAT_IND_CCI, STRAT_IND_ADX };
		for (size_t c = 0; c < sizeof(hlcols) / sizeof(hlcols[0]); c++)
			if (out[hlcols[c]])
				ind__nan_fill(out[hlcols[c]], 0, n, 1);
	}
	if (out[STRAT_IND_OBV]) {
		if (v)
			strat_ind_obv(x, v, n, out[STRAT_IND_OBV]);
		else
			ind__nan_fill(out[STRAT_IND_OBV], 0, n, 1);
	}
	if (out[STRAT_IND_MFI]) {
		if (hl && v) {
			rc = strat_ind_mfi(h, l, x, v, n, p->mfi, out[STRAT_IND_MFI]);
			if (rc < 0)
				return fail(err, errlen, rc, "strat_ind_batch: MFI buffer: out of memory");
		} else {
			ind__nan_fill(out[STRAT_IND_MFI], 0, n, 1);
		}
	}
	return 0;
}
