/* capture.c - a capture file mapped read-only: read in whole at open, or in
 * windows a pager thread moves along behind the reader (feeds_stage_page). */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 /* Linux 5.14 */
#endif

/* Read [from, to) of the mapping into memory now; page tables filled, so the
 * reader never faults there. Kernels without MADV_POPULATE_READ: touch it. */
static void populate(const struct feeds_capture *cap, size_t from, size_t to)
{
	unsigned char *p = (unsigned char *)cap->map_ + from;
	if (to <= from || madvise(p, to - from, MADV_POPULATE_READ) == 0)
		return;
	volatile unsigned char sink = 0;
	for (size_t i = 0; i < to - from; i += 4096)
		sink ^= p[i];
	(void)sink;
}

int feeds_capture_open(struct feeds_capture *cap, const char *path, char *err, size_t errlen)
{
	return feeds__capture_open(cap, path, 0, 0, err, errlen);
}

/* window 0: read the file in whole (MAP_POPULATE); else a file of stream_min
 * bytes or more is mapped, its first two windows read in, the rest paged by
 * feeds__capture_page. */
int feeds__capture_open(struct feeds_capture *cap, const char *path, size_t window,
                        size_t stream_min, char *err, size_t errlen)
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
	bool stream = window && (size_t)sb.st_size >= stream_min;
	if (sb.st_size > 0) {
		/* MAP_POPULATE: fault the pages in now, not on the hot path. */
		void *p = mmap(NULL, (size_t)sb.st_size, PROT_READ,
		               MAP_PRIVATE | (stream ? 0 : MAP_POPULATE), fd, 0);
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
		if (stream) {
			cap->window_ = (window + 4095) & ~(size_t)4095;
			cap->streaming_ = true;
			cap->paged_to_ = 2 * cap->window_ < cap->len ? 2 * cap->window_ : cap->len;
			populate(cap, 0, cap->paged_to_);
		}
	}
	snprintf(cap->path, sizeof(cap->path), "%s", path);
	r = 0;
out_close:
	close(fd);
	return r;
}

void feeds__capture_read_all(struct feeds_capture *cap)
{
	if (!cap->streaming_)
		return;
	populate(cap, cap->paged_to_, cap->len);
	cap->paged_to_ = cap->len;
	cap->streaming_ = false; /* a source with its own offsets: kept whole */
}

int feeds__capture_page(struct feeds_capture *cap)
{
	if (!cap->streaming_)
		return CORE_EOF;
	size_t off = atomic_load_explicit(&cap->progress_, memory_order_relaxed);
	size_t w = cap->window_;
	size_t at = off - off % w; /* the window the reader is in */
	int work = 0;
	size_t want = at + 2 * w < cap->len ? at + 2 * w : cap->len;
	if (want > cap->paged_to_) {
		populate(cap, cap->paged_to_, want);
		cap->paged_to_ = want;
		work = 1;
	}
	size_t drop = at >= w ? at - w : 0; /* keep one window behind the reader */
	if (off >= cap->len)
		drop = cap->len & ~(size_t)4095; /* read to the end: all of it */
	if (drop > cap->dropped_to_) {
		(void)madvise((unsigned char *)cap->map_ + cap->dropped_to_, drop - cap->dropped_to_,
		              MADV_DONTNEED);
		cap->dropped_to_ = drop;
		work = 1;
	}
	if (off >= cap->len) {
		cap->streaming_ = false;
		return CORE_EOF;
	}
	return work;
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
