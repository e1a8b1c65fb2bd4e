#!/bin/bash
# UPnP IGD with Debian's upnpc (miniupnpc): discovery from the LAN, then
# AddPortMapping (file transfer, TCP 6891), AddAnyPortMapping (whiteboard,
# TCP 1503), the listings, a mapping for another host refused (secure
# mode), DeletePortMapping and DeletePortMappingRange, with the WAN host's
# traffic reaching the LAN application exactly while its mapping exists.
# Nothing answers an M-SEARCH from the WAN side; the HTTP server refuses a
# Host that is not its address (DNS rebinding). GENA: the initial event and
# one per change, to a subscriber's own callback only (CallStranger), at
# most 8 subscriptions per host. (No nftables run: it has no IGD; miniupnpd
# refuses this bed's documentation-range WAN address.)
source "$(dirname "$0")/lib.sh"
xnat_only "UPnP IGD is xnatd's"
e2e_setup || bail
command -v upnpc >/dev/null || bail "upnpc is not installed (tools/install-deps.sh)"
gw_start '[agent]\ngc-interval = 1\n' || bail
URL=http://192.168.1.1:49152/rootDesc.xml
upnp() { lan1 timeout 10 upnpc -u $URL "$@" 2>&1; }

out=$(lan1 timeout 10 upnpc -l 2>&1)
check "upnpc discovers the gateway by SSDP from lan1" grep -q "desc: http://192.168.1.1:49152/rootDesc" <<<"$out"
# (miniupnpc calls an IGD whose external address is in a reserved range, as
# this bed's is, "not connected?", and uses it all the same.)
check "... and takes it as its IGD" grep -q "IGD : http://192.168.1.1:49152/ctl/IPConn" <<<"$out"

out=$(upnp -e "file transfer" -a $LAN1 6891 6891 TCP 3600)
check "AddPortMapping TCP 6891 -> lan1" grep -q "external $EXT:6891 TCP is redirected to internal $LAN1:6891 (duration=3600)" <<<"$out"
echo_server "$NS_LAN1" tcp 6891
echo_server "$NS_LAN1" tcp 1503
expect_eq "the WAN reaches lan1's TCP 6891 through it" "$(ask wan tcp $EXT 6891 sourceport=34001)" "$WAN:34001"
out=$(upnp -n $LAN1 1503 1503 TCP)
check "AddAnyPortMapping TCP 1503 (IGD:2)" grep -q "external $EXT:1503 TCP is redirected to internal $LAN1:1503" <<<"$out"
expect_eq "the WAN reaches lan1's TCP 1503" "$(ask wan tcp $EXT 1503 sourceport=34002)" "$WAN:34002"
out=$(upnp -l)
check "GetGenericPortMappingEntry lists 6891 with its description" \
	grep -q "TCP  6891->$LAN1:6891  'file transfer'" <<<"$out"
out=$(upnp -L)
expect_eq "GetListOfPortMappings lists both" "$(grep -Ec "(6891|1503)->$LAN1" <<<"$out")" 2
check "xnatctl mappings shows the UPnP leases" grep -Eq "tcp +$EXT:6891 +$LAN1:6891 +upnp" <<<"$(xnatctl mappings)"

out=$(upnp -a $LAN2 3389 3389 TCP)
check "a mapping for lan2 asked by lan1 is refused (secure mode, 606 under IGD:2)" grep -q "failed with code 606" <<<"$out"
gw_forward tcp 3390 $LAN2
out=$(upnp -a $LAN1 3390 3390 TCP)
check "a port held by a static forward: ConflictWithOtherMechanisms (729)" grep -q "failed with code 729" <<<"$out"

out=$(upnp -d 6891 TCP)
check "DeletePortMapping TCP 6891" grep -q "returned : 0" <<<"$out"
unreached "the WAN no longer reaches TCP 6891" tcp 6891 34003
out=$(upnp -N 1000 2000 TCP)
check "DeletePortMappingRange 1000-2000 removes 1503" grep -q "returned : 0" <<<"$out"
unreached "the WAN no longer reaches TCP 1503" tcp 1503 34004

