/* A damaged store is refused with a clear error, never a crash: one byte
 * changed inside a stored order (refused at open, the order named) or inside
 * a journal record (open works, reading that record says -EIO), data.mdb cut
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
		/* two records a flip can be aimed at: order 777 and a journal record */
		struct persist_rec r = rec_order(i + 1, 1, 'B', i == 776 ? 0x5A5A5A5Au : 100000, 10);
		CHECK(core_ring_push(ring, &r) == 0);
		if (i == 1500) {
			struct persist_rec c = { .kind = PERSIST_ORDER };
			c.u.order = (struct order_msg){ .kind = ORDER_CANCEL, .order_id = 3,
			                                .px = 0x3C3C3C3Cu };
			CHECK(core_ring_push(ring, &c) == 0);
		}
	}
	struct persist_rec eos = { .kind = PERSIST_EOS };
	CHECK(core_ring_push(ring, &eos) == 0);
	CHECK(writer_drain(w) == CORE_EOF);
	persist_writer_destroy(w);
	persist_close(p);
	core_ring_destroy(ring);
}

/* Change one byte of the 4-byte pattern's first occurrence in file; false if absent. */
static bool flip(const char *file, uint32_t pattern)
{
	FILE *f = fopen(file, "r+b");
	CHECK(f);
	static unsigned char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof(buf), f);
	for (size_t i = 0; i + 4 <= n; i++)
		if (!memcmp(buf + i, &pattern, 4)) {
			CHECK(fseek(f, (long)i + 1, SEEK_SET) == 0);
			fputc(buf[i + 1] ^ 0x01, f);
			fclose(f);
			return true;
		}
	fclose(f);
	return false;
}

int main(void)
{
	char dir[256], file[300], err[512] = "";
	tmpdir_make(dir, sizeof(dir));
	snprintf(file, sizeof(file), "%s/data.mdb", dir);
	fill(dir);
	struct stat st;
	CHECK(stat(file, &st) == 0 && st.st_size > 8 * 4096);
	struct persist *p = NULL;
	struct persist_order o;
	CHECK(persist_open(dir, &p, err, sizeof(err)) == 0);
	CHECK(persist_get_order(p, 777, &o) == 0 && o.order.px == 0x5A5A5A5Au);
	p = persist_close(p);

	/* a journal record changed: open works (the journal is checked as read),
	 * reading it says -EIO */
	CHECK(flip(file, 0x3C3C3C3Cu));
	CHECK(persist_open(dir, &p, err, sizeof(err)) == 0);
	struct persist_rec recs[8];
	unsigned got = 0;
	int r = persist_journal_read(p, 0, recs, 8, &got, NULL);
	printf("journal record changed: read %d\n", r);
	CHECK(r == -EIO);
	p = persist_close(p);

	/* an order changed: refused at open, the order named */
	CHECK(flip(file, 0x5A5A5A5Au));
	r = persist_open(dir, &p, err, sizeof(err));
	printf("order changed: %d %s\n", r, err);
	CHECK(r == -EIO && p == NULL && strstr(err, "order 777 fails its checksum"));

	/* cut short by a page: refused, the sizes named */
	CHECK(truncate(file, st.st_size - 4096) == 0);
	r = persist_open(dir, &p, err, sizeof(err));
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
