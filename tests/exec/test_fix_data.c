/* Real FIX 4.4 traffic through our parser:
 * - every message of $OSPREY_SHARED/data/fix/jspurefix_fixsim_fix44_session.txt
 *   ('|' -> SOH; zero-padded 9=0000095, empty 57=): 46 messages, each parses
 *   with a valid checksum and its independent frame check agrees;
 * - the TCP payloads of data/pcap/fix_session.pcapng (a session against a
 *   QuickFIX acceptor), each direction's bytes concatenated and parsed as a
 *   stream: 6 messages from ENGINE, 5 from EXEC, the orders and execution
 *   reports decoded field for field.
 * Skips (77) when the data folder is absent. */
#undef NDEBUG
#include <assert.h>

#include "feeds.h"
#include "fix_util.h"

static unsigned parse_stream(const char *b, size_t n, char types[][3], unsigned cap)
{
	size_t off = 0;
	unsigned k = 0;
	while (off < n) {
		struct exec_fix_msg m;
		struct exec_fix_error e;
		int r = exec_fix_parse(b + off, n - off, &m, &e);
		if (r) {
			char t[256];
			exec_fix_error_format(&e, t, sizeof(t));
			fprintf(stderr, "at %zu: r=%d %s\n", off, r, t);
		}
		assert(r == 0);
		assert(fix_frame_ok(b + off, m.len) == 0);
		assert(m.seq > 0 && m.sender.len && m.target.len && m.sending_time.len);
		uint64_t ns;
		assert(exec_fix_parse_time(m.sending_time.p, m.sending_time.len, &ns) == 0);
		assert(k < cap);
		memcpy(types[k++], m.type, 3);
		off += m.len;
	}
	return k;
}

static int test_session_file(const char *dir)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/data/fix/jspurefix_fixsim_fix44_session.txt", dir);
	size_t len = 0;
	unsigned char *txt = fix_slurp(path, &len);
	if (!txt)
		return 0;
	/* one message per line: parse each line alone, then the whole file as one
	 * stream (newlines removed) */
	char *stream = malloc(len);
	size_t sn = 0;
	unsigned lines = 0, heartbeats = 0;
	for (char *line = (char *)txt; *line;) {
		char *nl = strchr(line, '\n');
		size_t ll = nl ? (size_t)(nl - line) : strlen(line);
		if (ll) {
			char *msg = strndup(line, ll);
			fix_soh(msg);
			struct exec_fix_msg m;
			struct exec_fix_error e;
			int r = exec_fix_parse(msg, ll, &m, &e);
			if (r) {
				char t[256];
				exec_fix_error_format(&e, t, sizeof(t));
				fprintf(stderr, "line %u: %s\n", lines + 1, t);
			}
			assert(r == 0 && m.len == ll && fix_frame_ok(msg, ll) == 0);
			heartbeats += !strcmp(m.type, "0");
			memcpy(stream + sn, msg, ll);
			sn += ll;
			free(msg);
			lines++;
		}
		line = nl ? nl + 1 : line + ll;
	}
	assert(lines == 46 && heartbeats == 38);
	char types[64][3];
	assert(parse_stream(stream, sn, types, 64) == 46);
	assert(!strcmp(types[0], "A") && !strcmp(types[45], "0"));
	/* the NewOrderSingle the simulator sent */
	for (size_t off = 0; off < sn;) {
		struct exec_fix_msg m;
		struct exec_fix_error e;
		assert(exec_fix_parse(stream + off, sn - off, &m, &e) == 0);
		if (!strcmp(m.type, "D")) {
			struct exec_fix_order o;
			assert(exec_fix_decode_order(&m, &o, &e) == 0);
			assert(fix_str_is(o.cl_ord_id, "567638644253361428000"));
			assert(fix_str_is(o.symbol, "VOD.L") && o.side == '1' && o.qty == 100);
			assert(o.px == 1000000 && o.ord_type == '2' && o.tif == '0');
		}
		off += m.len;
	}
	free(stream);
	free(txt);
	printf("session file: %u messages parsed, checksums valid\n", lines);
	return 1;
}

