/* engine.c - the pipeline assembled from its stages. */
#define _GNU_SOURCE
#include "engine.h"

#include "control.h"
#include "exec.h"
#include "feeds.h"
#include "persist.h"
#include "risk.h"
#include "strategy.h"
#include "telemetry.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

enum { ST_FEEDS, ST_FEATURES, ST_MODEL, ST_RISK, ST_EXEC, ST_COUNT };
static const char *const stage_names[ST_COUNT] = { "feeds", "features", "model", "risk", "exec" };

/* Counters the hot stages publish for osprey-ctl status (relaxed: they are
 * gauges read for display, no other data depends on them). */
struct gauges {
	_Atomic uint64_t messages;
	_Atomic uint64_t intents;
	_Atomic uint64_t orders;
	_Atomic uint64_t fills;
	_Atomic uint64_t open_orders;
	_Atomic uint64_t rejects;
	_Atomic uint64_t cancels;
	_Atomic int64_t realized;
	_Atomic int64_t unrealized;
	_Atomic bool input_done;
};

struct engine;

/* A stage poll wrapped so the stage's own thread publishes its gauges at most
 * once a millisecond, and once more when it goes idle or finishes. */
struct gauged {
	core_poll_fn *poll;
	void *ctx;
	void (*publish)(struct engine *e);
	struct engine *e;
	bool dirty;
	uint64_t last_ns;
};

struct engine {
	struct engine_opts o;
	struct core_ring *md, *venue_md, *feat, *intents, *orders, *reports, *persist_ring;
	struct feeds_stage *feeds;
	struct strat_features *features;
	struct strat_model *model;      /* the running model (owned; the decide stage borrows it) */
	char model_name[256];           /* "NAME@VERSION" from the registry, or the file's path */
	struct strat_model *retired[8]; /* replaced models the stage never moved past: freed at exit */
	unsigned nretired;
	struct strat_decide *decide;
	struct risk_stage *risk;
	struct exec_stage *exec;
	struct exec_sim *sim; /* the venue behind exec */
	struct persist *db;
	struct persist_writer *writer;
	struct risk_control ctl;
	struct telemetry tele;
	struct control control;
	bool control_open;
	struct core_hist_pair *hist[ST_COUNT], *t2o;
	struct gauged gauged[ST_COUNT];
	struct gauges g;
	struct core_runner hot[ENGINE_MAX_THREADS];
	unsigned nhot;
	struct core_runner aux;
	_Atomic bool stop;      /* hot threads: stop now (signal) */
	_Atomic bool aux_stop;  /* aux thread: stop now */
	_Atomic bool shutdown;  /* daemon: a stop was requested */
	uint64_t first_order_id;
	struct position restored[256];
	unsigned nrestored;
	bool restored_killed;
	uint64_t run_ns;
};

void engine_opts_default(struct engine_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_orders_book = 1u << 20;
	o->gap_timeout_ms = 2000;
	o->soup_seq = 1;
	snprintf(o->model, sizeof(o->model), "models/default.model");
	o->max_order_qty = 1000;
	o->max_position = 2000;
	o->collar_bps = 100;
	o->venue_latency_ns = 20000;
	snprintf(o->mapping, sizeof(o->mapping), "feeds+features+model+risk+exec");
	for (int i = 0; i < ENGINE_MAX_THREADS; i++)
		o->cpus[i] = -1;
	o->aux_cpu = -1;
	o->idle = CORE_IDLE_SPIN;
	o->spin_limit = 1000;
	o->sleep_ns = 50000;
	o->burst = 8;
	o->ring_capacity = 4096;
}

static int parse_cpus(const char *s, int *cpus, unsigned max, const char *what, char *err,
		      size_t errlen)
{
	unsigned n = 0;
	while (*s) {
		char *end;
		long v = strtol(s, &end, 10);
		if (end == s || v < -1 || v > 4095 || n == max) {
			core_errf(err, errlen,
			          "%s: '%s' is not a list of cpu numbers (-1: unpinned)", what, s);
			return -EINVAL;
		}
		cpus[n++] = (int)v;
		s = end;
		if (*s == ',')
			s++;
	}
	return (int)n;
}

