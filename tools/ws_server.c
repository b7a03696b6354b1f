/* ws_server.c - RFC 6455 server framing over a non-blocking socket
 * (ws_server.h). */
#include "ws_server.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

int ws_server_accept_key(const char *key, char out[29])
{
	char cat[128];
	unsigned char sha[SHA_DIGEST_LENGTH];
	size_t kn = key ? strlen(key) : 0;
	if (!kn || kn > 64)
		return -EINVAL;
	int n = snprintf(cat, sizeof(cat), "%s%s", key, WS_GUID);
	SHA1((const unsigned char *)cat, (size_t)n, sha);
	EVP_EncodeBlock((unsigned char *)out, sha, SHA_DIGEST_LENGTH); /* 28 and a NUL */
	return 0;
}

static int tx_put(struct ws_server_conn *c, const void *p, size_t n)
{
	size_t max = c->max_tx ? c->max_tx : (size_t)64 << 20;
	if (c->tx_len + n > c->tx_cap && c->tx_off) { /* the unsent part to the front */
		memmove(c->tx, c->tx + c->tx_off, c->tx_len - c->tx_off);
		c->tx_len -= c->tx_off;
		c->tx_off = 0;
	}
	if (c->tx_len + n > c->tx_cap) {
		if (c->tx_len + n > max)
			return -ENOBUFS;
		size_t cap = c->tx_cap ? c->tx_cap : 65536;
		while (cap < c->tx_len + n)
			cap *= 2;
		unsigned char *t = realloc(c->tx, cap);
		if (!t)
			return -ENOMEM;
		c->tx = t;
		c->tx_cap = cap;
	}
	memcpy(c->tx + c->tx_len, p, n);
	c->tx_len += n;
	return 0;
}

int ws_server_send(struct ws_server_conn *c, uint8_t opcode, const void *p, size_t n)
{
	unsigned char h[10];
	size_t hn = 2;
	h[0] = (unsigned char)(0x80 | (opcode & 0x0f));
	if (n < 126) {
		h[1] = (unsigned char)n;
	} else if (n < 65536) {
		h[1] = 126;
		h[2] = (unsigned char)(n >> 8);
		h[3] = (unsigned char)n;
		hn = 4;
	} else {
		h[1] = 127;
		for (int i = 0; i < 8; i++)
			h[2 + i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
		hn = 10;
	}
	int r = tx_put(c, h, hn);
	return r < 0 ? r : tx_put(c, p, n);
}

static int bad(struct ws_server_conn *c, const char *why)
{
	snprintf(c->why, sizeof(c->why), "%s", why);
	return -EPROTO;
}

int ws_server_parse(struct ws_server_conn *c)
{
	size_t off = 0;
	int r = 0;
	while (!c->closing && c->rx_len - off >= 2) {
		unsigned char *f = c->rx + off;
		uint8_t op = f[0] & 0x0f;
		uint64_t len = f[1] & 0x7f;
		size_t hn = 2;
		if (f[0] & 0x70) {
			r = bad(c, "reserved bits set (no extension was agreed)");
			break;
		}
		if (!(f[1] & 0x80)) {
			r = bad(c, "an unmasked frame from the client");
			break;
		}
		if (len == 126) {
			if (c->rx_len - off < 4)
				break;
			len = (uint64_t)f[2] << 8 | f[3];
			hn = 4;
		} else if (len == 127) {
			if (c->rx_len - off < 10)
				break;
			len = 0;
			for (int i = 0; i < 8; i++)
				len = len << 8 | f[2 + i];
			hn = 10;
		}
		if (len > WS_SERVER_RX - 14) {
			r = bad(c, "a frame larger than 64 KiB");
			break;
		}
		if ((op & 0x08) && (len > 125 || !(f[0] & 0x80))) {
			r = bad(c, "a control frame fragmented or over 125 bytes");
			break;
		}
		if (c->rx_len - off < hn + 4 + len)
			break;
		unsigned char *mask = f + hn, *p = f + hn + 4;
		for (uint64_t i = 0; i < len; i++)
			p[i] ^= mask[i & 3];
		if (op == 8) { /* close: its code echoed, then the end */
			r = ws_server_send(c, 8, p, len >= 2 ? 2 : 0);
			c->closing = true;
		} else if (op == 9) {
			c->pings++;
			r = ws_server_send(c, 10, p, (size_t)len);
		} else if (op == 1 || op == 2 || op == 0) {
			c->messages_in += (f[0] & 0x80) != 0;
		} else if (op != 10) {
			r = bad(c, "an unknown opcode");
		}
		off += hn + 4 + (size_t)len;
		if (r < 0)
			break;
	}
	memmove(c->rx, c->rx + off, c->rx_len - off);
	c->rx_len -= off;
	return r;
}

int ws_server_read(struct ws_server_conn *c)
{
	for (;;) {
		if (c->rx_len == sizeof(c->rx))
			return bad(c, "a frame larger than 64 KiB");
		ssize_t n = recv(c->fd, c->rx + c->rx_len, sizeof(c->rx) - c->rx_len, 0);
		if (n == 0)
			return -ECONNRESET;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0
			                                                                 : -errno;
		c->rx_len += (size_t)n;
		int r = ws_server_parse(c);
		if (r < 0)
			return r;
	}
}

int ws_server_write(struct ws_server_conn *c)
{
	while (c->tx_off < c->tx_len) {
		ssize_t n = send(c->fd, c->tx + c->tx_off, c->tx_len - c->tx_off, MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0
			                                                                 : -errno;
		c->tx_off += (size_t)n;
	}
	c->tx_off = c->tx_len = 0;
	return c->closing ? -ESHUTDOWN : 0;
}

void ws_server_fini(struct ws_server_conn *c)
{
	free(c->tx);
	c->tx = NULL;
	c->tx_off = c->tx_len = c->tx_cap = 0;
}
