#!/bin/bash
# nft: yes
# The gateway's own traffic and services live beside the NAT: it pings and
# connects out from the external address, answers pings and serves a TCP
# port on it; a reply to its own flow is never taken by a LAN mapping of the
# same external port, nor does its own flow take a LAN session's replies.
source "$(dirname "$0")/lib.sh"
e2e_setup && gw_start || bail

echo_server "$NS_WAN" udp 7000 $WAN
echo_server "$NS_WAN" udp 7000 $WAN_B
echo_server "$NS_WAN" tcp 7001
echo_server "$NS_GW" tcp 2222
check "the gateway pings the WAN host" gw ping -q -c 1 -W 2 $WAN
check "the WAN host pings the gateway" wan ping -q -c 1 -W 2 $EXT
check "the gateway pings lan1" gw ping -q -c 1 -W 2 $LAN1
expect_eq "the gateway's own TCP connection out" "$(ask gw tcp $WAN 7001 sourceport=5401)" "$EXT:5401"
expect_eq "a TCP service on the gateway is reachable from the WAN" \
	"$(ask wan tcp $EXT 2222 sourceport=5402)" "$WAN:5402"
expect_eq "... and from lan1 through the external address" \
	"$(ask lan1 tcp $EXT 2222 sourceport=5403)" "$LAN1:5403"
# lan1 owns external port 5400 (to peer A); the gateway itself uses
# 5400 towards peer B: B's answer is the gateway's.
expect_eq "lan1 maps 5400" "$(ask lan1 udp $WAN 7000 sourceport=5400)" "$EXT:5400"
expect_eq "the gateway's own flow from the same port gets its own answer" \
	"$(ask gw udp $WAN_B 7000 bind=$EXT:5400)" "$EXT:5400"
expect_eq "lan1's mapping still works" "$(ask lan1 udp $WAN 7000 sourceport=5400)" "$EXT:5400"
# Worse: the gateway itself talks from 5400 to peer A too, the very tuple
# lan1's session uses (a local resolver's ephemeral port can be any port).
# One of the two must give way; lan1's established flow must not lose its
# answers to it. (conntrack moves the gateway's own flow to another port.)
ask gw udp $WAN 7000 bind=$EXT:5400 >/dev/null
expect_eq "lan1's session keeps its answers when the gateway reuses its exact tuple" \
	"$(ask lan1 udp $WAN 7000 sourceport=5400)" "$EXT:5400"
e2e_finish
