/* osprey-train - train a tree ensemble on the engine's own features.
 * One long file on purpose: a tool's main() with its flag parsing, data
 * loading, split, training, evaluation and report, read top to bottom.
 *
 *   osprey-train --kind gbtree|rf (--itch FILE | --csv BARS.csv) [--horizon N] [--seed S]
 *                [--trees N] [--depth D] [--eta X] [--tree-method hist|exact] [--threads N]
 *                [--walk-forward K] -o MODEL.otree [--json-out MODEL.json]
 *                [--features-out FILE.csv]
 *
 * Features: the capture goes through the feeds stage and the features stage
 * over rings, exactly as in the engine (the same code, in batch). Every warm
 * feature vector is a row (f[0 .. STRAT_FEATURE_COUNT-1], Q16 integers).
 * --csv takes OHLCV bars instead (a header row; the close is the "Close"
 * column, or the last column when there is none, e.g. "Time,USDCHF"; "Open"
 * and "Volume" are used when present). Each bar becomes one md_event fed to the
 * same features stage: a trade of the bar's volume (1 without volume) at the
 * close, buyer-initiated when the close is above the open (or the previous
 * close), with a one-sided-free book bid = ask = close (so the spread,
 * imbalance and microprice features are 0 and the price features see the
 * closes); ts_ns and seq are the bar's 1-based index.
 * Label: the sign of the change of the mid (bid + ask) over the next N feature
 * vectors of the same instrument (default 50); rows with no change or with
 * fewer than N later vectors are dropped.
 * Split by time, never shuffled: the first 60% of labelled rows train, the next
 * 20% validate, the last 20% test. A row whose label looks past the start of
 * the next part is purged, so no label leaks across a boundary.
 * Training: XGBoost's C API, binary:logistic, nthread 1 by default and the
 * given seed, so the same arguments give the same model file bit for bit.
 * --kind gbtree: --trees boosting rounds (default 100) with learning rate --eta
 * (0.1); --kind rf: one round of --trees parallel trees (XGBoost's random
 * forest: subsample 0.8, colsample_bynode 0.8, learning rate 1).
 * Report: accuracy, AUC and log loss on validation and test, next to two
 * baselines (the training set's majority class; momentum: the sign of the
 * 8-tick return), and whether the model beats them. The model goes through
 * XGBoost's JSON, is imported by our loader, checked to select XGBoost's leaves
 * and margins on every test row, and written in our format (-o).
 * --walk-forward K: also K expanding-window folds over the labelled rows (cut
 * into K + 1 time blocks; fold i trains on blocks 0 .. i-1, purged, and tests
 * on block i), each next to its baselines, and their mean.
 * --features-out writes the test rows as a CSV that osprey-model predict reads.
 * Exit 0, 1 on failure, 2 on usage. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>

#include <xgboost/c_api.h>

#include "feeds.h"
#include "progress.h"
#include "train_calibrate.h"
#include "train_report.h"
#include "persist.h"
#include "learn.h"

#define NF STRAT_FEATURE_COUNT

struct row {
	int32_t f[NF];
	int64_t mid2;
	uint64_t ts_ns;
	uint16_t locate;
};

struct opts {
	const char *kind, *itch, *csv, *out, *json_out, *features_out, *tree_method;
	const char *db, *name; /* register the model in this LMDB registry under name */
	const char *weigh[STRAT_ENSEMBLE_MAX_MEMBERS]; /* --kind weigh: "NAME=FILE" members */
	const char *model; /* --kind calibrate: the ensemble to calibrate */
	unsigned nweigh;
	long horizon, trees, depth, threads, walk;
	unsigned long long seed;
	double eta;
	bool activate;  /* --activate-margin given: the registry's activation gate */
	double margin;  /* the test AUC the new version must add to the active one's */
	bool quiet; /* no progress line */
	const char *report; /* --report FILE.html */
};

static void usage(FILE *f)
{
	fprintf(f, "usage: osprey-train --kind gbtree|rf (--itch FILE | --csv BARS.csv) [--horizon N]\n"
		   "                    [--seed S] [--trees N] [--depth D] [--eta X]\n"
		   "                    [--tree-method hist|exact] [--threads N]\n"
		   "                    [--walk-forward K] -o MODEL.otree [--json-out MODEL.json] [--features-out F.csv]\n"
		   "  --kind         gbtree (boosted) or rf (random forest)\n"
		   "  --itch FILE    capture to build features from: ITCH day file, MoldUDP64\n"
		   "                 pcap/pcapng, or Binance/Bybit JSON (alias --capture)\n"
		   "  --csv FILE     or OHLCV bars (header row; Close or last column; Open, Volume)\n"
		   "  --horizon N    label: sign of the mid change over the next N vectors (50)\n"
		   "  --seed S       XGBoost seed (default 1)\n"
		   "  --trees N      boosting rounds (gbtree) or forest size (rf) (default 100)\n"
		   "  --depth D      max tree depth, 1..%d (default 6)\n"
		   "  --eta X        gbtree learning rate (default 0.1)\n"
		   "  --tree-method  hist (default) or exact\n"
		   "  --threads N    XGBoost threads (default 1: reproducible)\n"
		   "  --walk-forward K  also evaluate K expanding-window folds (default 0: none)\n"
		   "  -o FILE        our model file (.otree)\n"
		   "  --json-out F   XGBoost's JSON model as well\n"
		   "  --quiet        no progress line (drawn on stderr only when it is a terminal)\n"
		   "  --report F     write the training report (HTML, self-contained): loss and AUC per\n"
		   "                 round, metrics next to the baselines, walk-forward folds, feature\n"
		   "                 importance, the reliability table\n"
		   "  --kind reference -o REF  no training: every feature's deciles over the training\n"
		   "                 period, for the engine's drift monitor ([strategy] drift_reference)\n"
		   "  --kind calibrate --model ENSEMBLE [-o OUT]  no training: Platt-scale the\n"
		   "                 ensemble's vote on the validation period, judge it on the test\n"
		   "                 period (reliability, log loss, Brier), write OUT with 'calibrate A B'\n"
		   "  --kind weigh --member NAME=FILE ...  no training: score existing models (linear,\n"
		   "                 ensemble, .otree, .onn) on the validation and test periods and\n"
		   "                 print ensemble member lines weighted by validation AUC - 0.5\n"
		   "  --activate-margin X  with --db: make the new version the active one only if it\n"
		   "                 beats its baselines and the active model's test AUC by X\n"
		   "  --db DIR --name NAME  also store the model in the engine's registry (LMDB) as\n"
		   "                 NAME's next version, with its data range and test metrics\n"
		   "  --features-out F  the test rows as CSV (features, then the label)\n",
		STRAT_TREE_MAX_DEPTH);
}

