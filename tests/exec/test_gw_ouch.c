/*
 * The exec stage with the OUCH 4.2 order gateway against a scripted OUCH
 * venue on SoupBinTCP (ouch_venue.h, driven from this thread between the
 * stage's polls), on 127.0.0.1:
 *  - the stage starts with the session down; an order pushed meanwhile
 *    waits; the gateway connects and logs in (user, password, blank session,
 *    sequence 1), risk is told EXEC_SESSION CONNECTING then UP, and the order
 *    leaves as an Enter Order checked field by field (token, stock from the
 *    md stream's 'R' event, TIF 99998, firm, display 'Y', capacity 'A', ISO
 *    'N', min qty 0, cross 'N', customer type 'R');
 *  - Accepted -> EXEC_ACK, Executed 30 -> EXEC_FILL, ORDER_CANCEL -> Cancel
 *    Order (shares 0), Canceled -> EXEC_CANCELED reason USER_CANCEL;
 *  - ORDER_CANCEL_ALL over two open orders: one Cancel each, both Canceled
 *    with reason CANCEL_ALL;
 *  - an IOC (flatten) order: TIF 0, Accepted, Executed 10, Canceled 90 with
 *    reason IOC;
 *  - a venue reject (EXEC_REJECTED), an order for an instrument never named
 *    (it waits while the md stream is behind its event, then is refused
 *    before the wire), a repeated order id and a qty 0 refused before the
 *    wire too, a report for a token not ours (forwarded as
 *    unknown, no position), System Event / Cancel Pending / Priority Update /
 *    Broken Trade counted (the broken trade recorded);
 *  - the link dies with an order open and an Executed the engine has not
 *    read: risk is told DOWN, an order pushed meanwhile waits, the gateway
 *    logs in again asking for that message's number, the venue resumes two
 *    below it (the client drops the repeats) and the Executed is applied
 *    once; the waiting order then leaves;
 *  - a Cancel sent just before the link died is sent again after the
 *    re-login, and its Canceled ends the order;
 *  - a Sequenced Data message that is not OUCH: counted, the link dropped,
 *    the session resumes after it;
 *  - ORDER_EOS with an order open: no logout until its Canceled arrives,
 *    then Logout Request, the venue closes, EXEC_EOS;
 *  - positions from the fills alone, no fill twice, nothing illegal;
 *  - a gateway with the wrong password: the login is rejected and the stage
 *    fails with -EACCES;
 *  - recovery: a gateway restored with three open orders and the stored
 *    session's last message (3) logs in asking for 4; while the venue
 *    replays, the session stays CONNECTING and orders wait; the replayed
 *    fill of a restored order is applied (carrying its venue number), an
 *    order the store never had is adopted (EXEC_ACK, EXEC_REASON_ADOPTED; its
 *    ORDER_NEW stored) and its fill applied, another whose stock the md
 *    stream names only later waits for the name (reading stops meanwhile),
 *    a restored order the venue cancelled ends, the restored order the venue
 *    never accepted is closed here (EXEC_REASON_RECOVERY), and once the venue
 *    goes quiet every order still open gets a Cancel; then UP.
 */
#undef NDEBUG
#include "ouch_venue.h"

#include <inttypes.h>
#include <stdlib.h>

static struct ov ov;
static struct core_ring *orders, *md, *reports;
static struct exec_stage *stage;
static struct exec_ouch_gw *gw;
static struct exec_report got[512];
static unsigned ngot;
static int last_rc;

static void dump(void)
{
	for (unsigned i = 0; i < ngot; i++)
		fprintf(stderr, "  %u: kind %u id %" PRIu64 " px %u qty %u reason %u pos %" PRId64 "\n",
		        i, got[i].kind, got[i].order_id, got[i].px, got[i].qty, got[i].reason,
		        (int64_t)got[i].position);
	struct exec_ouch_gw_stats st;
	exec_ouch_gw_stats(gw, &st);
	fprintf(stderr, "  gateway: state %d logins %" PRIu64 " reason '%s'\n", st.state,
	        st.logins, st.reason);
}

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);      \
			dump();                                                                    \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

/* One round: the stage, then the venue. */
static void step(void)
{
	uint32_t w = 0;
	last_rc = exec_stage_poll(stage, &w);
	CHECK(last_rc == 0 || last_rc == CORE_EOF);
	struct exec_report r;
	while (core_ring_pop(reports, &r) == 0) {
		CHECK(ngot < 512);
		got[ngot++] = r;
	}
	ov_pump(&ov);
	if (!w)
		usleep(20);
}

static bool run(bool (*pred)(void), int ms)
{
	uint64_t end = ov_mono_ns() + (uint64_t)ms * 1000000ull;
	while (ov_mono_ns() < end) {
		step();
		if (pred())
			return true;
	}
	return false;
}

static unsigned want;
static bool have_want(void)
{
	return ngot >= want;
}

/* Wait for n more reports (session reports included). */
static void expect(unsigned n)
{
	want = ngot + n;
	if (!run(have_want, 5000)) {
		fprintf(stderr, "waited for %u reports, have %u\n", want, ngot);
		dump();
		exit(1);
	}
}

