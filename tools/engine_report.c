/* engine_report.c - the latency table and trading summary, as text or as one
 * JSON object (json.h); and the result tests compare. Main thread, after
 * engine_run. One file of about 830 lines on purpose: the text summary and
 * the JSON render the same snapshot of the stages (take()), and keeping the
 * snapshot and both renderings in one file is how a fact added to one
 * reaches the other. */
#include "engine_int.h"
#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* The report's latency series: each stage's processing time, then tick-to-order. */
static const char *mode_str(unsigned m)
{
	return m == RISK_MODE_ACTIVE ? "active" : m == RISK_MODE_REDUCING ? "reducing" : "halted";
}

static const char *const series[] = { "feeds", "features",      "model",       "risk",
	                              "exec",  "tick_to_order", "tick_to_wire" };
#define NSERIES (sizeof(series) / sizeof(series[0]))

struct snapshot {
	struct feeds_stats fs;
	struct strat_decide_stats ds;
	struct risk_stats rs;
	struct exec_stats xs;
	struct position pos[256];
	unsigned npos;
	double secs;
	unsigned ndrift; /* features with a drift PSI (0: no reference) */
	uint64_t drift_rows;
	double psi[STRAT_FEATURE_COUNT];
};

static void take(struct engine *e, struct snapshot *s)
{
	feeds_stage_stats(e->feeds, &s->fs);
	strat_decide_stats(e->decide, &s->ds);
	s->ndrift = 0;
	if (e->drift) { /* the stage's own counts: the run is over */
		uint64_t c[STRAT_FEATURE_COUNT][STRAT_DRIFT_BINS];
		strat_decide_drift(e->decide, c, &s->drift_rows);
		s->ndrift = e->drift->nfeatures;
		for (unsigned i = 0; i < s->ndrift; i++)
			s->psi[i] = strat_drift_psi(e->drift, i, c[i]);
	}
	risk_stage_stats(e->risk, &s->rs);
	exec_stage_stats(e->exec, &s->xs);
	s->npos = exec_stage_positions(e->exec, s->pos, 256);
	if (s->npos > 256)
		s->npos = 256;
	s->secs = (double)e->run_ns / 1e9;
}

const char *engine__symbol(struct engine *e, uint16_t locate, char *buf, size_t cap)
{
	const char *s = feeds_stage_symbol(e->feeds, locate);
	if (s && *s)
		return s;
	snprintf(buf, cap, "locate%u", locate);
	return buf;
}

static void json_hist(struct json_out *j, const char *key, const struct core_hist *h)
{
	telemetry_json_hist(j, key, h);
}

/* Regime changes and model swaps, in event time (the decide stage's last
 * STRAT_DECIDE_CHANGES). */
/* Why a regime switch happened, from the detector's inputs and levels, and
 * the profile (agent) the new regime hands the instrument to. */
static void regime_reason(struct engine *e, const struct strat_decide_change *c, char *out,
                          size_t cap)
{
	const struct strat_ensemble *ens = strat_model_ensemble(e->model);
	if (!ens) {
		snprintf(out, cap, "vol_bps %.2f, trend %.2f", c->vol / 65536.0, c->trend / 65536.0);
		return;
	}
	const struct strat_ensemble_cfg *cfg = strat_ensemble_cfg(ens);
	const struct strat_regime_cfg *r = &cfg->regime;
	double vol = c->vol / 65536.0, trend = c->trend / 65536.0;
	int n;
	if (c->to == STRAT_REGIME_VOLATILE)
		n = snprintf(out, cap, "vol_bps %.2f >= vol_enter %.2f", vol, r->vol_enter / 65536.0);
	else if (c->to == STRAT_REGIME_TRENDING)
		n = snprintf(out, cap, "|ema_cross_bps| %.2f >= trend_enter %.2f, vol_bps %.2f below %s %.2f",
		             trend, r->trend_enter / 65536.0, vol,
		             c->from == STRAT_REGIME_VOLATILE ? "vol_exit" : "vol_enter",
		             (c->from == STRAT_REGIME_VOLATILE ? r->vol_exit : r->vol_enter) / 65536.0);
	else
		n = snprintf(out, cap, "vol_bps %.2f and |ema_cross_bps| %.2f below their levels", vol,
		             trend);
	if (n > 0 && (size_t)n < cap)
		snprintf(out + n, cap - (size_t)n, " for %u events: the %s profile", r->dwell,
		         strat_profile_name(cfg->select[c->to]));
}

static void json_timeline(struct json_out *j, struct engine *e)
{
	static struct strat_decide_change ch[STRAT_DECIDE_CHANGES];
	uint64_t total;
	unsigned n = strat_decide_changes(e->decide, ch, STRAT_DECIDE_CHANGES, &total);
	char sym[32];
	json_obj(j, "timeline");
	json_u64(j, "total", total);
	json_arr(j, "events");
	for (unsigned i = 0; i < n; i++) {
		json_obj(j, NULL);
		json_f64(j, "t", (double)ch[i].ts_ns / 1e9, 6);
		if (ch[i].kind == STRAT_CHANGE_SWAP) {
			json_str(j, "kind", "model");
			json_u64(j, "model_id", ch[i].model_id);
		} else {
			json_str(j, "kind", "regime");
			json_str(j, "symbol", engine__symbol(e, ch[i].locate, sym, sizeof(sym)));
			json_str(j, "from", strat_regime_name(ch[i].from));
			json_str(j, "to", strat_regime_name(ch[i].to));
			char why[200];
			regime_reason(e, &ch[i], why, sizeof(why));
			json_str(j, "reason", why);
		}
		json_end(j);
	}
	json_end(j);
	json_end(j);
}

