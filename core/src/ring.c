/* ring.c - SPSC ring setup; the operations are inline in core.h. */
#include "core.h"

#include <stdio.h>

int core_ring_init(struct core_ring *r, const char *name, void *slots, uint32_t capacity,
		   uint32_t slot_size)
{
	if (capacity < 2 || (capacity & (capacity - 1)) || slot_size == 0 || slot_size % 8)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	r->mask = capacity - 1;
	r->slot_size = slot_size;
	r->slots = slots;
	snprintf(r->name, sizeof(r->name), "%s", name ? name : "ring");
	return 0;
}

struct core_ring *core_ring_create(const char *name, uint32_t capacity, uint32_t slot_size)
{
	if (capacity < 2 || (capacity & (capacity - 1)) || slot_size == 0 || slot_size % 8)
		return NULL;
	struct core_ring *r = core_alloc(sizeof(*r), CORE_CACHE_LINE);
	if (!r)
		return NULL;
	void *slots = core_alloc((size_t)capacity * slot_size, CORE_CACHE_LINE);
	if (!slots)
		goto out_free_ring;
	if (core_ring_init(r, name, slots, capacity, slot_size) < 0)
		goto out_free_slots;
	return r;
out_free_slots:
	core_free(slots);
out_free_ring:
	core_free(r);
	return NULL;
}

struct core_ring *core_ring_destroy(struct core_ring *r)
{
	if (r) {
		core_free(r->slots);
		core_free(r);
	}
	return NULL;
}

int core_ring_check(const struct core_ring *r, const char *who, const char *field, size_t slot_size,
                    const char *type, char *err, size_t errlen)
{
	if (!r) {
		core_errf(err, errlen, "%s: %s: ring missing (want %s slots)", who, field, type);
		return -EINVAL;
	}
	if (r->slot_size != slot_size) {
		core_errf(err, errlen, "%s: %s: ring '%s' has %u-byte slots, want %zu (%s)", who,
		          field, r->name, r->slot_size, slot_size, type);
		return -EINVAL;
	}
	return 0;
}
