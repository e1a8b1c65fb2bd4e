#!/bin/bash
# tests/run's counting (tests/lib/suites.sh), on made-up suites: each way a
# suite can fail without saying "not ok" is a failure, and a whole, planned
# run of passes is not.
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/suites.sh
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
k=0 bad=0
tap() { k=$((k + 1)); [[ $1 == ok ]] || bad=$((bad + 1)); echo "$1 $k - $2"; }

# counted WHAT SCRIPT: the counts run_suite makes of a suite printing SCRIPT's output
counted() {
	local n=0 passed=0 failed=0 skipped=0 ONLY= SUITE_TIMEOUT=10
	printf '#!/bin/bash\n%s\n' "$2" >"$TMP/suite"
	chmod +x "$TMP/suite"
	run_suite s "$TMP/suite" >"$TMP/out"
	echo "$passed $failed $skipped"
}
expect() { # expect WHAT WANT SCRIPT
	local got
	got=$(counted "$1" "$3")
	if [[ $got == "$2" ]]; then tap ok "$1 (passed failed skipped: $got)"
	else tap "not ok" "$1: counted '$got', want '$2'"; sed 's/^/# /' "$TMP/out"; fi
}

expect "two passes and their plan: 2 passed" "2 0 0" 'echo "ok 1 - a"; echo "ok 2 - b"; echo "1..2"'
expect "the plan first (cmocka) counts the same" "2 0 0" 'echo "1..2"; echo "ok 1 - a"; echo "ok 2 - b"'
expect "a skip, even as cmocka's not-ok-with-SKIP-directive" "1 0 1" 'echo "ok 1 - a"; echo "not ok 2 - b # SKIP no x"; echo "1..2"'
expect "a not ok is a failure" "1 1 0" 'echo "ok 1 - a"; echo "not ok 2 - b"; echo "1..2"; exit 1'
expect "exit status 0 and no test line: a failure" "0 1 0" 'echo "nothing to see"'
expect "exit 1 without a not ok: a failure" "1 1 0" 'echo "ok 1 - a"; echo "1..1"; exit 1'
expect "no plan: a failure (cut short?)" "1 1 0" 'echo "ok 1 - a"'
expect "a plan of 3 with 2 printed: a failure" "2 1 0" 'echo "ok 1 - a"; echo "ok 2 - b"; echo "1..3"'
expect "two cmocka groups, a plan each: counted together" "3 0 0" \
	'echo "1..1"; echo "ok 1 - a"; echo "1..2"; echo "ok 1 - b"; echo "ok 2 - c"'
n=0 passed=0 failed=0 skipped=0 ONLY=
run_built missing "$TMP/no-such-suite" "$TMP/no-such-suite" >"$TMP/out"
if ((failed == 1)) && grep -q "missing or not executable" "$TMP/out"; then tap ok "a suite not built: a failure"
else tap "not ok" "a suite not built: failed=$failed"; fi
: >"$TMP/plain"
n=0 passed=0 failed=0 skipped=0
run_built plain "$TMP/plain" "$TMP/plain" >"$TMP/out"
if ((failed == 1)); then tap ok "a script not executable: a failure"
else tap "not ok" "a script not executable: failed=$failed"; fi
n=0 passed=0 failed=0 skipped=0 ONLY='^other$'
run_built missing "$TMP/no-such-suite" "$TMP/no-such-suite" >"$TMP/out"
if ((failed == 0)); then tap ok "... unless ONLY leaves it out"
else tap "not ok" "ONLY left it out, yet failed=$failed"; fi
echo "1..$k"
((bad == 0))
