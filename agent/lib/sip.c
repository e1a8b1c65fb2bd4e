// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>
#include "sip.h"

/* What bpf_loop() does in the fast path, with for loops. */
void xnat_sip_scan_matching(const __u8 *in, __u32 len, const struct xnat_sip_subst *s,
			    struct xnat_sip_scan *sc)
{
	xnat_sip_scan_init(sc, len > XNAT_SIP_MAX ? XNAT_SIP_MAX : len);
	if (s)
		xnat_sip_scan_match(sc, s);
	for (int i = 0; i < XNAT_SIP_MAX && xnat_sip_scan_step(sc, (const struct xnat_sip_buf *)in); i++)
		;
}

void xnat_sip_scan_tcp(const __u8 *in, __u32 len, const struct xnat_sip_subst *s, struct xnat_sip_scan *sc)
{
	xnat_sip_scan_init(sc, len > XNAT_SIP_MAX ? XNAT_SIP_MAX : len);
	xnat_sip_scan_stream(sc);
	if (s)
		xnat_sip_scan_match(sc, s);
	for (int i = 0; i < XNAT_SIP_MAX && xnat_sip_scan_step(sc, (const struct xnat_sip_buf *)in); i++)
		;
}

void xnat_sip_scan(const __u8 *in, __u32 len, struct xnat_sip_scan *sc)
{
	xnat_sip_scan_matching(in, len, NULL, sc);
}

static void walk(struct xnat_sip_walk *w, const __u8 *in, __u8 *out, const struct xnat_sip_subst *s)
{
	for (int i = 0; i < XNAT_SIP_MAX && xnat_sip_step(w, (const struct xnat_sip_buf *)in,
							   (struct xnat_sip_buf *)out, s); i++)
		;
}

int xnat_sip_rewrite(const __u8 *in, const struct xnat_sip_scan *sc, __u8 *out,
		     const struct xnat_sip_subst *s, __u32 *replaced)
{
	static __thread __u8 body[XNAT_SIP_MAX];
	struct xnat_sip_walk wb, wh;

	__u32 rest = !sc->stream && sc->dgram_len > sc->len ? sc->dgram_len - sc->len : 0;

	if (replaced)
		*replaced = 0;
	if (!xnat_sip_scan_rewritable(sc))
		return -1;
	xnat_sip_begin_part(&wb, sc, s, 1, 0);
	walk(&wb, in, body, s);
	xnat_sip_begin_part(&wh, sc, s, 0, wb.out_len);
	walk(&wh, in, out, s);
	if (replaced)
		*replaced = wb.replaced + wh.replaced;
	if (wb.error || wh.error || wh.out_len + wb.out_len + rest > XNAT_SIP_MAX)
		return -1;
	memcpy(out + wh.out_len, body, wb.out_len);
	/* a datagram's bytes after the declared body, as they came */
	memcpy(out + wh.out_len + wb.out_len, in + sc->len, rest);
	return (int)(wh.out_len + wb.out_len + rest);
}
