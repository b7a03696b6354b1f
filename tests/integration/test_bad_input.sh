#!/bin/sh
# Bad input, end to end: every program that reads a file is given an empty
# file, a truncated one, garbage, a missing path and a directory (and a
# config that is garbage), and must exit non-zero within 20 s with a message
# that names the file: never exit 0, never a signal (a crash), never a hang.
# One line per case; the failures are listed together at the end.
set -u
B=${OSPREY_BUILD:?}
S=${OSPREY_SOURCE:?}
dir=$(mktemp -d /tmp/osprey-bad-input.XXXXXX)
trap 'rm -rf "$dir"' EXIT
T=$B/tools
"$T/osprey-gen" --seed 5 --messages 3000 -o "$dir/good.itch" >/dev/null || exit 1

# the bad files, named for what they are
: >"$dir/empty.dat"
head -c 1001 "$dir/good.itch" >"$dir/truncated.dat"           # cut inside a message
head -c 3000 /dev/urandom | base64 >"$dir/garbage.dat"        # text, no frames
head -c 3000 /dev/urandom >"$dir/binary.dat"                   # random bytes
mkdir "$dir/adir.dat"
printf 'open,high\n1,2,3\nx\n' >"$dir/badrows.dat"          # a CSV with broken rows
bad="empty.dat truncated.dat garbage.dat binary.dat missing.dat adir.dat badrows.dat"

cases=0 fails=0 failed=""
check() { # NAME FILE CMD...: run it, judge it
	name=$1 file=$2
	shift 2
	cases=$((cases + 1))
	rc=0
	timeout -s KILL 20 "$@" >"$dir/out" 2>"$dir/err" </dev/null || rc=$?
	why=""
	if [ $rc = 0 ]; then
		why="exit 0"
	elif [ $rc = 137 ]; then
		why="hung (killed after 20 s)"
	elif [ $rc -ge 128 ]; then
		why="killed by signal $((rc - 128))"
	elif ! grep -q "$file" "$dir/err"; then
		why="exit $rc, stderr does not name $file: $(head -c 200 "$dir/err" | tr '\n' ' ')"
	fi
	if [ -n "$why" ]; then
		fails=$((fails + 1))
		failed="$failed
  $name $file: $why"
		echo "FAIL $name $file: $why"
	else
		echo "ok   $name $file: exit $rc: $(head -n 1 "$dir/err" | cut -c1-150)"
	fi
}

for f in $bad; do
	p=$dir/$f
	check osprey-replay "$f" "$T/osprey-replay" --model "$S/models/default.model" "$p"
	check osprey-feedcat "$f" "$T/osprey-feedcat" "$p"
	check osprey-indicators "$f" "$T/osprey-indicators" "$p"
	if [ -x "$T/osprey-train" ]; then
		check "osprey-train --itch" "$f" "$T/osprey-train" --kind gbtree --itch "$p" -o "$dir/m.otree"
		check "osprey-train --csv" "$f" "$T/osprey-train" --kind gbtree --csv "$p" -o "$dir/m.otree"
	fi
	check osprey-train-dqn "$f" "$T/osprey-train-dqn" --itch "$p" -o "$dir/p.onn"
	check "osprey-model info" "$f" "$T/osprey-model" info --model "$p"
	check "osprey-model predict" "$f" "$T/osprey-model" predict --model "$S/models/trees_amzn.otree" --csv "$p"
	check "osprey-model import" "$f" "$T/osprey-model" import --json "$p" -o "$dir/i.otree"
	check osprey-venue "$f" "$T/osprey-venue" --itch "$p" --mold 127.0.0.1:9
	check "osprey-gen --input" "$f" "$T/osprey-gen" --input "$p" --mold 127.0.0.1:9
	check "osprey (config)" "$f" "$T/osprey" "$p"
	check "osprey-replay --config" "$f" "$T/osprey-replay" --config "$p" --model "$S/models/default.model" "$dir/good.itch"
	check "osprey-replay --model" "$f" "$T/osprey-replay" --model "$p" "$dir/good.itch"
	check "osprey-ctl --socket" "$f" "$T/osprey-ctl" --socket "$p" status
done
echo "$cases cases, $fails failed"
[ $fails = 0 ] || { echo "failed:$failed"; exit 1; }
