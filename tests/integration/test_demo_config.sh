#!/bin/sh
# make demo's own config (tools/demo.ini, every key documented there) is
# accepted as shipped and runs the engine: a short generated session through
# it sends orders and ends cleanly. (A key the parser misreads breaks make demo
# on a fresh machine; this is the test that sees it first.)
set -eu
B=${OSPREY_BUILD:?}
S=${OSPREY_SOURCE:?}
dir=$(mktemp -d /tmp/osprey-demo-test.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; cat "$dir/err" 2>/dev/null; exit 1; }
"$B/tools/osprey-gen" --seed 42 --messages 30000 -o "$dir/s.itch" >/dev/null
cd "$S" # demo.ini names its model relative to the source tree, as make demo runs it
"$B/tools/osprey-replay" --config tools/demo.ini --db "$dir/db" --fresh --json "$dir/s.itch" \
	>"$dir/out.json" 2>"$dir/err" || fail "osprey-replay --config tools/demo.ini: exit $?"
orders=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['orders'])" "$dir/out.json")
[ "$orders" -gt 0 ] || fail "the demo config sent no orders"
echo "ok: tools/demo.ini runs the engine ($orders orders on 30000 generated messages)"
