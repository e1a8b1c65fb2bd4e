/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The SIP rewriter built a second time, for messages up to the largest UDP
 * datagram: xnatd's slow path rewrites with it what the fast path can't
 * hold (XNAT_SIP_MAX). The same source as agent/lib/sip.c, the same
 * results; only its buffers are bigger.
 */
#ifndef XNAT_AGENT_SIP_BIG_H
#define XNAT_AGENT_SIP_BIG_H

#include <xnat/compat.h>

/* A power of two (the index masks), above the largest UDP payload. */
#define XNAT_SIP_BIG_MAX 65536

struct xnat_sip_scan;
struct xnat_sip_subst;

/* As xnat_sip_scan_matching() and xnat_sip_rewrite() (agent/lib/sip.h),
 * with in and out XNAT_SIP_BIG_MAX bytes each. */
void xnat_sip_big_scan_matching(const __u8 *in, __u32 len, const struct xnat_sip_subst *s,
				struct xnat_sip_scan *sc);
int xnat_sip_big_rewrite(const __u8 *in, const struct xnat_sip_scan *sc, __u8 *out,
			 const struct xnat_sip_subst *s, __u32 *replaced);

#endif
