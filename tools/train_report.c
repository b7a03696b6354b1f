/* train_report.c - a training run's report (train_report.h). */
#define _GNU_SOURCE /* open_memstream */
#include "train_report.h"

#include "json.h"
#include "report_html.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#define MAX_ROWS 64 /* parts, metrics rows, folds, settings */
#define MAX_FEATURES 256
#define BINS 10

struct part {
	char name[16];
	size_t rows;
	double up_pct;
	uint64_t from, to;
};

struct mrow {
	char part[16], who[32];
	struct train_metrics m;
};

struct fold {
	long fold;
	size_t ntrain, ntest;
	struct train_metrics model, majority, momentum;
};

/* Four numbers per step (a round, an episode), growing. */
struct steps {
	double *v;
	size_t n, cap;
};

static bool steps_add(struct steps *s, double a, double b, double c, double d)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 128;
		double *p = realloc(s->v, cap * 4 * sizeof(double));
		if (!p)
			return false;
		s->v = p;
		s->cap = cap;
	}
	double *v = &s->v[4 * s->n++];
	v[0] = a, v[1] = b, v[2] = c, v[3] = d;
	return true;
}

static void steps_json(struct json_out *j, const char *key, const struct steps *s,
		       const char *const names[4], bool oom)
{
	json_obj(j, key);
	for (int k = 0; k < 4; k++) {
		json_arr(j, names[k]);
		for (size_t i = 0; i < s->n; i++)
			json_f64(j, NULL, s->v[4 * i + k], 6);
		json_end(j);
	}
	json_bool(j, "incomplete", oom);
	json_end(j);
}

struct policy {
	char name[24];
	double pnl, sharpe, max_dd, win_rate, pf;
	uint64_t fills, trades;
};

struct imp {
	char feature[48];
	double gain;
};

struct train_report {
	char model[16], source[512];
	struct {
		char key[24];
		double v;
	} setting[MAX_ROWS];
	unsigned nsetting, npart, nmetrics, nfold, nimp;
	struct part part[4];
	size_t purged;
	struct steps rounds;   /* train and validation logloss, train and validation AUC */
	struct steps episodes; /* reward, loss, pnl, epsilon */
	bool oom;
	struct policy policy[16];
	unsigned npolicy;
	struct mrow metrics[MAX_ROWS];
	int verdict; /* -1 none, 0 does not beat, 1 beats */
	struct fold fold[MAX_ROWS];
	struct imp imp[MAX_FEATURES];
	struct {
		size_t n;
		double pred, up;
	} bin[BINS];
	bool calibrated;
};

struct train_report *train_report_create(const char *model, const char *source)
{
	struct train_report *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	snprintf(r->model, sizeof(r->model), "%s", model);
	snprintf(r->source, sizeof(r->source), "%s", source);
	r->verdict = -1;
	return r;
}

void train_report_destroy(struct train_report *r)
{
	if (r) {
		free(r->rounds.v);
		free(r->episodes.v);
	}
	free(r);
}

void train_report_setting(struct train_report *r, const char *key, double value)
{
	if (r->nsetting < MAX_ROWS) {
		snprintf(r->setting[r->nsetting].key, sizeof(r->setting[0].key), "%s", key);
		r->setting[r->nsetting++].v = value;
	}
}

void train_report_part(struct train_report *r, const char *name, size_t rows, double up_pct,
		       uint64_t ts_from, uint64_t ts_to)
{
	if (r->npart < 4) {
		struct part *p = &r->part[r->npart++];
		snprintf(p->name, sizeof(p->name), "%s", name);
		p->rows = rows;
		p->up_pct = up_pct;
		p->from = ts_from;
		p->to = ts_to;
	}
}

void train_report_purged(struct train_report *r, size_t rows)
{
	r->purged = rows;
}

void train_report_round(struct train_report *r, double train_ll, double valid_ll,
			double train_auc, double valid_auc)
{
	if (!steps_add(&r->rounds, train_ll, valid_ll, train_auc, valid_auc))
		r->oom = true;
}

