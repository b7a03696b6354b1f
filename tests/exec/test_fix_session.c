/* (One file of about 880 lines: every case drives the same two in-process
 * ends through the same helpers.)
 * The FIX 4.4 session, both sides in one process, bytes handed across by the
 * test (no socket) and a test clock: logon; D / F / G / q one way, 8 and r
 * back; heartbeats, TestRequest and the heartbeat timeout; a gap (the
 * acceptor skips numbers) healed by ResendRequest and gap fill; too low
 * without PossDupFlag (Logout with the reason); PossDup duplicates ignored;
 * SequenceReset in both modes; a garbled frame ignored and the gap it leaves
 * filled; session-level Rejects for malformed messages; CompID problems;
 * the Logout handshake; a full out buffer; and the sequence store: a restart
 * that continues from the stored numbers, one with ResetSeqNumFlag, a
 * restarted initiator behind the acceptor, and numbers that survive SIGKILL;
 * the resend journal: reports the initiator lost resent (PossDupFlag=Y, the
 * first SendingTime, the same fields) across more than one out buffer, and
 * gap-filled once the journal has overwritten them; OrderMassStatusRequest
 * and status reports (584/911/912) through the codec. */
#define _GNU_SOURCE
#undef NDEBUG
#include <assert.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fix_util.h"

struct end {
	struct exec_fix_session s;
	char rx[1 << 17];
	size_t have;
	int closed;            /* EXEC_FIX_CLOSED seen */
	unsigned napp;         /* EXEC_FIX_MSG count */
	char types[256][3];    /* their MsgTypes */
	bool answer;           /* acceptor: answer orders */
	bool poss_dup_seen;
	unsigned ndup;         /* application messages with PossDupFlag=Y */
	char last_exec_id[24]; /* of the last ExecutionReport */
	uint64_t last_orig_ns; /* its OrigSendingTime (122), 0 if none */
};

static uint64_t now = UINT64_C(1764000000000000000);
#define SEC UINT64_C(1000000000)

static struct end *ini, *acc;
static struct exec_fix_store ini_store;

static struct exec_fix_journal *next_journal; /* the next setup's, then NULL */

static void setup(struct end *e, bool initiator, bool reset, struct exec_fix_store *st)
{
	memset(e, 0, sizeof(*e));
	struct exec_fix_journal *j = next_journal;
	next_journal = NULL;
	struct exec_fix_session_config c = {
		.sender = initiator ? "ENGINE" : "EXEC",
		.target = initiator ? "EXEC" : "ENGINE",
		.initiator = initiator,
		.heartbeat_s = 30,
		.reset_on_logon = reset,
		.store = st,
		.journal = j,
	};
	char err[256];
	int r = exec_fix_session_init(&e->s, &c, err, sizeof(err));
	if (r)
		fprintf(stderr, "%s\n", err);
	assert(r == 0);
	e->answer = !initiator;
}

static void answer(struct end *e, const struct exec_fix_msg *m)
{
	struct exec_fix_error er;
	if (!strcmp(m->type, "D") || !strcmp(m->type, "F") || !strcmp(m->type, "G")) {
		struct exec_fix_order o;
		if (exec_fix_decode_order(m, &o, &er)) {
			assert(exec_fix_session_reject(&e->s, now, &er) == 0);
			return;
		}
		struct exec_fix_exec_report x = {
			.order_id = fix_s("V1"), .exec_id = fix_s("X"), .cl_ord_id = o.cl_ord_id,
			.orig_cl_ord_id = m->type[0] == 'D' ? (struct exec_fix_str){ 0 } : o.orig_cl_ord_id,
			.symbol = o.symbol, .side = o.side,
			.exec_type = m->type[0] == 'D' ? '0' : m->type[0] == 'F' ? '4' : '5',
			.ord_status = m->type[0] == 'D' ? '0' : m->type[0] == 'F' ? '4' : '5',
			.leaves_qty = m->type[0] == 'F' ? 0 : o.qty, .order_qty = o.qty,
		};
		assert(exec_fix_session_send_exec_report(&e->s, now, &x) == 0);
	} else if (!strcmp(m->type, "q")) {
		struct exec_fix_mass_cancel q;
		assert(exec_fix_decode_mass_cancel(m, &q, &er) == 0);
		struct exec_fix_mass_cancel_report r = { .order_id = fix_s("MC"),
							 .cl_ord_id = q.cl_ord_id,
							 .request_type = '7', .response = '7',
							 .reject_reason = -1, .total_affected = 1 };
		assert(exec_fix_session_send_mass_cancel_report(&e->s, now, &r) == 0);
	}
}

/* Everything e has received so far. */
static void process(struct end *e)
{
	size_t off = 0;
	for (;;) {
		struct exec_fix_msg m;
		size_t used;
		int r = exec_fix_session_input(&e->s, e->rx + off, e->have - off, now, &m, &used);
		off += used;
		if (r == EXEC_FIX_PARTIAL)
			break;
		assert(r >= 0);
		if (r == EXEC_FIX_CLOSED)
			e->closed++;
		if (r == EXEC_FIX_MSG) {
			memcpy(e->types[e->napp++ % 256], m.type, 3);
			e->poss_dup_seen |= m.poss_dup;
			e->ndup += m.poss_dup;
			struct exec_fix_str x;
			if (!strcmp(m.type, "8") && exec_fix_msg_str(&m, 17, &x) == 0 && x.len < 24) {
				memcpy(e->last_exec_id, x.p, x.len);
				e->last_exec_id[x.len] = 0;
				e->last_orig_ns = 0;
				if (m.orig_sending_time.len)
					assert(exec_fix_parse_time(m.orig_sending_time.p,
								   m.orig_sending_time.len,
								   &e->last_orig_ns) == 0);
			}
			if (e->answer)
				answer(e, &m);
		}
	}
	memmove(e->rx, e->rx + off, e->have - off);
	e->have -= off;
}

