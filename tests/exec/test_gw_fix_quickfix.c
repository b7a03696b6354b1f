/*
 * The exec stage with the FIX 4.4 order gateway against a QuickFIX acceptor
 * (tests/exec/quickfix_acceptor.cpp, data dictionary on): the stage starts
 * with the venue down, logs on (risk is told EXEC_SESSION UP), learns the
 * symbol from an ITCH 'R' event, sends an IOC order (New, fill 10, the rest
 * Canceled reason IOC), a DAY order and its cancel (reason USER_CANCEL), two
 * more and a cancel-all (OrderMassCancelRequest: both Canceled, reason
 * CANCEL_ALL), an order for an instrument never named (rejected before the
 * wire); then end of stream: the gateway drains, logs out, the stage ends
 * with EXEC_EOS. Positions come from the fills alone. QuickFIX must reject
 * nothing.
 *
 * usage: test_gw_fix_quickfix ACCEPTOR (run by test_fix_quickfix.sh, which
 * gives it a network namespace of its own when the machine allows)
 */
#define _GNU_SOURCE
#undef NDEBUG
#include <arpa/inet.h>
#include <assert.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec.h"

extern char **environ;

static struct core_ring *orders, *md, *reports;
static struct exec_stage *stage;
static struct exec_report got[256];
static unsigned ngot;

/* Poll until pred holds (collecting reports) or ms pass. */
static bool run(bool (*pred)(void), int ms, int *ret_rc)
{
	uint64_t end = core_monotonic_ns() + (uint64_t)ms * 1000000ull;
	while (core_monotonic_ns() < end) {
		uint32_t w;
		int rc = exec_stage_poll(stage, &w);
		assert(rc >= 0);
		if (ret_rc)
			*ret_rc = rc;
		struct exec_report r;
		while (core_ring_pop(reports, &r) == 0) {
			assert(ngot < 256);
			got[ngot++] = r;
		}
		if (pred())
			return true;
		if (!w)
			usleep(100);
	}
	return false;
}

static unsigned want;
static bool have_want(void)
{
	return ngot >= want;
}
static bool session_up(void)
{
	for (unsigned i = 0; i < ngot; i++)
		if (got[i].kind == EXEC_SESSION && got[i].reason == EXEC_SESSION_UP)
			return true;
	return false;
}
static bool ended(void)
{
	return ngot && got[ngot - 1].kind == EXEC_EOS;
}

static void expect(unsigned n)
{
	want = ngot + n;
	if (!run(have_want, 5000, NULL)) {
		fprintf(stderr, "waited for %u reports, have %u\n", want, ngot);
		for (unsigned i = 0; i < ngot; i++)
			fprintf(stderr, "  %u: kind %u id %llu qty %u reason %u\n", i, got[i].kind,
			        (unsigned long long)got[i].order_id, got[i].qty, got[i].reason);
		exit(1);
	}
}

static void check(unsigned i, uint8_t kind, uint64_t id, uint32_t qty, uint8_t reason)
{
	const struct exec_report *r = &got[i];
	if (r->kind != kind || r->order_id != id || r->qty != qty || r->reason != reason) {
		fprintf(stderr, "report %u: kind %u id %llu qty %u reason %u; want %u %llu %u %u\n",
		        i, r->kind, (unsigned long long)r->order_id, r->qty, r->reason, kind,
		        (unsigned long long)id, qty, reason);
		exit(1);
	}
}

