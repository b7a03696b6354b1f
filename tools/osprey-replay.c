/*
 * osprey-replay - run captures through the whole pipeline (decode to gateway)
 * and print the latency table and trading summary.
 */
#include "engine.h"
#include "progress.h"
#include "report_html.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static struct engine *running;

static void on_signal(int sig)
{
	(void)sig;
	if (running)
		engine_request_stop(running);
}

/* SIGHUP: reopen [engine] log (logrotate moved it) */
static void on_hup(int sig)
{
	(void)sig;
	if (running)
		engine_request_reopen(running);
}

/* The progress line's numbers: the input read, from the published gauges. */
static void sample(void *arg, struct progress_sample *ret)
{
	struct engine_progress p;
	engine_progress(arg, &p);
	ret->done = p.input_bytes ? p.bytes : p.messages;
	ret->total = p.input_bytes;
	ret->unit = p.input_bytes ? "B" : " msgs";
	snprintf(ret->extra, sizeof(ret->extra),
	         "%" PRIu64 " messages, %" PRIu64 " orders, %" PRIu64 " fills", p.messages, p.orders,
	         p.fills);
}

/* The tables or the JSON on stdout, and the HTML report from that same JSON. */
static int report_out(struct engine *e, bool json, const char *report)
{
	if (!report) {
		engine_report(e, stdout, json);
		return 0;
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m) {
		fprintf(stderr, "osprey-replay: --report: %s\n", strerror(errno));
		return -ENOMEM;
	}
	engine_report(e, m, true);
	if (fclose(m) != 0) {
		fprintf(stderr, "osprey-replay: --report: %s\n", strerror(errno));
		free(buf);
		return -ENOMEM;
	}
	if (json)
		fwrite(buf, 1, len, stdout);
	else
		engine_report(e, stdout, false);
	struct report_run run = { .json = buf, .len = len, .label = "" };
	char err[4400];
	int r = report_html_file(report, &run, 1, err, sizeof(err));
	if (r < 0)
		fprintf(stderr, "osprey-replay: --report %s\n", err);
	free(buf);
	return r;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: osprey-replay [options] FILE...\n"
		"       osprey-replay --config LIVE.ini [options]   ([feeds] mold, soup, crypto_ws, fx or mt5: a live feed)\n"
		"  --config FILE     engine configuration (INI); command-line options override it\n"
		"  --speed S         max (default), realtime, or Nx (e.g. 10x): pace by ITCH timestamps\n"
		"  --threads MAP     stage-to-thread mapping, e.g. feeds+features+model+risk+exec (one hot\n"
		"                    thread, the default) or feeds,features,model,risk,exec (five)\n"
		"  --cpus LIST       cpu per hot thread, e.g. 1 or 0,1,0,1,0 (-1: unpinned)\n"
		"  --idle POLICY     spin (default), yield or sleep when a hot thread has no work\n"
		"  --model FILE      model file (default models/default.model)\n"
		"  --db DIR          persist orders, fills and positions to this LMDB folder\n"
		"  --fresh           start --db empty (delete its data files first)\n"
		"  --hlog FILE       write interval latency histograms (HdrHistogram log V1.3)\n"
		"  --json            print one JSON object instead of the tables\n"
		"  --latency-from F[:TAG]  the simulated venue's latency drawn from a recorded one:\n"
		"                    the intervals of TAG (tick_to_wire) in HdrHistogram log F, e.g. a\n"
		"                    paper session's --hlog; seeded, so the replay stays deterministic\n"
		"  --latency-seed N  its draws' seed (default 1)\n"
		"  --report FILE     write the HTML report (latency and trading plots, metrics next to\n"
		"                    baselines, trade list; self-contained: open it in any browser)\n"
		"  --quiet           no progress line (drawn on stderr only when it is a terminal)\n"
		"  --positions FILE  write every instrument traded as CSV (symbol,position,cash)\n"
		"  --orders FILE     write every order event as CSV, one line each: ts_ns,event,\n"
		"                    order_id,symbol,side,px,qty,filled_qty,leaves_qty,reason (event:\n"
		"                    new, exit, flatten, ack, fill, cancel, reject, cancel_all, mode)\n");
}

