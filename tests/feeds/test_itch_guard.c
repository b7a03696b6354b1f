/* The decoder never reads past its input: messages placed so the input ends
 * right before a PROT_NONE page (a read past the end faults). */
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "feeds.h"

int main(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char *map = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				  -1, 0);
	assert(map != MAP_FAILED);
	assert(mprotect(map + pg, pg, PROT_NONE) == 0);
	unsigned char *end = map + pg;
	char err[256];
	struct feeds_itch_msg m;
	struct feeds_books *books;
	struct feeds_books_cfg bc = { .max_orders = 64, .max_levels = 64, .max_locate = 16 };
	assert(feeds_books_create(&bc, &books, err, sizeof(err)) == 0);
	unsigned checked = 0;

	for (const char *t = feeds_itch_types; *t; t++) {
		unsigned len = feeds_itch_msg_len((uint8_t)*t);
		/* A whole frame ending exactly at the guard page. */
		unsigned char *f = end - 2 - len;
		memset(f, 0x41, 2 + len);
		f[0] = 0;
		f[1] = (unsigned char)len;
		f[2] = (unsigned char)*t;
		f[3] = 0;
		f[4] = 3; /* locate 3 */
		size_t off = 0;
		assert(feeds_itch_next(f, 2 + len, &off, &m, err, sizeof(err)) == 0);
		assert(off == 2 + len && m.type == (uint8_t)*t && m.locate == 3);
		struct md_event ev;
		feeds_books_apply(books, &m, &ev); /* any outcome, no fault */
		assert(feeds_itch_next(f, 2 + len, &off, &m, err, sizeof(err)) == CORE_EOF);
		/* Unframed decode ending at the guard page. */
		assert(feeds_itch_decode(end - len, len, &m, err, sizeof(err)) == 0);
		checked++;

		/* Every truncation of the frame: the input ends at the guard page. */
		for (unsigned have = 1; have < 2 + len; have++) {
			unsigned char *g = end - have;
			memset(g, 0x41, have); /* the frame's first `have` bytes */
			g[0] = 0;
			if (have > 1)
				g[1] = (unsigned char)len;
			if (have > 2)
				g[2] = (unsigned char)*t;
			off = 0;
			assert(feeds_itch_next(g, have, &off, &m, err, sizeof(err)) == -EBADMSG);
			assert(off == 0 && strstr(err, "offset 0:"));
			/* Claiming a longer length than the type: still no overread. */
			if (have > 2) {
				g[1] = 0xff;
				off = 0;
				assert(feeds_itch_next(g, have, &off, &m, err, sizeof(err)) ==
				       -EBADMSG);
			}
			/* Unframed decode of a short message. */
			if (have > 2)
				assert(feeds_itch_decode(end - (have - 2), have - 2, &m, err,
							 sizeof(err)) == -EBADMSG);
			checked++;
		}
	}
	/* A one-byte input whose byte is a valid type, at the very end. */
	end[-1] = 'S';
	size_t off = 0;
	assert(feeds_itch_next(end - 1, 1, &off, &m, err, sizeof(err)) == -EBADMSG);
	assert(strstr(err, "truncated frame header"));

	feeds_books_destroy(books);
	munmap(map, 2 * pg);
	printf("ok: %u placements at the guard page\n", checked);
	return 0;
}
