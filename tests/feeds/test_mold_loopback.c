/* Integration: osprey-gen --mold publishes the LOBSTER AMZN capture over
 * loopback UDP; the feed stage receives it live (io_uring), re-requests
 * whatever is missing from osprey-gen's re-request server and rebuilds the
 * book, which must equal LOBSTER's top of book after every tracking-0
 * message. Modes (argv[1]): "clean" (no injected loss), "lossy" (2% of data
 * packets dropped and 2% reordered by the publisher: every gap must heal),
 * "recvmsg" (lossy, with the io_uring recvmsg receiver), "halt" (lossy but
 * the re-request server address is wrong: gaps time out, the feed halts and
 * says why). */
#undef NDEBUG
#include <arpa/inet.h>
#include <assert.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../stage_poll.h"
#include "feeds.h"
#include "mold_lobster.h"

static uint16_t free_port(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert(fd >= 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	assert(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	socklen_t sl = sizeof(sa);
	assert(getsockname(fd, (struct sockaddr *)&sa, &sl) == 0);
	close(fd);
	return ntohs(sa.sin_port);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "lossy";
	const char *dir = getenv("OSPREY_SHARED"), *build = getenv("OSPREY_BUILD");
	char path[1024], gen[1024];
	if (!dir || !build) {
		printf("skip: OSPREY_SHARED or OSPREY_BUILD unset\n");
		return 77;
	}
	snprintf(path, sizeof(path), "%s/data/pcap/lobster_amzn_mold.pcap", dir);
	snprintf(gen, sizeof(gen), "%s/tools/osprey-gen", build);
	if (access(path, R_OK) != 0 || access(gen, X_OK) != 0) {
		printf("skip: %s or %s absent\n", path, gen);
		return 77;
	}
	struct lob_check c;
	if (lob_open(&c, dir) == 77) {
		printf("skip: LOBSTER csv absent\n");
		return 77;
	}
	bool clean = !strcmp(mode, "clean"), halt = !strcmp(mode, "halt");
	assert(core_clock_init(0) == 0);
	struct core_ring *ring = core_ring_create("md", 4096, sizeof(struct md_event));
	assert(ring);
	char serve[64], rr[64], dest[64], err[512];
	uint16_t sport = free_port();
	snprintf(serve, sizeof(serve), "127.0.0.1:%u", sport);
	/* halt: ask a port nobody serves */
	snprintf(rr, sizeof(rr), "127.0.0.1:%u", halt ? free_port() : sport);
	struct feeds_mold_live_cfg mc = {
		.udp = { .bind = "127.0.0.1:0",
			 .mode = !strcmp(mode, "recvmsg") ? FEEDS_UDP_RECVMSG : FEEDS_UDP_MULTISHOT },
		.rerequest = rr,
		/* halt: a window of 256k messages, so that a receiver the host stalls
		 * for a while (shared CI machines) loses what the gaps lose, not
		 * what overflowed the window while a gap waited */
		.seq = { .max_request = 200, .gap_timeout_ns = halt ? 20000000 : 3000000000ull,
			 .window = halt ? 1u << 18 : 0 },
		.idle_timeout_ns = 20000000000ull,
	};
	struct feeds_stage *st;
	struct feeds_stage_cfg cfg = { .out = { ring }, .nout = 1, .mold = &mc };
	int r = feeds_stage_create(&cfg, &st, err, sizeof(err));
	if (r < 0)
		fprintf(stderr, "%s\n", err);
	assert(r == 0);
	struct feeds_stats fs;
	feeds_stage_stats(st, &fs);
	assert(fs.mold.local_port != 0);
	snprintf(dest, sizeof(dest), "127.0.0.1:%u", fs.mold.local_port);

	pid_t pid = fork();
	assert(pid >= 0);
	if (pid == 0) {
		const char *drop = clean ? "0" : "0.02", *reorder = clean ? "0" : "0.02";
		execl(gen, gen, "--mold", dest, "--serve", serve, "--input", path, "--drop", drop,
		      "--reorder", reorder, "--seed", "7", "--rate", "20000", "--linger-ms",
		      halt ? "300" : "1000", (char *)NULL);
		_exit(127);
	}
	struct md_event ev;
	uint64_t t_end = core_monotonic_ns() + 50000000000ull;
	for (;;) {
		r = poll_once(feeds_stage_poll, st, NULL);
		if (r < 0)
			fprintf(stderr, "%s\n", feeds_stage_error(st));
		assert(r >= 0);
		while (core_ring_pop(ring, &ev) == 0)
			lob_event(&c, &ev);
		if (r == CORE_EOF)
			break;
		if (core_monotonic_ns() > t_end) {
			feeds_stage_stats(st, &fs);
			fprintf(stderr, "timeout: next %llu high %llu\n",
				(unsigned long long)fs.mold.next_seq,
				(unsigned long long)fs.mold.high_seq);
			kill(pid, SIGKILL);
			abort();
		}
	}
	int status;
	assert(waitpid(pid, &status, 0) == pid);
	assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	feeds_stage_stats(st, &fs);
	uint64_t extra = lob_close(&c);
	printf("%s: %llu messages, %llu packets, %llu gaps, %llu requests, %llu recovered, "
	       "%llu dup messages, %llu lost, %llu MD_GAP, %llu stale, %llu mismatches\n",
	       mode, (unsigned long long)fs.mold.messages, (unsigned long long)fs.mold.packets,
	       (unsigned long long)fs.mold.gaps, (unsigned long long)fs.mold.requests,
	       (unsigned long long)fs.mold.recovered, (unsigned long long)fs.mold.dup_messages,
	       (unsigned long long)fs.mold.lost_messages, (unsigned long long)c.gap_events,
	       (unsigned long long)c.stale_events, (unsigned long long)c.mismatches);
	assert(c.eos);
	if (halt) {
		assert(fs.mold.lost_gaps > 0 && fs.mold.requests > 0);
		assert(c.stale_events > 0 && strstr(fs.mold.last_loss, "not filled"));
		/* each hole times out from when it was seen, not one after another */
		assert(fs.mold.lost_messages < 193502 / 4);
		printf("halted: %s\n", fs.mold.last_loss);
	} else {
		assert(c.itch == 193502 && fs.mold.messages == 193502);
		assert(c.mismatches == 0 && c.crossed == 0 && extra == 0 && c.rows == c.tracked);
		assert(fs.mold.lost_messages == 0 && c.stale_events == 0 && fs.book.errors == 0);
		if (!clean)
			assert(fs.mold.gaps > 0 && fs.mold.recovered > 0 && fs.mold.requests > 0 &&
			       c.gap_events > 0);
	}
	feeds_stage_destroy(st);
	core_ring_destroy(ring);
	return 0;
}
