#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# xnatctl on maps pinned from the real BPF object, without xnatd: the test
# writes config, port slots, sessions and counters with bpftool, then checks
# every command's text and JSON output and its errors.
#
# bpftool pins LIBBPF_PIN_BY_NAME maps under /sys/fs/bpf itself (its pinmaps
# argument conflicts with them), so the test runs in a private mount
# namespace on a bpffs of its own, where /sys/fs/bpf/xnat_* belong to nobody
# else, and moves the pins into its pin root. Everything vanishes with the
# namespace; the pin root is removed on exit as well.
#   BUILD=dir   build directory with xnatctl and bpf/xnat.bpf.o (default: build)
set -uo pipefail
SELF=$(realpath "$0")
cd "$(dirname "$SELF")/../.."
BUILD=$(realpath -m "${BUILD:-build}")
XNATCTL=$BUILD/xnatctl
OBJ=$BUILD/bpf/xnat.bpf.o

skip_all() { echo "ok 1 - xnatctl functional test # SKIP $*"; exit 0; }
[[ $(id -u) == 0 ]] || skip_all "needs root (BPF, mount namespace)"
if [[ -z ${XNAT_CTL_PRIVATE_BPFFS:-} ]]; then
	unshare --mount --propagation private true 2>/dev/null || skip_all "no mount namespaces (unshare)"
	exec unshare --mount --propagation private env XNAT_CTL_PRIVATE_BPFFS=1 "$SELF" "$@"
fi

PIN=/sys/fs/bpf/xnat-test-ctl-$$
TMP=$(mktemp -d)
n=0 failures=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failures=$((failures + 1)); echo "not ok $n - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }
bail() { not_ok "$*"; exit 1; }

