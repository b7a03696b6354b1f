/* gw.c - what the order gateways share (gw.h). */
#define _GNU_SOURCE
#include "gw.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

void gw_plan(struct core_layout *l, uint32_t max_orders, uint32_t q_cap, struct gw_plan *ret)
{
	ret->id_cap = exec__idmap_cells(max_orders);
	ret->orders = core_layout_add(l, max_orders, sizeof(struct gw_order), CORE_CACHE_LINE);
	ret->ids = core_layout_add(l, ret->id_cap, sizeof(struct exec__idcell), CORE_CACHE_LINE);
	ret->symbols = core_layout_add(l, EXEC_LOCATES, GW_SYMBOL, CORE_CACHE_LINE);
	ret->q = core_layout_add(l, q_cap, sizeof(struct exec_report), CORE_CACHE_LINE);
}

void gw_place(struct gw *g, void *block, const struct gw_plan *p, uint32_t max_orders,
              uint32_t q_cap)
{
	g->orders = core_layout_at(block, p->orders);
	g->max_orders = max_orders;
	for (uint32_t k = 0; k < max_orders; k++)
		g->orders[k].next = k + 1 < max_orders ? (int32_t)(k + 1) : -1;
	g->free_head = max_orders ? 0 : -1;
	g->open_head = -1;
	exec__idmap_place(&g->ids, core_layout_at(block, p->ids), p->id_cap);
	g->symbols = core_layout_at(block, p->symbols);
	memset(g->symbols, ' ', (size_t)EXEC_LOCATES * GW_SYMBOL);
	g->q = core_layout_at(block, p->q);
	g->q_cap = q_cap;
}

void gw_market(struct gw *g, const struct md_event *e)
{
	if (e->kind != MD_EOS)
		g->md_seq = e->seq;
	else
		g->md_eos = true;
	if (e->kind == MD_STATUS && e->msg_type == 'R')
		memcpy(g->symbols[e->locate], &e->ref, GW_SYMBOL);
	g->st.md_in++;
}

bool gw_symbol(const struct gw *g, uint16_t locate, const char **ret)
{
	*ret = g->symbols[locate];
	return g->symbols[locate][0] != ' ';
}

long gw_locate_of(const struct gw *g, const char sym[GW_SYMBOL])
{
	if (sym[0] == ' ')
		return -1;
	for (long l = 0; l < EXEC_LOCATES; l++)
		if (!memcmp(g->symbols[l], sym, GW_SYMBOL))
			return l;
	return -1;
}

struct gw_order *gw_track(struct gw *g, const struct order_msg *m)
{
	int32_t k = g->free_head;
	if (k < 0)
		return NULL;
	struct gw_order *o = &g->orders[k];
	g->free_head = o->next;
	*o = (struct gw_order){ .order_id = m->order_id,
		                .seq = m->seq,
		                .px = m->px,
		                .qty = m->qty,
		                .leaves = m->qty,
		                .locate = m->locate,
		                .side = m->side,
		                .tif = m->tif,
		                .next = g->open_head,
		                .prev = -1 };
	if (g->open_head >= 0)
		g->orders[g->open_head].prev = k;
	g->open_head = k;
	exec__idmap_insert(&g->ids, m->order_id, k);
	g->nopen++;
	g->st.open_orders = g->nopen;
	return o;
}

struct gw_order *gw_find(struct gw *g, uint64_t order_id)
{
	int32_t k = exec__idmap_find(&g->ids, order_id);
	return k < 0 ? NULL : &g->orders[k];
}

void gw_retire(struct gw *g, struct gw_order *o)
{
	exec__idmap_erase(&g->ids, o->order_id);
	int32_t k = (int32_t)(o - g->orders);
	if (o->prev >= 0)
		g->orders[o->prev].next = o->next;
	else
		g->open_head = o->next;
	if (o->next >= 0)
		g->orders[o->next].prev = o->prev;
	if (o->cancel_due)
		g->ncancel_due--;
	memset(o, 0, sizeof(*o));
	o->next = g->free_head;
	g->free_head = k;
	g->nopen--;
	g->st.open_orders = g->nopen;
}

struct gw_order *gw_adopt(struct gw *g, const struct order_msg *m, uint64_t ts_ns,
                          uint64_t venue_seq)
{
	struct gw_order *o = gw_track(g, m);
	if (!o)
		return NULL;
	o->acked = true;
	uint64_t md = g->md_seq, vs = g->venue_seq;
	g->md_seq = m->seq;
	g->venue_seq = venue_seq;
	gw_report(g, o, EXEC_ACK, o->px, o->qty, EXEC_REASON_ADOPTED, ts_ns);
	g->md_seq = md;
	g->venue_seq = vs;
	return o;
}

static struct exec_report *q_push(struct gw *g)
{
	return &g->q[g->q_tail++ % g->q_cap];
}

