// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The XDP and TC paths (agent/xnatd/paths.c): XDP redirects only to the
 * interfaces on the XDP path and hands the rest to the stack untouched, for
 * TC to translate; the LAN's TC ingress program does the hairpin on the TC
 * path. XDP on a LAN bridge's ports (agent/xnatd/bridge.c) takes only what
 * the bridge routes to the WAN.
 */
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xnat/links.h>
#include <xnat/slowpath.h>
#include "slowrun.h"
#include "harness.h"

enum { PATH_NONE = 0, PATH_WAN = 1, PATH_LAN = 2, PATH_BOTH = 3 };

static void lan_to_wan(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 7100, REM, 53), MAC_H1);
	struct pkt_spec want = forwarded(s, MAC_GW_WAN, MAC_REM);
	struct pkt out;

	want.src = EXT;
	env_reset();
	cfg_edit(cfg_set_xdp_path, PATH_LAN);
	t_ok(expect(run_xdp_lan, &s, V_XDP_PASS, NULL, NULL) && counted_once(XNAT_STAT_PASS_TC_PATH) &&
	     !flow_exists(H1, 7100, REM, 53, IPPROTO_UDP, XNAT_DIR_OUT, NULL),
	     "the WAN off the XDP path: a LAN packet for it is passed untouched (pass_to_tc_path), no session yet");
	want.ttl++; /* the stack forwarded it: TTL and MACs are its business */
	want.smac = s.smac, want.dmac = s.dmac;
	t_ok(expect(run_tc_egress, &s, V_TC_OK, &want, &out) && counted_once(XNAT_STAT_XLATE_OUT),
	     "... and the WAN's TC egress translates it as it leaves");
	cfg_edit(cfg_set_xdp_path, PATH_BOTH);
	s.sport = 7101, want = forwarded(s, MAC_GW_WAN, MAC_REM), want.src = EXT;
	t_ok(expect(run_xdp_lan, &s, V_XDP_REDIRECT, &want, NULL) && counted_once(XNAT_STAT_XLATE_OUT),
	     "the WAN on the XDP path: the same packet is translated and redirected by XDP");
}

static void wan_to_lan(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 7200, REM, 53), MAC_H1);
	struct pkt_spec r = from_wan(flow_spec(IPPROTO_UDP, REM, 53, EXT, 7200), MAC_REM);
	struct pkt_spec want = r;
	struct pkt out;

	env_reset();
	run_spec(run_xdp_lan, &s, &out); /* H1:7200 leaves from EXT:7200 */
	cfg_edit(cfg_set_xdp_path, PATH_WAN);
	t_ok(expect(run_xdp_wan, &r, V_XDP_PASS, NULL, NULL) && counted_once(XNAT_STAT_PASS_TC_PATH),
	     "the LAN interface off the XDP path: the reply is passed untouched (pass_to_tc_path)");
	want.dst = H1;
	t_ok(expect(run_tc_ingress, &r, V_TC_OK, &want, NULL) && counted_once(XNAT_STAT_XLATE_IN),
	     "... and the WAN's TC ingress translates it for the stack to forward");
	cfg_edit(cfg_set_xdp_path, PATH_BOTH);
	want = forwarded(r, MAC_GW_LAN, MAC_H1), want.dst = H1;
	t_ok(expect(run_xdp_wan, &r, V_XDP_REDIRECT, &want, NULL) && counted_once(XNAT_STAT_XLATE_IN),
	     "the LAN interface on the XDP path: XDP translates and redirects the reply");
}

