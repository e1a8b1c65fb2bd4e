#!/bin/bash
# Runs a command as root in a qemu guest on Debian 12's stock kernel (6.1, from
# tools/vm/kernel.sh), and exits with its exit status:
#   tools/vm/run.sh [--mem MB] [--smp N] [--timeout SECONDS] -- CMD [ARGS...]
# The guest sees the host's root read-only (writes go to a tmpfs overlay and
# are lost) and this repo read-write at the same path; the command runs there
# (in the current directory if that is inside the repo), stdin /dev/null, its
# stdout and stderr streamed here. No network but loopback.
# Environment passed in: BUILD ONLY CI SUITE_TIMEOUT CMOCKA_MESSAGE_OUTPUT
# FUZZ_SECONDS SOAK_SECONDS V, and VM_ENV="A=1 B=2" (no spaces in values).
# VM_DEBUG=1: the console before the command (boot, init) on stderr.
# Exit status: the command's; 124 on timeout (default 1800 s); 125 when the
# guest did not run it (the console's end is shown on stderr). A guest that
# has not started the command VM_BOOT_TIMEOUT (180) s after qemu started is
# booted again, up to 3 times.
# TCG, not KVM: on this (nested) host qemu -accel kvm -cpu max aborts ("failed to
# set MSR 0x10a"), other CPU models hang silently at boot. VM_ACCEL overrides.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ALLOW="BUILD ONLY CI SUITE_TIMEOUT CMOCKA_MESSAGE_OUTPUT FUZZ_SECONDS SOAK_SECONDS V"
mem=4096 smp=2 tmo=1800

usage() {
	echo "usage: $0 [--mem MB] [--smp N] [--timeout SECONDS] -- CMD [ARGS...]" >&2
	exit 2
}
while (($#)); do
	case $1 in
	--mem) mem=${2:?}; shift 2 ;;
	--smp) smp=${2:?}; shift 2 ;;
	--timeout) tmo=${2:?}; shift 2 ;;
	--) shift; break ;;
	*) usage ;;
	esac
done
(($#)) || usage
# paths go on the kernel command line: no spaces
[[ $ROOT != *[[:space:]]* ]] || { echo "run.sh: the repo's path has a space: $ROOT" >&2; exit 2; }

kdir=$("$ROOT/tools/vm/kernel.sh")
kver=$(cat "$kdir/kver")
cwd=$PWD
[[ $cwd == "$ROOT" || $cwd == "$ROOT"/* ]] || cwd=$ROOT

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xnat-vm.XXXXXX")
qpid= dog=
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	[[ -z $dog ]] || kill "$dog" 2>/dev/null || true
	[[ -z $qpid ]] || kill "$qpid" 2>/dev/null || true
	[[ -z $qpid ]] || wait "$qpid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the job, for tools/vm/guest.sh (share "vmrun")
token=vm-$RANDOM$RANDOM$RANDOM
printf 'TOKEN=%q\nCWD=%q\n' "$token" "$cwd" >"$tmp/conf"
{
	for v in $ALLOW; do
		[[ -z ${!v+x} ]] || printf 'export %s=%q\n' "$v" "${!v}"
	done
	for kv in ${VM_ENV:-}; do
		[[ $kv =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || { echo "run.sh: VM_ENV: not NAME=VALUE: $kv" >&2; exit 2; }
		printf 'export %s=%q\n' "${kv%%=*}" "${kv#*=}"
	done
} >"$tmp/env"
{
	printf 'exec'
	printf ' %q' "$@"
	echo
} >"$tmp/cmd"

# ---- the guest
# boot: one boot of the guest, the job's output on stdout. Returns the job's
# exit status; 124 on timeout; 125 when the guest did not run the job, 126
# when it did not get to it within VM_BOOT_TIMEOUT seconds (a TCG guest
# seldom hangs early in its boot: run.sh boots it again, up to 3 times).
accel=${VM_ACCEL:-tcg,thread=multi}
append="console=ttyS0 quiet loglevel=3 panic=-1 vm_proj=$ROOT vm_kpkg=$kdir/root vm_init=$ROOT/tools/vm/guest.sh"
boot_tmo=${VM_BOOT_TIMEOUT:-180}
boot() {
	local state=boot line rc=0
	rm -f "$tmp/console" "$tmp/status" "$tmp/started"
	: >"$tmp/log"
	mkfifo "$tmp/console"
	timeout --kill-after=5 "$tmo" qemu-system-x86_64 -accel "$accel" -cpu max -m "$mem" -smp "$smp" \
		-nodefaults -no-user-config -display none -monitor none -serial stdio -nic none -no-reboot \
		-kernel "$kdir/vmlinuz" -initrd "$kdir/initrd.gz" -append "$append" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-virtfs "local,path=$ROOT,mount_tag=project,security_model=none,multidevs=remap" \
		-virtfs "local,path=$tmp,mount_tag=vmrun,security_model=none" \
		</dev/null >"$tmp/console" 2>"$tmp/qemu.err" &
	qpid=$!
	# the boot's watchdog: no job started in time, no guest
	(
		sleep "$boot_tmo" &
		trap 'kill $! 2>/dev/null; exit 0' TERM
		wait $!
		[[ -e $tmp/started ]] || kill "$qpid" 2>/dev/null
	) &
	dog=$!

	# The console: what is between the markers goes to stdout (a last line
	# without newline stays so), all of it to $tmp/log for when things go wrong.
	while IFS= read -r line || [[ -n $line ]]; do
		printf '%s\n' "$line" >>"$tmp/log"
		case $state in
		boot)
			[[ -z ${VM_DEBUG:-} ]] || printf '%s\n' "$line" >&2
			if [[ $line == *"$token:start"* ]]; then
				state=job
				: >"$tmp/started"
			fi
			;;
		job)
			if [[ $line == *"$token:end"* ]]; then
				printf '%s' "${line%%"$token:end"*}"
				state=end
			else
				printf '%s\n' "$line"
			fi
			;;
		esac
	done <"$tmp/console"

	wait "$qpid" || rc=$?
	qpid=
	kill "$dog" 2>/dev/null
	wait "$dog" 2>/dev/null
	dog=
	[[ -z ${VM_DEBUG:-} ]] || cat "$tmp/qemu.err" >&2
	if [[ -s $tmp/status ]]; then
		return "$(cat "$tmp/status")"
	fi
	if [[ ! -e $tmp/started ]]; then
		echo "run.sh: the guest ($kver) did not get to the command within ${boot_tmo} s; its console:" >&2
		tail -n 10 "$tmp/log" >&2
		return 126
	fi
	if ((rc == 124 || rc == 137)); then
		echo "run.sh: timeout after $tmo s (guest $kver)" >&2
		return 124
	fi
	echo "run.sh: the guest ($kver) ended without running the command (qemu status $rc); its console:" >&2
	tail -n 30 "$tmp/log" >&2
	cat "$tmp/qemu.err" >&2
	return 125
}

for try in 1 2 3; do
	rc=0
	boot || rc=$?
	((rc == 126)) || exit "$rc"
	echo "run.sh: booting again ($try of 3 failed)" >&2
done
exit 125
