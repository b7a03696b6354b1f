/*
 * exec.h - Osprey's execution stage, one file of about 2,500 lines on purpose
 * (why one file: below): the order manager, the venue interface behind it and
 * its backends (simulated, OUCH 4.2, FIX 4.4 and MetaTrader 5 gateways), the
 * matching engine, and positions and P&L.
 *
 * Why one file of about 2,500 lines: it is the exec library's one public header
 * and so its manual (the project's rule: one library, one header). Its
 * sections go from the stage to the venue interface, the matching engine,
 * the simulated venue, then the FIX codec, store and session, which the
 * stage's FIX gateway and osprey-venue's acceptor both build on, the FIX
 * gateway, the OUCH codec and the OUCH gateway, the MetaTrader 5 protocol and
 * its gateway, and Binance spot order entry's codec; splitting it would give
 * exec a second public header for callers to find.
 *
 *   orders_in (struct order_msg) --+                 +--> reports_out (struct exec_report) -> risk
 *                                  +-- order manager -+
 *   md_in (struct md_event) -------+   (exec_stage)   +--> persist_out (struct persist_rec)
 *                                        |     ^
 *                      send / market     v     |  poll: reports
 *                                 struct exec_venue (sim in process; OUCH and FIX over TCP;
 *                                                    MetaTrader 5 over ZeroMQ)
 *
 * Where things live: the order manager is exec/src/om.c, the venue interface
 * is `struct exec_venue` below, the matching engine (the simulated venue's and
 * osprey-venue's) is exec/src/match.c, the simulated venue is
 * exec/src/venue_sim.c, positions and P&L are exec/src/positions.c, the order
 * state machine is exec/src/order.c, the FIX 4.4 codec is exec/src/fix.c and
 * its session and sequence store exec/src/fix_session.c, the order gateways
 * exec/src/gw*.c (FIX: gw_fix.c, OUCH: gw_ouch.c, MetaTrader 5: gw_mt5.c,
 * what they share: gw.c), the OUCH 4.2 message codec exec/src/ouch.c, the
 * MetaTrader 5 expert advisor's protocol exec/src/mt5.c and Binance spot
 * order entry's codec exec/src/bn_orders.c (the last sections of this
 * header).
 *
 * ------------------------------------------------------------------------
 * The stage (exec_stage_poll, a core_poll_fn)
 *
 * One stage with two inputs and two outputs:
 *   orders_in   approved orders from risk: ORDER_NEW, ORDER_CANCEL,
 *               ORDER_CANCEL_ALL, ORDER_WATERMARK, ORDER_EOS
 *   md_in       every market-data event of the session with the top of book
 *               after it, then MD_EOS; optional (NULL: no marks, and no
 *               market data for a venue that needs it)
 *   reports_out acks, fills, cancels, rejects, EXEC_PROGRESS markers (an
 *               event-time venue), EXEC_SESSION when the venue session goes
 *               down or comes back up (a venue on a socket; it starts down),
 *               and last EXEC_EOS -> risk
 *   persist_out optional: every order sent (PERSIST_ORDER, cancels too), every
 *               report (PERSIST_REPORT; the store moves the stored position
 *               by each fill itself, in the same transaction), then PERSIST_EOS
 *
 * Each poll, in this order: push what the outbox holds (nothing else happens
 * until it is empty); take the venue's pending reports; hand up to `burst`
 * order messages to the venue; hand up to `burst` market-data events to the
 * venue, taking its reports after each; and, for an event-time venue, mark
 * its progress (EXEC_PROGRESS). The stage never drops: when an output ring
 * is full it keeps what it produced in a preallocated outbox, stops consuming
 * input, and retries on the next poll (exec_stats.out_waits; persist_waits when
 * the persistence ring was one of the full ones: the store is behind). When the venue
 * cannot take an order now (EXEC_VENUE_BUSY) or the order table is full, the
 * order stays in the ring (exec_stats.table_waits): a delay, never a reject.
 *
 * End of stream: once ORDER_EOS (and MD_EOS, with md_in) has been consumed
 * and handed to the venue, and the venue says EXEC_SESSION_DONE with no
 * report left, the stage pushes EXEC_EOS on reports_out and PERSIST_EOS, then
 * returns CORE_EOF.
 *
 * ------------------------------------------------------------------------
 * Order manager
 *
 * Every valid ORDER_NEW (qty, px > 0, side 'B'/'S', order_id above every
 * earlier ORDER_NEW's) gets a slot in a preallocated order table keyed by
 * order_id. An invalid one is still handed to the venue, which rejects it; its
 * reject passes through to risk. States and the legal transitions
 * (exec_order_transition):
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
 * and REJECTED are terminal: the slot is freed at once. A report for an order
 * the table does not hold is forwarded to risk and counted
 * (exec_stats.unknown_reports) unless it is the reject of an invalid order.
 *
 * Cancels: an ORDER_CANCEL for an id above every ORDER_NEW sent so far is
 * dropped (exec_stats.cancel_unknown). Any other cancel is sent to the venue
 * (and persisted) even if the order already looks done here, because what
 * exec has seen of the venue depends on timing; a venue that finds no open
 * order does nothing (counted by the venue as cancel_too_late, no report: a
 * real venue's "too late to cancel"). A second cancel while the first is
 * pending counts as illegal but is still sent. So `illegal` and
 * `cancel_unknown` may differ between runs of the same input (they count
 * where a race was noticed); reports, the hash, and the persist records of
 * each kind (in order) do not. Only the interleaving of PERSIST_ORDER records
 * (written at send) with the venue's records, and so run_seq, depends on
 * timing. ORDER_CANCEL_ALL moves every open order to CANCEL_PENDING.
 *
 * Time in force: the stage stamps order_msg.tif with exec_config.tif on every
 * ORDER_NEW it sends (EXEC_TIF_DAY unless configured). An ORDER_F_FLATTEN
 * or ORDER_F_EXIT order goes EXEC_TIF_IOC, and with px 0 it is priced from md_in through the
 * touch by flatten_bps (a buy at the last ask + flatten_bps, a sell at the
 * last bid - flatten_bps, so it may take several levels; the last fill price
 * when that side is empty; still 0, so rejected as invalid, when nothing is
 * known).
 *
 * Sent-order hash: 64-bit FNV-1a (core_fnv1a) over every ORDER_NEW as sent,
 * in send order, over the bytes of: order_id (8), locate (2), side (1),
 * px (4), qty (4), seq (8), each little-endian. Cancels are not hashed.
 *
 * ------------------------------------------------------------------------
 * Positions and P&L (per instrument, average-cost method), kept by the
 * order manager from the fills the venue reports
 *
 * Money is 1e-4 price units times shares (int64). position.cost is the signed
 * cost of the open quantity (qty * average price). A fill that reduces the
 * position realizes (fill px - average px) * closed qty (sign-adjusted for
 * shorts); a fill through zero closes the old side, then opens the new one at
 * the fill price. Unrealized P&L is qty * mid - cost at the last mid of md_in
 * ((bid + ask) / 2; one side alone if the other is empty; the last fill price
 * if both are empty; 0 while no price has been seen, e.g. for a restored
 * position before its first md event). Each report carries the instrument's
 * position after it.
 *
 * Threads: exec_stage_create/destroy on a setup thread; exec_stage_poll and
 * the getters on the one thread that polls the stage (or any thread after
 * that thread has been joined). The venue belongs to the same thread.
 */
#ifndef OSPREY_EXEC_H
#define OSPREY_EXEC_H

#include "core.h"

enum exec_order_state {
	EXEC_ST_NONE = 0,
	EXEC_ST_PENDING_NEW = 1, /* sent, not yet acknowledged */
	EXEC_ST_ACKED = 2,
	EXEC_ST_PARTIALLY_FILLED = 3,
	EXEC_ST_FILLED = 4,         /* terminal */
	EXEC_ST_CANCEL_PENDING = 5, /* cancel sent, not yet answered */
	EXEC_ST_CANCELLED = 6,      /* terminal */
	EXEC_ST_REJECTED = 7,       /* terminal */
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
	EXEC_REASON_VENUE_FULL = 7,  /* the matching engine had no room (order table, levels) */
	EXEC_REASON_ADOPTED = 8,     /* EXEC_ACK: an order of ours the venue has and we had not
	                              * stored (sent just before a crash); seq is its own md seq */
	EXEC_REASON_RECOVERY = 9,    /* an order closed here at recovery: EXEC_REJECTED, sent
	                              * but never accepted by the venue (not in its replay);
	                              * EXEC_CANCELED (FIX), accepted but not open in the
	                              * venue's status answer (it ended unheard) */
};

/* An order open at the last stop, as the store kept it (persist.h,
 * persist_load_open_orders): what a gateway resuming its session starts with. */
struct exec_open_order {
	struct order_msg order; /* the ORDER_NEW as sent */
	uint32_t leaves_qty, cum_qty;
	bool acked;             /* the venue had accepted it */
};

/* Where a gateway's recovery stands (exec_ouch_gw_stats.recovery,
 * exec_fix_gw_stats.recovery). */
enum exec_recovery_state {
	EXEC_RECOVERY_NONE = 0,      /* not recovering (cfg.recover false) */
	EXEC_RECOVERY_REPLAYING = 1, /* logging in, reading the venue's replay */
	EXEC_RECOVERY_DONE = 2,      /* reconciled: differences below; cancels sent */
};

struct exec_recovery_stats {
	enum exec_recovery_state state;
	uint64_t from_seq;        /* the first message asked for */
	uint64_t restored;        /* open orders handed in (cfg.restore) */
	uint64_t replayed;        /* venue messages read before the replay ended */
	uint64_t replay_fills;    /* ... of them executions (applied) */
	uint64_t closed_by_venue; /* restored orders the replay ended (filled, cancelled) */
	uint64_t adopted;         /* orders the venue had and the store did not (difference) */
	uint64_t not_at_venue;    /* restored, never accepted, not in the replay: closed here
	                           * (difference) */
	uint64_t cancelled;       /* orders still open at the end: Cancel Order sent */
	uint64_t differences;     /* adopted + not_at_venue + adoptions that failed */
	uint64_t unresolved;      /* adoptions whose symbol the md stream never named */
	uint64_t done_ns;         /* core_now_ns() when reconciled */
};

/* order_msg.tif values. */
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

/* ------------------------------------------------------------------------- */
/* The venue interface.
 *
 * A venue takes order messages and market data from the order manager and
 * gives back execution reports. It may be in the process (the simulated
 * venue) or at the other end of a socket (an OUCH or FIX session), so the
 * contract is asynchronous: send() only hands a message over; acks, fills
 * (partial ones too), cancels (solicited or not) and rejects come back later
 * through poll(), in the venue's order. The order manager calls every op from
 * its own thread; none may block, allocate or take a lock.
 *
 * send(ctx, m): one order message: ORDER_NEW, ORDER_CANCEL,
 *   ORDER_CANCEL_ALL; ORDER_WATERMARK and ORDER_EOS too (a venue that acts in
 *   event time needs to know what has been decided; others take them as
 *   no-ops, ORDER_EOS meaning "no more orders: finish the session").
 *   Returns 0 (taken), EXEC_VENUE_BUSY (not taken now: no room; the caller
 *   offers the same message again later), or a negative errno (the session
 *   failed; the stage fails with it).
 * market(ctx, e): one market-data event, MD_EOS included. NULL for a venue
 *   that does not use market data. Returns 0 (taken), EXEC_VENUE_BUSY (not
 *   now: an event-time venue waits for the orders decided before e, or for
 *   its reports to be taken), or a negative errno.
 * poll(ctx, out, cap): up to cap reports into out, in order. Returns the
 *   number written (fewer than cap: nothing else is pending now), or a
 *   negative errno. EXEC_PROGRESS and EXEC_EOS never come from a venue; the
 *   order manager makes them. Reports carry ts_ns, seq, order_id, px, qty,
 *   leaves_qty, cum_qty, locate, kind, side, reason; the order manager sets
 *   position.
 * session(ctx): where the session stands (enum exec_session, core.h). The
 *   stage tells risk of every change with an EXEC_SESSION report.
 * stats(ctx, ret): the venue's counters (struct exec_venue_stats); fields a
 *   venue does not keep are 0.
 *
 * event_time: the venue acts on the market-data stream in event order and
 * only as far as the orders allow (the simulated venue). The stage then tells
 * risk how far it has got (EXEC_PROGRESS), which risk's venue_sync waits for.
 * A venue on a socket is never waited for.
 */
enum exec_venue_outcome {
	EXEC_VENUE_BUSY = 1, /* not taken now; offer it again later */
};

struct exec_venue_stats {
	uint64_t inflight;        /* messages sent that the venue has not acted on yet */
	uint64_t open_orders;     /* orders open at the venue */
	uint64_t cancel_too_late; /* cancels that found no open order there (no report) */
	uint64_t md_in;           /* market-data events acted on */
	uint64_t wm_waits;        /* event time: market() refused for want of decisions */
	uint64_t decided_seq;     /* event time: every md event up to this one is decided */
};

struct exec_venue_ops {
	int (*send)(void *ctx, const struct order_msg *m);
	int (*market)(void *ctx, const struct md_event *e);
	int (*poll)(void *ctx, struct exec_report *out, uint32_t cap);
	enum exec_session (*session)(const void *ctx);
	void (*stats)(const void *ctx, struct exec_venue_stats *ret);
	bool event_time;
	const char *name; /* "sim", ... */
};

/* A venue: its ops and its state. Copied into the stage at create; ctx is
 * borrowed and must outlive the stage. */
struct exec_venue {
	const struct exec_venue_ops *ops;
	void *ctx;
};

/* ------------------------------------------------------------------------- */
/* The matching engine (exec/src/match.c).
 *
 * One matching engine for the venues Osprey plays itself: the in-process
 * simulated venue below and the osprey-venue server use this code, so a
 * replay and a paper session fill the same orders the same way. It matches
 * orders of ours (from one or more accounts) against the replayed market,
 * price-time, with an exact L3 queue model. No clock, no ring, no allocation
 * after exec_match_create, no lock: one thread calls everything, and every
 * output goes to the sink during the call that causes it, in an order that
 * depends only on the sequence of calls.
 *
 * No market impact: the replayed book is never changed by our orders. What
 * we take is only marked taken, the queue we join is not lengthened for the
 * market's own orders, and orders of ours never trade with each other (not
 * even across accounts): they trade only with the replayed market.
 *
 * The engine's book. The engine keeps its own book of the displayed orders per
 * instrument (md_event.locate) and side: price levels, each holding the orders
 * it knows by reference (ref -> side, price, remaining shares, arrival number,
 * shares we took), in arrival order, plus an anonymous quantity (displayed
 * shares no known order explains: see "Top of book"). Each md event means:
 *   MD_ADD      e.ref joins the tail of level e.px on e.side with e.qty;
 *   MD_EXEC     e.qty of e.ref executed (side and level from the engine's map;
 *               a ref it does not know but e.px and e.side name is an
 *               anonymous execution, see "Queue rules"; e.side 0, a ref the
 *               feed did not know either, changes nothing);
 *   MD_CANCEL   e.qty of e.ref cancelled; MD_DELETE: e.ref removed;
 *   MD_REPLACE  (ITCH U) e.ref is the NEW reference, a new arrival at the
 *               tail of level e.px on e.side with e.qty: it loses priority.
 *               The original reference is not in struct md_event (the feeds'
 *               book looks it up and keeps only its side), so the caller
 *               passes it as orig_ref when it has it (a venue decoding ITCH
 *               itself). With orig_ref 0 (the simulated venue) the engine
 *               counts replace_unresolved and the top of book finds the
 *               replaced order when it was at the best price; a replaced
 *               order deeper in the book stays until its level reaches the
 *               top, where its shares are removed as excess (see "Top of
 *               book"): exact for queue position at the top, approximate
 *               deeper.
 *   MD_TRADE    a non-displayed execution or a cross (ITCH P, Q) or an L2
 *               feed's trade: no book change;
 *   MD_LEVEL    (L2 feeds) level e.px on e.side now holds e.qty;
 *   MD_STATUS, MD_GAP: no book change.
 *
 * LOBSTER tracking numbers (exec_match_config.tracking). The LOBSTER ITCH files
 * (../shared/data/README.md) mark synthetic adds with a tracking number: 1
 * for an order that rested before 09:30, added just before its first
 * reduction and carved out of a placeholder; 2 for the placeholders (the book
 * at 09:30, levels entering the file's window from deeper). Those orders
 * arrived before their add says, so with EXEC_MATCH_TRACKING_LOBSTER (the
 * default) an add with a nonzero tracking number is placed AHEAD of every
 * order of ours at its level (arrival number 0) and is not new liquidity (it
 * crosses nothing). EXEC_MATCH_TRACKING_IGNORE: every add is a new arrival
 * (for feeds whose tracking numbers mean something else, as NASDAQ's own).
 *
 * Queue rules for a resting order O of ours (side s, price p):
 *  - Joining: O joins the tail of level p behind every displayed share there
 *    at its arrival: ahead(O) = those shares (known orders, plus the
 *    anonymous quantity). Orders added later at p are behind O.
 *  - Moving forward: shares of a known order that arrived before O that are
 *    executed, cancelled, deleted or replaced away leave ahead(O). Shares
 *    behind O change nothing. Anonymous quantity at p that shrinks is taken
 *    from behind O first: O's anonymous part of ahead becomes min(itself, the
 *    anonymous quantity left).
 *  - O never fills while ahead(O) > 0: the queue ahead is never jumped, even
 *    when the data look as if it was (an execution behind O while shares
 *    ahead of O remain: possible with synthetic or incomplete data).
 *  - Executions that reach O: an MD_EXEC on side s against a known order
 *    that arrived after O at p, or at a price worse than p (for a buy:
 *    bids executed below p), would have met O first. Its executed shares q
 *    are shared among the orders of ours it reaches in price-time order (the
 *    best price first, then arrival): each fills min(leaves, what is left of
 *    q), at its own price. An anonymous execution (an MD_EXEC whose ref the
 *    engine does not know, with e.px and e.side set, as in L2 or synthetic
 *    streams) at p first uses up the anonymous shares ahead of each order of
 *    ours at p, in queue order, then fills them. An MD_TRADE at price P fills
 *    strictly through only: buys above P and sells below P, each side up to
 *    e.qty; a hidden or crossed execution at p says nothing about the
 *    displayed queue at p.
 *  - Liquidity that arrives crossing O: a displayed order added on the other
 *    side (MD_ADD, MD_REPLACE's new reference, anonymous quantity growing at
 *    the top or by MD_LEVEL) at a price that crosses p would have traded with
 *    O first (O rests, it arrives): it fills the orders of ours it crosses
 *    (best price first, then arrival; ahead 0 only) up to its shares, at
 *    their own prices, and those shares are marked taken.
 *
 * Taking liquidity (an order of ours that crosses the book on arrival or
 * after a replace that loses priority, or a resting one when trading
 * resumes): it takes the displayed shares available on the other side from
 * the best price, level by level, within a level the known orders in arrival
 * order and then the anonymous quantity, at the level's price, one FILL per
 * level, at most max_take_levels levels; the remainder rests (DAY) or is
 * cancelled (IOC, reason EXEC_REASON_IOC). Available shares of a known order
 * are remaining - taken: what we took stays taken as long as that order lasts
 * (the market's own executions and cancels of it remove untaken shares first;
 * taken is capped at what remains). Shares we took become available again only
 * as new displayed liquidity: a new add, the new reference of a replace,
 * anonymous quantity that grows. A level's taken anonymous shares are forgotten
 * when its anonymous quantity is gone.
 *
 * Halted, stale, crossed (our choice: trade only on a book we trust): an md
 * event whose flags carry MD_F_HALTED, MD_F_STALE or MD_F_CROSSED fills
 * nothing, and an order arriving while the instrument's last event carried one
 * of them takes nothing (IOC: cancelled whole; DAY: rests). The book still
 * changes and queues still move. On the instrument's next event without them,
 * after that event, resting orders of ours that cross the book (ahead 0) take
 * liquidity as on arrival: buys, then sells, each in price-time order.
 *
 * Top of book. After every event not flagged MD_F_STALE, the engine checks each
 * side of the instrument against the event's top of book: displayed shares at
 * levels better than the event's best price are gone (ghosts: removed, known
 * orders too); at the best price, shares above the event's quantity are
 * removed (anonymous first; then the newest known order with exactly the excess,
 * else from the newest backward); shares missing there are added as anonymous
 * quantity (arrived now, behind every order of ours). Removals on both sides
 * come before additions. With a complete L3 feed this never changes anything
 * (counted: ghost_qty, anon_qty); it lets the engine run on L2 and top-of-book
 * streams (only the top, or the MD_LEVEL levels, are known there), resolve
 * MD_REPLACE without orig_ref at the top, and recover from a full ref map.
 *
 * Orders of ours. exec_match_new rejects (a REJECTED event, reason) an order
 * with qty or px 0, side not 'B'/'S' or an unknown tif (EXEC_REASON_INVALID),
 * an (account, order_id) that is open (EXEC_REASON_DUPLICATE), an instrument
 * with max_open_per_instrument open orders (EXEC_REASON_RESTING_CAP), or no
 * room (EXEC_REASON_VENUE_FULL); else: ACK, its fills, then an IOC cancel or it
 * rests. exec_match_replace is cancel/replace (OUCH Replace Order, FIX
 * OrderCancelReplaceRequest): qty is the new total order quantity, filled
 * shares included (FIX OrderQty: leaves = qty - cum); the order keeps its
 * place in the queue only when the price is the same and qty does not grow;
 * any other replace is a new arrival at the tail of its (new) level and may
 * take liquidity like a new order. A replace to qty <= cum closes the order
 * (REPLACED with leaves 0). The time in force stays.
 *
 * Capacity: the ref map (max_refs displayed orders), the level pool
 * (max_levels) and the order table (max_orders) are sized at create. An add
 * that does not fit is counted (refs_full, levels_full; exec_match_market
 * returns EXEC_MATCH_FULL) and its shares appear as anonymous quantity when
 * they reach the top. The default max_refs (65536) holds a few symbols' books
 * (the AMZN day peaks at 868 orders, a generated 10-symbol session at about
 * 15000); a whole NASDAQ day needs millions. Bigger tables cost cache: per md
 * event p99 on the AMZN day, alone, 175 ns with 65536, 237 ns with 262144
 * (bench-match), and more inside the pipeline.
 *
 * Threads: every function on one thread at a time (create/destroy on a setup
 * thread). The sink runs on the calling thread and must not call the engine.
 */
