/* decide.c - the decision stage: feature_vec -> order_intent via the linear model. */
#include "strategy.h"
#include "strat_internal.h"

#include <stdalign.h>

struct cool {
	uint64_t last_ts;      /* event time of the last intent */
	uint64_t events_since; /* feature events of the instrument since the last intent */
};

struct strat_decide {
	struct core_ring *in, *out;
	struct core_hist_pair *hist;
	const struct strat_model *model; /* the one this thread uses (see swap below) */
	uint64_t model_gen;              /* the generation it came with */
	uint32_t burst;
	uint32_t cooldown_events;        /* in force: the override, else the model's */
	uint64_t cooldown_ns;
	uint32_t ov_events;              /* cfg overrides (0: the model's own) */
	uint64_t ov_ns;
	bool eof;
	bool wm_pending;
	struct order_intent wm; /* the pending watermark */
	struct strat__pool pool;
	struct cool *cool;
	struct strat_regime_state *regime; /* per locate (65536): ensemble models' regimes */
	struct strat_decide_stats st;
	/* the timeline: the last STRAT_DECIDE_CHANGES regime changes and model
	 * swaps, written only when one happens (a swap when the first vector
	 * after it gives its event time) */
	struct strat_decide_change *changes;
	uint64_t nchanges;
	bool swap_pending;
	/* The model's memory, kept warm: a few cache lines per event, round robin,
	 * so the rare event that decides does not pay for the misses the books and
	 * the other stages caused since the last one. */
	struct strat__span warm[STRAT__MAX_SPANS];
	unsigned nwarm, warm_span;
	size_t warm_off;
	/* drift: one warm vector in drift_every counted into the reference's bins */
	const struct strat_drift_ref *drift;
	uint32_t drift_every, drift_tick;
	uint64_t drift_rows;
	uint64_t drift_counts[STRAT_FEATURE_COUNT][STRAT_DRIFT_BINS];

	/* Hot swap (quiescent-state reclamation). The swapper stores the new
	 * model into `next`, then increments `gen` (release RMW: ordered after
	 * the store). At the start of each poll the stage loads `gen` (acquire,
	 * partner of that RMW); if it moved, it loads `next`, which is then the
	 * new model, and stores `seen` = that gen (release: every use of the old
	 * model by earlier polls happens before it; partner: the swapper's
	 * acquire load in strat_decide_quiesced). Once seen >= the swap's gen
	 * the old model is no longer referenced and may be freed. */
	alignas(CORE_CACHE_LINE) _Atomic(const struct strat_model *) next;
	_Atomic uint64_t gen;
	alignas(CORE_CACHE_LINE) _Atomic uint64_t seen;
};

static void adopt(struct strat_decide *s, const struct strat_model *m)
{
	s->model = m;
	s->nwarm = m->ens ? strat__ensemble_spans(m->ens, s->warm, STRAT__MAX_SPANS) : 0;
	s->warm_span = 0;
	s->warm_off = 0;
	s->cooldown_events = s->ov_events ? s->ov_events : m->info.cooldown_events;
	s->cooldown_ns = s->ov_ns ? s->ov_ns : m->info.cooldown_ns;
}

/* Touch the next WARM_LINES cache lines of the model (prefetch, read). */
#define WARM_LINES 8
static void warm_model(struct strat_decide *s)
{
	if (!s->nwarm)
		return;
	for (unsigned k = 0; k < WARM_LINES; k++) {
		const struct strat__span *sp = &s->warm[s->warm_span];
		__builtin_prefetch(sp->p + s->warm_off, 0, 3);
		s->warm_off += CORE_CACHE_LINE;
		if (s->warm_off >= sp->len) {
			s->warm_off = 0;
			s->warm_span = s->warm_span + 1 < s->nwarm ? s->warm_span + 1 : 0;
		}
	}
}

