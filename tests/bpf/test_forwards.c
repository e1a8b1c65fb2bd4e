// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Static forwards and leases: slots of xnat_ports that admit any remote. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <time.h>
#include <bpf/bpf.h>
#include "harness.h"
#include "maps.h"

/* A WAN SYN to EXT:ext_port reaches H1:port (XDP). */
static bool syn_reaches(uint16_t ext_port, uint16_t port, uint16_t rem_port)
{
	struct pkt_spec s = from_wan(flow_spec(IPPROTO_TCP, REM, rem_port, EXT, ext_port), MAC_REM);
	struct pkt_spec want = forwarded(s, MAC_GW_LAN, MAC_H1);

	want.dst = H1, want.dport = port;
	return expect(run_xdp_wan, &s, V_XDP_REDIRECT, &want, NULL) && counted_once(XNAT_STAT_XLATE_IN);
}

static void static_forwards(void)
{
	struct pkt_spec s, want;
	struct xnat_flow f;

	env_reset();
	cfg_edit(cfg_set_filtering, XNAT_FILTER_ADDRESS_PORT_DEPENDENT);
	add_forward(IPPROTO_TCP, 3389, H1, 3389, XNAT_OWNER_CONFIG);
	add_forward(IPPROTO_TCP, 8443, H1, 443, XNAT_OWNER_STATIC);
	t_ok(syn_reaches(3389, 3389, 50000), "static forward tcp 3389: WAN SYN reaches 192.168.1.10:3389 (even with APDF), translated_in");
	t_ok(flow_exists(H1, 3389, REM, 50000, IPPROTO_TCP, XNAT_DIR_OUT, &f) && f.owner == XNAT_OWNER_CONFIG &&
	     flow_exists(REM, 50000, EXT, 3389, IPPROTO_TCP, XNAT_DIR_IN, &f) && f.owner == XNAT_OWNER_CONFIG &&
	     (f.flags & XNAT_FLOW_SYN), "static forward: session created with owner config");
	t_ok(host_alloc(H1) == 0 && map_entries(env.skel->maps.xnat_eim) == 0,
	     "static forward: no dynamic mapping, no quota use");
	t_ok(syn_reaches(3389, 3389, 50001), "static forward: a second remote port admitted too");
	t_ok(syn_reaches(8443, 443, 50000), "static forward 8443 -> 192.168.1.10:443: port rewritten");

	s = from_lan(flow_spec(IPPROTO_TCP, H1, 3389, REM, 50000), MAC_H1);
	s.tcp_flags = TH_SYN | TH_ACK;
	want = forwarded(s, MAC_GW_WAN, MAC_REM);
	want.src = EXT;
	t_ok(expect(run_xdp_lan, &s, V_XDP_REDIRECT, &want, NULL) && counted_once(XNAT_STAT_XLATE_OUT),
	     "static forward: the LAN server's reply leaves from 198.51.100.1:3389");
	s = from_wan(flow_spec(IPPROTO_TCP, REM, 50001, EXT, 3390), MAC_REM);
	t_ok(expect(run_xdp_wan, &s, V_XDP_PASS, NULL, NULL) && counted_once(XNAT_STAT_PASS_LOCAL),
	     "unforwarded port: passed to the gateway untouched");
	s.dport = 3389, s.proto = IPPROTO_UDP;
	t_ok(expect(run_xdp_wan, &s, V_XDP_PASS, NULL, NULL), "a tcp forward does not forward udp of the same port");
}

static void set_expiry(uint16_t ext_port, __u32 expires)
{
	__u32 slot = (__u32)xnat_port_slot(IPPROTO_TCP, ext_port);
	struct xnat_port_owner o;
	int fd = bpf_map__fd(env.skel->maps.xnat_ports);

	bpf_map_lookup_elem(fd, &slot, &o);
	o.expires = expires;
	bpf_map_update_elem(fd, &slot, &o, BPF_ANY);
}

/* A lease (UPnP, NAT-PMP, PCP) admits until it expires. */
static void leases(void)
{
	struct pkt_spec s = from_wan(flow_spec(IPPROTO_TCP, REM, 50000, EXT, 6881), MAC_REM);

	env_reset();
	add_forward(IPPROTO_TCP, 6881, H1, 6881, XNAT_OWNER_UPNP);
	set_expiry(6881, xnat_now() + 100);
	t_ok(syn_reaches(6881, 6881, 50000), "lease not yet expired: admitted");
	set_expiry(6881, xnat_now() - 1);
	s.sport = 50001;
	t_ok(expect(run_xdp_wan, &s, V_XDP_PASS, NULL, NULL) && counted_once(XNAT_STAT_PASS_LOCAL),
	     "expired lease: a new remote is not admitted (passed to the gateway)");
}

/* PCP FILTER: a PCP mapping with rules admits the remote peers they name
 * only; rules left by another mapping of the slot are ignored. */
static void pcp_filters(void)
{
	__u32 slot = (__u32)xnat_port_slot(IPPROTO_TCP, 6900);
	int fd = bpf_map__fd(env.skel->maps.xnat_port_filters);
	struct xnat_port_filter f = { .count = 1 };
	struct in_addr h1, rem;
	struct pkt_spec s;

	env_reset();
	inet_pton(AF_INET, H1, &h1);
	inet_pton(AF_INET, REM, &rem);
	add_forward(IPPROTO_TCP, 6900, H1, 6900, XNAT_OWNER_PCP);
	f.claim = xnat_port_claim_word(h1.s_addr, htons(6900), XNAT_OWNER_PCP);
	f.rule[0] = (struct xnat_remote_filter){ .addr = rem.s_addr, .prefix_len = 32, .port = htons(50000) };
	bpf_map_update_elem(fd, &slot, &f, BPF_ANY);
	t_ok(syn_reaches(6900, 6900, 50000), "PCP mapping with FILTER 198.51.100.2/32 port 50000: that peer admitted");
	s = from_wan(flow_spec(IPPROTO_TCP, REM, 50001, EXT, 6900), MAC_REM);
	t_ok(expect(run_xdp_wan, &s, V_XDP_DROP, NULL, NULL) && counted_once(XNAT_STAT_DROP_FILTERED),
	     "... the same address from another port: dropped, counted as filtered");
	s = from_wan(flow_spec(IPPROTO_TCP, REM2, 50000, EXT, 6900), MAC_REM);
	t_ok(expect(run_xdp_wan, &s, V_XDP_DROP, NULL, NULL) && counted_once(XNAT_STAT_DROP_FILTERED),
	     "... another address: dropped, counted as filtered");
	f.rule[0].prefix_len = 24, f.rule[0].addr &= htonl(0xffffff00), f.rule[0].port = 0;
	bpf_map_update_elem(fd, &slot, &f, BPF_ANY);
	t_ok(syn_reaches(6900, 6900, 50002), "FILTER 198.51.100.0/24 any port: the other address admitted");
	f.count = 0;
	bpf_map_update_elem(fd, &slot, &f, BPF_ANY);
	f.count = 1, f.rule[0].prefix_len = 32, f.rule[0].addr = rem.s_addr;
	f.claim = xnat_port_claim_word(h1.s_addr, htons(6901), XNAT_OWNER_PCP); /* another mapping's */
	bpf_map_update_elem(fd, &slot, &f, BPF_ANY);
	t_ok(syn_reaches(6900, 6900, 50003), "rules tagged with another mapping's claim: ignored, anyone admitted");
}

void test_forwards(void)
{
	static_forwards();
	leases();
	pcp_filters();
}
