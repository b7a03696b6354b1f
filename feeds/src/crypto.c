/* crypto.c - Binance spot and Bybit WebSocket JSON captures -> L2 books -> md_events:
 * the capture's lines (feeds_crypto_line, _next, _sniff).
 *
 * Each line is scanned once by core's JSON scanner (spans only), the fields the venue
 * defines are converted to integers with the symbol's scales into a change
 * list, and only when the whole message is valid is anything applied.
 * binance.c and bybit.c read the venues' messages; crypto_book.c holds the
 * books, setup and queries; crypto_internal.h what they share. */
#include <stdio.h>
#include <string.h>

#include "crypto_internal.h"

/* ------------------------------------------------------------------------- */
/* Lines */

/* A JSON message received on a WebSocket. */
static int ws_message(struct crypto_ctx *x, const struct core_json_val *root)
{
	struct feeds_crypto *c = x->c;
	struct core_json_cur cur;
	struct core_json_val k, v, stream = { 0 }, data = { 0 }, topic = { 0 }, type = { 0 },
				cseq = { 0 }, tse6 = { 0 };
	bool flat_binance = false;
	int r;
	core_json_open(root, &cur);
	while ((r = core_json_obj_next(&x->j, &cur, &k, &v)) == 1) {
		if (CORE_JSON_KEY(&k, "stream"))
			stream = v;
		else if (CORE_JSON_KEY(&k, "data"))
			data = v;
		else if (CORE_JSON_KEY(&k, "topic"))
			topic = v;
		else if (CORE_JSON_KEY(&k, "type"))
			type = v;
		else if (CORE_JSON_KEY(&k, "cross_seq"))
			cseq = v;
		else if (CORE_JSON_KEY(&k, "timestamp_e6"))
			tse6 = v;
		else if (CORE_JSON_KEY(&k, "e") || CORE_JSON_KEY(&k, "B"))
			flat_binance = true;
	}
	if (r < 0)
		return bad_json(x, NULL);
	c->st.messages++;
	if (topic.type)
		return feeds__bybit_message(x, &topic, &type, &data, &cseq, &tse6);
	if (stream.type && data.type) {
		if (data.type != CORE_JSON_OBJECT)
			return bad(x, data.s, "data", "expected an object");
		return feeds__binance_event(x, &data);
	}
	if (flat_binance)
		return feeds__binance_event(x, root);
	c->st.skipped++; /* subscription acks and the like */
	return 0;
}

/* "1633998512.0633569" -> ns since the epoch. */
static int recv_time(struct crypto_ctx *x, const char *s, size_t n, uint64_t *ret)
{
	const char *what;
	if (n == 0 || core_json_decimal(s, n, 9, UINT64_MAX, ret, &what) < 0)
		return bad(x, s, NULL, "bad receive timestamp");
	return 0;
}

/* Parse "<ts>: <JSON>" at p. */
static int ts_json(struct crypto_ctx *x, const char *p, const char *end, struct core_json_val *root)
{
	const char *colon = memchr(p, ':', (size_t)(end - p));
	if (!colon)
		return bad(x, p, NULL, "expected '<receive time>: <JSON>'");
	int r = recv_time(x, p, (size_t)(colon - p), &x->recv_ns);
	if (r < 0)
		return r;
	const char *q = colon + 1;
	if (core_json_value(&x->j, &q, root) < 0)
		return bad_json(x, NULL);
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	if (q != end)
		return bad(x, q, NULL, "bytes after the JSON value");
	if (root->type != CORE_JSON_OBJECT)
		return bad(x, root->s, NULL, "expected a JSON object");
	return 0;
}

static const char *find(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);
	for (; (size_t)(end - p) >= n; p++)
		if (!memcmp(p, lit, n))
			return p;
	return NULL;
}

