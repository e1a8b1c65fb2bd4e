#!/bin/bash
# shellcheck shell=bash
# End-to-end test bed: two LAN hosts, the gateway, a WAN host with two
# addresses (two remote peers) that is also the router to a far host, each
# in its own network namespace.
#
#   lan1 192.168.1.10 --(l1|gl1 192.168.1.1)--+
#                                             gw  gw0 198.51.100.1 --(w0)-- wan 198.51.100.2 + .3
#   lan2 192.168.2.10 --(l2|gl2 192.168.2.1)--+                                 203.0.113.1 (d0)
#                                                                                    |
#                                                                   far 203.0.113.5 (d1)
#
# Why this shape:
# - One veth (and one subnet) per LAN host, both given to xnatd (--lan gl1
#   --lan gl2): XDP sees every LAN packet on a plain veth. A bridge in the
#   gateway would put XDP on bridge ports, a different (and awkward) test.
#   Two LAN interfaces also exercise hairpinning across interfaces.
# - The two remote peers are two addresses of one WAN host (socat bind= picks
#   the source): the NAT keys on addresses and ports, not on namespaces.
# - The WAN host has no route back to the LANs: only translated traffic gets
#   answers, so a gateway that forwards without translating fails every case.
#
# GW=xnat (default) runs xnatd with veth's default offloads, which gives the
# TC path (E2E_XDP=1: the XDP path; XDP_MODE=native|skb|none forces a mode);
# GW=nft runs nftables masquerade, the kernel's own NAT, as the reference.
# Scripts declare `# nft: yes` on line 2 when the nftables run makes sense;
# tests/run then runs them both ways. Where the two differ by design, the
# nft run records what nftables did as a skip (differs, differs_eq).
#
# A script sources this, calls `e2e_setup && gw_start || bail`, prints TAP
# through ok/not_ok/skip/check/expect_eq and ends with e2e_finish. Everything
# (namespaces, pins, processes) is removed on exit, even on failure, and a
# watchdog ends a script that runs longer than E2E_TIMEOUT seconds.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
BUILD=${BUILD:-build}
GW=${GW:-xnat}
E2E_TIMEOUT=${E2E_TIMEOUT:-90}
XNATD=$(realpath -m "$BUILD/xnatd")
XNATCTL=$(realpath -m "$BUILD/xnatctl")

