/* control.c - the operator's side of risk: struct risk_control (kill,
 * modes, restricted list, the limits' seqlock) and the limits by key. */
#include "risk_int.h"

#include <stdio.h>
#include <stdlib.h>

static const char *const reason_names[RISK_R_COUNT] = {
	[RISK_R_NONE] = "none",
	[RISK_R_KILLED] = "killed",
	[RISK_R_HALTED_MODE] = "halted_mode",
	[RISK_R_REDUCING] = "reducing",
	[RISK_R_INST_HALTED] = "inst_halted",
	[RISK_R_RESTRICTED] = "restricted",
	[RISK_R_SESSION] = "session",
	[RISK_R_STALE] = "stale",
	[RISK_R_CROSSED] = "crossed",
	[RISK_R_HALTED] = "halted",
	[RISK_R_BAD_ORDER] = "bad_order",
	[RISK_R_DRAWDOWN] = "drawdown",
	[RISK_R_TICK] = "tick",
	[RISK_R_LOT] = "lot",
	[RISK_R_MIN_QTY] = "min_qty",
	[RISK_R_MAX_QTY] = "max_qty",
	[RISK_R_MIN_NOTIONAL] = "min_notional",
	[RISK_R_MAX_NOTIONAL] = "max_notional",
	[RISK_R_NO_MARKET] = "no_market",
	[RISK_R_COLLAR] = "collar",
	[RISK_R_BAND] = "band",
	[RISK_R_RATE] = "rate",
	[RISK_R_RATE_INST] = "rate_inst",
	[RISK_R_DUPLICATE] = "duplicate",
	[RISK_R_SELF_TRADE] = "self_trade",
	[RISK_R_POSITION] = "position",
	[RISK_R_POSITION_NOTIONAL] = "position_notional",
	[RISK_R_GROSS] = "gross",
	[RISK_R_NET] = "net",
	[RISK_R_CAPITAL] = "capital",
	[RISK_R_KELLY] = "kelly",
	[RISK_R_UNKNOWN_ORDER] = "unknown_order",
	[RISK_R_CANCEL_RATE] = "cancel_rate",
	[RISK_R_CANCEL_RATE_INST] = "cancel_rate_inst",
	[RISK_R_OPEN_ORDERS] = "open_orders",
};

const char *risk_reason_name(unsigned reason)
{
	return reason < RISK_R_COUNT ? reason_names[reason] : "?";
}

const char *risk_cause_name(unsigned cause)
{
	static const char *const n[] = {
		[RISK_CAUSE_OPERATOR] = "operator", [RISK_CAUSE_TIER1] = "drawdown_tier1",
		[RISK_CAUSE_TIER2] = "drawdown_tier2", [RISK_CAUSE_TIER3] = "drawdown_tier3",
		[RISK_CAUSE_DAILY_LOSS] = "daily_loss", [RISK_CAUSE_FILL_THROTTLE] = "fill_throttle",
		[RISK_CAUSE_FAULT] = "fault", [RISK_CAUSE_END] = "end_of_input",
	};
	return cause < sizeof(n) / sizeof(n[0]) && n[cause] ? n[cause] : "?";
}

/* ------------------------------------------------------------------------- */
/* Limits by key. */

enum ltype {
	L_U32,   /* integer */
	L_I64,   /* integer shares */
	L_MONEY, /* dollars, 4 decimals -> price units times shares (int64) */
	L_PRICE, /* dollars, 4 decimals -> price units (uint32) */
	L_CBPS,  /* bps, 2 decimals -> hundredths of a bp (int32) */
	L_PCT,   /* a fraction 0.01..1 -> percent (uint16) */
	L_TIERS, /* "5,10,15" percent -> bps[3] */
	L_PPM,   /* a fraction 0..1 with up to 6 decimals -> millionths (uint32) */
	L_X100,  /* a multiple with up to 2 decimals -> hundredths (uint32) */
};

struct lkey {
	const char *key;
	enum ltype type;
	size_t off;
	int64_t max;
};

