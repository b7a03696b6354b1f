#!/bin/sh
# usage: test_fix_quickfix.sh TEST [ACCEPTOR]
# Runs the QuickFIX interop test in its own network namespace (loopback only)
# when this machine allows one: QuickFIX 1.15.1 ignores SocketAcceptAddress
# and listens on every interface. Elsewhere it runs as is, on a port chosen
# free at run time. No ACCEPTOR: QuickFIX was not built here, skip.
test=$1
[ $# -ge 2 ] || { echo "QuickFIX (libquickfix-dev) or a C++ compiler missing: skip"; exit 77; }
if unshare -n true 2>/dev/null && command -v ip >/dev/null 2>&1; then
	echo "in a private network namespace"
	exec unshare -n sh -c 'ip link set lo up && exec "$0" "$@"' "$test" "$2"
fi
echo "no private network namespace here: QuickFIX listens on every interface of this host while the test runs"
exec "$test" "$2"
