/* money.c - risk's checks and the money behind them: marks, exposure sums,
 * P&L with fees, the drawdown breakers, the fill throttle and exits. The
 * rules are in risk.h; this file is their arithmetic. */
#include "risk_int.h"

#define NS_PER_S 1000000000ull
#define NS_PER_MS 1000000ull

static int64_t iabs(int64_t v)
{
	return v < 0 ? -v : v;
}

/* shares * price, clamped far inside int64 (a runaway unknown position must
 * not wrap a sum into approval). */
#define EXPO_MAX ((int64_t)1 << 62)
static inline int64_t notional(int64_t shares, uint32_t px)
{
	int64_t v;
	if (__builtin_mul_overflow(shares, (int64_t)px, &v))
		return (shares < 0) ? -EXPO_MAX : EXPO_MAX;
	return v > EXPO_MAX ? EXPO_MAX : v < -EXPO_MAX ? -EXPO_MAX : v;
}

static int64_t clamp128(__int128 v)
{
	return v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN : (int64_t)v;
}

void risk__transition(struct risk_stage *s, uint64_t ts, unsigned from, unsigned to,
		      unsigned cause, uint16_t locate)
{
	struct risk_transition *t = &s->st.transitions[s->st.ntransitions++ % RISK_TRANSITIONS];
	*t = (struct risk_transition){ .ts_ns = ts, .from = (uint8_t)from, .to = (uint8_t)to,
		                       .cause = (uint8_t)cause, .locate = locate,
		                       .drawdown = s->st.drawdown };
	struct risk_event ev = { .ts_ns = ts, .seq = s->last_seq, .drawdown = s->st.drawdown,
		                 .locate = locate, .kind = RISK_EV_MODE, .reason = (uint8_t)cause,
		                 .from = (uint8_t)from, .to = (uint8_t)to };
	risk__event(s, &ev);
}

/* ------------------------------------------------------------------------- */
/* Exposure and P&L of one instrument into the portfolio sums. */

void risk__refresh(struct risk_stage *s, uint16_t locate)
{
	struct risk_inst *in = &s->inst[locate];
	uint32_t m = in->mark;
	int64_t p = in->pos.qty;
	int64_t lw = p + in->open_buy, sw = p - in->open_sell;
	int64_t g = notional(iabs(lw) > iabs(sw) ? iabs(lw) : iabs(sw), m);
	int64_t nl = notional(lw, m), ns = notional(sw, m);
	int64_t cap = notional(iabs(p) + in->open_buy + in->open_sell, m);
	int64_t u = m && p ? clamp128((__int128)p * m - in->pos.cost) : 0;
	s->gross += g - in->c_gross;
	s->net_long += nl - in->c_nl;
	s->net_short += ns - in->c_ns;
	s->cap_used += cap - in->c_cap;
	s->unreal += u - in->unreal;
	in->c_gross = g;
	in->c_nl = nl;
	in->c_ns = ns;
	in->c_cap = cap;
	in->unreal = u;
}

/* The breakers' level for the money now: 0, tiers 1-3, 4 the daily loss. */
static unsigned breaker_level(const struct risk_stage *s, int64_t pnl, int64_t dd)
{
	const struct risk_limits *l = &s->lim;
	if (l->daily_loss_limit && pnl <= -l->daily_loss_limit)
		return 4;
	unsigned level = 0;
	if (l->drawdown_bps[0]) /* dd * 1e4 >= bps * capital, as dd >= tier_dd[k] */
		for (unsigned k = 0; k < 3; k++)
			if (dd >= s->tier_dd[k])
				level = k + 1;
	return level;
}

void risk__set_breaker_mode(struct risk_stage *s, uint32_t mode, uint64_t ts, unsigned cause)
{
	uint32_t op = s->op_mode;
	uint32_t before = op > s->breaker_mode ? op : s->breaker_mode;
	if (mode > s->breaker_mode) {
		s->breaker_mode = mode;
		atomic_store_explicit(&s->ctl->breaker_mode, mode, memory_order_release);
	}
	uint32_t after = op > s->breaker_mode ? op : s->breaker_mode;
	risk__transition(s, ts, before, after, cause, 0);
}

