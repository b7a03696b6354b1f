/*
 * feeds.h - market data in: the ITCH 5.0 decoder, per-instrument order books,
 * the capture-file source, the feed stage and a synthetic ITCH generator.
 *
 * Depends on core.h only.
 *
 * Results: 0 on success, a negative errno on failure, or a documented positive
 * outcome. Functions that can fail on input data also write a message into a
 * caller-provided `err` buffer (errlen bytes, always NUL-terminated when
 * errlen > 0) naming what was wrong and where (file, byte offset, field).
 *
 * Threads: every object here belongs to one thread at a time. The books and
 * the stage are driven by the thread that runs the stage; their accessors may
 * be called from that thread, or from any thread once the stage has stopped
 * (joined). Nothing here allocates after *_create / *_open.
 *
 * Prices are ITCH Price(4): 1e-4 units in a uint32_t. Timestamps are
 * nanoseconds since midnight (ITCH 6-byte timestamps).
 */
#ifndef OSPREY_FEEDS_H
#define OSPREY_FEEDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core.h"

/* ========================================================================= */
/* ITCH 5.0 decoder                                                           */
/* ========================================================================= */

/* Longest ITCH 5.0 message (NOII 'I'), and the number of message types. */
#define FEEDS_ITCH_MAX_LEN 50
#define FEEDS_ITCH_NTYPES  23

/* The 23 message type bytes, in the order of the specification's sections:
 * "SRHYLVWKJhIOAFECXDUPQBN" (handy for loops and per-type tables). */
extern const char feeds_itch_types[FEEDS_ITCH_NTYPES + 1];

/*
 * feeds_itch_msg_len - the exact length of ITCH 5.0 message type `type`
 * (type byte included), or 0 when `type` is not an ITCH 5.0 message type.
 */
unsigned feeds_itch_msg_len(uint8_t type);

/*
 * A decoded message. Numeric fields are converted to host order; alpha fields
 * are copied as they are on the wire (space padded, not NUL-terminated).
 * `raw` points into the caller's buffer (zero copy: valid as long as that
 * buffer is). Which member of `u` is valid depends on `type`; each member
 * names its types.
 */
struct feeds_itch_msg {
	const unsigned char *raw; /* the message bytes (type byte first) */
	uint64_t ts_ns;           /* Timestamp (6 bytes), ns since midnight */
	uint16_t len;             /* message length, == feeds_itch_msg_len(type) */
	uint16_t locate;          /* Stock Locate */
	uint16_t tracking;        /* Tracking Number */
	uint8_t type;             /* message type byte */
	union {
		struct { /* S */
			char event; /* O S Q M E C */
		} sys;
		struct { /* R */
			char stock[8];
			char market_category;
			char financial_status;
			uint32_t round_lot;
			char round_lots_only;
			char issue_classification;
			char issue_subtype[2];
			char authenticity;
			char short_sale_threshold;
			char ipo_flag;
			char luld_tier;
			char etp_flag;
			uint32_t etp_leverage;
			char inverse;
		} dir;
		struct { /* H */
			char stock[8];
			char state; /* H halted, P paused, Q quotation only, T trading */
			char reserved;
			char reason[4];
		} trading;
		struct { /* Y */
			char stock[8];
			char action;
		} regsho;
		struct { /* L */
			char mpid[4];
			char stock[8];
			char primary;
			char mode;
			char state;
		} mpp;
		struct { /* V: Price(8) */
			uint64_t level[3];
		} mwcb_decline;
		struct { /* W */
			char level;
		} mwcb_status;
		struct { /* K */
			char stock[8];
			uint32_t release_time; /* seconds since midnight */
			char release_qualifier;
			uint32_t price;
		} ipo;
		struct { /* J */
			char stock[8];
			uint32_t ref_price;
			uint32_t upper_price;
			uint32_t lower_price;
			uint32_t extension;
		} luld;
		struct { /* h */
			char stock[8];
			char market_code;
			char action;
		} op_halt;
		struct { /* I */
			uint64_t paired;
			uint64_t imbalance;
			char direction;
			char stock[8];
			uint32_t far_price;
			uint32_t near_price;
			uint32_t ref_price;
			char cross_type;
			char variation;
		} noii;
		struct { /* O */
			char stock[8];
			char eligible;
			uint32_t min_price;
			uint32_t max_price;
			uint32_t near_price;
			uint64_t near_time;
			uint32_t lower_collar;
			uint32_t upper_collar;
		} dlcr;
		struct { /* A, F (mpid only for F) */
			uint64_t ref;
			char side; /* 'B' or 'S' */
			uint32_t shares;
			char stock[8];
			uint32_t price;
			char mpid[4];
		} add;
		struct { /* E, C (printable and price only for C) */
			uint64_t ref;
			uint32_t shares;
			uint64_t match;
			char printable;
			uint32_t price;
		} exec;
		struct { /* X */
			uint64_t ref;
			uint32_t shares;
		} cancel;
		struct { /* D */
			uint64_t ref;
		} del;
		struct { /* U */
			uint64_t orig_ref;
			uint64_t new_ref;
			uint32_t shares;
			uint32_t price;
		} replace;
		struct { /* P */
			uint64_t ref;
			char side;
			uint32_t shares;
			char stock[8];
			uint32_t price;
			uint64_t match;
		} trade;
		struct { /* Q */
			uint64_t shares;
			char stock[8];
			uint32_t price;
			uint64_t match;
			char cross_type;
		} cross;
		struct { /* B */
			uint64_t match;
		} broken;
		struct { /* N */
			char stock[8];
			char interest;
		} rpii;
	} u;
};