static size_t deliver(struct end *from, struct end *to)
{
	const char *p;
	size_t n = exec_fix_session_pending(&from->s, &p);
	if (!n)
		return 0;
	size_t off = 0;
	while (off < n) { /* every byte we send is well-framed FIX */
		struct exec_fix_msg m;
		struct exec_fix_error e;
		int r = exec_fix_parse(p + off, n - off, &m, &e);
		if (r) {
			char t[200];
			exec_fix_error_format(&e, t, sizeof(t));
			fprintf(stderr, "r=%d %s: %s\n", r, t, fix_show(p + off, n - off));
		}
		assert(r == 0);
		assert(fix_frame_ok(p + off, m.len) == 0);
		off += m.len;
	}
	assert(to->have + n <= sizeof(to->rx));
	memcpy(to->rx + to->have, p, n);
	to->have += n;
	exec_fix_session_sent(&from->s, n);
	return n;
}

static void pump(void)
{
	for (int i = 0; i < 20; i++) {
		size_t moved = deliver(ini, acc);
		process(acc);
		moved += deliver(acc, ini);
		process(ini);
		if (!moved)
			return;
	}
	assert(!"pump does not settle");
}

/* A message "from" the acceptor (EXEC -> ENGINE) written by hand. */
static struct exec_fix_header acc_hdr;
static void inject(struct end *to, const char *type, uint64_t seq, uint64_t orig_ns,
		   void (*fields)(struct exec_fix_builder *))
{
	struct exec_fix_builder b;
	exec_fix_build_begin(&b, &acc_hdr, to->rx + to->have, sizeof(to->rx) - to->have, type, seq,
			     now, orig_ns);
	if (fields)
		fields(&b);
	int n = exec_fix_build_end(&b);
	assert(n > 0);
	to->have += (size_t)n;
}

/* The last message e has pending, parsed (into a static copy). */
static struct exec_fix_msg *last_out(struct end *e, const char *type)
{
	static char copy[1 << 16];
	static struct exec_fix_msg m;
	const char *p;
	size_t n = exec_fix_session_pending(&e->s, &p);
	memcpy(copy, p, n);
	size_t off = 0;
	bool found = false;
	struct exec_fix_msg t;
	struct exec_fix_error er;
	while (off < n && exec_fix_parse(copy + off, n - off, &t, &er) == 0) {
		if (!strcmp(t.type, type)) {
			m = t;
			found = true;
		}
		off += t.len;
	}
	if (!found) {
		fprintf(stderr, "no 35=%s in %s\n", type, fix_show(p, n));
		assert(found);
	}
	return &m;
}

static void logon_pair(void)
{
	assert(exec_fix_session_start(&ini->s, now) == 0);
	assert(exec_fix_session_start(&acc->s, now) == 0);
	pump();
	assert(exec_fix_session_state(&ini->s) == EXEC_FIX_ACTIVE);
	assert(exec_fix_session_state(&acc->s) == EXEC_FIX_ACTIVE);
}

static void fresh_pair(void)
{
	setup(ini, true, false, NULL);
	setup(acc, false, false, NULL);
	logon_pair();
}

static void send_orders(unsigned k)
{
	struct exec_fix_order o = { .cl_ord_id = fix_s("C1"), .orig_cl_ord_id = fix_s("C0"),
				    .symbol = fix_s("AMZN"), .side = '1', .tif = '0', .qty = 100,
				    .px = 1892500, .transact_time_ns = now };
	for (unsigned i = 0; i < k; i++)
		assert(exec_fix_session_send_new_order(&ini->s, now, &o) == 0);
}

static void test_logon_and_orders(void)
{
	setup(ini, true, false, NULL);
	setup(acc, false, false, NULL);
	/* nothing can be sent before the logon */
	send_orders(0);
	struct exec_fix_order o = { .cl_ord_id = fix_s("C1"), .orig_cl_ord_id = fix_s("C0"),
				    .symbol = fix_s("AMZN"), .side = '1', .tif = '3', .qty = 100,
				    .px = 1892500, .transact_time_ns = now };
	assert(exec_fix_session_send_new_order(&ini->s, now, &o) == -ENOTCONN);
	logon_pair();
	assert(exec_fix_session_next_out(&ini->s) == 2 && exec_fix_session_next_in(&ini->s) == 2);
	assert(exec_fix_session_heartbeat_s(&acc->s) == 30);
	struct exec_fix_mass_cancel q = { .cl_ord_id = fix_s("K1"), .transact_time_ns = now };
	assert(exec_fix_session_send_new_order(&ini->s, now, &o) == 0);
	assert(exec_fix_session_send_cancel(&ini->s, now, &o) == 0);
	assert(exec_fix_session_send_replace(&ini->s, now, &o) == 0);
	assert(exec_fix_session_send_mass_cancel(&ini->s, now, &q) == 0);
	pump();
	assert(acc->napp == 4 && !strcmp(acc->types[0], "D") && !strcmp(acc->types[3], "q"));
	assert(ini->napp == 4 && !strcmp(ini->types[0], "8") && !strcmp(ini->types[3], "r"));
	assert(exec_fix_session_next_out(&ini->s) == 6 && exec_fix_session_next_in(&acc->s) == 6);
	assert(exec_fix_session_stats(&ini->s)->app_out == 4);
	assert(exec_fix_session_stats(&ini->s)->app_in == 4);
}

