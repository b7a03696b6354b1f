/* fuzz_soup - LLVMFuzzerTestOneInput over the SoupBinTCP packet decoder, in
 * both directions, with re-encoding of the session packets it accepts.
 *
 * Built as a libFuzzer target (-Dfuzz=true, OSPREY_LIBFUZZER) and as a plain
 * test whose main() runs it over synthetic sessions (logins, ITCH messages
 * from $OSPREY_SHARED/data/itch as Sequenced Data, heartbeats, end), the
 * soup_ouch.pcapng capture, their truncations and mutations. */
#undef NDEBUG
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	for (int dir = CORE_SOUP_FROM_SERVER; dir <= CORE_SOUP_FROM_CLIENT; dir++) {
		size_t off = 0;
		int r;
		struct core_soup_pkt k;
		while ((r = core_soup_next(data, size, &off, dir, &k, err, sizeof(err))) == 0) {
			assert(off <= size);
			assert(k.payload >= data && k.payload + k.len <= data + size);
			unsigned char re[64];
			struct core_soup_pkt k2;
			size_t o2 = 0;
			int n = 0;
			if (k.type == 'L')
				n = core_soup_put_login(re, sizeof(re), k.username, k.password,
							 k.session, k.seq);
			else if (k.type == 'A')
				n = core_soup_put_accepted(re, sizeof(re), k.session, k.seq);
			if (n > 0) {
				assert(core_soup_next(re, (size_t)n, &o2, dir, &k2, err,
						       sizeof(err)) == 0);
				assert(k2.seq == k.seq && !strcmp(k2.session, k.session) &&
				       !strcmp(k2.username, k.username) &&
				       !strcmp(k2.password, k.password));
			}
		}
		assert(r == CORE_EOF || r == CORE_SOUP_PARTIAL ||
		       (r == -EBADMSG && strncmp(err, "offset ", 7) == 0));
	}
	return 0;
}

#ifndef OSPREY_LIBFUZZER
#define FUZZ_SEED 0x2545F4914F6CDD1Dull
#include "fuzz_driver.h"

static uint64_t runs;

static void mutate_run(const unsigned char *buf, size_t len)
{
	LLVMFuzzerTestOneInput(buf, len);
	runs++;
	for (int i = 0; i < 300; i++) {
		size_t n = 1 + rnd() % (len < 4096 ? len : 4096);
		size_t start = rnd() % (len - n + 1);
		unsigned char *c = malloc(n);
		memcpy(c, buf + start, n);
		if (i % 3) {
			unsigned flips = 1 + (unsigned)(rnd() % 6);
			for (unsigned k = 0; k < flips; k++)
				c[rnd() % n] ^= (unsigned char)(1u << (rnd() % 8));
		}
		LLVMFuzzerTestOneInput(c, n);
		free(c);
		runs++;
	}
}

int main(void)
{
	const char *dir = getenv("OSPREY_SHARED");
	char path[1024];
	static unsigned char s[1 << 20];
	size_t n = 0;
	/* A synthetic server stream and client stream. */
	n += (size_t)core_soup_put_accepted(s + n, sizeof(s) - n, "SESS01", 1);
	n += (size_t)core_soup_put(s + n, sizeof(s) - n, 'H', NULL, 0);
	n += (size_t)core_soup_put(s + n, sizeof(s) - n, '+', "debug", 5);
	n += (size_t)core_soup_put_rejected(s + n, sizeof(s) - n, 'A');
	unsigned files = 0;
	if (dir) {
		snprintf(path, sizeof(path), "%s/data/itch/ritch_artificial.itch", dir);
		size_t len = 0;
		unsigned char *itch = slurp(path, &len);
		if (itch) {
			files++;
			size_t off = 0;
			for (int i = 0; i < 2000 && off + 2 < len; i++) {
				unsigned ml = (unsigned)itch[off] << 8 | itch[off + 1];
				if (off + 2 + ml > len)
					break;
				n += (size_t)core_soup_put(s + n, sizeof(s) - n, 'S', itch + off + 2, ml);
				off += 2 + ml;
			}
			free(itch);
		}
		snprintf(path, sizeof(path), "%s/data/pcap/soup_ouch.pcapng", dir);
		unsigned char *pc = slurp(path, &len);
		if (pc) {
			files++;
			mutate_run(pc, len);
			free(pc);
		}
	}
	n += (size_t)core_soup_put(s + n, sizeof(s) - n, 'Z', NULL, 0);
	mutate_run(s, n);
	n = 0;
	n += (size_t)core_soup_put_login(s + n, sizeof(s) - n, "user", "pass", "", 1);
	n += (size_t)core_soup_put(s + n, sizeof(s) - n, 'R', NULL, 0);
	n += (size_t)core_soup_put(s + n, sizeof(s) - n, 'U', "order", 5);
	n += (size_t)core_soup_put(s + n, sizeof(s) - n, 'O', NULL, 0);
	mutate_run(s, n);
	LLVMFuzzerTestOneInput(NULL, 0);
	printf("ok: %u data files, %llu inputs\n", files, (unsigned long long)runs);
	return 0;
}
#endif
