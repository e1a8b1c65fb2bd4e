#!/bin/bash
# The WAN address changes (DHCP renewal, PPP reconnect): xnatd follows it,
# new flows leave from the new address, sessions of the old one are dropped.
source "$(dirname "$0")/lib.sh"
e2e_setup && gw_start || { not_ok "setup"; e2e_finish; exit 1; }

peer_echo_server "$NS_WAN" udp 7000
seen=$(echo x | lan1 timeout 3 socat -T 2 - UDP:$WAN:7000,sourceport=5000)
expect_eq "before: the peer sees the old address" "$seen" "$EXT:5000"
gw sysctl -qw net.ipv4.conf.gw0.promote_secondaries=1
gw ip addr add 198.51.100.9/24 dev gw0
gw ip addr del $EXT/24 dev gw0
check "xnatctl status shows the new external address" \
	wait_for bash -c "'$XNATCTL' --pin-root '$PIN' status | grep -q 'external address:  198.51.100.9'"
check "the old address' sessions are gone" bash -c "! '$XNATCTL' --pin-root '$PIN' sessions | grep -q '$EXT:'"
seen=$(echo x | lan1 timeout 3 socat -T 2 - UDP:$WAN:7000,sourceport=5000)
expect_eq "after: the same LAN endpoint leaves from the new address" "$seen" "198.51.100.9:5000"
e2e_finish