#define K(name, field, type, max) { name, type, offsetof(struct risk_limits, field), max }
static const struct lkey lkeys[] = {
	K("max_order_qty", max_order_qty, L_U32, 100000000),
	K("max_position", max_position, L_I64, 1000000000),
	K("collar_bps", collar_bps, L_U32, 10000),
	K("tick_size", tick, L_PRICE, UINT32_MAX),
	K("lot_size", lot, L_U32, 100000000),
	K("min_qty", min_qty, L_U32, 100000000),
	K("min_notional", min_notional, L_MONEY, RISK_MONEY_MAX),
	K("max_order_notional", max_order_notional, L_MONEY, RISK_MONEY_MAX),
	K("band_bps", band_bps, L_U32, 10000),
	K("band_window_ms", band_window_ms, L_U32, 86400000),
	K("max_orders_per_sec", max_orders_per_sec, L_U32, 1000000),
	K("max_orders_per_sec_inst", max_orders_per_sec_inst, L_U32, 1000000),
	K("max_cancels_per_sec", max_cancels_per_sec, L_U32, 1000000),
	K("max_cancels_per_sec_inst", max_cancels_per_sec_inst, L_U32, 1000000),
	K("duplicate_ms", duplicate_ms, L_U32, 86400000),
	K("max_position_notional", max_position_notional, L_MONEY, RISK_MONEY_MAX),
	K("max_gross_notional", max_gross_notional, L_MONEY, RISK_MONEY_MAX),
	K("max_net_notional", max_net_notional, L_MONEY, RISK_MONEY_MAX),
	K("capital", capital, L_MONEY, RISK_MONEY_MAX),
	K("daily_loss_limit", daily_loss_limit, L_MONEY, RISK_MONEY_MAX),
	K("drawdown_tiers", drawdown_bps, L_TIERS, 10000),
	K("tier1_size_factor", tier1_size_pct, L_PCT, 100),
	K("max_fills_per_min", max_fills_per_min, L_U32, 1000000),
	K("fees_per_share", fees_per_share, L_MONEY, 1000000),
	K("fees_bps_maker", fees_cbps_maker, L_CBPS, 100000),
	K("fees_bps_taker", fees_cbps_taker, L_CBPS, 100000),
	K("stop_loss_bps", stop_loss_bps, L_U32, 10000),
	K("take_profit_bps", take_profit_bps, L_U32, 1000000),
	K("trailing_stop_bps", trailing_stop_bps, L_U32, 10000),
	K("max_hold_ms", max_hold_ms, L_U32, 86400000),
	K("stop_loss_atr", stop_loss_atr, L_X100, 100000),
	K("take_profit_atr", take_profit_atr, L_X100, 100000),
	K("trailing_stop_atr", trailing_stop_atr, L_X100, 100000),
	K("var_limit", var_limit, L_MONEY, RISK_MONEY_MAX),
	K("corr_exposure_limit", corr_exposure_limit, L_MONEY, RISK_MONEY_MAX),
	K("kelly_fraction", kelly_ppm, L_PPM, 1000000),
};
#undef K
#define NKEYS (sizeof(lkeys) / sizeof(lkeys[0]))

const char *risk_limits_key(unsigned i)
{
	return i < NKEYS ? lkeys[i].key : NULL;
}

static const struct lkey *lkey_find(const char *key)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(lkeys[i].key, key))
			return &lkeys[i];
	return NULL;
}

int risk_limits_check(const struct risk_limits *l, char *err, size_t errlen)
{
	if (l->max_order_qty == 0) {
		core_errf(err, errlen, "risk: max_order_qty must be > 0");
		return -EINVAL;
	}
	if (l->max_position <= 0 || l->max_position > 1000000000) {
		core_errf(err, errlen, "risk: max_position must be in 1..1000000000");
		return -EINVAL;
	}
	if (l->max_order_qty > 100000000) {
		core_errf(err, errlen, "risk: max_order_qty %u above 100000000", l->max_order_qty);
		return -EINVAL;
	}
	if (l->collar_bps > 10000) {
		core_errf(err, errlen, "risk: collar_bps %u above 10000", l->collar_bps);
		return -EINVAL;
	}
	if ((l->band_bps == 0) != (l->band_window_ms == 0)) {
		core_errf(err, errlen, "risk: band_bps and band_window_ms go together (both or neither)");
		return -EINVAL;
	}
	const int64_t *money[] = { &l->min_notional,     &l->max_order_notional,
		                   &l->max_position_notional, &l->max_gross_notional,
		                   &l->max_net_notional, &l->capital,
		                   &l->daily_loss_limit,  &l->fees_per_share,
		                   &l->var_limit, &l->corr_exposure_limit };
	for (size_t i = 0; i < sizeof(money) / sizeof(money[0]); i++)
		if (*money[i] < 0 || *money[i] > RISK_MONEY_MAX) {
			core_errf(err, errlen, "risk: a money limit is outside 0..%lld",
			          (long long)RISK_MONEY_MAX);
			return -EINVAL;
		}
	bool tiers = l->drawdown_bps[0] || l->drawdown_bps[1] || l->drawdown_bps[2];
	if (tiers) {
		if (!l->capital) {
			core_errf(err, errlen, "risk: drawdown_tiers need capital (they are %% of it)");
			return -EINVAL;
		}
		for (int i = 0; i < 3; i++)
			if (l->drawdown_bps[i] == 0 || l->drawdown_bps[i] > 10000 ||
			    (i && l->drawdown_bps[i] <= l->drawdown_bps[i - 1])) {
				core_errf(err, errlen,
				          "risk: drawdown_tiers must be three increasing percentages "
				          "in (0, 100]");
				return -EINVAL;
			}
		if (l->tier1_size_pct == 0 || l->tier1_size_pct > 100) {
			core_errf(err, errlen, "risk: tier1_size_factor must be in (0, 1]");
			return -EINVAL;
		}
	}
	if (l->fees_cbps_maker < -100000 || l->fees_cbps_maker > 100000 ||
	    l->fees_cbps_taker < -100000 || l->fees_cbps_taker > 100000) {
		core_errf(err, errlen, "risk: fees_bps_* must be within +-1000 bps");
		return -EINVAL;
	}
	if (l->kelly_ppm > 1000000 || (l->kelly_ppm && !l->capital)) {
		core_errf(err, errlen, "risk: kelly_fraction must be in [0, 1] and needs capital");
		return -EINVAL;
	}
	if (l->min_qty && l->min_qty > l->max_order_qty) {
		core_errf(err, errlen, "risk: min_qty %u above max_order_qty %u", l->min_qty,
		          l->max_order_qty);
		return -EINVAL;
	}
	return 0;
}

