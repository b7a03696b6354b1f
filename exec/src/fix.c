/* fix.c - the FIX 4.4 codec: in-place builders, encoders, the parser and its
 * typed getters and decoders. The manual is exec.h ("FIX 4.4: the codec").
 * Why one file of this length: builders and parser share the field tables,
 * the checksum/SOH scanners (SSE2 with their scalar twins) and the typed
 * value formats; one message kind each is short, twelve kinds are not. */
#include <stdio.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "exec.h"

static_assert(EXEC_FIX_MAX_FIELDS < 255, "decode() indexes fields with uint8_t");

#define SOH EXEC_FIX_SOH

/* "8=FIX.4.4|9=": the BodyLength value follows at HDR_LEN; builders leave
 * room for 3 digits and the SOH, so the body starts at BODY_AT. */
static const char begin_bytes[] = "8=FIX.4.4\0019=";
#define HDR_LEN 12
#define BODY_AT (HDR_LEN + 4)

/* ------------------------------------------------------------------------- */
/* Numbers */

static const char digits2[201] = "00010203040506070809"
				 "10111213141516171819"
				 "20212223242526272829"
				 "30313233343536373839"
				 "40414243444546474849"
				 "50515253545556575859"
				 "60616263646566676869"
				 "70717273747576777879"
				 "80818283848586878889"
				 "90919293949596979899";

/* Decimal digits of v into dst; returns how many (1..20). */
static int fmt_u64(char *dst, uint64_t v)
{
	char tmp[20];
	char *q = tmp + sizeof(tmp);
	while (v >= 100) {
		unsigned i = (unsigned)(v % 100) * 2;
		v /= 100;
		q -= 2;
		q[0] = digits2[i];
		q[1] = digits2[i + 1];
	}
	if (v >= 10) {
		q -= 2;
		q[0] = digits2[v * 2];
		q[1] = digits2[v * 2 + 1];
	} else {
		*--q = (char)('0' + v);
	}
	int n = (int)(tmp + sizeof(tmp) - q);
	memcpy(dst, q, (size_t)n);
	return n;
}

int exec_fix_format_price(char *dst, int64_t px)
{
	char *p = dst;
	uint64_t u;
	if (px < 0) {
		*p++ = '-';
		u = (uint64_t)0 - (uint64_t)px;
	} else {
		u = (uint64_t)px;
	}
	p += fmt_u64(p, u / 10000);
	unsigned frac = (unsigned)(u % 10000);
	if (frac) {
		*p++ = '.';
		p[0] = (char)('0' + frac / 1000);
		p[1] = (char)('0' + frac / 100 % 10);
		p[2] = (char)('0' + frac / 10 % 10);
		p[3] = (char)('0' + frac % 10);
		int n = 4;
		while (p[n - 1] == '0')
			n--;
		p += n;
	}
	return (int)(p - dst);
}

