#!/bin/sh
# kill-venue.sh - the kill switch against a venue on the wire, timed.
#
# osprey-venue publishes a generated session (MoldUDP64, loopback) and takes
# orders (OUCH 4.2 or FIX 4.4); the engine daemon trades it. Each round waits
# for open orders at the venue, then `osprey-ctl kill`, and reads the kill's
# timeline from `osprey-ctl status` (times from the command's arrival at the
# engine's control thread):
#   blocked   risk refuses new orders            (goal <= 1 ms)
#   sent      the last cancel handed to the kernel
#   answered  the venue acknowledged every cancel (goal <= 5 ms on loopback)
# then `osprey-ctl resume` and the next round. Prints each round and the
# median and max of each column (us).
#
# The session is the AMZN day from SHARED_DIR/data at 200x where it is there (its
# orders rest: 10% wait 30 s of market time or more), else a generated one.
#
# usage: bench/kill-venue.sh BUILD_DIR [ROUNDS] [ouch|fix] [SHARED_DIR]
set -eu
B=${1:?build dir}
ROUNDS=${2:-20}
PROTO=${3:-ouch}
SHARED=${4:-$(dirname "$0")/../../shared}
S=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d /tmp/osprey-kill.XXXXXX)
vpid="" epid=""
cleanup() {
	[ -n "$epid" ] && kill "$epid" 2>/dev/null
	[ -n "$vpid" ] && kill "$vpid" 2>/dev/null
	wait 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT INT TERM
port() { echo $(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 30000 )); }
MOLD=$(port); OE=$((MOLD + 1)); SERVE=$((MOLD + 2))
ctl() { "$B/tools/osprey-ctl" --socket "$dir/ctl.sock" "$@"; }
field() { ctl status | awk -v k="$1:" '$1 == k { print $2 }'; }

if [ "$PROTO" = fix ]; then
	entry="--fix 127.0.0.1:$OE"
	gw="protocol = fix
fix_sender = KILL
fix_target = EXEC
fix_reset_seq = true"
else
	entry="--ouch 127.0.0.1:$OE"
	gw="protocol = ouch
soup_user = KILL"
fi
cat >"$dir/e.ini" <<INI
[feeds]
mold = 127.0.0.1:$MOLD
mold_rerequest = 127.0.0.1:$SERVE
[strategy]
model = $S/models/demo.model
[gateway]
$gw
connect = 127.0.0.1:$OE
[threads]
cpus = 1
aux_cpu = 0
[engine]
control_socket = $dir/ctl.sock
INI
pin=""
command -v taskset >/dev/null 2>&1 && pin="taskset -c 0"
capture="$SHARED/data/itch/lobster_AMZN_20120621_L5.itch50"
if [ -r "$capture" ]; then
	input="--itch $capture"
else
	input="--generate --seed 5 --messages 2000000"
fi
# the day at 200x: ~1 minute of pre-market, then 2 of trading, time for the
# rounds; SPIN=--spin has the venue poll without sleeping (on 2 cpus it then
# competes with osprey-ctl and the engine's control thread: slower answers)
# shellcheck disable=SC2086
$pin "$B/tools/osprey-venue" $input --mold "127.0.0.1:$MOLD" \
	--serve "127.0.0.1:$SERVE" $entry --speed 200x ${SPIN-} --wait-logins 1 \
	>"$dir/venue.txt" 2>"$dir/venue.log" &
vpid=$!
sleep 0.2
"$B/tools/osprey" "$dir/e.ini" >"$dir/engine.txt" 2>&1 &
epid=$!
i=0
while [ ! -S "$dir/ctl.sock" ]; do
	i=$((i + 1)); [ $i -lt 100 ] || { cat "$dir/engine.txt"; exit 1; }; sleep 0.05
done

echo "kill switch at the venue ($PROTO over loopback), us from the command's arrival"
echo "round cancels  blocked     sent  answered"
r=0
while [ $r -lt "$ROUNDS" ]; do
	i=0
	while [ "$(field open_orders)" -lt 1 ]; do
		i=$((i + 1)); [ $i -lt 30000 ] || { echo "no open order in 300 s"; ctl status; exit 1; }; sleep 0.01
	done
	c0=$(field cancels)
	ctl kill >/dev/null
	i=0
	while ! ctl status | grep -q "every order answered"; do
		i=$((i + 1)); [ $i -lt 500 ] || { echo "kill not answered in 5 s"; ctl status; exit 1; }
		sleep 0.01
	done
	ctl status | awk -v r=$((r + 1)) -v c0="$c0" '$1 == "cancels:" { c = $2 - c0 }
		/^kill:/ { printf "%5d %7d %8.1f %8.1f %9.1f\n", r, c, $4, $12, $18 }' | tee -a "$dir/rounds"
	ctl resume >/dev/null
	r=$((r + 1))
done
sort -n -k3 "$dir/rounds" | awk '{ b[NR] = $3 } END { printf "blocked   median %.1f max %.1f\n", b[int((NR + 1) / 2)], b[NR] }'
sort -n -k4 "$dir/rounds" | awk '{ b[NR] = $4 } END { printf "sent      median %.1f max %.1f\n", b[int((NR + 1) / 2)], b[NR] }'
sort -n -k5 "$dir/rounds" | awk '{ b[NR] = $5 } END { printf "answered  median %.1f max %.1f\n", b[int((NR + 1) / 2)], b[NR] }'
