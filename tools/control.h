/*
 * control.h - the operator's Unix socket (tools-internal).
 *
 * A line-oriented protocol: the client connects, writes one command line
 * ("status", "kill", "resume"), reads the reply until EOF. The socket file is
 * created with mode 0600 in a directory that must be the owner's (or root's)
 * and writable by no one else (a missing one is made, mode 0700), and every
 * peer's uid is checked (SO_PEERCRED), so only the engine's owner (or root)
 * may talk to it; the client checks the server's uid the same way.
 *
 * One client at a time, the rest wait in the listen backlog (8): a request
 * (its line in, the reply out) gets CONTROL_IO_TIMEOUT_MS in all, so a slow
 * or silent client delays the next (a kill) by at most that. Refused, with
 * "error: ..." to the client, counted in `refused`, described in
 * `last_refusal` and passed to on_refuse (the engine's audit log): another
 * uid, a line longer than CONTROL_LINE_MAX, a byte outside printable ASCII,
 * no whole line within the time.
 *
 * Threads: control_poll runs on one thread, the engine's control thread; the
 * handler and on_refuse run on that thread too. With wait_ms > 0 the poll
 * waits that long for a client when none is there (a thread of its own
 * sleeps in the kernel and answers at once); with 0 it never blocks.
 */
#ifndef OSPREY_CONTROL_H
#define OSPREY_CONTROL_H

#include "core.h"

#include <sys/types.h>
#include <sys/un.h>

#define CONTROL_IO_TIMEOUT_MS 100
#define CONTROL_LINE_MAX      510 /* bytes of a command line, its newline not counted */

/* Fill reply (NUL-terminated, at most cap bytes) for cmd from a peer running
 * as uid (already checked: the engine's owner or root). Returns 0, or a
 * negative errno for an unknown command (the reply then says why). */
typedef int (*control_handler)(void *arg, uid_t uid, const char *cmd, char *reply, size_t cap);

struct control {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	control_handler handler;
	void *arg;
	int wait_ms; /* set after control_open; 0: never block */
	uint64_t served;
	uint64_t refused;
	char last_refusal[160];
	/* called for each refusal (uid -1: unknown); NULL: none. Set after control_open. */
	void (*on_refuse)(void *arg, uid_t uid, const char *why);
	_Atomic bool finish; /* main thread asks the poll to return CORE_EOF */
};

/* The default socket path: $OSPREY_CTL, else $XDG_RUNTIME_DIR/osprey.sock,
 * else /tmp/osprey-UID/osprey.sock (a directory of the user's own). */
void control_default_path(char *buf, size_t cap);
int control_open(struct control *c, const char *path, control_handler h, void *arg, char *err,
		 size_t errlen);
int control_poll(void *ctx, uint32_t *ret_work);
void control_close(struct control *c);
/* Client side: send cmd, read the reply into buf. 0 or negative errno. */
int control_request(const char *path, const char *cmd, char *buf, size_t cap, char *err,
		    size_t errlen);

#endif
