#!/bin/sh
# MoldUDP64 over a veth pair, received on DPDK (net_af_packet on one end)
# and, as the anchor, by the io_uring socket: osprey-gen publishes the
# LOBSTER capture from the other end, in a network namespace of its own
# (within one, the kernel would route the datagrams over lo), with drops and
# reorders; both receivers heal every gap through the re-request socket and
# must give the capture file's event stream and LOBSTER's books
# (test_feeds_mold_dpdk live). All in new network and mount namespaces: the
# host's network is untouched and nothing is left behind. Skipped (77) where
# namespaces or the tools are missing.
set -eu
B=${OSPREY_BUILD:?}
for t in unshare ip ethtool; do
	command -v $t >/dev/null || { echo "skip: $t absent"; exit 77; }
done
unshare -mn true 2>/dev/null || { echo "skip: cannot make network namespaces here"; exit 77; }
S=${OSPREY_SOURCE:?}
exec unshare -mn sh -eu -c '
B=$1
. "$2/tools/netns-veth.sh"
netns_veth pub
export OSPREY_GEN_PREFIX="ip netns exec pub"
eal="--no-huge -m 256 --no-pci --no-shconf --file-prefix=osprey$$ -l 0 --vdev=net_af_packet0,iface=osp1"
"$B/tests/feeds/test_feeds_mold_dpdk" live 10.77.0.2:26477 10.77.0.2 10.77.0.1:26478 "$eal"
"$B/tests/feeds/test_feeds_mold_dpdk" live 10.77.0.2:26479 10.77.0.2 10.77.0.1:26480 uring
' sh "$B" "$S"
