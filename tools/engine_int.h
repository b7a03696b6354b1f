/*
 * engine_int.h - the engine's parts, shared by its files (tools-internal):
 *   engine.c          assembly (rings, stages, threads) and running
 *   engine_config.c   [section] keys -> struct engine_opts
 *   engine_control.c  the control thread: osprey-ctl commands, the model registry
 *   engine_report.c   the latency table and trading summary, text or JSON
 */
#ifndef OSPREY_ENGINE_INT_H
#define OSPREY_ENGINE_INT_H

#include "control.h"
#include "orders_log.h"
#include "engine.h"
#include "exec.h"
#include "feeds.h"
#include "persist.h"
#include "risk.h"
#include "strategy.h"
#include "alerts.h"
#include "bn_stream.h"
#include "backtest.h"
#include "hlog_read.h"
#include "irq_check.h"
#include "metrics.h"
#include "telemetry.h"

enum { ST_FEEDS, ST_FEATURES, ST_MODEL, ST_RISK, ST_EXEC, ST_COUNT };
extern const char *const engine__stage_names[ST_COUNT];

/* Counters the hot stages publish for osprey-ctl status (relaxed: they are
 * gauges read for display, no other data depends on them). */
#define ENGINE_POS_GAUGES 64 /* instruments whose positions /metrics shows */

struct engine_gauges {
	_Atomic uint64_t drift[STRAT_FEATURE_COUNT][STRAT_DRIFT_BINS]; /* strat_decide_drift */
	_Atomic uint64_t drift_rows;
	_Atomic uint64_t messages;
	_Atomic uint64_t md_bytes, md_input_bytes; /* feeds_stats.bytes and .input_bytes */
	_Atomic uint64_t md_gaps, md_lost; /* MoldUDP64 gaps opened, messages given up */
	_Atomic uint64_t md_last_ns;       /* core_now_ns when messages last grew (0: never) */
	_Atomic uint64_t intents;
	_Atomic uint64_t orders;
	_Atomic uint64_t fills;
	_Atomic uint64_t open_orders;
	_Atomic uint64_t rejects;
	_Atomic uint64_t cancels;
	_Atomic uint32_t session;   /* enum exec_session of the venue, as exec last saw it */
	_Atomic uint64_t positions; /* instruments with a position */
	_Atomic int64_t realized;
	_Atomic int64_t unrealized;
	/* risk's money view (risk.h: money units) */
	_Atomic int64_t risk_pnl, risk_fees, risk_drawdown, risk_max_drawdown;
	_Atomic int64_t risk_gross, risk_net_long, risk_net_short, risk_capital_used;
	_Atomic uint32_t risk_tier;
	_Atomic uint64_t rejects_by[RISK_R_COUNT]; /* risk's refusals by enum risk_reason */
	_Atomic bool persist_failed;        /* the database failed: trading halted */
	_Atomic uint64_t persist_unstored;  /* records drained unstored since */
	_Atomic uint64_t persist_waits;     /* exec found the persistence ring full (store behind) */
	_Atomic uint64_t events_dropped;    /* hot threads' events a full ring refused */
	_Atomic uint64_t stage_work_ns[ST_COUNT]; /* core_now_ns a gauged stage last published
	                                           * after work (0: never) */
	/* positions by instrument, the first ENGINE_POS_GAUGES by locate (/metrics):
	 * npos last, release, after the slots */
	_Atomic uint32_t npos;
	_Atomic uint32_t pos_locate[ENGINE_POS_GAUGES];
	_Atomic int64_t pos_qty[ENGINE_POS_GAUGES], pos_realized[ENGINE_POS_GAUGES];
	_Atomic bool input_done;
	/* the kill switch's timeline (core_now_ns; 0: not yet) */
	_Atomic uint64_t kill_cmd_ns;        /* the control thread took the command */
	_Atomic uint64_t kill_seen_ns;       /* risk saw it: new orders blocked */
	_Atomic uint64_t cancel_all_sent_ns; /* exec sent the cancels */
	_Atomic uint64_t cancel_all_done_ns; /* the venue had answered for every order */
	/* recovery (an OUCH or FIX session resumed from the database): the gateway's
	 * exec_recovery_stats, published by the hot thread until it is done */
	_Atomic uint32_t rec_state; /* enum exec_recovery_state */
	_Atomic uint64_t rec_restored, rec_replayed, rec_replay_fills, rec_closed, rec_adopted;
	_Atomic uint64_t rec_not_at_venue, rec_cancelled, rec_differences, rec_from_seq;
};

