#!/bin/bash
# nft: yes
# Hairpinning (RFC 4787 REQ-9): lan2 reaches lan1's forwarded server through
# the external address, and lan1 sees lan2 as the external address.
source "$(dirname "$0")/lib.sh"
e2e_setup && gw_start || { not_ok "setup"; e2e_finish; exit 1; }

if [[ $GW == nft ]]; then
	# The reference needs its own hairpin rules: DNAT on the LAN side too, and
	# masquerade so that the reply returns through the gateway.
	gw nft add rule ip xe pre ip daddr $EXT tcp dport 8080 dnat to $LAN1
	gw nft add rule ip xe post ip saddr 192.168.0.0/16 ip daddr $LAN1 ct status dnat masquerade
else
	gw_forward tcp 8080 $LAN1
fi
peer_echo_server "$NS_LAN1" tcp 8080
seen=$(lan2 timeout 5 socat -T 2 - TCP:$EXT:8080,sourceport=42000 </dev/null)
check "lan2 reaches lan1's server at the external address" test -n "$seen"
if [[ $GW == xnat ]]; then
	expect_eq "lan1 sees lan2 as the external address and lan2's mapped port" "$seen" "$EXT:42000"
else
	note "nftables: lan1 saw $seen (masquerade towards the LAN uses the gateway's LAN address)"
	ok "lan1 sees the hairpinned client as $seen"
fi
# a UDP mapping of lan1 (not a forward) is reachable from lan2 too: EIF filtering
if [[ $GW == xnat ]]; then
	# lan1 opens a mapping for its port 6000, then serves on that port
	echo open | lan1 timeout 3 socat -T 0.5 - UDP:$WAN:9,sourceport=6000 >/dev/null 2>&1
	lan1 socat UDP-RECVFROM:6000,fork SYSTEM:'echo "$SOCAT_PEERADDR"' &
	sleep 0.2
	seen=$(echo x | lan2 timeout 3 socat -T 2 - UDP:$EXT:6000 2>/dev/null)
	expect_eq "lan2 reaches lan1's UDP mapping through the external address" "$seen" "$EXT"
fi
e2e_finish
