/*
 * test_hlog_read - an HdrHistogram log read back (tools/hlog_read.h, and
 * core_hist_decode_v2 under it): what telemetry writes, interval by
 * interval, sums back to the same counts bucket for bucket; other tags are
 * left out; and every malformed line is refused naming the line and why.
 */
#undef NDEBUG
#include "hlog_read.h"
#include "telemetry.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void expect(int r, int want, const char *err, const char *has)
{
	if (r != want || !strstr(err, has)) {
		fprintf(stderr, "got %d '%s', want %d with '%s'\n", r, err, want, has);
		assert(0);
	}
}

int main(void)
{
	char path[] = "/tmp/osprey-hlog.XXXXXX";
	int fd = mkstemp(path);
	assert(fd >= 0);
	close(fd);
	char err[512];
	static struct telemetry t;
	assert(telemetry_init(&t, path, 1000000000ull, err, sizeof(err)) == 0);
	struct core_hist a, b, want, got;
	assert(core_hist_init(&a) == 0 && core_hist_init(&b) == 0 && core_hist_init(&want) == 0 &&
	       core_hist_init(&got) == 0);
	uint64_t x = 88172645463325252ull;
	for (int k = 0; k < 3; k++) {
		core_hist_reset(&a);
		core_hist_reset(&b);
		for (int i = 0; i < 20000; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			int64_t v = (int64_t)(x % 5000000) + 1; /* 1 ns to 5 ms */
			core_hist_record(&a, v);
			core_hist_record(&b, v / 3 + 1);
		}
		core_hist_record(&a, 59000000000LL); /* near the top of the range */
		core_hist_merge(&want, &a);
		assert(telemetry_write_interval(&t, "tick_to_wire", &a, k, 1.0) == 0);
		assert(telemetry_write_interval(&t, "feeds", &b, k, 1.0) == 0);
	}
	fflush(t.hlog);
	uint64_t n = 0;
	assert(hlog_total(path, "tick_to_wire", &got, &n, err, sizeof(err)) == 0);
	assert(n == 3);
	assert(got.total == want.total);
	for (int32_t i = 0; i < want.counts_len; i++)
		assert(got.counts[i] == want.counts[i]);
	assert(core_hist_max(&got) == core_hist_max(&want));
	assert(core_hist_value_at(&got, 99.9) == core_hist_value_at(&want, 99.9));
	telemetry_fini(&t);

	/* refusals, each naming its line */
	struct core_hist h;
	assert(core_hist_init(&h) == 0);
	expect(hlog_parse("#c\n\"StartTimestamp\",\"x\"\n", 21, "f", "feeds", &h, &n, err, sizeof(err)),
	       -ENOENT, err, "f: no interval tagged feeds (tags: none)");
	char text[4096];
	snprintf(text, sizeof(text), "Tag=a,0.0,1.0,0.1,AAAA\nTag=b,0.0,1.0,0.1,AAAA\n");
	expect(hlog_parse(text, strlen(text), "f", "c", &h, &n, err, sizeof(err)), -ENOENT, err,
	       "(tags: a,b)");
	snprintf(text, sizeof(text), "#x\nTag=c,0.0,1.0,0.1,AA*A\n");
	expect(hlog_parse(text, strlen(text), "f", "c", &h, &n, err, sizeof(err)), -EINVAL, err,
	       "f:2: tag c: bad base64");
	snprintf(text, sizeof(text), "Tag=c,0.0,1.0,0.1,AAAAAAAAAAAA\n");
	expect(hlog_parse(text, strlen(text), "f", "c", &h, &n, err, sizeof(err)), -EINVAL, err,
	       "f:1: tag c: not a compressed V2 histogram");
	snprintf(text, sizeof(text), "Tag=c,0.0,x,0.1,AAAA\n");
	expect(hlog_parse(text, strlen(text), "f", "c", &h, &n, err, sizeof(err)), -EINVAL, err,
	       "f:1: field 2 is not a number");
	snprintf(text, sizeof(text), "Tag=c\n");
	expect(hlog_parse(text, strlen(text), "f", "c", &h, &n, err, sizeof(err)), -EINVAL, err,
	       "f:1: Tag= without the fields");
	/* a real line cut short: the compressed length runs past it */
	FILE *f = fopen(path, "r");
	char line[65536];
	while (fgets(line, sizeof(line), f) && strncmp(line, "Tag=tick_to_wire,", 17))
		;
	fclose(f);
	size_t ll = strcspn(line, "\n");
	size_t cut = ll - 8; /* keep it a multiple of 4 from the base64's start */
	const char *b64 = strrchr(line, ',') + 1;
	cut -= (size_t)(line + cut - b64) % 4;
	expect(hlog_parse(line, cut, "f", "tick_to_wire", &h, &n, err, sizeof(err)), -EINVAL, err,
	       "f:1: tag tick_to_wire: ");
	expect(hlog_total("/nonexistent.hlog", "x", &h, &n, err, sizeof(err)), -ENOENT, err,
	       "/nonexistent.hlog: ");
	unlink(path);
	core_hist_fini(&a);
	core_hist_fini(&b);
	core_hist_fini(&want);
	core_hist_fini(&got);
	core_hist_fini(&h);
	puts("hlog_read: telemetry's log sums back bucket for bucket; bad lines named");
	return 0;
}
