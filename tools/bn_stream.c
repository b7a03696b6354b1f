/* bn_stream.c - the Binance gateway's user data stream over feeds' WebSocket
 * client (bn_stream.h). */
#include "bn_stream.h"

#include <errno.h>
#include <stdio.h>

static int s_open(void *ctx, const char *url)
{
	struct bn_stream *s = ctx;
	s->ws = feeds_ws_client_destroy(s->ws);
	s->up = false;
	snprintf(s->url, sizeof(s->url), "%s", url);
	struct feeds_ws_client_cfg cfg = { .url = s->url, .ca_file = s->ca_file };
	return feeds_ws_client_create(&cfg, &s->ws, s->err, sizeof(s->err));
}

static int s_next(void *ctx, const char **msg, size_t *len)
{
	struct bn_stream *s = ctx;
	if (!s->ws)
		return -ENOTCONN;
	for (;;) {
		struct feeds_ws_event ev;
		int r = feeds_ws_client_poll(s->ws, 0, &ev, s->err, sizeof(s->err));
		if (r <= 0)
			return r;
		if (ev.kind == FEEDS_WS_EV_OPEN) {
			s->up = true;
		} else if (ev.kind == FEEDS_WS_EV_DOWN) {
			s->up = false;
		} else {
			*msg = ev.data;
			*len = ev.len;
			return 1;
		}
	}
}

static bool s_up(void *ctx)
{
	return ((struct bn_stream *)ctx)->up;
}

static void s_close(void *ctx)
{
	bn_stream_fini(ctx);
}

static const struct exec_bn_stream_ops ops = {
	.open = s_open,
	.next = s_next,
	.up = s_up,
	.close = s_close,
};

struct exec_bn_stream bn_stream_io(struct bn_stream *s)
{
	return (struct exec_bn_stream){ .ops = &ops, .ctx = s };
}

void bn_stream_fini(struct bn_stream *s)
{
	if (!s)
		return;
	s->ws = feeds_ws_client_destroy(s->ws);
	s->up = false;
}
