#!/bin/bash
# xnatd collects: an idle ICMP session after its timeout, then the mapping
# after its grace period, giving the host its quota back.
source "$(dirname "$0")/lib.sh"
xnat_only "conntrack timeouts are per TCP state and sysctls, not comparable step by step"
e2e_setup || bail
gw_start '[timeouts]\nicmp = 1\n[agent]\ngc-interval = 1\n[nat]\nmax-ports-per-host = 1\n' || bail

lan1 ping -q -c 1 -W 2 $WAN >/dev/null
check "the echo session is listed" bash -c "'$XNATCTL' --pin-root '$PIN' sessions | grep -q '^icmp'"
check "quota 1: a second mapping is refused while the first lives" \
	bash -c "! ip netns exec $NS_LAN1 ping -q -c 1 -W 1 $WAN_B"
check "the session is collected after its 1 s timeout" \
	wait_for bash -c "! '$XNATCTL' --pin-root '$PIN' sessions | grep -q '^icmp'"
deadline=$((SECONDS + 20))
while ((SECONDS < deadline)) && xnatctl mappings | grep -q '^icmp'; do sleep 0.5; done
check "the mapping is collected after its grace period" bash -c "! '$XNATCTL' --pin-root '$PIN' mappings | grep -q '^icmp'"
check "the host's quota is free again" lan1 ping -q -c 1 -W 2 $WAN_B
e2e_finish
