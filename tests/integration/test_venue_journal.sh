#!/bin/sh
# osprey-venue --journal on its own (tools/venue_journal.c): a finished day's
# journal starts a venue whose market is already closed and whose data is all
# published; a damaged tail (a crash of the machine mid-write) is cut off and
# named; a journal of another session is refused by name, not replayed; a
# journal folder that cannot be made is an error naming it. (Restarts under
# SIGKILL with an engine trading: test kill9, KILL=venue.)
set -eu
B=${OSPREY_BUILD:?}
S=${OSPREY_SOURCE:?}
. "$S/tools/free_port.sh"
dir=$(mktemp -d /tmp/osprey-vj.XXXXXX)
trap 'rm -rf "$dir"' EXIT
MOLD=$(free_port)
fail() { echo "FAIL: $*"; for f in "$dir"/*.log; do echo "--- $f"; tail -n 8 "$f"; done; exit 1; }
venue() { # venue LOG MESSAGES [flags]: a generated session, nobody trading
	log=$1 n=$2
	shift 2
	"$B/tools/osprey-venue" --generate --seed 5 --messages "$n" --mold "127.0.0.1:$MOLD" \
		--ouch 127.0.0.1:0 --end-wait-ms 100 --quiet --json --journal "$dir/j" "$@" \
		>"$dir/$log.json" 2>"$dir/$log.log"
}

venue first 20000 || fail "the first run"
[ -s "$dir/j/inputs" ] || fail "no journal written"
grep -q '"restarts":0' "$dir/first.json" || fail "the first run says it restarted"

# again on the finished day: nothing to publish, the market closed as before
venue again 20000 || fail "the run on a finished journal"
grep -q "journal: restarted from 2 records: market data at message 20000 of 20000" \
	"$dir/again.log" || fail "the restart did not replay the whole day"
grep -q "market closed (as before the restart)" "$dir/again.log" ||
	fail "the market did not close as before"
grep -q '"restarts":1' "$dir/again.json" || fail "restarts not counted"

# a torn record at the end: cut off, named, and the rest replayed
size=$(stat -c %s "$dir/j/inputs")
printf '\060\000\000\000\007\000\000\000torn' >>"$dir/j/inputs"
venue torn 20000 || fail "the run on a torn journal"
grep -q "cut a damaged tail of 12 bytes at offset $size" "$dir/torn.log" ||
	fail "the torn tail was not named"
[ "$(stat -c %s "$dir/j/inputs")" -ge "$size" ] || fail "the journal lost its good part"
grep -q "journal: restarted from" "$dir/torn.log" || fail "no replay after the cut"

# another session (a different message count) is refused, by name
rc=0
venue other 20001 || rc=$?
[ "$rc" != 0 ] || fail "a journal of another session was taken"
grep -q "holds the journal of another session (20000 messages" "$dir/other.log" ||
	fail "the refusal does not say why"

# a journal folder that cannot be made
: >"$dir/file"
rc=0
"$B/tools/osprey-venue" --generate --messages 100 --mold "127.0.0.1:$MOLD" --quiet \
	--journal "$dir/file/j" >/dev/null 2>"$dir/nodir.log" || rc=$?
[ "$rc" != 0 ] && grep -q -- "--journal $dir/file/j: Not a directory" "$dir/nodir.log" ||
	fail "a bad journal folder was not named"
echo "venue journal: a finished day restarts closed, a 12-byte torn tail cut, another session refused"
