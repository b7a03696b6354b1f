/* fuzz_crypto - LLVMFuzzerTestOneInput over the crypto capture decoders
 * (JSON scanner, Binance and Bybit messages, L2 books).
 *
 * Built two ways: with -fsanitize=fuzzer (meson -Dfuzz=true, clang; define
 * OSPREY_LIBFUZZER) as a libFuzzer target, and as a plain test whose main()
 * runs the target over $OSPREY_SHARED/data/crypto: whole files, slices of
 * lines, and deterministic mutations. */
#undef NDEBUG
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feeds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_book(struct feeds_crypto *c, uint16_t loc)
{
	struct feeds_level lv[64];
	for (int s = 0; s < 2; s++) {
		int n = feeds_crypto_depth(c, loc, s ? 'S' : 'B', lv, 64);
		assert(n >= 0 && n <= 32);
		for (int i = 0; i < n; i++) {
			assert(lv[i].qty > 0);
			if (i)
				assert(s ? lv[i].px > lv[i - 1].px : lv[i].px < lv[i - 1].px);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct feeds_crypto *c;
	static const struct feeds_crypto_instr in[] = { { "NKNUSDT", 1, 5, 1 }, { "T", 0, 2, 2 } };
	struct feeds_crypto_cfg cfg = { .instr = in, .ninstr = 2, .max_symbols = 4,
					.max_levels = 32, .max_events = 48 };
	if (feeds_crypto_create(&cfg, &c, err, sizeof(err)) < 0)
		abort();
	size_t off = 0;
	while (off < size) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t n = nl ? (size_t)(nl - (data + off)) : size - off;
		const struct md_event *ev;
		int r = feeds_crypto_line(c, (const char *)data + off, n, &ev, err, sizeof(err));
		assert(r >= 0 || (r == -EBADMSG && strncmp(err, "offset ", 7) == 0));
		assert(r <= 49);
		for (int i = 0; i < r; i++) {
			assert(ev[i].locate >= 1 && ev[i].locate <= feeds_crypto_nsymbols(c));
			assert(ev[i].kind == MD_LEVEL || ev[i].kind == MD_TRADE ||
			       ev[i].kind == MD_STATUS || ev[i].kind == MD_GAP);
			if (ev[i].bid_px && ev[i].ask_px)
				assert(!!(ev[i].flags & MD_F_CROSSED) ==
				       (ev[i].bid_px >= ev[i].ask_px));
			check_book(c, ev[i].locate);
		}
		off += n + (nl ? 1 : 0);
	}
	assert(feeds_crypto_nsymbols(c) <= 4);
	feeds_crypto_destroy(c);
	return 0;
}

#ifndef OSPREY_LIBFUZZER
#include <dirent.h>
#define FUZZ_SEED 0x9E3779B97F4A7C15ull
#include "fuzz_driver.h"

int main(void)
{
	const char *dir = getenv("OSPREY_SHARED");
	char path[1024];
	if (!dir) {
		printf("skip: OSPREY_SHARED unset\n");
		return 77;
	}
	snprintf(path, sizeof(path), "%s/data/crypto", dir);
	DIR *d = opendir(path);
	if (!d) {
		printf("skip: %s absent\n", path);
		return 77;
	}
	unsigned files = 0;
	uint64_t runs = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "cryptofeed_B", 12))
			continue;
		snprintf(path, sizeof(path), "%s/data/crypto/%s", dir, de->d_name);
		size_t len = 0;
		unsigned char *buf = slurp(path, &len);
		if (!buf)
			continue;
		files++;
		LLVMFuzzerTestOneInput(buf, len);
		runs++;
		/* Slices and mutations, copied to exact-size buffers (ASan sees overreads). */
		for (int i = 0; i < 400; i++) {
			size_t start = rnd() % len;
			size_t n = 1 + rnd() % 4096;
			if (n > len - start)
				n = len - start;
			unsigned char *c = malloc(n);
			memcpy(c, buf + start, n);
			if (i % 3) {
				unsigned flips = 1 + (unsigned)(rnd() % 8);
				for (unsigned k = 0; k < flips; k++) {
					size_t at = rnd() % n;
					static const char tok[] = "{}[]\",:0.9-e\\ ";
					if (rnd() & 1)
						c[at] = (unsigned char)tok[rnd() % (sizeof(tok) - 1)];
					else
						c[at] ^= (unsigned char)(1u << (rnd() % 8));
				}
			}
			LLVMFuzzerTestOneInput(c, n);
			free(c);
			runs++;
		}
		free(buf);
	}
	closedir(d);
	LLVMFuzzerTestOneInput(NULL, 0);
	printf("ok: %u files, %llu inputs\n", files, (unsigned long long)runs);
	return files ? 0 : 77;
}
#endif
