#!/bin/bash
# path: own (this script is about the choice)
# Which path each interface takes (agent/xnatd/paths.c), as a user with
# default settings gets it:
# - veth with its default offloads: the TC path everywhere (partial
#   checksums; frames redirected into a veth are lost unless its peer runs
#   XDP or has GRO on), stated in the ready line and by xnatctl status; ping,
#   TCP, UDP and the hairpin work;
# - GRO on the peers, full checksums and --xdp-mode native: the XDP path;
# - --xdp-mode native with the peers' GRO off (the defaults): redirected
#   frames are lost, and xnatctl stats says so (xdp_redirect_lost);
# - a bridge as a LAN interface (a home router's br-lan): the TC path, the
#   hosts behind it reach the WAN and each other's forwarded ports.
source "$(dirname "$0")/lib.sh"
xnat_only "about xnatd's choice of path"
e2e_setup || bail
echo_server "$NS_WAN" tcp 9100
echo_server "$NS_WAN" udp 9101

path_of() { # path_of IF: xnatctl status --json's path of the interface
	xnatctl status --json | tr '{' '\n' | sed -n "s/.*\"name\":\"$1\",\"role\":\"[a-z]*\",\"path\":\"\\([a-z-]*\\)\".*/\\1/p"
}
traffic_works() { # traffic_works WHAT: ping, TCP and UDP from lan1 to the WAN echo servers (3 TAP lines)
	check "$1: ping" lan1 ping -q -c 2 -i 0.2 -W 2 $WAN
	expect_eq "$1: TCP, from the external address" "$(ask lan1 tcp $WAN 9100 | cut -d: -f1)" "$EXT"
	expect_eq "$1: UDP, port preserved" "$(ask lan1 udp $WAN 9101 sourceport=9101)" "$EXT:9101"
}

# ---- defaults: TC everywhere
xnatd_start || bail "xnatd starts with the defaults"
check "the ready line states each interface's path: TC on veth" \
	grep -q "ready: WAN gw0 TC; LAN gl1 TC, gl2 TC " "$TMP/xnatd.log"
check "... and why, one line each" grep -q "gl1: TC path: veth: partial checksums" "$TMP/xnatd.log"
expect_eq "xnatctl status --json: the WAN's path" "$(path_of gw0)" "tc"
expect_eq "... a LAN interface's" "$(path_of gl1)" "tc"
check "xnatctl status: each interface with its path and why" \
	grep -q "^  gl2 *LAN, tc path: veth" <<<"$(xnatctl status)"
expect_eq "no XDP program attached" "$(xdp_prog gl1)$(xdp_prog gl2)$(xdp_prog gw0)" ""
check "TC on the LAN interfaces (the hairpin) and on the WAN" \
	test -n "$(tc_progs ingress gl1)" -a -n "$(tc_progs ingress gl2)" -a -n "$(tc_progs egress)"
traffic_works "default offloads"
gw_forward tcp 8080 $LAN1
echo_server "$NS_LAN1" tcp 8080
expect_eq "the hairpin on the TC path: lan2 reaches lan1's forward through the external address" \
	"$(ask lan2 tcp $EXT 8080 sourceport=42000)" "$EXT:42000"
check "... translated by the LAN's TC ingress (translated_hairpin)" test "$(counter translated_hairpin)" -gt 0
check "nothing went through XDP, nothing lost" \
	test "$(counter xdp_redirected)" -eq 0 -a "$(counter xdp_redirect_lost)" -eq 0
xnatd_signal TERM

# ---- --xdp-mode native with the peers as they are: redirects lost, and said
xnatd_start "" --xdp-mode native || bail "xnatd starts with --xdp-mode native"
check "forced native: XDP attached, xnatctl says so" test -n "$(xdp_prog gl1)" -a "$(path_of gl1)" = xdp
lost=$(counter xdp_redirect_lost)
lan1 ping -q -c 3 -i 0.2 -W 1 $WAN >/dev/null 2>&1
check "... the replies XDP redirects into gl1 are lost (lan1's veth has GRO off): xdp_redirect_lost counts them" \
	test "$(counter xdp_redirect_lost)" -gt "$lost"
xnatd_signal TERM

# ---- the same with what veth needs for XDP: the XDP path, nothing lost
for ns_dev in "$NS_LAN1 l1" "$NS_LAN2 l2" "$NS_WAN w0"; do
	# shellcheck disable=SC2086 # two words
	set -- $ns_dev
	ip netns exec "$1" ethtool -K "$2" tx off gro on >/dev/null
done
xnatd_start "" --xdp-mode native || bail "xnatd starts with --xdp-mode native, GRO on the peers"
lost=$(counter xdp_redirect_lost) redirected=$(counter xdp_redirected)
traffic_works "GRO on the peers, --xdp-mode native"
check "... carried by XDP (xdp_redirected)" test "$(counter xdp_redirected)" -gt "$redirected"
check "... nothing lost" test "$(counter xdp_redirect_lost)" -eq "$lost"
xnatd_signal TERM

# ---- a bridge as a LAN interface: hosts behind br0 (a home router's br-lan)
NS_LAN3=$TAG-lan3
ALL_NS+=("$NS_LAN3")
ip netns add "$NS_LAN3"
ip -n "$NS_GW" link add br0 type bridge
ip link add l3 netns "$NS_LAN3" type veth peer name gb3 netns "$NS_GW"
ip -n "$NS_GW" link set gb3 master br0
ip -n "$NS_GW" link set gb3 up
ip -n "$NS_GW" addr add 192.168.3.1/24 dev br0
ip -n "$NS_GW" link set br0 up
host_link "$NS_LAN3" l3 192.168.3.10/24 192.168.3.1
lan3() { ip netns exec "$NS_LAN3" "$@"; }
nsenter --net=/run/netns/"$NS_GW" -- "$XNATD" --wan gw0 --lan gl1 --lan br0 --pin-root "$PIN" \
	--state-dir "$TMP/state" >>"$TMP/xnatd.log" 2>&1 &
XNATD_PID=$!
wait_for test -e "$PIN/xnatd_pid" || bail "xnatd starts with a bridge as a LAN interface"
check "a bridge as a LAN interface: xnatd starts, br0 on the TC path (no native XDP on a bridge)" \
	grep -q "br0: TC path: bridge: no native XDP" "$TMP/xnatd.log"
check "a host behind the bridge: ping" lan3 ping -q -c 2 -i 0.2 -W 2 $WAN
echo_server "$NS_WAN" tcp 9102
expect_eq "... TCP, from the external address" "$(ask lan3 tcp $WAN 9102 | cut -d: -f1)" "$EXT"
expect_eq "... the hairpin to lan1's forward" "$(ask lan3 tcp $EXT 8080 sourceport=42100)" "$EXT:42100"
e2e_finish