void train_report_episode(struct train_report *r, double reward, double loss, double pnl,
			  double epsilon)
{
	if (!steps_add(&r->episodes, reward, loss, pnl, epsilon))
		r->oom = true;
}

void train_report_policy(struct train_report *r, const char *name, double pnl, double sharpe,
			 double max_dd, double win_rate, double profit_factor, uint64_t fills,
			 uint64_t trades)
{
	if (r->npolicy < 16) {
		struct policy *p = &r->policy[r->npolicy++];
		snprintf(p->name, sizeof(p->name), "%s", name);
		p->pnl = pnl, p->sharpe = sharpe, p->max_dd = max_dd, p->win_rate = win_rate;
		p->pf = profit_factor, p->fills = fills, p->trades = trades;
	}
}

void train_report_metrics(struct train_report *r, const char *part, const char *who,
			  struct train_metrics m)
{
	if (r->nmetrics < MAX_ROWS) {
		struct mrow *x = &r->metrics[r->nmetrics++];
		snprintf(x->part, sizeof(x->part), "%s", part);
		snprintf(x->who, sizeof(x->who), "%s", who);
		x->m = m;
	}
}

void train_report_verdict(struct train_report *r, bool beats)
{
	r->verdict = beats;
}

void train_report_fold(struct train_report *r, long fold, size_t ntrain, size_t ntest,
		       struct train_metrics model, struct train_metrics majority,
		       struct train_metrics momentum)
{
	if (r->nfold < MAX_ROWS)
		r->fold[r->nfold++] = (struct fold){ fold, ntrain, ntest, model, majority, momentum };
}

void train_report_importance(struct train_report *r, const char *feature, double gain)
{
	if (r->nimp < MAX_FEATURES) {
		snprintf(r->imp[r->nimp].feature, sizeof(r->imp[0].feature), "%s", feature);
		r->imp[r->nimp++].gain = gain;
	}
}

void train_report_calibration(struct train_report *r, const double *p, const float *y, size_t n)
{
	memset(r->bin, 0, sizeof(r->bin));
	for (size_t i = 0; i < n; i++) {
		int b = (int)(p[i] * BINS);
		b = b < 0 ? 0 : b >= BINS ? BINS - 1 : b;
		r->bin[b].n++;
		r->bin[b].pred += p[i];
		r->bin[b].up += y[i] > 0.5f;
	}
	r->calibrated = true;
}

static void metrics_json(struct json_out *j, const char *key, struct train_metrics m)
{
	json_obj(j, key);
	json_f64(j, "acc", m.acc, 6);
	json_f64(j, "auc", m.auc, 6);
	if (m.has_logloss)
		json_f64(j, "logloss", m.logloss, 6);
	else
		json_null(j, "logloss");
	json_end(j);
}

static int by_gain(const void *a, const void *b)
{
	double x = ((const struct imp *)a)->gain, y = ((const struct imp *)b)->gain;
	return x < y ? 1 : x > y ? -1 : 0;
}

