/* model.c - the linear model: text format, exact decimal -> Q16 parsing, scoring. The
 * writer (strat_model_format) is the learn library's model_write.c. */
#include "strategy.h"
#include "strat_internal.h"

#include <ctype.h>
#include <stdlib.h>

#define MODEL_MAX_BYTES (1u << 20)
#define WEIGHT_MAX      ((int64_t)1024 * FEATURE_ONE)
#define BIAS_MAX        ((int64_t)32767 * FEATURE_ONE)

/*
 * Parse a decimal "[-+]digits[.digits]" into Q16, rounding half away from
 * zero, with integer arithmetic only. 0, or -EINVAL with *why set.
 */
int strat__parse_q16(const char *tok, int64_t *ret, const char **why)
{
	const char *p = tok;
	bool neg = false;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1]))) {
		*why = "not a decimal number";
		return -EINVAL;
	}
	int64_t ip = 0;
	while (isdigit((unsigned char)*p)) {
		ip = ip * 10 + (*p++ - '0');
		if (ip > 1000000000) {
			*why = "number too large";
			return -EINVAL;
		}
	}
	unsigned __int128 frac = 0, pow = 1;
	if (*p == '.') {
		p++;
		unsigned nd = 0;
		while (isdigit((unsigned char)*p)) {
			if (++nd > 18) {
				*why = "more than 18 decimals";
				return -EINVAL;
			}
			frac = frac * 10 + (unsigned)(*p++ - '0');
			pow *= 10;
		}
	}
	if (*p) {
		*why = "not a decimal number";
		return -EINVAL;
	}
	/* round(frac / pow * 65536), half away from zero (magnitude rounds up at .5). */
	int64_t fq = (int64_t)((frac * 2 * FEATURE_ONE + pow) / (2 * pow));
	int64_t v = ip * FEATURE_ONE + fq;
	*ret = neg ? -v : v;
	return 0;
}

