/* trees_json.c - XGBoost JSON model import: a small strict JSON reader and
 * the translation of XGBoost's trees into our padded, quantized layout
 * (strategy/src/trees_internal.h), which the strategy library runs and
 * saves. Setup-time code for the tools that train and import. */
#include "learn.h"
#include "trees_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define JSON_MAX_BYTES ((size_t)1 << 30)
#define JSON_MAX_DEPTH 64

/* ------------------------------------------------------------------------- */
/* A small strict JSON reader (RFC 8259 grammar) building a flat DOM over the
 * caller's text: enough for XGBoost's model files, no general library. */

enum jtype { J_OBJ, J_ARR, J_STR, J_NUM, J_TRUE, J_FALSE, J_NULL };

struct jn {
	uint32_t off, len;   /* value span (strings: without the quotes) */
	uint32_t koff, klen; /* key span when the parent is an object */
	int32_t child, next; /* first child, next sibling (-1: none) */
	uint32_t count;      /* children */
	uint8_t type;
	bool escaped;        /* string holds a backslash escape */
};

struct jdoc {
	const char *s;
	size_t len;
	struct jn *n;
	uint32_t nn, cap;
	const char *name;
	char *err;
	size_t errlen;
	int rc;
};

static int jfail(struct jdoc *d, size_t off, const char *what)
{
	if (d->rc == 0) {
		core_errf(d->err, d->errlen, "%s: offset %zu: %s", d->name, off, what);
		d->rc = -EINVAL;
	}
	return -1;
}

static size_t jws(const struct jdoc *d, size_t p)
{
	while (p < d->len && (d->s[p] == ' ' || d->s[p] == '\t' || d->s[p] == '\n' || d->s[p] == '\r'))
		p++;
	return p;
}

static int32_t jnew(struct jdoc *d, uint8_t type, size_t off)
{
	if (d->nn == d->cap) {
		if (d->cap >= (1u << 27))
			return jfail(d, off, "too many JSON values");
		uint32_t cap = d->cap ? d->cap * 2 : 1024;
		struct jn *n = core_alloc((size_t)cap * sizeof(*n), 16);
		if (!n) {
			if (d->rc == 0) {
				core_errf(d->err, d->errlen, "%s: out of memory", d->name);
				d->rc = -ENOMEM;
			}
			return -1;
		}
		if (d->n)
			memcpy(n, d->n, (size_t)d->nn * sizeof(*n));
		core_free(d->n);
		d->n = n;
		d->cap = cap;
	}
	struct jn *x = &d->n[d->nn];
	memset(x, 0, sizeof(*x));
	x->type = type;
	x->off = (uint32_t)off;
	x->child = x->next = -1;
	return (int32_t)d->nn++;
}

static int jstring(struct jdoc *d, size_t *pp, uint32_t *off, uint32_t *len, bool *esc)
{
	size_t p = *pp + 1;
	*esc = false;
	while (p < d->len) {
		unsigned char c = (unsigned char)d->s[p];
		if (c == '"') {
			*off = (uint32_t)(*pp + 1);
			*len = (uint32_t)(p - *pp - 1);
			*pp = p + 1;
			return 0;
		}
		if (c < 0x20)
			return jfail(d, p, "control character in string");
		if (c == '\\') {
			*esc = true;
			if (p + 1 >= d->len)
				break;
			c = (unsigned char)d->s[p + 1];
			if (c == 'u') {
				if (d->len - p < 6)
					break;
				for (int i = 2; i < 6; i++)
					if (!strchr("0123456789abcdefABCDEF", d->s[p + i]) || !d->s[p + i])
						return jfail(d, p, "bad \\u escape");
				p += 6;
				continue;
			}
			if (!strchr("\"\\/bfnrt", c) || !c)
				return jfail(d, p, "bad escape in string");
			p += 2;
			continue;
		}
		p++;
	}
	return jfail(d, *pp, "unterminated string");
}

static bool jdigit(const struct jdoc *d, size_t p)
{
	return p < d->len && d->s[p] >= '0' && d->s[p] <= '9';
}

