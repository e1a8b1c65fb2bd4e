/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The packet at each hook: parsed into a struct xnat_pkt, and sent on with
 * its translation written in. BPF global functions, one per hook type (a
 * global function's context argument has the hook's type) over the same
 * code: the verifier checks each once, on its own, and the entry points
 * hold no packet pointer across them.
 */
#ifndef XNAT_BPF_PACKET_H
#define XNAT_BPF_PACKET_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <xnat/csum.h>
#include "parse.h"
#include "rewrite.h"
#include "forward.h"
#include "slowpath.h"
#include "config.h"
#include "mss.h"

/* Enough linear bytes for Ethernet, IPv4 with options, an ICMP error and the
 * quoted IPv4 header with options and a TCP header. */
#define XNAT_TC_PULL_LEN 192

__attribute__((noinline)) int xnat_parse_xdp(struct xdp_md *ctx, struct xnat_pkt *p)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (!p)
		return XNAT_STAT_DROP_MALFORMED;
	__builtin_memset(p, 0, sizeof(*p));
	p->slow = slow_flags(ctx);
	return parse_packet(data, data_end, data_end - data, p, XNAT_ETH_LEN);
}

/* Is the skb's device the WAN without a link-layer header? Its packets
 * start at the IPv4 header (XDP never runs there: an Ethernet frame). */
static __always_inline int tc_on_l3_wan(struct __sk_buff *skb, const struct xnat_config *cfg)
{
	return cfg && (cfg->flags & XNAT_CFG_WAN_L3) && skb->ifindex == cfg->wan_ifindex;
}

__attribute__((noinline)) int xnat_parse_tc(struct __sk_buff *skb, struct xnat_pkt *p)
{
	void *data, *data_end;
	__u32 ip_off = XNAT_ETH_LEN;

	if (!p)
		return XNAT_STAT_DROP_MALFORMED;
	__builtin_memset(p, 0, sizeof(*p));
	p->from_stack = 1;
	if (tc_on_l3_wan(skb, xnat_config_get())) {
		if (skb->protocol != bpf_htons(ETH_P_IP))
			return XNAT_STAT_PASS_NOT_IPV4;
		ip_off = 0;
	}
	bpf_skb_pull_data(skb, skb->len < XNAT_TC_PULL_LEN ? skb->len : XNAT_TC_PULL_LEN);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	return parse_packet(data, data_end, skb->len, p, ip_off);
}

/* The parse of every entry point: most packets in line (parse_common()),
 * the rest by the full parser, a global function per hook. p: zeroed. */
static __always_inline int parse_xdp(struct xdp_md *ctx, struct xnat_pkt *p)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	p->slow = slow_flags(ctx);
	return parse_common(data, data_end, data_end - data, p) ? xnat_parse_xdp(ctx, p) : 0;
}

/* wan: the config, on the WAN's hooks (which may have no link-layer header); NULL elsewhere. */
static __always_inline int parse_tc(struct __sk_buff *skb, struct xnat_pkt *p, const struct xnat_config *wan)
{
	void *data, *data_end;

	if (tc_on_l3_wan(skb, wan))
		return xnat_parse_tc(skb, p); /* the in-line parse is Ethernet's */
	p->from_stack = 1;
	bpf_skb_pull_data(skb, skb->len < XNAT_TC_PULL_LEN ? skb->len : XNAT_TC_PULL_LEN);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	return parse_common(data, data_end, skb->len, p) ? xnat_parse_tc(skb, p) : 0;
}

/* XDP: translate the packet, decrement its TTL (unless the stack did, for a
 * slow-path run of a packet it forwarded) and address it to the next hop
 * hop. Returns x->stat, or XNAT_STAT_DROP_MALFORMED when the packet is not
 * what the parser saw. */
static __always_inline int send_xdp(struct xdp_md *ctx, const struct xnat_pkt *p, const struct xnat_xlate *x,
				    const struct xnat_next_hop *hop)
{
	__u32 mss = x->mss ? mss_clamp(ctx, 1, p, x->mss) : 0;
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + XNAT_IP_OFF;
	struct xnat_l4_diff d;

	if ((void *)(ip + 1) > data_end)
		return XNAT_STAT_DROP_MALFORMED;
	if (!stage_on(XNAT_STAGE_REWRITE))
		return x->stat;
	if (rewrite_packet(data, data_end, p, x, &d, 1, mss))
		return XNAT_STAT_DROP_MALFORMED;
	if (!(p->slow & XNAT_SLOW_FROM_STACK))
		ip_decrease_ttl(ip);
	eth_set_addrs(eth, hop);
	return x->stat;
}

/* send_xdp(), a BPF global function: the next hop known (LAN -> WAN, where
 * the route was looked up before the translation was decided). */
