/* train_calibrate.h - osprey-train --kind calibrate: Platt scaling of an
 * ensemble's vote, fitted on the validation period, judged on the test
 * period, written into the model file. A tool's code: it prints. */
#ifndef OSPREY_TRAIN_CALIBRATE_H
#define OSPREY_TRAIN_CALIBRATE_H

#include <stddef.h>

/*
 * train_calibrate - fit p(up | v) = 1 / (1 + exp(-(A v + B))) on the
 * validation votes (v in [-1, 1], y 1 for up), print A and B and, for the
 * test period, the reliability table (ten bins of predicted probability:
 * rows, mean prediction, observed up rate) and the log loss and Brier score
 * of the raw reading (p = (1 + v) / 2) against the calibrated one; with out,
 * write model_path's text to out with its "calibrate" line set (0600 -> the
 * usual umask; written to out.tmp, then renamed). Returns 0, or -1 with a
 * message on stderr.
 */
int train_calibrate(const char *model_path, const char *out, const double *v_val,
                    const float *y_val, size_t n_val, const double *v_test, const float *y_test,
                    size_t n_test);

#endif
