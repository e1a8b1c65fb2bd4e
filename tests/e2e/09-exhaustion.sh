#!/bin/bash
# nft: yes
# Port exhaustion: a range of 4 external ports; new flows beyond it are
# refused and counted, established ones keep working. Then the per-host quota
# (max-ports-per-host), which nftables has no equivalent of.
# shellcheck disable=SC2034 # read by lib.sh
NFT_MASQ_PORTS=:40000-40003
source "$(dirname "$0")/lib.sh"
e2e_setup || bail

echo_server "$NS_WAN" udp 7000 $WAN
echo_server "$NS_WAN" udp 7000 $WAN_B
# answers RUNNER PEER SPORT...: the answers of these flows, one line each
answers() {
	local run=$1 peer=$2 p
	shift 2
	for p; do ask "$run" udp "$peer" 7000 sourceport=$p; done
}
# answered RUNNER PEER SPORT...: how many of these flows get an answer
answered() { answers "$@" | grep -c .; }

gw_start '[nat]\nport-range = 40000-40003\n' || bail
expect_eq "4 flows fill a 4-port range" "$(answered lan1 $WAN 5000 5001 5002 5003)" 4
expect_eq "the 5th new flow (another host) is refused" "$(answered lan2 $WAN 5004)" 0
if [[ $GW == xnat ]]; then
	check "... and counted as drop_ports_exhausted" test "$(counter drop_ports_exhausted)" -ge 1
fi
seen_a=$(answers lan1 $WAN 5000 5001 5002 5003)
expect_eq "the 4 established flows still work" "$(grep -c . <<<"$seen_a")" 4
# Endpoint-independent mappings hold their port for every peer: none is left
# for a new endpoint, whoever it talks to. conntrack NAT only needs the whole
# connection tuple to be unique, so it reuses the 4 ports towards another peer.
differs "a new flow towards another peer is refused too (mappings are per endpoint)" \
	test "$(answered lan2 $WAN_B 5004)" -eq 0
differs_eq "the 4 established endpoints reach the other peer from the same ports" \
	"$(answers lan1 $WAN_B 5000 5001 5002 5003 | tr '\n' ' ')" "$(tr '\n' ' ' <<<"$seen_a")"

if [[ $GW == nft ]]; then
	skip "per-host quota" "nftables masquerade has no per-host port quota"
	e2e_finish
	exit
fi
xnatd_signal TERM
gw "$XNATD" --unload --pin-root "$PIN" >/dev/null
gw_start '[nat]\nmax-ports-per-host = 2\n' || bail
check "quota 2: lan1's first mapping" test "$(answered lan1 $WAN 6000)" -eq 1
check "lan1's second mapping" test "$(answered lan1 $WAN 6001)" -eq 1
check "lan1's third mapping is over quota" test "$(answered lan1 $WAN 6002)" -eq 0
check "... counted as drop_host_quota" test "$(counter drop_host_quota)" -ge 1
check "lan2 still maps" test "$(answered lan2 $WAN 6000)" -eq 1
check "lan1's mapped endpoints still work, towards any peer" test "$(answered lan1 $WAN_B 6000 6001)" -eq 2
e2e_finish