int exec_fix_parse_int(const char *p, size_t n, int64_t *ret)
{
	size_t i = 0;
	bool neg = false;
	if (n && p[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i == n)
		return -EBADMSG;
	uint64_t v = 0;
	for (; i < n; i++) {
		unsigned d = (unsigned char)p[i] - '0';
		if (d > 9)
			return -EBADMSG;
		if (v > (UINT64_C(1) << 62) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (v > (uint64_t)INT64_MAX)
		return -ERANGE;
	*ret = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

int exec_fix_parse_price(const char *p, size_t n, bool round, int64_t *ret)
{
	size_t i = 0;
	bool neg = false;
	if (n && p[0] == '-') {
		neg = true;
		i = 1;
	}
	uint64_t ip = 0;
	unsigned nint = 0, nfrac = 0;
	for (; i < n && p[i] != '.'; i++) {
		unsigned d = (unsigned char)p[i] - '0';
		if (d > 9)
			return -EBADMSG;
		if (++nint > 18 || (ip = ip * 10 + d) > UINT64_C(922337203685477))
			return -ERANGE;
	}
	uint64_t fp = 0;
	bool up = false;
	if (i < n) { /* p[i] == '.' */
		for (i++; i < n; i++) {
			unsigned d = (unsigned char)p[i] - '0';
			if (d > 9)
				return -EBADMSG;
			nfrac++;
			if (nfrac <= 4) {
				fp = fp * 10 + d;
			} else if (round) {
				if (nfrac == 5)
					up = d >= 5;
			} else if (d) {
				return -ERANGE;
			}
		}
	}
	if (nint + nfrac == 0)
		return -EBADMSG;
	for (unsigned k = nfrac; k < 4; k++)
		fp *= 10;
	uint64_t v = ip * 10000 + fp + up;
	if (v > (uint64_t)INT64_MAX)
		return -ERANGE;
	*ret = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

/* A quantity: whole shares, "100" or "100.00" (a zero fraction). */
static int parse_qty(const char *p, size_t n, uint64_t *ret)
{
	int64_t v;
	int r = exec_fix_parse_price(p, n, false, &v);
	if (r < 0)
		return r;
	if (v < 0 || v % 10000)
		return -ERANGE;
	*ret = (uint64_t)v / 10000;
	return 0;
}

/* ------------------------------------------------------------------------- */
/* Time: UTCTimestamp "YYYYMMDD-HH:MM:SS.sss" from ns since the epoch. */

/* Days since 1970-01-01 of a proleptic Gregorian date (era arithmetic:
 * 400-year eras of 146097 days, years starting in March). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void put2(char *p, unsigned v)
{
	p[0] = digits2[v * 2];
	p[1] = digits2[v * 2 + 1];
}

/* 21 bytes "YYYYMMDD-HH:MM:SS.sss" at dst; the date-time part comes from
 * h's cache, refreshed when the second changes. */
static void fmt_time(struct exec_fix_header *h, char *dst, uint64_t ns)
{
	uint64_t sec = ns / 1000000000u;
	if (sec != h->cached_sec) {
		int64_t y;
		unsigned mo, d;
		civil_from_days((int64_t)(sec / 86400), &y, &mo, &d);
		unsigned s = (unsigned)(sec % 86400);
		char *c = h->date_time;
		put2(c, (unsigned)(y / 100 % 100));
		put2(c + 2, (unsigned)(y % 100));
		put2(c + 4, mo);
		put2(c + 6, d);
		c[8] = '-';
		put2(c + 9, s / 3600);
		c[11] = ':';
		put2(c + 12, s / 60 % 60);
		c[14] = ':';
		put2(c + 15, s % 60);
		h->cached_sec = sec;
	}
	memcpy(dst, h->date_time, 17);
	unsigned ms = (unsigned)(ns / 1000000u % 1000);
	dst[17] = '.';
	dst[18] = (char)('0' + ms / 100);
	put2(dst + 19, ms % 100);
}

static int num(const char *p, unsigned n, unsigned *ret)
{
	unsigned v = 0;
	for (unsigned i = 0; i < n; i++) {
		unsigned d = (unsigned char)p[i] - '0';
		if (d > 9)
			return -EBADMSG;
		v = v * 10 + d;
	}
	*ret = v;
	return 0;
}

int exec_fix_parse_time(const char *p, size_t n, uint64_t *ret_ns)
{
	unsigned y, mo, d, hh, mm, ss;
	if (n < 17 || p[8] != '-' || p[11] != ':' || p[14] != ':' || num(p, 4, &y) ||
	    num(p + 4, 2, &mo) || num(p + 6, 2, &d) || num(p + 9, 2, &hh) ||
	    num(p + 12, 2, &mm) || num(p + 15, 2, &ss))
		return -EBADMSG;
	uint64_t frac = 0;
	if (n > 17) {
		size_t nf = n - 18;
		if (p[17] != '.' || nf < 1 || nf > 9)
			return -EBADMSG;
		unsigned f;
		if (num(p + 18, (unsigned)nf, &f))
			return -EBADMSG;
		frac = f;
		for (size_t k = nf; k < 9; k++)
			frac *= 10;
	}
	/* 2500: ns since 1970 stay within uint64_t */
	if (y < 1970 || y > 2500 || mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60)
		return -ERANGE;
	int64_t days = days_from_civil(y, mo, d);
	*ret_ns = ((uint64_t)days * 86400 + hh * 3600u + mm * 60u + ss) * 1000000000u + frac;
	return 0;
}

/* ------------------------------------------------------------------------- */
/* Header and builder */

static bool compid_ok(const char *s, size_t n)
{
	if (n == 0 || n > EXEC_FIX_MAX_COMPID)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == '|' || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

int exec_fix_header_init(struct exec_fix_header *h, const char *sender, const char *target,
			 char *err, size_t errlen)
{
	size_t ns = sender ? strlen(sender) : 0, nt = target ? strlen(target) : 0;
	if (!compid_ok(sender, ns) || !compid_ok(target, nt)) {
		core_errf(err, errlen, "%s '%s': 1 to %d printable bytes without spaces or '|'",
			  compid_ok(sender, ns) ? "TargetCompID" : "SenderCompID",
			  compid_ok(sender, ns) ? (target ? target : "") : (sender ? sender : ""),
			  EXEC_FIX_MAX_COMPID);
		return -EINVAL;
	}
	memset(h, 0, sizeof(*h));
	char *p = h->comp;
	memcpy(p, "\00149=", 4);
	p += 4;
	memcpy(p, sender, ns);
	p += ns;
	memcpy(p, "\00156=", 4);
	p += 4;
	memcpy(p, target, nt);
	p += nt;
	memcpy(p, "\00134=", 4);
	p += 4;
	h->comp_len = (uint32_t)(p - h->comp);
	memcpy(h->sender, sender, ns);
	memcpy(h->target, target, nt);
	h->cached_sec = UINT64_MAX;
	return 0;
}

static inline bool room(struct exec_fix_builder *b, size_t n)
{
	if ((size_t)(b->end - b->p) >= n)
		return true;
	if (!b->err)
		b->err = -ENOSPC;
	b->p = b->end; /* every later put fails too */
	return false;
}

/* "tag=" */
static inline void put_tag(struct exec_fix_builder *b, uint32_t tag)
{
	b->p += fmt_u64(b->p, tag);
	*b->p++ = '=';
}

void exec_fix_build_begin(struct exec_fix_builder *b, struct exec_fix_header *h, char *buf,
			  size_t cap, const char *type, uint64_t seq, uint64_t now_ns,
			  uint64_t orig_ns)
{
	size_t tl = strlen(type);
	b->h = h;
	b->buf = buf;
	b->p = buf;
	b->end = buf + cap;
	b->err = 0;
	/* 8=FIX.4.4|9=ddd| 35=T comp seq| 52=time| [43=Y| 122=time|] */
	if (tl < 1 || tl > 2) {
		b->err = -EINVAL;
		b->p = b->end;
		return;
	}
	if (!room(b, BODY_AT + 3 + tl + h->comp_len + 20 + 1 + 4 + 21 + 1 + 5 + 4 + 21 + 1))
		return;
	memcpy(b->p, begin_bytes, HDR_LEN);
	b->p = buf + BODY_AT;
	memcpy(b->p, "35=", 3);
	b->p += 3;
	memcpy(b->p, type, tl);
	b->p += tl;
	memcpy(b->p, h->comp, h->comp_len);
	b->p += h->comp_len;
	b->p += fmt_u64(b->p, seq);
	memcpy(b->p, "\00152=", 4);
	b->p += 4;
	fmt_time(h, b->p, now_ns);
	b->p += 21;
	*b->p++ = SOH;
	if (orig_ns) {
		memcpy(b->p, "43=Y\001122=", 9);
		b->p += 9;
		fmt_time(h, b->p, orig_ns);
		b->p += 21;
		*b->p++ = SOH;
	}
}

void exec_fix_put_str(struct exec_fix_builder *b, uint32_t tag, const char *s, size_t n)
{
	if (n == 0 || memchr(s, SOH, n)) {
		if (!b->err)
			b->err = -EINVAL;
		return;
	}
	if (!room(b, 11 + n + 1))
		return;
	put_tag(b, tag);
	memcpy(b->p, s, n);
	b->p += n;
	*b->p++ = SOH;
}

void exec_fix_put_int(struct exec_fix_builder *b, uint32_t tag, int64_t v)
{
	if (!room(b, 11 + 21 + 1))
		return;
	put_tag(b, tag);
	if (v < 0) {
		*b->p++ = '-';
		b->p += fmt_u64(b->p, (uint64_t)0 - (uint64_t)v);
	} else {
		b->p += fmt_u64(b->p, (uint64_t)v);
	}
	*b->p++ = SOH;
}

void exec_fix_put_price(struct exec_fix_builder *b, uint32_t tag, int64_t px)
{
	if (!room(b, 11 + 22 + 1))
		return;
	put_tag(b, tag);
	b->p += exec_fix_format_price(b->p, px);
	*b->p++ = SOH;
}

void exec_fix_put_char(struct exec_fix_builder *b, uint32_t tag, char c)
{
	if (c == SOH || c == 0) {
		if (!b->err)
			b->err = -EINVAL;
		return;
	}
	if (!room(b, 11 + 2))
		return;
	put_tag(b, tag);
	*b->p++ = c;
	*b->p++ = SOH;
}

void exec_fix_put_time(struct exec_fix_builder *b, uint32_t tag, uint64_t ns)
{
	if (!room(b, 11 + 21 + 1))
		return;
	put_tag(b, tag);
	fmt_time(b->h, b->p, ns);
	b->p += 21;
	*b->p++ = SOH;
}

void exec_fix_put_raw(struct exec_fix_builder *b, const char *fields, size_t n)
{
	if (!room(b, n))
		return;
	memcpy(b->p, fields, n);
	b->p += n;
}

int exec_fix_build_end(struct exec_fix_builder *b)
{
	if (b->err)
		return b->err;
	char *body = b->buf + BODY_AT;
	size_t blen = (size_t)(b->p - body);
	char d[20];
	int nd = fmt_u64(d, blen);
	if (nd != 3) {
		/* move the body so BodyLength needs no padding */
		ptrdiff_t shift = nd - 3;
		if (shift > 0 && b->end - b->p < shift + 7)
			return -ENOSPC;
		memmove(body + shift, body, blen);
		body += shift;
		b->p += shift;
	}
	memcpy(b->buf + HDR_LEN, d, (size_t)nd);
	body[-1] = SOH;
	if (b->end - b->p < 7)
		return -ENOSPC;
	uint32_t sum = 0;
	const unsigned char *u = (const unsigned char *)b->buf;
	size_t n = (size_t)(b->p - b->buf);
	for (size_t i = 0; i < n; i++)
		sum += u[i];
	sum &= 0xff;
	char *p = b->p;
	memcpy(p, "10=", 3);
	p[3] = (char)('0' + sum / 100);
	put2(p + 4, sum % 100);
	p[6] = SOH;
	return (int)(n + 7);
}

/* ------------------------------------------------------------------------- */
/* Encoders */

#define STR(b, tag, s) exec_fix_put_str(b, tag, (s).p, (s).len)
#define OPT_STR(b, tag, s)                                                                         \
	do {                                                                                       \
		if ((s).len)                                                                       \
			STR(b, tag, s);                                                            \
	} while (0)

int exec_fix_encode_logon(struct exec_fix_header *h, char *buf, size_t cap, uint64_t seq,
			  uint64_t now_ns, uint32_t heartbeat_s, bool reset_seq)
{
	struct exec_fix_builder b;
	exec_fix_build_begin(&b, h, buf, cap, "A", seq, now_ns, 0);
	exec_fix_put_char(&b, 98, '0');
	exec_fix_put_int(&b, 108, heartbeat_s);
	if (reset_seq)
		exec_fix_put_char(&b, 141, 'Y');
	return exec_fix_build_end(&b);
}

int exec_fix_encode_heartbeat(struct exec_fix_header *h, char *buf, size_t cap, uint64_t seq,
			      uint64_t now_ns, struct exec_fix_str test_req_id)
{
	struct exec_fix_builder b;
	exec_fix_build_begin(&b, h, buf, cap, "0", seq, now_ns, 0);
	OPT_STR(&b, 112, test_req_id);
	return exec_fix_build_end(&b);
}

int exec_fix_encode_test_request(struct exec_fix_header *h, char *buf, size_t cap,
				 uint64_t seq, uint64_t now_ns, struct exec_fix_str test_req_id)
{
	struct exec_fix_builder b;
	exec_fix_build_begin(&b, h, buf, cap, "1", seq, now_ns, 0);
	STR(&b, 112, test_req_id);
	return exec_fix_build_end(&b);
}

int exec_fix_encode_resend_request(struct exec_fix_header *h, char *buf, size_t cap,
				   uint64_t seq, uint64_t now_ns, uint64_t begin, uint64_t end)
{
	struct exec_fix_builder b;
	exec_fix_build_begin(&b, h, buf, cap, "2", seq, now_ns, 0);
	exec_fix_put_int(&b, 7, (int64_t)begin);
	exec_fix_put_int(&b, 16, (int64_t)end);
	return exec_fix_build_end(&b);
}

int exec_fix_encode_reject(struct exec_fix_header *h, char *buf, size_t cap, uint64_t seq,
			   uint64_t now_ns, const struct exec_fix_reject *r)
{
	struct exec_fix_builder b;
	exec_fix_build_begin(&b, h, buf, cap, "3", seq, now_ns, 0);
	exec_fix_put_int(&b, 45, (int64_t)r->ref_seq);
	if (r->ref_tag)
		exec_fix_put_int(&b, 371, r->ref_tag);
	if (r->ref_type[0])
		exec_fix_put_str(&b, 372, r->ref_type, strnlen(r->ref_type, 2));
	if (r->reason >= 0)
		exec_fix_put_int(&b, 373, r->reason);
	OPT_STR(&b, 58, r->text);
	return exec_fix_build_end(&b);
}

int exec_fix_encode_sequence_reset(struct exec_fix_header *h, char *buf, size_t cap,
				   uint64_t seq, uint64_t now_ns, uint64_t new_seq, bool gap_fill)
{
	struct exec_fix_builder b;
	exec_fix_build_begin(&b, h, buf, cap, "4", seq, now_ns, gap_fill ? now_ns : 0);
	exec_fix_put_char(&b, 123, gap_fill ? 'Y' : 'N');
	exec_fix_put_int(&b, 36, (int64_t)new_seq);
	return exec_fix_build_end(&b);
}

int exec_fix_encode_logout(struct exec_fix_header *h, char *buf, size_t cap, uint64_t seq,
			   uint64_t now_ns, struct exec_fix_str text)
{
	struct exec_fix_builder b;
	exec_fix_build_begin(&b, h, buf, cap, "5", seq, now_ns, 0);
	OPT_STR(&b, 58, text);
	return exec_fix_build_end(&b);
}

static int encode_order(struct exec_fix_header *h, char *buf, size_t cap, uint64_t seq,
			uint64_t now_ns, const struct exec_fix_order *o, char type)
{
	struct exec_fix_builder b;
	char t[2] = { type, 0 };
	exec_fix_build_begin(&b, h, buf, cap, t, seq, now_ns, 0);
	if (type != 'D')
		STR(&b, 41, o->orig_cl_ord_id);
	STR(&b, 11, o->cl_ord_id);
	STR(&b, 55, o->symbol);
	exec_fix_put_char(&b, 54, o->side);
	exec_fix_put_time(&b, 60, o->transact_time_ns);
	exec_fix_put_int(&b, 38, (int64_t)o->qty);
	if (type != 'F') {
		exec_fix_put_char(&b, 40, o->ord_type ? o->ord_type : '2');
		exec_fix_put_price(&b, 44, o->px);
		if (o->tif)
			exec_fix_put_char(&b, 59, o->tif);
	}
	return exec_fix_build_end(&b);
}

int exec_fix_encode_new_order(struct exec_fix_header *h, char *buf, size_t cap, uint64_t seq,
			      uint64_t now_ns, const struct exec_fix_order *o)
{
	return encode_order(h, buf, cap, seq, now_ns, o, 'D');
}

int exec_fix_encode_cancel(struct exec_fix_header *h, char *buf, size_t cap, uint64_t seq,
			   uint64_t now_ns, const struct exec_fix_order *o)
{
	return encode_order(h, buf, cap, seq, now_ns, o, 'F');
}

int exec_fix_encode_replace(struct exec_fix_header *h, char *buf, size_t cap, uint64_t seq,
			    uint64_t now_ns, const struct exec_fix_order *o)
{
	return encode_order(h, buf, cap, seq, now_ns, o, 'G');
}

int exec_fix_encode_mass_cancel(struct exec_fix_header *h, char *buf, size_t cap, uint64_t seq,
				uint64_t now_ns, const struct exec_fix_mass_cancel *q)
{
	struct exec_fix_builder b;
	exec_fix_build_begin(&b, h, buf, cap, "q", seq, now_ns, 0);
	STR(&b, 11, q->cl_ord_id);
	exec_fix_put_char(&b, 530, q->request_type ? q->request_type : '7');
	exec_fix_put_time(&b, 60, q->transact_time_ns);
	return exec_fix_build_end(&b);
}

int exec_fix_encode_exec_report(struct exec_fix_header *h, char *buf, size_t cap, uint64_t seq,
				uint64_t now_ns, const struct exec_fix_exec_report *r)
{
	struct exec_fix_builder b;
	exec_fix_build_begin(&b, h, buf, cap, "8", seq, now_ns, 0);
	STR(&b, 37, r->order_id);
	OPT_STR(&b, 11, r->cl_ord_id);
	OPT_STR(&b, 41, r->orig_cl_ord_id);
	STR(&b, 17, r->exec_id);
	exec_fix_put_char(&b, 150, r->exec_type);
	exec_fix_put_char(&b, 39, r->ord_status);
	STR(&b, 55, r->symbol);
	exec_fix_put_char(&b, 54, r->side);
	if (r->order_qty)
		exec_fix_put_int(&b, 38, (int64_t)r->order_qty);
	if (r->px)
		exec_fix_put_price(&b, 44, r->px);
	if (r->last_qty) {
		exec_fix_put_int(&b, 32, (int64_t)r->last_qty);
		exec_fix_put_price(&b, 31, r->last_px);
	}
	exec_fix_put_int(&b, 151, (int64_t)r->leaves_qty);
	exec_fix_put_int(&b, 14, (int64_t)r->cum_qty);
	exec_fix_put_price(&b, 6, r->avg_px);
	if (r->transact_time_ns)
		exec_fix_put_time(&b, 60, r->transact_time_ns);
	OPT_STR(&b, 58, r->text);
	if (r->mass_status_req_id.len) {
		STR(&b, 584, r->mass_status_req_id);
		exec_fix_put_int(&b, 911, r->tot_num_reports);
		if (r->last_rpt_requested)
			exec_fix_put_char(&b, 912, 'Y');
	}
	return exec_fix_build_end(&b);
}

int exec_fix_encode_mass_status(struct exec_fix_header *h, char *buf, size_t cap, uint64_t seq,
				uint64_t now_ns, const struct exec_fix_mass_status *q)
{
	struct exec_fix_builder b;
	exec_fix_build_begin(&b, h, buf, cap, "AF", seq, now_ns, 0);
	STR(&b, 584, q->req_id);
	exec_fix_put_char(&b, 585, q->req_type ? q->req_type : '7');
	return exec_fix_build_end(&b);
}

int exec_fix_encode_cancel_reject(struct exec_fix_header *h, char *buf, size_t cap,
				  uint64_t seq, uint64_t now_ns,
				  const struct exec_fix_cancel_reject *r)
{
	struct exec_fix_builder b;
	exec_fix_build_begin(&b, h, buf, cap, "9", seq, now_ns, 0);
	STR(&b, 37, r->order_id);
	STR(&b, 11, r->cl_ord_id);
	STR(&b, 41, r->orig_cl_ord_id);
	exec_fix_put_char(&b, 39, r->ord_status);
	exec_fix_put_char(&b, 434, r->response_to);
	if (r->reason >= 0)
		exec_fix_put_int(&b, 102, r->reason);
	OPT_STR(&b, 58, r->text);
	return exec_fix_build_end(&b);
}

int exec_fix_encode_mass_cancel_report(struct exec_fix_header *h, char *buf, size_t cap,
				       uint64_t seq, uint64_t now_ns,
				       const struct exec_fix_mass_cancel_report *r)
{
	struct exec_fix_builder b;
	exec_fix_build_begin(&b, h, buf, cap, "r", seq, now_ns, 0);
	OPT_STR(&b, 11, r->cl_ord_id);
	STR(&b, 37, r->order_id);
	exec_fix_put_char(&b, 530, r->request_type);
	exec_fix_put_char(&b, 531, r->response);
	if (r->reject_reason >= 0)
		exec_fix_put_int(&b, 532, r->reject_reason);
	if (r->total_affected >= 0)
		exec_fix_put_int(&b, 533, r->total_affected);
	OPT_STR(&b, 58, r->text);
	return exec_fix_build_end(&b);
}

/* ------------------------------------------------------------------------- */
/* Parser */

static int garbled(const char *buf, size_t len, size_t at, enum exec_fix_err kind, uint32_t tag,
		   struct exec_fix_error *e)
{
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->offset = (uint32_t)at;
	e->tag = tag;
	/* resynchronise at the next "8=FIX" after buf[0]; keep a tail that may
	 * be the start of one */
	static const char pat[] = "8=FIX";
	size_t skip = len;
	for (size_t i = 1; i < len; i++) {
		if (buf[i] != '8')
			continue;
		size_t n = len - i < 5 ? len - i : 5;
		if (!memcmp(buf + i, pat, n)) {
			skip = i;
			break;
		}
	}
	e->skip = (uint32_t)skip;
	return -EBADMSG;
}

int exec_fix_parse(const char *buf, size_t len, struct exec_fix_msg *m, struct exec_fix_error *e)
{
	if (len == 0)
		return EXEC_FIX_PARTIAL;
	/* 8=BeginString| */
	if (buf[0] != '8' || (len > 1 && buf[1] != '='))
		return garbled(buf, len, 0, EXEC_FIX_ERR_GARBLED, 8, e);
	size_t lim = len < 2 + 17 ? len : 2 + 17;
	const char *s1 = len > 2 ? memchr(buf + 2, SOH, lim - 2) : NULL;
	if (!s1) {
		if (len < 2 + 17)
			return EXEC_FIX_PARTIAL;
		return garbled(buf, len, 2, EXEC_FIX_ERR_GARBLED, 8, e);
	}
	size_t i = (size_t)(s1 - buf) + 1;
	if (i - 3 < 3 || memcmp(buf + 2, "FIX", 3))
		return garbled(buf, len, 2, EXEC_FIX_ERR_GARBLED, 8, e);
	/* 9=BodyLength| */
	if (len < i + 2)
		return EXEC_FIX_PARTIAL;
	if (buf[i] != '9' || buf[i + 1] != '=')
		return garbled(buf, len, i, EXEC_FIX_ERR_GARBLED, 9, e);
	size_t j = i + 2;
	uint64_t blen = 0;
	for (;; j++) {
		if (j >= len)
			return EXEC_FIX_PARTIAL;
		unsigned d = (unsigned char)buf[j] - '0';
		if (d > 9)
			break;
		if (j - (i + 2) >= 10)
			return garbled(buf, len, i + 2, EXEC_FIX_ERR_GARBLED, 9, e);
		blen = blen * 10 + d;
	}
	if (buf[j] != SOH || j == i + 2 || blen > EXEC_FIX_MAX_MSG || blen < 5)
		return garbled(buf, len, i + 2, EXEC_FIX_ERR_GARBLED, 9, e);
	size_t body = j + 1;
	/* 35= third */
	size_t have = len - body < 3 ? len - body : 3;
	if (memcmp(buf + body, "35=", have))
		return garbled(buf, len, body, EXEC_FIX_ERR_GARBLED, 35, e);
	size_t t = body + (size_t)blen; /* where "10=" must start */
	size_t total = t + 7;
	if (len < total)
		return EXEC_FIX_PARTIAL;
	const unsigned char *u = (const unsigned char *)buf;
	if (buf[t - 1] != SOH || memcmp(buf + t, "10=", 3) || buf[t + 6] != SOH ||
	    (unsigned)(u[t + 3] - '0') > 9 || (unsigned)(u[t + 4] - '0') > 9 ||
	    (unsigned)(u[t + 5] - '0') > 9)
		return garbled(buf, len, t, EXEC_FIX_ERR_LENGTH, 9, e);
	/* One pass over the body: its byte sum and where each SOH is. */
	uint32_t ends[EXEC_FIX_MAX_FIELDS + 1];
	uint32_t ne = 0;
	uint32_t sum = 0;
	for (size_t k = 0; k < body; k++)
		sum += u[k];
	size_t k = body;
#ifdef __SSE2__
	const __m128i zero = _mm_setzero_si128(), soh = _mm_set1_epi8(SOH);
	__m128i acc = zero;
	for (; k + 16 <= t; k += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(u + k));
		acc = _mm_add_epi64(acc, _mm_sad_epu8(v, zero));
		unsigned mask = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, soh));
		while (mask) {
			if (ne <= EXEC_FIX_MAX_FIELDS)
				ends[ne] = (uint32_t)(k + (unsigned)__builtin_ctz(mask));
			ne++;
			mask &= mask - 1;
		}
	}
	sum += (uint32_t)_mm_cvtsi128_si32(acc) + (uint32_t)_mm_extract_epi16(acc, 4);
#endif
	for (; k < t; k++) { /* the scalar twin, and the SIMD loop's tail */
		sum += u[k];
		if (u[k] == SOH) {
			if (ne <= EXEC_FIX_MAX_FIELDS)
				ends[ne] = (uint32_t)k;
			ne++;
		}
	}
	sum &= 0xff;
	uint32_t want = (uint32_t)(u[t + 3] - '0') * 100 + (uint32_t)(u[t + 4] - '0') * 10 +
			(uint32_t)(u[t + 5] - '0');
	if (sum != want) {
		garbled(buf, len, t + 3, EXEC_FIX_ERR_CHECKSUM, 10, e);
		e->got = sum;
		e->want = want;
		e->skip = (uint32_t)total;
		return -EBADMSG;
	}

	/* The frame is intact: split the fields. */
	m->data = buf;
	m->len = (uint32_t)total;
	m->body_off = (uint32_t)body;
	m->begin_string = (struct exec_fix_str){ buf + 2, (uint32_t)(i - 3) };
	m->poss_dup = m->poss_resend = false;
	m->seq = 0;
	m->sender = m->target = m->sending_time = m->orig_sending_time =
	        (struct exec_fix_str){ NULL, 0 };
	m->type[0] = 0;
	uint32_t nf = ne < EXEC_FIX_MAX_FIELDS ? ne : EXEC_FIX_MAX_FIELDS;
	size_t p = body;
	for (uint32_t fi = 0; fi < nf; fi++) {
		size_t f0 = p, q = ends[fi];
		uint32_t tag = 0;
		unsigned nd = 0;
		while (p < q && nd <= 9 && (unsigned)(u[p] - '0') <= 9) {
			tag = tag * 10 + (unsigned)(u[p] - '0');
			p++;
			nd++;
		}
		if (!nd || nd > 9 || p == q || u[p] != '=' || tag == 0) {
			garbled(buf, len, f0, EXEC_FIX_ERR_FORMAT, 0, e);
			e->seq = m->seq;
			memcpy(e->type, m->type, sizeof(e->type));
			e->skip = (uint32_t)total;
			return -EBADMSG;
		}
		const char *v = buf + p + 1;
		uint32_t vl = (uint32_t)(q - p - 1);
		m->f[fi] = (struct exec_fix_field){ tag, vl, v };
		switch (tag) {
		case 35:
			if (fi == 0) {
				if (vl < 1 || vl > 2)
					return garbled(buf, len, f0, EXEC_FIX_ERR_GARBLED, 35, e);
				memcpy(m->type, v, vl);
				m->type[vl] = 0;
			}
			break;
		case 34: {
			int64_t sq;
			if (!m->seq && exec_fix_parse_int(v, vl, &sq) == 0 && sq > 0)
				m->seq = (uint64_t)sq;
			break;
		}
		case 49:
			m->sender = (struct exec_fix_str){ v, vl };
			break;
		case 56:
			m->target = (struct exec_fix_str){ v, vl };
			break;
		case 52:
			m->sending_time = (struct exec_fix_str){ v, vl };
			break;
		case 122:
			m->orig_sending_time = (struct exec_fix_str){ v, vl };
			break;
		case 43:
			m->poss_dup = vl == 1 && v[0] == 'Y';
			break;
		case 97:
			m->poss_resend = vl == 1 && v[0] == 'Y';
			break;
		default:
			break;
		}
		p = q + 1;
	}
	if (ne > EXEC_FIX_MAX_FIELDS) {
		garbled(buf, len, p, EXEC_FIX_ERR_TOO_MANY, 0, e);
		e->seq = m->seq;
		memcpy(e->type, m->type, sizeof(e->type));
		e->skip = (uint32_t)total;
		return -EBADMSG;
	}
	m->nfields = nf;
	return 0;
}

int exec_fix_error_format(const struct exec_fix_error *e, char *buf, size_t len)
{
	switch (e->kind) {
	case EXEC_FIX_ERR_GARBLED:
		return snprintf(buf, len, "offset %u: garbled: tag %u is not where FIX puts it",
				e->offset, e->tag);
	case EXEC_FIX_ERR_LENGTH:
		return snprintf(buf, len,
				"offset %u: garbled length: BodyLength does not end at a CheckSum field",
				e->offset);
	case EXEC_FIX_ERR_CHECKSUM:
		return snprintf(buf, len, "offset %u: bad checksum: computed %03u, field 10 says %03u",
				e->offset, e->got, e->want);
	case EXEC_FIX_ERR_FORMAT:
		return snprintf(buf, len, "offset %u: field is not <tag>=<value>", e->offset);
	case EXEC_FIX_ERR_TOO_MANY:
		return snprintf(buf, len, "offset %u: more than %d fields (tag %u)", e->offset,
				EXEC_FIX_MAX_FIELDS, e->tag);
	case EXEC_FIX_ERR_MISSING:
		return snprintf(buf, len, "offset %u: missing required tag %u", e->offset, e->tag);
	case EXEC_FIX_ERR_EMPTY:
		return snprintf(buf, len, "offset %u: tag %u has no value", e->offset, e->tag);
	case EXEC_FIX_ERR_VALUE:
		return snprintf(buf, len, "offset %u: tag %u: value out of range", e->offset, e->tag);
	case EXEC_FIX_ERR_DATA:
		return snprintf(buf, len, "offset %u: tag %u: value has the wrong format", e->offset,
				e->tag);
	case EXEC_FIX_ERR_NONE:
		break;
	}
	return snprintf(buf, len, "no error");
}

int exec_fix_reject_reason(const struct exec_fix_error *e)
{
	switch (e->kind) {
	case EXEC_FIX_ERR_FORMAT:
		return 0;
	case EXEC_FIX_ERR_MISSING:
		return 1;
	case EXEC_FIX_ERR_EMPTY:
		return 4;
	case EXEC_FIX_ERR_VALUE:
		return 5;
	case EXEC_FIX_ERR_DATA:
		return 6;
	default:
		return 99;
	}
}

/* ------------------------------------------------------------------------- */
/* Getters */

const struct exec_fix_field *exec_fix_msg_find(const struct exec_fix_msg *m, uint32_t tag)
{
	for (uint32_t i = 0; i < m->nfields; i++)
		if (m->f[i].tag == tag)
			return &m->f[i];
	return NULL;
}

int exec_fix_msg_int(const struct exec_fix_msg *m, uint32_t tag, int64_t *ret)
{
	const struct exec_fix_field *f = exec_fix_msg_find(m, tag);
	return f ? exec_fix_parse_int(f->val, f->len, ret) : -ENOENT;
}

int exec_fix_msg_price(const struct exec_fix_msg *m, uint32_t tag, int64_t *ret)
{
	const struct exec_fix_field *f = exec_fix_msg_find(m, tag);
	return f ? exec_fix_parse_price(f->val, f->len, false, ret) : -ENOENT;
}

int exec_fix_msg_char(const struct exec_fix_msg *m, uint32_t tag, char *ret)
{
	const struct exec_fix_field *f = exec_fix_msg_find(m, tag);
	if (!f)
		return -ENOENT;
	if (f->len != 1)
		return -EBADMSG;
	*ret = f->val[0];
	return 0;
}

int exec_fix_msg_str(const struct exec_fix_msg *m, uint32_t tag, struct exec_fix_str *ret)
{
	const struct exec_fix_field *f = exec_fix_msg_find(m, tag);
	if (!f)
		return -ENOENT;
	if (f->len == 0)
		return -EBADMSG;
	*ret = (struct exec_fix_str){ f->val, f->len };
	return 0;
}

int exec_fix_msg_time(const struct exec_fix_msg *m, uint32_t tag, uint64_t *ret_ns)
{
	const struct exec_fix_field *f = exec_fix_msg_find(m, tag);
	return f ? exec_fix_parse_time(f->val, f->len, ret_ns) : -ENOENT;
}

/* ------------------------------------------------------------------------- */
/* Decoders: one pass over the fields into a slot table, then the checks. */

enum { T_STR, T_CHAR, T_QTY, T_PX, T_PXR, T_TIME, T_INT };

struct spec {
	uint32_t tag;
	uint8_t type;
	bool required;
	void *dst;
};

static int derr(const struct exec_fix_msg *m, const struct exec_fix_field *f, uint32_t tag,
		enum exec_fix_err kind, struct exec_fix_error *e)
{
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->tag = tag;
	e->offset = f ? (uint32_t)(f->val - m->data) : m->len;
	e->skip = m->len;
	e->seq = m->seq;
	memcpy(e->type, m->type, sizeof(e->type));
	return -EBADMSG;
}

static int decode(const struct exec_fix_msg *m, const struct spec *sp, unsigned n,
		  struct exec_fix_error *e)
{
	/* where the first occurrence of each tag below 256 is: one pass over
	 * the fields instead of one per wanted tag */
	uint8_t pos[256];
	memset(pos, 0xff, sizeof(pos));
	for (uint32_t i = m->nfields; i-- > 0;)
		if (m->f[i].tag < 256)
			pos[m->f[i].tag] = (uint8_t)i;
	for (unsigned k = 0; k < n; k++) {
		const struct exec_fix_field *f;
		if (sp[k].tag < 256)
			f = pos[sp[k].tag] == 0xff ? NULL : &m->f[pos[sp[k].tag]];
		else
			f = exec_fix_msg_find(m, sp[k].tag);
		if (!f) {
			if (sp[k].required)
				return derr(m, NULL, sp[k].tag, EXEC_FIX_ERR_MISSING, e);
			continue;
		}
		if (f->len == 0) {
			if (sp[k].required)
				return derr(m, f, sp[k].tag, EXEC_FIX_ERR_EMPTY, e);
			continue;
		}
		int r = 0;
		switch (sp[k].type) {
		case T_STR:
			*(struct exec_fix_str *)sp[k].dst = (struct exec_fix_str){ f->val, f->len };
			break;
		case T_CHAR:
			if (f->len != 1)
				r = -ERANGE;
			else
				*(char *)sp[k].dst = f->val[0];
			break;
		case T_QTY:
			r = parse_qty(f->val, f->len, sp[k].dst);
			break;
		case T_PX:
		case T_PXR:
			r = exec_fix_parse_price(f->val, f->len, sp[k].type == T_PXR, sp[k].dst);
			break;
		case T_TIME:
			r = exec_fix_parse_time(f->val, f->len, sp[k].dst);
			break;
		case T_INT: {
			int64_t v;
			r = exec_fix_parse_int(f->val, f->len, &v);
			if (r == 0 && (v < INT32_MIN || v > INT32_MAX))
				r = -ERANGE;
			if (r == 0)
				*(int32_t *)sp[k].dst = (int32_t)v;
			break;
		}
		}
		if (r)
			return derr(m, f, sp[k].tag,
				    r == -ERANGE ? EXEC_FIX_ERR_VALUE : EXEC_FIX_ERR_DATA, e);
	}
	return 0;
}

static bool side_ok(char c)
{
	return c >= '1' && c <= '9';
}

int exec_fix_decode_order(const struct exec_fix_msg *m, struct exec_fix_order *ret,
			  struct exec_fix_error *e)
{
	struct exec_fix_order o = { 0 };
	char t = m->type[0];
	bool d = t == 'D', g = t == 'G', f = t == 'F';
	if (m->type[1] || !(d || g || f))
		return derr(m, NULL, 35, EXEC_FIX_ERR_VALUE, e);
	const struct spec sp[] = {
		{ 11, T_STR, true, &o.cl_ord_id },
		{ 41, T_STR, !d, &o.orig_cl_ord_id },
		{ 55, T_STR, true, &o.symbol },
		{ 54, T_CHAR, true, &o.side },
		{ 60, T_TIME, true, &o.transact_time_ns },
		{ 38, T_QTY, true, &o.qty },
		{ 40, T_CHAR, !f, &o.ord_type },
		{ 44, T_PX, false, &o.px },
		{ 59, T_CHAR, false, &o.tif },
	};
	int r = decode(m, sp, sizeof(sp) / sizeof(sp[0]), e);
	if (r)
		return r;
	if (!side_ok(o.side))
		return derr(m, exec_fix_msg_find(m, 54), 54, EXEC_FIX_ERR_VALUE, e);
	if (!f && o.ord_type == '2' && !exec_fix_msg_find(m, 44))
		return derr(m, NULL, 44, EXEC_FIX_ERR_MISSING, e);
	*ret = o;
	return 0;
}

int exec_fix_decode_mass_cancel(const struct exec_fix_msg *m, struct exec_fix_mass_cancel *ret,
				struct exec_fix_error *e)
{
	struct exec_fix_mass_cancel q = { 0 };
	const struct spec sp[] = {
		{ 11, T_STR, true, &q.cl_ord_id },
		{ 530, T_CHAR, true, &q.request_type },
		{ 60, T_TIME, true, &q.transact_time_ns },
	};
	int r = decode(m, sp, sizeof(sp) / sizeof(sp[0]), e);
	if (r)
		return r;
	if (q.request_type < '1' || q.request_type > '7')
		return derr(m, exec_fix_msg_find(m, 530), 530, EXEC_FIX_ERR_VALUE, e);
	*ret = q;
	return 0;
}

int exec_fix_decode_exec_report(const struct exec_fix_msg *m, struct exec_fix_exec_report *ret,
				struct exec_fix_error *e)
{
	struct exec_fix_exec_report x = { 0 };
	char last = 0;
	const struct spec sp[] = {
		{ 37, T_STR, true, &x.order_id },
		{ 17, T_STR, true, &x.exec_id },
		{ 150, T_CHAR, true, &x.exec_type },
		{ 39, T_CHAR, true, &x.ord_status },
		{ 54, T_CHAR, true, &x.side },
		{ 151, T_QTY, true, &x.leaves_qty },
		{ 14, T_QTY, true, &x.cum_qty },
		{ 6, T_PXR, true, &x.avg_px },
		{ 11, T_STR, false, &x.cl_ord_id },
		{ 41, T_STR, false, &x.orig_cl_ord_id },
		{ 55, T_STR, false, &x.symbol },
		{ 58, T_STR, false, &x.text },
		{ 32, T_QTY, false, &x.last_qty },
		{ 31, T_PX, false, &x.last_px },
		{ 38, T_QTY, false, &x.order_qty },
		{ 44, T_PX, false, &x.px },
		{ 60, T_TIME, false, &x.transact_time_ns },
		{ 584, T_STR, false, &x.mass_status_req_id },
		{ 911, T_INT, false, &x.tot_num_reports },
		{ 912, T_CHAR, false, &last },
	};
	int r = decode(m, sp, sizeof(sp) / sizeof(sp[0]), e);
	if (r)
		return r;
	if (!side_ok(x.side))
		return derr(m, exec_fix_msg_find(m, 54), 54, EXEC_FIX_ERR_VALUE, e);
	if (last && last != 'Y' && last != 'N')
		return derr(m, exec_fix_msg_find(m, 912), 912, EXEC_FIX_ERR_VALUE, e);
	x.last_rpt_requested = last == 'Y';
	*ret = x;
	return 0;
}

int exec_fix_decode_mass_status(const struct exec_fix_msg *m, struct exec_fix_mass_status *ret,
				struct exec_fix_error *e)
{
	struct exec_fix_mass_status q = { 0 };
	const struct spec sp[] = {
		{ 584, T_STR, true, &q.req_id },
		{ 585, T_CHAR, true, &q.req_type },
	};
	int r = decode(m, sp, sizeof(sp) / sizeof(sp[0]), e);
	if (r)
		return r;
	if (q.req_type < '1' || q.req_type > '8')
		return derr(m, exec_fix_msg_find(m, 585), 585, EXEC_FIX_ERR_VALUE, e);
	*ret = q;
	return 0;
}

int exec_fix_decode_cancel_reject(const struct exec_fix_msg *m,
				  struct exec_fix_cancel_reject *ret, struct exec_fix_error *e)
{
	struct exec_fix_cancel_reject x = { .reason = -1 };
	const struct spec sp[] = {
		{ 37, T_STR, true, &x.order_id },
		{ 11, T_STR, true, &x.cl_ord_id },
		{ 41, T_STR, true, &x.orig_cl_ord_id },
		{ 39, T_CHAR, true, &x.ord_status },
		{ 434, T_CHAR, true, &x.response_to },
		{ 102, T_INT, false, &x.reason },
		{ 58, T_STR, false, &x.text },
	};
	int r = decode(m, sp, sizeof(sp) / sizeof(sp[0]), e);
	if (r)
		return r;
	if (x.response_to != '1' && x.response_to != '2')
		return derr(m, exec_fix_msg_find(m, 434), 434, EXEC_FIX_ERR_VALUE, e);
	*ret = x;
	return 0;
}

int exec_fix_decode_mass_cancel_report(const struct exec_fix_msg *m,
				       struct exec_fix_mass_cancel_report *ret,
				       struct exec_fix_error *e)
{
	struct exec_fix_mass_cancel_report x = { .reject_reason = -1 };
	int32_t total = -1;
	const struct spec sp[] = {
		{ 37, T_STR, true, &x.order_id },
		{ 530, T_CHAR, true, &x.request_type },
		{ 531, T_CHAR, true, &x.response },
		{ 11, T_STR, false, &x.cl_ord_id },
		{ 532, T_INT, false, &x.reject_reason },
		{ 533, T_INT, false, &total },
		{ 58, T_STR, false, &x.text },
	};
	int r = decode(m, sp, sizeof(sp) / sizeof(sp[0]), e);
	if (r)
		return r;
	x.total_affected = total;
	*ret = x;
	return 0;
}

int exec_fix_decode_reject(const struct exec_fix_msg *m, struct exec_fix_reject *ret,
			   struct exec_fix_error *e)
{
	struct exec_fix_reject x = { .reason = -1 };
	int32_t ref_seq = 0, ref_tag = 0;
	struct exec_fix_str rt = { 0 };
	const struct spec sp[] = {
		{ 45, T_INT, true, &ref_seq },
		{ 371, T_INT, false, &ref_tag },
		{ 372, T_STR, false, &rt },
		{ 373, T_INT, false, &x.reason },
		{ 58, T_STR, false, &x.text },
	};
	int r = decode(m, sp, sizeof(sp) / sizeof(sp[0]), e);
	if (r)
		return r;
	if (ref_seq < 0 || ref_tag < 0 || rt.len > 2)
		return derr(m, NULL, ref_seq < 0 ? 45 : ref_tag < 0 ? 371 : 372,
			    EXEC_FIX_ERR_VALUE, e);
	x.ref_seq = (uint64_t)ref_seq;
	x.ref_tag = (uint32_t)ref_tag;
	memcpy(x.ref_type, rt.p ? rt.p : "", rt.len);
	*ret = x;
	return 0;
}

bool exec_fix_clord_parse(const char *p, size_t len, uint64_t *ret_id, uint64_t *ret_seq)
{
	size_t i = 0;
	uint64_t a = 0, b = 0;
	for (; i < len && p[i] >= '0' && p[i] <= '9' && i < 19; i++)
		a = a * 10 + (uint64_t)(p[i] - '0');
	if (!i || i >= len || p[i] != '-' || i + 1 == len || len - i - 1 > 19)
		return false;
	for (size_t k = i + 1; k < len; k++) {
		if (p[k] < '0' || p[k] > '9')
			return false;
		b = b * 10 + (uint64_t)(p[k] - '0');
	}
	*ret_id = a;
	*ret_seq = b;
	return a != 0;
}
