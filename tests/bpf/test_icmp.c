// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ICMP echo (identifier mapped) and ICMP errors (RFC 5508), both directions. */
#include <netinet/in.h>
#include <string.h>
#include "harness.h"

static const uint8_t data[10] = "0123456789";

static uint16_t out_port(const struct pkt *p, size_t off)
{
	return (uint16_t)(p->buf[off] << 8 | p->buf[off + 1]);
}

static void echo(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_ICMP, H1, 0x1234, REM, 0), MAC_H1), want;
	struct pkt in, out, exp;
	uint16_t id2;
	int v;

	env_reset();
	want = forwarded(s, MAC_GW_WAN, MAC_REM);
	want.src = EXT;
	pkt_build(&in, &s);
	pkt_build(&exp, &want);
	v = run_xdp_lan(&in, &out);
	t_ok(v == V_XDP_REDIRECT && pkt_same(&out, &exp), "echo request out: source translated, id kept, ICMP checksum");

	s = from_lan(flow_spec(IPPROTO_ICMP, H2, 0x1234, REM, 0), MAC_H2);
	pkt_build(&in, &s);
	v = run_xdp_lan(&in, &out);
	id2 = out_port(&out, 14 + 20 + 4);
	t_ok(v == V_XDP_REDIRECT && id2 != 0x1234, "second host, same identifier: gets another one (0x%x)", id2);

	s = from_wan(flow_spec(IPPROTO_ICMP, REM, id2, EXT, 0), MAC_REM);
	s.icmp_type = 0; /* echo reply */
	want = forwarded(s, MAC_GW_LAN, MAC_H2);
	want.dst = H2, want.sport = 0x1234;
	pkt_build(&in, &s);
	pkt_build(&exp, &want);
	v = run_xdp_wan(&in, &out);
	t_ok(v == V_XDP_REDIRECT && pkt_same(&out, &exp), "echo reply in: back to the second host with its own id");

	s.sport = 0x9999;
	pkt_build(&in, &s);
	stat_mark();
	v = run_xdp_wan(&in, &out);
	t_ok(v == V_XDP_PASS && pkt_same(&out, &in) && stat_delta(XNAT_STAT_PASS_LOCAL) == 1,
	     "echo reply with no session: passed to the gateway untouched");
	s = from_wan(flow_spec(IPPROTO_ICMP, REM, 0x7777, EXT, 0), MAC_REM);
	pkt_build(&in, &s);
	v = run_xdp_wan(&in, &out);
	t_ok(v == V_XDP_PASS && pkt_same(&out, &in), "echo request to the gateway: passed untouched (it answers)");
}

/* The remote's router answers a UDP/TCP packet of ours with an ICMP error. */
static void error_in(uint8_t proto, size_t quote_l4, const char *what)
{
	struct pkt_spec s = from_lan(flow_spec(proto, H2, 5000, REM, 53), MAC_H2), q, qwant, e, ewant;
	struct pkt in, out, quoted, quoted_want, exp;
	uint16_t port;
	int v;

	env_reset();
	/* H1 holds 5000, so H2's flow gets another port: the quote must change. */
	s.src = H1, s.smac = MAC_H1;
	pkt_build(&in, &s);
	run_xdp_lan(&in, &out);
	s.src = H2, s.smac = MAC_H2, s.payload = data, s.payload_len = sizeof(data);
	pkt_build(&in, &s);
	run_xdp_lan(&in, &out);
	port = out_port(&out, 14 + 20);

	q = flow_spec(proto, EXT, port, REM, 53); /* as it reached the remote */
	q.ttl = 63, q.payload = data, q.payload_len = sizeof(data);
	qwant = q;                                /* as H2 must see it quoted */
	qwant.src = H2, qwant.sport = 5000;
	pkt_build(&quoted, &q);
	pkt_build(&quoted_want, &qwant);

	e = from_wan(flow_spec(IPPROTO_ICMP, REM, 0, EXT, 0), MAC_REM);
	e.icmp_type = 3, e.icmp_code = 3;
	e.quote = &quoted, e.quote_len = 20 + quote_l4;
	ewant = forwarded(e, MAC_GW_LAN, MAC_H2);
	ewant.dst = H2, ewant.quote = &quoted_want;
	pkt_build(&in, &e);
	pkt_build(&exp, &ewant);
	v = run_xdp_wan(&in, &out);
	t_ok(v == V_XDP_REDIRECT && pkt_same(&out, &exp),
	     "icmp error in (%s): to the LAN host, quoted source address/port restored, quoted IP, L4 and ICMP checksums", what);
	t_ok(stat_delta(XNAT_STAT_XLATE_ICMP_ERR_IN) == 1, "icmp error in (%s): counted", what);
}

/* Errors leaving by the WAN about packets that came in: from a LAN host, and the gateway's own. */
static void error_out(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 6000, REM, 53), MAC_H1), q, qwant, e, ewant;
	struct pkt in, out, quoted, quoted_want, exp;
	int v;

	env_reset();
	pkt_build(&in, &s);
	run_xdp_lan(&in, &out); /* session H1:6000 <-> EXT:6000 */

	q = flow_spec(IPPROTO_UDP, REM, 53, H1, 6000); /* the reply as H1 got it */
	q.ttl = 63, q.payload = data, q.payload_len = sizeof(data);
	qwant = q;
	qwant.dst = EXT;
	pkt_build(&quoted, &q);
	pkt_build(&quoted_want, &qwant);

	e = from_lan(flow_spec(IPPROTO_ICMP, H1, 0, REM, 0), MAC_H1);
	e.icmp_type = 3, e.icmp_code = 3;
	e.quote = &quoted, e.quote_len = quoted.len - 14;
	ewant = forwarded(e, MAC_GW_WAN, MAC_REM);
	ewant.src = EXT, ewant.quote = &quoted_want;
	pkt_build(&in, &e);
	pkt_build(&exp, &ewant);
	v = run_xdp_lan(&in, &out);
	t_ok(v == V_XDP_REDIRECT && pkt_same(&out, &exp),
	     "icmp error out from a LAN host: outer source and quoted destination become the external endpoint");

	/* The gateway's own time-exceeded for a reply it translated (TTL ran out). */
	q.ttl = 1;
	qwant.ttl = 1;
	pkt_build(&quoted, &q);
	pkt_build(&quoted_want, &qwant);
	e = flow_spec(IPPROTO_ICMP, EXT, 0, REM, 0);
	e.smac = MAC_GW_WAN, e.dmac = MAC_REM, e.icmp_type = 11, e.icmp_code = 0;
	e.quote = &quoted, e.quote_len = 28;
	ewant = e;
	ewant.quote = &quoted_want;
	pkt_build(&in, &e);
	pkt_build(&exp, &ewant);
	v = run_tc_egress(&in, &out);
	t_ok(v == V_TC_OK && pkt_same(&out, &exp),
	     "gateway's own icmp error (tc egress): quote translated, outer source kept, no private address leaks");
}

void test_icmp(void)
{
	echo();
	error_in(IPPROTO_UDP, 8 + sizeof(data), "udp, full quote");
	error_in(IPPROTO_UDP, 8, "udp, 8-byte quote");
	error_in(IPPROTO_TCP, 8, "tcp, 8-byte quote without checksum");
	error_out();
}