static int jnumber(struct jdoc *d, size_t *pp)
{
	size_t p = *pp;
	if (p < d->len && d->s[p] == '-')
		p++;
	if (!jdigit(d, p))
		return jfail(d, p, "expected a digit");
	if (d->s[p] == '0')
		p++;
	else
		while (jdigit(d, p))
			p++;
	if (p < d->len && d->s[p] == '.') {
		p++;
		if (!jdigit(d, p))
			return jfail(d, p, "expected a digit after '.'");
		while (jdigit(d, p))
			p++;
	}
	if (p < d->len && (d->s[p] == 'e' || d->s[p] == 'E')) {
		p++;
		if (p < d->len && (d->s[p] == '+' || d->s[p] == '-'))
			p++;
		if (!jdigit(d, p))
			return jfail(d, p, "expected a digit in the exponent");
		while (jdigit(d, p))
			p++;
	}
	*pp = p;
	return 0;
}

static int32_t jvalue(struct jdoc *d, size_t *pp, int depth)
{
	size_t p = jws(d, *pp);
	if (p >= d->len)
		return jfail(d, p, "unexpected end of input, expected a value");
	if (depth > JSON_MAX_DEPTH)
		return jfail(d, p, "nesting deeper than 64");
	char c = d->s[p];
	int32_t id;
	if (c == '{' || c == '[') {
		bool obj = c == '{';
		id = jnew(d, obj ? J_OBJ : J_ARR, p);
		if (id < 0)
			return -1;
		p = jws(d, p + 1);
		int32_t last = -1;
		if (p < d->len && d->s[p] == (obj ? '}' : ']')) {
			p++;
			goto done;
		}
		for (;;) {
			uint32_t koff = 0, klen = 0;
			if (obj) {
				bool esc;
				p = jws(d, p);
				if (p >= d->len || d->s[p] != '"')
					return jfail(d, p, "expected a key string");
				if (jstring(d, &p, &koff, &klen, &esc))
					return -1;
				p = jws(d, p);
				if (p >= d->len || d->s[p] != ':')
					return jfail(d, p, "expected ':'");
				p++;
			}
			int32_t ch = jvalue(d, &p, depth + 1);
			if (ch < 0)
				return -1;
			d->n[ch].koff = koff;
			d->n[ch].klen = klen;
			if (last < 0)
				d->n[id].child = ch;
			else
				d->n[last].next = ch;
			last = ch;
			d->n[id].count++;
			p = jws(d, p);
			if (p >= d->len)
				return jfail(d, p, obj ? "unexpected end of input in object" :
							 "unexpected end of input in array");
			if (d->s[p] == ',') {
				p++;
				continue;
			}
			if (d->s[p] == (obj ? '}' : ']')) {
				p++;
				break;
			}
			return jfail(d, p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
		}
	} else if (c == '"') {
		id = jnew(d, J_STR, p);
		if (id < 0)
			return -1;
		uint32_t off, len;
		bool esc;
		if (jstring(d, &p, &off, &len, &esc))
			return -1;
		d->n[id].off = off;
		d->n[id].len = len;
		d->n[id].escaped = esc;
		*pp = p;
		return id;
	} else if (c == '-' || (c >= '0' && c <= '9')) {
		size_t start = p;
		if (jnumber(d, &p))
			return -1;
		id = jnew(d, J_NUM, start);
		if (id < 0)
			return -1;
	} else {
		static const struct { const char *w; uint8_t t; } lit[] = {
			{ "true", J_TRUE }, { "false", J_FALSE }, { "null", J_NULL } };
		id = -1;
		for (unsigned i = 0; i < 3; i++) {
			size_t n = strlen(lit[i].w);
			if (d->len - p >= n && memcmp(d->s + p, lit[i].w, n) == 0) {
				id = jnew(d, lit[i].t, p);
				if (id < 0)
					return -1;
				p += n;
				break;
			}
		}
		if (id < 0)
			return jfail(d, p, "expected a value");
	}
done:
	d->n[id].len = (uint32_t)(p - d->n[id].off);
	*pp = p;
	return id;
}

static int32_t jget(const struct jdoc *d, int32_t obj, const char *key)
{
	if (obj < 0 || d->n[obj].type != J_OBJ)
		return -1;
	size_t kl = strlen(key);
	for (int32_t c = d->n[obj].child; c >= 0; c = d->n[c].next)
		if (d->n[c].klen == kl && memcmp(d->s + d->n[c].koff, key, kl) == 0)
			return c;
	return -1;
}

/* The text of a number, or of a string holding one (XGBoost writes some
 * parameters as strings: "num_feature": "13"), NUL-terminated in buf. */
static bool jnumtext(const struct jdoc *d, int32_t id, char *buf, size_t n)
{
	if (id < 0)
		return false;
	const struct jn *x = &d->n[id];
	if (x->type != J_NUM && !(x->type == J_STR && !x->escaped))
		return false;
	if (x->len == 0 || x->len >= n)
		return false;
	memcpy(buf, d->s + x->off, x->len);
	buf[x->len] = 0;
	if (x->type == J_STR) { /* must itself be a JSON number */
		struct jdoc t = { .s = buf, .len = x->len, .name = "", .rc = 0 };
		size_t p = 0;
		if (jnumber(&t, &p) || p != x->len)
			return false;
	}
	return true;
}

static bool jint(const struct jdoc *d, int32_t id, int64_t *ret)
{
	char buf[32];
	if (!jnumtext(d, id, buf, sizeof(buf)) || strpbrk(buf, ".eE"))
		return false;
	errno = 0;
	char *end;
	long long v = strtoll(buf, &end, 10);
	if (errno || *end)
		return false;
	*ret = v;
	return true;
}

static bool jfloat(const struct jdoc *d, int32_t id, float *ret)
{
	char buf[64];
	if (!jnumtext(d, id, buf, sizeof(buf)))
		return false;
	char *end;
	/* strtof rounds the decimal to float once (via double would round twice) */
	float v = strtof(buf, &end);
	if (*end || !isfinite(v))
		return false;
	*ret = v;
	return true;
}

/* base_score: "5E-1", or "[5E-1]" as newer XGBoost versions write it (one target). */
static bool jbase_score(const struct jdoc *d, int32_t id, float *ret)
{
	if (id >= 0 && d->n[id].type == J_STR && d->n[id].len > 2 && d->s[d->n[id].off] == '[' &&
	    d->s[d->n[id].off + d->n[id].len - 1] == ']') {
		struct jn inner = d->n[id];
		inner.off++;
		inner.len -= 2;
		struct jdoc t = *d;
		t.n = &inner;
		return jfloat(&t, 0, ret);
	}
	return jfloat(d, id, ret);
}

static bool jstreq(const struct jdoc *d, int32_t id, const char *s)
{
	return id >= 0 && d->n[id].type == J_STR && d->n[id].len == strlen(s) &&
	       memcmp(d->s + d->n[id].off, s, d->n[id].len) == 0;
}

static float prob_to_margin(enum strat_tree_objective obj, float base_score)
{
	/* XGBoost's ObjFunction::ProbToMargin, in float */
	if (obj == STRAT_TREE_BINARY_LOGISTIC)
		return -logf(1.0f / base_score - 1.0f);
	return base_score;
}


/* ------------------------------------------------------------------------- */
/* XGBoost JSON -> padded trees */

struct xtree {
	int32_t nnodes;
	int32_t left, right, split_idx, cond, stype; /* array node ids */
	int32_t *l, *r, *f;  /* decoded arrays */
	float *c;
};

struct xctx {
	struct jdoc *d;
	uint32_t nfeatures;
	uint32_t t;      /* tree index, for messages */
	char *err;
	size_t errlen;
};

#define TREEPATH "learner.gradient_booster.model.trees"

static int xerr(struct xctx *x, int rc, const char *field, long long i, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int xerr(struct xctx *x, int rc, const char *field, long long i, const char *fmt, ...)
{
	char what[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	core_errf(x->err, x->errlen, "%s: " TREEPATH "[%u].%s[%lld]: %s", x->d->name, x->t, field,
	          i, what);
	return rc;
}

/* Depth of the subtree at node i (0: a leaf); -1 on a malformed tree. */
static int xdepth(struct xctx *x, const struct xtree *t, int32_t i, int level)
{
	if (level > STRAT_TREE_MAX_DEPTH)
		return xerr(x, -ENOTSUP, "left_children", i,
			    "deeper than STRAT_TREE_MAX_DEPTH (%d) or a cycle", STRAT_TREE_MAX_DEPTH);
	int32_t l = t->l[i], r = t->r[i];
	if (l == -1 && r == -1)
		return 0;
	if (l <= 0 || r <= 0 || l >= t->nnodes || r >= t->nnodes)
		return xerr(x, -EINVAL, "left_children", i, "child %d out of range",
			    l <= 0 || l >= t->nnodes ? l : r);
	if (t->f[i] < 0 || (uint32_t)t->f[i] >= x->nfeatures)
		return xerr(x, -EINVAL, "split_indices", i, "feature %d out of range (num_feature %u)",
			    t->f[i], x->nfeatures);
	int a = xdepth(x, t, l, level + 1);
	if (a < 0)
		return a;
	int b = xdepth(x, t, r, level + 1);
	if (b < 0)
		return b;
	return 1 + (a > b ? a : b);
}

static void xfill(struct strat_tree_model *m, uint32_t tree, const struct xtree *t, int32_t xi,
		  uint32_t pi, uint32_t level)
{
	if (level == m->info.depth) {
		size_t o = (size_t)tree * m->nl + (pi - m->ni);
		m->leaf[o] = t->c[xi];
		m->leaf_id[o] = xi;
		return;
	}
	size_t o = (size_t)tree * m->ni + pi;
	bool leaf = t->l[xi] == -1;
	m->feat[o] = leaf ? 0 : t->f[xi];
	m->split[o] = leaf ? INT32_MAX : strat_tree_quantize(t->c[xi]);
	xfill(m, tree, t, leaf ? xi : t->l[xi], 2 * pi + 1, level + 1);
	xfill(m, tree, t, leaf ? xi : t->r[xi], 2 * pi + 2, level + 1);
}

/* Decode one int or float array of exactly n elements. */
static int xarray(struct xctx *x, int32_t tree_node, const char *field, int32_t n, int32_t *iv,
		  float *fv)
{
	struct jdoc *d = x->d;
	int32_t a = jget(d, tree_node, field);
	if (a < 0 || d->n[a].type != J_ARR) {
		core_errf(x->err, x->errlen, "%s: " TREEPATH "[%u].%s: missing or not an array",
		          d->name, x->t, field);
		return -EINVAL;
	}
	if ((int64_t)d->n[a].count != n) {
		core_errf(x->err, x->errlen, "%s: " TREEPATH "[%u].%s: %u elements, num_nodes %d",
		          d->name, x->t, field, d->n[a].count, n);
		return -EINVAL;
	}
	int32_t i = 0;
	for (int32_t c = d->n[a].child; c >= 0; c = d->n[c].next, i++) {
		int64_t v;
		if (iv) {
			if (!jint(d, c, &v) || v < INT32_MIN || v > INT32_MAX)
				return xerr(x, -EINVAL, field, i, "not an int32");
			iv[i] = (int32_t)v;
		} else if (!jfloat(d, c, &fv[i])) {
			return xerr(x, -EINVAL, field, i, "not a finite float");
		}
	}
	return 0;
}

static int from_dom(struct jdoc *d, uint64_t schema, struct strat_tree_model **ret, char *err,
		    size_t errlen)
{
	const char *name = d->name;
	int32_t learner = jget(d, 0, "learner");
	int32_t gb = jget(d, learner, "gradient_booster");
	int32_t lmp = jget(d, learner, "learner_model_param");
	int32_t objn = jget(d, jget(d, learner, "objective"), "name");
	if (learner < 0 || gb < 0 || lmp < 0 || objn < 0) {
		core_errf(err, errlen,
		          "%s: not an XGBoost JSON model (learner.gradient_booster, "
		          "learner_model_param, objective.name required)",
		          name);
		return -EINVAL;
	}
	if (!jstreq(d, jget(d, gb, "name"), "gbtree")) {
		core_errf(err, errlen,
		          "%s: learner.gradient_booster.name: only gbtree is supported", name);
		return -ENOTSUP;
	}
	enum strat_tree_objective obj;
	if (jstreq(d, objn, "binary:logistic"))
		obj = STRAT_TREE_BINARY_LOGISTIC;
	else if (jstreq(d, objn, "reg:squarederror"))
		obj = STRAT_TREE_REG_SQUARED;
	else {
		core_errf(err, errlen,
		          "%s: learner.objective.name: only binary:logistic and "
		          "reg:squarederror are supported",
		          name);
		return -ENOTSUP;
	}
	int64_t nclass = 0, ntarget = 1, nfeat = -1, npar = -1;
	float base_score;
	if (!jint(d, jget(d, lmp, "num_feature"), &nfeat) || nfeat < 1 || nfeat > FEATURE_MAX) {
		core_errf(err, errlen,
		          "%s: learner.learner_model_param.num_feature: missing or out "
		          "of range 1..%d",
		          name, FEATURE_MAX);
		return jget(d, lmp, "num_feature") >= 0 && nfeat > FEATURE_MAX ? -ENOTSUP : -EINVAL;
	}
	if (jget(d, lmp, "num_class") >= 0 && (!jint(d, jget(d, lmp, "num_class"), &nclass) || nclass > 1)) {
		core_errf(err, errlen,
		          "%s: learner.learner_model_param.num_class: multi-class models "
		          "are not supported",
		          name);
		return -ENOTSUP;
	}
	if (jget(d, lmp, "num_target") >= 0 && (!jint(d, jget(d, lmp, "num_target"), &ntarget) || ntarget != 1)) {
		core_errf(err, errlen,
		          "%s: learner.learner_model_param.num_target: only 1 is supported", name);
		return -ENOTSUP;
	}
	if (!jbase_score(d, jget(d, lmp, "base_score"), &base_score) ||
	    (obj == STRAT_TREE_BINARY_LOGISTIC && !(base_score > 0 && base_score < 1))) {
		core_errf(err, errlen,
		          "%s: learner.learner_model_param.base_score: missing or out of "
		          "range",
		          name);
		return -EINVAL;
	}
	int32_t model = jget(d, gb, "model");
	int32_t trees = jget(d, model, "trees");
	int32_t tinfo = jget(d, model, "tree_info");
	if (trees < 0 || d->n[trees].type != J_ARR) {
		core_errf(err, errlen, "%s: " TREEPATH ": missing or not an array", name);
		return -EINVAL;
	}
	if (!jint(d, jget(d, jget(d, model, "gbtree_model_param"), "num_parallel_tree"), &npar) ||
	    npar < 1 || npar > STRAT_TREE_MAX_TREES) {
		core_errf(err, errlen,
		          "%s: learner.gradient_booster.model.gbtree_model_param."
		          "num_parallel_tree: missing or out of range",
		          name);
		return -EINVAL;
	}
	uint32_t ntrees = d->n[trees].count;
	if (ntrees > STRAT_TREE_MAX_TREES) {
		core_errf(err, errlen, "%s: " TREEPATH ": %u trees, at most %d", name, ntrees,
		          STRAT_TREE_MAX_TREES);
		return -ENOTSUP;
	}
	if (tinfo >= 0) { /* one output group: every tree in group 0 */
		int64_t g;
		uint32_t i = 0;
		if (d->n[tinfo].type != J_ARR || d->n[tinfo].count != ntrees) {
			core_errf(err, errlen,
			          "%s: learner.gradient_booster.model.tree_info: want %u "
			          "elements",
			          name, ntrees);
			return -EINVAL;
		}
		for (int32_t c = d->n[tinfo].child; c >= 0; c = d->n[c].next, i++)
			if (!jint(d, c, &g) || g != 0) {
				core_errf(err, errlen,
				          "%s: learner.gradient_booster.model.tree_info[%u]: "
				          "only output group 0 is supported",
				          name, i);
				return -ENOTSUP;
			}
	}

	/* pass 1: decode each tree, check it, find the depth; pass 2: fill */
	struct xctx x = { .d = d, .nfeatures = (uint32_t)nfeat, .err = err, .errlen = errlen };
	struct xtree *xt = core_alloc(((size_t)ntrees + 1) * sizeof(*xt), 16);
	if (!xt)
		goto fail_nomem;
	int rc = 0, depth = 0;
	uint64_t nodes_total = 0;
	int32_t tn = d->n[trees].child;
	for (uint32_t t = 0; t < ntrees; t++, tn = d->n[tn].next) {
		x.t = t;
		struct xtree *tr = &xt[t];
		int64_t nn;
		if (!jint(d, jget(d, jget(d, tn, "tree_param"), "num_nodes"), &nn) || nn < 1 ||
		    nn > (int64_t)STRAT_TREE_MAX_NODES) {
			core_errf(err, errlen,
			          "%s: " TREEPATH "[%u].tree_param.num_nodes: missing or "
			          "out of range",
			          name, t);
			rc = -EINVAL;
			goto out_free;
		}
		tr->nnodes = (int32_t)nn;
		tr->l = core_alloc((size_t)nn * sizeof(int32_t), 16);
		tr->r = core_alloc((size_t)nn * sizeof(int32_t), 16);
		tr->f = core_alloc((size_t)nn * sizeof(int32_t), 16);
		tr->c = core_alloc((size_t)nn * sizeof(float), 16);
		if (!tr->l || !tr->r || !tr->f || !tr->c) {
			rc = -ENOMEM;
			core_errf(err, errlen, "%s: out of memory", name);
			goto out_free;
		}
		if ((rc = xarray(&x, tn, "left_children", tr->nnodes, tr->l, NULL)) ||
		    (rc = xarray(&x, tn, "right_children", tr->nnodes, tr->r, NULL)) ||
		    (rc = xarray(&x, tn, "split_indices", tr->nnodes, tr->f, NULL)) ||
		    (rc = xarray(&x, tn, "split_conditions", tr->nnodes, NULL, tr->c)))
			goto out_free;
		int32_t st = jget(d, tn, "split_type");
		if (st >= 0) {
			int32_t i = 0;
			int64_t v;
			for (int32_t c = d->n[st].child; c >= 0; c = d->n[c].next, i++)
				if (!jint(d, c, &v) || v != 0) {
					rc = xerr(&x, -ENOTSUP, "split_type", i,
						  "categorical split (split_type %lld) not supported",
						  (long long)v);
					goto out_free;
				}
		}
		int dp = xdepth(&x, tr, 0, 0);
		if (dp < 0) {
			rc = dp;
			goto out_free;
		}
		if (dp > depth)
			depth = dp;
	}
	for (uint32_t t = 0; t < ntrees; t++)
		nodes_total += (uint64_t)2 << depth;
	if (nodes_total > STRAT_TREE_MAX_NODES) {
		core_errf(err, errlen, "%s: %u trees of depth %d: too many padded nodes (max %u)",
		          name, ntrees, depth, STRAT_TREE_MAX_NODES);
		rc = -ENOTSUP;
		goto out_free;
	}
	struct strat_tree_model *m;
	rc = trees__alloc(ntrees, (uint32_t)depth, &m);
	if (rc) {
		core_errf(err, errlen, "%s: out of memory", name);
		goto out_free;
	}
	for (uint32_t t = 0; t < ntrees; t++)
		xfill(m, t, &xt[t], 0, 0, 0);
	trees__pack(m);
	m->info.kind = npar > 1 ? STRAT_TREE_RF : STRAT_TREE_GBTREE;
	m->info.objective = obj;
	m->info.nfeatures = (uint32_t)nfeat;
	m->info.num_parallel_tree = (uint32_t)npar;
	m->info.schema_hash = schema;
	m->info.base_score = base_score;
	m->base_margin = m->info.base_margin = prob_to_margin(obj, base_score);
	*ret = m;
out_free:
	for (uint32_t t = 0; t < ntrees; t++) {
		core_free(xt[t].l);
		core_free(xt[t].r);
		core_free(xt[t].f);
		core_free(xt[t].c);
	}
	core_free(xt);
	return rc;
fail_nomem:
	core_errf(err, errlen, "%s: out of memory", name);
	return -ENOMEM;
}

CORE_COLD int strat_tree_from_json(const char *name, const char *text, size_t len,
				   uint64_t schema_hash, struct strat_tree_model **ret_model,
				   char *err, size_t errlen)
{
	if (!name)
		name = "json";
	if (!text || !ret_model) {
		core_errf(err, errlen, "%s: text and ret_model are required", name);
		return -EINVAL;
	}
	if (len > JSON_MAX_BYTES) {
		core_errf(err, errlen, "%s: %zu bytes, at most %zu", name, len, JSON_MAX_BYTES);
		return -EINVAL;
	}
	struct jdoc d = { .s = text, .len = len, .name = name, .err = err, .errlen = errlen };
	size_t p = 0;
	int32_t root = jvalue(&d, &p, 0);
	if (root >= 0) {
		p = jws(&d, p);
		if (p != len)
			jfail(&d, p, "trailing characters after the JSON value");
		else if (d.n[root].type != J_OBJ)
			jfail(&d, 0, "top level is not an object");
	}
	int rc = d.rc;
	if (rc == 0)
		rc = from_dom(&d, schema_hash, ret_model, err, errlen);
	core_free(d.n);
	return rc;
}


CORE_COLD int strat_tree_load_json(const char *path, uint64_t schema_hash,
				   struct strat_tree_model **ret_model, char *err, size_t errlen)
{
	char *buf;
	size_t n;
	int rc = trees__read_file(path, JSON_MAX_BYTES, &buf, &n, err, errlen);
	if (rc)
		return rc;
	rc = strat_tree_from_json(path, buf, n, schema_hash, ret_model, err, errlen);
	core_free(buf);
	return rc;
}
