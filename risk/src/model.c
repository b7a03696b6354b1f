/* model.c - the risk model (risk.h, "The risk model"): returns per
 * instrument over a window of intervals, covariance and correlation, VaR
 * and expected shortfall, the correlation-weighted exposure and the Kelly
 * fraction, published per interval through the caps board's seqlock.
 *
 * Off the hot path, so doubles: what reaches a decision is an integer in
 * millionths computed the same way on every run from the same messages (no
 * fast-math, no FMA contraction: the build's flags), so a replay decides
 * the same way. */
#include "risk_int.h"

#include <math.h>
#include <stdlib.h>

#define TRADES 256       /* the Kelly window, trades */
#define KELLY_MIN 20     /* trades before Kelly sizes anything */

struct inst_series {
	uint16_t locate;
	uint32_t last_mark;   /* the previous interval's, 0 none */
	int64_t position;     /* at the end of the last interval */
	uint32_t mark;
	uint32_t n;           /* returns held (<= window) */
	uint32_t head;        /* next slot */
	double *r;            /* window log returns, ring */
	uint64_t last_interval; /* of the last return pushed */
	uint32_t high, low;   /* this interval's bar */
	uint32_t prev_close;  /* the last bar's close, 0 none */
	uint32_t ntr;         /* true ranges seen (up to RISK_ATR_PERIOD) */
	double tr_sum, atr;   /* Wilder's average true range */
};

struct risk_model {
	struct core_ring *in;
	struct risk_caps_board *board;
	struct risk_control *ctl;
	uint32_t window, max_inst, ninst;
	struct inst_series *inst;
	uint16_t *slot_of;      /* locate -> index + 1 */
	double *trades;         /* realized pnl of the last TRADES trades */
	uint32_t ntrades, trade_head;
	double *scen;           /* window scenario P&Ls, scratch */
	double *cov;            /* max_inst^2, scratch */
	struct risk_caps last;
	void (*tap)(void *arg, const struct risk_model_msg *m);
	void *tap_arg;
	bool eof;
};

int risk_caps_read(const struct risk_caps_board *b, uint64_t seq, struct risk_caps *ret)
{
	const __typeof__(b->slot[0]) *s = &b->slot[seq % RISK_CAPS_SLOTS];
	uint32_t s1 = atomic_load_explicit(&s->seq, memory_order_acquire); /* C2 */
	if (s1 & 1)
		return -EAGAIN;
	uint64_t w[sizeof(s->words) / sizeof(uint64_t)];
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		w[i] = atomic_load_explicit(&s->words[i], memory_order_relaxed);
	atomic_thread_fence(memory_order_acquire);
	if (atomic_load_explicit(&s->seq, memory_order_relaxed) != s1)
		return -EAGAIN;
	struct risk_caps c;
	memcpy(&c, w, sizeof(c));
	if (s1 == 0 || c.seq != seq)
		return 0;
	*ret = c;
	return 1;
}