int engine_opts_config(struct engine_opts *o, struct core_config *cfg, char *err, size_t errlen)
{
	int r;
	const char *v;
#define TRY(x)                                                                                      \
	do {                                                                                        \
		if ((r = (x)) < 0)                                                                  \
			return r;                                                                   \
	} while (0)
	if ((v = core_config_get(cfg, "feeds.files"))) {
		/* whitespace-separated paths; they stay owned by cfg */
		static char buf[CORE_CONFIG_MAX_ENTRIES][192];
		static unsigned used;
		char *copy = buf[used++ % CORE_CONFIG_MAX_ENTRIES];
		snprintf(copy, 192, "%s", v);
		o->ninputs = 0;
		for (char *save, *tok = strtok_r(copy, " \t", &save); tok;
		     tok = strtok_r(NULL, " \t", &save)) {
			if (o->ninputs == ENGINE_MAX_INPUTS) {
				core_errf(err, errlen, "%s: key 'feeds.files': more than %d files",
				          cfg->path, ENGINE_MAX_INPUTS);
				return -EINVAL;
			}
			o->inputs[o->ninputs++] = tok;
		}
	}
	if ((v = core_config_get(cfg, "feeds.speed"))) {
		char *end;
		double s = strtod(v, &end);
		if (*end == 'x')
			end++;
		if (!strcmp(v, "realtime"))
			s = 1.0;
		else if (!strcmp(v, "max"))
			s = 0.0;
		else if (end == v || *end || s < 0) {
			core_errf(err, errlen,
			          "%s: key 'feeds.speed': '%s' is not max, realtime or Nx",
			          cfg->path, v);
			return -EINVAL;
		}
		o->speed = s;
	}
	TRY(core_config_u64(cfg, "feeds.max_orders", 1024, 1u << 26, &o->max_orders_book, err,
			    errlen));
	TRY(core_config_str(cfg, "feeds.mold", o->mold, sizeof(o->mold), err, errlen));
	TRY(core_config_str(cfg, "feeds.mold_iface", o->mold_iface, sizeof(o->mold_iface), err,
			    errlen));
	TRY(core_config_str(cfg, "feeds.mold_rerequest", o->mold_rerequest,
			    sizeof(o->mold_rerequest), err, errlen));
	TRY(core_config_u64(cfg, "feeds.gap_timeout_ms", 1, 3600000, &o->gap_timeout_ms, err,
			    errlen));
	TRY(core_config_u64(cfg, "feeds.idle_timeout_ms", 0, 86400000, &o->idle_timeout_ms, err,
			    errlen));
	TRY(core_config_str(cfg, "feeds.soup", o->soup, sizeof(o->soup), err, errlen));
	TRY(core_config_str(cfg, "feeds.soup_user", o->soup_user, sizeof(o->soup_user), err,
			    errlen));
	TRY(core_config_str(cfg, "feeds.soup_password", o->soup_password,
			    sizeof(o->soup_password), err, errlen));
	TRY(core_config_str(cfg, "feeds.soup_session", o->soup_session, sizeof(o->soup_session),
			    err, errlen));
	TRY(core_config_u64(cfg, "feeds.soup_seq", 1, UINT64_MAX, &o->soup_seq, err, errlen));
	if (o->mold[0] && o->soup[0]) {
		core_errf(err, errlen,
		          "%s: keys 'feeds.mold' and 'feeds.soup': one live source at most",
		          cfg->path);
		return -EINVAL;
	}
	TRY(core_config_str(cfg, "strategy.model", o->model, sizeof(o->model), err, errlen));
	TRY(core_config_u64(cfg, "strategy.cooldown_events", 0, 1000000, &o->cooldown_events, err,
			    errlen));
	TRY(core_config_u64(cfg, "risk.max_order_qty", 1, 100000000, &o->max_order_qty, err,
			    errlen));
	TRY(core_config_i64(cfg, "risk.max_position", 0, INT64_MAX / 4, &o->max_position, err,
			    errlen));
	TRY(core_config_u64(cfg, "risk.collar_bps", 1, 10000, &o->collar_bps, err, errlen));
	TRY(core_config_u64(cfg, "exec.venue_latency_ns", 0, 60000000000ull, &o->venue_latency_ns,
			    err, errlen));
	TRY(core_config_str(cfg, "threads.mapping", o->mapping, sizeof(o->mapping), err, errlen));
	if ((v = core_config_get(cfg, "threads.cpus"))) {
		char what[300];
		snprintf(what, sizeof(what), "%s: key 'threads.cpus'", cfg->path);
		TRY(parse_cpus(v, o->cpus, ENGINE_MAX_THREADS, what, err, errlen));
	}
	int64_t aux = o->aux_cpu;
	TRY(core_config_i64(cfg, "threads.aux_cpu", -1, 4095, &aux, err, errlen));
	o->aux_cpu = (int)aux;
	if ((v = core_config_get(cfg, "threads.idle"))) {
		if (!strcmp(v, "spin"))
			o->idle = CORE_IDLE_SPIN;
		else if (!strcmp(v, "yield"))
			o->idle = CORE_IDLE_YIELD;
		else if (!strcmp(v, "sleep"))
			o->idle = CORE_IDLE_SLEEP;
		else {
			core_errf(err, errlen,
			          "%s: key 'threads.idle': '%s' is not spin, yield or sleep",
			          cfg->path, v);
			return -EINVAL;
		}
	}
	TRY(core_config_u64(cfg, "threads.spin_limit", 0, UINT32_MAX, &o->spin_limit, err,
			    errlen));
	TRY(core_config_u64(cfg, "threads.sleep_ns", 1000, 1000000000, &o->sleep_ns, err, errlen));
	TRY(core_config_u64(cfg, "engine.burst", 1, 1024, &o->burst, err, errlen));
	TRY(core_config_u64(cfg, "engine.ring_capacity", 64, 1u << 24, &o->ring_capacity, err,
			    errlen));
	if (o->ring_capacity & (o->ring_capacity - 1)) {
		core_errf(err, errlen,
		          "%s: key 'engine.ring_capacity': %" PRIu64 " is not a power of two",
		          cfg->path, o->ring_capacity);
		return -EINVAL;
	}
	TRY(core_config_str(cfg, "engine.db", o->db, sizeof(o->db), err, errlen));
	TRY(core_config_str(cfg, "engine.hlog", o->hlog, sizeof(o->hlog), err, errlen));
	TRY(core_config_str(cfg, "engine.control_socket", o->control_socket,
			    sizeof(o->control_socket), err, errlen));
	const struct core_config_entry *u = core_config_unused(cfg);
	if (u) {
		core_errf(err, errlen, "%s:%d: unknown key '%s'", cfg->path, u->line, u->key);
		return -EINVAL;
	}
#undef TRY
	return 0;
}

/* ---- gauges ------------------------------------------------------------- */

static void publish_feeds(struct engine *e)
{
	struct feeds_stats st;
	feeds_stage_stats(e->feeds, &st);
	atomic_store_explicit(&e->g.messages, st.total, memory_order_relaxed);
}

static void publish_model(struct engine *e)
{
	struct strat_decide_stats st;
	strat_decide_stats(e->decide, &st);
	atomic_store_explicit(&e->g.intents, st.buys + st.sells, memory_order_relaxed);
}

static void publish_risk(struct engine *e)
{
	struct risk_stats st;
	risk_stage_stats(e->risk, &st);
	atomic_store_explicit(&e->g.rejects, st.rejected, memory_order_relaxed);
}

