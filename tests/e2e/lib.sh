#!/bin/bash
# shellcheck shell=bash
# End-to-end test bed: two LAN hosts, the gateway, a WAN host with two
# addresses (two remote peers), each in its own network namespace.
#
#   lan1 192.168.1.10 --(l1|gl1 192.168.1.1)--+
#                                             gw  gw0 198.51.100.1 --(w0)-- wan 198.51.100.2 + .3
#   lan2 192.168.2.10 --(l2|gl2 192.168.2.1)--+
#
# One veth per LAN host (XDP on a bridge port would be a different test).
# The WAN host has no route back to the LANs: only translated traffic gets
# answers. GW=xnat (default) runs xnatd; GW=nft runs nftables masquerade,
# the kernel's own NAT, as the reference.
#
# Scripts source this, call e2e_setup and gw_start, and print TAP through
# ok/not_ok/skip; everything is removed on exit, even on failure.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BUILD=${BUILD:-build}
GW=${GW:-xnat}
XNATD=$(realpath "$BUILD/xnatd")
XNATCTL=$(realpath "$BUILD/xnatctl")

TAG=xe$$
NS_LAN1=$TAG-lan1 NS_LAN2=$TAG-lan2 NS_GW=$TAG-gw NS_WAN=$TAG-wan
PIN=/sys/fs/bpf/xnat-e2e-$$
TMP=$(mktemp -d)
XNATD_PID=

LAN1=192.168.1.10 LAN2=192.168.2.10 EXT=198.51.100.1 WAN=198.51.100.2 WAN_B=198.51.100.3

tap_n=0 tap_failed=0
ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - [$GW] $*"; }
not_ok() { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - [$GW] $*"; }
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - [$GW] $1 # SKIP $2"; }
note() { echo "# [$GW] $*"; }
# check DESCRIPTION CMD...: ok if CMD succeeds
check() { local what=$1; shift; if "$@" >/dev/null; then ok "$what"; else not_ok "$what"; fi; }
# expect_eq DESCRIPTION GOT WANT
expect_eq() {
	if [[ $2 == "$3" ]]; then ok "$1"; else not_ok "$1 (got '$2', want '$3')"; fi
}
wait_for() { local i; for i in $(seq 100); do "$@" && return 0; sleep 0.05; done; return 1; }

lan1() { ip netns exec "$NS_LAN1" "$@"; }
lan2() { ip netns exec "$NS_LAN2" "$@"; }
wan() { ip netns exec "$NS_WAN" "$@"; }
# nsenter keeps this mount namespace, so the bpffs pins stay visible.
gw() { nsenter --net=/run/netns/"$NS_GW" -- "$@"; }
xnatctl() { gw "$XNATCTL" --pin-root "$PIN" "$@"; }

e2e_cleanup() {
	set +e
	exec 2>/dev/null # the shell's "Killed" notices of background jobs
	[[ -n $XNATD_PID ]] && kill -9 "$XNATD_PID" 2>/dev/null
	for ns in "$NS_LAN1" "$NS_LAN2" "$NS_GW" "$NS_WAN"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
	done
	[[ -e /run/netns/$NS_GW ]] && gw "$XNATD" --unload --pin-root "$PIN" >/dev/null 2>&1
	for ns in "$NS_LAN1" "$NS_LAN2" "$NS_GW" "$NS_WAN"; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$PIN" "$TMP"
}

e2e_finish() {
	echo "1..$tap_n"
	((tap_failed == 0))
}

trap e2e_cleanup EXIT
trap 'exit 1' INT TERM

# veth ends in hosts: full checksums (tx off) and NAPI for XDP redirect (gro on).
# HOST_TX_CSUM=on keeps veth's checksum offload: the gateway then gets
# CHECKSUM_PARTIAL skbs, which only the TC path can translate (xdp-mode none).
host_link() {
	local ns=$1 dev=$2 addr=$3 gwaddr=$4
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "$addr" dev "$dev"
	ip -n "$ns" link set "$dev" up
	ip netns exec "$ns" ethtool -K "$dev" tx "${HOST_TX_CSUM:-off}" gro on >/dev/null
	[[ -n $gwaddr ]] && ip -n "$ns" route add default via "$gwaddr"
	return 0
}

e2e_setup() {
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
	for ns in "$NS_LAN1" "$NS_LAN2" "$NS_GW" "$NS_WAN"; do ip netns add "$ns" || return 1; done
	ip link add l1 netns "$NS_LAN1" type veth peer name gl1 netns "$NS_GW"
	ip link add l2 netns "$NS_LAN2" type veth peer name gl2 netns "$NS_GW"
	ip link add w0 netns "$NS_WAN" type veth peer name gw0 netns "$NS_GW"
	host_link "$NS_LAN1" l1 $LAN1/24 192.168.1.1
	host_link "$NS_LAN2" l2 $LAN2/24 192.168.2.1
	host_link "$NS_WAN" w0 $WAN/24 ""
	ip -n "$NS_WAN" addr add $WAN_B/24 dev w0
	ip -n "$NS_GW" link set lo up
	ip -n "$NS_GW" addr add 192.168.1.1/24 dev gl1
	ip -n "$NS_GW" addr add 192.168.2.1/24 dev gl2
	ip -n "$NS_GW" addr add $EXT/24 dev gw0
	for dev in gl1 gl2 gw0; do ip -n "$NS_GW" link set "$dev" up; done
	gw sysctl -qw net.ipv4.ip_forward=1
	# Resolve neighbours up front, as a running network would have.
	lan1 ping -c1 -W1 192.168.1.1 >/dev/null
	lan2 ping -c1 -W1 192.168.2.1 >/dev/null
	wan ping -c1 -W1 $EXT >/dev/null
}

# xnatd in the gateway namespace; optional config text as $1.
xnatd_start() {
	local conf=()
	if [[ -n ${1:-} ]]; then
		printf '%b' "$1" >"$TMP/xnat.conf"
		conf=(--config "$TMP/xnat.conf")
	fi
	# A plain command, so that $! is xnatd itself.
	nsenter --net=/run/netns/"$NS_GW" -- "$XNATD" --wan gw0 --lan gl1 --lan gl2 \
		--pin-root "$PIN" "${conf[@]}" >>"$TMP/xnatd.log" 2>&1 &
	XNATD_PID=$!
	if ! wait_for test -e "$PIN/xnatd_pid"; then
		echo "# xnatd did not start:"; sed 's/^/#   /' "$TMP/xnatd.log"
		return 1
	fi
}

xnatd_signal() { kill -"$1" "$XNATD_PID"; wait "$XNATD_PID" 2>/dev/null; XNATD_PID=; }

nft_start() {
	gw nft -f - <<-NFT
	table ip xe {
		chain pre { type nat hook prerouting priority dstnat; }
		chain post {
			type nat hook postrouting priority srcnat;
			oifname "gw0" masquerade
		}
	}
	NFT
}

# gw_start [xnat config text]: the gateway under test, by $GW.
gw_start() {
	case $GW in
	xnat) xnatd_start "${1:-}" ;;
	nft) nft_start ;;
	*) echo "# unknown GW=$GW"; return 1 ;;
	esac
}

