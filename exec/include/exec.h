/*
 * exec.h - Osprey's execution stage: order manager, simulated venue,
 * positions and P&L.
 *
 * One stage (a core_stage poll function) with two inputs and two outputs:
 *
 *   orders_in   (struct order_msg)   approved orders from risk: ORDER_NEW,
 *                                    ORDER_CANCEL, ORDER_CANCEL_ALL,
 *                                    ORDER_WATERMARK, ORDER_EOS
 *   md_in       (struct md_event)    every market-data event of the session,
 *                                    with top of book after it, then MD_EOS
 *   reports_out (struct exec_report) acks, fills, cancels, rejects, and
 *                                    EXEC_PROGRESS markers -> risk
 *   persist_out (struct persist_rec) optional: every order sent (ORDER_NEW as
 *                                    PERSIST_ORDER, ORDER_CANCEL/_CANCEL_ALL as
 *                                    PERSIST_ORDER too), every report
 *                                    (PERSIST_REPORT), the position after every
 *                                    fill (PERSIST_POSITION), then PERSIST_EOS
 *
 * The stage never drops: when an output ring is full it keeps what it has
 * produced in a preallocated outbox, stops consuming input, and retries on the
 * next poll (counted in exec_stats.out_waits).
 *
 * ------------------------------------------------------------------------
 * Order manager
 *
 * Every ORDER_NEW gets a slot in a preallocated order table keyed by
 * order_id. States and the legal transitions (exec_order_transition):
 *
 *   PENDING_NEW       --ack-->            ACKED
 *   PENDING_NEW       --cancel request--> CANCEL_PENDING
 *   PENDING_NEW       --reject-->         REJECTED
 *   ACKED             --partial fill-->   PARTIALLY_FILLED
 *   ACKED/PARTIALLY_FILLED --full fill--> FILLED
 *   PARTIALLY_FILLED  --partial fill-->   PARTIALLY_FILLED
 *   ACKED/PARTIALLY_FILLED --cancel request--> CANCEL_PENDING
 *   ACKED/PARTIALLY_FILLED --cancelled--> CANCELLED (unsolicited: IOC rest)
 *   CANCEL_PENDING    --ack-->            CANCEL_PENDING (cancel sent before the ack)
 *   CANCEL_PENDING    --partial fill-->   CANCEL_PENDING (fill raced the cancel)
 *   CANCEL_PENDING    --full fill-->      FILLED
 *   CANCEL_PENDING    --cancelled-->      CANCELLED
 *   CANCEL_PENDING    --reject-->         REJECTED
 *
 * Everything else is illegal: the stage counts it (exec_stats.illegal) and
 * ignores the event; it never crashes or asserts on input. FILLED, CANCELLED
 * and REJECTED are terminal: the slot is freed at once.
 *
 * Cancels: an ORDER_CANCEL for an id above every ORDER_NEW sent so far is
 * dropped (exec_stats.cancel_unknown). Any other cancel is sent to the venue
 * (and persisted) even if the order already looks done here, because what
 * exec has seen of the venue depends on timing; at the venue a cancel that
 * finds no open order does nothing (exec_stats.cancel_unknown, no report: a
 * real venue's "too late to cancel"). A second cancel while the first is
 * pending counts as illegal but is still sent. So `illegal` and
 * `cancel_unknown` may differ between runs of the same input (they count
 * where a race was noticed); reports, the hash, and the persist records of
 * each kind (in order) do not. Only the interleaving of PERSIST_ORDER
 * records (written at send) with the venue's records, and so run_seq,
 * depends on timing.
 *
 * Capacity: an ORDER_NEW needs a table slot (max_orders) and every message
 * to the venue a FIFO entry (max_inflight) until the venue finishes with it.
 * When either is full the stage stops reading the order ring until the venue
 * frees one: a delay that changes nothing in the output, never a reject
 * that would depend on timing (see exec_stage_poll for the -ENOBUFS case).
 *
 * ------------------------------------------------------------------------
 * Simulated venue (deterministic, event time, optimistic)
 *
 * "Sending" an order hands it to the in-process venue. An order or cancel
 * with source event seq S and event time T reaches the venue at the first
 * venue md event e with e.seq > S and e.ts_ns >= T + latency_ns, or with
 * e.ts_ns < T: an event time that stepped back (a feed's clock reset, feeds
 * with different clocks) cannot measure the latency, so it releases the
 * message rather than strand it until the new clock catches up. Messages
 * reach the venue in the order they were sent (a FIFO), so a cancel never
 * overtakes its order.
 *
 * Determinism: md event e is processed only once every order-ring message
 * with seq < e.seq has been received. A watermark (ORDER_WATERMARK) with seq
 * W says every event <= W has been decided; an order, cancel or cancel-all
 * with seq S says every event <= S - 1 has (more messages from event S may
 * follow). Let decided = the highest such bound; e is processed when
 * decided >= e.seq - 1, or once ORDER_EOS has arrived. Reports are produced
 * only while processing md events, so the report stream (content and order,
 * EXEC_PROGRESS markers aside) depends only on the two input streams, never
 * on thread timing. Upstream must forward a watermark regularly (at least
 * once per burst of decided events without an order); otherwise the venue
 * waits, and with a full md ring upstream the pipeline stalls until EOS.
 *
 * Processing venue event e for instrument L (e.locate):
 *  1. The venue's top of book for L becomes e's (bid/ask after e).
 *  2. Resting orders of L, in time priority, are checked against e:
 *     - book: a resting buy with px >= best ask fills at its own px, up to
 *       the displayed ask qty not yet taken by us (sell symmetric vs bid);
 *     - trades: an MD_EXEC with side 'B' (a displayed bid was hit) at price
 *       P fills resting buys with px >= P at their px, up to the executed
 *       qty shared among our orders; side 'S' fills resting sells with
 *       px <= P. MD_TRADE (non-displayed) or an MD_EXEC without a side fills
 *       buys with px > P and sells with px < P (strictly through). An
 *       execution on the other side (a lifted ask for our buy) fills nothing
 *       by itself: the book rule already covers that liquidity.
 *     Both rules together give at most one fill report per order per event.
 *  3. FIFO messages that have now reached the venue are applied in order:
 *     - ORDER_NEW: EXEC_REJECTED if invalid (qty 0, px 0, side not 'B'/'S';
 *       order_id not above every earlier ORDER_NEW's: risk hands ids out in
 *       increasing order, and checking that instead of "is it open now"
 *       keeps rejects independent of timing; instrument already at
 *       max_resting_per_instrument open orders);
 *       else EXEC_ACK, then a buy with px >= best ask fills at once at the
 *       ask price up to the displayed ask qty not yet taken (sell
 *       symmetric); the remainder rests (or, with EXEC_TIF_IOC, is
 *       cancelled: EXEC_CANCELED reason EXEC_REASON_IOC);
 *     - ORDER_CANCEL: EXEC_CANCELED for the order's leaves, if still open;
 *     - ORDER_CANCEL_ALL: EXEC_CANCELED for every order open at the venue,
 *       all instruments, in the order they reached the venue (orders sent
 *       after the cancel-all are not affected). When exec sends it, every
 *       open order moves to CANCEL_PENDING.
 *  "Not yet taken": liquidity we take at a price level is remembered until
 *  the best price on that side changes, so one displayed level is not filled
 *  twice. Nothing fills while the instrument's last event carries
 *  MD_F_HALTED.
 *
 * Progress: at the end of a poll, once every other report has been pushed,
 * if venue md events were processed since the last marker, the stage pushes
 * an EXEC_PROGRESS report with seq = the last event processed (ts_ns its
 * event time, other fields 0): risk's venue_sync waits for it. Where these
 * markers fall depends on poll boundaries, so they are the one part of the
 * report stream that is not deterministic; they are not persisted.
 *
 * Honest limits: no queue position (we are always first at our price), no
 * market impact, fills never exceed what the feed displayed or executed but
 * our orders never remove liquidity from the real book, and there is no
 * time-in-force field on order_msg: every order rests until cancelled
 * unless the stage is configured with EXEC_TIF_IOC. Orders still in flight
 * when both streams end never reach the venue (exec_stats.inflight).
 *
 * ------------------------------------------------------------------------
 * Positions and P&L (per instrument, average-cost method)
 *
 * Money is 1e-4 price units times shares (int64). position.cost is the signed
 * cost of the open quantity (qty * average price). A fill that reduces the
 * position realizes (fill px - average px) * closed qty (sign-adjusted for
 * shorts); a fill through zero closes the old side, then opens the new one
 * at the fill price. Unrealized P&L is qty * mid - cost at the venue's last
 * mid ((bid + ask) / 2; one side alone if the other is empty; the last fill
 * price if both are empty; 0 while no price has been seen, e.g. for a
 * restored position before its first md event).
 *
 * ------------------------------------------------------------------------
 * Sent-order hash: 64-bit FNV-1a (offset 0xcbf29ce484222325, prime
 * 0x100000001b3) over every ORDER_NEW as sent, in send order, over the bytes
 * of: order_id (8), locate (2), side (1), px (4), qty (4), seq (8), each
 * little-endian. Cancels are not hashed.
 *
 * Threads: exec_stage_create/destroy on a setup thread; exec_stage_poll and
 * the getters on the one thread that polls the stage (or any thread after
 * that thread has been joined).
 */
