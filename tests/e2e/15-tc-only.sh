#!/bin/bash
# path: own (xdp-mode none, whatever the interfaces)
# xdp-mode none: the TC programs alone translate everything, including
# CHECKSUM_PARTIAL skbs (hosts keep veth's checksum offload, so their TCP/UDP
# checksums hold only the pseudo-header sum until a device completes them).
source "$(dirname "$0")/lib.sh"
xnat_only "xnat's TC-only mode"
e2e_setup && gw_start '[interfaces]\nxdp-mode = none\n' || bail

expect_eq "no XDP program attached" "$(xdp_prog gl1)$(xdp_prog gl2)$(xdp_prog gw0)" ""
tcp_both_ways "TCP with partial checksums"
echo_server "$NS_WAN" udp 7000
expect_eq "UDP with a partial checksum: answered from the external address" \
	"$(ask lan2 udp $WAN 7000 sourceport=5000)" "$EXT:5000"
check "all of it went through TC (translated, nothing redirected by XDP)" \
	test "$(counter translated_out)" -gt 0 -a "$(counter xdp_redirected)" -eq 0
e2e_finish
