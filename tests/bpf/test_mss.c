// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * TCP MSS clamping (bpf/mss.h): a SYN crossing the WAN says at most the
 * WAN's MTU less 40, both ways, through XDP and TC, with the checksum
 * right; anything else is left as it is.
 */
#include <netinet/in.h>
#include <string.h>
#include "harness.h"

#define MSS 1452 /* PPPoE's 1492 less 40 */

static void cfg_set_mss(struct xnat_config *c, long mss)
{
	c->wan_mss = (__u16)mss;
}

/* MSS option (value v) at byte at of the options, NOPs before and after. */
static void mss_opts(uint8_t *o, int at, unsigned int v)
{
	memset(o, 1, 8);
	o[at] = 2, o[at + 1] = 4, o[at + 2] = (uint8_t)(v >> 8), o[at + 3] = (uint8_t)v;
}

static void syn_out(void)
{
	uint8_t in_opts[8], want_opts[8];
	struct pkt_spec s, want;

	for (int at = 0; at <= 1; at++) {
		env_reset();
		cfg_edit(cfg_set_mss, MSS);
		s = from_lan(flow_spec(IPPROTO_TCP, H1, 40000 + at, REM, 443), MAC_H1);
		mss_opts(in_opts, at, 1460);
		mss_opts(want_opts, at, MSS);
		s.tcp_opts = in_opts, s.tcp_opt_len = 8;
		want = forwarded(s, MAC_GW_WAN, MAC_REM);
		want.src = EXT;
		want.tcp_opts = want_opts;
		stat_mark();
		t_ok(expect(run_xdp_lan, &s, V_XDP_REDIRECT, &want, NULL) &&
		     stat_delta(XNAT_STAT_TCP_MSS_CLAMPED) == 1,
		     "SYN out (XDP), MSS 1460 at option byte %d (%s): 1452, checksum right, tcp_mss_clamped", at,
		     at ? "odd" : "even");
		env_reset();
		cfg_edit(cfg_set_mss, MSS);
		want = s;
		want.src = EXT;
		want.tcp_opts = want_opts;
		t_ok(expect(run_tc_egress, &s, V_TC_OK, &want, NULL), "SYN out (TC egress), byte %d: 1452 too", at);
	}
	/* The twins: an MSS already small, no clamp configured, not a SYN. */
	env_reset();
	cfg_edit(cfg_set_mss, MSS);
	mss_opts(in_opts, 0, 1400);
	s.tcp_opts = in_opts;
	want = forwarded(s, MAC_GW_WAN, MAC_REM);
	want.src = EXT;
	stat_mark();
	t_ok(expect(run_xdp_lan, &s, V_XDP_REDIRECT, &want, NULL) && stat_delta(XNAT_STAT_TCP_MSS_CLAMPED) == 0,
	     "SYN out with MSS 1400: left as it is");
	env_reset();
	mss_opts(in_opts, 0, 1460);
	want = forwarded(s, MAC_GW_WAN, MAC_REM);
	want.src = EXT;
	stat_mark();
	t_ok(expect(run_xdp_lan, &s, V_XDP_REDIRECT, &want, NULL) && stat_delta(XNAT_STAT_TCP_MSS_CLAMPED) == 0,
	     "no clamp configured (wan_mss 0): MSS 1460 left as it is");
	/* Not a SYN: the same option bytes in an ACK of the flow stay. */
	env_reset();
	cfg_edit(cfg_set_mss, MSS);
	want = s;
	want.src = EXT;
	want.tcp_opts = want_opts;
	mss_opts(want_opts, 0, MSS);
	expect(run_tc_egress, &s, V_TC_OK, &want, NULL);
	s.tcp_flags = TH_ACK;
	want = s;
	want.src = EXT;
	stat_mark();
	t_ok(expect(run_tc_egress, &s, V_TC_OK, &want, NULL) && stat_delta(XNAT_STAT_TCP_MSS_CLAMPED) == 0,
	     "not a SYN: an MSS option in an ACK is left as it is");
}

static void synack_in(void)
{
	uint8_t in_opts[8], want_opts[8];
	struct pkt_spec s, want;

	env_reset();
	cfg_edit(cfg_set_mss, MSS);
	add_forward(IPPROTO_TCP, 3389, H1, 3389, XNAT_OWNER_STATIC);
	s = from_wan(flow_spec(IPPROTO_TCP, REM, 50000, EXT, 3389), MAC_REM);
	mss_opts(in_opts, 0, 1460);
	mss_opts(want_opts, 0, MSS);
	s.tcp_opts = in_opts, s.tcp_opt_len = 8;
	want = forwarded(s, MAC_GW_LAN, MAC_H1);
	want.dst = H1;
	want.tcp_opts = want_opts;
	stat_mark();
	t_ok(expect(run_xdp_wan, &s, V_XDP_REDIRECT, &want, NULL) && stat_delta(XNAT_STAT_TCP_MSS_CLAMPED) == 1,
	     "SYN in through a forward (XDP): MSS 1460 becomes 1452 (what the LAN host sends fits the WAN)");
	want = s;
	want.dst = H1;
	want.tcp_opts = want_opts;
	t_ok(expect(run_tc_ingress, &s, V_TC_OK, &want, NULL), "... and through TC ingress");
}

void test_mss(void)
{
	syn_out();
	synack_in();
}
