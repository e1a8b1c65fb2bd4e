// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The next hop cached in a flow entry (bpf/hop_cache.h): XDP reuses the
 * route lookup of an earlier packet of the flow only for what that lookup
 * answered (the same generation, way in, TOS, and a length the route's MTU
 * was checked for). A neighbour whose address changes behind xnatd's back
 * shows which packets used the cache (they leave with the old address) and
 * which looked the route up (the new one); fib_changed() is what xnatd does
 * when it hears of the change.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "harness.h"

static const uint8_t MAC_NEW[6] = { 2, 0, 0, 0, 0, 0x99 };

static bool sh_ok(const char *cmd)
{
	return system(cmd) == 0;
}

/* Run s (payload bytes of zeroes, tos); true when it was redirected with
 * destination MAC dmac. */
static bool leaves_to(run_fn run, const struct pkt_spec *s, size_t payload, uint8_t tos, const uint8_t *dmac)
{
	static const uint8_t zeroes[1400];
	struct pkt_spec t = *s;
	struct pkt in, out;
	uint8_t *ip = in.buf + PKT_IP_OFF;

	t.payload = zeroes, t.payload_len = payload;
	if (pkt_build(&in, &t))
		return false;
	if (tos) {
		ip[1] = tos;
		ip[10] = ip[11] = 0;
		uint16_t c = pkt_csum(ip, 20, 0);
		ip[10] = c >> 8, ip[11] = c & 0xff;
	}
	if (run(&in, &out) != V_XDP_REDIRECT) {
		t_note("not redirected");
		return false;
	}
	if (memcmp(out.buf, dmac, 6)) {
		t_note("left for %02x:...:%02x", out.buf[0], out.buf[5]);
		return false;
	}
	return true;
}

static bool cached(const char *src, uint16_t sport, const char *dst, uint16_t dport, enum xnat_dir dir,
		   struct xnat_hop_cache *c)
{
	struct xnat_flow f;

	if (!flow_exists(src, sport, dst, dport, IPPROTO_UDP, dir, &f))
		return false;
	*c = f.hop;
	return c->gen != 0;
}

static __u32 fib_gen(void)
{
	struct xnat_config c;
	__u32 zero = 0;

	bpf_map_lookup_elem(bpf_map__fd(env.skel->maps.xnat_config), &zero, &c);
	return c.fib_gen;
}

static void lan_to_wan(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 7500, REM, 53), MAC_H1);
	struct xnat_hop_cache c;

	env_reset();
	t_ok(leaves_to(run_xdp_lan, &s, 0, 0, MAC_REM) && !cached(H1, 7500, REM, 53, XNAT_DIR_OUT, &c),
	     "hop cache: a new flow's first packet is routed by lookup; nothing cached yet");
	t_ok(leaves_to(run_xdp_lan, &s, 100, 0, MAC_REM) && cached(H1, 7500, REM, 53, XNAT_DIR_OUT, &c) &&
	     c.gen == fib_gen() && c.ifindex == (__u32)env.wan_ifindex &&
	     c.in_ifindex == (__u32)env.lan_ifindex && !memcmp(c.dmac, MAC_REM, 6) &&
	     !memcmp(c.smac, MAC_GW_WAN, 6) && c.len == 20 + 8 + 100 && c.tos == 0,
	     "hop cache: the second packet (128 bytes of IPv4) looks the route up and caches it in the OUT entry");
	t_ok(sh_ok("ip neigh replace " REM " lladdr 02:00:00:00:00:99 dev xw nud permanent"),
	     "hop cache: the remote's MAC changes, xnatd not told");
	t_ok(leaves_to(run_xdp_lan, &s, 100, 0, MAC_REM) && leaves_to(run_xdp_lan, &s, 10, 0, MAC_REM),
	     "hop cache: packets no longer than the cached one take the cached hop (the old MAC)");
	t_ok(leaves_to(run_xdp_lan, &s, 101, 0, MAC_NEW),
	     "hop cache: a longer one looks the route up again (the new MAC): the MTU is checked for its length");
	t_ok(leaves_to(run_xdp_lan, &s, 10, 0x10, MAC_NEW),
	     "hop cache: another TOS looks the route up again");
	t_ok(cached(H1, 7500, REM, 53, XNAT_DIR_OUT, &c) && c.len == 128 && !memcmp(c.dmac, MAC_REM, 6),
	     "hop cache: an answer that differs from the cached one under the same generation leaves it alone");
	fib_changed();
	t_ok(leaves_to(run_xdp_lan, &s, 10, 0, MAC_NEW) && cached(H1, 7500, REM, 53, XNAT_DIR_OUT, &c) &&
	     c.gen == fib_gen() && !memcmp(c.dmac, MAC_NEW, 6) && c.len == 20 + 8 + 10,
	     "hop cache: once the generation moves on (xnatd heard of the change), the route is looked up and re-cached");
	t_ok(leaves_to(run_xdp_lan, &s, 500, 0, MAC_NEW) && cached(H1, 7500, REM, 53, XNAT_DIR_OUT, &c) &&
	     c.len == 20 + 8 + 500,
	     "hop cache: a longer packet on the same route widens the cached length");
	sh_ok("ip neigh replace " REM " lladdr 02:00:00:00:00:02 dev xw nud permanent");
}

