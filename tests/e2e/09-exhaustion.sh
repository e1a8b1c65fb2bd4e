#!/bin/bash
# Port exhaustion and the per-host quota: new flows are refused and counted,
# established ones keep working. (nftables has no per-host quota: xnat only.)
source "$(dirname "$0")/lib.sh"
e2e_setup || { not_ok "setup"; e2e_finish; exit 1; }

peer_echo_server "$NS_WAN" udp 7000
ask() { echo x | $1 timeout 3 socat -T 1 - UDP:$WAN:7000,sourceport=$2 2>/dev/null; }

gw_start '[nat]\nport-range = 40000-40003\n' || { not_ok "setup"; e2e_finish; exit 1; }
got=0
for p in 5000 5001 5002 5003; do [[ -n $(ask lan1 $p) ]] && got=$((got + 1)); done
expect_eq "4 flows fill a 4-port range" "$got" 4
check "the 5th new flow is refused" test -z "$(ask lan2 5004)"
check "... and counted as drop_ports_exhausted" test "$(counter drop_ports_exhausted)" -ge 1
got=0
for p in 5000 5001 5002 5003; do [[ -n $(ask lan1 $p) ]] && got=$((got + 1)); done
expect_eq "the 4 established flows still work" "$got" 4
xnatd_signal TERM
gw "$XNATD" --unload --pin-root "$PIN" >/dev/null

gw_start '[nat]\nmax-ports-per-host = 2\n' || { not_ok "setup"; e2e_finish; exit 1; }
check "lan1 first mapping" test -n "$(ask lan1 6000)"
check "lan1 second mapping" test -n "$(ask lan1 6001)"
check "lan1 third mapping is over quota" test -z "$(ask lan1 6002)"
check "... counted as drop_host_quota" test "$(counter drop_host_quota)" -ge 1
check "lan2 still maps" test -n "$(ask lan2 6000)"
check "lan1's mapped flows still work" test -n "$(ask lan1 6001)"
e2e_finish
