/* api.c - the engine's read-only JSON API (api.h). */
#define _GNU_SOURCE /* open_memstream */
#include "api.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "json.h"

#define U(x) atomic_load_explicit(&(x), memory_order_relaxed)

static const char *const session_names[] = { "down", "connecting", "up", "done" };
static const char *const mode_names[] = { "active", "reducing", "halted" };

static const char *session_name(uint32_t s)
{
	return s < sizeof(session_names) / sizeof(session_names[0]) ? session_names[s] : "?";
}

static void status(struct engine *e, struct json_out *j)
{
	const struct engine_gauges *g = &e->g;
	json_str(j, "mode", mode_names[risk_control_mode(&e->ctl) % 3]);
	json_bool(j, "killed", risk_control_is_killed(&e->ctl));
	json_str(j, "venue_session", session_name(U(g->session)));
	json_str(j, "protocol",
	         e->o.protocol == ENGINE_FIX ? "fix" : e->o.protocol == ENGINE_OUCH ? "ouch" : "sim");
	json_str(j, "model", e->model_name);
	json_u64(j, "md_messages", U(g->messages));
	json_u64(j, "intents", U(g->intents));
	json_u64(j, "orders", U(g->orders));
	json_u64(j, "fills", U(g->fills));
	json_u64(j, "cancels", U(g->cancels));
	json_u64(j, "open_orders", U(g->open_orders));
	json_u64(j, "risk_rejects", U(g->rejects));
	json_u64(j, "positions", U(g->positions));
	json_fixed4(j, "realized_pnl", U(g->realized));
	json_fixed4(j, "unrealized_pnl", U(g->unrealized));
	json_obj(j, "risk");
	json_fixed4(j, "pnl", U(g->risk_pnl));
	json_fixed4(j, "fees", U(g->risk_fees));
	json_fixed4(j, "drawdown", U(g->risk_drawdown));
	json_fixed4(j, "max_drawdown", U(g->risk_max_drawdown));
	json_fixed4(j, "gross_notional", U(g->risk_gross));
	json_u64(j, "breaker_tier", U(g->risk_tier));
	json_end(j);
	static const char *const rec[] = { "none", "running", "waiting_for_resume", "resumed" };
	int r = atomic_load_explicit(&e->recovery, memory_order_relaxed);
	json_str(j, "recovery", r >= 0 && r < 4 ? rec[r] : "?");
	json_u64(j, "recovery_differences", U(g->rec_differences));
	bool failed = atomic_load_explicit(&e->failed, memory_order_acquire);
	json_str(j, "failure", failed ? e->failure : "");
	json_bool(j, "input_done", U(g->input_done));
}

static void positions(struct engine *e, struct json_out *j)
{
	const struct engine_gauges *g = &e->g;
	uint32_t n = atomic_load_explicit(&g->npos, memory_order_acquire);
	char buf[32];
	json_arr(j, "positions");
	for (uint32_t i = 0; i < n && i < ENGINE_POS_GAUGES; i++) {
		json_obj(j, NULL);
		json_str(j, "symbol", engine__symbol(e, (uint16_t)U(g->pos_locate[i]), buf, sizeof(buf)));
		json_i64(j, "shares", (int64_t)U(g->pos_qty[i]));
		json_fixed4(j, "realized_pnl", (int64_t)U(g->pos_realized[i]));
		json_end(j);
	}
	json_end(j);
}

static void one_latency(struct engine *e, struct json_out *j, const char *tag)
{
	struct telemetry_summary t;
	if (telemetry_summary(&e->tele, tag, &t) < 0)
		return;
	telemetry_json_summary(j, tag, &t);
}

static void latency(struct engine *e, struct json_out *j)
{
	for (unsigned i = 0; i < ST_COUNT; i++)
		one_latency(e, j, engine__stage_names[i]);
	one_latency(e, j, "tick_to_order");
	one_latency(e, j, "tick_to_wire");
}

/* One component: its state ("ok", "degraded", "failed") and why; the worst
 * state so far in *worst (0 ok, 1 degraded, 2 failed). */
static void component(struct json_out *j, const char *name, int state, const char *why,
                      int *worst)
{
	static const char *const names[] = { "ok", "degraded", "failed" };
	json_obj(j, name);
	json_str(j, "state", names[state]);
	json_str(j, "why", why);
	if (state > *worst)
		*worst = state;
}

