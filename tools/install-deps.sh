#!/bin/sh
# Installs what building and testing xnat needs on Debian (run as root).
# Only missing packages are installed; `apt-get update` runs only then.
set -eu

PACKAGES="
make gcc clang llvm libclang-rt-dev pkg-config bpftool
libbpf-dev libxdp-dev libelf-dev zlib1g-dev
libinih-dev libsystemd-dev libmnl-dev libcmocka-dev libmicrohttpd-dev libexpat1-dev
iproute2 ethtool nftables conntrack socat iputils-ping tcpdump iperf3 util-linux sip-tester hping3
natpmpc miniupnpc coturn systemd-container ppp pppoe
"

# `install-deps.sh --bench`: also what `make bench` needs (plots).
[ "${1:-}" = "--bench" ] && PACKAGES="$PACKAGES gnuplot-nox"
# `install-deps.sh --soak`: also what `make soak` needs (tools/soak/run.sh runs its
# traffic and checks in python3; ASan and UBSan come with gcc, in libgcc-N-dev).
[ "${1:-}" = "--soak" ] && PACKAGES="$PACKAGES python3"
# `install-deps.sh --compare`: also miniupnpd (nftables backend), the reference
# IGD that `make compare` (tools/compare/miniupnpd.sh) runs in a namespace of
# its own. It must never run on this host: its service is masked before the
# install (and a policy-rc.d, if there is none, refuses to start it), and a
# miniupnpd the install would still have started here is stopped after.
COMPARE=no
[ "${1:-}" = "--compare" ] && COMPARE=yes && PACKAGES="$PACKAGES miniupnpd-nftables"

# miniupnpd processes in this (the host's) network namespace
host_miniupnpd() {
	for pid in $(pgrep -x miniupnpd 2>/dev/null); do
		[ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" = "$(readlink /proc/$$/ns/net)" ] && echo "$pid"
	done
	return 0
}
# --compare: the service masked (also when nothing is to install), and what
# runs on the host said.
compare_guard() {
	[ "$COMPARE" = yes ] || return 0
	if command -v systemctl >/dev/null 2>&1 &&
		[ "$(readlink /etc/systemd/system/miniupnpd.service 2>/dev/null)" != /dev/null ]; then
		systemctl mask miniupnpd.service >/dev/null 2>&1 ||
			echo "install-deps: could not mask miniupnpd.service" >&2
	fi
	running=$(host_miniupnpd)
	[ -z "$running" ] || echo "install-deps: warning: miniupnpd runs on this host (pid $running), not started here" >&2
}

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "install-deps: everything is installed"
	[ "$(id -u)" != 0 ] || compare_guard
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing:$missing (run as root to install them)" >&2
	exit 1
fi
# Servers the tests run in namespaces of their own (coturn's turnserver, and
# for --compare miniupnpd) must not start on this host: a policy-rc.d, if
# there is none, refuses them for this install, and coturn's service is
# disabled after it (its package enables it).
if [ ! -e /usr/sbin/policy-rc.d ]; then
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	trap 'exit 1' INT TERM
	# shellcheck disable=SC2016
	printf '%s\n' '#!/bin/sh' '# tools/install-deps.sh, removed after the install' \
		'case "$1" in miniupnpd*|coturn*) exit 101 ;; esac' 'exit 0' >/usr/sbin/policy-rc.d
	chmod 0755 /usr/sbin/policy-rc.d
fi
if [ "$COMPARE" = yes ]; then
	compare_guard
	export DEBCONF_NONINTERACTIVE_SEEN=true
	before=$(host_miniupnpd)
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing </dev/null >/dev/null
case " $missing " in *" coturn "*)
	if command -v systemctl >/dev/null 2>&1; then systemctl disable coturn.service >/dev/null 2>&1 || true; fi
	;;
esac
if [ "$COMPARE" = yes ]; then
	# A miniupnpd that the install started on the host anyway: stopped, by pid.
	for pid in $(host_miniupnpd); do
		printf '%s\n' "$before" | grep -qx "$pid" ||
			{ kill "$pid" && echo "install-deps: stopped miniupnpd $pid on the host"; }
	done
	compare_guard
fi
