#!/bin/sh
# The live dashboard ([metrics] listen, GET /) in headless Chromium against a
# running paper session: osprey-venue publishes a generated session over
# MoldUDP64 and takes OUCH orders; the engine daemon trades it. While it
# trades, the page (following /api/stream, server-sent events) has drawn
# several updates whose numbers moved, and every number it shows equals the
# event it last received; once the session is over, every number equals
# /api/status, /api/latency and /api/positions, its order events are the
# API's (/api/orders?since=) and its P&L curve has a point per update. The
# page logs nothing to the console. Then access: a listen address off
# loopback without a token file is refused, a token file others can read is
# refused, and with a token every request needs it (401 without; Bearer or
# ?token= with), the page's event stream included.
set -eu
B=${OSPREY_BUILD:?}
S=${OSPREY_SOURCE:?}
dir=$(mktemp -d /tmp/osprey-dash.XXXXXX)
. "$S/tests/integration/ctl_lib.sh"
. "$S/tests/integration/browse.sh" # CHROMIUM, for cdp.py
MOLD=$(free_port)
SERVE=$(free_port "$MOLD")
OE=$(free_port "$MOLD" "$SERVE")
MPORT=$(free_port "$MOLD" "$SERVE" "$OE")
U="http://127.0.0.1:$MPORT"

"$B/tools/osprey-venue" --generate --seed 11 --messages 150000 --mold "127.0.0.1:$MOLD" \
	--serve "127.0.0.1:$SERVE" --ouch "127.0.0.1:$OE" --users DASH:dash --speed 3000x \
	--wait-logins 1 --end-wait-ms 3000 --quiet >"$dir/venue.txt" 2>"$dir/venue.log" &
peers=$!
cat >"$dir/engine.ini" <<INI
[feeds]
mold = 127.0.0.1:$MOLD
mold_rerequest = 127.0.0.1:$SERVE
[strategy]
model = $S/models/default.model
[gateway]
protocol = ouch
connect = 127.0.0.1:$OE
soup_user = DASH
soup_password = dash
[threads]
idle = sleep
spin_limit = 100
[engine]
control_socket = $dir/ctl.sock
[metrics]
listen = 127.0.0.1:$MPORT
INI
start "$dir/engine.ini"

browse() { # MS OUT [QUERY]: the live page after MS milliseconds (over the DevTools
	# protocol: --dump-dom takes a page at its load event), its console in OUT.console
	timeout 120 python3 "$S/tests/integration/cdp.py" "$CHROMIUM" "$U/${3:-}" "$1" "$2" \
		2>"$2.err" || fail "chromium: $(tail -3 "$2.err")"
	[ ! -s "$2.console" ] || fail "console output: $(head -5 "$2.console")"
}
# while it trades
i=0
until curl -sf "$U/api/status" | grep -q '"fills":[1-9]'; do
	i=$((i + 1)); [ $i -lt 200 ] || fail "no fill in 20 s: $(curl -s "$U/api/status")"
	sleep 0.1
done
browse 3000 "$dir/live.html"
curl -sf "$U/api/status" >"$dir/after_live.json" || fail "GET /api/status"
python3 - "$dir/live.html" "$dir/after_live.json" <<'PY' || fail "the live page"
import json, os, sys
sys.path.insert(0, os.environ["OSPREY_SOURCE"] + "/tests/integration")
from page import Page
p = Page(sys.argv[1])
n = int(p.body.get("data-events", 0))
assert n >= 3, "only %d updates in 3 s" % n
first, last = int(p.body["data-md-first"]), int(p.body["data-md-last"])
assert last > first, "md messages did not move: %d -> %d" % (first, last)
ev = json.loads(p.last_event)
def value(key):
    v = ev
    for k in key.split("."):
        v = v[int(k)] if isinstance(v, list) else v[k]
    return v
checked = 0
for key, text in p.cells.items():
    want = value(key)
    ok = text == str(want) if isinstance(want, str) else abs(float(text) - float(want)) < 5e-5
    assert ok, "%s: page %s, event %s" % (key, text, want)
    checked += 1
assert checked >= 30, checked
later = json.load(open(sys.argv[2]))
assert later["md_messages"] >= ev["status"]["md_messages"] >= 0
print("live: %d updates, md messages %d -> %d, %d numbers equal to the last event" % (n, first, last, checked))
PY

# after the session: the page equals the API
i=0
until curl -sf "$U/api/status" | grep -q '"input_done":true'; do
	i=$((i + 1)); [ $i -lt 600 ] || fail "the session did not end"
	sleep 0.1