static void publish_exec(struct engine *e)
{
	struct exec_stats st;
	exec_stage_stats(e->exec, &st);
	atomic_store_explicit(&e->g.orders, st.sent, memory_order_relaxed);
	atomic_store_explicit(&e->g.fills, st.fills, memory_order_relaxed);
	atomic_store_explicit(&e->g.open_orders, st.open_orders + st.inflight,
			      memory_order_relaxed);
	atomic_store_explicit(&e->g.cancels, st.cancels, memory_order_relaxed);
	atomic_store_explicit(&e->g.realized, st.realized_pnl, memory_order_relaxed);
	atomic_store_explicit(&e->g.unrealized, st.unrealized_pnl, memory_order_relaxed);
}

static int gauged_poll(void *arg, uint32_t *ret_work)
{
	struct gauged *g = arg;
	uint32_t work = 0;
	int r = g->poll(g->ctx, &work);
	if (work)
		g->dirty = true;
	if (g->dirty) {
		uint64_t now = core_now_ns();
		if (r != 0 || work == 0 || now - g->last_ns >= 1000000) {
			g->publish(g->e);
			g->dirty = false;
			g->last_ns = now;
		}
	}
	if (r >= 0)
		*ret_work = work;
	return r;
}

/* ---- control ------------------------------------------------------------ */

static void status_latency(struct engine *e, const char *tag, char **p, size_t *left)
{
	const struct core_hist *h = telemetry_total(&e->tele, tag);
	if (!h)
		return;
	int n = snprintf(*p, *left,
			 "latency_%s_ns: count=%" PRId64 " p50=%" PRId64 " p99=%" PRId64
			 " max=%" PRId64 "\n",
			 tag, h->total, core_hist_value_at(h, 50), core_hist_value_at(h, 99),
			 core_hist_max(h));
	if (n > 0 && (size_t)n < *left)
		*p += n, *left -= (size_t)n;
}

/* ---- model registry commands (control thread) --------------------------- */

/* Was a registry entry built for this engine's features (all of them, or the
 * first k: a model over a prefix keeps working when features are appended)? */
static bool schema_ok(uint64_t h)
{
	for (unsigned k = 1; k <= STRAT_FEATURE_COUNT; k++)
		if (h == strat_feature_schema_hash(k))
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
	int k = snprintf(p, left, "running: %s\n%-24s %-8s %-18s %-20s %s\n", e->model_name,
			 "NAME@VERSION", "KIND", "SCHEMA", "CREATED (UTC)", "METRICS");
	for (unsigned i = 0; i < n && k > 0 && (size_t)k < left; i++) {
		p += k, left -= (size_t)k;
		char ref[48], when[32];
		snprintf(ref, sizeof(ref), "%.31s@%u%s", list[i].name, list[i].version,
			 list[i].active ? " *" : "");
		time_t t = (time_t)(list[i].created_ns / 1000000000ull);
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		k = snprintf(p, left, "%-24s %-8s 0x%016" PRIx64 " %-20s %s\n", ref, list[i].kind,
			     list[i].schema, when, list[i].metrics);
	}
	if (r == -ENOSPC && k > 0 && (size_t)k < left)
		snprintf(p + k, left - (size_t)k, "(more than 64 models: first 64 shown)\n");
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
		snprintf(reply, cap, "error: %s: %s\n", path, strerror(errno));
		return -errno;
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

/* "model activate NAME[@VERSION]": load and validate, swap it into the
 * running decision stage (ticks never pause), free the old model once the
 * stage has moved past it, and mark it active in the registry. Anything
 * wrong leaves the running model in place. */
static int model_activate(struct engine *e, const char *ref, char *reply, size_t cap)
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
			 r == -ENOENT ? "no such model" : r == -EIO ? "stored model is corrupt"
								  : strerror(-r),
			 e->model_name);
		return r;
	}
	snprintf(label, sizeof(label), "%s@%u", meta.name, meta.version);
	struct strat_model *m = NULL;
	if (!schema_ok(meta.schema)) {
		core_errf(err, sizeof(err),
		          "%s: built for features 0x%016" PRIx64 ", this engine has "
		          "0x%016" PRIx64,
		          label, meta.schema, strat_feature_schema());
		r = -EINVAL;
	} else {
		/* parsed under its source path: an ensemble's member files are
		 * relative to it */
		char why[300];
		r = strat_model_from_blob(meta.source[0] ? meta.source : label, blob, meta.blob_len, &m,
				    why, sizeof(why));
		if (r < 0)
			core_errf(err, sizeof(err), "%s: %s", label, why);
	}
	free(blob);
	const struct strat_model *old = NULL;
	uint64_t gen = 0;
	if (r == 0)
		r = strat_decide_swap(e->decide, m, &old, &gen, err, sizeof(err));
	if (r < 0) {
		strat_model_free(m);
		snprintf(reply, cap, "error: refused: %s; still running %s\n", err, e->model_name);
		return r;
	}
	/* The stage picks the new model up at its next poll (it polls even when
	 * idle); wait for that before freeing the old one. */
	bool quiet = false;
	for (int i = 0; i < 2000 && !(quiet = strat_decide_quiesced(e->decide, gen)); i++) {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	if (quiet)
		strat_model_free((struct strat_model *)old);
	else if (e->nretired < sizeof(e->retired) / sizeof(e->retired[0]))
		e->retired[e->nretired++] = (struct strat_model *)old; /* freed at exit */
	/* else: leak it rather than free what a stopped stage might still hold */
	e->model = m;
	char was[sizeof(e->model_name)];
	snprintf(was, sizeof(was), "%s", e->model_name);
	snprintf(e->model_name, sizeof(e->model_name), "%s", label);
	r = persist_model_activate(e->db, meta.name, meta.version);
	snprintf(reply, cap, "ok: running %s (was %s)%s\n", label, was,
		 r < 0 ? "; WARNING: could not mark it active in the registry" : "");
	return 0;
}

