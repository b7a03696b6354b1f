/*
 * engine_risk.c - the operator's risk commands and what makes them last:
 *
 *   mode active|reducing|halted [SYMBOL]   global, or one instrument
 *   flatten [SYMBOL]                       close every position, or one
 *   limits                                 every limit, its value and its use
 *   set KEY VALUE                          change one limit (risk_limits_set)
 *   restrict SYMBOL / allow SYMBOL         the restricted list
 *
 * Every change is checked before it is applied (a bad key or value is refused
 * with the reason), applied atomically (risk_control_*), appended to the
 * audit log (UTC time, the caller's uid, old and new value) and, with a
 * database, stored (meta "risk_overrides": the operator's sets and restricted
 * list, applied over the configuration at the next start).
 *
 * Threads: the commands run on the control thread and own e->restricted_now;
 * engine__on_symbol runs on the feeds thread and reads only e->o.restricted,
 * the list at start (configuration, then the stored overrides), which nothing
 * changes during the run; both call risk_control_restrict, an atomic
 * read-modify-write.
 */
#define _GNU_SOURCE
#include "engine_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define OVERRIDES_KEY "risk_overrides"

/* ------------------------------------------------------------------------- */
/* The restricted list: "SYM,SYM,..." from [risk] restricted and the stored
 * overrides, resolved as the feed's directory names each symbol. */

static bool in_list(const char *list, const char *sym)
{
	size_t n = strlen(sym);
	for (const char *p = list; *p;) {
		size_t k = strcspn(p, ", ");
		if (k == n && !memcmp(p, sym, n))
			return true;
		p += k;
		p += strspn(p, ", ");
	}
	return false;
}

void engine__on_symbol(void *arg, uint16_t locate, const char *symbol)
{
	struct engine *e = arg;
	if (e->o.restricted[0] && in_list(e->o.restricted, symbol))
		risk_control_restrict(&e->ctl, locate, true);
}

/* Add or remove sym in the comma-separated list buf (cap bytes). */
static int list_set(char *buf, size_t cap, const char *sym, bool present)
{
	char out[sizeof(((struct engine *)0)->restricted_now)] = "";
	size_t n = strlen(sym);
	bool found = false;
	for (const char *p = buf; *p;) {
		size_t k = strcspn(p, ", ");
		bool match = k == n && !memcmp(p, sym, n);
		found |= match;
		if (k && !(match && !present)) {
			size_t len = strlen(out);
			if (len + k + 2 > sizeof(out))
				return -ENOSPC;
			snprintf(out + len, sizeof(out) - len, "%s%.*s", len ? "," : "", (int)k, p);
		}
		p += k;
		p += strspn(p, ", ");
	}
	if (present && !found) {
		size_t len = strlen(out);
		if (len + n + 2 > sizeof(out))
			return -ENOSPC;
		snprintf(out + len, sizeof(out) - len, "%s%s", len ? "," : "", sym);
	}
	if (strlen(out) + 1 > cap)
		return -ENOSPC;
	memcpy(buf, out, strlen(out) + 1);
	return 0;
}

/* ------------------------------------------------------------------------- */
/* Overrides: "set KEY VALUE\n" lines (the last per key) and one
 * "restricted LIST\n" line, stored as one meta blob. */

struct overrides {
	char text[4096];
};

static void overrides_build(struct engine *e, struct overrides *ov)
{
	/* every limit that differs from the configuration as loaded */
	size_t n = 0;
	ov->text[0] = '\0';
	struct risk_limits cur;
	risk_control_limits(&e->ctl, &cur);
	for (unsigned i = 0; risk_limits_key(i); i++) {
		char now[64], cfg[64];
		risk_limits_format(&cur, risk_limits_key(i), now, sizeof(now));
		risk_limits_format(&e->risk_config, risk_limits_key(i), cfg, sizeof(cfg));
		if (strcmp(now, cfg) && n < sizeof(ov->text))
			n += (size_t)snprintf(ov->text + n, sizeof(ov->text) - n, "set %s %s\n",
			                      risk_limits_key(i), now);
	}
	if (n < sizeof(ov->text))
		snprintf(ov->text + n, sizeof(ov->text) - n, "restricted %s\n", e->restricted_now);
}

static int overrides_store(struct engine *e)
{
	if (!e->db)
		return 0;
	struct overrides ov;
	overrides_build(e, &ov);
	return persist_set_meta_blob(e->db, OVERRIDES_KEY, ov.text, strlen(ov.text));
}

