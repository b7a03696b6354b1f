/* venue_driver.h - a test driving one exec_venue by hand (a gateway under
 * test, against a stand-in peer): its reports logged, bounded waits, sends
 * retried while the venue is busy. Header-only, test code. Before including
 * it a test declares
 *   static void fail(const char *fmt, ...) (printf-like, noreturn: it may
 *   print the gateway's own account; log_ and nlog hold the reports)
 * and may define VD_POLL_US (the pause between polls, 200) and VD_SEQ_BASE
 * (new_order's seq is id + this, 0). v is the venue the test sets. */
#ifndef OSPREY_TEST_VENUE_DRIVER_H
#define OSPREY_TEST_VENUE_DRIVER_H

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"

#ifndef VD_POLL_US
#define VD_POLL_US 200
#endif
#ifndef VD_SEQ_BASE
#define VD_SEQ_BASE 0
#endif

static struct exec_report log_[4096];
static unsigned nlog;
static struct exec_venue v;

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* One poll of the venue: what it reports, logged. */
static void poll_once(void)
{
	struct exec_report out[64];
	int n = v.ops->poll(v.ctx, out, 64);
	if (n < 0)
		fail("poll: %s", strerror(-n));
	for (int i = 0; i < n; i++) {
		assert(nlog < sizeof(log_) / sizeof(log_[0]));
		log_[nlog++] = out[i];
	}
	usleep(VD_POLL_US);
}

/* The first report of kind for order id, or NULL. */
static const struct exec_report *find(uint64_t id, uint8_t kind)
{
	for (unsigned i = 0; i < nlog; i++)
		if (log_[i].order_id == id && log_[i].kind == kind)
			return &log_[i];
	return NULL;
}

/* Poll until cond holds; fail after ms. */
#define WAIT_FOR(cond, ms, what)                                        \
	do {                                                            \
		uint64_t until_ = now_ms() + (ms);                      \
		while (!(cond)) {                                       \
			if (now_ms() > until_)                          \
				fail("%s: not within %d ms", what, ms); \
			poll_once();                                    \
		}                                                       \
	} while (0)

/* Send m, polling while the venue is busy (5 s at most). */
static void send_msg(struct order_msg m)
{
	int r;
	uint64_t until = now_ms() + 5000;
	while ((r = v.ops->send(v.ctx, &m)) == EXEC_VENUE_BUSY) {
		if (now_ms() > until)
			fail("order %" PRIu64 ": the venue stayed busy", m.order_id);
		poll_once();
	}
	if (r != 0)
		fail("order %" PRIu64 ": send: %d", m.order_id, r);
}

static void new_order(uint64_t id, uint16_t locate, char side, uint32_t qty, uint32_t px, int tif)
{
	send_msg((struct order_msg){ .kind = ORDER_NEW,
	                             .order_id = id,
	                             .seq = VD_SEQ_BASE + id,
	                             .locate = locate,
	                             .side = (uint8_t)side,
	                             .qty = qty,
	                             .px = px,
	                             .tif = (uint8_t)tif });
}

static void cancel(uint64_t id)
{
	send_msg((struct order_msg){ .kind = ORDER_CANCEL, .order_id = id });
}

#endif
