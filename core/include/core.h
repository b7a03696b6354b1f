/*
 * core.h - Osprey's foundation, one file of about 1,450 lines on purpose (why
 * one file: below). SPSC rings, hop message types, the clock, HDR histograms,
 * threads and pinning, INI configuration, stage runners, SoupBinTCP 3.0 (the
 * one framing both market data and order entry ride on: the packet codec and
 * a session client), and JSON scanning (the crypto feeds and crypto order
 * entry both read JSON; last section).
 * Why one file of about 1,450 lines: every stage includes it and no other, the
 * ring, clock and histogram operations must be inline here for the hot path,
 * and it is core's manual (STYLE.md 1-2). What two stages share must live in
 * core, since stages never include each other: SoupBinTCP, its longest
 * section, and JSON scanning are here because the feed stage and the
 * order-entry gateways both speak them. The sections run from
 * what every stage uses (rings, messages, clock) to what some do.
 *
 * Depends on libc only. Every stage library includes this header and no other
 * stage's header.
 *
 * Results: functions that act return 0 on success, a negative errno on
 * failure (forward it unchanged), or a documented positive outcome (handle it).
 * Predicates return bool. Batch calls return a count.
 *
 * Threads: unless a function says otherwise it may be called from any thread
 * on objects that thread owns. Ring producer calls belong to exactly one
 * thread, ring consumer calls to exactly one (possibly other) thread.
 *
 * Memory: the caller brings the memory. Nothing here allocates after setup;
 * core_alloc() is the one allocation hook and is for setup paths.
 */
#ifndef OSPREY_CORE_H
#define OSPREY_CORE_H

#include <assert.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define CORE_CACHE_LINE 64
#define CORE_ALIGNED    __attribute__((aligned(CORE_CACHE_LINE)))
#define CORE_COLD       __attribute__((cold))

/* Positive outcomes shared by the stages. */
enum core_outcome {
	CORE_OK = 0,
	CORE_RING_FULL = 1,  /* nothing was pushed: the consumer is behind */
	CORE_RING_EMPTY = 2, /* nothing was popped */
	CORE_EOF = 3,        /* a stage's poll: finished, end of stream forwarded */
	/* SoupBinTCP (last section of this header) */
	CORE_SOUP_PARTIAL = 4, /* core_soup_next: only part of a packet is there */
	CORE_SOUP_QUEUED = 5,  /* core_soup_client_send: sent in part, the rest is buffered */
	CORE_SOUP_BUSY = 6,    /* core_soup_client_send: the kernel takes nothing now; not sent */
	CORE_SOUP_OFFLINE = 7, /* core_soup_client_send: not logged in; not sent */
};

/* ------------------------------------------------------------------------- */
/* Allocation hook (setup only). Aligned, zeroed; NULL on failure.            */

void *core_alloc(size_t size, size_t align);
void core_free(void *p);

/*
 * One allocation for an object and every table it owns (setup only): plan
 * each table, allocate once, free with core_free alone. No partial-failure
 * paths, and the tables sit together in memory.
 *
 *   struct core_layout l = core_layout_begin(sizeof(struct x));
 *   size_t tab = core_layout_add(&l, n, sizeof(*x->tab), CORE_CACHE_LINE);
 *   struct x *x = core_layout_alloc(&l);   // zeroed; NULL: out of memory
 *   x->tab = core_layout_at(x, tab);
 *
 * core_layout_add returns the table's offset from the object; a size that
 * overflows makes core_layout_alloc return NULL. align: a power of two; the
 * block is aligned to the largest one asked for (at least a cache line).
 */
struct core_layout {
	size_t size;
	size_t align;
	bool overflow;
};

static inline struct core_layout core_layout_begin(size_t object_size)
{
	return (struct core_layout){ .size = object_size, .align = CORE_CACHE_LINE };
}

static inline size_t core_layout_add(struct core_layout *l, size_t count, size_t elem_size,
                                     size_t align)
{
	size_t off = (l->size + align - 1) & ~(align - 1);
	if (l->size > SIZE_MAX - align || (elem_size && count > (SIZE_MAX - off) / elem_size)) {
		l->overflow = true;
		return 0;
	}
	l->size = off + count * elem_size;
	if (align > l->align)
		l->align = align;
	return off;
}

static inline void *core_layout_alloc(const struct core_layout *l)
{
	return l->overflow ? NULL : core_alloc(l->size, l->align);
}

static inline void *core_layout_at(void *object, size_t offset)
{
	return (unsigned char *)object + offset;
}

/* ------------------------------------------------------------------------- */
/* Error messages. Setup calls take (char *err, size_t errlen) and write one
 * line naming what was wrong and where; core_errf is the one formatter they
 * share. err may be NULL or errlen 0 (nothing written). Any thread. */
void core_errf(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------------------------- */
/* SPSC ring: fixed-size slots, power-of-two capacity.
 *
 * One producer thread calls core_ring_push*, core_ring_reserve*, core_ring_slot
 * and core_ring_commit; one consumer thread calls core_ring_pop*,
 * core_ring_readable, core_ring_peek and core_ring_release. Indices are
 * free-running uint32_t and are compared only by unsigned difference, so they
 * may wrap. Each side keeps a cached copy of the other side's index and only
 * reloads it (acquire) when the cached copy says the ring is full or empty.
 *
 * Memory orders:
 *  P1 (producer, release store of head) pairs with C1 (consumer, acquire load
 *     of head): the slot contents written before P1 are visible after C1.
 *  C2 (consumer, release store of tail) pairs with P2 (producer, acquire load
 *     of tail): the consumer's reads of a slot happen before the producer
 *     overwrites it. The consumer's release is the producer's licence to
 *     reuse the slot.
 */
struct core_ring {
	/* producer-owned line */
	CORE_ALIGNED _Atomic uint32_t head; /* next slot to write */
	uint32_t tail_cache;                /* producer's copy of tail */
	uint64_t full_waits;                /* pushes that found the ring full */
	uint32_t reserved;                  /* slots reserved and not yet committed */
	/* consumer-owned line */
	CORE_ALIGNED _Atomic uint32_t tail; /* next slot to read */
	uint32_t head_cache;                /* consumer's copy of head */
	/* read-only after init */
	CORE_ALIGNED uint32_t mask;
	uint32_t slot_size;
	unsigned char *slots;
	char name[32];
	char guard_[CORE_CACHE_LINE];
};

/*
 * core_ring_init - set up a ring over caller-owned memory.
 * @slots: capacity * slot_size bytes, cache-line aligned, owned by the caller
 *         and valid for the ring's lifetime.
 * Returns 0, or -EINVAL if capacity is not a power of two >= 2 or slot_size
 * is 0 or not a multiple of 8.
 */
int core_ring_init(struct core_ring *r, const char *name, void *slots, uint32_t capacity,
		   uint32_t slot_size);

/* core_ring_create - allocate ring and slots with core_alloc (setup only). NULL on failure. */
struct core_ring *core_ring_create(const char *name, uint32_t capacity, uint32_t slot_size);
/* core_ring_destroy - free a ring from core_ring_create; accepts NULL; returns NULL. */
struct core_ring *core_ring_destroy(struct core_ring *r);

static inline uint32_t core_ring_capacity(const struct core_ring *r)
{
	return r->mask + 1;
}

/* core_ring_fill - messages in the ring now, for an observer on any thread
 * (a gauge): both indices read relaxed, so it may be a moment stale. */
static inline uint32_t core_ring_fill(const struct core_ring *r)
{
	uint32_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint32_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint32_t n = h - t;
	return n > r->mask + 1 ? 0 : n; /* tail read before a head that wrapped past it */
}

/* Producer: number of free slots, reloading the consumer index only if needed. */
static inline uint32_t core_ring__free(struct core_ring *r, uint32_t want)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed); /* own index */
	uint32_t cap = r->mask + 1;
	uint32_t free_slots = cap - (head - r->tail_cache);
	if (free_slots < want) {
		/* P2: pairs with C2; the consumer is done with these slots. */
		r->tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
		free_slots = cap - (head - r->tail_cache);
	}
	return free_slots;
}

