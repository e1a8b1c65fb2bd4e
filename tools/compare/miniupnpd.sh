#!/bin/bash
# xnatd against miniupnpd, the reference UPnP IGD / NAT-PMP / PCP server
# (Debian's miniupnpd-nftables), on the e2e bed of tests/e2e/lib.sh: one fixed
# list of client commands (upnpc, natpmpc, xnat-pcp, WAN traffic through the
# mappings) run against each, on a fresh bed each time, their outputs
# normalised (times, uptimes, epochs, nonces, uuids, counters, remaining lease
# times) and compared command by command. Prints the result as markdown.
#
#   tools/compare/miniupnpd.sh                 the markdown on stdout
#   tools/compare/miniupnpd.sh --doc FILE      also rewrites FILE's section
#                                              between the BEGIN/END markers
#   make compare                               installs miniupnpd (never run on
#                                              the host), builds, runs --doc
#                                              docs/upnp-vs-miniupnpd.md
#   COMPARE_KEEP=DIR tools/compare/miniupnpd.sh   keeps every raw output, the
#                                              TAP and the gateways' logs in DIR
#
# Two beds, each run with both gateways:
# - "public": the WAN side is $COMPARE_WAN_NET.0/24 (default 11.0.0.0/24, an
#   address miniupnpd takes for public; it exists only inside the namespaces);
# - "default": lib.sh's own, 198.51.100.1, a documentation range, where
#   miniupnpd 2.3.1 declines to forward ports (it wants a public address) and
#   xnatd serves as it does behind any double NAT or CGNAT.
# miniupnpd runs in the gateway namespace in the foreground (-d), with its
# config, pid file and lease file in the phase's $TMP and its nft tables in
# that namespace; it is stopped at the end of its phase, and lib.sh's exit
# trap kills whatever runs in the namespaces and deletes them (their nft
# tables go with them) even on failure.
#
# Internally each bed+gateway is a run of this script as
#   tools/compare/miniupnpd.sh --phase xnatd|miniupnpd RESULTS_DIR
# which sources lib.sh (its own namespaces, pins and $TMP) and writes one set
# of files per step into RESULTS_DIR; the top-level run compares them.
set -uo pipefail
SELF=$(realpath "${BASH_SOURCE[0]}")
ROOT=$(cd "$(dirname "$SELF")/../.." && pwd)
PUBLIC_NET=${COMPARE_WAN_NET:-11.0.0}