/*
 * feeds_itch_decode - decode one unframed message of exactly `len` bytes.
 * Returns 0 and fills *ret, or -EBADMSG when the type is unknown or `len`
 * differs from the type's length (*ret untouched; err says which).
 * `msg` must hold `len` readable bytes; nothing past them is read.
 */
int feeds_itch_decode(const unsigned char *msg, size_t len, struct feeds_itch_msg *ret, char *err,
		      size_t errlen);

/*
 * feeds_itch_next - decode the day-file frame `[u16 BE length][message]` at
 * buf + *off (buf holds len bytes; nothing past them is read).
 * Returns:
 *   0         *ret filled, *off advanced past the frame;
 *   CORE_EOF  *off == len: no more frames;
 *   -EBADMSG  a truncated frame header or body, a frame length of 0, an
 *             unknown type, or a length that disagrees with the type.
 *             *off is left at the bad frame; err reads
 *             "offset N: <what>" naming the type and both lengths.
 * -EINVAL if *off > len.
 */
int feeds_itch_next(const unsigned char *buf, size_t len, size_t *off, struct feeds_itch_msg *ret,
		    char *err, size_t errlen);

/* ========================================================================= */
/* Order books                                                                */
/* ========================================================================= */

/*
 * One book per stock locate, all in one `struct feeds_books` because ITCH
 * order references are unique across the whole day, not per instrument.
 *
 * Orders live in a preallocated open-addressing hash (linear probing,
 * backward-shift deletion, at most half full). Price levels come from one
 * preallocated pool and form, per side, a doubly linked list sorted from best
 * to worst; a new price is placed by walking from whichever end of the list
 * is closer in price, so work near the top of the book touches a few levels.
 * An order holds its level's index, so execute/cancel/delete are one hash
 * lookup plus O(1).
 *
 * Bad input (unknown reference, duplicate reference, over-execution, a full
 * order table or level pool, a locate out of range, a bad side) never
 * crashes: the event is applied as far as it makes sense, counted in
 * feeds_book_stats and reported with a positive outcome.
 */
struct feeds_books;

struct feeds_books_cfg {
	uint32_t max_orders; /* live orders at once (0: 1 << 20); more is FEEDS_BOOK_ORDERS_FULL */
	uint32_t max_levels; /* live price levels, all books (0: 1 << 18) */
	uint16_t max_locate; /* highest stock locate kept (0: 65535) */
};

