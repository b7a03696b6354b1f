/* Interop with a FIX engine we did not write: our session (the initiator)
 * over a loopback TCP socket against QuickFIX (tests/exec/quickfix_acceptor.cpp,
 * data dictionary validation on, FIX44.xml from $OSPREY_SHARED/data/fix).
 *
 * usage: test_fix_quickfix ACCEPTOR   (no argument: QuickFIX absent, skip 77)
 *
 * Session 1 (ResetSeqNumFlag=Y, HeartBtInt 1 s): NewOrderSingle filled in two
 * parts; one that rests, is replaced (G), then cancelled (F); a cancel of an
 * unknown order (OrderCancelReject); an IOC partly filled, its rest
 * cancelled; two resting orders and an OrderMassCancelRequest (two Canceled
 * and an OrderMassCancelReport); then the acceptor skips 3 sequence numbers
 * (a forced gap): our ResendRequest, its gap fill and resend; heartbeats
 * both ways while idle; Logout.
 * Session 2: a restart from our stored sequence numbers (no reset) with our
 * inbound number set 6 back: QuickFIX's Logon is too high for us, our
 * ResendRequest brings its stored reports again with PossDupFlag=Y and gap
 * fills; then an order of ours jumps 5 numbers ahead: QuickFIX queues it and
 * asks for a resend, our gap fill passes over that order (we never resend;
 * the session counts it as not delivered) and QuickFIX acts on the next one;
 * Logout.
 * Passes when every report came back as expected, QuickFIX sent no Reject
 * (3) or BusinessMessageReject (j) and its event log names no rejected
 * message, and we received no Reject either. The run is printed. The port is
 * chosen free at run time; tests/exec/test_fix_quickfix.sh puts the whole
 * test in its own network namespace where it can. */
#undef NDEBUG
#include <arpa/inet.h>
#include <assert.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fix_util.h"

extern char **environ;

static struct exec_fix_session S;
static struct exec_fix_store store;
static int fd = -1;
static char rx[1 << 16];
static size_t have;

struct got {
	char type[3];
	char exec_type, ord_status, response_to;
	char cl[24];
	uint64_t cum, leaves, last_qty;
	int64_t total;
	bool poss_dup;
};
static struct got log_[256];
static unsigned nlog;

static uint64_t wall_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void on_msg(const struct exec_fix_msg *m)
{
	struct got *g = &log_[nlog++ % 256];
	memset(g, 0, sizeof(*g));
	memcpy(g->type, m->type, 3);
	g->poss_dup = m->poss_dup;
	struct exec_fix_error e;
	char t[256];
	if (!strcmp(m->type, "8")) {
		struct exec_fix_exec_report x;
		if (exec_fix_decode_exec_report(m, &x, &e)) {
			exec_fix_error_format(&e, t, sizeof(t));
			fprintf(stderr, "our decoder refused a QuickFIX report: %s\n", t);
			assert(0);
		}
		g->exec_type = x.exec_type;
		g->ord_status = x.ord_status;
		g->cum = x.cum_qty;
		g->leaves = x.leaves_qty;
		g->last_qty = x.last_qty;
		snprintf(g->cl, sizeof(g->cl), "%.*s", (int)x.cl_ord_id.len, x.cl_ord_id.p);
	} else if (!strcmp(m->type, "9")) {
		struct exec_fix_cancel_reject c;
		assert(exec_fix_decode_cancel_reject(m, &c, &e) == 0);
		g->response_to = c.response_to;
		snprintf(g->cl, sizeof(g->cl), "%.*s", (int)c.cl_ord_id.len, c.cl_ord_id.p);
	} else if (!strcmp(m->type, "r")) {
		struct exec_fix_mass_cancel_report r;
		assert(exec_fix_decode_mass_cancel_report(m, &r, &e) == 0);
		g->total = r.total_affected;
		g->response_to = r.response;
	}
	printf("  <- %s\n", fix_show(m->data, m->len));
}

/* Write what the session has pending (loopback: it goes at once). */
static void flush(void)
{
	const char *p;
	size_t n;
	while ((n = exec_fix_session_pending(&S, &p))) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EAGAIN) {
			struct pollfd pf = { fd, POLLOUT, 0 };
			poll(&pf, 1, 100);
			continue;
		}
		assert(w > 0);
		exec_fix_session_sent(&S, (size_t)w);
	}
}

