#!/bin/sh
# Installs what building and testing xnat needs on Debian (run as root).
# Only missing packages are installed; `apt-get update` runs only then.
set -eu

PACKAGES="
make gcc clang llvm libclang-rt-dev pkg-config bpftool
libbpf-dev libxdp-dev libelf-dev zlib1g-dev
libinih-dev libsystemd-dev libmnl-dev libcmocka-dev libmicrohttpd-dev libexpat1-dev
iproute2 ethtool nftables conntrack socat iputils-ping tcpdump iperf3 util-linux sip-tester
natpmpc miniupnpc
"

# `install-deps.sh --bench`: also what `make bench` needs (plots).
[ "${1:-}" = "--bench" ] && PACKAGES="$PACKAGES gnuplot-nox"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "install-deps: everything is installed"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing:$missing (run as root to install them)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing </dev/null >/dev/null