static void test_heartbeats(void)
{
	fresh_pair();
	/* 30 s of quiet: both send a Heartbeat, nobody times out */
	now += 30 * SEC;
	assert(exec_fix_session_tick(&ini->s, now) == 0);
	assert(exec_fix_session_tick(&acc->s, now) == 0);
	pump();
	assert(exec_fix_session_stats(&ini->s)->heartbeats_sent == 1);
	assert(exec_fix_session_stats(&acc->s)->heartbeats_sent == 1);
	/* the acceptor goes quiet: TestRequest at 1.2 x 30 s, answered */
	now += 36 * SEC;
	assert(exec_fix_session_tick(&ini->s, now) == 0);
	assert(exec_fix_session_stats(&ini->s)->test_requests_sent == 1);
	struct exec_fix_msg *m = last_out(ini, "1");
	struct exec_fix_str id;
	assert(exec_fix_msg_str(m, 112, &id) == 0 && fix_str_is(id, "TEST1"));
	pump(); /* the acceptor answers with 112=TEST1 */
	assert(exec_fix_session_stats(&acc->s)->msgs_out >= 3);
	/* now the acceptor stays silent for good: closed at 2.4 x 30 s */
	now += 40 * SEC;
	assert(exec_fix_session_tick(&ini->s, now) == 0); /* TestRequest 2 */
	assert(exec_fix_session_stats(&ini->s)->test_requests_sent == 2);
	now += 33 * SEC;
	assert(exec_fix_session_tick(&ini->s, now) == EXEC_FIX_CLOSED);
	assert(strstr(exec_fix_session_reason(&ini->s), "timed out"));
	assert(exec_fix_session_stats(&ini->s)->timeouts == 1);
	exec_fix_session_disconnected(&ini->s);
	assert(exec_fix_session_state(&ini->s) == EXEC_FIX_DOWN);
}

static void test_gap(void)
{
	fresh_pair();
	send_orders(1);
	pump();
	/* the acceptor skips three numbers: its next report comes as too high */
	uint64_t skip_to = exec_fix_session_next_out(&acc->s) + 3;
	assert(exec_fix_session_set_next_out(&acc->s, skip_to) == 0);
	send_orders(1);
	pump();
	const struct exec_fix_session_stats *si = exec_fix_session_stats(&ini->s);
	const struct exec_fix_session_stats *sa = exec_fix_session_stats(&acc->s);
	assert(si->seq_too_high == 1 && si->resend_requests_sent == 1);
	assert(sa->resend_requests_received == 1 && sa->gap_fills_sent == 1);
	assert(si->gap_fills_received == 1);
	/* filled over everything the acceptor had sent: in step again */
	assert(exec_fix_session_next_in(&ini->s) == exec_fix_session_next_out(&acc->s));
	/* the dropped report was gap-filled, not resent (we never resend) */
	assert(ini->napp == 1);
	send_orders(2);
	pump();
	assert(ini->napp == 3 && si->seq_too_high == 1);
	assert(exec_fix_session_state(&ini->s) == EXEC_FIX_ACTIVE);
}

static void fill_text(struct exec_fix_builder *b)
{
	exec_fix_put_str(b, 58, "dup", 3);
}
static void no_fields(struct exec_fix_builder *b)
{
	(void)b;
}
static void reset_fwd(struct exec_fix_builder *b)
{
	exec_fix_put_char(b, 123, 'N');
	exec_fix_put_int(b, 36, 50);
}
static void reset_back(struct exec_fix_builder *b)
{
	exec_fix_put_char(b, 123, 'N');
	exec_fix_put_int(b, 36, 10);
}
static void resend_2_3(struct exec_fix_builder *b)
{
	exec_fix_put_int(b, 7, 2);
	exec_fix_put_int(b, 16, 3);
}
static void app_fields(struct exec_fix_builder *b)
{
	exec_fix_put_str(b, 58, "x", 1);
}