#ifndef OSPREY_EXEC_H
#define OSPREY_EXEC_H

#include "core.h"

enum exec_order_state {
	EXEC_ST_NONE = 0,
	EXEC_ST_PENDING_NEW = 1,      /* sent, not yet at the venue */
	EXEC_ST_ACKED = 2,
	EXEC_ST_PARTIALLY_FILLED = 3,
	EXEC_ST_FILLED = 4,           /* terminal */
	EXEC_ST_CANCEL_PENDING = 5,   /* cancel sent, not yet at the venue */
	EXEC_ST_CANCELLED = 6,        /* terminal */
	EXEC_ST_REJECTED = 7,         /* terminal */
};

enum exec_order_event {
	EXEC_EV_ACK = 1,
	EXEC_EV_PARTIAL_FILL = 2,
	EXEC_EV_FULL_FILL = 3,
	EXEC_EV_CANCEL_REQUEST = 4,
	EXEC_EV_CANCELLED = 5,
	EXEC_EV_REJECT = 6,
};

/* exec_report.reason values. */
enum exec_reason {
	EXEC_REASON_NONE = 0,
	EXEC_REASON_USER_CANCEL = 1, /* ORDER_CANCEL */
	EXEC_REASON_CANCEL_ALL = 2,  /* ORDER_CANCEL_ALL */
	EXEC_REASON_IOC = 3,         /* remainder of an IOC order */
	EXEC_REASON_INVALID = 4,     /* qty 0, px 0 or side not 'B'/'S' */
	EXEC_REASON_DUPLICATE = 5,   /* order_id not above the previous ORDER_NEW's */
	EXEC_REASON_RESTING_CAP = 6, /* instrument has max_resting_per_instrument orders */
};