static int parse_u64(const char *tok, uint64_t max, uint64_t *ret)
{
	if (!isdigit((unsigned char)*tok))
		return -EINVAL;
	uint64_t v = 0;
	for (const char *p = tok; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	if (v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int validate(const struct strat_model_info *in, const char **why)
{
	if (in->nfeatures < 1 || in->nfeatures > STRAT_FEATURE_COUNT) {
		*why = "features out of range";
		return -EINVAL;
	}
	for (uint32_t i = 0; i < in->nfeatures; i++)
		if (in->weights[i] > WEIGHT_MAX || in->weights[i] < -WEIGHT_MAX) {
			*why = "weight out of range [-1024, 1024]";
			return -EINVAL;
		}
	if (in->bias > BIAS_MAX || in->bias < -BIAS_MAX) {
		*why = "bias out of range";
		return -EINVAL;
	}
	if (in->threshold <= 0 || in->threshold > BIAS_MAX) {
		*why = "threshold must be > 0 and <= 32767";
		return -EINVAL;
	}
	if (in->qty < 1 || in->qty > 1000000) {
		*why = "qty out of range 1..1000000";
		return -EINVAL;
	}
	if (in->price != STRAT_PRICE_OPPOSITE && in->price != STRAT_PRICE_JOIN) {
		*why = "unknown price mode";
		return -EINVAL;
	}
	return 0;
}

static struct strat_model *model_new(const struct strat_model_info *info)
{
	struct strat_model *m = core_alloc(sizeof(*m), CORE_CACHE_LINE);
	if (!m)
		return NULL;
	m->info = *info;
	for (uint32_t i = info->nfeatures; i < STRAT_FEATURE_COUNT; i++)
		m->info.weights[i] = 0;
	m->bias_q32 = info->bias * FEATURE_ONE;
	m->threshold_q32 = info->threshold * FEATURE_ONE;
	return m;
}

int strat_model_from_info(const struct strat_model_info *info, struct strat_model **ret_model,
			  char *err, size_t errlen)
{
	const char *why = NULL;
	if (!info || !ret_model) {
		core_errf(err, errlen, "strat_model_from_info: NULL argument");
		return -EINVAL;
	}
	if (validate(info, &why) < 0) {
		core_errf(err, errlen, "model: %s", why);
		return -EINVAL;
	}
	struct strat_model *m = model_new(info);
	if (!m) {
		core_errf(err, errlen, "model: out of memory");
		return -ENOMEM;
	}
	*ret_model = m;
	return 0;
}

enum {
	K_FEATURES = 1 << 0,
	K_WEIGHTS = 1 << 1,
	K_BIAS = 1 << 2,
	K_THRESHOLD = 1 << 3,
	K_QTY = 1 << 4,
	K_PRICE = 1 << 5,
	K_COOLDOWN_EVENTS = 1 << 6,
	K_COOLDOWN_NS = 1 << 7,
	K_ID = 1 << 8,
	K_SCHEMA = 1 << 9,
};

static const struct {
	const char *name;
	unsigned bit;
} keys[] = {
	{ "features", K_FEATURES },   { "weights", K_WEIGHTS },
	{ "bias", K_BIAS },           { "threshold", K_THRESHOLD },
	{ "qty", K_QTY },             { "price", K_PRICE },
	{ "cooldown_events", K_COOLDOWN_EVENTS }, { "cooldown_ns", K_COOLDOWN_NS },
	{ "id", K_ID },
	{ "schema", K_SCHEMA },
};

#define MAX_TOKENS (STRAT_FEATURE_COUNT + 8)

/* Split line (modified in place) into whitespace-separated tokens, dropping a '#' comment. */
static unsigned tokenize(char *line, char **tok, unsigned max)
{
	char *hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	unsigned n = 0;
	char *p = line;
	for (;;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		if (n == max)
			return max + 1;
		tok[n++] = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = '\0';
	}
	return n;
}

static int parse_line(struct strat_model_info *info, unsigned *seen, char **tok, unsigned ntok,
		      const char **why, char *whybuf, size_t whylen)
{
	unsigned bit = 0;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(tok[0], keys[i].name) == 0)
			bit = keys[i].bit;
	if (!bit) {
		snprintf(whybuf, whylen, "unknown key '%.40s'", tok[0]);
		*why = whybuf;
		return -EINVAL;
	}
	if (*seen & bit) {
		snprintf(whybuf, whylen, "duplicate key '%s'", tok[0]);
		*why = whybuf;
		return -EINVAL;
	}
	*seen |= bit;
	unsigned nargs = ntok - 1;
	char **arg = tok + 1;
	if (bit != K_WEIGHTS && nargs != 1) {
		snprintf(whybuf, whylen, "'%s' takes one value, got %u", tok[0], nargs);
		*why = whybuf;
		return -EINVAL;
	}
	uint64_t u = 0;
	int64_t q = 0;
	switch (bit) {
	case K_FEATURES:
		if (parse_u64(arg[0], STRAT_FEATURE_COUNT, &u) < 0 || u == 0) {
			snprintf(whybuf, whylen, "features: want 1..%d, got '%.20s'",
				 STRAT_FEATURE_COUNT, arg[0]);
			*why = whybuf;
			return -EINVAL;
		}
		info->nfeatures = (uint32_t)u;
		return 0;
	case K_WEIGHTS:
		if (!(*seen & K_FEATURES)) {
			*why = "'weights' before 'features'";
			return -EINVAL;
		}
		if (nargs != info->nfeatures) {
			snprintf(whybuf, whylen, "weights: %u values for %u features", nargs,
				 info->nfeatures);
			*why = whybuf;
			return -EINVAL;
		}
		for (unsigned i = 0; i < nargs; i++) {
			const char *w = NULL;
			if (strat__parse_q16(arg[i], &q, &w) < 0 || q > WEIGHT_MAX || q < -WEIGHT_MAX) {
				snprintf(whybuf, whylen, "weight %u '%.30s': %s", i, arg[i],
					 w ? w : "out of range [-1024, 1024]");
				*why = whybuf;
				return -EINVAL;
			}
			info->weights[i] = (int32_t)q;
		}
		return 0;
	case K_BIAS:
	case K_THRESHOLD: {
		const char *w = NULL;
		if (strat__parse_q16(arg[0], &q, &w) < 0 || q > BIAS_MAX || q < -BIAS_MAX ||
		    (bit == K_THRESHOLD && q <= 0)) {
			snprintf(whybuf, whylen, "%s '%.30s': %s", tok[0], arg[0],
				 w ? w : (bit == K_THRESHOLD ? "must be > 0 and <= 32767"
							     : "out of range"));
			*why = whybuf;
			return -EINVAL;
		}
		if (bit == K_BIAS)
			info->bias = q;
		else
			info->threshold = q;
		return 0;
	}
	case K_QTY:
		if (parse_u64(arg[0], 1000000, &u) < 0 || u == 0) {
			snprintf(whybuf, whylen, "qty '%.20s': want 1..1000000", arg[0]);
			*why = whybuf;
			return -EINVAL;
		}
		info->qty = (uint32_t)u;
		return 0;
	case K_PRICE:
		if (strcmp(arg[0], "opposite") == 0)
			info->price = STRAT_PRICE_OPPOSITE;
		else if (strcmp(arg[0], "join") == 0)
			info->price = STRAT_PRICE_JOIN;
		else {
			snprintf(whybuf, whylen, "price '%.20s': want 'opposite' or 'join'", arg[0]);
			*why = whybuf;
			return -EINVAL;
		}
		return 0;
	case K_COOLDOWN_EVENTS:
		if (parse_u64(arg[0], UINT32_MAX, &u) < 0) {
			snprintf(whybuf, whylen, "cooldown_events '%.20s': want 0..%u", arg[0],
				 UINT32_MAX);
			*why = whybuf;
			return -EINVAL;
		}
		info->cooldown_events = (uint32_t)u;
		return 0;
	case K_COOLDOWN_NS:
		if (parse_u64(arg[0], UINT64_MAX / 2, &u) < 0) {
			snprintf(whybuf, whylen, "cooldown_ns '%.24s': not a nanosecond count",
				 arg[0]);
			*why = whybuf;
			return -EINVAL;
		}
		info->cooldown_ns = u;
		return 0;
	case K_SCHEMA: {
		char *end;
		errno = 0;
		unsigned long long h = strtoull(arg[0], &end, 16);
		if (strncmp(arg[0], "0x", 2) || strlen(arg[0]) != 18 || *end || errno) {
			snprintf(whybuf, whylen, "schema '%.24s': want 0x and 16 hex digits", arg[0]);
			*why = whybuf;
			return -EINVAL;
		}
		if (h != strat_feature_schema()) {
			snprintf(whybuf, whylen,
				 "schema 0x%016llx: built for other features (this engine's are "
				 "0x%016llx)",
				 h, (unsigned long long)strat_feature_schema());
			*why = whybuf;
			return -EINVAL;
		}
		info->schema = h;
		return 0;
	}
	case K_ID:
		if (parse_u64(arg[0], 255, &u) < 0) {
			snprintf(whybuf, whylen, "id '%.20s': want 0..255", arg[0]);
			*why = whybuf;
			return -EINVAL;
		}
		info->id = (uint8_t)u;
		return 0;
	}
	*why = "internal: unhandled key";
	return -EINVAL;
}

/* Is the first non-blank, non-comment line "osprey-model ensemble ..."? */
static bool is_ensemble(const char *text)
{
	const char *p = text;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p != '#')
			break;
		while (*p && *p != '\n')
			p++;
	}
	static const char h[] = "osprey-model";
	if (strncmp(p, h, sizeof(h) - 1))
		return false;
	p += sizeof(h) - 1;
	while (*p == ' ' || *p == '\t')
		p++;
	return !strncmp(p, "ensemble", 8);
}

