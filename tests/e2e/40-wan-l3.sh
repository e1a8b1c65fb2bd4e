#!/bin/bash
# nft: yes
# A WAN without Ethernet: a tun device (as PPPoE's ppp0, a WireGuard
# interface or a raw-IP modem: packets start at the IPv4 header), carried
# over UDP between the gateway and the WAN host by socat. xnatd translates
# on it by the TC path (XDP takes Ethernet frames only): ping, TCP both
# ways, UDP with endpoint-independent mapping, a static forward, an ICMP
# error back to the LAN host, the hairpin, NAT-PMP, UPnP, SIP (a short message
# and a fragmented one), TCP's MSS clamped to the WAN's MTU; the WAN side
# never sees a private address.
# xnatd refuses a WAN whose link it can't parse (a sit tunnel: IPv6 in
# IPv4), saying why, rather than let packets leave untranslated. Then the
# WAN is made anew, as pppd does for each session: t0 goes, comes back
# without an address (nothing from lan1 may leave: dropped, counted), then
# with another one, and xnatd follows it there. The reference is nftables
# masquerade on the tun.
source "$(dirname "$0")/lib.sh"
TUN_GW=192.0.2.1 TUN_WAN=192.0.2.2 TUN_WAN_B=192.0.2.9 TUN_GW2=192.0.2.3
e2e_setup || bail
# The carrier: UDP 7100 between the veth addresses, the gateway's own traffic.
# tun_gw [ADDR/BITS]: the gateway's end, t0 (without an address unless given)
tun_gw() {
	# (a plain command: $! is socat itself, nsenter execs it)
	nsenter --net=/run/netns/"$NS_GW" -- socat UDP-DATAGRAM:$WAN:7100,bind=$EXT:7100 \
		"TUN${1:+:$1},tun-name=t0,iff-no-pi,iff-up" >/dev/null 2>>"$TMP/socat-gw.err" &
	SOCAT_GW=$!
}
tun_gw $TUN_GW/29
wan socat UDP-DATAGRAM:$EXT:7100,bind=$WAN:7100 TUN:$TUN_WAN/29,tun-name=t1,iff-no-pi,iff-up \
	>/dev/null 2>"$TMP/socat-wan.err" &
wait_for gw ip link show t0 up >/dev/null 2>&1 && wait_for wan ip link show t1 up >/dev/null 2>&1 ||
	bail "tun pair"
ip -n "$NS_WAN" addr add $TUN_WAN_B/32 dev t1
ip -n "$NS_GW" route replace default dev t0
wait_for gw ping -c1 -W1 $TUN_WAN >/dev/null || bail "the tun pair carries nothing"
expect_eq "t0 has no link-layer header" "$(gw ip -o link show t0 | grep -o 'link/none')" link/none

case $GW in
xnat) XNATD_WAN=t0 xnatd_start || bail "xnatd on t0" ;;
nft)
	gw sysctl -qw net.ipv4.ip_forward=1
	gw nft -f - <<-NFT || bail "nft"
	table ip xe {
		chain post {
			type nat hook postrouting priority srcnat;
			oifname "t0" masquerade
		}
		chain clamp {
			type filter hook forward priority filter;
			tcp flags syn tcp option maxseg size set rt mtu
		}
	}
	NFT
	;;
esac
if [[ $GW == xnat ]]; then
	sed -n 's/^/#   /; /ready:/p' "$TMP/xnatd.log"
	check "xnatd is ready on t0 with its address" grep -q "ready: .*t0.*(external address $TUN_GW)" "$TMP/xnatd.log"
	xnatctl status >"$TMP/status.txt"; grep -A3 "^interfaces" "$TMP/status.txt" | sed "s/^/#   /"
	check "... on the TC path, and xnatctl status says why" grep -q "t0 .*WAN, tc path: no link-layer header" "$TMP/status.txt"
fi

# What the WAN side sees: every IPv4 packet on t1.
wan timeout 60 tcpdump -l -n -i t1 ip >"$TMP/t1.txt" 2>"$TMP/t1.err" &
wait_for grep -q "listening on" "$TMP/t1.err" || bail "tcpdump"

check "ping from lan1 to the WAN host across t0" lan1 ping -c2 -W2 $TUN_WAN
WAN=$TUN_WAN tcp_both_ways "TCP over t0"
echo_server "$NS_WAN" tcp 9002 $TUN_WAN
seen=$(ask lan2 tcp $TUN_WAN 9002)
expect_eq "the TCP server sees the external address" "${seen%:*}" "$TUN_GW"

