/* mt5ticks.c - MetaTrader 5 ticks from the DWX ZeroMQ expert advisor's PUB
 * socket (feeds.h, "MetaTrader 5 ticks"), and the feed stage's source over
 * them. Read on the caller's thread: libzmq's I/O thread queues the
 * messages, zmq_recv without waiting takes one. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "feeds.h"
#include "source.h"

#define NS_PER_S UINT64_C(1000000000)
#define TICK_MAX 256 /* bytes of one tick message read; a longer one is bad */

struct feeds_mt5 {
	void *zctx, *sub;
	char (*symbols)[FEEDS_MT5_TEXT];
	unsigned nsymbols;
	int64_t unit; /* 10^(8 - px_decimals): one price step in 10^-8 */
	struct feeds_mt5_stats st;
	uint64_t last_ts; /* event time never goes back */
};

/* One number of a tick, [s, e), in 10^-8. */
static bool num(const char *s, const char *e, int64_t *ret)
{
	char b[32];
	size_t n = (size_t)(e - s);
	if (n == 0 || n >= sizeof(b))
		return false;
	memcpy(b, s, n);
	b[n] = '\0';
	return core_parse_fixed(b, 8, ret) == 0;
}

int feeds_mt5_tick_parse(const char *s, size_t len, char *sym, size_t symcap, int64_t *bid_e8,
                         int64_t *ask_e8, char *err, size_t errlen)
{
	const char *end = s + len, *sp = memchr(s, ' ', len);
	if (!sp || sp == s) {
		core_errf(err, errlen, "offset 0: no \"SYMBOL \" before the prices");
		return -EBADMSG;
	}
	if ((size_t)(sp - s) >= symcap) {
		core_errf(err, errlen, "offset 0: a symbol of %zu bytes (at most %zu)",
		          (size_t)(sp - s), symcap - 1);
		return -EBADMSG;
	}
	const char *semi = memchr(sp + 1, ';', (size_t)(end - sp - 1));
	if (!semi) {
		core_errf(err, errlen, "offset %zu: no ';' between bid and ask", (size_t)(sp + 1 - s));
		return -EBADMSG;
	}
	if (!num(sp + 1, semi, bid_e8)) {
		core_errf(err, errlen, "offset %zu: the bid is not a number", (size_t)(sp + 1 - s));
		return -EBADMSG;
	}
	if (!num(semi + 1, end, ask_e8)) {
		core_errf(err, errlen, "offset %zu: the ask is not a number", (size_t)(semi + 1 - s));
		return -EBADMSG;
	}
	memcpy(sym, s, (size_t)(sp - s));
	sym[sp - s] = '\0';
	return 0;
}

