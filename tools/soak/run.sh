#!/bin/bash
# `make soak`: xnatd under AddressSanitizer + LeakSanitizer + UBSan on the e2e
# bed (tests/e2e/lib.sh) for SOAK_SECONDS (300) of mixed traffic with port
# mappings churning, then a drain past every timeout, then the verdicts:
# every table back to its baseline, no lease left, xnatd's memory and
# descriptors not grown, the counters consistent, no sanitizer report when
# xnatd exits on SIGTERM. TAP lines, the last one "N passed, N failed".
#
# Traffic, from both LAN hosts to the WAN host's two addresses for the whole
# run: short TCP connections (a new source port each), two long TCP streams
# per host (echoed, checked byte for byte, closed with FINs), UDP exchanges
# from a new source port each, pings; from the WAN host through two static
# forwards (TCP, UDP) and from lan2 to lan1's forward by hairpin. Churn, per
# LAN host, one request every ~0.3 s in turn: PCP MAP (some with FILTER),
# NAT-PMP (natpmpc), UPnP AddPortMapping (upnpc), a PCP MAP of a port that
# has a dynamic mapping (which the lease adopts), PCP PEER; lifetimes of
# 2-20 s, half deleted by the client, the rest left to expire. Short
# timeouts ([timeouts] below, gc-interval 1) keep the collector busy.
#
# Environment:
#   SOAK_SECONDS  traffic duration (300); the drain adds the UDP timeout (120 s) + 20 s
#   SOAK_WARMUP   seconds of traffic before the RSS reference sample: the UDP timeout (120,
#                 the tables at their steady size) when SOAK_SECONDS >= 240, else SOAK_SECONDS / 4
#                 (at least 30)
#   SOAK_SAMPLE   seconds between samples (5)
#   SOAK_DRAIN    seconds of drain (140); shorter only to try the script out: the state cannot be back
#   SOAK_XNATD    asan (default: built into $ASAN_BUILD with -fsanitize=address,undefined)
#                 or plain ($BUILD/xnatd, for an RSS figure without the sanitizers' own)
#   SOAK_OUT      output directory (build/soak/DATE-TIME): samples.csv, xnatd.log, the
#                 clients' summaries, churn counts
#   SOAK_TCP_RATE, SOAK_UDP_RATE  new short TCP connections / UDP exchanges a second per LAN host (30, 15)
#   SOAK_RSS_PCT, SOAK_RSS_KB     the RSS bound: end <= after warm-up + max(PCT %, KB) (10 %, 2048 kB)
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
export BUILD=${BUILD:-build}
ASAN_BUILD=${ASAN_BUILD:-$BUILD/asan}
SOAK_SECONDS=${SOAK_SECONDS:-300}
SOAK_SAMPLE=${SOAK_SAMPLE:-5}
SOAK_XNATD=${SOAK_XNATD:-asan}
SOAK_OUT=${SOAK_OUT:-build/soak/$(date +%Y%m%d-%H%M%S)}
SOAK_TCP_RATE=${SOAK_TCP_RATE:-30}
SOAK_UDP_RATE=${SOAK_UDP_RATE:-15}
SOAK_RSS_PCT=${SOAK_RSS_PCT:-10}
SOAK_RSS_KB=${SOAK_RSS_KB:-2048}

# The gateway's timeouts: the shortest the config accepts for UDP (RFC 4787:
# 120 s) and for TCP established (RFC 5382: 7440 s: every TCP connection
# here ends with FINs, so none stays established), short ones elsewhere.
UDP_TIMEOUT=120 TCP_TRANSITORY=10 ICMP_TIMEOUT=5 GC_INTERVAL=1 MAX_LEASE=30
# The RSS reference: after one UDP timeout the tables are at their steady
# size (as many sessions expire as are made) when the run is long enough.
if ((SOAK_SECONDS >= 2 * UDP_TIMEOUT)); then
	SOAK_WARMUP=${SOAK_WARMUP:-$UDP_TIMEOUT}
else
	SOAK_WARMUP=${SOAK_WARMUP:-$((SOAK_SECONDS / 4 > 30 ? SOAK_SECONDS / 4 : 30))}
fi
# After the last packet: the UDP timeout, the dynamic mappings' grace
# (XNAT_GC_MAPPING_GRACE, 10 s) and a few collections.
DRAIN=${SOAK_DRAIN:-$((UDP_TIMEOUT + 20))}
E2E_TIMEOUT=$((SOAK_SECONDS + DRAIN + 300))

