/* fuzz_limits - LLVMFuzzerTestOneInput over what an operator or a config file
 * types into risk: core_parse_fixed at every scale, core_config_parse of the
 * input as an INI file, and risk_limits_set of each "key value" line. What
 * parses must format and parse back to the same limits, and the set must
 * still pass risk_limits_check; what does not must leave the limits alone and
 * say why (never a crash, an overflow or a silent change).
 *
 * Built as a libFuzzer target (-Dfuzz=true, OSPREY_LIBFUZZER) and as a plain
 * test whose main() runs it over the keys' own formatted values, tools/demo.ini,
 * and mutations of both. */
#undef NDEBUG
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "risk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one_line(struct risk_limits *l, const char *key, const char *value)
{
	struct risk_limits before = *l;
	char err[256] = "";
	int r = risk_limits_set(l, key, value, err, sizeof(err));
	if (r < 0) {
		assert(r == -EINVAL || r == -ENOENT);
		assert(err[0]); /* says why */
		assert(!memcmp(&before, l, sizeof(*l)));
		return;
	}
	assert(risk_limits_check(l, err, sizeof(err)) == 0);
	char buf[64];
	assert(risk_limits_format(l, key, buf, sizeof(buf)) == 0);
	struct risk_limits again = *l;
	assert(risk_limits_set(&again, key, buf, err, sizeof(err)) == 0);
	assert(!memcmp(&again, l, sizeof(*l)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 8192)
		return 0;
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	/* every scale, exact or refused */
	for (unsigned d = 0; d <= 10; d++) {
		int64_t v = 0x5a5a;
		int r = core_parse_fixed(s, d, &v);
		assert(r == 0 || r == -EINVAL || r == -ERANGE);
		assert(r == 0 || v == 0x5a5a);
	}
	/* the INI parser over the whole input */
	static struct core_config cfg;
	char err[256];
	if (core_config_parse(&cfg, "fuzz", s, err, sizeof(err)) == 0) {
		int64_t v;
		(void)core_config_fixed(&cfg, "risk.capital", 4, 0, INT64_MAX, &v, err, sizeof(err));
	}
	/* "key value" per line into one set of limits */
	struct risk_limits l = { .max_order_qty = 1000, .max_position = 2000, .collar_bps = 100,
		                 .tier1_size_pct = 50 };
	for (char *line = s, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *sp = strpbrk(line, " =");
		if (!sp)
			continue;
		*sp = '\0';
		one_line(&l, line, sp + 1);
	}
	free(s);
	return 0;
}

#ifndef OSPREY_LIBFUZZER
#define FUZZ_SEED 0x9E3779B97F4A7C15ull
#include "fuzz_driver.h"

static uint64_t runs;

static void mutate_run(const char *text)
{
	size_t len = strlen(text);
	LLVMFuzzerTestOneInput((const uint8_t *)text, len);
	runs++;
	static const char alphabet[] = "0123456789.,-+ =\n#ek";
	for (int i = 0; i < 20000; i++) {
		char *c = malloc(len + 8);
		memcpy(c, text, len);
		size_t n = len;
		unsigned edits = 1 + (unsigned)(rnd() % 4);
		for (unsigned k = 0; k < edits && n; k++) {
			size_t at = rnd() % n;
			switch (rnd() % 3) {
			case 0: /* replace with a likely byte */
				c[at] = alphabet[rnd() % (sizeof(alphabet) - 1)];
				break;
			case 1: /* flip a bit */
				c[at] ^= (char)(1u << (rnd() % 8));
				break;
			default: /* cut */
				n = at;
				break;
			}
		}
		LLVMFuzzerTestOneInput((const uint8_t *)c, n);
		free(c);
		runs++;
	}
}

int main(void)
{
	/* every key with its formatted default and a few hand-picked edges */
	struct risk_limits l = { .max_order_qty = 1000, .max_position = 2000, .collar_bps = 100,
		                 .tier1_size_pct = 50, .capital = 10000000000LL,
		                 .drawdown_bps = { 500, 1000, 1500 }, .fees_cbps_maker = -20 };
	char text[8192];
	size_t n = 0;
	for (unsigned i = 0; risk_limits_key(i); i++) {
		char buf[64];
		risk_limits_format(&l, risk_limits_key(i), buf, sizeof(buf));
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s %s\n", risk_limits_key(i), buf);
	}
	n += (size_t)snprintf(text + n, sizeof(text) - n,
	                      "capital 922337203685477.5807\nfees_bps_taker -1000.00\n"
	                      "drawdown_tiers 0.01,99.99,100\nmax_order_qty 100000001\n");
	mutate_run(text);
	const char *src = getenv("OSPREY_SOURCE");
	unsigned files = 0;
	if (src) {
		char path[1024];
		snprintf(path, sizeof(path), "%s/tools/demo.ini", src);
		size_t len = 0;
		unsigned char *ini = slurp(path, &len);
		if (ini) {
			char *t = malloc(len + 1);
			memcpy(t, ini, len);
			t[len] = '\0';
			mutate_run(t);
			free(t);
			free(ini);
			files++;
		}
	}
	printf("fuzz_limits: %llu inputs (%u files), no crash\n", (unsigned long long)runs, files);
	return 0;
}
#endif
