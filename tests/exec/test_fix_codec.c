/* The FIX 4.4 codec: prices and times exactly; every encoder's frame checked
 * the obvious way and parsed back field for field; our engine-side messages
 * byte for byte equal to those in the real capture fix_session.pcapng (same
 * CompIDs, numbers and times); BodyLength with 2 and 4 digits; -ENOSPC at
 * every short capacity; the parser's errors (garbled, length, checksum with
 * both values, fields, PARTIAL at every truncation) and the decoders'
 * (missing required tag N, value out of range). */
#undef NDEBUG
#include <assert.h>
#include <inttypes.h>

#include "fix_util.h"

static struct exec_fix_header H;

static uint64_t ts(const char *s)
{
	uint64_t ns;
	int r = exec_fix_parse_time(s, strlen(s), &ns);
	assert(r == 0);
	return ns;
}

static void test_prices(void)
{
	static const struct {
		int64_t px;
		const char *s;
	} t[] = { { 0, "0" },           { 1892500, "189.25" }, { 10000, "1" },
		  { -5, "-0.0005" },    { 1, "0.0001" },       { 2000000000, "200000" },
		  { 123456789, "12345.6789" }, { -1892500, "-189.25" },
		  { INT64_C(9223372036854775807), "922337203685477.5807" } };
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char b[32];
		int n = exec_fix_format_price(b, t[i].px);
		b[n] = 0;
		if (strcmp(b, t[i].s))
			fprintf(stderr, "%" PRId64 ": %s != %s\n", t[i].px, b, t[i].s);
		assert(!strcmp(b, t[i].s));
		int64_t v = 7;
		assert(exec_fix_parse_price(b, (size_t)n, false, &v) == 0 && v == t[i].px);
	}
	int64_t v;
	assert(exec_fix_parse_price("189.250000", 10, false, &v) == 0 && v == 1892500);
	assert(exec_fix_parse_price(".5", 2, false, &v) == 0 && v == 5000);
	assert(exec_fix_parse_price("5.", 2, false, &v) == 0 && v == 50000);
	assert(exec_fix_parse_price("189.25001", 9, false, &v) == -ERANGE);
	assert(exec_fix_parse_price("189.25005", 9, true, &v) == 0 && v == 1892501);
	assert(exec_fix_parse_price("189.25004999", 12, true, &v) == 0 && v == 1892500);
	assert(exec_fix_parse_price("-189.25005", 10, true, &v) == 0 && v == -1892501);
	assert(exec_fix_parse_price("1e5", 3, false, &v) == -EBADMSG);
	assert(exec_fix_parse_price("", 0, false, &v) == -EBADMSG);
	assert(exec_fix_parse_price("-", 1, false, &v) == -EBADMSG);
	assert(exec_fix_parse_price(".", 1, false, &v) == -EBADMSG);
	assert(exec_fix_parse_price("1234567890123456", 16, false, &v) == -ERANGE);
	int64_t i;
	assert(exec_fix_parse_int("0000095", 7, &i) == 0 && i == 95);
	assert(exec_fix_parse_int("-3", 2, &i) == 0 && i == -3);
	assert(exec_fix_parse_int("3x", 2, &i) == -EBADMSG);
	assert(exec_fix_parse_int("99999999999999999999", 20, &i) == -ERANGE);
}

