/* Debian's tshark decodes the OUCH gateway's session the way the gateway
 * meant it.
 *
 * The exec stage with the OUCH 4.2 gateway against the scripted venue
 * (ouch_venue.h) on 127.0.0.1, one connection: login; Enter Orders (DAY and
 * IOC, two instruments, both sides), the venue's Accepted and Canceled, an
 * ORDER_CANCEL and an ORDER_CANCEL_ALL (Cancel Orders), end of stream and
 * logout. Every SoupBinTCP packet either way is written, one per TCP segment
 * with consistent sequence numbers, to a pcap (feeds' writer), and
 *   tshark -r PCAP -d tcp.port==PORT,soupbintcp -T fields -e ...
 * must show, for every Unsequenced Data packet, exactly one Enter Order or
 * Cancel Order the test expected from the order messages it gave the stage
 * (token from the order id and md seq, the instrument's symbol from the md
 * stream, side, shares, price, TIF 99998 or 0, firm, display 'Y', capacity
 * 'A', ISO 'N', min qty 0, cross type 'N', customer type 'R'; cancels with
 * shares 0), field for field, every one of them once; for every Sequenced
 * Data packet the fields the venue sent; for the session packets their type
 * alone; no malformed packet or expert warning; and every code we send
 * (TIF, display, capacity, ISO, cross type, customer type) shown by its
 * name in tshark's detail view, none as unknown. Exit 77 without tshark. */
#undef NDEBUG
#include "ouch_venue.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>

#include "feeds.h"

/* The tshark fields asked for, in this order; the first two frame the packet. */
static const char *const tfields[] = {
	"frame.number",
	"soupbintcp.packet_type",
	"ouch.packet_type",
	"ouch.timestamp",
	"ouch.order_token",
	"ouch.buy_sell_indicator",
	"ouch.shares",
	"ouch.stock",
	"ouch.price",
	"ouch.tif",
	"ouch.firm",
	"ouch.display",
	"ouch.capacity",
	"ouch.iso_eligible",
	"ouch.min_quantity",
	"ouch.cross_type",
	"ouch.customer_type",
	"ouch.order_reference_number",
	"ouch.order_state",
	"ouch.bbo_weight_indicator",
	"ouch.decrement_shares",
	"ouch.cancel_reason",
};
#define NF (sizeof(tfields) / sizeof(tfields[0]))

struct expect {
	char v[NF][64];
	bool used;
};

static void set(struct expect *e, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set(struct expect *e, const char *field, const char *fmt, ...)
{
	for (size_t i = 0; i < NF; i++) {
		if (strcmp(tfields[i], field))
			continue;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->v[i], sizeof(e->v[i]), fmt, ap);
		va_end(ap);
		return;
	}
	assert(!"no such field");
}

static void ch(struct expect *e, const char *field, uint8_t c)
{
	set(e, field, "'%c'", c);
}

static void str(struct expect *e, const char *field, const char *p, size_t n)
{
	set(e, field, "%.*s", (int)n, p);
}

static void ts(struct expect *e, uint64_t ns)
{
	uint64_t s = ns / 1000000000u;
	set(e, "ouch.timestamp", "%u:%02u:%02u.%09u", (unsigned)(s / 3600), (unsigned)(s % 3600 / 60),
	    (unsigned)(s % 60), (unsigned)(ns % 1000000000u));
}

/* ------------------------------------------------------------------------- */
/* What the gateway means to send, from the order messages alone. */

#define MAXX 32
static struct expect want_u[MAXX]; /* Enter / Cancel Orders */
static unsigned nwant_u;

static const char *symbol_of(uint16_t locate)
{
	return locate == 1 ? "AMZN" : "MSFT";
}

static void token_of(char t[EXEC_TOKEN_LEN], uint64_t id, uint64_t seq)
{
	assert(exec_order_token_put(t, id, seq) == 0);
}

