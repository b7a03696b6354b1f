#!/bin/sh
# Faults on the control socket (issue: Step 8's "faults found"): clients that
# vanish before reading their reply must not kill the engine (SIGPIPE used to,
# exit 141, within ten calls, leaving a stale socket); afterwards the engine
# still answers and stops cleanly on SIGTERM, removing its socket. And
# osprey-ctl refuses a socket listened on by another user (an impostor that
# got to a shared path first used to be believed).
set -eu
B=${OSPREY_BUILD:?}
S=${OSPREY_SOURCE:?}
dir=$(mktemp -d /tmp/osprey-ctl-faults.XXXXXX)
. "$S/tests/integration/ctl_lib.sh"

"$B/tools/osprey-gen" --seed 3 --messages 20000 -o "$dir/session.itch" >/dev/null
cat >"$dir/engine.ini" <<INI
[feeds]
files = $dir/session.itch
speed = 1x
[strategy]
model = $S/models/default.model
[threads]
idle = sleep
spin_limit = 100
[engine]
control_socket = $dir/ctl.sock
INI
start "$dir/engine.ini"

# clients killed right after they send: the reply finds no reader
n=0
while [ $n -lt 60 ]; do
	timeout -s KILL 0.002 "$B/tools/osprey-ctl" --socket "$dir/ctl.sock" status >/dev/null 2>&1 || true
	kill -0 "$pid" 2>/dev/null || fail "the engine died after $n vanishing clients"
	n=$((n + 1))
done
# and clients that connect, write half a line and leave
n=0
while [ $n -lt 20 ]; do
	python3 -c "
import socket,sys
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.send(b'sta'); s.close()" "$dir/ctl.sock" ||
		fail "could not connect"
	n=$((n + 1))
done
kill -0 "$pid" 2>/dev/null || fail "the engine died after half-written commands"
"$B/tools/osprey-ctl" --socket "$dir/ctl.sock" status | grep -q '^state: ' || fail "no answer afterwards"
kill -TERM "$pid"
wait "$pid" || fail "engine exit code $? after SIGTERM"
pid=""
[ ! -e "$dir/ctl.sock" ] || fail "socket left behind"

# a socket someone else listens on: osprey-ctl refuses to talk to it (the
# impostor would answer "ok: killed"); needs root to be someone else
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	chmod 777 "$dir"
	python3 - "$dir/fake.sock" <<'PY' &
import os, pwd, socket, sys, time
os.setgid(pwd.getpwnam("nobody").pw_gid)
os.setuid(pwd.getpwnam("nobody").pw_uid)
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(4)
s.settimeout(5)
try:
    for _ in range(2):
        c, _ = s.accept()
        c.recv(512)
        c.sendall(b"ok: killed; new orders refused\n")
        c.close()
except OSError:
    pass
PY
	fake=$!
	i=0
	while [ ! -S "$dir/fake.sock" ]; do
		i=$((i + 1)); [ $i -lt 100 ] || fail "the impostor did not start"; sleep 0.05
	done
	if "$B/tools/osprey-ctl" --socket "$dir/fake.sock" kill >"$dir/fake.out" 2>&1; then
		fail "osprey-ctl believed an impostor: $(cat "$dir/fake.out")"
	fi
	grep -q "neither you nor root: not your engine" "$dir/fake.out" ||
		fail "no reason given: $(cat "$dir/fake.out")"
	kill "$fake" 2>/dev/null || true
	wait "$fake" 2>/dev/null || true
	echo "ok: an impostor's socket is refused"
fi
echo "ok: 60 vanishing clients and 20 half-written commands, the engine answers and stops cleanly"
