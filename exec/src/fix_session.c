/* fix_session.c - the FIX 4.4 session (either side), its sequence-number
 * store and its resend journal. The manual is exec.h ("FIX 4.4: the
 * session", "the store", "the resend journal"). One file of about 950 lines:
 * the session rules, the numbers they move and the journal a resend reads
 * are one state machine over one private struct. */
#define _GNU_SOURCE /* memmem */
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec.h"

#define STORE_MAGIC UINT64_C(0x3158465952505350) /* "PSPRYFX1" little-endian */
#define NS_PER_S    UINT64_C(1000000000)
#define NS_PER_MS   UINT64_C(1000000)

/* ------------------------------------------------------------------------- */
/* Store */

CORE_COLD int exec_fix_store_open(struct exec_fix_store *st, const char *path, char *err,
				  size_t errlen)
{
	memset(st, 0, sizeof(*st));
	st->fd = -1;
	if (!path) {
		st->mem.magic = STORE_MAGIC;
		st->mem.next_out = 1;
		st->mem.next_in = 1;
		st->seqs = &st->mem;
		return 0;
	}
	int r;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		core_errf(err, errlen, "%s: open: %s", path, strerror(-r));
		return r;
	}
	struct stat sb;
	if (fstat(fd, &sb) < 0) {
		r = -errno;
		core_errf(err, errlen, "%s: stat: %s", path, strerror(-r));
		goto out_close;
	}
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	bool fresh = sb.st_size == 0;
	if (fresh && ftruncate(fd, (off_t)pg) < 0) {
		r = -errno;
		core_errf(err, errlen, "%s: ftruncate: %s", path, strerror(-r));
		goto out_close;
	}
	if (!fresh && (size_t)sb.st_size < sizeof(struct exec_fix_seqs)) {
		r = -EBADMSG;
		core_errf(err, errlen, "%s: %lld bytes: not a FIX sequence store", path,
			  (long long)sb.st_size);
		goto out_close;
	}
	size_t len = fresh ? pg : (size_t)sb.st_size;
	void *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		r = -errno;
		core_errf(err, errlen, "%s: mmap: %s", path, strerror(-r));
		goto out_close;
	}
	struct exec_fix_seqs *q = map;
	if (fresh) {
		q->next_out = 1;
		q->next_in = 1;
		q->magic = STORE_MAGIC;
	} else if (q->magic != STORE_MAGIC || q->next_out == 0 || q->next_in == 0 ||
		   q->sender[EXEC_FIX_MAX_COMPID] || q->target[EXEC_FIX_MAX_COMPID]) {
		munmap(map, len);
		r = -EBADMSG;
		core_errf(err, errlen, "%s: not a FIX sequence store (bad magic or numbers)", path);
		goto out_close;
	}
	st->seqs = q;
	st->fd = fd;
	st->map_len = len;
	return 0;
out_close:
	close(fd);
	return r;
}

CORE_COLD int exec_fix_store_close(struct exec_fix_store *st)
{
	int r = 0;
	if (st->fd >= 0 && st->seqs && st->seqs != &st->mem) {
		if (msync(st->seqs, st->map_len, MS_SYNC) < 0)
			r = -errno;
		munmap(st->seqs, st->map_len);
	}
	if (st->fd >= 0 && close(st->fd) < 0 && !r)
		r = -errno;
	st->fd = -1;
	st->seqs = NULL;
	return r;
}

/* ------------------------------------------------------------------------- */
/* Journal */

CORE_COLD int exec_fix_journal_init(struct exec_fix_journal *j, size_t bytes, uint32_t messages)
{
	memset(j, 0, sizeof(*j));
	if (bytes < 4096 || messages > (1u << 30))
		return -EINVAL;
	uint32_t n = 64;
	while (n < messages)
		n *= 2;
	j->buf = malloc(bytes);
	j->ents = calloc(n, sizeof(*j->ents));
	if (!j->buf || !j->ents) {
		exec_fix_journal_fini(j);
		return -ENOMEM;
	}
	j->cap = bytes;
	j->nents = n;
	j->fd = -1;
	return 0;
}

CORE_COLD void exec_fix_journal_fini(struct exec_fix_journal *j)
{
	free(j->buf);
	free(j->ents);
	memset(j, 0, sizeof(*j));
}

/* The durable file's records: a message (its entry's fields, then the body)
 * or a reset marker (no body). */
enum { JREC_MSG = 1, JREC_RESET = 2 };
struct jrec_head {
	uint64_t seq, orig_ns;
	char type[4];
	uint32_t pad;
};

static void journal_wrote(struct exec_fix_journal *j, int r)
{
	if (r < 0) {
		j->write_errors++;
		j->last_write_error = r;
	}
}

static void journal_clear(struct exec_fix_journal *j)
{
	if (!j)
		return;
	memset(j->ents, 0, (size_t)j->nents * sizeof(*j->ents));
	if (j->fd >= 0)
		journal_wrote(j, core_rec_append(j->fd, JREC_RESET, NULL, 0, NULL, 0));
}

