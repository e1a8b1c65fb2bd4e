#!/bin/bash
# `make bench`: xnat against the kernel's own NAT, side by side, in network
# namespaces on one machine. Writes docs/bench/RESULTS.md, results.tsv and
# PNG plots. Contenders, on the same topology (tests/e2e/lib.sh):
#   limit   XDP redirect with no NAT (bench_fwd)     xnat    xnatd, XDP native
#   nft     nftables masquerade + conntrack          kernel  plain forwarding, no NAT
#   xnat_tc xnatd on the TC path (veth's default)
# Then the LAN as a bridge (br0 with gl1 in it, a home router's br-lan):
#   xnat_br xnatd, TC on br0 (a bridge's path)       kernel_br plain forwarding
#   xnat_brx xnatd, XDP on br0's port (--xdp-mode native, agent/xnatd/bridge.c)
# CPU 0 runs the generator, CPU 1 the gateway (threaded NAPI of its ingress
# veth pinned there) and the sink; the gateway's CPU time per packet is read
# from /proc/stat. Trials alternate the contenders.
#   QUICK=1  fewer and shorter trials (a smoke run)
#   SECTIONS="cost main iperf3 bridge"  the parts to run (default: all); a
#            part left out keeps its previous figures, and RESULTS.md says
#            which parts ran when
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
export BUILD=${BUILD:-build}
QUICK=${QUICK:-0}
SECTIONS=" ${SECTIONS:-cost main iperf3 bridge} "
section() { [[ $SECTIONS == *" $1 "* ]]; }
OUT=docs/bench
BENCH=$(realpath "$BUILD/xnat-bench")
E2E_TIMEOUT=${E2E_TIMEOUT:-3600} # the e2e watchdog: a bench runs minutes
source tests/e2e/lib.sh
GW=xnat

tools/install-deps.sh --bench >/dev/null || exit 1
mkdir -p "$OUT"
TSV=$OUT/results.tsv
TRIAL_S=$([[ $QUICK == 1 ]] && echo 0.3 || echo 0.6)
GEN_MAX=1400000                # offered rate ceiling tried (generator: one CPU)
CONTENDERS=(limit xnat nft kernel xnat_tc)
LOSS_OK=0.001                  # a trial is loss-free if under 0.1 % is lost

log() { printf '%s\n' "$*" >&2; }
old_stats=$(sysctl -n kernel.bpf_stats_enabled)
bench_cleanup() { sysctl -qw kernel.bpf_stats_enabled="$old_stats"; e2e_cleanup; }
trap bench_cleanup EXIT

mac() { ip -n "$1" -br link show "$2" | awk '{print $3}'; }

bench_topology() {
	e2e_setup || return 1
	# The gateway's receive work on CPU 1: threaded NAPI, one kthread per veth.
	for dev in gl1 gw0; do
		gw ethtool -K "$dev" gro on >/dev/null
		ip netns exec "$NS_GW" sh -c "echo 1 > /sys/class/net/$dev/threaded"
	done
	pin_napi
	gw sysctl -qw net.netfilter.nf_conntrack_max=2000000 2>/dev/null
	# Every contender forwards: the no-NAT ones (limit's bpf_fib_lookup
	# answers "forwarding disabled" otherwise) as much as xnatd, which
	# turns it on itself.
	gw sysctl -qw net.ipv4.ip_forward=1
	sysctl -qw kernel.bpf_stats_enabled=1
	L1_MAC=$(mac "$NS_LAN1" l1) GL1_MAC=$(mac "$NS_GW" gl1)
	W0_MAC=$(mac "$NS_WAN" w0) GW0_MAC=$(mac "$NS_GW" gw0)
	# Neighbours that never expire: a re-probe in the middle of a trial would stall it.
	gw ip neigh replace $WAN lladdr "$W0_MAC" dev gw0 nud permanent
	gw ip neigh replace $LAN1 lladdr "$L1_MAC" dev gl1 nud permanent
	wan ip neigh replace $EXT lladdr "$GW0_MAC" dev w0 nud permanent
	lan1 ip neigh replace 192.168.1.1 lladdr "$GL1_MAC" dev l1 nud permanent
}

