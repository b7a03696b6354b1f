/*
 * risk.h - Osprey's pre-trade risk stage: every pre-trade control, the money
 * it puts at risk (P&L, fees, drawdown breakers), exits, the kill switch and
 * the operator's controls.
 *
 *   intent ring (struct order_intent) --+
 *                                        +--risk_stage_poll--> order ring (struct order_msg)
 *   report ring (struct exec_report) ---+
 *        ^                       ^
 *        | limits (seqlock),     | kill, flatten, modes, restricted list
 *        +---- struct risk_control (control thread writes, the stage reads) ----+
 *
 * Units: prices in the feed's units (ITCH Price(4): 1e-4 dollars), quantities
 * in shares, money ("notional", P&L, fees, capital) in price units times
 * shares (1e-4 dollars). Time is event time (the intents' and reports'
 * ts_ns), never the wall clock, so a replay decides the same way every run.
 *
 * ------------------------------------------------------------------------
 * The checks, per intent, in this order; the first that fails names the
 * reject (enum risk_reason) and counts in risk_stats.rejects.
 *
 * An order "reduces" when it moves the position toward zero and cannot pass
 * it counting the open orders on its side: a buy when position + open_buy +
 * qty <= 0 with position < 0; a sell when position - open_sell - qty >= 0
 * with position > 0. Checks marked [new risk] stop new risk and never block a
 * reducing order: exits and state changes get out whatever the limits say.
 * Cancels (the kill's cancel-all) are never checked.
 *
 *  1. kill switch: one acquire load of risk_control.killed; on clear -> set
 *     the stage pushes one ORDER_CANCEL_ALL before anything else. Killed:
 *     RISK_R_KILLED (only the operator's flatten orders pass).
 *  2. global mode, the higher of the operator's (risk_control_set_mode) and
 *     the breakers' (below): HALTED -> RISK_R_HALTED_MODE for any intent (the
 *     stage's own exits and flatten orders pass); REDUCING -> RISK_R_REDUCING
 *     unless the order reduces.
 *  3. instrument mode (risk_control_set_inst_mode, or the fill throttle, 11):
 *     HALTED -> RISK_R_INST_HALTED unless it reduces; REDUCING ->
 *     RISK_R_REDUCING unless it reduces.
 *  4. restricted list (risk_control_restrict): RISK_R_RESTRICTED unless it
 *     reduces.
 *  5. the venue session: not EXEC_SESSION_UP (or, with cfg.wait_for_session,
 *     before the first EXEC_SESSION report) -> RISK_R_SESSION
 *     (cancel-on-disconnect: nothing new goes to a venue that is down).
 *  6. market data: MD_F_STALE -> RISK_R_STALE; MD_F_CROSSED or bid >= ask ->
 *     RISK_R_CROSSED; MD_F_HALTED -> RISK_R_HALTED.
 *  7. well formed: side 'B'/'S', qty > 0, px > 0 -> else RISK_R_BAD_ORDER.
 *  8. drawdown tier 1 in effect [new risk]: qty = qty * tier1_size_pct / 100,
 *     rounded down to a lot; 0 -> RISK_R_DRAWDOWN. Later checks see the
 *     scaled qty, and the order goes out with it.
 *  9. instrument static: px % tick -> RISK_R_TICK; qty % lot -> RISK_R_LOT;
 *     qty < min_qty [new risk] -> RISK_R_MIN_QTY; qty > max_order_qty ->
 *     RISK_R_MAX_QTY; px*qty < min_notional [new risk] -> RISK_R_MIN_NOTIONAL;
 *     px*qty > max_order_notional -> RISK_R_MAX_NOTIONAL.
 * 10. price: no two-sided book -> RISK_R_NO_MARKET; |px - mid| > collar_bps
 *     of mid -> RISK_R_COLLAR (exact: |2px - (bid+ask)| * 1e4 > collar *
 *     (bid+ask)); the band [new risk]: the mid moved more than band_bps from
 *     the band's anchor -> RISK_R_BAND. The anchor is the mid at the start of
 *     the instrument's current band window: the first two-sided observation
 *     (below) at least band_window_ms after the previous anchor starts a new
 *     window (a tumbling window in event time).
 * 11. message rates [new risk], token buckets in event time, full at start,
 *     refilled continuously, capacity one second's worth (never fewer than
 *     no tokens: a rate lowered after orders leaves the bucket empty): the session's
 *     max_orders_per_sec -> RISK_R_RATE; the instrument's
 *     max_orders_per_sec_inst -> RISK_R_RATE_INST. A token is taken only when
 *     the order is approved. Fills past max_fills_per_min on one instrument
 *     within a one-minute tumbling window (from its first fill) set that
 *     instrument's mode to HALTED until the operator sets it again.
 * 12. duplicate [new risk]: same instrument, side, px and qty as the last
 *     approved order on that instrument less than duplicate_ms ago ->
 *     RISK_R_DUPLICATE.
 * 13. self-trade prevention: a buy at px >= one of our open sells on the
 *     instrument, or a sell at px <= one of our open buys -> RISK_R_SELF_TRADE.
 * 14. exposure [new risk], counting open and in-flight orders, each
 *     instrument marked at its mark price (below):
 *       shares:   buy: position + open_buy + qty <= max_position; sell:
 *                 position - open_sell - qty >= -max_position -> RISK_R_POSITION
 *       notional: that worst-case |shares| * mark <= max_position_notional
 *                 -> RISK_R_POSITION_NOTIONAL
 *       gross:    sum over instruments of max(|position + open_buy|,
 *                 |position - open_sell|) * mark <= max_gross_notional
 *                 -> RISK_R_GROSS
 *       net:      buy: sum (position + open_buy) * mark <= max_net_notional;
 *                 sell: -sum (position - open_sell) * mark <= max_net_notional
 *                 -> RISK_R_NET
 *       capital:  sum (|position| + open_buy + open_sell) * mark <= capital
 *                 (buying power: everything open, no netting) -> RISK_R_CAPITAL
 * 15. room in the open-order table -> RISK_R_OPEN_ORDERS.
 * (Kelly sizing, when on, sets the quantity before 8.; see "The risk model".)
 * A limit of 0 is off, except max_order_qty and max_position (required).
 *
 * INTENT_CANCEL (a strategy cancelling its own resting order): never
 * stopped by the kill, a mode or any check that stops new risk (a cancel
 * only lowers risk); refused only when order_id is not open in the stage's
 * table (RISK_R_UNKNOWN_ORDER) or past a cancel rate, token buckets like
 * 11.: max_cancels_per_sec (RISK_R_CANCEL_RATE) and max_cancels_per_sec_inst
 * (RISK_R_CANCEL_RATE_INST). Passed, it becomes ORDER_CANCEL for the order
 * (its exposure stays until the venue reports it cancelled, EXEC_CANCELED).
 * Risk's own cancel-all is never rate limited. (Replacing an order is not in
 * the pipeline yet: no intent or order kind carries one.)
 *
 * The mark price of an instrument: the mid of the last two-sided book the
 * stage saw for it (an intent's bid/ask, or a watermark's: the decide stage
 * sends the book of the last event of each batch), one side if only one is
 * known, else the last fill price, else 0 (no exposure counted, no P&L).
 *
 * ------------------------------------------------------------------------
 * Money (kept by the stage from the fill reports; the same average-cost
 * arithmetic as exec, core_position_apply)
 *
 * Fees per fill: fees_per_share * qty + px * qty * fees_cbps / 1e6 (cbps:
 * hundredths of a basis point, maker or taker; negative is a rebate), rounded
 * to the nearest money unit. A fill is taker when its order crossed the book
 * it was decided on (a buy at or above the ask, a sell at or below the bid),
 * maker otherwise. P&L = realized - fees + unrealized (position * mark -
 * cost), equity = capital + P&L, high-water mark = the highest equity seen
 * (starting at capital), drawdown = high-water mark - equity.
 *
 * Breakers, evaluated after every fill, every new mark of an instrument with
 * a position or open orders, and when the limits change:
 *   tier 1: drawdown >= drawdown_bps[0] of capital: scale new orders (8.)
 *   tier 2: drawdown >= drawdown_bps[1]: global mode REDUCING
 *   tier 3: drawdown >= drawdown_bps[2]: HALTED and ORDER_CANCEL_ALL
 *   daily loss: P&L <= -daily_loss_limit: HALTED and ORDER_CANCEL_ALL
 *   a fault (risk_control_fault): HALTED and ORDER_CANCEL_ALL
 * A breaker stays in effect until the operator sets the global mode
 * (risk_control_set_mode, e.g. `osprey-ctl mode active`), never by a timer
 * and never because the P&L recovers. The stage takes a set first thing in
 * its next poll and before each intent, so a breaker that fires after the
 * set stays in effect (the same for an instrument's mode set and its fill
 * throttle). The operator's set acknowledges the
 * drawdown of that moment: a tier fires again only when the drawdown reaches
 * a higher tier than it was then, or falls below and comes back. Every mode
 * change is logged in risk_stats.transitions.
 *
 * Exits (the position manager; 0 turns each off): for an instrument with a
 * position and no exit under way, at each new mark: a loss from the average
 * price >= stop_loss_bps (or >= stop_loss_atr / 100 times the instrument's
 * ATR per share, once the risk model has one), a gain >= take_profit_bps (or
 * take_profit_atr ATRs), a fall from the best mark since the position opened
 * >= trailing_stop_bps (or trailing_stop_atr ATRs), or a position older
 * than max_hold_ms sends one ORDER_NEW with ORDER_F_EXIT for the whole
 * position (less what open orders on the closing side already cover, at most
 * max_order_qty: the rest at a later book), priced at the opposite touch,
 * with the next order id, after the cancel-all of a breaker the same book
 * fired. Exits are risk's own orders: like the operator's flatten they skip
 * every check (they pass in REDUCING and HALTED; the venue's own self-trade
 * rules apply to them). With cfg.flatten_at_end, the end of
 * the intent stream flattens every position before ORDER_EOS.
 *
 * The risk model (cfg.model_out and cfg.caps; risk_model_* below, on a thread
 * that is not hot). Event time is cut into intervals (cfg.model_interval_ms,
 * default one minute). When the first intent of interval k+1 arrives, the
 * stage sends the model one RISK_MODEL_MARK per instrument it has seen (its
 * mark, position and P&L at the end of k), then RISK_MODEL_CLOSE(k); and for
 * every fill a RISK_MODEL_FILL (a trade, win or loss, when it realizes P&L). From
 * these the model keeps, over a window of the last cfg window intervals, each
 * instrument's log returns, their covariance and correlation matrix, the
 * portfolio's historical and parametric VaR and expected shortfall at 95% and
 * 99% (the exposures of now against the window's returns; mean 0), the
 * correlation-weighted exposure sqrt(e' C e) (e: signed notional per
 * instrument), and the Kelly fraction from the last trades (p the share of
 * wins, b the average win over the average loss, f = p - (1 - p) / b, 0 when
 * negative; valid after 20 trades). It publishes, per interval, one
 * struct risk_caps through a seqlock (risk_caps_board): position_ppm = the
 * least of 1e6, var_limit / VaR99 (the larger of historical and parametric)
 * and corr_exposure_limit / that exposure, in millionths, and kelly_ppm.
 * In a replay (venue_sync) the stage applies the caps computed
 * RISK_CAPS_LAG closes before the last close it sent (during interval j,
 * those of j-1-RISK_CAPS_LAG when every interval had intents; intervals
 * without any are not closed), live the newest published: max_position
 * and max_position_notional (when set) times position_ppm / 1e6, rounded
 * down (a smaller cap lets only reducing orders through); with kelly_ppm in
 * the limits and a valid Kelly fraction, a new order's quantity becomes
 * kelly_ppm * f * capital / px (rounded down to a lot, at most
 * max_order_qty; 0 -> RISK_R_KELLY). When the intent carries a calibrated
 * probability p that its side is right (order_intent.calibrated: an
 * ensemble with "calibrate A B") and the trades have given b (kelly_b_ppm,
 * wins and losses both seen), f is that order's own: p - (1 - p) / b, and an
 * order whose f is not positive is refused (RISK_R_KELLY): its model does
 * not expect to win enough at the payoff the trades show. In a replay the stage waits for the
 * caps it needs before deciding (risk_stats.model_waits), so a replay
 * decides the same way every run.
 *
 * Flatten (risk_control_flatten, or risk_control_flatten_inst for one
 * instrument): after the kill's CANCEL_ALL, one ORDER_NEW per instrument
 * asked for with a position, ORDER_F_FLATTEN, px 0 (exec prices it at the
 * touch), qty |position|, the closing side, the next order id.
 * Every approved order counts as open exposure at once.
 *
 * Execution reports (drained before intents in each poll) keep the view:
 *   EXEC_FILL     position and money move; open qty of the order -= qty
 *   EXEC_CANCELED, EXEC_REJECTED   the order's remaining open qty is released
 *   EXEC_ACK      no change (exposure was counted at approval)
 *   EXEC_SESSION  the venue session's state (reason): gates new orders (5.)
 * A fill for an order the table does not know (e.g. placed before a restart)
 * still moves the position, and is counted in unknown_reports.
 *
 * Watermarks: INTENT_WATERMARK -> ORDER_WATERMARK with the same seq/ts/t0;
 * and if the last intent consumed by a poll was rejected, an ORDER_WATERMARK
 * with its seq follows, so the venue learns every seq has been decided (not
 * when the poll ended with EOS, which covers it). Seqs on the order ring never
 * go backwards: a watermark that found the ring full is pushed before anything
 * newer. ORDER_CANCEL_ALL carries the seq/ts of the last consumed intent and
 * t0_ns = core_now_ns() at the kill.
 * INTENT_EOS -> ORDER_EOS. Exec may still push reports after that (fills
 * against the rest of the venue's market data), so with a report ring the
 * stage keeps draining reports until exec's last one, EXEC_EOS, and only then
 * returns CORE_EOF; without a report ring, CORE_EOF comes right after
 * ORDER_EOS. EXEC_EOS is consumed, not counted in reports.
 *
 * Determinism (cfg.venue_sync): an intent decided at md event S sees exactly
 * the execution reports the venue produced at events before S, whatever the
 * threads' timing. Reports arrive in venue order (their seq never decreases);
 * exec sends EXEC_PROGRESS(X) once it has processed every md event up to X,
 * and any report of seq Y also proves the venue is done with events < Y.
 * Before an intent of seq S, risk applies the reports with seq < S and leaves
 * the rest in the ring; if the venue has not yet finished event S-1, risk
 * forwards ORDER_WATERMARK(S-1) (every decision before S is made, so the venue
 * may advance) and leaves the intent for a later poll. Between intents, reports
 * with seq <= the last decided seq are applied. Without venue_sync reports are
 * applied as they arrive (fine for tests; timing-dependent with real threads).
 *
 * Never drops: when the order ring is full the stage stops consuming intents
 * (they stay in the intent ring) and counts out_full.
 *
 * Results: 0 / negative errno; poll (a core_poll_fn) writes the number of
 * messages consumed (intents + reports; 0 when idle or blocked) and returns
 * 0 or CORE_EOF.
 */