static void health(struct engine *e, struct json_out *j)
{
	const struct engine_gauges *g = &e->g;
	uint64_t now = core_now_ns();
	int worst = 0;
	json_obj(j, "components");
	/* the feed: messages lost is degraded; no message for long while still running */
	uint64_t lost = U(g->md_lost), last = U(g->md_last_ns);
	bool done = U(g->input_done);
	double age = last ? (double)(now > last ? now - last : 0) / 1e9 : -1;
	char why[160];
	snprintf(why, sizeof(why), "%s", lost ? "market data messages were lost" : "");
	component(j, "feed", lost ? 1 : 0, why, &worst);
	json_u64(j, "messages", U(g->messages));
	json_u64(j, "gaps", U(g->md_gaps));
	json_u64(j, "lost", lost);
	json_f64(j, "last_message_age_s", age, 3);
	json_bool(j, "input_done", done);
	json_end(j);
	/* the venue session: down (not at the end) is degraded: no new orders */
	uint32_t s = U(g->session);
	bool sim = e->o.protocol == ENGINE_SIM;
	int st = !sim && s != EXEC_SESSION_UP && s != EXEC_SESSION_DONE ? 1 : 0;
	component(j, "gateway", st, st ? "the venue session is not up: no new orders" : "", &worst);
	json_str(j, "session", session_name(s));
	json_end(j);
	/* persistence */
	bool pfailed = atomic_load_explicit(&g->persist_failed, memory_order_acquire);
	uint64_t waits = U(g->persist_waits);
	component(j, "persistence", pfailed ? 2 : 0,
	          pfailed ? e->persist_error : !e->db ? "no database" : "", &worst);
	json_bool(j, "database", e->db != NULL);
	json_u64(j, "ring_full_polls", waits);
	json_end(j);
	/* the hot stages: the last time each did work (published its gauges) */
	bool failed = atomic_load_explicit(&e->failed, memory_order_acquire);
	component(j, "engine", failed ? 2 : 0, failed ? e->failure : "", &worst);
	json_obj(j, "stages");
	for (unsigned i = 0; i < ST_COUNT; i++) {
		if (!e->gauged[i].publish)
			continue;
		uint64_t w = U(g->stage_work_ns[i]);
		json_f64(j, engine__stage_names[i],
		         w ? (double)(now > w ? now - w : 0) / 1e9 : -1.0, 3);
	}
	json_end(j);
	json_end(j);
	json_end(j);
	json_str(j, "state", worst == 0 ? "ok" : worst == 1 ? "degraded" : "failed");
	json_str(j, "mode", mode_names[risk_control_mode(&e->ctl) % 3]);
	json_bool(j, "killed", risk_control_is_killed(&e->ctl));
}

#define ORDERS_PER_ANSWER 1000

/* Order events after seq `since` (orders_log.h), at most ORDERS_PER_ANSWER. */
static void orders(struct engine *e, struct json_out *j, uint64_t since, uint64_t *ret_next)
{
	static struct orders_event ev[ORDERS_PER_ANSWER]; /* one request at a time: the lock */
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	uint64_t first = 0, last = 0;
	pthread_mutex_lock(&lock);
	size_t n = e->recent ? orders_recent_read(e->recent, since, ev, ORDERS_PER_ANSWER, &first,
	                                          &last)
	                     : 0;
	json_u64(j, "since", since);
	json_u64(j, "first", first);
	json_u64(j, "last", last);
	/* events after since that are no longer kept */
	json_u64(j, "missed", first > since + 1 && last >= first ? first - since - 1 : 0);
	*ret_next = n ? ev[n - 1].seq : since;
	json_u64(j, "next", *ret_next);
	json_arr(j, "events");
	for (size_t i = 0; i < n; i++) {
		const struct orders_event *x = &ev[i];
		char side[2] = { x->side, 0 };
		json_obj(j, NULL);
		json_u64(j, "seq", x->seq);
		json_u64(j, "ts_ns", x->ts_ns);
		json_str(j, "event", x->event);
		if (x->order_id)
			json_u64(j, "order_id", x->order_id);
		json_str(j, "symbol", x->symbol);
		json_str(j, "side", side);
		json_fixed4(j, "px", x->px);
		json_u64(j, "qty", x->qty);
		json_u64(j, "filled", x->filled);
		json_u64(j, "leaves", x->leaves);
		json_str(j, "reason", x->reason);
		json_end(j);
	}
	json_end(j);
	pthread_mutex_unlock(&lock);
}

/* The last events of the log and alerts (alerts.h), newest first. */
static void alerts_json(struct engine *e, struct json_out *j)
{
	struct alerts_item a[ALERTS_RECENT];
	unsigned n = e->alerts ? alerts_recent(e->alerts, a, ALERTS_RECENT) : 0;
	json_arr(j, "alerts");
	for (unsigned i = 0; i < n; i++) {
		json_obj(j, NULL);
		json_str(j, "ts", a[i].ts);
		json_str(j, "event", a[i].event);
		json_str(j, "severity", a[i].severity);
		json_str(j, "text", a[i].text);
		json_end(j);
	}
	json_end(j);
}

/* Everything the dashboard shows, in one object (one server-sent event). */
static void dashboard(struct engine *e, struct json_out *j, uint64_t since, uint64_t *ret_next)
{
	json_obj(j, "status");
	status(e, j);
	json_end(j);
	json_obj(j, "positions");
	positions(e, j);
	json_end(j);
	json_obj(j, "latency");
	latency(e, j);
	json_end(j);
	json_obj(j, "health");
	health(e, j);
	json_end(j);
	json_obj(j, "orders");
	orders(e, j, since, ret_next);
	json_end(j);
	json_obj(j, "alerts");
	alerts_json(e, j);
	json_end(j);
}

ssize_t api_render(struct engine *e, const char *path, uint64_t since, uint64_t *ret_next,
		   char **ret)
{
	uint64_t next = since;
	enum { SIMPLE, ORDERS, DASHBOARD } kind = SIMPLE;
	void (*fn)(struct engine *, struct json_out *) =
	        !strcmp(path, "/api/status")      ? status
	        : !strcmp(path, "/api/positions") ? positions
	        : !strcmp(path, "/api/latency")   ? latency
	        : !strcmp(path, "/api/health")    ? health
	        : !strcmp(path, "/api/alerts")    ? alerts_json
	                                          : NULL;
	if (!strcmp(path, "/api/orders"))
		kind = ORDERS;
	else if (!strcmp(path, "/api/dashboard"))
		kind = DASHBOARD;
	else if (!fn)
		return -ENOENT;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	struct json_out j;
	json_begin(&j, f);
	if (kind == ORDERS)
		orders(e, &j, since, &next);
	else if (kind == DASHBOARD)
		dashboard(e, &j, since, &next);
	else
		fn(e, &j);
	json_end(&j);
	if (fclose(f) != 0 || !buf) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	if (ret_next)
		*ret_next = next;
	return (ssize_t)len;
}