# host_offloads xdp|default: the hosts' veth settings. XDP on veth can't
# see a CHECKSUM_PARTIAL packet (a local socket's, with transmit checksum
# offload on): its checksum would leave incomplete and TCP would stall; and
# a frame XDP redirects into a veth is dropped unless the peer has GRO on
# (or XDP). So the XDP contenders run with tx off and GRO on at the hosts,
# as a veth user who forces XDP must; the others keep veth's defaults (tx
# on: GSO and checksum offload, what nft and TC get; GRO off).
# HOST_TSO=off (the packet-rate workloads): the generator's veth without
# TSO, so that veth hands every contender's frames to the gateway veth's
# NAPI on CPU 1 (with TSO on it runs the stack's forwarding in the sender's
# context, on the generator's CPU); TCP bulk keeps TSO for the stack paths.
HOST_TSO=on
host_offloads() {
	local tx=on gro=off
	[[ $1 == xdp ]] && tx=off gro=on
	lan1 ethtool -K l1 tx $tx gro $gro >/dev/null && wan ethtool -K w0 tx $tx gro $gro >/dev/null || return 1
	if [[ $tx == on ]]; then
		lan1 ethtool -K l1 tso $HOST_TSO >/dev/null && wan ethtool -K w0 tso $HOST_TSO >/dev/null
	fi
}

contender_up() {
	case $1 in
	limit | xnat | xnat_brx) host_offloads xdp ;;
	esac
	case $1 in
	limit) "$BENCH" fwd "$NS_GW" gl1 gw0 && wan ip route add 192.168.0.0/16 via $EXT ;;
	xnat) XDP_MODE=native xnatd_start "[nat]\nmax-sessions = ${XNAT_SESSIONS:-131072}\n" ;;
	xnat_tc) XDP_MODE=none xnatd_start "[nat]\nmax-sessions = ${XNAT_SESSIONS:-131072}\n" ;;
	xnat_br) XNATD_LANS="br0 gl2" xnatd_start "[nat]\nmax-sessions = ${XNAT_SESSIONS:-131072}\n" ;;
	xnat_brx) XDP_MODE=native XNATD_LANS="br0 gl2" xnatd_start "[nat]\nmax-sessions = ${XNAT_SESSIONS:-131072}\n" ;;
	kernel_br) wan ip route add 192.168.0.0/16 via $EXT ;;
	nft) nft_start ;;
	kernel) wan ip route add 192.168.0.0/16 via $EXT ;;
	esac
	pin_napi
}

# The gateway's receive work on CPU 1, whoever the contender: an XDP attach
# or detach restarts a veth's NAPI, and its new kthread runs anywhere (the
# generator's CPU too, where the stack's forwarding then hides).
pin_napi() {
	local pid
	for pid in $(pgrep -f 'napi/(gl1|gw0|br0)-'); do taskset -p 2 "$pid" >/dev/null; done
}

contender_down() {
	case $1 in
	limit) gw ip link set gl1 xdp off; gw ip link set gw0 xdp off
	       wan ip route del 192.168.0.0/16 via $EXT ;;
	xnat*) xnatd_signal TERM; gw "$XNATD" --unload --pin-root "$PIN" >/dev/null ;;
	kernel_br) wan ip route del 192.168.0.0/16 via $EXT ;;
	nft) gw nft delete table ip xe; gw conntrack -F >/dev/null 2>&1 ;;
	kernel) wan ip route del 192.168.0.0/16 via $EXT ;;
	esac
	host_offloads default
}

# send DIRECTION FLOWS LO_SPAN RATE COUNT: one generator run; prints its result line.
send() {
	local dir=$1 flows=$2 span=$3 rate=$4 count=$5
	if [[ $dir == out ]]; then
		taskset 1 "$BENCH" send --gen-ns "$NS_LAN1" --gen-dev l1 --sink-ns "$NS_WAN" --sink-dev w0 \
			--src $LAN1 --dst $WAN --src-mac "$L1_MAC" --dst-mac "$GL1_MAC" \
			--flows "$flows" --lo-span "$span" --rate "$rate" --count "$count" --gw-cpu 1
	else # replies from the WAN host to the external address (or the LAN host, without NAT)
		taskset 1 "$BENCH" send --gen-ns "$NS_WAN" --gen-dev w0 --sink-ns "$NS_LAN1" --sink-dev l1 \
			--src $WAN --dst "$REPLY_DST" --src-mac "$W0_MAC" --dst-mac "$GW0_MAC" --reply \
			--flows "$flows" --lo-span "$span" --rate "$rate" --count "$count" --gw-cpu 1
	fi
}

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }

