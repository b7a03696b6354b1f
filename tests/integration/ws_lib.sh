# ws_lib.sh - for the live crypto tests (sourced, after $dir, $W and fail() are
# set): makes $dir/cert.pem + key.pem (localhost) and $dir/ocert.pem +
# okey.pem (another name), and
#   serve CERT KEY LOG [server.js flags]  start tests/integration/ws_replay/server.js
#                                         on an ephemeral port: $port, $spid
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost -keyout "$dir/key.pem" -out "$dir/cert.pem" \
	>/dev/null 2>&1 || fail "openssl could not make a certificate"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=elsewhere.example \
	-addext subjectAltName=DNS:elsewhere.example -keyout "$dir/okey.pem" -out "$dir/ocert.pem" \
	>/dev/null 2>&1 || fail "openssl could not make the second certificate"
serve() {
	cert=$1 key=$2 log=$3
	shift 3
	node "$W/server.js" --cert "$cert" --key "$key" "$@" >"$dir/$log" 2>&1 &
	spid=$!
	i=0
	until port=$(sed -n 's/^listening //p' "$dir/$log") && [ -n "$port" ]; do
		kill -0 "$spid" 2>/dev/null || fail "the server did not start: $(tail -3 "$dir/$log")"
		i=$((i + 1)); [ $i -lt 200 ] || fail "the server did not start"
		sleep 0.05
	done
}
