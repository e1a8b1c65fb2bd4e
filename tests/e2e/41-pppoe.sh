#!/bin/bash
# PPPoE end to end, as DSL and FTTH gateways have it: pppoe-server on the
# WAN host, pppd with the pppoe plugin on the gateway, over the veth; xnatd
# on ppp0 (no link-layer header: the TC path). Ping, TCP both ways with the
# MSS clamped to the PPPoE MTU (1492), ICMP "fragmentation needed" from
# beyond the WAN host translated back to the LAN host, and the session
# re-established: a new ppp0, which xnatd follows, and a new address. The
# host kernel here has no PPP: this runs in the kernel matrix's 6.1 guest.
source "$(dirname "$0")/lib.sh"
xnat_only "the reference for PPPoE is e2e/40's nftables run on a tun"
modprobe -q ppp_generic 2>/dev/null; modprobe -q pppoe 2>/dev/null
if [[ ! -d /sys/module/pppoe ]]; then
	skip "${0##*/}" "this kernel has no PPPoE (the kernel matrix's 6.1 guest runs it)"
	e2e_finish
	exit 0
fi
for c in pppd pppoe-server; do
	command -v $c >/dev/null || { skip "${0##*/}" "$c is not installed"; e2e_finish; exit 0; }
done
[[ -c /dev/ppp ]] || mknod /dev/ppp c 108 0
AC=10.64.0.1 # the access concentrator's end
e2e_setup || bail

# The access concentrator: sessions get 10.64.0.10 and up; MTU 1492.
printf 'noauth\nlcp-echo-interval 1\nlcp-echo-failure 5\nmtu 1492\nmru 1492\n' >"$TMP/srv.opts"
wan pppoe-server -F -I w0 -L $AC -R 10.64.0.10 -N 8 -O "$TMP/srv.opts" >"$TMP/pppoe-server.log" 2>&1 &
# pppd_start: a session from the gateway, ppp0 its interface.
pppd_start() {
	# (a plain command: $! is pppd itself)
	nsenter --net=/run/netns/"$NS_GW" -- pppd plugin pppoe.so nic-gw0 ifname ppp0 nodetach noauth \
		user xnat mtu 1492 mru 1492 lcp-echo-interval 1 lcp-echo-failure 5 noipdefault nodefaultroute \
		>>"$TMP/pppd.log" 2>&1 &
	PPPD=$!
}
ppp_addr() { gw ip -4 -o addr show ppp0 2>/dev/null | sed -n 's/.* inet \([0-9.]*\).*/\1/p'; }
# ppp_up: until ppp0 has its address (PPPoE discovery, LCP and IPCP take
# a few seconds: 60 at most, x E2E_SLOW)
ppp_up() {
	local _
	for _ in $(seq $((120 * E2E_SLOW))); do
		[[ -n $(ppp_addr) ]] && return 0
		sleep 0.5
	done
	return 1
}
pppd_start
ppp_up || { sed 's/^/#   /' "$TMP/pppd.log" "$TMP/pppoe-server.log"; bail "PPPoE session"; }
ADDR1=$(ppp_addr)
mtu=$(ip -n "$NS_GW" -o link show ppp0 | sed -n 's/.* mtu \([0-9]*\).*/\1/p')
echo "# the PPPoE session: ppp0 $ADDR1, MTU $mtu"
expect_eq "ppp0's MTU is PPPoE's" "$mtu" 1492
# What crosses the PPPoE link, at the access concentrator's end.
wan_ppp=$(ip -n "$NS_WAN" -o link show type ppp | sed -n 's/^[0-9]*: \([^:@]*\).*/\1/p' | head -1)
wan timeout $((60 * E2E_SLOW)) tcpdump -l -n -i "${wan_ppp:-ppp0}" ip >"$TMP/ppp.txt" 2>"$TMP/ppp.err" &
wait_for grep -q "listening on" "$TMP/ppp.err" || bail "tcpdump on the concentrator's ${wan_ppp:-ppp0}"
ip -n "$NS_GW" route replace default dev ppp0
XNATD_WAN=ppp0 xnatd_start || bail "xnatd on ppp0"
check "xnatd is ready on ppp0 with the session's address" grep -q "ready: .*ppp0.*(external address $ADDR1)" "$TMP/xnatd.log"

check "ping from lan1 to the access concentrator over PPPoE" lan1 ping -c2 -W3 $AC
WAN=$AC tcp_both_ways "TCP over PPPoE"
echo_server "$NS_WAN" tcp 9002 $AC
seen=$(ask lan1 tcp $AC 9002)
expect_eq "the server sees the session's address" "${seen%:*}" "$ADDR1"
check "SYNs crossing ppp0 were clamped to its MTU (tcp_mss_clamped)" test "$(counter tcp_mss_clamped)" -ge 2
check "... the concentrator saw them say MSS 1452" grep -q "> $AC.9002: Flags \[S\].*mss 1452" "$TMP/ppp.txt"

# Beyond the WAN host the path's MTU is 1400: a DF packet of 1448 bytes
# passes ppp0 (1492) and the WAN host answers "fragmentation needed" to the
# session's address; xnat gives it back to lan1.
ip -n "$NS_WAN" link set d0 mtu 1400
out=$(lan1 ping -c1 -W3 -M do -s 1420 $FAR 2>&1)
echo "$out" | sed 's/^/#   /' | head -3
check "lan1 learns the path MTU from the ICMP the WAN host sent to $ADDR1 (mtu = 1400)" grep -q "mtu = 1400\|mtu=1400\|Frag needed" <<<"$out"
check "xnat translated it back (translated_icmp_error_in)" test "$(counter translated_icmp_error_in)" -ge 1

# The session re-established: pppd ends, another starts; a new ppp0.
kill $PPPD
wait $PPPD 2>/dev/null
wait_for bash -c "! ip -n $NS_GW link show ppp0 >/dev/null 2>&1" || bail "ppp0 did not go"
pppd_start
ppp_up || bail "the second PPPoE session"
ADDR2=$(ppp_addr)
echo "# the second session: ppp0 $ADDR2"
ip -n "$NS_GW" route replace default dev ppp0
check "xnatd followed ppp0 to its new interface" wait_for grep -q "WAN ppp0 is a new interface" "$TMP/xnatd.log"
check "... and took the session's address" wait_for grep -q "external address of ppp0: $ADDR2" "$TMP/xnatd.log"
seen=$(ask lan1 tcp $AC 9002)
expect_eq "TCP over the new session, from its address" "${seen%:*}" "$ADDR2"
kill $PPPD 2>/dev/null
total=$(grep -c . "$TMP/ppp.txt")
check "the PPPoE link carried the traffic (more than 100 packets)" test "$total" -gt 100
expect_eq "... and never a private address" "$(grep -c '192\.168\.' "$TMP/ppp.txt")" 0
e2e_finish
