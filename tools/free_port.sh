# free_port.sh - sourced, not run: free_port [PORT...] prints a port nothing
# on this host uses now (TCP or UDP), picked at random in 20000..49999, none
# of PORT... (the ones the caller has picked already). Shared by the paper
# and kill9 scripts and the socket tests.
free_port() {
	while :; do
		p=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 30000 ))
		case " $* " in *" $p "*) continue ;; esac
		ss -Htanu 2>/dev/null | awk '{ print $5 }' | grep -q ":$p\$" && continue
		echo "$p"
		return
	done
}