done
sleep 1.5 # the last gauges (published every ms) and telemetry totals (every second)
for p in status latency positions; do curl -sf "$U/api/$p" >"$dir/end_$p.json" || fail "GET /api/$p"; done
curl -sf "$U/api/orders?since=0" >"$dir/end_orders.json" || fail "GET /api/orders"
browse 2500 "$dir/end.html"
python3 - "$dir" <<'PY' || fail "the page after the session"
import json, os, sys
sys.path.insert(0, os.environ["OSPREY_SOURCE"] + "/tests/integration")
from page import Page
d = sys.argv[1]
p = Page(d + "/end.html", row_class="order")
api = {"status": json.load(open(d + "/end_status.json")), "latency": json.load(open(d + "/end_latency.json")),
       "positions": json.load(open(d + "/end_positions.json"))}
checked = 0
for key, text in p.cells.items():
    top, rest = key.split(".", 1)
    if top == "health":
        continue
    v = api[top]
    for k in rest.split("."):
        v = v[int(k)] if isinstance(v, list) else v[k]
    ok = text == str(v) if isinstance(v, str) else abs(float(text) - float(v)) < 5e-5
    assert ok, "%s: page %s, API %s" % (key, text, v)
    checked += 1
assert checked >= 40, checked
st = api["status"]
assert st["fills"] > 0 and st["orders"] > 0, st
orders = json.load(open(d + "/end_orders.json"))
assert orders["last"] >= st["orders"], (orders["last"], st["orders"])  # every order at least its "new"
assert p.rows == min(50, orders["last"]), (p.rows, orders["last"])
assert int(p.body["data-order-seq"]) == orders["last"], (p.body["data-order-seq"], orders["last"])
assert int(p.last_svg["data-points"]) == int(p.body["data-events"]) >= 3, (p.last_svg, p.body)
print("after the session: %d numbers equal the API's; %d order events, the last %d shown" % (checked, orders["last"], p.rows))
PY
code=$(curl -s -o /dev/null -w '%{http_code}' "$U/api/orders?since=x")
[ "$code" = 400 ] || fail "since=x answered $code"
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
wait "$peers" 2>/dev/null || true; peers="" # the venue ends on its own

# access: off loopback without a token file; a token file others can read
cat >"$dir/sim.ini" <<INI
[feeds]
files = $dir/s.itch
[strategy]
model = $S/models/default.model
[engine]
control_socket = $dir/ctl.sock
INI
"$B/tools/osprey-gen" --seed 3 --messages 20000 -o "$dir/s.itch" >/dev/null
refuse() { # WHAT INI_LINES
	{ cat "$dir/sim.ini"; printf '[metrics]\n%s\n' "$2"; } >"$dir/x.ini"
	if "$B/tools/osprey" "$dir/x.ini" >"$dir/x.out" 2>&1; then fail "$1 was accepted"; fi
	grep -q "$3" "$dir/x.out" || fail "$1: $(cat "$dir/x.out")"
}
refuse "0.0.0.0 without a token" "listen = 0.0.0.0:$MPORT" "not a loopback address: set metrics.token_file"
printf 'abcdefghijklmnop0123\n' >"$dir/token"
chmod 644 "$dir/token"
refuse "a token others can read" "listen = 127.0.0.1:$MPORT
token_file = $dir/token" "others may read or write it"
chmod 600 "$dir/token"
printf 'short\n' >"$dir/short"; chmod 600 "$dir/short"
refuse "a short token" "listen = 127.0.0.1:$MPORT
token_file = $dir/short" "16 or more characters"
{ cat "$dir/sim.ini"; printf '[metrics]\nlisten = 127.0.0.1:%s\ntoken_file = %s\n' "$MPORT" "$dir/token"; } >"$dir/tok.ini"
start "$dir/tok.ini"
i=0
until [ "$(curl -s -o /dev/null -w '%{http_code}' "$U/api/status")" = 401 ]; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "no 401 without the token"; sleep 0.05
done
for p in / /metrics /api/stream "/api/orders?since=0"; do
	code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$U$p")
	[ "$code" = 401 ] || fail "$p without the token answered $code"
done
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer abcdefghijklmnop0124" "$U/api/status")
[ "$code" = 401 ] || fail "a wrong token answered $code"
curl -sf -H "Authorization: Bearer abcdefghijklmnop0123" "$U/api/status" | grep -q '"mode"' || fail "Bearer token refused"
curl -sf "$U/api/status?token=abcdefghijklmnop0123" | grep -q '"mode"' || fail "?token= refused"
browse 2000 "$dir/tok.html" "?token=abcdefghijklmnop0123"
grep -q 'data-events="[1-9]' "$dir/tok.html" || fail "the page with ?token= got no update"
echo "dashboard: live updates equal to the events and, at the end, to the API; token enforced"
