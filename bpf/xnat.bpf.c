// SPDX-License-Identifier: GPL-2.0
/*
 * Entry points of the fast path: thin wrappers over one NAT core.
 * Path functions return an enum xnat_stat outcome; only the entry points turn
 * it into an XDP or TC verdict and count it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "consts.h"
#include "maps.h"
#include "stats.h"
#include "config.h"
#include "parse.h"
#include "nat_core.h"
#include "packet.h"
#include "forward.h"
#include "sip_alg.h"
#include "slowpath.h"
#include "hop_cache.h"

/* The SIP programs (end of file), one array each: a program array holds
 * programs of one type. The loader fills them (xnat_fill_prog_arrays() in
 * agent/lib): a kernel that refuses the SIP programs leaves them empty, the
 * tail call falls through and SIP packets are translated as any other. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} xnat_sip_xdp_prog SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} xnat_sip_tc_prog SEC(".maps");

static __always_inline int nat_enabled(const struct xnat_config *cfg)
{
	return cfg && (cfg->flags & XNAT_CFG_ENABLED);
}

/*
 * Would the routing table send this WAN packet, untranslated, into a LAN?
 * (A packet for a LAN address sent straight to the gateway by a WAN
 * neighbour: forwarding it would open the LAN to anyone next door.) ctx is
 * an xdp_md or a __sk_buff: bpf_fib_lookup takes both. Asked through a BPF
 * global function per hook: the lookup's argument stays out of the entry
 * point's frame.
 */
static __always_inline int wan_routes_to_lan(void *ctx, const struct xnat_pkt *p)
{
	const struct xnat_config *cfg = xnat_config_get();
	struct bpf_fib_lookup fib;
	__u32 out;
	int rc;

	if (!p || !cfg)
		return 0;
	__builtin_memset(&fib, 0, sizeof(fib));
	fib.family = AF_INET;
	fib.tos = p->tos;
	fib.l4_protocol = p->t.proto;
	fib.ipv4_src = p->t.saddr;
	fib.ipv4_dst = p->t.daddr;
	fib.ifindex = cfg->wan_ifindex;
	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH)
		return 0; /* for the gateway itself, or not routed at all */
	out = fib.ifindex;
	return bpf_map_lookup_elem(&xnat_lan_ifaces, &out) != NULL;
}

__attribute__((noinline)) int xnat_wan_to_lan_xdp(struct xdp_md *ctx, const struct xnat_pkt *p)
{
	return wan_routes_to_lan(ctx, p);
}

__attribute__((noinline)) int xnat_wan_to_lan_tc(struct __sk_buff *skb, const struct xnat_pkt *p)
{
	return wan_routes_to_lan(skb, p);
}

/* Every entry point goes on from here with a parsed packet (rc, the
 * parser's answer): NAT on, and a packet it may translate; or the reason to
 * leave the packet alone. */
static __always_inline int nat_begin(const struct xnat_config *cfg, const struct xnat_pkt *p, int rc)
{
	if (!nat_enabled(cfg))
		return XNAT_STAT_PASS_DISABLED;
	if (rc)
		return rc;
	/* Multicast and broadcast (SSDP, mDNS, DHCP) stay on their link: the
	 * FIB's default route matches them, but the kernel never routes them. A
	 * source of 0.0.0.0 (a DHCP client) is never translated either. */
	if (ipv4_not_unicast(p->t.daddr) || !p->t.saddr)
		return XNAT_STAT_PASS_NOT_NAT;
	return 0;
}

/* ---------------------------------------------------------------- XDP */

/* LAN -> WAN once routed (hop: the next hop, unless hairpin), from the
 * translation on; f: the flow entry (flow_of()). Its own function: its
 * frame (x, the session lookup) may then share the entry point's stack with
 * the route lookup's, which has ended (6.1 counts the entry point's frame
 * below the NAT core's deepest calls). */
static __always_inline __u32 xdp_lan_nat(struct xdp_md *ctx, const struct xnat_config *cfg, struct xnat_pkt *p,
					 struct xnat_next_hop *hop, int hairpin, struct xnat_flow *f, __u32 *ifindex)
{
	struct xnat_xlate x = {};
	int rc;

