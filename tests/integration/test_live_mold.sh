#!/bin/sh
# The engine on a live MoldUDP64 feed ([feeds] mold), published over loopback by
# osprey-gen --mold: a clean feed gives exactly the order stream of replaying the
# same session from its file; a lossy one (drops and reorders) is healed by
# re-requests so every message reaches the books; with no re-request server the
# gaps time out, the engine still ends cleanly and says what it lost.
set -eu
B=${OSPREY_BUILD:?}
S=${OSPREY_SOURCE:?}
dir=$(mktemp -d /tmp/osprey-live-test.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; for f in "$dir"/*.err; do echo "--- $f"; cat "$f"; done; exit 1; }
json() { # file key [subkey]
	python3 -c "import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2:]: d = d[k]
print(d)" "$@"
}

N=60000
"$B/tools/osprey-gen" --seed 11 --messages $N -o "$dir/s.itch" >/dev/null
"$B/tools/osprey-replay" --model "$S/models/default.model" --json "$dir/s.itch" >"$dir/file.json"
want=$(json "$dir/file.json" order_hash)
[ "$(json "$dir/file.json" orders)" -gt 0 ] || fail "file replay sent no orders"

port=$((20000 + $$ % 20000))
run() { # name, extra feeds keys, osprey-gen options...
	name=$1 keys=$2; shift 2
	port=$((port + 2))
	printf '[feeds]\nmold = 127.0.0.1:%s\nidle_timeout_ms = 10000\n%b[strategy]\nmodel = %s\n' \
		$port "$keys" "$S/models/default.model" >"$dir/$name.ini"
	"$B/tools/osprey-replay" --config "$dir/$name.ini" --json >"$dir/$name.json" \
		2>"$dir/$name.err" &
	eng=$!
	# publish only once the engine's socket is bound (/proc/net/udp lists it)
	hex=$(printf '%04X' $port)
	i=0
	while ! grep -q "0100007F:$hex " /proc/net/udp; do
		i=$((i + 1)); [ $i -lt 200 ] || fail "$name: engine never bound 127.0.0.1:$port"
		kill -0 $eng 2>/dev/null || fail "$name: engine exited early"
		sleep 0.05
	done
	"$B/tools/osprey-gen" --mold 127.0.0.1:$port --serve 127.0.0.1:$((port + 1)) \
		--input "$dir/s.itch" --rate 20000 "$@" >"$dir/$name.gen.err" 2>&1 ||
		fail "$name: publisher failed"
	rc=0
	wait $eng || rc=$?
	echo "$name: engine exit $rc, $(json "$dir/$name.json" messages) messages," \
		"$(json "$dir/$name.json" orders) orders, hash $(json "$dir/$name.json" order_hash)"
}

run clean "mold_rerequest = 127.0.0.1:$((port + 3))\n" --linger-ms 700
[ $rc = 0 ] || fail "clean: engine exit $rc"
[ "$(json "$dir/clean.json" messages)" = $N ] || fail "clean: message count"
[ "$(json "$dir/clean.json" order_hash)" = "$want" ] || fail "clean: order stream differs from the file's ($want)"

# the publisher keeps serving re-requests until 3 s pass without one (a loaded host
# may take a while to ask for the last holes)
run lossy "mold_rerequest = 127.0.0.1:$((port + 3))\ngap_timeout_ms = 10000\n" --drop 0.03 \
	--reorder 0.03 --linger-ms 3000
[ $rc = 0 ] || fail "lossy: engine exit $rc"
grep -q "dropped" "$dir/lossy.gen.err" || fail "lossy: publisher output"
[ "$(json "$dir/lossy.json" messages)" = $N ] || fail "lossy: gaps not healed, messages lost"
[ "$(json "$dir/lossy.json" orders)" -gt 0 ] || fail "lossy: no orders"

run unhealed "gap_timeout_ms = 200\n[engine]\nlog = $dir/unhealed.log\n" --drop 0.03 --linger-ms 700
got=$(json "$dir/unhealed.json" messages)
[ "$got" -lt $N ] || fail "unhealed: $got messages although packets were dropped and never re-sent"
[ "$got" -gt 0 ] || fail "unhealed: nothing received"
lost=$(json "$dir/unhealed.json" feed lost_messages)
[ $((got + lost)) = $N ] || fail "unhealed: $got delivered + $lost reported lost != $N: silent loss"
[ "$(json "$dir/unhealed.json" feed lost_gaps)" -gt 0 ] || fail "unhealed: no gap given up"
# the feeds thread's events reach the log through its ring: gaps opened and
# messages lost, each line with what was new, adding up to the totals
awk -v lost="$lost" '
	/ WARN feeds feed_gap: market data: [0-9]+ sequence gaps opened/ { g++ }
	/ ERROR feeds feed_loss: market data: [0-9]+ messages lost/ { for (i = 1; i <= NF; i++) if ($i == "lost") n += $(i - 2) + 0; l++ }
	END { printf "unhealed log: %d gap lines, %d loss lines, %d messages lost\n", g, l, n; exit !(g > 0 && l > 0 && n == lost) }' \
	"$dir/unhealed.log" || fail "unhealed: the log's losses do not add up to $lost: $(head -5 "$dir/unhealed.log")"
echo "ok"
