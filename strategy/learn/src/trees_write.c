/* trees_write.c - the tree-ensemble file format (".otree"): serialize and
 * save. The reader is strategy/src/trees_file.c (strat_tree_parse).
 *
 * Layout (little-endian; the same model always serializes to the same bytes):
 *   0  magic "OSPRTREE"        8  version (u32, 1)     12 header size (u32, 64)
 *   16 kind (u32)              20 objective (u32)      24 ntrees (u32)
 *   28 depth (u32)             32 nfeatures (u32)      36 num_parallel_tree (u32)
 *   40 feature schema hash (u64)                       48 base_score (f32 bits)
 *   52 base margin (f32 bits)  56 payload size (u64)
 *   64 payload: per tree, 2^depth - 1 internal nodes {feature u32, split i32},
 *      then 2^depth leaves {value f32 bits, XGBoost node id i32}
 *   end: FNV-1a 64 of every byte before it (u64; any change of one byte changes it)
 */
#include "learn.h"
#include "trees_internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

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

static uint32_t fbits(float f)
{
	uint32_t u;
	memcpy(&u, &f, 4);
	return u;
}

size_t strat_tree_serialize(const struct strat_tree_model *m, void *buf, size_t len)
{
	uint64_t pay = otree__payload_size(m->info.ntrees, m->info.depth);
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
