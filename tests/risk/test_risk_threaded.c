/* test_risk_threaded.c - producer thread -> risk thread -> consumer ("exec") thread
 * through real rings, with fill reports flowing back and a control thread toggling
 * the kill switch. Checks sequence numbers, order ids, counts and positions end to
 * end. Meant to run under -Db_sanitize=thread as well. */
#undef NDEBUG
#include <assert.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "../stage_poll.h"
#include "risk.h"

#define N_INTENTS 100000u
#define NLOC      16
#define FIRST_ID  5000u

static struct core_ring *intents, *reports, *orders;
static struct risk_control ctl;
static struct risk_stage *stage;
static _Atomic bool consumer_done; /* consumer -> risk stage: no more reports (release/acquire) */
static _Atomic bool producer_done; /* producer -> control thread: stop toggling (relaxed: no data) */

static uint64_t last_intent_seq;
static uint64_t produced_new, produced_stale, produced_wm;

/* consumer's view */
static uint64_t c_new, c_wm, c_cancel_all, c_last_seq_before_eos, c_eos_seq;
static int64_t c_pos[NLOC];

static void *producer(void *arg)
{
	(void)arg;
	uint64_t rng = 1;
	for (uint64_t seq = 1; seq <= N_INTENTS + 1; seq++) {
		struct order_intent it = { 0 };
		it.seq = seq;
		it.ts_ns = seq * 100;
		it.t0_ns = seq;
		if (seq == N_INTENTS + 1) {
			it.kind = INTENT_EOS;
		} else {
			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			unsigned r = (unsigned)(rng >> 33);
			it.locate = (uint16_t)(r % NLOC);
			it.bid_px = 1000000;
			it.ask_px = 1000100;
			if (r % 10 == 0) {
				it.kind = INTENT_WATERMARK;
				produced_wm++;
			} else {
				it.kind = INTENT_NEW;
				it.side = (r >> 8) & 1 ? 'B' : 'S';
				it.px = it.side == 'B' ? it.bid_px : it.ask_px; /* passive: never crosses our own */
				it.qty = 1 + (r >> 10) % 100;
				if (r % 20 == 1) {
					it.flags = MD_F_STALE;
					produced_stale++;
				}
				produced_new++;
			}
			last_intent_seq = seq;
		}
		while (core_ring_push(intents, &it) != 0)
			sched_yield();
	}
	atomic_store_explicit(&producer_done, true, memory_order_relaxed);
	return NULL;
}

static void *risk_thread(void *arg)
{
	(void)arg;
	int r;
	uint32_t w;
	/* CORE_EOF only once exec's EXEC_EOS (pushed by the consumer after its last
	 * report) and every report before it have been drained */
	while ((r = poll_once(risk_stage_poll, stage, &w)) != CORE_EOF) {
		assert(r >= 0);
		if (w == 0)
			sched_yield();
	}
	assert(atomic_load_explicit(&consumer_done, memory_order_acquire));
	assert(core_ring_readable(reports, 1) == 0);
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	uint64_t prev_seq = 0, next_id = FIRST_ID;
	for (;;) {
		struct order_msg m;
		if (core_ring_pop(orders, &m) != 0) {
			sched_yield();
			continue;
		}
		assert(m.seq >= prev_seq); /* seqs never go backwards */
		prev_seq = m.seq;
		if (m.kind == ORDER_EOS) {
			c_eos_seq = m.seq;
			break;
		}
		c_last_seq_before_eos = m.seq;
		switch (m.kind) {
		case ORDER_NEW: {
			assert(m.order_id == next_id); /* ids consecutive, none lost */
			next_id++;
			c_new++;
			assert(m.locate < NLOC && m.qty >= 1 && m.qty <= 100);
			struct exec_report rep = { .kind = EXEC_FILL, .order_id = m.order_id,
						   .qty = m.qty, .locate = m.locate, .side = m.side,
						   .seq = m.seq, .ts_ns = m.ts_ns };
			c_pos[m.locate] += m.side == 'B' ? m.qty : -(int64_t)m.qty;
			while (core_ring_push(reports, &rep) != 0)
				sched_yield();
			break;
		}
		case ORDER_WATERMARK:
			c_wm++;
			break;
		case ORDER_CANCEL_ALL:
			c_cancel_all++;
			break;
		default:
			assert(!"unexpected order kind");
		}
	}
	/* done before EXEC_EOS goes out: risk, once it has consumed EXEC_EOS
	 * (the ring's release/acquire), must find it set */
	atomic_store_explicit(&consumer_done, true, memory_order_release);
	struct exec_report eos = { .kind = EXEC_EOS };
	while (core_ring_push(reports, &eos) != 0)
		sched_yield();
	return NULL;
}