enum exec_match_tracking {
	EXEC_MATCH_TRACKING_LOBSTER = 0, /* nonzero tracking number: ahead of ours (default) */
	EXEC_MATCH_TRACKING_IGNORE = 1,  /* tracking numbers mean nothing here */
};

/* exec_match_event.kind: the first four as enum exec_kind. */
enum exec_match_kind {
	EXEC_MATCH_ACK = EXEC_ACK,
	EXEC_MATCH_FILL = EXEC_FILL,
	EXEC_MATCH_CANCELED = EXEC_CANCELED,
	EXEC_MATCH_REJECTED = EXEC_REJECTED,
	EXEC_MATCH_REPLACED = 16, /* order_id is the new id, orig_order_id the old */
};

struct exec_match_event {
	uint64_t ts_ns;         /* event time of the last md event taken (0 before any) */
	uint64_t seq;           /* its seq */
	uint64_t order_id;      /* REPLACED: the new id */
	uint64_t orig_order_id; /* REPLACED: the id replaced; else 0 */
	uint32_t account;
	uint32_t px;            /* FILL: the fill price; else the order's limit price */
	uint32_t qty;           /* FILL: shares filled; CANCELED: shares cancelled; else order qty */
	uint32_t leaves_qty;    /* after this event; 0: the order is closed */
	uint32_t cum_qty;
	uint16_t locate;
	uint8_t kind;      /* enum exec_match_kind */
	uint8_t side;      /* 'B' or 'S' */
	uint8_t reason;    /* enum exec_reason: REJECTED and CANCELED */
	uint8_t tif;       /* enum exec_tif */
	uint8_t liquidity; /* FILL: 'A' a resting order of ours was met, 'R' ours took */
	uint8_t pad_[5];
};
static_assert(sizeof(struct exec_match_event) == 64, "exec_match_event is one cache line");

/* Called for every event, on the calling thread, during the call that causes
 * it. ev is valid only during the call. Must not call the engine. */
typedef void (*exec_match_sink_fn)(void *ctx, const struct exec_match_event *ev);

struct exec_match_config {
	exec_match_sink_fn sink; /* required */
	void *sink_ctx;
	uint32_t max_refs;   /* displayed orders tracked at once; 0: 65536; at most 1 << 26 */
	uint32_t max_levels; /* price levels (displayed or holding ours); 0: max_refs / 4 + 1024 */
	uint32_t max_orders; /* open orders of ours; 0: 4096; at most 4194304 */
	uint32_t max_open_per_instrument; /* open orders of ours per instrument; 0: no cap */
	uint32_t max_take_levels;         /* levels one take may walk; 0: 16 */
	enum exec_match_tracking tracking;
};

/* exec_match_order: a new order of ours. */
struct exec_match_order {
	uint64_t order_id; /* unique among the account's open orders */
	uint32_t account;
	uint32_t px;  /* limit price, 1e-4 */
	uint32_t qty;
	uint16_t locate;
	uint8_t side; /* 'B' or 'S' */
	uint8_t tif;  /* enum exec_tif */
};

/* Positive outcomes (nothing was changed unless said). */
enum exec_match_outcome {
	EXEC_MATCH_REJECT = 1,    /* exec_match_new: a REJECTED event says why */
	EXEC_MATCH_NOT_OPEN = 2,  /* cancel/replace: no such open order (no event) */
	EXEC_MATCH_DUPLICATE = 3, /* replace: the new id is open already (no event) */
	EXEC_MATCH_INVALID = 4,   /* replace: px or qty 0 (no event) */
	EXEC_MATCH_FULL = 5,      /* market: an add not tracked (counted; the event was
	                           * applied otherwise); replace: no level for the new price */
};

/* Every open account: exec_match_cancel_all. */
#define EXEC_MATCH_ALL_ACCOUNTS UINT32_MAX

struct exec_match_stats {
	uint64_t md_in;              /* md events taken (MD_EOS excluded) */
	uint64_t blocked_events;     /* of which halted, stale or crossed: filled nothing */
	uint64_t refs;               /* displayed orders tracked now */
	uint64_t refs_max;           /* the most at once */
	uint64_t refs_full;          /* adds not tracked: the ref map was full */
	uint64_t levels_full;        /* adds or orders refused: the level pool was full */
	uint64_t unknown_refs;       /* exec/cancel/delete/replace of a ref not tracked */
	uint64_t replace_unresolved; /* MD_REPLACE without orig_ref */
	uint64_t ghost_qty;          /* displayed shares removed on the top of book's word */
	uint64_t anon_qty;           /* displayed shares added on the top of book's or MD_LEVEL's */
	uint64_t open_orders;        /* ours, now */
	uint64_t accepted, rejected, cancels, replaces;
	uint64_t fills, filled_qty;
	uint64_t taken_qty;          /* of which we took as the aggressor ('R') */
};

/* A snapshot of an open order of ours (exec_match_order_info). */
struct exec_match_info {
	uint64_t order_id;
	uint64_t ahead;  /* displayed shares ahead of it in its level's queue */
	uint32_t account;
	uint32_t px, qty, leaves_qty, cum_qty;
	uint16_t locate;
	uint8_t side, tif;
};

struct exec_match;

/*
 * exec_match_create - allocate the engine and all its tables with core_alloc
 * (setup only). 0 and *ret, or -EINVAL (no sink, a limit too large, an
 * unknown tracking; err names it) or -ENOMEM.
 */
int exec_match_create(const struct exec_match_config *cfg, struct exec_match **ret, char *err,
                      size_t errlen);
/* exec_match_destroy - accepts NULL; returns NULL. */
struct exec_match *exec_match_destroy(struct exec_match *m);

/*
 * exec_match_market - take the next md event of the session (every event, in
 * order; MD_EOS is ignored). orig_ref: for MD_REPLACE, the replaced order's
 * reference when the caller has it, else 0 (ignored for other kinds). Fills
 * and nothing else go to the sink. Returns 0, or EXEC_MATCH_FULL (an add the
 * ref map or the level pool had no room for; counted; carry on).
 */
int exec_match_market(struct exec_match *m, const struct md_event *e, uint64_t orig_ref);

/*
 * exec_match_new - an order of ours arrives. Emits ACK (then fills, then an
 * IOC cancel) and returns 0, or emits REJECTED and returns EXEC_MATCH_REJECT.
 */
int exec_match_new(struct exec_match *m, const struct exec_match_order *o);

/*
 * exec_match_cancel - cancel an open order: emits CANCELED (qty: the shares
 * cancelled, with reason) and returns 0, or returns EXEC_MATCH_NOT_OPEN
 * (filled, cancelled or never seen: a real venue's "too late to cancel").
 */
int exec_match_cancel(struct exec_match *m, uint32_t account, uint64_t order_id, uint8_t reason);

/*
 * exec_match_replace - cancel/replace an open order (rules above): new_order_id
 * (0: keep the id), the new price and total qty. Emits REPLACED (then fills,
 * then an IOC cancel) and returns 0; or EXEC_MATCH_NOT_OPEN, _INVALID,
 * _DUPLICATE, or _FULL (no level for the new price) with no event.
 */
int exec_match_replace(struct exec_match *m, uint32_t account, uint64_t order_id,
                       uint64_t new_order_id, uint32_t px, uint32_t qty);

/*
 * exec_match_cancel_all - cancel every open order of account (or of every
 * account: EXEC_MATCH_ALL_ACCOUNTS), all instruments, in the order they
 * reached the engine. Returns how many were cancelled.
 */
unsigned exec_match_cancel_all(struct exec_match *m, uint32_t account, uint8_t reason);

/* exec_match_order_info - a snapshot of an open order: 0, or -ENOENT. */
int exec_match_order_info(const struct exec_match *m, uint32_t account, uint64_t order_id,
                          struct exec_match_info *ret);

/* exec_match_stats - the counters. Never fails. */
void exec_match_stats(const struct exec_match *m, struct exec_match_stats *ret);

/* ------------------------------------------------------------------------- */
/* The simulated venue (deterministic, event time, the matching engine's queue model).
 *
 * An order or cancel with source event seq S and event time T reaches the
 * venue at the first md event e with e.seq > S and e.ts_ns >= T +
 * latency_ns, or with e.ts_ns < T: an event time that stepped back (a feed's
 * clock reset, feeds with different clocks) cannot measure the latency, so it
 * releases the message rather than strand it until the new clock catches up.
 * Messages reach the venue in the order they were sent (a FIFO), so a cancel
 * never overtakes its order.
 *
 * Determinism: md event e is acted on only once every order message with
 * seq < e.seq has been sent. A watermark (ORDER_WATERMARK) with seq W says
 * every event <= W has been decided; an order, cancel or cancel-all with seq
 * S says every event <= S - 1 has (more messages from event S may follow).
 * Let decided = the highest such bound; market(e) takes e when decided >=
 * e.seq - 1, or once ORDER_EOS has been sent (else EXEC_VENUE_BUSY). Reports
 * are produced only while acting on md events, so the report stream depends
 * only on the two input streams, never on thread timing. Upstream must send a
 * watermark regularly (at least once per burst of decided events without an
 * order); otherwise the venue waits. market() also refuses (BUSY) while the
 * reports of the previous event have not all been taken.
 *
 * Acting on md event e:
 *  1. The matching engine (above) takes e: the replayed book changes, queues
 *     move, and resting orders fill by the queue rules (exec_match_market,
 *     orig_ref 0: an md_event does not carry MD_REPLACE's original
 *     reference; see MD_REPLACE above).
 *  2. FIFO messages that have now reached the venue are applied in order:
 *     - ORDER_NEW: EXEC_REJECTED if invalid (qty 0, px 0, side not 'B'/'S';
 *       order_id not above every earlier ORDER_NEW's: risk hands ids out in
 *       increasing order, and checking that instead of "is it open now"
 *       keeps rejects independent of timing; both decided when sent);
 *       else exec_match_new (account 0, tif as stamped): EXEC_REJECTED
 *       with EXEC_REASON_RESTING_CAP when its instrument already has
 *       max_resting_per_instrument open orders (or VENUE_FULL), else
 *       EXEC_ACK, the fills it takes from the displayed book (at the book's
 *       prices, level by level, at most 16 levels), then the rest rests or,
 *       with EXEC_TIF_IOC, EXEC_CANCELED reason EXEC_REASON_IOC;
 *     - ORDER_CANCEL: EXEC_CANCELED for the order's leaves, if still open;
 *     - ORDER_CANCEL_ALL: EXEC_CANCELED for every order open at the venue,
 *       all instruments, in the order they reached the venue (orders sent
 *       after the cancel-all are not affected).
 * Reports carry e's seq and ts_ns. Every report the engine emits becomes an
 * exec_report (REPLACED never occurs here: the order manager sends no
 * replace). So a resting order fills only when the market has executed or
 * cancelled everything displayed ahead of it at its arrival, then by what
 * executes behind it or through its price, or by liquidity that arrives
 * crossing it; a marketable order takes what is displayed; nothing fills
 * while the instrument is halted, stale or crossed.
 *
 * Capacity: send() answers EXEC_VENUE_BUSY while the FIFO holds max_inflight
 * messages, or while a valid ORDER_NEW would make more than max_orders orders
 * in flight or open at the engine. Give the stage the same max_orders.
 *
 * Honest limits: no market impact (our orders never remove liquidity from the
 * replayed book nor lengthen its queues: a market that would have reacted to
 * them is not modelled); MD_REPLACE without its original reference (above);
 * the LOBSTER files' synthetic orders (tracking numbers) are placed ahead of
 * ours, which is exact for the orders that rested before 09:30 and cautious
 * for the placeholders of deeper levels; hidden liquidity is not taken on
 * arrival (only MD_TRADE through our price shows it). When the market data
 * ends (MD_EOS) every message still in flight reaches the venue at once,
 * against the last book, and so does every message sent after it (a
 * cancel-all at the end of the input, the operator's kill): their reports
 * carry the last event's seq and ts_ns.
 */
struct exec_sim_config {
	uint64_t latency_ns;                 /* venue latency in event time */
	/* Or sampled (both set, or neither): each message's latency drawn from
	 * latency_table[0..latency_len) (ns; copied at create) by a xorshift64
	 * seeded with latency_seed (0: a fixed seed), one draw per message in
	 * send order: the same run draws the same latencies. A table of a
	 * distribution's quantiles makes the draws follow it. Messages still
	 * reach the venue in send order (a slow one holds those behind it). */
	const uint32_t *latency_table;
	uint32_t latency_len;
	uint64_t latency_seed;
	unsigned max_orders;                 /* in flight + resting ORDER_NEWs; 0: 4096 */
	unsigned max_inflight;               /* FIFO entries; 0: 2 * max_orders */
	unsigned max_resting_per_instrument; /* 0: 64 */
	unsigned max_refs;                   /* the engine's ref map; 0: its default (65536) */
	enum exec_match_tracking tracking;   /* the engine's; default: LOBSTER */
};

struct exec_sim;

/*
 * exec_sim_create - allocate the simulated venue and its tables (setup
 * only; core_alloc). 0 and *ret, or -EINVAL (a limit above 4194304; err
 * names it) or -ENOMEM.
 */
int exec_sim_create(const struct exec_sim_config *cfg, struct exec_sim **ret, char *err,
                    size_t errlen);
/* exec_sim_destroy - accepts NULL; returns NULL. After the stage using it. */
struct exec_sim *exec_sim_destroy(struct exec_sim *v);
/* exec_sim_venue - the venue handle to give exec_config.venue. Never fails. */
struct exec_venue exec_sim_venue(struct exec_sim *v);
/* exec_sim_match_stats - its matching engine's counters. Same thread rules as
 * exec_stage_stats. */
void exec_sim_match_stats(const struct exec_sim *v, struct exec_match_stats *ret);

/* ------------------------------------------------------------------------- */
/* The stage. */

struct exec_config {
	struct core_ring *orders_in;   /* order_msg, consumer side owned by the stage; required */
	struct core_ring *md_in;       /* md_event, consumer side; NULL: none (see above) */
	struct core_ring *reports_out; /* exec_report, producer side owned by the stage; required */
	struct core_ring *persist_out; /* persist_rec, producer side; NULL: no audit copies */
	struct exec_venue venue;       /* required; an event-time venue needs md_in */
	unsigned burst;                /* messages per input per poll; 0: 32 */
	struct core_hist_pair *hist_exec; /* per-message processing ns; NULL: not recorded */
	struct core_hist_pair *hist_t2o;  /* tick-to-order ns at send; NULL: not recorded */
	struct core_hist_pair *hist_t2w;  /* tick-to-wire ns: t0 to the order's bytes handed to the
					     kernel (a venue on a socket only); NULL: not recorded */
	const struct position *initial;   /* initial positions (copied), locates unique */
	unsigned ninitial;
	const struct exec_open_order *restore; /* orders open at the last stop (copied): their
	                                        * reports update them; NULL with nrestore 0 */
	unsigned nrestore;                      /* at most max_orders */
	unsigned max_orders; /* open + in-flight ORDER_NEWs tracked; 0: 4096 */
	enum exec_tif tif;   /* stamped on every ORDER_NEW */
	unsigned flatten_bps; /* how far through the touch a flatten order is priced */
};

struct exec_stats {
	uint64_t orders_in;        /* order-ring messages consumed (all kinds) */
	uint64_t md_in;            /* md events the venue took */
	uint64_t sent;             /* ORDER_NEW sent (hashed) */
	uint64_t cancels_sent;     /* ORDER_CANCEL + ORDER_CANCEL_ALL sent */
	uint64_t acks;
	uint64_t fills;            /* fill reports */
	uint64_t filled_qty;
	uint64_t cancels;          /* EXEC_CANCELED reports */
	uint64_t rejects;          /* EXEC_REJECTED reports */
	uint64_t reports;          /* venue reports forwarded (markers excluded) */
	uint64_t progress;         /* EXEC_PROGRESS markers pushed */
	uint64_t session_changes;  /* EXEC_SESSION reports pushed */
	uint32_t session;          /* enum exec_session as last told to risk */
	uint64_t adopted;          /* orders the gateway adopted (EXEC_REASON_ADOPTED acks):
	                            * tracked, their ORDER_NEW stored */
	uint64_t
	        cancel_all_sent_ns; /* core_now_ns() when the last ORDER_CANCEL_ALL left (0: never) */
	uint64_t cancel_all_done_ns; /* ... when, after it, no order was left open at the venue */
	uint64_t illegal;          /* illegal order-manager transitions (ignored) */
	uint64_t
	        unknown_reports; /* reports for orders not in the table (invalid-order rejects aside) */
	uint64_t cancel_unknown; /* cancels for ids never sent, plus the venue's cancel_too_late */
	uint64_t out_waits;        /* polls that stopped on a full output ring */
	uint64_t persist_waits;    /* polls that found persist_out full (the store is behind) */
	uint64_t wm_waits;         /* the venue's wm_waits */
	uint64_t table_waits;      /* polls where an order waited for a table slot or the venue */
	uint64_t open_orders;      /* the venue's open_orders */
	uint64_t inflight;         /* the venue's inflight */
	uint64_t decided_seq;      /* the venue's decided_seq */
	uint64_t positions;        /* instruments with a nonzero position */
	int64_t realized_pnl;      /* sum over instruments, 1e-4 * shares */
	int64_t unrealized_pnl;    /* sum over instruments at the last mid */
	uint64_t hash;             /* FNV-1a of the sent-order stream */
	bool eof;                  /* EXEC_EOS and PERSIST_EOS pushed */
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
	bool at_venue; /* the venue has acknowledged it */
};

