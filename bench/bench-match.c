/* bench-match - the matching engine (exec_match) over the LOBSTER AMZN day.
 *
 *   bench-match [--smoke] [--reps N] [--file PATH] [--max-refs N]
 *
 * The day is decoded through the feeds' ITCH book into md events first
 * (untimed). Then, per pass, a fresh engine takes every event:
 *   - with 0 orders of ours resting: ns per md event;
 *   - with 64 resting: passive orders of 100 shares at the best bid/ask and
 *     up to 7 ticks behind, topped up to 64 after every event (the top-up is
 *     timed apart, as ns per order accepted), so the queue bookkeeping, the
 *     executions that reach them and their fills are in the md event's time;
 *   - marketable orders (IOC at the opposite best price, one per 64 events):
 *     ns per order accepted, with their fills.
 * Each md event and each order is timed alone (core_now_ns, TSC when
 * invariant); the cost of the clock read itself is printed as the floor.
 * Without the AMZN file a generated 3-symbol session is used instead.
 * --smoke: one pass over the first 20000 events, exit 0. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "feeds.h"

#define RESTING 64
#define TICK    100

struct day {
	struct md_event *ev;
	uint64_t *orig; /* MD_REPLACE's original reference (the venue server has it) */
	size_t n;
};

static uint64_t nsink, nfills;
static uint32_t max_refs; /* 0: the engine's default */

static void sink(void *ctx, const struct exec_match_event *e)
{
	(void)ctx;
	nsink++;
	nfills += e->kind == EXEC_MATCH_FILL;
}

