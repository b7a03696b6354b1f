/* test_bars.c - time, tick and volume bars: rules on hand-made trades, then the real
 * AMZN day (ITCH decoded by feeds) into 1-s and 1-min bars equal to
 * ../shared/oracles/bars bar for bar, and the streaming bank over those bars equal
 * to TA-Lib's golden values bit for bit. */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "feeds.h"
#include "ta.h"

#define SEC 1000000000ull

static void check_rules(void)
{
	struct strat_bars b;
	struct strat_obar o;
	char err[256];
	struct strat_bars_cfg cfg = { .kind = STRAT_BARS_TIME, .size = SEC };
	assert(strat_bars_init(&b, &cfg, err, sizeof(err)) == 0);
	/* interval [10 s, 11 s): three trades; then a gap; then one trade at 13.5 s */
	assert(strat_bars_trade(&b, 10 * SEC + 5, 1000, 10, &o) == 0);
	assert(strat_bars_trade(&b, 10 * SEC + 6, 1200, 5, &o) == 0);
	assert(strat_bars_trade(&b, 11 * SEC - 1, 900, 1, &o) == 0);
	assert(strat_bars_trade(&b, 11 * SEC - 1, 950, 0, &o) == 0); /* qty 0: not a trade */
	assert(strat_bars_advance(&b, 11 * SEC - 1, &o) == 0);
	memset(&o, 0, sizeof(o));
	assert(strat_bars_trade(&b, 13 * SEC + SEC / 2, 1100, 7, &o) == 1);
	assert(o.start_ns == 10 * SEC && o.first_ns == 10 * SEC + 5 && o.last_ns == 11 * SEC - 1);
	assert(o.open == 1000 && o.high == 1200 && o.low == 900 && o.close == 900);
	assert(o.volume == 16 && o.trades == 3 && o.notional == 1000 * 10 + 1200 * 5 + 900);
	/* a non-trade event at the interval end completes the bar on time */
	struct md_event ev = { .ts_ns = 14 * SEC, .kind = MD_ADD, .px = 5, .qty = 5 };
	assert(strat_bars_event(&b, &ev, &o) == 1);
	assert(o.start_ns == 13 * SEC && o.open == 1100 && o.volume == 7);
	assert(strat_bars_flush(&b, &o) == 0);
	ev = (struct md_event){ .ts_ns = 14 * SEC + 1, .kind = MD_EXEC, .px = 1500, .qty = 3 };
	assert(strat_bars_event(&b, &ev, &o) == 0);
	ev.kind = MD_CANCEL;
	ev.ts_ns++;
	assert(strat_bars_event(&b, &ev, &o) == 0); /* a cancel is not a trade */
	assert(strat_bars_flush(&b, &o) == 1 && o.volume == 3 && o.trades == 1);
	assert(b.bars == 3);

	/* tick bars of 3 trades */
	cfg = (struct strat_bars_cfg){ .kind = STRAT_BARS_TICK, .size = 3 };
	assert(strat_bars_init(&b, &cfg, err, sizeof(err)) == 0);
	int done = 0;
	for (int i = 0; i < 10; i++)
		done += strat_bars_trade(&b, (uint64_t)i, 100 + (uint32_t)i, 1, &o);
	assert(done == 3 && o.open == 106 && o.close == 108 && o.trades == 3);
	assert(strat_bars_advance(&b, UINT64_MAX, &o) == 0);
	assert(strat_bars_flush(&b, &o) == 1 && o.open == 109 && o.trades == 1);

	/* volume bars of 1000 shares: the crossing trade is included, not split */
	cfg = (struct strat_bars_cfg){ .kind = STRAT_BARS_VOLUME, .size = 1000 };
	assert(strat_bars_init(&b, &cfg, err, sizeof(err)) == 0);
	assert(strat_bars_trade(&b, 1, 500, 600, &o) == 0);
	assert(strat_bars_trade(&b, 2, 400, 300, &o) == 0);
	assert(strat_bars_trade(&b, 3, 450, 250, &o) == 1);
	assert(o.volume == 1150 && o.low == 400 && o.high == 500 && o.close == 450);
	assert(strat_bars_trade(&b, 4, 451, 1000, &o) == 1 && o.volume == 1000 && o.trades == 1);

	/* session filter */
	cfg = (struct strat_bars_cfg){ .kind = STRAT_BARS_TICK, .size = 1, .session_start_ns = 10,
				       .session_end_ns = 20 };
	assert(strat_bars_init(&b, &cfg, err, sizeof(err)) == 0);
	assert(strat_bars_trade(&b, 9, 1, 1, &o) == 0 && strat_bars_trade(&b, 20, 1, 1, &o) == 0);
	assert(strat_bars_trade(&b, 10, 1, 1, &o) == 1);

	/* bad configurations name the field */
	cfg = (struct strat_bars_cfg){ .kind = STRAT_BARS_TIME, .size = 0 };
	assert(strat_bars_init(&b, &cfg, err, sizeof(err)) == -EINVAL && strstr(err, "size"));
	cfg = (struct strat_bars_cfg){ .kind = 9, .size = 1 };
	assert(strat_bars_init(&b, &cfg, err, sizeof(err)) == -EINVAL && strstr(err, "kind"));
	cfg = (struct strat_bars_cfg){ .kind = STRAT_BARS_TIME, .size = 1, .session_start_ns = 5,
				       .session_end_ns = 5 };
	assert(strat_bars_init(&b, &cfg, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "session_end_ns"));
	printf("bar rules: ok\n");
}