__attribute__((noinline)) int xnat_send_xdp(struct xdp_md *ctx, const struct xnat_pkt *p,
					    const struct xnat_xlate *x, const struct xnat_next_hop *hop)
{
	if (!p || !x || !hop)
		return XNAT_STAT_DROP_MALFORMED;
	return send_xdp(ctx, p, x, hop);
}

/* The route to x's destination, then send_xdp(); *hop: where the packet
 * goes. No route with a resolved neighbour: the packet is left
 * untouched and unresolved is the verdict; a way out off the XDP path:
 * untouched too, for the TC path. One call for all of it, and the route's
 * 64-byte argument in this frame, not the entry point's. */
__attribute__((noinline)) int xnat_forward_xdp(struct xdp_md *ctx, const struct xnat_pkt *p,
					       const struct xnat_xlate *x, __u32 unresolved, struct xnat_next_hop *hop)
{
	const struct xnat_config *cfg = xnat_config_get();

	if (!p || !x || !hop || !cfg)
		return XNAT_STAT_DROP_MALFORMED;
	if (route_xdp(ctx, p, x->to.saddr, x->to.daddr, hop) != BPF_FIB_LKUP_RET_SUCCESS)
		return unresolved;
	if (!xdp_may_send(cfg, p, hop->ifindex))
		return XNAT_STAT_PASS_TC_PATH; /* untouched: the TC path translates it */
	return send_xdp(ctx, p, x, hop);
}

/*
 * TC: translate the packet. The L4 checksum goes through
 * bpf_l4_csum_replace(), which keeps CHECKSUM_PARTIAL (pseudo-header only)
 * and CHECKSUM_COMPLETE (skb->csum) skbs right. Packet pointers die here.
 */
static __always_inline int send_tc(struct __sk_buff *skb, const struct xnat_pkt *p, const struct xnat_xlate *x)
{
	__u32 mss = x->mss ? mss_clamp(skb, 0, p, x->mss) : 0;
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct xnat_l4_diff d;
	__u32 csum_off;
	__u64 flags;

	if (rewrite_packet(data, data_end, p, x, &d, 0, mss))
		return XNAT_STAT_DROP_MALFORMED;
	if (!(p->l4_fields & XNAT_L4_CSUM) || p->t.proto == IPPROTO_ICMP || p->frag == XNAT_FRAG_LATER)
		return x->stat;
	csum_off = p->l4_off + l4_csum_at(p->t.proto);
	flags = p->t.proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;
	if (d.pseudo)
		bpf_l4_csum_replace(skb, csum_off, 0, d.pseudo, flags | BPF_F_PSEUDO_HDR);
	if (d.data)
		bpf_l4_csum_replace(skb, csum_off, 0, d.data, flags);
	return x->stat;
}

/* send_tc() for a packet the stack goes on with (TTL is the stack's business). */
__attribute__((noinline)) int xnat_send_tc(struct __sk_buff *skb, const struct xnat_pkt *p,
					   const struct xnat_xlate *x)
{
	if (!p || !x)
		return XNAT_STAT_DROP_MALFORMED;
	return send_tc(skb, p, x);
}

/*
 * TC, for a packet redirected past the stack (a hairpin on the TC path):
 * the route to x's destination, TTL decremented, Ethernet addresses of the
 * next hop, then send_tc(); *ifindex: where it goes, with
 * XNAT_REDIRECT_NEIGH when the kernel must resolve the next hop's address.
 * No route: the packet is left untouched and unresolved is the verdict.
 */
#define XNAT_REDIRECT_NEIGH (1u << 31)
__attribute__((noinline)) int xnat_forward_tc(struct __sk_buff *skb, const struct xnat_pkt *p,
					      const struct xnat_xlate *x, __u32 unresolved, __u32 *ifindex)
{
	struct bpf_fib_lookup fib;
	void *data, *data_end;
	struct ethhdr *eth;
	struct iphdr *ip;

	int rc;

	if (!p || !x || !ifindex || p->ip_off != XNAT_ETH_LEN)
		return XNAT_STAT_DROP_MALFORMED;
	rc = fib_lookup_from(skb, skb->ingress_ifindex, p, x->to.saddr, x->to.daddr, &fib);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH)
		return unresolved;
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	eth = data;
	ip = data + XNAT_IP_OFF;
	if ((void *)(ip + 1) > data_end)
		return XNAT_STAT_DROP_MALFORMED;
	ip_decrease_ttl(ip);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
		__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
		__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
	}
	/* A host the gateway has not spoken to yet (no ARP entry): the kernel
	 * resolves it and fills in the addresses (bpf_redirect_neigh). */
	*ifindex = fib.ifindex | (rc == BPF_FIB_LKUP_RET_NO_NEIGH ? XNAT_REDIRECT_NEIGH : 0);
	return send_tc(skb, p, x);
}

#endif
