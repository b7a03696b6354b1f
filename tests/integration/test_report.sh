#!/bin/sh
# The HTML report, in a real browser. osprey-replay --json --report on a
# generated session; headless Chromium loads the page (file://, no network)
# and dumps its DOM after the page's script ran, and takes a screenshot
# (kept as meson-logs/report.png). Checked: the page drew with no console
# output at all (the page logs only on error) and says data-rendered="ok";
# every plot is there with as many points, marks and bars as the run's JSON
# has (equity points = closes, fill marks = fills, bars = instruments);
# every number in the tables equals the JSON's. osprey-report builds the
# same page again from the JSON, overlays two runs, and refuses bad input
# with the offset of what is wrong.
set -eu
B=${OSPREY_BUILD:?}
S=${OSPREY_SOURCE:?}
dir=$(mktemp -d /tmp/osprey-report.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
. "$S/tests/integration/browse.sh"
"$B/tools/osprey-gen" --seed 42 -o "$dir/s.itch" >/dev/null
"$B/tools/osprey-replay" --config "$S/tools/demo.ini" --model "$S/models/demo.model" --quiet \
	--json --report "$dir/r.html" --hlog "$dir/run.hlog" "$dir/s.itch" >"$dir/run.json" ||
	fail "the run failed"
[ ! -e "$dir/r.html.tmp" ] || fail "the temporary page was left behind"

browse "$dir/r.html" "$dir/dom.html"
chromium --hide-scrollbars --window-size=1300,5000 --screenshot="$dir/r.png" \
	"file://$dir/r.html" >/dev/null 2>&1 || fail "no screenshot"
python3 - "$dir/r.png" <<'PY' || fail "the screenshot is not a PNG of the page"
import struct, sys
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"\x89PNG\r\n\x1a\n" and len(b) > 20000, len(b)
w, h = struct.unpack(">II", b[16:24])
assert (w, h) == (1300, 5000), (w, h)
PY
mkdir -p meson-logs 2>/dev/null && cp "$dir/r.png" meson-logs/report.png 2>/dev/null || true

# the page's plots and numbers against the JSON
python3 - "$dir/run.json" "$dir/dom.html" <<'PY' || fail "the page and the JSON disagree"
import json, math, os, sys
sys.path.insert(0, os.environ["OSPREY_SOURCE"] + "/tests/integration")
from page import Page
run = json.load(open(sys.argv[1]))
bt = run["backtest"]
p = Page(sys.argv[2])
bad = []
def check(cond, what):
    if not cond: bad.append(what)

tl = run["timeline"]
check(tl["total"] == run["regime_switches"] > 0, "timeline %d, regime switches %d" % (tl["total"], run["regime_switches"]))
check(len(tl["events"]) == tl["total"] and all(e["kind"] == "regime" for e in tl["events"]), "timeline events")
syms = {e["symbol"] for e in tl["events"]}
regimes = [a for t, a in p.svg.get("timeline", []) if t == "polyline" and a.get("class") == "regime"]
check(len(regimes) == min(10, len(syms)), "%d regime lines for %d symbols" % (len(regimes), len(syms)))
for a in regimes:  # a step line: start, two points per change, end
    n = sum(1 for e in tl["events"] if e["symbol"] == a["data-series"])
    check(int(a["data-points"]) == 2 * n + 2, "regime points of " + a["data-series"])
# every switch in a table, with its reason
import html as htmlmod, re
dom = open(sys.argv[2]).read()
m = re.search(r'<table data-table="regimes">(.*?)</table>', dom, re.S)
check(m is not None, "no regime switch table")
if m:
    nrows = m.group(1).count("<tr>") - 1
    check(nrows == min(200, tl["total"]), "%d regime rows for %d switches" % (nrows, tl["total"]))
    check(all(e.get("reason") for e in tl["events"]), "a switch without its reason")
    check(htmlmod.escape(tl["events"][0]["reason"], quote=False) in m.group(1), "the first reason is not on the page")
for name in ["percentiles-stages", "percentiles-tick", "latency-over-time", "equity", "positions",
             "pnl-by-instrument", "rejects", "timeline"]:
    check(name in p.svg, "plot " + name + " missing")
eq = [a for t, a in p.svg["equity"] if t == "polyline" and a.get("class") == "equity"]
check(len(eq) == 1 and int(eq[0]["data-points"]) == len(bt["equity"]["t"]), "equity points")
base = [a for t, a in p.svg["equity"] if t == "polyline" and a.get("class") == "baseline"]
check(len(base) == 4, "%d baseline curves" % len(base))
check(any(t == "polygon" and a.get("class") == "drawdown" for t, a in p.svg["equity"]), "no drawdown shading")
check(bt["run"]["max_drawdown"] > 0, "a run with no drawdown checks nothing")
ins = bt["instruments"]
check(len(ins) >= 2, "instruments: %d" % len(ins))
pos = [a for t, a in p.svg["positions"] if t == "polyline"]
check(len(pos) == min(10, len(ins)), "position curves %d" % len(pos))
for s in ins[:10]:
    fills = [f for f in bt["fills"] if f[1] == s["symbol"]]
    marks = [a for t, a in p.svg["fills-" + s["symbol"]] if t == "circle" and a.get("class") == "fill"]
    check(len(marks) == len(fills), "%s: %d fill marks, %d fills" % (s["symbol"], len(marks), len(fills)))
    buys = sum(1 for f in fills if f[2] == "B")
    check(sum(1 for a in marks if a["fill"] == "#2ca02c") == buys, s["symbol"] + " buys")
check(sum(len([1 for t, a in p.svg["fills-" + s["symbol"]] if t == "circle"]) for s in ins[:10]) == run["fills"],
      "fill marks in all != the run's fills")
bars = [a for t, a in p.svg["pnl-by-instrument"] if t == "rect"]
check(len(bars) == len(ins), "P&L bars")
for b, s in zip(bars, ins):
    check(abs(float(b["data-value"]) - s["metrics"]["net_pnl"]) < 1e-9, "bar of " + s["symbol"])
for a in bars:  # inside the plot area (24 .. 260 of 300)
    check(24 <= float(a["y"]) and float(a["y"]) + float(a["height"]) <= 261, "a bar outside the plot: %s" % a)
rej = [a for t, a in p.svg["rejects"] if t == "rect"]
check(len(rej) == sum(1 for v in run["rejects_by_reason"].values() if v), "reject bars")
check(sum(float(a["data-value"]) for a in rej) == run["rejects"], "reject bars' sum")
for a in rej:
    check(24 <= float(a["y"]) and float(a["y"]) + float(a["height"]) <= 261, "a reject bar outside the plot: %s" % a)
stages = [a for t, a in p.svg["percentiles-stages"] if t == "polyline"]
check(len(stages) == 5, "stage percentile curves %d" % len(stages))
for a in stages:
    n = len(run["latency_ns"][a["data-series"] + "_percentiles"]) - 1  # the max (100%) is off the log axis
    check(int(a["data-points"]) == n, "percentile points of " + a["data-series"])

# every number in the tables equals the JSON's
def want(key):
    parts = key.split(".")
    assert parts[0] == "run0", key
    if parts[1] == "run": return bt["run"][parts[2]]
    if parts[1] == "baselines": return bt["baselines"][parts[2]][parts[3]]
    if parts[1] == "inst": return next(s for s in ins if s["symbol"] == parts[2])["metrics"][parts[3]]
    if parts[1] == "latency": return run["latency_ns"][parts[2]][parts[3]]
    v = run
    for k in parts[1:]: v = v[k]
    return v
n = 0
for key, text in p.cells.items():
    w = want(key)
    got = math.inf if text == "inf" else float(text)
    wv = math.inf if w is None else float(w)
    check(got == wv or abs(got - wv) <= 5e-5 * max(1, abs(wv)), "%s: page %s, JSON %s" % (key, text, w))
    n += 1
check(n >= 5 * 15 + 7 * 6, "only %d numbers checked" % n)
check(p.cells.get("run0.run.net_pnl") == "%.4f" % run["risk"]["pnl"], "the run's net P&L is not risk's P&L")
if bad:
    print("\n".join(bad[:20])); sys.exit(1)
print("page agrees with the JSON: %d numbers, %d plots" % (n, len(p.svg)))
PY

# osprey-report: the same page from the JSON; two runs overlaid
"$B/tools/osprey-report" -o "$dir/again.html" "$dir/run.json" || fail "osprey-report failed"
browse "$dir/again.html" "$dir/again.dom"
"$B/tools/osprey-replay" --config "$S/tools/demo.ini" --model "$S/models/demo.model" --quiet \
	--threads feeds,features,model,risk,exec --cpus -1,-1,-1,-1,-1 --idle yield \
	--json "$dir/s.itch" >"$dir/run2.json" || fail "the second run failed"
"$B/tools/osprey-report" -o "$dir/cmp.html" "$dir/run.json" "$dir/run2.json" || fail "osprey-report of two runs failed"
browse "$dir/cmp.html" "$dir/cmp.dom"
one=$(grep -o 'class="pct"' "$dir/dom.html" | wc -l)
two=$(grep -o 'class="pct"' "$dir/cmp.dom" | wc -l)
[ "$two" -eq $((2 * one)) ] || fail "two runs drew $two percentile curves, one run $one"
grep -q 'data-label="run2.json"' "$dir/cmp.html" || fail "the second run is not labelled"

# a latency log: the same distributions as the run's own totals, alone and with the run
"$B/tools/osprey-report" -o "$dir/log.html" "$dir/run.hlog" || fail "osprey-report of a latency log failed"
browse "$dir/log.html" "$dir/log.dom"
python3 - "$dir/run.json" "$dir/log.dom" <<'PY' || fail "the latency log's page"
import json, re, sys
run = json.load(open(sys.argv[1]))
cells = dict(re.findall(r'data-key="run0\.latency\.([a-z_]+\.[a-z0-9]+)">([^<]*)<', open(sys.argv[2]).read()))
n = 0
for s in ("feeds", "features", "model", "risk", "exec", "tick_to_order"):
    for k in ("count", "p50", "p90", "p99", "p999", "max"):
        got, want = cells.get(s + "." + k), run["latency_ns"][s][k]
        assert got is not None and int(got) == want, (s, k, got, want)
        n += 1
print("latency log: %d numbers equal the run's own totals" % n)
PY
"$B/tools/osprey-report" -o "$dir/mix.html" "$dir/run.json" "$dir/run.hlog" || fail "osprey-report of a run and a log failed"
browse "$dir/mix.html" "$dir/mix.dom"
mixed=$(grep -o 'class="pct"' "$dir/mix.dom" | wc -l)
[ "$mixed" -eq $((2 * one)) ] || fail "a run and its log drew $mixed percentile curves, the run alone $one"
printf 'Tag=x,0.0,1.0,0.1,@@@@\n' >"$dir/bad.hlog"
if "$B/tools/osprey-report" -o "$dir/bad.html" "$dir/bad.hlog" 2>"$dir/err"; then fail "a bad log was accepted"; fi
grep -q "bad.hlog:1: tag x: bad base64" "$dir/err" || fail "the bad log's error: $(cat "$dir/err")"

# bad input: named, with the offset; no page written
head -c 5000 "$dir/run.json" >"$dir/cut.json"
if "$B/tools/osprey-report" -o "$dir/bad.html" "$dir/cut.json" 2>"$dir/err"; then fail "a cut JSON was accepted"; fi
# where it stopped: at the cut, or at the start of the word it cut (true, null)
off=$(sed -n 's/.*cut.json: offset \([0-9]*\): .*/\1/p' "$dir/err")
[ -n "$off" ] && [ "$off" -ge 4994 ] && [ "$off" -le 5000 ] || fail "the cut JSON's error: $(cat "$dir/err")"
echo '{"messages": 1}' >"$dir/small.json"
if "$B/tools/osprey-report" -o "$dir/bad.html" "$dir/small.json" 2>"$dir/err"; then fail "a JSON that is not a run was accepted"; fi
grep -q 'small.json: offset 0: no top-level "model"' "$dir/err" || fail "the non-run's error: $(cat "$dir/err")"
[ ! -e "$dir/bad.html" ] && [ ! -e "$dir/bad.html.tmp" ] || fail "a page was written from bad input"
if "$B/tools/osprey-report" -o "$dir/nodir/x.html" "$dir/run.json" 2>"$dir/err"; then fail "an unwritable page succeeded"; fi
grep -q "nodir/x.html" "$dir/err" || fail "the unwritable page's error: $(cat "$dir/err")"
echo "report: rendered in $("$CHROMIUM" --version 2>/dev/null | head -1), plots and numbers equal the JSON's"
