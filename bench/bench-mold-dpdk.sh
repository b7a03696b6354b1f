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
S=$(cd "$(dirname "$0")/.." && pwd)
exec unshare -mn sh -eu -c '
B=$1
. "$2/tools/netns-veth.sh"
shift 2
netns_veth send
# the packet ring: 32 MiB, the size of the kernel modes SO_RCVBUF
eal="--no-huge -m 512 --no-pci --no-shconf --file-prefix=osprey$$ -l 1"
eal="$eal --vdev=net_af_packet0,iface=osp1,blocksz=4096,framesz=2048,framecnt=16384"
"$B/bench/bench-mold" --dest 10.77.0.2 --sender-netns /run/netns/send --dpdk "$eal" "$@"
' sh "$B" "$S" "$@"
