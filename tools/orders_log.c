/* orders_log.c - the --orders CSV (orders_log.h has the format). */
#define _GNU_SOURCE
#include "orders_log.h"

#include "exec.h"
#include "risk.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

struct orders_recent {
	pthread_mutex_t lock;
	uint64_t next; /* the seq of the next event (from 1) */
	struct orders_event ev[ORDERS_RECENT];
};

struct orders_recent *orders_recent_create(void)
{
	struct orders_recent *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	pthread_mutex_init(&r->lock, NULL);
	r->next = 1;
	return r;
}

void orders_recent_destroy(struct orders_recent *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static void recent_put(struct orders_recent *r, struct orders_event *ev)
{
	pthread_mutex_lock(&r->lock);
	ev->seq = r->next++;
	r->ev[ev->seq % ORDERS_RECENT] = *ev;
	pthread_mutex_unlock(&r->lock);
}

size_t orders_recent_read(struct orders_recent *r, uint64_t since, struct orders_event *out,
			  size_t cap, uint64_t *ret_first, uint64_t *ret_last)
{
	pthread_mutex_lock(&r->lock);
	uint64_t last = r->next - 1;
	uint64_t first = last >= ORDERS_RECENT ? last - ORDERS_RECENT + 1 : 1;
	uint64_t from = since + 1 > first ? since + 1 : first;
	size_t n = 0;
	for (uint64_t s = from; s <= last && n < cap; s++)
		out[n++] = r->ev[s % ORDERS_RECENT];
	pthread_mutex_unlock(&r->lock);
	*ret_first = first;
	*ret_last = last;
	return n;
}

struct orders_log {
	struct orders_recent *recent;
	FILE *f;
	char path[512];
	struct core_ring *events, *in, *fwd;
	const struct feeds_books *names;
	bool events_eos, persist_eos;
	uint64_t lines;
	uint64_t nclass[3]; /* lines per sort class (below) */
	int error; /* first write error (negative errno) */
};

#define BURST 256

static const char *mode_str(unsigned m)
{
	return m == RISK_MODE_ACTIVE ? "active" : m == RISK_MODE_REDUCING ? "reducing" : "halted";
}

static const char *venue_reason(unsigned r)
{
	static const char *const n[] = {
		[EXEC_REASON_NONE] = "none",           [EXEC_REASON_USER_CANCEL] = "cancel",
		[EXEC_REASON_CANCEL_ALL] = "cancel_all", [EXEC_REASON_IOC] = "ioc",
		[EXEC_REASON_INVALID] = "invalid",     [EXEC_REASON_DUPLICATE] = "duplicate",
		[EXEC_REASON_RESTING_CAP] = "resting_cap", [EXEC_REASON_VENUE_FULL] = "venue_full",
	};
	return r < sizeof(n) / sizeof(n[0]) ? n[r] : "?";
}

/* Sort classes for lines of the same event time: the orders exec sent, then
 * the venue's reports, then risk's events; within a class, the order they
 * came in (each class's own order is the same every run; only how exec
 * interleaves its sends with the venue's reports depends on timing). */
enum { C_ORDER, C_VENUE, C_RISK };

static void line(struct orders_log *l, unsigned cls, uint64_t ts, const char *event, uint64_t id,
		 uint16_t locate, uint8_t side, uint32_t px, uint32_t qty, uint64_t filled,
		 uint64_t leaves, const char *reason, bool order_fields)
{
	char sym[9];
	feeds_books_name(l->names, locate, sym);
	if (!sym[0])
		snprintf(sym, sizeof(sym), "#%u", (unsigned)locate);
	if (l->recent) {
		struct orders_event ev = { .ts_ns = ts, .order_id = id };
		snprintf(ev.event, sizeof(ev.event), "%s", event);
		snprintf(ev.reason, sizeof(ev.reason), "%s", reason);
		if (order_fields || locate)
			memcpy(ev.symbol, sym, sizeof(ev.symbol));
		if (order_fields) {
			ev.side = side == 'B' || side == 'S' ? (char)side : 0;
			ev.px = px;
			ev.qty = qty;
			ev.filled = filled;
			ev.leaves = leaves;
		}
		recent_put(l->recent, &ev);
	}
	l->lines++;
	if (!l->f)
		return;
	/* the sort key, fixed width so the text sorts as the numbers; cut at close */
	if (fprintf(l->f, "%020" PRIu64 "%u%020" PRIu64 "|", ts, cls, l->nclass[cls]++) < 0 &&
	    !l->error)
		l->error = -EIO;
	char ids[24] = "";
	if (id)
		snprintf(ids, sizeof(ids), "%" PRIu64, id);
	int n;
	if (order_fields)
		n = fprintf(l->f, "%" PRIu64 ",%s,%s,%s,%c,%u,%u,%" PRIu64 ",%" PRIu64 ",%s\n", ts,
		            event, ids, sym, side == 'B' || side == 'S' ? side : '?', px, qty, filled,
		            leaves, reason);
	else
		n = fprintf(l->f, "%" PRIu64 ",%s,,%s,,,,,,%s\n", ts, event, locate ? sym : "",
		            reason);
	if (n < 0 && !l->error)
		l->error = -EIO;
}

static void risk_event(struct orders_log *l, const struct risk_event *ev)
{
	char why[64];
	switch (ev->kind) {
	case RISK_EV_REJECT:
		line(l, C_RISK, ev->ts_ns, "reject", 0, ev->locate, ev->side, ev->px, ev->qty, 0, 0,
		     risk_reason_name(ev->reason), true);
		break;
	case RISK_EV_MODE:
		snprintf(why, sizeof(why), "%s:%s->%s", risk_cause_name(ev->reason),
		         mode_str(ev->from), mode_str(ev->to));
		line(l, C_RISK, ev->ts_ns, "mode", 0, ev->reason == RISK_CAUSE_FILL_THROTTLE ? ev->locate : 0,
		     0, 0, 0, 0, 0, why, false);
		break;
	case RISK_EV_CANCEL_ALL:
		line(l, C_RISK, ev->ts_ns, "cancel_all", 0, 0, 0, 0, 0, 0, 0,
		     ev->reason ? risk_cause_name(ev->reason) : "kill", false);
		break;
	default:
		break;
	}
}

static void persist_record(struct orders_log *l, const struct persist_rec *p)
{
	if (p->kind == PERSIST_ORDER && p->u.order.kind == ORDER_NEW) {
		const struct order_msg *m = &p->u.order;
		const char *ev = (m->flags & ORDER_F_EXIT)      ? "exit"
		                 : (m->flags & ORDER_F_FLATTEN) ? "flatten"
		                                                : "new";
		line(l, C_ORDER, m->ts_ns, ev, m->order_id, m->locate, m->side, m->px, m->qty, 0, m->qty, "",
		     true);
	} else if (p->kind == PERSIST_REPORT) {
		const struct exec_report *r = &p->u.report;
		char why[32] = "";
		const char *ev = NULL;
		switch (r->kind) {
		case EXEC_ACK:
			ev = "ack";
			break;
		case EXEC_FILL:
			ev = "fill";
			break;
		case EXEC_CANCELED:
			ev = "cancel";
			snprintf(why, sizeof(why), "%s", venue_reason(r->reason));
			break;
		case EXEC_REJECTED:
			ev = "reject";
			snprintf(why, sizeof(why), "venue:%s", venue_reason(r->reason));
			break;
		default:
			return;
		}
		line(l, C_VENUE, r->ts_ns, ev, r->order_id, r->locate, r->side, r->px, r->qty, r->cum_qty,
		     r->leaves_qty, why, true);
	}
}

int orders_log_poll(void *ctx, uint32_t *ret_work)
{
	struct orders_log *l = ctx;
	uint32_t work = 0;
	if (!l->events_eos) {
		uint32_t n = core_ring_readable_upto(l->events, BURST), i = 0;
		for (; i < n; i++) {
			const struct risk_event *ev = core_ring_peek(l->events, i);
			if (ev->kind == RISK_EV_EOS) {
				l->events_eos = true;
				i++;
				break;
			}
			risk_event(l, ev);
		}
		if (i)
			core_ring_release(l->events, i);
		work += i;
	}
	if (!l->persist_eos) {
		uint32_t n = core_ring_readable_upto(l->in, BURST), i = 0;
		for (; i < n; i++) {
			const struct persist_rec *p = core_ring_peek(l->in, i);
			if (l->fwd && core_ring_push(l->fwd, p) != 0)
				break; /* the writer is behind: wait for it, never drop */
			if (p->kind == PERSIST_EOS) {
				l->persist_eos = true;
				i++;
				break;
			}
			persist_record(l, p);
		}
		if (i)
			core_ring_release(l->in, i);
		work += i;
	}
	*ret_work = work;
	return l->events_eos && l->persist_eos ? CORE_EOF : 0;
}

int orders_log_open(struct orders_log **ret, const char *path, struct core_ring *risk_events,
		    struct core_ring *persist_in, struct core_ring *forward,
		    const struct feeds_books *names, struct orders_recent *recent, char *err,
		    size_t errlen)
{
	struct orders_log *l = calloc(1, sizeof(*l));
	if (!l) {
		core_errf(err, errlen, "--orders: out of memory");
		return -ENOMEM;
	}
	l->recent = recent;
	if (path && !(l->f = fopen(path, "w+e"))) {
		int r = -errno;
		core_errf(err, errlen, "--orders %s: %s", path, strerror(errno));
		free(l);
		return r;
	}
	snprintf(l->path, sizeof(l->path), "%s", path ? path : "");
	l->events = risk_events;
	l->in = persist_in;
	l->fwd = forward;
	l->names = names;
	*ret = l;
	return 0;
}

uint64_t orders_log_lines(const struct orders_log *l)
{
	return l ? l->lines : 0;
}

static int row_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Read the file back, sort its lines, write it again with the header. */
static int sort_file(struct orders_log *l, char *err, size_t errlen)
{
	if (fflush(l->f) != 0 || fseeko(l->f, 0, SEEK_END) != 0)
		goto io;
	off_t size = ftello(l->f);
	if (size < 0 || fseeko(l->f, 0, SEEK_SET) != 0)
		goto io;
	char *buf = malloc((size_t)size + 1);
	char **rows = malloc(sizeof(*rows) * (l->lines + 1));
	if (!buf || !rows) {
		free(buf);
		free(rows);
		core_errf(err, errlen, "--orders %s: out of memory sorting %" PRIu64 " lines", l->path,
		          l->lines);
		return -ENOMEM;
	}
	size_t got = fread(buf, 1, (size_t)size, l->f);
	buf[got] = '\0';
	size_t n = 0;
	for (char *p = buf, *nl; *p && n <= l->lines; p = nl + 1) {
		if (!(nl = strchr(p, '\n')))
			break;
		*nl = '\0';
		rows[n++] = p;
	}
	qsort(rows, n, sizeof(*rows), row_cmp);
	int r = 0;
	if (fseeko(l->f, 0, SEEK_SET) != 0 || ftruncate(fileno(l->f), 0) != 0)
		r = -errno;
	if (!r && fputs("ts_ns,event,order_id,symbol,side,px,qty,filled_qty,leaves_qty,reason\n",
	                l->f) < 0)
		r = -EIO;
	for (size_t i = 0; !r && i < n; i++)
		if (fprintf(l->f, "%s\n", strchr(rows[i], '|') + 1) < 0)
			r = -EIO;
	free(buf);
	free(rows);
	if (r) {
		core_errf(err, errlen, "--orders %s: %s", l->path, strerror(-r));
		return r;
	}
	return 0;
io:
	core_errf(err, errlen, "--orders %s: %s", l->path, strerror(errno));
	return -errno;
}

int orders_log_close(struct orders_log *l, char *err, size_t errlen)
{
	if (!l)
		return 0;
	int r = l->error;
	if (!l->f) {
		free(l);
		return 0;
	}
	if (r)
		core_errf(err, errlen, "--orders %s: a write failed (%s)", l->path, strerror(-r));
	else
		r = sort_file(l, err, errlen);
	if (fclose(l->f) != 0 && !r) {
		r = -errno;
		core_errf(err, errlen, "--orders %s: %s", l->path, strerror(errno));
	}
	free(l);
	return r;
}
