#!/bin/sh
# osprey-train --activate-margin: a newly trained version becomes the
# registry's active model only when it beats its baselines and the active
# model's test AUC (the same rows, the same loader) by the margin. On the
# AMZN day, into a fresh registry: the first model is activated (none was
# active); a weaker one (depth 1, 5 trees) is registered and the first kept,
# said why; the same model again is kept at margin 0.005 (not better by it)
# and activated at margin 0. Without --db the flag is refused.
set -eu
T=${1:?osprey-train}
itch=${OSPREY_SHARED:?}/data/itch/lobster_AMZN_20120621_L5.itch50
[ -r "$itch" ] || { echo "no $itch: skip"; exit 77; }
dir=$(mktemp -d /tmp/osprey-gate.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; cat "$dir"/*.txt; exit 1; }
run() { # NAME MARGIN [osprey-train options]
	n=$1 m=$2
	shift 2
	"$T" --kind gbtree --itch "$itch" --quiet -o "$dir/$n.otree" --db "$dir/db" --name amzn \
		--activate-margin "$m" "$@" >"$dir/$n.txt" 2>&1 || fail "$n: exit $?"
	tail -n 1 "$dir/$n.txt"
}
l=$(run first 0.005)
echo "$l"
echo "$l" | grep -q "activated amzn@1 (test AUC 0\.[0-9]*; no model was active)" || fail "first"
l=$(run weak 0.005 --depth 1 --trees 5)
echo "$l"
echo "$l" | grep -q "registered amzn@2, kept amzn@1 active: test AUC 0\.[0-9]* is not the active amzn@1's" ||
	fail "weak"
l=$(run same 0.005)
echo "$l"
echo "$l" | grep -q "registered amzn@3, kept amzn@1 active: .* + the margin 0.0050" || fail "same"
l=$(run again 0)
echo "$l"
echo "$l" | grep -q "activated amzn@4: test AUC .* >= the active amzn@1's" || fail "again"
rc=0
"$T" --kind gbtree --itch "$itch" --quiet -o "$dir/x.otree" --activate-margin 0.01 \
	>"$dir/bad.txt" 2>&1 || rc=$?
[ $rc = 2 ] && grep -q "needs --db and --name" "$dir/bad.txt" || fail "no --db: exit $rc"
echo "gate: ok"