/*
 * core_ring_reserve - producer: pointer to the next free slot, or NULL when
 * the ring is full (counted in full_waits). Write the slot, then
 * core_ring_commit(r, 1). Producer only. Replaces any earlier reservation
 * not yet committed.
 */
static inline void *core_ring_reserve(struct core_ring *r)
{
	if (core_ring__free(r, 1) == 0) {
		r->full_waits++;
		r->reserved = 0;
		return NULL;
	}
	r->reserved = 1;
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	return r->slots + (size_t)(head & r->mask) * r->slot_size;
}

/*
 * core_ring_reserve_n - producer: reserve up to n slots to write in place.
 * Returns how many are reserved (0..n: as many free slots as there are, up
 * to n; 0 when the ring is full). The reserved slots follow the ring's
 * order but may wrap around the end of the slot buffer, so they are not one
 * array: write slot i (0 <= i < the count) through core_ring_slot(r, i),
 * then publish the first k of them (k <= the count, in order) with
 * core_ring_commit(r, k). Nothing is visible to the consumer before the
 * commit. A later core_ring_reserve* or push replaces the reservation.
 * Orders: when the cached consumer index shows fewer than n free slots, it
 * is reloaded with P2 (acquire, pairs with the consumer's C2 release): the
 * consumer's reads of the slots we are handed happen before our writes.
 * Producer only.
 */
static inline uint32_t core_ring_reserve_n(struct core_ring *r, uint32_t n)
{
	uint32_t free_slots = core_ring__free(r, n);
	r->reserved = n < free_slots ? n : free_slots;
	return r->reserved;
}

/* core_ring_slot - producer: the i-th reserved slot not yet committed (i <
 * the count core_ring_reserve_n returned; after core_ring_commit(r, k) the
 * remaining ones are numbered from 0 again). Valid until it is committed.
 * Producer only. */
static inline void *core_ring_slot(struct core_ring *r, uint32_t i)
{
	assert(i < r->reserved);
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed); /* own index */
	return r->slots + (size_t)((head + i) & r->mask) * r->slot_size;
}

/*
 * core_ring_commit - producer: publish the first n reserved slots, in order
 * (the rest stay reserved). n must not exceed the reservation: asserted, and
 * clamped to it where asserts are compiled out, so a commit can never
 * publish a slot that was not reserved, i.e. one the consumer has not
 * released yet or one never written.
 */
static inline void core_ring_commit(struct core_ring *r, uint32_t n)
{
	assert(n <= r->reserved);
	if (n > r->reserved)
		n = r->reserved;
	r->reserved -= n;
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	/* P1: pairs with C1; slot writes become visible before the new head. */
	atomic_store_explicit(&r->head, head + n, memory_order_release);
}

/*
 * core_ring_push_burst - producer: copy up to n messages (slot_size bytes
 * each, contiguous in msgs) into the ring. Returns the number pushed (0..n).
 */
static inline uint32_t core_ring_push_burst(struct core_ring *r, const void *msgs, uint32_t n)
{
	uint32_t free_slots = core_ring__free(r, n);
	if (n > free_slots)
		n = free_slots;
	r->reserved = 0; /* these slots are published here, not by a commit */
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	const unsigned char *src = msgs;
	for (uint32_t i = 0; i < n; i++)
		memcpy(r->slots + (size_t)((head + i) & r->mask) * r->slot_size,
		       src + (size_t)i * r->slot_size, r->slot_size);
	if (n)
		atomic_store_explicit(&r->head, head + n, memory_order_release); /* P1 */
	return n;
}

/* core_ring_push - producer: one message; 0 or CORE_RING_FULL (counted). */
static inline int core_ring_push(struct core_ring *r, const void *msg)
{
	void *slot = core_ring_reserve(r);
	if (!slot)
		return CORE_RING_FULL;
	memcpy(slot, msg, r->slot_size);
	core_ring_commit(r, 1);
	return 0;
}

/* Consumer: number of readable slots, reloading head only if needed. */
static inline uint32_t core_ring__avail(struct core_ring *r, uint32_t want)
{
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed); /* own index */
	uint32_t avail = r->head_cache - tail;
	if (avail < want) {
		/* C1: pairs with P1; slot contents are visible after this. */
		r->head_cache = atomic_load_explicit(&r->head, memory_order_acquire);
		avail = r->head_cache - tail;
	}
	return avail;
}

/*
 * core_ring_peek - consumer: pointer to the i-th readable slot (i < the value
 * returned by core_ring_readable), valid until core_ring_release.
 */
static inline uint32_t core_ring_readable(struct core_ring *r, uint32_t want)
{
	return core_ring__avail(r, want);
}

/* core_ring_readable_upto - consumer: readable slots, at most max (a stage's burst). */
static inline uint32_t core_ring_readable_upto(struct core_ring *r, uint32_t max)
{
	uint32_t n = core_ring__avail(r, max);
	return n < max ? n : max;
}

static inline const void *core_ring_peek(const struct core_ring *r, uint32_t i)
{
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	return r->slots + (size_t)((tail + i) & r->mask) * r->slot_size;
}

/* core_ring_release - consumer: hand n peeked slots back to the producer. */
static inline void core_ring_release(struct core_ring *r, uint32_t n)
{
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	/* C2: pairs with P2; our reads of these slots are done. */
	atomic_store_explicit(&r->tail, tail + n, memory_order_release);
}

/* core_ring_pop_burst - consumer: copy up to n messages out. Returns the count. */
static inline uint32_t core_ring_pop_burst(struct core_ring *r, void *out, uint32_t n)
{
	uint32_t avail = core_ring__avail(r, n);
	if (n > avail)
		n = avail;
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	unsigned char *dst = out;
	for (uint32_t i = 0; i < n; i++)
		memcpy(dst + (size_t)i * r->slot_size,
		       r->slots + (size_t)((tail + i) & r->mask) * r->slot_size, r->slot_size);
	if (n)
		atomic_store_explicit(&r->tail, tail + n, memory_order_release); /* C2 */
	return n;
}

/* core_ring_pop - consumer: one message; 0 or CORE_RING_EMPTY. */
static inline int core_ring_pop(struct core_ring *r, void *out)
{
	return core_ring_pop_burst(r, out, 1) ? 0 : CORE_RING_EMPTY;
}

/*
 * core_ring_check - setup: 0 if r is non-NULL and its slots are slot_size
 * bytes; else -EINVAL and "WHO: FIELD: ..." in err (the ring is missing, or
 * names its slot size next to the wanted type's). Any thread.
 */
int core_ring_check(const struct core_ring *r, const char *who, const char *field, size_t slot_size,
                    const char *type, char *err, size_t errlen);

/* ------------------------------------------------------------------------- */
/* Hop messages. Every hop message carries t0_ns (core clock when its input
 * bytes were read), ts_ns (exchange event time, ns since midnight) and seq
 * (the 1-based index of the market-data event it descends from). Layouts are
 * pinned by static_assert below. Prices are 1e-4 units (ITCH Price(4)). */

enum md_kind {
	MD_NONE = 0,
	MD_ADD = 1,     /* A, F: px, qty, side, ref */
	MD_EXEC = 2,    /* E, C: executed qty (qty), px = execution price, ref */
	MD_CANCEL = 3,  /* X: qty cancelled */
	MD_DELETE = 4,  /* D */
	MD_REPLACE = 5, /* U: ref = new ref, px/qty new */
	MD_TRADE = 6,   /* P, Q: non-displayed or cross trade, px, qty */
	MD_STATUS = 7,  /* S, R, H, Y, ... : no book change */
	MD_LEVEL = 8,   /* L2 feeds (crypto): the price level px on side now holds qty (0: gone) */
	MD_GAP = 9,     /* the feed lost messages for this instrument (flags carry MD_F_STALE) */
	MD_EOS = 15,    /* end of stream: forwarded by every stage, then stop */
};

enum md_flags {
	MD_F_STALE = 1 << 0,   /* the instrument's book may be wrong (gap, decode error) */
	MD_F_CROSSED = 1 << 1, /* best bid >= best ask after this event */
	MD_F_HALTED = 1 << 2,  /* trading action says halted / paused */
	MD_F_BOOK = 1 << 3,    /* the event changed the book */
};

