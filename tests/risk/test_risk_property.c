/*
 * test_risk_property.c - Why one file of about 2,800 lines: the oracle (a
 * second, independent risk engine written from risk.h), the operations that
 * drive both and the comparison are one program whose parts only make sense
 * together; split, the oracle's rules would sit apart from the checks on them.
 *
 * What it proves: over a million random operations
 * (intents, books, fills, cancels, session drops, operator commands, limit
 * changes), the pre-trade risk stage decides every intent exactly as an
 * oracle written here from risk.h alone, reason for reason, and sends the
 * same exits, cancel-alls, flatten orders and watermarks; and, checked from
 * scratch with the oracle's own arithmetic after every approval:
 *   (a) no approved order breaks a configured limit (order size, tick, lot,
 *       notional, collar, band, rates, duplicates, self-trade, position
 *       shares and notional, gross, net, capital, modes, session, book);
 *   (b) no order that reduces exposure (risk.h's definition) is refused by a
 *       [new risk] check, and none is scaled down.
 * After every poll the stage's counters, money (P&L, fees, drawdown,
 * high-water, exposure sums), breaker level, transitions and per-instrument
 * view must equal the oracle's, and so must the events ring (every reject
 * with its reason, every mode change, every cancel-all's cause, in the
 * order they were made). Every 25,000 operations a new stage starts
 * with the positions restored (a restart: a new day), so P&L, breakers and
 * exits stay live; every 5,000 the limits are drawn again. Random values
 * would never land exactly on a limit, so some operations aim at the edges:
 * time on a window's edge, a price whose notional is the limit, a book on
 * the band's edge, a limit set to exactly the next order's exposure, exits
 * and breakers exactly at their level (and one unit short).
 *
 * The oracle is its own code: the rules of risk.h written out plainly, each
 * limit recomputed over the oracle's positions, open orders and marks, not
 * the stage's cached sums. Where risk.h leaves a choice open the oracle takes
 * the stage's reading and says so (AMBIGUITY). When it was written the test
 * found eight places where the stage departed from risk.h (mark, ack,
 * throttle, seq, rate, position, from, flatten: see enum dev); the stage was
 * fixed, and the oracle now follows risk.h there (strict, the default) and
 * stops at the first disagreement with the whole story (op, input, both
 * decisions, state). OSPREY_PROPERTY_STRICT=LIST (a comma list of those
 * names) models the old departures for the others instead: a way to see what
 * each one changed, not for normal runs.
 *
 * Usage: test_risk_property [seed]; OSPREY_PROPERTY_OPS overrides the number
 * of operations (default 1000000).
 */
#undef NDEBUG
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../stage_poll.h"
#include "risk.h"

#define NS_MS        1000000ull
#define NS_S         1000000000ull
/* locates 1..6 trade; 7 never gets an intent: only fills the table does not
 * know (orders placed before a restart) and now and then a watermark's book */
#define NLOC         7
#define ORPHAN       7
#define MAX_OPEN     40   /* a small open-order table, so RISK_R_OPEN_ORDERS fires */
#define GRID         100  /* books sit on a one-cent grid (ITCH 1e-4 prices) */
#define FIRST_ID     5000 /* ids below it are "before a restart": always unknown */
#define HIST         192  /* approvals kept per rate window for property (a) */
#define DEFAULT_OPS  1000000ull
#define DAY_OPS      25000 /* a new stage (a restart) with positions restored */
#define PHASE_OPS    5000  /* every limit drawn again */
#define DEFAULT_SEED 0x5eed2024c0ffee11ull

typedef __int128 i128;

/* Where the stage departs from risk.h as this test reads it. The oracle
 * models the stage (so a run passes) and counts the cases that matter; with
 * OSPREY_PROPERTY_STRICT it follows risk.h and stops at the first one.
 *   mark      "..., else the last fill price": without a book the stage keeps
 *             the first fill's price as the mark
 *   ack       "A breaker stays in effect until the operator sets the global
 *             mode": the stage takes a set at its next intent, so a breaker
 *             that fires between the set and then is lifted by it
 *   throttle  "... HALTED until the operator sets it again": the same for a
 *             fill throttle that fires after an instrument mode set
 *   seq       "Seqs on the order ring never go backwards": an exit, then the
 *             cancel-all of a breaker the same book fired, with an older seq
 *   rate      "refilled continuously, capacity one second's worth": the stage
 *             refills at most a second's worth per look, so a bucket left
 *             more than a second short by a lowered rate never refills
 *   position  "sell: position - open_sell - qty >= -max_position": the stage
 *             bounds |shares|, refusing a tier-1-scaled order that leaves a
 *             position on its own side above max_position
 *   from      "Every mode change is logged": an operator's set is logged from
 *             its new mode (halted then active shows active -> active)
 *   flatten   "one ORDER_NEW per instrument asked for with a position": a
 *             request for an instrument the stage did not know is dropped
 *             when a fill on it is drained before the flatten runs */
enum dev {
	DEV_MARK,
	DEV_ACK,
	DEV_THROTTLE,
	DEV_SEQ,
	DEV_RATE,
	DEV_POSITION,
	DEV_FROM,
	DEV_FLATTEN,
	DEV_N
};
static const char *const dev_name[DEV_N] = { "mark", "ack",      "throttle", "seq",
	                                     "rate", "position", "from",     "flatten" };
static unsigned strict; /* 1 << enum dev: follow risk.h, not the stage */
static uint64_t devs[DEV_N];

static const char *const exit_name[4] = { "stop_loss", "take_profit", "trailing", "time" };

/* ------------------------------------------------------------------------- */
/* A seeded xorshift64*: the same operations for the same seed, every run. */

static uint64_t rs;
static uint64_t rnd(void)
{
	rs ^= rs >> 12;
	rs ^= rs << 25;
	rs ^= rs >> 27;
	return rs * 0x2545F4914F6CDD1Dull;
}
static uint64_t rn(uint64_t n) /* [0, n) */
{
	return n ? rnd() % n : 0;
}
static uint64_t rr(uint64_t lo, uint64_t hi) /* [lo, hi] */
{
	return lo + rn(hi - lo + 1);
}
static bool chance(unsigned permille)
{
	return rn(1000) < permille;
}

/* ------------------------------------------------------------------------- */
/* The oracle's state: what risk.h says the stage must know. */

enum { OK_INTENT = 0, OK_EXIT = 1, OK_FLATTEN = 2 };

struct o_order {
	uint64_t id;
	int64_t rem; /* open shares */
	uint32_t px; /* 0: a flatten order (exec prices it) */
	uint16_t loc;
	uint8_t side;
	uint8_t kind; /* OK_* */
	bool taker;   /* crossed the book it was decided on: fills pay taker fees */
};

/* Property (a) for the token buckets, from the approvals alone: a bucket of
 * capacity R refilled at R per second, full at most, lets through at most
 * R + dt * R / 1s orders in any span of dt. The window restarts when the
 * rate changes (the bound is per rate). */
struct win {
	uint32_t rate;
	uint64_t n;
	uint64_t t[HIST];
};

struct o_inst {
	int64_t pos, cost, realized, fees; /* average cost, before fees; fees */
	int64_t ob, os;                    /* open buy / sell shares */
	uint32_t bid, ask;                 /* the last usable book */
	uint32_t mark;
	bool book_seen;   /* a book ever gave it a mark */
	uint64_t band_ts; /* band window start, anchor (twice the mid, 0 none) */
	int64_t band_mid2;
	uint64_t r_used, r_ts; /* rate bucket: tokens used (1e9 per order), when */
	struct win rw;
	bool dup_set; /* the last approved order */
	uint64_t dup_ts;
	uint32_t dup_px, dup_qty;
	uint8_t dup_side;
	uint32_t fills_n; /* fill throttle window */
	uint64_t fills_ts;
	bool throttled;
	bool gen_pending; /* an operator's mode set the stage has not seen */
	uint64_t open_ts; /* exits: when the position opened (0 unknown) */
	uint32_t best;    /* best mark since */
	uint64_t exit_id; /* exit under way */
	uint32_t op_mode; /* risk_control_set_inst_mode */
	bool restricted;
	bool flat_asked;    /* risk_control_flatten_inst, not carried out yet */
	bool flat_absorbed; /* DEV_FLATTEN: the stage dropped the request (below) */
	bool touched;       /* the stage knows it: a position, an order or a fill today */
};

static struct {
	struct risk_limits lim; /* in force at the stage */
	struct risk_limits pub; /* last accepted by risk_control_set_limits */
	bool pub_new;           /* published, not yet applied (next poll) */
	struct o_inst in[NLOC + 1];
	struct o_order ord[MAX_OPEN];
	unsigned nord;
	uint64_t next_id;
	bool killed;      /* the control flag */
	bool killed_seen; /* as the stage saw it at its last poll */
	unsigned flat_req, flat_seen;
	bool flat_all;   /* a flatten of every instrument asked since the last one */
	bool flat_every; /* the flatten under way closes every instrument */
	bool flattening;
	uint32_t op_mode;                  /* risk_control_set_mode */
	uint32_t op_seen;                  /* the operator's mode the stage last acknowledged */
	bool op_pending;                   /* a set the stage has not acknowledged yet */
	uint32_t br_mode;                  /* the breakers' mode */
	unsigned fired;                    /* breaker level fired or acknowledged */
	unsigned effect;                   /* breaker level in effect, 0 none */
	int64_t hw;                        /* high-water equity */
	int64_t pnl_eval, dd_eval, max_dd; /* at the last breaker evaluation */
	bool session_up;
	uint64_t r_used, r_ts; /* the session's bucket */
	struct win rw;
	uint64_t last_seq, last_ts, last_t0; /* last consumed intent */
	bool cancel_pending;
	uint8_t cancel_cause;      /* 0 the kill, else the breaker's enum risk_cause */
	struct risk_stats st;      /* the counters the stage must show */
	struct risk_event ev[512]; /* the events it must record in this poll */
	unsigned nev;
	/* what the poll under way must push */
	struct order_msg exp[512];
	unsigned nexp;
	unsigned flat_lo, flat_hi; /* flatten orders in exp[] (their order is free) */
} O;

/* Counts for the summary and the coverage asserts. */
static struct {
	uint64_t intents, wm_intents, report_ops, control_ops, bursts;
	uint64_t fires[5], throttles, acks, invalid_sets, valid_sets, phases;
	uint64_t red_intents, red_approved, red_refused_static, red_killed_or_halted;
	uint64_t fills_unknown, venue_cancel_alls;
	uint64_t exits_sent;
	uint64_t edge_breakers, edge_exposure, edge_exits;
	uint64_t exit_unchecked[6]; /* self-trade, max qty, tick, lot, max notional, collar */
} C;

/* ------------------------------------------------------------------------- */
/* Failure: say everything, then stop. */

static uint64_t seed, op_no;
static char opdesc[4096];
static size_t opdesc_n;

__attribute__((format(printf, 1, 2))) static void note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(opdesc + opdesc_n, sizeof(opdesc) - opdesc_n, fmt, ap);
	va_end(ap);
	if (n > 0)
		opdesc_n = opdesc_n + (size_t)n < sizeof(opdesc) ? opdesc_n + (size_t)n
		                                                 : sizeof(opdesc) - 1;
}

static void print_msg(const char *who, unsigned i, const struct order_msg *m)
{
	fprintf(stderr,
	        "  %s[%u] kind %u seq %" PRIu64 " ts %" PRIu64 " id %" PRIu64
	        " loc %u side %c px %u qty %u flags %u\n",
	        who, i, m->kind, m->seq, m->ts_ns, m->order_id, m->locate, m->side ? m->side : '-',
	        m->px, m->qty, m->flags);
}

static const struct order_msg *got_msgs;
static unsigned ngot;

__attribute__((format(printf, 1, 2), noreturn)) static void fail(const char *fmt, ...)
{
	fprintf(stderr, "risk property FAILED at op %" PRIu64 " (seed %" PRIu64 "): ", op_no, seed);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n  op: %s\n", opdesc);
	for (unsigned i = 0; i < O.nexp; i++)
		print_msg("oracle", i, &O.exp[i]);
	for (unsigned i = 0; got_msgs && i < ngot; i++)
		print_msg("stage ", i, &got_msgs[i]);
	const struct risk_limits *l = &O.lim;
	fprintf(stderr,
	        "  limits: maxq %u maxpos %lld collar %u tick %u lot %u minq %u band %u/%ums "
	        "rate %u/%u dup %u fills %u tiers %u,%u,%u pct %u minN %lld maxN %lld posN %lld "
	        "gross %lld net %lld cap %lld daily %lld fps %lld cbps %d/%d exits %u/%u/%u/%ums\n",
	        l->max_order_qty, (long long)l->max_position, l->collar_bps, l->tick, l->lot,
	        l->min_qty, l->band_bps, l->band_window_ms, l->max_orders_per_sec,
	        l->max_orders_per_sec_inst, l->duplicate_ms, l->max_fills_per_min,
	        l->drawdown_bps[0], l->drawdown_bps[1], l->drawdown_bps[2], l->tier1_size_pct,
	        (long long)l->min_notional, (long long)l->max_order_notional,
	        (long long)l->max_position_notional, (long long)l->max_gross_notional,
	        (long long)l->max_net_notional, (long long)l->capital,
	        (long long)l->daily_loss_limit, (long long)l->fees_per_share, l->fees_cbps_maker,
	        l->fees_cbps_taker, l->stop_loss_bps, l->take_profit_bps, l->trailing_stop_bps,
	        l->max_hold_ms);
	fprintf(stderr,
	        "  oracle: killed %d mode op %u%s br %u effect %u fired %u session %d "
	        "pnl %lld dd %lld hw %lld open %u; session bucket used %" PRIu64 " at %" PRIu64
	        "\n",
	        O.killed_seen, O.op_mode, O.op_pending ? " (unacknowledged)" : "", O.br_mode,
	        O.effect, O.fired, O.session_up, (long long)O.pnl_eval, (long long)O.dd_eval,
	        (long long)O.hw, O.nord, O.r_used, O.r_ts);
	for (unsigned l2 = 1; l2 <= NLOC; l2++) {
		const struct o_inst *in = &O.in[l2];
		fprintf(stderr,
		        "  inst %u: pos %lld ob %lld os %lld cost %lld mark %u bid %u ask %u "
		        "mode %u%s%s%s exit %" PRIu64 " best %u open_ts %" PRIu64
		        " fills %u from %" PRIu64 " bucket %" PRIu64 " at %" PRIu64 "\n",
		        l2, (long long)in->pos, (long long)in->ob, (long long)in->os,
		        (long long)in->cost, in->mark, in->bid, in->ask, in->op_mode,
		        in->throttled ? " throttled" : "", in->restricted ? " restricted" : "",
		        in->gen_pending ? " (set unseen)" : "", in->exit_id, in->best, in->open_ts,
		        in->fills_n, in->fills_ts, in->r_used, in->r_ts);
	}
	abort();
}

/* ------------------------------------------------------------------------- */
/* The oracle's arithmetic, from risk.h. */

static int64_t iabs64(int64_t v)
{
	return v < 0 ? -v : v;
}

static struct o_order *o_find(uint64_t id)
{
	for (unsigned i = 0; i < O.nord; i++)
		if (O.ord[i].id == id)
			return &O.ord[i];
	return NULL;
}

