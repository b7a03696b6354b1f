#!/bin/sh
# The drawdown breaker, every tier, on the real AMZN day (LOBSTER, ITCH 5.0)
# with the demo ensemble and tiers low enough to fire (0.05/0.1/0.15 % of 1M):
# from the --orders CSV alone (as a user would check it) the test finds
#   tier 1 then 2 then 3 as mode lines, in time order;
#   after tier 1, new orders at most half the size of any before it;
#   after tier 2 (REDUCING), every new order reduces the position its fills
#     left (no new exposure), counting its own open orders;
#   at tier 3 the cancel-all, and after it no new order at all;
# and it recomputes the realized P&L from the CSV's fills (average cost) and
# finds the engine's own figure, so the file is complete.
set -eu
B=${OSPREY_BUILD:?}
S=${OSPREY_SOURCE:?}
D=${OSPREY_SHARED:-$S/../shared}
cap="$D/data/itch/lobster_AMZN_20120621_L5.itch50"
[ -f "$cap" ] || { echo "skip: $cap absent"; exit 77; }
dir=$(mktemp -d /tmp/osprey-breakers.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; cat "$dir/err" 2>/dev/null; exit 1; }

# tools/demo.ini as shipped, but for the tiers and the capital they are % of
sed -e 's/^drawdown_tiers = .*/drawdown_tiers = 0.05,0.1,0.15/' \
    -e 's/^capital = .*/capital = 1000000/' \
    -e "s|^model = models/|model = $S/models/|" "$S/tools/demo.ini" >"$dir/engine.ini"
grep -q '^drawdown_tiers = 0.05,0.1,0.15' "$dir/engine.ini" || fail "demo.ini has no drawdown_tiers"
"$B/tools/osprey-replay" --config "$dir/engine.ini" --orders "$dir/orders.csv" --json "$cap" \
	>"$dir/out.json" 2>"$dir/err" || fail "osprey-replay exit $?"

python3 - "$dir/orders.csv" "$dir/out.json" <<'PY' || fail "the CSV breaks a breaker rule"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
run = json.load(open(sys.argv[2]))
assert rows, "empty CSV"
ts = [int(r["ts_ns"]) for r in rows]
assert ts == sorted(ts), "not in event-time order"

modes = [(i, r) for i, r in enumerate(rows) if r["event"] == "mode"]
causes = [r["reason"].split(":")[0] for _, r in modes]
assert causes[:3] == ["drawdown_tier1", "drawdown_tier2", "drawdown_tier3"], causes
t1, t2, t3 = (i for i, _ in modes[:3])
assert modes[1][1]["reason"].endswith("active->reducing"), modes[1][1]
assert modes[2][1]["reason"].endswith("reducing->halted"), modes[2][1]
ca = [i for i, r in enumerate(rows) if r["event"] == "cancel_all"]
assert ca and rows[ca[0]]["reason"] == "drawdown_tier3" and ts[ca[0]] == ts[t3], "no cancel-all at tier 3"

def news(a, b):
    return [r for r in rows[a:b] if r["event"] == "new"]
before = news(0, t1)
assert before, "no order before tier 1"
big = max(int(r["qty"]) for r in before)

# replay the CSV's own fills and open orders: an order "reduces" as risk.h says
pos, open_qty = 0, {}
scaled = 0
for i, r in enumerate(rows):
    e = r["event"]
    if e == "new":
        q, side = int(r["qty"]), r["side"]
        ob = sum(v for (s, v) in open_qty.values() if s == "B")
        os_ = sum(v for (s, v) in open_qty.values() if s == "S")
        reduces = (side == "B" and pos < 0 and pos + ob + q <= 0) or \
                  (side == "S" and pos > 0 and pos - os_ - q >= 0)
        if i > t1 and not reduces:  # tier 1 scales new risk, never an exit
            assert q <= big // 2, ("tier 1 did not scale", r, pos)
            scaled += 1
        assert i < t2 or reduces, ("new exposure after tier 2", r, pos, ob, os_)
        assert i < t3, ("an order after tier 3", r)
    if e == "new":
        open_qty[r["order_id"]] = (r["side"], int(r["qty"]))
    elif e == "fill":
        q = int(r["qty"])
        pos += q if r["side"] == "B" else -q
        s, left = open_qty[r["order_id"]]
        open_qty[r["order_id"]] = (s, left - q)
    elif e in ("cancel", "reject") and r["order_id"]:
        open_qty.pop(r["order_id"], None)

# realized P&L from the fills, average cost, in price units (1e-4 dollars)
qty = cost = realized = 0
for r in rows:
    if r["event"] != "fill":
        continue
    q, px = int(r["qty"]), int(r["px"])
    d = q if r["side"] == "B" else -q
    if qty == 0 or (qty > 0) == (d > 0):
        qty += d; cost += d * px
        continue
    closing = min(abs(d), abs(qty))
    removed = cost if closing == abs(qty) else int(cost * closing / abs(qty))
    sign = 1 if qty > 0 else -1
    realized += sign * closing * px - removed
    qty -= sign * closing; cost -= removed
    rest = abs(d) - closing
    if rest:
        qty += (1 if d > 0 else -1) * rest; cost += (1 if d > 0 else -1) * rest * px
assert abs(realized / 1e4 - run["realized_pnl"]) < 0.01, (realized / 1e4, run["realized_pnl"])
tr = run["risk"]["mode_transitions"]
assert [t["cause"] for t in tr][:3] == causes[:3], tr
assert run["risk"]["cancel_alls"] >= 1 and run["risk"]["tier"] == 3, run["risk"]
print("ok: tiers at %s; %d orders before tier 1 (max %d shares), %d after (%d new risk, "
      "scaled); realized %.4f from the CSV = the engine's" %
      ([t["ts_ns"] for t in tr[:3]], len(before), big, len(news(t1, len(rows))), scaled,
       realized / 1e4))
PY

# the same day with tools/demo.ini as shipped: the order resting at the end of
# the input is cancelled (cancel_at_end; the simulated venue used to drop
# what was in flight when the market data ended, so it stayed open)
sed -e "s|^model = models/|model = $S/models/|" "$S/tools/demo.ini" >"$dir/plain.ini"
"$B/tools/osprey-replay" --config "$dir/plain.ini" --orders "$dir/plain.csv" --json "$cap" \
	>"$dir/plain.json" 2>"$dir/err" || fail "osprey-replay (plain) exit $?"
python3 - "$dir/plain.csv" "$dir/plain.json" <<'PY' || fail "orders left open at the end"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
run = json.load(open(sys.argv[2]))
assert run["open_orders"] == 0, run["open_orders"]
end = [r for r in rows if r["event"] == "cancel_all" and r["reason"] == "end_of_input"]
assert len(end) == 1, end
cancelled = [r for r in rows if r["event"] == "cancel" and r["reason"] == "cancel_all"]
assert cancelled, "the end's cancel-all cancelled nothing"
print("ok: %d order(s) open at the end of the input, cancelled" % len(cancelled))
PY