/* "223.8200" -> 2238200, exactly. */
static uint32_t parse_px(const char *s)
{
	uint64_t v = 0;
	int frac = -1;
	for (; *s && *s != ','; s++) {
		if (*s == '.') {
			frac = 0;
			continue;
		}
		assert(*s >= '0' && *s <= '9');
		v = v * 10 + (uint64_t)(*s - '0');
		if (frac >= 0)
			frac++;
	}
	for (; frac < 4; frac++)
		v *= 10;
	return (uint32_t)v;
}

struct bars_vec {
	struct strat_obar *v;
	size_t n, cap;
};

static void push(struct bars_vec *bv, const struct strat_obar *o)
{
	if (bv->n == bv->cap) {
		bv->cap = bv->cap ? bv->cap * 2 : 1024;
		bv->v = realloc(bv->v, bv->cap * sizeof(*bv->v));
		assert(bv->v);
	}
	bv->v[bv->n++] = *o;
}

static void compare_oracle_bars(const char *path, const struct bars_vec *bv, uint64_t *ret_vol)
{
	FILE *f = fopen(path, "r");
	assert(f);
	char line[256];
	assert(fgets(line, sizeof(line), f) && strncmp(line, "time,open,high,low,close,volume", 31) == 0);
	size_t i = 0;
	uint64_t vol = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned hh, mm, ss;
		assert(sscanf(line, "%u:%u:%u,", &hh, &mm, &ss) == 3);
		char *p = strchr(line, ',') + 1;
		uint32_t px[4];
		for (int k = 0; k < 4; k++) {
			px[k] = parse_px(p);
			p = strchr(p, ',') + 1;
		}
		uint64_t v = strtoull(p, NULL, 10);
		assert(i < bv->n);
		const struct strat_obar *o = &bv->v[i];
		uint64_t start = ((uint64_t)hh * 3600 + mm * 60 + ss) * SEC;
		if (o->start_ns != start || o->open != px[0] || o->high != px[1] || o->low != px[2] ||
		    o->close != px[3] || o->volume != v) {
			fprintf(stderr, "%s row %zu: got start %llu %u %u %u %u %llu\n", path, i + 1,
				(unsigned long long)o->start_ns, o->open, o->high, o->low, o->close,
				(unsigned long long)o->volume);
			assert(0);
		}
		vol += v;
		i++;
	}
	fclose(f);
	assert(i == bv->n);
	*ret_vol = vol;
}

/* The bank over our bars must give the golden file's 20 columns bit for bit. */
static void compare_golden(const char *path, const struct bars_vec *bv)
{
	FILE *f = fopen(path, "r");
	assert(f);
	static char line[4096];
	assert(fgets(line, sizeof(line), f));
	struct strat_ind_bank *b = aligned_alloc(64, sizeof(*b));
	assert(b);
	char err[256];
	assert(strat_ind_bank_init(b, NULL, 0, err, sizeof(err)) == 0);
	size_t i = 0, values = 0;
	while (fgets(line, sizeof(line), f)) {
		assert(i < bv->n);
		struct strat_bar bar;
		strat_obar_to_bar(&bv->v[i], &bar);
		double out[STRAT_IND_COUNT];
		strat_ind_bank_update(b, &bar, out);
		char *p = line;
		for (int k = 0; k < 6; k++)
			p = strchr(p, ',') + 1;
		/* the golden input columns parse to our doubles exactly */
		char *q = strchr(line, ',') + 1;
		double in[5];
		for (int k = 0; k < 5; k++) {
			in[k] = strtod(q, &q);
			q++;
		}
		assert(in[0] == bar.open && in[1] == bar.high && in[2] == bar.low &&
		       in[3] == bar.close && in[4] == bar.volume);
		for (unsigned c = 0; c < STRAT_IND_COUNT; c++) {
			char *end;
			double g = strtod(p, &end);
			bool empty = end == p;
			if (empty) {
				assert(isnan(out[c]));
			} else {
				if (!(g == out[c] && signbit(g) == signbit(out[c]))) {
					fprintf(stderr, "%s row %zu col %u: %.17g want %.17g\n", path,
						i + 1, c, out[c], g);
					assert(0);
				}
				values++;
			}
			p = strchr(end, ',');
			p = p ? p + 1 : end;
		}
		i++;
	}
	fclose(f);
	assert(i == bv->n);
	printf("%s: %zu values bit for bit from our bars\n", strrchr(path, '/') + 1, values);
	free(b);
}

