/*
 * venue_journal.c - osprey-venue's journal (--journal DIR): what it was told,
 * kept so that a venue killed with SIGKILL starts again where it was.
 *
 * The venue is deterministic: the same market-data messages and the same
 * client requests, applied in the same order, give the same books, orders,
 * fills and reports. So the journal keeps the inputs, not the state:
 * DIR/inputs is a record log (core.h) of every request that changes
 * something (an OUCH login, Enter / Cancel / Replace; a FIX peer's first
 * Logon and every application message; a cancel on disconnect; the market's
 * close), each with the market-data message it met (v->applied) and the wall
 * time. A record is written before the request is acted on, so nothing a
 * client was told rests on an input the journal lacks.
 *
 * Reports can also come from market data alone (a resting order filled by
 * the feed), so before any report leaves for a socket a mark record says how
 * far market data had gone (venue_journal_mark): a restart replays at least
 * that far, and every report a client has seen is made again.
 *
 * What the sessions need beyond that is kept by the sessions' own files:
 *   OUCH   every Sequenced Data message is a function of the inputs, so the
 *          replay rebuilds each user's message log exactly, and a re-login
 *          from any number is answered as before;
 *   FIX    DIR/fix-COMP.seq (the sequence-number store, exec_fix_store) and
 *          DIR/fix-COMP.out (the durable resend journal,
 *          exec_fix_journal_load): the replay makes the reports again in the
 *          same order; the first K of them, K being the messages the .out
 *          file holds, were sent and are dropped (they are in the resend
 *          journal with their numbers); the rest wait for the next Logon.
 *
 * On start with a journal: the records are applied in order (market data up
 * to each record's message first, published to no one), the drop copy is
 * written again from the start, and the MoldUDP64 publisher resumes after the
 * last message applied (a client's receiver drops what it already has; the
 * re-request server serves the whole session). The wall time of a replayed
 * drop-copy row is that of its record (a fill from market data: the record
 * after it, within one loop turn of the original). A journal of another
 * session (message count, session name) is refused. A short or damaged tail
 * (a crash of the machine mid-write) is cut off and reported. With
 * --cancel-on-disconnect, the orders open after the replay are cancelled
 * (every session was lost with the process), as a journaled disconnect.
 *
 * Limits: a request read from the socket but not yet journaled when the kill
 * came (a few instructions) is lost as if it never arrived (the client's
 * reconciliation closes it); a FIX report that could not be encoded before
 * the kill shifts the count by one (logged when it happens); a FIX session
 * reset (141=Y) is not replayed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "venue_int.h"

enum jkind {
	J_START = 1,      /* data: u64 messages, the session name (10) */
	J_OUCH_LOGIN = 2, /* data: the username */
	J_OUCH_MSG = 3,   /* who: user; data: the OUCH message */
	J_FIX_PEER = 4,   /* data: the CompID */
	J_FIX_MSG = 5,    /* who: peer; data: the FIX message */
	J_CANCEL_ALL = 6, /* who: account; data: the cause (u8) */
	J_CLOSE = 7,
	J_MARK = 8,
};

struct jhead {
	uint32_t who;
	uint32_t pad;
	uint64_t md;      /* v->applied when it happened */
	uint64_t wall_ns; /* venue_wall_ns() */
};

static void put(struct venue *v, uint32_t kind, uint32_t who, const void *p, size_t n)
{
	if (v->jfd < 0 || v->replaying)
		return;
	struct jhead h = { .who = who, .md = v->applied, .wall_ns = venue_wall_ns(v) };
	int r = core_rec_append(v->jfd, kind, &h, sizeof(h), p, n);
	if (r < 0 && v->st.journal_errors++ == 0)
		venue_log(v, "journal: write failed (%s): a restart may lose what follows",
		          strerror(-r));
	v->jmark = v->applied;
}

void venue_journal_ouch_login(struct venue *v, const char *user)
{
	put(v, J_OUCH_LOGIN, 0, user, strlen(user));
}

void venue_journal_ouch_msg(struct venue *v, uint32_t user, const void *p, size_t n)
{
	put(v, J_OUCH_MSG, user, p, n);
}

