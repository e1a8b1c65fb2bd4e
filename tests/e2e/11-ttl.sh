#!/bin/bash
# nft: yes
# TTL: the gateway decrements it like any router; a packet arriving with
# TTL 1 gets a time-exceeded from the gateway. Traceroute through the NAT: a
# time-exceeded from a router beyond the gateway (the WAN host, on the way
# to the far host) comes back to the LAN host, quoting what it sent (RFC 5508).
source "$(dirname "$0")/lib.sh"
e2e_setup && gw_start || bail

out=$(lan1 ping -c 1 -t 1 -W 2 $WAN 2>&1)
check "TTL 1: time exceeded from the gateway" grep -q "From 192.168.1.1 .*Time to live exceeded" <<<"$out"
check "TTL 2: reaches the WAN host" lan1 ping -q -c 1 -t 2 -W 2 $WAN
out=$(lan1 ping -c 1 -W 2 $WAN)
check "the reply's TTL was decremented once by the gateway (63)" grep -q "ttl=63" <<<"$out"
# ping matches the quoted echo's identifier: only a correctly translated
# error is reported
out=$(lan2 ping -c 1 -t 2 -W 2 $FAR 2>&1)
check "ICMP TTL 2 beyond the WAN host: time exceeded from the second hop" \
	grep -q "From $WAN .*Time to live exceeded" <<<"$out"
check "TTL 3 reaches the far host" lan2 ping -q -c 1 -t 3 -W 2 $FAR
capture "$NS_LAN1" l1 icmp
echo x | lan1 timeout 3 socat -t 0.5 - UDP:$FAR:33434,sourceport=5300,ttl=2 >/dev/null 2>&1
capture_has "$NS_LAN1" l1 "$LAN1.5300 > $FAR.33434: UDP"
capture_stop
check "UDP TTL 2 (traceroute): time exceeded from the second hop, quoting lan1" \
	bash -c "grep -q '$WAN > $LAN1: ICMP time exceeded in-transit' '$TMP/cap-$NS_LAN1-l1' &&
		grep -q ' $LAN1.5300 > $FAR.33434: UDP' '$TMP/cap-$NS_LAN1-l1'"
e2e_finish