# Workloads: name direction flows lo_span warmup(established flows to open first)
WORKLOADS=(
	"udp64_1flow out 1 1 1"
	"udp64_1k_flows out 1000 1000 1000"
	"udp64_100k_flows out 100000 1000 100000"
	"new_flow_per_packet out 0 60000 0"
	"replies_1k_flows reply 1000 1000 1000"
)

# bpf_stats of the gateway's XDP programs: "run_time_ns run_cnt", summed.
bpf_runtime() {
	bpftool -j prog show 2>/dev/null | tr '{' '\n' |
		grep -E '"name":"(xnat_xdp_lan|xnat_xdp_wan|xnat_tc_ingress|xnat_tc_egress|xnat_tc_lan|bench_fwd)"' |
		sed -n 's/.*"run_time_ns":\([0-9]*\),"run_cnt":\([0-9]*\).*/\1 \2/p' |
		awk '{t += $1; c += $2} END {print t + 0, c + 0}'
}

# trial CONTENDER WORKLOAD RATE: bring up, warm up, measure, tear down.
trial() {
	local c=$1 dir=$3 flows=$4 span=$5 warm=$6 rate=$7 count line b0 b1
	REPLY_DST=$([[ $c == xnat* || $c == nft ]] && echo $EXT || echo $LAN1)
	contender_up "$c" >/dev/null 2>&1 || { log "cannot start $c"; return 1; }
	if ((warm > 0)); then
		send out "$flows" "$span" 300000 "$warm" >/dev/null
	fi
	count=$(awk -v r="$rate" -v t="$TRIAL_S" 'BEGIN {printf "%d", r * t}')
	read -r b0 <<<"$(bpf_runtime | tr ' ' ':')"
	line=$(send "$dir" "$flows" "$span" "$rate" "$count" 2>&1 | tail -1)
	read -r b1 <<<"$(bpf_runtime | tr ' ' ':')"
	contender_down "$c" >/dev/null 2>&1
	local bpf_ns
	bpf_ns=0 # only the XDP contenders have a gateway program to time
	[[ $c == xnat* || $c == limit ]] && bpf_ns=$(awk -v a="$b0" -v b="$b1" 'BEGIN {split(a, x, ":");
		split(b, y, ":"); n = y[2] - x[2]; printf "%.1f", (n > 0 ? (y[1] - x[1]) / n : 0)}')
	echo "$line bpf_ns=$bpf_ns"
}

lossfree() { awk -v s="$1" -v r="$2" -v ok="$LOSS_OK" 'BEGIN {exit !(s > 0 && (s - r) / s <= ok)}'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR] = $1} END {print NR ? v[int((NR + 1) / 2)] : 0}'; }

# measure CONTENDER WORKLOAD...: the loss-free rate. The generator is
# backpressured by a full veth ring, so at the top rate it settles at what
# the gateway takes; if frames are lost anyway (redirect into a full ring
# drops), the rate is halved until a trial is loss-free.
measure() {
	local c=$1 rate=$GEN_MAX res sent got try
	shift
	for try in 1 2 3 4 5 6; do
		res=$(trial "$c" "$@" "$rate")
		sent=$(field sent "$res") got=$(field received "$res")
		log "  $c rate=$rate -> $res"
		if lossfree "$sent" "$got"; then
			echo "$res"
			return 0
		fi
		# nothing arrived at all: a setup hiccup, the same rate again once
		[[ $got == 0 && $try == 1 ]] && continue
		rate=$((rate / 2))
	done
	echo "received_pps=0 gw_cpu_ns=0 bpf_ns=0"
}

if section cost; then
	log "== BPF program cost and scale (BPF_PROG_TEST_RUN, private namespace)"
	"$BENCH" cost "$OUT" || log "cost measurement failed"
	log "== what each stage of the established path costs (removal profile)"
	"$BENCH" profile "$BUILD/bpf/profile" "$OUT" || log "profile failed"
fi

