/*
 * Positions survive a restart: run the engine with a database, then reopen
 * the database as a restarting engine does and find the same positions and
 * an order id past every one already used.
 */
#undef NDEBUG
#include "engine.h"
#include "exec.h"
#include "feeds.h"
#include "persist.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
	core_clock_init(10);
	char dir[] = "/tmp/osprey-restart-XXXXXX";
	assert(mkdtemp(dir));
	char session[200], db[200], err[512];
	snprintf(session, sizeof(session), "%s/session.itch", dir);
	snprintf(db, sizeof(db), "%s/db", dir);

	struct feeds_gen_cfg gc = { .seed = 11, .messages = 150000, .symbols = 3 };
	size_t cap = feeds_gen_bound(&gc), len = 0;
	unsigned char *buf = malloc(cap);
	assert(buf && feeds_gen(&gc, buf, cap, &len, err, sizeof(err)) == 0);
	FILE *f = fopen(session, "wb");
	assert(f && fwrite(buf, 1, len, f) == len && fclose(f) == 0);
	free(buf);

	struct engine_opts o;
	engine_opts_default(&o);
	assert(engine_opts_add_input(&o, session, "input", err, sizeof(err)) == 0);
	snprintf(o.db, sizeof(o.db), "%s", db);
	snprintf(o.model, sizeof(o.model), "%s/models/default.model", getenv("OSPREY_SOURCE"));
	struct engine *e;
	assert(engine_create(&o, &e, err, sizeof(err)) == 0);
	assert(engine_run(e, err, sizeof(err)) == 0);
	struct engine_result res;
	engine_result(e, &res);
	printf("run 1: orders=%" PRIu64 " fills=%" PRIu64 " position_sum=%" PRId64 "\n", res.orders,
	       res.fills, res.position_sum);
	assert(res.orders > 0 && res.fills > 0 && res.positions_agree);
	engine_destroy(e);

	/* what a restarting engine loads */
	struct persist *p;
	assert(persist_open(db, &p, err, sizeof(err)) == 0);
	struct position pos[64];
	unsigned n = 0;
	assert(persist_load_positions(p, pos, 64, &n) == 0);
	int64_t sum = 0;
	for (unsigned i = 0; i < n; i++)
		sum += pos[i].qty;
	assert(n > 0);
	assert(sum == res.position_sum);
	uint64_t next = 0;
	assert(persist_next_order_id(p, &next) == 0);
	assert(next > res.orders);
	persist_close(p);

	/* the second run starts from the restored positions and keeps counting ids */
	assert(engine_create(&o, &e, err, sizeof(err)) == 0);
	assert(engine_run(e, err, sizeof(err)) == 0);
	struct engine_result res2;
	engine_result(e, &res2);
	printf("run 2: orders=%" PRIu64 " position_sum=%" PRId64 "\n", res2.orders,
	       res2.position_sum);
	assert(res2.positions_agree);
	engine_destroy(e);
	assert(persist_open(db, &p, err, sizeof(err)) == 0);
	uint64_t next2 = 0;
	assert(persist_next_order_id(p, &next2) == 0);
	assert(next2 >= next + res2.orders);
	persist_close(p);

	/* positions in 300 instruments (more than the 256 a restart could load
	 * before: "cannot load positions (No space left on device)") */
	assert(persist_open(db, &p, err, sizeof(err)) == 0);
	struct core_ring *ring = core_ring_create("pos", 512, sizeof(struct persist_rec));
	struct persist_writer *w;
	struct persist_writer_cfg wc = { .db = p, .in = &ring, .nin = 1 };
	assert(ring && persist_writer_create(&wc, &w, err, sizeof(err)) == 0);
	for (unsigned i = 0; i < 300; i++) {
		struct persist_rec rec = { .kind = PERSIST_POSITION };
		rec.u.pos.locate = (uint16_t)(1000 + i);
		rec.u.pos.qty = (int64_t)i + 1;
		rec.u.pos.cost = ((int64_t)i + 1) * 1000000;
		assert(core_ring_push(ring, &rec) == 0);
	}
	struct persist_rec eos = { .kind = PERSIST_EOS };
	assert(core_ring_push(ring, &eos) == 0);
	uint32_t work;
	int wr;
	while ((wr = persist_writer_poll(w, &work)) == 0)
		;
	assert(wr == CORE_EOF);
	persist_writer_destroy(w);
	core_ring_destroy(ring);
	persist_close(p);
	assert(engine_create(&o, &e, err, sizeof(err)) == 0);
	assert(engine_run(e, err, sizeof(err)) == 0);
	struct engine_result res3;
	engine_result(e, &res3);
	assert(res3.positions_agree);
	engine_destroy(e);
	assert(persist_open(db, &p, err, sizeof(err)) == 0);
	static struct position many[1024];
	assert(persist_load_positions(p, many, 1024, &n) == 0 && n >= 300);
	persist_close(p);
	printf("run 3: %u positions restored and kept\n", n);

	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
	return 0;
}