int risk_limits_parse(struct risk_limits *l, const char *key, const char *value, char *err,
		      size_t errlen)
{
	const struct lkey *k = lkey_find(key);
	if (!k) {
		core_errf(err, errlen, "risk: no limit is called '%s'", key);
		return -ENOENT;
	}
	struct risk_limits n = *l;
	char *f = (char *)&n + k->off;
	int64_t v = 0;
	int r = 0;
	switch (k->type) {
	case L_U32:
	case L_I64:
		r = core_parse_fixed(value, 0, &v);
		break;
	case L_MONEY:
	case L_PRICE:
		r = core_parse_fixed(value, 4, &v);
		break;
	case L_CBPS:
		r = core_parse_fixed(value, 2, &v);
		if (r == 0 && (v < -k->max || v > k->max))
			r = -ERANGE;
		if (r == 0)
			*(int32_t *)(void *)f = (int32_t)v;
		break;
	case L_PCT:
		r = core_parse_fixed(value, 2, &v);
		if (r == 0 && (v <= 0 || v > 100))
			r = -ERANGE;
		if (r == 0)
			*(uint16_t *)(void *)f = (uint16_t)v;
		break;
	case L_X100:
		r = core_parse_fixed(value, 2, &v);
		if (r == 0 && (v < 0 || v > k->max))
			r = -ERANGE;
		if (r == 0)
			*(uint32_t *)(void *)f = (uint32_t)v;
		break;
	case L_PPM:
		r = core_parse_fixed(value, 6, &v);
		if (r == 0 && (v < 0 || v > k->max))
			r = -ERANGE;
		if (r == 0)
			*(uint32_t *)(void *)f = (uint32_t)v;
		break;
	case L_TIERS: {
		/* "5,10,15": three percentages, up to 2 decimals each */
		uint16_t bps[3];
		const char *p = value;
		for (int i = 0; i < 3 && r == 0; i++) {
			char part[32];
			size_t n2 = strcspn(p, ",");
			if (n2 == 0 || n2 >= sizeof(part) || (i < 2) != (p[n2] == ',')) {
				r = -EINVAL;
				break;
			}
			memcpy(part, p, n2);
			part[n2] = 0;
			r = core_parse_fixed(part, 2, &v);
			if (r == 0 && (v <= 0 || v > 10000))
				r = -ERANGE;
			bps[i] = (uint16_t)v;
			p += n2 + (p[n2] == ',');
		}
		if (r == 0)
			memcpy(f, bps, sizeof(bps));
		break;
	}
	}
	if (r == 0 && k->type <= L_PRICE) {
		if (v < 0 || v > k->max)
			r = -ERANGE;
		else if (k->type == L_I64 || k->type == L_MONEY)
			*(int64_t *)(void *)f = v;
		else
			*(uint32_t *)(void *)f = (uint32_t)v;
	}
	if (r < 0) {
		static const char *const form[] = {
			[L_U32] = "an integer", [L_I64] = "an integer",
			[L_MONEY] = "dollars with up to 4 decimals",
			[L_PRICE] = "dollars with up to 4 decimals", [L_CBPS] = "bps with up to 2 decimals",
			[L_PCT] = "a fraction in (0, 1] with up to 2 decimals",
			[L_TIERS] = "three percentages, e.g. 5,10,15",
			[L_PPM] = "a fraction in [0, 1] with up to 6 decimals",
			[L_X100] = "a multiple with up to 2 decimals (0 to 1000)",
		};
		core_errf(err, errlen, "'%s' is not %s", value,
		          r == -ERANGE ? "in range" : form[k->type]);
		return -EINVAL;
	}
	*l = n;
	return 0;
}

