#!/bin/bash
# Restart xnatd during a running TCP transfer: kill -9 and a SIGUSR2 handover
# keep the connection (state is in the pinned maps; the programs stay
# attached until the new xnatd swaps them); SIGTERM detaches cleanly.
source "$(dirname "$0")/lib.sh"
e2e_setup && gw_start || { not_ok "setup"; e2e_finish; exit 1; }

# ~6 s of traffic: 60 chunks of 100 kB, paced
wan socat -u TCP-LISTEN:9000,reuseaddr OPEN:"$TMP/got",creat,trunc &
srv=$!
sleep 0.2
(for i in $(seq 60); do head -c 100000 /dev/zero; sleep 0.1; done) |
	lan1 timeout 30 socat -u - TCP:$WAN:9000 &
cli=$!
sleep 1.5
xnatd_signal KILL
check "after kill -9 the programs stay attached" bash -c "nsenter --net=/run/netns/$NS_GW ip -d link show gl1 | grep -q prog/xdp"
xnatd_start || not_ok "restart after kill -9"
sleep 1.5
xnatd_signal USR2
xnatd_start || not_ok "restart after handover"
wait $cli
cli_rc=$?
wait $srv
expect_eq "the transfer completed across kill -9 and handover" "$cli_rc/$(stat -c %s "$TMP/got")" "0/6000000"
check "the new xnatd adopted the session (it is listed)" bash -c "'$XNATCTL' --pin-root '$PIN' sessions | grep -q ':9000'"

xnatd_signal TERM
check "SIGTERM detaches XDP" bash -c "! nsenter --net=/run/netns/$NS_GW ip -d link show gl1 | grep -q prog/xdp"
check "SIGTERM keeps the state pinned" test -e "$PIN/xnat_flows"
xnatd_start
check "restart after SIGTERM adopts the state" bash -c "'$XNATCTL' --pin-root '$PIN' sessions | grep -q ':9000'"
check "and forwards again" lan1 ping -q -c 1 -W 2 $WAN
e2e_finish