static int control_handle(void *arg, const char *cmd, char *reply, size_t cap)
{
	struct engine *e = arg;
	if (!strncmp(cmd, "model", 5) && (cmd[5] == ' ' || cmd[5] == '\0')) {
		const char *a = cmd + 5;
		while (*a == ' ')
			a++;
		if (!e->db) {
			snprintf(reply, cap, "error: no model registry: the engine runs without a "
					     "database ([engine] db)\n");
			return -ENOENT;
		}
		if (!strcmp(a, "list"))
			return model_list(e, reply, cap);
		if (!strncmp(a, "add ", 4))
			return model_add(e, a + 4, reply, cap);
		if (!strncmp(a, "activate ", 9))
			return model_activate(e, a + 9, reply, cap);
		snprintf(reply, cap, "error: model commands: list, add NAME FILE [METRICS], "
				     "activate NAME@VERSION\n");
		return -EINVAL;
	}
	if (!strcmp(cmd, "kill")) {
		risk_control_kill(&e->ctl);
		if (e->db)
			persist_set_meta(e->db, "killed", 1);
		snprintf(reply, cap, "ok: killed; new orders refused, open orders being cancelled\n");
		return 0;
	}
	if (!strcmp(cmd, "resume")) {
		risk_control_resume(&e->ctl);
		if (e->db)
			persist_set_meta(e->db, "killed", 0);
		snprintf(reply, cap, "ok: resumed\n");
		return 0;
	}
	if (strcmp(cmd, "status") != 0) {
		snprintf(reply, cap, "error: unknown command '%s' (status, kill, resume)\n", cmd);
		return -EINVAL;
	}
	char *p = reply;
	size_t left = cap;
	int n = snprintf(
		p, left,
		"state: %s\ninput: %s\nmessages: %" PRIu64 "\nintents: %" PRIu64
		"\norders_sent: %" PRIu64 "\nfills: %" PRIu64 "\nopen_orders: %" PRIu64
		"\ncancels: %" PRIu64 "\nrejects: %" PRIu64 "\nrealized_pnl: %.4f\n"
		"unrealized_pnl: %.4f\nmodel: %s\n",
		risk_control_is_killed(&e->ctl) ? "KILLED" : "ACTIVE",
		atomic_load_explicit(&e->g.input_done, memory_order_relaxed) ? "finished" : "running",
		atomic_load_explicit(&e->g.messages, memory_order_relaxed),
		atomic_load_explicit(&e->g.intents, memory_order_relaxed),
		atomic_load_explicit(&e->g.orders, memory_order_relaxed),
		atomic_load_explicit(&e->g.fills, memory_order_relaxed),
		atomic_load_explicit(&e->g.open_orders, memory_order_relaxed),
		atomic_load_explicit(&e->g.cancels, memory_order_relaxed),
		atomic_load_explicit(&e->g.rejects, memory_order_relaxed),
		(double)atomic_load_explicit(&e->g.realized, memory_order_relaxed) / 1e4,
		(double)atomic_load_explicit(&e->g.unrealized, memory_order_relaxed) / 1e4,
		e->model_name);
	if (n > 0 && (size_t)n < left)
		p += n, left -= (size_t)n;
	status_latency(e, "tick_to_order", &p, &left);
	return 0;
}

/* ---- assembly ----------------------------------------------------------- */

/* The registry's active model when the database has one, else [strategy] model. */
static int load_start_model(struct engine *e, char *err, size_t errlen)
{
	if (e->db) {
		struct persist_model_meta meta;
		void *blob;
		int r = persist_model_active(e->db, &meta, &blob);
		if (r == 0) {
			snprintf(e->model_name, sizeof(e->model_name), "%s@%u", meta.name,
				 meta.version);
			char why[300];
			if (!schema_ok(meta.schema)) {
				core_errf(why, sizeof(why),
				          "built for features 0x%016" PRIx64
				          ", this engine has 0x%016" PRIx64,
				          meta.schema, strat_feature_schema());
				r = -EINVAL;
			} else {
				r = strat_model_from_blob(meta.source[0] ? meta.source : e->model_name,
						    blob, meta.blob_len, &e->model, why,
						    sizeof(why));
			}
			free(blob);
			if (r < 0)
				core_errf(err, errlen, "%s: registry's active model %s refused: %s",
				          e->o.db, e->model_name, why);
			return r;
		}
		if (r != -ENOENT) {
			core_errf(err, errlen, "%s: model registry: %s", e->o.db, strerror(-r));
			return r;
		}
	}
	snprintf(e->model_name, sizeof(e->model_name), "%.255s", e->o.model);
	return strat_model_load(e->o.model, &e->model, err, errlen);
}

static int stage_index(const char *name, size_t len)
{
	for (int i = 0; i < ST_COUNT; i++)
		if (strlen(stage_names[i]) == len && !strncmp(stage_names[i], name, len))
			return i;
	return -1;
}

/* "feeds+features,model+risk+exec": ',' separates threads, '+' joins stages.
 * Every stage must appear exactly once; each thread's stages keep pipeline order. */
