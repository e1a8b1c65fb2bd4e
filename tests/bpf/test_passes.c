// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* What the fast path hands to the stack untouched, and why (the counter says). */
#include <netinet/in.h>
#include <string.h>
#include "harness.h"

#define NO_NEIGH_WAN "198.51.100.4"  /* on the WAN subnet, no neighbour entry */
#define NO_NEIGH_LAN "192.168.1.12"  /* on the LAN subnet, no neighbour entry */
#define OTHER_WAN "198.51.100.9"     /* a WAN address that is not the gateway's */

static bool untouched(run_fn run, const struct pkt *in, int verdict, enum xnat_stat stat)
{
	return expect_pkt(run, in, verdict, NULL, NULL) && counted_once(stat);
}

static bool spec_untouched(run_fn run, const struct pkt_spec *s, int verdict, enum xnat_stat stat)
{
	struct pkt in;

	return !pkt_build(&in, s) && untouched(run, &in, verdict, stat);
}

static void not_ipv4(void)
{
	static const uint8_t ip6_payload[40] = { 0x60, 0, 0, 0, 0, 0, 17, 64 };
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 5000, REM, 53), MAC_H1);
	struct pkt in;

	env_reset();
	pkt_build(&in, &s);
	in.buf[12] = 0x08, in.buf[13] = 0x06; /* ARP */
	t_ok(untouched(run_xdp_lan, &in, V_XDP_PASS, XNAT_STAT_PASS_NOT_IPV4), "ARP (XDP lan): to the stack, pass_not_ipv4");
	t_ok(untouched(run_xdp_wan, &in, V_XDP_PASS, XNAT_STAT_PASS_NOT_IPV4), "ARP (XDP wan): to the stack");
	t_ok(untouched(run_tc_egress, &in, V_TC_OK, XNAT_STAT_PASS_NOT_IPV4), "ARP (TC egress): untouched");
	in.buf[12] = 0x86, in.buf[13] = 0xdd; /* IPv6 */
	memcpy(in.buf + PKT_ETH_LEN, ip6_payload, sizeof(ip6_payload));
	in.len = PKT_ETH_LEN + sizeof(ip6_payload);
	t_ok(untouched(run_xdp_lan, &in, V_XDP_PASS, XNAT_STAT_PASS_NOT_IPV4), "IPv6 (XDP lan): to the stack, pass_not_ipv4");
	t_ok(untouched(run_tc_ingress, &in, V_TC_OK, XNAT_STAT_PASS_NOT_IPV4), "IPv6 (TC ingress): untouched");
	in.buf[12] = 0x81, in.buf[13] = 0x00; /* a VLAN tag */
	t_ok(untouched(run_xdp_lan, &in, V_XDP_PASS, XNAT_STAT_PASS_NOT_IPV4), "802.1Q frame: to the stack");
}

static void lan_side(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 5000, REM, 53), MAC_H1);

	env_reset();
	s.ttl = 1;
	t_ok(spec_untouched(run_xdp_lan, &s, V_XDP_PASS, XNAT_STAT_PASS_TTL),
	     "TTL 1 to the WAN: to the stack (it sends time exceeded), pass_ttl_expiring");
	t_ok(map_entries(env.skel->maps.xnat_flows) == 0, "TTL 1: no session created");
	s = from_lan(flow_spec(IPPROTO_UDP, H1, 5000, GW_LAN, 53), MAC_H1);
	t_ok(spec_untouched(run_xdp_lan, &s, V_XDP_PASS, XNAT_STAT_PASS_LOCAL),
	     "packet for the gateway itself (192.168.1.1): to the stack, pass_to_gateway");
	s = from_lan(flow_spec(IPPROTO_TCP, H1, 5000, H2, 22), MAC_H1);
	t_ok(spec_untouched(run_xdp_lan, &s, V_XDP_PASS, XNAT_STAT_PASS_NOT_NAT),
	     "LAN host to LAN host: not for NAT, untouched");
	s = from_lan(flow_spec(IPPROTO_UDP, H1, 40000, "239.255.255.250", 1900), MAC_H1);
	t_ok(spec_untouched(run_xdp_lan, &s, V_XDP_PASS, XNAT_STAT_PASS_NOT_NAT),
	     "SSDP M-SEARCH to 239.255.255.250: untouched, never routed to the WAN");
	s = from_lan(flow_spec(IPPROTO_UDP, H1, 68, "255.255.255.255", 67), MAC_H1);
	t_ok(spec_untouched(run_xdp_lan, &s, V_XDP_PASS, XNAT_STAT_PASS_NOT_NAT), "broadcast: untouched");
	s = from_lan(flow_spec(IPPROTO_UDP, "0.0.0.0", 68, REM, 67), MAC_H1);
	t_ok(spec_untouched(run_tc_egress, &s, V_TC_OK, XNAT_STAT_PASS_NOT_NAT),
	     "source 0.0.0.0 (a DHCP client on the WAN): TC egress leaves it alone");
	t_ok(map_entries(env.skel->maps.xnat_flows) == 0, "... no session for any of them");
	s = from_lan(flow_spec(IPPROTO_TCP, H1, 5000, NO_NEIGH_WAN, 80), MAC_H1);
	t_ok(spec_untouched(run_xdp_lan, &s, V_XDP_PASS, XNAT_STAT_PASS_FIB),
	     "WAN next hop without a neighbour entry: to the stack untouched (TC egress translates)");
	t_ok(map_entries(env.skel->maps.xnat_flows) == 0, "... and no session created by XDP");
}

