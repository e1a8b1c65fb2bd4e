#!/bin/bash
# nft: yes
# A SIP call through the gateway with sipp (Debian's sip-tester): lan1 is the
# UAC, the WAN host the UAS. Without an ALG the call still completes (sipp
# answers the transport source), but the UAS sees the phone's private address
# in Via, Contact and SDP, so real phones get one-way or no audio. Both
# gateways must rewrite them: xnat's ALG, and the reference, nftables with the
# conntrack SIP helper (nf_nat_sip).
source "$(dirname "$0")/lib.sh"
command -v sipp >/dev/null || { skip "${0##*/}" "sipp (sip-tester) is not installed"; e2e_finish; exit 0; }
e2e_setup && gw_start || bail
nft_sip_helper

# What the UAS receives, SIP payloads included.
capture "$NS_WAN" w0 "udp port 5060" -A -s 0 || bail "capture"
wan timeout 15 sipp -sn uas -i $WAN -p 5060 -m 1 -nostdin -trace_err \
	-error_file "$TMP/uas.err" >"$TMP/uas.out" 2>&1 &
uas=$!
wait_listen "$NS_WAN" udp 5060
lan1 timeout 15 sipp -sn uac $WAN:5060 -i $LAN1 -p 5060 -m 1 -nostdin -trace_err \
	-error_file "$TMP/uac.err" >"$TMP/uac.out" 2>&1
uac_rc=$?
wait $uas
uas_rc=$?
# the last message, the 200 to BYE, captured too (BYE's CSeq, twice)
bye_done() { test "$(grep -c '^CSeq: [0-9]* BYE' "$TMP/cap-$NS_WAN-w0")" -ge 2; }
((uac_rc)) || wait_for bye_done
capture_stop
cp "$TMP/cap-$NS_WAN-w0" "$TMP/wan.txt"
[[ -n ${KEEP_SIP:-} ]] && cp "$TMP/wan.txt" "$KEEP_SIP"

check "the call completes (INVITE, 200, ACK, BYE, 200) at the UAC" test $uac_rc -eq 0
check "... and at the UAS" test $uas_rc -eq 0
# Call-ID is an opaque token that only looks like an address: neither ALG rewrites it.
leaks=$(grep '192\.168\.' "$TMP/wan.txt" | grep -vc '^[[:space:]]*Call-ID:')
echo "# [$GW] lines with a private address seen by the UAS: $leaks"
check "the UAS sees no private address in SIP headers or SDP" test "$leaks" -eq 0
check "the SDP connection address is the external one" grep -q "c=IN IP4 $EXT" "$TMP/wan.txt"
if [[ $GW == xnat ]]; then
	check "the ALG counted its rewrites (sip_rewritten)" test "$(counter sip_rewritten)" -gt 0
fi
e2e_finish
