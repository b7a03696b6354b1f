/* osprey-model - inspect a tree-ensemble model and predict from the command line.
 *
 *   osprey-model info --model FILE [--schema any|current]
 *   osprey-model predict --model FILE --csv FEATURES.csv [--isa auto|scalar|avx2|avx512]
 *                        [--schema any|current] [--leaves]
 *   osprey-model import --json MODEL.json -o MODEL.otree
 *
 * FILE is our model file (.otree) or, if it ends in ".json", an XGBoost JSON
 * model. predict reads one row per line: comma-separated int32 features (the
 * Q16 integers of the features stage), at least the model's nfeatures values
 * (extra columns, e.g. a label, are ignored); a first line that does not start
 * with a number is a header and skipped. It prints one line per row:
 * "margin,prediction" (%.17g; prediction is the probability for
 * binary:logistic), and with --leaves the XGBoost node id of the leaf of each
 * tree after them. --schema current refuses a model not trained on this
 * build's features (strat_tree_check_schema; the default, any, accepts it). import stamps an XGBoost
 * JSON model with this build's schema hash and writes our format.
 * Exit 0, 1 on failure (the message names the file, line or offset and field),
 * 2 on usage. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: osprey-model info --model FILE [--schema any|current]\n"
		   "       osprey-model predict --model FILE --csv FEATURES.csv [--isa ISA] "
		   "[--schema any|current] [--leaves]\n"
		   "       osprey-model import --json MODEL.json -o MODEL.otree\n"
		   "  FILE: our .otree file, or XGBoost JSON if it ends in .json\n"
		   "  ISA: auto (default), scalar, avx2, avx512\n");
}

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcmp(s + a - b, suf) == 0;
}

static int load(const char *path, bool current, struct strat_tree_model **m)
{
	char err[512];
	uint64_t schema = strat_feature_schema_hash(STRAT_FEATURE_COUNT);
	int r = ends_with(path, ".json") ? strat_tree_load_json(path, schema, m, err, sizeof(err)) :
					   strat_tree_load(path, 0, m, err, sizeof(err));
	if (r == 0 && current && (r = strat_tree_check_schema(*m, err, sizeof(err)))) {
		*m = strat_tree_free(*m);
		fprintf(stderr, "osprey-model: %s: %s\n", path, err);
		return -1;
	}
	if (r) {
		fprintf(stderr, "osprey-model: %s\n", err);
		return -1;
	}
	return 0;
}

static int cmd_info(const struct strat_tree_model *m, const char *path)
{
	struct strat_tree_info i;
	strat_tree_info(m, &i);
	uint64_t cur = strat_feature_schema_hash(STRAT_FEATURE_COUNT);
	printf("model       %s\n", path);
	printf("kind        %s\n", i.kind == STRAT_TREE_RF ? "rf" : "gbtree");
	printf("objective   %s\n", i.objective == STRAT_TREE_BINARY_LOGISTIC ? "binary:logistic" :
									  "reg:squarederror");
	printf("trees       %u (num_parallel_tree %u)\n", i.ntrees, i.num_parallel_tree);
	printf("depth       %u\n", i.depth);
	printf("features    %u:", i.nfeatures);
	for (unsigned k = 0; k < i.nfeatures; k++)
		printf(" %s", k < STRAT_FEATURE_COUNT ? strat_feature_name(k) : "?");
	printf("\n");
	printf("schema      %016" PRIx64 " (%s this build's %016" PRIx64 ")\n", i.schema_hash,
	       i.schema_hash == cur ? "matches" : "DIFFERS from", cur);
	printf("base_score  %.9g (margin %.9g)\n", (double)i.base_score, (double)i.base_margin);
	printf("isa         %s\n", strat_tree_isa_name(i.isa));
	return 0;
}

static int cmd_predict(const struct strat_tree_model *m, const char *csv, bool leaves)
{
	FILE *f = fopen(csv, "r");
	if (!f) {
		fprintf(stderr, "osprey-model: %s: %s\n", csv, strerror(errno));
		return -1;
	}
	struct strat_tree_info info;
	strat_tree_info(m, &info);
	int32_t *ids = malloc(sizeof(int32_t) * (info.ntrees ? info.ntrees : 1));
	char line[8192];
	int rc = 0;
	unsigned long ln = 0, rows = 0;
	if (!ids) {
		fprintf(stderr, "osprey-model: out of memory\n");
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		ln++;
		size_t len = strlen(line);
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			fprintf(stderr, "osprey-model: %s:%lu: line too long\n", csv, ln);
			rc = -1;
			break;
		}
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		if (len == 0)
			continue;
		char c = line[0];
		if (ln == 1 && !(c == '-' || c == '+' || (c >= '0' && c <= '9')))
			continue; /* header */
		int32_t x[FEATURE_MAX] = { 0 };
		char *p = line;
		for (unsigned k = 0; k < info.nfeatures; k++) {
			char *end;
			errno = 0;
			long long v = strtoll(p, &end, 10);
			if (end == p || errno || v < INT32_MIN || v > INT32_MAX ||
			    (*end != ',' && *end != 0) || (*end == 0 && k + 1 < info.nfeatures)) {
				fprintf(stderr, "osprey-model: %s:%lu: column %u: want an int32 (%u "
					"features per row)\n", csv, ln, k + 1, info.nfeatures);
				rc = -1;
				goto out;
			}
			x[k] = (int32_t)v;
			p = *end ? end + 1 : end;
		}
		rows++;
		printf("%.17g,%.17g", strat_tree_margin(m, x), strat_tree_predict(m, x));
		if (leaves) {
			strat_tree_leaves(m, x, ids, info.ntrees);
			for (uint32_t t = 0; t < info.ntrees; t++)
				printf(",%d", ids[t]);
		}
		printf("\n");
	}
	if (ferror(f)) {
		fprintf(stderr, "osprey-model: %s: read error\n", csv);
		rc = -1;
	} else if (rc == 0 && rows == 0) {
		fprintf(stderr, "osprey-model: %s: no feature rows (empty, or a header only)\n", csv);
		rc = -1;
	}
