/* backtest.c - the trading record of a run and its metrics (backtest.h). */
#include "backtest.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SESSION_NS (6.5 * 3600e9) /* a regular US equity session */
#define YEAR_SESSIONS 252.0

/* One instrument at one close. */
struct point {
	size_t close; /* index in backtest.close */
	uint32_t mark;
	int64_t position, pnl;
};

/* Fills through the stage's own average-cost arithmetic. */
struct acc {
	struct position pos;
	int64_t fees, turnover, gross_win, gross_loss;
	uint64_t fills, trades, wins, losses;
};

struct inst {
	uint16_t locate;
	struct point *pt;
	size_t n, cap;
	struct acc acc;   /* the run's fills */
	uint64_t entries; /* fills that opened a position from flat, or flipped it */
	int64_t pnl;      /* at the last mark */
	struct backtest_metrics m;
};

struct fill {
	uint64_t ts_ns;
	int64_t pnl, fee;
	uint32_t px, qty;
	uint16_t locate;
	uint8_t side, closing;
};

struct close {
	uint64_t ts_ns; /* the interval's end (the last: the run's end) */
	int64_t pnl;    /* every instrument's, after fees */
};

struct backtest {
	struct backtest_cfg cfg;
	struct close *close;
	size_t nclose, capclose;
	struct inst *inst;
	size_t ninst, capinst;
	struct fill *fill;
	size_t nfill, capfill;
	uint64_t fills_total, lost;
	uint64_t last_fill_ns;
	int64_t pnl_sum; /* the instruments' pnl at their last marks */
	struct backtest_metrics run, base[BACKTEST_NBASELINES];
	int64_t *base_pnl[BACKTEST_NBASELINES]; /* per close */
	bool finished;
	bool marked; /* a MARK has come: closes count from then */
	uint16_t slot[65536]; /* locate -> index in inst + 1 */
};

static bool grow(void *pp, size_t *cap, size_t n, size_t size)
{
	void **p = pp;
	if (n < *cap)
		return true;
	size_t c = *cap ? *cap * 2 : 256;
	void *q = realloc(*p, c * size);
	if (!q)
		return false;
	*p = q;
	*cap = c;
	return true;
}

int backtest_create(const struct backtest_cfg *cfg, struct backtest **ret)
{
	struct backtest *b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->cfg = *cfg;
	if (!b->cfg.interval_ns)
		b->cfg.interval_ns = 60000000000ull;
	if (!b->cfg.seed)
		b->cfg.seed = 1;
	if (!b->cfg.momentum_lookback)
		b->cfg.momentum_lookback = 5;
	if (!b->cfg.max_fills)
		b->cfg.max_fills = 1u << 20;
	*ret = b;
	return 0;
}

void backtest_destroy(struct backtest *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->ninst; i++)
		free(b->inst[i].pt);
	for (int k = 0; k < BACKTEST_NBASELINES; k++)
		free(b->base_pnl[k]);
	free(b->inst);
	free(b->close);
	free(b->fill);
	free(b);
}

static struct inst *inst_of(struct backtest *b, uint16_t locate)
{
	if (b->slot[locate])
		return &b->inst[b->slot[locate] - 1];
	if (b->ninst >= 65535 || !grow(&b->inst, &b->capinst, b->ninst, sizeof(*b->inst)))
		return NULL;
	struct inst *in = &b->inst[b->ninst++];
	memset(in, 0, sizeof(*in));
	in->locate = locate;
	b->slot[locate] = (uint16_t)b->ninst;
	return in;
}

static int64_t acc_pnl(const struct acc *a, uint32_t mark)
{
	return a->pos.realized_pnl - a->fees + a->pos.qty * (int64_t)mark - a->pos.cost;
}

static void acc_fill(struct acc *a, uint8_t side, uint32_t px, uint32_t qty, int64_t fee)
{
	int64_t before = a->pos.realized_pnl;
	core_position_apply(&a->pos, side == 'B' ? (int64_t)qty : -(int64_t)qty, px);
	int64_t made = a->pos.realized_pnl - before;
	a->fees += fee;
	a->turnover += (int64_t)px * qty;
	a->fills++;
	if (made) { /* a trade closed, in part: its result after this fill's fee */
		int64_t result = made - fee;
		a->trades++;
		if (result > 0) {
			a->wins++;
			a->gross_win += result;
		} else if (result < 0) {
			a->losses++;
			a->gross_loss -= result;
		}
	}
}