enum exec_tif {
	EXEC_TIF_DAY = 0, /* rest until cancelled (default) */
	EXEC_TIF_IOC = 1, /* cancel what does not fill on arrival */
};

/*
 * exec_order_transition - the order manager's transition table (above).
 * Writes the new state to *ret and returns 0, or returns -EINVAL for an
 * illegal transition (or an unknown state or event) and leaves *ret alone.
 * Pure; any thread.
 */
int exec_order_transition(enum exec_order_state from, enum exec_order_event ev,
			  enum exec_order_state *ret);
/* exec_order_state_name - "PENDING_NEW", ...; "?" for unknown values. Static storage. */
const char *exec_order_state_name(enum exec_order_state s);

struct exec_config {
	struct core_ring *orders_in;   /* order_msg, consumer side owned by the stage; required */
	struct core_ring *md_in;       /* md_event, consumer side owned by the stage; required */
	struct core_ring *reports_out; /* exec_report, producer side owned by the stage; required */
	struct core_ring *persist_out; /* persist_rec, producer side; NULL: no audit copies */
	uint64_t latency_ns;           /* venue latency in event time */
	unsigned burst;                /* messages per input per poll; 0: 32 */
	struct core_hist_pair *hist_exec; /* per-message processing ns; NULL: not recorded */
	struct core_hist_pair *hist_t2o;  /* tick-to-order ns at send; NULL: not recorded */
	const struct position *initial;   /* initial positions (copied), locates unique */
	unsigned ninitial;
	unsigned max_orders;           /* open + in-flight ORDER_NEWs; 0: 4096 */
	unsigned max_inflight;         /* messages on their way to the venue; 0: 2 * max_orders */
	unsigned max_resting_per_instrument; /* 0: 64 */
	enum exec_tif tif;             /* applies to every order */
};

