/* bn_orders.c - Binance spot order entry, the codec (exec.h, "Binance spot
 * order entry: the codec"): signed request bodies built, REST answers and
 * user data stream events read with core's JSON scanner. */
#define _GNU_SOURCE
#include "exec.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define CLIENT_ID_MAX 36 /* Binance's newClientOrderId limit */

int exec_bn_sign(const char *secret, size_t secret_len, const char *msg, size_t len,
                 char hex[EXEC_BN_SIG + 1])
{
	if (!secret || !secret_len || secret_len > INT32_MAX)
		return -EINVAL;
	unsigned char md[32];
	unsigned int n = 0;
	if (!HMAC(EVP_sha256(), secret, (int)secret_len, (const unsigned char *)msg, len, md, &n) ||
	    n != sizeof(md))
		return -EINVAL;
	static const char digits[] = "0123456789abcdef";
	for (unsigned i = 0; i < sizeof(md); i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[EXEC_BN_SIG] = '\0';
	return 0;
}

/* Append to buf[*len, cap): 0 or -ENOSPC. */
static int add(char *buf, size_t cap, size_t *len, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static int add(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap - *len)
		return -ENOSPC;
	*len += (size_t)n;
	return 0;
}

/* "&signature=<hex of buf[0, *len)>" appended: the length, or -ENOSPC / -EINVAL. */
static int sign_tail(char *buf, size_t cap, size_t len, const char *secret, size_t secret_len)
{
	char hex[EXEC_BN_SIG + 1];
	int r = exec_bn_sign(secret, secret_len, buf, len, hex);
	if (r < 0)
		return r;
	if ((r = add(buf, cap, &len, "&signature=%s", hex)) < 0)
		return r;
	return (int)len;
}

static bool symbol_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* "<order_id>-<seq>" into id: 0 or -EINVAL (longer than Binance takes). */
static int client_id(char id[CLIENT_ID_MAX + 1], uint64_t order_id, uint64_t seq)
{
	int n = snprintf(id, CLIENT_ID_MAX + 1, "%" PRIu64 "-%" PRIu64, order_id, seq);
	return n > 0 && n <= CLIENT_ID_MAX ? 0 : -EINVAL;
}

int exec_bn_new_order(char *buf, size_t cap, const struct exec_bn_order *o,
                      uint64_t recv_window_ms, uint64_t timestamp_ms, const char *secret,
                      size_t secret_len)
{
	char id[CLIENT_ID_MAX + 1], q[32], p[32];
	if (!symbol_ok(o->symbol) || (o->side != 'B' && o->side != 'S') ||
	    (o->tif != EXEC_TIF_DAY && o->tif != EXEC_TIF_IOC) || !o->qty || !o->px ||
	    o->qty > INT64_MAX || o->px > INT64_MAX || o->qty_decimals > 9 || o->px_decimals > 9 ||
	    client_id(id, o->order_id, o->seq) < 0)
		return -EINVAL;
	core_format_fixed(q, sizeof(q), (int64_t)o->qty, o->qty_decimals);
	core_format_fixed(p, sizeof(p), (int64_t)o->px, o->px_decimals);
	size_t len = 0;
	int r = add(buf, cap, &len,
	            "symbol=%s&side=%s&type=LIMIT&timeInForce=%s&quantity=%s&price=%s"
	            "&newClientOrderId=%s&newOrderRespType=ACK&recvWindow=%" PRIu64
	            "&timestamp=%" PRIu64,
	            o->symbol, o->side == 'B' ? "BUY" : "SELL", o->tif == EXEC_TIF_IOC ? "IOC" : "GTC",
	            q, p, id, recv_window_ms, timestamp_ms);
	return r < 0 ? r : sign_tail(buf, cap, len, secret, secret_len);
}

int exec_bn_cancel(char *buf, size_t cap, const char *symbol, uint64_t order_id, uint64_t seq,
                   uint64_t recv_window_ms, uint64_t timestamp_ms, const char *secret,
                   size_t secret_len)
{
	char id[CLIENT_ID_MAX + 1];
	if (!symbol_ok(symbol) || client_id(id, order_id, seq) < 0)
		return -EINVAL;
	size_t len = 0;
	int r = add(buf, cap, &len,
	            "symbol=%s&origClientOrderId=%s&recvWindow=%" PRIu64 "&timestamp=%" PRIu64,
	            symbol, id, recv_window_ms, timestamp_ms);
	return r < 0 ? r : sign_tail(buf, cap, len, secret, secret_len);
}

int exec_bn_client_id(const char *id, uint64_t *ret_order_id, uint64_t *ret_seq)
{
	const char *dash = strchr(id, '-');
	if (!dash || dash == id || !dash[1])
		return -EINVAL;
	uint64_t a, b;
	if (core_json_uint(id, (size_t)(dash - id), &a) < 0 ||
	    core_json_uint(dash + 1, strlen(dash + 1), &b) < 0)
		return -EINVAL;
	*ret_order_id = a;
	*ret_seq = b;
	return 0;
}

int exec_bn_decimal(const char *text, unsigned decimals, uint64_t max, uint64_t *ret)
{
	const char *what;
	return core_json_decimal(text, strlen(text), decimals, max, ret, &what);
}

/* ------------------------------------------------------------------------- */
/* Reading */

struct rd {
	struct core_json j;
	char *err;
	size_t errlen;
};

static int bad(struct rd *r, const char *at, const char *what)
{
	core_errf(r->err, r->errlen, "offset %zu: %s", (size_t)(at - r->j.base), what);
	return -EBADMSG;
}

/* Where a value starts (a string's span begins after its quote). */
static const char *at(const struct core_json_val *v)
{
	return v->type == CORE_JSON_STRING ? v->s - 1 : v->s;
}

/* The scanner's own error, or what at v. */
static int scan_bad(struct rd *r)
{
	core_errf(r->err, r->errlen, "offset %zu: %s", r->j.err_off,
	          r->j.err ? r->j.err : "malformed JSON");
	return -EBADMSG;
}

/* A string value into out (unescaped bytes only; cut to fit when cut). */
static int text(struct rd *r, const struct core_json_val *v, const char *key, char *out,
                size_t cap, bool cut)
{
	if (v->type == CORE_JSON_NULL) {
		out[0] = '\0';
		return 0;
	}
	if (v->type != CORE_JSON_STRING)
		return bad(r, at(v), key);
	if (v->n >= cap && !cut)
		return bad(r, at(v), key);
	size_t n = v->n < cap - 1 ? v->n : cap - 1;
	memcpy(out, v->s, n);
	out[n] = '\0';
	return 0;
}

/* A JSON integer, maybe negative. */
static int integer(struct rd *r, const struct core_json_val *v, const char *key, int64_t *ret)
{
	bool neg = v->type == CORE_JSON_NUMBER && v->n && v->s[0] == '-';
	uint64_t u;
	if (v->type != CORE_JSON_NUMBER || core_json_uint(v->s + neg, v->n - neg, &u) < 0 ||
	    u > (uint64_t)INT64_MAX)
		return bad(r, at(v), key);
	*ret = neg ? -(int64_t)u : (int64_t)u;
	return 0;
}

static int unsigned_int(struct rd *r, const struct core_json_val *v, const char *key,
                        uint64_t *ret)
{
	int64_t x = 0;
	int e = integer(r, v, key, &x);
	if (e == 0 && x < 0)
		return bad(r, at(v), key);
	*ret = (uint64_t)x;
	return e;
}

/* The root object of s[0, len). */
static int root(struct rd *r, const char *s, size_t len, struct core_json_val *v)
{
	core_json_init(&r->j, s, len);
	const char *p = s;
	if (core_json_value(&r->j, &p, v) < 0)
		return scan_bad(r);
	if (v->type != CORE_JSON_OBJECT)
		return bad(r, v->s ? v->s : s, "not a JSON object");
	while (p < s + len && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	if (p != s + len)
		return bad(r, p, "bytes after the object");
	return 0;
}

int exec_bn_answer_parse(const char *s, size_t len, struct exec_bn_answer *ret, char *err,
                         size_t errlen)
{
	*ret = (struct exec_bn_answer){ 0 };
	struct rd r = { .err = err, .errlen = errlen };
	struct core_json_val obj, k, v;
	int e = root(&r, s, len, &obj);
	if (e < 0)
		return e;
	struct core_json_cur c;
	core_json_open(&obj, &c);
	bool has_code = false;
	while ((e = core_json_obj_next(&r.j, &c, &k, &v)) == 1) {
		if (CORE_JSON_KEY(&k, "code")) {
			has_code = true;
			e = integer(&r, &v, "\"code\" is not an integer", &ret->code);
		} else if (CORE_JSON_KEY(&k, "msg")) {
			e = text(&r, &v, "\"msg\" is not a string", ret->msg, sizeof(ret->msg), true);
		} else if (CORE_JSON_KEY(&k, "orderId")) {
			e = unsigned_int(&r, &v, "\"orderId\" is not an id", &ret->order_id);
		} else if (CORE_JSON_KEY(&k, "clientOrderId")) {
			e = text(&r, &v, "\"clientOrderId\": not a string of up to 39 bytes",
			         ret->client_id, sizeof(ret->client_id), false);
		} else if (CORE_JSON_KEY(&k, "status")) {
			e = text(&r, &v, "\"status\": not a string of up to 39 bytes", ret->status,
			         sizeof(ret->status), false);
		} else if (CORE_JSON_KEY(&k, "transactTime")) {
			e = unsigned_int(&r, &v, "\"transactTime\" is not a time", &ret->transact_ms);
		} else if (CORE_JSON_KEY(&k, "listenKey")) {
			e = text(&r, &v, "\"listenKey\": not a string of up to 79 bytes", ret->listen_key,
			         sizeof(ret->listen_key), false);
		}
		if (e < 0)
			return e;
	}
	if (e < 0)
		return scan_bad(&r);
	ret->error = has_code;
	return 0;
}

static const struct {
	const char *name;
	enum exec_bn_exec x;
} execs[] = {
	{ "NEW", EXEC_BN_NEW },           { "TRADE", EXEC_BN_TRADE },
	{ "CANCELED", EXEC_BN_CANCELED }, { "EXPIRED", EXEC_BN_EXPIRED },
	{ "REJECTED", EXEC_BN_REJECTED }, { "REPLACED", EXEC_BN_REPLACED },
	{ "TRADE_PREVENTION", EXEC_BN_TRADE_PREVENTION },
};

/* One member of an executionReport. */
static int report_member(struct rd *r, const struct core_json_val *k, const struct core_json_val *v,
                         struct exec_bn_report *rep, char *type)
{
	char word[EXEC_BN_TEXT];
	int e;
	if (k->n != 1)
		return 0; /* the report's keys are one letter; others are ignored */
	switch (k->s[0]) {
	case 'e':
		return text(r, v, "\"e\" is not a string", type, EXEC_BN_TEXT, true);
	case 's':
		return text(r, v, "\"s\": not a symbol", rep->symbol, sizeof(rep->symbol), false);
	case 'c':
		return text(r, v, "\"c\": not a client order id", rep->client_id,
		            sizeof(rep->client_id), false);
	case 'C':
		return text(r, v, "\"C\": not a client order id", rep->orig_client_id,
		            sizeof(rep->orig_client_id), false);
	case 'S':
		if ((e = text(r, v, "\"S\" is not BUY or SELL", word, sizeof(word), true)) < 0)
			return e;
		if (strcmp(word, "BUY") && strcmp(word, "SELL"))
			return bad(r, at(v), "\"S\" is not BUY or SELL");
		rep->side = word[0] == 'B' ? 'B' : 'S';
		return 0;
	case 'x':
		if ((e = text(r, v, "\"x\" is not an execution type", word, sizeof(word), true)) < 0)
			return e;
		rep->exec = EXEC_BN_OTHER;
		for (size_t i = 0; i < sizeof(execs) / sizeof(execs[0]); i++)
			if (!strcmp(word, execs[i].name))
				rep->exec = execs[i].x;
		return 0;
	case 'X':
		return text(r, v, "\"X\": not an order status", rep->status, sizeof(rep->status),
		            false);
	case 'r':
		return text(r, v, "\"r\" is not a string", rep->reject_reason,
		            sizeof(rep->reject_reason), true);
	case 'i':
		return unsigned_int(r, v, "\"i\" is not an order id", &rep->order_id);
	case 'q':
		return text(r, v, "\"q\": not a decimal", rep->qty, sizeof(rep->qty), false);
	case 'p':
		return text(r, v, "\"p\": not a decimal", rep->price, sizeof(rep->price), false);
	case 'l':
		return text(r, v, "\"l\": not a decimal", rep->last_qty, sizeof(rep->last_qty), false);
	case 'z':
		return text(r, v, "\"z\": not a decimal", rep->cum_qty, sizeof(rep->cum_qty), false);
	case 'L':
		return text(r, v, "\"L\": not a decimal", rep->last_px, sizeof(rep->last_px), false);
	case 'E':
		return unsigned_int(r, v, "\"E\" is not a time", &rep->event_ms);
	case 'T':
		return unsigned_int(r, v, "\"T\" is not a time", &rep->transact_ms);
	case 't':
		return integer(r, v, "\"t\" is not a trade id", &rep->trade_id);
	case 'm':
		if (v->type != CORE_JSON_TRUE && v->type != CORE_JSON_FALSE)
			return bad(r, at(v), "\"m\" is not true or false");
		rep->maker = v->type == CORE_JSON_TRUE;
		return 0;
	default:
		return 0;
	}
}

int exec_bn_event_parse(const char *s, size_t len, struct exec_bn_report *ret,
                        char other[EXEC_BN_TEXT], char *err, size_t errlen)
{
	*ret = (struct exec_bn_report){ .trade_id = -1 };
	other[0] = '\0';
	struct rd r = { .err = err, .errlen = errlen };
	struct core_json_val obj, k, v;
	int e = root(&r, s, len, &obj);
	if (e < 0)
		return e;
	/* One walk over the members of a raw event (the user data stream's
	 * own form); the WebSocket API's wrapper, {"subscriptionId":N,
	 * "event":{...}}, has its event walked instead. */
	struct core_json_cur c;
	struct core_json_val inner = { 0 };
	char type[EXEC_BN_TEXT] = "";
	for (bool wrapped = false;; wrapped = true) {
		core_json_open(&obj, &c);
		while ((e = core_json_obj_next(&r.j, &c, &k, &v)) == 1) {
			if (!wrapped && CORE_JSON_KEY(&k, "event")) {
				if (v.type != CORE_JSON_OBJECT)
					return bad(&r, at(&v), "\"event\" is not an object");
				inner = v;
			} else if (!k.escaped && (e = report_member(&r, &k, &v, ret, type)) < 0) {
				return e;
			}
		}
		if (e < 0)
			return scan_bad(&r);
		if (wrapped || !inner.type)
			break;
		obj = inner; /* what the wrapper itself held is not the event's */
		*ret = (struct exec_bn_report){ .trade_id = -1 };
		type[0] = '\0';
	}
	if (!type[0])
		return bad(&r, obj.s, "an event with no \"e\"");
	if (strcmp(type, "executionReport")) {
		snprintf(other, EXEC_BN_TEXT, "%s", type);
		return 0;
	}
	if (!ret->symbol[0] || !ret->client_id[0] || !ret->side || !ret->qty[0] ||
	    !ret->cum_qty[0])
		return bad(&r, obj.s, "an executionReport without \"s\", \"c\", \"S\", \"q\" or \"z\"");
	return 1;
}

/* ------------------------------------------------------------------------- */
/* exchangeInfo */

/* A filter's member: the step or limit named key, as text. */
static int filter_text(struct rd *r, const struct core_json_val *v, const char *key, char *out,
                       size_t cap)
{
	return text(r, v, key, out, cap, false);
}

/* One filter object of the symbol's "filters". */
static int info_filter(struct rd *r, const struct core_json_val *f, struct exec_bn_info *ret)
{
	struct core_json_cur c;
	struct core_json_val k, v, type = { 0 };
	struct core_json_val tick = { 0 }, step = { 0 }, min_qty = { 0 }, min_notional = { 0 };
	int e;
	if (f->type != CORE_JSON_OBJECT)
		return bad(r, at(f), "a filter that is not an object");
	core_json_open(f, &c);
	while ((e = core_json_obj_next(&r->j, &c, &k, &v)) == 1) {
		if (CORE_JSON_KEY(&k, "filterType"))
			type = v;
		else if (CORE_JSON_KEY(&k, "tickSize"))
			tick = v;
		else if (CORE_JSON_KEY(&k, "stepSize"))
			step = v;
		else if (CORE_JSON_KEY(&k, "minQty"))
			min_qty = v;
		else if (CORE_JSON_KEY(&k, "minNotional"))
			min_notional = v;
	}
	if (e < 0)
		return scan_bad(r);
	if (type.type != CORE_JSON_STRING)
		return bad(r, at(f), "a filter without \"filterType\"");
	if (CORE_JSON_KEY(&type, "PRICE_FILTER") && tick.type)
		return filter_text(r, &tick, "\"tickSize\" is not a decimal string", ret->tick,
		                   sizeof(ret->tick));
	if (CORE_JSON_KEY(&type, "LOT_SIZE") && step.type) {
		if ((e = filter_text(r, &step, "\"stepSize\" is not a decimal string", ret->step,
		                     sizeof(ret->step))) < 0)
			return e;
		return min_qty.type ? filter_text(r, &min_qty, "\"minQty\" is not a decimal string",
		                                  ret->min_qty, sizeof(ret->min_qty))
		                    : 0;
	}
	if ((CORE_JSON_KEY(&type, "NOTIONAL") || CORE_JSON_KEY(&type, "MIN_NOTIONAL")) &&
	    min_notional.type)
		return filter_text(r, &min_notional, "\"minNotional\" is not a decimal string",
		                   ret->min_notional, sizeof(ret->min_notional));
	return 0;
}

/* One entry of "symbols", if it is symbol's: 1 (read into ret), 0 (another's). */
static int info_symbol(struct rd *r, const struct core_json_val *obj, const char *symbol,
                       struct exec_bn_info *ret)
{
	struct core_json_cur c, fc;
	struct core_json_val k, v, filters = { 0 }, f;
	char name[EXEC_BN_TEXT] = "";
	int e;
	if (obj->type != CORE_JSON_OBJECT)
		return bad(r, at(obj), "a \"symbols\" entry that is not an object");
	core_json_open(obj, &c);
	while ((e = core_json_obj_next(&r->j, &c, &k, &v)) == 1) {
		if (CORE_JSON_KEY(&k, "symbol"))
			e = text(r, &v, "\"symbol\": not a string of up to 39 bytes", name, sizeof(name),
			         false);
		else if (CORE_JSON_KEY(&k, "status"))
			e = text(r, &v, "\"status\": not a string of up to 39 bytes", ret->status,
			         sizeof(ret->status), false);
		else if (CORE_JSON_KEY(&k, "filters"))
			filters = v;
		if (e < 0)
			return e;
	}
	if (e < 0)
		return scan_bad(r);
	if (strcmp(name, symbol)) {
		ret->status[0] = '\0';
		return 0;
	}
	if (filters.type != CORE_JSON_ARRAY)
		return bad(r, at(obj), "a symbol without \"filters\"");
	core_json_open(&filters, &fc);
	while ((e = core_json_arr_next(&r->j, &fc, &f)) == 1)
		if ((e = info_filter(r, &f, ret)) < 0)
			return e;
	if (e < 0)
		return scan_bad(r);
	const char *what;
	int places;
	if (!ret->tick[0] || !ret->step[0])
		return bad(r, at(&filters), "no PRICE_FILTER tickSize or no LOT_SIZE stepSize");
	if ((places = core_json_step_places(ret->tick, strlen(ret->tick), &what)) < 0 || places > 9)
		return bad(r, at(&filters), places < 0 ? what : "a tickSize past 9 decimal places");
	ret->px_decimals = (uint8_t)places;
	if ((places = core_json_step_places(ret->step, strlen(ret->step), &what)) < 0 || places > 9)
		return bad(r, at(&filters), places < 0 ? what : "a stepSize past 9 decimal places");
	ret->qty_decimals = (uint8_t)places;
	snprintf(ret->symbol, sizeof(ret->symbol), "%s", name);
	return 1;
}

int exec_bn_info_parse(const char *s, size_t len, const char *symbol, struct exec_bn_info *ret,
                       char *err, size_t errlen)
{
	*ret = (struct exec_bn_info){ 0 };
	struct rd r = { .err = err, .errlen = errlen };
	struct core_json_val obj, k, v, syms = { 0 };
	int e = root(&r, s, len, &obj);
	if (e < 0)
		return e;
	struct core_json_cur c;
	core_json_open(&obj, &c);
	while ((e = core_json_obj_next(&r.j, &c, &k, &v)) == 1)
		if (CORE_JSON_KEY(&k, "symbols"))
			syms = v;
	if (e < 0)
		return scan_bad(&r);
	if (syms.type != CORE_JSON_ARRAY)
		return bad(&r, s, "no \"symbols\" array");
	core_json_open(&syms, &c);
	while ((e = core_json_arr_next(&r.j, &c, &v)) == 1) {
		int found = info_symbol(&r, &v, symbol, ret);
		if (found != 0)
			return found < 0 ? found : 0;
	}
	if (e < 0)
		return scan_bad(&r);
	core_errf(err, errlen, "%s is not among the exchange's symbols", symbol);
	return -ENOENT;
}
