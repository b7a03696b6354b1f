/* The order manager in front of a venue that behaves like one on a socket: it
 * starts down, acknowledges and fills later (partial fills, an unsolicited
 * cancel, a reject), drops its session and comes back. The stage must tell
 * risk of every session change, keep its order states and positions from the
 * reports alone, record tick-to-wire, and finish once the venue says DONE. */
#undef NDEBUG
#include "harness.h"

/* A scripted venue: what send() took, and reports the test queues. */
struct fake {
	enum exec_session session;
	struct order_msg sent[64];
	unsigned nsent;
	bool busy; /* send() refuses (a full socket buffer) */
	struct exec_report q[64];
	unsigned qh, qt;
	bool eos; /* ORDER_EOS was sent */
};

static int fake_send(void *ctx, const struct order_msg *m)
{
	struct fake *f = ctx;
	if (m->kind == ORDER_WATERMARK)
		return 0; /* a socket venue ignores decisions it does not need */
	if (m->kind == ORDER_EOS) {
		f->eos = true;
		return 0;
	}
	if (f->session != EXEC_SESSION_UP || f->busy)
		return EXEC_VENUE_BUSY;
	CHECK(f->nsent < 64);
	f->sent[f->nsent++] = *m;
	return 0;
}

static int fake_poll(void *ctx, struct exec_report *out, uint32_t cap)
{
	struct fake *f = ctx;
	uint32_t n = 0;
	while (n < cap && f->qh != f->qt)
		out[n++] = f->q[f->qh++ % 64];
	return (int)n;
}

static enum exec_session fake_session(const void *ctx)
{
	const struct fake *f = ctx;
	return f->session;
}

static void fake_stats(const void *ctx, struct exec_venue_stats *ret)
{
	(void)ctx;
	memset(ret, 0, sizeof(*ret));
}

static const struct exec_venue_ops fake_ops = {
	.send = fake_send,
	.poll = fake_poll,
	.session = fake_session,
	.stats = fake_stats,
	.event_time = false,
	.name = "fake",
};

static void queue(struct fake *f, uint8_t kind, uint64_t id, uint16_t locate, uint8_t side,
                  uint32_t px, uint32_t qty, uint32_t leaves, uint32_t cum, uint8_t reason)
{
	f->q[f->qt++ % 64] = (struct exec_report){ .ts_ns = 1000 + f->qt,
		                                   .order_id = id,
		                                   .px = px,
		                                   .qty = qty,
		                                   .leaves_qty = leaves,
		                                   .cum_qty = cum,
		                                   .locate = locate,
		                                   .kind = kind,
		                                   .side = side,
		                                   .reason = reason };
}

/* Reports the stage pushed to risk since the last call. */
static unsigned drain(struct core_ring *r, struct exec_report *out, unsigned cap)
{
	unsigned n = 0;
	while (n < cap && core_ring_pop(r, &out[n]) == 0)
		n++;
	return n;
}

static int poll1(struct exec_stage *s)
{
	uint32_t w;
	return exec_stage_poll(s, &w);
}

