/* Debian's tshark decodes our OUCH 4.2 the way we meant it.
 *
 * A SoupBinTCP session on 127.0.0.1 between core's client and a server this
 * test drives: login; the client sends one message of every inbound kind
 * (core_soup_client_send, each checked by the server's decoder); the server
 * answers with one message of every outbound kind in Sequenced Data (each
 * checked by the client's decoder); logout. The bytes each side read are
 * written, one SoupBinTCP packet per TCP segment with consistent sequence
 * numbers, to a pcap (feeds' writer), and
 *   tshark -r PCAP -d tcp.port==PORT,soupbintcp -T fields -e ...
 * must show every OUCH field of every message equal to the value we sent
 * (tshark's names and formats: characters quoted, prices as integers,
 * timestamps as H:MM:SS.nnnnnnnnn), nothing else, and no malformed packet or
 * expert warning. tshark 4.0 does not know Trade Now ('N'): for it the test
 * checks the Unsequenced Data packet carries our bytes undissected. Exit 77
 * without tshark. */
#undef NDEBUG
#include <arpa/inet.h>
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"
#include "feeds.h"
#include "ouch_samples.h"

/* The tshark fields asked for, in this order; the first two frame the packet. */
static const char *const tfields[] = {
	"frame.number",
	"soupbintcp.packet_type",
	"soupbintcp.message",
	"ouch.packet_type",
	"ouch.timestamp",
	"ouch.order_token",
	"ouch.existing_order_token",
	"ouch.replacement_order_token",
	"ouch.previous_order_token",
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
	"ouch.event_code",
	"ouch.order_reference_number",
	"ouch.order_state",
	"ouch.bbo_weight_indicator",
	"ouch.decrement_shares",
	"ouch.cancel_reason",
	"ouch.quantity_prevented_from_trading",
	"ouch.execution_price",
	"ouch.liquidity_flag",
	"ouch.executed_shares",
	"ouch.match_number",
	"ouch.broken_trade_reason",
	"ouch.reference_price",
	"ouch.reference_price_type",
	"ouch.trade_correction_reason",
	"ouch.reject_reason",
};
#define NF (sizeof(tfields) / sizeof(tfields[0]))