bench_topology || { log "topology setup failed"; exit 1; }
ROUNDS=$((QUICK ? 1 : 3))
# run_workloads TSV "CONTENDERS" WORKLOAD...: each workload, the contenders
# alternated round by round; the medians appended to TSV.
run_workloads() {
	local tsv=$1 w c round wname dir flows span warm res
	local -a contenders
	read -r -a contenders <<<"$2"
	shift 2
	for w in "$@"; do
		read -r wname dir flows span warm <<<"$w"
		local -A pps=() cost=() bpfns=()
		log "== $wname (${contenders[*]})"
		# every trial of a new flow per packet opens up to GEN_MAX * TRIAL_S sessions
		XNAT_SESSIONS=$([[ $flows == 0 ]] && echo 1100000 || echo 131072)
		for ((round = 0; round < ROUNDS; round++)); do
			for c in "${contenders[@]}"; do
				res=$(measure "$c" "$wname" "$dir" "$flows" "$span" "$warm")
				pps[$c]+=" $(field received_pps "$res")"
				cost[$c]+=" $(field gw_cpu_ns "$res")"
				bpfns[$c]+=" $(field bpf_ns "$res")"
			done
		done
		for c in "${contenders[@]}"; do
			printf '%s\t%s\t%s\t%s\t%s\n' "$wname" "$c" "$(median <<<"${pps[$c]}")" \
				"$(median <<<"${cost[$c]}")" "$(median <<<"${bpfns[$c]}")" >>"$tsv"
		done
		unset pps cost bpfns
	done
}
if section main; then
	HOST_TSO=off
	printf 'workload\tcontender\tlossfree_pps\tgw_cpu_ns\tbpf_ns\n' >"$TSV"
	run_workloads "$TSV" "${CONTENDERS[*]}" "${WORKLOADS[@]}"
	HOST_TSO=on
fi

# TCP bulk with iperf3, contenders alternated, 2 rounds.
if section iperf3; then
	printf 'tcp_bulk_iperf3\tcontender\tgbit_s\n' >"$OUT/iperf3.tsv"
	wan iperf3 -s -D --logfile /dev/null
	sleep 0.3
	for round in 1 2; do
		for c in "${CONTENDERS[@]}"; do
			contender_up "$c" >/dev/null 2>&1
			g=$(lan1 iperf3 -c $WAN -t $((QUICK ? 2 : 4)) -J 2>/dev/null |
				sed -n 's/.*"bits_per_second":[[:space:]]*\([0-9.e+]*\).*/\1/p' | tail -1)
			contender_down "$c" >/dev/null 2>&1
			printf 'tcp_bulk_iperf3\t%s\t%s\n' "$c" "$(awk -v b="${g:-0}" 'BEGIN {printf "%.2f", b / 1e9}')" >>"$OUT/iperf3.tsv"
			log "  iperf3 round $round $c: ${g:-0} bit/s"
		done
	done
fi

# ---------------------------------------------------------------- a bridge as the LAN
# gl1 into br0 (br0 takes gl1's MAC and the LAN address): xnat_br (TC on
# br0), xnat_brx (XDP on gl1, the port) and kernel_br side by side; xnat (XDP
# on a plain port, above) is the bound.
bridge_on() {
	gw ip addr del 192.168.1.1/24 dev gl1
	gw ip link add br0 type bridge
	gw ip link set br0 address "$GL1_MAC"
	gw ip link set gl1 master br0
	gw ip addr add 192.168.1.1/24 dev br0
	gw ip link set br0 up
	gw ip neigh replace $LAN1 lladdr "$L1_MAC" dev br0 nud permanent
	wait_for gw bash -c "bridge link show dev gl1 | grep -q forwarding"
}
BR_WORKLOADS=("udp64_1k_flows out 1000 1000 1000" "replies_1k_flows reply 1000 1000 1000")
if section bridge; then
	HOST_TSO=off
	printf 'workload\tcontender\tlossfree_pps\tgw_cpu_ns\tbpf_ns\n' >"$OUT/bridge.tsv"
	if bridge_on; then
		run_workloads "$OUT/bridge.tsv" "xnat_br xnat_brx kernel_br" "${BR_WORKLOADS[@]}"
	else
		log "bridge setup failed"
	fi
fi

{
	echo "## Command"
	echo
	echo "\`make bench\` (\`BUILD=$BUILD QUICK=$QUICK tools/bench/run.sh\`), raw figures in \`results.tsv\`, \`iperf3.tsv\`."
	for part in cost main iperf3 bridge; do
		section $part && sed -i "/^- part $part: /d" "$OUT/runs.md" 2>/dev/null
		section $part && echo "- part $part: $(date -u +%F) on Linux $(uname -r)" >>"$OUT/runs.md"
	done
	echo
	echo "Parts and when they last ran (a part run alone keeps the others' figures):"
	echo
	sort "$OUT/runs.md"
} >"$OUT/notes.md"
tools/bench/report.sh "$OUT"
