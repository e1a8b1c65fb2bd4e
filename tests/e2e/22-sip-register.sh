#!/bin/bash
# nft: yes
# An incoming call to a registered phone, after its signalling has been idle
# longer than the gateway's UDP timeout. lan1 (the phone, sipp) registers at
# the WAN host (the registrar, sipp) with its private Contact; the registrar
# sees only the public address, and the 200 OK the phone gets carries its own
# address again. Then nothing is sent until the UDP timeout has passed: an
# ordinary UDP flow of lan1, as idle, is gone by then (the control), but the
# registration keeps the phone's signalling mapping, so the registrar's
# INVITE, sent to where the REGISTER came from, reaches the phone, with the
# phone's own address restored in its Request-URI and To, and the call
# completes.
#
# The timeout: nftables' conntrack UDP timeouts are per network namespace,
# set to 2 s in the gateway's. xnat's UDP timeout cannot go under 120 s
# (RFC 4787), longer than a script may run: xnat_age moves xnatd's state
# 130 s into the past instead, as if that long had passed with nothing sent,
# and the collector's next pass acts on it. SIP_REAL_IDLE=1 waits the real
# 120 s instead (and raises E2E_TIMEOUT for it).
[[ -n ${SIP_REAL_IDLE:-} ]] && : "${E2E_TIMEOUT:=240}"
source "$(dirname "$0")/lib.sh"
for cmd in sipp python3; do
	command -v $cmd >/dev/null || { skip "${0##*/}" "$cmd is not installed"; e2e_finish; exit 0; }
done
EXPIRES=300     # the registration outlives the idle time, even aged (xnat)
UDP_TIMEOUT=120 # xnat's minimum (agent/lib/config.h XNAT_MIN_TIMEOUT_UDP)
NFT_UDP_TIMEOUT=2
CTL=5070        # the control flow's port (lan1 and the WAN host)
# how long the phone waits for the call (sipp -timeout): past the idle time
PHONE_WAIT=15
[[ -n ${SIP_REAL_IDLE:-} ]] && PHONE_WAIT=$((UDP_TIMEOUT + 30))
e2e_setup && gw_start "[timeouts]\nudp = $UDP_TIMEOUT\n[agent]\ngc-interval = 1\n" || bail
nft_sip_helper || bail "nft SIP helper"
if [[ $GW == nft ]]; then
	gw sysctl -qw net.netfilter.nf_conntrack_udp_timeout=$NFT_UDP_TIMEOUT \
		net.netfilter.nf_conntrack_udp_timeout_stream=$NFT_UDP_TIMEOUT ||
		bail "conntrack UDP timeout"
fi

# SIP on both sides of the gateway: what the registrar gets, what lan1 gets
sip_captures || bail "tcpdump"

# The control: a UDP exchange of lan1's, like REGISTER and its 200 OK.
udp_peer lan1 "$NS_LAN1" $LAN1 $CTL || bail "lan1 UDP peer"
udp_peer wan "$NS_WAN" $WAN $CTL || bail "WAN UDP peer"
udp_send lan1 $CTL $WAN $CTL ctl-out
udp_got wan " ctl-out\$"
ctl_pub=$(awk '/ ctl-out$/ {print $2; exit}' "$TMP/wan.rx")
udp_send wan $CTL "${ctl_pub%:*}" "${ctl_pub#*:}" ctl-back
check "control: a UDP flow of lan1 answered through $ctl_pub" \
	udp_got lan1 "^$CTL $WAN:$CTL ctl-back\$"

# ---------------------------------------------------------------- REGISTER
wan timeout 20 sipp -sf tests/e2e/sip/registrar-uas.xml -key expires $EXPIRES -mp 17000 \
	-i $WAN -p 5060 -m 1 -timeout 10 -timeout_error -nostdin -trace_err \
	-error_file "$TMP/registrar.err" >"$TMP/registrar.out" 2>&1 &
registrar=$!
wait_listen "$NS_WAN" udp 5060 || bail "sipp registrar"
lan1 timeout 20 sipp -sf tests/e2e/sip/register-uac.xml -key expires $EXPIRES -mp 16000 \
	$WAN:5060 -i $LAN1 -p 5060 -m 1 -timeout 10 -timeout_error -nostdin -trace_err \
	-error_file "$TMP/register.err" >"$TMP/register.out" 2>&1
register_rc=$?
wait $registrar
registrar_rc=$?
check "the phone registers (REGISTER, 200 OK)" test $register_rc -eq 0 -a $registrar_rc -eq 0
# The phone now waits for a call, sipp's RTP echo kept off port 6000.
lan1 timeout "$E2E_TIMEOUT" sipp -sf tests/e2e/sip/phone-uas.xml -key rtp 6000 -mp 16000 \
	-i $LAN1 -p 5060 -m 1 -timeout $PHONE_WAIT -timeout_error -nostdin -trace_err \
	-error_file "$TMP/phone.err" >"$TMP/phone.out" 2>&1 &
phone=$!

