/* qmlp.c - the int8 MLP (DQN policies and other .onn models): kernel-path
 * dispatch, forward pass, the policy input, and the .onn reader. The kernels
 * are in qmlp_simd.c; the float MLP and the int8 export that builds these
 * models are in the learn library (strategy/learn/src/mlp.c), and so is the
 * .onn writer (qmlp_write.c). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qmlp_internal.h"
#include "strat_internal.h"

/* ------------------------------------------------------------------------- */
/* Kernel paths */

static _Atomic int nn_path; /* 0: not resolved yet */

bool strat_nn_path_supported(enum strat_nn_path p)
{
	switch (p) {
	case STRAT_NN_PATH_AUTO:
	case STRAT_NN_PATH_SCALAR:
		return true;
	case STRAT_NN_PATH_AVX2:
		return __builtin_cpu_supports("avx2");
	case STRAT_NN_PATH_AVX512:
		return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
	}
	return false;
}

const char *strat_nn_path_name(enum strat_nn_path p)
{
	switch (p) {
	case STRAT_NN_PATH_AUTO:
		return "auto";
	case STRAT_NN_PATH_SCALAR:
		return "scalar";
	case STRAT_NN_PATH_AVX2:
		return "avx2";
	case STRAT_NN_PATH_AVX512:
		return "avx512";
	}
	return "?";
}

static enum strat_nn_path path_resolve(void)
{
	const char *e = getenv("OSPREY_NN_PATH");
	if (e) {
		for (int p = STRAT_NN_PATH_SCALAR; p <= STRAT_NN_PATH_AVX512; p++)
			if (strcmp(e, strat_nn_path_name(p)) == 0 && strat_nn_path_supported(p))
				return p;
	}
	if (strat_nn_path_supported(STRAT_NN_PATH_AVX512))
		return STRAT_NN_PATH_AVX512;
	if (strat_nn_path_supported(STRAT_NN_PATH_AVX2))
		return STRAT_NN_PATH_AVX2;
	return STRAT_NN_PATH_SCALAR;
}

int strat_nn_path_select(enum strat_nn_path p)
{
	if (p < STRAT_NN_PATH_AUTO || p > STRAT_NN_PATH_AVX512)
		return -EINVAL;
	if (!strat_nn_path_supported(p))
		return -ENOTSUP;
	if (p == STRAT_NN_PATH_AUTO)
		p = path_resolve();
	/* Relaxed: the value is all a reader needs (it selects code, not data). */
	atomic_store_explicit(&nn_path, (int)p, memory_order_relaxed);
	return 0;
}

enum strat_nn_path strat_nn_path_active(void)
{
	int p = atomic_load_explicit(&nn_path, memory_order_relaxed);
	if (p == 0) {
		/* Racing first callers resolve to the same value. */
		p = (int)path_resolve();
		atomic_store_explicit(&nn_path, p, memory_order_relaxed);
	}
	return (enum strat_nn_path)p;
}

/* ------------------------------------------------------------------------- */
/* Int8 model */

static size_t round_up(size_t v, size_t a)
{
	return (v + a - 1) / a * a;
}

/* Allocate q's arrays for q->sizes in one block. */
int strat__qmlp_alloc(struct strat_qmlp *q)
{
	size_t bytes = 2 * STRAT_NN_MAX_WIDTH * sizeof(float);
	for (unsigned l = 0; l < q->nl; l++) {
		uint32_t in = q->sizes[l], out = q->sizes[l + 1];
		uint32_t op = (uint32_t)round_up(out, STRAT__NN_LANES), ip = (in + 1) / 2;
		bytes += round_up((size_t)ip * op * 2 * sizeof(int16_t), 64);
		bytes += op * (sizeof(int32_t) + sizeof(float));
		bytes += round_up((size_t)out * in, 64);
		if (l + 1 == q->nl && out <= STRAT__NN_NARROW)
			bytes += (size_t)out * round_up(in, 32) * sizeof(int16_t);
	}
	unsigned char *b = core_alloc(bytes, 64);
	if (!b)
		return -ENOMEM;
	memset(b, 0, bytes);
	q->mem = b;
	q->mem_len = bytes;
	q->in_a = (float *)b;
	q->in_b = q->in_a + STRAT_NN_MAX_WIDTH;
	b += 2 * STRAT_NN_MAX_WIDTH * sizeof(float);
	for (unsigned l = 0; l < q->nl; l++) {
		struct strat__qlayer *L = &q->layer[l];
		L->in = q->sizes[l];
		L->out = q->sizes[l + 1];
		L->out_pad = (uint32_t)round_up(L->out, STRAT__NN_LANES);
		L->in_pairs = (L->in + 1) / 2;
		L->w = (int16_t *)b;
		b += round_up((size_t)L->in_pairs * L->out_pad * 2 * sizeof(int16_t), 64);
		L->bias = (int32_t *)b;
		b += L->out_pad * sizeof(int32_t);
		L->scale = (float *)b;
		b += L->out_pad * sizeof(float);
		L->wq = (int8_t *)b;
		b += round_up((size_t)L->out * L->in, 64);
		if (l + 1 == q->nl && L->out <= STRAT__NN_NARROW) {
			L->kpad = (uint32_t)round_up(L->in, 32);
			L->w_rows = (int16_t *)b;
			b += (size_t)L->out * L->kpad * sizeof(int16_t);
		}
	}
	return 0;
}

