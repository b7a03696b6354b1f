/* Debian's tshark decodes our SoupBinTCP traffic the way we sent and read it.
 *
 * The test server and the client run a session on 127.0.0.1 (2,000 ITCH
 * messages, the link dropped after 700 and resumed) while `tshark -i lo`
 * captures it; then `tshark -r -d tcp.port==PORT,soupbintcp -V` must show:
 * both Login Requests with our username and requested numbers (1, 701), both
 * Login Accepted with the numbers the server gave, every Sequenced Data
 * packet with tshark's own sequence number equal to ours and a length of
 * the ITCH message + 1, the client heartbeats the server counted, and one
 * End of Session. Exit 77 without tshark or capture permission. */
#undef NDEBUG
#include <assert.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "feeds.h"
#include "../core/soup_server.h"

#define NMSG  2000
#define DROP  700

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static bool file_has(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	char line[512];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

int main(void)
{
	if (system("command -v tshark >/dev/null 2>&1") != 0) {
		printf("tshark not installed: skip\n");
		return 77;
	}
	char err[256];
	struct feeds_gen_cfg gc = { .seed = 3, .messages = NMSG, .symbols = 2 };
	size_t cap = feeds_gen_bound(&gc), len;
	unsigned char *msgs = malloc(cap);
	assert(msgs && feeds_gen(&gc, msgs, cap, &len, err, sizeof(err)) == 0);
	uint16_t mlen[NMSG + 1];
	{
		size_t off = 0;
		for (unsigned i = 1; i <= NMSG; i++) {
			mlen[i] = core_be16(msgs + off);
			off += 2 + mlen[i];
		}
		assert(off == len);
	}

	struct soup_server srv;
	struct soup_server_cfg sc = { .msgs = msgs, .msgs_len = len, .user = "osprey",
				      .pass = "pw", .session = "TSHARK0001", .drop_after = DROP,
				      .end_session = true, .hb_ns = 50000000,
				      .pause_after = 100, .pause_ns = 250000000 };
	assert(soup_server_start(&srv, &sc) == 0);

	char dir[] = "/tmp/osprey-soup-tshark.XXXXXX";
	assert(mkdtemp(dir));
	char pcap[600], log[600], filter[64], port_s[16];
	snprintf(pcap, sizeof(pcap), "%s/soup.pcapng", dir);
	snprintf(log, sizeof(log), "%s/tshark.log", dir);
	snprintf(filter, sizeof(filter), "tcp port %u", srv.port);
	snprintf(port_s, sizeof(port_s), "%u", srv.port);

	pid_t pid = fork();
	assert(pid >= 0);
	if (pid == 0) {
		if (!freopen(log, "w", stderr) || !freopen("/dev/null", "w", stdout))
			_exit(127);
		execlp("tshark", "tshark", "-i", "lo", "-f", filter, "-w", pcap, (char *)NULL);
		_exit(127);
	}
	/* Wait until tshark says it is capturing. */
	bool capturing = false;
	for (int i = 0; i < 200 && !capturing; i++) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid)
			break;
		capturing = file_has(log, "Capturing on");
		if (!capturing)
			sleep_ms(50);
	}
	if (!capturing) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		soup_server_stop(&srv);
		printf("tshark cannot capture on lo here: skip\n");
		return 77;
	}
	sleep_ms(300);

	/* The session; the server pauses 250 ms after 100 messages (its H every
	 * 50 ms) and the client sends R after 20 ms of silence. */
	char addr[32];
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", srv.port);
	struct core_soup_client_cfg cc = { .addr = addr, .username = "osprey", .password = "pw",
					    .heartbeat_ns = 20000000, .reconnect_ns = 20000000 };
	struct core_soup_client *c;
	assert(core_soup_client_create(&cc, &c, err, sizeof(err)) == 0);
	uint64_t got = 0, next = 1, t_end = core_monotonic_ns() + 10000000000ull;
	for (;;) {
		uint64_t now = core_monotonic_ns();
		assert(now < t_end);
		struct core_soup_event ev;
		int r = core_soup_client_poll(c, now, &ev);
		if (r == CORE_EOF)
			break;
		assert(r >= 0);
		if (r == 1 && ev.kind == CORE_SOUP_EV_DATA) {
			assert(ev.seq == next++ && ev.len == mlen[ev.seq]);
			got++;
		}
	}
	assert(got == NMSG);
	struct core_soup_client_stats cst;
	core_soup_client_stats(c, &cst);
	core_soup_client_destroy(c);
	sleep_ms(500);
	kill(pid, SIGINT);
	int wst;
	waitpid(pid, &wst, 0);
	soup_server_stop(&srv);

	/* Decode with tshark. */
	char cmd[1400];
	snprintf(cmd, sizeof(cmd), "tshark -r %s -d tcp.port==%s,soupbintcp -V 2>/dev/null", pcap,
		 port_s);
	FILE *p = popen(cmd, "r");
	assert(p);
	char line[1024];
	unsigned n_s = 0, n_l = 0, n_a = 0, n_r = 0, n_z = 0, n_h = 0;
	uint64_t req[4] = { 0 }, acc[4] = { 0 };
	uint64_t expect = 1;
	int pending_len = -1;
	char ptype = 0;
	bool user_ok = true;
	while (fgets(line, sizeof(line), p)) {
		unsigned long long v;
		char t;
		if (strncmp(line, "SoupBinTCP", 10) == 0) {
			ptype = 0;
			pending_len = -1;
			continue;
		}
		if (sscanf(line, "    Packet Length: %llu", &v) == 1) {
			pending_len = (int)v;
			continue;
		}
		if (sscanf(line, "    Packet Type: %*[^(](%*c%c", &t) == 1) {
			ptype = t;
			switch (t) {
			case 'S':
				assert(pending_len == mlen[expect] + 1);
				n_s++;
				break;
			case 'L': n_l++; assert(pending_len == 47); break;
			case 'A': n_a++; assert(pending_len == 31); break;
			case 'R': n_r++; assert(pending_len == 1); break;
			case 'H': n_h++; assert(pending_len == 1); break;
			case 'Z': n_z++; assert(pending_len == 1); break;
			default: break;
			}
			continue;
		}
		if (ptype == 'S' && sscanf(line, "    Sequence number: %llu", &v) == 1) {
			if (v != expect)
				fprintf(stderr, "tshark seq %llu, expected %" PRIu64 "\n", v, expect);
			assert(v == expect);
			expect++;
			/* after the drop the resumed stream restarts at DROP + 1 */
		}
		if (ptype == 'L' && sscanf(line, "    Requested sequence number: %llu", &v) == 1 &&
		    n_l <= 4)
			req[n_l - 1] = v;
		if (ptype == 'A' && sscanf(line, "    Next sequence number: %llu", &v) == 1 && n_a <= 4)
			acc[n_a - 1] = v;
		if (ptype == 'L' && strstr(line, "User Name:"))
			user_ok = user_ok && strstr(line, "User Name: osprey");
	}
	int prc = pclose(p);
	printf("tshark: %u Sequenced Data (server sent %" PRIu64 "), %u Login Request (seq %" PRIu64
	       ", %" PRIu64 "), %u Login Accepted (%" PRIu64 ", %" PRIu64
	       "), %u client heartbeats (server got %" PRIu64 "), %u server heartbeats (client got %"
	       PRIu64 "), %u End of Session\n",
	       n_s, srv.s_sent, n_l, req[0], req[1], n_a, acc[0], acc[1], n_r, srv.hb_received, n_h,
	       cst.hb_received, n_z);
	assert(prc == 0);
	assert(n_s == NMSG && srv.s_sent == NMSG && expect == NMSG + 1);
	assert(n_l == 2 && req[0] == 1 && req[1] == DROP + 1 && user_ok);
	assert(n_a == 2 && acc[0] == 1 && acc[1] == DROP + 1);
	assert(n_r == srv.hb_received && n_h == cst.hb_received && n_z == 1);
	unlink(pcap);
	unlink(log);
	rmdir(dir);
	free(msgs);
	return 0;
}