/* Each series' intervals (one a second of wall time): start (s), count, p50,
 * p99 and max (ns), one array each. */
static void json_intervals(struct json_out *j, const struct telemetry *t)
{
	json_obj(j, "latency_intervals");
	for (unsigned i = 0; i < NSERIES; i++) {
		const struct telemetry_series *s = telemetry_series_of(t, series[i]);
		if (s)
			telemetry_json_intervals(j, series[i], s->iv, s->niv, s->iv_lost);
	}
	json_end(j);
}

/* The input files: size and SHA-256 (files up to 4 GiB; larger ones are
 * named with their size only, "sha256": null). */
static void json_inputs(struct json_out *j, const struct engine_opts *o)
{
	json_arr(j, "inputs");
	for (unsigned i = 0; i < o->ninputs; i++) {
		json_obj(j, NULL);
		json_str(j, "path", o->inputs[i]);
		FILE *f = fopen(o->inputs[i], "rb");
		struct stat st;
		if (!f || fstat(fileno(f), &st) < 0) {
			json_str(j, "error", strerror(errno));
			if (f)
				fclose(f);
			json_end(j);
			continue;
		}
		json_u64(j, "bytes", (uint64_t)st.st_size);
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned mdlen = 0;
		EVP_MD_CTX *c = st.st_size <= (4ll << 30) ? EVP_MD_CTX_new() : NULL;
		bool ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL);
		static unsigned char buf[1 << 16];
		size_t n;
		while (ok && (n = fread(buf, 1, sizeof(buf), f)) > 0)
			ok = EVP_DigestUpdate(c, buf, n);
		ok = ok && !ferror(f) && EVP_DigestFinal_ex(c, md, &mdlen);
		EVP_MD_CTX_free(c);
		fclose(f);
		char hex[2 * EVP_MAX_MD_SIZE + 1];
		for (unsigned k = 0; k < mdlen; k++)
			snprintf(hex + 2 * k, 3, "%02x", md[k]);
		if (ok)
			json_str(j, "sha256", hex);
		else
			json_null(j, "sha256");
		json_end(j);
	}
	json_end(j);
}

/* Where and how the run ran: machine, inputs, the settings that shape results. */
static void json_run_info(struct json_out *j, struct engine *e)
{
	const struct engine_opts *o = &e->o;
	json_obj(j, "run_info");
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	json_str(j, "generated", when);
	struct utsname u;
	if (uname(&u) == 0) {
		json_str(j, "host", u.nodename);
		char k[200];
		snprintf(k, sizeof(k), "%s %s %s", u.sysname, u.release, u.machine);
		json_str(j, "kernel", k);
	}
	char cpu[128] = "";
	FILE *ci = fopen("/proc/cpuinfo", "r");
	char line[256];
	while (ci && fgets(line, sizeof(line), ci))
		if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
			snprintf(cpu, sizeof(cpu), "%s", strchr(line, ':') + 2);
			cpu[strcspn(cpu, "\n")] = '\0';
			break;
		}
	if (ci)
		fclose(ci);
	json_str(j, "cpu", cpu);
	json_i64(j, "cpus_online", sysconf(_SC_NPROCESSORS_ONLN));
	json_inputs(j, o);
	json_obj(j, "config");
	json_str(j, "model", o->model);
	json_str(j, "threads", o->mapping);
	json_str(j, "idle", o->idle == CORE_IDLE_SPIN ? "spin" : o->idle == CORE_IDLE_YIELD ? "yield"
	                                                                              : "sleep");
	json_f64(j, "speed", o->speed, 3);
	json_u64(j, "burst", o->burst);
	json_str(j, "gateway", engine__protocol_name(o->protocol));
	json_u64(j, "venue_latency_ns", o->venue_latency_ns);
	json_str(j, "venue_latency", engine__latency_model(e));
	json_fixed4(j, "capital", o->risk.capital);
	json_u64(j, "max_order_qty", o->risk.max_order_qty);
	json_u64(j, "max_position", o->risk.max_position);
	json_fixed4(j, "max_position_notional", o->risk.max_position_notional);
	json_fixed4(j, "fees_per_share", o->risk.fees_per_share);
	json_f64(j, "fees_bps_maker", o->risk.fees_cbps_maker / 100.0, 2);
	json_f64(j, "fees_bps_taker", o->risk.fees_cbps_taker / 100.0, 2);
	json_u64(j, "model_interval_ms", o->model_interval_ms);
	json_bool(j, "flatten_at_end", o->flatten_at_end);
	json_end(j);
	json_end(j);
}

static void recovery_json(struct json_out *j, const struct exec_recovery_stats *rs)
{
	json_obj(j, "recovery");
	json_u64(j, "state", rs->state);
	json_u64(j, "from_seq", rs->from_seq);
	json_u64(j, "restored", rs->restored);
	json_u64(j, "replayed", rs->replayed);
	json_u64(j, "replay_fills", rs->replay_fills);
	json_u64(j, "closed_by_venue", rs->closed_by_venue);
	json_u64(j, "adopted", rs->adopted);
	json_u64(j, "not_at_venue", rs->not_at_venue);
	json_u64(j, "cancelled", rs->cancelled);
	json_u64(j, "unresolved", rs->unresolved);
	json_u64(j, "differences", rs->differences);
	json_end(j);
}

