#!/bin/bash
# A kernel that refuses some of the programs (an older or newer verifier than
# the one xnat was measured on). XNAT_TEST_REFUSE makes the loader hand the
# named programs to the kernel as socket filters, which the verifier refuses
# for real, with its own words (agent/lib/progload.c).
# - A SIP program refused: xnatd starts without that feature, NAT works, one
#   warning line names the program and the verifier's reason, the whole log
#   is in the state directory, `xnatctl status` (and --json) says what is off.
#   Only the XDP one refused: SIP takes the stack path and is still rewritten.
# - A core program refused: one clear screen (program, reason, kernel), exit
#   status 1, nothing attached.
# - A kernel without a helper the fast path calls (XNAT_TEST_MISSING): named,
#   with the minimum kernel, nothing attached.
# - `xnatd --check` says the same before a start.
source "$(dirname "$0")/lib.sh"
xnat_only "about xnatd's loader"
command -v sipp >/dev/null || { skip "${0##*/}" "sipp (sip-tester) is not installed"; e2e_finish; exit 0; }
e2e_setup || bail

# sip_call: a call from lan1 to the WAN host (sipp); what the UAS saw is in
# $TMP/cap-$NS_WAN-w0.
sip_call() {
	local uas rc
	capture "$NS_WAN" w0 "udp port 5060" -A -s 0 || return 1
	wan timeout 15 sipp -sn uas -i $WAN -p 5060 -m 1 -nostdin >/dev/null 2>&1 &
	uas=$!
	wait_listen "$NS_WAN" udp 5060
	lan1 timeout 15 sipp -sn uac $WAN:5060 -i $LAN1 -p 5060 -m 1 -nostdin >/dev/null 2>&1
	rc=$?
	wait $uas
	capture_stop
	return $rc
}
udp_echo_works() {
	wan timeout 5 socat -T2 UDP4-RECVFROM:7000,reuseaddr EXEC:cat >/dev/null 2>&1 &
	wait_listen "$NS_WAN" udp 7000
	[[ $(echo hello | lan1 timeout 3 socat -T2 - UDP4:$WAN:7000) == hello ]]
}
warnings() { grep -c 'warning: SIP' "$TMP/xnatd.log"; }

# ---- only the SIP ALG's XDP program refused: SIP goes the stack path, rewritten there
XNAT_TEST_REFUSE=xnat_sip_xdp xnatd_start || bail "xnatd starts with xnat_sip_xdp refused"
check "xnat_sip_xdp refused: one warning line, naming it" \
	test "$(grep -c 'warning: SIP ALG in XDP .* off: Linux .* refused xnat_sip_xdp: ' "$TMP/xnatd.log")" -eq 1
check "... and no other" test "$(warnings)" -eq 1
check "... a SIP call completes" sip_call
check "... rewritten by the TC program (the UAS sees the external address)" \
	grep -q "c=IN IP4 $EXT" "$TMP/cap-$NS_WAN-w0"
check "... sip_rewritten counted" test "$(counter sip_rewritten)" -gt 0
if on_xdp; then
	check "... the SIP packets were passed to the stack path (pass_sip_to_stack)" \
		test "$(counter pass_sip_to_stack)" -gt 0
else
	check "... on the TC path, where it always was (nothing through XDP)" \
		test "$(counter pass_sip_to_stack)" -eq 0 -a -z "$(xdp_prog gl1)"
fi
xnatd_signal TERM
: >"$TMP/xnatd.log"

# ---- the whole SIP ALG refused: NAT without it
XNAT_TEST_REFUSE=xnat_sip_xdp,xnat_sip_tc xnatd_start || bail "xnatd starts with both SIP programs refused"
check "both SIP programs refused: a warning line each" test "$(warnings)" -eq 2
check "... the SIP ALG's line names xnat_sip_tc and the verifier's reason" \
	grep -q 'warning: SIP ALG off: Linux .* refused xnat_sip_tc: .\+; log: ' "$TMP/xnatd.log"
check "... the whole verifier log is in the state directory" \
	grep -q "the verifier's log of xnat_sip_tc" "$TMP/state/verifier-xnat_sip_tc.log"
check "... ping crosses the gateway" lan1 ping -c1 -W2 $WAN
check "... UDP crosses the gateway" udp_echo_works
if on_xdp; then
	check "... XDP is attached to the LAN interface (NAT in the fast path)" test -n "$(xdp_prog gl1)"
else
	check "... the TC programs are attached (the LAN's ingress, the WAN's)" \
		test -n "$(tc_progs ingress gl1)" -a -n "$(tc_progs egress)"