#ifndef OSPREY_RISK_H
#define OSPREY_RISK_H

#include "core.h"

#define RISK_NLOCATE 65536

enum risk_reason {
	RISK_R_NONE = 0,          /* approved */
	RISK_R_KILLED,            /* kill switch set */
	RISK_R_HALTED_MODE,       /* global mode HALTED (operator or breaker) */
	RISK_R_REDUCING,          /* REDUCING (global or instrument), order would not reduce */
	RISK_R_INST_HALTED,       /* the instrument's mode is HALTED (operator or fill throttle) */
	RISK_R_RESTRICTED,        /* on the restricted list */
	RISK_R_SESSION,           /* the venue session is not up (or not yet reconciled) */
	RISK_R_STALE,             /* book marked stale (gap, decode error) */
	RISK_R_CROSSED,           /* book crossed */
	RISK_R_HALTED,            /* instrument halted or paused by its market */
	RISK_R_BAD_ORDER,         /* side not 'B'/'S', qty 0 or px 0 */
	RISK_R_DRAWDOWN,          /* tier-1 size scaling left less than a lot */
	RISK_R_TICK,              /* px not a multiple of the tick */
	RISK_R_LOT,               /* qty not a multiple of the lot */
	RISK_R_MIN_QTY,           /* qty below min_qty */
	RISK_R_MAX_QTY,           /* qty above max_order_qty */
	RISK_R_MIN_NOTIONAL,      /* px * qty below min_notional */
	RISK_R_MAX_NOTIONAL,      /* px * qty above max_order_notional */
	RISK_R_NO_MARKET,         /* no two-sided book to collar against */
	RISK_R_COLLAR,            /* price too far from mid */
	RISK_R_BAND,              /* the mid moved past band_bps within the band window */
	RISK_R_RATE,              /* session order rate */
	RISK_R_RATE_INST,         /* instrument order rate */
	RISK_R_DUPLICATE,         /* same side, px, qty as the last order within duplicate_ms */
	RISK_R_SELF_TRADE,        /* would cross our own resting order */
	RISK_R_POSITION,          /* max_position (shares) counting open orders */
	RISK_R_POSITION_NOTIONAL, /* max_position_notional */
	RISK_R_GROSS,             /* max_gross_notional */
	RISK_R_NET,               /* max_net_notional */
	RISK_R_CAPITAL,           /* open exposure plus the order above capital */
	RISK_R_KELLY,             /* Kelly sizing left less than a lot (no edge) */
	RISK_R_UNKNOWN_ORDER,     /* INTENT_CANCEL of an order that is not open */
	RISK_R_CANCEL_RATE,       /* session cancel rate */
	RISK_R_CANCEL_RATE_INST,  /* instrument cancel rate */
	RISK_R_OPEN_ORDERS,       /* open-order table full */
	RISK_R_COUNT,
};