void risk__breakers(struct risk_stage *s, uint64_t ts)
{
	int64_t pnl = clamp128(s->realized - s->fees + s->unreal);
	int64_t equity = s->lim.capital + pnl;
	if (equity > s->high_water)
		s->high_water = equity;
	int64_t dd = s->high_water - equity;
	s->st.pnl = pnl;
	s->st.drawdown = dd;
	if (dd > s->st.max_drawdown)
		s->st.max_drawdown = dd;
	unsigned level = breaker_level(s, pnl, dd);
	if (level <= s->tier_fired) {
		if (!s->tier_effect)
			s->tier_fired = level; /* recovered with nothing in effect: may fire again */
		return;
	}
	s->tier_fired = level;
	s->tier_effect = level;
	switch (level) {
	case 1:
		risk__transition(s, ts, RISK_MODE_ACTIVE, RISK_MODE_ACTIVE, RISK_CAUSE_TIER1, 0);
		break;
	case 2:
		risk__set_breaker_mode(s, RISK_MODE_REDUCING, ts, RISK_CAUSE_TIER2);
		break;
	default: /* 3, 4 */
		risk__set_breaker_mode(s, RISK_MODE_HALTED, ts,
		                 level == 3 ? RISK_CAUSE_TIER3 : RISK_CAUSE_DAILY_LOSS);
		s->cancel_pending = true;
		s->cancel_cause = level == 3 ? RISK_CAUSE_TIER3 : RISK_CAUSE_DAILY_LOSS;
		break;
	}
}

/* The operator set the global mode: the breakers are acknowledged. */
void risk__operator(struct risk_stage *s, uint64_t ts)
{
	uint32_t op = atomic_load_explicit(&s->ctl->mode, memory_order_relaxed);
	uint32_t before = s->breaker_mode > s->op_mode ? s->breaker_mode : s->op_mode;
	s->breaker_mode = RISK_MODE_ACTIVE;
	atomic_store_explicit(&s->ctl->breaker_mode, RISK_MODE_ACTIVE, memory_order_release);
	s->op_mode = op;
	s->tier_effect = 0;
	s->tier_fired = breaker_level(s, s->st.pnl, s->st.drawdown);
	risk__transition(s, ts, before, op, RISK_CAUSE_OPERATOR, 0);
}

/* The instrument's control word (K2); a new operator mode set lifts its fill
 * throttle. Returns the word. */
uint16_t risk__inst_ack(struct risk_stage *s, uint16_t locate)
{
	struct risk_inst *in = &s->inst[locate];
	uint16_t iv = atomic_load_explicit(&s->ctl->inst[locate], memory_order_acquire); /* K2 */
	if ((uint8_t)(iv >> 8) != in->gen_seen) {
		in->gen_seen = (uint8_t)(iv >> 8);
		in->throttled = 0;
	}
	return iv;
}

/* ------------------------------------------------------------------------- */
/* Fills. */

int64_t risk_fee(const struct risk_limits *l, bool taker, uint32_t px, uint32_t q)
{
	int32_t cbps = taker ? l->fees_cbps_taker : l->fees_cbps_maker;
	__int128 num = (__int128)px * q * cbps; /* money * 1e6 */
	__int128 half = num < 0 ? -500000 : 500000;
	return l->fees_per_share * (int64_t)q + (int64_t)((num + half) / 1000000);
}

void risk__fill(struct risk_stage *s, const struct exec_report *r, const struct risk_order *o)
{
	uint8_t side = o ? o->side : r->side;
	uint16_t locate = o ? o->locate : r->locate;
	if (side != 'B' && side != 'S')
		return;
	struct risk_inst *in = &s->inst[locate];
	int64_t before = in->pos.qty;
	int64_t realized = in->pos.realized_pnl;
	int64_t dq = side == 'B' ? (int64_t)r->qty : -(int64_t)r->qty;
	core_position_apply(&in->pos, dq, r->px);
	int64_t f = risk_fee(&s->lim, o && o->taker, r->px, r->qty);
	in->fees += f;
	s->fees += f;
	int64_t made = in->pos.realized_pnl - realized;
	s->realized += made;
	/* every fill, for the record; one that closed a trade (in part) carries
	 * its result after this fill's fee, for Kelly */
	struct risk_model_msg t = { .kind = RISK_MODEL_FILL, .locate = locate, .pnl = made - f,
		                    .ts_ns = r->ts_ns, .fee = f, .mark = r->px, .qty = r->qty,
		                    .side = side, .taker = o && o->taker, .closing = made != 0,
		                    .position = in->pos.qty };
	risk__model(s, &t);
	in->last_fill_px = r->px;
	if (!in->bid && !in->ask)
		in->mark = r->px; /* no book seen: the last fill price */
	int64_t after = in->pos.qty;
	if (after == 0) {
		in->open_ts = 0;
		in->best = 0;
	} else if (before == 0 || (before > 0) != (after > 0)) {
		in->open_ts = r->ts_ns; /* opened, or flipped through zero */
		in->best = r->px;
	}
	/* the fill throttle: a one-minute tumbling window from its first fill */
	uint32_t maxf = s->lim.max_fills_per_min;
	risk__inst_ack(s, locate); /* an operator's set before this fill is not for its throttle */
	if (maxf) {
		if (in->fills_n == 0 || r->ts_ns - in->fills_ts >= 60 * NS_PER_S) {
			in->fills_ts = r->ts_ns;
			in->fills_n = 0;
		}
		if (++in->fills_n > maxf && !in->throttled) {
			in->throttled = 1;
			risk__transition(s, r->ts_ns, risk_control_inst_mode(s->ctl, locate),
			                 RISK_MODE_HALTED, RISK_CAUSE_FILL_THROTTLE, locate);
		}
	}
}

