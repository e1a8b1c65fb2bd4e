#!/bin/bash
# path: own (generic XDP)
# Generic XDP (xdp-mode skb, for NICs without native XDP): the same
# translations through the kernel's generic XDP hook. About XDP on veth, so
# the hosts send full checksums (E2E_XDP=1: generic XDP can't complete a
# CHECKSUM_PARTIAL packet either).
# shellcheck disable=SC2034 # read by lib.sh
XDP_MODE=skb E2E_XDP=1
source "$(dirname "$0")/lib.sh"
xnat_only "xnat's generic XDP mode"
e2e_setup && gw_start || bail

check "XDP attached in generic mode" bash -c "nsenter --net=/run/netns/$NS_GW ip -d link show gl1 | grep -q 'xdpgeneric'"
check "ping" lan1 ping -q -c 2 -i 0.2 -W 2 $WAN
tcp_both_ways "TCP"
echo_server "$NS_WAN" udp 7000
expect_eq "UDP, port preserved" "$(ask lan2 udp $WAN 7000 sourceport=5000)" "$EXT:5000"
check "fragments (ping -s 4000)" lan1 ping -q -M dont -s 4000 -c 2 -i 0.2 -W 2 $WAN
gw_forward tcp 8080 $LAN1
echo_server "$NS_LAN1" tcp 8080
expect_eq "hairpin from lan2" "$(ask lan2 tcp $EXT 8080 sourceport=42000)" "$EXT:42000"
expect_eq "hairpin back out the same interface" "$(ask lan1 tcp $EXT 8080 sourceport=42001)" "$EXT:42001"
check "the XDP path carried it (xdp_redirected > 1000)" test "$(counter xdp_redirected)" -gt 1000
e2e_finish
