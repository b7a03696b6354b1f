#!/bin/sh
# osprey-venue as a crypto exchange: it replays the Bybit capture over a
# WebSocket (6x its pace) and takes orders Binance's way (signed REST, the
# user data stream), filling them against the replayed book. The engine
# paper-trades the session against it: [feeds] crypto_ws at the venue's
# stream, [gateway] protocol = binance at its REST and user data stream.
# Checked: every capture message reaches the engine; orders go out, are
# taken and fill; the engine's positions equal the venue's, symbol by
# symbol; the venue refuses requests with a wrong key, a bad signature, a
# stale timestamp, an unknown symbol or a malformed body, and stays up; an
# engine with the wrong secret has every order refused (-1022) and trades
# nothing. Last, a Binance session (the stream and its REST snapshots,
# --rest-capture): a client reading the venue's stream with depth snapshots
# from its /api/v3/depth ends with the books the capture's files give.
set -eu
B=${OSPREY_BUILD:?}
S=${OSPREY_SOURCE:?}
SHARED=${OSPREY_SHARED:-$S/../shared}
cap="$SHARED/data/crypto/cryptofeed_BYBIT.ws.25.0"
[ -r "$cap" ] || { echo "SKIP: $cap absent"; exit 77; }
dir=$(mktemp -d /tmp/osprey-crypto-venue.XXXXXX)
vpid=""
cleanup() { [ -n "$vpid" ] && kill "$vpid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT INT TERM
fail() {
	echo "FAIL: $*"
	for f in "$dir"/*.log "$dir"/*.out; do [ -s "$f" ] && { echo "--- $f"; tail -n 12 "$f"; }; done
	exit 1
}
printf 'osprey-venue-key\nosprey-venue-secret-0123456789\n' >"$dir/keys"
chmod 600 "$dir/keys"
start_venue() { # NAME [osprey-venue flags: default the Bybit capture at 6x]
	name=$1
	shift
	[ $# -gt 0 ] || set -- --crypto "$cap" --speed 6x
	"$B/tools/osprey-venue" "$@" --binance 127.0.0.1:0 --key-file "$dir/keys" \
		--close-grace-ms 500 --end-wait-ms 3000 >"$dir/$name.out" 2>"$dir/$name.log" &
	vpid=$!
	i=0
	until port=$(sed -n 's/.*listening 127.0.0.1:\([0-9]*\).*/\1/p' "$dir/$name.log") &&
		[ -n "$port" ]; do
		kill -0 "$vpid" 2>/dev/null || fail "the venue did not start"
		i=$((i + 1)); [ $i -lt 200 ] || fail "the venue did not start"
		sleep 0.05
	done
}
topics=$(grep -o '"topic":"[^"]*"' "$cap" | sort -u | sed 's/"topic":"\(.*\)"/"\1"/' | paste -sd, -)
config() { # KEYS
	cat <<INI
[feeds]
crypto_ws = ws://127.0.0.1:$port/realtime_public
crypto_subscribe = {"op":"subscribe","args":[$topics]}
idle_timeout_ms = 2000
[strategy]
model = $S/models/demo.model
[gateway]
protocol = binance
binance_rest = http://127.0.0.1:$port
binance_stream = ws://127.0.0.1:$port
binance_key_file = $1
binance_symbols = BCHUSDT,XTZUSDT,UNIUSDT,LTCUSDT,DOTUSDT,LINKUSDT,ADAUSDT,ETHUSDT
drain_ms = 2000
INI
}

start_venue venue
# bad requests first (the venue waits for a market-data client to start)
python3 - "$port" <<'PY' >"$dir/bad.out" 2>&1 || fail "the venue's refusals"
import hashlib, hmac, json, sys, time, urllib.request, urllib.error
base = "http://127.0.0.1:%s" % sys.argv[1]
def call(method, path, body=None, key="osprey-venue-key"):
    req = urllib.request.Request(base + path, method=method, data=body.encode() if body else None,
                                 headers={"X-MBX-APIKEY": key})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)
