/* osprey-feedcat - print a capture: an ITCH 5.0 day file, MoldUDP64 in a
 * pcap/pcapng, or crypto JSON lines (chosen by content, as osprey-replay
 * does); or a live feed: an exchange's WebSocket stream (--ws, with Binance's
 * REST snapshots: --rest) or Alpha Vantage's forex (--fx). --help lists it all.
 *
 *   osprey-feedcat FILE [--stats] [--bbo] [--depth N]
 *
 * Default: one line per message. --stats: per-type counts and book counters.
 * --bbo: CSV `ts_ns,locate,symbol,bid_px,bid_qty,ask_px,ask_qty` (prices in
 * 1e-4 units) whenever an instrument's top of book changes; with --bbo the
 * --stats summary goes to stderr. Bad input: "FILE: offset N: what" on
 * stderr, exit 1. Usage errors exit 2. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "feeds.h"

struct top {
	uint32_t bid_px, bid_qty, ask_px, ask_qty;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: osprey-feedcat FILE [--stats] [--bbo] [--depth N]\n"
		   "       osprey-feedcat --ws wss://HOST[:PORT]/PATH [--subscribe MSG]... [--ca PEM]\n"
		   "                      [--record FILE] [--idle-ms N] [--seconds N] [options]\n"
		   "  (default)  one line per message\n"
		   "  --stats    message counts per type, book counters\n"
		   "  --bbo      CSV ts_ns,locate,symbol,bid_px,bid_qty,ask_px,ask_qty per top-of-book "
		   "change\n"
		   "  --depth N  crypto: every book's N best levels a side at the end\n"
		   "  --ws URL   a live Binance / Bybit stream: TLS (certificate checked against the\n"
		   "             system's CAs, or --ca PEM; --insecure: not at all), reconnected with\n"
		   "             back-off, each --subscribe text sent after every connect; messages\n"
		   "             go into the books as a capture's lines would, --record FILE keeps\n"
		   "             them as a capture; ends on SIGINT, --seconds N, or --idle-ms N of\n"
		   "             silence after the first message\n"
		   "  --fx URL --pair EURUSD... --key-file F [--interval 5min] [--quotes]\n"
		   "             [--calls-per-minute N] [--round-ms N] [--pause-ms N]  forex from Alpha\n"
		   "             Vantage (each pair asked every --round-ms, a minute by default)\n"
		   "             (FX_INTRADAY bars, CURRENCY_EXCHANGE_RATE quotes; the key file must\n"
		   "             be readable by its owner only): one line per new bar or quote\n"
		   "  --rest URL --snapshot SYMBOL...  Binance depth books: the symbol's scales from\n"
		   "             GET URL/api/v3/exchangeInfo?symbol=SYMBOL (once), and after each\n"
		   "             connect (and a gap) GET URL/api/v3/depth?symbol=SYMBOL&limit=1000,\n"
		   "             the symbol's diffs held meanwhile and applied after it by the U/u\n"
		   "             rules; --futures: USD-M futures (/fapi/v1/ paths, the pu rule)\n"
		   "Crypto captures (Binance/Bybit JSON lines) may be given several at once, sharing\n"
		   "books (Binance: the REST snapshot file, then the WebSocket file); their --bbo\n"
		   "prices and sizes are in each symbol's integer units (see --stats).\n");
}

/* "AMZN    " -> "AMZN" */
static const char *alpha(char *dst, const char *src, size_t n)
{
	memcpy(dst, src, n);
	while (n > 0 && (dst[n - 1] == ' ' || dst[n - 1] == '\0'))
		n--;
	dst[n] = '\0';
	return dst;
}

static const char *price(char *buf, size_t n, uint64_t px, unsigned decimals)
{
	uint64_t scale = decimals == 8 ? 100000000ull : 10000ull;
	snprintf(buf, n, "%" PRIu64 ".%0*" PRIu64, px / scale, (int)decimals, px % scale);
	return buf;
}

