/* The MetaTrader 5 order gateway (exec/src/gw_mt5.c) against a stand-in for
 * the DWX expert advisor (tests/integration/mt5_ea.py: pyzmq speaking the
 * EA's wire as its MQL source does), through the venue interface.
 *
 * Run A: TRACK_PRICES then a snapshot bring the session UP (and the EA
 * publishes ticks, which the test reads to place its limits); a market
 * (IOC) order filled at once; a buy limit filled later, found by a snapshot;
 * a sell limit cancelled; an OPEN whose answer the EA drops (its ticket
 * learnt from the next snapshot by its comment); a malformed answer before
 * another (counted, dropped); the EA's lot cap (refused, its reason kept); a
 * locate with no symbol (refused before the wire); the EA killed and started
 * again on its ports with the terminal's orders (DOWN after the timeout, UP
 * again, a cancel of an order placed before the restart works); the drain.
 * Run B: a new gateway finds run A's left pending order (ours by its
 * comment) and cancels it; a cancel that meets an order the terminal has
 * filled since the last snapshot gets CLOSE_MARKET: the fill and the closing
 * trade both reported; with a top of book from the md stream, an IOC that
 * would not fill ends here and a marketable DAY order goes as a market
 * order. Last: the positions the reports add up to equal the terminal's. Skips (77) without /usr/bin/python3 and pyzmq. */
#define _GNU_SOURCE
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "exec.h"

/* Debian's python3, which python3-zmq installs into (not a pyenv's on PATH) */
#define PYTHON "/usr/bin/python3"

static const char *script, *dir;
static char state_path[512];

struct ea {
	pid_t pid;
	int ports[3];
	int out; /* its stdout, open until it has ended (it prints at exit) */
};

static struct exec_mt5_gw *gw_now; /* for fail()'s account */
static pid_t ea_pid;                /* the running stand-in: fail() stops it */

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
#define VD_POLL_US 500
#include "venue_driver.h"

static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "FAIL: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	for (unsigned i = 0; i < nlog; i++)
		fprintf(stderr, "report %u: order %llu kind %u reason %u px %u qty %u leaves %u\n", i,
		        (unsigned long long)log_[i].order_id, log_[i].kind, log_[i].reason, log_[i].px,
		        log_[i].qty, log_[i].leaves_qty);
	if (gw_now) {
		struct exec_mt5_gw_stats st;
		exec_mt5_gw_stats(gw_now, &st);
		fprintf(stderr,
		        "gateway: %llu commands (%llu opens, %llu closes, %llu snapshots), %llu answers, "
		        "%llu lost, %llu bad (%s), %llu unexpected, %llu open; %s\n",
		        (unsigned long long)st.commands, (unsigned long long)st.opens,
		        (unsigned long long)st.closes, (unsigned long long)st.snapshots,
		        (unsigned long long)st.answers, (unsigned long long)st.lost_answers,
		        (unsigned long long)st.bad_answers, st.last_bad,
		        (unsigned long long)st.unexpected, (unsigned long long)st.open_orders, st.reason);
	}
	if (ea_pid > 0)
		kill(ea_pid, SIGKILL);
	exit(1);
}

/* python3 mt5_ea.py --state ... [ports] [extra...]: its ports from its first line */
static void ea_start(struct ea *e, const char *const *extra)
{
	int fd[2];
	assert(pipe(fd) == 0);
	char ports[64];
	snprintf(ports, sizeof(ports), "%d,%d,%d", e->ports[0], e->ports[1], e->ports[2]);
	const char *argv[24] = { PYTHON, script, "--state", state_path, "--ports", ports };
	int n = 6;
	for (; extra && *extra; extra++)
		argv[n++] = *extra;
	e->pid = fork();
	assert(e->pid >= 0);
	if (e->pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		union {
			const char **c;
			char *const *v;
		} args = { argv }; /* exec's prototype, not a write */
		execv(PYTHON, args.v);
		_exit(127);
	}
	close(fd[1]);
	ea_pid = e->pid;
	char line[128];
	size_t have = 0;
	struct pollfd p = { .fd = fd[0], .events = POLLIN };
	while (have < sizeof(line) - 1 && !memchr(line, '\n', have)) {
		if (poll(&p, 1, 10000) != 1)
			fail("the EA stand-in printed no ports in 10 s");
		ssize_t r = read(fd[0], line + have, sizeof(line) - 1 - have);
		if (r <= 0)
			fail("the EA stand-in ended before printing its ports");
		have += (size_t)r;
	}
	line[have] = '\0';
	e->out = fd[0];
	if (sscanf(line, "ports %d %d %d", &e->ports[0], &e->ports[1], &e->ports[2]) != 3)
		fail("the EA stand-in said '%s'", line);
}