static void want_enter(const struct order_msg *m, bool ioc)
{
	assert(nwant_u < MAXX);
	struct expect *e = &want_u[nwant_u++];
	memset(e, 0, sizeof(*e));
	char t[EXEC_TOKEN_LEN], stock[8], firm[4];
	token_of(t, m->order_id, m->seq);
	assert(exec_ouch_alpha_set(stock, 8, symbol_of(m->locate)) == 0);
	assert(exec_ouch_alpha_set(firm, 4, "OSPR") == 0);
	ch(e, "soupbintcp.packet_type", 'U');
	ch(e, "ouch.packet_type", 'O');
	str(e, "ouch.order_token", t, 14);
	ch(e, "ouch.buy_sell_indicator", m->side);
	set(e, "ouch.shares", "%u", m->qty);
	str(e, "ouch.stock", stock, 8);
	set(e, "ouch.price", "%u", m->px);
	set(e, "ouch.tif", "%u", ioc ? 0u : 99998u);
	str(e, "ouch.firm", firm, 4);
	ch(e, "ouch.display", 'Y');
	ch(e, "ouch.capacity", 'A');
	ch(e, "ouch.iso_eligible", 'N');
	set(e, "ouch.min_quantity", "0");
	ch(e, "ouch.cross_type", 'N');
	ch(e, "ouch.customer_type", 'R');
}

static void want_cancel(const struct order_msg *m)
{
	assert(nwant_u < MAXX);
	struct expect *e = &want_u[nwant_u++];
	memset(e, 0, sizeof(*e));
	char t[EXEC_TOKEN_LEN];
	token_of(t, m->order_id, m->seq);
	ch(e, "soupbintcp.packet_type", 'U');
	ch(e, "ouch.packet_type", 'X');
	str(e, "ouch.order_token", t, 14);
	set(e, "ouch.shares", "0");
}

/* What tshark shows of a venue message (Accepted or Canceled here). */
static void expect_outbound(struct expect *e, const unsigned char *p, size_t n)
{
	struct exec_ouch_msg m;
	char err[160];
	assert(exec_ouch_decode(p, n, EXEC_OUCH_OUTBOUND, &m, err, sizeof(err)) > 0);
	ch(e, "ouch.packet_type", m.type);
	if (m.kind == EXEC_OUCH_ACCEPTED) {
		const struct exec_ouch_accepted *a = &m.accepted;
		ts(e, a->ts_ns);
		str(e, "ouch.order_token", a->token, 14);
		ch(e, "ouch.buy_sell_indicator", a->side);
		set(e, "ouch.shares", "%u", a->shares);
		str(e, "ouch.stock", a->stock, 8);
		set(e, "ouch.price", "%u", a->price);
		set(e, "ouch.tif", "%u", a->tif);
		str(e, "ouch.firm", a->firm, 4);
		ch(e, "ouch.display", a->display);
		set(e, "ouch.order_reference_number", "%" PRIu64, a->order_ref);
		ch(e, "ouch.capacity", a->capacity);
		ch(e, "ouch.iso_eligible", a->iso);
		set(e, "ouch.min_quantity", "%u", a->min_qty);
		ch(e, "ouch.cross_type", a->cross_type);
		ch(e, "ouch.order_state", a->state);
		ch(e, "ouch.bbo_weight_indicator", a->bbo_weight);
	} else {
		assert(m.kind == EXEC_OUCH_CANCELED);
		ts(e, m.canceled.ts_ns);
		str(e, "ouch.order_token", m.canceled.token, 14);
		set(e, "ouch.decrement_shares", "%u", m.canceled.decrement);
		ch(e, "ouch.cancel_reason", m.canceled.reason);
	}
}

/* ------------------------------------------------------------------------- */
/* The session. */

static struct ov ov;
static struct core_ring *orders, *md, *reports;
static struct exec_stage *stage;
static struct exec_report got[256];
static unsigned ngot;
static int last_rc;

static void step(void)
{
	uint32_t w = 0;
	last_rc = exec_stage_poll(stage, &w);
	assert(last_rc == 0 || last_rc == CORE_EOF);
	struct exec_report r;
	while (core_ring_pop(reports, &r) == 0) {
		assert(ngot < 256);
		got[ngot++] = r;
	}
	ov_pump(&ov);
	if (!w)
		usleep(20);
}

/* Run until n reports have come (or fail after 5 s). */
static void until_reports(unsigned n)
{
	uint64_t end = ov_mono_ns() + 5000000000ull;
	while (ngot < n) {
		assert(ov_mono_ns() < end);
		step();
	}
}

static void until_inbound(unsigned n)
{
	uint64_t end = ov_mono_ns() + 5000000000ull;
	while (ov.nin < n) {
		assert(ov_mono_ns() < end);
		step();
	}
}

static struct order_msg order(uint64_t id, uint8_t kind, uint16_t locate, uint8_t side,
                              uint32_t qty, uint32_t px, uint8_t flags)
{
	struct order_msg m = { .t0_ns = core_now_ns(),
		               .seq = 40 + 3 * id, /* any md seq: the token carries it */
		               .order_id = id,
		               .px = px,
		               .qty = qty,
		               .locate = locate,
		               .side = side,
		               .kind = kind,
		               .flags = flags };
	assert(core_ring_push(orders, &m) == 0);
	return m;
}

