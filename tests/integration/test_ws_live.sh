#!/bin/sh
# A live crypto stream over TLS against an independent WebSocket server (the
# npm ws package, tests/integration/ws_replay/server.js) replaying the Bybit
# capture of ../shared/data/crypto at 4x its pace: osprey-feedcat --ws
# subscribes, the server cuts the connection twice mid-stream (no Close frame),
# sends every 7th message in two fragments and pings every 300 ms; the client
# reconnects, subscribes again, resyncs each book from the server's snapshot,
# and at the end every book equals the capture's own (feedcat on the file).
# Binance the same way, its scales from exchangeInfo (our own table of
# them off), with its REST depth snapshots (the server answers
# from its own books, 350 ms late, the first with Binance's 429): the diffs
# that come while a snapshot loads are held, then applied by the U/u rules;
# the connection cut once, every snapshot asked again; the books equal the
# capture's (REST file + stream) to the last of up to 1000 levels a side.
# Then: a certificate from a CA we were not told of, and one for another
# name, are refused by name, and nothing reaches the books.
set -eu
B=${OSPREY_BUILD:?}
S=${OSPREY_SOURCE:?}
SHARED=${OSPREY_SHARED:-$S/../shared}
cap="$SHARED/data/crypto/cryptofeed_BYBIT.ws.25.0"
. "$S/tests/integration/ws_lib.sh"
ws_begin ws --npm "$cap"
topics=$(grep -o '"topic":"[^"]*"' "$cap" | sort -u | sed 's/"topic":"\(.*\)"/"\1"/' | paste -sd, -)
sub="{\"op\":\"subscribe\",\"args\":[$topics]}"

"$B/tools/osprey-feedcat" "$cap" --depth 25 >"$dir/want.txt" || fail "feedcat on the capture"
serve "$dir/cert.pem" "$dir/key.pem" server.log --capture "$cap" --speed 4 --drop-after 400,1500 \
	--fragment-every 7 --ping-ms 300
"$B/tools/osprey-feedcat" --ws "wss://localhost:$port/realtime_public" --ca "$dir/cert.pem" \
	--subscribe "$sub" --idle-ms 1500 --seconds 60 --depth 25 --record "$dir/rec.txt" \
	>"$dir/got.txt" 2>"$dir/client.log" || fail "feedcat --ws failed"
kill "$spid"; wait "$spid" 2>/dev/null || true; spid=""
grep -c "^cut a connection" "$dir/server.log" | grep -qx 2 || fail "the server did not cut twice"
grep -q "3 opens, 2 links lost" "$dir/client.log" || fail "not 3 opens and 2 lost links: $(tail -1 "$dir/client.log")"
n=$(sed -n 's/.*lost, \([0-9]*\) pings answered.*/\1/p' "$dir/client.log")
[ "${n:-0}" -gt 0 ] || fail "no ping answered"
grep -c "<->" "$dir/rec.txt" | grep -qx 3 || fail "the record does not show the 3 connections"
books=$(grep -c "^book" "$dir/want.txt")
[ "$books" -ge 8 ] || fail "the capture's books: $books"
if ! cmp -s "$dir/want.txt" "$dir/got.txt"; then
	diff "$dir/want.txt" "$dir/got.txt" | head -20
	fail "the live books differ from the capture's"
fi
# the record replays to the same books
"$B/tools/osprey-feedcat" "$dir/rec.txt" --depth 25 >"$dir/rec_books.txt" || fail "feedcat on the record"
cmp -s "$dir/want.txt" "$dir/rec_books.txt" || fail "the record's books differ"
echo "ws live: $books books equal to the capture's after 2 cut connections ($(sed -n 's/.*: \([0-9]*\) messages,.*/\1/p' "$dir/client.log") messages, $n pings answered)"

# Binance: the stream, the symbols' scales (exchangeInfo: the exchange's
# tick and lot sizes at capture time) and REST snapshots
D="$SHARED/data/crypto"
cat >"$dir/info.json" <<'JSON'
{"NKNUSDT": {"tickSize": "0.00001000", "stepSize": "0.10000000"},
 "BLZETH": {"tickSize": "0.00000001", "stepSize": "1.00000000"},
 "LRCBTC": {"tickSize": "0.00000001", "stepSize": "1.00000000"},
 "RUNEEUR": {"tickSize": "0.00100000", "stepSize": "0.10000000"}}