static uint8_t want_session;
static unsigned session_from;
static bool have_session(void)
{
	for (unsigned i = session_from; i < ngot; i++)
		if (got[i].kind == EXEC_SESSION && got[i].reason == want_session)
			return true;
	return false;
}

/* Wait for an EXEC_SESSION report of this state after report `from`. */
static void expect_session(uint8_t s, unsigned from)
{
	want_session = s;
	session_from = from;
	if (!run(have_session, 5000)) {
		fprintf(stderr, "no EXEC_SESSION %u after report %u\n", s, from);
		dump();
		exit(1);
	}
}

/* The next inbound message at the venue, which must be of this kind. */
static const struct exec_ouch_msg *wait_in(int kind)
{
	uint64_t end = ov_mono_ns() + 5000000000ull;
	const struct exec_ouch_msg *m;
	while (!(m = ov_in(&ov))) {
		if (ov_mono_ns() > end) {
			fprintf(stderr, "the venue got no %s\n", exec_ouch_name(kind));
			dump();
			exit(1);
		}
		step();
	}
	if (m->kind != kind)
		fprintf(stderr, "the venue got %s, expected %s\n", exec_ouch_name(m->kind),
		        exec_ouch_name(kind));
	CHECK(m->kind == kind);
	return m;
}

/* Report i (counting from the end when i < 0), ignoring nothing. */
static const struct exec_report *rep(int i)
{
	CHECK(i < 0 ? (unsigned)-i <= ngot : (unsigned)i < ngot);
	return &got[i < 0 ? (int)ngot + i : i];
}

static void check(const struct exec_report *r, uint8_t kind, uint64_t id, uint32_t qty,
                  uint8_t reason)
{
	if (r->kind != kind || r->order_id != id || r->qty != qty || r->reason != reason) {
		fprintf(stderr, "report: kind %u id %" PRIu64 " qty %u reason %u; want %u %" PRIu64
		                " %u %u\n",
		        r->kind, r->order_id, r->qty, r->reason, kind, id, qty, reason);
		dump();
		exit(1);
	}
}

/* The last report that is not an EXEC_SESSION, back from the end. */
static const struct exec_report *last_order_report(unsigned back)
{
	for (unsigned i = ngot; i-- > 0;)
		if (got[i].kind != EXEC_SESSION && back-- == 0)
			return &got[i];
	CHECK(!"no such report");
	return NULL;
}

/* The gateway has read the venue's messages up to number find_want_seq. */
static uint64_t find_want_seq;
static bool have_seq(void)
{
	struct exec_ouch_gw_stats gs;
	exec_ouch_gw_stats(gw, &gs);
	return gs.soup.next_seq > find_want_seq;
}

static void push_order(uint64_t id, uint8_t kind, uint16_t locate, uint8_t side, uint32_t qty,
                       uint32_t px, uint8_t flags)
{
	struct order_msg m = { .t0_ns = core_now_ns(),
		               .seq = 100 + id,
		               .order_id = id,
		               .px = px,
		               .qty = qty,
		               .locate = locate,
		               .side = side,
		               .kind = kind,
		               .flags = flags };
	CHECK(core_ring_push(orders, &m) == 0);
}

static void token(char t[EXEC_TOKEN_LEN], uint64_t id)
{
	CHECK(exec_order_token_put(t, id, 100 + id) == 0);
}

/* ------------------------------------------------------------------------- */
/* The venue's messages. */

static uint64_t vts = 34200000000000ull; /* 09:30, then on by a microsecond each */
static uint64_t match_no = 9000;

static void v_accepted(uint64_t id, uint8_t side, uint32_t shares, const char *stock, uint32_t px,
                       uint32_t tif)
{
	struct exec_ouch_msg m = { .kind = EXEC_OUCH_ACCEPTED };
	struct exec_ouch_accepted *a = &m.accepted;
	a->ts_ns = vts += 1000;
	token(a->token, id);
	a->side = side;
	a->shares = shares;
	CHECK(exec_ouch_alpha_set(a->stock, 8, stock) == 0);
	a->price = px;
	a->tif = tif;
	CHECK(exec_ouch_alpha_set(a->firm, 4, "OSPR") == 0);
	a->display = 'Y';
	a->order_ref = 500000 + id;
	a->capacity = 'A';
	a->iso = 'N';
	a->cross_type = 'N';
	a->state = 'L';
	a->bbo_weight = ' ';
	ov_emit(&ov, &m);
}

static void v_executed_tok(const char *tok, uint32_t shares, uint32_t px)
{
	struct exec_ouch_msg m = { .kind = EXEC_OUCH_EXECUTED };
	m.executed.ts_ns = vts += 1000;
	memcpy(m.executed.token, tok, EXEC_TOKEN_LEN);
	m.executed.shares = shares;
	m.executed.price = px;
	m.executed.liquidity = 'A';
	m.executed.match = ++match_no;
	ov_emit(&ov, &m);
}

