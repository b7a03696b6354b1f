/* bars.c - time, tick and volume bars from trade events, in exact integers. */
#include <errno.h>
#include <string.h>

#include "ta.h"

int strat_bars_init(struct strat_bars *b, const struct strat_bars_cfg *cfg, char *err,
		    size_t errlen)
{
	if (!cfg || (cfg->kind != STRAT_BARS_TIME && cfg->kind != STRAT_BARS_TICK &&
		     cfg->kind != STRAT_BARS_VOLUME)) {
		core_errf(err, errlen, "strat_bars_init: kind must be TIME, TICK or VOLUME");
		return -EINVAL;
	}
	if (cfg->size == 0) {
		core_errf(err, errlen, "strat_bars_init: size must be > 0");
		return -EINVAL;
	}
	if (cfg->session_end_ns && cfg->session_end_ns <= cfg->session_start_ns) {
		core_errf(err, errlen,
		          "strat_bars_init: session_end_ns must be above session_start_ns");
		return -EINVAL;
	}
	memset(b, 0, sizeof(*b));
	b->cfg = *cfg;
	return 0;
}

static int complete(struct strat_bars *b, struct strat_obar *ret)
{
	*ret = b->cur;
	b->open = false;
	b->bars++;
	return 1;
}

int strat_bars_advance(struct strat_bars *b, uint64_t now_ns, struct strat_obar *ret)
{
	if (b->cfg.kind != STRAT_BARS_TIME || !b->open || now_ns < b->cur_end_ns)
		return 0;
	return complete(b, ret);
}

int strat_bars_trade(struct strat_bars *b, uint64_t ts_ns, uint32_t px, uint32_t qty,
		     struct strat_obar *ret)
{
	if (qty == 0)
		return 0;
	if (b->cfg.session_end_ns &&
	    (ts_ns < b->cfg.session_start_ns || ts_ns >= b->cfg.session_end_ns))
		return 0;
	int done = 0;
	struct strat_obar prev;
	if (b->cfg.kind == STRAT_BARS_TIME && b->open && ts_ns >= b->cur_end_ns)
		done = complete(b, &prev);
	struct strat_obar *c = &b->cur;
	if (!b->open) {
		memset(c, 0, sizeof(*c));
		c->start_ns = ts_ns;
		if (b->cfg.kind == STRAT_BARS_TIME) {
			c->start_ns = ts_ns - ts_ns % b->cfg.size;
			b->cur_end_ns = c->start_ns + b->cfg.size;
			if (b->cur_end_ns < c->start_ns) /* last interval of the clock */
				b->cur_end_ns = UINT64_MAX;
		}
		c->first_ns = ts_ns;
		c->open = c->high = c->low = px;
		b->open = true;
	}
	c->last_ns = ts_ns;
	c->close = px;
	if (px > c->high)
		c->high = px;
	if (px < c->low)
		c->low = px;
	c->volume += qty;
	uint64_t pq = (uint64_t)px * qty;
	c->notional = c->notional > UINT64_MAX - pq ? UINT64_MAX : c->notional + pq;
	c->trades++;
	if (done) {
		*ret = prev;
		return 1;
	}
	if ((b->cfg.kind == STRAT_BARS_TICK && c->trades >= b->cfg.size) ||
	    (b->cfg.kind == STRAT_BARS_VOLUME && c->volume >= b->cfg.size))
		return complete(b, ret);
	return 0;
}

int strat_bars_event(struct strat_bars *b, const struct md_event *ev, struct strat_obar *ret)
{
	int r = strat_bars_advance(b, ev->ts_ns, ret);
	if (ev->kind != MD_EXEC && ev->kind != MD_TRADE)
		return r;
	/* a time bar completed above cannot be completed again by this trade: the
	 * trade opens the next interval */
	struct strat_obar tmp;
	int t = strat_bars_trade(b, ev->ts_ns, ev->px, ev->qty, r ? &tmp : ret);
	if (r)
		return r;
	return t;
}

int strat_bars_flush(struct strat_bars *b, struct strat_obar *ret)
{
	if (!b->open)
		return 0;
	return complete(b, ret);
}

void strat_obar_to_bar(const struct strat_obar *o, struct strat_bar *ret)
{
	ret->open = (double)o->open / 10000.0;
	ret->high = (double)o->high / 10000.0;
	ret->low = (double)o->low / 10000.0;
	ret->close = (double)o->close / 10000.0;
	ret->volume = (double)o->volume;
}