static void test_times(void)
{
	struct exec_fix_builder b;
	char buf[256];
	static const struct {
		uint64_t ns;
		const char *s;
	} t[] = {
		{ 0, "19700101-00:00:00.000" },
		{ UINT64_C(1700000000123456789), "20231114-22:13:20.123" },
		{ UINT64_C(1709164800000000000), "20240229-00:00:00.000" }, /* leap day */
		{ UINT64_C(1709251199999000000), "20240229-23:59:59.999" },
		{ UINT64_C(4102444800000000000), "21000101-00:00:00.000" },
		{ UINT64_C(951782400000000000), "20000229-00:00:00.000" },
	};
	for (unsigned k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		exec_fix_build_begin(&b, &H, buf, sizeof(buf), "0", 1, t[k].ns, 0);
		int n = exec_fix_build_end(&b);
		assert(n > 0);
		const char *p = strstr(buf, "\00152=");
		assert(p && !memcmp(p + 4, t[k].s, 21));
		uint64_t back;
		assert(exec_fix_parse_time(t[k].s, 21, &back) == 0);
		assert(back == t[k].ns / 1000000 * 1000000);
	}
	uint64_t ns;
	assert(exec_fix_parse_time("20241013-14:03:55", 17, &ns) == 0 &&
	       ns == UINT64_C(1728828235000000000));
	assert(exec_fix_parse_time("20241013-14:03:55.123456789", 27, &ns) == 0 &&
	       ns == UINT64_C(1728828235123456789));
	assert(exec_fix_parse_time("20241013-24:03:55", 17, &ns) == -ERANGE);
	assert(exec_fix_parse_time("20241313-14:03:55", 17, &ns) == -ERANGE);
	assert(exec_fix_parse_time("20241013 14:03:55", 17, &ns) == -EBADMSG);
	assert(exec_fix_parse_time("20241013-14:03:55.", 18, &ns) == -EBADMSG);
	assert(exec_fix_parse_time("20241013-14:03", 14, &ns) == -EBADMSG);
}

/* Parse buf[0, n) as exactly one message. */
static void parse_one(const char *buf, int n, struct exec_fix_msg *m)
{
	assert(n > 0);
	int fl = fix_frame_ok(buf, (size_t)n);
	if (fl)
		fprintf(stderr, "frame check line %d: %s\n", fl, fix_show(buf, (size_t)n));
	assert(fl == 0);
	struct exec_fix_error e;
	int r = exec_fix_parse(buf, (size_t)n, m, &e);
	if (r) {
		char t[200];
		exec_fix_error_format(&e, t, sizeof(t));
		fprintf(stderr, "%s: %s\n", t, fix_show(buf, (size_t)n));
	}
	assert(r == 0 && m->len == (uint32_t)n);
	/* every truncation is PARTIAL */
	for (int k = 0; k < n; k++) {
		struct exec_fix_msg m2;
		assert(exec_fix_parse(buf, (size_t)k, &m2, &e) == EXEC_FIX_PARTIAL);
	}
}

static const char *CAP_D = "8=FIX.4.4|9=124|35=D|49=ENGINE|56=EXEC|34=2|52=20261122-02:48:58.358|"
			   "11=C1|55=AAPL|54=1|60=20261122-02:48:58.358|38=100|40=2|44=189.25|"
			   "59=0|10=085|";
static const char *CAP_F = "8=FIX.4.4|9=110|35=F|49=ENGINE|56=EXEC|34=3|52=20261122-02:48:58.358|"
			   "41=C1|11=C2|55=AAPL|54=1|60=20261122-02:48:58.358|38=100|10=222|";
static const char *CAP_A = "8=FIX.4.4|9=71|35=A|49=ENGINE|56=EXEC|34=1|52=20261122-02:48:58.357|"
			   "98=0|108=30|141=Y|10=016|";
static const char *CAP_0 = "8=FIX.4.4|9=53|35=0|49=ENGINE|56=EXEC|34=4|52=20261122-02:48:58.358|"
			   "10=189|";
static const char *CAP_1 = "8=FIX.4.4|9=60|35=1|49=ENGINE|56=EXEC|34=5|52=20261122-02:48:58.359|"
			   "112=T1|10=021|";
static const char *CAP_5 = "8=FIX.4.4|9=53|35=5|49=ENGINE|56=EXEC|34=6|52=20261122-02:48:58.403|"
			   "10=187|";

static void same(const char *want_bar, const char *got, int n)
{
	char w[512];
	snprintf(w, sizeof(w), "%s", want_bar);
	fix_soh(w);
	if ((size_t)n != strlen(w) || memcmp(w, got, (size_t)n)) {
		fprintf(stderr, "want %s\n", want_bar);
		fprintf(stderr, "got  %s\n", fix_show(got, (size_t)n));
	}
	assert((size_t)n == strlen(w) && !memcmp(w, got, (size_t)n));
}

