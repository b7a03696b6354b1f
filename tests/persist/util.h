/* util.h - what the persist tests share: temporary directories, record builders,
 * writer drain (test code). */
#ifndef OSPREY_TEST_PERSIST_UTIL_H
#define OSPREY_TEST_PERSIST_UTIL_H

#undef NDEBUG
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../stage_poll.h"
#include "core.h"
#include "persist.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);      \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

static inline void tmpdir_make(char *buf, size_t cap)
{
	const char *t = getenv("TMPDIR");
	snprintf(buf, cap, "%s/osprey-persist-XXXXXX", t && *t ? t : "/tmp");
	CHECK(mkdtemp(buf) != NULL);
}

static inline void tmpdir_remove(const char *dir)
{
	char f[512];
	snprintf(f, sizeof(f), "%s/data.mdb", dir);
	unlink(f);
	snprintf(f, sizeof(f), "%s/lock.mdb", dir);
	unlink(f);
	rmdir(dir);
}

static inline struct persist_rec rec_order(uint64_t id, uint16_t loc, uint8_t side, uint32_t px,
					   uint32_t qty)
{
	struct persist_rec r = { .kind = PERSIST_ORDER };
	r.u.order = (struct order_msg){ .order_id = id, .locate = loc, .side = side, .px = px,
					.qty = qty, .kind = ORDER_NEW, .seq = id * 10 };
	return r;
}

static inline struct persist_rec rec_report(uint64_t id, uint8_t kind, uint32_t qty,
					    uint32_t leaves, uint32_t cum)
{
	struct persist_rec r = { .kind = PERSIST_REPORT };
	r.u.report = (struct exec_report){ .order_id = id, .kind = kind, .qty = qty,
					   .leaves_qty = leaves, .cum_qty = cum, .px = 100000 };
	return r;
}

static inline struct persist_rec rec_pos(uint16_t loc, int64_t qty, int64_t cost, int64_t pnl)
{
	struct persist_rec r = { .kind = PERSIST_POSITION };
	r.u.pos = (struct position){ .qty = qty, .cost = cost, .realized_pnl = pnl, .locate = loc,
				     .ts_ns = 777 };
	return r;
}

/* Poll until EOF (or an error); returns the last result. */
static inline int writer_drain(struct persist_writer *w)
{
	int r = 0;
	for (int i = 0; i < 1000000; i++) {
		uint32_t work;
		r = poll_once(persist_writer_poll, w, &work);
		if (r != 0 || work == 0)
			return r;
	}
	return r;
}

#endif
