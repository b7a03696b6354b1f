/* Orders and md from two producer threads, the stage on a third, reports
 * drained by a fourth; the result must equal a single-threaded run. Meant for
 * -Db_sanitize=thread too. */
#undef NDEBUG
#include <pthread.h>
#include <sched.h>

#include "harness.h"
#include "scenario.h"

static struct scen sc;
static struct core_ring *r_orders, *r_md, *r_rep, *r_per;
static struct exec_stage *stage;
static _Atomic int stage_result;

static void *md_producer(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < sc.nmd; i++)
		while (core_ring_push(r_md, &sc.md[i]) == CORE_RING_FULL)
			sched_yield();
	return NULL;
}

static void *order_producer(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < sc.nord; i++) {
		struct order_msg m = sc.ord[i];
		m.t0_ns = core_now_ns(); /* tick-to-order is measured from here */
		while (core_ring_push(r_orders, &m) == CORE_RING_FULL)
			sched_yield();
	}
	return NULL;
}

static void *stage_thread(void *arg)
{
	(void)arg;
	int r;
	uint32_t work = 0;
	while ((r = exec_stage_poll(stage, &work)) == 0)
		if (work == 0)
			sched_yield();
	atomic_store_explicit(&stage_result, r, memory_order_relaxed);
	return NULL;
}

struct drained {
	struct exec_report *rep;
	unsigned nrep;
	unsigned nper;
	uint64_t last_run_seq;
};

static void *drain_thread(void *arg)
{
	struct drained *d = arg;
	bool eos = false;
	while (!eos) {
		struct exec_report r;
		struct persist_rec p;
		bool any = false;
		while (core_ring_pop(r_rep, &r) == 0) {
			if (r.kind != EXEC_PROGRESS && r.kind != EXEC_EOS)
				d->rep[d->nrep++] = r;
			any = true;
		}
		while (core_ring_pop(r_per, &p) == 0) {
			CHECK(p.run_seq == d->last_run_seq + 1); /* dense, in order */
			d->last_run_seq = p.run_seq;
			d->nper++;
			any = true;
			if (p.kind == PERSIST_EOS)
				eos = true;
		}
		if (!any)
			sched_yield();
	}
	/* PERSIST_EOS comes after every report was pushed */
	struct exec_report r;
	while (core_ring_pop(r_rep, &r) == 0)
		if (r.kind != EXEC_PROGRESS && r.kind != EXEC_EOS)
			d->rep[d->nrep++] = r;
	return NULL;
}

int main(void)
{
	CHECK(core_clock_init(1) == 0);
	scen_make(&sc, 3000, 7);

	/* reference: single thread, big rings */
	struct hx_cfg cfg = { .sim.latency_ns = 1500 };
	struct hx h;
	hx_init(&h, &cfg, 8192);
	for (unsigned i = 0; i < sc.nmd; i++)
		CHECK(core_ring_push(h.md, &sc.md[i]) == 0);
	for (unsigned i = 0; i < sc.nord; i++)
		hx_push_order(&h, &sc.ord[i]);
	CHECK(hx_run(&h) == CORE_EOF);
	struct exec_stats ref;
	exec_stage_stats(h.st, &ref);
	CHECK(ref.fills > 50);

	for (int round = 0; round < 3; round++) {
		r_orders = core_ring_create("orders", 16, sizeof(struct order_msg));
		r_md = core_ring_create("md", 16, sizeof(struct md_event));
		r_rep = core_ring_create("rep", 16, sizeof(struct exec_report));
		r_per = core_ring_create("per", 16, sizeof(struct persist_rec));
		struct core_hist_pair *hx = core_alloc(sizeof(*hx), CORE_CACHE_LINE);
		struct core_hist_pair *ht = core_alloc(sizeof(*ht), CORE_CACHE_LINE);
		CHECK(hx && ht && core_hist_pair_init(hx) == 0 && core_hist_pair_init(ht) == 0);
		struct exec_sim_config vc = { .latency_ns = 1500 };
		struct exec_sim *sim;
		char err[128];
		CHECK(exec_sim_create(&vc, &sim, err, sizeof(err)) == 0);
		struct exec_config c2 = { .orders_in = r_orders,
			                  .md_in = r_md,
			                  .reports_out = r_rep,
			                  .persist_out = r_per,
			                  .venue = exec_sim_venue(sim),
			                  .burst = 4 + 8 * (unsigned)round,
			                  .hist_exec = hx,
			                  .hist_t2o = ht };
		CHECK(exec_stage_create(&c2, &stage, err, sizeof(err)) == 0);
		struct drained d = { .rep = calloc(h.nrep + 16, sizeof(struct exec_report)) };
		pthread_t t[4];
		CHECK(pthread_create(&t[0], NULL, stage_thread, NULL) == 0);
		CHECK(pthread_create(&t[1], NULL, drain_thread, &d) == 0);
		CHECK(pthread_create(&t[2], NULL, md_producer, NULL) == 0);
		CHECK(pthread_create(&t[3], NULL, order_producer, NULL) == 0);
		for (int i = 0; i < 4; i++)
			CHECK(pthread_join(t[i], NULL) == 0);
		CHECK(atomic_load(&stage_result) == CORE_EOF);
		struct exec_stats st;
		exec_stage_stats(stage, &st);
		CHECK(st.hash == ref.hash && st.fills == ref.fills && st.realized_pnl == ref.realized_pnl);
		CHECK(d.nrep == h.nrep && memcmp(d.rep, h.rep, sizeof(*d.rep) * d.nrep) == 0);
		CHECK(d.nper == h.nper);
		/* every message consumed was recorded: md events + order messages */
		/* the stage thread was joined: its records are visible without quiescing */
		struct core_hist *c = core_hist_pair_flip(hx);
		CHECK(c->total == (int64_t)(st.md_in + st.orders_in));
		struct core_hist *t2o = core_hist_pair_flip(ht);
		CHECK(t2o->total == (int64_t)st.sent && t2o->min > 0);
		free(d.rep);
		stage = exec_stage_destroy(stage);
		sim = exec_sim_destroy(sim);
		core_hist_pair_fini(hx);
		core_hist_pair_fini(ht);
		core_free(hx);
		core_free(ht);
		core_ring_destroy(r_orders);
		core_ring_destroy(r_md);
		core_ring_destroy(r_rep);
		core_ring_destroy(r_per);
	}
	hx_fini(&h);
	scen_free(&sc);
	printf("exec threaded: ok\n");
	return 0;
}