static void v_executed(uint64_t id, uint32_t shares, uint32_t px)
{
	char t[EXEC_TOKEN_LEN];
	token(t, id);
	v_executed_tok(t, shares, px);
}

static void v_canceled(uint64_t id, uint32_t dec, uint8_t reason)
{
	struct exec_ouch_msg m = { .kind = EXEC_OUCH_CANCELED };
	m.canceled.ts_ns = vts += 1000;
	token(m.canceled.token, id);
	m.canceled.decrement = dec;
	m.canceled.reason = reason;
	ov_emit(&ov, &m);
}

static void check_enter(const struct exec_ouch_msg *m, uint64_t id, uint8_t side, uint32_t qty,
                        const char *stock, uint32_t px, uint32_t tif)
{
	const struct exec_ouch_enter *e = &m->enter;
	char t[EXEC_TOKEN_LEN], s[8], f[4];
	token(t, id);
	CHECK(exec_ouch_alpha_set(s, 8, stock) == 0 && exec_ouch_alpha_set(f, 4, "OSPR") == 0);
	CHECK(!memcmp(e->token, t, EXEC_TOKEN_LEN));
	CHECK(e->side == side && e->shares == qty && !memcmp(e->stock, s, 8) && e->price == px);
	CHECK(e->tif == tif && !memcmp(e->firm, f, 4) && e->display == 'Y' && e->capacity == 'A');
	CHECK(e->iso == 'N' && e->min_qty == 0 && e->cross_type == 'N' && e->customer_type == 'R');
}

static void check_cancel(const struct exec_ouch_msg *m, uint64_t id)
{
	char t[EXEC_TOKEN_LEN];
	token(t, id);
	CHECK(!memcmp(m->cancel.token, t, EXEC_TOKEN_LEN) && m->cancel.shares == 0);
}

static bool ended(void)
{
	return ngot && got[ngot - 1].kind == EXEC_EOS;
}

static bool stage_failed(void)
{
	return last_rc < 0;
}

static unsigned find(uint8_t kind, uint64_t id, uint8_t reason)
{
	for (unsigned i = 0; i < ngot; i++)
		if (got[i].kind == kind && got[i].order_id == id && got[i].reason == reason)
			return i;
	fprintf(stderr, "no report kind %u id %" PRIu64 " reason %u\n", kind, id, reason);
	dump();
	exit(1);
}

static struct exec_open_order restored(uint64_t id, uint8_t side, uint32_t qty, uint32_t cum,
                                       bool acked)
{
	return (struct exec_open_order){ .order = { .kind = ORDER_NEW,
		                                    .order_id = id,
		                                    .seq = 100 + id,
		                                    .locate = 1,
		                                    .side = side,
		                                    .px = 1890000,
		                                    .qty = qty },
		                         .leaves_qty = qty - cum,
		                         .cum_qty = cum,
		                         .acked = acked };
}