tools/install-deps.sh --soak >/dev/null || exit 1
mkdir -p "$SOAK_OUT" || exit 1
SOAK_OUT=$(realpath "$SOAK_OUT")
SOAK=$(realpath tools/soak/soak.py)

# ---------------------------------------------------------------- build
# The sanitized xnatd: the Makefile's user-space CFLAGS (`CFLAGS ?= -O2 -g`,
# then `+=` the warnings and includes) taken from the environment; the BPF
# object has flags of its own (BPF_CFLAGS) and is unaffected.
SAN_CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer"
if [[ $SOAK_XNATD == asan ]]; then
	echo "# building $ASAN_BUILD/xnatd ($SAN_CFLAGS)"
	if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL CFLAGS="$SAN_CFLAGS" \
		make --no-print-directory OUT="$ASAN_BUILD" "$ASAN_BUILD/xnatd" >"$SOAK_OUT/build.log" 2>&1; then
		sed 's/^/#   /' "$SOAK_OUT/build.log"
		echo "not ok 1 - building the sanitized xnatd"
		echo "0 passed, 1 failed"
		exit 1
	fi
fi

source tests/e2e/lib.sh
[[ $SOAK_XNATD == asan ]] && XNATD=$(realpath -m "$ASAN_BUILD/xnatd")
PCP=$(realpath -m "$BUILD/xnat-pcp")
GW1=192.168.1.1 GW2=192.168.2.1

# The summary is always the last line, also after a bail or the watchdog.
e2e_finish() {
	echo "1..$tap_n"
	echo "# samples: $SOAK_OUT/samples.csv (beside it: xnatd.log, the clients' summaries, churn counts)"
	echo "$((tap_n - tap_failed)) passed, $tap_failed failed"
	((tap_failed == 0))
}
soak_save() { [[ -f $TMP/xnatd.log ]] && cp "$TMP/xnatd.log" "$SOAK_OUT/xnatd.log"; }
trap 'soak_save; e2e_cleanup' EXIT

for tool in natpmpc upnpc socat python3 bpftool; do
	command -v $tool >/dev/null || bail "$tool is not installed (tools/install-deps.sh --soak)"
done
[[ -x $PCP && -x $XNATCTL ]] || bail "no $PCP or $XNATCTL: make first"
e2e_setup || bail "the bed"

echo "# soak: ${SOAK_SECONDS}s of traffic (warm-up ${SOAK_WARMUP}s), ${DRAIN}s drain, xnatd $SOAK_XNATD: $XNATD"
echo "# output: $SOAK_OUT"
CONF="[nat]
filtering = address-dependent
[timeouts]
udp = $UDP_TIMEOUT
tcp-transitory = $TCP_TRANSITORY
icmp = $ICMP_TIMEOUT
[portmap]
min-lifetime = 1
max-lifetime = $MAX_LEASE
[agent]
gc-interval = $GC_INTERVAL
[forward]
rule = tcp 8080 $LAN1
rule = udp 8081 $LAN2
"
printf '%s' "$CONF" >"$SOAK_OUT/xnat.conf"
# LeakSanitizer reports at exit (tools/soak/lsan.supp: what xnatd keeps for
# its whole life by design); a small quarantine keeps ASan's own hold on
# freed memory (256 MB by default) from reading as growth of xnatd's RSS.
ASAN_OPTIONS=detect_leaks=1:quarantine_size_mb=4:malloc_context_size=30 \
	LSAN_OPTIONS=suppressions=$(realpath tools/soak/lsan.supp):print_suppressions=1 \
	UBSAN_OPTIONS=print_stacktrace=1 \
	xnatd_start "$CONF" || bail "xnatd start"
xnatctl forward add tcp 8090 $LAN2 >/dev/null || bail "xnatctl forward add"
check "xnatd runs (pid $XNATD_PID, $SOAK_XNATD)" kill -0 "$XNATD_PID"

CSV=$SOAK_OUT/samples.csv PHASE=$SOAK_OUT/phase STOP=$SOAK_OUT/stop
rm -f "$CSV" "$STOP"
T0=$SECONDS
sample() { # [--once]
	gw python3 "$SOAK" sample --pin "$PIN" --xnatctl "$XNATCTL" --pid "$XNATD_PID" --csv "$CSV" \
		--phase-file "$PHASE" --stop-file "$STOP" --interval "$SOAK_SAMPLE" \
		--t-offset $((SECONDS - T0)) "$@"
}
echo baseline >"$PHASE"
sample --once || bail "the baseline sample"

