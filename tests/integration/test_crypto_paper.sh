#!/bin/sh
# A crypto session paper-traded end to end: the engine reads the Bybit
# capture live (the npm ws server replaying it over TLS: [feeds] crypto_ws)
# and sends its orders Binance's way ([gateway] protocol = binance: signed
# REST orders, fills from the user data stream) to the stand-in exchange
# (tests/integration/ws_replay/spot_exchange.js), which lists the capture's
# eight symbols at the feed's scales and fills every order at its limit.
# The gateway's symbols are the feed's first books; their scales are
# checked against the exchange's exchangeInfo. Checked: the key file must be
# the owner's alone; orders reach the exchange and fill; every symbol's
# position in the engine equals the exchange's; and a symbol the exchange
# lists at other scales than the feed's is refused before the wire.
set -eu
B=${OSPREY_BUILD:?}
S=${OSPREY_SOURCE:?}
SHARED=${OSPREY_SHARED:-$S/../shared}
cap="$SHARED/data/crypto/cryptofeed_BYBIT.ws.25.0"
. "$S/tests/integration/ws_lib.sh"
ws_begin crypto-paper --npm "$cap"

topics=$(grep -o '"topic":"[^"]*"' "$cap" | sort -u | sed 's/"topic":"\(.*\)"/"\1"/' | paste -sd, -)
syms=BCHUSDT,XTZUSDT,UNIUSDT,LTCUSDT,DOTUSDT,LINKUSDT,ADAUSDT,ETHUSDT
# the feed's scales for them (feeds/src/crypto_book.c, Bybit's tick and lot
# sizes), as Binance's filters; ETHUSDT listed at a coarser tick than the feed's
cat >"$dir/info.json" <<'JSON'
{"BCHUSDT": {"tickSize": "0.01", "stepSize": "0.0000001"},
 "XTZUSDT": {"tickSize": "0.001", "stepSize": "0.000001"},
 "UNIUSDT": {"tickSize": "0.001", "stepSize": "0.000001"},
 "LTCUSDT": {"tickSize": "0.01", "stepSize": "0.000001"},
 "DOTUSDT": {"tickSize": "0.001", "stepSize": "0.000001"},
 "LINKUSDT": {"tickSize": "0.001", "stepSize": "0.000001"},
 "ADAUSDT": {"tickSize": "0.0001", "stepSize": "0.00001"},
 "ETHUSDT": {"tickSize": "0.1", "stepSize": "0.000001"}}
JSON
printf 'osprey-paper-key\nosprey-paper-secret-0123456789\n' >"$dir/keys"
exchange exchange.log --api-key osprey-paper-key --secret osprey-paper-secret-0123456789 \
	--exchange-info "$dir/info.json"
serve "$dir/cert.pem" "$dir/key.pem" server.log --capture "$cap" --speed 6
cat >"$dir/paper.ini" <<INI
[feeds]
crypto_ws = wss://localhost:$port/realtime_public
crypto_subscribe = {"op":"subscribe","args":[$topics]}
crypto_ca = $dir/cert.pem
idle_timeout_ms = 2000
[strategy]
model = $S/models/demo.model
[gateway]
protocol = binance
binance_rest = https://localhost:$xport
binance_stream = wss://localhost:$xport
binance_key_file = $dir/keys
binance_symbols = $syms
binance_ca = $dir/cert.pem
drain_ms = 2000
INI
# a key file others may read is refused, naming it
chmod 644 "$dir/keys"
if "$B/tools/osprey-replay" --config "$dir/paper.ini" --quiet >"$dir/open.out" 2>"$dir/open.log"; then
	fail "the engine ran with a key file others may read"
fi
grep -q "keys: others may read or write it (mode 0644): chmod 600" "$dir/open.log" ||
	fail "the refusal does not say what is wrong with the key file"
chmod 600 "$dir/keys"
"$B/tools/osprey-replay" --config "$dir/paper.ini" --quiet --json >"$dir/paper.json" \
	2>"$dir/paper.log" || fail "the engine's paper session failed"
exchange_stop
python3 - "$dir/paper.json" "$dir/exchange.log" "$dir/info.json" <<'PY' || fail "the engine and the exchange disagree"
import json, sys
run = json.load(open(sys.argv[1]))
info = json.load(open(sys.argv[3]))
held = {}
for line in open(sys.argv[2]):
    w = line.split()
    if w and w[0] == "position":
        held[w[1]] = w[2]
    if w and w[0] == "trades":
        trades = int(w[1])
v = run["venue"]
assert v["protocol"] == "binance", v
assert v["symbols_ready"] == 7 and v["symbols_refused"] == 1, v
assert run["orders"] > 0 and v["orders"] >= 3, (run["orders"], v)
assert trades > 0 and run["fills"] == trades, (run["fills"], trades)
assert v["rest_failures"] == 0 and v["bad_events"] == 0 and v["open_orders"] == 0, v
for sym, q in held.items():
    step = len(info[sym]["stepSize"].split(".")[1].rstrip("0"))
    units = round(float(q) * 10 ** step)
    mine = run["positions"].get(sym, 0)
    assert mine == units, (sym, mine, units)
for sym, q in run["positions"].items():
    assert q == 0 or sym in held, (sym, q)
assert "ETHUSDT" not in held and "ETHUSDT" in v["last_event"], v
print("crypto paper: %d orders, %d fills; positions equal the exchange's: %s" % (
    run["orders"], run["fills"], ", ".join("%s %s" % kv for kv in sorted(held.items()))))
PY
