/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The SIP rewriter (include/xnat/sip_rewrite.h) driven by bpf_loop() over a
 * work area in map memory: the one driver of the fast path's ALG and of the
 * selftest program that checks it against user space.
 */
#ifndef XNAT_BPF_SIP_DRIVE_H
#define XNAT_BPF_SIP_DRIVE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <xnat/sip_rewrite.h>

struct sip_work {
	struct xnat_sip_buf in;   /* the message */
	struct xnat_sip_buf out;  /* the rewritten message */
	struct xnat_sip_buf body; /* the rewritten body, before it joins out */
	struct xnat_sip_scan scan;
	struct xnat_sip_walk w;
	struct xnat_sip_subst s;
};

/* bpf_loop()'s context must live on the stack: it carries the pointer. */
struct sip_drive {
	struct sip_work *wk;
};

static long sip_scan_cb(__u32 i __attribute__((unused)), void *ctx)
{
	struct sip_work *wk = ((struct sip_drive *)ctx)->wk;

	return xnat_sip_scan_step(&wk->scan, &wk->in) ? 0 : 1;
}

static long sip_body_cb(__u32 i __attribute__((unused)), void *ctx)
{
	struct sip_work *wk = ((struct sip_drive *)ctx)->wk;

	return xnat_sip_step(&wk->w, &wk->in, &wk->body, &wk->s) ? 0 : 1;
}

static long sip_head_cb(__u32 i __attribute__((unused)), void *ctx)
{
	struct sip_work *wk = ((struct sip_drive *)ctx)->wk;

	return xnat_sip_step(&wk->w, &wk->in, &wk->out, &wk->s) ? 0 : 1;
}

/* out = rewritten headers, then the rewritten body (w: the headers' walk). */
static long sip_append_cb(__u32 i, void *ctx)
{
	struct sip_work *wk = ((struct sip_drive *)ctx)->wk;

	if (i >= wk->w.cl_value)
		return 1;
	wk->out.b[XNAT_SIP_IDX(wk->w.out_len + i)] = wk->body.b[XNAT_SIP_IDX(i)];
	return 0;
}

/* The pre-pass over in[0, len), counting as ours the media of the address
 * wk->s.from (already set); on a stream (TCP) the first message's own
 * length ends the scan. */
static __always_inline void sip_drive_scan(struct sip_work *wk, __u32 len, int stream)
{
	struct sip_drive d = { wk };

	xnat_sip_scan_init(&wk->scan, len);
	if (stream)
		xnat_sip_scan_stream(&wk->scan);
	xnat_sip_scan_match(&wk->scan, &wk->s);
	bpf_loop(XNAT_SIP_MAX, sip_scan_cb, &d, 0);
}

/* The rewrite of the scanned message into out, body first (the headers then
 * carry its new length). Returns the new length, 0 when nothing of ours was
 * in it, or -1 when the result would not fit. */
static __always_inline int sip_drive_rewrite(struct sip_work *wk)
{
	struct sip_drive d = { wk };
	__u32 replaced, len;

	xnat_sip_begin_part(&wk->w, &wk->scan, &wk->s, 1, 0);
	bpf_loop(XNAT_SIP_MAX, sip_body_cb, &d, 0);
	if (wk->w.error)
		return -1;
	replaced = wk->w.replaced;
	xnat_sip_begin_part(&wk->w, &wk->scan, &wk->s, 0, wk->w.out_len);
	bpf_loop(XNAT_SIP_MAX, sip_head_cb, &d, 0);
	if (wk->w.error || wk->w.out_len + wk->w.cl_value >= XNAT_SIP_MAX)
		return -1;
	wk->w.replaced += replaced; /* the whole message's count */
	if (!wk->w.replaced)
		return 0;
	bpf_loop(XNAT_SIP_MAX, sip_append_cb, &d, 0);
	len = wk->w.out_len + wk->w.cl_value;
	return (int)len;
}

#endif