# ---------------------------------------------------------------- peers
start_server() { # RUNNER READY-FILE ARGS...
	local run=$1 ready=$2
	shift 2
	$run python3 "$SOAK" server "$@" >"$ready" 2>&1 &
	wait_for grep -q ready "$ready"
}
start_server wan "$TMP/srv-wan" --tcp 7000 --udp 7001 --stream 7002 --bind "$WAN" --bind "$WAN_B" || bail "WAN servers"
start_server lan1 "$TMP/srv-lan1" --tcp 8080 || bail "lan1 server"
start_server lan2 "$TMP/srv-lan2" --udp 8081 || bail "lan2 server"

# ---------------------------------------------------------------- churn
# churn NAME RUNNER GATEWAY LAN-ADDRESS PORT-BASE: one port-mapping request
# every ~0.3 s until T_END, in turn PCP MAP, NAT-PMP, UPnP, adoption, PEER;
# counts in $SOAK_OUT/churn-NAME.
churn() {
	local name=$1 run=$2 gwa=$3 me=$4 base=$5 i=0 op port proto life out nonce ext args
	local url=http://$gwa:49152/rootDesc.xml
	declare -A n=()
	inc() { n[$1]=$((${n[$1]:-0} + 1)); }
	maybe_delete() { # a lease in two is deleted by its client, after a moment
		((RANDOM % 2)) || return 1
		sleep "0.$((RANDOM % 5))"
	}
	while ((SECONDS < T_END)); do
		op=$((i % 5)) port=$((base + op * 1000 + (i / 5) % 300)) life=$((2 + RANDOM % 19))
		proto=$( ((RANDOM % 2)) && echo tcp || echo udp)
		i=$((i + 1))
		case $op in
		0) # PCP MAP, one in three with a FILTER (the WAN host only)
			args=()
			((RANDOM % 3)) || args=(--filter "$WAN")
			out=$($run "$PCP" -s "$gwa" -t "$life" "${args[@]}" map "$proto" "$port" "$port" 2>&1)
			if [[ $out == *"mapped $proto $port -> "* ]]; then
				inc pcp_granted
				[[ ${#args[@]} -gt 0 ]] && inc pcp_filtered
				nonce=$(sed -n 's/.*nonce \([0-9a-f]*\)).*/\1/p' <<<"$out")
				if maybe_delete; then
					if $run "$PCP" -s "$gwa" -n "$nonce" delete "$proto" "$port" >/dev/null 2>&1; then
						inc pcp_deleted
					else inc pcp_delete_failed; fi
				fi
			else
				inc pcp_refused
				echo "pcp map $proto $port: $out" >>"$SOAK_OUT/churn-$name.refused"
			fi
			;;
		1) # NAT-PMP: natpmpc; lifetime 0 deletes
			out=$($run timeout 10 natpmpc -g "$gwa" -a "$port" "$port" "$proto" "$life" 2>&1)
			if [[ $out == *"Mapped public port"* ]]; then
				inc natpmp_granted
				if maybe_delete; then
					out=$($run timeout 10 natpmpc -g "$gwa" -a "$port" "$port" "$proto" 0 2>&1)
					if [[ $out == *"Mapped public port"* ]]; then inc natpmp_deleted
					else inc natpmp_delete_failed; fi
				fi
			else
				inc natpmp_refused
				echo "natpmpc -a $port $proto: $out" >>"$SOAK_OUT/churn-$name.refused"
			fi
			;;
		2) # UPnP: upnpc AddPortMapping, DeletePortMapping
			out=$($run timeout 10 upnpc -u "$url" -e soak -a "$me" "$port" "$port" "${proto^^}" "$life" 2>&1)
			if [[ $out == *"is redirected to internal $me:$port"* ]]; then
				inc upnp_granted
				if maybe_delete; then
					out=$($run timeout 10 upnpc -u "$url" -d "$port" "${proto^^}" 2>&1)
					if [[ $out == *"returned : 0"* ]]; then inc upnp_deleted
					else inc upnp_delete_failed; fi
				fi
			else
				inc upnp_refused
				echo "upnpc -a $port $proto: $out" >>"$SOAK_OUT/churn-$name.refused"
			fi
			;;
		3) # A dynamic mapping (one UDP exchange from the port), then PCP MAP
		   # of that port: the lease adopts the mapping (RFC 6887 11.3).
			ext=$(echo a | $run timeout 5 socat -t 1 - "UDP:$WAN:7001,sourceport=$port" 2>/dev/null)
			ext=${ext##*:}
			out=$($run "$PCP" -s "$gwa" -t "$life" map udp "$port" 2>&1)
			if [[ $out == *"mapped udp $port -> "* ]]; then
				nonce=$(sed -n 's/.*nonce \([0-9a-f]*\)).*/\1/p' <<<"$out")
				if [[ -n $ext && $out == *":$ext for "* ]]; then inc adopted; else inc adopt_other_port; fi
				if maybe_delete; then
					if $run "$PCP" -s "$gwa" -n "$nonce" delete udp "$port" >/dev/null 2>&1; then
						inc adopt_deleted
					else inc adopt_delete_failed; fi
				fi
			else
				inc adopt_refused
				echo "pcp map udp $port (adopt): $out" >>"$SOAK_OUT/churn-$name.refused"
			fi
			;;
		4) # PCP PEER: the session made before the application sends
			if $run "$PCP" -s "$gwa" -t 30 peer udp "$port" "$WAN_B" 7001 >/dev/null 2>&1; then
				inc peer_ok
			else inc peer_refused; fi
			;;
		esac
		sleep 0.3
	done
	for k in "${!n[@]}"; do echo "$k ${n[$k]}"; done | sort >"$SOAK_OUT/churn-$name"
}

