/* trees.c - tree ensembles: XGBoost JSON import, our file format, exact split
 * quantization onto the int32 feature grid, scalar kernel and prediction. */
#include "strategy.h"
#include "strat_internal.h"
#include "trees_internal.h"

#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define OTREE_MAGIC "OSPRTREE"
#define OTREE_VERSION 1
#define OTREE_HEADER 64
#define JSON_MAX_BYTES ((size_t)1 << 30)
#define JSON_MAX_DEPTH 64
#define SCHEMA_VERSION "osprey-features/1;q16"
#define SLOT_CHUNK 64 /* trees per kernel call: a multiple of TREES_LANES */

static_assert(SLOT_CHUNK % TREES_LANES == 0, "chunks hold whole vectors");

/* ------------------------------------------------------------------------- */
/* Schema hash, quantization, ISA names */


uint64_t strat_feature_schema_hash(unsigned nfeatures)
{
	uint64_t h = core_fnv1a(CORE_FNV_OFFSET, SCHEMA_VERSION, strlen(SCHEMA_VERSION));
	char num[16];
	int k = snprintf(num, sizeof(num), ";%u;", nfeatures);
	h = core_fnv1a(h, num, (size_t)k);
	for (unsigned i = 0; i < nfeatures; i++) {
		const char *s = strat_feature_name(i);
		h = core_fnv1a(h, s, strlen(s) + 1);
	}
	return h;
}

int32_t strat_tree_quantize(float cond)
{
	/* smallest t in [INT32_MIN + 1, INT32_MAX + 1] with (float)t >= cond
	 * (INT32_MAX + 1: none); (float) of an integer is monotone, so bisect. */
	int64_t lo = (int64_t)INT32_MIN + 1, hi = (int64_t)INT32_MAX + 1;
	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;
		if ((float)mid >= cond)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (int32_t)(lo - 1);
}

static const char *const isa_names[] = { "auto", "scalar", "avx2", "avx512" };

const char *strat_tree_isa_name(enum strat_tree_isa isa)
{
	return (unsigned)isa < 4 ? isa_names[isa] : "?";
}

int strat_tree_isa_parse(const char *name, enum strat_tree_isa *ret)
{
	for (unsigned i = 0; i < 4; i++)
		if (name && strcmp(name, isa_names[i]) == 0) {
			*ret = (enum strat_tree_isa)i;
			return 0;
		}
	return -EINVAL;
}

/* ------------------------------------------------------------------------- */
/* Model allocation */

/* Pack feat and split into node[] once both are final. */
static void model_pack(struct strat_tree_model *m)
{
	size_t nint = (size_t)m->ntrees_pad * m->ni;
	for (size_t i = 0; i < nint; i++)
		m->node[i] = (uint32_t)m->split[i] | (uint64_t)(uint32_t)m->feat[i] << 32;
}

static int model_alloc(uint32_t ntrees, uint32_t depth, struct strat_tree_model **ret)
{
	struct strat_tree_model *m = core_alloc(sizeof(*m), CORE_CACHE_LINE);
	if (!m)
		return -ENOMEM;
	m->info.ntrees = ntrees;
	m->info.depth = depth;
	m->ntrees_pad = (ntrees + TREES_LANES - 1) / TREES_LANES * TREES_LANES;
	if (m->ntrees_pad == 0)
		m->ntrees_pad = TREES_LANES;
	m->nl = 1u << depth;
	m->ni = m->nl - 1;
	size_t nint = (size_t)m->ntrees_pad * m->ni, nlf = (size_t)m->ntrees_pad * m->nl;
	/* +1: never a zero-size allocation (depth 0 has no internal nodes) */
	m->feat = core_alloc((nint + 1) * sizeof(int32_t), CORE_CACHE_LINE);
	m->split = core_alloc((nint + 1) * sizeof(int32_t), CORE_CACHE_LINE);
	m->leaf = core_alloc(nlf * sizeof(float), CORE_CACHE_LINE);
	m->leaf_id = core_alloc(nlf * sizeof(int32_t), CORE_CACHE_LINE);
	m->node = core_alloc((nint + 1) * sizeof(uint64_t), CORE_CACHE_LINE);
	if (!m->feat || !m->split || !m->leaf || !m->leaf_id || !m->node) {
		strat_tree_free(m);
		return -ENOMEM;
	}
	/* padding trees: always left, leaf 0 */
	for (size_t i = 0; i < nint; i++)
		m->split[i] = INT32_MAX;
	m->isa = STRAT_TREE_ISA_SCALAR;
	strat_tree_set_isa(m, STRAT_TREE_ISA_AUTO);
	*ret = m;
	return 0;
}

