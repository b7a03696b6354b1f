/* trees_internal.h - the tree-ensemble layout, private to the strategy
 * libraries: shared by trees.c (allocation, scalar kernel, prediction),
 * trees_file.c (.otree load and save), trees_simd.c (AVX2 and AVX-512
 * kernels) and the learn library's XGBoost JSON import (trees_json.c), which
 * builds models in this layout. */
#ifndef OSPREY_TREES_INTERNAL_H
#define OSPREY_TREES_INTERNAL_H

#include "strategy.h"

#define TREES_LANES 16 /* trees are padded to a multiple of this (AVX-512 width) */
#define TREES_XPAD 32  /* the clamped row handed to kernels has this many int32 (zeros past nfeatures) */

static_assert(FEATURE_MAX <= TREES_XPAD, "a row fits two AVX-512 registers");

/*
 * Every tree is stored as a complete binary tree of depth D (the deepest tree
 * of the ensemble), in heap order: internal node i has children 2i+1 and 2i+2;
 * nodes 0 .. ni-1 (ni = 2^D - 1) are internal, the 2^D leaves follow. A leaf of
 * the XGBoost tree above depth D becomes a chain of pass-through nodes (feature
 * 0, split INT32_MAX: always left) whose every descendant leaf holds its value.
 *
 * Decision: go right iff x > split, x the feature clamped to
 * [INT32_MIN + 1, INT32_MAX] (see strat_tree_quantize in strategy.h). So a
 * traversal is D steps of i = 2i + 1 + (x[feat[i]] > split[i]) with no branch.
 *
 * Why that is XGBoost's path: XGBoost was trained on (float)f and sends a row
 * left when (float)x < cond. Rounding to float is monotone, so for every cond
 * there is one integer split s with
 *   x > s  <=>  !((float)x < cond)   for every int32 x in [INT32_MIN + 1, INT32_MAX],
 * even where float cannot represent x (strat_tree_quantize bisects for it).
 * The kernels clamp INT32_MIN to INT32_MIN + 1, which XGBoost cannot tell
 * apart, so every int32 row takes exactly XGBoost's path. Leaf values are
 * added in tree order in float onto the base margin, as XGBoost's CPU
 * predictor does, so the margin is XGBoost's bit for bit (test_trees.c checks
 * every held-out row and leaf against XGBoost 1.7).
 *
 * The arrays are tree-major: tree t's internal nodes are feat[t * ni ...],
 * split[t * ni ...]; its leaves leaf[t * nl ...], leaf_id[t * nl ...].
 * Trees ntrees .. ntrees_pad - 1 are padding (always left, leaf 0, id 0), so
 * the SIMD kernels run whole vectors; they are never summed.
 */
struct strat_tree_model {
	struct strat_tree_info info;
	uint32_t ntrees_pad;
	uint32_t ni;      /* internal nodes per tree: 2^D - 1 */
	uint32_t nl;      /* leaves per tree: 2^D */
	enum strat_tree_isa isa; /* the kernel in use (never AUTO) */
	int32_t *feat;    /* ntrees_pad * ni feature indices (< nfeatures) */
	int32_t *split;   /* ntrees_pad * ni quantized splits */
	float *leaf;      /* ntrees_pad * nl leaf values */
	int32_t *leaf_id; /* ntrees_pad * nl XGBoost node ids */
	uint64_t *node;   /* ntrees_pad * ni: split (low 32 bits) | feat << 32: one 64-bit
			   * gather element per node for the SIMD kernels (half the
			   * elements of gathering feat and split; measured faster on
			   * this EPYC). The scalar kernel reads feat/split (faster there). */
	float base_margin; /* base score in margin space (float, as XGBoost) */
};

/* Kernels: write the leaf slot (0 .. nl-1) of every tree 0 .. ntrees_pad-1
 * for the clamped row x (TREES_XPAD values, 64-byte aligned). m may be a view
 * of a chunk of trees (feat/split offset, ntrees_pad the chunk length). */
void trees__slots_scalar(const struct strat_tree_model *m, const int32_t *x, uint32_t *ret_slot);
void trees__slots_avx2(const struct strat_tree_model *m, const int32_t *x, uint32_t *ret_slot);
void trees__slots_avx512(const struct strat_tree_model *m, const int32_t *x, uint32_t *ret_slot);
bool trees__cpu_has(enum strat_tree_isa isa);

/* trees__alloc - a model of ntrees trees padded to depth (trees.c): every
 * array allocated, padding trees always left, the widest kernel this CPU
 * runs. The caller fills feat, split, leaf, leaf_id and info, then calls
 * trees__pack. 0 or -ENOMEM. */
int trees__alloc(uint32_t ntrees, uint32_t depth, struct strat_tree_model **ret);
/* trees__pack - build node[] from feat and split once both are final. */
void trees__pack(struct strat_tree_model *m);
/* trees__read_file - a whole regular file of at most max bytes into a
 * core_alloc buffer (*ret, the caller frees; one spare byte after the
 * data) (trees_file.c). 0, or -errno / -EINVAL / -ENOMEM with "PATH: what"
 * in err. */
int trees__read_file(const char *path, size_t max, char **ret, size_t *ret_len, char *err,
		     size_t errlen);

/* The .otree container, shared by its reader (trees_file.c) and its writer
 * (the learn library's trees_write.c, which describes the layout). */
#define OTREE_MAGIC "OSPRTREE"
#define OTREE_VERSION 1
#define OTREE_HEADER 64

/* otree__payload_size - bytes of ntrees trees padded to depth in the file. */
static inline uint64_t otree__payload_size(uint32_t ntrees, uint32_t depth)
{
	return (uint64_t)ntrees * (((1ull << depth) - 1) * 8 + (1ull << depth) * 8);
}

#endif