static void publish(struct risk_model *m, const struct risk_caps *c)
{
	__typeof__(m->board->slot[0]) *s = &m->board->slot[c->seq % RISK_CAPS_SLOTS];
	uint64_t w[sizeof(s->words) / sizeof(uint64_t)] = { 0 };
	memcpy(w, c, sizeof(*c));
	uint32_t seq = atomic_load_explicit(&s->seq, memory_order_relaxed);
	atomic_store_explicit(&s->seq, seq + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		atomic_store_explicit(&s->words[i], w[i], memory_order_relaxed);
	atomic_store_explicit(&s->seq, seq + 2, memory_order_release); /* C1: pairs with C2 */
	atomic_store_explicit(&m->board->latest, c->seq + 1, memory_order_release);
}

static struct inst_series *series(struct risk_model *m, uint16_t locate)
{
	if (m->slot_of[locate])
		return &m->inst[m->slot_of[locate] - 1];
	if (m->ninst == m->max_inst)
		return NULL; /* beyond max_instruments: not modelled (caps still come) */
	struct inst_series *s = &m->inst[m->ninst++];
	s->locate = locate;
	m->slot_of[locate] = (uint16_t)m->ninst;
	return s;
}

/* The i-th most recent return of s (0 = newest). */
static double ret_at(const struct inst_series *s, uint32_t window, uint32_t i)
{
	return s->r[(s->head + window - 1 - i) % window];
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int64_t money(double v)
{
	if (!(v == v) || v < 0)
		return 0;
	return v > 9.0e18 ? INT64_MAX : (int64_t)llround(v);
}

/* Everything at close seq (of interval). */
static void compute(struct risk_model *m, uint64_t seq, uint64_t interval)
{
	struct risk_caps c = { .seq = seq, .interval = interval, .position_ppm = 1000000 };
	/* returns: every instrument with a mark now and the interval before;
	 * and its true range: the bar's, or to the previous close if wider */
	for (uint32_t i = 0; i < m->ninst; i++) {
		struct inst_series *s = &m->inst[i];
		if (s->mark) {
			double tr = (double)s->high - s->low;
			if (s->prev_close) {
				tr = fmax(tr, fabs((double)s->high - s->prev_close));
				tr = fmax(tr, fabs((double)s->low - s->prev_close));
			}
			if (s->ntr < RISK_ATR_PERIOD) {
				s->tr_sum += tr;
				if (++s->ntr == RISK_ATR_PERIOD)
					s->atr = s->tr_sum / RISK_ATR_PERIOD;
			} else {
				s->atr = (s->atr * (RISK_ATR_PERIOD - 1) + tr) / RISK_ATR_PERIOD;
			}
			s->prev_close = s->mark;
			s->high = s->low = s->mark; /* until the next MARK says otherwise */
		}
		if (s->mark && s->last_mark) {
			s->r[s->head] = log((double)s->mark / (double)s->last_mark);
			s->head = (s->head + 1) % m->window;
			if (s->n < m->window)
				s->n++;
		}
		if (s->mark)
			s->last_mark = s->mark;
	}
	/* the common window: the shortest history among instruments with returns */
	uint32_t n = UINT32_MAX, k = 0;
	for (uint32_t i = 0; i < m->ninst; i++)
		if (m->inst[i].n) {
			k++;
			if (m->inst[i].n < n)
				n = m->inst[i].n;
		}
	c.ninst = k;
	c.nreturns = k ? n : 0;
	if (k && n >= 2) {
		/* exposures now: signed notional */
		double e[256];
		uint32_t idx[256], kk = 0;
		for (uint32_t i = 0; i < m->ninst && kk < 256; i++)
			if (m->inst[i].n) {
				idx[kk] = i;
				e[kk++] = (double)m->inst[i].position * (double)m->inst[i].mark;
			}
		/* covariance (mean-removed, n - 1) */
		double mean[256];
		for (uint32_t a = 0; a < kk; a++) {
			double sum = 0;
			for (uint32_t t = 0; t < n; t++)
				sum += ret_at(&m->inst[idx[a]], m->window, t);
			mean[a] = sum / n;
		}
		for (uint32_t a = 0; a < kk; a++)
			for (uint32_t b = a; b < kk; b++) {
				double sum = 0;
				for (uint32_t t = 0; t < n; t++)
					sum += (ret_at(&m->inst[idx[a]], m->window, t) - mean[a]) *
					       (ret_at(&m->inst[idx[b]], m->window, t) - mean[b]);
				m->cov[a * kk + b] = m->cov[b * kk + a] = sum / (n - 1);
			}
		/* historical: today's exposures against each past interval's returns */
		for (uint32_t t = 0; t < n; t++) {
			double p = 0;
			for (uint32_t a = 0; a < kk; a++)
				p += e[a] * ret_at(&m->inst[idx[a]], m->window, t);
			m->scen[t] = p;
		}
		qsort(m->scen, n, sizeof(double), cmp_double);
		static const double alpha[2] = { 0.95, 0.99 };
		int64_t *var[2] = { &c.var95_hist, &c.var99_hist };
		int64_t *es[2] = { &c.es95_hist, &c.es99_hist };
		for (int q = 0; q < 2; q++) {
			/* the loss exceeded in (1 - alpha) of the scenarios: the
			 * floor((1 - alpha) * n)-th worst, at least the worst */
			uint32_t tail = (uint32_t)floor((1 - alpha[q]) * n);
			if (tail < 1)
				tail = 1;
			*var[q] = money(-m->scen[tail - 1]);
			double sum = 0;
			for (uint32_t t = 0; t < tail; t++)
				sum += m->scen[t];
			*es[q] = money(-sum / tail);
		}
		/* parametric (normal, mean 0): sigma_p^2 = e' Cov e */
		double varp = 0, cw = 0, maxc = 0;
		for (uint32_t a = 0; a < kk; a++)
			for (uint32_t b = 0; b < kk; b++) {
				varp += e[a] * m->cov[a * kk + b] * e[b];
				double sa = sqrt(m->cov[a * kk + a]), sb = sqrt(m->cov[b * kk + b]);
				double corr = sa > 0 && sb > 0 ? m->cov[a * kk + b] / (sa * sb)
				                               : (a == b ? 1.0 : 0.0);
				cw += e[a] * corr * e[b];
				if (a != b && fabs(corr) > maxc)
					maxc = fabs(corr);
			}
		double sp = varp > 0 ? sqrt(varp) : 0;
		c.var95_param = money(1.6448536269514722 * sp);
		c.var99_param = money(2.3263478740408408 * sp);
		/* ES of a normal: sigma * pdf(z) / (1 - alpha) */
		c.es95_param = money(sp * 0.10313564037537128 / 0.05);
		c.es99_param = money(sp * 0.026652142203457802 / 0.01);
		c.corr_exposure = money(cw > 0 ? sqrt(cw) : 0);
		c.max_abs_corr_ppm = (int64_t)llround(maxc * 1e6);
	}
	for (uint32_t i = 0; i < m->ninst && i < RISK_CAPS_ATR; i++) {
		c.atr_locate[i] = m->inst[i].locate;
		c.atr[i] = m->inst[i].ntr >= RISK_ATR_PERIOD ? (uint32_t)llround(m->inst[i].atr) : 0;
	}
	/* caps from the limits in force */
	struct risk_limits l;
	risk_control_limits(m->ctl, &l);
	double scale = 1.0;
	int64_t var99 = c.var99_hist > c.var99_param ? c.var99_hist : c.var99_param;
	if (l.var_limit && var99 > l.var_limit)
		scale = fmin(scale, (double)l.var_limit / (double)var99);
	if (l.corr_exposure_limit && c.corr_exposure > l.corr_exposure_limit)
		scale = fmin(scale, (double)l.corr_exposure_limit / (double)c.corr_exposure);
	c.position_ppm = (uint32_t)floor(scale * 1e6);
	/* Kelly from the last trades */
	if (m->ntrades >= KELLY_MIN) {
		double win = 0, loss = 0;
		uint32_t nw = 0, nl = 0;
		for (uint32_t t = 0; t < m->ntrades; t++) {
			double p = m->trades[t];
			if (p > 0)
				win += p, nw++;
			else if (p < 0)
				loss -= p, nl++;
		}
		double p = (double)nw / (double)(nw + nl ? nw + nl : 1);
		double f = 0;
		if (nw && nl) {
			double b = (win / nw) / (loss / nl);
			f = p - (1 - p) / b;
			c.kelly_b_ppm = b * 1e6 >= (double)UINT32_MAX ? UINT32_MAX
			                                               : (uint32_t)llround(b * 1e6);
		} else if (nw) {
			f = 1; /* no loss yet: capped by every other limit */
		}
		c.kelly_ppm = f > 0 ? (uint32_t)llround(fmin(f, 1.0) * 1e6) : 0; /* nearest ppm */
		c.kelly_valid = 1;
	}
	m->last = c;
	publish(m, &c);
}

int risk_model_poll(void *ctx, uint32_t *ret_work)
{
	struct risk_model *m = ctx;
	*ret_work = 0;
	if (m->eof)
		return CORE_EOF;
	uint32_t n = core_ring_readable_upto(m->in, 256), i = 0;
	for (; i < n; i++) {
		const struct risk_model_msg *x = core_ring_peek(m->in, i);
		struct inst_series *s;
		if (m->tap)
			m->tap(m->tap_arg, x);
		switch (x->kind) {
		case RISK_MODEL_MARK:
			if ((s = series(m, x->locate))) {
				s->mark = x->mark;
				s->position = x->position;
				s->high = x->high ? x->high : x->mark;
				s->low = x->low ? x->low : x->mark;
			}
			break;
		case RISK_MODEL_CLOSE:
			compute(m, x->seq, x->interval);
			break;
		case RISK_MODEL_FILL:
			if (!x->closing)
				break;
			m->trades[m->trade_head] = (double)x->pnl;
			m->trade_head = (m->trade_head + 1) % TRADES;
			if (m->ntrades < TRADES)
				m->ntrades++;
			break;
		case RISK_MODEL_EOS:
			m->eof = true;
			break;
		default:
			break;
		}
		if (m->eof) {
			i++;
			break;
		}
	}
	if (i)
		core_ring_release(m->in, i);
	*ret_work = i;
	return m->eof ? CORE_EOF : 0;
}

CORE_COLD int risk_model_create(const struct risk_model_cfg *cfg, struct risk_model **ret,
				char *err, size_t errlen)
{
	if (!cfg || !cfg->board || !cfg->ctl || !ret) {
		core_errf(err, errlen, "risk model: cfg, board, ctl and ret are required");
		return -EINVAL;
	}
	if (core_ring_check(cfg->in, "risk model", "in", sizeof(struct risk_model_msg),
	                    "risk_model_msg", err, errlen) < 0)
		return -EINVAL;
	uint32_t window = cfg->window ? cfg->window : 250;
	uint32_t max_inst = cfg->max_instruments ? cfg->max_instruments : 64;
	if (window < 2 || window > 100000 || max_inst > 256) {
		core_errf(err, errlen, "risk model: window %u not in 2..100000 or max_instruments %u above 256",
		          window, max_inst);
		return -EINVAL;
	}
	struct core_layout l = core_layout_begin(sizeof(struct risk_model));
	size_t o_inst = core_layout_add(&l, max_inst, sizeof(struct inst_series), CORE_CACHE_LINE);
	size_t o_r = core_layout_add(&l, (size_t)max_inst * window, sizeof(double), CORE_CACHE_LINE);
	size_t o_slot = core_layout_add(&l, RISK_NLOCATE, sizeof(uint16_t), CORE_CACHE_LINE);
	size_t o_tr = core_layout_add(&l, TRADES, sizeof(double), CORE_CACHE_LINE);
	size_t o_scen = core_layout_add(&l, window, sizeof(double), CORE_CACHE_LINE);
	size_t o_cov = core_layout_add(&l, (size_t)max_inst * max_inst, sizeof(double), CORE_CACHE_LINE);
	struct risk_model *m = core_layout_alloc(&l);
	if (!m) {
		core_errf(err, errlen, "risk model: out of memory");
		return -ENOMEM;
	}
	m->inst = core_layout_at(m, o_inst);
	double *r = core_layout_at(m, o_r);
	for (uint32_t i = 0; i < max_inst; i++)
		m->inst[i].r = r + (size_t)i * window;
	m->slot_of = core_layout_at(m, o_slot);
	m->trades = core_layout_at(m, o_tr);
	m->scen = core_layout_at(m, o_scen);
	m->cov = core_layout_at(m, o_cov);
	m->in = cfg->in;
	m->board = cfg->board;
	m->ctl = cfg->ctl;
	m->tap = cfg->tap;
	m->tap_arg = cfg->tap_arg;
	m->window = window;
	m->max_inst = max_inst;
	*ret = m;
	return 0;
}

struct risk_model *risk_model_destroy(struct risk_model *m)
{
	core_free(m);
	return NULL;
}

void risk_model_last(const struct risk_model *m, struct risk_caps *ret)
{
	*ret = m->last;
}