/* Our initiator's messages against the ENGINE side of the real capture. */
static void test_capture_bytes(void)
{
	struct exec_fix_header h;
	assert(exec_fix_header_init(&h, "ENGINE", "EXEC", NULL, 0) == 0);
	char buf[512];
	int n = exec_fix_encode_logon(&h, buf, sizeof(buf), 1, ts("20261122-02:48:58.357"), 30, true);
	same(CAP_A, buf, n);
	uint64_t t = ts("20261122-02:48:58.358");
	struct exec_fix_order o = { .cl_ord_id = fix_s("C1"), .symbol = fix_s("AAPL"), .side = '1',
				    .qty = 100, .px = 1892500, .tif = '0',
				    .transact_time_ns = t };
	n = exec_fix_encode_new_order(&h, buf, sizeof(buf), 2, t, &o);
	same(CAP_D, buf, n);
	o.orig_cl_ord_id = fix_s("C1");
	o.cl_ord_id = fix_s("C2");
	n = exec_fix_encode_cancel(&h, buf, sizeof(buf), 3, t, &o);
	same(CAP_F, buf, n);
	n = exec_fix_encode_heartbeat(&h, buf, sizeof(buf), 4, t, (struct exec_fix_str){ 0 });
	same(CAP_0, buf, n);
	n = exec_fix_encode_test_request(&h, buf, sizeof(buf), 5, ts("20261122-02:48:58.359"),
					 fix_s("T1"));
	same(CAP_1, buf, n);
	n = exec_fix_encode_logout(&h, buf, sizeof(buf), 6, ts("20261122-02:48:58.403"),
				   (struct exec_fix_str){ 0 });
	same(CAP_5, buf, n);
}