static const char *report_symbol(void *arg, uint16_t locate, char *buf, size_t cap)
{
	return engine__symbol(arg, locate, buf, cap);
}

static void report_json(struct engine *e, const struct snapshot *s, FILE *f)
{
	struct json_out j;
	char sym[32];
	json_begin(&j, f);
	json_u64(&j, "messages", s->fs.total);
	json_f64(&j, "seconds", s->secs, 6);
	json_f64(&j, "messages_per_sec", s->secs > 0 ? (double)s->fs.total / s->secs : 0.0, 0);
	json_str(&j, "model", e->model_name);
	json_u64(&j, "regime_switches", s->ds.regime_switches);
	if (s->ndrift) {
		json_obj(&j, "drift");
		json_u64(&j, "rows", s->drift_rows);
		json_obj(&j, "psi");
		for (unsigned i = 0; i < s->ndrift; i++)
			json_f64(&j, strat_feature_name(i), s->psi[i], 6);
		json_end(&j);
		json_end(&j);
	}
	json_u64(&j, "ensemble_votes", s->ds.votes);
	json_u64(&j, "ensemble_votes_cut", s->ds.votes_cut);
	json_u64(&j, "intents", s->ds.buys + s->ds.sells);
	json_u64(&j, "orders", s->xs.sent);
	json_u64(&j, "fills", s->xs.fills);
	json_u64(&j, "filled_qty", s->xs.filled_qty);
	json_u64(&j, "cancels", s->xs.cancels);
	json_u64(&j, "open_orders", s->xs.open_orders);
	json_u64(&j, "persist_waits", s->xs.persist_waits);
	json_u64(&j, "rejects", s->rs.rejected);
	json_obj(&j, "rejects_by_reason");
	for (unsigned i = 1; i < RISK_R_COUNT; i++)
		json_u64(&j, risk_reason_name(i), s->rs.rejects[i]);
	json_end(&j);
	json_obj(&j, "risk");
	json_fixed4(&j, "pnl", s->rs.pnl);
	json_fixed4(&j, "fees", s->rs.fees);
	json_fixed4(&j, "max_drawdown", s->rs.max_drawdown);
	json_u64(&j, "tier", s->rs.tier);
	json_u64(&j, "scaled", s->rs.scaled);
	json_u64(&j, "cancel_alls", s->rs.cancel_alls);
	struct risk_caps rc;
	risk_model_last(e->model_risk, &rc);
	json_obj(&j, "model");
	json_u64(&j, "instruments", rc.ninst);
	json_u64(&j, "returns", rc.nreturns);
	json_fixed4(&j, "var95_hist", rc.var95_hist);
	json_fixed4(&j, "var99_hist", rc.var99_hist);
	json_fixed4(&j, "es95_hist", rc.es95_hist);
	json_fixed4(&j, "es99_hist", rc.es99_hist);
	json_fixed4(&j, "var95_param", rc.var95_param);
	json_fixed4(&j, "var99_param", rc.var99_param);
	json_fixed4(&j, "es95_param", rc.es95_param);
	json_fixed4(&j, "es99_param", rc.es99_param);
	json_fixed4(&j, "corr_exposure", rc.corr_exposure);
	json_f64(&j, "max_abs_corr", (double)rc.max_abs_corr_ppm / 1e6, 6);
	json_f64(&j, "position_scale", rc.position_ppm / 1e6, 6);
	if (rc.kelly_valid)
		json_f64(&j, "kelly_f", rc.kelly_ppm / 1e6, 6);
	json_u64(&j, "waits", s->rs.model_waits);
	json_end(&j);
	json_obj(&j, "exits");
	static const char *const exit_names[4] = { "stop_loss", "take_profit", "trailing_stop",
		                                   "time" };
	for (unsigned i = 0; i < 4; i++)
		json_u64(&j, exit_names[i], s->rs.exits[i]);
	json_end(&j);
	json_arr(&j, "mode_transitions");
	uint32_t first = s->rs.ntransitions > RISK_TRANSITIONS ? s->rs.ntransitions - RISK_TRANSITIONS
	                                                       : 0;
	for (uint32_t i = first; i < s->rs.ntransitions; i++) {
		const struct risk_transition *t = &s->rs.transitions[i % RISK_TRANSITIONS];
		json_obj(&j, NULL);
		json_u64(&j, "ts_ns", t->ts_ns);
		json_str(&j, "from", mode_str(t->from));
		json_str(&j, "to", mode_str(t->to));
		json_str(&j, "cause", risk_cause_name(t->cause));
		if (t->cause == RISK_CAUSE_FILL_THROTTLE)
			json_str(&j, "symbol", engine__symbol(e, t->locate, sym, sizeof(sym)));
		json_fixed4(&j, "drawdown", t->drawdown);
		json_end(&j);
	}
	json_end(&j);
	json_end(&j);
	json_obj(&j, "feed");
	json_u64(&j, "gap_events", s->fs.gap_events);
	json_u64(&j, "mold_gaps", s->fs.mold.gaps);
	json_u64(&j, "recovered", s->fs.mold.recovered);
	json_u64(&j, "lost_gaps", s->fs.mold.lost_gaps);
	json_u64(&j, "lost_messages", s->fs.mold.lost_messages);
	json_str(&j, "last_loss", s->fs.mold.last_loss);
	if (e->o.fx_base[0]) {
		json_u64(&j, "fx_calls", s->fs.fx_calls);
		json_u64(&j, "fx_bars", s->fs.fx_bars);
		json_u64(&j, "fx_quotes", s->fs.fx_quotes);
		json_u64(&j, "fx_refused", s->fs.fx_errors);
		json_u64(&j, "fx_rate_limited", s->fs.fx_rate_limited);
		json_u64(&j, "fx_failed", s->fs.fx_failures);
	}
	if (e->o.mt5_ticks[0]) {
		json_u64(&j, "mt5_ticks", s->fs.mt5_ticks);
		json_u64(&j, "mt5_bad", s->fs.mt5_bad);
		json_u64(&j, "mt5_unknown", s->fs.mt5_unknown);
		json_str(&j, "mt5_last_bad", s->fs.mt5_last_bad);
	}
	if (e->o.crypto_ws[0]) {
		json_u64(&j, "crypto_messages", s->fs.crypto_messages);
		json_u64(&j, "crypto_opens", s->fs.crypto_opens);
		json_u64(&j, "crypto_links_lost", s->fs.crypto_downs);
		json_u64(&j, "crypto_snapshots", s->fs.crypto_snapshots);
		json_u64(&j, "crypto_snapshot_failures", s->fs.crypto_snapshot_failures);
		json_u64(&j, "crypto_held", s->fs.crypto_held);
		json_u64(&j, "crypto_resyncs", s->fs.crypto_resyncs);
		json_str(&j, "crypto_last_down", s->fs.crypto_last_down);
	}
	json_end(&j);
	json_obj(&j, "positions");
	for (unsigned i = 0; i < s->npos; i++)
		json_i64(&j, engine__symbol(e, s->pos[i].locate, sym, sizeof(sym)), s->pos[i].qty);
	json_end(&j);
	json_fixed4(&j, "realized_pnl", s->xs.realized_pnl);
	json_fixed4(&j, "unrealized_pnl", s->xs.unrealized_pnl);
	char hash[17];
	snprintf(hash, sizeof(hash), "%016" PRIx64, s->xs.hash);
	json_str(&j, "order_hash", hash);
	if (e->writer) { /* read after the aux thread has stopped */
		struct persist_writer_stats ws;
		persist_writer_stats(e->writer, &ws);
		json_obj(&j, "persist");
		json_u64(&j, "records", ws.records);
		json_u64(&j, "txns", ws.txns);
		json_u64(&j, "journal", ws.journal);
		json_u64(&j, "orders", ws.orders);
		json_u64(&j, "positions", ws.positions);
		json_u64(&j, "backlog", ws.backlog);
		json_u64(&j, "backlog_hwm", ws.backlog_hwm);
		json_u64(&j, "map_grows", ws.map_grows);
		json_i64(&j, "error", ws.error);
		json_bool(&j, "eof", ws.eof); /* it read the end: nothing was left in the rings */
		json_end(&j);
	}
	json_bool(&j, "killed", risk_control_is_killed(&e->ctl));
	uint64_t kcmd = atomic_load_explicit(&e->g.kill_cmd_ns, memory_order_relaxed);
	if (kcmd) {
		uint64_t seen = atomic_load_explicit(&e->g.kill_seen_ns, memory_order_relaxed);
		uint64_t sent =
		        atomic_load_explicit(&e->g.cancel_all_sent_ns, memory_order_relaxed);
		uint64_t done =
		        atomic_load_explicit(&e->g.cancel_all_done_ns, memory_order_relaxed);
		json_obj(&j, "kill_ns"); /* from the command */
		json_i64(&j, "orders_blocked", seen >= kcmd ? (int64_t)(seen - kcmd) : -1);
		json_i64(&j, "cancels_sent", sent >= kcmd ? (int64_t)(sent - kcmd) : -1);
		json_i64(&j, "all_answered", done >= kcmd ? (int64_t)(done - kcmd) : -1);
		json_end(&j);
	}
	json_obj(&j, "venue");
	json_str(&j, "protocol", engine__protocol_name(e->o.protocol));
	if (e->fix_gw) {
		struct exec_fix_gw_stats g;
		exec_fix_gw_stats(e->fix_gw, &g);
		json_str(&j, "connect", e->o.connect);
		json_u64(&j, "connects", g.connects);
		json_u64(&j, "disconnects", g.disconnects);
		json_u64(&j, "messages_sent", g.sent);
		json_u64(&j, "rejects_received", g.rejects_received);
		json_u64(&j, "unknown_reports", g.unknown_reports);
		json_u64(&j, "drain_timeouts", g.drain_timeouts);
		json_i64(&j, "send_syscall_p50_ns", g.send_p50_ns);
		json_i64(&j, "send_syscall_p99_ns", g.send_p99_ns);
		json_u64(&j, "adopted", g.adopted);
		json_u64(&j, "status_reports", g.status_reports);
		json_u64(&j, "status_timeouts", g.status_timeouts);
		json_u64(&j, "replay_timeouts", g.replay_timeouts);
		json_u64(&j, "resend_requests_sent", g.session.resend_requests_sent);
		json_str(&j, "last_event", g.reason);
		recovery_json(&j, &g.recovery);
	}
	if (e->ouch_gw) {
		struct exec_ouch_gw_stats g;
		exec_ouch_gw_stats(e->ouch_gw, &g);
		json_str(&j, "connect", e->o.connect);
		json_u64(&j, "logins", g.logins);
		json_u64(&j, "link_downs", g.link_downs);
		json_u64(&j, "enters", g.enters);
		json_u64(&j, "cancels", g.cancels);
		json_u64(&j, "bad_messages", g.bad_messages);
		json_u64(&j, "unknown_reports", g.unknown_reports);
		json_u64(&j, "drain_timeouts", g.drain_timeouts);
		json_u64(&j, "adopted", g.adopted);
		json_str(&j, "last_event", g.reason);
		recovery_json(&j, &g.recovery);
	}
	if (e->mt5_gw) {
		struct exec_mt5_gw_stats g;
		exec_mt5_gw_stats(e->mt5_gw, &g);
		json_str(&j, "commands_to", e->o.mt5_commands);
		json_u64(&j, "commands", g.commands);
		json_u64(&j, "opens", g.opens);
		json_u64(&j, "closes", g.closes);
		json_u64(&j, "snapshots", g.snapshots);
		json_u64(&j, "answers", g.answers);
		json_u64(&j, "lost_answers", g.lost_answers);
		json_u64(&j, "bad_answers", g.bad_answers);
		json_u64(&j, "refusals", g.refusals);
		json_u64(&j, "snapshot_fills", g.snapshot_fills);
		json_u64(&j, "closed_at_market", g.closed_at_market);
		json_u64(&j, "strays", g.strays);
		json_u64(&j, "timeouts", g.timeouts);
		json_u64(&j, "positions", g.positions);
		json_str(&j, "last_refusal", g.last_refusal);
		json_str(&j, "last_bad", g.last_bad);
		json_str(&j, "last_event", g.reason);
	}
	if (e->bn_gw) {
		struct exec_bn_gw_stats g;
		exec_bn_gw_stats(e->bn_gw, &g);
		json_str(&j, "rest", e->o.bn_rest);
		json_u64(&j, "symbols_ready", g.symbols_ready);
		json_u64(&j, "symbols_refused", g.symbols_refused);
		json_u64(&j, "orders", g.orders);
		json_u64(&j, "cancels", g.cancels);
		json_u64(&j, "rejects", g.rejects);
		json_u64(&j, "refused_here", g.invalid + g.no_symbol + g.filtered);
		json_u64(&j, "rest_failures", g.rest_failures);
		json_u64(&j, "stream_opens", g.stream_opens);
		json_u64(&j, "reports", g.reports);
		json_u64(&j, "bad_events", g.bad_events);
		json_u64(&j, "unknown_orders", g.unknown_orders);
		json_u64(&j, "open_orders", g.open_orders);
		json_str(&j, "last_refusal", g.last_msg);
		json_str(&j, "last_bad", g.last_bad);
		json_str(&j, "last_event", g.reason);
	}
	json_end(&j);
	json_obj(&j, "latency_ns");
	for (unsigned i = 0; i < NSERIES; i++)
		json_hist(&j, series[i], telemetry_total(&e->tele, series[i]));
	json_end(&j);
	json_hist(&j, "tick_to_order_ns", telemetry_total(&e->tele, "tick_to_order"));
	json_hist(&j, "tick_to_wire_ns", telemetry_total(&e->tele, "tick_to_wire"));
	json_intervals(&j, &e->tele);
	json_timeline(&j, e);
	json_arr(&j, "hot_cpu_interrupts"); /* device IRQs on a hot thread's cpu during the run */
	for (unsigned i = 0; i < e->nirq_hits && i < ENGINE_IRQ_HITS; i++) {
		json_obj(&j, NULL);
		json_i64(&j, "cpu", e->irq_hits[i].cpu);
		json_str(&j, "irq", e->irq_hits[i].irq);
		json_str(&j, "name", e->irq_hits[i].name);
		json_u64(&j, "count", e->irq_hits[i].count);
		json_end(&j);
	}
	json_end(&j);
	if (!e->backtest_failed)
		backtest_json(e->backtest, &j, report_symbol, e);
	json_run_info(&j, e);
	json_end(&j);
}

