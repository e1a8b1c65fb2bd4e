/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A SIP message too big for the fast path's ALG, told to it in a small one.
 *
 * The ALG keeps the SIP state (dialogs, registrations, the media mappings
 * made before the first RTP packet): one core for it, in BPF. For a message
 * it can't hold, xnatd writes a digest, a short message that says to the
 * ALG's scanner exactly what the big one says (method, status, Call-ID,
 * expiries, each SDP stream's ports, rtcp-mux, whose address, ICE), runs it
 * through the fast path instead of the big one, and reads from the
 * rewritten digest which media port became which. The big message is then
 * rewritten in user space with that substitution (sip_big.h).
 *
 * A digest is used only when its scan equals the message's on every field
 * the ALG acts on (xnat_sip_digest_same()): anything it can't say goes on
 * unchanged and counted, never half-told.
 */
#ifndef XNAT_AGENT_SIP_DIGEST_H
#define XNAT_AGENT_SIP_DIGEST_H

#include <xnat/sip_rewrite.h>

/*
 * The digest of msg[0, len), whose scan is sc (made with match: the
 * address the ALG will translate, as dotted decimal), into out[0, cap).
 * Returns its length, or -1 when it does not fit.
 */
int xnat_sip_digest(const __u8 *msg, __u32 len, const struct xnat_sip_scan *sc, const char *match,
		    char *out, __u32 cap);

/* Do two scans agree on everything the ALG acts on? */
int xnat_sip_digest_same(const struct xnat_sip_scan *a, const struct xnat_sip_scan *b);

/*
 * The media ports the ALG chose: sent is the scan of the digest as it went
 * in (with the match address), back the scan of the digest it returned.
 * Adds to s each port of a stream of ours that the ALG's rewrite gave (the
 * RTP port, and a=rtcp:'s). Returns -1 when back is not sent's digest
 * (another stream count): nothing is added then.
 */
int xnat_sip_digest_media(const struct xnat_sip_scan *sent, const struct xnat_sip_scan *back,
			  struct xnat_sip_subst *s);

#endif
