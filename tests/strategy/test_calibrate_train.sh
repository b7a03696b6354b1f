#!/bin/sh
# osprey-train --kind calibrate on the demo ensemble (AMZN day): Platt scaling
# fitted on the validation period must beat the raw reading of the vote
# ((1 + v) / 2) on the test period in log loss and Brier score; the file it
# writes (to another folder: member paths made absolute) loads, and the
# engine's decisions with it are the same as with models/demo.model (only
# the intents' probability changes) until Kelly sizing reads it. Mistakes
# are refused by name.
set -eu
T=${1:?osprey-train}
R=${2:?osprey-replay}
S=${OSPREY_SOURCE:?}
itch=${OSPREY_SHARED:?}/data/itch/lobster_AMZN_20120621_L5.itch50
[ -r "$itch" ] || { echo "no $itch: skip"; exit 77; }
dir=$(mktemp -d /tmp/osprey-calibrate.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; cat "$dir"/*.txt 2>/dev/null; exit 1; }
"$T" --kind calibrate --model "$S/models/demo.model" --itch "$itch" --quiet \
	-o "$dir/cal.model" >"$dir/out.txt" 2>&1 || fail "calibrate exited $?"
line=$(grep -o 'calibrate [-0-9.]* [-0-9.]*$' "$dir/out.txt") || fail "no calibrate line"
a=$(echo "$line" | cut -d' ' -f2)
raw=$(sed -n 's/.*test, raw *log loss \([0-9.]*\)  Brier \([0-9.]*\).*/\1 \2/p' "$dir/out.txt")
cal=$(sed -n 's/.*test, calibrated log loss \([0-9.]*\)  Brier \([0-9.]*\).*/\1 \2/p' "$dir/out.txt")
echo "$line; test log loss and Brier: raw $raw, calibrated $cal"
awk -v a="$a" -v r="$raw" -v c="$cal" 'BEGIN { split(r, x, " "); split(c, y, " ");
	exit !(a > 0 && y[1] < x[1] && y[2] < x[2]) }' || fail "calibration did not help on the test period"
grep -q '^calibrate ' "$dir/cal.model" || fail "no calibrate line in the file"
grep -q "^member trees weight 1.5012 tree $S/models/trees_amzn.otree$" "$dir/cal.model" ||
	fail "member paths not made absolute"
# calibrating again replaces the line, not adds one
"$T" --kind calibrate --model "$dir/cal.model" --itch "$itch" --quiet -o "$dir/cal.model" \
	>"$dir/again.txt" 2>&1 || fail "calibrating a calibrated model"
[ "$(grep -c '^calibrate ' "$dir/cal.model")" = 1 ] || fail "two calibrate lines"
json() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$@"; }
"$R" --config "$S/tools/demo.ini" --model "$S/models/demo.model" --json "$itch" >"$dir/demo.json"
"$R" --config "$S/tools/demo.ini" --model "$dir/cal.model" --json "$itch" >"$dir/cal.json"
[ "$(json "$dir/demo.json" order_hash)" = "$(json "$dir/cal.json" order_hash)" ] ||
	fail "calibration changed the decisions"
# refused by name
rc=0
"$T" --kind calibrate --model "$S/models/trees_amzn.otree" --itch "$itch" --quiet \
	>"$dir/bad.txt" 2>&1 || rc=$?
[ $rc = 1 ] && grep -q "not an ensemble file" "$dir/bad.txt" || fail "a tree file: exit $rc"
rc=0
"$T" --kind calibrate --itch "$itch" >"$dir/bad2.txt" 2>&1 || rc=$?
[ $rc = 2 ] && grep -q -- "--model goes with --kind calibrate" "$dir/bad2.txt" ||
	fail "no --model: exit $rc"
echo "calibrate: ok (decisions unchanged: $(json "$dir/cal.json" order_hash))"
