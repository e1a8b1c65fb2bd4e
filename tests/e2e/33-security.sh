#!/bin/bash
# Security properties seen from outside (the hardening issue):
# - The BPF pins: the pin root is root's alone (0700), every map and program
#   pinned in it is 0600, and the lease file (PCP nonces) 0600. A user other
#   than root can't list, read or write them with bpftool or xnatctl: the
#   path is refused (EACCES), with CAP_BPF too, so the modes are the wall
#   whatever kernel.unprivileged_bpf_disabled says. A refused update changes
#   nothing.
# - Nothing of xnatd answers on the WAN side: SSDP M-SEARCH (multicast, and
#   unicast to the external address), HTTP on port 49152, NAT-PMP and PCP on
#   5351, neither at the external address nor at the LAN addresses routed to
#   directly. (26 and 27 try natpmpc, xnat-pcp and upnpc from the WAN; these
#   are the rest, in one short pass.)
# - No unsolicited WAN packet reaches a LAN host: TCP SYNs and UDP to the
#   external address on many ports, and to the LAN hosts' own addresses with a
#   route on the WAN host through the gateway; captures on the LAN hosts see
#   none of it.
source "$(dirname "$0")/lib.sh"
xnat_only "xnatd's pins and services"
e2e_setup || bail
xnatd_start_patient '[agent]\ngc-interval = 1\n' || bail
PCP=$(realpath -m "$BUILD/xnat-pcp")
# as_nobody [CAP] CMD...: CMD as nobody:nogroup, no groups (with CAP, e.g. bpf)
as_nobody() {
	local caps=()
	[[ $1 == bpf ]] && caps=(--inh-caps=+bpf --ambient-caps=+bpf) && shift
	setpriv --reuid=nobody --regid=nogroup --clear-groups "${caps[@]}" "$@"
}
# denied CMD...: CMD fails, saying "Permission denied" (EACCES), or for
# bpftool on a directory it may not look into, "not in bpf file system"
denied() {
	local err
	err=$("$@" 2>&1 >/dev/null) && return 1
	grep -Eq "Permission denied|not in bpf file system" <<<"$err"
}

# ---------------------------------------------------------------- the pins
expect_eq "the pin root is root's, mode 0700" "$(stat -c '%U:%G %a' "$PIN")" "root:root 700"
expect_eq "... and so is progs/" "$(stat -c '%U:%G %a' "$PIN/progs")" "root:root 700"
expect_eq "no pin under it grants group or others anything" \
	"$(find "$PIN" -mindepth 1 ! -type l \( -perm /077 -o ! -user root \) | tr '\n' ' ')" ""
check "... (maps and programs, all 0600: $(find "$PIN" -mindepth 1 -type f | wc -l) pins)" \
	test "$(find "$PIN" -mindepth 1 -type f ! -perm 600 | wc -l)" -eq 0
check "the lease file (PCP nonces) is 0600" test "$(stat -c %a "$TMP/state/leases")" == 600
echo "# kernel.unprivileged_bpf_disabled = $(sysctl -n kernel.unprivileged_bpf_disabled)"
cfg=$(bpftool map dump pinned "$PIN/xnat_config")
zero=$(printf '00 %.0s' $(seq "$(bpftool -j map show pinned "$PIN/xnat_config" |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["bytes_value"])')"))
check "nobody can't list the pin root" denied as_nobody ls "$PIN"
check "nobody can't dump a map (bpftool map dump pinned)" denied as_nobody bpftool map dump pinned "$PIN/xnat_flows"
check "nobody can't update one (bpftool map update pinned, the config zeroed)" \
	denied as_nobody bpftool map update pinned "$PIN/xnat_config" key hex 00 00 00 00 value hex $zero
check "nobody can't read the programs" denied as_nobody bpftool prog show pinned "$PIN/progs/xnat_xdp_lan"
check "nobody's xnatctl status fails" denied as_nobody "$XNATCTL" --pin-root "$PIN" status
check "nobody with CAP_BPF can't dump a map either" \
	denied as_nobody bpf bpftool map dump pinned "$PIN/xnat_flows"
check "... nor update one" \
	denied as_nobody bpf bpftool map update pinned "$PIN/xnat_config" key hex 00 00 00 00 value hex $zero
check "... nor open a pin by its own path" denied as_nobody bpf bpftool map show pinned "$PIN/xnat_ports"
expect_eq "the config map is unchanged" "$(bpftool map dump pinned "$PIN/xnat_config")" "$cfg"
check "and NAT goes on" lan1 ping -q -c 1 -W 2 $WAN

# ---------------------------------------------------------------- nothing answers on the WAN side
# The WAN host routes the LANs through the gateway, as a neighbour on its
# WAN segment (an ISP's router, another customer) could.
wan ip route add 192.168.0.0/16 via $EXT
# ssdp.py FROM TARGET...: M-SEARCHes to each TARGET (ADDR, port 1900) from
# FROM (multicast leaves by its interface); prints "sent N", then the source
# of each answer.
cat >"$TMP/ssdp.py" <<'PY'
import select, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 2)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(sys.argv[1]))
s.bind((sys.argv[1], 0))
n = 0
for st in ("ssdp:all", "urn:schemas-upnp-org:device:InternetGatewayDevice:1"):
    msg = ("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\n"
           "MX: 1\r\nST: %s\r\n\r\n" % st).encode()
    for t in sys.argv[2:]:
        s.sendto(msg, (t, 1900))
        n += 1
print("sent", n, flush=True)
end = time.monotonic() + 2.5
while time.monotonic() < end:
    if select.select([s], [], [], max(0, end - time.monotonic()))[0]:
        try:
            print(s.recvfrom(4096)[1][0])
        except OSError:
            pass