static struct risk_event *o_event(uint8_t kind, uint64_t ts, uint64_t seq)
{
	if (O.nev >= sizeof(O.ev) / sizeof(O.ev[0]))
		fail("oracle: too many events in one poll");
	struct risk_event *e = &O.ev[O.nev++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->ts_ns = ts;
	e->seq = seq;
	return e;
}

/* A mode change, logged in risk_stats.transitions and on the events ring
 * (which records the last consumed intent's seq). */
static void transition(uint64_t ts, unsigned from, unsigned to, unsigned cause, uint16_t locate)
{
	O.st.transitions[O.st.ntransitions++ % RISK_TRANSITIONS] =
	        (struct risk_transition){ .ts_ns = ts,
		                          .from = (uint8_t)from,
		                          .to = (uint8_t)to,
		                          .cause = (uint8_t)cause,
		                          .locate = locate,
		                          .drawdown = O.dd_eval };
	struct risk_event *e = o_event(RISK_EV_MODE, ts, O.last_seq);
	e->drawdown = O.dd_eval;
	e->locate = locate;
	e->reason = (uint8_t)cause;
	e->from = (uint8_t)from;
	e->to = (uint8_t)to;
}

static uint32_t in_force(void)
{
	return O.op_mode > O.br_mode ? O.op_mode : O.br_mode;
}

/* Unrealized P&L: position * mark - cost; nothing without a mark. */
static i128 o_unreal(const struct o_inst *in)
{
	return in->mark && in->pos ? (i128)in->pos * in->mark - in->cost : 0;
}

static i128 o_pnl(void)
{
	i128 p = 0;
	for (unsigned l = 1; l <= NLOC; l++)
		p += O.in[l].realized - O.in[l].fees + o_unreal(&O.in[l]);
	return p;
}

/* Portfolio exposure, from scratch, with one more order (side, q) on loc. */
struct expo {
	i128 gross, net_long, net_short, cap;
};

static void o_expo(struct expo *e, uint16_t loc, uint8_t side, int64_t q)
{
	memset(e, 0, sizeof(*e));
	for (uint16_t l = 1; l <= NLOC; l++) {
		const struct o_inst *in = &O.in[l];
		int64_t ob = in->ob + (l == loc && side == 'B' ? q : 0);
		int64_t os = in->os + (l == loc && side == 'S' ? q : 0);
		int64_t lw = in->pos + ob, sw = in->pos - os;
		int64_t worst = iabs64(lw) > iabs64(sw) ? iabs64(lw) : iabs64(sw);
		e->gross += (i128)worst * in->mark;
		e->net_long += (i128)lw * in->mark;
		e->net_short += (i128)sw * in->mark;
		e->cap += (i128)(iabs64(in->pos) + ob + os) * in->mark;
	}
}

/* The breakers' level for this P&L and drawdown. AMBIGUITY: risk.h lists the
 * daily loss beside the tiers; the stage ranks it above tier 3 (a daily loss
 * fires after tier 3, tier 3 never after a daily loss). */
static unsigned o_level(int64_t pnl, int64_t dd)
{
	const struct risk_limits *l = &O.lim;
	if (l->daily_loss_limit && pnl <= -l->daily_loss_limit)
		return 4;
	unsigned lv = 0;
	for (unsigned k = 0; k < 3; k++)
		if (l->drawdown_bps[k] && (i128)dd * 10000 >= (i128)l->drawdown_bps[k] * l->capital)
			lv = k + 1;
	return lv;
}

/* The operator's set acknowledges the breakers at the drawdown of that
 * moment. AMBIGUITY: "that moment"'s drawdown is the one of the last
 * evaluation (breakers are evaluated at fills and new marks only, so a
 * capital change since is not in it). */
static void o_acknowledge(void)
{
	O.br_mode = RISK_MODE_ACTIVE;
	O.effect = 0;
	O.fired = o_level(O.pnl_eval, O.dd_eval);
}

/* Breakers, after every fill and every new mark. */
static void o_breakers(uint64_t ts)
{
	int64_t pnl = (int64_t)o_pnl();
	int64_t equity = O.lim.capital + pnl;
	if (equity > O.hw)
		O.hw = equity;
	int64_t dd = O.hw - equity;
	O.pnl_eval = pnl;
	O.dd_eval = dd;
	if (dd > O.max_dd)
		O.max_dd = dd;
	unsigned lv = o_level(pnl, dd);
	if (lv <= O.fired) {
		/* "fires again only when ... falls below and comes back": below
		 * re-arms, but only once nothing is in effect. AMBIGUITY: while a
		 * breaker is in effect, falling below and coming back does not fire
		 * it again (no second cancel-all). */
		if (!O.effect)
			O.fired = lv;
		return;
	}
	/* DEV_ACK: the stage acknowledges an operator's set only when it next
	 * decides an intent (after that intent's book), so a breaker firing
	 * between the set and then is lifted by a set made before it. */
	if (O.op_pending && !(strict & (1u << DEV_ACK)))
		devs[DEV_ACK]++;
	O.fired = O.effect = lv;
	C.fires[lv]++;
	static const unsigned cause[5] = { 0, RISK_CAUSE_TIER1, RISK_CAUSE_TIER2, RISK_CAUSE_TIER3,
		                           RISK_CAUSE_DAILY_LOSS };
	uint32_t before = in_force();
	if (lv == 2 && O.br_mode < RISK_MODE_REDUCING)
		O.br_mode = RISK_MODE_REDUCING;
	if (lv >= 3) {
		O.br_mode = RISK_MODE_HALTED;
		O.cancel_pending = true;
		O.cancel_cause = (uint8_t)cause[lv];
	}
	/* AMBIGUITY: tier 1 changes no mode ("mode stays ACTIVE"): logged
	 * ACTIVE -> ACTIVE whatever the mode in force */
	if (lv == 1)
		transition(ts, RISK_MODE_ACTIVE, RISK_MODE_ACTIVE, cause[lv], 0);
	else
		transition(ts, before, in_force(), cause[lv], 0);
}

/* Average cost ("the same average-cost arithmetic as exec"): adding to a
 * position adds its cost; closing takes the closed share of the cost
 * (truncated toward zero: AMBIGUITY, risk.h names the rule, not its
 * rounding) and realizes the rest; through zero, the remainder opens at px. */
static void o_avg_cost(struct o_inst *in, int64_t dq, uint32_t px)
{
	if (in->pos == 0 || (in->pos > 0) == (dq > 0)) {
		in->pos += dq;
		in->cost += dq * (int64_t)px;
		return;
	}
	int64_t held = iabs64(in->pos), traded = iabs64(dq);
	int64_t closed = traded < held ? traded : held;
	int64_t cost_closed = closed == held ? in->cost : (int64_t)((i128)in->cost * closed / held);
	int64_t value = (in->pos > 0 ? closed : -closed) * (int64_t)px;
	in->realized += value - cost_closed;
	in->cost -= cost_closed;
	in->pos += dq > 0 ? closed : -closed;
	int64_t rest = traded - closed;
	if (rest) {
		int64_t sq = dq > 0 ? rest : -rest;
		in->pos += sq;
		in->cost += sq * (int64_t)px;
	}
}

/* Fees: per share plus cbps of notional, to the nearest money unit
 * (AMBIGUITY: halves round away from zero). */
static int64_t o_fee(uint32_t px, uint32_t q, bool taker)
{
	int32_t cbps = taker ? O.lim.fees_cbps_taker : O.lim.fees_cbps_maker;
	i128 x = (i128)px * q * cbps; /* money * 1e6 */
	i128 r = x >= 0 ? (x + 500000) / 1000000 : -((-x + 500000) / 1000000);
	return O.lim.fees_per_share * (int64_t)q + (int64_t)r;
}

/* The stage learns of an instrument (a fill, an order). DEV_FLATTEN: it
 * takes the flatten requests made before then as "not for later", even one
 * not carried out yet: a fill drained in the same poll as the request, before
 * the flatten runs, leaves the new position open although it was asked for. */
static void o_touch(uint16_t loc)
{
	struct o_inst *in = &O.in[loc];
	if (in->touched)
		return;
	in->touched = true;
	if (in->flat_asked && !(strict & (1u << DEV_FLATTEN))) {
		in->flat_asked = false;
		in->flat_absorbed = true;
	}
}

static void o_fill(uint16_t loc, uint8_t side, uint32_t qty, uint32_t px, bool taker, uint64_t ts)
{
	struct o_inst *in = &O.in[loc];
	o_touch(loc);
	int64_t before = in->pos;
	o_avg_cost(in, side == 'B' ? (int64_t)qty : -(int64_t)qty, px);
	in->fees += o_fee(px, qty, taker);
	/* "the mid of the last two-sided book ..., else the last fill price":
	 * DEV_MARK: the stage takes the first fill's price and keeps it while
	 * no book comes. */
	if (!in->book_seen) {
		if (strict & (1u << DEV_MARK)) {
			in->mark = px;
		} else {
			if (in->mark && px != in->mark)
				devs[DEV_MARK]++;
			if (!in->mark)
				in->mark = px;
		}
	}
	/* exits: the position's age and best mark restart when it opens or
	 * flips. AMBIGUITY: "best mark since the position opened" starts at the
	 * opening fill's price, not at the next mark. */
	if (in->pos == 0) {
		in->open_ts = 0;
		in->best = 0;
	} else if (before == 0 || (before > 0) != (in->pos > 0)) {
		in->open_ts = ts;
		in->best = px;
	}
	/* the fill throttle: a one-minute tumbling window from its first fill.
	 * AMBIGUITY: fills are counted only while max_fills_per_min is on. */
	uint32_t maxf = O.lim.max_fills_per_min;
	if (maxf) {
		if (in->fills_n == 0 || ts - in->fills_ts >= 60 * NS_S) {
			in->fills_ts = ts;
			in->fills_n = 0;
		}
		if (++in->fills_n > maxf && !in->throttled) {
			uint32_t from = in->op_mode;
			/* DEV_THROTTLE: an operator's set the stage has not seen yet will
			 * lift this halt although it came before it */
			if (in->gen_pending && !(strict & (1u << DEV_THROTTLE)))
				devs[DEV_THROTTLE]++;
			in->throttled = true;
			C.throttles++;
			transition(ts, from, RISK_MODE_HALTED, RISK_CAUSE_FILL_THROTTLE, loc);
		}
	}
}

static struct order_msg *o_push(uint8_t kind, uint64_t seq, uint64_t ts, uint64_t t0)
{
	if (O.nexp >= sizeof(O.exp) / sizeof(O.exp[0]))
		fail("oracle: too many messages in one poll");
	struct order_msg *m = &O.exp[O.nexp++];
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->seq = seq;
	m->ts_ns = ts;
	m->t0_ns = t0;
	return m;
}

/* An order goes out: open exposure at once. */
static void o_expose(const struct order_msg *m, uint8_t kind, bool taker)
{
	assert(O.nord < MAX_OPEN);
	O.ord[O.nord++] = (struct o_order){ .id = m->order_id,
		                            .rem = m->qty,
		                            .px = m->px,
		                            .loc = m->locate,
		                            .side = m->side,
		                            .kind = kind,
		                            .taker = taker };
	if (m->side == 'B')
		O.in[m->locate].ob += m->qty;
	else
		O.in[m->locate].os += m->qty;
	o_touch(m->locate);
}

static void o_close(struct o_order *o)
{
	struct o_inst *in = &O.in[o->loc];
	if (o->side == 'B')
		in->ob -= o->rem;
	else
		in->os -= o->rem;
	if (in->exit_id == o->id)
		in->exit_id = 0;
	*o = O.ord[--O.nord];
}

static void o_report(const struct exec_report *r)
{
	O.st.reports++;
	if (r->kind == EXEC_SESSION) {
		O.st.session_changes++;
		O.session_up = r->reason == EXEC_SESSION_UP;
		return;
	}
	struct o_order *o = o_find(r->order_id);
	if (!o)
		O.st.unknown_reports++;
	switch (r->kind) {
	case EXEC_FILL: {
		O.st.fills++;
		/* a fill for an unknown order still moves the position. AMBIGUITY:
		 * with no order to say it crossed, it pays maker fees */
		o_fill(o ? o->loc : r->locate, o ? o->side : r->side, r->qty, r->px, o && o->taker,
		       r->ts_ns);
		if (o) {
			int64_t dq = (int64_t)r->qty < o->rem ? (int64_t)r->qty : o->rem;
			o->rem -= dq;
			if (o->side == 'B')
				O.in[o->loc].ob -= dq;
			else
				O.in[o->loc].os -= dq;
			if (!o->rem)
				o_close(o);
		}
		o_breakers(r->ts_ns);
		break;
	}
	case EXEC_CANCELED:
	case EXEC_REJECTED:
		if (o)
			o_close(o);
		break;
	default: /* EXEC_ACK: nothing changes */
		break;
	}
}

static void o_observe_kill(void)
{
	if (O.flat_req != O.flat_seen && !O.flattening) {
		O.flat_seen = O.flat_req;
		O.flat_every = O.flat_all;
		O.flat_all = false;
		O.flattening = true;
	}
	if (O.killed && !O.killed_seen) {
		O.killed_seen = true;
		O.cancel_pending = true;
		O.cancel_cause = 0;
		O.st.kill_transitions++;
	} else if (!O.killed && O.killed_seen) {
		O.killed_seen = false;
		O.st.resumes++;
	}
}

/* The queued control messages: a cancel-all, then flatten orders. */
static void o_flush(void)
{
	if (O.cancel_pending) {
		o_push(ORDER_CANCEL_ALL, O.last_seq, O.last_ts, 0);
		o_event(RISK_EV_CANCEL_ALL, O.last_ts, O.last_seq)->reason = O.cancel_cause;
		O.cancel_pending = false;
		O.st.cancel_alls++;
	}
	if (O.flattening) {
		/* one per instrument with a position; risk.h gives no order among
		 * them, so they are compared as a set. AMBIGUITY: with the open-order
		 * table full the stage skips one (the test never asks then). */
		O.flat_lo = O.nexp;
		for (uint16_t l = 1; l <= NLOC; l++) {
			struct o_inst *in = &O.in[l];
			int64_t p = in->pos;
			/* "one ORDER_NEW per instrument asked for with a position": a
			 * request is carried out (or has nothing to close) now */
			bool want = O.flat_every || in->flat_asked;
			if (in->flat_absorbed && p && !O.flat_every)
				devs[DEV_FLATTEN]++;
			in->flat_asked = in->flat_absorbed = false;
			if (!p || !want || O.nord >= MAX_OPEN)
				continue;
			struct order_msg *m = o_push(ORDER_NEW, O.last_seq, O.last_ts, 0);
			m->order_id = O.next_id++;
			m->locate = l;
			m->side = p > 0 ? 'S' : 'B';
			m->qty = (uint32_t)iabs64(p);
			m->flags = ORDER_F_FLATTEN;
			o_expose(m, OK_FLATTEN, true);
			O.st.flatten_orders++;
		}
		O.flat_hi = O.nexp;
		O.flattening = false;
		O.st.flattens++;
	}
}

static bool o_self_trade(uint16_t loc, uint8_t side, uint32_t px)
{
	/* AMBIGUITY: a flatten order (px 0, priced by exec) crosses nothing */
	for (unsigned i = 0; i < O.nord; i++) {
		const struct o_order *o = &O.ord[i];
		if (o->loc == loc && o->side != side && o->px &&
		    (side == 'B' ? px >= o->px : px <= o->px))
			return true;
	}
	return false;
}

static bool exits_on(void)
{
	const struct risk_limits *l = &O.lim;
	return l->stop_loss_bps || l->take_profit_bps || l->trailing_stop_bps || l->max_hold_ms;
}

/* The position manager at a book of this instrument. AMBIGUITY: "at each new
 * mark" is read as at each observation of the instrument (an intent or a
 * watermark), even one whose book did not move the mark or carried none (the
 * time exit needs that); not on a stale, crossed or halted book, not while
 * the session is down, not without room in the open-order table. */
static void o_exit(const struct order_intent *it)
{
	struct o_inst *in = &O.in[it->locate];
	const struct risk_limits *l = &O.lim;
	int64_t p = in->pos;
	if (!p || in->exit_id || !in->mark || !exits_on())
		return;
	if ((it->flags & (MD_F_STALE | MD_F_CROSSED | MD_F_HALTED)) || !O.session_up)
		return;
	int64_t q = p > 0 ? p - in->os : -p - in->ob; /* not covered by open orders */
	uint32_t px = p > 0 ? in->bid : in->ask;      /* the opposite touch */
	if (q <= 0 || !px || O.nord >= MAX_OPEN)
		return;
	/* loss from the average price: cost - position * mark, against |cost| */
	i128 loss = (i128)in->cost - (i128)p * in->mark;
	i128 basis = in->cost < 0 ? -(i128)in->cost : in->cost;
	int kind = -1;
	if (l->stop_loss_bps && loss * 10000 >= basis * l->stop_loss_bps)
		kind = 0;
	else if (l->take_profit_bps && -loss * 10000 >= basis * l->take_profit_bps)
		kind = 1;
	else if (l->trailing_stop_bps && in->best &&
	         (i128)(p > 0 ? (int64_t)in->best - in->mark : (int64_t)in->mark - in->best) *
	                         10000 >=
	                 (i128)l->trailing_stop_bps * in->best)
		kind = 2;
	else if (l->max_hold_ms && in->open_ts && it->ts_ns - in->open_ts >= l->max_hold_ms * NS_MS)
		kind = 3;
	if (kind < 0)
		return;
	/* risk.h: an exit is at most max_order_qty (the rest at a later book) */
	if (q > l->max_order_qty)
		q = l->max_order_qty;
	/* AMBIGUITY: "Exits pass every [new risk] check" - the stage also skips
	 * the others (self-trade, tick, lot, notional, collar). Counted: exits
	 * that an intent with the same side, px and qty would fail on. */
	uint8_t side = p > 0 ? 'S' : 'B';
	C.exit_unchecked[0] += o_self_trade(it->locate, side, px);
	C.exit_unchecked[1] += q > l->max_order_qty;
	C.exit_unchecked[2] += l->tick && px % l->tick;
	C.exit_unchecked[3] += l->lot && q % l->lot;
	C.exit_unchecked[4] += l->max_order_notional && (i128)px * q > l->max_order_notional;
	i128 sum = (i128)in->bid + in->ask, d2 = 2 * (i128)px - sum;
	C.exit_unchecked[5] +=
	        in->bid && in->ask && (d2 < 0 ? -d2 : d2) * 10000 > (i128)l->collar_bps * sum;
	struct order_msg *m = o_push(ORDER_NEW, it->seq, it->ts_ns, it->t0_ns);
	m->order_id = O.next_id++;
	m->locate = it->locate;
	m->side = side;
	m->px = px;
	m->qty = (uint32_t)q;
	m->flags = ORDER_F_EXIT;
	o_expose(m, OK_EXIT, true);
	in->exit_id = m->order_id;
	O.st.exits[kind]++;
	C.exits_sent++;
}

/* The book an intent or watermark carries: marks, the band's anchor, the
 * breakers on a new mark, then the exit it calls for. AMBIGUITY: stale and
 * crossed books (flag, or bid >= ask) are not observed at all; a halted one
 * is; a one-sided book marks at its side ("one side if only one is known" is
 * read as: in this book); the mid is rounded down. */
static void o_observe(const struct order_intent *it)
{
	struct o_inst *in = &O.in[it->locate];
	uint32_t b = it->bid_px, a = it->ask_px;
	bool usable = !(it->flags & (MD_F_STALE | MD_F_CROSSED)) && (b || a) && !(b && a && b >= a);
	if (usable) {
		in->bid = b;
		in->ask = a;
		uint32_t m = b && a ? (uint32_t)(((uint64_t)b + a) / 2) : b ? b : a;
		/* AMBIGUITY: band windows are tracked only while the band is on */
		if (b && a && O.lim.band_bps &&
		    (!in->band_mid2 || it->ts_ns - in->band_ts >= O.lim.band_window_ms * NS_MS)) {
			in->band_mid2 = (int64_t)b + a;
			in->band_ts = it->ts_ns;
		}
		if (in->pos) {
			/* AMBIGUITY: a restored position's age starts at its first book */
			if (!in->open_ts)
				in->open_ts = it->ts_ns;
			if (!in->best || (in->pos > 0 ? m > in->best : m < in->best))
				in->best = m;
		}
		in->book_seen = true;
		if (m != in->mark) {
			in->mark = m;
			/* risk.h: a new mark of an instrument with a position or open
			 * orders (a flat one moves no money) */
			if (in->pos || in->ob || in->os)
				o_breakers(it->ts_ns);
		}
	}
	/* risk.h: seqs never go backwards: a breaker this book fired sends its
	 * cancel-all (the previous intent's seq) before this book's exit */
	if (O.cancel_pending)
		o_flush();
	if (!O.killed_seen) /* killed: only the operator's flatten orders pass */
		o_exit(it);
}

/* Token bucket in event time, capacity one second's worth. AMBIGUITY: kept
 * as the tokens used (missing from full), so a lowered rate leaves the bucket
 * below empty until refilled. DEV_RATE: the stage refills at most one
 * second's worth however long it waited, so a bucket left more than a second
 * in deficit by a lowered rate never refills. */
static uint64_t o_bucket(uint64_t used, uint64_t ts0, uint64_t now, uint32_t rate, bool capped)
{
	/* risk.h (as the stage now reads it): a bucket holds 0 to a second's
	 * worth of tokens, never fewer than none: a rate lowered since the last
	 * order leaves it empty, not below empty */
	if (!capped && used > (uint64_t)rate * NS_S)
		used = (uint64_t)rate * NS_S;
	uint64_t dt = now > ts0 ? now - ts0 : 0;
	if (capped && dt > NS_S)
		dt = NS_S;
	i128 refill = (i128)dt * rate;
	return refill >= used ? 0 : used - (uint64_t)refill;
}

static bool o_has_token(uint64_t used, uint64_t ts0, uint64_t now, uint32_t rate)
{
	bool header = o_bucket(used, ts0, now, rate, false) + NS_S <= (uint64_t)rate * NS_S;
	bool stage = o_bucket(used, ts0, now, rate, true) + NS_S <= (uint64_t)rate * NS_S;
	if (header != stage && !(strict & (1u << DEV_RATE)))
		devs[DEV_RATE]++;
	return strict & (1u << DEV_RATE) ? header : stage;
}

static void o_take(uint64_t *used, uint64_t *ts0, uint64_t now, uint32_t rate)
{
	*used = o_bucket(*used, *ts0, now, rate, !(strict & (1u << DEV_RATE))) + NS_S;
	if (now > *ts0)
		*ts0 = now;
}

/* "reduces": toward zero and cannot pass it counting the open orders on its side */
static bool o_reduces(const struct order_intent *it)
{
	const struct o_inst *in = &O.in[it->locate];
	if (it->side == 'B')
		return in->pos < 0 && in->pos + in->ob + (int64_t)it->qty <= 0;
	if (it->side == 'S')
		return in->pos > 0 && in->pos - in->os - (int64_t)it->qty >= 0;
	return false;
}

/* Property (a), from the approvals' timestamps alone. */
static void win_check(struct win *w, uint32_t rate, uint64_t now, const char *what)
{
	if (w->rate != rate) {
		w->rate = rate;
		w->n = 0;
	}
	if (!rate)
		return;
	w->t[w->n++ % HIST] = now;
	uint64_t k = w->n < HIST ? w->n : HIST;
	for (uint64_t i = 1; i <= k; i++) {
		uint64_t tj = w->t[(w->n - i) % HIST];
		uint64_t allow = rate + (uint64_t)((i128)(now - tj) * rate / NS_S);
		if (i > allow)
			fail("property (a): %s rate %u: %" PRIu64 " approvals within %" PRIu64
			     " ns",
			     what, rate, i, now - tj);
	}
}

/* Every reason the oracle decides, in risk.h's order: the coverage a full
 * run must show. (Reasons risk.h may add that need parts of the stage this
 * test does not configure, e.g. the risk model's Kelly sizing, cannot come
 * from it: were the stage to give one, the decisions would differ.) */
static const uint8_t modelled[] = {
	RISK_R_KILLED,       RISK_R_HALTED_MODE,       RISK_R_REDUCING,  RISK_R_INST_HALTED,
	RISK_R_RESTRICTED,   RISK_R_SESSION,           RISK_R_STALE,     RISK_R_CROSSED,
	RISK_R_HALTED,       RISK_R_BAD_ORDER,         RISK_R_DRAWDOWN,  RISK_R_TICK,
	RISK_R_LOT,          RISK_R_MIN_QTY,           RISK_R_MAX_QTY,   RISK_R_MIN_NOTIONAL,
	RISK_R_MAX_NOTIONAL, RISK_R_NO_MARKET,         RISK_R_COLLAR,    RISK_R_BAND,
	RISK_R_RATE,         RISK_R_RATE_INST,         RISK_R_DUPLICATE, RISK_R_SELF_TRADE,
	RISK_R_POSITION,     RISK_R_POSITION_NOTIONAL, RISK_R_GROSS,     RISK_R_NET,
	RISK_R_CAPITAL,      RISK_R_OPEN_ORDERS,
};

static bool new_risk(unsigned r)
{
	switch (r) {
	case RISK_R_DRAWDOWN:
	case RISK_R_MIN_QTY:
	case RISK_R_MIN_NOTIONAL:
	case RISK_R_BAND:
	case RISK_R_RATE:
	case RISK_R_RATE_INST:
	case RISK_R_DUPLICATE:
	case RISK_R_POSITION:
	case RISK_R_POSITION_NOTIONAL:
	case RISK_R_GROSS:
	case RISK_R_NET:
	case RISK_R_CAPITAL:
	/* and the modes and list that let reducing orders through */
	case RISK_R_REDUCING:
	case RISK_R_INST_HALTED:
	case RISK_R_RESTRICTED:
		return true;
	default:
		return false;
	}
}

/* Property (a): an approved order, checked against every configured limit
 * over the state after it went out (it is open exposure at once). The dup_*
 * and bucket state are still the ones before it. */
static void check_approved(const struct order_intent *it, uint32_t q, bool red)
{
	const struct risk_limits *l = &O.lim;
	const struct o_inst *in = &O.in[it->locate];
	uint32_t gmode = O.op_mode > O.br_mode ? O.op_mode : O.br_mode;
	uint32_t imode = in->throttled ? RISK_MODE_HALTED : in->op_mode;
#define NEED(cond)                                                                                 \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fail("property (a): approved order breaks %s (qty %u, reduces %d)", #cond, \
			     q, red);                                                              \
	} while (0)
	NEED(!O.killed_seen);
	NEED(gmode != RISK_MODE_HALTED);
	NEED(red || gmode == RISK_MODE_ACTIVE);
	NEED(red || imode == RISK_MODE_ACTIVE);
	NEED(red || !in->restricted);
	NEED(O.session_up);
	NEED(!(it->flags & (MD_F_STALE | MD_F_CROSSED | MD_F_HALTED)));
	NEED(it->bid_px && it->ask_px && it->bid_px < it->ask_px);
	NEED(it->side == 'B' || it->side == 'S');
	NEED(q > 0 && it->px > 0 && q <= it->qty);
	NEED(!red || q == it->qty); /* property (b): a reducing order is never scaled */
	NEED(q <= l->max_order_qty);
	NEED(!l->tick || it->px % l->tick == 0);
	NEED(!l->lot || q % l->lot == 0);
	NEED(red || q >= l->min_qty);
	i128 n = (i128)it->px * q;
	NEED(red || n >= l->min_notional);
	NEED(!l->max_order_notional || n <= l->max_order_notional);
	/* collar: |px - mid| <= collar_bps of mid, mid = (bid + ask) / 2 exactly */
	i128 dist2 = 2 * (i128)it->px - ((i128)it->bid_px + it->ask_px);
	if (dist2 < 0)
		dist2 = -dist2;
	NEED(dist2 * 10000 <= (i128)l->collar_bps * ((i128)it->bid_px + it->ask_px));
	if (!red && l->band_bps) {
		i128 mv = (i128)it->bid_px + it->ask_px - in->band_mid2;
		if (mv < 0)
			mv = -mv;
		NEED(!in->band_mid2 || mv * 10000 <= (i128)l->band_bps * in->band_mid2);
	}
	if (!red && l->duplicate_ms && in->dup_set && in->dup_side == it->side &&
	    in->dup_px == it->px && in->dup_qty == q)
		NEED(it->ts_ns - in->dup_ts >= l->duplicate_ms * NS_MS);
	/* self-trade: no open order of ours on the other side that this crosses */
	for (unsigned i = 0; i < O.nord; i++) {
		const struct o_order *o = &O.ord[i];
		if (o->loc == it->locate && o->side != it->side && o->px)
			NEED(it->side == 'B' ? it->px < o->px : it->px > o->px);
	}
	if (!red) {
		int64_t w = it->side == 'B' ? in->pos + in->ob : in->pos - in->os;
		NEED(it->side == 'B' ? w <= l->max_position : w >= -l->max_position);
		NEED(!l->max_position_notional ||
		     (i128)iabs64(w) * in->mark <= l->max_position_notional);
		struct expo e;
		o_expo(&e, 0, 0, 0); /* the order is already in ob/os */
		NEED(!l->max_gross_notional || e.gross <= l->max_gross_notional);
		NEED(!l->max_net_notional ||
		     (it->side == 'B' ? e.net_long : -e.net_short) <= l->max_net_notional);
		NEED(!l->capital || e.cap <= l->capital);
	}
	NEED(O.nord <= MAX_OPEN);
