/*
 * test_backtest - the backtest record's metrics and baselines (tools/backtest.h)
 * against numbers worked out by hand from a small, known record.
 *
 * One instrument, capital 1,000,000.0000 (money 1e10), interval 60 s, fees
 * 0.01 per share taker and maker alike (100 money units), no bps:
 *
 *   close 0  mark 100.00  buy 100 @ 100.00 (fee 1.00) before it: position 100
 *   close 1  mark 101.00
 *   close 2  mark  99.00
 *   close 3  mark 103.00  sell 100 @ 103.00 (fee 1.00): a trade, +300 - 1 = +299
 *   final    mark 103.00  flat
 */
#undef NDEBUG
#include "backtest.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PX(d) ((uint32_t)llround((d) * 10000))
#define MONEY(d) ((int64_t)llround((d) * 10000.0))

static struct risk_position fin; /* the stage's final books */

static void final_books(void *arg, uint16_t locate, struct risk_position *ret)
{
	(void)arg;
	assert(locate == 7);
	(void)locate;
	*ret = fin;
}

static void mark(struct backtest *b, uint64_t iv, double m, int64_t pos, int64_t pnl)
{
	struct risk_model_msg x = { .kind = RISK_MODEL_MARK, .interval = iv, .locate = 7,
		                    .mark = PX(m), .high = PX(m), .low = PX(m), .position = pos,
		                    .pnl = pnl };
	backtest_tap(b, &x);
	struct risk_model_msg c = { .kind = RISK_MODEL_CLOSE, .interval = iv };
	backtest_tap(b, &c);
}

static void fill(struct backtest *b, uint64_t ts, uint8_t side, double px, uint32_t q,
		 int64_t pos_after, int64_t pnl, bool closing)
{
	struct risk_model_msg x = { .kind = RISK_MODEL_FILL, .ts_ns = ts, .locate = 7,
		                    .mark = PX(px), .qty = q, .side = side, .fee = MONEY(1.0),
		                    .pnl = pnl, .position = pos_after, .closing = closing };
	backtest_tap(b, &x);
}

/* The record of the table above. */
static void the_record(struct backtest *b, uint64_t iv0)
{
	const uint64_t ns = 60000000000ull;
	fill(b, iv0 * ns + 1, 'B', 100.00, 100, 100, -MONEY(1.0), false);
	/* P&L at each close: position * (mark - 100) - 1.00 */
	mark(b, iv0, 100.00, 100, MONEY(-1.0));
	mark(b, iv0 + 1, 101.00, 100, MONEY(99.0));
	mark(b, iv0 + 2, 99.00, 100, MONEY(-101.0));
	fill(b, (iv0 + 3) * ns + 5, 'S', 103.00, 100, 0, MONEY(299.0), true);
	mark(b, iv0 + 3, 103.00, 0, MONEY(298.0));
}

static const char *name(void *arg, uint16_t locate, char *buf, size_t cap)
{
	(void)arg;
	snprintf(buf, cap, "L%u", locate);
	return buf;
}

static void near(double got, double want, double tol, const char *what)
{
	if (fabs(got - want) > tol) {
		fprintf(stderr, "%s: %.9f, want %.9f\n", what, got, want);
		assert(0);
	}
}

