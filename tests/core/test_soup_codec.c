/* SoupBinTCP packets: every type encoded and decoded in its direction, the
 * ASCII fields as tshark shows them (checked against ../shared/data's
 * soup_ouch.pcapng bytes), and bad input with its outcome: zero length,
 * truncated (PARTIAL), oversized/undersized session packets, a type the
 * direction never sends, malformed numeric fields. */
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core.h"

static char err[256];

int main(void)
{
	unsigned char b[256];
	struct core_soup_pkt k;
	size_t off;

	/* Login Request: the bytes of soup_ouch.pcapng frame 4. */
	int n = core_soup_put_login(b, sizeof(b), "USER01", "PASSWORD01", "", 1);
	assert(n == 49);
	static const char want_login[] = "\x00\x2fLUSER01PASSWORD01          "
					 "                   1";
	assert(memcmp(b, want_login, 49) == 0);
	off = 0;
	assert(core_soup_next(b, (size_t)n, &off, CORE_SOUP_FROM_CLIENT, &k, err, sizeof(err)) == 0);
	assert(off == 49 && k.type == 'L' && k.len == 46 && !strcmp(k.username, "USER01") &&
	       !strcmp(k.password, "PASSWORD01") && k.session[0] == '\0' && k.seq == 1);
	/* The server never sends L. */
	off = 0;
	assert(core_soup_next(b, (size_t)n, &off, CORE_SOUP_FROM_SERVER, &k, err, sizeof(err)) ==
	       -EBADMSG);
	assert(off == 0 && strstr(err, "offset 0:") && strstr(err, "not sent by the server"));
	/* short user, session left-padded */
	n = core_soup_put_login(b, sizeof(b), "ab", "pw", "S1", 12345678901234567890ull);
	assert(n == 49 && !memcmp(b + 3, "ab    pw        ", 16) && !memcmp(b + 19, "        S1", 10));
	off = 0;
	assert(core_soup_next(b, (size_t)n, &off, CORE_SOUP_FROM_CLIENT, &k, err, sizeof(err)) == 0);
	assert(!strcmp(k.username, "ab") && !strcmp(k.session, "S1") &&
	       k.seq == 12345678901234567890ull);
	assert(core_soup_put_login(b, sizeof(b), "toolong", "", "", 1) == -EINVAL);
	assert(core_soup_put_login(b, 10, "a", "b", "", 1) == -ENOSPC);

	/* Login Accepted: frame 6's bytes. */
	n = core_soup_put_accepted(b, sizeof(b), "SESSION001", 1);
	assert(n == 33 && !memcmp(b, "\x00\x1f" "ASESSION001                   1", 33));
	off = 0;
	assert(core_soup_next(b, (size_t)n, &off, CORE_SOUP_FROM_SERVER, &k, err, sizeof(err)) == 0);
	assert(k.type == 'A' && !strcmp(k.session, "SESSION001") && k.seq == 1);

	/* Rejected, data, heartbeats, end, logout, debug. */
	n = core_soup_put_rejected(b, sizeof(b), 'S');
	off = 0;
	assert(core_soup_next(b, (size_t)n, &off, CORE_SOUP_FROM_SERVER, &k, err, sizeof(err)) == 0);
	assert(k.type == 'J' && k.reject == 'S');
	b[3] = 'Q';
	off = 0;
	assert(core_soup_next(b, (size_t)n, &off, CORE_SOUP_FROM_SERVER, &k, err, sizeof(err)) ==
	       -EBADMSG && strstr(err, "reject"));
	size_t len = 0;
	len += (size_t)core_soup_put(b + len, sizeof(b) - len, 'S', "hello", 5);
	len += (size_t)core_soup_put(b + len, sizeof(b) - len, 'H', NULL, 0);
	len += (size_t)core_soup_put(b + len, sizeof(b) - len, '+', "dbg", 3);
	len += (size_t)core_soup_put(b + len, sizeof(b) - len, 'U', "u", 1);
	len += (size_t)core_soup_put(b + len, sizeof(b) - len, 'Z', NULL, 0);
	const char types[] = "SH+UZ";
	off = 0;
	for (int i = 0; i < 5; i++) {
		assert(core_soup_next(b, len, &off, CORE_SOUP_FROM_SERVER, &k, err, sizeof(err)) == 0);
		assert(k.type == (uint8_t)types[i]);
		if (i == 0)
			assert(k.len == 5 && !memcmp(k.payload, "hello", 5));
	}
	assert(core_soup_next(b, len, &off, CORE_SOUP_FROM_SERVER, &k, err, sizeof(err)) == CORE_EOF);
	/* Truncated: every prefix of the stream is PARTIAL at the cut packet. */
	for (size_t cut = 1; cut < len; cut++) {
		off = 0;
		int r;
		while ((r = core_soup_next(b, cut, &off, CORE_SOUP_FROM_SERVER, &k, err,
					    sizeof(err))) == 0)
			;
		assert(r == CORE_SOUP_PARTIAL || (r == CORE_EOF && off == cut));
		assert(off <= cut);
	}
	/* Client-side types. */
	len = 0;
	len += (size_t)core_soup_put(b + len, sizeof(b) - len, 'R', NULL, 0);
	len += (size_t)core_soup_put(b + len, sizeof(b) - len, 'O', NULL, 0);
	off = 0;
	assert(core_soup_next(b, len, &off, CORE_SOUP_FROM_CLIENT, &k, err, sizeof(err)) == 0 &&
	       k.type == 'R');
	assert(core_soup_next(b, len, &off, CORE_SOUP_FROM_CLIENT, &k, err, sizeof(err)) == 0 &&
	       k.type == 'O');
	off = 0;
	assert(core_soup_next(b, len, &off, CORE_SOUP_FROM_SERVER, &k, err, sizeof(err)) == -EBADMSG);

	/* Zero length: no type byte. */
	static const unsigned char zero[] = { 0, 0, 'H' };
	off = 0;
	assert(core_soup_next(zero, 3, &off, CORE_SOUP_FROM_SERVER, &k, err, sizeof(err)) ==
	       -EBADMSG && strstr(err, "length 0"));
	/* Oversized heartbeat (length 5) and undersized login accepted. */
	static const unsigned char hb5[] = { 0, 5, 'H', 1, 2, 3, 4 };
	off = 0;
	assert(core_soup_next(hb5, sizeof(hb5), &off, CORE_SOUP_FROM_SERVER, &k, err,
			       sizeof(err)) == -EBADMSG && strstr(err, "length 5 (expected 1)"));
	/* rejected on the header alone, before the body is there */
	off = 0;
	assert(core_soup_next(hb5, 3, &off, CORE_SOUP_FROM_SERVER, &k, err, sizeof(err)) ==
	       -EBADMSG);
	static const unsigned char a5[] = { 0, 5, 'A', '1', '2', '3', '4' };
	off = 0;
	assert(core_soup_next(a5, sizeof(a5), &off, CORE_SOUP_FROM_SERVER, &k, err, sizeof(err)) ==
	       -EBADMSG && strstr(err, "expected 31"));
	/* Malformed sequence number. */
	n = core_soup_put_accepted(b, sizeof(b), "S", 77);
	b[30] = 'x';
	off = 0;
	assert(core_soup_next(b, (size_t)n, &off, CORE_SOUP_FROM_SERVER, &k, err, sizeof(err)) ==
	       -EBADMSG && strstr(err, "sequence number"));
	memset(b + 13, ' ', 20); /* all blank */
	off = 0;
	assert(core_soup_next(b, (size_t)n, &off, CORE_SOUP_FROM_SERVER, &k, err, sizeof(err)) ==
	       -EBADMSG);
	/* Unknown type. */
	static const unsigned char q[] = { 0, 1, 'q' };
	off = 0;
	assert(core_soup_next(q, 3, &off, CORE_SOUP_FROM_CLIENT, &k, err, sizeof(err)) == -EBADMSG);
	/* The biggest payload. */
	static unsigned char big[CORE_SOUP_MAX_PAYLOAD + 3];
	static unsigned char pay[CORE_SOUP_MAX_PAYLOAD + 1];
	assert(core_soup_put(big, sizeof(big), 'S', pay, CORE_SOUP_MAX_PAYLOAD) == (int)sizeof(big));
	assert(core_soup_put(big, sizeof(big), 'S', pay, CORE_SOUP_MAX_PAYLOAD + 1) == -EINVAL);
	off = 0;
	assert(core_soup_next(big, sizeof(big), &off, CORE_SOUP_FROM_SERVER, &k, err, sizeof(err)) ==
	       0 && k.len == CORE_SOUP_MAX_PAYLOAD);
	off = 5;
	assert(core_soup_next(big, 4, &off, CORE_SOUP_FROM_SERVER, &k, err, sizeof(err)) == -EINVAL);

	/* The named encoders: each packet in its direction, bytes and decode. */
	struct {
		int n;
		uint8_t type;
		int dir;
	} named[8];
	unsigned char nb[8][16];
	int nn = 0;
	named[nn++] = (typeof(named[0])){ core_soup_put_unsequenced(nb[0], 16, "ouch", 4), 'U',
					  CORE_SOUP_FROM_CLIENT };
	named[nn++] = (typeof(named[0])){ core_soup_put_client_heartbeat(nb[1], 16), 'R',
					  CORE_SOUP_FROM_CLIENT };
	named[nn++] = (typeof(named[0])){ core_soup_put_logout(nb[2], 16), 'O',
					  CORE_SOUP_FROM_CLIENT };
	named[nn++] = (typeof(named[0])){ core_soup_put_sequenced(nb[3], 16, "itch", 4), 'S',
					  CORE_SOUP_FROM_SERVER };
	named[nn++] = (typeof(named[0])){ core_soup_put_server_heartbeat(nb[4], 16), 'H',
					  CORE_SOUP_FROM_SERVER };
	named[nn++] = (typeof(named[0])){ core_soup_put_end_of_session(nb[5], 16), 'Z',
					  CORE_SOUP_FROM_SERVER };
	named[nn++] = (typeof(named[0])){ core_soup_put_rejected(nb[6], 16, 'A'), 'J',
					  CORE_SOUP_FROM_SERVER };
	for (int i = 0; i < nn; i++) {
		int plen = named[i].type == 'U' || named[i].type == 'S' ? 4 : named[i].type == 'J';
		assert(named[i].n == 3 + plen && nb[i][0] == 0 && nb[i][1] == 1 + plen &&
		       nb[i][2] == named[i].type);
		off = 0;
		assert(core_soup_next(nb[i], (size_t)named[i].n, &off, named[i].dir, &k, err,
				      sizeof(err)) == 0 && k.type == named[i].type &&
		       k.len == plen && off == (size_t)named[i].n);
		off = 0;
		int other = core_soup_next(nb[i], (size_t)named[i].n, &off, 3 - named[i].dir, &k, err,
					   sizeof(err));
		assert(named[i].type == 'U' ? other == 0 : other == -EBADMSG);
	}
	assert(!memcmp(nb[0] + 3, "ouch", 4) && !memcmp(nb[3] + 3, "itch", 4));
	assert(core_soup_put_rejected(b, sizeof(b), 'Q') == -EINVAL);
	assert(core_soup_put_server_heartbeat(b, 2) == -ENOSPC);
	assert(core_soup_put_sequenced(b, 6, "itch", 4) == -ENOSPC);
	/* what the decoder would refuse is refused at the encoder */
	assert(core_soup_put_login(b, sizeof(b), "a\tb", "", "", 1) == -EINVAL);
	assert(core_soup_put_accepted(b, sizeof(b), "S\x7f", 1) == -EINVAL);
	printf("soup codec: ok\n");
	return 0;
}
