#!/bin/bash
# Floods of the agent's own services (the hardening issue): xnatd stays
# responsive to the other LAN hosts.
# - lan1 (192.168.1.10) floods PCP, NAT-PMP and SSDP with 500 datagrams a
#   second and the UPnP HTTP server with parallel curls; a second host on its
#   segment (192.168.1.11) holds slow HTTP connections, idle ones and ones
#   trickling a byte a second. Meanwhile lan2's PCP MAP and UPnP
#   AddPortMapping are answered within a couple of seconds, lan1 is rate
#   limited (and the log says so), idle connections are cut after the
#   server's 10 s, and xnatd's memory stays bounded.
# - A SIP flood: 10000 INVITEs from lan1 (a new Call-ID and media port each)
#   while lan2 makes a real call with sipp, which completes, rewritten; the
#   flood's media mappings stay within lan1's port quota.
# - Connections trickling a byte a second from 5 addresses of lan1's segment,
#   8 each (the per-address limit), more than the 32 the server of an
#   interface takes, held over its 10 s timeout (through the SIP flood): lan2
#   (another interface, another server) is served, and so should another host
#   of lan1's segment be.
source "$(dirname "$0")/lib.sh"
xnat_only "UPnP, NAT-PMP, PCP and the SIP ALG are xnatd's"
e2e_setup || bail
command -v upnpc >/dev/null || bail "upnpc is not installed (tools/install-deps.sh)"
command -v sipp >/dev/null || bail "sipp is not installed (tools/install-deps.sh)"
PCP=$(realpath -m "$BUILD/xnat-pcp")
GW1=192.168.1.1 GW2=192.168.2.1 SLOW=192.168.1.11
ip -n "$NS_LAN1" addr add $SLOW/24 dev l1
xnatd_start_patient '[nat]\nmax-ports-per-host = 256\n[agent]\ngc-interval = 1\n' || bail
PID=$(readlink "$PIN/xnatd_pid") PID=${PID#/proc/}
rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$PID/status"; }
# timed VAR CMD...: runs CMD, its output in VAR, its duration (ms) in VAR_ms
timed() {
	local _var=$1 _t0 _out
	shift
	_t0=$(date +%s%N)
	_out=$("$@" 2>&1)
	printf -v "$_var" '%s' "$_out"
	printf -v "${_var}_ms" '%s' $((($(date +%s%N) - _t0) / 1000000))
}
# answered_fast REGEX: the output of the last `timed out ...` matches REGEX,
# and it took 3 s at most
out='' out_ms=0
answered_fast() { grep -q "$1" <<<"$out" && ((out_ms <= 3000)); }
# running PID...: every one of them still runs
running() { local p; for p; do kill -0 "$p" 2>/dev/null || return 1; done; }
# Warm up (the first request of each kind pays for lazy set-ups), then the
# baseline of xnatd's memory.
lan2 "$PCP" -s $GW2 announce >/dev/null
lan2 curl -s -o /dev/null http://$GW2:49152/rootDesc.xml
rss0=$(rss)

# ---------------------------------------------------------------- the floods
# slow.py ADDR SERVER IDLE TRICKLE SECONDS: IDLE connections (a request
# begun, then silence) and TRICKLE ones sending a byte a second, from ADDR,
# watched for SECONDS; prints "refused N" for those closed at once (the
# server's per-address limit), then "idle|trickle T..." with when each
# connection accepted was closed (s), or "open".
cat >"$TMP/slow.py" <<'PY'
import socket, sys, time
addr, server, idle, trickle, secs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
req = b"GET /rootDesc.xml HTTP/1.1\r\nHost: " + server.encode() + b":49152\r\nX-Slow: " + b"a" * 100
conns = []
kinds = ["idle", "trickle"] * min(idle, trickle) + ["idle"] * (idle - trickle) + ["trickle"] * (trickle - idle)
for kind in kinds:
    s = socket.socket()
    s.bind((addr, 0))
    s.settimeout(2)
    try:
        s.connect((server, 49152))
        s.send(req[:20])
        conns.append([kind, s, None])
    except OSError:
        conns.append([kind, None, 0.0])
t0 = time.monotonic()
while time.monotonic() - t0 < secs:
    now = time.monotonic() - t0
    for c in conns:
        if c[2] is not None:
            continue
        try:
            if c[0] == "trickle":
                c[1].send(b"a")
            c[1].setblocking(False)
            if c[1].recv(4096) == b"":
                c[2] = now
        except BlockingIOError:
            pass
        except OSError:
            c[2] = now
    time.sleep(1)
refused = [c for c in conns if c[2] is not None and c[2] <= 3]
print("refused", len(refused))
for kind in ("idle", "trickle"):
    print(kind, *["%.0f" % c[2] if c[2] is not None else "open" for c in conns
                  if c[0] == kind and c not in refused])
PY
# flood.py: RATE datagrams a second for SECONDS from ADDR: PCP MAP (new
# internal ports) and ANNOUNCE, NAT-PMP address requests to the gateway's
# 5351, SSDP M-SEARCH to its 1900; prints "sent N answered N".
cat >"$TMP/flood.py" <<'PY'
import os, random, select, socket, sys, time
addr, gw, rate, secs = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
mapped = bytes(10) + b"\xff\xff" + socket.inet_aton(addr)
def pcp(op, body=b""):
    return bytes([2, op, 0, 0]) + (120).to_bytes(4, "big") + mapped + body
def pcp_map():
    port = random.randint(10000, 60000).to_bytes(2, "big")
    return pcp(1, os.urandom(12) + bytes([17, 0, 0, 0]) + port + port + bytes(16))
msearch = ("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\n"
           "MX: 1\r\nST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n\r\n").encode()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, 0))
