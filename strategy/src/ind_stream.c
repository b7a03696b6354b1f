/* ind_stream.c - the streaming indicator bank: TA-Lib's 20 columns, one bar at a time,
 * bit for bit what TA-Lib returns over the whole history (scalar path; the kernel is
 * ind_stream_kern.h, shared with the multi-instrument SIMD paths in ind_stream_simd.c). */
#include <errno.h>
#include <string.h>

#include "ind_stream_int.h"
#include "strat_internal.h"

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

/* ------------------------------------------------------------------------- */
/* Microstructure features: integer, O(1) per event. */

#define MICRO_MASK (STRAT_MICRO_MAX_WINDOW - 1)
#define RET_Q8_MAX (1 << 23) /* 32768 bps in 1/256 bps */

static const char *const micro_names[STRAT_MICRO_COUNT] = {
	"spread_bps", "imb1", "imbN", "trade_sign", "trade_qty", "ret_short_bps", "ret_long_bps",
	"rvol_bps",
};

const char *strat_micro_name(unsigned col)
{
	return col < STRAT_MICRO_COUNT ? micro_names[col] : "?";
}

int strat_micro_init(struct strat_micro *m, const struct strat_micro_cfg *cfg, char *err,
		     size_t errlen)
{
	struct strat_micro_cfg c = { 0 };
	if (cfg)
		c = *cfg;
	c.ret_short = c.ret_short ? c.ret_short : 1;
	c.ret_long = c.ret_long ? c.ret_long : 16;
	c.vol_window = c.vol_window ? c.vol_window : 32;
	c.flow_window = c.flow_window ? c.flow_window : 32;
	const struct {
		const char *name;
		uint32_t v, hi;
	} chk[] = {
		{ "ret_short", c.ret_short, STRAT_MICRO_MAX_WINDOW - 1 },
		{ "ret_long", c.ret_long, STRAT_MICRO_MAX_WINDOW - 1 },
		{ "vol_window", c.vol_window, STRAT_MICRO_MAX_WINDOW },
		{ "flow_window", c.flow_window, STRAT_MICRO_MAX_WINDOW },
	};
	for (size_t k = 0; k < sizeof(chk) / sizeof(chk[0]); k++) {
		if (chk[k].v > chk[k].hi) {
			core_errf(err, errlen, "strat_micro_init: %s = %u out of range [1, %u]",
			          chk[k].name, chk[k].v, chk[k].hi);
			return -EINVAL;
		}
	}
	memset(m, 0, sizeof(*m));
	m->cfg = c;
	return 0;
}

static void micro_tick(struct strat_micro *m, int64_t mid2)
{
	uint64_t t = m->ticks;
	if (t > 0) {
		int64_t prev = m->mid2[(t - 1) & MICRO_MASK];
		__int128 q = (__int128)(mid2 - prev) * 10000 * 256;
		int64_t r = (int64_t)(q >= 0 ? (q + prev / 2) / prev : -((-q + prev / 2) / prev));
		if (r > RET_Q8_MAX)
			r = RET_Q8_MAX;
		if (r < -RET_Q8_MAX)
			r = -RET_Q8_MAX;
		/* return number t-1 (1-based t); the window holds the last vol_window */
		uint64_t k = t - 1;
		if (k >= m->cfg.vol_window) {
			int64_t old = m->ret_q8[(k - m->cfg.vol_window) & MICRO_MASK];
			m->sumsq -= (uint64_t)(old * old);
		}
		m->ret_q8[k & MICRO_MASK] = (int32_t)r;
		m->sumsq += (uint64_t)(r * r);
	}
	m->mid2[t & MICRO_MASK] = mid2;
	m->ticks = t + 1;
}

static void micro_trade(struct strat_micro *m, uint8_t side, uint32_t qty)
{
	m->vwap_q += qty;
	if (side != 'B' && side != 'S')
		return;
	int8_t s = side == 'S' ? 1 : -1;
	if (m->cfg.taker_side)
		s = (int8_t)-s;
	uint64_t k = m->trades;
	if (k >= m->cfg.flow_window) {
		uint32_t j = (uint32_t)((k - m->cfg.flow_window) & MICRO_MASK);
		m->sign_sum -= m->sign[j];
		m->sqty_sum -= (int64_t)m->sign[j] * m->qty[j];
		m->qty_sum -= m->qty[j];
	}
	m->sign[k & MICRO_MASK] = s;
	m->qty[k & MICRO_MASK] = qty;
	m->sign_sum += s;
	m->sqty_sum += (int64_t)s * qty;
	m->qty_sum += qty;
	m->trades = k + 1;
}