/* Drive the session until done() or the deadline; returns done(). */
static bool run(bool (*done)(void), unsigned ms)
{
	uint64_t end = wall_ns() + (uint64_t)ms * 1000000u;
	for (;;) {
		flush();
		if (done())
			return true;
		if (wall_ns() > end)
			return false;
		struct pollfd pf = { fd, POLLIN, 0 };
		poll(&pf, 1, 5);
		ssize_t n = recv(fd, rx + have, sizeof(rx) - have, MSG_DONTWAIT);
		if (n == 0) {
			printf("  (the acceptor closed the connection)\n");
			exec_fix_session_disconnected(&S);
			return done();
		}
		if (n > 0)
			have += (size_t)n;
		size_t off = 0;
		for (;;) {
			struct exec_fix_msg m;
			size_t used;
			int r = exec_fix_session_input(&S, rx + off, have - off, wall_ns(), &m, &used);
			off += used;
			if (r == EXEC_FIX_PARTIAL)
				break;
			assert(r >= 0);
			if (r == EXEC_FIX_MSG)
				on_msg(&m);
			if (r == EXEC_FIX_CLOSED)
				printf("  session closed: %s\n", exec_fix_session_reason(&S));
		}
		memmove(rx, rx + off, have - off);
		have -= off;
		assert(exec_fix_session_tick(&S, wall_ns()) >= 0);
	}
}

static unsigned want_msgs;
static bool got_msgs(void)
{
	return nlog >= want_msgs;
}
static bool active(void)
{
	return exec_fix_session_state(&S) == EXEC_FIX_ACTIVE;
}
static bool closing(void)
{
	enum exec_fix_state st = exec_fix_session_state(&S);
	return st == EXEC_FIX_CLOSING || st == EXEC_FIX_DOWN;
}
static bool never(void)
{
	return false;
}

static void connect_to(int port)
{
	for (int i = 0; i < 500; i++) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert(fd >= 0);
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
			int one = 1;
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			return;
		}
		close(fd);
		usleep(20000);
	}
	fprintf(stderr, "cannot connect to the acceptor on port %d\n", port);
	exit(1);
}

static void start_session(bool reset, const char *path)
{
	char err[256];
	struct exec_fix_session_config c = { .sender = "ENGINE", .target = "EXEC",
					     .initiator = true, .heartbeat_s = 1,
					     .reset_on_logon = reset, .store = &store };
	assert(exec_fix_store_open(&store, path, err, sizeof(err)) == 0);
	assert(exec_fix_session_init(&S, &c, err, sizeof(err)) == 0);
	assert(exec_fix_session_start(&S, wall_ns()) == 0);
	printf("  -> Logon 34=%llu%s\n", (unsigned long long)exec_fix_session_next_out(&S) - 1,
	       reset ? " 141=Y" : "");
	assert(run(active, 5000));
}

static void end_session(void)
{
	assert(exec_fix_session_logout(&S, wall_ns(), "end of test") == 0);
	assert(run(closing, 5000));
	close(fd);
	exec_fix_session_disconnected(&S);
	assert(exec_fix_store_close(&store) == 0);
}

static struct exec_fix_order order(const char *cl, const char *orig, uint64_t qty, int64_t px,
				   char tif)
{
	return (struct exec_fix_order){ .cl_ord_id = fix_s(cl),
					.orig_cl_ord_id = orig ? fix_s(orig) : (struct exec_fix_str){ 0 },
					.symbol = fix_s("AMZN"), .side = '1', .tif = tif, .qty = qty,
					.px = px, .transact_time_ns = wall_ns() };
}

static void expect(unsigned from, unsigned n)
{
	want_msgs = from + n;
	if (!run(got_msgs, 5000)) {
		fprintf(stderr, "waited for %u messages, got %u\n", want_msgs, nlog);
		assert(0);
	}
}