out=$(upnp -e short -a $LAN1 6895 6895 TCP 1)
check "a 1 s lease" grep -q "6895 TCP is redirected" <<<"$out"
check "... is collected when it ends" \
	wait_for lacks ':6895 ' xnatctl mappings

# The WAN side: an M-SEARCH sent to the external address gets nothing.
# The positive twin: its M-SEARCH reached the gateway's WAN interface.
capture "$NS_GW" gw0 "src host $WAN and udp dst port 1900"
out=$(wan timeout 5 upnpc -m w0 -l 2>&1)
check "upnpc on the WAN side finds no IGD" bash -c "! grep -q 'desc: http' <<<'$out'"
check "... its M-SEARCH arrived at the gateway" capture_has "$NS_GW" gw0 "239\.255\.255\.250\.1900"
capture_stop
# A search sent to the external address itself: the gateway's stack answers
# port unreachable, no socket of xnatd's reads it.
capture "$NS_WAN" w0 "host $EXT and (udp port 1900 or icmp)"
printf 'M-SEARCH * HTTP/1.1\r\nHOST: %s:1900\r\nMAN: "ssdp:discover"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n' $EXT |
	wan socat -u - UDP:$EXT:1900,sourceport=34005
check "a unicast M-SEARCH to the external address: port unreachable, no answer" \
	capture_has "$NS_WAN" w0 "ICMP $EXT udp port 1900 unreachable"
check "... and nothing else came back from port 1900" bash -c "! grep -q '$EXT\.1900 >' '$TMP/cap-$NS_WAN-w0'"
capture_stop
code=$(lan1 curl -s -o /dev/null -w '%{http_code}' -H 'Host: rebind.example' $URL)
expect_eq "a request whose Host is a name is refused (403)" "$code" 403
code=$(lan1 curl -s -o /dev/null -w '%{http_code}' $URL)
expect_eq "with the address as Host it is served (200)" "$code" 200
check "xnatd logs the mappings" grep -q "UPnP: $LAN1 AddPortMapping: done" "$TMP/xnatd.log"

# GENA: a subscriber on lan1 gets the initial event and one per change.
EVT=http://192.168.1.1:49152/evt/IPConn
# a callback server: each NOTIFY appended to a file, answered 200
printf '%s\n' 'timeout 0.5 cat >>"$1"' "printf 'HTTP/1.1 200 OK\\r\\nContent-Length: 0\\r\\n\\r\\n'" >"$TMP/cb.sh"
listener() { # NS PORT FILE
	ip netns exec "$1" socat TCP-LISTEN:"$2",fork,reuseaddr SYSTEM:"sh $TMP/cb.sh $3" &
	wait_listen "$1" tcp "$2"
}
listener "$NS_LAN1" 5555 "$TMP/events"
listener "$NS_LAN2" 5556 "$TMP/stranger"
subscribe() { lan1 curl -s -i -X SUBSCRIBE -H "NT: upnp:event" -H "TIMEOUT: Second-300" "$@" $EVT; }
out=$(subscribe -H "CALLBACK: <http://$LAN1:5555/cb>")
check "SUBSCRIBE from lan1 with its own callback: 200" grep -q "^HTTP/1.1 200" <<<"$out"
sid=$(sed -n 's/^SID: \(uuid:[0-9a-f-]*\).*/\1/p' <<<"$out")
check "... with a SID and the TIMEOUT granted" grep -q "^TIMEOUT: Second-300" <<<"$out"
check "the initial event reaches the callback (SEQ 0, every variable)" \
	wait_for grep -qs "<ExternalIPAddress>$EXT</ExternalIPAddress>" "$TMP/events"
check "... NOTIFY with the SID and SEQ 0" grep -q "^SEQ: 0" "$TMP/events"
grep -q "^SID: $sid" "$TMP/events" && grep -q "^NOTIFY /cb HTTP/1.1" "$TMP/events" && ok "... on the callback's path" ||
	not_ok "... on the callback's path"