static void test_roundtrip(void)
{
	char buf[4096];
	struct exec_fix_msg m;
	struct exec_fix_error e;
	uint64_t now = UINT64_C(1764000000123000000);
	int n;

	/* D / F / G */
	struct exec_fix_order o = { .cl_ord_id = fix_s("O-17"), .orig_cl_ord_id = fix_s("O-16"),
				    .symbol = fix_s("AMZN"), .side = '2', .tif = '3', .qty = 250,
				    .px = 1234567, .transact_time_ns = now };
	const char types[] = "DFG";
	for (int k = 0; k < 3; k++) {
		if (k == 0)
			n = exec_fix_encode_new_order(&H, buf, sizeof(buf), 7, now, &o);
		else if (k == 1)
			n = exec_fix_encode_cancel(&H, buf, sizeof(buf), 7, now, &o);
		else
			n = exec_fix_encode_replace(&H, buf, sizeof(buf), 7, now, &o);
		parse_one(buf, n, &m);
		assert(m.type[0] == types[k] && m.type[1] == 0 && m.seq == 7);
		assert(fix_str_is(m.sender, "OSPREY") && fix_str_is(m.target, "VENUE"));
		struct exec_fix_order d;
		assert(exec_fix_decode_order(&m, &d, &e) == 0);
		assert(fix_str_is(d.cl_ord_id, "O-17") && fix_str_is(d.symbol, "AMZN"));
		assert(d.side == '2' && d.qty == 250 && d.transact_time_ns == now / 1000000 * 1000000);
		if (k != 1)
			assert(d.px == 1234567 && d.tif == '3' && d.ord_type == '2');
		else
			assert(exec_fix_msg_find(&m, 44) == NULL && exec_fix_msg_find(&m, 40) == NULL);
		if (k)
			assert(fix_str_is(d.orig_cl_ord_id, "O-16"));
		else
			assert(exec_fix_msg_find(&m, 41) == NULL);
		/* for every capacity short of n: -ENOSPC, and nothing past cap */
		for (int cap = 0; cap < n; cap++) {
			memset(buf, 0x55, sizeof(buf));
			int r = k == 0   ? exec_fix_encode_new_order(&H, buf, (size_t)cap, 7, now, &o)
				: k == 1 ? exec_fix_encode_cancel(&H, buf, (size_t)cap, 7, now, &o)
					 : exec_fix_encode_replace(&H, buf, (size_t)cap, 7, now, &o);
			assert(r == -ENOSPC);
			for (size_t z = (size_t)cap; z < sizeof(buf); z++)
				assert(buf[z] == 0x55);
		}
	}

	/* q */
	struct exec_fix_mass_cancel q = { .cl_ord_id = fix_s("KILL-1"), .transact_time_ns = now };
	n = exec_fix_encode_mass_cancel(&H, buf, sizeof(buf), 8, now, &q);
	parse_one(buf, n, &m);
	struct exec_fix_mass_cancel q2;
	assert(exec_fix_decode_mass_cancel(&m, &q2, &e) == 0 && q2.request_type == '7');
	assert(fix_str_is(q2.cl_ord_id, "KILL-1"));

	/* 8 */
	struct exec_fix_exec_report x = {
		.order_id = fix_s("V9"), .exec_id = fix_s("E77"), .cl_ord_id = fix_s("O-17"),
		.symbol = fix_s("AMZN"), .text = fix_s("partial"), .exec_type = 'F',
		.ord_status = '1', .side = '2', .leaves_qty = 150, .cum_qty = 100,
		.avg_px = 1234500, .last_qty = 100, .last_px = 1234500, .order_qty = 250,
		.px = 1234567, .transact_time_ns = now,
	};
	n = exec_fix_encode_exec_report(&H, buf, sizeof(buf), 9, now, &x);
	parse_one(buf, n, &m);
	struct exec_fix_exec_report x2;
	assert(exec_fix_decode_exec_report(&m, &x2, &e) == 0);
	assert(fix_str_is(x2.order_id, "V9") && fix_str_is(x2.exec_id, "E77"));
	assert(fix_str_is(x2.cl_ord_id, "O-17") && fix_str_is(x2.text, "partial"));
	assert(x2.exec_type == 'F' && x2.ord_status == '1' && x2.side == '2');
	assert(x2.leaves_qty == 150 && x2.cum_qty == 100 && x2.avg_px == 1234500);
	assert(x2.last_qty == 100 && x2.last_px == 1234500 && x2.order_qty == 250);
	assert(x2.px == 1234567 && x2.orig_cl_ord_id.len == 0);

	/* 9 */
	struct exec_fix_cancel_reject cr = { .order_id = fix_s("NONE"), .cl_ord_id = fix_s("C3"),
					     .orig_cl_ord_id = fix_s("C2"), .ord_status = '8',
					     .response_to = '1', .reason = 1,
					     .text = fix_s("unknown order") };
	n = exec_fix_encode_cancel_reject(&H, buf, sizeof(buf), 10, now, &cr);
	parse_one(buf, n, &m);
	struct exec_fix_cancel_reject cr2;
	assert(exec_fix_decode_cancel_reject(&m, &cr2, &e) == 0);
	assert(cr2.reason == 1 && cr2.response_to == '1' && cr2.ord_status == '8');
	assert(fix_str_is(cr2.orig_cl_ord_id, "C2") && fix_str_is(cr2.text, "unknown order"));
	cr.reason = -1;
	n = exec_fix_encode_cancel_reject(&H, buf, sizeof(buf), 10, now, &cr);
	parse_one(buf, n, &m);
	assert(exec_fix_decode_cancel_reject(&m, &cr2, &e) == 0 && cr2.reason == -1);

	/* r */
	struct exec_fix_mass_cancel_report mr = { .order_id = fix_s("MC1"),
						  .cl_ord_id = fix_s("KILL-1"),
						  .request_type = '7', .response = '7',
						  .reject_reason = -1, .total_affected = 3 };
	n = exec_fix_encode_mass_cancel_report(&H, buf, sizeof(buf), 11, now, &mr);
	parse_one(buf, n, &m);
	struct exec_fix_mass_cancel_report mr2;
	assert(exec_fix_decode_mass_cancel_report(&m, &mr2, &e) == 0);
	assert(mr2.total_affected == 3 && mr2.reject_reason == -1 && mr2.response == '7');

	/* 3, 2, 4 (gap fill: PossDup + OrigSendingTime), 5 with text */
	struct exec_fix_reject rj = { .ref_seq = 12, .ref_tag = 112, .ref_type = "1", .reason = 1,
				      .text = fix_s("missing TestReqID") };
	n = exec_fix_encode_reject(&H, buf, sizeof(buf), 12, now, &rj);
	parse_one(buf, n, &m);
	struct exec_fix_reject rj2;
	assert(exec_fix_decode_reject(&m, &rj2, &e) == 0);
	assert(rj2.ref_seq == 12 && rj2.ref_tag == 112 && !strcmp(rj2.ref_type, "1") &&
	       rj2.reason == 1);
	n = exec_fix_encode_resend_request(&H, buf, sizeof(buf), 13, now, 5, 0);
	parse_one(buf, n, &m);
	int64_t iv;
	assert(exec_fix_msg_int(&m, 7, &iv) == 0 && iv == 5);
	assert(exec_fix_msg_int(&m, 16, &iv) == 0 && iv == 0);
	n = exec_fix_encode_sequence_reset(&H, buf, sizeof(buf), 5, now, 14, true);
	parse_one(buf, n, &m);
	assert(m.poss_dup && m.orig_sending_time.len == 21 && m.seq == 5);
	char c;
	assert(exec_fix_msg_char(&m, 123, &c) == 0 && c == 'Y');
	assert(exec_fix_msg_int(&m, 36, &iv) == 0 && iv == 14);
	n = exec_fix_encode_logout(&H, buf, sizeof(buf), 14, now, fix_s("bye"));
	parse_one(buf, n, &m);
	struct exec_fix_str sv;
	assert(exec_fix_msg_str(&m, 58, &sv) == 0 && fix_str_is(sv, "bye"));

	/* BodyLength of 2 and of 4 digits */
	n = exec_fix_encode_heartbeat(&H, buf, sizeof(buf), 1, now, (struct exec_fix_str){ 0 });
	parse_one(buf, n, &m);
	assert(!memcmp(buf, "8=FIX.4.4\0019=", 12) && buf[14] == '\001');
	char big[2000];
	memset(big, 'x', sizeof(big));
	n = exec_fix_encode_logout(&H, buf, sizeof(buf), 99999999, now,
				   (struct exec_fix_str){ big, sizeof(big) });
	parse_one(buf, n, &m);
	assert(buf[16] == '\001' && m.seq == 99999999);

	/* refused values */
	o.symbol = (struct exec_fix_str){ "AM\001ZN", 5 };
	assert(exec_fix_encode_new_order(&H, buf, sizeof(buf), 1, now, &o) == -EINVAL);
	o.symbol = (struct exec_fix_str){ 0 };
	assert(exec_fix_encode_new_order(&H, buf, sizeof(buf), 1, now, &o) == -EINVAL);
	struct exec_fix_header h2;
	char err[128];
	assert(exec_fix_header_init(&h2, "A|B", "X", err, sizeof(err)) == -EINVAL);
	assert(strstr(err, "SenderCompID"));
	assert(exec_fix_header_init(&h2, "A", "", err, sizeof(err)) == -EINVAL);
	assert(strstr(err, "TargetCompID"));
}

