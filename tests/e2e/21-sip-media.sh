#!/bin/bash
# nft: yes
# The media of a SIP call through the gateway. lan1 calls the WAN host (sipp,
# tests/e2e/sip/media-*.xml) offering audio on port 6000; the WAN host
# answers with audio on its port 7000. While the call is held, the test's own
# UDP peers (tests/e2e/sip/udp-peer.py) are the media:
# - the WAN host sends first, to the public address:port the SDP it received
#   advertised: it reaches lan1 only if the gateway made that mapping before
#   the INVITE left (RTP on the port, RTCP on the next one);
# - lan1 then sends to the WAN's SDP address and must leave by that same
#   public address:port (the mapping the SDP advertised is the one used);
# - after BYE the media mappings go, and the old public port leads nowhere.
# lan2 holds public port 6001 beforehand (a mapping of its own, the ports
# preserved): lan1's RTP can't keep 6000, whose RTCP port is taken, so the
# SDP's media port must be rewritten too, not just its address.
# The reference is nftables with the conntrack SIP helper (nf_nat_sip), whose
# expectations stand for xnat's "sip" mappings.
source "$(dirname "$0")/lib.sh"
for cmd in sipp python3; do
	command -v $cmd >/dev/null || { skip "${0##*/}" "$cmd is not installed"; e2e_finish; exit 0; }
done
RTP=6000      # lan1's media port (RTCP 6001)
WAN_RTP=7000  # the WAN host's (RTCP 7001)
HOLD_MS=4000  # how long the call stays up for the media checks
# gc-interval 1: the collector's pass after BYE comes within a second
e2e_setup && gw_start '[agent]\ngc-interval = 1\n' || bail
nft_sip_helper || bail "nft SIP helper"

udp_peer lan1 "$NS_LAN1" $LAN1 $RTP $((RTP + 1)) || bail "lan1 media peer"
# the WAN peer's port 9 only sees lan2's datagram
udp_peer wan "$NS_WAN" $WAN $WAN_RTP $((WAN_RTP + 1)) 9 || bail "WAN media peer"
echo hold | lan2 socat -u - UDP:$WAN:9,sourceport=$((RTP + 1))
check "setup: lan2 holds public port $((RTP + 1))" udp_got wan "^9 $EXT:$((RTP + 1)) hold\$"
# SIP on both sides of the gateway: what the UAS gets, what lan1 gets
sip_captures || bail "tcpdump"

# sipp binds its own RTP echo ports (-mp and -mp+2): kept away from ours.
wan timeout 30 sipp -sf tests/e2e/sip/media-uas.xml -key rtp $WAN_RTP -mp 17000 \
	-i $WAN -p 5060 -m 1 -timeout 20 -timeout_error -nostdin -trace_err \
	-error_file "$TMP/uas.err" >"$TMP/uas.out" 2>&1 &
uas=$!
wait_listen "$NS_WAN" udp 5060 || bail "sipp UAS"
lan1 timeout 30 sipp -sf tests/e2e/sip/media-uac.xml -key rtp $RTP -mp 16000 -d $HOLD_MS \
	$WAN:5060 -i $LAN1 -p 5060 -m 1 -timeout 20 -timeout_error -nostdin -trace_err \
	-error_file "$TMP/uac.err" >"$TMP/uac.out" 2>&1 &
uac=$!

# ---------------------------------------------------------------- the call is up
wait_for grep -q "ACK sip:" "$TMP/wan.txt"
check "the call is up (the UAS got the ACK)" grep -q "ACK sip:" "$TMP/wan.txt"
held_from=$SECONDS
# The SDP the UAS received (the INVITE's) and the one lan1 received (the 200 OK's).
sdp_addr() { grep -m1 -o 'c=IN IP4 [0-9.]*' "$1" | cut -d' ' -f3; }
sdp_port() { grep -m1 -o 'm=audio [0-9]*' "$1" | cut -d' ' -f2; }
wait_for captured "$TMP/lan1.txt" $LAN1.5060 '^m=audio'
sip_msg "$TMP/wan.txt" $WAN.5060 '^m=audio' >"$TMP/to-uas.txt"
sip_msg "$TMP/lan1.txt" $LAN1.5060 '^m=audio' >"$TMP/to-lan1.txt"
pub=$(sdp_addr "$TMP/to-uas.txt") pub_port=$(sdp_port "$TMP/to-uas.txt")
echo "# [$GW] the UAS is told lan1's media is at $pub:$pub_port"
expect_eq "the SDP the UAS received gives the external address" "$pub" $EXT
[[ $pub_port =~ ^[0-9]+$ ]] || pub_port=0
check "... and an even RTP port" test "$pub_port" -gt 0 -a $((pub_port % 2)) -eq 0
# nf_nat_sip only avoids ports of other expectations; conntrack then shares
# 6001 between lan2's flow and lan1's RTCP, told apart by the remote port.
differs "... not the port pair whose RTCP port lan2 holds" test "$pub_port" -ne $RTP
expect_eq "the SDP lan1 received keeps the WAN host's media address" \
	"$(sdp_addr "$TMP/to-lan1.txt"):$(sdp_port "$TMP/to-lan1.txt")" "$WAN:$WAN_RTP"

