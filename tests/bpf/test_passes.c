// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* What the fast path hands to the stack untouched, and malformed packets. */
#include <netinet/in.h>
#include <string.h>
#include "harness.h"

static void set_flags(struct xnat_config *c, long flags) { c->flags = (__u32)flags; }

static void expect_untouched(const struct pkt *in, int verdict, enum xnat_stat stat, const char *what)
{
	struct pkt out;
	int v;

	stat_mark();
	v = run_xdp_lan(in, &out);
	t_ok(v == verdict && pkt_same(&out, in) && stat_delta(stat) == 1, "%s (verdict %d)", what, v);
}

void test_passes(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 5000, REM, 53), MAC_H1);
	struct pkt in;

	env_reset();
	s.ttl = 1;
	pkt_build(&in, &s);
	expect_untouched(&in, V_XDP_PASS, XNAT_STAT_PASS_TTL, "TTL 1: to the stack, which sends time-exceeded");

	s.ttl = 64;
	pkt_build(&in, &s);
	in.buf[12] = 0x08, in.buf[13] = 0x06; /* ARP */
	expect_untouched(&in, V_XDP_PASS, XNAT_STAT_PASS_NOT_IPV4, "ARP: to the stack");

	s = from_lan(flow_spec(IPPROTO_UDP, H1, 5000, GW_LAN, 53), MAC_H1);
	pkt_build(&in, &s);
	expect_untouched(&in, V_XDP_PASS, XNAT_STAT_PASS_LOCAL, "packet for the gateway itself: to the stack");

	s = from_lan(flow_spec(IPPROTO_TCP, H1, 5000, REM, 80), MAC_H1);
	pkt_build(&in, &s);
	in.len = 14 + 20 + 10; /* TCP header cut short; IP length still says 40 */
	in.buf[14 + 3] = 30;
	in.buf[14 + 10] = in.buf[14 + 11] = 0;
	expect_untouched(&in, V_XDP_DROP, XNAT_STAT_DROP_MALFORMED, "truncated TCP header: dropped, counted");

	pkt_build(&in, &s);
	in.buf[14] = 0x44; /* IHL 4 */
	expect_untouched(&in, V_XDP_DROP, XNAT_STAT_DROP_MALFORMED, "IPv4 header length 4: dropped, counted");

	pkt_build(&in, &s);
	in.buf[14 + 2] = 0x05, in.buf[14 + 3] = 0xdc; /* total length 1500 > frame */
	expect_untouched(&in, V_XDP_DROP, XNAT_STAT_DROP_MALFORMED, "IPv4 total length beyond the frame: dropped, counted");

	cfg_edit(set_flags, 0);
	s = from_lan(flow_spec(IPPROTO_UDP, H1, 5000, REM, 53), MAC_H1);
	pkt_build(&in, &s);
	expect_untouched(&in, V_XDP_PASS, XNAT_STAT_PASS_DISABLED, "NAT disabled (no external address yet): untouched");
}
