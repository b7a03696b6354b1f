# free_port.sh - sourced, not run: free_port [PORT...] prints a port nothing
# on this host uses now (TCP or UDP), none of PORT... (the ones the caller
# has picked already), picked at random in 20000 up to the kernel's
# ephemeral range (ip_local_port_range; 32767 when it starts higher or is
# unknown): a port from that range could be taken by any client's connect()
# between the pick and the bind (a CI run once lost Prometheus's port so).
# Shared by the paper and kill9 scripts and the socket tests.
free_port() {
	lo=20000
	hi=32767
	if read -r eph _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null &&
		[ "$eph" -gt $((lo + 1000)) ] && [ "$eph" -le 65536 ]; then
		hi=$((eph - 1))
	fi
	while :; do
		p=$(( lo + $(od -An -N2 -tu2 /dev/urandom) % (hi - lo + 1) ))
		case " $* " in *" $p "*) continue ;; esac
		ss -Htanu 2>/dev/null | awk '{ print $5 }' | grep -q ":$p\$" && continue
		echo "$p"
		return
	done
}
