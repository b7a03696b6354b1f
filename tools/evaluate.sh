#!/bin/sh
# Honest evaluation: every model kind trained on one day and judged on a day
# of another instrument it never saw (the AMZN and GOOG days of
# ../shared/data, both ways), as a classifier (AUC, accuracy where it votes)
# and as a trader (the engine replaying the unseen day with the model, net of
# fees, against the backtest's baselines).
#
#   tools/evaluate.sh BUILD_DIR SHARED_DIR [OUT_DIR]
#   HORIZON=N (default 50): the trees' label and the classifier columns look
#   N feature vectors ahead
#
# Per direction: gbtree and rf (osprey-train, 100 trees of depth 6, horizon
# 50, seed 1), the double-DQN policy (osprey-train-dqn, seed 1, 10 episodes),
# the linear order-flow model (models/default.model: its weights were fitted
# on the whole AMZN day, so on AMZN it is in-sample, said in its row), and
# their ensemble, weighted on the training day's validation period
# (osprey-train --kind weigh) under models/demo.model's profiles, crossing
# the spread (price opposite) and resting at the touch (price join). The
# classifier columns come from osprey-train --kind weigh on the unseen day
# (all its labelled rows); the trading columns from osprey-replay --config
# tools/demo.ini --model M --json on it (sim venue with the queue model,
# taker and maker fees, risk limits on). Prints one markdown table per unseen
# day and verdict lines: does each ensemble's net P&L beat every baseline?
# Files (models, JSON, logs) stay in OUT_DIR (default: a new /tmp folder).
set -eu
B=${1:?build dir}
SHARED=${2:?shared dir}
S=$(cd "$(dirname "$0")/.." && pwd)
OUT=${3:-$(mktemp -d /tmp/osprey-evaluate.XXXXXX)}
H=${HORIZON:-50} # the label: the mid's move over the next H vectors
mkdir -p "$OUT"
AMZN=$SHARED/data/itch/lobster_AMZN_20120621_L5.itch50
GOOG=$SHARED/data/itch/lobster_GOOG_20120621_L10.itch50
for f in "$AMZN" "$GOOG"; do
	[ -r "$f" ] || { echo "evaluate: $f absent" >&2; exit 77; }
done
[ -x "$B/tools/osprey-train" ] || { echo "evaluate: $B/tools/osprey-train absent (built without XGBoost?)" >&2; exit 77; }
day() { case $1 in AMZN) echo "$AMZN" ;; GOOG) echo "$GOOG" ;; esac; }

train() { # NAME: every model trained on NAME's day, into $OUT/NAME/
	d=$OUT/$1 cap=$(day "$1")
	mkdir -p "$d"
	for k in gbtree rf; do
		"$B/tools/osprey-train" --kind $k --itch "$cap" --trees 100 --depth 6 --horizon "$H" \
			--seed 1 --quiet -o "$d/$k.otree" >"$d/$k.train.txt" 2>&1 ||
			{ echo "evaluate: osprey-train --kind $k on $1 failed:" >&2; cat "$d/$k.train.txt" >&2; exit 1; }
	done
	"$B/tools/osprey-train-dqn" --itch "$cap" --seed 1 --episodes 10 -o "$d/dqn.onn" \
		>"$d/dqn.train.txt" 2>&1 ||
		{ echo "evaluate: osprey-train-dqn on $1 failed:" >&2; cat "$d/dqn.train.txt" >&2; exit 1; }
	cp "$S/models/default.model" "$d/flow.model"
	# the ensemble: weights from this day's validation period, demo.model's profiles
	"$B/tools/osprey-train" --kind weigh --itch "$cap" --horizon "$H" --quiet --member flow="$d/flow.model" \
		--member gbtree="$d/gbtree.otree" --member dqn="$d/dqn.onn" >"$d/weigh.txt" 2>&1 ||
		{ echo "evaluate: osprey-train --kind weigh on $1 failed:" >&2; cat "$d/weigh.txt" >&2; exit 1; }
	{
		sed -n '1,/^member /p' "$S/models/demo.model" | grep -v '^member ' | grep -v '^#'
		sed -n 's/^ *\(member [a-z]* weight [0-9.]* [a-z]*\) .*\/\([^/]*\)$/\1 \2/p' "$d/weigh.txt"
	} >"$d/ensemble.model"
	grep -q '^member ' "$d/ensemble.model" ||
		{ echo "evaluate: no member of $1's ensemble beat chance:" >&2; cat "$d/weigh.txt" >&2; exit 1; }
	# the same, resting at the touch (the queue model fills it) instead of crossing
	sed 's/^price opposite$/price join/' "$d/ensemble.model" >"$d/passive.model"
}

