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

session 3 20000
engine_ini 1x
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

# a raw client: connect, say it (a file, if given), send BYTES (a Python
# bytes literal) DELAY seconds a byte (0: at once), print the whole answer
cat >"$dir/client.py" <<'PY'
import socket, sys, time
sock, data, delay, mark = sys.argv[1], eval(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]
s = socket.socket(socket.AF_UNIX)
s.connect(sock)
if mark:
    open(mark[0], "w").close()
s.settimeout(5)
out = b""
try:
    if delay:
        for ch in data:
            s.send(bytes([ch]))
            time.sleep(delay)
    else:
        s.sendall(data)
except OSError:
    pass  # cut off: its answer is still there to read
try:
    while True:
        b = s.recv(4096)
        if not b:
            break
        out += b
except OSError:
    pass
print(out.decode(errors="replace").strip())
PY
raw() { python3 "$dir/client.py" "$dir/ctl.sock" "$1" 0; }
out=$(raw "b'a' * 600 + b'\\n'")
echo "$out" | grep -q "^error: command longer than 510 bytes" || fail "a long line: $out"
out=$(raw "b'sta\\x01tus\\n'")
echo "$out" | grep -q "^error: byte 0x01 at offset 3 is not printable" || fail "a control byte: $out"
out=$(raw "b'\\xff\\xfe\\n'")
echo "$out" | grep -q "^error: byte 0xff at offset 0" || fail "garbage: $out"
echo "ok: a line over the limit and bytes that are not printable ASCII are refused, named"

# a slow client (a byte every 90 ms) is cut off at the request's 100 ms, and a
# status behind it is answered at once; eight idle clients hold it no longer
# (it says it is connected in slow.on: the test starts the others then)
python3 "$dir/client.py" "$dir/ctl.sock" "b'status\\n'" 0.09 "$dir/slow.on" >"$dir/slow.txt" 2>&1 &
slow=$!
i=0
until [ -e "$dir/slow.on" ]; do i=$((i + 1)); [ $i -lt 200 ] || fail "the slow client never connected"; sleep 0.02; done
idle=""
for i in 1 2 3 4 5 6 7 8; do
	python3 -c "
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); time.sleep(3)" "$dir/ctl.sock" &
	idle="$idle $!"
done
sleep 0.5 # every idle client connected
t0=$(date +%s%N)
"$B/tools/osprey-ctl" --socket "$dir/ctl.sock" status >"$dir/st.txt" || fail "status behind slow clients"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
wait $slow
grep -q "^error: no whole command line within 100 ms" "$dir/slow.txt" ||
	fail "the slow client was not cut off: $(cat "$dir/slow.txt")"
[ "$ms" -lt 2000 ] || fail "status took $ms ms behind a slow client and 8 idle ones"
# shellcheck disable=SC2086
kill $idle 2>/dev/null || true
grep -q "^control: .* refused (last: " "$dir/st.txt" || fail "status does not count refusals"
echo "ok: a slow client is cut off at 100 ms; status behind it and 8 idle clients took $ms ms"
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

	# the engine refuses another uid, says so and counts it (the socket opened
	# up by hand here: its directory and mode keep others out otherwise)
	chmod 700 "$dir"
	start "$dir/engine.ini"
	chmod 711 "$dir"
	chmod 666 "$dir/ctl.sock"
	out=$(python3 - "$dir/ctl.sock" <<'PY'
import os, pwd, socket, sys
os.setgid(pwd.getpwnam("nobody").pw_gid)
os.setuid(pwd.getpwnam("nobody").pw_uid)
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(5)
out = b""
try:
    s.sendall(b"kill\n")  # refused at the connection: this may find it closed
except OSError:
    pass
try:
    out = s.recv(4096)
except OSError:
    pass
print(out.decode().strip())
PY
)
	chmod 700 "$dir"
	echo "$out" | grep -q "^error: uid [0-9]* is not the engine's owner: refused" ||
		fail "another uid: $out"
	"$B/tools/osprey-ctl" --socket "$dir/ctl.sock" status >"$dir/st.txt"
	grep -q "^state: ACTIVE" "$dir/st.txt" || fail "another uid's kill was obeyed"
	grep -q "^control: .* 1 refused (last: uid " "$dir/st.txt" || fail "not counted: $(grep '^control' "$dir/st.txt")"
	kill -TERM "$pid"
	wait "$pid" || fail "engine exit code $? after SIGTERM"
	pid=""
	echo "ok: another uid is refused, told why and counted"
fi

# a socket in a directory others may write to is refused at start, naming it
mkdir -m 1777 "$dir/shared"
cat >"$dir/open.ini" <<INI
[feeds]
files = $dir/session.itch
[strategy]
model = $S/models/default.model
[engine]
control_socket = $dir/shared/ctl.sock
INI
if "$B/tools/osprey" "$dir/open.ini" >"$dir/open.txt" 2>&1; then
	fail "a socket in a mode 1777 directory was accepted"
fi
grep -q "writable by other users (mode 1777)" "$dir/open.txt" || fail "no reason: $(cat "$dir/open.txt")"
echo "ok: a socket in a world-writable directory is refused"
echo "ok: 60 vanishing clients and 20 half-written commands, the engine answers and stops cleanly"