upnp -a $LAN1 6893 6893 TCP 600 >/dev/null
check "a new mapping: an event with SEQ 1 and PortMappingNumberOfEntries 1" \
	wait_for grep -q "^SEQ: 1" "$TMP/events"
check "... PortMappingNumberOfEntries 1" grep -q "<PortMappingNumberOfEntries>1</PortMappingNumberOfEntries>" "$TMP/events"
out=$(lan1 curl -s -i -X SUBSCRIBE -H "SID: $sid" -H "TIMEOUT: Second-600" $EVT)
check "renewal with the SID: 200, the same SID" grep -q "^SID: $sid" <<<"$out"
out=$(subscribe -H "CALLBACK: <http://$LAN2:5556/cb>")
check "a callback to another host (CallStranger): 412" grep -q "^HTTP/1.1 412" <<<"$out"
out=$(subscribe -H "CALLBACK: <http://evil.example:5555/cb>")
check "a callback by name: 412" grep -q "^HTTP/1.1 412" <<<"$out"
for i in $(seq 7); do subscribe -H "CALLBACK: <http://$LAN1:5555/q$i>" >/dev/null; done
out=$(subscribe -H "CALLBACK: <http://$LAN1:5555/q8>")
check "a ninth subscription of one host: 503" grep -q "^HTTP/1.1 503" <<<"$out"
out=$(lan1 curl -s -i -X UNSUBSCRIBE -H "SID: $sid" $EVT)
check "UNSUBSCRIBE: 200" grep -q "^HTTP/1.1 200" <<<"$out"
# the deletion's event, sent to every subscription at once: when the seven
# others have theirs (their second: the first came on subscribing), /cb
# would have had its own
notifies() { grep -c "^NOTIFY $1 " "$TMP/events"; }
seconds_all() { for q in /q1 /q2 /q3 /q4 /q5 /q6 /q7; do (($(notifies $q) >= 2)) || return 1; done; }
firsts_all() { for q in /q1 /q2 /q3 /q4 /q5 /q6 /q7; do (($(notifies $q) >= 1)) || return 1; done; }
check "the seven other subscriptions had their initial event" wait_for firsts_all
before=$(notifies /cb)
upnp -d 6893 TCP >/dev/null
check "a deletion: the seven other subscriptions get its event" wait_for seconds_all
expect_eq "after UNSUBSCRIBE no more events to /cb" "$(notifies /cb)" "$before"
check "nothing was ever sent to lan2" test ! -s "$TMP/stranger"
check "the callbacks answered 200: xnatd counts every event sent, none failed" \
	wait_for grep -Eq "subscriptions, [1-9][0-9]* events sent, 0 failed" "$TMP/xnatd.log"
sed -n '/^NOTIFY \/cb/,/propertyset>/p' "$TMP/events" | head -14 | sed 's/^/# /'

# A hostile action name: the log line quotes it cut short and escaped (no
# terminal escape reaches the journal), and keeps its reason.
evil="urn:schemas-upnp-org:service:WANIPConnection:1#Add$(printf '\033')[31m$(printf 'X%.0s' $(seq 200))"
# (sent until its line is in: xnatd logs at most 10 request lines a second,
# and the GENA checks above may have had this second's)
hostile_logged() {
	lan1 curl -s -o /dev/null -X POST -H "Content-Type: text/xml" -H "SOAPAction: \"$evil\"" \
		--data '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body></s:Body></s:Envelope>' \
		http://192.168.1.1:49152/ctl/IPConn
	grep -q 'UPnP: 192.168.1.10 Add\\x1b\[31mXXX*\.\.\. refused: error [0-9][0-9][0-9]' "$TMP/xnatd.log"
}
check "a hostile SOAPAction is logged escaped and cut, with its reason" wait_for hostile_logged
check "... and no raw escape byte is in the log" bash -c "! grep -q \$'\\033' '$TMP/xnatd.log'"
e2e_finish
