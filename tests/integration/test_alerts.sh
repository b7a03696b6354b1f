#!/bin/sh
# Alerts ([alerts] webhook) against a local HTTP receiver: the engine daemon
# trades a generated session; `osprey-ctl kill`, `resume` and three mode
# changes, given faster than alerts may go, each reach the receiver as one JSON
# body (event, severity, text, UTC time), in order, never closer together than
# min_interval_ms; a receiver that answers
# 500 is counted as failed in status. Then with telegram_chat the body is the
# Telegram Bot API sendMessage shape. And [engine] log: the same events as
# structured lines, the file reopened on SIGHUP (rotation).
set -eu
B=${OSPREY_BUILD:?}
S=${OSPREY_SOURCE:?}
dir=$(mktemp -d /tmp/osprey-alerts-test.XXXXXX)
. "$S/tests/integration/ctl_lib.sh"

# the receiver: one line per POST (monotonic time, path, body); a path ending
# in /fail answers 500; it picks its own port and writes it down
python3 - "$dir" <<'PY' &
import http.server, json, sys, time
d = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(d + "/posts.txt", "a") as f:
            f.write("%.3f %s %s %s\n" % (time.monotonic(), self.path,
                    self.headers.get("Content-Type"), body.decode()))
        self.send_response(500 if self.path.endswith("/fail") else 200)
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(d + "/port", "w").write(str(s.server_address[1]))
s.timeout = 0.2
end = time.monotonic() + 100
while time.monotonic() < end:
    s.handle_request()
PY
peers=$!
i=0
while [ ! -s "$dir/port" ]; do i=$((i + 1)); [ $i -lt 100 ] || fail "no receiver"; sleep 0.05; done
port=$(cat "$dir/port")

session 7 100000
conf() { # PATH [extra alerts lines]
	engine_ini 20x "" "[alerts]
webhook = http://127.0.0.1:$port$1
min_interval_ms = 300
$2"
}
posts() { [ -f "$dir/posts.txt" ] || { echo 0; return; }; grep -c " $1 " "$dir/posts.txt" || true; }
wait_posts() { # PATH N
	i=0
	while [ "$(posts "$1")" -lt "$2" ]; do
		i=$((i + 1)); [ $i -lt 200 ] || fail "$(posts "$1") posts to $1, want $2"; sleep 0.05
	done
}

conf /hook ""
start "$dir/engine.ini"
ctl kill >/dev/null
ctl resume >/dev/null
ctl mode reducing >/dev/null
ctl mode halted >/dev/null
ctl mode active >/dev/null
wait_posts /hook 5
python3 - "$dir/posts.txt" <<'PY' || fail "the alert bodies"
import json, sys, re
rows = [l.split(" ", 3) for l in open(sys.argv[1]) if " /hook " in l]
bodies = [json.loads(r[3]) for r in rows]
events = [b["event"] for b in bodies]
assert events[:2] == ["kill", "resume"], events
assert events.count("mode") == 3, events
assert all(r[2] == "application/json" for r in rows)
for b in bodies:
    assert b["source"] == "osprey" and b["severity"] in ("info", "warning", "critical"), b
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", b["ts"]), b
assert bodies[0]["severity"] == "critical", bodies[0]
assert re.match(r"live -> killed \(uid \d+\)$", bodies[0]["text"]), bodies[0]
assert re.match(r"killed -> live \(uid \d+\)$", bodies[1]["text"]), bodies[1]
modes = [re.match(r"(\w+) -> (\w+) \(uid \d+\)$", b["text"]).groups()
         for b in bodies if b["event"] == "mode"]
assert modes == [("active", "reducing"), ("reducing", "halted"), ("halted", "active")], modes
assert [b["severity"] for b in bodies if b["event"] == "mode"] == ["info", "warning", "info"]
t = [float(r[0]) for r in rows]
gaps = [b - a for a, b in zip(t, t[1:])]
assert min(gaps) >= 0.29, gaps  # min_interval_ms = 300
print("ok: %d alerts, %s; closest %.0f ms apart" % (len(bodies), events, 1000 * min(gaps)))
PY
ctl status | grep -q "^alerts: [0-9]* events, 5 sent, 0 failed" || fail "status: $(ctl status | grep '^alerts')"
kill -TERM "$pid"; wait "$pid" || true; pid=""

# a receiver that refuses: counted, named
conf /fail ""
start "$dir/engine.ini"
ctl kill >/dev/null
wait_posts /fail 1
sleep 0.2
ctl status | grep -q "^alerts: .* 0 sent, 1 failed, 0 dropped; last error: HTTP 500" ||
	fail "a refused post: $(ctl status | grep '^alerts')"
ctl resume >/dev/null
kill -TERM "$pid"; wait "$pid" || true; pid=""
echo "ok: a post answered 500 is counted as failed, with the status"

# Telegram's sendMessage shape
conf /bot123:TOKEN/sendMessage "telegram_chat = -100123456"
start "$dir/engine.ini"
ctl kill >/dev/null
wait_posts /bot123:TOKEN/sendMessage 1
python3 -c '
import json, sys
rows = [l.rstrip("\n").split(" ", 3) for l in open(sys.argv[1]) if " /bot123:TOKEN/sendMessage " in l]
b = json.loads(rows[0][3])
assert set(b) == {"chat_id", "text"} and b["chat_id"] == "-100123456", b
assert b["text"].startswith("osprey kill (critical, ") and "): live -> killed" in b["text"], b
print("ok: telegram body", b)' "$dir/posts.txt" || fail "the Telegram body"
ctl resume >/dev/null
kill -TERM "$pid"; wait "$pid" || true; pid=""

# the structured log ([engine] log): one line per event, rotated on SIGHUP
engine_ini 20x "log = $dir/engine.log"
start "$dir/engine.ini"
ctl kill >/dev/null
ctl resume >/dev/null
i=0
until [ "$(grep -c . "$dir/engine.log" 2>/dev/null || true)" -ge 2 ]; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "the log has not 2 lines: $(cat "$dir/engine.log")"; sleep 0.05
done
mv "$dir/engine.log" "$dir/engine.log.1"
kill -HUP "$pid"
ctl mode halted >/dev/null
i=0
until [ -s "$dir/engine.log" ]; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "no new log after SIGHUP"; sleep 0.05
done
kill -0 "$pid" || fail "SIGHUP stopped the engine"
re='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z (INFO|WARN|ERROR) [a-z]+ '
grep -Eq "${re}kill: live -> killed \(uid [0-9]+\)$" "$dir/engine.log.1" || fail "log: $(cat "$dir/engine.log.1")"
grep -Eq "^[^ ]+ ERROR risk kill: " "$dir/engine.log.1" || fail "kill is not an ERROR of risk"
grep -Eq "${re}resume: killed -> live" "$dir/engine.log.1" || fail "no resume line"
grep -Eq "^[^ ]+ WARN risk mode: active -> halted" "$dir/engine.log" || fail "rotated log: $(cat "$dir/engine.log")"
grep -q "mode:" "$dir/engine.log.1" && fail "a line after SIGHUP went to the old file"
echo "ok: the log's lines (UTC us, level, component, event), reopened on SIGHUP"
ctl mode active >/dev/null
