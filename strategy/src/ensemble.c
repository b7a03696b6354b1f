/* ensemble.c - the regime detector and the model ensemble (see strategy.h,
 * "Ensemble and regime"). Integer arithmetic only, so every thread mapping and
 * every machine takes the same decisions. */
#include "qmlp_internal.h"
#include "strat_internal.h"
#include "strategy.h"
#include "trees_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>

static const char *const regime_names[STRAT_REGIME_COUNT] = {
	[STRAT_REGIME_RANGING] = "ranging",
	[STRAT_REGIME_TRENDING] = "trending",
	[STRAT_REGIME_VOLATILE] = "volatile",
};
static const char *const profile_names[STRAT_PROFILE_COUNT] = {
	[STRAT_PROFILE_CONSERVATIVE] = "conservative",
	[STRAT_PROFILE_BALANCED] = "balanced",
	[STRAT_PROFILE_AGGRESSIVE] = "aggressive",
	[STRAT_PROFILE_CONTRARIAN] = "contrarian",
};

const char *strat_regime_name(enum strat_regime r)
{
	return (unsigned)r < STRAT_REGIME_COUNT ? regime_names[r] : "?";
}

const char *strat_profile_name(enum strat_profile p)
{
	return (unsigned)p < STRAT_PROFILE_COUNT ? profile_names[p] : "?";
}

/* ---- regime detector ------------------------------------------------------ */

/* The regime the levels point to, given where we are (hysteresis: entering a
 * state needs the *_enter level, staying needs only the *_exit level). */
static enum strat_regime target(const struct strat_regime_cfg *c, enum strat_regime cur,
				int32_t vol, int32_t trend)
{
	bool volatile_ = cur == STRAT_REGIME_VOLATILE ? vol >= c->vol_exit : vol >= c->vol_enter;
	if (volatile_)
		return STRAT_REGIME_VOLATILE;
	bool trending = cur == STRAT_REGIME_TRENDING ? trend >= c->trend_exit
						     : trend >= c->trend_enter;
	return trending ? STRAT_REGIME_TRENDING : STRAT_REGIME_RANGING;
}

struct strat_regime_state strat_regime_step(const struct strat_regime_cfg *c,
					    struct strat_regime_state s, const struct feature_vec *fv)
{
	if (!fv->warm || fv->n <= STRAT_F_EMA_CROSS_BPS || fv->n <= STRAT_F_VOL_BPS)
		return s;
	int32_t vol = fv->f[STRAT_F_VOL_BPS];
	int32_t cross = fv->f[STRAT_F_EMA_CROSS_BPS];
	int32_t trend = cross == INT32_MIN ? INT32_MAX : cross < 0 ? -cross : cross;
	enum strat_regime want = target(c, (enum strat_regime)s.regime, vol, trend);
	if (want == s.regime) {
		s.pending = s.regime;
		s.count = 0;
		return s;
	}
	if (want != s.pending) {
		s.pending = (uint8_t)want;
		s.count = 0;
	}
	if (++s.count >= c->dwell) {
		s.regime = (uint8_t)want;
		s.count = 0;
		s.switches++;
	}
	return s;
}

/* ---- ensemble ------------------------------------------------------------- */

enum member_kind { MEMBER_LINEAR = 1, MEMBER_TREE = 2, MEMBER_POLICY = 3 };

struct member {
	char name[32];
	enum member_kind kind;
	int64_t weight; /* Q16, > 0 */
	struct strat_model *linear;
	struct strat_tree_model *tree;
	struct strat_qmlp *policy;
	uint32_t nfeatures;
};

struct strat_ensemble {
	struct strat_ensemble_cfg cfg;
	unsigned nmembers;
	struct member members[STRAT_ENSEMBLE_MAX_MEMBERS];
	int64_t weight_sum; /* Q16 */
	/* strat_ensemble_vote_reaching's plan: the members cheapest first
	 * (linear, policy, trees), and the weight of those after each */
	uint8_t order[STRAT_ENSEMBLE_MAX_MEMBERS];
	int64_t rest[STRAT_ENSEMBLE_MAX_MEMBERS];
};

static int32_t clamp_q16(__int128 v)
{
	return v > FEATURE_ONE ? FEATURE_ONE : v < -FEATURE_ONE ? -FEATURE_ONE : (int32_t)v;
}