static void test_seq_rules(void)
{
	fresh_pair();
	send_orders(3);
	pump(); /* ini expects 5 from the acceptor */
	uint64_t exp = exec_fix_session_next_in(&ini->s);
	assert(exp == 5);
	const struct exec_fix_session_stats *si = exec_fix_session_stats(&ini->s);

	/* too low with PossDupFlag and OrigSendingTime: ignored */
	inject(ini, "B", 3, now - SEC, fill_text);
	process(ini);
	assert(si->poss_dup_ignored == 1 && exec_fix_session_next_in(&ini->s) == exp);
	assert(exec_fix_session_state(&ini->s) == EXEC_FIX_ACTIVE);
	/* ... without OrigSendingTime: Reject 1 on tag 122 */
	uint64_t rs = si->rejects_sent;
	{
		struct exec_fix_builder b;
		exec_fix_build_begin(&b, &acc_hdr, ini->rx + ini->have, sizeof(ini->rx) - ini->have,
				     "B", 3, now, 0);
		exec_fix_put_char(&b, 43, 'Y');
		int n = exec_fix_build_end(&b);
		ini->have += (size_t)n;
	}
	process(ini);
	assert(si->rejects_sent == rs + 1);
	struct exec_fix_msg *m = last_out(ini, "3");
	int64_t v;
	assert(exec_fix_msg_int(m, 45, &v) == 0 && v == 3);
	assert(exec_fix_msg_int(m, 371, &v) == 0 && v == 122);
	assert(exec_fix_msg_int(m, 373, &v) == 0 && v == 1);

	/* SequenceReset-Reset: MsgSeqNum ignored, forward to 50; back: Reject 5 */
	inject(ini, "4", 999, 0, reset_fwd);
	process(ini);
	assert(exec_fix_session_next_in(&ini->s) == 50 && si->seq_resets_received == 1);
	inject(ini, "4", 1, 0, reset_back);
	process(ini);
	m = last_out(ini, "3");
	assert(exec_fix_msg_int(m, 371, &v) == 0 && v == 36);
	assert(exec_fix_msg_int(m, 373, &v) == 0 && v == 5);
	assert(exec_fix_session_next_in(&ini->s) == 50);

	/* a garbled frame (bad checksum) is ignored; the next message shows the gap */
	uint64_t garbled = si->garbled;
	inject(ini, "B", 50, 0, app_fields);
	ini->rx[ini->have - 2] ^= 1; /* a checksum digit */
	process(ini);
	assert(si->garbled == garbled + 1 && exec_fix_session_next_in(&ini->s) == 50);
	assert(strstr(exec_fix_session_reason(&ini->s), "bad checksum"));
	uint64_t rr = si->resend_requests_sent;
	inject(ini, "B", 51, 0, app_fields);
	process(ini);
	assert(si->resend_requests_sent == rr + 1);
	m = last_out(ini, "2");
	assert(exec_fix_msg_int(m, 7, &v) == 0 && v == 50);
	assert(exec_fix_msg_int(m, 16, &v) == 0 && v == 0);
	/* the peer resends 50 and 51 with PossDupFlag: processed as they come */
	unsigned napp = ini->napp;
	inject(ini, "B", 50, now, app_fields);
	inject(ini, "B", 51, now, app_fields);
	process(ini);
	assert(ini->napp == napp + 2 && ini->poss_dup_seen);
	assert(exec_fix_session_next_in(&ini->s) == 52);

	/* an incoming ResendRequest for 2-3: one gap fill 34=2 36=4 */
	inject(ini, "2", 52, 0, resend_2_3);
	process(ini);
	m = last_out(ini, "4");
	assert(m->seq == 2 && m->poss_dup && m->orig_sending_time.len);
	assert(exec_fix_msg_int(m, 36, &v) == 0 && v == 4);
	char c;
	assert(exec_fix_msg_char(m, 123, &c) == 0 && c == 'Y');

	/* a TestRequest without TestReqID: Reject 1 on 112, number consumed */
	inject(ini, "1", 53, 0, no_fields);
	process(ini);
	m = last_out(ini, "3");
	assert(exec_fix_msg_int(m, 45, &v) == 0 && v == 53);
	assert(exec_fix_msg_int(m, 371, &v) == 0 && v == 112);
	assert(exec_fix_session_next_in(&ini->s) == 54);

	/* a field that is not tag=value in an intact frame: Reject 0 */
	{
		struct exec_fix_builder b;
		char *at = ini->rx + ini->have;
		exec_fix_build_begin(&b, &acc_hdr, at, sizeof(ini->rx) - ini->have, "B", 54, now, 0);
		exec_fix_put_str(&b, 58, "x", 1);
		int n = exec_fix_build_end(&b);
		char *f = strstr(at, "\00158=");
		f[1] = 'Z';
		unsigned s = 0;
		for (int i = 0; i < n - 7; i++)
			s += (unsigned char)at[i];
		snprintf(at + n - 4, 5, "%03u\001", s % 256);
		ini->have += (size_t)n;
	}
	process(ini);
	m = last_out(ini, "3");
	assert(exec_fix_msg_int(m, 45, &v) == 0 && v == 54);
	assert(exec_fix_msg_int(m, 373, &v) == 0 && v == 0);
	assert(exec_fix_session_next_in(&ini->s) == 55);

	/* too low without PossDupFlag: Logout with the reason, closed */
	inject(ini, "B", 7, 0, app_fields);
	process(ini);
	assert(ini->closed == 1 && si->seq_too_low == 1);
	assert(exec_fix_session_state(&ini->s) == EXEC_FIX_CLOSING);
	m = last_out(ini, "5");
	struct exec_fix_str t;
	assert(exec_fix_msg_str(m, 58, &t) == 0);
	assert(fix_str_is(t, "MsgSeqNum too low, expecting 55 but received 7"));
}

