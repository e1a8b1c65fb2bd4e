/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The SIP rewriter (include/xnat/sip_rewrite.h) driven in user space. */
#ifndef XNAT_AGENT_SIP_H
#define XNAT_AGENT_SIP_H

#include <xnat/sip_rewrite.h>

/* The pre-pass over in[0..len): where the body starts, its media ports. */
void xnat_sip_scan(const __u8 *in, __u32 len, struct xnat_sip_scan *sc);

/* The same, counting as ours only the media streams whose c= address is s->from. */
void xnat_sip_scan_matching(const __u8 *in, __u32 len, const struct xnat_sip_subst *s,
			    struct xnat_sip_scan *sc);

/* The first message of a TCP stream's bytes in[0, len): sc->len is its
 * length when xnat_sip_scan_framed(sc) says it is whole. */
void xnat_sip_scan_tcp(const __u8 *in, __u32 len, const struct xnat_sip_subst *s, struct xnat_sip_scan *sc);

/*
 * Rewrite the scanned message into out (in and out XNAT_SIP_MAX bytes; in
 * is read through index masks, so bytes past the message must be readable).
 * Returns the new length, or -1 when the message goes on unchanged: it would
 * not fit, or it may not be rewritten (xnat_sip_scan_rewritable(): not SIP,
 * a bad Content-Length). A datagram's bytes after the body its
 * Content-Length declares follow as they came. *replaced (optional):
 * addresses and ports rewritten.
 */
int xnat_sip_rewrite(const __u8 *in, const struct xnat_sip_scan *sc, __u8 *out,
		     const struct xnat_sip_subst *s, __u32 *replaced);

#endif