int engine__load_overrides(struct engine *e, char *err, size_t errlen)
{
	e->risk_config = e->o.risk;
	if (!e->db)
		return 0;
	struct overrides ov;
	size_t len = 0;
	int r = persist_get_meta_blob(e->db, OVERRIDES_KEY, ov.text, sizeof(ov.text) - 1, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		core_errf(err, errlen, "%s: cannot read the operator's risk overrides (%s)", e->o.db,
		          strerror(-r));
		return r;
	}
	ov.text[len] = '\0';
	struct risk_limits l = e->o.risk;
	int line = 0;
	for (char *p = ov.text, *nl; *p; p = nl + 1) {
		line++;
		nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = '\0';
		char key[64], value[512] = "";
		char why[200];
		if (sscanf(p, "set %63s %511s", key, value) == 2) {
			if (risk_limits_parse(&l, key, value, why, sizeof(why)) < 0) {
				core_errf(err, errlen, "%s: meta %s line %d: set %s: %s", e->o.db,
				          OVERRIDES_KEY, line, key, why);
				return -EINVAL;
			}
		} else if (!strncmp(p, "restricted ", 11)) {
			snprintf(e->o.restricted, sizeof(e->o.restricted), "%s", p + 11);
		} else {
			core_errf(err, errlen, "%s: meta %s line %d: '%.40s' is not an override",
			          e->o.db, OVERRIDES_KEY, line, p);
			return -EINVAL;
		}
	}
	char why[200];
	if (risk_limits_check(&l, why, sizeof(why)) < 0) {
		core_errf(err, errlen, "%s: the stored risk overrides over the configuration: %s",
		          e->o.db, why);
		return -EINVAL;
	}
	e->o.risk = l;
	return 0;
}

int engine__open_audit(struct engine *e, char *err, size_t errlen)
{
	snprintf(e->restricted_now, sizeof(e->restricted_now), "%s", e->o.restricted);
	char path[ENGINE_PATH_MAX + 16];
	if (e->o.audit_log[0])
		snprintf(path, sizeof(path), "%s", e->o.audit_log);
	else if (e->o.db[0])
		snprintf(path, sizeof(path), "%s/audit.log", e->o.db);
	else
		return 0; /* nowhere to keep it: changes are still answered and counted */
	if (!(e->audit = fopen(path, "ae"))) {
		int r = -errno;
		core_errf(err, errlen, "%s: cannot open the audit log (%s)", path, strerror(errno));
		return r;
	}
	return 0;
}

/* ------------------------------------------------------------------------- */
/* The audit log: one line per change, appended and flushed, each also an
 * alert when [alerts] is set (its event: what's first word). */

static const char *audit_severity(const char *event, const char *new_)
{
	if (!strcmp(event, "kill"))
		return "critical";
	if (!strcmp(event, "control_refused") || strstr(new_, "halted"))
		return "warning";
	return "info";
}

void engine__audit(struct engine *e, uid_t uid, const char *what, const char *old,
		  const char *new_)
{
	if (e->alerts) { /* event: what's first word; the text: the rest, old -> new */
		size_t w = strcspn(what, " ");
		char event[16];
		snprintf(event, sizeof(event), "%.*s", (int)w, what);
		const char *rest = what[w] ? what + w + 1 : "";
		alerts_event(e->alerts, event, audit_severity(event, new_), "%s%s%s -> %s (uid %u)",
		             rest, rest[0] ? ": " : "", old, new_, (unsigned)uid);
	}
	if (!e->audit)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char when[32];
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(e->audit, "%s.%06ldZ uid=%u %s old=%s new=%s\n", when, ts.tv_nsec / 1000,
	        (unsigned)uid, what, old, new_);
	fflush(e->audit);
}

/* ------------------------------------------------------------------------- */
/* Commands. */

static int locate_of(struct engine *e, const char *sym, char *reply, size_t cap)
{
	int loc = e->feeds ? feeds_books_find(feeds_stage_books(e->feeds), sym) : -ENOENT;
	if (loc < 0)
		snprintf(reply, cap, "error: no instrument '%s' in the feed's directory (yet)\n",
		         sym);
	return loc;
}

static const char *mode_name(unsigned m)
{
	return m == RISK_MODE_ACTIVE ? "active" : m == RISK_MODE_REDUCING ? "reducing" : "halted";
}

