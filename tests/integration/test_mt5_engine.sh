#!/bin/sh
# The engine on MetaTrader 5 through the DWX expert advisor's ZeroMQ wire,
# against a stand-in for the EA (tests/integration/mt5_ea.py, pyzmq): ticks
# from its PUB socket ([feeds] mt5), orders through its command and answer
# sockets ([gateway] protocol = mt5), a test model that trades the stand-in's
# price wave. The EA sends a malformed tick now and then, and is stopped
# and started again mid-run on the same ports (the terminal keeps its
# orders). Checked: the ticks are read and the bad ones counted, orders go
# out and fill, the gateway goes down and comes back, and the positions the
# engine ends with equal the terminal's, symbol by symbol, from as many
# fills as the terminal has positions.
set -eu
B=${OSPREY_BUILD:?}
S=${OSPREY_SOURCE:?}
PY=/usr/bin/python3
"$PY" -c 'import zmq' 2>/dev/null || { echo "SKIP: $PY with pyzmq (Debian python3-zmq) is not installed"; exit 77; }
dir=$(mktemp -d /tmp/osprey-mt5e.XXXXXX)
ea=""
cleanup() { [ -n "$ea" ] && kill "$ea" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; for f in "$dir"/*.log "$dir"/*.out; do [ -s "$f" ] && { echo "--- $f"; tail -n 12 "$f"; }; done; exit 1; }
start_ea() { # LOG PORTS
	"$PY" "$S/tests/integration/mt5_ea.py" --state "$dir/terminal.json" --ports "$2" \
		--bad-tick --seconds 60 >"$dir/$1" 2>&1 &
	ea=$!
	i=0
	until ports=$(sed -n 's/^ports //p' "$dir/$1") && [ -n "$ports" ]; do
		kill -0 "$ea" 2>/dev/null || fail "the EA stand-in did not start"
		i=$((i + 1)); [ $i -lt 200 ] || fail "the EA stand-in did not start"
		sleep 0.05
	done
}
start_ea ea1.out 0,0,0
set -- $ports
cat >"$dir/mt5.ini" <<INI
[feeds]
mt5 = tcp://127.0.0.1:$3
mt5_symbols = EURUSD,GBPUSD
mt5_decimals = 5
idle_timeout_ms = 4000
[gateway]
protocol = mt5
mt5_commands = tcp://127.0.0.1:$1
mt5_answers = tcp://127.0.0.1:$2
mt5_lot_units = 100000
drain_ms = 1000
INI
cat >"$dir/wave.model" <<'MODEL'
osprey-model linear v1
# test only: buys a rising mid, sells a falling one (its 8-tick return, bps)
features 13
weights 0 0 0 0 2 0 0 0 0 0 0 0 0
bias 0
threshold 1.0
qty 1000
price opposite
cooldown_events 20
cooldown_ns 100000000
id 7
MODEL
"$B/tools/osprey-replay" --config "$dir/mt5.ini" --model "$dir/wave.model" --json --quiet \
	--positions "$dir/positions.csv" >"$dir/run.json" 2>"$dir/engine.log" &
eng=$!
sleep 8
kill "$ea"; wait "$ea" 2>/dev/null || true; ea=""
sleep 1.5 # the gateway's timeout (3 s) has not passed: it may or may not see the gap
start_ea ea2.out "$1,$2,$3"
sleep 8
kill "$ea"; wait "$ea" 2>/dev/null || true; ea="" # the ticks stop: the run ends after idle_timeout_ms
wait "$eng" || fail "the engine failed"
j() { "$PY" -c "import json,sys; d=json.load(open('$dir/run.json')); print($1)"; }
ticks=$(j "d['feed']['mt5_ticks']")
bad=$(j "d['feed']['mt5_bad']")
opens=$(j "d['venue']['opens']")
fills=$(j "d['fills']")
[ "$ticks" -ge 200 ] || fail "only $ticks ticks"
[ "$bad" -ge 1 ] || fail "no malformed tick counted"
[ "$opens" -ge 1 ] || fail "only $opens orders sent to the EA ($(j "d['intents']") intents; risk \
rejects $(j "{k: v for k, v in d['rejects_by_reason'].items() if v}"); venue: $(j "d['venue']"))"
[ "$(j "d['venue']['protocol']")" = mt5 ] || fail "not the mt5 venue"
# each order filled once at the terminal, as a position of its own
npos=$(sed -n 's/^positions //p' "$dir/ea2.out")
[ "$npos" = "$fills" ] || fail "the terminal holds $npos positions, the engine counts $fills fills"
for sym in EURUSD GBPUSD; do
	want=$(sed -n "s/^net $sym //p" "$dir/ea2.out")
	got=$(awk -F, -v s="$sym" '$1 == s { print $2 }' "$dir/positions.csv")
	[ "${got:-0}" = "$want" ] || fail "$sym: the engine holds ${got:-0}, the terminal $want"
done
echo "mt5-engine: $ticks ticks ($bad malformed), $opens orders to the EA, $fills fills; positions equal the terminal's: $(grep -h "^net" "$dir/ea2.out" | tr "\n" " ")"
