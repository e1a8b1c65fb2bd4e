/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The SIP rewriter (include/xnat/sip_rewrite.h) driven in user space. */
#ifndef XNAT_AGENT_SIP_H
#define XNAT_AGENT_SIP_H

#include <xnat/sip_rewrite.h>

/*
 * Rewrite the message in[0..len) into out (both XNAT_SIP_MAX bytes; in is
 * read through index masks, so bytes past len must be readable). Returns the
 * new length, or -1 when the result would not fit (the message then goes on
 * unchanged). *replaced (optional) gets the number of addresses rewritten.
 */
int xnat_sip_rewrite(const __u8 *in, __u32 len, __u8 *out, const struct xnat_sip_subst *s,
		     __u32 *replaced);

#endif
