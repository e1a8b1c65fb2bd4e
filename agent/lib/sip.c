// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "sip.h"

/* What bpf_loop() does in the fast path: the pre-pass, then the rewrite. */
int xnat_sip_rewrite(const __u8 *in, __u32 len, __u8 *out, const struct xnat_sip_subst *s,
		     __u32 *replaced)
{
	struct xnat_sip_scan sc;
	struct xnat_sip_walk w;

	if (len > XNAT_SIP_MAX)
		return -1;
	xnat_sip_scan_init(&sc, len);
	for (int i = 0; i < XNAT_SIP_MAX && xnat_sip_scan_step(&sc, in, s); i++)
		;
	xnat_sip_begin(&w, &sc, s);
	for (int i = 0; i < XNAT_SIP_MAX && xnat_sip_step(&w, in, out, s); i++)
		;
	if (replaced)
		*replaced = w.replaced;
	return w.error ? -1 : (int)w.out_len;
}