const char *engine__latency_model(struct engine *e)
{
	if (!e->latency_model[0])
		snprintf(e->latency_model, sizeof(e->latency_model), "constant %" PRIu64 " ns",
		         e->o.venue_latency_ns);
	return e->latency_model;
}

static void metrics_row(FILE *f, const char *name, const struct backtest_metrics *m)
{
	char pf[16];
	if (isfinite(m->profit_factor))
		snprintf(pf, sizeof(pf), "%.2f", m->profit_factor);
	else
		snprintf(pf, sizeof(pf), "inf");
	fprintf(f,
	        "    %-12s %14.4f %12.4f %7" PRIu64 " %6.1f%% %6s %12.4f %6.3f%% %7.2f %7.2f %6.1f%%\n",
	        name, (double)m->net_pnl / 1e4, (double)m->fees / 1e4, m->trades, 100 * m->win_rate,
	        pf, (double)m->max_drawdown / 1e4, m->max_drawdown_pct, m->sharpe, m->sortino,
	        100 * m->exposure);
}

/* The run's metrics next to the baselines' (backtest.h has the definitions). */
static void backtest_text(struct engine *e, FILE *f)
{
	if (e->backtest_failed) {
		fprintf(f, "  backtest       out of memory computing the metrics\n");
		return;
	}
	struct backtest_metrics m;
	backtest_run_metrics(e->backtest, &m);
	fprintf(f, "  backtest       on %" PRIu64 " closes of %.0f s (event time); baselines filled "
	           "at the mark, taker fees, no impact\n",
	        m.closes, (double)e->o.model_interval_ms / 1e3);
	fprintf(f, "    %-12s %14s %12s %7s %7s %6s %12s %7s %7s %7s %7s\n", "", "net P&L", "fees",
	        "trades", "win", "PF", "max DD", "DD", "Sharpe", "Sortino", "exposed");
	metrics_row(f, "run", &m);
	for (int w = 0; w < BACKTEST_NBASELINES; w++) {
		backtest_baseline_metrics(e->backtest, w, &m);
		metrics_row(f, backtest_baseline_name(w), &m);
	}
}

