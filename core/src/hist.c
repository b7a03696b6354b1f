/* hist.c - HDR histogram with HdrHistogram's bucket layout and V2 encoding. */
#include "core.h"

#include <math.h>

static int32_t bucket_index(const struct core_hist *h, int64_t v)
{
	int32_t pow2ceiling = 64 - __builtin_clzll((uint64_t)(v | h->sub_bucket_mask));
	return pow2ceiling - h->unit_magnitude - (h->sub_bucket_half_count_magnitude + 1);
}

static int32_t sub_bucket_index(const struct core_hist *h, int64_t v, int32_t b)
{
	return (int32_t)(v >> (b + h->unit_magnitude));
}

int64_t core_hist_value_from_index(const struct core_hist *h, int32_t index)
{
	int32_t b = (index >> h->sub_bucket_half_count_magnitude) - 1;
	int32_t sb = (index & (h->sub_bucket_half_count - 1)) + h->sub_bucket_half_count;
	if (b < 0) {
		sb -= h->sub_bucket_half_count;
		b = 0;
	}
	return (int64_t)sb << (b + h->unit_magnitude);
}

static int64_t equivalent_range(const struct core_hist *h, int64_t v)
{
	int32_t b = bucket_index(h, v);
	int32_t sb = sub_bucket_index(h, v, b);
	int32_t adjusted = sb >= h->sub_bucket_count ? b + 1 : b;
	return (int64_t)1 << (h->unit_magnitude + adjusted);
}

static int64_t lowest_equivalent(const struct core_hist *h, int64_t v)
{
	int32_t b = bucket_index(h, v);
	int32_t sb = sub_bucket_index(h, v, b);
	return (int64_t)sb << (b + h->unit_magnitude);
}

int64_t core_hist_highest_equivalent(const struct core_hist *h, int64_t v)
{
	return lowest_equivalent(h, v) + equivalent_range(h, v) - 1;
}

CORE_COLD int core_hist_init(struct core_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->lowest = CORE_HIST_LOWEST;
	h->highest = CORE_HIST_HIGHEST;
	h->digits = CORE_HIST_DIGITS;
	int64_t largest_single_unit = 2 * (int64_t)pow(10, h->digits);
	int32_t sub_bucket_count_magnitude = (int32_t)ceil(log2((double)largest_single_unit));
	h->sub_bucket_half_count_magnitude =
		(sub_bucket_count_magnitude > 1 ? sub_bucket_count_magnitude : 1) - 1;
	h->unit_magnitude = (int32_t)floor(log2((double)h->lowest));
	h->sub_bucket_count = 1 << (h->sub_bucket_half_count_magnitude + 1);
	h->sub_bucket_half_count = h->sub_bucket_count / 2;
	h->sub_bucket_mask = ((int64_t)h->sub_bucket_count - 1) << h->unit_magnitude;
	int64_t smallest_untrackable = (int64_t)h->sub_bucket_count << h->unit_magnitude;
	int32_t buckets = 1;
	while (smallest_untrackable <= h->highest) {
		smallest_untrackable <<= 1;
		buckets++;
	}
	h->bucket_count = buckets;
	h->counts_len = (buckets + 1) * (h->sub_bucket_count / 2);
	h->counts = core_alloc((size_t)h->counts_len * sizeof(int64_t), CORE_CACHE_LINE);
	if (!h->counts)
		return -ENOMEM;
	core_hist_reset(h);
	return 0;
}

void core_hist_fini(struct core_hist *h)
{
	if (h) {
		core_free(h->counts);
		h->counts = NULL;
	}
}

void core_hist_reset(struct core_hist *h)
{
	memset(h->counts, 0, (size_t)h->counts_len * sizeof(int64_t));
	h->total = 0;
	h->clamped = 0;
	h->min = INT64_MAX;
	h->max = 0;
	h->start_ns = 0;
	h->end_ns = 0;
}

int64_t core_hist_value_at(const struct core_hist *h, double p)
{
	if (h->total == 0)
		return 0;
	if (p > 100.0)
		p = 100.0;
	if (p < 0.0)
		p = 0.0;
	/* HdrHistogram (Java 2.1.x): the rank is ceil(p/100 * total), at least 1. */
	int64_t rank = (int64_t)ceil(p / 100.0 * (double)h->total);
	if (rank < 1)
		rank = 1;
	int64_t seen = 0;
	for (int32_t i = 0; i < h->counts_len; i++) {
		seen += h->counts[i];
		if (seen >= rank) {
			int64_t v = core_hist_value_from_index(h, i);
			return p == 0.0 ? lowest_equivalent(h, v) : core_hist_highest_equivalent(h, v);
		}
	}
	return core_hist_highest_equivalent(h, h->max);
}

void core_hist_merge(struct core_hist *dst, const struct core_hist *src)
{
	if (src->total == 0)
		return;
	for (int32_t i = 0; i < dst->counts_len; i++)
		dst->counts[i] += src->counts[i];
	dst->total += src->total;
	dst->clamped += src->clamped;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	if (!dst->start_ns || (src->start_ns && src->start_ns < dst->start_ns))
		dst->start_ns = src->start_ns;
	if (src->end_ns > dst->end_ns)
		dst->end_ns = src->end_ns;
}

int64_t core_hist_max(const struct core_hist *h)
{
	return h->total ? core_hist_highest_equivalent(h, h->max) : 0;
}

int64_t core_hist_min(const struct core_hist *h)
{
	return h->total ? lowest_equivalent(h, h->min) : 0;
}

