/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fast path's side of the slow path (include/xnat/slowpath.h): hand a
 * SIP fragment to xnatd, and know a frame xnatd runs through the program.
 */
#ifndef XNAT_BPF_SLOWPATH_H
#define XNAT_BPF_SLOWPATH_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <xnat/slowpath.h>
#include "maps.h"
#include "parse.h"
#include "clock.h"

/* Some 1000 fragments in flight (a few large INVITEs per CPU burst), or
 * some 30 whole datagrams of the largest size. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 2 << 20);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xnat_slow_frames SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xnat_slow_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xnat_slow_state SEC(".maps");

/* The metadata of a slow-path run, or NULL for a packet off the wire. */
static __always_inline struct xnat_slow_meta *slow_meta(struct xdp_md *ctx)
{
	struct xnat_slow_meta *m = (void *)(long)ctx->data_meta;

	if ((void *)(m + 1) > (void *)(long)ctx->data || m->magic != XNAT_SLOW_MAGIC)
		return NULL;
	return m;
}

/* The flags a run gives the packet (xnat_pkt.slow): 0 off the wire. */
static __always_inline __u8 slow_flags(struct xdp_md *ctx)
{
	struct xnat_slow_meta *m = slow_meta(ctx);

	return m ? (m->flags & (XNAT_SLOW_NO_DIVERT | XNAT_SLOW_FROM_STACK)) | XNAT_SLOW_RUN : 0;
}

/* Tell xnatd the verdict of its run, and where to send the frame. */
static __always_inline void slow_report(struct xdp_md *ctx, __u32 stat, __u32 ifindex)
{
	struct xnat_slow_meta *m = slow_meta(ctx);

	if (m) {
		m->stat = stat;
		m->out_ifindex = ifindex;
	}
}

static __always_inline int slow_consumer_alive(void)
{
	struct xnat_slow_state *s;
	__u32 zero = 0;

	s = bpf_map_lookup_elem(&xnat_slow_state, &zero);
	return s && s->alive_until && s->alive_until >= xnat_now();
}

static __always_inline int slow_load(void *ctx, int xdp, void *to, __u32 len)
{
	return xdp ? bpf_xdp_load_bytes(ctx, 0, to, len) : bpf_skb_load_bytes(ctx, 0, to, len);
}

static __always_inline void slow_rec_fill(struct xnat_slow_rec *h, __u32 ifindex, __u32 len, __u8 dir, __u8 flags)
{
	h->ifindex = ifindex;
	h->len = len;
	h->dir = dir;
	h->flags = flags;
	h->pad[0] = h->pad[1] = 0;
}

/*
 * Hand the packet, unchanged, to xnatd. Returns 1 when it did (the caller
 * drops the packet), 0 when the packet must go on as it is: xnatd is not
 * consuming, the ring is full, the frame too big, or this is xnatd's own run.
 * TC egress sees what the stack forwarded: the LAN interface it came by is
 * ingress_ifindex, and the gateway's own packets (none) are left alone.
 * A frame goes in a small record when it fits, else in a big one.
 */
static __always_inline int slow_divert(void *ctx, int xdp, const struct xnat_pkt *p, enum xnat_dir dir)
{
	__u32 len, ifindex;
	__u8 flags = 0;

	if (p->slow || !slow_consumer_alive())
		return 0;
	if (xdp) {
		struct xdp_md *xd = ctx;

		len = xd->data_end - xd->data;
		ifindex = xd->ingress_ifindex;
	} else {
		struct __sk_buff *skb = ctx;
		/* Both read as they are: clang would turn a choice of field into
		 * pointer arithmetic on ctx, which the verifier refuses. */
		__u32 in_if = skb->ingress_ifindex, dev_if = skb->ifindex;

		asm volatile("" : "+r"(in_if), "+r"(dev_if));
		len = skb->len;
		ifindex = dev_if;
		if (dir == XNAT_DIR_OUT) {
			ifindex = in_if;
			flags = XNAT_SLOW_FROM_STACK;
		}
		if (!p->ip_off)
			flags |= XNAT_SLOW_NO_L2; /* xnatd gives it an Ethernet header */
	}
	if (!ifindex || !len || len > XNAT_SLOW_BIG_FRAME_MAX)
		return 0;
	if (len <= XNAT_SLOW_FRAME_MAX) {
		struct xnat_slow_frame *r = bpf_ringbuf_reserve(&xnat_slow_frames, sizeof(*r), 0);

		if (!r)
			return 0;
		len = ((len - 1) & (XNAT_SLOW_FRAME_MAX - 1)) + 1; /* the same value, in a range the verifier sees */
		if (slow_load(ctx, xdp, r->frame, len)) {
			bpf_ringbuf_discard(r, 0);
			return 0;
		}
		slow_rec_fill(&r->h, ifindex, len, dir, flags);
		bpf_ringbuf_submit(r, 0);
	} else {
		struct xnat_slow_frame_big *r = bpf_ringbuf_reserve(&xnat_slow_frames, sizeof(*r), 0);

		if (!r)
			return 0;
		len = ((len - 1) & (XNAT_SLOW_BIG_FRAME_MAX - 1)) + 1;
		if (slow_load(ctx, xdp, r->frame, len)) {
			bpf_ringbuf_discard(r, 0);
			return 0;
		}
		slow_rec_fill(&r->h, ifindex, len, dir, flags);
		bpf_ringbuf_submit(r, 0);
	}
	return 1;
}

#endif