out:
	free(ids);
	fclose(f);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1], *model = NULL, *csv = NULL, *json = NULL, *out = NULL;
	const char *isa_s = "auto";
	bool current = false, leaves = false;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--leaves")) {
			leaves = true;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "osprey-model: %s: missing value\n", a);
			usage(stderr);
			return 2;
		}
		const char *v = argv[++i];
		if (!strcmp(a, "--model"))
			model = v;
		else if (!strcmp(a, "--csv"))
			csv = v;
		else if (!strcmp(a, "--json"))
			json = v;
		else if (!strcmp(a, "-o"))
			out = v;
		else if (!strcmp(a, "--isa"))
			isa_s = v;
		else if (!strcmp(a, "--schema") && (!strcmp(v, "any") || !strcmp(v, "current")))
			current = !strcmp(v, "current");
		else {
			fprintf(stderr, "osprey-model: unknown option %s %s\n", a, v);
			usage(stderr);
			return 2;
		}
	}
	struct strat_tree_model *m = NULL;
	int rc = 1;
	if (!strcmp(cmd, "import")) {
		if (!json || !out) {
			usage(stderr);
			return 2;
		}
		char err[512];
		if (load(json, current, &m))
			return 1;
		if (strat_tree_save(m, out, err, sizeof(err))) {
			fprintf(stderr, "osprey-model: %s\n", err);
			goto out;
		}
		rc = 0;
		goto out;
	}
	if ((strcmp(cmd, "info") && strcmp(cmd, "predict")) || !model ||
	    (!strcmp(cmd, "predict") && !csv)) {
		usage(stderr);
		return 2;
	}
	enum strat_tree_isa isa;
	if (strat_tree_isa_parse(isa_s, &isa)) {
		fprintf(stderr, "osprey-model: --isa: unknown '%s'\n", isa_s);
		return 2;
	}
	if (load(model, current, &m))
		return 1;
	int r = strat_tree_set_isa(m, isa);
	if (r) {
		fprintf(stderr, "osprey-model: --isa %s: %s\n", isa_s,
			r == -ENOTSUP ? "not supported by this CPU" : strerror(-r));
		goto out;
	}
	if (!strcmp(cmd, "info"))
		rc = cmd_info(m, model) ? 1 : 0;
	else
		rc = cmd_predict(m, csv, leaves) ? 1 : 0;
out:
	strat_tree_free(m);
	return rc;
}