#undef NEED
	/* rates: an order that needed a token had one. Reducing orders skip the
	 * check (their tokens only make the bucket emptier), so the bound is on
	 * the others. */
	if (!red) {
		win_check(&O.rw, l->max_orders_per_sec, it->ts_ns, "session");
		win_check(&O.in[it->locate].rw, l->max_orders_per_sec_inst, it->ts_ns,
		          "instrument");
	}
}

/* One intent through risk.h's checks, in its order. */
static enum risk_reason o_check(const struct order_intent *it, uint32_t *ret_q, bool *ret_red)
{
	const struct risk_limits *l = &O.lim;
	struct o_inst *in = &O.in[it->locate];
	bool red = o_reduces(it);
	*ret_red = red;
	if (O.killed_seen)
		return RISK_R_KILLED;
	if (O.op_pending) {
		/* the stage sees the operator's set now (K2: once per intent) */
		O.op_pending = false;
		uint32_t br_before = O.br_mode, prev = O.op_seen;
		if (!(strict & (1u << DEV_ACK)))
			o_acknowledge();
		O.op_seen = O.op_mode;
		C.acks++;
		/* "Every mode change is logged": from the mode in force before the
		 * set to the one after. DEV_FROM: the stage logs from the higher of
		 * the breakers' mode and the operator's NEW mode, so `mode active`
		 * after `mode halted` is logged ACTIVE -> ACTIVE. */
		uint32_t from_header = br_before > prev ? br_before : prev;
		uint32_t from_stage = br_before > O.op_mode ? br_before : O.op_mode;
		if (from_header != from_stage && !(strict & (1u << DEV_FROM)))
			devs[DEV_FROM]++;
		transition(it->ts_ns, strict & (1u << DEV_FROM) ? from_header : from_stage,
		           O.op_mode, RISK_CAUSE_OPERATOR, 0);
	}
	uint32_t gmode = O.op_mode > O.br_mode ? O.op_mode : O.br_mode;
	if (gmode == RISK_MODE_HALTED)
		return RISK_R_HALTED_MODE;
	if (gmode == RISK_MODE_REDUCING && !red)
		return RISK_R_REDUCING;
	if (in->gen_pending) {
		/* the stage sees the operator's instrument set when an intent of it
		 * gets this far: it lifts the fill throttle */
		in->gen_pending = false;
		if (!(strict & (1u << DEV_THROTTLE)))
			in->throttled = false;
	}
	uint32_t imode = in->throttled ? RISK_MODE_HALTED : in->op_mode;
	if (imode == RISK_MODE_HALTED && !red)
		return RISK_R_INST_HALTED;
	if (imode == RISK_MODE_REDUCING && !red)
		return RISK_R_REDUCING;
	if (in->restricted && !red)
		return RISK_R_RESTRICTED;
	if (!O.session_up)
		return RISK_R_SESSION;
	if (it->flags & MD_F_STALE)
		return RISK_R_STALE;
	/* AMBIGUITY: "bid >= ask" needs both sides; a missing side (0) is not a
	 * crossed book but no market (10.) */
	if ((it->flags & MD_F_CROSSED) || (it->bid_px && it->ask_px && it->bid_px >= it->ask_px))
		return RISK_R_CROSSED;
	if (it->flags & MD_F_HALTED)
		return RISK_R_HALTED;
	if ((it->side != 'B' && it->side != 'S') || !it->qty || !it->px)
		return RISK_R_BAD_ORDER;
	uint32_t q = it->qty;
	if (O.effect >= 1 && !red) {
		q = (uint32_t)((uint64_t)q * l->tier1_size_pct / 100);
		if (l->lot)
			q -= q % l->lot;
		if (!q)
			return RISK_R_DRAWDOWN;
	}
	if (l->tick && it->px % l->tick)
		return RISK_R_TICK;
	if (l->lot && q % l->lot)
		return RISK_R_LOT;
	if (q < l->min_qty && !red)
		return RISK_R_MIN_QTY;
	if (q > l->max_order_qty)
		return RISK_R_MAX_QTY;
	i128 n = (i128)it->px * q;
	if (n < l->min_notional && !red)
		return RISK_R_MIN_NOTIONAL;
	if (l->max_order_notional && n > l->max_order_notional)
		return RISK_R_MAX_NOTIONAL;
	if (!it->bid_px || !it->ask_px)
		return RISK_R_NO_MARKET;
	/* AMBIGUITY: risk.h says a 0 limit is off, but collar_bps 0 means px = mid */
	i128 sum = (i128)it->bid_px + it->ask_px, d2 = 2 * (i128)it->px - sum;
	if ((d2 < 0 ? -d2 : d2) * 10000 > (i128)l->collar_bps * sum)
		return RISK_R_COLLAR;
	if (!red) {
		if (l->band_bps && in->band_mid2) {
			i128 mv = sum - in->band_mid2;
			if ((mv < 0 ? -mv : mv) * 10000 > (i128)l->band_bps * in->band_mid2)
				return RISK_R_BAND;
		}
		if (l->max_orders_per_sec &&
		    !o_has_token(O.r_used, O.r_ts, it->ts_ns, l->max_orders_per_sec))
			return RISK_R_RATE;
		if (l->max_orders_per_sec_inst &&
		    !o_has_token(in->r_used, in->r_ts, it->ts_ns, l->max_orders_per_sec_inst))
			return RISK_R_RATE_INST;
		if (l->duplicate_ms && in->dup_set && in->dup_side == it->side &&
		    in->dup_px == it->px && in->dup_qty == q &&
		    it->ts_ns - in->dup_ts < l->duplicate_ms * NS_MS)
			return RISK_R_DUPLICATE;
	}
	if (o_self_trade(it->locate, it->side, it->px))
		return RISK_R_SELF_TRADE;
	if (!red) {
		int64_t w = it->side == 'B' ? in->pos + in->ob + q : in->pos - in->os - q;
		/* DEV_POSITION: risk.h bounds a buy above and a sell below; the
		 * stage bounds |w|. They differ only when tier-1 scaling (after
		 * "reduces" was decided on the full qty) leaves a sell that keeps
		 * a long above max_position (or a buy a short): the stage refuses
		 * it, risk.h lets it pass. */
		bool header = it->side == 'B' ? w > l->max_position : w < -l->max_position;
		bool stage = iabs64(w) > l->max_position;
		if (header != stage && !(strict & (1u << DEV_POSITION)))
			devs[DEV_POSITION]++;
		if (strict & (1u << DEV_POSITION) ? header : stage)
			return RISK_R_POSITION;
		if (l->max_position_notional &&
		    (i128)iabs64(w) * in->mark > l->max_position_notional)
			return RISK_R_POSITION_NOTIONAL;
		struct expo e;
		o_expo(&e, it->locate, it->side, q);
		if (l->max_gross_notional && e.gross > l->max_gross_notional)
			return RISK_R_GROSS;
		if (l->max_net_notional &&
		    (it->side == 'B' ? e.net_long : -e.net_short) > l->max_net_notional)
			return RISK_R_NET;
		if (l->capital && e.cap > l->capital)
			return RISK_R_CAPITAL;
	}
	if (O.nord >= MAX_OPEN)
		return RISK_R_OPEN_ORDERS;
	*ret_q = q;
	return RISK_R_NONE;
}

