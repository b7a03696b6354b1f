/* osprey-ctl - talk to a running engine: status, kill, resume. */
#include "control.h"

#include <stdio.h>
#include <stdlib.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: osprey-ctl [--socket PATH] status|kill|resume\n"
		   "  status  print the engine's state, counters and latency\n"
		   "  kill    stop new orders and cancel every open order (stays killed)\n"
		   "  resume  allow new orders again\n"
		   "The socket defaults to $OSPREY_CTL, $XDG_RUNTIME_DIR/osprey.sock or\n"
		   "/tmp/osprey-UID.sock, as the engine's [engine] control_socket.\n");
}

int main(int argc, char **argv)
{
	char path[108];
	control_default_path(path, sizeof(path));
	const char *cmd = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--socket") && i + 1 < argc) {
			snprintf(path, sizeof(path), "%s", argv[++i]);
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!cmd && argv[i][0] != '-') {
			cmd = argv[i];
		} else {
			fprintf(stderr, "osprey-ctl: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (!cmd || (strcmp(cmd, "status") && strcmp(cmd, "kill") && strcmp(cmd, "resume"))) {
		usage(stderr);
		return 2;
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