static void print_msg(FILE *o, uint64_t seq, const struct feeds_itch_msg *m)
{
	char s[16], p1[32], p2[32], p3[32];
	uint64_t ts = m->ts_ns;
	fprintf(o,
		"%" PRIu64 " %02" PRIu64 ":%02" PRIu64 ":%02" PRIu64 ".%09" PRIu64
		" %c loc=%u trk=%u",
		seq, ts / UINT64_C(3600000000000), ts / UINT64_C(60000000000) % 60,
		ts / UINT64_C(1000000000) % 60, ts % UINT64_C(1000000000), m->type, m->locate,
		m->tracking);
	switch (m->type) {
	case 'S':
		fprintf(o, " event=%c", m->u.sys.event);
		break;
	case 'R':
		fprintf(o, " stock=%s cat=%c fin=%c lot=%u class=%c luld=%c",
			alpha(s, m->u.dir.stock, 8), m->u.dir.market_category,
			m->u.dir.financial_status, m->u.dir.round_lot,
			m->u.dir.issue_classification, m->u.dir.luld_tier);
		break;
	case 'H':
		fprintf(o, " stock=%s state=%c reason=%s", alpha(s, m->u.trading.stock, 8),
			m->u.trading.state, alpha(p1, m->u.trading.reason, 4));
		break;
	case 'Y':
		fprintf(o, " stock=%s action=%c", alpha(s, m->u.regsho.stock, 8),
			m->u.regsho.action);
		break;
	case 'L':
		fprintf(o, " mpid=%s stock=%s primary=%c mode=%c state=%c",
			alpha(p1, m->u.mpp.mpid, 4), alpha(s, m->u.mpp.stock, 8), m->u.mpp.primary,
			m->u.mpp.mode, m->u.mpp.state);
		break;
	case 'V':
		fprintf(o, " level1=%s level2=%s level3=%s",
			price(p1, sizeof(p1), m->u.mwcb_decline.level[0], 8),
			price(p2, sizeof(p2), m->u.mwcb_decline.level[1], 8),
			price(p3, sizeof(p3), m->u.mwcb_decline.level[2], 8));
		break;
	case 'W':
		fprintf(o, " level=%c", m->u.mwcb_status.level);
		break;
	case 'K':
		fprintf(o, " stock=%s release=%u qualifier=%c price=%s",
			alpha(s, m->u.ipo.stock, 8), m->u.ipo.release_time,
			m->u.ipo.release_qualifier, price(p1, sizeof(p1), m->u.ipo.price, 4));
		break;
	case 'J':
		fprintf(o, " stock=%s ref=%s upper=%s lower=%s ext=%u", alpha(s, m->u.luld.stock, 8),
			price(p1, sizeof(p1), m->u.luld.ref_price, 4),
			price(p2, sizeof(p2), m->u.luld.upper_price, 4),
			price(p3, sizeof(p3), m->u.luld.lower_price, 4), m->u.luld.extension);
		break;
	case 'h':
		fprintf(o, " stock=%s market=%c action=%c", alpha(s, m->u.op_halt.stock, 8),
			m->u.op_halt.market_code, m->u.op_halt.action);
		break;
	case 'I':
		fprintf(o,
			" stock=%s paired=%" PRIu64 " imbalance=%" PRIu64
			" dir=%c far=%s near=%s ref=%s cross=%c var=%c",
			alpha(s, m->u.noii.stock, 8), m->u.noii.paired, m->u.noii.imbalance,
			m->u.noii.direction, price(p1, sizeof(p1), m->u.noii.far_price, 4),
			price(p2, sizeof(p2), m->u.noii.near_price, 4),
			price(p3, sizeof(p3), m->u.noii.ref_price, 4), m->u.noii.cross_type,
			m->u.noii.variation);
		break;
	case 'O':
		fprintf(o, " stock=%s eligible=%c min=%s max=%s near=%s near_time=%" PRIu64,
			alpha(s, m->u.dlcr.stock, 8), m->u.dlcr.eligible,
			price(p1, sizeof(p1), m->u.dlcr.min_price, 4),
			price(p2, sizeof(p2), m->u.dlcr.max_price, 4),
			price(p3, sizeof(p3), m->u.dlcr.near_price, 4), m->u.dlcr.near_time);
		break;
	case 'A':
	case 'F':
		fprintf(o, " ref=%" PRIu64 " %c %u %s @ %s", m->u.add.ref, m->u.add.side,
			m->u.add.shares, alpha(s, m->u.add.stock, 8),
			price(p1, sizeof(p1), m->u.add.price, 4));
		if (m->type == 'F')
			fprintf(o, " mpid=%s", alpha(p2, m->u.add.mpid, 4));
		break;
	case 'E':
		fprintf(o, " ref=%" PRIu64 " shares=%u match=%" PRIu64, m->u.exec.ref,
			m->u.exec.shares, m->u.exec.match);
		break;
	case 'C':
		fprintf(o, " ref=%" PRIu64 " shares=%u match=%" PRIu64 " printable=%c price=%s",
			m->u.exec.ref, m->u.exec.shares, m->u.exec.match, m->u.exec.printable,
			price(p1, sizeof(p1), m->u.exec.price, 4));
		break;
	case 'X':
		fprintf(o, " ref=%" PRIu64 " shares=%u", m->u.cancel.ref, m->u.cancel.shares);
		break;
	case 'D':
		fprintf(o, " ref=%" PRIu64, m->u.del.ref);
		break;
	case 'U':
		fprintf(o, " ref=%" PRIu64 " -> %" PRIu64 " %u @ %s", m->u.replace.orig_ref,
			m->u.replace.new_ref, m->u.replace.shares,
			price(p1, sizeof(p1), m->u.replace.price, 4));
		break;
	case 'P':
		fprintf(o, " ref=%" PRIu64 " %c %u %s @ %s match=%" PRIu64, m->u.trade.ref,
			m->u.trade.side, m->u.trade.shares, alpha(s, m->u.trade.stock, 8),
			price(p1, sizeof(p1), m->u.trade.price, 4), m->u.trade.match);
		break;
	case 'Q':
		fprintf(o, " %" PRIu64 " %s @ %s match=%" PRIu64 " cross=%c", m->u.cross.shares,
			alpha(s, m->u.cross.stock, 8), price(p1, sizeof(p1), m->u.cross.price, 4),
			m->u.cross.match, m->u.cross.cross_type);
		break;
	case 'B':
		fprintf(o, " match=%" PRIu64, m->u.broken.match);
		break;
	case 'N':
		fprintf(o, " stock=%s interest=%c", alpha(s, m->u.rpii.stock, 8),
			m->u.rpii.interest);
		break;
	default:
		break;
	}
	fputc('\n', o);
}