struct strat_tree_model *strat_tree_free(struct strat_tree_model *m)
{
	if (!m)
		return NULL;
	core_free(m->feat);
	core_free(m->split);
	core_free(m->leaf);
	core_free(m->leaf_id);
	core_free(m->node);
	core_free(m);
	return NULL;
}

void strat_tree_info(const struct strat_tree_model *m, struct strat_tree_info *ret)
{
	*ret = m->info;
	ret->isa = m->isa;
}

int strat_tree_set_isa(struct strat_tree_model *m, enum strat_tree_isa isa)
{
	if (isa == STRAT_TREE_ISA_AUTO) {
		isa = trees__cpu_has(STRAT_TREE_ISA_AVX512) ? STRAT_TREE_ISA_AVX512 :
		      trees__cpu_has(STRAT_TREE_ISA_AVX2)   ? STRAT_TREE_ISA_AVX2 :
							      STRAT_TREE_ISA_SCALAR;
	}
	if (isa != STRAT_TREE_ISA_SCALAR && isa != STRAT_TREE_ISA_AVX2 && isa != STRAT_TREE_ISA_AVX512)
		return -EINVAL;
	if (!trees__cpu_has(isa))
		return -ENOTSUP;
	m->isa = isa;
	m->info.isa = isa;
	return 0;
}

static float prob_to_margin(enum strat_tree_objective obj, float base_score)
{
	/* XGBoost's ObjFunction::ProbToMargin, in float */
	if (obj == STRAT_TREE_BINARY_LOGISTIC)
		return -logf(1.0f / base_score - 1.0f);
	return base_score;
}

/* ------------------------------------------------------------------------- */
/* Prediction */

void trees__slots_scalar(const struct strat_tree_model *m, const int32_t *x, uint32_t *ret_slot)
{
	/* m here is a chunk view: feat/split start at the chunk's first tree and
	 * ntrees_pad is the chunk length (see chunk_view). */
	const uint32_t ni = m->ni, depth = m->info.depth;
	/* 8 trees level by level: 8 independent load chains keep the core busy
	 * (ntrees_pad is a multiple of TREES_LANES) */
	for (uint32_t t = 0; t < m->ntrees_pad; t += 8) {
		const int32_t *ft = m->feat + (size_t)t * ni, *st = m->split + (size_t)t * ni;
		uint32_t i[8] = { 0 };
		for (uint32_t l = 0; l < depth; l++)
			for (uint32_t k = 0; k < 8; k++) {
				uint32_t n = k * ni + i[k];
				i[k] = 2 * i[k] + 1 + (uint32_t)(x[ft[n]] > st[n]);
			}
		for (uint32_t k = 0; k < 8; k++)
			ret_slot[t + k] = i[k] - ni;
	}
}

/* A view of trees [t0, t0 + n) that the kernels walk as a whole model. */
static void chunk_view(const struct strat_tree_model *m, uint32_t t0, uint32_t n,
		       struct strat_tree_model *v)
{
	v->info.depth = m->info.depth;
	v->ni = m->ni;
	v->nl = m->nl;
	v->ntrees_pad = n;
	v->feat = m->feat + (size_t)t0 * m->ni;
	v->split = m->split + (size_t)t0 * m->ni;
	v->node = m->node + (size_t)t0 * m->ni;
}

