#!/bin/bash
# run.sh FUZZER SECONDS: run a libFuzzer target (build/fuzz/fuzz_NAME) for
# SECONDS on a copy of its seed corpus (tests/fuzz/corpus/NAME: the repo's
# corpus is never written). Prints one TAP line: executions and findings.
# A crash leaves its input in build/fuzz/ (crash-*): make it a regression test.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
fuzzer=$1 secs=${2:-20}
name=${fuzzer##*/fuzz_}
work=$(mktemp -d /tmp/xnat-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -r "tests/fuzz/corpus/$name/." "$work/" 2>/dev/null
"$fuzzer" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$(dirname "$fuzzer")/" \
	"$work" >"$work.log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work.log")
echo "1..1"
if ((rc == 0)); then
	echo "ok 1 - fuzz_$name: ${execs:-?} executions in ${secs} s, no crash"
else
	grep -E '^(==[0-9]+==ERROR|SUMMARY|artifact_prefix)|Test unit written' "$work.log" | sed 's/^/# /'
	echo "not ok 1 - fuzz_$name: crashed after ${execs:-?} executions (input in $(dirname "$fuzzer"))"
fi
rm -f "$work.log"
exit $rc