static void hairpin_on_tc(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 7300, REM, 53), MAC_H1);
	struct pkt_spec h = from_lan(flow_spec(IPPROTO_UDP, H2, 7400, EXT, 7300), MAC_H2);
	struct pkt_spec want = forwarded(h, MAC_GW_LAN, MAC_H1);
	struct pkt out;

	env_reset();
	run_spec(run_xdp_lan, &s, &out); /* H1:7300 mapped to EXT:7300 */
	cfg_edit(cfg_set_xdp_path, PATH_WAN);
	t_ok(expect(run_xdp_lan, &h, V_XDP_PASS, NULL, NULL) && counted_once(XNAT_STAT_PASS_TC_PATH),
	     "hairpin with the LAN interface off the XDP path: XDP passes it untouched (pass_to_tc_path)");
	want.src = EXT, want.dst = H1;
	t_ok(expect(run_tc_lan, &h, V_TC_REDIRECT, &want, NULL) && counted_once(XNAT_STAT_XLATE_HAIRPIN),
	     "... the LAN's TC ingress hairpins it: 198.51.100.1:7400 -> 192.168.1.10:7300, ttl-1, "
	     "redirected to the LAN host");
	h.sport = 7401, h.dport = 22;
	t_ok(expect(run_tc_lan, &h, V_TC_OK, NULL, NULL) && stat_delta(XNAT_STAT_PASS_LOCAL) == 0,
	     "... an unmapped port of the external address: the gateway's own service, untouched (passes "
	     "are not counted there)");
	s.sport = 7302;
	t_ok(expect(run_tc_lan, &s, V_TC_OK, NULL, NULL) && stat_delta(XNAT_STAT_XLATE_OUT) == 0 &&
	     stat_delta(XNAT_STAT_PASS_NOT_NAT) == 0,
	     "... a packet for the Internet: untouched and not counted there (the WAN's TC egress counts it)");
}

/* xnatd's own runs of the XDP program (PCP PEER's first packet, a
 * reassembled SIP datagram) translate whatever the path: xnatd sends the
 * result itself. */
static void slow_run_any_path(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 7500, REM, 3478), MAC_H1);
	struct pkt in, out;
	struct xnat_slow_meta meta;
	int v;

	env_reset();
	cfg_edit(cfg_set_xdp_path, PATH_NONE);
	pkt_build(&in, &s);
	stat_mark();
	v = xnat_slow_run(bpf_program__fd(env.skel->progs.xnat_xdp_lan), (__u32)env.lan_ifindex,
			  XNAT_SLOW_NO_DIVERT, in.buf, in.len, out.buf, &out.len, &meta);
	t_ok(v == V_XDP_REDIRECT && meta.out_ifindex == (__u32)env.wan_ifindex &&
	     stat_delta(XNAT_STAT_XLATE_OUT) == 1 && flow_exists(H1, 7500, REM, 3478, IPPROTO_UDP, XNAT_DIR_OUT, NULL),
	     "no interface on the XDP path: xnatd's run of a LAN packet is still translated, the session made");
	s.sport = 7501;
	t_ok(expect(run_xdp_lan, &s, V_XDP_PASS, NULL, NULL) && counted_once(XNAT_STAT_PASS_TC_PATH),
	     "... while the same packet off the wire is passed to the TC path");
}

/* A bridge xb (address MAC_BR) with the port xp, the way xnatd sets it up:
 * xp in xnat_bridge_ports, XNAT_CFG_BRIDGE_PORTS. A policy rule routes what
 * comes in by xb through REM2: a translated packet's next hop says whether
 * it was routed as from the bridge. */
static const uint8_t MAC_BR[6] = { 2, 0, 0, 0, 3, 1 };
static int port_ifindex;

static int run_xdp_port(const struct pkt *in, struct pkt *out)
{
	return run_prog(env.skel->progs.xnat_xdp_lan, port_ifindex, in, out, 1, NULL);
}

static void set_port(int forwarding)
{
	struct xnat_bridge_port bp = { .bridge_ifindex = if_nametoindex("xb"), .forwarding = (__u8)forwarding };
	__u32 key = (__u32)port_ifindex;

	memcpy(bp.bridge_mac, MAC_BR, sizeof(bp.bridge_mac));
	snprintf(bp.name, sizeof(bp.name), "xp");
	snprintf(bp.bridge, sizeof(bp.bridge), "xb");
	bpf_map_update_elem(bpf_map__fd(env.skel->maps.xnat_bridge_ports), &key, &bp, BPF_ANY);
}