/* ------------------------------------------------------------------------- */
/* Marks: the book an intent or watermark carries. */

void risk__observe(struct risk_stage *s, const struct order_intent *it)
{
	if (it->flags & (MD_F_STALE | MD_F_CROSSED))
		return;
	uint32_t b = it->bid_px, a = it->ask_px;
	if (!b && !a)
		return;
	if (b && a && b >= a)
		return;
	struct risk_inst *in = &s->inst[it->locate];
	in->bid = b;
	in->ask = a;
	uint32_t m = b && a ? (uint32_t)(((uint64_t)b + a) / 2) : b ? b : a;
	if (b && a && s->lim.band_bps) {
		int64_t mid2 = (int64_t)b + a;
		if (!in->band_mid2 || it->ts_ns - in->band_ts >= s->lim.band_window_ms * NS_PER_MS) {
			in->band_mid2 = mid2;
			in->band_ts = it->ts_ns;
		}
	}
	if (in->pos.qty) {
		if (!in->open_ts)
			in->open_ts = it->ts_ns; /* a restored position: its age starts now */
		if (!in->best || (in->pos.qty > 0 ? m > in->best : m < in->best))
			in->best = m;
	}
	if (!in->bar_lo || m < in->bar_lo)
		in->bar_lo = m; /* the interval's bar, for the model's ATR */
	if (m > in->bar_hi)
		in->bar_hi = m;
	if (m == in->mark)
		return;
	in->mark = m;
	if (!in->pos.qty && !in->open_buy && !in->open_sell)
		return; /* nothing held or open: no exposure, no P&L moves (its shares stay 0) */
	risk__refresh(s, it->locate);
	risk__breakers(s, it->ts_ns);
}

/* ------------------------------------------------------------------------- */
/* Exits. */

enum { EXIT_STOP, EXIT_PROFIT, EXIT_TRAIL, EXIT_TIME };

/* The exit the instrument of it needs now, as an ORDER_NEW in *m: 1 + its
 * kind (EXIT_*: risk_stats.exits[kind]), or 0 (none). After risk__observe. */
