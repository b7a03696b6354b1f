/* exec_int.h - exec's private pieces shared by the order manager and the
 * simulated venue: an order-id map and the positions book. */
#ifndef OSPREY_EXEC_INT_H
#define OSPREY_EXEC_INT_H

#include "exec.h"

#define EXEC_LOCATES   65536u
#define EXEC_MAX_LIMIT (1u << 22)

static inline uint32_t exec__pow2_at_least(uint32_t v)
{
	uint32_t p = 2;
	while (p < v)
		p <<= 1;
	return p;
}

/* ------------------------------------------------------------------------- */
/* Order id -> slot index: open addressing with linear probing over at least
 * twice the slots, backward-shift deletion (no tombstones). */
struct exec__idcell {
	uint64_t id;
	int32_t slot; /* -1: empty */
	uint32_t pad_;
};

struct exec__idmap {
	struct exec__idcell *cells;
	uint32_t mask;
};

/* Room for `slots` ids (setup; core_alloc). 0 or -ENOMEM. */
int exec__idmap_init(struct exec__idmap *m, uint32_t slots);
void exec__idmap_fini(struct exec__idmap *m);
/* The same over the caller's memory: exec__idmap_cells(slots) cells at cells. */
uint32_t exec__idmap_cells(uint32_t slots);
void exec__idmap_place(struct exec__idmap *m, struct exec__idcell *cells, uint32_t ncells);

/* Ids come in sequence: the id itself is the hash, so live orders sit in
 * neighbouring cells (see risk.c's open-order table). */
static inline uint32_t exec__idmap_home(const struct exec__idmap *m, uint64_t id)
{
	return (uint32_t)id & m->mask;
}

/* The slot mapped to id, or -1. */
static inline int32_t exec__idmap_find(const struct exec__idmap *m, uint64_t id)
{
	for (uint32_t i = exec__idmap_home(m, id);; i = (i + 1) & m->mask) {
		const struct exec__idcell *c = &m->cells[i];
		if (c->slot < 0 || c->id == id)
			return c->slot;
	}
}

/* Map id (not in the map) to slot. */
void exec__idmap_insert(struct exec__idmap *m, uint64_t id, int32_t slot);
/* Forget id (nothing if absent). */
void exec__idmap_erase(struct exec__idmap *m, uint64_t id);

/* ------------------------------------------------------------------------- */
/* Positions book: per instrument, the position (average cost) and the marks
 * for unrealized P&L (the last top of book, the last fill price). */
struct exec__inst {
	struct position pos;
	uint32_t bid_px, ask_px; /* last top of book seen */
	uint32_t last_fill_px;
	bool touched; /* has a position entry */
};

struct exec__book {
	struct exec__inst *inst; /* EXEC_LOCATES entries */
	uint16_t *touched;       /* locates with a position entry, first-touch order */
	uint32_t ntouched;
};

int exec__book_init(struct exec__book *b);
void exec__book_fini(struct exec__book *b);
/* A restored position; -EEXIST if its locate already has one. */
int exec__book_restore(struct exec__book *b, const struct position *p);

static inline void exec__book_mark(struct exec__book *b, const struct md_event *e)
{
	struct exec__inst *in = &b->inst[e->locate];
	in->bid_px = e->bid_px;
	in->ask_px = e->ask_px;
}

/* Apply a fill of q shares ('B' buys, 'S' sells) at px and event time ts;
 * returns the position after it. */
const struct position *exec__book_fill(struct exec__book *b, uint16_t locate, uint8_t side,
                                       uint32_t q, uint32_t px, uint64_t ts_ns);
int64_t exec__book_unrealized(const struct exec__book *b, uint16_t locate);

#endif
