#!/bin/bash
# path: own (this script is about XDP on a bridge's ports)
# A bridge as the LAN interface (a home router's br-lan) with two hosts on
# its ports. The bridge itself has no native XDP; its ports may
# (agent/xnatd/bridge.c): XDP there translates what the bridge routes to the
# WAN, and everything else goes into the bridge as before.
# - defaults: the ports are veths (partial checksums), so TC, and it works;
# - --xdp-mode native forces XDP on the ports: here the hosts send full
#   checksums (tx off) and the WAN host has GRO on, what XDP on veth needs
#   (the redirect into gw0 is lost otherwise, see 36-paths). Then: the
#   stated path, traffic carried by XDP, traffic between the hosts and the
#   hairpin still through the bridge, a port leaving STP's forwarding state
#   (nothing from it leaves through XDP; back to forwarding, it does), a port
#   leaving and joining the bridge (XDP detached and attached), and nothing
#   left attached when xnatd stops;
# - vlan_filtering on the bridge keeps XDP off its ports.
source "$(dirname "$0")/lib.sh"
xnat_only "about xnatd's XDP on a bridge's ports"
NS_LAN3=$TAG-lan3 NS_LAN4=$TAG-lan4
ALL_NS+=("$NS_LAN3" "$NS_LAN4")
e2e_setup || bail
ip -n "$NS_GW" link add br0 type bridge
ip link add l3 netns "$NS_LAN3" type veth peer name gb3 netns "$NS_GW"
ip link add l4 netns "$NS_LAN4" type veth peer name gb4 netns "$NS_GW"
for dev in gb3 gb4; do ip -n "$NS_GW" link set "$dev" master br0 up; done
ip -n "$NS_GW" addr add 192.168.3.1/24 dev br0
ip -n "$NS_GW" link set br0 up
host_link "$NS_LAN3" l3 192.168.3.10/24 192.168.3.1 || bail
host_link "$NS_LAN4" l4 192.168.3.11/24 192.168.3.1 || bail
lan3() { ip netns exec "$NS_LAN3" "$@"; }
lan4() { ip netns exec "$NS_LAN4" "$@"; }
echo_server "$NS_WAN" tcp 9100
echo_server "$NS_WAN" udp 9101
echo_server "$NS_LAN4" tcp 8080
export XNATD_LANS="gl1 br0"

port_json() { # port_json PORT: its entry in xnatctl status --json's interfaces
	xnatctl status --json | tr '{' '\n' | grep "\"name\":\"$1\""
}
port_says() { port_json "$1" | grep -q -- "$2"; } # port_says PORT TEXT
has_xdp() { [[ -n $(xdp_prog "$1") ]]; }
traffic_works() { # traffic_works WHAT: ping, TCP and UDP from lan3 to the WAN (3 TAP lines)
	check "$1: ping" lan3 ping -q -c 2 -i 0.2 -W 2 $WAN
	expect_eq "$1: TCP, from the external address" "$(ask lan3 tcp $WAN 9100 | cut -d: -f1)" "$EXT"
	expect_eq "$1: UDP" "$(ask lan3 udp $WAN 9101 sourceport=9201 | cut -d: -f1)" "$EXT"
}

# ---- defaults: the ports are veths, TC for all
xnatd_start || bail "xnatd starts with br0 as a LAN interface"
check "defaults: br0 on the TC path" grep -q "br0: TC path: bridge: no native XDP" "$TMP/xnatd.log"
expect_eq "... no XDP on its veth ports" "$(xdp_prog gb3)$(xdp_prog gb4)" ""
traffic_works "defaults, a host behind the bridge"
xnatd_signal TERM

# ---- --xdp-mode native: XDP on the ports. What veth needs for it (the
# hosts' checksums complete, GRO on the WAN host for the redirect into gw0):
for ns_dev in "$NS_LAN3 l3" "$NS_LAN4 l4"; do
	# shellcheck disable=SC2086 # two words
	set -- $ns_dev
	ip netns exec "$1" ethtool -K "$2" tx off >/dev/null