struct exec_stage;

/*
 * exec_stage_create - allocate the stage and every table it will use
 * (setup only). The rings and the venue stay owned by the caller and must
 * outlive the stage. Returns 0 and *ret, or -EINVAL (a missing ring or
 * venue, a ring of the wrong slot size, an event-time venue without md_in, a
 * duplicate locate in initial, a limit too large; err names the field) or
 * -ENOMEM.
 */
int exec_stage_create(const struct exec_config *cfg, struct exec_stage **ret, char *err,
		      size_t errlen);

/* exec_stage_destroy - free the stage; accepts NULL; returns NULL. */
struct exec_stage *exec_stage_destroy(struct exec_stage *s);

/*
 * exec_stage_poll - the core_poll_fn (ctx is the exec_stage). Writes the
 * amount of work done (messages consumed plus produced; 0 when idle or
 * blocked) and returns 0, CORE_EOF once the stream has ended (see "End of
 * stream"; and on every call after), the venue's negative errno, or -ENOBUFS
 * when the venue refuses both the next order and the next md event while
 * nothing moved: the event-time venue waits for a watermark queued behind an
 * order it has no room for, a deadlock only larger max_orders/max_inflight
 * avoid.
 */
int exec_stage_poll(void *ctx, uint32_t *ret_work);

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
 * at most cap (call with cap 0 to size the buffer; with more than cap, which
 * ones are copied is unspecified). Walks the instruments ever filled or
 * restored, not all 65536 locates: cheap enough to publish gauges from the
 * stage's thread once a millisecond.
 */
unsigned exec_stage_positions(const struct exec_stage *s, struct position *out, unsigned cap);

/* exec_stage_order - snapshot of an order in the table: 0, or -ENOENT if
 * order_id is not open or in flight (never sent, or already terminal). */
int exec_stage_order(const struct exec_stage *s, uint64_t order_id, struct exec_order_info *ret);

/* ========================================================================= */
/* FIX 4.4: the codec (exec/src/fix.c)
 *
 * One FIX engine for both ends of a session: the engine's order gateway (an
 * initiator, on the hot thread) and osprey-venue's FIX acceptor use the same
 * codec and the same session (below). Nothing here allocates, locks, prints
 * or reads a clock: times are handed in by the caller.
 *
 * Wire: tag=value fields, each ended by SOH (0x01). A message is
 *   8=FIX.4.4|9=<BodyLength>|35=<MsgType>| ...header... ...body... |10=<CheckSum>|
 * BodyLength counts the bytes from the one after 9's SOH up to and including
 * the SOH before 10=; CheckSum is the sum of every byte before "10=", mod
 * 256, as exactly 3 digits.
 *
 * Numbers on our side: prices are int64 in 1e-4 units (ITCH Price(4)), quantities
 * whole shares, times uint64 ns since the Unix epoch (UTC). Prices are written
 * and read as decimals exactly, with no floating point: 1892500 is "189.25",
 * 10000 is "1", -5 is "-0.0005".
 *
 * Threads: every codec function is pure over its arguments, except that the
 * encoders write the caller's struct exec_fix_header (its time cache): one
 * header per thread.
 */

#define EXEC_FIX_SOH        '\001'
#define EXEC_FIX_MAX_FIELDS 96    /* fields a parsed view holds (header + body) */
#define EXEC_FIX_MAX_MSG    65536 /* a BodyLength above this is a garbled length */
#define EXEC_FIX_MAX_COMPID 32    /* SenderCompID / TargetCompID bytes */

/* Positive outcomes of the FIX codec and session. */
enum exec_fix_outcome {
	EXEC_FIX_PARTIAL = 1, /* parse/input: only the start of a message is there; read more */
	EXEC_FIX_MSG = 2,     /* input: a message for the owner is in *ret (see the session) */
	EXEC_FIX_CLOSED = 3,  /* session over: write what is pending, then close the socket */
	EXEC_FIX_BUSY = 4,    /* send: no room in the out buffer now; nothing was written */
};

/* A string view: len bytes at p (not NUL-terminated). len 0: absent or empty. */
struct exec_fix_str {
	const char *p;
	uint32_t len;
};

/* One tag=value field of a parsed message: a view into the caller's buffer. */
struct exec_fix_field {
	uint32_t tag;
	uint32_t len; /* value bytes (0 for "57=", which real peers send) */
	const char *val;
};

/*
 * A parsed message: views into the buffer given to exec_fix_parse, valid as
 * long as those bytes are. The standard header's fields are picked out; f[]
 * holds every field after MsgType and before CheckSum, in wire order (the
 * header fields too, so any tag can be found).
 */
struct exec_fix_msg {
	const char *data;        /* the message: data[0] is the '8' of "8=" */
	uint32_t len;            /* bytes, through the SOH after 10=nnn */
	uint32_t body_off;       /* offset of "35=" (where BodyLength starts counting) */
	char type[3];            /* MsgType (35), NUL-terminated: "8", "D", "AE" */
	bool poss_dup;           /* 43=Y */
	bool poss_resend;        /* 97=Y */
	uint64_t seq;            /* MsgSeqNum (34); 0: absent or not a number */
	struct exec_fix_str begin_string;      /* 8: "FIX.4.4" */
	struct exec_fix_str sender;            /* 49 */
	struct exec_fix_str target;            /* 56 */
	struct exec_fix_str sending_time;      /* 52 */
	struct exec_fix_str orig_sending_time; /* 122 */
	uint32_t nfields;
	struct exec_fix_field f[EXEC_FIX_MAX_FIELDS];
};

/* What was wrong with a message (exec_fix_error.kind). */
enum exec_fix_err {
	EXEC_FIX_ERR_NONE = 0,
	/* The frame itself: the message cannot be trusted at all and, by the
	 * FIX session rules, is ignored (no Reject, MsgSeqNum not consumed). */
	EXEC_FIX_ERR_GARBLED = 1,  /* not 8= / 9= / 35= first, or BodyLength not a number */
	EXEC_FIX_ERR_LENGTH = 2,   /* BodyLength does not end where "10=nnn|" starts */
	EXEC_FIX_ERR_CHECKSUM = 3, /* CheckSum differs: got (computed) vs want (the field) */
	/* Inside an intact frame (checksum right): answered with a Reject. */
	EXEC_FIX_ERR_FORMAT = 4,   /* a field is not <digits>=<value>SOH */
	EXEC_FIX_ERR_TOO_MANY = 5, /* more than EXEC_FIX_MAX_FIELDS fields */
	EXEC_FIX_ERR_MISSING = 6,  /* a required tag is absent */
	EXEC_FIX_ERR_EMPTY = 7,    /* a required tag has no value */
	EXEC_FIX_ERR_VALUE = 8,    /* value out of range or not an allowed code */
	EXEC_FIX_ERR_DATA = 9,     /* value not of the field's type (not a number, a time...) */
};

struct exec_fix_error {
	enum exec_fix_err kind;
	uint32_t offset; /* byte offset of the problem from the start of the buffer */
	uint32_t tag;    /* the field concerned; 0: none */
	uint32_t got;    /* CHECKSUM: the sum we computed */
	uint32_t want;   /* CHECKSUM: the value of field 10 */
	uint32_t skip;   /* bytes to drop before parsing again (>= 1): the whole frame
	                    when it is intact, else up to the next "8=FIX" */
	uint64_t seq;    /* MsgSeqNum when the frame was intact and 34 was read; else 0 */
	char type[3];    /* MsgType when it was read; else "" */
};

/*
 * exec_fix_parse - the message at buf[0] (len bytes available).
 * The first three fields must be 8 (BeginString), 9 (BodyLength, zero
 * padding accepted: 9=0000095) and 35 (MsgType); BodyLength must end exactly
 * where "10=" starts; CheckSum must be 3 digits, right, and the last field.
 * Then every field is split into ret->f (tag numbers must be digits; an
 * empty value is kept as len 0).
 * Returns 0 and *ret (the message is ret->len bytes from buf), EXEC_FIX_PARTIAL
 * (len holds the start of a message only; nothing written), or -EBADMSG with
 * *ret_err filled (what, where, how many bytes to skip; *ret is garbage).
 * Reads nothing outside buf[0, len). Any thread.
 */
int exec_fix_parse(const char *buf, size_t len, struct exec_fix_msg *ret,
		   struct exec_fix_error *ret_err);

/* exec_fix_error_format - one line, e.g. "offset 120: bad checksum: computed 017,
 * field 10 says 016". Returns what snprintf returns. Any thread. */
int exec_fix_error_format(const struct exec_fix_error *e, char *buf, size_t len);

/* exec_fix_reject_reason - the SessionRejectReason (373) for e: 0 invalid tag
 * number, 1 required tag missing, 4 tag without a value, 5 value incorrect,
 * 6 incorrect data format, 99 other. */
int exec_fix_reject_reason(const struct exec_fix_error *e);

/* Typed getters over a parsed message. Each returns 0 and *ret, -ENOENT
 * (tag absent: *ret untouched), -EBADMSG (not of the type: "12a", empty) or
 * -ERANGE (does not fit, or a price with a nonzero digit past 1e-4). The
 * first occurrence of the tag is read. Any thread. */
const struct exec_fix_field *exec_fix_msg_find(const struct exec_fix_msg *m, uint32_t tag);
int exec_fix_msg_int(const struct exec_fix_msg *m, uint32_t tag, int64_t *ret);
int exec_fix_msg_price(const struct exec_fix_msg *m, uint32_t tag, int64_t *ret);
int exec_fix_msg_char(const struct exec_fix_msg *m, uint32_t tag, char *ret);
int exec_fix_msg_str(const struct exec_fix_msg *m, uint32_t tag, struct exec_fix_str *ret);
int exec_fix_msg_time(const struct exec_fix_msg *m, uint32_t tag, uint64_t *ret_ns);

/* The value parsers behind the getters, over n bytes at p. Results as above.
 * exec_fix_parse_price with round: a value with more than 4 decimals is
 * rounded half away from zero instead of -ERANGE (AvgPx is an average; a peer
 * may print 189.2533333333). exec_fix_parse_time: UTCTimestamp
 * YYYYMMDD-HH:MM:SS with an optional fraction of 1 to 9 digits. */
int exec_fix_parse_int(const char *p, size_t n, int64_t *ret);
int exec_fix_parse_price(const char *p, size_t n, bool round, int64_t *ret);
int exec_fix_parse_time(const char *p, size_t n, uint64_t *ret_ns);
/* exec_fix_format_price - write px (1e-4 units) as a decimal, shortest exact
 * form, into dst (room for 22 bytes). Returns the length. */
int exec_fix_format_price(char *dst, int64_t px);

/*
 * Per-session header bytes, prepared once (exec_fix_header_init) so an
 * encoder copies them instead of formatting: "\x01" "49=SENDER\x01" "56=TARGET\x01" "34="
 * after MsgType, and the date-time part of SendingTime, formatted at most
 * once per second. Caller-owned; one writer thread (the encoders update the
 * time cache).
 */
struct exec_fix_header {
	char comp[2 * EXEC_FIX_MAX_COMPID + 16]; /* "\x0149=S\x0156=T\x0134=" */
	uint32_t comp_len;
	uint64_t cached_sec; /* the UTC second date_time holds; UINT64_MAX: none */
	char date_time[18];  /* "YYYYMMDD-HH:MM:SS" */
	char sender[EXEC_FIX_MAX_COMPID + 1];
	char target[EXEC_FIX_MAX_COMPID + 1];
};

/* exec_fix_header_init - our SenderCompID and the peer's TargetCompID (1 to
 * EXEC_FIX_MAX_COMPID printable bytes, no '|' or SOH). 0, or -EINVAL (err says
 * which). */
int exec_fix_header_init(struct exec_fix_header *h, const char *sender, const char *target,
			 char *err, size_t errlen);

/*
 * Building any message in place. exec_fix_build_begin writes
 * "8=FIX.4.4|9=" with room for a 3-digit BodyLength, "35=type", the prepared
 * CompIDs, "34=seq" and "52=SendingTime" (and 43=Y + 122=orig_ns when
 * orig_ns is not 0: a PossDup message); put adds fields in the order called;
 * exec_fix_build_end fixes BodyLength (moving the body by a byte when it does
 * not have 3 digits) and appends CheckSum. The message starts at buf[0].
 * Returns the message length, or -ENOSPC (cap too small: buf holds garbage)
 * or -EINVAL (a string with SOH, an empty string for a required field).
 * String values must not contain SOH. put_* never fail by themselves: the
 * first problem is remembered and returned by end.
 */
struct exec_fix_builder {
	struct exec_fix_header *h;
	char *buf;
	char *p;
	char *end;
	int err; /* 0, -ENOSPC or -EINVAL */
};
void exec_fix_build_begin(struct exec_fix_builder *b, struct exec_fix_header *h, char *buf,
			  size_t cap, const char *type, uint64_t seq, uint64_t now_ns,
			  uint64_t orig_ns);
void exec_fix_put_str(struct exec_fix_builder *b, uint32_t tag, const char *s, size_t n);
void exec_fix_put_int(struct exec_fix_builder *b, uint32_t tag, int64_t v);
void exec_fix_put_price(struct exec_fix_builder *b, uint32_t tag, int64_t px);
void exec_fix_put_char(struct exec_fix_builder *b, uint32_t tag, char c);
void exec_fix_put_time(struct exec_fix_builder *b, uint32_t tag, uint64_t ns);
/* Fields already encoded ("tag=value<SOH>..."), copied as they are: a
 * message resent from the journal. */
void exec_fix_put_raw(struct exec_fix_builder *b, const char *fields, size_t n);
int exec_fix_build_end(struct exec_fix_builder *b);

/* The application messages, typed. Strings are views (encoding: the
 * caller's, decoding: into the parsed buffer). FIX codes are kept as FIX
 * characters: Side 54 '1' buy '2' sell; OrdType 40 '2' limit; TimeInForce
 * 59 '0' DAY '3' IOC; ExecType 150 / OrdStatus 39 '0' new '1' partially filled '2'
 * filled '4' canceled '5' replaced '8' rejected 'F' trade. */

/* NewOrderSingle D, OrderCancelRequest F, OrderCancelReplaceRequest G. */
struct exec_fix_order {
	struct exec_fix_str cl_ord_id;      /* 11, required */
	struct exec_fix_str orig_cl_ord_id; /* 41, F and G */
	struct exec_fix_str symbol;         /* 55, required */
	char side;                          /* 54, required */
	char ord_type;                      /* 40, D and G ('2' limit; 0: '2') */
	char tif;                           /* 59, D and G ('0' DAY, '3' IOC; 0: not sent) */
	uint64_t qty;                       /* 38 */
	int64_t px;                         /* 44, D and G (limit) */
	uint64_t transact_time_ns;          /* 60, required */
};

/* OrderMassCancelRequest q (530=7: cancel all orders). */
struct exec_fix_mass_cancel {
	struct exec_fix_str cl_ord_id; /* 11 */
	char request_type;             /* 530 ('7' all orders; 0: '7') */
	uint64_t transact_time_ns;     /* 60 */
};

/* ExecutionReport 8. Absent optional fields decode as 0 / len 0. */
struct exec_fix_exec_report {
	struct exec_fix_str order_id;       /* 37, required */
	struct exec_fix_str exec_id;        /* 17, required */
	struct exec_fix_str cl_ord_id;      /* 11 */
	struct exec_fix_str orig_cl_ord_id; /* 41 (cancel and replace reports) */
	struct exec_fix_str symbol;         /* 55, required */
	struct exec_fix_str text;           /* 58 */
	char exec_type;                     /* 150, required */
	char ord_status;                    /* 39, required */
	char side;                          /* 54, required */
	uint64_t leaves_qty;                /* 151, required */
	uint64_t cum_qty;                   /* 14, required */
	int64_t avg_px;                     /* 6, required (rounded to 1e-4 on decode) */
	uint64_t last_qty;                  /* 32 (fills) */
	int64_t last_px;                    /* 31 (fills) */
	uint64_t order_qty;                 /* 38 */
	int64_t px;                         /* 44 */
	uint64_t transact_time_ns;          /* 60 */
	/* status reports (150=I) answering an OrderMassStatusRequest */
	struct exec_fix_str mass_status_req_id; /* 584; len 0: not such a report */
	int32_t tot_num_reports;            /* 911 (sent with 584) */
	bool last_rpt_requested;            /* 912=Y: the last report of the answer */
};

/* OrderMassStatusRequest AF: the status (an ExecutionReport 150=I) of every
 * open order; the last report has 912=Y, and with no open order there is one
 * report with 911=0 (Symbol "NONE", no ClOrdID). */
struct exec_fix_mass_status {
	struct exec_fix_str req_id; /* 584 MassStatusReqID, required */
	char req_type;              /* 585 ('7' all orders; 0: '7') */
};

/* OrderCancelReject 9. */
struct exec_fix_cancel_reject {
	struct exec_fix_str order_id;       /* 37, required ("NONE" when unknown) */
	struct exec_fix_str cl_ord_id;      /* 11, required */
	struct exec_fix_str orig_cl_ord_id; /* 41, required */
	struct exec_fix_str text;           /* 58 */
	char ord_status;                    /* 39, required */
	char response_to;                   /* 434, required: '1' cancel, '2' replace */
	int32_t reason;                     /* 102 CxlRejReason; -1: not known / not sent */
};

/* OrderMassCancelReport r. */
struct exec_fix_mass_cancel_report {
	struct exec_fix_str order_id;  /* 37, required */
	struct exec_fix_str cl_ord_id; /* 11 */
	struct exec_fix_str text;      /* 58 */
	char request_type;             /* 530, required */
	char response;                 /* 531, required: '0' rejected, '7' all orders cancelled */
	int32_t reject_reason;         /* 532; -1: none */
	int64_t total_affected;        /* 533; -1: not sent */
};

/* Session-level Reject 3. */
struct exec_fix_reject {
	uint64_t ref_seq;       /* 45, required */
	uint32_t ref_tag;       /* 371; 0: not sent */
	char ref_type[3];       /* 372 RefMsgType; "": not sent */
	int32_t reason;         /* 373 SessionRejectReason; -1: not sent */
	struct exec_fix_str text; /* 58 */
};

/*
 * Encoders: one message at buf[0] with MsgSeqNum seq and SendingTime now_ns.
 * Return the length, -ENOSPC or -EINVAL (see the builder). The session's
 * exec_fix_session_send_* call these with the next sequence number; use them
 * directly for tests and tools.
 */
