// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ICMP errors (RFC 5508): outer and quoted headers translated, every checksum right. */
#include <netinet/in.h>
#include "harness.h"

#define DEST_UNREACH 3
#define PORT_UNREACH 3
#define TIME_EXCEEDED 11

static const uint8_t data[10] = "0123456789";

/* An ICMP error quoting the first quote_len bytes of `quoted`'s IP packet. */
static struct pkt_spec icmp_error(const char *src, const char *dst, uint8_t type, uint8_t code,
				  const struct pkt *quoted, size_t quote_len)
{
	struct pkt_spec e = flow_spec(IPPROTO_ICMP, src, 0, dst, 0);

	e.icmp_type = type, e.icmp_code = code;
	e.quote = quoted, e.quote_len = quote_len;
	return e;
}

/* The packet a quote is taken from, as it travelled (TTL 63, a payload). */
static struct pkt_spec qspec(uint8_t proto, const char *src, uint16_t sport, const char *dst, uint16_t dport)
{
	struct pkt_spec q = flow_spec(proto, src, sport, dst, dport);

	q.ttl = 63;
	if (proto != IPPROTO_ICMP)
		q.payload = data, q.payload_len = sizeof(data);
	return q;
}

static void quoted_pkt(struct pkt *p, struct pkt_spec q)
{
	pkt_build(p, &q);
}

/* H1 holds port 5000, so H2:5000 gets another external port: the quote must change. Returns it. */
static uint16_t second_host_mapping(uint8_t proto)
{
	struct pkt_spec s = from_lan(flow_spec(proto, H1, 5000, REM, 53), MAC_H1);
	struct pkt out;

	run_spec(run_xdp_lan, &s, &out);
	s = from_lan(flow_spec(proto, H2, 5000, REM, 53), MAC_H2);
	s.payload = data, s.payload_len = sizeof(data);
	run_spec(run_xdp_lan, &s, &out);
	return pkt_get16(&out, PKT_L4_OFF);
}

/* The remote answers a packet of H2's flow with port unreachable; through XDP or TC ingress. */
static void error_in(uint8_t proto, size_t quote_l4, uint8_t ip_opt_len, bool tc, const char *what)
{
	struct pkt quoted, quoted_want;
	struct pkt_spec e, want, q;
	uint16_t port;

	env_reset();
	port = second_host_mapping(proto);
	q = qspec(proto, EXT, port, REM, 53); /* as it reached the remote */
	q.ip_opt_len = ip_opt_len;
	quoted_pkt(&quoted, q);
	q.src = H2, q.sport = 5000;           /* as H2 sent it */
	quoted_pkt(&quoted_want, q);
	e = from_wan(icmp_error(REM, EXT, DEST_UNREACH, PORT_UNREACH, &quoted, 20 + ip_opt_len + quote_l4), MAC_REM);
	want = tc ? e : forwarded(e, MAC_GW_LAN, MAC_H2);
	want.dst = H2, want.quote = &quoted_want;
	t_ok(port != 5000 && expect(tc ? run_tc_ingress : run_xdp_wan, &e, tc ? V_TC_OK : V_XDP_REDIRECT, &want, NULL) &&
	     counted_once(XNAT_STAT_XLATE_ICMP_ERR_IN),
	     "icmp error in (%s, %s): to 192.168.1.11, quoted source back to 192.168.1.11:5000, quoted IP, L4 and ICMP checksums",
	     what, tc ? "TC ingress" : "XDP");
}

