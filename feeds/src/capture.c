/* capture.c - a day file mapped read-only. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "feeds.h"

int feeds_capture_open(struct feeds_capture *cap, const char *path, char *err, size_t errlen)
{
	struct stat sb;
	int r;
	memset(cap, 0, sizeof(*cap));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		core_errf(err, errlen, "%s: cannot open: %s", path, strerror(-r));
		return r;
	}
	if (fstat(fd, &sb) < 0) {
		r = -errno;
		core_errf(err, errlen, "%s: cannot stat: %s", path, strerror(-r));
		goto out_close;
	}
	if (!S_ISREG(sb.st_mode)) {
		r = -EINVAL;
		core_errf(err, errlen, "%s: not a regular file", path);
		goto out_close;
	}
	if (sb.st_size > 0) {
		/* MAP_POPULATE: fault the pages in now, not on the hot path. */
		void *p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd,
			       0);
		if (p == MAP_FAILED) {
			r = -errno;
			core_errf(err, errlen, "%s: cannot mmap %lld bytes: %s", path,
			          (long long)sb.st_size, strerror(-r));
			goto out_close;
		}
		(void)madvise(p, (size_t)sb.st_size, MADV_SEQUENTIAL);
		cap->data = p;
		cap->len = (size_t)sb.st_size;
		cap->map_ = p;
		cap->map_len_ = (size_t)sb.st_size;
	}
	snprintf(cap->path, sizeof(cap->path), "%s", path);
	r = 0;
out_close:
	close(fd);
	return r;
}

void feeds_capture_close(struct feeds_capture *cap)
{
	if (!cap)
		return;
	if (cap->map_)
		munmap(cap->map_, cap->map_len_);
	cap->map_ = NULL;
	cap->data = NULL;
	cap->len = 0;
	cap->off = 0;
	cap->map_len_ = 0;
}

int feeds_capture_next(struct feeds_capture *cap, struct feeds_itch_msg *ret, char *err,
		       size_t errlen)
{
	char tmp[192];
	int r = feeds_itch_next(cap->data, cap->len, &cap->off, ret, tmp, sizeof(tmp));
	if (r < 0)
		core_errf(err, errlen, "%s: %s", cap->path, tmp);
	return r;
}
