/* trees.c - tree ensembles, inference: exact split quantization onto the int32
 * feature grid, model allocation, the scalar kernel, prediction and the
 * feature-schema check. The file format is trees_file.c, the AVX2/AVX-512
 * kernels trees_simd.c; XGBoost JSON import is in the learn library
 * (strategy/learn/src/trees_json.c). */
#include "strategy.h"
#include "strat_internal.h"
#include "trees_internal.h"

#include <math.h>

#define SLOT_CHUNK 64 /* trees per kernel call: a multiple of TREES_LANES */

static_assert(SLOT_CHUNK % TREES_LANES == 0, "chunks hold whole vectors");

/* ------------------------------------------------------------------------- */
/* Quantization, ISA names */

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
void trees__pack(struct strat_tree_model *m)
{
	size_t nint = (size_t)m->ntrees_pad * m->ni;
	for (size_t i = 0; i < nint; i++)
		m->node[i] = (uint32_t)m->split[i] | (uint64_t)(uint32_t)m->feat[i] << 32;
}

int trees__alloc(uint32_t ntrees, uint32_t depth, struct strat_tree_model **ret)
{
	uint32_t pad = (ntrees + TREES_LANES - 1) / TREES_LANES * TREES_LANES;
	if (pad == 0)
		pad = TREES_LANES;
	uint32_t nl = 1u << depth;
	size_t nint = (size_t)pad * (nl - 1), nlf = (size_t)pad * nl;
	/* +1: never an empty table (depth 0 has no internal nodes) */
	struct core_layout l = core_layout_begin(sizeof(struct strat_tree_model));
	size_t o_feat = core_layout_add(&l, nint + 1, sizeof(int32_t), CORE_CACHE_LINE);
	size_t o_split = core_layout_add(&l, nint + 1, sizeof(int32_t), CORE_CACHE_LINE);
	size_t o_leaf = core_layout_add(&l, nlf, sizeof(float), CORE_CACHE_LINE);
	size_t o_leaf_id = core_layout_add(&l, nlf, sizeof(int32_t), CORE_CACHE_LINE);
	size_t o_node = core_layout_add(&l, nint + 1, sizeof(uint64_t), CORE_CACHE_LINE);
	struct strat_tree_model *m = core_layout_alloc(&l);
	if (!m)
		return -ENOMEM;
	m->info.ntrees = ntrees;
	m->info.depth = depth;
	m->ntrees_pad = pad;
	m->nl = nl;
	m->ni = nl - 1;
	m->feat = core_layout_at(m, o_feat);
	m->split = core_layout_at(m, o_split);
	m->leaf = core_layout_at(m, o_leaf);
	m->leaf_id = core_layout_at(m, o_leaf_id);
	m->node = core_layout_at(m, o_node);
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
	core_free(m); /* one block (core_layout) */
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