struct engine;

/* A stage poll wrapped so the stage's own thread publishes its gauges at most
 * once a millisecond (an idle stage keeps checking, so they are never more
 * than a millisecond old) and when it finishes. Not at every idle turn: at
 * burst 1 a stage goes idle after every event. */
/* What a hot thread saw change when it published its gauges (at most 1 ms
 * after it happened), for the events thread's log and alerts: one SPSC ring
 * per gauged stage (engine_gauged.events; the stage's thread produces, the
 * events thread consumes). A full ring drops the event and counts it
 * (engine_gauges.events_dropped, shown in status). */
enum engine_ev {
	ENGINE_EV_BREAKER_MODE = 1, /* risk: the breakers' mode, from -> to */
	ENGINE_EV_TIER = 2,         /* risk: the drawdown tier, from -> to */
	ENGINE_EV_SESSION = 3,      /* exec: the venue session, from -> to (enum exec_session) */
	ENGINE_EV_MD_GAPS = 4,      /* feeds: MoldUDP64 gaps opened: n new, total */
	ENGINE_EV_MD_LOST = 5,      /* feeds: messages given up: n new, total */
	ENGINE_EV_STORE_BEHIND = 6, /* exec: the ring toward the store filled (after a quiet second) */
};
struct engine_event {
	uint64_t ts_ns; /* core_now_ns when seen */
	uint32_t kind;  /* enum engine_ev */
	uint32_t from, to;
	uint32_t pad_;
	uint64_t n, total;
};
#define ENGINE_EV_RING 256

struct engine_gauged {
	core_poll_fn *poll;
	void *ctx;
	void (*publish)(struct engine *e, struct engine_gauged *g);
	struct engine *e;
	bool dirty;
	uint64_t last_ns;
	/* events: NULL without a log or webhook; what was seen last */
	struct core_ring *events;
	bool seen_set;
	uint32_t seen_mode, seen_tier, seen_session;
	uint64_t seen_gaps, seen_lost, seen_waits, waits_ns;
};

/* An aux stage whose failure is reported without taking its thread down. */
struct engine_guard {
	const char *name;
	core_poll_fn *poll;
	void *ctx;
	struct engine *e;
	bool halts; /* its failure halts trading (risk_control_fault) */
};

#define ENGINE_MAX_RETIRED 8
#define ENGINE_LATENCY_TABLE 1024 /* quantiles of a --latency-from distribution */

struct engine {
	struct engine_opts o;
	struct core_ring *md, *venue_md, *feat, *intents, *orders, *reports, *persist_ring;
	struct core_ring *risk_events, *persist_fwd; /* the orders log's */
	struct core_ring *model_ring;                /* risk -> the risk model (aux thread) */
	struct risk_caps_board *caps;                /* the risk model -> risk */
	struct risk_model *model_risk;
	struct backtest *backtest;                   /* the risk model's tap records the run */
	char latency_model[ENGINE_PATH_MAX + 200];   /* the sim venue's latency, said in reports */
	bool backtest_failed;                        /* out of memory computing its metrics */
	struct orders_log *orders_log;               /* --orders or [metrics] listen */
	struct orders_recent *recent;                /* [metrics] listen: /api/orders */
	struct feeds_stage *feeds;
	FILE *crypto_record;                         /* [feeds] crypto_record (the stage writes) */
	struct strat_features *features;
	struct strat_decide *decide;
	struct risk_stage *risk;
	struct exec_sim *sim;       /* the venue behind exec: [gateway] protocol sim */
	struct exec_fix_gw *fix_gw; /* ... or fix */
	struct exec_ouch_gw *ouch_gw; /* ... or ouch */
	struct exec_mt5_gw *mt5_gw;   /* ... or MetaTrader 5 */
	struct exec_bn_gw *bn_gw;     /* ... or Binance spot */
	struct bn_stream bn_ws;       /* its user data stream (exec thread) */
	/* symbol lists split once (create_feeds), for the feed and the gateway:
	 * [feeds] mt5_symbols, [gateway] binance_symbols (locates 1, 2, ...) */
	char mt5_buf[sizeof(((struct engine_opts *)0)->mt5_symbols)];
	char bn_buf[sizeof(((struct engine_opts *)0)->bn_symbols)];
	const char *mt5_syms[ENGINE_MT5_SYMBOLS], *bn_syms[ENGINE_BN_SYMBOLS];
	unsigned nmt5, nbn;
	struct exec_stage *exec;
	struct persist *db;
	struct persist_writer *writer;
	struct risk_control ctl;
	struct risk_limits risk_config; /* [risk] as configured, before the operator's overrides */
	char restricted_now[512];       /* the restricted list as the operator left it (control thread) */
	FILE *audit;                    /* the audit log, or NULL */
	char persist_error[256];        /* why the database failed (aux thread, then read-only) */
	struct telemetry tele;
	struct metrics *metrics;    /* [metrics] listen: the Prometheus endpoint, or NULL */
	struct alerts *alerts;      /* [alerts] webhook: the alert poster, or NULL */
	/* The first stage failure on any thread (engine__fail): claimed by
	 * `failing`, described in `failure`, then published by `failed` (release). */
	_Atomic bool failing, failed;
	char failure[256];
	struct engine_guard guards[2];
	struct control control;
	bool control_open;
	struct core_hist_pair *hist[ST_COUNT], *t2o, *t2w;
	struct engine_gauged gauged[ST_COUNT];
	struct engine_gauges g;

