#!/bin/sh
# tools/evaluate.sh, the honest evaluation (every model kind trained on one
# LOBSTER day, judged on the other instrument's): it runs to the end and
# prints, for each unseen day, a row per model and per baseline and the
# verdicts; and the ensemble it trains from scratch on AMZN (the same seeds
# and settings as the committed models, weighted on AMZN's validation period)
# trades GOOG exactly as the committed models/demo.model does: the same
# order stream.
set -eu
B=${OSPREY_BUILD:?}
S=${OSPREY_SOURCE:?}
SHARED=${OSPREY_SHARED:-$S/../shared}
[ -x "$B/tools/osprey-train" ] || { echo "skip: osprey-train not built (no XGBoost)"; exit 77; }
dir=$(mktemp -d /tmp/osprey-evaluate-test.XXXXXX)
trap 'rm -rf "$dir"' EXIT
rc=0
sh "$S/tools/evaluate.sh" "$B" "$SHARED" "$dir" >"$dir/out.txt" 2>"$dir/err.txt" || rc=$?
[ $rc = 77 ] && { echo "skip: $(cat "$dir/err.txt")"; exit 77; }
fail() { echo "FAIL: $*"; cat "$dir/out.txt" "$dir/err.txt"; exit 1; }
[ $rc = 0 ] || fail "evaluate.sh exited $rc"
for d in "AMZN, judged on GOOG" "GOOG, judged on AMZN"; do
	grep -q "^Trained on $d" "$dir/out.txt" || fail "no table for $d"
done
[ "$(grep -c '^| \(flow\|gbtree\|rf\|dqn\|ensemble\|passive\)' "$dir/out.txt")" = 12 ] ||
	fail "not six model rows a day"
[ "$(grep -c '^| baseline of the ensemble' "$dir/out.txt")" = 8 ] || fail "not four baselines a day"
[ "$(grep -c '^verdict' "$dir/out.txt")" = 4 ] || fail "not four verdicts"
json() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$@"; }
"$B/tools/osprey-replay" --config "$S/tools/demo.ini" --model "$S/models/demo.model" --json \
	"$SHARED/data/itch/lobster_GOOG_20120621_L10.itch50" >"$dir/demo.json"
want=$(json "$dir/demo.json" order_hash)
got=$(json "$dir/AMZN-on-GOOG/ensemble.json" order_hash)
[ "$got" = "$want" ] || fail "the ensemble trained on AMZN traded GOOG as $got, models/demo.model as $want"
grep '^verdict' "$dir/out.txt"
echo "evaluate: two unseen days, six models each; the AMZN ensemble retrained from scratch trades GOOG as models/demo.model does ($want)"