# ================================================================= one phase
if [[ ${1:-} == --phase ]]; then
	GATEWAY=$2 RESULTS=$3
	# a phase takes under 10 s; the watchdog is for a hang
	E2E_TIMEOUT=${E2E_TIMEOUT:-150}
	if [[ $GATEWAY == xnatd ]]; then GW=xnat; else GW=miniupnpd; fi
	# shellcheck source=tests/e2e/lib.sh
	source "$ROOT/tests/e2e/lib.sh"
	PCP=$(realpath -m "$BUILD/xnat-pcp")
	GW1=192.168.1.1
	URL=http://$GW1:49152/rootDesc.xml
	MINIUPNPD_PID=

	# The same policy for both: UPnP, NAT-PMP and PCP on the LAN interfaces,
	# secure mode, ports 1024-65535 for the two LAN nets, nothing else.
	xnatd_up() {
		local xconf='[portmap]\nupnp = yes\nnatpmp = yes\nsecure-mode = yes\n'
		xconf+='rule = allow 1024-65535 192.168.1.0/24 1024-65535\n'
		xconf+='rule = allow 1024-65535 192.168.2.0/24 1024-65535\n'
		xconf+='rule = deny 0-65535 0.0.0.0/0 0-65535\n'
		gw_start "$xconf" && wait_listen "$NS_GW" tcp 49152
	}
	miniupnpd_up() {
		# The tables and chains miniupnpd fills (Debian's nft_init.sh, with
		# a forward policy of accept: xnat filters nothing either), and the
		# masquerade a gateway has for outgoing traffic (lib.sh's nft_start).
		gw nft -f - <<-NFT || return 1
		table inet miniupnpd {
			chain forward {
				type filter hook forward priority filter; policy accept;
				jump miniupnpd
			}
			chain miniupnpd { }
			chain prerouting {
				type nat hook prerouting priority dstnat; policy accept;
				jump prerouting_miniupnpd
			}
			chain postrouting {
				type nat hook postrouting priority srcnat; policy accept;
				jump postrouting_miniupnpd
			}
			chain prerouting_miniupnpd { }
			chain postrouting_miniupnpd { }
		}
		NFT
		nft_start || return 1
		cat >"$TMP/miniupnpd.conf" <<-CONF
		ext_ifname=gw0
		listening_ip=gl1
		listening_ip=gl2
		http_port=49152
		enable_upnp=yes
		enable_natpmp=yes
		secure_mode=yes
		uuid=$(cat /proc/sys/kernel/random/uuid)
		lease_file=$TMP/miniupnpd.leases
		upnp_table_name=miniupnpd
		upnp_nat_table_name=miniupnpd
		allow 1024-65535 192.168.1.0/24 1024-65535
		allow 1024-65535 192.168.2.0/24 1024-65535
		deny 0-65535 0.0.0.0/0 0-65535
		CONF
		# A plain command, so that $! is miniupnpd itself. `ip netns exec`
		# (not lib.sh's gw): miniupnpd needs no BPF pins but reads the WAN
		# link's speed in /sys/class/net, which this remount shows.
		ip netns exec "$NS_GW" miniupnpd -f "$TMP/miniupnpd.conf" -d \
			-P "$TMP/miniupnpd.pid" >>"$TMP/miniupnpd.log" 2>&1 &
		MINIUPNPD_PID=$!
		if ! wait_for grep -q "Listening for NAT-PMP/PCP traffic" "$TMP/miniupnpd.log" ||
			! wait_listen "$NS_GW" tcp 49152; then
			echo "# miniupnpd did not start:"; sed 's/^/#   /' "$TMP/miniupnpd.log"
			return 1
		fi
	}

	# step DISPLAY CMD...: one command of the list. DISPLAY is what the
	# table shows ("command # note"); CMD's stdout, stderr and exit status
	# are kept.
	n_step=0
	step() {
		local f
		n_step=$((n_step + 1))
		f=$RESULTS/$(printf %02d $n_step)
		printf '%s\n' "$1" >"$f.cmd"
		shift
		"$@" >"$f.out" 2>"$f.err"
		echo $? >"$f.rc"
	}
	upnpc_() { lan1 timeout 10 upnpc -u "$URL" "$@"; }
	natpmpc_() { lan1 timeout 10 natpmpc "$@"; }
	# traffic PORT SOURCEPORT: the WAN host connects to EXT:PORT (TCP)
	# from SOURCEPORT; the echo server on lan1 says whom it saw.
	traffic() {
		local got
		got=$(ask wan tcp "$EXT" "$1" sourceport="$2")
		if [[ -n $got ]]; then echo "lan1 answers; it saw the WAN host as $got"
		else echo "no answer"; return 1; fi
	}
	# the nonce a MAP step printed (none when it failed: then one it did not use)
	nonce_of() {
		local n
		n=$(sed -n 's/.*nonce \([0-9a-f]\{24\}\)).*/\1/p' "$RESULTS/$1.out")
		echo "${n:-000000000000000000000000}"
	}

	e2e_setup || bail "bed"
	for cmd in upnpc natpmpc miniupnpd; do
		command -v $cmd >/dev/null || bail "$cmd is not installed (tools/install-deps.sh --compare)"
	done
	if [[ $GATEWAY == xnatd ]]; then xnatd_up || bail "xnatd"
	else miniupnpd_up || bail "miniupnpd"; fi
	ok "$GATEWAY serves on the bed (external address $EXT)"
	for port in 6891 1503 6900 6901; do echo_server "$NS_LAN1" tcp $port; done
	mkdir -p "$RESULTS"
	echo "$EXT" >"$RESULTS/ext"

	# ------------------------------------------------------ the list
	step "upnpc -s" lan1 timeout 10 upnpc -s
	step "upnpc -e desc -a $LAN1 6891 6891 TCP 3600" upnpc_ -e desc -a $LAN1 6891 6891 TCP 3600
	step "WAN host $WAN:24001 -> $EXT:6891 # TCP, through the mapping" traffic 6891 24001
	step "upnpc -n $LAN1 1503 1503 TCP # AddAnyPortMapping" upnpc_ -n $LAN1 1503 1503 TCP
	step "WAN host $WAN:24002 -> $EXT:1503 # TCP, through the mapping" traffic 1503 24002
	step "upnpc -l # GetGenericPortMappingEntry" upnpc_ -l
	step "upnpc -L # GetListOfPortMappings, TCP then UDP" upnpc_ -L
	step "upnpc -a $LAN2 3389 3389 TCP # for lan2, from lan1: secure mode" upnpc_ -a $LAN2 3389 3389 TCP
	step "upnpc -a $LAN2 3389 3389 TCP # the same, the IGD found by SSDP" \
		lan1 timeout 10 upnpc -a $LAN2 3389 3389 TCP
	step "upnpc -a $LAN1 80 80 TCP # port 80: denied by the rules" upnpc_ -a $LAN1 80 80 TCP
	step "upnpc -d 6891 TCP" upnpc_ -d 6891 TCP
	step "WAN host $WAN:24003 -> $EXT:6891 # after the delete" traffic 6891 24003
	step "upnpc -d 6891 TCP # again: no such mapping" upnpc_ -d 6891 TCP
	step "upnpc -N 1000 2000 TCP # DeletePortMappingRange" upnpc_ -N 1000 2000 TCP
	step "WAN host $WAN:24004 -> $EXT:1503 # after the range delete" traffic 1503 24004
	step "natpmpc -g $GW1 # the external address" natpmpc_ -g $GW1
	step "natpmpc -a 6900 6900 tcp 3600" natpmpc_ -a 6900 6900 tcp 3600
	step "WAN host $WAN:24005 -> $EXT:6900 # TCP, through the mapping" traffic 6900 24005
	step "natpmpc -a 6900 6900 tcp 0 # delete" natpmpc_ -a 6900 6900 tcp 0
	step "WAN host $WAN:24006 -> $EXT:6900 # after the delete" traffic 6900 24006
	step "xnat-pcp -s $GW1 map tcp 6901 6901 # PCP MAP" lan1 "$PCP" -s $GW1 map tcp 6901 6901
	pcp_map=$(printf %02d $n_step)
	step "WAN host $WAN:24007 -> $EXT:6901 # TCP, through the mapping" traffic 6901 24007
	step "xnat-pcp -s $GW1 -n 000000000000000000000000 delete tcp 6901 # another nonce" \
		lan1 "$PCP" -s $GW1 -n 000000000000000000000000 delete tcp 6901
	step "xnat-pcp -s $GW1 -n NONCE delete tcp 6901 # the MAP's nonce" \
		lan1 "$PCP" -s $GW1 -n "$(nonce_of "$pcp_map")" delete tcp 6901
	step "WAN host $WAN:24008 -> $EXT:6901 # after the delete" traffic 6901 24008
	ok "$n_step commands run against $GATEWAY"

	# ------------------------------------------------------ stop
	if [[ $GATEWAY == xnatd ]]; then
		xnatd_signal TERM
		cp "$TMP/xnatd.log" "$RESULTS/log"
	else
		kill -TERM "$MINIUPNPD_PID"
		wait "$MINIUPNPD_PID"
		MINIUPNPD_PID=
		cp "$TMP/miniupnpd.log" "$RESULTS/log"
		# what miniupnpd left in its namespace (deleted with it by lib.sh)
		gw nft list table inet miniupnpd >"$RESULTS/nft-after" 2>&1
	fi
	ok "$GATEWAY stopped"
	e2e_finish
	exit
