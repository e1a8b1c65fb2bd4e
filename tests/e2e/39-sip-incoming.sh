#!/bin/bash
# An incoming call: a proxy on the WAN sends an INVITE to the phone behind
# the gateway (lan1, sipp answering), reached through a static forward of
# public port 5080 to the phone's 5060, as a PBX or phone behind NAT is set
# up. The INVITE carries the proxy's Via on top of the caller's, with the
# received= and rport= the proxy filled in; rport=5060 is also the phone's
# own port. Checked:
# - the phone gets the INVITE with its own address in the Request-URI;
# - its 200 OK reaches the proxy with both Via lines exactly as the proxy
#   sent them (a Via that is not the phone's is never rewritten: rport=5060
#   would otherwise become 5080 and the response would go astray), and with
#   the phone's Contact and SDP on the external address;
# - the ACK comes back and the call completes;
# - RTP flows both ways: the proxy's side sends to the public address and
#   port the 200 OK's SDP gave, and the phone's RTP leaves from that same
#   public address and port;
# - the proxy sees no private address outside Call-ID.
source "$(dirname "$0")/lib.sh"
for cmd in sipp python3; do
	command -v $cmd >/dev/null || { skip "${0##*/}" "$cmd is not installed"; e2e_finish; exit 0; }
done
xnat_only "a static forward to a phone and xnat's SIP ALG (nf_nat_sip: 20, 22)"
RTP=6000       # the phone's media port
WAN_RTP=7000   # the proxy side's
PUB_SIG=5080   # the public port forwarded to the phone's 5060
HOLD_MS=4000   # how long the call stays up for the media checks
# the caller's Via value (the phone answers with both Via values on one line)
CALLER_VIA='SIP/2.0/UDP 203.0.113.77:5060;branch=z9hG4bK-caller1;rport=5060;received=203.0.113.77'
e2e_setup && gw_start || bail
gw_forward udp $PUB_SIG $LAN1:5060 || bail "forward udp $PUB_SIG to the phone"

udp_peer lan1 "$NS_LAN1" $LAN1 $RTP || bail "lan1 media peer"
udp_peer wan "$NS_WAN" $WAN $WAN_RTP || bail "WAN media peer"
sip_captures || bail "tcpdump"

# The phone waits for the call; sipp's own RTP echo kept off port $RTP.
lan1 timeout 30 sipp -sf tests/e2e/sip/phone-uas.xml -key rtp $RTP -mp 16000 \
	-i $LAN1 -p 5060 -m 1 -timeout 20 -timeout_error -nostdin -trace_err \
	-error_file "$TMP/phone.err" >"$TMP/phone.out" 2>&1 &
phone=$!
wait_listen "$NS_LAN1" udp 5060 || bail "sipp phone"
wan timeout 30 sipp -sf tests/e2e/sip/proxy-invite-uac.xml -key contact "sip:user@$EXT:$PUB_SIG" \
	-key rtp $WAN_RTP -mp 17000 -d $HOLD_MS "$EXT:$PUB_SIG" -i $WAN -p 5060 -m 1 -timeout 20 \
	-timeout_error -nostdin -trace_err -error_file "$TMP/proxy.err" >"$TMP/proxy.out" 2>&1 &
proxy=$!

# ---------------------------------------------------------------- the call is up
check "the INVITE reaches the phone" wait_for captured "$TMP/lan1.txt" $LAN1.5060 'INVITE sip:'
check "the call is up (the phone got the ACK)" wait_for captured "$TMP/lan1.txt" $LAN1.5060 'ACK sip:'
held_from=$SECONDS
sip_msg "$TMP/lan1.txt" $LAN1.5060 'INVITE sip:' >"$TMP/invite.txt"
expect_eq "its Request-URI is the phone's own address and port" \
	"$(grep -m1 -o 'INVITE sip:[^ ]*' "$TMP/invite.txt")" "INVITE sip:user@$LAN1:5060"
check "... and it carries the caller's Via as the proxy sent it" grep -qF "Via: $CALLER_VIA" "$TMP/invite.txt"
wait_for captured "$TMP/wan.txt" $WAN.5060 '^m=audio'
sip_msg "$TMP/wan.txt" $WAN.5060 '^m=audio' >"$TMP/ok.txt"
check "the 200 OK reaches the proxy" grep -q 'SIP/2.0 200 OK$' "$TMP/ok.txt"
check "... with the caller's Via unchanged (rport=5060 stays: not the phone's Via)" \
	grep -qF ", $CALLER_VIA" "$TMP/ok.txt"
check "... and the proxy's own Via unchanged" grep -q "^Via: SIP/2.0/UDP $WAN:5060;branch=" "$TMP/ok.txt"
check "... its Contact: the public address and port" grep -q "^Contact: <sip:user@$EXT:$PUB_SIG>" "$TMP/ok.txt"
sdp_addr() { grep -m1 -o 'c=IN IP4 [0-9.]*' "$1" | cut -d' ' -f3; }
sdp_port() { grep -m1 -o 'm=audio [0-9]*' "$1" | cut -d' ' -f2; }
pub=$(sdp_addr "$TMP/ok.txt") pub_port=$(sdp_port "$TMP/ok.txt")
echo "# the proxy is told the phone's media is at $pub:$pub_port"
expect_eq "its SDP gives the external address" "$pub" "$EXT"
[[ $pub_port =~ ^[0-9]+$ ]] || pub_port=0

# ---------------------------------------------------------------- RTP both ways
udp_send wan $WAN_RTP $EXT "$pub_port" rtp-in-1
check "RTP from the proxy's side to $EXT:$pub_port reaches the phone's port $RTP" \
	udp_got lan1 "^$RTP $WAN:$WAN_RTP rtp-in-1\$"
udp_send lan1 $RTP $WAN $WAN_RTP rtp-out-1
udp_got wan "^$WAN_RTP [0-9.:]+ rtp-out-1\$"
expect_eq "the phone's RTP reaches the proxy's side from the SDP's public address:port" \
	"$(awk '/ rtp-out-1$/ {print $2; exit}' "$TMP/wan.rx")" "$pub:$pub_port"
echo "# media checks took $((SECONDS - held_from)) s of the ${HOLD_MS} ms hold"
check "the call was still up for them (else raise HOLD_MS)" bash -c "! grep -q 'BYE sip:' '$TMP/lan1.txt'"

# ---------------------------------------------------------------- BYE
wait $proxy
proxy_rc=$?
wait $phone
phone_rc=$?
check "the call completes (INVITE, 200, ACK, BYE, 200) at the proxy" test $proxy_rc -eq 0
check "... and at the phone" test $phone_rc -eq 0
((proxy_rc)) || wait_for captured "$TMP/wan.txt" $WAN.5060 'CSeq: 2 BYE'
# Call-ID is an opaque token that only looks like an address: never rewritten.
leaks=$(grep '192\.168\.' "$TMP/wan.txt" | grep -vc 'Call-ID:')
check "the proxy sees no private address in SIP headers or SDP" test "$leaks" -eq 0
check "... while the phone's messages did carry it (lan1's side)" grep -q "Contact: <sip:user@$LAN1" "$TMP/lan1.txt"
e2e_finish
