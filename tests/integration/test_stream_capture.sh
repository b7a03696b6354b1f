#!/bin/sh
# A large day file is read in windows ([feeds] stream_window_mb): the aux
# thread pages the next windows in ahead of the feeds stage and drops what is
# behind it, so the engine's peak resident memory does not grow with the
# file. A 1,000,000-message capture (about 31 MiB) replayed with 1 MiB
# windows must peak at least 60% of the file below the same replay with the
# file read in whole, and trade exactly the same (order hash, fills).
set -eu
B=${OSPREY_BUILD:?}
S=${OSPREY_SOURCE:?}
dir=$(mktemp -d /tmp/osprey-stream.XXXXXX)
trap 'rm -rf "$dir"' EXIT
"$B/tools/osprey-gen" --seed 9 --messages 1000000 -o "$dir/big.itch" >/dev/null
for w in 0 1; do
	printf '[feeds]\nstream_window_mb = %s\nstream_min_mb = 4\n' "$w" >"$dir/w$w.ini"
done
python3 - "$B/tools/osprey-replay" "$S/models/default.model" "$dir" <<'PY'
import json, os, resource, subprocess, sys
replay, model, d = sys.argv[1:]
size = os.path.getsize(d + "/big.itch")
runs = {}
for w in (0, 1):
    # a child of its own per run, so RUSAGE_CHILDREN is that run's peak
    code = ("import resource,subprocess,sys; p=subprocess.run(sys.argv[1:], capture_output=True);"
            "sys.stdout.write(p.stdout.decode()); sys.stderr.write(p.stderr.decode());"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr);"
            "sys.exit(p.returncode)")
    p = subprocess.run([sys.executable, "-c", code, replay, "--config", "%s/w%d.ini" % (d, w),
                        "--model", model, "--json", d + "/big.itch"], capture_output=True)
    assert p.returncode == 0, p.stderr.decode()
    rss_kb = int(p.stderr.decode().split()[-1])
    runs[w] = (json.loads(p.stdout), rss_kb)
whole, windowed = runs[0], runs[1]
saved = (whole[1] - windowed[1]) * 1024
print("peak RSS: file read in whole %d KiB, in 1 MiB windows %d KiB: %.1f MiB less (file %.1f MiB)"
      % (whole[1], windowed[1], saved / 2**20, size / 2**20))
for k in ("messages", "order_hash", "fills", "orders"):
    assert whole[0][k] == windowed[0][k], (k, whole[0][k], windowed[0][k])
assert saved > 0.6 * size, "windows saved too little"
print("ok: same trading (order hash %s), the file's pages not kept" % whole[0]["order_hash"])
PY