/* risk_reason_name - "killed", "collar", ... ("?" if out of range). Static storage. */
const char *risk_reason_name(unsigned reason);

/* Every limit; 0 is off except max_order_qty and max_position. Money in
 * price units times shares (1e-4 dollars with ITCH prices). */
struct risk_limits {
	uint32_t max_order_qty;       /* shares per order, > 0 */
	uint32_t collar_bps;          /* max distance of px from mid, bps of mid (0: px = mid) */
	int64_t max_position;         /* shares per instrument incl. open orders, > 0 */
	uint32_t tick;                /* px multiple of this */
	uint32_t lot;                 /* qty multiple of this */
	uint32_t min_qty;
	uint32_t band_bps;            /* rolling band: max mid move ... */
	uint32_t band_window_ms;      /* ... within this window (both or neither) */
	uint32_t max_orders_per_sec;  /* session */
	uint32_t max_orders_per_sec_inst;
	uint32_t max_cancels_per_sec;     /* a strategy's cancels (INTENT_CANCEL), session */
	uint32_t max_cancels_per_sec_inst;
	uint32_t duplicate_ms;
	uint32_t max_fills_per_min;   /* per instrument */
	uint16_t drawdown_bps[3];     /* tiers, bps of capital, increasing (needs capital) */
	uint16_t tier1_size_pct;      /* 1..100: order size in tier 1 */
	int64_t min_notional;
	int64_t max_order_notional;
	int64_t max_position_notional;
	int64_t max_gross_notional;
	int64_t max_net_notional;
	int64_t capital;              /* buying power and the base of the drawdown tiers */
	int64_t daily_loss_limit;     /* money, > 0 */
	int64_t fees_per_share;       /* money per share */
	int32_t fees_cbps_maker;      /* hundredths of a bp of notional; < 0: rebate */
	int32_t fees_cbps_taker;
	uint32_t stop_loss_bps;       /* exits, bps of the average price */
	uint32_t take_profit_bps;
	uint32_t trailing_stop_bps;   /* from the best mark since the position opened */
	uint32_t max_hold_ms;         /* time exit */
	uint32_t stop_loss_atr;       /* the same in ATR multiples, hundredths (2.5 -> 250): */
	uint32_t take_profit_atr;     /* the instrument's ATR from the risk model (below); */
	uint32_t trailing_stop_atr;   /* inactive while it has none */
	/* The risk model (see "The risk model"; needs the stage's model rings) */
	int64_t var_limit;            /* money: 99% VaR above it scales the position caps down */
	int64_t corr_exposure_limit;  /* money: correlation-weighted exposure, the same */
	uint32_t kelly_ppm;           /* fractional Kelly, millionths (0.25 -> 250000); 0 off */
};