int exec_fix_encode_logon(struct exec_fix_header *h, char *buf, size_t cap, uint64_t seq,
			  uint64_t now_ns, uint32_t heartbeat_s, bool reset_seq);
int exec_fix_encode_heartbeat(struct exec_fix_header *h, char *buf, size_t cap, uint64_t seq,
			      uint64_t now_ns, struct exec_fix_str test_req_id /* len 0: none */);
int exec_fix_encode_test_request(struct exec_fix_header *h, char *buf, size_t cap,
				 uint64_t seq, uint64_t now_ns, struct exec_fix_str test_req_id);
int exec_fix_encode_resend_request(struct exec_fix_header *h, char *buf, size_t cap,
				   uint64_t seq, uint64_t now_ns, uint64_t begin,
				   uint64_t end /* 0: through the latest */);
int exec_fix_encode_reject(struct exec_fix_header *h, char *buf, size_t cap, uint64_t seq,
			   uint64_t now_ns, const struct exec_fix_reject *r);
/* gap_fill: 123=Y and PossDupFlag 43=Y with 122 = SendingTime (the message
 * stands for resent ones); else Reset mode (123=N). */
int exec_fix_encode_sequence_reset(struct exec_fix_header *h, char *buf, size_t cap,
				   uint64_t seq, uint64_t now_ns, uint64_t new_seq, bool gap_fill);
int exec_fix_encode_logout(struct exec_fix_header *h, char *buf, size_t cap, uint64_t seq,
			   uint64_t now_ns, struct exec_fix_str text /* len 0: none */);
int exec_fix_encode_new_order(struct exec_fix_header *h, char *buf, size_t cap, uint64_t seq,
			      uint64_t now_ns, const struct exec_fix_order *o);
int exec_fix_encode_cancel(struct exec_fix_header *h, char *buf, size_t cap, uint64_t seq,
			   uint64_t now_ns, const struct exec_fix_order *o);
int exec_fix_encode_replace(struct exec_fix_header *h, char *buf, size_t cap, uint64_t seq,
			    uint64_t now_ns, const struct exec_fix_order *o);
int exec_fix_encode_mass_cancel(struct exec_fix_header *h, char *buf, size_t cap, uint64_t seq,
				uint64_t now_ns, const struct exec_fix_mass_cancel *q);
int exec_fix_encode_exec_report(struct exec_fix_header *h, char *buf, size_t cap, uint64_t seq,
				uint64_t now_ns, const struct exec_fix_exec_report *r);
int exec_fix_encode_cancel_reject(struct exec_fix_header *h, char *buf, size_t cap,
				  uint64_t seq, uint64_t now_ns,
				  const struct exec_fix_cancel_reject *r);
int exec_fix_encode_mass_cancel_report(struct exec_fix_header *h, char *buf, size_t cap,
				       uint64_t seq, uint64_t now_ns,
				       const struct exec_fix_mass_cancel_report *r);
int exec_fix_encode_mass_status(struct exec_fix_header *h, char *buf, size_t cap, uint64_t seq,
				uint64_t now_ns, const struct exec_fix_mass_status *q);

/*
 * Decoders: the typed view of a parsed message of that MsgType (the caller
 * checks m->type). Return 0 and *ret, or -EBADMSG with *ret_err naming the
 * tag: EXEC_FIX_ERR_MISSING (a required tag absent), _EMPTY, _DATA (not a
 * number / time), _VALUE (out of range, an unknown code). ret_err.seq and
 * .type are the message's, so exec_fix_session_reject can answer it.
 * exec_fix_decode_order reads D, F and G (required tags by m->type).
 */
int exec_fix_decode_order(const struct exec_fix_msg *m, struct exec_fix_order *ret,
			  struct exec_fix_error *ret_err);
/* exec_fix_clord_parse - the gateway's NewOrderSingle ClOrdID
 * "<order_id>-<md seq>" read back (the gateway adopting orders, osprey-venue
 * measuring wire-to-wire): both parts decimal, 1 to 19 digits each, order_id
 * above 0. true with both, or false (another form: a cancel's "<id>-C<n>",
 * another firm's). Reads only p[0..len); pure, any thread. */
bool exec_fix_clord_parse(const char *p, size_t len, uint64_t *ret_id, uint64_t *ret_seq);
int exec_fix_decode_mass_cancel(const struct exec_fix_msg *m, struct exec_fix_mass_cancel *ret,
				struct exec_fix_error *ret_err);
int exec_fix_decode_exec_report(const struct exec_fix_msg *m, struct exec_fix_exec_report *ret,
				struct exec_fix_error *ret_err);
int exec_fix_decode_cancel_reject(const struct exec_fix_msg *m,
				  struct exec_fix_cancel_reject *ret,
				  struct exec_fix_error *ret_err);
int exec_fix_decode_mass_cancel_report(const struct exec_fix_msg *m,
				       struct exec_fix_mass_cancel_report *ret,
				       struct exec_fix_error *ret_err);
int exec_fix_decode_reject(const struct exec_fix_msg *m, struct exec_fix_reject *ret,
			   struct exec_fix_error *ret_err);
int exec_fix_decode_mass_status(const struct exec_fix_msg *m, struct exec_fix_mass_status *ret,
				struct exec_fix_error *ret_err);

/* ========================================================================= */
/* FIX 4.4: the resend journal (exec/src/fix_session.c)
 *
 * The application messages a session sent, kept so that a ResendRequest is
 * answered by sending them again (PossDupFlag=Y, OrigSendingTime = the first
 * SendingTime) rather than by a gap fill: what a venue owes its clients,
 * whose fills must not be lost when a client restarts. Bounded: bytes of
 * message bodies in a ring and the last `messages` sequence numbers in an
 * index; an older message (or an admin one) is gap-filled, and counted
 * (exec_fix_session_stats.app_gap_filled). Owned by the caller, handed to
 * one session (exec_fix_session_config.journal); init and fini on a setup
 * thread, the session's thread in between. The engine's gateway has none: an
 * order sent again later is stale (see "we never resend" below).
 *
 * Durable (exec_fix_journal_load): every message kept is also appended to a
 * record log (core.h) the caller opened, one record each, so a venue killed
 * and started again still answers ResendRequests for what it sent before. A
 * session reset (141=Y) appends a marker: what came before is not resent.
 */
struct exec_fix_journal_ent {
	uint64_t seq;     /* MsgSeqNum (0: empty) */
	uint64_t pos;     /* where its body starts in the ring (a running byte count) */
	uint64_t orig_ns; /* its SendingTime */
	uint32_t len;     /* body bytes: the fields after the header, before CheckSum */
	char type[3];     /* MsgType */
};
struct exec_fix_journal {
	char *buf;
	size_t cap;
	uint64_t head; /* bytes ever written: the ring holds [head - cap, head) */
	struct exec_fix_journal_ent *ents;
	uint32_t nents; /* a power of two: seq & (nents - 1) is the slot */
	int fd;         /* durable: the record log (borrowed); else -1 */
	uint64_t write_errors; /* appends that failed (the message is kept in memory) */
	int last_write_error;  /* -errno of the last */
};
/* exec_fix_journal_init - allocate a ring of bytes (>= 4096) and an index of
 * messages (rounded up to a power of two, >= 64). 0 or -ENOMEM / -EINVAL. */
int exec_fix_journal_init(struct exec_fix_journal *j, size_t bytes, uint32_t messages);
/* exec_fix_journal_fini - free; accepts a zeroed or finished journal. The
 * durable file stays the caller's to close. */
void exec_fix_journal_fini(struct exec_fix_journal *j);
/*
 * exec_fix_journal_load - make an initialised journal durable on fd (open
 * read-write with O_APPEND; the caller keeps it open until fini): the
 * messages fd holds are put back first (the ring keeps the newest, as when
 * they were sent; a reset marker clears what came before), then every
 * message kept is also appended. *ret_loaded = the messages fd held, markers
 * aside (a venue's count of what it had sent); *ret_cut = bytes of a short
 * or damaged tail cut off the file (a crash of the machine mid-write; 0
 * normally: the caller reports it). 0 or -errno (read, ftruncate).
 */
int exec_fix_journal_load(struct exec_fix_journal *j, int fd, uint64_t *ret_loaded,
			  uint64_t *ret_cut);

/* ========================================================================= */
/* FIX 4.4: the sequence-number store (exec/src/fix_session.c)
 *
 * The two numbers a FIX session must keep across a restart, in one page of a
 * memory-mapped file: the next MsgSeqNum we send and the next one we expect.
 * The session updates them with plain stores as it sends and receives; the
 * kernel writes the page back, so they survive the process being killed
 * (SIGKILL included) without a syscall on the hot path. They do not survive
 * the machine losing power before writeback (exec_fix_store_close msyncs).
 * A sequence number is stored as used when the message is written into the
 * session's out buffer: a message lost in a kill before reaching the socket
 * shows up at the peer as a gap, which the resend protocol fills.
 *
 * Caller-owned struct; open and close on a setup thread, the session's
 * thread uses it in between.
 */
struct exec_fix_seqs {
	uint64_t magic;    /* "OSPRYFX1" */
	uint64_t next_out; /* MsgSeqNum of the next message we send (>= 1) */
	uint64_t next_in;  /* MsgSeqNum we expect next from the peer (>= 1) */
	char sender[EXEC_FIX_MAX_COMPID + 1]; /* the session the numbers belong to */
	char target[EXEC_FIX_MAX_COMPID + 1];
};

struct exec_fix_store {
	struct exec_fix_seqs *seqs; /* the mapped page, or &mem */
	struct exec_fix_seqs mem;   /* without a file */
	int fd;                     /* -1: no file */
	size_t map_len;
};

/*
 * exec_fix_store_open - map path (created with next_out = next_in = 1 if new
 * or empty), or keep the numbers in memory only when path is NULL.
 * Returns 0, -errno of open/ftruncate/mmap ("PATH: what" in err), or
 * -EBADMSG for a file that is not a store.
 */
int exec_fix_store_open(struct exec_fix_store *st, const char *path, char *err, size_t errlen);
/* exec_fix_store_close - msync, unmap, close. 0 or the first -errno. Accepts
 * a store that was never opened (zeroed) or already closed. */
int exec_fix_store_close(struct exec_fix_store *st);

/* ========================================================================= */
/* FIX 4.4: the session (exec/src/fix_session.c)
 *
 * One FIX session, either side, with no socket inside: the owner hands it the
 * bytes it received and writes out the bytes it is given, so the engine's
 * gateway and osprey-venue can put it on any socket (or none, in tests).
 * Caller-owned memory (struct exec_fix_session below: its fields are private,
 * read them through the functions); nothing allocates after init. One
 * thread drives a session (the owner's); every call takes now_ns, the wall
 * clock in ns since the Unix epoch (UTC), used for SendingTime and the
 * timers (core_now_ns() plus an offset read once at start serves).
 *
 * The owner's loop:
 *   exec_fix_session_start (after connect or accept)
 *   loop:
 *     n = read(fd, rx + have, ...)             (the owner's receive buffer)
 *     off = 0
 *     while ((r = exec_fix_session_input(s, rx + off, have - off, now, &msg, &used)),
 *            off += used, r != EXEC_FIX_PARTIAL):
 *         r == EXEC_FIX_MSG: an application message (or a peer's Reject) in
 *                            msg, a view into rx: handle it before moving rx
 *         r == EXEC_FIX_CLOSED: write what is pending, close the socket,
 *                            exec_fix_session_disconnected
 *         r < 0: a failure (the out buffer full): close as above
 *     keep rx[off, have) for the next read
 *     exec_fix_session_tick(s, now) now and then (heartbeats, timeouts)
 *     orders: exec_fix_session_send_new_order(...) etc.
 *     n = exec_fix_session_pending(s, &p): write(fd, p, n), then
 *         exec_fix_session_sent(s, written)
 *
 * What the session does by itself (FIX 4.4 session rules):
 * - Logon: the initiator sends A (98=0, 108=HeartBtInt, 141=Y when
 *   reset_on_logon: both numbers go back to 1 first). The acceptor checks the
 *   first message is a Logon for its CompIDs (49 = its target, 56 = its
 *   sender; else Logout with the reason, and CLOSED), takes the peer's
 *   HeartBtInt, honours 141=Y (both numbers back to 1) and answers A (with
 *   141=Y when asked). A first message that is not a Logon closes the
 *   session without an answer.
 * - Heartbeats: a Heartbeat after heartbeat_s without sending; after 1.2 x
 *   HeartBtInt without receiving, a TestRequest; after 2.4 x HeartBtInt
 *   without receiving, CLOSED ("timed out"). A TestRequest is answered with
 *   a Heartbeat echoing 112.
 * - MsgSeqNum: equal to the expected one: processed. Lower without
 *   PossDupFlag: Logout "MsgSeqNum too low, expecting X but received Y",
 *   CLOSED. Lower with PossDupFlag=Y: ignored (a Reject when OrigSendingTime
 *   is missing, 1; or later than SendingTime, 10, then Logout). Higher: a
 *   ResendRequest from the expected number through the latest (16=0) and the
 *   message is dropped: nothing is queued, the peer resends it; while that
 *   resend is in progress, later too-high messages are dropped without a new
 *   request. Resent messages (PossDupFlag=Y) and gap fills are processed as
 *   they come; an application message resent this way reaches the owner with
 *   msg.poss_dup set.
 * - An incoming ResendRequest (7 BeginSeqNo, 16 EndSeqNo, 0 = through the
 *   latest), with a journal (the venue's side): every application message of
 *   the range the journal still holds is sent again with its own MsgSeqNum,
 *   PossDupFlag=Y and OrigSendingTime; each run of the others (admin
 *   messages, ones the journal no longer holds) becomes one
 *   SequenceReset-GapFill. A resend larger than the out buffer goes on as the
 *   buffer empties (exec_fix_session_tick, the send calls); meanwhile new
 *   application messages are EXEC_FIX_BUSY and no Heartbeat is sent, so the
 *   peer sees the numbers in order.
 * - Without a journal (the engine's side), a ResendRequest is answered with
 *   one SequenceReset-GapFill (34 = BeginSeqNo, 43=Y,
 *   122, 123=Y, 36 = the number after the range). We never resend: an order
 *   sent again seconds later is a stale order the venue would act on; the
 *   order manager reconciles instead (its open orders against the venue's
 *   reports). So an application message of ours inside the range never
 *   reaches the peer (a peer that queued a too-high order drops it when the
 *   gap fill passes it): the session counts them (stats.app_gap_filled,
 *   known for the last 4096 numbers this process sent) and names the range in
 *   exec_fix_session_reason; the owner treats orders sent with those numbers
 *   as not delivered (exec_fix_session_next_out before a send is its number).
 * - SequenceReset: GapFill (123=Y) obeys the MsgSeqNum rules and moves the
 *   expected number to NewSeqNo; Reset mode ignores MsgSeqNum and moves it
 *   forward. A NewSeqNo that would move it back: Reject 5 (tag 36).
 * - Session-level Reject 3 (45 RefSeqNum, 371 RefTagID, 372 RefMsgType, 373
 *   SessionRejectReason, 58) for a message whose frame is intact but whose
 *   content is not (a field that is not tag=value, a missing 49/56/52, a
 *   missing TestReqID...); it consumes its MsgSeqNum. A garbled frame (bad
 *   BodyLength or CheckSum) is ignored and counted, as the rules say; the gap
 *   it leaves brings the resend. CompIDs that do not match on a message:
 *   Reject 9, Logout, CLOSED. A BeginString other than FIX.4.4: Logout,
 *   CLOSED. A MsgSeqNum missing or not a number: Logout, CLOSED.
 * - Logout: exec_fix_session_logout sends 5 (58 = the reason) and waits
 *   logout_timeout_ms for the peer's 5, then CLOSED; a Logout from the peer
 *   is answered with one, then CLOSED.
 * Every such event is counted (struct exec_fix_session_stats) and the last
 * one is described in one line (exec_fix_session_reason): libraries do not
 * log, the owner does.
 */
enum exec_fix_state {
	EXEC_FIX_DOWN = 0,        /* no connection */
	EXEC_FIX_LOGON_SENT = 1,  /* initiator: Logon sent, waiting for the answer */
	EXEC_FIX_AWAIT_LOGON = 2, /* acceptor: connected, waiting for the Logon */
	EXEC_FIX_ACTIVE = 3,      /* logged on: application messages flow */
	EXEC_FIX_LOGOUT_SENT = 4, /* our Logout sent, waiting for the peer's */
	EXEC_FIX_CLOSING = 5,     /* over: flush the out buffer and close the socket */
};

struct exec_fix_session_config {
	const char *sender;        /* our CompID (49 on what we send); required */
	const char *target;        /* the peer's (56 on what we send); required */
	bool initiator;            /* true: we send the Logon (the engine's gateway) */
	uint32_t heartbeat_s;      /* initiator: HeartBtInt we ask for (0: 30);
	                              acceptor: ignored, the peer's is used */
	bool reset_on_logon;       /* initiator: 141=Y in our Logon */
	uint32_t logon_timeout_ms; /* no Logon answer / no Logon within it: CLOSED (0: 10000) */
	uint32_t logout_timeout_ms; /* wait for the peer's Logout (0: 2000) */
	struct exec_fix_store *store; /* open store, borrowed (must outlive the session);
	                                 NULL: numbers in the session, lost at exit */
	struct exec_fix_journal *journal; /* borrowed: ResendRequests are answered from it;
	                                     NULL: by gap fills only */
};

struct exec_fix_session_stats {
	uint64_t msgs_in;          /* messages parsed (garbled ones excluded) */
	uint64_t msgs_out;         /* messages written to the out buffer */
	uint64_t app_in;           /* handed to the owner (EXEC_FIX_MSG) */
	uint64_t app_out;          /* application messages sent */
	uint64_t garbled;          /* frames ignored: BeginString, BodyLength, CheckSum */
	uint64_t rejects_sent;     /* session-level Rejects we sent */
	uint64_t rejects_received; /* the peer's (also handed to the owner) */
	uint64_t resend_requests_sent;
	uint64_t resend_requests_received;
	uint64_t gap_fills_sent;
	uint64_t app_resent;       /* application messages sent again from the journal */
	uint64_t app_gap_filled;   /* our application messages inside ranges we gap-filled:
	                              the peer will never see them (reconcile those orders) */
	uint64_t gap_fills_received;
	uint64_t seq_resets_received; /* Reset mode */
	uint64_t seq_too_high;     /* messages dropped for a gap */
	uint64_t seq_too_low;      /* without PossDupFlag: the session was closed */
	uint64_t poss_dup_ignored; /* too low with PossDupFlag: ignored */
	uint64_t heartbeats_sent;
	uint64_t test_requests_sent;
	uint64_t timeouts;         /* logon, heartbeat or logout timeouts */
	uint64_t logons;           /* sessions established */
	uint64_t out_busy;         /* sends refused: out buffer full */
};

#define EXEC_FIX_OUT_CAP (64 * 1024) /* bytes the out buffer holds */

