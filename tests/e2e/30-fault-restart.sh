#!/bin/bash
# Faults of the agent with traffic running (the hardening issue):
# - kill -9 of xnatd in the middle of a TCP upload and a UDP exchange from
#   lan2, and a restart: the upload completes byte for byte, the UDP exchange
#   keeps its mapping and its answers; a UPnP lease (lan1) and a PCP lease
#   (lan2) granted before the kill are listed after it, still let the WAN host
#   in, and keep what lives in xnatd's memory (the UPnP description, the PCP
#   nonce), which the new process takes from the lease file.
# - SIGHUP with a bad file, twice (an option out of range; a forward on a port
#   a lease holds): xnatd says why, keeps running, and the running config
#   (port range, forwards) stays in force; the traffic carries on. A good file
#   afterwards is applied, so the bad ones were refused, not ignored.
source "$(dirname "$0")/lib.sh"
xnat_only "kill -9 and reload of xnatd"
e2e_setup || bail
command -v upnpc >/dev/null || bail "upnpc is not installed (tools/install-deps.sh)"
PCP=$(realpath -m "$BUILD/xnat-pcp")
URL=http://192.168.1.1:49152/rootDesc.xml
conf() { # PORT-RANGE [EXTRA LINES]: the config file's text
	printf '%s' "[nat]\nport-range = $1\n[agent]\ngc-interval = 1\n[forward]\nrule = tcp 8080 $LAN1\n${2:-}"
}
CONF=$(conf 20000-29999)
xnatd_start_patient "$CONF" || bail
mappings() { xnatctl mappings 2>&1; }
alive() { kill -0 "$XNATD_PID" 2>/dev/null && test -e "$PIN/xnatd_pid"; }
port_range() { xnatctl status | sed -n 's/^port range: *//p'; }

echo_server "$NS_LAN1" tcp 6891
echo_server "$NS_LAN1" tcp 8080
echo_server "$NS_LAN2" tcp 1503
echo_server "$NS_WAN" udp 7001
out=$(lan1 timeout 10 upnpc -u $URL -e "file transfer" -a $LAN1 6891 6891 TCP 3600 2>&1)
check "UPnP: lan1 maps TCP 6891 'file transfer'" grep -q "6891 TCP is redirected" <<<"$out"
out=$(lan2 "$PCP" -s 192.168.2.1 -t 3600 map tcp 1503 1503)
check "PCP: lan2 maps TCP 1503" grep -q "mapped tcp 1503 -> $EXT:1503 " <<<"$out"
nonce=$(sed -n 's/.*nonce \([0-9a-f]*\)).*/\1/p' <<<"$out")
# kill -9 saves nothing: what the new process restores is what was saved.
check "both leases are in the lease file before the kill" \
	wait_for bash -c "[[ \$(grep -vc '^#' '$TMP/state/leases') == 2 ]]"

stream_start up "$NS_LAN2" $WAN 9000 20 || bail "TCP stream"
udp_exchange_start ux "$NS_LAN2" $WAN 7000 20 || bail "UDP exchange"
check "the upload flows" grows "$TMP/up.got"

# ---------------------------------------------------------------- kill -9
xnatd_signal KILL
check "with xnatd killed the upload goes on (its sink grows)" grows "$TMP/up.got"
xnatd_start_patient "$CONF" || bail "restart after kill -9"
check "xnatd restarted; the upload is still running" stream_running up
out=$(mappings)
check "after the restart the UPnP lease is listed" grep -Eq "tcp +$EXT:6891 +$LAN1:6891 +upnp" <<<"$out"
check "... and the PCP lease" grep -Eq "tcp +$EXT:1503 +$LAN2:1503 +pcp" <<<"$out"
check "xnatd says it restored or kept both" grep -q "leases: 2 of 2 in .* restored or kept" "$TMP/xnatd.log"
expect_eq "the WAN host reaches lan1's TCP 6891 through the UPnP lease" \
	"$(ask wan tcp $EXT 6891 sourceport=36001)" "$WAN:36001"
expect_eq "... and lan2's TCP 1503 through the PCP lease" "$(ask wan tcp $EXT 1503 sourceport=36002)" "$WAN:36002"
check "the new xnatd lists the UPnP lease with its description" \
	grep -q "TCP  6891->$LAN1:6891  'file transfer'" <<<"$(lan1 timeout 10 upnpc -u $URL -l 2>&1)"
