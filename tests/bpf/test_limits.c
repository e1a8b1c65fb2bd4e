// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Port exhaustion and the per-host quota: new flows refused and counted, old ones untouched. */
#include <netinet/in.h>
#include "harness.h"

static void set_range(struct xnat_config *c, long r) { c->port_min = (__u16)(r >> 16), c->port_max = (__u16)r; }
static void set_quota(struct xnat_config *c, long q) { c->max_ports_per_host = (__u32)q; }

static int send_out(const char *host, const uint8_t *mac, uint16_t sport)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, host, sport, REM, 53), mac);
	struct pkt in, out;

	pkt_build(&in, &s);
	return run_xdp_lan(&in, &out);
}

void test_limits(void)
{
	int ok = 0;

	env_reset();
	cfg_edit(set_range, 40000L << 16 | 40003);
	for (uint16_t p = 5000; p < 5004; p++)
		ok += send_out(H1, MAC_H1, p) == V_XDP_REDIRECT;
	t_ok(ok == 4, "4-port range: 4 internal endpoints mapped (parity kept where it can be)");
	t_ok(send_out(H2, MAC_H2, 5004) == V_XDP_DROP && stat_delta(XNAT_STAT_DROP_PORTS_EXHAUSTED) == 1,
	     "5th endpoint: dropped, counted as ports exhausted");
	t_ok(send_out(H1, MAC_H1, 5000) == V_XDP_REDIRECT, "an established flow still translates");

	env_reset();
	cfg_edit(set_quota, 2);
	ok = (send_out(H1, MAC_H1, 6000) == V_XDP_REDIRECT) + (send_out(H1, MAC_H1, 6001) == V_XDP_REDIRECT);
	t_ok(ok == 2, "quota 2: two mappings for a host");
	t_ok(send_out(H1, MAC_H1, 6002) == V_XDP_DROP && stat_delta(XNAT_STAT_DROP_HOST_QUOTA) == 1,
	     "quota 2: the third is dropped, counted");
	t_ok(send_out(H2, MAC_H2, 6000) == V_XDP_REDIRECT, "quota: another host still maps");
	t_ok(send_out(H1, MAC_H1, 6001) == V_XDP_REDIRECT, "quota: the host's existing mappings still work");
}