	/* The running model: owned here, borrowed by the decide stage. Set at
	 * create; replaced only by the control thread (model activate), which is
	 * joined before anything else reads these. */
	struct strat_model *model;
	/* [strategy] drift_reference: the features' training distribution (NULL:
	 * none); the model stage counts into its bins, publish_model copies the
	 * counts to g.drift for the metrics and alerts threads */
	struct strat_drift_ref *drift;
	char model_name[256]; /* "NAME@VERSION" from the registry, or the file's path */
	struct strat_model *retired[ENGINE_MAX_RETIRED]; /* replaced, not yet known unused */
	unsigned nretired;

	struct core_runner hot[ENGINE_MAX_THREADS];
	unsigned nhot;
	/* device interrupts that fired on a hot thread's cpu during the run */
#define ENGINE_IRQ_HITS 8
	struct irq_hit irq_hits[ENGINE_IRQ_HITS];
	unsigned nirq_hits; /* found (the first ENGINE_IRQ_HITS kept, most first) */
	struct core_runner model_thr; /* the risk model: sleeps when idle (20 us) */
	struct core_runner aux;     /* persist, telemetry: blocks, never spins */
	struct core_runner ctl_thr; /* the control socket and its commands */
	_Atomic bool stop;          /* hot threads: stop now (signal) */
	_Atomic bool aux_stop;      /* aux and control threads: stop now */
	_Atomic bool shutdown;      /* daemon: a stop was requested */
	uint64_t first_order_id;
	struct position *restored;  /* RISK_NLOCATE: one per instrument at most */
	unsigned nrestored;
	bool restored_killed;
	/* Recovery: what the database held of the venue session (open orders,
	 * the last message number), and where the engine stands. recovery is
	 * written by the one thread that runs recovery_poll (control thread, else
	 * aux) and by the control thread's resume; read by status. */
	struct exec_open_order *open_orders;
	unsigned nopen_orders;
	uint64_t venue_seq;
	bool recover;                /* the gateway resumes its session */
	bool rec_publishing;         /* hot thread: still publishing the gateway's recovery */
	bool persist_full_halted;    /* hot thread: persist_full = halt has fired */
	_Atomic int recovery;        /* enum engine_recovery */
	uint64_t run_ns;
};

enum engine_recovery {
	ENGINE_REC_NONE = 0,    /* nothing to recover */
	ENGINE_REC_RUNNING = 1, /* HALTED: the gateway is replaying and reconciling */
	ENGINE_REC_WAITING = 2, /* reconciled, HALTED until osprey-ctl resume */
	ENGINE_REC_RESUMED = 3, /* reconciled and resumed (by the operator or auto_resume) */
};

/* engine_faults.c: a stage failed on some thread: keep the first failure's
 * description for status and the run's error, and with halt move risk to
 * HALTED with a cancel-all (risk_control_fault). Any thread. */
void engine__fail(struct engine *e, const char *thread, const char *stage, int rc, bool halt);
/* engine_faults.c: core_runner on_fail hooks: a hot thread's stage (halt, stop
 * the hot threads), an aux or control thread's unguarded stage (halt). */
