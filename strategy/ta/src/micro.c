/* micro.c - microstructure features: integer and fixed point, O(1) per
 * event, exact and deterministic (see ta.h "Microstructure features"). The
 * Q16 arithmetic is the features stage's (strat_q16_ratio, strat_isqrt of
 * strategy/src/fixed.h). */
#include <errno.h>
#include <string.h>

#include "strategy.h"
#include "fixed.h"
#include "ta.h"

#define MICRO_MASK (STRAT_MICRO_MAX_WINDOW - 1)
#define RET_Q8_MAX (1 << 23) /* 32768 bps in 1/256 bps */

static int32_t sat32(uint64_t v)
{
	return v > INT32_MAX ? INT32_MAX : (int32_t)v;
}

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
		out[STRAT_MICRO_RVOL] = sat32(strat_isqrt(x));
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
