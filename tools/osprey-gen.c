/* osprey-gen - write a deterministic synthetic ITCH 5.0 day file, or
 * publish a session as MoldUDP64 over UDP.
 *
 *   osprey-gen [--seed N] [--messages N] [--symbols N] -o FILE
 *   osprey-gen --mold ADDR:PORT [--input FILE] [--serve ADDR:PORT] [--drop P]
 *              [--reorder P] [--rate PPS] [--pcap FILE] [--session S] [--linger-ms N]
 *
 * --mold sends the capture FILE (any format osprey-replay takes) or, without
 * --input, the generated session, serves MoldUDP64 re-requests on --serve,
 * sends end of session and keeps serving until --linger-ms pass quietly.
 *
 * The same arguments give the same bytes. Exit 0, 1 on failure, 2 on usage. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "feeds.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: osprey-gen [--seed N] [--messages N] [--symbols N] -o FILE\n"
		   "  --seed N      PRNG seed (default 1)\n"
		   "  --messages N  total messages, framing included (default 200000)\n"
		   "  --symbols N   instruments, locates 1..N (default 3, at most 1000)\n"
		   "  -o FILE       output day file ([u16 BE length][message] frames)\n"
		   "  --mold ADDR:PORT  publish as MoldUDP64 to ADDR:PORT instead of writing\n"
		   "  --input FILE      with --mold: send this capture (day file or MoldUDP64 pcap)\n"
		   "  --serve ADDR:PORT re-request server address (default 0.0.0.0:0)\n"
		   "  --drop P          probability a data packet is not sent (0..1)\n"
		   "  --reorder P       probability a data packet is held behind the next\n"
		   "  --rate PPS        data packets per second (default 0: as fast as possible)\n"
		   "  --pcap FILE       write every datagram sent to a pcap\n"
		   "  --session S       MoldUDP64 session (10 characters, default OSPREY0001)\n"
		   "  --linger-ms N     keep serving after the end for N ms (default 2000)\n");
}

static int parse_prob(const char *opt, const char *s, double *ret)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0 && v < 1)) {
		fprintf(stderr, "osprey-gen: %s: '%s' is not a probability in [0, 1)\n", opt, s);
		return -1;
	}
	*ret = v;
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Every ITCH message of a capture, as a day file in memory. */
static unsigned char *load_capture(const char *path, size_t *ret_len)
{
	char err[512];
	unsigned char *buf;
	if (feeds_reader_dayfile(path, &buf, ret_len, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "osprey-gen: %s\n", err);
		return NULL;
	}
	return buf;
}

static int publish(struct feeds_mold_pub_cfg *pc)
{
	char err[512];
	struct feeds_mold_pub *pub;
	int r = feeds_mold_pub_create(pc, &pub, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "osprey-gen: %s\n", err);
		return 1;
	}
	struct feeds_mold_pub_stats st;
	feeds_mold_pub_stats(pub, &st);
	printf("osprey-gen: publishing to %s, serving re-requests on port %u\n", pc->dest,
	       st.serve_port);
	fflush(stdout);
	uint32_t work;
	while ((r = feeds_mold_pub_poll(pub, now_ns(), &work)) == 0) {
		if (work == 0) {
			struct timespec ts = { 0, 20000 };
			nanosleep(&ts, NULL);
		}
	}
	feeds_mold_pub_stats(pub, &st);
	feeds_mold_pub_destroy(pub);
	if (r < 0) {
		fprintf(stderr, "osprey-gen: send: %s\n", strerror(-r));
		return 1;
	}
	printf("osprey-gen: sent %" PRIu64 " messages in %" PRIu64 " packets (%" PRIu64
	       " dropped, %" PRIu64 " reordered), %" PRIu64 " heartbeats, %" PRIu64
	       " end of session; served %" PRIu64 " re-requests (%" PRIu64 " packets, %" PRIu64
	       " messages), %" PRIu64 " bad requests\n",
	       st.messages, st.packets, st.dropped, st.reordered, st.heartbeats, st.ends,
	       st.requests, st.resent_packets, st.resent_messages, st.bad_requests);
	return 0;
}

static int parse_u64(const char *opt, const char *s, uint64_t *ret)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-') {
		fprintf(stderr, "osprey-gen: %s: '%s' is not a non-negative integer\n", opt, s);
		return -1;
	}
	*ret = v;
	return 0;
}

