/* fuzz_fx - LLVMFuzzerTestOneInput over the reading of Alpha Vantage's
 * answers (feeds/src/fx.c): each input read as an FX_INTRADAY answer and as
 * a CURRENCY_EXCHANGE_RATE one; every event that comes out is checked (a
 * known pair, a price, the bars in time order).
 *
 * Built as a libFuzzer target (-Dfuzz=true, OSPREY_LIBFUZZER; seed
 * tests/fuzz/seed.fx) and as a plain test whose main() runs it over answers
 * of every documented shape, their cuts and mutations, each ending right
 * before a PROT_NONE page. */
#undef NDEBUG
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../feeds/src/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct feeds_fx *fx;
	if (!fx) {
		core_clock_init(5);
		const char *pairs[] = { "USDCHF" };
		fx = feeds__fx_bare(pairs, 1, "30min");
		assert(fx);
	}
	for (int q = 0; q < 2; q++) {
		feeds__fx_answer(fx, 0, q, (const char *)data, size);
		struct md_event ev;
		uint64_t last = 0;
		while (feeds_fx_poll(fx, &ev)) {
			assert(ev.locate == 1 && ev.bid_px && ev.ask_px >= ev.bid_px);
			assert(ev.kind == (q ? MD_LEVEL : MD_TRADE));
			if (!q) { /* bars come oldest first */
				assert(ev.ref > last);
				last = ev.ref;
			}
		}
	}
	return 0;
}

#ifndef OSPREY_LIBFUZZER
#define FUZZ_SEED 0xD1B54A32D192ED03ull
#include "fuzz_driver.h"

static const char answers[] =
	"{\"Meta Data\": {\"1. Information\": \"FX Intraday (30min) Time Series\", \"5. Interval\": "
	"\"30min\"}, \"Time Series FX (30min)\": {\"1996-04-01 01:00:00\": {\"1. open\": \"1.19330\", "
	"\"4. close\": \"1.19330\"}, \"1996-04-01 00:30:00\": {\"4. close\": \"1.19410\"}}}"
	"{\"Realtime Currency Exchange Rate\": {\"6. Last Refreshed\": \"2024-01-05 21:59:01\", "
	"\"8. Bid Price\": \"1.08145000\", \"9. Ask Price\": \"1.08155000\"}}"
	"{\"Error Message\": \"Invalid API call.\"}{\"Note\": \"5 calls per minute\"}";

int main(int argc, char **argv)
{
	size_t len = sizeof(answers) - 1;
	if (argc > 1) { /* write the libFuzzer seed */
		FILE *f = fopen(argv[1], "wb");
		assert(f && fwrite(answers, 1, len, f) == len && fclose(f) == 0);
		return 0;
	}
	struct fuzz_guard g;
	fuzz_guard_init(&g, 4);
	/* each answer alone, and every cut of the whole */
	const char *p = answers;
	while (*p) {
		const char *e = strstr(p + 1, "}{");
		size_t n = e ? (size_t)(e - p) + 1 : strlen(p);
		fuzz_guarded(&g, p, n);
		p += n;
	}
	for (size_t n = 0; n <= len; n++)
		fuzz_guarded(&g, answers, n);
	static const char alphabet[] = "{}[]\":,. 0123456789-";
	char c[sizeof(answers)];
	for (int i = 0; i < 30000; i++)
		fuzz_guarded(&g, c, fuzz_mutate(c, answers, len, alphabet));
	printf("fuzz_fx: %llu inputs against a guard page, no crash, no overread\n",
	       (unsigned long long)g.runs);
	return 0;
}
#endif
