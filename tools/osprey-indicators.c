/* osprey-indicators - TA-Lib's indicator bank over a CSV file.
 *
 *   osprey-indicators [--streaming] [-o OUT] FILE.csv
 *
 * FILE.csv has a header line, then one row per bar, either
 *   OHLCV:      label,open,high,low,close,volume   (6 columns), or
 *   close-only: label,value                          (2 columns),
 * whatever the column names (detected by the header's column count). Fields
 * are plain: no quoting, so a label may not contain a comma. Empty lines are
 * skipped; CRLF line ends are accepted. Output (stdout, or OUT) repeats each
 * input line unchanged and appends the 20 columns named as in
 * ../shared/oracles (SMA20 ... MFI14), printed with %.17g, empty while an
 * indicator is warming up or cannot be computed (close-only input: STOCH,
 * ATR, OBV, WILLR, CCI, ADX, MFI). TA-Lib's default periods. On the oracle
 * inputs the output equals the golden files byte for byte.
 *
 * Default: the batch bank (strat_ind_batch, vectorized over time).
 * --streaming: the streaming bank (strat_ind_bank_update, one bar at a time);
 * it gives the same values.
 *
 * Bad input: "FILE:LINE:COLUMN: what" on stderr (non-numeric or non-finite
 * cell, wrong column count, empty file), exit 1. Usage errors exit 2. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ta.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: osprey-indicators [--streaming] [-o OUT] FILE.csv\n"
		   "  FILE.csv    header + rows: label,open,high,low,close,volume or label,value\n"
		   "  --streaming compute through the streaming bank instead of the batch one\n"
		   "  -o OUT      write there instead of stdout\n");
}

struct input {
	char *buf;      /* the file, NUL-terminated; lines are cut in place */
	char *header;
	char **all;     /* every non-empty line (header first), CR stripped */
	size_t *allno;  /* their 1-based line numbers */
	char **lines;   /* data lines: all + 1 */
	size_t *lineno;
	size_t nrows;
	int ncols;      /* 2 or 6 */
	double *val[5]; /* open, high, low, close, volume (close-only: val[3]) */
};

static int count_fields(const char *s)
{
	int n = 1;
	for (; *s; s++)
		n += *s == ',';
	return n;
}