/*
 * risk_limits_check - 0, or -EINVAL with what is wrong ("risk: max_position
 * must be > 0") in err. risk_stage_create and risk_control_set_limits refuse
 * what this refuses. Pure; any thread.
 */
int risk_limits_check(const struct risk_limits *l, char *err, size_t errlen);
/* risk_fee - the fee of one fill under l (the formula under "Money" above):
 * money, negative a rebate. Any thread. */
int64_t risk_fee(const struct risk_limits *l, bool taker, uint32_t px, uint32_t qty);

/*
 * risk_limits_set - set one limit by its configuration key ("max_order_qty",
 * "capital", "drawdown_tiers", "fees_bps_taker", ...; the [risk] keys of the
 * engine's configuration, values in the same text form: money and fees in
 * dollars with up to 4 decimals, fee bps with up to 2, drawdown_tiers as
 * "5,10,15" percent). Then the whole set must pass risk_limits_check. 0, or
 * -ENOENT (unknown key) / -EINVAL (bad value) with the reason in err; *l is
 * unchanged on error. risk_limits_format writes the value of one key the
 * same way (-ENOENT if unknown). Every key, in order (NULL
 * ended: risk_limits_key(i) for i = 0, 1, ... until NULL). Pure; any thread.
 */
int risk_limits_set(struct risk_limits *l, const char *key, const char *value, char *err,
		    size_t errlen);
