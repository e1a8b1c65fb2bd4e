#!/bin/bash
# Stage two of the guest tools/vm/run.sh boots: PID 1 after the initramfs
# (tools/vm/init) has mounted the root, the project, /tmp, /run, /lib/modules.
# Mounts the kernel's file systems, loads the modules tests use, runs the job
# the host left in the 9p share "vmrun" (/run/vm), writes its exit status there,
# and powers off. Its stdout is the serial console, which the host reads:
#   /run/vm/conf    TOKEN (console markers), CWD
#   /run/vm/env     exports for the job (run.sh's allow-list and VM_ENV)
#   /run/vm/cmd     the command, bash-quoted
#   /run/vm/status  written here: the job's exit status
# As PID 1 it also reaps the orphans of the job while it waits for it.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN=/run/vm

off() {
	sync
	/bin/busybox poweroff -f 2>/dev/null
	echo o >/proc/sysrq-trigger
	sleep 60
}
trap off EXIT

echo "vm guest: mounts"
mkdir -p "$RUN" /dev/pts /dev/shm
mount -t 9p -o trans=virtio,version=9p2000.L vmrun "$RUN" || { echo "vm guest: cannot mount vmrun"; exit 1; }
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t bpf -o mode=0700 bpf /sys/fs/bpf
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mkdir -p /run/netns /run/lock
hostname vm
ip link set lo up
# the console raw: no \n -> \r\n
stty -F /dev/console -opost 2>/dev/null

echo "vm guest: modules"
# What tests need (tc, veth, bridges, nftables NAT): those absent are skipped.
for m in veth bridge sch_ingress cls_bpf act_bpf sch_netem nf_conntrack nf_nat \
	nf_tables nft_chain_nat nft_masq nft_ct nf_conntrack_sip nf_nat_sip tun; do
	modprobe -q "$m" 2>/dev/null
done

# shellcheck source=/dev/null
. "$RUN/conf"
cd "$CWD" || exit 1
echo "$TOKEN:start"
# a clean environment: the allow-list, HOME, TERM, PATH
# shellcheck disable=SC2016 # expanded by that bash
env -i PATH="$PATH" HOME=/root TERM=dumb LANG=C.UTF-8 USER=root LOGNAME=root SHELL=/bin/bash \
	bash -c '. "$1/env" && . "$1/cmd"' vm-job "$RUN" </dev/null 2>&1
echo $? >"$RUN/status"
echo "$TOKEN:end"