double core_hist_mean(const struct core_hist *h)
{
	if (!h->total)
		return 0.0;
	double sum = 0;
	for (int32_t i = 0; i < h->counts_len; i++) {
		if (h->counts[i]) {
			int64_t v = core_hist_value_from_index(h, i);
			double mid = (double)lowest_equivalent(h, v) + (double)(equivalent_range(h, v) >> 1);
			sum += mid * (double)h->counts[i];
		}
	}
	return sum / (double)h->total;
}

/* ---- V2 encoding ------------------------------------------------------- */

#define V2_COOKIE 0x1c849313u /* V2EncodingCookieBase | 0x10 (word size byte, TLZE) */
#define V2_HEADER 40

size_t core_hist_encode_bound(const struct core_hist *h)
{
	return V2_HEADER + (size_t)h->counts_len * 9;
}

static size_t zigzag_leb128(unsigned char *p, int64_t value)
{
	uint64_t v = ((uint64_t)value << 1) ^ (uint64_t)(value >> 63);
	size_t n = 0;
	for (int i = 0; i < 8; i++) {
		if (v >> 7 == 0) {
			p[n++] = (unsigned char)v;
			return n;
		}
		p[n++] = (unsigned char)((v & 0x7f) | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v; /* ninth byte carries the last 8 bits */
	return n;
}

long core_hist_encode_v2(const struct core_hist *h, unsigned char *buf, size_t cap)
{
	if (cap < core_hist_encode_bound(h))
		return -ENOSPC;
	int32_t last = h->total ? core_hist__index(h->max) : -1;
	size_t n = V2_HEADER;
	for (int32_t i = 0; i <= last;) {
		int64_t c = h->counts[i];
		if (c) {
			n += zigzag_leb128(buf + n, c);
			i++;
			continue;
		}
		int64_t zeros = 0;
		while (i <= last && h->counts[i] == 0) {
			zeros++;
			i++;
		}
		n += zigzag_leb128(buf + n, zeros > 1 ? -zeros : 0);
	}
	double ratio = 1.0;
	uint64_t ratio_bits;
	memcpy(&ratio_bits, &ratio, 8);
	core_put_be32(buf + 0, V2_COOKIE);
	core_put_be32(buf + 4, (uint32_t)(n - V2_HEADER));
	core_put_be32(buf + 8, 0); /* normalizing index offset */
	core_put_be32(buf + 12, (uint32_t)h->digits);
	core_put_be64(buf + 16, (uint64_t)h->lowest);
	core_put_be64(buf + 24, (uint64_t)h->highest);
	core_put_be64(buf + 32, ratio_bits);
	return (long)n;
}

/* One ZigZag LEB128 value (at most 9 bytes) from p[0..end); NULL if cut. */
static const unsigned char *unzigzag(const unsigned char *p, const unsigned char *end,
				     int64_t *ret)
{
	uint64_t v = 0;
	for (int i = 0; i < 9; i++) {
		if (p >= end)
			return NULL;
		unsigned b = *p++;
		if (i == 8) {
			v |= (uint64_t)b << 56; /* the ninth byte: all 8 bits */
			break;
		}
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80))
			break;
	}
	*ret = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
	return p;
}

int core_hist_decode_v2(struct core_hist *h, const unsigned char *buf, size_t len)
{
	if (len < V2_HEADER || (core_be32(buf) & ~0xf0u) != (V2_COOKIE & ~0xf0u))
		return -EINVAL;
	uint32_t payload = core_be32(buf + 4);
	if (payload > len - V2_HEADER || core_be32(buf + 8) != 0 ||
	    core_be32(buf + 12) != (uint32_t)h->digits || (int64_t)core_be64(buf + 16) != h->lowest ||
	    (int64_t)core_be64(buf + 24) != h->highest)
		return -EINVAL;
	const unsigned char *p = buf + V2_HEADER, *end = p + payload;
	int64_t i = 0;
	while (p < end) {
		int64_t c;
		if (!(p = unzigzag(p, end, &c)))
			return -EINVAL;
		if (c < 0) { /* a run of -c empty buckets */
			if (c == INT64_MIN || i > (int64_t)h->counts_len + c)
				return -EINVAL;
			i -= c;
			continue;
		}
		if (i >= h->counts_len || c > INT64_MAX - h->total)
			return -EINVAL;
		if (c)
			core_hist_record_n(h, core_hist_value_from_index(h, (int32_t)i), c);
		i++;
	}
	return 0;
}

/* ---- double-buffered pair --------------------------------------------- */

int core_hist_pair_init(struct core_hist_pair *p)
{
	memset(p, 0, sizeof(*p));
	atomic_init(&p->epoch, 0);
	atomic_init(&p->seen, 0);
	int r = core_hist_init(&p->h[0]);
	if (r < 0)
		return r;
	r = core_hist_init(&p->h[1]);
	if (r < 0) {
		core_hist_fini(&p->h[0]);
		return r;
	}
	return 0;
}

void core_hist_pair_fini(struct core_hist_pair *p)
{
	if (p) {
		core_hist_fini(&p->h[0]);
		core_hist_fini(&p->h[1]);
	}
}

struct core_hist *core_hist_pair_flip(struct core_hist_pair *p)
{
	uint64_t e = atomic_load_explicit(&p->epoch, memory_order_relaxed); /* own variable */
	/* R1: pairs with W1; the reset we did on h[(e+1)&1] last interval is
	 * visible before the writer starts using it. */
	atomic_store_explicit(&p->epoch, e + 1, memory_order_release);
	return &p->h[e & 1];
}

bool core_hist_pair_quiesced(struct core_hist_pair *p)
{
	uint64_t e = atomic_load_explicit(&p->epoch, memory_order_relaxed);
	/* R2: pairs with W2; seen == e means the writer finished a batch in the
	 * new epoch, so every batch in the old epoch is complete and visible. */
	return atomic_load_explicit(&p->seen, memory_order_acquire) == e;
}