fi

# ================================================================= top level
DOC=
case ${1:-} in
--doc) DOC=$(realpath -m "${2:?--doc FILE}") ;;
'') ;;
*) echo "usage: ${0##*/} [--doc FILE]" >&2; exit 2 ;;
esac
cd "$ROOT" || exit 1
BUILD=${BUILD:-build}
[[ $(id -u) == 0 ]] || { echo "${0##*/}: needs root (network namespaces, BPF)" >&2; exit 1; }
for f in xnatd xnatctl xnat-pcp; do
	[[ -x $BUILD/$f ]] || { echo "${0##*/}: no $BUILD/$f: make first" >&2; exit 1; }
done
for cmd in miniupnpd upnpc natpmpc socat nft python3; do
	command -v $cmd >/dev/null ||
		{ echo "${0##*/}: $cmd is missing: tools/install-deps.sh --compare" >&2; exit 1; }
done

OUT=$(mktemp -d /tmp/xnat-compare.XXXXXX)
PHASE_PID=
cleanup() {
	# a phase cleans up its own bed (lib.sh's trap) when it is TERMed
	[[ -n $PHASE_PID ]] && kill -TERM "$PHASE_PID" 2>/dev/null && wait "$PHASE_PID" 2>/dev/null
	if [[ -n ${COMPARE_KEEP:-} ]]; then
		mkdir -p "$COMPARE_KEEP" && cp -r "$OUT"/. "$COMPARE_KEEP"/ && echo "# raw outputs kept in $COMPARE_KEEP" >&2
	fi
	rm -rf "$OUT"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# phase BED GATEWAY: one fresh bed, one gateway, the whole list
phase() {
	# lib.sh's addresses from this script only, whatever the caller's environment
	local bed=$1 gateway=$2 env=(-u E2E_WAN_NET -u E2E_EXT -u E2E_WAN -u E2E_WAN_B) rc
	[[ $bed == public ]] && env+=(E2E_WAN_NET="$PUBLIC_NET")
	echo "# $bed bed ($([[ $bed == public ]] && echo "$PUBLIC_NET.1" || echo lib.sh default)), $gateway" >&2
	env "${env[@]}" BUILD="$BUILD" bash "$SELF" --phase "$gateway" "$OUT/$bed-$gateway" \
		>"$OUT/$bed-$gateway.tap" 2>&1 &
	PHASE_PID=$!
	wait "$PHASE_PID"
	rc=$?
	PHASE_PID=
	sed 's/^/#   /' "$OUT/$bed-$gateway.tap" >&2
	return $rc
}
start=$SECONDS
failed=0
for bed in public default; do
	for gateway in xnatd miniupnpd; do
		phase $bed $gateway || failed=1
	done
done
echo "# $((SECONDS - start)) s" >&2
if ((failed)); then
	echo "${0##*/}: a phase failed (its TAP output is above); no report" >&2
	exit 1
fi

versions() {
	local v
	echo "- xnatd: $("$BUILD/xnatd" --version 2>&1 | head -1), $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo "no git")"
	echo "- miniupnpd: $(miniupnpd --version 2>&1 | head -1) ($(dpkg-query -W -f='${Package} ${Version}' miniupnpd-nftables 2>/dev/null), nftables backend)"
	for v in miniupnpc natpmpc; do
		echo "- $v: $(dpkg-query -W -f='${Version}' $v 2>/dev/null) (Debian)"
	done
	echo "- kernel $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME")"
}

