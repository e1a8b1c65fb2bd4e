#!/bin/bash
# nft: yes
# TCP through the NAT: 2 MB each way, byte-exact; the server sees the
# external address; 30 connections at once.
source "$(dirname "$0")/lib.sh"
e2e_setup && gw_start || bail

tcp_both_ways "TCP"
echo_server "$NS_WAN" tcp 9002
seen=$(ask lan2 tcp $WAN 9002)
expect_eq "the server sees the external address" "${seen%:*}" "$EXT"
if [[ $GW == xnat ]] && on_xdp; then
	# Both directions in XDP: about 1400 data packets up and 1400 down.
	check "the XDP path carried it (xdp_redirected > 2000)" test "$(counter xdp_redirected)" -gt 2000
elif [[ $GW == xnat ]]; then
	# veth's default offloads: TSO/GRO-sized packets of up to 64 KB, so at
	# least 32 each way.
	n=$(($(counter translated_out) + $(counter translated_in)))
	echo "# translated on the TC path: $n packets"
	check "the TC path carried it (translated >= 64, nothing redirected by XDP)" \
		test "$n" -ge 64 -a "$(counter xdp_redirected)" -eq 0
fi
pids=()
for i in $(seq 1 15); do
	ask lan1 tcp $WAN 9002 >"$TMP/c1-$i" &
	pids+=($!)
	ask lan2 tcp $WAN 9002 >"$TMP/c2-$i" &
	pids+=($!)
done
wait "${pids[@]}"
expect_eq "30 connections at once from both hosts, all answered" "$(cat "$TMP"/c?-* | grep -c "^$EXT:")" 30
e2e_finish
