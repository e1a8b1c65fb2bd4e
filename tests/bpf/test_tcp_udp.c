// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* TCP and UDP through XDP and TC ingress: rewrite, checksums, state, port allocation. */
#include <netinet/in.h>
#include <string.h>
#include "harness.h"

static const uint8_t payload[100] = "xnat test payload: the checksum covers these bytes too";

static void tcp_syn_out(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_TCP, H1, 40000, REM, 443), MAC_H1);
	struct pkt_spec want = forwarded(s, MAC_GW_WAN, MAC_REM);
	struct xnat_port_owner o;
	struct xnat_flow f;

	env_reset();
	want.src = EXT;
	t_ok(expect(run_xdp_lan, &s, V_XDP_REDIRECT, &want, NULL),
	     "tcp syn lan->wan: XDP_REDIRECT, source 198.51.100.1:40000 (port kept), ttl-1, macs, checksums");
	t_ok(flow_exists(H1, 40000, REM, 443, IPPROTO_TCP, XNAT_DIR_OUT, &f) && f.addr == pkt_addr(EXT) &&
	     f.port == htons(40000) && (f.flags & XNAT_FLOW_SYN) && f.owner == XNAT_OWNER_DYNAMIC,
	     "tcp syn: OUT flow entry -> 198.51.100.1:40000, SYN seen, dynamic");
	t_ok(flow_exists(REM, 443, EXT, 40000, IPPROTO_TCP, XNAT_DIR_IN, &f) && f.addr == pkt_addr(H1) &&
	     f.port == htons(40000) && !f.flags, "tcp syn: IN flow entry -> 192.168.1.10:40000, nothing seen yet");
	t_ok(eim_port(H1, 40000, IPPROTO_TCP) == 40000, "tcp syn: xnat_eim maps 192.168.1.10:40000 to 40000");
	t_ok(port_owner(40000, IPPROTO_TCP, &o) && o.int_addr == pkt_addr(H1) && o.int_port == htons(40000) &&
	     o.owner == XNAT_OWNER_DYNAMIC && !o.expires, "tcp syn: port slot 40000 held by 192.168.1.10:40000, dynamic");
	t_ok(!port_owner(40000, IPPROTO_UDP, NULL), "tcp syn: the udp slot of 40000 stays free");
	t_ok(host_alloc(H1) == 1, "tcp syn: xnat_host_alloc counts 1 mapping");
	t_ok(stat_delta(XNAT_STAT_NEW_SESSION) == 1 && stat_delta(XNAT_STAT_NEW_MAPPING) == 1 &&
	     stat_delta(XNAT_STAT_REDIRECT) == 1 && counted_once(XNAT_STAT_XLATE_OUT),
	     "tcp syn: counted translated_out, new_session, new_mapping, xdp_redirected");
}

/* The reply to tcp_syn_out's flow, by XDP and by TC ingress. */
static void tcp_reply_in(void)
{
	struct pkt_spec s = from_wan(flow_spec(IPPROTO_TCP, REM, 443, EXT, 40000), MAC_REM), want;
	struct xnat_flow f;

	s.tcp_flags = TH_SYN | TH_ACK;
	s.payload = payload, s.payload_len = sizeof(payload);
	want = forwarded(s, MAC_GW_LAN, MAC_H1);
	want.dst = H1;
	t_ok(expect(run_xdp_wan, &s, V_XDP_REDIRECT, &want, NULL) && counted_once(XNAT_STAT_XLATE_IN),
	     "tcp syn-ack wan->lan (XDP): destination back to 192.168.1.10:40000, ttl-1, checksum over payload");
	want = s;
	want.dst = H1;
	t_ok(expect(run_tc_ingress, &s, V_TC_OK, &want, NULL) && counted_once(XNAT_STAT_XLATE_IN),
	     "tcp syn-ack wan->lan (TC ingress): translated, TTL and MACs untouched");
	s.tcp_flags = TH_ACK | TH_FIN;
	want = forwarded(s, MAC_GW_LAN, MAC_H1);
	want.dst = H1;
	expect(run_xdp_wan, &s, V_XDP_REDIRECT, &want, NULL);
	if (!flow_exists(REM, 443, EXT, 40000, IPPROTO_TCP, XNAT_DIR_IN, &f))
		f.flags = 0;
	t_ok(f.flags == (XNAT_FLOW_SYN | XNAT_FLOW_ACK | XNAT_FLOW_FIN),
	     "tcp: the IN entry ORs in the flags seen (syn, ack, fin: 0x%x)", f.flags);
	t_ok(stat_delta(XNAT_STAT_NEW_SESSION) == 0 && host_alloc(H1) == 1, "tcp reply: no new session or mapping");
}