static void ea_stop(struct ea *e)
{
	int st;
	kill(e->pid, SIGTERM);
	assert(waitpid(e->pid, &st, 0) == e->pid);
	ea_pid = 0;
	close(e->out);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fail("the EA stand-in exited with status %d", st);
}

/* ------------------------------------------------------------------------- */


/* The EA's ticks: wait until EURUSD's ask is above px (in 10^-5), so a buy
 * limit at px is not marketable. */
static void await_ask_above(void *sub, uint32_t px)
{
	uint64_t until = now_ms() + 8000;
	for (;;) {
		char b[128];
		int n = zmq_recv(sub, b, sizeof(b) - 1, ZMQ_DONTWAIT);
		if (n > 0) {
			b[n] = '\0';
			double bid, ask;
			if (sscanf(b, "EURUSD %lf;%lf", &bid, &ask) == 2 && ask * 1e5 > px + 20.0)
				return;
		}
		if (now_ms() > until)
			fail("no EURUSD tick with an ask above %u", px);
		poll_once();
	}
}

static struct exec_mt5_gw *gateway(const struct ea *e, uint64_t trades_every_ms)
{
	static const char *syms[] = { "EURUSD", "GBPUSD" };
	char cmd[64], ans[64], err[256];
	snprintf(cmd, sizeof(cmd), "tcp://127.0.0.1:%d", e->ports[0]);
	snprintf(ans, sizeof(ans), "tcp://127.0.0.1:%d", e->ports[1]);
	struct exec_mt5_gw_config c = { .commands = cmd, .answers = ans, .symbols = syms,
		                        .nsymbols = 2, .trades_every_ns = trades_every_ms * 1000000,
		                        .timeout_ns = 1000000000ull, .drain_ns = 1000000000ull };
	struct exec_mt5_gw *g;
	if (exec_mt5_gw_create(&c, &g, err, sizeof(err)) < 0)
		fail("create: %s", err);
	v = exec_mt5_gw_venue(g);
	gw_now = g;
	return g;
}

/* Net quantity per locate from the fills reported. */
static void net(long pos[3])
{
	pos[0] = pos[1] = pos[2] = 0;
	for (unsigned i = 0; i < nlog; i++)
		if (log_[i].kind == EXEC_FILL)
			pos[log_[i].locate] += log_[i].side == 'B' ? (long)log_[i].qty : -(long)log_[i].qty;
}

/* Net quantity per symbol in the terminal's positions (the state file). */
static void terminal(long *eur, long *gbp, bool *has_order4)
{
	FILE *f = fopen(state_path, "r");
	assert(f);
	static char s[1 << 16];
	size_t n = fread(s, 1, sizeof(s) - 1, f);
	fclose(f);
	s[n] = '\0';
	*eur = *gbp = 0;
	*has_order4 = strstr(s, "\"osprey:4\"") != NULL;
	/* {"magic": M, "symbol": "S", "lots": L, "type": T, ... } per order */
	for (char *p = strstr(s, "\"orders\""); p && (p = strstr(p, "\"symbol\": \"")); p++) {
		char sym[8];
		double lots;
		int type;
		if (sscanf(p, "\"symbol\": \"%7[A-Z]\", \"lots\": %lf, \"type\": %d", sym, &lots,
		           &type) != 3)
			break;
		char *closed = strstr(s, "\"closed\"");
		if (closed && p > closed)
			break;
		if (type > 1)
			continue;
		long q = (long)(lots * 100000 + 0.5) * (type == 0 ? 1 : -1);
		*(strcmp(sym, "EURUSD") ? gbp : eur) += q;
	}
}

/* an assert's abort stops the stand-in too */
static void on_abort(int sig)
{
	if (ea_pid > 0)
		kill(ea_pid, SIGKILL);
	signal(sig, SIG_DFL);
	raise(sig);
}