struct md_event {
	uint64_t t0_ns;
	uint64_t ts_ns;
	uint64_t seq;
	uint64_t ref;     /* order reference (add/exec/cancel/delete/replace-new) or match number;
			     ITCH 'R' (stock directory): the Stock field's 8 bytes, space padded */
	uint32_t px;      /* event price, 1e-4 */
	uint32_t qty;     /* event shares */
	uint32_t bid_px;  /* top of book after the event; 0 with qty 0 when the side is empty */
	uint32_t bid_qty;
	uint32_t ask_px;
	uint32_t ask_qty;
	uint16_t locate;  /* instrument (ITCH stock locate) */
	uint8_t kind;     /* enum md_kind */
	uint8_t side;     /* 'B', 'S' or 0 */
	uint8_t flags;    /* enum md_flags */
	uint8_t msg_type; /* the ITCH message type byte */
	uint16_t tracking;
};
static_assert(sizeof(struct md_event) == 64, "md_event is one cache line");

#define FEATURE_MAX 22
/* Fixed-point feature scale: Q16 (value * 65536), saturated to int32. */
#define FEATURE_ONE 65536

struct feature_vec {
	uint64_t t0_ns;
	uint64_t ts_ns;
	uint64_t seq;
	uint32_t bid_px, bid_qty;
	uint32_t ask_px, ask_qty;
	uint16_t locate;
	uint8_t kind;  /* MD_* of the source event, or MD_EOS */
	uint8_t flags; /* MD_F_* of the source event */
	uint8_t n;     /* number of valid features */
	uint8_t warm;  /* nonzero once every indicator has warmed up */
	uint8_t pad_[2];
	int32_t f[FEATURE_MAX];
};
static_assert(sizeof(struct feature_vec) == 136, "feature_vec layout");

enum intent_kind {
	INTENT_NEW = 1,        /* a new limit order */
	INTENT_WATERMARK = 2,  /* no order: every event up to seq has been decided */
	INTENT_CANCEL = 3,     /* cancel our open order order_id (a strategy's own) */
	INTENT_EOS = 15,
};

struct order_intent {
	uint64_t t0_ns;
	uint64_t ts_ns;
	uint64_t seq;
	uint32_t px;      /* limit price */
	uint32_t qty;
	uint32_t bid_px;  /* book when decided (for the price collar) */
	uint32_t ask_px;
	uint16_t locate;
	uint8_t side;     /* 'B' or 'S' */
	uint8_t kind;     /* enum intent_kind */
	uint16_t confidence; /* 0..10000: with calibrated, the probability that side is right */
	uint8_t flags;    /* MD_F_* of the source event */
	uint8_t model;    /* which model produced it */
	uint8_t calibrated; /* 1: confidence is a calibrated probability (Kelly sizing reads it) */
	uint8_t pad_[7];
	uint64_t order_id; /* INTENT_CANCEL: the order (risk's id) */
};
static_assert(sizeof(struct order_intent) == 64, "order_intent is one cache line");

enum order_kind {
	ORDER_NEW = 1,
	ORDER_CANCEL = 2,     /* cancel order_id */
	ORDER_CANCEL_ALL = 3, /* cancel every open order (kill switch) */
	ORDER_WATERMARK = 4,  /* no order: every event up to seq has been decided */
	ORDER_EOS = 15,
};

enum order_flags {
	/* ORDER_NEW closing a position on the operator's command (osprey-ctl kill
	 * --flatten): risk lets it through while killed; with px 0 exec prices it
	 * at the touch (a buy at the last ask, a sell at the last bid) and sends
	 * it immediate-or-cancel. */
	ORDER_F_FLATTEN = 1 << 0,
	/* ORDER_NEW from risk's position manager closing a position (stop-loss,
	 * take-profit, trailing stop, time exit): px is the opposite touch when
	 * decided; exec sends it immediate-or-cancel like a flatten. */
	ORDER_F_EXIT = 1 << 1,
};

struct order_msg {
	uint64_t t0_ns;
	uint64_t ts_ns;
	uint64_t seq;
	uint64_t order_id; /* assigned by risk, unique per run and across restarts */
	uint32_t px;
	uint32_t qty;
	uint16_t locate;
	uint8_t side;
	uint8_t kind;      /* enum order_kind */
	uint8_t tif;       /* ORDER_NEW time in force (exec.h: enum exec_tif); 0: DAY */
	uint8_t flags;     /* enum order_flags */
	uint8_t pad_[18];
};
static_assert(sizeof(struct order_msg) == 64, "order_msg is one cache line");

enum exec_kind {
	EXEC_ACK = 1,
	EXEC_FILL = 2, /* partial or full: see leaves_qty */
	EXEC_CANCELED = 3,
	EXEC_REJECTED = 4,
	/* No order: the venue has processed every md event up to seq. Risk waits
	 * for it before deciding an intent of a later event, so its position view
	 * is the same whatever the thread timing. */
	EXEC_PROGRESS = 5,
	/* No order: the venue session changed state; reason = enum exec_session.
	 * Sent for venues on a socket (the simulated venue is always up). Risk
	 * sends no new order while the session is not EXEC_SESSION_UP. */
	EXEC_SESSION = 6,
	/* No order: exec's last report. Exec pushes it once it has consumed
	 * ORDER_EOS and pushed every report that follows from it. */
	EXEC_EOS = 15,
};

/* Where a venue session stands (exec.h: the venue interface). */
enum exec_session {
	EXEC_SESSION_DOWN = 0,       /* no session: orders cannot be sent */
	EXEC_SESSION_CONNECTING = 1, /* logging in, or recovering what happened while down */
	EXEC_SESSION_UP = 2,         /* logged in and reconciled: orders may be sent */
	EXEC_SESSION_DONE = 3,       /* finished after ORDER_EOS: no report will follow */
};

struct exec_report {
	uint64_t ts_ns;    /* event time of the venue action */
	uint64_t seq;      /* md event at which the venue acted */
	uint64_t order_id;
	int64_t position;  /* instrument position after this report */
	uint32_t px;       /* fill price, or the order price */
	uint32_t qty;      /* fill qty, or the order qty */
	uint32_t leaves_qty;
	uint32_t cum_qty;
	uint16_t locate;
	uint8_t kind;      /* enum exec_kind */
	uint8_t side;
	uint8_t reason;    /* venue reject or cancel reason */
	uint8_t pad_[3];
	uint64_t venue_seq; /* the venue's session sequence number of the message behind
	                     * this report (OUCH: SoupBinTCP; 0: none, e.g. a simulated
	                     * venue or a refusal made here); the store keeps the highest
	                     * so a restart resumes the session after it */
};
static_assert(sizeof(struct exec_report) == 64, "exec_report is one cache line");

/* A position as persisted and restored. Money in 1e-4 units times shares. */
struct position {
	int64_t qty;
	int64_t cost;          /* signed cost of the open quantity (qty * avg px) */
	int64_t realized_pnl;
	uint64_t ts_ns;
	uint16_t locate;
	uint8_t pad_[6];
};
static_assert(sizeof(struct position) == 40, "position layout");

/*
 * core_position_apply - one fill of dq signed shares at px, average-cost
 * method (exec's positions and risk's money view both use it): a fill that
 * reduces |qty| realizes (px - average px) * closed qty, sign-adjusted for
 * shorts; one through zero closes the old side, then opens the new at px.
 * Pure arithmetic; any thread on its own position.
 */
static inline void core_position_apply(struct position *p, int64_t dq, uint32_t px)
{
	int64_t q = p->qty;
	if (q == 0 || (q > 0) == (dq > 0)) {
		p->qty = q + dq;
		p->cost += dq * (int64_t)px;
		return;
	}
	int64_t absq = q < 0 ? -q : q;
	int64_t absd = dq < 0 ? -dq : dq;
	int64_t closing = absd < absq ? absd : absq;
	int64_t removed = closing == absq ? p->cost : (int64_t)((__int128)p->cost * closing / absq);
	int64_t sign = q > 0 ? 1 : -1;
	p->realized_pnl += sign * closing * (int64_t)px - removed;
	p->qty = q - sign * closing;
	p->cost -= removed;
	int64_t rest = absd - closing;
	if (rest > 0) {
		int64_t sd = dq > 0 ? 1 : -1;
		p->qty += sd * rest;
		p->cost += sd * rest * (int64_t)px;
	}
}

