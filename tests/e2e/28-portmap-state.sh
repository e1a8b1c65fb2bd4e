#!/bin/bash
# Port mappings as state and policy.
# - The lease file: UPnP, NAT-PMP and PCP leases come back after a stop that
#   loses the maps (`xnatd --unload`, as a reboot does), with their UPnP
#   descriptions and PCP nonces; one that ended while xnatd was away does not.
# - Permission rules from the config: what they deny is refused with each
#   protocol's code, or another allowed port is given.
# - The rate limit: a LAN host over it gets 503s, and the log says so.
# - The external address's class (this bed's is a documentation address) in
#   the log and in `xnatctl status`.
source "$(dirname "$0")/lib.sh"
xnat_only "leases, rules and the rate limit are xnatd's"
e2e_setup || bail
command -v upnpc >/dev/null || bail "upnpc is not installed (tools/install-deps.sh)"
command -v natpmpc >/dev/null || bail "natpmpc is not installed (tools/install-deps.sh)"
PCP=$(realpath -m "$BUILD/xnat-pcp")
CONF='[agent]\ngc-interval = 1\n[portmap]\nrate-limit = 10\n'
CONF+='rule = allow 80 192.168.1.10 80\nrule = deny 0-1023 0.0.0.0/0 0-65535\n'
CONF+='rule = deny 7000-7999 192.168.2.0/24 0-65535\n'
gw_start "$CONF" || bail
URL=http://192.168.1.1:49152/rootDesc.xml
upnp() { lan1 timeout 10 upnpc -u $URL "$@" 2>&1; }
mappings() { xnatctl mappings 2>&1; }

# ---------------------------------------------------------------- the lease file
out=$(upnp -e "file transfer" -a $LAN1 6891 6891 TCP 3600)
check "UPnP lease TCP 6891 'file transfer'" grep -q "6891 TCP is redirected" <<<"$out"
out=$(lan1 natpmpc -g 192.168.1.1 -a 6000 6000 udp 3600 2>&1)
check "NAT-PMP lease UDP 6000" grep -q "Mapped public port 6000 protocol UDP" <<<"$out"
out=$(lan2 "$PCP" -s 192.168.2.1 -t 3600 map tcp 1503 1503)
check "PCP lease TCP 1503 for lan2" grep -q "mapped tcp 1503 -> $EXT:1503 " <<<"$out"
nonce=$(sed -n 's/.*nonce \([0-9a-f]*\)).*/\1/p' <<<"$out")
out=$(upnp -e brief -a $LAN1 6895 6895 TCP 2)
check "a 2 s UPnP lease TCP 6895" grep -q "6895 TCP is redirected" <<<"$out"
check "the lease file lists all four" \
	wait_for bash -c "[[ \$(grep -vc '^#' '$TMP/state/leases') == 4 ]]"
check "... with the description, percent-encoded" grep -q "	upnp	.*file%20transfer	-$" "$TMP/state/leases"
check "... and the PCP nonce" grep -q "	pcp	.*	$nonce	" "$TMP/state/leases"

xnatd_signal TERM
gw "$XNATD" --unload --pin-root "$PIN" >/dev/null
check "after --unload the maps are gone" test ! -e "$PIN/xnat_ports"
sleep 2.5 # the 2 s lease ends while xnatd is away
gw_start "$CONF" || bail
out=$(mappings)
check "restart: UPnP TCP 6891 restored" grep -Eq "tcp +$EXT:6891 +$LAN1:6891 +upnp" <<<"$out"
check "restart: NAT-PMP UDP 6000 restored" grep -Eq "udp +$EXT:6000 +$LAN1:6000 +natpmp" <<<"$out"
check "restart: PCP TCP 1503 restored" grep -Eq "tcp +$EXT:1503 +$LAN2:1503 +pcp" <<<"$out"
check "restart: the lease that ended meanwhile is not" bash -c "! grep -q ':6895 ' <<<'$out'"
check "xnatd says what it restored" grep -q "leases: 3 of 4 in .* restored or kept" "$TMP/xnatd.log"
check "the UPnP description came back" grep -q "TCP  6891->$LAN1:6891  'file transfer'" <<<"$(upnp -l)"
echo_server "$NS_LAN1" tcp 6891
expect_eq "the WAN reaches lan1's TCP 6891 through the restored lease" \
	"$(ask wan tcp $EXT 6891 sourceport=35001)" "$WAN:35001"
