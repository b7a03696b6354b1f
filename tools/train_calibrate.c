/* train_calibrate.c - osprey-train --kind calibrate (train_calibrate.h). */
#define _GNU_SOURCE /* realpath */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn.h"
#include "train_calibrate.h"

#define BINS 10

static double clampp(double p)
{
	return p < 1e-12 ? 1e-12 : p > 1 - 1e-12 ? 1 - 1e-12 : p;
}

static double platt(double a, double b, double v)
{
	return 1 / (1 + exp(-(a * v + b)));
}

/* Log loss, Brier score and the reliability table of predictions p. */
static void judge(const char *what, const double *p, const float *y, size_t n)
{
	size_t cnt[BINS] = { 0 };
	double sum_p[BINS] = { 0 }, sum_y[BINS] = { 0 }, ll = 0, brier = 0;
	for (size_t i = 0; i < n; i++) {
		double q = clampp(p[i]), t = y[i] > 0.5f ? 1 : 0;
		ll -= t * log(q) + (1 - t) * log(1 - q);
		brier += (p[i] - t) * (p[i] - t);
		int b = (int)(p[i] * BINS);
		b = b < 0 ? 0 : b >= BINS ? BINS - 1 : b;
		cnt[b]++;
		sum_p[b] += p[i];
		sum_y[b] += t;
	}
	printf("  test, %-10s log loss %.4f  Brier %.4f; reliability (bin: rows, mean p, up "
	       "rate):\n",
	       what, ll / (double)n, brier / (double)n);
	for (int b = 0; b < BINS; b++)
		if (cnt[b])
			printf("    %.1f-%.1f %8zu  %.3f  %.3f\n", (double)b / BINS,
			       (double)(b + 1) / BINS, cnt[b], sum_p[b] / (double)cnt[b],
			       sum_y[b] / (double)cnt[b]);
}

/* The folder of path, resolved ("" if it cannot be). */
static void folder_of(const char *path, char *ret, size_t cap)
{
	char tmp[4096], *dir;
	snprintf(tmp, sizeof(tmp), "%s", path);
	dir = dirname(tmp);
	if (!realpath(dir, ret))
		snprintf(ret, cap, "%s", "");
}

/* A "member NAME weight W KIND FILE" line with a relative FILE, for a copy
 * written to another folder: FILE made absolute (from the model's folder). */
static void member_line(const char *line, const char *from, FILE *o)
{
	char name[64], kind[16], file[2048];
	double w;
	int used = 0;
	if (from[0] && sscanf(line, "member %63s weight %lf %15s %2047s%n", name, &w, kind, file,
	                      &used) == 4 &&
	    file[0] != '/' && line[used] == '\n') {
		const char *sp = strrchr(line, ' ');
		fprintf(o, "%.*s %s/%s\n", (int)(sp - line), line, from, file);
		return;
	}
	fputs(line, o);
}

/* model_path's text with one "calibrate A B" line (after the header and any
 * earlier one removed), to out.tmp, then renamed over out; written to
 * another folder, its members' relative paths become absolute. */
static int write_model(const char *model_path, const char *out, double a, double b)
{
	char from[4096], to[4096];
	folder_of(model_path, from, sizeof(from));
	folder_of(out, to, sizeof(to));
	if (!strcmp(from, to))
		from[0] = 0; /* same folder: the paths hold */
	FILE *in = fopen(model_path, "r");
	if (!in) {
		fprintf(stderr, "osprey-train: %s: %s\n", model_path, strerror(errno));
		return -1;
	}
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", out);
	FILE *o = fopen(tmp, "w");
	if (!o) {
		fprintf(stderr, "osprey-train: %s: %s\n", tmp, strerror(errno));
		fclose(in);
		return -1;
	}
	char line[4096];
	bool first = true;
	while (fgets(line, sizeof(line), in)) {
		if (!strncmp(line, "calibrate ", 10) || !strcmp(line, "calibrate\n") ||
		    !strncmp(line, "# osprey-train --kind calibrate:", 32))
			continue;
		member_line(line, from, o);
		if (first) /* the header: the calibration right after it */
			fprintf(o,
			        "# osprey-train --kind calibrate: p(up) = 1 / (1 + exp(-(A v + "
			        "B))), "
			        "fitted on the validation period\ncalibrate %.17g %.17g\n",
			        a, b);
		first = false;
	}
	bool bad = ferror(in) || first;
	fclose(in);
	if (fclose(o) || bad || rename(tmp, out)) {
		fprintf(stderr, "osprey-train: writing %s: %s\n", out,
		        bad ? "empty or unreadable model" : strerror(errno));
		remove(tmp);
		return -1;
	}
	return 0;
}

int train_calibrate(const char *model_path, const char *out, const double *v_val,
                    const float *y_val, size_t n_val, const double *v_test, const float *y_test,
                    size_t n_test)
{
	double a, b;
	int r = strat_platt_fit(v_val, y_val, n_val, &a, &b);
	if (r < 0) {
		fprintf(stderr, "osprey-train: calibration: %s\n",
		        r == -EINVAL ? "the validation period has one class only"
		        : r == -EDOM ? "the fit did not converge"
		                     : strerror(-r));
		return -1;
	}
	printf("  calibration on the validation period (%zu rows): calibrate %.6f %.6f\n", n_val, a,
	       b);
	printf("  (p(up) = 1 / (1 + exp(-(A v + B))), v the ensemble's vote in [-1, 1]; at v = "
	       "+-0.6: %.3f / %.3f, at +-1: %.3f / %.3f)\n",
	       platt(a, b, 0.6), platt(a, b, -0.6), platt(a, b, 1), platt(a, b, -1));
	double *raw = malloc(n_test * sizeof(double)), *cal = malloc(n_test * sizeof(double));
	if (!raw || !cal) {
		free(raw);
		free(cal);
		fprintf(stderr, "osprey-train: out of memory\n");
		return -1;
	}
	for (size_t i = 0; i < n_test; i++) {
		raw[i] = (1 + v_test[i]) / 2;
		cal[i] = platt(a, b, v_test[i]);
	}
	judge("raw", raw, y_test, n_test);
	judge("calibrated", cal, y_test, n_test);
	free(raw);
	free(cal);
	if (out && write_model(model_path, out, a, b) < 0)
		return -1;
	if (out)
		printf("  wrote %s\n", out);
	return 0;
}