enum persist_kind {
	PERSIST_ORDER = 1,    /* an order as sent (order_msg) */
	PERSIST_REPORT = 2,   /* an execution report */
	PERSIST_POSITION = 3, /* a position after a fill */
	PERSIST_EOS = 15,
};

struct persist_rec {
	uint8_t kind;   /* enum persist_kind */
	uint8_t pad_[7];
	uint64_t run_seq; /* producer's record counter */
	union {
		struct order_msg order;
		struct exec_report report;
		struct position pos;
	} u;
};
static_assert(sizeof(struct persist_rec) == 80, "persist_rec layout");

/* ------------------------------------------------------------------------- */
/* Clock: TSC calibrated against CLOCK_MONOTONIC.
 *
 * core_clock_init() must run once (setup) before core_now_ns(); it measures
 * the TSC frequency for about calib_ms milliseconds (0: 20 ms). Without an
 * invariant TSC it falls back to clock_gettime. core_now_ns() is monotonic
 * nanoseconds on one host, comparable across threads, and never syscalls
 * on the TSC path. */
int core_clock_init(unsigned calib_ms);
uint64_t core_clock_tsc_hz(void);
bool core_clock_uses_tsc(void);
uint64_t core_monotonic_ns(void); /* clock_gettime(CLOCK_MONOTONIC) */

struct core_clock__state {
	uint64_t tsc0;
	uint64_t ns0;
	uint64_t mult; /* ns = (ticks * mult) >> 32 */
	bool tsc;
};
extern struct core_clock__state core_clock__g;

static inline uint64_t core_rdtsc(void)
{
#if defined(__x86_64__) || defined(__i386__)
	uint32_t lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
#else
	return 0;
#endif
}

static inline uint64_t core_now_ns(void)
{
	if (core_clock__g.tsc) {
		uint64_t d = core_rdtsc() - core_clock__g.tsc0;
		return core_clock__g.ns0 + (uint64_t)(((unsigned __int128)d * core_clock__g.mult) >> 32);
	}
	return core_monotonic_ns();
}

/* ------------------------------------------------------------------------- */
/* HDR histogram: values 1 ns .. 60 s at 3 significant digits (the standard
 * HdrHistogram bucket layout, so its V2 encoding is readable by HdrHistogram's
 * own tools). Values above the highest trackable value are clamped to it and
 * counted in `clamped`. One writer thread per histogram; readers must be
 * ordered after the writer (see core_hist_pair).
 *
 * The layout is fixed at compile time, so recording is inline and costs a
 * few instructions (no call): see core_hist__index. */

#define CORE_HIST_LOWEST  1
#define CORE_HIST_HIGHEST 60000000000LL
#define CORE_HIST_DIGITS  3

/* The layout those three give, as HdrHistogram derives it: unit magnitude
 * floor(log2(lowest)) = 0; sub-bucket count 2^ceil(log2(2 * 10^digits)) =
 * 2048, half of it 1024 (magnitude 10). core_hist_init computes the same
 * fields from the three constants above; tests/core/test_hist.c checks that
 * core_hist__index agrees with HdrHistogram's general formula. */
#define CORE_HIST__HALF_MAG 10
static_assert(CORE_HIST_LOWEST == 1 && CORE_HIST_DIGITS == 3,
	      "core_hist__index hard-codes unit magnitude 0 and 2048 sub-buckets");

struct core_hist {
	int64_t lowest;
	int64_t highest;
	int32_t digits;
	int32_t unit_magnitude;
	int32_t sub_bucket_half_count_magnitude;
	int32_t sub_bucket_count;
	int32_t sub_bucket_half_count;
	int32_t bucket_count;
	int64_t sub_bucket_mask;
	int32_t counts_len;
	int32_t pad_;
	int64_t total;
	int64_t min;
	int64_t max;
	int64_t clamped;
	int64_t start_ns; /* interval start, wall clock (CLOCK_REALTIME ns), 0 if unset */
	int64_t end_ns;
	int64_t *counts;  /* counts_len entries, owned by the histogram */
};

/* core_hist_init - allocate counts (setup only). 0 or -ENOMEM. */
int core_hist_init(struct core_hist *h);
void core_hist_fini(struct core_hist *h);
void core_hist_reset(struct core_hist *h);

/*
 * core_hist__index - the counts index of v (CORE_HIST_LOWEST <= v <=
 * CORE_HIST_HIGHEST). HdrHistogram's counts_index_for with the constants
 * folded in: bucket b = 64 - clz(v | 2047) - 11 (b >= 0: bucket 0 holds
 * 0..2047 exactly, bucket b >= 1 holds [2^(b+10), 2^(b+11)) in steps of
 * 2^b), sub-bucket v >> b, index (b + 1) * 1024 + (v >> b) - 1024, which
 * simplifies to b * 1024 + (v >> b).
 */
static inline int32_t core_hist__index(int64_t v)
{
	int32_t b = 53 - __builtin_clzll((uint64_t)v | ((2u << CORE_HIST__HALF_MAG) - 1));
	return (b << CORE_HIST__HALF_MAG) + (int32_t)(v >> b);
}

/* core_hist_record_n - add n occurrences of v (clamped to the trackable
 * range; above it counted in clamped). Writer thread only. */
