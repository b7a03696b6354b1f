#!/bin/sh
# Crash recovery under SIGKILL (tools/kill9.sh): the engine trades osprey-venue
# with an LMDB database and is killed with SIGKILL three times, each a random
# moment after its first order, then trades to the end. Its positions and
# cash must equal the venue's drop copy (no fill lost or applied twice), no
# order token may repeat, and every restart must resume its session
# (auto_resume). Over OUCH 4.2: a generated session first (its orders fill at
# once: restarts resume from the stored number); then, where ../shared has
# it, the AMZN day, whose orders rest, with the venue cancelling on
# disconnect (so restarts find open orders and messages to replay) and
# auto_resume off: each restart waits, HALTED with nothing sent, until
# osprey-ctl resume. Over FIX 4.4: the generated session and the AMZN day
# (orders left at the venue), each kill preceded by a SIGSTOP of 300 ms, so
# the venue's reports meanwhile die with the socket and the restart must get
# them resent (ResendRequest, the venue's journal) and reconcile by an
# OrderMassStatusRequest. Then the venue is the one killed (KILL=venue, three
# times, started again with --journal): over OUCH on the generated session
# and over FIX on the AMZN day (resting orders filled by market data after
# the last request, reports counted as sent in the venue's resend journal);
# the engine runs once, reconnects to each new venue and trades to the end
# with the same positions as the drop copy.
set -eu
B=${OSPREY_BUILD:?}
S=${OSPREY_SOURCE:?}
SHARED=${OSPREY_SHARED:-$S/../shared}
KILL9_SELFTEST=1 SEED=${SEED:-$$} sh "$S/tools/kill9.sh" "$B" 3 60000 1000x
PROTOCOL=fix STOP_MS=300 SEED=${SEED:-$$} sh "$S/tools/kill9.sh" "$B" 3 60000 1000x
KILL=venue SEED=${SEED:-$$} sh "$S/tools/kill9.sh" "$B" 3 60000 1000x
amzn="$SHARED/data/itch/lobster_AMZN_20120621_L5.itch50"
if [ -r "$amzn" ]; then
	# the operator resumes each restart here (auto_resume off)
	AUTO_RESUME=false CAPTURE=$amzn SEED=${SEED:-$$} \
		sh "$S/tools/kill9.sh" "$B" 3 0 1000x --cancel-on-disconnect
	PROTOCOL=fix STOP_MS=300 CAPTURE=$amzn SEED=${SEED:-$$} \
		sh "$S/tools/kill9.sh" "$B" 3 0 1000x
	PROTOCOL=fix KILL=venue CAPTURE=$amzn SEED=${SEED:-$$} \
		sh "$S/tools/kill9.sh" "$B" 3 0 1000x
else
	echo "kill9: $amzn absent: the AMZN runs are skipped"
fi