static int parse_bar(const char *bar, struct exec_fix_msg *m, struct exec_fix_error *e)
{
	static char b[1024];
	snprintf(b, sizeof(b), "%s", bar);
	fix_soh(b);
	return exec_fix_parse(b, strlen(b), m, e);
}

static void test_errors(void)
{
	struct exec_fix_msg m;
	struct exec_fix_error e;
	char t[256];
	/* the real session's zero-padded BodyLength and empty 57= */
	assert(parse_bar("8=FIX.4.4|9=0000095|35=A|49=sjames8888@gmail_com|56=FIXSIMDEMO|34=1|57=|"
			 "52=20241013-14:03:55.006|98=0|108=30|141=Y|10=000|",
			 &m, &e) == 0);
	assert(m.seq == 1 && exec_fix_msg_find(&m, 57)->len == 0);
	/* bad checksum: both values */
	assert(parse_bar("8=FIX.4.4|9=53|35=0|49=ENGINE|56=EXEC|34=4|52=20261122-02:48:58.358|"
			 "10=188|",
			 &m, &e) == -EBADMSG);
	exec_fix_error_format(&e, t, sizeof(t));
	assert(e.kind == EXEC_FIX_ERR_CHECKSUM && e.got == 189 && e.want == 188);
	if (!strstr(t, "offset 71"))
		fprintf(stderr, "%s\n", t);
	assert(strstr(t, "computed 189") && strstr(t, "says 188") && strstr(t, "offset 71"));
	assert(e.skip == 75);
	/* BodyLength one short, one long (the next message completes the frame) */
	assert(parse_bar("8=FIX.4.4|9=52|35=0|49=ENGINE|56=EXEC|34=4|52=20261122-02:48:58.358|"
			 "10=189|",
			 &m, &e) == -EBADMSG);
	assert(e.kind == EXEC_FIX_ERR_LENGTH && e.skip == 75);
	assert(parse_bar("8=FIX.4.4|9=54|35=0|49=ENGINE|56=EXEC|34=4|52=20261122-02:48:58.358|"
			 "10=189|8=FIX.4.4|9=5|35=0|10=000|",
			 &m, &e) == -EBADMSG);
	assert(e.kind == EXEC_FIX_ERR_LENGTH && e.skip == 75);
	assert(parse_bar("8=FIX.4.4|9=54|35=0|49=ENGINE|56=EXEC|34=4|52=20261122-02:48:58.358|"
			 "10=189|",
			 &m, &e) == EXEC_FIX_PARTIAL);
	/* garbled starts: resynchronise at the next 8=FIX */
	assert(parse_bar("xx8=FIX.4.4|9=5|", &m, &e) == -EBADMSG);
	assert(e.kind == EXEC_FIX_ERR_GARBLED && e.skip == 2);
	assert(parse_bar("8=FIX.4.4|35=0|9=5|", &m, &e) == -EBADMSG && e.tag == 9);
	assert(parse_bar("8=FIX.4.4|9=5x|35=0|", &m, &e) == -EBADMSG && e.tag == 9);
	assert(parse_bar("8=FIX.4.4|9=99999999|35=0|", &m, &e) == -EBADMSG && e.tag == 9);
	assert(parse_bar("8=FIX.4.4|9=12|49=A|35=0|10=000|", &m, &e) == -EBADMSG && e.tag == 35);
	assert(parse_bar("8=FIX.4.4|9=", &m, &e) == EXEC_FIX_PARTIAL);
	assert(parse_bar("8=FIX.4.4|9=00", &m, &e) == EXEC_FIX_PARTIAL);
	assert(parse_bar("8=FIX.4.4|9=12|3", &m, &e) == EXEC_FIX_PARTIAL);
	assert(parse_bar("garbage without a start", &m, &e) == -EBADMSG &&
	       e.skip == strlen("garbage without a start"));
	assert(parse_bar("garbage 8=F", &m, &e) == -EBADMSG && e.skip == 8);
	/* an intact frame with a bad field: the seq and type are known */
	{
		char b[256];
		struct exec_fix_header h;
		exec_fix_header_init(&h, "A", "B", NULL, 0);
		struct exec_fix_builder bd;
		exec_fix_build_begin(&bd, &h, b, sizeof(b), "1", 42, 0, 0);
		exec_fix_put_str(&bd, 112, "x", 1);
		int n = exec_fix_build_end(&bd);
		/* corrupt "112=x" into "11a=x" and fix the checksum */
		char *f = strstr(b, "112=");
		f[2] = 'a';
		unsigned s = 0;
		for (int i = 0; i < n - 7; i++)
			s += (unsigned char)b[i];
		snprintf(b + n - 4, 5, "%03u\001", s % 256);
		assert(exec_fix_parse(b, (size_t)n, &m, &e) == -EBADMSG);
		assert(e.kind == EXEC_FIX_ERR_FORMAT && e.seq == 42 && !strcmp(e.type, "1"));
		assert(e.skip == (uint32_t)n && exec_fix_reject_reason(&e) == 0);
	}
	/* decoders: missing required tag N, out of range, wrong format */
	struct exec_fix_header h;
	exec_fix_header_init(&h, "A", "B", NULL, 0);
	char b[512];
	struct exec_fix_builder bd;
	exec_fix_build_begin(&bd, &h, b, sizeof(b), "8", 3, 0, 0);
	exec_fix_put_str(&bd, 17, "E1", 2);
	int n = exec_fix_build_end(&bd);
	assert(exec_fix_parse(b, (size_t)n, &m, &e) == 0);
	struct exec_fix_exec_report x;
	assert(exec_fix_decode_exec_report(&m, &x, &e) == -EBADMSG);
	exec_fix_error_format(&e, t, sizeof(t));
	assert(e.kind == EXEC_FIX_ERR_MISSING && e.tag == 37 && strstr(t, "missing required tag 37"));
	assert(e.seq == 3 && exec_fix_reject_reason(&e) == 1);
	exec_fix_build_begin(&bd, &h, b, sizeof(b), "8", 4, 0, 0);
	exec_fix_put_str(&bd, 37, "O", 1);
	exec_fix_put_str(&bd, 17, "E", 1);
	exec_fix_put_char(&bd, 150, '0');
	exec_fix_put_char(&bd, 39, '0');
	exec_fix_put_char(&bd, 54, '1');
	exec_fix_put_str(&bd, 151, "100.5", 5); /* a fractional share */
	exec_fix_put_int(&bd, 14, 0);
	exec_fix_put_int(&bd, 6, 0);
	n = exec_fix_build_end(&bd);
	assert(exec_fix_parse(b, (size_t)n, &m, &e) == 0);
	assert(exec_fix_decode_exec_report(&m, &x, &e) == -EBADMSG);
	exec_fix_error_format(&e, t, sizeof(t));
	assert(e.kind == EXEC_FIX_ERR_VALUE && e.tag == 151 && strstr(t, "out of range"));
	assert(exec_fix_reject_reason(&e) == 5);
	assert(e.offset == (uint32_t)(strstr(b, "151=") + 4 - b));
	exec_fix_build_begin(&bd, &h, b, sizeof(b), "D", 5, 0, 0);
	exec_fix_put_str(&bd, 11, "C", 1);
	exec_fix_put_str(&bd, 55, "S", 1);
	exec_fix_put_char(&bd, 54, '1');
	exec_fix_put_str(&bd, 60, "yesterday", 9);
	exec_fix_put_int(&bd, 38, 5);
	exec_fix_put_char(&bd, 40, '2');
	n = exec_fix_build_end(&bd);
	assert(exec_fix_parse(b, (size_t)n, &m, &e) == 0);
	struct exec_fix_order o;
	assert(exec_fix_decode_order(&m, &o, &e) == -EBADMSG);
	assert(e.kind == EXEC_FIX_ERR_DATA && e.tag == 60 && exec_fix_reject_reason(&e) == 6);
	/* too many fields */
	static char bb[4096];
	exec_fix_build_begin(&bd, &h, bb, sizeof(bb), "0", 6, 0, 0);
	for (int k = 0; k < EXEC_FIX_MAX_FIELDS; k++)
		exec_fix_put_int(&bd, 58, 1);
	n = exec_fix_build_end(&bd);
	assert(n > 0 && exec_fix_parse(bb, (size_t)n, &m, &e) == -EBADMSG);
	assert(e.kind == EXEC_FIX_ERR_TOO_MANY && e.skip == (uint32_t)n);
}

