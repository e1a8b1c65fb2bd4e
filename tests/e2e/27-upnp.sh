#!/bin/bash
# UPnP IGD with Debian's upnpc (miniupnpc): discovery from the LAN, then
# AddPortMapping (file transfer, TCP 6891), AddAnyPortMapping (whiteboard,
# TCP 1503), the listings, a mapping for another host refused (secure
# mode), DeletePortMapping and DeletePortMappingRange, with the WAN host's
# traffic reaching the LAN application exactly while its mapping exists.
# Nothing answers an M-SEARCH from the WAN side; the HTTP server refuses a
# Host that is not its address (DNS rebinding). (No nftables run: it has no
# IGD; miniupnpd refuses this bed's documentation-range WAN address.)
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
check "the WAN no longer reaches TCP 6891" test -z "$(ask wan tcp $EXT 6891 sourceport=34003)"
out=$(upnp -N 1000 2000 TCP)
check "DeletePortMappingRange 1000-2000 removes 1503" grep -q "returned : 0" <<<"$out"
check "the WAN no longer reaches TCP 1503" test -z "$(ask wan tcp $EXT 1503 sourceport=34004)"

out=$(upnp -e short -a $LAN1 6895 6895 TCP 1)
check "a 1 s lease" grep -q "6895 TCP is redirected" <<<"$out"
check "... is collected when it ends" \
	wait_for bash -c "! grep -q ':6895 ' <<<\"\$('$XNATCTL' --pin-root '$PIN' mappings)\""

# The WAN side: an M-SEARCH sent to the external address gets nothing.
out=$(wan timeout 5 upnpc -m w0 -l 2>&1)
check "upnpc on the WAN side finds no IGD" bash -c "! grep -q 'desc: http' <<<'$out'"
code=$(lan1 curl -s -o /dev/null -w '%{http_code}' -H 'Host: rebind.example' $URL)
expect_eq "a request whose Host is a name is refused (403)" "$code" 403
code=$(lan1 curl -s -o /dev/null -w '%{http_code}' $URL)
expect_eq "with the address as Host it is served (200)" "$code" 200
check "xnatd logs the mappings" grep -q "UPnP: $LAN1 AddPortMapping: done" "$TMP/xnatd.log"
e2e_finish