static void add_point(struct backtest *b, struct inst *in, uint32_t mark, int64_t position,
		      int64_t pnl)
{
	if (!grow(&in->pt, &in->cap, in->n, sizeof(*in->pt))) {
		b->lost++;
		return;
	}
	in->pt[in->n++] = (struct point){ .close = b->nclose, .mark = mark, .position = position,
		                          .pnl = pnl };
	b->pnl_sum += pnl - in->pnl;
	in->pnl = pnl;
}

static void add_close(struct backtest *b, uint64_t ts_ns)
{
	if (!grow(&b->close, &b->capclose, b->nclose, sizeof(*b->close))) {
		b->lost++;
		return;
	}
	b->close[b->nclose++] = (struct close){ .ts_ns = ts_ns, .pnl = b->pnl_sum };
}

void backtest_tap(void *arg, const struct risk_model_msg *m)
{
	struct backtest *b = arg;
	struct inst *in;
	switch (m->kind) {
	case RISK_MODEL_MARK:
		if (!(in = inst_of(b, m->locate))) {
			b->lost++;
			return;
		}
		add_point(b, in, m->mark, m->position, m->pnl);
		b->marked = true;
		break;
	case RISK_MODEL_CLOSE:
		/* a close before any mark (the intervals before the first two-sided
		 * book) has nothing to value: the curve starts at the first mark */
		if (b->marked)
			add_close(b, (m->interval + 1) * b->cfg.interval_ns);
		break;
	case RISK_MODEL_FILL: {
		b->fills_total++;
		if (m->ts_ns > b->last_fill_ns)
			b->last_fill_ns = m->ts_ns;
		if (!(in = inst_of(b, m->locate))) {
			b->lost++;
			return;
		}
		int64_t dq = m->side == 'B' ? (int64_t)m->qty : -(int64_t)m->qty;
		int64_t before = m->position - dq;
		if (m->position && (!before || (before > 0) != (m->position > 0)))
			in->entries++;
		acc_fill(&in->acc, m->side, m->mark, m->qty, m->fee);
		if (b->nfill < b->cfg.max_fills) {
			if (!grow(&b->fill, &b->capfill, b->nfill, sizeof(*b->fill))) {
				b->lost++;
				return;
			}
			b->fill[b->nfill++] = (struct fill){ .ts_ns = m->ts_ns, .pnl = m->pnl,
				                             .fee = m->fee, .px = m->mark, .qty = m->qty,
				                             .locate = m->locate, .side = m->side,
				                             .closing = m->closing };
		}
		break;
	}
	default:
		break;
	}
}

/* ------------------------------------------------------------------------- */
/* Metrics. */

/* The curve's metrics: pnl[k] at close k, exposed[k] a position held there.
 * Returns against the equity before (by_equity) or against capital. */
static void curve_metrics(const int64_t *pnl, const uint8_t *exposed, size_t n, int64_t capital,
			  bool by_equity, double per_year, struct backtest_metrics *m)
{
	double sum = 0, sum2 = 0, down2 = 0;
	int64_t prev = 0, high = capital;
	uint64_t held = 0;
	m->max_drawdown = 0;
	m->max_drawdown_pct = 0;
	for (size_t k = 0; k < n; k++) {
		int64_t eq = capital + pnl[k];
		double base = by_equity ? (double)(capital + prev) : (double)capital;
		double r = base > 0 ? (double)(pnl[k] - prev) / base : 0;
		sum += r;
		sum2 += r * r;
		down2 += r < 0 ? r * r : 0;
		prev = pnl[k];
		if (eq > high)
			high = eq;
		if (high - eq > m->max_drawdown) {
			m->max_drawdown = high - eq;
			m->max_drawdown_pct = high > 0 ? 100.0 * (double)(high - eq) / (double)high : 0;
		}
		held += exposed[k] != 0;
	}
	m->closes = n;
	m->net_pnl = n ? pnl[n - 1] : 0;
	m->exposure = n ? (double)held / (double)n : 0;
	m->sharpe = m->sortino = 0;
	if (n >= 2) {
		double mean = sum / (double)n;
		double var = (sum2 - sum * mean) / (double)(n - 1);
		double dd = sqrt(down2 / (double)n);
		if (var > 0)
			m->sharpe = mean / sqrt(var) * sqrt(per_year);
		if (dd > 0)
			m->sortino = mean / dd * sqrt(per_year);
	}
}

