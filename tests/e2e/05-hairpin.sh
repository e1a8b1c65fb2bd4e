#!/bin/bash
# nft: yes
# Hairpinning (RFC 4787 REQ-9, RFC 5382 REQ-8): lan2 reaches lan1's forwarded
# server through the external address, and lan1 sees lan2 as the external
# address and lan2's mapped port, as a WAN peer would.
source "$(dirname "$0")/lib.sh"
e2e_setup && gw_start || bail

if [[ $GW == nft ]]; then
	# The reference needs its own hairpin rules: DNAT on the LAN side too, and
	# masquerade so that the reply returns through the gateway.
	gw nft add rule ip xe pre ip daddr $EXT tcp dport 8080 dnat to $LAN1
	gw nft add rule ip xe post ip saddr 192.168.0.0/16 ip daddr $LAN1 ct status dnat masquerade
else
	gw_forward tcp 8080 $LAN1
fi
echo_server "$NS_LAN1" tcp 8080
seen=$(ask lan2 tcp $EXT 8080 sourceport=42000)
check "lan2 reaches lan1's server at the external address ($seen)" test -n "$seen"
differs_eq "lan1 sees lan2 as the external address and lan2's mapped port" "$seen" "$EXT:42000"
# lan1 to its own forward: the hairpinned packet leaves by the interface it
# came in on (XDP_TX in xnat), the usual case on a one-interface LAN.
seen=$(ask lan1 tcp $EXT 8080 sourceport=42001)
if check "hairpin back out the same LAN interface: lan1 reaches its own forward" test -n "$seen"; then
	differs_eq "... and sees itself as the external address" "$seen" "$EXT:42001"
fi

# A dynamic UDP mapping of lan1 (no forward) is reachable from lan2 through
# the external address (endpoint-independent filtering, the default).
ask lan1 udp $WAN 9 sourceport=6000 >/dev/null # opens lan1's mapping 6000
echo_server "$NS_LAN1" udp 6000
seen=$(ask lan2 udp $EXT 6000 sourceport=42002)
differs_eq "lan2 reaches lan1's UDP mapping through the external address" "$seen" "$EXT:42002"
if [[ $GW == xnat ]]; then
	check "counted as translated_hairpin" test "$(counter translated_hairpin)" -ge 2
fi
e2e_finish
