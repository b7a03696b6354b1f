#!/bin/sh
# usage: test_venue_quickfix.sh OSPREY_VENUE [QUICKFIX_INITIATOR]
#
# QuickFIX (C++, data dictionary validation on) as the initiator against
# osprey-venue's FIX 4.4 acceptor, on a generated session: logon, four
# orders (an IOC through the book, three that rest), a cancel, a mass
# cancel, logout (tests/integration/quickfix_initiator.cpp). Passes when
# every report came back as expected, QuickFIX rejected nothing (no Reject
# or BusinessMessageReject sent, no "Rejected" in its event log), the venue
# sent and received no session Reject, and the venue's counters agree with
# what QuickFIX was told. Runs in its own network namespace (loopback up)
# where the machine allows it; the venue's port is chosen free at run time.
# No QUICKFIX_INITIATOR (QuickFIX or a C++ compiler missing): skip (77).
set -eu
venue=$1
if [ $# -lt 2 ]; then
	echo "QuickFIX (libquickfix-dev) or a C++ compiler missing: skip"
	exit 77
fi
init=$2
if [ -z "${OSPREY_VENUE_NETNS:-}" ] && unshare -n true 2>/dev/null &&
	command -v ip >/dev/null 2>&1; then
	echo "in a private network namespace"
	export OSPREY_VENUE_NETNS=1
	exec unshare -n sh -c 'ip link set lo up && exec sh "$0" "$@"' "$0" "$@"
fi
dict=${OSPREY_SHARED:-../shared}/data/fix/quickfix_v1.15.1_FIX44.xml
if [ ! -f "$dict" ]; then
	echo "no $dict: skip"
	exit 77
fi
dir=$(mktemp -d /tmp/osprey-venue-qf.XXXXXX)
vpid=
cleanup() {
	[ -n "$vpid" ] && kill "$vpid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	for f in venue.log venue.json qf.out; do
		echo "--- $f"
		cat "$dir/$f" 2>/dev/null || true
	done
	exit 1
}
json() { # key path
	python3 -c "import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2:]: d = d[k]
print(d)" "$dir/venue.json" "$@"
}

# the feed goes to a port nobody reads: only the FIX side is under test here
"$venue" --generate --seed 3 --messages 40000 --symbols 3 --mold 127.0.0.1:9 \
	--speed 6000x --fix 127.0.0.1:0 --fix-comp EXEC --wait-logins 1 --linger-ms 200 \
	--end-wait-ms 3000 --json --drop-copy "$dir/drop.csv" \
	>"$dir/venue.json" 2>"$dir/venue.log" &
vpid=$!
port=
i=0
while [ -z "$port" ]; do
	# (the log may not exist yet: the venue's shell has not opened it)
	port=$(sed -n 's/.*fix listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/venue.log" \
		2>/dev/null || true)
	i=$((i + 1))
	[ $i -lt 200 ] || fail "the venue never listened"
	kill -0 "$vpid" 2>/dev/null || fail "the venue exited early"
	[ -n "$port" ] || sleep 0.05
done
echo "osprey-venue FIX on port $port"
"$init" "$port" "$dict" "$dir" >"$dir/qf.out" 2>&1 || fail "the QuickFIX initiator failed"
rc=0
wait "$vpid" || rc=$?
vpid=
[ "$rc" = 0 ] || fail "the venue exited $rc"
grep -E '^(IN|EVENT|REJECT|BUSINESS)' "$dir/qf.out" | cut -c1-160
line=$(grep '^qf-initiator ' "$dir/qf.out") || fail "no summary from the initiator"
echo "$line"
val() { echo "$line" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
case "$line" in *" ok=1 "*) ;; *) fail "the initiator saw something unexpected" ;; esac
[ "$(val rejects_sent)" = 0 ] && [ "$(val business_rejects_sent)" = 0 ] ||
	fail "QuickFIX rejected a message of ours"
ev="$dir/FIX.4.4-QFCLIENT-EXEC.event.current.log"
[ -f "$ev" ] || fail "no QuickFIX event log"
! grep -q Rejected "$ev" || fail "QuickFIX's event log names a rejected message"
[ "$(json fix logons)" = 1 ] || fail "venue: logons"
[ "$(json fix session_rejects_sent)" = 0 ] || fail "venue: it sent session Rejects"
[ "$(json fix rejects_received)" = 0 ] || fail "venue: QuickFIX sent it Rejects"
[ "$(json orders entered)" = 4 ] || fail "venue: orders entered"
[ "$(json orders accepted)" = "$(val new)" ] || fail "venue: accepted vs QuickFIX's New reports"
[ "$(json orders fills)" = "$(val trades)" ] || fail "venue: fills vs QuickFIX's Trade reports"
[ "$(json orders filled_qty)" = "$(val traded_qty)" ] || fail "venue: filled quantity"
[ "$(json orders canceled)" = "$(val canceled)" ] || fail "venue: canceled vs QuickFIX's"
[ "$(json orders mass_cancels)" = 1 ] || fail "venue: mass cancels"
[ "$(json orders cancel_unknown)" = 0 ] || fail "venue: unknown cancels"
fills=$(grep -c ',fill,' "$dir/drop.csv" || true)
[ "$fills" = "$(val trades)" ] || fail "drop copy: $fills fills"
echo "venue counters agree with QuickFIX: $(json orders accepted) accepted," \
	"$(json orders fills) fills ($(json orders filled_qty) shares), $(json orders canceled) canceled"
echo "quickfix initiator vs osprey-venue: ok"
