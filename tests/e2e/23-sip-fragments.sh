#!/bin/bash
# nft: yes
# SIP messages longer than the MTU, in three sizes: an INVITE of about
# 1.8 KB (an SDP with many codec lines), one of about 3.2 KB (RFC 4475's
# longreq is 3.5 KB; video and ICE INVITEs are this long) and one of about
# 8 KB, each leaving lan1 as IP fragments, and a 200 OK of the same size
# from the WAN host. The fast path can't rewrite a message a piece at a
# time: xnatd reassembles it. The first it runs whole through the fast
# path's program (include/xnat/slowpath.h); the two others are bigger than
# the fast path's ALG takes (2 KiB), and xnatd rewrites them itself, with
# the dialog and media mappings made by the fast path
# (agent/lib/sip_oversize.h). Each time the UAS must get the INVITE with
# the public address everywhere and a media port that is mapped; lan1 must
# get the 200 OK with its own address back; the WAN host's first RTP must
# reach lan1. The reference is nftables with nf_nat_sip, which reassembles
# in conntrack (nf_defrag_ipv4).
source "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { skip "${0##*/}" "python3 is not installed"; e2e_finish; exit 0; }
e2e_setup && gw_start '[agent]\ngc-interval = 1\n' || bail
nft_sip_helper || bail "nft SIP helper"
udp_peer lan1 "$NS_LAN1" $LAN1 6000 6002 6004 6006 || bail "lan1 media peer"
udp_peer wan "$NS_WAN" $WAN 7000 || bail "WAN media peer"
# The IP headers on the WAN wire: fragments show "flags [+]" (more follow)
# or a non-zero offset.
wan timeout 60 tcpdump -l -n -v -i w0 ip >"$TMP/wan.txt" 2>"$TMP/wan.err" &
wait_for grep -q "listening on" "$TMP/wan.err" || bail "tcpdump"

# call NAME RTP LINES: one call, INVITE and 200 OK with LINES SDP padding
# lines, lan1's media on RTP.
call() {
	local name=$1 rtp=$2 lines=$3 uas phone_rc uas_rc leaks pub pub_port cl blen size
	local got=$TMP/$name-uas.txt answer=$TMP/$name-phone.txt
	wan python3 tests/e2e/sip/big-sip.py uas $WAN 5060 "$got" "$lines" &
	uas=$!
	wait_listen "$NS_WAN" udp 5060
	lan1 python3 tests/e2e/sip/big-sip.py phone $LAN1 5060 $WAN 5060 $rtp "$answer" "$lines"
	phone_rc=$?
	wait $uas
	uas_rc=$?
	size=$(stat -c %s "$got" 2>/dev/null)
	echo "# [$GW] $name: the INVITE's SIP message is ${size:-?} bytes"
	check "$name: the UAS received the fragmented INVITE" test $uas_rc -eq 0 -a -s "$got"
	check "$name: lan1 received the fragmented 200 OK" test $phone_rc -eq 0 -a -s "$answer"
	sed 's/^/#   /' "$got" | head -3
	leaks=$(grep -a '192\.168\.' "$got" | grep -avc 'Call-ID:')
	check "$name: the UAS sees no private address (the INVITE was rewritten whole)" test "$leaks" -eq 0
	pub=$(sed -n 's/^c=IN IP4 \([0-9.]*\).*/\1/p' "$got" | tr -d '\r' | head -1)
	pub_port=$(sed -n 's/^m=audio \([0-9]*\) .*/\1/p' "$got" | head -1)
	expect_eq "$name: its SDP gives the external address" "$pub" $EXT
	# Content-Length: the body's length as it arrived
	python3 - "$got" <<-'PY' >"$TMP/cl.txt"
		import re, sys
		d = open(sys.argv[1], "rb").read()
		head, body = d.split(b"\r\n\r\n", 1)
		m = re.search(rb"\r\nContent-Length: *(\d+)", head, re.I)
		print(int(m.group(1)) if m else -1, len(body))
		PY
	read -r cl blen <"$TMP/cl.txt"
	expect_eq "$name: its Content-Length is the body's length" "$cl" "$blen"
	expect_eq "$name: the 200 OK lan1 got has its own address back in Via" \
		"$(grep -a '^Via:' "$answer" | grep -o 'UDP [0-9.]*:[0-9]*' | head -1)" "UDP $LAN1:5060"
	# The WAN host sends the first RTP to the port the SDP announced.
	[[ $pub_port =~ ^[0-9]+$ ]] || pub_port=0
	udp_send wan 7000 $EXT "$pub_port" "rtp-in-$name"
	check "$name: the WAN host's first RTP to $EXT:$pub_port reaches lan1's port $rtp" \
		udp_got lan1 "^$rtp $WAN:7000 rtp-in-$name\$"
}

call 1.8KB 6000 20
call 3.2KB 6002 40
call 8KB 6004 110
# A WAN link with a larger MTU (3400: what XDP on a veth takes): the WAN
# host's 200 OK comes whole, and the fast path hands the whole datagram
# over; xnatd's INVITE leaves whole. The 200 OK has DF set (Linux's UDP
# default), so it can't go on to the LAN's 1500: xnatd drops it and sends
# ICMP "fragmentation needed" back as a router does; the WAN host sends
# it again in fragments (SIP retransmits a 2xx until the ACK).
ip -n "$NS_GW" link set gw0 mtu 3400 && ip -n "$NS_WAN" link set w0 mtu 3400 || bail "WAN MTU"
call 3.2KB-whole 6006 40
ip -n "$NS_GW" link set gw0 mtu 1500
ip -n "$NS_WAN" link set w0 mtu 1500

sleep 0.2
frags=$(grep -cE 'flags \[\+\]|offset [1-9]' "$TMP/wan.txt")
echo "# [$GW] IP fragments on the WAN wire: $frags"
# 2 + 2 for the first call, 3 + 3 for the second, 6 + 6 for the third
check "every message crossed the WAN as IP fragments" test "$frags" -ge 22

if [[ $GW == xnat ]]; then
	slow=$(counter to_slow_path) rewritten=$(counter sip_rewritten) too_big=$(counter sip_unchanged_too_big)
	echo "# [xnat] to_slow_path $slow, sip_rewritten $rewritten, sip_unchanged_too_big $too_big"
	check "xnat: the fragments and the whole 200 OK went to xnatd's slow path (29 counted)" test "$slow" -ge 29
	check "xnat: the fast path's ALG rewrote the small messages and the big ones' digests" test "$rewritten" -ge 8
	expect_eq "xnat: no message was left unchanged as too big" "$too_big" 0
	# xnatd logs what its slow path did once per collection interval: the
	# calls may fall in several, summed here.
	from_log() {
		awk '{ for (i = 1; i < NF; i++) {
			if ($i == "fragments:") { f += $(i + 1); d += $(i + 3) }
			if ($i == "path:") r += $(i + 1)
			if ($i == "came" && $(i + 1) == "whole") w += $(i - 1)
			if ($i == "too" && $(i + 1) == "big" && $(i + 4) == "next") x += $(i - 1) } }
			END { print f + 0, d + 0, r + 0, w + 0, x + 0 }' "$TMP/xnatd.log"
	}
	# The first three calls: 22 fragments, 6 datagrams; the last: the
	# INVITE's 3 fragments, the 200 OK whole (DF), then in 3 fragments.
	wait_for bash -c "[[ \"\$(declare -f from_log); TMP=$TMP from_log)\" == '28 8 7 1 1' ]]"
	grep "SIP fragments:\|too big for the fast path" "$TMP/xnatd.log" | sed 's/^/#   /'
	read -r f d r w x <<<"$(from_log)"
	expect_eq "xnat: xnatd reports 28 fragments in, 8 datagrams reassembled" "$f $d" "28 8"
	expect_eq "xnat: xnatd rewrote the 7 messages too big for the fast path, 1 handed over whole" "$r $w" "7 1"
	expect_eq "xnat: the whole 200 OK (DF) was too big for the LAN: 1 ICMP sent back" "$x" 1
	check "xnat: the WAN host got it: ICMP fragmentation needed, next hop MTU 1500" \
		grep -q "unreachable - need to frag (mtu 1500)" "$TMP/wan.txt"
	check "xnat: none was left as it was" lacks "left as they were" cat "$TMP/xnatd.log"
fi
e2e_finish
