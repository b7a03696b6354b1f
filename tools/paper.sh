#!/bin/sh
# paper.sh - paper trading on this host, as `make paper` runs it:
#   osprey-venue replays a day (the AMZN day from ../shared/data, or a
#   generated session where that is absent) on loopback: MoldUDP64 market data,
#   OUCH 4.2 order entry; the engine reads the feed and trades over OUCH; at the
#   end both print their summaries and a reconciliation line: the engine's
#   positions, fills and cash against the venue's (0 differences expected).
#
# usage: tools/paper.sh BUILD_DIR SHARED_DIR [SPEED] [PROTOCOL]
#   SPEED: max (default) or realtime or Nx; PROTOCOL: ouch (default) or fix,
#   or binance: a crypto session instead (osprey-venue --crypto replays the
#   Bybit capture over a WebSocket and takes Binance-spot orders; the engine
#   reads the stream and trades through its Binance gateway; positions
#   reconciled symbol by symbol)
#   PAPER_MESSAGES=N in the environment: a generated session of N messages,
#   whether or not the AMZN day is there (the test suite's short run)
set -eu
B=${1:?build dir}
SHARED=${2:-../shared}
SPEED=${3:-max}
PROTO=${4:-ouch}
S=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d /tmp/osprey-paper.XXXXXX)
vpid=""
cleanup() { [ -n "$vpid" ] && kill "$vpid" 2>/dev/null; true; }
trap cleanup EXIT INT TERM

# The engine on $dir/paper.ini against the venue running as $vpid (its
# output in $dir/venue.txt), then both summaries: sets $erc and $vrc.
run_engine() { # VENUE_NAME
	erc=0
	"$B/tools/osprey-replay" --config "$dir/paper.ini" --positions "$dir/engine_positions.csv" \
		>"$dir/engine.txt" 2>"$dir/engine.log" || erc=$?
	vrc=0
	wait "$vpid" || vrc=$?
	vpid=""
	echo
	echo "=== engine (osprey-replay, [gateway] protocol = $PROTO): exit $erc"
	cat "$dir/engine.txt"
	[ -s "$dir/engine.log" ] && sed 's/^/  engine: /' "$dir/engine.log"
	echo
	echo "=== venue ($1): exit $vrc"
	cat "$dir/venue.txt"
}

if [ "$PROTO" = binance ]; then
	cap="$SHARED/data/crypto/cryptofeed_BYBIT.ws.25.0"
	[ -r "$cap" ] || { echo "paper: $cap is not there: no crypto session to trade" >&2; exit 1; }
	[ "$SPEED" = max ] && SPEED=6x # the engine reads a live stream: not as fast as a file
	printf 'paper-key\npaper-secret-%s\n' "$$" >"$dir/keys"
	chmod 600 "$dir/keys"
	"$B/tools/osprey-venue" --crypto "$cap" --binance 127.0.0.1:0 --key-file "$dir/keys" \
		--speed "$SPEED" >"$dir/venue.txt" 2>"$dir/venue.log" &
	vpid=$!
	i=0
	until port=$(sed -n 's/.*listening 127.0.0.1:\([0-9]*\).*/\1/p' "$dir/venue.log") &&
		[ -n "$port" ]; do
		kill -0 "$vpid" 2>/dev/null || { cat "$dir/venue.log" >&2; exit 1; }
		i=$((i + 1)); [ $i -lt 200 ] || { echo "paper: the venue did not start" >&2; exit 1; }
		sleep 0.05
	done
	topics=$(grep -o '"topic":"[^"]*"' "$cap" | sort -u | sed 's/"topic":"\(.*\)"/"\1"/' |
		paste -sd, -)
	syms=$(grep -o '"topic":"orderBookL2_25\.[A-Z]*"' "$cap" | sort -u | sed 's/.*\.\([A-Z]*\)"/\1/' |
		paste -sd, -)
	cat >"$dir/paper.ini" <<INI