static void run_kernel(const struct strat_tree_model *v, enum strat_tree_isa isa, const int32_t *x,
		       uint32_t *slot)
{
	switch (isa) {
	case STRAT_TREE_ISA_AVX512:
		trees__slots_avx512(v, x, slot);
		break;
	case STRAT_TREE_ISA_AVX2:
		trees__slots_avx2(v, x, slot);
		break;
	default:
		trees__slots_scalar(v, x, slot);
		break;
	}
}

static void clamp_row(const struct strat_tree_model *m, const int32_t *f, int32_t *x)
{
	memset(x, 0, TREES_XPAD * sizeof(*x));
	for (uint32_t i = 0; i < m->info.nfeatures; i++)
		x[i] = f[i] == INT32_MIN ? INT32_MIN + 1 : f[i];
}

double strat_tree_margin(const struct strat_tree_model *m, const int32_t *f)
{
	int32_t x[TREES_XPAD] CORE_ALIGNED;
	uint32_t slot[SLOT_CHUNK] CORE_ALIGNED;
	struct strat_tree_model v;
	clamp_row(m, f, x);
	float acc = m->base_margin;
	for (uint32_t t0 = 0; t0 < m->info.ntrees; t0 += SLOT_CHUNK) {
		uint32_t n = m->ntrees_pad - t0 < SLOT_CHUNK ? m->ntrees_pad - t0 : SLOT_CHUNK;
		chunk_view(m, t0, n, &v);
		run_kernel(&v, m->isa, x, slot);
		uint32_t end = m->info.ntrees - t0 < n ? m->info.ntrees - t0 : n;
		const float *lf = m->leaf + (size_t)t0 * m->nl;
		/* in tree order, in float: XGBoost's CPU predictor does the same */
		for (uint32_t t = 0; t < end; t++)
			acc += lf[(size_t)t * m->nl + slot[t]];
	}
	return acc;
}

double strat_tree_predict(const struct strat_tree_model *m, const int32_t *f)
{
	float margin = (float)strat_tree_margin(m, f);
	if (m->info.objective == STRAT_TREE_BINARY_LOGISTIC)
		return 1.0f / (1.0f + expf(-margin));
	return margin;
}

int strat_tree_leaves(const struct strat_tree_model *m, const int32_t *f, int32_t *ret, uint32_t n)
{
	if (n < m->info.ntrees)
		return -ENOSPC;
	int32_t x[TREES_XPAD] CORE_ALIGNED;
	uint32_t slot[SLOT_CHUNK] CORE_ALIGNED;
	struct strat_tree_model v;
	clamp_row(m, f, x);
	for (uint32_t t0 = 0; t0 < m->info.ntrees; t0 += SLOT_CHUNK) {
		uint32_t c = m->ntrees_pad - t0 < SLOT_CHUNK ? m->ntrees_pad - t0 : SLOT_CHUNK;
		chunk_view(m, t0, c, &v);
		run_kernel(&v, m->isa, x, slot);
		uint32_t end = m->info.ntrees - t0 < c ? m->info.ntrees - t0 : c;
		for (uint32_t t = 0; t < end; t++)
			ret[t0 + t] = m->leaf_id[(size_t)(t0 + t) * m->nl + slot[t]];
	}
	return (int)m->info.ntrees;
}

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
	rc = model_alloc(ntrees, (uint32_t)depth, &m);
	if (rc) {
		core_errf(err, errlen, "%s: out of memory", name);
		goto out_free;
	}
	for (uint32_t t = 0; t < ntrees; t++)
		xfill(m, t, &xt[t], 0, 0, 0);
	model_pack(m);
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

static int read_file(const char *path, size_t max, char **ret, size_t *ret_len, char *err,
		     size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int rc = -errno;
		core_errf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	struct stat st;
	int rc = 0;
	char *buf = NULL;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		core_errf(err, errlen, "%s: %s", path, strerror(-rc));
		goto out_close;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		core_errf(err, errlen, "%s: not a regular file of at most %zu bytes", path, max);
		rc = -EINVAL;
		goto out_close;
	}
	size_t n = (size_t)st.st_size;
	buf = core_alloc(n + 1, 16);
	if (!buf) {
		core_errf(err, errlen, "%s: out of memory", path);
		rc = -ENOMEM;
		goto out_close;
	}
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = r < 0 ? -errno : -EIO;
			core_errf(err, errlen, "%s: read: %s", path, strerror(-rc));
			core_free(buf);
			goto out_close;
		}
		got += (size_t)r;
	}
	*ret = buf;
	*ret_len = n;
