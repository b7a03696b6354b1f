/* osprey-venue under bad clients: mutated and random input on both order-entry
 * ports must never crash it, and it still serves a good client afterwards;
 * then SIGTERM ends it cleanly (exit 0, summary written, "interrupted").
 *
 * usage: test_venue_fuzz OSPREY_VENUE
 *
 * A fixed PRNG seed makes the bytes the same on every run:
 *  - SoupBinTCP: 60 sessions that log in and send valid OUCH packets (Enter,
 *    Cancel, Replace) with 1-4 bytes flipped (lengths too), and 20
 *    connections of random bytes;
 *  - FIX: a session that logs on and sends 200 application messages with
 *    bytes flipped in the body, BodyLength and CheckSum then made right
 *    again (so the content, not the frame, is wrong: session Rejects,
 *    sequence-number trouble, Logouts; the test logs on again when the venue
 *    ends the session), 100 with the frame left broken (ignored, counted),
 *    and 20 connections of random bytes.
 * Passes when the venue is alive after all of it, logs a good OUCH client in,
 * exits 0 on SIGTERM with a JSON summary that counts malformed OUCH and bad
 * FIX input, and (built with sanitizers) reports nothing. */
#undef NDEBUG
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"
#include "venue_run.h"

static char dir[64], log_path[128], out_path[128];
static pid_t venue_pid;

#define CHECK(c)                                                                              \
	do {                                                                                  \
		if (!(c)) {                                                                   \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); \
			fail_dump();                                                          \
		}                                                                             \
	} while (0)

static void fail_dump(void)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd),
	         "echo '--- venue log (tail)'; tail -40 %s; echo '--- stdout'; "
	         "cat %s",
	         log_path, out_path);
	if (system(cmd)) {
	}
	if (venue_pid > 0)
		kill(venue_pid, SIGKILL);
	exit(1);
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
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

