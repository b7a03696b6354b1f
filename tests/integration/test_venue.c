/* osprey-venue driven by scripted clients over loopback (ports chosen free at
 * run time: the venue listens on port 0 and its log names the ports).
 *
 * usage: test_venue OSPREY_VENUE
 *
 * The venue replays a generated session (3 symbols) as MoldUDP64 to a UDP
 * socket of ours, waits for two logins, and cancels on disconnect. Then:
 *  - SoupBinTCP: an unknown user gets Login Rejected 'A', a wrong session
 *    name 'S'; "alice" logs in (OUCH 4.2) and enters orders naming the last
 *    MoldUDP64 sequence number she saw in the token: a resting buy, an IOC
 *    buy through the book, a marketable sell, a duplicate token (Rejected
 *    'O'), an unknown stock (Rejected 'S'), a cancel of an unknown token
 *    (ignored, counted), a replace (Replaced), a cancel (Canceled 'U'), a
 *    reduce (Canceled for the difference), an order left open, and one
 *    buy at the bid and one sell at the ask per symbol (priced from the
 *    feed's own books) that fill passively as the market trades through;
 *  - "dave" logs in and stays silent: server heartbeats about once a
 *    second, then the venue closes him after the client timeout;
 *  - two more users send a malformed SoupBinTCP packet and a malformed OUCH
 *    message: each of their sessions is closed, the log says why, and
 *    alice's session goes on;
 *  - FIX 4.4 (our initiator, CompID FIXA): an IOC through the book, a
 *    resting order cancelled (ExecutionReport Canceled with 11/41), a replace
 *    (Replaced), a cancel of an unknown ClOrdID (OrderCancelReject), a
 *    NewOrderSingle without Symbol (session Reject naming tag 55), a mass
 *    cancel (Canceled for each open order, OrderMassCancelReport with 533),
 *    Logout;
 *  - alice drops the connection: her open orders are cancelled (Canceled
 *    'Z'); she logs in again from sequence number 3 and gets every message
 *    from 3 again, byte for byte, then the cancels; an order she leaves open
 *    expires at the close (Canceled 'T'); then System Event 'E' and End of
 *    Session; "bob" logs in after the close (End of Session at once) and
 *    his order is refused (drop copy: rejected, closed).
 * After the venue exits (0): its drop copy has one row per report each
 * client got, its positions file equals the positions computed from the
 * clients' own fills, its JSON counters agree, and a matching engine of our
 * own (exec_match over the same generated session, with the orders, cancels
 * and replaces at the md sequence numbers the drop copy names) produces
 * exactly the fills the venue reported.
 *
 * Why one file of about 1,200 lines: it is one scenario, each step building
 * on the last, and its helpers (the clients, the drop-copy reader, the
 * offline matching engine) serve it alone. */
#undef NDEBUG
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"
#include "feeds.h"
#include "venue_run.h"

#define CHECK(c)                                                                              \
	do {                                                                                  \
		if (!(c)) {                                                                   \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); \
			dump_and_fail();                                                      \
		}                                                                             \
	} while (0)

static char dir[64], log_path[128], out_path[128], drop_path[128], pos_path[128];
static pid_t venue_pid;

static void dump_and_fail(void)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "echo '--- venue log'; cat %s; echo '--- venue stdout'; cat %s",
	         log_path, out_path);
	if (system(cmd)) {
	}
	if (venue_pid > 0)
		kill(venue_pid, SIGKILL);
	exit(1);
}

static uint64_t mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static uint64_t wall_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* ------------------------------------------------------------------------- */
/* The MoldUDP64 feed: we only follow its sequence numbers. */

static int mold_fd = -1;
static uint64_t mold_last; /* the highest message sequence number seen */
static bool mold_end;
static struct feeds_books *mbooks; /* the books the feed builds (to price orders) */

static void mold_poll(void)
{
	unsigned char b[2048];
	ssize_t n;
	while ((n = recv(mold_fd, b, sizeof(b), MSG_DONTWAIT)) >= 20) {
		uint64_t seq = core_be64(b + 10);
		uint16_t count = core_be16(b + 18);
		if (count == 0xFFFF) {
			mold_end = true;
			continue;
		}
		if (!count)
			continue;
		CHECK(seq == mold_last + 1); /* loopback, no faults: in order */
		size_t off = 20;
		for (uint16_t i = 0; i < count; i++) {
			CHECK(off + 2 <= (size_t)n);
			uint16_t len = core_be16(b + off);
			struct feeds_itch_msg m;
			struct md_event ev;
			CHECK(feeds_itch_decode(b + off + 2, len, &m, NULL, 0) == 0);
			feeds_books_apply(mbooks, &m, &ev);
			off += 2u + len;
		}
		mold_last = seq + count - 1;
	}
}

/* ------------------------------------------------------------------------- */
/* OUCH clients (core's SoupBinTCP client) */

struct orec {
	unsigned char b[EXEC_OUCH_MAX_LEN];
	uint8_t len;
};

struct oclient {
	struct core_soup_client *c;
	struct orec msgs[4096]; /* by sequence number */
	uint64_t max_seq, got;  /* highest number, messages received on this client */
	bool ended, logged_in;
	int fatal;
};

static uint16_t ouch_port, fix_port;

static void oc_open(struct oclient *o, const char *user, const char *pass, const char *session,
                    uint64_t seq)
{
	char a[32], err[256];
	snprintf(a, sizeof(a), "127.0.0.1:%u", ouch_port);
	struct core_soup_client_cfg cfg = { .addr = a,
		                            .username = user,
		                            .password = pass,
		                            .session = session,
		                            .seq = seq,
		                            .max_reconnects = 1 };
	o->c = NULL;
	o->ended = o->logged_in = false;
	o->fatal = 0;
	o->got = 0;
	CHECK(core_soup_client_create(&cfg, &o->c, err, sizeof(err)) == 0);
}

static void oc_poll(struct oclient *o)
{
	if (!o->c || o->fatal)
		return;
	struct core_soup_event ev;
	int r;
	while ((r = core_soup_client_poll(o->c, core_now_ns(), &ev)) == 1) {
		if (ev.kind == CORE_SOUP_EV_LOGIN)
			o->logged_in = true;
		if (ev.kind == CORE_SOUP_EV_END)
			o->ended = true;
		if (ev.kind == CORE_SOUP_EV_DATA) {
			CHECK(ev.seq < 4096 && ev.len <= EXEC_OUCH_MAX_LEN);
			struct orec *m = &o->msgs[ev.seq];
			if (m->len) /* a replay: the same bytes */
				CHECK(m->len == ev.len && !memcmp(m->b, ev.data, ev.len));
			memcpy(m->b, ev.data, ev.len);
			m->len = (uint8_t)ev.len;
			if (ev.seq > o->max_seq)
				o->max_seq = ev.seq;
			o->got++;
		}
	}
	if (r < 0)
		o->fatal = r;
}