static void print_stats(FILE *o, const uint64_t *by_type, uint64_t total, size_t bytes,
			const struct feeds_books *b)
{
	struct feeds_book_stats st;
	feeds_books_stats(b, &st);
	fprintf(o, "messages %" PRIu64 " bytes %zu\n", total, bytes);
	for (const char *t = feeds_itch_types; *t; t++)
		if (by_type[(unsigned char)*t])
			fprintf(o, "  %c %" PRIu64 "\n", *t, by_type[(unsigned char)*t]);
	fprintf(o,
		"book: errors %" PRIu64 " (unknown_ref %" PRIu64 ", dup_ref %" PRIu64
		", over_exec %" PRIu64 ", orders_full %" PRIu64 ", levels_full %" PRIu64
		", bad_locate %" PRIu64 ", bad_side %" PRIu64 ", bad_ref %" PRIu64
		"), crossed events %" PRIu64 ", live orders %" PRIu64 " (max %" PRIu64
		"), live levels %" PRIu64 " (max %" PRIu64 ")\n",
		st.errors, st.unknown_ref, st.dup_ref, st.over_exec, st.orders_full,
		st.levels_full, st.bad_locate, st.bad_side, st.bad_ref, st.crossed_events,
		st.live_orders, st.max_live_orders, st.live_levels, st.max_live_levels);
}

/* ---- crypto captures (Binance/Bybit JSON lines) ---- */

static const char *crypto_dec(char *buf, size_t n, uint64_t v, unsigned dec)
{
	uint64_t p = 1;
	for (unsigned i = 0; i < dec; i++)
		p *= 10;
	if (dec)
		snprintf(buf, n, "%" PRIu64 ".%0*" PRIu64, v / p, (int)dec, v % p);
	else
		snprintf(buf, n, "%" PRIu64, v);
	return buf;
}

struct cat_opts {
	bool stats, bbo;
	unsigned depth; /* --depth N: every book's N best levels a side at the end */
};

/* One line's events, as the options say. */
static void crypto_events(struct feeds_crypto *c, const struct md_event *ev, uint32_t n,
			  const struct cat_opts *o, uint64_t *by_kind)
{
	static struct top tops[65536];
	for (uint32_t i = 0; i < n; i++) {
		const struct md_event *e = &ev[i];
		by_kind[e->kind & 15]++;
		const char *sym = feeds_crypto_symbol(c, e->locate);
		if (o->bbo) {
			struct top *t = &tops[e->locate];
			if (i + 1 == n && (e->flags & MD_F_BOOK) &&
			    (t->bid_px != e->bid_px || t->bid_qty != e->bid_qty ||
			     t->ask_px != e->ask_px || t->ask_qty != e->ask_qty)) {
				*t = (struct top){ e->bid_px, e->bid_qty, e->ask_px, e->ask_qty };
				printf("%" PRIu64 ",%u,%s,%u,%u,%u,%u\n", e->ts_ns, e->locate, sym,
				       e->bid_px, e->bid_qty, e->ask_px, e->ask_qty);
			}
			continue;
		}
		if (o->stats || o->depth)
			continue;
		unsigned pd = 0, qd = 0;
		feeds_crypto_scale(c, e->locate, &pd, &qd);
		char a[40], b[40], d[40], g[40];
		static const char *kn[16] = { [MD_LEVEL] = "level", [MD_TRADE] = "trade",
					      [MD_STATUS] = "snapshot", [MD_GAP] = "gap" };
		printf("%" PRIu64 " %c %s %s", e->ts_ns, e->msg_type, sym,
		       kn[e->kind & 15] ? kn[e->kind & 15] : "?");
		if (e->kind == MD_LEVEL || e->kind == MD_TRADE)
			printf(" %c %s x %s", e->side, crypto_dec(a, sizeof(a), e->px, pd),
			       crypto_dec(b, sizeof(b), e->qty, qd));
		printf(" ref=%" PRIu64 " bbo %s x %s / %s x %s%s%s\n", e->ref,
		       crypto_dec(a, sizeof(a), e->bid_px, pd), crypto_dec(b, sizeof(b), e->bid_qty, qd),
		       crypto_dec(d, sizeof(d), e->ask_px, pd), crypto_dec(g, sizeof(g), e->ask_qty, qd),
		       (e->flags & MD_F_STALE) ? " STALE" : "", (e->flags & MD_F_CROSSED) ? " CROSSED" : "");
	}
}