static int build_mapping(struct engine *e, char *err, size_t errlen)
{
	static core_poll_fn *const polls[ST_COUNT] = {
		feeds_stage_poll, strat_features_poll, strat_decide_poll,
		risk_stage_poll,  exec_stage_poll,
	};
	static void (*const publish[ST_COUNT])(struct engine *) = {
		publish_feeds, NULL, publish_model, publish_risk, publish_exec,
	};
	void *ctxs[ST_COUNT] = { e->feeds, e->features, e->decide, e->risk, e->exec };
	bool seen[ST_COUNT] = { false };
	const char *s = e->o.mapping;
	e->nhot = 0;
	while (*s) {
		if (e->nhot == ENGINE_MAX_THREADS)
			goto bad;
		struct core_runner *r = &e->hot[e->nhot];
		memset(r, 0, sizeof(*r));
		snprintf(r->name, sizeof(r->name), "osprey-hot%u", e->nhot);
		r->cpu = e->o.cpus[e->nhot];
		r->idle = e->o.idle;
		r->spin_limit = (uint32_t)e->o.spin_limit;
		r->sleep_ns = e->o.sleep_ns;
		r->stop = &e->stop;
		int prev = -1;
		for (;;) {
			size_t len = strcspn(s, "+,");
			int idx = stage_index(s, len);
			if (idx < 0 || seen[idx] || idx < prev)
				goto bad;
			seen[idx] = true;
			prev = idx;
			struct gauged *g = &e->gauged[idx];
			*g = (struct gauged){ .poll = polls[idx], .ctx = ctxs[idx], .publish = publish[idx],
					      .e = e };
			r->stages[r->nstages++] = publish[idx] ? (struct core_stage){
				.name = stage_names[idx], .poll = gauged_poll, .ctx = g }
				: (struct core_stage){
				.name = stage_names[idx], .poll = polls[idx], .ctx = ctxs[idx] };
			s += len;
			if (*s != '+')
				break;
			s++;
		}
		e->nhot++;
		if (*s == ',')
			s++;
	}
	for (int i = 0; i < ST_COUNT; i++)
		if (!seen[i])
			goto bad;
	return 0;
bad:
	core_errf(err, errlen,
	          "threads.mapping '%s': list each of feeds, features, model, risk, exec once, in "
	          "pipeline order within a thread, '+' joining stages on one thread and ',' "
	          "separating "
	          "at most %d threads",
	          e->o.mapping, ENGINE_MAX_THREADS);
	return -EINVAL;
}

static int make_rings(struct engine *e)
{
	uint32_t cap = (uint32_t)e->o.ring_capacity;
	e->md = core_ring_create("md", cap, sizeof(struct md_event));
	e->venue_md = core_ring_create("venue-md", cap, sizeof(struct md_event));
	e->feat = core_ring_create("features", cap, sizeof(struct feature_vec));
	e->intents = core_ring_create("intents", cap, sizeof(struct order_intent));
	e->orders = core_ring_create("orders", cap, sizeof(struct order_msg));
	e->reports = core_ring_create("reports", cap, sizeof(struct exec_report));
	e->persist_ring = core_ring_create("persist", cap * 4, sizeof(struct persist_rec));
	if (!e->md || !e->venue_md || !e->feat || !e->intents || !e->orders || !e->reports ||
	    !e->persist_ring)
		return -ENOMEM;
	return 0;
}

static int open_db(struct engine *e, char *err, size_t errlen)
{
	if (!e->o.db[0])
		return 0;
	int r = persist_open(e->o.db, &e->db, err, errlen);
	if (r < 0)
		return r;
	unsigned n = 0;
	r = persist_load_positions(e->db, e->restored, 256, &n);
	if (r < 0) {
		core_errf(err, errlen, "%s: cannot load positions (%s)", e->o.db, strerror(-r));
		return r;
	}
	e->nrestored = n;
	uint64_t next = 1;
	r = persist_next_order_id(e->db, &next);
	if (r < 0) {
		core_errf(err, errlen, "%s: cannot read the next order id (%s)", e->o.db,
		          strerror(-r));
		return r;
	}
	e->first_order_id = next;
	uint64_t killed = 0;
	if (persist_get_meta(e->db, "killed", &killed) == 0 && killed)
		e->restored_killed = true;
	return 0;
}

