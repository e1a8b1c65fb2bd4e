#!/bin/bash
# Fetches Debian 12's stock kernel and builds the initramfs tools/vm/run.sh boots.
# Prints the kernel's cache directory on stdout (the rest goes to stderr):
#   DIR/vmlinuz      the kernel
#   DIR/initrd.gz    busybox-static + the modules to mount the host's root over 9p
#   DIR/kver         its version (uname -r), e.g. 6.1.0-57-amd64
#   DIR/root/        the package extracted, depmod'ed: DIR/root/lib/modules/KVER
# Idempotent: a kernel already in the cache is reused (DIR/.done).
#   VM_DIR=dir          cache (default: build/vm of the repo)
#   VM_KERNEL_PKG=name  package (default: what linux-image-amd64 depends on)
# Installs what it uses when missing (root, non-interactive).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VM_DIR=$(realpath -m "${VM_DIR:-$ROOT/build/vm}")
PACKAGES="qemu-system-x86 busybox-static cpio kmod xz-utils zstd gzip"
# Loaded by the initramfs (with what they depend on, found by modinfo): 9p over
# virtio-pci, and overlay for a writable root. A module built in is skipped.
INITRD_MODULES="virtio_pci 9pnet_virtio 9p overlay"

log() { echo "kernel.sh: $*" >&2; }

# install_missing PKG...: apt-get install of those not installed (update once, only then)
install_missing() {
	local p missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
	done
	((${#missing[@]})) || return 0
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >&2
}

# resolve_pkg: the linux-image-X.Y.Z-N-amd64 the metapackage depends on
resolve_pkg() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n1
}

# shellcheck disable=SC2086 # a list
install_missing $PACKAGES

pkg=${VM_KERNEL_PKG:-}
if [[ -z $pkg ]]; then
	pkg=$(resolve_pkg)
	# no package lists yet (fresh machine): update once and ask again
	[[ -n $pkg ]] || { apt-get update -qq >&2 && pkg=$(resolve_pkg); }
	[[ -n $pkg ]] || { log "cannot resolve linux-image-amd64 (set VM_KERNEL_PKG)"; exit 1; }
fi
dir=$VM_DIR/$pkg
mkdir -p "$VM_DIR"
tmp=
trap 'rm -rf "$tmp"' EXIT
# one at a time (parallel run.sh)
exec 9>"$VM_DIR/.lock"
flock 9

# ---- fetch and extract, once (into a temporary dir renamed at the end: atomic)
if [[ ! -e $dir/.done ]]; then
	tmp=$(mktemp -d "$VM_DIR/.tmp.XXXXXX")
	log "fetching $pkg"
	# apt drops privileges to _apt for the download: let it write there
	chmod 0777 "$tmp"
	(cd "$tmp" && apt-get download -q "$pkg" </dev/null >&2)
	chmod 0755 "$tmp"
	dpkg-deb -x "$tmp"/"$pkg"_*.deb "$tmp/root"
	rm -f "$tmp"/"$pkg"_*.deb
	kver=$(ls "$tmp/root/lib/modules")
	[[ -n $kver && -d $tmp/root/lib/modules/$kver ]] || { log "no lib/modules/VERSION in $pkg"; exit 1; }
	depmod -b "$tmp/root" "$kver"
	ln -s "root/boot/vmlinuz-$kver" "$tmp/vmlinuz"
	echo "$kver" >"$tmp/kver"
	touch "$tmp/.done"
	rm -rf "$dir"
	mv "$tmp" "$dir"
	tmp=
fi
kver=$(cat "$dir/kver")

# ---- initramfs: rebuilt when tools/vm/init or the module list changed
stamp=$( (cat "$ROOT/tools/vm/init" && echo "$INITRD_MODULES") | sha256sum | cut -d' ' -f1)
if [[ ! -e $dir/initrd.gz || $(cat "$dir/initrd.stamp" 2>/dev/null) != "$stamp" ]]; then
	mods=$dir/root/lib/modules/$kver
	modfile() { modinfo -b "$dir/root" -k "$kver" -F filename "$1" 2>/dev/null | grep -v '^(builtin)$' || true; }
	# add NAME: NAME's dependencies first (depth first), then NAME, each once
	order=()
	add() {
		local m=$1 d
		[[ " ${order[*]} " == *" $m "* ]] && return 0
		if [[ -z $(modfile "$m") ]]; then
			# built in, or absent (the init then fails on the mount, loudly)
			grep -q "/$m.ko" "$mods/modules.builtin" 2>/dev/null || log "warning: no module $m"
			return 0
		fi
		for d in $(modinfo -b "$dir/root" -k "$kver" -F depends "$m" | tr ',' ' '); do add "$d"; done
		order+=("$m")
	}
	for m in $INITRD_MODULES; do add "$m"; done

	tmp=$(mktemp -d "$VM_DIR/.tmp.XXXXXX")
	ird=$tmp/initrd
	mkdir -p "$ird"/{bin,dev,proc,sys,lower,newroot,rw,mod}
	cp /bin/busybox "$ird/bin/busybox"
	ln -s busybox "$ird/bin/sh"
	mknod -m 600 "$ird/dev/console" c 5 1
	for m in "${order[@]}"; do
		f=$(modfile "$m")
		# busybox insmod reads plain .ko only: decompressed here
		case $f in
		*.ko.xz) xz -dc "$f" ;;
		*.ko.zst) zstd -qdc "$f" ;;
		*.ko.gz) gzip -dc "$f" ;;
		*) cat "$f" ;;
		esac >"$ird/mod/$m.ko"
		echo "$m" >>"$ird/mod/order"
	done
	install -m 0755 "$ROOT/tools/vm/init" "$ird/init"
	(cd "$ird" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -9 >"$tmp/initrd.gz"
	mv "$tmp/initrd.gz" "$dir/initrd.gz"
	echo "$stamp" >"$dir/initrd.stamp"
	log "$pkg: kernel $kver, initramfs modules: ${order[*]}"
fi
echo "$dir"
