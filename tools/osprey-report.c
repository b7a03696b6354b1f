/*
 * osprey-report - the self-contained HTML report from runs' JSON
 * (osprey-replay --json): one run, or several overlaid to compare them.
 *
 *   osprey-report -o report.html RUN.json [RUN2.json ...]
 *
 * Each input is checked first (JSON syntax, and the keys the page draws
 * from); a bad one is named with the byte offset of what is wrong, and no
 * page is written (report_html_file: written beside its name and renamed
 * into place, so a reader never sees half of one).
 */
#include "json.h"
#include "report_html.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RUNS 16
#define MAX_BYTES (1ull << 30)

static void usage(FILE *f)
{
	fprintf(f, "usage: osprey-report -o FILE.html RUN.json [RUN.json ...]   (up to %d runs)\n"
	           "  RUN.json: what osprey-replay --json printed; several are drawn together\n",
	        MAX_RUNS);
}

/* The whole file, NUL-terminated; NULL with a message printed. */
static char *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "osprey-report: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (n + 1 == cap) {
			if (cap >= MAX_BYTES) {
				fprintf(stderr, "osprey-report: %s: larger than 1 GiB\n", path);
				goto fail;
			}
			char *p = realloc(buf, cap * 2);
			if (!p)
				break;
			buf = p;
			cap *= 2;
		}
		size_t r = fread(buf + n, 1, cap - 1 - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (!buf) {
		fprintf(stderr, "osprey-report: %s: out of memory\n", path);
		fclose(f);
		return NULL;
	}
	if (ferror(f)) {
		fprintf(stderr, "osprey-report: %s: %s\n", path, strerror(errno));
		goto fail;
	}
	fclose(f);
	buf[n] = '\0';
	*ret_len = n;
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
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
		char err[128];
		size_t off;
		if (json_check(texts[i], len, report_required_keys, report_nrequired_keys, &off, err,
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
