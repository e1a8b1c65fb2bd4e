// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* TCP and UDP, both directions, both hooks; checksums; port allocation. */
#include <netinet/in.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "harness.h"

static const uint8_t payload[100] = "xnat test payload: the checksum covers these bytes too";

static void tcp_syn_out_and_reply(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_TCP, H1, 40000, REM, 443), MAC_H1);
	struct pkt_spec want = forwarded(s, MAC_GW_WAN, MAC_REM);
	struct xnat_port_owner o;
	struct xnat_flow f;
	struct pkt in, out, exp;
	int v;

	env_reset();
	want.src = EXT;
	pkt_build(&in, &s);
	pkt_build(&exp, &want);
	v = run_xdp_lan(&in, &out);
	t_ok(v == V_XDP_REDIRECT, "tcp syn lan->wan: XDP_REDIRECT (got %d)", v);
	t_ok(pkt_same(&out, &exp), "tcp syn lan->wan: source is 198.51.100.1:40000 (port kept), ttl-1, macs, checksums");
	t_ok(flow_exists(H1, 40000, REM, 443, IPPROTO_TCP, XNAT_DIR_OUT, &f) && (f.flags & XNAT_FLOW_SYN),
	     "tcp syn: OUT flow entry with SYN seen");
	t_ok(flow_exists(REM, 443, EXT, 40000, IPPROTO_TCP, XNAT_DIR_IN, NULL), "tcp syn: IN flow entry");
	t_ok(port_owner(40000, IPPROTO_TCP, &o) && o.int_addr == pkt_addr(H1) && o.owner == XNAT_OWNER_DYNAMIC,
	     "tcp syn: port 40000 owned by 192.168.1.10, dynamic");
	t_ok(host_alloc(H1) == 1, "tcp syn: host quota counts 1 mapping");
	t_ok(stat_delta(XNAT_STAT_NEW_SESSION) == 1 && stat_delta(XNAT_STAT_NEW_MAPPING) == 1 &&
	     stat_delta(XNAT_STAT_XLATE_OUT) == 1, "tcp syn: counted new_session, new_mapping, translated_out");

	s = from_wan(flow_spec(IPPROTO_TCP, REM, 443, EXT, 40000), MAC_REM);
	s.tcp_flags = TH_SYN | TH_ACK;
	s.payload = payload, s.payload_len = sizeof(payload);
	want = forwarded(s, MAC_GW_LAN, MAC_H1);
	want.dst = H1;
	pkt_build(&in, &s);
	pkt_build(&exp, &want);
	v = run_xdp_wan(&in, &out);
	t_ok(v == V_XDP_REDIRECT && pkt_same(&out, &exp),
	     "tcp syn-ack wan->lan (XDP): destination back to 192.168.1.10:40000, checksum over payload right");
	want = s;
	want.dst = H1;
	pkt_build(&exp, &want);
	v = run_tc_ingress(&in, &out);
	t_ok(v == V_TC_OK && pkt_same(&out, &exp), "tcp syn-ack wan->lan (TC ingress): translated, no TTL change");
}

static void udp_both_ways(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 5000, REM, 53), MAC_H1), want;
	struct pkt in, out, exp;
	int v;

	env_reset();
	s.payload = payload, s.payload_len = 33; /* odd length: the padding byte of the sum */
	want = forwarded(s, MAC_GW_WAN, MAC_REM);
	want.src = EXT;
	pkt_build(&in, &s);
	pkt_build(&exp, &want);
	v = run_xdp_lan(&in, &out);
	t_ok(v == V_XDP_REDIRECT && pkt_same(&out, &exp), "udp lan->wan: translated, odd-length checksum right");

	s = from_wan(flow_spec(IPPROTO_UDP, REM, 53, EXT, 5000), MAC_REM);
	s.payload = payload, s.payload_len = 60;
	want = forwarded(s, MAC_GW_LAN, MAC_H1);
	want.dst = H1;
	pkt_build(&in, &s);
	pkt_build(&exp, &want);
	v = run_xdp_wan(&in, &out);
	t_ok(v == V_XDP_REDIRECT && pkt_same(&out, &exp), "udp wan->lan: translated back");

	s.udp_no_csum = true;
	want.udp_no_csum = true;
	pkt_build(&in, &s);
	pkt_build(&exp, &want);
	v = run_xdp_wan(&in, &out);
	t_ok(v == V_XDP_REDIRECT && pkt_same(&out, &exp), "udp with checksum 0 (none) stays 0");
	v = run_tc_ingress(&in, &out);
	want = s;
	want.dst = H1;
	pkt_build(&exp, &want);
	t_ok(v == V_TC_OK && pkt_same(&out, &exp), "udp with checksum 0 stays 0 in TC too");
}

