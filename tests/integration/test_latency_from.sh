#!/bin/sh
# --latency-from: the simulated venue's latency drawn from a recorded one.
# A run's own latency log (--hlog) is read back (its tick_to_order, said in
# the report). A second log is written here by an independent encoder (the
# HdrHistogram V2 format in Python: bucket index, ZigZag LEB128 with zero
# runs, zlib, base64) with latencies of 1 to 80 ms, long against the
# session's gaps between events: replays drawing from it are deterministic
# (the same seed twice: the same fills), differ from the constant 20 us and
# with the seed; a log without the tag, or one that is not a log, is refused
# naming why.
set -eu
B=${OSPREY_BUILD:?}
S=${OSPREY_SOURCE:?}
dir=$(mktemp -d /tmp/osprey-latfrom.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
"$B/tools/osprey-gen" --seed 9 --messages 100000 -o "$dir/s.itch" >/dev/null
run() { "$B/tools/osprey-replay" --model "$S/models/demo.model" --quiet --json "$@" "$dir/s.itch"; }
hash() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['order_hash'])" "$1"; }
run --hlog "$dir/rec.hlog" >"$dir/const.json" || fail "the recording run"
run --latency-from "$dir/rec.hlog:tick_to_order" >"$dir/own.json" || fail "drawing from its own log"
python3 - "$dir/wide.hlog" <<'PY' || fail "writing the wide log"
import base64, random, struct, sys, zlib
def index(v):  # HdrHistogram's, for lowest 1 and 3 digits: 2048 sub-buckets
    b = (v | 2047).bit_length() - 1 - 10
    return (b + 1) * 1024 + ((v >> b) - 1024)
def zz(v):
    v = (v << 1) ^ (v >> 63)
    out = bytearray()
    for _ in range(8):
        if v >> 7 == 0:
            out.append(v); return bytes(out)
        out.append((v & 0x7f) | 0x80); v >>= 7
    out.append(v & 0xff); return bytes(out)
random.seed(5)
counts = {}
for _ in range(5000):
    i = index(random.randint(1000000, 80000000))
    counts[i] = counts.get(i, 0) + 1
body, i, top = b"", 0, max(counts)
while i <= top:
    if counts.get(i):
        body += zz(counts[i]); i += 1; continue
    z = 0
    while i <= top and not counts.get(i):
        z += 1; i += 1
    body += zz(-z if z > 1 else 0)
raw = struct.pack(">IIIIqqd", 0x1c849313, len(body), 0, 3, 1, 60000000000, 1.0) + body
comp = zlib.compress(raw)
blob = struct.pack(">II", 0x1c849314, len(comp)) + comp
with open(sys.argv[1], "w") as f:
    f.write("#[an independent V2 encoding]\n\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n")
    f.write("Tag=wide,0.000,1.000,80.000," + base64.b64encode(blob).decode() + "\n")
PY
run --latency-from "$dir/wide.hlog:wide" >"$dir/a.json" || fail "sampled run"
run --latency-from "$dir/wide.hlog:wide" >"$dir/b.json" || fail "sampled run again"
run --latency-from "$dir/wide.hlog:wide" --latency-seed 7 >"$dir/c.json" || fail "another seed"
fills() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['backtest']['fills'])" "$1" | cksum; }
[ "$(fills "$dir/a.json")" = "$(fills "$dir/b.json")" ] && [ "$(hash "$dir/a.json")" = "$(hash "$dir/b.json")" ] ||
	fail "the same seed gave two runs"
[ "$(fills "$dir/a.json")" != "$(fills "$dir/const.json")" ] || fail "1-80 ms latency filled as the constant 20 us"
[ "$(fills "$dir/a.json")" != "$(fills "$dir/c.json")" ] || fail "the seed changes nothing"
python3 - "$dir" <<'PY' || fail "the reports"
import json, re, sys
d = sys.argv[1]
own = json.load(open(d + "/own.json"))["run_info"]["config"]["venue_latency"]
rec = json.load(open(d + "/const.json"))
n = rec["tick_to_order_ns"]["count"]
assert own.startswith("sampled from %s/rec.hlog (tag tick_to_order: 1 intervals, %d values, p50 " % (d, n)), own
a = json.load(open(d + "/a.json"))["run_info"]["config"]["venue_latency"]
m = re.match(r"sampled from .*/wide.hlog \(tag wide: 1 intervals, 5000 values, p50 (\d+) ns, p99 (\d+) ns, max (\d+) ns\), seed 1$", a)
assert m, a
p50, p99, mx = map(int, m.groups())
assert 35e6 < p50 < 46e6 and 75e6 < p99 <= mx < 81e6, (p50, p99, mx)  # uniform 1..80 ms
c = rec["run_info"]["config"]["venue_latency"]
assert c == "constant 20000 ns", c
PY
if run --latency-from "$dir/rec.hlog:nosuch" >/dev/null 2>"$dir/err"; then fail "a missing tag was accepted"; fi
grep -q "rec.hlog: no interval tagged nosuch (tags: feeds,features,model,risk,exec,tick_to_order" "$dir/err" ||
	fail "the missing tag's error: $(cat "$dir/err")"
printf 'Tag=tick_to_wire,0.0,1.0,0.1,not-base64\n' >"$dir/bad.hlog"
if run --latency-from "$dir/bad.hlog" >/dev/null 2>"$dir/err"; then fail "a bad log was accepted"; fi
grep -q "bad.hlog:1: tag tick_to_wire: bad base64" "$dir/err" || fail "the bad log's error: $(cat "$dir/err")"
echo "latency-from: deterministic per seed, follows the distribution, said in the report; bad logs named"
