#!/bin/bash
# Writes DIR/RESULTS.md and the PNG plots from the TSV files `run.sh` left in DIR.
set -uo pipefail
DIR=${1:-docs/bench}
TSV=$DIR/results.tsv
CONTENDERS=(limit xnat nft kernel xnat_tc)

get() { awk -F'\t' -v w="$1" -v c="$2" -v col="$3" '$1 == w && $2 == c {print $col}' "$TSV"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}'; }
mpps() { awk -v p="$1" 'BEGIN {printf "%.3f", p / 1e6}'; }
workloads() { awk -F'\t' 'NR > 1 && !seen[$1]++ {print $1}' "$TSV"; }

# plot COLUMN FORMATTER FILE TITLE: one clustered bar chart, workloads x contenders.
plot() {
	local col=$1 fmt=$2 png=$3 title=$4 data=$DIR/.plot.dat
	{
		printf 'workload'; printf ' %s' "${CONTENDERS[@]}"; printf '\n'
		for w in $(workloads); do
			printf '%s' "$w"
			for c in "${CONTENDERS[@]}"; do printf ' %s' "$($fmt "$(get "$w" "$c" "$col")")"; done
			printf '\n'
		done
	} >"$data"
	gnuplot <<-GP
	set terminal pngcairo size 1000,500 noenhanced
	set output "$DIR/$png"
	set title "$title"
	set style data histograms
	set style histogram clustered gap 1
	set style fill solid 0.8 border -1
	set key outside right
	set xtics rotate by -20
	set yrange [0:*]
	plot for [i=2:$((${#CONTENDERS[@]} + 1))] "$data" using i:xtic(1) title columnheader(i)
	GP
	rm -f "$data"
}

as_is() { echo "$1"; }

plots() {
	command -v gnuplot >/dev/null || return 0
	plot 3 mpps throughput.png "Loss-free forwarding rate, 64-byte UDP (Mpps, higher is better)"
	plot 4 as_is gateway_cpu.png "Gateway CPU time per forwarded packet (ns, lower is better)"
}

table() {
	echo "| workload | contender | loss-free Mpps | x nft | / limit | gateway CPU ns/pkt | above limit ns/pkt | BPF ns/pkt |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|"
	for w in $(workloads); do
		local nft lim limcost
		nft=$(get "$w" nft 3) lim=$(get "$w" limit 3) limcost=$(get "$w" limit 4)
		for c in "${CONTENDERS[@]}"; do
			local p cost bpf
			p=$(get "$w" "$c" 3) cost=$(get "$w" "$c" 4) bpf=$(get "$w" "$c" 5)
			printf '| %s | %s | %s | %s | %s | %.0f | %s | %s |\n' "$w" "$c" "$(mpps "$p")" \
				"$(ratio "$p" "$nft")" "$(ratio "$p" "$lim")" "$cost" \
				"$(awk -v a="$cost" -v b="$limcost" 'BEGIN {printf "%.0f", a - b}')" \
				"$(awk -v b="$bpf" 'BEGIN {print (b > 0 ? b : "-")}')"
		done
	done
}

sv() { awk -F'\t' -v k="$1" '$1 == k {print $2}' "$DIR/scale.tsv" 2>/dev/null; }
verdict() { awk -v ok="$1" 'BEGIN {print (ok ? "met" : "**not met**")}'; }

# above W C: C's gateway CPU ns above the no-NAT limit's in workload W
above() { awk -v a="$(get "$1" "$2" 4)" -v b="$(get "$1" limit 4)" 'BEGIN {printf "%.0f", a - b}'; }
# nat_ratio W: how many times nft's own cost (above the limit) xnat's is; "inf" when xnat's is none
nat_ratio() {
	awk -v n="$(above "$1" nft)" -v x="$(above "$1" xnat)" 'BEGIN {if (x <= 0) print "inf"; else printf "%.1f", n / x}'
}
ge() { awk -v a="$1" -v b="$2" 'BEGIN {print (a == "inf" || a + 0 >= b)}'; }
cv() { awk -F'\t' -v k="$1" '$1 == k {print $2}' "$DIR/cost.tsv" 2>/dev/null; }
# iperf GBIT CONTENDER: the median of its rounds
iperf_median() {
	awk -F'\t' -v c="$1" '$2 == c {print $3}' "$DIR/iperf3.tsv" 2>/dev/null | sort -g |
		awk '{v[NR] = $1} END {print NR ? v[int((NR + 1) / 2)] : 0}'
}

targets() {
	local w ok_rate=1 rates="" bpfk bpf100 limk lim100 x1 l1 xk lk setup_x setup_n nf sip bpm r1m tx tt tn
	for w in udp64_1flow udp64_1k_flows udp64_100k_flows replies_1k_flows; do
		rates+="${rates:+, }${w#udp64_} $(ratio "$(get "$w" xnat 3)" "$(get "$w" kernel 3)")"
		[[ $(ge "$(ratio "$(get "$w" xnat 3)" "$(get "$w" kernel 3)")" 1) == 1 ]] || ok_rate=0
	done
	bpfk=$(get udp64_1k_flows xnat 5) limk=$(get udp64_1k_flows limit 5)
	bpf100=$(get udp64_100k_flows xnat 5) lim100=$(get udp64_100k_flows limit 5)
	x1=$(get udp64_1flow xnat 3) l1=$(get udp64_1flow limit 3)
	xk=$(get udp64_1k_flows xnat 3) lk=$(get udp64_1k_flows limit 3)
	setup_x=$(get new_flow_per_packet xnat 3) setup_n=$(get new_flow_per_packet nft 3)
	nf=$(cv new_flow_ns) sip=$(cv sip_invite_ns) bpm=$(sv bytes_per_mapping) r1m=$(sv lookup_1m_over_1k)
	tx=$(iperf_median xnat) tt=$(iperf_median xnat_tc) tn=$(iperf_median nft)
	echo "## Targets"
	echo
	echo "| target | measured | verdict |"
	echo "|---|---|---|"
	echo "| the NAT's own CPU cost (above the no-NAT limit) >= 10x below nft's, 1k flows | nft $(above udp64_1k_flows nft) ns, xnat $(above udp64_1k_flows xnat) ns: $(nat_ratio udp64_1k_flows)x | $(verdict "$(ge "$(nat_ratio udp64_1k_flows)" 10)") |"
	echo "| ... >= 6x below, 100k flows | nft $(above udp64_100k_flows nft) ns, xnat $(above udp64_100k_flows xnat) ns: $(nat_ratio udp64_100k_flows)x | $(verdict "$(ge "$(nat_ratio udp64_100k_flows)" 6)") |"
	echo "| BPF ns per established packet <= the limit's + 40, 1k flows | $bpfk vs $limk ($(awk -v a="$bpfk" -v b="$limk" 'BEGIN {printf "%+.0f", a - b}')) | $(verdict "$(awk -v a="$bpfk" -v b="$limk" 'BEGIN {print (a <= b + 40)}')") |"
	echo "| ... <= the limit's + 120, 100k flows | $bpf100 vs $lim100 ($(awk -v a="$bpf100" -v b="$lim100" 'BEGIN {printf "%+.0f", a - b}')) | $(verdict "$(awk -v a="$bpf100" -v b="$lim100" 'BEGIN {print (a <= b + 120)}')") |"
	echo "| loss-free rate >= plain kernel forwarding, every established workload (xnat / kernel) | $rates | $(verdict "$ok_rate") |"
	echo "| ... >= 0.95 of the limit at 1 and 1k flows | $(ratio "$x1" "$l1"), $(ratio "$xk" "$lk") | $(verdict "$(awk -v a="$(ratio "$x1" "$l1")" -v b="$(ratio "$xk" "$lk")" 'BEGIN {print (a >= 0.95 && b >= 0.95)}')") |"
	echo "| a new flow <= 400 ns (BPF_PROG_TEST_RUN) | ${nf:-?} ns | $(verdict "$(awk -v a="${nf:-9999}" 'BEGIN {print (a <= 400)}')") |"
	echo "| connection setup >= 4x nftables (rate) | $(ratio "$setup_x" "$setup_n")x | $(verdict "$(ge "$(ratio "$setup_x" "$setup_n")" 4)") |"
	echo "| per-packet cost at 1M sessions <= 1.5x at 1k | ${r1m:-?}x | $(verdict "$(awk -v a="${r1m:-99}" 'BEGIN {print (a <= 1.5)}')") |"
	echo "| TCP bulk >= nftables (iperf3, Gbit/s, medians) | xnat (XDP) $tx, xnat_tc $tt, nft $tn | $(verdict "$(awk -v a="$tx" -v b="$tn" 'BEGIN {print (a >= b)}')") (XDP), $(verdict "$(awk -v a="$tt" -v b="$tn" 'BEGIN {print (a >= b)}')") (TC) |"
	echo "| a SIP INVITE with SDP through the ALG <= 2 us (BPF_PROG_TEST_RUN) | ${sip:-?} ns | $(verdict "$(awk -v a="${sip:-999999}" 'BEGIN {print (a <= 2000)}')") |"
	echo "| <= 128 bytes of map memory per mapping | ${bpm:-?} bytes | $(verdict "$(awk -v a="${bpm:-999}" 'BEGIN {print (a <= 128)}')") |"
	[[ -s $DIR/explain.md ]] && { echo; cat "$DIR/explain.md"; }
}

{
	echo "# Benchmarks: xnat against the kernel's NAT"
	echo
	echo "Reproduce: \`make bench\` (as root; \`QUICK=1 make bench\` for a short run)."
	echo "Run of $(date -u '+%Y-%m-%d %H:%M UTC') on $(uname -r), $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), a shared VM."
	echo
	echo "Topology: LAN host -> gateway -> WAN host, network namespaces joined by veth. CPU 0 runs the"
	echo "generator (AF_PACKET, 64-byte frames, batches of 64, paced; the veth ring backpressures it)"
	echo "and CPU 1 the gateway (threaded NAPI of its ingress veth pinned there) and the sink (an XDP"
	echo "program counting at the WAN host). Contenders: **limit** = XDP redirect with no NAT,"
	echo "**xnat** (XDP native), **nft** = nftables masquerade with conntrack, **kernel** = plain forwarding, no NAT,"
	echo "**xnat_tc** = xnat on its TC path (what veth gets by default). The XDP contenders (limit, xnat) run"
	echo "with the hosts' transmit checksum offload off and GRO on (XDP on veth can't complete a partial checksum,"
	echo "and a frame redirected into a veth whose peer has neither GRO nor XDP is lost); the others keep veth's defaults,"
	echo "but for TSO on the generator in the packet-rate workloads: without it veth hands every contender's frames"
	echo "to the gateway veth's NAPI on CPU 1 (with it, the stack forwards on the generator's CPU)."
	echo "Each figure is the median of rounds that alternate the contenders; a trial counts only if"
	echo "under 0.1 % of the frames were lost (else its rate is halved)."
	echo
	echo "*Gateway CPU ns/pkt* is CPU 1's busy time (from /proc/stat) per packet received at the sink;"
	echo "it includes veth, NAPI and the sink, the same for every contender. *Above limit* subtracts the"
	echo "no-NAT XDP figure: what the NAT itself costs. *BPF ns/pkt* is \`kernel.bpf_stats_enabled\`"
	echo "run time per run of the gateway's XDP programs."
	echo
	echo "![throughput](throughput.png) ![cpu](gateway_cpu.png)"
	echo
	targets
	echo
	echo "## Forwarding, 64-byte UDP"
	echo
	table
	if [[ -s $DIR/iperf3.tsv ]]; then
		echo
		echo "## TCP bulk (iperf3, one stream, LAN -> WAN, Gbit/s per round)"
		echo
		echo "| contender | rounds |"
		echo "|---|---|"
		for c in "${CONTENDERS[@]}"; do
			echo "| $c | $(awk -F'\t' -v c="$c" '$2 == c {printf "%s ", $3}' "$DIR/iperf3.tsv")|"
		done
	fi
	if [[ -s $DIR/bridge.tsv ]]; then
		echo
		echo "## A bridge as the LAN (br0 with the LAN port in it)"
		echo
		echo "A bridge has no native XDP. **xnat_br**: xnatd's default on a bridge of veths, TC on br0."
		echo "**xnat_brx**: XDP on the bridge's port (\`--xdp-mode native\`, forced on a veth port),"
		echo "which translates LAN -> WAN and redirects; replies still go through the bridge (its FDB picks"
		echo "the port) and TC. **kernel_br** forwards through the bridge without NAT. Ratios are to"
		echo "xnat_br of the same run; the last column is to xnat on a plain port (above, its own run)."
		echo
		echo "| workload | contender | loss-free Mpps | gateway CPU ns/pkt | BPF ns/pkt | this / xnat_br | xnat (XDP, plain port) / this |"
		echo "|---|---|---:|---:|---:|---:|---:|"
		awk -F'\t' 'NR > 1' "$DIR/bridge.tsv" | while IFS=$'\t' read -r w c p cost bpf; do
			br=$(awk -F'\t' -v w="$w" '$1 == w && $2 == "xnat_br" {print $3}' "$DIR/bridge.tsv")
			printf '| %s | %s | %s | %.0f | %s | %s | %s |\n' "$w" "$c" "$(mpps "$p")" "$cost" \
				"$(awk -v b="$bpf" 'BEGIN {print (b > 0 ? b : "-")}')" "$(ratio "$p" "$br")" \
				"$(ratio "$(get "$w" xnat 3)" "$p")"
		done
	fi
	for extra in prog_cost profile scale; do
		[[ -s $DIR/$extra.md ]] && { echo; cat "$DIR/$extra.md"; }
	done
	[[ -s $DIR/notes.md ]] && { echo; cat "$DIR/notes.md"; }
} >"$DIR/RESULTS.md"
plots
echo "wrote $DIR/RESULTS.md"