static void test_compids_and_logout(void)
{
	/* a message for someone else: Reject 9, Logout */
	fresh_pair();
	struct exec_fix_header other;
	exec_fix_header_init(&other, "EXEC", "SOMEONE", NULL, 0);
	struct exec_fix_builder b;
	exec_fix_build_begin(&b, &other, ini->rx, sizeof(ini->rx), "B", 2, now, 0);
	ini->have = (size_t)exec_fix_build_end(&b);
	process(ini);
	struct exec_fix_msg *m = last_out(ini, "3");
	int64_t v;
	assert(exec_fix_msg_int(m, 373, &v) == 0 && v == 9);
	last_out(ini, "5");
	assert(ini->closed == 1);

	/* acceptor: a Logon for other CompIDs is refused with a Logout */
	setup(acc, false, false, NULL);
	assert(exec_fix_session_start(&acc->s, now) == 0);
	exec_fix_header_init(&other, "INTRUDER", "EXEC", NULL, 0);
	acc->have = (size_t)exec_fix_encode_logon(&other, acc->rx, sizeof(acc->rx), 1, now, 30,
						  false);
	process(acc);
	assert(acc->closed == 1);
	m = last_out(acc, "5");
	struct exec_fix_str t;
	assert(exec_fix_msg_str(m, 58, &t) == 0 && memmem(t.p, t.len, "CompID", 6));
	/* acceptor: a first message that is not a Logon: closed, no answer */
	setup(acc, false, false, NULL);
	assert(exec_fix_session_start(&acc->s, now) == 0);
	exec_fix_header_init(&other, "ENGINE", "EXEC", NULL, 0);
	acc->have = (size_t)exec_fix_encode_heartbeat(&other, acc->rx, sizeof(acc->rx), 1, now,
						      (struct exec_fix_str){ 0 });
	process(acc);
	const char *p;
	assert(acc->closed == 1 && exec_fix_session_pending(&acc->s, &p) == 0);
	/* a logon that is never answered times out */
	setup(ini, true, false, NULL);
	assert(exec_fix_session_start(&ini->s, now) == 0);
	assert(exec_fix_session_tick(&ini->s, now + 9 * SEC) == 0);
	assert(exec_fix_session_tick(&ini->s, now + 10 * SEC) == EXEC_FIX_CLOSED);

	/* the Logout handshake */
	fresh_pair();
	assert(exec_fix_session_logout(&ini->s, now, "done for the day") == 0);
	assert(exec_fix_session_state(&ini->s) == EXEC_FIX_LOGOUT_SENT);
	pump();
	assert(acc->closed == 1 && ini->closed == 1);
	assert(strstr(exec_fix_session_reason(&acc->s), "done for the day"));
	assert(exec_fix_session_state(&ini->s) == EXEC_FIX_CLOSING);
	/* and its timeout */
	fresh_pair();
	assert(exec_fix_session_logout(&ini->s, now, NULL) == 0);
	assert(exec_fix_session_tick(&ini->s, now + 2 * SEC) == EXEC_FIX_CLOSED);
}

static void test_busy(void)
{
	fresh_pair();
	uint64_t next = exec_fix_session_next_out(&ini->s);
	struct exec_fix_order o = { .cl_ord_id = fix_s("C1"), .symbol = fix_s("AMZN"), .side = '1',
				    .qty = 1, .px = 1, .transact_time_ns = now };
	unsigned k = 0;
	int r;
	while ((r = exec_fix_session_send_new_order(&ini->s, now, &o)) == 0)
		k++;
	assert(r == EXEC_FIX_BUSY && k > 300);
	assert(exec_fix_session_next_out(&ini->s) == next + k);
	const char *p;
	size_t n = exec_fix_session_pending(&ini->s, &p);
	assert(n > EXEC_FIX_OUT_CAP - 200);
	memcpy(acc->rx + acc->have, p, n / 2); /* a partial write */
	acc->have += n / 2;
	exec_fix_session_sent(&ini->s, n / 2);
	process(acc);
	/* the rest goes out in one piece, then room again */
	n = exec_fix_session_pending(&ini->s, &p);
	memcpy(acc->rx + acc->have, p, n);
	acc->have += n;
	exec_fix_session_sent(&ini->s, n);
	process(acc);
	assert(exec_fix_session_send_new_order(&ini->s, now, &o) == 0);
	pump();
	assert(acc->napp == k + 1);
}

/* The acceptor sends k reports (ExecID "E<first>"...) that never reach the
 * initiator: written, then dropped, as a crash of the initiator loses them. */
static void acc_send_lost(unsigned first, unsigned k)
{
	for (unsigned i = first; i < first + k; i++) {
		char eid[24];
		int n = snprintf(eid, sizeof(eid), "E%u", i);
		struct exec_fix_exec_report x = {
			.order_id = fix_s("V1"), .exec_id = { eid, (uint32_t)n },
			.cl_ord_id = fix_s("7-42"), .symbol = fix_s("AMZN"), .side = '1',
			.exec_type = 'F', .ord_status = '1', .leaves_qty = 100, .cum_qty = i,
			.last_qty = 1, .last_px = 1892500, .order_qty = 100 + i,
			.transact_time_ns = now,
		};
		int r = exec_fix_session_send_exec_report(&acc->s, now, &x);
		if (r == EXEC_FIX_BUSY) { /* drop what is pending and offer it again */
			const char *p;
			exec_fix_session_sent(&acc->s, exec_fix_session_pending(&acc->s, &p));
			r = exec_fix_session_send_exec_report(&acc->s, now, &x);
		}
		assert(r == 0);
	}
	const char *p;
	exec_fix_session_sent(&acc->s, exec_fix_session_pending(&acc->s, &p));
}

