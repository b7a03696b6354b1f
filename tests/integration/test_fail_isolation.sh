#!/bin/sh
# A stage that fails reports it and the others go on: the latency log on a
# full device (hlog = /dev/full) fails the telemetry stage on the aux thread;
# status says so (thread, stage, errno) while trading, persistence and the
# control socket go on (telemetry is not a reason to halt); at SIGTERM the
# engine exits non-zero naming the failure, and the database holds the
# orders sent after it. (A failing hot stage halts trading and stops the
# pipeline: core_runner's on_fail, tested in core-runner.)
set -eu
B=${OSPREY_BUILD:?}
S=${OSPREY_SOURCE:?}
[ -w /dev/full ] || { echo "SKIP: no /dev/full"; exit 77; }
dir=$(mktemp -d /tmp/osprey-isolation.XXXXXX)
. "$S/tests/integration/ctl_lib.sh"

session 7 200000
engine_ini 200x "db = $dir/db
hlog = /dev/full"
start "$dir/engine.ini"
i=0
until ctl status >"$dir/st.txt" 2>/dev/null && grep -q "^failure: " "$dir/st.txt"; do
	i=$((i + 1)); [ $i -lt 200 ] || fail "no failure reported in 10 s"; sleep 0.05
done
grep -q "^failure: thread osprey-aux, stage telemetry: No space left on device$" "$dir/st.txt" ||
	fail "the failure line: $(grep '^failure' "$dir/st.txt")"
grep -q "^mode: active" "$dir/st.txt" || fail "a telemetry failure halted trading"
sent=$(field orders_sent)
i=0
until [ "$(field orders_sent)" -gt "$sent" ]; do
	i=$((i + 1)); [ $i -lt 200 ] || fail "no order after the failure ($sent)"; sleep 0.05
done
grep -q "^persistence: FAILED" "$dir/st.txt" && fail "persistence stopped with telemetry"
echo "ok: telemetry failed on /dev/full; status names it; trading, control and persistence go on"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=""
[ "$rc" != 0 ] || fail "exit 0 after a failed stage"
grep -q "stage telemetry: No space left on device" "$dir/out.txt" || fail "the exit does not name the failure"
echo "ok: exit $rc, naming the failure"
