/* The FIX gateway's recovery is bounded: a restarted gateway (recover on,
 * expecting the venue's message 1) logs on to a scripted acceptor whose
 * Logon says 5, asks for 1-4 again, and the acceptor never resends. The
 * session must not stay replaying (HALTED in the engine) for ever:
 * replay_timeout_ns after the logon it reconciles with what came, says so
 * (replay_timeouts, the reason naming the unfinished resend) and is UP.
 * Loopback, a port chosen at run time, loops bounded in time. */
#define _GNU_SOURCE /* accept4 */
#undef NDEBUG
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "exec.h"

static int listen_any(int *port)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert(s >= 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	assert(bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(s, 4) == 0 &&
	       getsockname(s, (struct sockaddr *)&a, &al) == 0);
	*port = ntohs(a.sin_port);
	return s;
}

int main(void)
{
	assert(core_clock_init(0) == 0);
	int port, ls = listen_any(&port);
	char addr[64], err[256];
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	struct exec_fix_gw *g;
	struct exec_fix_gw_config cfg = { .connect = addr,
		                          .sender = "ENG",
		                          .target = "VEN",
		                          .recover = true,
		                          .seq = 1,
		                          .reconnect_ns = 20000000,
		                          .recv_every_ns = 1000,
		                          .replay_timeout_ns = 300000000 };
	assert(exec_fix_gw_create(&cfg, &g, err, sizeof(err)) == 0);
	struct exec_venue v = exec_fix_gw_venue(g);
	struct exec_fix_header h;
	assert(exec_fix_header_init(&h, "VEN", "ENG", err, sizeof(err)) == 0);

	int c = -1;
	bool logon_seen = false, answered = false, resend_asked = false;
	char in[8192];
	size_t inlen = 0;
	struct exec_report rep[16];
	uint64_t t0 = core_now_ns(), up_at = 0, logon_ns = 0;
	enum exec_session s = EXEC_SESSION_DOWN;
	while (core_now_ns() - t0 < 5000000000ull) {
		(void)v.ops->poll(v.ctx, rep, 16);
		s = v.ops->session(v.ctx);
		if (s == EXEC_SESSION_UP) {
			up_at = core_now_ns();
			break;
		}
		if (c < 0) {
			c = accept4(ls, NULL, NULL, SOCK_NONBLOCK);
			continue;
		}
		ssize_t k = recv(c, in + inlen, sizeof(in) - 1 - inlen, 0);
		if (k > 0) {
			inlen += (size_t)k;
			in[inlen] = 0;
		}
		logon_seen = logon_seen || strstr(in, "\00135=A\001");
		resend_asked = resend_asked || strstr(in, "\00135=2\001");
		if (logon_seen && !answered) {
			/* our Logon at 5: four messages the gateway has not seen */
			char out[512];
			int n = exec_fix_encode_logon(&h, out, sizeof(out), 5, core_now_ns(), 30,
			                              false);
			assert(n > 0 && send(c, out, (size_t)n, 0) == n);
			answered = true;
			logon_ns = core_now_ns();
		}
		if (inlen > sizeof(in) / 2)
			inlen = 0; /* only the flags above matter */
	}
	struct exec_fix_gw_stats st;
	exec_fix_gw_stats(g, &st);
	printf("logon %s, resend asked %s; session %s %.0f ms after the logon; replay timeouts "
	       "%llu; "
	       "reason: %s\n",
	       logon_seen ? "seen" : "NOT seen", resend_asked ? "yes" : "NO",
	       s == EXEC_SESSION_UP ? "UP" : "NOT UP",
	       up_at && logon_ns ? (double)(up_at - logon_ns) / 1e6 : -1.0,
	       (unsigned long long)st.replay_timeouts, st.reason);
	assert(logon_seen && answered && resend_asked);
	assert(s == EXEC_SESSION_UP && st.replay_timeouts == 1);
	assert(up_at - logon_ns >= 300000000ull); /* not before its time */
	assert(strstr(st.reason, "the venue's resend was not complete"));
	assert(st.recovery.state == EXEC_RECOVERY_DONE);
	close(c);
	close(ls);
	exec_fix_gw_destroy(g);
	return 0;
}
