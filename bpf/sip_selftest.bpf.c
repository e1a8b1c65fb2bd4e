// SPDX-License-Identifier: GPL-2.0
/*
 * The fast path's SIP driver (bpf/sip_drive.h) on a bare message: the frame
 * is copied into a per-CPU work area and rewritten, and the test compares
 * the result with the same source run in user space (tests/bpf/test_sip.c).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <xnat/sip_rewrite.h>
#include "sip_drive.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sip_work);
} sip_scratch SEC(".maps");

/* Set by the test: the substitution, and where the result is left. */
struct xnat_sip_subst sip_subst;
__u32 sip_out_len;
__u32 sip_replaced;

static long copy_in(__u32 i, void *ctx)
{
	struct { struct xdp_md *xdp; struct sip_work *wk; __u32 len; } *c = ctx;
	void *data = (void *)(long)c->xdp->data, *end = (void *)(long)c->xdp->data_end;
	__u8 *p = data + (i & (XNAT_SIP_MAX - 1));

	if ((void *)(p + 1) > end)
		return 1;
	c->wk->in.b[i & (XNAT_SIP_MAX - 1)] = *p;
	c->len = i + 1;
	return 0;
}

/* The whole frame is the SIP message (no headers): the fast path's driver on it. */
SEC("xdp")
int sip_rewrite_selftest(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct sip_work *wk = bpf_map_lookup_elem(&sip_scratch, &zero);
	struct { struct xdp_md *xdp; struct sip_work *wk; __u32 len; } c = { ctx, wk, 0 };
	int n;

	if (!wk)
		return XDP_ABORTED;
	wk->s = sip_subst;
	bpf_loop(XNAT_SIP_MAX, copy_in, &c, 0);
	sip_drive_scan(wk, c.len, 0);
	n = sip_drive_rewrite(wk);
	sip_out_len = n > 0 ? n : 0;
	sip_replaced = n > 0 ? wk->w.replaced : 0;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