fi
status=$(xnatctl status)
check "xnatctl status: the SIP ALG is off" grep -q '^features off: .*SIP ALG' <<<"$status"
check "xnatctl status: xnat_sip_tc refused, with the reason" \
	grep -q '^  xnat_sip_tc *refused by this kernel: .\+' <<<"$status"
check "xnatctl status: xnat_xdp_lan loaded, with its verifier count" \
	grep -q '^  xnat_xdp_lan *loaded ([0-9]* instructions verified)' <<<"$status"
json=$(xnatctl status --json)
check "xnatctl status --json: features_off names the SIP ALG and its program" \
	grep -q '"features_off":\[[^]]*"feature":"SIP ALG","program":"xnat_sip_tc"' <<<"$json"
check "... and the program's state" grep -q '"name":"xnat_sip_tc","state":"refused"' <<<"$json"
rewritten=$(counter sip_rewritten) # the counters outlive xnatd: the first part's are in
check "... a SIP call still completes (translated as any UDP flow)" sip_call
check "... but nothing is rewritten: the UAS sees the phone's private address" \
	grep -q "c=IN IP4 $LAN1" "$TMP/cap-$NS_WAN-w0"
check "... sip_rewritten does not move" test "$(counter sip_rewritten)" -eq "$rewritten"
xnatd_signal TERM

# ---- a core program refused: xnatd stops before attaching anything
: >"$TMP/xnatd.log"
gw env XNAT_TEST_REFUSE=xnat_xdp_lan "$XNATD" --wan gw0 --lan gl1 --lan gl2 --pin-root "$PIN" \
	--state-dir "$TMP/state" >"$TMP/core.out" 2>&1
rc=$?
check "xnat_xdp_lan refused: xnatd exits with status 1" test $rc -eq 1
check "... one screen: the program" grep -q 'cannot start: the kernel refused the program xnat_xdp_lan' "$TMP/core.out"
check "... the kernel" grep -q "^  kernel:   Linux $(uname -r)" "$TMP/core.out"
check "... the verifier's reason" grep -q '^  verifier: .\+' "$TMP/core.out"
check "... where the whole log is" grep -q "^  full log: $TMP/state/verifier-xnat_xdp_lan.log" "$TMP/core.out"
check "... and that nothing was attached" grep -q 'nothing was attached' "$TMP/core.out"
check "... no more than a screen ($(wc -l <"$TMP/core.out") lines)" test "$(wc -l <"$TMP/core.out")" -le 8
check "... no XDP program on the LAN or WAN interfaces" \
	test -z "$(xdp_prog gl1)$(xdp_prog gl2)$(xdp_prog gw0)"
check "... no TC filter on the WAN" test -z "$(tc_progs ingress)$(tc_progs egress)"

# ---- a kernel without a helper the fast path calls: named, with the minimum kernel
gw env XNAT_TEST_MISSING=bpf_loop "$XNATD" --wan gw0 --lan gl1 --pin-root "$PIN" \
	--state-dir "$TMP/state" >"$TMP/old.out" 2>&1
rc=$?
check "a kernel without bpf_loop: xnatd exits with status 1" test $rc -eq 1
check "... saying what is missing, since when, the minimum and the kernels tested" \
	grep -q 'cannot start: the kernel has no bpf_loop (Linux 5.17); xnat needs Linux 5.18 or newer (tested on 6.1 and 6.18), this is ' "$TMP/old.out"
check "... nothing attached" test -z "$(xdp_prog gl1)$(xdp_prog gw0)$(tc_progs ingress)$(tc_progs egress)"

# ---- --check says it before a start
gw env XNAT_TEST_REFUSE=xnat_sip_tc "$XNATD" --check --wan gw0 --lan gl1 --state-dir "$TMP/state" \
	>"$TMP/check.out" 2>&1
rc=$?
check "--check with the SIP ALG refused: exit 0 (xnatd would start)" test $rc -eq 0
check "... it names the refused program and the feature off" \
	grep -q '^  xnat_sip_tc *refused: .* (SIP ALG off)' "$TMP/check.out"
check "... and the programs that load, with their counts" \
	grep -q '^  xnat_xdp_lan *loaded, [0-9]* instructions verified' "$TMP/check.out"
gw env XNAT_TEST_REFUSE=xnat_tc_egress "$XNATD" --check --verbose --wan gw0 --lan gl1 \
	--state-dir "$TMP/state" >"$TMP/check.out" 2>&1
rc=$?
check "--check with a core program refused: exit 1" test $rc -eq 1
check "... --verbose: the verifier's whole log on the terminal" \
	grep -q "the verifier's log of xnat_tc_egress" "$TMP/check.out"
e2e_finish
