#!/bin/sh
# Install the Debian packages named as arguments that are missing. As root it
# runs apt-get; otherwise it prints the exact command and stops.
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
	echo "Missing Debian packages:$missing"
	echo "Run as root:  apt-get update && $cmd"
	exit 1
fi
echo "Installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null && $cmd -q >/dev/null || { echo "apt-get failed: $cmd"; exit 1; }