/* A router on the way answers H2's ping (identifier mapped) with time exceeded. */
static void error_in_about_echo(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_ICMP, H1, 0x1234, REM, 0), MAC_H1), e, want;
	struct pkt out, quoted, quoted_want;
	uint16_t id;

	env_reset();
	run_spec(run_xdp_lan, &s, &out);
	s = from_lan(flow_spec(IPPROTO_ICMP, H2, 0x1234, REM, 0), MAC_H2);
	run_spec(run_xdp_lan, &s, &out);
	id = pkt_get16(&out, PKT_L4_OFF + 4);
	quoted_pkt(&quoted, qspec(IPPROTO_ICMP, EXT, id, REM, 0));
	quoted_pkt(&quoted_want, qspec(IPPROTO_ICMP, H2, 0x1234, REM, 0));
	e = from_wan(icmp_error(REM2, EXT, TIME_EXCEEDED, 0, &quoted, 28), MAC_REM2);
	want = forwarded(e, MAC_GW_LAN, MAC_H2);
	want.dst = H2, want.quote = &quoted_want;
	t_ok(id != 0x1234 && expect(run_xdp_wan, &e, V_XDP_REDIRECT, &want, NULL),
	     "icmp time exceeded about a ping: to 192.168.1.11, quoted identifier 0x%x back to 0x1234, quoted ICMP checksum", id);
}

/* The remote's router answers the reply of a forwarded LAN server (EXT:8443 = H1:443). */
static void error_in_about_forward(void)
{
	struct pkt_spec s = from_wan(flow_spec(IPPROTO_TCP, REM, 50000, EXT, 8443), MAC_REM), e, want;
	struct pkt out, quoted, quoted_want;

	env_reset();
	add_forward(IPPROTO_TCP, 8443, H1, 443, XNAT_OWNER_STATIC);
	run_spec(run_xdp_wan, &s, &out);
	quoted_pkt(&quoted, qspec(IPPROTO_TCP, EXT, 8443, REM, 50000));
	quoted_pkt(&quoted_want, qspec(IPPROTO_TCP, H1, 443, REM, 50000));
	e = from_wan(icmp_error(REM2, EXT, DEST_UNREACH, 1 /* host unreachable */, &quoted, 48), MAC_REM2);
	want = forwarded(e, MAC_GW_LAN, MAC_H1);
	want.dst = H1, want.quote = &quoted_want;
	t_ok(expect(run_xdp_wan, &e, V_XDP_REDIRECT, &want, NULL),
	     "icmp error in about a forwarded server's reply: to 192.168.1.10, quoted source 192.168.1.10:443");
}

static void error_in_without_session(void)
{
	struct pkt_spec e;
	struct pkt quoted;

	env_reset();
	quoted_pkt(&quoted, qspec(IPPROTO_UDP, EXT, 6000, REM, 53));
	e = from_wan(icmp_error(REM, EXT, DEST_UNREACH, PORT_UNREACH, &quoted, 28), MAC_REM);
	t_ok(expect(run_xdp_wan, &e, V_XDP_PASS, NULL, NULL) && counted_once(XNAT_STAT_PASS_LOCAL),
	     "icmp error in about no session (the gateway's own traffic): passed untouched");
}

/* H1 answers a reply of its outbound flow with port unreachable (XDP, LAN side). */
static void error_out_from_lan_host(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 6000, REM, 53), MAC_H1), e, want;
	struct pkt out, quoted, quoted_want;

	env_reset();
	run_spec(run_xdp_lan, &s, &out); /* session H1:6000 <-> EXT:6000 */
	quoted_pkt(&quoted, qspec(IPPROTO_UDP, REM, 53, H1, 6000));     /* the reply as H1 got it */
	quoted_pkt(&quoted_want, qspec(IPPROTO_UDP, REM, 53, EXT, 6000));
	e = from_lan(icmp_error(H1, REM, DEST_UNREACH, PORT_UNREACH, &quoted, quoted.len - PKT_ETH_LEN), MAC_H1);
	want = forwarded(e, MAC_GW_WAN, MAC_REM);
	want.src = EXT, want.quote = &quoted_want;
	t_ok(expect(run_xdp_lan, &e, V_XDP_REDIRECT, &want, NULL) && counted_once(XNAT_STAT_XLATE_ICMP_ERR_OUT),
	     "icmp error out from a LAN host (XDP): outer source and quoted destination become the external endpoint");

	quoted_pkt(&quoted, qspec(IPPROTO_UDP, REM, 53, H1, 7777));
	e = from_lan(icmp_error(H1, REM, DEST_UNREACH, PORT_UNREACH, &quoted, 28), MAC_H1);
	t_ok(expect(run_xdp_lan, &e, V_XDP_DROP, NULL, NULL) && counted_once(XNAT_STAT_DROP_ICMP_NO_STATE),
	     "icmp error from a LAN host about no session: dropped (no private address leaks), counted");
}