static void report_text(struct engine *e, const struct snapshot *s, FILE *f)
{
	char sym[32];
	fprintf(f, "\nLatency (ns)        count        p50        p90        p99      p99.9        "
	           "max\n");
	for (unsigned i = 0; i < NSERIES; i++) {
		struct telemetry_summary t;
		telemetry_summarize(telemetry_total(&e->tele, series[i]), &t);
		fprintf(f,
		        "%-14s %10" PRId64 " %10" PRId64 " %10" PRId64 " %10" PRId64 " %10" PRId64
		        " %10" PRId64 "\n",
		        series[i], t.count, t.p50, t.p90, t.p99, t.p999, t.max);
	}
	fprintf(f,
	        "(per stage: processing time per message; tick_to_order: the order handed to the "
	        "venue, minus t0;\n tick_to_wire: its bytes handed to the kernel, minus t0: a "
	        "venue "
	        "on a socket only)\n");
	fprintf(f, "\nTrading summary\n");
	fprintf(f, "  messages       %" PRIu64 " in %.3f s (%.2f M msg/s)\n", s->fs.total, s->secs,
	        s->secs > 0 ? (double)s->fs.total / s->secs / 1e6 : 0.0);
	const struct feeds_mold_stats *m = &s->fs.mold;
	if (m->packets || s->fs.gap_events) {
		fprintf(f,
		        "  moldudp64      %" PRIu64 " gaps, %" PRIu64 " messages recovered by "
		        "re-request, %" PRIu64 " lost in %" PRIu64 " gaps given up, %" PRIu64
		        " packets beyond the reorder window\n",
		        m->gaps, m->recovered, m->lost_messages, m->lost_gaps, m->overflow);
		if (m->last_loss[0])
			fprintf(f, "  last loss      %s\n", m->last_loss);
	}
	if (e->o.fx_base[0])
		fprintf(f,
		        "  forex          %" PRIu64 " calls to Alpha Vantage: %" PRIu64 " bars, %" PRIu64
		        " quotes; %" PRIu64 " refused, %" PRIu64 " rate-limited, %" PRIu64 " failed\n",
		        s->fs.fx_calls, s->fs.fx_bars, s->fs.fx_quotes, s->fs.fx_errors,
		        s->fs.fx_rate_limited, s->fs.fx_failures);
	if (e->o.mt5_ticks[0]) {
		fprintf(f, "  mt5 ticks      %" PRIu64 " ticks, %" PRIu64 " malformed, %" PRIu64
		           " of other symbols\n", s->fs.mt5_ticks, s->fs.mt5_bad, s->fs.mt5_unknown);
		if (s->fs.mt5_last_bad[0])
			fprintf(f, "  last bad tick  %s\n", s->fs.mt5_last_bad);
	}
	if (e->o.crypto_ws[0]) {
		fprintf(f,
		        "  crypto stream  %" PRIu64 " messages, %" PRIu64 " connections (%" PRIu64
		        " lost), %" PRIu64 " snapshots (%" PRIu64 " failed), %" PRIu64
		        " diffs held while they loaded, %" PRIu64 " resyncs\n",
		        s->fs.crypto_messages, s->fs.crypto_opens, s->fs.crypto_downs,
		        s->fs.crypto_snapshots, s->fs.crypto_snapshot_failures, s->fs.crypto_held,
		        s->fs.crypto_resyncs);
		if (s->fs.crypto_last_down[0])
			fprintf(f, "  last link lost %s\n", s->fs.crypto_last_down);
	}
	fprintf(f, "  model          %s", e->model_name);
	if (strat_model_ensemble(e->model))
		fprintf(f,
		        " (ensemble of %u, %" PRIu64 " regime switches; %" PRIu64 " votes, %" PRIu64
		        " decided before every member was asked)",
		        strat_ensemble_members(strat_model_ensemble(e->model)),
		        s->ds.regime_switches, s->ds.votes, s->ds.votes_cut);
	fprintf(f, "\n");
	if (s->ndrift) {
		/* the features against the training period, most shifted first */
		unsigned ord[STRAT_FEATURE_COUNT];
		for (unsigned i = 0; i < s->ndrift; i++)
			ord[i] = i;
		for (unsigned i = 1; i < s->ndrift; i++)
			for (unsigned k = i; k > 0 && s->psi[ord[k]] > s->psi[ord[k - 1]]; k--) {
				unsigned t = ord[k];
				ord[k] = ord[k - 1];
				ord[k - 1] = t;
			}
		unsigned shifted = 0;
		for (unsigned i = 0; i < s->ndrift; i++)
			shifted += s->psi[i] >= 0.25;
		fprintf(f, "  drift          %" PRIu64 " vectors against %s: %u of %u features shifted "
		        "(PSI >= 0.25); highest",
		        s->drift_rows, e->o.drift_reference, shifted, s->ndrift);
		for (unsigned i = 0; i < s->ndrift && i < 4; i++)
			fprintf(f, "%s %s %.3f", i ? "," : "", strat_feature_name(ord[i]), s->psi[ord[i]]);
		fprintf(f, "\n");
	}
	fprintf(f, "  intents        %" PRIu64 "\n", s->ds.buys + s->ds.sells);
	fprintf(f, "  orders sent    %" PRIu64 "\n", s->xs.sent);
	fprintf(f, "  fills          %" PRIu64 " (%" PRIu64 " shares)\n", s->xs.fills,
	        s->xs.filled_qty);
	fprintf(f, "  cancels        %" PRIu64 "\n", s->xs.cancels);
	fprintf(f, "  open orders    %" PRIu64 "\n", s->xs.open_orders);
	if (s->xs.persist_waits)
		fprintf(f, "  persistence    %" PRIu64 " polls found its ring full (%s)\n", s->xs.persist_waits,
		        e->o.persist_full_halt ? "persist_full = halt: trading halted"
		                               : "the pipeline waited for the store");
	fprintf(f, "  risk rejects   %" PRIu64 "\n", s->rs.rejected);
	for (unsigned i = 1; i < RISK_R_COUNT; i++)
		if (s->rs.rejects[i])
			fprintf(f, "    %-17s %" PRIu64 "\n", risk_reason_name(i),
			        s->rs.rejects[i]);
	const struct risk_stats *rs = &s->rs;
	fprintf(f,
	        "  risk's money   P&L %.4f after fees %.4f, max drawdown %.4f, breaker tier %u\n",
	        (double)rs->pnl / 1e4, (double)rs->fees / 1e4, (double)rs->max_drawdown / 1e4,
	        rs->tier);
	struct risk_caps rc;
	risk_model_last(e->model_risk, &rc);
	if (rc.nreturns >= 2)
		fprintf(f,
		        "  risk model     %u instruments, %u returns: VaR99 %.4f (hist) %.4f (normal), "
		        "ES99 %.4f / %.4f, correlated exposure %.4f, position caps at %.1f%%%s\n",
		        rc.ninst, rc.nreturns, (double)rc.var99_hist / 1e4,
		        (double)rc.var99_param / 1e4, (double)rc.es99_hist / 1e4,
		        (double)rc.es99_param / 1e4, (double)rc.corr_exposure / 1e4,
		        rc.position_ppm / 1e4, rc.kelly_valid ? ", Kelly f computed" : "");
	uint64_t exits = rs->exits[0] + rs->exits[1] + rs->exits[2] + rs->exits[3];
	if (exits)
		fprintf(f,
		        "  exits          %" PRIu64 " (stop %" PRIu64 ", profit %" PRIu64
		        ", trailing %" PRIu64 ", time %" PRIu64 ")\n",
		        exits, rs->exits[0], rs->exits[1], rs->exits[2], rs->exits[3]);
	uint32_t first = rs->ntransitions > RISK_TRANSITIONS ? rs->ntransitions - RISK_TRANSITIONS : 0;
	for (uint32_t i = first; i < rs->ntransitions; i++) {
		const struct risk_transition *t = &rs->transitions[i % RISK_TRANSITIONS];
		fprintf(f, "  risk mode      at %.9f s: %s -> %s (%s%s%s), drawdown %.4f\n",
		        (double)t->ts_ns / 1e9, mode_str(t->from), mode_str(t->to),
		        risk_cause_name(t->cause), t->cause == RISK_CAUSE_FILL_THROTTLE ? " " : "",
		        t->cause == RISK_CAUSE_FILL_THROTTLE
		                ? engine__symbol(e, t->locate, sym, sizeof(sym))
		                : "",
		        (double)t->drawdown / 1e4);
	}
	fprintf(f, "  positions\n");
	if (s->npos == 0)
		fprintf(f, "    (flat)\n");
	for (unsigned i = 0; i < s->npos; i++)
		fprintf(f, "    %-8s %10" PRId64 " shares  realized %.4f  unrealized %.4f\n",
		        engine__symbol(e, s->pos[i].locate, sym, sizeof(sym)), s->pos[i].qty,
		        (double)s->pos[i].realized_pnl / 1e4,
		        (double)exec_stage_unrealized(e->exec, s->pos[i].locate) / 1e4);
	fprintf(f, "  realized P&L   %.4f\n", (double)s->xs.realized_pnl / 1e4);
	fprintf(f, "  unrealized P&L %.4f\n", (double)s->xs.unrealized_pnl / 1e4);
	fprintf(f, "  order stream   %016" PRIx64 "\n", s->xs.hash);
	if (e->fix_gw) {
		struct exec_fix_gw_stats g;
		exec_fix_gw_stats(e->fix_gw, &g);
		fprintf(f,
		        "  venue          fix %s %s->%s: %" PRIu64 " connects, %" PRIu64
		        " disconnects, %" PRIu64 " messages sent, %" PRIu64
		        " rejects received; send(2) p50 %" PRId64 " ns p99 %" PRId64
		        " ns; last: %s\n",
		        e->o.connect, e->o.fix_sender, e->o.fix_target, g.connects, g.disconnects,
		        g.sent, g.rejects_received, g.send_p50_ns, g.send_p99_ns,
		        g.reason[0] ? g.reason : "-");
	} else if (e->ouch_gw) {
		struct exec_ouch_gw_stats g;
		exec_ouch_gw_stats(e->ouch_gw, &g);
		fprintf(f,
		        "  venue          ouch %s: %" PRIu64 " logins, %" PRIu64
		        " links lost, %" PRIu64 " Enter Orders, %" PRIu64 " Cancels, %" PRIu64
		        " bad messages; last: %s\n",
		        e->o.connect, g.logins, g.link_downs, g.enters, g.cancels, g.bad_messages,
		        g.reason[0] ? g.reason : "-");
	} else if (e->mt5_gw) {
		struct exec_mt5_gw_stats g;
		exec_mt5_gw_stats(e->mt5_gw, &g);
		fprintf(f,
		        "  venue          mt5 %s: %" PRIu64 " OPEN, %" PRIu64 " CLOSE, %" PRIu64
		        " GET_OPEN_TRADES; %" PRIu64 " answers (%" PRIu64 " lost, %" PRIu64
		        " malformed), %" PRIu64 " refusals, %" PRIu64 " fills found by snapshots, %"
		        PRIu64 " times down; last: %s\n",
		        e->o.mt5_commands, g.opens, g.closes, g.snapshots, g.answers, g.lost_answers,
		        g.bad_answers, g.refusals, g.snapshot_fills, g.timeouts,
		        g.reason[0] ? g.reason : "-");
		if (g.last_refusal[0])
			fprintf(f, "  last refusal   %s\n", g.last_refusal);
	} else if (e->bn_gw) {
		struct exec_bn_gw_stats g;
		exec_bn_gw_stats(e->bn_gw, &g);
		fprintf(f,
		        "  venue          binance %s: %" PRIu64 " symbols ready (%" PRIu64
		        " refused), %" PRIu64 " orders, %" PRIu64 " cancels, %" PRIu64
		        " refused by the exchange, %" PRIu64 " before the wire; %" PRIu64
		        " executionReports (%" PRIu64 " unreadable), %" PRIu64
		        " REST failures; last: %s\n",
		        e->o.bn_rest, g.symbols_ready, g.symbols_refused, g.orders, g.cancels,
		        g.rejects, g.invalid + g.no_symbol + g.filtered, g.reports, g.bad_events,
		        g.rest_failures, g.reason[0] ? g.reason : "-");
		if (g.last_msg[0])
			fprintf(f, "  last refusal   %s\n", g.last_msg);
	} else {
		fprintf(f, "  venue          simulated (in process, event time), latency %s\n",
		        engine__latency_model(e));
	}
	char rl[512], *rp = rl;
	size_t rleft = sizeof(rl);
	rl[0] = '\0';
	engine__recovery_line(e, &rp, &rleft);
	if (rl[0])
		fprintf(f, "  %s", rl);
	backtest_text(e, f);
	for (unsigned i = 0; i < e->nirq_hits && i < ENGINE_IRQ_HITS; i++)
		fprintf(f,
		        "  interrupts     %" PRIu64 " of %s (irq %s) on hot cpu %d during the run: each "
		        "stops the hot thread (move it: /proc/irq/%s/smp_affinity_list, or [threads] "
		        "cpus)\n",
		        e->irq_hits[i].count, e->irq_hits[i].name, e->irq_hits[i].irq,
		        e->irq_hits[i].cpu, e->irq_hits[i].irq);
	if (risk_control_is_killed(&e->ctl))
		fprintf(f, "  state          KILLED (osprey-ctl resume to trade again)\n");
	char kl[256], *kp = kl;
	size_t kleft = sizeof(kl);
	kl[0] = '\0';
	engine__kill_timeline(e, &kp, &kleft);
	if (kl[0])
		fprintf(f, "  %s", kl);
}

