#!/bin/bash
# nft: yes
# The WAN address changes (DHCP renewal, PPP reconnect): the gateway follows
# it, new flows leave from the new address, state of the old one is dropped.
source "$(dirname "$0")/lib.sh"
e2e_setup && gw_start || bail
NEW=$WAN_NET.9

echo_server "$NS_WAN" udp 7000
expect_eq "before: the peer sees the old address" "$(ask lan1 udp $WAN 7000 sourceport=5000)" "$EXT:5000"
gw sysctl -qw net.ipv4.conf.gw0.promote_secondaries=1
gw ip addr add $NEW/24 dev gw0
gw ip addr del $EXT/24 dev gw0
if [[ $GW == xnat ]]; then
	check "xnatctl status shows the new external address" \
		wait_for bash -c "'$XNATCTL' --pin-root '$PIN' status | grep -q 'external address: *$NEW$'"
	check "the old address' sessions are gone" bash -c "! '$XNATCTL' --pin-root '$PIN' sessions | grep -q '$EXT:'"
else
	check "conntrack has no entry of the old address left" \
		bash -c "! nsenter --net=/run/netns/$NS_GW conntrack -L 2>/dev/null | grep -q 'dst=$EXT '"
fi
expect_eq "after: the same LAN endpoint leaves from the new address" \
	"$(ask lan1 udp $WAN 7000 sourceport=5000)" "$NEW:5000"
expect_eq "... and so does a new one" "$(ask lan2 udp $WAN 7000 sourceport=5002)" "$NEW:5002"
e2e_finish