void venue_journal_fix_peer(struct venue *v, const char *comp)
{
	put(v, J_FIX_PEER, 0, comp, strlen(comp));
}

void venue_journal_fix_msg(struct venue *v, uint32_t peer, const void *p, size_t n)
{
	put(v, J_FIX_MSG, peer, p, n);
}

void venue_journal_cancel_all(struct venue *v, uint32_t account, enum venue_cause cause)
{
	uint8_t c = (uint8_t)cause;
	put(v, J_CANCEL_ALL, account, &c, 1);
}

void venue_journal_close(struct venue *v)
{
	put(v, J_CLOSE, 0, NULL, 0);
}

void venue_journal_mark(struct venue *v)
{
	if (v->jfd >= 0 && !v->replaying && v->applied > v->jmark)
		put(v, J_MARK, 0, NULL, 0);
}

/* ------------------------------------------------------------------------- */
/* A FIX peer's files */

int venue_journal_fix_files(struct venue *v, struct venue_fix_peer *p, char *err, size_t errlen)
{
	if (v->jfd < 0)
		return exec_fix_store_open(&p->store, NULL, NULL, 0);
	char name[VENUE_NAME_MAX + 16];
	snprintf(name, sizeof(name), "fix-%s.seq", p->comp);
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", v->cfg.journal, name);
	int r = exec_fix_store_open(&p->store, path, err, errlen);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/fix-%s.out", v->cfg.journal, p->comp);
	p->jfd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (p->jfd < 0) {
		r = -errno;
		core_errf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	uint64_t loaded, cut;
	r = exec_fix_journal_load(&p->journal, p->jfd, &loaded, &cut);
	if (r < 0) {
		core_errf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	if (cut)
		venue_log(v, "journal: %s: cut a damaged tail of %" PRIu64 " bytes", path, cut);
	p->sent_before = loaded;
	return 0;
}

/* ------------------------------------------------------------------------- */
/* The replay */

static int check_start(struct venue *v, const struct core_rec *rec, char *err, size_t errlen)
{
	uint64_t n;
	char session[10] = { 0 };
	if (rec->len < sizeof(struct jhead) + 8) {
		core_errf(err, errlen, "%s/inputs: its first record is not a start", v->cfg.journal);
		return -EINVAL;
	}
	memcpy(&n, rec->body + sizeof(struct jhead), 8);
	size_t sl = rec->len - sizeof(struct jhead) - 8;
	memcpy(session, rec->body + sizeof(struct jhead) + 8, sl < 10 ? sl : 10);
	if (n != v->nmsgs || strncmp(session, v->session, 10)) {
		core_errf(err, errlen,
		          "%s holds the journal of another session (%" PRIu64
		          " messages, '%.10s'; this one: %" PRIu64
		          ", '%s'): remove it or pick another folder",
		          v->cfg.journal, n, session, v->nmsgs, v->session);
		return -EINVAL;
	}
	return 0;
}

/* One record: market data up to its message first. */
static int apply(struct venue *v, const struct core_rec *rec, char *err, size_t errlen)
{
	struct jhead h;
	if (rec->len < sizeof(h))
		return 0;
	memcpy(&h, rec->body, sizeof(h));
	const unsigned char *d = rec->body + sizeof(h);
	size_t n = rec->len - sizeof(h);
	if (h.md > v->nmsgs) {
		core_errf(err, errlen, "%s/inputs: a record at message %" PRIu64 " of %" PRIu64,
		          v->cfg.journal, h.md, v->nmsgs);
		return -EINVAL;
	}
	while (v->applied < h.md)
		venue_apply_md(v, v->applied + 1, core_now_ns());
	v->replay_wall_ns = h.wall_ns;
	char s[VENUE_NAME_MAX + 1];
	switch (rec->kind) {
	case J_OUCH_LOGIN:
	case J_FIX_PEER:
		if (n == 0 || n > VENUE_NAME_MAX)
			break;
		memcpy(s, d, n);
		s[n] = 0;
		if (rec->kind == J_OUCH_LOGIN)
			venue_ouch_relogin(v, s);
		else if (venue_fix_peer(v, s, err, errlen) < 0)
			return -EINVAL;
		break;
	case J_OUCH_MSG:
		if (h.who < v->nusers)
			venue_ouch_replay(v, h.who, d, n);
		break;
	case J_FIX_MSG:
		if (h.who < v->npeers)
			venue_fix_replay(v, h.who, (const char *)d, n);
		break;
	case J_CANCEL_ALL:
		if (h.who < v->naccounts && n == 1)
			venue_cancel_all(v, h.who, (enum venue_cause)d[0]);
		break;
	case J_CLOSE:
		venue_close_market(v, "as before the restart");
		break;
	default:
		break; /* J_MARK: the market data above */
	}
	return 0;
}

int venue_journal_open(struct venue *v, char *err, size_t errlen)
{
	const char *dir = v->cfg.journal;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		int r = -errno;
		core_errf(err, errlen, "--journal %s: %s", dir, strerror(-r));
		return r;
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s/inputs", dir);
	v->jfd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (v->jfd < 0) {
		int r = -errno;
		core_errf(err, errlen, "--journal: %s: %s", path, strerror(-r));
		return r;
	}
	unsigned char *b;
	size_t len;
	int r = core_rec_read(v->jfd, &b, &len);
	if (r < 0) {
		core_errf(err, errlen, "--journal: %s: %s", path, strerror(-r));
		return r;
	}
	if (len == 0) { /* a new journal */
		unsigned char start[18] = { 0 };
		memcpy(start, &v->nmsgs, 8);
		memcpy(start + 8, v->session, strlen(v->session));
		struct jhead h = { .wall_ns = venue_wall_ns(v) };
		r = core_rec_append(v->jfd, J_START, &h, sizeof(h), start, sizeof(start));
		if (r < 0)
			core_errf(err, errlen, "--journal: %s: %s", path, strerror(-r));
		return r;
	}
	size_t off = 0;
	struct core_rec rec;
	uint64_t nrec = 0;
	v->replaying = true;
	while ((r = core_rec_next(b, len, &off, &rec)) == 0) {
		r = nrec++ == 0 ? check_start(v, &rec, err, errlen) : apply(v, &rec, err, errlen);
		if (r < 0)
			break;
	}
	free(b);
	if (r < 0 && r != CORE_EOF && r != -EBADMSG) {
		v->replaying = false;
		return r;
	}
	if (off < len) {
		venue_log(v, "journal: %s: cut a damaged tail of %zu bytes at offset %zu", path,
		          len - off, off);
		if (ftruncate(v->jfd, (off_t)off) < 0) {
			r = -errno;
			core_errf(err, errlen, "--journal: %s: ftruncate: %s", path, strerror(-r));
			v->replaying = false;
			return r;
		}
	}
	/* the reports each FIX peer had sent already are in its resend journal */
	uint64_t dropped = 0;
	for (size_t i = 0; i < v->npeers; i++)
		dropped += venue_fix_drop_sent(v, &v->peers[i]);
	v->replaying = false;
	v->jmark = v->applied;
	v->st.restarts++;
	/* every session was lost with the process: with --cancel-on-disconnect
	 * their orders go now (journaled, as any disconnect) */
	unsigned canceled = 0;
	for (size_t i = 0; v->cfg.cancel_on_disconnect && i < v->naccounts; i++) {
		venue_journal_cancel_all(v, (uint32_t)i, VENUE_CAUSE_DISCONNECT);
		canceled += venue_cancel_all(v, (uint32_t)i, VENUE_CAUSE_DISCONNECT);
	}
	if (canceled)
		venue_log(v, "journal: %u open orders cancelled (--cancel-on-disconnect: the sessions "
		             "were lost with the venue)", canceled);
	venue_log(v,
	          "journal: restarted from %" PRIu64 " records: market data at message %" PRIu64
	          " of %" PRIu64 ", %zu orders, %" PRIu64 " FIX reports already sent",
	          nrec, v->applied, v->nmsgs, v->norders, dropped);
	return 0;
}

void venue_journal_fini(struct venue *v)
{
	if (v->jfd >= 0)
		close(v->jfd);
	v->jfd = -1;
}
