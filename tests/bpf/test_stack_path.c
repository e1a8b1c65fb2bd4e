// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The stack path (TC on the WAN): forwarded LAN packets, and the gateway's own traffic. */
#include <netinet/in.h>
#include "harness.h"

static const uint8_t payload[40] = "forwarded by the stack";

/* As the stack forwards a LAN packet out of the WAN: MACs set, TTL already decremented. */
static struct pkt_spec stack_forwarded(struct pkt_spec s)
{
	s.smac = MAC_GW_WAN, s.dmac = MAC_REM, s.ttl = 63;
	return s;
}

/* As the gateway sends its own packet out of the WAN. */
static struct pkt_spec own(uint8_t proto, uint16_t sport, uint16_t dport)
{
	struct pkt_spec s = flow_spec(proto, EXT, sport, REM, dport);

	s.smac = MAC_GW_WAN, s.dmac = MAC_REM;
	return s;
}

static void lan_packet_forwarded_by_stack(void)
{
	struct pkt_spec s = stack_forwarded(flow_spec(IPPROTO_TCP, H1, 40010, REM, 80)), want;

	env_reset();
	s.payload = payload, s.payload_len = sizeof(payload);
	want = s;
	want.src = EXT;
	t_ok(expect(run_tc_egress, &s, V_TC_OK, &want, NULL), "tc egress (stack path): source translated, TTL and MACs untouched");
	t_ok(stat_delta(XNAT_STAT_NEW_SESSION) == 1 && stat_delta(XNAT_STAT_NEW_MAPPING) == 1 &&
	     counted_once(XNAT_STAT_XLATE_OUT), "tc egress: counted translated_out, new session and mapping");
	t_ok(flow_exists(H1, 40010, REM, 80, IPPROTO_TCP, XNAT_DIR_OUT, NULL) &&
	     flow_exists(REM, 80, EXT, 40010, IPPROTO_TCP, XNAT_DIR_IN, NULL) && host_alloc(H1) == 1,
	     "tc egress: the same state as the XDP path");
	s = stack_forwarded(flow_spec(IPPROTO_UDP, H2, 7000, REM, 53));
	want = s;
	want.src = EXT;
	t_ok(expect(run_tc_egress, &s, V_TC_OK, &want, NULL), "tc egress: udp translated too");
}

/* The gateway's own flows get an identity session; replies to them are the gateway's. */
static void gateway_own_traffic(void)
{
	struct pkt_spec s = own(IPPROTO_UDP, 33000, 123), r;
	struct xnat_flow f;

	env_reset();
	t_ok(expect(run_tc_egress, &s, V_TC_OK, NULL, NULL) && counted_once(XNAT_STAT_PASS_LOCAL),
	     "gateway's own udp packet (src 198.51.100.1): untouched, counted pass_to_gateway");
	t_ok(flow_exists(EXT, 33000, REM, 123, IPPROTO_UDP, XNAT_DIR_OUT, &f) && f.owner == XNAT_OWNER_LOCAL &&
	     f.addr == pkt_addr(EXT) && f.port == htons(33000), "... an identity OUT entry, owner local");
	t_ok(flow_exists(REM, 123, EXT, 33000, IPPROTO_UDP, XNAT_DIR_IN, &f) && f.owner == XNAT_OWNER_LOCAL &&
	     f.addr == pkt_addr(EXT) && f.port == htons(33000), "... an identity IN entry, owner local");
	t_ok(map_entries(env.skel->maps.xnat_eim) == 0 && !port_owner(33000, IPPROTO_UDP, NULL) &&
	     stat_delta(XNAT_STAT_NEW_MAPPING) == 0, "... and no mapping, no port slot");

	r = from_wan(flow_spec(IPPROTO_UDP, REM, 123, EXT, 33000), MAC_REM);
	t_ok(expect(run_tc_ingress, &r, V_TC_OK, NULL, NULL) && counted_once(XNAT_STAT_PASS_LOCAL),
	     "reply to the gateway's own flow (TC ingress): untouched, pass_to_gateway");
	t_ok(expect(run_xdp_wan, &r, V_XDP_PASS, NULL, NULL) && counted_once(XNAT_STAT_PASS_LOCAL),
	     "reply to the gateway's own flow (XDP): passed untouched");

	s = own(IPPROTO_ICMP, 0x4321, 0);
	t_ok(expect(run_tc_egress, &s, V_TC_OK, NULL, NULL) && counted_once(XNAT_STAT_PASS_LOCAL) &&
	     flow_exists(REM, 0, EXT, 0x4321, IPPROTO_ICMP, XNAT_DIR_IN, &f) && f.owner == XNAT_OWNER_LOCAL,
	     "gateway's own ping: untouched, identity session for the reply");
	r = from_wan(flow_spec(IPPROTO_ICMP, REM, 0x4321, EXT, 0), MAC_REM);
	r.icmp_type = 0;
	t_ok(expect(run_xdp_wan, &r, V_XDP_PASS, NULL, NULL) && counted_once(XNAT_STAT_PASS_LOCAL),
	     "echo reply to the gateway's own ping: passed untouched");
}

