/* json.c - JSON scanning (core.h, "JSON scanning"). */
#include <errno.h>
#include <string.h>

#include "core.h"

void core_json_init(struct core_json *j, const char *text, size_t len)
{
	j->base = text;
	j->end = text + len;
	j->err = NULL;
	j->err_off = 0;
}

int core_json_fail(struct core_json *j, const char *p, const char *msg)
{
	if (!j->err) {
		j->err = msg;
		j->err_off = (size_t)(p - j->base);
	}
	return -1;
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static int value_at(struct core_json *j, const char **pp, struct core_json_val *v, unsigned depth);

/* The string starting at p (p[0] == '"'): span without the quotes. */
static int scan_string(struct core_json *j, const char **pp, struct core_json_val *v)
{
	const char *p = *pp + 1, *end = j->end;
	bool esc = false;
	while (p < end) {
		unsigned char c = (unsigned char)*p;
		if (c == '"') {
			v->type = CORE_JSON_STRING;
			v->s = *pp + 1;
			v->n = (size_t)(p - v->s);
			v->escaped = esc;
			*pp = p + 1;
			return 0;
		}
		if (c == '\\') {
			esc = true;
			if (p + 1 >= end)
				break;
			c = (unsigned char)p[1];
			if (c == 'u') {
				if (end - p < 6)
					break;
				for (int i = 2; i < 6; i++) {
					char h = p[i];
					if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') ||
					      (h >= 'A' && h <= 'F')))
						return core_json_fail(j, p, "bad \\u escape in string");
				}
				p += 6;
				continue;
			}
			if (!strchr("\"\\/bfnrt", c) || c == 0)
				return core_json_fail(j, p, "bad escape in string");
			p += 2;
			continue;
		}
		if (c < 0x20)
			return core_json_fail(j, p, "control character in string");
		p++;
	}
	return core_json_fail(j, *pp, "unterminated string");
}

static int scan_number(struct core_json *j, const char **pp, struct core_json_val *v)
{
	const char *p = *pp, *end = j->end;
	if (p < end && *p == '-')
		p++;
	const char *d = p;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	if (p == d)
		return core_json_fail(j, *pp, "bad number");
	if (p < end && *p == '.') {
		p++;
		d = p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == d)
			return core_json_fail(j, *pp, "bad number (no digits after '.')");
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		d = p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == d)
			return core_json_fail(j, *pp, "bad number exponent");
	}
	v->type = CORE_JSON_NUMBER;
	v->s = *pp;
	v->n = (size_t)(p - *pp);
	v->escaped = false;
	*pp = p;
	return 0;
}

static int scan_literal(struct core_json *j, const char **pp, struct core_json_val *v,
			const char *lit, uint8_t type)
{
	size_t n = strlen(lit);
	if ((size_t)(j->end - *pp) < n || memcmp(*pp, lit, n) != 0)
		return core_json_fail(j, *pp, "unexpected character");
	v->type = type;
	v->s = *pp;
	v->n = n;
	v->escaped = false;
	*pp += n;
	return 0;
}

/* Skip a container, validating its members; *pp at '{' or '['. */
static int scan_container(struct core_json *j, const char **pp, struct core_json_val *v,
			  unsigned depth)
{
	if (depth >= CORE_JSON_MAX_DEPTH)
		return core_json_fail(j, *pp, "nesting too deep");
	const char *start = *pp;
	char close = *start == '{' ? '}' : ']';
	const char *p = start + 1;
	bool first = true;
	for (;;) {
		p = skip_ws(p, j->end);
		if (p >= j->end)
			return core_json_fail(j, start, "unterminated object or array");
		if (*p == close) {
			p++;
			break;
		}
		if (!first) {
			if (*p != ',')
				return core_json_fail(j, p, "expected ',' or closing bracket");
			p = skip_ws(p + 1, j->end);
			if (p < j->end && *p == close)
				return core_json_fail(j, p, "trailing comma");
		}
		first = false;
		struct core_json_val tmp;
		if (close == '}') {
			if (p >= j->end || *p != '"')
				return core_json_fail(j, p, "expected a key string");
			if (scan_string(j, &p, &tmp) < 0)
				return -1;
			p = skip_ws(p, j->end);
			if (p >= j->end || *p != ':')
				return core_json_fail(j, p, "expected ':' after key");
			p++;
		}
		if (value_at(j, &p, &tmp, depth + 1) < 0)
			return -1;
	}
	v->type = close == '}' ? CORE_JSON_OBJECT : CORE_JSON_ARRAY;
	v->s = start;
	v->n = (size_t)(p - start);
	v->escaped = false;
	*pp = p;
	return 0;
}

static int value_at(struct core_json *j, const char **pp, struct core_json_val *v, unsigned depth)
{
	const char *p = skip_ws(*pp, j->end);
	*pp = p;
	if (p >= j->end)
		return core_json_fail(j, p, "unexpected end of input");
	switch (*p) {
	case '"':
		return scan_string(j, pp, v);
	case '{':
	case '[':
		return scan_container(j, pp, v, depth);
	case 't':
		return scan_literal(j, pp, v, "true", CORE_JSON_TRUE);
	case 'f':
		return scan_literal(j, pp, v, "false", CORE_JSON_FALSE);
	case 'n':
		return scan_literal(j, pp, v, "null", CORE_JSON_NULL);
	default:
		if (*p == '-' || (*p >= '0' && *p <= '9'))
			return scan_number(j, pp, v);
		return core_json_fail(j, p, "unexpected character");
	}
}

