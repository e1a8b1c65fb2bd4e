#!/bin/bash
# nft: yes
# Fragments: later fragments follow the translation of the first one.
source "$(dirname "$0")/lib.sh"
e2e_setup && gw_start || { not_ok "setup"; e2e_finish; exit 1; }

check "ping -s 4000 (3 fragments each way) crosses the NAT" lan1 ping -q -M dont -s 4000 -c 3 -i 0.2 -W 2 $WAN
head -c 3000 /dev/urandom >"$TMP/dgram"
wan socat -u UDP-RECV:7100 OPEN:"$TMP/got",creat,trunc &
srv=$!
sleep 0.2
lan1 socat -u OPEN:"$TMP/dgram" UDP:$WAN:7100
sleep 0.5
kill $srv 2>/dev/null
expect_eq "a 3000-byte UDP datagram arrives whole" "$(sha256sum <"$TMP/got")" "$(sha256sum <"$TMP/dgram")"
if [[ $GW == xnat ]]; then
	check "later fragments were translated (translated_fragment > 0)" test "$(counter translated_fragment)" -gt 0
fi
e2e_finish
