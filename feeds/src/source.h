/* source.h - the feed stage's sources (private to feeds).
 *
 * The stage reads ITCH day files inline (its fastest path). Every other
 * input is a source: an object with a small vtable that yields items in
 * order. An item is either an ITCH message, which the stage applies to its
 * books, or a ready md_event (an MD_GAP notice, or an MD_LEVEL event from a
 * source that keeps its own L2 book), which the stage forwards as is.
 *
 * To add a source: write a constructor returning a struct feeds_src whose
 * first member is the base, and choose it by content in stage.c
 * (feeds__src_open(), which looks at feeds_format_detect()).
 */
#ifndef OSPREY_FEEDS_SOURCE_H
#define OSPREY_FEEDS_SOURCE_H

#include "feeds.h"

enum feeds_item_kind {
	FEEDS_ITEM_ITCH = 1,  /* msg: apply to the books, then OR flags into the event */
	FEEDS_ITEM_EVENT = 2, /* ev: complete but for seq (and t0_ns if 0) */
};

struct feeds_item {
	int kind;
	uint8_t flags;  /* ITCH: MD_F_* added to the event the books describe */
	uint64_t t0_ns; /* when the bytes were read; 0: the stage reads the clock */
	struct feeds_itch_msg msg;
	struct md_event ev;
};

/* next() outcome: nothing now (a live source waiting for the network).
 * Returned beside CORE_EOF, so it must differ from every core outcome. */
#define FEEDS_SRC_AGAIN 16
static_assert(FEEDS_SRC_AGAIN != CORE_EOF && FEEDS_SRC_AGAIN != CORE_RING_EMPTY,
              "a source outcome reads as a core one");

struct feeds_src;
struct feeds_src_ops {
	const char *name;
	/* 0 and *it (pointers in it stay valid until the next call), CORE_EOF
	 * when the source is finished, FEEDS_SRC_AGAIN, or -errno with a
	 * message naming the file/peer and offset in err. Stage thread only. */
	int (*next)(struct feeds_src *s, struct feeds_item *it, char *err, size_t errlen);
	/* add the source's counters into *ret (ret->mold and friends) */
	void (*stats)(const struct feeds_src *s, struct feeds_stats *ret);
	/* free everything; s may be NULL */
	void (*close)(struct feeds_src *s);
};

struct feeds_src {
	const struct feeds_src_ops *ops;
};

/* Captures read in windows (capture.c; feeds_stage_cfg.stream_window). */
int feeds__capture_open(struct feeds_capture *cap, const char *path, size_t window,
                        size_t stream_min, char *err, size_t errlen);
/* Read the rest in now and stop paging (a source that keeps its own offsets). */
void feeds__capture_read_all(struct feeds_capture *cap);
/* The pager's step: 1 moved a window, 0 nothing to do, CORE_EOF done. Pager thread. */
int feeds__capture_page(struct feeds_capture *cap);

/* feeds__src_open - the source for a mapped capture, chosen by content
 * (stage.c); *ret NULL for an ITCH day file. 0 or -errno with err. */
int feeds__src_open(struct feeds_capture *cap, struct feeds_src **ret, char *err, size_t errlen);

/* MoldUDP64 packets in a pcap/pcapng image (data must outlive the source). */
int feeds__mold_pcap_open(const unsigned char *data, size_t len, const char *name,
			  struct feeds_src **ret, char *err, size_t errlen);
/* Live MoldUDP64 over UDP. */
int feeds__mold_live_open(const struct feeds_mold_live_cfg *cfg, struct feeds_src **ret, char *err,
			  size_t errlen);
/* Crypto JSON-line captures (cryptosrc.c). cap must outlive the source. */
int feeds__crypto_src_open(struct feeds_capture *cap, struct feeds_src **ret, char *err,
			   size_t errlen);
/* Live SoupBinTCP (soupsrc.c). */
int feeds__soup_live_open(const struct core_soup_client_cfg *cfg, struct feeds_src **ret,
			  char *err, size_t errlen);
/* A live crypto feed (cryptolive.c) with its own books (books: their sizes
 * and scales, NULL the defaults); the end after idle_ns of silence (0: never). */
int feeds__crypto_live_open(const struct feeds_crypto_live_cfg *cfg,
			    const struct feeds_crypto_cfg *books, uint64_t idle_ns,
			    struct feeds_src **ret, char *err, size_t errlen);
/* Forex from Alpha Vantage (fx.c) as a live source; the end after idle_ns
 * without an event once one came (0: never). */
int feeds__fx_src_open(const struct feeds_fx_cfg *cfg, uint64_t idle_ns, struct feeds_src **ret,
		       char *err, size_t errlen);
/* MetaTrader 5 ticks (mt5ticks.c) as a live source; the end after idle_ns
 * without a tick once one came (0: never). */
int feeds__mt5_src_open(const struct feeds_mt5_cfg *cfg, uint64_t idle_ns, struct feeds_src **ret,
			char *err, size_t errlen);
/* The MetaTrader 5 feed of a source, NULL for any other source. */
const struct feeds_mt5 *feeds__mt5_src_feed(const struct feeds_src *s);
/* A live source with nothing now: is this the end? True once idle_ns (0:
 * never) has passed since the last event at last_ns (0: none yet). */
static inline bool feeds__quiet_end(uint64_t idle_ns, uint64_t last_ns, uint64_t now)
{
	return idle_ns && last_ns && now - last_ns >= idle_ns;
}
/* The forex feed of a source, NULL for any other source. */
const struct feeds_fx *feeds__fx_src_feed(const struct feeds_src *s);
/* fx.c, for its tests and fuzz target: an fx object with no thread and no
 * key, and one answer read as the thread reads one (quote:
 * CURRENCY_EXCHANGE_RATE, else FX_INTRADAY). */
struct feeds_fx *feeds__fx_bare(const char *const *pairs, unsigned n, const char *interval);
void feeds__fx_answer(struct feeds_fx *fx, unsigned pair, bool quote, const char *body,
		      size_t len);
/* Make every crypto source after the first share the first one's books. */
void feeds__crypto_src_link(struct feeds_src **srcs, unsigned n);
/* The books of a crypto source, NULL for any other source. */
const struct feeds_crypto *feeds__crypto_src_books(const struct feeds_src *s);
/* Add one mold stats block into another (counters summed, strings kept if set). */
void feeds__mold_stats_add(struct feeds_mold_stats *dst, const struct feeds_mold_stats *src);

#endif