static void trade_metrics(const struct acc *a, struct backtest_metrics *m)
{
	m->fees = a->fees;
	m->turnover = a->turnover;
	m->fills = a->fills;
	m->trades = a->trades;
	m->wins = a->wins;
	m->losses = a->losses;
	m->gross_win = a->gross_win;
	m->gross_loss = a->gross_loss;
	m->win_rate = a->trades ? (double)a->wins / (double)a->trades : 0;
	m->profit_factor = a->gross_loss ? (double)a->gross_win / (double)a->gross_loss
	                   : a->gross_win ? INFINITY : 0;
	m->avg_win = a->wins ? (double)a->gross_win / (double)a->wins : 0;
	m->avg_loss = a->losses ? (double)a->gross_loss / (double)a->losses : 0;
}

static void acc_add(struct acc *dst, const struct acc *a)
{
	dst->fees += a->fees;
	dst->turnover += a->turnover;
	dst->gross_win += a->gross_win;
	dst->gross_loss += a->gross_loss;
	dst->fills += a->fills;
	dst->trades += a->trades;
	dst->wins += a->wins;
	dst->losses += a->losses;
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double uniform(uint64_t *s)
{
	return (double)(splitmix(s) >> 11) * 0x1p-53;
}

/* The baselines' size for one instrument: an equal share of capital at its
 * first mark, within the model's caps. */
static int64_t hold_size(const struct backtest *b, const struct inst *in)
{
	const struct risk_limits *l = &b->cfg.limits;
	uint32_t first = 0;
	for (size_t k = 0; k < in->n && !first; k++)
		first = in->pt[k].mark;
	if (!first || !b->ninst)
		return 0;
	int64_t alloc = l->capital / (int64_t)b->ninst;
	if (l->max_position_notional && l->max_position_notional < alloc)
		alloc = l->max_position_notional;
	int64_t q = alloc / first;
	if (l->max_position && (int64_t)l->max_position < q)
		q = l->max_position;
	return q > 0 ? q : 0;
}

/* Run baseline `which` on one instrument's marks; its pnl per point into out. */
static void simulate(const struct backtest *b, const struct inst *in, enum backtest_baseline which,
		     int64_t *out, struct acc *a, uint8_t *held)
{
	int64_t size = hold_size(b, in);
	uint32_t look = b->cfg.momentum_lookback;
	/* the run's own habits, for the random entries */
	uint64_t exposed = 0;
	double abs_pos = 0;
	for (size_t k = 0; k < in->n; k++)
		if (in->pt[k].position) {
			exposed++;
			abs_pos += fabs((double)in->pt[k].position);
		}
	uint64_t flat = in->n - exposed;
	double p_enter = in->entries && flat ? fmin(1.0, (double)in->entries / (double)flat) : 0;
	double p_exit = in->entries && exposed ? fmin(1.0, (double)in->entries / (double)exposed)
	                : 1;
	int64_t rsize = exposed ? llround(abs_pos / (double)exposed) : 0;
	uint64_t rng = b->cfg.seed ^ ((uint64_t)in->locate * 0xd1b54a32d192ed03ull);
	memset(a, 0, sizeof(*a));
	for (size_t k = 0; k < in->n; k++) {
		uint32_t px = in->pt[k].mark;
		int64_t target = a->pos.qty;
		switch (which) {
		case BACKTEST_NONE:
			target = 0;
			break;
		case BACKTEST_HOLD:
			target = size;
			break;
		case BACKTEST_MOMENTUM:
			target = 0;
			if (k >= look && in->pt[k - look].mark && px != in->pt[k - look].mark)
				target = px > in->pt[k - look].mark ? size : -size;
			break;
		case BACKTEST_RANDOM:
			if (!a->pos.qty) {
				if (uniform(&rng) < p_enter)
					target = uniform(&rng) < 0.5 ? rsize : -rsize;
			} else if (uniform(&rng) < p_exit) {
				target = 0;
			}
			break;
		default:
			break;
		}
		int64_t dq = target - a->pos.qty;
		if (dq && px) {
			uint32_t q = (uint32_t)llabs(dq);
			acc_fill(a, dq > 0 ? 'B' : 'S', px, q, risk_fee(&b->cfg.limits, true, px, q));
		}
		out[k] = acc_pnl(a, px);
		held[k] = a->pos.qty != 0;
	}
}

/* The event-time seconds of the interval ending at close c (the first: one
 * interval). */
static double close_span_s(const struct backtest *b, size_t c)
{
	uint64_t end = b->close[c].ts_ns;
	uint64_t start = c ? b->close[c - 1].ts_ns
	                   : end > b->cfg.interval_ns ? end - b->cfg.interval_ns : 0;
	return end > start ? (double)(end - start) / 1e9 : 0;
}

/* Spread per-point values of every instrument over the closes, each carried
 * forward from its last point; exposed: any instrument held. */
static void portfolio(const struct backtest *b, int64_t *const *per_inst, uint8_t *const *held,
		      int64_t *pnl, uint8_t *exposed)
{
	memset(pnl, 0, b->nclose * sizeof(*pnl));
	memset(exposed, 0, b->nclose);
	for (size_t i = 0; i < b->ninst; i++) {
		const struct inst *in = &b->inst[i];
		size_t k = 0;
		int64_t v = 0;
		uint8_t h = 0;
		for (size_t c = 0; c < b->nclose; c++) {
			for (; k < in->n && in->pt[k].close <= c; k++) {
				v = per_inst[i][k];
				h = held[i][k];
			}
			pnl[c] += v;
			exposed[c] |= h;
		}
	}
}

static double exposure_s(const struct backtest *b, const uint8_t *exposed)
{
	double s = 0;
	for (size_t c = 0; c < b->nclose; c++)
		if (exposed[c])
			s += close_span_s(b, c);
	return s;
}

int backtest_finish(struct backtest *b, backtest_final_fn final, void *arg)
{
	if (b->finished)
		return 0;
	b->finished = true;
	for (size_t i = 0; i < b->ninst; i++) {
		struct inst *in = &b->inst[i];
		struct risk_position rp;
		final(arg, in->locate, &rp);
		uint32_t mark = rp.mark ? rp.mark : in->n ? in->pt[in->n - 1].mark : 0;
		int64_t pnl = rp.realized - rp.fees + rp.position * (int64_t)mark - rp.cost;
		add_point(b, in, mark, rp.position, pnl);
	}
	uint64_t last = b->nclose ? b->close[b->nclose - 1].ts_ns : 0;
	add_close(b, b->last_fill_ns > last ? b->last_fill_ns : last);

	const struct risk_limits *l = &b->cfg.limits;
	double per_year = YEAR_SESSIONS * SESSION_NS / (double)b->cfg.interval_ns;
	size_t n = b->nclose;
	int64_t **per = calloc(b->ninst + 1, sizeof(*per));
	uint8_t **held = calloc(b->ninst + 1, sizeof(*held));
	int64_t *pnl = calloc(n + 1, sizeof(*pnl));
	uint8_t *exposed = malloc(n + 1);
	int r = -ENOMEM;
	if (!per || !held || !pnl || !exposed)
		goto out;
	for (size_t i = 0; i < b->ninst; i++)
		if (!(per[i] = malloc(b->inst[i].n * sizeof(int64_t) + 8)) ||
		    !(held[i] = malloc(b->inst[i].n + 1)))
			goto out;
	for (int k = 0; k < BACKTEST_NBASELINES; k++)
		if (!(b->base_pnl[k] = malloc(n * sizeof(int64_t))))
			goto out;

	/* the run: its curve, its fills */
	struct acc all = { 0 };
	for (size_t i = 0; i < b->ninst; i++) {
		struct inst *in = &b->inst[i];
		for (size_t k = 0; k < in->n; k++) {
			per[i][k] = in->pt[k].pnl;
			held[i][k] = in->pt[k].position != 0;
		}
		curve_metrics(per[i], held[i], in->n, l->capital, false, per_year, &in->m);
		in->m.exposure_s = 0;
		for (size_t k = 0; k < in->n; k++)
			if (held[i][k] && in->pt[k].close < n)
				in->m.exposure_s += close_span_s(b, in->pt[k].close);
		trade_metrics(&in->acc, &in->m);
		acc_add(&all, &in->acc);
	}
	portfolio(b, per, held, pnl, exposed); /* for the exposure: the curve is the record's */
	for (size_t c = 0; c < n; c++)
		pnl[c] = b->close[c].pnl;
	curve_metrics(pnl, exposed, n, l->capital, true, per_year, &b->run);
	b->run.exposure_s = exposure_s(b, exposed);
	trade_metrics(&all, &b->run);

	for (int w = 0; w < BACKTEST_NBASELINES; w++) {
		struct acc sum = { 0 };
		for (size_t i = 0; i < b->ninst; i++) {
			struct acc a;
			simulate(b, &b->inst[i], (enum backtest_baseline)w, per[i], &a, held[i]);
			acc_add(&sum, &a);
		}
		portfolio(b, per, held, b->base_pnl[w], exposed);
		curve_metrics(b->base_pnl[w], exposed, n, l->capital, true, per_year, &b->base[w]);
		b->base[w].exposure_s = exposure_s(b, exposed);
		trade_metrics(&sum, &b->base[w]);
	}
	r = 0;
out:
	for (size_t i = 0; per && held && i < b->ninst; i++) {
		free(per[i]);
		free(held[i]);
	}
	free(per);
	free(held);
	free(pnl);
	free(exposed);
	return r;
}

/* ------------------------------------------------------------------------- */
/* Reads. */

void backtest_run_metrics(const struct backtest *b, struct backtest_metrics *ret)
{
	*ret = b->run;
}

void backtest_baseline_metrics(const struct backtest *b, enum backtest_baseline which,
			       struct backtest_metrics *ret)
{
	*ret = b->base[which < BACKTEST_NBASELINES ? which : BACKTEST_NONE];
}

const char *backtest_baseline_name(enum backtest_baseline which)
{
	static const char *const names[] = { "no_trading", "always_hold", "momentum", "random" };
	return which < BACKTEST_NBASELINES ? names[which] : "?";
}

unsigned backtest_instruments(const struct backtest *b)
{
	return (unsigned)b->ninst;
}

uint16_t backtest_instrument(const struct backtest *b, unsigned i, struct backtest_metrics *ret)
{
	*ret = b->inst[i].m;
	return b->inst[i].locate;
}

static void metrics_json(struct json_out *j, const char *key, const struct backtest_metrics *m)
{
	json_obj(j, key);
	json_fixed4(j, "net_pnl", m->net_pnl);
	json_fixed4(j, "fees", m->fees);
	json_fixed4(j, "turnover", m->turnover);
	json_u64(j, "fills", m->fills);
	json_u64(j, "trades", m->trades);
	json_u64(j, "wins", m->wins);
	json_u64(j, "losses", m->losses);
	json_f64(j, "win_rate", m->win_rate, 4);
	json_f64(j, "profit_factor", m->profit_factor, 4);
	json_f64(j, "avg_win", m->avg_win / 1e4, 4);
	json_f64(j, "avg_loss", m->avg_loss / 1e4, 4);
	json_fixed4(j, "max_drawdown", m->max_drawdown);
	json_f64(j, "max_drawdown_pct", m->max_drawdown_pct, 4);
	json_f64(j, "sharpe", m->sharpe, 4);
	json_f64(j, "sortino", m->sortino, 4);
	json_f64(j, "exposure", m->exposure, 4);
	json_f64(j, "exposure_s", m->exposure_s, 3);
	json_u64(j, "closes", m->closes);
	json_end(j);
}

void backtest_json(const struct backtest *b, struct json_out *j, backtest_name_fn name, void *arg)
{
	char sym[32];
	json_obj(j, "backtest");
	json_f64(j, "interval_s", (double)b->cfg.interval_ns / 1e9, 3);
	json_fixed4(j, "capital", b->cfg.limits.capital);
	json_str(j, "returns",
	         "per interval r = dE / E before; Sharpe = mean(r) / sd(r) * sqrt(N), Sortino = "
	         "mean(r) / sqrt(mean(min(r,0)^2)) * sqrt(N), N = intervals in 252 sessions of 6.5 h");
	json_str(j, "fills_model",
	         "the run: its venue's fills; baselines: filled at the mark with taker fees; no "
	         "market impact");
	json_u64(j, "momentum_lookback", b->cfg.momentum_lookback);
	json_u64(j, "seed", b->cfg.seed);
	json_u64(j, "fills_total", b->fills_total);
	json_u64(j, "fills_listed", b->nfill);
	json_u64(j, "lost", b->lost);
	metrics_json(j, "run", &b->run);
	json_obj(j, "baselines");
	for (int w = 0; w < BACKTEST_NBASELINES; w++)
		metrics_json(j, backtest_baseline_name(w), &b->base[w]);
	json_end(j);

	json_obj(j, "equity");
	json_arr(j, "t");
	for (size_t c = 0; c < b->nclose; c++)
		json_f64(j, NULL, (double)b->close[c].ts_ns / 1e9, 3);
	json_end(j);
	json_arr(j, "pnl");
	for (size_t c = 0; c < b->nclose; c++)
		json_fixed4(j, NULL, b->close[c].pnl);
	json_end(j);
	for (int w = 0; w < BACKTEST_NBASELINES; w++) {
		json_arr(j, backtest_baseline_name(w));
		for (size_t c = 0; b->base_pnl[w] && c < b->nclose; c++)
			json_fixed4(j, NULL, b->base_pnl[w][c]);
		json_end(j);
	}
	json_end(j);

	json_arr(j, "instruments");
	for (size_t i = 0; i < b->ninst; i++) {
		const struct inst *in = &b->inst[i];
		json_obj(j, NULL);
		json_str(j, "symbol", name(arg, in->locate, sym, sizeof(sym)));
		json_u64(j, "locate", in->locate);
		metrics_json(j, "metrics", &in->m);
		json_arr(j, "close"); /* index into equity.t */
		for (size_t k = 0; k < in->n; k++)
			json_u64(j, NULL, in->pt[k].close);
		json_end(j);
		json_arr(j, "mark");
		for (size_t k = 0; k < in->n; k++)
			json_fixed4(j, NULL, in->pt[k].mark);
		json_end(j);
		json_arr(j, "position");
		for (size_t k = 0; k < in->n; k++)
			json_i64(j, NULL, in->pt[k].position);
		json_end(j);
		json_arr(j, "pnl");
		for (size_t k = 0; k < in->n; k++)
			json_fixed4(j, NULL, in->pt[k].pnl);
		json_end(j);
		json_end(j);
	}
	json_end(j);

	/* the trade list: one array per fill, columns as named */
	json_arr(j, "fill_columns");
	static const char *const cols[] = { "t", "symbol", "side", "px",
		                            "qty", "fee", "pnl", "closing" };
	for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
		json_str(j, NULL, cols[c]);
	json_end(j);
	json_arr(j, "fills");
	for (size_t f = 0; f < b->nfill; f++) {
		const struct fill *x = &b->fill[f];
		char side[2] = { (char)x->side, 0 };
		json_arr(j, NULL);
		json_f64(j, NULL, (double)x->ts_ns / 1e9, 6);
		json_str(j, NULL, name(arg, x->locate, sym, sizeof(sym)));
		json_str(j, NULL, side);
		json_fixed4(j, NULL, x->px);
		json_u64(j, NULL, x->qty);
		json_fixed4(j, NULL, x->fee);
		json_fixed4(j, NULL, x->pnl);
		json_bool(j, NULL, x->closing);
		json_end(j);
	}
	json_end(j);
	json_end(j);
}