/* --stats and --depth, after the last line. */
static void crypto_summary(struct feeds_crypto *c, const struct cat_opts *o,
			   const uint64_t *by_kind)
{
	FILE *so = o->bbo ? stderr : stdout;
	if (o->stats) {
		struct feeds_crypto_stats st;
		feeds_crypto_stats(c, &st);
		uint64_t nev = 0;
		for (int k = 0; k < 16; k++)
			nev += by_kind[k];
		fprintf(so,
			"lines %" PRIu64 ", messages %" PRIu64 ", skipped %" PRIu64 ", events %" PRIu64
			" (level %" PRIu64 ", trade %" PRIu64 ", snapshot %" PRIu64 ", gap %" PRIu64
			")\n",
			st.lines, st.messages, st.skipped, nev, by_kind[MD_LEVEL], by_kind[MD_TRADE],
			by_kind[MD_STATUS], by_kind[MD_GAP]);
		fprintf(so,
			"binance: snapshots %" PRIu64 ", diffs %" PRIu64 " (old %" PRIu64
			", unsynced %" PRIu64 "), bookTicker %" PRIu64 " (matched the book %" PRIu64
			", mismatched %" PRIu64 ", unverifiable %" PRIu64 "), trades %" PRIu64 "\n",
			st.snapshots, st.diffs, st.diffs_old, st.diffs_unsynced, st.tickers,
			st.ticker_matched, st.ticker_mismatched, st.ticker_unverifiable, st.trades);
		fprintf(so,
			"bybit: snapshots %" PRIu64 ", deltas %" PRIu64 ", trades %" PRIu64
			", level errors %" PRIu64 "\n",
			st.bybit_snapshots, st.bybit_deltas, st.bybit_trades, st.level_errors);
		fprintf(so,
			"sequencing: duplicates %" PRIu64 ", gaps %" PRIu64 ", reconnects %" PRIu64
			", crossed events %" PRIu64 ", full sides %" PRIu64 "\n",
			st.duplicates, st.gaps, st.reconnects, st.crossed_events, st.levels_full);
		if (st.futures_diffs || st.scales_set)
			fprintf(so,
				"binance futures diffs %" PRIu64 "; exchangeInfo scales %" PRIu64
				" (books emptied by a new scale %" PRIu64 ")\n",
				st.futures_diffs, st.scales_set, st.scale_resets);
		static const char *const venue[] = { "?", "binance", "bybit", "binance-futures" };
		for (unsigned l = 1; l <= feeds_crypto_nsymbols(c); l++) {
			unsigned pd, qd;
			feeds_crypto_scale(c, (uint16_t)l, &pd, &qd);
			fprintf(so, "  locate %u %s %s: price 1e-%u, size 1e-%u%s\n", l,
				venue[feeds_crypto_venue(c, (uint16_t)l) & 3],
				feeds_crypto_symbol(c, (uint16_t)l), pd, qd,
				feeds_crypto_stale(c, (uint16_t)l) ? " (stale)" : "");
		}
	}
	/* the books by symbol (locates follow the order of first appearance,
	 * which a live stream need not repeat) */
	unsigned ns = feeds_crypto_nsymbols(c);
	uint16_t by_sym[65536];
	for (unsigned l = 1; l <= ns; l++) {
		unsigned k = l - 1;
		for (; k > 0 && strcmp(feeds_crypto_symbol(c, by_sym[k - 1]),
				       feeds_crypto_symbol(c, (uint16_t)l)) > 0; k--)
			by_sym[k] = by_sym[k - 1];
		by_sym[k] = (uint16_t)l;
	}
	for (unsigned i = 0; o->depth && i < ns; i++) {
		uint16_t l = by_sym[i];
		unsigned pd, qd;
		feeds_crypto_scale(c, l, &pd, &qd);
		fprintf(so, "book %s%s\n", feeds_crypto_symbol(c, l),
			feeds_crypto_stale(c, l) ? " (stale)" : "");
		static struct feeds_level lv[4096];
		unsigned want = o->depth < 4096 ? o->depth : 4096;
		for (int s = 0; s < 2; s++) {
			int k = feeds_crypto_depth(c, l, s ? 'S' : 'B', lv, want);
			for (int j = 0; j < k; j++) {
				char a[40], b[40];
				fprintf(so, "  %s %s x %s\n", s ? "ask" : "bid",
					crypto_dec(a, sizeof(a), lv[j].px, pd),
					crypto_dec(b, sizeof(b), lv[j].qty, qd));
			}
		}
	}
}

