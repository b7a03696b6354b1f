/* fuzz_fix - LLVMFuzzerTestOneInput over the FIX 4.4 parser, its decoders
 * (with re-encoding of what they accept) and the session.
 *
 * The input is parsed as a stream (skipping what the parser says to skip);
 * every message is run through every decoder, and an accepted ExecutionReport
 * or order is encoded again and must parse back to the same fields. Then the
 * same bytes go to an acceptor session with a resend journal that has just
 * taken a valid Logon and sent three reports: whatever it answers
 * (ResendRequests answered from the journal included) must be well-framed
 * FIX.
 *
 * Built as a libFuzzer target (-Dfuzz=true, OSPREY_LIBFUZZER) and as a plain
 * test whose main() runs it over the real session file, the
 * fix_session.pcapng capture, messages from our encoders, their truncations
 * and mutations. */
#undef NDEBUG
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct exec_fix_header H;
static struct exec_fix_session S;
static struct exec_fix_journal J;
static const uint64_t NOW = UINT64_C(1764000000000000000);

static bool str_same(struct exec_fix_str a, struct exec_fix_str b)
{
	return a.len == b.len && (!a.len || !memcmp(a.p, b.p, a.len));
}

static void reencode(const struct exec_fix_msg *m)
{
	static char buf[EXEC_FIX_MAX_MSG + 1024];
	struct exec_fix_error e;
	struct exec_fix_msg m2;
	struct exec_fix_exec_report x, x2;
	struct exec_fix_order o, o2;
	if (!strcmp(m->type, "8") && exec_fix_decode_exec_report(m, &x, &e) == 0 && x.symbol.len) {
		int n = exec_fix_encode_exec_report(&H, buf, sizeof(buf), 1, NOW, &x);
		if (n == -EINVAL)
			return; /* e.g. a 14=0 report whose 17 was empty is refused */
		assert(n > 0);
		assert(exec_fix_parse(buf, (size_t)n, &m2, &e) == 0);
		assert(exec_fix_decode_exec_report(&m2, &x2, &e) == 0);
		assert(str_same(x.order_id, x2.order_id) && str_same(x.exec_id, x2.exec_id));
		assert(x.cum_qty == x2.cum_qty && x.leaves_qty == x2.leaves_qty);
		assert(x.avg_px == x2.avg_px && x.exec_type == x2.exec_type);
		assert(str_same(x.mass_status_req_id, x2.mass_status_req_id));
		assert(!x.mass_status_req_id.len || (x.tot_num_reports == x2.tot_num_reports &&
		                                     x.last_rpt_requested == x2.last_rpt_requested));
	}
	struct exec_fix_mass_status s, s2;
	if (!strcmp(m->type, "AF") && exec_fix_decode_mass_status(m, &s, &e) == 0) {
		int n = exec_fix_encode_mass_status(&H, buf, sizeof(buf), 1, NOW, &s);
		if (n == -EINVAL)
			return;
		assert(n > 0);
		assert(exec_fix_parse(buf, (size_t)n, &m2, &e) == 0);
		assert(exec_fix_decode_mass_status(&m2, &s2, &e) == 0);
		assert(str_same(s.req_id, s2.req_id) && s.req_type == s2.req_type);
	}
	if (m->type[0] == 'D' && !m->type[1] && exec_fix_decode_order(m, &o, &e) == 0) {
		int n = exec_fix_encode_new_order(&H, buf, sizeof(buf), 1, NOW, &o);
		if (n == -EINVAL)
			return;
		assert(n > 0);
		assert(exec_fix_parse(buf, (size_t)n, &m2, &e) == 0);
		assert(exec_fix_decode_order(&m2, &o2, &e) == 0);
		assert(str_same(o.cl_ord_id, o2.cl_ord_id) && o.qty == o2.qty && o.px == o2.px);
		assert(o.side == o2.side && o.transact_time_ns / 1000000 == o2.transact_time_ns / 1000000);
	}
}