static void bridge_ports(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 7600, REM, 53), MAC_H1);
	struct pkt_spec want;

	if (system("ip link add xb address 02:00:00:00:03:01 type bridge && "
		   "ip link add xp type veth peer name xp2 && ip link set xp master xb && "
		   "for i in xb xp xp2; do ip link set $i up; done && "
		   "ip route add 198.51.100.0/24 via " REM2 " dev xw table 100 && ip rule add iif xb lookup 100")) {
		t_ok(false, "bridge ports: the bridge xb and its port xp are set up");
		return;
	}
	port_ifindex = (int)if_nametoindex("xp");
	env_reset();
	cfg_edit(cfg_set_flags, XNAT_CFG_ENABLED | XNAT_CFG_HAIRPIN | XNAT_CFG_WAN_XDP | XNAT_CFG_BRIDGE_PORTS);
	set_port(1);
	s.dmac = MAC_BR;
	want = forwarded(s, MAC_GW_WAN, MAC_REM2), want.src = EXT;
	t_ok(expect(run_xdp_port, &s, V_XDP_REDIRECT, &want, NULL) && counted_once(XNAT_STAT_XLATE_OUT),
	     "a bridge's port: a frame for the bridge's address is translated and redirected to the WAN, "
	     "routed as from the bridge (its policy rule's next hop)");
	s.sport = 7601, want = forwarded(s, MAC_GW_WAN, MAC_REM), want.src = EXT;
	s.dmac = MAC_GW_LAN, want.smac = MAC_GW_WAN;
	t_ok(expect(run_xdp_lan, &s, V_XDP_REDIRECT, &want, NULL) && counted_once(XNAT_STAT_XLATE_OUT),
	     "... the same from the LAN interface xl: routed as from xl (no rule: straight to the remote host)");
	s.sport = 7602, s.dmac = MAC_H2;
	t_ok(expect(run_xdp_port, &s, V_XDP_PASS, NULL, NULL) && counted_once(XNAT_STAT_PASS_BRIDGED) &&
	     !flow_exists(H1, 7602, REM, 53, IPPROTO_UDP, XNAT_DIR_OUT, NULL),
	     "... a frame for another host's address: the bridge's to switch, untouched (pass_bridged), no session");
	set_port(0);
	s.dmac = MAC_BR;
	t_ok(expect(run_xdp_port, &s, V_XDP_PASS, NULL, NULL) && counted_once(XNAT_STAT_PASS_BRIDGED) &&
	     !flow_exists(H1, 7602, REM, 53, IPPROTO_UDP, XNAT_DIR_OUT, NULL),
	     "... the port not forwarding (STP): untouched, left to the bridge");
	set_port(1);
	want = forwarded(s, MAC_GW_WAN, MAC_REM2), want.src = EXT;
	t_ok(expect(run_xdp_port, &s, V_XDP_REDIRECT, &want, NULL) && counted_once(XNAT_STAT_XLATE_OUT),
	     "... forwarding again: translated");
	s = from_lan(flow_spec(IPPROTO_UDP, H2, 7700, EXT, 7600), MAC_H2), s.dmac = MAC_BR;
	t_ok(expect(run_xdp_port, &s, V_XDP_PASS, NULL, NULL) && counted_once(XNAT_STAT_PASS_TC_PATH),
	     "... the hairpin: untouched, into the bridge, whose TC program does it (pass_to_tc_path)");
	map_empty(env.skel->maps.xnat_bridge_ports);
	if (system("ip rule del iif xb lookup 100; ip link del xb; ip link del xp"))
		t_note("bridge ports: cleanup failed");
}

void test_paths(void)
{
	lan_to_wan();
	wan_to_lan();
	hairpin_on_tc();
	slow_run_any_path();
	bridge_ports();
}
