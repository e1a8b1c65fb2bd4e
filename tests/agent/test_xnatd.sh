#!/bin/bash
# xnatd as an agent: config errors, sd_notify, attach/detach (the TC path
# veth gets by default, XDP when forced), pin root lock, IP forwarding,
# address following, SIGHUP reload, restart adoption, --unload, the unit file.
# Runs in its own network namespace with veth pairs; no traffic needed.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
XNATD=$BUILD/xnatd

tag=xa$$
NS=$tag-gw
PIN=/sys/fs/bpf/xnat-test-agent-$$
TMP=$(mktemp -d)
PID=

n=0 failures=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failures=$((failures + 1)); echo "not ok $n - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }

cleanup() {
	[[ -n $PID ]] && kill -9 "$PID" 2>/dev/null
	in_ns "$XNATD" --unload --pin-root "$PIN" >/dev/null 2>&1
	ip netns del "$NS" 2>/dev/null
	[[ -n ${KEEP_LOG:-} ]] && cp "$TMP/log" "$KEEP_LOG"; rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT INT TERM

in_ns() { nsenter --net=/run/netns/"$NS" -- "$@"; }
xdp_attached() { in_ns ip -d link show "$1" | grep -q 'prog/xdp'; }
tc_attached() { in_ns tc filter show dev "${2:-w0}" "$1" | grep -q "xnat_tc_${3:-$1}"; }
attached_anywhere() { # any xnat program on l0 or w0, XDP or TC
	xdp_attached l0 || xdp_attached w0 || tc_attached ingress || tc_attached egress ||
		tc_attached ingress l0 lan
}
# ext_addr as bpftool prints the BTF-formatted __be32: the bytes read as a host integer
be32() { local IFS=.; set -- $1; echo $(( $4 << 24 | $3 << 16 | $2 << 8 | $1 )); }
config_field() { bpftool map dump pinned "$PIN/xnat_config" | sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p"; }
wait_for() { for _ in $(seq 50); do "$@" && return 0; sleep 0.1; done; return 1; }

start() {
	# A plain command, not a function: $! must be xnatd itself, not a subshell.
	nsenter --net=/run/netns/"$NS" -- "$XNATD" --wan w0 --lan l0 --pin-root "$PIN" --state-dir "$TMP/state" "$@" >>"$TMP/log" 2>&1 &
	PID=$!
	wait_for test -e "$PIN/xnatd_pid"
}
stop() { kill -"${1:-TERM}" "$PID"; wait "$PID" 2>/dev/null; local rc=$?; PID=; return $rc; }

ip netns add "$NS"
in_ns ip link add w0 type veth peer name w1
in_ns ip link add l0 type veth peer name l1
for i in w0 w1 l0 l1 lo; do in_ns ip link set "$i" up; done
in_ns ip addr add 198.51.100.1/24 dev w0
in_ns ip addr add 192.168.1.1/24 dev l0

# A new namespace starts with IP forwarding as the host has it: off here, so
# that xnatd's own enabling is what is tested.
in_ns sysctl -qw net.ipv4.ip_forward=0

# --- config errors: exit non-zero, name file/line/option, attach nothing
# (its port range differs from good.conf's: a reload that took it would show)
printf '[nat]\nport-range = 4000-5000\n\n[timeouts]\nudp = 60\n' >"$TMP/bad.conf"
out=$(in_ns "$XNATD" --wan w0 --lan l0 --pin-root "$PIN" --config "$TMP/bad.conf" 2>&1)
rc=$?
check "bad config exits non-zero" test $rc -ne 0
check "bad config error names file, line and option" grep -q "$TMP/bad.conf:5: \[timeouts\] udp" <<<"$out"
check "bad config attaches nothing" bash -c "! nsenter --net=/run/netns/$NS ip -d link show l0 | grep -q prog/xdp"
out=$(in_ns "$XNATD" --wan nosuchif0 --lan l0 --pin-root "$PIN" 2>&1)
check "unknown interface is a clear error" grep -q "nosuchif0" <<<"$out"
out=$(in_ns "$XNATD" --lan l0 --pin-root "$PIN" 2>&1)
check "missing --wan is a clear error" grep -qi "wan" <<<"$out"

printf '[nat]\nport-range = 2000-3000\nfiltering = address-dependent\n[forward]\nrule = tcp 3389 192.168.1.10\n' >"$TMP/good.conf"
check "--check accepts a good config" bash -c "'$XNATD' --check --config '$TMP/good.conf' --wan w0 --lan l0 | grep -q 'configuration OK'"

# --- start under a fake systemd notify socket
socat -u UNIX-RECV:"$TMP/notify" OPEN:"$TMP/notified",creat,append &
SOCAT=$!
wait_for test -S "$TMP/notify"
NOTIFY_SOCKET=$TMP/notify start --config "$TMP/good.conf"
check "xnatd starts and writes its pid link" test -e "$PIN/xnatd_pid"
wait_for grep -q READY=1 "$TMP/notified"
check "sd_notify READY=1" grep -q READY=1 "$TMP/notified"
check "sd_notify STATUS names the external address" grep -q "STATUS=.*198.51.100.1" "$TMP/notified"
kill "$SOCAT" 2>/dev/null
check "xnatd enables IP forwarding" test "$(in_ns sysctl -n net.ipv4.ip_forward)" = 1
check "veth by default: the TC path, stated in the ready line" grep -q "ready: WAN w0 TC; LAN l0 TC " "$TMP/log"
check "... TC on WAN ingress and egress" bash -c "$(declare -f in_ns tc_attached); NS=$NS; tc_attached ingress && tc_attached egress"
check "... and on the LAN's ingress (the hairpin)" bash -c "$(declare -f in_ns tc_attached); NS=$NS; tc_attached ingress l0 lan"
check "... no XDP attached" bash -c "$(declare -f in_ns xdp_attached); NS=$NS; ! xdp_attached l0 && ! xdp_attached w0"
check "maps and programs pinned" test -e "$PIN/xnat_flows" -a -e "$PIN/progs/xnat_xdp_lan"
check "config map holds the external address" test "$(config_field ext_addr)" = "$(be32 198.51.100.1)"
check "config map holds the port range" test "$(config_field port_min)" = 2000
check "config forward installed" bash -c "'$BUILD/xnatctl' --pin-root '$PIN' forward list | grep -q 'tcp   3389 .*config'"

out=$(in_ns "$XNATD" --wan w0 --lan l0 --pin-root "$PIN" --state-dir "$TMP/state" 2>&1)
check "a second xnatd on the same pin root is refused" grep -q "in use by another xnatd" <<<"$out"

# --- the WAN address changes
in_ns ip addr add 203.0.113.7/24 dev w0
in_ns ip addr del 198.51.100.1/24 dev w0
wait_for bash -c "test \"\$(bpftool map dump pinned $PIN/xnat_config | sed -n 's/.*\"ext_addr\": \([0-9]*\).*/\1/p')\" = $(be32 203.0.113.7)"
check "new WAN address followed" test "$(config_field ext_addr)" = "$(be32 203.0.113.7)"

# --- SIGHUP: a bad file changes nothing, a good one applies
cp "$TMP/good.conf" "$TMP/live.conf"
stop TERM
start --config "$TMP/live.conf"
cp "$TMP/bad.conf" "$TMP/live.conf"
kill -HUP "$PID"
check "reload of a bad file is refused, said in the log" \
	wait_for grep -q "reload: keeping the running configuration" "$TMP/log"
check "reload of a bad file keeps xnatd running" kill -0 "$PID"
check "reload of a bad file keeps the running config (port range 2000, not the file's 4000)" \
	test "$(config_field port_min)" = 2000
printf '[nat]\nport-range = 10000-20000\n' >"$TMP/live.conf"
kill -HUP "$PID"
check "reload applies a new port range" wait_for bash -c "bpftool map dump pinned $PIN/xnat_config | grep -q '\"port_min\": 10000'"
check "... and says so" grep -q "configuration reloaded" "$TMP/log"
check "reload removes a forward dropped from the file" bash -c "! '$BUILD/xnatctl' --pin-root '$PIN' forward list | grep -q 3389"

# --- SIGTERM: detach, keep state; restart adopts it
map_id() { bpftool map show pinned "$PIN/xnat_flows" | sed -n 's/^\([0-9]*\):.*/\1/p'; }
id_before=$(map_id)
stop TERM
check "SIGTERM exits 0" test $? -eq 0
check "SIGTERM detaches TC" bash -c "$(declare -f in_ns tc_attached); NS=$NS; ! tc_attached ingress && ! tc_attached egress && ! tc_attached ingress l0 lan"
check "SIGTERM keeps the pinned maps" test -e "$PIN/xnat_flows"
check "SIGTERM removes the pid link" test ! -L "$PIN/xnatd_pid"

# --- XDP, forced (--xdp-mode native): attached, and detached by SIGTERM
start --xdp-mode native
check "restart adopts the same maps" test "$(map_id)" = "$id_before"
check "--xdp-mode native: XDP attached to LAN and WAN" bash -c "$(declare -f in_ns xdp_attached); NS=$NS; xdp_attached l0 && xdp_attached w0"
check "... stated in the ready line" grep -q "ready: WAN w0 XDP; LAN l0 XDP " "$TMP/log"
stop TERM
check "SIGTERM detaches XDP" bash -c "$(declare -f in_ns xdp_attached); NS=$NS; ! xdp_attached l0 && ! xdp_attached w0"
start --xdp-mode native

# --- kill -9: programs stay attached; the next xnatd replaces them
prog_before=$(in_ns ip -d link show l0 | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p')
stop KILL
check "after kill -9 the programs stay attached" bash -c "$(declare -f in_ns xdp_attached); NS=$NS; xdp_attached l0"
start --xdp-mode native
prog_after=$(in_ns ip -d link show l0 | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p')
check "restart after kill -9 replaces the program" test -n "$prog_after" -a "$prog_after" != "$prog_before"
check "restart after kill -9 adopts the same maps" test "$(map_id)" = "$id_before"
# the next start takes another path (the default's TC): the XDP programs go
stop KILL
start
check "a restart on the TC path removes the XDP programs a killed xnatd left" \
	bash -c "$(declare -f in_ns xdp_attached tc_attached); NS=$NS; ! xdp_attached l0 && ! xdp_attached w0 && tc_attached ingress l0 lan"
stop KILL
start --xdp-mode native

out=$(in_ns "$XNATD" --unload --pin-root "$PIN" 2>&1)
check "--unload refuses while xnatd runs" grep -q "stop it first" <<<"$out"
# --unload after kill -9, programs still attached (XDP and TC): it detaches them
stop KILL
check "after kill -9, programs attached (what --unload must remove)" \
	bash -c "$(declare -f in_ns xdp_attached tc_attached attached_anywhere); NS=$NS; xdp_attached l0 && tc_attached egress"
in_ns "$XNATD" --unload --pin-root "$PIN"
check "--unload removes the pin root" test ! -e "$PIN"
check "--unload leaves nothing attached, XDP or TC" \
	bash -c "$(declare -f in_ns xdp_attached tc_attached attached_anywhere); NS=$NS; ! attached_anywhere"

# --- the systemd unit is well-formed
sed "s|@SBINDIR@|$(realpath "$BUILD")|g" etc/xnatd.service.in >"$TMP/xnatd.service"
# unit_complaints UNIT: what systemd-analyze verify says of it, but for what
# the test bed causes (no /etc/xnat here: the config path it names)
unit_complaints() {
	systemd-analyze verify "$1" 2>&1 | grep -v -e '^$' -e "Failed to prepare filename /etc/xnat/" \
		-e "Command /.* is not executable" || true
}
if command -v systemd-analyze >/dev/null; then
	out=$(unit_complaints "$TMP/xnatd.service")
	check "systemd-analyze verify accepts the unit${out:+: $out}" test -z "$out"
	# its twin: a misspelled hardening directive is "Unknown key name ..., ignoring"
	sed 's/^ProtectSystem=/ProtectSystm=/' "$TMP/xnatd.service" >"$TMP/misspelled.service"
	check "... and would say so of a misspelled directive (ProtectSystm=)" \
		grep -q "ProtectSystm" <<<"$(unit_complaints "$TMP/misspelled.service")"
else
	ok "systemd-analyze verify # SKIP systemd-analyze not installed"
fi
check "unit is Type=notify with hardening" grep -q '^Type=notify' "$TMP/xnatd.service"

echo "1..$n"
((failures == 0))