static void wan_side(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 5000, REM, 53), MAC_H1), want;
	struct pkt out;

	env_reset();
	run_spec(run_xdp_lan, &s, &out);
	s = from_wan(flow_spec(IPPROTO_UDP, REM, 53, OTHER_WAN, 5000), MAC_REM);
	t_ok(spec_untouched(run_xdp_wan, &s, V_XDP_PASS, XNAT_STAT_PASS_NOT_NAT),
	     "WAN packet not for the external address: untouched, pass_not_for_nat");
	t_ok(spec_untouched(run_tc_ingress, &s, V_TC_OK, XNAT_STAT_PASS_NOT_NAT), "... the same in TC ingress");
	/* A WAN neighbour routing a LAN address to the gateway: never forwarded untranslated. */
	s = from_wan(flow_spec(IPPROTO_TCP, REM, 50000, H1, 22), MAC_REM);
	t_ok(spec_untouched(run_xdp_wan, &s, V_XDP_DROP, XNAT_STAT_DROP_WAN_TO_LAN),
	     "WAN packet for a LAN host's own address: dropped, drop_wan_to_lan");
	t_ok(spec_untouched(run_tc_ingress, &s, V_TC_SHOT, XNAT_STAT_DROP_WAN_TO_LAN), "... the same in TC ingress");
	s = from_wan(flow_spec(IPPROTO_TCP, REM, 50000, GW_LAN, 22), MAC_REM);
	t_ok(spec_untouched(run_xdp_wan, &s, V_XDP_PASS, XNAT_STAT_PASS_NOT_NAT),
	     "WAN packet for the gateway's LAN address: not forwarded, the stack's (xnatd binds its LAN servers to the LAN devices)");
	s = from_wan(flow_spec(IPPROTO_UDP, REM, 53, EXT, 5000), MAC_REM);
	s.ttl = 1;
	t_ok(spec_untouched(run_xdp_wan, &s, V_XDP_PASS, XNAT_STAT_PASS_TTL), "WAN reply with TTL 1: to the stack untouched");
	want = s;
	want.dst = H1;
	t_ok(expect(run_tc_ingress, &s, V_TC_OK, &want, NULL), "... which TC ingress translates");

	add_forward(IPPROTO_TCP, 3389, NO_NEIGH_LAN, 3389, XNAT_OWNER_CONFIG);
	s = from_wan(flow_spec(IPPROTO_TCP, REM, 50000, EXT, 3389), MAC_REM);
	t_ok(spec_untouched(run_xdp_wan, &s, V_XDP_PASS, XNAT_STAT_PASS_FIB),
	     "inbound to a LAN host without a neighbour entry: to the stack untouched, pass_fib_unresolved");
	want = s;
	want.dst = NO_NEIGH_LAN;
	t_ok(expect(run_tc_ingress, &s, V_TC_OK, &want, NULL) && counted_once(XNAT_STAT_XLATE_IN),
	     "... which TC ingress translates through the session XDP created");
}

static void disabled(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 5000, REM, 53), MAC_H1);

	env_reset();
	cfg_edit(cfg_set_flags, XNAT_CFG_HAIRPIN | XNAT_CFG_WAN_XDP);
	t_ok(spec_untouched(run_xdp_lan, &s, V_XDP_PASS, XNAT_STAT_PASS_DISABLED),
	     "NAT disabled (no external address yet): LAN packet untouched, pass_nat_disabled");
	/* Leaving by the WAN untranslated, a LAN host's packet would carry its
	 * private source: dropped. The gateway's own goes on (the twin). */
	t_ok(spec_untouched(run_tc_egress, &s, V_TC_SHOT, XNAT_STAT_DROP_OUT_NO_ADDRESS),
	     "NAT disabled: a LAN host's packet leaving by the WAN is dropped (drop_out_no_external_address)");
	s = flow_spec(IPPROTO_UDP, EXT, 5000, REM, 53);
	t_ok(spec_untouched(run_tc_egress, &s, V_TC_OK, XNAT_STAT_PASS_DISABLED),
	     "NAT disabled: the gateway's own packet leaves untouched (pass_nat_disabled)");
	s = from_wan(flow_spec(IPPROTO_UDP, REM, 53, EXT, 5000), MAC_REM);
	t_ok(spec_untouched(run_xdp_wan, &s, V_XDP_PASS, XNAT_STAT_PASS_DISABLED), "NAT disabled: WAN packet untouched");
	t_ok(spec_untouched(run_tc_ingress, &s, V_TC_OK, XNAT_STAT_PASS_DISABLED), "NAT disabled: TC ingress untouched");
	t_ok(map_entries(env.skel->maps.xnat_flows) == 0 && map_entries(env.skel->maps.xnat_eim) == 0,
	     "NAT disabled: no state created");
}

void test_passes(void)
{
	not_ipv4();
	lan_side();
	wan_side();
	disabled();
}
