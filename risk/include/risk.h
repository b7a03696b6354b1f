/*
 * risk.h - Osprey's pre-trade risk stage: limits, kill switch, risk modes,
 * positions and open-order exposure.
 *
 *   intent ring (struct order_intent) --+
 *                                        +--risk_stage_poll--> order ring (struct order_msg)
 *   report ring (struct exec_report) ---+
 *
 * Per intent, in this order (the first failing check names the reject):
 *   1. kill switch: one acquire load of risk_control.killed. When it goes
 *      from clear to set the stage pushes one ORDER_CANCEL_ALL before
 *      anything else (retried while the order ring is full); while set every
 *      new order is rejected RISK_R_KILLED.
 *   2. mode (risk_control.mode): HALTED rejects RISK_R_HALTED_MODE; REDUCING
 *      lets through only orders that reduce |position| counting open orders on
 *      the same side (else RISK_R_REDUCING).
 *   2b. the venue session: while the last EXEC_SESSION report said anything
 *      but EXEC_SESSION_UP (or, with cfg.wait_for_session, before the first
 *      one), RISK_R_SESSION: nothing new goes to a venue that is down or not
 *      yet reconciled. Cancels (the kill switch's cancel-all) still go.
 *   3. book flags of the intent: MD_F_STALE -> RISK_R_STALE, MD_F_CROSSED (or
 *      bid_px >= ask_px with both nonzero) -> RISK_R_CROSSED, MD_F_HALTED ->
 *      RISK_R_HALTED.
 *   4. well-formed: side 'B'/'S', qty > 0, px > 0 (else RISK_R_BAD_ORDER).
 *   5. qty <= max_order_qty (else RISK_R_MAX_QTY).
 *   6. position with open exposure: buy: position + open buy qty + qty <=
 *      max_position; sell: position - open sell qty - qty >= -max_position
 *      (else RISK_R_POSITION).
 *   7. price collar: no two-sided book (bid_px or ask_px 0) -> RISK_R_NO_MARKET;
 *      |px - mid| * 10000 > collar_bps * mid -> RISK_R_COLLAR, mid = (bid+ask)/2
 *      of the intent's book (computed exactly as 2*px vs bid+ask).
 *   8. room in the open-order table (else RISK_R_OPEN_ORDERS).
 * Flatten (risk_control_flatten): after the kill's CANCEL_ALL, one ORDER_NEW
 * per instrument with a position, ORDER_F_FLATTEN, px 0 (exec prices it at the
 * touch), qty |position|, the closing side, the next order id; its qty counts
 * as open exposure like any order's.
 * An approved intent becomes ORDER_NEW with order_id = the next id (starting at
 * cfg.first_order_id, so a restarted engine can continue past the last
 * persisted id), and its qty counts as open exposure at once.
 *
 * Execution reports (drained before intents in each poll) keep the view:
 *   EXEC_FILL     position += qty (buy) or -= qty (sell); open qty of the order -= qty
 *   EXEC_CANCELED, EXEC_REJECTED   the order's remaining open qty is released
 *   EXEC_ACK      no change (exposure was counted at approval)
 *   EXEC_SESSION  the venue session's state (reason): gates new orders (2b)
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

enum risk_reason {
	RISK_R_NONE = 0,    /* approved */
	RISK_R_KILLED,      /* kill switch set */
	RISK_R_HALTED_MODE, /* risk mode HALTED */
	RISK_R_REDUCING,    /* risk mode REDUCING and the order would not reduce exposure */
	RISK_R_STALE,       /* book marked stale (gap, decode error) */
	RISK_R_CROSSED,     /* book crossed */
	RISK_R_HALTED,      /* instrument halted or paused */
	RISK_R_BAD_ORDER,   /* side not 'B'/'S', qty 0 or px 0 */
	RISK_R_MAX_QTY,     /* qty above max_order_qty */
	RISK_R_POSITION,    /* would breach max_position counting open orders */
	RISK_R_NO_MARKET,   /* no two-sided book to collar against */
	RISK_R_COLLAR,      /* price too far from mid */
	RISK_R_OPEN_ORDERS, /* open-order table full */
	RISK_R_SESSION,     /* the venue session is not up (or not yet reconciled) */
	RISK_R_COUNT,
};

/* risk_reason_name - "killed", "collar", ... ("?" if out of range). Static storage. */
const char *risk_reason_name(unsigned reason);

struct risk_limits {
	uint32_t max_order_qty; /* shares per order, > 0 */
	int64_t max_position;   /* |position incl. open orders| per instrument, > 0 */
	uint32_t collar_bps;    /* max distance of px from mid, bps of mid (0: px must equal mid) */
};

enum risk_mode {
	RISK_MODE_ACTIVE = 0,
	RISK_MODE_REDUCING = 1,
	RISK_MODE_HALTED = 2,
};

