/* fuzz_mt5 - LLVMFuzzerTestOneInput over what the MetaTrader 5 expert
 * advisor sends: each input read as an answer (exec/src/mt5.c) and as a tick
 * (feeds/src/mt5ticks.c). An answer that reads must have its strings
 * terminated and no more trades than kept; one that does not is refused with
 * -EBADMSG and "offset N: " (N inside the input) or -E2BIG. A tick that reads
 * has a symbol of its own bytes; one that does not names its offset.
 *
 * Built as a libFuzzer target (-Dfuzz=true, OSPREY_LIBFUZZER; seed
 * tests/fuzz/seed.mt5) and as a plain test whose main() runs it over every
 * answer the EA writes (tests/exec/mt5_samples.h), their cuts and mutations,
 * each ending right before a PROT_NONE page. */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../exec/mt5_samples.h"
#include "exec.h"
#include "feeds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char sym[FEEDS_MT5_TEXT], terr[160];
	int64_t bid, ask;
	int t = feeds_mt5_tick_parse((const char *)data, size, sym, sizeof(sym), &bid, &ask, terr,
	                             sizeof(terr));
	unsigned long tat;
	assert(t == 0 ? strlen(sym) > 0 && strlen(sym) < size && !memcmp(sym, data, strlen(sym))
	              : t == -EBADMSG && sscanf(terr, "offset %lu:", &tat) == 1 && tat <= size);
	static struct exec_mt5_trade trades[4];
	struct exec_mt5_answer a;
	char err[200];
	int r = exec_mt5_answer_parse((const char *)data, size, &a, trades, 4, err, sizeof(err));
	if (r == 0) {
		assert(a.ntrades <= 4);
		assert(memchr(a.response, 0, sizeof(a.response)) &&
		       memchr(a.response_value, 0, sizeof(a.response_value)));
		for (uint32_t i = 0; i < a.ntrades; i++)
			assert(trades[i].ticket > 0 && memchr(trades[i].symbol, 0, EXEC_MT5_TEXT) &&
			       memchr(trades[i].comment, 0, EXEC_MT5_TEXT));
		return 0;
	}
	if (r == -E2BIG) {
		assert(a.ntrades > 4);
		return 0;
	}
	unsigned long at;
	assert(r == -EBADMSG && sscanf(err, "offset %lu:", &at) == 1 && at <= size);
	return 0;
}

#ifndef OSPREY_LIBFUZZER
#define FUZZ_SEED 0x9E3779B97F4A7C15ull
#include "fuzz_driver.h"

static const char *const answers[] = { MT5_ANSWERS, "EURUSD 1.085430;1.085450",
	                               "GBPUSD 1.270100;1.270120" };

int main(int argc, char **argv)
{
	if (argc > 1) { /* write the libFuzzer seed: the trades answer, the richest */
		FILE *f = fopen(argv[1], "wb");
		size_t len = strlen(MT5_OPEN_TRADES);
		assert(f && fwrite(MT5_OPEN_TRADES, 1, len, f) == len && fclose(f) == 0);
		return 0;
	}
	struct fuzz_guard g;
	fuzz_guard_init(&g, 1);
	static const char alphabet[] = "{}[]':,. 0123456789-_";
	char c[1024];
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		size_t len = strlen(answers[i]);
		assert(len <= sizeof(c));
		for (size_t n = 0; n <= len; n++)
			fuzz_guarded(&g, answers[i], n);
		for (int k = 0; k < 5000; k++)
			fuzz_guarded(&g, c, fuzz_mutate(c, answers[i], len, alphabet));
	}
	printf("fuzz_mt5: %llu inputs against a guard page, no crash, no overread\n",
	       (unsigned long long)g.runs);
	return 0;
}
#endif
