/* telemetry.c - interval histograms to an HdrHistogram V1.3 log. */
#include "telemetry.h"
#include "json.h"

#include <math.h>

#include <stdlib.h>
#include <time.h>
#include <zlib.h>

#define V2_COMPRESSED_COOKIE 0x1c849314u /* V2CompressedEncodingCookieBase | 0x10 */

static double wall_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int telemetry_init(struct telemetry *t, const char *hlog_path, uint64_t interval_ns, char *err,
		   size_t errlen)
{
	memset(t, 0, sizeof(*t));
	atomic_init(&t->finish, false);
	pthread_mutex_init(&t->lock, NULL);
	t->interval_ns = interval_ns ? interval_ns : 1000000000ull;
	t->start_mono_ns = core_now_ns();
	t->start_wall_s = wall_now_s();
	if (!hlog_path)
		return 0;
	t->hlog = fopen(hlog_path, "w");
	if (!t->hlog) {
		int r = -errno;
		snprintf(err, errlen, "%s: cannot create the latency log: %s", hlog_path,
			 strerror(errno));
		return r;
	}
	time_t secs = (time_t)t->start_wall_s;
	char when[64];
	struct tm tm;
	gmtime_r(&secs, &tm);
	strftime(when, sizeof(when), "%a %b %d %H:%M:%S UTC %Y", &tm);
	fprintf(t->hlog, "#[Osprey latency log: one tag per stage, values in nanoseconds]\n");
	fprintf(t->hlog, "#[Histogram log format version 1.3]\n");
	fprintf(t->hlog, "#[StartTime: %.3f (seconds since epoch), %s]\n", t->start_wall_s, when);
	fprintf(t->hlog, "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\","
			 "\"Interval_Compressed_Histogram\"\n");
	return 0;
}

struct core_hist_pair *telemetry_add(struct telemetry *t, const char *tag)
{
	if (t->n == TELEMETRY_MAX)
		return NULL;
	struct telemetry_series *s = &t->s[t->n];
	memset(s, 0, sizeof(*s));
	snprintf(s->tag, sizeof(s->tag), "%s", tag);
	s->flip_ns = t->start_mono_ns;
	s->pair = core_alloc(sizeof(*s->pair), CORE_CACHE_LINE);
	if (!s->pair)
		return NULL;
	if (core_hist_pair_init(s->pair) < 0)
		goto out_free_pair;
	if (core_hist_init(&s->total) < 0)
		goto out_fini_pair;
	t->n++;
	return s->pair;
out_fini_pair:
	core_hist_pair_fini(s->pair);
out_free_pair:
	core_free(s->pair);
	s->pair = NULL;
	return NULL;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void put_base64(FILE *f, const unsigned char *p, size_t n)
{
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		fputc(b64[v >> 18], f), fputc(b64[(v >> 12) & 63], f);
		fputc(b64[(v >> 6) & 63], f), fputc(b64[v & 63], f);
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		fputc(b64[v >> 18], f), fputc(b64[(v >> 12) & 63], f), fputs("==", f);
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		fputc(b64[v >> 18], f), fputc(b64[(v >> 12) & 63], f);
		fputc(b64[(v >> 6) & 63], f), fputc('=', f);
	}
}

int telemetry_write_interval(struct telemetry *t, const char *tag, const struct core_hist *h,
			     double start_s, double len_s)
{
	if (!t->hlog)
		return 0;
	size_t cap = core_hist_encode_bound(h);
	unsigned char *raw = malloc(cap);
	uLongf zcap = compressBound((uLong)cap);
	unsigned char *z = malloc(8 + zcap);
	int r = -ENOMEM;
	if (!raw || !z)
		goto out_free;
	long n = core_hist_encode_v2(h, raw, cap);
	if (n < 0) {
		r = (int)n;
		goto out_free;
	}
	if (compress2(z + 8, &zcap, raw, (uLong)n, Z_DEFAULT_COMPRESSION) != Z_OK) {
		r = -EIO;
		goto out_free;
	}
	core_put_be32(z, V2_COMPRESSED_COOKIE);
	core_put_be32(z + 4, (uint32_t)zcap);
	/* Interval_Max in milliseconds, as HistogramLogWriter writes it by default. */
	fprintf(t->hlog, "Tag=%s,%.3f,%.3f,%.3f,", tag, start_s, len_s,
		(double)core_hist_max(h) / 1e6);
	put_base64(t->hlog, z, 8 + zcap);
	fputc('\n', t->hlog);
	t->lines++;
	r = 0;
out_free:
	free(raw);
	free(z);
	return r;
}

