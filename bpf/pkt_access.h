/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Packet access through helpers, the same call for both hooks (xdp: the
 * context is an xdp_md, else a __sk_buff): loads and stores of a length
 * the verifier can't bound as a pointer range, resizes.
 */
#ifndef XNAT_BPF_PKT_ACCESS_H
#define XNAT_BPF_PKT_ACCESS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

static __always_inline long sip_pkt_load(void *ctx, int xdp, __u32 off, void *to, __u32 len)
{
	return xdp ? bpf_xdp_load_bytes(ctx, off, to, len) : bpf_skb_load_bytes(ctx, off, to, len);
}

static __always_inline long sip_pkt_store(void *ctx, int xdp, __u32 off, void *from, __u32 len)
{
	return xdp ? bpf_xdp_store_bytes(ctx, off, from, len)
		   : bpf_skb_store_bytes(ctx, off, from, len, 0);
}

static __always_inline long sip_pkt_resize(void *ctx, int xdp, int delta)
{
	struct __sk_buff *skb = ctx;

	return xdp ? bpf_xdp_adjust_tail(ctx, delta) : bpf_skb_change_tail(skb, skb->len + delta, 0);
}

/* The packet pointers of either hook, as they are. */
static __always_inline void pkt_bounds(void *ctx, int xdp, void **data, void **end)
{
	if (xdp) {
		*data = (void *)(long)((struct xdp_md *)ctx)->data;
		*end = (void *)(long)((struct xdp_md *)ctx)->data_end;
	} else {
		*data = (void *)(long)((struct __sk_buff *)ctx)->data;
		*end = (void *)(long)((struct __sk_buff *)ctx)->data_end;
	}
}

/* Fresh packet pointers after a helper changed the packet (TC: its first
 * 128 bytes pulled into the linear part first). */
static __always_inline void sip_pkt_bounds(void *ctx, int xdp, void **data, void **end)
{
	if (!xdp) {
		struct __sk_buff *skb = ctx;

		bpf_skb_pull_data(skb, skb->len < 128 ? skb->len : 128);
	}
	pkt_bounds(ctx, xdp, data, end);
}

#endif