# gw_forward PROTO PORTS HOST: a static forward (DNAT) from the WAN.
gw_forward() {
	local proto=$1 ports=$2 host=$3
	case $GW in
	xnat) xnatctl forward add "$proto" "$ports" "$host" >/dev/null ;;
	nft) gw nft add rule ip xe pre iifname gw0 "$proto" dport "$ports" dnat to "$host" ;;
	esac
}

# A server in a namespace that answers each TCP connection or UDP datagram
# with the peer address it saw. $1 ns runner, $2 proto, $3 port.
peer_echo_server() {
	local ns=$1 proto=$2 port=$3 spec
	if [[ $proto == tcp ]]; then spec=TCP-LISTEN:$port,fork,reuseaddr; else spec=UDP-RECVFROM:$port,fork; fi
	ip netns exec "$ns" socat "$spec" SYSTEM:'echo "$SOCAT_PEERADDR:$SOCAT_PEERPORT"' >/dev/null 2>&1 &
	sleep 0.2
}

# differs NAME CMD...: a behaviour where nftables is not the reference; run
# for xnat, recorded (not failed) for nft.
differs() {
	local what=$1; shift
	if "$@"; then ok "$what"
	elif [[ $GW == nft ]]; then skip "$what" "nftables behaves differently (docs/e2e-vs-nftables.md)"
	else not_ok "$what"; fi
}

# counter NAME: an xnatctl stats counter's packets (0 when absent)
counter() { xnatctl stats --json | tr '{},' '\n\n\n' | grep -A1 "\"$1\"" | sed -n 's/.*"packets":\([0-9]*\).*/\1/p' | head -1; }
