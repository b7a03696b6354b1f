#!/bin/sh
# Run every test suite in build dir $1 and print the plain summary line
# "N passed, N failed, N skipped". Exit non-zero if anything failed.
build=${1:-build}
[ $# -gt 0 ] && shift
log=$build/meson-logs/testlog.json
rm -f "$log"
meson test -C "$build" --print-errorlogs --num-processes 2 "$@" >"$build/test-output.txt" 2>&1
rc=$?
cat "$build/test-output.txt" | grep -vE '^(Ok|Expected Fail|Fail|Unexpected Pass|Skipped|Timeout): '
passed=$(grep -cE '"result": "(OK|EXPECTEDFAIL)"' "$log")
failed=$(grep -cE '"result": "(FAIL|UNEXPECTEDPASS|TIMEOUT|ERROR)"' "$log")
skipped=$(grep -cE '"result": "SKIP"' "$log")
echo "$passed passed, $failed failed, $skipped skipped"
[ "$rc" = 0 ] && [ "$failed" = 0 ]