void engine_report(struct engine *e, FILE *f, bool json)
{
	static struct snapshot s; /* main thread only; keeps 10 KiB off the stack */
	take(e, &s);
	if (json)
		report_json(e, &s, f);
	else
		report_text(e, &s, f);
}

void engine_result(struct engine *e, struct engine_result *ret)
{
	static struct snapshot s;
	take(e, &s);
	memset(ret, 0, sizeof(*ret));
	ret->messages = s.fs.total;
	ret->intents = s.ds.buys + s.ds.sells;
	ret->orders = s.xs.sent;
	ret->fills = s.xs.fills;
	ret->rejects = s.rs.rejected;
	ret->order_hash = s.xs.hash;
	ret->realized_pnl = s.xs.realized_pnl;
	ret->unrealized_pnl = s.xs.unrealized_pnl;
	ret->positions_agree = true;
	for (unsigned i = 0; i < s.npos; i++) {
		ret->position_sum += s.pos[i].qty;
		/* risk's view is built only from the fill reports exec sent it */
		struct risk_position rp;
		risk_stage_position(e->risk, s.pos[i].locate, &rp);
		if (rp.position != s.pos[i].qty)
			ret->positions_agree = false;
	}
}

void engine_positions_csv(struct engine *e, FILE *f)
{
	static struct snapshot s;
	take(e, &s);
	char sym[32];
	fprintf(f, "symbol,position,cash\n");
	for (unsigned i = 0; i < s.npos; i++) {
		/* average cost: the cash the fills moved is realized P&L minus the
		 * open quantity's cost */
		int64_t cash = s.pos[i].realized_pnl - s.pos[i].cost;
		uint64_t a = cash < 0 ? -(uint64_t)cash : (uint64_t)cash;
		fprintf(f, "%s,%" PRId64 ",%s%" PRIu64 ".%04" PRIu64 "\n",
			engine__symbol(e, s.pos[i].locate, sym, sizeof(sym)), s.pos[i].qty,
			cash < 0 ? "-" : "", a / 10000, a % 10000);
	}
}