int engine_create(const struct engine_opts *o, struct engine **ret, char *err, size_t errlen)
{
	int r = -ENOMEM;
	struct engine *e = core_alloc(sizeof(*e), CORE_CACHE_LINE);
	if (!e) {
		core_errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	e->o = *o;
	e->first_order_id = 1;
	atomic_init(&e->stop, false);
	atomic_init(&e->aux_stop, false);
	atomic_init(&e->shutdown, false);
	bool live = o->mold[0] || o->soup[0];
	if (o->ninputs == 0 && !live) {
		core_errf(err, errlen,
		          "no input: give capture files ([feeds] files, or on the command "
		          "line), or a live source ([feeds] mold or soup)");
		r = -EINVAL;
		goto out_destroy;
	}
	if (o->ninputs && live) {
		core_errf(err, errlen, "[feeds]: capture files and a live source (%s) at once",
		          o->mold[0] ? "mold" : "soup");
		r = -EINVAL;
		goto out_destroy;
	}
	if ((r = make_rings(e)) < 0) {
		core_errf(err, errlen, "out of memory for the rings");
		goto out_destroy;
	}
	if ((r = telemetry_init(&e->tele, o->hlog[0] ? o->hlog : NULL, 1000000000ull, err,
				errlen)) < 0)
		goto out_destroy;
	for (int i = 0; i < ST_COUNT; i++)
		if (!(e->hist[i] = telemetry_add(&e->tele, stage_names[i])))
			goto out_nomem;
	if (!(e->t2o = telemetry_add(&e->tele, "tick_to_order")))
		goto out_nomem;
	if ((r = open_db(e, err, errlen)) < 0)
		goto out_destroy;

	/* Only the source is paced by engine.burst. Every stage after it may
	 * consume several times that per poll: a stage that stalled for a round
	 * (risk waiting on the venue, exec waiting on a watermark) must be able
	 * to catch up, or the backlog it built stays in its ring for good and
	 * every later tick pays for it in tick-to-order latency. */
	uint32_t drain = (uint32_t)o->burst * 4;
	if (drain > (uint32_t)o->ring_capacity)
		drain = (uint32_t)o->ring_capacity;
	struct feeds_stage_cfg fc = {
		.paths = o->inputs,
		.npaths = o->ninputs,
		.out = { e->md, e->venue_md },
		.nout = 2,
		.burst = (uint32_t)o->burst,
		.speed = o->speed,
		.max_orders = (uint32_t)o->max_orders_book,
		.hist = e->hist[ST_FEEDS],
	};
	struct feeds_mold_live_cfg mold = {
		.udp = { .bind = o->mold, .iface = o->mold_iface[0] ? o->mold_iface : NULL },
		.rerequest = o->mold_rerequest[0] ? o->mold_rerequest : NULL,
		.seq = { .max_msg = 64, .gap_timeout_ns = o->gap_timeout_ms * 1000000ull },
		.idle_timeout_ns = o->idle_timeout_ms * 1000000ull,
	};
	struct feeds_soup_client_cfg soup = {
		.addr = o->soup,
		.username = o->soup_user,
		.password = o->soup_password,
		.session = o->soup_session,
		.seq = o->soup_seq,
	};
	if (o->mold[0])
		fc.mold = &mold;
	else if (o->soup[0])
		fc.soup = &soup;
	if ((r = feeds_stage_create(&fc, &e->feeds, err, errlen)) < 0)
		goto out_destroy;
	struct strat_features_cfg sc = {
		.in = e->md, .out = e->feat, .burst = drain, .hist = e->hist[ST_FEATURES],
	};
	if ((r = strat_features_create(&sc, &e->features, err, errlen)) < 0)
		goto out_destroy;
	if ((r = load_start_model(e, err, errlen)) < 0)
		goto out_destroy;
	struct strat_decide_cfg dc = {
		.in = e->feat,
		.out = e->intents,
		.model = e->model,
		.burst = drain,
		.cooldown_events = (uint32_t)o->cooldown_events,
		.hist = e->hist[ST_MODEL],
	};
	if ((r = strat_decide_create(&dc, &e->decide, err, errlen)) < 0)
		goto out_destroy;
	risk_control_init(&e->ctl);
	if (e->restored_killed)
		risk_control_kill(&e->ctl);
	struct risk_stage_cfg rc = {
		.intents_in = e->intents,
		.reports_in = e->reports,
		.orders_out = e->orders,
		.limits = { .max_order_qty = (uint32_t)o->max_order_qty,
		            .max_position = o->max_position,
		            .collar_bps = (uint32_t)o->collar_bps },
		.ctl = &e->ctl,
		.first_order_id = e->first_order_id,
		.initial = e->restored,
		.ninitial = e->nrestored,
		.burst = drain,
		.hist = e->hist[ST_RISK],
		.venue_sync = true,
	};
	if ((r = risk_stage_create(&rc, &e->risk, err, errlen)) < 0)
		goto out_destroy;
	struct exec_sim_config vc = { .latency_ns = o->venue_latency_ns };
	if ((r = exec_sim_create(&vc, &e->sim, err, errlen)) < 0)
		goto out_destroy;
	struct exec_config xc = {
		.orders_in = e->orders,
		.md_in = e->venue_md,
		.reports_out = e->reports,
		.persist_out = e->db ? e->persist_ring : NULL,
		.venue = exec_sim_venue(e->sim),
		.burst = drain,
		.hist_exec = e->hist[ST_EXEC],
		.hist_t2o = e->t2o,
		.initial = e->restored,
		.ninitial = e->nrestored,
	};
	if ((r = exec_stage_create(&xc, &e->exec, err, errlen)) < 0)
		goto out_destroy;
	if (e->db) {
		struct core_ring *in[1] = { e->persist_ring };
		struct persist_writer_cfg wc = { .db = e->db, .in = in, .nin = 1 };
		if ((r = persist_writer_create(&wc, &e->writer, err, errlen)) < 0)
			goto out_destroy;
	}
	if ((r = build_mapping(e, err, errlen)) < 0)
		goto out_destroy;
	if (o->control_socket[0]) {
		if ((r = control_open(&e->control, o->control_socket, control_handle, e, err,
				      errlen)) < 0)
			goto out_destroy;
		e->control_open = true;
	}
	*ret = e;
	return 0;
out_nomem:
	r = -ENOMEM;
	core_errf(err, errlen, "out of memory for the latency histograms");
out_destroy:
	engine_destroy(e);
	return r;
}

void engine_request_stop(struct engine *e)
{
	/* async-signal-safe: lock-free atomic stores only (relaxed: flags carry no data) */
	atomic_store_explicit(&e->shutdown, true, memory_order_relaxed);
	atomic_store_explicit(&e->stop, true, memory_order_relaxed);
}

int engine_run(struct engine *e, char *err, size_t errlen)
{
	int r;
	struct core_runner *aux = &e->aux;
	memset(aux, 0, sizeof(*aux));
	snprintf(aux->name, sizeof(aux->name), "osprey-aux");
	aux->cpu = e->o.aux_cpu;
	aux->idle = CORE_IDLE_SLEEP; /* the aux thread never spins */
	aux->spin_limit = 0;
	aux->sleep_ns = 200000;
	aux->stop = &e->aux_stop;
	if (e->writer)
		aux->stages[aux->nstages++] =
			(struct core_stage){ "persist", persist_writer_poll, e->writer };
	aux->stages[aux->nstages++] = (struct core_stage){ "telemetry", telemetry_poll, &e->tele };
	if (e->control_open)
		aux->stages[aux->nstages++] =
			(struct core_stage){ "control", control_poll, &e->control };
	if ((r = core_runner_start(aux)) < 0) {
		core_errf(err, errlen, "cannot start the aux thread: %s", strerror(-r));
		return r;
	}
	uint64_t t0 = core_now_ns();
	unsigned started = 0;
	for (; started < e->nhot; started++)
		if ((r = core_runner_start(&e->hot[started])) < 0) {
			core_errf(err, errlen, "cannot start hot thread %u: %s", started,
			          strerror(-r));
			atomic_store_explicit(&e->stop, true, memory_order_relaxed);
			break;
		}
	int hot_result = 0;
	for (unsigned i = 0; i < started; i++) {
		int hr = core_runner_join(&e->hot[i]);
		if (hr < 0 && !hot_result) {
			hot_result = hr;
			/* one hot thread failed: the others must not wait for it */
			atomic_store_explicit(&e->stop, true, memory_order_relaxed);
		}
	}
	e->run_ns = core_now_ns() - t0;
	atomic_store_explicit(&e->g.input_done, true, memory_order_relaxed);
	/* Publish final gauges: the hot threads are joined, their stats are ours. */
	publish_feeds(e);
	publish_model(e);
	publish_risk(e);
	publish_exec(e);
	if (hot_result < 0) {
		const char *fe = feeds_stage_error(e->feeds);
		core_errf(err, errlen, "%s", fe && *fe ? fe : strerror(-hot_result));
	}
	/* daemon: keep serving osprey-ctl until a stop request */
	while (e->o.stay_up && !hot_result &&
	       !atomic_load_explicit(&e->shutdown, memory_order_relaxed)) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	/* Stopped early: the exec stage never sent PERSIST_EOS, so we do (exec's
	 * thread is joined; we are the persist ring's producer now). */
	struct exec_stats xs;
	exec_stage_stats(e->exec, &xs);
	if (e->writer && !xs.eof) {
		struct persist_rec eos = { .kind = PERSIST_EOS };
		while (core_ring_push(e->persist_ring, &eos) == CORE_RING_FULL) {
			struct timespec ts = { 0, 1000000 };
			nanosleep(&ts, NULL);
		}
	}
	atomic_store_explicit(&e->tele.finish, true, memory_order_relaxed);
	atomic_store_explicit(&e->control.finish, true, memory_order_relaxed);
	r = core_runner_join(aux);
	if (r < 0 && !hot_result) {
		core_errf(err, errlen, "persistence failed: %s",
		          e->writer ? persist_writer_error(e->writer) : strerror(-r));
		return r;
	}
	telemetry_finish(&e->tele);
	return hot_result;
}

/* ---- reports ------------------------------------------------------------ */

static void json_hist(FILE *f, const char *name, const struct core_hist *h, bool comma)
{
	fprintf(f,
		"\"%s\":{\"count\":%" PRId64 ",\"p50\":%" PRId64 ",\"p90\":%" PRId64
		",\"p99\":%" PRId64 ",\"p999\":%" PRId64 ",\"max\":%" PRId64 "}%s",
		name, h->total, core_hist_value_at(h, 50), core_hist_value_at(h, 90),
		core_hist_value_at(h, 99), core_hist_value_at(h, 99.9), core_hist_max(h),
		comma ? "," : "");
}

static const char *symbol_of(struct engine *e, uint16_t locate, char *buf, size_t cap)
{
	const char *s = feeds_stage_symbol(e->feeds, locate);
	if (s && *s)
		return s;
	snprintf(buf, cap, "locate%u", locate);
	return buf;
}

void engine_result(struct engine *e, struct engine_result *ret)
{
	struct feeds_stats fs;
	struct strat_decide_stats ds;
	struct risk_stats rs;
	struct exec_stats xs;
	feeds_stage_stats(e->feeds, &fs);
	strat_decide_stats(e->decide, &ds);
	risk_stage_stats(e->risk, &rs);
	exec_stage_stats(e->exec, &xs);
	memset(ret, 0, sizeof(*ret));
	ret->messages = fs.total;
	ret->intents = ds.buys + ds.sells;
	ret->orders = xs.sent;
	ret->fills = xs.fills;
	ret->rejects = rs.rejected;
	ret->order_hash = xs.hash;
	ret->realized_pnl = xs.realized_pnl;
	ret->unrealized_pnl = xs.unrealized_pnl;
	struct position pos[256];
	unsigned n = exec_stage_positions(e->exec, pos, 256);
	ret->positions_agree = true;
	for (unsigned i = 0; i < n; i++) {
		ret->position_sum += pos[i].qty;
		/* risk's view is built only from the fill reports exec sent it */
		struct risk_position rp;
		risk_stage_position(e->risk, pos[i].locate, &rp);
		if (rp.position != pos[i].qty)
			ret->positions_agree = false;
	}
}

void engine_report(struct engine *e, FILE *f, bool json)
{
	struct feeds_stats fs;
	struct strat_decide_stats ds;
	struct risk_stats rs;
	struct exec_stats xs;
	feeds_stage_stats(e->feeds, &fs);
	strat_decide_stats(e->decide, &ds);
	risk_stage_stats(e->risk, &rs);
	exec_stage_stats(e->exec, &xs);
	const char *tags[] = { "feeds", "features", "model", "risk", "exec", "tick_to_order" };
	double secs = (double)e->run_ns / 1e9;
	struct position pos[256];
	unsigned npos = exec_stage_positions(e->exec, pos, 256);
	char sym[32];

	if (json) {
		fprintf(f, "{\"messages\":%" PRIu64 ",\"seconds\":%.6f,\"messages_per_sec\":%.0f,",
			fs.total, secs, secs > 0 ? (double)fs.total / secs : 0.0);
		fprintf(f, "\"model\":\"");
		for (const char *c = e->model_name; *c; c++) /* JSON string: escape */
			fprintf(f, *c == '"' || *c == '\\' ? "\\%c" : (unsigned char)*c < 0x20 ? "?" : "%c",
				*c);
		fprintf(f, "\",\"regime_switches\":%" PRIu64 ",", ds.regime_switches);
		fprintf(f, "\"intents\":%" PRIu64 ",\"orders\":%" PRIu64 ",\"fills\":%" PRIu64
			   ",\"filled_qty\":%" PRIu64 ",\"cancels\":%" PRIu64 ",\"rejects\":%" PRIu64
			   ",",
			ds.buys + ds.sells, xs.sent, xs.fills, xs.filled_qty, xs.cancels, rs.rejected);
		fprintf(f, "\"rejects_by_reason\":{");
		bool first = true;
		for (int i = 1; i < RISK_R_COUNT; i++) {
			fprintf(f, "%s\"%s\":%" PRIu64, first ? "" : ",", risk_reason_name(i),
				rs.rejects[i]);
			first = false;
		}
		fprintf(f, "},\"feed\":{\"gap_events\":%" PRIu64 ",\"mold_gaps\":%" PRIu64
			   ",\"recovered\":%" PRIu64 ",\"lost_gaps\":%" PRIu64
			   ",\"lost_messages\":%" PRIu64 ",\"last_loss\":\"",
			fs.gap_events, fs.mold.gaps, fs.mold.recovered, fs.mold.lost_gaps,
			fs.mold.lost_messages);
		for (const char *c = fs.mold.last_loss; *c; c++) /* JSON string: escape */
			fprintf(f, *c == '"' || *c == '\\' ? "\\%c" : (unsigned char)*c < 0x20 ? "?" : "%c",
				*c);
		fprintf(f, "\"},\"positions\":{");
		for (unsigned i = 0; i < npos; i++)
			fprintf(f, "%s\"%s\":%" PRId64, i ? "," : "",
				symbol_of(e, pos[i].locate, sym, sizeof(sym)), pos[i].qty);
		fprintf(f, "},\"realized_pnl\":%.4f,\"unrealized_pnl\":%.4f,\"order_hash\":\"%016" PRIx64
			   "\",\"latency_ns\":{",
			(double)xs.realized_pnl / 1e4, (double)xs.unrealized_pnl / 1e4, xs.hash);
		for (int i = 0; i < 6; i++)
			json_hist(f, tags[i], telemetry_total(&e->tele, tags[i]), i < 5);
		fprintf(f, "},");
		json_hist(f, "tick_to_order_ns", telemetry_total(&e->tele, "tick_to_order"), false);
		fprintf(f, "}\n");
		return;
	}
	fprintf(f, "\nLatency (ns)        count        p50        p90        p99      p99.9        max\n");
	for (int i = 0; i < 6; i++) {
		const struct core_hist *h = telemetry_total(&e->tele, tags[i]);
		fprintf(f, "%-14s %10" PRId64 " %10" PRId64 " %10" PRId64 " %10" PRId64 " %10" PRId64
			   " %10" PRId64 "\n",
			tags[i], h->total, core_hist_value_at(h, 50), core_hist_value_at(h, 90),
			core_hist_value_at(h, 99), core_hist_value_at(h, 99.9), core_hist_max(h));
	}
	fprintf(f, "(per stage: processing time per message; tick_to_order: gateway send minus t0)\n");
	fprintf(f, "\nTrading summary\n");
	fprintf(f, "  messages       %" PRIu64 " in %.3f s (%.2f M msg/s)\n", fs.total, secs,
		secs > 0 ? (double)fs.total / secs / 1e6 : 0.0);
	if (fs.mold.packets || fs.gap_events) {
		fprintf(f, "  moldudp64      %" PRIu64 " gaps, %" PRIu64 " messages recovered by "
			   "re-request, %" PRIu64 " lost in %" PRIu64 " gaps given up, %" PRIu64
			   " packets beyond the reorder window\n",
			fs.mold.gaps, fs.mold.recovered, fs.mold.lost_messages, fs.mold.lost_gaps,
			fs.mold.overflow);
		if (fs.mold.last_loss[0])
			fprintf(f, "  last loss      %s\n", fs.mold.last_loss);
	}
	fprintf(f, "  model          %s", e->model_name);
	if (strat_model_ensemble(e->model))
		fprintf(f, " (ensemble of %u, %" PRIu64 " regime switches)",
			strat_ensemble_members(strat_model_ensemble(e->model)), ds.regime_switches);
	fprintf(f, "\n  intents        %" PRIu64 "\n", ds.buys + ds.sells);
	fprintf(f, "  orders sent    %" PRIu64 "\n", xs.sent);
	fprintf(f, "  fills          %" PRIu64 " (%" PRIu64 " shares)\n", xs.fills, xs.filled_qty);
	fprintf(f, "  cancels        %" PRIu64 "\n", xs.cancels);
	fprintf(f, "  open orders    %" PRIu64 "\n", xs.open_orders);
	fprintf(f, "  risk rejects   %" PRIu64 "\n", rs.rejected);
	for (int i = 1; i < RISK_R_COUNT; i++)
		if (rs.rejects[i])
			fprintf(f, "    %-12s %" PRIu64 "\n", risk_reason_name(i), rs.rejects[i]);
	fprintf(f, "  positions\n");
	if (npos == 0)
		fprintf(f, "    (flat)\n");
	for (unsigned i = 0; i < npos; i++)
		fprintf(f, "    %-8s %10" PRId64 " shares  realized %.4f  unrealized %.4f\n",
			symbol_of(e, pos[i].locate, sym, sizeof(sym)), pos[i].qty,
			(double)pos[i].realized_pnl / 1e4,
			(double)exec_stage_unrealized(e->exec, pos[i].locate) / 1e4);
	fprintf(f, "  realized P&L   %.4f\n", (double)xs.realized_pnl / 1e4);
	fprintf(f, "  unrealized P&L %.4f\n", (double)xs.unrealized_pnl / 1e4);
	fprintf(f, "  order stream   %016" PRIx64 "\n", xs.hash);
	if (risk_control_is_killed(&e->ctl))
		fprintf(f, "  state          KILLED (osprey-ctl resume to trade again)\n");
}

struct engine *engine_destroy(struct engine *e)
{
	if (!e)
		return NULL;
	if (e->control_open)
		control_close(&e->control);
	e->writer = persist_writer_destroy(e->writer);
	e->exec = exec_stage_destroy(e->exec);
	e->sim = exec_sim_destroy(e->sim);
	e->risk = risk_stage_destroy(e->risk);
	e->decide = strat_decide_destroy(e->decide);
	e->model = strat_model_free(e->model);
	for (unsigned i = 0; i < e->nretired; i++)
		strat_model_free(e->retired[i]);
	e->features = strat_features_destroy(e->features);
	e->feeds = feeds_stage_destroy(e->feeds);
	e->db = persist_close(e->db);
	telemetry_fini(&e->tele);
	core_ring_destroy(e->md);
	core_ring_destroy(e->venue_md);
	core_ring_destroy(e->feat);
	core_ring_destroy(e->intents);
	core_ring_destroy(e->orders);
	core_ring_destroy(e->reports);
	core_ring_destroy(e->persist_ring);
	core_free(e);
	return NULL;
}
