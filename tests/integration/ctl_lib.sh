# ctl_lib.sh - what the control-socket tests share; sourced, not run. The
# caller sets B (the build), S (the source) and dir (its temporary folder),
# then: ctl ARGS (osprey-ctl on $dir/ctl.sock), field NAME (one status
# line's value), fail MSG (prints the engine's output, exits 1), start INI
# (the daemon in the background, $pid, back once its socket is there),
# session SEED MESSAGES (a generated capture, $dir/session.itch), engine_ini
# SPEED [ENGINE_LINES [MORE]] (the daemon's $dir/engine.ini on that capture:
# the default model, sleeping idle threads, the control socket, then
# ENGINE_LINES in [engine] and MORE after it), free_port [PORT...]
# (tools/free_port.sh), and the EXIT trap that kills the daemon and the
# pids the test adds to $peers (receivers, servers), and removes $dir.
pid="" peers=""
cleanup() { # the daemon and the test's other processes ($peers), then $dir
	# shellcheck disable=SC2086
	for p in $pid $peers; do kill "$p" 2>/dev/null; done
	[ -z "$peers" ] || wait 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- engine output"; cat "$dir/out.txt" 2>/dev/null; exit 1; }
ctl() { "$B/tools/osprey-ctl" --socket "$dir/ctl.sock" "$@"; }
field() { ctl status | grep "^$1:" | awk '{print $2}'; }
session() { "$B/tools/osprey-gen" --seed "$1" --messages "$2" -o "$dir/session.itch" >/dev/null; }
engine_ini() {
	cat >"$dir/engine.ini" <<INI
[feeds]
files = $dir/session.itch
speed = $1
[strategy]
model = $S/models/default.model
[threads]
idle = sleep
spin_limit = 100
[engine]
control_socket = $dir/ctl.sock
${2:-}
${3:-}
INI
}
. "$S/tools/free_port.sh"
start() {
	"$B/tools/osprey" "$1" >"$dir/out.txt" 2>&1 &
	pid=$!
	i=0
	while [ ! -S "$dir/ctl.sock" ]; do
		i=$((i + 1)); [ $i -lt 100 ] || fail "no control socket"; sleep 0.05
	done
}
