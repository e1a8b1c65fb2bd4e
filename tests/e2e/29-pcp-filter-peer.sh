#!/bin/bash
# PCP FILTER and PEER with xnat-pcp. A MAP with FILTER options opens the
# port to the named remote peers only (the fast path drops and counts the
# others); a renewal adds rules, prefix length 0 clears them; the rules come
# back with the lease after the maps are lost (`xnatd --unload`), never a
# lease open to all. PEER answers the external endpoint of a session made
# before the application sent anything, which its first packet then uses,
# and the remote peer's answer comes back through it. (No nftables run:
# nftables has no port-mapping protocol.)
source "$(dirname "$0")/lib.sh"
xnat_only "PCP is xnatd's"
e2e_setup || bail
PCP=$(realpath -m "$BUILD/xnat-pcp")
CONF='[agent]\ngc-interval = 1\n'
gw_start "$CONF" || bail
pcp() { lan1 "$PCP" -s 192.168.1.1 "$@" 2>&1; }
from() { ask wan tcp $EXT 6900 "bind=$1,sourceport=$2"; }
# filtered WHAT ADDR SPORT: a connection from ADDR:SPORT gets no answer, and
# the positive twin: the fast path dropped its SYN, counted as drop_filtered.
filtered() {
	local before
	before=$(counter drop_filtered)
	expect_eq "$1" "$(from "$2" "$3")" ""
	check "... its SYN dropped by the fast path, counted as drop_filtered" test "$(counter drop_filtered)" -gt "$before"
}

# ---------------------------------------------------------------- FILTER
out=$(pcp -t 3600 --filter $WAN map tcp 6900 6900)
check "PCP MAP TCP 6900 with FILTER $WAN/32 granted" grep -q "mapped tcp 6900 -> $EXT:6900 " <<<"$out"
check "... the FILTER echoed" grep -q "filter $WAN/32 port any" <<<"$out"
nonce=$(sed -n 's/.*nonce \([0-9a-f]*\)).*/\1/p' <<<"$out")
echo_server "$NS_LAN1" tcp 6900
expect_eq "the named peer reaches lan1's TCP 6900" "$(from $WAN 35001)" "$WAN:35001"
filtered "another WAN address does not" $WAN_B 35002

out=$(pcp -n "$nonce" -t 3600 --filter $WAN_B/32:35500 map tcp 6900 6900)
check "a renewal adds FILTER $WAN_B/32 port 35500" grep -q "filter $WAN_B/32 port 35500" <<<"$out"
expect_eq "$WAN_B from port 35500 reaches lan1 now" "$(from $WAN_B 35500)" "$WAN_B:35500"
filtered "... from another port it does not" $WAN_B 35501
expect_eq "... and the first rule still holds" "$(from $WAN 35003)" "$WAN:35003"
check "xnatctl mappings shows the rules" \
	grep -Eq "tcp +$EXT:6900 +$LAN1:6900 +pcp .* $WAN/32,$WAN_B/32:35500$" <<<"$(xnatctl mappings)"
check "... and so does its JSON" grep -q "\"filters\":\[{\"address\":\"$WAN\",\"prefix_len\":32,\"port\":0}" \
	<<<"$(xnatctl mappings --json)"

out=$(pcp -n "$nonce" -t 3600 --filter 10.0.0.0/8 --filter 10.1.0.0/16 --filter 10.2.0.0/16 --filter 10.3.0.0/16 \
	--filter 10.4.0.0/16 --filter 10.5.0.0/16 --filter 10.6.0.0/16 map tcp 6900 6900)
check "a ninth rule is refused: EXCESSIVE_REMOTE_PEERS" grep -q "EXCESSIVE_REMOTE_PEERS" <<<"$out"
filtered "... and the mapping keeps its two rules" $WAN_B 35502

# The rules outlive the maps: the lease file carries them.
check "the lease file holds the rules" wait_for grep -q "	$WAN/32:0,$WAN_B/32:35500$" "$TMP/state/leases"
xnatd_signal TERM
gw "$XNATD" --unload --pin-root "$PIN" >/dev/null
gw_start "$CONF" || bail "restart"
check "after --unload and a start the lease is back" grep -Eq "tcp +$EXT:6900 +$LAN1:6900 +pcp" <<<"$(xnatctl mappings)"
expect_eq "... still open to the named peer" "$(from $WAN 35004)" "$WAN:35004"
filtered "... still closed to the others" $WAN_B 35503

out=$(pcp -n "$nonce" -t 3600 --filter-clear map tcp 6900 6900)
check "prefix length 0 clears the rules" grep -q "filter clear" <<<"$out"
expect_eq "the port is open to anyone again" "$(from $WAN_B 35504)" "$WAN_B:35504"
out=$(pcp -n "$nonce" -t 0 map tcp 6900)
check "deleted" lacks "tcp +$EXT:6900 " xnatctl mappings

# ---------------------------------------------------------------- PEER
out=$(pcp -p 5000 -t 600 -j peer udp 5000 $WAN 3478); echo "$out" | sed "s|^|# |"
check "PEER udp 5000 -> $WAN:3478 answered" grep -q '"result":"SUCCESS"' <<<"$out"
ext_port=$(sed -n 's/.*"external_port":\([0-9]*\).*/\1/p' <<<"$out")
check "... with the external address $EXT" grep -q "\"external_address\":\"$EXT\"" <<<"$out"
check "... and the UDP session's idle timeout as lifetime" grep -q '"lifetime":300' <<<"$out"
check "the session exists before lan1 has sent anything" grep -q "$LAN1:5000 .*$WAN:3478" <<<"$(xnatctl sessions)"
echo_server "$NS_WAN" udp 3478
expect_eq "lan1's first datagram to the peer leaves from the answered port" \
	"$(ask lan1 udp $WAN 3478 sourceport=5000)" "$EXT:$ext_port"
out=$(pcp -p 5000 -t 600 peer udp 5000 $WAN 3478)
check "a second PEER gives the same port" grep -q "$EXT:$ext_port -> $WAN:3478" <<<"$out"
out=$(pcp -t 600 --prefer-failure peer udp 5001 $WAN 3478)
check "PEER with MAP's PREFER_FAILURE is a usage error of the client" grep -qi "usage" <<<"$out"
out=$(pcp -t 600 --third-party $LAN2 peer udp 5001 $WAN 3478)
check "PEER for another host: NOT_AUTHORIZED" grep -q "NOT_AUTHORIZED" <<<"$out"
e2e_finish
