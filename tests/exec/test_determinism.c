/* Determinism: one order stream and one md stream, fed with different
 * interleavings and ring sizes, give identical reports, persist content and hash. */
#undef NDEBUG
#include "harness.h"
#include "scenario.h"

struct outcome {
	struct exec_report *rep;
	unsigned nrep;
	struct persist_rec *per; /* run_seq cleared; order records first, then the rest */
	unsigned nper;
	struct exec_stats st;
};

enum policy { MD_FIRST, ORDERS_FIRST, RANDOM };

static void run(const struct scen *sc, enum policy pol, uint32_t ring_cap, uint64_t seed,
		struct outcome *out)
{
	struct hx_cfg cfg = { .sim.latency_ns = 2000, .exec.burst = (unsigned)(1 + seed % 40) };
	struct hx h;
	hx_init(&h, &cfg, ring_cap);
	uint64_t rs = seed | 1;
	unsigned io = 0, im = 0;
	int r = 0;
	while (io < sc->nord || im < sc->nmd) {
		bool want_md;
		if (im == sc->nmd)
			want_md = false;
		else if (io == sc->nord)
			want_md = true;
		else if (pol == MD_FIRST)
			want_md = true;
		else if (pol == ORDERS_FIRST)
			want_md = false;
		else
			want_md = scen_below(&rs, 2);
		bool pushed;
		if (want_md)
			pushed = core_ring_push(h.md, &sc->md[im]) == 0 && ++im;
		else
			pushed = core_ring_push(h.orders, &sc->ord[io]) == 0 && ++io;
		if (!pushed) {
			/* that ring is full: try the other, else let the stage run */
			if (want_md && io < sc->nord)
				pushed = core_ring_push(h.orders, &sc->ord[io]) == 0 && ++io;
			else if (!want_md && im < sc->nmd)
				pushed = core_ring_push(h.md, &sc->md[im]) == 0 && ++im;
		}
		if (!pushed || (pol == RANDOM && scen_below(&rs, 8) == 0)) {
			r = hx_poll(&h, NULL);
			CHECK(r >= 0);
			hx_collect(&h);
		}
	}
	for (int i = 0; i < 1000000 && r != CORE_EOF; i++) {
		r = hx_poll(&h, NULL);
		CHECK(r >= 0);
		hx_collect(&h);
	}
	CHECK(r == CORE_EOF);
	exec_stage_stats(h.st, &out->st);
	out->nrep = h.nrep;
	out->rep = malloc(sizeof(*out->rep) * h.nrep);
	memcpy(out->rep, h.rep, sizeof(*out->rep) * h.nrep);
	/* persist: run_seq depends on interleaving; per-kind subsequences must not */
	out->per = malloc(sizeof(*out->per) * h.nper);
	out->nper = 0;
	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < h.nper; i++) {
			if ((h.per[i].kind == PERSIST_ORDER) != (pass == 0))
				continue;
			out->per[out->nper] = h.per[i];
			out->per[out->nper++].run_seq = 0;
		}
	CHECK(out->nper == h.nper);
	hx_fini(&h);
}

static void same(const struct outcome *a, const struct outcome *b, const char *what)
{
	if (a->nrep != b->nrep || memcmp(a->rep, b->rep, sizeof(*a->rep) * a->nrep) != 0) {
		fprintf(stderr, "%s: reports differ (%u vs %u)\n", what, a->nrep, b->nrep);
		for (unsigned i = 0; i < a->nrep && i < b->nrep; i++)
			if (memcmp(&a->rep[i], &b->rep[i], sizeof(a->rep[i]))) {
				fprintf(stderr, "first difference at report %u: id %llu/%llu kind %u/%u\n",
					i, (unsigned long long)a->rep[i].order_id,
					(unsigned long long)b->rep[i].order_id, a->rep[i].kind,
					b->rep[i].kind);
				break;
			}
		exit(1);
	}
	CHECK(a->nper == b->nper && memcmp(a->per, b->per, sizeof(*a->per) * a->nper) == 0);
	CHECK(a->st.hash == b->st.hash);
	CHECK(a->st.fills == b->st.fills && a->st.filled_qty == b->st.filled_qty);
	CHECK(a->st.acks == b->st.acks && a->st.cancels == b->st.cancels);
	CHECK(a->st.rejects == b->st.rejects && a->st.open_orders == b->st.open_orders);
	CHECK(a->st.realized_pnl == b->st.realized_pnl);
	CHECK(a->st.unrealized_pnl == b->st.unrealized_pnl);
	CHECK(a->st.md_in == b->st.md_in && a->st.sent == b->st.sent);
}

int main(void)
{
	CHECK(core_clock_init(1) == 0);
	struct scen sc;
	scen_make(&sc, 6000, 42);
	struct outcome base, o;
	run(&sc, MD_FIRST, 8192, 1, &base);

	/* the scenario exercises the whole model */
	unsigned partial = 0, cancel_all = 0, user_cancel = 0;
	for (unsigned i = 0; i < base.nrep; i++) {
		partial += base.rep[i].kind == EXEC_FILL && base.rep[i].leaves_qty > 0;
		cancel_all += base.rep[i].reason == EXEC_REASON_CANCEL_ALL;
		user_cancel += base.rep[i].reason == EXEC_REASON_USER_CANCEL;
	}
	printf("orders %llu acks %llu fills %llu (partial %u) cancels %llu (user %u, all %u) "
	       "rejects %llu open %llu realized %lld unrealized %lld hash %016llx\n",
	       (unsigned long long)base.st.sent, (unsigned long long)base.st.acks,
	       (unsigned long long)base.st.fills, partial, (unsigned long long)base.st.cancels,
	       user_cancel, cancel_all, (unsigned long long)base.st.rejects,
	       (unsigned long long)base.st.open_orders, (long long)base.st.realized_pnl,
	       (long long)base.st.unrealized_pnl, (unsigned long long)base.st.hash);
	CHECK(base.st.fills > 200 && partial > 20 && user_cancel > 5 && cancel_all > 0);
	CHECK(base.st.rejects > 0 && base.st.acks > 500);
	CHECK(base.st.hash != 0xcbf29ce484222325ULL);

	struct {
		enum policy pol;
		uint32_t cap;
		uint64_t seed;
		const char *name;
	} runs[] = {
		{ ORDERS_FIRST, 8192, 2, "orders first" },
		{ RANDOM, 8192, 3, "random, big rings" },
		{ RANDOM, 8, 4, "random, rings of 8" },
		{ RANDOM, 2, 5, "random, rings of 2" },
		{ MD_FIRST, 4, 6, "md first, rings of 4" },
		{ ORDERS_FIRST, 4, 7, "orders first, rings of 4" },
	};
	for (unsigned i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		run(&sc, runs[i].pol, runs[i].cap, runs[i].seed, &o);
		same(&base, &o, runs[i].name);
		free(o.rep);
		free(o.per);
	}

	/* and a different stream gives a different hash */
	struct scen sc2;
	scen_make(&sc2, 6000, 1234567);
	run(&sc2, RANDOM, 64, 9, &o);
	CHECK(o.st.hash != base.st.hash);
	free(o.rep);
	free(o.per);
	scen_free(&sc2);

	free(base.rep);
	free(base.per);
	scen_free(&sc);
	printf("exec determinism: ok\n");
	return 0;
}