/* Poll start: pick up a swapped model and declare the old one unused. */
static void quiesce(struct strat_decide *s)
{
	uint64_t g = atomic_load_explicit(&s->gen, memory_order_acquire);
	if (g == s->model_gen)
		return;
	adopt(s, atomic_load_explicit(&s->next, memory_order_acquire));
	s->model_gen = g;
	s->st.swaps++;
	s->swap_pending = true;
	atomic_store_explicit(&s->seen, g, memory_order_release);
}

static void note_change(struct strat_decide *s, const struct strat_decide_change *c)
{
	s->changes[s->nchanges++ % STRAT_DECIDE_CHANGES] = *c;
}

static void fill_marker(struct order_intent *it, const struct feature_vec *fv, uint8_t kind,
			uint8_t model_id)
{
	memset(it, 0, sizeof(*it));
	it->t0_ns = fv->t0_ns;
	it->ts_ns = fv->ts_ns;
	it->seq = fv->seq;
	it->locate = fv->locate;
	it->bid_px = fv->bid_px;
	it->ask_px = fv->ask_px;
	it->flags = fv->flags;
	it->kind = kind;
	it->model = model_id;
}

static bool push(struct strat_decide *s, const struct order_intent *it)
{
	struct order_intent *slot = core_ring_reserve(s->out);
	if (!slot) {
		s->st.out_full++;
		return false;
	}
	*slot = *it;
	core_ring_commit(s->out, 1);
	return true;
}

enum verdict {
	V_SKIP = 0,  /* not warm, or too few features: not scored */
	V_QUIET,     /* scored within the threshold */
	V_COOLDOWN,  /* a signal inside the instrument's cool-down */
	V_POOL_FULL, /* a signal for an instrument the pool has no room for */
	V_NO_PRICE,  /* a signal with that side of the book empty */
	V_FIRE,      /* an intent */
};

/*
 * Decide on one vector without changing any state, so a full intent ring can
 * leave the vector in place and the next poll decides it again identically.
 */
/*
 * An ensemble's decision: the regime (*rs, already stepped for this vector)
 * picks the profile; the weighted vote must reach the profile's confidence.
 */
static enum verdict evaluate_ensemble(struct strat_decide *s, const struct feature_vec *fv,
				      const struct cool *c, const struct strat_regime_state *rs,
				      uint8_t *side, uint32_t *qty, uint16_t *conf)
{
	const struct strat_ensemble *e = s->model->ens;
	const struct strat_ensemble_cfg *cfg = strat_ensemble_cfg(e);
	const struct strat_profile_cfg *pr = &cfg->profile[cfg->select[rs->regime]];
	uint32_t hold = s->ov_events ? s->ov_events : pr->hold_events;
	/* holding: nothing can be sent, so the members are not even asked (the
	 * decision is the same; the tree members are the expensive part) */
	if (c && c->events_since < hold)
		return V_COOLDOWN;
	int32_t need = pr->min_confidence > cfg->min_confidence ? pr->min_confidence
								 : cfg->min_confidence;
	/* the members asked cheapest first, until the rest could not reach need
	 * (the trees are rarely asked: the decision is the same) */
	unsigned asked;
	int32_t v = strat_ensemble_vote_reaching(e, fv->f, need, &asked);
	s->st.votes++;
	s->st.votes_cut += asked < strat_ensemble_members(e);
	int32_t a = v < 0 ? -v : v;
	if (a == 0 || a < need)
		return V_QUIET;
	bool up = (v > 0) != pr->invert;
	*side = up ? 'B' : 'S';
	*qty = pr->qty;
	/* calibrated: the probability that this side is right (a contrarian's
	 * is below one half); else the vote's magnitude */
	*conf = cfg->calibrated ? strat_ensemble_p_side(cfg, v, *side)
	                        : (uint16_t)(((int64_t)a * 10000 + FEATURE_ONE / 2) / FEATURE_ONE);
	if (c) {
		uint64_t dt = fv->ts_ns >= c->last_ts ? fv->ts_ns - c->last_ts : 0;
		if (c->events_since < hold || dt < s->cooldown_ns)
			return V_COOLDOWN;
	} else if (s->pool.used == s->pool.cap) {
		return V_POOL_FULL;
	}
	return V_FIRE;
}

