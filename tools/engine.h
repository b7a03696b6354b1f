/*
 * engine.h - assembles the pipeline from a configuration (tools-internal).
 *
 *   feeds -> features -> model -> risk -> exec      (hot stages, SPSC rings)
 *   feeds -> exec (venue market data); exec -> risk (execution reports)
 *   exec -> persist (aux thread, LMDB); every stage -> telemetry (aux thread)
 *   osprey-ctl -> control socket (aux thread) -> risk_control
 *
 * Which hot thread runs which stages, and on which cpu, comes from
 * [threads] mapping/cpus. The stage code is the same for every mapping.
 *
 * Threads: everything here is called from the main thread, except
 * engine_request_stop, which is async-signal-safe. The engine runs its own
 * threads: the hot ones, an aux thread (persistence, telemetry) and a control
 * thread (osprey-ctl commands and the model registry), so a slow command never
 * holds up persistence and, through it, the hot path.
 *
 * Memory: struct engine_opts owns its strings (input paths included); the
 * engine copies the opts at create.
 */
#ifndef OSPREY_ENGINE_H
#define OSPREY_ENGINE_H

#include "core.h"
#include "risk.h"

#include <stdio.h>

#define ENGINE_MAX_INPUTS 16
#define ENGINE_MAX_THREADS 5
#define ENGINE_PATH_MAX    256
#define ENGINE_MT5_SYMBOLS 256 /* [feeds] mt5_symbols at most */
#define ENGINE_BN_SYMBOLS  64  /* [gateway] binance_symbols at most (the crypto feed's books) */