#define XGB(call)                                                                     \
	do {                                                                          \
		if ((call) != 0) {                                                    \
			fprintf(stderr, "osprey-train: %s: %s\n", #call, XGBGetLastError()); \
			goto fail;                                                    \
		}                                                                     \
	} while (0)

/* ------------------------------------------------------------------------- */
/* Features through the engine's stages */

/* OHLCV bars -> md_events (see the header comment). */
static int read_bars(const char *path, struct md_event **ret, size_t *ret_n)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "osprey-train: %s: %s\n", path, strerror(errno));
		return -1;
	}
	char line[4096];
	int ccol = -1, ocol = -1, vcol = -1, ncol = 0, rc = -1;
	size_t cap = 1024, n = 0;
	unsigned long ln = 1;
	struct md_event *ev = malloc(cap * sizeof(*ev));
	if (!ev || !fgets(line, sizeof(line), f)) {
		fprintf(stderr, "osprey-train: %s: empty file or out of memory\n", path);
		goto out;
	}
	for (char *tok = strtok(line, ",\r\n"); tok; tok = strtok(NULL, ",\r\n"), ncol++) {
		if (!strcasecmp(tok, "close"))
			ccol = ncol;
		else if (!strcasecmp(tok, "open"))
			ocol = ncol;
		else if (!strcasecmp(tok, "volume"))
			vcol = ncol;
	}
	if (ccol < 0)
		ccol = ncol - 1;
	if (ncol < 2) {
		fprintf(stderr, "osprey-train: %s:1: want a header with at least 2 columns\n", path);
		goto out;
	}
	int64_t prev = 0;
	while (fgets(line, sizeof(line), f)) {
		ln++;
		double v[64] = { 0 };
		int k = 0;
		char *p = line;
		for (; k < ncol && k < 64; k++) {
			char *end = p;
			if (k == ccol || k == ocol || k == vcol) {
				v[k] = strtod(p, &end);
				if (end == p || !(v[k] >= 0 && v[k] < 4e9)) {
					fprintf(stderr, "osprey-train: %s:%lu: column %d: want a number "
						"in [0, 4e9)\n", path, ln, k + 1);
					goto out;
				}
			}
			p = strchr(end, ',');
			if (!p)
				break;
			p++;
		}
		if (k + 1 < ncol && k < 63) {
			fprintf(stderr, "osprey-train: %s:%lu: %d columns, want %d\n", path, ln, k + 1,
				ncol);
			goto out;
		}
		int64_t close = llround(v[ccol] * 10000), open = ocol >= 0 ? llround(v[ocol] * 10000) : prev;
		if (close <= 0 || close > UINT32_MAX) {
			fprintf(stderr, "osprey-train: %s:%lu: close out of range\n", path, ln);
			goto out;
		}
		if (n + 2 > cap) {
			cap *= 2;
			struct md_event *ne = realloc(ev, cap * sizeof(*ev));
			if (!ne) {
				fprintf(stderr, "osprey-train: out of memory\n");
				goto out;
			}
			ev = ne;
		}
		double vol = vcol >= 0 ? v[vcol] : 1;
		struct md_event *e = &ev[n++];
		memset(e, 0, sizeof(*e));
		e->ts_ns = e->seq = n;
		e->kind = MD_TRADE;
		e->side = close > open ? 'S' : 'B';
		e->qty = vol < 1 ? 1 : vol > UINT32_MAX ? UINT32_MAX : (uint32_t)vol;
		e->px = e->bid_px = e->ask_px = (uint32_t)close;
		e->bid_qty = e->ask_qty = 1;
		e->locate = 1;
		prev = close;
	}
	if (n == 0) {
		fprintf(stderr, "osprey-train: %s: no bars\n", path);
		goto out;
	}
	memset(&ev[n], 0, sizeof(ev[n]));
	ev[n].kind = MD_EOS;
	ev[n].seq = ev[n].ts_ns = n + 1;
	n++;
	*ret = ev;
	*ret_n = n;
	ev = NULL;
	rc = 0;
out:
	free(ev);
	fclose(f);
	return rc;
}

static int build_rows(const char *path, const struct md_event *bars, size_t nbars, struct row **ret,
		      size_t *ret_n)
{
	const char *paths[1] = { path };
	struct core_ring *md = core_ring_create("md", 4096, sizeof(struct md_event));
	struct core_ring *fv = core_ring_create("fv", 4096, sizeof(struct feature_vec));
	char err[512];
	struct feeds_stage *fs = NULL;
	struct strat_features *sf = NULL;
	size_t cap = 1 << 16, n = 0;
	struct row *rows = malloc(cap * sizeof(*rows));
	int rc = 1;
	if (!md || !fv || !rows) {
		fprintf(stderr, "osprey-train: out of memory\n");
		goto out;
	}
	struct feeds_stage_cfg fc = { .paths = paths, .npaths = 1, .out = { md }, .nout = 1 };
	if (!bars && feeds_stage_create(&fc, &fs, err, sizeof(err))) {
		fprintf(stderr, "osprey-train: %s\n", err);
		goto out;
	}
	struct strat_features_cfg sc = { .in = md, .out = fv };
	if (strat_features_create(&sc, &sf, err, sizeof(err))) {
		fprintf(stderr, "osprey-train: %s\n", err);
		goto out;
	}
	bool feof_ = false, done = false;
	size_t fed = 0;
	while (!done) {
		if (bars) {
			while (fed < nbars && core_ring_push(md, &bars[fed]) == 0)
				fed++;
		} else if (!feof_) {
			uint32_t work;
			int r = feeds_stage_poll(fs, &work);
			if (r < 0) {
				fprintf(stderr, "osprey-train: %s: %s\n", path, strerror(-r));
				goto out;
			}
			feof_ = r == CORE_EOF;
		}
		uint32_t fwork;
		strat_features_poll(sf, &fwork);
		struct feature_vec v;
		while (core_ring_pop(fv, &v) == 0) {
			if (v.kind == MD_EOS) {
				done = true;
				break;
			}
			if (!v.warm || v.n < NF)
				continue;
			if (n == cap) {
				cap *= 2;
				struct row *nr = realloc(rows, cap * sizeof(*rows));
				if (!nr) {
					fprintf(stderr, "osprey-train: out of memory\n");
					goto out;
				}
				rows = nr;
			}
			memcpy(rows[n].f, v.f, sizeof(rows[n].f));
			rows[n].mid2 = (int64_t)v.bid_px + v.ask_px;
			rows[n].ts_ns = v.ts_ns;
			rows[n].locate = v.locate;
			n++;
		}
	}
	*ret = rows;
	*ret_n = n;
	rows = NULL;
	rc = 0;
out:
	free(rows);
	strat_features_destroy(sf);
	feeds_stage_destroy(fs);
	core_ring_destroy(md);
	core_ring_destroy(fv);
	return rc;
}

/* ------------------------------------------------------------------------- */
/* Metrics */

struct scored {
	double s;
	float y;
};

static int cmp_scored(const void *a, const void *b)
{
	double x = ((const struct scored *)a)->s, y = ((const struct scored *)b)->s;
	return x < y ? -1 : x > y;
}

/* AUC by ranks (Mann-Whitney), ties sharing their mean rank. */
static double auc(const double *score, const float *y, size_t n)
{
	struct scored *v = malloc(n * sizeof(*v));
	if (!v)
		return NAN;
	size_t pos = 0;
	for (size_t i = 0; i < n; i++) {
		v[i].s = score[i];
		v[i].y = y[i];
		pos += y[i] > 0.5f;
	}
	qsort(v, n, sizeof(*v), cmp_scored);
	double rsum = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && v[j].s == v[i].s)
			j++;
		double rank = (double)(i + j + 1) / 2.0; /* ranks i+1 .. j */
		for (size_t k = i; k < j; k++)
			if (v[k].y > 0.5f)
				rsum += rank;
		i = j;
	}
	free(v);
	size_t neg = n - pos;
	if (!pos || !neg)
		return NAN;
	return (rsum - (double)pos * (double)(pos + 1) / 2.0) / ((double)pos * (double)neg);
}

struct metrics {
	double acc, auc, logloss;
};

static struct metrics eval_prob(const double *p, const float *y, size_t n)
{
	struct metrics m = { 0, 0, 0 };
	for (size_t i = 0; i < n; i++) {
		double q = p[i] < 1e-15 ? 1e-15 : p[i] > 1 - 1e-15 ? 1 - 1e-15 : p[i];
		m.acc += (p[i] >= 0.5) == (y[i] > 0.5f);
		m.logloss -= y[i] > 0.5f ? log(q) : log(1 - q);
	}
	m.acc /= (double)n;
	m.logloss /= (double)n;
	m.auc = auc(p, y, n);
	return m;
}

