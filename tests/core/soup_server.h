/* soup_server.h - a SoupBinTCP 3.0 test server (a thread on 127.0.0.1).
 *
 * Serves the messages of an ITCH day file ([u16 len][msg]...) as Sequenced
 * Data from the sequence number a client asks for. Checks every Login
 * Request's fields (recorded in `logins`), can drop the first connection
 * mid-stream, pause (with or without its own heartbeats), resume off by a
 * number of messages (gap or duplicates), reject the login, and end the
 * session with Z. Test code: asserts nothing, records what happened. */
#ifndef OSPREY_TEST_SOUP_SERVER_H
#define OSPREY_TEST_SOUP_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct soup_server_cfg {
	const unsigned char *msgs; /* day-file frames, caller-owned */
	size_t msgs_len;
	const char *user, *pass;   /* expected credentials */
	const char *session;       /* the session served */
	uint64_t drop_after;       /* first connection: close after this many S (0: never) */
	int64_t resume_shift;      /* later connections: accepted seq = requested + shift */
	uint64_t pause_after;      /* first connection: pause after this many S (0: never) */
	uint64_t pause_ns;
	bool pause_silent;         /* no heartbeats while paused (the client should time out) */
	uint64_t hb_ns;            /* server heartbeat when idle (0: 1 s) */
	bool end_session;          /* send Z after the last message */
	bool reject_all;           /* answer every login with J 'A' */
	uint16_t port;             /* 0: ephemeral */
};

#define SOUP_SERVER_MAX_LOGINS 16

struct soup_login {
	char user[7], pass[11], session[11];
	uint64_t seq;
	bool ok;
};

struct soup_server {
	struct soup_server_cfg cfg;
	uint64_t nmsgs;
	size_t *offs;              /* frame offsets */
	int lfd;
	uint16_t port;
	pthread_t th;
	_Atomic bool stop;
	/* results: read after soup_server_stop */
	unsigned nconns;
	unsigned nlogins;
	struct soup_login logins[SOUP_SERVER_MAX_LOGINS];
	uint64_t s_sent;           /* Sequenced Data packets sent (resends included) */
	uint64_t hb_sent, hb_received, logouts, bad_packets;
	char fail[256];
};

/* Parse the frames, listen, start the thread. 0 or -errno. */
int soup_server_start(struct soup_server *s, const struct soup_server_cfg *cfg);
/* Ask the thread to stop (it also stops once a client logs out after the
 * end), join it, free. */
void soup_server_stop(struct soup_server *s);

#endif
