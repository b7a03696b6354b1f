/*
 * feeds.h - market data in: the feed stage, and the codecs and sources it is
 * made of, each also usable on its own. A long header: why, below.
 *
 * Contents, in this order:
 *  1. The feed stage, what a pipeline needs: feeds_stage_cfg,
 *     feeds_stage_create / _poll / _stats / _destroy, and the size and
 *     counter structs it embeds.
 *  2. Codecs, over the caller's memory: the ITCH 5.0 decoder and its order
 *     books; MoldUDP64 packets and sequencing; capture formats and
 *     pcap/pcapng; crypto L2 feeds (Binance and Bybit WebSocket JSON into
 *     books).
 *  3. Sources, generator, publisher: capture files, any capture item by
 *     item, live UDP (io_uring) and live MoldUDP64, the MoldUDP64
 *     publisher, the synthetic ITCH generator.
 *  4. The exchanges' own endpoints: the WebSocket frame codec and a client
 *     over TLS, crypto books live (the stream and Binance's REST
 *     snapshots), forex from Alpha Vantage, MetaTrader 5 ticks over ZeroMQ.
 *
 * SoupBinTCP 3.0 (the packet codec and the session client) is in core.h:
 * order entry rides on it too. The feed stage takes a core_soup_client_cfg
 * for a live SoupBinTCP session (feeds_stage_cfg.soup).
 *
 * Why one header of about 1,650 lines: each library has one public header
 * and it is the library's manual (ARCHITECTURE.md "Folders"; STYLE.md 1-2),
 * so a user includes feeds.h and reads one file. Everything declared here is
 * used outside the library (tools, tests, fuzzers, benches); what only the
 * library uses is in feeds/src (source.h, crypto_internal.h).
 * The sections above, in the order a user meets them, do the work several
 * headers would.
 *
 * The header depends on core.h only; the library links OpenSSL, libcurl and
 * libzmq (section 4).
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
 * Prices are ITCH Price(4): 1e-4 units in a uint32_t (crypto: each symbol's
 * own scale, see that section). Timestamps are nanoseconds since midnight
 * (ITCH 6-byte timestamps).
 */
#ifndef OSPREY_FEEDS_H
#define OSPREY_FEEDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core.h"

/* Declared in later sections; the stage and the crypto decoder take pointers. */
struct feeds_books;
struct feeds_capture;
struct feeds_mold_live_cfg;

/* ######################################################################### */
/* 1. The feed stage                                                          */
/* ######################################################################### */

/*
 * Use: fill a struct feeds_stage_cfg, feeds_stage_create, then run
 * feeds_stage_poll as a core_stage (or call it in a loop) until it returns
 * CORE_EOF; read feeds_stage_stats; feeds_stage_destroy.
 *
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

/* Sizes and counters the stage embeds (their own sections use them too: the
 * books take feeds_books_cfg and report feeds_book_stats; the MoldUDP64
 * sequencer reports feeds_mold_stats). */
