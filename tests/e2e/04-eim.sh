#!/bin/bash
# nft: yes
# Endpoint-independent mapping (RFC 4787 REQ-1): one internal endpoint, two
# remote peers, one external port; and a second host wanting the same port.
source "$(dirname "$0")/lib.sh"
e2e_setup && gw_start || { not_ok "setup"; e2e_finish; exit 1; }

wan socat UDP-RECVFROM:7000,bind=$WAN,fork SYSTEM:'echo "$SOCAT_PEERADDR:$SOCAT_PEERPORT"' &
wan socat UDP-RECVFROM:7000,bind=$WAN_B,fork SYSTEM:'echo "$SOCAT_PEERADDR:$SOCAT_PEERPORT"' &
sleep 0.2
a=$(echo x | lan1 timeout 5 socat -T 2 - UDP:$WAN:7000,sourceport=5000,reuseaddr)
b=$(echo x | lan1 timeout 5 socat -T 2 - UDP:$WAN_B:7000,sourceport=5000,reuseaddr)
expect_eq "peer A sees the external address and preserved port" "$a" "$EXT:5000"
expect_eq "peer B sees the same external port (endpoint-independent)" "$b" "$a"
# lan2 from the same port: it can't have 5000, it gets another of the same parity
c=$(echo x | lan2 timeout 5 socat -T 2 - UDP:$WAN:7000,sourceport=5000,reuseaddr)
port=${c##*:}
check "a second host asking for a taken port gets another one ($c)" test -n "$port" -a "$port" != 5000
differs "... with the same parity (RTP even / RTCP odd)" test $((port % 2)) -eq 0
d=$(echo x | lan2 timeout 5 socat -T 2 - UDP:$WAN_B:7000,sourceport=5000,reuseaddr)
expect_eq "and keeps it towards another peer" "$d" "$EXT:$port"
e2e_finish