static void wan_to_lan(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 7600, REM, 53), MAC_H1);
	struct pkt_spec r = from_wan(flow_spec(IPPROTO_UDP, REM, 53, EXT, 7600), MAC_REM);
	struct xnat_hop_cache c;

	env_reset();
	leaves_to(run_xdp_lan, &s, 0, 0, MAC_REM);
	t_ok(leaves_to(run_xdp_wan, &r, 0, 0, MAC_H1) && cached(REM, 53, EXT, 7600, XNAT_DIR_IN, &c) &&
	     c.ifindex == (__u32)env.lan_ifindex && c.in_ifindex == (__u32)env.wan_ifindex &&
	     !memcmp(c.dmac, MAC_H1, 6) && !memcmp(c.smac, MAC_GW_LAN, 6),
	     "hop cache: a reply looks the route to the LAN host up and caches it in the IN entry");
	sh_ok("ip neigh replace " H1 " lladdr 02:00:00:00:00:99 dev xl nud permanent");
	t_ok(leaves_to(run_xdp_wan, &r, 0, 0, MAC_H1), "hop cache: the next reply takes the cached hop");
	fib_changed();
	t_ok(leaves_to(run_xdp_wan, &r, 0, 0, MAC_NEW), "hop cache: ... and after the generation moved, the new one");
	sh_ok("ip neigh replace " H1 " lladdr 02:00:00:00:00:10 dev xl nud permanent");
}

/* A lower MTU is noticed even before xnatd moves the generation on, for any
 * packet longer than the cached one. */
static void mtu(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 7700, REM, 53), MAC_H1);
	struct pkt in, out;
	static const uint8_t zeroes[1000];

	env_reset();
	leaves_to(run_xdp_lan, &s, 0, 0, MAC_REM);
	leaves_to(run_xdp_lan, &s, 100, 0, MAC_REM);
	t_ok(sh_ok("ip link set xw mtu 600"), "hop cache: the WAN's MTU drops to 600");
	s.payload = zeroes, s.payload_len = 1000;
	pkt_build(&in, &s);
	stat_mark();
	t_ok(run_xdp_lan(&in, &out) == V_XDP_PASS && counted_once(XNAT_STAT_PASS_NOT_NAT),
	     "hop cache: a 1028-byte packet is looked up, over the MTU: passed to the stack (which fragments or refuses)");
	t_ok(leaves_to(run_xdp_lan, &s, 500, 0, MAC_REM), "hop cache: a 528-byte one is sent (the twin)");
	sh_ok("ip link set xw mtu 1500");
}

static void bridge_ports(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 7800, REM, 53), MAC_H1);
	struct xnat_hop_cache c;

	env_reset();
	cfg_edit(cfg_set_flags, XNAT_CFG_ENABLED | XNAT_CFG_HAIRPIN | XNAT_CFG_WAN_XDP | XNAT_CFG_BRIDGE_PORTS);
	leaves_to(run_xdp_lan, &s, 0, 0, MAC_REM);
	t_ok(leaves_to(run_xdp_lan, &s, 0, 0, MAC_REM) && flow_exists(H1, 7800, REM, 53, IPPROTO_UDP, XNAT_DIR_OUT, NULL) &&
	     !cached(H1, 7800, REM, 53, XNAT_DIR_OUT, &c),
	     "hop cache: with XDP on bridge ports (the frame's address counts too), nothing is cached");
}

void test_hop_cache(void)
{
	lan_to_wan();
	wan_to_lan();
	mtu();
	bridge_ports();
}
