#!/bin/sh
# The model registry against a running engine: models are added (validated
# first: a model for other features or a malformed file is refused, naming the
# problem), listed, and activated while ticks flow; the switch takes effect at
# once (a silent model stops the intents, the default brings them back, the
# messages never stop), a bad activation keeps the running model, and the
# active model is the one a restarted engine runs.
set -eu
B=${OSPREY_BUILD:?}
S=${OSPREY_SOURCE:?}
dir=$(mktemp -d /tmp/osprey-model-test.XXXXXX)
. "$S/tests/integration/ctl_lib.sh"

session 7 200000
engine_ini 1500x "db = $dir/db"
# the same model, and one that never fires
cp "$S/models/default.model" "$dir/momentum.model"
sed 's/^threshold .*/threshold 30000/; s/^id .*/id 7/' "$S/models/default.model" >"$dir/silent.model"
schema=$(grep '^schema' "$S/models/default.model" | awk '{print $2}')
sed "s/^schema .*/schema 0x0000000000000001/" "$S/models/default.model" >"$dir/other.model"
printf 'osprey-model linear v1\nfeatures 2\nweights 1\n' >"$dir/broken.model"

start "$dir/engine.ini"
ctl model list | grep -q "^running: $S/models/default.model" || fail "running model before any activation"
ctl model add momentum "$dir/momentum.model" auc 0.50 in-sample | grep -q '^ok: added momentum@1' ||
	fail "add momentum"
ctl model add silent "$dir/silent.model" | grep -q '^ok: added silent@1' || fail "add silent"
ctl model add momentum "$dir/momentum.model" | grep -q '^ok: added momentum@2' || fail "second version"
out=$(ctl model add other "$dir/other.model" || true)
echo "$out" | grep -q "built for other features" || fail "other-schema model not refused: $out"
out=$(ctl model add broken "$dir/broken.model" || true)
echo "$out" | grep -q "^error: refused: .*broken.model:3" || fail "broken model not refused: $out"
ctl model list >"$dir/list.txt"
grep -q "^momentum@1 .*linear .*$schema .*auc 0.50 in-sample" "$dir/list.txt" || fail "list: $(cat "$dir/list.txt")"
grep -q "^other@" "$dir/list.txt" && fail "a refused model was stored"

# wait for intents, then switch to the silent model: intents stop, ticks go on
i=0
while [ "$(field intents)" -eq 0 ]; do
	i=$((i + 1)); [ $i -lt 200 ] || fail "no intents after 10 s"; sleep 0.05
done
ctl model activate silent@1 | grep -q "^ok: running silent@1 (was $S/models/default.model)" ||
	fail "activate silent"
[ "$(field model)" = silent@1 ] || fail "status model after activation"
sleep 0.2
a=$(field intents); m=$(field messages)
sleep 1.5
[ "$(field input)" = running ] || fail "input ended during the check; slow the session down"
[ "$(field intents)" = "$a" ] || fail "the silent model still fires: $a -> $(field intents)"
[ "$(field messages)" -gt "$m" ] || fail "ticks paused during the swap"
# a bad activation keeps the running model
out=$(ctl model activate momentum@9 || true)
echo "$out" | grep -q "no such model; still running silent@1" || fail "bad activation: $out"
ctl model list | grep -q "^silent@1 \*" || fail "silent not marked active"
# back to momentum: intents resume
ctl model activate momentum@2 | grep -q '^ok: running momentum@2 (was silent@1)' || fail "activate momentum"
i=0
while [ "$(field intents)" = "$a" ]; do
	i=$((i + 1)); [ $i -lt 200 ] || fail "momentum@2 never fired"; sleep 0.05
done
# a tree model trained by osprey-train straight into the running engine's
# registry (LMDB takes a second process), with its data range and metrics
if [ -x "$B/tools/osprey-train" ]; then
	"$B/tools/osprey-train" --kind gbtree --itch "$dir/session.itch" --trees 20 --depth 4 \
		--seed 3 -o "$dir/t.otree" --db "$dir/db" --name trees >"$dir/train.txt" 2>&1 ||
		fail "osprey-train: $(cat "$dir/train.txt")"
	grep -q "registered trees@1" "$dir/train.txt" || fail "not registered: $(cat "$dir/train.txt")"
	ctl model list | grep -q "^trees@1 .*trees-gbtree .*test acc" || fail "trees not listed"
	m=$(field messages)
	ctl model activate trees@1 | grep -q '^ok: running trees@1 (was momentum@2)' ||
		fail "activate trees"
	[ "$(field model)" = trees@1 ] || fail "status model after activating trees"
	sleep 0.3
	[ "$(field messages)" -gt "$m" ] || fail "ticks paused during the tree swap"
	want=trees@1
else
	want=momentum@2
fi
kill -TERM "$pid"
wait "$pid" || fail "engine exit code $? after SIGTERM"
pid=""
# the registry's active model is what a restarted engine runs
start "$dir/engine.ini"
[ "$(field model)" = $want ] || fail "model after restart: $(field model)"
kill -INT "$pid"
wait "$pid" || fail "engine exit code $? after SIGINT"
pid=""
echo "ctl model test passed"
