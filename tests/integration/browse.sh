# browse.sh - headless Chromium for the page tests (sourced, after $dir and
# fail() are set): finds CHROMIUM or skips the test (exit 77);
#   chromium ARGS...  one headless run on the test's own profile ($dir/profile)
#   browse PAGE DOM   load file PAGE, write its DOM to DOM; fail on console
#                     output (kept in DOM.console) or a page that did not say
#                     data-rendered="ok" (its own error lines quoted)
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || { echo "SKIP: chromium is not installed (make test-deps installs it)"; exit 77; }
chromium() {
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$dir/profile" "$@"
}
browse() {
	chromium --enable-logging=stderr --v=0 --dump-dom "file://$1" >"$2" 2>"$2.err" ||
		fail "chromium failed on $1: $(tail -3 "$2.err")"
	grep -a 'CONSOLE' "$2.err" >"$2.console" || true
	[ ! -s "$2.console" ] || fail "console output on $1: $(head -5 "$2.console")"
	grep -q 'data-rendered="ok"' "$2" ||
		fail "$1 did not render: $(grep -o 'class="err">[^<]*' "$2" | head -3)"
}
