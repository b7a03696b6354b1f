/* osprey-gen - write a deterministic synthetic ITCH 5.0 day file.
 *
 *   osprey-gen [--seed N] [--messages N] [--symbols N] -o FILE
 *
 * The same arguments give the same bytes. Exit 0, 1 on failure, 2 on usage. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feeds.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: osprey-gen [--seed N] [--messages N] [--symbols N] -o FILE\n"
		   "  --seed N      PRNG seed (default 1)\n"
		   "  --messages N  total messages, framing included (default 200000)\n"
		   "  --symbols N   instruments, locates 1..N (default 3, at most 1000)\n"
		   "  -o FILE       output day file ([u16 BE length][message] frames)\n");
}

static int parse_u64(const char *opt, const char *s, uint64_t *ret)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-') {
		fprintf(stderr, "osprey-gen: %s: '%s' is not a non-negative integer\n", opt, s);
		return -1;
	}
	*ret = v;
	return 0;
}

int main(int argc, char **argv)
{
	struct feeds_gen_cfg cfg = { .seed = 1, .messages = 200000, .symbols = 3 };
	const char *out = NULL;
	uint64_t v;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "osprey-gen: %s: missing value\n", a);
			usage(stderr);
			return 2;
		}
		const char *val = argv[++i];
		if (!strcmp(a, "--seed")) {
			if (parse_u64(a, val, &cfg.seed))
				return 2;
		} else if (!strcmp(a, "--messages")) {
			if (parse_u64(a, val, &v))
				return 2;
			if (v == 0) {
				fprintf(stderr, "osprey-gen: --messages must be > 0\n");
				return 2;
			}
			cfg.messages = v;
		} else if (!strcmp(a, "--symbols")) {
			if (parse_u64(a, val, &v))
				return 2;
			if (v == 0 || v > 1000) {
				fprintf(stderr, "osprey-gen: --symbols must be 1..1000\n");
				return 2;
			}
			cfg.symbols = (unsigned)v;
		} else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
			out = val;
		} else {
			fprintf(stderr, "osprey-gen: unknown option '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (!out) {
		fprintf(stderr, "osprey-gen: -o FILE is required\n");
		usage(stderr);
		return 2;
	}
	size_t cap = feeds_gen_bound(&cfg), len = 0;
	unsigned char *buf = malloc(cap);
	if (!buf) {
		fprintf(stderr, "osprey-gen: out of memory for %zu bytes\n", cap);
		return 1;
	}
	char err[256];
	int r = feeds_gen(&cfg, buf, cap, &len, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "osprey-gen: %s (%s)\n", err, strerror(-r));
		free(buf);
		return 1;
	}
	FILE *f = fopen(out, "wb");
	if (!f) {
		fprintf(stderr, "osprey-gen: %s: %s\n", out, strerror(errno));
		free(buf);
		return 1;
	}
	size_t w = fwrite(buf, 1, len, f);
	int cr = fclose(f);
	free(buf);
	if (w != len || cr != 0) {
		fprintf(stderr, "osprey-gen: %s: write failed: %s\n", out, strerror(errno));
		return 1;
	}
	printf("osprey-gen: wrote %" PRIu64 " messages, %u symbols, seed %" PRIu64
	       ", %zu bytes to %s\n",
	       cfg.messages, cfg.symbols, cfg.seed, len, out);
	return 0;
}
