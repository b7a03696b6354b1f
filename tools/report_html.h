/*
 * report_html.h - one self-contained HTML page from runs' JSON reports
 * (osprey-replay --report FILE.html; osprey-report RUN.json ... -o FILE.html).
 *
 * The page is tools/report/report.html (built in) with each run's JSON, as
 * osprey-replay --json writes it, embedded as
 * <script type="application/json" class="run" data-label="LABEL">; the page's
 * own script draws every plot as SVG and every table from it, so the numbers
 * on the page are those of the JSON. Nothing is fetched: no network, no
 * outside script or font.
 *
 * Memory: the caller owns runs and their text. Threads: any, one call at a
 * time per FILE. Library-style: never prints.
 */
#ifndef OSPREY_REPORT_HTML_H
#define OSPREY_REPORT_HTML_H

#include <stddef.h>
#include <stdio.h>

struct report_run {
	const char *json; /* one JSON object, as osprey-replay --json prints it */
	size_t len;
	const char *label; /* shown with the run's numbers (the file name); may be "" */
};

/* The top-level keys a run's JSON must have for the page to draw it. */
extern const char *const report_required_keys[];
extern const unsigned report_nrequired_keys;

/* report_html_write - the page for runs[0..n) (n >= 1) to out. 0; -EINVAL
 * (n is 0); -EIO when out could not be written (err says so). The JSON is not
 * checked here: json_check it first when it comes from outside. */
int report_html_write(FILE *out, const struct report_run *runs, unsigned n, char *err,
		      size_t errlen);

/* report_html_file - the same into path, written beside it (path.tmp) and
 * renamed into place: a reader never sees half a page. 0, or -errno with
 * err naming the file and the failure. */
int report_html_file(const char *path, const struct report_run *runs, unsigned n, char *err,
		     size_t errlen);

#endif /* OSPREY_REPORT_HTML_H */