static void check_out(struct exec_fix_session *s)
{
	const char *p;
	size_t n = exec_fix_session_pending(s, &p);
	size_t off = 0;
	while (off < n) {
		struct exec_fix_msg m;
		struct exec_fix_error e;
		assert(exec_fix_parse(p + off, n - off, &m, &e) == 0);
		off += m.len;
	}
	exec_fix_session_sent(s, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *b = (const char *)data;
	if (!H.comp_len) {
		assert(exec_fix_header_init(&H, "ENGINE", "EXEC", NULL, 0) == 0);
		assert(exec_fix_journal_init(&J, 8192, 64) == 0); /* small: it wraps */
	}
	size_t off = 0;
	while (off < size) {
		struct exec_fix_msg m;
		struct exec_fix_error e;
		int r = exec_fix_parse(b + off, size - off, &m, &e);
		if (r == EXEC_FIX_PARTIAL)
			break;
		if (r < 0) {
			char t[256];
			exec_fix_error_format(&e, t, sizeof(t));
			assert(e.skip >= 1 && e.skip <= size - off && !strncmp(t, "offset ", 7));
			off += e.skip;
			continue;
		}
		assert(r == 0 && m.len >= 20 && m.len <= size - off && m.nfields >= 1);
		struct exec_fix_cancel_reject c;
		struct exec_fix_mass_cancel q;
		struct exec_fix_mass_cancel_report mr;
		struct exec_fix_reject rj;
		struct exec_fix_mass_status ms;
		(void)exec_fix_decode_mass_status(&m, &ms, &e);
		(void)exec_fix_decode_cancel_reject(&m, &c, &e);
		(void)exec_fix_decode_mass_cancel(&m, &q, &e);
		(void)exec_fix_decode_mass_cancel_report(&m, &mr, &e);
		(void)exec_fix_decode_reject(&m, &rj, &e);
		reencode(&m);
		off += m.len;
	}

	/* an acceptor (EXEC, peer ENGINE) after a valid Logon */
	struct exec_fix_session_config cfg = { .sender = "EXEC", .target = "ENGINE", .journal = &J };
	assert(exec_fix_session_init(&S, &cfg, NULL, 0) == 0);
	assert(exec_fix_session_start(&S, NOW) == 0);
	char logon[256];
	int n = exec_fix_encode_logon(&H, logon, sizeof(logon), 1, NOW, 30, false);
	size_t used;
	struct exec_fix_msg m;
	assert(exec_fix_session_input(&S, logon, (size_t)n, NOW, &m, &used) == 0);
	assert(exec_fix_session_state(&S) == EXEC_FIX_ACTIVE);
	check_out(&S);
	for (int i = 0; i < 3; i++) { /* something for ResendRequests to resend */
		struct exec_fix_exec_report x = {
			.order_id = { "V1", 2 }, .exec_id = { "E1", 2 }, .cl_ord_id = { "1-2", 3 },
			.symbol = { "AMZN", 4 }, .side = '1', .exec_type = 'F', .ord_status = '1',
			.leaves_qty = 5, .cum_qty = 5, .last_qty = 5, .last_px = 10000,
		};
		assert(exec_fix_session_send_exec_report(&S, NOW, &x) == 0);
	}
	check_out(&S);
	off = 0;
	uint64_t now = NOW;
	for (int guard = 0; off < size && guard < 100000; guard++) {
		int r = exec_fix_session_input(&S, b + off, size - off, now, &m, &used);
		assert(used <= size - off);
		off += used;
		check_out(&S);
		if (r == EXEC_FIX_PARTIAL)
			break;
		assert(r >= 0 || r == -ENOBUFS);
		if (r == EXEC_FIX_CLOSED || r < 0)
			break;
		assert(r == 0 || r == EXEC_FIX_MSG);
		now += 1000000;
		assert(exec_fix_session_tick(&S, now) >= 0);
		check_out(&S);
	}
	return 0;
}

#ifndef OSPREY_LIBFUZZER
#define FUZZ_SEED 0x9E3779B97F4A7C15ull
#include "fuzz_driver.h"

static uint64_t runs;

static void mutate_run(const unsigned char *buf, size_t len)
{
	LLVMFuzzerTestOneInput(buf, len);
	runs++;
	for (int i = 0; i < 3000; i++) {
		size_t n = 1 + rnd() % (len < 4096 ? len : 4096);
		size_t start = rnd() % (len - n + 1);
		unsigned char *c = malloc(n);
		memcpy(c, buf + start, n);
		if (i % 3) {
			unsigned flips = 1 + (unsigned)(rnd() % 6);
			for (unsigned k = 0; k < flips; k++) {
				size_t at = rnd() % n;
				/* digits, separators and flips: where FIX breaks */
				static const char pick[] = "0123456789=\001|8Y";
				c[at] = i % 2 ? (unsigned char)pick[rnd() % (sizeof(pick) - 1)]
					      : (unsigned char)(c[at] ^ (1u << (rnd() % 8)));
			}
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
	unsigned files = 0;
	if (dir) {
		size_t len = 0;
		snprintf(path, sizeof(path), "%s/data/fix/jspurefix_fixsim_fix44_session.txt", dir);
		unsigned char *t = slurp(path, &len);
		if (t) {
			files++;
			for (size_t i = 0; i < len; i++)
				if (t[i] == '|')
					t[i] = 1;
			mutate_run(t, len);
			free(t);
		}
		snprintf(path, sizeof(path), "%s/data/pcap/fix_session.pcapng", dir);
		t = slurp(path, &len);
		if (t) {
			files++;
			mutate_run(t, len);
			free(t);
		}
	}
	/* a stream an acceptor would see from our initiator, and the reports back */
	static char s[1 << 16];
	size_t n = 0;
	struct exec_fix_header eng, exe;
	exec_fix_header_init(&eng, "ENGINE", "EXEC", NULL, 0);
	exec_fix_header_init(&exe, "EXEC", "ENGINE", NULL, 0);
	struct exec_fix_order o = { .cl_ord_id = { "C1", 2 }, .orig_cl_ord_id = { "C0", 2 },
				    .symbol = { "AAPL", 4 }, .side = '1', .tif = '0', .qty = 100,
				    .px = 1892500, .transact_time_ns = NOW };
	struct exec_fix_exec_report x = { .order_id = { "O1", 2 }, .exec_id = { "E1", 2 },
					  .cl_ord_id = { "C1", 2 }, .symbol = { "AAPL", 4 },
					  .exec_type = 'F', .ord_status = '1', .side = '1',
					  .leaves_qty = 50, .cum_qty = 50, .avg_px = 1892500,
					  .last_qty = 50, .last_px = 1892500 };
	struct exec_fix_mass_cancel q = { .cl_ord_id = { "K", 1 }, .transact_time_ns = NOW };
	n += (size_t)exec_fix_encode_new_order(&eng, s + n, sizeof(s) - n, 2, NOW, &o);
	n += (size_t)exec_fix_encode_cancel(&eng, s + n, sizeof(s) - n, 3, NOW, &o);
	n += (size_t)exec_fix_encode_replace(&eng, s + n, sizeof(s) - n, 4, NOW, &o);
	n += (size_t)exec_fix_encode_mass_cancel(&eng, s + n, sizeof(s) - n, 5, NOW, &q);
	n += (size_t)exec_fix_encode_test_request(&eng, s + n, sizeof(s) - n, 6, NOW,
						  (struct exec_fix_str){ "T", 1 });
	n += (size_t)exec_fix_encode_resend_request(&eng, s + n, sizeof(s) - n, 7, NOW, 1, 0);
	n += (size_t)exec_fix_encode_sequence_reset(&eng, s + n, sizeof(s) - n, 9, NOW, 12, true);
	n += (size_t)exec_fix_encode_sequence_reset(&eng, s + n, sizeof(s) - n, 3, NOW, 20, false);
	n += (size_t)exec_fix_encode_exec_report(&exe, s + n, sizeof(s) - n, 2, NOW, &x);
	n += (size_t)exec_fix_encode_heartbeat(&eng, s + n, sizeof(s) - n, 20, NOW,
					       (struct exec_fix_str){ 0 });
	n += (size_t)exec_fix_encode_logout(&eng, s + n, sizeof(s) - n, 21, NOW,
					    (struct exec_fix_str){ "bye", 3 });
	mutate_run((const unsigned char *)s, n);
	LLVMFuzzerTestOneInput(NULL, 0);
	printf("ok: %u data files, %llu inputs\n", files, (unsigned long long)runs);
	return 0;
}
#endif
