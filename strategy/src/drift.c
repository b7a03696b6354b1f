/* drift.c - the features' reference distribution (deciles of a training
 * period, written by osprey-train --kind reference) and the population
 * stability index of live counts against it (strategy.h, "Drift"). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strategy.h"

#define PSI_FLOOR 1e-4 /* an empty bin counts as this share: ln(0) is not a number */

unsigned strat_drift_bin(const struct strat_drift_ref *r, unsigned feature, int32_t v)
{
	const int32_t *e = r->edge[feature];
	unsigned b = 0;
	for (unsigned j = 0; j < STRAT_DRIFT_BINS - 1; j++)
		b += v >= e[j];
	return b;
}

double strat_drift_psi(const struct strat_drift_ref *r, unsigned feature,
                       const uint64_t counts[STRAT_DRIFT_BINS])
{
	uint64_t n = 0;
	for (unsigned b = 0; b < STRAT_DRIFT_BINS; b++)
		n += counts[b];
	if (!n)
		return 0;
	double psi = 0;
	for (unsigned b = 0; b < STRAT_DRIFT_BINS; b++) {
		double a = (double)counts[b] / (double)n, e = r->share[feature][b];
		a = a < PSI_FLOOR ? PSI_FLOOR : a;
		e = e < PSI_FLOOR ? PSI_FLOOR : e;
		psi += (a - e) * log(a / e);
	}
	return psi;
}

/* One line's words (at most cap), in place. */
static unsigned words(char *line, char **w, unsigned cap)
{
	unsigned n = 0;
	for (char *p = line; *p;) {
		while (*p && isspace((unsigned char)*p))
			*p++ = 0;
		if (!*p)
			break;
		if (n == cap)
			return cap + 1;
		w[n++] = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
	}
	return n;
}

int strat_drift_ref_parse(const char *name, const char *text, struct strat_drift_ref *ret,
                          char *err, size_t errlen)
{
	memset(ret, 0, sizeof(*ret));
	char line[1024], *w[2 + 2 * STRAT_DRIFT_BINS];
	const char *why = NULL;
	int lineno = 0;
	bool header = false, seen[STRAT_FEATURE_COUNT] = { false };
	unsigned nseen = 0;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		lineno++;
		if (len >= sizeof(line)) {
			why = "line too long";
			goto bad;
		}
		memcpy(line, p, len);
		line[len] = 0;
		p += len + (nl ? 1 : 0);
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		unsigned n = words(line, w, sizeof(w) / sizeof(w[0]));
		if (n == 0)
			continue;
		if (!header) {
			if (n != 3 || strcmp(w[0], "osprey-features") ||
			    strcmp(w[1], "reference") || strcmp(w[2], "v1")) {
				why = "not a features reference (want 'osprey-features reference "
				      "v1')";
				goto bad;
			}
			header = true;
			continue;
		}
		char *end;
		if (!strcmp(w[0], "schema") && n == 2) {
			errno = 0;
			ret->schema = strtoull(w[1], &end, 0);
			if (errno || *end) {
				why = "schema: want a number";
				goto bad;
			}
		} else if (!strcmp(w[0], "features") && n == 2) {
			unsigned long v = strtoul(w[1], &end, 10);
			if (*end || v == 0 || v > STRAT_FEATURE_COUNT) {
				why = "features: want 1 .. STRAT_FEATURE_COUNT";
				goto bad;
			}
			ret->nfeatures = (uint32_t)v;
		} else if (!strcmp(w[0], "rows") && n == 2) {
			ret->rows = strtoull(w[1], &end, 10);
			if (*end || !ret->rows) {
				why = "rows: want a count";
				goto bad;
			}
		} else if (!strcmp(w[0], "feature") &&
		           n == 1 + 1 + (STRAT_DRIFT_BINS - 1) + 1 + STRAT_DRIFT_BINS) {
			/* feature I e1 .. e9 shares s0 .. s9 */
			unsigned long i = strtoul(w[1], &end, 10);
			if (*end || !ret->nfeatures || i >= ret->nfeatures || seen[i]) {
				why = "feature: an index below 'features', once each";
				goto bad;
			}
			for (unsigned j = 0; j < STRAT_DRIFT_BINS - 1; j++) {
				long long v = strtoll(w[2 + j], &end, 10);
				if (*end || v < INT32_MIN || v > INT32_MAX ||
				    (j && v < ret->edge[i][j - 1])) {
					why = "feature: edges are Q16 integers, not decreasing";
					goto bad;
				}
				ret->edge[i][j] = (int32_t)v;
			}
			if (strcmp(w[1 + STRAT_DRIFT_BINS], "shares")) {
				why = "feature: want 'shares' after the edges";
				goto bad;
			}
			double sum = 0;
			for (unsigned b = 0; b < STRAT_DRIFT_BINS; b++) {
				double s = strtod(w[2 + STRAT_DRIFT_BINS + b], &end);
				if (*end || !(s >= 0 && s <= 1)) {
					why = "feature: shares are numbers in [0, 1]";
					goto bad;
				}
				ret->share[i][b] = s;
				sum += s;
			}
			if (fabs(sum - 1) > 1e-3) {
				why = "feature: its shares do not add up to 1";
				goto bad;
			}
			seen[i] = true;
			nseen++;
		} else {
			why = "unknown or malformed line";
			goto bad;
		}
	}
	if (!header) {
		why = "empty (no 'osprey-features reference v1' header)";
		goto bad;
	}
	if (!ret->nfeatures || nseen != ret->nfeatures || !ret->rows) {
		core_errf(err, errlen,
		          "%s: want 'features N', 'rows N' and a line for each of the N "
		          "features (%u of %u)",
		          name, nseen, ret->nfeatures);
		return -EINVAL;
	}
	if (ret->schema != strat_feature_schema_hash(ret->nfeatures)) {
		core_errf(err, errlen,
		          "%s: schema %016" PRIx64 " is not these %u features' (%016" PRIx64 ")",
		          name, ret->schema, ret->nfeatures,
		          strat_feature_schema_hash(ret->nfeatures));
		return -EINVAL;
	}
	return 0;
