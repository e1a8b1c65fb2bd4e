#!/bin/bash
# nft: yes
# TTL: the gateway decrements it; a packet arriving with TTL 1 gets a
# time-exceeded from the gateway, like from any router.
source "$(dirname "$0")/lib.sh"
e2e_setup && gw_start || { not_ok "setup"; e2e_finish; exit 1; }

out=$(lan1 ping -c 1 -t 1 -W 2 $WAN 2>&1)
check "TTL 1: time exceeded from the gateway" grep -q "From 192.168.1.1.*Time to live exceeded" <<<"$out"
check "TTL 2: reaches the WAN host" lan1 ping -q -c 1 -t 2 -W 2 $WAN
out=$(lan1 ping -c 1 -W 2 $WAN)
check "the reply's TTL was decremented once by the gateway (63)" grep -q "ttl=63" <<<"$out"
e2e_finish