JSON
serve "$dir/cert.pem" "$dir/key.pem" bserver.log --capture "$D/cryptofeed_BINANCE.ws.1.0" \
	--rest-capture "$D/cryptofeed_BINANCE.http.0.0" --speed 2 --drop-after 120 \
	--snapshot-delay-ms 350 --fail-snapshots 1 --exchange-info "$dir/info.json"
streams=$(head -1 "$D/cryptofeed_BINANCE.ws.1.0" | sed 's/.*streams=\([^ ]*\) .*/\1/')
"$B/tools/osprey-feedcat" "$D/cryptofeed_BINANCE.http.0.0" "$D/cryptofeed_BINANCE.ws.1.0" \
	--depth 1000 >"$dir/bwant.txt" || fail "feedcat on the Binance capture"
"$B/tools/osprey-feedcat" --ws "wss://localhost:$port/stream?streams=$streams" --ca "$dir/cert.pem" \
	--rest "https://localhost:$port" --snapshot NKNUSDT --snapshot BLZETH --snapshot LRCBTC \
	--snapshot RUNEEUR --idle-ms 2500 --seconds 60 --depth 1000 >"$dir/bgot.txt" \
	2>"$dir/bclient.log" || fail "feedcat --ws (Binance) failed"
kill "$spid"; wait "$spid" 2>/dev/null || true; spid=""
grep -q "HTTP 429: {\"code\":-1003" "$dir/bclient.log" || fail "the 429 was not reported"
grep -q "2 opens, 1 links lost" "$dir/bclient.log" || fail "not 2 opens: $(tail -1 "$dir/bclient.log")"
held=$(sed -n 's/.*diffs held \([0-9]*\) (applied after \([0-9]*\)).*/\1 \2/p' "$dir/bclient.log")
set -- $held
[ "${1:-0}" -gt 0 ] && [ "$1" = "$2" ] || fail "diffs held and applied: '$held'"
snaps=$(sed -n 's/.*snapshots \([0-9]*\) of \([0-9]*\) asked (\([0-9]*\) failed).*/\1 \2 \3/p' "$dir/bclient.log")
[ "$snaps" = "8 9 1" ] || fail "snapshots loaded, asked, failed: '$snaps' (want 8 9 1)"
grep -q "exchangeInfo 4" "$dir/bclient.log" || fail "the 4 symbols' scales were not fetched"
if ! cmp -s "$dir/bwant.txt" "$dir/bgot.txt"; then
	diff "$dir/bwant.txt" "$dir/bgot.txt" | head -20
	fail "the live Binance books differ from the capture's"
fi
echo "ws live: $(grep -c '^book' "$dir/bwant.txt") Binance books equal to the capture's ($1 diffs held while snapshots loaded, a 429 retried, a cut connection resnapshotted)"

# a CA we were not told of: refused, named, nothing in the books
serve "$dir/cert.pem" "$dir/key.pem" server2.log --capture "$cap"
"$B/tools/osprey-feedcat" --ws "wss://localhost:$port/x" --subscribe "$sub" --seconds 1 \
	--depth 25 >"$dir/untrusted.txt" 2>"$dir/untrusted.log" || fail "feedcat --ws (untrusted)"
grep -q "certificate of localhost not trusted: self-signed certificate" "$dir/untrusted.log" ||
	fail "an unknown CA was not refused by name: $(head -2 "$dir/untrusted.log")"
! grep -q "^book" "$dir/untrusted.txt" || fail "books from an untrusted server"
kill "$spid"; wait "$spid" 2>/dev/null || true; spid=""
# a certificate for another name, from a CA we trust
serve "$dir/ocert.pem" "$dir/okey.pem" server3.log --capture "$cap"
"$B/tools/osprey-feedcat" --ws "wss://localhost:$port/x" --ca "$dir/ocert.pem" \
	--subscribe "$sub" --seconds 1 --depth 25 >"$dir/name.txt" 2>"$dir/name.log" ||
	fail "feedcat --ws (wrong name)"
grep -q "certificate of localhost not trusted: hostname mismatch" "$dir/name.log" ||
	fail "a certificate for another name was not refused: $(head -2 "$dir/name.log")"
! grep -q "^book" "$dir/name.txt" || fail "books from a server with another name"
echo "ws live: an unknown CA and another name's certificate refused"
