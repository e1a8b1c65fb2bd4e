#!/bin/bash
# An upgrade from an xnat whose session entries are shorter (12 bytes, from
# before the next-hop cache) keeps the sessions: xnatd sets the older pinned
# table aside, makes the new one and copies every session in
# (agent/xnatd/flows_upgrade.c). The older table is made here from the
# running one, as an older xnat would have left it: a SIGUSR2 handover (the
# programs stay attached), then the pin replaced by a 12-byte copy.
source "$(dirname "$0")/lib.sh"
xnat_only "nftables keeps its state in the kernel"
e2e_setup && gw_start || bail

value_size() { gw bpftool -j map show pinned "$PIN/xnat_flows" | python3 -c 'import json, sys; print(json.load(sys.stdin)["bytes_value"])'; }
# older_table: the pinned session table replaced by one of 12-byte entries
# holding the same sessions; prints how many.
older_table() {
	gw python3 - "$PIN/xnat_flows" <<-'PY'
	import json, os, subprocess, sys
	pin = sys.argv[1]
	def bpftool(*args):
	    out = subprocess.run(["bpftool", "-j", *args], check=True, capture_output=True, text=True).stdout
	    return json.loads(out) if out.strip() else None
	info = bpftool("map", "show", "pinned", pin)
	entries = bpftool("map", "dump", "pinned", pin) or []
	os.unlink(pin)
	bpftool("map", "create", pin, "type", "hash", "key", "16", "value", "12",
	        "entries", str(info["max_entries"]), "name", "xnat_flows")
	hexs = lambda b: [f"{int(x, 16):02x}" for x in b]
	for e in entries:
	    bpftool("map", "update", "pinned", pin, "key", "hex", *hexs(e["key"]),
	            "value", "hex", *hexs(e["value"][:12]))
	print(len(entries))
	PY
}

check "the session table has $(value_size)-byte entries" test "$(value_size)" -gt 12
stream_start up "$NS_LAN1" $WAN 5043 8 || bail "stream"
check "a TCP upload from lan1 runs" grows "$TMP/up.got"
xnatd_signal USR2
n=$(older_table) || bail "making the older table"
check "the older table holds the upload's session (both entries): $n" test "$n" -ge 2
check "... in 12-byte entries" test "$(value_size)" = 12
xnatd_start || bail "xnatd on the older table"
check "xnatd took the $n sessions over (its log)" \
	grep -q " $n flow entries taken over from the older table" "$TMP/xnatd.log"
check "... released the older table once its programs were replaced" \
	grep -q "flow entries taken over from the older table; it is released" "$TMP/xnatd.log"
check "the new table is pinned, with the new entries ($(value_size) bytes)" test "$(value_size)" -gt 12
check "the upload goes on" grows "$TMP/up.got"
stream_check up "the upload arrived whole, in order"
e2e_finish
