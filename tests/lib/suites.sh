# shellcheck shell=bash
# How tests/run counts a suite's TAP output (sourced; tests/lib/test_suites.sh
# checks it). The caller sets n, passed, failed, skipped (counts so far),
# ONLY (a regex of suite names, or empty) and SUITE_TIMEOUT (seconds).

# run_suite NAME CMD...: its TAP lines are renumbered and prefixed with NAME.
# A suite fails (one "not ok" more) when it exits non-zero without a
# "not ok" line of its own, when it prints no test line at all, and when
# its plan (1..N) says another number of tests than it printed, or is
# missing: a suite cut short is not a pass.
run_suite() {
	local name=$1 out rc line bad=0 tests=0 plan=
	shift
	[[ -n $ONLY && ! $name =~ $ONLY ]] && return
	out=$(mktemp)
	timeout --kill-after=10 "${RUN_TIMEOUT:-$SUITE_TIMEOUT}" "$@" >"$out" 2>&1 </dev/null
	rc=$?
	while IFS= read -r line; do
		if [[ $line =~ ^(not\ ok|ok)\ [0-9]+\ *-?\ *(.*)$ ]]; then
			n=$((n + 1)) tests=$((tests + 1))
			local verdict=${BASH_REMATCH[1]} desc=${BASH_REMATCH[2]}
			# a skip is a skip, whatever the verdict word (cmocka says "not ok ... # SKIP")
			if [[ $desc =~ \#\ *[Ss][Kk][Ii][Pp] ]]; then
				verdict=ok
				skipped=$((skipped + 1))
			elif [[ $verdict == "not ok" ]]; then
				failed=$((failed + 1)); bad=1
			else
				passed=$((passed + 1))
			fi
			echo "$verdict $n - $name: $desc"
		elif [[ $line =~ ^1\.\.([0-9]+) ]]; then
			plan=$((${plan:-0} + BASH_REMATCH[1])) # cmocka: one plan per group
		elif [[ $line =~ ^# ]]; then
			:
		elif [[ -n $line ]]; then
			echo "    $line"
		fi
	done <"$out"
	rm -f "$out"
	if ((rc != 0 && bad == 0)); then
		suite_failed "$name" "exited with status $rc$( ((rc == 124)) && echo ' (timeout)')"
	elif ((tests == 0)); then
		suite_failed "$name" "printed no test line (exit status $rc)"
	elif [[ -z $plan ]]; then
		suite_failed "$name" "printed no plan (1..N) after its $tests tests: cut short?"
	elif ((plan != tests)); then
		suite_failed "$name" "planned $plan tests, printed $tests"
	fi
}

# suite_failed NAME WHY: one failure for a suite as a whole.
suite_failed() {
	n=$((n + 1)) failed=$((failed + 1))
	echo "not ok $n - $1: $2"
}

# run_built NAME PATH CMD...: run_suite, or a failure when the build did not
# make PATH: a test that is not there is not a pass.
run_built() {
	local name=$1 path=$2
	shift 2
	[[ -n $ONLY && ! $name =~ $ONLY ]] && return
	if [[ -x $path ]]; then
		run_suite "$name" "$@"
	else
		suite_failed "$name" "$path is missing or not executable (build first: make tests)"
	fi
}
