# ctl_lib.sh - what the control-socket tests share; sourced, not run. The
# caller sets B (the build), S (the source) and dir (its temporary folder),
# then: ctl ARGS (osprey-ctl on $dir/ctl.sock), field NAME (one status
# line's value), fail MSG (prints the engine's output, exits 1), start INI
# (the daemon in the background, $pid, back once its socket is there), and
# the EXIT trap that kills it and removes $dir.
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- engine output"; cat "$dir/out.txt" 2>/dev/null; exit 1; }
ctl() { "$B/tools/osprey-ctl" --socket "$dir/ctl.sock" "$@"; }
field() { ctl status | grep "^$1:" | awk '{print $2}'; }
start() {
	"$B/tools/osprey" "$1" >"$dir/out.txt" 2>&1 &
	pid=$!
	i=0
	while [ ! -S "$dir/ctl.sock" ]; do
		i=$((i + 1)); [ $i -lt 100 ] || fail "no control socket"; sleep 0.05
	done
}