/* A translated UDP checksum that computes to 0 must be sent as 0xffff. */
static void udp_checksum_never_becomes_zero(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 5002, REM, 53), MAC_H1), want;
	uint8_t data[2] = { 0, 0 };
	struct pkt in, out, exp;
	uint16_t c;
	int v;

	env_reset();
	want = forwarded(s, MAC_GW_WAN, MAC_REM);
	want.src = EXT;
	want.payload = data, want.payload_len = 2;
	pkt_build(&exp, &want);
	/* With this payload word the translated sum is 0xffff: checksum 0. */
	c = (uint16_t)(exp.buf[14 + 20 + 6] << 8 | exp.buf[14 + 20 + 7]);
	data[0] = c >> 8, data[1] = c & 0xff;
	s.payload = data, s.payload_len = 2;
	pkt_build(&in, &s);
	pkt_build(&exp, &want);
	t_ok(exp.buf[14 + 20 + 6] == 0xff && exp.buf[14 + 20 + 7] == 0xff,
	     "udp zero-checksum case constructed (expected 0xffff)");
	v = run_xdp_lan(&in, &out);
	t_ok(v == V_XDP_REDIRECT && pkt_same(&out, &exp), "udp checksum that computes to 0 is sent as 0xffff");
}

static void tc_egress_stack_path(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_TCP, H1, 40010, REM, 80), MAC_H1), want;
	struct pkt in, out, exp;
	int v;

	env_reset();
	/* What the stack forwarded: MACs already set for the WAN; TC must not touch TTL. */
	s.smac = MAC_GW_WAN, s.dmac = MAC_REM, s.ttl = 63;
	s.payload = payload, s.payload_len = 40;
	want = s;
	want.src = EXT;
	pkt_build(&in, &s);
	pkt_build(&exp, &want);
	v = run_tc_egress(&in, &out);
	t_ok(v == V_TC_OK && pkt_same(&out, &exp), "tc egress (stack path): source translated, TTL untouched");
	t_ok(stat_delta(XNAT_STAT_XLATE_OUT) == 1, "tc egress: counted translated_out");
}

static void parity_and_eim(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 5000, REM, 53), MAC_H1);
	struct pkt in, out;
	uint16_t port;
	int v;

	env_reset();
	pkt_build(&in, &s);
	run_xdp_lan(&in, &out);
	s = from_lan(flow_spec(IPPROTO_UDP, H2, 5000, REM, 53), MAC_H2);
	pkt_build(&in, &s);
	v = run_xdp_lan(&in, &out);
	port = (uint16_t)(out.buf[34] << 8 | out.buf[35]);
	t_ok(v == V_XDP_REDIRECT && port != 5000 && port % 2 == 0,
	     "second host asking for taken even port 5000 gets another even port (%u)", port);
	s = from_lan(flow_spec(IPPROTO_UDP, H2, 5001, REM, 53), MAC_H2);
	pkt_build(&in, &s);
	run_xdp_lan(&in, &out);
	port = (uint16_t)(out.buf[34] << 8 | out.buf[35]);
	t_ok(port == 5001, "odd port 5001 is free: preserved (%u)", port);
	s = from_lan(flow_spec(IPPROTO_UDP, H1, 5000, REM2, 5060), MAC_H1);
	pkt_build(&in, &s);
	v = run_xdp_lan(&in, &out);
	port = (uint16_t)(out.buf[34] << 8 | out.buf[35]);
	t_ok(v == V_XDP_REDIRECT && port == 5000 && !memcmp(out.buf, MAC_REM2, 6),
	     "same endpoint to another remote: same external port (endpoint-independent mapping)");
	t_ok(host_alloc(H1) == 1, "... and no new mapping for it");
}

/* The gateway's own flow with the exact reply tuple of a LAN session never steals it. */
static void gateway_flow_keeps_off_lan_session(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 5400, REM, 7000), MAC_H1);
	struct pkt in, out;
	struct xnat_flow f;
	int v;

	env_reset();
	pkt_build(&in, &s);
	run_xdp_lan(&in, &out); /* H1:5400 -> REM:7000 leaves from EXT:5400 */
	s = flow_spec(IPPROTO_UDP, EXT, 5400, REM, 7000);
	s.smac = MAC_GW_WAN, s.dmac = MAC_REM;
	pkt_build(&in, &s);
	v = run_tc_egress(&in, &out);
	t_ok(v == V_TC_SHOT && stat_delta(XNAT_STAT_DROP_SESSION_CONFLICT) == 1,
	     "gateway's own packet reusing a LAN session's exact external tuple: dropped, counted");
	t_ok(flow_exists(REM, 7000, EXT, 5400, IPPROTO_UDP, XNAT_DIR_IN, &f) && f.addr == pkt_addr(H1) &&
	     f.owner == XNAT_OWNER_DYNAMIC, "... and the LAN host keeps its replies");
	s.sport = 5401;
	pkt_build(&in, &s);
	v = run_tc_egress(&in, &out);
	t_ok(v == V_TC_OK && pkt_same(&out, &in), "the gateway's own flow on a free tuple passes untouched");
}

void test_tcp_udp(void)
{
	gateway_flow_keeps_off_lan_session();
	tcp_syn_out_and_reply();
	udp_both_ways();
	udp_checksum_never_becomes_zero();
	tc_egress_stack_path();
	parity_and_eim();
}