/* Keep body[0, len) as message seq (its ring bytes and its entry). */
static void journal_keep(struct exec_fix_journal *j, uint64_t seq, uint64_t sent_ns,
			 const char *type, size_t type_len, const char *body, size_t len)
{
	struct exec_fix_journal_ent *e = &j->ents[seq & (j->nents - 1)];
	e->seq = seq;
	e->pos = j->head;
	e->orig_ns = sent_ns;
	e->len = (uint32_t)len;
	memset(e->type, 0, sizeof(e->type));
	memcpy(e->type, type, type_len);
	size_t at = (size_t)(j->head % j->cap), first = j->cap - at < len ? j->cap - at : len;
	memcpy(j->buf + at, body, first);
	memcpy(j->buf, body + first, len - first);
	j->head += len;
}

CORE_COLD int exec_fix_journal_load(struct exec_fix_journal *j, int fd, uint64_t *ret_loaded,
				    uint64_t *ret_cut)
{
	*ret_loaded = *ret_cut = 0;
	unsigned char *b;
	size_t len;
	int r = core_rec_read(fd, &b, &len);
	if (r < 0)
		return r;
	size_t off = 0;
	struct core_rec rec;
	while ((r = core_rec_next(b, len, &off, &rec)) == 0) {
		struct jrec_head h;
		if (rec.kind == JREC_RESET) {
			memset(j->ents, 0, (size_t)j->nents * sizeof(*j->ents));
			continue;
		}
		if (rec.kind != JREC_MSG || rec.len < sizeof(h))
			continue; /* not ours to read: skipped */
		memcpy(&h, rec.body, sizeof(h));
		size_t n = rec.len - sizeof(h);
		if (h.seq == 0 || n > j->cap)
			continue;
		journal_keep(j, h.seq, h.orig_ns, h.type, strnlen(h.type, 2),
			     (const char *)rec.body + sizeof(h), n);
		(*ret_loaded)++;
	}
	free(b);
	if (off < len) {
		*ret_cut = len - off;
		if (ftruncate(fd, (off_t)off) < 0)
			return -errno;
	}
	j->fd = fd;
	return 0;
}

/* Keep the application message msg[0, n) we just wrote with MsgSeqNum seq:
 * its type and the fields between the header (after SendingTime 52) and the
 * CheckSum. Our own encoder wrote it, so the layout is known. */
static void journal_put(struct exec_fix_journal *j, uint64_t seq, uint64_t sent_ns,
			const char *msg, size_t n)
{
	const char *t = memmem(msg, n, "35=", 4);
	const char *st = memmem(msg, n, "52=", 4);
	if (!t || !st || n < 7)
		return;
	t += 4;
	const char *te = memchr(t, '', (size_t)(msg + n - t));
	const char *body = memchr(st + 1, '', (size_t)(msg + n - st - 1));
	if (!te || te - t > 2 || !body)
		return;
	body++;
	size_t len = (size_t)(msg + n - 7 - body); /* "10=ddd|" */
	if (body > msg + n - 7 || len > j->cap)
		return;
	journal_keep(j, seq, sent_ns, t, (size_t)(te - t), body, len);
	if (j->fd >= 0) {
		struct jrec_head h = { .seq = seq, .orig_ns = sent_ns };
		memcpy(h.type, t, (size_t)(te - t));
		journal_wrote(j, core_rec_append(j->fd, JREC_MSG, &h, sizeof(h), body, len));
	}
}

/* The message kept for seq, or NULL (never kept, or overwritten since). */
static const struct exec_fix_journal_ent *journal_get(const struct exec_fix_journal *j,
						      uint64_t seq)
{
	const struct exec_fix_journal_ent *e = &j->ents[seq & (j->nents - 1)];
	return e->seq == seq && j->head - e->pos <= j->cap ? e : NULL;
}

/* ------------------------------------------------------------------------- */
/* Out buffer */

/* Free space after the pending bytes, compacting when little is left. */
static char *out_tail(struct exec_fix_session *s, size_t *cap)
{
	if (s->out_len == 0) {
		s->out_off = 0;
	} else if (s->out_off && EXEC_FIX_OUT_CAP - s->out_off - s->out_len < 4096) {
		memmove(s->out, s->out + s->out_off, s->out_len);
		s->out_off = 0;
	}
	*cap = EXEC_FIX_OUT_CAP - s->out_off - s->out_len;
	return s->out + s->out_off + s->out_len;
}

/* Account for an encoder's result n: a message of n bytes (using the next
 * MsgSeqNum when use_seq), or the encoder's error. admin: a full buffer is a
 * failure (-ENOBUFS), else an outcome (EXEC_FIX_BUSY). */