/* Fill the kernel layout from wq. */
void strat__qmlp_layout(struct strat_qmlp *q)
{
	for (unsigned l = 0; l < q->nl; l++) {
		struct strat__qlayer *L = &q->layer[l];
		for (uint32_t j = 0; j < L->out; j++)
			for (uint32_t i = 0; i < L->in; i++) {
				L->w[((size_t)(i / 2) * L->out_pad + j) * 2 + (i & 1)] =
					L->wq[(size_t)j * L->in + i];
				if (L->w_rows)
					L->w_rows[(size_t)j * L->kpad + i] = L->wq[(size_t)j * L->in + i];
			}
	}
}

struct strat_qmlp *strat_qmlp_free(struct strat_qmlp *q)
{
	if (q) {
		core_free(q->mem);
		core_free(q);
	}
	return NULL;
}

void strat_qmlp_info(const struct strat_qmlp *q, struct strat_qmlp_info *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->nsizes = q->nsizes;
	memcpy(ret->sizes, q->sizes, sizeof(ret->sizes));
	ret->schema_hash = q->schema_hash;
	memcpy(ret->act_scale, q->act_scale, sizeof(ret->act_scale));
	ret->file_bytes = STRAT__NN_HDR_BYTES + strat__qmlp_payload_bytes(q->sizes, q->nsizes) + 8;
}

size_t strat_qmlp_trace_len(const struct strat_qmlp *q)
{
	size_t n = 0;
	for (unsigned l = 0; l < q->nl; l++)
		n += q->layer[l].out;
	return n;
}

static strat__qmlp_fn path_fn(enum strat_nn_path p)
{
	switch (p) {
	case STRAT_NN_PATH_AVX512:
		return strat__qmlp_run_avx512;
	case STRAT_NN_PATH_AVX2:
		return strat__qmlp_run_avx2;
	default:
		return strat__qmlp_run_scalar;
	}
}

/* Dequantize the last layer and take the argmax (lowest index on a tie):
 * the same scalar code after every path. */
static int qmlp_finish(const struct strat_qmlp *q, const int32_t *acc, float *ret_out)
{
	const struct strat__qlayer *L = &q->layer[q->nl - 1];
	int best = 0;
	float bv = 0.0f;
	for (uint32_t j = 0; j < L->out; j++) {
		float v = (float)acc[j] * L->scale[j];
		if (ret_out)
			ret_out[j] = v;
		if (j == 0 || v > bv) {
			bv = v;
			best = (int)j;
		}
	}
	return best;
}

int strat_qmlp_forward(const struct strat_qmlp *q, const int32_t *x, float *ret_out)
{
	int32_t acc[STRAT_NN_MAX_WIDTH] __attribute__((aligned(64)));
	path_fn(strat_nn_path_active())(q, x, NULL, acc);
	return qmlp_finish(q, acc, ret_out);
}

int strat_qmlp_forward_path(const struct strat_qmlp *q, enum strat_nn_path path, const int32_t *x,
			    int32_t *ret_acc, float *ret_out)
{
	if (path == STRAT_NN_PATH_AUTO)
		path = strat_nn_path_active();
	if (!strat_nn_path_supported(path))
		return -ENOTSUP;
	int32_t acc[STRAT_NN_MAX_WIDTH] __attribute__((aligned(64)));
	path_fn(path)(q, x, ret_acc, acc);
	return qmlp_finish(q, acc, ret_out);
}