/* Keep the interval's few numbers for the report (allocates: aux thread). */
static void keep_interval(struct telemetry_series *s, const struct core_hist *h, double start)
{
	if (s->niv == s->capiv) {
		uint32_t cap = s->capiv ? s->capiv * 2 : 1024;
		void *p = cap <= TELEMETRY_MAX_INTERVALS ? realloc(s->iv, cap * sizeof(*s->iv)) : NULL;
		if (!p) {
			s->iv_lost++;
			return;
		}
		s->iv = p;
		s->capiv = cap;
	}
	s->iv[s->niv++] = (struct telemetry_interval){ .start_s = start, .count = h->total,
		                                       .p50 = core_hist_value_at(h, 50),
		                                       .p99 = core_hist_value_at(h, 99),
		                                       .max = core_hist_max(h) };
}

static void collect(struct telemetry *t, struct telemetry_series *s, struct core_hist *h,
		    uint64_t end_ns)
{
	if (h->total) {
		/* stages do not stamp intervals; the sidecar knows when it flipped */
		double start = (double)(s->flip_ns - t->start_mono_ns) / 1e9;
		double len = (double)(end_ns - s->flip_ns) / 1e9;
		telemetry_write_interval(t, s->tag, h, start, len);
		pthread_mutex_lock(&t->lock);
		core_hist_merge(&s->total, h);
		pthread_mutex_unlock(&t->lock);
		s->intervals++;
		keep_interval(s, h, start);
	}
	core_hist_reset(h);
}

int telemetry_poll(void *ctx, uint32_t *ret_work)
{
	struct telemetry *t = ctx;
	*ret_work = 0;
	/* relaxed: the main thread only asks us to stop; no data rides on it */
	if (atomic_load_explicit(&t->finish, memory_order_relaxed))
		return CORE_EOF;
	uint64_t now = core_now_ns();
	uint32_t work = 0;
	/* Each series flips on its own: an idle stage keeps only its own interval
	 * open (it has not moved to the new buffer yet), never the others'. */
	for (unsigned i = 0; i < t->n; i++) {
		struct telemetry_series *s = &t->s[i];
		if (s->pending && core_hist_pair_quiesced(s->pair)) {
			collect(t, s, s->collect, s->collect_until_ns);
			s->flip_ns = s->collect_until_ns;
			s->pending = false;
			work++;
		}
		if (!s->pending && now - s->flip_ns >= t->interval_ns) {
			s->collect = core_hist_pair_flip(s->pair);
			s->collect_until_ns = now;
			s->pending = true;
			work++;
		}
	}
	*ret_work = work;
	/* a log that cannot be written (disk full) is a failure, said once: the
	 * caller reports it; the totals stop with it */
	if (work && t->hlog && (fflush(t->hlog) != 0 || ferror(t->hlog)))
		return errno ? -errno : -EIO;
	return 0;
}

int telemetry_finish(struct telemetry *t)
{
	uint64_t now = core_now_ns();
	for (unsigned i = 0; i < t->n; i++) {
		struct telemetry_series *s = &t->s[i];
		/* writers are joined: both buffers are ours, the flipped one first */
		if (s->pending) {
			collect(t, s, s->collect, s->collect_until_ns);
			s->flip_ns = s->collect_until_ns;
			s->pending = false;
		}
		uint64_t e = atomic_load_explicit(&s->pair->epoch, memory_order_relaxed);
		collect(t, s, &s->pair->h[e & 1], now);
		s->flip_ns = now;
	}
	if (t->hlog && fflush(t->hlog) != 0)
		return -EIO;
	return 0;
}

void telemetry_fini(struct telemetry *t)
{
	for (unsigned i = 0; i < t->n; i++) {
		core_hist_pair_fini(t->s[i].pair);
		core_free(t->s[i].pair);
		core_hist_fini(&t->s[i].total);
		free(t->s[i].iv);
		t->s[i].iv = NULL;
	}
	t->n = 0;
	if (t->hlog)
		fclose(t->hlog);
	t->hlog = NULL;
	pthread_mutex_destroy(&t->lock);
}

const struct core_hist *telemetry_total(const struct telemetry *t, const char *tag)
{
	for (unsigned i = 0; i < t->n; i++)
		if (!strcmp(t->s[i].tag, tag))
			return &t->s[i].total;
	return NULL;
}

