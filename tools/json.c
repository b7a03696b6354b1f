/* json.c - the streaming JSON writer (json.h). */
#include "json.h"

#include <inttypes.h>
#include <math.h>

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
