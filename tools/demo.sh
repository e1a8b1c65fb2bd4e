#!/bin/bash
# `make demo`: installs what is missing, builds, and shows traffic crossing
# the gateway: a LAN host and a WAN host in their own network namespaces,
# xnatd between them. Everything it creates is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(id -u) != 0 ]]; then
	echo "make demo: run as root (it loads BPF programs and creates network namespaces)" >&2
	exit 1
fi
tools/install-deps.sh
make -s
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

tag=xd$$
NS_LAN=$tag-lan NS_GW=$tag-gw NS_WAN=$tag-wan
PIN=/sys/fs/bpf/xnat-demo-$$
STATE=$(mktemp -d /tmp/xnat-demo.XXXXXX) # the UPnP uuid: not the host's /var/lib/xnat
XNATD_PID=

cleanup() {
	set +e
	[[ -n $XNATD_PID ]] && kill "$XNATD_PID" 2>/dev/null && wait "$XNATD_PID" 2>/dev/null
	for ns in "$NS_LAN" "$NS_GW" "$NS_WAN"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	build/xnatd --unload --pin-root "$PIN" >/dev/null 2>&1
	rm -rf "$STATE"
}
trap cleanup EXIT INT TERM

gw() { nsenter --net=/run/netns/"$NS_GW" -- "$@"; }
lan() { ip netns exec "$NS_LAN" "$@"; }
wan() { ip netns exec "$NS_WAN" "$@"; }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# listening tcp|udp PORT: until the WAN host's server listens (5 s at most)
listening() {
	for _ in $(seq 50); do
		[[ -n $(ip netns exec "$NS_WAN" ss -Hln"${1:0:1}" "sport = :$2") ]] && return 0
		sleep 0.1
	done
	return 1
}

say "topology: lan 192.168.1.10 -- [192.168.1.1 gateway 198.51.100.1] -- 198.51.100.2 wan"
for ns in "$NS_LAN" "$NS_GW" "$NS_WAN"; do ip netns add "$ns"; done
ip link add lan0 netns "$NS_LAN" type veth peer name gl0 netns "$NS_GW"
ip link add wan0 netns "$NS_WAN" type veth peer name gw0 netns "$NS_GW"
lan ip addr add 192.168.1.10/24 dev lan0
gw ip addr add 192.168.1.1/24 dev gl0
gw ip addr add 198.51.100.1/24 dev gw0
wan ip addr add 198.51.100.2/24 dev wan0
for ns in "$NS_LAN" "$NS_GW" "$NS_WAN"; do ip -n "$ns" link set lo up; done
lan ip link set lan0 up; wan ip link set wan0 up
gw ip link set gl0 up; gw ip link set gw0 up
lan ip route add default via 192.168.1.1
# The WAN host has no route to 192.168.1.0/24: only translated traffic gets answers.
# The hosts keep veth's default offloads: xnatd takes the TC path on veth (its ready line says why).

say "xnatd --wan gw0 --lan gl0 (in the gateway namespace)"
nsenter --net=/run/netns/"$NS_GW" -- build/xnatd --wan gw0 --lan gl0 --pin-root "$PIN" --state-dir "$STATE" &
XNATD_PID=$!
for _ in $(seq 50); do [[ -e $PIN/xnatd_pid ]] && break; sleep 0.1; done
[[ -e $PIN/xnatd_pid ]] || { echo "xnatd did not start" >&2; exit 1; }

say "a web-ish server on the WAN host answers with the address it sees"
ip netns exec "$NS_WAN" socat TCP-LISTEN:8080,fork,reuseaddr SYSTEM:'echo "hello $SOCAT_PEERADDR:$SOCAT_PEERPORT, from the WAN"' &
listening tcp 8080

say "lan\$ ping -c 3 198.51.100.2"
lan ping -c 3 -i 0.2 198.51.100.2
say "lan\$ socat - TCP:198.51.100.2:8080"
lan socat -T 2 - TCP:198.51.100.2:8080,sourceport=40000 </dev/null
say "lan\$ (UDP) DNS-like query to 198.51.100.2:5353"
ip netns exec "$NS_WAN" socat -T 2 UDP-RECVFROM:5353 SYSTEM:'head -c1 >/dev/null; echo "udp seen from $SOCAT_PEERADDR:$SOCAT_PEERPORT"' &
listening udp 5353
echo query | lan socat -T 2 - UDP:198.51.100.2:5353,sourceport=5353

say "xnatctl status (which path each interface takes, the programs, the address)"
gw build/xnatctl --pin-root "$PIN" status
say "xnatctl mappings"
gw build/xnatctl --pin-root "$PIN" mappings
say "xnatctl sessions"
gw build/xnatctl --pin-root "$PIN" sessions
say "xnatctl stats"
gw build/xnatctl --pin-root "$PIN" stats
say "bpftool map dump pinned $PIN/xnat_eim (BTF-typed)"
bpftool map dump pinned "$PIN/xnat_eim" | sed -n 1,24p
say "done: the WAN host only ever saw 198.51.100.1; state is removed on exit"
