/* fuzz_itch - LLVMFuzzerTestOneInput over the ITCH decoder and the books.
 *
 * Built two ways: with -fsanitize=fuzzer (meson -Dfuzz=true, clang; define
 * OSPREY_LIBFUZZER) as a libFuzzer target, and as a plain test whose main()
 * runs the target over the files in $OSPREY_SHARED/data/itch, their
 * truncations and deterministic mutations. */
#undef NDEBUG
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feeds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct feeds_books *books;

/* The books must stay ordered and consistent whatever the input was. */
static void check_books(const struct md_event *ev)
{
	if (ev->bid_px && ev->ask_px)
		assert(!!(ev->flags & MD_F_CROSSED) == (ev->bid_px >= ev->ask_px));
	struct feeds_level lv[8];
	for (int s = 0; s < 2; s++) {
		int n = feeds_books_depth(books, ev->locate, s ? 'S' : 'B', lv, 8);
		if (n < 0)
			continue; /* locate out of range */
		for (int i = 0; i < n; i++) {
			assert(lv[i].orders > 0);
			if (i)
				assert(s ? lv[i].px > lv[i - 1].px : lv[i].px < lv[i - 1].px);
		}
	}
}

static void apply(const struct feeds_itch_msg *m)
{
	struct md_event ev;
	int r = feeds_books_apply(books, m, &ev);
	assert(r >= 0 && r <= FEEDS_BOOK_BAD_REF);
	assert(ev.msg_type == m->type && ev.ts_ns == m->ts_ns);
	check_books(&ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct feeds_itch_msg m;
	if (!books) {
		struct feeds_books_cfg bc = { .max_orders = 256, .max_levels = 64, .max_locate = 8 };
		if (feeds_books_create(&bc, &books, err, sizeof(err)) < 0)
			abort();
	}
	/* As a day file. */
	feeds_books_reset(books);
	size_t off = 0;
	int r;
	while ((r = feeds_itch_next(data, size, &off, &m, err, sizeof(err))) == 0) {
		assert(m.len == feeds_itch_msg_len(m.type) && m.raw >= data && off <= size);
		apply(&m);
	}
	assert(r == CORE_EOF || (r == -EBADMSG && strncmp(err, "offset ", 7) == 0));
	/* As back-to-back unframed messages (more book traffic from random bytes). */
	feeds_books_reset(books);
	off = 0;
	while (off < size) {
		unsigned len = feeds_itch_msg_len(data[off]);
		if (!len || size - off < len)
			break;
		r = feeds_itch_decode(data + off, len, &m, err, sizeof(err));
		assert(r == 0);
		apply(&m);
		off += len;
	}
	struct feeds_book_stats st;
	feeds_books_stats(books, &st);
	assert(st.live_orders <= 256 && st.live_levels <= 64);
	return 0;
}

#ifndef OSPREY_LIBFUZZER
#include <dirent.h>

#define FUZZ_SEED 0x243F6A8885A308D3ull
#include "fuzz_driver.h"

int main(void)
{
	const char *dir = getenv("OSPREY_SHARED");
	char path[1024];
	if (!dir) {
		printf("skip: OSPREY_SHARED unset\n");
		return 77;
	}
	snprintf(path, sizeof(path), "%s/data/itch", dir);
	DIR *d = opendir(path);
	if (!d) {
		printf("skip: %s absent\n", path);
		return 77;
	}
	unsigned files = 0;
	uint64_t runs = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/data/itch/%s", dir, de->d_name);
		size_t len = 0;
		unsigned char *buf = slurp(path, &len);
		if (!buf)
			continue;
		files++;
		LLVMFuzzerTestOneInput(buf, len);
		runs++;
		/* Truncations and mutations of the first 4 KiB, copied to exact-size buffers so
		 * ASan catches any read past the end. */
		size_t win = len < 4096 ? len : 4096;
		for (int i = 0; i < 300; i++) {
			size_t n = 1 + rnd() % win;
			unsigned char *c = malloc(n);
			memcpy(c, buf, n);
			if (i % 3) {
				unsigned flips = 1 + (unsigned)(rnd() % 8);
				for (unsigned k = 0; k < flips; k++)
					c[rnd() % n] ^= (unsigned char)(1u << (rnd() % 8));
			}
			if (i % 7 == 0) /* random bytes */
				for (size_t k = 0; k < n; k++)
					c[k] = (unsigned char)rnd();
			LLVMFuzzerTestOneInput(c, n);
			free(c);
			runs++;
		}
		free(buf);
	}
	closedir(d);
	LLVMFuzzerTestOneInput(NULL, 0);
	feeds_books_destroy(books);
	printf("ok: %u files, %llu inputs\n", files, (unsigned long long)runs);
	return files ? 0 : 77;
}
#endif
