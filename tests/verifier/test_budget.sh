#!/bin/bash
# The verifier's budget, on the kernel this runs on (the host's, and Debian
# 12's 6.1 in the kernel matrix): every program of the object loads with at
# most half of the verifier's 1,000,000 processed instructions
# (tools/verifier/xnat-verifier.c). Then the check's twins: it fails when a
# program passes the budget, and when the kernel refuses one.
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
VERIFIER=$BUILD/xnat-verifier
n=0 failed=0
tap() { # tap VERDICT DESCRIPTION
	n=$((n + 1))
	[[ $1 == ok ]] || failed=$((failed + 1))
	echo "$1 $n - $2"
}
[[ -x $VERIFIER ]] || { tap "not ok" "no $VERIFIER: build first (make tests)"; echo "1..$n"; exit 1; }

# The check itself: one line per program.
out=$("$VERIFIER" --tap)
rc=$?
while IFS= read -r line; do
	[[ $line =~ ^(not\ ok|ok)\ [0-9]+\ -\ (.*)$ ]] && tap "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
done <<<"$out"
# The object's programs, counted apart from libbpf: global functions
# outside .text (the rest of .text are BPF global functions, not programs).
OBJ=$BUILD/bpf/xnat.bpf.o
text=$(readelf -SW "$OBJ" 2>/dev/null | sed -n 's/^ *\[ *\([0-9]*\)\] \.text .*/\1/p')
in_object=$(readelf -sW "$OBJ" 2>/dev/null | awk -v t="$text" '$4 == "FUNC" && $5 == "GLOBAL" && $7 != t' | wc -l)
programs=$(grep -c '^\(not \)\?ok ' <<<"$out")
if ((in_object > 0 && programs == in_object)); then tap ok "xnat-verifier measured the object's $programs programs"
else tap "not ok" "xnat-verifier measured $programs programs, the object has $in_object"; fi
if (((rc == 0) == (failed == 0))); then tap ok "xnat-verifier's exit status ($rc) agrees with its lines"
else tap "not ok" "xnat-verifier's exit status ($rc) disagrees with its lines"; fi

# Its twins: the same check, made to fail.
out=$("$VERIFIER" --tap --budget 1000)
rc=$?
if ((rc == 1)) && grep -q '^not ok .* xnat_xdp_lan .*budget 1000' <<<"$out"; then
	tap ok "a budget of 1,000 instructions: xnat_xdp_lan is over it, exit 1"
else
	tap "not ok" "a budget of 1,000 instructions passed (exit $rc)"
fi
out=$(XNAT_TEST_REFUSE=xnat_sip_tc "$VERIFIER" --tap)
rc=$?
if ((rc == 1)) && grep -q '^not ok .* xnat_sip_tc on Linux .*: refused: ' <<<"$out" &&
	grep -q '^ok .* xnat_tc_egress ' <<<"$out"; then
	tap ok "a program the kernel refuses fails the check, with the verifier's reason; the others are still measured"
else
	tap "not ok" "a refused program did not fail the check (exit $rc)"
fi
echo "1..$n"
((failed == 0))