static int url_line(struct crypto_ctx *x, const char *end)
{
	struct feeds_crypto *c = x->c;
	const char *p = x->line;
	const char *arrow = find(p, end, " -> ");
	const char *conn = find(p, end, " <-> ");
	if (conn && (!arrow || conn < arrow)) {
		/* A (re)connection: books of that venue must resync. */
		static const char *const unspoken[] = { "coinbase", "kraken", "bitfinex", "okx",
							"okex", "huobi", "htx", "kucoin", "gemini",
							"bitstamp", "deribit", "bitmex", "ftx",
							"gate.io", "bitget", "mexc", "poloniex" };
		for (size_t i = 0; i < sizeof(unspoken) / sizeof(unspoken[0]); i++)
			if (find(p, conn, unspoken[i])) {
				char what[160];
				snprintf(what, sizeof(what),
					 "a capture of %s: a venue Osprey does not speak (Binance "
					 "spot and USD-M futures, Bybit)", unspoken[i]);
				return bad(x, p, NULL, what);
			}
		bool futures = find(p, conn, "fstream.binance") || find(p, conn, "fapi.binance");
		int venue = find(p, conn, "bybit") ? FEEDS_CRYPTO_BYBIT
			  : futures                  ? FEEDS_CRYPTO_BINANCE_FUTURES
			  : find(p, conn, "binance") ? FEEDS_CRYPTO_BINANCE
						     : FEEDS_CRYPTO_ANY;
		if (venue == FEEDS_CRYPTO_BINANCE || venue == FEEDS_CRYPTO_BINANCE_FUTURES)
			c->ws_venue = (uint8_t)venue;
		uint64_t t;
		int r = recv_time(x, conn + 5, (size_t)(end - conn - 5), &t);
		if (r < 0)
			return r;
		c->st.reconnects++;
		for (unsigned i = 0; i < c->nsyms; i++) {
			struct sym *y = &c->syms[i];
			/* A snapshot received after the connection opened (REST
			 * snapshots taken once the stream is up) stays valid. */
			if ((venue != FEEDS_CRYPTO_ANY && y->venue != venue) || y->sync_ns > t)
				continue;
			if (y->state == ST_LIVE || y->state == ST_SYNCING)
				feeds__crypto_sym_gap(c, y, 'c', t % NS_PER_DAY, 0);
			if (y->state == ST_STALE && y->venue == FEEDS_CRYPTO_BYBIT)
				y->state = ST_NOSNAP; /* a new snapshot will come */
		}
		return 0;
	}
	if (!arrow) {
		if (find(p, end, " <- ")) {
			c->st.skipped++; /* a request we sent */
			return 0;
		}
		return bad(x, p, NULL, "URL line without ' -> ', ' <- ' or ' <-> '");
	}
	struct core_json_val root;
	int r = ts_json(x, arrow + 4, end, &root);
	if (r < 0)
		return r;
	c->st.messages++;
	int bn = find(p, arrow, "/fapi/") || find(p, arrow, "fapi.binance") ? FEEDS_CRYPTO_BINANCE_FUTURES
									    : FEEDS_CRYPTO_BINANCE;
	if (find(p, arrow, "exchangeInfo"))
		return feeds__binance_exchange_info(x, &root, bn);
	const char *sq = find(p, arrow, "symbol=");
	if (!sq || !find(p, arrow, "depth")) {
		c->st.skipped++;
		return 0;
	}
	struct core_json_val symv = { .s = sq + 7, .type = CORE_JSON_STRING };
	const char *se = symv.s;
	while (se < arrow && *se != '&' && *se != ' ')
		se++;
	symv.n = (size_t)(se - symv.s);
	return feeds__binance_snapshot(x, &root, &symv, bn);
}

int feeds_crypto_line(struct feeds_crypto *c, const char *line, size_t len,
		      const struct md_event **ret_ev, char *err, size_t errlen)
{
	struct crypto_ctx x = { .c = c, .line = line, .err = err, .errlen = errlen };
	c->nev = 0;
	c->st.lines++;
	if (len && line[len - 1] == '\r')
		len--;
	const char *end = line + len;
	core_json_init(&x.j, line, len);
	const char *p = line;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	int r;
	if (p == end) {
		c->st.skipped++;
		r = 0;
	} else if (*p >= '0' && *p <= '9') {
		struct core_json_val root;
		r = ts_json(&x, p, end, &root);
		if (r == 0)
			r = ws_message(&x, &root);
	} else if ((size_t)(end - p) > 6 && (!memcmp(p, "wss://", 6) || !memcmp(p, "https:", 6) ||
					     !memcmp(p, "ws://", 5) || !memcmp(p, "http:/", 6))) {
		r = url_line(&x, end);
	} else {
		r = bad(&x, p, NULL, "not a capture line (expected '<time>: {...}' or a URL line)");
	}
	if (r < 0) {
		c->nev = 0;
		return r;
	}
	*ret_ev = c->ev;
	return (int)c->nev;
}

int feeds_crypto_next(struct feeds_crypto *c, struct feeds_capture *cap,
                      const struct md_event **ret_ev, uint32_t *ret_n, char *err, size_t errlen)
{
	if (cap->off >= cap->len)
		return CORE_EOF;
	const char *base = (const char *)cap->data;
	/* Line number of cap->off: counted incrementally while reading forward. */
	if (c->lc_cap != cap || c->lc_off > cap->off) {
		c->lc_cap = cap;
		c->lc_off = 0;
		c->lc_line = 1;
	}
	for (size_t i = c->lc_off; i < cap->off; i++)
		if (base[i] == '\n')
			c->lc_line++;
	c->lc_off = cap->off;
	const char *s = base + cap->off;
	const char *nl = memchr(s, '\n', cap->len - cap->off);
	size_t n = nl ? (size_t)(nl - s) : cap->len - cap->off;
	char tmp[256];
	int r = feeds_crypto_line(c, s, n, ret_ev, tmp, sizeof(tmp));
	if (r < 0) {
		size_t o = 0;
		sscanf(tmp, "offset %zu", &o);
		const char *rest = strchr(tmp, ':');
		core_errf(err, errlen, "%s: line %llu (offset %zu)%s", cap->path,
		          (unsigned long long)c->lc_line, cap->off + o, rest ? rest : "");
		return r;
	}
	cap->off += n + (nl ? 1 : 0);
	*ret_n = (uint32_t)r;
	return 0;
}

bool feeds_crypto_sniff(const void *buf, size_t len)
{
	const char *s = buf;
	if (len >= 6 && (!memcmp(s, "wss://", 6) || !memcmp(s, "https:", 6) ||
			 !memcmp(s, "ws://", 5) || !memcmp(s, "http:/", 6)))
		return true;
	size_t i = 0;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i == 0 || i >= len)
		return false;
	if (s[i] == '.') {
		size_t j = ++i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == j)
			return false;
	}
	return len - i >= 3 && s[i] == ':' && s[i + 1] == ' ' && s[i + 2] == '{';
}