struct feeds_books_cfg {
	uint32_t max_orders; /* live orders at once (0: 1 << 20); more is FEEDS_BOOK_ORDERS_FULL */
	uint32_t max_levels; /* live price levels, all books (0: 1 << 18) */
	uint16_t max_locate; /* highest stock locate kept (0: 65535) */
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

struct feeds_mold_stats {
	char session[11];          /* locked session, NUL-terminated */
	uint64_t next_seq;         /* next message to deliver */
	uint64_t high_seq;         /* one past the highest number seen */
	uint64_t end_seq;          /* end of session's number (0: not seen) */
	uint64_t packets;          /* downstream packets accepted (any outcome but bad) */
	uint64_t messages;         /* messages delivered */
	uint64_t heartbeats;
	uint64_t dup_packets, dup_messages;
	uint64_t out_of_order;     /* packets that arrived beyond a gap */
	uint64_t gaps;             /* gaps opened */
	uint64_t gap_open;         /* 1 while a gap is open */
	uint64_t gap_since_ns;     /* when the open gap opened */
	uint64_t requests;         /* re-request packets asked for */
	uint64_t recovered;        /* messages that arrived to fill a gap */
	uint64_t lost_gaps, lost_messages; /* gaps given up */
	uint64_t overflow;         /* packets beyond the reorder window */
	uint64_t other_session;
	uint64_t bad_packets;      /* failed feeds_mold_decode (counted by the caller's path) */
	uint64_t request_packets;  /* request packets seen in a capture (skipped) */
	uint16_t local_port;       /* live receive: the bound UDP port */
	/* live receive on DPDK (feeds_udp_stats): frames of other traffic,
	 * malformed or failing a checksum, dropped by the device */
	uint64_t rx_not_ours, rx_bad_frames, rx_missed;
	char last_loss[160];       /* why the last gap was given up, "" if never */
};

struct feeds_stage_cfg {
	const char *const *paths;  /* capture files, replayed in order; the format of each is
				      chosen by content (ITCH day file, MoldUDP64 pcap/pcapng,
				      crypto JSON lines) */
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
	/* Large ITCH day files in windows: a file of stream_min bytes or more
	 * (0: 256 MiB) is mapped without being read in whole; feeds_stage_page,
	 * on another thread, reads the next two windows of stream_window bytes
	 * in ahead of the stage and drops what lies more than a window behind
	 * it, so resident memory stays about three windows whatever the file's
	 * size, and the stage never waits for the disk. 0: every file is read
	 * in whole at create (and feeds_stage_page has nothing to do). */
	size_t stream_window;
	size_t stream_min;
	/* Live MoldUDP64 instead of files: non-NULL overrides paths/mem.
	 * Copied at create. t0_ns is then the packet's receive time, so hist holds
	 * receive-to-book latency. */
	const struct feeds_mold_live_cfg *mold;
	/* Live SoupBinTCP 3.0 instead of files: non-NULL overrides
	 * paths/mem (and mold must be NULL). Copied at create. Sequenced Data is
	 * ITCH into the books; a resume above the next number is an MD_GAP
	 * event; End of Session (or a logout) ends the stream with EOS. */
	const struct core_soup_client_cfg *soup;
	/* A live crypto feed (see "Crypto books, live") instead of files:
	 * non-NULL overrides paths/mem (mold and soup must be NULL). Copied at
	 * create; its strings must outlive the stage. The stream is polled on the
	 * stage's thread without waiting; REST transfers run on the live layer's
	 * own thread. The stream ends after crypto_idle_ns of silence once
	 * something came (0: never; a signal or the kill switch ends the run). */
	const struct feeds_crypto_live_cfg *crypto;
	const struct feeds_crypto_cfg *crypto_books; /* their scales and sizes; NULL: defaults */
	uint64_t crypto_idle_ns;
	/* Forex from Alpha Vantage (see "Forex from Alpha Vantage") instead of
	 * files: non-NULL overrides paths/mem (no other live source). Copied at
	 * create (its strings must outlive the stage). Its thread does the calls;
	 * the stage takes the events off its ring. The stream ends after fx_idle_ns
	 * without an event once one came (0: never). */
	const struct feeds_fx_cfg *fx;
	uint64_t fx_idle_ns;
	/* MetaTrader 5 ticks (see "MetaTrader 5 ticks") instead of files:
	 * non-NULL overrides paths/mem (no other live source). Copied at create
	 * (its strings must outlive the stage); read on the stage's thread without
	 * waiting. The stream ends after mt5_idle_ns without a tick once one came
	 * (0: never). */
	const struct feeds_mt5_cfg *mt5;
	uint64_t mt5_idle_ns;
	/* Optional: called on the stage's thread when an ITCH directory message
	 * (R) names a locate, after the books know the symbol and before any event
	 * is pushed for it, so what the callee publishes (e.g. a restricted
	 * instrument, with a release store) is visible before any decision that
	 * follows from the stream. symbol: NUL-terminated, trailing spaces
	 * removed, valid during the call. Must not block. */
	void (*on_symbol)(void *arg, uint16_t locate, const char *symbol);
	void *on_symbol_arg;
};

struct feeds_stats {
	uint64_t total;          /* messages decoded */
	uint64_t by_type[128];   /* indexed by the type byte */
	uint64_t bytes;          /* frame bytes consumed */
	uint64_t input_bytes;    /* the inputs' size when every one is an ITCH day file (bytes
	                          * reaches it at the end); 0: a live feed, pcap or crypto */
	uint64_t events;         /* events accepted by every output (EOS included) */
	uint64_t ring_full_waits; /* polls that found an output ring full */
	uint64_t pace_waits;     /* polls that stopped to wait for the pacing clock */
	struct feeds_book_stats book;
	/* MoldUDP64 sources (pcap or live): sequencing counters summed
	 * over the files; last_loss says why an instrument was halted. */
	struct feeds_mold_stats mold;
	uint64_t gap_events;     /* MD_GAP events emitted */
	/* a live crypto feed: its stream's links and Binance's snapshots */
	uint64_t crypto_opens, crypto_downs, crypto_messages;
	uint64_t crypto_snapshots, crypto_snapshot_failures, crypto_held, crypto_resyncs;
	char crypto_last_down[200];
	/* forex from Alpha Vantage */
	uint64_t fx_calls, fx_bars, fx_quotes, fx_errors, fx_rate_limited, fx_failures;
	/* MetaTrader 5 ticks */
	uint64_t mt5_ticks, mt5_bad, mt5_unknown;
	char mt5_last_bad[160];
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
 * Stage thread only. Writes the number of events pushed (0: idle, waiting
 * for a ring or the pacing clock) and returns 0, CORE_EOF once EOS has
 * reached every output, or -EBADMSG after a decode error (see
 * feeds_stage_error; every later poll returns -EBADMSG too).
 */
int feeds_stage_poll(void *stage, uint32_t *ret_work);

/*
 * feeds_stage_page - the capture pager (cfg.stream_window): a core_stage poll
 * for one thread that is not the stage's (the engine's aux thread). Reads in
 * (MADV_POPULATE_READ) the windows ahead of where the stage reads and drops
 * (MADV_DONTNEED) those well behind. *ret_work: windows moved. Returns 0,
 * or CORE_EOF once no capture needs paging (all read, or none streamed).
 */
int feeds_stage_page(void *stage, uint32_t *ret_work);

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

/* ######################################################################### */
/* 2. Codecs                                                                  */
/* ######################################################################### */

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
/* Order books (ITCH)                                                         */
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
/* Sizes (struct feeds_books_cfg) and counters (struct feeds_book_stats): with
 * the feed stage, which embeds them. */

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
/*
 * feeds_books_find - the locate an R message named `symbol` (up to 8
 * characters, as ITCH spells it), or -ENOENT. ANY thread, while the stage
 * runs: N1 the stage's release store of a locate's name (when it applies the
 * R) pairs with N2 this function's acquire load. O(locates): for operators,
 * not the hot path.
 */
int feeds_books_find(const struct feeds_books *b, const char *symbol);
/* feeds_books_name - the other way: the symbol of locate (trailing spaces
 * removed) into out, "" if none yet. Any thread, as feeds_books_find. */
void feeds_books_name(const struct feeds_books *b, uint16_t locate, char out[9]);
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
/* MoldUDP64: packets                                                         */
/* ========================================================================= */

#define FEEDS_MOLD_HDR_LEN   20      /* Session[10] Seq u64 Count u16 */
#define FEEDS_MOLD_COUNT_HB  0       /* count of a heartbeat (seq = next expected) */
#define FEEDS_MOLD_COUNT_END 0xFFFF  /* count of end of session (seq = next expected) */
#define FEEDS_MOLD_MAX_PKT   65507   /* largest UDP/IPv4 payload */

/* A validated downstream packet; blocks point into the caller's buffer. */
struct feeds_mold_pkt {
	char session[10];
	uint64_t seq;    /* first message's sequence number (heartbeat/end: the next one) */
	uint16_t count;  /* messages; FEEDS_MOLD_COUNT_HB or FEEDS_MOLD_COUNT_END */
	const unsigned char *blocks; /* count blocks of [u16 BE length][message] */
	size_t blocks_len;
};

/*
 * feeds_mold_decode - validate one downstream packet of len bytes.
 * Every block must be complete, 1..max_msg bytes long (max_msg 0: 65535),
 * and the blocks must end exactly at len. Returns 0 and *ret, or -EBADMSG
 * with "offset N: what" in err (N the packet-relative offset): shorter than
 * the header, a truncated block length or body, a zero-length block, a block
 * longer than max_msg, bytes after the last block, or a heartbeat / end of
 * session carrying blocks. *ret is untouched on failure. Nothing past len is read.
 */
int feeds_mold_decode(const unsigned char *pkt, size_t len, size_t max_msg,
		      struct feeds_mold_pkt *ret, char *err, size_t errlen);

/* feeds_mold_block - walk a validated packet's blocks: *off starts at 0;
 * returns the message and advances *off. Only for packets from feeds_mold_decode,
 * at most count times. */
static inline const unsigned char *feeds_mold_block(const struct feeds_mold_pkt *p, size_t *off,
						    uint16_t *ret_len)
{
	const unsigned char *b = p->blocks + *off;
	*ret_len = core_be16(b);
	*off += 2u + *ret_len;
	return b + 2;
}

/* Request packet (client to the re-request server): Session[10] Seq Count. 20 bytes. */
void feeds_mold_request_encode(unsigned char buf[FEEDS_MOLD_HDR_LEN], const char session[10],
			       uint64_t seq, uint16_t count);
/* feeds_mold_request_decode - 0, or -EBADMSG if len != 20 or count is 0 / 0xFFFF. */
int feeds_mold_request_decode(const unsigned char *pkt, size_t len, char ret_session[10],
			      uint64_t *ret_seq, uint16_t *ret_count);

/* Packet builder for publishers and tests (caller's buffer). */
struct feeds_mold_builder {
	unsigned char *buf;
	size_t cap;
	size_t len;
	uint16_t count;
};
/* Start a downstream packet at seq (cap >= 20). */
void feeds_mold_build_begin(struct feeds_mold_builder *b, unsigned char *buf, size_t cap,
			    const char session[10], uint64_t seq);
/* Append one message: 0, or -ENOSPC (packet full, nothing added), -EINVAL (len 0). */
int feeds_mold_build_add(struct feeds_mold_builder *b, const void *msg, size_t len);
/* Write the count; returns the packet length. */
size_t feeds_mold_build_end(struct feeds_mold_builder *b);
/* A heartbeat (count 0) or end-of-session (count 0xFFFF) packet: 20 bytes. */
void feeds_mold_control_encode(unsigned char buf[FEEDS_MOLD_HDR_LEN], const char session[10],
			       uint64_t next_seq, uint16_t count);

/* ========================================================================= */
/* MoldUDP64: sequencing                                                      */
/* ========================================================================= */

/*
 * The sequencer turns packets in any order, with losses and duplicates, into
 * the session's messages in sequence order, each exactly once:
 *  - in-order messages are delivered zero copy from the packet;
 *  - a packet beyond the next expected number opens a gap; its messages are
 *    copied into a reorder window (preallocated) and delivered once the gap
 *    is filled by retransmissions or late packets;
 *  - a heartbeat or end of session announcing a higher number opens a gap too;
 *  - duplicates (wholly or partly below the next expected number) are dropped;
 *  - feeds_mold_seq_poll asks for re-requests while a gap is open and, after
 *    gap_timeout_ns, gives the gap up: its messages are declared lost and
 *    delivery resumes after them (FEEDS_MOLD_LOST).
 * Time is the caller's (ns; live: core_now_ns, replay: capture time).
 * One thread; allocation only in create.
 */
struct feeds_mold_seq;

struct feeds_mold_seq_cfg {
	uint64_t first_seq;            /* 0: 1; FEEDS_MOLD_JOIN_LATE: the first packet's number */
	uint32_t window;               /* reorder window in messages, power of two (0: 65536) */
	uint16_t max_msg;              /* longest message kept (0: 64; ITCH needs 50) */
	uint16_t max_request;          /* messages asked per re-request (0: 64) */
	uint64_t request_interval_ns;  /* resend an unanswered re-request after (0: 5 ms) */
	uint64_t gap_timeout_ns;       /* give a gap up after (0: 2 s) */
	char session[10];              /* all zero: lock onto the first packet's session */
};
#define FEEDS_MOLD_JOIN_LATE UINT64_MAX

/* Positive outcomes of feeds_mold_seq_packet and feeds_mold_seq_poll. */
enum feeds_mold_outcome {
	FEEDS_MOLD_OK = 0,        /* in order (messages may be ready) */
	FEEDS_MOLD_DUP = 1,       /* nothing new: every message already delivered */
	FEEDS_MOLD_GAP = 2,       /* a gap opened or grew: messages buffered until it fills */
	FEEDS_MOLD_FILL = 3,      /* filled (part of) the open gap */
	FEEDS_MOLD_HEARTBEAT = 4, /* heartbeat, no gap */
	FEEDS_MOLD_ENDED = 5,     /* end of session seen (delivery ends at its number) */
	FEEDS_MOLD_SESSION = 6,   /* another session's packet: ignored */
	FEEDS_MOLD_OVERFLOW = 7,  /* beyond the reorder window: dropped (asked again later) */
	FEEDS_MOLD_REQUEST = 8,   /* poll: send *ret_req to the re-request server */
	FEEDS_MOLD_LOST = 9,      /* poll/flush: the open gap was given up (*ret_req = lost range) */
};

struct feeds_mold_msg {
	uint64_t seq;
	const unsigned char *data; /* into the last packet or the window (see _next) */
	uint16_t len;
};

struct feeds_mold_req {
	uint64_t seq;
	uint64_t count;            /* for a request: <= max_request; for LOST: messages lost */
	unsigned char pkt[FEEDS_MOLD_HDR_LEN]; /* the encoded request packet */
};

/* feeds_mold_seq_create - validate cfg (NULL: defaults) and allocate. 0, -EINVAL, -ENOMEM. */
int feeds_mold_seq_create(const struct feeds_mold_seq_cfg *cfg, struct feeds_mold_seq **ret,
			  char *err, size_t errlen);
struct feeds_mold_seq *feeds_mold_seq_destroy(struct feeds_mold_seq *s);

/*
 * feeds_mold_seq_packet - take one downstream packet (raw bytes) received at
 * now_ns. The previous packet's in-order messages must have been drained by
 * feeds_mold_seq_next first (-EBUSY otherwise, nothing done). The packet's
 * bytes must stay valid until feeds_mold_seq_next returns CORE_RING_EMPTY.
 * Returns a positive enum feeds_mold_outcome or -EBADMSG (feeds_mold_decode's
 * error, counted in bad_packets; the packet is ignored, so its messages will
 * be re-requested like lost ones).
 */
int feeds_mold_seq_packet(struct feeds_mold_seq *s, const unsigned char *pkt, size_t len,
			  uint64_t now_ns, char *err, size_t errlen);
/*
 * feeds_mold_seq_next - the next message in sequence. Returns 0 and *ret
 * (data valid until the next call of _next or _packet), CORE_RING_EMPTY when
 * nothing is deliverable now, or CORE_EOF once end of session was seen and
 * every message before it delivered.
 */
int feeds_mold_seq_next(struct feeds_mold_seq *s, struct feeds_mold_msg *ret);
/*
 * feeds_mold_seq_poll - timers. Returns 0 (nothing to do), FEEDS_MOLD_REQUEST
 * (send ret->pkt to the re-request server; counted), or FEEDS_MOLD_LOST (the
 * open gap, open for gap_timeout_ns, was given up: ret->seq/count are the
 * lost messages and stats.last_loss says why). Call it regularly while a gap
 * is open; it is cheap when none is.
 */
int feeds_mold_seq_poll(struct feeds_mold_seq *s, uint64_t now_ns, struct feeds_mold_req *ret);
/* feeds_mold_seq_flush - give the open gap up now (end of a capture):
 * FEEDS_MOLD_LOST and *ret as above, or 0 if no gap is open. */
int feeds_mold_seq_flush(struct feeds_mold_seq *s, uint64_t now_ns, struct feeds_mold_req *ret);
void feeds_mold_seq_stats(const struct feeds_mold_seq *s, struct feeds_mold_stats *ret);

/* ========================================================================= */
/* Capture formats                                                            */
/* ========================================================================= */

/* What a capture file holds, judged by its first bytes (feeds_format_detect). */
enum feeds_format {
	FEEDS_FMT_ITCH = 0,   /* NASDAQ day file ([u16 BE length][message]...): the fallback */
	FEEDS_FMT_PCAP = 1,   /* pcap, micro- or nanosecond, either byte order */
	FEEDS_FMT_PCAPNG = 2, /* pcapng (section header block 0x0a0d0d0a) */
	FEEDS_FMT_OTHER = 3,  /* reserved for sources added by others (text captures) */
};

/* feeds_format_detect - pcap magics 0xa1b2c3d4 / 0xa1b23c4d (either byte
 * order), pcapng 0x0a0d0d0a; anything else is FEEDS_FMT_ITCH. Reads at most
 * 4 bytes, none if len < 4. */
enum feeds_format feeds_format_detect(const void *data, size_t len);

/* ========================================================================= */
/* pcap / pcapng reader and pcap writer                                       */
/* ========================================================================= */

/*
 * A small own reader rather than libpcap: it works over a caller's memory
 * (the mmap of feeds_capture, zero copy, so the hot replay path never copies
 * a packet), handles pcapng interfaces with any if_tsresol and both byte
 * orders, and is fuzzable and guard-page testable over a buffer. Link types:
 * Ethernet (1, with 802.1Q tags), Linux cooked v1 (113) and v2 (276), raw
 * IPv4 (101, 12, 228) and BSD loopback (0).
 *
 * Caller-owned struct; pointers returned point into the caller's buffer.
 */
#define FEEDS_PCAP_MAX_IFACES 16

struct feeds_pcap {
	const unsigned char *data;
	size_t len;
	size_t off;             /* next block/record */
	enum feeds_format format;
	bool swapped;           /* the file's byte order differs from the host's */
	uint64_t records;       /* records returned so far */
	/* pcap: one link type and resolution; pcapng: per interface */
	uint32_t nifaces;
	uint32_t linktype[FEEDS_PCAP_MAX_IFACES];
	uint64_t ts_div[FEEDS_PCAP_MAX_IFACES];  /* ticks per second, as given by the file */
	char name[256];         /* used in error messages */
};

struct feeds_pcap_rec {
	uint64_t ts_ns;          /* capture time, ns since the Unix epoch */
	const unsigned char *data; /* caplen bytes of the link-layer frame */
	uint32_t caplen;
	uint32_t origlen;
	uint32_t linktype;
	size_t offset;           /* file offset of the record or block */
};

/*
 * feeds_pcap_init - start reading a pcap or pcapng image of len bytes at data
 * (caller-owned, must outlive the reader). name is copied for messages.
 * Returns 0, or -EBADMSG ("NAME: offset N: what") for a bad or truncated
 * file header, or -EPROTONOSUPPORT for an unknown magic.
 */
int feeds_pcap_init(struct feeds_pcap *p, const void *data, size_t len, const char *name,
		    char *err, size_t errlen);
/*
 * feeds_pcap_next - the next packet record. pcapng blocks other than packets
 * are skipped (a new section header restarts the interface table).
 * Returns 0 and *ret, CORE_EOF at the end, or -EBADMSG ("NAME: offset N:
 * what") for a truncated or inconsistent record or block (p->off stays at
 * it). Nothing past data + len is read.
 */
int feeds_pcap_next(struct feeds_pcap *p, struct feeds_pcap_rec *ret, char *err, size_t errlen);

/* The IPv4 view of a record: addresses in host order, payload into the record. */
struct feeds_ip_view {
	uint32_t src_ip, dst_ip;
	uint16_t sport, dport;
	uint8_t proto;            /* 17 UDP, 6 TCP, else other (ports 0, payload = IP payload) */
	const unsigned char *payload;
	size_t len;
	const unsigned char *l3;  /* the IPv4 header (l3_len bytes) */
	size_t l3_len;
};
/*
 * feeds_pcap_ip - decode the link, IPv4 and UDP/TCP headers of a record.
 * Returns 0, -ENOENT when it is not IPv4 or is a fragment (skip it), or
 * -EBADMSG when a header is truncated or its lengths disagree (err names the
 * layer and the record offset).
 */
int feeds_pcap_ip(const struct feeds_pcap_rec *rec, struct feeds_ip_view *ret, char *err,
		  size_t errlen);

/* A pcap writer (nanosecond pcap, Ethernet + IPv4 + UDP or TCP frames). */
struct feeds_pcap_writer;
/* feeds_pcap_writer_open - create/truncate path. 0, or -errno ("PATH: what"). */
int feeds_pcap_writer_open(const char *path, struct feeds_pcap_writer **ret, char *err,
			   size_t errlen);
/* feeds_pcap_write_udp - append one UDP datagram (addresses host order; ts ns since epoch).
 * 0, -EMSGSIZE (payload above 65507), or -errno from the write. */
int feeds_pcap_write_udp(struct feeds_pcap_writer *w, uint64_t ts_ns, uint32_t src_ip,
			 uint16_t sport, uint32_t dst_ip, uint16_t dport, const void *payload,
			 size_t len);
/* feeds_pcap_write_tcp - append one TCP segment (addresses host order; ts ns since
 * epoch; seq/ack the raw numbers; flags the TCP flag byte: 0x02 SYN, 0x10 ACK,
 * 0x18 PSH|ACK, 0x11 FIN|ACK). The caller keeps seq/ack consistent; the TCP
 * checksum is left 0. 0, -EMSGSIZE (payload above 65495), or -errno from the write. */
int feeds_pcap_write_tcp(struct feeds_pcap_writer *w, uint64_t ts_ns, uint32_t src_ip,
			 uint16_t sport, uint32_t dst_ip, uint16_t dport, uint32_t seq, uint32_t ack,
			 uint8_t flags, const void *payload, size_t len);
/* feeds_pcap_writer_close - flush and close; accepts NULL; returns 0 or the first write error. */
int feeds_pcap_writer_close(struct feeds_pcap_writer *w);

/* ========================================================================= */
/* Crypto L2 feeds: Binance spot and Bybit WebSocket JSON                     */
/* ========================================================================= */

/*
 * Decodes cryptofeed-style captures, one message per line:
 *   `<recv unix ts>: <raw JSON>`                     a WebSocket message;
 *   `https://...depth?symbol=S&... -> <ts>: <JSON>`  a Binance REST depth
 *                                                    snapshot (lastUpdateId);
 *   `wss://... <-> <ts>`                             a (re)connection: every
 *                                                    book of that venue resyncs;
 *   `wss://... <- <ts>: <JSON>`                      a request we sent (skipped).
 * Binance: depthUpdate diffs (U/u), bookTicker, aggTrade, trade (raw or
 * combined `{"stream","data"}` form); kline and acks are skipped. Binance
 * USD-M futures are their own books (venue BINANCE_FUTURES): a diff with
 * `pu`, a snapshot from a /fapi/ URL, and any message after a `<->` line to
 * fstream.binance.com. Bybit: orderBookL2_* snapshot/delta
 * (delete/update/insert) and trade.* topics.
 *   `https://.../exchangeInfo... -> <ts>: <JSON>`    Binance instrument metadata:
 *                                                    each listed symbol's price
 *                                                    and size scales from its
 *                                                    PRICE_FILTER tickSize and
 *                                                    LOT_SIZE stepSize (a book
 *                                                    whose scale changes is
 *                                                    emptied and resyncs).
 * A connection to an exchange Osprey does not speak (Coinbase, Kraken, OKX,
 * ...) is refused by name (-EBADMSG), not read as an empty capture.
 *
 * JSON is read by a purpose-built scanner (no tree, no allocation): any key
 * order, any whitespace, unknown keys skipped; nesting is bounded.
 *
 * Units: every symbol has a price scale and a size scale (decimal places).
 * Decimal strings become integers without floating point; a value with
 * nonzero digits beyond the scale, or too large (prices must fit 32 bits,
 * sizes 64), is rejected (-EBADMSG naming the field), never rounded.
 * Scales come from cfg->instr, then a built-in table for the symbols of the
 * captures in ../shared/data/crypto (exchange tick/lot sizes; Bybit prints
 * sizes as binary floats, e.g. 10.969999, so its sizes need 6-7 places),
 * then the defaults.
 *
 * Books (one L2 book per venue and symbol; locate = 1, 2, ... for the
 * declared symbols (cfg.declare), then in order of first appearance):
 *  - Binance: a REST snapshot (lastUpdateId L) resets the book; diffs with
 *    u <= L are dropped; the first applied diff must have U <= L+1 <= u; then
 *    each U must be the previous u + 1. A diff with u <= the last applied u
 *    is a duplicate (dropped, counted). Anything else is a gap: one MD_GAP
 *    event (MD_F_STALE), and the book stays stale (later diffs not applied)
 *    until the next snapshot for the symbol. Diffs before any snapshot are
 *    counted as unsynced and dropped. A bookTicker whose u equals the u of an
 *    applied diff is checked against the book (ticker_* stats).
 *  - Binance futures (their documented rules): a snapshot L; diffs with
 *    u < L dropped; the first applied must have U <= L <= u; then each pu
 *    must equal the previous u. Anything else is a gap, as for spot.
 *  - Bybit: a snapshot resets the book; deltas apply deletes, then updates,
 *    then inserts. A delta before the first snapshot, an update or delete of
 *    an absent level, an insert of a present one, or a cross_seq not above
 *    the previous one (duplicate / out of order: dropped) is counted; the
 *    level errors mark the book stale until the next snapshot.
 *
 * Events (each line gives 0..n md_events; t0_ns and seq are the caller's):
 *  - MD_LEVEL per changed level: px, qty (0: the level is gone), side 'B'/'S',
 *    ref = the diff's u (Binance) or cross_seq (Bybit); every event of one
 *    message carries the top of book after the whole message (a message is
 *    applied atomically; its intermediate states may cross);
 *  - MD_STATUS with MD_F_BOOK for a snapshot (the book was replaced);
 *  - MD_TRADE for aggTrade/trade: px, qty, side = the taker's side,
 *    ref = the trade id (Binance) or 0;
 *  - MD_GAP when a Binance book falls out of sequence or a Bybit book hits
 *    a level error, and on reconnection for each book that was in sync.
 * ts_ns: the exchange event time (or the receive time when the message has
 * none) as ns since midnight UTC, raised to the previous event's time when it
 * would step back (symbols interleave; trades carry their match time): the
 * engine runs on event time and needs it non-decreasing. A REST snapshot
 * has no exchange time and keeps the previous event's time. qty and bid/ask qty saturate at UINT32_MAX
 * (the book keeps 64 bits). flags: MD_F_BOOK, MD_F_CROSSED, MD_F_STALE.
 * msg_type: 'd' Binance diff, 'r' REST snapshot, 'a' aggTrade, 't' trade,
 * 'o' Bybit delta, 'O' Bybit snapshot, 'T' Bybit trade.
 *
 * Threads: one thread at a time per object. Allocation only in create.
 */
enum feeds_crypto_venue {
	FEEDS_CRYPTO_ANY = 0,
	FEEDS_CRYPTO_BINANCE = 1,         /* spot */
	FEEDS_CRYPTO_BYBIT = 2,
	FEEDS_CRYPTO_BINANCE_FUTURES = 3, /* USD-M futures */
};

#define FEEDS_CRYPTO_SYMBOL_MAX 24

struct feeds_crypto_instr {
	const char *symbol;   /* exchange symbol, e.g. "NKNUSDT" */
	uint8_t venue;        /* enum feeds_crypto_venue (ANY: both) */
	uint8_t px_decimals;  /* prices in units of 10^-px_decimals (<= 18) */
	uint8_t qty_decimals; /* sizes in units of 10^-qty_decimals (<= 18) */
};

struct feeds_crypto_cfg {
	const struct feeds_crypto_instr *instr; /* caller-owned; copied at create */
	unsigned ninstr;
	bool no_builtin;          /* ignore the built-in table */
	bool reject_unknown;      /* a symbol in no table is an error (else the defaults) */
	uint8_t default_px_decimals;  /* 0: 4 (the engine's 1e-4) */
	uint8_t default_qty_decimals; /* 0: 8 */
	unsigned max_symbols;     /* books (0: 64; at most 65535) */
	unsigned max_levels;      /* levels per side per book (0: 4096) */
	unsigned max_events;      /* level changes in one message (0: 8192) */
	/* Books made at create, before any line: locates 1..ndeclare in this
	 * order, so a caller (the engine's order gateway) knows a symbol's
	 * locate before the stream names it. Each belongs to the first venue
	 * whose message names it, and takes that venue's scales then. */
	const char *const *declare;
	unsigned ndeclare;
};

struct feeds_crypto_stats {
	uint64_t lines;           /* lines read (headers and blank lines included) */
	uint64_t messages;        /* JSON messages decoded */
	uint64_t skipped;         /* lines or messages with nothing for the books (acks, klines...) */
	uint64_t snapshots, diffs, tickers, trades;       /* Binance */
	uint64_t bybit_snapshots, bybit_deltas, bybit_trades;
	uint64_t diffs_old;       /* u <= lastUpdateId: dropped by the snapshot rule */
	uint64_t diffs_unsynced;  /* no snapshot yet, or stale after a gap: dropped */
	uint64_t duplicates;      /* u <= last applied u, or cross_seq not increasing */
	uint64_t gaps;            /* books that fell out of sequence */
	uint64_t reconnects;      /* `<->` lines */
	uint64_t level_errors;    /* Bybit: update/delete of an absent level, insert of a present one */
	uint64_t levels_full;     /* a side was full: the level was dropped, the book marked stale */
	uint64_t level_events, trade_events, gap_events;
	uint64_t crossed_events;  /* messages after which a book was crossed */
	uint64_t ticker_matched;  /* bookTicker equal to the book at the same u */
	uint64_t ticker_mismatched;
	uint64_t ticker_unverifiable; /* its u fell inside a diff, or the book was not in sync */
	uint64_t futures_diffs;   /* Binance futures depthUpdates (in diffs too) */
	uint64_t scales_set;      /* symbols given a scale by exchangeInfo */
	uint64_t scale_resets;    /* books emptied because their scale changed */
};

struct feeds_crypto;

/* feeds_crypto_create - 0 and *ret, -EINVAL (err names the field), -ENOMEM. Setup only. */
int feeds_crypto_create(const struct feeds_crypto_cfg *cfg, struct feeds_crypto **ret, char *err,
			size_t errlen);
/* feeds_crypto_destroy - accepts NULL; returns NULL. */
struct feeds_crypto *feeds_crypto_destroy(struct feeds_crypto *c);

/* feeds_crypto_table_scale - the scales a book of symbol at venue starts
 * with under cfg (its instr, then the built-in table, then the defaults;
 * venue ANY: an entry of that name for any venue): 1 from a table, 0 the
 * defaults. (A live Binance feed with REST then takes exchangeInfo's.)
 * Any thread; pure. */
int feeds_crypto_table_scale(const struct feeds_crypto_cfg *cfg, int venue, const char *symbol,
			     unsigned *ret_px_decimals, unsigned *ret_qty_decimals);
/* feeds_crypto_sniff - true if buf (a file's first bytes) looks like a
 * cryptofeed capture: a `wss://`/`https://` line, or `<digits>.<digits>: {`. */
bool feeds_crypto_sniff(const void *buf, size_t len);

/*
 * feeds_crypto_line - decode and apply one line (without its '\n'; a
 * trailing '\r' is ignored). The message is validated completely before
 * anything is applied, so a rejected line leaves every book unchanged.
 * Returns the number of events (0..), *ret_ev pointing at them (owned by c,
 * valid until the next call), or -EBADMSG with "offset N: field 'F': what"
 * in err (N counts from the start of the line).
 */
int feeds_crypto_line(struct feeds_crypto *c, const char *line, size_t len,
		      const struct md_event **ret_ev, char *err, size_t errlen);
/*
 * feeds_crypto_next - feeds_crypto_line on the next line of a mapped capture
 * (from cap->off, which advances past it). Returns 0 with the line's events
 * in *ret_ev and their number in *ret_n (0 or more), CORE_EOF at the end, or
 * -EBADMSG with "PATH: line L (offset O): ..." in err (O: the file offset of
 * the bad byte); cap->off then stays at the line.
 */
int feeds_crypto_next(struct feeds_crypto *c, struct feeds_capture *cap,
                      const struct md_event **ret_ev, uint32_t *ret_n, char *err, size_t errlen);

/* Queries (same thread rules). locate is 1..feeds_crypto_nsymbols(). */
unsigned feeds_crypto_nsymbols(const struct feeds_crypto *c);
/* feeds_crypto_symbol - the exchange symbol, or "" for a bad locate. */
const char *feeds_crypto_symbol(const struct feeds_crypto *c, uint16_t locate);
/* feeds_crypto_venue - enum feeds_crypto_venue of a locate (0 for a bad one). */
int feeds_crypto_venue(const struct feeds_crypto *c, uint16_t locate);
/* feeds_crypto_lookup - the locate of (venue, symbol), or -ENOENT. */
int feeds_crypto_lookup(const struct feeds_crypto *c, int venue, const char *symbol);
/* feeds_crypto_scale - price and size decimals of a locate. 0 or -ERANGE. */
int feeds_crypto_scale(const struct feeds_crypto *c, uint16_t locate, unsigned *ret_px_decimals,
		       unsigned *ret_qty_decimals);
/* feeds_crypto_bbo - best levels (px 0, qty 0, orders 0 for an empty side). 0 or -ERANGE. */
int feeds_crypto_bbo(const struct feeds_crypto *c, uint16_t locate, struct feeds_level *ret_bid,
		     struct feeds_level *ret_ask);
/* feeds_crypto_depth - up to n levels of side 'B' or 'S', best first (orders = 1).
 * Returns the count, -ERANGE (locate) or -EINVAL (side). */
int feeds_crypto_depth(const struct feeds_crypto *c, uint16_t locate, char side,
		       struct feeds_level *out, unsigned n);
/* feeds_crypto_update_id - the update id the book stands at (Binance: the
 * snapshot's lastUpdateId, then each applied diff's u; Bybit: the last
 * cross_seq): 0 and *ret, -EAGAIN while it is out of sync, -ERANGE. */
int feeds_crypto_update_id(const struct feeds_crypto *c, uint16_t locate, uint64_t *ret);
/* feeds_crypto_stale - true while the book is out of sync (no snapshot, gap, level error). */
bool feeds_crypto_stale(const struct feeds_crypto *c, uint16_t locate);
void feeds_crypto_stats(const struct feeds_crypto *c, struct feeds_crypto_stats *ret);

/* ######################################################################### */
/* 3. Sources, generator, publisher                                           */
/* ######################################################################### */

/* ========================================================================= */
/* WebSocket (RFC 6455): the frame codec (feeds/src/ws.c)                     */
/* ========================================================================= */

/*
 * Frames as a client reads and writes them; no extension is negotiated, so
 * the RSV bits must be 0. feeds_ws_frame_next checks everything a frame's
 * header can get wrong (RFC 6455 5.2, 5.5): an unknown opcode, RSV bits, a
 * control frame fragmented or above 125 bytes, a length not in its minimal
 * form or with the top bit set, a payload above the caller's limit, masking
 * in the wrong direction (servers never mask, clients always do), a Close
 * payload of one byte. Plain functions on caller-owned bytes: any thread.
 */
enum feeds_ws_op {
	FEEDS_WS_CONT = 0x0,
	FEEDS_WS_TEXT = 0x1,
	FEEDS_WS_BINARY = 0x2,
	FEEDS_WS_CLOSE = 0x8,
	FEEDS_WS_PING = 0x9,
	FEEDS_WS_PONG = 0xA,
};

#define FEEDS_WS_PARTIAL 8 /* feeds_ws_frame_next: only part of a frame is there */
#define FEEDS_WS_MAX_HDR 14

struct feeds_ws_frame {
	uint8_t op;   /* enum feeds_ws_op */
	bool fin;
	bool masked;
	uint8_t mask[4];
	uint64_t len;
	unsigned char *payload; /* inside the caller's buffer; unmasked in place when masked */
};

/*
 * feeds_ws_frame_next - the frame at buf[*off, len). 0: *ret filled, *off
 * past the frame (a masked payload is unmasked in place); FEEDS_WS_PARTIAL:
 * not all there yet (*off kept); CORE_EOF at len; -EBADMSG with "offset N:
 * what" in err (N from buf). from_server: the frame came from a server (must
 * not be masked), else from a client (must be). max: the largest payload
 * taken (-EMSGSIZE above it).
 */
int feeds_ws_frame_next(void *buf, size_t len, size_t *off, bool from_server, uint64_t max,
			struct feeds_ws_frame *ret, char *err, size_t errlen);
/*
 * feeds_ws_frame_put - one frame of n payload bytes into out: masked with
 * mask when given (a client's frames), else not (a server's). Bytes written,
 * or -ENOSPC (cap too small), -EINVAL (a control frame above 125 bytes or not
 * fin).
 */
int feeds_ws_frame_put(void *out, size_t cap, uint8_t op, bool fin, const uint8_t *mask,
		       const void *payload, size_t n);
/* feeds_ws_close_code - a Close payload's status code (1005 when empty: "no
 * status"), and its reason in *ret_reason / *ret_len. */
unsigned feeds_ws_close_code(const struct feeds_ws_frame *f, const char **ret_reason,
			     size_t *ret_len);

/* ========================================================================= */
/* WebSocket client over TLS (feeds/src/wsclient.c, OpenSSL)                  */
/* ========================================================================= */

/*
 * One WebSocket connection to an exchange's stream (wss://, or ws:// for a
 * plain one), kept up: TCP connect, TLS with the server's certificate
 * verified against the system's CAs (or ca_file) and its name (SNI and host
 * check), the HTTP/1.1 Upgrade (Sec-WebSocket-Key / Accept checked), then
 * the configured subscription messages, sent again after every reconnect.
 * Frames per feeds_ws_frame_next; fragmented messages reassembled; a Ping
 * answered with a Pong; our own Ping after ping_ns of silence, and the link
 * dropped when nothing answers within timeout_ns; a Close answered and the
 * link closed. A lost link (any of those, a bad frame, a TLS or HTTP
 * failure) is reported once (FEEDS_WS_EV_DOWN with the reason) and
 * reconnected after a back-off that doubles from reconnect_min_ns to
 * reconnect_max_ns (back to the minimum once a link opens); max_reconnects
 * failed attempts in a row end the client (poll returns the error).
 *
 * Not a hot path: one thread owns a client (create, poll, send, destroy);
 * poll waits in poll(2). Host names are resolved (getaddrinfo) at each
 * connect, which blocks.
 */
struct feeds_ws_client_cfg {
	const char *url;          /* "wss://HOST[:PORT]/PATH?QUERY" or "ws://..." */
	const char *ca_file;      /* PEM CAs to trust instead of the system's (tests) */
	bool insecure;            /* no certificate check at all (never the default) */
	const char *const *subscribe; /* text messages sent after each open; caller-owned */
	unsigned nsubscribe;
	uint64_t reconnect_min_ns; /* 0: 100 ms */
	uint64_t reconnect_max_ns; /* 0: 10 s */
	uint64_t timeout_ns;       /* connect + TLS + upgrade, and a Ping's answer (0: 10 s) */
	uint64_t ping_ns;          /* server silence before our Ping (0: 20 s) */
	size_t max_message;        /* bytes (0: 16 MiB) */
	unsigned max_reconnects;   /* failed attempts in a row before giving up (0: never) */
};

enum feeds_ws_event_kind {
	FEEDS_WS_EV_OPEN = 1,    /* upgraded and subscribed */
	FEEDS_WS_EV_MESSAGE = 2, /* a whole text or binary message */
	FEEDS_WS_EV_DOWN = 3,    /* the link is gone (why); a reconnect follows */
};

struct feeds_ws_event {
	int kind;             /* enum feeds_ws_event_kind */
	bool binary;          /* MESSAGE: a binary one */
	const char *data;     /* MESSAGE: the payload (valid until the next poll); DOWN: why */
	size_t len;
	uint64_t recv_ns;     /* core_now_ns() when its last byte was read */
};

struct feeds_ws_client_stats {
	uint64_t connects, opens, downs, messages, bytes, frames, fragments;
	uint64_t pings_received, pongs_sent, pings_sent, pongs_received, closes_received;
	uint64_t bad_frames;     /* links dropped for a frame that did not check */
	uint64_t tls_failures;   /* handshakes that failed (the reason: the DOWN event) */
	char last_down[200];
};

struct feeds_ws_client;

/* feeds_ws_client_create - parse the URL, set up TLS; no connection yet (the
 * first poll connects). 0, -EINVAL (err names what), -ENOMEM. */
int feeds_ws_client_create(const struct feeds_ws_client_cfg *cfg, struct feeds_ws_client **ret,
			   char *err, size_t errlen);
/*
 * feeds_ws_client_poll - do what is due, waiting up to wait_ns for something
 * to happen. 1 and *ev: an event; 0: none yet; -errno: the client has ended
 * (max_reconnects failed attempts in a row: the last reason in stats and
 * err), or feeds_ws_client_close completed (-ESHUTDOWN).
 */
int feeds_ws_client_poll(struct feeds_ws_client *c, uint64_t wait_ns, struct feeds_ws_event *ev,
			 char *err, size_t errlen);
/* feeds_ws_client_send - one text message (queued; sent by the polls). 0,
 * -ENOTCONN (not open), -ENOMEM. */
int feeds_ws_client_send(struct feeds_ws_client *c, const char *text, size_t n);
/* feeds_ws_client_close - start the close handshake (code 1000); polls end
 * with -ESHUTDOWN once the server answers or timeout_ns pass. */
void feeds_ws_client_close(struct feeds_ws_client *c);
void feeds_ws_client_stats(const struct feeds_ws_client *c, struct feeds_ws_client_stats *ret);
/* feeds_ws_client_destroy - accepts NULL; returns NULL. */
struct feeds_ws_client *feeds_ws_client_destroy(struct feeds_ws_client *c);

/* ========================================================================= */
/* Crypto books, live (feeds/src/cryptolive.c: the stream and REST snapshots) */
/* ========================================================================= */

/*
 * A crypto feed from the exchange itself: one feeds_ws_client stream, and
 * for Binance depth books the instrument's metadata (GET
 * REST/api/v3/exchangeInfo?symbol=S, once: its price and size scales) and
 * the REST snapshot (GET REST/api/v3/depth?symbol=S&limit=N; futures:
 * /fapi/v1/ paths) fetched with libcurl (non-blocking, several at once; TLS
 * with the stream's CA settings), feeding the caller's feeds_crypto books
 * exactly as a cryptofeed capture's lines would (feeds_crypto_line: the same
 * rules).
 * Binance's documented order: after each (re)connection every book is
 * resynchronised (the `<->` line), a snapshot is asked for every symbol, and
 * while a symbol's snapshot loads its depthUpdate diffs are held (not
 * dropped); when it arrives the snapshot goes in, then the held diffs in
 * order, so the U/u rules drop the old ones and start from the one that
 * spans lastUpdateId + 1. A book that falls out of step later (an MD_GAP)
 * gets a new snapshot the same way. A snapshot that fails (HTTP status,
 * TLS, timeout, a body the decoder refuses) is logged and asked again after a
 * back-off; meanwhile that book stays stale and risk will not trade on it.
 * Bybit (no rest): its snapshots come in the stream.
 *
 * Lines can be kept as a capture (record): replaying it with feedcat or the
 * engine gives the same books. One thread: create, poll, destroy.
 */
struct feeds_crypto_live_cfg {
	struct feeds_ws_client_cfg ws; /* the stream; its ca_file / insecure serve REST too */
	const char *rest;          /* Binance REST base "https://api.binance.com"; NULL: none */
	bool futures;              /* USD-M futures: /fapi/v1/ paths ("https://fapi.binance.com") */
	const char *const *symbols; /* REST: the symbols whose depth books to snapshot */
	unsigned nsymbols;
	unsigned depth_limit;      /* the snapshot's limit (0: 1000) */
	size_t max_held;           /* bytes of diffs held per symbol while loading (0: 8 MiB);
				      more: the book is resynchronised (counted) */
	uint64_t rest_timeout_ns;  /* 0: 10 s */
	FILE *record;              /* every line as a capture (caller-owned); NULL: none */
	void (*log)(void *arg, const char *line); /* links, snapshots, failures; NULL: none */
	void *log_arg;
};

struct feeds_crypto_live_stats {
	uint64_t lines;                /* fed to the books */
	uint64_t snapshots_requested, snapshots_loaded, snapshot_failures;
	uint64_t infos_loaded;         /* exchangeInfo answers (scales) */
	uint64_t held, held_applied;   /* diffs held while a snapshot loaded; fed after it */
	uint64_t held_overflows;       /* a symbol's held diffs above max_held */
	uint64_t resyncs;              /* snapshots asked again after a gap */
	uint64_t refused;              /* stream messages the decoder refused (logged) */
};

struct feeds_crypto_live;

/* feeds_crypto_live_create - books is the caller's (borrowed, outlives l).
 * 0, -EINVAL (err names what), -ENOMEM. */
int feeds_crypto_live_create(const struct feeds_crypto_live_cfg *cfg, struct feeds_crypto *books,
			     struct feeds_crypto_live **ret, char *err, size_t errlen);
/*
 * feeds_crypto_live_poll - run the stream and the snapshots for up to wait_ns.
 * 1: one line went into the books, its events in *ret_ev / *ret_n (owned by
 * the books, valid until the next call); 0: nothing yet; -errno: the stream
 * has ended for good (err says why).
 */
int feeds_crypto_live_poll(struct feeds_crypto_live *l, uint64_t wait_ns,
			   const struct md_event **ret_ev, uint32_t *ret_n, char *err, size_t errlen);
void feeds_crypto_live_stats(const struct feeds_crypto_live *l,
			     struct feeds_crypto_live_stats *ret);
/* The stream client (its stats; feeds_ws_client_close to end it). */
struct feeds_ws_client *feeds_crypto_live_ws(struct feeds_crypto_live *l);
struct feeds_crypto_live *feeds_crypto_live_destroy(struct feeds_crypto_live *l);

/* ========================================================================= */
/* Forex from Alpha Vantage (feeds/src/fx.c: REST over HTTPS, libcurl)       */
/* ========================================================================= */

/*
 * Polls Alpha Vantage's FX_INTRADAY (bars) and, with quotes, its
 * CURRENCY_EXCHANGE_RATE (bid/ask) for each pair, on a thread of its own
 * (blocking libcurl calls, TLS checked as the system's or ca_file says), never
 * faster than calls_per_minute (the calls are spaced 60 s / N apart, all
 * pairs and functions together: the documented limit is per key). The API
 * key comes from a file readable by its owner only, never from the command
 * line. What the answers say becomes md_events on a lock-free ring the
 * caller polls:
 *   a bar not seen before (newest first in the answer; handed out oldest
 *   first, each once): MD_TRADE at the bar's close, ts_ns the bar's time of
 *   day (UTC), bid and ask the close too (a bar has no spread);
 *   a quote: MD_LEVEL with its bid and ask (qty 1 each: Alpha Vantage gives
 *   no sizes), ts_ns its "Last Refreshed".
 * locate = the pair's index + 1; prices in units of 1e-px_decimals.
 * Alpha Vantage's refusals arrive as 200 answers: {"Error Message": ...} (a
 * bad call or key: logged, counted, asked again next round) and {"Note": ...}
 * or {"Information": ...} (the call frequency or the day's quota: counted as
 * rate_limited, the next call waits pause_ns, a minute by default). An answer that is not
 * one of those shapes, a price with more decimals than px_decimals, or an
 * HTTP or TLS failure is logged and counted; nothing half-read reaches the
 * ring. One thread creates, polls and destroys.
 */
struct feeds_fx_cfg {
	const char *base;          /* "https://www.alphavantage.co" */
	const char *key_file;      /* the API key, one line; mode 0600 or 0400, ours */
	const char *const *pairs;  /* "EURUSD", "USDCHF": two ISO 4217 codes; caller-owned */
	unsigned npairs;
	const char *interval;      /* FX_INTRADAY: 1min 5min 15min 30min 60min (NULL: 5min) */
	bool quotes;               /* CURRENCY_EXCHANGE_RATE too */
	unsigned calls_per_minute; /* 0: 5 (the free tier's documented limit) */
	uint64_t round_ns;         /* a pair is asked again after this (0: a minute) */
	uint64_t pause_ns;         /* after a Note / Information (the limit): no call for this
				      long (0: a minute) */
	const char *ca_file;       /* PEM CAs instead of the system's (tests) */
	uint8_t px_decimals;       /* 0: 5 */
	void (*log)(void *arg, const char *line); /* refusals, failures; on the fx thread */
	void *log_arg;
};

struct feeds_fx_stats {
	uint64_t calls, bars, quotes;
	uint64_t errors;       /* Error Message answers */
	uint64_t rate_limited; /* Note / Information answers */
	uint64_t failures;     /* HTTP, TLS, timeouts, answers of another shape */
	uint64_t ring_full;    /* events that waited for room */
	uint64_t min_gap_ns;   /* the shortest time between two calls (0: fewer than two) */
};

struct feeds_fx;

/* feeds_fx_create - check the config and the key file, start the thread.
 * 0, -EINVAL (err names what: a pair, the interval, "KEYFILE: readable by
 * others (mode 0644): chmod 600 KEYFILE"), -errno, -ENOMEM. */
int feeds_fx_create(const struct feeds_fx_cfg *cfg, struct feeds_fx **ret, char *err,
		    size_t errlen);
/* feeds_fx_poll - the next event: 1 and *ev, or 0 (none now). Never waits. */
int feeds_fx_poll(struct feeds_fx *fx, struct md_event *ev);
/* feeds_fx_stats - counters (read while the thread runs: each one exact,
 * not all from one instant). */
void feeds_fx_stats(const struct feeds_fx *fx, struct feeds_fx_stats *ret);
const char *feeds_fx_symbol(const struct feeds_fx *fx, uint16_t locate);
/* feeds_fx_destroy - stop the thread (a call under way is aborted); NULL ok. */
struct feeds_fx *feeds_fx_destroy(struct feeds_fx *fx);

/* ========================================================================= */
/* MetaTrader 5 ticks (feeds/src/mt5ticks.c: ZeroMQ SUB)                      */
/* ========================================================================= */

/*
 * The ticks a MetaTrader 5 terminal publishes through Darwinex's DWX ZeroMQ
 * expert advisor (github.com/darwinex/dwx-zeromq-connector,
 * DWX_ZeroMQ_Server.mq5 v2.0.2; its order side is exec.h's "MetaTrader 5 over
 * ZeroMQ"): on every tick, for each symbol a TRACK_PRICES command named (the
 * order gateway sends it), one message "SYMBOL BID;ASK" on its PUB socket
 * (PUB_PORT, 32770 by default), the prices as MQL's "%f" prints them. A SUB
 * socket subscribes to "SYMBOL " for each configured symbol (libzmq
 * reconnects by itself). Each tick becomes an MD_LEVEL event: locate = the
 * symbol's index + 1, bid and ask in 10^-px_decimals with qty 1 (the EA sends
 * no sizes), ts_ns the receipt's UTC time of day (the EA sends no time),
 * never earlier than the last. A message that is not "SYMBOL BID;ASK", a
 * price with more decimals than px_decimals, a bid of 0 or above the ask is
 * counted (bad; last_bad says what and where) and dropped; a symbol not
 * configured (a prefix match of ZeroMQ's) is counted (unknown). One thread
 * creates, polls and destroys; libzmq's I/O thread receives.
 */
#define FEEDS_MT5_TEXT 32 /* symbol bytes, NUL included */

struct feeds_mt5_cfg {
	const char *ticks;          /* the EA's PUB socket: "tcp://127.0.0.1:32770" */
	const char *const *symbols; /* the terminal's names; locate i + 1 is symbols[i] */
	unsigned nsymbols;
	uint8_t px_decimals;        /* 0: 5; at most 8 */
};

struct feeds_mt5_stats {
	uint64_t ticks;   /* events handed out */
	uint64_t bad;     /* messages dropped as malformed */
	uint64_t unknown; /* ticks of symbols not configured */
	char last_bad[160];
};

struct feeds_mt5;

/* feeds_mt5_create - subscribe and connect. 0, -EINVAL (err names the
 * field), -ENOMEM, or ZeroMQ's -errno (err says). */
int feeds_mt5_create(const struct feeds_mt5_cfg *cfg, struct feeds_mt5 **ret, char *err,
                     size_t errlen);
/* feeds_mt5_poll - the next tick: 1 and *ev (t0_ns its receipt), or 0 (none
 * now). Never waits. */
int feeds_mt5_poll(struct feeds_mt5 *m, struct md_event *ev);
void feeds_mt5_stats(const struct feeds_mt5 *m, struct feeds_mt5_stats *ret);
/* The symbol of locate ("" when none). */
const char *feeds_mt5_symbol(const struct feeds_mt5 *m, uint16_t locate);
/* feeds_mt5_destroy - close the socket; NULL ok; returns NULL. */
struct feeds_mt5 *feeds_mt5_destroy(struct feeds_mt5 *m);
/* feeds_mt5_tick_parse - one message s[0, len): the symbol into sym (room
 * for symcap bytes), bid and ask in 10^-8. 0, or -EBADMSG with "offset N:
 * what" in err. Pure; any thread. */
int feeds_mt5_tick_parse(const char *s, size_t len, char *sym, size_t symcap, int64_t *bid_e8,
                         int64_t *ask_e8, char *err, size_t errlen);

/* ========================================================================= */
/* Capture file: a day file mapped read-only                                  */
/* ========================================================================= */

struct feeds_capture {
	const unsigned char *data; /* the file's bytes (NULL when empty) */
	size_t len;
	size_t off;                /* the next frame, for feeds_capture_next */
	char path[256];
	void *map_;                /* private: the mapping, for munmap */
	size_t map_len_;           /* private */
	/* private, a capture read in windows (feeds_stage_cfg.stream_window):
	 * the reader publishes progress_, the pager owns the rest */
	size_t window_, paged_to_, dropped_to_;
	_Atomic size_t progress_;
	bool streaming_;
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
/* Any capture, item by item (tools: osprey-feedcat)                          */
/* ========================================================================= */

/*
 * A reader opens any capture the feed stage takes (format chosen by content,
 * as the stage does) and yields what the stage would see: ITCH messages in
 * sequence order, or ready events (MD_GAP notices of a MoldUDP64 capture,
 * MD_LEVEL events of L2 sources). Setup allocates; next does not.
 */
struct feeds_reader;

enum feeds_read_kind {
	FEEDS_READ_ITCH = 1,  /* *ret_msg filled (raw valid until the next call / close) */
	FEEDS_READ_EVENT = 2, /* *ret_ev filled (all but seq and t0_ns) */
};

/* feeds_reader_open - map path and pick its source. 0, or -errno ("PATH: what"). */
int feeds_reader_open(const char *path, struct feeds_reader **ret, char *err, size_t errlen);
/*
 * feeds_reader_next - FEEDS_READ_ITCH, FEEDS_READ_EVENT, CORE_EOF, or a
 * negative errno with "PATH: offset N: what" in err (later calls repeat it).
 * ret_flags (may be NULL) receives MD_F_* the source adds to an ITCH
 * message's event (stale/halted after a lost gap).
 */
int feeds_reader_next(struct feeds_reader *r, struct feeds_itch_msg *ret_msg,
		      struct md_event *ret_ev, uint8_t *ret_flags, char *err, size_t errlen);
/* feeds_reader_format - what the file was detected as. */
enum feeds_format feeds_reader_format(const struct feeds_reader *r);
/* feeds_reader_stats - the source's counters (mold, gap_events; by_type/total of ITCH items). */
void feeds_reader_stats(const struct feeds_reader *r, struct feeds_stats *ret);
/* feeds_reader_bytes - the capture's size in bytes. */
size_t feeds_reader_bytes(const struct feeds_reader *r);
/* feeds_reader_close - accepts NULL; returns NULL. */
struct feeds_reader *feeds_reader_close(struct feeds_reader *r);
/*
 * feeds_reader_dayfile - every ITCH message of the capture at path, in order,
 * as an ITCH day file in memory (each message behind its 2-byte big-endian
 * length), for a publisher to replay. *ret is malloc'd: the caller frees it.
 * ret_events (may be NULL) counts the items that were events, not ITCH
 * messages (left out). 0, or -errno with err set ("PATH: ...").
 */
int feeds_reader_dayfile(const char *path, unsigned char **ret, size_t *ret_len,
			 uint64_t *ret_events, char *err, size_t errlen);

/* ========================================================================= */
/* Live UDP receive (io_uring) and live MoldUDP64                             */
/* ========================================================================= */

/*
 * A UDP socket (unicast, or multicast: a group address is joined) read in
 * batches. Modes:
 *  - FEEDS_UDP_MULTISHOT: one multishot recv with a provided-buffer ring:
 *    no syscall per packet while data flows (the default: faster here, see
 *    BENCHMARKS.md "MoldUDP64 over loopback");
 *  - FEEDS_UDP_RECVMSG: a recvmsg SQE per buffer, resubmitted in batches;
 *  - FEEDS_UDP_RECVMMSG: plain non-blocking recvmmsg, no io_uring (the
 *    baseline; also the fallback when io_uring is unavailable);
 *  - FEEDS_UDP_DPDK: a DPDK device's receive queue, polled with
 *    rte_eth_rx_burst on the calling thread: no syscall, no interrupt, no
 *    kernel stack (built with `meson configure -Ddpdk=enabled`; otherwise
 *    feeds_udp_open refuses it with -ENOTSUP). See "DPDK" below.
 * Buffers are allocated at open. Owner thread only.
 *
 * DPDK. EAL starts at the first open, with cfg.dpdk_eal's arguments (the
 * calling thread's CPU affinity is put back afterwards: EAL pins it, the
 * engine pins its own threads), and stays up until the process exits: it
 * starts once per process, so later opens must pass the same arguments
 * (else -EALREADY, as after a failed start). EAL's log goes to memory, never
 * to stderr: a failing start quotes its last line in err (EAL itself prints
 * its usage on an option it does not know). The device (cfg.dpdk_port, or
 * the first) has one receiver at a time (else -EBUSY); it gets one receive
 * queue and is put in promiscuous and all-multicast mode; IPv4 and UDP
 * checksum offloads are used where the device has them. Once started it
 * runs until the process exits: feeds_udp_close leaves it running, a later
 * open drops what it received meanwhile and goes on (its mbuf pool, sized by
 * the first open, stays: a later open may not ask for more buffers). Each frame is checked and parsed here (feeds_udp_frame):
 * datagrams to the bind address and port are delivered in the device's
 * mbufs, held until feeds_udp_release; other traffic is counted (not_ours)
 * and freed, malformed frames and bad checksums counted (bad_frames) and
 * freed, frames longer than one mbuf counted as truncated. Re-requests go
 * out through a kernel socket (bound to cfg.iface, or 0.0.0.0, on an
 * ephemeral port; the answers come back to it unicast), which recv polls
 * every 100 us beside the device. No IGMP join is sent for a multicast
 * group: the network must deliver the group to the port.
 */
enum feeds_udp_mode {
	FEEDS_UDP_MULTISHOT = 0,
	FEEDS_UDP_RECVMSG = 1,
	FEEDS_UDP_RECVMMSG = 2,
	FEEDS_UDP_DPDK = 3,
};

struct feeds_udp_cfg {
	const char *bind;          /* "ADDR:PORT": unicast address, 0.0.0.0, or a multicast group
				      (then bound to 0.0.0.0:PORT and joined); PORT 0: ephemeral */
	const char *iface;         /* multicast: local interface address (NULL: INADDR_ANY) */
	enum feeds_udp_mode mode;
	uint32_t nbufs;            /* receive buffers, power of two (0: 256) */
	uint32_t buf_size;         /* bytes each (0: 2048; larger datagrams are truncated: counted) */
	int rcvbuf;                /* SO_RCVBUF bytes (0: 4 MiB, best effort) */
	/* FEEDS_UDP_DPDK only */
	const char *dpdk_eal;      /* EAL arguments, separated by spaces, e.g. "--no-huge
				      --no-pci --no-shconf -l 0 --vdev=net_pcap0,rx_pcap=F" */
	const char *dpdk_port;     /* the device by name ("net_pcap0", "0000:3b:00.0"); NULL: the
				      first one EAL found */
};

struct feeds_udp_pkt {
	const unsigned char *data;
	uint32_t len;
	uint32_t buf_;             /* private: buffer id */
	uint64_t t0_ns;            /* core_now_ns() when the completion was reaped */
};

struct feeds_udp_stats {
	uint64_t packets, bytes, truncated, recv_calls, submits, no_buffers, errors;
	/* FEEDS_UDP_DPDK: frames that were other traffic, frames malformed or
	 * failing a checksum, frames the device dropped for want of receive
	 * descriptors (imissed: the receiver fell behind) */
	uint64_t not_ours, bad_frames, missed;
	enum feeds_udp_mode mode;  /* the mode in use (after any fallback) */
};

struct feeds_udp;
/* feeds_udp_open - 0; -EINVAL (bad cfg/address, err names it), -ENOMEM, or -errno from
 * socket/bind/io_uring setup ("bind 127.0.0.1:9000: what"). */
int feeds_udp_open(const struct feeds_udp_cfg *cfg, struct feeds_udp **ret, char *err,
		   size_t errlen);
/*
 * feeds_udp_recv - up to max received datagrams, without blocking. Returns
 * the count (0: none yet) or -errno. Each packet's buffer stays valid until
 * feeds_udp_release for it; at most nbufs may be held at once.
 */
int feeds_udp_recv(struct feeds_udp *u, struct feeds_udp_pkt *pkts, unsigned max);
/* feeds_udp_release - return a packet's buffer to the receiver. */
void feeds_udp_release(struct feeds_udp *u, const struct feeds_udp_pkt *pkt);
/* feeds_udp_sendto - send a datagram from this socket ("ADDR:PORT" parsed at open by the
 * caller via feeds_udp_addr). 0 or -errno. */
int feeds_udp_sendto(struct feeds_udp *u, const void *buf, size_t len, uint32_t ip,
		     uint16_t port);
/*
 * feeds_udp_frame - the UDP payload of an Ethernet frame (802.1Q / QinQ tags
 * allowed) that carries an unfragmented IPv4 UDP datagram to ip:port (host
 * order; ip 0: any address). Checked: the IPv4 version, header and total
 * lengths against the frame, the header checksum (unless flags has
 * FEEDS_FRAME_IP_CSUM_OK: the device checked it), the UDP length against the
 * IP packet, and the UDP checksum when the sender set one (unless
 * FEEDS_FRAME_UDP_CSUM_OK). Returns 0 and *ret (pointing into frame);
 * -ENOENT when it is not such a datagram (other traffic: skip it); -EBADMSG
 * when a header is truncated or inconsistent or a checksum fails (err names
 * the layer). Reads only frame[0, len). Any thread.
 */
#define FEEDS_FRAME_IP_CSUM_OK 1u
#define FEEDS_FRAME_UDP_CSUM_OK 2u
int feeds_udp_frame(const unsigned char *frame, size_t len, uint32_t ip, uint16_t port,
		    unsigned flags, struct feeds_ip_view *ret, char *err, size_t errlen);
/* feeds_udp_addr - parse "A.B.C.D:PORT" into host-order ip and port. 0 or -EINVAL. */
int feeds_udp_addr(const char *s, uint32_t *ret_ip, uint16_t *ret_port);
uint16_t feeds_udp_port(const struct feeds_udp *u); /* the bound port (DPDK: the bind port) */
void feeds_udp_stats(const struct feeds_udp *u, struct feeds_udp_stats *ret);
struct feeds_udp *feeds_udp_close(struct feeds_udp *u); /* accepts NULL; returns NULL */

/*
 * Live MoldUDP64 for the feed stage (feeds_stage_cfg.mold). The same
 * sequencing applies to MoldUDP64 pcap/pcapng files given as stage paths
 * (capture time drives the timers; a capture cannot be asked again, so a
 * gap still open after gap_timeout_ns of capture time, at a full reorder
 * window, or at the end of the file is lost).
 * Events: when a gap opens the stage emits MD_GAP with MD_F_STALE, locate 0
 * (the whole feed: ITCH gaps can hide any instrument), ref = first missing
 * number, qty = missing count; nothing else flows until it fills. When a gap
 * is lost: MD_GAP with MD_F_STALE | MD_F_HALTED, and every later event of
 * the feed carries MD_F_STALE | MD_F_HALTED (ITCH has no snapshot to rebuild
 * from), so risk refuses new orders; feeds_stats.mold.last_loss says why.
 */
struct feeds_mold_live_cfg {
	struct feeds_udp_cfg udp;
	const char *rerequest;         /* "ADDR:PORT" of the re-request server (NULL: none; gaps
					  then wait for gap_timeout_ns and are lost) */
	struct feeds_mold_seq_cfg seq;
	uint64_t idle_timeout_ns;      /* no packet for this long: -ETIMEDOUT (0: wait forever) */
};

/* ========================================================================= */
/* MoldUDP64 publisher (osprey-gen --mold, tests)                             */
/* ========================================================================= */

/*
 * Sends a session's messages as MoldUDP64 to dest, serves re-requests on its
 * own socket (bound to serve), then sends end of session and keeps serving
 * until `linger_ns` pass without a request. Data packets may be dropped or
 * reordered (deterministic PRNG); heartbeats, end of session and
 * retransmissions are always sent.
 */
struct feeds_mold_pub;

struct feeds_mold_pub_cfg {
	const char *dest;           /* "ADDR:PORT" (multicast allowed) */
	const char *serve;          /* "ADDR:PORT" re-request server bind (NULL: 0.0.0.0:0) */
	const char *pcap;           /* write every datagram sent to this pcap (NULL: none) */
	char session[10];           /* all zero: "OSPREY0001" */
	const void *msgs;           /* the session as a day file: [u16 BE len][msg]... (caller-owned) */
	size_t msgs_len;
	uint16_t max_payload;       /* datagram bytes (0: 1400) */
	uint16_t max_count;         /* messages per packet (0: as many as fit) */
	double drop;                /* probability a data packet is not sent (0..1) */
	double reorder;             /* probability a data packet is held back behind the next */
	uint64_t seed;
	uint64_t rate_pps;          /* packets per second (0: as fast as possible) */
	double speed;               /* > 0: pace by the messages' ITCH timestamps (1: real time,
				       10: ten times faster); a packet holds only messages due
				       by then. 0: rate_pps alone */
	/* Called once per data packet, in sequence order, when it is published
	 * (dropped and reordered ones too: those faults happen after publishing):
	 * messages first_seq .. first_seq + count - 1, sent_ns = core_now_ns() of
	 * the send. A venue advances its matching engine and notes send times
	 * here. Runs in feeds_mold_pub_poll; NULL: none. */
	void (*on_publish)(void *arg, uint64_t first_seq, uint16_t count, uint64_t sent_ns);
	void *on_publish_arg;
	uint64_t heartbeat_ns;      /* while idle (0: 1 s) */
	uint64_t linger_ns;         /* keep serving after the end (0: 2 s) */
	uint64_t first_seq;         /* resume a session: the first message sent (0, 1: from
				       the start; at most the count + 1); earlier ones are
				       served on re-request; pacing starts at its time */
};

struct feeds_mold_pub_stats {
	uint64_t messages, packets, dropped, reordered, heartbeats, requests, bad_requests,
		resent_packets, resent_messages, ends;
	uint16_t serve_port;
};

/* feeds_mold_pub_create - index the messages, open the sockets. 0, -EINVAL ("what"), -errno. */
int feeds_mold_pub_create(const struct feeds_mold_pub_cfg *cfg, struct feeds_mold_pub **ret,
			  char *err, size_t errlen);
/* feeds_mold_pub_poll - send what is due, answer requests. Writes the work
 * done to *ret_work (0: idle) and returns 0, CORE_EOF when finished (end sent
 * and lingered), or -errno. */
int feeds_mold_pub_poll(struct feeds_mold_pub *p, uint64_t now_ns, uint32_t *ret_work);
void feeds_mold_pub_stats(const struct feeds_mold_pub *p, struct feeds_mold_pub_stats *ret);
struct feeds_mold_pub *feeds_mold_pub_destroy(struct feeds_mold_pub *p);

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