static int out_commit(struct exec_fix_session *s, int n, uint64_t now_ns, bool use_seq,
		      bool admin)
{
	if (n == -ENOSPC) {
		s->stats.out_busy++;
		return admin ? -ENOBUFS : EXEC_FIX_BUSY;
	}
	if (n < 0)
		return n;
	if (use_seq && !admin && s->journal)
		journal_put(s->journal, s->seqs->next_out, now_ns, s->out + s->out_off + s->out_len,
			    (size_t)n);
	s->out_len += (uint32_t)n;
	if (use_seq) {
		uint64_t q = s->seqs->next_out;
		uint64_t bit = UINT64_C(1) << (q % 64);
		if (admin)
			s->app_bits[q / 64 % 64] &= ~bit;
		else
			s->app_bits[q / 64 % 64] |= bit;
		s->seqs->next_out = q + 1; /* plain store into the mapped page */
	}
	s->last_sent_ns = now_ns;
	s->stats.msgs_out++;
	if (!admin)
		s->stats.app_out++;
	return 0;
}

#define ENC(s, now, fn, ...)                                                                       \
	({                                                                                         \
		size_t cap_;                                                                       \
		char *b_ = out_tail(s, &cap_);                                                     \
		fn(&(s)->hdr, b_, cap_, (s)->seqs->next_out, now, __VA_ARGS__);                   \
	})

/* ------------------------------------------------------------------------- */
/* Session */

static bool str_eq(struct exec_fix_str a, const char *b)
{
	size_t n = strlen(b);
	return a.len == n && !memcmp(a.p, b, n);
}

CORE_COLD int exec_fix_session_init(struct exec_fix_session *s,
				    const struct exec_fix_session_config *cfg, char *err,
				    size_t errlen)
{
	memset(s, 0, offsetof(struct exec_fix_session, out));
	int r = exec_fix_header_init(&s->hdr, cfg->sender, cfg->target, err, errlen);
	if (r)
		return r;
	struct exec_fix_store *st = cfg->store;
	if (!st) {
		exec_fix_store_open(&s->mem_store, NULL, NULL, 0);
		st = &s->mem_store;
	}
	if (!st->seqs) {
		core_errf(err, errlen, "FIX session: the store is not open");
		return -EINVAL;
	}
	struct exec_fix_seqs *q = st->seqs;
	if (q->sender[0] || q->target[0]) {
		if (strcmp(q->sender, cfg->sender) || strcmp(q->target, cfg->target)) {
			core_errf(err, errlen, "FIX store belongs to session %s->%s, not %s->%s",
				  q->sender, q->target, cfg->sender, cfg->target);
			return -EINVAL;
		}
	} else {
		memcpy(q->sender, s->hdr.sender, sizeof(q->sender));
		memcpy(q->target, s->hdr.target, sizeof(q->target));
	}
	s->seqs = q;
	s->journal = cfg->journal;
	s->initiator = cfg->initiator;
	s->reset_on_logon = cfg->reset_on_logon;
	s->heartbeat_s = cfg->heartbeat_s ? cfg->heartbeat_s : 30;
	s->hb_ns = s->heartbeat_s * NS_PER_S;
	s->logon_timeout_ns = (cfg->logon_timeout_ms ? cfg->logon_timeout_ms : 10000) * NS_PER_MS;
	s->logout_timeout_ns = (cfg->logout_timeout_ms ? cfg->logout_timeout_ms : 2000) * NS_PER_MS;
	s->state = EXEC_FIX_DOWN;
	return 0;
}

__attribute__((format(printf, 2, 3))) static void say(struct exec_fix_session *s,
						       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->reason, sizeof(s->reason), fmt, ap);
	va_end(ap);
}

static int close_now(struct exec_fix_session *s)
{
	s->state = EXEC_FIX_CLOSING;
	return EXEC_FIX_CLOSED;
}

/* Logout with the reason in s->reason, then CLOSING. */
static int logout_close(struct exec_fix_session *s, uint64_t now_ns)
{
	struct exec_fix_str t = { s->reason, (uint32_t)strlen(s->reason) };
	int r = out_commit(s, ENC(s, now_ns, exec_fix_encode_logout, t), now_ns, true, true);
	if (r < 0)
		return r;
	return close_now(s);
}

static int send_reject(struct exec_fix_session *s, uint64_t now_ns, uint64_t ref_seq,
		       const char *ref_type, uint32_t tag, int reason)
{
	struct exec_fix_reject rj = { .ref_seq = ref_seq, .ref_tag = tag, .reason = reason };
	memcpy(rj.ref_type, ref_type, 2);
	rj.text = (struct exec_fix_str){ s->reason, (uint32_t)strlen(s->reason) };
	int r = out_commit(s, ENC(s, now_ns, exec_fix_encode_reject, &rj), now_ns, true, true);
	if (r == 0)
		s->stats.rejects_sent++;
	return r;
}

static int send_resend_request(struct exec_fix_session *s, uint64_t now_ns, uint64_t seen)
{
	uint64_t begin = s->seqs->next_in;
	say(s, "MsgSeqNum too high, expecting %" PRIu64 " but received %" PRIu64
	       ": ResendRequest %" PRIu64 "-0",
	    begin, seen, begin);
	int r = out_commit(s, ENC(s, now_ns, exec_fix_encode_resend_request, begin, 0), now_ns,
			   true, true);
	if (r)
		return r;
	s->stats.resend_requests_sent++;
	s->resend_pending = true;
	s->resend_end = seen;
	return 0;
}

