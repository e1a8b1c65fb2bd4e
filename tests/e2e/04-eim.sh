#!/bin/bash
# nft: yes
# Endpoint-independent mapping (RFC 4787 REQ-1): one internal endpoint, two
# remote peers, one external port, also when another host has used that port
# towards one of the peers; port parity (REQ-6) when the port is taken.
source "$(dirname "$0")/lib.sh"
e2e_setup && gw_start || bail

echo_server "$NS_WAN" udp 7000 $WAN
echo_server "$NS_WAN" udp 7000 $WAN_B
# lan1 and lan2 each use source port 5000 towards both peers (lan1 first)
a=$(ask lan1 udp $WAN 7000 sourceport=5000)
b=$(ask lan1 udp $WAN_B 7000 sourceport=5000)
expect_eq "peer A sees the external address and the preserved port" "$a" "$EXT:5000"
expect_eq "peer B sees the same external port (endpoint-independent)" "$b" "$a"
c=$(ask lan2 udp $WAN 7000 sourceport=5000)
port=${c##*:}
check "a second host asking for a taken port gets another one ($c)" test -n "$port" -a "$port" != 5000
differs "... with the same parity (RTP even / RTCP odd)" test $((port % 2)) -eq 0
expect_eq "... and keeps it towards peer B" "$(ask lan2 udp $WAN_B 7000 sourceport=5000)" "$EXT:$port"

# The crossing: lan1:6000 talks to A; then lan2:6000 talks to B first; then
# lan1:6000 talks to B. A per-connection NAT (conntrack) may give lan2 the
# external port 6000 towards B, as that connection tuple is free, and must
# then give lan1 another port towards B: lan1 is seen on two ports.
a=$(ask lan1 udp $WAN 7000 sourceport=6000)
expect_eq "crossing: lan1:6000 to A is seen as $EXT:6000" "$a" "$EXT:6000"
c=$(ask lan2 udp $WAN_B 7000 sourceport=6000)
check "crossing: lan2:6000 to B is answered ($c)" test -n "$c"
differs "crossing: lan2 does not get lan1's external port 6000 (owned by lan1's mapping)" \
	test "$c" != "$EXT:6000"
b=$(ask lan1 udp $WAN_B 7000 sourceport=6000)
differs_eq "crossing: lan1:6000 to B keeps its external port 6000 (endpoint-independent)" "$b" "$EXT:6000"
e2e_finish
