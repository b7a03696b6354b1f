#!/bin/sh
# The drift monitor end to end: osprey-train --kind reference writes the
# AMZN training period's deciles; the engine replaying the AMZN day against
# it finds no feature shifted, replaying the GOOG day (another instrument)
# finds some shifted (PSI >= 0.25 over the session), says so in its JSON
# and its alert log (a WARN strategy drift line naming the feature, per
# window of 2000 counted vectors), and trades exactly as without the
# monitor. A reference for other features is refused.
set -eu
B=${OSPREY_BUILD:?}
S=${OSPREY_SOURCE:?}
SHARED=${OSPREY_SHARED:-$S/../shared}
[ -x "$B/tools/osprey-train" ] || { echo "skip: osprey-train not built (no XGBoost)"; exit 77; }
AMZN=$SHARED/data/itch/lobster_AMZN_20120621_L5.itch50
GOOG=$SHARED/data/itch/lobster_GOOG_20120621_L10.itch50
[ -r "$AMZN" ] && [ -r "$GOOG" ] || { echo "skip: the LOBSTER days are absent"; exit 77; }
dir=$(mktemp -d /tmp/osprey-drift-test.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; cat "$dir"/*.err 2>/dev/null; exit 1; }
json() { python3 -c "import json,sys
d=json.load(open(sys.argv[1]))
for k in sys.argv[2:]: d = d[k]
print(d)" "$@"; }
"$B/tools/osprey-train" --kind reference --itch "$AMZN" -o "$dir/amzn.ref" --quiet \
	>"$dir/ref.out" 2>"$dir/ref.err" || fail "osprey-train --kind reference"
grep -q '^features 13$' "$dir/amzn.ref" || fail "the reference has not 13 features"
for day in AMZN GOOG; do
	cap=$(eval echo \$$day)
	printf '[strategy]\ndrift_reference = %s\n[engine]\nlog = %s\n' "$dir/amzn.ref" \
		"$dir/$day.log" >"$dir/drift.ini"
	cat "$S/tools/demo.ini" "$dir/drift.ini" >"$dir/$day.ini"
	"$B/tools/osprey-replay" --config "$dir/$day.ini" --model "$S/models/demo.model" --json \
		"$cap" >"$dir/$day.json" 2>"$dir/$day.err" || fail "$day replay"
	"$B/tools/osprey-replay" --config "$S/tools/demo.ini" --model "$S/models/demo.model" \
		--json "$cap" >"$dir/$day.plain.json" 2>"$dir/$day.plain.err" || fail "$day plain replay"
	[ "$(json "$dir/$day.json" order_hash)" = "$(json "$dir/$day.plain.json" order_hash)" ] ||
		fail "$day: the monitor changed the orders"
	python3 - "$dir/$day.json" "$day" <<'PY' || fail "$day: drift"
import json, sys
d = json.load(open(sys.argv[1]))["drift"]
psi = d["psi"]
assert len(psi) == 13 and d["rows"] > 1000, d
shifted = sorted((v, k) for k, v in psi.items() if v >= 0.25)
print(f"{sys.argv[2]}: {d['rows']} vectors, shifted: {', '.join(f'{k} {v:.3f}' for v, k in shifted) or 'none'}")
assert bool(shifted) == (sys.argv[2] == "GOOG"), shifted
PY
done
grep -q ' WARN strategy drift: feature [a-z0-9_]* has shifted' "$dir/GOOG.log" ||
	fail "no drift alert in the GOOG log: $(cat "$dir/GOOG.log")"
# (AMZN's own windows may move too: the open's spreads and volatility are
# not the afternoon's; the session as a whole matches its training period)
echo "alerts: AMZN $(grep -c ' WARN strategy drift:' "$dir/AMZN.log" || true)," \
	"GOOG $(grep -c ' WARN strategy drift:' "$dir/GOOG.log")"
grep ' WARN strategy drift: ' "$dir/GOOG.log" | head -3 | sed 's/^/  /'
# a reference of other features: refused by name
sed 's/^schema 0x.*/schema 0x1234/' "$dir/amzn.ref" >"$dir/other.ref"
printf '[strategy]\ndrift_reference = %s\n' "$dir/other.ref" >"$dir/other.ini"
rc=0
"$B/tools/osprey-replay" --config "$dir/other.ini" --model "$S/models/default.model" "$AMZN" \
	>/dev/null 2>"$dir/other.err" || rc=$?
[ $rc != 0 ] && grep -q "drift_reference: .*other.ref: schema" "$dir/other.err" ||
	fail "another schema's reference: exit $rc"
echo "drift: ok"