out_close:
	close(fd);
	return rc;
}

CORE_COLD int strat_tree_load_json(const char *path, uint64_t schema_hash,
				   struct strat_tree_model **ret_model, char *err, size_t errlen)
{
	char *buf;
	size_t n;
	int rc = read_file(path, JSON_MAX_BYTES, &buf, &n, err, errlen);
	if (rc)
		return rc;
	rc = strat_tree_from_json(path, buf, n, schema_hash, ret_model, err, errlen);
	core_free(buf);
	return rc;
}

/* ------------------------------------------------------------------------- */
/* Our file format (see strategy.h) */

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static uint32_t fbits(float f)
{
	uint32_t u;
	memcpy(&u, &f, 4);
	return u;
}

static float bitsf(uint32_t u)
{
	float f;
	memcpy(&f, &u, 4);
	return f;
}

static uint64_t payload_size(uint32_t ntrees, uint32_t depth)
{
	return (uint64_t)ntrees * (((1ull << depth) - 1) * 8 + (1ull << depth) * 8);
}

size_t strat_tree_serialize(const struct strat_tree_model *m, void *buf, size_t len)
{
	uint64_t pay = payload_size(m->info.ntrees, m->info.depth);
	size_t need = OTREE_HEADER + (size_t)pay + 8;
	if (len < need)
		return need;
	unsigned char *b = buf;
	memset(b, 0, OTREE_HEADER);
	memcpy(b, OTREE_MAGIC, 8);
	put32(b + 8, OTREE_VERSION);
	put32(b + 12, OTREE_HEADER);
	put32(b + 16, m->info.kind);
	put32(b + 20, m->info.objective);
	put32(b + 24, m->info.ntrees);
	put32(b + 28, m->info.depth);
	put32(b + 32, m->info.nfeatures);
	put32(b + 36, m->info.num_parallel_tree);
	put64(b + 40, m->info.schema_hash);
	put32(b + 48, fbits(m->info.base_score));
	put32(b + 52, fbits(m->base_margin));
	put64(b + 56, pay);
	unsigned char *p = b + OTREE_HEADER;
	for (uint32_t t = 0; t < m->info.ntrees; t++) {
		for (uint32_t i = 0; i < m->ni; i++, p += 8) {
			put32(p, (uint32_t)m->feat[(size_t)t * m->ni + i]);
			put32(p + 4, (uint32_t)m->split[(size_t)t * m->ni + i]);
		}
		for (uint32_t i = 0; i < m->nl; i++, p += 8) {
			put32(p, fbits(m->leaf[(size_t)t * m->nl + i]));
			put32(p + 4, (uint32_t)m->leaf_id[(size_t)t * m->nl + i]);
		}
	}
	put64(p, core_fnv1a(CORE_FNV_OFFSET, b, (size_t)(p - b)));
	return need;
}

CORE_COLD int strat_tree_save(const struct strat_tree_model *m, const char *path, char *err,
			      size_t errlen)
{
	size_t n = strat_tree_serialize(m, NULL, 0);
	unsigned char *buf = core_alloc(n, 16);
	if (!buf) {
		core_errf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	strat_tree_serialize(m, buf, n);
	char tmp[4096];
	int rc = 0;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		core_errf(err, errlen, "%s: path too long", path);
		rc = -ENAMETOOLONG;
		goto out_free;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = -errno;
		core_errf(err, errlen, "%s: %s", tmp, strerror(-rc));
		goto out_free;
	}
	size_t done = 0;
	while (done < n) {
		ssize_t w = write(fd, buf + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = w < 0 ? -errno : -EIO;
			core_errf(err, errlen, "%s: write: %s", tmp, strerror(-rc));
			close(fd);
			unlink(tmp);
			goto out_free;
		}
		done += (size_t)w;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		rc = -errno;
		core_errf(err, errlen, "%s: %s", tmp, strerror(-rc));
		unlink(tmp);
		goto out_free;
	}
	if (rename(tmp, path) < 0) {
		rc = -errno;
		core_errf(err, errlen, "%s: rename: %s", path, strerror(-rc));
		unlink(tmp);
	}
out_free:
	core_free(buf);
	return rc;
}