# Unique names: the pid, and a random part (a namespace an earlier run left
# behind when it was killed may carry the same pid).
TAG=xe$$$(printf %04x $((RANDOM & 0xffff)))
NS_LAN1=$TAG-lan1 NS_LAN2=$TAG-lan2 NS_GW=$TAG-gw NS_WAN=$TAG-wan NS_FAR=$TAG-far
ALL_NS=("$NS_LAN1" "$NS_LAN2" "$NS_GW" "$NS_WAN" "$NS_FAR")
PIN=/sys/fs/bpf/xnat-e2e-${TAG#xe}
TMP=$(mktemp -d /tmp/xnat-e2e.XXXXXX)
XNATD_PID='' WATCHDOG_PID=''

# The WAN side's /24 and its three addresses: by default the documentation
# range 198.51.100.0/24; E2E_WAN_NET (the first three octets), E2E_EXT, E2E_WAN
# and E2E_WAN_B in the environment choose others (tools/compare/miniupnpd.sh
# needs an address miniupnpd takes for public). They exist only inside the
# namespaces.
WAN_NET=${E2E_WAN_NET:-198.51.100}
LAN1=192.168.1.10 LAN2=192.168.2.10
EXT=${E2E_EXT:-$WAN_NET.1} WAN=${E2E_WAN:-$WAN_NET.2} WAN_B=${E2E_WAN_B:-$WAN_NET.3}
FAR_NET=203.0.113 FAR=203.0.113.5 # a host behind the WAN host

# ---------------------------------------------------------------- TAP
tap_n=0 tap_failed=0
ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - [$GW] $*"; }
not_ok() { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - [$GW] $*"; }
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - [$GW] $1 # SKIP $2"; }
# check DESCRIPTION CMD...: ok if CMD succeeds (and returns its verdict)
check() { local what=$1; shift; if "$@" >/dev/null; then ok "$what"; else not_ok "$what"; return 1; fi; }
# expect_eq DESCRIPTION GOT WANT
expect_eq() {
	if [[ $2 == "$3" ]]; then ok "$1"; else not_ok "$1 (got '$2', want '$3')"; fi
}
# differs DESCRIPTION CMD...: a behaviour where nftables is not the reference:
# must hold for xnat; for nft the outcome is recorded, never failed.
differs() {
	local what=$1; shift
	if "$@" >/dev/null; then ok "$what"
	elif [[ $GW == nft ]]; then skip "$what" "nftables behaves differently (docs/e2e-vs-nftables.md)"
	else not_ok "$what"; fi
}
# differs_eq DESCRIPTION GOT WANT: the same for a value; the skip says what
# nftables gave.
differs_eq() {
	if [[ $2 == "$3" ]]; then ok "$1"
	elif [[ $GW == nft ]]; then skip "$1" "nftables gives '$2', not '$3' (docs/e2e-vs-nftables.md)"
	else not_ok "$1 (got '$2', want '$3')"; fi
}
e2e_finish() {
	echo "1..$tap_n"
	((tap_failed == 0))
}
# bail [WHAT]: the bed or the gateway did not come up; nothing else can run.
bail() { not_ok "${1:-setup}"; e2e_finish; exit 1; }
# xnat_only REASON: for GW=nft, one skip line with the reason and exit 0.
xnat_only() {
	[[ $GW == nft ]] || return 0
	skip "${0##*/}" "$1"
	e2e_finish
	exit 0
}

# E2E_SLOW: how many times slower than a usual machine this one runs (the
# kernel matrix's TCG guest: 10). Bounds of waits are scaled by it, never
# what a check requires.
E2E_SLOW=${E2E_SLOW:-1}
# scaled SECONDS: SECONDS x E2E_SLOW
scaled() { if ((E2E_SLOW == 1)); then echo "$1"; else awk "BEGIN { print $1 * $E2E_SLOW }"; fi; }

# wait_for CMD...: retry CMD for up to 5 s (x E2E_SLOW)
wait_for() { local _; for _ in $(seq $((100 * E2E_SLOW))); do "$@" && return 0; sleep 0.05; done; return 1; }

# ---------------------------------------------------------------- namespaces
lan1() { ip netns exec "$NS_LAN1" "$@"; }
lan2() { ip netns exec "$NS_LAN2" "$@"; }
wan() { ip netns exec "$NS_WAN" "$@"; }
far() { ip netns exec "$NS_FAR" "$@"; }
# `ip netns exec` remounts /sys, hiding the bpffs pins; nsenter keeps this
# mount namespace.
gw() { nsenter --net=/run/netns/"$NS_GW" -- "$@"; }
xnatctl() { gw "$XNATCTL" --pin-root "$PIN" "$@"; }
# lacks REGEX CMD...: CMD succeeds and no line of its output matches REGEX
# (grep -E), so "X is gone" can't pass because CMD failed.
lacks() {
	local re=$1 out
	shift
	out=$("$@") || return 1
	! grep -qE -- "$re" <<<"$out"
}

e2e_cleanup() {
	set +e
	exec 2>/dev/null # the shell's "Killed" notices of background jobs
	# Background function calls and pipelines run in subshells that would
	# report their child's death on their own stderr: our children go first.
	# (The watchdog first, gently: it ends its sleep.)
	local children
	[[ -n $WATCHDOG_PID ]] && kill "$WATCHDOG_PID" && wait "$WATCHDOG_PID"
	children=$(ps -o pid= --ppid $$)
	disown -a
	[[ -z $children ]] || kill -9 $children
	[[ -n $XNATD_PID ]] && kill -9 "$XNATD_PID"
	local ns
	for ns in "${ALL_NS[@]}"; do
		ip netns pids "$ns" | xargs -r kill -9
	done
	[[ -e /run/netns/$NS_GW && -e $PIN ]] && gw "$XNATD" --unload --pin-root "$PIN" >/dev/null 2>&1
	# Belt and braces: deleting the namespaces destroys the veths, which
	# detaches whatever was still attached to them.
	for ns in "${ALL_NS[@]}"; do ip netns del "$ns"; done
	rm -rf "$PIN" "$TMP"
}

# The watchdog: after E2E_TIMEOUT s it TERMs the script, which reports it and
# cleans up; if a hung foreground command keeps the script from it, the
# processes in our namespaces are killed too.
start_watchdog() {
	local me=$$
	(
		sleep "$E2E_TIMEOUT" &
		trap 'kill $! 2>/dev/null; exit 0' TERM
		wait $!
		echo "# watchdog: ${0##*/} ran over ${E2E_TIMEOUT}s"
		kill -TERM "$me"
		sleep 2 &
		wait $!
		for ns in "${ALL_NS[@]}"; do ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null; done
	) &
	WATCHDOG_PID=$!
}

on_signal() {
	trap - INT TERM
	not_ok "interrupted ($1) after ${SECONDS}s (E2E_TIMEOUT=${E2E_TIMEOUT})"
	e2e_finish
	exit 1
}
trap e2e_cleanup EXIT
trap 'on_signal TERM' TERM
trap 'on_signal INT' INT

# host_link NS DEV ADDR/LEN GATEWAY: a host's end of a veth, with veth's
# default offloads: xnatd takes the TC path on veth (agent/xnatd/paths.c).
# E2E_XDP=1 runs a script on the XDP path instead (tests/run runs every
# script both ways, "e2e/xnat-xdp/"): the hosts send full checksums (tx off:
# XDP cannot complete a CHECKSUM_PARTIAL packet) and their veths take
# redirected frames (gro on gives them NAPI), docs/DESIGN.md "veth", and
# xnatd is told --xdp-mode native.
E2E_XDP=${E2E_XDP:-}
[[ -n $E2E_XDP && -z ${XDP_MODE:-} ]] && XDP_MODE=native
host_link() {
	local ns=$1 dev=$2 addr=$3 gwaddr=$4
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "$addr" dev "$dev"
	ip -n "$ns" link set "$dev" up
	if [[ -n $E2E_XDP ]]; then
		ip netns exec "$ns" ethtool -K "$dev" tx off gro on >/dev/null || return 1
	fi
	[[ -z $gwaddr ]] || ip -n "$ns" route add default via "$gwaddr"
}
# on_xdp: the script runs on the XDP path (E2E_XDP=1, or XDP_MODE native or skb)
on_xdp() { [[ -n $E2E_XDP || ${XDP_MODE:-} == native || ${XDP_MODE:-} == skb ]]; }

e2e_setup() {
	[[ $(id -u) == 0 ]] || { echo "# needs root"; return 1; }
	if [[ $GW == xnat && ! -x $XNATD ]]; then
		echo "# no $XNATD: build first (make OUT=$BUILD)"
		return 1
	fi
	start_watchdog
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf || return 1
	local ns dev
	for ns in "${ALL_NS[@]}"; do ip netns add "$ns" || return 1; done
	ip link add l1 netns "$NS_LAN1" type veth peer name gl1 netns "$NS_GW" || return 1
	ip link add l2 netns "$NS_LAN2" type veth peer name gl2 netns "$NS_GW" || return 1
	ip link add w0 netns "$NS_WAN" type veth peer name gw0 netns "$NS_GW" || return 1
	host_link "$NS_LAN1" l1 $LAN1/24 192.168.1.1 || return 1
	host_link "$NS_LAN2" l2 $LAN2/24 192.168.2.1 || return 1
	host_link "$NS_WAN" w0 $WAN/24 "" || return 1
	ip -n "$NS_WAN" addr add $WAN_B/24 dev w0
	# The WAN host also routes to a host one hop further (traceroute,
	# path MTU discovery from beyond the gateway).
	ip link add d0 netns "$NS_WAN" type veth peer name d1 netns "$NS_FAR" || return 1
	ip -n "$NS_WAN" addr add $FAR_NET.1/24 dev d0
	ip -n "$NS_WAN" link set d0 up
	wan sysctl -qw net.ipv4.ip_forward=1
	host_link "$NS_FAR" d1 $FAR/24 $FAR_NET.1 || return 1
	ip -n "$NS_GW" link set lo up
	ip -n "$NS_GW" addr add 192.168.1.1/24 dev gl1
	ip -n "$NS_GW" addr add 192.168.2.1/24 dev gl2
	ip -n "$NS_GW" addr add $EXT/24 dev gw0
	for dev in gl1 gl2 gw0; do ip -n "$NS_GW" link set "$dev" up; done
	ip -n "$NS_GW" route add default via $WAN
	# A fresh namespace does not forward (the kernel's default): xnatd must
	# turn it on itself (01-ping checks it did); nftables is given it, as
	# its users set it.
	[[ $GW == nft ]] && gw sysctl -qw net.ipv4.ip_forward=1
	# Resolve neighbours up front, as a running network would have.
	lan1 ping -c1 -W1 192.168.1.1 >/dev/null &&
		lan2 ping -c1 -W1 192.168.2.1 >/dev/null &&
		wan ping -c1 -W1 $EXT >/dev/null
}

# ---------------------------------------------------------------- gateways
# xnatd_start [CONFIG TEXT] [XNATD OPTIONS...]: xnatd in the gateway
# namespace (LANs: XNATD_LANS, default gl1 gl2), ready when it publishes
# <pin root>/xnatd_pid.
xnatd_start() {
	local conf=()
	if [[ -n ${1:-} ]]; then
		printf '%b' "$1" >"$TMP/xnat.conf"
		conf=(--config "$TMP/xnat.conf")
	fi
	shift $(($# ? 1 : 0))
	[[ -n ${XDP_MODE:-} ]] && conf+=(--xdp-mode "$XDP_MODE")
	local lan
	for lan in ${XNATD_LANS:-gl1 gl2}; do conf+=(--lan "$lan"); done
	# A plain command, so that $! is xnatd itself.
	nsenter --net=/run/netns/"$NS_GW" -- "$XNATD" --wan "${XNATD_WAN:-gw0}" \
		--pin-root "$PIN" --state-dir "$TMP/state" "${conf[@]}" "$@" >>"$TMP/xnatd.log" 2>&1 &
	XNATD_PID=$!
	if ! wait_for test -e "$PIN/xnatd_pid"; then
		echo "# xnatd did not start:"; sed 's/^/#   /' "$TMP/xnatd.log"
		return 1
	fi
}

# xnatd_signal SIG: signal xnatd and reap it; returns its exit status.
xnatd_signal() {
	local rc
	kill -"$1" "$XNATD_PID"
	wait "$XNATD_PID" 2>/dev/null
	rc=$?
	XNATD_PID=
	return $rc
}

# The reference: masquerade on the WAN; NFT_MASQ_PORTS limits its ports
# (e.g. ":40000-40003"); forwards are dnat rules in chain pre.
nft_start() {
	local ports=
	[[ -n ${NFT_MASQ_PORTS:-} ]] &&
		ports="oifname \"gw0\" meta l4proto { tcp, udp } masquerade to $NFT_MASQ_PORTS"
	gw nft -f - <<-NFT
	table ip xe {
		chain pre { type nat hook prerouting priority dstnat; }
		chain post {
			type nat hook postrouting priority srcnat;
			$ports
			oifname "gw0" masquerade
		}
	}
	NFT
}

# gw_start [XNAT CONFIG TEXT]: the gateway under test, by $GW.
gw_start() {
	case $GW in
	xnat) xnatd_start "${1:-}" ;;
	nft) nft_start ;;
	*) echo "# unknown GW=$GW (xnat or nft)"; return 1 ;;
	esac
}

# gw_forward PROTO PORTS HOST[:PORT]: a static forward (DNAT) from the WAN.
gw_forward() {
	local proto=$1 ports=$2 host=$3
	case $GW in
	xnat) xnatctl forward add "$proto" "$ports" "$host" >/dev/null ;;
	nft) gw nft add rule ip xe pre iifname gw0 "$proto" dport "$ports" dnat to "$host" ;;
	esac
}