/* Positive outcomes of feeds_books_apply (the event is still filled in). */
enum feeds_book_outcome {
	FEEDS_BOOK_OK = 0,
	FEEDS_BOOK_UNKNOWN_REF = 1,  /* E C X D U for an order not on the book */
	FEEDS_BOOK_DUP_REF = 2,      /* A F U adding a reference already live (ignored) */
	FEEDS_BOOK_OVER_EXEC = 3,    /* E C X for more than the order's remaining shares:
					the order is removed */
	FEEDS_BOOK_ORDERS_FULL = 4,  /* the order table is full (add ignored) */
	FEEDS_BOOK_LEVELS_FULL = 5,  /* the level pool is full (add ignored) */
	FEEDS_BOOK_BAD_LOCATE = 6,   /* locate 0 or above max_locate on an order message */
	FEEDS_BOOK_BAD_SIDE = 7,     /* side not 'B' or 'S' (add ignored) */
	FEEDS_BOOK_BAD_REF = 8,      /* order reference 0 (add ignored) */
};

struct feeds_book_stats {
	uint64_t unknown_ref;
	uint64_t dup_ref;
	uint64_t over_exec;
	uint64_t orders_full;
	uint64_t levels_full;
	uint64_t bad_locate;
	uint64_t bad_side;
	uint64_t bad_ref;
	uint64_t errors;         /* sum of the above */
	uint64_t crossed_events; /* events after which a book was crossed */
	uint64_t live_orders;
	uint64_t live_levels;
	uint64_t max_live_orders; /* high-water marks */
	uint64_t max_live_levels;
};

/* A price level as reported: price, aggregate shares, number of orders. */
struct feeds_level {
	uint32_t px;
	uint32_t orders;
	uint64_t qty;
};

/*
 * feeds_books_create - allocate the books (setup only; core_alloc).
 * cfg may be NULL for the defaults. Returns 0 and *ret, -EINVAL (err names
 * the field) or -ENOMEM.
 */
int feeds_books_create(const struct feeds_books_cfg *cfg, struct feeds_books **ret, char *err,
		       size_t errlen);
/* feeds_books_destroy - free; accepts NULL; returns NULL. */
struct feeds_books *feeds_books_destroy(struct feeds_books *b);
/* feeds_books_reset - empty every book, forget symbols, zero the stats. O(capacity). */
void feeds_books_reset(struct feeds_books *b);

/*
 * feeds_books_apply - apply one decoded message and describe it as an
 * md_event. Every field of *ev is written except t0_ns and seq (left alone):
 *   kind: MD_ADD (A F), MD_EXEC (E C), MD_CANCEL (X), MD_DELETE (D),
 *         MD_REPLACE (U), MD_TRADE (P Q), MD_STATUS (everything else);
 *   ref:  the order reference (for U the new one), for P Q B the match number;
 *   px, qty, side: the order's price, the shares added/executed/cancelled/
 *         removed (for C the execution price), the order's side;
 *   bid/ask: top of the instrument's book after the event (0/0 when empty;
 *         qty saturated to UINT32_MAX);
 *   flags: MD_F_BOOK if the book changed, MD_F_CROSSED if best bid >= best
 *         ask afterwards, MD_F_HALTED while an H message says halted or
 *         paused, MD_F_STALE on an event that hit a book error.
 * R stores the symbol for the locate; H sets or clears the halted state.
 * Returns FEEDS_BOOK_OK or a positive enum feeds_book_outcome.
 */
int feeds_books_apply(struct feeds_books *b, const struct feeds_itch_msg *m, struct md_event *ev);

/*
 * feeds_books_bbo - best bid and ask of `locate` (px 0, qty 0, orders 0 for
 * an empty side). Returns 0, or -ERANGE if locate is above max_locate.
 */
int feeds_books_bbo(const struct feeds_books *b, uint16_t locate, struct feeds_level *ret_bid,
		    struct feeds_level *ret_ask);
/*
 * feeds_books_depth - up to n levels of one side ('B' or 'S'), best first,
 * into out. Returns the number written (0..n), or -ERANGE / -EINVAL for a bad
 * locate or side.
 */