void strat_micro_event(struct strat_micro *m, const struct md_event *ev)
{
	if ((ev->kind == MD_EXEC || ev->kind == MD_TRADE) && ev->qty) {
		m->vwap_pq += (unsigned __int128)ev->px * ev->qty;
		micro_trade(m, ev->side, ev->qty);
	}
	if (ev->bid_px && ev->ask_px && ev->bid_px < ev->ask_px) {
		m->bid_px = ev->bid_px;
		m->ask_px = ev->ask_px;
		m->bid_qty = ev->bid_qty;
		m->ask_qty = ev->ask_qty;
		int64_t mid2 = (int64_t)ev->bid_px + ev->ask_px;
		if (m->ticks == 0 || m->mid2[(m->ticks - 1) & MICRO_MASK] != mid2)
			micro_tick(m, mid2);
	}
}

void strat_micro_depth(struct strat_micro *m, const uint64_t *bid_qty, unsigned nbid,
		       const uint64_t *ask_qty, unsigned nask)
{
	uint64_t b = 0, a = 0;
	for (unsigned k = 0; k < nbid; k++)
		b += bid_qty[k];
	for (unsigned k = 0; k < nask; k++)
		a += ask_qty[k];
	m->depth_bid = b;
	m->depth_ask = a;
}

static int32_t ret_over(const struct strat_micro *m, uint32_t h)
{
	if (m->ticks <= h)
		return 0;
	int64_t now = m->mid2[(m->ticks - 1) & MICRO_MASK];
	int64_t old = m->mid2[(m->ticks - 1 - h) & MICRO_MASK];
	return strat_q16_ratio(now - old, old, 10000);
}

void strat_micro_values(const struct strat_micro *m, int32_t out[STRAT_MICRO_COUNT])
{
	int64_t mid2 = (int64_t)m->bid_px + m->ask_px;
	out[STRAT_MICRO_SPREAD_BPS] =
		mid2 ? strat_q16_ratio((int64_t)m->ask_px - m->bid_px, mid2, 20000) : 0;
	out[STRAT_MICRO_IMB1] = strat_q16_ratio((int64_t)m->bid_qty - m->ask_qty,
						(int64_t)m->bid_qty + m->ask_qty, 1);
	/* depth sums below 2^62 shares: the difference and sum fit int64 */
	out[STRAT_MICRO_IMBN] = strat_q16_ratio((int64_t)m->depth_bid - (int64_t)m->depth_ask,
						(int64_t)(m->depth_bid + m->depth_ask), 1);
	uint64_t nt = m->trades < m->cfg.flow_window ? m->trades : m->cfg.flow_window;
	out[STRAT_MICRO_TRADE_SIGN] = strat_q16_ratio(m->sign_sum, (int64_t)nt, 1);
	out[STRAT_MICRO_TRADE_QTY] = strat_q16_ratio(m->sqty_sum, (int64_t)m->qty_sum, 1);
	out[STRAT_MICRO_RET_SHORT] = ret_over(m, m->cfg.ret_short);
	out[STRAT_MICRO_RET_LONG] = ret_over(m, m->cfg.ret_long);
	uint64_t nr = m->ticks ? m->ticks - 1 : 0;
	if (nr > m->cfg.vol_window)
		nr = m->cfg.vol_window;
	if (nr) {
		/* sqrt(sumsq / n) / 256 bps in Q16 = sqrt(sumsq * 65536 / n); mean <= 2^46 */
		uint64_t x = (uint64_t)(((unsigned __int128)m->sumsq << 16) / nr);
		out[STRAT_MICRO_RVOL] = strat__sat32((__int128)strat_isqrt(x));
	} else {
		out[STRAT_MICRO_RVOL] = 0;
	}
}

int64_t strat_micro_vwap(const struct strat_micro *m)
{
	if (!m->vwap_q)
		return 0;
	return (int64_t)(((m->vwap_pq << 16) + m->vwap_q / 2) / m->vwap_q);
}
