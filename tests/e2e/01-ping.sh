#!/bin/bash
# nft: yes
# Ping from both LAN hosts to the WAN; the WAN host sees the external address.
source "$(dirname "$0")/lib.sh"
e2e_setup && gw_start || bail

check "lan1 pings the WAN host" lan1 ping -q -c 3 -i 0.2 -W 2 $WAN
check "lan2 pings the WAN host" lan2 ping -q -c 3 -i 0.2 -W 2 $WAN
wan timeout 5 tcpdump -l -n -i w0 -c 4 icmp >"$TMP/seen" 2>/dev/null &
dump=$!
sleep 0.5 # tcpdump has no readiness signal
lan1 ping -c 1 -W 2 $WAN >/dev/null
lan2 ping -c 1 -W 2 $WAN >/dev/null
wait $dump
check "the WAN host sees both hosts' echo requests from the external address" \
	test "$(grep -c "IP $EXT > $WAN: ICMP echo request" "$TMP/seen")" -eq 2
check "... and never a LAN address" bash -c "! grep -q 192.168 '$TMP/seen'"
check "ping to the WAN host's second address" lan1 ping -q -c 1 -W 2 $WAN_B
e2e_finish