	rc = nat_translate_flow(cfg, p, XNAT_DIR_OUT, hairpin, f, &x);
	if (rc)
		return rc;
	/* Handed to the stack, a hairpinned packet would be delivered locally;
	 * the LAN's TC program takes one XDP can't send (a host with no ARP
	 * entry yet: TC has the kernel resolve it). */
	if (hairpin) {
		rc = xnat_forward_xdp(ctx, p, &x, XNAT_STAT_PASS_TC_PATH, hop);
		*ifindex = hop->ifindex;
		return rc;
	}
	if (x.slow && slow_divert(ctx, 1, p, XNAT_DIR_OUT))
		return XNAT_STAT_SLOW_PATH;
	if (sip_wanted(cfg, p, XNAT_DIR_OUT)) {
		sip_hand_over(ctx, &xnat_sip_xdp_prog, &x, hop, XNAT_DIR_OUT);
		return XNAT_STAT_PASS_SIP_SLOW; /* no ALG in XDP: TC has one */
	}
	*ifindex = hop->ifindex;
	return xnat_send_xdp(ctx, p, &x, hop);
}

/*
 * The interface a LAN frame came in by, as routing sees it. On a bridge's
 * port (include/xnat/links.h) that is the bridge, for a frame the bridge
 * would route (addressed to its MAC, the port forwarding); 0 for any other,
 * which is the bridge's to switch. A BPF global function: the frame's
 * address is compared in its own frame.
 */
__attribute__((noinline)) __u32 xnat_bridge_ingress(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	const struct xnat_bridge_port *bp;
	struct ethhdr *eth = data;
	__u8 diff = 0;
	__u32 port;

	port = ctx->ingress_ifindex;
	bp = bpf_map_lookup_elem(&xnat_bridge_ports, &port);
	if (!bp)
		return port; /* a LAN interface of its own */
	if ((void *)(eth + 1) > data_end || !bp->forwarding)
		return 0;
	XNAT_UNROLL
	for (int i = 0; i < ETH_ALEN; i++)
		diff |= eth->h_dest[i] ^ bp->bridge_mac[i];
	return diff ? 0 : bp->bridge_ifindex;
}

/*
 * Bulk TCP to the stack (XNAT_CFG_TCP_BULK_STACK): a segment of an
 * established flow at least XNAT_TCP_BULK_LEN long marks the flow's entry
 * for this direction, and from then on the flow's packets that way pass to
 * the stack untouched; TC translates them after GRO made super-packets of
 * them, which leave as GSO/TSO. One flow changes paths once, after packets
 * XDP sent already: no reordering. Small flows (requests, ACKs, games,
 * VoIP) stay on XDP.
 */
static __always_inline int tcp_bulk_to_stack(const struct xnat_config *cfg, struct xnat_flow *f,
					     const struct xnat_pkt *p)
{
	if (!f || p->t.proto != IPPROTO_TCP || !(cfg->flags & XNAT_CFG_TCP_BULK_STACK) || p->slow)
		return 0;
	if (f->flags & XNAT_FLOW_BULK)
		return 1;
	if (p->tot_len < XNAT_TCP_BULK_LEN)
		return 0;
	f->flags |= XNAT_FLOW_BULK;
	count_event(XNAT_STAT_TCP_BULK_TO_STACK);
	return 1;
}

/* Behind a bridge's port the way in is more than an ifindex (the frame's
 * address counts): no next hop is cached there. */
static __always_inline int lan_hop_cacheable(const struct xnat_config *cfg)
{
	return !(cfg->flags & XNAT_CFG_BRIDGE_PORTS);
}

/*
 * LAN -> WAN. The route is looked up before anything is translated: a packet
 * handed to the stack must keep its LAN source (the stack would drop the
 * gateway's own address arriving on the LAN as a martian), and TC egress on
 * the WAN translates it there.
 */