# pings NAME RUNNER: 5 pings at a time (a new ICMP id, a new session, each
# time) to both WAN addresses until T_END; "SENT RECEIVED" in $TMP/ping-NAME.
pings() {
	local name=$1 run=$2 sent=0 recv=0 out dst=$WAN
	while ((SECONDS < T_END)); do
		out=$($run ping -q -n -c 5 -i 0.2 -W 1 "$dst" 2>/dev/null)
		if [[ $out =~ ([0-9]+)\ packets\ transmitted,\ ([0-9]+)\ received ]]; then
			sent=$((sent + BASH_REMATCH[1])) recv=$((recv + BASH_REMATCH[2]))
		fi
		[[ $dst == "$WAN" ]] && dst=$WAN_B || dst=$WAN
	done
	echo "$sent $recv" >"$TMP/ping-$name"
}

# ---------------------------------------------------------------- the run
echo warmup >"$PHASE"
T_START=$SECONDS T_END=$((SECONDS + SOAK_SECONDS))
sample &
SAMPLER=$!
client() { # NAME RUNNER ARGS...
	local name=$1 run=$2
	shift 2
	$run python3 "$SOAK" client --duration "$SOAK_SECONDS" "$@" >"$SOAK_OUT/client-$name.json" \
		2>"$SOAK_OUT/client-$name.err" &
	CLIENTS+=($!)
}
CLIENTS=()
for h in lan1 lan2; do
	client $h $h --peers "$WAN,$WAN_B" --expect "$EXT" --tcp-rate "$SOAK_TCP_RATE" \
		--udp-rate "$SOAK_UDP_RATE" --streams 2
done
client wan wan --peers "$EXT" --tcp-port 8080 --udp-port 8081 --tcp-rate 3 --udp-rate 3
client hairpin lan2 --peers "$EXT" --tcp-port 8080 --tcp-rate 2
churn lan1 lan1 $GW1 $LAN1 20000 &
CLIENTS+=($!)
churn lan2 lan2 $GW2 $LAN2 26000 &
CLIENTS+=($!)
pings lan1 lan1 &
CLIENTS+=($!)
pings lan2 lan2 &
CLIENTS+=($!)

sleep "$SOAK_WARMUP"
echo soak >"$PHASE"
wait "${CLIENTS[@]}"
echo "# traffic stopped after $((SECONDS - T_START))s; draining ${DRAIN}s"
echo drain >"$PHASE"
sleep "$DRAIN"
touch "$STOP"
wait "$SAMPLER"
rm -f "$STOP"
echo final >"$PHASE"
sample --once

# ---------------------------------------------------------------- verdicts
# The lease file at rest: it is saved at each collection when the leases changed.
LEASE_LINES=$(grep -vc '^#' "$TMP/state/leases" 2>/dev/null)
cp "$TMP/state/leases" "$SOAK_OUT/leases" 2>/dev/null
adopted=$(cat "$SOAK_OUT"/churn-lan* | awk '$1 == "adopted" { s += $2 } END { print s + 0 }')
read -r ps1 pr1 <"$TMP/ping-lan1"
read -r ps2 pr2 <"$TMP/ping-lan2"
xnatctl stats >"$SOAK_OUT/stats.txt"
# churn totals, in one comment line per mechanism
for m in pcp natpmp upnp adopt peer; do
	echo "# churn $m: $(cat "$SOAK_OUT"/churn-lan* | awk -v m="$m" '
		index($1, m) == 1 || (m == "adopt" && $1 == "adopted") { s[$1] += $2 }
		END { for (k in s) printf "%s %d, ", k, s[k] }' | sed 's/, $//')"