static int load_day(struct day *d, const char *path, bool *generated)
{
	char err[512];
	struct feeds_capture cap = { 0 };
	unsigned char *gen = NULL;
	size_t len = 0;
	const unsigned char *data;
	*generated = false;
	if (feeds_capture_open(&cap, path, err, sizeof(err)) == 0) {
		data = cap.data;
		len = cap.len;
	} else {
		struct feeds_gen_cfg gc = { .seed = 11, .messages = 200000, .symbols = 3 };
		size_t bound = feeds_gen_bound(&gc);
		gen = malloc(bound);
		if (!gen || feeds_gen(&gc, gen, bound, &len, err, sizeof(err)) < 0) {
			fprintf(stderr, "bench-match: %s\n", err);
			return -1;
		}
		data = gen;
		*generated = true;
	}
	struct feeds_books_cfg bc = { 0 };
	struct feeds_books *b;
	if (feeds_books_create(&bc, &b, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench-match: %s\n", err);
		return -1;
	}
	size_t cap_ev = len / 12 + 16, off = 0;
	d->ev = malloc(cap_ev * sizeof(*d->ev));
	d->orig = malloc(cap_ev * sizeof(*d->orig));
	d->n = 0;
	struct feeds_itch_msg m;
	while (d->n < cap_ev && feeds_itch_next(data, len, &off, &m, NULL, 0) == 0) {
		struct md_event *e = &d->ev[d->n];
		feeds_books_apply(b, &m, e);
		e->seq = d->n + 1;
		d->orig[d->n] = m.type == 'U' ? m.u.replace.orig_ref : 0;
		d->n++;
	}
	feeds_books_destroy(b);
	feeds_capture_close(&cap);
	free(gen);
	return 0;
}

static void report(const char *what, uint64_t n, const struct core_hist *h)
{
	printf("%-34s %9" PRIu64 "  ns p50 %4" PRId64 " p99 %5" PRId64 " p99.9 %6" PRId64
	       " max %7" PRId64 "\n",
	       what, n, core_hist_value_at(h, 50), core_hist_value_at(h, 99),
	       core_hist_value_at(h, 99.9), core_hist_max(h));
}

/* One pass; resting: keep that many passive orders open. */
static void pass(const struct day *d, size_t limit, unsigned resting, struct core_hist *h_md,
                 struct core_hist *h_new, struct core_hist *h_ioc, uint64_t *n_md,
                 uint64_t *n_new, uint64_t *n_ioc)
{
	char err[256];
	struct exec_match_config mc = { .sink = sink, .max_orders = 4096, .max_refs = max_refs };
	struct exec_match *m;
	if (exec_match_create(&mc, &m, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench-match: %s\n", err);
		exit(1);
	}
	uint64_t id = 0, rs = 0x9E3779B97F4A7C15ULL;
	for (size_t i = 0; i < d->n && i < limit; i++) {
		const struct md_event *e = &d->ev[i];
		uint64_t t = core_now_ns();
		exec_match_market(m, e, d->orig[i]);
		core_hist_record(h_md, (int64_t)(core_now_ns() - t));
		(*n_md)++;
		if (!e->locate || !e->bid_px || !e->ask_px || (e->flags & MD_F_CROSSED))
			continue;
		struct exec_match_stats st;
		exec_match_stats(m, &st);
		for (unsigned k = (unsigned)st.open_orders; k < resting; k++) {
			rs ^= rs << 13;
			rs ^= rs >> 7;
			rs ^= rs << 17;
			bool buy = rs & 1;
			uint32_t back = (uint32_t)((rs >> 8) % 8) * TICK;
			if (buy && e->bid_px <= back)
				back = 0;
			struct exec_match_order o = { .order_id = ++id,
				                      .px = buy ? e->bid_px - back : e->ask_px + back,
				                      .qty = 100,
				                      .locate = e->locate,
				                      .side = buy ? 'B' : 'S' };
			t = core_now_ns();
			exec_match_new(m, &o);
			core_hist_record(h_new, (int64_t)(core_now_ns() - t));
			(*n_new)++;
		}
		if (i % 64 == 0) {
			bool buy = (i / 64) & 1;
			struct exec_match_order o = { .order_id = ++id,
				                      .px = buy ? e->ask_px : e->bid_px,
				                      .qty = 300,
				                      .locate = e->locate,
				                      .side = buy ? 'B' : 'S',
				                      .tif = EXEC_TIF_IOC };
			t = core_now_ns();
			exec_match_new(m, &o);
			core_hist_record(h_ioc, (int64_t)(core_now_ns() - t));
			(*n_ioc)++;
		}
	}
	exec_match_destroy(m);
}

int main(int argc, char **argv)
{
	bool smoke = false;
	int reps = 5;
	const char *file = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke"))
			smoke = true;
		else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--file") && i + 1 < argc)
			file = argv[++i];
		else if (!strcmp(argv[i], "--max-refs") && i + 1 < argc)
			max_refs = (uint32_t)strtoul(argv[++i], NULL, 0);
		else {
			fprintf(stderr, "usage: bench-match [--smoke] [--reps N] [--file PATH] "
			                "[--max-refs N]\n");
			return 2;
		}
	}
	if (reps < 1)
		reps = 1;
	char path[1024];
	if (file) {
		snprintf(path, sizeof(path), "%s", file);
	} else {
		const char *dir = getenv("OSPREY_SHARED");
		snprintf(path, sizeof(path), "%s/data/itch/lobster_AMZN_20120621_L5.itch50",
		         dir ? dir : "../shared");
	}
	if (core_clock_init(smoke ? 1 : 20) < 0) {
		fprintf(stderr, "bench-match: clock init failed\n");
		return 1;
	}
	struct day d;
	bool generated;
	if (load_day(&d, path, &generated) < 0)
		return 1;
	size_t limit = smoke ? 20000 : SIZE_MAX;
	if (smoke)
		reps = 1;
	struct core_hist h_md, h_new, h_ioc, h_clk;
	if (core_hist_init(&h_md) < 0 || core_hist_init(&h_new) < 0 || core_hist_init(&h_ioc) < 0 ||
	    core_hist_init(&h_clk) < 0) {
		fprintf(stderr, "bench-match: out of memory\n");
		return 1;
	}
	printf("bench-match: %s, %s (%zu events), %d reps, max_refs %u, tsc %s\n",
	       smoke ? "smoke" : "full", generated ? "generated 3-symbol session" : path, d.n, reps,
	       max_refs ? max_refs : 1u << 16, core_clock_uses_tsc() ? "yes" : "no");
	for (int i = 0; i < 100000; i++) {
		uint64_t t = core_now_ns();
		core_hist_record(&h_clk, (int64_t)(core_now_ns() - t));
	}
	report("clock read (the floor)", 100000, &h_clk);
	int rc = 0;
	for (unsigned resting = 0; resting <= RESTING; resting += RESTING) {
		uint64_t n_md = 0, n_new = 0, n_ioc = 0;
		pass(&d, limit, resting, &h_md, &h_new, &h_ioc, &n_md, &n_new, &n_ioc); /* warm */
		core_hist_reset(&h_md);
		core_hist_reset(&h_new);
		core_hist_reset(&h_ioc);
		n_md = n_new = n_ioc = 0;
		uint64_t f0 = nfills;
		for (int r = 0; r < reps; r++)
			pass(&d, limit, resting, &h_md, &h_new, &h_ioc, &n_md, &n_new, &n_ioc);
		char what[64];
		snprintf(what, sizeof(what), "md event, %u resting", resting);
		report(what, n_md, &h_md);
		if (resting) {
			report("  order accepted (passive)", n_new, &h_new);
			printf("  fills per pass (resting and IOC): %" PRIu64 "\n", (nfills - f0) / (uint64_t)reps);
		}
		report(resting ? "  order accepted (IOC, takes)" : "order accepted (IOC, takes)",
		       n_ioc, &h_ioc);
		if (n_md == 0)
			rc = 1;
	}
	core_hist_fini(&h_md);
	core_hist_fini(&h_new);
	core_hist_fini(&h_ioc);
	core_hist_fini(&h_clk);
	free(d.ev);
	free(d.orig);
	return nsink == 42 ? 2 : rc;
}