struct exec_stats {
	uint64_t orders_in;        /* order-ring messages consumed (all kinds) */
	uint64_t md_in;            /* venue md events processed */
	uint64_t sent;             /* ORDER_NEW sent (hashed) */
	uint64_t cancels_sent;     /* ORDER_CANCEL + ORDER_CANCEL_ALL sent */
	uint64_t acks;
	uint64_t fills;            /* fill reports */
	uint64_t filled_qty;
	uint64_t cancels;          /* EXEC_CANCELED reports */
	uint64_t rejects;          /* EXEC_REJECTED reports */
	uint64_t reports;          /* all reports pushed, EXEC_PROGRESS excluded */
	uint64_t progress;         /* EXEC_PROGRESS markers pushed */
	uint64_t illegal;          /* illegal order-manager transitions (ignored) */
	uint64_t cancel_unknown;   /* cancels for ids not open (unknown, done, or too late) */
	uint64_t out_waits;        /* polls that stopped on a full output ring */
	uint64_t wm_waits;         /* polls where md waited for the order watermark */
	uint64_t table_waits;      /* polls where orders waited for a table or FIFO slot */
	uint64_t open_orders;      /* orders at the venue, still open */
	uint64_t inflight;         /* messages sent but not yet at the venue */
	uint64_t decided_seq;      /* highest seq known decided (watermark) */
	uint64_t positions;        /* instruments with a nonzero position */
	int64_t realized_pnl;      /* sum over instruments, 1e-4 * shares */
	int64_t unrealized_pnl;    /* sum over instruments at the last mid */
	uint64_t hash;             /* FNV-1a of the sent-order stream */
	bool eof;                  /* both streams ended and PERSIST_EOS was pushed */
};

/* Snapshot of one order in the table (exec_stage_order). */
struct exec_order_info {
	uint64_t order_id;
	uint64_t seq;
	uint32_t px;
	uint32_t qty;
	uint32_t leaves_qty;
	uint32_t cum_qty;
	uint16_t locate;
	uint8_t side;
	uint8_t state; /* enum exec_order_state */
	bool at_venue; /* reached the venue (acked) */
};

struct exec_stage;

/*
 * exec_stage_create - allocate the stage and every table it will use
 * (setup only). The rings stay owned by the caller and must outlive the
 * stage. Returns 0 and *ret, or -EINVAL (a missing ring, a ring of the wrong
 * slot size, a duplicate locate in initial, a limit too large; err names the
 * field) or -ENOMEM.
 */
int exec_stage_create(const struct exec_config *cfg, struct exec_stage **ret, char *err,
		      size_t errlen);

/* exec_stage_destroy - free the stage; accepts NULL; returns NULL. */
struct exec_stage *exec_stage_destroy(struct exec_stage *s);

/*
 * exec_stage_poll - the core_stage poll function (ctx is the exec_stage).
 * Returns the amount of work done (messages consumed plus produced; never
 * equal to CORE_EOF), 0 when
 * idle or blocked (full output ring, watermark), CORE_EOF once ORDER_EOS and
 * MD_EOS have both been consumed, every resulting report pushed and
 * PERSIST_EOS pushed (and on every call after), or -ENOBUFS if the order
 * table or in-flight FIFO is full while the venue waits for a watermark
 * behind it: a deadlock that only a larger max_orders/max_inflight avoids.
 */
int exec_stage_poll(void *ctx);

/* exec_stage_stats - fill *ret (P&L marked now). Never fails. Costs O(instruments
 * traded), so the polling thread may call it between polls (e.g. once a ms). */
void exec_stage_stats(const struct exec_stage *s, struct exec_stats *ret);

/*
 * exec_stage_position - the position of one instrument (zeroes with the
 * locate set if never traded). Writes *ret. Never fails.
 */
void exec_stage_position(const struct exec_stage *s, uint16_t locate, struct position *ret);

/* exec_stage_unrealized - unrealized P&L of one instrument at the last mid. */
int64_t exec_stage_unrealized(const struct exec_stage *s, uint16_t locate);

/*
 * exec_stage_positions - copy every position with nonzero qty, cost or
 * realized P&L into out (ascending locate). Returns how many exist; copies
 * at most cap (call with cap 0 to size the buffer). Scans all 65536 locates:
 * for reports at the end, not for a hot loop.
 */
unsigned exec_stage_positions(const struct exec_stage *s, struct position *out, unsigned cap);

/* exec_stage_order - snapshot of an order in the table: 0, or -ENOENT if
 * order_id is not open or in flight (never sent, or already terminal). */
int exec_stage_order(const struct exec_stage *s, uint64_t order_id, struct exec_order_info *ret);

#endif /* OSPREY_EXEC_H */
