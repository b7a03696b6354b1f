# netns-veth.sh - sourced, as root, inside `unshare -mn`: a veth pair whose
# far end lives in a named network namespace of its own (within one
# namespace the kernel would carry the datagrams over lo):
#   osp1 10.77.0.2/24 here, osp0 10.77.0.1/24 in namespace $1
# Named namespaces live in /run/netns: a tmpfs private to this mount
# namespace, so nothing is left on the host. veth leaves UDP checksums for a
# NIC to finish; without one, the frames a packet socket sees carry
# half-made sums that every check fails: the far end's tx offload is off.
netns_veth() {
	mkdir -p /run/netns
	mount -t tmpfs osprey-netns /run/netns
	ip link set lo up
	ip netns add "$1"
	ip link add osp1 type veth peer name osp0 netns "$1"
	ip addr add 10.77.0.2/24 dev osp1
	ip link set osp1 up
	ip -n "$1" addr add 10.77.0.1/24 dev osp0
	ip -n "$1" link set lo up
	ip -n "$1" link set osp0 up
	ip netns exec "$1" ethtool -K osp0 tx off >/dev/null
}
