#!/bin/bash
# Checks tools/vm/run.sh: two boots of the guest. The exit status comes back,
# then in one boot: the guest's kernel, network namespaces, veth, clsact,
# bpffs, bpftool, BTF, modprobe, and an XDP program built with clang, loaded,
# attached and run. Prints TAP lines and "N passed, N failed"; exit 1 on a failure.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
RUN=tools/vm/run.sh
passed=0 failed=0 n=0

check() { # check DESC COMMAND...: one TAP line
	local desc=$1
	shift
	n=$((n + 1))
	if "$@"; then
		passed=$((passed + 1)) && echo "ok $n - $desc"
	else
		failed=$((failed + 1)) && echo "not ok $n - $desc"
	fi
}

$RUN -- sh -c 'exit 3' </dev/null
check "the command's exit status (3) comes back" test $? = 3

# One boot, one line per check: "ok NAME" or "not ok NAME".
# shellcheck disable=SC2016 # expanded in the guest
out=$($RUN -- bash -c '
t() { local d=$1; shift; if "$@" >/tmp/out 2>&1; then echo "ok $d"; else echo "not ok $d"; sed "s/^/    /" /tmp/out; fi; }
[[ $(uname -r) == 6.1.* ]] && echo "ok kernel 6.1" || echo "not ok kernel 6.1: $(uname -r)"
t "network namespace" ip netns add t1
t "veth pair" ip link add name va type veth peer name vb
t "veth end into the namespace" ip link set dev va netns t1
t "nsenter into it" nsenter --net=/run/netns/t1 ip link show dev va
t "tc clsact" tc qdisc add dev vb clsact
t "bpffs on /sys/fs/bpf" mountpoint -q /sys/fs/bpf
t "BTF of the guest kernel" test -s /sys/kernel/btf/vmlinux
t "modprobe (the package modules)" modprobe dummy
t "bpftool prog" bpftool prog
printf "%s\n" "#include <linux/bpf.h>" \
	"__attribute__((section(\"xdp\"), used)) int pass(struct xdp_md *c) { return XDP_PASS; }" \
	"char _license[] __attribute__((section(\"license\"), used)) = \"GPL\";" >/tmp/xdp.c
t "clang -target bpf" clang -O2 -target bpf -I/usr/include/x86_64-linux-gnu -c /tmp/xdp.c -o /tmp/xdp.o
t "bpftool prog load (XDP)" bpftool prog load /tmp/xdp.o /sys/fs/bpf/pass type xdp
t "XDP attached (native, veth)" ip link set dev vb xdpdrv pinned /sys/fs/bpf/pass
head -c 64 /dev/zero >/tmp/pkt
t "XDP prog run: XDP_PASS" sh -c "bpftool prog run pinned /sys/fs/bpf/pass data_in /tmp/pkt | grep -q \"Return value: 2\""
' </dev/null)
echo "$out" | grep '^    ' || true
while IFS= read -r line; do
	case $line in
	"ok "*) check "${line#ok }" true ;;
	"not ok "*) check "${line#not ok }" false ;;
	esac
done <<<"$out"
((n > 1)) || check "the guest ran the checks" false

echo "$passed passed, $failed failed"
((failed == 0))
