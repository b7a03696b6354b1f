/* engine_config.c - the engine's options: defaults, INI keys, tool flags. */
#include "engine_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

void engine_opts_default(struct engine_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_orders_book = 1u << 20;
	o->gap_timeout_ms = 2000;
	o->soup_seq = 1;
	snprintf(o->model, sizeof(o->model), "models/default.model");
	o->risk.max_order_qty = 1000;
	o->risk.max_position = 2000;
	o->risk.collar_bps = 100;
	o->risk.tier1_size_pct = 50;
	o->model_interval_ms = 60000;
	o->cancel_at_end = true;
	o->var_window = 250;
	o->venue_latency_ns = 20000;
	o->latency_seed = 1;
	o->protocol = ENGINE_SIM;
	snprintf(o->connect, sizeof(o->connect), "127.0.0.1:9878");
	snprintf(o->fix_sender, sizeof(o->fix_sender), "ENGINE");
	snprintf(o->fix_target, sizeof(o->fix_target), "EXEC");
	o->fix_heartbeat_s = 30;
	o->drain_ms = 2000;
	o->db_map_max_kb = 64ull << 20; /* 64 GiB */
	o->stream_window_mb = 64;
	o->stream_min_mb = 256;
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

int engine_opts_add_input(struct engine_opts *o, const char *path, const char *what, char *err,
                          size_t errlen)
{
	if (o->ninputs == ENGINE_MAX_INPUTS) {
		core_errf(err, errlen, "%s: more than %d capture files", what, ENGINE_MAX_INPUTS);
		return -EINVAL;
	}
	if (strlen(path) >= ENGINE_PATH_MAX) {
		core_errf(err, errlen, "%s: '%.40s...': path longer than %d bytes", what, path,
		          ENGINE_PATH_MAX - 1);
		return -EINVAL;
	}
	snprintf(o->inputs[o->ninputs++], ENGINE_PATH_MAX, "%s", path);
	return 0;
}

int engine_opts_set_speed(struct engine_opts *o, const char *v, const char *what, char *err,
                          size_t errlen)
{
	if (!strcmp(v, "max")) {
		o->speed = 0;
		return 0;
	}
	if (!strcmp(v, "realtime")) {
		o->speed = 1.0;
		return 0;
	}
	char *end;
	double s = strtod(v, &end);
	if (end != v && *end == 'x')
		end++;
	/* at least 0.001x: slower, an hour of the session becomes more than six
	 * weeks, and the pacing's wall-clock target no longer fits 64 bits */
	if (end == v || *end || !(s >= 0.001) || s > 1e9) {
		core_errf(err, errlen, "%s: '%s' is not max, realtime or Nx (0.001 <= N <= 1e9)",
		          what, v);
		return -EINVAL;
	}
	o->speed = s;
	return 0;
}

int engine_opts_set_idle(struct engine_opts *o, const char *v, const char *what, char *err,
                         size_t errlen)
{
	static const char *const names[] = {
		[CORE_IDLE_SPIN] = "spin", [CORE_IDLE_YIELD] = "yield", [CORE_IDLE_SLEEP] = "sleep"
	};
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(v, names[i])) {
			o->idle = (enum core_idle)i;
			return 0;
		}
	core_errf(err, errlen, "%s: '%s' is not spin, yield or sleep", what, v);
	return -EINVAL;
}

int engine_opts_set_cpus(struct engine_opts *o, const char *v, const char *what, char *err,
                         size_t errlen)
{
	int cpus[ENGINE_MAX_THREADS];
	unsigned n = 0;
	const char *s = v;
	while (*s) {
		char *end;
		long c = strtol(s, &end, 10);
		if (end == s || c < -1 || c > 4095 || n == ENGINE_MAX_THREADS ||
		    (*end && *end != ',')) {
			core_errf(err, errlen,
			          "%s: '%s' is not a list of at most %d cpu numbers (-1: unpinned)",
			          what, v, ENGINE_MAX_THREADS);
			return -EINVAL;
		}
		cpus[n++] = (int)c;
		s = *end ? end + 1 : end;
	}
	for (unsigned i = 0; i < n; i++)
		o->cpus[i] = cpus[i];
	return 0;
}