void gw_report(struct gw *g, const struct gw_order *o, uint8_t kind, uint32_t px, uint32_t qty,
               uint8_t reason, uint64_t ts_ns)
{
	*q_push(g) = (struct exec_report){ .ts_ns = ts_ns,
		                           .seq = g->md_seq,
		                           .order_id = o->order_id,
		                           .px = px,
		                           .qty = qty,
		                           .leaves_qty = o->leaves,
		                           .cum_qty = o->cum,
		                           .locate = o->locate,
		                           .kind = kind,
		                           .side = o->side,
		                           .reason = reason,
		                           .venue_seq = g->venue_seq };
}

int gw_refuse(struct gw *g, const struct order_msg *m, uint8_t reason, uint64_t *counter)
{
	if (!gw_q_room(g))
		return EXEC_VENUE_BUSY;
	(*counter)++;
	struct gw_order tmp = { .order_id = m->order_id,
		                .seq = m->seq,
		                .px = m->px,
		                .qty = m->qty,
		                .locate = m->locate,
		                .side = m->side };
	gw_report(g, &tmp, EXEC_REJECTED, m->px, m->qty, reason, 0);
	return 0;
}

void gw_report_unknown(struct gw *g, uint64_t order_id, uint8_t kind, uint32_t px, uint32_t qty,
                       uint64_t ts_ns)
{
	g->unknown_reports++;
	*q_push(g) = (struct exec_report){ .ts_ns = ts_ns,
		                           .seq = g->md_seq,
		                           .order_id = order_id,
		                           .px = px,
		                           .qty = qty,
		                           .kind = kind,
		                           .venue_seq = g->venue_seq };
}

uint32_t gw_pop(struct gw *g, struct exec_report *out, uint32_t cap)
{
	uint32_t n = 0;
	while (n < cap && g->q_head != g->q_tail)
		out[n++] = g->q[g->q_head++ % g->q_cap];
	return n;
}

/* ------------------------------------------------------------------------- */
/* The connection. */

int gw_conn_init(struct gw_conn *c, const char *addr, uint64_t retry_ns, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->retry_ns = retry_ns ? retry_ns : 1000000000ull;
	unsigned a, b, d, e, port;
	char tail;
	if (!addr || sscanf(addr, "%u.%u.%u.%u:%u%c", &a, &b, &d, &e, &port, &tail) != 5 ||
	    a > 255 || b > 255 || d > 255 || e > 255 || port == 0 || port > 65535) {
		core_errf(err, errlen, "gateway: connect address '%s' is not A.B.C.D:PORT",
		          addr ? addr : "(none)");
		return -EINVAL;
	}
	c->ip = a << 24 | b << 16 | d << 8 | e;
	c->port = (uint16_t)port;
	return 0;
}

static void fail(struct gw_conn *c, uint64_t now_ns, const char *what, int e)
{
	snprintf(c->why, sizeof(c->why), "%s: %s", what, strerror(e));
	c->failures++;
	gw_conn_close(c, now_ns, NULL);
}

int gw_conn_poll(struct gw_conn *c, uint64_t now_ns)
{
	if (c->fd >= 0 && c->connected)
		return 0;
	if (c->fd < 0) {
		if (now_ns < c->next_try_ns)
			return 0;
		c->connects++;
		c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->fd < 0) {
			fail(c, now_ns, "socket", errno);
			return 0;
		}
		int one = 1;
		(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		struct sockaddr_in sa = { .sin_family = AF_INET,
			                  .sin_port = htons(c->port),
			                  .sin_addr.s_addr = htonl(c->ip) };
		if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			c->connected = true;
			return 1;
		}
		if (errno != EINPROGRESS) {
			fail(c, now_ns, "connect", errno);
			return 0;
		}
	}
	/* in progress: done when writable */
	struct pollfd p = { .fd = c->fd, .events = POLLOUT };
	if (poll(&p, 1, 0) <= 0)
		return 0;
	int e = 0;
	socklen_t el = sizeof(e);
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
		e = errno;
	if (e) {
		fail(c, now_ns, "connect", e);
		return 0;
	}
	c->connected = true;
	return 1;
}

void gw_conn_close(struct gw_conn *c, uint64_t now_ns, const char *why)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->connected = false;
	c->next_try_ns = now_ns + c->retry_ns;
	if (why)
		snprintf(c->why, sizeof(c->why), "%s", why);
}

ssize_t gw_conn_send(struct gw_conn *c, const void *buf, size_t n)
{
	ssize_t k = send(c->fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (k >= 0)
		return k;
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -errno;
}

ssize_t gw_conn_recv(struct gw_conn *c, void *buf, size_t cap)
{
	ssize_t k = recv(c->fd, buf, cap, MSG_DONTWAIT);
	if (k > 0)
		return k;
	if (k == 0)
		return -ECONNRESET;
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -errno;
}
