#!/bin/bash
# nft: yes
# TCP through the NAT: 2 MB each way, byte-exact; the server sees the external address.
source "$(dirname "$0")/lib.sh"
e2e_setup && gw_start || { not_ok "setup"; e2e_finish; exit 1; }

head -c 2000000 /dev/urandom >"$TMP/blob"
want=$(sha256sum <"$TMP/blob")
wan socat -u TCP-LISTEN:9000,reuseaddr OPEN:"$TMP/up",creat,trunc &
srv=$!
sleep 0.2
lan1 timeout 20 socat -u OPEN:"$TMP/blob" TCP:$WAN:9000
wait $srv
expect_eq "2 MB upload arrives intact" "$(sha256sum <"$TMP/up")" "$want"

wan socat -u OPEN:"$TMP/blob" TCP-LISTEN:9001,reuseaddr &
srv=$!
sleep 0.2
lan1 timeout 20 socat -u TCP:$WAN:9001 OPEN:"$TMP/down",creat,trunc
wait $srv
expect_eq "2 MB download arrives intact" "$(sha256sum <"$TMP/down")" "$want"

peer_echo_server "$NS_WAN" tcp 9002
seen=$(lan2 timeout 5 socat -T 2 - TCP:$WAN:9002 </dev/null)
expect_eq "the server sees the external address" "${seen%:*}" "$EXT"
e2e_finish