int feeds_mt5_create(const struct feeds_mt5_cfg *cfg, struct feeds_mt5 **ret, char *err,
                     size_t errlen)
{
	if (!cfg || !cfg->ticks || !cfg->symbols || !cfg->nsymbols || cfg->nsymbols >= 65536 ||
	    cfg->px_decimals > 8) {
		core_errf(err, errlen,
		          "mt5 ticks: the EA's address, 1 to 65535 symbols and px_decimals <= 8 "
		          "are required");
		return -EINVAL;
	}
	struct feeds_mt5 *m = calloc(1, sizeof(*m));
	if (!m || !(m->symbols = calloc(cfg->nsymbols, FEEDS_MT5_TEXT))) {
		free(m);
		core_errf(err, errlen, "mt5 ticks: out of memory");
		return -ENOMEM;
	}
	m->nsymbols = cfg->nsymbols;
	unsigned dec = cfg->px_decimals ? cfg->px_decimals : 5;
	m->unit = 1;
	for (unsigned i = dec; i < 8; i++)
		m->unit *= 10;
	int zero = 0, ivl_max = 1000, r = 0;
	if (!(m->zctx = zmq_ctx_new()) || !(m->sub = zmq_socket(m->zctx, ZMQ_SUB)) ||
	    zmq_setsockopt(m->sub, ZMQ_LINGER, &zero, sizeof(zero)) < 0 ||
	    zmq_setsockopt(m->sub, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof(ivl_max)) < 0) {
		r = -errno;
		core_errf(err, errlen, "mt5 ticks: ZeroMQ: %s", zmq_strerror(errno));
		goto fail;
	}
	for (unsigned i = 0; i < cfg->nsymbols; i++) {
		const char *s = cfg->symbols[i];
		size_t n = s ? strlen(s) : 0;
		if (!n || n >= FEEDS_MT5_TEXT - 1 || strpbrk(s, " ;")) {
			core_errf(err, errlen,
			          "mt5 ticks: symbol %u '%s' is empty, longer than %d bytes or holds "
			          "a space or ';'",
			          i + 1, s ? s : "(null)", FEEDS_MT5_TEXT - 2);
			r = -EINVAL;
			goto fail;
		}
		memcpy(m->symbols[i], s, n);
		char topic[FEEDS_MT5_TEXT + 1];
		snprintf(topic, sizeof(topic), "%s ", s); /* "EURUSD " never matches "EURUSDm " */
		if (zmq_setsockopt(m->sub, ZMQ_SUBSCRIBE, topic, n + 1) < 0) {
			r = -errno;
			core_errf(err, errlen, "mt5 ticks: subscribe %s: %s", s, zmq_strerror(errno));
			goto fail;
		}
	}
	if (zmq_connect(m->sub, cfg->ticks) < 0) {
		r = -errno;
		core_errf(err, errlen, "mt5 ticks: '%s': %s", cfg->ticks, zmq_strerror(errno));
		goto fail;
	}
	*ret = m;
	return 0;
fail:
	feeds_mt5_destroy(m);
	return r;
}

static void bad(struct feeds_mt5 *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bad(struct feeds_mt5 *m, const char *fmt, ...)
{
	m->st.bad++;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m->st.last_bad, sizeof(m->st.last_bad), fmt, ap);
	va_end(ap);
}

int feeds_mt5_poll(struct feeds_mt5 *m, struct md_event *ev)
{
	for (;;) {
		char b[TICK_MAX];
		int n = zmq_recv(m->sub, b, sizeof(b), ZMQ_DONTWAIT);
		if (n < 0)
			return 0; /* EAGAIN: nothing now */
		uint64_t t0 = core_now_ns(), no = m->st.ticks + m->st.bad + m->st.unknown + 1;
		if ((size_t)n > sizeof(b)) {
			bad(m, "message %" PRIu64 ": %d bytes, more than a tick's %d", no, n, TICK_MAX);
			continue;
		}
		char sym[FEEDS_MT5_TEXT], why[120];
		int64_t bid, ask;
		if (feeds_mt5_tick_parse(b, (size_t)n, sym, sizeof(sym), &bid, &ask, why,
		                         sizeof(why)) < 0) {
			bad(m, "message %" PRIu64 ": %s", no, why);
			continue;
		}
		unsigned i = 0;
		while (i < m->nsymbols && strcmp(m->symbols[i], sym))
			i++;
		if (i == m->nsymbols) { /* a prefix match of ZeroMQ's that is not ours */
			m->st.unknown++;
			continue;
		}
		if (bid % m->unit || ask % m->unit) {
			bad(m, "message %" PRIu64 ": %s: a price with more decimal places than the "
			       "configured px_decimals", no, sym);
			continue;
		}
		if (bid <= 0 || ask < bid || ask / m->unit > UINT32_MAX) {
			bad(m, "message %" PRIu64 ": %s: bid %" PRId64 " ask %" PRId64
			       " (1e-8): not 0 < bid <= ask < 2^32 steps", no, sym, bid, ask);
			continue;
		}
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t tod = (uint64_t)ts.tv_sec % 86400 * NS_PER_S + (uint64_t)ts.tv_nsec;
		if (tod < m->last_ts && m->last_ts - tod < 3600 * NS_PER_S)
			tod = m->last_ts; /* the clock stepped back: time never goes back */
		m->last_ts = tod;
		*ev = (struct md_event){ .kind = MD_LEVEL, .locate = (uint16_t)(i + 1), .msg_type = 'q',
			                 .bid_px = (uint32_t)(bid / m->unit), .bid_qty = 1,
			                 .ask_px = (uint32_t)(ask / m->unit), .ask_qty = 1,
			                 .ts_ns = tod, .ref = (uint64_t)ts.tv_sec, .t0_ns = t0 };
		m->st.ticks++;
		return 1;
	}
}

