#!/bin/sh
# osprey-train --report: the training report in headless Chromium. A gbtree
# on a generated session with walk-forward folds writes the page; it draws
# with no console output; loss and AUC have a point per boosting round for
# training and validation, the folds and the calibration their points, the
# importance its bars; every number in its tables is the JSON's. The model
# file is the same with and without --report (evaluation does not change
# the trees), and a page that cannot be written fails the run, naming it.
set -eu
B=${OSPREY_BUILD:?}
[ -x "$B/tools/osprey-train" ] || { echo "SKIP: osprey-train needs XGBoost (libxgboost-dev)"; exit 77; }
dir=$(mktemp -d /tmp/osprey-train-report.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
. "${OSPREY_SOURCE:?}/tests/integration/browse.sh"
"$B/tools/osprey-gen" --seed 4 --messages 120000 -o "$dir/s.itch" >/dev/null
train="$B/tools/osprey-train --kind gbtree --itch $dir/s.itch --trees 40 --walk-forward 3 --quiet"
$train -o "$dir/plain.otree" >"$dir/plain.txt" || fail "training without a report"
$train -o "$dir/m.otree" --report "$dir/t.html" >"$dir/out.txt" || fail "training with a report"
cmp -s "$dir/plain.otree" "$dir/m.otree" || fail "--report changed the model file"
grep -q "report $dir/t.html" "$dir/out.txt" || fail "no report line: $(tail -3 "$dir/out.txt")"
browse "$dir/t.html" "$dir/dom.html"
python3 - "$dir/t.html" "$dir/dom.html" "$dir/out.txt" <<'PY' || fail "the page and its JSON disagree"
import json, os, re, sys
sys.path.insert(0, os.environ["OSPREY_SOURCE"] + "/tests/integration")
from page import Page
page = open(sys.argv[1]).read()
m = re.search(r'<script type="application/json" class="run"[^>]*>\n(.*?)</script>', page, re.S)
j = json.loads(m.group(1).replace("<\\/", "</"))
assert j["kind"] == "training" and j["model"] == "gbtree", j.get("kind")
p = Page(sys.argv[2])
rounds = j["rounds"]
assert len(rounds["train_logloss"]) == 40 and len(rounds["valid_auc"]) == 40, rounds
assert rounds["train_logloss"][-1] < rounds["train_logloss"][0], "training loss did not fall"
for plot in ("loss", "auc"):
    lines = [a for t, a in p.svg[plot] if t == "polyline"]
    assert [int(a["data-points"]) for a in lines] == [40, 40], (plot, lines)
assert len(j["folds"]) == 3
assert len([1 for t, a in p.svg["folds"] if t == "polyline"]) == 3
imp = j["importance"]
assert imp and all(imp[i]["gain"] >= imp[i + 1]["gain"] for i in range(len(imp) - 1)), imp
bars = [a for t, a in p.svg["importance"] if t == "rect"]
assert len(bars) == min(20, len(imp))
assert all(24 <= float(a["y"]) and float(a["y"]) + float(a["height"]) <= 261 for a in bars), "a bar outside the plot"
tallest = max(float(a["height"]) for a in bars)
assert float(bars[0]["height"]) == tallest > 100, "the largest gain is not the tallest bar"
cal = [c for c in j["calibration"] if c["rows"]]
assert len(j["calibration"]) == 10 and cal
assert len([1 for t, a in p.svg["calibration"] if t == "circle"]) == len(cal)
test_rows = next(x["rows"] for x in j["parts"] if x["name"] == "test")
assert sum(c["rows"] for c in j["calibration"]) == test_rows
# the test metrics in the JSON are the ones the tool printed
out = open(sys.argv[3]).read()
tm = next(x for x in j["metrics"] if x["part"] == "test" and x["who"].startswith("model"))
assert re.search(r"test\s+model \(gbtree\)\s+accuracy %.4f  AUC %.4f  log loss %.4f" % (tm["m"]["acc"], tm["m"]["auc"], tm["m"]["logloss"]), out), out
def value(key):
    v = j
    for k in key.split(".")[1:]:
        v = v[int(k)] if isinstance(v, list) else v[k]
    return v
n = 0
for key, text in p.cells.items():
    want = value(key)
    assert abs(float(text) - float(want)) <= 5e-5 * max(1, abs(float(want))), (key, text, want)
    n += 1
assert n >= 30, n
print("training report: %d rounds, %d folds, %d features, %d numbers equal the JSON's" % (40, 3, len(imp), n))
PY
# a policy's report: osprey-train-dqn (exit 3 only says int8 agreement is below 99%)
rc=0
"$B/tools/osprey-train-dqn" --itch "$dir/s.itch" --episodes 5 --steps 3000 --quiet -o "$dir/p.onn" \
	--report "$dir/d.html" >"$dir/dqn.txt" 2>&1 || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 3 ] || fail "osprey-train-dqn --report: exit $rc: $(tail -3 "$dir/dqn.txt")"
browse "$dir/d.html" "$dir/ddom.html"
python3 - "$dir/d.html" "$dir/ddom.html" "$dir/dqn.txt" <<'PY' || fail "the policy's report"
import json, math, re, sys
page = open(sys.argv[1]).read()
j = json.loads(re.search(r'class="run"[^>]*>\n(.*?)</script>', page, re.S).group(1).replace("<\\/", "</"))
dom = open(sys.argv[2]).read()
assert j["model"] == "dqn" and len(j["episodes"]["reward"]) == 5, j["episodes"]
assert re.search(r'data-plot="reward"[^>]*data-points="5"|data-points="5"[^>]*data-plot="reward"', dom), "reward plot"
names = [p["name"] for p in j["policies"]]
assert names == ["dqn int8", "dqn float", "always hold", "momentum ret8", "max long (ref)", "max short (ref)"], names
out = open(sys.argv[3]).read()
for p in j["policies"]:  # the table printed and the JSON agree
    m = re.search(r"^%s\s+(-?[0-9.]+)\s+(-?[0-9.]+)" % re.escape(p["name"]), out, re.M)
    assert m and abs(float(m.group(1)) - p["pnl"]) < 0.006 and abs(float(m.group(2)) - p["sharpe"]) < 0.0006, (p, m and m.groups())
cells = dict(re.findall(r'data-key="(train\.policies\.[^"]+)">([^<]*)<', dom))
assert len(cells) == 30, len(cells)
for key, text in cells.items():
    _, _, i, k = key.split(".")
    want = j["policies"][int(i)][k]
    assert (text == "inf" and want is None) or abs(float(text) - want) <= 5e-5 * max(1, abs(want)), (key, text, want)
print("policy report: 5 episodes, 6 policies, 30 numbers equal the JSON's")
PY
if $train -o "$dir/m2.otree" --report "$dir/nodir/t.html" >/dev/null 2>"$dir/err2"; then fail "an unwritable report succeeded"; fi
grep -q "nodir/t.html" "$dir/err2" || fail "the unwritable report's error: $(cat "$dir/err2")"
echo "train-report: drawn without console output; plots and numbers equal the JSON's; model unchanged"