static void udp_both_ways(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 5000, REM, 53), MAC_H1), want;

	env_reset();
	s.payload = payload, s.payload_len = 33; /* odd length: the padding byte of the sum */
	want = forwarded(s, MAC_GW_WAN, MAC_REM);
	want.src = EXT;
	t_ok(expect(run_xdp_lan, &s, V_XDP_REDIRECT, &want, NULL), "udp lan->wan: translated, odd-length checksum right");
	t_ok(flow_exists(H1, 5000, REM, 53, IPPROTO_UDP, XNAT_DIR_OUT, NULL) &&
	     flow_exists(REM, 53, EXT, 5000, IPPROTO_UDP, XNAT_DIR_IN, NULL) && eim_port(H1, 5000, IPPROTO_UDP) == 5000,
	     "udp: both flow entries and the eim entry");

	s = from_wan(flow_spec(IPPROTO_UDP, REM, 53, EXT, 5000), MAC_REM);
	s.payload = payload, s.payload_len = 60;
	want = forwarded(s, MAC_GW_LAN, MAC_H1);
	want.dst = H1;
	t_ok(expect(run_xdp_wan, &s, V_XDP_REDIRECT, &want, NULL), "udp wan->lan (XDP): translated back");
	want = s;
	want.dst = H1;
	t_ok(expect(run_tc_ingress, &s, V_TC_OK, &want, NULL), "udp wan->lan (TC ingress): translated back");

	s.udp_no_csum = true;
	want = forwarded(s, MAC_GW_LAN, MAC_H1);
	want.dst = H1;
	t_ok(expect(run_xdp_wan, &s, V_XDP_REDIRECT, &want, NULL), "udp with checksum 0 (none) stays 0 (XDP)");
	want = s;
	want.dst = H1;
	t_ok(expect(run_tc_ingress, &s, V_TC_OK, &want, NULL), "udp with checksum 0 stays 0 (TC ingress)");
	s = from_lan(flow_spec(IPPROTO_UDP, H1, 5000, REM, 53), MAC_H1);
	s.udp_no_csum = true;
	want = forwarded(s, MAC_GW_WAN, MAC_REM);
	want.src = EXT;
	t_ok(expect(run_xdp_lan, &s, V_XDP_REDIRECT, &want, NULL), "udp with checksum 0 stays 0 (XDP, outbound)");
}

/*
 * Two payload bytes that make the checksum of `translated` compute to 0:
 * with a zero payload word the checksum is ~S; adding that word makes the
 * sum 0xffff, whose complement is 0 (sent as 0xffff).
 */
static void zero_csum_payload(const struct pkt_spec *translated, uint8_t data[2])
{
	struct pkt_spec t = *translated;
	struct pkt p;
	uint16_t c;

	data[0] = data[1] = 0;
	t.payload = data, t.payload_len = 2;
	pkt_build(&p, &t);
	c = pkt_get16(&p, PKT_L4_OFF + 6);
	data[0] = c >> 8, data[1] = c & 0xff;
}