static uint64_t vts = 36000123456789ull; /* 10:00:00.123456789 */

static void v_accepted(const struct order_msg *o, uint32_t tif)
{
	struct exec_ouch_msg m = { .kind = EXEC_OUCH_ACCEPTED };
	struct exec_ouch_accepted *a = &m.accepted;
	a->ts_ns = vts += 1234;
	token_of(a->token, o->order_id, o->seq);
	a->side = o->side;
	a->shares = o->qty;
	assert(exec_ouch_alpha_set(a->stock, 8, symbol_of(o->locate)) == 0);
	a->price = o->px;
	a->tif = tif;
	assert(exec_ouch_alpha_set(a->firm, 4, "OSPR") == 0);
	a->display = 'Y';
	a->order_ref = 7000 + o->order_id;
	a->capacity = 'A';
	a->iso = 'N';
	a->cross_type = 'N';
	a->state = 'L';
	a->bbo_weight = ' ';
	ov_emit(&ov, &m);
}

static void v_canceled(const struct order_msg *o, uint32_t dec, uint8_t reason)
{
	struct exec_ouch_msg m = { .kind = EXEC_OUCH_CANCELED };
	m.canceled.ts_ns = vts += 1234;
	token_of(m.canceled.token, o->order_id, o->seq);
	m.canceled.decrement = dec;
	m.canceled.reason = reason;
	ov_emit(&ov, &m);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (system("command -v tshark >/dev/null 2>&1") != 0) {
		printf("tshark not installed: skip\n");
		return 77;
	}
	assert(core_clock_init(5) == 0);
	ov_start(&ov, "OSPREY", "SECRET");
	ov.record = true;
	char addr[32], err[256];
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", ov.port);
	orders = core_ring_create("orders", 64, sizeof(struct order_msg));
	md = core_ring_create("md", 64, sizeof(struct md_event));
	reports = core_ring_create("reports", 256, sizeof(struct exec_report));
	struct exec_ouch_gw *gw;
	struct exec_ouch_gw_config gc = { .connect = addr,
		                          .user = "OSPREY",
		                          .password = "SECRET",
		                          .firm = "OSPR",
		                          .drain_ns = 2000000000ull,
		                          .recv_every_ns = 1000,
		                          .max_orders = 64 };
	assert(exec_ouch_gw_create(&gc, &gw, err, sizeof(err)) == 0);
	struct exec_config xc = { .orders_in = orders,
		                  .md_in = md,
		                  .reports_out = reports,
		                  .venue = exec_ouch_gw_venue(gw),
		                  .max_orders = 64 };
	assert(exec_stage_create(&xc, &stage, err, sizeof(err)) == 0);
	struct md_event dir = { .seq = 1, .locate = 1, .kind = MD_STATUS, .msg_type = 'R' };
	memcpy(&dir.ref, "AMZN    ", 8);
	assert(core_ring_push(md, &dir) == 0);
	dir.seq = 2;
	dir.locate = 2;
	memcpy(&dir.ref, "MSFT    ", 8);
	assert(core_ring_push(md, &dir) == 0);
	struct md_event later = { .seq = 100, .kind = MD_STATUS, .msg_type = 'S' };
	assert(core_ring_push(md, &later) == 0);
	uint64_t end = ov_mono_ns() + 5000000000ull;
	while (!(ngot && got[ngot - 1].kind == EXEC_SESSION &&
	         got[ngot - 1].reason == EXEC_SESSION_UP)) {
		assert(ov_mono_ns() < end);
		step();
	}

	/* Orders, both sides, two instruments, DAY and IOC. */
	struct order_msg o1 = order(1, ORDER_NEW, 1, 'B', 100, 1892500, 0);
	struct order_msg o2 = order(2, ORDER_NEW, 2, 'S', 50, 4100100, ORDER_F_FLATTEN);
	struct order_msg o3 = order(3, ORDER_NEW, 1, 'B', 10, 1880000, 0);
	struct order_msg o4 = order(4, ORDER_NEW, 2, 'S', 7, 4200000, 0);
	want_enter(&o1, false);
	want_enter(&o2, true);
	want_enter(&o3, false);
	want_enter(&o4, false);
	until_inbound(4);
	v_accepted(&o1, 99998);
	v_accepted(&o2, 0);
	v_canceled(&o2, 50, 'I');
	v_accepted(&o3, 99998);
	v_accepted(&o4, 99998);
	unsigned n0 = ngot;
	until_reports(n0 + 5);
	/* A cancel, then a cancel-all over what is left (orders 3 and 4). */
	order(1, ORDER_CANCEL, 1, 'B', 0, 0, 0);
	want_cancel(&o1);
	until_inbound(5);
	v_canceled(&o1, 100, 'U');
	until_reports(n0 + 6);
	struct order_msg ca = { .seq = 90, .kind = ORDER_CANCEL_ALL };
	assert(core_ring_push(orders, &ca) == 0);
	want_cancel(&o3);
	want_cancel(&o4);
	until_inbound(7);
	v_canceled(&o4, 7, 'U');
	v_canceled(&o3, 10, 'U');
	until_reports(n0 + 8);
	for (unsigned i = n0; i < ngot; i++)
		assert(got[i].kind == EXEC_ACK || got[i].kind == EXEC_CANCELED);
	/* End of stream: drain, logout, the venue closes. */
	struct order_msg eos = { .seq = 99, .kind = ORDER_EOS };
	assert(core_ring_push(orders, &eos) == 0);
	struct md_event meos = { .kind = MD_EOS };
	assert(core_ring_push(md, &meos) == 0);
	end = ov_mono_ns() + 5000000000ull;
	while (last_rc != CORE_EOF) {
		assert(ov_mono_ns() < end);
		step();
	}
	assert(ov.logouts == 1 && ov.nconns == 1 && ov.bad_in == 0);
	struct exec_ouch_gw_stats gs;
	exec_ouch_gw_stats(gw, &gs);
	assert(gs.enters == 4 && gs.cancels == 3);
	exec_stage_destroy(stage);
	exec_ouch_gw_destroy(gw);
	ov_stop(&ov);

	/* The pcap. */
	char dir_[] = "/tmp/osprey-gw-ouch-tshark.XXXXXX";
	assert(mkdtemp(dir_));
	char pcap[600];
	snprintf(pcap, sizeof(pcap), "%s/gw_ouch.pcap", dir_);
	struct feeds_pcap_writer *w;
	assert(feeds_pcap_writer_open(pcap, &w, err, sizeof(err)) == 0);
	uint32_t seqn[2] = { 1000, 700000 }; /* [0] client, [1] server */
	const uint32_t lo = 0x7f000001;
	uint16_t sport = ov.port, cport = ov.client_port;
	for (unsigned i = 0; i < ov.nframes; i++) {
		const struct ov_frame *f = &ov.frames[i];
		int me = f->from_client ? 0 : 1;
		uint32_t ack = (f->flags & 0x10) ? seqn[1 - me] : 0;
		assert(feeds_pcap_write_tcp(w, f->ts_ns, lo, me ? sport : cport, lo,
		                            me ? cport : sport, seqn[me], ack, f->flags, f->data,
		                            f->len) == 0);
		seqn[me] += (uint32_t)f->len + ((f->flags & 0x03) ? 1 : 0); /* SYN, FIN count 1 */
	}
	assert(feeds_pcap_writer_close(w) == 0);

	/* tshark, field by field. */
	char cmd[4096];
	int n = snprintf(cmd, sizeof(cmd),
	                 "tshark -r %s -d tcp.port==%u,soupbintcp -T fields -E separator='|' "
	                 "-E occurrence=a",
	                 pcap, sport);
	for (size_t i = 0; i < NF; i++)
		n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, " -e %s", tfields[i]);
	snprintf(cmd + n, sizeof(cmd) - (size_t)n, " 2>/dev/null");
	FILE *pf = popen(cmd, "r");
	assert(pf);
	char line[2048];
	unsigned fno = 0, ours = 0, venue = 0, bad = 0;
	while (fgets(line, sizeof(line), pf)) {
		line[strcspn(line, "\n")] = 0;
		assert(fno < ov.nframes);
		const struct ov_frame *f = &ov.frames[fno++];
		char *val[NF];
		char *s = line;
		for (size_t i = 0; i < NF; i++) {
			char *sep = strchr(s, '|');
			if (sep)
				*sep = 0;
			val[i] = s;
			s = sep ? sep + 1 : s + strlen(s);
		}
		struct expect e;
		memset(&e, 0, sizeof(e));
		const struct expect *x = &e;
		if (f->len && f->data[2] == 'U') {
			/* the expected message with this type and token, not used yet */
			x = NULL;
			for (unsigned k = 0; k < nwant_u && !x; k++)
				if (!want_u[k].used && !strcmp(want_u[k].v[2], val[2]) &&
				    !strcmp(want_u[k].v[4], val[4]))
					x = &want_u[k];
			if (!x) {
				fprintf(stderr, "frame %u: an Unsequenced Data packet the gateway did "
				                "not mean to send: %s\n",
				        fno, line);
				bad++;
				continue;
			}
			want_u[x - want_u].used = true;
			ours++;
		} else if (f->len && f->data[2] == 'S') {
			ch(&e, "soupbintcp.packet_type", 'S');
			expect_outbound(&e, f->data + 3, f->len - 3);
			venue++;
		} else if (f->len) {
			ch(&e, "soupbintcp.packet_type", f->data[2]);
		}
		char fnum[16];
		snprintf(fnum, sizeof(fnum), "%u", fno);
		for (size_t i = 0; i < NF; i++) {
			const char *want = i == 0 ? fnum : x->v[i];
			if (strcmp(val[i], want)) {
				fprintf(stderr, "frame %u: %s is '%s', expected '%s'\n", fno, tfields[i],
				        val[i], want);
				bad++;
			}
		}
	}
	assert(pclose(pf) == 0);
	unsigned unused = 0;
	for (unsigned k = 0; k < nwant_u; k++)
		if (!want_u[k].used) {
			fprintf(stderr, "never on the wire: %s %s\n", want_u[k].v[2], want_u[k].v[4]);
			unused++;
		}
	printf("tshark: %u frames; %u Enter/Cancel Orders of the gateway and %u venue messages "
	       "checked field for field; %u differences, %u expected messages missing\n",
	       fno, ours, venue, bad, unused);
	assert(fno == ov.nframes && ours == nwant_u && ours == 7 && venue == 8 && bad == 0 &&
	       unused == 0);

	/* No malformed packet, no expert warning or error (notes such as FIN are fine). */
	snprintf(cmd, sizeof(cmd),
	         "tshark -r %s -d tcp.port==%u,soupbintcp -Y '_ws.malformed || "
	         "_ws.expert.severity >= 0x00600000' -T fields -e frame.number -e "
	         "_ws.expert.message 2>/dev/null",
	         pcap, sport);
	pf = popen(cmd, "r");
	assert(pf);
	unsigned flagged = 0;
	while (fgets(line, sizeof(line), pf)) {
		fprintf(stderr, "tshark flags frame: %s", line);
		flagged++;
	}
	assert(pclose(pf) == 0);
	assert(flagged == 0);
	printf("tshark: no malformed packet, no expert warning\n");

	/* The codes are ones tshark knows by name (its value strings), none unknown. */
	snprintf(cmd, sizeof(cmd), "tshark -r %s -d tcp.port==%u,soupbintcp -V 2>/dev/null", pcap,
	         sport);
	pf = popen(cmd, "r");
	assert(pf);
	static const char *const named[] = {
		"Time In Force: Market Hours (99998)",
		"Time In Force: Immediate Or Cancel (0)",
		"Display: Anonymous-Price to Comply ('Y')",
		"Capacity: Agency ('A')",
		"Intermarket Sweep Eligibility: Not eligible ('N')",
		"Cross Type: No Cross ('N')",
		"Customer Type: Retail designated order ('R')",
	};
	/* in the 4 Enter Orders (and the 4 Accepted, which repeat all but the customer type) */
	static const unsigned times[] = { 6, 2, 8, 8, 8, 8, 4 };
	unsigned seen[sizeof(named) / sizeof(named[0])] = { 0 }, unknown = 0;
	while (fgets(line, sizeof(line), pf)) {
		for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
			if (strstr(line, named[i]))
				seen[i]++;
		if (strstr(line, "Unknown")) {
			fprintf(stderr, "tshark: %s", line);
			unknown++;
		}
	}
	assert(pclose(pf) == 0);
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		if (seen[i] != times[i])
			fprintf(stderr, "tshark -V: '%s' %u times, expected %u\n", named[i], seen[i],
			        times[i]);
		assert(seen[i] == times[i]);
	}
	assert(unknown == 0);
	printf("tshark: TIF, display, capacity, ISO, cross and customer type decoded by name\n");
	unlink(pcap);
	rmdir(dir_);
	core_ring_destroy(orders);
	core_ring_destroy(md);
	core_ring_destroy(reports);
	return 0;
}