int main(int argc, char **argv)
{
	struct feeds_gen_cfg cfg = { .seed = 1, .messages = 200000, .symbols = 3 };
	const char *out = NULL, *input = NULL;
	struct feeds_mold_pub_cfg pc = { 0 };
	uint64_t v;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "osprey-gen: %s: missing value\n", a);
			usage(stderr);
			return 2;
		}
		const char *val = argv[++i];
		if (!strcmp(a, "--seed")) {
			if (parse_u64(a, val, &cfg.seed))
				return 2;
		} else if (!strcmp(a, "--messages")) {
			if (parse_u64(a, val, &v))
				return 2;
			if (v == 0) {
				fprintf(stderr, "osprey-gen: --messages must be > 0\n");
				return 2;
			}
			cfg.messages = v;
		} else if (!strcmp(a, "--symbols")) {
			if (parse_u64(a, val, &v))
				return 2;
			if (v == 0 || v > 1000) {
				fprintf(stderr, "osprey-gen: --symbols must be 1..1000\n");
				return 2;
			}
			cfg.symbols = (unsigned)v;
		} else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
			out = val;
		} else if (!strcmp(a, "--mold")) {
			pc.dest = val;
		} else if (!strcmp(a, "--input")) {
			input = val;
		} else if (!strcmp(a, "--serve")) {
			pc.serve = val;
		} else if (!strcmp(a, "--pcap")) {
			pc.pcap = val;
		} else if (!strcmp(a, "--drop")) {
			if (parse_prob(a, val, &pc.drop))
				return 2;
		} else if (!strcmp(a, "--reorder")) {
			if (parse_prob(a, val, &pc.reorder))
				return 2;
		} else if (!strcmp(a, "--rate")) {
			if (parse_u64(a, val, &pc.rate_pps))
				return 2;
		} else if (!strcmp(a, "--linger-ms")) {
			if (parse_u64(a, val, &v))
				return 2;
			pc.linger_ns = v * 1000000u;
		} else if (!strcmp(a, "--session")) {
			if (strlen(val) > 10) {
				fprintf(stderr, "osprey-gen: --session is at most 10 characters\n");
				return 2;
			}
			memset(pc.session, ' ', 10);
			memcpy(pc.session, val, strlen(val));
		} else {
			fprintf(stderr, "osprey-gen: unknown option '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (pc.dest) {
		pc.seed = cfg.seed;
		unsigned char *msgs;
		size_t mlen = 0;
		char err[256];
		if (input) {
			msgs = load_capture(input, &mlen);
			if (!msgs)
				return 1;
		} else {
			size_t cap = feeds_gen_bound(&cfg);
			msgs = malloc(cap);
			if (!msgs || feeds_gen(&cfg, msgs, cap, &mlen, err, sizeof(err)) < 0) {
				fprintf(stderr, "osprey-gen: %s\n", msgs ? err : "out of memory");
				free(msgs);
				return 1;
			}
		}
		pc.msgs = msgs;
		pc.msgs_len = mlen;
		int rc = publish(&pc);
		free(msgs);
		return rc;
	}
	if (input) {
		fprintf(stderr, "osprey-gen: --input needs --mold\n");
		return 2;
	}
	if (!out) {
		fprintf(stderr, "osprey-gen: -o FILE is required\n");
		usage(stderr);
		return 2;
	}
	size_t cap = feeds_gen_bound(&cfg), len = 0;
	unsigned char *buf = malloc(cap);
	if (!buf) {
		fprintf(stderr, "osprey-gen: out of memory for %zu bytes\n", cap);
		return 1;
	}
	char err[256];
	int r = feeds_gen(&cfg, buf, cap, &len, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "osprey-gen: %s (%s)\n", err, strerror(-r));
		free(buf);
		return 1;
	}
	FILE *f = fopen(out, "wb");
	if (!f) {
		fprintf(stderr, "osprey-gen: %s: %s\n", out, strerror(errno));
		free(buf);
		return 1;
	}
	size_t w = fwrite(buf, 1, len, f);
	int cr = fclose(f);
	free(buf);
	if (w != len || cr != 0) {
		fprintf(stderr, "osprey-gen: %s: write failed: %s\n", out, strerror(errno));
		return 1;
	}
	printf("osprey-gen: wrote %" PRIu64 " messages, %u symbols, seed %" PRIu64
	       ", %zu bytes to %s\n",
	       cfg.messages, cfg.symbols, cfg.seed, len, out);
	return 0;
}
