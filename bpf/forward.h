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
	/* A datagram xnatd reassembled may be over the MTU: xnatd fragments it. */
	fib->tot_len = p->slow ? 0 : bpf_ntohs(p->ip->tot_len);
	fib->ipv4_src = saddr;
	fib->ipv4_dst = daddr;
	fib->ifindex = ctx->ingress_ifindex;
	return bpf_fib_lookup(ctx, fib, sizeof(*fib), 0);
}

/* As the kernel's ip_decrease_ttl(): TTL is the high byte of its checksum word. */
static __always_inline void ip_decrease_ttl(struct iphdr *ip)
{
	__u32 check = ip->check;

	check += bpf_htons(0x0100);
	ip->check = (__sum16)(check + (check >= 0xffff));
	ip->ttl--;
}

static __always_inline void eth_set_addrs(struct ethhdr *eth, const struct bpf_fib_lookup *fib)
{
	__builtin_memcpy(eth->h_dest, fib->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib->smac, ETH_ALEN);
}

#endif
