#!/bin/bash
# nft: yes
# Path MTU through the NAT.
# - A smaller MTU beyond the gateway (the WAN host's route to the far host,
#   1300): its "fragmentation needed" reaches the LAN sender translated back
#   (RFC 5508), so TCP lowers its segment size instead of black-holing.
# - A WAN link smaller than the LAN (1400): the gateway itself answers DF
#   packets with "fragmentation needed", and fragments the others after
#   translating them.
source "$(dirname "$0")/lib.sh"
e2e_setup && gw_start || bail
wan ip route change $FAR_NET.0/24 dev d0 proto kernel scope link src $FAR_NET.1 mtu lock 1300

out=$(lan1 ping -c 1 -M "do" -s 1400 -W 2 $FAR 2>&1)
check "DF ping over the 1300 hop: frag needed from the WAN host, translated back" \
	grep -q "From $WAN .*Frag needed and DF set (mtu = 1300)" <<<"$out"
head -c 2000000 /dev/urandom >"$TMP/blob"
tcp_sink "$NS_FAR" 9000 "$TMP/up"
lan2 timeout 20 socat -u OPEN:"$TMP/blob" TCP:$FAR:9000
wait $SRV_PID
expect_eq "TCP from lan2 over the 1300 hop: path MTU discovered, 2 MB intact" \
	"$(sha256sum <"$TMP/up")" "$(sha256sum <"$TMP/blob")"
check "lan2 learnt the path MTU 1300" grep -q "mtu 1300" <<<"$(lan2 ip route get $FAR)"
if [[ $GW == xnat ]]; then
	check "counted as translated_icmp_error_in" test "$(counter translated_icmp_error_in)" -ge 2
fi

gw ip link set gw0 mtu 1400
wan ip link set w0 mtu 1400
out=$(lan1 ping -c 1 -M "do" -s 1450 -W 2 $WAN 2>&1)
check "WAN MTU 1400: a DF ping of 1478 bytes gets frag needed from the gateway" \
	grep -q "From 192.168.1.1 .*Frag needed and DF set (mtu = 1400)" <<<"$out"
check "without DF the gateway fragments it (and the reply comes back in fragments)" \
	lan1 ping -q -c 2 -i 0.2 -M dont -s 1450 -W 2 $WAN
head -c 1450 /dev/urandom >"$TMP/dgram"
wan socat -T 1 UDP-RECVFROM:7100,fork PIPE 2>/dev/null &
wait_listen "$NS_WAN" udp 7100
out=$( (cat "$TMP/dgram"; sleep 0.5; cat "$TMP/dgram") |
	lan2 timeout 5 socat -t 1 - UDP:$WAN:7100,sourceport=5200 2>&1 >/dev/null)
check "a 1450-byte UDP datagram with DF: the sender is told (Message too long)" \
	grep -q "Message too long" <<<"$out"
lan2 timeout 5 socat -t 1 - UDP:$WAN:7100,sourceport=5201,ip-mtu-discover=0 <"$TMP/dgram" >"$TMP/got"
expect_eq "without DF it crosses the 1400 link both ways whole" \
	"$(sha256sum <"$TMP/got")" "$(sha256sum <"$TMP/dgram")"
e2e_finish
