/* positions.c - positions and P&L (average cost), and the order-id map the
 * order manager and the simulated venue share. */
#include "exec_int.h"

/* ------------------------------------------------------------------------- */
/* Order-id map. */

uint32_t exec__idmap_cells(uint32_t slots)
{
	return exec__pow2_at_least(2 * slots);
}

void exec__idmap_place(struct exec__idmap *m, struct exec__idcell *cells, uint32_t ncells)
{
	m->cells = cells;
	m->mask = ncells - 1;
	for (uint32_t i = 0; i < ncells; i++)
		m->cells[i].slot = -1;
}

int exec__idmap_init(struct exec__idmap *m, uint32_t slots)
{
	uint32_t cap = exec__idmap_cells(slots);
	struct exec__idcell *cells = core_alloc(sizeof(*cells) * cap, CORE_CACHE_LINE);
	if (!cells)
		return -ENOMEM;
	exec__idmap_place(m, cells, cap);
	return 0;
}

void exec__idmap_fini(struct exec__idmap *m)
{
	core_free(m->cells);
	m->cells = NULL;
}

void exec__idmap_insert(struct exec__idmap *m, uint64_t id, int32_t slot)
{
	uint32_t i = exec__idmap_home(m, id);
	while (m->cells[i].slot >= 0)
		i = (i + 1) & m->mask;
	m->cells[i].id = id;
	m->cells[i].slot = slot;
}

void exec__idmap_erase(struct exec__idmap *m, uint64_t id)
{
	uint32_t i = exec__idmap_home(m, id);
	while (m->cells[i].slot >= 0 && m->cells[i].id != id)
		i = (i + 1) & m->mask;
	if (m->cells[i].slot < 0)
		return;
	for (uint32_t j = i;;) {
		j = (j + 1) & m->mask;
		if (m->cells[j].slot < 0)
			break;
		uint32_t home = exec__idmap_home(m, m->cells[j].id);
		/* move j into the hole at i unless its home lies cyclically in (i, j] */
		if (((j - home) & m->mask) >= ((j - i) & m->mask)) {
			m->cells[i] = m->cells[j];
			i = j;
		}
	}
	m->cells[i].slot = -1;
}

/* ------------------------------------------------------------------------- */
/* Positions book. */

int exec__book_init(struct exec__book *b)
{
	b->inst = core_alloc(sizeof(*b->inst) * EXEC_LOCATES, CORE_CACHE_LINE);
	b->touched = core_alloc(sizeof(*b->touched) * EXEC_LOCATES, CORE_CACHE_LINE);
	b->ntouched = 0;
	if (!b->inst || !b->touched) {
		exec__book_fini(b);
		return -ENOMEM;
	}
	return 0;
}

void exec__book_fini(struct exec__book *b)
{
	core_free(b->inst);
	core_free(b->touched);
	b->inst = NULL;
	b->touched = NULL;
}

static void touch(struct exec__book *b, uint16_t locate)
{
	struct exec__inst *in = &b->inst[locate];
	if (!in->touched) {
		in->touched = true;
		b->touched[b->ntouched++] = locate;
	}
}

int exec__book_restore(struct exec__book *b, const struct position *p)
{
	struct exec__inst *in = &b->inst[p->locate];
	if (in->touched)
		return -EEXIST;
	in->pos = *p;
	touch(b, p->locate);
	return 0;
}

const struct position *exec__book_fill(struct exec__book *b, uint16_t locate, uint8_t side,
                                       uint32_t q, uint32_t px, uint64_t ts_ns)
{
	struct exec__inst *in = &b->inst[locate];
	core_position_apply(&in->pos, side == 'B' ? (int64_t)q : -(int64_t)q, px);
	in->pos.ts_ns = ts_ns;
	in->pos.locate = locate;
	in->last_fill_px = px;
	touch(b, locate);
	return &in->pos;
}

/* Twice the mid, so odd sums stay exact until the final division. */
static int64_t mid2(const struct exec__inst *in)
{
	if (in->bid_px && in->ask_px)
		return (int64_t)in->bid_px + in->ask_px;
	if (in->bid_px)
		return 2 * (int64_t)in->bid_px;
	if (in->ask_px)
		return 2 * (int64_t)in->ask_px;
	return 2 * (int64_t)in->last_fill_px;
}

int64_t exec__book_unrealized(const struct exec__book *b, uint16_t locate)
{
	const struct exec__inst *in = &b->inst[locate];
	int64_t m2 = mid2(in);
	if (in->pos.qty == 0 || m2 == 0)
		return 0; /* flat, or no price seen yet (a restored position before any md) */
	__int128 v = (__int128)in->pos.qty * m2 / 2;
	return (int64_t)(v - in->pos.cost);
}