/* All files share one set of books (Binance: REST snapshots first, then the
 * stream). --bbo prices and sizes are the engine's integer units of each
 * symbol's scale (shown by --stats). */
static int crypto_cat(const char *const *paths, int npaths, const struct cat_opts *o)
{
	char err[512];
	struct feeds_crypto *c = NULL;
	int r = feeds_crypto_create(NULL, &c, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "osprey-feedcat: %s\n", err);
		return 1;
	}
	static char obuf[1 << 16];
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	if (o->bbo)
		printf("ts_ns,locate,symbol,bid_px,bid_qty,ask_px,ask_qty\n");
	uint64_t by_kind[16] = { 0 };
	for (int f = 0; f < npaths && r >= 0; f++) {
		struct feeds_capture cap;
		if ((r = feeds_capture_open(&cap, paths[f], err, sizeof(err))) < 0)
			break;
		const struct md_event *ev;
		uint32_t n;
		while ((r = feeds_crypto_next(c, &cap, &ev, &n, err, sizeof(err))) == 0)
			crypto_events(c, ev, n, o, by_kind);
		feeds_capture_close(&cap);
	}
	if (r < 0) {
		fflush(stdout);
		fprintf(stderr, "osprey-feedcat: %s\n", err);
		feeds_crypto_destroy(c);
		return 1;
	}
	crypto_summary(c, o, by_kind);
	feeds_crypto_destroy(c);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "osprey-feedcat: write error: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

/* ---- a live WebSocket stream ---- */

struct ws_opts {
	const char *url, *ca, *record, *rest;
	const char *subs[64], *syms[64];
	unsigned nsubs, nsyms;
	bool insecure, futures;
	uint64_t idle_ns, max_ns; /* stop after this much silence once data came / in all */
};

static volatile sig_atomic_t stop;
static void on_signal(int s)
{
	(void)s;
	stop = 1;
}

static void log_line(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "osprey-feedcat: %s\n", line);
}

/* The stream (and Binance's REST snapshots) into the books as a capture's
 * lines, printed as for a capture, kept in --record FILE (a capture feedcat
 * and the engine replay). */
