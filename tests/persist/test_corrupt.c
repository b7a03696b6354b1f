/* A damaged store is refused with a clear error, never a crash: data.mdb cut
 * short (its meta page names pages past the end: reading them would be
 * SIGBUS) and data.mdb overwritten with garbage. */
#undef NDEBUG
#include <fcntl.h>
#include <sys/stat.h>

#include "util.h"

static void fill(const char *dir)
{
	char err[256] = "";
	struct persist *p = NULL;
	CHECK(persist_open(dir, &p, err, sizeof(err)) == 0);
	struct core_ring *ring = core_ring_create("in", 4096, sizeof(struct persist_rec));
	struct core_ring *in[1] = { ring };
	struct persist_writer *w = NULL;
	CHECK(persist_writer_create(&(struct persist_writer_cfg){ .db = p, .in = in, .nin = 1 }, &w,
	                            err, sizeof(err)) == 0);
	for (unsigned i = 0; i < 2000; i++) {
		struct persist_rec r = rec_order(i + 1, 1, 'B', 100000, 10);
		CHECK(core_ring_push(ring, &r) == 0);
	}
	struct persist_rec eos = { .kind = PERSIST_EOS };
	CHECK(core_ring_push(ring, &eos) == 0);
	CHECK(writer_drain(w) == CORE_EOF);
	persist_writer_destroy(w);
	persist_close(p);
	core_ring_destroy(ring);
}

int main(void)
{
	char dir[256], file[300], err[512] = "";
	tmpdir_make(dir, sizeof(dir));
	snprintf(file, sizeof(file), "%s/data.mdb", dir);
	fill(dir);
	struct stat st;
	CHECK(stat(file, &st) == 0 && st.st_size > 8 * 4096);

	/* cut short by a page: refused, the sizes named */
	CHECK(truncate(file, st.st_size - 4096) == 0);
	struct persist *p = NULL;
	int r = persist_open(dir, &p, err, sizeof(err));
	printf("truncated: %d %s\n", r, err);
	CHECK(r == -EIO && p == NULL && strstr(err, "truncated") && strstr(err, "data.mdb"));

	/* garbage from the first byte: not an LMDB file */
	int fd = open(file, O_WRONLY | O_TRUNC);
	CHECK(fd >= 0);
	unsigned char junk[3 * 4096];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 131 + 7);
	CHECK(write(fd, junk, sizeof(junk)) == (ssize_t)sizeof(junk));
	close(fd);
	err[0] = '\0';
	r = persist_open(dir, &p, err, sizeof(err));
	printf("garbage: %d %s\n", r, err);
	CHECK(r < 0 && p == NULL && err[0]);
	tmpdir_remove(dir);
	printf("persist corrupt: ok\n");
	return 0;
}
