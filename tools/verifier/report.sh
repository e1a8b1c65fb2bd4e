#!/bin/bash
# `make verifier-report`: the verifier's figures for each program of the
# object (build/xnat-verifier --tsv) on this machine's kernel and on Debian
# 12's own in the qemu guest (tools/vm), as the table of docs/verifier.md
# between its two markers; the rest of the file (how the budget is kept,
# the history) is left as it is. Root.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
DOC=${1:-docs/verifier.md}
V=$BUILD/xnat-verifier
[[ -x $V ]] || { echo "report.sh: no $V (make tests)" >&2; exit 1; }

host=$("$V" --tsv) || true
guest=$(tools/vm/run.sh -- "$V" --tsv) || true
[[ -n $host && -n $guest ]] || { echo "report.sh: no figures from one of the kernels" >&2; exit 1; }

# kernel  program  insns  states  peak  usec  verdict  reason
table() {
	local k1 k2
	k1=$(cut -f1 <<<"$host" | head -1)
	k2=$(cut -f1 <<<"$guest" | head -1)
	echo "Measured $(date -u +%Y-%m-%d) at $(git rev-parse --short HEAD 2>/dev/null || echo '?'); budget: 500,000 processed instructions (half the verifier's limit) on each kernel."
	echo
	echo "| program | $k1: insns | states | time (ms) | $k2: insns | states | time (ms) |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	join -t $'\t' -j 1 <(cut -f2- <<<"$host" | sort) <(cut -f2- <<<"$guest" | sort) |
		awk -F'\t' '
		function thousands(n,   s) {
			s = sprintf("%d", n)
			while (s ~ /[0-9][0-9][0-9][0-9]/)
				sub(/[0-9][0-9][0-9]($|,)/, ",&", s)
			return s
		}
		function cell(insns, verdict, reason) {
			if (verdict == "refused")
				return "refused: " reason
			return sprintf("%s (%.1f%%)%s", thousands(insns), insns / 10000, verdict == "ok" ? "" : " " verdict)
		}
		{ printf "| %s | %s | %d | %.1f | %s | %d | %.1f |\n", $1, cell($2, $6, $7), $3, $5 / 1000,
			cell($8, $12, $13), $9, $11 / 1000 }'
}

new=$(table)
begin='<!-- verifier-report: begin -->' end='<!-- verifier-report: end -->'
[[ -e $DOC ]] || printf '# Verifier budget\n\n%s\n%s\n' "$begin" "$end" >"$DOC"
grep -q "$begin" "$DOC" || { echo "report.sh: $DOC has no '$begin' marker" >&2; exit 1; }
awk -v b="$begin" -v e="$end" -v t="$new" '
	$0 == b { print; print t; skip = 1; next }
	$0 == e { skip = 0 }
	!skip' "$DOC" >"$DOC.tmp"
mv "$DOC.tmp" "$DOC"
echo "$new"
