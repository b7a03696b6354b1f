/* mold_lobster.h - shared by the MoldUDP64 LOBSTER tests: drain a feed
 * stage's md_event ring and compare the top of book after every tracking-0
 * order message with LOBSTER's own top-of-book file. */
#ifndef OSPREY_TEST_MOLD_LOBSTER_H
#define OSPREY_TEST_MOLD_LOBSTER_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feeds.h"

struct lob_check {
	FILE *csv;
	uint64_t events, itch, tracked, rows, mismatches, crossed, gap_events, stale_events;
	uint64_t last_seq;
	bool eos;
};

static inline uint32_t lob_px(long long v)
{
	return (v <= 0 || v >= 9999999999LL) ? 0 : (uint32_t)v;
}

/* 0, or 77 when the csv is absent. */
static inline int lob_open(struct lob_check *c, const char *shared)
{
	char path[1024];
	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "%s/data/lobster/AMZN_2012-06-21_top_of_book.csv", shared);
	c->csv = fopen(path, "r");
	return c->csv ? 0 : 77;
}

static inline void lob_event(struct lob_check *c, const struct md_event *ev)
{
	char line[256];
	c->events++;
	if (ev->seq != c->last_seq + 1) {
		fprintf(stderr, "event seq %llu after %llu\n", (unsigned long long)ev->seq,
			(unsigned long long)c->last_seq);
		c->mismatches++;
	}
	c->last_seq = ev->seq;
	if (ev->kind == MD_EOS) {
		c->eos = true;
		return;
	}
	if (ev->kind == MD_GAP) {
		c->gap_events++;
		return;
	}
	if (ev->flags & MD_F_STALE)
		c->stale_events++;
	c->itch++;
	if (ev->flags & MD_F_CROSSED)
		c->crossed++;
	if (ev->tracking != 0 || !strchr("AFECXDUP", ev->msg_type) || !ev->msg_type)
		return;
	c->tracked++;
	if (!fgets(line, sizeof(line), c->csv)) {
		c->mismatches++;
		return;
	}
	c->rows++;
	long long apx, aq, bpx, bq;
	if (sscanf(line, "%lld,%lld,%lld,%lld", &apx, &aq, &bpx, &bq) != 4)
		abort();
	if (ev->ask_px != lob_px(apx) || ev->ask_qty != (uint32_t)aq ||
	    ev->bid_px != lob_px(bpx) || ev->bid_qty != (uint32_t)bq) {
		if (c->mismatches < 5)
			fprintf(stderr, "row %llu: book %u/%u x %u/%u, lobster %lld/%lld x %lld/%lld\n",
				(unsigned long long)c->rows, ev->bid_px, ev->bid_qty, ev->ask_px,
				ev->ask_qty, bpx, bq, apx, aq);
		c->mismatches++;
	}
}

/* Rows left unread in the csv. */
static inline uint64_t lob_close(struct lob_check *c)
{
	char line[256];
	uint64_t extra = 0;
	while (fgets(line, sizeof(line), c->csv))
		extra++;
	fclose(c->csv);
	return extra;
}

#endif
