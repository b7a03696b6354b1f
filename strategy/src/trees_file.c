/* trees_file.c - the tree-ensemble file format (".otree"): parse and load.
 * Every field, index, count and the checksum is checked before use, so a
 * corrupt or hostile file is refused, never trusted. The byte layout is
 * described beside the writer (strategy/learn/src/trees_write.c). */
#include "strategy.h"
#include "strat_internal.h"
#include "trees_internal.h"

#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

int trees__read_file(const char *path, size_t max, char **ret, size_t *ret_len, char *err,
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

/* ------------------------------------------------------------------------- */
/* Byte order and float bits */

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

static float bitsf(uint32_t u)
{
	float f;
	memcpy(&f, &u, 4);
	return f;
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
	if (pay != otree__payload_size(ntrees, depth))
		BAD("%s: offset 56: payload size %llu, %u trees of depth %u need %llu", name,
		    (unsigned long long)pay, ntrees, depth,
		    (unsigned long long)otree__payload_size(ntrees, depth));
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
	if (trees__alloc(ntrees, depth, &m)) {
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
	trees__pack(m);
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

CORE_COLD int strat_tree_load(const char *path, uint64_t expect_schema,
			      struct strat_tree_model **ret_model, char *err, size_t errlen)
{
	char *buf;
	size_t n;
	int rc = trees__read_file(path, OTREE_HEADER + 8 + (size_t)STRAT_TREE_MAX_NODES * 8, &buf, &n, err,
			   errlen);
	if (rc)
		return rc;
	rc = strat_tree_parse(path, buf, n, expect_schema, ret_model, err, errlen);
	core_free(buf);
	return rc;
}
