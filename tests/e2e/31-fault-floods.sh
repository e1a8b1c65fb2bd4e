#!/bin/bash
# Floods from one LAN host and full tables, with traffic running (the
# hardening issue):
# - lan1 floods: TCP SYNs to many ports of the WAN host and UDP from many
#   source ports (hping3), each packet a new endpoint, so a new mapping,
#   in a 128-port range that it would fill in a tenth of a second. The
#   per-host quota (24) holds: lan1 never has more, the rest is dropped and
#   counted, and lan2's upload, UDP exchange and new TCP connections and UDP
#   flows all work meanwhile. After the flood the collector gives lan1's
#   mappings back, and lan1 maps again.
# - The mapping table full (max-mappings = 8), then the session table full
#   (max-sessions = 16): new flows are dropped and counted as
#   drop_table_full, established ones (an upload, mapped UDP endpoints) keep
#   flowing; once the collector has freed entries new flows work again.
source "$(dirname "$0")/lib.sh"
xnat_only "the per-host quota and the table sizes are xnatd's"
e2e_setup || bail
command -v hping3 >/dev/null || bail "hping3 is not installed (tools/install-deps.sh)"
QUOTA=24
xnatd_start_patient "[nat]\nport-range = 40000-40127\nmax-ports-per-host = $QUOTA\n[timeouts]\ntcp-transitory = 2\n[agent]\ngc-interval = 1\n" ||
	bail
# mappings_of ADDR: how many mappings an internal address holds
mappings_of() { xnatctl mappings | grep -c " $1:"; }
# flows NSNAME ADDR SPORT:DPORT...: how many of these UDP flows get an answer
# from the WAN host's echo server: all sent at once, one socket per source
# port, answers awaited 1.5 s at most. answered NSNAME ADDR DPORT SPORT...:
# the same for several source ports to one port.
flows() {
	local ns=$1
	shift
	ip netns exec "$ns" timeout 10 python3 -c '
import select, socket, sys, time
addr, socks, want, got = sys.argv[1], {}, set(), set()
for f in sys.argv[2:]:
    sp, dp = map(int, f.split(":"))
    if sp not in socks:
        socks[sp] = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        socks[sp].bind(("", sp))
    socks[sp].sendto(b"x", (addr, dp))
    want.add((sp, dp))
port_of = {s: p for p, s in socks.items()}
end = time.monotonic() + 1.5
while len(got) < len(want) and time.monotonic() < end:
    for s in select.select(list(socks.values()), [], [], max(0, end - time.monotonic()))[0]:
        try:
            frm = s.recvfrom(2048)[1]
            got.add((port_of[s], frm[1]))
        except OSError:
            pass
print(len(got & want))' "$@"
}
answered() {
	local ns=$1 addr=$2 dport=$3 p pairs=()
	shift 3
	for p; do pairs+=("$p:$dport"); done
	flows "$ns" "$addr" "${pairs[@]}"
}
# running PID...: every one of them still runs
running() { local p; for p; do kill -0 "$p" 2>/dev/null || return 1; done; }
# until_le SECONDS CMD N: until CMD prints a number <= N (at most SECONDS s)
until_le() {
	local end=$((SECONDS + $1)) v
	while :; do
		v=$($2)
		((v <= $3)) && return 0
		((SECONDS >= end)) && { echo "# still $v (want <= $3)"; return 1; }
		sleep 0.5
	done
}

echo_server "$NS_WAN" tcp 7002
echo_server "$NS_WAN" udp 7003
stream_start up "$NS_LAN2" $WAN 9000 14 || bail "TCP stream"
udp_exchange_start ux "$NS_LAN2" $WAN 7000 9 || bail "UDP exchange"
check "the upload flows" grows "$TMP/up.got"

