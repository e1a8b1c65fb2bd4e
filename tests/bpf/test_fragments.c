// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* IPv4 fragments: later ones follow the translation of the first. */
#include <netinet/in.h>
#include <string.h>
#include <bpf/bpf.h>
#include "harness.h"

#define CUT 32 /* bytes of L4 in the first fragment (a multiple of 8) */

static uint8_t data[48];

/* The two fragments of the UDP datagram `s` (IP id s.ip_id). */
static void fragments(struct pkt_spec s, struct pkt *first, struct pkt *second)
{
	struct pkt whole;
	const uint8_t *l4 = whole.buf + PKT_L4_OFF;

	s.payload = data, s.payload_len = sizeof(data);
	pkt_build(&whole, &s);
	s.frag = 0x2000; /* MF, offset 0 */
	pkt_build_raw(first, &s, l4, CUT);
	s.frag = CUT / 8;
	pkt_build_raw(second, &s, l4 + CUT, whole.len - PKT_L4_OFF - CUT);
}

static bool frag_recorded(const char *src, const char *dst, uint16_t id, const char *to_src, const char *to_dst)
{
	struct xnat_frag_key k = { .saddr = pkt_addr(src), .daddr = pkt_addr(dst), .id = htons(id),
				   .proto = IPPROTO_UDP };
	struct xnat_frag v;

	return !bpf_map_lookup_elem(bpf_map__fd(env.skel->maps.xnat_frags), &k, &v) &&
	       v.saddr == pkt_addr(to_src) && v.daddr == pkt_addr(to_dst);
}

static void outbound(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 6000, REM, 7000), MAC_H1), want;
	struct pkt f1, f2, e1, e2;

	env_reset();
	want = forwarded(s, MAC_GW_WAN, MAC_REM);
	want.src = EXT;
	fragments(s, &f1, &f2);
	fragments(want, &e1, &e2);
	t_ok(expect_pkt(run_xdp_lan, &f1, V_XDP_REDIRECT, &e1, NULL) && counted_once(XNAT_STAT_XLATE_OUT),
	     "first fragment: translated with its flow (UDP checksum of the whole datagram)");
	t_ok(map_entries(env.skel->maps.xnat_frags) == 1 && frag_recorded(H1, REM, 0x4242, EXT, REM),
	     "first fragment: recorded in xnat_frags (192.168.1.10 -> 198.51.100.2, id 0x4242: 198.51.100.1 -> 198.51.100.2)");
	t_ok(expect_pkt(run_xdp_lan, &f2, V_XDP_REDIRECT, &e2, NULL) && counted_once(XNAT_STAT_XLATE_FRAG),
	     "later fragment: same addresses, IP checksum right, payload untouched, counted translated_fragment");
	/* The same later fragment as the stack forwards it: WAN MACs, TTL already decremented. */
	s.smac = MAC_GW_WAN, s.dmac = MAC_REM, s.ttl = 63;
	want = s;
	want.src = EXT;
	fragments(s, &f1, &f2);
	fragments(want, &e1, &e2);
	t_ok(expect_pkt(run_tc_egress, &f2, V_TC_OK, &e2, NULL) && counted_once(XNAT_STAT_XLATE_FRAG),
	     "later fragment through TC egress (stack path): translated too, TTL untouched");

	s = from_lan(flow_spec(IPPROTO_UDP, H1, 6000, REM, 7000), MAC_H1);
	s.ip_id = 0x7777; /* a datagram whose first fragment never came */
	fragments(s, &f1, &f2);
	t_ok(expect_pkt(run_xdp_lan, &f2, V_XDP_DROP, NULL, NULL) && counted_once(XNAT_STAT_DROP_FRAG_NO_STATE),
	     "later fragment without its first: dropped, counted");
}

static void inbound(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 6000, REM, 7000), MAC_H1), want;
	struct pkt f1, f2, e1, e2, out;

	env_reset();
	run_spec(run_xdp_lan, &s, &out);
	s = from_wan(flow_spec(IPPROTO_UDP, REM, 7000, EXT, 6000), MAC_REM);
	s.ip_id = 0x5151;
	want = forwarded(s, MAC_GW_LAN, MAC_H1);
	want.dst = H1;
	fragments(s, &f1, &f2);
	fragments(want, &e1, &e2);
	t_ok(expect_pkt(run_xdp_wan, &f1, V_XDP_REDIRECT, &e1, NULL) && frag_recorded(REM, EXT, 0x5151, REM, H1),
	     "inbound first fragment: to 192.168.1.10:6000, recorded");
	t_ok(expect_pkt(run_xdp_wan, &f2, V_XDP_REDIRECT, &e2, NULL), "inbound later fragment: to 192.168.1.10");
	want = s;
	want.dst = H1;
	fragments(want, &e1, &e2);
	t_ok(expect_pkt(run_tc_ingress, &f2, V_TC_OK, &e2, NULL), "inbound later fragment (TC ingress): to 192.168.1.10");
}

/* Fragmented datagrams of the gateway itself are never NATed, and must not be dropped. */
static void gateway_own(void)
{
	struct pkt_spec s = flow_spec(IPPROTO_UDP, EXT, 33000, REM, 4500);
	struct pkt f1, f2;

	env_reset();
	s.smac = MAC_GW_WAN, s.dmac = MAC_REM, s.ip_id = 0x6161;
	fragments(s, &f1, &f2);
	t_ok(expect_pkt(run_tc_egress, &f1, V_TC_OK, NULL, NULL), "gateway's own first fragment (TC egress): untouched");
	t_ok(expect_pkt(run_tc_egress, &f2, V_TC_OK, NULL, NULL),
		    "gateway's own later fragment (TC egress): leaves untouched");

	s = from_wan(flow_spec(IPPROTO_UDP, REM, 4500, EXT, 33000), MAC_REM);
	s.ip_id = 0x6262;
	fragments(s, &f1, &f2);
	t_ok(expect_pkt(run_xdp_wan, &f1, V_XDP_PASS, NULL, NULL), "fragmented reply to the gateway, first fragment (XDP): passed untouched");
	t_ok(expect_pkt(run_xdp_wan, &f2, V_XDP_PASS, NULL, NULL),
		    "fragmented reply to the gateway, later fragment (XDP): passed untouched");
	t_ok(expect_pkt(run_tc_ingress, &f2, V_TC_OK, NULL, NULL), "fragmented reply to the gateway, later fragment (TC ingress): untouched");
}

void test_fragments(void)
{
	memset(data, 0xab, sizeof(data));
	outbound();
	inbound();
	gateway_own();
}
