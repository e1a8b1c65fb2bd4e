#!/bin/bash
# nft: yes
# TCP through the NAT: 2 MB each way, byte-exact; the server sees the
# external address; 30 connections at once. On the XDP path the bulk data
# takes the stack path (GRO/GSO, tcp-bulk = stack, the default) and the
# ACKs stay on XDP; with tcp-bulk = xdp XDP carries all of it.
source "$(dirname "$0")/lib.sh"
e2e_setup && gw_start || bail

tcp_both_ways "TCP"
echo_server "$NS_WAN" tcp 9002
seen=$(ask lan2 tcp $WAN 9002)
expect_eq "the server sees the external address" "${seen%:*}" "$EXT"
if [[ $GW == xnat ]] && on_xdp; then
	# 2 MB each way: some 1400 full segments, GRO-merged on the stack path,
	# and their ACKs by XDP.
	bulk=$(counter tcp_bulk_to_stack) xdp=$(counter xdp_redirected)
	tc=$(($(counter translated_out) + $(counter translated_in) - xdp))
	echo "# bulk flows: $bulk; by XDP: $xdp packets; by TC: $tc"
	check "the data took the stack path (2 bulk flows, translated by TC)" test "$bulk" -eq 2 -a "$tc" -ge 32
	# the receivers ACK each GRO'd super-packet (up to 64 KB): 2 MB need 31 at least
	check "... the ACKs XDP ($xdp redirected, at least 30)" test "$xdp" -ge 30
	xnatd_signal TERM
	gw_start "[interfaces]\ntcp-bulk = xdp\n" || bail "xnatd with tcp-bulk = xdp"
	xdp_before=$(counter xdp_redirected)
	tcp_both_ways "TCP with tcp-bulk = xdp"
	check "with tcp-bulk = xdp the XDP path carried it all (xdp_redirected > 2000 more)" \
		test $(($(counter xdp_redirected) - xdp_before)) -gt 2000
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