CORE_COLD int exec_fix_session_start(struct exec_fix_session *s, uint64_t now_ns)
{
	if (s->state != EXEC_FIX_DOWN)
		return -EALREADY;
	s->out_off = s->out_len = 0;
	s->test_pending = s->resend_pending = s->reset_sent = false;
	s->last_recv_ns = s->last_sent_ns = s->state_ns = now_ns;
	s->reason[0] = 0;
	if (!s->initiator) {
		s->state = EXEC_FIX_AWAIT_LOGON;
		return 0;
	}
	if (s->reset_on_logon) {
		s->seqs->next_out = 1;
		s->seqs->next_in = 1;
		s->reset_sent = true;
		journal_clear(s->journal);
	}
	int r = out_commit(s, ENC(s, now_ns, exec_fix_encode_logon, s->heartbeat_s, s->reset_sent),
			   now_ns, true, true);
	if (r)
		return r;
	s->state = EXEC_FIX_LOGON_SENT;
	return 0;
}

static int on_logon(struct exec_fix_session *s, const struct exec_fix_msg *m, uint64_t now_ns)
{
	if (!str_eq(m->sender, s->hdr.target) || !str_eq(m->target, s->hdr.sender)) {
		say(s, "Logon from %.*s to %.*s: CompID problem (this session is %s->%s)",
		    (int)m->sender.len, m->sender.p ? m->sender.p : "", (int)m->target.len,
		    m->target.p ? m->target.p : "", s->hdr.target, s->hdr.sender);
		return s->initiator ? close_now(s) : logout_close(s, now_ns);
	}
	if (m->seq == 0) {
		say(s, "Logon without a MsgSeqNum");
		return s->initiator ? close_now(s) : logout_close(s, now_ns);
	}
	char enc = 0;
	int64_t hb = -1;
	if (exec_fix_msg_char(m, 98, &enc) || enc != '0' || exec_fix_msg_int(m, 108, &hb) ||
	    hb < 0 || hb > 3600) {
		say(s, "Logon: EncryptMethod (98) must be 0 and HeartBtInt (108) 0-3600");
		return s->initiator ? close_now(s) : logout_close(s, now_ns);
	}
	char reset = 'N';
	exec_fix_msg_char(m, 141, &reset);
	if (reset == 'Y') {
		s->seqs->next_in = 1;
		if (!s->initiator) {
			s->seqs->next_out = 1;
			s->reset_sent = true;
			journal_clear(s->journal);
		}
	}
	uint64_t exp = s->seqs->next_in;
	if (m->seq < exp && !m->poss_dup) {
		s->stats.seq_too_low++;
		say(s, "MsgSeqNum too low, expecting %" PRIu64 " but received %" PRIu64, exp, m->seq);
		return logout_close(s, now_ns);
	}
	if (!s->initiator) {
		s->heartbeat_s = (uint32_t)hb;
		s->hb_ns = (uint64_t)hb * NS_PER_S;
		int r = out_commit(s,
				   ENC(s, now_ns, exec_fix_encode_logon, s->heartbeat_s,
				       s->reset_sent),
				   now_ns, true, true);
		if (r)
			return r;
	}
	s->state = EXEC_FIX_ACTIVE;
	s->state_ns = now_ns;
	s->stats.logons++;
	if (m->seq > exp) {
		s->stats.seq_too_high++;
		return send_resend_request(s, now_ns, m->seq);
	}
	if (m->seq == exp)
		s->seqs->next_in = exp + 1;
	return 0;
}

/* Count our application messages in [from, to) (known for the last 4096). */
static uint64_t apps_in(const struct exec_fix_session *s, uint64_t from, uint64_t to)
{
	uint64_t apps = 0;
	if (to - from > 4096)
		from = to - 4096;
	for (uint64_t q = from; q < to; q++)
		apps += s->app_bits[q / 64 % 64] >> (q % 64) & 1;
	return apps;
}

/*
 * Go on with the resend from the journal: each message it holds sent again
 * (PossDupFlag=Y, its own number and OrigSendingTime), each run of numbers
 * it does not hold one gap fill, while the out buffer has room. 0 when done,
 * EXEC_FIX_BUSY when the rest waits for room.
 */