static int ws_cat(const struct ws_opts *w, const struct cat_opts *o)
{
	char err[512];
	struct feeds_crypto *c = NULL;
	struct feeds_crypto_live *live = NULL;
	FILE *rec = NULL;
	int rc = 1;
	/* with REST, scales come from the exchange's metadata, not our table */
	struct feeds_crypto_cfg cc = { .no_builtin = w->rest != NULL };
	if (feeds_crypto_create(&cc, &c, err, sizeof(err)) < 0)
		goto out;
	if (w->record && !(rec = fopen(w->record, "w"))) {
		snprintf(err, sizeof(err), "%s: %s", w->record, strerror(errno));
		goto out;
	}
	struct feeds_crypto_live_cfg lc = {
		.ws = { .url = w->url, .ca_file = w->ca, .insecure = w->insecure,
			.subscribe = w->subs, .nsubscribe = w->nsubs },
		.rest = w->rest, .futures = w->futures, .symbols = w->syms, .nsymbols = w->nsyms,
		.record = rec, .log = log_line,
	};
	if (feeds_crypto_live_create(&lc, c, &live, err, sizeof(err)) < 0)
		goto out;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN); /* a peer that hangs up is a lost link, not the end */
	if (o->bbo)
		printf("ts_ns,locate,symbol,bid_px,bid_qty,ask_px,ask_qty\n");
	uint64_t by_kind[16] = { 0 }, t0 = core_now_ns(), last = 0;
	for (;;) {
		uint64_t now = core_now_ns();
		if (stop || (w->max_ns && now - t0 >= w->max_ns) ||
		    (w->idle_ns && last && now - last >= w->idle_ns))
			break;
		const struct md_event *ev;
		uint32_t n;
		int r = feeds_crypto_live_poll(live, 50000000, &ev, &n, err, sizeof(err));
		if (r < 0)
			goto out;
		if (r == 0)
			continue;
		last = core_now_ns();
		crypto_events(c, ev, n, o, by_kind);
	}
	struct feeds_ws_client *ws = feeds_crypto_live_ws(live);
	feeds_ws_client_close(ws);
	for (int i = 0; i < 40; i++) { /* the close handshake, briefly */
		struct feeds_ws_event ev;
		if (feeds_ws_client_poll(ws, 50000000, &ev, err, sizeof(err)) < 0)
			break;
	}
	struct feeds_ws_client_stats st;
	feeds_ws_client_stats(ws, &st);
	struct feeds_crypto_live_stats ls;
	feeds_crypto_live_stats(live, &ls);
	fprintf(stderr,
		"osprey-feedcat: %s: %" PRIu64 " messages, %" PRIu64 " opens, %" PRIu64
		" links lost, %" PRIu64 " pings answered; snapshots %" PRIu64 " of %" PRIu64
		" asked (%" PRIu64 " failed), diffs held %" PRIu64 " (applied after %" PRIu64
		"), resyncs %" PRIu64 ", exchangeInfo %" PRIu64 "%s%s\n",
		w->url, st.messages, st.opens, st.downs, st.pongs_sent, ls.snapshots_loaded,
		ls.snapshots_requested, ls.snapshot_failures, ls.held, ls.held_applied, ls.resyncs,
		ls.infos_loaded,
		st.downs ? "; last down: " : "", st.downs ? st.last_down : "");
	crypto_summary(c, o, by_kind);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "osprey-feedcat: %s\n", err);
	feeds_crypto_live_destroy(live);
	if (rec && fclose(rec) != 0 && rc == 0) {
		fprintf(stderr, "osprey-feedcat: %s: write error\n", w->record);
		rc = 1;
	}
	feeds_crypto_destroy(c);
	if (fflush(stdout) != 0)
		rc = 1;
	return rc;
}

/* ---- forex from Alpha Vantage ---- */

struct fx_opts {
	const char *base, *key_file, *interval, *ca;
	const char *pairs[16];
	unsigned npairs, cpm;
	bool quotes;
	uint64_t pause_ns, round_ns;
};