# UDP, and the same mapping to two WAN hosts (EIM, RFC 4787 REQ-1).
udp_peer wanp "$NS_WAN" 0.0.0.0 7000 || bail "WAN UDP peer"
udp_peer lanp "$NS_LAN1" $LAN1 5004 || bail "LAN UDP peer"
udp_send lanp 5004 $TUN_WAN 7000 eim-1
udp_send lanp 5004 $TUN_WAN_B 7000 eim-2
check "UDP reaches the WAN host" udp_got wanp "^7000 $TUN_GW:[0-9]+ eim-1\$"
check "... and its second address" udp_got wanp "^7000 $TUN_GW:[0-9]+ eim-2\$"
p1=$(sed -n "s/^7000 $TUN_GW:\([0-9]*\) eim-1\$/\1/p" "$TMP/wanp.rx")
p2=$(sed -n "s/^7000 $TUN_GW:\([0-9]*\) eim-2\$/\1/p" "$TMP/wanp.rx")
differs_eq "the same external port for both (EIM)" "$p1" "$p2"
udp_send wanp 7000 $TUN_GW "${p1:-0}" reply-1
check "the WAN host's answer reaches lan1" udp_got lanp "^5004 $TUN_WAN:7000 reply-1\$"

# An ICMP error from the WAN host (UDP to a closed port) goes back to lan1.
out=$(lan1 python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.connect(('$TUN_WAN', 7999)); s.send(b'x')
try:
    s.recv(10); print('answered')
except ConnectionRefusedError: print('refused')
except socket.timeout: print('timeout')" 2>&1)
expect_eq "a UDP datagram to a closed port: lan1 gets the port unreachable" "$out" refused

# A static forward from the WAN side to lan1.
case $GW in
xnat) xnatctl forward add tcp 8080 $LAN1:8000 >/dev/null ;;
nft) gw nft add chain ip xe pre '{ type nat hook prerouting priority dstnat; }' &&
	gw nft add rule ip xe pre iifname t0 tcp dport 8080 dnat to $LAN1:8000 ;;
esac
echo_server "$NS_LAN1" tcp 8000
seen=$(ask wan tcp $TUN_GW 8080)
expect_eq "a static forward: the WAN host reaches lan1's server (it sees the WAN host)" "${seen%:*}" "$TUN_WAN"

# The hairpin: lan2 to the forward on the external address.
seen=$(ask lan2 tcp $TUN_GW 8080 sourceport=42000)
differs_eq "the hairpin: lan2 reaches lan1's forward on the external address, seen as it" "$seen" "$TUN_GW:42000"
if [[ $GW == xnat ]]; then
	# NAT-PMP tells the external address of t0.
	out=$(lan1 timeout 10 natpmpc -g 192.168.1.1 2>&1)
	check "NAT-PMP: the public address is t0's" grep -q "Public IP address : $TUN_GW" <<<"$out"
	# UPnP IGD: a mapping lan1 asks for, which the WAN host then reaches.
	out=$(lan1 timeout 10 upnpc -u http://192.168.1.1:49152/rootDesc.xml -e "file transfer" \
		-a $LAN1 6891 6891 TCP 3600 2>&1)
	check "UPnP: AddPortMapping TCP 6891 on t0's address" \
		grep -q "external $TUN_GW:6891 TCP is redirected to internal $LAN1:6891" <<<"$out"
	echo_server "$NS_LAN1" tcp 6891
	expect_eq "... which the WAN host reaches" "$(ask wan tcp $TUN_GW 6891 sourceport=34001)" "$TUN_WAN:34001"
fi
# SIP over t0: a short call set-up (the fast path's ALG) and one of 3.2 KB
# (IP fragments both ways: xnatd's slow path, from and to a link without
# an Ethernet header).
for lines in 5 40; do
	wan timeout 20 python3 tests/e2e/sip/big-sip.py uas $TUN_WAN 5060 "$TMP/uas-$lines.txt" $lines &
	uas=$!
	wait_listen "$NS_WAN" udp 5060
	lan1 timeout 20 python3 tests/e2e/sip/big-sip.py phone $LAN1 5060 $TUN_WAN 5060 $((6100 + lines)) \
		"$TMP/phone-$lines.txt" $lines
	wait $uas
	size=$(stat -c %s "$TMP/uas-$lines.txt" 2>/dev/null)
	differs "SIP over t0 ($size bytes): the UAS got the INVITE, no private address outside Call-ID" \
		bash -c "[[ -s $TMP/uas-$lines.txt ]] && ! grep -a '192\.168\.' $TMP/uas-$lines.txt | grep -avq Call-ID:"
	differs_eq "... its SDP gives t0's address" \
		"$(sed -n 's/^c=IN IP4 \([0-9.]*\).*/\1/p' "$TMP/uas-$lines.txt" | tr -d '\r' | head -1)" "$TUN_GW"
	expect_eq "... and lan1 got the 200 OK with its own address back in Via" \
		"$(grep -a '^Via:' "$TMP/phone-$lines.txt" | grep -o 'UDP [0-9.]*:[0-9]*' | head -1)" "UDP $LAN1:5060"