/* Pump with the acceptor's timer running (a resend goes on as room frees). */
static void pump_ticking(void)
{
	for (int i = 0; i < 200; i++) {
		assert(exec_fix_session_tick(&acc->s, now) == 0);
		size_t moved = deliver(ini, acc);
		process(acc);
		moved += deliver(acc, ini);
		process(ini);
		if (!moved)
			return;
	}
	assert(!"pump does not settle");
}

static void test_journal(void)
{
	static struct exec_fix_journal j;
	assert(exec_fix_journal_init(&j, 1 << 20, 4096) == 0);
	setup(ini, true, false, NULL);
	next_journal = &j;
	setup(acc, false, false, NULL);
	logon_pair();
	send_orders(2);
	pump();
	assert(ini->napp == 2 && ini->ndup == 0);
	/* 600 reports (about 120 KB: two out buffers) lost on the way */
	acc_send_lost(1, 600);
	now += 2 * SEC;
	/* the next order's report arrives too high: ResendRequest, and the
	 * acceptor sends all 601 again from its journal, in order */
	send_orders(1);
	pump_ticking();
	const struct exec_fix_session_stats *si = exec_fix_session_stats(&ini->s);
	const struct exec_fix_session_stats *sa = exec_fix_session_stats(&acc->s);
	assert(si->resend_requests_sent == 1 && sa->resend_requests_received == 1);
	assert(sa->app_resent == 601 && sa->app_gap_filled == 0);
	assert(ini->napp == 2 + 601 && ini->ndup == 601);
	assert(exec_fix_session_next_in(&ini->s) == exec_fix_session_next_out(&acc->s));
	/* the last one resent is the order's report, with its first
	 * SendingTime as OrigSendingTime */
	assert(!strcmp(ini->last_exec_id, "X") && ini->last_orig_ns == now);
	assert(!strcmp(acc->types[2], "D"));
	/* a single lost report: resent with its own fields */
	acc_send_lost(601, 1);
	send_orders(1);
	pump_ticking();
	assert(sa->app_resent == 603 && ini->ndup == 603);
	exec_fix_journal_fini(&j);

	/* a journal of 4 KiB holds about 37 reports: the older ones are
	 * gap-filled, counted as lost, and the session is in step after */
	assert(exec_fix_journal_init(&j, 4096, 64) == 0);
	setup(ini, true, false, NULL);
	next_journal = &j;
	setup(acc, false, false, NULL);
	logon_pair();
	acc_send_lost(1, 100);
	send_orders(1);
	pump_ticking();
	assert(sa->app_gap_filled + sa->app_resent == 101 && sa->app_gap_filled > 50);
	assert(ini->napp == sa->app_resent && ini->ndup == sa->app_resent);
	assert(exec_fix_session_next_in(&ini->s) == exec_fix_session_next_out(&acc->s));
	send_orders(1);
	pump_ticking();
	assert(ini->napp == sa->app_resent + 1 && si->seq_too_high == 1);
	exec_fix_journal_fini(&j);
	printf("journal: 601 lost reports resent over two out buffers, 1 more, and %" PRIu64
	       " of 100 resent from a 4 KiB journal (%" PRIu64 " gap-filled)\n",
	       sa->app_resent, sa->app_gap_filled);
}

/* A durable journal: the acceptor is "killed" after sending 50 reports the
 * initiator lost; a new acceptor on the same store and journal file (with a
 * torn record at its end, as a crash of the machine leaves) resends all 50
 * when the initiator logs on again and finds the gap. */
