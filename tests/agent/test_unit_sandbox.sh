#!/bin/bash
# xnatd run by systemd under its own unit (etc/xnatd.service.in) with the
# whole sandbox in force: a systemd booted as PID 1 in a container
# (systemd-nspawn --boot, its own network namespace), the unit installed
# there with @SBINDIR@ the build directory and /etc/xnat/xnat.conf naming
# veths. Shown: Type=notify reaches active, the sandbox is the unit's
# (capabilities, no new privileges, seccomp, read-only /, private /tmp),
# the programs attach, a ping from a LAN host to a WAN host is translated,
# `systemctl reload` (SIGHUP) applies a good file and keeps the running
# configuration for a bad one, `systemctl stop` detaches and succeeds.
#
# The container: -D / --volatile=yes (a tmpfs root, the host's /usr
# read-only, an empty /etc but for what is bound in), a fresh bpffs instance
# on /sys/fs/bpf (as PID 1 systemd mounts one on a real host), bpf() let
# through nspawn's own seccomp filter. Every interface, namespace and packet
# lives inside it; all of it goes when it powers off.
# Needs root, systemd (/lib/systemd/systemd) and systemd-nspawn
# (package systemd-container): without them it fails, saying which (it
# skips only when not root, or on a system whose /usr is not merged).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
BUILD=$(realpath "${BUILD:-build}")
XNATD=$BUILD/xnatd

skip() { echo "ok 1 - unit sandbox # SKIP $*"; echo "1..1"; exit 0; }
# what tools/install-deps.sh installs is missing: a failure, never a skip
missing() { echo "not ok 1 - unit sandbox: $* (tools/install-deps.sh installs it)"; echo "1..1"; exit 1; }
((EUID == 0)) || skip "needs root (systemd-nspawn, bpf())"
command -v systemd-nspawn >/dev/null || missing "systemd-nspawn not installed (package systemd-container)"
[[ -x /lib/systemd/systemd ]] || missing "no systemd to boot (/lib/systemd/systemd)"
[[ -L /bin && -L /lib ]] || skip "/usr is not merged: --volatile=yes boots from /usr alone"
if [[ ! -x $XNATD ]]; then echo "not ok 1 - $XNATD built"; echo "1..1"; exit 1; fi

MACHINE=xnat-unit-$$
TMP=$(mktemp -d /tmp/xnat-unit.XXXXXX)
NSPAWN='' LEADER=''
CGROUPS=()     # cgroups made for the container here (none when systemd runs the host)
MADE_RUN=()    # nspawn's directories in the host's /run that were not there before

n=0 failures=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failures=$((failures + 1)); echo "not ok $n - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }
wait_for() { local i; for ((i = 0; i < 100; i++)); do "$@" && return 0; sleep 0.1; done; return 1; }
gone() { ! kill -0 "$1" 2>/dev/null; }
not() { ! "$@"; }
# shellcheck disable=SC2053 # the right side is the pattern
matches() { [[ $1 == $2 ]]; } # TEXT GLOB