static bool venue_alive(void)
{
	int st;
	return waitpid(venue_pid, &st, WNOHANG) == 0;
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

/* Read and drop what the venue sends for up to ms; true when it closed. */
static bool drain(int fd, int ms)
{
	uint64_t end = mono_ns() + (uint64_t)ms * 1000000u;
	char b[4096];
	while (mono_ns() < end) {
		struct pollfd pf = { fd, POLLIN, 0 };
		if (poll(&pf, 1, 10) <= 0)
			continue;
		ssize_t n = recv(fd, b, sizeof(b), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return true;
	}
	return false;
}

static void flip(unsigned char *b, size_t n, unsigned from)
{
	unsigned k = 1 + (unsigned)(rnd() % 4);
	for (unsigned i = 0; i < k && n > from; i++)
		b[from + rnd() % (n - from)] ^= (unsigned char)(1u << (rnd() % 8));
}

static void random_conn(uint16_t port)
{
	int fd = tcp_connect(port);
	unsigned char b[512];
	size_t n = 1 + rnd() % sizeof(b);
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)rnd();
	(void)!send(fd, b, n, MSG_NOSIGNAL);
	drain(fd, 20);
	close(fd);
}

static void ouch_fuzz(uint16_t port)
{
	for (int s = 0; s < 60; s++) {
		int fd = tcp_connect(port);
		unsigned char b[256];
		int k = core_soup_put_login(b, sizeof(b), "erin", "pw", "", 0);
		CHECK(k > 0 && send(fd, b, (size_t)k, MSG_NOSIGNAL) == k);
		for (int m = 0; m < 8; m++) {
			struct exec_ouch_msg o;
			memset(&o, 0, sizeof(o));
			char tok[15];
			snprintf(tok, sizeof(tok), "F%02d%02d", s, m);
			switch (rnd() % 3) {
			case 0:
				o.kind = EXEC_OUCH_ENTER;
				exec_ouch_alpha_set(o.enter.token, 14, tok);
				o.enter.side = 'B';
				o.enter.shares = 100;
				exec_ouch_alpha_set(o.enter.stock, 8, "OSPA");
				o.enter.price = (uint32_t)(rnd() % 2000000);
				o.enter.tif = 99999;
				exec_ouch_alpha_set(o.enter.firm, 4, "FUZZ");
				o.enter.display = o.enter.capacity = 'A';
				o.enter.iso = o.enter.cross_type = 'N';
				o.enter.customer_type = ' ';
				break;
			case 1:
				o.kind = EXEC_OUCH_CANCEL;
				exec_ouch_alpha_set(o.cancel.token, 14, tok);
				break;
			default:
				o.kind = EXEC_OUCH_REPLACE;
				exec_ouch_alpha_set(o.replace.existing, 14, tok);
				exec_ouch_alpha_set(o.replace.replacement, 14, "R");
				o.replace.shares = 10;
				o.replace.price = 10000;
				o.replace.display = 'A';
				o.replace.iso = 'N';
				break;
			}
			unsigned char p[96];
			int pn = exec_ouch_encode(p, sizeof(p), &o);
			CHECK(pn > 0);
			k = core_soup_put_unsequenced(b, sizeof(b), p, (size_t)pn);
			CHECK(k > 0);
			if (m == 7 || rnd() % 3 == 0) /* the packet: its length, type or body */
				flip(b, (size_t)k, 0);
			(void)!send(fd, b, (size_t)k, MSG_NOSIGNAL);
		}
		drain(fd, 30);
		close(fd);
		CHECK(venue_alive());
	}
	for (int i = 0; i < 20; i++)
		random_conn(port);
}

/* A FIX message with its body (after BodyLength, before CheckSum) mutated and
 * the frame made right again. */
static size_t reframe(char *out, size_t cap, const char *msg, size_t n)
{
	const char *body = strchr(msg + 10, '\001') + 1; /* after 9=NNN| */
	const char *cks = msg + n - 7;                   /* 10=NNN| */
	size_t bl = (size_t)(cks - body);
	char tmp[1024];
	memcpy(tmp, body, bl);
	flip((unsigned char *)tmp, bl, 0);
	int h = snprintf(out, cap, "8=FIX.4.4\0019=%zu\001", bl);
	memcpy(out + h, tmp, bl);
	unsigned sum = 0;
	for (size_t i = 0; i < (size_t)h + bl; i++)
		sum += (unsigned char)out[i];
	int t = snprintf(out + h + bl, cap - (size_t)h - bl, "10=%03u\001", sum % 256);
	return (size_t)h + bl + (size_t)t;
}

static int fix_logon(uint16_t port, struct exec_fix_header *h, uint64_t *seq)
{
	int fd = tcp_connect(port);
	char b[512];
	*seq = 1;
	int n = exec_fix_encode_logon(h, b, sizeof(b), (*seq)++, wall_ns(), 30, true);
	CHECK(n > 0 && send(fd, b, (size_t)n, MSG_NOSIGNAL) == n);
	return fd;
}

static void fix_fuzz(uint16_t port)
{
	struct exec_fix_header h;
	char err[128];
	CHECK(exec_fix_header_init(&h, "FIXG", "EXEC", err, sizeof(err)) == 0);
	uint64_t seq;
	int fd = fix_logon(port, &h, &seq);
	drain(fd, 50);
	int relogons = 0;
	for (int i = 0; i < 300; i++) {
		char b[1024], m[1024];
		int n;
		char cl[24];
		snprintf(cl, sizeof(cl), "%d-%d", i, i);
		struct exec_fix_order o = { .cl_ord_id = { cl, (uint32_t)strlen(cl) },
			                    .orig_cl_ord_id = { "1-1", 3 },
			                    .symbol = { "OSPB", 4 },
			                    .side = '1',
			                    .ord_type = '2',
			                    .tif = '0',
			                    .qty = 100,
			                    .px = 10000,
			                    .transact_time_ns = wall_ns() };
		switch (rnd() % 4) {
		case 0:
			n = exec_fix_encode_new_order(&h, b, sizeof(b), seq, wall_ns(), &o);
			break;
		case 1:
			n = exec_fix_encode_cancel(&h, b, sizeof(b), seq, wall_ns(), &o);
			break;
		case 2:
			n = exec_fix_encode_replace(&h, b, sizeof(b), seq, wall_ns(), &o);
			break;
		default: {
			struct exec_fix_mass_cancel q = { .cl_ord_id = { cl, (uint32_t)strlen(cl) },
				                          .request_type = '7',
				                          .transact_time_ns = wall_ns() };
			n = exec_fix_encode_mass_cancel(&h, b, sizeof(b), seq, wall_ns(), &q);
		}
		}
		CHECK(n > 0);
		seq++;
		size_t len = (size_t)n;
		const char *send_p = b;
		if (i < 200) {
			len = reframe(m, sizeof(m), b, (size_t)n);
			send_p = m;
		} else {
			flip((unsigned char *)b, (size_t)n, 0); /* a broken frame */
		}
		if (send(fd, send_p, len, MSG_NOSIGNAL) < 0 || drain(fd, 2)) {
			/* the venue ended the session (a Logout for a bad MsgSeqNum...):
			 * log on again, numbers reset */
			close(fd);
			CHECK(venue_alive());
			fd = fix_logon(port, &h, &seq);
			drain(fd, 20);
			relogons++;
		}
	}
	drain(fd, 100);
	close(fd);
	printf("fix: 300 mutated messages, %d logons again after the venue ended the session\n",
	       relogons);
	for (int i = 0; i < 20; i++)
		random_conn(port);
	CHECK(venue_alive());
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_venue_fuzz OSPREY_VENUE\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	CHECK(core_clock_init(10) == 0);
	snprintf(dir, sizeof(dir), "/tmp/osprey-venue-fuzz.XXXXXX");
	CHECK(mkdtemp(dir));
	snprintf(log_path, sizeof(log_path), "%s/venue.log", dir);
	snprintf(out_path, sizeof(out_path), "%s/venue.json", dir);
	int ufd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0); /* the feed: nobody reads it */
	struct sockaddr_in ma = { .sin_family = AF_INET,
		                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t ml = sizeof(ma);
	CHECK(bind(ufd, (struct sockaddr *)&ma, sizeof(ma)) == 0);
	CHECK(getsockname(ufd, (struct sockaddr *)&ma, &ml) == 0);
	char mold[32];
	snprintf(mold, sizeof(mold), "127.0.0.1:%u", ntohs(ma.sin_port));
	char *vargv[] = { argv[1],
		          "--generate",
		          "--seed",
		          "9",
		          "--messages",
		          "20000",
		          "--mold",
		          mold,
		          "--speed",
		          "100x",
		          "--ouch",
		          "127.0.0.1:0",
		          "--fix",
		          "127.0.0.1:0",
		          "--users",
		          "erin:pw,FIXG:",
		          "--client-timeout-ms",
		          "2000",
		          "--cancel-on-disconnect",
		          "--json",
		          NULL };
	CHECK(venue_spawn(&venue_pid, vargv, out_path, log_path) == 0);
	uint16_t ouch_port = 0, fix_port = 0;
	uint64_t end = mono_ns() + 20000000000ull;
	while (!venue_log_port(log_path, "ouch", &ouch_port) ||
	       !venue_log_port(log_path, "fix", &fix_port)) {
		CHECK(mono_ns() < end);
		usleep(10000);
	}
	ouch_fuzz(ouch_port);
	printf("ouch: 60 sessions of mutated packets, 20 of random bytes: the venue is up\n");
	fix_fuzz(fix_port);
	printf("fix: 20 connections of random bytes: the venue is up\n");

	/* a good client still gets in */
	char a[32], err[256];
	snprintf(a, sizeof(a), "127.0.0.1:%u", ouch_port);
	struct core_soup_client_cfg cc = { .addr = a, .username = "erin", .password = "pw" };
	struct core_soup_client *c;
	CHECK(core_soup_client_create(&cc, &c, err, sizeof(err)) == 0);
	bool in = false;
	end = mono_ns() + 5000000000ull;
	while (!in) {
		CHECK(mono_ns() < end);
		struct core_soup_event ev;
		int r = core_soup_client_poll(c, core_now_ns(), &ev);
		CHECK(r >= 0);
		in = r == 1 && ev.kind == CORE_SOUP_EV_LOGIN;
		usleep(1000);
	}
	core_soup_client_destroy(c);
	printf("a good OUCH client logs in afterwards\n");

	CHECK(kill(venue_pid, SIGTERM) == 0);
	int status;
	end = mono_ns() + 10000000000ull;
	while (waitpid(venue_pid, &status, WNOHANG) == 0) {
		CHECK(mono_ns() < end);
		usleep(10000);
	}
	venue_pid = 0;
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	FILE *f = fopen(out_path, "r");
	CHECK(f);
	char json[8192];
	size_t jn = fread(json, 1, sizeof(json) - 1, f);
	json[jn] = 0;
	fclose(f);
	printf("venue summary after SIGTERM: %s", json);
	CHECK(strstr(json, "\"interrupted\":true"));
	const char *mal = strstr(json, "\"malformed\":");
	CHECK(mal && atoi(mal + 12) > 0);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd)) {
	}
	close(ufd);
	printf("PASS\n");
	return 0;
}
