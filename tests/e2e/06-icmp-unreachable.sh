#!/bin/bash
# nft: yes
# An ICMP port unreachable from the WAN reaches the LAN sender, translated
# back (RFC 5508): the sender's socket reports "Connection refused", and the
# quoted packet inside the error is the one the sender sent.
source "$(dirname "$0")/lib.sh"
e2e_setup && gw_start || bail

# socat's next write gets the error the first one caused
# (a datagram every 0.1 s until one of them is refused, 5 s at most)
out=$( (while echo a; do sleep 0.1; done) | lan1 timeout 5 socat -T 5 - UDP:$WAN:9999,sourceport=5000 2>&1)
check "UDP: the LAN sender gets Connection refused (ICMP error translated back)" \
	grep -q "Connection refused" <<<"$out"
capture "$NS_WAN" w0 icmp
capture "$NS_LAN2" l2 icmp
echo x | lan2 timeout 3 socat -t 0.5 - UDP:$WAN:9999,sourceport=5002 >/dev/null 2>&1
capture_has "$NS_LAN2" l2 "$LAN2.5002 > $WAN.9999: UDP"
capture_has "$NS_WAN" w0 "$EXT.5002 > $WAN.9999: UDP"
capture_stop
check "the error leaves the WAN host quoting the external address" \
	grep -q " $EXT.5002 > $WAN.9999: UDP" "$TMP/cap-$NS_WAN-w0"
check "lan2 receives it from the WAN host, quoting its own address" \
	bash -c "grep -q '$WAN > $LAN2: ICMP $WAN udp port 9999 unreachable' '$TMP/cap-$NS_LAN2-l2' &&
		grep -q ' $LAN2.5002 > $WAN.9999: UDP' '$TMP/cap-$NS_LAN2-l2'"
check "... with correct checksums (tcpdump -v finds no bad one)" \
	bash -c "! grep -qi 'wrong\|bad' '$TMP/cap-$NS_LAN2-l2'"
out=$(lan1 timeout 5 socat -T 2 - TCP:$WAN:9998,connect-timeout=2 </dev/null 2>&1)
check "TCP to a closed port is refused (RST translated)" grep -q "Connection refused" <<<"$out"
if [[ $GW == xnat ]]; then
	check "counted as translated_icmp_error_in" test "$(counter translated_icmp_error_in)" -ge 2
fi
e2e_finish
