/* bench-ouch - the OUCH 4.2 codec: ns per encode and per decode of Enter
 * Order (what the gateway sends), Accepted and Executed (what it reads most).
 *
 *   bench-ouch [--smoke] [--reps N]
 *
 * Each case runs over 4,096 different messages (prices, shares, tokens and
 * match numbers vary), in batches of 64 timed with the TSC (core_now_ns);
 * the per-message time of each batch goes into an HDR histogram, so the
 * percentiles are of 64-message averages (a single call is below the clock's
 * resolution). Prints p50/p99/p99.9/max in ns and messages/s. --smoke: one
 * short pass. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tests/exec/ouch_samples.h"
#include "exec.h"

#define NMSG  4096
#define BATCH 64

static struct exec_ouch_msg msgs[NMSG];
static unsigned char wire[NMSG][EXEC_OUCH_MAX_LEN];
static int lens[NMSG];
static volatile uint64_t sink;

static void vary(struct exec_ouch_msg *m, uint32_t i)
{
	char tok[15];
	snprintf(tok, sizeof(tok), "OSP%011u", i);
	switch (m->kind) {
	case EXEC_OUCH_ENTER:
		memcpy(m->enter.token, tok, 14);
		m->enter.price = 1000000 + i * 100;
		m->enter.shares = 100 + i % 900;
		m->enter.side = i & 1 ? 'B' : 'S';
		break;
	case EXEC_OUCH_ACCEPTED:
		memcpy(m->accepted.token, tok, 14);
		m->accepted.price = 1000000 + i * 100;
		m->accepted.shares = 100 + i % 900;
		m->accepted.order_ref = 1000000 + i;
		m->accepted.ts_ns += i * 1000ull;
		break;
	case EXEC_OUCH_EXECUTED:
		memcpy(m->executed.token, tok, 14);
		m->executed.price = 1000000 + i * 100;
		m->executed.shares = 1 + i % 100;
		m->executed.match = 5000000 + i;
		m->executed.ts_ns += i * 1000ull;
		break;
	}
}

static void report(const char *what, struct core_hist *h, uint64_t n, uint64_t ns)
{
	/* the histogram holds picoseconds per message */
	printf("%-26s %9" PRIu64 " msgs  p50 %6.1f  p99 %6.1f  p99.9 %6.1f  max %7.1f ns/msg  "
	       "%6.1f M msgs/s\n",
	       what, n, core_hist_value_at(h, 50) / 1e3, core_hist_value_at(h, 99) / 1e3,
	       core_hist_value_at(h, 99.9) / 1e3, core_hist_max(h) / 1e3, n * 1e3 / (double)ns);
}

static int run(int kind, int reps)
{
	for (uint32_t i = 0; i < NMSG; i++) {
		ouch_sample(kind, &msgs[i], wire[i]);
		vary(&msgs[i], i);
		lens[i] = exec_ouch_encode(wire[i], EXEC_OUCH_MAX_LEN, &msgs[i]);
		if (lens[i] <= 0) {
			printf("%s: encode failed\n", exec_ouch_name(kind));
			return 1;
		}
	}
	int dir = kind == EXEC_OUCH_ENTER ? EXEC_OUCH_INBOUND : EXEC_OUCH_OUTBOUND;
	char err[160], name[64];
	for (int pass = 0; pass < 2; pass++) {
		struct core_hist h;
		core_hist_init(&h);
		uint64_t n = 0, ns = 0, acc = 0;
		for (int r = 0; r < reps; r++) {
			for (uint32_t i = 0; i < NMSG; i += BATCH) {
				unsigned char out[EXEC_OUCH_MAX_LEN];
				struct exec_ouch_msg d;
				uint64_t t0 = core_now_ns();
				if (pass == 0) {
					for (uint32_t j = i; j < i + BATCH; j++) {
						acc += (uint64_t)exec_ouch_encode(out, sizeof(out),
										  &msgs[j]);
						acc += out[20];
					}
				} else {
					for (uint32_t j = i; j < i + BATCH; j++) {
						acc += (uint64_t)exec_ouch_decode(wire[j],
										  (size_t)lens[j], dir,
										  &d, err, sizeof(err));
						acc += d.len;
					}
				}
				uint64_t dt = core_now_ns() - t0;
				ns += dt;
				int64_t ps = (int64_t)(dt * 1000 / BATCH);
				core_hist_record_n(&h, ps > 0 ? ps : 1, BATCH);
				n += BATCH;
			}
		}
		sink += acc;
		snprintf(name, sizeof(name), "%s %s", pass ? "decode" : "encode", exec_ouch_name(kind));
		report(name, &h, n, ns);
		core_hist_fini(&h);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int reps = 200;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke"))
			reps = 2;
		else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = atoi(argv[++i]);
	}
	if (reps < 1)
		reps = 1;
	core_clock_init(20);
	printf("OUCH 4.2 codec, %d x %d messages per case, batches of %d (TSC: %s)\n", reps, NMSG,
	       BATCH, core_clock_uses_tsc() ? "yes" : "no, clock_gettime");
	int r = 0;
	r |= run(EXEC_OUCH_ENTER, reps);
	r |= run(EXEC_OUCH_ACCEPTED, reps);
	r |= run(EXEC_OUCH_EXECUTED, reps);
	return r;
}
