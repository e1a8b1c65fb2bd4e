#!/bin/bash
# nft: yes
# SIP over TCP through the gateway with sipp (-t t1): lan1 is the UAC, the
# WAN host the UAS, one TCP connection for the whole call. The gateway's
# external address is made longer than lan1's (198.51.100.100 for
# 192.168.1.10), so every rewritten message grows and every later sequence
# and acknowledgement number of the connection must move with it: if one is
# wrong, the TCP stacks of the phone or the UAS drop what follows and the
# call fails. The reference is nftables with the conntrack SIP helper on TCP
# (nf_nat_sip + nf_ct_seqadj).
source "$(dirname "$0")/lib.sh"
command -v sipp >/dev/null || { skip "${0##*/}" "sipp (sip-tester) is not installed"; e2e_finish; exit 0; }
e2e_setup || bail
ext_addr_longer || bail "the new external address"
gw_start '[agent]\ngc-interval = 1\n' || bail
nft_sip_helper tcp

# What the UAS receives, SIP payloads included (-v: the TCP options too).
capture "$NS_WAN" w0 "tcp port 5060" -A -s 0 || bail "capture"
wan timeout 20 sipp -sn uas -t t1 -i $WAN -p 5060 -m 1 -nostdin -trace_err \
	-error_file "$TMP/uas.err" >"$TMP/uas.out" 2>&1 &
uas=$!
wait_listen "$NS_WAN" tcp 5060
lan1 timeout 20 sipp -sn uac -t t1 $WAN:5060 -i $LAN1 -p 5060 -m 1 -nostdin -trace_err \
	-error_file "$TMP/uac.err" >"$TMP/uac.out" 2>&1
uac_rc=$?
wait $uas
# the UAS's answer to BYE, the call's last message
bye_answered() { test "$(cap_packets "$TMP/cap-$NS_WAN-w0" $WAN.5060 'SIP/2.0 200 ')" -ge 2; }
((uac_rc)) || wait_for bye_answered
capture_stop
cp "$TMP/cap-$NS_WAN-w0" "$TMP/wan.txt"

check "the call over one TCP connection completes (INVITE, 200, ACK, BYE, 200) at the UAC" test $uac_rc -eq 0
# The UAS answers the BYE, then sits in sipp's time-wait, where the UAC
# closing the connection makes it count the call as failed (both gateways,
# a sipp artefact): the UAS's side is judged by what it sent instead.
# (messages told apart by who sent them: a retransmitted BYE is no answer)
byes=$(cap_packets "$TMP/wan.txt" $EXT 'CSeq: 2 BYE')
answers=$(cap_packets "$TMP/wan.txt" $WAN.5060 'CSeq: 2 BYE')
check "... and the UAS received the BYE ($byes segments) and answered it ($answers)" \
	test "$byes" -ge 1 -a "$answers" -ge 1
leaks=$(grep '192\.168\.' "$TMP/wan.txt" | grep -vc '^[[:space:]]*Call-ID:')
echo "# [$GW] lines with a private address seen by the UAS: $leaks"
check "the UAS sees no private address in SIP headers or SDP" test "$leaks" -eq 0
check "the SDP connection address is the external one" grep -q "c=IN IP4 $EXT" "$TMP/wan.txt"
retrans=$(cap_packets "$TMP/wan.txt" $EXT 'INVITE sip:')
expect_eq "the INVITE crossed once (no retransmission: every segment was accepted)" "$retrans" 1
if [[ $GW == xnat ]]; then
	rewritten=$(counter sip_rewritten)
	echo "# [xnat] sip_rewritten $rewritten, sip_unchanged_tcp_split $(counter sip_unchanged_tcp_split)"
	check "xnat: the messages were rewritten (sip_rewritten >= 4)" test "$rewritten" -ge 4
	check "xnat: the SYN reached the UAS without SACK-permitted" \
		bash -c "grep -A2 'Flags \[S\]' '$TMP/wan.txt' | grep -q 'options' && ! grep -A2 'Flags \[S\]' '$TMP/wan.txt' | grep -q sackOK"
fi
e2e_finish
