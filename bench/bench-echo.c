/*
 * bench-echo - the floor under tick-to-wire and wire-to-wire on one host.
 *
 * An echo thread does what the engine's hot path does at its two ends and
 * nothing between: it receives a UDP datagram (as the MoldUDP64 feed arrives)
 * and answers with a small message on a TCP connection (as an order leaves).
 * A venue thread sends the datagram and waits for the TCP bytes. Printed, in
 * ns, p50/p99/p99.9/max of:
 *   send_syscall   the TCP send(2) alone, in the echo thread (tick-to-wire's
 *                  floor: the engine's tick_to_wire ends when send returns);
 *   recv_to_send   UDP recv returned -> TCP send returned, in the echo thread;
 *   wire_to_wire   the venue's UDP send -> its TCP receive (the floor of what
 *                  osprey-venue measures for an order against its feed).
 * Both threads spin on non-blocking sockets over loopback, pinned to cpus 0
 * and 1 (--cpus A,B), with TCP_NODELAY; the ports are chosen by the kernel.
 * Back to back, every send finds the kernel's TCP path warm in the caches;
 * --gap-us N has the venue wait N us between ticks, as a trading session's
 * orders are spaced (a paper session sends one order per ~100 ms): the floor
 * for what the engine measures there.
 *
 * usage: bench-echo [--smoke] [--iters N] [--cpus A,B] [--size BYTES] [--gap-us N]
 */
#define _GNU_SOURCE
#include "core.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static uint64_t iters = 200000;
static int cpu_venue = 0, cpu_echo = 1;
static uint64_t gap_ns;
static size_t order_bytes = 51; /* an OUCH Enter Order in its SoupBinTCP packet */
static int udp_rx, tcp_echo, udp_tx, tcp_venue;
static struct sockaddr_in udp_addr;
static struct core_hist h_send, h_r2s, h_w2w;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void *echo_main(void *arg)
{
	(void)arg;
	core_thread_pin(cpu_echo, "echo");
	unsigned char pkt[1500], out[256];
	memset(out, 'O', sizeof(out));
	uint64_t warm = gap_ns ? 10 : 1000;
	for (uint64_t i = 0; i < iters + warm; i++) {
		ssize_t n;
		while ((n = recv(udp_rx, pkt, sizeof(pkt), MSG_DONTWAIT)) < 0)
			core_cpu_relax();
		uint64_t t_rx = core_now_ns();
		memcpy(out, pkt, 8); /* the tick's number rides in the "order" */
		uint64_t t_tx = core_now_ns();
		if (send(tcp_echo, out, order_bytes, MSG_DONTWAIT | MSG_NOSIGNAL) !=
		    (ssize_t)order_bytes)
			die("echo send");
		uint64_t t_done = core_now_ns();
		if (i >= warm) {
			core_hist_record(&h_send, (int64_t)(t_done - t_tx));
			core_hist_record(&h_r2s, (int64_t)(t_done - t_rx));
		}
	}
	return NULL;
}

static void report(const char *name, const struct core_hist *h)
{
	printf("%-14s count=%lld p50=%lld p99=%lld p99.9=%lld max=%lld ns\n", name,
	       (long long)h->total, (long long)core_hist_value_at(h, 50),
	       (long long)core_hist_value_at(h, 99), (long long)core_hist_value_at(h, 99.9),
	       (long long)core_hist_max(h));
}

static void sockets(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	udp_rx = socket(AF_INET, SOCK_DGRAM, 0);
	udp_tx = socket(AF_INET, SOCK_DGRAM, 0);
	if (udp_rx < 0 || udp_tx < 0 || bind(udp_rx, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(udp_rx, (struct sockaddr *)&udp_addr, &al) < 0)
		die("udp");
	int lst = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_port = 0;
	al = sizeof(a);
	if (lst < 0 || bind(lst, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lst, 1) < 0 ||
	    getsockname(lst, (struct sockaddr *)&a, &al) < 0)
		die("tcp listen");
	tcp_echo = socket(AF_INET, SOCK_STREAM, 0);
	if (tcp_echo < 0 || connect(tcp_echo, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("tcp connect");
	tcp_venue = accept(lst, NULL, NULL);
	if (tcp_venue < 0)
		die("accept");
	close(lst);
	int one = 1;
	setsockopt(tcp_echo, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(tcp_venue, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke"))
			iters = 5000;
		else if (!strcmp(argv[i], "--iters") && i + 1 < argc)
			iters = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--cpus") && i + 1 < argc &&
			 sscanf(argv[i + 1], "%d,%d", &cpu_venue, &cpu_echo) == 2)
			i++;
		else if (!strcmp(argv[i], "--size") && i + 1 < argc)
			order_bytes = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--gap-us") && i + 1 < argc)
			gap_ns = strtoull(argv[++i], NULL, 10) * 1000u;
		else {
			fprintf(stderr, "usage: bench-echo [--smoke] [--iters N] [--cpus A,B] "
					"[--size BYTES] [--gap-us N]\n");
			return 2;
		}
	}
	if (order_bytes < 8 || order_bytes > 256) {
		fprintf(stderr, "bench-echo: --size must be 8..256\n");
		return 2;
	}
	core_clock_init(20);
	if (core_hist_init(&h_send) || core_hist_init(&h_r2s) || core_hist_init(&h_w2w))
		die("hist");
	sockets();
	if (core_cpu_count() < 2)
		cpu_venue = cpu_echo = -1;
	pthread_t t;
	if (pthread_create(&t, NULL, echo_main, NULL))
		die("thread");
	core_thread_pin(cpu_venue, "venue");
	unsigned char dgram[64] = { 0 }, in[256];
	uint64_t warm = gap_ns ? 10 : 1000; /* ticks not recorded (the echo thread's count too) */
	for (uint64_t i = 0; i < iters + warm; i++) {
		if (gap_ns)
			for (uint64_t until = core_now_ns() + gap_ns; core_now_ns() < until;)
				core_cpu_relax();
		memcpy(dgram, &i, 8);
		uint64_t t0 = core_now_ns();
		if (sendto(udp_tx, dgram, sizeof(dgram), 0, (struct sockaddr *)&udp_addr,
			   sizeof(udp_addr)) != sizeof(dgram))
			die("sendto");
		size_t got = 0;
		while (got < order_bytes) {
			ssize_t n = recv(tcp_venue, in + got, order_bytes - got, MSG_DONTWAIT);
			if (n > 0)
				got += (size_t)n;
			else if (n == 0)
				die("tcp closed");
			else
				core_cpu_relax();
		}
		uint64_t seq;
		memcpy(&seq, in, 8);
		if (seq != i) {
			fprintf(stderr, "bench-echo: answer %llu for tick %llu\n",
				(unsigned long long)seq, (unsigned long long)i);
			return 1;
		}
		if (i >= warm)
			core_hist_record(&h_w2w, (int64_t)(core_now_ns() - t0));
	}
	pthread_join(t, NULL);
	printf("echo floor over loopback, %llu ticks %llu us apart, %zu-byte answers, cpus venue %d "
	       "echo %d\n",
	       (unsigned long long)iters, (unsigned long long)(gap_ns / 1000), order_bytes,
	       cpu_venue, cpu_echo);
	report("send_syscall", &h_send);
	report("recv_to_send", &h_r2s);
	report("wire_to_wire", &h_w2w);
	return 0;
}
