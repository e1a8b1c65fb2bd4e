// SPDX-License-Identifier: GPL-2.0
/*
 * The SIP rewriter of include/xnat/sip_rewrite.h, loaded as BPF: proof that
 * the shared source passes the verifier (issue #4, first step). It rewrites
 * a UDP payload copied into a per-CPU scratch buffer and reports the result
 * length; the fast path will do the same on real packets.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <xnat/sip_rewrite.h>

struct sip_scratch {
	struct xnat_sip_buf in;
	struct xnat_sip_buf out;
	struct xnat_sip_buf body;
	struct xnat_sip_scan scan;
	struct xnat_sip_walk w;
	struct xnat_sip_subst s;
	__u32 head_len;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sip_scratch);
} sip_scratch SEC(".maps");

/* Set by the test: the substitution, and where the result is left. */
struct xnat_sip_subst sip_subst;
__u32 sip_out_len;
__u32 sip_replaced;

static long copy_in(__u32 i, void *ctx)
{
	struct { struct xdp_md *xdp; struct sip_scratch *sc; __u32 len; } *c = ctx;
	void *data = (void *)(long)c->xdp->data, *end = (void *)(long)c->xdp->data_end;
	__u8 *p = data + (i & (XNAT_SIP_MAX - 1));

	if ((void *)(p + 1) > end)
		return 1;
	c->sc->in.b[i & (XNAT_SIP_MAX - 1)] = *p;
	c->len = i + 1;
	return 0;
}

/* bpf_loop's context must live on the stack: it carries the scratch pointer. */
struct step_ctx {
	struct sip_scratch *sc;
};

static long scan(__u32 i __attribute__((unused)), void *ctx)
{
	struct sip_scratch *sc = ((struct step_ctx *)ctx)->sc;

	return xnat_sip_scan_step(&sc->scan, &sc->in) ? 0 : 1;
}

static long step_body(__u32 i __attribute__((unused)), void *ctx)
{
	struct sip_scratch *sc = ((struct step_ctx *)ctx)->sc;

	return xnat_sip_step(&sc->w, &sc->in, &sc->body, &sc->s) ? 0 : 1;
}

static long step_head(__u32 i __attribute__((unused)), void *ctx)
{
	struct sip_scratch *sc = ((struct step_ctx *)ctx)->sc;

	return xnat_sip_step(&sc->w, &sc->in, &sc->out, &sc->s) ? 0 : 1;
}

/* out = rewritten headers + rewritten body */
static long append_body(__u32 i, void *ctx)
{
	struct sip_scratch *sc = ((struct step_ctx *)ctx)->sc;

	if (i >= sc->w.cl_value)
		return 1;
	sc->out.b[XNAT_SIP_IDX(sc->head_len + i)] = sc->body.b[XNAT_SIP_IDX(i)];
	return 0;
}

/* The whole frame is the SIP message (no headers): enough to run the rewriter. */
SEC("xdp")
int sip_rewrite_selftest(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct sip_scratch *sc = bpf_map_lookup_elem(&sip_scratch, &zero);
	struct { struct xdp_md *xdp; struct sip_scratch *sc; __u32 len; } c = { ctx, sc, 0 };
	struct step_ctx sctx = { sc };

	if (!sc)
		return XDP_ABORTED;
	sc->s = sip_subst;
	bpf_loop(XNAT_SIP_MAX, copy_in, &c, 0);
	xnat_sip_scan_init(&sc->scan, c.len);
	bpf_loop(XNAT_SIP_MAX, scan, &sctx, 0);
	xnat_sip_begin_part(&sc->w, &sc->scan, 1, 0);
	bpf_loop(XNAT_SIP_MAX, step_body, &sctx, 0);
	if (sc->w.error)
		goto fail;
	sip_replaced = sc->w.replaced;
	xnat_sip_begin_part(&sc->w, &sc->scan, 0, sc->w.out_len);
	bpf_loop(XNAT_SIP_MAX, step_head, &sctx, 0);
	if (sc->w.error || sc->w.out_len + sc->w.cl_value > XNAT_SIP_MAX)
		goto fail;
	sip_replaced += sc->w.replaced;
	sc->head_len = sc->w.out_len;
	bpf_loop(XNAT_SIP_MAX, append_body, &sctx, 0);
	sip_out_len = sc->head_len + sc->w.cl_value;
	return XDP_PASS;
fail:
	sip_out_len = 0;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