static __always_inline __u32 xdp_lan(struct xdp_md *ctx, __u32 *ifindex)
{
	const struct xnat_config *cfg = xnat_config_get();
	struct xnat_pkt p = {};
	struct xnat_next_hop hop = {};
	struct xnat_flow *f = NULL;
	int rc, hairpin;
	__u32 in;

	rc = nat_begin(cfg, &p, nat_enabled(cfg) ? parse_xdp(ctx, &p) : 0);
	if (rc || !cfg)
		return rc;
	in = ctx->ingress_ifindex;
	if (cfg->flags & XNAT_CFG_BRIDGE_PORTS) {
		in = xnat_bridge_ingress(ctx);
		if (!in)
			return XNAT_STAT_PASS_BRIDGED;
	}
	hairpin = p.t.daddr == cfg->ext_addr;
	/* From a bridge's port only the way to the WAN: the hairpin goes back
	 * into the bridge, which the TC path does (xnat_tc_lan on it). */
	if (hairpin && in != ctx->ingress_ifindex)
		return XNAT_STAT_PASS_TC_PATH;
	if (!hairpin)
		f = flow_of(cfg, &p, XNAT_DIR_OUT);
	if (tcp_bulk_to_stack(cfg, f, &p))
		return XNAT_STAT_PASS_TC_PATH; /* the WAN's TC egress translates it */
	if (f && lan_hop_cacheable(cfg) && hop_cached(cfg, f, in, &p, &hop) && hop.ifindex == cfg->wan_ifindex &&
	    xdp_may_send(cfg, &p, hop.ifindex)) {
		/* the route as the lookup below found it last */
	} else if (!hairpin) {
		rc = xnat_route_lan_xdp(ctx, in, &p, &hop);
		if (rc == BPF_FIB_LKUP_RET_NOT_FWDED)
			return XNAT_STAT_PASS_LOCAL;
		if (rc == BPF_FIB_LKUP_RET_NO_NEIGH)
			return XNAT_STAT_PASS_FIB;
		if (rc != BPF_FIB_LKUP_RET_SUCCESS || hop.ifindex != cfg->wan_ifindex)
			return XNAT_STAT_PASS_NOT_NAT;
		if (!xdp_may_send(cfg, &p, hop.ifindex))
			return XNAT_STAT_PASS_TC_PATH; /* the WAN's TC egress translates it */
		if (f && lan_hop_cacheable(cfg))
			hop_store(cfg, f, in, &p, &hop);
	}
	if (p.ttl <= 1)
		return XNAT_STAT_PASS_TTL; /* the stack sends time-exceeded */
	return xdp_lan_nat(ctx, cfg, &p, &hop, hairpin, f, ifindex);
}

/* WAN -> LAN. Decided before rewriting: what XDP can't send goes to the
 * stack untouched and TC ingress translates it the same way. */
static __always_inline __u32 xdp_wan(struct xdp_md *ctx, __u32 *ifindex)
{
	const struct xnat_config *cfg = xnat_config_get();
	struct xnat_pkt p = {};
	struct xnat_xlate x = {};
	struct xnat_next_hop hop;
	struct xnat_flow *f;
	__u32 in = ctx->ingress_ifindex;
	int rc;

	rc = nat_begin(cfg, &p, nat_enabled(cfg) ? parse_xdp(ctx, &p) : 0);
	if (rc || !cfg)
		return rc;
	if (p.t.daddr != cfg->ext_addr)
		return xnat_wan_to_lan_xdp(ctx, &p) ? XNAT_STAT_DROP_WAN_TO_LAN : XNAT_STAT_PASS_NOT_NAT;
	if (p.ttl <= 1)
		return XNAT_STAT_PASS_TTL;
	f = flow_of(cfg, &p, XNAT_DIR_IN);
	if (tcp_bulk_to_stack(cfg, f, &p))
		return XNAT_STAT_PASS_TC_PATH; /* the WAN's TC ingress translates it */
	rc = nat_translate_flow(cfg, &p, XNAT_DIR_IN, 0, f, &x);
	if (rc)
		return rc;
	if (x.slow && slow_divert(ctx, 1, &p, XNAT_DIR_IN))
		return XNAT_STAT_SLOW_PATH;
	if (sip_wanted(cfg, &p, XNAT_DIR_IN)) {
		if (xnat_route_xdp(ctx, &p, x.to.saddr, x.to.daddr, &hop) != BPF_FIB_LKUP_RET_SUCCESS)
			return XNAT_STAT_PASS_FIB;
		if (!xdp_may_send(cfg, &p, hop.ifindex))
			return XNAT_STAT_PASS_TC_PATH;
		sip_hand_over(ctx, &xnat_sip_xdp_prog, &x, &hop, XNAT_DIR_IN);
		return XNAT_STAT_PASS_SIP_SLOW; /* no ALG in XDP: TC has one */
	}
	if (f && hop_cached(cfg, f, in, &p, &hop) && xdp_may_send(cfg, &p, hop.ifindex)) {
		*ifindex = hop.ifindex;
		return xnat_send_xdp(ctx, &p, &x, &hop);
	}
	rc = xnat_forward_xdp(ctx, &p, &x, XNAT_STAT_PASS_FIB, &hop);
	if (stat_is_xlate(rc)) {
		*ifindex = hop.ifindex;
		if (f)
			hop_store(cfg, f, in, &p, &hop);
	}
	return rc;
}

