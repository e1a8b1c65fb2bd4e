#!/bin/bash
# LAN applications open their own inbound ports: NAT-PMP with Debian's
# natpmpc, PCP with xnat-pcp. A granted port is reachable from the WAN at
# once and no longer after a delete or when its lifetime ends; the server
# answers only on the LAN side, only for the asking host (no THIRD_PARTY,
# no spoofed client address), within the per-host quota, and announces
# itself after a start and an address change. (No nftables run: nftables
# has no port-mapping protocol. miniupnpd, the reference IGD, refuses to
# serve with this bed's documentation-range WAN address.)
source "$(dirname "$0")/lib.sh"
xnat_only "NAT-PMP/PCP are xnatd's"
e2e_setup || bail
PCP=$(realpath -m "$BUILD/xnat-pcp")
command -v natpmpc >/dev/null || bail "natpmpc is not installed (tools/install-deps.sh)"
GW1=192.168.1.1 GW2=192.168.2.1

# Announcements after the start: a listener on lan1 before xnatd comes up.
lan1 "$PCP" listen --count 2 -w 5 >"$TMP/announce-start.txt" 2>&1 &
LISTEN_PID=$!
wait_listen "$NS_LAN1" udp 5350 || bail "listener"
gw_start '[portmap]\nmin-lifetime = 1\nleases-per-host = 3\n[agent]\ngc-interval = 1\n' || bail
wait "$LISTEN_PID"
check "after the start, lan1 hears the NAT-PMP announcement of $EXT" \
	grep -q "NAT-PMP announcement from $GW1: external address $EXT, result 0" "$TMP/announce-start.txt"
check "... and PCP's ANNOUNCE" grep -q "PCP ANNOUNCE from $GW1: result 0" "$TMP/announce-start.txt"

# ---------------------------------------------------------------- NAT-PMP
out=$(lan1 natpmpc -g $GW1 2>&1)
check "natpmpc learns the external address" grep -q "Public IP address : $EXT" <<<"$out"
out=$(lan1 natpmpc -g $GW1 -a 6000 6000 udp 600 2>&1)
check "natpmpc maps UDP 6000" grep -q "Mapped public port 6000 protocol UDP to local port 6000 liftime 600" <<<"$out"
out=$(lan1 natpmpc -g $GW1 -a 3389 3389 tcp 600 2>&1)
check "natpmpc maps TCP 3389 (remote assistance)" grep -q "Mapped public port 3389 protocol TCP" <<<"$out"
echo_server "$NS_LAN1" udp 6000
echo_server "$NS_LAN1" tcp 3389
expect_eq "the WAN reaches lan1's UDP 6000 through the mapping" "$(ask wan udp $EXT 6000 sourceport=33001)" \
	"$WAN:33001"
expect_eq "the WAN reaches lan1's TCP 3389" "$(ask wan tcp $EXT 3389 sourceport=33002)" "$WAN:33002"
check "xnatctl mappings shows the NAT-PMP leases with their expiry" \
	grep -Eq "udp +$EXT:6000 +$LAN1:6000 +natpmp .* (59[0-9]|600)s" <<<"$(xnatctl mappings)"
lan1 natpmpc -g $GW1 -a 6000 6000 udp 0 >/dev/null 2>&1
check "natpmpc's delete (lifetime 0) removes the lease" \
	lacks ':6000 .*natpmp' xnatctl mappings
unreached "the WAN no longer reaches UDP 6000" udp 6000 33003

# ---------------------------------------------------------------- PCP
out=$(lan2 "$PCP" -s $GW2 map tcp 1503 1503)
check "PCP maps lan2's TCP 1503 (application sharing) on 1503" grep -q "mapped tcp 1503 -> $EXT:1503 " <<<"$out"
nonce=$(sed -n 's/.*nonce \([0-9a-f]*\)).*/\1/p' <<<"$out")
echo_server "$NS_LAN2" tcp 1503
expect_eq "the WAN reaches lan2's TCP 1503" "$(ask wan tcp $EXT 1503 sourceport=33004)" "$WAN:33004"
lan1 "$PCP" -s $GW1 --prefer-failure map tcp 1503 1503 >/dev/null
expect_eq "lan1 asking for the same port with PREFER_FAILURE: CANNOT_PROVIDE_EXTERNAL (exit 2)" "$?" 2
out=$(lan1 "$PCP" -s $GW1 --json map tcp 1503 1503)
check "without it lan1 gets another external port" \
	grep -Eq '"result":"SUCCESS".*"external_port":[0-9]+' <<<"$out"
