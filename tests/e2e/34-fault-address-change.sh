#!/bin/bash
# The WAN address changes (DHCP, PPP reconnect) with traffic running: a UDP
# exchange from lan2 goes on from the new address after a short gap (its old
# session dies with the old address: the peer sees another source), the
# leases carry over (the WAN host reaches lan1's application through the
# same port of the new address), NAT-PMP/PCP clients hear the new address
# and a new epoch, and xnatd keeps serving. (14-address-change is the same
# without traffic; no nftables run: leases are xnatd's.)
source "$(dirname "$0")/lib.sh"
xnat_only "leases and announcements are xnatd's"
e2e_setup || bail
PCP=$(realpath -m "$BUILD/xnat-pcp")
NEW=$WAN_NET.9
xnatd_start_patient '[agent]\ngc-interval = 1\n' || bail

out=$(lan1 "$PCP" -s 192.168.1.1 -t 3600 map tcp 6891 6891)
check "a PCP lease TCP 6891 for lan1" grep -q "mapped tcp 6891 -> $EXT:6891 " <<<"$out"
echo_server "$NS_LAN1" tcp 6891
expect_eq "the WAN host reaches lan1 through it" "$(ask wan tcp $EXT 6891 sourceport=36001)" "$WAN:36001"

udp_exchange_start x "$NS_LAN2" $WAN 7100 8
lan1 "$PCP" listen --count 20 -w 8 >"$TMP/announce.txt" 2>&1 &
LISTEN_PID=$!
wait_listen "$NS_LAN1" udp 5350 || bail "listener"
check "the exchange runs: lan2's session on the old address (what the change must drop)" \
	wait_for bash -c "'$XNATCTL' --pin-root '$PIN' sessions | grep -q ' $EXT:[0-9]* .*$WAN:7100'"
# as a DHCP client does it, with the kernel's defaults (promote_secondaries off)
gw ip addr del $EXT/24 dev gw0
gw ip addr add $NEW/24 dev gw0
gw ip route replace default via $WAN
check "xnatd follows the new address" \
	wait_for bash -c "'$XNATCTL' --pin-root '$PIN' status | grep -q 'external address: *$NEW$'"
udp_exchange_wait x
echo "# UDP exchange: sent $UDPX_SENT, answered $UDPX_RECEIVED, longest gap $UDPX_GAP, sources seen: $UDPX_FROM"
check "the UDP exchange went on from the new address ($UDPX_FROM)" grep -q "$NEW:" <<<"$UDPX_FROM"
check "... after a gap of at most 2 s ($UDPX_GAP datagrams of 50 ms)" test "$UDPX_GAP" -le 40
check "... and most datagrams were answered ($UDPX_RECEIVED of $UDPX_SENT)" \
	test "$UDPX_RECEIVED" -ge $((UDPX_SENT * 3 / 4))
wait "$LISTEN_PID"
sed 's/^/# heard: /' "$TMP/announce.txt"
check "lan1 hears the new address announced, a new epoch (NAT-PMP)" \
	grep -q "external address $NEW, result 0, epoch 0" "$TMP/announce.txt"
check "the lease carried over: xnatctl lists it on the new address" \
	grep -Eq "tcp +$NEW:6891 +$LAN1:6891 +pcp" <<<"$(xnatctl mappings)"
expect_eq "... and the WAN host reaches lan1 through the new address" \
	"$(ask wan tcp $NEW 6891 sourceport=36002)" "$WAN:36002"
sessions=$(xnatctl sessions) || not_ok "xnatctl sessions"
check "no session of the old address is left (xnatctl sessions lists ${sessions:+some, }none of it)" \
	bash -c "[[ -n \"\$1\" && \"\$1\" != *' $EXT:'* ]]" _ "$sessions"
out=$(lan1 "$PCP" -s 192.168.1.1 -t 3600 map tcp 1503 1503)
check "xnatd still grants new leases, on the new address" grep -q "mapped tcp 1503 -> $NEW:1503 " <<<"$out"
e2e_finish