int risk_limits_set(struct risk_limits *l, const char *key, const char *value, char *err,
		    size_t errlen)
{
	struct risk_limits n = *l;
	char why[160];
	int r = risk_limits_parse(&n, key, value, why, sizeof(why));
	if (r == -ENOENT) {
		core_errf(err, errlen, "%s", why);
		return r;
	}
	if (r < 0) {
		core_errf(err, errlen, "risk: %s: %s", key, why);
		return r;
	}
	if ((r = risk_limits_check(&n, err, errlen)) < 0)
		return r;
	*l = n;
	return 0;
}

int risk_limits_format(const struct risk_limits *l, const char *key, char *buf, size_t len)
{
	const struct lkey *k = lkey_find(key);
	if (!k)
		return -ENOENT;
	const char *f = (const char *)l + k->off;
	switch (k->type) {
	case L_U32:
		snprintf(buf, len, "%u", *(const uint32_t *)(const void *)f);
		break;
	case L_I64:
		snprintf(buf, len, "%lld", (long long)*(const int64_t *)(const void *)f);
		break;
	case L_MONEY:
		core_format_fixed(buf, len, *(const int64_t *)(const void *)f, 4);
		break;
	case L_PRICE:
		core_format_fixed(buf, len, *(const uint32_t *)(const void *)f, 4);
		break;
	case L_CBPS:
		core_format_fixed(buf, len, *(const int32_t *)(const void *)f, 2);
		break;
	case L_PCT:
		core_format_fixed(buf, len, *(const uint16_t *)(const void *)f, 2);
		break;
	case L_PPM:
		core_format_fixed(buf, len, *(const uint32_t *)(const void *)f, 6);
		break;
	case L_X100:
		core_format_fixed(buf, len, *(const uint32_t *)(const void *)f, 2);
		break;
	case L_TIERS: {
		char a[3][16];
		for (int i = 0; i < 3; i++)
			core_format_fixed(a[i], sizeof(a[i]), l->drawdown_bps[i], 2);
		snprintf(buf, len, "%s,%s,%s", a[0], a[1], a[2]);
		break;
	}
	}
	return 0;
}

/* ------------------------------------------------------------------------- */
/* Control: written by one control thread, read by the stage. */

void risk_control_init(struct risk_control *c)
{
	memset(c, 0, sizeof(*c));
}

void risk_control_kill(struct risk_control *c)
{
	atomic_store_explicit(&c->killed, 1, memory_order_release); /* K1: pairs with K2 */
}

void risk_control_flatten(struct risk_control *c)
{
	atomic_fetch_add_explicit(&c->flatten_all, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&c->flatten, 1, memory_order_release); /* K1 */
}

int risk_control_flatten_inst(struct risk_control *c, uint16_t locate)
{
	uint32_t head = atomic_load_explicit(&c->flat_head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&c->flat_tail, memory_order_acquire); /* F3 */
	if (head - tail >= RISK_FLATTEN_Q)
		return -EAGAIN;
	c->flat_q[head % RISK_FLATTEN_Q] = locate;
	atomic_store_explicit(&c->flat_head, head + 1, memory_order_release); /* F1 */
	atomic_fetch_add_explicit(&c->flatten, 1, memory_order_release); /* K1 */
	return 0;
}

void risk_control_resume(struct risk_control *c)
{
	atomic_store_explicit(&c->killed, 0, memory_order_release); /* K1 */
}

void risk_control_fault(struct risk_control *c)
{
	atomic_fetch_add_explicit(&c->faults, 1, memory_order_release); /* K1 */
}

bool risk_control_is_killed(const struct risk_control *c)
{
	/* K2: pairs with K1. */
	return atomic_load_explicit(&c->killed, memory_order_acquire) != 0;
}

