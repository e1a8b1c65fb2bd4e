// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Port exhaustion and the per-host quota: new flows refused and counted, old ones untouched. */
#include <netinet/in.h>
#include <bpf/bpf.h>
#include "harness.h"

static void set_range(struct xnat_config *c, long r) { c->port_min = (__u16)(r >> 16), c->port_max = (__u16)r; }
static void set_quota(struct xnat_config *c, long q) { c->max_ports_per_host = (__u32)q; }

/* host:sport -> remote:53; returns the verdict, *port the external source port. */
static int send_to(const char *host, const uint8_t *mac, uint16_t sport, const char *remote, uint16_t *port)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, host, sport, remote, 53), mac);
	struct pkt out;
	int v = run_spec(run_xdp_lan, &s, &out);

	if (port)
		*port = v == V_XDP_REDIRECT ? pkt_get16(&out, PKT_L4_OFF) : 0;
	return v;
}

static int send_out(const char *host, const uint8_t *mac, uint16_t sport, uint16_t *port)
{
	return send_to(host, mac, sport, REM, port);
}

static void exhaustion(void)
{
	unsigned int seen = 0; /* bit i: port 40000 + i given */
	uint16_t port;

	env_reset();
	cfg_edit(set_range, 40000L << 16 | 40003);
	for (uint16_t p = 5000; p < 5004; p++)
		if (send_out(H1, MAC_H1, p, &port) == V_XDP_REDIRECT && port >= 40000 && port <= 40003)
			seen |= 1u << (port - 40000);
	t_ok(seen == 0xf, "4-port range 40000-40003: 4 internal endpoints, 4 distinct ports in range");
	stat_mark();
	t_ok(send_out(H2, MAC_H2, 5004, NULL) == V_XDP_DROP && counted_once(XNAT_STAT_DROP_PORTS_EXHAUSTED),
	     "5th endpoint: dropped, counted as ports exhausted");
	t_ok(host_alloc(H2) == 0 && !eim_port(H2, 5004, IPPROTO_UDP), "5th endpoint: no state left behind");
	t_ok(send_out(H1, MAC_H1, 5000, &port) == V_XDP_REDIRECT && port >= 40000 && port <= 40003 &&
	     counted_once(XNAT_STAT_XLATE_OUT), "an established flow still translates");
}

static void host_freed_set(const char *host, __u64 n)
{
	__be32 k = pkt_addr(host);

	bpf_map_update_elem(bpf_map__fd(env.skel->maps.xnat_host_freed), &k, &n, BPF_ANY);
}

static void quota(void)
{
	int ok;

	env_reset();
	cfg_edit(set_quota, 2);
	ok = (send_out(H1, MAC_H1, 6000, NULL) == V_XDP_REDIRECT) + (send_out(H1, MAC_H1, 6001, NULL) == V_XDP_REDIRECT);
	t_ok(ok == 2 && host_alloc(H1) == 2, "quota 2: two mappings for a host");
	stat_mark();
	t_ok(send_out(H1, MAC_H1, 6002, NULL) == V_XDP_DROP && counted_once(XNAT_STAT_DROP_HOST_QUOTA),
	     "quota 2: the third is dropped, counted drop_host_quota");
	t_ok(send_out(H2, MAC_H2, 6000, NULL) == V_XDP_REDIRECT, "quota: another host still maps");
	t_ok(send_out(H1, MAC_H1, 6001, NULL) == V_XDP_REDIRECT, "quota: the host's existing mappings still work");
	host_freed_set(H1, 1);
	t_ok(send_out(H1, MAC_H1, 6002, NULL) == V_XDP_REDIRECT && host_alloc(H1) == 3,
	     "quota: a mapping collected by xnatd (xnat_host_freed 1) makes room for a new one");
}

/* Full tables, in a second instance of the object with tiny ones: flows for
 * two sessions, two mappings. */
static void tables_full(void)
{
	struct xnat_bpf *main_skel = env.skel, *small = skel_load(4, 2);
	uint16_t port;

	t_ok(small != NULL, "second instance with small tables loaded");
	if (!small)
		return;
	env.skel = small;
	env_reset();
	send_to(H1, MAC_H1, 7000, REM, NULL);
	send_to(H1, MAC_H1, 7000, REM2, NULL); /* one mapping, 2 sessions: xnat_flows full */
	stat_mark();
	t_ok(send_out(H2, MAC_H2, 7000, NULL) == V_XDP_DROP && counted_once(XNAT_STAT_DROP_TABLE_FULL),
	     "xnat_flows full: a new session is dropped, counted drop_table_full");
	t_ok(send_out(H1, MAC_H1, 7000, &port) == V_XDP_REDIRECT && port == 7000, "xnat_flows full: established flows translate");
	/* H2:7000 kept its mapping (xnatd collects it): xnat_eim is full now. */
	map_empty(small->maps.xnat_flows);
	stat_mark();
	t_ok(send_out(H2, MAC_H2, 7002, NULL) == V_XDP_DROP && counted_once(XNAT_STAT_DROP_TABLE_FULL) &&
	     !port_owner(7002, IPPROTO_UDP, NULL) && !eim_port(H2, 7002, IPPROTO_UDP),
	     "xnat_eim full: a new mapping is dropped, counted, its port slot given back");
	env.skel = main_skel;
	xnat_bpf__destroy(small);
}

void test_limits(void)
{
	exhaustion();
	quota();
	tables_full();
}
