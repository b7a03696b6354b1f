/* scenario.h - a seeded synthetic market and order stream for exec tests. */
#ifndef OSPREY_TEST_EXEC_SCENARIO_H
#define OSPREY_TEST_EXEC_SCENARIO_H

#include <stdint.h>
#include <stdlib.h>

#include "core.h"

struct scen {
	struct md_event *md;
	unsigned nmd;
	struct order_msg *ord;
	unsigned nord;
};

static inline uint64_t scen_rand(uint64_t *s)
{
	/* xorshift64* */
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static inline unsigned scen_below(uint64_t *s, unsigned n)
{
	return (unsigned)(scen_rand(s) >> 33) % n;
}

/* nev market events over 4 instruments, orders from about a fifth of them. */
static inline void scen_make(struct scen *sc, unsigned nev, uint64_t seed)
{
	uint64_t rs = seed | 1;
	sc->md = calloc(nev + 1, sizeof(*sc->md));
	sc->ord = calloc(nev * 4 + 8, sizeof(*sc->ord));
	sc->nmd = sc->nord = 0;
	uint32_t mid[5] = { 0, 100000, 250000, 51000, 999900 };
	uint64_t ts = 34200000000000ULL; /* 09:30 */
	uint64_t id = 1000;
	for (unsigned i = 1; i <= nev; i++) {
		uint16_t loc = (uint16_t)(1 + scen_below(&rs, 4));
		int step = (int)scen_below(&rs, 5) - 2;
		if ((int)mid[loc] + step * 100 > 2000)
			mid[loc] = (uint32_t)((int)mid[loc] + step * 100);
		uint32_t half = 100 * (1 + scen_below(&rs, 2));
		struct md_event *e = &sc->md[sc->nmd++];
		ts += scen_below(&rs, 1500);
		e->t0_ns = 0;
		e->ts_ns = ts;
		e->seq = i;
		e->locate = loc;
		e->bid_px = mid[loc] - half;
		e->ask_px = mid[loc] + half;
		e->bid_qty = 50 + scen_below(&rs, 400);
		e->ask_qty = 50 + scen_below(&rs, 400);
		e->flags = MD_F_BOOK;
		unsigned k = scen_below(&rs, 100);
		if (k < 65) {
			e->kind = MD_ADD;
		} else if (k < 85) {
			e->kind = MD_EXEC;
			e->side = scen_below(&rs, 2) ? 'B' : 'S';
			e->px = e->side == 'B' ? e->bid_px : e->ask_px;
			e->qty = 1 + scen_below(&rs, 300);
		} else if (k < 92) {
			e->kind = MD_TRADE;
			e->px = e->bid_px + 100 * scen_below(&rs, 3);
			e->qty = 1 + scen_below(&rs, 200);
		} else if (k < 99) {
			e->kind = MD_CANCEL;
		} else {
			e->kind = MD_STATUS;
			e->flags |= MD_F_HALTED;
		}
		/* orders decided on this event */
		unsigned nn = scen_below(&rs, 100) < 22 ? 1 + scen_below(&rs, 2) : 0;
		for (unsigned j = 0; j < nn; j++) {
			struct order_msg *m = &sc->ord[sc->nord++];
			m->kind = ORDER_NEW;
			m->seq = i;
			m->ts_ns = ts;
			m->order_id = ++id;
			m->locate = loc;
			m->side = scen_below(&rs, 2) ? 'B' : 'S';
			int off = (int)scen_below(&rs, 7) - 3;
			uint32_t base = m->side == 'B' ? e->bid_px : e->ask_px;
			m->px = (uint32_t)((int)base - (m->side == 'B' ? -1 : 1) * off * 100);
			m->qty = 1 + scen_below(&rs, 400);
			if (scen_below(&rs, 200) == 0)
				m->qty = 0; /* invalid: rejected */
		}
		if (scen_below(&rs, 100) < 6 && id > 1000) {
			struct order_msg *m = &sc->ord[sc->nord++];
			m->kind = ORDER_CANCEL;
			m->seq = i;
			m->ts_ns = ts;
			m->order_id = id - scen_below(&rs, 20);
		}
		if (scen_below(&rs, 1000) < 2) {
			struct order_msg *m = &sc->ord[sc->nord++];
			m->kind = ORDER_CANCEL_ALL;
			m->seq = i;
			m->ts_ns = ts;
		}
		if (scen_below(&rs, 100) < 60) {
			struct order_msg *m = &sc->ord[sc->nord++];
			m->kind = ORDER_WATERMARK;
			m->seq = i;
			m->ts_ns = ts;
		}
	}
	sc->md[sc->nmd++] = (struct md_event){ .kind = MD_EOS, .seq = nev + 1, .ts_ns = ts };
	sc->ord[sc->nord++] = (struct order_msg){ .kind = ORDER_EOS, .seq = nev, .ts_ns = ts };
}

static inline void scen_free(struct scen *sc)
{
	free(sc->md);
	free(sc->ord);
}

#endif