static void test_journal_durable(const char *dir)
{
	char path[512], err[256];
	static struct exec_fix_store st;
	static struct exec_fix_journal j;
	snprintf(path, sizeof(path), "%s/acc.journal", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	assert(fd >= 0);
	snprintf(path, sizeof(path), "%s/acc.seq", dir);
	assert(exec_fix_store_open(&st, path, err, sizeof(err)) == 0);
	uint64_t loaded, cut;
	assert(exec_fix_journal_init(&j, 1 << 20, 4096) == 0);
	assert(exec_fix_journal_load(&j, fd, &loaded, &cut) == 0 && loaded == 0 && cut == 0);
	setup(ini, true, false, NULL);
	next_journal = &j;
	setup(acc, false, false, &st);
	logon_pair();
	acc_send_lost(1, 50);
	assert(j.write_errors == 0);
	uint64_t acc_next = exec_fix_session_next_out(&acc->s);
	exec_fix_session_disconnected(&ini->s);
	exec_fix_journal_fini(&j); /* the kill: only the files remain */
	assert(exec_fix_store_close(&st) == 0);
	assert(write(fd, "\x30\0\0\0\x08\0\0\0torn", 12) == 12);

	assert(exec_fix_store_open(&st, path, err, sizeof(err)) == 0);
	assert(st.seqs->next_out == acc_next);
	assert(exec_fix_journal_init(&j, 1 << 20, 4096) == 0);
	assert(exec_fix_journal_load(&j, fd, &loaded, &cut) == 0);
	assert(loaded == 50 && cut == 12);
	next_journal = &j;
	setup(acc, false, false, &st);
	logon_pair();
	pump_ticking();
	const struct exec_fix_session_stats *sa = exec_fix_session_stats(&acc->s);
	assert(sa->resend_requests_received == 1 && sa->app_resent == 50 && sa->app_gap_filled == 0);
	assert(ini->ndup == 50);
	assert(exec_fix_session_next_in(&ini->s) == exec_fix_session_next_out(&acc->s));
	exec_fix_session_disconnected(&ini->s);
	exec_fix_session_disconnected(&acc->s);
	exec_fix_journal_fini(&j);
	assert(exec_fix_store_close(&st) == 0);
	close(fd);
	printf("durable journal: 50 reports resent by a restarted acceptor, a 12-byte torn "
	       "tail cut\n");
}

/* OrderMassStatusRequest and a status report, through the codec. */
static void test_mass_status(void)
{
	struct exec_fix_header h;
	assert(exec_fix_header_init(&h, "ENGINE", "EXEC", NULL, 0) == 0);
	char buf[1024];
	struct exec_fix_mass_status q = { .req_id = fix_s("S1"), .req_type = '7' };
	int n = exec_fix_encode_mass_status(&h, buf, sizeof(buf), 9, now, &q);
	assert(n > 0 && fix_frame_ok(buf, (size_t)n) == 0);
	struct exec_fix_msg m;
	struct exec_fix_error e;
	assert(exec_fix_parse(buf, (size_t)n, &m, &e) == 0 && !strcmp(m.type, "AF"));
	struct exec_fix_mass_status q2;
	assert(exec_fix_decode_mass_status(&m, &q2, &e) == 0);
	assert(fix_str_is(q2.req_id, "S1") && q2.req_type == '7');
	struct exec_fix_exec_report x = {
		.order_id = fix_s("V9"), .exec_id = fix_s("E9"), .cl_ord_id = fix_s("12-34"),
		.symbol = fix_s("AMZN"), .side = '2', .exec_type = 'I', .ord_status = '1',
		.leaves_qty = 60, .cum_qty = 40, .avg_px = 1892500, .order_qty = 100, .px = 1892500,
		.mass_status_req_id = fix_s("S1"), .tot_num_reports = 3, .last_rpt_requested = true,
	};
	n = exec_fix_encode_exec_report(&h, buf, sizeof(buf), 10, now, &x);
	assert(n > 0 && fix_frame_ok(buf, (size_t)n) == 0);
	assert(strstr(fix_show(buf, (size_t)n), "|584=S1|911=3|912=Y|"));
	assert(exec_fix_parse(buf, (size_t)n, &m, &e) == 0);
	struct exec_fix_exec_report y;
	assert(exec_fix_decode_exec_report(&m, &y, &e) == 0);
	assert(y.exec_type == 'I' && fix_str_is(y.mass_status_req_id, "S1"));
	assert(y.tot_num_reports == 3 && y.last_rpt_requested && y.leaves_qty == 60);
	/* a status request without its id, and one with a type out of range */
	struct exec_fix_builder b;
	exec_fix_build_begin(&b, &h, buf, sizeof(buf), "AF", 11, now, 0);
	exec_fix_put_char(&b, 585, '7');
	n = exec_fix_build_end(&b);
	assert(exec_fix_parse(buf, (size_t)n, &m, &e) == 0);
	assert(exec_fix_decode_mass_status(&m, &q2, &e) == -EBADMSG && e.tag == 584 &&
	       e.kind == EXEC_FIX_ERR_MISSING);
	exec_fix_build_begin(&b, &h, buf, sizeof(buf), "AF", 12, now, 0);
	exec_fix_put_str(&b, 584, "S2", 2);
	exec_fix_put_char(&b, 585, 'Z');
	n = exec_fix_build_end(&b);
	assert(exec_fix_parse(buf, (size_t)n, &m, &e) == 0);
	assert(exec_fix_decode_mass_status(&m, &q2, &e) == -EBADMSG && e.tag == 585 &&
	       e.kind == EXEC_FIX_ERR_VALUE);
}

static void test_store(const char *dir)
{
	char path[512], err[256];
	snprintf(path, sizeof(path), "%s/fix.seq", dir);
	/* first run: logon and 3 orders */
	assert(exec_fix_store_open(&ini_store, path, err, sizeof(err)) == 0);
	setup(ini, true, false, &ini_store);
	setup(acc, false, false, NULL);
	logon_pair();
	send_orders(3);
	pump();
	uint64_t out = exec_fix_session_next_out(&ini->s), in = exec_fix_session_next_in(&ini->s);
	assert(out == 5 && in == 5);
	assert(exec_fix_session_logout(&ini->s, now, NULL) == 0);
	pump();
	exec_fix_session_disconnected(&ini->s);
	exec_fix_session_disconnected(&acc->s);
	assert(exec_fix_store_close(&ini_store) == 0);

	/* restart: the numbers continue (the acceptor kept its own in memory) */
	assert(exec_fix_store_open(&ini_store, path, err, sizeof(err)) == 0);
	assert(ini_store.seqs->next_out == 6 && ini_store.seqs->next_in == 6);
	setup(ini, true, false, &ini_store);
	assert(exec_fix_session_start(&ini->s, now) == 0);
	assert(last_out(ini, "A")->seq == 6);
	assert(exec_fix_session_start(&acc->s, now) == 0);
	pump();
	assert(exec_fix_session_state(&ini->s) == EXEC_FIX_ACTIVE);
	assert(exec_fix_session_stats(&acc->s)->seq_too_high == 0);
	send_orders(1);
	pump();
	assert(exec_fix_session_next_out(&ini->s) == 8);
	exec_fix_session_disconnected(&ini->s);
	exec_fix_session_disconnected(&acc->s);
	assert(exec_fix_store_close(&ini_store) == 0);

	/* a store of another session is refused */
	assert(exec_fix_store_open(&ini_store, path, err, sizeof(err)) == 0);
	struct exec_fix_session_config c = { .sender = "OTHER", .target = "EXEC",
					     .initiator = true, .store = &ini_store };
	static struct exec_fix_session s2;
	assert(exec_fix_session_init(&s2, &c, err, sizeof(err)) == -EINVAL);
	assert(strstr(err, "ENGINE->EXEC"));

	/* restart with ResetSeqNumFlag: both sides back to 1 */
	setup(ini, true, true, &ini_store);
	assert(exec_fix_session_start(&ini->s, now) == 0);
	struct exec_fix_msg *m = last_out(ini, "A");
	char f;
	assert(m->seq == 1 && exec_fix_msg_char(m, 141, &f) == 0 && f == 'Y');
	assert(exec_fix_session_start(&acc->s, now) == 0);
	pump();
	assert(exec_fix_session_state(&ini->s) == EXEC_FIX_ACTIVE);
	assert(exec_fix_session_next_out(&acc->s) == 2 && exec_fix_session_next_in(&acc->s) == 2);
	assert(ini_store.seqs->next_out == 2 && ini_store.seqs->next_in == 2);
	exec_fix_session_disconnected(&ini->s);
	exec_fix_session_disconnected(&acc->s);

	/* the initiator restarts behind the acceptor (it lost 4 of its reports):
	 * the acceptor's Logon is too high, a ResendRequest and gap fill follow */
	exec_fix_session_set_next_out(&acc->s, exec_fix_session_next_out(&acc->s) + 4);
	setup(ini, true, false, &ini_store);
	assert(exec_fix_session_start(&ini->s, now) == 0);
	assert(exec_fix_session_start(&acc->s, now) == 0);
	pump();
	assert(exec_fix_session_state(&ini->s) == EXEC_FIX_ACTIVE);
	assert(exec_fix_session_stats(&ini->s)->resend_requests_sent == 1);
	assert(exec_fix_session_stats(&acc->s)->gap_fills_sent == 1);
	assert(exec_fix_session_next_in(&ini->s) == exec_fix_session_next_out(&acc->s));
	send_orders(1);
	pump();
	assert(ini->napp == 1);
	exec_fix_session_disconnected(&ini->s);
	assert(exec_fix_store_close(&ini_store) == 0);

	/* SIGKILL: the child stores its numbers with plain stores and dies */
	snprintf(path, sizeof(path), "%s/fix-kill.seq", dir);
	int pfd[2];
	assert(pipe(pfd) == 0);
	pid_t pid = fork();
	assert(pid >= 0);
	if (pid == 0) {
		if (exec_fix_store_open(&ini_store, path, err, sizeof(err)))
			_exit(2);
		setup(ini, true, false, &ini_store);
		setup(acc, false, false, NULL);
		logon_pair();
		send_orders(7);
		pump();
		uint64_t seqs[2] = { exec_fix_session_next_out(&ini->s),
				     exec_fix_session_next_in(&ini->s) };
		if (write(pfd[1], seqs, sizeof(seqs)) != sizeof(seqs))
			_exit(3);
		raise(SIGKILL);
		_exit(4);
	}
	close(pfd[1]);
	uint64_t seqs[2];
	assert(read(pfd[0], seqs, sizeof(seqs)) == sizeof(seqs));
	int st;
	assert(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	assert(exec_fix_store_open(&ini_store, path, err, sizeof(err)) == 0);
	assert(ini_store.seqs->next_out == seqs[0] && ini_store.seqs->next_in == seqs[1]);
	assert(seqs[0] == 9 && seqs[1] == 9);
	assert(exec_fix_store_close(&ini_store) == 0);
	/* not a store */
	snprintf(path, sizeof(path), "%s/junk", dir);
	FILE *fj = fopen(path, "w");
	fputs("hello, this is not a sequence store at all, not even close......", fj);
	fclose(fj);
	assert(exec_fix_store_open(&ini_store, path, err, sizeof(err)) == -EBADMSG);
	printf("store: restart continues at %u, reset to 1, gap after restart filled, SIGKILL kept %u/%u\n",
	       6, (unsigned)seqs[0], (unsigned)seqs[1]);
}

int main(void)
{
	ini = calloc(1, sizeof(*ini));
	acc = calloc(1, sizeof(*acc));
	assert(ini && acc);
	exec_fix_header_init(&acc_hdr, "EXEC", "ENGINE", NULL, 0);
	test_logon_and_orders();
	test_heartbeats();
	test_gap();
	test_seq_rules();
	test_compids_and_logout();
	test_busy();
	test_journal();
	test_mass_status();
	char dir[] = "/tmp/osprey-fix-XXXXXX";
	assert(mkdtemp(dir));
	test_store(dir);
	test_journal_durable(dir);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert(system(cmd) == 0);
	printf("fix session: ok\n");
	return 0;
}