static inline void core_hist_record_n(struct core_hist *h, int64_t v, int64_t n)
{
	if (v < CORE_HIST_LOWEST)
		v = CORE_HIST_LOWEST;
	if (v > CORE_HIST_HIGHEST) {
		v = CORE_HIST_HIGHEST;
		h->clamped += n;
	}
	h->counts[core_hist__index(v)] += n;
	h->total += n;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

static inline void core_hist_record(struct core_hist *h, int64_t v)
{
	core_hist_record_n(h, v, 1);
}

/* core_hist_value_at - the value at percentile p (0..100): the highest value
 * equivalent to the bucket holding that rank, as HdrHistogram reports it. 0 if empty. */
int64_t core_hist_value_at(const struct core_hist *h, double p);
/* core_hist_merge - add src into dst (same layout). */
void core_hist_merge(struct core_hist *dst, const struct core_hist *src);
int64_t core_hist_max(const struct core_hist *h); /* highest equivalent value of max */
int64_t core_hist_min(const struct core_hist *h);
double core_hist_mean(const struct core_hist *h);
/* Bucket helpers used by encoders and iterators. */
int64_t core_hist_value_from_index(const struct core_hist *h, int32_t index);
int64_t core_hist_highest_equivalent(const struct core_hist *h, int64_t v);

/*
 * core_hist_encode_v2 - HdrHistogram V2 encoding (cookie 0x1c849303, ZigZag
 * LEB128 counts, runs of zeros as negatives) into buf. Returns the number of
 * bytes written, or -ENOSPC if cap is too small (core_hist_encode_bound()
 * bytes always suffice).
 */
long core_hist_encode_v2(const struct core_hist *h, unsigned char *buf, size_t cap);
/*
 * core_hist_decode_v2 - add one V2 encoding's counts (not compressed: the
 * cookie 0x1c849303 with any word-size bits, as HdrHistogram and
 * core_hist_encode_v2 write it) to h, reading only buf[0..len). 0, or
 * -EINVAL: a bad cookie, a payload past len, a malformed LEB128, a count
 * past h's range or negative past a zero run, a normalizing offset, or
 * parameters other than h's (lowest, highest, digits). On -EINVAL h may hold
 * part of the counts. Pure; the caller's thread.
 */
int core_hist_decode_v2(struct core_hist *h, const unsigned char *buf, size_t len);
size_t core_hist_encode_bound(const struct core_hist *h);

/*
 * A double-buffered histogram pair: the stage records into the active one; a
 * reader (the telemetry sidecar) flips and collects the other.
 *
 * Writer (one stage thread): h = core_hist_pair_begin(p) at the start of a
 * poll, record into h, core_hist_pair_end(p) at the end.
 * Reader (one thread): core_hist_pair_flip(p) then, once
 * core_hist_pair_quiesced(p) is true, the returned inactive histogram may be
 * read and reset; then call again next interval.
 *
 * Orders: W1 the writer's acquire load of epoch pairs with R1 the reader's
 * release store of the next epoch (the reset of the buffer happens before the
 * writer uses it again). W2 the writer's release store of seen pairs with R2
 * the reader's acquire load: the writer's records into the old buffer happen
 * before the reader reads it.
 */
struct core_hist_pair {
	CORE_ALIGNED _Atomic uint64_t epoch; /* written by the reader */
	CORE_ALIGNED _Atomic uint64_t seen;  /* written by the writer: epoch of its last batch */
	uint64_t cur;                        /* writer's epoch for the open batch */
	CORE_ALIGNED struct core_hist h[2];
};

int core_hist_pair_init(struct core_hist_pair *p);
void core_hist_pair_fini(struct core_hist_pair *p);

static inline struct core_hist *core_hist_pair_begin(struct core_hist_pair *p)
{
	p->cur = atomic_load_explicit(&p->epoch, memory_order_acquire); /* W1 */
	return &p->h[p->cur & 1];
}

static inline void core_hist_pair_end(struct core_hist_pair *p)
{
	atomic_store_explicit(&p->seen, p->cur, memory_order_release); /* W2 */
}

/* Reader: start a new interval; returns the histogram to collect once quiesced. */
struct core_hist *core_hist_pair_flip(struct core_hist_pair *p);
/* Reader: true when the writer can no longer touch the collected histogram,
 * i.e. it has finished a batch in the new epoch. An idle writer keeps the
 * interval open: the reader polls again later and must not flip meanwhile.
 * After the writer's thread has been joined, both buffers may be read. */
bool core_hist_pair_quiesced(struct core_hist_pair *p);

/* ------------------------------------------------------------------------- */
/* Threads. */

/*
 * core_thread_pin - pin the calling thread to cpu (>= 0) and name it (up to
 * 15 characters). cpu < 0 leaves the affinity alone. 0 or negative errno.
 */
int core_thread_pin(int cpu, const char *name);
int core_cpu_count(void);

/* Idle policy of a stage runner when a full round of polls did no work. */
enum core_idle {
	CORE_IDLE_SPIN = 0,  /* cpu pause only */
	CORE_IDLE_YIELD = 1, /* sched_yield after spin_limit idle rounds */
	CORE_IDLE_SLEEP = 2, /* nanosleep(sleep_ns) after spin_limit idle rounds */
};

/*
 * A stage is a poll function over its rings. One call does a bounded amount
 * of work and writes how much to *ret_work (messages consumed plus produced,
 * as the stage's header defines it; 0: idle or blocked). It returns 0 while
 * its stream goes on, CORE_EOF once it has forwarded end of stream (then and
 * on every later call, with whatever work that call did), or a negative errno
 * on a fatal error (*ret_work untouched). End of stream travels in the rings
 * as a message kind (MD_EOS, INTENT_EOS, ORDER_EOS, EXEC_EOS, PERSIST_EOS),
 * never beside them.
 */
typedef int core_poll_fn(void *ctx, uint32_t *ret_work);

struct core_stage {
	const char *name;
	core_poll_fn *poll;
	void *ctx;
};

/*
 * Per-message timing into a stage's histogram pair: the skeleton every
 * stage's poll shares. core_timer_begin opens a batch (nothing is recorded
 * when pair is NULL), core_timer_lap records the time since the previous lap
 * (or the begin) and returns now, core_timer_end closes the batch. The
 * stage's polling thread only (it is the pair's one writer).
 */
struct core_timer {
	struct core_hist_pair *pair;
	struct core_hist *h; /* the open batch; NULL while not recording */
	uint64_t t;          /* last lap */
};

static inline void core_timer_begin(struct core_timer *tm, struct core_hist_pair *pair)
{
	tm->pair = pair;
	tm->h = pair ? core_hist_pair_begin(pair) : NULL;
	tm->t = tm->h ? core_now_ns() : 0;
}

static inline uint64_t core_timer_lap(struct core_timer *tm)
{
	if (!tm->h)
		return 0;
	uint64_t now = core_now_ns();
	core_hist_record(tm->h, (int64_t)(now - tm->t));
	tm->t = now;
	return now;
}

static inline void core_timer_end(struct core_timer *tm)
{
	if (tm->h)
		core_hist_pair_end(tm->pair);
	tm->h = NULL;
}

#define CORE_RUNNER_MAX_STAGES 8
/* Extra passes a round makes over stages[1..] while they progress (see
 * core_runner_run): bounds how long the first stage can be starved. */
#define CORE_RUNNER_DRAIN_PASSES 8

struct core_runner {
	char name[16];
	int cpu;                    /* -1: no pinning */
	enum core_idle idle;
	uint32_t spin_limit;
	uint64_t sleep_ns;
	unsigned nstages;
	struct core_stage stages[CORE_RUNNER_MAX_STAGES];
	_Atomic bool *stop;         /* shared stop flag (relaxed is enough: no data rides on it) */
	/* called on the runner's thread when a stage fails, before the runner
	 * returns (the owner halts what depends on it); NULL: none */
	void (*on_fail)(void *arg, const struct core_runner *r, const char *stage, int rc);
	void *fail_arg;
	int result;                 /* 0, or the first negative errno a stage returned */
	uint64_t idle_rounds;
	uint64_t busy_rounds;
};

/*
 * core_runner_run - run the stages in order, round after round, until every
 * stage has returned CORE_EOF or *stop is set, or a stage fails. A round polls
 * every stage once, then polls stages[1..] again while they still do work (up
 * to CORE_RUNNER_DRAIN_PASSES times), so a thread drains what its first stage
 * admitted before admitting more. Call from the
 * thread that should run them (core_runner_start does that on a new thread).
 * Returns 0 or the failing stage's negative errno (after on_fail, if set).
 */
int core_runner_run(struct core_runner *r);
/* core_runner_start - run r on a new pinned, named thread. 0 or negative errno. */
int core_runner_start(struct core_runner *r);
/* core_runner_join - wait for a started runner; returns its result. */
int core_runner_join(struct core_runner *r);

static inline void core_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* ------------------------------------------------------------------------- */
/* INI configuration: "[section]" lines, "key = value" lines, '#' or ';'
 * comments. Keys are looked up as "section.key". */

#define CORE_CONFIG_MAX_ENTRIES 256

struct core_config_entry {
	char key[64];   /* "section.key" */
	char value[1024]; /* (a subscription message of an exchange's stream fits) */
	int line;
	bool used;
};

struct core_config {
	char path[256];
	int n;
	struct core_config_entry e[CORE_CONFIG_MAX_ENTRIES];
};

/*
 * core_config_load - parse an INI file into cfg (caller-owned). On a syntax
 * error returns -EINVAL and writes "FILE:LINE: what" into err; -EINVAL too
 * for an empty file, a NUL byte, -EFBIG above 1 MiB, -errno if the file
 * cannot be read.
 */
int core_config_load(struct core_config *cfg, const char *path, char *err, size_t errlen);
/* core_config_parse - the same over a string; name is used in messages. */
int core_config_parse(struct core_config *cfg, const char *name, const char *text, char *err,
		      size_t errlen);
/* core_config_get - the raw value of "section.key", or NULL. Marks it used. */
const char *core_config_get(struct core_config *cfg, const char *key);
/*
 * Typed getters: *ret is left alone when the key is absent (returns 0).
 * A malformed or out-of-range value returns -EINVAL with "FILE:LINE: key
 * 'K': what" in err (and *ret left alone).
 *
 * Integers (core_config_u64, core_config_i64): an optional sign, then
 * decimal digits or "0x"/"0X" and hex digits, then an optional suffix k, m
 * or g (either case: x1000, x1000000, x1000000000), and nothing else
 * (no spaces inside, no "_" separators). Leading zeros are decimal: "010" is
 * ten, never octal. u64 values are exact over the whole range 0 ..
 * UINT64_MAX (18446744073709551615 = 0xffffffffffffffff); a value above it,
 * suffix included, is an error, as is a negative one ("-0" is 0). i64 values
 * are exact over INT64_MIN .. INT64_MAX, and an error beyond. Then the value
 * must lie in [min, max].
 */
int core_config_u64(struct core_config *cfg, const char *key, uint64_t min, uint64_t max,
		    uint64_t *ret, char *err, size_t errlen);
int core_config_i64(struct core_config *cfg, const char *key, int64_t min, int64_t max,
		    int64_t *ret, char *err, size_t errlen);
/*
 * core_parse_fixed - a decimal number with at most `decimals` digits after
 * the point ("1000000", "0.0035", "-2.5"; no exponent, no suffix) as an
 * integer in units of 10^-decimals: ("0.0035", 4) -> 35. Exact: more
 * digits after the point than `decimals` is -EINVAL, never rounded; beyond
 * int64 is -ERANGE. decimals <= 9.
 */
int core_parse_fixed(const char *s, unsigned decimals, int64_t *ret);
/* core_format_fixed - the other way: v in units of 10^-decimals as the
 * shortest decimal that parses back to it ("0.0035", "-2.5", "7"), in buf
 * (NUL-terminated, truncated to len). */
void core_format_fixed(char *buf, size_t len, int64_t v, unsigned decimals);
/* core_config_fixed - core_config_i64's rules over core_parse_fixed's values
 * (min and max in the same 10^-decimals units). */
int core_config_fixed(struct core_config *cfg, const char *key, unsigned decimals, int64_t min,
		      int64_t max, int64_t *ret, char *err, size_t errlen);
int core_config_bool(struct core_config *cfg, const char *key, bool *ret, char *err,
		     size_t errlen);
int core_config_str(struct core_config *cfg, const char *key, char *ret, size_t retlen, char *err,
		    size_t errlen);
/* core_config_unused - first entry no getter asked for (a likely typo), or NULL. */
const struct core_config_entry *core_config_unused(const struct core_config *cfg);

/* ------------------------------------------------------------------------- */
/* FNV-1a 64: file checksums, schema and stream hashes. Start from
 * CORE_FNV_OFFSET; feed more bytes by passing the previous result as h. */
#define CORE_FNV_OFFSET 0xcbf29ce484222325ull
static inline uint64_t core_fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *b = data;
	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/* ------------------------------------------------------------------------- */
/* Record logs: append-only files of checked records (core/src/reclog.c)
 *
 * What a process appends so that it can rebuild itself after being killed
 * (osprey-venue's input journal, a FIX session's resend journal). A record
 * is one writev(2) of a 16-byte header (u32 body length, u32 kind, u64
 * FNV-1a of the kind and the body; host byte order: the file stays on the
 * machine that wrote it) and the body. A SIGKILL cannot tear a record that
 * write returned for (it is in the page cache); a full disk or a crash of
 * the machine can leave a short or damaged tail, which core_rec_next stops
 * at and names, and which the owner cuts off (ftruncate to that offset)
 * before appending again. Plain functions on the caller's fd and buffers:
 * any thread, no state.
 */
#define CORE_REC_HDR 16u
#define CORE_REC_MAX (64u << 20) /* body bytes */

struct core_rec {
	uint32_t kind;
	uint32_t len;
	const unsigned char *body; /* inside the caller's buffer */
};

/* core_rec_append - append one record of kind whose body is a[0, alen) then
 * b[0, blen) (either may be empty). 0; -EMSGSIZE (body above CORE_REC_MAX);
 * -errno of writev; -EIO for a short write (the file may now end in a
 * partial record: cut it before the next append). */
int core_rec_append(int fd, uint32_t kind, const void *a, size_t alen, const void *b, size_t blen);
/* core_rec_next - the record at *off in buf[0, len): 0 and *off moved past
 * it; CORE_EOF at len; -EBADMSG when the rest is not a whole record that
 * checks (*off unchanged: where the good part ends). */
int core_rec_next(const void *buf, size_t len, size_t *off, struct core_rec *ret);
/* core_file_read - the whole file at path, NUL-terminated, into a malloc'd
 * *ret_buf (the caller frees) of *ret_len bytes (the NUL not counted).
 * 0; -EFBIG above max bytes; -ENOMEM; -errno of open / read. err names the
 * path and what ("PATH: No such file or directory", "PATH: larger than 1 MiB"). */
int core_file_read(const char *path, size_t max, char **ret_buf, size_t *ret_len, char *err,
		   size_t errlen);
/* core_secret_read - core_file_read for a file of secrets (API keys, a
 * token): refused (-EPERM, err says why and what to do) unless it is a
 * regular file, not a symbolic link, owned by this user, that nobody else
 * may read or write (mode 0600 or less). The caller wipes and frees. */
int core_secret_read(const char *path, size_t max, char **ret_buf, size_t *ret_len, char *err,
		     size_t errlen);
/* core_rec_read - the whole file fd into a malloc'd *ret_buf (the caller
 * frees; NULL when empty) of *ret_len bytes. 0, -ENOMEM, -errno. */
int core_rec_read(int fd, unsigned char **ret_buf, size_t *ret_len);

/* ------------------------------------------------------------------------- */
/* Big-endian loads for wire decoders. */
static inline uint16_t core_be16(const unsigned char *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}
static inline uint32_t core_be32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return __builtin_bswap32(v);
}
static inline uint64_t core_be48(const unsigned char *p)
{
	return (uint64_t)core_be16(p) << 32 | core_be32(p + 2);
}
static inline uint64_t core_be64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return __builtin_bswap64(v);
}
static inline void core_put_be16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}
static inline void core_put_be32(unsigned char *p, uint32_t v)
{
	v = __builtin_bswap32(v);
	memcpy(p, &v, 4);
}
static inline void core_put_be48(unsigned char *p, uint64_t v)
{
	core_put_be16(p, (uint16_t)(v >> 32));
	core_put_be32(p + 2, (uint32_t)v);
}
static inline void core_put_be64(unsigned char *p, uint64_t v)
{
	v = __builtin_bswap64(v);
	memcpy(p, &v, 8);
}