done
if [[ $GW == xnat ]]; then
	check "the 3.2 KB messages took xnatd's slow path, both ways (to_slow_path)" test "$(counter to_slow_path)" -ge 4
	check "... which rewrote them (too big for the fast path)" \
		wait_for grep -q "too big for the fast path: [1-9]" "$TMP/xnatd.log"
fi

# A smaller MTU on the WAN (PPPoE's is 1492): a SYN leaving by it says an
# MSS that fits (the MTU less 40), where it said 1460 on a 1500 MTU.
check "on t0's 1500 MTU, SYNs said MSS 1460" grep -q "> $TUN_WAN.9002: Flags \[S\].*mss 1460" "$TMP/t1.txt"
ip -n "$NS_GW" link set t0 mtu 1400
[[ $GW == xnat ]] && { wait_for grep -q "WAN t0: MTU 1400, TCP MSS clamped to 1360" "$TMP/xnatd.log" ||
	not_ok "xnatd saw t0's MTU change"; }
seen=$(ask lan1 tcp $TUN_WAN 9002)
expect_eq "a TCP connection over t0 at MTU 1400" "${seen%:*}" "$TUN_GW"
check "its SYN reached the WAN host saying MSS 1360" \
	wait_for grep -q "$TUN_GW.[0-9]* > $TUN_WAN.9002: Flags \[S\].*mss 1360" "$TMP/t1.txt"
[[ $GW == xnat ]] && check "xnat counted it (tcp_mss_clamped)" test "$(counter tcp_mss_clamped)" -ge 1

# The WAN made anew, first without an address, while lan1 pings all along.
lan1 ping -i 0.05 -W 1 $TUN_WAN >"$TMP/ping-bg.txt" 2>&1 &
ping_bg=$!
kill $SOCAT_GW
wait $SOCAT_GW 2>/dev/null
wait_for bash -c "! ip -n $NS_GW link show t0 >/dev/null 2>&1" || bail "t0 did not go"
tun_gw
wait_for gw ip link show t0 up >/dev/null 2>&1 || { sed "s/^/#   /" "$TMP"/socat-*.err; bail "t0 did not come back"; }
[[ $GW == xnat ]] && { wait_for grep -q "WAN t0 is a new interface" "$TMP/xnatd.log" || bail "xnatd did not see t0 come back"; }
ip -n "$NS_GW" route replace default dev t0
if [[ $GW == xnat ]]; then
	check "xnatd followed t0 to its new interface" grep -q "WAN t0 is a new interface (ifindex [0-9]*, no link-layer header)" "$TMP/xnatd.log"
	check "without an address, lan1's packets reach t0 and are dropped (drop_out_no_external_address)" \
		wait_for bash -c "[[ \$($XNATCTL --pin-root $PIN stats --json | sed -n 's/.*\"drop_out_no_external_address\":{\"packets\":\([0-9]*\),.*/\1/p') -gt 3 ]]"
fi
ip -n "$NS_GW" addr add $TUN_GW2/29 dev t0
check "with its new address, t0 carries lan1's pings again, from $TUN_GW2" \
	wait_for grep -q "IP $TUN_GW2 > $TUN_WAN: ICMP echo request" "$TMP/t1.txt"
[[ $GW == xnat ]] && check "xnatd took the new address" grep -q "external address of t0: $TUN_GW2" "$TMP/xnatd.log"
kill $ping_bg 2>/dev/null

sleep 0.2
total=$(grep -c . "$TMP/t1.txt")
leaks=$(grep -c "192\.168\." "$TMP/t1.txt")
grep "192\.168\." "$TMP/t1.txt" | head -5 | sed "s/^/#   leak: /"
echo "# [$GW] IPv4 packets seen on the WAN side: $total"
check "the WAN side saw the traffic (more than 100 packets)" test "$total" -gt 100
expect_eq "... and never a private address" "$leaks" 0

if [[ $GW == xnat ]]; then
	n=$(($(counter translated_out) + $(counter translated_in)))
	echo "# [xnat] translated: $n, pass_not_ipv4: $(counter pass_not_ipv4)"
	check "xnat translated on t0 (more than 100 packets)" test "$n" -gt 100
	# A WAN xnat can't parse: refused, and said why (the twin: t0 above).
	gw "$XNATD" --wan lo --lan gl1 --pin-root "$PIN-lo" --state-dir "$TMP/state-lo" >"$TMP/lo.log" 2>&1
	rc=$?
	sed 's/^/#   /' "$TMP/lo.log" | head -3
	check "xnatd refuses a WAN whose link it can't parse (lo: exit 1)" test $rc -eq 1
	check "... saying so: its link (loopback) is not one xnat can parse" \
		grep -q "WAN interface lo: its link (loopback) is not one xnat can parse" "$TMP/lo.log"
	check "... and attaches nothing there" lacks xnat tc -n "$NS_GW" filter show dev lo egress
fi
e2e_finish