static void print_metrics(const char *part, const char *who, struct metrics m, bool has_ll)
{
	printf("  %-10s %-24s accuracy %.4f  AUC %.4f  log loss ", part, who, m.acc, m.auc);
	if (has_ll)
		printf("%.4f\n", m.logloss);
	else
		printf("   -\n");
}

/* One metric from XGBoost's evaluation line ("[3]\ttrain-logloss:0.69\t..."), NAN if absent. */
static double eval_value(const char *line, const char *name)
{
	const char *p = strstr(line, name);
	return p ? strtod(p + strlen(name), NULL) : NAN;
}

/* Train on n rows of xf (NF floats each) with labels y; the caller frees both
 * handles. With tr and dvalid: each round's logloss and AUC on the training
 * and validation rows, into the report. */
static int train_booster(const struct opts *o, const float *xf, const float *y, size_t n,
			 DMatrixHandle dvalid, struct train_report *tr, DMatrixHandle *ret_d,
			 BoosterHandle *ret_b)
{
	DMatrixHandle d = NULL;
	BoosterHandle b = NULL;
	char buf[64];
	XGB(XGDMatrixCreateFromMat(xf, n, NF, NAN, &d));
	XGB(XGDMatrixSetFloatInfo(d, "label", y, n));
	XGB(XGBoosterCreate(&d, 1, &b));
	XGB(XGBoosterSetParam(b, "objective", "binary:logistic"));
	XGB(XGBoosterSetParam(b, "tree_method", o->tree_method));
	snprintf(buf, sizeof(buf), "%ld", o->depth);
	XGB(XGBoosterSetParam(b, "max_depth", buf));
	snprintf(buf, sizeof(buf), "%ld", o->threads);
	XGB(XGBoosterSetParam(b, "nthread", buf));
	snprintf(buf, sizeof(buf), "%llu", o->seed);
	XGB(XGBoosterSetParam(b, "seed", buf));
	int rounds;
	if (!strcmp(o->kind, "rf")) {
		snprintf(buf, sizeof(buf), "%ld", o->trees);
		XGB(XGBoosterSetParam(b, "num_parallel_tree", buf));
		XGB(XGBoosterSetParam(b, "subsample", "0.8"));
		XGB(XGBoosterSetParam(b, "colsample_bynode", "0.8"));
		XGB(XGBoosterSetParam(b, "learning_rate", "1"));
		rounds = 1;
	} else {
		snprintf(buf, sizeof(buf), "%.17g", o->eta);
		XGB(XGBoosterSetParam(b, "learning_rate", buf));
		rounds = (int)o->trees;
	}
	if (tr && dvalid) { /* evaluation only: the trees are the same */
		XGB(XGBoosterSetParam(b, "eval_metric", "logloss"));
		XGB(XGBoosterSetParam(b, "eval_metric", "auc"));
	}
	struct progress_loop pl;
	progress_loop_init(&pl, "train", " rounds", o->quiet);
	for (int it = 0; it < rounds; it++) {
		struct progress_sample s = { .done = (uint64_t)it, .total = (uint64_t)rounds };
		snprintf(s.extra, sizeof(s.extra), "%s on %zu rows", o->kind, n);
		progress_loop_draw(&pl, &s);
		XGB(XGBoosterUpdateOneIter(b, it, d));
		if (tr && dvalid) {
			DMatrixHandle mats[2] = { d, dvalid };
			const char *names[2] = { "train", "valid" };
			const char *line;
			XGB(XGBoosterEvalOneIter(b, it, mats, names, 2, &line));
			train_report_round(tr, eval_value(line, "train-logloss:"),
			                   eval_value(line, "valid-logloss:"),
			                   eval_value(line, "train-auc:"), eval_value(line, "valid-auc:"));
		}
	}
	progress_loop_erase(&pl);
	*ret_d = d;
	*ret_b = b;
	return 0;
fail:
	if (b)
		XGBoosterFree(b);
	if (d)
		XGDMatrixFree(d);
	return -1;
}

/* Feature importance: XGBoost's total gain per feature, by our names ("f3": feature 3). */
static int importance(BoosterHandle b, struct train_report *tr)
{
	bst_ulong nf, dim;
	const char **names;
	const bst_ulong *shape;
	const float *scores;
	XGB(XGBoosterFeatureScore(b, "{\"importance_type\": \"total_gain\"}", &nf, &names, &dim,
	                          &shape, &scores));
	for (bst_ulong i = 0; i < nf; i++) {
		unsigned k = names[i][0] == 'f' ? (unsigned)atoi(names[i] + 1) : NF;
		train_report_importance(tr, k < NF ? strat_feature_name(k) : names[i], scores[i]);
	}
	return 0;
fail:
	return -1;
}

/*
 * Walk-forward: the labelled rows cut into K + 1 equal time blocks; fold i
 * trains on blocks 0 .. i-1 (purged of labels reaching block i) and tests on
 * block i, with our imported model, next to the majority and momentum
 * baselines of that fold.
 */
static int walk_forward(const struct opts *o, const struct row *rows, const size_t *lab,
			const size_t *future, const float *y, size_t nlab, struct train_report *tr)
{
	size_t seg = nlab / ((size_t)o->walk + 1);
	float *xf = malloc(nlab * NF * sizeof(float)), *ty = malloc(nlab * sizeof(float));
	double *p = malloc(nlab * sizeof(double)), *mom = malloc(nlab * sizeof(double));
	double sum[3][3] = { { 0 } }; /* model, majority, momentum x acc, auc, logloss */
	int rc = -1, beaten = 0;
	if (!xf || !ty || !p || !mom) {
		fprintf(stderr, "osprey-train: out of memory\n");
		goto out;
	}
	printf("  walk-forward, %ld folds of %zu rows (train on all earlier rows, test on the next "
	       "block):\n", o->walk, seg);
	for (long f = 1; f <= o->walk; f++) {
		size_t start = (size_t)f * seg, end = f == o->walk ? nlab : start + seg, n = 0, up = 0;
		for (size_t k = 0; k < start; k++) {
			if (future[lab[k]] >= lab[start])
				continue; /* its label looks into the test block */
			for (int j = 0; j < NF; j++)
				xf[n * NF + (size_t)j] = (float)rows[lab[k]].f[j];
			ty[n] = y[k];
			up += y[k] > 0.5f;
			n++;
		}
		if (n < 10 || !up || up == n) {
			printf("    fold %ld: too few training rows of both classes, skipped\n", f);
			continue;
		}
		DMatrixHandle d;
		BoosterHandle b;
		if (train_booster(o, xf, ty, n, NULL, NULL, &d, &b))
			goto out;
		bst_ulong jlen;
		const char *js;
		struct strat_tree_model *m = NULL;
		char err[512];
		int r = XGBoosterSaveModelToBuffer(b, "{\"format\":\"json\"}", &jlen, &js);
		if (r == 0)
			r = strat_tree_from_json("fold", js, jlen, 0, &m, err, sizeof(err));
		XGBoosterFree(b);
		XGDMatrixFree(d);
		if (r) {
			fprintf(stderr, "osprey-train: fold %ld: %s\n", f, r == -1 ? XGBGetLastError() : err);
			goto out;
		}
		double prior = (double)up / (double)n;
		size_t nt = end - start;
		for (size_t k = 0; k < nt; k++) {
			const int32_t *x = rows[lab[start + k]].f;
			p[k] = strat_tree_predict(m, x);
			mom[k] = x[STRAT_F_RET8_BPS];
		}
		strat_tree_free(m);
		struct metrics mm = eval_prob(p, y + start, nt);
		for (size_t k = 0; k < nt; k++)
			p[k] = prior;
		struct metrics mb = eval_prob(p, y + start, nt);
		struct metrics mo = { 0, auc(mom, y + start, nt), 0 };
		for (size_t k = 0; k < nt; k++)
			mo.acc += (mom[k] > 0 || (mom[k] == 0 && prior >= 0.5)) == (y[start + k] > 0.5f);
		mo.acc /= (double)nt;
		bool beats = mm.acc > mb.acc && mm.acc > mo.acc && mm.logloss < mb.logloss &&
			     mm.auc > mo.auc;
		beaten += beats;
		if (tr)
			train_report_fold(tr, f, n, nt, (struct train_metrics){ mm.acc, mm.auc, mm.logloss, true },
			                  (struct train_metrics){ mb.acc, mb.auc, mb.logloss, true },
			                  (struct train_metrics){ mo.acc, mo.auc, 0, false });
		printf("    fold %ld: train %zu, test %zu: model acc %.4f AUC %.4f logloss %.4f | "
		       "majority acc %.4f logloss %.4f | momentum acc %.4f AUC %.4f%s\n", f, n, nt,
		       mm.acc, mm.auc, mm.logloss, mb.acc, mb.logloss, mo.acc, mo.auc,
		       beats ? "" : "  (does not beat)");
		double v[3][3] = { { mm.acc, mm.auc, mm.logloss }, { mb.acc, mb.auc, mb.logloss },
				   { mo.acc, mo.auc, 0 } };
		for (int a = 0; a < 3; a++)
			for (int c = 0; c < 3; c++)
				sum[a][c] += v[a][c] / (double)o->walk;
	}
	printf("    mean: model acc %.4f AUC %.4f logloss %.4f | majority acc %.4f logloss %.4f | "
	       "momentum acc %.4f AUC %.4f; the model beats both in %d of %ld folds\n", sum[0][0],
	       sum[0][1], sum[0][2], sum[1][0], sum[1][2], sum[2][0], sum[2][1], beaten, o->walk);
	rc = 0;
out:
	free(xf);
	free(ty);
	free(p);
	free(mom);
	return rc;
}

