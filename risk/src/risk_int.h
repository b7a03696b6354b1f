/* risk_int.h - what the risk library's files share, not its users. */
#ifndef OSPREY_RISK_INT_H
#define OSPREY_RISK_INT_H

#include "risk.h"

/* The largest money limit: 1e15 price units times shares (1e11 dollars at
 * ITCH's 1e-4), so sums over instruments stay far inside int64. */
#define RISK_MONEY_MAX 1000000000000000LL

/* risk__limits_read - the stage's side of the limits' seqlock: 1 and *ret,
 * *seq updated when a set newer than *seq is published; 0 when *seq is
 * current; -EAGAIN when a write is under way or tore the copy (try again on
 * a later poll; never waits). */
int risk__limits_read(const struct risk_control *c, uint32_t *seq, struct risk_limits *ret);

/* ------------------------------------------------------------------------- */
/* The stage's state, shared by risk.c (the stage: rings, orders, reports)
 * and money.c (checks, marks, money, breakers, exits). One hot thread. */

/* An open order: a slab entry whose index never moves while it is open, on
 * its instrument's list for its side (for self-trade prevention). */
struct risk_order {
	uint64_t order_id; /* 0: free */
	int64_t remaining;
	uint32_t px;       /* 0: a flatten order (priced by exec) */
	uint16_t locate;
	uint8_t side;
	uint8_t taker;     /* crossed the book it was decided on: fills pay taker fees */
	uint32_t prev, next; /* slab index + 1 on the instrument's list; 0 ends it */
};

/* id -> slab index; linear probing, backward-shift deletion. */
struct risk_idcell {
	uint64_t id; /* 0: empty */
	uint32_t slot;
	uint32_t pad_;
};

/* A queue in front of a ring of 64-byte messages. */
#define RISK_Q_CAP 64
struct risk_q {
	struct core_ring *ring; /* NULL: no such output, puts are dropped by design */
	uint32_t head, n;
	unsigned char buf[RISK_Q_CAP][64];
};

/* One instrument. */
struct risk_inst {
	struct position pos;     /* qty, cost, realized (this session) */
	int64_t open_buy, open_sell;
	int64_t fees;
	int64_t unreal;          /* at the mark, cached */
	int64_t c_gross, c_nl, c_ns, c_cap; /* its share of the portfolio sums, cached */
	uint32_t bid, ask;       /* last book seen */
	uint32_t mark;
	uint32_t last_fill_px;
	uint64_t band_ts;        /* band window start and its anchor (twice the mid) */
	int64_t band_mid2;
	uint64_t rate_deficit;   /* token bucket: tokens missing from full, 1e9 per order */
	uint64_t rate_ts;
	uint64_t crate_deficit, crate_ts; /* the cancel bucket */
	uint64_t dup_ts;         /* last approved order */
	uint32_t dup_px, dup_qty;
	uint8_t dup_side;
	uint8_t throttled;       /* the fill throttle halted it */
	uint8_t gen_seen;        /* the operator's mode-set count last seen */
	uint8_t touched;         /* in risk_stage.touched[] */
	uint32_t fills_n;        /* fill throttle window */
	uint64_t fills_ts;
	uint64_t open_ts;        /* when the position opened (time exit); 0: not yet known */
	uint32_t best;           /* best mark since it opened (trailing stop) */
	uint32_t head[2];        /* open orders, buys [0] and sells [1]: slab index + 1 */
	uint64_t exit_id;        /* the exit order under way, 0 none */
	uint32_t bar_hi, bar_lo; /* marks within the risk model's interval */
	uint32_t atr;            /* from the risk model's caps, 0 none */
};