static int32_t member_vote(const struct member *m, const int32_t *f)
{
	if (m->kind == MEMBER_LINEAR) {
		/* full conviction at the member's own threshold: score / threshold */
		__int128 s = (__int128)strat__score_q32(m->linear, f) * FEATURE_ONE;
		__int128 t = m->linear->threshold_q32;
		__int128 q = s / t;
		__int128 r = s % t; /* round half away from zero */
		if (2 * (r < 0 ? -r : r) >= t)
			q += s < 0 ? -1 : 1;
		return clamp_q16(q);
	}
	if (m->kind == MEMBER_POLICY) {
		/* the DQN policy's action from a flat position: buy +1, sell -1, hold 0 */
		int32_t in[STRAT_FEATURE_COUNT + 1]; /* strat_dqn_input at position 0 */
		memcpy(in, f, STRAT_FEATURE_COUNT * sizeof(int32_t));
		in[STRAT_FEATURE_COUNT] = 0;
		int a = strat_qmlp_forward(m->policy, in, NULL);
		return a == STRAT_ACT_BUY ? FEATURE_ONE : a == STRAT_ACT_SELL ? -FEATURE_ONE : 0;
	}
	/* binary:logistic: p of an up move; vote 2p - 1. The double is exact
	 * (XGBoost's float arithmetic), its rounding to Q16 written out. */
	double p = strat_tree_predict(m->tree, f);
	double v = (2.0 * p - 1.0) * FEATURE_ONE;
	int64_t q = (int64_t)(v < 0 ? v - 0.5 : v + 0.5);
	return clamp_q16(q);
}

int32_t strat_ensemble_vote(const struct strat_ensemble *e, const int32_t *f, int32_t *votes)
{
	__int128 acc = 0;
	for (unsigned i = 0; i < e->nmembers; i++) {
		int32_t v = member_vote(&e->members[i], f);
		if (votes)
			votes[i] = v;
		acc += (__int128)v * e->members[i].weight;
	}
	/* weighted mean, rounded half away from zero */
	__int128 w = e->weight_sum, q = acc / w, r = acc % w;
	if (2 * (r < 0 ? -r : r) >= w)
		q += acc < 0 ? -1 : 1;
	return clamp_q16(q);
}

/* The members to ask cheapest first, and what the rest could still add. */
static void plan(struct strat_ensemble *e)
{
	static const enum member_kind by_cost[] = { MEMBER_LINEAR, MEMBER_POLICY, MEMBER_TREE };
	unsigned k = 0;
	for (unsigned c = 0; c < sizeof(by_cost) / sizeof(by_cost[0]); c++)
		for (unsigned i = 0; i < e->nmembers; i++)
			if (e->members[i].kind == by_cost[c])
				e->order[k++] = (uint8_t)i;
	int64_t rest = e->weight_sum;
	for (unsigned j = 0; j < k; j++) {
		rest -= e->members[e->order[j]].weight;
		e->rest[j] = rest;
	}
}

int32_t strat_ensemble_vote_reaching(const struct strat_ensemble *e, const int32_t *f,
                                     int32_t need, unsigned *ret_asked)
{
	__int128 acc = 0, w = e->weight_sum;
	for (unsigned j = 0; j < e->nmembers; j++) {
		const struct member *m = &e->members[e->order[j]];
		acc += (__int128)member_vote(m, f) * m->weight;
		/* the rest vote within [-1, 1]: |acc| can end at most rest higher,
		 * and the rounded mean at most half a unit above |acc| / w */
		__int128 best = (acc < 0 ? -acc : acc) + (__int128)e->rest[j] * FEATURE_ONE;
		if (j + 1 < e->nmembers && 2 * best < (2 * (__int128)need - 1) * w) {
			if (ret_asked)
				*ret_asked = j + 1;
			return 0;
		}
	}
	if (ret_asked)
		*ret_asked = e->nmembers;
	__int128 q = acc / w, r = acc % w;
	if (2 * (r < 0 ? -r : r) >= w)
		q += acc < 0 ? -1 : 1;
	return clamp_q16(q);
}

uint16_t strat_ensemble_p_side(const struct strat_ensemble_cfg *c, int32_t vote, uint8_t side)
{
	if (!c->calibrated)
		return 0;
	double v = (double)vote / FEATURE_ONE;
	double up = 1 / (1 + exp(-(c->calib_a * v + c->calib_b)));
	double p = side == 'B' ? up : 1 - up;
	return (uint16_t)lround(p * 10000);
}