/* The policy input: features, then the position against its limit. */
void strat_dqn_input(const struct feature_vec *v, int64_t pos, int64_t max_pos, int32_t *ret)
{
	memcpy(ret, v->f, STRAT_FEATURE_COUNT * sizeof(int32_t));
	if (pos > max_pos)
		pos = max_pos;
	if (pos < -max_pos)
		pos = -max_pos;
	ret[STRAT_FEATURE_COUNT] = (int32_t)(pos * 65536 / max_pos);
}

/* ------------------------------------------------------------------------- */
/* File format (".onn", little-endian): the byte layout is described beside
 * the writer (strategy/learn/src/qmlp_write.c). The parser refuses a file
 * with -EINVAL and a message naming the problem when anything is off. */

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

#define BAD(off, ...)                                                                  \
	do {                                                                           \
		char m_[256];                                                          \
		snprintf(m_, sizeof(m_), __VA_ARGS__);                                 \
		core_errf(err, errlen, "%s: offset %zu: %s", name, (size_t)(off), m_); \
		r = -EINVAL;                                                           \
		goto fail;                                                             \
	} while (0)

int strat_qmlp_parse(const char *name, const void *buf, size_t len, uint64_t expect_hash,
		     struct strat_qmlp **ret_q, char *err, size_t errlen)
{
	const unsigned char *b = buf;
	struct strat_qmlp *q = NULL;
	int r;
	if (len < STRAT__NN_HDR_BYTES + 8)
		BAD(len, "truncated: %zu bytes, a header and checksum need %d", len, STRAT__NN_HDR_BYTES + 8);
	if (memcmp(b, STRAT__NN_MAGIC, 8) != 0)
		BAD(0, "bad magic (not an osprey .onn model)");
	uint32_t ver = get32(b + 8), kind = get32(b + 12);
	if (ver != STRAT_NN_FILE_VERSION)
		BAD(8, "unsupported version %u (this build reads %d)", ver, STRAT_NN_FILE_VERSION);
	if (kind != STRAT__NN_KIND_QMLP)
		BAD(12, "unsupported model kind %u (1 = int8 MLP)", kind);
	uint32_t nsizes = get32(b + 24), pay = get32(b + 28);
	if (nsizes < 2 || nsizes > STRAT_NN_MAX_LAYERS + 1)
		BAD(24, "nsizes %u out of range 2..%d", nsizes, STRAT_NN_MAX_LAYERS + 1);
	uint32_t sizes[STRAT_NN_MAX_LAYERS + 1] = { 0 };
	for (unsigned i = 0; i < nsizes; i++) {
		sizes[i] = get32(b + 32 + 4 * i);
		if (sizes[i] < 1 || sizes[i] > STRAT_NN_MAX_WIDTH)
			BAD(32 + 4 * i, "sizes[%u] = %u out of range 1..%d", i, sizes[i], STRAT_NN_MAX_WIDTH);
	}
	size_t want = strat__qmlp_payload_bytes(sizes, nsizes);
	if (pay != want)
		BAD(28, "payload size %u does not match the layer sizes (%zu)", pay, want);
	if (len < STRAT__NN_HDR_BYTES + want + 8)
		BAD(len, "truncated: %zu bytes, expected %zu", len, STRAT__NN_HDR_BYTES + want + 8);
	if (len > STRAT__NN_HDR_BYTES + want + 8)
		BAD(STRAT__NN_HDR_BYTES + want + 8, "%zu trailing bytes after the checksum",
		    len - (STRAT__NN_HDR_BYTES + want + 8));
	size_t csoff = STRAT__NN_HDR_BYTES + want;
	uint64_t cs = core_fnv1a(CORE_FNV_OFFSET, b, csoff), fcs = get64(b + csoff);
	if (cs != fcs)
		BAD(csoff, "checksum mismatch (file %016llx, computed %016llx): corrupt file",
		    (unsigned long long)fcs, (unsigned long long)cs);
	uint64_t hash = get64(b + 16);
	if (expect_hash && hash != expect_hash)
		BAD(16, "feature schema hash mismatch: model built for %016llx, features are %016llx",
		    (unsigned long long)hash, (unsigned long long)expect_hash);