struct engine_opts {
	/* [feeds] */
	char inputs[ENGINE_MAX_INPUTS][ENGINE_PATH_MAX]; /* capture files, replayed in order */
	unsigned ninputs;
	double speed;               /* 0: as fast as possible; 1.0: real time; 10: 10x */
	uint64_t max_orders_book;   /* live orders in the books */
	/* Live sources instead of files (at most one of the two; then no files). */
	char mold[64];              /* feeds.mold: MoldUDP64 "ADDR:PORT" to receive on (unicast
				       or a multicast group) */
	char mold_iface[64];        /* feeds.mold_iface: multicast interface address */
	char mold_rerequest[64];    /* feeds.mold_rerequest: re-request server "ADDR:PORT" */
	char mold_dpdk[1024];       /* feeds.mold_dpdk: EAL arguments: receive on DPDK */
	char mold_dpdk_port[64];    /* feeds.mold_dpdk_port: the device ("": the first) */
	uint64_t gap_timeout_ms;    /* feeds.gap_timeout_ms: an unfilled gap halts its books */
	uint64_t idle_timeout_ms;   /* feeds.idle_timeout_ms: no packet for this long: error (0: never) */
	char soup[64];              /* feeds.soup: SoupBinTCP server "ADDR:PORT" */
	char soup_user[8];          /* feeds.soup_user, up to 6 characters */
	char soup_password[12];     /* feeds.soup_password, up to 10 */
	char soup_session[12];      /* feeds.soup_session, up to 10 ("": the current one) */
	uint64_t soup_seq;          /* feeds.soup_seq: first sequence number wanted */
	/* A live crypto stream (feeds.h "Crypto books, live") */
	char crypto_ws[512];        /* feeds.crypto_ws: "wss://HOST[:PORT]/PATH" */
	char crypto_subscribe[2048]; /* feeds.crypto_subscribe: a text message sent on each open */
	char crypto_rest[256];      /* feeds.crypto_rest: Binance REST base ("https://api.binance.com") */
	char crypto_snapshot[512];  /* feeds.crypto_snapshot: "SYM,SYM": depth books to snapshot */
	bool crypto_futures;        /* feeds.crypto_futures: USD-M futures REST paths */
	char crypto_ca[ENGINE_PATH_MAX]; /* feeds.crypto_ca: PEM CAs instead of the system's */
	char crypto_record[ENGINE_PATH_MAX]; /* feeds.crypto_record: the lines kept as a capture */
	/* Forex from Alpha Vantage (feeds.h "Forex from Alpha Vantage") */
	char fx_base[256];          /* feeds.fx: "https://www.alphavantage.co" */
	char fx_pairs[256];         /* feeds.fx_pairs: "EURUSD,USDCHF" */
	char fx_key_file[ENGINE_PATH_MAX]; /* feeds.fx_key_file: the API key (mode 0600) */
	char fx_interval[8];        /* feeds.fx_interval: 1min..60min ("": 5min) */
	bool fx_quotes;             /* feeds.fx_quotes: CURRENCY_EXCHANGE_RATE too */
	uint64_t fx_calls_per_minute; /* feeds.fx_calls_per_minute (0: 5) */
	uint64_t fx_round_ms;       /* feeds.fx_round_ms: each pair asked this often (0: a minute) */
	char fx_ca[ENGINE_PATH_MAX]; /* feeds.fx_ca: PEM CAs instead of the system's */
	/* MetaTrader 5 through the DWX expert advisor (feeds.h "MetaTrader 5 ticks") */
	char mt5_ticks[128];        /* feeds.mt5: the EA's PUB socket "tcp://A.B.C.D:32770" */
	char mt5_symbols[512];      /* feeds.mt5_symbols: "EURUSD,GBPUSD": locates 1, 2, ... */
	uint64_t mt5_decimals;      /* feeds.mt5_decimals: price decimals (0: 5) */
	/* [strategy] */
	char model[256];
	uint64_t cooldown_events;
	char drift_reference[256]; /* strategy.drift_reference: osprey-train --kind reference */
	uint64_t drift_every;      /* strategy.drift_every: count one warm vector in this many */
	/* [risk]: every limit (risk.h), by the keys risk_limits_set knows */
	struct risk_limits risk;
	bool flatten_at_end;        /* risk.flatten_at_end: close every position at the end */
	bool cancel_at_end;         /* risk.cancel_at_end: cancel every open order at the end */
	bool auto_resume;           /* engine.auto_resume: after a recovery with no differences,
	                             * trade again without osprey-ctl resume */
	bool persist_full_halt;     /* engine.persist_full = halt: a full persistence ring halts
	                             * trading (and cancels); wait (default): back-pressure only */
	uint64_t model_interval_ms; /* risk.model_interval_ms: the risk model's interval (event time) */
	uint64_t var_window;        /* risk.var_window: returns per instrument in the risk model */
	char restricted[512];       /* risk.restricted: "SYM,SYM,..." never traded */
	/* [exec] */
	uint64_t venue_latency_ns;  /* event time */
	char latency_from[ENGINE_PATH_MAX]; /* exec.latency_from "FILE.hlog[:TAG]": the sim venue's
	                             * latency drawn from a recorded one ("" the constant) */
	uint64_t latency_seed;      /* exec.latency_seed: its draws' seed (1) */
	/* [gateway]: where orders go */
	enum engine_protocol {
		ENGINE_SIM = 0,
		ENGINE_OUCH = 1,
		ENGINE_FIX = 2,
		ENGINE_MT5 = 3,
		ENGINE_BINANCE = 4,
	} protocol;
	char connect[64];    /* the venue's order-entry "A.B.C.D:PORT" (ouch, fix) */
	char fix_sender[33]; /* SenderCompID (49) */
	char fix_target[33]; /* TargetCompID (56) */
	uint64_t fix_heartbeat_s;
	bool fix_reset_seq;        /* ResetSeqNumFlag (141=Y) on logon */
	char gw_soup_user[8];      /* gateway.soup_user: SoupBinTCP login for OUCH (up to 6) */
	char gw_soup_password[12]; /* gateway.soup_password (up to 10) */
	uint64_t drain_ms;         /* at the end of the input, wait this long for open orders */
	char mt5_commands[128];    /* gateway.mt5_commands: the EA's command socket (mt5) */
	char mt5_answers[128];     /* gateway.mt5_answers: its answer socket */
	uint64_t mt5_lot_units;    /* gateway.mt5_lot_units: quantity per lot (0: 100000) */
	char bn_rest[256];         /* gateway.binance_rest: "https://api.binance.com" */
	char bn_stream[256];       /* gateway.binance_stream: "wss://stream.binance.com:9443" */
	char bn_key_file[ENGINE_PATH_MAX]; /* gateway.binance_key_file: the API key, then the
	                                    * secret, one a line (mode 0600, ours) */
	char bn_symbols[512];      /* gateway.binance_symbols: "BTCUSDT,ETHUSDT": what orders may
	                            * trade (the crypto feed's books 1, 2, ...) */
	char bn_ca[ENGINE_PATH_MAX]; /* gateway.binance_ca: PEM CAs instead of the system's */
	/* [threads] */
	char mapping[128];          /* "feeds+features+model+risk+exec" or "feeds,features,..." */
	int cpus[ENGINE_MAX_THREADS];
	int aux_cpu;
	enum core_idle idle;
	uint64_t spin_limit;
	uint64_t sleep_ns;
	/* [engine] */
	uint64_t burst;
	uint64_t ring_capacity;
	char db[256];               /* LMDB folder; "" disables persistence */
	uint64_t db_map_kb;         /* its map at start, KiB (0: 1 GiB) */
	uint64_t db_map_max_kb;     /* the map doubles when full up to this, KiB (64 GiB; below
	                             * db_map_kb: db_map_kb); full there: trading halts */
	char hlog[256];             /* "" disables the latency log */
	char control_socket[108];   /* "" disables the control socket */
	char metrics_listen[64];    /* metrics.listen "A.B.C.D:PORT": Prometheus /metrics, the JSON
	                             * API and the dashboard ("" off) */
	char metrics_token_file[256]; /* metrics.token_file: the token a request must carry
	                               * (required off loopback; "" none) */
	char alerts_webhook[512];   /* alerts.webhook: http(s) URL ("" off) */
	char log[256];              /* engine.log: the structured event log ("" none) */
	uint64_t stream_window_mb;  /* feeds.stream_window_mb: day files read in windows this
	                             * big (64; 0: every file read in whole at start) */
	uint64_t stream_min_mb;     /* feeds.stream_min_mb: ... when this big or more (256) */
	char alerts_telegram_chat[64]; /* alerts.telegram_chat: Telegram sendMessage bodies */
	uint64_t alerts_min_interval_ms; /* alerts.min_interval_ms: at most one post per (1000) */
	char orders_csv[256];       /* osprey-replay --orders: every order event as CSV; "" none */
	char audit_log[256];        /* operator changes; "": DB/audit.log, or none without a db */
	bool stay_up;               /* daemon: after the input ends, wait for a signal */
};

