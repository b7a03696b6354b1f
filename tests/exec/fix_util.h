/* fix_util.h - helpers the FIX tests share: '|' <-> SOH, a checksum and
 * BodyLength computed independently of the codec, and the frame check. */
#ifndef OSPREY_TEST_FIX_UTIL_H
#define OSPREY_TEST_FIX_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"

/* In place: '|' -> SOH. Returns s. */
static inline char *fix_soh(char *s)
{
	for (char *p = s; *p; p++)
		if (*p == '|')
			*p = '\001';
	return s;
}

/* A printable copy (SOH -> '|') in a static buffer, for messages. */
static inline const char *fix_show(const char *s, size_t n)
{
	static char buf[8192];
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	for (size_t i = 0; i < n; i++)
		buf[i] = s[i] == '\001' ? '|' : s[i];
	buf[n] = 0;
	return buf;
}

/* Check a whole message the slow, obvious way: 8= first, 9=N second with N
 * the bytes from after its SOH to the SOH before "10=", and 10= the sum of
 * everything before it mod 256 as 3 digits, last. Returns 0 or a line
 * number that failed. */
static inline int fix_frame_ok(const char *m, size_t n)
{
	if (n < 20 || strncmp(m, "8=FIX.4.4\0019=", 12))
		return __LINE__;
	const char *s9 = memchr(m + 12, '\001', n - 12);
	if (!s9)
		return __LINE__;
	long bl = strtol(m + 12, NULL, 10);
	if (n < 7 || memcmp(m + n - 7, "10=", 3) || m[n - 1] != '\001')
		return __LINE__;
	if ((long)(m + n - 7 - (s9 + 1)) != bl)
		return __LINE__;
	unsigned sum = 0;
	for (size_t i = 0; i < n - 7; i++)
		sum += (unsigned char)m[i];
	char want[4];
	snprintf(want, sizeof(want), "%03u", sum % 256);
	if (memcmp(m + n - 4, want, 3))
		return __LINE__;
	return 0;
}

static inline struct exec_fix_str fix_s(const char *s)
{
	return (struct exec_fix_str){ s, (uint32_t)strlen(s) };
}

static inline int fix_str_is(struct exec_fix_str a, const char *b)
{
	return a.len == strlen(b) && !memcmp(a.p, b, a.len);
}

static inline unsigned char *fix_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *b = n > 0 ? malloc((size_t)n + 1) : NULL;
	if (b) {
		*len = fread(b, 1, (size_t)n, f);
		b[*len] = 0;
	}
	fclose(f);
	return b;
}

#endif