static enum verdict evaluate(struct strat_decide *s, const struct feature_vec *fv,
			     const struct cool *c, const struct strat_regime_state *rs,
			     struct order_intent *it)
{
	const struct strat_model *m = s->model;
	if (!fv->warm || fv->n < m->info.nfeatures)
		return V_SKIP;
	uint8_t side;
	uint32_t qty = m->info.qty;
	uint16_t conf = 0;
	if (m->ens) {
		enum verdict v = evaluate_ensemble(s, fv, c, rs, &side, &qty, &conf);
		if (v != V_FIRE)
			return v;
	} else {
		int64_t score = strat__score_q32(m, fv->f);
		int64_t t = m->threshold_q32;
		if (score > t)
			side = 'B';
		else if (score < -t)
			side = 'S';
		else
			return V_QUIET;
		if (c) {
			uint64_t dt = fv->ts_ns >= c->last_ts ? fv->ts_ns - c->last_ts : 0;
			if (c->events_since < s->cooldown_events || dt < s->cooldown_ns)
				return V_COOLDOWN;
		} else if (s->pool.used == s->pool.cap) {
			return V_POOL_FULL;
		}
		unsigned __int128 a = (unsigned __int128)(score < 0 ? -score : score);
		conf = (uint16_t)(a * 10000 / (a + (unsigned __int128)t));
	}
	uint32_t px;
	if (m->info.price == STRAT_PRICE_OPPOSITE)
		px = side == 'B' ? fv->ask_px : fv->bid_px;
	else
		px = side == 'B' ? fv->bid_px : fv->ask_px;
	if (px == 0)
		return V_NO_PRICE;
	fill_marker(it, fv, INTENT_NEW, m->info.id);
	it->side = side;
	it->px = px;
	it->qty = qty;
	it->confidence = conf;
	it->calibrated = m->ens && strat_ensemble_cfg(m->ens)->calibrated;
	return V_FIRE;
}