static int mode_cmd(struct engine *e, uid_t uid, const char *args, char *reply, size_t cap)
{
	char m[16] = "", sym[16] = "";
	int n = sscanf(args, "%15s %15s", m, sym);
	enum risk_mode mode = !strcmp(m, "active")     ? RISK_MODE_ACTIVE
	                      : !strcmp(m, "reducing") ? RISK_MODE_REDUCING
	                      : !strcmp(m, "halted")   ? RISK_MODE_HALTED
	                                               : (enum risk_mode)-1;
	if (n < 1 || (int)mode < 0) {
		snprintf(reply, cap, "error: mode active|reducing|halted [SYMBOL]\n");
		return -EINVAL;
	}
	char what[64];
	if (n == 2) {
		int loc = locate_of(e, sym, reply, cap);
		if (loc < 0)
			return loc;
		const char *old = mode_name(risk_control_inst_mode(&e->ctl, (uint16_t)loc));
		risk_control_set_inst_mode(&e->ctl, (uint16_t)loc, mode);
		snprintf(what, sizeof(what), "mode %s", sym);
		engine__audit(e, uid, what, old, m);
		snprintf(reply, cap, "ok: %s %s (was %s)\n", sym, m, old);
		return 0;
	}
	const char *old = mode_name(risk_control_mode(&e->ctl));
	risk_control_set_mode(&e->ctl, mode);
	engine__audit(e, uid, "mode", old, m);
	snprintf(reply, cap, "ok: mode %s (was %s); breakers acknowledged\n", m, old);
	return 0;
}

static int flatten_cmd(struct engine *e, uid_t uid, const char *args, char *reply, size_t cap)
{
	char sym[16] = "";
	if (sscanf(args, "%15s", sym) == 1) {
		int loc = locate_of(e, sym, reply, cap);
		if (loc < 0)
			return loc;
		if (risk_control_flatten_inst(&e->ctl, (uint16_t)loc) < 0) {
			snprintf(reply, cap, "error: %d flatten requests wait already; ask again\n",
			         RISK_FLATTEN_Q);
			return -EAGAIN;
		}
		char what[64];
		snprintf(what, sizeof(what), "flatten %s", sym);
		engine__audit(e, uid, what, "-", "requested");
		snprintf(reply, cap, "ok: closing the position in %s\n", sym);
		return 0;
	}
	risk_control_flatten(&e->ctl);
	engine__audit(e, uid, "flatten", "-", "requested");
	snprintf(reply, cap, "ok: closing every position\n");
	return 0;
}

static void money(char *buf, size_t cap, int64_t v)
{
	snprintf(buf, cap, "%s%" PRId64 ".%04" PRId64, v < 0 ? "-" : "", (v < 0 ? -v : v) / 10000,
	         (v < 0 ? -v : v) % 10000);
}

static int limits_cmd(struct engine *e, char *reply, size_t cap)
{
	struct risk_limits l;
	risk_control_limits(&e->ctl, &l);
	char *p = reply;
	size_t left = cap;
	const struct engine_gauges *g = &e->g;
	char a[32], b[32], c[32], d[32];
	int64_t gross = atomic_load_explicit(&g->risk_gross, memory_order_relaxed);
	int64_t nl = atomic_load_explicit(&g->risk_net_long, memory_order_relaxed);
	int64_t ns = atomic_load_explicit(&g->risk_net_short, memory_order_relaxed);
	int64_t used = atomic_load_explicit(&g->risk_capital_used, memory_order_relaxed);
	for (unsigned i = 0; risk_limits_key(i); i++) {
		char v[64];
		const char *k = risk_limits_key(i);
		risk_limits_format(&l, k, v, sizeof(v));
		char use[64] = "";
		if (!strcmp(k, "max_gross_notional"))
			money(use, sizeof(use), gross);
		else if (!strcmp(k, "max_net_notional"))
			money(use, sizeof(use), nl > -ns ? nl : -ns);
		else if (!strcmp(k, "capital"))
			money(use, sizeof(use), used);
		else if (!strcmp(k, "daily_loss_limit"))
			money(use, sizeof(use),
			      -atomic_load_explicit(&g->risk_pnl, memory_order_relaxed));
		else if (!strcmp(k, "drawdown_tiers"))
			money(use, sizeof(use),
			      atomic_load_explicit(&g->risk_drawdown, memory_order_relaxed));
		reply_add(&p, &left, "%-24s %-14s%s%s\n", k, v, use[0] ? " in use " : "", use);
	}
	money(a, sizeof(a), atomic_load_explicit(&g->risk_pnl, memory_order_relaxed));
	money(b, sizeof(b), atomic_load_explicit(&g->risk_fees, memory_order_relaxed));
	money(c, sizeof(c), atomic_load_explicit(&g->risk_drawdown, memory_order_relaxed));
	money(d, sizeof(d), atomic_load_explicit(&g->risk_max_drawdown, memory_order_relaxed));
	reply_add(&p, &left,
	          "mode %s, breaker tier %u, pnl %s (fees %s), drawdown %s (max %s)\n"
	          "restricted: %s\n",
	          mode_name(risk_control_mode(&e->ctl)),
	          atomic_load_explicit(&g->risk_tier, memory_order_relaxed), a, b, c, d,
	          e->restricted_now[0] ? e->restricted_now : "(none)");
	return 0;
}