/* ------------------------------------------------------------------------- */
/* SoupBinTCP 3.0: the packet codec and a session client.
 *
 * SoupBinTCP is NASDAQ's framing for TCP sessions: market data (ITCH in
 * Sequenced Data) and order entry (OUCH: orders in Unsequenced Data from the
 * client, the venue's answers in Sequenced Data) use the same packets, so
 * both the feed stage and the order-entry gateway use this one copy.
 *
 * Packets: `[u16 BE length][type][payload]`, length = 1 + payload bytes.
 * Session packets carry ASCII fields: username (6) and password (10) padded
 * on the right with spaces, session (10) and sequence numbers (20 digits)
 * padded on the left with spaces (an all-blank session: the current one).
 *   client -> server: L login request (47), U unsequenced data, R heartbeat
 *                     (1), O logout request (1), + debug;
 *   server -> client: A login accepted (31), J login rejected (2: 'A' not
 *                     authorized, 'S' session not available), S sequenced
 *                     data (its number is implicit: the login's number, +1
 *                     per S), H heartbeat (1), Z end of session (1), + debug.
 *
 * The codec reads and writes the caller's memory, allocates nothing and may
 * be called from any thread.
 */
#define CORE_SOUP_MAX_PAYLOAD 65534 /* the length field counts the type byte */

enum core_soup_dir {
	CORE_SOUP_FROM_SERVER = 1,
	CORE_SOUP_FROM_CLIENT = 2,
};

/* A decoded packet. payload points into the caller's buffer. */
struct core_soup_pkt {
	const unsigned char *payload;
	uint16_t len;       /* payload bytes (the length field minus 1) */
	uint8_t type;
	char reject;        /* J: reject code */
	char username[7];   /* L: NUL-terminated, padding removed */
	char password[11];  /* L */
	char session[11];   /* L, A: NUL-terminated, padding removed ("" = blank) */
	uint64_t seq;       /* L: requested sequence number; A: next sequence number */
};

/*
 * core_soup_next - decode the packet at buf + *off (len bytes in buf;
 * nothing past them is read) sent in direction dir (enum core_soup_dir: a
 * server reads FROM_CLIENT, a client FROM_SERVER). Returns:
 *   0                 *ret filled, *off advanced past the packet;
 *   CORE_EOF          *off == len;
 *   CORE_SOUP_PARTIAL the bytes left hold only part of a packet (*off kept);
 *   -EBADMSG          a length of 0 (no type byte), a type this direction
 *                     never sends, a session packet of the wrong length, or
 *                     a malformed ASCII field; *off kept; err reads
 *                     "offset N: what" naming the type and lengths;
 *   -EINVAL           *off > len, or dir is not a core_soup_dir.
 */