int risk__exit_order(struct risk_stage *s, const struct order_intent *it, struct order_msg *m)
{
	const struct risk_limits *l = &s->lim;
	struct risk_inst *in = &s->inst[it->locate];
	int64_t p = in->pos.qty;
	if (!p || in->exit_id || !in->mark ||
	    !(l->stop_loss_bps | l->take_profit_bps | l->trailing_stop_bps | l->max_hold_ms |
	      l->stop_loss_atr | l->take_profit_atr | l->trailing_stop_atr))
		return 0;
	if (it->flags & (MD_F_STALE | MD_F_CROSSED | MD_F_HALTED) || !s->session_up)
		return 0;
	int64_t q = p > 0 ? p - in->open_sell : -p - in->open_buy; /* not yet covered */
	uint32_t px = p > 0 ? in->bid : in->ask;
	if (q <= 0 || !px || s->open_count >= s->open_max)
		return 0;
	__int128 basis = iabs(in->pos.cost); /* average px * |qty| */
	__int128 u = in->unreal;
	/* ATR multiples: per share, times the position (hundredths of an ATR) */
	__int128 atr_q = (__int128)in->atr * iabs(p);
	int64_t fall = in->best ? (p > 0 ? (int64_t)in->best - in->mark
	                                 : (int64_t)in->mark - in->best)
	                        : 0;
	int why = -1;
	if ((l->stop_loss_bps && -u * 10000 >= basis * l->stop_loss_bps) ||
	    (l->stop_loss_atr && in->atr && -u * 100 >= atr_q * l->stop_loss_atr))
		why = EXIT_STOP;
	else if ((l->take_profit_bps && u * 10000 >= basis * l->take_profit_bps) ||
	         (l->take_profit_atr && in->atr && u * 100 >= atr_q * l->take_profit_atr))
		why = EXIT_PROFIT;
	else if (in->best &&
	         ((l->trailing_stop_bps &&
	           fall * 10000 >= (int64_t)l->trailing_stop_bps * in->best) ||
	          (l->trailing_stop_atr && in->atr &&
	           (__int128)fall * 100 >= (__int128)in->atr * l->trailing_stop_atr)))
		why = EXIT_TRAIL;
	else if (l->max_hold_ms && in->open_ts &&
	         it->ts_ns - in->open_ts >= (uint64_t)l->max_hold_ms * NS_PER_MS)
		why = EXIT_TIME;
	if (why < 0)
		return 0;
	memset(m, 0, sizeof(*m));
	m->kind = ORDER_NEW;
	m->seq = it->seq;
	m->ts_ns = it->ts_ns;
	m->t0_ns = it->t0_ns;
	m->locate = it->locate;
	m->side = p > 0 ? 'S' : 'B';
	m->px = px;
	/* at most max_order_qty: the rest goes at the next book once this is done */
	m->qty = q > l->max_order_qty ? l->max_order_qty : (uint32_t)q;
	m->flags = ORDER_F_EXIT;
	return 1 + why;
}

/* ------------------------------------------------------------------------- */
/* The checks (risk.h lists them in this order). A full order ring leaves the
 * intent for the next poll, checked again: so they change nothing but the
 * instrument's acknowledgement of an operator's mode set (idempotent). */

/* Tokens missing from a full bucket after refilling to now (1e9 per order). */
static uint64_t bucket(uint64_t deficit, uint64_t ts0, uint64_t now, uint32_t rate)
{
	/* never emptier than empty: a rate lowered since the last order leaves
	 * the bucket at most a second short of full (so a second refills it) */
	if (deficit > (uint64_t)rate * NS_PER_S)
		deficit = (uint64_t)rate * NS_PER_S;
	uint64_t dt = now > ts0 ? now - ts0 : 0;
	if (dt > NS_PER_S)
		dt = NS_PER_S;
	uint64_t refill = dt * rate;
	return deficit > refill ? deficit - refill : 0;
}

/* Take one token (the caller checked there is one) at now. */
static void bucket_take(uint64_t *deficit, uint64_t *ts0, uint64_t now, uint32_t rate)
{
	*deficit = bucket(*deficit, *ts0, now, rate) + NS_PER_S;
	if (now > *ts0)
		*ts0 = now;
}

static bool bucket_empty(uint64_t deficit, uint64_t ts0, uint64_t now, uint32_t rate)
{
	return bucket(deficit, ts0, now, rate) + NS_PER_S > (uint64_t)rate * NS_PER_S;
}

/* Would a buy at px (or a sell) cross one of our open orders on the other side? */
static bool self_trade(const struct risk_stage *s, const struct risk_inst *in, uint8_t side,
		       uint32_t px)
{
	for (uint32_t i = in->head[side == 'B']; i; i = s->orders[i - 1].next) {
		const struct risk_order *o = &s->orders[i - 1];
		if (o->px && (side == 'B' ? o->px <= px : o->px >= px))
			return true;
	}
	return false;
}

