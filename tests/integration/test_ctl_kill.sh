#!/bin/sh
# The operator's kill switch against a running engine: after `osprey-ctl kill`
# no new order leaves, open orders are cancelled, status shows it, the state
# survives a restart, and `resume` clears it. SIGTERM stops the engine cleanly.
set -eu
B=${OSPREY_BUILD:?}
S=${OSPREY_SOURCE:?}
dir=$(mktemp -d /tmp/osprey-ctl-test.XXXXXX)
. "$S/tests/integration/ctl_lib.sh"
field() { grep "^$1:" "$dir/status.txt" | awk '{print $2}'; }
status() { "$B/tools/osprey-ctl" --socket "$dir/ctl.sock" status >"$dir/status.txt" || fail "status"; }

session 7 60000
engine_ini 2000x "db = $dir/db"

start "$dir/engine.ini"
# let it trade until orders are flowing
i=0
while :; do
	status
	[ "$(field orders_sent)" -gt 0 ] && break
	i=$((i + 1)); [ $i -lt 200 ] || fail "no orders after 10 s"; sleep 0.05
done
[ "$(field state)" = ACTIVE ] || fail "state before kill: $(field state)"
[ "$(field input)" = running ] || fail "input ended before kill"

"$B/tools/osprey-ctl" --socket "$dir/ctl.sock" kill | grep -q '^ok: killed' || fail "kill"
sleep 0.3
status
[ "$(field state)" = KILLED ] || fail "state after kill: $(field state)"
[ "$(field open_orders)" = 0 ] || fail "open orders after kill: $(field open_orders)"
# the timeline: blocked, then the cancels sent, then every order answered, in that order
line=$(grep '^kill: orders blocked' "$dir/status.txt") || fail "no kill timeline in status"
echo "$line"
# "kill: orders blocked B us after the command, cancels sent at S us, every order answered at A us"
echo "$line" | awk '{ b = $4 + 0; s = $12 + 0; a = $18 + 0
	exit !(NF == 19 && $17 == "at" && b >= 0 && s >= b && a >= s) }' ||
	fail "kill timeline out of order: $line"
sent=$(field orders_sent)
sleep 1
status
[ "$(field input)" = running ] || fail "input ended during the check; slow the session down"
[ "$(field orders_sent)" = "$sent" ] || fail "orders left after kill: $sent -> $(field orders_sent)"
[ "$(field intents)" -gt 0 ] || fail "no intents"

# owner only: the socket is 0600
[ "$(stat -c %a "$dir/ctl.sock")" = 600 ] || fail "socket mode $(stat -c %a "$dir/ctl.sock")"

kill -TERM "$pid"
wait "$pid" || fail "engine exit code $? after SIGTERM"
pid=""
grep -q 'KILLED' "$dir/out.txt" || fail "summary does not show the kill"
[ ! -e "$dir/ctl.sock" ] || fail "socket left behind"

# a killed engine stays killed across a restart until resumed
start "$dir/engine.ini"
status
[ "$(field state)" = KILLED ] || fail "state after restart: $(field state)"
"$B/tools/osprey-ctl" --socket "$dir/ctl.sock" resume | grep -q '^ok: resumed' || fail "resume"
status
[ "$(field state)" = ACTIVE ] || fail "state after resume: $(field state)"
"$B/tools/osprey-ctl" --socket "$dir/ctl.sock" bogus >/dev/null 2>&1 && fail "usage error accepted"

# kill --flatten: once positions are open, close them all (each request is one IOC
# order per instrument through the touch; ask again while a book was too thin)
i=0
while :; do
	status
	[ "$(field positions)" -gt 0 ] && break
	i=$((i + 1)); [ $i -lt 200 ] || fail "no position after 10 s"; sleep 0.05
done
i=0
while :; do
	"$B/tools/osprey-ctl" --socket "$dir/ctl.sock" kill --flatten | grep -q 'every position' ||
		fail "kill --flatten"
	sleep 0.3
	status
	[ "$(field positions)" = 0 ] && break
	i=$((i + 1)); [ $i -lt 10 ] || fail "still $(field positions) positions after 10 flattens"
done
[ "$(field state)" = KILLED ] || fail "state after flatten: $(field state)"
[ "$(field input)" = running ] || fail "input ended during the flatten check"
echo "flatten: flat after $((i + 1)) request(s)"
kill -INT "$pid"
wait "$pid" || fail "engine exit code $? after SIGINT"
pid=""
echo "ctl kill test passed"
