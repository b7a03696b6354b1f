/* fuzz_hlog - LLVMFuzzerTestOneInput over hlog_parse (an HdrHistogram log
 * read back for --latency-from) and core_hist_decode_v2 under it. Whatever
 * the bytes: no crash and no read past them (the plain driver puts every
 * input against a PROT_NONE page); 0, -ENOENT, -EINVAL or -ENOMEM; a failure
 * says why; what passes sums to a histogram whose count is what was added.
 *
 * Built as a libFuzzer target (-Dfuzz=true, OSPREY_LIBFUZZER) and as a plain
 * test whose main() runs it over a log telemetry writes, cut at every
 * length, and mutations of it (bytes of the base64, the fields, the tags). */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hlog_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct core_hist h;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!h.counts)
		assert(core_hist_init(&h) == 0);
	core_hist_reset(&h);
	char err[256] = "";
	uint64_t n = 0;
	int r = hlog_parse((const char *)data, size, "fuzz", "t", &h, &n, err, sizeof(err));
	assert(r == 0 || r == -ENOENT || r == -EINVAL || r == -ENOMEM);
	assert(r == 0 ? n > 0 : err[0] != 0);
	int64_t sum = 0;
	for (int32_t i = 0; i < h.counts_len; i++) {
		assert(h.counts[i] >= 0);
		sum += h.counts[i];
	}
	assert(sum == h.total);
	return 0;
}

#ifndef OSPREY_LIBFUZZER
#define FUZZ_SEED 0x853C49E6748FEA9Bull
#include "fuzz_driver.h"
#include "telemetry.h"

int main(void)
{
	struct fuzz_guard g;
	fuzz_guard_init(&g, 16);
	/* a small log, as telemetry writes it: tags t and u */
	char path[] = "/tmp/osprey-fuzz-hlog.XXXXXX";
	int fd = mkstemp(path);
	assert(fd >= 0);
	close(fd);
	char err[256];
	static struct telemetry t;
	assert(telemetry_init(&t, path, 1000000000ull, err, sizeof(err)) == 0);
	struct core_hist a;
	assert(core_hist_init(&a) == 0);
	for (int k = 0; k < 2; k++) {
		core_hist_reset(&a);
		for (int i = 1; i < 300; i++)
			core_hist_record(&a, (int64_t)i * i * (k + 1));
		assert(telemetry_write_interval(&t, "t", &a, k, 1.0) == 0);
		assert(telemetry_write_interval(&t, "u", &a, k, 1.0) == 0);
	}
	telemetry_fini(&t);
	core_hist_fini(&a);
	size_t len = 0;
	unsigned char *log = slurp(path, &len);
	unlink(path);
	assert(log && len > 100 && len < g.len);
	LLVMFuzzerTestOneInput(log, len);
	for (size_t n = 0; n <= len; n++)
		fuzz_guarded(&g, log, n);
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=,.\nT#";
	char *c = malloc(len);
	for (int i = 0; i < 30000; i++)
		fuzz_guarded(&g, c, fuzz_mutate(c, (const char *)log, len, alphabet));
	free(c);
	free(log);
	core_hist_fini(&h);
	printf("fuzz_hlog: %llu inputs against a guard page, no crash, no overread\n",
	       (unsigned long long)g.runs);
	return 0;
}
#endif