# ---------------------------------------------------------------- inspection
# counter NAME: an xnatctl stats counter's packets. When xnatctl fails or
# has no such counter: "none" on stdout (no number: a check comparing it
# fails), the reason on stderr, status 1.
counter() {
	local json n
	if ! json=$(xnatctl stats --json); then
		echo "# counter $1: xnatctl stats failed" >&2
		echo none
		return 1
	fi
	n=$(sed -n "s/.*\"$1\":{\"packets\":\([0-9]*\),.*/\1/p" <<<"$json")
	if [[ -z $n ]]; then
		echo "# counter $1: no such counter in xnatctl stats" >&2
		echo none
		return 1
	fi
	echo "$n"
}
# xdp_prog DEV: id of the XDP program on a gateway interface (empty if none)
xdp_prog() { gw ip -d link show "$1" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p' | head -1; }
# tc_progs DIR [DEV]: ids of the BPF filters on a gateway interface's (gw0's) ingress or egress hook
tc_progs() { gw tc filter show dev "${2:-gw0}" "$1" | sed -n 's/.* id \([0-9]*\).*/\1/p' | sort | tr '\n' ' '; }

# ---------------------------------------------------------------- peers
# wait_listen NSNAME tcp|udp PORT: until a socket listens on PORT in NSNAME
wait_listen() {
	local opt=-Hlnt
	[[ $2 == udp ]] && opt=-Hlnu
	wait_for bash -c "[[ -n \$(ip netns exec '$1' ss $opt 'sport = :$3') ]]"
}

# echo_server NSNAME tcp|udp PORT [BIND ADDRESS]: answers each TCP connection
# or UDP datagram with the address:port it came from (SOCAT_PEERADDR).
echo_server() {
	local ns=$1 proto=$2 port=$3 bind=${4:+,bind=$4} spec
	if [[ $proto == tcp ]]; then
		spec=TCP-LISTEN:$port,fork,reuseaddr$bind
	else
		spec=UDP-RECVFROM:$port,fork$bind
	fi
	# The request is read first: a shell that exits before socat has written
	# it makes socat fail with EPIPE and drop the answer. -t: how long the
	# shell may take to answer once the client has closed its side.
	ip netns exec "$ns" socat -t "$(scaled 0.5)" "$spec" \
		SYSTEM:'head -c1 >/dev/null; echo "$SOCAT_PEERADDR:$SOCAT_PEERPORT"' >/dev/null 2>&1 &
	wait_listen "$ns" "$proto" "$port"
}

# ask RUNNER PROTO ADDR PORT [SOCAT OPTIONS]: one request to an echo server;
# prints what it answered, nothing when no answer came. An answer is awaited
# 0.5 s (UDP: ASK_WAIT seconds, more when many run at once: each answer is a
# forked shell), x E2E_SLOW.
ask() {
	local run=$1 proto=$2 addr=$3 port=$4 opts=${5:+,$5}
	if [[ $proto == tcp ]]; then
		# -t: how long the answer may take once our side is closed
		$run timeout "$(scaled 5)" socat -T "$(scaled 2)" -t "$(scaled 0.5)" - \
			"TCP:$addr:$port,connect-timeout=$(scaled 2)$opts" </dev/null 2>/dev/null
	else
		echo x | $run timeout "$(scaled 8)" socat -t "$(scaled "${ASK_WAIT:-0.5}")" - \
			"UDP:$addr:$port$opts" 2>/dev/null
	fi
}

# tcp_sink NSNAME PORT FILE: takes one TCP connection, writes what it gets to
# FILE. tcp_source NSNAME PORT FILE: sends FILE to one TCP connection.
# Both run in the background (30 s at most), their pid in SRV_PID.
tcp_sink() {
	ip netns exec "$1" timeout 30 socat -u TCP-LISTEN:"$2",reuseaddr OPEN:"$3",creat,trunc 2>/dev/null &
	SRV_PID=$!
	wait_listen "$1" tcp "$2"
}
tcp_source() {
	ip netns exec "$1" timeout 30 socat -u OPEN:"$3" TCP-LISTEN:"$2",reuseaddr 2>/dev/null &
	SRV_PID=$!
	wait_listen "$1" tcp "$2"
}

# capture NSNAME IF FILTER [TCPDUMP OPTIONS...]: tcpdump -n -v in the
# background into $TMP/cap-NSNAME-IF (-A -s 0: with the payloads), ready when
# it says it listens; each packet printed as it comes (--immediate-mode).
# capture_has NSNAME IF REGEX: waits until the capture holds a line matching
# REGEX (what a check expects there: wait for it before capture_stop).
# capture_stop ends them all and waits for them.
CAPTURES=()
capture() {
	local out=$TMP/cap-$1-$2 ns=$1 dev=$2 filter=$3
	shift 3
	: >"$out"
	: >"$out.err"
	ip netns exec "$ns" timeout "$(scaled 20)" tcpdump --immediate-mode -l -n -v "$@" -i "$dev" "$filter" \
		>"$out" 2>"$out.err" &
	CAPTURES+=($!)
	wait_for grep -q "listening on" "$out.err"
}
capture_has() { wait_for grep -q -e "$3" "$TMP/cap-$1-$2"; }
# cap_packets FILE FROM REGEX: how many packets of a capture (tcpdump -v
# -A) came from FROM (an address, or address.port) and hold a line matching
# REGEX; each packet counted once, whatever it repeats.
cap_packets() {
	awk -v from="$2" -v re="$3" '
		/^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]/ { src = ""; seen = 0; next }
		src == "" && / > / { src = $1; next }
		!seen && (src == from || index(src, from ".") == 1) && $0 ~ re { seen = 1; n++ }
		END { print n + 0 }' "$1"
}
capture_stop() {
	kill -INT "${CAPTURES[@]}" 2>/dev/null
	wait "${CAPTURES[@]}" 2>/dev/null
	CAPTURES=()
}

