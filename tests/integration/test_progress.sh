#!/bin/sh
# The progress line. osprey-replay on a terminal (script(1) gives it one)
# draws "replay  N.N% [bar] RATE, ETA m:ss; messages, orders, fills" on
# stderr, redrawn in place with a percentage that only grows, and erases it
# at the end; with --quiet, or when stderr is not a terminal, stderr stays
# empty and stdout is the same report. osprey-venue draws "venue N.N% [bar]
# ... msgs/s; logins, orders, fills" from its own loop, and nothing off a
# terminal; osprey-train "train N.N% [bar] ... rounds/s" per boosting round;
# osprey-train-dqn "dqn N.N% [bar] ... episodes/s; reward, loss" per episode.
set -eu
B=${OSPREY_BUILD:?}
S=${OSPREY_SOURCE:?}
command -v script >/dev/null || { echo "SKIP: script(1) is not installed"; exit 77; }
dir=$(mktemp -d /tmp/osprey-progress.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
"$B/tools/osprey-gen" --seed 5 --messages 100000 -o "$dir/s.itch" >/dev/null
run="$B/tools/osprey-replay --model $S/models/demo.model --speed 3000x --json $dir/s.itch"
# on a terminal: stdout to a file, stderr to the terminal script records
script -qfec "$run >$dir/tty.json" "$dir/tty.log" >/dev/null 2>&1 || fail "the run failed"
tr '\r' '\n' <"$dir/tty.log" | grep -a '^.\[Kreplay ' >"$dir/lines" || fail "no progress line: $(head -c 300 "$dir/tty.log")"
n=$(wc -l <"$dir/lines")
[ "$n" -ge 3 ] || fail "the line was drawn $n times"
grep -Eq 'replay +[0-9]+\.[0-9]% \[[#.]{24}\] [0-9.]+( [kMG])?B/s, ETA [0-9]+:[0-9][0-9]; [0-9]+ messages, [0-9]+ orders, [0-9]+ fills' "$dir/lines" ||
	fail "the line's form: $(tail -1 "$dir/lines")"
# the percentage never goes back, and the last one drawn is well along (the
# run may end between two redraws)
sed -n 's/.*replay *\([0-9.]*\)%.*/\1/p' "$dir/lines" >"$dir/pct"
awk 'NR > 1 && $1 < prev { bad = 1 } { prev = $1 } END { exit bad || prev < 50 }' "$dir/pct" ||
	fail "the percentages: $(tr '\n' ' ' <"$dir/pct")"
last=$(tail -1 "$dir/pct")
# after the last line drawn: the erase (then only script's own trailer)
python3 -c 'import sys; t = open(sys.argv[1], "rb").read(); i = t.rfind(b"fills")
sys.exit(not t[i:].startswith(b"fills\r\x1b[K"))' "$dir/tty.log" || fail "the line was not erased at the end"
# not a terminal, and --quiet on one: nothing on stderr, the same report
$run >"$dir/pipe.json" 2>"$dir/pipe.err" || fail "the piped run failed"
[ ! -s "$dir/pipe.err" ] || fail "stderr without a terminal: $(head -c 200 "$dir/pipe.err")"
script -qfec "$run --quiet >$dir/quiet.json" "$dir/quiet.log" >/dev/null 2>&1 || fail "the quiet run failed"
! grep -aq "$(printf '\033')\[Kreplay " "$dir/quiet.log" || fail "--quiet drew a progress line"
h() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['order_hash'])" "$1"; }
[ "$(h "$dir/tty.json")" = "$(h "$dir/pipe.json")" ] && [ "$(h "$dir/quiet.json")" = "$(h "$dir/pipe.json")" ] ||
	fail "the order stream differs with a progress line"
echo "ok: $n redraws to $last%, erased; none without a terminal or with --quiet; same order stream"

# osprey-venue draws its own from its loop: messages published of the session
. "$S/tools/free_port.sh"
mp=$(free_port)
venue="$B/tools/osprey-venue --generate --messages 100000 --speed 3000x --mold 127.0.0.1:$mp --fix 127.0.0.1:0 --linger-ms 0 --end-wait-ms 0"
script -qfec "$venue >/dev/null" "$dir/venue.log" >/dev/null 2>&1 || fail "the venue failed"
tr '\r' '\n' <"$dir/venue.log" | grep -a '^.\[Kvenue ' >"$dir/vlines" || fail "no venue progress line"
grep -Eq 'venue +[0-9]+\.[0-9]% \[[#.]{24}\] [0-9.]+( [kMG])? msgs/s, ETA [0-9]+:[0-9][0-9]; 0 logins, 0 orders, 0 fills' "$dir/vlines" ||
	fail "the venue's line: $(tail -1 "$dir/vlines")"
$venue >/dev/null 2>"$dir/venue.err" || fail "the piped venue failed"
! grep -aq "$(printf '\033')\[K" "$dir/venue.err" || fail "the venue drew a line off a terminal"
echo "ok: the venue's line, $(wc -l <"$dir/vlines") redraws; none off a terminal"

# osprey-train (built with XGBoost): boosting rounds, from its own loop
if [ -x "$B/tools/osprey-train" ]; then
	train="$B/tools/osprey-train --kind gbtree --itch $dir/s.itch --trees 300 -o $dir/m.otree"
	script -qfec "$train >/dev/null" "$dir/train.log" >/dev/null 2>&1 || fail "training failed"
	tr '\r' '\n' <"$dir/train.log" | grep -Eaq '^.\[Ktrain +[0-9]+\.[0-9]% \[[#.]{24}\] [0-9.]+( [kMG])? rounds/s, ETA [-0-9:]+; gbtree on [0-9]+ rows' ||
		fail "no training line: $(tr '\r' '\n' <"$dir/train.log" | grep -a train | tail -1)"
	script -qfec "$train --quiet >/dev/null" "$dir/trainq.log" >/dev/null 2>&1 || fail "quiet training failed"
	! grep -aq "$(printf '\033')\[Ktrain " "$dir/trainq.log" || fail "--quiet drew a training line"
	echo "ok: osprey-train's line; none with --quiet"
fi
# osprey-train-dqn: episodes, between its per-episode lines on stdout
dqn="$B/tools/osprey-train-dqn --itch $dir/s.itch --every-event --episodes 6 --steps 8000 -o $dir/p.onn"
script -qfec "$dqn" "$dir/dqn.log" >/dev/null 2>&1 || fail "dqn training failed"
tr '\r' '\n' <"$dir/dqn.log" | grep -Eaq '^.\[Kdqn +[0-9]+\.[0-9]% \[[#.]{24}\] [0-9.]+( [kMG])? episodes/s, ETA [-0-9:]+; reward [-0-9.]+, loss [0-9.]+' ||
	fail "no dqn line: $(tr '\r' '\n' <"$dir/dqn.log" | grep -a dqn | tail -2)"
[ "$(tr '\r' '\n' <"$dir/dqn.log" | grep -ac 'episode  *[1-6]  steps')" -eq 6 ] ||
	fail "the episode lines: $(grep -a episode "$dir/dqn.log" | head -3)"
$dqn >"$dir/dqn.out" 2>"$dir/dqn.err" || fail "dqn off a terminal failed"
[ ! -s "$dir/dqn.err" ] || fail "dqn's stderr off a terminal: $(head -c 200 "$dir/dqn.err")"
echo "ok: osprey-train-dqn's line between its episode lines; none off a terminal"
