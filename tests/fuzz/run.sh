#!/bin/bash
# run.sh FUZZER SECONDS: exploration (make fuzz): a libFuzzer target
# (build/fuzz/fuzz_NAME) for SECONDS from a random seed, on a copy of its
# seed corpus (tests/fuzz/corpus/NAME: the repo's corpus is never written).
# run.sh --runs N FUZZER: the same verdict every time (make test): the
# committed corpus replayed, input by input, then N inputs made from it by
# tests/fuzz/mutants.c from seed 1 (libFuzzer's own search from a fixed
# -seed is not repeatable: it found different inputs run after run here).
# Prints TAP lines: executions and findings. A crash leaves its input in
# build/fuzz/ (crash-*): fix it and make it a seed (tests/fuzz/corpus/NAME).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
runs=
if [[ ${1:-} == --runs ]]; then
	runs=$2
	shift 2
fi
fuzzer=$1 secs=${2:-20}
name=${fuzzer##*/fuzz_}
work=$(mktemp -d /tmp/xnat-fuzz.XXXXXX)
trap 'rm -rf "$work" "$work.log"' EXIT
cp -r "tests/fuzz/corpus/$name/." "$work/" 2>/dev/null
n=0 failed=0

# run WHAT ARGS...: one libFuzzer run on the corpus copy, one TAP line
run() {
	local what=$1 rc execs
	shift
	"$fuzzer" "$@" -print_final_stats=1 -artifact_prefix="$(dirname "$fuzzer")/" "$work" >"$work.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work.log")
	n=$((n + 1))
	if ((rc == 0)); then
		echo "ok $n - fuzz_$name: $what: ${execs:-?} executions, no crash"
	else
		failed=$((failed + 1))
		grep -E '^(==[0-9]+==ERROR|SUMMARY|artifact_prefix)|Test unit written|check failed' "$work.log" | sed 's/^/# /'
		echo "not ok $n - fuzz_$name: $what: crashed after ${execs:-?} executions (input in $(dirname "$fuzzer"))"
	fi
}

if [[ -n $runs ]]; then
	seeds=$(find "$work" -type f | wc -l)
	run "the $seeds seeds of the corpus replayed" -runs=0
	mkdir "$work.m"
	trap 'rm -rf "$work" "$work.log" "$work.m"' EXIT
	"$(dirname "$fuzzer")/mutants" 1 "$runs" "$work.m" "$work"/* || exit 1
	rm -rf "$work" && mv "$work.m" "$work"
	run "$runs inputs mutated from it, seed 1" -runs=0
else
	run "$secs s from a random seed" -max_total_time="$secs"
fi
echo "1..$n"
((failed == 0))
