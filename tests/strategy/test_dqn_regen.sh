#!/bin/sh
# models/dqn_amzn.onn is what osprey-train-dqn makes from the AMZN capture with
# the seed and settings models/demo.model names: regenerate it, compare bytes.
set -eu
T=${1:?osprey-train-dqn}
itch=${OSPREY_SHARED:?}/data/itch/lobster_AMZN_20120621_L5.itch50
[ -r "$itch" ] || { echo "no $itch: skip"; exit 77; }
out=$(mktemp /tmp/osprey-dqn.XXXXXX)
trap 'rm -f "$out"' EXIT
"$T" --itch "$itch" --seed 1 --episodes 10 --quiet -o "$out" >/dev/null
cmp "$out" "${OSPREY_SOURCE:?}/models/dqn_amzn.onn"
echo "models/dqn_amzn.onn regenerates bit for bit"
