#!/bin/bash
# nft: yes
# Ping from both LAN hosts to the WAN; the WAN host sees the external address.
source "$(dirname "$0")/lib.sh"
e2e_setup || bail
if [[ $GW == xnat ]]; then
	check "before xnatd starts the gateway does not forward (a namespace's default)" \
		test "$(gw sysctl -n net.ipv4.ip_forward)" = 0
	gw_start || bail
	check "xnatd turned IP forwarding on" test "$(gw sysctl -n net.ipv4.ip_forward)" = 1
else
	gw_start || bail
fi

check "lan1 pings the WAN host" lan1 ping -q -c 3 -i 0.2 -W 2 $WAN
check "lan2 pings the WAN host" lan2 ping -q -c 3 -i 0.2 -W 2 $WAN
capture "$NS_WAN" w0 icmp || bail "capture"
lan1 ping -c 1 -W 2 $WAN >/dev/null
lan2 ping -c 1 -W 2 $WAN >/dev/null
seen=$TMP/cap-$NS_WAN-w0
requests() { grep -c " $EXT > $WAN: ICMP echo request" "$seen"; }
both_seen() { test "$(requests)" -ge 2; }
wait_for both_seen
capture_stop
check "the WAN host sees both hosts' echo requests from the external address" \
	test "$(requests)" -eq 2
check "... and never a LAN address (of the $(grep -c ' > ' "$seen") packets it saw)" \
	bash -c "grep -q ' > ' '$seen' && ! grep -q 192.168 '$seen'"
check "ping to the WAN host's second address" lan1 ping -q -c 1 -W 2 $WAN_B
e2e_finish