/* Wrap an ensemble (owned) into a model; text (may be NULL) is its source. */
static int wrap_ensemble(const char *name, struct strat_ensemble *ens, const char *text,
			 struct strat_model **ret_model, char *err, size_t errlen)
{
	struct strat_model *m = core_alloc(sizeof(*m), CORE_CACHE_LINE);
	char *copy = text ? malloc(strlen(text) + 1) : NULL;
	if (!m || (text && !copy)) {
		core_free(m);
		free(copy);
		strat__ensemble_free(ens);
		core_errf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	memset(m, 0, sizeof(*m));
	if (copy)
		strcpy(copy, text);
	const struct strat_ensemble_cfg *c = strat_ensemble_cfg(ens);
	m->ens = ens;
	m->text = copy;
	m->info.nfeatures = strat__ensemble_nfeatures(ens);
	m->info.threshold = c->min_confidence;
	m->info.qty = c->profile[STRAT_PROFILE_BALANCED].qty;
	m->info.price = c->price;
	m->info.cooldown_events = 0; /* the profile's hold governs */
	m->info.cooldown_ns = c->cooldown_ns;
	m->info.id = c->id;
	m->info.schema = c->schema;
	m->threshold_q32 = (int64_t)c->min_confidence * FEATURE_ONE;
	*ret_model = m;
	return 0;
}

static int ensemble_model(const char *name, const char *text, struct strat_model **ret_model,
			  char *err, size_t errlen)
{
	struct strat_ensemble *ens;
	int r = strat__ensemble_parse(name, text, &ens, err, errlen);
	if (r < 0)
		return r;
	return wrap_ensemble(name, ens, text, ret_model, err, errlen);
}

CORE_COLD int strat_model_from_blob(const char *name, const void *buf, size_t len,
				    struct strat_model **ret_model, char *err, size_t errlen)
{
	if (!name)
		name = "model";
	if (!buf || !ret_model) {
		core_errf(err, errlen, "%s: NULL argument", name);
		return -EINVAL;
	}
	struct strat_ensemble *ens;
	int r;
	if (len >= 8 && !memcmp(buf, "OSPRTREE", 8)) {
		struct strat_tree_model *t;
		if ((r = strat_tree_parse(name, buf, len, 0, &t, err, errlen)) < 0)
			return r;
		if ((r = strat_tree_check_schema(t, err, errlen)) < 0) {
			strat_tree_free(t);
			return r;
		}
		if ((r = strat__ensemble_single(name, t, NULL, &ens, err, errlen)) < 0)
			return r;
		return wrap_ensemble(name, ens, NULL, ret_model, err, errlen);
	}
	if (len >= 8 && !memcmp(buf, "OSPRYNN", 8)) {
		static const char *const extra[] = { "position" };
		struct strat_qmlp *q;
		if ((r = strat_qmlp_parse(name, buf, len, strat_nn_schema_hash(extra, 1), &q, err,
					  errlen)) < 0)
			return r;
		struct strat_qmlp_info qi;
		strat_qmlp_info(q, &qi);
		if (qi.sizes[0] != STRAT_FEATURE_COUNT + 1 ||
		    qi.sizes[qi.nsizes - 1] != STRAT_ACT_COUNT) {
			strat_qmlp_free(q);
			core_errf(err, errlen,
			          "%s: not a DQN policy (features + position in, "
			          "hold/buy/sell out)",
			          name);
			return -EINVAL;
		}
		if ((r = strat__ensemble_single(name, NULL, q, &ens, err, errlen)) < 0)
			return r;
		return wrap_ensemble(name, ens, NULL, ret_model, err, errlen);
	}
	if (memchr(buf, '\0', len)) {
		core_errf(err, errlen, "%s: not a model file (binary data without a known magic)",
		          name);
		return -EINVAL;
	}
	char *text = malloc(len + 1);
	if (!text) {
		core_errf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	memcpy(text, buf, len);
	text[len] = '\0';
	r = strat_model_parse(name, text, ret_model, err, errlen);
	free(text);
	return r;
}

CORE_COLD int strat_model_parse(const char *name, const char *text, struct strat_model **ret_model,
				char *err, size_t errlen)
{
	if (!name)
		name = "model";
	if (!text || !ret_model) {
		core_errf(err, errlen, "%s: NULL argument", name);
		return -EINVAL;
	}
	if (is_ensemble(text))
		return ensemble_model(name, text, ret_model, err, errlen);
	struct strat_model_info info = {
		.qty = 100,
		.price = STRAT_PRICE_OPPOSITE,
		.cooldown_events = 100,
		.cooldown_ns = 0,
		.id = 1,
	};
	unsigned seen = 0;
	bool header = false;
	int lineno = 0;
	char line[1024];
	char whybuf[160];
	const char *why = NULL;
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		lineno++;
		if (len >= sizeof(line)) {
			why = "line too long";
			goto fail_line;
		}
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + (nl ? 1 : 0);
		char *tok[MAX_TOKENS];
		unsigned ntok = tokenize(line, tok, MAX_TOKENS);
		if (ntok == 0)
			continue;
		if (ntok > MAX_TOKENS) {
			why = "too many values";
			goto fail_line;
		}
		if (!header) {
			if (ntok != 3 || strcmp(tok[0], "osprey-model") != 0) {
				why = "expected header 'osprey-model linear v1'";
				goto fail_line;
			}
			if (strcmp(tok[1], "linear") != 0 || strcmp(tok[2], "v1") != 0) {
				snprintf(whybuf, sizeof(whybuf),
					 "unsupported model '%.20s %.20s' (want 'linear v1')", tok[1],
					 tok[2]);
				why = whybuf;
				goto fail_line;
			}
			header = true;
			continue;
		}
		if (parse_line(&info, &seen, tok, ntok, &why, whybuf, sizeof(whybuf)) < 0)
			goto fail_line;
	}
	if (!header) {
		why = "empty model (no 'osprey-model linear v1' header)";
		goto fail_line;
	}
	static const struct {
		unsigned bit;
		const char *name;
	} required[] = { { K_FEATURES, "features" },
			 { K_WEIGHTS, "weights" },
			 { K_THRESHOLD, "threshold" } };
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!(seen & required[i].bit)) {
			snprintf(whybuf, sizeof(whybuf), "missing '%s'", required[i].name);
			why = whybuf;
			goto fail_line;
		}
	if (validate(&info, &why) < 0)
		goto fail_line;
	struct strat_model *m = model_new(&info);
	if (!m) {
		core_errf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	*ret_model = m;
	return 0;

fail_line:
	core_errf(err, errlen, "%s:%d: %s", name, lineno, why);
	return -EINVAL;
}

CORE_COLD int strat_model_load(const char *path, struct strat_model **ret_model, char *err,
			       size_t errlen)
{
	int r;
	if (!path || !ret_model) {
		core_errf(err, errlen, "strat_model_load: NULL argument");
		return -EINVAL;
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		r = -errno;
		core_errf(err, errlen, "%s: %s", path, strerror(errno));
		return r;
	}
	char *buf = core_alloc(MODEL_MAX_BYTES + 1, 64);
	if (!buf) {
		r = -ENOMEM;
		core_errf(err, errlen, "%s: out of memory", path);
		goto out_close;
	}
	size_t n = fread(buf, 1, MODEL_MAX_BYTES + 1, f);
	if (ferror(f)) {
		r = -EIO;
		core_errf(err, errlen, "%s: read error", path);
		goto out_free_buf;
	}
	if (n > MODEL_MAX_BYTES) {
		r = -EFBIG;
		core_errf(err, errlen, "%s: larger than %u bytes", path, MODEL_MAX_BYTES);
		goto out_free_buf;
	}
	r = strat_model_from_blob(path, buf, n, ret_model, err, errlen);
out_free_buf:
	core_free(buf);
out_close:
	fclose(f);
	return r;
}

struct strat_model *strat_model_free(struct strat_model *m)
{
	if (m) {
		strat__ensemble_free(m->ens);
		free(m->text);
	}
	core_free(m);
	return NULL;
}

void strat_model_info(const struct strat_model *m, struct strat_model_info *ret)
{
	*ret = m->info;
}

const struct strat_ensemble *strat_model_ensemble(const struct strat_model *m)
{
	return m->ens;
}

int64_t strat_model_score(const struct strat_model *m, const int32_t *f)
{
	if (m->ens)
		return strat_ensemble_vote(m->ens, f, NULL);
	return strat__div_round(strat__score_q32(m, f), FEATURE_ONE);
}