static enum risk_reason o_decide(const struct order_intent *it, bool *ret_red)
{
	uint32_t q = 0;
	enum risk_reason why = o_check(it, &q, ret_red);
	O.st.intents++;
	if (why != RISK_R_NONE) {
		struct risk_event *e = o_event(RISK_EV_REJECT, it->ts_ns, it->seq);
		e->px = it->px;
		e->qty = it->qty;
		e->locate = it->locate;
		e->side = it->side;
		e->reason = (uint8_t)why;
		O.st.rejects[why]++;
		O.st.rejected++;
		return why;
	}
	struct order_msg *m = o_push(ORDER_NEW, it->seq, it->ts_ns, it->t0_ns);
	m->order_id = O.next_id++;
	m->px = it->px;
	m->qty = q;
	m->locate = it->locate;
	m->side = it->side;
	/* taker: crossed the book it was decided on */
	bool taker = it->side == 'B' ? it->px >= it->ask_px : it->px <= it->bid_px;
	o_expose(m, OK_INTENT, taker);
	check_approved(it, q, *ret_red);
	const struct risk_limits *l = &O.lim;
	struct o_inst *in = &O.in[it->locate];
	/* AMBIGUITY: a reducing order skips the rate checks but still takes tokens */
	if (l->max_orders_per_sec)
		o_take(&O.r_used, &O.r_ts, it->ts_ns, l->max_orders_per_sec);
	if (l->max_orders_per_sec_inst)
		o_take(&in->r_used, &in->r_ts, it->ts_ns, l->max_orders_per_sec_inst);
	in->dup_set = true;
	in->dup_ts = it->ts_ns;
	in->dup_px = it->px;
	in->dup_qty = q;
	in->dup_side = it->side;
	O.st.approved++;
	O.st.scaled += q != it->qty;
	return RISK_R_NONE;
}

/* One poll of the stage: reports first, then the limits, the kill flag and
 * what is queued, then the intents in order. why[i] is the oracle's decision
 * of intent i (RISK_R_COUNT for a watermark). */
static void o_poll_start(const struct exec_report *reps, unsigned nr)
{
	O.nexp = 0;
	O.nev = 0;
	O.flat_lo = O.flat_hi = 0;
	if (O.op_pending) {
		/* risk.h: the operator's set acknowledges the breakers; the stage
		 * takes it first thing in its next poll, before anything that could
		 * fire one, and logs it from the mode in force before the set */
		O.op_pending = false;
		uint32_t br_before = O.br_mode, prev = O.op_seen;
		o_acknowledge();
		O.op_seen = O.op_mode;
		C.acks++;
		transition(O.last_ts, br_before > prev ? br_before : prev, O.op_mode,
		           RISK_CAUSE_OPERATOR, 0);
	}
	for (unsigned i = 0; i < nr; i++)
		o_report(&reps[i]);
	/* "The stage applies it before its next intent": at its next poll */
	if (O.pub_new) {
		/* property (a)'s rate bound holds per rate: start it again */
		if (O.pub.max_orders_per_sec != O.lim.max_orders_per_sec)
			O.rw.n = 0;
		if (O.pub.max_orders_per_sec_inst != O.lim.max_orders_per_sec_inst)
			for (unsigned l = 1; l <= NLOC; l++)
				O.in[l].rw.n = 0;
		O.lim = O.pub;
		O.pub_new = false;
		O.st.limit_updates++;
		o_breakers(O.last_ts); /* risk.h: and when the limits change */
	}
	o_observe_kill();
	o_flush();
}

static void o_poll(const struct order_intent *its, unsigned n, const struct exec_report *reps,
                   unsigned nr, uint8_t *why, bool *red)
{
	o_poll_start(reps, nr);
	bool last_rejected = false;
	for (unsigned i = 0; i < n; i++) {
		const struct order_intent *it = &its[i];
		o_observe(it);
		/* a breaker fired on this book. AMBIGUITY: its cancel-all goes after
		 * the exit the same book sent (and carries the previous intent's seq) */
		if (O.cancel_pending)
			o_flush();
		if (it->kind == INTENT_WATERMARK) {
			o_push(ORDER_WATERMARK, it->seq, it->ts_ns, it->t0_ns);
			O.st.watermarks++;
			why[i] = RISK_R_COUNT;
			red[i] = false;
			last_rejected = false;
		} else {
			why[i] = (uint8_t)o_decide(it, &red[i]);
			last_rejected = why[i] != RISK_R_NONE;
		}
		O.last_seq = it->seq;
		O.last_ts = it->ts_ns;
		O.last_t0 = it->t0_ns;
	}
	if (last_rejected) {
		o_push(ORDER_WATERMARK, O.last_seq, O.last_ts, O.last_t0);
		O.st.watermarks++;
	}
}

/* INTENT_EOS: what is queued, with cfg.flatten_at_end every position
 * closed, then ORDER_EOS. */
static void o_eos(const struct order_intent *eos, bool flatten_at_end)
{
	o_poll_start(NULL, 0);
	if (flatten_at_end) {
		O.flattening = true;
		O.flat_every = true;
	}
	o_flush();
	o_push(ORDER_EOS, eos->seq, eos->ts_ns, eos->t0_ns);
}

/* ------------------------------------------------------------------------- */
/* The rig: the real stage behind real rings. */

static struct {
	struct core_ring *in, *rep, *out, *ev;
	struct risk_control ctl;
	struct risk_stage *s;
	uint64_t out_seq; /* highest seq seen on the order ring */
} R;

static bool msg_same(const struct order_msg *a, const struct order_msg *b, bool flatten)
{
	if (a->kind != b->kind || a->seq != b->seq || a->ts_ns != b->ts_ns)
		return false;
	if (a->kind == ORDER_NEW)
		return a->order_id == b->order_id && a->px == b->px && a->qty == b->qty &&
		       a->locate == b->locate && a->side == b->side && a->flags == b->flags &&
		       (flatten || a->t0_ns == b->t0_ns);
	if (a->kind == ORDER_WATERMARK)
		return a->t0_ns == b->t0_ns;
	return true; /* a cancel-all's t0 is the wall clock at the kill */
}

static int by_locate(const void *a, const void *b)
{
	const struct order_msg *x = a, *y = b;
	return (int)x->locate - (int)y->locate;
}

static void compare_msgs(const struct order_msg *got, unsigned n)
{
	got_msgs = got;
	ngot = n;
	if (n != O.nexp)
		fail("the stage pushed %u messages, the oracle expects %u", n, O.nexp);
	/* flatten orders: the same set, consecutive ids in the stage's order */
	if (O.flat_hi > O.flat_lo) {
		unsigned k = O.flat_hi - O.flat_lo;
		struct order_msg g[NLOC], e[NLOC];
		assert(k <= NLOC);
		memcpy(g, got + O.flat_lo, k * sizeof(g[0]));
		memcpy(e, O.exp + O.flat_lo, k * sizeof(e[0]));
		uint64_t id0 = e[0].order_id;
		for (unsigned i = 0; i < k; i++)
			if (g[i].order_id != id0 + i)
				fail("flatten order ids not consecutive");
		qsort(g, k, sizeof(g[0]), by_locate);
		qsort(e, k, sizeof(e[0]), by_locate);
		for (unsigned i = 0; i < k; i++) {
			e[i].order_id = g[i].order_id;
			if (!msg_same(&g[i], &e[i], true))
				fail("flatten orders differ (locate %u)", g[i].locate);
			/* the oracle's order on that locate takes the stage's id */
			for (unsigned j = 0; j < O.nord; j++)
				if (O.ord[j].kind == OK_FLATTEN && O.ord[j].loc == g[i].locate &&
				    O.ord[j].id >= id0 && O.ord[j].id < id0 + k)
					O.ord[j].id = g[i].order_id +
					              ((uint64_t)1 << 40); /* two steps: no clash */
		}
		for (unsigned j = 0; j < O.nord; j++)
			if (O.ord[j].id >= ((uint64_t)1 << 40))
				O.ord[j].id -= (uint64_t)1 << 40;
		memcpy(O.exp + O.flat_lo, got + O.flat_lo, k * sizeof(got[0]));
	}
	for (unsigned i = 0; i < n; i++) {
		bool flat = i >= O.flat_lo && i < O.flat_hi;
		if (!msg_same(&got[i], &O.exp[i], flat))
			fail("message %u differs", i);
		/* "Seqs on the order ring never go backwards" */
		if (got[i].seq < R.out_seq) {
			bool known = got[i].kind == ORDER_CANCEL_ALL && i > 0 &&
			             (got[i - 1].flags & ORDER_F_EXIT);
			if (!known || (strict & (1u << DEV_SEQ)))
				fail("seq %" PRIu64 " after %" PRIu64 " on the order ring",
				     got[i].seq, R.out_seq);
			/* DEV_SEQ: an exit (this intent's seq) then the cancel-all of a
			 * breaker its book fired (the previous intent's seq) */
			devs[DEV_SEQ]++;
		}
		if (got[i].seq > R.out_seq)
			R.out_seq = got[i].seq;
	}
	got_msgs = NULL;
}

