#!/bin/bash
# xnatctl reads the pinned maps: it works while xnatd is stopped, and the
# fast path keeps translating with nobody in user space (kill -9).
source "$(dirname "$0")/lib.sh"
xnat_only "xnatctl reads xnat's pinned maps; nftables has conntrack -L"
e2e_setup && gw_start || bail

echo_server "$NS_WAN" udp 7000
echo_server "$NS_WAN" tcp 7001
ask lan1 udp $WAN 7000 sourceport=5555 >/dev/null
ask lan2 tcp $WAN 7001 sourceport=5556 >/dev/null
gw_forward tcp 3389 $LAN1
xnatd_signal TERM
out=$(xnatctl mappings)
check "xnatctl mappings lists lan1's UDP mapping with xnatd stopped" grep -q "$LAN1:5555" <<<"$out"
check "... lan2's TCP mapping" grep -q "$LAN2:5556" <<<"$out"
check "... and the forward added with xnatctl" grep -q "$EXT:3389 .*$LAN1:3389 .*static" <<<"$out"
check "xnatctl sessions lists the UDP session" grep -q "$LAN1:5555 .*$WAN:7000" <<<"$(xnatctl sessions)"
check "xnatctl status says xnatd is not running" grep -q "not running" <<<"$(xnatctl status)"
check "xnatctl mappings --json has the mapping" grep -q "\"internal\":\"$LAN1:5555\"" <<<"$(xnatctl mappings --json)"
check "xnatctl stats --json has the counters" grep -q '"translated_out"' <<<"$(xnatctl stats --json)"
out=$(gw "$XNATCTL" --pin-root /sys/fs/bpf/xnat-nonexistent-$$ mappings 2>&1)
rc=$?
check "a missing pin root is a clear error (exit 1)" test $rc -eq 1 -a -n "$(grep 'is xnatd loaded' <<<"$out")"

xnatd_start || bail "start again"
xnatd_signal KILL
expect_eq "with xnatd killed, the programs still translate" \
	"$(ask lan1 udp $WAN 7000 sourceport=5557)" "$EXT:5557"
check "... and xnatctl still reads the state" grep -q "$LAN1:5557" <<<"$(xnatctl mappings)"
e2e_finish