static void oc_send(struct oclient *o, const struct exec_ouch_msg *m)
{
	unsigned char b[64];
	int n = exec_ouch_encode(b, sizeof(b), m);
	CHECK(n > 0);
	CHECK(core_soup_client_send(o->c, b, (size_t)n, core_now_ns()) == 0);
}

/* ------------------------------------------------------------------------- */
/* The FIX client: our session as initiator. */

static struct exec_fix_session FS;
static int ffd = -1;
static char frx[1 << 16];
static size_t fhave;

struct fmsg {
	char type[3];
	char et, os, side, resp;
	char cl[48], orig[48], sym[16];
	uint64_t lq, leaves, cum;
	int64_t lp, total;
	uint32_t ref_tag;
};
static struct fmsg fmsgs[512];
static unsigned nf;

static void f_flush(void)
{
	const char *p;
	size_t n;
	while (ffd >= 0 && (n = exec_fix_session_pending(&FS, &p))) {
		ssize_t w = send(ffd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EAGAIN) {
			struct pollfd pf = { ffd, POLLOUT, 0 };
			poll(&pf, 1, 100);
			continue;
		}
		CHECK(w > 0);
		exec_fix_session_sent(&FS, (size_t)w);
	}
}

static void f_on(const struct exec_fix_msg *m)
{
	CHECK(nf < 512);
	struct fmsg *g = &fmsgs[nf++];
	memset(g, 0, sizeof(*g));
	memcpy(g->type, m->type, 3);
	struct exec_fix_error e;
	if (!strcmp(m->type, "8")) {
		struct exec_fix_exec_report x;
		CHECK(exec_fix_decode_exec_report(m, &x, &e) == 0);
		g->et = x.exec_type;
		g->os = x.ord_status;
		g->side = x.side;
		g->lq = x.last_qty;
		g->lp = x.last_px;
		g->leaves = x.leaves_qty;
		g->cum = x.cum_qty;
		snprintf(g->cl, sizeof(g->cl), "%.*s", (int)x.cl_ord_id.len, x.cl_ord_id.p);
		snprintf(g->orig, sizeof(g->orig), "%.*s", (int)x.orig_cl_ord_id.len,
		         x.orig_cl_ord_id.p);
		snprintf(g->sym, sizeof(g->sym), "%.*s", (int)x.symbol.len, x.symbol.p);
	} else if (!strcmp(m->type, "9")) {
		struct exec_fix_cancel_reject c;
		CHECK(exec_fix_decode_cancel_reject(m, &c, &e) == 0);
		g->resp = c.response_to;
		snprintf(g->cl, sizeof(g->cl), "%.*s", (int)c.cl_ord_id.len, c.cl_ord_id.p);
	} else if (!strcmp(m->type, "r")) {
		struct exec_fix_mass_cancel_report r;
		CHECK(exec_fix_decode_mass_cancel_report(m, &r, &e) == 0);
		g->total = r.total_affected;
		g->resp = r.response;
	} else if (!strcmp(m->type, "3")) {
		struct exec_fix_reject r;
		CHECK(exec_fix_decode_reject(m, &r, &e) == 0);
		g->ref_tag = r.ref_tag;
	}
}

static void f_poll(void)
{
	if (ffd < 0)
		return;
	ssize_t n;
	while ((n = recv(ffd, frx + fhave, sizeof(frx) - fhave, MSG_DONTWAIT)) > 0)
		fhave += (size_t)n;
	if (n == 0) {
		exec_fix_session_disconnected(&FS);
		close(ffd);
		ffd = -1;
		return;
	}
	size_t off = 0;
	for (;;) {
		struct exec_fix_msg m;
		size_t used;
		int r = exec_fix_session_input(&FS, frx + off, fhave - off, wall_ns(), &m, &used);
		off += used;
		if (r == EXEC_FIX_PARTIAL)
			break;
		CHECK(r >= 0);
		if (r == EXEC_FIX_MSG)
			f_on(&m);
	}
	memmove(frx, frx + off, fhave - off);
	fhave -= off;
	CHECK(exec_fix_session_tick(&FS, wall_ns()) >= 0);
	f_flush();
}

