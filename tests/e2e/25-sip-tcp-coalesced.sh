#!/bin/bash
# nft: yes
# Several SIP messages in one TCP segment, both ways (tests/e2e/sip/
# tcp-coalesced.py): the phone writes an INVITE and an OPTIONS at once, the
# UAS answers both at once, then the phone's ACK follows. Every message in a
# segment must be rewritten and keep its framing (Content-Length), and the
# connection's numbers must follow the sum of the changes: if not, a reader
# waits for bytes that never come, or a TCP stack drops the ACK. The
# external address is longer than the phone's, so every message grows. The
# reference is nftables with the conntrack SIP helper on TCP.
source "$(dirname "$0")/lib.sh"
e2e_setup || bail
ext_addr_longer || bail "the new external address"
gw_start '[agent]\ngc-interval = 1\n' || bail
nft_sip_helper tcp

capture "$NS_WAN" w0 "tcp port 5060" -A -s 0 || bail "capture"
wan timeout 15 python3 tests/e2e/sip/tcp-coalesced.py uas $WAN 5060 "$TMP/uas-got.txt" &
uas=$!
wait_listen "$NS_WAN" tcp 5060
lan1 timeout 15 python3 tests/e2e/sip/tcp-coalesced.py phone $LAN1 5060 $WAN 5060 "$TMP/phone-got.txt"
phone_rc=$?
wait $uas
uas_rc=$?

# One packet on the WAN wire carrying both requests: the case under test happened.
coalesced() {
	awk '/^[0-9][0-9]:/{if (i && o) n++; i = o = 0} /INVITE sip:/{i = 1} /OPTIONS sip:/{o = 1}
		END {if (i && o) n++; print n + 0}' "$TMP/cap-$NS_WAN-w0"
}
seen_coalesced() { test "$(coalesced)" -ge 1; }
wait_for seen_coalesced
capture_stop
both=$(coalesced)
check "the INVITE and the OPTIONS crossed the WAN in one segment ($both)" test "$both" -ge 1
check "the UAS read both requests and then the ACK, each whole by its Content-Length" test $uas_rc -eq 0
check "the phone read both answers, each whole by its Content-Length" test $phone_rc -eq 0
leaks=$(grep -c '192\.168\.' "$TMP/uas-got.txt")
echo "# [$GW] lines with a private address seen by the UAS: $leaks"
check "the UAS sees no private address in either request" test "$leaks" -eq 0
check "the INVITE's SDP names the external address" grep -q "c=IN IP4 $EXT" "$TMP/uas-got.txt"
vias=$(grep -c "^Via: SIP/2.0/TCP $LAN1:5060" "$TMP/phone-got.txt")
expect_eq "both answers reach the phone with its own address in Via" "$vias" 2
if [[ $GW == xnat ]]; then
	rewritten=$(counter sip_rewritten)
	echo "# [xnat] sip_rewritten $rewritten, sip_unchanged_tcp_split $(counter sip_unchanged_tcp_split)"
	check "xnat: every message was rewritten (sip_rewritten >= 5)" test "$rewritten" -ge 5
fi
e2e_finish