# unreached WHAT PROTO PORT SPORT: the WAN host's probe of $EXT:PORT (from
# source port SPORT) reaches no LAN host (its echo server gives no answer),
# and, the positive twin, the gateway itself refused it: a TCP reset or an
# ICMP port unreachable from $EXT:PORT came back. So the probe arrived, and
# was not forwarded (a LAN listener would have answered). Two TAP lines.
unreached() {
	local what=$1 proto=$2 port=$3 sport=$4 refusal
	capture "$NS_WAN" w0 "host $EXT and ($proto port $port or icmp)"
	check "$what" test -z "$(ask wan "$proto" $EXT "$port" sourceport="$sport")"
	if [[ $proto == tcp ]]; then
		refusal="$EXT\\.$port > $WAN\\.$sport: Flags \\[R"
	else
		refusal="ICMP $EXT udp port $port unreachable"
	fi
	check "... the probe arrived: the gateway refused it itself" capture_has "$NS_WAN" w0 "$refusal"
	capture_stop
}

# tcp_both_ways WHAT: 2 MB from lan1 to the WAN host and back, each checked
# byte for byte (two TAP lines).
tcp_both_ways() {
	head -c 2000000 /dev/urandom >"$TMP/blob"
	local want
	want=$(sha256sum <"$TMP/blob")
	tcp_sink "$NS_WAN" 9000 "$TMP/up"
	lan1 timeout 20 socat -u OPEN:"$TMP/blob" TCP:$WAN:9000
	wait $SRV_PID
	expect_eq "$1: 2 MB upload arrives intact" "$(sha256sum <"$TMP/up")" "$want"
	tcp_source "$NS_WAN" 9001 "$TMP/blob"
	lan1 timeout 20 socat -u TCP:$WAN:9001 OPEN:"$TMP/down",creat,trunc
	wait $SRV_PID
	expect_eq "$1: 2 MB download arrives intact" "$(sha256sum <"$TMP/down")" "$want"
}

