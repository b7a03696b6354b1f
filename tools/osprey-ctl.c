/* osprey-ctl - talk to a running engine: status, kill, resume, risk modes and
 * limits, model registry. */
#include "control.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: osprey-ctl [--socket PATH] COMMAND\n"
	        "  status                      the engine's state, counters, model and latency\n"
	        "  kill                        stop new orders and cancel every open order\n"
	        "                              (stays killed, across restarts)\n"
	        "  kill --flatten              the same, then close every position with an\n"
	        "                              order at the touch (allowed while killed)\n"
	        "  resume                      allow new orders again\n"
	        "  mode active|reducing|halted [SYMBOL]\n"
	        "                              the global risk mode (acknowledges the drawdown\n"
	        "                              breakers), or one instrument's (lifts its fill\n"
	        "                              throttle)\n"
	        "  flatten [SYMBOL]            close every position (or one) at the touch\n"
	        "  limits                      every risk limit, its value and its use\n"
	        "  set KEY VALUE               change one limit (checked, audited, stored)\n"
	        "  restrict SYMBOL             refuse new risk in SYMBOL; allow SYMBOL undoes it\n"
	        "  model list                  the model registry (* marks the active model)\n"
	        "  model add NAME FILE [NOTES] validate FILE and store it as NAME's next version\n"
	        "  model activate NAME@VER     switch the running engine to that model without\n"
	        "                              pausing ticks (a bad model is refused, the\n"
	        "                              running one stays)\n"
	        "The socket defaults to $OSPREY_CTL, $XDG_RUNTIME_DIR/osprey.sock or\n"
	        "/tmp/osprey-UID/osprey.sock, as the engine's [engine] control_socket.\n");
}

int main(int argc, char **argv)
{
	char path[108];
	control_default_path(path, sizeof(path));
	char cmd[480] = "";
	size_t used = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--socket") && i + 1 < argc) {
			snprintf(path, sizeof(path), "%s", argv[++i]);
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] != '-' || used) {
			/* the command and its arguments, one line */
			int n = snprintf(cmd + used, sizeof(cmd) - used, "%s%s", used ? " " : "",
					 argv[i]);
			if (n < 0 || (size_t)n >= sizeof(cmd) - used) {
				fprintf(stderr, "osprey-ctl: command too long\n");
				return 2;
			}
			used += (size_t)n;
		} else {
			fprintf(stderr, "osprey-ctl: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (!used ||
	    (strcmp(cmd, "status") && strcmp(cmd, "kill") && strcmp(cmd, "kill --flatten") &&
	     strcmp(cmd, "resume") && strncmp(cmd, "model ", 6) && strncmp(cmd, "mode ", 5) &&
	     strcmp(cmd, "flatten") && strncmp(cmd, "flatten ", 8) && strcmp(cmd, "limits") &&
	     strncmp(cmd, "set ", 4) && strncmp(cmd, "restrict ", 9) && strncmp(cmd, "allow ", 6))) {
		usage(stderr);
		return 2;
	}
	if (!strncmp(cmd, "model add ", 10)) {
		/* the engine opens the file: give it an absolute path */
		char name[64], file[256], abs[PATH_MAX];
		int off = 0;
		if (sscanf(cmd + 10, "%63s %255s %n", name, file, &off) >= 2 && file[0] != '/' &&
		    realpath(file, abs)) {
			char rest[480];
			snprintf(rest, sizeof(rest), "%s", cmd + 10 + off);
			int n = snprintf(cmd, sizeof(cmd), "model add %s %s %s", name, abs, rest);
			if (n < 0 || (size_t)n >= sizeof(cmd)) {
				fprintf(stderr, "osprey-ctl: command too long\n");
				return 2;
			}
		}
	}
	char reply[8192], err[256];
	int r = control_request(path, cmd, reply, sizeof(reply), err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "osprey-ctl: %s\n", err);
		return 1;
	}
	fputs(reply, stdout);
	return strncmp(reply, "error", 5) == 0 ? 1 : 0;
}
