/*
 * backtest.h - a run's trading record and the metrics a trader judges it by
 * (the "backtest" block of osprey-replay --json, and its HTML report).
 *
 * What is recorded: the risk stage's own books, as it sends them to the risk
 * model (risk.h, "The risk model"): at every close of the model's interval
 * (one minute of event time by default) each instrument's mark, position and
 * P&L after fees; and every fill with its fee and the P&L it realized. The
 * equity curve is capital plus the sum of the instruments' P&L at each
 * close, and one last point after the run (the stage's final books).
 *
 * Metrics, for the run and for each instrument: net P&L after fees, fees,
 * turnover (traded notional), fills, trades (fills that closed a position,
 * in part; their result is after the closing fill's fee), win rate, profit
 * factor (gross wins / gross losses), average win and loss, max drawdown on
 * the closes (money, and % of the equity high-water mark), Sharpe and
 * Sortino of the per-interval returns (r = dE / E before; mean / standard
 * deviation, or / downside deviation sqrt(mean(min(r, 0)^2)), times
 * sqrt(intervals per year), a year of 252 sessions of 6.5 h), and exposure
 * (the share of closes holding a position, and the event-time seconds of the
 * intervals ending at those closes). An instrument's returns are its
 * P&L changes over capital.
 *
 * Baselines on the same marks, at the same closes, with the same fee
 * schedule (taker fees, filled at the mark, no market impact and no queue):
 * no trading; always-hold (buy at each instrument's first mark with an equal
 * share of capital, at most max_position_notional and max_position, and
 * hold); momentum (long that size while the mark is above the mark
 * `momentum_lookback` closes before, short while below); random entries
 * (seeded: per instrument, enter a random side with the run's own
 * probability of opening from flat per close and its mean position, hold
 * for a geometric time with the run's mean holding time).
 *
 * Threads: backtest_tap is the risk model's tap (risk_model_cfg.tap), called
 * on the aux thread; it allocates as the run grows (never a hot thread).
 * Everything else: the main thread, after the aux thread is joined.
 * Memory: the object owns its record; the caller owns what it passes in.
 * Results: 0, or -ENOMEM. Out of memory while recording, the record keeps
 * what it has and counts what it could not keep (backtest_json says so).
 * Library-style: never prints.
 */
#ifndef OSPREY_BACKTEST_H
#define OSPREY_BACKTEST_H

#include "json.h"
#include "risk.h"

struct backtest_cfg {
	struct risk_limits limits;  /* fees, capital and the baselines' caps */
	uint64_t interval_ns;       /* the risk model's interval (0: one minute) */
	uint64_t seed;              /* the random baseline's (0: 1) */
	uint32_t momentum_lookback; /* closes (0: 5) */
	uint32_t max_fills;         /* fills kept for the trade list (0: 1 << 20); all are counted */
};

struct backtest_metrics {
	int64_t net_pnl, fees, turnover;  /* money */
	int64_t gross_win, gross_loss;    /* money: sums of the trades won and lost (loss > 0) */
	uint64_t fills, trades, wins, losses;
	double win_rate;                  /* wins / trades (0 without trades) */
	double profit_factor;             /* gross_win / gross_loss (infinite without losses) */
	double avg_win, avg_loss;         /* money */
	int64_t max_drawdown;             /* money, on the closes */
	double max_drawdown_pct;          /* of the high-water mark then */
	double sharpe, sortino;           /* annualised; 0 with fewer than 2 returns or no spread */
	double exposure;                  /* share of closes with a position */
	double exposure_s;                /* event-time seconds with a position (the intervals
	                                   * ending at those closes) */
	uint64_t closes;
};

enum backtest_baseline {
	BACKTEST_NONE,     /* no trading */
	BACKTEST_HOLD,     /* always-hold */
	BACKTEST_MOMENTUM,
	BACKTEST_RANDOM,
	BACKTEST_NBASELINES
};

struct backtest;

/* backtest_create - 0 and *ret, or -ENOMEM. */
int backtest_create(const struct backtest_cfg *cfg, struct backtest **ret);
/* backtest_destroy - accepts NULL. */
void backtest_destroy(struct backtest *b);
/* backtest_tap - risk_model_cfg.tap (arg: the backtest). */
void backtest_tap(void *arg, const struct risk_model_msg *m);

/* The stage's books of one instrument at the end (risk_stage_position). */
typedef void (*backtest_final_fn)(void *arg, uint16_t locate, struct risk_position *ret);
/* backtest_finish - add the final point (at the last close or fill, the
 * later) and compute every metric. Once, after the run. 0 or -ENOMEM. */
int backtest_finish(struct backtest *b, backtest_final_fn final, void *arg);

/* Reads, after backtest_finish. */
void backtest_run_metrics(const struct backtest *b, struct backtest_metrics *ret);
void backtest_baseline_metrics(const struct backtest *b, enum backtest_baseline which,
			       struct backtest_metrics *ret);
const char *backtest_baseline_name(enum backtest_baseline which);
/* backtest_instruments - how many instruments the record has. */
unsigned backtest_instruments(const struct backtest *b);
/* backtest_instrument - the i-th (first seen first): its locate and metrics. */
uint16_t backtest_instrument(const struct backtest *b, unsigned i, struct backtest_metrics *ret);

/* The symbol of a locate, into buf (the engine's naming). */
typedef const char *(*backtest_name_fn)(void *arg, uint16_t locate, char *buf, size_t cap);
/* backtest_json - the "backtest" member: the metrics, the baselines, each
 * instrument's metrics and series, the equity curves and the fills. Money
 * in dollars with four places (as the rest of the report). */
void backtest_json(const struct backtest *b, struct json_out *j, backtest_name_fn name,
		   void *arg);

#endif /* OSPREY_BACKTEST_H */