static void *control(void *arg)
{
	(void)arg;
	/* toggle the kill switch a few times while orders flow; between, publish
	 * new limits through the seqlock (none that refuses these orders: the
	 * collar widens and narrows, capital comes and goes) and touch an
	 * instrument no intent uses, so the stage's reads race real writes */
	struct risk_limits l = { .max_order_qty = 100, .max_position = 1000000000, .collar_bps = 100 };
	char err[128];
	for (int i = 0; i < 6 && !atomic_load_explicit(&producer_done, memory_order_relaxed); i++) {
		struct timespec ts = { 0, 2000000 };
		for (int k = 0; k < 50; k++) {
			l.collar_bps = k & 1 ? 150 : 100;
			l.capital = k & 2 ? 1000000000000000LL : 0;
			assert(risk_control_set_limits(&ctl, &l, err, sizeof(err)) == 0);
			risk_control_restrict(&ctl, NLOC + 5, k & 1);
			risk_control_set_inst_mode(&ctl, NLOC + 5, k & 1 ? RISK_MODE_HALTED : RISK_MODE_ACTIVE);
		}
		nanosleep(&ts, NULL);
		risk_control_kill(&ctl);
		nanosleep(&ts, NULL);
		risk_control_resume(&ctl);
	}
	return NULL;
}

int main(void)
{
	core_clock_init(1);
	intents = core_ring_create("intents", 1024, sizeof(struct order_intent));
	reports = core_ring_create("reports", 256, sizeof(struct exec_report));
	orders = core_ring_create("orders", 512, sizeof(struct order_msg));
	assert(intents && reports && orders);
	risk_control_init(&ctl);
	struct core_hist_pair *hp = core_alloc(sizeof(*hp), CORE_CACHE_LINE);
	assert(hp && core_hist_pair_init(hp) == 0);
	struct risk_stage_cfg cfg = {
		.intents_in = intents,
		.reports_in = reports,
		.orders_out = orders,
		.limits = { .max_order_qty = 100, .max_position = 1000000000, .collar_bps = 100 },
		.ctl = &ctl,
		.first_order_id = FIRST_ID,
		.hist = hp,
	};
	char err[256];
	assert(risk_stage_create(&cfg, &stage, err, sizeof(err)) == 0);

	pthread_t tp, tr, tc, tk;
	assert(pthread_create(&tr, NULL, risk_thread, NULL) == 0);
	assert(pthread_create(&tc, NULL, consumer, NULL) == 0);
	assert(pthread_create(&tk, NULL, control, NULL) == 0);
	assert(pthread_create(&tp, NULL, producer, NULL) == 0);
	pthread_join(tp, NULL);
	pthread_join(tk, NULL);
	pthread_join(tc, NULL);
	pthread_join(tr, NULL);

	struct risk_stats st;
	risk_stage_stats(stage, &st);
	printf("intents %llu approved %llu rejected %llu (killed %llu stale %llu) cancel_alls %llu "
	       "kills %llu fills %llu out_full %llu\n",
	       (unsigned long long)st.intents, (unsigned long long)st.approved,
	       (unsigned long long)st.rejected, (unsigned long long)st.rejects[RISK_R_KILLED],
	       (unsigned long long)st.rejects[RISK_R_STALE], (unsigned long long)st.cancel_alls,
	       (unsigned long long)st.kill_transitions, (unsigned long long)st.fills,
	       (unsigned long long)st.out_full);
	assert(st.intents == produced_new);
	assert(st.limit_updates > 0); /* the seqlock's copies reached the stage */
	assert(st.approved + st.rejected == produced_new);
	assert(st.approved == c_new && st.fills == c_new);
	assert(st.rejects[RISK_R_STALE] + st.rejects[RISK_R_KILLED] == st.rejected);
	assert(st.rejects[RISK_R_STALE] <= produced_stale);
	/* one CANCEL_ALL per kill the stage saw, except that a second kill seen
	 * while the first one's cancel-all still waited for room joins it */
	assert(st.cancel_alls == c_cancel_all && st.cancel_alls <= st.kill_transitions &&
	       (st.kill_transitions == 0) == (st.cancel_alls == 0));
	assert(st.watermarks == c_wm && c_wm >= produced_wm);
	assert(c_eos_seq == N_INTENTS + 1);
	/* the last intent is covered by its own message, or (same poll) by EOS */
	assert(c_last_seq_before_eos <= last_intent_seq && c_last_seq_before_eos + 200 > last_intent_seq);
	assert(st.open_orders == 0);
	for (uint16_t l = 0; l < NLOC; l++) {
		struct risk_position p;
		risk_stage_position(stage, l, &p);
		assert(p.position == c_pos[l] && p.open_buy == 0 && p.open_sell == 0);
	}
	/* one latency value per intent-ring message */
	struct core_hist *h = core_hist_pair_begin(hp);
	core_hist_pair_end(hp);
	assert((uint64_t)h->total == N_INTENTS + 1);
	printf("risk check p50 %lld ns p99 %lld ns\n", (long long)core_hist_value_at(h, 50),
	       (long long)core_hist_value_at(h, 99));

	risk_stage_destroy(stage);
	core_hist_pair_fini(hp);
	core_free(hp);
	core_ring_destroy(intents);
	core_ring_destroy(reports);
	core_ring_destroy(orders);
	printf("risk threaded: ok\n");
	return 0;
}