/* The NewOrderSingle ClOrdID read back: "<order_id>-<md seq>" only. */
static void test_clord(void)
{
	uint64_t id = 0, seq = 0;
	assert(exec_fix_clord_parse("123-45", 6, &id, &seq) && id == 123 && seq == 45);
	assert(exec_fix_clord_parse("1-0", 3, &id, &seq) && id == 1 && seq == 0);
	assert(exec_fix_clord_parse("9999999999999999999-9999999999999999999", 39, &id, &seq) &&
	       id == 9999999999999999999ull && seq == 9999999999999999999ull);
	static const char *const bad[] = { "", "-", "123", "123-", "-45", "0-45", "12a-4", "12-4x",
		                           "123-C7", "12345678901234567890-1", "1-12345678901234567890",
		                           "1--2" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		id = seq = 77;
		assert(!exec_fix_clord_parse(bad[i], strlen(bad[i]), &id, &seq));
	}
	/* only len bytes are read: "12-3" of "12-34" */
	assert(exec_fix_clord_parse("12-34", 4, &id, &seq) && id == 12 && seq == 3);
}

int main(void)
{
	assert(exec_fix_header_init(&H, "OSPREY", "VENUE", NULL, 0) == 0);
	test_clord();
	test_prices();
	test_times();
	test_capture_bytes();
	test_roundtrip();
	test_errors();
	printf("fix codec: ok\n");
	return 0;
}
