/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The next hop cached in a flow entry (struct xnat_hop_cache in
 * include/xnat/nat.h): an established packet sent by XDP skips
 * bpf_fib_lookup, the costliest stage of its path (docs/bench/profile.md).
 *
 * Valid while its generation is the config's: xnatd moves that on at every
 * route, rule, neighbour, address and link change, so a stale entry is
 * never used past the moment xnatd hears of the change. Only what the
 * lookup was asked for is reused: the same way in, the same TOS, and a
 * packet no longer than the one whose length the route's MTU was checked
 * for. xnatd's slow-path runs and BIG TCP packets (no total length) always
 * look the route up.
 */
#ifndef XNAT_BPF_HOP_CACHE_H
#define XNAT_BPF_HOP_CACHE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <xnat/nat.h>
#include "parse.h"
#include "forward.h"

/* Compiler barrier: the generation is read before and after the fields,
 * and written after them (ordered as written on x86; BPF has no lighter
 * fence than an atomic). */
#define hop_barrier() asm volatile("" ::: "memory")

static __always_inline int hop_cacheable(const struct xnat_config *cfg, const struct xnat_pkt *p)
{
	return cfg->fib_gen && !p->slow && p->tot_len;
}

/* The cached next hop of flow f for packet p, come in by in: 1 with *hop
 * set, or 0 (look the route up). */
static __always_inline int hop_cached(const struct xnat_config *cfg, const struct xnat_flow *f, __u32 in,
				      const struct xnat_pkt *p, struct xnat_next_hop *hop)
{
	const volatile struct xnat_hop_cache *c = &f->hop;
	__u32 gen = c->gen;

	if (!hop_cacheable(cfg, p) || gen != cfg->fib_gen || c->in_ifindex != in || c->tos != p->tos ||
	    p->tot_len > c->len)
		return 0;
	hop_barrier();
	hop->ifindex = c->ifindex;
	XNAT_UNROLL
	for (int i = 0; i < ETH_ALEN; i++) {
		hop->smac[i] = c->smac[i];
		hop->dmac[i] = c->dmac[i];
	}
	hop_barrier();
	/* another CPU rewriting it meanwhile (hop_store() zeroes gen first): not used */
	return c->gen == gen;
}

static __always_inline int hop_same(const struct xnat_hop_cache *c, const struct xnat_next_hop *hop)
{
	__u8 diff = 0;

	XNAT_UNROLL
	for (int i = 0; i < ETH_ALEN; i++)
		diff |= (c->smac[i] ^ hop->smac[i]) | (c->dmac[i] ^ hop->dmac[i]);
	return !diff && c->ifindex == hop->ifindex;
}

/*
 * Remember hop, the route lookup's answer for packet p (come in by in), in
 * flow f. An entry of the current generation is only widened to a longer
 * packet of the same route: the fields another CPU may be reading never
 * change under a valid generation. A new one is written fields first,
 * generation last; two CPUs filling it at once write the same route.
 */
static __always_inline void hop_store(const struct xnat_config *cfg, struct xnat_flow *f, __u32 in,
				      const struct xnat_pkt *p, const struct xnat_next_hop *hop)
{
	struct xnat_hop_cache *c = &f->hop;

	if (!hop_cacheable(cfg, p))
		return;
	if (c->gen == cfg->fib_gen) {
		if (p->tot_len > c->len && c->in_ifindex == in && c->tos == p->tos && hop_same(c, hop))
			c->len = p->tot_len;
		return;
	}
	c->gen = 0;
	hop_barrier();
	c->ifindex = hop->ifindex;
	c->in_ifindex = in;
	__builtin_memcpy(c->smac, hop->smac, ETH_ALEN);
	__builtin_memcpy(c->dmac, hop->dmac, ETH_ALEN);
	c->len = p->tot_len;
	c->tos = p->tos;
	hop_barrier();
	c->gen = cfg->fib_gen;
}

#endif