#define BAD(...)                                     \
	do {                                         \
		core_errf(err, errlen, __VA_ARGS__); \
		return -EBADMSG;                     \
	} while (0)

CORE_COLD int strat_tree_parse(const char *name, const void *buf, size_t len, uint64_t expect_schema,
			       struct strat_tree_model **ret_model, char *err, size_t errlen)
{
	const unsigned char *b = buf;
	if (!name)
		name = "model";
	if (!buf || !ret_model) {
		core_errf(err, errlen, "%s: buf and ret_model are required", name);
		return -EINVAL;
	}
	if (len < 8 || memcmp(b, OTREE_MAGIC, 8) != 0)
		BAD("%s: offset 0: magic: not an osprey tree model (want \"" OTREE_MAGIC "\")%s", name,
		    len < 8 ? ", file truncated" : "");
	if (len < OTREE_HEADER + 8)
		BAD("%s: offset %zu: header: file truncated (%zu bytes, header and checksum need %d)",
		    name, len, len, OTREE_HEADER + 8);
	uint32_t ver = get32(b + 8);
	if (ver != OTREE_VERSION)
		BAD("%s: offset 8: version %u, this build reads %d", name, ver, OTREE_VERSION);
	if (get32(b + 12) != OTREE_HEADER)
		BAD("%s: offset 12: header size %u, want %d", name, get32(b + 12), OTREE_HEADER);
	uint32_t depth = get32(b + 28), ntrees = get32(b + 24);
	uint64_t pay = get64(b + 56);
	if (depth > STRAT_TREE_MAX_DEPTH)
		BAD("%s: offset 28: depth %u out of range 0..%d", name, depth, STRAT_TREE_MAX_DEPTH);
	if (ntrees > STRAT_TREE_MAX_TREES || (uint64_t)ntrees * (2ull << depth) > STRAT_TREE_MAX_NODES)
		BAD("%s: offset 24: ntrees %u too large for depth %u", name, ntrees, depth);
	if (pay != payload_size(ntrees, depth))
		BAD("%s: offset 56: payload size %llu, %u trees of depth %u need %llu", name,
		    (unsigned long long)pay, ntrees, depth,
		    (unsigned long long)payload_size(ntrees, depth));
	if (len != OTREE_HEADER + pay + 8)
		BAD("%s: offset %zu: file %s (%zu bytes, want %llu)", name,
		    len < OTREE_HEADER + pay + 8 ? len : (size_t)(OTREE_HEADER + pay + 8),
		    len < OTREE_HEADER + pay + 8 ? "truncated" : "has trailing bytes", len,
		    (unsigned long long)(OTREE_HEADER + pay + 8));
	size_t csum_off = OTREE_HEADER + (size_t)pay;
	uint64_t want = get64(b + csum_off), got = core_fnv1a(CORE_FNV_OFFSET, b, csum_off);
	if (want != got)
		BAD("%s: offset %zu: checksum %016llx, contents hash to %016llx (corrupt file)", name,
		    csum_off, (unsigned long long)want, (unsigned long long)got);
	uint32_t kind = get32(b + 16), obj = get32(b + 20), nfeat = get32(b + 32), npar = get32(b + 36);
	if (kind != STRAT_TREE_GBTREE && kind != STRAT_TREE_RF)
		BAD("%s: offset 16: kind %u unknown", name, kind);
	if (obj != STRAT_TREE_REG_SQUARED && obj != STRAT_TREE_BINARY_LOGISTIC)
		BAD("%s: offset 20: objective %u unknown", name, obj);
	if (nfeat < 1 || nfeat > FEATURE_MAX)
		BAD("%s: offset 32: nfeatures %u out of range 1..%d", name, nfeat, FEATURE_MAX);
	if (npar < 1 || (kind == STRAT_TREE_RF) != (npar > 1))
		BAD("%s: offset 36: num_parallel_tree %u does not fit kind %u", name, npar, kind);
	uint64_t schema = get64(b + 40);
	float base_score = bitsf(get32(b + 48)), base_margin = bitsf(get32(b + 52));
	if (!isfinite(base_score) || !isfinite(base_margin))
		BAD("%s: offset 48: base score not finite", name);
	if (expect_schema && schema != expect_schema) {
		core_errf(err, errlen,
		          "%s: offset 40: feature schema hash %016llx, this engine's "
		          "features hash to %016llx (model trained for other features)",
		          name, (unsigned long long)schema, (unsigned long long)expect_schema);
		return -EPROTO;
	}
	struct strat_tree_model *m;
	if (model_alloc(ntrees, depth, &m)) {
		core_errf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	const unsigned char *p = b + OTREE_HEADER;
	for (uint32_t t = 0; t < ntrees; t++) {
		for (uint32_t i = 0; i < m->ni; i++, p += 8) {
			uint32_t f = get32(p);
			if (f >= nfeat) {
				strat_tree_free(m);
				BAD("%s: offset %zu: tree %u node %u: feature %u >= nfeatures %u", name,
				    (size_t)(p - b), t, i, f, nfeat);
			}
			m->feat[(size_t)t * m->ni + i] = (int32_t)f;
			m->split[(size_t)t * m->ni + i] = (int32_t)get32(p + 4);
		}
		for (uint32_t i = 0; i < m->nl; i++, p += 8) {
			float v = bitsf(get32(p));
			int32_t id = (int32_t)get32(p + 4);
			if (!isfinite(v) || id < 0) {
				strat_tree_free(m);
				BAD("%s: offset %zu: tree %u leaf %u: %s", name, (size_t)(p - b), t, i,
				    id < 0 ? "negative node id" : "value not finite");
			}
			m->leaf[(size_t)t * m->nl + i] = v;
			m->leaf_id[(size_t)t * m->nl + i] = id;
		}
	}
	model_pack(m);
	m->info.kind = kind;
	m->info.objective = obj;
	m->info.nfeatures = nfeat;
	m->info.num_parallel_tree = npar;
	m->info.schema_hash = schema;
	m->info.base_score = base_score;
	m->info.base_margin = m->base_margin = base_margin;
	*ret_model = m;
	return 0;
}

int strat_tree_check_schema(const struct strat_tree_model *m, char *err, size_t errlen)
{
	uint32_t n = m->info.nfeatures;
	uint64_t want = n <= STRAT_FEATURE_COUNT ? strat_feature_schema_hash(n) : 0;
	if (n <= STRAT_FEATURE_COUNT && m->info.schema_hash == want)
		return 0;
	if (n > STRAT_FEATURE_COUNT)
		core_errf(err, errlen, "model reads %u features, this build has %d", n,
		          STRAT_FEATURE_COUNT);
	else
		core_errf(err, errlen,
		          "model feature schema hash %016llx, this build's first %u "
		          "features hash to %016llx (model trained for other features)",
		          (unsigned long long)m->info.schema_hash, n, (unsigned long long)want);
	return -EPROTO;
}

CORE_COLD int strat_tree_load(const char *path, uint64_t expect_schema,
			      struct strat_tree_model **ret_model, char *err, size_t errlen)
{
	char *buf;
	size_t n;
	int rc = read_file(path, OTREE_HEADER + 8 + (size_t)STRAT_TREE_MAX_NODES * 8, &buf, &n, err,
			   errlen);
	if (rc)
		return rc;
	rc = strat_tree_parse(path, buf, n, expect_schema, ret_model, err, errlen);
	core_free(buf);
	return rc;
}