static __always_inline int xdp_verdict(struct xdp_md *ctx, __u32 stat, __u32 ifindex)
{
	count_packet(stat, ctx->data_end - ctx->data);
	slow_report(ctx, stat, stat_is_xlate(stat) ? ifindex : 0);
	if (stat_is_xlate(stat)) {
		count_event(XNAT_STAT_REDIRECT);
		/* Also back out of the interface it came in by (hairpin): veth
		 * delivers XDP_TX frames only when its peer runs XDP itself, while
		 * a redirect reaches it like any other forwarded packet. */
		if (!stage_on(XNAT_STAGE_REDIRECT))
			return XDP_TX;
		return bpf_redirect(ifindex, 0);
	}
	return stat_is_drop(stat) ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int xnat_xdp_lan(struct xdp_md *ctx)
{
	__u32 ifindex = 0;

	return xdp_verdict(ctx, xdp_lan(ctx, &ifindex), ifindex);
}

SEC("xdp")
int xnat_xdp_wan(struct xdp_md *ctx)
{
	__u32 ifindex = 0;

	return xdp_verdict(ctx, xdp_wan(ctx, &ifindex), ifindex);
}

/* ---------------------------------------------------------------- TC */

/* Did the gateway itself send this packet from addr? Never one the stack
 * forwarded (it came in by an interface); else, its source is one of the
 * gateway's addresses: ext (the external one, without a route lookup), or
 * another whose route is local. */
__attribute__((noinline)) int xnat_sent_by_gateway_tc(struct __sk_buff *skb, __be32 addr, __be32 ext)
{
	struct bpf_fib_lookup fib = {
		.family = AF_INET, .ipv4_dst = addr, .ifindex = skb->ifindex,
	};

	if (skb->ingress_ifindex)
		return 0;
	return (ext && addr == ext) || bpf_fib_lookup(skb, &fib, sizeof(fib), 0) == BPF_FIB_LKUP_RET_NOT_FWDED;
}

/*
 * Leaving by the WAN, a packet xnat can't translate (another protocol, an
 * ICMP type without identifier) goes on only if the gateway itself sent it:
 * a LAN host's would leave with its private source.
 */
static __always_inline int tc_untranslatable_out(struct __sk_buff *skb, const struct xnat_config *cfg,
						 const struct xnat_pkt *p)
{
	if (!p->ihl || xnat_sent_by_gateway_tc(skb, p->t.saddr, cfg->ext_addr))
		return XNAT_STAT_PASS_UNSUPPORTED;
	return XNAT_STAT_DROP_OUT_UNTRANSLATABLE;
}

/*
 * Leaving by the WAN while NAT is off (xnatd knows no external address yet:
 * a new PPP session, a WAN that lost its address): a LAN host's packet
 * would leave with its private source. Only the gateway's own go on.
 */
static __always_inline int tc_disabled_out(struct __sk_buff *skb, const struct xnat_config *cfg,
					   struct xnat_pkt *p)
{
	int rc = parse_tc(skb, p, cfg);

	if (rc == XNAT_STAT_PASS_NOT_IPV4 && skb->protocol != bpf_htons(ETH_P_IP))
		return XNAT_STAT_PASS_DISABLED;
	if (!rc && xnat_sent_by_gateway_tc(skb, p->t.saddr, cfg->ext_addr))
		return XNAT_STAT_PASS_DISABLED;
	return XNAT_STAT_DROP_OUT_NO_ADDRESS;
}

/* The stack path, WAN only: ingress translates what XDP passed, egress what
 * the stack forwarded. TTL is the stack's business here. */
static __always_inline __u32 tc_nat(struct __sk_buff *skb, enum xnat_dir dir)
{
	const struct xnat_config *cfg = xnat_config_get();
	struct xnat_pkt p = {};
	struct xnat_xlate x = {};
	int rc;

	rc = nat_begin(cfg, &p, nat_enabled(cfg) ? parse_tc(skb, &p, cfg) : 0);
	if (rc == XNAT_STAT_PASS_DISABLED && dir == XNAT_DIR_OUT && cfg)
		return tc_disabled_out(skb, cfg, &p);
	if (rc == XNAT_STAT_PASS_UNSUPPORTED && dir == XNAT_DIR_OUT && cfg)
		return tc_untranslatable_out(skb, cfg, &p);
	/* IPv4 by the stack's word, not where the parser looked: the WAN's
	 * link is not what xnatd was told. Fail closed: never untranslated. */
	if (rc == XNAT_STAT_PASS_NOT_IPV4 && dir == XNAT_DIR_OUT && skb->protocol == bpf_htons(ETH_P_IP))
		return XNAT_STAT_DROP_OUT_UNTRANSLATABLE;
	if (rc || !cfg)
		return rc;
	if (dir == XNAT_DIR_IN && p.t.daddr != cfg->ext_addr)
		return xnat_wan_to_lan_tc(skb, &p) ? XNAT_STAT_DROP_WAN_TO_LAN : XNAT_STAT_PASS_NOT_NAT;
	rc = nat_translate(cfg, &p, dir, 0, &x);
	if (rc)
		return rc;
	if (x.slow && slow_divert(skb, 0, &p, dir))
		return XNAT_STAT_SLOW_PATH;
	if (sip_wanted(cfg, &p, dir))
		sip_hand_over(skb, &xnat_sip_tc_prog, &x, NULL, dir); /* no ALG: translated as any packet */
	return xnat_send_tc(skb, &p, &x);
}

static __always_inline int tc_verdict(struct __sk_buff *skb, __u32 stat)
{
	count_packet(stat, skb->len);
	return stat_is_drop(stat) ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("tc")
int xnat_tc_ingress(struct __sk_buff *skb)
{
	return tc_verdict(skb, tc_nat(skb, XNAT_DIR_IN));
}

SEC("tc")
int xnat_tc_egress(struct __sk_buff *skb)
{
	return tc_verdict(skb, tc_nat(skb, XNAT_DIR_OUT));
}

/*
 * TC ingress on every LAN interface: the hairpin on the TC path (LAN host to
 * the external address), which the stack can't do (it would deliver the
 * packet to the gateway itself). Translated both ways as XDP does, then
 * redirected to the other LAN host past the stack. Any other packet goes on
 * untouched, not counted: the stack forwards it and the WAN's TC egress
 * translates and counts it (on the XDP path, XDP did).
 */
static __always_inline __u32 tc_lan(struct __sk_buff *skb, __u32 *ifindex)
{
	const struct xnat_config *cfg = xnat_config_get();
	struct xnat_pkt p = {};
	struct xnat_xlate x = {};
	int rc;

	rc = nat_begin(cfg, &p, nat_enabled(cfg) ? parse_tc(skb, &p, NULL) : 0);
	if (rc || !cfg)
		return rc;
	if (p.t.daddr != cfg->ext_addr)
		return XNAT_STAT_PASS_NOT_NAT;
	if (p.ttl <= 1)
		return XNAT_STAT_PASS_TTL;
	rc = nat_translate(cfg, &p, XNAT_DIR_OUT, 1, &x);
	if (rc)
		return rc;
	return xnat_forward_tc(skb, &p, &x, XNAT_STAT_DROP_HAIRPIN_UNRESOLVED, ifindex);
}

SEC("tc")
int xnat_tc_lan(struct __sk_buff *skb)
{
	__u32 ifindex = 0, stat = tc_lan(skb, &ifindex);

	if (stat_is_xlate(stat)) {
		count_packet(stat, skb->len);
		if (ifindex & XNAT_REDIRECT_NEIGH)
			return bpf_redirect_neigh(ifindex & ~XNAT_REDIRECT_NEIGH, NULL, 0, 0);
		return bpf_redirect(ifindex, 0);
	}
	if (stat_is_drop(stat)) {
		count_packet(stat, skb->len);
		return TC_ACT_SHOT;
	}
	return TC_ACT_OK;
}

/* ---------------------------------------------------------------- lost redirects */

/*
 * A frame XDP redirected can still be lost: the target's driver refuses it
 * when it is sent (a veth whose peer takes no XDP frames), or the redirect
 * itself fails. The kernel only traces it: these count it, for the
 * interfaces on xnat's XDP path, as xdp_redirect_lost.
 */
SEC("tp_btf/xdp_devmap_xmit")
int xnat_xdp_xmit_lost(unsigned long long *ctx)
{
	/* (from_dev, to_dev, sent, drops, err) */
	const struct net_device *from = (const void *)ctx[0];
	const struct xnat_config *cfg = xnat_config_get();
	int drops = (int)ctx[3];

	if (drops > 0 && cfg && xdp_path_to(cfg, from->ifindex))
		count_packets(XNAT_STAT_REDIRECT_LOST, drops, 0);
	return 0;
}

SEC("tp_btf/xdp_redirect_err")
int xnat_xdp_redirect_err(unsigned long long *ctx)
{
	/* (dev, xdp, tgt, err, map_type, map_id, index): dev received the frame */
	const struct net_device *dev = (const void *)ctx[0];
	const struct xnat_config *cfg = xnat_config_get();

	if (cfg && xdp_path_to(cfg, dev->ifindex))
		count_packets(XNAT_STAT_REDIRECT_LOST, 1, 0);
	return 0;
}

/* ---------------------------------------------------------------- SIP */

/*
 * The SIP ALG runs in programs of its own, tail-called by the entry points
 * once a SIP packet's translation is decided (sip_hand_over()): a fresh
 * stack for the rewriter, and the common path carries none of it. They
 * parse the packet again, take the translation from the per-CPU scratch,
 * run the ALG and finish the packet as the entry point would have.
 */
static __always_inline __u32 xdp_sip(struct xdp_md *ctx, __u32 *ifindex)
{
	const struct xnat_config *cfg = xnat_config_get();
	struct sip_scratch *sc = sip_scratch_get();
	struct xnat_pkt p = {};
	int rc;

	if (!sc)
		return XNAT_STAT_DROP_MALFORMED;
	rc = nat_begin(cfg, &p, nat_enabled(cfg) ? parse_xdp(ctx, &p) : 0);
	if (!rc && cfg)
		rc = xnat_sip_begin_xdp(ctx, &p, sc);
	if (rc == XNAT_SIP_MESSAGES)
		xnat_sip_messages_xdp(ctx, sc);
	if (rc <= 0)
		rc = xnat_sip_finish_xdp(ctx, &p, sc, rc == XNAT_SIP_MESSAGES);
	if (rc)
		return rc;
	*ifindex = sc->pending.hop.ifindex;
	return xnat_send_xdp(ctx, &p, &sc->pending.x, &sc->pending.hop);
}

SEC("xdp")
int xnat_sip_xdp(struct xdp_md *ctx)
{
	__u32 ifindex = 0;

	return xdp_verdict(ctx, xdp_sip(ctx, &ifindex), ifindex);
}

static __always_inline __u32 tc_sip(struct __sk_buff *skb)
{
	const struct xnat_config *cfg = xnat_config_get();
	struct sip_scratch *sc = sip_scratch_get();
	struct xnat_pkt p = {};
	int rc;

	if (!sc)
		return XNAT_STAT_DROP_MALFORMED;
	rc = nat_begin(cfg, &p, nat_enabled(cfg) ? parse_tc(skb, &p, cfg) : 0);
	if (!rc && cfg)
		rc = xnat_sip_begin_tc(skb, &p, sc);
	if (rc == XNAT_SIP_MESSAGES)
		xnat_sip_messages_tc(skb, sc);
	if (rc <= 0)
		rc = xnat_sip_finish_tc(skb, &p, sc, rc == XNAT_SIP_MESSAGES);
	if (rc)
		return rc;
	return xnat_send_tc(skb, &p, &sc->pending.x);
}

SEC("tc")
int xnat_sip_tc(struct __sk_buff *skb)
{
	return tc_verdict(skb, tc_sip(skb));
}

char LICENSE[] SEC("license") = "GPL";