kinds = [lambda: (pcp_map(), 5351), lambda: (pcp(0), 5351), lambda: (b"\x00\x00", 5351),
         lambda: (msearch, 1900)]
sent = answered = 0
t0 = t = time.monotonic()
while t - t0 < secs:
    data, port = kinds[sent % len(kinds)]()
    try:
        s.sendto(data, (gw, port))
    except OSError:
        pass
    sent += 1
    t += 1.0 / rate
    while True:
        left = t - time.monotonic()
        if select.select([s], [], [], max(0, left))[0]:
            try:
                s.recv(4096)
                answered += 1
            except OSError:
                pass
        elif left <= 0:
            break
print("sent", sent, "answered", answered)
PY
lan1 timeout 30 python3 "$TMP/slow.py" $SLOW $GW1 10 10 16 >"$TMP/slow.out" 2>&1 &
slow=$!
lan1 timeout 30 python3 "$TMP/flood.py" $LAN1 $GW1 500 8 >"$TMP/flood.out" 2>&1 &
flood=$!
# 6 curls at a time for 8 s
lan1 timeout 30 bash -c 'for w in 1 2 3 4 5 6; do
	while ((SECONDS < 8)); do curl -s -m 5 -o /dev/null -w "%{http_code}\n" --interface '$LAN1' "$0"; done &
done; wait' http://$GW1:49152/rootDesc.xml >"$TMP/curl.out" 2>&1 &
curls=$!
sleep 1.5

for round in 1 2; do
	timed out lan2 "$PCP" -s $GW2 -w 4 -t 600 map tcp $((1500 + round))
	check "flood round $round: lan2's PCP MAP is answered within 3 s (${out_ms} ms)" \
		answered_fast "mapped tcp $((1500 + round)) -> $EXT:"
	timed out lan2 timeout 10 upnpc -u http://$GW2:49152/rootDesc.xml -a $LAN2 $((6000 + round)) \
		$((6000 + round)) TCP 600
	check "... lan2's UPnP AddPortMapping too (${out_ms} ms)" \
		answered_fast "$((6000 + round)) TCP is redirected"
	sleep 2
done
check "the floods were running all along" running $flood $curls
wait $flood $curls
read -r _ sent _ answered <"$TMP/flood.out"
echo "# lan1's datagram flood: sent $sent, answered $answered; HTTP: $(sort "$TMP/curl.out" | uniq -c | tr -s ' \n' ' ')"
check "lan1's datagrams are rate limited (answered $answered of $sent)" \
	test "${sent:-0}" -ge 1000 -a "${answered:-0}" -ge 1 -a "${answered:-0}" -le $((sent / 4))
check "... and so are its HTTP requests (some 200, most 503)" \
	bash -c "grep -q '^200$' '$TMP/curl.out' && (( \$(grep -c '^503$' '$TMP/curl.out') > \$(grep -c '^200$' '$TMP/curl.out') ))"
check "xnatd logs what it dropped" wait_for grep -q "rate limit: [0-9]* requests from LAN hosts dropped" "$TMP/xnatd.log"

wait $slow
sed 's/^/# slow clients: /' "$TMP/slow.out"
idle=$(sed -n 's/^idle *//p' "$TMP/slow.out") trickle=$(sed -n 's/^trickle *//p' "$TMP/slow.out")
check "the server takes 8 connections of the slow host, refuses the others at once" \
	grep -q "^refused 12$" "$TMP/slow.out"
