/* strat_internal.h - private to the strategy library. */
#ifndef OSPREY_STRAT_INTERNAL_H
#define OSPREY_STRAT_INTERNAL_H

#include <stdarg.h>
#include <stdio.h>

#include "strategy.h"

int64_t strat__div_round(int64_t a, int64_t b);
int32_t strat__sat32(__int128 v);

/* The model is immutable after load, so any number of stages may share it. */
struct strat_model {
	struct strat_model_info info;
	int64_t threshold_q32; /* threshold << 16 */
	int64_t bias_q32;      /* bias << 16 */
	struct strat_ensemble *ens; /* an ensemble model (info then summarizes it); NULL: linear */
	char *text;                 /* an ensemble's source text (learn.h's strat_model_format) */
};

/* The memory a model reads when it decides: what the decision stage keeps
 * warm in the cache between decisions (decide.c). */
struct strat__span {
	const unsigned char *p;
	size_t len;
};
#define STRAT__MAX_SPANS 16
/* ensemble.c: the spans of an ensemble's members; returns how many (<= cap). */
unsigned strat__ensemble_spans(const struct strat_ensemble *e, struct strat__span *out,
                               unsigned cap);

/* model.c: a decimal "[-+]digits[.digits]" into Q16, rounding half away from
 * zero, integer arithmetic only. 0, or -EINVAL with *why set. */
int strat__parse_q16(const char *tok, int64_t *ret, const char **why);
/* ensemble.c */
int strat__ensemble_parse(const char *name, const char *text, struct strat_ensemble **ret,
			  char *err, size_t errlen);
void strat__ensemble_free(struct strat_ensemble *e);
uint32_t strat__ensemble_nfeatures(const struct strat_ensemble *e);
/* A one-member ensemble with the default regime and profiles around a tree
 * model or a policy (exactly one non-NULL; ownership passes, even on error). */
int strat__ensemble_single(const char *name, struct strat_tree_model *tree,
			   struct strat_qmlp *policy, struct strat_ensemble **ret, char *err,
			   size_t errlen);

/* Q32 score: bias << 16 + sum w_i * f_i. |w| <= 2^26, |f| < 2^31, n <= 22: no overflow. */
static inline int64_t strat__score_q32(const struct strat_model *m, const int32_t *f)
{
	int64_t acc = m->bias_q32;
	for (uint32_t i = 0; i < m->info.nfeatures; i++)
		acc += (int64_t)m->info.weights[i] * f[i];
	return acc;
}

/* Instrument pool lookup: locate -> index + 1 (0: not yet assigned). */
struct strat__pool {
	uint32_t *map;  /* 65536 entries */
	uint32_t cap;
	uint32_t used;
};

#endif