int feeds_books_depth(const struct feeds_books *b, uint16_t locate, char side,
		      struct feeds_level *out, unsigned n);
/* feeds_books_crossed - true if both sides are non-empty and best bid >= best ask. */
bool feeds_books_crossed(const struct feeds_books *b, uint16_t locate);
/*
 * feeds_books_symbol - the symbol an R message gave `locate`, trailing
 * spaces removed, or "" if none. The string belongs to the books and changes
 * only when another R for the locate is applied or on reset.
 */
const char *feeds_books_symbol(const struct feeds_books *b, uint16_t locate);
/* feeds_books_order - look up a live order: 0 and its fields, or -ENOENT. */
int feeds_books_order(const struct feeds_books *b, uint64_t ref, uint16_t *ret_locate,
		      char *ret_side, uint32_t *ret_px, uint32_t *ret_qty);
void feeds_books_stats(const struct feeds_books *b, struct feeds_book_stats *ret);

/*
 * feeds_books_prefetch - a hint for replay loops: the day-file frame at
 * buf + off will be applied soon, so start loading its order-table slot.
 * Returns the offset of the following frame (len when there is none or the
 * frame is malformed). Reads nothing past len; changes nothing.
 */
size_t feeds_books_prefetch(const struct feeds_books *b, const unsigned char *buf, size_t len,
			    size_t off);

/* ========================================================================= */
/* Capture source: a day file mapped read-only                                */
/* ========================================================================= */

struct feeds_capture {
	const unsigned char *data; /* the file's bytes (NULL when empty) */
	size_t len;
	size_t off;                /* the next frame, for feeds_capture_next */
	char path[256];
	size_t map_len_;           /* private */
};

/*
 * feeds_capture_open - mmap `path` read-only into *cap (caller-owned).
 * Returns 0, or -errno with "PATH: what" in err. An empty file is valid.
 */
int feeds_capture_open(struct feeds_capture *cap, const char *path, char *err, size_t errlen);
/* feeds_capture_close - unmap; accepts NULL and a zeroed or closed struct. */
void feeds_capture_close(struct feeds_capture *cap);
/*
 * feeds_capture_next - feeds_itch_next over the mapping from cap->off.
 * Returns 0, CORE_EOF or -EBADMSG with "PATH: offset N: what" in err.
 * `ret->raw` stays valid until feeds_capture_close.
 */
int feeds_capture_next(struct feeds_capture *cap, struct feeds_itch_msg *ret, char *err,
		       size_t errlen);

/* ========================================================================= */
/* Feed stage                                                                 */
/* ========================================================================= */

/*
 * The feed stage reads capture files (or one memory buffer) in order,
 * decodes every message, updates the books and pushes one md_event per
 * message, the same event to each output ring. It advances only when every
 * output has accepted the event; a full ring leaves the event pending (it is
 * retried on the next poll) and counts a ring-full wait. After the last
 * message it pushes an MD_EOS event to every output and then returns
 * CORE_EOF.
 *
 * Event fields: t0_ns = core_now_ns() when the message bytes are read (with
 * hist == NULL one clock reading per poll is shared by the burst); ts_ns the
 * ITCH timestamp; seq the 1-based message index over the whole run (the EOS
 * event carries the last seq + 1); the rest as feeds_books_apply.
 */
struct feeds_stage;

struct feeds_stage_cfg {
	const char *const *paths;  /* capture files, replayed in order */
	unsigned npaths;           /* 0: replay mem/mem_len instead */
	const void *mem;           /* caller-owned, must outlive the stage */
	size_t mem_len;
	const char *mem_name;      /* used in error messages (NULL: "memory") */
	struct core_ring *out[2];  /* md_event rings (slot size 64), this stage is their producer */
	unsigned nout;             /* 1 or 2 */
	uint32_t burst;            /* messages per poll (0: 32) */
	double speed;              /* 0: as fast as possible; else ITCH time * speed = wall time
				      (1.0 real time, 10.0 ten times faster) */
	uint32_t max_orders;       /* live orders in the books (0: books.max_orders) */
	struct feeds_books_cfg books; /* book sizes (zeros: the defaults) */
	struct core_hist_pair *hist; /* decode+book latency per message, ns; may be NULL */
};