# the engine side of make paper PAPER_PROTOCOL=binance (see tools/demo.ini)
[feeds]
crypto_ws = ws://127.0.0.1:$port/realtime_public
crypto_subscribe = {"op":"subscribe","args":[$topics]}
idle_timeout_ms = 3000
[strategy]
model = $S/models/demo.model
[gateway]
protocol = binance
binance_rest = http://127.0.0.1:$port
binance_stream = ws://127.0.0.1:$port
binance_key_file = $dir/keys
binance_symbols = $syms
drain_ms = 2000
INI
	echo "paper trading the Bybit capture on loopback: osprey-venue at 127.0.0.1:$port" \
		"(its WebSocket stream, Binance-spot order entry), speed $SPEED"
	run_engine "osprey-venue --crypto"
	# the venue's "position SYM Q" (Q at the symbol's step) against the
	# engine's positions CSV (symbol,position,cash; position in steps)
	rc=0
	awk -F'[ ,]' 'FNR == 1 && FILENAME != "-" && /^symbol/ { next }
		FILENAME ~ /engine_positions/ { e[$1] = $2; seen[$1] = 1; next }
		$1 == "position" { q = $3; neg = sub(/^-/, "", q); sub(/\./, "", q); q = q + 0
			v[$2] = neg ? -q : q; seen[$2] = 1 }
		END { for (s in seen) if (e[s] + 0 != v[s] + 0) {
				printf "  %s: engine %d, venue %d\n", s, e[s], v[s]; d++ }
			printf "reconciliation: %d symbols, %d differences\n", length(seen), d
			exit d > 0 }' "$dir/engine_positions.csv" "$dir/venue.txt" || rc=$?
	echo "(files in $dir)"
	[ "$erc" = 0 ] && [ "$vrc" = 0 ] && [ "$rc" = 0 ]
	exit
fi

. "$S/tools/free_port.sh"
MOLD=$(free_port)
SERVE=$(free_port "$MOLD")
OE=$(free_port "$MOLD" "$SERVE")

capture="$SHARED/data/itch/lobster_AMZN_20120621_L5.itch50"
if [ -r "$capture" ] && [ -z "${PAPER_MESSAGES:-}" ]; then
	input="--itch $capture"
	what="the AMZN day (LOBSTER, 193,502 messages)"
else
	input="--generate --seed 42 --messages ${PAPER_MESSAGES:-200000}"
	what="a generated session of ${PAPER_MESSAGES:-200000} messages"
fi
if [ "$PROTO" = fix ]; then
	entry="--fix 127.0.0.1:$OE"
	gateway="protocol = fix
connect = 127.0.0.1:$OE
fix_sender = PAPER
fix_target = EXEC
fix_heartbeat_s = 1
fix_reset_seq = true"
else
	entry="--ouch 127.0.0.1:$OE --users PAPER:paper"
	gateway="protocol = ouch
connect = 127.0.0.1:$OE
soup_user = PAPER
soup_password = paper"
fi

cat >"$dir/paper.ini" <<INI
# the engine side of make paper (see tools/demo.ini for every key)
[feeds]
mold = 127.0.0.1:$MOLD
mold_rerequest = 127.0.0.1:$SERVE
gap_timeout_ms = 2000
idle_timeout_ms = 30000
[strategy]
model = $S/models/demo.model
[gateway]
$gateway
drain_ms = 2000
[threads]
cpus = 1
aux_cpu = 0
[engine]
burst = 1
INI

# The engine's hot thread spins on cpu 1, its blocking threads sit on cpu 0.
# The venue spins too (--spin: no wake-up for each order, packets leave on
# time), so it must not share the hot thread's cpu: cpu 2 where there is one,
# else cpu 0 with the engine's blocking threads (persistence and telemetry,
# which can wait for their slice). Measured on 2 cpus, generated session at
# 1000x, FIX: the engine's send(2) p50 49 us unpinned, 43 us pinned, 36 us
# pinned and spinning (the rest is the kernel's cold TCP path: BENCHMARKS.md).
pin=""
if command -v taskset >/dev/null 2>&1; then
	if [ "$(nproc)" -ge 3 ]; then pin="taskset -c 2"; else pin="taskset -c 0"; fi
fi

echo "paper trading $what on loopback: MoldUDP64 127.0.0.1:$MOLD, $PROTO 127.0.0.1:$OE, speed $SPEED"
# the venue waits for the engine's login before it publishes, so the engine
# reads the feed from its first message (its md seq is then the MoldUDP64 number)
# shellcheck disable=SC2086
$pin "$B/tools/osprey-venue" $input --mold "127.0.0.1:$MOLD" --serve "127.0.0.1:$SERVE" $entry \
	--speed "$SPEED" --spin --wait-logins 1 --end-wait-ms 10000 \
	--drop-copy "$dir/drop_copy.csv" --positions "$dir/venue_positions.csv" \
	>"$dir/venue.txt" 2>"$dir/venue.log" &
vpid=$!
run_engine osprey-venue

rc=0
sh "$S/tools/paper-reconcile.sh" "$dir/engine.txt" "$dir/engine_positions.csv" \
	"$dir/venue_positions.csv" "$dir/drop_copy.csv" PAPER || rc=$?
echo "(files in $dir)"
[ "$erc" = 0 ] && [ "$vrc" = 0 ] && [ "$rc" = 0 ]