# What the registrar learnt: the REGISTER's transport source and its Contact.
wait_for captured "$TMP/wan.txt" $WAN.5060 'REGISTER sip:'
sip_msg "$TMP/wan.txt" $WAN.5060 'REGISTER sip:' >"$TMP/register.txt"
reg_src=$(sed -n "1s/.* IP \([0-9.]*\)\.\([0-9]*\) > .*/\1:\2/p" "$TMP/register.txt")
contact=$(grep -m1 -o '^Contact: <[^>]*>' "$TMP/register.txt" | sed 's/^Contact: <\(.*\)>$/\1/')
echo "# [$GW] the REGISTER reached the registrar from $reg_src, Contact $contact"
expect_eq "the REGISTER comes from the external address" "${reg_src%:*}" $EXT
expect_eq "its Contact is the public address and port it came from" "$contact" "sip:user@$reg_src"
# The registrar's 200 OK gives back the Contact it got; the phone must get its own.
wait_for captured "$TMP/lan1.txt" $LAN1.5060 'CSeq: 1 REGISTER'
sip_msg "$TMP/wan.txt" "${reg_src/:/.}" 'CSeq: 1 REGISTER' >"$TMP/reg-ok-wan.txt"
sip_msg "$TMP/lan1.txt" $LAN1.5060 'CSeq: 1 REGISTER' >"$TMP/reg-ok.txt"
contact_of() { grep -m1 -o '^Contact: .*' "$1" | tr -d '\r'; }
expect_eq "the registrar's 200 OK names the public Contact" \
	"$(contact_of "$TMP/reg-ok-wan.txt")" "Contact: <sip:user@$reg_src>;expires=$EXPIRES"
expect_eq "... and the phone gets it with its own Contact back" \
	"$(contact_of "$TMP/reg-ok.txt")" "Contact: <sip:user@$LAN1:5060>;expires=$EXPIRES"
expect_eq "... and its own Via" \
	"$(grep -m1 -o '^Via: [^;]*' "$TMP/reg-ok.txt")" "Via: SIP/2.0/UDP $LAN1:5060"

# ---------------------------------------------------------------- idle
ctl_gone_xnat() { lacks " $LAN1:$CTL " xnatctl mappings; }
ctl_gone_nft() { local out; out=$(ct_list -p udp --orig-port-src $CTL) && [[ -z $out ]]; }
if [[ $GW == xnat && -n ${SIP_REAL_IDLE:-} ]]; then
	deadline=$((SECONDS + UDP_TIMEOUT + 15))
	until ctl_gone_xnat || ((SECONDS > deadline)); do sleep 1; done
elif [[ $GW == xnat ]]; then
	xnat_age $((UDP_TIMEOUT + 10)) || not_ok "xnat_age"
	wait_for ctl_gone_xnat
else
	wait_for ctl_gone_nft
fi
echo "# [$GW] after the idle time:"
if [[ $GW == xnat ]]; then
	xnatctl mappings | sed 's/^/#   /'
else
	gw conntrack -L 2>/dev/null | sed 's/^/#   /'
	gw conntrack -L expect 2>/dev/null | sed 's/^/#   /'
fi
check "control: lan1's idle UDP flow is collected" ctl_gone_$GW
check "control: the WAN host sent to the flow's public address $EXT" test "${ctl_pub%:*}" = "$EXT"
udp_refused check "control: the WAN host no longer reaches lan1 through it" wan $CTL "${ctl_pub#*:}" ctl-late
sig_kept_xnat() { xnatctl mappings | grep -q " $LAN1:5060 "; }
sig_kept_nft() {
	[[ -n $(ct_list -p udp --orig-src $LAN1 --orig-port-src 5060) ]]
}
check "the phone's signalling mapping is kept by its registration" sig_kept_$GW

# ---------------------------------------------------------------- INVITE
# The registrar calls the Contact it registered, sending to the REGISTER's
# source, from its own 5060 (the address and port the phone registered with).
[[ -n $contact ]] || contact=sip:user@$reg_src
wan timeout 20 sipp -sf tests/e2e/sip/invite-uac.xml -key contact "$contact" -key rtp 7000 \
	-mp 17000 "$reg_src" -i $WAN -p 5060 -m 1 -timeout 8 -timeout_error -nostdin -trace_err \
	-error_file "$TMP/caller.err" >"$TMP/caller.out" 2>&1
caller_rc=$?
wait $phone
phone_rc=$?
# (the phone has answered or given up: its capture holds all it will)
check "the INVITE reaches the phone after the idle time" \
	captured "$TMP/lan1.txt" $LAN1.5060 'INVITE sip:'
sip_msg "$TMP/lan1.txt" $LAN1.5060 'INVITE sip:' >"$TMP/invite.txt"
expect_eq "its Request-URI is the phone's own address again" \
	"$(grep -m1 -o 'INVITE sip:[^ ]*' "$TMP/invite.txt" | tail -1)" "INVITE sip:user@$LAN1:5060"
expect_eq "... and so is its To" \
	"$(grep -m1 -o '^To: <[^>]*>' "$TMP/invite.txt")" "To: <sip:user@$LAN1:5060>"
check "the call completes (INVITE, 200, ACK, BYE, 200) at the caller" test $caller_rc -eq 0
check "... and at the phone" test $phone_rc -eq 0
((caller_rc)) || wait_for captured "$TMP/wan.txt" $WAN.5060 'CSeq: 2 BYE' # the last message
sip_msg "$TMP/wan.txt" $WAN.5060 '^m=audio' >"$TMP/answer.txt"
check "the phone's answer gives the external address for its media" \
	grep -q "^c=IN IP4 $EXT" "$TMP/answer.txt"
# Call-ID is an opaque token that only looks like an address: no ALG rewrites it.
leaks=$(grep '192\.168\.' "$TMP/wan.txt" | grep -vc 'Call-ID:')
echo "# [$GW] lines with a private address seen by the registrar: $leaks"
check "the registrar sees no private address in SIP headers or SDP" test "$leaks" -eq 0
# KEEP_SIP_DIR=DIR keeps the captures (for whoever works on an ALG)
if [[ -n ${KEEP_SIP_DIR:-} ]]; then
	mkdir -p "$KEEP_SIP_DIR"
	cp "$TMP/wan.txt" "$KEEP_SIP_DIR/22-$GW-wan.txt"
	cp "$TMP/lan1.txt" "$KEEP_SIP_DIR/22-$GW-lan1.txt"
fi
e2e_finish
