#!/bin/bash
# `make install` puts the binaries, the BPF object, the config example and
# the systemd unit (with the real binary path) in place.
set -uo pipefail
cd "$(dirname "$0")/../.."
DEST=$(mktemp -d)
trap 'rm -rf "$DEST"' EXIT
n=0 failures=0
check() {
	local what=$1; shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $what"; else failures=$((failures + 1)); echo "not ok $n - $what"; fi
}

make -s install DESTDIR="$DEST" PREFIX=/usr OUT="${BUILD:-build}" >/dev/null
check "make install exits 0" test $? -eq 0
check "xnatd installed" test -x "$DEST/usr/sbin/xnatd"
check "xnatctl installed" test -x "$DEST/usr/sbin/xnatctl"
check "BPF object installed" test -f "$DEST/usr/lib/xnat/xnat.bpf.o"
check "config example installed" test -f "$DEST/etc/xnat/xnat.conf.example"
check "systemd unit points at the installed xnatd" grep -q "^ExecStart=/usr/sbin/xnatd " "$DEST/lib/systemd/system/xnatd.service"
check "installed xnatd runs (xnatd --version)" grep -q "^xnatd " <<<"$("$DEST/usr/sbin/xnatd" --version)"
echo "1..$n"
((failures == 0))