int main(int argc, char **argv)
{
	struct engine_opts o;
	static struct core_config cfg;
	char err[512];
	bool json = false, fresh = false, quiet = false;
	const char *positions = NULL, *report = NULL;
	engine_opts_default(&o);
	/* the config first, so flags override it */
	for (int i = 1; i < argc - 1; i++)
		if (!strcmp(argv[i], "--config")) {
			if (core_config_load(&cfg, argv[i + 1], err, sizeof(err)) < 0 ||
			    engine_opts_config(&o, &cfg, err, sizeof(err)) < 0) {
				fprintf(stderr, "osprey-replay: %s\n", err);
				return 2;
			}
		}
	bool files_given = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_ARG                                                                                  \
	do {                                                                                      \
		if (!v) {                                                                         \
			fprintf(stderr, "osprey-replay: %s needs a value\n", a);                  \
			return 2;                                                                 \
		}                                                                                 \
		i++;                                                                              \
	} while (0)
		if (!strcmp(a, "--config")) {
			NEED_ARG;
		} else if (!strcmp(a, "--speed")) {
			NEED_ARG;
			if (engine_opts_set_speed(&o, v, a, err, sizeof(err)) < 0)
				goto bad_flag;
		} else if (!strcmp(a, "--threads")) {
			NEED_ARG;
			snprintf(o.mapping, sizeof(o.mapping), "%s", v);
		} else if (!strcmp(a, "--cpus")) {
			NEED_ARG;
			if (engine_opts_set_cpus(&o, v, a, err, sizeof(err)) < 0)
				goto bad_flag;
		} else if (!strcmp(a, "--idle")) {
			NEED_ARG;
			if (engine_opts_set_idle(&o, v, a, err, sizeof(err)) < 0)
				goto bad_flag;
		} else if (!strcmp(a, "--model")) {
			NEED_ARG;
			snprintf(o.model, sizeof(o.model), "%s", v);
		} else if (!strcmp(a, "--db")) {
			NEED_ARG;
			snprintf(o.db, sizeof(o.db), "%s", v);
		} else if (!strcmp(a, "--fresh")) {
			fresh = true;
		} else if (!strcmp(a, "--hlog")) {
			NEED_ARG;
			snprintf(o.hlog, sizeof(o.hlog), "%s", v);
		} else if (!strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "--latency-from")) {
			NEED_ARG;
			if (strlen(v) >= sizeof(o.latency_from)) {
				fprintf(stderr, "osprey-replay: --latency-from: path too long\n");
				return 2;
			}
			snprintf(o.latency_from, sizeof(o.latency_from), "%s", v);
		} else if (!strcmp(a, "--latency-seed")) {
			NEED_ARG;
			char *end;
			errno = 0;
			o.latency_seed = strtoull(v, &end, 10);
			if (errno || end == v || *end || v[0] == '-') {
				fprintf(stderr, "osprey-replay: --latency-seed: '%s' is not a number\n", v);
				return 2;
			}
		} else if (!strcmp(a, "--report")) {
			NEED_ARG;
			report = v;
		} else if (!strcmp(a, "--quiet")) {
			quiet = true;
		} else if (!strcmp(a, "--positions")) {
			NEED_ARG;
			positions = v;
		} else if (!strcmp(a, "--orders")) {
			NEED_ARG;
			if (strlen(v) >= sizeof(o.orders_csv)) {
				fprintf(stderr, "osprey-replay: --orders: path too long\n");
				return 2;
			}
			snprintf(o.orders_csv, sizeof(o.orders_csv), "%s", v);
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (a[0] == '-') {
			fprintf(stderr, "osprey-replay: unknown option '%s'\n", a);
			usage(stderr);
			return 2;
		} else {
			if (!files_given)
				o.ninputs = 0; /* files on the command line replace the config's */
			files_given = true;
			if (engine_opts_add_input(&o, a, "FILE", err, sizeof(err)) < 0)
				goto bad_flag;
		}
#undef NEED_ARG
	}
	if (!o.ninputs && !o.mold[0] && !o.soup[0] && !o.crypto_ws[0] && !o.fx_base[0] &&
	    !o.mt5_ticks[0]) { /* no files and no live source configured */
		usage(stderr);
		return 2;
	}
	if (fresh && o.db[0]) {
		char path[300];
		snprintf(path, sizeof(path), "%s/data.mdb", o.db);
		remove(path);
		snprintf(path, sizeof(path), "%s/lock.mdb", o.db);
		remove(path);
	}
	core_clock_init(20);
	struct engine *e;
	if (engine_create(&o, &e, err, sizeof(err)) < 0) {
		fprintf(stderr, "osprey-replay: %s\n", err);
		return 1;
	}
	running = e;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN); /* a peer that hangs up is a lost link, not the end */
	signal(SIGHUP, on_hup);
	struct progress *pl = progress_start("replay", NULL, quiet, sample, e);
	int r = engine_run(e, err, sizeof(err));
	progress_stop(pl);
	running = NULL;
	if (r < 0)
		fprintf(stderr, "osprey-replay: %s\n", err);
	if (report_out(e, json, report) < 0)
		r = -EIO;
	if (positions) {
		FILE *pf = fopen(positions, "w");
		if (!pf || (engine_positions_csv(e, pf), fclose(pf)) != 0) {
			fprintf(stderr, "osprey-replay: --positions %s: %s\n", positions,
				strerror(errno));
			r = -EIO;
		}
	}
	engine_destroy(e);
	return r < 0 ? 1 : 0;
bad_flag:
	fprintf(stderr, "osprey-replay: %s\n", err);
	return 2;
}