lan2 "$PCP" -s 192.168.2.1 -n 000000000000000000000001 delete tcp 1503 >/dev/null
expect_eq "the PCP lease still refuses a delete with another nonce (exit 2)" "$?" 2
out=$(lan2 "$PCP" -s 192.168.2.1 -n "$nonce" -t 3600 map tcp 1503 1503)
check "... and its own nonce renews it" grep -q "mapped tcp 1503 -> $EXT:1503 " <<<"$out"
check "a new flow is translated" grep -q "^$EXT:" <<<"$(ask lan1 udp $WAN 7001 sourceport=5001)"

# ---------------------------------------------------------------- SIGHUP, bad files
# reload_with TEXT: the file becomes TEXT, xnatd gets SIGHUP; until its log
# says how the reload ended (a new line, "reloaded" or "keeping").
reload_with() {
	local before
	before=$(grep -c "configuration reloaded\|reload: keeping the running configuration" "$TMP/xnatd.log")
	printf '%b' "$1" >"$TMP/xnat.conf"
	kill -HUP "$XNATD_PID"
	wait_for bash -c "(( \$(grep -c 'configuration reloaded\|reload: keeping the running configuration' \
		'$TMP/xnatd.log') > $before ))"
}
# (a) an option out of range, and the forward left out: nothing may change.
reload_with "[nat]\nport-range = 30000-30099\nmax-ports-per-host = 70000\n[agent]\ngc-interval = 1\n"
check "bad file (out of range): xnatd keeps the running configuration" \
	bash -c "tail -3 '$TMP/xnatd.log' | grep -q 'reload: keeping the running configuration'"
check "... and names the file, line and option" grep -q "$TMP/xnat.conf:3: .*max-ports-per-host" "$TMP/xnatd.log"
check "... still runs" alive
expect_eq "... the port range is the old one" "$(port_range)" "20000-29999"
check "... the forward is still listed" grep -q "8080" <<<"$(xnatctl forward list)"
expect_eq "... and still works" "$(ask wan tcp $EXT 8080 sourceport=36003)" "$WAN:36003"
# (b) parses, but its forward takes the UPnP lease's port: refused, rolled back.
reload_with "$(conf 30000-30099 "rule = tcp 6891 $LAN2\n")"
check "bad file (a forward on a leased port): the running configuration is kept" \
	bash -c "tail -3 '$TMP/xnatd.log' | grep -q 'reload: keeping the running configuration'"
check "... and says what holds the port" grep -q "forward tcp 6891 .*held by a UPnP lease of $LAN1:6891" "$TMP/xnatd.log"
check "... still runs" alive
expect_eq "... the port range is the old one" "$(port_range)" "20000-29999"
expect_eq "... the forward TCP 8080 still works" "$(ask wan tcp $EXT 8080 sourceport=36004)" "$WAN:36004"
expect_eq "... and the lease still holds TCP 6891 for lan1" "$(ask wan tcp $EXT 6891 sourceport=36005)" "$WAN:36005"
check "the upload is still running" stream_running up
# (c) a good file: applied.
reload_with "$(conf 30000-30999)"
check "a good file is applied" bash -c "tail -3 '$TMP/xnatd.log' | grep -q 'configuration reloaded'"
expect_eq "... the new port range is in force" "$(port_range)" "30000-30999"
got=$(ask lan1 udp $WAN 7001 sourceport=5002)
check "... a new flow gets a port of the new range ($got)" \
	bash -c "[[ '$got' =~ ^$EXT:([0-9]+)$ ]] && (( BASH_REMATCH[1] >= 30000 && BASH_REMATCH[1] <= 30999 ))"

# ---------------------------------------------------------------- the traffic
stream_check up "the 20 s upload across kill -9, restart and reloads arrived intact"
udp_exchange_wait ux
check "the UDP exchange kept one mapping throughout (the server saw $UDPX_FROM)" \
	test "$UDPX_FROM" == "$EXT:${UDPX_FROM##*:}"
check "... and got its answers ($UDPX_RECEIVED of $UDPX_SENT; longest gap $UDPX_GAP x 50 ms)" \
	test "${UDPX_RECEIVED:-0}" -ge $((UDPX_SENT * 95 / 100)) -a "${UDPX_GAP:-99}" -le 20
check "xnatd lists the upload's session" grep -q "$WAN:9000" <<<"$(xnatctl sessions)"
e2e_finish
