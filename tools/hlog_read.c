/* hlog_read.c - an HdrHistogram interval log read back (hlog_read.h). */
#include "hlog_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define COMPRESSED_COOKIE 0x1c849304u /* V2CompressedEncodingCookieBase */
#define MAX_LINE (16u << 20)           /* a histogram line longer than this is not ours */

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Strict base64 (padding only at the end) of s[0..n) into out; its length,
 * or -1. out has room for n / 4 * 3 bytes. */
static long unbase64(const char *s, size_t n, unsigned char *out)
{
	if (n % 4)
		return -1;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		int pad = 0;
		for (int k = 0; k < 4; k++) {
			unsigned char c = (unsigned char)s[i + k];
			if (c == '=' && i + 4 == n && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad || (v[k] = b64val(c)) < 0)
				return -1;
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
		             (uint32_t)v[3];
		out[o++] = (unsigned char)(w >> 16);
		if (pad < 2)
			out[o++] = (unsigned char)(w >> 8);
		if (pad < 1)
			out[o++] = (unsigned char)w;
	}
	return (long)o;
}

/* One interval's histogram: decode, inflate and add to h. */
static int add_interval(struct core_hist *h, const char *b64, size_t n, const char **why)
{
	unsigned char *z = malloc(n / 4 * 3 + 1);
	size_t cap = core_hist_encode_bound(h);
	unsigned char *raw = malloc(cap);
	int r = -ENOMEM;
	if (!z || !raw)
		goto out;
	r = -EINVAL;
	long zn = unbase64(b64, n, z);
	if (zn < 0) {
		*why = "bad base64";
		goto out;
	}
	if (zn < 8 || (core_be32(z) & ~0xf0u) != COMPRESSED_COOKIE) {
		*why = "not a compressed V2 histogram (cookie)";
		goto out;
	}
	uint32_t clen = core_be32(z + 4);
	if (clen > (uint64_t)zn - 8) {
		*why = "compressed length past the line";
		goto out;
	}
	uLongf rawlen = (uLongf)cap;
	if (uncompress(raw, &rawlen, z + 8, clen) != Z_OK) {
		*why = "does not inflate (zlib), or is larger than any osprey histogram";
		goto out;
	}
	if (core_hist_decode_v2(h, raw, rawlen) < 0) {
		*why = "not an osprey histogram (V2 header, parameters or counts)";
		goto out;
	}
	r = 0;
out:
	free(z);
	free(raw);
	return r;
}

/* Every interval line (tagged `tag`, or any when tag is NULL) decoded into
 * a scratch histogram and handed to fn; the other tags into seen
 * (",a,b,"). How many were handed, or a negative errno with err. */
