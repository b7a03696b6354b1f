/* Record logs: what is appended reads back; a short or damaged tail is
 * stopped at (and named by its offset), never read as a record; the reader
 * never reads past its input (each prefix ends right before a PROT_NONE
 * page); core_file_read reads whole files and names what went wrong. */
#undef NDEBUG
#include <assert.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"

static int scan(const unsigned char *b, size_t len, size_t *ret_good, unsigned *ret_n)
{
	size_t off = 0;
	unsigned n = 0;
	struct core_rec r;
	int rc;
	while ((rc = core_rec_next(b, len, &off, &r)) == 0)
		n++;
	*ret_good = off;
	*ret_n = n;
	return rc;
}

int main(void)
{
	char path[] = "/tmp/osprey-reclog.XXXXXX";
	int fd = mkstemp(path);
	assert(fd >= 0);
	unlink(path);
	unsigned char *b;
	size_t len;
	assert(core_rec_read(fd, &b, &len) == 0 && !b && len == 0); /* empty: nothing */

	/* 100 records of growing bodies, two parts each, and one empty */
	char body[400];
	for (int i = 0; i < 100; i++) {
		for (int k = 0; k < i * 3; k++)
			body[k] = (char)('a' + (i + k) % 26);
		uint32_t head = (uint32_t)i;
		assert(core_rec_append(fd, 7u + (uint32_t)i, &head, sizeof(head), body,
				       (size_t)i * 3) == 0);
	}
	assert(core_rec_append(fd, 1, NULL, 0, NULL, 0) == 0);
	assert(core_rec_append(fd, 1, NULL, 0, NULL, CORE_REC_MAX + 1) == -EMSGSIZE);
	assert(core_rec_read(fd, &b, &len) == 0 && b);
	size_t off = 0;
	struct core_rec r;
	for (int i = 0; i < 100; i++) {
		assert(core_rec_next(b, len, &off, &r) == 0);
		assert(r.kind == 7u + (uint32_t)i && r.len == 4u + (uint32_t)i * 3);
		uint32_t head;
		memcpy(&head, r.body, 4);
		assert(head == (uint32_t)i);
		for (int k = 0; k < i * 3; k++)
			assert(r.body[4 + k] == 'a' + (i + k) % 26);
	}
	size_t last = off;
	assert(core_rec_next(b, len, &off, &r) == 0 && r.kind == 1 && r.len == 0);
	assert(core_rec_next(b, len, &off, &r) == CORE_EOF && off == len);

	/* every cut inside the last two records stops at a record boundary */
	size_t good;
	unsigned n;
	for (size_t cut = last - (CORE_REC_HDR + 4 + 99 * 3) + 1; cut < len; cut++) {
		int rc = scan(b, cut, &good, &n);
		assert(rc == (cut == last ? CORE_EOF : -EBADMSG));
		assert(good == (cut < last ? last - (CORE_REC_HDR + 4 + 99 * 3) : last));
		assert(n == (cut < last ? 99u : 100u));
	}
	/* one changed byte anywhere in a record is seen (its check or its length) */
	for (size_t at = 0; at < len; at += 37) {
		b[at] ^= 0x20;
		int rc = scan(b, len, &good, &n);
		assert(rc == -EBADMSG && good <= at);
		b[at] ^= 0x20;
	}
	assert(scan(b, len, &good, &n) == CORE_EOF && n == 101);

	/* a length past the end (or above the limit) is refused, not followed */
	unsigned char big[CORE_REC_HDR] = { 0 };
	uint32_t huge = CORE_REC_MAX + 1;
	memcpy(big, &huge, 4);
	off = 0;
	assert(core_rec_next(big, sizeof(big), &off, &r) == -EBADMSG && off == 0);

	/* guard page: every prefix of the file ending at PROT_NONE */
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t span = (len + pg - 1) / pg * pg;
	unsigned char *map = mmap(NULL, span + pg, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert(map != MAP_FAILED);
	assert(mprotect(map + span, pg, PROT_NONE) == 0);
	for (size_t have = 0; have <= len; have += 7) {
		unsigned char *p = map + span - have;
		memcpy(p, b, have);
		int rc = scan(p, have, &good, &n);
		assert(rc == CORE_EOF || rc == -EBADMSG);
		assert(good <= have);
	}
	munmap(map, span + pg);
	free(b);
	close(fd);

	/* core_file_read: the whole file, NUL-terminated; a missing one or one
	 * above the limit is an error naming the path */
	char text[] = "/tmp/osprey-read.XXXXXX";
	int tf = mkstemp(text);
	assert(tf >= 0);
	static char whole[200000];
	for (size_t i = 0; i < sizeof(whole); i++)
		whole[i] = (char)('a' + i % 26);
	assert(write(tf, whole, sizeof(whole)) == (ssize_t)sizeof(whole));
	close(tf);
	char *t, err[256];
	size_t tl;
	assert(core_file_read(text, sizeof(whole), &t, &tl, err, sizeof(err)) == 0);
	assert(tl == sizeof(whole) && !memcmp(t, whole, tl) && t[tl] == 0);
	free(t);
	assert(core_file_read(text, sizeof(whole) - 1, &t, &tl, err, sizeof(err)) == -EFBIG);
	assert(!t && strstr(err, text) && strstr(err, "larger than 199999 bytes"));
	unlink(text);
	assert(core_file_read(text, 100, &t, &tl, err, sizeof(err)) == -ENOENT);
	assert(strstr(err, text) && strstr(err, "No such file"));

	/* core_secret_read: only a file of ours that nobody else may read */
	char sec[] = "/tmp/osprey-secret.XXXXXX";
	int sf = mkstemp(sec); /* mode 0600 */
	assert(sf >= 0 && write(sf, "key\nsecret\n", 11) == 11);
	close(sf);
	assert(core_secret_read(sec, 100, &t, &tl, err, sizeof(err)) == 0);
	assert(tl == 11 && !strcmp(t, "key\nsecret\n"));
	free(t);
	assert(chmod(sec, 0640) == 0);
	assert(core_secret_read(sec, 100, &t, &tl, err, sizeof(err)) == -EPERM && !t);
	assert(strstr(err, sec) && strstr(err, "mode 0640") && strstr(err, "chmod 600"));
	char link[] = "/tmp/osprey-secret-link.XXXXXX";
	int lf = mkstemp(link);
	assert(lf >= 0 && close(lf) == 0 && unlink(link) == 0 && symlink(sec, link) == 0);
	assert(chmod(sec, 0600) == 0);
	assert(core_secret_read(link, 100, &t, &tl, err, sizeof(err)) == -ELOOP);
	assert(strstr(err, "symbolic link"));
	unlink(link);
	unlink(sec);
	if (geteuid() == 0) { /* a file of another user's */
		sf = open(sec, O_CREAT | O_EXCL | O_WRONLY, 0600);
		assert(sf >= 0 && fchown(sf, 1, 1) == 0);
		close(sf);
		assert(core_secret_read(sec, 100, &t, &tl, err, sizeof(err)) == -EPERM);
		assert(strstr(err, "owned by uid 1"));
		unlink(sec);
	}
	printf("reclog: 101 records read back; torn tails and changed bytes stopped at\n");
	return 0;
}
