#!/bin/sh
# Bad flags and values are refused with one line naming the flag (or file
# and line) and a non-zero exit, never run anyway: speeds out of range (0x,
# 1e-9x used to overflow the pacing's cast and run at full speed), cpu lists
# that are not numbers, unknown flags, a bad [risk] value in a config, an
# empty capture (it used to replay nothing and exit 0).
set -eu
B=${OSPREY_BUILD:?}
dir=$(mktemp -d /tmp/osprey-bad-flags.XXXXXX)
trap 'rm -rf "$dir"' EXIT
"$B/tools/osprey-gen" --seed 5 --messages 2000 -o "$dir/s.itch" >/dev/null
n=0
refuse() { # WANT ARGS...: a non-zero exit and WANT in the one-line message
	want=$1
	shift
	if "$B/tools/osprey-replay" "$@" "$dir/s.itch" >"$dir/out" 2>"$dir/err"; then
		echo "FAIL: accepted: $*"; exit 1
	fi
	grep -q -- "$want" "$dir/err" || { echo "FAIL: $*: no '$want' in: $(cat "$dir/err")"; exit 1; }
	n=$((n + 1))
}
refuse "--speed: '0x'" --speed 0x
refuse "--speed: '0.000000001x'" --speed 0.000000001x
refuse "--speed: '1e10x'" --speed 1e10x
refuse "--speed: 'fast'" --speed fast
refuse "--cpus: 'abc'" --cpus abc
refuse "--cpus: '1,x'" --cpus 1,x
refuse "unknown option '--nope'" --nope
printf '[risk]\ncapital = 12.345678\n' >"$dir/bad.ini"
refuse "bad.ini:2: key 'risk.capital'" --config "$dir/bad.ini"
printf '[risk]\ndrawdown_tiers = 5,10,15\ntier1_size_factor = 0\n' >"$dir/bad2.ini"
refuse "bad2.ini:3: key 'risk.tier1_size_factor'" --config "$dir/bad2.ini"
printf '[risk]\ndrawdown_tiers = 5,10,15\n' >"$dir/bad3.ini"
refuse "drawdown_tiers need capital" --config "$dir/bad3.ini"
: >"$dir/empty.itch"
if "$B/tools/osprey-replay" "$dir/empty.itch" >"$dir/out" 2>"$dir/err"; then
	echo "FAIL: an empty capture replayed with exit 0"; exit 1
fi
grep -q "empty.itch: empty file" "$dir/err" || { echo "FAIL: empty capture: $(cat "$dir/err")"; exit 1; }
if "$B/tools/osprey-feedcat" "$dir/empty.itch" >"$dir/out" 2>"$dir/err"; then
	echo "FAIL: osprey-feedcat took an empty capture"; exit 1
fi
grep -q "empty.itch: empty file" "$dir/err" || { echo "FAIL: feedcat: $(cat "$dir/err")"; exit 1; }
n=$((n + 2))
# and a good pace is taken
"$B/tools/osprey-replay" --speed 0.001x --help >/dev/null
echo "ok: $n bad flags and values refused, each named"