int strat_decide_poll(void *ctx, uint32_t *ret_work)
{
	struct strat_decide *s = ctx;
	*ret_work = 0;
	if (s->eof)
		return CORE_EOF;
	quiesce(s);
	if (s->wm_pending) {
		/* Before anything newer, so seqs downstream never go backwards. */
		if (!push(s, &s->wm))
			return 0;
		s->wm_pending = false;
		s->st.watermarks++;
	}
	uint32_t avail = core_ring_readable_upto(s->in, s->burst);
	if (avail == 0)
		return 0;

	struct core_timer tm;
	core_timer_begin(&tm, s->hist);
	uint32_t done = 0;
	bool last_emitted = false;
	const struct feature_vec *last = NULL;
	struct order_intent it;
	while (done < avail) {
		const struct feature_vec *fv = core_ring_peek(s->in, done);
		if (fv->kind == MD_EOS) {
			fill_marker(&it, fv, INTENT_EOS, s->model->info.id);
			if (!push(s, &it))
				break;
			done++;
			s->eof = true;
			s->st.last_seq = fv->seq;
			/* never polled again: no later swap has to wait for it */
			atomic_store_explicit(&s->seen, UINT64_MAX, memory_order_release);
			break;
		}
		uint32_t idx = s->pool.map[fv->locate];
		struct cool *c = idx ? &s->cool[idx - 1] : NULL;
		/* the regime moves with every vector, whatever is decided; it is
		 * stored only once the vector is consumed */
		struct strat_regime_state rs = s->model->ens
			? strat_regime_step(&strat_ensemble_cfg(s->model->ens)->regime,
					    s->regime[fv->locate], fv)
			: s->regime[fv->locate];
		enum verdict v = evaluate(s, fv, c, &rs, &it);
		if (v != V_FIRE)
			warm_model(s);
		if (v == V_FIRE && !push(s, &it))
			break; /* evaluate() changed nothing: the vector stays for the next poll */
		/* consumed: account for it */
		if (s->drift && fv->warm && fv->n >= s->drift->nfeatures &&
		    ++s->drift_tick >= s->drift_every) {
			s->drift_tick = 0;
			s->drift_rows++;
			for (unsigned i = 0; i < s->drift->nfeatures; i++)
				s->drift_counts[i][strat_drift_bin(s->drift, i, fv->f[i])]++;
		}
		s->st.scored += v != V_SKIP;
		s->st.signals += v >= V_COOLDOWN;
		s->st.cooldown += v == V_COOLDOWN;
		s->st.pool_full += v == V_POOL_FULL;
		if (v == V_FIRE) {
			if (!c) {
				idx = ++s->pool.used;
				s->pool.map[fv->locate] = idx;
				c = &s->cool[idx - 1];
			}
			c->last_ts = fv->ts_ns;
			c->events_since = 0;
			if (it.side == 'B')
				s->st.buys++;
			else
				s->st.sells++;
		} else if (c) {
			c->events_since++;
		}
		if (rs.switches != s->regime[fv->locate].switches) {
			s->st.regime_switches++;
			int32_t cross = fv->f[STRAT_F_EMA_CROSS_BPS];
			note_change(s, &(struct strat_decide_change){
				.ts_ns = fv->ts_ns, .locate = fv->locate, .kind = STRAT_CHANGE_REGIME,
				.from = s->regime[fv->locate].regime, .to = rs.regime,
				.vol = fv->f[STRAT_F_VOL_BPS],
				.trend = cross == INT32_MIN ? INT32_MAX : cross < 0 ? -cross : cross });
		}
		if (__builtin_expect(s->swap_pending, 0)) {
			s->swap_pending = false;
			note_change(s, &(struct strat_decide_change){
				.ts_ns = fv->ts_ns, .kind = STRAT_CHANGE_SWAP,
				.model_id = s->model->info.id });
		}
		s->regime[fv->locate] = rs;
		last_emitted = v == V_FIRE;
		last = fv;
		s->st.last_seq = fv->seq;
		done++;
		core_timer_lap(&tm);
	}
	if (last && !s->eof && !last_emitted) {
		/* Built before the release: the slot is the producer's again after it. */
		fill_marker(&s->wm, last, INTENT_WATERMARK, s->model->info.id);
		if (push(s, &s->wm))
			s->st.watermarks++;
		else
			s->wm_pending = true;
	}
	if (done)
		core_ring_release(s->in, done);
	s->st.events += done;
	core_timer_end(&tm);
	*ret_work = done;
	return s->eof ? CORE_EOF : 0;
}