cleanup() {
	if [[ -n $NSPAWN ]] && kill -0 "$NSPAWN" 2>/dev/null; then
		kill -TERM "$NSPAWN" # nspawn asks the container's systemd to power off
		wait_for gone "$NSPAWN" || wait_for gone "$NSPAWN" || {
			[[ -n $LEADER ]] && kill -KILL "$LEADER" 2>/dev/null # PID 1: the whole container
			kill -KILL "$NSPAWN" 2>/dev/null
		}
		wait "$NSPAWN" 2>/dev/null
	fi
	mountpoint -q "$TMP/bpffs" && umount "$TMP/bpffs"
	local cg d
	for cg in "${CGROUPS[@]}"; do
		# what nspawn and the container's systemd made in it, deepest first
		[[ -d $cg ]] && find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	for d in "${MADE_RUN[@]}"; do rmdir "$d"/propagate "$d" 2>/dev/null; done
	[[ -n ${KEEP_LOG:-} ]] && cp "$TMP/console" "$KEEP_LOG"
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

in_c() { nsenter -t "$LEADER" -a -- "$@"; }         # in the container
in_lan() { in_c ip netns exec lanh "$@"; }           # on the LAN host
in_wan() { in_c ip netns exec wanh "$@"; }           # on the WAN host
unit() { in_c systemctl show -p "$1" --value xnatd; }
journal() { in_c journalctl -u xnatd -o cat --no-pager; }
in_journal() { journal | grep -q -- "$1"; }
tc_attached() { in_c tc filter show dev "$1" "$2" | grep -q "$3"; }
attached_count() { # of the three TC programs xnatd attaches to veths
	local c=0
	tc_attached w0 ingress xnat_tc_ingress && c=$((c + 1))
	tc_attached w0 egress xnat_tc_egress && c=$((c + 1))
	tc_attached l0 ingress xnat_tc_lan && c=$((c + 1))
	echo $c
}
port_min() { in_c bpftool map dump pinned /sys/fs/bpf/xnat/xnat_config | sed -n 's/.*"port_min": \([0-9]*\).*/\1/p'; }
status_field() { in_c sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }
mount_opts() { in_c sed -n "s|^[0-9]* [0-9]* [0-9:]* [^ ]* $2 \([^ ]*\) .*|\1|p" "/proc/$1/mountinfo" | tail -n 1; }
mount_root() { in_c sed -n "s|^[0-9]* [0-9]* [0-9:]* \([^ ]*\) $2 .*|\1|p" "/proc/$1/mountinfo" | tail -n 1; }
ping_wan() { in_lan ping -c 1 -W 1 198.51.100.2 >/dev/null 2>&1; }

# --- what goes into the container
# The build is bound at /opt/xnat in the container: wherever it is on the
# host (a clone in /tmp), the container's /tmp and the unit's PrivateTmp
# would hide it.
sed "s|@SBINDIR@|/opt/xnat|g" etc/xnatd.service.in >"$TMP/xnatd.service"
mkdir "$TMP/etc-xnat" "$TMP/bpffs"
printf '[interfaces]\nwan = w0\nlan = l0\n' >"$TMP/etc-xnat/xnat.conf"
# a machine id: no first boot (no presets enabling the host's services, no prompts)
tr -d - </proc/sys/kernel/random/uuid >"$TMP/machine-id"
mount -t bpf bpf "$TMP/bpffs" # a new instance: nothing of the host's pins

for d in /run/systemd/nspawn /run/systemd/nspawn-root; do [[ -e $d ]] || MADE_RUN+=("$d"); done
launch=()
if [[ -d /run/systemd/system ]]; then
	# systemd runs this host: a scope of its own, delegated to nspawn
	launch=(systemd-run --scope --quiet -p Delegate=yes --unit="$MACHINE")
else
	# no systemd: a cgroup of its own in each hierarchy nspawn uses, so that
	# what it makes there (payload/, supervisor/) is removed with it
	while read -r _ mp fstype opts _; do
		if [[ $fstype == cgroup2 || ($fstype == cgroup && ,$opts, == *,name=systemd,*) ]]; then
			mkdir "$mp/$MACHINE" && CGROUPS+=("$mp/$MACHINE")
		fi
	done </proc/self/mounts
fi

# $! must be nspawn itself: the cgroup move and exec happen in that process
(
	for cg in "${CGROUPS[@]}"; do echo "$BASHPID" >"$cg/cgroup.procs"; done
	exec "${launch[@]}" systemd-nspawn --quiet --console=read-only -D / --volatile=yes \
		--register=no --keep-unit --private-network -M "$MACHINE" \
		--capability=CAP_BPF,CAP_PERFMON --system-call-filter='bpf perf_event_open' \
		--bind-ro="$TMP/machine-id:/etc/machine-id" \
		--bind-ro="$TMP/xnatd.service:/etc/systemd/system/xnatd.service" \
		--bind-ro="$TMP/etc-xnat:/etc/xnat" \
		--bind-ro="$BUILD:/opt/xnat" \
		--bind="$TMP/bpffs:/sys/fs/bpf" \
		--boot -- systemd.unit=multi-user.target systemd.mask=systemd-machine-id-commit.service
) </dev/null >"$TMP/console" 2>&1 &
NSPAWN=$!

leader_up() {
	local p
	for p in $(pgrep -P "$NSPAWN"); do
		[[ $(cat "/proc/$p/comm" 2>/dev/null) == systemd ]] && LEADER=$p && return 0
	done
	return 1
}
booted() { [[ $(in_c systemctl is-system-running 2>/dev/null) =~ ^(running|degraded)$ ]]; }
if ! wait_for leader_up || ! { wait_for booted || wait_for booted || wait_for booted; }; then
	why=$(grep -v '^$' "$TMP/console" | tail -n 3 | tr '\n' ' ')
	gone "$NSPAWN" && why="systemd-nspawn exited: $why"
	echo "not ok 1 - systemd-nspawn --boot brings a systemd up: ${why:-no output}"; echo "1..1"; exit 1
fi
ok "a systemd boots as PID 1 in the container ($(in_c systemctl is-system-running))"

# --- the network: LAN host 192.168.1.10 -- l0 [xnatd] w0 -- 198.51.100.2 WAN host.
# The WAN host has no route to 192.168.1.0/24: only a translated ping comes back.
in_c bash -e -c '
	ip link set lo up
	ip netns add lanh; ip netns add wanh
	ip link add l0 type veth peer name l1 netns lanh
	ip link add w0 type veth peer name w1 netns wanh
	ip link set l0 up; ip link set w0 up
	ip addr add 192.168.1.1/24 dev l0; ip addr add 198.51.100.1/24 dev w0
	ip -n lanh link set lo up; ip -n lanh link set l1 up
	ip -n lanh addr add 192.168.1.10/24 dev l1; ip -n lanh route add default via 192.168.1.1
	ip -n wanh link set lo up; ip -n wanh link set w1 up
	ip -n wanh addr add 198.51.100.2/24 dev w1'
check "the test network is set up in the container" test $? -eq 0

# --- before xnatd: forwarding alone does not reach the WAN host
in_c sysctl -qw net.ipv4.ip_forward=1
reaches() { "in_$1" ping -c 1 -W 2 "$2" >/dev/null 2>&1; } # lan|wan ADDRESS
check "the LAN host reaches its gateway" reaches lan 192.168.1.1
check "the WAN host reaches the gateway's WAN address" reaches wan 198.51.100.1
check "without xnatd (forwarding on) the LAN host's ping to the WAN host is not answered" not ping_wan
in_c sysctl -qw net.ipv4.ip_forward=0 # xnatd's own enabling is what is shown below
check "nothing attached before xnatd starts" test "$(attached_count)" = 0
check "the unit is loaded from the template, inactive" \
	test "$(unit LoadState)/$(unit ActiveState)/$(unit FragmentPath)" = loaded/inactive//etc/systemd/system/xnatd.service

# --- start: Type=notify returns once xnatd says READY=1
timeout 60 nsenter -t "$LEADER" -a -- systemctl start xnatd
check "systemctl start xnatd exits 0" test $? -eq 0
check "Type=notify reached active (running)" test "$(unit Type)/$(unit ActiveState)/$(unit SubState)" = notify/active/running
check "sd_notify STATUS names the external address" matches "$(unit StatusText)" '*198.51.100.1*'
check "ExecStartPre's --check ran: the kernel takes the programs" wait_for in_journal "takes the programs"
check "xnatd's ready line: WAN w0 TC, LAN l0 TC" wait_for in_journal "ready: WAN w0 TC; LAN l0 TC"
check "the SIP slow path is up (no 'no slow path' warning: AF_PACKET and CAP_NET_RAW allowed)" \
	not in_journal "no slow path"
MAIN=$(unit MainPID)

# --- the sandbox is the unit's, not the container's
bit() { echo $((1 << $1)); }
ALLOWED=$(($(bit 12) | $(bit 13) | $(bit 21) | $(bit 24) | $(bit 38) | $(bit 39))) # the unit's set
NEEDED=$(($(bit 12) | $(bit 13) | $(bit 21) | $(bit 38) | $(bit 39)))             # less CAP_SYS_RESOURCE, which a host may lack
bnd=$((0x$(status_field "$MAIN" CapBnd))) amb=$((0x$(status_field "$MAIN" CapAmb)))
check "xnatd's bounding set is the unit's (BPF NET_ADMIN NET_RAW PERFMON SYS_ADMIN [SYS_RESOURCE]): $(printf %x $bnd)" \
	test $((bnd & ~ALLOWED)) = 0 -a $((bnd & NEEDED)) = $NEEDED
check "... and its ambient set the same" test $amb = $bnd
check "... where the container's own PID 1 has more (CAP_CHOWN)" test $((0x$(status_field 1 CapBnd) & $(bit 0))) != 0
check "NoNewPrivileges: xnatd has no_new_privs" test "$(status_field "$MAIN" NoNewPrivs)" = 1
check "... the container's PID 1 has not" test "$(status_field 1 NoNewPrivs)" = 0
check "SystemCallFilter: more seccomp filters on xnatd than on the container's PID 1" \
	test "$(status_field "$MAIN" Seccomp_filters)" -gt "$(status_field 1 Seccomp_filters)"
check "ProtectSystem=strict: / is read-only for xnatd" matches "$(mount_opts "$MAIN" /)" 'ro*'
check "... where the container's / is writable" matches "$(mount_opts 1 /)" 'rw*'
check "ReadWritePaths: /sys/fs/bpf is writable for xnatd" matches "$(mount_opts "$MAIN" /sys/fs/bpf)" 'rw*'
check "StateDirectory: /var/lib/xnat is writable for xnatd" matches "$(mount_opts "$MAIN" /var/lib/xnat)" 'rw*'
check "PrivateTmp: xnatd's /tmp is its own" matches "$(mount_root "$MAIN" /tmp)" '*systemd-private-*xnatd.service*/tmp'
check "xnatd has a mount namespace of its own" test "$(in_c readlink /proc/"$MAIN"/ns/mnt)" != "$(in_c readlink /proc/1/ns/mnt)"
check "... and the container's network namespace" test "$(in_c readlink /proc/"$MAIN"/ns/net)" = "$(in_c readlink /proc/1/ns/net)"

# --- what it did through the sandbox
check "TC programs attached: w0 ingress and egress, l0 ingress" test "$(attached_count)" = 3
check "maps pinned in /sys/fs/bpf/xnat" test -e "$TMP/bpffs/xnat/xnat_flows"
check "IP forwarding enabled by xnatd (was 0)" test "$(in_c sysctl -n net.ipv4.ip_forward)" = 1
check "the StateDirectory is used (leases in /var/lib/xnat)" in_c test -e /var/lib/xnat/leases
check "a ping from the LAN host to the WAN host is answered" wait_for ping_wan
check "... through a session translated to 198.51.100.1" \
	grep -q '^icmp  *192.168.1.10 .*198.51.100.1 .*198.51.100.2' <<<"$("$BUILD/xnatctl" --pin-root "$TMP/bpffs/xnat" sessions)"

# --- reload: SIGHUP through ExecReload
check "port range before reload: the default 1024" test "$(port_min)" = 1024
printf '[interfaces]\nwan = w0\nlan = l0\n[nat]\nport-range = 10000-20000\n' >"$TMP/etc-xnat/xnat.conf"
in_c systemctl reload xnatd
check "systemctl reload exits 0" test $? -eq 0
port_is() { test "$(port_min)" = "$1"; }
check "reload applies the new port range" wait_for port_is 10000
check "... and says so" wait_for in_journal "configuration reloaded"
printf '[interfaces]\nwan = w0\nlan = l0\n[nat]\nport-range = 4000-5000\n[timeouts]\nudp = 60\n' >"$TMP/etc-xnat/xnat.conf"
in_c systemctl reload xnatd
check "reload of a bad file is refused, said in the journal" wait_for in_journal "reload: keeping the running configuration"
check "... the running port range kept (10000, not the file's 4000)" test "$(port_min)" = 10000
check "reloads kept the same process, active" test "$(unit MainPID)/$(unit ActiveState)/$(unit NRestarts)" = "$MAIN/active/0"

# --- stop
timeout 60 nsenter -t "$LEADER" -a -- systemctl stop xnatd
check "systemctl stop exits 0" test $? -eq 0
check "stopped cleanly: inactive, result success" test "$(unit ActiveState)/$(unit Result)" = inactive/success
check "... xnatd said it detached" wait_for in_journal "detaching; state stays pinned"
check "stop detaches the TC programs" test "$(attached_count)" = 0
check "stop keeps the pinned maps" test -e "$TMP/bpffs/xnat/xnat_flows"
check "after stop the LAN host's ping to the WAN host is not answered" not ping_wan

# --- a system where nothing mounted bpffs (a container's): xnatd mounts one,
# but in the sandbox's own mount namespace, where no one else sees the pins
# (systemd 252 runs even ExecStartPre=+ there): it says so
printf '[interfaces]\nwan = w0\nlan = l0\n' >"$TMP/etc-xnat/xnat.conf"
in_c umount /sys/fs/bpf
check "(no bpffs on the container's /sys/fs/bpf now)" not in_c mountpoint -q /sys/fs/bpf
timeout 60 nsenter -t "$LEADER" -a -- systemctl start xnatd
check "the unit starts on a system without bpffs; xnatd mounts one" wait_for in_journal "mounted bpffs on /sys/fs/bpf"
check "... and warns that it is private to its sandbox" wait_for in_journal "own mount namespace"
timeout 60 nsenter -t "$LEADER" -a -- systemctl stop xnatd

if ((failures)); then
	echo "# xnatd's journal in the container:"
	journal | tail -n 25 | sed 's/^/#   /'
fi
echo "1..$n"
((failures == 0))
