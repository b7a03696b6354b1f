/* json_scan.h - a small purpose-built JSON scanner for the crypto decoders.
 *
 * Not a general JSON parser: it never builds a tree and never allocates. A
 * cursor walks one object or array; each member's value comes back as a span
 * (type and bytes) and nested values are skipped by a bounded scan. The
 * decoders look only at the keys they know, in whatever order they arrive,
 * and read the spans afterwards. Strings come back raw (between the quotes);
 * fj_str_plain() tells whether they hold escapes (the decoders refuse escaped
 * values where they need the bytes: symbols, decimals).
 *
 * Errors: every function returns -1 on malformed input and records the byte
 * offset (from the start of the text given to fj_init) and a static message
 * in the scanner; the caller adds the field name. */
#ifndef OSPREY_FEEDS_JSON_SCAN_H
#define OSPREY_FEEDS_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FJ_MAX_DEPTH 32

enum fj_type {
	FJ_NONE = 0,
	FJ_STRING = 's', /* s/n: the bytes between the quotes, escapes not decoded */
	FJ_NUMBER = 'n', /* s/n: the number's text */
	FJ_OBJECT = 'o', /* s/n: from '{' to '}' inclusive */
	FJ_ARRAY = 'a',  /* s/n: from '[' to ']' inclusive */
	FJ_TRUE = 't',
	FJ_FALSE = 'f',
	FJ_NULL = 'z',
};

struct fj_val {
	const char *s;
	size_t n;
	uint8_t type;
	bool escaped; /* FJ_STRING holding a backslash */
};

struct fj {
	const char *base; /* start of the whole text (for offsets) */
	const char *end;
	const char *err;  /* static message, NULL when fine */
	size_t err_off;
};

/* A cursor inside one object or array. */
struct fj_cur {
	const char *p;
	const char *end; /* one past the closing bracket */
	bool first;
};

void fj_init(struct fj *j, const char *text, size_t len);
/* fj_value - parse the value at *p (whitespace allowed before), set *v and
 * move *p past it. 0 or -1. */
int fj_value(struct fj *j, const char **p, struct fj_val *v);
/* fj_open - a cursor over the members of an FJ_OBJECT or FJ_ARRAY value. */
void fj_open(const struct fj_val *v, struct fj_cur *c);
/* fj_obj_next - the next member: 1 with key (raw string) and value, 0 at the
 * end of the object, -1 on malformed input. */
int fj_obj_next(struct fj *j, struct fj_cur *c, struct fj_val *key, struct fj_val *val);
/* fj_arr_next - the next element: 1, 0 at the end, -1. */
int fj_arr_next(struct fj *j, struct fj_cur *c, struct fj_val *val);
/* fj_fail - record an error at p (returns -1). */
int fj_fail(struct fj *j, const char *p, const char *msg);

static inline bool fj_key_is(const struct fj_val *k, const char *lit, size_t litlen)
{
	return k->n == litlen && !k->escaped && __builtin_memcmp(k->s, lit, litlen) == 0;
}
#define FJ_KEY(k, lit) fj_key_is((k), lit, sizeof(lit) - 1)

/*
 * fj_decimal - parse an unsigned decimal "123.4500" (no sign, no exponent)
 * into an integer with `decimals` implied decimal places: "1.25" at 4 ->
 * 12500. Digits beyond `decimals` must be zeros (no rounding). Results:
 *   0        *ret set;
 *   -EINVAL  not a plain decimal (empty, sign, exponent, stray bytes);
 *   -ERANGE  nonzero digits past the scale, or above max.
 * *what is set to a static message on failure.
 */
int fj_decimal(const char *s, size_t n, unsigned decimals, uint64_t max, uint64_t *ret,
	       const char **what);
/* fj_uint - an unsigned integer (JSON number or digits in a string). 0, -EINVAL, -ERANGE. */
int fj_uint(const char *s, size_t n, uint64_t *ret);

#endif