/* risk_limits_parse - risk_limits_set without the whole-set check (to load
 * several keys, then risk_limits_check once); err says what the value should
 * be ("'x' is not dollars with up to 4 decimals"). */
int risk_limits_parse(struct risk_limits *l, const char *key, const char *value, char *err,
		      size_t errlen);
int risk_limits_format(const struct risk_limits *l, const char *key, char *buf, size_t len);
const char *risk_limits_key(unsigned i);

enum risk_mode {
	RISK_MODE_ACTIVE = 0,
	RISK_MODE_REDUCING = 1,
	RISK_MODE_HALTED = 2,
};

/* Why the global mode changed (risk_stats.transitions). */
enum risk_cause {
	RISK_CAUSE_OPERATOR = 1, /* risk_control_set_mode */
	RISK_CAUSE_TIER1,        /* size scaling (mode stays ACTIVE) */
	RISK_CAUSE_TIER2,
	RISK_CAUSE_TIER3,
	RISK_CAUSE_DAILY_LOSS,
	RISK_CAUSE_FILL_THROTTLE, /* one instrument halted (locate in the entry) */
	RISK_CAUSE_FAULT,         /* risk_control_fault: a part of the engine failed */
	RISK_CAUSE_END,           /* the input ended (cfg.cancel_at_end; a cancel-all only) */
};
const char *risk_cause_name(unsigned cause);

#define RISK_FLATTEN_Q 64 /* flatten requests for one instrument that can wait */

/*
 * Shared between the risk stage (reader, hot thread) and the threads that
 * set it. Owned by the caller, zero-initialised (or risk_control_init) and
 * valid for the stage's lifetime. The per-instrument setters
 * (risk_control_set_inst_mode, _restrict) are atomic read-modify-writes: any
 * thread, at any time (e.g. the feeds thread restricting a symbol as its
 * directory message arrives). The others (kill, resume, flatten,
 * flatten_inst, set_mode, set_limits) take one thread at a time (the control
 * thread). Getters and the stage may run at any time.
 *
 * Orders: K1 a setter's release store pairs with K2 the stage's acquire load
 * (once per intent for killed/mode/the instrument's state, once per poll for
 * the flatten count and the limits' sequence): what the setter wrote before
 * is visible once the stage sees the flag. The limits are a seqlock: the
 * writer never waits, the stage copies them again when it sees a new
 * sequence and retries a copy torn by a concurrent write. The stage writes
 * only `breaker_mode` (its own, read by status getters).
 */
struct risk_control {
	CORE_ALIGNED _Atomic uint32_t killed; /* 0 clear, 1 set */
	_Atomic uint32_t mode;                /* enum risk_mode, the operator's */
	_Atomic uint32_t mode_sets;           /* risk_control_set_mode calls */
	_Atomic uint32_t flatten;             /* flatten requests so far (all or one) */
	_Atomic uint32_t flatten_all;         /* of which for every instrument */
	_Atomic uint32_t breaker_mode;        /* enum risk_mode the breakers set (stage writes) */
	_Atomic uint32_t faults;              /* risk_control_fault calls */
	_Atomic uint32_t limits_seq;          /* seqlock: odd while a write is under way */
	_Atomic uint64_t limits_words[(sizeof(struct risk_limits) + 7) / 8];
	/* Instruments asked to flatten one by one: a queue the setter fills (F1:
	 * its release store of flat_head pairs with the stage's acquire load, F2)
	 * and the stage empties (F3: flat_tail, the other way). */
	_Atomic uint32_t flat_head, flat_tail;
	uint16_t flat_q[RISK_FLATTEN_Q];
	/* Per instrument: bits 0-1 mode, bit 2 restricted, bits 8-15 a count of
	 * the operator's mode sets (the stage lifts its fill throttle on a new one). */
	CORE_ALIGNED _Atomic uint16_t inst[RISK_NLOCATE];
};

#define RISK_INST_RESTRICTED 4u

void risk_control_init(struct risk_control *c);
/* risk_control_kill - set the kill switch (release). */
void risk_control_kill(struct risk_control *c);
/* risk_control_resume - clear the kill switch (release). */
void risk_control_resume(struct risk_control *c);
/* risk_control_flatten - ask for every position to be closed (release): the
 * stage sends, once per request, an ORDER_NEW with ORDER_F_FLATTEN and px 0
 * for each instrument whose position is not zero (the opposite side, the
 * position's size), past every check, killed or not. */
void risk_control_flatten(struct risk_control *c);
/* risk_control_flatten_inst - the same for one instrument: 0, or -EAGAIN
 * while RISK_FLATTEN_Q requests wait for the stage (ask again). */
int risk_control_flatten_inst(struct risk_control *c, uint16_t locate);
/* risk_control_is_killed - acquire load. Any thread. */
bool risk_control_is_killed(const struct risk_control *c);
/* risk_control_set_mode - the operator's global mode; also acknowledges the
 * breakers (see "Breakers"). 0, or -EINVAL for an unknown mode. */
int risk_control_set_mode(struct risk_control *c, enum risk_mode mode);
/* risk_control_mode - the global mode in force: the higher of the operator's
 * and the breakers'. Any thread. */
enum risk_mode risk_control_mode(const struct risk_control *c);
/* risk_control_set_inst_mode - one instrument's mode (lifts its fill
 * throttle). 0 or -EINVAL. */
