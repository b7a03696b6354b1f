/*
 * train_report.h - what a training run shows (osprey-train --report FILE.html):
 * the data's parts, loss and AUC per boosting round on the training and
 * validation parts, the metrics next to the baselines, the walk-forward
 * folds, feature importance (XGBoost's total gain) and the reliability
 * (calibration) table of the test part; for a policy (osprey-train-dqn)
 * the reward, loss and P&L per episode and the held-out evaluation next to
 * the reference policies; written as one JSON object
 * ("kind": "training") and drawn by the same self-contained page as a run's
 * report (report_html.h).
 *
 * Memory: the report owns copies of everything given to it. Threads: one.
 * Library-style: never prints. Results: 0 or -ENOMEM / -errno (err says).
 */
#ifndef OSPREY_TRAIN_REPORT_H
#define OSPREY_TRAIN_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct train_report;

struct train_metrics {
	double acc, auc, logloss;
	bool has_logloss;
};

/* train_report_create - model: "gbtree" or "rf"; source: the capture or CSV. */
struct train_report *train_report_create(const char *model, const char *source);
void train_report_destroy(struct train_report *r);
/* a setting shown with the model (trees, depth, eta, seed, horizon, ...) */
void train_report_setting(struct train_report *r, const char *key, double value);
void train_report_part(struct train_report *r, const char *name, size_t rows, double up_pct,
		       uint64_t ts_from, uint64_t ts_to);
void train_report_purged(struct train_report *r, size_t rows);
/* one boosting round's evaluation (NAN where not evaluated) */
void train_report_round(struct train_report *r, double train_ll, double valid_ll,
			double train_auc, double valid_auc);
void train_report_metrics(struct train_report *r, const char *part, const char *who,
			  struct train_metrics m);
void train_report_verdict(struct train_report *r, bool beats);
void train_report_fold(struct train_report *r, long fold, size_t ntrain, size_t ntest,
		       struct train_metrics model, struct train_metrics majority,
		       struct train_metrics momentum);
void train_report_importance(struct train_report *r, const char *feature, double gain);
/* the reliability table: p[i] the predicted probability of up, y[i] 1 if up;
 * ten bins of equal width */
void train_report_calibration(struct train_report *r, const double *p, const float *y, size_t n);
/* one training episode of a policy */
void train_report_episode(struct train_report *r, double reward, double loss, double pnl,
			  double epsilon);
/* a policy's held-out evaluation (money in dollars) */
void train_report_policy(struct train_report *r, const char *name, double pnl, double sharpe,
			 double max_dd, double win_rate, double profit_factor, uint64_t fills,
			 uint64_t trades);
/* train_report_write - the JSON object and the page (path). 0 or -errno. */
int train_report_write(struct train_report *r, const char *path, char *err, size_t errlen);

#endif /* OSPREY_TRAIN_REPORT_H */