enum risk_reason risk__check(struct risk_stage *s, const struct order_intent *it,
			     uint32_t gmode, uint32_t *ret_qty)
{
	const struct risk_limits *l = &s->lim;
	struct risk_inst *in = &s->inst[it->locate];
	int64_t p = in->pos.qty;
	uint32_t q = it->qty;
	bool reduces = it->side == 'B' ? p < 0 && p + in->open_buy + q <= 0
	                               : it->side == 'S' && p > 0 && p - in->open_sell - q >= 0;
	if (gmode == RISK_MODE_HALTED)
		return RISK_R_HALTED_MODE;
	if (gmode == RISK_MODE_REDUCING && !reduces)
		return RISK_R_REDUCING;
	uint16_t iv = risk__inst_ack(s, it->locate);
	uint32_t imode = in->throttled ? RISK_MODE_HALTED : (iv & 3u);
	if (imode == RISK_MODE_HALTED && !reduces)
		return RISK_R_INST_HALTED;
	if (imode == RISK_MODE_REDUCING && !reduces)
		return RISK_R_REDUCING;
	if ((iv & RISK_INST_RESTRICTED) && !reduces)
		return RISK_R_RESTRICTED;
	if (!s->session_up)
		return RISK_R_SESSION;
	if (it->flags & MD_F_STALE)
		return RISK_R_STALE;
	if ((it->flags & MD_F_CROSSED) || (it->bid_px && it->ask_px && it->bid_px >= it->ask_px))
		return RISK_R_CROSSED;
	if (it->flags & MD_F_HALTED)
		return RISK_R_HALTED;
	if ((it->side != 'B' && it->side != 'S') || q == 0 || it->px == 0)
		return RISK_R_BAD_ORDER;
	if (l->kelly_ppm && s->caps_seq && s->caps.kelly_valid && !reduces) {
		/* f: this order's from its calibrated probability and the trades'
		 * payoff, else the trades' own; kelly_fraction * f * capital / px shares */
		int64_t f = s->caps.kelly_ppm;
		if (it->calibrated && s->caps.kelly_b_ppm) {
			int64_t pw = (int64_t)it->confidence * 100; /* millionths */
			f = pw - (1000000 - pw) * 1000000 / (int64_t)s->caps.kelly_b_ppm;
			if (f <= 0)
				return RISK_R_KELLY;
			if (f > 1000000)
				f = 1000000;
		}
		__int128 v = (__int128)l->capital * l->kelly_ppm * f /
		             ((__int128)1000000 * 1000000) / it->px;
		uint64_t kq = v > l->max_order_qty ? l->max_order_qty : (uint64_t)v;
		if (l->lot > 1)
			kq -= kq % l->lot;
		if (kq == 0)
			return RISK_R_KELLY;
		q = (uint32_t)kq;
	}
	if (s->tier_effect >= 1 && !reduces) {
		q = (uint32_t)((uint64_t)q * l->tier1_size_pct / 100);
		if (l->lot > 1)
			q -= q % l->lot;
		if (q == 0)
			return RISK_R_DRAWDOWN;
	}
	if (l->tick > 1 && it->px % l->tick)
		return RISK_R_TICK;
	if (l->lot > 1 && q % l->lot)
		return RISK_R_LOT;
	if (q < l->min_qty && !reduces)
		return RISK_R_MIN_QTY;
	if (q > l->max_order_qty)
		return RISK_R_MAX_QTY;
	int64_t ordn = (int64_t)it->px * q;
	if (ordn < l->min_notional && !reduces)
		return RISK_R_MIN_NOTIONAL;
	if (l->max_order_notional && ordn > l->max_order_notional)
		return RISK_R_MAX_NOTIONAL;
	if (it->bid_px == 0 || it->ask_px == 0)
		return RISK_R_NO_MARKET;
	/* |px - mid| / mid > collar/1e4  <=>  |2px - (bid+ask)| * 1e4 > collar * (bid+ask) */
	int64_t mid2 = (int64_t)it->bid_px + it->ask_px;
	if (iabs(2 * (int64_t)it->px - mid2) * 10000 > (int64_t)l->collar_bps * mid2)
		return RISK_R_COLLAR;
	if (!reduces) {
		if (l->band_bps && in->band_mid2 &&
		    iabs(mid2 - in->band_mid2) * 10000 > (int64_t)l->band_bps * in->band_mid2)
			return RISK_R_BAND;
		if (l->max_orders_per_sec &&
		    bucket_empty(s->rate_deficit, s->rate_ts, it->ts_ns, l->max_orders_per_sec))
			return RISK_R_RATE;
		if (l->max_orders_per_sec_inst &&
		    bucket_empty(in->rate_deficit, in->rate_ts, it->ts_ns, l->max_orders_per_sec_inst))
			return RISK_R_RATE_INST;
		if (l->duplicate_ms && in->dup_qty && in->dup_side == it->side &&
		    in->dup_px == it->px && in->dup_qty == q &&
		    it->ts_ns - in->dup_ts < (uint64_t)l->duplicate_ms * NS_PER_MS)
			return RISK_R_DUPLICATE;
	}
	if (in->head[it->side == 'B'] && self_trade(s, in, it->side, it->px))
		return RISK_R_SELF_TRADE;
	if (!reduces) {
		int64_t lw = p + in->open_buy, sw = p - in->open_sell;
		int64_t w = it->side == 'B' ? lw + q : sw - q; /* the worst case this side */
		if (it->side == 'B' ? w > s->eff_max_position : w < -s->eff_max_position)
			return RISK_R_POSITION;
		uint32_t mk = in->mark;
		if (l->max_position_notional && notional(iabs(w), mk) > s->eff_max_position_notional)
			return RISK_R_POSITION_NOTIONAL;
		if (l->max_gross_notional) {
			int64_t other = it->side == 'B' ? iabs(sw) : iabs(lw);
			int64_t g = notional(iabs(w) > other ? iabs(w) : other, mk);
			if (s->gross - in->c_gross + g > l->max_gross_notional)
				return RISK_R_GROSS;
		}
		if (l->max_net_notional &&
		    (it->side == 'B' ? s->net_long + notional(q, mk) > l->max_net_notional
		                     : -(s->net_short - notional(q, mk)) > l->max_net_notional))
			return RISK_R_NET;
		if (l->capital && s->cap_used + notional(q, mk) > l->capital)
			return RISK_R_CAPITAL;
	}
	if (s->open_count >= s->open_max)
		return RISK_R_OPEN_ORDERS;
	*ret_qty = q;
	return RISK_R_NONE;
}