void feeds_mt5_stats(const struct feeds_mt5 *m, struct feeds_mt5_stats *ret)
{
	*ret = m->st;
}

const char *feeds_mt5_symbol(const struct feeds_mt5 *m, uint16_t locate)
{
	return locate >= 1 && locate <= m->nsymbols ? m->symbols[locate - 1] : "";
}

struct feeds_mt5 *feeds_mt5_destroy(struct feeds_mt5 *m)
{
	if (!m)
		return NULL;
	if (m->sub)
		zmq_close(m->sub);
	if (m->zctx)
		zmq_ctx_term(m->zctx);
	free(m->symbols);
	free(m);
	return NULL;
}

/* ------------------------------------------------------------------------- */
/* The feed stage's source */

struct mt5_src {
	struct feeds_src base;
	struct feeds_mt5 *m;
	uint64_t idle_ns, last_ns;
};

static int mt5s_next(struct feeds_src *s, struct feeds_item *it, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	struct mt5_src *ms = (struct mt5_src *)s;
	if (!feeds_mt5_poll(ms->m, &it->ev))
		return feeds__quiet_end(ms->idle_ns, ms->last_ns, core_now_ns()) ? CORE_EOF
		                                                                  : FEEDS_SRC_AGAIN;
	ms->last_ns = it->ev.t0_ns;
	it->kind = FEEDS_ITEM_EVENT;
	it->flags = 0;
	it->t0_ns = it->ev.t0_ns;
	return 0;
}

static void mt5s_stats(const struct feeds_src *s, struct feeds_stats *ret)
{
	struct feeds_mt5_stats st;
	feeds_mt5_stats(((const struct mt5_src *)s)->m, &st);
	ret->total += st.ticks;
	ret->mt5_ticks = st.ticks;
	ret->mt5_bad = st.bad;
	ret->mt5_unknown = st.unknown;
	snprintf(ret->mt5_last_bad, sizeof(ret->mt5_last_bad), "%s", st.last_bad);
}

static void mt5s_close(struct feeds_src *s)
{
	struct mt5_src *ms = (struct mt5_src *)s;
	if (!ms)
		return;
	feeds_mt5_destroy(ms->m);
	core_free(ms);
}

static const struct feeds_src_ops mt5s_ops = {
	.name = "mt5",
	.next = mt5s_next,
	.stats = mt5s_stats,
	.close = mt5s_close,
};

int feeds__mt5_src_open(const struct feeds_mt5_cfg *cfg, uint64_t idle_ns, struct feeds_src **ret,
                        char *err, size_t errlen)
{
	struct mt5_src *ms = core_alloc(sizeof(*ms), CORE_CACHE_LINE);
	if (!ms) {
		core_errf(err, errlen, "mt5 ticks: out of memory");
		return -ENOMEM;
	}
	memset(ms, 0, sizeof(*ms));
	int r = feeds_mt5_create(cfg, &ms->m, err, errlen);
	if (r < 0) {
		core_free(ms);
		return r;
	}
	ms->base.ops = &mt5s_ops;
	ms->idle_ns = idle_ns;
	*ret = &ms->base;
	return 0;
}

const struct feeds_mt5 *feeds__mt5_src_feed(const struct feeds_src *s)
{
	return s && s->ops == &mt5s_ops ? ((const struct mt5_src *)s)->m : NULL;
}
