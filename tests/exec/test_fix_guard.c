/* The FIX parser and decoders never read past their input: every message our
 * encoders make, and every line of the real session file, placed so that it
 * ends right before a PROT_NONE page, at every truncation; plus messages cut
 * inside each field's tag and value, and one whose BodyLength points past the
 * end. */
#undef NDEBUG
#include <assert.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fix_util.h"

static unsigned char *end;
static unsigned ok, partial, bad;

static void at_guard(const char *msg, size_t n)
{
	for (size_t have = 0; have <= n; have++) {
		char *p = (char *)end - have;
		memcpy(p, msg, have);
		struct exec_fix_msg m;
		struct exec_fix_error e;
		int r = exec_fix_parse(p, have, &m, &e);
		if (have < n)
			assert(r == EXEC_FIX_PARTIAL || r == -EBADMSG);
		if (r == 0) {
			assert(have == n && m.len == n);
			struct exec_fix_exec_report x;
			struct exec_fix_order o;
			struct exec_fix_cancel_reject c;
			struct exec_fix_mass_cancel q;
			struct exec_fix_mass_cancel_report mr;
			struct exec_fix_reject rj;
			(void)exec_fix_decode_exec_report(&m, &x, &e);
			(void)exec_fix_decode_order(&m, &o, &e);
			(void)exec_fix_decode_cancel_reject(&m, &c, &e);
			(void)exec_fix_decode_mass_cancel(&m, &q, &e);
			(void)exec_fix_decode_mass_cancel_report(&m, &mr, &e);
			(void)exec_fix_decode_reject(&m, &rj, &e);
			ok++;
		} else if (r == EXEC_FIX_PARTIAL) {
			partial++;
		} else {
			assert(e.skip >= 1 && e.skip <= have);
			bad++;
		}
	}
}

int main(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char *map = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert(map != MAP_FAILED);
	assert(mprotect(map + 2 * pg, pg, PROT_NONE) == 0);
	end = map + 2 * pg;

	struct exec_fix_header h;
	assert(exec_fix_header_init(&h, "OSPREY", "VENUE", NULL, 0) == 0);
	uint64_t now = UINT64_C(1764000000123000000);
	char buf[2048];
	struct exec_fix_order o = { .cl_ord_id = fix_s("O1"), .orig_cl_ord_id = fix_s("O0"),
				    .symbol = fix_s("AMZN"), .side = '1', .tif = '3', .qty = 10,
				    .px = 1890000, .transact_time_ns = now };
	struct exec_fix_exec_report x = { .order_id = fix_s("V1"), .exec_id = fix_s("E1"),
					  .cl_ord_id = fix_s("O1"), .symbol = fix_s("AMZN"),
					  .exec_type = 'F', .ord_status = '2', .side = '1',
					  .cum_qty = 10, .avg_px = 1890000, .last_qty = 10,
					  .last_px = 1890000, .text = fix_s("done") };
	struct exec_fix_cancel_reject c = { .order_id = fix_s("NONE"), .cl_ord_id = fix_s("C"),
					    .orig_cl_ord_id = fix_s("O1"), .ord_status = '8',
					    .response_to = '1', .reason = 1 };
	struct exec_fix_mass_cancel q = { .cl_ord_id = fix_s("K"), .transact_time_ns = now };
	struct exec_fix_mass_cancel_report mr = { .order_id = fix_s("M"), .request_type = '7',
						  .response = '7', .reject_reason = -1,
						  .total_affected = 2 };
	struct exec_fix_reject rj = { .ref_seq = 3, .ref_tag = 112, .ref_type = "1", .reason = 1 };
	int n;
#define GUARD(expr)                                                                                \
	do {                                                                                       \
		n = (expr);                                                                        \
		assert(n > 0);                                                                     \
		at_guard(buf, (size_t)n);                                                          \
	} while (0)
	GUARD(exec_fix_encode_logon(&h, buf, sizeof(buf), 1, now, 30, true));
	GUARD(exec_fix_encode_heartbeat(&h, buf, sizeof(buf), 2, now, fix_s("T1")));
	GUARD(exec_fix_encode_test_request(&h, buf, sizeof(buf), 3, now, fix_s("T1")));
	GUARD(exec_fix_encode_resend_request(&h, buf, sizeof(buf), 4, now, 1, 0));
	GUARD(exec_fix_encode_reject(&h, buf, sizeof(buf), 5, now, &rj));
	GUARD(exec_fix_encode_sequence_reset(&h, buf, sizeof(buf), 6, now, 9, true));
	GUARD(exec_fix_encode_logout(&h, buf, sizeof(buf), 7, now, fix_s("bye")));
	GUARD(exec_fix_encode_new_order(&h, buf, sizeof(buf), 8, now, &o));
	GUARD(exec_fix_encode_cancel(&h, buf, sizeof(buf), 9, now, &o));
	GUARD(exec_fix_encode_replace(&h, buf, sizeof(buf), 10, now, &o));
	GUARD(exec_fix_encode_mass_cancel(&h, buf, sizeof(buf), 11, now, &q));
	GUARD(exec_fix_encode_exec_report(&h, buf, sizeof(buf), 12, now, &x));
	GUARD(exec_fix_encode_cancel_reject(&h, buf, sizeof(buf), 13, now, &c));
	GUARD(exec_fix_encode_mass_cancel_report(&h, buf, sizeof(buf), 14, now, &mr));

	/* a report cut after each byte and closed with a bogus trailer */
	n = exec_fix_encode_exec_report(&h, buf, sizeof(buf), 12, now, &x);
	for (int cut = 20; cut < n - 7; cut++) {
		char t[2048];
		memcpy(t, buf, (size_t)cut);
		memcpy(t + cut, "\00110=000\001", 8);
		at_guard(t, (size_t)cut + 8);
	}
	/* BodyLength far past the end */
	const char *lie = "8=FIX.4.4\0019=9999\00135=0\001";
	at_guard(lie, strlen(lie));

	/* the real session file, line by line */
	const char *dir = getenv("OSPREY_SHARED");
	unsigned lines = 0;
	if (dir) {
		char path[1024];
		snprintf(path, sizeof(path), "%s/data/fix/jspurefix_fixsim_fix44_session.txt", dir);
		size_t len;
		unsigned char *txt = fix_slurp(path, &len);
		if (txt) {
			fix_soh((char *)txt);
			for (char *l = (char *)txt; *l;) {
				char *nl = strchr(l, '\n');
				size_t ll = nl ? (size_t)(nl - l) : strlen(l);
				if (ll) {
					at_guard(l, ll);
					lines++;
				}
				l = nl ? nl + 1 : l + ll;
			}
			free(txt);
		}
	}
	printf("guard: %u parsed, %u partial, %u refused (%u lines of the real session)\n", ok,
	       partial, bad, lines);
	assert(ok >= 14 + lines);
	return 0;
}