# ct_list ARGS...: `conntrack -L ARGS` in the gateway. Its status is
# conntrack's, so a "no entry" check fails when conntrack can't be read.
ct_list() { gw conntrack -L "$@" 2>/dev/null; }

# udp_refused CHECKER WHAT PEER SPORT PORT MARK: the WAN udp_peer PEER sends
# MARK from SPORT to $EXT:PORT; it must not reach lan1 (no MARK in
# $TMP/lan1.rx). The positive twin: the gateway's stack answered it port
# unreachable, so it arrived, was settled, and was not forwarded. CHECKER
# is check or differs. Two TAP lines.
udp_refused() {
	local checker=$1 what=$2 peer=$3 sport=$4 port=$5 mark=$6 cap refusal
	cap=$TMP/cap-$NS_WAN-w0
	refusal="ICMP $EXT udp port $port unreachable"
	capture "$NS_WAN" w0 icmp
	udp_send "$peer" "$sport" $EXT "$port" "$mark"
	# settled: delivered, or refused
	wait_for bash -c "grep -q '$mark' '$TMP/lan1.rx' || grep -q '$refusal' '$cap'"
	"$checker" "$what" bash -c "! grep -q '$mark' '$TMP/lan1.rx'"
	"$checker" "... the gateway refused it itself (port unreachable)" grep -q "$refusal" "$cap"
	capture_stop
}

