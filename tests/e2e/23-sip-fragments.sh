#!/bin/bash
# nft: yes
# SIP messages longer than the MTU: the INVITE lan1 sends (an SDP with many
# codec lines, about 1.8 KB) leaves lan1 as two IP fragments, and so does
# the WAN host's 200 OK. The fast path can't rewrite a message a piece at a
# time: xnatd reassembles it, runs it whole through the fast path's program
# and fragments the result (include/xnat/slowpath.h). The UAS must get the
# INVITE with the public address everywhere and a media port that is
# mapped; lan1 must get the 200 OK with its own address back; the WAN
# host's first RTP must reach lan1. The reference is nftables with
# nf_nat_sip, which reassembles in conntrack (nf_defrag_ipv4).
source "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { skip "${0##*/}" "python3 is not installed"; e2e_finish; exit 0; }
RTP=6000
e2e_setup && gw_start '[agent]\ngc-interval = 1\n' || bail
nft_sip_helper || bail "nft SIP helper"
udp_peer lan1 "$NS_LAN1" $LAN1 $RTP || bail "lan1 media peer"
udp_peer wan "$NS_WAN" $WAN 7000 || bail "WAN media peer"
# The IP headers on the WAN wire: fragments show "flags [+]" (more follow)
# or a non-zero offset.
wan timeout 30 tcpdump -l -n -v -i w0 ip >"$TMP/wan.txt" 2>"$TMP/wan.err" &
wait_for grep -q "listening on" "$TMP/wan.err" || bail "tcpdump"

wan python3 tests/e2e/sip/big-sip.py uas $WAN 5060 "$TMP/uas-got.txt" &
uas=$!
wait_listen "$NS_WAN" udp 5060
lan1 python3 tests/e2e/sip/big-sip.py phone $LAN1 5060 $WAN 5060 $RTP "$TMP/phone-got.txt"
phone_rc=$?
wait $uas
uas_rc=$?
check "the UAS received the fragmented INVITE" test $uas_rc -eq 0 -a -s "$TMP/uas-got.txt"
check "lan1 received the fragmented 200 OK" test $phone_rc -eq 0 -a -s "$TMP/phone-got.txt"
sleep 0.2
frags=$(grep -cE 'flags \[\+\]|offset [1-9]' "$TMP/wan.txt")
echo "# [$GW] IP fragments on the WAN wire: $frags"
check "both messages crossed the WAN as IP fragments" test "$frags" -ge 4

sed 's/^/#   /' "$TMP/uas-got.txt" | head -12
leaks=$(grep -a '192\.168\.' "$TMP/uas-got.txt" | grep -avc 'Call-ID:')
check "the UAS sees no private address (the INVITE was rewritten whole)" test "$leaks" -eq 0
pub=$(sed -n 's/^c=IN IP4 \([0-9.]*\).*/\1/p' "$TMP/uas-got.txt" | tr -d '\r' | head -1)
pub_port=$(sed -n 's/^m=audio \([0-9]*\) .*/\1/p' "$TMP/uas-got.txt" | head -1)
expect_eq "its SDP gives the external address" "$pub" $EXT
# Content-Length: the body's length as it arrived
python3 - "$TMP/uas-got.txt" <<-'PY' >"$TMP/cl.txt"
	import re, sys
	d = open(sys.argv[1], "rb").read()
	head, body = d.split(b"\r\n\r\n", 1)
	m = re.search(rb"\r\nContent-Length: *(\d+)", head, re.I)
	print(int(m.group(1)) if m else -1, len(body))
	PY
read -r cl blen <"$TMP/cl.txt"
expect_eq "its Content-Length is the body's length" "$cl" "$blen"
expect_eq "the 200 OK lan1 got has its own address back in Via" \
	"$(grep -a '^Via:' "$TMP/phone-got.txt" | grep -o 'UDP [0-9.]*:[0-9]*' | head -1)" "UDP $LAN1:5060"

# The WAN host sends the first RTP to the port the SDP announced.
[[ $pub_port =~ ^[0-9]+$ ]] || pub_port=0
udp_send wan 7000 $EXT "$pub_port" rtp-in-1
check "the WAN host's first RTP to $EXT:$pub_port reaches lan1's port $RTP" \
	udp_got lan1 "^$RTP $WAN:7000 rtp-in-1\$"

if [[ $GW == xnat ]]; then
	slow=$(counter to_slow_path) rewritten=$(counter sip_rewritten)
	echo "# [xnat] to_slow_path $slow, sip_rewritten $rewritten"
	check "xnat: the fragments went to xnatd's slow path (4 counted)" test "$slow" -ge 4
	check "xnat: both messages were rewritten whole" test "$rewritten" -ge 2
	wait_for grep -q "SIP fragments:" "$TMP/xnatd.log"
	grep "SIP fragments:" "$TMP/xnatd.log" | sed 's/^/#   /'
	# (summed: the two messages may fall in two collection intervals)
	reported=$(awk '{ for (i = 1; i < NF; i++) if ($i == "fragments:") { f += $(i + 1); d += $(i + 3) } }
		END { print f + 0, d + 0 }' "$TMP/xnatd.log")
	expect_eq "xnat: xnatd reports 4 fragments in, 2 datagrams rewritten whole" "$reported" "4 2"
fi
e2e_finish
