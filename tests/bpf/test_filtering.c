// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Filtering modes (RFC 4787 REQ-8) and static forwards. */
#include <bpf/bpf.h>
#include <netinet/in.h>
#include "harness.h"

static void set_filtering(struct xnat_config *c, long mode) { c->filtering = (__u8)mode; }

/* H1:5000 -> REM:53 opens a mapping; then `from` sends to EXT:5000. */
static int inbound_after_mapping(const char *from, uint16_t from_port, const uint8_t *mac)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 5000, REM, 53), MAC_H1);
	struct pkt in, out;

	pkt_build(&in, &s);
	run_xdp_lan(&in, &out);
	s = from_wan(flow_spec(IPPROTO_UDP, from, from_port, EXT, 5000), mac);
	pkt_build(&in, &s);
	return run_xdp_wan(&in, &out);
}

static void filtering(void)
{
	int v;

	env_reset();
	v = inbound_after_mapping(REM2, 9999, MAC_REM2);
	t_ok(v == V_XDP_REDIRECT, "endpoint-independent filtering: any remote reaches the mapping");

	env_reset();
	cfg_edit(set_filtering, XNAT_FILTER_ADDRESS_DEPENDENT);
	v = inbound_after_mapping(REM, 54, MAC_REM);
	t_ok(v == V_XDP_REDIRECT, "address-dependent: same address, other port admitted");
	v = inbound_after_mapping(REM2, 53, MAC_REM2);
	t_ok(v == V_XDP_DROP && stat_delta(XNAT_STAT_DROP_FILTERED) == 1, "address-dependent: other address dropped, counted");

	env_reset();
	cfg_edit(set_filtering, XNAT_FILTER_ADDRESS_PORT_DEPENDENT);
	v = inbound_after_mapping(REM, 53, MAC_REM);
	t_ok(v == V_XDP_REDIRECT, "address-and-port-dependent: the session's own remote admitted");
	v = inbound_after_mapping(REM, 54, MAC_REM);
	t_ok(v == V_XDP_DROP, "address-and-port-dependent: same address, other port dropped");
}

static void add_forward(uint16_t ext, uint16_t port, __u8 owner)
{
	__u32 slot = (__u32)xnat_port_slot(IPPROTO_TCP, ext);
	struct xnat_port_owner o = { .int_addr = pkt_addr(H1), .int_port = htons(port), .owner = owner,
				     .in_use = 1 };

	bpf_map_update_elem(bpf_map__fd(env.skel->maps.xnat_ports), &slot, &o, BPF_ANY);
}

static void forwards(void)
{
	struct pkt_spec s = from_wan(flow_spec(IPPROTO_TCP, REM, 50000, EXT, 3389), MAC_REM), want;
	struct pkt in, out, exp;
	struct xnat_flow f;
	int v;

	env_reset();
	cfg_edit(set_filtering, XNAT_FILTER_ADDRESS_PORT_DEPENDENT);
	add_forward(3389, 3389, XNAT_OWNER_CONFIG);
	add_forward(8443, 443, XNAT_OWNER_STATIC);
	want = forwarded(s, MAC_GW_LAN, MAC_H1);
	want.dst = H1;
	pkt_build(&in, &s);
	pkt_build(&exp, &want);
	v = run_xdp_wan(&in, &out);
	t_ok(v == V_XDP_REDIRECT && pkt_same(&out, &exp), "static forward tcp 3389: WAN SYN reaches 192.168.1.10:3389 (even with APDF)");
	t_ok(flow_exists(H1, 3389, REM, 50000, IPPROTO_TCP, XNAT_DIR_OUT, &f) && f.owner == XNAT_OWNER_CONFIG,
	     "static forward: session created with owner config");
	s.dport = 8443;
	want = forwarded(s, MAC_GW_LAN, MAC_H1);
	want.dst = H1, want.dport = 443;
	pkt_build(&in, &s);
	pkt_build(&exp, &want);
	v = run_xdp_wan(&in, &out);
	t_ok(v == V_XDP_REDIRECT && pkt_same(&out, &exp), "static forward 8443 -> 192.168.1.10:443: port rewritten");
	s = from_lan(flow_spec(IPPROTO_TCP, H1, 3389, REM, 50000), MAC_H1);
	s.tcp_flags = TH_SYN | TH_ACK;
	want = forwarded(s, MAC_GW_WAN, MAC_REM);
	want.src = EXT;
	pkt_build(&in, &s);
	pkt_build(&exp, &want);
	v = run_xdp_lan(&in, &out);
	t_ok(v == V_XDP_REDIRECT && pkt_same(&out, &exp), "static forward: the LAN server's reply leaves from 198.51.100.1:3389");
	s = from_wan(flow_spec(IPPROTO_TCP, REM, 50001, EXT, 3390), MAC_REM);
	pkt_build(&in, &s);
	v = run_xdp_wan(&in, &out);
	t_ok(v == V_XDP_PASS && pkt_same(&out, &in), "unforwarded port: passed to the gateway untouched");
}

void test_filtering_forwards(void)
{
	filtering();
	forwards();
}