/* "FILE:LINE: key 'section.key'" for messages about a value. */
static const char *key_what(const struct core_config *cfg, const char *key, char *buf, size_t cap)
{
	int line = 0;
	for (int i = 0; i < cfg->n; i++)
		if (!strcmp(cfg->e[i].key, key))
			line = cfg->e[i].line;
	snprintf(buf, cap, "%s:%d: key '%s'", cfg->path, line, key);
	return buf;
}

int engine_opts_config(struct engine_opts *o, struct core_config *cfg, char *err, size_t errlen)
{
	int r;
	const char *v;
	char what[320];
#define TRY(x)                     \
	do {                       \
		if ((r = (x)) < 0) \
			return r;  \
	} while (0)
	if ((v = core_config_get(cfg, "feeds.files"))) {
		/* whitespace-separated paths, copied */
		key_what(cfg, "feeds.files", what, sizeof(what));
		o->ninputs = 0;
		while (*v) {
			size_t skip = strspn(v, " \t");
			v += skip;
			size_t len = strcspn(v, " \t");
			if (!len)
				break;
			char path[ENGINE_PATH_MAX + 1];
			snprintf(path, sizeof(path), "%.*s",
			         (int)(len < ENGINE_PATH_MAX ? len : ENGINE_PATH_MAX), v);
			TRY(engine_opts_add_input(o, path, what, err, errlen));
			v += len;
		}
	}
	if ((v = core_config_get(cfg, "feeds.speed")))
		TRY(engine_opts_set_speed(o, v, key_what(cfg, "feeds.speed", what, sizeof(what)),
		                          err, errlen));
	TRY(core_config_u64(cfg, "feeds.max_orders", 1024, 1u << 26, &o->max_orders_book, err,
	                    errlen));
	TRY(core_config_str(cfg, "feeds.mold", o->mold, sizeof(o->mold), err, errlen));
	TRY(core_config_str(cfg, "feeds.mold_iface", o->mold_iface, sizeof(o->mold_iface), err,
	                    errlen));
	TRY(core_config_str(cfg, "feeds.mold_rerequest", o->mold_rerequest,
	                    sizeof(o->mold_rerequest), err, errlen));
	TRY(core_config_str(cfg, "feeds.mold_dpdk", o->mold_dpdk, sizeof(o->mold_dpdk), err, errlen));
	TRY(core_config_str(cfg, "feeds.mold_dpdk_port", o->mold_dpdk_port,
	                    sizeof(o->mold_dpdk_port), err, errlen));
	TRY(core_config_u64(cfg, "feeds.gap_timeout_ms", 1, 3600000, &o->gap_timeout_ms, err,
	                    errlen));
	TRY(core_config_u64(cfg, "feeds.idle_timeout_ms", 0, 86400000, &o->idle_timeout_ms, err,
	                    errlen));
	TRY(core_config_str(cfg, "feeds.soup", o->soup, sizeof(o->soup), err, errlen));
	TRY(core_config_str(cfg, "feeds.soup_user", o->soup_user, sizeof(o->soup_user), err,
	                    errlen));
	TRY(core_config_str(cfg, "feeds.soup_password", o->soup_password, sizeof(o->soup_password),
	                    err, errlen));
	TRY(core_config_str(cfg, "feeds.soup_session", o->soup_session, sizeof(o->soup_session),
	                    err, errlen));
	TRY(core_config_u64(cfg, "feeds.soup_seq", 1, UINT64_MAX, &o->soup_seq, err, errlen));
	TRY(core_config_str(cfg, "feeds.crypto_ws", o->crypto_ws, sizeof(o->crypto_ws), err, errlen));
	TRY(core_config_str(cfg, "feeds.crypto_subscribe", o->crypto_subscribe,
	                    sizeof(o->crypto_subscribe), err, errlen));
	TRY(core_config_str(cfg, "feeds.crypto_rest", o->crypto_rest, sizeof(o->crypto_rest), err,
	                    errlen));
	TRY(core_config_str(cfg, "feeds.crypto_snapshot", o->crypto_snapshot,
	                    sizeof(o->crypto_snapshot), err, errlen));
	TRY(core_config_bool(cfg, "feeds.crypto_futures", &o->crypto_futures, err, errlen));
	TRY(core_config_str(cfg, "feeds.crypto_ca", o->crypto_ca, sizeof(o->crypto_ca), err, errlen));
	TRY(core_config_str(cfg, "feeds.crypto_record", o->crypto_record, sizeof(o->crypto_record),
	                    err, errlen));
	TRY(core_config_str(cfg, "feeds.fx", o->fx_base, sizeof(o->fx_base), err, errlen));
	TRY(core_config_str(cfg, "feeds.fx_pairs", o->fx_pairs, sizeof(o->fx_pairs), err, errlen));
	TRY(core_config_str(cfg, "feeds.fx_key_file", o->fx_key_file, sizeof(o->fx_key_file), err,
	                    errlen));
	TRY(core_config_str(cfg, "feeds.fx_interval", o->fx_interval, sizeof(o->fx_interval), err,
	                    errlen));
	TRY(core_config_bool(cfg, "feeds.fx_quotes", &o->fx_quotes, err, errlen));
	TRY(core_config_u64(cfg, "feeds.fx_calls_per_minute", 1, 100000, &o->fx_calls_per_minute,
	                    err, errlen));
	TRY(core_config_u64(cfg, "feeds.fx_round_ms", 1, 86400000, &o->fx_round_ms, err, errlen));
	TRY(core_config_str(cfg, "feeds.fx_ca", o->fx_ca, sizeof(o->fx_ca), err, errlen));
	TRY(core_config_str(cfg, "feeds.mt5", o->mt5_ticks, sizeof(o->mt5_ticks), err, errlen));
	TRY(core_config_str(cfg, "feeds.mt5_symbols", o->mt5_symbols, sizeof(o->mt5_symbols), err,
	                    errlen));
	TRY(core_config_u64(cfg, "feeds.mt5_decimals", 1, 8, &o->mt5_decimals, err, errlen));
	if (!!o->mold[0] + !!o->soup[0] + !!o->crypto_ws[0] + !!o->fx_base[0] + !!o->mt5_ticks[0] >
	    1) {
		core_errf(err, errlen,
		          "%s: keys 'feeds.mold', 'feeds.soup', 'feeds.crypto_ws', 'feeds.fx' and "
		          "'feeds.mt5': one live source at most",
		          cfg->path);
		return -EINVAL;
	}
	if (o->mt5_ticks[0] && !o->mt5_symbols[0]) {
		core_errf(err, errlen, "%s: key 'feeds.mt5' needs 'feeds.mt5_symbols'", cfg->path);
		return -EINVAL;
	}
	if ((o->mold_dpdk[0] || o->mold_dpdk_port[0]) && !o->mold[0]) {
		core_errf(err, errlen,
		          "%s: key 'feeds.mold_dpdk' needs 'feeds.mold' (the address and port to "
		          "receive)",
		          cfg->path);
		return -EINVAL;
	}
	if (o->fx_base[0] && (!o->fx_pairs[0] || !o->fx_key_file[0])) {
		core_errf(err, errlen, "%s: key 'feeds.fx' needs 'feeds.fx_pairs' and 'feeds.fx_key_file'",
		          cfg->path);
		return -EINVAL;
	}
	if (o->crypto_snapshot[0] && !o->crypto_rest[0]) {
		core_errf(err, errlen, "%s: key 'feeds.crypto_snapshot' needs 'feeds.crypto_rest'",
		          cfg->path);
		return -EINVAL;
	}
	TRY(core_config_str(cfg, "strategy.model", o->model, sizeof(o->model), err, errlen));
	TRY(core_config_u64(cfg, "strategy.cooldown_events", 0, 1000000, &o->cooldown_events, err,
	                    errlen));
	TRY(core_config_str(cfg, "strategy.drift_reference", o->drift_reference,
	                    sizeof(o->drift_reference), err, errlen));
	TRY(core_config_u64(cfg, "strategy.drift_every", 1, 1000000, &o->drift_every, err, errlen));
	/* every [risk] limit by its key; the set must hold together (risk_limits_check) */
	for (unsigned i = 0; risk_limits_key(i); i++) {
		char key[64], rerr[200];
		snprintf(key, sizeof(key), "risk.%s", risk_limits_key(i));
		if (!(v = core_config_get(cfg, key)))
			continue;
		if (risk_limits_parse(&o->risk, risk_limits_key(i), v, rerr, sizeof(rerr)) < 0) {
			core_errf(err, errlen, "%s: %s", key_what(cfg, key, what, sizeof(what)), rerr);
			return -EINVAL;
		}
	}
	char rerr[200];
	if (risk_limits_check(&o->risk, rerr, sizeof(rerr)) < 0) {
		core_errf(err, errlen, "%s: [risk]: %s", cfg->path, rerr);
		return -EINVAL;
	}
	TRY(core_config_bool(cfg, "risk.flatten_at_end", &o->flatten_at_end, err, errlen));
	TRY(core_config_bool(cfg, "risk.cancel_at_end", &o->cancel_at_end, err, errlen));
	TRY(core_config_u64(cfg, "risk.model_interval_ms", 1000, 86400000, &o->model_interval_ms, err,
	                    errlen));
	TRY(core_config_u64(cfg, "risk.var_window", 2, 100000, &o->var_window, err, errlen));
	TRY(core_config_str(cfg, "risk.restricted", o->restricted, sizeof(o->restricted), err,
	                    errlen));
	TRY(core_config_u64(cfg, "exec.venue_latency_ns", 0, 60000000000ull, &o->venue_latency_ns,
	                    err, errlen));
	TRY(core_config_str(cfg, "exec.latency_from", o->latency_from, sizeof(o->latency_from), err,
	                    errlen));
	TRY(core_config_u64(cfg, "exec.latency_seed", 0, UINT64_MAX, &o->latency_seed, err, errlen));
	if ((v = core_config_get(cfg, "gateway.protocol"))) {
		if (!strcmp(v, "sim"))
			o->protocol = ENGINE_SIM;
		else if (!strcmp(v, "ouch"))
			o->protocol = ENGINE_OUCH;
		else if (!strcmp(v, "fix"))
			o->protocol = ENGINE_FIX;
		else if (!strcmp(v, "mt5"))
			o->protocol = ENGINE_MT5;
		else if (!strcmp(v, "binance"))
			o->protocol = ENGINE_BINANCE;
		else {
			core_errf(err, errlen, "%s: '%s' is not sim, ouch, fix, mt5 or binance",
			          key_what(cfg, "gateway.protocol", what, sizeof(what)), v);
			return -EINVAL;
		}
	}
	TRY(core_config_str(cfg, "gateway.connect", o->connect, sizeof(o->connect), err, errlen));
	TRY(core_config_str(cfg, "gateway.fix_sender", o->fix_sender, sizeof(o->fix_sender), err,
	                    errlen));
	TRY(core_config_str(cfg, "gateway.fix_target", o->fix_target, sizeof(o->fix_target), err,
	                    errlen));
	TRY(core_config_u64(cfg, "gateway.fix_heartbeat_s", 1, 3600, &o->fix_heartbeat_s, err,
	                    errlen));
	TRY(core_config_bool(cfg, "gateway.fix_reset_seq", &o->fix_reset_seq, err, errlen));
	TRY(core_config_str(cfg, "gateway.soup_user", o->gw_soup_user, sizeof(o->gw_soup_user), err,
	                    errlen));
	TRY(core_config_str(cfg, "gateway.soup_password", o->gw_soup_password,
	                    sizeof(o->gw_soup_password), err, errlen));
	TRY(core_config_u64(cfg, "gateway.drain_ms", 0, 3600000, &o->drain_ms, err, errlen));
	TRY(core_config_str(cfg, "gateway.mt5_commands", o->mt5_commands, sizeof(o->mt5_commands),
	                    err, errlen));
	TRY(core_config_str(cfg, "gateway.mt5_answers", o->mt5_answers, sizeof(o->mt5_answers), err,
	                    errlen));
	TRY(core_config_u64(cfg, "gateway.mt5_lot_units", 1, UINT32_MAX, &o->mt5_lot_units, err,
	                    errlen));
	if (o->protocol == ENGINE_MT5 &&
	    (!o->mt5_commands[0] || !o->mt5_answers[0] || !o->mt5_symbols[0])) {
		core_errf(err, errlen,
		          "%s: 'gateway.protocol = mt5' needs 'gateway.mt5_commands', "
		          "'gateway.mt5_answers' and 'feeds.mt5_symbols' (the terminal's names of the "
		          "instruments)",
		          cfg->path);
		return -EINVAL;
	}
	TRY(core_config_str(cfg, "gateway.binance_rest", o->bn_rest, sizeof(o->bn_rest), err,
	                    errlen));
	TRY(core_config_str(cfg, "gateway.binance_stream", o->bn_stream, sizeof(o->bn_stream), err,
	                    errlen));
	TRY(core_config_str(cfg, "gateway.binance_key_file", o->bn_key_file, sizeof(o->bn_key_file),
	                    err, errlen));
	TRY(core_config_str(cfg, "gateway.binance_symbols", o->bn_symbols, sizeof(o->bn_symbols),
	                    err, errlen));
	TRY(core_config_str(cfg, "gateway.binance_ca", o->bn_ca, sizeof(o->bn_ca), err, errlen));
	if (o->protocol == ENGINE_BINANCE &&
	    (!o->bn_rest[0] || !o->bn_stream[0] || !o->bn_key_file[0] || !o->bn_symbols[0] ||
	     !o->crypto_ws[0])) {
		core_errf(err, errlen,
		          "%s: 'gateway.protocol = binance' needs 'gateway.binance_rest', "
		          "'gateway.binance_stream', 'gateway.binance_key_file', "
		          "'gateway.binance_symbols' and a live crypto feed ('feeds.crypto_ws')",
		          cfg->path);
		return -EINVAL;
	}
	TRY(core_config_str(cfg, "threads.mapping", o->mapping, sizeof(o->mapping), err, errlen));
	if ((v = core_config_get(cfg, "threads.cpus")))
		TRY(engine_opts_set_cpus(o, v, key_what(cfg, "threads.cpus", what, sizeof(what)),
		                         err, errlen));
	int64_t aux = o->aux_cpu;
	TRY(core_config_i64(cfg, "threads.aux_cpu", -1, 4095, &aux, err, errlen));
	o->aux_cpu = (int)aux;
	if ((v = core_config_get(cfg, "threads.idle")))
		TRY(engine_opts_set_idle(o, v, key_what(cfg, "threads.idle", what, sizeof(what)),
		                         err, errlen));
	TRY(core_config_u64(cfg, "threads.spin_limit", 0, UINT32_MAX, &o->spin_limit, err, errlen));
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
	TRY(core_config_u64(cfg, "engine.db_map_kb", 64, 1ull << 30, &o->db_map_kb, err, errlen));
	TRY(core_config_u64(cfg, "engine.db_map_max_kb", 64, 1ull << 34, &o->db_map_max_kb, err,
	                    errlen));
	TRY(core_config_bool(cfg, "engine.auto_resume", &o->auto_resume, err, errlen));
	if ((v = core_config_get(cfg, "engine.persist_full"))) {
		if (strcmp(v, "wait") && strcmp(v, "halt")) {
			core_errf(err, errlen, "%s: '%s' is not wait or halt",
			          key_what(cfg, "engine.persist_full", what, sizeof(what)), v);
			return -EINVAL;
		}
		o->persist_full_halt = !strcmp(v, "halt");
	}
	TRY(core_config_str(cfg, "engine.audit_log", o->audit_log, sizeof(o->audit_log), err,
	                    errlen));
	TRY(core_config_str(cfg, "engine.hlog", o->hlog, sizeof(o->hlog), err, errlen));
	TRY(core_config_str(cfg, "engine.control_socket", o->control_socket,
	                    sizeof(o->control_socket), err, errlen));
	TRY(core_config_str(cfg, "metrics.listen", o->metrics_listen, sizeof(o->metrics_listen), err,
	                    errlen));
	TRY(core_config_str(cfg, "metrics.token_file", o->metrics_token_file,
	                    sizeof(o->metrics_token_file), err, errlen));
	TRY(core_config_str(cfg, "alerts.webhook", o->alerts_webhook, sizeof(o->alerts_webhook), err,
	                    errlen));
	TRY(core_config_str(cfg, "engine.log", o->log, sizeof(o->log), err, errlen));
	TRY(core_config_u64(cfg, "feeds.stream_window_mb", 0, 4096, &o->stream_window_mb, err,
	                    errlen));
	TRY(core_config_u64(cfg, "feeds.stream_min_mb", 1, 1u << 20, &o->stream_min_mb, err,
	                    errlen));
	TRY(core_config_str(cfg, "alerts.telegram_chat", o->alerts_telegram_chat,
	                    sizeof(o->alerts_telegram_chat), err, errlen));
	TRY(core_config_u64(cfg, "alerts.min_interval_ms", 0, 3600000, &o->alerts_min_interval_ms,
	                    err, errlen));
	const struct core_config_entry *u = core_config_unused(cfg);
	if (u) {
		core_errf(err, errlen, "%s:%d: unknown key '%s'", cfg->path, u->line, u->key);
		return -EINVAL;
	}
#undef TRY
	return 0;
}