done
ip netns exec "$NS_WAN" ethtool -K w0 gro on >/dev/null
xnatd_start "" --xdp-mode native || bail "xnatd starts with --xdp-mode native and a bridge"
check "the bridge's line names its ports on XDP" \
	grep -qE "br0: TC path: bridge: no native XDP; XDP on its ports \(to the WAN\): gb[34], gb[34]" \
	"$TMP/xnatd.log"
check "... XDP attached to both ports" test -n "$(xdp_prog gb3)" -a -n "$(xdp_prog gb4)"
check "xnatctl status --json: a port, its bridge and state" \
	grep -q '"role":"bridge-port","path":"xdp","why":"port of br0, forwarding' <<<"$(port_json gb3)"
check "xnatctl status: the ports listed" grep -q "^  gb4 *port, xdp path: port of br0" <<<"$(xnatctl status)"
redirected=$(counter xdp_redirected) lost=$(counter xdp_redirect_lost) out=$(counter translated_out)
traffic_works "XDP on the ports"
check "... carried by XDP: xdp_redirected grew by the packets out" \
	test "$(counter xdp_redirected)" -gt "$redirected" -a "$(counter translated_out)" -gt "$out"
check "... nothing lost" test "$(counter xdp_redirect_lost)" -eq "$lost"
bridged=$(counter pass_bridged)
check "between the bridge's hosts: switched by the bridge" lan3 ping -q -c 2 -i 0.2 -W 2 192.168.3.11
check "... XDP saw the frames for lan4 and left them to the bridge (pass_bridged)" \
	test "$(counter pass_bridged)" -gt "$bridged"
xnatctl forward add tcp 8080 192.168.3.11 >/dev/null
hairpin=$(counter translated_hairpin)
expect_eq "the hairpin from one port's host to the other's forward" \
	"$(ask lan3 tcp $EXT 8080 sourceport=42300)" "$EXT:42300"
check "... by the bridge's TC program (translated_hairpin)" test "$(counter translated_hairpin)" -gt "$hairpin"

# A port out of STP's forwarding state drops what comes in; XDP must not
# send it on. (STP is off: the state is set by hand, as STP would.)
gw bridge link set dev gb3 state 0
check "a port set to STP state disabled: xnatctl says it is not forwarding" \
	wait_for port_says gb3 '"why":"port of br0, not forwarding'
redirected=$(counter xdp_redirected)
lan3 ping -q -c 3 -i 0.2 -W 1 $WAN >/dev/null 2>&1
expect_eq "... nothing from its host left through XDP" "$(counter xdp_redirected)" "$redirected"
gw bridge link set dev gb3 state 3
check "... forwarding again: xnatctl says so" wait_for port_says gb3 'port of br0, forwarding'
check "... forwarding again: its host reaches the WAN" lan3 ping -q -c 2 -i 0.2 -W 2 $WAN
check "... through XDP" test "$(counter xdp_redirected)" -gt "$redirected"

gw ip link set gb4 nomaster
check "a port leaving the bridge: XDP detached from it" wait_for eval '! has_xdp gb4'
check "... and xnatctl no longer lists it" lacks '"name":"gb4"' xnatctl status --json
gw ip link set gb4 master br0
check "joining again: XDP attached" wait_for has_xdp gb4
xnatd_signal TERM
expect_eq "xnatd stopped: nothing left on the ports" "$(xdp_prog gb3)$(xdp_prog gb4)" ""

# ---- vlan_filtering: the bridge's VLANs decide what reaches it; no XDP on the ports
if ! ip -n "$NS_GW" link set br0 type bridge vlan_filtering 1 2>/dev/null; then
	skip "vlan_filtering keeps XDP off the ports" "this kernel has no bridge VLAN filtering"
else
	xnatd_start "" --xdp-mode native || bail "xnatd starts with a VLAN-filtering bridge"
	check "vlan_filtering: said in the bridge's line" grep -q "vlan_filtering keeps XDP off its ports" "$TMP/xnatd.log"
	expect_eq "... no XDP on its ports" "$(xdp_prog gb3)$(xdp_prog gb4)" ""
	traffic_works "vlan_filtering, the TC path"
fi
e2e_finish
