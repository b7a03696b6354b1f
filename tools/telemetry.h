/*
 * telemetry.h - the latency sidecar (tools-internal).
 *
 * Each stage owns a core_hist_pair and is its only writer. The sidecar runs as
 * a core_stage on the aux thread: about once per interval it flips every pair,
 * waits (without blocking the aux thread) for each writer to move to the new
 * buffer, merges the collected interval into a cumulative histogram, writes it
 * to the HdrHistogram log (format V1.3, one tag per stage) and resets it.
 *
 * Threads: telemetry_poll on the aux thread only; telemetry_init,
 * telemetry_add, telemetry_finish and telemetry_total on the main thread,
 * before the aux thread starts or after every thread has been joined.
 * telemetry_summary from any thread at any time (the control thread's
 * status): a mutex guards the totals while the aux thread merges into them.
 */
#ifndef OSPREY_TELEMETRY_H
#define OSPREY_TELEMETRY_H

#include "core.h"

#include <pthread.h>
#include <stdio.h>

#define TELEMETRY_MAX 12

/* One interval of a series, kept for the report's latency-over-time plot. */
struct telemetry_interval {
	double start_s;              /* since telemetry_init (wall clock) */
	int64_t count, p50, p99, max; /* ns */
};

#define TELEMETRY_MAX_INTERVALS (1u << 20) /* per series; later ones counted in lost */

struct telemetry_series {
	char tag[24];
	struct telemetry_interval *iv; /* every interval with values, in order (aux thread) */
	uint32_t niv, capiv;
	uint64_t iv_lost;             /* not kept: past TELEMETRY_MAX_INTERVALS or no memory */
	struct core_hist_pair *pair; /* owned by the telemetry object */
	struct core_hist total;      /* cumulative */
	bool pending;                /* flipped, waiting for the writer */
	struct core_hist *collect;
	uint64_t intervals;
	uint64_t flip_ns;             /* when the interval being collected began */
	uint64_t collect_until_ns;    /* when it was flipped (its end) */
};

struct telemetry {
	unsigned n;
	struct telemetry_series s[TELEMETRY_MAX];
	FILE *hlog;         /* NULL: no log */
	uint64_t interval_ns;
	uint64_t start_mono_ns;
	double start_wall_s;
	uint64_t lines;
	_Atomic bool finish; /* main thread asks the poll to return CORE_EOF */
	pthread_mutex_t lock; /* the totals, between merges and summaries */
};

/* A cumulative histogram in a few numbers (nanoseconds). */
struct telemetry_summary {
	int64_t count, p50, p90, p99, p999, max;
};

/* Setup. hlog_path may be NULL. 0 or negative errno (err says why). */
int telemetry_init(struct telemetry *t, const char *hlog_path, uint64_t interval_ns, char *err,
		   size_t errlen);
/* Add a series; returns its pair for the stage to record into, or NULL. */
struct core_hist_pair *telemetry_add(struct telemetry *t, const char *tag);
/* Aux-thread poll (core_stage): 0, CORE_EOF once finish is set, or a
 * negative errno when the log cannot be written (its text is lost from then). */
int telemetry_poll(void *ctx, uint32_t *ret_work);
/* After all writers are joined: collect what is left in both buffers, write
 * the final interval and flush the log. */
int telemetry_finish(struct telemetry *t);
void telemetry_fini(struct telemetry *t);
const struct core_hist *telemetry_total(const struct telemetry *t, const char *tag);
/* telemetry_series_of - tag's series (its intervals), or NULL. Main thread, after
 * telemetry_finish. */
const struct telemetry_series *telemetry_series_of(const struct telemetry *t, const char *tag);
/* telemetry_summary - tag's totals so far: 0, or -ENOENT for an unknown tag. Any thread. */
int telemetry_summary(struct telemetry *t, const char *tag, struct telemetry_summary *ret);
/* telemetry_buckets - tag's totals for a Prometheus histogram: cum[j] the
 * values at or below bounds[j] (ns, ascending, nb of them; a bucket counts
 * by its lowest value), the count and the sum (ns; each value taken as its
 * bucket's lowest). 0, or -ENOENT for an unknown tag. Any thread (the lock). */
int telemetry_buckets(struct telemetry *t, const char *tag, const int64_t *bounds, unsigned nb,
                      uint64_t *cum, uint64_t *ret_count, double *ret_sum);
/* The latency in a report's JSON (json.h; the keys --json, /api/latency and
 * osprey-report share), any thread on its own writer:
 * telemetry_json_summary - KEY: {count, p50, p90, p99, p999, max} (ns);
 * telemetry_json_hist - that, and KEY_percentiles: the distribution as
 *   HdrHistogram's plotter draws it, [percentile, ns] at 100 * (1 - 10^-x)
 *   for x = 0, 0.1, ... while 10^x is within the count, then [100, max];
 * telemetry_json_intervals - KEY: {lost, t, count, p50, p99, max}, one array
 *   each, an element per interval. */
struct json_out;
void telemetry_json_summary(struct json_out *j, const char *key, const struct telemetry_summary *s);
void telemetry_json_hist(struct json_out *j, const char *key, const struct core_hist *h);
void telemetry_json_intervals(struct json_out *j, const char *key,
                              const struct telemetry_interval *iv, uint32_t n, uint64_t lost);
/* telemetry_summarize - the same numbers from any histogram (the caller's). */
void telemetry_summarize(const struct core_hist *h, struct telemetry_summary *ret);
/* Write an interval line for h (caller-owned) to the log. */
int telemetry_write_interval(struct telemetry *t, const char *tag, const struct core_hist *h,
			     double start_s, double len_s);

#endif