/* ------------------------------------------------------------------------- */

static int parse_long(const char *opt, const char *s, long lo, long hi, long *ret)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi) {
		fprintf(stderr, "osprey-train: %s: '%s' is not an integer in %ld..%ld\n", opt, s, lo, hi);
		return -1;
	}
	*ret = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){ .horizon = 50, .trees = 100, .depth = 6, .threads = 1, .seed = 1,
			    .eta = 0.1, .tree_method = "hist" };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			exit(0);
		}
		if (!strcmp(a, "--quiet")) {
			o->quiet = true;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "osprey-train: %s: missing value\n", a);
			return -1;
		}
		const char *v = argv[++i];
		if (!strcmp(a, "--kind"))
			o->kind = v;
		else if (!strcmp(a, "--itch") || !strcmp(a, "--capture"))
			o->itch = v;
		else if (!strcmp(a, "--csv"))
			o->csv = v;
		else if (!strcmp(a, "-o"))
			o->out = v;
		else if (!strcmp(a, "--member")) {
			if (o->nweigh == STRAT_ENSEMBLE_MAX_MEMBERS || !strchr(v, '=')) {
				fprintf(stderr, "osprey-train: --member NAME=FILE, at most %d\n",
					STRAT_ENSEMBLE_MAX_MEMBERS);
				return -1;
			}
			o->weigh[o->nweigh++] = v;
		} else if (!strcmp(a, "--model"))
			o->model = v;
		else if (!strcmp(a, "--db"))
			o->db = v;
		else if (!strcmp(a, "--name"))
			o->name = v;
		else if (!strcmp(a, "--json-out"))
			o->json_out = v;
		else if (!strcmp(a, "--features-out"))
			o->features_out = v;
		else if (!strcmp(a, "--report"))
			o->report = v;
		else if (!strcmp(a, "--tree-method"))
			o->tree_method = v;
		else if (!strcmp(a, "--horizon")) {
			if (parse_long(a, v, 1, 1000000, &o->horizon))
				return -1;
		} else if (!strcmp(a, "--trees")) {
			if (parse_long(a, v, 1, 10000, &o->trees))
				return -1;
		} else if (!strcmp(a, "--depth")) {
			if (parse_long(a, v, 1, STRAT_TREE_MAX_DEPTH, &o->depth))
				return -1;
		} else if (!strcmp(a, "--walk-forward")) {
			if (parse_long(a, v, 0, 20, &o->walk))
				return -1;
		} else if (!strcmp(a, "--threads")) {
			if (parse_long(a, v, 1, 256, &o->threads))
				return -1;
		} else if (!strcmp(a, "--seed")) {
			char *end;
			errno = 0;
			o->seed = strtoull(v, &end, 10);
			if (errno || *end || o->seed > 0x7fffffffu) {
				fprintf(stderr, "osprey-train: --seed: '%s' is not in 0..2^31-1\n", v);
				return -1;
			}
		} else if (!strcmp(a, "--activate-margin")) {
			char *end;
			o->margin = strtod(v, &end);
			if (*end || !(o->margin >= 0 && o->margin < 1)) {
				fprintf(stderr, "osprey-train: --activate-margin: '%s' is not in [0, 1)\n",
					v);
				return -1;
			}
			o->activate = true;
		} else if (!strcmp(a, "--eta")) {
			char *end;
			o->eta = strtod(v, &end);
			if (*end || !(o->eta > 0 && o->eta <= 1)) {
				fprintf(stderr, "osprey-train: --eta: '%s' is not in (0, 1]\n", v);
				return -1;
			}
		} else {
			fprintf(stderr, "osprey-train: unknown option %s\n", a);
			return -1;
		}
	}
	if (!o->db != !o->name) {
		fprintf(stderr, "osprey-train: --db and --name go together\n");
		return -1;
	}
	if (o->activate && !o->db) {
		fprintf(stderr, "osprey-train: --activate-margin needs --db and --name\n");
		return -1;
	}
	if (!o->kind || (strcmp(o->kind, "gbtree") && strcmp(o->kind, "rf") &&
			 strcmp(o->kind, "weigh") && strcmp(o->kind, "calibrate") &&
			 strcmp(o->kind, "reference"))) {
		fprintf(stderr,
			"osprey-train: --kind gbtree, rf, weigh, calibrate or reference is required\n");
		return -1;
	}
	bool calibrate = !strcmp(o->kind, "calibrate");
	if (calibrate != !!o->model) {
		fprintf(stderr, "osprey-train: --model goes with --kind calibrate (and it needs one)\n");
		return -1;
	}
	if (calibrate) {
		if (!o->itch == !o->csv) {
			fprintf(stderr, "osprey-train: one of --itch or --csv is required\n");
			return -1;
		}
		return 0; /* -o optional: where the calibrated model goes */
	}
	bool weigh = !strcmp(o->kind, "weigh");
	if (weigh != (o->nweigh > 0)) {
		fprintf(stderr, "osprey-train: --member goes with --kind weigh (and it needs one)\n");
		return -1;
	}
	if (!o->itch == !o->csv || (!o->out && !weigh)) {
		fprintf(stderr, "osprey-train: one of --itch or --csv, and -o, are required\n");
		return -1;
	}
	if (strcmp(o->tree_method, "hist") && strcmp(o->tree_method, "exact")) {
		fprintf(stderr, "osprey-train: --tree-method: hist or exact\n");
		return -1;
	}
	return 0;
}

