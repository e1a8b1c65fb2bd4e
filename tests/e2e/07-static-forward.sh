#!/bin/bash
# nft: yes
# Static forwards from the WAN: a range (file transfer, TCP 6891-6900),
# single ports (application sharing TCP 1503, remote assistance TCP 3389, the
# last one added at run time), a UDP port, and a port translated to another
# internal port (8443 -> 443). Unforwarded ports stay closed.
source "$(dirname "$0")/lib.sh"
e2e_setup || bail
if [[ $GW == xnat ]]; then
	gw_start '[forward]\nrule = tcp 6891-6900 192.168.1.10\nrule = tcp 1503 192.168.1.10\nrule = udp 5060 192.168.1.10\nrule = tcp 8443 192.168.1.10:443\n' || bail
else
	gw_start && gw_forward tcp 6891-6900 $LAN1 && gw_forward tcp 1503 $LAN1 &&
		gw_forward udp 5060 $LAN1 && gw_forward tcp 8443 $LAN1:443 || bail
fi
gw_forward tcp 3389 $LAN1 || bail
for port in 6891 6895 6900 1503 3389 443 6901 8443; do echo_server "$NS_LAN1" tcp $port; done
echo_server "$NS_LAN1" udp 5060
sport=33000 # a new client port each time: no TIME_WAIT clash
for port in 6891 6895 6900 1503 3389; do
	sport=$((sport + 1))
	expect_eq "WAN reaches lan1 on forwarded TCP $port (lan1 sees the real client)" \
		"$(ask wan tcp $EXT $port sourceport=$sport)" "$WAN:$sport"
done
expect_eq "the second WAN peer too (TCP 6895)" \
	"$(ask wan tcp $EXT 6895 bind=$WAN_B:33100)" "$WAN_B:33100"
expect_eq "forwarded UDP 5060 reaches lan1" "$(ask wan udp $EXT 5060 sourceport=33101)" "$WAN:33101"
# nothing listens on lan1's 8443: only its 443 can answer
expect_eq "8443 reaches lan1's port 443 (port translated)" \
	"$(ask wan tcp $EXT 8443 sourceport=33102)" "$WAN:33102"
unreached "an unforwarded port (6901, lan1 listens) is not reached" tcp 6901 33103
if [[ $GW == xnat ]]; then
	check "xnatctl forward list shows the range" grep -q '6891-6900' <<<"$(xnatctl forward list)"
	check "xnatctl forward del removes 3389" xnatctl forward del tcp 3389 $LAN1
	unreached "3389 is closed after del" tcp 3389 33104
	check "the range still works" test -n "$(ask wan tcp $EXT 6900)"
fi
e2e_finish