/* The events ring: the same decisions, in the order they were made. */
static void print_event(const char *who, unsigned k, const struct risk_event *e)
{
	fprintf(stderr,
	        "  %s event %u: kind %u reason %u seq %" PRIu64 " ts %" PRIu64
	        " loc %u px %u qty %u side %c from %u to %u dd %lld\n",
	        who, k, e->kind, e->reason, e->seq, e->ts_ns, e->locate, e->px, e->qty,
	        e->side ? e->side : '-', e->from, e->to, (long long)e->drawdown);
}

static void compare_events(void)
{
	static struct risk_event got[1024];
	unsigned n = 0;
	while (n < 1024 && core_ring_pop(R.ev, &got[n]) == 0)
		n++;
	for (unsigned i = 0; i < n || i < O.nev; i++) {
		const struct risk_event *g = i < n ? &got[i] : NULL,
		                        *e = i < O.nev ? &O.ev[i] : NULL;
		if (g && e && g->kind == e->kind && g->reason == e->reason && g->seq == e->seq &&
		    g->ts_ns == e->ts_ns && g->locate == e->locate &&
		    (g->kind != RISK_EV_REJECT ||
		     (g->px == e->px && g->qty == e->qty && g->side == e->side)) &&
		    (g->kind != RISK_EV_MODE ||
		     (g->from == e->from && g->to == e->to && g->drawdown == e->drawdown)))
			continue;
		for (unsigned k = 0; k < n || k < O.nev; k++) {
			if (k < O.nev)
				print_event("oracle", k, &O.ev[k]);
			if (k < n)
				print_event("stage ", k, &got[k]);
		}
		fail("event %u differs (stage %u events, oracle %u)", i, n, O.nev);
	}
}

#define EQ(what, a, b)                                                                             \
	do {                                                                                       \
		if ((int64_t)(a) != (int64_t)(b))                                                  \
			fail("%s: stage %lld, oracle %lld", what, (long long)(a), (long long)(b)); \
	} while (0)

static void compare_state(void)
{
	struct risk_stats st;
	risk_stage_stats(R.s, &st);
	const struct risk_stats *o = &O.st;
	EQ("intents", st.intents, o->intents);
	EQ("approved", st.approved, o->approved);
	EQ("rejected", st.rejected, o->rejected);
	for (unsigned r = 0; r < RISK_R_COUNT; r++)
		if (st.rejects[r] != o->rejects[r])
			fail("rejects[%s]: stage %" PRIu64 ", oracle %" PRIu64, risk_reason_name(r),
			     st.rejects[r], o->rejects[r]);
	EQ("scaled", st.scaled, o->scaled);
	EQ("kill_transitions", st.kill_transitions, o->kill_transitions);
	EQ("resumes", st.resumes, o->resumes);
	EQ("cancel_alls", st.cancel_alls, o->cancel_alls);
	EQ("flattens", st.flattens, o->flattens);
	EQ("flatten_orders", st.flatten_orders, o->flatten_orders);
	for (unsigned k = 0; k < 4; k++)
		EQ(exit_name[k], st.exits[k], o->exits[k]);
	EQ("watermarks", st.watermarks, o->watermarks);
	EQ("reports", st.reports, o->reports);
	EQ("fills", st.fills, o->fills);
	EQ("unknown_reports", st.unknown_reports, o->unknown_reports);
	EQ("session_changes", st.session_changes, o->session_changes);
	EQ("session_up", st.session_up, O.session_up);
	EQ("limit_updates", st.limit_updates, o->limit_updates);
	EQ("open_orders", st.open_orders, O.nord);
	EQ("next_order_id", st.next_order_id, O.next_id);
	EQ("out_full", st.out_full, 0);
	EQ("ntransitions", st.ntransitions, o->ntransitions);
	for (uint32_t i = st.ntransitions > RISK_TRANSITIONS ? st.ntransitions - RISK_TRANSITIONS
	                                                     : 0;
	     i < st.ntransitions; i++) {
		const struct risk_transition *a = &st.transitions[i % RISK_TRANSITIONS];
		const struct risk_transition *b = &o->transitions[i % RISK_TRANSITIONS];
		if (a->cause != b->cause || a->from != b->from || a->to != b->to ||
		    a->locate != b->locate || a->ts_ns != b->ts_ns || a->drawdown != b->drawdown)
			fail("transition %u: stage %s %u->%u loc %u ts %" PRIu64 " dd %lld, "
			     "oracle %s %u->%u loc %u ts %" PRIu64 " dd %lld",
			     i, risk_cause_name(a->cause), a->from, a->to, a->locate, a->ts_ns,
			     (long long)a->drawdown, risk_cause_name(b->cause), b->from, b->to,
			     b->locate, b->ts_ns, (long long)b->drawdown);
	}
	/* money */
	int64_t realized = 0, fees = 0, unreal = 0;
	for (unsigned l = 1; l <= NLOC; l++) {
		realized += O.in[l].realized;
		fees += O.in[l].fees;
		unreal += (int64_t)o_unreal(&O.in[l]);
	}
	EQ("realized", st.realized, realized);
	EQ("fees", st.fees, fees);
	EQ("unrealized", st.unrealized, unreal);
	EQ("pnl", st.pnl, realized - fees + unreal);
	EQ("high_water", st.high_water, O.hw);
	EQ("drawdown", st.drawdown, O.dd_eval);
	EQ("max_drawdown", st.max_drawdown, O.max_dd);
	/* strict ack: the oracle took the operator's set when made, the stage
	 * takes it at its next intent; in between only their consequences are
	 * compared */
	bool unseen_set = (strict & (1u << DEV_ACK)) && O.op_pending;
	if (!unseen_set)
		EQ("tier", st.tier, O.effect);
	struct expo e;
	o_expo(&e, 0, 0, 0);
	EQ("gross_notional", st.gross_notional, (int64_t)e.gross);
	EQ("net_long_notional", st.net_long_notional, (int64_t)e.net_long);
	EQ("net_short_notional", st.net_short_notional, (int64_t)e.net_short);
	EQ("capital_used", st.capital_used, (int64_t)e.cap);
	if (!unseen_set)
		EQ("mode in force", risk_control_mode(&R.ctl),
		   O.op_mode > O.br_mode ? O.op_mode : O.br_mode);
	for (uint16_t l = 1; l <= NLOC; l++) {
		struct risk_position p;
		risk_stage_position(R.s, l, &p);
		const struct o_inst *in = &O.in[l];
		if (p.position != in->pos || p.open_buy != in->ob || p.open_sell != in->os ||
		    p.cost != in->cost || p.realized != in->realized || p.fees != in->fees ||
		    p.mark != in->mark)
			fail("instrument %u: stage pos %lld open %lld/%lld cost %lld realized %lld "
			     "fees %lld mark %u; oracle pos %lld open %lld/%lld cost %lld "
			     "realized %lld fees %lld mark %u",
			     l, (long long)p.position, (long long)p.open_buy,
			     (long long)p.open_sell, (long long)p.cost, (long long)p.realized,
			     (long long)p.fees, p.mark, (long long)in->pos, (long long)in->ob,
			     (long long)in->os, (long long)in->cost, (long long)in->realized,
			     (long long)in->fees, in->mark);
	}
}

static bool venue_cancel_all; /* a cancel-all went out: the venue cancels what is open */
/* permille of operations that are execution reports this phase: a quiet
 * venue lets open orders pile up until the open-order table is full */
static unsigned report_permille = 300;

/* Push, poll once, pop everything, compare everything. */
static void run_poll(const struct order_intent *its, unsigned n, const struct exec_report *reps,
                     unsigned nr)
{
	struct risk_stats before;
	risk_stage_stats(R.s, &before);
	for (unsigned i = 0; i < nr; i++)
		if (core_ring_push(R.rep, &reps[i]) != 0)
			fail("report ring full");
	for (unsigned i = 0; i < n; i++)
		if (core_ring_push(R.in, &its[i]) != 0)
			fail("intent ring full");
	uint8_t why[8];
	bool red[8];
	assert(n <= 8);
	uint64_t cancel_alls = O.st.cancel_alls;
	o_poll(its, n, reps, nr, why, red);
	uint32_t w = poll_work(risk_stage_poll, R.s);
	if (w != n + nr)
		fail("the stage consumed %u of %u messages", w, n + nr);
	static struct order_msg got[512];
	unsigned ng = 0;
	while (ng < 512 && core_ring_pop(R.out, &got[ng]) == 0)
		ng++;
	/* decisions first: say which intent the stage and the oracle disagree on */
	struct risk_stats after;
	risk_stage_stats(R.s, &after);
	unsigned want[RISK_R_COUNT] = { 0 };
	for (unsigned i = 0; i < n; i++)
		if (why[i] < RISK_R_COUNT)
			want[why[i]]++;
	for (unsigned r = 1; r < RISK_R_COUNT; r++) {
		if (after.rejects[r] - before.rejects[r] == want[r])
			continue;
		got_msgs = got;
		ngot = ng;
		char b[512];
		size_t k = 0;
		for (unsigned x = 1; x < RISK_R_COUNT && k < sizeof(b) - 40; x++)
			if (after.rejects[x] != before.rejects[x])
				k += (size_t)snprintf(b + k, sizeof(b) - k, " %s",
				                      risk_reason_name(x));
		b[k] = 0;
		char o[512];
		k = 0;
		for (unsigned i = 0; i < n && k < sizeof(o) - 40; i++)
			k += (size_t)snprintf(o + k, sizeof(o) - k, " [%u] %s", i,
			                      why[i] == RISK_R_COUNT  ? "watermark"
			                      : why[i] == RISK_R_NONE ? "approve"
			                                              : risk_reason_name(why[i]));
		o[k] = 0;
		fail("decision differs: stage rejected:%s; oracle:%s", b[0] ? b : " none", o);
	}
	compare_msgs(got, ng);
	compare_events();
	/* property (b), on what the stage did: a reducing intent is never
	 * refused by a [new risk] check */
	for (unsigned i = 0; i < n; i++) {
		if (why[i] == RISK_R_COUNT || !red[i])
			continue;
		C.red_intents++;
		if (why[i] == RISK_R_NONE)
			C.red_approved++;
		else if (new_risk(why[i]))
			fail("property (b): a reducing intent refused by %s",
			     risk_reason_name(why[i]));
		else if (why[i] == RISK_R_KILLED || why[i] == RISK_R_HALTED_MODE)
			C.red_killed_or_halted++;
		else
			C.red_refused_static++;
	}
	if (O.st.cancel_alls != cancel_alls)
		venue_cancel_all = true;
	compare_state();
}

/* ------------------------------------------------------------------------- */
/* The generator: books, intents, reports, the operator. */

struct gbook {
	int64_t mid, base;
	uint32_t spread; /* in GRID steps */
	struct order_intent last;
	bool has_last;
};
static struct gbook G[NLOC + 1];
static uint64_t now_ts, seq_no;
static uint16_t edge_loc; /* the next intent or watermark goes here: time is on its edge */

static void move_book(uint16_t loc)
{
	struct gbook *b = &G[loc];
	unsigned r = (unsigned)rn(1000);
	if (r < 550)
		b->mid += ((int64_t)rn(7) - 3) * GRID / 2;
	else if (r < 970)
		b->mid += ((int64_t)rn(41) - 20) * GRID;
	else /* a jump of 1-5%: marks move, breakers and exits fire */
		b->mid += (rn(2) ? 1 : -1) * b->mid * (int64_t)rr(100, 500) / 10000;
	if (b->mid < b->base / 2)
		b->mid = b->base / 2 + GRID * 10;
	if (b->mid > b->base * 2)
		b->mid = b->base * 2 - GRID * 10;
	if (chance(30))
		b->spread = (uint32_t)rr(1, 4);
}

static void gen_book(struct order_intent *it)
{
	struct gbook *b = &G[it->locate];
	move_book(it->locate);
	uint32_t bid = (uint32_t)(b->mid / GRID * GRID);
	it->bid_px = bid;
	it->ask_px = bid + b->spread * GRID;
	if (chance(100)) { /* off the grid: odd mids round, ticks bite */
		it->bid_px += (uint32_t)rn(GRID);
		it->ask_px += (uint32_t)rn(GRID);
	}
	/* on the band's edge: a mid exactly band_bps from the anchor (or a unit
	 * inside), within the window */
	const struct o_inst *in = &O.in[it->locate];
	int64_t a2 = in->band_mid2;
	if (O.lim.band_bps && a2 && now_ts - in->band_ts < O.lim.band_window_ms * NS_MS &&
	    a2 * O.lim.band_bps % 10000 == 0 && chance(150)) {
		int64_t d = a2 * O.lim.band_bps / 10000 - (int64_t)rn(2);
		int64_t mid2 = rn(2) ? a2 + d : a2 - d;
		it->bid_px = (uint32_t)(mid2 / 2 - GRID);
		it->ask_px = (uint32_t)(mid2 - it->bid_px);
	}
	it->flags = MD_F_BOOK;
	unsigned r = (unsigned)rn(1000);
	if (r < 20)
		it->flags |= MD_F_STALE;
	else if (r < 32)
		it->flags |= MD_F_CROSSED;
	else if (r < 44)
		it->flags |= MD_F_HALTED;
	else if (r < 56)
		it->bid_px = it->ask_px + (rn(2) ? 0 : GRID); /* locked or crossed, no flag */
	else if (r < 72)
		it->bid_px = 0;
	else if (r < 88)
		it->ask_px = 0;
	else if (r < 92)
		it->bid_px = it->ask_px = 0;
}

static void new_intent(struct order_intent *it, uint16_t loc, uint8_t kind)
{
	memset(it, 0, sizeof(*it));
	it->seq = ++seq_no;
	it->ts_ns = now_ts;
	it->t0_ns = it->seq * 7 + 3;
	it->kind = kind;
	it->locate = loc;
	gen_book(it);
}

