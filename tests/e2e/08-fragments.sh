#!/bin/bash
# nft: yes
# Fragments (MTU 1500 everywhere, fragmented by the senders): later fragments
# follow the translation of the first one, both ways.
source "$(dirname "$0")/lib.sh"
e2e_setup && gw_start || bail

check "ping -M dont -s 4000 (3 fragments each way) crosses the NAT" \
	lan1 ping -q -M dont -s 4000 -c 3 -i 0.2 -W 2 $WAN
head -c 3000 /dev/urandom >"$TMP/dgram"
want=$(sha256sum <"$TMP/dgram")
# A UDP echo: the 3000-byte datagram goes out in 3 fragments and comes back in 3.
wan socat -T 1 UDP-RECVFROM:7100,fork PIPE 2>/dev/null &
wait_listen "$NS_WAN" udp 7100
lan1 timeout 5 socat -t 1 - UDP:$WAN:7100,sourceport=5100 <"$TMP/dgram" >"$TMP/got"
expect_eq "a 3000-byte UDP datagram goes out and comes back whole" "$(sha256sum <"$TMP/got")" "$want"
lan2 timeout 5 socat -t 1 - UDP:$WAN:7100,sourceport=5100 <"$TMP/dgram" >"$TMP/got2"
expect_eq "... from the second host too (same source port, another mapping)" \
	"$(sha256sum <"$TMP/got2")" "$want"
if [[ $GW == xnat ]]; then
	check "later fragments were translated (translated_fragment >= 8)" \
		test "$(counter translated_fragment)" -ge 8
	check "none dropped for a missing first fragment" test "$(counter drop_fragment_no_state)" -eq 0
fi
e2e_finish