/* Microstructure features on the AMZN day against double-precision references
 * recomputed here from the events, the book depth and brute-force windows. */
static void check_micro(const char *itch)
{
	char err[512];
	struct feeds_capture cap;
	assert(feeds_capture_open(&cap, itch, err, sizeof(err)) == 0);
	struct feeds_books *books = NULL;
	assert(feeds_books_create(NULL, &books, err, sizeof(err)) == 0);
	struct strat_micro *mc = malloc(sizeof(*mc));
	assert(mc);
	struct strat_micro_cfg cfg = { .ret_short = 1, .ret_long = 16, .vol_window = 32,
				       .flow_window = 32 };
	assert(strat_micro_init(mc, &cfg, err, sizeof(err)) == 0);
	size_t cap_ticks = 1 << 20;
	double *mids = malloc(cap_ticks * sizeof(double));
	int *signs = malloc(cap_ticks * sizeof(int));
	double *qtys = malloc(cap_ticks * sizeof(double));
	assert(mids && signs && qtys);
	size_t nt = 0, ntr = 0, checked = 0, depth_checked = 0;
	double pq = 0, q = 0, worst_vol = 0;
	struct feeds_itch_msg m;
	int r;
	while ((r = feeds_capture_next(&cap, &m, err, sizeof(err))) == 0) {
		struct md_event ev = { 0 };
		feeds_books_apply(books, &m, &ev);
		strat_micro_event(mc, &ev);
		if ((ev.kind == MD_EXEC || ev.kind == MD_TRADE) && ev.qty) {
			pq += (double)ev.px * ev.qty;
			q += ev.qty;
			if (ev.side == 'B' || ev.side == 'S') {
				signs[ntr] = ev.side == 'S' ? 1 : -1;
				qtys[ntr++] = ev.qty;
			}
		}
		if (!(ev.bid_px && ev.ask_px && ev.bid_px < ev.ask_px))
			continue;
		double mid2 = (double)ev.bid_px + ev.ask_px;
		if (nt == 0 || mids[nt - 1] != mid2)
			mids[nt++] = mid2;
		assert(nt < cap_ticks);
		struct feeds_level lb[5], la[5];
		int nb = feeds_books_depth(books, ev.locate, 'B', lb, 5);
		int na = feeds_books_depth(books, ev.locate, 'S', la, 5);
		assert(nb >= 1 && na >= 1);
		uint64_t qb[5], qa[5];
		double sb = 0, sa = 0;
		for (int k = 0; k < nb; k++)
			sb += (double)(qb[k] = lb[k].qty);
		for (int k = 0; k < na; k++)
			sa += (double)(qa[k] = la[k].qty);
		strat_micro_depth(mc, qb, (unsigned)nb, qa, (unsigned)na);
		int32_t f[STRAT_MICRO_COUNT];
		strat_micro_values(mc, f);
		double ref[STRAT_MICRO_COUNT];
		ref[STRAT_MICRO_SPREAD_BPS] = ((double)ev.ask_px - ev.bid_px) / (mid2 / 2) * 1e4;
		ref[STRAT_MICRO_IMB1] = ((double)ev.bid_qty - ev.ask_qty) /
					((double)ev.bid_qty + ev.ask_qty);
		ref[STRAT_MICRO_IMBN] = (sb - sa) / (sb + sa);
		double ss = 0, sq = 0, aq = 0;
		size_t w = ntr < 32 ? ntr : 32;
		for (size_t k = ntr - w; k < ntr; k++) {
			ss += signs[k];
			sq += signs[k] * qtys[k];
			aq += qtys[k];
		}
		ref[STRAT_MICRO_TRADE_SIGN] = w ? ss / (double)w : 0;
		ref[STRAT_MICRO_TRADE_QTY] = aq > 0 ? sq / aq : 0;
		ref[STRAT_MICRO_RET_SHORT] = nt > 1 ? (mids[nt - 1] / mids[nt - 2] - 1) * 1e4 : 0;
		ref[STRAT_MICRO_RET_LONG] = nt > 16 ? (mids[nt - 1] / mids[nt - 17] - 1) * 1e4 : 0;
		double s2 = 0;
		size_t nr = nt > 1 ? nt - 1 : 0;
		nr = nr > 32 ? 32 : nr;
		for (size_t k = nt - nr; k < nt; k++) {
			double rr = (mids[k] / mids[k - 1] - 1) * 1e4;
			s2 += rr * rr;
		}
		ref[STRAT_MICRO_RVOL] = nr ? sqrt(s2 / (double)nr) : 0;
		for (unsigned c = 0; c < STRAT_MICRO_COUNT; c++) {
			double got = f[c] / 65536.0, d = fabs(got - ref[c]);
			/* Q16 rounding; rvol also carries 1/256-bps return quantization */
			double tol = c == STRAT_MICRO_RVOL ? 3e-3 : 1.0 / 65536 + 1e-9 * fabs(ref[c]);
			if (c == STRAT_MICRO_RVOL && d > worst_vol)
				worst_vol = d;
			if (d > tol) {
				fprintf(stderr, "micro %s at tick %zu: %.9f want %.9f\n",
					strat_micro_name(c), nt, got, ref[c]);
				assert(0);
			}
		}
		checked++;
		depth_checked += nb > 1 || na > 1;
	}
	assert(r == CORE_EOF);
	double vwap = strat_micro_vwap(mc) / 65536.0;
	assert(fabs(vwap - pq / q) < 1e-4);
	printf("micro: %zu events checked (%zu with depth > 1), %zu mid ticks, %zu signed trades, "
	       "rvol max |err| %.2g bps, VWAP %.4f\n",
	       checked, depth_checked, nt, ntr, worst_vol, vwap / 10000);
	assert(checked > 100000 && ntr > 10000);
	struct strat_micro_cfg bad = { .ret_long = 256 };
	assert(strat_micro_init(mc, &bad, err, sizeof(err)) == -EINVAL && strstr(err, "ret_long"));
	assert(strcmp(strat_micro_name(STRAT_MICRO_IMBN), "imbN") == 0);
	/* taker-side convention (crypto feeds): a 'B' trade is buyer-initiated */
	struct strat_micro_cfg tk = { .flow_window = 4, .taker_side = true };
	assert(strat_micro_init(mc, &tk, err, sizeof(err)) == 0);
	struct md_event te = { .kind = MD_TRADE, .side = 'B', .px = 100, .qty = 10 };
	strat_micro_event(mc, &te);
	te.side = 'S';
	te.qty = 30;
	strat_micro_event(mc, &te);
	int32_t tf[STRAT_MICRO_COUNT];
	strat_micro_values(mc, tf);
	assert(tf[STRAT_MICRO_TRADE_SIGN] == 0);
	assert(tf[STRAT_MICRO_TRADE_QTY] == -32768); /* (10 - 30) / 40 = -0.5 */
	assert(strat_micro_vwap(mc) == 100 * 65536);
	free(mids);
	free(signs);
	free(qtys);
	free(mc);
	feeds_books_destroy(books);
	feeds_capture_close(&cap);
}