static void gen_intent(struct order_intent *it, uint16_t loc)
{
	new_intent(it, loc, INTENT_NEW);
	struct gbook *b = &G[loc];
	const struct o_inst *in = &O.in[loc];
	const struct risk_limits *l = &O.pub;
	/* on the duplicate window's edge: the last approved order again */
	if (loc == edge_loc && in->dup_set && chance(700)) {
		it->side = in->dup_side;
		it->px = in->dup_px;
		it->qty = in->dup_qty;
		return;
	}
	/* the same order again, soon: duplicates (and rates) */
	if (b->has_last && chance(70)) {
		it->side = b->last.side;
		it->px = b->last.px;
		it->qty = b->last.qty;
		b->last = *it;
		return;
	}
	uint32_t lot = l->lot > 1 ? l->lot : 1;
	uint32_t maxq = l->max_order_qty;
	/* side and size */
	int64_t room = in->pos > 0 ? in->pos - in->os : -in->pos - in->ob;
	if (in->pos && room > 0 && chance(350)) {
		/* an order that reduces (or is meant to: sizes vary) */
		it->side = in->pos > 0 ? 'S' : 'B';
		uint64_t q = chance(500) ? (uint64_t)room : rr(1, (uint64_t)room);
		if (chance(800) && q >= lot)
			q -= q % lot;
		if (chance(100))
			q += rr(1, 50); /* one that passes zero: not reducing */
		it->qty = (uint32_t)(q > 100000000 ? 100000000 : q);
	} else {
		unsigned r = (unsigned)rn(1000);
		it->side = r < 15 ? 'X' : rn(2) ? 'B' : 'S';
		r = (unsigned)rn(1000);
		if (r < 20)
			it->qty = 0;
		else if (r < 80)
			it->qty = maxq + lot * (uint32_t)rr(1, 3); /* above max_order_qty */
		else if (r < 160)
			it->qty = lot * (uint32_t)rr(1, 10) +
			          (lot > 1 ? (uint32_t)rr(1, lot - 1) : 0);
		else if (r < 260)
			it->qty = (uint32_t)rr(1, (l->min_qty > 2 * lot ? l->min_qty : 2 * lot));
		else if (r < 650)
			it->qty = lot * (uint32_t)rr(1, 5);
		else
			it->qty = lot * (uint32_t)rr(1, maxq / lot > 1 ? maxq / lot : 1);
	}
	/* price: at and around the touch, on and off tick, near and far */
	uint32_t bid = it->bid_px, ask = it->ask_px;
	if (!bid || !ask || bid >= ask) {
		bid = (uint32_t)(b->mid / GRID * GRID);
		ask = bid + b->spread * GRID;
	}
	bool buy = it->side != 'S';
	unsigned r = (unsigned)rn(1000);
	uint32_t k = (uint32_t)rr(1, 5) * GRID;
	if (r < 250)
		it->px = buy ? ask : bid; /* takes */
	else if (r < 450)
		it->px = buy ? bid : ask; /* joins */
	else if (r < 550)
		it->px = buy ? bid - k : ask + k; /* behind */
	else if (r < 630)
		it->px = (uint32_t)(((uint64_t)bid + ask) / 2); /* the mid, maybe off tick */
	else if (r < 700)
		it->px = (buy ? ask : bid) + (uint32_t)rr(1, GRID - 1); /* off tick */
	else if (r < 800) {                                             /* far: collars */
		int64_t mid = ((int64_t)bid + ask) / 2, d = mid * (int64_t)rr(1, 500) / 10000;
		it->px = (uint32_t)(rn(2) ? mid + d : mid - d);
	} else if (r < 820)
		it->px = 0;
	else if (r < 900)
		it->px = buy ? ask + k : bid - k; /* through */
	else
		it->px = (uint32_t)((int64_t)(((uint64_t)bid + ask) / 2) + (int64_t)rr(0, 4000) -
		                    2000);
	/* on a notional limit's edge: px * qty exactly min_notional or
	 * max_order_notional, or one price unit past it */
	int64_t edge = rn(2) ? O.lim.min_notional : O.lim.max_order_notional;
	if (edge && it->qty && chance(60) && edge % it->qty == 0 && edge / it->qty < UINT32_MAX)
		it->px = (uint32_t)(edge / it->qty) + (uint32_t)(rn(3) == 0) -
		         (uint32_t)(rn(3) == 0 && edge / it->qty > 1);
	/* on the collar's edge: a book with bid + ask a multiple of 20000, so a
	 * price exactly collar_bps from the mid is whole; or one unit beyond */
	uint32_t collar = O.lim.collar_bps;
	if (collar && collar < 10000 && chance(40)) {
		uint32_t r2 = (uint32_t)(b->mid / 10000 * 10000);
		it->bid_px = r2 - GRID;
		it->ask_px = r2 + GRID;
		it->flags = MD_F_BOOK;
		uint32_t d = (uint32_t)((uint64_t)collar * 2 * r2 / 10000); /* 2 * distance */
		uint32_t out = (uint32_t)rn(2);
		it->px = rn(2) ? r2 + d / 2 + out : r2 - d / 2 - out;
	}
	b->last = *it;
	b->has_last = true;
}

static uint32_t fill_px(uint16_t loc, uint32_t px)
{
	int64_t p = px ? px : G[loc].mid;
	if (chance(300)) /* fills away from the order's price: P&L swings */
		p += p * ((int64_t)rn(401) - 200) / 10000;
	if (chance(20))
		p += p * ((int64_t)rn(1001) - 500) / 10000;
	return (uint32_t)(p > GRID ? p : GRID);
}

/* A fill (or ack, cancel) for an order the table does not know. */
static void gen_unknown(struct exec_report *r)
{
	uint16_t loc = chance(500) ? ORPHAN : (uint16_t)rr(1, 6);
	r->kind = chance(850) ? EXEC_FILL : chance(500) ? EXEC_CANCELED : EXEC_ACK;
	do
		r->order_id = chance(500) ? rr(1, FIRST_ID - 1) : rr(FIRST_ID, O.next_id);
	while (o_find(r->order_id));
	r->locate = loc;
	int64_t p = O.in[loc].pos;
	/* mostly back toward flat: the orphan position stays bounded */
	r->side = p && chance(700) ? (p > 0 ? 'S' : 'B') : rn(2) ? 'B' : 'S';
	r->qty = (uint32_t)(loc == ORPHAN ? rr(1, 200) : rr(1, 40));
	r->px = fill_px(loc, 0);
}

static unsigned gen_reports(struct exec_report *reps)
{
	unsigned n = (unsigned)rr(1, 3), k = 0;
	bool used[MAX_OPEN] = { false };
	for (unsigned i = 0; i < n; i++) {
		struct exec_report *r = &reps[k];
		memset(r, 0, sizeof(*r));
		r->ts_ns = now_ts;
		unsigned j = O.nord ? (unsigned)rn(O.nord) : 0;
		if (!O.nord || used[j] || chance(60)) {
			gen_unknown(r);
			k++;
			continue;
		}
		used[j] = true;
		const struct o_order *o = &O.ord[j];
		r->order_id = o->id;
		r->locate = o->loc;
		r->side = o->side;
		unsigned x = (unsigned)rn(1000);
		if (x < 150) {
			r->kind = EXEC_ACK;
			r->qty = (uint32_t)o->rem;
		} else if (x < 750) {
			r->kind = EXEC_FILL;
			r->qty = x < 450 && o->rem > 1 ? (uint32_t)rr(1, (uint64_t)o->rem - 1)
			                               : (uint32_t)o->rem;
			r->px = fill_px(o->loc, o->px);
		} else {
			r->kind = x < 930 ? EXEC_CANCELED : EXEC_REJECTED;
			r->qty = (uint32_t)o->rem;
		}
		k++;
	}
	return k;
}

static int64_t day_capital;

/* Limits: each on about half the time, at values that make it fire. */
static void gen_limits(struct risk_limits *l)
{
	memset(l, 0, sizeof(*l));
	static const uint32_t lots[] = { 0, 1, 10, 100 };
	l->lot = lots[rn(4)];
	uint32_t unit = l->lot > 1 ? l->lot : 1;
	l->max_order_qty = unit * (uint32_t)rr(l->lot == 100 ? 3 : 20, l->lot == 100 ? 30 : 150);
	if (chance(400))
		l->min_qty = unit * (uint32_t)rr(1, 4);
	if (l->min_qty > l->max_order_qty)
		l->min_qty = l->max_order_qty;
	l->max_position = (int64_t)rr(300, 6000);
	static const uint32_t ticks[] = { 0, 1, 100, 100, 200 };
	l->tick = ticks[rn(5)];
	unsigned c = (unsigned)rn(10);
	l->collar_bps = c == 0 ? 0 : c < 3 ? 10000 : (uint32_t)rr(5, 300);
	if (chance(500)) {
		l->band_bps = rn(2) ? (uint32_t)rr(20, 300) : 25 * (uint32_t)rr(1, 12);
		l->band_window_ms = (uint32_t)rr(50, 5000);
	}
	if (chance(500))
		l->max_orders_per_sec = (uint32_t)rr(3, 40);
	if (chance(500))
		l->max_orders_per_sec_inst = (uint32_t)rr(2, 20);
	if (chance(500))
		l->duplicate_ms = (uint32_t)rr(1, 3000);
	if (chance(400))
		l->max_fills_per_min = (uint32_t)rr(2, 30);
	/* capital is the day's or off: lowering it within a day would only
	 * show as a drawdown the size of the cut (the high-water mark stays) */
	if (chance(700))
		l->capital = day_capital;
	if (l->capital && chance(500)) {
		l->drawdown_bps[0] = (uint16_t)rr(3, 40);
		l->drawdown_bps[1] = (uint16_t)(l->drawdown_bps[0] + rr(3, 40));
		l->drawdown_bps[2] = (uint16_t)(l->drawdown_bps[1] + rr(3, 80));
		l->tier1_size_pct = (uint16_t)rr(10, 95);
	}
	if (chance(400))
		l->daily_loss_limit = (int64_t)rr(2000000, 60000000);
	if (chance(300))
		l->min_notional = (int64_t)rr(5, 200) * 1000000;
	if (chance(400))
		l->max_order_notional = (int64_t)rr(100, 2500) * 1000000;
	if (chance(400))
		l->max_position_notional = (int64_t)rr(200, 4000) * 1000000;
	if (chance(400))
		l->max_gross_notional = (int64_t)rr(1000, 15000) * 1000000;
	if (chance(400))
		l->max_net_notional = (int64_t)rr(300, 8000) * 1000000;
	if (chance(500))
		l->fees_per_share = (int64_t)rr(0, 30);
	if (chance(600)) {
		l->fees_cbps_maker = (int32_t)rn(61) - 30;
		l->fees_cbps_taker = (int32_t)rr(0, 300);
	}
	if (chance(400))
		l->stop_loss_bps = (uint32_t)rr(10, 300);
	if (chance(400))
		l->take_profit_bps = (uint32_t)rr(10, 500);
	if (chance(400))
		l->trailing_stop_bps = (uint32_t)rr(10, 300);
	if (chance(300))
		l->max_hold_ms = (uint32_t)rr(300, 60000);
}

/* risk.h's rules for a set: max_order_qty and max_position > 0, band bps and
 * window together, tiers three increasing and on capital, tier1 1..100. */
static bool header_valid(const struct risk_limits *l)
{
	if (!l->max_order_qty || l->max_position <= 0)
		return false;
	if (!l->band_bps != !l->band_window_ms)
		return false;
	if (l->drawdown_bps[0] || l->drawdown_bps[1] || l->drawdown_bps[2]) {
		if (!l->capital || !l->tier1_size_pct || l->tier1_size_pct > 100)
			return false;
		for (int k = 0; k < 3; k++)
			if (!l->drawdown_bps[k] ||
			    (k && l->drawdown_bps[k] <= l->drawdown_bps[k - 1]))
				return false;
	}
	return l->min_qty <= l->max_order_qty;
}

/* One group of related limits from a fresh set into *l. */
static void tweak_limits(struct risk_limits *l)
{
	for (;;) {
		struct risk_limits n = *l, f;
		gen_limits(&f);
		switch (rn(15)) {
		case 0:
			n.lot = f.lot;
			n.max_order_qty = f.max_order_qty;
			n.min_qty = f.min_qty;
			break;
		case 1:
			n.max_position = f.max_position;
			break;
		case 2:
			n.tick = f.tick;
			break;
		case 3:
			n.collar_bps = f.collar_bps;
			break;
		case 4:
			n.band_bps = f.band_bps;
			n.band_window_ms = f.band_window_ms;
			break;
		case 5:
			n.max_orders_per_sec = f.max_orders_per_sec;
			n.max_orders_per_sec_inst = f.max_orders_per_sec_inst;
			break;
		case 6:
			n.duplicate_ms = f.duplicate_ms;
			break;
		case 7:
			n.max_fills_per_min = f.max_fills_per_min;
			break;
		case 8:
			n.capital = f.capital;
			memcpy(n.drawdown_bps, f.drawdown_bps, sizeof(n.drawdown_bps));
			n.tier1_size_pct = f.tier1_size_pct;
			break;
		case 9:
			n.daily_loss_limit = f.daily_loss_limit;
			break;
		case 10:
			n.min_notional = f.min_notional;
			n.max_order_notional = f.max_order_notional;
			break;
		case 11:
			n.max_position_notional = f.max_position_notional;
			break;
		case 12:
			n.max_gross_notional = f.max_gross_notional;
			n.max_net_notional = f.max_net_notional;
			break;
		case 13:
			n.fees_per_share = f.fees_per_share;
			n.fees_cbps_maker = f.fees_cbps_maker;
			n.fees_cbps_taker = f.fees_cbps_taker;
			break;
		default:
			n.stop_loss_bps = f.stop_loss_bps;
			n.take_profit_bps = f.take_profit_bps;
			n.trailing_stop_bps = f.trailing_stop_bps;
			n.max_hold_ms = f.max_hold_ms;
			break;
		}
		if (header_valid(&n)) {
			*l = n;
			return;
		}
	}
}

/* A set risk.h refuses. */
static void break_limits(struct risk_limits *l)
{
	switch (rn(6)) {
	case 0:
		l->max_order_qty = 0;
		break;
	case 1:
		l->max_position = rn(2) ? 0 : -(int64_t)rr(1, 1000);
		break;
	case 2:
		if (rn(2)) {
			l->band_bps = (uint32_t)rr(1, 100);
			l->band_window_ms = 0;
		} else {
			l->band_bps = 0;
			l->band_window_ms = (uint32_t)rr(1, 100);
		}
		break;
	case 3:
		l->capital = 0;
		l->drawdown_bps[0] = 10, l->drawdown_bps[1] = 20, l->drawdown_bps[2] = 30;
		l->tier1_size_pct = 50;
		break;
	case 4:
		if (!l->capital)
			l->capital = 5000000000;
		l->drawdown_bps[0] = 30, l->drawdown_bps[1] = (uint16_t)(rn(2) ? 30 : 10);
		l->drawdown_bps[2] = 40;
		l->tier1_size_pct = 50;
		break;
	default:
		if (!l->capital)
			l->capital = 5000000000;
		l->drawdown_bps[0] = 10, l->drawdown_bps[1] = 20, l->drawdown_bps[2] = 30;
		l->tier1_size_pct = (uint16_t)(rn(2) ? 0 : rr(101, 500));
		break;
	}
	assert(!header_valid(l));
}

static void idle_poll(void)
{
	run_poll(NULL, 0, NULL, 0);
}

static void op_limits(unsigned how)
{
	char err[256] = "";
	struct risk_limits l = O.pub;
	if (how == 2) {
		break_limits(&l);
		note("set_limits (invalid)");
		int r = risk_control_set_limits(&R.ctl, &l, err, sizeof(err));
		if (r != -EINVAL || !err[0])
			fail("an invalid limit set: %d '%s'", r, err);
		struct risk_limits now;
		risk_control_limits(&R.ctl, &now);
		if (memcmp(&now, &O.pub, sizeof(now)) != 0)
			fail("a refused limit set changed the published limits");
		C.invalid_sets++;
		idle_poll(); /* and the stage's: limit_updates must not move */
		return;
	}
	if (how == 1) {
		gen_limits(&l);
		C.phases++;
		report_permille = chance(250) ? 40 : 300;
	} else {
		tweak_limits(&l);
	}
	assert(header_valid(&l));
	note("set_limits");
	if (risk_control_set_limits(&R.ctl, &l, err, sizeof(err)) != 0)
		fail("a valid limit set refused: %s", err);
	O.pub = l;
	O.pub_new = true;
	C.valid_sets++;
	if (how == 0 && chance(100)) { /* two sets before the stage looks: it takes the last */
		tweak_limits(&l);
		if (risk_control_set_limits(&R.ctl, &l, err, sizeof(err)) != 0)
			fail("a valid limit set refused: %s", err);
		O.pub = l;
		C.valid_sets++;
	}
	idle_poll();
}

