#!/bin/bash
# nft: yes
# UDP request/response through the NAT, port preserved.
source "$(dirname "$0")/lib.sh"
e2e_setup && gw_start || { not_ok "setup"; e2e_finish; exit 1; }

peer_echo_server "$NS_WAN" udp 7000
seen=$(echo hi | lan1 timeout 5 socat -T 2 - UDP:$WAN:7000,sourceport=41000)
expect_eq "a UDP reply comes back, from the external address" "$seen" "$EXT:41000"
seen=$(echo hi | lan2 timeout 5 socat -T 2 - UDP:$WAN:7000,sourceport=41002)
expect_eq "second LAN host, its own port preserved" "$seen" "$EXT:41002"
e2e_finish
