#!/bin/sh
# Forex from Alpha Vantage against a local server in its documented shapes
# (tests/integration/ws_replay/fx_server.js over TLS, serving the USD/CHF
# 30-minute bars of ../shared/data/bars): osprey-feedcat --fx polls
# FX_INTRADAY and CURRENCY_EXCHANGE_RATE at 600 calls a minute against a
# server that allows 11 a second; every 5th call is refused ("Invalid API
# call"). Checked: the bars come out once each, in order, equal to the CSV's
# rows from the first served to the last (no gap, though refused calls
# missed rounds: the next answer's window covers them); quotes come out; the
# calls are never closer than 100 ms; the refusals are counted. Then the
# rate limit: at 1200 a minute the server's Note comes back, is counted, and
# the client pauses. The key file must be readable by its owner only; a
# wrong key is Alpha Vantage's Error Message, counted, no bar. Last, the
# engine on the same feed ([feeds] fx): every bar reaches it, and it ends
# once the market goes quiet ([feeds] idle_timeout_ms).
set -eu
B=${OSPREY_BUILD:?}
S=${OSPREY_SOURCE:?}
SHARED=${OSPREY_SHARED:-$S/../shared}
csv="$SHARED/data/bars/timeSeries_USDCHF_30min_1996-2001.csv"
. "$S/tests/integration/ws_lib.sh"
ws_begin fx "$csv"
fxserve() { # LOG [flags]
	log=$1
	shift
	node "$W/fx_server.js" --cert "$dir/cert.pem" --key "$dir/key.pem" --csv "$csv" \
		--apikey demoKEY42 "$@" >"$dir/$log" 2>&1 &
	spid=$!
	i=0
	until port=$(sed -n 's/^listening //p' "$dir/$log") && [ -n "$port" ]; do
		kill -0 "$spid" 2>/dev/null || fail "the fx server did not start"
		i=$((i + 1)); [ $i -lt 200 ] || fail "the fx server did not start"
		sleep 0.05
	done
}
printf 'demoKEY42\n' >"$dir/key"
chmod 600 "$dir/key"
fx() { "$B/tools/osprey-feedcat" --fx "https://localhost:$port" --pair USDCHF --interval 30min \
	--key-file "$dir/key" --ca "$dir/cert.pem" "$@"; }

fxserve server.log --window 100 --step 7 --limit 11 --per-ms 1000 --error-every 5
fx --quotes --calls-per-minute 600 --round-ms 1 --seconds 3 >"$dir/out.txt" 2>"$dir/client.log" ||
	fail "feedcat --fx failed"
kill "$spid"; wait "$spid" 2>/dev/null || true; spid=""
grep " bar " "$dir/out.txt" | awk '{ print $4 }' >"$dir/closes.txt"
n=$(wc -l <"$dir/closes.txt")
[ "$n" -ge 100 ] || fail "only $n bars"
# the CSV's first n closes, as the server formats them
tail -n +2 "$csv" | head -n "$n" | awk -F, '{ printf "%.5f\n", $2 }' >"$dir/want.txt"
cmp -s "$dir/want.txt" "$dir/closes.txt" || { diff "$dir/want.txt" "$dir/closes.txt" | head; fail "the bars are not the CSV's, in order, once each"; }
grep -q " quote " "$dir/out.txt" || fail "no quote"
stats=$(tail -1 "$dir/client.log")
gap=$(echo "$stats" | sed -n 's/.*at least \([0-9.]*\) ms apart.*/\1/p')
awk -v g="$gap" 'BEGIN { exit !(g >= 99.5) }' || fail "calls $gap ms apart (the limit: 100)"
echo "$stats" | grep -q " 0 rate-limited" || fail "the server's limit was hit at 600 a minute: $stats"
refused=$(echo "$stats" | sed -n 's/.* \([0-9]*\) refused (Error Message).*/\1/p')
[ "${refused:-0}" -gt 0 ] || fail "no refusal counted: $stats"
echo "fx live: $n bars equal to the CSV's rows in order, quotes, $refused refusals; $stats"

# above the server's limit: its Note, counted, and a pause
fxserve server2.log --limit 10 --per-ms 1000
fx --calls-per-minute 1200 --round-ms 1 --pause-ms 400 --seconds 2 >"$dir/out2.txt" 2>"$dir/client2.log" ||
	fail "feedcat --fx (fast) failed"
kill "$spid"; wait "$spid" 2>/dev/null || true; spid=""
grep -q "Alpha Vantage says: Thank you for using Alpha Vantage! Our standard API call frequency" \
	"$dir/client2.log" || fail "the Note was not reported"
limited=$(sed -n 's/.* \([0-9]*\) rate-limited.*/\1/p' "$dir/client2.log")
[ "${limited:-0}" -gt 0 ] || fail "the Note was not counted"

# a wrong key, and a key file others can read
printf 'wrongKEY\n' >"$dir/key"
fxserve server3.log
fx --seconds 1 >"$dir/out3.txt" 2>"$dir/client3.log" || fail "feedcat --fx (wrong key) failed"
grep -q "the parameter apikey is invalid" "$dir/client3.log" || fail "the key's refusal was not reported"
! grep -q " bar " "$dir/out3.txt" || fail "bars with a wrong key"
kill "$spid"; wait "$spid" 2>/dev/null || true; spid=""
chmod 644 "$dir/key"
rc=0
fx --seconds 1 >/dev/null 2>"$dir/client4.log" || rc=$?
[ "$rc" != 0 ] && grep -q "others may read or write it (mode 0644): chmod 600" "$dir/client4.log" ||
	fail "a key file others can read was taken"
! grep -q "wrongKEY" "$dir"/client*.log || fail "the key appears in a log"
echo "fx live: the rate limit's Note counted ($limited) and paused; a wrong key refused; a key file others can read refused"

# the engine on forex ([feeds] fx): 6 windows, then a quiet market, then the end
printf 'demoKEY42\n' >"$dir/key"
chmod 600 "$dir/key"
fxserve server5.log --window 100 --step 7 --max-served 5
cat >"$dir/fx.ini" <<INI
[feeds]
fx = https://localhost:$port
fx_pairs = USDCHF
fx_key_file = $dir/key
fx_interval = 30min
fx_calls_per_minute = 600
fx_round_ms = 1
fx_ca = $dir/cert.pem
idle_timeout_ms = 1500
[strategy]
model = $S/models/demo.model
INI
"$B/tools/osprey-replay" --config "$dir/fx.ini" --quiet --json >"$dir/engine.json" \
	2>"$dir/engine.log" || fail "the engine on forex failed"
kill "$spid"; wait "$spid" 2>/dev/null || true; spid=""
bars=$(grep -o '"fx_bars": *[0-9]*' "$dir/engine.json" | grep -o '[0-9]*$' || true)
[ "$bars" = 135 ] || fail "the engine got ${bars:-no} bars, not 135 (100 + 5 windows of 7)"
grep -q '"fx_refused": *0' "$dir/engine.json" || fail "refusals with a good key"
echo "fx live: the engine read all 135 bars from Alpha Vantage's shape and ended when the market went quiet"
