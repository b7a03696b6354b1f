/*
 * osprey-report - the self-contained HTML report from runs' JSON
 * (osprey-replay --json): one run, or several overlaid to compare them; or
 * from latency logs (--hlog, HdrHistogram V1.3: every tag's percentile
 * distribution and its p50/p99/max per interval), alone or with runs.
 *
 *   osprey-report -o report.html RUN.json [RUN2.json | LATENCY.hlog ...]
 *
 * Each input is checked first (JSON syntax, and the keys the page draws
 * from); a bad one is named with the byte offset of what is wrong, and no
 * page is written (report_html_file: written beside its name and renamed
 * into place, so a reader never sees half of one).
 */
#define _GNU_SOURCE /* open_memstream */
#include "hlog_read.h"
#include "json.h"
#include "report_html.h"
#include "telemetry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RUNS 16
#define MAX_BYTES (1ull << 30)

static void usage(FILE *f)
{
	fprintf(f, "usage: osprey-report -o FILE.html RUN.json|LOG.hlog ...   (up to %d)\n"
	           "  RUN.json: what osprey-replay --json printed; several are drawn together\n"
	           "  LOG.hlog: a latency log (--hlog, [engine] hlog): its tags' latency only\n",
	        MAX_RUNS);
}

/* The whole file, NUL-terminated; NULL with a message printed. */
static char *slurp(const char *path, size_t *ret_len)
{
	char *buf, err[512];
	if (core_file_read(path, MAX_BYTES, &buf, ret_len, err, sizeof(err)) < 0) {
		fprintf(stderr, "osprey-report: %s\n", err);
		return NULL;
	}
	return buf;
}

/* A latency log as a report's JSON: every tag's total and its intervals. */
#define MAX_TAGS 16

struct tag_series {
	char name[64];
	struct core_hist total;
	struct telemetry_interval *iv;
	uint32_t n, cap;
};

struct tags {
	struct tag_series t[MAX_TAGS];
	unsigned n;
};

static int on_interval(void *arg, const char *tag, double start_s, double len_s,
		       const struct core_hist *h)
{
	(void)len_s;
	struct tags *ts = arg;
	struct tag_series *s = NULL;
	for (unsigned i = 0; i < ts->n && !s; i++)
		if (!strcmp(ts->t[i].name, tag))
			s = &ts->t[i];
	if (!s) {
		if (ts->n == MAX_TAGS)
			return -EINVAL; /* more tags than a page can show */
		s = &ts->t[ts->n];
		if (core_hist_init(&s->total) < 0)
			return -ENOMEM;
		ts->n++;
		snprintf(s->name, sizeof(s->name), "%s", tag[0] ? tag : "untagged");
	}
	if (s->n == s->cap) {
		uint32_t cap = s->cap ? s->cap * 2 : 256;
		void *p = realloc(s->iv, cap * sizeof(*s->iv));
		if (!p)
			return -ENOMEM;
		s->iv = p;
		s->cap = cap;
	}
	core_hist_merge(&s->total, h);
	s->iv[s->n++] = (struct telemetry_interval){ .start_s = start_s, .count = h->total,
		                                     .p50 = core_hist_value_at(h, 50),
		                                     .p99 = core_hist_value_at(h, 99),
		                                     .max = core_hist_max(h) };
	return 0;
}

/* The JSON page data of a latency log (malloc'd, *ret_len), or NULL with a
 * message printed. */
static char *log_json(const char *path, const char *text, size_t len, size_t *ret_len)
{
	static struct tags ts;
	char err[512];
	char *buf = NULL;
	memset(&ts, 0, sizeof(ts));
	int r = hlog_each(text, len, path, on_interval, &ts, err, sizeof(err));
	if (r < 0 || !ts.n) {
		fprintf(stderr, "osprey-report: %s%s\n", r < 0 ? err : path,
		        r < 0 ? (strstr(err, "refused") ? " (more than 16 tags?)" : "")
		              : ": no latency interval in it");
		goto out;
	}
	FILE *f = open_memstream(&buf, ret_len);
	if (!f)
		goto out;
	struct json_out j;
	json_begin(&j, f);
	json_str(&j, "kind", "latency_log");
	json_str(&j, "source", path);
	json_obj(&j, "latency_ns");
	for (unsigned i = 0; i < ts.n; i++)
		telemetry_json_hist(&j, ts.t[i].name, &ts.t[i].total);
	json_end(&j);
	json_obj(&j, "latency_intervals");
	for (unsigned i = 0; i < ts.n; i++)
		telemetry_json_intervals(&j, ts.t[i].name, ts.t[i].iv, ts.t[i].n, 0);
	json_end(&j);
	json_end(&j);
	if (fclose(f) != 0) {
		free(buf);
		buf = NULL;
	}
	if (!buf)
		fprintf(stderr, "osprey-report: %s: out of memory\n", path);
out:
	for (unsigned i = 0; i < ts.n; i++) {
		core_hist_fini(&ts.t[i].total);
		free(ts.t[i].iv);
	}
	return buf;
}

static bool is_log(const char *path)
{
	size_t n = strlen(path);
	return n > 5 && !strcmp(path + n - 5, ".hlog");
}

int main(int argc, char **argv)
{
	const char *out = NULL;
	const char *paths[MAX_RUNS];
	unsigned n = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "osprey-report: %s needs a file name\n", argv[i]);
				return 2;
			}
			out = argv[++i];
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "osprey-report: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		} else if (n == MAX_RUNS) {
			fprintf(stderr, "osprey-report: more than %d runs\n", MAX_RUNS);
			return 2;
		} else {
			paths[n++] = argv[i];
		}
	}
	if (!out || !n) {
		usage(stderr);
		return 2;
	}
	struct report_run runs[MAX_RUNS];
	char *texts[MAX_RUNS] = { 0 };
	int rc = 1;
	for (unsigned i = 0; i < n; i++) {
		size_t len = 0;
		if (!(texts[i] = slurp(paths[i], &len)))
			goto out;
		if (is_log(paths[i])) {
			char *js = log_json(paths[i], texts[i], len, &len);
			free(texts[i]);
			if (!(texts[i] = js))
				goto out;
		}
		char err[128];
		size_t off;
		if (!is_log(paths[i]) &&
		    json_check(texts[i], len, report_required_keys, report_nrequired_keys, &off, err,
		               sizeof(err)) < 0) {
			fprintf(stderr, "osprey-report: %s: offset %zu: %s (not a run's --json report)\n",
			        paths[i], off, err);
			goto out;
		}
		const char *base = strrchr(paths[i], '/');
		runs[i] = (struct report_run){ .json = texts[i], .len = len,
			                       .label = base ? base + 1 : paths[i] };
	}
	char err[4400];
	if (report_html_file(out, runs, n, err, sizeof(err)) < 0) {
		fprintf(stderr, "osprey-report: %s\n", err);
		goto out;
	}
	rc = 0;
out:
	for (unsigned i = 0; i < n; i++)
		free(texts[i]);
	return rc;
}
