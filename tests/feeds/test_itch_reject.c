/* Bad frames are rejected with the byte offset, the type and the lengths;
 * the shared sample files decode (or are rejected) as documented. */
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feeds.h"

static char err[256];

/* Frame of a valid D message at buf+o; returns the bytes written. */
static size_t put_d(unsigned char *buf, size_t o, uint64_t ref)
{
	memset(buf + o, 0, 21);
	buf[o + 1] = 19;
	buf[o + 2] = 'D';
	for (int i = 0; i < 8; i++)
		buf[o + 13 + i] = (unsigned char)(ref >> (56 - 8 * i));
	return 21;
}

static int next_all(const unsigned char *buf, size_t len, size_t *off, uint64_t *n)
{
	struct feeds_itch_msg m;
	int r;
	*n = 0;
	while ((r = feeds_itch_next(buf, len, off, &m, err, sizeof(err))) == 0)
		(*n)++;
	return r;
}

static void expect(const char *needle)
{
	if (!strstr(err, needle)) {
		fprintf(stderr, "error '%s' lacks '%s'\n", err, needle);
		abort();
	}
}

static void synthetic(void)
{
	unsigned char buf[256];
	size_t len, off;
	uint64_t n;

	/* Length disagrees with the type: third frame says D is 20 bytes. */
	len = put_d(buf, 0, 1);
	len += put_d(buf, len, 2);
	size_t bad = len;
	len += put_d(buf, len, 3);
	buf[bad + 1] = 20;
	buf[len++] = 0; /* keep the buffer long enough for the claimed length */
	off = 0;
	assert(next_all(buf, len, &off, &n) == -EBADMSG);
	assert(n == 2 && off == bad);
	expect("offset 42:");
	expect("'D'");
	expect("19");
	expect("20");

	/* Unknown type 'z'. */
	len = put_d(buf, 0, 1);
	len += put_d(buf, len, 2);
	buf[21 + 2] = 'z';
	off = 0;
	assert(next_all(buf, len, &off, &n) == -EBADMSG);
	assert(n == 1 && off == 21);
	expect("offset 21:");
	expect("unknown");
	expect("'z'");

	/* Non-printable unknown type. */
	buf[21 + 2] = 0x01;
	off = 0;
	assert(next_all(buf, len, &off, &n) == -EBADMSG && off == 21);
	expect("0x01");

	/* Truncated body: every cut inside the second frame. */
	for (size_t cut = 22; cut < 42; cut++) {
		len = put_d(buf, 0, 1);
		put_d(buf, len, 2);
		off = 0;
		assert(next_all(buf, cut, &off, &n) == -EBADMSG);
		assert(n == 1 && off == 21);
		expect("offset 21:");
	}
	len = put_d(buf, 0, 1);
	put_d(buf, len, 2);
	off = 0;
	assert(next_all(buf, 42, &off, &n) == CORE_EOF && n == 2);
	/* Cut after the header's first byte, and after the whole header. */
	off = 0;
	assert(next_all(buf, 22, &off, &n) == -EBADMSG);
	expect("truncated frame header");
	off = 0;
	assert(next_all(buf, 23, &off, &n) == -EBADMSG);
	expect("no message bytes");
	off = 0;
	assert(next_all(buf, 30, &off, &n) == -EBADMSG);
	expect("'D'");
	expect("only 7 bytes");

	/* Zero length frame. */
	memset(buf, 0, 8);
	buf[2] = 'S';
	off = 0;
	assert(next_all(buf, 14, &off, &n) == -EBADMSG && off == 0 && n == 0);
	expect("offset 0:");
	expect("length 0");

	/* Offset past the end. */
	off = 100;
	assert(feeds_itch_next(buf, 14, &off, NULL, err, sizeof(err)) == -EINVAL);
	/* Empty input is simply the end. */
	off = 0;
	assert(feeds_itch_next(buf, 0, &off, NULL, err, sizeof(err)) == CORE_EOF);
	/* NULL error buffer is tolerated. */
	off = 0;
	assert(feeds_itch_next(buf, 14, &off, NULL, NULL, 0) == -EBADMSG);
}

static int file_test(const char *dir, const char *name, uint64_t want, int want_r,
		     const char *want_err)
{
	char path[1024];
	struct feeds_capture cap;
	struct feeds_itch_msg m;
	snprintf(path, sizeof(path), "%s/data/itch/%s", dir, name);
	int r = feeds_capture_open(&cap, path, err, sizeof(err));
	if (r == -ENOENT) {
		printf("skip: %s\n", err);
		return 0;
	}
	assert(r == 0);
	uint64_t n = 0;
	while ((r = feeds_capture_next(&cap, &m, err, sizeof(err))) == 0)
		n++;
	printf("%s: %llu messages, result %d%s%s\n", name, (unsigned long long)n, r,
	       r < 0 ? ": " : "", r < 0 ? err : "");
	assert(r == want_r);
	assert(n == want);
	if (want_err) {
		expect(want_err);
		expect(name); /* the file is named */
	}
	feeds_capture_close(&cap);
	feeds_capture_close(&cap); /* idempotent */
	return 1;
}

int main(void)
{
	synthetic();
	const char *dir = getenv("OSPREY_SHARED");
	if (!dir) {
		printf("skip: OSPREY_SHARED unset\n");
		return 77;
	}
	int ran = 0;
	ran += file_test(dir, "ritch_artificial.itch", 12012, CORE_EOF, NULL);
	if (file_test(dir, "ritch_artificial_zero_lengths.itch", 0, -EBADMSG, "offset 0: ")) {
		ran++;
		expect("length 0");
	}
	ran += file_test(dir, "nasdaq_directory_first1000.itch", 1000, CORE_EOF, NULL);
	ran += file_test(dir, "lobster_AMZN_20120621_L5.itch50", 193502, CORE_EOF, NULL);
	ran += file_test(dir, "lobster_GOOG_20120621_L10.itch50", 163421, CORE_EOF, NULL);
	struct feeds_capture cap;
	assert(feeds_capture_open(&cap, "/nonexistent/x.itch", err, sizeof(err)) == -ENOENT);
	expect("/nonexistent/x.itch");
	feeds_capture_close(NULL);
	return ran ? 0 : 77;
}
