/* bench-decode - ITCH decode + order book over the LOBSTER AMZN and GOOG files.
 *
 *   bench-decode [--smoke] [--reps N] [--max-orders N]
 *
 * Per file: messages/s over all repetitions, and ns per message at
 * p50/p99/p99.9/max, measured per batch of 64 messages (one clock read per
 * batch, divided by 64: a clock read per message would cost as much as the
 * work) and recorded with weight 64. Also decode alone, for comparison.
 * --smoke: one short pass, exit 0 (77 if the data is absent). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feeds.h"

#define BATCH 64

static const char *files[] = { "lobster_AMZN_20120621_L5.itch50",
			       "lobster_GOOG_20120621_L10.itch50" };
static size_t nfiles = 2;

static uint64_t sink;
static int prefetch_ahead = 8; /* frames of lookahead for feeds_books_prefetch (0: off) */

/* One pass; returns messages, adds elapsed ns to *ns, records batches into h. */
static uint64_t pass(const struct feeds_capture *cap, struct feeds_books *b, struct core_hist *h,
		     uint64_t limit, bool with_book, uint64_t *ns)
{
	struct feeds_itch_msg m;
	struct md_event ev;
	size_t off = 0;
	uint64_t n = 0;
	int r = 0;
	size_t pf = 0;
	feeds_books_reset(b);
	if (with_book && prefetch_ahead)
		for (int i = 0; i < prefetch_ahead; i++)
			pf = feeds_books_prefetch(b, cap->data, cap->len, pf);
	uint64_t start = core_now_ns();
	while (r == 0 && n < limit) {
		uint64_t t = core_now_ns();
		unsigned k;
		for (k = 0; k < BATCH; k++) {
			r = feeds_itch_next(cap->data, cap->len, &off, &m, NULL, 0);
			if (r)
				break;
			if (with_book) {
				if (prefetch_ahead)
					pf = feeds_books_prefetch(b, cap->data, cap->len, pf);
				feeds_books_apply(b, &m, &ev);
				sink += ev.bid_px;
			} else {
				sink += m.ts_ns;
			}
		}
		uint64_t dt = core_now_ns() - t;
		if (k)
			core_hist_record_n(h, (int64_t)((dt + k / 2) / k), k);
		n += k;
	}
	*ns += core_now_ns() - start;
	return n;
}

static void report(const char *what, const char *file, uint64_t n, uint64_t ns,
		   const struct core_hist *h)
{
	printf("%-12s %-34s %9" PRIu64 " msgs  %6.2f M msg/s  ns/msg p50 %" PRId64 " p99 %" PRId64
	       " p99.9 %" PRId64 " max %" PRId64 "\n",
	       what, file, n, ns ? (double)n * 1e3 / (double)ns : 0.0, core_hist_value_at(h, 50),
	       core_hist_value_at(h, 99), core_hist_value_at(h, 99.9), core_hist_max(h));
}

int main(int argc, char **argv)
{
	bool smoke = false;
	int reps = 20;
	uint32_t max_orders = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke"))
			smoke = true;
		else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--prefetch") && i + 1 < argc)
			prefetch_ahead = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--file") && i + 1 < argc) {
			files[0] = argv[++i]; /* a path of its own instead of the two samples */
			nfiles = 1;
		} else if (!strcmp(argv[i], "--max-orders") && i + 1 < argc)
			max_orders = (uint32_t)strtoul(argv[++i], NULL, 0);
		else {
			fprintf(stderr, "usage: bench-decode [--smoke] [--reps N] [--max-orders N] "
					"[--prefetch FRAMES] [--file PATH]\n");
			return 2;
		}
	}
	if (reps < 1)
		reps = 1;
	const char *dir = getenv("OSPREY_SHARED");
	if (!dir)
		dir = "../shared";
	if (core_clock_init(0) < 0) {
		fprintf(stderr, "bench-decode: clock init failed\n");
		return 1;
	}
	char err[512], path[1024];
	struct feeds_books_cfg bc = { .max_orders = max_orders };
	struct feeds_books *b;
	if (feeds_books_create(&bc, &b, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench-decode: %s\n", err);
		return 1;
	}
	struct core_hist h;
	if (core_hist_init(&h) < 0) {
		fprintf(stderr, "bench-decode: out of memory\n");
		return 1;
	}
	int rc = 0, found = 0;
	printf("bench-decode: %s, batches of %d, %d reps, max_orders %u, tsc %s\n",
	       smoke ? "smoke" : "full", BATCH, smoke ? 1 : reps, max_orders ? max_orders : 1u << 20,
	       core_clock_uses_tsc() ? "yes" : "no");
	for (size_t f = 0; f < nfiles; f++) {
		struct feeds_capture cap;
		if (files[f][0] == '/' || files[f][0] == '.')
			snprintf(path, sizeof(path), "%s", files[f]);
		else
			snprintf(path, sizeof(path), "%s/data/itch/%s", dir, files[f]);
		if (feeds_capture_open(&cap, path, err, sizeof(err)) < 0) {
			fprintf(stderr, "bench-decode: skip: %s\n", err);
			continue;
		}
		found++;
		uint64_t limit = smoke ? 10000 : UINT64_MAX;
		for (int book = 1; book >= 0; book--) {
			uint64_t n = 0, ns = 0;
			core_hist_reset(&h);
			pass(&cap, b, &h, limit, book, &ns); /* warm-up */
			core_hist_reset(&h);
			ns = 0;
			for (int r = 0; r < (smoke ? 1 : reps); r++)
				n += pass(&cap, b, &h, limit, book, &ns);
			report(book ? "decode+book" : "decode", files[f], n, ns, &h);
			if (n == 0)
				rc = 1;
		}
		feeds_capture_close(&cap);
	}
	core_hist_fini(&h);
	feeds_books_destroy(b);
	if (!found)
		return 77;
	return sink == 42 ? 2 : rc; /* keep sink alive */
}
