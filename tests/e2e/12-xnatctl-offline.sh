#!/bin/bash
# xnatctl reads the pinned maps: it works while xnatd is stopped.
source "$(dirname "$0")/lib.sh"
e2e_setup && gw_start || { not_ok "setup"; e2e_finish; exit 1; }

peer_echo_server "$NS_WAN" udp 7000
echo x | lan1 timeout 3 socat -T 1 - UDP:$WAN:7000,sourceport=5555 >/dev/null
xnatd_signal TERM
out=$(xnatctl mappings)
check "xnatctl mappings lists the mapping with xnatd stopped" grep -q "192.168.1.10:5555" <<<"$out"
out=$(xnatctl status)
check "xnatctl status says xnatd is not running" grep -q "not running" <<<"$out"
check "xnatctl mappings --json is an array with the mapping" bash -c "'$XNATCTL' --pin-root '$PIN' mappings --json | grep -q '\"internal\":\"192.168.1.10:5555\"'"
check "xnatctl stats --json" bash -c "'$XNATCTL' --pin-root '$PIN' stats --json | grep -q '\"translated_out\"'"
out=$("$XNATCTL" --pin-root /sys/fs/bpf/xnat-nonexistent-$$ mappings 2>&1)
rc=$?
check "a missing pin root is a clear error (exit 1)" test $rc -eq 1 -a -n "$(grep 'is xnatd loaded' <<<"$out")"
e2e_finish
