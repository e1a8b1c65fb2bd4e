#!/bin/bash
# The next hop the fast path caches in a flow entry (bpf/hop_cache.h) follows
# the network: xnatd moves the routing generation on when a neighbour, a
# route or an address changes, and the flow goes on to the new next hop.
# The WAN host changes its MAC under a running UDP exchange and TCP upload;
# the gateway's default route moves. On the XDP path the entries carry the cached hop; the TC path
# caches nothing (the stack routes it).
source "$(dirname "$0")/lib.sh"
xnat_only "the next-hop cache is xnat's"
e2e_setup || bail
gw_start || bail

# The routing generation in xnat_config, and the cached hops of xnat_flows
# (generation and destination MAC of each entry that has one).
fib_gen() {
	gw bpftool -j map lookup pinned "$PIN/xnat_config" key 0 0 0 0 |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["formatted"]["value"]["fib_gen"])'
}
cached_hops() {
	gw bpftool -j map dump pinned "$PIN/xnat_flows" | python3 -c '
import json, sys
for e in json.load(sys.stdin):
    h = e["formatted"]["value"]["hop"]
    if h["gen"]:
        print(h["gen"], ":".join("%02x" % b for b in h["dmac"]))'
}
gen_moved_from() { (($(fib_gen) > $1)); }
# hop_to MAC: a cached hop of the current generation leads to MAC (each
# neighbour notice moves the generation on: the next packet caches again)
hop_to() { cached_hops | grep -q "^$(fib_gen) $1\$"; }

old_mac=$(wan cat /sys/class/net/w0/address)
new_mac=02:00:00:00:4e:01
# A UDP exchange (a datagram and its echo every 50 ms: small packets, which
# stay on XDP) and a TCP upload (bulk: the stack path, tcp-bulk = stack).
# Both outlast the change: the upload's sender loop runs some 0.5 MB/s
# under TCG (the kernel matrix), so its 12 MB take up to 30 s there.
udp_exchange_start ux "$NS_LAN1" $WAN 7042 $((E2E_SLOW > 1 ? 30 : 10)) || bail "UDP exchange"
stream_start up "$NS_LAN1" $WAN 5042 12 || bail "stream"
check "a TCP upload from lan1 to the WAN host runs" grows "$TMP/up.got"
if on_xdp; then
	check "on the XDP path the UDP flow's entry caches the next hop: the WAN host's MAC, current generation" \
		wait_for hop_to "$old_mac"
else
	check "on the TC path no flow entry caches a next hop" test -z "$(cached_hops)"
fi

# The WAN host takes a new MAC (a replaced router, a failover); the gateway
# learns it (as from the host's gratuitous ARP).
gen=$(fib_gen)
wan ip link set w0 address $new_mac
gw ip neigh replace $WAN lladdr $new_mac dev gw0 nud reachable
check "the WAN host's new MAC: xnatd moves the routing generation on ($gen before)" \
	wait_for gen_moved_from "$gen"
check "the same upload goes on, to the new MAC (the old one is nobody's now)" grows "$TMP/up.got"
if on_xdp; then
	check "... and the UDP flow's cached hop is the new MAC" wait_for hop_to "$new_mac"
fi
stream_check up "the upload arrived whole, in order"
udp_exchange_wait ux
check "the UDP exchange went on across the change: $UDPX_RECEIVED of $UDPX_SENT answered, at most 10 in a row lost ($UDPX_GAP)" \
	test "$UDPX_SENT" -ge 100 -a "$UDPX_GAP" -le 10 -a "$UDPX_RECEIVED" -ge $((UDPX_SENT - 10))

gen=$(fib_gen)
gw ip route replace default via $WAN_B
check "a new default route: the generation moves on ($gen before)" wait_for gen_moved_from "$gen"
check "lan1 pings the host beyond the WAN host" lan1 ping -q -c 3 -i 0.2 -W 2 $FAR
e2e_finish
