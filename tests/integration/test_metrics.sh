#!/bin/sh
# The Prometheus endpoint ([metrics] listen): the engine daemon trades a
# generated session while
#  - GET /metrics answers the text exposition format that `promtool check
#    metrics` finds clean, with the counters moving and every stage's latency
#    histogram there; another path is 404, a POST 405;
#  - Debian's real Prometheus server scrapes it every second, and its HTTP API
#    returns our series (up == 1, md messages > 0, a histogram bucket);
#  - positions by instrument appear once something fills, and every ring
#    between the stages has its fill ratio;
#  - every series tools/grafana/osprey.json queries is one the engine serves.
# Skips (77) without prometheus / promtool (make test installs them).
set -eu
B=${OSPREY_BUILD:?}
S=${OSPREY_SOURCE:?}
command -v prometheus >/dev/null && command -v promtool >/dev/null ||
	{ echo "SKIP: prometheus and promtool are not installed"; exit 77; }
dir=$(mktemp -d /tmp/osprey-metrics-test.XXXXXX)
. "$S/tests/integration/ctl_lib.sh"

MPORT=$(free_port)
PPORT=$(free_port "$MPORT")
M="http://127.0.0.1:$MPORT/metrics"

session 7 200000
# the drift monitor's series, where osprey-train (XGBoost) is built to make its reference
drift=""
if [ -x "$B/tools/osprey-train" ]; then
	"$B/tools/osprey-train" --kind reference --itch "$dir/session.itch" -o "$dir/features.ref" \
		--quiet >"$dir/ref.txt" 2>&1 || { cat "$dir/ref.txt"; fail "osprey-train --kind reference"; }
	drift="[strategy]
drift_reference = $dir/features.ref"
fi
engine_ini 100x "" "[metrics]
listen = 127.0.0.1:$MPORT
$drift"
start "$dir/engine.ini"

# the counters move while it trades
curl -sf "$M" >"$dir/m1.txt" || fail "GET /metrics"
i=0
while :; do
	sleep 0.2
	curl -sf "$M" >"$dir/m2.txt" || fail "GET /metrics"
	a=$(awk '$1 == "osprey_md_messages_total" { print $2 }' "$dir/m1.txt")
	b=$(awk '$1 == "osprey_md_messages_total" { print $2 }' "$dir/m2.txt")
	# the histograms come from the telemetry totals, merged about once a second
	[ "${b:-0}" -gt "${a:-0}" ] && grep -q '^osprey_tick_to_order_seconds_count [1-9]' "$dir/m2.txt" &&
		break
	i=$((i + 1)); [ $i -lt 100 ] || fail "the series do not move (md messages $a, $b)"
done
promtool check metrics <"$dir/m2.txt" >"$dir/lint.txt" 2>&1 ||
	{ cat "$dir/lint.txt"; fail "promtool check metrics"; }
[ ! -s "$dir/lint.txt" ] || { cat "$dir/lint.txt"; fail "promtool found problems"; }
for s in feeds features model risk exec; do
	grep -q "^osprey_stage_latency_seconds_bucket{stage=\"$s\",le=\"+Inf\"} [1-9]" "$dir/m2.txt" ||
		fail "no latency histogram for stage $s"
done
grep -q '^osprey_mode 0$' "$dir/m2.txt" || fail "mode is not active"
if [ -n "$drift" ]; then
	[ "$(grep -c '^osprey_feature_psi{feature="[a-z0-9_]*"} [0-9.]*$' "$dir/m2.txt")" = 13 ] ||
		fail "no PSI for each of the 13 features"
	grep -q '^osprey_drift_rows [0-9]' "$dir/m2.txt" || fail "no osprey_drift_rows"
fi
# positions by instrument, once something has filled: one line per symbol
# with a position, its shares equal to what the engine's positions say
i=0
until curl -sf "$M" >"$dir/m3.txt" && grep -q '^osprey_position_shares{symbol="OSP[A-Z]*"} -\{0,1\}[1-9]' "$dir/m3.txt"; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "no position by instrument: $(grep position "$dir/m3.txt" | head -3)"
	sleep 0.1
done
n=$(grep -c '^osprey_position_shares{' "$dir/m3.txt")
w=$(awk '$1 == "osprey_positions" { print $2 }' "$dir/m3.txt")
[ "$n" -ge "${w:-0}" ] || fail "$n instruments with a position line, osprey_positions says $w"
# the JSON API: every endpoint parses and agrees with /metrics read just before
for p in status positions latency health; do
	curl -sf "http://127.0.0.1:$MPORT/api/$p" >"$dir/api_$p.json" || fail "GET /api/$p"
done
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/api/other")
[ "$code" = 404 ] || fail "GET /api/other answered $code"
python3 - "$dir" <<'PY' || fail "the JSON API"
import json, re, sys
d = sys.argv[1]
api = {p: json.load(open("%s/api_%s.json" % (d, p))) for p in ("status", "positions", "latency", "health")}
prom = {}
for line in open(d + "/m3.txt"):
    m = re.match(r'^(osprey_[a-z_]+)(\{[^}]*\})? (\S+)$', line)
    if m:
        prom[m.group(1) + (m.group(2) or "")] = float(m.group(3))
