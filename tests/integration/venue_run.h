/* venue_run.h - starting osprey-venue from a test: spawn it with its stdout
 * and stderr in files, and read the ports it chose from its log ("ouch
 * listening on 127.0.0.1:PORT"). Shared by test_venue.c and
 * test_venue_fuzz.c. */
#ifndef OSPREY_TEST_VENUE_RUN_H
#define OSPREY_TEST_VENUE_RUN_H

#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

extern char **environ;

/* Start argv[0] with stdout -> out_path, stderr -> log_path. 0 or an errno. */
static inline int venue_spawn(pid_t *ret_pid, char *const argv[], const char *out_path,
                              const char *log_path)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_addopen(&fa, 2, log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int r = posix_spawn(ret_pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return r;
}

/* The port the log says `what` ("ouch", "fix") listens on; false: not yet. */
static inline bool venue_log_port(const char *log_path, const char *what, unsigned short *ret)
{
	FILE *f = fopen(log_path, "r");
	if (!f)
		return false;
	char line[512], pat[64];
	snprintf(pat, sizeof(pat), "%s listening on 127.0.0.1:", what);
	bool ok = false;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, pat);
		if (p) {
			*ret = (unsigned short)atoi(p + strlen(pat));
			ok = true;
		}
	}
	fclose(f);
	return ok;
}

#endif
