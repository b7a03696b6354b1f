/*
 * engine_control.c - the control thread's commands: status, kill, resume, and
 * the model registry (model list / add / activate).
 *
 * Everything here runs on the control thread, which does nothing else: a
 * model activation that waits for the decision stage to move past the old
 * model sleeps here, never on the aux thread that drains persistence.
 */
#define _GNU_SOURCE
#include "engine_int.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

bool engine__schema_ok(uint64_t schema)
{
	/* all of this engine's features, or the first k: a model over a prefix
	 * keeps working when features are appended */
	for (unsigned k = 1; k <= STRAT_FEATURE_COUNT; k++)
		if (schema == strat_feature_schema_hash(k))
			return true;
	return false;
}

/* The registry's kind for a model file. */
static const char *model_kind(const void *blob, size_t len, const struct strat_model *m)
{
	if (len >= 8 && !memcmp(blob, "OSPRTREE", 8))
		return "trees";
	if (len >= 8 && !memcmp(blob, "OSPRYNN", 8))
		return "dqn-policy";
	return strat_model_ensemble(m) ? "ensemble" : "linear";
}

/* "NAME@VERSION" (VERSION >= 1) or "NAME" (the latest). */
static bool parse_ref(const char *ref, char *name, size_t cap, uint32_t *version)
{
	const char *at = strchr(ref, '@');
	size_t n = at ? (size_t)(at - ref) : strlen(ref);
	if (n == 0 || n >= cap)
		return false;
	memcpy(name, ref, n);
	name[n] = '\0';
	*version = 0;
	if (at) {
		char *end;
		unsigned long v = strtoul(at + 1, &end, 10);
		if (end == at + 1 || *end || v == 0 || v > UINT32_MAX)
			return false;
		*version = (uint32_t)v;
	}
	return true;
}

/* "kill: ..." with the kill switch's timeline from the command, once there is one. */
void engine__recovery_line(struct engine *e, char **p, size_t *left)
{
	int rec = atomic_load_explicit(&e->recovery, memory_order_relaxed);
	if (rec == ENGINE_REC_NONE)
		return;
	const struct engine_gauges *g = &e->g;
	bool done = atomic_load_explicit(&g->rec_state, memory_order_acquire) == EXEC_RECOVERY_DONE;
	reply_add(p, left,
	          "recovery: %s; from venue message %" PRIu64 ", %" PRIu64
	          " replayed (%" PRIu64 " fills), %" PRIu64 " open orders restored, %" PRIu64
	          " ended by the venue, %" PRIu64 " adopted, %" PRIu64 " never at the venue, %" PRIu64
	          " cancelled: %" PRIu64 " differences\n",
	          rec == ENGINE_REC_RESUMED   ? "resumed"
	          : rec == ENGINE_REC_WAITING ? "reconciled, HALTED until osprey-ctl resume"
	          : done                      ? "reconciled"
	                                      : "replaying the venue session, HALTED",
	          atomic_load_explicit(&g->rec_from_seq, memory_order_relaxed),
	          atomic_load_explicit(&g->rec_replayed, memory_order_relaxed),
	          atomic_load_explicit(&g->rec_replay_fills, memory_order_relaxed),
	          atomic_load_explicit(&g->rec_restored, memory_order_relaxed),
	          atomic_load_explicit(&g->rec_closed, memory_order_relaxed),
	          atomic_load_explicit(&g->rec_adopted, memory_order_relaxed),
	          atomic_load_explicit(&g->rec_not_at_venue, memory_order_relaxed),
	          atomic_load_explicit(&g->rec_cancelled, memory_order_relaxed),
	          atomic_load_explicit(&g->rec_differences, memory_order_relaxed));
}

