/*
 * control.h - the operator's Unix socket (tools-internal).
 *
 * A line-oriented protocol: the client connects, writes one command line
 * ("status", "kill", "resume"), reads the reply until EOF. The socket file is
 * created with mode 0600 and every peer's uid is checked (SO_PEERCRED), so
 * only the engine's owner (or root) may talk to it.
 *
 * Threads: control_poll runs on one thread, the engine's control thread
 * (a client gets at most CONTROL_IO_TIMEOUT_MS to send its line); the handler
 * runs on that thread too. With wait_ms > 0 the poll waits that long for a
 * client when none is there (a thread of its own sleeps in the kernel and
 * answers at once); with 0 it never blocks.
 */
#ifndef OSPREY_CONTROL_H
#define OSPREY_CONTROL_H

#include "core.h"

#include <sys/types.h>
#include <sys/un.h>

#define CONTROL_IO_TIMEOUT_MS 100

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
	_Atomic bool finish; /* main thread asks the poll to return CORE_EOF */
};

/* The default socket path: $OSPREY_CTL, else $XDG_RUNTIME_DIR/osprey.sock,
 * else /tmp/osprey-UID.sock. */
void control_default_path(char *buf, size_t cap);
int control_open(struct control *c, const char *path, control_handler h, void *arg, char *err,
		 size_t errlen);
int control_poll(void *ctx, uint32_t *ret_work);
void control_close(struct control *c);
/* Client side: send cmd, read the reply into buf. 0 or negative errno. */
int control_request(const char *path, const char *cmd, char *buf, size_t cap, char *err,
		    size_t errlen);

#endif
