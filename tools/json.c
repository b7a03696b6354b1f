/* json.c - the streaming JSON writer and the syntax checker (json.h). */
#include "json.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(f, "\\%c", *c);
		else if (*c == '\n')
			fputs("\\n", f);
		else if (*c == '\t')
			fputs("\\t", f);
		else if (*c < 0x20)
			fprintf(f, "\\u%04x", *c);
		else
			fputc(*c, f);
	}
	fputc('"', f);
}

/* The comma and the key before a value at the current depth; false when the
 * value is too deep to be written. */
static bool member(struct json_out *j, const char *key)
{
	if (j->depth == 0 || j->depth > JSON_MAX_DEPTH)
		return false;
	if (j->more[j->depth - 1])
		fputc(',', j->f);
	j->more[j->depth - 1] = true;
	if (key) {
		put_string(j->f, key);
		fputc(':', j->f);
	}
	return true;
}

static void open_(struct json_out *j, const char *key, char open, char close)
{
	if ((j->depth == 0 || member(j, key)) && j->depth < JSON_MAX_DEPTH) {
		fputc(open, j->f);
		j->more[j->depth] = false;
		j->close[j->depth] = close;
	}
	j->depth++;
}

void json_begin(struct json_out *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	open_(j, NULL, '{', '}');
}

void json_obj(struct json_out *j, const char *key)
{
	open_(j, key, '{', '}');
}

void json_arr(struct json_out *j, const char *key)
{
	open_(j, key, '[', ']');
}

void json_end(struct json_out *j)
{
	if (j->depth == 0)
		return;
	j->depth--;
	if (j->depth >= JSON_MAX_DEPTH)
		return; /* a level too deep was never opened */
	fputc(j->close[j->depth], j->f);
	if (j->depth == 0)
		fputc('\n', j->f);
}

void json_str(struct json_out *j, const char *key, const char *v)
{
	if (member(j, key))
		put_string(j->f, v ? v : "");
}

void json_null(struct json_out *j, const char *key)
{
	if (member(j, key))
		fputs("null", j->f);
}

void json_u64(struct json_out *j, const char *key, uint64_t v)
{
	if (member(j, key))
		fprintf(j->f, "%" PRIu64, v);
}

void json_i64(struct json_out *j, const char *key, int64_t v)
{
	if (member(j, key))
		fprintf(j->f, "%" PRId64, v);
}

void json_bool(struct json_out *j, const char *key, bool v)
{
	if (member(j, key))
		fputs(v ? "true" : "false", j->f);
}

void json_f64(struct json_out *j, const char *key, double v, int places)
{
	if (!member(j, key))
		return;
	if (isfinite(v))
		fprintf(j->f, "%.*f", places, v);
	else
		fputs("null", j->f); /* JSON has no infinity or NaN */
}

void json_fixed4(struct json_out *j, const char *key, int64_t v)
{
	if (!member(j, key))
		return;
	uint64_t a = v < 0 ? -(uint64_t)v : (uint64_t)v;
	fprintf(j->f, "%s%" PRIu64 ".%04" PRIu64, v < 0 ? "-" : "", a / 10000, a % 10000);
}

/* ------------------------------------------------------------------------- */
/* The checker (RFC 8259 syntax). */

struct jcheck {
	const char *s, *end, *at;
	const char *what;
	unsigned depth;
	const char *const *want; /* top-level keys still to be seen (NULL once seen) */
	const char **found;
	unsigned nwant;
};

static void ws(struct jcheck *c)
{
	while (c->at < c->end && (*c->at == ' ' || *c->at == '\t' || *c->at == '\n' || *c->at == '\r'))
		c->at++;
}

static bool fail(struct jcheck *c, const char *what)
{
	c->what = what;
	return false;
}

static bool string(struct jcheck *c, const char **ret_start)
{
	c->at++; /* the opening quote */
	*ret_start = c->at;
	while (c->at < c->end) {
		unsigned char ch = (unsigned char)*c->at;
		if (ch == '"') {
			c->at++;
			return true;
		}
		if (ch < 0x20)
			return fail(c, "control character in a string");
		if (ch == '\\') {
			if (++c->at >= c->end)
				break;
			char e = *c->at;
			if (e == 'u') {
				for (int k = 1; k <= 4; k++)
					if (c->at + k >= c->end || !isxdigit((unsigned char)c->at[k]))
						return fail(c, "bad \\u escape");
				c->at += 4;
			} else if (!strchr("\"\\/bfnrt", e)) {
				return fail(c, "bad escape");
			}
		}
		c->at++;
	}
	return fail(c, "unterminated string");
}