struct risk_stage {
	struct core_ring *intents, *reports, *out;
	/* the events and model rings, each with the messages waiting for room
	 * (made while applying reports, which cannot wait); reports and intents
	 * stop being taken while a queue is nearly full, so none overflows */
	struct risk_q events_q, model_q;
	bool events_eos;   /* RISK_EV_EOS queued */
	bool model_eos;    /* RISK_MODEL_EOS queued */
	/* the risk model */
	struct risk_caps_board *board;
	uint64_t interval_ns;
	uint64_t cur_interval;  /* of the last intent; valid with have_interval */
	uint64_t interval_end;  /* event time the current interval ends */
	uint64_t next_interval; /* while closing: the interval that follows */
	bool have_interval;
	bool closing;           /* sending the marks of cur_interval's close */
	uint32_t close_at;      /* the next index in touched[] */
	uint64_t closes;        /* closes sent (the next close's seq) */
	uint64_t caps_seq;      /* seq + 1 of the caps in force, 0 none */
	struct risk_caps caps;
	int64_t eff_max_position;          /* the limits scaled by the caps */
	int64_t tier_dd[3];                /* the drawdown each tier fires at */
	int64_t eff_max_position_notional;
	struct risk_control *ctl;
	struct core_hist_pair *hist;
	struct risk_limits lim;
	uint32_t lim_seq;      /* the seqlock sequence of lim */
	bool venue_sync;
	bool reports_eos;    /* EXEC_EOS consumed: exec sends nothing more */
	bool session_up;     /* the venue session as last reported */
	bool flatten_at_end;
	bool end_flattened;
	bool cancel_at_end;
	bool end_cancelled;
	uint64_t wm_sent;    /* highest seq forwarded as a watermark or order */
	uint32_t burst;
	bool eof;
	bool killed_seen;    /* the kill flag as this stage last saw it */
	uint32_t flatten_seen; /* flatten requests carried out (or under way) */
	uint32_t flatten_at;   /* under way: the next index in touched[] to close */
	bool flattening;
	bool flatten_every;    /* under way for every instrument (else those in flat_list) */
	uint16_t flat_list[RISK_FLATTEN_Q]; /* instruments asked for, this request */
	uint32_t flat_n;
	uint32_t flatten_all_seen;
	uint32_t mode_sets_seen; /* the operator's mode sets acknowledged */
	uint32_t op_mode;        /* the operator's mode as last acknowledged */
	uint32_t faults_seen;    /* risk_control_fault calls acted on */
	uint32_t breaker_mode;   /* enum risk_mode the breakers set */
	unsigned tier_fired;     /* highest breaker level fired or acknowledged */
	unsigned tier_effect;    /* breaker level in effect (0 none) */
	uint16_t *touched; /* locates that ever had a position or exposure */
	uint32_t ntouched;
	bool cancel_pending; /* an ORDER_CANCEL_ALL waits for room */
	uint8_t cancel_cause; /* why: 0 the kill, else enum risk_cause */
	bool wm_pending;     /* a watermark waits for room */
	struct order_msg wm;
	uint64_t last_seq, last_ts, last_t0; /* last consumed intent */
	uint64_t next_id;
	uint64_t rate_deficit, rate_ts; /* the session's token bucket */
	uint64_t crate_deficit, crate_ts; /* ... and its cancel bucket */
	/* portfolio sums (int128: no overflow over every instrument) */
	__int128 gross, net_long, net_short, cap_used, unreal, realized, fees;
	int64_t high_water;
	/* open orders */
	struct risk_order *orders;
	uint32_t free_head;  /* slab index + 1 */
	struct risk_idcell *tab;
	uint64_t tab_mask;
	uint32_t open_max;
	uint32_t open_count;
	struct risk_inst *inst; /* RISK_NLOCATE entries */
	struct risk_stats st;
};

/* money.c */
enum risk_reason risk__check(struct risk_stage *s, const struct order_intent *it,
			     uint32_t gmode, uint32_t *ret_qty);
void risk__observe(struct risk_stage *s, const struct order_intent *it);
void risk__refresh(struct risk_stage *s, uint16_t locate);
void risk__fill(struct risk_stage *s, const struct exec_report *r, const struct risk_order *o);
void risk__breakers(struct risk_stage *s, uint64_t ts);
void risk__approved(struct risk_stage *s, const struct order_msg *m);
int risk__exit_order(struct risk_stage *s, const struct order_intent *it, struct order_msg *m);
void risk__operator(struct risk_stage *s, uint64_t ts);
void risk__transition(struct risk_stage *s, uint64_t ts, unsigned from, unsigned to,
		      unsigned cause, uint16_t locate);
uint16_t risk__inst_ack(struct risk_stage *s, uint16_t locate);
void risk__set_breaker_mode(struct risk_stage *s, uint32_t mode, uint64_t ts, unsigned cause);
enum risk_reason risk__cancel_check(struct risk_stage *s, uint16_t locate, uint64_t ts);
void risk__cancel_taken(struct risk_stage *s, uint16_t locate, uint64_t ts);
/* risk.c */
void risk__touch(struct risk_stage *s, uint16_t locate);
/* risk__event - record ev (queued when the events ring is full); no-op without one. */
void risk__event(struct risk_stage *s, const struct risk_event *ev);
/* risk__model - the same for a message to the risk model. */
void risk__model(struct risk_stage *s, const struct risk_model_msg *m);
/* risk__caps_changed - recompute what the limits and the caps make together. */
void risk__caps_changed(struct risk_stage *s);

#endif /* OSPREY_RISK_INT_H */
