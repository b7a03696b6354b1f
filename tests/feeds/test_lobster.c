/* Integration: replay the LOBSTER-derived ITCH files through decoder + books;
 * after every tracking-number-0 order message the top of book must equal the
 * next row of LOBSTER's own top-of-book file (ask_px,ask_qty,bid_px,bid_qty).
 * Usage: test_feeds_lobster [AMZN|GOOG]... (default both). */
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feeds.h"

struct sample {
	const char *name;
	const char *itch;
	const char *csv;
	uint64_t messages;
};

static const struct sample samples[] = {
	{ "AMZN", "itch/lobster_AMZN_20120621_L5.itch50", "lobster/AMZN_2012-06-21_top_of_book.csv",
	  193502 },
	{ "GOOG", "itch/lobster_GOOG_20120621_L10.itch50",
	  "lobster/GOOG_2012-06-21_top_of_book.csv", 163421 },
};

/* LOBSTER marks an empty side with a dummy price of +-9999999999 and size 0. */
static uint32_t lob_px(long long v)
{
	return (v <= 0 || v >= 9999999999LL) ? 0 : (uint32_t)v;
}

static int run(const char *dir, const struct sample *s)
{
	char path[1024], err[512], line[256];
	struct feeds_capture cap;
	snprintf(path, sizeof(path), "%s/data/%s", dir, s->itch);
	int r = feeds_capture_open(&cap, path, err, sizeof(err));
	if (r == -ENOENT) {
		printf("skip: %s\n", err);
		return 77;
	}
	assert(r == 0);
	snprintf(path, sizeof(path), "%s/data/%s", dir, s->csv);
	FILE *csv = fopen(path, "r");
	if (!csv) {
		printf("skip: %s missing\n", path);
		feeds_capture_close(&cap);
		return 77;
	}
	struct feeds_books *b;
	assert(feeds_books_create(NULL, &b, err, sizeof(err)) == 0);
	struct feeds_itch_msg m;
	struct md_event ev;
	uint64_t n = 0, rows = 0, tracked = 0, mismatches = 0, crossed = 0;
	while ((r = feeds_capture_next(&cap, &m, err, sizeof(err))) == 0) {
		n++;
		int o = feeds_books_apply(b, &m, &ev);
		assert(o == FEEDS_BOOK_OK);
		if (ev.flags & MD_F_CROSSED)
			crossed++;
		if (m.tracking != 0 || !strchr("AFECXDUP", m.type))
			continue;
		tracked++;
		if (!fgets(line, sizeof(line), csv)) {
			fprintf(stderr, "%s: csv ended at tracking-0 message %llu\n", s->name,
				(unsigned long long)tracked);
			mismatches++;
			continue;
		}
		rows++;
		long long apx, aq, bpx, bq;
		if (sscanf(line, "%lld,%lld,%lld,%lld", &apx, &aq, &bpx, &bq) != 4) {
			fprintf(stderr, "%s: csv row %llu unreadable: %s", s->name,
				(unsigned long long)rows, line);
			abort();
		}
		if (ev.ask_px != lob_px(apx) || ev.ask_qty != (uint32_t)aq ||
		    ev.bid_px != lob_px(bpx) || ev.bid_qty != (uint32_t)bq) {
			if (mismatches < 10)
				fprintf(stderr,
					"%s: row %llu (message %llu, '%c' ref %llu): book %u/%u x "
					"%u/%u, lobster %lld/%lld x %lld/%lld\n",
					s->name, (unsigned long long)rows, (unsigned long long)n,
					m.type, (unsigned long long)ev.ref, ev.bid_px, ev.bid_qty,
					ev.ask_px, ev.ask_qty, bpx, bq, apx, aq);
			mismatches++;
		}
	}
	if (r != CORE_EOF)
		fprintf(stderr, "%s\n", err);
	assert(r == CORE_EOF);
	uint64_t extra = 0;
	while (fgets(line, sizeof(line), csv))
		extra++;
	struct feeds_book_stats st;
	feeds_books_stats(b, &st);
	printf("%s: %llu messages, %llu tracking-0 events, %llu csv rows (+%llu unread), "
	       "%llu mismatches, %llu crossed, %llu book errors, high-water %llu orders / %llu "
	       "levels\n",
	       s->name, (unsigned long long)n, (unsigned long long)tracked,
	       (unsigned long long)rows, (unsigned long long)extra,
	       (unsigned long long)mismatches, (unsigned long long)crossed,
	       (unsigned long long)st.errors, (unsigned long long)st.max_live_orders,
	       (unsigned long long)st.max_live_levels);
	assert(n == s->messages);
	assert(mismatches == 0);
	assert(extra == 0 && rows == tracked);
	assert(crossed == 0 && st.errors == 0);
	fclose(csv);
	feeds_books_destroy(b);
	feeds_capture_close(&cap);
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = getenv("OSPREY_SHARED");
	if (!dir) {
		printf("skip: OSPREY_SHARED unset\n");
		return 77;
	}
	int skipped = 0, ran = 0;
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		bool want = argc < 2;
		for (int a = 1; a < argc; a++)
			want |= strcmp(argv[a], samples[i].name) == 0;
		if (!want)
			continue;
		if (run(dir, &samples[i]) == 77)
			skipped++;
		else
			ran++;
	}
	return ran ? 0 : (skipped ? 77 : 1);
}