/*
 * Shared between the risk stage (reader, hot thread) and the control thread
 * (writer). Owned by the caller, zero-initialised (or risk_control_init) and
 * valid for the stage's lifetime. The control thread uses only the
 * risk_control_* functions below; the stage only loads.
 *
 * Orders: K1 the control thread's release store of killed / mode (in
 * risk_control_kill/resume/set_mode) pairs with K2 the stage's acquire load,
 * once per intent and once per poll: whatever the control thread wrote before
 * (e.g. a reason in its own memory) is visible to the stage once it sees the
 * flag. No data is carried back the other way.
 */
struct risk_control {
	CORE_ALIGNED _Atomic uint32_t killed; /* 0 clear, 1 set */
	_Atomic uint32_t mode;                /* enum risk_mode */
	_Atomic uint32_t flatten;             /* flatten requests so far */
	char pad_[CORE_CACHE_LINE - 3 * sizeof(uint32_t)];
};

void risk_control_init(struct risk_control *c);
/* risk_control_kill - set the kill switch (release). Any thread. */
void risk_control_kill(struct risk_control *c);
/* risk_control_resume - clear the kill switch (release). Any thread. */
void risk_control_resume(struct risk_control *c);
/* risk_control_flatten - ask for every position to be closed (release): the
 * stage sends, once per request, an ORDER_NEW with ORDER_F_FLATTEN and px 0
 * for each instrument whose position is not zero (the opposite side, the
 * position's size), past every check, killed or not. Any thread. */
void risk_control_flatten(struct risk_control *c);
/* risk_control_is_killed - acquire load. Any thread. */
bool risk_control_is_killed(const struct risk_control *c);
/* risk_control_set_mode - 0, or -EINVAL for an unknown mode. Any thread. */
int risk_control_set_mode(struct risk_control *c, enum risk_mode mode);
enum risk_mode risk_control_mode(const struct risk_control *c);

struct risk_stage_cfg {
	struct core_ring *intents_in; /* order_intent slots; only consumer */
	struct core_ring *reports_in; /* exec_report slots; only consumer; may be NULL (no exec) */
	struct core_ring *orders_out; /* order_msg slots; only producer */
	struct risk_limits limits;
	struct risk_control *ctl;     /* borrowed, outlives the stage */
	uint64_t first_order_id;      /* 0: 1 */
	const struct position *initial; /* restored positions (qty used), copied at create */
	unsigned ninitial;
	uint32_t max_open_orders;     /* open-order table size; 0: 65536 (rounded to a power of two) */
	uint32_t burst;               /* 0: 32 */
	struct core_hist_pair *hist;  /* per-intent check ns; may be NULL */
	/* Gate intents on the venue's progress (see "Determinism" above). Needs an
	 * exec that sends EXEC_PROGRESS: the simulated venue only. */
	bool venue_sync;
	/* The venue starts down: no new order before an EXEC_SESSION(UP) report
	 * (a venue on a socket). false: up until told otherwise. */
	bool wait_for_session;
};

struct risk_stats {
	uint64_t intents;      /* INTENT_NEW consumed */
	uint64_t approved;
	uint64_t rejects[RISK_R_COUNT]; /* by reason ([RISK_R_NONE] stays 0) */
	uint64_t rejected;     /* sum of rejects */
	uint64_t kill_transitions; /* clear -> set seen */
	uint64_t kill_seen_ns;  /* core_now_ns() when the last one was seen (new orders blocked) */
	uint64_t cancel_all_ns; /* core_now_ns() when the last ORDER_CANCEL_ALL was pushed */
	uint64_t resumes;      /* set -> clear seen */
	uint64_t cancel_alls;  /* ORDER_CANCEL_ALL pushed */
	uint64_t flattens;     /* flatten requests carried out */
	uint64_t flatten_orders; /* ORDER_NEW with ORDER_F_FLATTEN pushed */
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
};

/* The stage's view of one instrument. */
struct risk_position {
	int64_t position;  /* signed shares */
	int64_t open_buy;  /* shares on open buy orders */
	int64_t open_sell; /* shares on open sell orders */
};

struct risk_stage;

/*
 * risk_stage_create - allocate (setup; core_alloc). Rings, ctl and hist are
 * borrowed. 0 and *ret_stage set; -EINVAL (err names the field: bad slot
 * size, zero limit, NULL ring or ctl, duplicate initial locate) or -ENOMEM.
 */
int risk_stage_create(const struct risk_stage_cfg *cfg, struct risk_stage **ret_stage, char *err,
		      size_t errlen);
/* risk_stage_destroy - accepts NULL; returns NULL. Not while polling. */
struct risk_stage *risk_stage_destroy(struct risk_stage *s);
/* risk_stage_poll - core_stage poll (ctx = struct risk_stage *). The thread that
 * consumes intents_in/reports_in and produces orders_out only. */
int risk_stage_poll(void *ctx, uint32_t *ret_work);
/* risk_stage_stats / risk_stage_position - plain reads: from the polling thread,
 * or after it has stopped. */
void risk_stage_stats(const struct risk_stage *s, struct risk_stats *ret);
void risk_stage_position(const struct risk_stage *s, uint16_t locate, struct risk_position *ret);

#endif /* OSPREY_RISK_H */
