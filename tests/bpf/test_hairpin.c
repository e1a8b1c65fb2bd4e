// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Hairpinning (RFC 4787 REQ-9): LAN host to LAN host through the external address. */
#include <netinet/in.h>
#include "harness.h"

static void set_flags(struct xnat_config *c, long flags) { c->flags = (__u32)flags; }

void test_hairpin(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 5000, REM, 53), MAC_H1), want;
	struct pkt in, out, exp;
	int v;

	env_reset();
	pkt_build(&in, &s);
	run_xdp_lan(&in, &out); /* H1:5000 is mapped to EXT:5000 */

	s = from_lan(flow_spec(IPPROTO_UDP, H2, 6000, EXT, 5000), MAC_H2);
	want = forwarded(s, MAC_GW_LAN, MAC_H1);
	want.src = EXT, want.dst = H1;
	pkt_build(&in, &s);
	pkt_build(&exp, &want);
	v = run_xdp_lan(&in, &out);
	t_ok(v == V_XDP_REDIRECT && pkt_same(&out, &exp),
	     "hairpin: 192.168.1.11:6000 -> 198.51.100.1:5000 becomes 198.51.100.1:6000 -> 192.168.1.10:5000, XDP_REDIRECT back out of the LAN interface");
	t_ok(stat_delta(XNAT_STAT_XLATE_HAIRPIN) == 1, "hairpin: counted");

	s = from_lan(flow_spec(IPPROTO_UDP, H1, 5000, EXT, 6000), MAC_H1);
	want = forwarded(s, MAC_GW_LAN, MAC_H2);
	want.src = EXT, want.dst = H2;
	pkt_build(&in, &s);
	pkt_build(&exp, &want);
	v = run_xdp_lan(&in, &out);
	t_ok(v == V_XDP_REDIRECT && pkt_same(&out, &exp), "hairpin: the answer goes back the same way");

	s = from_lan(flow_spec(IPPROTO_TCP, H2, 6001, EXT, 22), MAC_H2);
	pkt_build(&in, &s);
	v = run_xdp_lan(&in, &out);
	t_ok(v == V_XDP_PASS && pkt_same(&out, &in), "LAN host to an unmapped port of the external address: the gateway's own service");

	cfg_edit(set_flags, XNAT_CFG_ENABLED);
	s = from_lan(flow_spec(IPPROTO_UDP, H2, 6000, EXT, 5000), MAC_H2);
	pkt_build(&in, &s);
	v = run_xdp_lan(&in, &out);
	t_ok(v == V_XDP_PASS && pkt_same(&out, &in), "hairpin off: passed untouched");
}