static char *read_file(const char *path, size_t *ret_len)
{
	char *buf, err[512];
	if (core_file_read(path, SIZE_MAX / 2, &buf, ret_len, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return NULL;
	}
	return buf;
}

/* Parse one numeric field [p, end); false if it is not a finite number. */
static bool parse_num(const char *p, const char *end, double *ret)
{
	char tmp[128];
	size_t n = (size_t)(end - p);
	if (n == 0 || n >= sizeof(tmp))
		return false;
	memcpy(tmp, p, n);
	tmp[n] = 0;
	char *e;
	errno = 0;
	double v = strtod(tmp, &e);
	if (*e || e == tmp || !isfinite(v))
		return false;
	*ret = v;
	return true;
}

static int load(const char *path, struct input *in)
{
	size_t len;
	memset(in, 0, sizeof(*in));
	if (!(in->buf = read_file(path, &len)))
		return -1;
	if (memchr(in->buf, 0, len)) {
		fprintf(stderr, "%s: binary data (NUL byte); expected a CSV text file\n", path);
		return -1;
	}
	/* cut lines */
	size_t cap = 1024, nl = 0, lineno = 0;
	char **lines = in->all = malloc(cap * sizeof(char *));
	size_t *nos = in->allno = malloc(cap * sizeof(size_t));
	if (!lines || !nos) {
		fprintf(stderr, "%s: out of memory\n", path);
		return -1;
	}
	for (char *p = in->buf; p && *p;) {
		char *e = strchr(p, '\n');
		if (e)
			*e = 0;
		size_t l = strlen(p);
		if (l && p[l - 1] == '\r')
			p[--l] = 0;
		lineno++;
		if (l) {
			if (nl == cap) {
				cap *= 2;
				lines = realloc(lines, cap * sizeof(char *));
				nos = realloc(nos, cap * sizeof(size_t));
				if (!lines || !nos) {
					fprintf(stderr, "%s: out of memory\n", path);
					exit(1);
				}
				in->all = lines;
				in->allno = nos;
			}
			lines[nl] = p;
			nos[nl++] = lineno;
		}
		p = e ? e + 1 : NULL;
	}
	if (!nl) {
		fprintf(stderr, "%s:1:1: empty file: expected a header line and rows\n", path);
		return -1;
	}
	in->header = lines[0];
	in->ncols = count_fields(in->header);
	if (in->ncols != 2 && in->ncols != 6) {
		fprintf(stderr,
			"%s:%zu:1: header has %d columns; expected 6 (label,open,high,low,close,volume) "
			"or 2 (label,value)\n", path, nos[0], in->ncols);
		return -1;
	}
	in->lines = lines + 1;
	in->lineno = nos + 1;
	in->nrows = nl - 1;
	int nv = in->ncols - 1;
	double **vals = in->val + (nv == 5 ? 0 : 3);
	for (int c = 0; c < nv; c++)
		if (!(vals[c] = malloc((in->nrows ? in->nrows : 1) * sizeof(double)))) {
			fprintf(stderr, "%s: out of memory\n", path);
			return -1;
		}
	for (size_t r = 0; r < in->nrows; r++) {
		const char *p = in->lines[r];
		int nf = count_fields(p);
		if (nf != in->ncols) {
			fprintf(stderr, "%s:%zu:%d: %d columns, expected %d as in the header\n", path,
				in->lineno[r], nf < in->ncols ? nf : in->ncols + 1, nf, in->ncols);
			return -1;
		}
		const char *f = strchr(p, ',') + 1; /* skip the label */
		for (int c = 0; c < nv; c++) {
			const char *e = strchr(f, ',');
			if (!e)
				e = f + strlen(f);
			if (!parse_num(f, e, &vals[c][r])) {
				fprintf(stderr, "%s:%zu:%d: '%.*s' is not a finite number\n", path,
					in->lineno[r], c + 2, (int)(e - f > 40 ? 40 : e - f), f);
				return -1;
			}
			f = e + 1;
		}
	}
	return 0;
}

static void free_input(struct input *in)
{
	for (int c = 0; c < 5; c++)
		free(in->val[c]);
	free(in->all);
	free(in->allno);
	free(in->buf);
}

static void put_value(FILE *o, double v)
{
	if (isnan(v))
		fputc(',', o);
	else
		fprintf(o, ",%.17g", v);
}

int main(int argc, char **argv)
{
	const char *path = NULL, *outpath = NULL;
	bool streaming = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--streaming")) {
			streaming = true;
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			outpath = argv[++i];
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "osprey-indicators: unknown option %s\n", argv[i]);
			usage(stderr);
			return 2;
		} else if (!path) {
			path = argv[i];
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!path) {
		usage(stderr);
		return 2;
	}
	struct input in;
	if (load(path, &in) < 0) {
		free_input(&in);
		return 1;
	}
	size_t n = in.nrows;
	bool ohlcv = in.ncols == 6;
	double *out[STRAT_IND_COUNT];
	for (int c = 0; c < STRAT_IND_COUNT; c++)
		if (!(out[c] = malloc((n ? n : 1) * sizeof(double)))) {
			fprintf(stderr, "osprey-indicators: out of memory\n");
			return 1;
		}
	char err[256];
	if (streaming) {
		struct strat_ind_bank *b = aligned_alloc(64, sizeof(*b));
		if (!b || strat_ind_bank_init(b, NULL, ohlcv ? 0 : STRAT_IND_CLOSE_ONLY, err,
					      sizeof(err)) < 0) {
			fprintf(stderr, "osprey-indicators: streaming bank: %s\n",
				b ? err : "out of memory");
			return 1;
		}
		for (size_t r = 0; r < n; r++) {
			struct strat_bar bar = { .close = in.val[3][r] };
			if (ohlcv) {
				bar.open = in.val[0][r];
				bar.high = in.val[1][r];
				bar.low = in.val[2][r];
				bar.volume = in.val[4][r];
			}
			double row[STRAT_IND_COUNT];
			strat_ind_bank_update(b, &bar, row);
			for (int c = 0; c < STRAT_IND_COUNT; c++)
				out[c][r] = row[c];
		}
		free(b);
	} else {
		struct strat_ind_series s = { in.val[0], in.val[1], in.val[2], in.val[3], in.val[4], n };
		int rc = strat_ind_batch(NULL, &s, out, err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "osprey-indicators: %s: %s\n", path, err);
			return 1;
		}
	}
	FILE *o = stdout;
	if (outpath && !(o = fopen(outpath, "w"))) {
		fprintf(stderr, "%s: %s\n", outpath, strerror(errno));
		return 1;
	}
	fputs(in.header, o);
	for (int c = 0; c < STRAT_IND_COUNT; c++)
		fprintf(o, ",%s", strat_ind_name((unsigned)c));
	fputc('\n', o);
	for (size_t r = 0; r < n; r++) {
		fputs(in.lines[r], o);
		for (int c = 0; c < STRAT_IND_COUNT; c++)
			put_value(o, out[c][r]);
		fputc('\n', o);
	}
	if (fflush(o) != 0 || ferror(o) || (o != stdout && fclose(o) != 0)) {
		fprintf(stderr, "%s: write error\n", outpath ? outpath : "stdout");
		return 1;
	}
	for (int c = 0; c < STRAT_IND_COUNT; c++)
		free(out[c]);
	free_input(&in);
	return 0;
}
