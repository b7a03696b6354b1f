/* mt5.c - the DWX ZeroMQ expert advisor's protocol (exec.h, "MetaTrader 5
 * over ZeroMQ: the protocol"): its commands built, its answers read.
 *
 * The answers are Python dict literals written by string concatenation in
 * MQL: single-quoted strings with no escapes, integer keys, numbers as
 * DoubleToString prints them. The reader is a small recursive descent over
 * exactly that grammar, bounded in depth, that never reads past len.
 */
#define _GNU_SOURCE
#include "exec.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_DEPTH 8
#define E8        ((int64_t)100000000)

struct rd {
	const char *s;
	size_t len, at;
	char *err;
	size_t errlen;
	int depth;
};

/* A token's text: s[at, at + n). */
struct tok {
	char kind; /* '\'' a string, '0' a number, 'w' a bare word, or the punctuation byte */
	size_t at, n;
	size_t start; /* where it starts (a string's quote) */
};

static int bad(struct rd *r, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(struct rd *r, size_t at, const char *fmt, ...)
{
	char what[120];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	core_errf(r->err, r->errlen, "offset %zu: %s", at, what);
	return -EBADMSG;
}

static void skip_space(struct rd *r)
{
	while (r->at < r->len && (r->s[r->at] == ' ' || r->s[r->at] == '\t' ||
	                          r->s[r->at] == '\n' || r->s[r->at] == '\r'))
		r->at++;
}

static bool is_word(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
	       (c >= '0' && c <= '9');
}

/* The next token; -EBADMSG at the end of the input or on a byte that starts none. */
static int next(struct rd *r, struct tok *t)
{
	skip_space(r);
	if (r->at >= r->len)
		return bad(r, r->at, "the answer ends inside its dict");
	char c = r->s[r->at];
	t->at = t->start = r->at;
	if (c == '\'' || c == '"') {
		size_t e = r->at + 1;
		while (e < r->len && r->s[e] != c)
			e++;
		if (e >= r->len)
			return bad(r, r->at, "a string with no closing quote");
		t->kind = '\'';
		t->at = r->at + 1;
		t->n = e - t->at;
		r->at = e + 1;
		return 0;
	}
	if (c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9')) {
		size_t e = r->at + 1;
		while (e < r->len && ((r->s[e] >= '0' && r->s[e] <= '9') || r->s[e] == '.'))
			e++;
		t->kind = '0';
		t->n = e - r->at;
		r->at = e;
		return 0;
	}
	if (is_word(c)) {
		size_t e = r->at + 1;
		while (e < r->len && is_word(r->s[e]))
			e++;
		t->kind = 'w';
		t->n = e - r->at;
		r->at = e;
		return 0;
	}
	if (c == '{' || c == '}' || c == '[' || c == ']' || c == ':' || c == ',') {
		t->kind = c;
		t->n = 1;
		r->at++;
		return 0;
	}
	return bad(r, r->at, "byte 0x%02x starts no value", (unsigned char)c);
}

static bool key_is(const struct rd *r, const struct tok *k, const char *name)
{
	size_t n = strlen(name);
	return k->kind == '\'' && k->n == n && !memcmp(r->s + k->at, name, n);
}

/* A number token as fixed point in 10^-8 (digits past the eighth dropped). */
static int number(struct rd *r, const struct tok *t, const char *key, int64_t *ret)
{
	if (t->kind != '0')
		return bad(r, t->start, "'%s' is not a number", key);
	char buf[40];
	size_t n = 0, i = 0;
	int frac = -1;
	for (; i < t->n && n + 1 < sizeof(buf); i++) {
		char c = r->s[t->at + i];
		if (c == '.') {
			if (frac >= 0)
				return bad(r, t->start, "'%s': a number with two points", key);
			frac = 0;
		} else if (frac >= 0 && c >= '0' && c <= '9' && ++frac > 8) {
			continue; /* past the eighth decimal */
		}
		buf[n++] = c;
	}
	if (i < t->n)
		return bad(r, t->start, "'%s': a number of more than %zu bytes", key, sizeof(buf) - 1);
	buf[n] = '\0';
	if (n && buf[n - 1] == '.')
		buf[--n] = '\0'; /* "5." */
	if (core_parse_fixed(buf, 8, ret) < 0)
		return bad(r, t->start, "'%s': '%s' is not a number osprey can hold", key, buf);
	return 0;
}

/* A string token into out (cut to fit). */
static int text(struct rd *r, const struct tok *t, const char *key, char *out, size_t cap)
{
	if (t->kind != '\'')
		return bad(r, t->start, "'%s' is not a string", key);
	size_t n = t->n < cap - 1 ? t->n : cap - 1;
	memcpy(out, r->s + t->at, n);
	out[n] = '\0';
	return 0;
}

/* A string, or a number kept as its text ('_response_value' is either). */
static int text_or_number(struct rd *r, const struct tok *t, const char *key, char *out,
                          size_t cap)
{
	if (t->kind == '0') {
		struct tok s = *t; /* a number's text is all of it */
		s.kind = '\'';
		return text(r, &s, key, out, cap);
	}
	return text(r, t, key, out, cap);
}

static int skip_rest(struct rd *r, const struct tok *first);

/* Skip the members of a container whose opening token was read: up to the
 * closing byte close. */
static int skip_members(struct rd *r, char close, bool dict)
{
	if (++r->depth > MAX_DEPTH)
		return bad(r, r->at, "nesting deeper than %d", MAX_DEPTH);
	struct tok t;
	int e;
	for (;;) { /* a close where a member would start: empty, or a trailing comma */
		if ((e = next(r, &t)) < 0)
			return e;
		if (t.kind == close)
			break;
		if (dict) {
			struct tok colon;
			if ((e = next(r, &colon)) < 0)
				return e;
			if (colon.kind != ':')
				return bad(r, colon.start, "expected ':' after a key");
			if ((e = next(r, &t)) < 0)
				return e;
		}
		if ((e = skip_rest(r, &t)) < 0)
			return e;
		if ((e = next(r, &t)) < 0)
			return e;
		if (t.kind == close)
			break;
		if (t.kind != ',')
			return bad(r, t.start, "expected ',' or '%c'", close);
	}
	r->depth--;
	return 0;
}

/* Skip a value whose first token is first. */
static int skip_rest(struct rd *r, const struct tok *first)
{
	switch (first->kind) {
	case '{':
		return skip_members(r, '}', true);
	case '[':
		return skip_members(r, ']', false);
	case '\'':
	case '0':
	case 'w':
		return 0;
	default:
		return bad(r, first->start, "expected a value, found '%c'", first->kind);
	}
}

/* Walk a dict whose '{' was read: member(r, key, value-first-token, arg)
 * for each, which consumes the value. */
typedef int (*member_fn)(struct rd *r, const struct tok *k, const struct tok *v, void *arg);

static int dict(struct rd *r, member_fn member, void *arg)
{
	if (++r->depth > MAX_DEPTH)
		return bad(r, r->at, "nesting deeper than %d", MAX_DEPTH);
	struct tok k, t;
	int e;
	for (;;) { /* '}' where a key would start: empty, or Python's trailing comma */
		if ((e = next(r, &k)) < 0)
			return e;
		if (k.kind == '}')
			break;
		if (k.kind != '\'' && k.kind != '0' && k.kind != 'w')
			return bad(r, k.start, "expected a key");
		if ((e = next(r, &t)) < 0)
			return e;
		if (t.kind != ':')
			return bad(r, t.start, "expected ':' after a key");
		if ((e = next(r, &t)) < 0)
			return e;
		if ((e = member(r, &k, &t, arg)) < 0)
			return e;
		if ((e = next(r, &t)) < 0)
			return e;
		if (t.kind == '}')
			break;
		if (t.kind != ',')
			return bad(r, t.start, "expected ',' or '}'");
	}
	r->depth--;
	return 0;
}

static int trade_member(struct rd *r, const struct tok *k, const struct tok *v, void *arg)
{
	struct exec_mt5_trade *t = arg;
	int64_t x;
	int e;
	if (key_is(r, k, "_magic")) {
		if ((e = number(r, v, "_magic", &x)) < 0)
			return e;
		t->magic = x / E8;
		return 0;
	}
	if (key_is(r, k, "_lots"))
		return number(r, v, "_lots", &t->lots_e8);
	if (key_is(r, k, "_open_price"))
		return number(r, v, "_open_price", &t->open_px_e8);
	if (key_is(r, k, "_symbol"))
		return text(r, v, "_symbol", t->symbol, sizeof(t->symbol));
	if (key_is(r, k, "_comment"))
		return text(r, v, "_comment", t->comment, sizeof(t->comment));
	if (key_is(r, k, "_type")) {
		if ((e = number(r, v, "_type", &x)) < 0)
			return e;
		if (x % E8 || x < 0 || x > EXEC_MT5_SELL_STOP * E8)
			return bad(r, v->start, "'_type' is not an order type (0 to 5)");
		t->type = (int)(x / E8);
		return 0;
	}
	return skip_rest(r, v);
}

struct trades_arg {
	struct exec_mt5_answer *a;
	struct exec_mt5_trade *out;
	uint32_t cap;
};

static int trades_member(struct rd *r, const struct tok *k, const struct tok *v, void *arg)
{
	struct trades_arg *ta = arg;
	int64_t ticket;
	int e;
	if ((e = number(r, k, "a ticket key", &ticket)) < 0)
		return e;
	if (ticket <= 0 || ticket % E8)
		return bad(r, k->start, "a ticket that is not a positive integer");
	if (v->kind != '{')
		return bad(r, v->start, "trade %" PRId64 " is not a dict", ticket / E8);
	struct exec_mt5_trade scratch, *t = ta->a->ntrades < ta->cap ? &ta->out[ta->a->ntrades]
	                                                              : &scratch;
	*t = (struct exec_mt5_trade){ .ticket = (uint64_t)(ticket / E8), .type = -1 };
	if ((e = dict(r, trade_member, t)) < 0)
		return e;
	ta->a->ntrades++;
	return 0;
}

static int data_member(struct rd *r, const struct tok *k, const struct tok *v, void *arg)
{
	struct exec_mt5_answer *a = arg;
	if (key_is(r, k, "symbol_count")) {
		int e = number(r, v, "symbol_count", &a->symbol_count);
		if (e == 0)
			a->symbol_count /= E8;
		return e;
	}
	return skip_rest(r, v);
}

static const struct {
	const char *name;
	enum exec_mt5_action action;
} actions[] = {
	{ "EXECUTION", EXEC_MT5_EXECUTION },
	{ "CLOSE", EXEC_MT5_CLOSE },
	{ "OPEN_TRADES", EXEC_MT5_OPEN_TRADES },
	{ "TRACK_PRICES", EXEC_MT5_TRACK_PRICES },
};

static int top_member(struct rd *r, const struct tok *k, const struct tok *v, void *arg)
{
	struct trades_arg *ta = arg;
	struct exec_mt5_answer *a = ta->a;
	int64_t x;
	int e;
	if (key_is(r, k, "_action")) {
		char name[EXEC_MT5_TEXT];
		if ((e = text(r, v, "_action", name, sizeof(name))) < 0)
			return e;
		a->action = EXEC_MT5_OTHER;
		for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
			if (!strcmp(name, actions[i].name))
				a->action = actions[i].action;
		return 0;
	}
	if (key_is(r, k, "_response"))
		return text_or_number(r, v, "_response", a->response, sizeof(a->response));
	if (key_is(r, k, "_response_value") || key_is(r, k, "response_value"))
		return text_or_number(r, v, "_response_value", a->response_value,
		                      sizeof(a->response_value));
	if (key_is(r, k, "_magic")) {
		a->has_magic = true;
		if ((e = number(r, v, "_magic", &x)) < 0)
			return e;
		a->magic = x / E8;
		return 0;
	}
	if (key_is(r, k, "_ticket")) {
		if ((e = number(r, v, "_ticket", &x)) < 0)
			return e;
		if (x % E8 || x < 0)
			return bad(r, v->start, "'_ticket' is not a whole number");
		a->ticket = (uint64_t)(x / E8);
		a->has_ticket = a->ticket > 0; /* -1 and 0: no order */
		return 0;
	}
	if (key_is(r, k, "_open_price")) {
		a->has_open_px = true;
		return number(r, v, "_open_price", &a->open_px_e8);
	}
	if (key_is(r, k, "_close_price")) {
		a->has_close_px = true;
		return number(r, v, "_close_price", &a->close_px_e8);
	}
	if (key_is(r, k, "_close_lots")) {
		a->has_close_lots = true;
		return number(r, v, "_close_lots", &a->close_lots_e8);
	}
	if (key_is(r, k, "_trades")) {
		if (v->kind != '{')
			return bad(r, v->start, "'_trades' is not a dict");
		a->ntrades = 0;
		return dict(r, trades_member, ta);
	}
	if (key_is(r, k, "_data") && v->kind == '{')
		return dict(r, data_member, a);
	return skip_rest(r, v);
}

int exec_mt5_answer_parse(const char *s, size_t len, struct exec_mt5_answer *ret,
                          struct exec_mt5_trade *trades, uint32_t cap, char *err, size_t errlen)
{
	*ret = (struct exec_mt5_answer){ .symbol_count = -1 };
	if (len && s[len - 1] == '\0')
		len--; /* a C string sent with its NUL */
	struct rd r = { .s = s, .len = len, .err = err, .errlen = errlen };
	struct tok t;
	int e = next(&r, &t);
	if (e < 0)
		return e;
	if (t.kind != '{')
		return bad(&r, t.at, "an answer that is not a dict");
	struct trades_arg ta = { .a = ret, .out = trades, .cap = cap };
	if ((e = dict(&r, top_member, &ta)) < 0)
		return e;
	/* with DMA_MODE false the EA closes an EXECUTION answer twice */
	while (skip_space(&r), r.at < len && s[r.at] == '}')
		r.at++;
	if (r.at != len)
		return bad(&r, r.at, "bytes after the answer's dict");
	if (ret->ntrades > cap) {
		core_errf(err, errlen, "%" PRIu32 " open trades, more than the %" PRIu32 " kept",
		          ret->ntrades, cap);
		return -E2BIG;
	}
	return 0;
}

/* ------------------------------------------------------------------------- */
/* Commands */

static bool field_ok(const char *s)
{
	return s && *s && !strchr(s, ';');
}

static int put(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int put(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	return n < 0 ? -EINVAL : (size_t)n >= cap ? -ENOSPC : n;
}

int exec_mt5_cmd_open(char *buf, size_t cap, enum exec_mt5_type type, const char *symbol,
                      uint32_t px, unsigned px_decimals, uint32_t qty, uint32_t lot_units,
                      const char *comment, uint32_t magic)
{
	if (!field_ok(symbol) || !field_ok(comment) || px_decimals > 8 || !lot_units ||
	    (uint64_t)qty * (uint64_t)E8 % lot_units)
		return -EINVAL;
	char p[32], lots[32];
	core_format_fixed(p, sizeof(p), px, px_decimals);
	core_format_fixed(lots, sizeof(lots), (int64_t)((uint64_t)qty * (uint64_t)E8 / lot_units), 8);
	return put(buf, cap, "TRADE;OPEN;%d;%s;%s;0;0;%s;%s;%" PRIu32 ";0", (int)type, symbol, p,
	           comment, lots, magic);
}

int exec_mt5_cmd_close(char *buf, size_t cap, uint64_t ticket, uint32_t magic)
{
	return put(buf, cap, "TRADE;CLOSE;0;NULL;0;0;0;;0;%" PRIu32 ";%" PRIu64, magic, ticket);
}

int exec_mt5_cmd_open_trades(char *buf, size_t cap)
{
	return put(buf, cap, "TRADE;GET_OPEN_TRADES");
}

int exec_mt5_cmd_track_prices(char *buf, size_t cap, const char *const *symbols, unsigned n)
{
	int len = put(buf, cap, "TRACK_PRICES");
	for (unsigned i = 0; i < n && len >= 0; i++) {
		if (!field_ok(symbols[i]))
			return -EINVAL;
		int m = put(buf + len, cap - (size_t)len, ";%s", symbols[i]);
		len = m < 0 ? m : len + m;
	}
	return len;
}

/* ------------------------------------------------------------------------- */
/* Units */

static bool scale_down(int64_t v, int64_t div, uint32_t *ret)
{
	if (v <= 0)
		return false;
	int64_t q = v / div + (v % div * 2 >= div);
	if (q <= 0 || q > UINT32_MAX)
		return false;
	*ret = (uint32_t)q;
	return true;
}

bool exec_mt5_px(int64_t e8, unsigned px_decimals, uint32_t *ret)
{
	if (px_decimals > 8)
		return false;
	int64_t div = 1;
	for (unsigned i = px_decimals; i < 8; i++)
		div *= 10;
	return scale_down(e8, div, ret);
}

bool exec_mt5_qty(int64_t lots_e8, uint32_t lot_units, uint32_t *ret)
{
	if (lots_e8 <= 0 || !lot_units || lots_e8 > INT64_MAX / lot_units)
		return false;
	return scale_down(lots_e8 * (int64_t)lot_units, E8, ret);
}