const struct telemetry_series *telemetry_series_of(const struct telemetry *t, const char *tag)
{
	for (unsigned i = 0; i < t->n; i++)
		if (!strcmp(t->s[i].tag, tag))
			return &t->s[i];
	return NULL;
}

void telemetry_summarize(const struct core_hist *h, struct telemetry_summary *ret)
{
	*ret = (struct telemetry_summary){
		.count = h->total,
		.p50 = core_hist_value_at(h, 50),
		.p90 = core_hist_value_at(h, 90),
		.p99 = core_hist_value_at(h, 99),
		.p999 = core_hist_value_at(h, 99.9),
		.max = core_hist_max(h),
	};
}

int telemetry_buckets(struct telemetry *t, const char *tag, const int64_t *bounds, unsigned nb,
                      uint64_t *cum, uint64_t *ret_count, double *ret_sum)
{
	for (unsigned i = 0; i < t->n; i++) {
		if (strcmp(t->s[i].tag, tag) != 0)
			continue;
		memset(cum, 0, nb * sizeof(*cum));
		double sum = 0;
		uint64_t count = 0;
		pthread_mutex_lock(&t->lock);
		const struct core_hist *h = &t->s[i].total;
		for (int32_t k = 0; k < h->counts_len; k++) {
			int64_t c = h->counts[k];
			if (c <= 0)
				continue;
			int64_t v = core_hist_value_from_index(h, k);
			count += (uint64_t)c;
			sum += (double)c * (double)v;
			for (unsigned j = 0; j < nb; j++)
				if (v <= bounds[j]) {
					cum[j] += (uint64_t)c;
					break;
				}
		}
		pthread_mutex_unlock(&t->lock);
		for (unsigned j = 1; j < nb; j++)
			cum[j] += cum[j - 1];
		*ret_count = count;
		*ret_sum = sum;
		return 0;
	}
	return -ENOENT;
}

int telemetry_summary(struct telemetry *t, const char *tag, struct telemetry_summary *ret)
{
	for (unsigned i = 0; i < t->n; i++) {
		if (strcmp(t->s[i].tag, tag) != 0)
			continue;
		pthread_mutex_lock(&t->lock);
		telemetry_summarize(&t->s[i].total, ret);
		pthread_mutex_unlock(&t->lock);
		return 0;
	}
	return -ENOENT;
}

/* ------------------------------------------------------------------------- */
/* The latency in a report's JSON. */

void telemetry_json_summary(struct json_out *j, const char *key, const struct telemetry_summary *s)
{
	json_obj(j, key);
	json_i64(j, "count", s->count);
	json_i64(j, "p50", s->p50);
	json_i64(j, "p90", s->p90);
	json_i64(j, "p99", s->p99);
	json_i64(j, "p999", s->p999);
	json_i64(j, "max", s->max);
	json_end(j);
}

void telemetry_json_hist(struct json_out *j, const char *key, const struct core_hist *h)
{
	struct telemetry_summary t;
	telemetry_summarize(h, &t);
	telemetry_json_summary(j, key, &t);
	char pkey[64];
	snprintf(pkey, sizeof(pkey), "%s_percentiles", key);
	json_arr(j, pkey);
	for (int x = 0; t.count > 0 && pow(10, x / 10.0) <= (double)t.count; x++) {
		double p = 100.0 * (1 - pow(10, -x / 10.0));
		json_arr(j, NULL);
		json_f64(j, NULL, p, 6);
		json_i64(j, NULL, core_hist_value_at(h, p));
		json_end(j);
	}
	if (t.count > 0) {
		json_arr(j, NULL);
		json_f64(j, NULL, 100, 6);
		json_i64(j, NULL, t.max);
		json_end(j);
	}
	json_end(j);
}

void telemetry_json_intervals(struct json_out *j, const char *key,
                              const struct telemetry_interval *iv, uint32_t n, uint64_t lost)
{
	json_obj(j, key);
	json_u64(j, "lost", lost);
	json_arr(j, "t");
	for (uint32_t k = 0; k < n; k++)
		json_f64(j, NULL, iv[k].start_s, 3);
	json_end(j);
	static const char *const keys[] = { "count", "p50", "p99", "max" };
	for (unsigned c = 0; c < 4; c++) {
		json_arr(j, keys[c]);
		for (uint32_t k = 0; k < n; k++)
			json_i64(j, NULL, c == 0 ? iv[k].count : c == 1 ? iv[k].p50 : c == 2 ? iv[k].p99
			                                                                : iv[k].max);
		json_end(j);
	}
	json_end(j);
}