/* An approved order: take its rate tokens, remember it for duplicates. */
void risk__approved(struct risk_stage *s, const struct order_msg *m)
{
	const struct risk_limits *l = &s->lim;
	struct risk_inst *in = &s->inst[m->locate];
	if (l->max_orders_per_sec)
		bucket_take(&s->rate_deficit, &s->rate_ts, m->ts_ns, l->max_orders_per_sec);
	if (l->max_orders_per_sec_inst)
		bucket_take(&in->rate_deficit, &in->rate_ts, m->ts_ns, l->max_orders_per_sec_inst);
	in->dup_ts = m->ts_ns;
	in->dup_px = m->px;
	in->dup_qty = m->qty;
	in->dup_side = m->side;
}

/* The position caps the limits and the model's caps make together. */
void risk__caps_changed(struct risk_stage *s)
{
	if (s->caps_seq)
		for (unsigned i = 0; i < RISK_CAPS_ATR; i++)
			if (s->caps.atr_locate[i])
				s->inst[s->caps.atr_locate[i]].atr = s->caps.atr[i];
	/* the drawdown each tier starts at: ceil(bps * capital / 1e4), exact
	 * for an integer drawdown */
	for (unsigned k = 0; k < 3; k++)
		s->tier_dd[k] = (int64_t)(((__int128)s->lim.drawdown_bps[k] * s->lim.capital + 9999) /
		                          10000);
	uint64_t ppm = s->caps_seq ? s->caps.position_ppm : 1000000;
	s->eff_max_position = (int64_t)((__int128)s->lim.max_position * ppm / 1000000);
	s->eff_max_position_notional =
	        (int64_t)((__int128)s->lim.max_position_notional * ppm / 1000000);
}

/* A strategy's cancel: the cancel rates only (risk.h, INTENT_CANCEL). */
enum risk_reason risk__cancel_check(struct risk_stage *s, uint16_t locate, uint64_t ts)
{
	const struct risk_limits *l = &s->lim;
	struct risk_inst *in = &s->inst[locate];
	if (l->max_cancels_per_sec &&
	    bucket_empty(s->crate_deficit, s->crate_ts, ts, l->max_cancels_per_sec))
		return RISK_R_CANCEL_RATE;
	if (l->max_cancels_per_sec_inst &&
	    bucket_empty(in->crate_deficit, in->crate_ts, ts, l->max_cancels_per_sec_inst))
		return RISK_R_CANCEL_RATE_INST;
	return RISK_R_NONE;
}

void risk__cancel_taken(struct risk_stage *s, uint16_t locate, uint64_t ts)
{
	const struct risk_limits *l = &s->lim;
	struct risk_inst *in = &s->inst[locate];
	if (l->max_cancels_per_sec)
		bucket_take(&s->crate_deficit, &s->crate_ts, ts, l->max_cancels_per_sec);
	if (l->max_cancels_per_sec_inst)
		bucket_take(&in->crate_deficit, &in->crate_ts, ts, l->max_cancels_per_sec_inst);
}