# Before any media: the gateway's state for the call.
if [[ $GW == xnat ]]; then
	xnatctl mappings | sed 's/^/#   /'
	# the sip mapping of an internal endpoint: its external port, or nothing
	sip_ext() {
		xnatctl mappings | awk -v ep="$LAN1:$1" '$3 == ep && $4 == "sip" {sub(/.*:/, "", $2); print $2}'
	}
	expect_eq "a sip mapping for lan1's RTP port, the SDP's public port" "$(sip_ext $RTP)" "$pub_port"
	expect_eq "a sip mapping for lan1's RTCP port, the next public port" "$(sip_ext $((RTP + 1)))" \
		"$((pub_port + 1))"
else
	gw conntrack -L expect 2>/dev/null | sed 's/^/#   /'
	# nf_nat_sip expects the WAN host (from any port) on the public ports
	expect_rtp() {
		ct_list expect | grep -q "src=$WAN dst=$EXT sport=0 dport=$1 "
	}
	check "an expectation for lan1's RTP on the SDP's public port" expect_rtp "$pub_port"
	check "an expectation for lan1's RTCP on the next public port" expect_rtp $((pub_port + 1))
fi

# The WAN host speaks first: nothing has left lan1's media ports yet.
udp_send wan $WAN_RTP $EXT "$pub_port" rtp-in-1
check "first RTP from the WAN host to $EXT:$pub_port reaches lan1's port $RTP" \
	udp_got lan1 "^$RTP $WAN:$WAN_RTP rtp-in-1\$"
udp_send wan $((WAN_RTP + 1)) $EXT $((pub_port + 1)) rtcp-in-1
check "first RTCP to the next port reaches lan1's port $((RTP + 1))" \
	udp_got lan1 "^$((RTP + 1)) $WAN:$((WAN_RTP + 1)) rtcp-in-1\$"
# lan1 answers: it must leave by the public endpoint its SDP announced.
udp_send lan1 $RTP $WAN $WAN_RTP rtp-out-1
udp_got wan "^$WAN_RTP [0-9.:]+ rtp-out-1\$"
expect_eq "lan1's RTP reaches the WAN host from the SDP's public address:port" \
	"$(awk '/ rtp-out-1$/ {print $2; exit}' "$TMP/wan.rx")" "$pub:$pub_port"
udp_send lan1 $((RTP + 1)) $WAN $((WAN_RTP + 1)) rtcp-out-1
udp_got wan "^$((WAN_RTP + 1)) [0-9.:]+ rtcp-out-1\$"
expect_eq "lan1's RTCP leaves from the next public port" \
	"$(awk '/ rtcp-out-1$/ {print $2; exit}' "$TMP/wan.rx")" "$pub:$((pub_port + 1))"
echo "# [$GW] media checks took $((SECONDS - held_from)) s of the ${HOLD_MS} ms hold"
check "the call was still up for all of them (else raise HOLD_MS)" \
	bash -c "! grep -q 'BYE sip:' '$TMP/wan.txt'"

# ---------------------------------------------------------------- BYE
wait $uac
uac_rc=$?
wait $uas
uas_rc=$?
check "the call completes (INVITE, 200, ACK, BYE, 200) at the UAC" test $uac_rc -eq 0
check "... and at the UAS" test $uas_rc -eq 0
((uas_rc)) || wait_for captured "$TMP/wan.txt" $EXT. 'CSeq: 2 BYE' # the last message
# Call-ID is an opaque token that only looks like an address: no ALG rewrites it.
leaks=$(grep '192\.168\.' "$TMP/wan.txt" | grep -vc 'Call-ID:')
echo "# [$GW] lines with a private address seen by the UAS: $leaks"
check "the UAS sees no private address in SIP headers or SDP" test "$leaks" -eq 0

if [[ $GW == xnat ]]; then
	# gone at the collector's first pass after BYE (gc-interval 1)
	no_sip_mappings() { lacks ' sip ' xnatctl mappings; }
	check "the sip mappings are gone after BYE" wait_for no_sip_mappings
	# their sessions go at the next pass (they no longer have a mapping)
	no_media_sessions() { lacks " $LAN1:($RTP|$((RTP + 1))) " xnatctl sessions; }
	check "... and the media sessions through them" wait_for no_media_sessions
	xnatctl mappings | sed 's/^/#   /'
	xnatctl sessions | sed 's/^/#   /'
else
	gw conntrack -L expect 2>/dev/null | sed 's/^/#   /'
	no_expectations() { local out; out=$(ct_list expect) && ! grep -q "master-src=$LAN1 " <<<"$out"; }
	check "nf_nat_sip's media expectations are gone after BYE" wait_for no_expectations
	echo "# [nft] media conntracks after BYE:"
	gw conntrack -L -p udp 2>/dev/null | grep -v 'port=5060 ' | sed 's/^/#   /'
fi
# The old public media port leads nowhere once the call is over. nf_nat_sip
# only removes its expectations: the RTP conntrack the media made lives on
# until its UDP timeout, so nftables still delivers.
udp_refused differs "after BYE, RTP to the old public port no longer reaches lan1" \
	wan $WAN_RTP "$pub_port" rtp-in-after-bye
# KEEP_SIP_DIR=DIR keeps the captures (for whoever works on an ALG)
if [[ -n ${KEEP_SIP_DIR:-} ]]; then
	mkdir -p "$KEEP_SIP_DIR"
	cp "$TMP/wan.txt" "$KEEP_SIP_DIR/21-$GW-wan.txt"
	cp "$TMP/lan1.txt" "$KEEP_SIP_DIR/21-$GW-lan1.txt"
fi
e2e_finish
