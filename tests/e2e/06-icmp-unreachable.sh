#!/bin/bash
# nft: yes
# An ICMP port unreachable from the WAN reaches the LAN sender, translated
# back (RFC 5508): the sender's socket reports "Connection refused".
source "$(dirname "$0")/lib.sh"
e2e_setup && gw_start || { not_ok "setup"; e2e_finish; exit 1; }

out=$( (echo a; sleep 0.5; echo b) | lan1 timeout 5 socat -T 2 - UDP:$WAN:9999 2>&1)
check "the LAN sender gets Connection refused (ICMP error translated back)" grep -q "Connection refused" <<<"$out"
# TCP to a closed port: the RST comes back too
out=$(lan1 timeout 5 socat -T 2 - TCP:$WAN:9998 </dev/null 2>&1)
check "TCP to a closed port is refused (RST translated)" grep -q "Connection refused" <<<"$out"
if [[ $GW == xnat ]]; then
	check "counted as translated_icmp_error_in" test "$(counter translated_icmp_error_in)" -ge 1
fi
e2e_finish