/*
 * --kind weigh: the ensemble's weights from validation performance. Each
 * member model (any file strat_model_load reads) scores the validation and
 * test rows with its vote (strat_model_score); its AUC against the labels
 * says how well it ranks up-moves. weight = max(0, validation AUC - 0.5),
 * scaled so the weights sum to the number of useful members; a member no
 * better than chance gets none and is said to.
 */
static int weigh_members(const struct opts *o, const struct row *rows, size_t *const part[3],
			 float *const py[3], const size_t part_n[3])
{
	printf("  member weights from validation AUC (weight = AUC - 0.5, scaled):\n");
	double w[STRAT_ENSEMBLE_MAX_MEMBERS], aucs[STRAT_ENSEMBLE_MAX_MEMBERS][3], sum = 0;
	const char *kind[STRAT_ENSEMBLE_MAX_MEMBERS];
	char names[STRAT_ENSEMBLE_MAX_MEMBERS][32], files[STRAT_ENSEMBLE_MAX_MEMBERS][256];
	unsigned useful = 0;
	for (unsigned i = 0; i < o->nweigh; i++) {
		const char *eq = strchr(o->weigh[i], '=');
		snprintf(names[i], sizeof(names[i]), "%.*s", (int)(eq - o->weigh[i]), o->weigh[i]);
		snprintf(files[i], sizeof(files[i]), "%s", eq + 1);
		char err[512];
		struct strat_model *m;
		if (strat_model_load(files[i], &m, err, sizeof(err)) < 0) {
			fprintf(stderr, "osprey-train: member %s: %s\n", names[i], err);
			return -1;
		}
		struct strat_model_info info;
		strat_model_info(m, &info);
		FILE *f = fopen(files[i], "rb");
		char magic[8] = { 0 };
		size_t got = f ? fread(magic, 1, 8, f) : 0;
		if (f)
			fclose(f);
		kind[i] = got == 8 && !memcmp(magic, "OSPRTREE", 8) ? "tree"
			  : got == 8 && !memcmp(magic, "OSPRYNN", 8) ? "policy"
			  : strat_model_ensemble(m)		   ? "ensemble"
								   : "linear";
		/* every labelled row too (a day the member never saw is unseen
		 * whole): AUC, and accuracy where it votes (sign of its score) */
		size_t nall = part_n[0] + part_n[1] + part_n[2], voted = 0, right = 0, at = 0;
		double *all = malloc(nall * sizeof(double));
		float *yall = malloc(nall * sizeof(float));
		if (!all || !yall) {
			free(all);
			free(yall);
			strat_model_free(m);
			return -1;
		}
		for (int q = 0; q < 3; q++) {
			for (size_t k = 0; k < part_n[q]; k++, at++) {
				all[at] = (double)strat_model_score(m, rows[part[q][k]].f);
				yall[at] = py[q][k];
				voted += all[at] != 0;
				right += (all[at] > 0 && py[q][k] > 0.5) || (all[at] < 0 && py[q][k] < 0.5);
			}
			if (q > 0)
				aucs[i][q] = auc(all + at - part_n[q], py[q], part_n[q]);
		}
		double auc_all = auc(all, yall, nall);
		free(all);
		free(yall);
		strat_model_free(m);
		w[i] = aucs[i][1] > 0.5 ? aucs[i][1] - 0.5 : 0; /* NaN: 0 */
		useful += w[i] > 0;
		sum += w[i];
		printf("    %-12s %-8s validation AUC %.4f  test AUC %.4f%s\n", names[i], kind[i],
		       aucs[i][1], aucs[i][2], w[i] > 0 ? "" : "  (no better than chance: weight 0)");
		printf("    %-12s %-8s all rows: AUC %.4f  accuracy %.4f where it votes (%.1f%% of "
		       "%zu rows)\n",
		       "", "", auc_all, voted ? (double)right / (double)voted : 0.0,
		       nall ? 100.0 * (double)voted / (double)nall : 0.0, nall);
	}
	if (useful == 0) {
		printf("  no member ranks the validation period better than chance: no ensemble\n");
		return 0;
	}
	printf("  ensemble members (paste into an 'osprey-model ensemble v1' file):\n");
	for (unsigned i = 0; i < o->nweigh; i++) {
		if (w[i] <= 0)
			continue;
		double scaled = w[i] / sum * useful;
		if (!strcmp(kind[i], "ensemble"))
			printf("    # %s is an ensemble itself: ensembles do not nest\n", names[i]);
		else
			printf("    member %s weight %.4f %s %s\n", names[i], scaled, kind[i],
			       files[i]);
	}
	return 0;
}

/*
 * --activate-margin: the version just registered goes live (the registry's
 * active model, the one the engine starts with) only if it beats its
 * baselines on the test period and the active model's AUC on the same test
 * rows by the margin; otherwise the active one stays, and the line says why.
 * An active model that cannot be scored here (an ensemble whose members'
 * files are elsewhere) stays too. 0 (either way), or -errno with err.
 */
/* The AUC of the model file at path on the test rows, through the engine's
 * own loader and score (the same reading for every kind). */