/* Time exceeded from H1 (through the stack, TC egress) about a packet of an inbound session. */
static void error_out_inbound_session(void)
{
	struct pkt_spec s = from_wan(flow_spec(IPPROTO_TCP, REM, 50000, EXT, 8443), MAC_REM), e, want;
	struct pkt out, quoted, quoted_want;

	env_reset();
	add_forward(IPPROTO_TCP, 8443, H1, 443, XNAT_OWNER_STATIC);
	run_spec(run_xdp_wan, &s, &out); /* session REM:50000 -> EXT:8443 = H1:443 */
	quoted_pkt(&quoted, qspec(IPPROTO_TCP, REM, 50000, H1, 443));
	quoted_pkt(&quoted_want, qspec(IPPROTO_TCP, REM, 50000, EXT, 8443));
	e = icmp_error(H1, REM, TIME_EXCEEDED, 0, &quoted, quoted.len - PKT_ETH_LEN);
	e.smac = MAC_GW_WAN, e.dmac = MAC_REM, e.ttl = 63;
	want = e;
	want.src = EXT, want.quote = &quoted_want;
	t_ok(expect(run_tc_egress, &e, V_TC_OK, &want, NULL) && counted_once(XNAT_STAT_XLATE_ICMP_ERR_OUT),
	     "icmp time exceeded from 192.168.1.10 (TC egress) about a forwarded inbound flow: outer source and quoted destination 198.51.100.1:8443, full quoted TCP checksum, no TTL change");
}

/* The gateway's own errors: about a flow it translated, and about its own traffic. */
static void gateway_own_error(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 6000, REM, 53), MAC_H1), e, want, q;
	struct pkt out, quoted, quoted_want;

	env_reset();
	run_spec(run_xdp_lan, &s, &out);
	/* The translated reply's TTL ran out in the gateway's stack. */
	q = qspec(IPPROTO_UDP, REM, 53, H1, 6000);
	q.ttl = 1;
	quoted_pkt(&quoted, q);
	q.dst = EXT;
	quoted_pkt(&quoted_want, q);
	e = icmp_error(EXT, REM, TIME_EXCEEDED, 0, &quoted, 28);
	e.smac = MAC_GW_WAN, e.dmac = MAC_REM;
	want = e;
	want.quote = &quoted_want;
	t_ok(expect(run_tc_egress, &e, V_TC_OK, &want, NULL) && counted_once(XNAT_STAT_XLATE_ICMP_ERR_OUT),
	     "gateway's own icmp error (TC egress) about a translated flow: quote translated, outer source kept");

	quoted_pkt(&quoted, qspec(IPPROTO_UDP, REM, 999, EXT, 7));
	e = icmp_error(EXT, REM, DEST_UNREACH, PORT_UNREACH, &quoted, 28);
	e.smac = MAC_GW_WAN, e.dmac = MAC_REM;
	t_ok(expect(run_tc_egress, &e, V_TC_OK, NULL, NULL) && counted_once(XNAT_STAT_PASS_LOCAL),
	     "gateway's own icmp error about its own traffic: untouched");
}

void test_icmp_errors(void)
{
	error_in(IPPROTO_UDP, 8 + sizeof(data), 0, false, "udp, full quote");
	error_in(IPPROTO_UDP, 8 + sizeof(data), 0, true, "udp, full quote");
	error_in(IPPROTO_UDP, 8, 0, false, "udp, 8-byte quote");
	error_in(IPPROTO_UDP, 8, 12, false, "udp, quoted IPv4 header with 12 bytes of options");
	error_in(IPPROTO_TCP, 20 + sizeof(data), 0, false, "tcp, full quote");
	error_in(IPPROTO_TCP, 8, 0, false, "tcp, 8-byte quote without checksum");
	error_in(IPPROTO_TCP, 8, 0, true, "tcp, 8-byte quote without checksum");
	error_in_about_echo();
	error_in_about_forward();
	error_in_without_session();
	error_out_from_lan_host();
	error_out_inbound_session();
	gateway_own_error();
}