struct expect {
	char v[NF][64];
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

/* What tshark 4.0 shows of one OUCH message (the payload of soup packet type st). */
static void expect_ouch(struct expect *e, const struct exec_ouch_msg *m, const unsigned char *raw)
{
	memset(e, 0, sizeof(*e));
	ch(e, "soupbintcp.packet_type", m->kind <= EXEC_OUCH_TRADE_NOW ? 'U' : 'S');
	if (m->kind == EXEC_OUCH_TRADE_NOW) {
		/* not known to tshark 4.0: the payload as bytes */
		char hex[2 * EXEC_OUCH_MAX_LEN + 1];
		for (unsigned i = 0; i < m->len; i++)
			snprintf(hex + 2 * i, 3, "%02x", raw[i]);
		set(e, "soupbintcp.message", "%s", hex);
		return;
	}
	ch(e, "ouch.packet_type", m->type);
	switch (m->kind) {
	case EXEC_OUCH_ENTER: {
		const struct exec_ouch_enter *o = &m->enter;
		str(e, "ouch.order_token", o->token, 14);
		ch(e, "ouch.buy_sell_indicator", o->side);
		set(e, "ouch.shares", "%u", o->shares);
		str(e, "ouch.stock", o->stock, 8);
		set(e, "ouch.price", "%u", o->price);
		set(e, "ouch.tif", "%u", o->tif);
		str(e, "ouch.firm", o->firm, 4);
		ch(e, "ouch.display", o->display);
		ch(e, "ouch.capacity", o->capacity);
		ch(e, "ouch.iso_eligible", o->iso);
		set(e, "ouch.min_quantity", "%u", o->min_qty);
		ch(e, "ouch.cross_type", o->cross_type);
		ch(e, "ouch.customer_type", o->customer_type);
		break;
	}
	case EXEC_OUCH_REPLACE: {
		const struct exec_ouch_replace *o = &m->replace;
		str(e, "ouch.existing_order_token", o->existing, 14);
		str(e, "ouch.replacement_order_token", o->replacement, 14);
		set(e, "ouch.shares", "%u", o->shares);
		set(e, "ouch.price", "%u", o->price);
		set(e, "ouch.tif", "%u", o->tif);
		ch(e, "ouch.display", o->display);
		ch(e, "ouch.iso_eligible", o->iso);
		set(e, "ouch.min_quantity", "%u", o->min_qty);
		break;
	}
	case EXEC_OUCH_CANCEL:
		str(e, "ouch.order_token", m->cancel.token, 14);
		set(e, "ouch.shares", "%u", m->cancel.shares);
		break;
	case EXEC_OUCH_MODIFY:
		str(e, "ouch.order_token", m->modify.token, 14);
		ch(e, "ouch.buy_sell_indicator", m->modify.side);
		set(e, "ouch.shares", "%u", m->modify.shares);
		break;
	case EXEC_OUCH_SYSTEM_EVENT:
		ts(e, m->system_event.ts_ns);
		ch(e, "ouch.event_code", m->system_event.event);
		break;
	case EXEC_OUCH_ACCEPTED: {
		const struct exec_ouch_accepted *o = &m->accepted;
		ts(e, o->ts_ns);
		str(e, "ouch.order_token", o->token, 14);
		ch(e, "ouch.buy_sell_indicator", o->side);
		set(e, "ouch.shares", "%u", o->shares);
		str(e, "ouch.stock", o->stock, 8);
		set(e, "ouch.price", "%u", o->price);
		set(e, "ouch.tif", "%u", o->tif);
		str(e, "ouch.firm", o->firm, 4);
		ch(e, "ouch.display", o->display);
		set(e, "ouch.order_reference_number", "%" PRIu64, o->order_ref);
		ch(e, "ouch.capacity", o->capacity);
		ch(e, "ouch.iso_eligible", o->iso);
		set(e, "ouch.min_quantity", "%u", o->min_qty);
		ch(e, "ouch.cross_type", o->cross_type);
		ch(e, "ouch.order_state", o->state);
		ch(e, "ouch.bbo_weight_indicator", o->bbo_weight);
		break;
	}
	case EXEC_OUCH_REPLACED: {
		const struct exec_ouch_replaced *o = &m->replaced;
		ts(e, o->ts_ns);
		str(e, "ouch.replacement_order_token", o->token, 14);
		ch(e, "ouch.buy_sell_indicator", o->side);
		set(e, "ouch.shares", "%u", o->shares);
		str(e, "ouch.stock", o->stock, 8);
		set(e, "ouch.price", "%u", o->price);
		set(e, "ouch.tif", "%u", o->tif);
		str(e, "ouch.firm", o->firm, 4);
		ch(e, "ouch.display", o->display);
		set(e, "ouch.order_reference_number", "%" PRIu64, o->order_ref);
		ch(e, "ouch.capacity", o->capacity);
		ch(e, "ouch.iso_eligible", o->iso);
		set(e, "ouch.min_quantity", "%u", o->min_qty);
		ch(e, "ouch.cross_type", o->cross_type);
		ch(e, "ouch.order_state", o->state);
		str(e, "ouch.previous_order_token", o->previous, 14);
		ch(e, "ouch.bbo_weight_indicator", o->bbo_weight);
		break;
	}
	case EXEC_OUCH_CANCELED:
		ts(e, m->canceled.ts_ns);
		str(e, "ouch.order_token", m->canceled.token, 14);
		set(e, "ouch.decrement_shares", "%u", m->canceled.decrement);
		ch(e, "ouch.cancel_reason", m->canceled.reason);
		break;
	case EXEC_OUCH_AIQ_CANCELED: {
		const struct exec_ouch_aiq_canceled *o = &m->aiq_canceled;
		ts(e, o->ts_ns);
		str(e, "ouch.order_token", o->token, 14);
		set(e, "ouch.decrement_shares", "%u", o->decrement);
		ch(e, "ouch.cancel_reason", o->reason);
		set(e, "ouch.quantity_prevented_from_trading", "%u", o->prevented);
		set(e, "ouch.execution_price", "%u", o->price);
		ch(e, "ouch.liquidity_flag", o->liquidity);
		break;
	}
	case EXEC_OUCH_EXECUTED: {
		const struct exec_ouch_executed *o = &m->executed;
		ts(e, o->ts_ns);
		str(e, "ouch.order_token", o->token, 14);
		set(e, "ouch.executed_shares", "%u", o->shares);
		set(e, "ouch.execution_price", "%u", o->price);
		ch(e, "ouch.liquidity_flag", o->liquidity);
		set(e, "ouch.match_number", "%" PRIu64, o->match);
		break;
	}
	case EXEC_OUCH_BROKEN:
		ts(e, m->broken.ts_ns);
		str(e, "ouch.order_token", m->broken.token, 14);
		set(e, "ouch.match_number", "%" PRIu64, m->broken.match);
		ch(e, "ouch.broken_trade_reason", m->broken.reason);
		break;
	case EXEC_OUCH_EXECUTED_REF: {
		const struct exec_ouch_executed_ref *o = &m->executed_ref;
		ts(e, o->ts_ns);
		str(e, "ouch.order_token", o->token, 14);
		set(e, "ouch.executed_shares", "%u", o->shares);
		set(e, "ouch.execution_price", "%u", o->price);
		ch(e, "ouch.liquidity_flag", o->liquidity);
		set(e, "ouch.match_number", "%" PRIu64, o->match);
		set(e, "ouch.reference_price", "%u", o->ref_price);
		set(e, "ouch.reference_price_type", "%u", o->ref_type); /* tshark: a number */
		break;
	}
	case EXEC_OUCH_CORRECTION: {
		const struct exec_ouch_correction *o = &m->correction;
		ts(e, o->ts_ns);
		str(e, "ouch.order_token", o->token, 14);
		set(e, "ouch.executed_shares", "%u", o->shares);
		set(e, "ouch.execution_price", "%u", o->price);
		ch(e, "ouch.liquidity_flag", o->liquidity);
		set(e, "ouch.match_number", "%" PRIu64, o->match);
		ch(e, "ouch.trade_correction_reason", o->reason);
		break;
	}
	case EXEC_OUCH_REJECTED:
		ts(e, m->rejected.ts_ns);
		str(e, "ouch.order_token", m->rejected.token, 14);
		ch(e, "ouch.reject_reason", m->rejected.reason);
		break;
	case EXEC_OUCH_CANCEL_PENDING:
		ts(e, m->cancel_pending.ts_ns);
		str(e, "ouch.order_token", m->cancel_pending.token, 14);
		break;
	case EXEC_OUCH_CANCEL_REJECT:
		ts(e, m->cancel_reject.ts_ns);
		str(e, "ouch.order_token", m->cancel_reject.token, 14);
		break;
	case EXEC_OUCH_PRIORITY:
		ts(e, m->priority.ts_ns);
		str(e, "ouch.order_token", m->priority.token, 14);
		set(e, "ouch.price", "%u", m->priority.price);
		ch(e, "ouch.display", m->priority.display);
		set(e, "ouch.order_reference_number", "%" PRIu64, m->priority.order_ref);
		break;
	case EXEC_OUCH_MODIFIED:
		ts(e, m->modified.ts_ns);
		str(e, "ouch.order_token", m->modified.token, 14);
		ch(e, "ouch.buy_sell_indicator", m->modified.side);
		set(e, "ouch.shares", "%u", m->modified.shares);
		break;
	default:
		assert(0);
	}
}

/* ------------------------------------------------------------------------- */
/* The session, recorded as the frames of a pcap. */

#define MAXF 64
struct frame {
	int from_client;
	uint8_t flags;
	unsigned char data[96];
	size_t len;
	uint64_t ts_ns;
	int ouch_kind; /* the OUCH message it carries (0: none) */
};
static struct frame frames[MAXF];
static unsigned nframes;

static uint64_t wall_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void record(int from_client, uint8_t flags, const void *p, size_t n, int kind)
{
	assert(nframes < MAXF && n <= sizeof(frames[0].data));
	struct frame *f = &frames[nframes++];
	f->from_client = from_client;
	f->flags = flags;
	if (n)
		memcpy(f->data, p, n);
	f->len = n;
	f->ts_ns = wall_ns();
	f->ouch_kind = kind;
}

struct rx {
	int fd;
	unsigned char b[4096];
	size_t len, off;
};

/* Server: the next whole packet from the client, recorded as one frame. */
static void srv_next(struct rx *rx, struct core_soup_pkt *k, int kind)
{
	char err[160];
	for (;;) {
		size_t at = rx->off;
		int r = core_soup_next(rx->b, rx->len, &rx->off, CORE_SOUP_FROM_CLIENT, k, err,
				       sizeof(err));
		if (r == 0) {
			record(1, 0x18, rx->b + at, rx->off - at, kind);
			return;
		}
		assert(r == CORE_EOF || r == CORE_SOUP_PARTIAL);
		memmove(rx->b, rx->b + rx->off, rx->len - rx->off);
		rx->len -= rx->off;
		rx->off = 0;
		struct pollfd pf = { .fd = rx->fd, .events = POLLIN };
		assert(poll(&pf, 1, 2000) == 1);
		ssize_t n = recv(rx->fd, rx->b + rx->len, sizeof(rx->b) - rx->len, 0);
		assert(n > 0);
		rx->len += (size_t)n;
	}
}

static void srv_put(int fd, const unsigned char *p, int n, int kind)
{
	assert(n > 0 && send(fd, p, (size_t)n, MSG_NOSIGNAL) == n);
	record(0, 0x18, p, (size_t)n, kind);
}

static void cl_wait(struct core_soup_client *c, int kind, struct core_soup_event *ev)
{
	uint64_t deadline = core_monotonic_ns() + 5000000000ull;
	for (;;) {
		assert(core_monotonic_ns() < deadline);
		int r = core_soup_client_poll(c, core_monotonic_ns(), ev);
		assert(r >= 0 && r != CORE_EOF);
		if (r == 1 && ev->kind == kind)
			return;
	}
}

static struct rx rx;

int main(void)
{
	if (system("command -v tshark >/dev/null 2>&1") != 0) {
		printf("tshark not installed: skip\n");
		return 77;
	}
	assert(core_clock_init(5) == 0);
	char err[256];

	/* The session. */
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert(lfd >= 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	assert(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(lfd, 1) == 0);
	assert(getsockname(lfd, (struct sockaddr *)&sa, &sl) == 0);
	uint16_t sport = ntohs(sa.sin_port);
	char addr[32];
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", sport);
	struct core_soup_client_cfg cc = { .addr = addr, .username = "OSPREY", .password = "PW",
					   .heartbeat_ns = 30000000000ull };
	struct core_soup_client *c;
	assert(core_soup_client_create(&cc, &c, err, sizeof(err)) == 0);
	struct core_soup_event ev;
	while (core_soup_client_state(c) != CORE_SOUP_CONNECTING)
		assert(core_soup_client_poll(c, core_monotonic_ns(), &ev) >= 0);
	rx.fd = accept(lfd, NULL, NULL);
	assert(rx.fd >= 0);
	struct sockaddr_in peer;
	sl = sizeof(peer);
	assert(getpeername(rx.fd, (struct sockaddr *)&peer, &sl) == 0);
	uint16_t cport = ntohs(peer.sin_port);
	record(1, 0x02, NULL, 0, 0); /* SYN */
	record(0, 0x12, NULL, 0, 0); /* SYN, ACK */
	record(1, 0x10, NULL, 0, 0); /* ACK */
	while (core_soup_client_state(c) != CORE_SOUP_LOGIN_SENT)
		assert(core_soup_client_poll(c, core_monotonic_ns(), &ev) >= 0);
	struct core_soup_pkt k;
	srv_next(&rx, &k, 0);
	assert(k.type == 'L' && !strcmp(k.username, "OSPREY") && k.seq == 1);
	unsigned char p[256];
	srv_put(rx.fd, p, core_soup_put_accepted(p, sizeof(p), "OUCHTEST01", 1), 0);
	cl_wait(c, CORE_SOUP_EV_LOGIN, &ev);

	struct exec_ouch_msg sample[EXEC_OUCH_KINDS];
	unsigned char raw[EXEC_OUCH_KINDS][EXEC_OUCH_MAX_LEN];
	uint64_t seq = 0;
	for (int kind = 1; kind < EXEC_OUCH_KINDS; kind++) {
		int len = ouch_sample(kind, &sample[kind], raw[kind]);
		struct exec_ouch_msg got;
		if (ouch_sample_dir(kind) == EXEC_OUCH_INBOUND) {
			/* the client encodes and sends, the server decodes */
			unsigned char b[EXEC_OUCH_MAX_LEN];
			assert(exec_ouch_encode(b, sizeof(b), &sample[kind]) == len);
			assert(core_soup_client_send(c, b, (size_t)len, core_monotonic_ns()) == 0);
			srv_next(&rx, &k, kind);
			assert(k.type == 'U' && k.len == len);
			assert(exec_ouch_decode(k.payload, k.len, EXEC_OUCH_INBOUND, &got, err,
						sizeof(err)) == kind);
		} else {
			/* the server encodes and sends, the client decodes */
			unsigned char b[EXEC_OUCH_MAX_LEN];
			assert(exec_ouch_encode(b, sizeof(b), &sample[kind]) == len);
			srv_put(rx.fd, p, core_soup_put_sequenced(p, sizeof(p), b, (size_t)len), kind);
			cl_wait(c, CORE_SOUP_EV_DATA, &ev);
			assert(ev.seq == ++seq && ev.len == len);
			assert(exec_ouch_decode(ev.data, ev.len, EXEC_OUCH_OUTBOUND, &got, err,
						sizeof(err)) == kind);
		}
		unsigned char re[EXEC_OUCH_MAX_LEN];
		assert(exec_ouch_encode(re, sizeof(re), &got) == len && !memcmp(re, raw[kind], (size_t)len));
	}
	assert(core_soup_client_logout(c, core_monotonic_ns()) == 0);
	srv_next(&rx, &k, 0);
	assert(k.type == 'O');
	close(rx.fd);
	record(0, 0x11, NULL, 0, 0); /* FIN, ACK */
	int r;
	while ((r = core_soup_client_poll(c, core_monotonic_ns(), &ev)) != CORE_EOF)
		assert(r == 0);
	record(1, 0x11, NULL, 0, 0);
	core_soup_client_destroy(c);
	close(lfd);

	/* The pcap. */
	char dir[] = "/tmp/osprey-ouch-tshark.XXXXXX";
	assert(mkdtemp(dir));
	char pcap[600];
	snprintf(pcap, sizeof(pcap), "%s/ouch.pcap", dir);
	struct feeds_pcap_writer *w;
	assert(feeds_pcap_writer_open(pcap, &w, err, sizeof(err)) == 0);
	uint32_t seqn[2] = { 1000, 700000 }; /* [0] client, [1] server */
	const uint32_t lo = 0x7f000001;
	for (unsigned i = 0; i < nframes; i++) {
		const struct frame *f = &frames[i];
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
	unsigned fno = 0, checked = 0, bad = 0;
	while (fgets(line, sizeof(line), pf)) {
		line[strcspn(line, "\n")] = 0;
		assert(fno < nframes);
		const struct frame *f = &frames[fno++];
		struct expect e;
		memset(&e, 0, sizeof(e));
		if (f->ouch_kind) {
			expect_ouch(&e, &sample[f->ouch_kind], raw[f->ouch_kind]);
			checked++;
		} else if (f->len) {
			ch(&e, "soupbintcp.packet_type", f->data[2]);
		}
		set(&e, "frame.number", "%u", fno);
		char *s = line;
		for (size_t i = 0; i < NF; i++) {
			char *sep = strchr(s, '|');
			if (sep)
				*sep = 0;
			if (strcmp(s, e.v[i])) {
				fprintf(stderr, "frame %u (%s): %s is '%s', expected '%s'\n", fno,
					f->ouch_kind ? exec_ouch_name(f->ouch_kind) : "-", tfields[i],
					s, e.v[i]);
				bad++;
			}
			s = sep ? sep + 1 : s + strlen(s);
		}
	}
	assert(pclose(pf) == 0);
	printf("tshark: %u frames, %u OUCH messages (%d kinds) checked field for field, %u "
	       "differences\n",
	       fno, checked, EXEC_OUCH_KINDS - 1, bad);
	assert(fno == nframes && checked == EXEC_OUCH_KINDS - 1 && bad == 0);

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
	unlink(pcap);
	rmdir(dir);
	printf("tshark: no malformed packet, no expert warning\n");
	return 0;
}