# ---------------------------------------------------------------- SIP
# nft_sip_helper [udp|tcp]: for GW=nft, the conntrack SIP helper
# (nf_conntrack_sip and nf_nat_sip) on port 5060 (default UDP), the reference
# for xnat's SIP ALG. Automatic helper assignment is gone from the kernel: a
# rule must attach it.
nft_sip_helper() {
	local proto=${1:-udp}
	[[ $GW == nft ]] || return 0
	gw nft -f - <<-NFT
	table ip xe {
		ct helper sip-5060 { type "sip" protocol $proto; }
		chain helpers {
			type filter hook prerouting priority filter;
			$proto dport 5060 ct helper set "sip-5060"
		}
	}
	NFT
}

# ext_addr_longer: the gateway's WAN address becomes $EXT, 198.51.100.100 (by
# default: $WAN_NET.100), 14 characters for lan1's 12, so every rewritten SIP
# message grows (over TCP every later sequence number must then move). Before
# gw_start.
ext_addr_longer() {
	EXT=$WAN_NET.100
	ip -n "$NS_GW" addr flush dev gw0
	ip -n "$NS_GW" addr add $EXT/24 dev gw0
	ip -n "$NS_GW" route add default via $WAN 2>/dev/null
	wan ping -c1 -W1 $EXT >/dev/null
}

# udp_peer NAME NSNAME ADDR PORT...: a media endpoint (tests/e2e/sip/udp-peer.py)
# in the background, one socket per ADDR:PORT that both sends and receives,
# as a phone's RTP socket does. What it receives goes to $TMP/NAME.rx as
# "PORT FROM_ADDR:FROM_PORT PAYLOAD"; udp_send gives it datagrams to send.
declare -A UDP_PEER_FD=() UDP_PEER_AT=()
udp_peer() {
	local name=$1 ns=$2 addr=$3 fd
	shift 3
	mkfifo "$TMP/$name.ctl" || return 1
	ip netns exec "$ns" timeout "$E2E_TIMEOUT" python3 tests/e2e/sip/udp-peer.py "$addr" "$@" \
		<"$TMP/$name.ctl" >"$TMP/$name.rx" 2>"$TMP/$name.err" &
	exec {fd}>"$TMP/$name.ctl" # blocks until the peer has opened its end
	UDP_PEER_FD[$name]=$fd
	UDP_PEER_AT[$name]="$ns $addr:$1"
	udp_bound "$ns" "$addr:$1"
}
# udp_bound NSNAME ADDR:PORT: until a UDP socket is bound there
udp_bound() { wait_for bash -c "[[ -n \$(ip netns exec '$1' ss -Hlnu 'src $2') ]]"; }
# udp_peer_stop NAME: ends the peer (end of its commands) and waits until its
# first socket is gone.
udp_peer_stop() {
	local fd=${UDP_PEER_FD[$1]} at
	read -ra at <<<"${UDP_PEER_AT[$1]}"
	exec {fd}>&-
	unset "UDP_PEER_FD[$1]"
	wait_for bash -c "[[ -z \$(ip netns exec '${at[0]}' ss -Hlnu 'src ${at[1]}') ]]"
}
# udp_send NAME PORT DEST DPORT PAYLOAD: NAME sends PAYLOAD from its PORT.
# (In a subshell: if the peer has died, SIGPIPE ends that, not the script.)
udp_send() { (echo "$2 $3 $4 $5" >&"${UDP_PEER_FD[$1]}") 2>/dev/null; }
# udp_got NAME REGEX [TRIES]: whether NAME received a line matching REGEX,
# waiting up to TRIES x 50 ms (default 20: a datagram on veth takes
# microseconds, and a short wait keeps a failing case from eating a call's
# hold time).
udp_got() {
	local _
	for _ in $(seq "${3:-20}"); do
		grep -qE -- "$2" "$TMP/$1.rx" && return 0
		sleep 0.05
	done
	return 1
}

