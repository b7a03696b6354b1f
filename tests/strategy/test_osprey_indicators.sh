#!/bin/sh
# osprey-indicators on the oracle inputs gives the golden files byte for byte
# (batch and --streaming), and malformed CSVs are refused with
# "FILE:LINE:COLUMN: what" and exit 1.
# usage: test_osprey_indicators.sh PATH/TO/osprey-indicators
set -eu
T=${1:?tool path}
S=${OSPREY_SHARED:-}
dir=$(mktemp -d /tmp/osprey-indicators-test.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# malformed input first (needs no shared data)
printf 'time,open,high,low,close,volume\n09:30,1,2,0.5,1.5,100\n09:31,1,2,x1,1.5,100\n' >"$dir/nonnum.csv"
printf 'time,open,high,low,close,volume\n09:30,1,2,0.5,1.5,100\n09:31,1,2,0.5,1.5\n' >"$dir/short.csv"
printf 'time,open,high,low,close,volume\n09:30,1,2,0.5,1.5,100,7\n' >"$dir/long.csv"
printf 't,a,b,c\n1,2,3,4\n' >"$dir/header.csv"
printf 't,v\n1,2\n2,inf\n' >"$dir/inf.csv"
printf 't,v\n1,\n' >"$dir/empty_cell.csv"
: >"$dir/empty.csv"
check_err() { # file expected-substring
	if "$T" "$dir/$1" >"$dir/out" 2>"$dir/err"; then
		fail "$1 accepted"
	else
		rc=$?
	fi
	[ "$rc" -eq 1 ] || fail "$1: exit $rc, expected 1"
	grep -qF "$2" "$dir/err" || { cat "$dir/err"; fail "$1: message lacks '$2'"; }
	echo "ok: $1 -> $(cat "$dir/err")"
}
check_err nonnum.csv "$dir/nonnum.csv:3:4: 'x1' is not a finite number"
check_err short.csv "$dir/short.csv:3:5: 5 columns, expected 6"
check_err long.csv "$dir/long.csv:2:7: 7 columns, expected 6"
check_err header.csv "$dir/header.csv:1:1: header has 4 columns"
check_err inf.csv "$dir/inf.csv:3:2: 'inf' is not a finite number"
check_err empty_cell.csv "$dir/empty_cell.csv:2:2: '' is not a finite number"
check_err empty.csv "$dir/empty.csv:1:1: empty file"
if "$T" "$dir/missing.csv" >/dev/null 2>"$dir/err"; then fail "missing file accepted"; fi
grep -qF "$dir/missing.csv: No such file" "$dir/err" || fail "missing file message"
if "$T" --bogus x >/dev/null 2>&1; then fail "bad option accepted"; else [ $? -eq 2 ] || fail "bad option exit"; fi

# a tiny close-only file: header only gives the header row
printf 'when,px\n' >"$dir/hdr_only.csv"
"$T" "$dir/hdr_only.csv" >"$dir/out"
[ "$(cat "$dir/out")" = "when,px,SMA20,EMA20,RSI14,MACD_12_26_9,MACDSIGNAL,MACDHIST,BB_UPPER_20_2,BB_MIDDLE,BB_LOWER,STOCH_SLOWK_14_3_3,STOCH_SLOWD,ATR14,OBV,STDDEV20,WMA20,ROC10,WILLR14,CCI20,ADX14,MFI14" ] ||
	fail "header-only output: $(cat "$dir/out")"

if [ -z "$S" ] || [ ! -d "$S/oracles/golden" ]; then
	echo "OSPREY_SHARED unset or without oracles: golden comparison skipped"
	exit 77
fi
G=$S/oracles/golden
for pair in \
	"data/bars/timeSeries_MSFT_daily_ohlcv_2000-2001.csv MSFT_daily_2000-2001.csv" \
	"oracles/inputs/USDCHF_30min_first5000.csv USDCHF_30min_first5000.csv" \
	"oracles/bars/AMZN_2012-06-21_1min.csv AMZN_2012-06-21_1min.csv" \
	"oracles/bars/AMZN_2012-06-21_1s.csv AMZN_2012-06-21_1s.csv"; do
	set -- $pair
	for mode in "" --streaming; do
		"$T" $mode -o "$dir/out.csv" "$S/$1"
		cmp "$dir/out.csv" "$G/$2" || fail "$mode $1 differs from $G/$2"
		echo "ok: osprey-indicators $mode $1 == golden/$2 (byte for byte)"
	done
done