struct exec_fix_session {
	/* private */
	struct exec_fix_header hdr;
	struct exec_fix_store mem_store;
	struct exec_fix_seqs *seqs;
	bool initiator, reset_on_logon, reset_sent, test_pending, resend_pending;
	enum exec_fix_state state;
	uint32_t heartbeat_s;
	uint64_t hb_ns, logon_timeout_ns, logout_timeout_ns;
	uint64_t last_sent_ns, last_recv_ns, state_ns;
	uint64_t resend_end;   /* the highest MsgSeqNum seen during a gap */
	struct exec_fix_journal *journal;
	uint64_t rs_next, rs_end; /* a resend from the journal in progress: [rs_next, rs_end) */
	uint64_t app_bits[64]; /* MsgSeqNum % 4096 of what we sent: 1 = application message */
	uint32_t test_req_n;
	struct exec_fix_session_stats stats;
	char reason[192];
	uint32_t out_off, out_len;
	char out[EXEC_FIX_OUT_CAP];
};

/* exec_fix_session_init - set up s (state DOWN). Setup thread. 0, or
 * -EINVAL (bad CompIDs; a store that belongs to another pair of CompIDs; err
 * says which). */
int exec_fix_session_init(struct exec_fix_session *s, const struct exec_fix_session_config *cfg,
			  char *err, size_t errlen);

/*
 * exec_fix_session_start - a connection is up: the initiator writes its
 * Logon (LOGON_SENT), the acceptor waits for one (AWAIT_LOGON). The out
 * buffer starts empty. 0, or -EALREADY when not DOWN, or -ENOBUFS.
 */
int exec_fix_session_start(struct exec_fix_session *s, uint64_t now_ns);

/*
 * exec_fix_session_input - consume at most one message from buf (len bytes:
 * the unconsumed part of the owner's receive buffer). *ret_used: how many
 * bytes were consumed (0 with EXEC_FIX_PARTIAL). Returns
 *   0                   a session message was handled, or garbled bytes were
 *                       skipped (counted; exec_fix_session_reason says what);
 *                       call again
 *   EXEC_FIX_MSG        *ret is an application message for the owner (any
 *                       MsgType not 0-5 or A), or a session-level Reject from
 *                       the peer (35=3, about one of our messages); its views
 *                       point into buf: use them before the bytes move
 *   EXEC_FIX_PARTIAL    buf holds no complete message; read more
 *   EXEC_FIX_CLOSED     the session is over (state CLOSING; reason says why):
 *                       write what is pending, then close the socket
 *   -ENOBUFS            the out buffer could not take an answer: close
 * Answers (Heartbeats, Rejects, gap fills, ResendRequests, Logon, Logout) go
 * to the out buffer. Bytes in a state that takes none (DOWN, CLOSING) are
 * consumed and ignored.
 */
int exec_fix_session_input(struct exec_fix_session *s, const char *buf, size_t len,
			   uint64_t now_ns, struct exec_fix_msg *ret, size_t *ret_used);

/*
 * exec_fix_session_tick - timers: Heartbeat, TestRequest, and the logon,
 * heartbeat and logout timeouts. Call at least every few hundred ms.
 * Returns 0, EXEC_FIX_CLOSED (a timeout: flush and close) or -ENOBUFS.
 */
int exec_fix_session_tick(struct exec_fix_session *s, uint64_t now_ns);

/* exec_fix_session_logout - send Logout (text may be NULL) and wait for the
 * peer's (LOGOUT_SENT). 0, -ENOTCONN when not ACTIVE, or -ENOBUFS. */
int exec_fix_session_logout(struct exec_fix_session *s, uint64_t now_ns, const char *text);

/* exec_fix_session_disconnected - the socket is closed: state DOWN, the out
 * buffer emptied, the sequence numbers kept. Never fails. */
void exec_fix_session_disconnected(struct exec_fix_session *s);

/*
 * exec_fix_session_reject - answer a message the owner could not use (e.g.
 * exec_fix_decode_* failed on it) with a session-level Reject built from
 * *e (RefSeqNum e->seq, RefTagID e->tag, RefMsgType e->type, the reason
 * from exec_fix_reject_reason, the text from exec_fix_error_format).
 * 0, -ENOTCONN (not ACTIVE) or EXEC_FIX_BUSY.
 */
int exec_fix_session_reject(struct exec_fix_session *s, uint64_t now_ns,
			    const struct exec_fix_error *e);

/*
 * Application messages, with the next MsgSeqNum. Returns 0 (in the out
 * buffer, the number used and stored), EXEC_FIX_BUSY (the out buffer is full:
 * nothing written, no number used; write it out and offer the message
 * again), -ENOTCONN (not ACTIVE: nothing written) or -EINVAL (a field the
 * encoder refuses). Hot path: no allocation, no syscall.
 */
int exec_fix_session_send_new_order(struct exec_fix_session *s, uint64_t now_ns,
				    const struct exec_fix_order *o);
int exec_fix_session_send_cancel(struct exec_fix_session *s, uint64_t now_ns,
				 const struct exec_fix_order *o);
int exec_fix_session_send_replace(struct exec_fix_session *s, uint64_t now_ns,
				  const struct exec_fix_order *o);
int exec_fix_session_send_mass_cancel(struct exec_fix_session *s, uint64_t now_ns,
				      const struct exec_fix_mass_cancel *q);
int exec_fix_session_send_exec_report(struct exec_fix_session *s, uint64_t now_ns,
				      const struct exec_fix_exec_report *r);
int exec_fix_session_send_cancel_reject(struct exec_fix_session *s, uint64_t now_ns,
					const struct exec_fix_cancel_reject *r);
int exec_fix_session_send_mass_cancel_report(struct exec_fix_session *s, uint64_t now_ns,
					     const struct exec_fix_mass_cancel_report *r);
int exec_fix_session_send_mass_status(struct exec_fix_session *s, uint64_t now_ns,
				      const struct exec_fix_mass_status *q);

/* exec_fix_session_awaiting_resend - we asked the peer to resend (a gap) and
 * it has not filled the gap yet. */
bool exec_fix_session_awaiting_resend(const struct exec_fix_session *s);

/* exec_fix_session_pending - the bytes waiting to be written: *ret and the
 * count (0: nothing). Valid until the next call on s. */
size_t exec_fix_session_pending(const struct exec_fix_session *s, const char **ret);
/* exec_fix_session_sent - n of those bytes were written (n <= pending). */
void exec_fix_session_sent(struct exec_fix_session *s, size_t n);

enum exec_fix_state exec_fix_session_state(const struct exec_fix_session *s);
/* The next MsgSeqNum we send / we expect. */
uint64_t exec_fix_session_next_out(const struct exec_fix_session *s);
uint64_t exec_fix_session_next_in(const struct exec_fix_session *s);
/* exec_fix_session_set_next_out / _in - move a number (a manual recovery, a
 * test forcing a gap). 0, or -EINVAL for 0. */
int exec_fix_session_set_next_out(struct exec_fix_session *s, uint64_t seq);
int exec_fix_session_set_next_in(struct exec_fix_session *s, uint64_t seq);
/* The peer's HeartBtInt in effect (s). */
uint32_t exec_fix_session_heartbeat_s(const struct exec_fix_session *s);
const struct exec_fix_session_stats *exec_fix_session_stats(const struct exec_fix_session *s);
/* The last notable event or the reason the session closed, one line; "" if
 * none. Valid until the next call on s. */
const char *exec_fix_session_reason(const struct exec_fix_session *s);

/* ========================================================================= */
/* FIX 4.4: the order gateway (exec/src/gw_fix.c)
 *
 * An exec_venue that sends the order manager's orders to a FIX 4.4 acceptor
 * (any: osprey-venue, QuickFIX, a broker) over one TCP connection, with the
 * session above as initiator. It starts down; it connects on the first poll,
 * logs on, and is EXEC_SESSION_UP while the session is ACTIVE (risk sends
 * nothing new before). A lost connection is retried every reconnect_ns; the
 * stored sequence numbers continue the session (resend and gap fill per the
 * session rules); open orders stay open until the venue's reports end them.
 *
 *   ORDER_NEW         NewOrderSingle D: ClOrdID "<order_id>-<md seq>" (the
 *                     triggering event, for wire-to-wire), 55 = the symbol the
 *                     md stream gave the locate (an ITCH 'R' event; an order
 *                     for an instrument never named is rejected here,
 *                     EXEC_REASON_INVALID), limit, 59 DAY or IOC
 *                     (exec_fix_clord_parse reads it back, at either end)
 *   ORDER_CANCEL      OrderCancelRequest F: ClOrdID "<order_id>-C<n>",
 *                     OrigClOrdID the order's (a cancel for an order already
 *                     ended here is dropped: cancel_too_late)
 *   ORDER_CANCEL_ALL  OrderMassCancelRequest q, 530=7 (every order)
 *   ORDER_EOS         drain: once no order is open, or drain_ns later, Logout;
 *                     then EXEC_SESSION_DONE
 * ExecutionReports map to reports: 150=0 EXEC_ACK, F (and 4.2's 1/2)
 * EXEC_FILL (32/31: qty and price of this fill), 4 or C EXEC_CANCELED (the
 * reason from what we asked: cancel-all, cancel, IOC), 8 EXEC_REJECTED; the
 * order is found by OrigClOrdID when present, else ClOrdID. A report that
 * does not decode is answered with a session Reject and counted; others (5
 * replaced, D restated, ...) are counted. OrderCancelReject 9 is counted: the
 * order keeps the state its own reports give it.
 *
 * Send path: one send(2) per order (tick-to-wire ends when it returns); the
 * socket is read at most every recv_every_ns while idle (a syscall costs
 * about a microsecond on these machines; reports are not on the
 * tick-to-order path). Times on the wire are the wall clock.
 *
 * Every report carries exec_report.venue_seq, the MsgSeqNum of the message it
 * came from (a resent one keeps its own number).
 *
 * Recovery (cfg.recover: a restart on a database). The gateway starts with
 * the orders open at the stop (cfg.restore) and expects the venue's messages
 * from cfg.seq, the one after the last report the database kept, or the
 * sequence store's number if that is lower (a report read but not stored
 * before a SIGKILL is asked for again). It is EXEC_SESSION_CONNECTING, and
 * sends nothing of the order manager's, until it has reconciled:
 *   1. Logon; the venue's number is above the one expected, so a
 *      ResendRequest; the venue resends its reports (osprey-venue from its
 *      journal, PossDupFlag=Y) and they are applied as they come (fills
 *      counted in recovery.replay_fills). An ExecutionReport New for an
 *      order of ours ("<order_id>-<md seq>") not held here is adopted, as
 *      the OUCH gateway does: EXEC_ACK with EXEC_REASON_ADOPTED and the
 *      order's md seq (waiting up to 2 s for the md stream to name its
 *      symbol, reading nothing meanwhile).
 *   2. Once the resend is in: OrderMassStatusRequest AF (584 = "S<n>", 585=7);
 *      the venue answers with an ExecutionReport 150=I per open order (912=Y
 *      on the last). An order open there and not here is adopted; one open
 *      here but not there ended without our hearing it, or never arrived.
 *      No complete answer within status_timeout_ns (or a Reject / a
 *      BusinessMessageReject of the AF): reconcile without one
 *      (status_timeouts), taking the accepted orders as open. The whole
 *      replay, resend and answer, is bounded too: replay_timeout_ns after
 *      the logon it reconciles with what came (replay_timeouts; the reason
 *      says what it was still waiting for), rather than stay HALTED; what
 *      the venue resends later is applied as it comes.
 *   3. Reconcile: an order open here that the venue does not hold open is
 *      closed with EXEC_REASON_RECOVERY (EXEC_REJECTED if never accepted,
 *      else EXEC_CANCELED); every order open at the venue, restored or
 *      adopted, gets an OrderCancelRequest; recovery.differences = adopted +
 *      closed here + unresolved (an adoption that failed, or fills the
 *      venue reports that were never reported here). Then
 *      EXEC_SESSION_UP; the engine resumes by itself only without
 *      differences ([engine] auto_resume).
 * An adoption after the recovery (a late New for an order of ours) is
 * cancelled at once.
 *
 * Threads: create/destroy on a setup thread; the ops and exec_fix_gw_stats
 * on the stage's thread (or after it has stopped).
 */
struct exec_fix_gw_config {
	const char *connect;    /* the acceptor's "A.B.C.D:PORT"; required */
	const char *sender;     /* SenderCompID (49); required */
	const char *target;     /* TargetCompID (56); required */
	uint32_t heartbeat_s;   /* HeartBtInt (0: 30) */
	bool reset_on_logon;    /* 141=Y: both numbers back to 1 at logon */
	const char *store_path; /* sequence-number store; NULL: in memory only */
	uint64_t drain_ns;      /* after ORDER_EOS (0: 2 s) */
	uint64_t reconnect_ns;  /* between connection attempts (0: 1 s) */
	uint64_t recv_every_ns; /* socket reads while idle (0: 10 us) */
	unsigned max_orders;    /* open orders tracked (0: 4096) */
	/* recovery (see "Recovery" above) */
	bool recover;           /* resume a stored session: reconcile before trading */
	uint64_t seq;           /* the first venue message the store lacks (its last
	                         * stored report's MsgSeqNum + 1); 0: the sequence store's */
	const struct exec_open_order *restore; /* copied at create; NULL with nrestore 0 */
	unsigned nrestore;                     /* at most max_orders */
	uint64_t status_timeout_ns; /* wait for the status answer (0: 2 s) */
	uint64_t replay_timeout_ns; /* the whole replay after a logon (0: 10 s) */
};

struct exec_fix_gw_stats {
	enum exec_fix_state state;
	uint64_t connects, disconnects;
	uint64_t sent; /* D, F and q sent */
	uint64_t open_orders;
	uint64_t bad_reports;     /* ExecutionReports that did not decode (Rejected) */
	uint64_t other_reports;   /* application messages with nothing for the order manager */
	uint64_t unknown_reports; /* reports for orders this gateway does not know */
	uint64_t cancel_rejects, mass_cancel_reports, rejects_received;
	uint64_t no_symbol;      /* orders for an instrument never named */
	uint64_t drain_timeouts; /* logged out at ORDER_EOS with orders still open */
	uint64_t bytes_in, bytes_out;
	/* send(2) calls and their own duration: the floor under tick-to-wire (on
	 * loopback it includes waking a peer that sleeps in the kernel) */
	int64_t send_count, send_p50_ns, send_p99_ns;
	uint64_t adopted;         /* orders of ours the venue had and we had not */
	uint64_t status_reports;  /* ExecutionReports 150=I read */
	uint64_t status_timeouts; /* no (complete) answer to OrderMassStatusRequest in time */
	uint64_t replay_timeouts; /* replays cut short after replay_timeout_ns */
	struct exec_recovery_stats recovery;
	struct exec_fix_session_stats session;
	char reason[200]; /* the last notable event, or the connection's last failure */
};

struct exec_fix_gw;

/* exec_fix_gw_create - validate cfg, open the store, allocate (setup; one
 * core_layout block). No connection yet. 0, -EINVAL (err names the field),
 * -ENOMEM, or the store's -errno. */
int exec_fix_gw_create(const struct exec_fix_gw_config *cfg, struct exec_fix_gw **ret, char *err,
                       size_t errlen);
/* exec_fix_gw_destroy - close the socket and the store, free; accepts NULL. */
struct exec_fix_gw *exec_fix_gw_destroy(struct exec_fix_gw *g);
/* exec_fix_gw_venue - the handle for exec_config.venue. Never fails. */
struct exec_venue exec_fix_gw_venue(struct exec_fix_gw *g);
void exec_fix_gw_stats(const struct exec_fix_gw *g, struct exec_fix_gw_stats *ret);

/* ------------------------------------------------------------------------- */
/* OUCH 4.2: the order-entry messages, encoded and decoded.
 *
 * NASDAQ's order-entry protocol (O*U*C*H 4.2), which rides in SoupBinTCP
 * (core.h): the client sends each inbound message as one Unsequenced Data
 * packet (core_soup_client_send), the venue answers with outbound messages
 * in Sequenced Data (replayed from the requested number after a re-login).
 * The layouts below were taken from the field lists of the Open Markets
 * Initiative's Nasdaq OUCH 4.2 Wireshark dissector and Wireshark's own
 * packet-ouch.c, and checked against Debian's tshark 4.0 decoding our bytes
 * (tests/exec/test_ouch_tshark.c).
 *
 * Every message is fixed-length, starting with its type byte; numbers are
 * big-endian unsigned binary. Field types:
 *   alpha  ASCII, left-justified, padded on the right with spaces: token
 *          (14), stock (8), firm (4). Structs keep them as the wire bytes (no
 *          NUL): fill with exec_ouch_alpha_set, measure with
 *          exec_ouch_alpha_len;
 *   code   one ASCII byte (display, capacity, reasons, liquidity flag, ...);
 *   price  u32 with 4 implied decimals (1e-4 units, as ITCH Price(4));
 *   ts     u64 nanoseconds since midnight;
 *   other numbers u32 (shares, TIF, quantities) or u64 (order reference
 *          number, match number).
 *
 * Valid bytes, the same for encoder and decoder (so everything encoded
 * decodes, and everything decoded re-encodes to the same bytes): every alpha
 * and code byte is printable ASCII (0x20..0x7e); the side is 'B' buy, 'S'
 * sell, 'T' sell short or 'E' sell short exempt; the order state is 'L' live
 * or 'D' dead; the system event code 'S' start of day or 'E' end of day.
 * Other code bytes are not held to a list (venues add values); the values
 * the specification names:
 *   display     A attributable, Y anonymous (price to comply), N non-display,
 *               P post-only, I imbalance-only, M mid-point peg, W mid-point
 *               peg post-only, L post-only attributable, O / T retail order
 *               type 1 / 2, Q retail price improvement
 *   capacity    A agency, P principal, R riskless, O other
 *   iso         Y eligible, N not eligible (intermarket sweep)
 *   cross_type  N none, O opening, C closing, H halt/IPO, S supplemental,
 *               R retail, I intraday
 *   customer_type  R retail designated, N not, ' ' the port's default
 *   bbo_weight  '0'..'3', ' ' unspecified, S sets the QBBO, N improves the NBBO
 *   TIF         seconds; 0 immediate or cancel, 99998 market hours, 99999
 *               system hours
 *
 * Inbound (client -> venue), offsets from the type byte:
 *   'O' Enter Order (49): 1 token, 15 side, 16 shares, 20 stock, 28 price,
 *        32 TIF, 36 firm, 40 display, 41 capacity, 42 iso, 43 min qty,
 *        47 cross type, 48 customer type
 *   'U' Replace Order (47): 1 existing token, 15 replacement token,
 *        29 shares, 33 price, 37 TIF, 41 display, 42 iso, 43 min qty
 *   'X' Cancel Order (19): 1 token, 15 shares (the size to leave; 0 cancels all)
 *   'M' Modify Order (20): 1 token, 15 side, 16 shares
 *   'N' Trade Now (15): 1 token
 * Outbound (venue -> client); every one has ts at 1 and (but S) the token at 9:
 *   'S' System Event (10): 9 event code
 *   'A' Accepted (66): 23 side, 24 shares, 28 stock, 36 price, 40 TIF,
 *        44 firm, 48 display, 49 order ref, 57 capacity, 58 iso, 59 min qty,
 *        63 cross type, 64 order state, 65 BBO weight
 *   'U' Replaced (80): as Accepted with the replacement token at 9, then
 *        65 previous token, 79 BBO weight
 *   'C' Canceled (28): 23 decrement shares, 27 reason
 *   'D' AIQ Canceled (37): 23 decrement shares, 27 reason, 28 quantity
 *        prevented from trading, 32 execution price, 36 liquidity flag
 *   'E' Executed (40): 23 shares, 27 price, 31 liquidity flag, 32 match
 *   'B' Broken Trade (32): 23 match, 31 reason
 *   'G' Executed with Reference Price (45): as Executed, then 40 reference
 *        price, 44 reference price type
 *   'F' Trade Correction (41): as Executed, then 40 reason
 *   'J' Rejected (24): 23 reason
 *   'P' Cancel Pending (23), 'I' Cancel Reject (23): nothing more
 *   'T' Order Priority Update (36): 23 price, 27 display, 28 order ref
 *   'M' Order Modified (28): 23 side, 24 shares
 * 'U' and 'M' mean different messages in each direction, so the decoder is
 * told the direction.
 *
 * Memory: encoders write into the caller's buffer, the decoder reads the
 * caller's buffer (nothing past len) and fills the caller's struct; nothing
 * allocates, nothing is kept. Any thread.
 */