static void check8(unsigned i, const char *cl, char et, char os, uint64_t cum, uint64_t leaves)
{
	struct got *g = &log_[i];
	if (strcmp(g->type, "8") || strcmp(g->cl, cl) || g->exec_type != et ||
	    g->ord_status != os || g->cum != cum || g->leaves != leaves) {
		fprintf(stderr, "report %u: 35=%s 11=%s 150=%c 39=%c 14=%llu 151=%llu\n", i, g->type,
			g->cl, g->exec_type, g->ord_status, (unsigned long long)g->cum,
			(unsigned long long)g->leaves);
		assert(0);
	}
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		printf("QuickFIX acceptor not built (libquickfix-dev or g++ missing): skip\n");
		return 77;
	}
	const char *shared = getenv("OSPREY_SHARED");
	char dict[1024];
	snprintf(dict, sizeof(dict), "%s/data/fix/quickfix_v1.15.1_FIX44.xml", shared ? shared : "");
	if (!shared || access(dict, R_OK)) {
		printf("%s not readable: skip\n", dict);
		return 77;
	}
	char dir[] = "/tmp/osprey-qf-XXXXXX";
	assert(mkdtemp(dir));
	/* a free port */
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert(bind(s, (struct sockaddr *)&a, sizeof(a)) == 0);
	socklen_t al = sizeof(a);
	assert(getsockname(s, (struct sockaddr *)&a, &al) == 0);
	int port = ntohs(a.sin_port);
	close(s);
	char ports[16], out[600];
	snprintf(ports, sizeof(ports), "%d", port);
	snprintf(out, sizeof(out), "%s/acceptor.out", dir);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	char *args[] = { argv[1], ports, dict, dir, "2", NULL };
	pid_t pid;
	assert(posix_spawn(&pid, argv[1], &fa, NULL, args, environ) == 0);
	posix_spawn_file_actions_destroy(&fa);
	printf("QuickFIX acceptor pid %d on 127.0.0.1:%d, work dir %s\n", (int)pid, port, dir);
	char seqpath[600];
	snprintf(seqpath, sizeof(seqpath), "%s/engine.seq", dir);

	/* ---- session 1 ---- */
	connect_to(port);
	start_session(true, seqpath);
	struct exec_fix_order o;
	unsigned base = nlog;
	o = order("FILL1", NULL, 100, 1892500, '0');
	assert(exec_fix_session_send_new_order(&S, wall_ns(), &o) == 0);
	expect(base, 3);
	check8(base, "FILL1", '0', '0', 0, 100);
	check8(base + 1, "FILL1", 'F', '1', 50, 50);
	check8(base + 2, "FILL1", 'F', '2', 100, 0);
	assert(log_[base + 1].last_qty == 50);

	base = nlog;
	o = order("REST1", NULL, 200, 1500000, '0');
	assert(exec_fix_session_send_new_order(&S, wall_ns(), &o) == 0);
	o = order("REST2", "REST1", 300, 1505000, '0');
	assert(exec_fix_session_send_replace(&S, wall_ns(), &o) == 0);
	o = order("CXL1", "REST2", 300, 0, 0);
	assert(exec_fix_session_send_cancel(&S, wall_ns(), &o) == 0);
	o = order("CXL2", "NOPE", 300, 0, 0);
	assert(exec_fix_session_send_cancel(&S, wall_ns(), &o) == 0);
	expect(base, 4);
	check8(base, "REST1", '0', '0', 0, 200);
	check8(base + 1, "REST2", '5', '5', 0, 300);
	check8(base + 2, "CXL1", '4', '4', 0, 0);
	assert(!strcmp(log_[base + 3].type, "9") && log_[base + 3].response_to == '1');

	base = nlog;
	o = order("IOC1", NULL, 100, 1892500, '3');
	assert(exec_fix_session_send_new_order(&S, wall_ns(), &o) == 0);
	expect(base, 3);
	check8(base, "IOC1", '0', '0', 0, 100);
	check8(base + 1, "IOC1", 'F', '1', 10, 90);
	check8(base + 2, "IOC1", '4', '4', 10, 0);

	base = nlog;
	o = order("REST3", NULL, 10, 1000000, '0');
	assert(exec_fix_session_send_new_order(&S, wall_ns(), &o) == 0);
	o = order("REST4", NULL, 20, 1000000, '0');
	assert(exec_fix_session_send_new_order(&S, wall_ns(), &o) == 0);
	struct exec_fix_mass_cancel q = { .cl_ord_id = fix_s("KILL1"), .transact_time_ns = wall_ns() };
	assert(exec_fix_session_send_mass_cancel(&S, wall_ns(), &q) == 0);
	expect(base, 5);
	check8(base + 2, "REST3", '4', '4', 0, 0);
	check8(base + 3, "REST4", '4', '4', 0, 0);
	assert(!strcmp(log_[base + 4].type, "r") && log_[base + 4].total == 2 &&
	       log_[base + 4].response_to == '7');

	/* the acceptor skips 3 numbers before acknowledging GAP1 */
	const struct exec_fix_session_stats *st = exec_fix_session_stats(&S);
	base = nlog;
	o = order("GAP1", NULL, 10, 1000000, '0');
	assert(exec_fix_session_send_new_order(&S, wall_ns(), &o) == 0);
	expect(base, 1);
	check8(base, "GAP1", '0', '0', 0, 10);
	printf("  gap: seq_too_high %llu, ResendRequest sent %llu, gap fills received %llu, "
	       "the New resent with PossDupFlag: %s\n",
	       (unsigned long long)st->seq_too_high, (unsigned long long)st->resend_requests_sent,
	       (unsigned long long)st->gap_fills_received, log_[base].poss_dup ? "yes" : "no");
	assert(st->seq_too_high >= 1 && st->resend_requests_sent == 1);
	assert(st->gap_fills_received >= 1 && log_[base].poss_dup);

	/* idle with HeartBtInt 1 s: heartbeats both ways, no timeout */
	uint64_t in0 = st->msgs_in;
	run(never, 2600);
	assert(active() && st->heartbeats_sent >= 2 && st->msgs_in >= in0 + 2);
	printf("  idle 2.6 s: %llu heartbeats sent, %llu messages received\n",
	       (unsigned long long)st->heartbeats_sent, (unsigned long long)(st->msgs_in - in0));
	assert(st->rejects_received == 0);
	end_session();

	/* ---- session 2: a restart from the stored numbers, where our inbound
	 * number is 6 behind (as if the last reports had been lost with a host):
	 * the acceptor's Logon is too high, we ask for a resend ---- */
	connect_to(port);
	char err[256];
	assert(exec_fix_store_open(&store, seqpath, err, sizeof(err)) == 0);
	store.seqs->next_in -= 6;
	assert(exec_fix_store_close(&store) == 0);
	base = nlog;
	start_session(false, seqpath);
	const struct exec_fix_session_stats *st2 = exec_fix_session_stats(&S);
	want_msgs = base + 1;
	run(never, 1000); /* the resent reports come with PossDupFlag */
	unsigned resent = nlog - base, resent_dup = 0;
	for (unsigned i = base; i < nlog; i++)
		resent_dup += log_[i].poss_dup;
	printf("  behind by 6: ResendRequest sent %llu, %u application messages resent "
	       "(%u with PossDupFlag), gap fills received %llu\n",
	       (unsigned long long)st2->resend_requests_sent, resent, resent_dup,
	       (unsigned long long)st2->gap_fills_received);
	assert(st2->resend_requests_sent == 1 && resent >= 1 && resent_dup == resent);
	assert(active());

	/* then a gap of ours: the next order jumps 5 numbers; QuickFIX queues it
	 * and asks for 5 onwards; we gap-fill (we never resend), so that order
	 * is dropped and counted as not delivered; the next one is acted on */
	uint64_t jump = exec_fix_session_next_out(&S) + 5;
	assert(exec_fix_session_set_next_out(&S, jump) == 0);
	base = nlog;
	o = order("REST5", NULL, 10, 1000000, '0');
	assert(exec_fix_session_send_new_order(&S, wall_ns(), &o) == 0);
	run(never, 500);
	printf("  our gap: ResendRequests received %llu, gap fills sent %llu: %s\n",
	       (unsigned long long)st2->resend_requests_received,
	       (unsigned long long)st2->gap_fills_sent, exec_fix_session_reason(&S));
	assert(st2->resend_requests_received == 1 && st2->gap_fills_sent == 1);
	assert(st2->app_gap_filled == 1 && nlog == base);
	o = order("REST6", NULL, 10, 1000000, '0');
	assert(exec_fix_session_send_new_order(&S, wall_ns(), &o) == 0);
	expect(base, 1);
	check8(base, "REST6", '0', '0', 0, 10);
	assert(st2->rejects_received == 0);
	end_session();

	int status;
	assert(waitpid(pid, &status, 0) == pid);
	size_t len = 0;
	char *txt = (char *)fix_slurp(out, &len);
	assert(txt);
	char *sum = strstr(txt, "qf-summary");
	printf("acceptor: %s", sum ? sum : "(no summary)\n");
	unsigned in_app = 0;
	for (char *p = txt; (p = strstr(p, "IN app ")); p++)
		in_app++;
	assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert(sum && strstr(sum, "rejects_sent=0 business_rejects_sent=0"));
	assert(!strstr(txt, "REJECT_SENT"));
	/* QuickFIX's own event log: no message it rejected */
	char evp[700];
	snprintf(evp, sizeof(evp), "%s/FIX.4.4-EXEC-ENGINE.event.current.log", dir);
	char *ev = (char *)fix_slurp(evp, &len);
	assert(ev);
	unsigned rejected = 0;
	for (char *p = ev; (p = strstr(p, "Rejected")); p++)
		rejected++;
	printf("QuickFIX received %u application messages from us; event log: %u rejected "
	       "messages\n",
	       in_app, rejected);
	assert(rejected == 0 && in_app == 11);
	free(ev);
	free(txt);
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert(system(cmd) == 0);
	printf("quickfix interop: ok\n");
	return 0;
}