check "... not 1503" bash -c "! grep -q '\"external_port\":1503,' <<<'$out'"
lan1 "$PCP" -s $GW1 --third-party $LAN2 map tcp 8080 >"$TMP/tp.txt"
expect_eq "a THIRD_PARTY request for lan2 is refused (exit 2)" "$?" 2
check "... NOT_AUTHORIZED" grep -q NOT_AUTHORIZED "$TMP/tp.txt"
lan1 "$PCP" -s $GW1 -c $LAN2 map tcp 8080 >"$TMP/spoof.txt"
expect_eq "a request naming lan2 as its client, from lan1: refused (exit 2)" "$?" 2
check "... ADDRESS_MISMATCH" grep -q ADDRESS_MISMATCH "$TMP/spoof.txt"
lan2 "$PCP" -s $GW2 -n 000000000000000000000000 delete tcp 1503 >"$TMP/badnonce.txt"
expect_eq "a delete with another nonce is refused (exit 2)" "$?" 2
check "the WAN still reaches lan2's TCP 1503" test -n "$(ask wan tcp $EXT 1503 sourceport=33005)"
check "the delete with the mapping's nonce succeeds" lan2 "$PCP" -s $GW2 -n "$nonce" delete tcp 1503
unreached "the WAN no longer reaches TCP 1503" tcp 1503 33006

# Quota: 3 leases per host.
for port in 7001 7002 7003; do lan2 "$PCP" -s $GW2 map udp $port >/dev/null; done
lan2 "$PCP" -s $GW2 map udp 7004 >"$TMP/quota.txt"
expect_eq "a fourth lease of lan2 is refused (leases-per-host = 3)" "$?" 2
check "... USER_EX_QUOTA" grep -q USER_EX_QUOTA "$TMP/quota.txt"

# Expiry: a 2 s lease goes with its lifetime, and the port closes.
lan1 "$PCP" -s $GW1 -t 2 map udp 6100 6100 >/dev/null
echo_server "$NS_LAN1" udp 6100
expect_eq "a 2 s PCP lease works" "$(ask wan udp $EXT 6100 sourceport=33007)" "$WAN:33007"
check "... and is collected when it ends" \
	wait_for lacks ':6100 ' xnatctl mappings
unreached "the WAN no longer reaches UDP 6100" udp 6100 33008

# ---------------------------------------------------------------- boundaries
# Each with its positive twin: the request arrived, and the gateway's stack
# answered it port unreachable (no socket of xnatd's reads the WAN side).
capture "$NS_WAN" w0 "host $EXT and (udp port 5351 or icmp)"
wan "$PCP" -s $EXT -w 1 announce >/dev/null 2>&1
expect_eq "a PCP request from the WAN side gets no answer (exit 3)" "$?" 3
check "... it arrived: port unreachable from the gateway" capture_has "$NS_WAN" w0 "ICMP $EXT udp port 5351 unreachable"
capture_stop
capture "$NS_WAN" w0 "host $EXT and (udp port 5351 or icmp)"
check "natpmpc from the WAN side gets no answer" bash -c "! ip netns exec '$NS_WAN' timeout 5 natpmpc -g $EXT >/dev/null 2>&1"
check "... it arrived: port unreachable from the gateway" capture_has "$NS_WAN" w0 "ICMP $EXT udp port 5351 unreachable"
capture_stop
printf '\x02\x01garbage' | lan1 socat -u - UDP:$GW1:5351
printf '\x00' | lan1 socat -u - UDP:$GW1:5351
check "after garbage the server still answers" lan1 "$PCP" -s $GW1 announce
check "xnatd logs each grant" grep -q "PCP: $LAN2:1503 tcp reachable on external port 1503" "$TMP/xnatd.log"

# Address change: a new epoch, announced with the new address.
NEW=$WAN_NET.9
# (the address is gone a moment first: that is announced too, result 3)
lan1 "$PCP" listen --count 4 -w 5 >"$TMP/announce-new.txt" 2>&1 &
LISTEN_PID=$!
wait_listen "$NS_LAN1" udp 5350
# as a DHCP client does it (the kernel's defaults: promote_secondaries off)
gw ip addr del $EXT/24 dev gw0
gw ip addr add $NEW/24 dev gw0
gw ip route replace default via $WAN
wait "$LISTEN_PID"
check "after an address change lan1 hears the new address $NEW" \
	grep -q "NAT-PMP announcement from $GW1: external address $NEW, result 0, epoch 0" "$TMP/announce-new.txt"
out=$(lan1 "$PCP" -s $GW1 map udp 6200)
check "new leases carry the new address" grep -q "mapped udp 6200 -> $NEW:" <<<"$out"
e2e_finish
