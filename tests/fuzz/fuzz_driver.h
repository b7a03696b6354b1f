/* fuzz_driver.h - what the fuzz targets' plain drivers (the unit-test builds,
 * not libFuzzer) share: a seeded xorshift, reading a whole sample file, and
 * running the target on an input that ends right before a PROT_NONE page.
 * Each driver defines FUZZ_SEED before including this, so its sequence of
 * inputs is its own and the same on every run. Include it once, from the
 * #ifndef OSPREY_LIBFUZZER part of a target, after LLVMFuzzerTestOneInput. */
#ifndef OSPREY_FUZZ_DRIVER_H
#define OSPREY_FUZZ_DRIVER_H

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef FUZZ_SEED
#error "define FUZZ_SEED before including fuzz_driver.h"
#endif

static uint64_t rs = FUZZ_SEED;
static uint64_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

/* One mutant of text[0..len) into out (room for len bytes): 1 to 4 edits,
 * each a byte from alphabet, a flipped bit or a cut there; its length. */
static inline size_t fuzz_mutate(char *out, const char *text, size_t len, const char *alphabet)
{
	size_t na = strlen(alphabet), n = len;
	memcpy(out, text, len);
	unsigned edits = 1 + (unsigned)(rnd() % 4);
	for (unsigned k = 0; k < edits && n; k++) {
		size_t at = rnd() % n;
		switch (rnd() % 3) {
		case 0:
			out[at] = alphabet[rnd() % na];
			break;
		case 1:
			out[at] ^= (char)(1u << (rnd() % 8));
			break;
		default:
			n = at;
			break;
		}
	}
	return n;
}

/* `pages` writable pages, then a PROT_NONE one. */
struct fuzz_guard {
	unsigned char *p;
	size_t len;    /* the writable bytes */
	uint64_t runs; /* inputs run */
};

static inline void fuzz_guard_init(struct fuzz_guard *g, size_t pages)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	g->len = pages * pg;
	g->runs = 0;
	g->p = mmap(NULL, g->len + pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert(g->p != MAP_FAILED && mprotect(g->p + g->len, pg, PROT_NONE) == 0);
}

/* Run the target on s[0, n) placed so that its last byte is the last before
 * the guard page (cut to the writable size). */
static inline void fuzz_guarded(struct fuzz_guard *g, const void *s, size_t n)
{
	if (n > g->len)
		n = g->len;
	unsigned char *at = g->p + g->len - n;
	memcpy(at, s, n);
	LLVMFuzzerTestOneInput(at, n);
	g->runs++;
}

/* The whole file, malloc'd (*len its size); NULL when absent or empty. */
static inline unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct stat sb;
	unsigned char *buf = NULL;
	if (fstat(fileno(f), &sb) == 0 && sb.st_size > 0 && (buf = malloc((size_t)sb.st_size)))
		*len = fread(buf, 1, (size_t)sb.st_size, f);
	fclose(f);
	return buf;
}

#endif