const struct strat_ensemble_cfg *strat_ensemble_cfg(const struct strat_ensemble *e)
{
	return &e->cfg;
}

unsigned strat_ensemble_members(const struct strat_ensemble *e)
{
	return e->nmembers;
}

void strat__ensemble_free(struct strat_ensemble *e)
{
	if (!e)
		return;
	for (unsigned i = 0; i < e->nmembers; i++) {
		strat_model_free(e->members[i].linear);
		strat_tree_free(e->members[i].tree);
		strat_qmlp_free(e->members[i].policy);
	}
	core_free(e);
}

/* ---- parsing -------------------------------------------------------------- */

#define MAX_TOK 16

static unsigned split(char *line, char **tok)
{
	char *hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	unsigned n = 0;
	for (char *p = line;;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		if (n == MAX_TOK)
			return MAX_TOK + 1;
		tok[n++] = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = '\0';
	}
	return n;
}

static int find_name(const char *const *names, unsigned n, const char *s)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(names[i], s))
			return (int)i;
	return -1;
}

/* A Q16 ratio in [0, 1] (confidence) from a decimal. */
static int parse_unit(const char *tok, int32_t *ret, const char **why)
{
	int64_t v;
	if (strat__parse_q16(tok, &v, why) < 0)
		return -EINVAL;
	if (v < 0 || v > FEATURE_ONE) {
		*why = "must lie in [0, 1]";
		return -EINVAL;
	}
	*ret = (int32_t)v;
	return 0;
}

static int parse_level(const char *tok, int32_t *ret, const char **why)
{
	int64_t v;
	if (strat__parse_q16(tok, &v, why) < 0)
		return -EINVAL;
	if (v < 0 || v > INT32_MAX) {
		*why = "level out of range [0, 32767]";
		return -EINVAL;
	}
	*ret = (int32_t)v;
	return 0;
}

