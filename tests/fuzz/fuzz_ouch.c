/* fuzz_ouch - LLVMFuzzerTestOneInput over the OUCH 4.2 decoder: the input as
 * one message in each direction, and as a SoupBinTCP stream whose U packets
 * are inbound and S packets outbound messages. Whatever decodes must
 * re-encode to the same bytes; whatever does not must be refused with
 * -ENOMSG or -EBADMSG and an "offset N: " message.
 *
 * Built as a libFuzzer target (-Dfuzz=true, OSPREY_LIBFUZZER) and as a plain
 * test whose main() runs it over one message of every kind, each with every
 * byte set to every value, every cut, the same framed as a SoupBinTCP
 * session, and $OSPREY_SHARED/data/pcap/soup_ouch.pcapng with its
 * truncations and mutations. */
#undef NDEBUG
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../exec/ouch_samples.h"
#include "exec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t decoded;

static void one(const unsigned char *p, size_t n, int dir)
{
	char err[256];
	struct exec_ouch_msg m;
	int r = exec_ouch_decode(p, n, dir, &m, err, sizeof(err));
	if (r > 0) {
		unsigned char re[EXEC_OUCH_MAX_LEN];
		assert(r == m.kind && n == exec_ouch_len(r) && m.len == n && m.type == p[0]);
		assert(exec_ouch_encode(re, sizeof(re), &m) == (int)n);
		assert(!memcmp(re, p, n));
		decoded++;
		return;
	}
	assert(r == -ENOMSG || r == -EBADMSG);
	assert(!strncmp(err, "offset ", 7));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size, EXEC_OUCH_INBOUND);
	one(data, size, EXEC_OUCH_OUTBOUND);
	char err[256];
	for (int sdir = CORE_SOUP_FROM_SERVER; sdir <= CORE_SOUP_FROM_CLIENT; sdir++) {
		size_t off = 0;
		struct core_soup_pkt k;
		while (core_soup_next(data, size, &off, sdir, &k, err, sizeof(err)) == 0) {
			if (k.type == 'U')
				one(k.payload, k.len, EXEC_OUCH_INBOUND);
			else if (k.type == 'S')
				one(k.payload, k.len, EXEC_OUCH_OUTBOUND);
		}
	}
	return 0;
}

#ifndef OSPREY_LIBFUZZER
#define FUZZ_SEED 0x9E3779B97F4A7C15ull
#include "fuzz_driver.h"

static uint64_t runs;

static void mutate_run(const unsigned char *buf, size_t len)
{
	LLVMFuzzerTestOneInput(buf, len);
	runs++;
	for (int i = 0; i < 2000; i++) {
		size_t n = 1 + rnd() % len;
		size_t start = rnd() % (len - n + 1);
		unsigned char *c = malloc(n);
		memcpy(c, buf + start, n);
		unsigned flips = (unsigned)(rnd() % 4);
		for (unsigned k = 0; k < flips; k++)
			c[rnd() % n] ^= (unsigned char)(1u << (rnd() % 8));
		LLVMFuzzerTestOneInput(c, n);
		free(c);
		runs++;
	}
}

int main(void)
{
	static unsigned char session[1 << 16];
	size_t slen = 0;
	slen += (size_t)core_soup_put_login(session + slen, sizeof(session) - slen, "user", "pw",
					    "", 1);
	for (int kind = 1; kind < EXEC_OUCH_KINDS; kind++) {
		struct exec_ouch_msg m;
		unsigned char b[EXEC_OUCH_MAX_LEN];
		int len = ouch_sample(kind, &m, b);
		/* every byte, every value; every cut */
		for (int i = 0; i < len; i++) {
			unsigned char c[EXEC_OUCH_MAX_LEN];
			memcpy(c, b, (size_t)len);
			for (int v = 0; v < 256; v++) {
				c[i] = (unsigned char)v;
				LLVMFuzzerTestOneInput(c, (size_t)len);
				runs++;
			}
		}
		for (int n = 0; n <= len; n++) {
			LLVMFuzzerTestOneInput(b, (size_t)n);
			runs++;
		}
		if (ouch_sample_dir(kind) == EXEC_OUCH_INBOUND)
			slen += (size_t)core_soup_put_unsequenced(session + slen,
								  sizeof(session) - slen, b,
								  (size_t)len);
		else
			slen += (size_t)core_soup_put_sequenced(session + slen, sizeof(session) - slen,
								b, (size_t)len);
	}
	uint64_t whole = decoded;
	mutate_run(session, slen);
	unsigned files = 0;
	const char *dir = getenv("OSPREY_SHARED");
	if (dir) {
		char path[1024];
		size_t len = 0;
		snprintf(path, sizeof(path), "%s/data/pcap/soup_ouch.pcapng", dir);
		unsigned char *pc = slurp(path, &len);
		if (pc) {
			files++;
			mutate_run(pc, len);
			free(pc);
		}
	}
	LLVMFuzzerTestOneInput(NULL, 0);
	assert(whole > 2 * 19); /* every kind, and more that single-byte changes left valid */
	printf("ok: %u data files, %llu inputs, %llu messages decoded\n", files,
	       (unsigned long long)runs, (unsigned long long)decoded);
	return 0;
}
#endif
