/*
 * json.h - a streaming JSON writer for the tools' reports, and a checker for
 * the reports read back (osprey-report) (tools-internal).
 *
 * Values go out as they are written; the writer keeps only the nesting, so it
 * puts the commas and escapes every string (RFC 8259: quote, backslash and
 * control characters; other bytes pass through, so UTF-8 stays UTF-8).
 *
 *   struct json_out j;
 *   json_begin(&j, stdout);            {
 *   json_u64(&j, "messages", 42);        "messages":42,
 *   json_obj(&j, "feed");                "feed":{
 *   json_str(&j, "last_loss", s);          "last_loss":"..."
 *   json_end(&j);                        }
 *   json_end(&j);                      }  and a newline at the outermost end
 *
 * Inside an array (json_arr) keys are NULL. Nesting deeper than JSON_MAX_DEPTH
 * is ignored (nothing is written for it). One thread per writer.
 */
#ifndef OSPREY_JSON_H
#define OSPREY_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json_out {
	FILE *f;
	unsigned depth;
	bool more[JSON_MAX_DEPTH];  /* a value was written at this depth: a comma is due */
	char close[JSON_MAX_DEPTH]; /* '}' or ']' */
};

/* Start the outermost object. */
void json_begin(struct json_out *j, FILE *f);
/* Open an object or array as the value of key (NULL inside an array). */
void json_obj(struct json_out *j, const char *key);
void json_arr(struct json_out *j, const char *key);
/* Close the innermost object or array. */
void json_end(struct json_out *j);

void json_str(struct json_out *j, const char *key, const char *v); /* NULL v: "" */
void json_null(struct json_out *j, const char *key);
void json_u64(struct json_out *j, const char *key, uint64_t v);
void json_i64(struct json_out *j, const char *key, int64_t v);
void json_bool(struct json_out *j, const char *key, bool v);
/* A number with `places` digits after the point; null when not finite. */
void json_f64(struct json_out *j, const char *key, double v, int places);
/* Money in 1e-4 units as a decimal with four places, exactly (no double). */
void json_fixed4(struct json_out *j, const char *key, int64_t v);

/*
 * json_check - is s[0..n) one JSON object (RFC 8259 syntax; nesting up to
 * 256) whose top level has each of keys (up to 16)? 0; -EINVAL with what is
 * wrong in err and its byte offset in *ret_off; -ENOENT naming the first key
 * missing. Reads only s[0..n); pure.
 */
int json_check(const char *s, size_t n, const char *const *keys, unsigned nkeys, size_t *ret_off,
	       char *err, size_t errlen);

#endif
