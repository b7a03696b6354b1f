#!/bin/sh
# A store that falls behind (every fsync / fdatasync / msync 300 ms slower,
# through an LD_PRELOAD shim; rings of 64 slots, so exec's ring toward the
# store holds 256 records) never loses a record:
#   persist_full = wait (the default): the pipeline waits for the store; the
#     run's order stream and the journal's record count equal those of the
#     same run on a fast disk, and the report counts the waits;
#   persist_full = halt: the first full ring halts trading with a cancel-all
#     (the failure names the persist ring), no order leaves after it, the run
#     exits non-zero, and every record made is still stored.
# The risk model refreshes once an (event-time) hour here: it shares the aux
# thread with the store's writer, and the pipeline waits for each refresh,
# so with the default interval a slow disk throttles trading through it
# before the ring can fill.
set -eu
B=${OSPREY_BUILD:?}
S=${OSPREY_SOURCE:?}
SHIM=${1:?the slow_disk shim}
dir=$(mktemp -d /tmp/osprey-persist-slow.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; tail -5 "$dir/err" 2>/dev/null; exit 1; }
"$B/tools/osprey-gen" --seed 42 --messages 150000 -o "$dir/s.itch" >/dev/null
ini() { # ini DB [persist_full]
	cat <<INI
[feeds]
files = $dir/s.itch
[strategy]
model = $S/models/demo.model
[risk]
model_interval_ms = 3600000
[engine]
ring_capacity = 64
db = $1
INI
	[ -z "${2:-}" ] || echo "persist_full = $2"
}
# an ASan build's runtime must be first in the list; the shim has none
export OSPREY_SLOW_SYNC_US=${OSPREY_SLOW_SYNC_US:-300000}
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"
field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

ini "$dir/fast" >"$dir/fast.ini"
"$B/tools/osprey-replay" --config "$dir/fast.ini" --json "$dir/s.itch" >"$dir/fast.json" 2>"$dir/err" ||
	fail "the fast run failed"
ini "$dir/slow" wait >"$dir/slow.ini"
LD_PRELOAD=$SHIM "$B/tools/osprey-replay" --config "$dir/slow.ini" --json "$dir/s.itch" \
	>"$dir/slow.json" 2>"$dir/err" || fail "the slow run failed"
fw=$(field "$dir/fast.json" 'd["persist_waits"]')
sw=$(field "$dir/slow.json" 'd["persist_waits"]')
[ "$sw" -gt 0 ] || fail "the slow disk never filled the ring (waits: $sw)"
for k in '["order_hash"]' '["persist"]["journal"]' '["persist"]["orders"]' '["orders"]' '["fills"]'; do
	a=$(field "$dir/fast.json" "d$k") b=$(field "$dir/slow.json" "d$k")
	[ "$a" = "$b" ] || fail "$k: $a on a fast disk, $b on a slow one"
done
echo "wait: $sw polls found the ring full (fast disk: $fw); $(field "$dir/slow.json" 'd["persist"]["journal"]') records, the same as on a fast disk, same order stream"

ini "$dir/halt" halt >"$dir/halt.ini"
if LD_PRELOAD=$SHIM "$B/tools/osprey-replay" --config "$dir/halt.ini" --json \
	--orders "$dir/orders.csv" "$dir/s.itch" >"$dir/halt.json" 2>"$dir/err"; then
	fail "exit 0 after persist_full = halt fired"
fi
grep -q "stage persist-ring: No buffer space available; trading halted" "$dir/err" ||
	fail "the failure does not name the persist ring"
python3 - "$dir/orders.csv" "$dir/halt.json" <<'PY' || fail "orders after the halt, or records lost"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
run = json.load(open(sys.argv[2]))
fault = [i for i, r in enumerate(rows) if r["event"] == "mode" and r["reason"].startswith("fault:")]
assert fault, "no fault transition"
late = [r for r in rows[fault[0]:] if r["event"] in ("new", "exit", "flatten")]
assert not late, late[:3]
assert run["persist_waits"] > 0
p = run["persist"]
assert p["eof"] and p["error"] == 0, p  # the end read: every record before it stored
print("halt: %d orders before the ring filled, none after; %d records stored, none waiting"
      % (sum(1 for r in rows[:fault[0]] if r["event"] == "new"), p["journal"]))
PY
