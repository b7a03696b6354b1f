/*
 * The latency log is read by HdrHistogram's own Java tools
 * (org.HdrHistogram.HistogramLogProcessor from Debian's libhdrhistogram-java):
 * their count and percentiles for each tag must equal ours.
 */
#undef NDEBUG
#include "telemetry.h"

#include "../stage_poll.h"
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define JAR "/usr/share/java/hdrhistogram.jar"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return rng;
}

/* Parse the .hgrm percentile table the processor writes: "Value Percentile TotalCount 1/(1-P)". */
static int check_tag(const char *log, const char *tag, const struct core_hist *ours)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
		 "java -cp " JAR " org.HdrHistogram.HistogramLogProcessor -i %s -tag %s "
		 "-outputValueUnitRatio 1 -o %s.%s >/dev/null 2>&1",
		 log, tag, log, tag);
	int rc = system(cmd);
	assert(rc == 0);
	char path[512];
	snprintf(path, sizeof(path), "%s.%s.hgrm", log, tag);
	FILE *f = fopen(path, "r");
	assert(f);
	char line[512];
	int rows = 0;
	long long total = -1;
	long long java_max = -1;
	while (fgets(line, sizeof(line), f)) {
		double value, pct, inv;
		long long count;
		if (sscanf(line, " %lf %lf %lld %lf", &value, &pct, &count, &inv) >= 3 &&
		    pct > 0.0 && pct <= 1.0) {
			/* Java prints the value at percentile pct; ours must match it exactly
			 * (both report the highest equivalent value of the bucket). */
			int64_t mine = core_hist_value_at(ours, pct * 100.0);
			if (llabs((long long)llround(value) - mine) != 0) {
				fprintf(stderr, "%s: at %.12f java=%.3f ours=%lld\n", tag, pct, value,
					(long long)mine);
				return 1;
			}
			rows++;
			total = count;
		}
		if (sscanf(line, "#[Max = %lf", &value) == 1)
			java_max = llround(value);
		long long n;
		if (sscanf(line, "#[Total count = %lld", &n) == 1)
			total = n;
	}
	fclose(f);
	printf("%s: %d percentile rows agree, total=%lld (ours %lld), max java=%lld ours=%lld\n",
	       tag, rows, total, (long long)ours->total, java_max, (long long)core_hist_max(ours));
	assert(rows > 10);
	assert(total == ours->total);
	assert(java_max == core_hist_max(ours));
	return 0;
}

int main(void)
{
	if (access(JAR, R_OK) != 0 || system("java -version >/dev/null 2>&1") != 0) {
		fprintf(stderr, "skip: java or " JAR " missing (apt-get install default-jre-headless "
				"libhdrhistogram-java)\n");
		return 77;
	}
	core_clock_init(10);
	char log[] = "/tmp/osprey-hlog-XXXXXX";
	int fd = mkstemp(log);
	assert(fd >= 0);
	close(fd);
	struct telemetry t;
	char err[256];
	assert(telemetry_init(&t, log, 1000000, err, sizeof(err)) == 0);
	struct core_hist_pair *a = telemetry_add(&t, "feeds");
	struct core_hist_pair *b = telemetry_add(&t, "tick_to_order");
	assert(a && b);
	/* several intervals: the writer records, the sidecar flips and collects */
	for (int interval = 0; interval < 5; interval++) {
		struct core_hist *ha = core_hist_pair_begin(a), *hb = core_hist_pair_begin(b);
		for (int i = 0; i < 20000; i++) {
			core_hist_record(ha, (int64_t)(next() % 5000) + 20);
			/* a long tail: microseconds to milliseconds */
			int64_t v = (int64_t)(next() % 3000) + 800;
			if (next() % 100 == 0)
				v *= (int64_t)(next() % 2000) + 1;
			core_hist_record(hb, v);
		}
		core_hist_pair_end(a);
		core_hist_pair_end(b);
		usleep(2000);
		poll_once(telemetry_poll, &t, NULL); /* flips */
		core_hist_pair_begin(a), core_hist_pair_end(a);
		core_hist_pair_begin(b), core_hist_pair_end(b);
		poll_once(telemetry_poll, &t, NULL); /* collects */
	}
	assert(telemetry_finish(&t) == 0);
	assert(t.lines >= 10);
	int bad = check_tag(log, "feeds", telemetry_total(&t, "feeds"));
	bad |= check_tag(log, "tick_to_order", telemetry_total(&t, "tick_to_order"));
	telemetry_fini(&t);
	char cleanup[1200];
	snprintf(cleanup, sizeof(cleanup), "rm -f %s %s.*", log, log);
	(void)!system(cleanup);
	return bad;
}