/* 10. Recovery (see the top). */
static void recovery(const struct exec_ouch_gw_config *base)
{
	ov_start(&ov, "OSPREY", "SECRET");
	char addr[32], err[256];
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", ov.port);
	/* the venue's day so far; the store has it up to message 3 */
	v_accepted(20, 'B', 100, "AMZN", 1890000, 99998); /* 1 */
	v_executed(20, 40, 1890000);                       /* 2 */
	v_accepted(21, 'S', 50, "AMZN", 1890000, 99998);   /* 3 */
	v_executed(20, 30, 1889000);                       /* 4: replayed, applied */
	v_accepted(23, 'B', 10, "AMZN", 1891000, 99998);   /* 5: never stored: adopted */
	v_executed(23, 10, 1891000);                       /* 6 */
	v_canceled(21, 50, 'U');                           /* 7: ended by the venue */
	v_accepted(24, 'S', 7, "MSFT", 3300000, 99998);    /* 8: adopted once MSFT is named */
	struct exec_open_order ro[3] = { restored(20, 'B', 100, 40, true),
		                         restored(21, 'S', 50, 0, true),
		                         restored(22, 'B', 5, 0, false) }; /* never at the venue */
	struct exec_ouch_gw_config gc = *base;
	gc.connect = addr;
	gc.password = "SECRET";
	gc.recover = true;
	gc.seq = 4;
	gc.restore = ro;
	gc.nrestore = 3;
	gc.replay_quiet_ns = 300000000;
	CHECK(exec_ouch_gw_create(&gc, &gw, err, sizeof(err)) == 0);
	struct core_ring *pout = core_ring_create("persist", 64, sizeof(struct persist_rec));
	CHECK(pout);
	struct exec_config xc = { .orders_in = orders,
		                  .md_in = md,
		                  .reports_out = reports,
		                  .persist_out = pout,
		                  .venue = exec_ouch_gw_venue(gw),
		                  .restore = ro,
		                  .nrestore = 3,
		                  .max_orders = 64 };
	CHECK(exec_stage_create(&xc, &stage, err, sizeof(err)) == 0);
	ngot = 0;
	struct md_event dir = { .seq = 1, .locate = 1, .kind = MD_STATUS, .msg_type = 'R' };
	memcpy(&dir.ref, "AMZN    ", 8);
	CHECK(core_ring_push(md, &dir) == 0);
	push_order(30, ORDER_NEW, 1, 'B', 10, 1880000, 0); /* waits for the recovery */

	/* the replay up to message 8, which waits for MSFT's name */
	want = 0;
	find_want_seq = 7;
	CHECK(run(have_seq, 5000));
	CHECK(ov.login_seq[0] == 4);
	struct exec_ouch_gw_stats gs;
	for (int i = 0; i < 50; i++)
		step();
	exec_ouch_gw_stats(gw, &gs);
	CHECK(gs.recovery.state == EXEC_RECOVERY_REPLAYING && gs.recovery.adopted == 1);
	CHECK(ov_in(&ov) == NULL); /* nothing sent: the order waits */
	struct md_event dir2 = dir;
	dir2.seq = 2;
	dir2.locate = 2;
	memcpy(&dir2.ref, "MSFT    ", 8);
	CHECK(core_ring_push(md, &dir2) == 0);

	/* reconciled: Cancel for 20 and 24 (the still-open ones), then UP and 30 leaves */
	const struct exec_ouch_msg *m = wait_in(EXEC_OUCH_CANCEL);
	char t20[EXEC_TOKEN_LEN], t24[EXEC_TOKEN_LEN];
	token(t20, 20);
	token(t24, 24);
	bool c20 = !memcmp(m->cancel.token, t20, EXEC_TOKEN_LEN);
	CHECK(c20 || !memcmp(m->cancel.token, t24, EXEC_TOKEN_LEN));
	m = wait_in(EXEC_OUCH_CANCEL);
	CHECK(!memcmp(m->cancel.token, c20 ? t24 : t20, EXEC_TOKEN_LEN));
	m = wait_in(EXEC_OUCH_ENTER);
	CHECK(m->enter.shares == 10);
	expect_session(EXEC_SESSION_UP, 0);

	unsigned f20 = find(EXEC_FILL, 20, EXEC_REASON_NONE);
	CHECK(got[f20].qty == 30 && got[f20].venue_seq == 4 && got[f20].cum_qty == 70 &&
	      got[f20].leaves_qty == 30);
	unsigned a23 = find(EXEC_ACK, 23, EXEC_REASON_ADOPTED);
	CHECK(got[a23].venue_seq == 5 && got[a23].seq == 123 && got[a23].locate == 1);
	unsigned f23 = find(EXEC_FILL, 23, EXEC_REASON_NONE);
	CHECK(f23 > a23 && got[f23].venue_seq == 6);
	CHECK(got[find(EXEC_CANCELED, 21, EXEC_REASON_NONE)].venue_seq == 7);
	unsigned a24 = find(EXEC_ACK, 24, EXEC_REASON_ADOPTED);
	CHECK(got[a24].locate == 2 && got[a24].venue_seq == 8 && got[a24].side == 'S');
	unsigned c22 = find(EXEC_REJECTED, 22, EXEC_REASON_RECOVERY);
	CHECK(got[c22].venue_seq == 0 && got[c22].qty == 5);
	unsigned up = find(EXEC_SESSION, 0, EXEC_SESSION_UP);
	CHECK(up > c22 && up > a24);
	exec_ouch_gw_stats(gw, &gs);
	const struct exec_recovery_stats *rs = &gs.recovery;
	printf("recovery: from %" PRIu64 ", %" PRIu64 " replayed (%" PRIu64 " fills), %" PRIu64
	       " restored, %" PRIu64 " ended by the venue, %" PRIu64 " adopted, %" PRIu64
	       " never at the venue, %" PRIu64 " cancelled: %" PRIu64 " differences\n",
	       rs->from_seq, rs->replayed, rs->replay_fills, rs->restored, rs->closed_by_venue,
	       rs->adopted, rs->not_at_venue, rs->cancelled, rs->differences);
	CHECK(rs->state == EXEC_RECOVERY_DONE && rs->from_seq == 4 && rs->replayed == 5);
	CHECK(rs->replay_fills == 2 && rs->restored == 3 && rs->closed_by_venue == 1);
	CHECK(rs->adopted == 2 && rs->not_at_venue == 1 && rs->cancelled == 2);
	CHECK(rs->differences == 3 && rs->unresolved == 0);
	/* the adopted orders' ORDER_NEWs went to the store */
	unsigned stored = 0;
	struct persist_rec pr;
	while (core_ring_pop(pout, &pr) == 0)
		if (pr.kind == PERSIST_ORDER && pr.u.order.kind == ORDER_NEW)
			stored |= pr.u.order.order_id == 23 ? 1u : pr.u.order.order_id == 24 ? 2u : 4u;
	CHECK(stored == 7); /* 23, 24 and the new order 30 */
	struct position pos;
	exec_stage_position(stage, 1, &pos);
	CHECK(pos.qty == 40); /* the two replayed fills; the store holds the rest */
	struct exec_stats xs;
	exec_stage_stats(stage, &xs);
	CHECK(xs.adopted == 2 && xs.illegal == 0 && xs.unknown_reports == 0);
	printf("recovery: replay applied, two orders adopted, one closed here, two cancelled: ok\n");
	exec_stage_destroy(stage);
	exec_ouch_gw_destroy(gw);
	core_ring_destroy(pout);
	ov_stop(&ov);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	CHECK(core_clock_init(5) == 0);
	ov_start(&ov, "OSPREY", "SECRET");
	char addr[32], err[256];
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", ov.port);

	orders = core_ring_create("orders", 64, sizeof(struct order_msg));
	md = core_ring_create("md", 64, sizeof(struct md_event));
	reports = core_ring_create("reports", 512, sizeof(struct exec_report));
	CHECK(orders && md && reports);
	struct exec_ouch_gw_config gc = { .connect = addr,
		                          .user = "OSPREY",
		                          .password = "SECRET",
		                          .firm = "OSPR",
		                          .drain_ns = 3000000000ull,
		                          .reconnect_ns = 20000000,
		                          .heartbeat_ns = 100000000,
		                          .timeout_ns = 2000000000ull,
		                          .recv_every_ns = 1000,
		                          .max_orders = 64 };
	int r = exec_ouch_gw_create(&gc, &gw, err, sizeof(err));
	if (r) {
		fprintf(stderr, "exec_ouch_gw_create: %d %s\n", r, err);
		return 1;
	}
	/* the configuration is checked */
	struct exec_ouch_gw *bad;
	struct exec_ouch_gw_config bc = gc;
	bc.firm = "TOOLONG";
	CHECK(exec_ouch_gw_create(&bc, &bad, err, sizeof(err)) == -EINVAL && strstr(err, "firm"));
	bc = gc;
	bc.connect = "localhost";
	CHECK(exec_ouch_gw_create(&bc, &bad, err, sizeof(err)) == -EINVAL && strstr(err, "addr"));
	bc = gc;
	bc.user = "TOOLONGUSER";
	CHECK(exec_ouch_gw_create(&bc, &bad, err, sizeof(err)) == -EINVAL);

	struct exec_config xc = { .orders_in = orders,
		                  .md_in = md,
		                  .reports_out = reports,
		                  .venue = exec_ouch_gw_venue(gw),
		                  .max_orders = 64 };
	CHECK(exec_stage_create(&xc, &stage, err, sizeof(err)) == 0);

	/* The md stream names two instruments; an order is waiting already. */
	struct md_event dir = { .seq = 1, .locate = 1, .kind = MD_STATUS, .msg_type = 'R' };
	memcpy(&dir.ref, "AMZN    ", 8);
	CHECK(core_ring_push(md, &dir) == 0);
	dir.seq = 2;
	dir.locate = 2;
	memcpy(&dir.ref, "MSFT    ", 8);
	CHECK(core_ring_push(md, &dir) == 0);
	push_order(1, ORDER_NEW, 1, 'B', 100, 1892500, 0);

	/* Session: DOWN, CONNECTING, UP. */
	expect_session(EXEC_SESSION_UP, 0);
	CHECK(got[0].kind == EXEC_SESSION && got[0].reason == EXEC_SESSION_CONNECTING);
	CHECK(ov.nlogins == 1 && ov.login_seq[0] == 1 && !strcmp(ov.login_user, "OSPREY") &&
	      !strcmp(ov.login_pass, "SECRET") && ov.login_session[0] == 0);
	printf("session up: login OSPREY, sequence 1\n");

	/* 1. ack, partial fill, cancel */
	check_enter(wait_in(EXEC_OUCH_ENTER), 1, 'B', 100, "AMZN", 1892500, 99998);
	struct exec_stats xs;
	exec_stage_stats(stage, &xs);
	CHECK(xs.table_waits > 0); /* it waited for the session */
	unsigned n0 = ngot;
	v_accepted(1, 'B', 100, "AMZN", 1892500, 99998);
	expect(1);
	check(rep(-1), EXEC_ACK, 1, 100, 0);
	v_executed(1, 30, 1892000);
	expect(1);
	check(rep(-1), EXEC_FILL, 1, 30, 0);
	CHECK(rep(-1)->px == 1892000 && rep(-1)->position == 30 && rep(-1)->side == 'B');
	CHECK(rep(-1)->leaves_qty == 70 && rep(-1)->cum_qty == 30);
	push_order(1, ORDER_CANCEL, 1, 'B', 0, 0, 0);
	check_cancel(wait_in(EXEC_OUCH_CANCEL), 1);
	v_canceled(1, 70, 'U');
	expect(1);
	check(rep(-1), EXEC_CANCELED, 1, 70, EXEC_REASON_USER_CANCEL);
	CHECK(ngot - n0 == 3);
	printf("ack, fill 30, cancel 70 (USER_CANCEL): ok\n");

	/* 2. cancel-all over two orders */
	push_order(2, ORDER_NEW, 1, 'B', 10, 1880000, 0);
	push_order(3, ORDER_NEW, 2, 'S', 20, 4100000, 0);
	check_enter(wait_in(EXEC_OUCH_ENTER), 2, 'B', 10, "AMZN", 1880000, 99998);
	check_enter(wait_in(EXEC_OUCH_ENTER), 3, 'S', 20, "MSFT", 4100000, 99998);
	v_accepted(2, 'B', 10, "AMZN", 1880000, 99998);
	v_accepted(3, 'S', 20, "MSFT", 4100000, 99998);
	expect(2);
	check(rep(-2), EXEC_ACK, 2, 10, 0);
	check(rep(-1), EXEC_ACK, 3, 20, 0);
	struct order_msg ca = { .seq = 200, .kind = ORDER_CANCEL_ALL };
	CHECK(core_ring_push(orders, &ca) == 0);
	const struct exec_ouch_msg *c1 = wait_in(EXEC_OUCH_CANCEL);
	const struct exec_ouch_msg *c2 = wait_in(EXEC_OUCH_CANCEL);
	char t2[EXEC_TOKEN_LEN], t3[EXEC_TOKEN_LEN];
	token(t2, 2);
	token(t3, 3);
	CHECK(c1->cancel.shares == 0 && c2->cancel.shares == 0);
	CHECK((!memcmp(c1->cancel.token, t2, 14) && !memcmp(c2->cancel.token, t3, 14)) ||
	      (!memcmp(c1->cancel.token, t3, 14) && !memcmp(c2->cancel.token, t2, 14)));
	v_canceled(3, 20, 'U');
	v_canceled(2, 10, 'U');
	expect(2);
	check(rep(-2), EXEC_CANCELED, 3, 20, EXEC_REASON_CANCEL_ALL);
	check(rep(-1), EXEC_CANCELED, 2, 10, EXEC_REASON_CANCEL_ALL);
	printf("cancel-all: two Cancel Orders, both CANCEL_ALL: ok\n");

	/* 3. an IOC (flatten) order: the rest is cancelled, reason IOC */
	push_order(4, ORDER_NEW, 1, 'B', 100, 1892500, ORDER_F_FLATTEN);
	check_enter(wait_in(EXEC_OUCH_ENTER), 4, 'B', 100, "AMZN", 1892500, 0);
	v_accepted(4, 'B', 100, "AMZN", 1892500, 0);
	v_executed(4, 10, 1892500);
	v_canceled(4, 90, 'I');
	expect(3);
	check(rep(-3), EXEC_ACK, 4, 100, 0);
	check(rep(-2), EXEC_FILL, 4, 10, 0);
	check(rep(-1), EXEC_CANCELED, 4, 90, EXEC_REASON_IOC);
	CHECK(rep(-2)->position == 40);
	printf("IOC: fill 10, the rest 90 cancelled (IOC): ok\n");

	/* 4. a venue reject; an instrument never named; a token not ours; counted kinds */
	push_order(5, ORDER_NEW, 1, 'B', 10, 1, 0);
	check_enter(wait_in(EXEC_OUCH_ENTER), 5, 'B', 10, "AMZN", 1, 99998);
	struct exec_ouch_msg j = { .kind = EXEC_OUCH_REJECTED };
	j.rejected.ts_ns = vts += 1000;
	token(j.rejected.token, 5);
	j.rejected.reason = 'X';
	ov_emit(&ov, &j);
	expect(1);
	check(rep(-1), EXEC_REJECTED, 5, 10, EXEC_REASON_INVALID);
	unsigned nin = ov.nin;
	push_order(6, ORDER_NEW, 9, 'B', 10, 1000000, 0);
	for (int i = 0; i < 100; i++)
		step(); /* the md stream (at 2) has not reached its event (106): it waits */
	CHECK(rep(-1)->kind == EXEC_REJECTED && rep(-1)->order_id == 5);
	struct md_event later = { .seq = 200, .kind = MD_STATUS, .msg_type = 'S' };
	CHECK(core_ring_push(md, &later) == 0);
	expect(1);
	check(rep(-1), EXEC_REJECTED, 6, 10, EXEC_REASON_INVALID);
	push_order(2, ORDER_NEW, 1, 'B', 10, 1000000, 0); /* an id used already */
	expect(1);
	check(rep(-1), EXEC_REJECTED, 2, 10, EXEC_REASON_DUPLICATE);
	push_order(60, ORDER_NEW, 1, 'B', 0, 1000000, 0); /* qty 0 */
	expect(1);
	check(rep(-1), EXEC_REJECTED, 60, 0, EXEC_REASON_INVALID);
	struct exec_ouch_msg s = { .kind = EXEC_OUCH_SYSTEM_EVENT };
	s.system_event.ts_ns = vts += 1000;
	s.system_event.event = 'S';
	ov_emit(&ov, &s);
	struct exec_ouch_msg cp = { .kind = EXEC_OUCH_CANCEL_PENDING };
	cp.cancel_pending.ts_ns = vts += 1000;
	token(cp.cancel_pending.token, 1);
	ov_emit(&ov, &cp);
	struct exec_ouch_msg pu = { .kind = EXEC_OUCH_PRIORITY };
	pu.priority.ts_ns = vts += 1000;
	token(pu.priority.token, 1);
	pu.priority.price = 1892500;
	pu.priority.display = 'Y';
	pu.priority.order_ref = 500001;
	ov_emit(&ov, &pu);
	struct exec_ouch_msg bt = { .kind = EXEC_OUCH_BROKEN };
	bt.broken.ts_ns = vts += 1000;
	token(bt.broken.token, 1);
	bt.broken.match = 9001; /* order 1's fill */
	bt.broken.reason = 'E';
	ov_emit(&ov, &bt);
	v_executed_tok("NOT-OURS-TOKEN", 5, 1000000);
	expect(1);
	CHECK(rep(-1)->kind == EXEC_FILL && rep(-1)->order_id == 0 && rep(-1)->qty == 5);
	CHECK(rep(-1)->side == 0 && rep(-1)->position == 0);
	CHECK(ov.nin == nin); /* nothing for order 6 went out */
	struct exec_ouch_gw_stats gs;
	exec_ouch_gw_stats(gw, &gs);
	CHECK(gs.no_symbol == 1 && gs.symbol_waits > 0 && gs.last_reject_reason == 'X');
	CHECK(gs.unknown_reports == 1 && gs.duplicates == 1 && gs.invalid == 1);
	CHECK(gs.msgs[EXEC_OUCH_SYSTEM_EVENT] == 1 && gs.msgs[EXEC_OUCH_CANCEL_PENDING] == 1);
	CHECK(gs.msgs[EXEC_OUCH_PRIORITY] == 1 && gs.msgs[EXEC_OUCH_BROKEN] == 1);
	CHECK(gs.broken_trades == 1 && gs.broken.kind == EXEC_OUCH_BROKEN &&
	      gs.broken.match == 9001 && gs.broken.order_id == 1 && gs.broken.reason == 'E');
	printf("reject, unnamed instrument refused before the wire, unknown token forwarded, "
	       "counted kinds, broken trade recorded: ok\n");

	/* 5. the link dies with order 7 open and an Executed unread */
	push_order(7, ORDER_NEW, 1, 'B', 100, 1890000, 0);
	check_enter(wait_in(EXEC_OUCH_ENTER), 7, 'B', 100, "AMZN", 1890000, 99998);
	v_accepted(7, 'B', 100, "AMZN", 1890000, 99998);
	v_executed(7, 40, 1890000);
	expect(2);
	check(rep(-2), EXEC_ACK, 7, 100, 0);
	check(rep(-1), EXEC_FILL, 7, 40, 0);
	ov.hold = true;
	v_executed(7, 25, 1889900); /* the venue's message ov.nlog, never sent on this link */
	uint64_t missed = ov.nlog;
	ov.resume_shift = -2; /* and it resumes two below what is asked */
	unsigned nd = ngot;
	ov_drop(&ov);
	ov.hold = false;
	expect_session(EXEC_SESSION_DOWN, nd);
	push_order(8, ORDER_NEW, 1, 'B', 80, 1885000, 0); /* waits for the session */
	expect_session(EXEC_SESSION_UP, nd);
	CHECK(ov.nlogins == 2 && ov.login_seq[1] == missed);
	check_enter(wait_in(EXEC_OUCH_ENTER), 8, 'B', 80, "AMZN", 1885000, 99998);
	for (int i = 0; i < 200; i++)
		step(); /* time for a duplicate to show, if one were applied */
	unsigned fills25 = 0;
	for (unsigned i = nd; i < ngot; i++)
		if (got[i].kind == EXEC_FILL) {
			check(&got[i], EXEC_FILL, 7, 25, 0);
			CHECK(got[i].position == 105 && got[i].px == 1889900);
			fills25++;
		}
	CHECK(fills25 == 1);
	exec_ouch_gw_stats(gw, &gs);
	CHECK(gs.soup.duplicates == 2 && gs.link_downs == 1 && gs.logins == 2);
	printf("link lost: re-login at %" PRIu64 ", the missed Executed applied once (2 repeats "
	       "dropped), the waiting order sent: ok\n",
	       missed);

	/* 6. a Cancel lost with the link is sent again after the re-login */
	v_accepted(8, 'B', 80, "AMZN", 1885000, 99998);
	expect(1);
	check(rep(-1), EXEC_ACK, 8, 80, 0);
	push_order(7, ORDER_CANCEL, 1, 'B', 0, 0, 0);
	check_cancel(wait_in(EXEC_OUCH_CANCEL), 7);
	nd = ngot;
	ov_drop(&ov); /* as if it never arrived */
	expect_session(EXEC_SESSION_UP, nd);
	check_cancel(wait_in(EXEC_OUCH_CANCEL), 7);
	v_canceled(7, 35, 'U');
	expect(1);
	check(last_order_report(0), EXEC_CANCELED, 7, 35, EXEC_REASON_USER_CANCEL);
	exec_ouch_gw_stats(gw, &gs);
	CHECK(gs.cancels_resent == 1 && gs.logins == 3);
	printf("cancel sent again after a re-login: ok\n");

	/* 7. a message that is not OUCH: counted, link dropped, resumed after it */
	unsigned char junk[65] = { 'A' }; /* an Accepted one byte short */
	ov_emit_raw(&ov, junk, sizeof(junk));
	uint64_t junk_no = ov.nlog;
	nd = ngot;
	expect_session(EXEC_SESSION_DOWN, nd);
	expect_session(EXEC_SESSION_UP, nd);
	CHECK(ov.nlogins == 4 && ov.login_seq[3] == junk_no + 1);
	exec_ouch_gw_stats(gw, &gs);
	CHECK(gs.bad_messages == 1 && strstr(gs.last_bad, "Accepted"));
	printf("bad message: dropped, re-login at %" PRIu64 " (%s)\n", junk_no + 1, gs.last_bad);
	v_executed(8, 50, 1885000);
	expect(1);
	check(rep(-1), EXEC_FILL, 8, 50, 0);
	CHECK(rep(-1)->position == 155);

	/* 8. end of stream with order 8 open (30 left): drain, then logout */
	struct order_msg eos = { .seq = 300, .kind = ORDER_EOS };
	CHECK(core_ring_push(orders, &eos) == 0);
	struct md_event meos = { .kind = MD_EOS };
	CHECK(core_ring_push(md, &meos) == 0);
	uint64_t until = ov_mono_ns() + 100000000ull;
	while (ov_mono_ns() < until)
		step();
	CHECK(ov.logouts == 0 && !ended());
	v_canceled(8, 30, 'S'); /* the venue's own doing (supervisory) */
	CHECK(run(ended, 5000));
	CHECK(last_rc == CORE_EOF);
	check(last_order_report(1), EXEC_CANCELED, 8, 30, EXEC_REASON_NONE);
	CHECK(ov.logouts == 1);
	printf("end of stream: drained (order 8's Canceled), logged out, EXEC_EOS: ok\n");

	exec_stage_stats(stage, &xs);
	exec_ouch_gw_stats(gw, &gs);
	printf("stage: sent %" PRIu64 " acks %" PRIu64 " fills %" PRIu64 " (%" PRIu64
	       " shares) cancels %" PRIu64 " rejects %" PRIu64 " unknown %" PRIu64 " illegal %" PRIu64
	       "\ngateway: enters %" PRIu64 " cancels %" PRIu64 " logins %" PRIu64
	       " link downs %" PRIu64 " bad %" PRIu64 " open %" PRIu64 "\n",
	       xs.sent, xs.acks, xs.fills, xs.filled_qty, xs.cancels, xs.rejects,
	       xs.unknown_reports, xs.illegal, gs.enters, gs.cancels, gs.logins, gs.link_downs,
	       gs.bad_messages, gs.open_orders);
	CHECK(xs.illegal == 0 && xs.unknown_reports == 1 && xs.open_orders == 0);
	CHECK(xs.fills == 6 && xs.filled_qty == 160); /* 155 ours + 5 of the foreign token */
	CHECK(gs.enters == 7 && gs.cancels == 5 && gs.open_orders == 0 && gs.drain_timeouts == 0);
	CHECK(gs.msgs[EXEC_OUCH_ACCEPTED] == 6 && gs.msgs[EXEC_OUCH_EXECUTED] == 6 &&
	      gs.msgs[EXEC_OUCH_CANCELED] == 6 && gs.msgs[EXEC_OUCH_REJECTED] == 1);
	struct position pos;
	exec_stage_position(stage, 1, &pos);
	int64_t cost = 30LL * 1892000 + 10LL * 1892500 + 40LL * 1890000 + 25LL * 1889900 +
	               50LL * 1885000;
	CHECK(pos.qty == 155 && pos.cost == cost);
	exec_stage_position(stage, 2, &pos);
	CHECK(pos.qty == 0);
	exec_stage_destroy(stage);
	exec_ouch_gw_destroy(gw);

	/* 9. the wrong password: the login is rejected, the stage fails with it */
	gc.password = "WRONG";
	CHECK(exec_ouch_gw_create(&gc, &gw, err, sizeof(err)) == 0);
	xc.venue = exec_ouch_gw_venue(gw);
	CHECK(exec_stage_create(&xc, &stage, err, sizeof(err)) == 0);
	ngot = 0;
	last_rc = 0;
	uint64_t end = ov_mono_ns() + 5000000000ull;
	while (last_rc >= 0 && ov_mono_ns() < end) {
		uint32_t w;
		last_rc = exec_stage_poll(stage, &w);
		struct exec_report rr;
		while (core_ring_pop(reports, &rr) == 0)
			;
		ov_pump(&ov);
	}
	exec_ouch_gw_stats(gw, &gs);
	printf("wrong password: stage poll %d (%s), '%s'\n", last_rc, strerror(-last_rc),
	       gs.reason);
	CHECK(last_rc == -EACCES && stage_failed() && strstr(gs.reason, "not authorized"));
	exec_stage_destroy(stage);
	exec_ouch_gw_destroy(gw);
	ov_stop(&ov);
	recovery(&gc);
	core_ring_destroy(orders);
	core_ring_destroy(md);
	core_ring_destroy(reports);
	printf("ouch gateway: ok\n");
	return 0;
}
