#!/bin/bash
# nft: yes
# Inbound filtering of dynamic mappings (RFC 4787 REQ-8), with no session
# for the sender: lan1 has sent from port P to A:x only; then A:x, A:y (same
# address, another port) and B:x (another address) send to the external
# port P. Endpoint-independent (the default) admits all three,
# address-dependent A:x and A:y, address-and-port-dependent only A:x.
# xnat switches modes with a config reload (SIGHUP). conntrack NAT admits
# only what matches a connection: address-and-port-dependent, not settable.
source "$(dirname "$0")/lib.sh"
e2e_setup && gw_start '[nat]\nfiltering = endpoint-independent\n' || bail

# send_from DEST_ADDR DEST_PORT SRC_ADDR:SRC_PORT:PAYLOAD...: from the WAN
# host, one datagram from each source in turn, one process.
send_from() {
	wan python3 -c '
import socket, sys
for spec in sys.argv[3:]:
    a, p, data = spec.split(":", 2)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a, int(p)))
    s.sendto(data.encode(), (sys.argv[1], int(sys.argv[2])))
    s.close()' "$@"
}
# probe I MODE: fresh ports for each round, so no session of a round helps
# the next. lan1 (a UDP peer on port P, which logs what it receives) sends
# to A:x; then A:y, B:x and A:x send to the external port P, in that order.
# xnat's counters say when the gateway has decided all three (admitted:
# translated_in, refused: drop_filtered), and how many lan1 must get; with
# nftables, A:x's datagram reaching lan1 last is the sign.
probe() {
	local i=$1 p=$((5000 + $1)) x=$((7000 + 10 * $1)) in0 drop0 admitted
	udp_peer "l$i" "$NS_LAN1" $LAN1 $p || bail "lan1's UDP peer"
	udp_peer "a$i" "$NS_WAN" $WAN $x || bail "A's UDP peer"
	udp_send "l$i" $p $WAN $x open # opens the mapping
	udp_got "a$i" "^$x $EXT:[0-9]+ open" 100 || not_ok "$2: lan1's datagram reaches A:$x"
	udp_peer_stop "a$i" # A:x sends again below
	[[ $GW == xnat ]] && in0=$(counter translated_in) drop0=$(counter drop_filtered)
	send_from $EXT $p $WAN:$((x + 1)):port $WAN_B:$x:addr $WAN:$x:exact
	if [[ $GW == xnat ]]; then
		decided() { (($(counter translated_in) - in0 + $(counter drop_filtered) - drop0 >= 3)); }
		wait_for decided || not_ok "$2: the gateway decided the three datagrams"
		admitted=$(($(counter translated_in) - in0))
		all_in() { (($(grep -c . "$TMP/l$i.rx") >= admitted)); }
		wait_for all_in || not_ok "$2: lan1 got the $admitted datagrams the gateway let in"
	fi
	exact=$(udp_got "l$i" "^$p $WAN:$x exact" 100 && echo "$WAN:$x")
	port=$(grep -oE "^$p [0-9.:]+ port" "$TMP/l$i.rx" | cut -d' ' -f2)
	addr=$(grep -oE "^$p [0-9.:]+ addr" "$TMP/l$i.rx" | cut -d' ' -f2)
}
round() {
	local i=$1 mode=$2 want_port=$3 want_addr=$4 verdict
	probe "$i" "$mode"
	local x=$((7000 + 10 * i))
	expect_eq "$mode: the remote lan1 sent to is admitted" "$exact" "$WAN:$x"
	verdict=refused; [[ -n $port ]] && verdict=admitted
	differs_eq "$mode: the same address from another port is $want_port" "$verdict" "$want_port"
	verdict=refused; [[ -n $addr ]] && verdict=admitted
	differs_eq "$mode: another address is $want_addr" "$verdict" "$want_addr"
}

round 0 endpoint-independent admitted admitted
[[ $GW == nft ]] && { e2e_finish; exit; }
check "the admitted senders reached lan1 as themselves (not translated)" \
	test "$port" == "$WAN:7001" -a "$addr" == "$WAN_B:7000"

reload() {
	printf '[nat]\nfiltering = %s\n' "$1" >"$TMP/xnat.conf"
	kill -HUP "$XNATD_PID"
	wait_for bash -c "'$XNATCTL' --pin-root '$PIN' status | grep -q 'filtering: *$1'"
}
check "SIGHUP switches to address-dependent" reload address-dependent
round 1 address-dependent admitted refused
check "SIGHUP switches to address-and-port-dependent" reload address-and-port-dependent
round 2 address-and-port-dependent refused refused
check "refused senders are counted as drop_filtered" test "$(counter drop_filtered)" -ge 3
e2e_finish