void engine__kill_timeline(struct engine *e, char **p, size_t *left)
{
	uint64_t cmd = atomic_load_explicit(&e->g.kill_cmd_ns, memory_order_relaxed);
	uint64_t seen = atomic_load_explicit(&e->g.kill_seen_ns, memory_order_relaxed);
	uint64_t sent = atomic_load_explicit(&e->g.cancel_all_sent_ns, memory_order_relaxed);
	uint64_t done = atomic_load_explicit(&e->g.cancel_all_done_ns, memory_order_relaxed);
	if (!cmd || seen < cmd)
		return;
	int n = snprintf(*p, *left, "kill: orders blocked %.1f us after the command",
	                 (seen - cmd) / 1e3);
	if (n > 0 && (size_t)n < *left)
		*p += n, *left -= (size_t)n;
	if (sent >= seen && sent) {
		n = snprintf(*p, *left, ", cancels sent at %.1f us", (sent - cmd) / 1e3);
		if (n > 0 && (size_t)n < *left)
			*p += n, *left -= (size_t)n;
	}
	if (done >= sent && sent) {
		n = snprintf(*p, *left, ", every order answered at %.1f us", (done - cmd) / 1e3);
		if (n > 0 && (size_t)n < *left)
			*p += n, *left -= (size_t)n;
	}
	n = snprintf(*p, *left, "\n");
	if (n > 0 && (size_t)n < *left)
		*p += n, *left -= (size_t)n;
}

void reply_add(char **p, size_t *left, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(*p, *left, fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < *left)
		*p += n, *left -= (size_t)n;
	else
		*p += *left - 1, *left = 1; /* truncated: nothing more fits */
}

static int model_list(struct engine *e, char *reply, size_t cap)
{
	static struct persist_model_meta list[64];
	unsigned n = 0;
	int r = persist_model_list(e->db, list, 64, &n);
	if (r < 0 && r != -ENOSPC) {
		snprintf(reply, cap, "error: model list: %s\n", strerror(-r));
		return r;
	}
	char *p = reply;
	size_t left = cap;
	reply_add(&p, &left, "running: %s\n%-24s %-8s %-18s %-20s %s\n", e->model_name,
	          "NAME@VERSION", "KIND", "SCHEMA", "CREATED (UTC)", "METRICS");
	for (unsigned i = 0; i < n; i++) {
		char ref[48], when[32];
		snprintf(ref, sizeof(ref), "%.31s@%u%s", list[i].name, list[i].version,
		         list[i].active ? " *" : "");
		time_t t = (time_t)(list[i].created_ns / 1000000000ull);
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		reply_add(&p, &left, "%-24s %-8s 0x%016" PRIx64 " %-20s %s\n", ref, list[i].kind,
		          list[i].schema, when, list[i].metrics);
	}
	if (r == -ENOSPC)
		reply_add(&p, &left, "(more than 64 models: first 64 shown)\n");
	return 0;
}

/* "model add NAME PATH [METRICS...]": validate the file as the engine would
 * run it, then store it as NAME's next version (not yet active). */
static int model_add(struct engine *e, const char *args, char *reply, size_t cap)
{
	char name[PERSIST_MODEL_NAME_MAX + 1], path[256], err[300];
	int used = 0;
	if (sscanf(args, "%31s %255s %n", name, path, &used) < 2) {
		snprintf(reply, cap, "error: usage: model add NAME FILE [METRICS]\n");
		return -EINVAL;
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		int r = -errno;
		snprintf(reply, cap, "error: %s: %s\n", path, strerror(-r));
		return r;
	}
	static char buf[1 << 20];
	size_t len = fread(buf, 1, sizeof(buf), f);
	bool big = len == sizeof(buf) && fgetc(f) != EOF;
	fclose(f);
	if (big) {
		snprintf(reply, cap, "error: %s: larger than %zu bytes\n", path, sizeof(buf));
		return -EFBIG;
	}
	struct strat_model *m;
	int r = strat_model_from_blob(path, buf, len, &m, err, sizeof(err));
	if (r < 0) {
		snprintf(reply, cap, "error: refused: %s\n", err);
		return r;
	}
	struct strat_model_info info;
	strat_model_info(m, &info);
	struct persist_model_meta meta;
	memset(&meta, 0, sizeof(meta));
	snprintf(meta.name, sizeof(meta.name), "%s", name);
	snprintf(meta.kind, sizeof(meta.kind), "%s", model_kind(buf, len, m));
	strat_model_free(m);
	/* a file that states no schema indexes the features of this engine */
	meta.schema = info.schema ? info.schema : strat_feature_schema();
	snprintf(meta.source, sizeof(meta.source), "%.127s", path);
	snprintf(meta.metrics, sizeof(meta.metrics), "%s", args + used);
	r = persist_model_put(e->db, &meta, buf, len);
	if (r < 0) {
		snprintf(reply, cap, "error: model add %s: %s\n", name, strerror(-r));
		return r;
	}
	snprintf(reply, cap, "ok: added %s@%u (%zu bytes; not active: model activate %s@%u)\n",
	         meta.name, meta.version, len, meta.name, meta.version);
	return 0;
}