#define EXEC_OUCH_MAX_LEN 80 /* the longest message (Replaced) */

enum exec_ouch_dir {
	EXEC_OUCH_INBOUND = 1,  /* client -> venue */
	EXEC_OUCH_OUTBOUND = 2, /* venue -> client */
};

/* Message kinds: exec_ouch_decode's positive result, exec_ouch_msg.kind. */
enum exec_ouch_kind {
	/* inbound */
	EXEC_OUCH_ENTER = 1,         /* 'O' 49 */
	EXEC_OUCH_REPLACE = 2,       /* 'U' 47 */
	EXEC_OUCH_CANCEL = 3,        /* 'X' 19 */
	EXEC_OUCH_MODIFY = 4,        /* 'M' 20 */
	EXEC_OUCH_TRADE_NOW = 5,     /* 'N' 15 */
	/* outbound */
	EXEC_OUCH_SYSTEM_EVENT = 6,  /* 'S' 10 */
	EXEC_OUCH_ACCEPTED = 7,      /* 'A' 66 */
	EXEC_OUCH_REPLACED = 8,      /* 'U' 80 */
	EXEC_OUCH_CANCELED = 9,      /* 'C' 28 */
	EXEC_OUCH_AIQ_CANCELED = 10, /* 'D' 37 */
	EXEC_OUCH_EXECUTED = 11,     /* 'E' 40 */
	EXEC_OUCH_BROKEN = 12,       /* 'B' 32 */
	EXEC_OUCH_EXECUTED_REF = 13, /* 'G' 45 */
	EXEC_OUCH_CORRECTION = 14,   /* 'F' 41 */
	EXEC_OUCH_REJECTED = 15,     /* 'J' 24 */
	EXEC_OUCH_CANCEL_PENDING = 16, /* 'P' 23 */
	EXEC_OUCH_CANCEL_REJECT = 17,  /* 'I' 23 */
	EXEC_OUCH_PRIORITY = 18,     /* 'T' 36 */
	EXEC_OUCH_MODIFIED = 19,     /* 'M' 28 */
	EXEC_OUCH_KINDS = 20         /* one past the last kind */
};

struct exec_ouch_enter {
	char token[14], stock[8], firm[4];
	uint32_t shares, price, tif, min_qty;
	uint8_t side, display, capacity, iso, cross_type, customer_type;
};
struct exec_ouch_replace {
	char existing[14], replacement[14];
	uint32_t shares, price, tif, min_qty;
	uint8_t display, iso;
};
struct exec_ouch_cancel {
	char token[14];
	uint32_t shares; /* what is left of the order after the cancel: 0 cancels it all */
};
struct exec_ouch_modify {
	char token[14];
	uint32_t shares;
	uint8_t side;
};
struct exec_ouch_trade_now {
	char token[14];
};
struct exec_ouch_system_event {
	uint64_t ts_ns;
	uint8_t event;
};
struct exec_ouch_accepted {
	uint64_t ts_ns, order_ref;
	char token[14], stock[8], firm[4];
	uint32_t shares, price, tif, min_qty;
	uint8_t side, display, capacity, iso, cross_type, state, bbo_weight;
};
struct exec_ouch_replaced {
	uint64_t ts_ns, order_ref;
	char token[14];    /* the replacement (new) order's token */
	char previous[14]; /* the replaced order's token */
	char stock[8], firm[4];
	uint32_t shares, price, tif, min_qty;
	uint8_t side, display, capacity, iso, cross_type, state, bbo_weight;
};
struct exec_ouch_canceled {
	uint64_t ts_ns;
	char token[14];
	uint32_t decrement; /* shares just taken off the order (not cumulative) */
	uint8_t reason;
};
struct exec_ouch_aiq_canceled {
	uint64_t ts_ns;
	char token[14];
	uint32_t decrement, prevented, price; /* prevented from trading; its execution price */
	uint8_t reason, liquidity;
};
struct exec_ouch_executed {
	uint64_t ts_ns, match;
	char token[14];
	uint32_t shares, price;
	uint8_t liquidity;
};
struct exec_ouch_broken {
	uint64_t ts_ns, match;
	char token[14];
	uint8_t reason;
};
struct exec_ouch_executed_ref {
	uint64_t ts_ns, match;
	char token[14];
	uint32_t shares, price, ref_price;
	uint8_t liquidity, ref_type;
};
struct exec_ouch_correction {
	uint64_t ts_ns, match;
	char token[14];
	uint32_t shares, price; /* the corrected execution */
	uint8_t liquidity, reason;
};
struct exec_ouch_rejected {
	uint64_t ts_ns;
	char token[14];
	uint8_t reason;
};
struct exec_ouch_cancel_pending {
	uint64_t ts_ns;
	char token[14];
};
struct exec_ouch_cancel_reject {
	uint64_t ts_ns;
	char token[14];
};
struct exec_ouch_priority {
	uint64_t ts_ns, order_ref;
	char token[14];
	uint32_t price;
	uint8_t display;
};
struct exec_ouch_modified {
	uint64_t ts_ns;
	char token[14];
	uint32_t shares;
	uint8_t side;
};

/* Any message: kind says which member is valid. */
struct exec_ouch_msg {
	uint8_t kind; /* enum exec_ouch_kind */
	uint8_t type; /* the type byte on the wire */
	uint8_t len;  /* the length on the wire */
	union {
		struct exec_ouch_enter enter;
		struct exec_ouch_replace replace;
		struct exec_ouch_cancel cancel;
		struct exec_ouch_modify modify;
		struct exec_ouch_trade_now trade_now;
		struct exec_ouch_system_event system_event;
		struct exec_ouch_accepted accepted;
		struct exec_ouch_replaced replaced;
		struct exec_ouch_canceled canceled;
		struct exec_ouch_aiq_canceled aiq_canceled;
		struct exec_ouch_executed executed;
		struct exec_ouch_broken broken;
		struct exec_ouch_executed_ref executed_ref;
		struct exec_ouch_correction correction;
		struct exec_ouch_rejected rejected;
		struct exec_ouch_cancel_pending cancel_pending;
		struct exec_ouch_cancel_reject cancel_reject;
		struct exec_ouch_priority priority;
		struct exec_ouch_modified modified;
	};
};

/*
 * Encoders: write one message at buf (cap bytes) and return its length, or
 * -ENOSPC (cap below the length; nothing written) or -EINVAL (a byte the
 * message cannot carry, see "Valid bytes" above; buf's first length bytes
 * may have been written). No allocation; any thread.
 */
int exec_ouch_put_enter(unsigned char *buf, size_t cap, const struct exec_ouch_enter *m);
int exec_ouch_put_replace(unsigned char *buf, size_t cap, const struct exec_ouch_replace *m);
int exec_ouch_put_cancel(unsigned char *buf, size_t cap, const struct exec_ouch_cancel *m);
int exec_ouch_put_modify(unsigned char *buf, size_t cap, const struct exec_ouch_modify *m);
int exec_ouch_put_trade_now(unsigned char *buf, size_t cap, const struct exec_ouch_trade_now *m);
int exec_ouch_put_system_event(unsigned char *buf, size_t cap,
			       const struct exec_ouch_system_event *m);
int exec_ouch_put_accepted(unsigned char *buf, size_t cap, const struct exec_ouch_accepted *m);
int exec_ouch_put_replaced(unsigned char *buf, size_t cap, const struct exec_ouch_replaced *m);
int exec_ouch_put_canceled(unsigned char *buf, size_t cap, const struct exec_ouch_canceled *m);
int exec_ouch_put_aiq_canceled(unsigned char *buf, size_t cap,
			       const struct exec_ouch_aiq_canceled *m);
int exec_ouch_put_executed(unsigned char *buf, size_t cap, const struct exec_ouch_executed *m);
int exec_ouch_put_broken(unsigned char *buf, size_t cap, const struct exec_ouch_broken *m);
int exec_ouch_put_executed_ref(unsigned char *buf, size_t cap,
			       const struct exec_ouch_executed_ref *m);
int exec_ouch_put_correction(unsigned char *buf, size_t cap, const struct exec_ouch_correction *m);
int exec_ouch_put_rejected(unsigned char *buf, size_t cap, const struct exec_ouch_rejected *m);
int exec_ouch_put_cancel_pending(unsigned char *buf, size_t cap,
				 const struct exec_ouch_cancel_pending *m);
int exec_ouch_put_cancel_reject(unsigned char *buf, size_t cap,
				const struct exec_ouch_cancel_reject *m);
int exec_ouch_put_priority(unsigned char *buf, size_t cap, const struct exec_ouch_priority *m);
int exec_ouch_put_modified(unsigned char *buf, size_t cap, const struct exec_ouch_modified *m);
/* exec_ouch_encode - the encoder of m->kind (m->type and m->len are not read);
 * -EINVAL also for a kind that is not an enum exec_ouch_kind. */
int exec_ouch_encode(unsigned char *buf, size_t cap, const struct exec_ouch_msg *m);

/*
 * exec_ouch_decode - decode the one message in buf[0..len) (a SoupBinTCP
 * payload: exactly one message) sent in direction dir (enum exec_ouch_dir).
 * Returns its kind (> 0, enum exec_ouch_kind) with *ret filled, or, with
 * *ret untouched and "offset N: what" in err (NUL-terminated when errlen >
 * 0; offsets count from the type byte):
 *   -ENOMSG   len is 0, or the type byte is not a message of this direction
 *             ("offset 0: type 0x51 ('Q') is not an inbound OUCH 4.2
 *             message (length 12)");
 *   -EBADMSG  the length is not the type's ("offset 0: Accepted ('A') with
 *             length 65 (expected 66)"), or a byte is not valid for its
 *             field ("offset 15: Enter Order ('O', length 49): Buy/Sell
 *             Indicator byte 0x58 ('X') is not B, S, T or E");
 *   -EINVAL   dir is not an enum exec_ouch_dir.
 * Reads nothing past buf + len. No allocation; any thread.
 */
int exec_ouch_decode(const unsigned char *buf, size_t len, int dir, struct exec_ouch_msg *ret,
		     char *err, size_t errlen);

/* exec_ouch_len - the wire length of a kind (0 for a value that is not one). */
unsigned exec_ouch_len(int kind);
/* exec_ouch_name - "Enter Order", "Accepted", ... ("unknown" for a value that is not one). */
const char *exec_ouch_name(int kind);
/* exec_ouch_type - the type byte of a kind (0 for a value that is not one). */
uint8_t exec_ouch_type(int kind);

/* exec_ouch_alpha_set - fill an alpha field of width bytes from a C string:
 * copied left-justified, padded with spaces. 0, or -EINVAL (longer than width,
 * or not printable ASCII; dst untouched). */
int exec_ouch_alpha_set(char *dst, size_t width, const char *s);
/* exec_ouch_alpha_len - the length of an alpha field without its right padding. */
size_t exec_ouch_alpha_len(const char *field, size_t width);

/*
 * Order ids on the wire. The engine names each order by its order_id and the
 * md event that triggered it (md_event.seq: on a MoldUDP64 feed read from its
 * start with no gap event, the message's MoldUDP64 sequence number), so a
 * venue can measure wire-to-wire from the feed packet to the order:
 *   OUCH token (14 alpha): order_id in base 36 (7 characters, 0-9 A-Z,
 *                          zero padded) then seq the same way (7): ids and
 *                          seqs below 36^7 = 78,364,164,096
 *   FIX ClOrdID:           "<order_id>-<seq>" in decimal
 * exec_order_token_put writes the OUCH form (-ERANGE when a number does not
 * fit); exec_order_token_get reads it back: 0, or -EINVAL for a token not of
 * this form (another firm's, or hand-made). Pure; any thread.
 */
#define EXEC_TOKEN_LEN 14
int exec_order_token_put(char token[EXEC_TOKEN_LEN], uint64_t order_id, uint64_t seq);
int exec_order_token_get(const char token[EXEC_TOKEN_LEN], uint64_t *ret_order_id,
			 uint64_t *ret_seq);

/* ========================================================================= */
/* OUCH 4.2: the order gateway (exec/src/gw_ouch.c)
 *
 * An exec_venue that sends the order manager's orders to an OUCH 4.2 venue
 * (osprey-venue, or any venue speaking OUCH 4.2 in SoupBinTCP 3.0) over one
 * SoupBinTCP session: core's client (core.h, core_soup_client_*) connects,
 * logs in with the configured user, password, session and sequence number,
 * heartbeats, and after a lost link reconnects and logs in again from the
 * next sequence number, so the venue replays every Sequenced Data message
 * (every report) sent while the link was down; what it repeats is dropped by
 * the client, so no report is applied twice. The session as the stage sees
 * it: EXEC_SESSION_DOWN until logged in and while the link is lost or logging
 * out, CONNECTING while connecting and logging in, UP while logged in (core's
 * CORE_SOUP_ACTIVE; risk sends nothing new otherwise), DONE after ORDER_EOS
 * once drained and logged out.
 *
 *   ORDER_NEW         Enter Order 'O': token exec_order_token_put(order_id, seq)
 *                     (the triggering md event, for wire-to-wire), stock = the
 *                     symbol the md stream gave the locate (an ITCH 'R'
 *                     event), side B/S, shares, price, TIF 99998 (market
 *                     hours: DAY) or 0 (EXEC_TIF_IOC), firm, display 'Y'
 *                     (anonymous, price to comply), capacity 'A' (agency),
 *                     ISO 'N', min qty 0, cross type 'N', customer type 'R'.
 *                     An order for an instrument not named yet waits
 *                     (EXEC_VENUE_BUSY) while the md stream has not reached
 *                     the event that triggered it (md_event.seq below the
 *                     order's seq) nor ended: the stage takes orders before
 *                     market data, so an order can overtake its own 'R'.
 *                     Refused here, with no byte on the wire, by an
 *                     EXEC_REJECTED report: an instrument never named, qty or
 *                     px 0, side not B/S, an order id or seq that does not fit
 *                     a token (36^7 and above) (EXEC_REASON_INVALID); an
 *                     order_id not above the last ORDER_NEW's
 *                     (EXEC_REASON_DUPLICATE: OUCH tokens must be unique for
 *                     the day, and this one may not be)
 *   ORDER_CANCEL      Cancel Order 'X', shares 0 (nothing left), for an order
 *                     still open here; else dropped (cancel_too_late)
 *   ORDER_CANCEL_ALL  OUCH has no mass cancel: a Cancel Order for every order
 *                     open here when it is taken, each marked so its Canceled
 *                     says EXEC_REASON_CANCEL_ALL (orders sent after it are
 *                     not affected). Cancels the kernel has no room for now go
 *                     on the next polls, and before any later order
 *   ORDER_EOS         drain: once no order is open here, or drain_ns later,
 *                     Logout Request (SoupBinTCP O); the venue's reports are
 *                     read until it closes the link (or drain_ns more), then
 *                     EXEC_SESSION_DONE
 *   ORDER_WATERMARK   nothing
 *
 * The venue's messages (Sequenced Data), matched to an order by token (an
 * order open here whose order id and md seq the token carries):
 *   Accepted 'A'         EXEC_ACK (qty: the order's). Order state 'D' (dead
 *                        on arrival) is counted (accepted_dead); the order
 *                        ends with the Canceled that must follow
 *   Executed 'E', Executed with Reference Price 'G'
 *                        EXEC_FILL: the executed shares at the execution price
 *   Canceled 'C', AIQ Canceled 'D'
 *                        EXEC_CANCELED for the decrement shares, the reason
 *                        from what we asked: EXEC_REASON_CANCEL_ALL,
 *                        USER_CANCEL, IOC (an IOC order's rest) or NONE (the
 *                        venue's own doing). AIQ (self-match prevention) takes
 *                        shares off the order as a Canceled does, so it is one
 *                        here. We always cancel whole orders; a decrement that
 *                        leaves shares (a venue's partial cancel) is reported
 *                        with leaves_qty > 0, and the order stays open here
 *   Rejected 'J'         EXEC_REJECTED, EXEC_REASON_INVALID (the OUCH reason
 *                        byte: stats.last_reject_reason)
 *   Broken Trade 'B', Trade Correction 'F'
 *                        counted and the last one recorded (stats.broken).
 *                        Positions are NOT unwound or corrected in this step:
 *                        the order manager keeps the fill as reported
 *   System Event 'S', Replaced 'U', Cancel Pending 'P', Cancel Reject 'I',
 *   Order Priority Update 'T', Order Modified 'M'
 *                        counted (stats.msgs); nothing for the order manager
 *                        (this gateway sends no Replace or Modify; after a
 *                        Cancel Reject the order is what its reports say)
 * An Accepted, Executed, Canceled or Rejected for a token not held here
 * (another firm's form: order id 0; an order that has ended) is forwarded
 * with that order id and counted (stats.unknown_reports), as the FIX
 * gateway does. A Sequenced Data message that does not decode as an OUCH 4.2
 * outbound message is counted (stats.bad_messages; stats.last_bad says which,
 * what and where) and the link dropped (core_soup_client_drop), never read further:
 * SoupBinTCP has no reject message to tell the venue, so ending the session
 * is the only answer it sees. The re-login resumes after that message, so
 * what it said is lost here (its order may stay open until the drain).
 *
 * A lost link: send() answers EXEC_VENUE_BUSY (the order manager holds the
 * orders) and the session is DOWN until the re-login. SoupBinTCP replays the
 * venue's messages but never the client's: an Enter Order or Cancel handed to
 * the kernel just before the link died may not have reached the venue.
 * After every re-login the gateway sends a Cancel again for each open order
 * with one outstanding (stats.cancels_resent; an OUCH venue ignores a cancel
 * for an order no longer live); it does not send an Enter Order again (a
 * venue may take a repeated token as an error): one that was lost stays open
 * here, never acknowledged, until the ORDER_EOS drain gives up on it
 * (stats.drain_timeouts). A link lost during the drain is reconnected as
 * usual until drain_ns has passed. A venue that resumes above the number
 * asked for has lost reports: counted (stats.soup.gaps, .lost), named in
 * stats.reason, and nothing here can tell what they said (reconcile against
 * the venue's own record).
 *
 * Ends: a login the venue rejects, a SoupBinTCP packet that does not decode,
 * or max_reconnects failed attempts in a row end the client for good: poll()
 * hands out the reports already queued, then returns the client's error
 * (-EACCES, -ENOENT, -EBADMSG, -ECONNREFUSED, -ETIMEDOUT, ...: the stage fails
 * with it; stats.reason says why), or, after ORDER_EOS, the gateway is DONE.
 * End of Session (Z) from the venue: nothing more will come; the session is
 * DOWN until ORDER_EOS (then DONE at once), later orders are refused here
 * (EXEC_REASON_INVALID, stats.after_end) and cancels dropped.
 *
 * Recovery (cfg.recover, or cfg.nrestore > 0): the engine restarting on its
 * database after a stop or a crash. cfg.seq is one past the last venue
 * message the store kept (persist.h, PERSIST_META_VENUE_SEQ: every report
 * carries its message's number in exec_report.venue_seq, 0 for what the
 * gateway makes itself), cfg.restore the orders the store had open (with
 * their leaves, cum and whether the venue had accepted them). The gateway
 * tracks the restored orders as its own, logs in from cfg.seq, and reads the
 * venue's replay; meanwhile the session is CONNECTING (risk sends nothing)
 * and send() holds new orders (EXEC_VENUE_BUSY). Replayed reports apply as
 * usual. An Accepted for a token of our form that is not held here is an
 * order sent but never stored (the crash came first): adopted, i.e. tracked
 * from what the Accepted says (its stock's locate from the md stream's
 * names: reading stops, for up to 2 s, until the md stream names it) and
 * reported as EXEC_ACK with EXEC_REASON_ADOPTED and the order's own md seq
 * (the order manager stores its ORDER_NEW); one whose stock is never named
 * is forwarded as unknown (recovery.unresolved). The replay is over when
 * the venue goes quiet: its first heartbeat after the login, or
 * replay_quiet_ns without a message. Then the reconciliation: a restored
 * order the venue never accepted (not before the stop, not in the replay)
 * never reached it and is closed here (EXEC_REJECTED, EXEC_REASON_RECOVERY);
 * every order still open, restored or adopted, gets a Cancel Order (its
 * Canceled says EXEC_REASON_CANCEL_ALL), so the engine trades on with no
 * order it did not place in this run; the counts are in stats.recovery
 * (adopted and never-at-venue orders are differences); then UP. Outside a
 * recovery, an adopted order (an Accepted that comes after the replay) is
 * cancelled at once.
 *
 * Send path: one send(2) per Enter Order or Cancel, by core_soup_client_send
 * inside the send() call, so tick-to-wire ends when it returns 0; a packet
 * the kernel took in part (CORE_SOUP_QUEUED) counts as sent (its rest leaves
 * first on the next poll or send); a kernel with no room (CORE_SOUP_BUSY) is
 * EXEC_VENUE_BUSY. poll() reads the socket at most every recv_every_ns (a
 * syscall costs about a microsecond on these machines; reports are not on
 * the tick-to-order path). Times in reports are the venue's (ns since
 * midnight).
 *
 * Threads: create/destroy on a setup thread; the ops and exec_ouch_gw_stats
 * on the stage's thread (or after it has stopped). No allocation, lock or
 * print after create.
 */
