/* fuzz_driver.h - what the fuzz targets' plain drivers (the unit-test builds,
 * not libFuzzer) share: a seeded xorshift and reading a whole sample file.
 * Each driver defines FUZZ_SEED before including this, so its sequence of
 * inputs is its own and the same on every run. Include it once, from the
 * #ifndef OSPREY_LIBFUZZER part of a target. */
#ifndef OSPREY_FUZZ_DRIVER_H
#define OSPREY_FUZZ_DRIVER_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
