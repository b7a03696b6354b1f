/* bn_stream.h - the Binance order gateway's user data stream (exec.h
 * "Binance spot order entry: the gateway", struct exec_bn_stream) carried
 * by feeds' WebSocket client (feeds.h "WebSocket client"): the one place
 * the two stages meet, so neither includes the other.
 *
 * Memory: the caller owns struct bn_stream (zeroed, ca_file set before
 * use, or NULL for the system's CAs); open creates the client, close (and
 * bn_stream_fini) destroys it. Threads: every call on the thread that runs
 * the gateway's ops (the exec stage's). Results: open 0 or -errno (why in
 * err); next 1 with a text message, 0 none now, -errno when the client has
 * ended for good (its reason in err).
 */
#ifndef OSPREY_TOOLS_BN_STREAM_H
#define OSPREY_TOOLS_BN_STREAM_H

#include <stdbool.h>

#include "exec.h"
#include "feeds.h"

struct bn_stream {
	const char *ca_file; /* PEM CAs instead of the system's; NULL */
	struct feeds_ws_client *ws;
	bool up; /* open, and not down since */
	char url[512];
	char err[256]; /* the last failure */
};

/* bn_stream_io - the ops over s, for exec_bn_gw_config.stream_io. */
struct exec_bn_stream bn_stream_io(struct bn_stream *s);
/* bn_stream_fini - destroy the client if open (NULL-safe). */
void bn_stream_fini(struct bn_stream *s);

#endif
