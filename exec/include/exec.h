/*
 * exec.h - Osprey's execution stage: the order manager, the venue interface
 * behind it, the simulated venue (its first backend), and positions and P&L.
 *
 *   orders_in (struct order_msg) --+                 +--> reports_out (struct exec_report) -> risk
 *                                  +-- order manager -+
 *   md_in (struct md_event) -------+   (exec_stage)   +--> persist_out (struct persist_rec)
 *                                        |     ^
 *                      send / market     v     |  poll: reports
 *                                 struct exec_venue (sim today; OUCH and FIX over TCP next)
 *
 * Where things live: the order manager is exec/src/om.c, the venue interface
 * is `struct exec_venue` below, the simulated venue is exec/src/venue_sim.c,
 * positions and P&L are exec/src/positions.c, the order state machine is
 * exec/src/order.c, the OUCH 4.2 message codec (last section: what an OUCH
 * gateway and a venue speak) is exec/src/ouch.c.
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
 *   reports_out acks, fills, cancels, rejects, EXEC_PROGRESS markers, and
 *               last EXEC_EOS -> risk
 *   persist_out optional: every order sent (PERSIST_ORDER, cancels too), every
 *               report (PERSIST_REPORT), the position after every fill
 *               (PERSIST_POSITION), then PERSIST_EOS
 *
 * Each poll, in this order: push what the outbox holds (nothing else happens
 * until it is empty); take the venue's pending reports; hand up to `burst`
 * order messages to the venue; hand up to `burst` market-data events to the
 * venue, taking its reports after each; and, for an event-time venue, mark
 * its progress (EXEC_PROGRESS). The stage never drops: when an output ring
 * is full it keeps what it produced in a preallocated outbox, stops consuming
 * input, and retries on the next poll (exec_stats.out_waits). When the venue
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
 * ORDER_NEW it sends (EXEC_TIF_DAY unless configured).
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
 * session(ctx): where the session stands (enum exec_session).
 * stats(ctx, ret): the venue's counters (struct exec_venue_stats); fields a
 *   venue does not keep are 0.
 *
 * event_time: the venue acts on the market-data stream in event order and
 * only as far as the orders allow (the simulated venue). The stage then tells
 * risk how far it has got (EXEC_PROGRESS), which risk's venue_sync waits for.
 * A venue on a socket is never waited for.
 */
enum exec_session {
	EXEC_SESSION_DOWN = 0,       /* no session: orders cannot be sent */
	EXEC_SESSION_CONNECTING = 1, /* logging in or recovering */
	EXEC_SESSION_UP = 2,         /* orders may be sent */
	EXEC_SESSION_DONE = 3,       /* finished after ORDER_EOS: no report will follow */
};

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
/* The simulated venue (deterministic, event time, optimistic).
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
 * Acting on md event e for instrument L (e.locate):
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
 *       after the cancel-all are not affected).
 *  "Not yet taken": liquidity we take at a price level is remembered until
 *  the best price on that side changes, so one displayed level is not filled
 *  twice. Nothing fills while the instrument's last event carries
 *  MD_F_HALTED.
 *
 * Capacity: send() answers EXEC_VENUE_BUSY while the FIFO holds max_inflight
 * messages, or while a valid ORDER_NEW would make more than max_orders orders
 * in flight or resting. Give the stage the same max_orders.
 *
 * Honest limits: no queue position (we are always first at our price), no
 * market impact, fills never exceed what the feed displayed or executed but
 * our orders never remove liquidity from the real book. Orders still in
 * flight when both streams end never reach the venue (inflight).
 */
struct exec_sim_config {
	uint64_t latency_ns;                 /* venue latency in event time */
	unsigned max_orders;                 /* in flight + resting ORDER_NEWs; 0: 4096 */
	unsigned max_inflight;               /* FIFO entries; 0: 2 * max_orders */
	unsigned max_resting_per_instrument; /* 0: 64 */
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
	const struct position *initial;   /* initial positions (copied), locates unique */
	unsigned ninitial;
	unsigned max_orders; /* open + in-flight ORDER_NEWs tracked; 0: 4096 */
	enum exec_tif tif;   /* stamped on every ORDER_NEW */
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
	uint64_t illegal;          /* illegal order-manager transitions (ignored) */
	uint64_t
	        unknown_reports; /* reports for orders not in the table (invalid-order rejects aside) */
	uint64_t cancel_unknown; /* cancels for ids never sent, plus the venue's cancel_too_late */
	uint64_t out_waits;        /* polls that stopped on a full output ring */
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
 * at most cap (call with cap 0 to size the buffer). Scans all 65536 locates:
 * for reports at the end, not for a hot loop.
 */
unsigned exec_stage_positions(const struct exec_stage *s, struct position *out, unsigned cap);

/* exec_stage_order - snapshot of an order in the table: 0, or -ENOENT if
 * order_id is not open or in flight (never sent, or already terminal). */
int exec_stage_order(const struct exec_stage *s, uint64_t order_id, struct exec_order_info *ret);

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

#endif /* OSPREY_EXEC_H */