static void op_global_mode(uint32_t mode)
{
	note("set_mode %u", mode);
	if (risk_control_set_mode(&R.ctl, (enum risk_mode)mode) != 0)
		fail("set_mode refused");
	O.op_mode = mode;
	O.op_pending = true; /* taken at the start of the next poll */
	idle_poll();
}

static void op_inst_mode(uint16_t loc, uint32_t mode)
{
	note("set_inst_mode %u %u", loc, mode);
	if (risk_control_set_inst_mode(&R.ctl, loc, (enum risk_mode)mode) != 0)
		fail("set_inst_mode refused");
	O.in[loc].op_mode = mode;
	O.in[loc].gen_pending = true;
	if (strict & (1u << DEV_THROTTLE))
		O.in[loc].throttled = false; /* risk.h: halted "until the operator sets it again" */
	idle_poll();
}

static void describe_intent(const struct order_intent *it)
{
	note(" [%s seq %" PRIu64 " ts %" PRIu64 " loc %u side %c px %u qty %u bid %u ask %u "
	     "flags %u]",
	     it->kind == INTENT_NEW ? "intent" : "watermark", it->seq, it->ts_ns, it->locate,
	     it->side ? it->side : '-', it->px, it->qty, it->bid_px, it->ask_px, it->flags);
}

static void describe_report(const struct exec_report *r)
{
	note(" [report kind %u id %" PRIu64 " loc %u side %c qty %u px %u reason %u]", r->kind,
	     r->order_id, r->locate, r->side ? r->side : '-', r->qty, r->px, r->reason);
}

static void set_limits_now(const struct risk_limits *l, const char *why)
{
	char err[256] = "";
	note("set_limits (%s)", why);
	if (risk_control_set_limits(&R.ctl, l, err, sizeof(err)) != 0)
		fail("a valid limit set refused: %s", err);
	O.pub = *l;
	O.pub_new = true;
	C.valid_sets++;
	idle_poll();
}

/* An exposure limit on its edge: the next order (adding to the position, at
 * the book the instrument already has, so no mark moves) would take it
 * exactly to max_position_notional, gross, net or capital, or one unit past.
 * The exposure limits checked before the chosen one are off for it. */
static void op_edge_exposure(void)
{
	uint16_t loc = (uint16_t)rr(1, 6);
	const struct o_inst *in = &O.in[loc];
	if (!in->mark || !in->bid || !in->ask || in->bid >= in->ask ||
	    (uint32_t)(((uint64_t)in->bid + in->ask) / 2) != in->mark)
		return;
	struct risk_limits l = O.pub;
	uint8_t side = in->pos > 0 ? 'B' : in->pos < 0 ? 'S' : rn(2) ? 'B' : 'S';
	uint32_t lot = l.lot > 1 ? l.lot : 1;
	uint32_t q = lot * (uint32_t)rr(1, 3);
	if (q < l.min_qty)
		q = (l.min_qty + lot - 1) / lot * lot;
	if (q > l.max_order_qty)
		return;
	struct expo e;
	o_expo(&e, loc, side, q);
	int64_t w = side == 'B' ? in->pos + in->ob + q : in->pos - in->os - q;
	int64_t slack = (int64_t)rn(2); /* 0: exactly at the limit, 1: one unit short of it */
	if (iabs64(w) > l.max_position)
		l.max_position = iabs64(w);
	int64_t v;
	switch (rn(4)) {
	case 0:
		v = l.max_position_notional = iabs64(w) * in->mark - slack;
		break;
	case 1:
		l.max_position_notional = 0;
		v = l.max_gross_notional = (int64_t)e.gross - slack;
		break;
	case 2:
		l.max_position_notional = l.max_gross_notional = 0;
		v = l.max_net_notional = (int64_t)(side == 'B' ? e.net_long : -e.net_short) - slack;
		break;
	default:
		l.max_position_notional = l.max_gross_notional = l.max_net_notional = 0;
		v = l.capital = (int64_t)e.cap - slack;
		break;
	}
	if (v <= 0 || v > 1000000000000000LL || !header_valid(&l))
		return;
	set_limits_now(&l, "exposure edge");
	struct order_intent it;
	new_intent(&it, loc, INTENT_NEW);
	it.flags = MD_F_BOOK;
	it.bid_px = in->bid;
	it.ask_px = in->ask;
	it.side = side;
	it.qty = q;
	it.px = side == 'B' ? in->bid : in->ask;
	describe_intent(&it);
	C.edge_exposure++;
	C.intents++;
	run_poll(&it, 1, NULL, 0);
}

/* An exit on its edge: a one-sided book whose mark puts the loss, the gain
 * or the fall from the best mark exactly at a stop-loss, take-profit or
 * trailing-stop level chosen to make that exact (or a unit short of it). */
static void op_edge_exit(void)
{
	uint16_t loc = (uint16_t)rr(1, NLOC);
	const struct o_inst *in = &O.in[loc];
	int64_t p = in->pos, c = in->cost;
	int64_t uncovered = p > 0 ? p - in->os : -p - in->ob;
	if (!p || in->exit_id || uncovered <= 0 || !O.session_up || O.killed || O.nord >= MAX_OPEN)
		return;
	unsigned kind = (unsigned)rn(3);
	if (kind == 2 && !in->best)
		return;
	int64_t m = 0;
	uint32_t bps = 0;
	for (uint32_t b = 1; b <= 500 && !m; b++) {
		/* stop: (c - p*m) * 1e4 = |c| * b; take-profit: (p*m - c) * 1e4 = |c| * b;
		 * trailing: |best - m| * 1e4 = best * b */
		i128 num, den;
		if (kind == 2) {
			num = (i128)in->best * (p > 0 ? 10000 - b : 10000 + b);
			den = 10000;
		} else {
			bool lower =
			        (kind == 0) == (p > 0); /* the mark that fires is below the cost */
			num = (i128)c * (lower ? 10000 - (int32_t)b : 10000 + (int32_t)b);
			den = (i128)10000 * p;
		}
		if (num % den == 0 && num / den > 1 && num / den < UINT32_MAX) {
			m = (int64_t)(num / den);
			bps = b;
		}
	}
	if (!m)
		return;
	/* a unit short of the level: moved back toward no exit */
	bool fires_low = kind == 2 ? p > 0 : (kind == 0) == (p > 0);
	if (rn(2))
		m += fires_low ? 1 : -1;
	struct risk_limits l = O.pub;
	l.stop_loss_bps = kind == 0 ? bps : 0;
	l.take_profit_bps = kind == 1 ? bps : 0;
	l.trailing_stop_bps = kind == 2 ? bps : 0;
	l.max_hold_ms = 0;
	set_limits_now(&l, "exit edge");
	struct order_intent it;
	new_intent(&it, loc, INTENT_WATERMARK);
	it.flags = MD_F_BOOK;
	it.bid_px = p > 0 ? (uint32_t)m : 0; /* the closing side's touch is the mark */
	it.ask_px = p > 0 ? 0 : (uint32_t)m;
	describe_intent(&it);
	C.edge_exits++;
	run_poll(&it, 1, NULL, 0);
}

/* Breakers on their edge: a limit set that puts the P&L exactly at minus the
 * daily loss limit, or the drawdown exactly at tier 1 of a new capital, then
 * a new mark on a flat instrument (the money does not move) evaluates them. */
static void op_edge_breaker(void)
{
	struct risk_limits l = O.pub;
	if (O.pnl_eval < 0 && rn(2)) {
		l.daily_loss_limit = -O.pnl_eval;
	} else {
		/* drawdown = hw - capital - pnl: pick the capital that makes it an
		 * exact quarter (2500 bps) or half (5000 bps) of the capital */
		int64_t x = O.hw - O.pnl_eval;
		uint16_t b;
		if (x > 0 && x % 5 == 0) {
			b = 2500;
			l.capital = x / 5 * 4;
		} else if (x > 0 && x % 3 == 0) {
			b = 5000;
			l.capital = x / 3 * 2;
		} else {
			return;
		}
		l.drawdown_bps[0] = b;
		l.drawdown_bps[1] = (uint16_t)(b + 500);
		l.drawdown_bps[2] = (uint16_t)(b + 1500);
		l.tier1_size_pct = (uint16_t)rr(10, 95);
		l.daily_loss_limit = 0;
	}
	uint16_t flat = 0;
	for (uint16_t i = 1; i <= 6 && !flat; i++)
		if (!O.in[i].pos)
			flat = i;
	if (!flat || !header_valid(&l))
		return;
	set_limits_now(&l, "breaker edge");
	struct order_intent it;
	new_intent(&it, flat, INTENT_WATERMARK);
	it.flags = MD_F_BOOK;
	it.bid_px = (uint32_t)(G[flat].mid / GRID * GRID);
	it.ask_px = it.bid_px + G[flat].spread * GRID;
	if ((it.bid_px + it.ask_px) / 2 == O.in[flat].mark)
		it.ask_px += GRID;
	describe_intent(&it);
	C.edge_breakers++;
	run_poll(&it, 1, NULL, 0);
}

static void op_control(void)
{
	C.control_ops++;
	uint32_t gm = O.op_mode > O.br_mode ? O.op_mode : O.br_mode;
	unsigned c = (unsigned)rn(100);
	if (c < 10) {
		op_global_mode(gm != RISK_MODE_ACTIVE || O.effect ? RISK_MODE_ACTIVE
		                                                  : (uint32_t)rn(3));
	} else if (c < 22) {
		op_inst_mode((uint16_t)rr(1, 6), chance(500) ? RISK_MODE_ACTIVE : (uint32_t)rn(3));
	} else if (c < 30) {
		uint16_t loc = (uint16_t)rr(1, 6);
		bool on = !O.in[loc].restricted;
		note("restrict %u %d", loc, on);
		risk_control_restrict(&R.ctl, loc, on);
		O.in[loc].restricted = on;
		idle_poll();
	} else if (c < 46) {
		op_limits(0);
	} else if (c < 52) {
		op_limits(2);
	} else if (c < 55) {
		op_limits(1);
	} else if (c < 67) {
		if (!O.killed && chance(150)) {
			/* a kill and a resume before the stage looks: it sees neither */
			note("kill+resume");
			risk_control_kill(&R.ctl);
			risk_control_resume(&R.ctl);
		} else if (!O.killed) {
			note("kill");
			risk_control_kill(&R.ctl);
			O.killed = true;
		} else {
			note("resume");
			risk_control_resume(&R.ctl);
			O.killed = false;
		}
		idle_poll();
	} else if (c < 71) {
		/* flatten: only when every position fits in the open-order table
		 * (which ones go when it does not is the stage's choice) */
		unsigned npos = 0;
		for (unsigned l = 1; l <= NLOC; l++)
			npos += O.in[l].pos != 0;
		if (O.nord + npos > MAX_OPEN)
			return;
		if (chance(500)) {
			/* often one the stage has not seen yet today */
			uint16_t loc = (uint16_t)rr(1, NLOC);
			for (uint16_t l = 1; l <= NLOC && chance(700); l++)
				if (!O.in[l].touched) {
					loc = l;
					break;
				}
			note("flatten_inst %u", loc);
			risk_control_flatten_inst(&R.ctl, loc);
			O.in[loc].flat_asked = true;
			O.flat_req++;
			if (chance(400)) {
				/* exec reports a fill on it before the stage looks: the
				 * report is drained first, then the flatten runs */
				struct exec_report r = { .ts_ns = now_ts };
				gen_unknown(&r);
				r.kind = EXEC_FILL;
				r.locate = loc;
				describe_report(&r);
				run_poll(NULL, 0, &r, 1);
			} else {
				idle_poll();
			}
			return;
		}
		note("flatten%s", O.killed ? "" : " (with kill)");
		if (!O.killed && chance(700)) {
			risk_control_kill(&R.ctl);
			O.killed = true;
		}
		risk_control_flatten(&R.ctl);
		O.flat_req++;
		O.flat_all = true;
		idle_poll();
	} else if (c < 80) {
		struct exec_report r = { .kind = EXEC_SESSION, .ts_ns = now_ts };
		r.reason = O.session_up
		                   ? (chance(500) ? EXEC_SESSION_DOWN : EXEC_SESSION_CONNECTING)
		                   : EXEC_SESSION_UP;
		note("session %u", r.reason);
		run_poll(NULL, 0, &r, 1);
	} else if (c < 85) {
		op_edge_breaker();
	} else if (c < 90) {
		op_edge_exposure();
	} else if (c < 95) {
		op_edge_exit();
	} else {
		op_global_mode((uint32_t)rn(3));
	}
}

/* A time step onto the edge of one of an instrument's windows, or one ns
 * before it: the duplicate window, the time exit, the band window, the fill
 * throttle's minute, the moment a rate bucket holds a token again. Random
 * steps in ns would almost never land there. */
static bool edge_time(void)
{
	uint16_t l = (uint16_t)rr(1, 6);
	const struct o_inst *in = &O.in[l];
	const struct risk_limits *lim = &O.lim;
	uint64_t t = 0;
	switch (rn(5)) {
	case 0:
		if (lim->duplicate_ms && in->dup_set)
			t = in->dup_ts + lim->duplicate_ms * NS_MS;
		break;
	case 1:
		if (lim->max_hold_ms && in->open_ts)
			t = in->open_ts + lim->max_hold_ms * NS_MS;
		break;
	case 2:
		if (lim->band_bps && in->band_mid2)
			t = in->band_ts + lim->band_window_ms * NS_MS;
		break;
	case 3:
		if (lim->max_fills_per_min && in->fills_n)
			t = in->fills_ts + 60 * NS_S;
		break;
	default: {
		uint32_t rate = lim->max_orders_per_sec_inst;
		uint64_t used = in->r_used, ts0 = in->r_ts;
		if (rn(2)) {
			rate = lim->max_orders_per_sec;
			used = O.r_used;
			ts0 = O.r_ts;
		}
		/* a token again once (t - ts0) * rate >= used + 1 token - capacity */
		if (rate && used + NS_S > (uint64_t)rate * NS_S) {
			uint64_t need = used + NS_S - (uint64_t)rate * NS_S;
			t = ts0 + (need + rate - 1) / rate;
		}
		break;
	}
	}
	if (!t)
		return false;
	t -= rn(2);
	if (t < now_ts)
		return false;
	now_ts = t;
	edge_loc = l;
	return true;
}

static void advance_time(void)
{
	edge_loc = 0;
	if (chance(40) && edge_time())
		return;
	unsigned r = (unsigned)rn(1000);
	if (r < 400)
		return; /* same ns: bursts, rates, duplicates */
	if (r < 800)
		now_ts += rr(1000, 2 * NS_MS);
	else if (r < 960)
		now_ts += rr(2 * NS_MS, 200 * NS_MS);
	else if (r < 997)
		now_ts += rr(200 * NS_MS, 3 * NS_S);
	else
		now_ts += rr(10 * NS_S, 90 * NS_S);
}