static long walk(const char *text, size_t len, const char *name, const char *tag,
		 hlog_interval_fn fn, void *arg, char *seen, size_t seencap, char *err,
		 size_t errlen)
{
	struct core_hist h;
	if (core_hist_init(&h) < 0) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	long n = 0, r = 0;
	unsigned lineno = 0;
	size_t tlen = tag ? strlen(tag) : 0;
	for (size_t at = 0; at < len;) {
		const char *line = text + at;
		const char *nl = memchr(line, '\n', len - at);
		size_t ll = nl ? (size_t)(nl - line) : len - at;
		at += ll + (nl != NULL);
		lineno++;
		if (ll && line[ll - 1] == '\r')
			ll--;
		if (!ll || line[0] == '#' || line[0] == '"')
			continue;
		if (ll > MAX_LINE) {
			snprintf(err, errlen, "%s:%u: a line of %zu bytes", name, lineno, ll);
			r = -EINVAL;
			break;
		}
		/* [Tag=NAME,]START,LENGTH,MAX,BASE64 */
		const char *p = line, *end = line + ll;
		const char *t = "", *te = t;
		if (ll > 4 && !memcmp(p, "Tag=", 4)) {
			t = p + 4;
			te = memchr(t, ',', (size_t)(end - t));
			if (!te) {
				snprintf(err, errlen, "%s:%u: Tag= without the fields after it", name,
				         lineno);
				r = -EINVAL;
				break;
			}
			p = te + 1;
		}
		double num[3];
		int f = 0;
		for (; f < 3; f++) { /* start, length, max: numbers */
			const char *c = memchr(p, ',', (size_t)(end - p));
			if (!c || c == p || strspn(p, "0123456789.eE+-") < (size_t)(c - p))
				break;
			num[f] = strtod(p, NULL); /* digits up to the ',' at most */
			p = c + 1;
		}
		if (f < 3) {
			snprintf(err, errlen, "%s:%u: field %d is not a number followed by ','", name,
			         lineno, f + 1);
			r = -EINVAL;
			break;
		}
		if (tag && ((size_t)(te - t) != tlen || memcmp(t, tag, tlen))) {
			/* the tags there are, for the message when this one is not */
			char one[32];
			snprintf(one, sizeof(one), ",%.*s,", (int)(te - t > 24 ? 24 : te - t), t);
			size_t sl = strlen(seen);
			if (te > t && sl + 32 < seencap && !strstr(seen, one))
				snprintf(seen + sl, seencap - sl, "%s", sl ? one + 1 : one);
			continue;
		}
		char tname[64];
		snprintf(tname, sizeof(tname), "%.*s", (int)(te - t), t);
		const char *why = "";
		core_hist_reset(&h);
		if ((r = add_interval(&h, p, (size_t)(end - p), &why)) < 0) {
			if (r == -ENOMEM)
				snprintf(err, errlen, "%s:%u: out of memory", name, lineno);
			else
				snprintf(err, errlen, "%s:%u: tag %s: %s", name, lineno, tname, why);
			break;
		}
		if ((r = fn(arg, tname, num[0], num[1], &h)) < 0) {
			snprintf(err, errlen, "%s:%u: tag %s: %s", name, lineno, tname,
			         r == -ENOMEM ? "out of memory" : "refused by the reader");
			break;
		}
		n++;
	}
	core_hist_fini(&h);
	return r < 0 ? r : n;
}

int hlog_each(const char *text, size_t len, const char *name, hlog_interval_fn fn, void *arg,
	      char *err, size_t errlen)
{
	char seen[8];
	long r = walk(text, len, name, NULL, fn, arg, seen, sizeof(seen), err, errlen);
	return r < 0 ? (int)r : 0;
}

static int merge(void *arg, const char *tag, double start_s, double len_s,
		 const struct core_hist *h)
{
	(void)tag, (void)start_s, (void)len_s;
	core_hist_merge(arg, h);
	return 0;
}

int hlog_parse(const char *text, size_t len, const char *name, const char *tag,
	       struct core_hist *ret, uint64_t *ret_intervals, char *err, size_t errlen)
{
	char seen[256] = ""; /* ",a,b," */
	long n = walk(text, len, name, tag, merge, ret, seen, sizeof(seen), err, errlen);
	if (n < 0)
		return (int)n;
	*ret_intervals = (uint64_t)n;
	if (!n) {
		size_t sl = strlen(seen);
		if (sl)
			seen[sl - 1] = '\0';
		snprintf(err, errlen, "%s: no interval tagged %s (tags: %s)", name, tag,
		         seen[0] ? seen + 1 : "none");
		return -ENOENT;
	}
	return 0;
}

int hlog_total(const char *path, const char *tag, struct core_hist *ret, uint64_t *ret_intervals,
	       char *err, size_t errlen)
{
	char *buf;
	size_t n;
	int r = core_file_read(path, 1u << 30, &buf, &n, err, errlen);
	if (r < 0)
		return r;
	r = hlog_parse(buf, n, path, tag, ret, ret_intervals, err, errlen);
	free(buf);
	return r;
}
