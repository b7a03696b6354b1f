/* reclog.c - record logs: append-only files of checked records (core.h,
 * "Record logs"), and whole files read in one call (core_file_read). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core.h"

static uint64_t rec_check(uint32_t kind, const void *a, size_t alen, const void *b, size_t blen)
{
	uint64_t h = core_fnv1a(CORE_FNV_OFFSET, &kind, sizeof(kind));
	h = core_fnv1a(h, a, alen);
	return core_fnv1a(h, b, blen);
}

int core_rec_append(int fd, uint32_t kind, const void *a, size_t alen, const void *b, size_t blen)
{
	if (alen + blen > CORE_REC_MAX)
		return -EMSGSIZE;
	unsigned char h[CORE_REC_HDR];
	uint32_t len = (uint32_t)(alen + blen);
	uint64_t check = rec_check(kind, a, alen, b, blen);
	memcpy(h, &len, 4);
	memcpy(h + 4, &kind, 4);
	memcpy(h + 8, &check, 8);
	struct iovec iov[3] = { { h, sizeof(h) },
				{ (void *)(uintptr_t)a, alen }, /* writev does not write them */
				{ (void *)(uintptr_t)b, blen } };
	ssize_t want = (ssize_t)(sizeof(h) + alen + blen);
	ssize_t n;
	do
		n = writev(fd, iov, 3);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == want ? 0 : -EIO;
}

int core_rec_next(const void *buf, size_t len, size_t *off, struct core_rec *ret)
{
	const unsigned char *p = buf;
	size_t o = *off;
	if (o >= len)
		return CORE_EOF;
	if (len - o < CORE_REC_HDR)
		return -EBADMSG;
	uint32_t n, kind;
	uint64_t check;
	memcpy(&n, p + o, 4);
	memcpy(&kind, p + o + 4, 4);
	memcpy(&check, p + o + 8, 8);
	if (n > CORE_REC_MAX || len - o - CORE_REC_HDR < n)
		return -EBADMSG;
	const unsigned char *body = p + o + CORE_REC_HDR;
	if (rec_check(kind, body, n, NULL, 0) != check)
		return -EBADMSG;
	ret->kind = kind;
	ret->len = n;
	ret->body = body;
	*off = o + CORE_REC_HDR + n;
	return 0;
}

int core_rec_read(int fd, unsigned char **ret_buf, size_t *ret_len)
{
	*ret_buf = NULL;
	*ret_len = 0;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size == 0)
		return 0;
	size_t cap = (size_t)st.st_size;
	unsigned char *b = malloc(cap);
	if (!b)
		return -ENOMEM;
	size_t got = 0;
	while (got < cap) {
		ssize_t n = pread(fd, b + got, cap - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = -errno;
			free(b);
			return r;
		}
		if (n == 0)
			break; /* shrank meanwhile: what is there */
		got += (size_t)n;
	}
	*ret_buf = b;
	*ret_len = got;
	return 0;
}

/* The rest of fd (path names it in errors) into a malloc'd, NUL-terminated
 * buffer; closes fd. */
static int read_fd(int fd, const char *path, size_t max, char **ret_buf, size_t *ret_len,
		   char *err, size_t errlen)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = NULL;
	int r = 0;
	for (;;) {
		if (len + 1 >= cap || !buf) {
			size_t ncap = buf ? cap * 2 : cap;
			char *nb = realloc(buf, ncap);
			if (!nb) {
				r = -ENOMEM;
				core_errf(err, errlen, "%s: out of memory", path);
				break;
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			core_errf(err, errlen, "%s: %s", path, strerror(-r));
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			r = -EFBIG;
			if (max >= (1u << 20) && max % (1u << 20) == 0)
				core_errf(err, errlen, "%s: larger than %zu MiB", path, max >> 20);
			else
				core_errf(err, errlen, "%s: larger than %zu bytes", path, max);
			break;
		}
	}
	close(fd);
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[len] = '\0';
	*ret_buf = buf;
	*ret_len = len;
	return 0;
}

int core_file_read(const char *path, size_t max, char **ret_buf, size_t *ret_len, char *err,
		   size_t errlen)
{
	*ret_buf = NULL;
	*ret_len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int r = -errno;
		core_errf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	return read_fd(fd, path, max, ret_buf, ret_len, err, errlen);
}

int core_secret_read(const char *path, size_t max, char **ret_buf, size_t *ret_len, char *err,
		     size_t errlen)
{
	*ret_buf = NULL;
	*ret_len = 0;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		int r = -errno;
		core_errf(err, errlen, "%s: %s", path,
			  r == -ELOOP ? "a symbolic link (name the file itself)" : strerror(-r));
		if (fd >= 0)
			close(fd);
		return r;
	}
	const char *why = NULL;
	char buf[80];
	if (!S_ISREG(st.st_mode)) {
		why = "not a regular file";
	} else if (st.st_uid != geteuid()) {
		snprintf(buf, sizeof(buf), "owned by uid %u, not by this user (%u)",
			 (unsigned)st.st_uid, (unsigned)geteuid());
		why = buf;
	} else if (st.st_mode & 077) {
		snprintf(buf, sizeof(buf), "others may read or write it (mode %04o): chmod 600 it",
			 (unsigned)(st.st_mode & 07777));
		why = buf;
	}
	if (why) {
		close(fd);
		core_errf(err, errlen, "%s: %s", path, why);
		return -EPERM;
	}
	return read_fd(fd, path, max, ret_buf, ret_len, err, errlen);
}