struct feeds_stats {
	uint64_t total;          /* messages decoded */
	uint64_t by_type[128];   /* indexed by the type byte */
	uint64_t bytes;          /* frame bytes consumed */
	uint64_t events;         /* events accepted by every output (EOS included) */
	uint64_t ring_full_waits; /* polls that found an output ring full */
	uint64_t pace_waits;     /* polls that stopped to wait for the pacing clock */
	struct feeds_book_stats book;
};

/*
 * feeds_stage_create - validate cfg, map the files, allocate the books.
 * Setup only. Returns 0 and *ret, -EINVAL (bad cfg, err names the field),
 * -ENOMEM, or the -errno of opening a file ("PATH: what" in err).
 * core_clock_init() must have run before the first poll.
 */
int feeds_stage_create(const struct feeds_stage_cfg *cfg, struct feeds_stage **ret, char *err,
		       size_t errlen);

/*
 * feeds_stage_poll - the core_stage poll function (ctx: struct feeds_stage *).
 * Stage thread only. Returns the number of events pushed (0: idle, waiting
 * for a ring or the pacing clock), CORE_EOF once EOS has reached every
 * output, or -EBADMSG after a decode error (see feeds_stage_error; every
 * later poll returns -EBADMSG too).
 */
int feeds_stage_poll(void *stage);

/* feeds_stage_error - "FILE: offset N: what" after a failure, else "". */
const char *feeds_stage_error(const struct feeds_stage *st);
/* feeds_stage_stats - a copy of the counters (stage thread, or after it stopped). */
void feeds_stage_stats(const struct feeds_stage *st, struct feeds_stats *ret);
/* feeds_stage_symbol - the symbol of a locate (see feeds_books_symbol). */
const char *feeds_stage_symbol(const struct feeds_stage *st, uint16_t locate);
/* feeds_stage_books - the stage's books, for depth queries (same thread rules). */
const struct feeds_books *feeds_stage_books(const struct feeds_stage *st);
/* feeds_stage_destroy - unmap and free; accepts NULL; returns NULL. */
struct feeds_stage *feeds_stage_destroy(struct feeds_stage *st);

/* ========================================================================= */
/* Synthetic ITCH 5.0 day-file generator                                      */
/* ========================================================================= */

/*
 * A deterministic session (own PRNG; the same cfg gives the same bytes):
 * S 'O', S 'S', one R and one H 'T' per symbol, S 'Q', then adds (mostly
 * near the top, both sides), partial cancels (X), deletes (D), executions
 * against the top of the book (E, some C), replaces (U) around a random-walk
 * mid per symbol, occasional P trades, and S 'M', 'E', 'C' at the end. The
 * books it implies never cross and never hit a book error (checked while
 * generating). Locates are 1..symbols. Timestamps run from 09:30 to about
 * 16:00.
 */
struct feeds_gen_cfg {
	uint64_t seed;
	uint64_t messages; /* total messages, framing included (0: 200000; minimum 6 + 2*symbols) */
	unsigned symbols;  /* 1..1000 (0: 3) */
};

/* feeds_gen_bound - bytes that always suffice for feeds_gen's output. */
size_t feeds_gen_bound(const struct feeds_gen_cfg *cfg);

/*
 * feeds_gen - write the session into buf (cap bytes, caller-owned).
 * Allocates its working state with core_alloc and frees it before returning
 * (a tool/setup path, not the hot path). Returns 0 and *ret_len, -EINVAL
 * (bad cfg), -ENOSPC (cap < needed), -ENOMEM, or -EPROTO if a self-check of
 * the generated book failed (a generator bug; err says where).
 */
int feeds_gen(const struct feeds_gen_cfg *cfg, unsigned char *buf, size_t cap, size_t *ret_len,
	      char *err, size_t errlen);

#endif /* OSPREY_FEEDS_H */