static int test_pcap(const char *dir)
{
	char path[1024], err[256];
	snprintf(path, sizeof(path), "%s/data/pcap/fix_session.pcapng", dir);
	size_t len = 0;
	unsigned char *cap = fix_slurp(path, &len);
	if (!cap)
		return 0;
	struct feeds_pcap p;
	assert(feeds_pcap_init(&p, cap, len, path, err, sizeof(err)) == 0);
	static char to_acc[8192], to_ini[8192];
	size_t na = 0, ni = 0;
	struct feeds_pcap_rec rec;
	int r;
	while ((r = feeds_pcap_next(&p, &rec, err, sizeof(err))) == 0) {
		struct feeds_ip_view v;
		if (feeds_pcap_ip(&rec, &v, err, sizeof(err)) || v.proto != 6 || !v.len)
			continue;
		if (v.dport == 9878) {
			assert(na + v.len <= sizeof(to_acc));
			memcpy(to_acc + na, v.payload, v.len);
			na += v.len;
		} else {
			assert(ni + v.len <= sizeof(to_ini));
			memcpy(to_ini + ni, v.payload, v.len);
			ni += v.len;
		}
	}
	assert(r == CORE_EOF);
	char ta[16][3], ti[16][3];
	unsigned ka = parse_stream(to_acc, na, ta, 16), ki = parse_stream(to_ini, ni, ti, 16);
	assert(ka == 6 && ki == 5);
	const char *want_a[] = { "A", "D", "F", "0", "1", "5" };
	const char *want_i[] = { "A", "8", "8", "0", "5" };
	for (unsigned k = 0; k < ka; k++)
		assert(!strcmp(ta[k], want_a[k]));
	for (unsigned k = 0; k < ki; k++)
		assert(!strcmp(ti[k], want_i[k]));
	/* the acceptor's reports: a fill of C1, the cancel of C1 by C2 */
	size_t off = 0;
	unsigned reports = 0;
	while (off < ni) {
		struct exec_fix_msg m;
		struct exec_fix_error e;
		assert(exec_fix_parse(to_ini + off, ni - off, &m, &e) == 0);
		if (!strcmp(m.type, "8")) {
			struct exec_fix_exec_report x;
			assert(exec_fix_decode_exec_report(&m, &x, &e) == 0);
			if (reports++ == 0) {
				assert(x.exec_type == 'F' && x.ord_status == '2');
				assert(fix_str_is(x.cl_ord_id, "C1") && fix_str_is(x.order_id, "O1"));
				assert(x.last_qty == 100 && x.last_px == 1892500);
				assert(x.avg_px == 1892500 && x.cum_qty == 100 && x.leaves_qty == 0);
			} else {
				assert(x.exec_type == '4' && x.ord_status == '4');
				assert(fix_str_is(x.orig_cl_ord_id, "C1") &&
				       fix_str_is(x.cl_ord_id, "C2"));
				assert(x.avg_px == 0 && x.cum_qty == 0 && x.last_qty == 0);
			}
		}
		off += m.len;
	}
	assert(reports == 2);
	/* the engine's orders */
	off = 0;
	while (off < na) {
		struct exec_fix_msg m;
		struct exec_fix_error e;
		assert(exec_fix_parse(to_acc + off, na - off, &m, &e) == 0);
		if (!strcmp(m.type, "D") || !strcmp(m.type, "F")) {
			struct exec_fix_order o;
			assert(exec_fix_decode_order(&m, &o, &e) == 0);
			assert(fix_str_is(o.symbol, "AAPL") && o.qty == 100 && o.side == '1');
		}
		off += m.len;
	}
	free(cap);
	printf("fix_session.pcapng: %u + %u messages parsed, checksums valid\n", ka, ki);
	return 1;
}

int main(void)
{
	const char *dir = getenv("OSPREY_SHARED");
	if (!dir) {
		printf("OSPREY_SHARED not set: skip\n");
		return 77;
	}
	int ran = test_session_file(dir) + test_pcap(dir);
	if (!ran) {
		printf("no FIX data under %s: skip\n", dir);
		return 77;
	}
	return 0;
}
