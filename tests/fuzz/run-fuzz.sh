#!/bin/sh
# usage: run-fuzz.sh FUZZER SECONDS SEED_FILE...
# Builds a temporary corpus from the seed files (each whole file, plus its
# first 4 KiB and a few 512-byte slices, since libFuzzer works on small
# inputs) and runs the libFuzzer binary for SECONDS. Exit 0 when it ran clean.
set -eu
fuzzer=$1
secs=$2
shift 2
corpus=$(mktemp -d /tmp/osprey-fuzz.XXXXXX)
trap 'rm -rf "$corpus"' EXIT
i=0
for f in "$@"; do
	[ -r "$f" ] || continue
	i=$((i + 1))
	head -c 4096 "$f" >"$corpus/seed$i-head"
	size=$(stat -c %s "$f")
	for off in 1000 20000 100000 400000; do
		[ "$off" -lt "$size" ] || continue
		tail -c +"$off" "$f" | head -c 512 >"$corpus/seed$i-$off"
	done
done
[ "$i" -gt 0 ] || { echo "no seed files readable: skip"; exit 77; }
"$fuzzer" -max_total_time="$secs" -max_len=4096 -print_final_stats=1 "$corpus" 2>&1 | tail -n 15
