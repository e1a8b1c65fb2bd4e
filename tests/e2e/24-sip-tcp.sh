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
wan timeout 20 tcpdump -l -n -v -i w0 -A -s 0 tcp port 5060 >"$TMP/wan.txt" 2>/dev/null &
dump=$!
sleep 0.5
wan timeout 20 sipp -sn uas -t t1 -i $WAN -p 5060 -m 1 -nostdin -trace_err \
	-error_file "$TMP/uas.err" >"$TMP/uas.out" 2>&1 &
uas=$!
wait_listen "$NS_WAN" tcp 5060
lan1 timeout 20 sipp -sn uac -t t1 $WAN:5060 -i $LAN1 -p 5060 -m 1 -nostdin -trace_err \
	-error_file "$TMP/uac.err" >"$TMP/uac.out" 2>&1
uac_rc=$?
wait $uas
sleep 0.3
kill $dump 2>/dev/null
wait $dump 2>/dev/null

check "the call over one TCP connection completes (INVITE, 200, ACK, BYE, 200) at the UAC" test $uac_rc -eq 0
# The UAS answers the BYE, then sits in sipp's time-wait, where the UAC
# closing the connection makes it count the call as failed (both gateways,
# a sipp artefact): the UAS's side is judged by what it sent instead.
byes=$(grep -c 'CSeq: 2 BYE' "$TMP/wan.txt")
check "... and the UAS received the BYE and answered it (both on the WAN wire, $byes lines)" test "$byes" -ge 2
leaks=$(grep '192\.168\.' "$TMP/wan.txt" | grep -vc 'Call-ID:')
echo "# [$GW] lines with a private address seen by the UAS: $leaks"
check "the UAS sees no private address in SIP headers or SDP" test "$leaks" -eq 0
check "the SDP connection address is the external one" grep -q "c=IN IP4 $EXT" "$TMP/wan.txt"
retrans=$(grep -c 'INVITE sip:' "$TMP/wan.txt")
expect_eq "the INVITE crossed once (no retransmission: every segment was accepted)" "$retrans" 1
if [[ $GW == xnat ]]; then
	rewritten=$(counter sip_rewritten)
	echo "# [xnat] sip_rewritten $rewritten, sip_unchanged_tcp_split $(counter sip_unchanged_tcp_split)"
	check "xnat: the messages were rewritten (sip_rewritten >= 4)" test "$rewritten" -ge 4
	check "xnat: the SYN reached the UAS without SACK-permitted" \
		bash -c "grep -A2 'Flags \[S\]' '$TMP/wan.txt' | grep -q 'options' && ! grep -A2 'Flags \[S\]' '$TMP/wan.txt' | grep -q sackOK"
fi
e2e_finish