struct exec_ouch_gw_config {
	const char *connect;     /* the venue's "A.B.C.D:PORT"; required */
	const char *user;        /* SoupBinTCP username, up to 6 characters */
	const char *password;    /* up to 10 */
	const char *session;     /* up to 10; NULL or "": the venue's current session */
	uint64_t seq;            /* first Sequenced Data message wanted (0: 1) */
	const char *firm;        /* OUCH Firm, up to 4 (padded); NULL or "": blank (the port's) */
	uint64_t drain_ns;       /* after ORDER_EOS; also the wait for the close after our
	                            logout (0: 2 s) */
	uint64_t reconnect_ns;   /* between connection attempts (0: 100 ms) */
	unsigned max_reconnects; /* failed attempts in a row before giving up (0: never) */
	uint64_t heartbeat_ns;   /* our heartbeat after this much send silence (0: 1 s) */
	uint64_t timeout_ns;     /* venue silence that kills the link (0: 15 s) */
	uint64_t recv_every_ns;  /* socket reads while idle (0: 10 us) */
	unsigned max_orders;     /* open orders tracked (0: 4096) */
	/* Recovery (see "Recovery" above): resume a stored session from seq */
	bool recover;
	const struct exec_open_order *restore; /* copied at create; NULL with nrestore 0 */
	unsigned nrestore;                     /* at most max_orders */
	uint64_t replay_quiet_ns; /* no message this long after login: the replay is over
	                           * (0: 200 ms); a server heartbeat says so sooner */
};

/* A Broken Trade or Trade Correction, as the venue sent it. */
struct exec_ouch_gw_broken {
	uint64_t ts_ns;    /* the venue's, ns since midnight */
	uint64_t match;    /* the execution's match number */
	uint64_t order_id; /* from the token (0: not of our form) */
	uint8_t kind;      /* EXEC_OUCH_BROKEN or EXEC_OUCH_CORRECTION; 0: none yet */
	uint8_t reason;    /* the venue's reason byte */
};

struct exec_ouch_gw_stats {
	enum core_soup_state state;
	uint64_t logins, link_downs;
	uint64_t enters, cancels;  /* Enter Order / Cancel Order packets taken by the kernel */
	uint64_t cancels_resent;   /* cancels owed again after a re-login (see above) */
	uint64_t send_busy;        /* sends refused: not logged in, or no room in the kernel */
	uint64_t open_orders;
	uint64_t msgs[EXEC_OUCH_KINDS]; /* the venue's messages, by enum exec_ouch_kind */
	uint64_t bad_messages;     /* Sequenced Data that did not decode (link dropped) */
	char last_bad[200];        /* the last of them: its number and what was wrong */
	uint64_t unknown_reports;  /* reports for tokens not held here (forwarded) */
	uint64_t cancel_too_late;  /* cancels for orders no longer open here (dropped) */
	uint64_t no_symbol;        /* orders refused: instrument never named */
	uint64_t symbol_waits;     /* sends that waited for the md stream to name one */
	uint64_t invalid;          /* orders refused: qty, px, side, or an id past a token */
	uint64_t duplicates;       /* orders refused: order_id not above the last */
	uint64_t after_end;        /* orders refused: the venue had ended the session (Z) */
	uint64_t accepted_dead;    /* Accepted with order state 'D' */
	uint64_t broken_trades, corrections;
	struct exec_ouch_gw_broken broken; /* the last of either */
	uint8_t last_reject_reason; /* the last Rejected's reason byte (0: none) */
	uint64_t drain_timeouts;   /* logged out at ORDER_EOS with orders still open */
	uint64_t adopted;          /* Accepted for an order of ours not held here (any time) */
	struct exec_recovery_stats recovery;
	struct core_soup_client_stats soup;
	char reason[200]; /* the last notable event: link lost, bad message, ... */
};

struct exec_ouch_gw;

/* exec_ouch_gw_create - validate cfg, allocate (setup; the gateway's tables
 * are one core_layout block, plus core's client). No connection yet: the
 * first poll connects. 0, -EINVAL (err names the field) or -ENOMEM. */
int exec_ouch_gw_create(const struct exec_ouch_gw_config *cfg, struct exec_ouch_gw **ret,
                        char *err, size_t errlen);
/* exec_ouch_gw_destroy - close the connection, free; accepts NULL; returns NULL.
 * After the stage using it. */
struct exec_ouch_gw *exec_ouch_gw_destroy(struct exec_ouch_gw *g);
/* exec_ouch_gw_venue - the handle for exec_config.venue. Never fails. */
struct exec_venue exec_ouch_gw_venue(struct exec_ouch_gw *g);
/* exec_ouch_gw_stats - the counters (and core's client's). Never fails. */
void exec_ouch_gw_stats(const struct exec_ouch_gw *g, struct exec_ouch_gw_stats *ret);

/* ========================================================================= */
/* MetaTrader 5 over ZeroMQ: the protocol (exec/src/mt5.c)
 *
 * The protocol of Darwinex's open-source ZeroMQ expert advisor
 * (github.com/darwinex/dwx-zeromq-connector, DWX_ZeroMQ_Server.mq5, v2.0.2,
 * BSD-3), so a user runs that EA unchanged in the MetaTrader 5 terminal.
 * The EA binds three ZeroMQ sockets (its inputs PUSH_PORT, PULL_PORT,
 * PUB_PORT):
 *   PULL on 32768   commands from the client: text, fields split at ';'
 *   PUSH on 32769   one answer per command it knows, a Python dict literal
 *                   (single quotes, bare integer keys: not JSON)
 *   PUB  on 32770   "SYMBOL BID;ASK" for each tracked symbol on every tick
 *                   (feeds.h reads them: "MetaTrader 5 ticks")
 * It reads one command per timer tick (1 ms) and answers in order; its PUSH
 * socket has a high-water mark of 1 and sends without blocking, so an answer
 * can be lost (the gateway below copes). Commands this file builds:
 *   TRADE;OPEN;TYPE;SYMBOL;PRICE;SL;TP;COMMENT;LOTS;MAGIC;TICKET
 *       TYPE 0 buy / 1 sell at market (PRICE within the EA's slippage),
 *       2 buy limit / 3 sell limit (pending at PRICE); SL and TP 0 (none)
 *   TRADE;CLOSE;0;NULL;0;0;0;;0;MAGIC;TICKET
 *       delete a pending order, or close a position at market
 *   TRADE;GET_OPEN_TRADES      every open position and pending order
 *   TRACK_PRICES;S1;S2;...     publish these symbols' ticks
 * The answers (what the EA's MQL source writes):
 *   {'_action': 'EXECUTION', '_magic': M, '_ticket': T, '_open_time': 'D',
 *    '_open_price': P}                                  an order placed
 *   {'_action': 'EXECUTION', '_response': 'CODE', 'response_value': 'TEXT'}
 *                                                       refused by the terminal
 *   {'_action': 'CLOSE', '_ticket': T, ['_close_price': P, '_close_lots': L,]
 *    '_response': 'CLOSE_MARKET' | 'CLOSE_PENDING' | 'NOT_FOUND',
 *    ['_response_value': 'SUCCESS']}
 *   {'_action': 'OPEN_TRADES', '_trades': {T: {'_magic': M, '_symbol': 'S',
 *    '_lots': L, '_type': N, '_open_price': P, '_open_time': 'D', '_SL': x,
 *    '_TP': y, '_pnl': z, '_comment': 'C'}, ...}}
 *   {'_action': 'TRACK_PRICES', '_data': {'symbol_count': N}}
 * Numbers are MQL's DoubleToString (8 decimals) or IntegerToString; they are
 * read as fixed point with 8 decimals (digits past the eighth are dropped).
 * What Python's literal reader takes and the EA writes is taken too: a
 * trailing comma in a dict, and the second '}' the EA puts after an
 * EXECUTION answer when its DMA_MODE input is false.
 *
 * Pure functions: any thread, no allocation.
 */
#define EXEC_MT5_TEXT 32 /* symbol and comment bytes kept, NUL included */

enum exec_mt5_action {
	EXEC_MT5_OTHER = 0,        /* an '_action' this file does not know, or none */
	EXEC_MT5_EXECUTION = 1,    /* TRADE;OPEN */
	EXEC_MT5_CLOSE = 2,        /* TRADE;CLOSE */
	EXEC_MT5_OPEN_TRADES = 3,  /* TRADE;GET_OPEN_TRADES */
	EXEC_MT5_TRACK_PRICES = 4, /* TRACK_PRICES */
};

/* MQL order types (OP_*) */
enum exec_mt5_type {
	EXEC_MT5_BUY = 0,
	EXEC_MT5_SELL = 1,
	EXEC_MT5_BUY_LIMIT = 2,
	EXEC_MT5_SELL_LIMIT = 3,
	EXEC_MT5_BUY_STOP = 4,
	EXEC_MT5_SELL_STOP = 5,
};

/* One entry of an OPEN_TRADES answer. */
struct exec_mt5_trade {
	uint64_t ticket;
	int64_t magic;
	int64_t lots_e8;      /* lots in 10^-8 */
	int64_t open_px_e8;   /* in 10^-8 */
	int type;             /* enum exec_mt5_type; -1: absent */
	char symbol[EXEC_MT5_TEXT];
	char comment[EXEC_MT5_TEXT];
};

struct exec_mt5_answer {
	enum exec_mt5_action action;
	char response[EXEC_MT5_TEXT];       /* '_response' ("" absent): an error number, CLOSE_MARKET,
	                                     * CLOSE_PENDING, NOT_FOUND, LOT_SIZE_ERROR, ... */
	char response_value[64];            /* '_response_value' or 'response_value' */
	bool has_ticket, has_magic, has_open_px, has_close_px, has_close_lots;
	uint64_t ticket;
	int64_t magic;
	int64_t open_px_e8, close_px_e8, close_lots_e8;
	int64_t symbol_count;               /* TRACK_PRICES' '_data' (-1: absent) */
	uint32_t ntrades;                   /* OPEN_TRADES: entries in '_trades' */
};

/* exec_mt5_answer_parse - one answer s[0, len) (a trailing NUL is allowed).
 * OPEN_TRADES entries go to trades[0, min(ntrades, cap)). Returns 0, -EBADMSG
 * (not a dict literal, a value of the wrong kind for a known key, nesting
 * deeper than 8; err says what and at which byte offset) or -E2BIG (more
 * trades than cap; ret->ntrades says how many). */
int exec_mt5_answer_parse(const char *s, size_t len, struct exec_mt5_answer *ret,
                          struct exec_mt5_trade *trades, uint32_t cap, char *err, size_t errlen);

/* Command builders: the command in buf (NUL-terminated), returning its length,
 * -ENOSPC (buf too small) or -EINVAL (a symbol or comment that is empty or
 * holds ';', or a quantity that is not a whole number of 10^-8 lots).
 * px is in 10^-px_decimals (px_decimals <= 8); qty / lot_units is the lots. */
int exec_mt5_cmd_open(char *buf, size_t cap, enum exec_mt5_type type, const char *symbol,
                      uint32_t px, unsigned px_decimals, uint32_t qty, uint32_t lot_units,
                      const char *comment, uint32_t magic);
int exec_mt5_cmd_close(char *buf, size_t cap, uint64_t ticket, uint32_t magic);
int exec_mt5_cmd_open_trades(char *buf, size_t cap);
int exec_mt5_cmd_track_prices(char *buf, size_t cap, const char *const *symbols, unsigned n);

/* exec_mt5_px - a price in 10^-8 as Osprey's 10^-px_decimals, rounded to the
 * nearest; false when it is not above 0 or not below 2^32. */
bool exec_mt5_px(int64_t e8, unsigned px_decimals, uint32_t *ret);
/* exec_mt5_qty - lots in 10^-8 as a quantity of lot_units per lot, rounded to
 * the nearest; false when not above 0 or not below 2^32. */
bool exec_mt5_qty(int64_t lots_e8, uint32_t lot_units, uint32_t *ret);

/* ========================================================================= */
/* MetaTrader 5 over ZeroMQ: the order gateway (exec/src/gw_mt5.c)
 *
 * An exec_venue that trades through the EA above: a ZeroMQ PUSH socket
 * connected to its command port and a PULL socket connected to its answer
 * port (libzmq reconnects both by itself; ZMQ_IMMEDIATE, so nothing queues
 * for an EA that is not there). One client only: the EA's PUSH socket deals
 * answers round-robin between the PULL sockets connected to it.
 *
 *   ORDER_NEW         TRADE;OPEN: an order marketable at the top of book the
 *                     md stream last gave its locate (a buy at or above the
 *                     ask, a sell at or below the bid) as a market order
 *                     (type 0/1) with px as its price (the EA's slippage
 *                     applies; a pending limit there is refused by the
 *                     terminal), any other DAY order as a pending limit
 *                     (type 2/3) at px; an IOC order that is not marketable
 *                     ends here (EXEC_ACK, then EXEC_CANCELED EXEC_REASON_IOC;
 *                     stats.ioc_unfilled). With no book for the locate yet,
 *                     IOC is a market order and DAY a pending limit.
 *                     SYMBOL the configured symbol of the locate,
 *                     LOTS qty / lot_units, MAGIC the order id (below 2^31),
 *                     COMMENT "osprey:ORDER_ID". Refused here, with nothing
 *                     sent, by EXEC_REJECTED EXEC_REASON_INVALID: a locate
 *                     with no symbol, qty or px 0, side not B/S, an order id
 *                     of 2^31 or more, a qty that is not a whole number of
 *                     10^-8 lots; EXEC_REASON_DUPLICATE: an order id not
 *                     above the last one
 *   ORDER_CANCEL      TRADE;CLOSE with the order's ticket, once the EA has
 *                     said it (a cancel for an order whose OPEN is still
 *                     unanswered waits for the answer)
 *   ORDER_CANCEL_ALL  a TRADE;CLOSE per open order (pending ones only: the
 *                     EA's CLOSE_MAGIC would also close positions)
 *   ORDER_EOS         drain: DONE once no order is open, or drain_ns later
 *
 * The answers, matched to commands in order (the EA answers in order):
 *   EXECUTION with a ticket   EXEC_ACK; a market order also EXEC_FILL for
 *                             all of it at '_open_price', and ends; a
 *                             pending one stays open
 *   EXECUTION with no ticket  a refusal (the terminal's code and text in
 *                             stats.last_refusal); it names no order, so
 *                             after a lost answer it may be another's: the
 *                             next snapshot decides (EXEC_REJECTED,
 *                             EXEC_REASON_INVALID when the order is not
 *                             there; an EXEC_ACK when it is)
 *   CLOSE CLOSE_PENDING       EXEC_CANCELED (EXEC_REASON_USER_CANCEL or
 *                             CANCEL_ALL)
 *   CLOSE CLOSE_MARKET        the order had filled (since the last snapshot)
 *                             and the EA closed that position at market:
 *                             EXEC_FILL of the order at its own price, then
 *                             the closing trade as a fill of the opposite
 *                             side for order id 0 (so positions stay true;
 *                             stats.closed_at_market)
 *   CLOSE NOT_FOUND           the order ended at the venue: the next
 *                             snapshot says how
 *   OPEN_TRADES (a snapshot, asked every trades_every_ns)
 *                             a pending order of ours that is now a position
 *                             (type 0/1): EXEC_FILL at '_open_price' for its
 *                             lots, and it ends; one that is gone, with no
 *                             cancel from us: EXEC_CANCELED, EXEC_REASON_NONE
 *                             (deleted at the terminal; stats.gone); one
 *                             whose OPEN answer was lost: its ticket learnt
 *                             from the comment (EXEC_ACK), or, absent,
 *                             EXEC_REJECTED EXEC_REASON_RECOVERY; a pending
 *                             order with our comment that is not ours here
 *                             (an earlier run's): cancelled (stats.strays)
 * Only commands sent before the snapshot's GET_OPEN_TRADES are judged by it.
 * An answer belongs to the first command awaiting one of its kind (an
 * EXECUTION with a '_magic' to that order's OPEN, a CLOSE with a '_ticket'
 * to that ticket's CLOSE); the commands it passes over lost their answers
 * (stats.lost_answers) and the next snapshot judges them. An answer that
 * does not parse is counted (stats.bad_answers, last_bad) and dropped; so is
 * a snapshot of more than 4096 open trades (the session cannot come up on
 * such a terminal: the reason says so).
 *
 * The session: CONNECTING from create until the first snapshot is read
 * (TRACK_PRICES with the symbols is sent first, so the EA publishes the
 * ticks), then UP; DOWN when a command has gone unanswered for timeout_ns
 * (while not UP, 500 ms: the EA drops the answers it sends before ZeroMQ has
 * connected our answer socket, so the first ones are asked again soon), or
 * a snapshot has been due that long with no EA connected to take it (the EA
 * or its terminal is gone: send() answers EXEC_VENUE_BUSY), CONNECTING again
 * on the next answer (TRACK_PRICES again), UP after the next snapshot. DONE
 * after ORDER_EOS once drained. While not UP, one command at a time, each
 * 10 ms after the last answer: the EA drops an answer it makes within about
 * a millisecond of its last (its socket's room is freed only when it next
 * looks), so back-to-back TRACK_PRICES and snapshot could never come up.
 *
 * Threads: create/destroy on a setup thread; the ops and exec_mt5_gw_stats on
 * the stage's thread. No allocation after create but libzmq's own (its I/O
 * thread and message buffers).
 */