/* The gateway's own flow with the exact reply tuple of a LAN session never steals it. */
static void gateway_flow_keeps_off_lan_session(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 5400, REM, 7000), MAC_H1);
	struct pkt in, out;
	struct xnat_flow f;

	env_reset();
	pkt_build(&in, &s);
	run_xdp_lan(&in, &out); /* H1:5400 -> REM:7000 leaves from EXT:5400 */
	s = own(IPPROTO_UDP, 5400, 7000);
	t_ok(expect(run_tc_egress, &s, V_TC_SHOT, NULL, NULL) && counted_once(XNAT_STAT_DROP_SESSION_CONFLICT),
	     "gateway's own packet reusing a LAN session's exact external tuple: dropped, counted");
	t_ok(flow_exists(REM, 7000, EXT, 5400, IPPROTO_UDP, XNAT_DIR_IN, &f) && f.addr == pkt_addr(H1) &&
	     f.owner == XNAT_OWNER_DYNAMIC && !flow_exists(EXT, 5400, REM, 7000, IPPROTO_UDP, XNAT_DIR_OUT, NULL),
	     "... the LAN host keeps its replies, the gateway's entry is rolled back");
	s.sport = 5401;
	t_ok(expect(run_tc_egress, &s, V_TC_OK, NULL, NULL), "the gateway's own flow on a free tuple passes untouched");
}

/*
 * The other order: the gateway's own flow first, then a LAN host whose
 * preserved port gives the same external tuple. The identity session holds
 * no port slot, so the LAN host is given that port and its session conflicts.
 */
static void lan_flow_after_gateway_flow(void)
{
	struct pkt_spec s = own(IPPROTO_UDP, 5500, 7000);
	struct pkt out;
	int v;

	env_reset();
	run_spec(run_tc_egress, &s, &out);
	s = from_lan(flow_spec(IPPROTO_UDP, H1, 5500, REM, 7000), MAC_H1);
	stat_mark();
	v = run_spec(run_xdp_lan, &s, &out);
	t_ok(v == V_XDP_REDIRECT && pkt_get16(&out, PKT_L4_OFF) != 5500,
		    "LAN flow whose preserved port would collide with the gateway's own session: translated on another port (verdict %d, session conflicts %llu, eim port %u)",
		    v, (unsigned long long)stat_delta(XNAT_STAT_DROP_SESSION_CONFLICT), eim_port(H1, 5500, IPPROTO_UDP));
}

/*
 * Only the gateway itself sends from the external address. A LAN host that
 * forges it must not plant an identity session: that session would take the
 * replies of a later LAN flow with the same external tuple.
 */
static void lan_host_forging_external_source(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, EXT, 5600, REM, 7000), MAC_H2);
	struct pkt out;
	int v;

	env_reset();
	t_ok(expect(run_xdp_lan, &s, V_XDP_DROP, NULL, &out) && counted_once(XNAT_STAT_DROP_SPOOFED) &&
	     !flow_exists(EXT, 5600, REM, 7000, IPPROTO_UDP, XNAT_DIR_OUT, NULL),
	     "LAN packet forging the external source (XDP): dropped, drop_lan_spoofed_source, no identity session");
	s = from_lan(flow_spec(IPPROTO_UDP, H1, 5600, REM, 7000), MAC_H1);
	v = run_spec(run_xdp_lan, &s, &out);
	t_ok(v == V_XDP_REDIRECT,
		    "... and the LAN host's flow H1:5600 -> REM:7000 still translates (verdict %d)", v);
}

void test_stack_path(void)
{
	lan_packet_forwarded_by_stack();
	gateway_own_traffic();
	gateway_flow_keeps_off_lan_session();
	lan_flow_after_gateway_flow();
	lan_host_forging_external_source();
}
