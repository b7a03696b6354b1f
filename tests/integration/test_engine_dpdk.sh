#!/bin/sh
# The engine receiving MoldUDP64 on DPDK ([feeds] mold_dpdk; a build with
# -Ddpdk=enabled): a generated session published once by osprey-gen --mold
# and captured (--pcap, End of Session included) is fed to the engine
# through DPDK's net_pcap device; its order stream must be exactly that of
# replaying the session's file. Then the mistakes, each a clear error:
# mold_dpdk without mold (a config error: exit 2), and a device EAL cannot
# make (the engine does not start: exit 1).
set -eu
B=${OSPREY_BUILD:?}
S=${OSPREY_SOURCE:?}
dir=$(mktemp -d /tmp/osprey-dpdk-engine.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; for f in "$dir"/*.err; do echo "--- $f"; cat "$f"; done; exit 1; }
json() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$@"; }

"$B/tools/osprey-gen" --seed 11 --messages 60000 -o "$dir/s.itch" >/dev/null
"$B/tools/osprey-replay" --model "$S/models/default.model" --json "$dir/s.itch" >"$dir/file.json"
want=$(json "$dir/file.json" order_hash)
[ "$(json "$dir/file.json" orders)" -gt 0 ] || fail "the file replay sent no orders"
# published to a port nobody reads: only the capture of what was sent matters
"$B/tools/osprey-gen" --mold 127.0.0.1:9 --input "$dir/s.itch" --pcap "$dir/s.pcap" \
	--linger-ms 10 >"$dir/gen.err" 2>&1 || fail "osprey-gen --pcap"

eal="--no-huge -m 256 --no-pci --no-shconf --file-prefix=osprey$$ -l 0"
cat >"$dir/dpdk.ini" <<INI
[feeds]
mold = 127.0.0.1:9
mold_dpdk = $eal --vdev=net_pcap0,rx_pcap=$dir/s.pcap
mold_dpdk_port = net_pcap0
idle_timeout_ms = 10000
[strategy]
model = $S/models/default.model
INI
"$B/tools/osprey-replay" --config "$dir/dpdk.ini" --json >"$dir/dpdk.json" 2>"$dir/dpdk.err" ||
	fail "the engine on DPDK exited $?"
[ "$(json "$dir/dpdk.json" messages)" = 60000 ] || fail "messages: $(json "$dir/dpdk.json" messages)"
got=$(json "$dir/dpdk.json" order_hash)
[ "$got" = "$want" ] || fail "order stream $got, the file's $want"
echo "engine on DPDK (net_pcap): 60000 messages, $(json "$dir/dpdk.json" orders) orders," \
	"the file replay's order stream ($want)"

printf '[feeds]\nmold_dpdk = %s\n[strategy]\nmodel = %s/models/default.model\n' "$eal" "$S" \
	>"$dir/nomold.ini"
rc=0
"$B/tools/osprey-replay" --config "$dir/nomold.ini" >/dev/null 2>"$dir/nomold.err" || rc=$?
[ $rc = 2 ] && grep -q "'feeds.mold_dpdk' needs 'feeds.mold'" "$dir/nomold.err" ||
	fail "mold_dpdk without mold: exit $rc"
sed -i "s|^mold_dpdk = .*|mold_dpdk = $eal --vdev=net_nosuchdriver0|" "$dir/dpdk.ini"
rc=0
"$B/tools/osprey-replay" --config "$dir/dpdk.ini" >/dev/null 2>"$dir/bad.err" || rc=$?
[ $rc = 1 ] && grep -q "dpdk: EAL did not start" "$dir/bad.err" ||
	fail "a device EAL cannot make: exit $rc"
echo "config mistakes: $(grep -o "key 'feeds.mold_dpdk' needs[^)]*)" "$dir/nomold.err");" \
	"$(grep -o "dpdk: EAL did not start.*" "$dir/bad.err" | cut -c1-160)"