int risk_control_set_inst_mode(struct risk_control *c, uint16_t locate, enum risk_mode mode);
enum risk_mode risk_control_inst_mode(const struct risk_control *c, uint16_t locate);
/* risk_control_restrict - put an instrument on (true) or off the restricted list. */
void risk_control_restrict(struct risk_control *c, uint16_t locate, bool restricted);
bool risk_control_is_restricted(const struct risk_control *c, uint16_t locate);
/* risk_control_fault - a part of the engine failed (the database, a thread):
 * the stage moves to HALTED and sends ORDER_CANCEL_ALL at its next poll, a
 * breaker like the others (RISK_CAUSE_FAULT): only the operator's set of the
 * global mode leaves it. Any thread, any time (an atomic increment, K1). */
void risk_control_fault(struct risk_control *c);

/* risk_control_set_limits - publish a new set (risk_limits_check first:
 * -EINVAL with the reason, nothing published). The stage applies it before
 * its next intent. */
int risk_control_set_limits(struct risk_control *c, const struct risk_limits *l, char *err,
			    size_t errlen);
/* risk_control_limits - the last published set (zeroes before the first). Any thread. */
void risk_control_limits(const struct risk_control *c, struct risk_limits *ret);

/*
 * Risk's decisions that are not orders, for the record (osprey-replay
 * --orders): on the optional events ring, in the order the stage made them,
 * then RISK_EV_EOS after ORDER_EOS. Never dropped: a full events ring holds
 * the stage back like a full order ring (the intent or report waits).
 */
enum risk_event_kind {
	RISK_EV_REJECT = 1,     /* an intent refused: px, qty, side, locate, reason (enum risk_reason) */
	RISK_EV_MODE = 2,       /* a transition: from, to, reason (enum risk_cause), locate (throttle) */
	RISK_EV_CANCEL_ALL = 3, /* ORDER_CANCEL_ALL pushed: reason 0 the kill, else enum risk_cause */
	RISK_EV_EOS = 15,
};

struct risk_event {
	uint64_t ts_ns;   /* event time */
	uint64_t seq;     /* the md event it was decided at */
	int64_t drawdown; /* RISK_EV_MODE: money, when it happened */
	uint32_t px, qty;
	uint16_t locate;
	uint8_t side;
	uint8_t kind;     /* enum risk_event_kind */
	uint8_t reason;
	uint8_t from, to; /* RISK_EV_MODE: enum risk_mode */
	uint8_t pad_[25];
};
static_assert(sizeof(struct risk_event) == 64, "risk_event is one cache line");

/* ------------------------------------------------------------------------- */
/* The risk model: what the stage sends it, what it publishes back. */

enum risk_model_kind {
	RISK_MODEL_MARK = 1,  /* an instrument at the end of the interval */
	RISK_MODEL_CLOSE = 2, /* interval closed: every MARK of it has been sent */
	RISK_MODEL_FILL = 3,  /* every fill, as the stage booked it */
	RISK_MODEL_EOS = 15,
};

/* Money in price units times shares. */
struct risk_model_msg {
	uint64_t interval; /* MARK, CLOSE: the interval (event time / interval length) */
	uint64_t seq;      /* CLOSE: closes before this one (the caps' seq) */
	int64_t position;  /* MARK: at the close; FILL: after the fill (shares, signed) */
	/* MARK: the instrument's P&L so far, after fees (realized - fees +
	 * position * mark - cost); FILL: the P&L this fill realized, less its fee */
	int64_t pnl;
	uint64_t ts_ns;    /* FILL: event time of the report */
	int64_t fee;       /* FILL: its fee (negative: a rebate) */
	uint32_t mark;     /* MARK: the close of the interval's bar; FILL: the fill's price */
	union {
		struct {
			uint32_t high, low; /* MARK: the highest and lowest mark within it */
		};
		struct {
			uint32_t qty;       /* FILL: shares */
			uint8_t side;       /* FILL: 'B' or 'S' */
			uint8_t taker;      /* FILL: paid the taker fee */
			uint8_t closing;    /* FILL: it closed (part of) a position: a trade */
			uint8_t fill_pad_;
		};
	};
	uint16_t locate;
	uint8_t kind; /* enum risk_model_kind */
	uint8_t pad_;
};
static_assert(sizeof(struct risk_model_msg) == 64, "risk_model_msg is one cache line");

#define RISK_CAPS_ATR 32   /* instruments whose ATR the caps carry */
#define RISK_ATR_PERIOD 14

/* What the model publishes per interval. Money in price units times shares. */
struct risk_caps {
	uint64_t seq;           /* the close it was computed at (0, 1, ...) */
	uint64_t interval;      /* that close's interval */
	uint32_t position_ppm;  /* position caps scale, millionths (1e6: no change) */
	uint32_t kelly_ppm;     /* Kelly fraction f, millionths; valid only with kelly_valid */
	uint32_t kelly_valid;   /* enough trades */
	uint32_t ninst;         /* instruments with returns */
	uint32_t nreturns;      /* returns in the window (the shortest instrument's) */
	uint32_t kelly_b_ppm;   /* b, the average win over the average loss, millionths
				   (saturated); 0 until both a win and a loss */
	int64_t var95_hist, var99_hist, es95_hist, es99_hist; /* money, positive = loss */
	int64_t var95_param, var99_param, es95_param, es99_param;
	int64_t corr_exposure;  /* sqrt(e' C e), money */
	int64_t max_abs_corr_ppm; /* the largest |correlation| between two instruments */
	/* Average true range per instrument (price units), Wilder's, over
	 * RISK_ATR_PERIOD interval bars of marks (high, low, close); for the
	 * first RISK_CAPS_ATR instruments the model saw, 0 until it has a full
	 * period */
	uint16_t atr_locate[RISK_CAPS_ATR];
	uint32_t atr[RISK_CAPS_ATR];
};