REPORT=$OUT/report.md
python3 - "$OUT" "$PUBLIC_NET" "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(versions)" >"$REPORT" <<-'PY' || exit 1
import os, re, sys

out, public_net, when, versions = sys.argv[1:5]
BEDS = [("public", f"WAN side {public_net}.0/24: the gateway's address {public_net}.1 looks public"),
        ("default", "lib.sh's default bed: the gateway's address 198.51.100.1 is in a documentation range "
                    "(to miniupnpd a reserved address, as a private or CGNAT one would be)")]
BANNER = re.compile(r"^(upnpc : miniupnpc library test client|\s*\(c\) 2005-|Go to http://miniupnp|for more information\.|\s*$)")
# natpmpc's "no answer within 250 ms yet, asking again" (RFC 6886 3.1): timing, not a result
RETRY = re.compile(r"^readnatpmpresponseorretry returned -100 \(TRY AGAIN\)$")
# Lines the table leaves out (they are in the outputs below and are compared all the same).
ROUTINE = re.compile(r"^(List of UPNP devices found|Local LAN ip address|Found valid IGD|initnatpmp\(\) returned 0|"
                     r"using gateway :|sendpublicaddressrequest returned 2|sendnewportmappingrequest returned 12|"
                     r"closenatpmp\(\) returned 0|readnatpmpresponseorretry returned 0 \(OK\)|epoch = |"
                     r" i protocol exPort->inAddr|Connection Type :|  Time started|MaxBitRate|Bytes:|Packets:|"
                     r"  errno=0)")

def lease_round(m):
    # A remaining lease time read a second after the grant: to the minute.
    v = int(m.group(2))
    return f"{m.group(1)}~{60 * round(v / 60)}"

def normalise(text):
    lines = []
    for l in text.splitlines():
        if BANNER.match(l) or RETRY.match(l):
            continue
        l = re.sub(r"uptime=\d+s", "uptime={s}s", l)
        l = re.sub(r"(Time started : ).*", r"\1{time}", l)
        l = re.sub(r"epoch( =)? \d+", lambda m: f"epoch{m.group(1) or ''} {{n}}", l)
        l = re.sub(r"nonce [0-9a-f]{24}", "nonce {nonce}", l)
        l = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "{uuid}", l)
        l = re.sub(r"(Sent|Recv):\s+\d+", r"\1: {n}", l)
        # the WAN link's speed: miniupnpd reads the veth's, xnatd has a default
        l = re.sub(r"(MaxBitRate(?:Down|Up) :?) *\d+ bps \([0-9.]+ Mbps\)", r"\1 {bitrate}", l)
        # upnpc -l / -L rows end with the remaining lease time
        l = re.sub(r"^( *\d+ (?:TCP|UDP) +\d+->\S+ +'[^']*' '[^']*' )(\d+)$", lease_round, l)
        lines.append(l)
    return lines

