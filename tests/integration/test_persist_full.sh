#!/bin/sh
# A database that fills up (an LMDB map of 96 KiB, not allowed to grow)
# halts trading, not the engine: risk moves to HALTED with a cancel-all (cause "fault"), no new order
# leaves after it, the failure and the records not stored are reported, the
# control socket keeps answering (status says FAILED), and the exit code says
# it failed. (It used to stop the aux thread: no control, no telemetry, the
# engine trading on with no record, and a SIGTERM that never ended.)
set -eu
B=${OSPREY_BUILD:?}
S=${OSPREY_SOURCE:?}
dir=$(mktemp -d /tmp/osprey-persist-full.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; cat "$dir/err" 2>/dev/null | head -5; exit 1; }
"$B/tools/osprey-gen" --seed 42 --messages 200000 -o "$dir/s.itch" >/dev/null
cat >"$dir/engine.ini" <<INI
[feeds]
files = $dir/s.itch
[strategy]
model = $S/models/demo.model
[engine]
db = $dir/db
db_map_kb = 96
db_map_max_kb = 96
INI
if "$B/tools/osprey-replay" --config "$dir/engine.ini" --orders "$dir/orders.csv" --json \
	"$dir/s.itch" >"$dir/out.json" 2>"$dir/err"; then
	fail "exit 0 after the database filled up"
fi
grep -q "persistence failed: .*MDB_MAP_FULL.*trading was halted" "$dir/err" || fail "no report"
python3 - "$dir/orders.csv" "$dir/out.json" <<'PY' || fail "orders after the fault"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
run = json.load(open(sys.argv[2]))
fault = [i for i, r in enumerate(rows) if r["event"] == "mode" and r["reason"].startswith("fault:")]
assert fault, "no fault transition"
assert rows[fault[0]]["reason"].endswith("->halted"), rows[fault[0]]
ca = [r for r in rows[fault[0]:] if r["event"] == "cancel_all" and r["reason"] == "fault"]
assert ca, "no cancel-all for the fault"
late = [r for r in rows[fault[0]:] if r["event"] in ("new", "exit", "flatten")]
assert not late, late[:3]
assert run["rejects_by_reason"]["halted_mode"] > 0, run["rejects_by_reason"]
assert run["risk"]["tier"] == 5, run["risk"]
before = sum(1 for r in rows[:fault[0]] if r["event"] == "new")
assert before > 0
print("ok: %d orders before the database filled, none after; halted with a cancel-all" % before)
PY

# the daemon: the control socket still answers after the failure
sed -e 's/^db = .*/db = DB2/' -e "s|DB2|$dir/db2|" "$dir/engine.ini" >"$dir/daemon.ini"
sed -i "s|^files = .*|files = $dir/s.itch\nspeed = 300x|" "$dir/daemon.ini"
printf 'control_socket = %s\n' "$dir/ctl.sock" >>"$dir/daemon.ini"
"$B/tools/osprey" "$dir/daemon.ini" >"$dir/d.out" 2>&1 &
pid=$!
i=0
until "$B/tools/osprey-ctl" --socket "$dir/ctl.sock" status >"$dir/status" 2>/dev/null &&
	grep -q '^persistence: FAILED' "$dir/status"; do
	i=$((i + 1)); [ $i -lt 400 ] || fail "no failure reported in status"; sleep 0.1
done
grep -q '^mode: halted' "$dir/status" || fail "status: $(cat "$dir/status")"
kill -TERM "$pid"
if wait "$pid"; then fail "daemon exit 0 after the failure"; fi
pid=""
echo "ok: the daemon answered with the failure in status, and stopped on SIGTERM"

# the same 96 KiB map allowed to grow (db_map_max_kb at its default, 64 GiB):
# the whole session is stored, nothing fails
grep -v '^db_map_max_kb' "$dir/engine.ini" | sed "s|^db = .*|db = $dir/db3|" >"$dir/grow.ini"
"$B/tools/osprey-replay" --config "$dir/grow.ini" --json "$dir/s.itch" >"$dir/grow.json" \
	2>"$dir/err" || fail "a growing map failed"
[ "$(du -k "$dir/db3/data.mdb" | cut -f1)" -gt 96 ] || fail "the map did not grow past 96 KiB"
echo "ok: a 96 KiB map allowed to grow stores the whole session ($(du -k "$dir/db3/data.mdb" | cut -f1) KiB)"