	q = core_alloc(sizeof(*q), CORE_CACHE_LINE);
	if (!q)
		goto fail_nomem;
	memset(q, 0, sizeof(*q));
	q->nsizes = nsizes;
	q->nl = nsizes - 1;
	memcpy(q->sizes, sizes, sizeof(sizes));
	q->schema_hash = hash;
	if (strat__qmlp_alloc(q))
		goto fail_nomem;
	const unsigned char *p = b + STRAT__NN_HDR_BYTES;
	memcpy(q->act_scale, p, q->nl * sizeof(float));
	for (unsigned l = 0; l < q->nl; l++)
		if (!(q->act_scale[l] > 0.0f) || !isfinite(q->act_scale[l]))
			BAD(p - b + 4 * l, "activation scale %u is not a positive number", l);
	p += q->nl * sizeof(float);
	memcpy(q->in_a, p, sizes[0] * sizeof(float));
	memcpy(q->in_b, p + sizes[0] * sizeof(float), sizes[0] * sizeof(float));
	for (unsigned i = 0; i < sizes[0]; i++)
		if (!isfinite(q->in_a[i]) || !isfinite(q->in_b[i]))
			BAD(p - b + 4 * i, "input scale %u is not finite", i);
	p += 2 * sizes[0] * sizeof(float);
	for (unsigned l = 0; l < q->nl; l++) {
		struct strat__qlayer *L = &q->layer[l];
		memcpy(L->scale, p, L->out * sizeof(float));
		for (uint32_t j = 0; j < L->out; j++)
			if (!(L->scale[j] >= 0.0f) || !isfinite(L->scale[j]))
				BAD(p - b + 4 * j, "layer %u scale %u is not a finite number >= 0", l, j);
		p += L->out * sizeof(float);
		memcpy(L->bias, p, L->out * sizeof(int32_t));
		for (uint32_t j = 0; j < L->out; j++)
			if (L->bias[j] > STRAT__NN_BIAS_LIMIT || L->bias[j] < -STRAT__NN_BIAS_LIMIT)
				BAD(p - b + 4 * j, "layer %u bias %u = %d beyond +-2^30", l, j, L->bias[j]);
		p += L->out * sizeof(int32_t);
		memcpy(L->wq, p, (size_t)L->out * L->in);
		for (size_t i = 0; i < (size_t)L->out * L->in; i++)
			if (L->wq[i] == -128)
				BAD(p - b + i, "layer %u weight %zu is -128 (symmetric range is +-127)", l, i);
		p += (size_t)L->out * L->in;
	}
	strat__qmlp_layout(q);
	*ret_q = q;
	return 0;

fail_nomem:
	core_errf(err, errlen, "%s: out of memory", name);
	r = -ENOMEM;
fail:
	strat_qmlp_free(q);
	return r;
}

int strat_qmlp_load(const char *path, uint64_t expect_hash, struct strat_qmlp **ret_q, char *err,
		    size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int r = -errno;
		core_errf(err, errlen, "%s: %s", path, strerror(errno));
		return r;
	}
	struct stat st;
	int r = 0;
	unsigned char *buf = NULL;
	if (fstat(fd, &st) != 0) {
		r = -errno;
		core_errf(err, errlen, "%s: %s", path, strerror(errno));
		goto out_close;
	}
	if (st.st_size > (1 << 24)) {
		r = -EINVAL;
		core_errf(err, errlen, "%s: %lld bytes: too large for a model", path,
		          (long long)st.st_size);
		goto out_close;
	}
	size_t len = (size_t)st.st_size;
	buf = core_alloc(len ? len : 1, 64);
	if (!buf) {
		r = -ENOMEM;
		core_errf(err, errlen, "%s: out of memory", path);
		goto out_close;
	}
	for (size_t off = 0; off < len;) {
		ssize_t n = read(fd, buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			core_errf(err, errlen, "%s: read: %s", path,
			          n < 0 ? strerror(errno) : "short read");
			goto out_free;
		}
		off += (size_t)n;
	}
	r = strat_qmlp_parse(path, buf, len, expect_hash, ret_q, err, errlen);
out_free:
	core_free(buf);
out_close:
	close(fd);
	return r;
}