static int resend_some(struct exec_fix_session *s, uint64_t now_ns)
{
	const struct exec_fix_journal *j = s->journal;
	while (s->rs_next < s->rs_end) {
		uint64_t q = s->rs_next, next = q + 1;
		const struct exec_fix_journal_ent *e = journal_get(j, q);
		size_t cap;
		char *buf = out_tail(s, &cap);
		int n = -EINVAL;
		if (e) {
			struct exec_fix_builder b;
			exec_fix_build_begin(&b, &s->hdr, buf, cap, e->type, q, now_ns,
					     e->orig_ns ? e->orig_ns : now_ns);
			size_t at = (size_t)(e->pos % j->cap);
			size_t first = j->cap - at < e->len ? j->cap - at : e->len;
			exec_fix_put_raw(&b, j->buf + at, first);
			exec_fix_put_raw(&b, j->buf, e->len - first);
			n = exec_fix_build_end(&b);
		}
		if (n == -ENOSPC && s->out_len)
			return EXEC_FIX_BUSY; /* on when the buffer has drained */
		if (n < 0) { /* not held (or larger than the whole buffer): a gap fill */
			while (next < s->rs_end && !journal_get(j, next))
				next++;
			n = exec_fix_encode_sequence_reset(&s->hdr, buf, cap, q, now_ns, next, true);
			if (n == -ENOSPC)
				return EXEC_FIX_BUSY;
			if (n < 0)
				return n;
			s->stats.gap_fills_sent++;
			s->stats.app_gap_filled += apps_in(s, q, next);
		} else {
			s->stats.app_resent++;
		}
		s->out_len += (uint32_t)n;
		s->stats.msgs_out++;
		s->last_sent_ns = now_ns;
		s->rs_next = next;
	}
	return 0;
}

static bool resending(const struct exec_fix_session *s)
{
	return s->rs_next < s->rs_end;
}

/* Answer a ResendRequest: from the journal when there is one, else with one
 * SequenceReset-GapFill over the range. */
static int on_resend_request(struct exec_fix_session *s, const struct exec_fix_msg *m,
			     uint64_t now_ns)
{
	int64_t begin, end;
	uint32_t bad = exec_fix_msg_int(m, 7, &begin) ? 7 : exec_fix_msg_int(m, 16, &end) ? 16 : 0;
	if (!bad && (begin < 1 || end < 0 || (end && end < begin)))
		bad = begin < 1 ? 7 : 16;
	if (bad) {
		say(s, "ResendRequest: BeginSeqNo (7) / EndSeqNo (16) missing or out of range");
		return send_reject(s, now_ns, m->seq, m->type, bad,
				   exec_fix_msg_find(m, bad) ? 5 : 1);
	}
	s->stats.resend_requests_received++;
	uint64_t next = s->seqs->next_out;
	uint64_t b = (uint64_t)begin;
	if (b >= next)
		return 0; /* nothing sent in that range yet */
	uint64_t new_seq = end == 0 || (uint64_t)end >= next ? next : (uint64_t)end + 1;
	if (s->journal) {
		if (!resending(s) || b < s->rs_next)
			s->rs_next = b;
		if (new_seq > s->rs_end)
			s->rs_end = new_seq;
		uint64_t apps = s->stats.app_resent;
		int r = resend_some(s, now_ns);
		say(s, "ResendRequest %" PRId64 "-%" PRId64 ": %" PRIu64 " application messages resent%s",
		    begin, end, s->stats.app_resent - apps, r == EXEC_FIX_BUSY ? " (more to come)" : "");
		return r == EXEC_FIX_BUSY ? 0 : r;
	}
	size_t cap;
	char *buf = out_tail(s, &cap);
	int n = exec_fix_encode_sequence_reset(&s->hdr, buf, cap, b, now_ns, new_seq, true);
	int r = out_commit(s, n, now_ns, false, true);
	if (r == 0) {
		uint64_t apps = apps_in(s, b, new_seq);
		s->stats.gap_fills_sent++;
		s->stats.app_gap_filled += apps;
		say(s, "ResendRequest %" PRId64 "-%" PRId64 ": gap fill %" PRIu64 " -> %" PRIu64
		       " (we do not resend: %" PRIu64 " application messages not delivered)",
		    begin, end, b, new_seq, apps);
	}
	return r;
}

static int on_sequence_reset(struct exec_fix_session *s, const struct exec_fix_msg *m,
			     uint64_t now_ns, bool gap_fill)
{
	int64_t ns;
	int r = exec_fix_msg_int(m, 36, &ns);
	uint64_t exp = s->seqs->next_in; /* gap fill: already past this message */
	uint64_t floor = gap_fill ? exp - 1 : exp;
	if (r || ns < 1 || (uint64_t)ns < floor || (gap_fill && (uint64_t)ns == floor)) {
		say(s, "SequenceReset: NewSeqNo (36) %s (expecting %" PRIu64 ")",
		    r == -ENOENT ? "missing" : "would move the sequence back", floor);
		return send_reject(s, now_ns, m->seq, m->type, 36, r == -ENOENT ? 1 : 5);
	}
	if (gap_fill)
		s->stats.gap_fills_received++;
	else
		s->stats.seq_resets_received++;
	s->seqs->next_in = (uint64_t)ns;
	if (s->resend_pending && s->seqs->next_in > s->resend_end)
		s->resend_pending = false;
	return 0;
}