cleanup() {
	[[ -n ${HOLDER:-} ]] && kill "$HOLDER" 2>/dev/null
	rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT INT TERM

[[ -x $XNATCTL && -f $OBJ ]] || bail "no $XNATCTL or $OBJ: build first (make OUT=$BUILD)"
mount -t bpf bpf /sys/fs/bpf || bail "mount a private bpffs"
mkdir -p "$PIN" || bail "create $PIN"
bpftool prog loadall "$OBJ" "$PIN/progs" >"$TMP/load" 2>&1 || { cat "$TMP/load"; bail "bpftool prog loadall"; }
for m in /sys/fs/bpf/xnat_*; do mv "$m" "$PIN/" || bail "move $m into the pin root"; done
ok "real object loaded, maps pinned under a pin root of the test"

# ---------------------------------------------------------------- byte helpers
le16() { printf '%02x %02x' $(($1 & 255)) $(($1 >> 8 & 255)); }
le32() { printf '%02x %02x %02x %02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
le64() { echo "$(le32 $(($1 & 0xffffffff))) $(le32 $(($1 >> 32)))"; }
be16() { printf '%02x %02x' $(($1 >> 8 & 255)) $(($1 & 255)); }
ip4() { local IFS=.; set -- $1; printf '%02x %02x %02x %02x' "$1" "$2" "$3" "$4"; }
u8() { printf '%02x' "$1"; }
update() { bpftool map update pinned "$PIN/$1" key hex $2 value hex $3 || bail "bpftool map update $1"; }
# seconds of CLOCK_MONOTONIC, the clock of last_seen and expires
now() { python3 -c 'import time; print(int(time.monotonic()))' 2>/dev/null || cut -d. -f1 /proc/uptime; }
# JSON validity: python3, else jq
valid_json() {
	if command -v python3 >/dev/null; then python3 -m json.tool >/dev/null
	elif command -v jq >/dev/null; then jq -e . >/dev/null
	else cat >/dev/null; fi
}

EXT=203.0.113.5 H1=192.168.1.10 H2=192.168.1.20 R1=198.51.100.7 R2=198.51.100.9
TCP=6 UDP=17 ICMP=1
NOW=$(now)

# xnat_config: enabled + hairpin, WAN lo, ports 1024-65535, 100 per host, address-dependent,
# timeouts, the SIP ALG on 5060 both ways, 256 SIP dialogs per host, the reserved words zero
update xnat_config "$(le32 0)" "$(ip4 $EXT) $(le32 1) $(le16 1024) $(le16 65535) $(le32 3) $(le32 100) \
	$(u8 1) 00 00 00 $(le32 300) $(le32 7440) $(le32 240) $(le32 60) $(le32 3600) \
	$(le16 5060) 03 00 $(le32 0) $(le32 0) $(le32 0) $(le32 256)$(for _ in $(seq 15); do printf ' %s' "$(le32 0)"; done)"

# port_slot SLOT ADDR PORT OWNER LAST_USED EXPIRES
port_slot() { update xnat_ports "$(le32 $1)" "$(ip4 $2) $(be16 $3) $(u8 $4) 01 $(le32 $5) $(le32 $6)"; }
port_slot $((65536 + 40000)) $H1 5555 0 $((NOW - 10)) 0           # udp, dynamic
port_slot 3389 $H2 3389 1 $((NOW - 20)) 0                          # tcp, config forward
port_slot $((2 * 65536 + 7)) $H1 7 0 $((NOW - 1)) 0                 # icmp id 7, dynamic
port_slot $((65536 + 6000)) $H2 6000 3 $NOW $((NOW + 3600))         # udp, upnp lease

# flow KEY_SADDR KEY_DADDR SPORT DPORT PROTO DIR -- VAL_ADDR VAL_PORT FLAGS OWNER LAST_SEEN
# (no next hop cached: the 28 bytes of struct xnat_hop_cache zero)
flow() {
	update xnat_flows "$(ip4 $1) $(ip4 $2) $(be16 $3) $(be16 $4) $(u8 $5) $(u8 $6) 00 00" \
		"$(ip4 $8) $(be16 $9) $(u8 ${10}) $(u8 ${11}) $(le32 ${12})$(for _ in $(seq 7); do printf ' %s' "$(le32 0)"; done)"
}
# session PROTO LAN LPORT REMOTE RPORT EXTPORT OUTFLAGS INFLAGS OWNER OUT_SEEN IN_SEEN (ICMP: RPORT 0)
session() {
	local p=$1 lan=$2 lp=$3 rem=$4 rp=$5 xp=$6
	flow $lan $rem $lp $rp $p 0 -- $EXT $xp $7 $9 ${10}
	[[ ${11} == none ]] || flow $rem $EXT $rp $xp $p 1 -- $lan $lp $8 $9 ${11}
}
session $UDP $H1 5555 $R1 53 40000 0 0 0 $((NOW - 5)) $((NOW - 3))
session $TCP $H2 3389 $R2 50000 3389 9 9 1 $((NOW - 2)) $((NOW - 2))    # SYN+ACK both ways
session $TCP $H1 40001 $R1 443 40001 5 1 0 $NOW $NOW                   # RST seen
session $TCP 192.168.1.30 1234 $R1 80 41000 1 0 0 $NOW none            # IN entry missing
session $ICMP $H1 7 $R1 0 7 0 0 0 $((NOW - 1)) $((NOW - 1))

# xnat_stats is per CPU: bpftool writes the value on every possible CPU, xnatctl sums them
ncpu=$(( $(sed 's/.*-//' /sys/devices/system/cpu/possible) + 1 ))
update xnat_stats "$(le32 0)" "$(le64 10) $(le64 1000)"                # translated_out
ok "maps filled with bpftool (config, 4 mappings, 5 sessions, counters on $ncpu CPUs)"

ctl() { "$XNATCTL" --pin-root "$PIN" "$@"; }
has() { grep -qE -- "$1" <<<"$2"; }

# ---------------------------------------------------------------- status
out=$(ctl status)
echo "$out" | sed 's/^/# /'
check "status: external address" has "^external address: +$EXT$" "$out"
check "status: WAN interface by name" has "^wan interface: +lo \(ifindex 1\)" "$out"
check "status: enabled, hairpin" bash -c "grep -qE '^enabled: +yes' <<<'$out' && grep -qE '^hairpin: +yes' <<<'$out'"
check "status: port range, quota, filtering" bash -c "grep -qE '^port range: +1024-65535' <<<'$out' &&
	grep -qE '^ports per host: +100$' <<<'$out' && grep -qE '^filtering: +address-dependent' <<<'$out'"
check "status: timeouts" has "udp 300s, tcp established 7440s, tcp transitory 240s, icmp 60s" "$out"
check "status: 5 sessions (OUT entries)" has "^sessions: +5$" "$out"
check "status: 4 mappings by owner" has "^mappings: +4 \(dynamic 2, config 1, upnp 1\)" "$out"
check "status: programs pinned" has "^programs: +pinned" "$out"
check "status: xnatd not running" has "^xnatd: +not running" "$out"
out=$(ctl status --json)
check "status --json is valid JSON" valid_json <<<"$out"
check "status --json fields" bash -c "grep -q '\"external_address\":\"$EXT\"' <<<'$out' &&
	grep -q '\"timeouts\":{\"udp\":300,' <<<'$out' && grep -q '\"sessions\":5,' <<<'$out' &&
	grep -q '\"xnatd_running\":false' <<<'$out' && grep -q '\"upnp\":1' <<<'$out'"

# the pid link xnatd publishes; a stale one (kill -9) means not running
ln -s /proc/$$ "$PIN/xnatd_pid"
check "status: xnatd running, from the pid link" has "^xnatd: +running \(pid $$\)" "$(ctl status)"
sleep 30 & HOLDER=$!
ln -sfn /proc/$HOLDER "$PIN/xnatd_pid"
kill $HOLDER; wait $HOLDER 2>/dev/null; HOLDER=
check "status: a stale pid link is not running" has "^xnatd: +not running" "$(ctl status)"
rm -f "$PIN/xnatd_pid"
rm -f "$PIN/progs/xnat_tc_egress"
check "status: programs not pinned when one is missing" has "^programs: +not pinned" "$(ctl status)"

# ---------------------------------------------------------------- mappings
out=$(ctl mappings)
echo "$out" | sed 's/^/# /'
check "mappings: header" has "^PROTO +EXTERNAL +INTERNAL +OWNER +SESSIONS +IDLE +EXPIRES +FILTER$" "$out"
check "mappings: sorted by protocol then port (tcp, udp 6000, udp 40000, icmp)" \
	test "$(awk 'NR > 1 { print $1, $2 }' <<<"$out" | tr '\n' ' ')" == \
	"tcp $EXT:3389 udp $EXT:6000 udp $EXT:40000 icmp $EXT "
check "mappings: udp dynamic, 1 session, idle ~10s, never expires" \
	has "^udp +$EXT:40000 +$H1:5555 +dynamic +1 +1[0-5]s +never +-$" "$out"
check "mappings: tcp config forward with its session" has "^tcp +$EXT:3389 +$H2:3389 +config +1 +2[0-5]s +never +-$" "$out"
check "mappings: upnp lease expires in ~3600s" has "^udp +$EXT:6000 +$H2:6000 +upnp +0 +[0-5]s +3(600|5[0-9][0-9])s +-$" "$out"
check "mappings: icmp identifier" has "^icmp +$EXT id 7 +$H1 id 7 +dynamic" "$out"
check "mappings: columns aligned (INTERNAL starts at one offset)" \
	test "$(awk '{ print index($0, $3 == "id" ? $4 : $3) }' <<<"$(grep -v '^icmp' <<<"$out")" | sort -u | wc -l)" -eq 1
out=$(ctl mappings --json)
check "mappings --json is valid JSON" valid_json <<<"$out"
check "mappings --json: array of 4 objects" test "$(grep -o '"proto":' <<<"$out" | wc -l)" -eq 4
check "mappings --json fields" bash -c "grep -q '\"internal\":\"$H1:5555\",\"internal_address\":\"$H1\",\"internal_port\":5555,\"owner\":\"dynamic\",\"sessions\":1' <<<'$out' &&
	grep -q '\"expires_in_seconds\":null' <<<'$out' && grep -qE '\"expires_in_seconds\":3(600|5[0-9][0-9])' <<<'$out'"
# idle and expiry counters may tick between the two runs: compare without them
no_clock() { sed -E 's/"(idle_seconds|expires_in_seconds)":[0-9]+/"\1":N/g'; }
check "--json may come before the command" \
	test "$("$XNATCTL" --json --pin-root "$PIN" mappings | no_clock)" == "$(no_clock <<<"$out")"

# ---------------------------------------------------------------- sessions
out=$(ctl sessions)
echo "$out" | sed 's/^/# /'
check "sessions: header" has "^PROTO +LAN +EXTERNAL +REMOTE +STATE +IDLE +OWNER$" "$out"
check "sessions: udp, idle from the fresher direction" has "^udp +$H1:5555 +$EXT:40000 +$R1:53 +- +[3-8]s +dynamic$" "$out"
check "sessions: tcp established" has "^tcp +$H2:3389 +$EXT:3389 +$R2:50000 +established +[2-7]s +config$" "$out"
check "sessions: tcp reset" has "^tcp +$H1:40001 +$EXT:40001 +$R1:443 +reset " "$out"
check "sessions: a missing IN entry shows as partial" has "^tcp +192.168.1.30:1234 +$EXT:41000 +$R1:80 +partial " "$out"
check "sessions: icmp query (remote has no port)" has "^icmp +$H1 id 7 +$EXT id 7 +$R1 +- " "$out"
check "sessions: sorted by protocol then LAN endpoint" \
	test "$(awk 'NR > 1 { print $2 }' <<<"$out" | tr '\n' ' ')" == "$H1:40001 $H2:3389 192.168.1.30:1234 $H1:5555 $H1 "
out=$(ctl sessions --json)
check "sessions --json is valid JSON" valid_json <<<"$out"
check "sessions --json fields" bash -c "grep -q '\"lan\":\"$H2:3389\",\"lan_address\":\"$H2\",\"lan_port\":3389,\"external\":\"$EXT:3389\"' <<<'$out' &&
	grep -q '\"remote_port\":null,\"state\":null' <<<'$out' && grep -q '\"state\":\"established\"' <<<'$out'"

# ---------------------------------------------------------------- forward
out=$(ctl forward add tcp 8080-8081 192.168.1.40:80)
check "forward add: a range" has "^added forward tcp 8080-8081 192.168.1.40:80" "$out"
out=$(ctl forward list)
echo "$out" | sed 's/^/# /'
check "forward list: header" has "^PROTO +PORTS +TO +OWNER$" "$out"
check "forward list: the config forward" has "^tcp +3389 +$H2:3389 +config$" "$out"
check "forward list: the range added, owner static" has "^tcp +8080-8081 +192.168.1.40:80 +static$" "$out"
check "forward add: ports show in mappings" has "^tcp +$EXT:8081 +192.168.1.40:81 +static " "$(ctl mappings)"
out=$(ctl forward list --json)
check "forward list --json is valid JSON" valid_json <<<"$out"
check "forward list --json fields" has '"external_port_min":8080,"external_port_max":8081,"internal_address":"192.168.1.40","internal_port_min":80,"internal_port_max":81,"owner":"static"' "$out"
out=$(ctl forward add udp 40000 192.168.1.50 2>&1)
rc=$?
check "forward add: a port held by a mapping is refused (exit 1, says why)" \
	bash -c "test $rc -eq 1 && grep -q '^xnatctl: forward add: .*40000' <<<'$out'"
out=$(ctl forward add tcp 99999 192.168.1.50 2>&1)
rc=$?
check "forward add: a bad port is a clear error (exit 1)" bash -c "test $rc -eq 1 && grep -q \"^xnatctl: forward: .*99999\" <<<'$out'"
ctl forward add tcp 8080 >/dev/null 2>&1
check "forward add: missing address is a usage error (exit 2)" test $? -eq 2
check "forward del: the range" has "^removed 2 ports$" "$(ctl forward del tcp 8080-8081 192.168.1.40:80)"
check "forward del: gone from the list" bash -c "! '$XNATCTL' --pin-root '$PIN' forward list | grep -q 8080"
ctl forward del tcp 8080-8081 192.168.1.40:80 >/dev/null 2>&1
check "forward del: again is an error (exit 1)" test $? -eq 1
check "forward list --json with one forward" test "$(ctl forward list --json | grep -o '"proto"' | wc -l)" -eq 1

# ---------------------------------------------------------------- stats
out=$(ctl stats)
echo "$out" | sed 's/^/# /'
check "stats: summed over CPUs" has "^translated_out +$((10 * ncpu)) +$((1000 * ncpu))$" "$out"
check "stats: zero counters hidden" bash -c "! grep -q drop_filtered <<<'$out'"
check "stats --all: zero counters shown" has "^drop_filtered +0 +0$" "$(ctl stats --all)"
out=$(ctl stats --json)
check "stats --json is valid JSON" valid_json <<<"$out"
check "stats --json: every counter, zeros included" bash -c "grep -q '\"translated_out\":{\"packets\":$((10 * ncpu)),\"bytes\":$((1000 * ncpu))}' <<<'$out' &&
	grep -q '\"drop_filtered\":{\"packets\":0,\"bytes\":0}' <<<'$out'"

# ---------------------------------------------------------------- command line and errors
check "--version" test "$("$XNATCTL" --version)" == "xnatctl 0.1"
check "help lists the commands" bash -c "'$XNATCTL' help | grep -q 'forward add|del'"
"$XNATCTL" frobnicate >"$TMP/out" 2>&1
check "unknown command: exit 2 with usage" bash -c "test $? -eq 2 && grep -q \"unknown command 'frobnicate'\" '$TMP/out' && grep -q '^usage:' '$TMP/out'"
"$XNATCTL" --pin-root "$PIN" --bogus status >/dev/null 2>&1
check "unknown option: exit 2" test $? -eq 2
out=$("$XNATCTL" --pin-root /sys/fs/bpf/xnat-test-ctl-missing-$$ status 2>&1)
rc=$?
check "missing pin root: exit 1 with a clear message" bash -c "test $rc -eq 1 &&
	test \"\$(cat)\" == 'xnatctl: cannot open /sys/fs/bpf/xnat-test-ctl-missing-$$/xnat_config: No such file or directory (is xnatd loaded? see --pin-root)'" <<<"$out"
mkdir "$PIN-partial" && bpftool map pin pinned "$PIN/xnat_config" "$PIN-partial/xnat_config"
out=$("$XNATCTL" --pin-root "$PIN-partial" mappings 2>&1)
rc=$?
rm -rf "$PIN-partial"
check "a pin root missing a map names it (exit 1)" bash -c "test $rc -eq 1 && grep -q 'cannot open $PIN-partial/xnat_flows' <<<'$out'"
check "XNAT_PIN_ROOT names the pin root" bash -c "XNAT_PIN_ROOT='$PIN' '$XNATCTL' status | grep -q '$EXT'"
check "status takes no arguments (exit 2)" bash -c "'$XNATCTL' --pin-root '$PIN' status extra 2>/dev/null; test \$? -eq 2"

echo "1..$n"
((failures == 0))
