/* fuzz_bn - LLVMFuzzerTestOneInput over the reading of a Binance-style
 * exchange's REST answers, user data stream events and exchangeInfo
 * (exec/src/bn_orders.c): each input read as all three. What reads has its texts terminated and, for an
 * executionReport, a symbol, client id and side; what does not is refused
 * with -EBADMSG and "offset N: " (N inside the input) or an event's missing
 * fields named.
 *
 * Built as a libFuzzer target (-Dfuzz=true, OSPREY_LIBFUZZER; seed
 * tests/fuzz/seed.bn) and as a plain test whose main() runs it over the
 * documented answers and events (tests/exec/bn_samples.h), their cuts and
 * mutations, each ending right before a PROT_NONE page. */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../exec/bn_samples.h"
#include "exec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char err[200], other[EXEC_BN_TEXT];
	struct exec_bn_answer a;
	int r = exec_bn_answer_parse(s, size, &a, err, sizeof(err));
	unsigned long at;
	if (r == 0)
		assert(memchr(a.msg, 0, sizeof(a.msg)) && memchr(a.client_id, 0, EXEC_BN_TEXT) &&
		       memchr(a.listen_key, 0, sizeof(a.listen_key)));
	else
		assert(r == -EBADMSG && sscanf(err, "offset %lu:", &at) == 1 && at <= size);
	struct exec_bn_report e;
	r = exec_bn_event_parse(s, size, &e, other, err, sizeof(err));
	if (r == 1)
		assert(e.symbol[0] && e.client_id[0] && (e.side == 'B' || e.side == 'S') &&
		       memchr(e.last_px, 0, sizeof(e.last_px)));
	else if (r == 0)
		assert(other[0] && memchr(other, 0, EXEC_BN_TEXT));
	else
		assert(r == -EBADMSG && sscanf(err, "offset %lu:", &at) == 1 && at <= size);
	struct exec_bn_info in;
	r = exec_bn_info_parse(s, size, "ETHBTC", &in, err, sizeof(err));
	if (r == 0)
		assert(!strcmp(in.symbol, "ETHBTC") && in.px_decimals <= 9 && in.qty_decimals <= 9 &&
		       in.tick[0] && in.step[0]);
	else
		assert(r == -ENOENT ||
		       (r == -EBADMSG && sscanf(err, "offset %lu:", &at) == 1 && at <= size));
	return 0;
}

#ifndef OSPREY_LIBFUZZER
#define FUZZ_SEED 0xA0761D6478BD642Full
#include "fuzz_driver.h"

static const char *const samples[] = { BN_ALL };

int main(int argc, char **argv)
{
	if (argc > 1) { /* write the libFuzzer seed: a wrapped fill, the richest */
		FILE *f = fopen(argv[1], "wb");
		size_t len = strlen(BN_TRADE_WRAPPED);
		assert(f && fwrite(BN_TRADE_WRAPPED, 1, len, f) == len && fclose(f) == 0);
		return 0;
	}
	struct fuzz_guard g;
	fuzz_guard_init(&g, 1);
	static const char alphabet[] = "{}[]\":,.-0123456789eExSBtrufalsn\\";
	char c[1024];
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		size_t len = strlen(samples[i]);
		assert(len <= sizeof(c));
		for (size_t n = 0; n <= len; n++)
			fuzz_guarded(&g, samples[i], n);
		for (int k = 0; k < 5000; k++)
			fuzz_guarded(&g, c, fuzz_mutate(c, samples[i], len, alphabet));
	}
	printf("fuzz_bn: %llu inputs against a guard page, no crash, no overread\n",
	       (unsigned long long)g.runs);
	return 0;
}
#endif
