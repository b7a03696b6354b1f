/* The OUCH decoder never reads past its input: every message kind, cut at
 * every length from 0 to whole, decoded in both directions with its last
 * byte right before a PROT_NONE page (a read past it is a SIGSEGV). A cut
 * message is refused (-ENOMSG when empty, else -EBADMSG naming both
 * lengths); the whole one decodes in its own direction. In the other
 * direction anything may come of it but a read past the end. */
#undef NDEBUG
#include <assert.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "exec.h"
#include "ouch_samples.h"

int main(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char *map = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert(map != MAP_FAILED);
	assert(mprotect(map + pg, pg, PROT_NONE) == 0);
	unsigned char *end = map + pg;
	char err[256];
	unsigned whole = 0, cut = 0;
	for (int kind = 1; kind < EXEC_OUCH_KINDS; kind++) {
		struct exec_ouch_msg m, d;
		unsigned char b[EXEC_OUCH_MAX_LEN];
		int len = ouch_sample(kind, &m, b);
		for (int dir = EXEC_OUCH_INBOUND; dir <= EXEC_OUCH_OUTBOUND; dir++) {
			for (int have = 0; have <= len; have++) {
				unsigned char *p = end - have;
				memcpy(p, b, (size_t)have);
				int r = exec_ouch_decode(p, (size_t)have, dir, &d, err, sizeof(err));
				if (have == len && dir == ouch_sample_dir(kind)) {
					assert(r == kind);
					whole++;
					continue;
				}
				if (r > 0) {
					/* a cut read as the other direction's 'U' or 'M' */
					assert(dir != ouch_sample_dir(kind) &&
					       (unsigned)have == exec_ouch_len(r));
					continue;
				}
				assert(r == -ENOMSG || r == -EBADMSG);
				assert(!strncmp(err, "offset ", 7));
				if (have == 0)
					assert(r == -ENOMSG);
				if (dir == ouch_sample_dir(kind) && have > 0)
					assert(r == -EBADMSG && strstr(err, "with length") &&
					       strstr(err, "expected"));
				cut++;
			}
		}
	}
	assert(whole == EXEC_OUCH_KINDS - 1);
	munmap(map, 2 * pg);
	(void)cut;
	return 0;
}