static int file_auc(const char *path, const struct row *rows, const size_t *test, const float *y,
		    size_t n, double *ret, char *err, size_t errlen)
{
	struct strat_model *m = NULL;
	int r = strat_model_load(path, &m, err, errlen);
	if (r < 0)
		return r;
	double *s = malloc(n * sizeof(double));
	if (!s) {
		strat_model_free(m);
		core_errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (size_t k = 0; k < n; k++)
		s[k] = (double)strat_model_score(m, rows[test[k]].f);
	*ret = auc(s, y, n);
	free(s);
	strat_model_free(m);
	return 0;
}

static int activation_gate(const struct opts *o, struct persist *db,
			   const struct persist_model_meta *nm, bool beats, const struct row *rows,
			   const size_t *test, const float *y, size_t n, char *err, size_t errlen)
{
	double new_auc;
	int r = file_auc(o->out, rows, test, y, n, &new_auc, err, errlen);
	if (r < 0)
		return r;
	struct persist_model_meta am;
	void *blob = NULL;
	r = persist_model_active(db, &am, &blob);
	if (r < 0 && r != -ENOENT) {
		core_errf(err, errlen, "%s: the active model: %s", o->db, strerror(-r));
		return r;
	}
	double old_auc = NAN;
	char why[256] = "";
	if (r == 0) {
		char path[] = "/tmp/osprey-active-XXXXXX";
		int fd = mkstemp(path);
		bool wrote = fd >= 0 && write(fd, blob, am.blob_len) == (ssize_t)am.blob_len;
		if (fd >= 0)
			close(fd);
		char lerr[300] = "";
		if (!wrote || file_auc(path, rows, test, y, n, &old_auc, lerr, sizeof(lerr)) < 0)
			snprintf(why, sizeof(why), "the active %s@%u cannot be scored here (%s)",
			         am.name, am.version, lerr[0] ? lerr : "could not write it out");
		if (fd >= 0)
			unlink(path);
		free(blob);
	}
	bool go = false;
	if (!beats)
		snprintf(why, sizeof(why), "it does not beat its baselines on the test period");
	else if (r == -ENOENT)
		go = true;
	else if (!why[0] && new_auc >= old_auc + o->margin)
		go = true;
	else if (!why[0])
		snprintf(why, sizeof(why),
		         "test AUC %.4f is not the active %s@%u's %.4f + the margin %.4f", new_auc,
		         am.name, am.version, old_auc, o->margin);
	if (go) {
		if ((r = persist_model_activate(db, nm->name, nm->version)) < 0) {
			core_errf(err, errlen, "%s: activating %s@%u: %s", o->db, nm->name, nm->version,
			          strerror(-r));
			return r;
		}
		if (isnan(old_auc))
			printf("  activated %s@%u (test AUC %.4f; no model was active)\n", nm->name,
			       nm->version, new_auc);
		else
			printf("  activated %s@%u: test AUC %.4f >= the active %s@%u's %.4f + the "
			       "margin %.4f\n",
			       nm->name, nm->version, new_auc, am.name, am.version, old_auc, o->margin);
	} else if (r == -ENOENT) {
		printf("  registered %s@%u, not activated: %s (no model is active)\n", nm->name,
		       nm->version, why);
	} else {
		printf("  registered %s@%u, kept %s@%u active: %s\n", nm->name, nm->version, am.name,
		       am.version, why);
	}
	return 0;
}

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

/* --kind reference: the deciles of every feature over the training rows
 * (each edge moved to the widest nearby gap) and each bin's share of them,
 * for the engine's drift monitor. */
static int write_reference(const struct opts *o, const struct row *rows, const size_t *train,
			   size_t n)
{
	static struct strat_drift_ref r;
	int32_t *v = malloc(n * sizeof(int32_t));
	if (!v) {
		fprintf(stderr, "osprey-train: out of memory\n");
		return -1;
	}
	r.nfeatures = NF;
	r.schema = strat_feature_schema_hash(NF);
	r.rows = n;
	printf("  reference over the %zu training rows (feature: deciles' range; the largest bin's share):\n", n);
	for (unsigned i = 0; i < NF; i++) {
		for (size_t k = 0; k < n; k++)
			v[k] = rows[train[k]].f[i];
		qsort(v, n, sizeof(int32_t), cmp_i32);
		/* each decile's edge in the middle of the widest gap between
		 * neighbouring values within 5% of the rows around it: a feature
		 * on a lattice (a one-tick return in bps of a price that moves
		 * through the day) comes in clusters whose spread is the price's
		 * drift, and an edge inside a cluster would read that drift as a
		 * shift; between clusters it reads the lattice step */
		size_t w = n / 20 ? n / 20 : 1;
		for (unsigned j = 0; j < STRAT_DRIFT_BINS - 1; j++) {
			size_t q = (j + 1) * n / STRAT_DRIFT_BINS, best = 0;
			int64_t gap = 0;
			for (size_t k = q > w ? q - w : 1; k < n && k <= q + w; k++) {
				int64_t g = (int64_t)v[k] - v[k - 1];
				size_t dk = k > q ? k - q : q - k, db = best > q ? best - q : q - best;
				if (g > gap || (g == gap && g > 0 && dk < db))
					gap = g, best = k;
			}
			int32_t e = gap ? (int32_t)(v[best - 1] + (gap + 1) / 2) : v[q];
			r.edge[i][j] = j && e < r.edge[i][j - 1] ? r.edge[i][j - 1] : e;
		}
		uint64_t cnt[STRAT_DRIFT_BINS] = { 0 };
		for (size_t k = 0; k < n; k++)
			cnt[strat_drift_bin(&r, i, v[k])]++;
		double top = 0;
		for (unsigned b = 0; b < STRAT_DRIFT_BINS; b++) {
			r.share[i][b] = (double)cnt[b] / (double)n;
			top = r.share[i][b] > top ? r.share[i][b] : top;
		}
		printf("    %-14s %10.4f .. %10.4f  %.3f\n", strat_feature_name(i),
		       r.edge[i][0] / 65536.0, r.edge[i][STRAT_DRIFT_BINS - 2] / 65536.0, top);
	}
	free(v);
	static char text[32768];
	int len = strat_drift_ref_format(&r, text, sizeof(text));
	FILE *f = len > 0 ? fopen(o->out, "w") : NULL;
	if (!f || fwrite(text, 1, (size_t)len, f) != (size_t)len || fclose(f)) {
		fprintf(stderr, "osprey-train: %s: %s\n", o->out, len > 0 ? strerror(errno) : "format");
		return -1;
	}
	printf("  wrote %s ([strategy] drift_reference)\n", o->out);
	return 0;
}

/* --kind calibrate: the ensemble's votes on the validation and test rows,
 * Platt-scaled (train_calibrate.c). */
static int calibrate_model(const struct opts *o, const struct row *rows, size_t *const part[3],
			   float *const py[3], const size_t part_n[3])
{
	char err[512];
	struct strat_model *m;
	if (strat_model_load(o->model, &m, err, sizeof(err)) < 0) {
		fprintf(stderr, "osprey-train: %s\n", err);
		return -1;
	}
	if (!strat_model_ensemble(m) || strat_model_format(m, err, 8) == -ENOTSUP) {
		fprintf(stderr, "osprey-train: %s: not an ensemble file ('calibrate' is an ensemble's "
				"line; make one with --kind weigh)\n", o->model);
		strat_model_free(m);
		return -1;
	}
	double *v[3] = { NULL, NULL, NULL };
	int r = -1;
	for (int q = 1; q < 3; q++) {
		if (!(v[q] = malloc(part_n[q] * sizeof(double)))) {
			fprintf(stderr, "osprey-train: out of memory\n");
			goto out;
		}
		for (size_t k = 0; k < part_n[q]; k++)
			v[q][k] = (double)strat_model_score(m, rows[part[q][k]].f) / FEATURE_ONE;
	}
	r = train_calibrate(o->model, o->out, v[1], py[1], part_n[1], v[2], py[2], part_n[2]);
out:
	free(v[1]);
	free(v[2]);
	strat_model_free(m);
	return r;
}

int main(int argc, char **argv)
{
	struct opts o;
	if (parse_args(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	if (core_clock_init(0) < 0) {
		fprintf(stderr, "osprey-train: clock init failed\n");
		return 1;
	}
	struct row *rows = NULL;
	size_t nrows = 0;
	struct md_event *bars = NULL;
	size_t nbars = 0;
	if (o.csv && read_bars(o.csv, &bars, &nbars))
		return 1;
	int br = build_rows(o.csv ? o.csv : o.itch, bars, nbars, &rows, &nrows);
	free(bars);
	if (br)
		return 1;

	/* labels: the H-th later vector of the same instrument, found through a
	 * counting sort of row indices by locate (stable: time order kept) */
	int rc = 1;
	size_t *order = malloc(nrows * sizeof(size_t));
	size_t *future = malloc(nrows * sizeof(size_t)); /* row index the label looks at, or SIZE_MAX */
	size_t *start = calloc(65537, sizeof(size_t));
	size_t *lab = malloc(nrows * sizeof(size_t));   /* labelled rows, time order */
	float *y = malloc(nrows * sizeof(float));
	float *xf = NULL;
	double *p = NULL, *mom = NULL, *base = NULL;
	BoosterHandle b = NULL;
	DMatrixHandle dtrain = NULL, dtest = NULL, dvalid = NULL;
	struct train_report *tr = NULL;
	float *xv = NULL;
	struct strat_tree_model *m = NULL, *m2 = NULL;
	unsigned char *img1 = NULL, *img2 = NULL;
	size_t *part[3] = { NULL, NULL, NULL };
	float *py[3] = { NULL, NULL, NULL };
	if (!order || !future || !start || !lab || !y) {
		fprintf(stderr, "osprey-train: out of memory\n");
		goto fail;
	}
	for (size_t i = 0; i < nrows; i++)
		start[rows[i].locate + 1]++;
	for (size_t k = 1; k <= 65536; k++)
		start[k] += start[k - 1];
	for (size_t i = 0; i < nrows; i++)
		order[start[rows[i].locate]++] = i;
	/* start[k] is now the end of locate k's run: walk each run */
	size_t nlab = 0, flat = 0, tail = 0;
	for (size_t i = 0; i < nrows; i++)
		future[i] = SIZE_MAX;
	for (size_t k = 0, s = 0; k < 65536; s = start[k], k++)
		for (size_t j = s; j < start[k]; j++)
			if (j + (size_t)o.horizon < start[k])
				future[order[j]] = order[j + (size_t)o.horizon];
	for (size_t i = 0; i < nrows; i++) {
		if (future[i] == SIZE_MAX) {
			tail++;
			continue;
		}
		int64_t d = rows[future[i]].mid2 - rows[i].mid2;
		if (d == 0) {
			flat++;
			continue;
		}
		y[nlab] = d > 0;
		lab[nlab++] = i;
	}
	printf("osprey-train: %s: %zu warm feature vectors of %d features; horizon %ld: %zu labelled, "
	       "%zu flat and %zu without a horizon dropped\n", o.csv ? o.csv : o.itch, nrows, NF,
	       o.horizon, nlab, flat,
	       tail);
	if (nlab < 100) {
		fprintf(stderr, "osprey-train: too few labelled rows (%zu)\n", nlab);
		goto fail;
	}

	if (o.report && !o.nweigh) {
		if (!(tr = train_report_create(o.kind, o.csv ? o.csv : o.itch))) {
			fprintf(stderr, "osprey-train: out of memory\n");
			goto fail;
		}
		train_report_setting(tr, "trees", (double)o.trees);
		train_report_setting(tr, "depth", (double)o.depth);
		train_report_setting(tr, "eta", o.eta);
		train_report_setting(tr, "seed", (double)o.seed);
		train_report_setting(tr, "horizon", (double)o.horizon);
		train_report_setting(tr, "features", NF);
		train_report_setting(tr, "labelled_rows", (double)nlab);
		train_report_setting(tr, "walk_forward_folds", (double)o.walk);
	}
	/* time split 60/20/20 over labelled rows, purging rows whose label
	 * reaches into the next part */
	size_t cut1 = nlab * 6 / 10, cut2 = nlab * 8 / 10;
	size_t g1 = lab[cut1], g2 = lab[cut2]; /* first row index of validation, test */
	size_t part_n[3] = { 0, 0, 0 }, purged = 0;
	for (int q = 0; q < 3; q++) {
		part[q] = malloc(nlab * sizeof(size_t));
		py[q] = malloc(nlab * sizeof(float));
		if (!part[q] || !py[q]) {
			fprintf(stderr, "osprey-train: out of memory\n");
			goto fail;
		}
	}
	for (size_t k = 0; k < nlab; k++) {
		size_t i = lab[k];
		int q = k < cut1 ? 0 : k < cut2 ? 1 : 2;
		if ((q == 0 && future[i] >= g1) || (q == 1 && future[i] >= g2)) {
			purged++;
			continue;
		}
		py[q][part_n[q]] = y[k];
		part[q][part_n[q]++] = i;
	}
	static const char *const pname[3] = { "train", "validation", "test" };
	for (int q = 0; q < 3; q++) {
		size_t up = 0;
		for (size_t k = 0; k < part_n[q]; k++)
			up += py[q][k] > 0.5f;
		printf("  %-10s %8zu rows, %.1f%% up, ts_ns %" PRIu64 " .. %" PRIu64 "\n", pname[q],
		       part_n[q], part_n[q] ? 100.0 * (double)up / (double)part_n[q] : 0.0,
		       part_n[q] ? rows[part[q][0]].ts_ns : 0,
		       part_n[q] ? rows[part[q][part_n[q] - 1]].ts_ns : 0);
		if (part_n[q] < 10) {
			fprintf(stderr, "osprey-train: the %s part is too small\n", pname[q]);
			goto fail;
		}
		if (tr)
			train_report_part(tr, pname[q], part_n[q],
			                  100.0 * (double)up / (double)part_n[q], rows[part[q][0]].ts_ns,
			                  rows[part[q][part_n[q] - 1]].ts_ns);
	}
	printf("  purged %zu rows whose label crossed a split boundary\n", purged);
	if (tr)
		train_report_purged(tr, purged);
	if (o.nweigh) {
		rc = weigh_members(&o, rows, part, py, part_n) ? 1 : 0;
		goto fail;
	}
	if (o.model) {
		rc = calibrate_model(&o, rows, part, py, part_n) ? 1 : 0;
		goto fail;
	}
	if (!strcmp(o.kind, "reference")) {
		rc = write_reference(&o, rows, part[0], part_n[0]) ? 1 : 0;
		goto fail;
	}

	/* XGBoost */
	size_t maxn = part_n[0] > part_n[2] ? part_n[0] : part_n[2];
	xf = malloc(maxn * NF * sizeof(float));
	if (!xf) {
		fprintf(stderr, "osprey-train: out of memory\n");
		goto fail;
	}
	for (size_t k = 0; k < part_n[0]; k++)
		for (int j = 0; j < NF; j++)
			xf[k * NF + (size_t)j] = (float)rows[part[0][k]].f[j];
	bool rf = !strcmp(o.kind, "rf");
	if (tr) { /* the validation rows, evaluated each round */
		if (!(xv = malloc(part_n[1] * NF * sizeof(float)))) {
			fprintf(stderr, "osprey-train: out of memory\n");
			goto fail;
		}
		for (size_t k = 0; k < part_n[1]; k++)
			for (int j = 0; j < NF; j++)
				xv[k * NF + (size_t)j] = (float)rows[part[1][k]].f[j];
		XGB(XGDMatrixCreateFromMat(xv, part_n[1], NF, NAN, &dvalid));
		XGB(XGDMatrixSetFloatInfo(dvalid, "label", py[1], part_n[1]));
	}
	if (train_booster(&o, xf, py[0], part_n[0], dvalid, tr, &dtrain, &b))
		goto fail;
	if (tr && importance(b, tr) < 0)
		goto fail;
	bst_ulong jlen;
	const char *js;
	XGB(XGBoosterSaveModelToBuffer(b, "{\"format\":\"json\"}", &jlen, &js));
	if (o.json_out) {
		FILE *f = fopen(o.json_out, "wb");
		if (!f || fwrite(js, 1, jlen, f) != jlen || fclose(f)) {
			fprintf(stderr, "osprey-train: %s: %s\n", o.json_out, strerror(errno));
			goto fail;
		}
	}
	char err[512];
	uint64_t schema = strat_feature_schema_hash(NF);
	if (strat_tree_from_json("xgboost model", js, jlen, schema, &m, err, sizeof(err))) {
		fprintf(stderr, "osprey-train: import: %s\n", err);
		goto fail;
	}

	/* our inference on every test row must be XGBoost's */
	for (size_t k = 0; k < part_n[2]; k++)
		for (int j = 0; j < NF; j++)
			xf[k * NF + (size_t)j] = (float)rows[part[2][k]].f[j];
	XGB(XGDMatrixCreateFromMat(xf, part_n[2], NF, NAN, &dtest));
	const bst_ulong *shape;
	bst_ulong dim;
	const float *xm;
	XGB(XGBoosterPredictFromDMatrix(b, dtest, "{\"type\": 1, \"training\": false, "
					"\"iteration_begin\": 0, \"iteration_end\": 0, "
					"\"strict_shape\": false}", &shape, &dim, &xm));
	size_t same = 0;
	for (size_t k = 0; k < part_n[2]; k++)
		same += (float)strat_tree_margin(m, rows[part[2][k]].f) == xm[k];
	struct strat_tree_info info;
	strat_tree_info(m, &info);
	printf("  model: %s, %u trees, depth %u, schema %016" PRIx64 "; our margins equal XGBoost's "
	       "on %zu of %zu test rows (kernel %s)\n", rf ? "random forest" : "gbtree", info.ntrees,
	       info.depth, schema, same, part_n[2], strat_tree_isa_name(info.isa));
	if (same != part_n[2]) {
		fprintf(stderr, "osprey-train: our inference differs from XGBoost's\n");
		goto fail;
	}

	/* metrics: ours next to the baselines */
	p = malloc(maxn * sizeof(double));
	mom = malloc(maxn * sizeof(double));
	base = malloc(maxn * sizeof(double));
	if (!p || !mom || !base) {
		fprintf(stderr, "osprey-train: out of memory\n");
		goto fail;
	}
	size_t up = 0;
	for (size_t k = 0; k < part_n[0]; k++)
		up += py[0][k] > 0.5f;
	double prior = (double)up / (double)part_n[0];
	bool beats = true;
	char metrics[256] = "";
	printf("  metrics (threshold 0.5; baseline 'majority' predicts the training up-rate %.4f,\n"
	       "  'momentum' the sign of the 8-tick return, AUC over the return itself):\n", prior);
	for (int q = 1; q < 3; q++) {
		for (size_t k = 0; k < part_n[q]; k++) {
			const int32_t *f = rows[part[q][k]].f;
			p[k] = strat_tree_predict(m, f);
			base[k] = prior;
			mom[k] = f[STRAT_F_RET8_BPS];
		}
		struct metrics mm = eval_prob(p, py[q], part_n[q]);
		struct metrics mb = eval_prob(base, py[q], part_n[q]);
		/* momentum: up if the 8-tick return is up, down if down, the
		 * majority class when flat; AUC ranks by the return */
		struct metrics mo = { 0, auc(mom, py[q], part_n[q]), 0 };
		for (size_t k = 0; k < part_n[q]; k++) {
			bool call = mom[k] > 0 || (mom[k] == 0 && prior >= 0.5);
			mo.acc += call == (py[q][k] > 0.5f);
		}
		mo.acc /= (double)part_n[q];
		print_metrics(pname[q], rf ? "model (rf)" : "model (gbtree)", mm, true);
		print_metrics(pname[q], "baseline majority", mb, true);
		print_metrics(pname[q], "baseline momentum", mo, false);
		if (tr) {
			train_report_metrics(tr, pname[q], rf ? "model (rf)" : "model (gbtree)",
			                     (struct train_metrics){ mm.acc, mm.auc, mm.logloss, true });
			train_report_metrics(tr, pname[q], "baseline majority",
			                     (struct train_metrics){ mb.acc, mb.auc, mb.logloss, true });
			train_report_metrics(tr, pname[q], "baseline momentum",
			                     (struct train_metrics){ mo.acc, mo.auc, 0, false });
			if (q == 2) /* p still holds the test part's predictions */
				train_report_calibration(tr, p, py[2], part_n[2]);
		}
		if (q == 2) {
			beats = mm.acc > mb.acc && mm.acc > mo.acc && mm.logloss < mb.logloss &&
				mm.auc > mo.auc;
			snprintf(metrics, sizeof(metrics),
				 "test acc %.4f auc %.4f logloss %.4f; majority acc %.4f; "
				 "momentum acc %.4f auc %.4f; %s",
				 mm.acc, mm.auc, mm.logloss, mb.acc, mo.acc, mo.auc,
				 beats ? "beats baselines" : "does NOT beat baselines");
		}
	}
	printf("  verdict: the model %s its baselines on the test period (accuracy, AUC and log "
	       "loss)\n", beats ? "beats" : "does NOT beat");
	if (tr)
		train_report_verdict(tr, beats);
	if (o.walk && walk_forward(&o, rows, lab, future, y, nlab, tr))
		goto fail;

	if (o.features_out) {
		FILE *f = fopen(o.features_out, "w");
		if (!f) {
			fprintf(stderr, "osprey-train: %s: %s\n", o.features_out, strerror(errno));
			goto fail;
		}
		for (int j = 0; j < NF; j++)
			fprintf(f, "%s,", strat_feature_name((unsigned)j));
		fprintf(f, "label\n");
		for (size_t k = 0; k < part_n[2]; k++) {
			for (int j = 0; j < NF; j++)
				fprintf(f, "%d,", rows[part[2][k]].f[j]);
			fprintf(f, "%d\n", py[2][k] > 0.5f);
		}
		if (fclose(f)) {
			fprintf(stderr, "osprey-train: %s: %s\n", o.features_out, strerror(errno));
			goto fail;
		}
	}

	/* write our file, then read it back: same bytes, same predictions */
	if (strat_tree_save(m, o.out, err, sizeof(err)) ||
	    strat_tree_load(o.out, schema, &m2, err, sizeof(err))) {
		fprintf(stderr, "osprey-train: %s\n", err);
		goto fail;
	}
	size_t n1 = strat_tree_serialize(m, NULL, 0);
	img1 = malloc(n1);
	img2 = malloc(n1);
	if (!img1 || !img2 || strat_tree_serialize(m, img1, n1) != n1 ||
	    strat_tree_serialize(m2, img2, n1) != n1 || memcmp(img1, img2, n1)) {
		fprintf(stderr, "osprey-train: %s does not read back identical\n", o.out);
		goto fail;
	}
	printf("  wrote %s (%zu bytes)%s%s\n", o.out, n1, o.json_out ? " and " : "",
	       o.json_out ? o.json_out : "");
	if (o.db) {
		struct persist *db;
		struct persist_model_meta meta;
		memset(&meta, 0, sizeof(meta));
		snprintf(meta.name, sizeof(meta.name), "%s", o.name);
		snprintf(meta.kind, sizeof(meta.kind), "%s", rf ? "trees-rf" : "trees-gbtree");
		meta.schema = schema;
		meta.data_from_ns = rows[part[0][0]].ts_ns;
		meta.data_to_ns = rows[part[2][part_n[2] - 1]].ts_ns;
		char abs[PATH_MAX];
		snprintf(meta.source, sizeof(meta.source), "%.127s",
			 realpath(o.out, abs) ? abs : o.out);
		snprintf(meta.metrics, sizeof(meta.metrics), "%s", metrics);
		int r = persist_open(o.db, &db, err, sizeof(err));
		if (r == 0) {
			r = persist_model_put(db, &meta, img1, n1);
			if (r < 0)
				snprintf(err, sizeof(err), "%s: model registry: %s", o.db, strerror(-r));
			else if (o.activate)
				r = activation_gate(&o, db, &meta, beats, rows, part[2], py[2], part_n[2],
				                    err, sizeof(err));
			persist_close(db);
		}
		if (r < 0) {
			fprintf(stderr, "osprey-train: %s\n", err);
			goto fail;
		}
		if (!o.activate)
			printf("  registered %s@%u in %s (not active: osprey-ctl model activate %s@%u)\n",
			       meta.name, meta.version, o.db, meta.name, meta.version);
	}
	if (tr) {
		if (train_report_write(tr, o.report, err, sizeof(err)) < 0) {
			fprintf(stderr, "osprey-train: --report %s\n", err);
			goto fail;
		}
		printf("  report %s\n", o.report);
	}
	rc = 0;
fail:
	free(img1);
	free(img2);
	for (int q = 0; q < 3; q++) {
		free(part[q]);
		free(py[q]);
	}
	strat_tree_free(m);
	strat_tree_free(m2);
	if (dtest)
		XGDMatrixFree(dtest);
	if (dvalid)
		XGDMatrixFree(dvalid);
	free(xv);
	train_report_destroy(tr);
	if (dtrain)
		XGDMatrixFree(dtrain);
	if (b)
		XGBoosterFree(b);
	free(p);
	free(mom);
	free(base);
	free(xf);
	free(order);
	free(future);
	free(start);
	free(lab);
	free(y);
	free(rows);
	return rc;
}