static int check_poss_dup(struct exec_fix_session *s, const struct exec_fix_msg *m,
			  uint64_t now_ns)
{
	if (m->type[0] == '4' && !m->type[1])
		return 0;
	uint64_t orig, sent;
	if (!m->orig_sending_time.len) {
		say(s, "PossDupFlag without OrigSendingTime (122)");
		return send_reject(s, now_ns, m->seq, m->type, 122, 1);
	}
	if (exec_fix_parse_time(m->orig_sending_time.p, m->orig_sending_time.len, &orig) == 0 &&
	    exec_fix_parse_time(m->sending_time.p, m->sending_time.len, &sent) == 0 &&
	    orig > sent) {
		say(s, "OrigSendingTime after SendingTime");
		int r = send_reject(s, now_ns, m->seq, m->type, 122, 10);
		return r < 0 ? r : logout_close(s, now_ns);
	}
	return 0;
}

static int handle(struct exec_fix_session *s, const struct exec_fix_msg *m, uint64_t now_ns)
{
	if (!str_eq(m->begin_string, "FIX.4.4")) {
		say(s, "incorrect BeginString %.*s (expected FIX.4.4)", (int)m->begin_string.len,
		    m->begin_string.p);
		return logout_close(s, now_ns);
	}
	char t = m->type[1] ? 0 : m->type[0]; /* 0: a two-character (application) type */
	if (s->state == EXEC_FIX_LOGON_SENT || s->state == EXEC_FIX_AWAIT_LOGON) {
		if (t == 'A')
			return on_logon(s, m, now_ns);
		if (t == '5' && s->state == EXEC_FIX_LOGON_SENT) {
			struct exec_fix_str txt = { "", 0 };
			exec_fix_msg_str(m, 58, &txt);
			say(s, "the peer refused the Logon: %.*s", (int)txt.len, txt.p);
			return close_now(s);
		}
		say(s, "first message is not a Logon (35=%s)", m->type);
		return close_now(s);
	}
	if (m->seq == 0) {
		say(s, "MsgSeqNum (34) missing or not a number in a 35=%s", m->type);
		return logout_close(s, now_ns);
	}
	uint32_t missing = !m->sender.len ? 49 : !m->target.len ? 56 : !m->sending_time.len ? 52 : 0;
	if (missing) {
		say(s, "required tag %u missing", missing);
		if (m->seq == s->seqs->next_in)
			s->seqs->next_in++;
		return send_reject(s, now_ns, m->seq, m->type, missing, 1);
	}
	if (!str_eq(m->sender, s->hdr.target) || !str_eq(m->target, s->hdr.sender)) {
		say(s, "CompID problem: %.*s->%.*s on a %s->%s session", (int)m->sender.len,
		    m->sender.p, (int)m->target.len, m->target.p, s->hdr.target, s->hdr.sender);
		int r = send_reject(s, now_ns, m->seq, m->type, 0, 9);
		return r < 0 ? r : logout_close(s, now_ns);
	}
	char gf = 'N';
	if (t == '4')
		exec_fix_msg_char(m, 123, &gf);
	if (t == '4' && gf != 'Y') /* Reset mode ignores MsgSeqNum */
		return on_sequence_reset(s, m, now_ns, false);
	uint64_t exp = s->seqs->next_in;
	if (m->seq < exp && !m->poss_dup) {
		s->stats.seq_too_low++;
		say(s, "MsgSeqNum too low, expecting %" PRIu64 " but received %" PRIu64, exp, m->seq);
		return logout_close(s, now_ns);
	}
	if (t == '5') {
		/* the peer logs out: answer unless it answers ours */
		if (m->seq == exp)
			s->seqs->next_in = exp + 1;
		if (s->state == EXEC_FIX_LOGOUT_SENT) {
			say(s, "logged out");
			return close_now(s);
		}
		struct exec_fix_str txt = { "", 0 };
		exec_fix_msg_str(m, 58, &txt);
		say(s, "the peer logged out: %.*s", (int)txt.len, txt.p);
		int r = out_commit(s, ENC(s, now_ns, exec_fix_encode_logout, (struct exec_fix_str){ 0 }),
				   now_ns, true, true);
		return r < 0 ? r : close_now(s);
	}
	if (t == '2' && m->seq >= exp) {
		int r = on_resend_request(s, m, now_ns);
		if (r)
			return r;
	}
	if (m->seq < exp) { /* PossDupFlag=Y */
		s->stats.poss_dup_ignored++;
		return check_poss_dup(s, m, now_ns);
	}
	if (m->seq > exp) {
		s->stats.seq_too_high++;
		if (s->resend_pending) {
			if (m->seq > s->resend_end)
				s->resend_end = m->seq;
			return 0;
		}
		return send_resend_request(s, now_ns, m->seq);
	}
	s->seqs->next_in = exp + 1;
	if (s->resend_pending && s->seqs->next_in > s->resend_end)
		s->resend_pending = false;
	switch (t) {
	case '0':
	case '2':
		return 0;
	case '1': {
		struct exec_fix_str id;
		if (exec_fix_msg_str(m, 112, &id)) {
			say(s, "TestRequest without TestReqID (112)");
			return send_reject(s, now_ns, m->seq, m->type, 112, 1);
		}
		return out_commit(s, ENC(s, now_ns, exec_fix_encode_heartbeat, id), now_ns, true,
				  true);
	}
	case '3': {
		s->stats.rejects_received++;
		int64_t ref = 0;
		exec_fix_msg_int(m, 45, &ref);
		struct exec_fix_str txt = { "", 0 };
		exec_fix_msg_str(m, 58, &txt);
		say(s, "the peer rejected our %" PRId64 ": %.*s", ref, (int)txt.len, txt.p);
		s->stats.app_in++;
		return EXEC_FIX_MSG;
	}
	case '4':
		return on_sequence_reset(s, m, now_ns, true);
	case 'A':
		say(s, "Logon on a session already logged on");
		return logout_close(s, now_ns);
	default:
		s->stats.app_in++;
		return EXEC_FIX_MSG;
	}
}