static void report_json(struct train_report *r, FILE *f)
{
	struct json_out j;
	json_begin(&j, f);
	json_str(&j, "kind", "training");
	json_str(&j, "model", r->model);
	json_str(&j, "source", r->source);
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	json_str(&j, "generated", when);
	struct utsname u;
	if (uname(&u) == 0)
		json_str(&j, "host", u.nodename);
	json_obj(&j, "settings");
	for (unsigned i = 0; i < r->nsetting; i++)
		json_f64(&j, r->setting[i].key, r->setting[i].v, 6);
	json_end(&j);
	json_arr(&j, "parts");
	for (unsigned i = 0; i < r->npart; i++) {
		json_obj(&j, NULL);
		json_str(&j, "name", r->part[i].name);
		json_u64(&j, "rows", r->part[i].rows);
		json_f64(&j, "up_pct", r->part[i].up_pct, 2);
		json_u64(&j, "ts_from_ns", r->part[i].from);
		json_u64(&j, "ts_to_ns", r->part[i].to);
		json_end(&j);
	}
	json_end(&j);
	json_u64(&j, "purged", r->purged);
	static const char *const rk[4] = { "train_logloss", "valid_logloss", "train_auc",
		                           "valid_auc" };
	steps_json(&j, "rounds", &r->rounds, rk, r->oom);
	static const char *const ek[4] = { "reward", "loss", "pnl", "epsilon" };
	steps_json(&j, "episodes", &r->episodes, ek, r->oom);
	json_arr(&j, "policies"); /* held-out evaluation */
	for (unsigned i = 0; i < r->npolicy; i++) {
		const struct policy *p = &r->policy[i];
		json_obj(&j, NULL);
		json_str(&j, "name", p->name);
		json_f64(&j, "pnl", p->pnl, 4);
		json_f64(&j, "sharpe", p->sharpe, 6);
		json_f64(&j, "max_drawdown", p->max_dd, 4);
		json_f64(&j, "win_rate", p->win_rate, 6);
		json_f64(&j, "profit_factor", p->pf, 6);
		json_u64(&j, "fills", p->fills);
		json_u64(&j, "trades", p->trades);
		json_end(&j);
	}
	json_end(&j);
	json_arr(&j, "metrics");
	for (unsigned i = 0; i < r->nmetrics; i++) {
		json_obj(&j, NULL);
		json_str(&j, "part", r->metrics[i].part);
		json_str(&j, "who", r->metrics[i].who);
		metrics_json(&j, "m", r->metrics[i].m);
		json_end(&j);
	}
	json_end(&j);
	if (r->verdict >= 0)
		json_bool(&j, "beats_baselines", r->verdict == 1);
	json_arr(&j, "folds");
	for (unsigned i = 0; i < r->nfold; i++) {
		const struct fold *x = &r->fold[i];
		json_obj(&j, NULL);
		json_i64(&j, "fold", x->fold);
		json_u64(&j, "train_rows", x->ntrain);
		json_u64(&j, "test_rows", x->ntest);
		metrics_json(&j, "model", x->model);
		metrics_json(&j, "majority", x->majority);
		metrics_json(&j, "momentum", x->momentum);
		json_end(&j);
	}
	json_end(&j);
	qsort(r->imp, r->nimp, sizeof(r->imp[0]), by_gain);
	json_arr(&j, "importance"); /* total gain, largest first */
	for (unsigned i = 0; i < r->nimp; i++) {
		json_obj(&j, NULL);
		json_str(&j, "feature", r->imp[i].feature);
		json_f64(&j, "gain", r->imp[i].gain, 6);
		json_end(&j);
	}
	json_end(&j);
	json_arr(&j, "calibration"); /* the test part, ten bins of predicted probability */
	for (int b = 0; r->calibrated && b < BINS; b++) {
		json_obj(&j, NULL);
		json_f64(&j, "from", (double)b / BINS, 1);
		json_f64(&j, "to", (double)(b + 1) / BINS, 1);
		json_u64(&j, "rows", r->bin[b].n);
		json_f64(&j, "mean_predicted", r->bin[b].n ? r->bin[b].pred / (double)r->bin[b].n : NAN, 6);
		json_f64(&j, "observed_up", r->bin[b].n ? r->bin[b].up / (double)r->bin[b].n : NAN, 6);
		json_end(&j);
	}
	json_end(&j);
	json_end(&j);
}

int train_report_write(struct train_report *r, const char *path, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	report_json(r, f);
	if (fclose(f) != 0) {
		free(buf);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	const char *base = strrchr(path, '/');
	struct report_run run = { .json = buf, .len = len, .label = base ? base + 1 : path };
	int rc = report_html_file(path, &run, 1, err, errlen);
	free(buf);
	return rc;
}