/* Defaults: one hot thread, spin, persistence and the control socket off. */
void engine_opts_default(struct engine_opts *o);
/*
 * engine_opts_config - apply an INI file's keys over o. Unknown keys and bad
 * values are errors naming the file, line and key. 0 or -EINVAL/-errno.
 * Nothing in o points into cfg afterwards.
 */
int engine_opts_config(struct engine_opts *o, struct core_config *cfg, char *err, size_t errlen);

/*
 * Values as the tools' flags and the INI keys both spell them; each returns
 * 0, or -EINVAL with "what: 'value': what is accepted" in err (what names the
 * flag or key) and o unchanged.
 *   engine_opts_add_input  one more capture file (at most ENGINE_MAX_INPUTS,
 *                          each shorter than ENGINE_PATH_MAX)
 *   engine_opts_set_speed  "max", "realtime" or "Nx" (N > 0, e.g. 10x)
 *   engine_opts_set_idle   "spin", "yield" or "sleep"
 *   engine_opts_set_cpus   "1" or "0,1,0,1,0": a cpu per hot thread, -1 unpinned
 */
int engine_opts_add_input(struct engine_opts *o, const char *path, const char *what, char *err,
                          size_t errlen);
int engine_opts_set_speed(struct engine_opts *o, const char *v, const char *what, char *err,
                          size_t errlen);
int engine_opts_set_idle(struct engine_opts *o, const char *v, const char *what, char *err,
                         size_t errlen);
int engine_opts_set_cpus(struct engine_opts *o, const char *v, const char *what, char *err,
                         size_t errlen);

struct engine;

int engine_create(const struct engine_opts *o, struct engine **ret, char *err, size_t errlen);
/* Run until the input ends (or, with stay_up, until a stop request). */
int engine_run(struct engine *e, char *err, size_t errlen);
void engine_request_stop(struct engine *e);
/* engine_request_reopen - reopen [engine] log (after a rotation: the tools'
 * SIGHUP). Async-signal-safe. */
void engine_request_reopen(struct engine *e);
/* Print the latency table and trading summary (text or one JSON object). */
void engine_report(struct engine *e, FILE *f, bool json);
/* Every instrument traded, as CSV "symbol,position,cash" (cash: what the fills
 * paid and received, 4 decimals), for a reconciliation against the venue. */
void engine_positions_csv(struct engine *e, FILE *f);
/* The sent-order stream's hash and counts, for tests. */
/* engine_progress - how far a run has got, from the published gauges (at
 * most 1 ms old): any thread, at any time between engine_create and
 * engine_destroy; costs the hot threads nothing. */
struct engine_progress {
	uint64_t messages;    /* market data messages decoded */
	uint64_t bytes;       /* input bytes read ... */
	uint64_t input_bytes; /* ... of these (0: not known: a live feed, pcap, crypto) */
	uint64_t orders, fills;
	bool done;            /* the input has ended */
};
void engine_progress(struct engine *e, struct engine_progress *ret);

struct engine_result {
	uint64_t messages;
	uint64_t intents;
	uint64_t orders;
	uint64_t fills;
	uint64_t rejects;
	uint64_t order_hash;
	int64_t realized_pnl;
	int64_t unrealized_pnl;
	int64_t position_sum;  /* sum of instrument positions (shares) */
	bool positions_agree;  /* exec's positions equal risk's, built from fill reports */
};
void engine_result(struct engine *e, struct engine_result *ret);
struct engine *engine_destroy(struct engine *e);

#endif