# ---------------------------------------------------------------- SYN and UDP flood
q0=$(counter drop_host_quota)
lan1 timeout 20 hping3 -q -S -p ++1000 -i u500 -c 14000 $WAN >"$TMP/syn.out" 2>&1 &
syn=$!
lan1 timeout 20 hping3 -q -2 -p 7100 -i u500 -c 14000 $WAN_B >"$TMP/udp.out" 2>&1 &
udp=$!
sleep 1.5
n1=$(mappings_of $LAN1)
check "flooding, lan1 holds no more than its quota ($n1 of $QUOTA mappings)" test "$n1" -le $QUOTA -a "$n1" -ge $((QUOTA / 2))
tcp_ok=$(for _ in $(seq 10); do ask lan2 tcp $WAN 7002; done | grep -c "^$EXT:")
expect_eq "meanwhile lan2 opens 10 new TCP connections" "$tcp_ok" 10
expect_eq "... and 5 new UDP flows get their answers" "$(answered "$NS_LAN2" $WAN 7003 5101 5102 5103 5104 5105)" 5
check "... and lan2's upload runs on" stream_running up
n1=$(mappings_of $LAN1)
check "still flooding, lan1 holds no more than its quota ($n1)" test "$n1" -le $QUOTA
q1=$(counter drop_host_quota)
check "the flood's new flows are dropped as drop_host_quota ($((q1 - q0)) so far)" test $((q1 - q0)) -ge 1000
check "lan1 itself gets no new flow while at its quota" test "$(answered "$NS_LAN1" $WAN 7003 5201)" -eq 0
check "the floods were still running through all that" running $syn $udp
wait $syn $udp
grep -h "packets transmitted" "$TMP/syn.out" "$TMP/udp.out" | sed 's/^/# lan1 flood: /'
check "after the flood lan1 still holds no more than its quota" test "$(mappings_of $LAN1)" -le $QUOTA
echo "# $(xnatctl status | grep -E '^(sessions|mappings)' | tr -s ' \n' ' ')"

udp_exchange_wait ux
check "lan2's UDP exchange kept one mapping across the flood ($UDPX_FROM)" test "$UDPX_FROM" == "$EXT:${UDPX_FROM##*:}"
check "... and its answers ($UDPX_RECEIVED of $UDPX_SENT; longest gap $UDPX_GAP x 50 ms)" \
	test "${UDPX_RECEIVED:-0}" -ge $((UDPX_SENT * 95 / 100)) -a "${UDPX_GAP:-99}" -le 20
# The UDP flood's mappings last the UDP timeout (120 s at least): the state
# is aged instead (lan2's upload, established, outlives 600 s of age).
xnat_age 600 || not_ok "xnat_age"
check "the collector gives lan1's mappings back" until_le 10 "mappings_of $LAN1" 0
check "... and lan1 maps again" test "$(answered "$NS_LAN1" $WAN 7003 5202)" -eq 1
stream_check up "lan2's upload across the flood arrived intact"

# ---------------------------------------------------------------- tables full
# Sizes are fixed when the maps are made: unload, start again small.
xnatd_signal TERM
gw "$XNATD" --unload --pin-root "$PIN" >/dev/null
xnatd_start_patient '[nat]\nmax-mappings = 8\nmax-sessions = 16\n[agent]\ngc-interval = 1\n' || bail
echo_server "$NS_WAN" udp 7004
stream_start up2 "$NS_LAN2" $WAN 9001 10 || bail "TCP stream"
wait_for bash -c "[[ \$('$XNATCTL' --pin-root '$PIN' mappings | grep -c ' $LAN2:') == 1 ]]" ||
	not_ok "the upload's mapping"
t0=$(counter drop_table_full)
got=$(answered "$NS_LAN1" $WAN 7004 6000 6001 6002 6003 6004 6005 6006 6007 6008 6009 6010 6011)
echo "# $(xnatctl status | grep -E '^(sessions|mappings)' | tr -s ' \n' ' ')"
expect_eq "8 mappings: the upload's and 7 of 12 new UDP endpoints of lan1" "$got" 7
t1=$(counter drop_table_full)
check "the 5 others are dropped as drop_table_full ($((t1 - t0)))" test $((t1 - t0)) -ge 5
expect_eq "the 7 mapped endpoints still get answers" "$(answered "$NS_LAN1" $WAN 7004 6000 6001 6002 6003 6004 6005 6006 6007 6008 6009 6010 6011)" 7
check "the upload runs on" stream_running up2
# Sessions: 16 (the upload's, the 7 flows'), one mapped endpoint talking to
# more ports of the WAN host.
pairs=()
for p in $(seq 7005 7016); do
	echo_server "$NS_WAN" udp $p
	pairs+=("6000:$p")
done
got=$(flows "$NS_LAN1" $WAN "${pairs[@]}")
echo "# $(xnatctl status | grep -E '^(sessions|mappings)' | tr -s ' \n' ' ')"
expect_eq "16 sessions: 8 of 12 new sessions of a mapped endpoint" "$got" 8
t2=$(counter drop_table_full)
check "the 4 others are dropped as drop_table_full ($((t2 - t1)))" test $((t2 - t1)) -ge 4
expect_eq "established flows still get answers" "$(answered "$NS_LAN1" $WAN 7004 6000 6001 6002 6003 6004 6005 6006)" 7
stream_check up2 "the upload across the full tables arrived intact"
xnat_age 600 || not_ok "xnat_age"
check "the collector empties the tables" until_le 10 "mappings_of $LAN1" 0
check "then new flows work again" test "$(answered "$NS_LAN1" $WAN 7004 6100 6101)" -eq 2
e2e_finish
