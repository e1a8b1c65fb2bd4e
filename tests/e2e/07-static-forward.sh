#!/bin/bash
# nft: yes
# Static forwards from the WAN: a range (file transfer, TCP 6891-6900) and
# single ports (app sharing TCP 1503, remote assistance TCP 3389).
source "$(dirname "$0")/lib.sh"
e2e_setup || { not_ok "setup"; e2e_finish; exit 1; }
if [[ $GW == xnat ]]; then
	gw_start '[forward]\nrule = tcp 6891-6900 192.168.1.10\nrule = tcp 1503 192.168.1.10\n' ||
		{ not_ok "setup"; e2e_finish; exit 1; }
	gw_forward tcp 3389 $LAN1
else
	gw_start && gw_forward tcp 6891-6900 $LAN1 && gw_forward tcp 1503 $LAN1 && gw_forward tcp 3389 $LAN1
fi
for port in 6891 6895 6900 1503 3389; do peer_echo_server "$NS_LAN1" tcp $port; done
peer_echo_server "$NS_LAN1" tcp 6901
for port in 6891 6895 6900 1503 3389; do
	seen=$(wan timeout 5 socat -T 2 - TCP:$EXT:$port,bind=$WAN </dev/null 2>/dev/null)
	expect_eq "WAN reaches lan1 on forwarded TCP $port (lan1 sees the real client)" "${seen%:*}" "$WAN"
done
out=$(wan timeout 3 socat -T 1 - TCP:$EXT:6901,connect-timeout=1 </dev/null 2>&1)
check "an unforwarded port is not reached" test -z "$(grep -o "$WAN" <<<"$out")"
if [[ $GW == xnat ]]; then
	check "xnatctl forward list shows the range" bash -c "'$XNATCTL' --pin-root '$PIN' forward list | grep -q '6891-6900'"
	check "xnatctl forward del removes 3389" xnatctl forward del tcp 3389 $LAN1
	out=$(wan timeout 3 socat -T 1 - TCP:$EXT:3389,connect-timeout=1 </dev/null 2>&1)
	check "3389 is closed after del" test -z "$(grep -o "$WAN" <<<"$out")"
fi
e2e_finish