static void order(uint64_t id, uint8_t kind, uint16_t locate, uint32_t qty, uint32_t px)
{
	struct order_msg m = { .t0_ns = core_now_ns(),
		               .seq = 100 + id,
		               .order_id = id,
		               .px = px,
		               .qty = qty,
		               .locate = locate,
		               .side = 'B',
		               .kind = kind };
	assert(core_ring_push(orders, &m) == 0);
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
	snprintf(dict, sizeof(dict), "%s/data/fix/quickfix_v1.15.1_FIX44.xml",
	         shared ? shared : "");
	if (!shared || access(dict, R_OK)) {
		printf("%s not readable: skip\n", dict);
		return 77;
	}
	assert(core_clock_init(5) == 0);
	char dir[] = "/tmp/osprey-gwfix-XXXXXX";
	assert(mkdtemp(dir));
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	assert(bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	       getsockname(s, (struct sockaddr *)&a, &al) == 0);
	int port = ntohs(a.sin_port);
	close(s);
	char ports[16], out[600], addr[64], seqs[600];
	snprintf(ports, sizeof(ports), "%d", port);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	snprintf(out, sizeof(out), "%s/acceptor.out", dir);
	snprintf(seqs, sizeof(seqs), "%s/engine.seq", dir);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	char *args[] = { argv[1], ports, dict, dir, "1", NULL };
	pid_t pid;
	assert(posix_spawn(&pid, argv[1], &fa, NULL, args, environ) == 0);
	posix_spawn_file_actions_destroy(&fa);
	printf("QuickFIX acceptor pid %d on %s, work dir %s\n", (int)pid, addr, dir);

	orders = core_ring_create("orders", 64, sizeof(struct order_msg));
	md = core_ring_create("md", 64, sizeof(struct md_event));
	reports = core_ring_create("reports", 256, sizeof(struct exec_report));
	struct exec_fix_gw *gw;
	char err[256];
	struct exec_fix_gw_config gc = { .connect = addr,
		                         .sender = "ENGINE",
		                         .target = "EXEC",
		                         .heartbeat_s = 1,
		                         .reset_on_logon = true,
		                         .store_path = seqs,
		                         .reconnect_ns = 50000000,
		                         .drain_ns = 3000000000ull,
		                         .recv_every_ns = 1000 };
	assert(exec_fix_gw_create(&gc, &gw, err, sizeof(err)) == 0);
	struct exec_config xc = { .orders_in = orders,
		                  .md_in = md,
		                  .reports_out = reports,
		                  .venue = exec_fix_gw_venue(gw),
		                  .max_orders = 64 };
	assert(exec_stage_create(&xc, &stage, err, sizeof(err)) == 0);

	/* the acceptor takes a moment to listen: the gateway retries */
	if (!run(session_up, 10000, NULL)) {
		struct exec_fix_gw_stats st;
		exec_fix_gw_stats(gw, &st);
		fprintf(stderr, "no session: %s\n", st.reason);
		return 1;
	}
	printf("session up after %u report(s)\n", ngot);
	ngot = 0;
	struct md_event r = { .seq = 1, .locate = 1, .kind = MD_STATUS, .msg_type = 'R' };
	memcpy(&r.ref, "AMZN    ", 8);
	assert(core_ring_push(md, &r) == 0);
	/* market data flows before the first order (the gateway waits for the md
	 * stream to name an instrument only once it has seen the stream move) */
	for (int i = 0; i < 10; i++) {
		uint32_t w;
		assert(exec_stage_poll(stage, &w) == 0);
	}

	/* a DAY order: the acceptor acknowledges it; then cancel it */
	order(1, ORDER_NEW, 1, 100, 1892500);
	expect(1);
	check(0, EXEC_ACK, 1, 100, 0);
	order(1, ORDER_CANCEL, 1, 0, 0);
	expect(1);
	check(ngot - 1, EXEC_CANCELED, 1, 100, EXEC_REASON_USER_CANCEL);

	/* two resting orders and a cancel-all */
	order(2, ORDER_NEW, 1, 10, 1000000);
	order(3, ORDER_NEW, 1, 20, 1000000);
	expect(2);
	struct order_msg k = { .seq = 200, .kind = ORDER_CANCEL_ALL };
	assert(core_ring_push(orders, &k) == 0);
	expect(2);
	check(ngot - 2, EXEC_CANCELED, 2, 10, EXEC_REASON_CANCEL_ALL);
	check(ngot - 1, EXEC_CANCELED, 3, 20, EXEC_REASON_CANCEL_ALL);

	/* an IOC order (a flatten goes IOC): New, a fill of 10, the rest cancelled */
	struct order_msg f = { .t0_ns = core_now_ns(),
		               .seq = 150,
		               .order_id = 5,
		               .px = 1892500,
		               .qty = 100,
		               .locate = 1,
		               .side = 'B',
		               .kind = ORDER_NEW,
		               .flags = ORDER_F_FLATTEN };
	assert(core_ring_push(orders, &f) == 0);
	expect(3);
	check(ngot - 3, EXEC_ACK, 5, 100, 0);
	check(ngot - 2, EXEC_FILL, 5, 10, 0);
	check(ngot - 1, EXEC_CANCELED, 5, 90, EXEC_REASON_IOC);
	assert(got[ngot - 2].px == 1892500 && got[ngot - 2].position == 10);

	/* an instrument the md stream never named: once the stream has passed the
	 * order's event, refused before the wire */
	order(4, ORDER_NEW, 9, 10, 1000000);
	struct md_event later = { .seq = 500, .locate = 9, .kind = MD_STATUS, .msg_type = 'H' };
	assert(core_ring_push(md, &later) == 0);
	expect(1);
	check(ngot - 1, EXEC_REJECTED, 4, 10, EXEC_REASON_INVALID);

	/* end of stream: drain (nothing open), Logout, EXEC_EOS */
	struct order_msg eos = { .seq = 300, .kind = ORDER_EOS };
	assert(core_ring_push(orders, &eos) == 0);
	struct md_event meos = { .kind = MD_EOS };
	assert(core_ring_push(md, &meos) == 0);
	int rc = 0;
	assert(run(ended, 10000, &rc) && rc == CORE_EOF);

	struct exec_stats xs;
	exec_stage_stats(stage, &xs);
	struct exec_fix_gw_stats gs;
	exec_fix_gw_stats(gw, &gs);
	printf("stage: sent %llu acks %llu cancels %llu rejects %llu illegal %llu; gateway: "
	       "%llu messages out, rejects received %llu, unknown %llu, reason '%s'\n",
	       (unsigned long long)xs.sent, (unsigned long long)xs.acks,
	       (unsigned long long)xs.cancels, (unsigned long long)xs.rejects,
	       (unsigned long long)xs.illegal, (unsigned long long)gs.sent,
	       (unsigned long long)gs.rejects_received, (unsigned long long)gs.unknown_reports,
	       gs.reason);
	assert(xs.illegal == 0 && gs.rejects_received == 0 && gs.unknown_reports == 0);
	assert(xs.open_orders == 0 && xs.fills == 1 && xs.filled_qty == 10);
	struct position pos;
	exec_stage_position(stage, 1, &pos);
	assert(pos.qty == 10 && pos.cost == 10LL * 1892500);

	int status;
	for (int i = 0; i < 100 && waitpid(pid, &status, WNOHANG) == 0; i++)
		usleep(50000);
	if (waitpid(pid, &status, WNOHANG) == 0) {
		kill(pid, SIGTERM);
		waitpid(pid, &status, 0);
	}
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "grep -h 'qf-summary' %s", out);
	FILE *p = popen(cmd, "r");
	char line[256] = "";
	assert(p && fgets(line, sizeof(line), p));
	pclose(p);
	printf("%s", line);
	assert(strstr(line, "rejects_sent=0") && strstr(line, "business_rejects_sent=0"));
	exec_stage_destroy(stage);
	exec_fix_gw_destroy(gw);
	printf("fix gateway vs QuickFIX: ok\n");
	return 0;
}