/* The stage applies the caps computed RISK_CAPS_LAG closes before the last
 * close it sent: the model has that long before a replay has to wait. A
 * replay at full speed closes a minute of event time every ~0.5 ms, and on
 * these VMs the aux thread's 200 us sleep came back up to ~2.5 ms late: with
 * a lag of 4 the AMZN day waited thousands of polls (tick-to-order p99 up to
 * 2.4 ms), with 16 it waits none. Live, nothing waits: the newest caps
 * apply as they come. */
#define RISK_CAPS_LAG 16
#define RISK_CAPS_SLOTS 32

/* The seqlock the model writes (one thread) and the stage reads: slot
 * seq % RISK_CAPS_SLOTS holds the caps of close seq. Zero-initialise. The
 * stage needs the close RISK_CAPS_LAG before the last it sent, and the model
 * has at most the last: the slot it needs is never overwritten before it is
 * read (RISK_CAPS_SLOTS > RISK_CAPS_LAG). */
struct risk_caps_board {
	struct {
		CORE_ALIGNED _Atomic uint32_t seq; /* odd while written */
		_Atomic uint64_t words[(sizeof(struct risk_caps) + 7) / 8];
	} slot[RISK_CAPS_SLOTS];
	CORE_ALIGNED _Atomic uint64_t latest; /* seq + 1 of the newest published; 0 none */
};

/* risk_caps_read - copy the caps of close `seq` (1) or report them absent
 * (0: not published yet, or overwritten) or torn (-EAGAIN). Any thread:
 * C1 the model's release store of the slot's even sequence pairs with C2
 * this function's acquire load. */
int risk_caps_read(const struct risk_caps_board *b, uint64_t seq, struct risk_caps *ret);

struct risk_model_cfg {
	struct core_ring *in;          /* risk_model_msg slots: the stage's model_out; only consumer */
	struct risk_caps_board *board; /* borrowed; the only writer */
	struct risk_control *ctl;      /* borrowed: the limits it sizes against */
	uint32_t window;               /* returns per instrument (0: 250), >= 2 */
	uint32_t max_instruments;      /* (0: 64) at most 256 */
	/* Called on the model's thread with every message it consumes, before
	 * acting on it (the backtest's recorder); may be NULL. */
	void (*tap)(void *arg, const struct risk_model_msg *m);
	void *tap_arg;
};

struct risk_model;
/* risk_model_create - setup. 0, or -EINVAL (err names the field) / -ENOMEM. */
int risk_model_create(const struct risk_model_cfg *cfg, struct risk_model **ret, char *err,
		      size_t errlen);
struct risk_model *risk_model_destroy(struct risk_model *m);
/* risk_model_poll - a core_poll_fn for a thread that is not hot: consumes the
 * messages, computes and publishes at each RISK_MODEL_CLOSE; CORE_EOF after
 * RISK_MODEL_EOS. */
int risk_model_poll(void *ctx, uint32_t *ret_work);
/* risk_model_last - the last caps published (zeroes before any). The model's
 * thread, or after it stopped. */
void risk_model_last(const struct risk_model *m, struct risk_caps *ret);

struct risk_stage_cfg {
	struct core_ring *intents_in; /* order_intent slots; only consumer */
	struct core_ring *reports_in; /* exec_report slots; only consumer; may be NULL (no exec) */
	struct core_ring *orders_out; /* order_msg slots; only producer */
	struct core_ring *events_out; /* risk_event slots; only producer; may be NULL */
	/* Starting limits: published into ctl at create (so the control thread
	 * sees them); later risk_control_set_limits calls replace them. */
	struct risk_limits limits;
	struct risk_control *ctl;     /* borrowed, outlives the stage */
	uint64_t first_order_id;      /* 0: 1 */
	const struct position *initial; /* restored positions (qty, cost, realized), copied */
	unsigned ninitial;
	uint32_t max_open_orders;     /* open-order table size; 0: 65536 */
	uint32_t burst;               /* 0: 32 */
	struct core_hist_pair *hist;  /* per-intent check ns; may be NULL */
	/* Gate intents on the venue's progress (see "Determinism" above). Needs an
	 * exec that sends EXEC_PROGRESS: the simulated venue only. */
	bool venue_sync;
	/* The venue starts down: no new order before an EXEC_SESSION(UP) report
	 * (a venue on a socket). false: up until told otherwise. */
	bool wait_for_session;
	/* Flatten every position when the intent stream ends (before ORDER_EOS). */
	bool flatten_at_end;
	/* Cancel every open order when the intent stream ends: ORDER_CANCEL_ALL
	 * (cause RISK_CAUSE_END) before the flatten orders and ORDER_EOS, when
	 * any order is open. */
	bool cancel_at_end;
	/* The risk model: both or neither. model_out: risk_model_msg slots, only
	 * producer (then RISK_MODEL_EOS after ORDER_EOS); caps: borrowed. */
	struct core_ring *model_out;
	struct risk_caps_board *caps;
	uint32_t model_interval_ms;   /* 0: 60000 */
};

#define RISK_TRANSITIONS 32

