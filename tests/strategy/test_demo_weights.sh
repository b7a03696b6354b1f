#!/bin/sh
# models/demo.model's member weights are what osprey-train --kind weigh derives
# from the members' validation AUC on the AMZN day: recompute, compare lines.
set -eu
T=${1:?osprey-train}
S=${OSPREY_SOURCE:?}
itch=${OSPREY_SHARED:?}/data/itch/lobster_AMZN_20120621_L5.itch50
[ -r "$itch" ] || { echo "no $itch: skip"; exit 77; }
got=$("$T" --kind weigh --itch "$itch" --member flow="$S/models/default.model" \
	--member trees="$S/models/trees_amzn.otree" --member dqn="$S/models/dqn_amzn.onn" |
	grep '^    member ' | sed "s|^    ||; s|$S/models/||")
want=$(grep '^member ' "$S/models/demo.model")
if [ "$got" != "$want" ]; then
	printf 'demo.model members differ from the weighing:\n--- computed\n%s\n--- demo.model\n%s\n' \
		"$got" "$want"
	exit 1
fi
echo "$got"
echo "demo.model's weights are the validation weighing's"
