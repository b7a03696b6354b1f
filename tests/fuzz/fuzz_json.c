/* fuzz_json - LLVMFuzzerTestOneInput over json_check, the checker that
 * osprey-report runs on the JSON files it is given. Whatever the bytes:
 * no crash and no read past them (the plain driver puts every input against
 * a PROT_NONE page); the result is 0, -EINVAL or -ENOENT; a failure says
 * why and its offset is within the input; what passes is an object whose
 * every proper prefix fails (a cut document is never taken for a whole one).
 *
 * Built as a libFuzzer target (-Dfuzz=true, OSPREY_LIBFUZZER) and as a plain
 * test whose main() runs it over a report-shaped document, cut at every
 * length, and 50000 mutations of it. */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const keys[] = { "messages", "latency_ns" };

static int check(const char *s, size_t n, size_t *off)
{
	char err[128] = "";
	int r = json_check(s, n, keys, 2, off, err, sizeof(err));
	assert(r == 0 || r == -EINVAL || r == -ENOENT);
	assert(*off <= n);
	assert(r == 0 || err[0]);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	size_t off;
	const char *s = (const char *)data;
	if (check(s, size, &off) != 0)
		return 0;
	/* whole: every cut before the last non-blank byte fails */
	size_t last = size;
	while (last && strchr(" \t\r\n", s[last - 1]))
		last--;
	for (size_t n = 0; n < last; n += 1 + n / 64) {
		size_t o;
		assert(check(s, n, &o) != 0);
	}
	return 0;
}

#ifndef OSPREY_LIBFUZZER
#define FUZZ_SEED 0x2545F4914F6CDD1Dull
#include "fuzz_driver.h"

int main(void)
{
	struct fuzz_guard g;
	fuzz_guard_init(&g, 4);
	static const char doc[] =
		"{\"messages\": 200000, \"seconds\": 0.183141, \"model\": \"models/demo.model\",\n"
		" \"rejects_by_reason\": {\"position\": 89, \"kelly\": 0},\n"
		" \"latency_ns\": {\"feeds\": {\"count\": 200000, \"p50\": 74, \"max\": 64479},\n"
		"   \"feeds_percentiles\": [[0.0, 24], [99.9, 527], [100.0, 64479]]},\n"
		" \"backtest\": {\"profit_factor\": null, \"sharpe\": -1.5e-3, \"ok\": true,\n"
		"   \"fills\": [[34200.5, \"OSPA\", \"B\", 49.72, 100, -0.0001, 0.0000, false]],\n"
		"   \"label\": \"a \\\"quoted\\\" \\u00e9 \\/ \\\\ \\n\"}}\n";
	size_t len = sizeof(doc) - 1;
	size_t off;
	assert(check(doc, len, &off) == 0);
	/* what it must refuse, and where */
	static const struct {
		const char *s;
		size_t off;
	} bad[] = {
		{ "", 0 }, { "[1]", 0 }, { "{\"messages\":1}", 0 }, { "{\"a\":1,}", 7 },
		{ "{\"a\":01}", 6 }, { "{\"a\":1.}", 7 }, { "{\"a\":\"\\x\"}", 7 }, { "{\"a\":tru}", 5 },
		{ "{\"a\":1} x", 8 }, { "{\"a\" 1}", 5 }, { "{\"a\":\"\n\"}", 6 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert(check(bad[i].s, strlen(bad[i].s), &off) != 0);
		if (off != bad[i].off) {
			fprintf(stderr, "%s: offset %zu, want %zu\n", bad[i].s, off, bad[i].off);
			return 1;
		}
	}
	char deep[600];
	memset(deep, '[', sizeof(deep));
	deep[0] = '{';
	assert(check(deep, sizeof(deep), &off) == -EINVAL); /* nesting bounded */
	for (size_t n = 0; n <= len; n++)
		fuzz_guarded(&g, doc, n);
	static const char alphabet[] = "{}[]\":,\\ 0123456789.eE-+tfnu";
	char c[sizeof(doc) + 8];
	for (int i = 0; i < 50000; i++)
		fuzz_guarded(&g, c, fuzz_mutate(c, doc, len, alphabet));
	printf("fuzz_json: %llu inputs against a guard page, no crash, no overread\n",
	       (unsigned long long)g.runs);
	return 0;
}
#endif
