#!/bin/bash
# nft: yes
# UDP request/response through the NAT, port preserved.
source "$(dirname "$0")/lib.sh"
e2e_setup && gw_start || bail

echo_server "$NS_WAN" udp 7000
expect_eq "a UDP reply comes back, from the external address" \
	"$(ask lan1 udp $WAN 7000 sourceport=41000)" "$EXT:41000"
expect_eq "second LAN host, its own port preserved" \
	"$(ask lan2 udp $WAN 7000 sourceport=41002)" "$EXT:41002"
# 20 more new flows from both hosts at once, all answered (one server each).
pids=()
for i in $(seq 0 9); do
	echo_server "$NS_WAN" udp $((7100 + i))
	echo_server "$NS_WAN" udp $((7200 + i))
done
for i in $(seq 0 9); do
	ASK_WAIT=2 ask lan1 udp $WAN $((7100 + i)) sourceport=$((41100 + i)) >"$TMP/lan1-$i" &
	pids+=($!)
	ASK_WAIT=2 ask lan2 udp $WAN $((7200 + i)) sourceport=$((41100 + i)) >"$TMP/lan2-$i" &
	pids+=($!)
done
wait "${pids[@]}"
expect_eq "20 more flows at once, all answered" "$(cat "$TMP"/lan?-* | grep -c "^$EXT:")" 20
e2e_finish