static bool number(struct jcheck *c)
{
	const char *p = c->at;
	if (p < c->end && *p == '-')
		p++;
	if (p >= c->end || !isdigit((unsigned char)*p)) {
		c->at = p;
		return fail(c, "bad number");
	}
	if (*p == '0')
		p++;
	else
		while (p < c->end && isdigit((unsigned char)*p))
			p++;
	if (p < c->end && *p == '.') {
		if (++p >= c->end || !isdigit((unsigned char)*p)) {
			c->at = p;
			return fail(c, "bad number: no digit after the point");
		}
		while (p < c->end && isdigit((unsigned char)*p))
			p++;
	}
	if (p < c->end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < c->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= c->end || !isdigit((unsigned char)*p)) {
			c->at = p;
			return fail(c, "bad number: no exponent digits");
		}
		while (p < c->end && isdigit((unsigned char)*p))
			p++;
	}
	c->at = p;
	return true;
}

static bool value(struct jcheck *c);

static bool container(struct jcheck *c, char close)
{
	if (++c->depth > 256)
		return fail(c, "nested deeper than 256");
	bool top = c->depth == 1 && close == '}';
	c->at++;
	ws(c);
	if (c->at < c->end && *c->at == close) {
		c->at++;
		c->depth--;
		return true;
	}
	for (;;) {
		ws(c);
		if (close == '}') {
			const char *k;
			if (c->at >= c->end || *c->at != '"')
				return fail(c, "expected a key");
			if (!string(c, &k))
				return false;
			size_t klen = (size_t)(c->at - 1 - k);
			for (unsigned i = 0; top && i < c->nwant; i++)
				if (!c->found[i] && strlen(c->want[i]) == klen && !memcmp(c->want[i], k, klen))
					c->found[i] = k;
			ws(c);
			if (c->at >= c->end || *c->at != ':')
				return fail(c, "expected ':'");
			c->at++;
		}
		if (!value(c))
			return false;
		ws(c);
		if (c->at < c->end && *c->at == ',') {
			c->at++;
			continue;
		}
		if (c->at < c->end && *c->at == close) {
			c->at++;
			c->depth--;
			return true;
		}
		return fail(c, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static bool value(struct jcheck *c)
{
	ws(c);
	if (c->at >= c->end)
		return fail(c, "unexpected end");
	const char *k;
	switch (*c->at) {
	case '{':
		return container(c, '}');
	case '[':
		return container(c, ']');
	case '"':
		return string(c, &k);
	case 't':
	case 'f':
	case 'n': {
		const char *w = *c->at == 't' ? "true" : *c->at == 'f' ? "false" : "null";
		size_t n = strlen(w);
		if ((size_t)(c->end - c->at) < n || memcmp(c->at, w, n) != 0)
			return fail(c, "bad literal");
		c->at += n;
		return true;
	}
	default:
		return number(c);
	}
}

int json_check(const char *s, size_t n, const char *const *keys, unsigned nkeys, size_t *ret_off,
	       char *err, size_t errlen)
{
	const char *found[16] = { 0 };
	struct jcheck c = { .s = s, .end = s + n, .at = s, .want = keys, .found = found,
		            .nwant = nkeys < 16 ? nkeys : 16 };
	ws(&c);
	bool ok = c.at < c.end && *c.at == '{' ? value(&c) : fail(&c, "not a JSON object");
	if (ok) {
		ws(&c);
		if (c.at != c.end)
			ok = fail(&c, "text after the object");
	}
	*ret_off = (size_t)(c.at - s);
	if (!ok) {
		snprintf(err, errlen, "%s", c.what);
		return -EINVAL;
	}
	for (unsigned i = 0; i < c.nwant; i++)
		if (!found[i]) {
			*ret_off = 0;
			snprintf(err, errlen, "no top-level \"%s\"", keys[i]);
			return -ENOENT;
		}
	return 0;
}