# closed_within LO HI T...: every T is a number in [LO, HI]
closed_within() {
	local lo=$1 hi=$2 t
	shift 2
	(($# > 0)) || return 1
	for t; do [[ $t =~ ^[0-9]+$ ]] && ((t >= lo && t <= hi)) || return 1; done
}
check "idle connections are cut after the server's 10 s (after: $idle)" closed_within 8 14 $idle
check "connections trickling a byte a second are cut too, 10 s after they opened (after: $trickle)" \
	closed_within 8 14 $trickle
rss1=$(rss)
check "xnatd's memory stays bounded (RSS ${rss0} kB before, ${rss1} kB after)" test $((rss1 - rss0)) -le 8192
timed out lan2 curl -s -m 5 -o /dev/null -w '%{http_code}' http://$GW2:49152/rootDesc.xml
check "afterwards xnatd answers lan2 at once (${out_ms} ms)" answered_fast "^200$"

# ---------------------------------------------------------------- slow clients from many addresses
# 5 addresses of lan1's segment, 8 trickling connections each: 32 accepted,
# the server's limit for its interface. They stay through the SIP flood (over
# the 10 s timeout) and are looked at after it.
for i in 12 13 14 15 16; do ip -n "$NS_LAN1" addr add 192.168.1.$i/24 dev l1; done
slows=()
for i in 11 12 13 14 15; do
	lan1 timeout 60 python3 "$TMP/slow.py" 192.168.1.$i $GW1 0 8 40 >"$TMP/slow-$i.out" 2>&1 &
	slows+=($!)
done
slow_from=$SECONDS

# ---------------------------------------------------------------- SIP flood
# sip-flood.py: from ADDR:5060, RATE INVITEs a second for SECONDS to
# DEST:5060, each a new call (Call-ID, tags) with audio on a new port.
cat >"$TMP/sip-flood.py" <<'PY'
import socket, sys, time
addr, dest, rate, secs = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, 5060))
s.setblocking(False)
n, t0 = 0, time.monotonic()
t = t0
while t - t0 < secs:
    sdp = ("v=0\r\no=- %d 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
           "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n" % (n, addr, addr, 10000 + 2 * (n % 20000)))
    msg = ("INVITE sip:flood@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s:5060;branch=z9hG4bK%d\r\n"
           "From: <sip:f@%s>;tag=%d\r\nTo: <sip:flood@%s>\r\nCall-ID: flood-%d@%s\r\nCSeq: 1 INVITE\r\n"
           "Contact: <sip:f@%s:5060>\r\nMax-Forwards: 70\r\nContent-Type: application/sdp\r\n"
           "Content-Length: %d\r\n\r\n%s" % (dest, addr, n, addr, n, dest, n, addr, addr, len(sdp), sdp))
    try:
        s.sendto(msg.encode(), (dest, 5060))
    except OSError:
        pass
    n += 1
    t += 1.0 / rate
    time.sleep(max(0, t - time.monotonic()))
print("sent", n)
PY
wan timeout 30 socat -u UDP-RECV:5060,bind=$WAN_B /dev/null &
wait_listen "$NS_WAN" udp 5060
# dialogs [ADDR]: SIP dialogs in the table (of the phone ADDR)
dialogs() {
	bpftool -j map dump pinned "$PIN/xnat_sip_dialogs" | python3 -c '
import json, socket, sys
want = socket.inet_aton(sys.argv[1]) if len(sys.argv) > 1 else None
print(sum(1 for e in json.load(sys.stdin)
          if want is None or bytes(int(b, 16) for b in e["key"][8:12]) == want))' "$@"
}
# The control: one INVITE of a host on lan2's segment (a second address:
# each such probe has a phone of its own) opens a dialog.
ip -n "$NS_LAN2" addr add 192.168.2.11/24 dev l2
ip -n "$NS_LAN2" addr add 192.168.2.12/24 dev l2
lan2 timeout 10 python3 "$TMP/sip-flood.py" 192.168.2.11 $WAN_B 1 0.5 >/dev/null 2>&1
check "before the flood an INVITE of 192.168.2.11 opens a SIP dialog" test "$(dialogs 192.168.2.11)" -eq 1
d0=$(counter sip_rewritten)
lan1 timeout 30 python3 "$TMP/sip-flood.py" $LAN1 $WAN_B 1000 10 >"$TMP/sip-flood.out" 2>&1 &
sipflood=$!
capture "$NS_WAN" w0 "udp port 5060 and host $WAN" -A -s 0 || bail "capture"
# the call starts once the flood has filled lan1's quota
over_quota() { test "$(counter sip_media_mapping_failed)" -ge 100; }
check "the flood is on: lan1's quota full, its media mappings refused (sip_media_mapping_failed >= 100)" \
	wait_for over_quota
