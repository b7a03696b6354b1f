/* The SoupBinTCP decoder never reads past its input: every packet type and
 * every truncation of it, both directions, ending right before a PROT_NONE
 * page. */
#undef NDEBUG
#include <assert.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core.h"

int main(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char *map = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert(map != MAP_FAILED);
	assert(mprotect(map + pg, pg, PROT_NONE) == 0);
	unsigned char *end = map + pg;
	unsigned char pkts[12][64];
	int lens[12], np = 0;
	lens[np++] = core_soup_put_login(pkts[0], 64, "u", "p", "S", 5);
	lens[np++] = core_soup_put_accepted(pkts[1], 64, "S", 5);
	lens[np++] = core_soup_put_rejected(pkts[2], 64, 'A');
	const char *simple = "SHZ+URO";
	for (const char *t = simple; *t; t++)
	{
		size_t n = *t == 'S' || *t == 'U' || *t == '+' ? 8 : 0;
		lens[np] = core_soup_put(pkts[np], 64, (uint8_t)*t, "abcdefgh", n);
		np++;
	}
	char err[256];
	unsigned ok = 0;
	for (int i = 0; i < np; i++) {
		for (int dir = 1; dir <= 2; dir++) {
			for (int have = 0; have <= lens[i]; have++) {
				unsigned char *p = end - have;
				memcpy(p, pkts[i], (size_t)have);
				size_t off = 0;
				struct core_soup_pkt k;
				int r = core_soup_next(p, (size_t)have, &off, dir, &k, err, sizeof(err));
				if (have == 0)
					assert(r == CORE_EOF);
				else if (have < lens[i])
					assert(r == CORE_SOUP_PARTIAL || r == -EBADMSG);
				else
					assert(r == 0 || r == -EBADMSG);
				if (r == 0) {
					assert(off == (size_t)have);
					ok++;
				}
			}
			/* a length claiming more than is there */
			unsigned char *p = end - 3;
			p[0] = 0xff;
			p[1] = 0xff;
			p[2] = pkts[i][2];
			size_t off = 0;
			struct core_soup_pkt k;
			int r = core_soup_next(p, 3, &off, dir, &k, err, sizeof(err));
			assert(r == CORE_SOUP_PARTIAL || r == -EBADMSG);
		}
	}
	/* each decodes whole in its own direction; + and U in both */
	assert(ok == (unsigned)np + 2);
	munmap(map, 2 * pg);
	return 0;
}
