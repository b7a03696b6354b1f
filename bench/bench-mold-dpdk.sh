#!/bin/sh
# bench-mold with DPDK beside the kernel receive modes, in the same run and
# on the same wire: a veth pair between two network namespaces (new ones:
# the host's network is untouched), the sender thread behind one end, the
# receivers on the other: DPDK's net_af_packet on the device, the kernel
# modes on its address. Needs root (namespaces) and a build with
# -Ddpdk=enabled.
#   bench/bench-mold-dpdk.sh BUILD_DIR [bench-mold options...]
set -eu
B=${1:?build dir}
shift
exec unshare -mn sh -eu -c '
B=$1
shift
mkdir -p /run/netns
mount -t tmpfs osprey-netns /run/netns
ip link set lo up
ip netns add send
ip link add osp1 type veth peer name osp0 netns send
ip addr add 10.77.0.2/24 dev osp1
ip link set osp1 up
ip -n send addr add 10.77.0.1/24 dev osp0
ip -n send link set lo up
ip -n send link set osp0 up
# a NIC would finish the UDP checksums veth leaves half-made
ip netns exec send ethtool -K osp0 tx off >/dev/null
# the packet ring: 32 MiB, the size of the kernel modes SO_RCVBUF
eal="--no-huge -m 512 --no-pci --no-shconf --file-prefix=osprey$$ -l 1"
eal="$eal --vdev=net_af_packet0,iface=osp1,blocksz=4096,framesz=2048,framecnt=16384"
"$B/bench/bench-mold" --dest 10.77.0.2 --sender-netns /run/netns/send --dpdk "$eal" "$@"
' sh "$B" "$@"
