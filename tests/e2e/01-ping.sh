#!/bin/bash
# nft: yes
# Ping from both LAN hosts to the WAN; the WAN host sees the external address.
source "$(dirname "$0")/lib.sh"
e2e_setup && gw_start || { not_ok "setup"; e2e_finish; exit 1; }

check "lan1 pings the WAN host" lan1 ping -q -c 3 -i 0.2 -W 2 $WAN
check "lan2 pings the WAN host" lan2 ping -q -c 3 -i 0.2 -W 2 $WAN
wan timeout 5 tcpdump -l -n -i w0 -c 2 icmp >"$TMP/seen" 2>/dev/null &
dump=$!
sleep 0.5
lan1 ping -c 1 -W 2 $WAN >/dev/null
wait $dump
check "the WAN host sees the external address, not the LAN one" \
	bash -c "grep -q 'IP $EXT > $WAN: ICMP echo request' '$TMP/seen' && ! grep -q 192.168 '$TMP/seen'"
check "ping to the WAN host's second address" lan1 ping -q -c 1 -W 2 $WAN_B
e2e_finish