int main(void)
{
	check_rules();
	const char *shared = getenv("OSPREY_SHARED");
	char itch[1024], path[1024];
	snprintf(itch, sizeof(itch), "%s/data/itch/lobster_AMZN_20120621_L5.itch50",
		 shared ? shared : "");
	if (!shared || access(itch, R_OK) != 0) {
		printf("skip: %s absent\n", itch);
		return 77;
	}
	core_clock_init(1);
	char err[512];
	struct feeds_capture cap;
	int r = feeds_capture_open(&cap, itch, err, sizeof(err));
	if (r)
		fprintf(stderr, "%s\n", err);
	assert(r == 0);
	struct feeds_books *books = NULL;
	assert(feeds_books_create(NULL, &books, err, sizeof(err)) == 0);

	/* LOBSTER's window: bar starts 09:30:00 .. 15:59:59 */
	const uint64_t open_ns = (9 * 3600 + 30 * 60) * SEC, close_ns = 16 * 3600 * SEC;
	struct strat_bars b1, b60, bt, bvol;
	struct strat_bars_cfg c1 = { STRAT_BARS_TIME, SEC, open_ns, close_ns };
	struct strat_bars_cfg c60 = { STRAT_BARS_TIME, 60 * SEC, open_ns, close_ns };
	struct strat_bars_cfg ct = { STRAT_BARS_TICK, 100, open_ns, close_ns };
	struct strat_bars_cfg cv = { STRAT_BARS_VOLUME, 10000, open_ns, close_ns };
	assert(strat_bars_init(&b1, &c1, err, sizeof(err)) == 0);
	assert(strat_bars_init(&b60, &c60, err, sizeof(err)) == 0);
	assert(strat_bars_init(&bt, &ct, err, sizeof(err)) == 0);
	assert(strat_bars_init(&bvol, &cv, err, sizeof(err)) == 0);
	struct bars_vec v1 = { 0 }, v60 = { 0 }, vt = { 0 }, vv = { 0 };
	struct feeds_itch_msg m;
	uint64_t trades = 0, trade_vol = 0, prev_ts = 0;
	while ((r = feeds_capture_next(&cap, &m, err, sizeof(err))) == 0) {
		struct md_event ev = { 0 };
		feeds_books_apply(books, &m, &ev);
		assert(ev.ts_ns >= prev_ts);
		prev_ts = ev.ts_ns;
		if ((ev.kind == MD_EXEC || ev.kind == MD_TRADE) && ev.qty) {
			trades++;
			trade_vol += ev.qty;
		}
		struct strat_obar o;
		if (strat_bars_event(&b1, &ev, &o))
			push(&v1, &o);
		if (strat_bars_event(&b60, &ev, &o))
			push(&v60, &o);
		if (strat_bars_event(&bt, &ev, &o))
			push(&vt, &o);
		if (strat_bars_event(&bvol, &ev, &o))
			push(&vv, &o);
	}
	assert(r == CORE_EOF);
	struct strat_obar o;
	if (strat_bars_flush(&b1, &o))
		push(&v1, &o);
	if (strat_bars_flush(&b60, &o))
		push(&v60, &o);
	if (strat_bars_flush(&bt, &o))
		push(&vt, &o);
	if (strat_bars_flush(&bvol, &o))
		push(&vv, &o);
	printf("AMZN: %llu executions, %llu shares; %zu 1-s bars, %zu 1-min bars, %zu 100-trade "
	       "bars, %zu 10000-share bars\n",
	       (unsigned long long)trades, (unsigned long long)trade_vol, v1.n, v60.n, vt.n, vv.n);
	assert(trades == 11419 && trade_vol == 810755); /* README: LOBSTER types 4 and 5 */

	uint64_t vol;
	snprintf(path, sizeof(path), "%s/oracles/bars/AMZN_2012-06-21_1s.csv", shared);
	compare_oracle_bars(path, &v1, &vol);
	assert(v1.n == 3162 && vol == 810755);
	snprintf(path, sizeof(path), "%s/oracles/bars/AMZN_2012-06-21_1min.csv", shared);
	compare_oracle_bars(path, &v60, &vol);
	assert(v60.n == 387 && vol == 810755);
	printf("1-s and 1-min bars equal ../shared/oracles/bars bar for bar\n");

	/* tick and volume bars: every trade counted once, sizes as configured */
	uint64_t tv = 0, vv_vol = 0, tt = 0;
	for (size_t i = 0; i < vt.n; i++) {
		assert(vt.v[i].trades == 100 || i + 1 == vt.n);
		tv += vt.v[i].volume;
		tt += vt.v[i].trades;
	}
	for (size_t i = 0; i < vv.n; i++) {
		assert(vv.v[i].volume >= 10000 || i + 1 == vv.n);
		assert(i == 0 || vv.v[i].first_ns >= vv.v[i - 1].last_ns);
		vv_vol += vv.v[i].volume;
	}
	assert(tt == trades && tv == trade_vol && vv_vol == trade_vol);
	assert(vt.n == (trades + 99) / 100);

	snprintf(path, sizeof(path), "%s/oracles/golden/AMZN_2012-06-21_1s.csv", shared);
	compare_golden(path, &v1);
	snprintf(path, sizeof(path), "%s/oracles/golden/AMZN_2012-06-21_1min.csv", shared);
	compare_golden(path, &v60);

	check_micro(itch);
	free(v1.v);
	free(v60.v);
	free(vt.v);
	free(vv.v);
	feeds_books_destroy(books);
	feeds_capture_close(&cap);
	printf("bars: ok\n");
	return 0;
}