bad:
	core_errf(err, errlen, "%s:%d: %s", name, lineno, why);
	return -EINVAL;
}

int strat_drift_ref_load(const char *path, struct strat_drift_ref *ret, char *err, size_t errlen)
{
	char *buf;
	size_t n;
	int r = core_file_read(path, 65536, &buf, &n, err, errlen);
	if (r < 0)
		return r;
	r = strat_drift_ref_parse(path, buf, ret, err, errlen);
	free(buf);
	return r;
}

int strat_drift_ref_format(const struct strat_drift_ref *r, char *buf, size_t len)
{
	size_t off = 0;
	int n;
#define EMIT(...)                                                                \
	do {                                                                     \
		n = snprintf(buf + off, off < len ? len - off : 0, __VA_ARGS__); \
		if (n < 0)                                                       \
			return -EINVAL;                                          \
		off += (size_t)n;                                                \
	} while (0)
	EMIT("osprey-features reference v1\n"
	     "# deciles of each feature over a training period (osprey-train --kind reference):\n"
	     "# feature I, its 9 edges (Q16: bin b holds edge[b-1] <= f < edge[b]), the shares\n"
	     "schema 0x%016" PRIx64 "\nfeatures %u\nrows %" PRIu64 "\n",
	     r->schema, r->nfeatures, r->rows);
	for (unsigned i = 0; i < r->nfeatures; i++) {
		EMIT("feature %u", i);
		for (unsigned j = 0; j < STRAT_DRIFT_BINS - 1; j++)
			EMIT(" %" PRId32, r->edge[i][j]);
		EMIT(" shares");
		for (unsigned b = 0; b < STRAT_DRIFT_BINS; b++)
			EMIT(" %.6f", r->share[i][b]);
		EMIT("  # %s\n", strat_feature_name(i));
	}
#undef EMIT
	if (off >= len)
		return -ENOSPC;
	return (int)off;
}