static void one_op(void)
{
	opdesc_n = 0;
	opdesc[0] = 0;
	advance_time();
	note("ts %" PRIu64 ":", now_ts);
	uint32_t gm = O.op_mode > O.br_mode ? O.op_mode : O.br_mode;
	/* the operator and the venue react to what happened */
	if (venue_cancel_all && chance(700)) {
		venue_cancel_all = false;
		static struct exec_report reps[MAX_OPEN];
		unsigned n = O.nord;
		for (unsigned i = 0; i < n; i++) {
			reps[i] = (struct exec_report){ .kind = EXEC_CANCELED,
				                        .ts_ns = now_ts,
				                        .order_id = O.ord[i].id,
				                        .locate = O.ord[i].loc,
				                        .side = O.ord[i].side,
				                        .qty = (uint32_t)O.ord[i].rem };
		}
		note(" venue cancels all %u open orders", n);
		C.venue_cancel_alls++;
		run_poll(NULL, 0, reps, n);
		return;
	}
	if ((gm != RISK_MODE_ACTIVE || O.effect) && chance(25)) {
		op_global_mode(RISK_MODE_ACTIVE);
		return;
	}
	if (O.killed && chance(60)) {
		note("resume");
		risk_control_resume(&R.ctl);
		O.killed = false;
		idle_poll();
		return;
	}
	if (!O.session_up && chance(40)) {
		struct exec_report r = { .kind = EXEC_SESSION,
			                 .ts_ns = now_ts,
			                 .reason = EXEC_SESSION_UP };
		note("session up");
		run_poll(NULL, 0, &r, 1);
		return;
	}
	for (uint16_t l = 1; l <= 6; l++) {
		if ((O.in[l].throttled || O.in[l].op_mode != RISK_MODE_ACTIVE) && chance(8)) {
			op_inst_mode(l, RISK_MODE_ACTIVE);
			return;
		}
		if (O.in[l].restricted && chance(15)) {
			note("allow %u", l);
			risk_control_restrict(&R.ctl, l, false);
			O.in[l].restricted = false;
			idle_poll();
			return;
		}
	}
	unsigned r = (unsigned)rn(1000);
	if (r < 30) {
		op_control();
	} else if (r < 150) {
		/* a watermark with the book of its batch's last event: marks move */
		struct order_intent it;
		new_intent(&it,
		           edge_loc     ? edge_loc
		           : chance(40) ? ORPHAN
		                        : (uint16_t)rr(1, 6),
		           INTENT_WATERMARK);
		describe_intent(&it);
		C.wm_intents++;
		run_poll(&it, 1, NULL, 0);
	} else if (r < 150 + report_permille && O.nord) {
		struct exec_report reps[4];
		unsigned n = gen_reports(reps);
		for (unsigned i = 0; i < n; i++) {
			describe_report(&reps[i]);
			if (reps[i].kind == EXEC_FILL)
				C.fills_unknown += !o_find(reps[i].order_id);
		}
		C.report_ops++;
		run_poll(NULL, 0, reps, n);
	} else {
		/* one intent, or a burst of several in one poll */
		struct order_intent its[4];
		unsigned n = chance(100) ? (unsigned)rr(2, 4) : 1;
		for (unsigned i = 0; i < n; i++) {
			gen_intent(&its[i], i == 0 && edge_loc ? edge_loc : (uint16_t)rr(1, 6));
			describe_intent(&its[i]);
		}
		C.intents += n;
		C.bursts += n > 1;
		run_poll(its, n, NULL, 0);
	}
}

/* ------------------------------------------------------------------------- */

static void parse_strict(const char *s)
{
	if (!s || !*s || !strcmp(s, "all")) {
		/* the default since the stage follows risk.h in all eight */
		strict = (1u << DEV_N) - 1;
		return;
	}
	for (unsigned d = 0; d < DEV_N; d++)
		if (strstr(s, dev_name[d]))
			strict |= 1u << d;
}

/* Run totals: the stage's counters start again every day. */
static struct risk_stats T;

static void add_totals(void)
{
	const struct risk_stats *d = &O.st;
	T.intents += d->intents;
	T.approved += d->approved;
	T.rejected += d->rejected;
	for (unsigned r = 0; r < RISK_R_COUNT; r++)
		T.rejects[r] += d->rejects[r];
	T.scaled += d->scaled;
	T.kill_transitions += d->kill_transitions;
	T.resumes += d->resumes;
	T.cancel_alls += d->cancel_alls;
	T.flattens += d->flattens;
	T.flatten_orders += d->flatten_orders;
	for (unsigned k = 0; k < 4; k++)
		T.exits[k] += d->exits[k];
	T.watermarks += d->watermarks;
	T.reports += d->reports;
	T.fills += d->fills;
	T.unknown_reports += d->unknown_reports;
	T.session_changes += d->session_changes;
	T.limit_updates += d->limit_updates;
	T.ntransitions += d->ntransitions;
}

static bool day_flatten_at_end;
static uint64_t days;

/* A trading day: a new stage (as after a restart) with yesterday's positions
 * restored, fresh control, the day's capital and limits. Days keep the P&L,
 * the high-water mark and so the breakers meaningful over a million ops. */
static void start_day(void)
{
	struct position init[NLOC];
	unsigned ninit = 0;
	for (uint16_t l = 1; l <= NLOC; l++)
		if (O.in[l].pos)
			init[ninit++] = (struct position){ .qty = O.in[l].pos,
				                           .cost = O.in[l].cost,
				                           .locate = l };
	uint64_t next_id = O.next_id ? O.next_id : FIRST_ID;
	day_capital = (int64_t)rr(3000, 30000) * 1000000;
	struct risk_limits l0;
	do
		gen_limits(&l0);
	while (!header_valid(&l0));
	day_flatten_at_end = chance(300);
	risk_control_init(&R.ctl);
	struct risk_stage_cfg cfg = {
		.intents_in = R.in,
		.reports_in = R.rep,
		.orders_out = R.out,
		.events_out = R.ev,
		.limits = l0,
		.ctl = &R.ctl,
		.first_order_id = next_id,
		.initial = init,
		.ninitial = ninit,
		.max_open_orders = MAX_OPEN,
		.burst = 64,
		.flatten_at_end = day_flatten_at_end,
	};
	char err[256] = "";
	if (risk_stage_create(&cfg, &R.s, err, sizeof(err)) != 0)
		fail("risk_stage_create: %s", err);
	/* the oracle starts where the stage does: positions and their cost
	 * restored, the day's realized P&L at 0, nothing else known */
	memset(&O, 0, sizeof(O));
	for (unsigned i = 0; i < ninit; i++) {
		O.in[init[i].locate].pos = init[i].qty;
		O.in[init[i].locate].cost = init[i].cost;
		O.in[init[i].locate].touched = true;
	}
	O.lim = O.pub = l0;
	O.next_id = next_id;
	O.session_up = true;
	O.hw = l0.capital; /* "high-water mark ... (starting at capital)" */
	R.out_seq = 0;     /* a new stage: its order stream starts again */
	venue_cancel_all = false;
	days++;
	compare_state();
}

/* The end of the day: the venue cancels what is open, INTENT_EOS ->
 * (flatten) ORDER_EOS, and exec's EXEC_EOS ends the stream. */
static void end_day(void)
{
	opdesc_n = 0;
	note("end of day");
	static struct exec_report reps[MAX_OPEN];
	unsigned n = O.nord;
	for (unsigned i = 0; i < n; i++)
		reps[i] = (struct exec_report){ .kind = EXEC_CANCELED,
			                        .ts_ns = now_ts,
			                        .order_id = O.ord[i].id,
			                        .locate = O.ord[i].loc,
			                        .side = O.ord[i].side,
			                        .qty = (uint32_t)O.ord[i].rem };
	if (n)
		run_poll(NULL, 0, reps, n);
	struct order_intent eos = {
		.kind = INTENT_EOS, .seq = ++seq_no, .ts_ns = now_ts, .t0_ns = 1
	};
	assert(core_ring_push(R.in, &eos) == 0);
	o_eos(&eos, day_flatten_at_end);
	if (poll_work(risk_stage_poll, R.s) != 1)
		fail("INTENT_EOS not consumed");
	static struct order_msg got[64];
	unsigned ng = 0;
	while (ng < 64 && core_ring_pop(R.out, &got[ng]) == 0)
		ng++;
	compare_msgs(got, ng);
	compare_events();
	compare_state();
	/* flatten orders at the end stay open in the oracle until the next day
	 * forgets them, as the stage does */
	struct exec_report xeos = { .kind = EXEC_EOS };
	assert(core_ring_push(R.rep, &xeos) == 0);
	if (poll_once(risk_stage_poll, R.s, NULL) != CORE_EOF)
		fail("EXEC_EOS did not end the stream");
	struct risk_event ev;
	if (core_ring_pop(R.ev, &ev) != 0 || ev.kind != RISK_EV_EOS ||
	    core_ring_pop(R.ev, &ev) != CORE_RING_EMPTY)
		fail("RISK_EV_EOS is not the events ring's last");
	add_totals();
	R.s = risk_stage_destroy(R.s);
}

int main(int argc, char **argv)
{
	core_clock_init(1);
	seed = argc > 1 ? strtoull(argv[1], NULL, 0) : DEFAULT_SEED;
	if (!seed)
		seed = DEFAULT_SEED;
	rs = seed;
	uint64_t nops = DEFAULT_OPS;
	const char *e = getenv("OSPREY_PROPERTY_OPS");
	if (e && *e)
		nops = strtoull(e, NULL, 0);
	parse_strict(getenv("OSPREY_PROPERTY_STRICT"));
	printf("risk property: seed %" PRIu64 ", %" PRIu64 " ops%s\n", seed, nops,
	       strict ? " (strict: risk.h where the stage departs from it)" : "");
	fflush(stdout);

	/* books: six instruments between $50 and $200, and the orphan */
	for (uint16_t l = 1; l <= NLOC; l++) {
		G[l].base = G[l].mid = (int64_t)rr(500000, 2000000) / GRID * GRID;
		G[l].spread = (uint32_t)rr(1, 4);
	}
	R.in = core_ring_create("intents", 64, sizeof(struct order_intent));
	R.rep = core_ring_create("reports", 128, sizeof(struct exec_report));
	R.out = core_ring_create("orders", 512, sizeof(struct order_msg));
	R.ev = core_ring_create("events", 1024, sizeof(struct risk_event));
	assert(R.in && R.rep && R.out && R.ev);
	/* the first day starts with two positions restored from before */
	O.in[2].pos = 300;
	O.in[2].cost = 300 * G[2].base;
	O.in[5].pos = -200;
	O.in[5].cost = -200 * G[5].base;
	now_ts = 1000 * NS_S;
	start_day();

	uint64_t t_start = core_now_ns();
	for (op_no = 0; op_no < nops; op_no++) {
		if (op_no && op_no % DAY_OPS == 0) {
			end_day();
			now_ts += 3600 * NS_S;
			start_day();
		} else if (op_no && op_no % PHASE_OPS == 0) {
			opdesc_n = 0;
			op_limits(1); /* a new phase: every limit drawn again */
		}
		one_op();
	}
	end_day();
	double secs = (double)(core_now_ns() - t_start) / 1e9;

	/* the summary */
	const struct risk_stats *st = &T;
	printf("ops %" PRIu64 " over %" PRIu64 " days: intents %" PRIu64 " (%" PRIu64
	       " bursts), watermarks %" PRIu64 ", report polls %" PRIu64 ", control %" PRIu64 "\n",
	       nops, days, C.intents, C.bursts, C.wm_intents, C.report_ops, C.control_ops);
	printf("decided %" PRIu64 ": approved %" PRIu64 " (%" PRIu64
	       " scaled by tier 1), rejected %" PRIu64 "\n",
	       st->intents, st->approved, st->scaled, st->rejected);
	printf("rejects:");
	for (unsigned r = 1; r < RISK_R_COUNT; r++)
		printf("%s %s %" PRIu64 "%s", r % 6 == 1 ? "\n " : ",", risk_reason_name(r),
		       st->rejects[r],
		       memchr(modelled, (int)r, sizeof(modelled)) ? "" : " (not configured here)");
	printf("\nreducing intents %" PRIu64 ": approved %" PRIu64
	       ", refused by killed/halted %" PRIu64
	       ", by other checks that bind exits too %" PRIu64 ", by [new risk] 0\n",
	       C.red_intents, C.red_approved, C.red_killed_or_halted, C.red_refused_static);
	printf("exits %" PRIu64 ":", C.exits_sent);
	for (unsigned k = 0; k < 4; k++)
		printf(" %s %" PRIu64, exit_name[k], st->exits[k]);
	printf("; flatten orders %" PRIu64 " in %" PRIu64 " requests\n", st->flatten_orders,
	       st->flattens);
	printf("exits an intent would fail on: self_trade %" PRIu64 ", max_qty %" PRIu64
	       ", tick %" PRIu64 ", lot %" PRIu64 ", max_notional %" PRIu64 ", collar %" PRIu64
	       "\n",
	       C.exit_unchecked[0], C.exit_unchecked[1], C.exit_unchecked[2], C.exit_unchecked[3],
	       C.exit_unchecked[4], C.exit_unchecked[5]);
	printf("edge cases: breakers %" PRIu64 ", exposure %" PRIu64 ", exits %" PRIu64 "\n",
	       C.edge_breakers, C.edge_exposure, C.edge_exits);
	printf("cancel-alls %" PRIu64 " (kills %" PRIu64 "), venue cancel-all replies %" PRIu64
	       "\n",
	       st->cancel_alls, st->kill_transitions, C.venue_cancel_alls);
	printf("transitions %u: tier1 %" PRIu64 ", tier2 %" PRIu64 ", tier3 %" PRIu64
	       ", daily loss %" PRIu64 ", fill throttle %" PRIu64 ", operator %" PRIu64 "\n",
	       st->ntransitions, C.fires[1], C.fires[2], C.fires[3], C.fires[4], C.throttles,
	       C.acks);
	printf("fills %" PRIu64 " (unknown orders %" PRIu64 "), reports %" PRIu64
	       ", limit sets %" PRIu64 " applied %" PRIu64 " in %" PRIu64
	       " phases, invalid refused %" PRIu64 "\n",
	       st->fills, C.fills_unknown, st->reports, C.valid_sets, st->limit_updates, C.phases,
	       C.invalid_sets);
	printf("deviations from risk.h (modelled; OSPREY_PROPERTY_STRICT=all to stop at them):");
	for (unsigned d = 0; d < DEV_N; d++)
		printf(" %s %" PRIu64, dev_name[d], devs[d]);
	printf("\n");

	/* coverage: a full run must have exercised everything it claims to */
	if (nops >= DEFAULT_OPS) {
		for (unsigned i = 0; i < sizeof(modelled); i++)
			if (!st->rejects[modelled[i]]) {
				fprintf(stderr, "reason %s never fired\n",
				        risk_reason_name(modelled[i]));
				return 1;
			}
		for (unsigned k = 0; k < 4; k++)
			assert(st->exits[k] > 0);
		for (unsigned lv = 1; lv <= 4; lv++)
			assert(C.fires[lv] > 0);
		assert(C.throttles > 0 && C.acks > 0 && st->scaled > 0 && st->flatten_orders > 0);
		assert(C.invalid_sets > 0 && C.red_approved > 0 && C.fills_unknown > 0);
		assert(st->kill_transitions > 0 && st->resumes > 0 && st->session_changes > 0);
	}
	printf("risk property: %" PRIu64 " ops, %" PRIu64 " intents, %" PRIu64 " approved, %" PRIu64
	       " rejected, %" PRIu64 " exits, %" PRIu64 " cancel-alls, %u transitions, %.2f s ok\n",
	       nops, st->intents, st->approved, st->rejected, C.exits_sent, st->cancel_alls,
	       st->ntransitions, secs);
	core_ring_destroy(R.in);
	core_ring_destroy(R.rep);
	core_ring_destroy(R.out);
	core_ring_destroy(R.ev);
	return 0;
}
