/* bench-fix - the FIX 4.4 codec per message: building a NewOrderSingle in
 * place (exec_fix_encode_new_order: prepared header bytes, SendingTime and
 * TransactTime, BodyLength, CheckSum) and parsing an ExecutionReport
 * (exec_fix_parse + exec_fix_decode_exec_report: frame, checksum, fields,
 * typed values). Anchor in the same run, when built with libquickfix-dev:
 * QuickFIX's own build (FIX::Message setField + toString) and parse
 * (FIX::Message(string) + getField of the same fields).
 *
 *   bench-fix [--smoke] [--n N]
 *
 * Timing: TSC over batches of 16 messages (rdtsc costs ~10-20 ns here, too
 * much to read per message), ns per message = batch / 16; p50/p99/p99.9/max
 * over the batches. The wall clock handed to the encoder advances 1 us per
 * message, so the date-time cache turns over once per second of it as in a
 * real session. --smoke: a short run. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec.h"

#ifdef OSPREY_BENCH_QUICKFIX
size_t bench_qf_build_nos(unsigned seq, char *out, size_t cap);
int bench_qf_parse_er(const char *msg, size_t len);
#endif

#define BATCH 16

static double ns_per_tick;
static volatile uint64_t sink;

static void report(const char *what, struct core_hist *h, uint64_t n, size_t bytes)
{
	printf("%-44s %8" PRIu64 " msgs  p50 %5" PRId64 "  p99 %6" PRId64 "  p99.9 %6" PRId64
	       "  max %7" PRId64 " ns/msg  (%zu B)\n",
	       what, n, core_hist_value_at(h, 50), core_hist_value_at(h, 99),
	       core_hist_value_at(h, 99.9), core_hist_max(h), bytes);
}

static void record(struct core_hist *h, uint64_t t0, uint64_t t1)
{
	core_hist_record(h, (int64_t)((double)(t1 - t0) * ns_per_tick / BATCH + 0.5));
}

int main(int argc, char **argv)
{
	uint64_t n = 2000000;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke"))
			n = 20000;
		else if (!strcmp(argv[i], "--n") && i + 1 < argc)
			n = strtoull(argv[++i], NULL, 10);
	}
	core_clock_init(50);
	if (!core_clock_uses_tsc()) {
		printf("no invariant TSC: timings would be clock_gettime-bound; skip\n");
		return 77;
	}
	ns_per_tick = 1e9 / (double)core_clock_tsc_hz();
	n = (n + BATCH - 1) / BATCH * BATCH;

	struct exec_fix_header h;
	if (exec_fix_header_init(&h, "ENGINE", "EXEC", NULL, 0))
		return 1;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t wall = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	static char buf[BATCH][512];
	struct core_hist hb, hp;
	if (core_hist_init(&hb) || core_hist_init(&hp))
		return 1;

	/* build: NewOrderSingle */
	struct exec_fix_order o = { .cl_ord_id = { "C1234567", 8 }, .symbol = { "AMZN", 4 },
				    .side = '1', .tif = '0', .qty = 100, .px = 1892500 };
	int len = 0;
	uint64_t seq = 1;
	for (uint64_t i = 0; i < n; i += BATCH) {
		uint64_t t0 = core_rdtsc();
		for (int k = 0; k < BATCH; k++) {
			o.transact_time_ns = wall;
			len = exec_fix_encode_new_order(&h, buf[k], sizeof(buf[k]), seq++, wall, &o);
			wall += 1000;
		}
		uint64_t t1 = core_rdtsc();
		sink += (uint64_t)len + (unsigned char)buf[BATCH - 1][len - 2];
		if (i >= n / 16) /* after a warm-up */
			record(&hb, t0, t1);
	}
	if (len <= 0)
		return 1;
	report("build NewOrderSingle (ours, in place)", &hb, n, (size_t)len);

	/* parse: an ExecutionReport like QuickFIX's fill in the interop test */
	struct exec_fix_header hx;
	exec_fix_header_init(&hx, "EXEC", "ENGINE", NULL, 0);
	struct exec_fix_exec_report x = {
		.order_id = { "O1", 2 }, .exec_id = { "X2", 2 }, .cl_ord_id = { "C1234567", 8 },
		.symbol = { "AMZN", 4 }, .exec_type = 'F', .ord_status = '1', .side = '1',
		.leaves_qty = 50, .cum_qty = 50, .avg_px = 1892500, .last_qty = 50,
		.last_px = 1892500, .order_qty = 100, .px = 1892500, .transact_time_ns = wall,
	};
	static char er[512];
	int erl = exec_fix_encode_exec_report(&hx, er, sizeof(er), 3, wall, &x);
	if (erl <= 0)
		return 1;
	static struct exec_fix_msg m;
	struct exec_fix_error e;
	struct exec_fix_exec_report d;
	for (uint64_t i = 0; i < n; i += BATCH) {
		uint64_t t0 = core_rdtsc();
		for (int k = 0; k < BATCH; k++) {
			if (exec_fix_parse(er, (size_t)erl, &m, &e) ||
			    exec_fix_decode_exec_report(&m, &d, &e))
				return 1;
			sink += d.cum_qty;
		}
		uint64_t t1 = core_rdtsc();
		if (i >= n / 16)
			record(&hp, t0, t1);
	}
	report("parse+decode ExecutionReport (ours)", &hp, n, (size_t)erl);

#ifdef OSPREY_BENCH_QUICKFIX
	uint64_t nq = n / 10 / BATCH * BATCH;
	struct core_hist qb, qp;
	if (core_hist_init(&qb) || core_hist_init(&qp))
		return 1;
	size_t ql = 0;
	for (uint64_t i = 0; i < nq; i += BATCH) {
		uint64_t t0 = core_rdtsc();
		for (int k = 0; k < BATCH; k++)
			ql = bench_qf_build_nos((unsigned)seq++, buf[k], sizeof(buf[k]));
		uint64_t t1 = core_rdtsc();
		sink += ql;
		if (i >= nq / 16)
			record(&qb, t0, t1);
	}
	report("build NewOrderSingle (QuickFIX 1.15.1)", &qb, nq, ql);
	/* the parse anchor reads our encoder's report: check QuickFIX takes it */
	if (bench_qf_parse_er(er, (size_t)erl) < 0) {
		printf("QuickFIX refused our ExecutionReport\n");
		return 1;
	}
	for (uint64_t i = 0; i < nq; i += BATCH) {
		uint64_t t0 = core_rdtsc();
		for (int k = 0; k < BATCH; k++)
			sink += (uint64_t)bench_qf_parse_er(er, (size_t)erl);
		uint64_t t1 = core_rdtsc();
		if (i >= nq / 16)
			record(&qp, t0, t1);
	}
	report("parse+get ExecutionReport (QuickFIX 1.15.1)", &qp, nq, (size_t)erl);
#else
	printf("QuickFIX anchor not built (libquickfix-dev or g++ missing)\n");
#endif
	return sink ? 0 : 1;
}