int exec_fix_session_input(struct exec_fix_session *s, const char *buf, size_t len,
			   uint64_t now_ns, struct exec_fix_msg *ret, size_t *ret_used)
{
	*ret_used = 0;
	if (len == 0)
		return EXEC_FIX_PARTIAL;
	if (s->state == EXEC_FIX_DOWN || s->state == EXEC_FIX_CLOSING) {
		*ret_used = len;
		return 0;
	}
	struct exec_fix_error e;
	int r = exec_fix_parse(buf, len, ret, &e);
	if (r == EXEC_FIX_PARTIAL)
		return r;
	if (r < 0) {
		*ret_used = e.skip;
		int n = snprintf(s->reason, sizeof(s->reason), "ignored %u bytes: ", e.skip);
		exec_fix_error_format(&e, s->reason + n, sizeof(s->reason) - (size_t)n);
		if (e.kind <= EXEC_FIX_ERR_CHECKSUM || e.seq == 0 || s->state != EXEC_FIX_ACTIVE) {
			s->stats.garbled++;
			return 0;
		}
		/* an intact frame with a bad field: Reject, and the number is used */
		s->last_recv_ns = now_ns;
		s->test_pending = false;
		s->stats.msgs_in++;
		if (e.seq == s->seqs->next_in)
			s->seqs->next_in++;
		exec_fix_error_format(&e, s->reason, sizeof(s->reason));
		return send_reject(s, now_ns, e.seq, e.type, e.tag, exec_fix_reject_reason(&e));
	}
	*ret_used = ret->len;
	s->last_recv_ns = now_ns;
	s->test_pending = false;
	s->stats.msgs_in++;
	return handle(s, ret, now_ns);
}

int exec_fix_session_tick(struct exec_fix_session *s, uint64_t now_ns)
{
	switch (s->state) {
	case EXEC_FIX_LOGON_SENT:
	case EXEC_FIX_AWAIT_LOGON:
		if (now_ns - s->state_ns >= s->logon_timeout_ns) {
			s->stats.timeouts++;
			say(s, "timed out waiting for the Logon");
			return close_now(s);
		}
		return 0;
	case EXEC_FIX_LOGOUT_SENT:
		if (now_ns - s->state_ns >= s->logout_timeout_ns) {
			s->stats.timeouts++;
			say(s, "timed out waiting for the peer's Logout");
			return close_now(s);
		}
		return 0;
	case EXEC_FIX_ACTIVE:
		break;
	default:
		return 0;
	}
	if (resending(s)) { /* nothing else goes out before the resend */
		int r = resend_some(s, now_ns);
		if (r == EXEC_FIX_BUSY)
			return 0;
		if (r < 0)
			return r;
	}
	if (!s->hb_ns)
		return 0;
	uint64_t quiet = now_ns > s->last_recv_ns ? now_ns - s->last_recv_ns : 0;
	if (quiet >= s->hb_ns * 12 / 5) {
		s->stats.timeouts++;
		say(s, "timed out: nothing received for %" PRIu64 " ms (HeartBtInt %u s)",
		    quiet / NS_PER_MS, s->heartbeat_s);
		return close_now(s);
	}
	if (quiet >= s->hb_ns * 6 / 5 && !s->test_pending) {
		char id[24];
		int n = snprintf(id, sizeof(id), "TEST%u", ++s->test_req_n);
		struct exec_fix_str sid = { id, (uint32_t)n };
		int r = out_commit(s, ENC(s, now_ns, exec_fix_encode_test_request, sid), now_ns, true,
				   true);
		if (r)
			return r;
		s->test_pending = true;
		s->stats.test_requests_sent++;
	}
	if (now_ns - s->last_sent_ns >= s->hb_ns) {
		int r = out_commit(s,
				   ENC(s, now_ns, exec_fix_encode_heartbeat, (struct exec_fix_str){ 0 }),
				   now_ns, true, true);
		if (r)
			return r;
		s->stats.heartbeats_sent++;
	}
	return 0;
}

int exec_fix_session_logout(struct exec_fix_session *s, uint64_t now_ns, const char *text)
{
	if (s->state != EXEC_FIX_ACTIVE)
		return -ENOTCONN;
	struct exec_fix_str t = { text ? text : "", text ? (uint32_t)strlen(text) : 0 };
	int r = out_commit(s, ENC(s, now_ns, exec_fix_encode_logout, t), now_ns, true, true);
	if (r)
		return r;
	s->state = EXEC_FIX_LOGOUT_SENT;
	s->state_ns = now_ns;
	return 0;
}