int core_soup_next(const unsigned char *buf, size_t len, size_t *off, int dir,
		   struct core_soup_pkt *ret, char *err, size_t errlen);

/*
 * Encoders: write one packet into buf (cap bytes) and return its length, or
 * -ENOSPC (cap too small; nothing written) / -EINVAL (a field the packet
 * cannot carry: username > 6, password > 10, session > 10 characters, a
 * reject code other than 'A' or 'S', payload > CORE_SOUP_MAX_PAYLOAD).
 * Every packet one of them writes decodes with core_soup_next in its
 * direction.
 */
/* client -> server */
int core_soup_put_login(unsigned char *buf, size_t cap, const char *username,
			const char *password, const char *session, uint64_t seq);
int core_soup_put_unsequenced(unsigned char *buf, size_t cap, const void *payload, size_t n);
int core_soup_put_client_heartbeat(unsigned char *buf, size_t cap); /* R */
int core_soup_put_logout(unsigned char *buf, size_t cap);           /* O */
/* server -> client */
int core_soup_put_accepted(unsigned char *buf, size_t cap, const char *session, uint64_t seq);
int core_soup_put_rejected(unsigned char *buf, size_t cap, char code);
int core_soup_put_sequenced(unsigned char *buf, size_t cap, const void *payload, size_t n);
int core_soup_put_server_heartbeat(unsigned char *buf, size_t cap); /* H */
int core_soup_put_end_of_session(unsigned char *buf, size_t cap);   /* Z */
/* Any packet by type with a raw payload (+ debug, or one of the above by hand). */
int core_soup_put(unsigned char *buf, size_t cap, uint8_t type, const void *payload, size_t n);

/*
 * The client: one TCP connection with plain non-blocking sockets, driven by
 * core_soup_client_poll from the owner's loop (no thread, no io_uring: one
 * stream and a spinning poller need one recv() per poll either way; a caller
 * that wants to block can poll(2) core_soup_client_fd()).
 *
 * Connect, send L with the configured username, password, session and the
 * next expected sequence number; on A remember the session and its number.
 * While logged in: send R after heartbeat_ns without sending anything; a
 * link silent for timeout_ns (no byte from the server, heartbeats included)
 * is dead. A lost link (EOF, error, timeout, a send that failed) is reported
 * once (CORE_SOUP_EV_LINK_DOWN) and the client reconnects after
 * reconnect_ns, logging in to the same session from the next expected
 * number, so the server replays every Sequenced Data packet not yet
 * delivered; up to max_reconnects attempts in a row may fail. If the server
 * resumes below the number asked for, the repeated messages are dropped
 * (counted as duplicates); above it, CORE_SOUP_EV_GAP reports the lost
 * range. Z ends the session (CORE_SOUP_EV_END, then CORE_EOF).
 * core_soup_client_logout sends O; the server's close then gives CORE_EOF.
 *
 * Sending (order entry): core_soup_client_send puts one Unsequenced Data
 * packet on the wire with one send(2). SoupBinTCP never replays what a
 * client sent: a U packet sent on a link that then died may or may not have
 * reached the server, and the caller finds out from the server's Sequenced
 * Data after the re-login (OUCH: the Accepted, or not, for its token).
 *
 * Time is the caller's (now_ns, monotonic ns: core_now_ns or
 * core_monotonic_ns). Every call on a client belongs to its owner thread;
 * allocation only in create; poll and send never allocate or lock.
 */
struct core_soup_client;

struct core_soup_client_cfg {
	const char *addr;            /* server "A.B.C.D:PORT" */
	const char *username;        /* up to 6 characters */
	const char *password;        /* up to 10 */
	const char *session;         /* up to 10; NULL or "": the current session */
	uint64_t seq;                /* first sequence number wanted (0: 1) */
	uint64_t heartbeat_ns;       /* client heartbeat after this send silence (0: 1 s) */
	uint64_t timeout_ns;         /* server silence that kills the link (0: 15 s) */
	uint64_t connect_timeout_ns; /* connect plus login answer (0: 5 s) */
	uint64_t reconnect_ns;       /* wait between attempts (0: 100 ms) */
	unsigned max_reconnects;     /* failed attempts in a row before giving up (0: 10) */
};

enum core_soup_state {
	CORE_SOUP_DISCONNECTED = 0, /* waiting to (re)connect */
	CORE_SOUP_CONNECTING = 1,
	CORE_SOUP_LOGIN_SENT = 2,
	CORE_SOUP_ACTIVE = 3,       /* logged in: core_soup_client_send works */
	CORE_SOUP_LOGGING_OUT = 4,
	CORE_SOUP_ENDED = 5,        /* end of session, logout done, or failed: CORE_EOF / error */
};

enum core_soup_ev_kind {
	CORE_SOUP_EV_DATA = 1,      /* sequenced message: seq, data, len */
	CORE_SOUP_EV_LOGIN = 2,     /* login accepted: seq = the server's next number */
	CORE_SOUP_EV_LINK_DOWN = 3, /* the link was lost (error = -errno why); reconnecting */
	CORE_SOUP_EV_GAP = 4,       /* the server resumed above our next number: seq, count lost */
	CORE_SOUP_EV_END = 5,       /* end of session (Z) */
	CORE_SOUP_EV_UNSEQ = 6,     /* unsequenced data (U from the server): data, len */
};

struct core_soup_event {
	int kind;                  /* enum core_soup_ev_kind */
	int error;                 /* LINK_DOWN: -ECONNRESET (closed), -ETIMEDOUT (silent), -errno */
	uint64_t seq;
	uint64_t count;
	const unsigned char *data; /* into the client's buffer: valid until the next poll */
	uint16_t len;
};

struct core_soup_client_stats {
	enum core_soup_state state;
	char session[11];          /* the session logged into ("" before) */
	uint64_t next_seq;         /* next sequenced message expected */
	uint64_t messages;         /* sequenced messages delivered */
	uint64_t duplicates;       /* repeated messages dropped after a resume */
	uint64_t gaps, lost;       /* resumes above our number, messages lost */
	uint64_t connects;         /* connection attempts */
	uint64_t logins;           /* logins accepted */
	uint64_t link_downs;       /* links lost (closed, error, timeout) */
	uint64_t timeouts;         /* ... of them by server silence */
	uint64_t hb_sent, hb_received;
	uint64_t debug_received, unseq_received;
	uint64_t bytes_received;
	uint64_t unseq_sent;       /* U packets core_soup_client_send took (0 or QUEUED) */
	uint64_t send_queued;      /* ... of them left partly in the send buffer */
	uint64_t send_busy;        /* sends refused with CORE_SOUP_BUSY */
	uint64_t bytes_sent;       /* bytes the kernel took, session packets included */
};

/* Largest payload core_soup_client_send takes (OUCH 4.2's largest message is 49). */
#define CORE_SOUP_SEND_MAX 512

/* core_soup_client_create - validate cfg, allocate; connects on the first
 * poll. 0, -EINVAL (err names the field), -ENOMEM. Setup. */
int core_soup_client_create(const struct core_soup_client_cfg *cfg, struct core_soup_client **ret,
			    char *err, size_t errlen);
/*
 * core_soup_client_poll - advance: connect, send what is due (the rest of a
 * packet sent in part first), read. Returns 1 with *ret filled, 0 when
 * nothing happened, CORE_EOF once the session has ended or logged out, or a
 * fatal negative errno (also on later calls; the reason is in
 * core_soup_client_error): -EACCES login rejected 'A', -ENOENT login
 * rejected 'S', -EBADMSG a malformed packet or one a server must not send,
 * -ETIMEDOUT / -ECONNREFUSED / -errno once max_reconnects attempts in a row
 * failed.
 */
int core_soup_client_poll(struct core_soup_client *c, uint64_t now_ns,
			  struct core_soup_event *ret);