static int tcp_connect(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0);
	struct sockaddr_in a = { .sin_family = AF_INET,
		                 .sin_port = htons(port),
		                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	CHECK(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* ------------------------------------------------------------------------- */

static struct oclient alice, bad;

/* dave logs in and then says nothing: server heartbeats, then closed */
static int dave_fd = -1;
static unsigned char dave_rx[65536];
static size_t dave_len;
static bool dave_closed;
static uint64_t dave_login_ns, dave_closed_ns;

static void dave_poll(void)
{
	if (dave_fd < 0 || dave_closed)
		return;
	ssize_t n = recv(dave_fd, dave_rx + dave_len, sizeof(dave_rx) - dave_len, MSG_DONTWAIT);
	if (n > 0)
		dave_len += (size_t)n;
	if (n == 0) {
		dave_closed = true;
		dave_closed_ns = mono_ns();
	}
}

static void pump_once(void)
{
	dave_poll();
	mold_poll();
	oc_poll(&alice);
	f_poll();
	usleep(500);
}

/* Pump until cond or the deadline. */
#define WAIT_FOR(cond, ms)                                           \
	do {                                                         \
		uint64_t end_ = mono_ns() + (uint64_t)(ms)*1000000u; \
		while (!(cond)) {                                    \
			CHECK(mono_ns() < end_);                     \
			pump_once();                                 \
		}                                                    \
	} while (0)

static unsigned ouch_count(const struct oclient *o, int kind, const char *token)
{
	unsigned n = 0;
	for (uint64_t s = 1; s <= o->max_seq; s++) {
		struct exec_ouch_msg m;
		if (!o->msgs[s].len || exec_ouch_decode(o->msgs[s].b, o->msgs[s].len,
		                                        EXEC_OUCH_OUTBOUND, &m, NULL, 0) != kind)
			continue;
		const char *t = kind == EXEC_OUCH_SYSTEM_EVENT ? NULL : m.accepted.token;
		if (kind == EXEC_OUCH_EXECUTED)
			t = m.executed.token;
		else if (kind == EXEC_OUCH_CANCELED)
			t = m.canceled.token;
		else if (kind == EXEC_OUCH_REJECTED)
			t = m.rejected.token;
		else if (kind == EXEC_OUCH_REPLACED)
			t = m.replaced.token;
		if (!token || (t && exec_ouch_alpha_len(t, 14) == strlen(token) &&
		               !memcmp(t, token, strlen(token))))
			n++;
	}
	return n;
}

static const struct exec_ouch_msg *ouch_find(const struct oclient *o, int kind, const char *token,
                                             uint8_t reason)
{
	static struct exec_ouch_msg m;
	for (uint64_t s = 1; s <= o->max_seq; s++) {
		if (!o->msgs[s].len || exec_ouch_decode(o->msgs[s].b, o->msgs[s].len,
		                                        EXEC_OUCH_OUTBOUND, &m, NULL, 0) != kind)
			continue;
		const char *t = kind == EXEC_OUCH_CANCELED   ? m.canceled.token
		                : kind == EXEC_OUCH_REJECTED ? m.rejected.token
		                : kind == EXEC_OUCH_REPLACED ? m.replaced.token
		                                             : m.accepted.token;
		uint8_t why = kind == EXEC_OUCH_CANCELED   ? m.canceled.reason
		              : kind == EXEC_OUCH_REJECTED ? m.rejected.reason
		                                           : 0;
		if (exec_ouch_alpha_len(t, 14) == strlen(token) &&
		    !memcmp(t, token, strlen(token)) && (!reason || reason == why))
			return &m;
	}
	return NULL;
}

static char toks[32][15];
static unsigned w2w_orders; /* orders naming a md seq: the venue measures each */
static const char *tok(int i)
{
	if (!toks[i][0]) {
		char t[14];
		CHECK(exec_order_token_put(t, (uint64_t)i, mold_last) == 0);
		memcpy(toks[i], t, 14);
	}
	return toks[i];
}

static void enter(int i, char side, const char *stock, uint32_t shares, uint32_t px, uint32_t tif)
{
	struct exec_ouch_msg m;
	memset(&m, 0, sizeof(m));
	m.kind = EXEC_OUCH_ENTER;
	memcpy(m.enter.token, tok(i), 14);
	m.enter.side = (uint8_t)side;
	m.enter.shares = shares;
	exec_ouch_alpha_set(m.enter.stock, 8, stock);
	m.enter.price = px;
	m.enter.tif = tif;
	exec_ouch_alpha_set(m.enter.firm, 4, "OSPR");
	m.enter.display = 'Y';
	m.enter.capacity = 'P';
	m.enter.iso = 'N';
	m.enter.cross_type = 'N';
	m.enter.customer_type = ' ';
	oc_send(&alice, &m);
	w2w_orders++;
}

static void ouch_cancel(const char *token, uint32_t shares)
{
	struct exec_ouch_msg m;
	memset(&m, 0, sizeof(m));
	m.kind = EXEC_OUCH_CANCEL;
	exec_ouch_alpha_set(m.cancel.token, 14, token);
	m.cancel.shares = shares;
	oc_send(&alice, &m);
}

/* A raw SoupBinTCP session: log in, then send `bytes`; the venue must close it. */
static void raw_bad(const char *user, const unsigned char *bytes, size_t n)
{
	int fd = tcp_connect(ouch_port);
	unsigned char b[64];
	int k = core_soup_put_login(b, sizeof(b), user, "pw", "", 0);
	CHECK(k > 0 && send(fd, b, (size_t)k, 0) == k);
	CHECK(send(fd, bytes, n, 0) == (ssize_t)n);
	/* read until the venue closes: Login Accepted, System Event, then EOF */
	uint64_t end = mono_ns() + 5000000000ull;
	bool accepted = false;
	for (;;) {
		CHECK(mono_ns() < end);
		ssize_t r = recv(fd, b, sizeof(b), MSG_DONTWAIT);
		if (r > 2 && b[2] == 'A')
			accepted = true;
		if (r == 0)
			break;
		pump_once();
	}
	CHECK(accepted);
	close(fd);
}

/* FIX NewOrderSingle etc. */
static void f_order(const char *cl, char side, const char *sym, uint64_t qty, int64_t px, char tif)
{
	struct exec_fix_order o = { .cl_ord_id = { cl, (uint32_t)strlen(cl) },
		                    .symbol = { sym, (uint32_t)strlen(sym) },
		                    .side = side,
		                    .ord_type = '2',
		                    .tif = tif,
		                    .qty = qty,
		                    .px = px,
		                    .transact_time_ns = wall_ns() };
	CHECK(exec_fix_session_send_new_order(&FS, wall_ns(), &o) == 0);
	f_flush();
	w2w_orders++;
}

static void f_cancel(const char *cl, const char *orig, const char *sym, char side, bool replace,
                     uint64_t qty, int64_t px)
{
	struct exec_fix_order o = { .cl_ord_id = { cl, (uint32_t)strlen(cl) },
		                    .orig_cl_ord_id = { orig, (uint32_t)strlen(orig) },
		                    .symbol = { sym, (uint32_t)strlen(sym) },
		                    .side = side,
		                    .ord_type = '2',
		                    .qty = qty,
		                    .px = px,
		                    .transact_time_ns = wall_ns() };
	if (replace)
		CHECK(exec_fix_session_send_replace(&FS, wall_ns(), &o) == 0);
	else
		CHECK(exec_fix_session_send_cancel(&FS, wall_ns(), &o) == 0);
	f_flush();
}

static unsigned fcount(const char *type, char et, const char *cl)
{
	unsigned n = 0;
	for (unsigned i = 0; i < nf; i++)
		if (!strcmp(fmsgs[i].type, type) && (!et || fmsgs[i].et == et) &&
		    (!cl || !strcmp(fmsgs[i].cl, cl)))
			n++;
	return n;
}

/* ------------------------------------------------------------------------- */
/* Reading the venue's files */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	CHECK(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	CHECK(s && fread(s, 1, (size_t)n, f) == (size_t)n);
	s[n] = 0;
	fclose(f);
	return s;
}

static bool log_port(const char *what, uint16_t *ret)
{
	return venue_log_port(log_path, what, ret);
}

struct row {
	uint64_t md_seq, order_id;
	char account[16], proto[8], token[48], symbol[12], event[12], reason[24];
	char side, tif, liq;
	uint32_t qty, px, leaves, cum;
};

static uint32_t parse_px(const char *s)
{
	uint32_t w = 0, f = 0;
	CHECK(sscanf(s, "%" SCNu32 ".%" SCNu32, &w, &f) == 2);
	return w * 10000 + f;
}

static struct row *read_drop(unsigned *ret_n)
{
	char *s = slurp(drop_path);
	unsigned cap = 1024, n = 0;
	struct row *rows = calloc(cap, sizeof(*rows));
	char *save = NULL, *line = strtok_r(s, "\n", &save);
	CHECK(line && !strncmp(line, "wall_ns,itch_ns,md_seq,account", 30));
	while ((line = strtok_r(NULL, "\n", &save))) {
		if (n == cap) {
			cap *= 2;
			rows = realloc(rows, cap * sizeof(*rows));
		}
		struct row *r = &rows[n++];
		memset(r, 0, sizeof(*r));
		char *f[17];
		int k = 0;
		for (char *p = line; k < 17; k++) {
			f[k] = p;
			char *c = strchr(p, ',');
			if (!c) {
				k++;
				break;
			}
			*c = 0;
			p = c + 1;
		}
		CHECK(k == 17);
		r->md_seq = strtoull(f[2], NULL, 10);
		snprintf(r->account, sizeof(r->account), "%s", f[3]);
		snprintf(r->proto, sizeof(r->proto), "%s", f[4]);
		snprintf(r->token, sizeof(r->token), "%s", f[5]);
		r->order_id = strtoull(f[6], NULL, 10);
		snprintf(r->symbol, sizeof(r->symbol), "%s", f[7]);
		r->side = f[8][0];
		r->tif = f[9][0];
		r->qty = (uint32_t)strtoul(f[10], NULL, 10);
		r->px = parse_px(f[11]);
		r->leaves = (uint32_t)strtoul(f[12], NULL, 10);
		r->cum = (uint32_t)strtoul(f[13], NULL, 10);
		snprintf(r->event, sizeof(r->event), "%s", f[14]);
		snprintf(r->reason, sizeof(r->reason), "%s", f[15]);
		r->liq = f[16][0];
	}
	free(s);
	*ret_n = n;
	return rows;
}

static unsigned rows_count(const struct row *rows, unsigned n, const char *account,
                           const char *event, const char *reason)
{
	unsigned k = 0;
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(rows[i].account, account) && !strcmp(rows[i].event, event) &&
		    (!reason || !strcmp(rows[i].reason, reason)))
			k++;
	return k;
}

/* Positions from what a client was told. */
struct cpos {
	char account[16], symbol[12];
	int64_t position, cash;
	uint64_t fills, bought, sold;
};
static struct cpos cpos[32];
static unsigned ncpos;

static void cpos_fill(const char *account, const char *symbol, char side, uint64_t qty, int64_t px)
{
	struct cpos *p = NULL;
	for (unsigned i = 0; i < ncpos; i++)
		if (!strcmp(cpos[i].account, account) && !strcmp(cpos[i].symbol, symbol))
			p = &cpos[i];
	if (!p) {
		CHECK(ncpos < 32);
		p = &cpos[ncpos++];
		memset(p, 0, sizeof(*p));
		snprintf(p->account, sizeof(p->account), "%s", account);
		snprintf(p->symbol, sizeof(p->symbol), "%s", symbol);
	}
	p->fills++;
	if (side == 'B') {
		p->position += (int64_t)qty;
		p->bought += qty;
		p->cash -= (int64_t)qty * px;
	} else {
		p->position -= (int64_t)qty;
		p->sold += qty;
		p->cash += (int64_t)qty * px;
	}
}

/* ------------------------------------------------------------------------- */
/* Our own matching engine over the same session, driven by the drop copy. */

struct ofill {
	uint64_t order_id, seq;
	uint32_t qty, px;
};
static struct ofill ofills[8192];
static unsigned nofills;

static void offline_sink(void *ctx, const struct exec_match_event *ev)
{
	(void)ctx;
	if (ev->kind == EXEC_MATCH_FILL) {
		CHECK(nofills < 8192);
		ofills[nofills++] = (struct ofill){ ev->order_id, ev->seq, ev->qty, ev->px };
	}
}

static uint32_t acct_id(const char *name)
{
	return !strcmp(name, "alice") ? 1 : !strcmp(name, "FIXA") ? 2 : 3;
}

static void offline_check(const unsigned char *msgs, size_t len, const struct row *rows,
                          unsigned nrows)
{
	char err[256];
	struct feeds_books *b;
	struct exec_match *m;
	CHECK(feeds_books_create(NULL, &b, err, sizeof(err)) == 0);
	struct exec_match_config mc = { .sink = offline_sink, .max_orders = 65536 };
	CHECK(exec_match_create(&mc, &m, err, sizeof(err)) == 0);
	/* symbol -> locate from the R messages */
	char sym[65536 / 64][9];
	memset(sym, 0, sizeof(sym));
	size_t off = 0;
	struct feeds_itch_msg im;
	while (feeds_itch_next(msgs, len, &off, &im, err, sizeof(err)) == 0)
		if (im.type == 'R' && im.locate < 1024) {
			memcpy(sym[im.locate], im.raw + 11, 8);
			for (int k = 7; k >= 0 && sym[im.locate][k] == ' '; k--)
				sym[im.locate][k] = 0;
		}
	off = 0;
	uint64_t seq = 0;
	unsigned requests = 0;
	for (unsigned i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];
		while (seq < r->md_seq) {
			CHECK(feeds_itch_next(msgs, len, &off, &im, err, sizeof(err)) == 0);
			struct md_event ev;
			memset(&ev, 0, sizeof(ev));
			feeds_books_apply(b, &im, &ev);
			ev.seq = ++seq;
			exec_match_market(m, &ev, im.type == 'U' ? im.u.replace.orig_ref : 0);
		}
		uint32_t a = acct_id(r->account);
		if (!strcmp(r->event, "accepted")) {
			uint16_t loc = 0;
			for (uint16_t k = 1; k < 1024; k++)
				if (!strcmp(sym[k], r->symbol))
					loc = k;
			CHECK(loc);
			struct exec_match_order o = { .order_id = r->order_id,
				                      .account = a,
				                      .px = r->px,
				                      .qty = r->qty,
				                      .locate = loc,
				                      .side = (uint8_t)r->side,
				                      .tif = r->tif == 'i' ? EXEC_TIF_IOC
				                                           : EXEC_TIF_DAY };
			CHECK(exec_match_new(m, &o) == 0);
			requests++;
		} else if (!strcmp(r->event, "canceled") && strcmp(r->reason, "ioc")) {
			if (!strcmp(r->reason, "reduce"))
				CHECK(exec_match_replace(m, a, r->order_id, 0, r->px,
				                         r->cum + r->leaves) == 0);
			else
				CHECK(exec_match_cancel(m, a, r->order_id,
				                        EXEC_REASON_USER_CANCEL) == 0);
			requests++;
		} else if (!strcmp(r->event, "replaced")) {
			CHECK(exec_match_replace(m, a, r->order_id, 0, r->px, r->qty) == 0);
			requests++;
		}
	}
	/* the venue's fills, in its order, against ours */
	unsigned k = 0;
	for (unsigned i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];
		if (strcmp(r->event, "fill"))
			continue;
		CHECK(k < nofills);
		if (ofills[k].order_id != r->order_id || ofills[k].qty != r->qty ||
		    ofills[k].px != r->px || ofills[k].seq != r->md_seq) {
			fprintf(stderr,
			        "fill %u: venue order %" PRIu64 " %u @ %u at md %" PRIu64
			        ", ours order %" PRIu64 " %u @ %u at md %" PRIu64 "\n",
			        k, r->order_id, r->qty, r->px, r->md_seq, ofills[k].order_id,
			        ofills[k].qty, ofills[k].px, ofills[k].seq);
			CHECK(0);
		}
		k++;
	}
	CHECK(k == nofills);
	printf("offline matching engine: %u requests replayed, the same %u fills\n", requests, k);
	exec_match_destroy(m);
	feeds_books_destroy(b);
}

