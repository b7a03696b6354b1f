/* The crypto L2 books rebuilt from ../shared/data/crypto, checked against
 * what the captures allow:
 *  - Binance: every bookTicker whose update id u equals the u of an applied
 *    depth diff (or a snapshot's lastUpdateId) must equal our best bid/ask,
 *    compared as decimal strings parsed here independently of the library;
 *    the diffs must stay in sequence (no gap) after the REST snapshots;
 *  - Bybit: snapshot then deltas never hit an absent/present level error,
 *    and an orderBookL2_25 book keeps 25 levels per side;
 *  - no book is ever crossed; levels stay strictly ordered.
 * Prints the counts. Exit 77 without the data. */
#undef NDEBUG
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "feeds.h"

static char path_buf[3][512];

static const char *data_path(int i, const char *name)
{
	const char *sh = getenv("OSPREY_SHARED");
	snprintf(path_buf[i], sizeof(path_buf[i]), "%s/data/crypto/%s", sh ? sh : "../shared",
		 name);
	return path_buf[i];
}

/* Our integer with `dec` implied decimals as a string without trailing zeros. */
static void fmt_dec(char *buf, size_t n, uint64_t v, unsigned dec)
{
	uint64_t p = 1;
	for (unsigned i = 0; i < dec; i++)
		p *= 10;
	int k = snprintf(buf, n, "%" PRIu64, v / p);
	if (dec) {
		snprintf(buf + k, n - (size_t)k, ".%0*" PRIu64, (int)dec, v % p);
		size_t l = strlen(buf);
		while (buf[l - 1] == '0')
			buf[--l] = '\0';
		if (buf[l - 1] == '.')
			buf[--l] = '\0';
	}
}

/* "0.35210000" -> "0.3521" (string-level normalisation, no library code). */
static void norm(char *dst, const char *src, size_t n)
{
	memcpy(dst, src, n);
	dst[n] = '\0';
	if (strchr(dst, '.')) {
		size_t l = strlen(dst);
		while (dst[l - 1] == '0')
			dst[--l] = '\0';
		if (dst[l - 1] == '.')
			dst[--l] = '\0';
	}
}

/* The value of "key":"..." after p in a ticker line (independent extraction). */
static void field(const char *line, const char *key, char *out)
{
	char pat[16];
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	const char *d = strstr(line, "\"data\":");
	assert(d);
	const char *p = strstr(d, pat);
	assert(p);
	p += strlen(pat);
	if (*p == '"')
		p++;
	size_t n = strcspn(p, "\",}");
	norm(out, p, n);
}

struct ticker {
	char sym[16];
	uint64_t u;
	char b[32], B[32], a[32], A[32];
};

static struct ticker tickers[4096];
static unsigned ntickers;

static void load_tickers(const char *path)
{
	FILE *f = fopen(path, "r");
	assert(f);
	static char line[1 << 16];
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, "@bookTicker\",\"data\""))
			continue;
		struct ticker *t = &tickers[ntickers++];
		char u[32];
		field(line, "s", t->sym);
		field(line, "u", u);
		t->u = strtoull(u, NULL, 10);
		field(line, "b", t->b);
		field(line, "B", t->B);
		field(line, "a", t->a);
		field(line, "A", t->A);
	}
	fclose(f);
}

static unsigned checked, matched;

static void check_tickers(struct feeds_crypto *c, uint16_t loc, uint64_t u)
{
	const char *sym = feeds_crypto_symbol(c, loc);
	unsigned pxd, qd;
	assert(feeds_crypto_scale(c, loc, &pxd, &qd) == 0);
	struct feeds_level bid, ask;
	assert(feeds_crypto_bbo(c, loc, &bid, &ask) == 0);
	char b[32], B[32], a[32], A[32];
	fmt_dec(b, sizeof(b), bid.px, pxd);
	fmt_dec(B, sizeof(B), bid.qty, qd);
	fmt_dec(a, sizeof(a), ask.px, pxd);
	fmt_dec(A, sizeof(A), ask.qty, qd);
	for (unsigned i = 0; i < ntickers; i++) {
		const struct ticker *t = &tickers[i];
		if (t->u != u || strcmp(t->sym, sym))
			continue;
		checked++;
		if (!strcmp(b, t->b) && !strcmp(B, t->B) && !strcmp(a, t->a) && !strcmp(A, t->A))
			matched++;
		else
			fprintf(stderr, "ticker %s u=%" PRIu64 ": ours %s/%s %s/%s, ticker %s/%s %s/%s\n",
				sym, u, b, B, a, A, t->b, t->B, t->a, t->A);
	}
}

static void check_book(struct feeds_crypto *c, uint16_t loc)
{
	static struct feeds_level lv[8192];
	for (int s = 0; s < 2; s++) {
		int n = feeds_crypto_depth(c, loc, s ? 'S' : 'B', lv, 8192);
		assert(n >= 0);
		for (int i = 1; i < n; i++)
			assert(s ? lv[i].px > lv[i - 1].px : lv[i].px < lv[i - 1].px);
		for (int i = 0; i < n; i++)
			assert(lv[i].qty > 0);
	}
	assert(!(feeds_crypto_bbo(c, loc, &lv[0], &lv[1]) == 0 && lv[0].px && lv[1].px &&
		 lv[0].px >= lv[1].px));
}