/* Free a replaced model once the decision stage has moved past it. */
static void retire(struct engine *e, struct strat_model *old, uint64_t gen)
{
	/* The stage picks the new model up at its next poll (it polls even when
	 * idle); waiting for that here costs this thread only. */
	for (int i = 0; i < 2000; i++) {
		if (strat_decide_quiesced(e->decide, gen)) {
			strat_model_free(old);
			return;
		}
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	if (e->nretired < ENGINE_MAX_RETIRED)
		e->retired[e->nretired++] = old; /* freed at exit */
	/* else: leak it rather than free what a stopped stage might still hold */
}

/* "model activate NAME[@VERSION]": load and validate, swap it into the
 * running decision stage (ticks never pause), free the old model once the
 * stage has moved past it, and mark it active in the registry. Anything
 * wrong leaves the running model in place. */
static int model_activate(struct engine *e, uid_t uid, const char *ref, char *reply,
                          size_t cap)
{
	char name[PERSIST_MODEL_NAME_MAX + 1], err[300], label[64];
	uint32_t version;
	if (!parse_ref(ref, name, sizeof(name), &version)) {
		snprintf(reply, cap, "error: '%s' is not NAME@VERSION\n", ref);
		return -EINVAL;
	}
	struct persist_model_meta meta;
	void *blob;
	int r = persist_model_get(e->db, name, version, &meta, &blob);
	if (r < 0) {
		snprintf(reply, cap, "error: %s: %s; still running %s\n", ref,
		         r == -ENOENT ? "no such model"
		         : r == -EIO  ? "stored model is corrupt"
		                      : strerror(-r),
		         e->model_name);
		return r;
	}
	snprintf(label, sizeof(label), "%s@%u", meta.name, meta.version);
	struct strat_model *m = NULL;
	if (!engine__schema_ok(meta.schema)) {
		core_errf(err, sizeof(err),
		          "%s: built for features 0x%016" PRIx64 ", this engine has 0x%016" PRIx64,
		          label, meta.schema, strat_feature_schema());
		r = -EINVAL;
	} else {
		/* parsed under its source path: an ensemble's member files are
		 * relative to it */
		char why[300];
		r = strat_model_from_blob(meta.source[0] ? meta.source : label, blob, meta.blob_len,
		                          &m, why, sizeof(why));
		if (r < 0)
			core_errf(err, sizeof(err), "%s: %s", label, why);
	}
	free(blob);
	uint64_t gen = 0;
	if (r == 0)
		r = strat_decide_swap(e->decide, m, &gen, err, sizeof(err));
	if (r < 0) {
		strat_model_free(m);
		snprintf(reply, cap, "error: refused: %s; still running %s\n", err, e->model_name);
		return r;
	}
	struct strat_model *old = e->model;
	e->model = m;
	char was[sizeof(e->model_name)];
	snprintf(was, sizeof(was), "%s", e->model_name);
	snprintf(e->model_name, sizeof(e->model_name), "%s", label);
	retire(e, old, gen);
	engine__audit(e, uid, "model", was, label);
	r = persist_model_activate(e->db, meta.name, meta.version);
	snprintf(reply, cap, "ok: running %s (was %s)%s\n", label, was,
	         r < 0 ? "; WARNING: could not mark it active in the registry" : "");
	return 0;
}

static int model_command(struct engine *e, uid_t uid, const char *a, char *reply, size_t cap)
{
	while (*a == ' ')
		a++;
	if (!e->db) {
		snprintf(reply, cap,
		         "error: no model registry: the engine runs without a "
		         "database ([engine] db)\n");
		return -ENOENT;
	}
	if (!strcmp(a, "list"))
		return model_list(e, reply, cap);
	if (!strncmp(a, "add ", 4))
		return model_add(e, a + 4, reply, cap);
	if (!strncmp(a, "activate ", 9))
		return model_activate(e, uid, a + 9, reply, cap);
	snprintf(reply, cap,
	         "error: model commands: list, add NAME FILE [METRICS], "
	         "activate NAME@VERSION\n");
	return -EINVAL;
}

static int status(struct engine *e, char *reply, size_t cap)
{
	char *p = reply;
	size_t left = cap;
	struct engine_gauges *g = &e->g;
	reply_add(&p, &left,
	          "state: %s\ninput: %s\nmessages: %" PRIu64 "\nintents: %" PRIu64
	          "\norders_sent: %" PRIu64 "\nfills: %" PRIu64 "\nopen_orders: %" PRIu64
	          "\ncancels: %" PRIu64 "\nrejects: %" PRIu64 "\npositions: %" PRIu64
	          "\nrealized_pnl: %.4f\n"
	          "unrealized_pnl: %.4f\nmodel: %s\n",
	          risk_control_is_killed(&e->ctl) ? "KILLED" : "ACTIVE",
	          atomic_load_explicit(&g->input_done, memory_order_relaxed) ? "finished"
	                                                                     : "running",
	          atomic_load_explicit(&g->messages, memory_order_relaxed),
	          atomic_load_explicit(&g->intents, memory_order_relaxed),
	          atomic_load_explicit(&g->orders, memory_order_relaxed),
	          atomic_load_explicit(&g->fills, memory_order_relaxed),
	          atomic_load_explicit(&g->open_orders, memory_order_relaxed),
	          atomic_load_explicit(&g->cancels, memory_order_relaxed),
	          atomic_load_explicit(&g->rejects, memory_order_relaxed),
	          atomic_load_explicit(&g->positions, memory_order_relaxed),
	          (double)atomic_load_explicit(&g->realized, memory_order_relaxed) / 1e4,
	          (double)atomic_load_explicit(&g->unrealized, memory_order_relaxed) / 1e4,
	          e->model_name);
	engine__kill_timeline(e, &p, &left);
	reply_add(&p, &left, "mode: %s\n",
	          (const char *[]){ "active", "reducing", "halted" }[risk_control_mode(&e->ctl)]);
	engine__recovery_line(e, &p, &left);
	if (atomic_load_explicit(&e->failed, memory_order_acquire))
		reply_add(&p, &left, "failure: %s\n", e->failure);
	if (e->alerts) {
		struct alerts_stats as;
		alerts_stats(e->alerts, &as);
		reply_add(&p, &left,
		          "alerts: %" PRIu64 " events, %" PRIu64 " sent, %" PRIu64 " failed, %" PRIu64
		          " dropped%s%s\n",
		          as.events, as.sent, as.failed, as.dropped, as.last_error[0] ? "; last error: " : "",
		          as.last_error);
	}
	reply_add(&p, &left, "control: %" PRIu64 " served, %" PRIu64 " refused%s%s%s\n",
	          e->control.served, e->control.refused, e->control.last_refusal[0] ? " (last: " : "",
	          e->control.last_refusal, e->control.last_refusal[0] ? ")" : "");
	uint64_t evd = atomic_load_explicit(&g->events_dropped, memory_order_relaxed);
	if (evd)
		reply_add(&p, &left, "log: %" PRIu64 " hot-thread events dropped (their ring was full)\n",
		          evd);
	uint64_t pw = atomic_load_explicit(&g->persist_waits, memory_order_relaxed);
	if (pw)
		reply_add(&p, &left, "persistence: %" PRIu64 " polls found its ring full (%s)\n", pw,
		          e->o.persist_full_halt ? "persist_full = halt: trading halted"
		                                 : "back-pressure: the pipeline waited");
	if (atomic_load_explicit(&g->persist_failed, memory_order_acquire))
		reply_add(&p, &left, "persistence: FAILED (%s); %" PRIu64 " records not stored\n",
		          e->persist_error,
		          atomic_load_explicit(&g->persist_unstored, memory_order_relaxed));
	struct telemetry_summary t;
	if (telemetry_summary(&e->tele, "tick_to_order", &t) == 0)
		reply_add(&p, &left,
		          "latency_tick_to_order_ns: count=%" PRId64 " p50=%" PRId64 " p99=%" PRId64
		          " max=%" PRId64 "\n",
		          t.count, t.p50, t.p99, t.max);
	return 0;
}

int engine__control(void *arg, uid_t uid, const char *cmd, char *reply, size_t cap)
{
	struct engine *e = arg;
	int rr = engine__risk_command(e, uid, cmd, reply, cap);
	if (rr <= 0)
		return rr;
	if (!strncmp(cmd, "model", 5) && (cmd[5] == ' ' || cmd[5] == '\0'))
		return model_command(e, uid, cmd + 5, reply, cap);
	if (!strcmp(cmd, "kill") || !strcmp(cmd, "kill --flatten")) {
		bool flatten = cmd[4] != '\0';
		atomic_store_explicit(&e->g.kill_cmd_ns, core_now_ns(), memory_order_relaxed);
		bool was = risk_control_is_killed(&e->ctl);
		risk_control_kill(&e->ctl);
		if (flatten)
			risk_control_flatten(&e->ctl);
		engine__audit(e, uid, "kill", was ? "killed" : "live",
		              flatten ? "killed(flatten)" : "killed");
		if (e->db)
			persist_set_meta(e->db, "killed", 1);
		snprintf(reply, cap,
		         "ok: killed; new orders refused, open orders being cancelled%s\n",
		         flatten ? ", every position being closed" : "");
		return 0;
	}
	if (!strcmp(cmd, "resume")) {
		engine__audit(e, uid, "resume", risk_control_is_killed(&e->ctl) ? "killed" : "live",
		              "live");
		risk_control_resume(&e->ctl);
		if (e->db)
			persist_set_meta(e->db, "killed", 0);
		int rec = atomic_load_explicit(&e->recovery, memory_order_relaxed);
		if (rec == ENGINE_REC_RUNNING || rec == ENGINE_REC_WAITING) {
			/* the operator takes the recovery's differences (if the
			 * gateway is still replaying, its session holds orders back) */
			risk_control_set_mode(&e->ctl, RISK_MODE_ACTIVE);
			atomic_store_explicit(&e->recovery, ENGINE_REC_RESUMED, memory_order_relaxed);
			engine__audit(e, uid, "recovery", rec == ENGINE_REC_WAITING ? "waiting" : "running",
			              "resumed(operator)");
			snprintf(reply, cap, "ok: resumed (recovery %s)\n",
			         rec == ENGINE_REC_WAITING ? "reconciled" : "still replaying");
			return 0;
		}
		snprintf(reply, cap, "ok: resumed\n");
		return 0;
	}
	if (!strcmp(cmd, "status"))
		return status(e, reply, cap);
	snprintf(reply, cap,
	         "error: unknown command '%s' (status, kill [--flatten], resume, mode, flatten, "
	         "limits, set, restrict, allow, model ...)\n",
	         cmd);
	return -EINVAL;
}