# xnat_age SECONDS: every timestamp in xnatd's maps moves SECONDS into the
# past (sessions' last_seen, mappings' last_used and lease expiry, EIM
# creation, address filters, SIP dialogs' last message and registration
# expiry): to the collector, the whole state has been idle that much longer.
# How a test passes a timeout it cannot wait for (UDP's is at least 120 s,
# more than a script may run); xnatd's next collection acts on it. Traffic
# should be quiet meanwhile: a refresh between the read and the write is lost.
# Field offsets are those of include/xnat/nat.h, checked against bpftool's
# BTF view of each entry, so a layout change fails here rather than ageing
# the wrong bytes.
xnat_age() {
	xnatctl mappings --json >"$TMP/age-mappings.json" || return 1
	python3 - "$1" "$PIN" "$TMP/age-mappings.json" <<-'PY'
	import json, subprocess, sys
	age, pin, mappings = int(sys.argv[1]), sys.argv[2], sys.argv[3]
	# map -> [(byte offset of a little-endian __u32, BTF field name or None)]
	FIELDS = {
	    "xnat_flows": [(8, "last_seen")],
	    "xnat_eim": [(4, "created")],
	    "xnat_adf": [(0, None)],
	    "xnat_sip_dialogs": [(0, "last_seen"), (4, "expires")],
	    "xnat_ports": [(8, "last_used"), (12, "expires")],
	}
	def bpftool(*args):
	    out = subprocess.run(["bpftool", "-j", *args], check=True, capture_output=True, text=True)
	    return json.loads(out.stdout) if out.stdout.strip() else None
	def aged(name, e):
	    val = [int(b, 16) for b in e["value"]]
	    for off, field in FIELDS[name]:
	        t = int.from_bytes(bytes(val[off:off + 4]), "little")
	        btf = e["formatted"]["value"]
	        if (btf[field] if field else btf) != t:
	            sys.exit(f"xnat_age: {name} layout changed ({field} not at byte {off})")
	        if t:  # 0: never (no expiry)
	            val[off:off + 4] = max(t - age, 1).to_bytes(4, "little")
	    return val
	def hexs(b):
	    return " ".join(f"{int(x, 16) if isinstance(x, str) else x:02x}" for x in b)
	cmds = []
	for name in ("xnat_flows", "xnat_eim", "xnat_adf", "xnat_sip_dialogs"):
	    for e in bpftool("map", "dump", "pinned", f"{pin}/{name}") or []:
	        cmds.append(f"map update pinned {pin}/{name} key hex {hexs(e['key'])} "
	                    f"value hex {hexs(aged(name, e))}")
	base = {"tcp": 0, "udp": 65536, "icmp": 2 * 65536}
	for m in json.load(open(mappings)):
	    slot = (base[m["proto"]] + m["external_port"]).to_bytes(4, "little")
	    e = bpftool("map", "lookup", "pinned", f"{pin}/xnat_ports", "key", "hex",
	                *(f"{b:02x}" for b in slot))
	    cmds.append(f"map update pinned {pin}/xnat_ports key hex {hexs(e['key'])} "
	                f"value hex {hexs(aged('xnat_ports', e))}")
	with open(mappings + ".batch", "w") as f:
	    f.write("\n".join(cmds) + "\n")
	if cmds:
	    subprocess.run(["bpftool", "batch", "file", mappings + ".batch"], check=True,
	                   stdout=subprocess.DEVNULL)
	PY
}

# sip_msg FILE TO REGEX: from a `tcpdump -n -A` capture, the first packet
# sent to TO (ADDR.PORT, or ADDR. for any port) with a line matching REGEX:
# its summary line and its payload. (The payload's first line follows the IP
# and UDP headers printed as text, which may hold newlines: match on a header
# line, not on line 1.)
sip_msg() {
	local to="> $2"
	[[ $to == *. ]] || to+=:
	awk -v to="$to" -v re="$3" '
		function flush() { if (hit) { printf "%s", buf; exit } }
		/^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]+ IP / { flush(); buf = ""; mine = index($0, to) > 0; hit = 0 }
		{ buf = buf $0 "\n"; if (mine && $0 ~ re) hit = 1 }
		END { flush() }' "$1"
}
# sip_captures: SIP (UDP 5060) as the WAN host and lan1 see it, into
# $TMP/wan.txt and $TMP/lan1.txt (tcpdump -A); returns once both listen.
sip_captures() {
	wan timeout "$E2E_TIMEOUT" tcpdump -l -n -i w0 -A -s 0 udp port 5060 >"$TMP/wan.txt" 2>"$TMP/wan.err" &
	lan1 timeout "$E2E_TIMEOUT" tcpdump -l -n -i l1 -A -s 0 udp port 5060 >"$TMP/lan1.txt" 2>"$TMP/lan1.err" &
	wait_for grep -q "listening on" "$TMP/wan.err" && wait_for grep -q "listening on" "$TMP/lan1.err"
}
# captured FILE TO REGEX: the capture holds that message (tcpdump may lag: wait_for it)
captured() { [[ -n $(sip_msg "$@") ]]; }