static uint64_t run(struct feeds_crypto *c, const char *path, bool bybit, uint64_t *full25,
		    uint64_t *deltas)
{
	char err[512];
	struct feeds_capture cap;
	int r = feeds_capture_open(&cap, path, err, sizeof(err));
	assert(r == 0);
	const struct md_event *ev;
	uint64_t events = 0;
	uint32_t nev;
	while ((r = feeds_crypto_next(c, &cap, &ev, &nev, err, sizeof(err))) != CORE_EOF) {
		if (r < 0)
			fprintf(stderr, "%s\n", err);
		assert(r == 0);
		events += nev;
		for (uint32_t i = 0; i < nev; i++) {
			assert(ev[i].locate >= 1 && ev[i].locate <= feeds_crypto_nsymbols(c));
			assert(!(ev[i].flags & MD_F_CROSSED));
			assert(ev[i].kind == MD_LEVEL || ev[i].kind == MD_TRADE ||
			       ev[i].kind == MD_STATUS);
			assert(!(ev[i].flags & MD_F_STALE) || ev[i].kind == MD_TRADE);
			if (ev[i].kind == MD_LEVEL)
				assert(ev[i].side == 'B' || ev[i].side == 'S');
			assert(ev[i].ts_ns < 86400000000000ull);
		}
		if (nev > 0) {
			uint16_t loc = ev[0].locate;
			check_book(c, loc);
			/* the last event carries the book after the whole message */
			struct feeds_level bid, ask;
			feeds_crypto_bbo(c, loc, &bid, &ask);
			assert(ev[nev - 1].bid_px == bid.px && ev[nev - 1].ask_px == ask.px);
			if (!bybit && (ev[0].msg_type == 'd' || ev[0].msg_type == 'r'))
				check_tickers(c, loc, ev[0].ref);
			if (bybit && ev[0].msg_type == 'o') {
				(*deltas)++;
				struct feeds_level lv[64];
				int nb = feeds_crypto_depth(c, loc, 'B', lv, 64);
				int na = feeds_crypto_depth(c, loc, 'S', lv, 64);
				if (nb == 25 && na == 25)
					(*full25)++;
			}
		}
	}
	feeds_capture_close(&cap);
	return events;
}

int main(void)
{
	const char *http = data_path(0, "cryptofeed_BINANCE.http.0.0");
	const char *ws = data_path(1, "cryptofeed_BINANCE.ws.1.0");
	const char *by = data_path(2, "cryptofeed_BYBIT.ws.25.0");
	if (access(http, R_OK) || access(ws, R_OK) || access(by, R_OK)) {
		printf("crypto data absent: skip\n");
		return 77;
	}
	char err[256];
	struct feeds_crypto *c;
	assert(feeds_crypto_create(NULL, &c, err, sizeof(err)) == 0);
	load_tickers(ws);
	assert(ntickers > 0);
	uint64_t e1 = run(c, http, false, NULL, NULL);
	uint64_t e2 = run(c, ws, false, NULL, NULL);
	struct feeds_crypto_stats st;
	feeds_crypto_stats(c, &st);
	printf("binance: %" PRIu64 " events; snapshots %" PRIu64 ", diffs %" PRIu64
	       " (old %" PRIu64 ", unsynced %" PRIu64 ", dup %" PRIu64 ", gaps %" PRIu64
	       "), tickers %" PRIu64 ": matched %" PRIu64 ", mismatched %" PRIu64
	       ", unverifiable %" PRIu64 "; trades %" PRIu64 "; test's own check %u/%u\n",
	       e1 + e2, st.snapshots, st.diffs, st.diffs_old, st.diffs_unsynced, st.duplicates,
	       st.gaps, st.tickers, st.ticker_matched, st.ticker_mismatched,
	       st.ticker_unverifiable, st.trades, matched, checked);
	assert(st.snapshots == 4 && st.gaps == 0 && st.duplicates == 0 && st.diffs_unsynced == 0);
	assert(st.ticker_mismatched == 0 && checked == matched && checked > 0);
	assert(st.ticker_matched == checked);
	assert(st.trades == 2 && st.crossed_events == 0 && st.level_errors == 0);
	for (unsigned l = 1; l <= feeds_crypto_nsymbols(c); l++)
		assert(!feeds_crypto_stale(c, l));
	c = feeds_crypto_destroy(c);

	assert(feeds_crypto_create(NULL, &c, err, sizeof(err)) == 0);
	uint64_t full25 = 0, deltas = 0;
	uint64_t e3 = run(c, by, true, &full25, &deltas);
	feeds_crypto_stats(c, &st);
	printf("bybit: %" PRIu64 " events; snapshots %" PRIu64 ", deltas %" PRIu64
	       " (unsynced %" PRIu64 ", dup %" PRIu64 ", level errors %" PRIu64
	       "), books with 25+25 levels after %" PRIu64 "/%" PRIu64 " deltas; trades %" PRIu64
	       "; symbols %u\n",
	       e3, st.bybit_snapshots, st.bybit_deltas, st.diffs_unsynced, st.duplicates,
	       st.level_errors, full25, deltas, st.bybit_trades, feeds_crypto_nsymbols(c));
	assert(st.bybit_snapshots == 8 && st.level_errors == 0 && st.gaps == 0);
	assert(st.crossed_events == 0 && st.bybit_trades > 0);
	assert(full25 == deltas && deltas == st.bybit_deltas);
	for (unsigned l = 1; l <= feeds_crypto_nsymbols(c); l++)
		assert(!feeds_crypto_stale(c, l));
	feeds_crypto_destroy(c);
	return 0;
}