done
granted=$(cat "$SOAK_OUT"/churn-lan* | awk '$1 ~ /_granted$|^adopted$|^adopt_other_port$/ { s += $2 } END { print s + 0 }')
refused=$(cat "$SOAK_OUT"/churn-lan* | awk '$1 ~ /_refused$|_delete_failed$/ { s += $2 } END { print s + 0 }')
expect_ok=1
for k in pcp_granted natpmp_granted upnp_granted adopted peer_ok; do
	grep -q "^$k [1-9]" "$SOAK_OUT"/churn-lan* || expect_ok=0
done
if ((expect_ok && refused * 100 <= granted)); then
	ok "lease churn: $granted leases granted (PCP, NAT-PMP, UPnP, $adopted adoptions), $refused requests refused or deletes failed"
else
	not_ok "lease churn: $granted leases granted ($adopted adoptions), $refused requests refused or deletes failed (churn-lan*.refused)"
fi

mapfile -t VERDICTS < <(python3 "$SOAK" check --csv "$CSV" --log "$TMP/xnatd.log" \
	--clients "lan1=$SOAK_OUT/client-lan1.json" "lan2=$SOAK_OUT/client-lan2.json" \
	"wan=$SOAK_OUT/client-wan.json" "hairpin=$SOAK_OUT/client-hairpin.json" \
	--pings "$((ps1 + ps2))/$((pr1 + pr2))" --adopted "$adopted" --lease-file-lines "${LEASE_LINES:-0}" \
	--rss-pct "$SOAK_RSS_PCT" --rss-kb "$SOAK_RSS_KB" 2>&1)
for v in "${VERDICTS[@]}"; do
	case $v in
	"ok"$'\t'*) ok "${v#*$'\t'}" ;;
	"not ok"$'\t'*) not_ok "${v#*$'\t'}" ;;
	*) echo "# ${v#\#$'\t'}" ;;
	esac
done

# xnatd's exit: SIGTERM, LeakSanitizer's pass at exit, the log.
xnatd_signal TERM
rc=$?
soak_save
san=$(grep -cE '(Address|Leak|UndefinedBehavior)Sanitizer|runtime error:' "$SOAK_OUT/xnatd.log")
expect_eq "xnatd exits 0 on SIGTERM" "$rc" 0
# "Suppressions used:" then "  count bytes template" lines
supp=$(awk '/^Suppressions used:/ { on = 1; next } on && /^ *[0-9]+ +[0-9]+ / { print $1, $2, $3; next } on { on = /count/ }' \
	"$SOAK_OUT/xnatd.log")
supp_over=$(awk '$1 > 1' <<<"$supp")
[[ -n $supp ]] && echo "# LeakSanitizer suppressions matched (count, bytes, template): $(tr '\n' ';' <<<"$supp" | sed 's/;$//')"
if [[ $SOAK_XNATD != asan ]]; then
	skip "no ASan/LSan/UBSan report in xnatd's log" "SOAK_XNATD=$SOAK_XNATD"
elif ((san == 0)) && [[ -z $supp_over ]]; then
	ok "no ASan/LSan/UBSan report in xnatd's log, LeakSanitizer's pass at exit included"
elif ((san == 0)); then
	not_ok "a LeakSanitizer suppression matched more than one allocation: $supp_over (tools/soak/lsan.supp)"
else
	not_ok "$san sanitizer lines in xnatd's log:"
	grep -E -A30 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$SOAK_OUT/xnatd.log" | head -80 | sed 's/^/#   /'
fi
errs=$(grep -c '^xnatd: error:' "$SOAK_OUT/xnatd.log")
warns=$(grep -c '^xnatd: warning:' "$SOAK_OUT/xnatd.log")
if ((errs == 0)); then ok "xnatd logged no errors ($warns warnings)"; else not_ok "xnatd logged $errs errors"; fi
grep -E '^xnatd: (error|warning):' "$SOAK_OUT/xnatd.log" | sort | uniq -c | sort -rn | head -5 | sed 's/^/#   /'
echo "# duration: $((SECONDS - T0))s (traffic ${SOAK_SECONDS}s, drain ${DRAIN}s)"
e2e_finish