static int parse_uint(const char *tok, uint64_t max, uint64_t *ret)
{
	char *end;
	if (!isdigit((unsigned char)*tok))
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(tok, &end, 10);
	if (*end || errno || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

void strat_ensemble_cfg_default(struct strat_ensemble_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->min_confidence = (int32_t)(FEATURE_ONE * 3 / 5); /* 60% */
	c->price = STRAT_PRICE_OPPOSITE;
	c->cooldown_ns = 0;
	c->id = 1;
	/* realized volatility (bps per tick) and |EMA cross| (bps) levels */
	c->regime.vol_enter = 3 * FEATURE_ONE;
	c->regime.vol_exit = 2 * FEATURE_ONE;
	c->regime.trend_enter = 6 * FEATURE_ONE;
	c->regime.trend_exit = 4 * FEATURE_ONE;
	c->regime.dwell = 100;
	static const struct strat_profile_cfg p[STRAT_PROFILE_COUNT] = {
		[STRAT_PROFILE_CONSERVATIVE] = { .min_confidence = FEATURE_ONE * 4 / 5, .qty = 50,
						 .hold_events = 2000 },
		[STRAT_PROFILE_BALANCED] = { .min_confidence = 0, .qty = 100, .hold_events = 500 },
		[STRAT_PROFILE_AGGRESSIVE] = { .min_confidence = 0, .qty = 200, .hold_events = 200 },
		[STRAT_PROFILE_CONTRARIAN] = { .min_confidence = FEATURE_ONE * 7 / 10, .qty = 100,
					       .hold_events = 500, .invert = true },
	};
	memcpy(c->profile, p, sizeof(p));
	c->select[STRAT_REGIME_RANGING] = STRAT_PROFILE_CONTRARIAN;
	c->select[STRAT_REGIME_TRENDING] = STRAT_PROFILE_AGGRESSIVE;
	c->select[STRAT_REGIME_VOLATILE] = STRAT_PROFILE_CONSERVATIVE;
}

/* Resolve a member file path relative to the ensemble file's folder. */
static void member_path(char *out, size_t cap, const char *base, const char *file)
{
	const char *slash = base ? strrchr(base, '/') : NULL;
	if (file[0] == '/' || !slash)
		snprintf(out, cap, "%s", file);
	else
		snprintf(out, cap, "%.*s/%s", (int)(slash - base), base, file);
}

/* Members being loaded on this thread: an ensemble met while loading a member
 * is refused at once (ensembles do not nest), so a file that names itself,
 * or two that name each other, cannot recurse until the stack runs out. */
static _Thread_local unsigned loading_members;

int strat__ensemble_parse(const char *name, const char *text, struct strat_ensemble **ret,
			  char *err, size_t errlen)
{
	if (loading_members) {
		core_errf(err, errlen, "%s: an ensemble as a member of an ensemble (ensembles do "
		          "not nest)", name);
		return -EINVAL;
	}
	struct strat_ensemble *e = core_alloc(sizeof(*e), CORE_CACHE_LINE);
	if (!e) {
		core_errf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	memset(e, 0, sizeof(*e));
	strat_ensemble_cfg_default(&e->cfg);
	char line[1024], whybuf[200], sub[512];
	const char *why = NULL;
	int lineno = 0, r = -EINVAL;
	bool header = false;
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		lineno++;
		const char *line_start = p;
		p += len + (nl ? 1 : 0);
		if (len >= sizeof(line)) {
			why = "line too long";
			goto fail_line;
		}
		memcpy(line, line_start, len);
		line[len] = '\0';
		char *tok[MAX_TOK];
		unsigned n = split(line, tok);
		if (n == 0)
			continue;
		if (n > MAX_TOK) {
			why = "too many values";
			goto fail_line;
		}
		if (!header) {
			if (n != 3 || strcmp(tok[0], "osprey-model") || strcmp(tok[1], "ensemble") ||
			    strcmp(tok[2], "v1")) {
				why = "expected header 'osprey-model ensemble v1'";
				goto fail_line;
			}
			header = true;
			continue;
		}
		uint64_t u;
		if (!strcmp(tok[0], "min_confidence") && n == 2) {
			if (parse_unit(tok[1], &e->cfg.min_confidence, &why) < 0)
				goto fail_line;
		} else if (!strcmp(tok[0], "id") && n == 2) {
			if (parse_uint(tok[1], 255, &u) < 0) {
				why = "id: want 0..255";
				goto fail_line;
			}
			e->cfg.id = (uint8_t)u;
		} else if (!strcmp(tok[0], "calibrate") && n == 3) {
			char *end1, *end2;
			double a = strtod(tok[1], &end1), b = strtod(tok[2], &end2);
			if (*end1 || *end2 || end1 == tok[1] || end2 == tok[2] || !isfinite(a) ||
			    !isfinite(b) || fabs(a) > 1e6 || fabs(b) > 1e6) {
				why = "calibrate: want two finite numbers A B (p = 1 / (1 + "
				      "exp(-(A v + B))))";
				goto fail_line;
			}
			e->cfg.calibrated = true;
			e->cfg.calib_a = a;
			e->cfg.calib_b = b;
		} else if (!strcmp(tok[0], "price") && n == 2) {
			if (!strcmp(tok[1], "opposite"))
				e->cfg.price = STRAT_PRICE_OPPOSITE;
			else if (!strcmp(tok[1], "join"))
				e->cfg.price = STRAT_PRICE_JOIN;
			else {
				why = "price: want 'opposite' or 'join'";
				goto fail_line;
			}
		} else if (!strcmp(tok[0], "cooldown_ns") && n == 2) {
			if (parse_uint(tok[1], UINT64_MAX / 2, &e->cfg.cooldown_ns) < 0) {
				why = "cooldown_ns: not a nanosecond count";
				goto fail_line;
			}
		} else if (!strcmp(tok[0], "schema") && n == 2) {
			char *end;
			errno = 0;
			unsigned long long h = strtoull(tok[1], &end, 16);
			if (strncmp(tok[1], "0x", 2) || strlen(tok[1]) != 18 || *end || errno) {
				why = "schema: want 0x and 16 hex digits";
				goto fail_line;
			}
			if (h != strat_feature_schema()) {
				snprintf(whybuf, sizeof(whybuf),
					 "schema 0x%016llx: built for other features (this engine's "
					 "are 0x%016llx)",
					 h, (unsigned long long)strat_feature_schema());
				why = whybuf;
				goto fail_line;
			}
			e->cfg.schema = h;
		} else if (!strcmp(tok[0], "regime")) {
			/* regime KEY VALUE ...: vol_enter vol_exit trend_enter trend_exit dwell */
			if (n % 2 != 1) {
				why = "regime: want KEY VALUE pairs";
				goto fail_line;
			}
			struct strat_regime_cfg *rc = &e->cfg.regime;
			for (unsigned i = 1; i < n; i += 2) {
				int32_t *lv = !strcmp(tok[i], "vol_enter")     ? &rc->vol_enter
					      : !strcmp(tok[i], "vol_exit")    ? &rc->vol_exit
					      : !strcmp(tok[i], "trend_enter") ? &rc->trend_enter
					      : !strcmp(tok[i], "trend_exit")  ? &rc->trend_exit
									       : NULL;
				if (lv) {
					if (parse_level(tok[i + 1], lv, &why) < 0)
						goto fail_line;
				} else if (!strcmp(tok[i], "dwell")) {
					if (parse_uint(tok[i + 1], 1000000, &u) < 0 || u == 0) {
						why = "dwell: want 1..1000000 events";
						goto fail_line;
					}
					rc->dwell = (uint32_t)u;
				} else {
					snprintf(whybuf, sizeof(whybuf), "regime: unknown key '%.20s'",
						 tok[i]);
					why = whybuf;
					goto fail_line;
				}
			}
			if (rc->vol_exit > rc->vol_enter || rc->trend_exit > rc->trend_enter) {
				why = "regime: an exit level above its enter level (no hysteresis)";
				goto fail_line;
			}
		} else if (!strcmp(tok[0], "profile") && n >= 2) {
			int pi = find_name(profile_names, STRAT_PROFILE_COUNT, tok[1]);
			if (pi < 0) {
				snprintf(whybuf, sizeof(whybuf),
					 "profile '%.20s': want conservative, balanced, aggressive or "
					 "contrarian",
					 tok[1]);
				why = whybuf;
				goto fail_line;
			}
			struct strat_profile_cfg *pc = &e->cfg.profile[pi];
			pc->invert = false;
			for (unsigned i = 2; i < n; i++) {
				if (!strcmp(tok[i], "invert")) {
					pc->invert = true;
					continue;
				}
				if (i + 1 >= n) {
					why = "profile: a key without a value";
					goto fail_line;
				}
				if (!strcmp(tok[i], "min_confidence")) {
					if (parse_unit(tok[++i], &pc->min_confidence, &why) < 0)
						goto fail_line;
				} else if (!strcmp(tok[i], "qty")) {
					if (parse_uint(tok[++i], 1000000, &u) < 0 || u == 0) {
						why = "profile qty: want 1..1000000";
						goto fail_line;
					}
					pc->qty = (uint32_t)u;
				} else if (!strcmp(tok[i], "hold")) {
					if (parse_uint(tok[++i], UINT32_MAX, &u) < 0) {
						why = "profile hold: want an event count";
						goto fail_line;
					}
					pc->hold_events = (uint32_t)u;
				} else {
					snprintf(whybuf, sizeof(whybuf), "profile: unknown key '%.20s'",
						 tok[i]);
					why = whybuf;
					goto fail_line;
				}
			}
		} else if (!strcmp(tok[0], "select") && n == 3) {
			int ri = find_name(regime_names, STRAT_REGIME_COUNT, tok[1]);
			int pi = find_name(profile_names, STRAT_PROFILE_COUNT, tok[2]);
			if (ri < 0 || pi < 0) {
				why = "select: want REGIME (trending, ranging, volatile) PROFILE";
				goto fail_line;
			}
			e->cfg.select[ri] = (enum strat_profile)pi;
		} else if (!strcmp(tok[0], "member") && n >= 5 && !strcmp(tok[2], "weight")) {
			if (e->nmembers == STRAT_ENSEMBLE_MAX_MEMBERS) {
				why = "too many members";
				goto fail_line;
			}
			struct member *m = &e->members[e->nmembers];
			if (strlen(tok[1]) >= sizeof(m->name)) {
				why = "member name longer than 31 characters";
				goto fail_line;
			}
			snprintf(m->name, sizeof(m->name), "%s", tok[1]);
			if (strat__parse_q16(tok[3], &m->weight, &why) < 0)
				goto fail_line;
			if (m->weight <= 0 || m->weight > 1024 * FEATURE_ONE) {
				why = "member weight must be > 0 and <= 1024";
				goto fail_line;
			}
			if (!strcmp(tok[4], "linear") && n == 6) {
				/* a linear model in its own file */
				member_path(sub, sizeof(sub), name, tok[5]);
				char terr[300];
				struct strat_model_info mi;
				loading_members++;
				r = strat_model_load(sub, &m->linear, terr, sizeof(terr));
				loading_members--;
				if (r == 0 && strat_model_ensemble(m->linear)) {
					r = -EINVAL;
					snprintf(terr, sizeof(terr), "%.200s: an ensemble, not a "
						 "linear model (ensembles do not nest)", sub);
				}
				if (r < 0) {
					core_errf(err, errlen, "%s:%d: member %s: %s", name, lineno,
					          m->name, terr);
					goto fail;
				}
				r = -EINVAL;
				m->kind = MEMBER_LINEAR;
				strat_model_info(m->linear, &mi);
				m->nfeatures = mi.nfeatures;
			} else if (!strcmp(tok[4], "linear") && n == 5) {
				/* the member's lines, up to "end", are a linear model; blank
				 * lines in front keep its line numbers those of this file */
				int start = lineno;
				const char *body = p, *q = p;
				int l = lineno;
				for (;;) {
					if (!*q) {
						why = "member without its 'end' line";
						goto fail_line;
					}
					const char *e2 = strchr(q, '\n');
					size_t ll = e2 ? (size_t)(e2 - q) : strlen(q);
					l++;
					char tmp[64];
					snprintf(tmp, sizeof(tmp), "%.*s", (int)(ll < 63 ? ll : 63), q);
					char *t2[MAX_TOK];
					unsigned n2 = split(tmp, t2);
					if (n2 == 1 && !strcmp(t2[0], "end"))
						break;
					q += ll + (e2 ? 1 : 0);
				}
				size_t blen = (size_t)(q - body);
				size_t need = 32 + (size_t)start + blen;
				char *txt = malloc(need);
				if (!txt) {
					r = -ENOMEM;
					core_errf(err, errlen, "%s: out of memory", name);
					goto fail;
				}
				int off = snprintf(txt, need, "osprey-model linear v1\n");
				for (int k = 1; k < start; k++)
					txt[off++] = '\n';
				memcpy(txt + off, body, blen);
				txt[off + (int)blen] = '\0';
				r = strat_model_parse(name, txt, &m->linear, err, errlen);
				free(txt);
				if (r < 0)
					goto fail;
				r = -EINVAL;
				m->kind = MEMBER_LINEAR;
				struct strat_model_info mi;
				strat_model_info(m->linear, &mi);
				m->nfeatures = mi.nfeatures;
				/* continue after the "end" line */
				lineno = l;
				const char *e2 = strchr(q, '\n');
				p = e2 ? e2 + 1 : q + strlen(q);
			} else if (!strcmp(tok[4], "tree") && n == 6) {
				member_path(sub, sizeof(sub), name, tok[5]);
				char terr[300];
				r = strat_tree_load(sub, 0, &m->tree, terr, sizeof(terr));
				if (r < 0) {
					core_errf(err, errlen, "%s:%d: member %s: %s", name, lineno,
					          m->name, terr);
					goto fail;
				}
				r = -EINVAL;
				struct strat_tree_info ti;
				strat_tree_info(m->tree, &ti);
				if (strat_tree_check_schema(m->tree, terr, sizeof(terr)) < 0) {
					snprintf(whybuf, sizeof(whybuf), "member %.31s: %.150s", m->name,
						 terr);
					why = whybuf;
					goto fail_line;
				}
				if (ti.objective != STRAT_TREE_BINARY_LOGISTIC) {
					why = "tree member: want a binary:logistic model (its vote is "
					      "2p - 1)";
					goto fail_line;
				}
				m->kind = MEMBER_TREE;
				m->nfeatures = ti.nfeatures;
			} else if (!strcmp(tok[4], "policy") && n == 6) {
				member_path(sub, sizeof(sub), name, tok[5]);
				static const char *const extra[] = { "position" };
				char terr[300];
				r = strat_qmlp_load(sub, strat_nn_schema_hash(extra, 1), &m->policy, terr,
						    sizeof(terr));
				if (r < 0) {
					core_errf(err, errlen, "%s:%d: member %s: %s", name, lineno,
					          m->name, terr);
					goto fail;
				}
				r = -EINVAL;
				struct strat_qmlp_info qi;
				strat_qmlp_info(m->policy, &qi);
				if (qi.sizes[0] != STRAT_FEATURE_COUNT + 1 ||
				    qi.sizes[qi.nsizes - 1] != STRAT_ACT_COUNT) {
					why = "policy member: want a DQN policy (features + position in, "
					      "hold/buy/sell out)";
					goto fail_line;
				}
				m->kind = MEMBER_POLICY;
				m->nfeatures = STRAT_FEATURE_COUNT;
			} else {
				why = "member NAME weight W linear (then its lines and 'end'), or "
				      "member NAME weight W linear|tree|policy FILE";
				goto fail_line;
			}
			e->weight_sum += m->weight;
			e->nmembers++;
		} else {
			snprintf(whybuf, sizeof(whybuf), "unknown or malformed line '%.24s'", tok[0]);
			why = whybuf;
			goto fail_line;
		}
	}
	if (!header) {
		why = "empty model (no 'osprey-model ensemble v1' header)";
		goto fail_line;
	}
	if (e->nmembers == 0) {
		why = "an ensemble needs at least one member";
		goto fail_line;
	}
	plan(e);
	*ret = e;
	return 0;

fail_line:
	core_errf(err, errlen, "%s:%d: %s", name, lineno, why);
fail:
	if (e->nmembers < STRAT_ENSEMBLE_MAX_MEMBERS) {
		/* the member being read when it failed is not counted yet */
		struct member *m = &e->members[e->nmembers];
		strat_model_free(m->linear);
		strat_tree_free(m->tree);
		strat_qmlp_free(m->policy);
	}
	strat__ensemble_free(e);
	return r;
}

uint32_t strat__ensemble_nfeatures(const struct strat_ensemble *e)
{
	uint32_t n = 0;
	for (unsigned i = 0; i < e->nmembers; i++)
		if (e->members[i].nfeatures > n)
			n = e->members[i].nfeatures;
	return n;
}

int strat__ensemble_single(const char *name, struct strat_tree_model *tree,
			   struct strat_qmlp *policy, struct strat_ensemble **ret, char *err,
			   size_t errlen)
{
	struct strat_ensemble *e = core_alloc(sizeof(*e), CORE_CACHE_LINE);
	if (!e) {
		strat_tree_free(tree);
		strat_qmlp_free(policy);
		core_errf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	memset(e, 0, sizeof(*e));
	strat_ensemble_cfg_default(&e->cfg);
	struct member *m = &e->members[0];
	m->weight = FEATURE_ONE;
	if (tree) {
		struct strat_tree_info ti;
		strat_tree_info(tree, &ti);
		snprintf(m->name, sizeof(m->name), "trees");
		m->kind = MEMBER_TREE;
		m->tree = tree;
		m->nfeatures = ti.nfeatures;
		if (ti.objective != STRAT_TREE_BINARY_LOGISTIC) {
			core_errf(err, errlen,
			          "%s: a tree model runs on its own only as "
			          "binary:logistic (its vote is 2p - 1)",
			          name);
			e->nmembers = 1;
			strat__ensemble_free(e);
			return -EINVAL;
		}
	} else {
		snprintf(m->name, sizeof(m->name), "policy");
		m->kind = MEMBER_POLICY;
		m->policy = policy;
		m->nfeatures = STRAT_FEATURE_COUNT;
	}
	e->nmembers = 1;
	e->weight_sum = m->weight;
	plan(e);
	*ret = e;
	return 0;
}

unsigned strat__ensemble_spans(const struct strat_ensemble *e, struct strat__span *out,
                               unsigned cap)
{
	unsigned n = 0;
	for (unsigned i = 0; i < e->nmembers && n + 2 <= cap; i++) {
		const struct member *m = &e->members[i];
		if (m->tree) {
			/* what the kernels read: the packed nodes and the leaves */
			const struct strat_tree_model *t = m->tree;
			out[n++] = (struct strat__span){ (const unsigned char *)t->node,
				                         (size_t)t->ntrees_pad * t->ni *
				                                 sizeof(*t->node) };
			out[n++] = (struct strat__span){ (const unsigned char *)t->leaf,
				                         (size_t)t->ntrees_pad * t->nl *
				                                 sizeof(*t->leaf) };
		} else if (m->policy) {
			out[n++] = (struct strat__span){ m->policy->mem, m->policy->mem_len };
		}
	}
	return n;
}