void engine__hot_failed(void *arg, const struct core_runner *r, const char *stage, int rc);
void engine__side_failed(void *arg, const struct core_runner *r, const char *stage, int rc);
/* engine_faults.c: an aux stage behind a struct engine_guard (arg): its
 * failure is reported and the stage ends, the thread goes on. */
int engine__guarded_poll(void *arg, uint32_t *ret_work);
/* engine_faults.c: the persist writer's poll, guarded (ctx: the engine): a
 * failed database halts trading and the records after it are drained, counted. */
int engine__persist_guard_poll(void *ctx, uint32_t *ret_work);
/* engine_faults.c: what the database holds of the gateway's session (open orders,
 * the last venue message): sets open_orders, venue_seq, recover. Setup. */
int engine__load_session(struct engine *e, char *err, size_t errlen);
/* engine_report.c: an instrument's symbol (the md stream's name, else
 * "locate<N>" in buf). Names are set before any order for the instrument. */
const char *engine__symbol(struct engine *e, uint16_t locate, char *buf, size_t cap);
/* "sim", "ouch", "fix", "mt5", "binance" */
static inline const char *engine__protocol_name(enum engine_protocol p)
{
	return p == ENGINE_FIX       ? "fix"
	       : p == ENGINE_OUCH    ? "ouch"
	       : p == ENGINE_MT5     ? "mt5"
	       : p == ENGINE_BINANCE ? "binance"
	                             : "sim";
}
/* engine_report.c: the simulated venue's latency model, in words. Main thread. */
const char *engine__latency_model(struct engine *e);
/* engine_faults.c: the gateway's recovery into the gauges (the hot thread). */
void engine__publish_recovery(struct engine *e);
/* engine_faults.c: the recovery's stage (control thread, else aux): resume when the
 * gateway has reconciled, auto_resume is set and there were no differences;
 * CORE_EOF once decided, the operator resumed, or the input ended. */
int engine__recovery_poll(void *ctx, uint32_t *ret_work);

/* Publish every stage's gauges (the hot threads are joined, or the caller is
 * the stage's thread). */
void engine__publish_all(struct engine *e);

/* engine_control.c: the kill switch's timeline, one line appended at *p (status, report). */
void engine__kill_timeline(struct engine *e, char **p, size_t *left);
/* engine_control.c: the recovery's status line, appended at *p (none without one). */
void engine__recovery_line(struct engine *e, char **p, size_t *left);
/* The drift monitor: the published counts (features x bins) and the
 * vectors counted since the start; each feature's PSI over them against
 * [strategy] drift_reference. The number of features (0: no reference).
 * Any thread. */
unsigned engine__drift_counts(struct engine *e, uint64_t c[STRAT_FEATURE_COUNT][STRAT_DRIFT_BINS],
                              uint64_t *ret_rows);
unsigned engine__drift_psi(struct engine *e, double psi[STRAT_FEATURE_COUNT], uint64_t *ret_rows);
/* engine_control.c: the control socket's handler (control_handler). */
int engine__control(void *arg, uid_t uid, const char *cmd, char *reply, size_t cap);
/* engine_control.c: snprintf at the end of a reply being built; stops quietly when full. */
void reply_add(char **p, size_t *left, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* engine_risk.c: the operator's risk commands (mode, flatten, limits, set,
 * restrict, allow): 0 / negative errno with the reply written, or 1 when cmd
 * is none of them. Control thread. */
int engine__risk_command(struct engine *e, uid_t uid, const char *cmd, char *reply, size_t cap);
/* engine_risk.c: the feeds stage's on_symbol: restrict what [risk] restricted names. */
void engine__on_symbol(void *arg, uint16_t locate, const char *symbol);
/* engine_risk.c: at create, after the database is open: remember the
 * configuration's limits, then apply the operator's stored overrides over o. */
int engine__load_overrides(struct engine *e, char *err, size_t errlen);
/* engine_risk.c: one audit line (UTC time, uid, what, old, new) when the
 * audit log is open. The control thread, or the one thread that runs
 * engine__recovery_poll (stdio's lock keeps lines whole). */
void engine__audit(struct engine *e, uid_t uid, const char *what, const char *old,
                   const char *new_);
/* engine_risk.c: open the audit log ([engine] audit_log, else DB/audit.log). */
int engine__open_audit(struct engine *e, char *err, size_t errlen);
/* Was a registry entry built for this engine's features (all of them, or a prefix)? */
bool engine__schema_ok(uint64_t schema);

#endif
