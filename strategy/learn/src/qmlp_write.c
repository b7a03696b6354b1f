/* qmlp_write.c - the int8 MLP's .onn file: serialize and save. The reader
 * is strategy/src/qmlp.c (strat_qmlp_parse).
 *
 * File format (".onn", little-endian):
 *   0  magic "OSPRYNN\0"      8  u32 version (1)   12 u32 kind (1 = int8 MLP)
 *   16 u64 feature-schema hash 24 u32 nsizes       28 u32 payload bytes
 *   32 u32 sizes[8]           64 payload            end: u64 FNV-1a 64 of all
 *   bytes before it. Payload: f32 s[L] (the activation scales, for
 *   information), f32 a'[in], f32 b'[in] (the input step's a_i / s_0 and
 *   b_i / s_0); per layer: f32 M or D [out], i32 bias_q[out], i8 w_q[out][in].
 * Kind 2 is the LSTM forecaster (strategy/learn/src/lstm.c). */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "learn.h"
#include "qmlp_internal.h"

static void put32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, 4); /* little-endian host (x86-64) */
}

static void put64(unsigned char *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

long strat_qmlp_serialize(const struct strat_qmlp *q, void *buf, size_t cap)
{
	size_t pay = strat__qmlp_payload_bytes(q->sizes, q->nsizes);
	size_t total = STRAT__NN_HDR_BYTES + pay + 8;
	if (cap < total)
		return -ENOSPC;
	unsigned char *b = buf;
	memset(b, 0, STRAT__NN_HDR_BYTES);
	memcpy(b, STRAT__NN_MAGIC, 8);
	put32(b + 8, STRAT_NN_FILE_VERSION);
	put32(b + 12, STRAT__NN_KIND_QMLP);
	put64(b + 16, q->schema_hash);
	put32(b + 24, q->nsizes);
	put32(b + 28, (uint32_t)pay);
	for (unsigned i = 0; i < q->nsizes; i++)
		put32(b + 32 + 4 * i, q->sizes[i]);
	unsigned char *p = b + STRAT__NN_HDR_BYTES;
	memcpy(p, q->act_scale, q->nl * sizeof(float));
	p += q->nl * sizeof(float);
	memcpy(p, q->in_a, q->sizes[0] * sizeof(float));
	p += q->sizes[0] * sizeof(float);
	memcpy(p, q->in_b, q->sizes[0] * sizeof(float));
	p += q->sizes[0] * sizeof(float);
	for (unsigned l = 0; l < q->nl; l++) {
		const struct strat__qlayer *L = &q->layer[l];
		memcpy(p, L->scale, L->out * sizeof(float));
		p += L->out * sizeof(float);
		memcpy(p, L->bias, L->out * sizeof(int32_t));
		p += L->out * sizeof(int32_t);
		memcpy(p, L->wq, (size_t)L->out * L->in);
		p += (size_t)L->out * L->in;
	}
	put64(p, core_fnv1a(CORE_FNV_OFFSET, b, (size_t)(p - b)));
	return (long)total;
}

int strat_qmlp_save(const struct strat_qmlp *q, const char *path, char *err, size_t errlen)
{
	struct strat_qmlp_info info;
	strat_qmlp_info(q, &info);
	unsigned char *buf = core_alloc(info.file_bytes, 64);
	char tmp[4096];
	int r = 0;
	if (!buf) {
		core_errf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	long n = strat_qmlp_serialize(q, buf, info.file_bytes);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		core_errf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out_free;
	}
	for (long off = 0; off < n;) {
		ssize_t w = write(fd, buf + off, (size_t)(n - off));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			r = w < 0 ? -errno : -EIO;
			core_errf(err, errlen, "%s: write: %s", tmp, strerror(-r));
			close(fd);
			goto out_unlink;
		}
		off += w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		r = -errno;
		core_errf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out_unlink;
	}
	if (rename(tmp, path) != 0) {
		r = -errno;
		core_errf(err, errlen, "%s: rename: %s", path, strerror(errno));
		goto out_unlink;
	}
	goto out_free;
out_unlink:
	unlink(tmp);
out_free:
	core_free(buf);
	return r;
}