int main(int argc, char **argv)
{
	signal(SIGABRT, on_abort);
	if (argc < 2)
		fail("usage: test_gw_mt5 mt5_ea.py");
	script = argv[1];
	if (system(PYTHON " -c 'import zmq' 2>/dev/null") != 0) {
		printf("SKIP: python3 with pyzmq (Debian python3-zmq) is not installed\n");
		return 77;
	}
	char tmpl[] = "/tmp/osprey-mt5.XXXXXX";
	dir = mkdtemp(tmpl);
	assert(dir);
	snprintf(state_path, sizeof(state_path), "%s/terminal.json", dir);

	/* ---- run A ---- */
	struct ea e = { 0 };
	const char *faults[] = { "--drop-answer", "osprey:4", "--garbage-before", "osprey:5", NULL };
	ea_start(&e, faults);
	struct exec_mt5_gw *g = gateway(&e, 100);
	char pubaddr[64];
	snprintf(pubaddr, sizeof(pubaddr), "tcp://127.0.0.1:%d", e.ports[2]);
	void *zctx = zmq_ctx_new(), *sub = zmq_socket(zctx, ZMQ_SUB);
	assert(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "EURUSD ", 7) == 0 && zmq_connect(sub, pubaddr) == 0);

	WAIT_FOR(v.ops->session(v.ctx) == EXEC_SESSION_UP, 10000, "session up");
	await_ask_above(sub, 108450); /* ticks flow: TRACK_PRICES went first */

	new_order(1, 1, 'B', 1000, 108700, EXEC_TIF_IOC); /* market: filled at the ask */
	WAIT_FOR(find(1, EXEC_FILL), 3000, "order 1 filled");
	const struct exec_report *f1 = find(1, EXEC_FILL);
	assert(find(1, EXEC_ACK) && f1->qty == 1000 && f1->px >= 108410 && f1->px <= 108610);
	assert(f1->leaves_qty == 0 && f1->side == 'B' && f1->locate == 1);

	await_ask_above(sub, 108420);
	new_order(2, 1, 'B', 2000, 108420, EXEC_TIF_DAY); /* fills at the wave's bottom */
	new_order(3, 1, 'S', 1000, 109000, EXEC_TIF_DAY); /* never */
	new_order(4, 1, 'B', 1000, 108000, EXEC_TIF_DAY); /* its answer dropped */
	new_order(5, 2, 'S', 1000, 128000, EXEC_TIF_DAY); /* garbage before its answer */
	new_order(6, 1, 'B', 200000, 108700, EXEC_TIF_IOC); /* 2 lots: above the EA's cap */
	new_order(7, 3, 'B', 1000, 108700, EXEC_TIF_DAY);   /* locate 3: no symbol */
	WAIT_FOR(find(3, EXEC_ACK) && find(5, EXEC_ACK) && find(6, EXEC_REJECTED), 3000, "answers");
	assert(find(7, EXEC_REJECTED) && find(7, EXEC_REJECTED)->reason == EXEC_REASON_INVALID);
	WAIT_FOR(find(4, EXEC_ACK), 3000, "order 4's ack from a snapshot");
	cancel(3);
	WAIT_FOR(find(3, EXEC_CANCELED), 3000, "order 3 cancelled");
	assert(find(3, EXEC_CANCELED)->reason == EXEC_REASON_USER_CANCEL);
	struct exec_mt5_gw_stats st;
	exec_mt5_gw_stats(g, &st);
	assert(st.lost_answers >= 1 && st.bad_answers == 1 && strstr(st.last_bad, "offset"));
	/* the refusal itself may be one of the answers the EA drops (its socket's
	 * high-water mark is 1): then the snapshot rejects order 6 */
	assert(st.refusals == 0 || (st.refusals == 1 && strstr(st.last_refusal, "LOT_SIZE_ERROR")));
	/* 2 (unless the wave has filled it already), 4, 5 */
	assert(st.no_symbol == 1 && st.open_orders == (find(2, EXEC_FILL) ? 2u : 3u));

	/* the EA stops and starts again on its ports; the terminal keeps the orders */
	ea_stop(&e);
	WAIT_FOR(v.ops->session(v.ctx) == EXEC_SESSION_DOWN, 5000, "down without the EA");
	assert(v.ops->send(v.ctx, &(struct order_msg){ .kind = ORDER_NEW, .order_id = 8, .seq = 8,
	                                              .locate = 1, .side = 'B', .qty = 1000,
	                                              .px = 108000 }) == EXEC_VENUE_BUSY);
	ea_start(&e, NULL);
	WAIT_FOR(v.ops->session(v.ctx) == EXEC_SESSION_UP, 10000, "up again");
	cancel(5);
	WAIT_FOR(find(5, EXEC_CANCELED), 3000, "order 5 cancelled after the restart");
	WAIT_FOR(find(2, EXEC_FILL), 8000, "order 2 filled at the terminal");
	assert(find(2, EXEC_FILL)->px == 108420 && find(2, EXEC_FILL)->qty == 2000);
	send_msg((struct order_msg){ .kind = ORDER_EOS });
	WAIT_FOR(v.ops->session(v.ctx) == EXEC_SESSION_DONE, 3000, "drained");
	exec_mt5_gw_stats(g, &st);
	/* snapshot fills: order 2's, and order 1's when its answer was one the EA
	 * dropped */
	if (st.timeouts != 1 || st.open_orders != 1 || st.snapshot_fills < 1 ||
	    st.snapshot_fills > 2)
		fail("run A ends with %llu timeouts, %llu open orders, %llu snapshot fills (1, 1, 1-2)",
		     (unsigned long long)st.timeouts, (unsigned long long)st.open_orders,
		     (unsigned long long)st.snapshot_fills);
	printf("run A: %llu commands, %llu answers, %llu lost, %llu bad, %llu snapshots\n",
	       (unsigned long long)st.commands, (unsigned long long)st.answers,
	       (unsigned long long)st.lost_answers, (unsigned long long)st.bad_answers,
	       (unsigned long long)st.snapshots);
	exec_mt5_gw_destroy(g);

	/* ---- run B: a snapshot only at the start ---- */
	g = gateway(&e, 20000);
	WAIT_FOR(v.ops->session(v.ctx) == EXEC_SESSION_UP, 10000, "run B up");
	exec_mt5_gw_stats(g, &st);
	assert(st.strays == 1); /* order 4, left open by run A */
	await_ask_above(sub, 108420);
	new_order(10, 1, 'B', 1000, 108420, EXEC_TIF_DAY);
	WAIT_FOR(find(10, EXEC_ACK), 10000, "order 10 acknowledged");
	uint64_t t = now_ms();
	while (now_ms() < t + 4500) /* a whole wave: the terminal fills it */
		poll_once();
	cancel(10);
	WAIT_FOR(find(10, EXEC_FILL), 10000, "order 10's fill from the close");
	const struct exec_report *close = NULL;
	for (unsigned i = 0; i < nlog; i++)
		if (log_[i].order_id == 0 && log_[i].kind == EXEC_FILL)
			close = &log_[i];
	assert(close && close->side == 'S' && close->qty == 1000 && close->locate == 1);
	exec_mt5_gw_stats(g, &st);
	assert(st.closed_at_market == 1);
	/* a top of book from the md stream: an IOC below the ask ends here; a DAY
	 * buy at the ask goes as a market order (a buy limit there is refused) */
	struct md_event top = { .kind = MD_LEVEL, .locate = 1, .bid_px = 108300, .ask_px = 108310 };
	assert(v.ops->market(v.ctx, &top) == 0);
	new_order(11, 1, 'B', 1000, 108200, EXEC_TIF_IOC);
	new_order(12, 1, 'B', 1000, 108310, EXEC_TIF_DAY);
	/* (10 s: the EA may drop an answer, which run B, with no snapshots to
	 * find it, learns by the timeout: DOWN, then UP again before order 12 goes) */
	WAIT_FOR(find(11, EXEC_CANCELED) && find(12, EXEC_FILL), 10000, "orders 11 and 12");
	assert(find(11, EXEC_CANCELED)->reason == EXEC_REASON_IOC && !find(11, EXEC_FILL));
	exec_mt5_gw_stats(g, &st);
	assert(st.ioc_unfilled == 1 && st.opens == 2 && st.open_orders == 0);
	send_msg((struct order_msg){ .kind = ORDER_EOS });
	WAIT_FOR(v.ops->session(v.ctx) == EXEC_SESSION_DONE, 3000, "run B drained");
	exec_mt5_gw_destroy(g);
	ea_stop(&e);

	long pos[3], eur, gbp;
	bool has4;
	net(pos);
	terminal(&eur, &gbp, &has4);
	printf("positions: reports EURUSD %ld GBPUSD %ld; terminal EURUSD %ld GBPUSD %ld\n", pos[1],
	       pos[2], eur, gbp);
	assert(pos[1] == eur && pos[2] == gbp && eur == 4000 && !has4);
	zmq_close(sub);
	zmq_ctx_term(zctx);
	char rm[600];
	snprintf(rm, sizeof(rm), "rm -rf %s", dir);
	(void)system(rm);
	printf("gw_mt5: orders, fills, cancels, refusals, lost and bad answers, an EA restart, "
	       "strays and a close race all reconciled\n");
	return 0;
}
