/* SPDX-License-Identifier: GPL-2.0 */
/* XDP forwarding: route lookup, TTL, Ethernet addresses. */
#ifndef XNAT_BPF_FORWARD_H
#define XNAT_BPF_FORWARD_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <xnat/csum.h>
#include "consts.h"
#include "parse.h"
#include "config.h"

/* The route of a packet p that came in by ifindex; ctx: an xdp_md or a
 * __sk_buff, bpf_fib_lookup takes both. */
static __always_inline int fib_lookup_from(void *ctx, __u32 ifindex, const struct xnat_pkt *p,
					   __be32 saddr, __be32 daddr, struct bpf_fib_lookup *fib)
{
	__builtin_memset(fib, 0, sizeof(*fib));
	fib->family = AF_INET;
	fib->tos = p->tos;
	fib->l4_protocol = p->t.proto;
	/* A datagram xnatd reassembled may be over the MTU: xnatd fragments it. */
	fib->tot_len = p->slow ? 0 : p->tot_len;
	fib->ipv4_src = saddr;
	fib->ipv4_dst = daddr;
	fib->ifindex = ifindex;
	if (!stage_on(XNAT_STAGE_FIB)) {
		const struct xnat_config *cfg = xnat_config_get();

		/* the profile's build without the lookup: from the WAN to the first XDP LAN, else to the WAN */
		if (!cfg)
			return BPF_FIB_LKUP_RET_NOT_FWDED;
		fib->ifindex = ifindex == cfg->wan_ifindex ? cfg->xdp_lans[0] : cfg->wan_ifindex;
		return BPF_FIB_LKUP_RET_SUCCESS;
	}
	return bpf_fib_lookup(ctx, fib, sizeof(*fib), 0);
}

static __always_inline int fib_lookup_v4(struct xdp_md *ctx, const struct xnat_pkt *p,
					 __be32 saddr, __be32 daddr, struct bpf_fib_lookup *fib)
{
	return fib_lookup_from(ctx, ctx->ingress_ifindex, p, saddr, daddr, fib);
}

/* As the kernel's ip_decrease_ttl(): TTL is the high byte of its checksum word. */
static __always_inline void ip_decrease_ttl(struct iphdr *ip)
{
	__u32 check = ip->check;

	check += bpf_htons(0x0100);
	ip->check = (__sum16)(check + (check >= 0xffff));
	ip->ttl--;
}

/* Where XDP sends a packet: what it needs of a route lookup. */
struct xnat_next_hop {
	__u32 ifindex;
	__u8 smac[ETH_ALEN];
	__u8 dmac[ETH_ALEN];
};

static __always_inline void eth_set_addrs(struct ethhdr *eth, const struct xnat_next_hop *hop)
{
	__builtin_memcpy(eth->h_dest, hop->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, hop->smac, ETH_ALEN);
}

static __always_inline void next_hop_of(struct xnat_next_hop *hop, const struct bpf_fib_lookup *fib)
{
	hop->ifindex = fib->ifindex;
	__builtin_memcpy(hop->smac, fib->smac, ETH_ALEN);
	__builtin_memcpy(hop->dmac, fib->dmac, ETH_ALEN);
}

/* The route of (saddr -> daddr) for packet p: bpf_fib_lookup's answer,
 * and on BPF_FIB_LKUP_RET_SUCCESS the next hop in *hop (its ifindex on
 * any answer that names one). */
static __always_inline int route_xdp_from(struct xdp_md *ctx, __u32 ifindex, const struct xnat_pkt *p,
					  __be32 saddr, __be32 daddr, struct xnat_next_hop *hop)
{
	struct bpf_fib_lookup fib;
	int rc;

	rc = fib_lookup_from(ctx, ifindex, p, saddr, daddr, &fib);
	next_hop_of(hop, &fib);
	/* xnatd's run of a packet for a WAN without a link-layer header (no
	 * neighbour until the stack sends it one): no addresses to fill in,
	 * xnatd sends it from the IPv4 header on. */
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH && p->slow) {
		const struct xnat_config *cfg = xnat_config_get();

		if (cfg && (cfg->flags & XNAT_CFG_WAN_L3) && fib.ifindex == cfg->wan_ifindex)
			rc = BPF_FIB_LKUP_RET_SUCCESS;
	}
	return rc;
}

static __always_inline int route_xdp(struct xdp_md *ctx, const struct xnat_pkt *p, __be32 saddr,
				     __be32 daddr, struct xnat_next_hop *hop)
{
	return route_xdp_from(ctx, ctx->ingress_ifindex, p, saddr, daddr, hop);
}

/* route_xdp_from() for a LAN packet, from its source to its destination: a
 * BPF global function, its 64-byte argument out of the entry point's frame
 * (which holds the flow entry and the next hop as well). */
__attribute__((noinline)) int xnat_route_lan_xdp(struct xdp_md *ctx, __u32 in, const struct xnat_pkt *p,
						 struct xnat_next_hop *hop)
{
	if (!p || !hop)
		return -1;
	return route_xdp_from(ctx, in, p, p->t.saddr, p->t.daddr, hop);
}

/* route_xdp() for the rare lookups after the NAT core decided (hairpin, a SIP
 * message from the WAN): a BPF global function, its 64-byte argument out of
 * the entry point's frame. */
__attribute__((noinline)) int xnat_route_xdp(struct xdp_md *ctx, const struct xnat_pkt *p, __be32 saddr,
					     __be32 daddr, struct xnat_next_hop *hop)
{
	if (!p || !hop)
		return -1;
	return route_xdp(ctx, p, saddr, daddr, hop);
}

/* May XDP send a packet out of ifindex? Only to the interfaces on the XDP
 * path (xnat_config.xdp_lans, XNAT_CFG_WAN_XDP): a frame redirected into a
 * veth whose peer takes no XDP frames is lost after the program returned. */
static __always_inline int xdp_path_to(const struct xnat_config *cfg, __u32 ifindex)
{
	if (ifindex == cfg->wan_ifindex)
		return !!(cfg->flags & XNAT_CFG_WAN_XDP);
	XNAT_UNROLL
	for (int i = 0; i < XNAT_MAX_LAN; i++)
		if (cfg->xdp_lans[i] == ifindex)
			return 1;
	return 0;
}

/* xdp_path_to(), except for xnatd's slow-path runs (BPF_PROG_RUN): their
 * frame goes back to xnatd, which sends it itself, whatever the path. */
static __always_inline int xdp_may_send(const struct xnat_config *cfg, const struct xnat_pkt *p, __u32 ifindex)
{
	return p->slow || xdp_path_to(cfg, ifindex);
}

#endif