/* One change of the global mode, or a fill throttle. */
struct risk_transition {
	uint64_t ts_ns;   /* event time */
	uint8_t from, to; /* enum risk_mode */
	uint8_t cause;    /* enum risk_cause */
	uint16_t locate;  /* RISK_CAUSE_FILL_THROTTLE: the instrument */
	int64_t drawdown; /* money, when it happened */
};

struct risk_stats {
	uint64_t intents;      /* INTENT_NEW and INTENT_CANCEL consumed */
	uint64_t cancels;      /* INTENT_CANCEL passed on as ORDER_CANCEL */
	uint64_t approved;
	uint64_t rejects[RISK_R_COUNT]; /* by reason ([RISK_R_NONE] stays 0) */
	uint64_t rejected;     /* sum of rejects */
	uint64_t scaled;       /* orders cut by tier-1 scaling */
	uint64_t kill_transitions; /* clear -> set seen */
	uint64_t kill_seen_ns;  /* core_now_ns() when the last one was seen (new orders blocked) */
	uint64_t cancel_all_ns; /* core_now_ns() when the last ORDER_CANCEL_ALL was pushed */
	uint64_t resumes;      /* set -> clear seen */
	uint64_t cancel_alls;  /* ORDER_CANCEL_ALL pushed (kill, tier 3, daily loss) */
	uint64_t flattens;     /* flatten requests carried out */
	uint64_t flatten_orders; /* ORDER_NEW with ORDER_F_FLATTEN pushed */
	uint64_t exits[4];     /* ORDER_F_EXIT pushed: stop-loss, take-profit, trailing, time */
	uint64_t watermarks;   /* ORDER_WATERMARK pushed */
	uint64_t venue_waits;  /* polls where an intent waited for the venue (venue_sync) */
	uint64_t venue_done;   /* the venue has processed every md event up to this seq */
	uint64_t reports;      /* execution reports consumed */
	uint64_t fills;
	uint64_t unknown_reports; /* reports for orders not in the open-order table */
	uint64_t session_changes; /* EXEC_SESSION reports */
	bool session_up;          /* the venue session as last reported */
	uint64_t out_full;     /* polls that stopped on a full order ring */
	uint64_t open_orders;  /* orders currently open */
	uint64_t next_order_id;
	uint64_t limit_updates; /* limit sets applied */
	bool events_eos;        /* RISK_EV_EOS is on the events ring */
	bool model_eos;         /* RISK_MODEL_EOS is on the model ring */
	uint64_t model_waits;   /* polls that waited for the model's caps (venue_sync) */
	uint64_t caps_interval; /* the interval whose caps are applied (+1; 0: none yet) */
	uint32_t position_ppm;  /* the caps' position scale in force */
	/* money, price units times shares */
	int64_t realized;      /* before fees */
	int64_t fees;
	int64_t unrealized;
	int64_t pnl;           /* realized - fees + unrealized */
	int64_t high_water;    /* equity */
	int64_t drawdown;      /* now */
	int64_t max_drawdown;  /* the largest seen */
	int64_t gross_notional, net_long_notional, net_short_notional, capital_used;
	unsigned tier;         /* breaker in effect: 0 none, 1-3, 4 daily loss, 5 a fault */
	uint32_t ntransitions; /* all of them; the last RISK_TRANSITIONS are kept */
	struct risk_transition transitions[RISK_TRANSITIONS]; /* ring: [i % RISK_TRANSITIONS] */
};

/* The stage's view of one instrument. */
struct risk_position {
	int64_t position;  /* signed shares */
	int64_t open_buy;  /* shares on open buy orders */
	int64_t open_sell; /* shares on open sell orders */
	int64_t cost;      /* signed cost of the position (average-cost method) */
	int64_t realized;  /* before fees */
	int64_t fees;
	uint32_t mark;     /* mark price, 0 if none */
};

struct risk_stage;

/*
 * risk_stage_create - allocate (setup; core_alloc). Rings, ctl and hist are
 * borrowed. 0 and *ret_stage set; -EINVAL (err names the field: bad slot
 * size, a limit risk_limits_check refuses, NULL ring or ctl, duplicate
 * initial locate) or -ENOMEM.
 */
int risk_stage_create(const struct risk_stage_cfg *cfg, struct risk_stage **ret_stage, char *err,
		      size_t errlen);
/* risk_stage_destroy - accepts NULL; returns NULL. Not while polling. */
struct risk_stage *risk_stage_destroy(struct risk_stage *s);
/* risk_stage_poll - core_stage poll (ctx = struct risk_stage *). The thread that
 * consumes intents_in/reports_in and produces orders_out only. */
int risk_stage_poll(void *ctx, uint32_t *ret_work);
/* What the engine publishes from the polling thread while it runs: a few
 * words, not risk_stats (about 2 KB with its transitions). */
struct risk_gauges {
	uint64_t rejected, kill_seen_ns;
	uint64_t rejects[RISK_R_COUNT]; /* by reason, as risk_stats.rejects */
	int64_t pnl, fees, drawdown, max_drawdown;
	int64_t gross_notional, net_long_notional, net_short_notional, capital_used;
	unsigned tier;
};
void risk_stage_gauges(const struct risk_stage *s, struct risk_gauges *ret);
/* risk_stage_stats / risk_stage_position - plain reads: from the polling thread,
 * or after it has stopped. */
void risk_stage_stats(const struct risk_stage *s, struct risk_stats *ret);
void risk_stage_position(const struct risk_stage *s, uint16_t locate, struct risk_position *ret);

#endif /* OSPREY_RISK_H */
