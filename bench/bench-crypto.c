/* bench-crypto - crypto JSON lines -> L2 books, and the SoupBinTCP decoder.
 *
 *   bench-crypto [--smoke] [--reps N]
 *
 * Crypto: each capture of ../shared/data/crypto replayed N times through
 * feeds_crypto_line (Binance: REST snapshot file then WebSocket file); ns per
 * line at p50/p99/p99.9/max (one clock read per line), lines/s, events/s and
 * MB/s. Soup: a 200,000-message generated ITCH session framed as Sequenced
 * Data, decoded by core_soup_next: ns per packet (batches of 64) and
 * packets/s. --smoke: one short pass. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feeds.h"

static void report(const char *what, struct core_hist *h, uint64_t n, uint64_t ev, uint64_t bytes,
		   uint64_t ns)
{
	printf("%-28s %9" PRIu64 " items  p50 %6" PRId64 "  p99 %7" PRId64 "  p99.9 %7" PRId64
	       "  max %8" PRId64 " ns/item  %6.2f M items/s  %6.2f M events/s  %7.1f MB/s\n",
	       what, n, core_hist_value_at(h, 50), core_hist_value_at(h, 99),
	       core_hist_value_at(h, 99.9), core_hist_max(h), n * 1e3 / (double)ns,
	       ev * 1e3 / (double)ns, bytes * 1e3 / (double)ns);
}

static int crypto(const char *shared, const char *name, const char *const *files, int nf,
		  int reps)
{
	struct feeds_capture cap[2];
	char err[512], path[2][512];
	for (int f = 0; f < nf; f++) {
		snprintf(path[f], sizeof(path[f]), "%s/data/crypto/%s", shared, files[f]);
		if (feeds_capture_open(&cap[f], path[f], err, sizeof(err)) < 0) {
			printf("skip: %s\n", err);
			return 77;
		}
	}
	struct feeds_crypto *c;
	if (feeds_crypto_create(NULL, &c, err, sizeof(err)) < 0)
		return 1;
	struct core_hist h;
	core_hist_init(&h);
	uint64_t n = 0, ev = 0, bytes = 0, ns = 0;
	for (int r = 0; r < reps; r++) {
		for (int f = 0; f < nf; f++) {
			const char *p = (const char *)cap[f].data, *end = p + cap[f].len;
			while (p < end) {
				const char *nl = memchr(p, '\n', (size_t)(end - p));
				size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
				const struct md_event *e;
				uint64_t t0 = core_now_ns();
				int k = feeds_crypto_line(c, p, len, &e, err, sizeof(err));
				uint64_t dt = core_now_ns() - t0;
				if (k < 0) {
					printf("%s: %s\n", path[f], err);
					return 1;
				}
				ns += dt;
				core_hist_record(&h, (int64_t)dt);
				n++;
				ev += (uint64_t)k;
				bytes += len + 1;
				p += len + 1;
			}
		}
	}
	report(name, &h, n, ev, bytes, ns);
	core_hist_fini(&h);
	feeds_crypto_destroy(c);
	for (int f = 0; f < nf; f++)
		feeds_capture_close(&cap[f]);
	return 0;
}

static int soup(int reps)
{
	struct feeds_gen_cfg gc = { .seed = 1, .messages = 200000, .symbols = 8 };
	size_t cap = feeds_gen_bound(&gc), len;
	unsigned char *itch = malloc(cap), *buf = malloc(cap * 2);
	char err[256];
	if (!itch || !buf || feeds_gen(&gc, itch, cap, &len, err, sizeof(err)) < 0)
		return 1;
	size_t blen = 0;
	for (size_t off = 0; off < len;) {
		unsigned ml = core_be16(itch + off);
		blen += (size_t)core_soup_put(buf + blen, cap * 2 - blen, 'S', itch + off + 2, ml);
		off += 2 + ml;
	}
	struct core_hist h;
	core_hist_init(&h);
	uint64_t n = 0, ns = 0, sink = 0;
	for (int r = 0; r < reps; r++) {
		size_t off = 0;
		struct core_soup_pkt k;
		for (;;) {
			uint64_t t0 = core_now_ns();
			int got = 0, rc = 0;
			for (; got < 64 && (rc = core_soup_next(buf, blen, &off, CORE_SOUP_FROM_SERVER,
								 &k, err, sizeof(err))) == 0;
			     got++)
				sink += k.len;
			uint64_t dt = core_now_ns() - t0;
			ns += dt;
			if (got)
				core_hist_record_n(&h, (int64_t)(dt / (uint64_t)got) ? (int64_t)(dt / (uint64_t)got) : 1, got);
			n += (uint64_t)got;
			if (rc)
				break;
		}
	}
	report("soup decode (S packets)", &h, n, 0, (uint64_t)blen * (uint64_t)reps, ns);
	core_hist_fini(&h);
	free(itch);
	free(buf);
	return sink ? 0 : 1;
}

int main(int argc, char **argv)
{
	int reps = 20;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke"))
			reps = 1;
		else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = atoi(argv[++i]);
	}
	core_clock_init(20);
	const char *sh = getenv("OSPREY_SHARED");
	if (!sh)
		sh = "../shared";
	static const char *const bn[] = { "cryptofeed_BINANCE.http.0.0", "cryptofeed_BINANCE.ws.1.0" };
	static const char *const by[] = { "cryptofeed_BYBIT.ws.25.0" };
	int r1 = crypto(sh, "binance (REST + ws lines)", bn, 2, reps);
	int r2 = crypto(sh, "bybit (ws lines)", by, 1, reps);
	int r3 = soup(reps > 5 ? 5 : reps);
	if (r1 == 1 || r2 == 1 || r3)
		return 1;
	return r1 == 77 && r2 == 77 ? 77 : 0;
}