static void udp_checksum_never_becomes_zero(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 5002, REM, 53), MAC_H1), want;
	uint8_t data[2];
	struct pkt exp;

	env_reset();
	want = forwarded(s, MAC_GW_WAN, MAC_REM);
	want.src = EXT;
	zero_csum_payload(&want, data);
	s.payload = want.payload = data, s.payload_len = want.payload_len = 2;
	pkt_build(&exp, &want);
	t_ok(pkt_get16(&exp, PKT_L4_OFF + 6) == 0xffff, "udp zero-checksum case constructed (payload %02x%02x)",
	     data[0], data[1]);
	t_ok(expect(run_xdp_lan, &s, V_XDP_REDIRECT, &want, NULL), "udp checksum that computes to 0 is sent as 0xffff (XDP)");

	s = from_wan(flow_spec(IPPROTO_UDP, REM, 53, EXT, 5002), MAC_REM);
	want = s;
	want.dst = H1;
	zero_csum_payload(&want, data);
	s.payload = want.payload = data, s.payload_len = want.payload_len = 2;
	t_ok(expect(run_tc_ingress, &s, V_TC_OK, &want, NULL), "udp checksum that computes to 0 is sent as 0xffff (TC ingress)");
}

static uint16_t out_sport(const struct pkt *p)
{
	return pkt_get16(p, PKT_L4_OFF);
}

/* Sends H:port -> remote:53; returns the external source port it left with, 0 if not redirected. */
static uint16_t map_udp(const char *host, const uint8_t *mac, uint16_t port, const char *remote)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, host, port, remote, 53), mac);
	struct pkt out;

	return run_spec(run_xdp_lan, &s, &out) == V_XDP_REDIRECT ? out_sport(&out) : 0;
}

/* RFC 4787 REQ-1 (endpoint-independent mapping) and REQ-6 (parity). */
static void parity_and_eim(void)
{
	uint16_t port;

	env_reset();
	map_udp(H1, MAC_H1, 5000, REM);
	map_udp(H1, MAC_H1, 5001, REM);
	port = map_udp(H2, MAC_H2, 5000, REM);
	t_ok(port && port != 5000 && port % 2 == 0 && port >= 1024,
	     "second host, same even port 5000: another even port in range (%u)", port);
	t_ok(eim_port(H2, 5000, IPPROTO_UDP) == port, "... recorded in xnat_eim");
	port = map_udp(H2, MAC_H2, 5001, REM);
	t_ok(port && port != 5001 && port % 2 == 1, "second host, same odd port 5001: another odd port (%u)", port);
	port = map_udp(H2, MAC_H2, 5003, REM);
	t_ok(port == 5003, "free port 5003: preserved (%u)", port);
	stat_mark();
	port = map_udp(H1, MAC_H1, 5000, REM2);
	t_ok(port == 5000 && stat_delta(XNAT_STAT_NEW_SESSION) == 1 && stat_delta(XNAT_STAT_NEW_MAPPING) == 0,
	     "same endpoint to a second remote: same external port, new session, no new mapping");
	t_ok(host_alloc(H1) == 2 && host_alloc(H2) == 3, "host_alloc counts mappings, not sessions");
	port = map_udp(H1, MAC_H1, 80, REM);
	t_ok(port >= 1024, "internal port below the range (80): mapped into 1024-65535 (%u)", port);
}

/* IPv4 options move the L4 header: it is still found and fixed. */
static void ip_options(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_TCP, H1, 40100, REM, 443), MAC_H1), want;

	env_reset();
	s.ip_opt_len = 8;
	s.payload = payload, s.payload_len = 20;
	want = forwarded(s, MAC_GW_WAN, MAC_REM);
	want.src = EXT;
	t_ok(expect(run_xdp_lan, &s, V_XDP_REDIRECT, &want, NULL), "tcp with 8 bytes of IPv4 options: translated, checksums right");
	s = from_wan(flow_spec(IPPROTO_UDP, REM, 53, EXT, 40100), MAC_REM);
	s.ip_opt_len = 4;
	map_udp(H1, MAC_H1, 40100, REM);
	want = s;
	want.dst = H1;
	t_ok(expect(run_tc_ingress, &s, V_TC_OK, &want, NULL), "udp with IPv4 options (TC ingress): translated");
}

void test_tcp_udp(void)
{
	tcp_syn_out();
	tcp_reply_in();
	udp_both_ways();
	udp_checksum_never_becomes_zero();
	parity_and_eim();
	ip_options();
}