void exec_fix_session_disconnected(struct exec_fix_session *s)
{
	s->state = EXEC_FIX_DOWN;
	s->out_off = s->out_len = 0;
	s->test_pending = s->resend_pending = false;
	s->rs_next = s->rs_end = 0;
}

int exec_fix_session_reject(struct exec_fix_session *s, uint64_t now_ns,
			    const struct exec_fix_error *e)
{
	if (s->state != EXEC_FIX_ACTIVE)
		return -ENOTCONN;
	exec_fix_error_format(e, s->reason, sizeof(s->reason));
	int r = send_reject(s, now_ns, e->seq, e->type, e->tag, exec_fix_reject_reason(e));
	return r == -ENOBUFS ? EXEC_FIX_BUSY : r;
}

/* Before an application message: the resend in progress goes first. */
static int resend_first(struct exec_fix_session *s, uint64_t now_ns)
{
	if (__builtin_expect(!resending(s), 1))
		return 0;
	return resend_some(s, now_ns);
}

#define APP_SEND(s, now, fn, arg)                                                                  \
	({                                                                                         \
		int r_ = (s)->state != EXEC_FIX_ACTIVE ? -ENOTCONN : resend_first(s, now);         \
		r_ ? r_ : out_commit(s, ENC(s, now, fn, arg), now, true, false);                   \
	})

int exec_fix_session_send_new_order(struct exec_fix_session *s, uint64_t now_ns,
				    const struct exec_fix_order *o)
{
	return APP_SEND(s, now_ns, exec_fix_encode_new_order, o);
}

int exec_fix_session_send_cancel(struct exec_fix_session *s, uint64_t now_ns,
				 const struct exec_fix_order *o)
{
	return APP_SEND(s, now_ns, exec_fix_encode_cancel, o);
}

int exec_fix_session_send_replace(struct exec_fix_session *s, uint64_t now_ns,
				  const struct exec_fix_order *o)
{
	return APP_SEND(s, now_ns, exec_fix_encode_replace, o);
}

int exec_fix_session_send_mass_cancel(struct exec_fix_session *s, uint64_t now_ns,
				      const struct exec_fix_mass_cancel *q)
{
	return APP_SEND(s, now_ns, exec_fix_encode_mass_cancel, q);
}

int exec_fix_session_send_exec_report(struct exec_fix_session *s, uint64_t now_ns,
				      const struct exec_fix_exec_report *r)
{
	return APP_SEND(s, now_ns, exec_fix_encode_exec_report, r);
}

int exec_fix_session_send_cancel_reject(struct exec_fix_session *s, uint64_t now_ns,
					const struct exec_fix_cancel_reject *r)
{
	return APP_SEND(s, now_ns, exec_fix_encode_cancel_reject, r);
}

int exec_fix_session_send_mass_cancel_report(struct exec_fix_session *s, uint64_t now_ns,
					     const struct exec_fix_mass_cancel_report *r)
{
	return APP_SEND(s, now_ns, exec_fix_encode_mass_cancel_report, r);
}

int exec_fix_session_send_mass_status(struct exec_fix_session *s, uint64_t now_ns,
				      const struct exec_fix_mass_status *q)
{
	return APP_SEND(s, now_ns, exec_fix_encode_mass_status, q);
}

bool exec_fix_session_awaiting_resend(const struct exec_fix_session *s)
{
	return s->resend_pending;
}

size_t exec_fix_session_pending(const struct exec_fix_session *s, const char **ret)
{
	*ret = s->out + s->out_off;
	return s->out_len;
}

void exec_fix_session_sent(struct exec_fix_session *s, size_t n)
{
	if (n > s->out_len)
		n = s->out_len;
	s->out_off += (uint32_t)n;
	s->out_len -= (uint32_t)n;
	if (!s->out_len)
		s->out_off = 0;
}

enum exec_fix_state exec_fix_session_state(const struct exec_fix_session *s)
{
	return s->state;
}

uint64_t exec_fix_session_next_out(const struct exec_fix_session *s)
{
	return s->seqs->next_out;
}

uint64_t exec_fix_session_next_in(const struct exec_fix_session *s)
{
	return s->seqs->next_in;
}

int exec_fix_session_set_next_out(struct exec_fix_session *s, uint64_t seq)
{
	if (!seq)
		return -EINVAL;
	s->seqs->next_out = seq;
	return 0;
}

int exec_fix_session_set_next_in(struct exec_fix_session *s, uint64_t seq)
{
	if (!seq)
		return -EINVAL;
	s->seqs->next_in = seq;
	return 0;
}

uint32_t exec_fix_session_heartbeat_s(const struct exec_fix_session *s)
{
	return s->heartbeat_s;
}

const struct exec_fix_session_stats *exec_fix_session_stats(const struct exec_fix_session *s)
{
	return &s->stats;
}

const char *exec_fix_session_reason(const struct exec_fix_session *s)
{
	return s->reason;
}
