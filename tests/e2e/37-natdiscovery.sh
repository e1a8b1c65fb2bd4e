#!/bin/bash
# nft: yes
# What a real client finds out about the NAT: coturn's turnutils_natdiscovery
# (RFC 5780 behaviour discovery) from lan1 against a STUN server with two
# addresses on the WAN host (coturn's turnserver, STUN only). Mapping,
# filtering and hairpinning as applications see them (RFC 4787 REQ-1, REQ-8,
# REQ-9), on the default (TC) path and, with E2E_XDP, on XDP.
source "$(dirname "$0")/lib.sh"
command -v turnserver >/dev/null || bail "coturn's turnserver is installed (tools/install-deps.sh)"
e2e_setup && gw_start || bail

# RFC 5780 (the second address and port) is on only through the config
# file's `rfc5780` in coturn 4.6.
printf '%s\n' rfc5780 stun-only no-cli no-tls no-dtls listening-ip=$WAN listening-ip=$WAN_B \
	listening-port=3478 alt-listening-port=3479 pidfile=$TMP/turnserver.pid >"$TMP/turnserver.conf"
# (its log in $TMP: given in the config file it would open one in /var/log first)
wan turnserver -c "$TMP/turnserver.conf" --log-file="$TMP/turnserver.log" --simple-log >/dev/null 2>&1 &
served() { wan ss -Hlun | grep -q "$WAN_B:3479 "; }
check "the STUN server listens on both addresses, both ports (RFC 5780)" wait_for served

# natdiscovery TEST: one run, its output on stdout
natdiscovery() { lan1 timeout "$(scaled 30)" turnutils_natdiscovery "$1" $WAN 2>&1; }
out=$(natdiscovery -m)
echo "$out" | grep -i "nat\|mapping" | sed 's/^/# /'
differs "mapping: endpoint independent (RFC 4787 REQ-1)" grep -q "NAT with Endpoint Independent Mapping" <<<"$out"
out=$(natdiscovery -f)
echo "$out" | grep -i "nat\|filtering" | sed 's/^/# /'
check "filtering: a behaviour found (the server answered from both addresses)" \
	grep -Eq "NAT with (Endpoint|Address|Address and Port) (Independent|Dependent) Filtering" <<<"$out"
differs "... endpoint independent, xnat's default (RFC 4787 REQ-8 recommends it)" \
	grep -q "NAT with Endpoint Independent Filtering" <<<"$out"
out=$(natdiscovery -H)
echo "$out" | grep -i "hairpin" | sed 's/^/# /'
check "hairpinning: the test ran (it learnt its mapped address first)" grep -q "Hairpinning Behavior Discovery" <<<"$out"
differs "hairpinning: its request to its own mapped address came back (RFC 4787 REQ-9)" \
	grep -q "Received a request (maybe a successful hairpinning)" <<<"$out"
if [[ $GW == xnat ]]; then
	# the check's twin: with the hairpin off the same test finds none
	xnatd_signal TERM
	gw "$XNATD" --unload --pin-root "$PIN" >/dev/null
	gw_start '[nat]\nhairpin = no\n' || bail "restart with hairpin = no"
	out=$(natdiscovery -H)
	check "with [nat] hairpin = no the test runs and finds no hairpinning" bash -c \
		"grep -q 'Hairpinning Behavior Discovery' <<<'$out' && ! grep -q 'Received a request' <<<'$out'"
fi
e2e_finish