int main(void)
{
	struct backtest_cfg cfg = { .interval_ns = 60000000000ull, .momentum_lookback = 1 };
	cfg.limits.capital = MONEY(1000000);
	cfg.limits.fees_per_share = 100; /* 0.01 a share */
	cfg.limits.max_position = 100;   /* the baselines hold 100 shares */
	struct backtest *b;
	assert(backtest_create(&cfg, &b) == 0);

	const uint64_t iv0 = 570; /* 9:30 to 9:31 */
	the_record(b, iv0);
	fin = (struct risk_position){ .position = 0, .realized = MONEY(300.0), .fees = MONEY(2.0),
		                      .mark = PX(103.00) };
	assert(backtest_finish(b, final_books, NULL) == 0);

	struct backtest_metrics m;
	backtest_run_metrics(b, &m);
	assert(m.closes == 5); /* four closes and the final point */
	assert(m.net_pnl == MONEY(298.0));
	assert(m.fees == MONEY(2.0));
	assert(m.turnover == MONEY(100.00 * 100 + 103.00 * 100));
	assert(m.fills == 2 && m.trades == 1 && m.wins == 1 && m.losses == 0);
	near(m.win_rate, 1.0, 0, "win rate");
	assert(isinf(m.profit_factor)); /* no losses */
	near(m.avg_win, (double)MONEY(299.0), 0, "average win");
	/* high-water 1e6 + 99 at close 1, then 1e6 - 101: a drawdown of 200.00 */
	assert(m.max_drawdown == MONEY(200.0));
	near(m.max_drawdown_pct, 100.0 * 200.0 / 1000099.0, 1e-9, "drawdown %");
	near(m.exposure, 3.0 / 5.0, 1e-12, "exposure");
	/* held through closes 0-2: the first one's minute and the two after; the
	 * final point (at the last close's time) adds nothing */
	near(m.exposure_s, 180.0, 1e-9, "exposure seconds");
	/* returns dE / E before, per close: -1, +100, -200, +399, 0 over the equity */
	double E = 1e6, r[5], pnl[5] = { -1, 99, -101, 298, 298 }, prev = 0;
	double sum = 0, sum2 = 0, down = 0;
	for (int k = 0; k < 5; k++) {
		r[k] = (pnl[k] - prev) / (E + prev);
		prev = pnl[k];
		sum += r[k];
		down += r[k] < 0 ? r[k] * r[k] : 0;
	}
	double mean = sum / 5;
	for (int k = 0; k < 5; k++)
		sum2 += (r[k] - mean) * (r[k] - mean);
	double per_year = 252 * 6.5 * 60;
	near(m.sharpe, mean / sqrt(sum2 / 4) * sqrt(per_year), 1e-9, "Sharpe");
	near(m.sortino, mean / sqrt(down / 5) * sqrt(per_year), 1e-9, "Sortino");

	/* baselines */
	struct backtest_metrics z;
	backtest_baseline_metrics(b, BACKTEST_NONE, &z);
	assert(z.net_pnl == 0 && z.fills == 0 && z.max_drawdown == 0 && z.exposure == 0);
	/* always-hold: 100 shares (the cap) at 100.00 with a 1.00 fee, held: 103.00 at the end */
	backtest_baseline_metrics(b, BACKTEST_HOLD, &z);
	assert(z.fills == 1 && z.trades == 0);
	assert(z.net_pnl == MONEY(300.0 - 1.0));
	assert(z.max_drawdown == MONEY(200.0)); /* the same path as the run's */
	near(z.exposure, 1.0, 0, "hold exposure");
	near(z.exposure_s, 240.0, 1e-9, "hold exposure seconds"); /* closes 0-3; the last adds 0 */
	/* momentum, lookback 1: close 1 (101 > 100) long 100, close 2 (99 < 101) short
	 * 100 (sell 200), close 3 (103 > 99) long 100 (buy 200), final (103 = 103) flat */
	backtest_baseline_metrics(b, BACKTEST_MOMENTUM, &z);
	assert(z.fills == 4);
	assert(z.fees == MONEY(1.0 + 2.0 + 2.0 + 1.0));
	/* long 101 -> 99: -200; short 99 -> 103: -400; long 103 -> 103: 0 */
	assert(z.net_pnl == MONEY(-200.0 - 400.0 - 6.0));
	/* the last fill (flat at 103 bought at 103) realizes nothing: not a trade */
	assert(z.trades == 2 && z.wins == 0 && z.losses == 2);
	/* random entries: seeded, so the same record gives the same result */
	struct backtest_metrics r1, r2;
	backtest_baseline_metrics(b, BACKTEST_RANDOM, &r1);
	struct backtest *b2;
	assert(backtest_create(&cfg, &b2) == 0);
	the_record(b2, iv0);
	assert(backtest_finish(b2, final_books, NULL) == 0);
	backtest_baseline_metrics(b2, BACKTEST_RANDOM, &r2);
	assert(memcmp(&r1, &r2, sizeof(r1)) == 0);
	assert(r1.fills <= 4); /* one entry at most, with the run's single entry */

	/* one instrument: its metrics are the run's, except returns over capital */
	assert(backtest_instruments(b) == 1);
	struct backtest_metrics im;
	assert(backtest_instrument(b, 0, &im) == 7);
	assert(im.net_pnl == m.net_pnl && im.fees == m.fees && im.trades == m.trades);
	assert(im.max_drawdown == m.max_drawdown);
	near(im.exposure_s, m.exposure_s, 0, "the instrument's exposure seconds");

	/* the JSON block is well formed enough to hold its numbers */
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json_out j;
	json_begin(&j, f);
	backtest_json(b, &j, name, NULL);
	json_end(&j);
	fclose(f);
	assert(strstr(buf, "\"net_pnl\":298.0000"));
	assert(strstr(buf, "\"profit_factor\":null")); /* infinite: JSON has none */
	free(buf);
	backtest_destroy(b);
	backtest_destroy(b2);
	puts("backtest: metrics, baselines and the JSON block agree with the hand-worked record");
	return 0;
}
