/* harness.h - the rig the exec tests share: rings around the order manager, message
 * builders, report lookups (header-only, test code). */
#ifndef OSPREY_TEST_EXEC_HARNESS_H
#define OSPREY_TEST_EXEC_HARNESS_H

#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "exec.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);      \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

/* A stage over the simulated venue: what a test configures of each. */
struct hx_cfg {
	struct exec_config exec;
	struct exec_sim_config sim;
};

struct hx {
	struct core_ring *orders, *md, *reports, *persist;
	struct exec_sim *sim;
	struct exec_stage *st;
	struct exec_report *rep;
	unsigned nrep, caprep;
	struct persist_rec *per;
	unsigned nper, capper;
	unsigned nprog;           /* EXEC_PROGRESS markers (kept out of rep) */
	unsigned neos;            /* EXEC_EOS markers seen (at most one, last) */
	uint64_t last_prog;
	uint64_t md_seq;
};

static inline void hx_init(struct hx *h, struct hx_cfg *cfg, uint32_t ring_cap)
{
	memset(h, 0, sizeof(*h));
	h->caprep = 1u << 16;
	h->capper = 1u << 17;
	h->rep = calloc(h->caprep, sizeof(*h->rep));
	h->per = calloc(h->capper, sizeof(*h->per));
	CHECK(h->rep && h->per);
	h->orders = core_ring_create("orders", ring_cap, sizeof(struct order_msg));
	h->md = core_ring_create("md", ring_cap, sizeof(struct md_event));
	h->reports = core_ring_create("reports", ring_cap, sizeof(struct exec_report));
	h->persist = core_ring_create("persist", ring_cap, sizeof(struct persist_rec));
	CHECK(h->orders && h->md && h->reports && h->persist);
	cfg->exec.orders_in = h->orders;
	cfg->exec.md_in = h->md;
	cfg->exec.reports_out = h->reports;
	cfg->exec.persist_out = h->persist;
	char err[256] = "";
	int r = exec_sim_create(&cfg->sim, &h->sim, err, sizeof(err));
	if (r) {
		fprintf(stderr, "exec_sim_create: %d %s\n", r, err);
		exit(1);
	}
	cfg->exec.venue = exec_sim_venue(h->sim);
	r = exec_stage_create(&cfg->exec, &h->st, err, sizeof(err));
	if (r) {
		fprintf(stderr, "exec_stage_create: %d %s\n", r, err);
		exit(1);
	}
}

static inline void hx_fini(struct hx *h)
{
	h->st = exec_stage_destroy(h->st);
	h->sim = exec_sim_destroy(h->sim);
	core_ring_destroy(h->orders);
	core_ring_destroy(h->md);
	core_ring_destroy(h->reports);
	core_ring_destroy(h->persist);
	free(h->rep);
	free(h->per);
}

static inline void hx_collect(struct hx *h)
{
	struct exec_report r;
	while (core_ring_pop(h->reports, &r) == 0) {
		CHECK(h->neos == 0); /* nothing after EXEC_EOS */
		if (r.kind == EXEC_EOS) {
			h->neos++;
			continue;
		}
		if (r.kind == EXEC_PROGRESS) {
			/* nondecreasing, and never behind a report already seen */
			CHECK(r.seq > h->last_prog);
			CHECK(h->nrep == 0 || r.seq >= h->rep[h->nrep - 1].seq);
			h->last_prog = r.seq;
			h->nprog++;
			continue;
		}
		CHECK(r.seq > h->last_prog); /* reports never go behind a progress marker */
		CHECK(h->nrep < h->caprep);
		h->rep[h->nrep++] = r;
	}
	struct persist_rec p;
	while (core_ring_pop(h->persist, &p) == 0) {
		CHECK(h->nper < h->capper);
		h->per[h->nper++] = p;
	}
}

/* One poll: its result; the work it did in *work when work is non-NULL. */
static inline int hx_poll(struct hx *h, uint32_t *work)
{
	uint32_t w = 0;
	int r = exec_stage_poll(h->st, &w);
	if (work)
		*work = w;
	return r;
}

/* Poll until the stage is idle (or done), collecting outputs. Returns the last
 * result; EXEC_EOS came exactly with CORE_EOF. */
static inline int hx_run(struct hx *h)
{
	int r, idle = 0;
	for (;;) {
		uint32_t w;
		r = hx_poll(h, &w);
		hx_collect(h);
		if (r < 0 || r == CORE_EOF) {
			CHECK(r < 0 || h->neos == 1);
			return r;
		}
		if (w == 0 && ++idle > 3)
			return 0;
		if (w)
			idle = 0;
	}
}

static inline void hx_push_order(struct hx *h, const struct order_msg *m)
{
	while (core_ring_push(h->orders, m) == CORE_RING_FULL)
		hx_run(h);
}

static inline void hx_push_md(struct hx *h, const struct md_event *e)
{
	while (core_ring_push(h->md, e) == CORE_RING_FULL)
		hx_run(h);
}

static inline struct order_msg hx_new(uint64_t id, uint16_t locate, uint8_t side, uint32_t px,
				      uint32_t qty, uint64_t seq, uint64_t ts)
{
	struct order_msg m = { .ts_ns = ts, .seq = seq, .order_id = id, .px = px, .qty = qty,
			       .locate = locate, .side = side, .kind = ORDER_NEW };
	return m;
}

static inline struct order_msg hx_ctl(uint8_t kind, uint64_t id, uint64_t seq, uint64_t ts)
{
	struct order_msg m = { .ts_ns = ts, .seq = seq, .order_id = id, .kind = kind };
	return m;
}

/* A book event: top of book after it. */
static inline struct md_event hx_book(uint64_t seq, uint64_t ts, uint16_t locate, uint32_t bid,
				      uint32_t bq, uint32_t ask, uint32_t aq)
{
	struct md_event e = { .ts_ns = ts, .seq = seq, .locate = locate, .kind = MD_ADD,
			      .bid_px = bid, .bid_qty = bq, .ask_px = ask, .ask_qty = aq,
			      .flags = MD_F_BOOK };
	return e;
}

static inline struct md_event hx_eos_md(void)
{
	struct md_event e = { .kind = MD_EOS };
	return e;
}

/* Reports of one kind for one order. */
static inline unsigned hx_count(const struct hx *h, uint64_t id, uint8_t kind)
{
	unsigned n = 0;
	for (unsigned i = 0; i < h->nrep; i++)
		if (h->rep[i].order_id == id && h->rep[i].kind == kind)
			n++;
	return n;
}

static inline const struct exec_report *hx_find(const struct hx *h, uint64_t id, uint8_t kind,
						unsigned nth)
{
	for (unsigned i = 0; i < h->nrep; i++)
		if (h->rep[i].order_id == id && h->rep[i].kind == kind && nth-- == 0)
			return &h->rep[i];
	return NULL;
}

#endif
