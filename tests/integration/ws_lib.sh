# ws_lib.sh - what the tests against the Node.js servers of
# tests/integration/ws_replay share (sourced after $S is set):
#   ws_begin NAME [--npm] FILE...   skip (77) unless node (and with --npm the
#                                   npm ws package) and every FILE are there;
#                                   then $W, a temporary $dir removed at exit
#                                   with the server ($spid) stopped, fail(),
#                                   and in $dir cert.pem + key.pem (localhost)
#                                   and ocert.pem + okey.pem (another name)
#   serve CERT KEY LOG [server.js flags]  start ws_replay/server.js on an
#                                   ephemeral port: $port, $spid
#   exchange LOG [spot_exchange.js flags]  start ws_replay/spot_exchange.js
#                                   (cert.pem, key.pem) on an ephemeral port:
#                                   $xport, $xpid (stopped at exit too)
#   exchange_stop                   SIGTERM it and wait for its last words
#                                   (its positions and "trades N")
#   fail MSG                        say it, show the logs' tails, exit 1
ws_begin() {
	name=$1
	shift
	npm=false
	[ "${1:-}" = --npm ] && { npm=true; shift; }
	for f in "$@"; do
		[ -r "$f" ] || { echo "SKIP: $f absent"; exit 77; }
	done
	command -v node >/dev/null || { echo "SKIP: node is not installed"; exit 77; }
	W="$S/tests/integration/ws_replay"
	if $npm && [ ! -d "$W/node_modules/ws" ]; then
		echo "SKIP: npm ci --prefix $W has not run (make test-deps)"
		exit 77
	fi
	dir=$(mktemp -d "/tmp/osprey-$name.XXXXXX")
	spid=""
	xpid=""
	trap ws_cleanup EXIT INT TERM
	ws_certs
}
ws_cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null
	[ -n "$xpid" ] && kill "$xpid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$dir"
}
fail() {
	echo "FAIL: $*"
	for f in "$dir"/*.log "$dir"/*.txt; do
		[ -s "$f" ] && { echo "--- $f"; tail -n 8 "$f"; }
	done
	exit 1
}
ws_certs() {
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost -keyout "$dir/key.pem" -out "$dir/cert.pem" \
	>/dev/null 2>&1 || fail "openssl could not make a certificate"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=elsewhere.example \
	-addext subjectAltName=DNS:elsewhere.example -keyout "$dir/okey.pem" -out "$dir/ocert.pem" \
	>/dev/null 2>&1 || fail "openssl could not make the second certificate"
}
# await_listening LOG PID WHAT: $found, the port the server printed
await_listening() {
	i=0
	until found=$(sed -n 's/^listening //p' "$1") && [ -n "$found" ]; do
		kill -0 "$2" 2>/dev/null || fail "$3 did not start: $(tail -3 "$1")"
		i=$((i + 1)); [ $i -lt 200 ] || fail "$3 did not start"
		sleep 0.05
	done
}
serve() {
	cert=$1 key=$2 log=$3
	shift 3
	node "$W/server.js" --cert "$cert" --key "$key" "$@" >"$dir/$log" 2>&1 &
	spid=$!
	await_listening "$dir/$log" "$spid" "the server"
	port=$found
}
exchange() {
	xlog=$dir/$1
	shift
	node "$W/spot_exchange.js" --cert "$dir/cert.pem" --key "$dir/key.pem" "$@" >"$xlog" 2>&1 &
	xpid=$!
	await_listening "$xlog" "$xpid" "the exchange"
	xport=$found
}
exchange_stop() {
	kill "$xpid"
	i=0
	until grep -q '^trades' "$xlog"; do
		i=$((i + 1)); [ $i -lt 100 ] || fail "the exchange said nothing at its end"
		sleep 0.05
	done
	wait "$xpid" 2>/dev/null || true
	xpid=""
}
