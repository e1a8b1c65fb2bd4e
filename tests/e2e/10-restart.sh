#!/bin/bash
# Restarting xnatd keeps established flows: the state is in the pinned maps.
# - kill -9 during a transfer: the programs stay attached (nothing half
#   detached), a new xnatd replaces every one of them atomically; and a
#   SIGUSR2 handover (exit leaving the programs attached) the same way.
# - SIGTERM detaches everything but keeps the maps; a connection idle across
#   the stop and start carries on afterwards. (WAN packets arriving while
#   nothing is attached meet the gateway's own stack, which answers TCP with
#   RST: a download across SIGTERM + start breaks. SIGUSR2 is the restart
#   for busy gateways.)
source "$(dirname "$0")/lib.sh"
xnat_only "nothing to restart: nftables keeps its state in the kernel"
e2e_setup && gw_start || bail

# The TC hooks (the WAN's ingress and egress, the LAN interfaces' ingress),
# then the XDP ones (the LAN interfaces', the WAN's) when on the XDP path.
hooks() {
	echo "$(tc_progs ingress)$(tc_progs egress)$(tc_progs ingress gl1)$(tc_progs ingress gl2)" \
		"$(xdp_prog gl1) $(xdp_prog gl2) $(xdp_prog gw0)"
}
HOOKS=4
on_xdp && HOOKS=7
# one_each "IDS": one program id per hook (gl1 and gl2 share the LAN programs)
one_each() {
	local ids
	read -ra ids <<<"$1"
	((${#ids[@]} == HOOKS)) || return 1
	[[ ${ids[2]} == "${ids[3]}" ]] || return 1
	((HOOKS == 4)) || [[ ${ids[4]} == "${ids[5]}" ]]
}
# all_new "OLD" "NEW": no hook kept an old program
all_new() {
	local id
	for id in $2; do [[ " $1 " != *" $id "* ]] || return 1; done
}

# ~6 s of traffic each way: 60 chunks of 100 kB, paced
head -c 6000000 /dev/urandom >"$TMP/blob"
paced() { for i in $(seq 0 59); do dd if="$TMP/blob" bs=100000 skip=$i count=1 2>/dev/null; sleep 0.1; done; }
tcp_sink "$NS_WAN" 9000 "$TMP/got"
srv=$SRV_PID
paced | lan1 timeout 40 socat -u - TCP:$WAN:9000 &
cli=$!
paced | wan socat -u - TCP-LISTEN:9002,reuseaddr 2>/dev/null &
wait_listen "$NS_WAN" tcp 9002
lan1 timeout 40 socat -u TCP:$WAN:9002 OPEN:"$TMP/down",creat,trunc &
down=$!
first=$(hooks)
check "xnatd attached one program per hook ($first)" one_each "$first"
both_flow() { grows "$TMP/got" && grows "$TMP/down"; }
check "the upload and the download flow" both_flow
xnatd_signal KILL
expect_eq "after kill -9 every program stays attached" "$(hooks)" "$first"
xnatd_start || not_ok "restart after kill -9"
second=$(hooks)
check "the new xnatd replaced every program, one per hook ($second)" \
	bash -c "HOOKS=$HOOKS; $(declare -f one_each all_new); one_each '$second' && all_new '$first' '$second'"
check "... both still flow" both_flow
xnatd_signal USR2
expect_eq "SIGUSR2 leaves every program attached" "$(hooks)" "$second"
xnatd_start || not_ok "restart after the handover"
wait $cli
cli_rc=$?
wait $down
down_rc=$?
wait $srv
expect_eq "the upload completed across kill -9 and the handover" "$cli_rc $(stat -c %s "$TMP/got")" "0 6000000"
expect_eq "... byte for byte" "$(sha256sum <"$TMP/got")" "$(sha256sum <"$TMP/blob")"
expect_eq "the download too" "$down_rc $(sha256sum <"$TMP/down")" "0 $(sha256sum <"$TMP/blob")"
check "the new xnatd lists the adopted session" grep -q ":9000 " <<<"$(xnatctl sessions)"

# SIGTERM + start with an established connection idle in between
tcp_sink "$NS_WAN" 9001 "$TMP/got2"
srv=$SRV_PID
(dd if="$TMP/blob" bs=100000 count=1 2>/dev/null; sleep 3; dd if="$TMP/blob" bs=100000 skip=1 count=1 2>/dev/null) |
	lan1 timeout 20 socat -u - TCP:$WAN:9001 &
cli=$!
sleep 0.5
check "SIGTERM: xnatd exits 0" xnatd_signal TERM
expect_eq "SIGTERM detaches every program" "$(hooks | tr -d ' ')" ""
check "... keeps the state pinned" test -e "$PIN/xnat_flows"
check "... and removes the pid link" test ! -e "$PIN/xnatd_pid"
xnatd_start || not_ok "start after SIGTERM"
check "the started xnatd adopted the idle session" grep -q ":9001 " <<<"$(xnatctl sessions)"
wait $cli
cli_rc=$?
wait $srv
expect_eq "the idle connection carries on after the restart" "$cli_rc $(stat -c %s "$TMP/got2")" "0 200000"
check "and new flows are translated" lan1 ping -q -c 1 -W 2 $WAN
e2e_finish
