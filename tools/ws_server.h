/* ws_server.h - the server side of an RFC 6455 WebSocket connection over a
 * non-blocking socket someone else accepted and upgraded (osprey-venue's
 * crypto exchange: libmicrohttpd does the HTTP handshake and hands the
 * socket over). Frames out are unmasked and whole; frames in must be
 * masked (RFC 6455 5.1) and are unmasked in place: a close is answered and
 * ends the connection once the answer is out, a ping is answered with a
 * pong, text and binary frames are counted (what a client says is not
 * needed here: the venue's streams are fixed by the URL).
 *
 * Memory: the caller owns struct ws_server_conn (zeroed, fd set); the send
 * buffer grows as needed up to max_tx (0: 64 MiB) and ws_server_fini frees
 * it (the socket is the caller's to close). Threads: one at a time per
 * connection. Results: 0, or -errno: -ENOBUFS (a client that far behind:
 * drop it), -ENOMEM, -EPROTO (a frame that breaks the rules: why in
 * c->why), -ECONNRESET (the peer went), -ESHUTDOWN (the close is done).
 */
#ifndef OSPREY_TOOLS_WS_SERVER_H
#define OSPREY_TOOLS_WS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WS_SERVER_RX 65536 /* a client's frame larger than this is refused */

struct ws_server_conn {
	int fd;
	size_t max_tx; /* 0: 64 MiB */
	bool closing;  /* a close frame queued: the end once it is out */
	unsigned char *tx;
	size_t tx_off, tx_len, tx_cap;
	unsigned char rx[WS_SERVER_RX];
	size_t rx_len;
	uint64_t messages_in, pings;
	char why[96];
};

/* ws_server_accept_key - Sec-WebSocket-Accept for the client's
 * Sec-WebSocket-Key: base64(SHA-1(key + the RFC's GUID)). 0 or -EINVAL. */
int ws_server_accept_key(const char *key, char out[29]);
/* ws_server_send - queue one frame (opcode 1 text, 2 binary, 8 close, ...). */
int ws_server_send(struct ws_server_conn *c, uint8_t opcode, const void *p, size_t n);
/* ws_server_parse - act on the whole frames in c->rx and keep the rest. */
int ws_server_parse(struct ws_server_conn *c);
/* ws_server_read - what the socket has (then ws_server_parse). */
int ws_server_read(struct ws_server_conn *c);
/* ws_server_write - send what is queued: 0 (done or the socket is full). */
int ws_server_write(struct ws_server_conn *c);
/* ws_server_pending - bytes queued, not yet sent. */
static inline size_t ws_server_pending(const struct ws_server_conn *c)
{
	return c->tx_len - c->tx_off;
}
void ws_server_fini(struct ws_server_conn *c);

#endif
