#!/bin/bash
# nft: yes
# The WAN address changes (DHCP renewal, PPP reconnect): the gateway follows
# it, new flows leave from the new address, state of the old one is dropped.
# The change is made as a DHCP client makes it, with the kernel's defaults
# (promote_secondaries off): the old address removed (its routes go with
# it), the new one added, the default route put back.
source "$(dirname "$0")/lib.sh"
e2e_setup && gw_start || bail
NEW=$WAN_NET.9

# old_state: the gateway's state of the old address (xnatctl's sessions, or
# conntrack's entries): lines naming it, on stdout; status 1 if it can't be read.
old_state() {
	if [[ $GW == xnat ]]; then
		xnatctl sessions | grep "$EXT:"
	else
		gw conntrack -L 2>/dev/null | grep "dst=$EXT "
	fi
	return "${PIPESTATUS[0]}"
}

echo_server "$NS_WAN" udp 7000
expect_eq "before: the peer sees the old address" "$(ask lan1 udp $WAN 7000 sourceport=5000)" "$EXT:5000"
check "... the gateway holds state of the old address (what the change must drop)" \
	test -n "$(old_state)"
check "promote_secondaries has the kernel's default (0)" \
	test "$(gw sysctl -n net.ipv4.conf.gw0.promote_secondaries)" = 0
gw ip addr del $EXT/24 dev gw0
gw ip addr add $NEW/24 dev gw0
gw ip route replace default via $WAN
if [[ $GW == xnat ]]; then
	check "xnatctl status shows the new external address" \
		wait_for bash -c "'$XNATCTL' --pin-root '$PIN' status | grep -q 'external address: *$NEW$'"
	check "the old address' sessions are gone" bash -c "$(declare -f old_state xnatctl gw); \
		EXT=$EXT GW=$GW XNATCTL=$XNATCTL PIN=$PIN NS_GW=$NS_GW; old_state; test \$? = 0 -a -z \"\$(old_state)\""
else
	check "conntrack has no entry of the old address left" \
		bash -c "$(declare -f old_state gw); EXT=$EXT GW=$GW NS_GW=$NS_GW; old_state >/dev/null; test \$? = 0 -a -z \"\$(old_state)\""
fi
expect_eq "after: the same LAN endpoint leaves from the new address" \
	"$(ask lan1 udp $WAN 7000 sourceport=5000)" "$NEW:5000"
expect_eq "... and so does a new one" "$(ask lan2 udp $WAN 7000 sourceport=5002)" "$NEW:5002"
e2e_finish
