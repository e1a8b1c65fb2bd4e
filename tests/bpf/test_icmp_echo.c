// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ICMP echo: the identifier is mapped like a port (RFC 5508 REQ-1). */
#include <netinet/in.h>
#include "harness.h"

#define ECHO_REPLY 0

static struct pkt_spec echo_reply(uint16_t id)
{
	struct pkt_spec s = from_wan(flow_spec(IPPROTO_ICMP, REM, id, EXT, 0), MAC_REM);

	s.icmp_type = ECHO_REPLY;
	return s;
}

static void echo_out_and_back(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_ICMP, H1, 0x1234, REM, 0), MAC_H1), want;
	struct xnat_flow f;

	env_reset();
	want = forwarded(s, MAC_GW_WAN, MAC_REM);
	want.src = EXT;
	t_ok(expect(run_xdp_lan, &s, V_XDP_REDIRECT, &want, NULL) && counted_once(XNAT_STAT_XLATE_OUT),
	     "echo request out: source translated, identifier 0x1234 kept, ICMP checksum right");
	t_ok(flow_exists(H1, 0x1234, REM, 0, IPPROTO_ICMP, XNAT_DIR_OUT, &f) && f.port == htons(0x1234) &&
	     flow_exists(REM, 0, EXT, 0x1234, IPPROTO_ICMP, XNAT_DIR_IN, NULL) && port_owner(0x1234, IPPROTO_ICMP, NULL),
	     "echo: OUT entry (id as sport), IN entry (id as dport), icmp id slot held");

	s = echo_reply(0x1234);
	want = forwarded(s, MAC_GW_LAN, MAC_H1);
	want.dst = H1;
	t_ok(expect(run_xdp_wan, &s, V_XDP_REDIRECT, &want, NULL) && counted_once(XNAT_STAT_XLATE_IN),
	     "echo reply in (XDP): back to 192.168.1.10");
	want = s;
	want.dst = H1;
	t_ok(expect(run_tc_ingress, &s, V_TC_OK, &want, NULL), "echo reply in (TC ingress): back to 192.168.1.10");
}

static void echo_identifier_mapped(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_ICMP, H2, 0x1234, REM, 0), MAC_H2), want;
	struct pkt out;
	uint16_t id;

	/* H1 holds identifier 0x1234 (echo_out_and_back). */
	run_spec(run_xdp_lan, &s, &out);
	id = pkt_get16(&out, PKT_L4_OFF + 4);
	want = forwarded(s, MAC_GW_WAN, MAC_REM);
	want.src = EXT, want.sport = id;
	t_ok(id != 0x1234 && id % 2 == 0 && expect(run_xdp_lan, &s, V_XDP_REDIRECT, &want, NULL),
	     "second host, same identifier: another one (0x%x), ICMP checksum right", id);
	s = echo_reply(id);
	want = forwarded(s, MAC_GW_LAN, MAC_H2);
	want.dst = H2, want.sport = 0x1234;
	t_ok(expect(run_xdp_wan, &s, V_XDP_REDIRECT, &want, NULL),
	     "echo reply to the mapped identifier: to the second host with its own identifier 0x1234");

	s = from_lan(flow_spec(IPPROTO_ICMP, H1, 7, REM, 0), MAC_H1);
	run_spec(run_xdp_lan, &s, &out);
	id = pkt_get16(&out, PKT_L4_OFF + 4);
	s = echo_reply(id);
	want = forwarded(s, MAC_GW_LAN, MAC_H1);
	want.dst = H1, want.sport = 7;
	t_ok(id >= 1024 && expect(run_xdp_wan, &s, V_XDP_REDIRECT, &want, NULL),
	     "identifier 7 (below the range): mapped to 0x%x, restored on the reply", id);
}

static void echo_without_session(void)
{
	struct pkt_spec s = echo_reply(0x9999);

	t_ok(expect(run_xdp_wan, &s, V_XDP_PASS, NULL, NULL) && counted_once(XNAT_STAT_PASS_LOCAL),
	     "echo reply with no session (XDP): passed to the gateway untouched, pass_to_gateway");
	t_ok(expect(run_tc_ingress, &s, V_TC_OK, NULL, NULL) && counted_once(XNAT_STAT_PASS_LOCAL),
	     "echo reply with no session (TC ingress): untouched");
	s = from_wan(flow_spec(IPPROTO_ICMP, REM, 0x1234, EXT, 0), MAC_REM);
	t_ok(expect(run_xdp_wan, &s, V_XDP_PASS, NULL, NULL) && counted_once(XNAT_STAT_PASS_LOCAL),
	     "echo request to the external address, even with a mapped identifier: for the gateway, untouched");
	s = from_lan(flow_spec(IPPROTO_ICMP, H1, 0x5555, REM, 0), MAC_H1);
	s.icmp_type = ECHO_REPLY;
	t_ok(expect(run_xdp_lan, &s, V_XDP_DROP, NULL, NULL) && counted_once(XNAT_STAT_DROP_OUT_UNTRANSLATABLE),
	     "echo reply from a LAN host with no session: dropped (it would leave with a private source)");
}

void test_icmp_echo(void)
{
	echo_out_and_back();
	echo_identifier_mapped();
	echo_without_session();
}