struct exec_mt5_gw_config {
	const char *commands;       /* the EA's command socket, "tcp://127.0.0.1:32768"; required */
	const char *answers;        /* its answer socket, "tcp://127.0.0.1:32769"; required */
	const char *const *symbols; /* the terminal's symbol of locate i + 1; required */
	unsigned nsymbols;          /* 1 .. EXEC_LOCATES - 1 */
	unsigned px_decimals;       /* Osprey's prices in 10^-px_decimals (0: 5); <= 8 */
	uint32_t lot_units;         /* quantity per lot (0: 100000, a standard forex lot) */
	uint64_t trades_every_ns;   /* GET_OPEN_TRADES period (0: 100 ms) */
	uint64_t timeout_ns;        /* a command unanswered this long: DOWN (0: 3 s) */
	uint64_t drain_ns;          /* after ORDER_EOS (0: 2 s) */
	unsigned max_orders;        /* open orders tracked (0: 4096) */
};

struct exec_mt5_gw_stats {
	uint64_t commands;          /* commands ZeroMQ took */
	uint64_t opens, closes, snapshots; /* of them */
	uint64_t answers;           /* answers read */
	uint64_t send_busy;         /* sends refused: session not up, or ZeroMQ full */
	uint64_t refusals;          /* EXECUTION answers with no ticket: orders rejected */
	char last_refusal[160];     /* its '_response' and text */
	uint64_t lost_answers;      /* commands never answered (judged by a snapshot) */
	uint64_t bad_answers;       /* answers that did not parse (dropped) */
	char last_bad[200];         /* the last of them: what and where */
	uint64_t unexpected;        /* answers with no command outstanding */
	uint64_t snapshot_fills;    /* pending orders found filled by a snapshot */
	uint64_t gone;              /* pending orders gone from a snapshot, not cancelled by us */
	uint64_t closed_at_market;  /* cancels that met a filled order (see above) */
	uint64_t strays;            /* pending orders of an earlier run, cancelled */
	uint64_t timeouts;          /* times the session went from UP to DOWN (see above) */
	uint64_t invalid, duplicates, no_symbol; /* orders refused before the wire */
	uint64_t ioc_unfilled;      /* IOC orders not marketable: cancelled here */
	uint64_t cancel_too_late;   /* cancels for orders no longer open here */
	uint64_t unknown_reports;
	uint64_t open_orders;
	uint64_t positions;         /* open positions at the EA in the last snapshot, all magics */
	char reason[200];           /* the last notable event */
};

struct exec_mt5_gw;

/* exec_mt5_gw_create - validate cfg, allocate, create the ZeroMQ context
 * and sockets and connect them (setup thread). 0, -EINVAL (err names the
 * field), -ENOMEM, or ZeroMQ's errno (err says). */
int exec_mt5_gw_create(const struct exec_mt5_gw_config *cfg, struct exec_mt5_gw **ret,
                       char *err, size_t errlen);
/* exec_mt5_gw_destroy - close the sockets and the context; accepts NULL;
 * returns NULL. After the stage using it. */
struct exec_mt5_gw *exec_mt5_gw_destroy(struct exec_mt5_gw *g);
/* exec_mt5_gw_venue - the handle for exec_config.venue. Never fails. */
struct exec_venue exec_mt5_gw_venue(struct exec_mt5_gw *g);
/* exec_mt5_gw_stats - the counters. Never fails. */
void exec_mt5_gw_stats(const struct exec_mt5_gw *g, struct exec_mt5_gw_stats *ret);

/* ========================================================================= */
/* Binance spot order entry: the codec (exec/src/bn_orders.c)
 *
 * What a Binance-style exchange's REST API and user data stream say, built
 * and read (github.com/binance/binance-spot-api-docs: rest-api.md "New order
 * (TRADE)", "Cancel order (TRADE)", "SIGNED Endpoint security";
 * user-data-stream.md). The transport (HTTPS, the WebSocket) is the caller's.
 *
 * Signed requests: the parameters as a query string, then
 * "&signature=" and the HMAC-SHA256 of that string under the API secret, in
 * lowercase hex (the API key goes in the X-MBX-APIKEY header, not here).
 *   new order   POST /api/v3/order, body:
 *               symbol=S&side=BUY|SELL&type=LIMIT&timeInForce=GTC|IOC&
 *               quantity=Q&price=P&newClientOrderId=ID&newOrderRespType=ACK&
 *               recvWindow=W&timestamp=T&signature=H
 *   cancel      DELETE /api/v3/order?symbol=S&origClientOrderId=ID&
 *               recvWindow=W&timestamp=T&signature=H
 * ID is the FIX ClOrdID form, "<order_id>-<seq>" in decimal (at most 36
 * characters, Binance's limit); Q and P the decimals of qty and px at the
 * instrument's scales (exchangeInfo's stepSize and tickSize), trailing zeros
 * dropped.
 *
 * Answers: the REST body, {"symbol":..,"orderId":N,"orderListId":-1,
 * "clientOrderId":"ID","transactTime":T} (ACK), a cancel's
 * {...,"status":"CANCELED",...}, {"listenKey":"K"} (POST
 * /api/v3/userDataStream), or an error {"code":-2010,"msg":"..."}; and the
 * user data stream's events, raw or wrapped as {"subscriptionId":N,
 * "event":{...}}: an executionReport is read field by field, any other event
 * (outboundAccountPosition, balanceUpdate, listStatus, ...) is named and
 * skipped.
 *
 * Pure functions (the signature uses OpenSSL's HMAC): any thread, no
 * allocation. Results: a length, 0, -ENOSPC (buf too small), -EINVAL (an
 * argument the API cannot carry; err or nothing says which), -EBADMSG (not
 * the shape documented; err says what and at which offset).
 */
#define EXEC_BN_TEXT  40 /* symbol, ids, status text kept, NUL included */
#define EXEC_BN_SIG   64 /* hex digits of a signature */

/* exec_bn_sign - HMAC-SHA256 of msg[0, len) under secret, as 64 lowercase hex
 * digits and a NUL in hex. 0, or -EINVAL (no secret). */
int exec_bn_sign(const char *secret, size_t secret_len, const char *msg, size_t len,
                 char hex[EXEC_BN_SIG + 1]);

struct exec_bn_order {
	const char *symbol;     /* "BTCUSDT": [A-Z0-9], 1..20 */
	uint8_t side;           /* 'B' or 'S' */
	uint8_t tif;            /* EXEC_TIF_DAY (GTC) or EXEC_TIF_IOC */
	uint64_t qty;           /* in 10^-qty_decimals */
	uint64_t px;            /* in 10^-px_decimals */
	uint8_t qty_decimals, px_decimals; /* <= 9 */
	uint64_t order_id, seq; /* newClientOrderId "<order_id>-<seq>" */
};

/* exec_bn_new_order - the signed body of a new LIMIT order (see above). */
int exec_bn_new_order(char *buf, size_t cap, const struct exec_bn_order *o,
                      uint64_t recv_window_ms, uint64_t timestamp_ms, const char *secret,
                      size_t secret_len);
/* exec_bn_cancel - the signed query of a cancel by our client order id. */
int exec_bn_cancel(char *buf, size_t cap, const char *symbol, uint64_t order_id, uint64_t seq,
                   uint64_t recv_window_ms, uint64_t timestamp_ms, const char *secret,
                   size_t secret_len);
/* exec_bn_client_id - "<order_id>-<seq>" back into its numbers: 0, or
 * -EINVAL for an id not of that form (another client's). */
int exec_bn_client_id(const char *id, uint64_t *ret_order_id, uint64_t *ret_seq);

/* A REST answer. */
struct exec_bn_answer {
	bool error;                       /* {"code":..,"msg":..} */
	int64_t code;                     /* Binance's error code (negative) */
	char msg[160];                    /* its text, cut to fit */
	uint64_t order_id;                /* "orderId" (0: absent) */
	char client_id[EXEC_BN_TEXT];     /* "clientOrderId" ("": absent) */
	char status[EXEC_BN_TEXT];        /* "status" (RESULT answers, cancels) */
	uint64_t transact_ms;             /* "transactTime" */
	char listen_key[80];              /* "listenKey" */
};
/* exec_bn_answer_parse - one REST body s[0, len). 0 or -EBADMSG. */
int exec_bn_answer_parse(const char *s, size_t len, struct exec_bn_answer *ret, char *err,
                         size_t errlen);

/* One symbol of GET /api/v3/exchangeInfo?symbol=S (rest-api.md "Exchange
 * information"): its scales (the decimal places of PRICE_FILTER tickSize
 * and LOT_SIZE stepSize, at most 9) and the filters an order must pass,
 * as the exchange's decimal text ("" when it has none). */
struct exec_bn_info {
	char symbol[EXEC_BN_TEXT];
	char status[EXEC_BN_TEXT];        /* "TRADING", "BREAK", "HALT", ... */
	uint8_t px_decimals, qty_decimals;
	char tick[32], step[32];          /* PRICE_FILTER tickSize, LOT_SIZE stepSize */
	char min_qty[32];                 /* LOT_SIZE minQty */
	char min_notional[32];            /* NOTIONAL (or MIN_NOTIONAL) minNotional */
};
/* exec_bn_info_parse - symbol's entry in an exchangeInfo body s[0, len): 0
 * and *ret; -ENOENT when "symbols" does not hold it; -EBADMSG (err: what,
 * where) for a body not of that shape or a step that is not one. */
int exec_bn_info_parse(const char *s, size_t len, const char *symbol, struct exec_bn_info *ret,
                       char *err, size_t errlen);

/* executionReport "x" */
enum exec_bn_exec {
	EXEC_BN_OTHER = 0,
	EXEC_BN_NEW = 1,
	EXEC_BN_TRADE = 2,
	EXEC_BN_CANCELED = 3,
	EXEC_BN_EXPIRED = 4, /* IOC rests, the exchange's own cancels */
	EXEC_BN_REJECTED = 5,
	EXEC_BN_REPLACED = 6,
	EXEC_BN_TRADE_PREVENTION = 7, /* self-trade prevention took quantity off */
};

/* An executionReport. Quantities and prices as the decimal text the event
 * holds (exec_bn_decimal converts them at the instrument's scales). */
struct exec_bn_report {
	char symbol[EXEC_BN_TEXT];        /* "s" */
	char client_id[EXEC_BN_TEXT];     /* "c" */
	char orig_client_id[EXEC_BN_TEXT]; /* "C": the order a cancel names ("" none) */
	uint8_t side;                     /* "S": 'B' or 'S' */
	enum exec_bn_exec exec;           /* "x" */
	char status[EXEC_BN_TEXT];        /* "X": NEW, PARTIALLY_FILLED, FILLED, ... */
	char reject_reason[EXEC_BN_TEXT]; /* "r" */
	uint64_t order_id;                /* "i" */
	char qty[32], price[32];          /* "q", "p" */
	char last_qty[32], cum_qty[32], last_px[32]; /* "l", "z", "L" */
	uint64_t event_ms, transact_ms;   /* "E", "T" */
	int64_t trade_id;                 /* "t" (-1: none) */
	bool maker;                       /* "m" */
};
/* exec_bn_event_parse - one user data stream message s[0, len): 1 and *ret
 * for an executionReport, 0 for any other event (its "e" in other, cut to
 * fit), -EBADMSG. */
int exec_bn_event_parse(const char *s, size_t len, struct exec_bn_report *ret,
                        char other[EXEC_BN_TEXT], char *err, size_t errlen);
/* exec_bn_decimal - a decimal text ("0.10264410") in 10^-decimals, exact
 * (digits past the scale must be zeros): 0, -EINVAL, -ERANGE (above max). */
int exec_bn_decimal(const char *text, unsigned decimals, uint64_t max, uint64_t *ret);

/* ========================================================================= */
/* Binance spot order entry: the gateway (exec/src/gw_bn.c)
 *
 * An exec_venue that trades on a Binance-style spot exchange (Binance, its
 * testnet, or osprey's stand-in in the tests): orders through signed REST
 * calls (the codec above) made by a thread of the gateway's own with libcurl
 * (one connection kept alive; TLS checked against the system's CAs or
 * ca_file), fills and cancels from the user data stream, which the caller
 * supplies (exec_bn_stream: the engine wires feeds' WebSocket client to it;
 * stages never include each other).
 *
 * Start: GET /api/v3/exchangeInfo?symbol=S for each symbol gives its scales
 * (tickSize's and stepSize's decimal places) and filters; a symbol whose
 * scales differ from those configured (the feed's: a price at the wrong
 * scale would be an order at the wrong price), or that the exchange does
 * not list, has its orders refused here (stats.symbols_refused, reason);
 * a call that fails is made again 1 s later. POST /api/v3/userDataStream
 * (the API key in X-MBX-APIKEY) gives a listenKey; the stream is opened at
 * STREAM/ws/<listenKey>; the session is UP once every symbol's exchangeInfo
 * has settled and while the stream says it is up (CONNECTING before, DOWN
 * after a failure), and the REST thread pings the listenKey every 30
 * minutes.
 *   ORDER_NEW         POST /api/v3/order: LIMIT, GTC (EXEC_TIF_DAY) or IOC,
 *                     quantity qty and price px at the locate's symbol's
 *                     decimals, newClientOrderId "<order_id>-<seq>",
 *                     newOrderRespType ACK; signed on the REST thread with
 *                     the time it leaves. send() only hands it to that
 *                     thread (EXEC_VENUE_BUSY when its ring is full or the
 *                     session is not up). Refused here: qty or px 0, side
 *                     not B/S, an unknown tif, a locate with no symbol
 *                     (EXEC_REASON_INVALID); one the symbol's filters refuse:
 *                     px not a multiple of tickSize, qty not of stepSize,
 *                     qty below minQty, qty * px below minNotional
 *                     (EXEC_REASON_INVALID, stats.filtered); an order id not
 *                     above the last (EXEC_REASON_DUPLICATE)
 *   ORDER_CANCEL      DELETE /api/v3/order by origClientOrderId
 *   ORDER_CANCEL_ALL  a DELETE per order open here
 *   ORDER_EOS         drain: DONE once no order is open, or drain_ns later
 * What comes back, each transition from one place only:
 *   REST answer to a new order   EXEC_ACK, or EXEC_REJECTED
 *                                EXEC_REASON_INVALID (the exchange's code and
 *                                msg in stats.last_code, last_msg)
 *   no REST answer (transport)   unknown whether it got there: cancelled by
 *                                its client id; "Unknown order sent." (-2011)
 *                                means it never did: EXEC_REJECTED
 *                                EXEC_REASON_RECOVERY
 *   -2010 "Duplicate order sent." to a new order: libcurl sent it again
 *                                after a kept-alive connection died under
 *                                it, and the first one is open: EXEC_ACK
 *   executionReport NEW          EXEC_ACK (if the REST answer has not come)
 *   executionReport TRADE        EXEC_FILL of "l" at "L"
 *   CANCELED, EXPIRED, TRADE_PREVENTION
 *                                EXEC_CANCELED for what is left (the reason:
 *                                what we asked, an IOC's rest, or the
 *                                exchange's own doing)
 *   REJECTED                     EXEC_REJECTED EXEC_REASON_INVALID
 * A fill for a client id not open here (another client's, an order ended
 * here) is forwarded with order id 0 so positions stay true
 * (stats.unknown_orders); a stream message that does not read is counted
 * (stats.bad_events, last_bad) and dropped.
 *
 * Threads: create/destroy on a setup thread; the ops and exec_bn_gw_stats on
 * the stage's thread, which also calls the stream's ops. The REST thread
 * allocates (libcurl); the stage's side does not after create.
 */
#define EXEC_BN_SCALE_EXCHANGE 0xff /* a symbol's decimals: whatever exchangeInfo says */
struct exec_bn_symbol {
	const char *name;      /* the exchange's: "BTCUSDT" */
	uint8_t px_decimals;   /* Osprey prices in 10^-px_decimals (tickSize's scale) */
	uint8_t qty_decimals;  /* quantities in 10^-qty_decimals (stepSize's scale) */
};

/* The user data stream, supplied by the caller; called on the stage's thread. */
struct exec_bn_stream_ops {
	/* start the stream at url ("wss://HOST/ws/<listenKey>"): 0 or -errno */
	int (*open)(void *ctx, const char *url);
	/* the next text message: 1 and *msg, *len (valid until the next call), 0
	 * none now, or -errno (the stream failed for good) */
	int (*next)(void *ctx, const char **msg, size_t *len);
	/* connected now? */
	bool (*up)(void *ctx);
	/* stop it (at destroy; may be NULL) */
	void (*close)(void *ctx);
};
struct exec_bn_stream {
	const struct exec_bn_stream_ops *ops;
	void *ctx;
};

struct exec_bn_gw_config {
	const char *rest;             /* "https://api.binance.com"; required */
	const char *stream;           /* "wss://stream.binance.com:9443"; required */
	const char *api_key;          /* required; the caller reads it from a file of its owner's */
	const char *secret;           /* required; copied, wiped at destroy */
	const char *ca_file;          /* PEM CAs instead of the system's (tests); NULL */
	const struct exec_bn_symbol *symbols; /* locate i + 1; required */
	unsigned nsymbols;
	uint64_t recv_window_ms;      /* 0: 5000 */
	uint64_t drain_ns;            /* after ORDER_EOS (0: 2 s) */
	unsigned max_orders;          /* open orders tracked (0: 4096) */
	struct exec_bn_stream stream_io; /* required */
};

struct exec_bn_gw_stats {
	uint64_t orders;          /* new orders handed to the REST thread */
	uint64_t cancels;         /* cancels handed to it */
	uint64_t requests;        /* all calls handed to it */
	uint64_t send_busy;       /* sends refused: not up, or its ring full */
	uint64_t rejects;         /* new orders the exchange refused */
	int64_t last_code;        /* the last refusal's code */
	char last_msg[200];       /* and its text */
	uint64_t rest_failures;   /* calls with no usable answer */
	uint64_t stream_opens;
	uint64_t events, reports, other_events, bad_events;
	char last_bad[200];
	uint64_t unknown_orders;  /* executionReports for client ids not open here */
	uint64_t invalid, no_symbol, filtered; /* orders refused before the wire */
	uint64_t symbols_ready, symbols_refused; /* by their exchangeInfo */
	uint64_t cancel_too_late, unknown_reports, open_orders;
	char reason[200];         /* the last notable event */
};

struct exec_bn_gw;

/* exec_bn_gw_create - validate, copy, start the REST thread (setup). 0,
 * -EINVAL (err names the field), -ENOMEM, or -errno. */
int exec_bn_gw_create(const struct exec_bn_gw_config *cfg, struct exec_bn_gw **ret, char *err,
                      size_t errlen);
/* exec_bn_gw_destroy - stop the thread, close the stream, wipe the secret;
 * NULL ok; returns NULL. After the stage using it. */
struct exec_bn_gw *exec_bn_gw_destroy(struct exec_bn_gw *g);
struct exec_venue exec_bn_gw_venue(struct exec_bn_gw *g);
void exec_bn_gw_stats(const struct exec_bn_gw *g, struct exec_bn_gw_stats *ret);

#endif /* OSPREY_EXEC_H */