CORE_COLD int strat_decide_create(const struct strat_decide_cfg *cfg, struct strat_decide **ret_stage,
				  char *err, size_t errlen)
{
	if (!cfg || !cfg->model || !ret_stage) {
		core_errf(err, errlen, "strat_decide: cfg, model and ret_stage are required");
		return -EINVAL;
	}
	if (core_ring_check(cfg->in, "strat_decide", "in", sizeof(struct feature_vec),
	                    "feature_vec", err, errlen) < 0 ||
	    core_ring_check(cfg->out, "strat_decide", "out", sizeof(struct order_intent),
	                    "order_intent", err, errlen) < 0)
		return -EINVAL;
	if (cfg->model->info.nfeatures > STRAT_FEATURE_COUNT) {
		core_errf(err, errlen, "strat_decide: model uses %u features, stage has %d",
		          cfg->model->info.nfeatures, STRAT_FEATURE_COUNT);
		return -EINVAL;
	}
	uint32_t maxi = cfg->max_instruments ? cfg->max_instruments : 1024;
	if (maxi > 65536) {
		core_errf(err, errlen, "strat_decide: max_instruments %u out of range 1..65536",
		          maxi);
		return -EINVAL;
	}
	struct core_layout l = core_layout_begin(sizeof(struct strat_decide));
	size_t o_map = core_layout_add(&l, 65536, sizeof(uint32_t), CORE_CACHE_LINE);
	size_t o_cool = core_layout_add(&l, maxi, sizeof(struct cool), CORE_CACHE_LINE);
	size_t o_regime =
	        core_layout_add(&l, 65536, sizeof(struct strat_regime_state), CORE_CACHE_LINE);
	size_t o_changes = core_layout_add(&l, STRAT_DECIDE_CHANGES,
	                                   sizeof(struct strat_decide_change), CORE_CACHE_LINE);
	struct strat_decide *s = core_layout_alloc(&l);
	if (!s) {
		core_errf(err, errlen, "strat_decide: out of memory (%u instruments)", maxi);
		return -ENOMEM;
	}
	s->pool.map = core_layout_at(s, o_map);
	s->cool = core_layout_at(s, o_cool);
	s->regime = core_layout_at(s, o_regime); /* zeroed: every instrument starts unclassified */
	s->changes = core_layout_at(s, o_changes);
	s->pool.cap = maxi;
	s->in = cfg->in;
	s->out = cfg->out;
	s->hist = cfg->hist;
	s->drift = cfg->drift;
	s->drift_every = cfg->drift_every ? cfg->drift_every : 16;
	s->burst = cfg->burst ? cfg->burst : 32;
	s->ov_events = cfg->cooldown_events;
	s->ov_ns = cfg->cooldown_ns;
	adopt(s, cfg->model);
	atomic_init(&s->next, cfg->model);
	atomic_init(&s->gen, 0);
	atomic_init(&s->seen, 0);
	*ret_stage = s;
	return 0;
}

struct strat_decide *strat_decide_destroy(struct strat_decide *s)
{
	core_free(s); /* one block (core_layout) */
	return NULL;
}

void strat_decide_stats(const struct strat_decide *s, struct strat_decide_stats *ret)
{
	*ret = s->st;
}

void strat_decide_drift(const struct strat_decide *s,
                        uint64_t ret_counts[STRAT_FEATURE_COUNT][STRAT_DRIFT_BINS], uint64_t *ret_rows)
{
	memcpy(ret_counts, s->drift_counts, sizeof(s->drift_counts));
	*ret_rows = s->drift_rows;
}

unsigned strat_decide_changes(const struct strat_decide *s, struct strat_decide_change *out,
			      unsigned cap, uint64_t *ret_total)
{
	uint64_t first = s->nchanges > STRAT_DECIDE_CHANGES ? s->nchanges - STRAT_DECIDE_CHANGES : 0;
	unsigned n = 0;
	for (uint64_t i = first; i < s->nchanges && n < cap; i++)
		out[n++] = s->changes[i % STRAT_DECIDE_CHANGES];
	*ret_total = s->nchanges;
	return n;
}

int strat_decide_swap(struct strat_decide *s, const struct strat_model *next, uint64_t *ret_gen,
                      char *err, size_t errlen)
{
	if (!s || !next || !ret_gen) {
		core_errf(err, errlen, "strat_decide_swap: NULL argument");
		return -EINVAL;
	}
	if (next->info.nfeatures > STRAT_FEATURE_COUNT) {
		core_errf(err, errlen, "strat_decide_swap: model uses %u features, stage has %d",
		          next->info.nfeatures, STRAT_FEATURE_COUNT);
		return -EINVAL;
	}
	if (next->info.schema && next->info.schema != strat_feature_schema()) {
		core_errf(err, errlen,
		          "strat_decide_swap: model built for features 0x%016llx, stage has "
		          "0x%016llx",
		          (unsigned long long)next->info.schema,
		          (unsigned long long)strat_feature_schema());
		return -EINVAL;
	}
	/* one swapper at a time (documented): relaxed is enough for our own store */
	atomic_store_explicit(&s->next, next, memory_order_relaxed);
	*ret_gen = atomic_fetch_add_explicit(&s->gen, 1, memory_order_release) + 1;
	return 0;
}

bool strat_decide_quiesced(struct strat_decide *s, uint64_t gen)
{
	return atomic_load_explicit(&s->seen, memory_order_acquire) >= gen;
}