def result(d, i):
    base = os.path.join(out, d, f"{i:02d}")
    read = lambda ext: open(f"{base}.{ext}", errors="replace").read()
    lines = normalise(read("out")) + normalise(read("err"))
    rc = int(read("rc").strip() or 0)
    full = lines + [f"[exit {rc}]"]
    short = [l for l in lines if not ROUTINE.match(l)]
    if rc:
        short.append(f"[exit {rc}]")
    return read("cmd").strip(), full, short

def cell(lines):
    s = "<br>".join(l.strip() for l in lines) or "(nothing)"
    return s.replace("|", "\\|")

def show(cmd):
    # "command # note": the command as code (not the WAN host's connections)
    c, _, note = cmd.partition(" # ")
    c = c if c.startswith("WAN host") else f"`{c}`"
    return f"{c} ({note})" if note else c

def steps(d):
    return sorted(int(f[:2]) for f in os.listdir(os.path.join(out, d)) if f.endswith(".cmd"))

def log_lines(d, pattern):
    try:
        text = open(os.path.join(out, d, "log"), errors="replace").read()
    except OSError:
        return []
    return [re.sub(r"^miniupnpd\[\d+\]: ", "", l) for l in text.splitlines() if re.search(pattern, l)]

print("<!-- BEGIN generated by tools/compare/miniupnpd.sh: edit the script, not this section -->")
print(f"Run: {when} by tools/compare/miniupnpd.sh (reproduce: `make compare`).\n")
print(versions + "\n")
print("Every command runs on lan1 (192.168.1.10). upnpc gets the description URL "
      "(`-u http://192.168.1.1:49152/rootDesc.xml`, the IGD:2 description of both) except in "
      "rows 1 and 9, where it finds the gateway by SSDP as it does by default. A cell shows the "
      "command's output normalised, without its routine lines; the last column compares the "
      "whole normalised outputs, shown below the table where they differ. `{...}` marks a "
      "normalised value.\n")
for bed, what in BEDS:
    x, m = f"{bed}-xnatd", f"{bed}-miniupnpd"
    ext = open(os.path.join(out, x, "ext")).read().strip()
    print(f"### {bed.capitalize()} bed: external address {ext}\n\n{what}.\n")
    start = {"xnatd": [re.sub(r", pins in \S+", "", l) for l in log_lines(x, r"external address|warn")],
             "miniupnpd": log_lines(m, r"Reserved|public IP|Public IP|STUN|ext_ip|version .* starting")}
    refused = log_lines(m, r"is not suitable for external IP")
    if refused:
        start["miniupnpd"].append(f"... and then, {len(refused)} times, at requests: {refused[0]}")
    for g, ls in start.items():
        if ls:
            print(f"{g} log, at start:\n\n```\n" + "\n".join(ls) + "\n```\n")
    print("| # | command (from lan1) | xnatd | miniupnpd | |")
    print("|---|---|---|---|---|")
    details = []
    same = 0
    ids = steps(x)
    for i in ids:
        cmd, xf, xs = result(x, i)
        cmd2, mf, ms = result(m, i)
        assert cmd == cmd2, (cmd, cmd2)
        eq = xf == mf
        same += eq
        print(f"| {i} | {show(cmd)} | {cell(xs)} | {cell(ms)} | {'same' if eq else '**differs**'} |")
        if not eq:
            details.append((i, cmd, xf, mf))
    print(f"\n{same} of {len(ids)} the same.\n")
    if details:
        print("<details><summary>Whole normalised outputs where they differ</summary>\n")
        for i, cmd, xf, mf in details:
            print(f"#### {bed} {i}: {show(cmd)}\n")
            print("xnatd:\n\n```\n" + "\n".join(xf) + "\n```\n")
            print("miniupnpd:\n\n```\n" + "\n".join(mf) + "\n```\n")
        print("</details>\n")
print("<!-- END generated by tools/compare/miniupnpd.sh -->")
PY
cat "$REPORT"
if [[ -n $DOC ]]; then
	if [[ -f $DOC ]] && grep -q '^<!-- BEGIN generated by tools/compare/miniupnpd.sh' "$DOC"; then
		# the section between the markers replaced, the rest kept
		awk -v rep="$REPORT" '
			/^<!-- BEGIN generated by tools\/compare\/miniupnpd.sh/ { while ((getline l < rep) > 0) print l; skip = 1; next }
			/^<!-- END generated by tools\/compare\/miniupnpd.sh/ { skip = 0; next }
			!skip' "$DOC" >"$OUT/doc" && cat "$OUT/doc" >"$DOC"
	else
		cp "$REPORT" "$DOC"
	fi
	echo "# wrote $DOC" >&2
fi
