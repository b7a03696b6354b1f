#!/bin/sh
# make paper, short: tools/paper.sh paper-trades a generated session against
# osprey-venue over loopback (MoldUDP64 in; OUCH 4.2, then FIX 4.4 out) and must
# end with both sides agreeing: 0 reconciliation differences, some fills. Then
# the reconciliation itself must see a difference where there is one: a position
# the engine got wrong, a fill price the drop copy disagrees on, a fill missing.
# Last, PAPER_PROTOCOL=binance: the crypto session against osprey-venue --crypto.
set -eu
B=${OSPREY_BUILD:?}
S=${OSPREY_SOURCE:?}
out=$(mktemp -d /tmp/osprey-paper-test.XXXXXX)
runs=""
trap 'rm -rf "$out" $runs' EXIT
fail() { echo "FAIL: $*"; exit 1; }

for proto in ouch fix; do
	rc=0
	PAPER_MESSAGES=30000 sh "$S/tools/paper.sh" "$B" /nonexistent max $proto >"$out/$proto.txt" 2>&1 || rc=$?
	dir=$(sed -n 's/^(files in \(.*\))$/\1/p' "$out/$proto.txt")
	runs="$runs $dir"
	[ $rc = 0 ] || { cat "$out/$proto.txt"; fail "$proto: paper.sh exit $rc"; }
	grep -q "^reconciliation: .*: 0 differences" "$out/$proto.txt" || fail "$proto: no clean reconciliation"
	fills=$(sed -n 's/^reconciliation: .*differences (\([0-9]*\) fills.*/\1/p' "$out/$proto.txt")
	[ "${fills:-0}" -gt 0 ] || fail "$proto: the session filled nothing"
	grep -q "$proto 127.0.0.1:" "$out/$proto.txt" || fail "$proto: the engine did not use the $proto gateway"
	echo "ok $proto: $(grep '^reconciliation' "$out/$proto.txt")"
done

# the reconciliation finds what is wrong (files of the last run: FIX)
rec() { sh "$S/tools/paper-reconcile.sh" "$1" "$2" "$dir/venue_positions.csv" "$3" PAPER; }
sym=$(sed -n 2p "$dir/engine_positions.csv" | cut -d, -f1)
awk -F, -v OFS=, -v s="$sym" '$1 == s { $2 = $2 + 100 } 1' "$dir/engine_positions.csv" >"$out/pos.csv"
rc=0; rec "$dir/engine.txt" "$out/pos.csv" "$dir/drop_copy.csv" >"$out/r1" || rc=$?
[ $rc = 1 ] && grep -q "^  $sym: engine position" "$out/r1" || { cat "$out/r1"; fail "a wrong position went unseen"; }
# the first fill at a price one cent better than the venue's: cash disagrees
awk -F, -v OFS=, '!done && $15 == "fill" { $12 = sprintf("%.4f", $12 + 0.01); done = 1 } 1' \
	"$dir/drop_copy.csv" >"$out/dc.csv"
rc=0; rec "$dir/engine.txt" "$dir/engine_positions.csv" "$out/dc.csv" >"$out/r2" || rc=$?
[ $rc = 1 ] && grep -q "engine cash" "$out/r2" || { cat "$out/r2"; fail "a wrong fill price went unseen"; }
# a fill missing from the summary's count
sed 's/^\(  fills  *\)\([0-9]*\)/\1999999/' "$dir/engine.txt" >"$out/e.txt"
rc=0; rec "$out/e.txt" "$dir/engine_positions.csv" "$dir/drop_copy.csv" >"$out/r3" || rc=$?
[ $rc = 1 ] && grep -q "fills: engine 999999" "$out/r3" || { cat "$out/r3"; fail "a fill count difference went unseen"; }
echo "ok reconciliation sees a wrong position, a wrong fill price and a wrong fill count"

# make paper PAPER_PROTOCOL=binance: the crypto session (where the capture is)
SHARED=${OSPREY_SHARED:-$S/../shared}
if [ -r "$SHARED/data/crypto/cryptofeed_BYBIT.ws.25.0" ]; then
	rc=0
	sh "$S/tools/paper.sh" "$B" "$SHARED" max binance >"$out/binance.txt" 2>&1 || rc=$?
	dir=$(sed -n 's/^(files in \(.*\))$/\1/p' "$out/binance.txt")
	runs="$runs $dir"
	[ $rc = 0 ] || { cat "$out/binance.txt"; fail "binance: paper.sh exit $rc"; }
	grep -q "^reconciliation: [1-9][0-9]* symbols, 0 differences" "$out/binance.txt" ||
		{ cat "$out/binance.txt"; fail "binance: no clean reconciliation of traded symbols"; }
	echo "ok binance: $(grep '^reconciliation' "$out/binance.txt")"
else
	echo "binance: the crypto capture is absent; not run"
fi
