/*
 * osprey - the engine daemon. Runs the pipeline configured by an INI file,
 * serves osprey-ctl on its control socket, and stops cleanly on SIGINT or
 * SIGTERM (final latency report and summary on stdout).
 */
#include "control.h"
#include "engine.h"

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

int main(int argc, char **argv)
{
	const char *path = NULL;
	bool json = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: osprey [--json] CONFIG.ini\n"
			       "Runs the engine as configured (see tools/demo.ini for every key) until\n"
			       "SIGINT or SIGTERM; osprey-ctl status|kill|resume talks to it.\n");
			return 0;
		} else if (!path)
			path = argv[i];
		else {
			fprintf(stderr, "osprey: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (!path) {
		fprintf(stderr, "usage: osprey [--json] CONFIG.ini\n");
		return 2;
	}
	static struct core_config cfg;
	struct engine_opts o;
	char err[512];
	engine_opts_default(&o);
	control_default_path(o.control_socket, sizeof(o.control_socket));
	o.stay_up = true;
	if (core_config_load(&cfg, path, err, sizeof(err)) < 0 ||
	    engine_opts_config(&o, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "osprey: %s\n", err);
		return 2;
	}
	core_clock_init(20);
	struct engine *e;
	if (engine_create(&o, &e, err, sizeof(err)) < 0) {
		fprintf(stderr, "osprey: %s: %s\n", path, err); /* the configuration made it */
		return 1;
	}
	running = e;
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a peer that hangs up is a lost link, not the end */
	struct sigaction hup = { .sa_handler = on_hup, .sa_flags = SA_RESTART };
	sigaction(SIGHUP, &hup, NULL);
	fprintf(stderr, "osprey: running; control socket %s\n", o.control_socket);
	int r = engine_run(e, err, sizeof(err));
	running = NULL;
	if (r < 0)
		fprintf(stderr, "osprey: %s\n", err);
	engine_report(e, stdout, json);
	engine_destroy(e);
	return r < 0 ? 1 : 0;
}