# ---------------------------------------------------------------- traffic across a fault
# stream_start NAME NSNAME ADDR PORT SECONDS: a paced TCP upload in the
# background, from NSNAME to a sink on the WAN host's ADDR:PORT, 100 kB every
# 0.1 s for about SECONDS (random data, kept); stream_check NAME WHAT waits for
# it and reports (one TAP line) whether every byte arrived, in order.
declare -A STREAM_CLI=() STREAM_SRV=()
stream_start() {
	local name=$1 ns=$2 addr=$3 port=$4 n=$(($5 * 10))
	head -c $((n * 100000)) /dev/urandom >"$TMP/$name.blob"
	ip netns exec "$NS_WAN" timeout $(($5 + 40)) socat -u TCP-LISTEN:"$port",bind="$addr",reuseaddr \
		OPEN:"$TMP/$name.got",creat,trunc 2>/dev/null &
	STREAM_SRV[$name]=$!
	wait_listen "$NS_WAN" tcp "$port" || return 1
	(for ((i = 0; i < n; i++)); do
		dd if="$TMP/$name.blob" bs=100000 skip=$i count=1 2>/dev/null
		sleep 0.1
	done) | ip netns exec "$ns" timeout $(($5 + 30)) socat -u - TCP:"$addr":"$port" 2>"$TMP/$name.err" &
	STREAM_CLI[$name]=$!
}
# stream_running NAME: the stream's sender is still at it
stream_running() { kill -0 "${STREAM_CLI[$1]}" 2>/dev/null; }
# grows FILE [BYTES]: waits until FILE (a sink's) has grown by BYTES (default
# 200 kB, two of a stream's chunks) from now: traffic flows at this moment.
grows() {
	local from
	from=$(stat -c %s "$1" 2>/dev/null || echo 0)
	wait_for bash -c "(( \$(stat -c %s '$1' 2>/dev/null || echo 0) >= $from + ${2:-200000} ))"
}
stream_check() {
	local name=$1 rc size
	wait "${STREAM_CLI[$name]}"
	rc=$?
	wait "${STREAM_SRV[$name]}"
	size=$(stat -c %s "$TMP/$name.got" 2>/dev/null)
	expect_eq "$2" "$rc $size $(sha256sum <"$TMP/$name.got")" \
		"0 $(stat -c %s "$TMP/$name.blob") $(sha256sum <"$TMP/$name.blob")"
}

# udp_exchange_start NAME NSNAME ADDR PORT SECONDS: a UDP exchange in the
# background: NSNAME sends a numbered datagram every 50 ms for SECONDS from one
# socket to an echo server on the WAN host's ADDR:PORT, which answers each
# with the address it came from. udp_exchange_wait NAME waits for it and sets
# UDPX_SENT, UDPX_RECEIVED, UDPX_GAP (the most consecutive datagrams without an
# answer) and UDPX_FROM (every source the server saw, comma-separated: one
# entry means one mapping throughout).
UDP_EXCHANGE_PY='
import socket, sys, time
if sys.argv[1] == "server":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((sys.argv[2], int(sys.argv[3])))
    while True:
        data, peer = s.recvfrom(2048)
        s.sendto(data + (" %s:%d" % peer).encode(), peer)
addr, port, secs = sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect((addr, port))
n, got, seen = int(secs / 0.05), set(), set()
def drain(until):
    while True:
        left = until - time.monotonic()
        if left <= 0:
            return
        s.settimeout(left)
        try:
            seq, src = s.recv(2048).decode().split()
            got.add(int(seq)); seen.add(src)
        except socket.timeout:
            return
        except OSError:  # an ICMP error for an earlier datagram
            pass
t = time.monotonic()
for i in range(n):
    try:
        s.send(str(i).encode())
    except OSError:
        pass
    t += 0.05
    drain(t)
drain(time.monotonic() + 1)
gap = run = 0
for i in range(n):
    run = 0 if i in got else run + 1
    gap = max(gap, run)
print("sent %d received %d longest-gap %d from %s" % (n, len(got), gap, ",".join(sorted(seen))))
'
declare -A UDPX_CLI=()
udp_exchange_start() {
	local name=$1 ns=$2 addr=$3 port=$4 secs=$5
	ip netns exec "$NS_WAN" timeout $((secs + 40)) python3 -c "$UDP_EXCHANGE_PY" server "$addr" "$port" \
		2>"$TMP/$name.srv.err" &
	wait_listen "$NS_WAN" udp "$port" || return 1
	ip netns exec "$ns" timeout $((secs + 30)) python3 -c "$UDP_EXCHANGE_PY" client "$addr" "$port" "$secs" \
		>"$TMP/$name.udp" 2>"$TMP/$name.udp.err" &
	UDPX_CLI[$name]=$!
}
udp_exchange_wait() {
	local _
	wait "${UDPX_CLI[$1]}"
	# shellcheck disable=SC2034 # for the scripts
	read -r _ UDPX_SENT _ UDPX_RECEIVED _ UDPX_GAP _ UDPX_FROM <"$TMP/$1.udp"
	echo "# UDP exchange $1: $(cat "$TMP/$1.udp" "$TMP/$1.udp.err")"
}

# todo_check DESCRIPTION REASON CMD...: like check, for a known bug: a failure
# is reported as a skip naming it ("# SKIP TODO: REASON"; tests/run counts a
# skip, not a "# TODO", as not failed), a pass as ok.
todo_check() {
	local what=$1 why=$2
	shift 2
	if "$@" >/dev/null; then ok "$what"; else skip "$what" "TODO: $why"; return 1; fi
}

# xnatd_start_patient [CONFIG TEXT] [XNATD OPTIONS...]: xnatd_start, giving a
# slow start up to 30 s more. A start verifies the BPF programs: 2-3 s on an
# idle 2-CPU VM, over the 5 s xnatd_start waits when the machine is busy (it
# then prints the log so far as comments; xnatd goes on starting).
xnatd_start_patient() {
	local _
	xnatd_start "$@" && return 0
	[[ -n $XNATD_PID ]] || return 1
	for _ in $(seq 300); do
		test -e "$PIN/xnatd_pid" && { echo "# ... it did, later"; return 0; }
		kill -0 "$XNATD_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