judge() { # TRAIN TEST: the models of TRAIN on TEST's day
	d=$OUT/$1 cap=$(day "$2") j=$OUT/$1-on-$2
	mkdir -p "$j"
	"$B/tools/osprey-train" --kind weigh --itch "$cap" --horizon "$H" --quiet --member flow="$d/flow.model" \
		--member gbtree="$d/gbtree.otree" --member rf="$d/rf.otree" --member dqn="$d/dqn.onn" \
		--member ensemble="$d/ensemble.model" --member passive="$d/passive.model" \
		>"$j/classify.txt" 2>&1 ||
		{ echo "evaluate: scoring on $2 failed:" >&2; cat "$j/classify.txt" >&2; exit 1; }
	for m in flow.model gbtree.otree rf.otree dqn.onn ensemble.model passive.model; do
		"$B/tools/osprey-replay" --config "$S/tools/demo.ini" --model "$d/$m" --json "$cap" \
			>"$j/${m%.*}.json" 2>"$j/${m%.*}.err" ||
			{ echo "evaluate: replaying $2 with $1's $m failed:" >&2; cat "$j/${m%.*}.err" >&2; exit 1; }
	done
	python3 - "$1" "$2" "$j" <<'PY'
import json, re, sys
train, test, j = sys.argv[1:4]
cls = {}
name = None
for line in open(f"{j}/classify.txt"):
    m = re.match(r"\s+(\w+)\s+\w+\s+validation AUC", line)
    if m:
        name = m.group(1)
    m = re.search(r"all rows: AUC ([0-9.na]+)\s+accuracy ([0-9.]+) where it votes \(([0-9.]+)%", line)
    if m and name:
        cls[name] = (m.group(1), m.group(2), m.group(3))
def row(label, b, auc="", acc="", best=""):
    return (f"| {label} | {auc} | {acc} | {b['net_pnl']:,.2f} | {b['fees']:,.2f} | {b['sharpe']:.2f} "
            f"| {b['max_drawdown']:,.2f} | {b['turnover']:,.0f} | {b['trades']} | {best} |")
print(f"\nTrained on {train}, judged on {test} (a day it never saw):\n")
print("| model | AUC | accuracy (votes) | net P&L $ | fees $ | Sharpe | max DD $ | turnover $ "
      "| round trips | best baseline $ |")
print("|---|---|---|---|---|---|---|---|---|---|")
# the baselines are per run: they share its marks, and 'random' copies its
# activity (how often it opens, its size, how long it holds)
runs = {}
for m in ["flow", "gbtree", "rf", "dqn", "ensemble", "passive"]:
    bt = json.load(open(f"{j}/{m}.json"))["backtest"]
    top = max(bt["baselines"].items(), key=lambda kv: kv[1]["net_pnl"])
    runs[m] = (bt["run"]["net_pnl"], top)
    auc, acc, cov = cls.get(m, ("-", "-", "0"))
    label = m + (" (fitted on all of AMZN: in-sample)" if m == "flow" and test == "AMZN" else
                 " (the ensemble resting at the touch)" if m == "passive" else "")
    print(row(label, bt["run"], auc, f"{acc} ({float(cov):.1f}%)",
              f"{top[1]['net_pnl']:,.2f} ({top[0]})"))
    if m == "ensemble":
        base = bt["baselines"]
for k, b in base.items():
    print(row(f"baseline of the ensemble's run: {k}", b))
for m in ["ensemble", "passive"]:
    e, (k, b) = runs[m]
    print(f"{chr(10) if m == 'ensemble' else ''}verdict ({train} -> {test}): {m} made {e:,.2f} net; its run's best baseline "
          f"({k}) {b['net_pnl']:,.2f}: it {'beats' if e > b['net_pnl'] else 'does not beat'} "
          f"every baseline")
PY
}

train AMZN
train GOOG
judge AMZN GOOG
judge GOOG AMZN
echo
echo "(files in $OUT)"