/*
 * core_soup_client_send - send payload (len bytes, caller's memory, read
 * before the call returns) as one Unsequenced Data packet, with one
 * send(2) (MSG_NOSIGNAL | MSG_DONTWAIT) that also carries whatever an
 * earlier call or poll left in the client's send buffer, in front of it.
 * Returns:
 *   0                  the whole packet was handed to the kernel by this
 *                      call. The wire time (tick-to-wire's end) is the
 *                      caller's core_now_ns() right after the return: the
 *                      client reads no clock (now_ns is the caller's, used
 *                      for heartbeat bookkeeping only);
 *   CORE_SOUP_QUEUED   the kernel took the packet's first bytes (or only
 *                      what was waiting before it and part of it), the rest
 *                      waits in the client's send buffer and leaves before
 *                      anything else, on the next poll or send. The packet
 *                      is committed: do not send it again.
 *                      core_soup_client_pending() == 0 says it is all out;
 *   CORE_SOUP_BUSY     nothing of this packet was sent or kept: the kernel's
 *                      socket buffer is full (or earlier bytes are still
 *                      waiting and the send buffer has no room). Try again
 *                      later (after a poll);
 *   CORE_SOUP_OFFLINE  not logged in (connecting, logging in, reconnecting,
 *                      logging out, ended): nothing sent;
 *   -EMSGSIZE          len > CORE_SOUP_SEND_MAX: nothing sent;
 *   -errno             the send failed (-EPIPE, -ECONNRESET, ...): the link
 *                      is down, nothing of this packet counts as sent; the
 *                      next poll reports CORE_SOUP_EV_LINK_DOWN and
 *                      reconnects (or returns the fatal error once
 *                      max_reconnects attempts have failed); or the client's
 *                      fatal error if it has already failed.
 * Owner thread; no allocation, no lock.
 */
int core_soup_client_send(struct core_soup_client *c, const void *payload, size_t len,
			  uint64_t now_ns);
/* core_soup_client_pending - bytes in the send buffer not yet taken by the kernel. */
size_t core_soup_client_pending(const struct core_soup_client *c);
/* core_soup_client_state - the session state now (cheap; for the hot path). */
enum core_soup_state core_soup_client_state(const struct core_soup_client *c);
/* core_soup_client_logout - send O (logged in) or just close. 0 or -errno. */
int core_soup_client_logout(struct core_soup_client *c, uint64_t now_ns);
/*
 * core_soup_client_drop - the owner drops the link (what arrived cannot be
 * trusted, e.g. a message that does not decode: SoupBinTCP has no reject to
 * send). Handled as a lost link: closed now (unsent bytes die with it), why
 * (may be NULL) becomes core_soup_client_error, the next poll reports
 * CORE_SOUP_EV_LINK_DOWN with error -EPROTO, and the client reconnects after
 * reconnect_ns, logging in from the next expected number (so the messages
 * already delivered are not asked for again). It counts as a failed attempt
 * toward max_reconnects: when that was the last one, the client fails and
 * this returns -EPROTO (as later polls do). 0, or -ENOTCONN when there is
 * no link to drop (disconnected, logging out, ended: nothing done). Owner
 * thread.
 */
int core_soup_client_drop(struct core_soup_client *c, uint64_t now_ns, const char *why);
/* core_soup_client_fd - the socket (-1 while disconnected), for poll(2). */
int core_soup_client_fd(const struct core_soup_client *c);
/* core_soup_client_error - why the last link went down or the client failed ("" if none). */
const char *core_soup_client_error(const struct core_soup_client *c);
void core_soup_client_stats(const struct core_soup_client *c, struct core_soup_client_stats *ret);
/* core_soup_client_destroy - close and free; accepts NULL; returns NULL. */
struct core_soup_client *core_soup_client_destroy(struct core_soup_client *c);

/* ------------------------------------------------------------------------- */
/* JSON scanning (core/src/json.c): what the crypto and forex decoders
 * (feeds) and the crypto order gateway's codec (exec) read.
 *
 * Not a general JSON parser: it never builds a tree and never allocates. A
 * cursor walks one object or array; each member's value comes back as a span
 * (type and bytes) and nested values are skipped by a bounded scan. Callers
 * look only at the keys they know, in whatever order they arrive, and read
 * the spans afterwards. Strings come back raw (between the quotes);
 * core_json_val.escaped tells whether they hold escapes (callers refuse
 * escaped values where they need the bytes: symbols, decimals).
 *
 * Errors: every function returns -1 on malformed input and records the byte
 * offset (from the start of the text given to core_json_init) and a static
 * message in the scanner; the caller adds the field name. Pure: any thread.
 */
#define CORE_JSON_MAX_DEPTH 32

enum core_json_type {
	CORE_JSON_NONE = 0,
	CORE_JSON_STRING = 's', /* s/n: the bytes between the quotes, escapes not decoded */
	CORE_JSON_NUMBER = 'n', /* s/n: the number's text */
	CORE_JSON_OBJECT = 'o', /* s/n: from '{' to '}' inclusive */
	CORE_JSON_ARRAY = 'a',  /* s/n: from '[' to ']' inclusive */
	CORE_JSON_TRUE = 't',
	CORE_JSON_FALSE = 'f',
	CORE_JSON_NULL = 'z',
};

struct core_json_val {
	const char *s;
	size_t n;
	uint8_t type;
	bool escaped; /* CORE_JSON_STRING holding a backslash */
};

struct core_json {
	const char *base; /* start of the whole text (for offsets) */
	const char *end;
	const char *err;  /* static message, NULL when fine */
	size_t err_off;
};

/* A cursor inside one object or array. */
struct core_json_cur {
	const char *p;
	const char *end; /* one past the closing bracket */
	bool first;
};

void core_json_init(struct core_json *j, const char *text, size_t len);
/* core_json_value - parse the value at *p (whitespace allowed before), set *v
 * and move *p past it. 0 or -1. */
int core_json_value(struct core_json *j, const char **p, struct core_json_val *v);
/* core_json_open - a cursor over the members of an object or array value. */
void core_json_open(const struct core_json_val *v, struct core_json_cur *c);
/* core_json_obj_next - the next member: 1 with key (raw string) and value, 0
 * at the end of the object, -1 on malformed input. */
int core_json_obj_next(struct core_json *j, struct core_json_cur *c, struct core_json_val *key,
                       struct core_json_val *val);
/* core_json_arr_next - the next element: 1, 0 at the end, -1. */
int core_json_arr_next(struct core_json *j, struct core_json_cur *c, struct core_json_val *val);
/* core_json_fail - record an error at p (returns -1). */
int core_json_fail(struct core_json *j, const char *p, const char *msg);

static inline bool core_json_key_is(const struct core_json_val *k, const char *lit,
                                    size_t litlen)
{
	return k->n == litlen && !k->escaped && __builtin_memcmp(k->s, lit, litlen) == 0;
}
#define CORE_JSON_KEY(k, lit) core_json_key_is((k), lit, sizeof(lit) - 1)

/*
 * core_json_decimal - parse an unsigned decimal "123.4500" (no sign, no
 * exponent) into an integer with `decimals` implied decimal places: "1.25" at
 * 4 -> 12500. Digits beyond `decimals` must be zeros (no rounding). Results:
 *   0        *ret set;
 *   -EINVAL  not a plain decimal (empty, sign, exponent, stray bytes);
 *   -ERANGE  nonzero digits past the scale, or above max.
 * *what is set to a static message on failure.
 */
int core_json_decimal(const char *s, size_t n, unsigned decimals, uint64_t max, uint64_t *ret,
                      const char **what);
/*
 * core_json_step_places - the decimal places an exchange's step ("0.01000",
 * "1", "0.5": a tickSize or stepSize) needs: the position of its last
 * nonzero digit after the point (2, 0, 1). -EINVAL (with *what) for
 * something not a plain decimal or a step of zero; -ERANGE past 18 places.
 */
int core_json_step_places(const char *s, size_t n, const char **what);
/* core_json_uint - an unsigned integer (JSON number or digits in a string):
 * 0, -EINVAL, -ERANGE. */
int core_json_uint(const char *s, size_t n, uint64_t *ret);

#endif /* OSPREY_CORE_H */