PY
capture "$NS_GW" gw0 "src host $WAN and udp dst port 1900"
out=$(wan timeout 10 python3 "$TMP/ssdp.py" $WAN 239.255.255.250 $EXT 192.168.1.1 192.168.2.1 2>&1)
expect_eq "SSDP M-SEARCH from the WAN (multicast, to $EXT, to the LAN addresses): no answer" "$out" "sent 8"
arrived() { for t in 239.255.255.250 $EXT 192.168.1.1 192.168.2.1; do
	grep -q "> ${t//./\\.}\\.1900: UDP" "$TMP/cap-$NS_GW-gw0" || return 1; done; }
check "... each of them reached the gateway" wait_for arrived
capture_stop
out=$(lan1 timeout 10 python3 "$TMP/ssdp.py" $LAN1 239.255.255.250 192.168.1.1 2>&1)
check "(the same M-SEARCHes from lan1 are answered)" grep -q "^192.168.1.1$" <<<"$out"
# Each probe's positive twin: it reached the gateway (a capture on its WAN
# interface, where the stack receives it), so no answer means no socket of
# xnatd's read it.
for a in $EXT 192.168.1.1 192.168.2.1; do
	capture "$NS_GW" gw0 "src host $WAN and (tcp port 49152 or udp port 5351)"
	code=$(wan curl -s -m 3 -o /dev/null -w '%{http_code}' http://$a:49152/rootDesc.xml)
	expect_eq "HTTP to $a:49152 from the WAN: no answer" "$code" 000
	check "... it reached the gateway" capture_has "$NS_GW" gw0 "> ${a//./\\.}\\.49152: Flags \\[S\\]"
	wan "$PCP" -s $a -w 1 announce >/dev/null 2>&1
	expect_eq "PCP ANNOUNCE to $a:5351 from the WAN: no answer (exit 3)" "$?" 3
	check "... it reached the gateway" capture_has "$NS_GW" gw0 "> ${a//./\\.}\\.5351: UDP"
	capture_stop
done
capture "$NS_WAN" w0 "host $EXT and (udp port 5351 or icmp)"
out=$(printf '\x00\x00' | wan timeout 5 socat -T 2 - UDP:$EXT:5351 2>/dev/null | od -An -tx1)
expect_eq "NAT-PMP address request to $EXT:5351 from the WAN: no answer" "$out" ""
check "... it arrived: port unreachable from the gateway" capture_has "$NS_WAN" w0 "ICMP $EXT udp port 5351 unreachable"
capture_stop

# ---------------------------------------------------------------- no unsolicited packet reaches the LAN
# LAN services (on ports that are not mapped), and captures of whatever
# reaches the LAN hosts from outside the LANs. The control: a forward,
# TCP 2222 to lan1's 22, whose packets (and only those) must get through.
gw_forward tcp 2222 $LAN1:22
echo_server "$NS_LAN1" tcp 22
echo_server "$NS_LAN1" udp 5000
echo_server "$NS_LAN2" tcp 80
echo_server "$NS_LAN2" udp 5060
capture "$NS_LAN1" l1 "ip and not src net 192.168.0.0/16" || bail "capture"
capture "$NS_LAN2" l2 "ip and not src net 192.168.0.0/16" || bail "capture"
# probe.py ADDR...: to each ADDR, TCP SYNs (a connect) and a UDP datagram on
# the LAN services' ports, the forward's and 200 random ones.
cat >"$TMP/probe.py" <<'PY'
import random, socket, sys, time
ports = [22, 80, 2222, 5000, 5060] + random.sample(range(1024, 65536), 200)
socks = []
for addr in sys.argv[1:]:
    for p in ports:
        t = socket.socket()
        t.setblocking(False)
        try:
            t.connect((addr, p))
        except OSError:
            pass
        socks.append(t)
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.sendto(b"hello", (addr, p))
        except OSError:
            pass
        u.close()
time.sleep(1.5)
print(len(ports) * len(sys.argv[1:]))
PY
n=$(wan timeout 20 python3 "$TMP/probe.py" $EXT)
capture_stop
check "the forward's TCP (EXT:2222 -> lan1:22) reaches lan1 (the control)" \
	grep -q " > $LAN1.22: Flags \[S\]" "$TMP/cap-$NS_LAN1-l1"
expect_eq "TCP SYNs and UDP from the WAN to $EXT on $n ports: nothing else reaches lan1" \
	"$(grep ' > ' "$TMP/cap-$NS_LAN1-l1" | grep -vc " > $LAN1.22: ")" 0
expect_eq "... nor lan2" "$(grep -c ' > ' "$TMP/cap-$NS_LAN2-l2")" 0
capture "$NS_LAN1" l1 "ip and not src net 192.168.0.0/16" || bail "capture"
capture "$NS_LAN2" l2 "ip and not src net 192.168.0.0/16" || bail "capture"
n=$(wan timeout 20 python3 "$TMP/probe.py" $LAN1 $LAN2)
capture_stop
got1=$(grep -c ' > ' "$TMP/cap-$NS_LAN1-l1") got2=$(grep -c ' > ' "$TMP/cap-$NS_LAN2-l2")
grep -m3 ' > ' "$TMP/cap-$NS_LAN1-l1" | sed 's/^/# lan1 got: /'
dropped=$(counter drop_wan_to_lan)
check "to the LAN hosts' own addresses, routed through the gateway ($n probes): nothing reaches lan1 ($got1 packets)" \
	test "$got1" -eq 0
check "... nor lan2 ($got2 packets)" test "$got2" -eq 0
check "... the fast path dropped them, counted as drop_wan_to_lan ($dropped)" test "$dropped" -ge "$n"
e2e_finish