static int set_cmd(struct engine *e, uid_t uid, const char *args, char *reply, size_t cap)
{
	char key[64] = "", value[64] = "";
	if (sscanf(args, "%63s %63s", key, value) != 2) {
		snprintf(reply, cap, "error: set KEY VALUE (osprey-ctl limits lists the keys)\n");
		return -EINVAL;
	}
	struct risk_limits l;
	risk_control_limits(&e->ctl, &l);
	char old[64], why[200];
	if (risk_limits_format(&l, key, old, sizeof(old)) < 0)
		snprintf(old, sizeof(old), "?");
	int r = risk_limits_set(&l, key, value, why, sizeof(why));
	if (r == 0)
		r = risk_control_set_limits(&e->ctl, &l, why, sizeof(why));
	if (r < 0) {
		snprintf(reply, cap, "error: %s\n", why);
		return r;
	}
	char now[64], what[80];
	risk_limits_format(&l, key, now, sizeof(now));
	snprintf(what, sizeof(what), "set %s", key);
	engine__audit(e, uid, what, old, now);
	r = overrides_store(e);
	snprintf(reply, cap, "ok: %s = %s (was %s)%s\n", key, now, old,
	         r < 0 ? "; NOT stored: the database refused it" : "");
	return 0;
}

static int restrict_cmd(struct engine *e, uid_t uid, const char *args, bool on, char *reply,
			size_t cap)
{
	char sym[16] = "";
	if (sscanf(args, "%15s", sym) != 1) {
		snprintf(reply, cap, "error: %s SYMBOL\n", on ? "restrict" : "allow");
		return -EINVAL;
	}
	int loc = locate_of(e, sym, reply, cap);
	if (loc < 0)
		return loc;
	bool was = risk_control_is_restricted(&e->ctl, (uint16_t)loc);
	if (list_set(e->restricted_now, sizeof(e->restricted_now), sym, on) < 0) {
		snprintf(reply, cap, "error: the restricted list is full\n");
		return -ENOSPC;
	}
	risk_control_restrict(&e->ctl, (uint16_t)loc, on);
	char what[64];
	snprintf(what, sizeof(what), "%s %s", on ? "restrict" : "allow", sym);
	engine__audit(e, uid, what, was ? "restricted" : "allowed", on ? "restricted" : "allowed");
	int r = overrides_store(e);
	snprintf(reply, cap, "ok: %s %s%s\n", sym, on ? "restricted" : "allowed",
	         r < 0 ? "; NOT stored: the database refused it" : "");
	return 0;
}

/* Returns 1 if cmd is not a risk command. */
int engine__risk_command(struct engine *e, uid_t uid, const char *cmd, char *reply, size_t cap)
{
	if (!strncmp(cmd, "mode ", 5))
		return mode_cmd(e, uid, cmd + 5, reply, cap);
	if (!strcmp(cmd, "flatten") || !strncmp(cmd, "flatten ", 8))
		return flatten_cmd(e, uid, cmd + 7, reply, cap);
	if (!strcmp(cmd, "limits"))
		return limits_cmd(e, reply, cap);
	if (!strncmp(cmd, "set ", 4))
		return set_cmd(e, uid, cmd + 4, reply, cap);
	if (!strncmp(cmd, "restrict ", 9))
		return restrict_cmd(e, uid, cmd + 9, true, reply, cap);
	if (!strncmp(cmd, "allow ", 6))
		return restrict_cmd(e, uid, cmd + 6, false, reply, cap);
	return 1;
}