int main(void)
{
	CHECK(core_clock_init(1) == 0);
	struct core_ring *orders = core_ring_create("orders", 64, sizeof(struct order_msg));
	struct core_ring *md = core_ring_create("md", 64, sizeof(struct md_event));
	struct core_ring *reports = core_ring_create("reports", 64, sizeof(struct exec_report));
	struct core_ring *per = core_ring_create("persist", 256, sizeof(struct persist_rec));
	struct core_hist_pair *t2w = core_alloc(sizeof(*t2w), CORE_CACHE_LINE);
	CHECK(orders && md && reports && per && t2w && core_hist_pair_init(t2w) == 0);
	static struct fake f = { .session = EXEC_SESSION_DOWN };
	struct exec_config cfg = { .orders_in = orders,
		                   .md_in = md,
		                   .reports_out = reports,
		                   .persist_out = per,
		                   .venue = { &fake_ops, &f },
		                   .hist_t2w = t2w };
	struct exec_stage *s;
	char err[200];
	CHECK(exec_stage_create(&cfg, &s, err, sizeof(err)) == 0);
	struct exec_report rep[64];

	/* down at start: nothing is told (risk starts with the venue down) */
	CHECK(poll1(s) == 0 && drain(reports, rep, 64) == 0);
	/* an order while down waits in the ring (BUSY), never dropped */
	struct order_msg m = hx_new(1, 7, 'B', 100000, 300, 1, 10);
	m.t0_ns = core_now_ns();
	CHECK(core_ring_push(orders, &m) == 0);
	CHECK(poll1(s) == 0 && f.nsent == 0);
	struct exec_stats st;
	exec_stage_stats(s, &st);
	CHECK(st.table_waits >= 1 && st.sent == 0);
	/* connecting, then up: risk hears both, in order; then the order goes */
	f.session = EXEC_SESSION_CONNECTING;
	CHECK(poll1(s) == 0);
	f.session = EXEC_SESSION_UP;
	CHECK(poll1(s) == 0);
	unsigned n = drain(reports, rep, 64);
	CHECK(n == 2 && rep[0].kind == EXEC_SESSION && rep[0].reason == EXEC_SESSION_CONNECTING &&
	      rep[1].kind == EXEC_SESSION && rep[1].reason == EXEC_SESSION_UP);
	CHECK(f.nsent == 1 && f.sent[0].order_id == 1 && f.sent[0].tif == EXEC_TIF_DAY);
	struct exec_order_info oi;
	CHECK(exec_stage_order(s, 1, &oi) == 0 && oi.state == EXEC_ST_PENDING_NEW && !oi.at_venue);

	/* acks and fills arrive later, asynchronously: ack, partial 100, partial 50 */
	queue(&f, EXEC_ACK, 1, 7, 'B', 100000, 300, 300, 0, 0);
	queue(&f, EXEC_FILL, 1, 7, 'B', 99900, 100, 200, 100, 0);
	queue(&f, EXEC_FILL, 1, 7, 'B', 100000, 50, 150, 150, 0);
	CHECK(poll1(s) == 0);
	n = drain(reports, rep, 64);
	CHECK(n == 3 && rep[0].kind == EXEC_ACK && rep[1].kind == EXEC_FILL &&
	      rep[1].position == 100 && rep[2].position == 150);
	CHECK(exec_stage_order(s, 1, &oi) == 0 && oi.state == EXEC_ST_PARTIALLY_FILLED &&
	      oi.at_venue && oi.leaves_qty == 150 && oi.cum_qty == 150);
	struct position p;
	exec_stage_position(s, 7, &p);
	CHECK(p.qty == 150 && p.cost == 100LL * 99900 + 50LL * 100000);

	/* the venue cancels the rest on its own (e.g. end of day): terminal */
	queue(&f, EXEC_CANCELED, 1, 7, 'B', 100000, 150, 0, 150, EXEC_REASON_NONE);
	CHECK(poll1(s) == 0 && drain(reports, rep, 64) == 1 && rep[0].kind == EXEC_CANCELED);
	CHECK(exec_stage_order(s, 1, &oi) == -ENOENT);

	/* a reject from the venue for a valid order ends it too */
	m = hx_new(2, 7, 'S', 100100, 10, 2, 20);
	m.t0_ns = core_now_ns();
	CHECK(core_ring_push(orders, &m) == 0);
	CHECK(poll1(s) == 0 && f.nsent == 2);
	queue(&f, EXEC_REJECTED, 2, 7, 'S', 100100, 10, 0, 0, EXEC_REASON_INVALID);
	CHECK(poll1(s) == 0 && drain(reports, rep, 64) == 1 && rep[0].kind == EXEC_REJECTED);
	CHECK(exec_stage_order(s, 2, &oi) == -ENOENT);

	/* the session drops with an order open: risk is told; a kill's cancel-all
	 * waits until the session is back, then goes */
	m = hx_new(3, 7, 'B', 99000, 10, 3, 30);
	m.t0_ns = core_now_ns();
	CHECK(core_ring_push(orders, &m) == 0);
	CHECK(poll1(s) == 0 && f.nsent == 3);
	queue(&f, EXEC_ACK, 3, 7, 'B', 99000, 10, 10, 0, 0);
	CHECK(poll1(s) == 0 && drain(reports, rep, 64) == 1);
	f.session = EXEC_SESSION_DOWN;
	m = hx_ctl(ORDER_CANCEL_ALL, 0, 4, 40);
	CHECK(core_ring_push(orders, &m) == 0);
	CHECK(poll1(s) == 0 && f.nsent == 3);
	n = drain(reports, rep, 64);
	CHECK(n == 1 && rep[0].kind == EXEC_SESSION && rep[0].reason == EXEC_SESSION_DOWN);
	f.session = EXEC_SESSION_UP;
	CHECK(poll1(s) == 0 && f.nsent == 4 && f.sent[3].kind == ORDER_CANCEL_ALL);
	n = drain(reports, rep, 64);
	CHECK(n == 1 && rep[0].reason == EXEC_SESSION_UP);
	CHECK(exec_stage_order(s, 3, &oi) == 0 && oi.state == EXEC_ST_CANCEL_PENDING);
	queue(&f, EXEC_CANCELED, 3, 7, 'B', 99000, 10, 0, 0, EXEC_REASON_CANCEL_ALL);
	CHECK(poll1(s) == 0 && drain(reports, rep, 64) == 1);

	/* a report for an order the stage never sent is forwarded and counted */
	queue(&f, EXEC_FILL, 99, 7, 'B', 99000, 1, 0, 1, 0);
	CHECK(poll1(s) == 0 && drain(reports, rep, 64) == 1);
	exec_stage_stats(s, &st);
	CHECK(st.unknown_reports == 1 && st.session_changes == 4 && st.sent == 3 && st.fills == 3 &&
	      st.illegal == 0);

	/* tick-to-wire: one record per order handed to the venue */
	struct core_hist *h = core_hist_pair_flip(t2w);
	CHECK(h->total == 3);

	/* end of stream: ORDER_EOS and MD_EOS in, the venue finishes: EXEC_EOS last */
	m = hx_ctl(ORDER_EOS, 0, 5, 50);
	CHECK(core_ring_push(orders, &m) == 0);
	struct md_event eos = hx_eos_md();
	CHECK(core_ring_push(md, &eos) == 0);
	CHECK(poll1(s) == 0 && f.eos);
	f.session = EXEC_SESSION_DONE;
	CHECK(poll1(s) == CORE_EOF);
	n = drain(reports, rep, 64);
	CHECK(n == 1 && rep[0].kind == EXEC_EOS);
	struct persist_rec pr, last = { 0 };
	while (core_ring_pop(per, &pr) == 0)
		last = pr;
	CHECK(last.kind == PERSIST_EOS);

	exec_stage_destroy(s);
	core_hist_pair_fini(t2w);
	core_free(t2w);
	core_ring_destroy(orders);
	core_ring_destroy(md);
	core_ring_destroy(reports);
	core_ring_destroy(per);
	printf("exec gateway interface: ok\n");
	return 0;
}