/* ------------------------------------------------------------------------- */

static long json_num(const char *json, const char *obj, const char *key)
{
	const char *o = strstr(json, obj);
	CHECK(o);
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	const char *p = strstr(o, pat);
	CHECK(p);
	return strtol(p + strlen(pat), NULL, 10);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_venue OSPREY_VENUE\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	CHECK(core_clock_init(10) == 0);
	snprintf(dir, sizeof(dir), "/tmp/osprey-venue-test.XXXXXX");
	CHECK(mkdtemp(dir));
	snprintf(log_path, sizeof(log_path), "%s/venue.log", dir);
	snprintf(out_path, sizeof(out_path), "%s/venue.json", dir);
	snprintf(drop_path, sizeof(drop_path), "%s/drop.csv", dir);
	snprintf(pos_path, sizeof(pos_path), "%s/positions.csv", dir);

	/* the feed's socket first: its port goes on the venue's command line */
	mold_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in ma = { .sin_family = AF_INET,
		                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t ml = sizeof(ma);
	CHECK(bind(mold_fd, (struct sockaddr *)&ma, sizeof(ma)) == 0);
	CHECK(getsockname(mold_fd, (struct sockaddr *)&ma, &ml) == 0);
	int rb = 8 << 20;
	setsockopt(mold_fd, SOL_SOCKET, SO_RCVBUF, &rb, sizeof(rb));
	char mold[32];
	snprintf(mold, sizeof(mold), "127.0.0.1:%u", ntohs(ma.sin_port));

	char err[256];
	CHECK(feeds_books_create(NULL, &mbooks, err, sizeof(err)) == 0);
	char seed[] = "5", messages[] = "40000";
	char *vargv[] = { argv[1],
		          "--generate",
		          "--seed",
		          seed,
		          "--messages",
		          messages,
		          "--symbols",
		          "3",
		          "--mold",
		          mold,
		          "--speed",
		          "4000x",
		          "--ouch",
		          "127.0.0.1:0",
		          "--fix",
		          "127.0.0.1:0",
		          "--users",
		          "alice:pw1,bob:pw,carol:pw,dave:pw,FIXA:",
		          "--wait-logins",
		          "2",
		          "--client-timeout-ms",
		          "2500",
		          "--cancel-on-disconnect",
		          "--linger-ms",
		          "300",
		          "--end-wait-ms",
		          "4000",
		          "--drop-copy",
		          drop_path,
		          "--positions",
		          pos_path,
		          "--json",
		          NULL };
	CHECK(venue_spawn(&venue_pid, vargv, out_path, log_path) == 0);
	uint64_t end = mono_ns() + 20000000000ull;
	while (!log_port("ouch", &ouch_port) || !log_port("fix", &fix_port)) {
		CHECK(mono_ns() < end);
		usleep(10000);
	}
	printf("venue up: ouch port %u, fix port %u, feed %s\n", ouch_port, fix_port, mold);

	/* refused logins */
	oc_open(&bad, "mallry", "x", NULL, 1);
	WAIT_FOR((oc_poll(&bad), bad.fatal), 5000);
	CHECK(bad.fatal == -EACCES);
	core_soup_client_destroy(bad.c);
	oc_open(&bad, "alice", "pw1", "WRONGSESS", 1);
	WAIT_FOR((oc_poll(&bad), bad.fatal), 5000);
	CHECK(bad.fatal == -ENOENT);
	core_soup_client_destroy(bad.c);
	oc_open(&bad, "alice", "wrong", NULL, 1);
	WAIT_FOR((oc_poll(&bad), bad.fatal), 5000);
	CHECK(bad.fatal == -EACCES);
	core_soup_client_destroy(bad.c);
	printf("refused: unknown user 'A', wrong session 'S', wrong password 'A'\n");

	/* alice and FIXA log in: the feed starts */
	oc_open(&alice, "alice", "pw1", NULL, 1);
	WAIT_FOR(alice.logged_in, 5000);
	{
		dave_fd = tcp_connect(ouch_port);
		unsigned char b[64];
		int n = core_soup_put_login(b, sizeof(b), "dave", "pw", "", 0);
		CHECK(n > 0 && send(dave_fd, b, (size_t)n, 0) == n);
		dave_login_ns = mono_ns();
	}
	ffd = tcp_connect(fix_port);
	struct exec_fix_session_config fc = { .sender = "FIXA",
		                              .target = "EXEC",
		                              .initiator = true,
		                              .heartbeat_s = 30,
		                              .reset_on_logon = true };
	CHECK(exec_fix_session_init(&FS, &fc, err, sizeof(err)) == 0);
	CHECK(exec_fix_session_start(&FS, wall_ns()) == 0);
	f_flush();
	WAIT_FOR(exec_fix_session_state(&FS) == EXEC_FIX_ACTIVE, 5000);
	WAIT_FOR(mold_last >= 3000, 10000);
	printf("logged in; the feed is at message %" PRIu64 "\n", mold_last);

	/* alice's orders (OSPA, OSPB, OSPC are the generated symbols) */
	const uint32_t LOW = 1, HIGH = 1000000000; /* $0.0001, $100000 */
	enter(1, 'B', "OSPA", 100, LOW, 99999);
	enter(2, 'B', "OSPA", 300, HIGH, 0);
	enter(3, 'S', "OSPB", 200, LOW, 99999);
	struct exec_ouch_msg m;
	memset(&m, 0, sizeof(m)); /* a duplicate of token 1 */
	enter(1, 'B', "OSPA", 100, LOW, 99999);
	enter(5, 'B', "ZZZZ", 100, LOW, 99999);
	ouch_cancel("NOSUCHTOKEN", 0);
	enter(6, 'B', "OSPC", 100, LOW, 99999);
	WAIT_FOR(ouch_find(&alice, EXEC_OUCH_ACCEPTED, tok(6), 0), 5000);
	m.kind = EXEC_OUCH_REPLACE;
	memcpy(m.replace.existing, tok(6), 14);
	memcpy(m.replace.replacement, tok(7), 14);
	m.replace.shares = 150;
	m.replace.price = 2;
	m.replace.tif = 99999;
	m.replace.display = 'Y';
	m.replace.iso = 'N';
	oc_send(&alice, &m);
	ouch_cancel(tok(1), 0);
	enter(8, 'B', "OSPA", 500, LOW, 99999);
	WAIT_FOR(ouch_find(&alice, EXEC_OUCH_ACCEPTED, tok(8), 0), 5000);
	ouch_cancel(tok(8), 200); /* leave 200: Canceled 300 */
	enter(9, 'B', "OSPB", 50, LOW, 99999);
	WAIT_FOR(ouch_find(&alice, EXEC_OUCH_ACCEPTED, tok(9), 0) &&
	                 ouch_find(&alice, EXEC_OUCH_REPLACED, tok(7), 0) &&
	                 ouch_find(&alice, EXEC_OUCH_CANCELED, tok(1), 'U') &&
	                 ouch_find(&alice, EXEC_OUCH_CANCELED, tok(8), 'U'),
	         5000);
	CHECK(ouch_find(&alice, EXEC_OUCH_ACCEPTED, tok(1), 0));
	CHECK(ouch_find(&alice, EXEC_OUCH_ACCEPTED, tok(2), 0));
	CHECK(ouch_find(&alice, EXEC_OUCH_ACCEPTED, tok(3), 0));
	CHECK(ouch_find(&alice, EXEC_OUCH_REJECTED, tok(1), 'O'));
	CHECK(ouch_find(&alice, EXEC_OUCH_REJECTED, tok(5), 'S'));
	CHECK(ouch_count(&alice, EXEC_OUCH_ACCEPTED, tok(1)) == 1);
	const struct exec_ouch_msg *rp = ouch_find(&alice, EXEC_OUCH_REPLACED, tok(7), 0);
	CHECK(rp->replaced.shares == 150 && rp->replaced.price == 2 &&
	      exec_ouch_alpha_len(rp->replaced.previous, 14) == 14 &&
	      !memcmp(rp->replaced.previous, tok(6), 14));
	CHECK(ouch_find(&alice, EXEC_OUCH_CANCELED, tok(8), 'U')->canceled.decrement == 300);
	/* the IOC through the book traded (the generated book has asks) and ended */
	WAIT_FOR(ouch_count(&alice, EXEC_OUCH_EXECUTED, tok(2)) > 0, 5000);
	printf("ouch: accepted, executed (%u fills of the IOC), rejected 'O' and 'S', replaced, "
	       "canceled, reduced\n",
	       ouch_count(&alice, EXEC_OUCH_EXECUTED, tok(2)));

	/* orders at the touch: they join the queue and fill as the market trades
	 * through their place (passive fills, liquidity 'A') */
	for (uint16_t loc = 1; loc <= 3; loc++) {
		struct feeds_level bid, ask;
		CHECK(feeds_books_bbo(mbooks, loc, &bid, &ask) == 0);
		const char *sym = feeds_books_symbol(mbooks, loc);
		if (bid.px)
			enter(10 + 2 * loc, 'B', sym, 100, bid.px, 99999);
		if (ask.px)
			enter(11 + 2 * loc, 'S', sym, 100, ask.px, 99999);
		char cl[32];
		snprintf(cl, sizeof(cl), "%u-%" PRIu64, 20u + loc, mold_last);
		if (bid.px)
			f_order(cl, '1', sym, 100, bid.px, '0');
		snprintf(cl, sizeof(cl), "%u-%" PRIu64, 30u + loc, mold_last);
		if (ask.px)
			f_order(cl, '2', sym, 100, ask.px, '0');
	}
	uint64_t wait_until = mold_last + 6000;
	WAIT_FOR(mold_last >= wait_until, 10000);

	/* malformed input closes only that session */
	unsigned char junk[] = { 0, 1, 'Q' }; /* a packet type clients never send */
	raw_bad("bob", junk, sizeof(junk));
	unsigned char shortenter[32];
	unsigned char body[10] = { 'O', 'X', 'X' }; /* Enter Order of 10 bytes, not 49 */
	int k = core_soup_put_unsequenced(shortenter, sizeof(shortenter), body, sizeof(body));
	raw_bad("carol", shortenter, (size_t)k);
	uint64_t before = alice.got;
	enter(10, 'B', "OSPC", 10, LOW, 99999);
	WAIT_FOR(ouch_find(&alice, EXEC_OUCH_ACCEPTED, tok(10), 0), 5000);
	CHECK(alice.got > before && !alice.fatal);
	printf("malformed SoupBinTCP and OUCH: those two sessions closed, alice's goes on\n");

	/* FIX */
	char c1[32], c2[32], c3[32], c8[32], c9[32];
	snprintf(c1, sizeof(c1), "1-%" PRIu64, mold_last);
	snprintf(c2, sizeof(c2), "2-%" PRIu64, mold_last);
	snprintf(c3, sizeof(c3), "3-%" PRIu64, mold_last);
	snprintf(c8, sizeof(c8), "8-%" PRIu64, mold_last);
	snprintf(c9, sizeof(c9), "9-%" PRIu64, mold_last);
	f_order(c1, '1', "OSPA", 200, HIGH, '3');
	f_order(c2, '1', "OSPB", 100, LOW, '0');
	f_order(c3, '2', "OSPC", 100, HIGH, '0');
	WAIT_FOR(fcount("8", '0', c2) && fcount("8", '0', c3), 5000);
	f_cancel("R3", c3, "OSPC", '2', true, 120, HIGH + 10000);
	f_cancel("C2", c2, "OSPB", '1', false, 100, 0);
	f_cancel("C9", "nosuch", "OSPB", '1', false, 100, 0);
	{ /* a NewOrderSingle without Symbol: our session's numbers, built by hand */
		struct exec_fix_header h;
		CHECK(exec_fix_header_init(&h, "FIXA", "EXEC", err, sizeof(err)) == 0);
		char b[512];
		struct exec_fix_builder bl;
		uint64_t seq = exec_fix_session_next_out(&FS);
		exec_fix_build_begin(&bl, &h, b, sizeof(b), "D", seq, wall_ns(), 0);
		exec_fix_put_str(&bl, 11, "NOSYM", 5);
		exec_fix_put_char(&bl, 54, '1');
		exec_fix_put_time(&bl, 60, wall_ns());
		exec_fix_put_int(&bl, 38, 100);
		exec_fix_put_char(&bl, 40, '2');
		exec_fix_put_price(&bl, 44, 10000);
		int n = exec_fix_build_end(&bl);
		CHECK(n > 0 && send(ffd, b, (size_t)n, 0) == n);
		CHECK(exec_fix_session_set_next_out(&FS, seq + 1) == 0);
	}
	f_order(c8, '1', "OSPA", 100, LOW, '0');
	f_order(c9, '1', "OSPC", 100, LOW, '0');
	WAIT_FOR(fcount("8", '5', "R3") && fcount("8", '4', "C2") && fcount("9", 0, "C9") &&
	                 fcount("3", 0, NULL) && fcount("8", '0', c8) && fcount("8", '0', c9),
	         5000);
	for (unsigned i = 0; i < nf; i++) {
		if (!strcmp(fmsgs[i].type, "8") && fmsgs[i].et == '4' && !strcmp(fmsgs[i].cl, "C2"))
			CHECK(!strcmp(fmsgs[i].orig, c2));
		if (!strcmp(fmsgs[i].type, "8") && fmsgs[i].et == '5')
			CHECK(!strcmp(fmsgs[i].orig, c3));
		if (!strcmp(fmsgs[i].type, "3"))
			CHECK(fmsgs[i].ref_tag == 55);
	}
	CHECK(fcount("8", 'F', c1) > 0); /* the IOC traded */
	struct exec_fix_mass_cancel q = { .cl_ord_id = { "MASS1", 5 },
		                          .request_type = '7',
		                          .transact_time_ns = wall_ns() };
	unsigned nf0 = nf;
	CHECK(exec_fix_session_send_mass_cancel(&FS, wall_ns(), &q) == 0);
	f_flush();
	WAIT_FOR(fcount("r", 0, NULL), 5000);
	const struct fmsg *mr = NULL;
	for (unsigned i = 0; i < nf; i++)
		if (!strcmp(fmsgs[i].type, "r"))
			mr = &fmsgs[i];
	/* open: R3 (the replaced c3), c8, c9, and the orders at the touch not filled */
	unsigned mass_canceled = 0;
	for (unsigned i = nf0; i < nf; i++)
		mass_canceled += !strcmp(fmsgs[i].type, "8") && fmsgs[i].et == '4';
	CHECK(mr->resp == '7' && mr->total >= 3 && mr->total == (int64_t)mass_canceled);
	CHECK(fcount("8", '4', "R3") == 1 && fcount("8", '4', c8) == 1 &&
	      fcount("8", '4', c9) == 1);
	CHECK(exec_fix_session_logout(&FS, wall_ns(), NULL) == 0);
	f_flush();
	WAIT_FOR(ffd < 0 || exec_fix_session_state(&FS) == EXEC_FIX_CLOSING, 5000);
	if (ffd >= 0)
		close(ffd);
	ffd = -1;
	printf("fix: new, trade, replaced, canceled (11/41), cancel reject, session reject (55), "
	       "mass cancel of %" PRId64 ", logout\n",
	       mr->total);

	/* alice drops; her open orders are cancelled; she comes back from 3 */
	uint64_t seen = alice.max_seq;
	core_soup_client_destroy(alice.c);
	alice.c = NULL;
	usleep(100000);
	oc_open(&alice, "alice", "pw1", NULL, 3);
	WAIT_FOR(alice.logged_in && alice.got >= seen - 2 &&
	                 ouch_find(&alice, EXEC_OUCH_CANCELED, tok(9), 'Z'),
	         5000);
	CHECK(ouch_find(&alice, EXEC_OUCH_CANCELED, tok(7), 'Z'));
	CHECK(ouch_find(&alice, EXEC_OUCH_CANCELED, tok(8), 'Z'));
	CHECK(ouch_find(&alice, EXEC_OUCH_CANCELED, tok(10), 'Z'));
	unsigned zcancels = 0; /* 7, 8, 9, 10, and 3 and those at the touch not filled yet */
	for (int t = 1; t <= 17; t++)
		zcancels += ouch_find(&alice, EXEC_OUCH_CANCELED, tok(t), 'Z') != NULL;
	CHECK(zcancels >= 4);
	printf("alice re-logged in from 3: %" PRIu64 " messages replayed byte for byte, then the "
	       "cancels on disconnect\n",
	       seen - 2);

	/* an order left open at the close expires (Canceled 'T'); then System
	 * Event E, End of Session */
	enter(18, 'B', "OSPA", 100, LOW, 99999);
	WAIT_FOR(ouch_find(&alice, EXEC_OUCH_ACCEPTED, tok(18), 0), 5000);
	WAIT_FOR(alice.ended, 30000);
	CHECK(ouch_find(&alice, EXEC_OUCH_CANCELED, tok(18), 'T'));
	CHECK(ouch_count(&alice, EXEC_OUCH_SYSTEM_EVENT, NULL) == 2);
	{ /* bob logs in after the close: End of Session at once; his order is refused */
		int fd = tcp_connect(ouch_port);
		unsigned char b[128];
		int kk = core_soup_put_login(b, sizeof(b), "bob", "pw", "", 0);
		CHECK(kk > 0 && send(fd, b, (size_t)kk, 0) == kk);
		struct exec_ouch_msg e;
		memset(&e, 0, sizeof(e));
		e.kind = EXEC_OUCH_ENTER;
		exec_ouch_alpha_set(e.enter.token, 14, "BOBLATE");
		e.enter.side = 'B';
		e.enter.shares = 100;
		exec_ouch_alpha_set(e.enter.stock, 8, "OSPA");
		e.enter.price = LOW;
		e.enter.tif = 99999;
		exec_ouch_alpha_set(e.enter.firm, 4, "OSPR");
		e.enter.display = 'Y';
		e.enter.capacity = 'P';
		e.enter.iso = 'N';
		e.enter.cross_type = 'N';
		e.enter.customer_type = ' ';
		unsigned char pl[64];
		int pn = exec_ouch_encode(pl, sizeof(pl), &e);
		kk = core_soup_put_unsequenced(b, sizeof(b), pl, (size_t)pn);
		CHECK(kk > 0 && send(fd, b, (size_t)kk, 0) == kk);
		kk = core_soup_put_logout(b, sizeof(b));
		CHECK(kk > 0 && send(fd, b, (size_t)kk, 0) == kk);
		uint64_t until = mono_ns() + 5000000000ull;
		while (recv(fd, b, sizeof(b), MSG_DONTWAIT) != 0) {
			CHECK(mono_ns() < until);
			pump_once();
		}
		close(fd);
	}
	core_soup_client_logout(alice.c, core_now_ns());
	for (int i = 0; i < 20; i++)
		pump_once();
	core_soup_client_destroy(alice.c);
	alice.c = NULL;
	int status;
	end = mono_ns() + 20000000000ull;
	while (waitpid(venue_pid, &status, WNOHANG) == 0) {
		CHECK(mono_ns() < end);
		usleep(20000);
	}
	venue_pid = 0;
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	char *json = slurp(out_path);
	char *log = slurp(log_path);
	printf("venue summary: %s", json);
	CHECK(strstr(log, "bob: closed: malformed SoupBinTCP packet"));
	CHECK(strstr(log, "carol: closed: malformed OUCH message"));

	/* dave: Login Accepted, server heartbeats about once a second, then closed
	 * for his silence after the timeout (2.5 s here) */
	{
		size_t off = 0;
		unsigned hb = 0, acc = 0;
		struct core_soup_pkt pk;
		while (core_soup_next(dave_rx, dave_len, &off, CORE_SOUP_FROM_SERVER, &pk, NULL,
		                      0) == 0) {
			hb += pk.type == 'H';
			acc += pk.type == 'A';
		}
		double secs = (double)(dave_closed_ns - dave_login_ns) / 1e9;
		printf("dave (silent): Login Accepted, %u server heartbeats, closed after %.1f s\n",
		       hb, secs);
		CHECK(acc == 1 && hb >= 1 && dave_closed && secs > 2.0 && secs < 4.5);
		CHECK(strstr(log, "dave: closed: client silent"));
		close(dave_fd);
	}

	/* what the clients were told = the drop copy = the positions file */
	unsigned nrows;
	struct row *rows = read_drop(&nrows);
	CHECK(rows_count(rows, nrows, "alice", "accepted", NULL) ==
	      ouch_count(&alice, EXEC_OUCH_ACCEPTED, NULL));
	CHECK(rows_count(rows, nrows, "alice", "fill", NULL) ==
	      ouch_count(&alice, EXEC_OUCH_EXECUTED, NULL));
	CHECK(rows_count(rows, nrows, "alice", "canceled", NULL) ==
	      ouch_count(&alice, EXEC_OUCH_CANCELED, NULL));
	CHECK(rows_count(rows, nrows, "alice", "rejected", NULL) ==
	      ouch_count(&alice, EXEC_OUCH_REJECTED, NULL));
	CHECK(rows_count(rows, nrows, "bob", "rejected", "closed") == 1);
	CHECK(rows_count(rows, nrows, "alice", "canceled", "close") == 1);
	CHECK(rows_count(rows, nrows, "alice", "replaced", NULL) ==
	      ouch_count(&alice, EXEC_OUCH_REPLACED, NULL));
	CHECK(rows_count(rows, nrows, "FIXA", "accepted", NULL) == fcount("8", '0', NULL));
	CHECK(rows_count(rows, nrows, "FIXA", "fill", NULL) == fcount("8", 'F', NULL));
	CHECK(rows_count(rows, nrows, "FIXA", "canceled", NULL) == fcount("8", '4', NULL));
	CHECK(rows_count(rows, nrows, "FIXA", "replaced", NULL) == fcount("8", '5', NULL));
	CHECK(rows_count(rows, nrows, "alice", "canceled", "disconnect") == zcancels);
	/* positions the clients compute from their own fills */
	for (uint64_t s = 1; s <= alice.max_seq; s++) {
		struct exec_ouch_msg x;
		if (exec_ouch_decode(alice.msgs[s].b, alice.msgs[s].len, EXEC_OUCH_OUTBOUND, &x,
		                     NULL, 0) != EXEC_OUCH_EXECUTED)
			continue;
		/* the token names the order; its symbol and side from its Accepted */
		char t[15];
		memcpy(t, x.executed.token, 14);
		t[14] = 0;
		const struct exec_ouch_msg *acc = ouch_find(&alice, EXEC_OUCH_ACCEPTED, t, 0);
		CHECK(acc);
		char s8[9];
		memcpy(s8, acc->accepted.stock, 8);
		s8[exec_ouch_alpha_len(acc->accepted.stock, 8)] = 0;
		uint8_t side = acc->accepted.side;
		cpos_fill("alice", s8, side == 'B' ? 'B' : 'S', x.executed.shares,
		          x.executed.price);
	}
	for (unsigned i = 0; i < nf; i++)
		if (!strcmp(fmsgs[i].type, "8") && fmsgs[i].et == 'F')
			cpos_fill("FIXA", fmsgs[i].sym, fmsgs[i].side == '1' ? 'B' : 'S',
			          fmsgs[i].lq, fmsgs[i].lp);
	char *pos = slurp(pos_path);
	unsigned lines = 0;
	for (char *p = pos; (p = strchr(p, '\n')); p++)
		lines++;
	CHECK(lines == ncpos + 1);
	for (unsigned i = 0; i < ncpos; i++) {
		char want[4096];
		const struct cpos *p = &cpos[i];
		uint64_t ac = (uint64_t)(p->cash < 0 ? -p->cash : p->cash);
		snprintf(want, sizeof(want),
		         "\n%s,%s,%" PRId64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%s%" PRIu64
		         ".%04" PRIu64 "\n",
		         p->account, p->symbol, p->position, p->fills, p->bought, p->sold,
		         p->cash < 0 ? "-" : "", ac / 10000, ac % 10000);
		if (!strstr(pos, want)) {
			fprintf(stderr, "positions file lacks:%spositions file:\n%s", want, pos);
			CHECK(0);
		}
	}
	printf("positions: %u rows, the same as the clients' own fills\n", ncpos);

	/* counters */
	CHECK(json_num(json, "\"ouch\"", "login_rejects") == 3);
	CHECK(json_num(json, "\"ouch\"", "logins") == 6); /* alice twice, bob twice, carol, dave */
	CHECK(json_num(json, "\"ouch\"", "malformed") == 2);
	CHECK(json_num(json, "\"fix\"", "session_rejects_sent") == 1);
	CHECK(json_num(json, "\"orders\"", "cancel_unknown") == 2); /* OUCH + FIX */
	CHECK(json_num(json, "\"orders\"", "duplicate_tokens") == 1);
	CHECK(json_num(json, "\"orders\"", "unknown_symbols") == 1);
	CHECK(json_num(json, "\"orders\"", "mass_cancels") == 1);
	CHECK(json_num(json, "\"orders\"", "expired") == 1);
	CHECK(json_num(json, "\"orders\"", "closed_rejects") == 1);
	CHECK(json_num(json, "\"orders\"", "disconnect_cancels") == zcancels);
	/* every Enter Order (the duplicate too) and NewOrderSingle that decoded */
	CHECK(json_num(json, "\"wire_to_wire_ns\"", "count") == (long)w2w_orders);
	CHECK(json_num(json, "\"wire_to_wire_ns\"", "p50") > 0);

	/* the venue filled as the matching engine does */
	struct feeds_gen_cfg gc = { .seed = 5, .messages = 40000, .symbols = 3 };
	size_t cap = feeds_gen_bound(&gc), mlen;
	unsigned char *msgs = malloc(cap);
	CHECK(feeds_gen(&gc, msgs, cap, &mlen, err, sizeof(err)) == 0);
	offline_check(msgs, mlen, rows, nrows);
	unsigned passive = 0, fills = 0;
	for (unsigned i = 0; i < nrows; i++)
		if (!strcmp(rows[i].event, "fill")) {
			fills++;
			passive += rows[i].liq == 'A';
		}
	printf("%u fills, %u of them passive (a resting order reached by the market)\n", fills,
	       passive);
	CHECK(passive > 0);
	free(msgs);
	free(rows);
	free(pos);
	free(json);
	free(log);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd)) {
	}
	printf("PASS\n");
	return 0;
}
