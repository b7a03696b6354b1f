/* report_html.c - the self-contained HTML report (report_html.h). */
#include "report_html.h"

#include <errno.h>
#include <string.h>

extern const char report_template[]; /* tools/report/report.html, by embed.py */
extern const size_t report_template_len;

const char *const report_required_keys[] = { "messages", "model", "latency_ns", "rejects_by_reason",
	                                     "risk" };
const unsigned report_nrequired_keys = sizeof(report_required_keys) / sizeof(report_required_keys[0]);

#define MARKER "<!--RUNS-->"

/* Text inside <script> ends at the first "</": JSON allows "\/" for "/". */
static void put_script_text(FILE *out, const char *s, size_t n)
{
	size_t from = 0;
	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] == '<' && s[i + 1] == '/') {
			fwrite(s + from, 1, i + 1 - from, out);
			fputs("\\", out);
			from = i + 1;
		}
	fwrite(s + from, 1, n - from, out);
}

static void put_attr(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(*s, out);
		}
	}
}

int report_html_write(FILE *out, const struct report_run *runs, unsigned n, char *err,
		      size_t errlen)
{
	if (!n) {
		snprintf(err, errlen, "no run to report");
		return -EINVAL;
	}
	const char *mark = strstr(report_template, MARKER);
	size_t head = mark ? (size_t)(mark - report_template) : report_template_len;
	fwrite(report_template, 1, head, out);
	for (unsigned i = 0; i < n; i++) {
		fputs("<script type=\"application/json\" class=\"run\" data-label=\"", out);
		put_attr(out, runs[i].label ? runs[i].label : "");
		fputs("\">\n", out);
		put_script_text(out, runs[i].json, runs[i].len);
		fputs("</script>\n", out);
	}
	if (mark)
		fputs(mark + strlen(MARKER), out);
	if (fflush(out) != 0 || ferror(out)) {
		snprintf(err, errlen, "writing the report: %s", strerror(errno ? errno : EIO));
		return -EIO;
	}
	return 0;
}

int report_html_file(const char *path, const struct report_run *runs, unsigned n, char *err,
		     size_t errlen)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: name too long", path);
		return -ENAMETOOLONG;
	}
	FILE *f = fopen(tmp, "w");
	if (!f) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", tmp, strerror(e));
		return -e;
	}
	char why[200];
	int r = report_html_write(f, runs, n, why, sizeof(why));
	if (fclose(f) != 0 && r == 0) {
		r = -errno;
		snprintf(why, sizeof(why), "%s", strerror(errno));
	}
	if (r == 0 && rename(tmp, path) < 0) {
		r = -errno;
		snprintf(why, sizeof(why), "%s", strerror(errno));
	}
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		remove(tmp);
	}
	return r;
}