/* Each event as a line: "EPOCH PAIR bar CLOSE" or "EPOCH PAIR quote BID ASK". */
static int fx_cat(const struct fx_opts *x, const struct ws_opts *w)
{
	char err[512];
	struct feeds_fx_cfg cfg = { .base = x->base, .key_file = x->key_file,
				    .pairs = x->pairs, .npairs = x->npairs,
				    .interval = x->interval, .quotes = x->quotes,
				    .calls_per_minute = x->cpm, .ca_file = x->ca,
				    .pause_ns = x->pause_ns, .round_ns = x->round_ns, .log = log_line };
	struct feeds_fx *fx;
	if (feeds_fx_create(&cfg, &fx, err, sizeof(err)) < 0) {
		fprintf(stderr, "osprey-feedcat: %s\n", err);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN); /* a peer that hangs up is a lost link, not the end */
	uint64_t t0 = core_now_ns(), last = 0;
	for (;;) {
		uint64_t now = core_now_ns();
		if (stop || (w->max_ns && now - t0 >= w->max_ns) ||
		    (w->idle_ns && last && now - last >= w->idle_ns))
			break;
		struct md_event ev;
		if (!feeds_fx_poll(fx, &ev)) {
			usleep(2000);
			continue;
		}
		last = now;
		char a[40], b[40];
		if (ev.kind == MD_TRADE)
			printf("%" PRIu64 " %s bar %s\n", ev.ref, feeds_fx_symbol(fx, ev.locate),
			       crypto_dec(a, sizeof(a), ev.px, 5));
		else
			printf("%" PRIu64 " %s quote %s %s\n", ev.ref, feeds_fx_symbol(fx, ev.locate),
			       crypto_dec(a, sizeof(a), ev.bid_px, 5),
			       crypto_dec(b, sizeof(b), ev.ask_px, 5));
	}
	struct feeds_fx_stats st;
	feeds_fx_stats(fx, &st);
	feeds_fx_destroy(fx);
	fprintf(stderr,
		"osprey-feedcat: fx: %" PRIu64 " calls (at least %.1f ms apart), %" PRIu64
		" bars, %" PRIu64 " quotes, %" PRIu64 " refused (Error Message), %" PRIu64
		" rate-limited (Note / Information), %" PRIu64 " failed\n",
		st.calls, st.min_gap_ns / 1e6, st.bars, st.quotes, st.errors, st.rate_limited,
		st.failures);
	return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	const char *more[15];
	int nmore = 0;
	struct cat_opts o = { 0 };
	struct ws_opts w = { 0 };
	struct fx_opts x = { 0 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_val = i + 1 < argc;
		if (!strcmp(a, "--stats"))
			o.stats = true;
		else if (!strcmp(a, "--bbo"))
			o.bbo = true;
		else if (!strcmp(a, "--insecure"))
			w.insecure = true;
		else if (!strcmp(a, "--futures"))
			w.futures = true;
		else if (!strcmp(a, "--quotes"))
			x.quotes = true;
		else if (has_val && !strcmp(a, "--fx"))
			x.base = argv[++i];
		else if (has_val && !strcmp(a, "--key-file"))
			x.key_file = argv[++i];
		else if (has_val && !strcmp(a, "--interval"))
			x.interval = argv[++i];
		else if (has_val && !strcmp(a, "--calls-per-minute"))
			x.cpm = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (has_val && !strcmp(a, "--pause-ms"))
			x.pause_ns = strtoull(argv[++i], NULL, 10) * 1000000ull;
		else if (has_val && !strcmp(a, "--round-ms"))
			x.round_ns = strtoull(argv[++i], NULL, 10) * 1000000ull;
		else if (has_val && !strcmp(a, "--pair")) {
			if (x.npairs == 16) {
				fprintf(stderr, "osprey-feedcat: more than 16 --pair\n");
				return 2;
			}
			x.pairs[x.npairs++] = argv[++i];
		}
		else if (has_val && !strcmp(a, "--depth"))
			o.depth = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (has_val && !strcmp(a, "--ws"))
			w.url = argv[++i];
		else if (has_val && !strcmp(a, "--ca"))
			w.ca = argv[++i];
		else if (has_val && !strcmp(a, "--record"))
			w.record = argv[++i];
		else if (has_val && !strcmp(a, "--idle-ms"))
			w.idle_ns = strtoull(argv[++i], NULL, 10) * 1000000ull;
		else if (has_val && !strcmp(a, "--seconds"))
			w.max_ns = strtoull(argv[++i], NULL, 10) * 1000000000ull;
		else if (has_val && !strcmp(a, "--rest"))
			w.rest = argv[++i];
		else if (has_val && !strcmp(a, "--snapshot")) {
			if (w.nsyms == 64) {
				fprintf(stderr, "osprey-feedcat: more than 64 --snapshot\n");
				return 2;
			}
			w.syms[w.nsyms++] = argv[++i];
		} else if (has_val && !strcmp(a, "--subscribe")) {
			if (w.nsubs == 64) {
				fprintf(stderr, "osprey-feedcat: more than 64 --subscribe\n");
				return 2;
			}
			w.subs[w.nsubs++] = argv[++i];
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "osprey-feedcat: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		} else if (!path)
			path = argv[i];
		else if (nmore < 15)
			more[nmore++] = argv[i]; /* several FILEs: crypto captures only */
		else {
			fprintf(stderr, "osprey-feedcat: too many FILEs ('%s')\n", argv[i]);
			return 2;
		}
	}
	if (x.base) {
		if (path || w.url) {
			fprintf(stderr, "osprey-feedcat: --fx, --ws or FILE: one of them\n");
			return 2;
		}
		core_clock_init(5);
		x.ca = w.ca;
		return fx_cat(&x, &w);
	}
	if (w.url) {
		if (path) {
			fprintf(stderr, "osprey-feedcat: --ws or FILE, not both\n");
			return 2;
		}
		core_clock_init(5);
		return ws_cat(&w, &o);
	}
	if (!path) {
		usage(stderr);
		return 2;
	}
	bool stats = o.stats, bbo = o.bbo;
	{
		/* crypto captures by content (Binance REST + WebSocket files share books) */
		FILE *f = fopen(path, "rb");
		char head[64];
		size_t hn = f ? fread(head, 1, sizeof(head), f) : 0;
		if (f)
			fclose(f);
		if (feeds_crypto_sniff(head, hn)) {
			const char *all[16] = { path };
			for (int i = 0; i < nmore; i++)
				all[i + 1] = more[i];
			return crypto_cat(all, nmore + 1, &o);
		}
		if (nmore) {
			fprintf(stderr, "osprey-feedcat: one FILE only ('%s')\n", more[0]);
			return 2;
		}
	}
	char err[512];
	struct feeds_reader *rd = NULL;
	int r = feeds_reader_open(path, &rd, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "osprey-feedcat: %s\n", err);
		return 1;
	}
	struct feeds_books *books = NULL;
	struct top *tops = NULL;
	if ((r = feeds_books_create(NULL, &books, err, sizeof(err))) < 0) {
		fprintf(stderr, "osprey-feedcat: %s\n", err);
		feeds_reader_close(rd);
		return 1;
	}
	if (bbo && !(tops = calloc(65536, sizeof(*tops)))) {
		fprintf(stderr, "osprey-feedcat: out of memory\n");
		r = -ENOMEM;
		goto out;
	}
	static char obuf[1 << 16];
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	uint64_t by_type[256] = { 0 }, total = 0;
	struct feeds_itch_msg m;
	struct md_event ev;
	if (bbo)
		printf("ts_ns,locate,symbol,bid_px,bid_qty,ask_px,ask_qty\n");
	uint8_t xflags;
	uint64_t nev = 0;
	/* any capture: ITCH day file, MoldUDP64 pcap/pcapng, ... (feeds_reader) */
	while ((r = feeds_reader_next(rd, &m, &ev, &xflags, err, sizeof(err))) > 0 &&
	       r != CORE_EOF) {
		if (r == FEEDS_READ_EVENT) {
			nev++;
			if (bbo && (ev.flags & MD_F_BOOK)) {
				struct top *t = &tops[ev.locate];
				if (t->bid_px != ev.bid_px || t->bid_qty != ev.bid_qty ||
				    t->ask_px != ev.ask_px || t->ask_qty != ev.ask_qty) {
					*t = (struct top){ ev.bid_px, ev.bid_qty, ev.ask_px,
							   ev.ask_qty };
					printf("%" PRIu64 ",%u,%s,%u,%u,%u,%u\n", ev.ts_ns, ev.locate,
					       "", ev.bid_px, ev.bid_qty, ev.ask_px, ev.ask_qty);
				}
			} else if (!bbo && !stats) {
				if (ev.kind == MD_GAP)
					printf("- gap: %u messages from %" PRIu64 " missing%s\n",
					       ev.qty, ev.ref,
					       (ev.flags & MD_F_HALTED) ? ", lost: feed halted"
									: ", book stale");
				else
					printf("- event kind=%u loc=%u px=%u qty=%u side=%c flags=%u\n",
					       ev.kind, ev.locate, ev.px, ev.qty,
					       ev.side ? ev.side : '-', ev.flags);
			}
			continue;
		}
		total++;
		by_type[m.type]++;
		feeds_books_apply(books, &m, &ev);
		ev.flags |= xflags;
		if (bbo) {
			struct top *t = &tops[ev.locate];
			if ((ev.flags & MD_F_BOOK) &&
			    (t->bid_px != ev.bid_px || t->bid_qty != ev.bid_qty ||
			     t->ask_px != ev.ask_px || t->ask_qty != ev.ask_qty)) {
				*t = (struct top){ ev.bid_px, ev.bid_qty, ev.ask_px, ev.ask_qty };
				printf("%" PRIu64 ",%u,%s,%u,%u,%u,%u\n", ev.ts_ns, ev.locate,
				       feeds_books_symbol(books, ev.locate), ev.bid_px, ev.bid_qty,
				       ev.ask_px, ev.ask_qty);
			}
		} else if (!stats) {
			print_msg(stdout, total, &m);
		}
	}
	if (r < 0) {
		fflush(stdout);
		fprintf(stderr, "osprey-feedcat: %s\n", err);
		goto out;
	}
	r = 0;
	if (stats) {
		FILE *so = bbo ? stderr : stdout;
		print_stats(so, by_type, total, feeds_reader_bytes(rd), books);
		struct feeds_stats fs;
		feeds_reader_stats(rd, &fs);
		if (fs.mold.packets || fs.mold.bad_packets)
			fprintf(so,
				"moldudp64: session %s, packets %" PRIu64 ", messages %" PRIu64
				", heartbeats %" PRIu64 ", duplicate packets %" PRIu64
				", gaps %" PRIu64 " (recovered %" PRIu64 " messages, lost %" PRIu64
				")%s%s\n",
				fs.mold.session, fs.mold.packets, fs.mold.messages,
				fs.mold.heartbeats, fs.mold.dup_packets, fs.mold.gaps,
				fs.mold.recovered, fs.mold.lost_messages,
				fs.mold.last_loss[0] ? "; " : "", fs.mold.last_loss);
		if (nev)
			fprintf(so, "events %" PRIu64 "\n", nev);
	}
out:
	if (fflush(stdout) != 0 && r == 0) {
		fprintf(stderr, "osprey-feedcat: write error: %s\n", strerror(errno));
		r = -EIO;
	}
	free(tops);
	feeds_books_destroy(books);
	feeds_reader_close(rd);
	return r < 0 ? 1 : 0;
}