static bool mode_ok(enum risk_mode m)
{
	return m == RISK_MODE_ACTIVE || m == RISK_MODE_REDUCING || m == RISK_MODE_HALTED;
}

int risk_control_set_mode(struct risk_control *c, enum risk_mode mode)
{
	if (!mode_ok(mode))
		return -EINVAL;
	atomic_store_explicit(&c->mode, (uint32_t)mode, memory_order_relaxed);
	atomic_fetch_add_explicit(&c->mode_sets, 1, memory_order_release); /* K1 */
	return 0;
}

enum risk_mode risk_control_mode(const struct risk_control *c)
{
	uint32_t op = atomic_load_explicit(&c->mode, memory_order_acquire);
	uint32_t br = atomic_load_explicit(&c->breaker_mode, memory_order_acquire);
	return (enum risk_mode)(op > br ? op : br);
}

int risk_control_set_inst_mode(struct risk_control *c, uint16_t locate, enum risk_mode mode)
{
	if (!mode_ok(mode))
		return -EINVAL;
	uint16_t v = atomic_load_explicit(&c->inst[locate], memory_order_relaxed), n;
	do
		n = (uint16_t)((((v >> 8) + 1) << 8) | (v & RISK_INST_RESTRICTED) | (uint16_t)mode);
	while (!atomic_compare_exchange_weak_explicit(&c->inst[locate], &v, n,
	                                              memory_order_release, /* K1 */
	                                              memory_order_relaxed));
	return 0;
}

enum risk_mode risk_control_inst_mode(const struct risk_control *c, uint16_t locate)
{
	return (enum risk_mode)(atomic_load_explicit(&c->inst[locate], memory_order_acquire) & 3);
}

void risk_control_restrict(struct risk_control *c, uint16_t locate, bool restricted)
{
	if (restricted)
		atomic_fetch_or_explicit(&c->inst[locate], RISK_INST_RESTRICTED,
		                         memory_order_release); /* K1 */
	else
		atomic_fetch_and_explicit(&c->inst[locate], (uint16_t)~RISK_INST_RESTRICTED,
		                          memory_order_release); /* K1 */
}

bool risk_control_is_restricted(const struct risk_control *c, uint16_t locate)
{
	return atomic_load_explicit(&c->inst[locate], memory_order_acquire) & RISK_INST_RESTRICTED;
}

/* The seqlock (Boehm, "Can seqlocks get along with programming language
 * memory models?"): the words are atomics so a torn read is a retry, not a
 * data race. */
#define NWORDS (sizeof(((struct risk_control *)0)->limits_words) / sizeof(uint64_t))

int risk_control_set_limits(struct risk_control *c, const struct risk_limits *l, char *err,
			    size_t errlen)
{
	int r = risk_limits_check(l, err, errlen);
	if (r < 0)
		return r;
	uint64_t w[NWORDS] = { 0 };
	memcpy(w, l, sizeof(*l));
	uint32_t seq = atomic_load_explicit(&c->limits_seq, memory_order_relaxed);
	atomic_store_explicit(&c->limits_seq, seq + 1, memory_order_relaxed); /* odd: writing */
	atomic_thread_fence(memory_order_release);
	for (size_t i = 0; i < NWORDS; i++)
		atomic_store_explicit(&c->limits_words[i], w[i], memory_order_relaxed);
	atomic_store_explicit(&c->limits_seq, seq + 2, memory_order_release); /* K1 */
	return 0;
}

int risk__limits_read(const struct risk_control *c, uint32_t *seq, struct risk_limits *ret)
{
	uint32_t s1 = atomic_load_explicit(&c->limits_seq, memory_order_acquire); /* K2 */
	if (s1 == *seq)
		return 0;
	if (s1 & 1)
		return -EAGAIN; /* a write is under way: never wait for it */
	uint64_t w[NWORDS];
	for (size_t i = 0; i < NWORDS; i++)
		w[i] = atomic_load_explicit(&c->limits_words[i], memory_order_relaxed);
	atomic_thread_fence(memory_order_acquire);
	if (atomic_load_explicit(&c->limits_seq, memory_order_relaxed) != s1)
		return -EAGAIN; /* torn by a concurrent write */
	memcpy(ret, w, sizeof(*ret));
	*seq = s1;
	return 1;
}

void risk_control_limits(const struct risk_control *c, struct risk_limits *ret)
{
	uint32_t seq = UINT32_MAX; /* never a real (even) sequence: always copies */
	memset(ret, 0, sizeof(*ret));
	while (risk__limits_read(c, &seq, ret) < 0)
		core_cpu_relax();
}