st = api["status"]
assert st["mode"] in ("active", "reducing", "halted") and st["venue_session"] in ("up", "done"), st
assert st["fills"] >= prom["osprey_fills_total"] > 0, (st["fills"], prom["osprey_fills_total"])
assert st["md_messages"] >= prom["osprey_md_messages_total"], st
pos = api["positions"]["positions"]
held = {k[len('osprey_position_shares{symbol="'):-2]: v for k, v in prom.items() if k.startswith("osprey_position_shares{")}
assert pos and all(re.match(r"^OSP[A-Z]+$", p["symbol"]) for p in pos), pos
assert set(held) <= {p["symbol"] for p in pos}, (held, pos)
lat = api["latency"]
for s in ("feeds", "features", "model", "risk", "exec", "tick_to_order"):
    x = lat[s]
    assert x["count"] > 0 and 0 < x["p50"] <= x["p99"] <= x["max"], (s, x)
h = api["health"]
assert h["state"] == "ok", h
c = h["components"]
assert c["feed"]["state"] == "ok" and c["feed"]["messages"] > 0, c["feed"]
assert c["gateway"]["state"] == "ok" and c["persistence"]["state"] == "ok", c
assert all(0 <= v < 5 for v in c["engine"]["stages"].values()), c["engine"]
print("ok: /api/status, /api/positions (%d symbols), /api/latency, /api/health agree with /metrics" % len(pos))
PY
for r in md features intents orders reports persist; do
	grep -Eq "^osprey_ring_fill_ratio\{ring=\"$r\"\} (0|1)\.[0-9]{6}$" "$dir/m2.txt" ||
		fail "no fill ratio for ring $r"
done
# refusals by reason: every reason there, their sum (read after the total) not below it
awk '$1 == "osprey_risk_rejects_total" { t = $2 }
	/^osprey_risk_rejects_by_reason_total\{reason="[a-z_0-9]+"\} / { n++; s += $2 }
	END { exit !(n >= 30 && s >= t) }' "$dir/m2.txt" || fail "rejects by reason: $(grep rejects "$dir/m2.txt" | head -5)"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/other")
[ "$code" = 404 ] || fail "GET /other answered $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x "$M")
[ "$code" = 405 ] || fail "POST /metrics answered $code"
ctl kill >/dev/null || fail "kill"
curl -sf "$M" | grep -q '^osprey_killed 1$' || fail "osprey_killed is not 1 after kill"
ctl resume >/dev/null || fail "resume"
echo "ok: /metrics is clean for promtool and moves; 404, 405; the kill shows"

# Prometheus itself scrapes it
cat >"$dir/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: osprey
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
YML
promtool check config "$dir/prometheus.yml" >/dev/null || fail "promtool check config"
prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/tsdb" \
	--web.listen-address="127.0.0.1:$PPORT" >"$dir/prometheus.log" 2>&1 &
peers=$!
q() { curl -sfG "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$1"; }
# the first sample value of a query's result ("" while there is none)
val() { q "$1" | python3 -c 'import json,sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")' 2>/dev/null || true; }
i=0
while :; do
	up=$(val 'up{job="osprey"}')
	msgs=$(val 'osprey_md_messages_total')
	[ "$up" = 1 ] && [ -n "$msgs" ] && [ "${msgs%.*}" -gt 0 ] && break
	i=$((i + 1))
	[ $i -lt 150 ] || { tail -5 "$dir/prometheus.log"; fail "Prometheus has no osprey series (up '$up', messages '$msgs')"; }
	sleep 0.2
done
b=$(val 'osprey_stage_latency_seconds_bucket{stage="risk",le="+Inf"}')
[ -n "$b" ] || fail "Prometheus has no latency bucket for risk"
p99=$(val 'histogram_quantile(0.99, sum by (le) (osprey_stage_latency_seconds_bucket{stage="feeds"}))')
[ -n "$p99" ] || fail "histogram_quantile over our buckets gave nothing"
echo "ok: Prometheus scraped the engine: up 1, md messages $msgs, feeds p99 ${p99}s"

# the dashboard queries only series the engine serves
python3 - "$S/tools/grafana/osprey.json" "$dir/m2.txt" <<'PY' || fail "the Grafana dashboard"
import json, re, sys
dash = json.load(open(sys.argv[1]))
served = set()
for line in open(sys.argv[2]):
    if not line.startswith("#"):
        served.add(re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0))
exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
names = {n for e in exprs for n in re.findall(r"osprey_[a-z0-9_]+", e)}
missing = sorted(names - served)
if not exprs or missing:
    print("dashboard series not served:", missing)
    sys.exit(1)
print("ok: the dashboard's %d queries name %d series, all served" % (len(exprs), len(names)))
PY
