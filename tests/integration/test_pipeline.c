/*
 * The whole pipeline on real NASDAQ order flow (LOBSTER AMZN 2012-06-21):
 * every message decoded, orders and fills happen, positions equal the fills,
 * and the order stream is identical with one hot thread and with five.
 */
#undef NDEBUG
#include "engine.h"
#include "feeds.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void run(const char *file, const char *mapping, enum core_idle idle,
		struct engine_result *res)
{
	struct engine_opts o;
	engine_opts_default(&o);
	char err[512];
	if (engine_opts_add_input(&o, file, "input", err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	o.idle = idle;
	snprintf(o.mapping, sizeof(o.mapping), "%s", mapping);
	snprintf(o.model, sizeof(o.model), "%s/models/default.model", getenv("OSPREY_SOURCE"));
	struct engine *e;
	if (engine_create(&o, &e, err, sizeof(err)) < 0) {
		fprintf(stderr, "engine_create: %s\n", err);
		exit(1);
	}
	int r = engine_run(e, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "engine_run: %s\n", err);
		exit(1);
	}
	engine_result(e, res);
	printf("%-40s messages=%" PRIu64 " intents=%" PRIu64 " orders=%" PRIu64 " fills=%" PRIu64
	       " rejects=%" PRIu64 " hash=%016" PRIx64 " pos=%" PRId64 "\n",
	       mapping, res->messages, res->intents, res->orders, res->fills, res->rejects,
	       res->order_hash, res->position_sum);
	engine_destroy(e);
}

/* --generated: a 3-symbol synthetic session instead (small enough for TSan) */
static uint64_t generate(char *file, size_t cap)
{
	char err[256];
	snprintf(file, cap, "/tmp/osprey-mapping-%d.itch", (int)getpid());
	struct feeds_gen_cfg gc = { .seed = 5, .messages = 40000, .symbols = 3 };
	size_t bound = feeds_gen_bound(&gc), len = 0;
	unsigned char *buf = malloc(bound);
	assert(buf && feeds_gen(&gc, buf, bound, &len, err, sizeof(err)) == 0);
	FILE *f = fopen(file, "wb");
	assert(f && fwrite(buf, 1, len, f) == len && fclose(f) == 0);
	free(buf);
	return gc.messages;
}

int main(int argc, char **argv)
{
	const char *shared = getenv("OSPREY_SHARED");
	char file[512];
	uint64_t expect = 193502;
	bool generated = argc > 1 && !strcmp(argv[1], "--generated");
	setvbuf(stdout, NULL, _IONBF, 0);
	if (generated) {
		expect = generate(file, sizeof(file));
	} else {
		snprintf(file, sizeof(file), "%s/data/itch/lobster_AMZN_20120621_L5.itch50",
			 shared ? shared : "../shared");
		if (access(file, R_OK) != 0) {
			fprintf(stderr, "skip: %s absent\n", file);
			return 77;
		}
	}
	core_clock_init(10);
	struct engine_result one, five;
	run(file, "feeds+features+model+risk+exec", CORE_IDLE_SPIN, &one);
	assert(one.messages == expect);
	assert(one.intents > 0);
	assert(one.orders > 0 && one.orders <= one.intents);
	assert(one.fills > 0);
	assert(one.positions_agree);
	/* five threads on two cores: they must yield, and still agree bit for bit */
	run(file, "feeds,features,model,risk,exec", CORE_IDLE_YIELD, &five);
	assert(five.messages == one.messages);
	assert(five.intents == one.intents);
	assert(five.orders == one.orders);
	assert(five.fills == one.fills);
	assert(five.rejects == one.rejects);
	assert(five.order_hash == one.order_hash);
	assert(five.realized_pnl == one.realized_pnl);
	assert(five.position_sum == one.position_sum);
	assert(five.positions_agree);
	/* a third mapping: two hot threads */
	struct engine_result two;
	run(file, "feeds+features,model+risk+exec", CORE_IDLE_YIELD, &two);
	assert(two.order_hash == one.order_hash && two.fills == one.fills &&
	       two.rejects == one.rejects && two.realized_pnl == one.realized_pnl);
	if (generated)
		unlink(file);
	return 0;
}
