/*
 * hlog_read.h - an HdrHistogram interval log read back (format V1.3, as
 * tools/telemetry.c and HdrHistogram's HistogramLogWriter write it): the
 * sum of one tag's intervals, for osprey-replay --latency-from (the
 * simulated venue's latency sampled from a recorded one), or every interval
 * of every tag, for osprey-report's latency pages.
 *
 * Lines: comments ("#..."), the CSV header ("\"StartTimestamp\",..."),
 * blank lines, and intervals "[Tag=NAME,]START,LENGTH,MAX,BASE64" whose
 * BASE64 is a compressed V2 histogram (cookie 0x1c849304, any word-size
 * bits; zlib) with osprey's parameters (core.h: lowest 1, highest 60 s,
 * 3 digits). Anything else is an error naming the file, the line and what
 * is wrong; nothing is half-read silently.
 *
 * Memory: the caller owns ret (core_hist_init'd) and the text. Threads: any.
 * Library-style: never prints. Results: 0; -ENOENT (no interval of that
 * tag; err lists the tags seen); -EINVAL (malformed; err says where);
 * -ENOMEM; -errno (the file).
 */
#ifndef OSPREY_HLOG_READ_H
#define OSPREY_HLOG_READ_H

#include "core.h"

#include <stddef.h>

/* hlog_parse - add every interval tagged `tag` in text[0..len) (name: for
 * messages) to ret; *ret_intervals how many. Reads only text[0..len). */
int hlog_parse(const char *text, size_t len, const char *name, const char *tag,
	       struct core_hist *ret, uint64_t *ret_intervals, char *err, size_t errlen);

/* hlog_each - every interval of text[0..len), whatever its tag ("" when
 * untagged), in order, to fn (h: that interval's alone, valid during the
 * call; a negative return stops the walk with that result). 0 or the error. */
typedef int (*hlog_interval_fn)(void *arg, const char *tag, double start_s, double len_s,
				const struct core_hist *h);
int hlog_each(const char *text, size_t len, const char *name, hlog_interval_fn fn, void *arg,
	      char *err, size_t errlen);

/* hlog_total - hlog_parse of the file at path. */
int hlog_total(const char *path, const char *tag, struct core_hist *ret, uint64_t *ret_intervals,
	       char *err, size_t errlen);

#endif /* OSPREY_HLOG_READ_H */
