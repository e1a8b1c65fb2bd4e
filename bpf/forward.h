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

static __always_inline int fib_lookup_v4(struct xdp_md *ctx, const struct xnat_pkt *p,
					 __be32 saddr, __be32 daddr, struct bpf_fib_lookup *fib)
{
	__builtin_memset(fib, 0, sizeof(*fib));
	fib->family = AF_INET;
	fib->tos = p->ip->tos;
	fib->l4_protocol = p->t.proto;
	fib->tot_len = bpf_ntohs(p->ip->tot_len);
	fib->ipv4_src = saddr;
	fib->ipv4_dst = daddr;
	fib->ifindex = ctx->ingress_ifindex;
	return bpf_fib_lookup(ctx, fib, sizeof(*fib), 0);
}

static __always_inline void ip_decrease_ttl(struct iphdr *ip)
{
	__u16 *word = (__u16 *)&ip->ttl; /* ttl and protocol share a checksum word */
	__u16 old = *word;

	ip->ttl--;
	ip->check = xnat_csum_apply(ip->check, xnat_csum_diff16(0, old, *word));
}

static __always_inline void eth_set_addrs(struct ethhdr *eth, const struct bpf_fib_lookup *fib)
{
	__builtin_memcpy(eth->h_dest, fib->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib->smac, ETH_ALEN);
}

#endif