def signed(q, secret="osprey-venue-secret-0123456789"):
    return q + "&signature=" + hmac.new(secret.encode(), q.encode(), hashlib.sha256).hexdigest()
now = int(time.time() * 1000)
order = "symbol=LTCUSDT&side=BUY&type=LIMIT&timeInForce=IOC&quantity=0.0001&price=1&newClientOrderId=x-1&recvWindow=5000&timestamp=%d"
assert call("POST", "/api/v3/order", signed(order % now), key="nope") == (401, {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."})
assert call("POST", "/api/v3/order", signed(order % now, "wrong"))[1]["code"] == -1022
assert call("POST", "/api/v3/order", signed(order % (now - 60000)))[1]["code"] == -1021
assert call("POST", "/api/v3/order", signed((order % now).replace("LTCUSDT", "NOPEUSDT")))[1]["code"] == -1121
assert call("POST", "/api/v3/order", signed((order % now).replace("0.0001", "0.0000001")))[1]["code"] == -1013
assert call("POST", "/api/v3/order", "%%%garbage&&==")[1]["code"] == -1022
assert call("POST", "/api/v3/order", "x" * 20000)[1]["code"] == -1101
assert call("GET", "/api/v3/exchangeInfo?symbol=NOPE")[1]["code"] == -1121
info = call("GET", "/api/v3/exchangeInfo?symbol=LTCUSDT")[1]["symbols"][0]["filters"]
assert info[0]["tickSize"] == "0.01" and info[1]["stepSize"] == "0.000001", info
# a user data stream client that breaks RFC 6455 (an unmasked frame) is cut;
# one that pings is answered; the venue serves on
import base64, os, socket
key = call("POST", "/api/v3/userDataStream")[1]["listenKey"]
def ws(path):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
    k = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, k)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    want = base64.b64encode(hashlib.sha1((k + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
    assert head.startswith(b"HTTP/1.1 101") and want in head, head
    return s
s = ws("/ws/" + key)
s.sendall(bytes([0x89, 0x84, 1, 2, 3, 4]) + bytes(b ^ m for b, m in zip(b"ping", [1, 2, 3, 4])))
assert s.recv(6) == b"\x8a\x04ping"
s.sendall(b"\x81\x02hi")  # unmasked
assert s.recv(16) == b""   # cut
s = ws("/ws/" + key)
s.close()
assert call("GET", "/api/v3/exchangeInfo?symbol=LTCUSDT")[0] == 200
print("refusals: -2015 -1022 -1021 -1121 -1013 -1101, exchangeInfo at the book's scales; "
      "an unmasked frame cuts its client, a ping is answered")
PY
config "$dir/keys" >"$dir/paper.ini"
"$B/tools/osprey-replay" --config "$dir/paper.ini" --quiet --json >"$dir/paper.json" \
	2>"$dir/paper.log" || fail "the engine's paper session failed"
wait "$vpid" || fail "the venue failed"
vpid=""
python3 - "$dir/paper.json" "$dir/venue.out" <<'PY' || fail "the engine and the venue disagree"
import json, sys
run = json.load(open(sys.argv[1]))
held, counts = {}, {}
for line in open(sys.argv[2]):
    w = line.split()
    if w and w[0] == "position":
        held[w[1]] = w[2]
    elif w and w[0] in ("lines", "orders"):
        counts.update(zip(w[0::2], map(int, w[1::2])))
v = run["venue"]
assert counts["md_sent"] == counts["messages"] > 3000 and counts["bad_lines"] == 0, counts
assert counts["orders"] == v["orders"] + 6 and v["orders"] > 0, (counts, v)  # 6: the bad ones
assert counts["fills"] == run["fills"] > 0 and v["rejects"] == 0, (counts, run["fills"], v)
assert v["open_orders"] == 0 and v["bad_events"] == 0 and v["rest_failures"] == 0, v
for sym, q in held.items():
    whole, _, frac = q.lstrip("-").partition(".")
    units = int(whole + frac) * (-1 if q.startswith("-") else 1)
    assert run["positions"].get(sym, 0) == units, (sym, run["positions"].get(sym), units)
for sym, q in run["positions"].items():
    assert q == 0 or sym in held, (sym, q)
print("crypto venue: %d messages replayed; %d orders, %d fills; positions equal the venue's: %s"
      % (counts["messages"], v["orders"], run["fills"],
         ", ".join("%s %s" % kv for kv in sorted(held.items()))))
PY
cat "$dir/bad.out"

# the wrong secret: every order refused, nothing traded
printf 'osprey-venue-key\nnot-the-secret\n' >"$dir/wrong"
chmod 600 "$dir/wrong"
start_venue venue2
config "$dir/wrong" >"$dir/wrong.ini"
"$B/tools/osprey-replay" --config "$dir/wrong.ini" --quiet --json >"$dir/wrong.json" \
	2>"$dir/wrong.log" || fail "the engine with the wrong secret failed"
wait "$vpid" || fail "the second venue failed"
vpid=""
python3 - "$dir/wrong.json" "$dir/venue2.out" <<'PY' || fail "orders with the wrong secret"
import json, sys
run = json.load(open(sys.argv[1]))
v = run["venue"]
out = open(sys.argv[2]).read()
assert v["orders"] > 0 and v["rejects"] == v["orders"] and run["fills"] == 0, v
assert "Signature for this request is not valid" in v["last_refusal"], v
assert "auth_failures %d" % v["orders"] in out and "position" not in out, (v, out)
print("wrong secret: %d orders refused (%s)" % (v["rejects"], v["last_refusal"]))
PY

# a Binance session: the stream, and snapshots of the venue's book as it stands
D="$SHARED/data/crypto"
if [ -r "$D/cryptofeed_BINANCE.ws.1.0" ] && [ -r "$D/cryptofeed_BINANCE.http.0.0" ]; then
	start_venue bvenue --crypto "$D/cryptofeed_BINANCE.ws.1.0" \
		--rest-capture "$D/cryptofeed_BINANCE.http.0.0" --speed 4x
	streams=$(head -1 "$D/cryptofeed_BINANCE.ws.1.0" | sed 's/.*streams=\([^ ]*\) .*/\1/')
	"$B/tools/osprey-feedcat" "$D/cryptofeed_BINANCE.http.0.0" "$D/cryptofeed_BINANCE.ws.1.0" \
		--depth 1000 >"$dir/bwant.txt" || fail "feedcat on the Binance capture"
	"$B/tools/osprey-feedcat" --ws "ws://127.0.0.1:$port/stream?streams=$streams" \
		--rest "http://127.0.0.1:$port" --snapshot NKNUSDT --snapshot BLZETH \
		--snapshot LRCBTC --snapshot RUNEEUR --idle-ms 2500 --seconds 60 --depth 1000 \
		>"$dir/bgot.txt" 2>"$dir/bclient.log" || fail "feedcat --ws against the venue"
	wait "$vpid" || fail "the Binance venue failed"
	vpid=""
	grep -q "snapshots [4-9][0-9]* of .*exchangeInfo 4" "$dir/bclient.log" ||
		fail "no snapshots from the venue: $(tail -1 "$dir/bclient.log")"
	[ "$(grep -c '^book' "$dir/bwant.txt")" = 4 ] || fail "feedcat's books of the capture"
	if ! cmp -s "$dir/bwant.txt" "$dir/bgot.txt"; then
		diff "$dir/bwant.txt" "$dir/bgot.txt" | head -20
		fail "the books read from the venue differ from the capture's"
	fi
	echo "binance session: 4 books from the venue's stream and depth snapshots equal the capture's"
fi
