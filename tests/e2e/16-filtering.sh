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

# probe I: fresh ports for each round, so no session of a round helps the next
probe() {
	local i=$1 p=$((5000 + $1)) x=$((7000 + 10 * $1))
	ask lan1 udp $WAN $x sourceport=$p >/dev/null # opens the mapping; nothing listens on A:x
	echo_server "$NS_LAN1" udp $p
	exact=$(ask wan udp $EXT $p bind=$WAN:$x)
	port=$(ask wan udp $EXT $p bind=$WAN:$((x + 1)))
	addr=$(ask wan udp $EXT $p bind=$WAN_B:$x)
}
round() {
	local i=$1 mode=$2 want_port=$3 want_addr=$4 verdict
	probe "$i"
	local x=$((7000 + 10 * i))
	# lan1 answers with the sender it saw
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