wan timeout 15 sipp -sn uas -i $WAN -p 5060 -m 1 -nostdin -trace_err -error_file "$TMP/uas.err" \
	>"$TMP/uas.out" 2>&1 &
uas=$!
wait_listen "$NS_WAN" udp 5060
lan2 timeout 15 sipp -sn uac $WAN:5060 -i $LAN2 -p 5060 -m 1 -nostdin -trace_err \
	-error_file "$TMP/uac.err" >"$TMP/uac.out" 2>&1
uac_rc=$?
wait $uas
uas_rc=$?
check "the SIP flood was running all along" running $sipflood
bye_answered() { test "$(cap_packets "$TMP/cap-$NS_WAN-w0" $WAN.5060 'CSeq: 2 BYE')" -ge 1; }
((uac_rc)) || wait_for bye_answered
capture_stop
cp "$TMP/cap-$NS_WAN-w0" "$TMP/wan.txt"
wait $sipflood
d1=$(counter sip_rewritten)
echo "# lan1's SIP flood: $(cat "$TMP/sip-flood.out"); sip_rewritten +$((d1 - d0)), sip_media_mapping_failed $(counter sip_media_mapping_failed)"
echo "# $(xnatctl status | grep -E '^(sessions|mappings)' | tr -s ' \n' ' ')"
check "during the flood lan2's call completes (INVITE, 200, ACK, BYE, 200) at the UAC" test $uac_rc -eq 0
check "... and at the UAS" test $uas_rc -eq 0
leaks=$(grep '192\.168\.' "$TMP/wan.txt" | grep -vc '^[[:space:]]*Call-ID:')
check "... which sees no private address ($leaks lines)" test "$leaks" -eq 0
check "... and the external one in the SDP" grep -q "c=IN IP4 $EXT" "$TMP/wan.txt"
# (PCP and NAT-PMP leases have a quota of their own, leases-per-host.)
n1=$(xnatctl mappings | grep -Ec " $LAN1:[0-9]+ +(dynamic|sip) ")
check "lan1's dynamic and SIP mappings stay within its quota ($n1 of 256)" test "$n1" -le 256
check "... the flood's media mappings over it are counted as sip_media_mapping_failed" \
	test "$(counter sip_media_mapping_failed)" -ge 1000
echo "# SIP dialogs in the table after the flood: $(dialogs) (8192 at most)"
lan2 timeout 10 python3 "$TMP/sip-flood.py" 192.168.2.12 $WAN_B 1 0.5 >/dev/null 2>&1
check "lan1's dialogs stay within [sip] max-dialogs-per-host ($(dialogs 192.168.1.10) of 256)" \
	test "$(dialogs 192.168.1.10)" -le 256
check "... the INVITEs over it counted as sip_dialog_host_limit" test "$(counter sip_dialog_host_limit)" -ge 1000
check "after lan1's flood an INVITE of 192.168.2.12 still opens a SIP dialog" \
	test "$(dialogs 192.168.2.12)" -eq 1
timed out lan2 "$PCP" -s $GW2 -w 4 -t 600 map udp 1504
check "xnatd still answers lan2 (${out_ms} ms)" \
	answered_fast "mapped udp 1504 -> $EXT:"

# ---------------------------------------------------------------- the slow clients, later
sleep $((slow_from + 12 - SECONDS)) 2>/dev/null
timed out lan2 timeout 10 upnpc -u http://$GW2:49152/rootDesc.xml -a $LAN2 6003 6003 TCP 600
check "$((SECONDS - slow_from)) s after 40 slow connections from 5 addresses of lan1's segment, lan2's AddPortMapping is answered (${out_ms} ms)" \
	answered_fast "6003 TCP is redirected"
timed out lan1 curl -s -m 5 -o /dev/null -w '%{http_code}' --interface 192.168.1.16 http://$GW1:49152/rootDesc.xml
check "... and another host on lan1's segment gets the description (${out}, ${out_ms} ms)" \
	answered_fast "^200$"
kill "${slows[@]}" 2>/dev/null # timeout passes it on
wait "${slows[@]}"

rss2=$(rss)
check "xnatd's memory stays bounded after it all (RSS ${rss0} kB before, ${rss2} kB after)" \
	test $((rss2 - rss0)) -le 8192
e2e_finish
