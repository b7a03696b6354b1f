/* order.c - the order manager's state machine (see exec.h). */
#include "exec.h"

#define NST 8
#define NEV 7

/* next[state][event]; EXEC_ST_NONE marks an illegal transition. */
static const uint8_t order_next[NST][NEV] = {
	[EXEC_ST_PENDING_NEW] = {
		[EXEC_EV_ACK] = EXEC_ST_ACKED,
		[EXEC_EV_CANCEL_REQUEST] = EXEC_ST_CANCEL_PENDING,
		[EXEC_EV_REJECT] = EXEC_ST_REJECTED,
	},
	[EXEC_ST_ACKED] = {
		[EXEC_EV_PARTIAL_FILL] = EXEC_ST_PARTIALLY_FILLED,
		[EXEC_EV_FULL_FILL] = EXEC_ST_FILLED,
		[EXEC_EV_CANCEL_REQUEST] = EXEC_ST_CANCEL_PENDING,
		[EXEC_EV_CANCELLED] = EXEC_ST_CANCELLED,
	},
	[EXEC_ST_PARTIALLY_FILLED] = {
		[EXEC_EV_PARTIAL_FILL] = EXEC_ST_PARTIALLY_FILLED,
		[EXEC_EV_FULL_FILL] = EXEC_ST_FILLED,
		[EXEC_EV_CANCEL_REQUEST] = EXEC_ST_CANCEL_PENDING,
		[EXEC_EV_CANCELLED] = EXEC_ST_CANCELLED,
	},
	[EXEC_ST_CANCEL_PENDING] = {
		[EXEC_EV_ACK] = EXEC_ST_CANCEL_PENDING,
		[EXEC_EV_PARTIAL_FILL] = EXEC_ST_CANCEL_PENDING,
		[EXEC_EV_FULL_FILL] = EXEC_ST_FILLED,
		[EXEC_EV_CANCELLED] = EXEC_ST_CANCELLED,
		[EXEC_EV_REJECT] = EXEC_ST_REJECTED,
	},
	/* FILLED, CANCELLED, REJECTED: terminal, every event illegal. */
};

int exec_order_transition(enum exec_order_state from, enum exec_order_event ev,
			  enum exec_order_state *ret)
{
	if ((unsigned)from >= NST || (unsigned)ev >= NEV)
		return -EINVAL;
	uint8_t to = order_next[from][ev];
	if (to == EXEC_ST_NONE)
		return -EINVAL;
	*ret = (enum exec_order_state)to;
	return 0;
}

const char *exec_order_state_name(enum exec_order_state s)
{
	static const char *const names[NST] = {
		[EXEC_ST_NONE] = "NONE",
		[EXEC_ST_PENDING_NEW] = "PENDING_NEW",
		[EXEC_ST_ACKED] = "ACKED",
		[EXEC_ST_PARTIALLY_FILLED] = "PARTIALLY_FILLED",
		[EXEC_ST_FILLED] = "FILLED",
		[EXEC_ST_CANCEL_PENDING] = "CANCEL_PENDING",
		[EXEC_ST_CANCELLED] = "CANCELLED",
		[EXEC_ST_REJECTED] = "REJECTED",
	};
	if ((unsigned)s >= NST)
		return "?";
	return names[s];
}