lan2 "$PCP" -s 192.168.2.1 -n 000000000000000000000001 delete tcp 1503 >/dev/null
expect_eq "the restored PCP lease still refuses another nonce (exit 2)" "$?" 2
check "... and its own nonce deletes it" lan2 "$PCP" -s 192.168.2.1 -n "$nonce" delete tcp 1503
check "the file follows the delete" \
	wait_for bash -c "! grep -q '	pcp	' '$TMP/state/leases'"

# ---------------------------------------------------------------- permission rules
out=$(upnp -e web -a $LAN1 80 80 TCP 600)
check "rule 'allow 80 192.168.1.10 80': lan1 may map TCP 80" grep -q "external $EXT:80 TCP is redirected" <<<"$out"
out=$(upnp -a $LAN1 443 443 TCP 600)
check "rule 'deny 0-1023': TCP 443 refused (606 under IGD:2)" grep -q "failed with code 606" <<<"$out"
out=$(lan2 natpmpc -g 192.168.2.1 -a 7100 7100 tcp 600 2>&1)
check "rule 'deny 7000-7999 192.168.2.0/24': NAT-PMP from lan2 gets another port" \
	grep -Eq "Mapped public port [0-9]+ protocol TCP to local port 7100" <<<"$out"
check "... not 7100" bash -c "! grep -q 'Mapped public port 7100 ' <<<'$out'"
lan2 "$PCP" -s 192.168.2.1 --prefer-failure map tcp 7200 7200 >"$TMP/denied.txt"
expect_eq "PCP with PREFER_FAILURE for a denied port: refused (exit 2)" "$?" 2
check "... NOT_AUTHORIZED" grep -q NOT_AUTHORIZED "$TMP/denied.txt"

# ---------------------------------------------------------------- rate limit
# 40 requests at once: one curl, 8 connections in parallel (the HTTP
# server takes 8 per address), 5 requests on each. At most the burst (20)
# plus what the rate (10/s) refills while they run are answered, the rest
# get 503.
args=()
for _ in $(seq 40); do args+=(-o /dev/null "$URL"); done
t0=$(date +%s%N)
lan1 curl -s --parallel --parallel-max 8 -w '%{http_code}\n' "${args[@]}" >"$TMP/rl.codes"
ms=$((($(date +%s%N) - t0) / 1000000))
answered=$(grep -c '^200$' "$TMP/rl.codes")
refused=$(grep -c '^503$' "$TMP/rl.codes")
check "40 requests at once from lan1: some answered" test "$answered" -ge 1
check "... the rest 503 (rate-limit = 10, bursts of 20; codes: $(sort "$TMP/rl.codes" | uniq -c | xargs))" \
	test $((answered + refused)) = 40 -a "$refused" -ge 1
check "... no more answered than the burst and the refill allow ($answered in $ms ms)" \
	test "$answered" -le $((20 + 10 * ms / 1000 + 1))
check "the log counts what the rate limit dropped" \
	wait_for grep -q "rate limit: [0-9]* requests from LAN hosts dropped" "$TMP/xnatd.log"
served() { [[ $(lan1 curl -s -o /dev/null -w '%{http_code}' $URL) == 200 ]]; }
check "once the bucket refills lan1 is served again" wait_for served

# ---------------------------------------------------------------- address class
check "the log says what kind of external address this is" \
	grep -q "external address $EXT: documentation or test address" "$TMP/xnatd.log"
check "xnatctl status says it too" grep -q "documentation or test address" <<<"$(xnatctl status)"
check "... and in JSON" grep -q '"external_address_class":"documentation"' <<<"$(xnatctl --json status)"
e2e_finish
