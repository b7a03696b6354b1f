#!/bin/sh
# make demo: the whole engine on the real AMZN day (NASDAQ order flow of
# 2012-06-21 from LOBSTER, as ITCH 5.0) when ../shared/data has it, a
# generated session otherwise (said so); tools/demo.ini with the ensemble
# trained on that day; writes the HTML report and the latency log and says
# where they are.  usage: demo.sh BUILD SHARED DEMO_DIR
set -eu
B=$1
SHARED=$2
DEMO=$3
mkdir -p "$DEMO"
amzn="$SHARED/data/itch/lobster_AMZN_20120621_L5.itch50"
if [ -r "$amzn" ]; then
	input=$amzn
	echo "Replaying the real AMZN day (2012-06-21, LOBSTER order flow as ITCH 5.0): $amzn"
else
	input=$DEMO/session.itch
	echo "$SHARED/data is not here: replaying a generated session instead (osprey-gen --seed 42)"
	"$B/tools/osprey-gen" --seed 42 -o "$input"
fi
"$B/tools/osprey-replay" --config tools/demo.ini --db "$DEMO/db" --fresh \
	--hlog "$DEMO/latency.hlog" --report "$DEMO/report.html" "$input"
echo
echo "Report:      $DEMO/report.html   (one self-contained page: latency and trading plots,"
echo "             the metrics next to the baselines, the trade list)"
echo "Latency log: $DEMO/latency.hlog  (HdrHistogram log V1.3: one tag per stage)"
echo "Open it:     xdg-open $DEMO/report.html"
