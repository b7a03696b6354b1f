#!/bin/sh
# The engine on a live crypto stream ([feeds] crypto_ws): osprey-replay
# subscribes to the npm ws server replaying the Bybit capture over TLS (cut
# once mid-stream), trades it against the in-process venue, keeps what it
# read as a capture ([feeds] crypto_record), and ends after 2 s of quiet
# ([feeds] idle_timeout_ms). Checked: the stream's counters in the JSON
# summary (2 connections, 1 lost, every message decoded), the connection
# line in the record, and that the record replayed through the engine
# (osprey-replay on the file) takes the same decisions: the same orders and
# fills, so a live session can be studied after the fact.
set -eu
B=${OSPREY_BUILD:?}
S=${OSPREY_SOURCE:?}
SHARED=${OSPREY_SHARED:-$S/../shared}
cap="$SHARED/data/crypto/cryptofeed_BYBIT.ws.25.0"
. "$S/tests/integration/ws_lib.sh"
ws_begin crypto-engine --npm "$cap"

topics=$(grep -o '"topic":"[^"]*"' "$cap" | sort -u | sed 's/"topic":"\(.*\)"/"\1"/' | paste -sd, -)
serve "$dir/cert.pem" "$dir/key.pem" server.log --capture "$cap" --speed 6 --drop-after 900
cat >"$dir/live.ini" <<INI
[feeds]
crypto_ws = wss://localhost:$port/realtime_public
crypto_subscribe = {"op":"subscribe","args":[$topics]}
crypto_ca = $dir/cert.pem
crypto_record = $dir/record.capture
idle_timeout_ms = 2000
[strategy]
model = $S/models/demo.model
INI
"$B/tools/osprey-replay" --config "$dir/live.ini" --quiet --json >"$dir/live.json" \
	2>"$dir/live.log" || fail "the engine on the live stream failed"
kill "$spid"; wait "$spid" 2>/dev/null || true; spid=""
num() { grep -o "\"$2\": *[0-9]*" "$1" | head -1 | grep -o '[0-9]*$' || true; }
[ "$(num "$dir/live.json" crypto_opens)" = 2 ] || fail "not 2 connections"
[ "$(num "$dir/live.json" crypto_links_lost)" = 1 ] || fail "not 1 link lost"
msgs=$(num "$dir/live.json" crypto_messages)
[ "${msgs:-0}" -gt 2500 ] || fail "only ${msgs:-0} messages"
grep -c "<->" "$dir/record.capture" | grep -qx 2 || fail "the record lacks its 2 connections"
# the record, replayed, decides the same
"$B/tools/osprey-replay" --model "$S/models/demo.model" --quiet --json "$dir/record.capture" \
	>"$dir/replay.json" 2>"$dir/replay.log" || fail "the engine on the record failed"
for k in orders fills; do
	a=$(num "$dir/live.json" $k) b=$(num "$dir/replay.json" $k)
	[ -n "$a" ] && [ "$a" = "$b" ] || fail "$k: live $a, its record replayed $b"
done
echo "crypto engine: $msgs live messages over 2 connections; $(num "$dir/live.json" orders) orders and $(num "$dir/live.json" fills) fills, the same from the record"