int core_json_value(struct core_json *j, const char **p, struct core_json_val *v)
{
	return value_at(j, p, v, 0);
}

void core_json_open(const struct core_json_val *v, struct core_json_cur *c)
{
	c->p = v->s + 1;
	c->end = v->s + v->n - 1; /* at the closing bracket */
	c->first = true;
}

/* Skip a value inside an already validated container: match brackets,
 * stepping over strings (and their escapes); no grammar checks. */
static int skip_fast(struct core_json *j, const char **pp, const char *end, struct core_json_val *v)
{
	const char *p = *pp;
	if (*p != '{' && *p != '[')
		return value_at(j, pp, v, 1); /* scalars: cheap anyway, and typed */
	unsigned depth = 0;
	const char *start = p;
	for (; p < end; p++) {
		char ch = *p;
		if (ch == '"') {
			for (p++; p < end && *p != '"'; p++)
				if (*p == '\\')
					p++;
		} else if (ch == '{' || ch == '[') {
			depth++;
		} else if (ch == '}' || ch == ']') {
			if (--depth == 0) {
				v->type = *start == '{' ? CORE_JSON_OBJECT : CORE_JSON_ARRAY;
				v->s = start;
				v->n = (size_t)(p + 1 - start);
				v->escaped = false;
				*pp = p + 1;
				return 0;
			}
		}
	}
	return core_json_fail(j, start, "unterminated object or array");
}

/* Members of an already validated container (core_json_open of a value core_json_value
 * returned): only the separators need checking, nested values are skipped
 * by bracket matching. */
static int cur_sep(struct core_json *j, struct core_json_cur *c)
{
	c->p = skip_ws(c->p, c->end);
	if (c->p >= c->end)
		return 0;
	if (!c->first) {
		if (*c->p != ',')
			return core_json_fail(j, c->p, "expected ','");
		c->p = skip_ws(c->p + 1, c->end);
	}
	c->first = false;
	return 1;
}

int core_json_obj_next(struct core_json *j, struct core_json_cur *c, struct core_json_val *key,
		       struct core_json_val *val)
{
	int r = cur_sep(j, c);
	if (r <= 0)
		return r;
	if (*c->p != '"')
		return core_json_fail(j, c->p, "expected a key string");
	if (scan_string(j, &c->p, key) < 0)
		return -1;
	c->p = skip_ws(c->p, c->end);
	if (c->p >= c->end || *c->p != ':')
		return core_json_fail(j, c->p, "expected ':' after key");
	c->p = skip_ws(c->p + 1, c->end);
	if (c->p >= c->end || skip_fast(j, &c->p, c->end, val) < 0)
		return core_json_fail(j, c->p, "expected a value");
	return 1;
}

int core_json_arr_next(struct core_json *j, struct core_json_cur *c, struct core_json_val *val)
{
	int r = cur_sep(j, c);
	if (r <= 0)
		return r;
	if (skip_fast(j, &c->p, c->end, val) < 0)
		return -1;
	return 1;
}

int core_json_decimal(const char *s, size_t n, unsigned decimals, uint64_t max, uint64_t *ret,
	       const char **what)
{
	uint64_t v = 0;
	size_t i = 0;
	unsigned frac = 0;
	bool digits = false, dot = false;
	for (; i < n; i++) {
		char c = s[i];
		if (c == '.') {
			if (dot) {
				*what = "two decimal points";
				return -EINVAL;
			}
			dot = true;
			continue;
		}
		if (c < '0' || c > '9') {
			*what = (c == 'e' || c == 'E') ? "exponent not accepted in a decimal"
			      : (c == '-' || c == '+') ? "sign not accepted in a decimal"
							: "not a decimal digit";
			return -EINVAL;
		}
		digits = true;
		if (dot) {
			if (frac >= decimals) {
				if (c != '0') {
					*what = "more decimal places than the instrument's scale";
					return -ERANGE;
				}
				continue;
			}
			frac++;
		}
		if (v > (UINT64_MAX - 9) / 10) {
			*what = "value too large";
			return -ERANGE;
		}
		v = v * 10 + (uint64_t)(c - '0');
	}
	if (!digits || s[0] == '.' || s[n - 1] == '.') {
		*what = "malformed decimal";
		return -EINVAL;
	}
	for (; frac < decimals; frac++) {
		if (v > UINT64_MAX / 10) {
			*what = "value too large for the scale";
			return -ERANGE;
		}
		v *= 10;
	}
	if (v > max) {
		*what = "value too large for the scale";
		return -ERANGE;
	}
	*ret = v;
	return 0;
}

int core_json_uint(const char *s, size_t n, uint64_t *ret)
{
	if (n == 0 || n > 20)
		return n ? -ERANGE : -EINVAL;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		uint64_t d = (uint64_t)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret = v;
	return 0;
}

int core_json_step_places(const char *s, size_t n, const char **what)
{
	uint64_t v;
	/* a plain decimal at all (18 places hold any step worth trading) */
	int r = core_json_decimal(s, n, 18, UINT64_MAX, &v, what);
	if (r == -ERANGE && !strcmp(*what, "more decimal places than the instrument's scale")) {
		*what = "more than 18 decimal places";
		return -ERANGE;
	}
	if (r < 0)
		return r;
	const char *dot = memchr(s, '.', n);
	int last = 0;
	bool nonzero = false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] >= '1' && s[i] <= '9') {
			nonzero = true;
			if (dot && s + i > dot)
				last = (int)(s + i - dot);
		}
	}
	if (!nonzero) {
		*what = "a step of zero";
		return -EINVAL;
	}
	return last;
}
