#!/bin/sh
# The Binance spot order gateway against a stand-in exchange in Binance's
# documented shapes (tests/integration/ws_replay/spot_exchange.js over TLS,
# the npm ws package serving the user data stream; three instruments from an
# exchangeInfo file): test_gw_bn drives the gateway through every answer,
# filter and fault (see its header); then the positions the gateway's fills
# add up to must equal the exchange's own.
set -eu
B=${OSPREY_BUILD:?}
S=${OSPREY_SOURCE:?}
. "$S/tests/integration/ws_lib.sh"
ws_begin gw-bn --npm
printf 'osprey-test-key\nosprey-test-secret-0123456789\n' >"$dir/keys"
chmod 600 "$dir/keys"
cat >"$dir/info.json" <<'JSON'
{"BTCUSDT": {"tickSize": "0.01000000", "stepSize": "0.00001000", "maxQty": "9000",
             "minNotional": "5.00000000", "market": "wave"},
 "SOLUSDT": {"tickSize": "0.01", "stepSize": "0.001"},
 "ADAUSDT": {"tickSize": "0.0001", "stepSize": "0.1"}}
JSON
exchange exchange.log --api-key osprey-test-key --secret osprey-test-secret-0123456789 \
	--exchange-info "$dir/info.json" --usdt 100000 \
	--drop-before 6-106 --drop-after 7-107 --bad-event-every 5 --wrap 1
"$B/tests/integration/test_gw_bn" "$xport" "$dir/cert.pem" "$dir/keys" >"$dir/gw.txt" \
	2>"$dir/gw.log" || fail "test_gw_bn failed"
exchange_stop
for s in BTCUSDT ADAUSDT; do
	got=$(sed -n "s/^net $s //p" "$dir/gw.txt")
	want=$(sed -n "s/^position $s //p" "$dir/exchange.log")
	[ -n "$got" ] && [ "$got" = "$want" ] ||
		fail "$s: the gateway's fills add up to $got, the exchange holds $want"
done
cat "$dir/gw.txt"
echo "gw-bn: positions equal the exchange's ($(grep '^position' "$dir/exchange.log" | paste -sd, -))"
