// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Hairpinning (RFC 4787 REQ-9): LAN host to LAN host through the external address. */
#include <netinet/in.h>
#include "harness.h"

/* src:sport -> EXT:ext_port on the LAN becomes EXT:src_ext -> dst:dport back out of the LAN. */
static bool hairpins(uint8_t proto, const char *src, const uint8_t *src_mac, uint16_t sport, uint16_t ext_port,
		     uint16_t src_ext, const char *dst, const uint8_t *dst_mac, uint16_t dport)
{
	struct pkt_spec s = from_lan(flow_spec(proto, src, sport, EXT, ext_port), src_mac);
	struct pkt_spec want = forwarded(s, MAC_GW_LAN, dst_mac);

	want.src = EXT, want.sport = src_ext;
	want.dst = dst, want.dport = dport;
	return expect(run_xdp_lan, &s, V_XDP_REDIRECT, &want, NULL) && counted_once(XNAT_STAT_XLATE_HAIRPIN);
}

void test_hairpin(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 5000, REM, 53), MAC_H1);
	struct pkt out;

	env_reset();
	run_spec(run_xdp_lan, &s, &out); /* H1:5000 is mapped to EXT:5000 */
	t_ok(hairpins(IPPROTO_UDP, H2, MAC_H2, 6000, 5000, 6000, H1, MAC_H1, 5000),
	     "hairpin: 192.168.1.11:6000 -> 198.51.100.1:5000 becomes 198.51.100.1:6000 -> 192.168.1.10:5000, redirected back out of the LAN, ttl-1");
	t_ok(eim_port(H2, 6000, IPPROTO_UDP) == 6000 &&
	     flow_exists(EXT, 6000, EXT, 5000, IPPROTO_UDP, XNAT_DIR_IN, NULL) &&
	     flow_exists(H1, 5000, EXT, 6000, IPPROTO_UDP, XNAT_DIR_OUT, NULL),
	     "hairpin: the sender got a mapping, the receiver a session with the external endpoint");
	t_ok(hairpins(IPPROTO_UDP, H1, MAC_H1, 5000, 6000, 5000, H2, MAC_H2, 6000),
	     "hairpin: the answer goes back the same way");

	add_forward(IPPROTO_TCP, 3389, H1, 3389, XNAT_OWNER_CONFIG);
	t_ok(hairpins(IPPROTO_TCP, H2, MAC_H2, 40000, 3389, 40000, H1, MAC_H1, 3389),
	     "hairpin to a static forward (tcp 3389)");

	/* 192.168.1.12 has no neighbour entry (harness.c): the gateway has not
	 * spoken to it yet. */
	add_forward(IPPROTO_TCP, 3390, "192.168.1.12", 3389, XNAT_OWNER_CONFIG);
	s = from_lan(flow_spec(IPPROTO_TCP, H2, 40001, EXT, 3390), MAC_H2);
	t_ok(expect(run_xdp_lan, &s, V_XDP_PASS, NULL, NULL) && counted_once(XNAT_STAT_PASS_TC_PATH),
	     "hairpin to a host with no ARP entry yet: XDP can't address it, passes it untouched to the LAN's TC program");
	{
		struct pkt_spec want = s;

		want.ttl--, want.src = EXT, want.dst = "192.168.1.12", want.dport = 3389;
		t_ok(expect(run_tc_lan, &s, V_TC_REDIRECT, &want, NULL) && counted_once(XNAT_STAT_XLATE_HAIRPIN),
		     "... which translates it and redirects it with the kernel resolving the host's address "
		     "(bpf_redirect_neigh; MACs left for it to fill)");
	}
	s = from_lan(flow_spec(IPPROTO_TCP, H2, 6001, EXT, 22), MAC_H2);
	t_ok(expect(run_xdp_lan, &s, V_XDP_PASS, NULL, NULL) && counted_once(XNAT_STAT_PASS_LOCAL),
	     "LAN host to an unmapped port of the external address: the gateway's own service, untouched");
	s = from_lan(flow_spec(IPPROTO_ICMP, H2, 0x77, EXT, 0), MAC_H2);
	t_ok(expect(run_xdp_lan, &s, V_XDP_PASS, NULL, NULL) && counted_once(XNAT_STAT_PASS_LOCAL),
	     "LAN host pinging the external address: the gateway answers, untouched");

	cfg_edit(cfg_set_flags, XNAT_CFG_ENABLED | XNAT_CFG_WAN_XDP);
	s = from_lan(flow_spec(IPPROTO_UDP, H2, 6002, EXT, 5000), MAC_H2);
	t_ok(expect(run_xdp_lan, &s, V_XDP_PASS, NULL, NULL) && counted_once(XNAT_STAT_PASS_LOCAL),
	     "hairpin flag cleared: passed untouched, pass_to_gateway");
}
