#!/bin/bash
# xdp-mode none: the TC programs alone translate everything, including
# CHECKSUM_PARTIAL skbs (hosts keep veth's checksum offload, so their TCP/UDP
# checksums hold only the pseudo-header sum until a device completes them).
HOST_TX_CSUM=on
source "$(dirname "$0")/lib.sh"
e2e_setup && gw_start '[interfaces]\nxdp-mode = none\n' || { not_ok "setup"; e2e_finish; exit 1; }

check "no XDP program attached" bash -c "! nsenter --net=/run/netns/$NS_GW ip -d link show gl1 | grep -q prog/xdp"
head -c 2000000 /dev/urandom >"$TMP/blob"
wan socat -u TCP-LISTEN:9000,reuseaddr OPEN:"$TMP/up",creat,trunc &
srv=$!
sleep 0.2
lan1 timeout 20 socat -u OPEN:"$TMP/blob" TCP:$WAN:9000
wait $srv
expect_eq "TCP upload with partial checksums arrives intact" "$(sha256sum <"$TMP/up")" "$(sha256sum <"$TMP/blob")"
wan socat -u OPEN:"$TMP/blob" TCP-LISTEN:9001,reuseaddr &
srv=$!
sleep 0.2
lan1 timeout 20 socat -u TCP:$WAN:9001 OPEN:"$TMP/down",creat,trunc
wait $srv
expect_eq "TCP download arrives intact" "$(sha256sum <"$TMP/down")" "$(sha256sum <"$TMP/blob")"
peer_echo_server "$NS_WAN" udp 7000
seen=$(echo x | lan2 timeout 3 socat -T 2 - UDP:$WAN:7000,sourceport=5000)
expect_eq "UDP with a partial checksum: answered from the external address" "$seen" "$EXT:5000"
check "all of it went through TC (translated, nothing redirected by XDP)" \
	test "$(counter translated_out)" -gt 0 -a "$(counter xdp_redirected)" -eq 0
e2e_finish
