// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Malformed and unsupported packets: never modified, always counted. */
#include <netinet/in.h>
#include <string.h>
#include "harness.h"

#define ETH_MIN_FRAME 60 /* without FCS: shorter frames are padded to this */

/* A LAN TCP SYN to the WAN, to be damaged. */
static void tcp_syn(struct pkt *p)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_TCP, H1, 5000, REM, 80), MAC_H1);

	pkt_build(p, &s);
}

/* Rewrite the IP total length and recompute the header checksum from scratch. */
static void set_tot_len(struct pkt *p, uint16_t tot)
{
	uint8_t *ip = p->buf + PKT_IP_OFF;
	uint16_t c;

	ip[2] = tot >> 8, ip[3] = tot & 0xff;
	ip[10] = ip[11] = 0;
	c = pkt_csum(ip, (size_t)(ip[0] & 0xf) * 4, 0);
	ip[10] = c >> 8, ip[11] = c & 0xff;
}

/* Dropped untouched, counted drop_malformed, by XDP and (tc) by TC egress. */
static void dropped(const struct pkt *in, bool tc, const char *what)
{
	t_ok(expect_pkt(run_xdp_lan, in, V_XDP_DROP, NULL, NULL) && counted_once(XNAT_STAT_DROP_MALFORMED),
	     "%s (XDP): dropped untouched, counted drop_malformed", what);
	if (tc)
			t_ok(expect_pkt(run_tc_egress, in, V_TC_SHOT, NULL, NULL) && counted_once(XNAT_STAT_DROP_MALFORMED),
		     "%s (TC egress): dropped untouched, counted", what);
}

static void broken_headers(void)
{
	struct pkt in;

	env_reset();
	tcp_syn(&in);
	in.len = PKT_ETH_LEN + 20 + 10; /* TCP header cut short */
	set_tot_len(&in, 30);
	dropped(&in, true, "TCP header cut to 10 bytes");

	/* BPF_PROG_TEST_RUN refuses an skb this short: XDP only (the stack never
	 * hands TC such a packet). */
	tcp_syn(&in);
	in.len = PKT_ETH_LEN + 12;
	dropped(&in, false, "IPv4 header cut to 12 bytes");

	tcp_syn(&in);
	in.buf[PKT_IP_OFF] = 0x44; /* IHL 4 */
	dropped(&in, true, "IPv4 header length 4");

	tcp_syn(&in);
	in.buf[PKT_IP_OFF] = 0x4f; /* IHL 15: 60 bytes, beyond this frame's header */
	in.len = PKT_ETH_LEN + 40;
	dropped(&in, true, "IPv4 header length beyond the frame");

	tcp_syn(&in);
	in.buf[PKT_IP_OFF] = 0x65; /* version 6 behind an IPv4 ethertype */
	dropped(&in, true, "IP version 6 with ethertype IPv4");

	tcp_syn(&in);
	set_tot_len(&in, 1500);
	dropped(&in, true, "IPv4 total length beyond the frame");

	tcp_syn(&in);
	set_tot_len(&in, 16);
	dropped(&in, true, "IPv4 total length shorter than its header");

	t_ok(map_entries(env.skel->maps.xnat_flows) == 0 && map_entries(env.skel->maps.xnat_eim) == 0,
	     "malformed packets created no state");
}

static void broken_icmp_quote(void)
{
	struct pkt_spec q = flow_spec(IPPROTO_UDP, EXT, 6000, REM, 53);
	struct pkt_spec e = from_wan(flow_spec(IPPROTO_ICMP, REM, 0, EXT, 0), MAC_REM);
	struct pkt quoted, in;

	env_reset();
	pkt_build(&quoted, &q);
	e.icmp_type = 3, e.icmp_code = 3, e.quote = &quoted, e.quote_len = 12;
	pkt_build(&in, &e);
	t_ok(expect_pkt(run_xdp_wan, &in, V_XDP_DROP, NULL, NULL) && counted_once(XNAT_STAT_DROP_MALFORMED),
	     "ICMP error quoting 12 bytes of an IPv4 header: dropped untouched, counted");
	e.quote_len = 24; /* the quoted IP header, 4 bytes of UDP */
	pkt_build(&in, &e);
	t_ok(expect_pkt(run_xdp_wan, &in, V_XDP_DROP, NULL, NULL) && counted_once(XNAT_STAT_DROP_MALFORMED),
	     "ICMP error quoting fewer than 8 bytes of UDP: dropped untouched, counted");
}

/* Ethernet pads short frames to 60 bytes; the padding is not part of the IP packet. */
static void ethernet_padding(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 5000, REM, 53), MAC_H1), want;
	struct pkt in, exp;

	env_reset();
	want = forwarded(s, MAC_GW_WAN, MAC_REM);
	want.src = EXT;
	pkt_build(&in, &s);
	pkt_build(&exp, &want);
	memset(in.buf + in.len, 0xee, ETH_MIN_FRAME - in.len);
	memset(exp.buf + exp.len, 0xee, ETH_MIN_FRAME - exp.len);
	in.len = exp.len = ETH_MIN_FRAME;
	t_ok(expect_pkt(run_xdp_lan, &in, V_XDP_REDIRECT, &exp, NULL),
	     "minimum UDP packet padded to 60 bytes: translated, padding untouched");

	/* A TCP header cut to 10 bytes by the IP length, the frame padded to 60: the
	 * padding is no TCP header. */
	tcp_syn(&in);
	set_tot_len(&in, 30);
	memset(in.buf + PKT_ETH_LEN + 30, 0, ETH_MIN_FRAME - PKT_ETH_LEN - 30);
	in.len = ETH_MIN_FRAME;
	t_ok(expect_pkt(run_xdp_lan, &in, V_XDP_DROP, NULL, NULL) && counted_once(XNAT_STAT_DROP_MALFORMED),
		    "TCP header cut by the IP total length (30) in a padded 60-byte frame: dropped untouched, drop_malformed");
}

/* Protocols without ports (GRE here) are not translated. */
static void unsupported_protocol(void)
{
	struct pkt_spec s = from_lan(flow_spec(47 /* GRE */, H1, 0, REM, 0), MAC_H1);
	static const uint8_t gre[8] = { 0, 0, 0x08, 0 };
	struct pkt in, out;

	env_reset();
	pkt_build_raw(&in, &s, gre, sizeof(gre));
	t_ok(expect_pkt(run_xdp_lan, &in, V_XDP_PASS, NULL, NULL) && counted_once(XNAT_STAT_PASS_UNSUPPORTED),
	     "GRE from a LAN host (XDP): to the stack untouched, pass_unsupported");
	s.smac = MAC_GW_WAN, s.dmac = MAC_REM, s.ttl = 63;
	pkt_build_raw(&in, &s, gre, sizeof(gre));
	t_ok(expect_pkt(run_tc_egress, &in, V_TC_SHOT, NULL, &out) && counted_once(XNAT_STAT_DROP_OUT_UNTRANSLATABLE),
	     "GRE from a LAN host forwarded by the stack (TC egress): dropped (drop_out_untranslatable), never leaves "
	     "with the private source 192.168.1.10");
}

void test_malformed(void)
{
	broken_headers();
	broken_icmp_quote();
	ethernet_padding();
	unsupported_protocol();
}
