// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Bulk TCP to the stack (XNAT_CFG_TCP_BULK_STACK): XDP passes a flow's
 * packets untouched from its first segment of XNAT_TCP_BULK_LEN bytes on,
 * that way only, and TC translates them; small flows and the other way stay
 * on XDP. With the setting off, XDP translates every segment.
 */
#include <netinet/in.h>
#include <bpf/bpf.h>
#include "harness.h"

static const uint8_t zeroes[1400];

static void cfg_bulk(struct xnat_config *c, long on)
{
	c->flags = on ? c->flags | XNAT_CFG_TCP_BULK_STACK : c->flags & ~XNAT_CFG_TCP_BULK_STACK;
}

static struct pkt_spec segment(struct pkt_spec s, size_t payload)
{
	s.tcp_flags = TH_ACK;
	s.payload = zeroes, s.payload_len = payload;
	return s;
}

static bool bulk_marked(const char *src, uint16_t sport, const char *dst, uint16_t dport, enum xnat_dir dir)
{
	struct xnat_flow f;

	return flow_exists(src, sport, dst, dport, IPPROTO_TCP, dir, &f) && (f.flags & XNAT_FLOW_BULK);
}

void test_tcp_bulk(void)
{
	struct pkt_spec syn = from_lan(flow_spec(IPPROTO_TCP, H1, 7900, REM, 80), MAC_H1);
	struct pkt_spec rep = from_wan(flow_spec(IPPROTO_TCP, REM, 80, EXT, 7900), MAC_REM);
	struct pkt_spec s, want;

	env_reset();
	cfg_edit(cfg_bulk, 1);
	syn.tcp_flags = TH_SYN;
	want = forwarded(syn, MAC_GW_WAN, MAC_REM), want.src = EXT;
	t_ok(expect(run_xdp_lan, &syn, V_XDP_REDIRECT, &want, NULL), "tcp bulk: a SYN goes by XDP");
	s = segment(syn, 900);
	want = forwarded(s, MAC_GW_WAN, MAC_REM), want.src = EXT;
	t_ok(expect(run_xdp_lan, &s, V_XDP_REDIRECT, &want, NULL) && counted_once(XNAT_STAT_XLATE_OUT) &&
	     !bulk_marked(H1, 7900, REM, 80, XNAT_DIR_OUT),
	     "tcp bulk: a 940-byte segment (under %d) goes by XDP, translated", XNAT_TCP_BULK_LEN);
	s = segment(syn, 1000);
	t_ok(expect(run_xdp_lan, &s, V_XDP_PASS, NULL, NULL) && stat_delta(XNAT_STAT_TCP_BULK_TO_STACK) == 1 &&
	     counted_once(XNAT_STAT_PASS_TC_PATH) && bulk_marked(H1, 7900, REM, 80, XNAT_DIR_OUT),
	     "tcp bulk: a 1040-byte one passes to the stack untouched; the flow is bulk that way (counted once)");
	want = s, want.src = EXT;
	t_ok(expect(run_tc_egress, &s, V_TC_OK, &want, NULL) && counted_once(XNAT_STAT_XLATE_OUT),
	     "tcp bulk: ... and the WAN's TC egress translates it");
	s = segment(syn, 10);
	t_ok(expect(run_xdp_lan, &s, V_XDP_PASS, NULL, NULL) && stat_delta(XNAT_STAT_TCP_BULK_TO_STACK) == 0 &&
	     counted_once(XNAT_STAT_PASS_TC_PATH),
	     "tcp bulk: from then on the flow's small segments take the stack path too (no reordering)");
	s = segment(rep, 10);
	want = forwarded(s, MAC_GW_LAN, MAC_H1), want.dst = H1;
	t_ok(expect(run_xdp_wan, &s, V_XDP_REDIRECT, &want, NULL) && counted_once(XNAT_STAT_XLATE_IN),
	     "tcp bulk: the other way (the ACKs) stays on XDP");
	s = segment(rep, 1200);
	t_ok(expect(run_xdp_wan, &s, V_XDP_PASS, NULL, NULL) && counted_once(XNAT_STAT_PASS_TC_PATH) &&
	     bulk_marked(REM, 80, EXT, 7900, XNAT_DIR_IN),
	     "tcp bulk: a download's segment passes to the stack untouched");
	want = s, want.dst = H1;
	t_ok(expect(run_tc_ingress, &s, V_TC_OK, &want, NULL) && counted_once(XNAT_STAT_XLATE_IN),
	     "tcp bulk: ... and the WAN's TC ingress translates it");

	syn.sport = 7901;
	run_spec(run_xdp_lan, &syn, &(struct pkt){ 0 });
	cfg_edit(cfg_bulk, 0);
	s = segment(syn, 1400);
	want = forwarded(s, MAC_GW_WAN, MAC_REM), want.src = EXT;
	t_ok(expect(run_xdp_lan, &s, V_XDP_REDIRECT, &want, NULL) && counted_once(XNAT_STAT_XLATE_OUT) &&
	     !bulk_marked(H1, 7901, REM, 80, XNAT_DIR_OUT),
	     "tcp bulk: with tcp-bulk = xdp a 1440-byte segment is translated and sent by XDP");
}
