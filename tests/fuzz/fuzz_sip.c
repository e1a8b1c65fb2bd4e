// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the SIP/SDP scanner and rewriter: the very C the BPF
 * programs run (include/xnat/sip_rewrite.h), here under ASan and UBSan.
 * The first input byte picks the substitution (direction, address lengths,
 * ports); the rest is the message. Checked beyond "no crash": the result's
 * length, its determinism (the same twice: nothing read that wasn't
 * written), and the scan's own bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "sip.h"

static const char *const addrs[] = { "192.168.1.10", "1.2.3.4", "203.0.113.200", "10.0.0.1", "198.51.100.100" };
#define N_ADDRS (sizeof(addrs) / sizeof(addrs[0]))

static struct xnat_sip_subst make_subst(uint8_t k)
{
	struct xnat_sip_subst s = { 0 };
	const char *from = addrs[k % N_ADDRS], *to = addrs[(k / N_ADDRS + 1 + k % N_ADDRS) % N_ADDRS];

	s.from_len = (__u32)strlen(from);
	s.to_len = (__u32)strlen(to);
	memcpy(s.from, from, s.from_len);
	memcpy(s.to, to, s.to_len);
	if (k & 0x40) {
		s.sig_from = 5060;
		s.sig_to = 40000 + k;
	}
	if (k & 0x80) {
		for (__u32 i = 0; i < XNAT_SIP_MAX_SUBST; i++) {
			s.media_from[i] = (__u16)(49170 + 2 * i);
			s.media_to[i] = (__u16)(1024 + 2 * i);
		}
		s.n_media = XNAT_SIP_MAX_SUBST;
	}
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static __u8 in[XNAT_SIP_MAX], out[XNAT_SIP_MAX + 1], again[XNAT_SIP_MAX + 1];
	struct xnat_sip_subst s;
	struct xnat_sip_scan sc, sc2;
	__u32 len, replaced, replaced2;
	int n, n2;

	if (size < 1)
		return 0;
	s = make_subst(data[0]);
	data++, size--;
	len = size > XNAT_SIP_MAX ? XNAT_SIP_MAX : (__u32)size;
	memset(in, 0, sizeof(in));
	memcpy(in, data, len);

	xnat_sip_scan(in, len, &sc);
	if (data[-1] & 0x80) {
		/* the TCP framing: the first message is never longer than the bytes */
		xnat_sip_scan_tcp(in, len, &s, &sc);
		if (sc.len > len || (xnat_sip_scan_framed(&sc) && sc.body_start + sc.content_length != sc.len))
			abort();
	} else {
		xnat_sip_scan_matching(in, len, &s, &sc);
	}
	if (sc.body_start > len || sc.n_media > XNAT_SIP_MAX_MEDIA)
		abort();
	for (__u32 i = 0; i < XNAT_SIP_MAX_MEDIA; i++)
		(void)xnat_sip_media_ours(&sc, i);
	(void)xnat_sip_reg_expires(&sc);

	n = xnat_sip_rewrite(in, &sc, out, &s, &replaced);
	if (n < -1 || n > XNAT_SIP_MAX)
		abort();
	/* The same input gives the same output: nothing read that wasn't written. */
	if (data[-1] & 0x80)
		xnat_sip_scan_tcp(in, len, &s, &sc2);
	else
		xnat_sip_scan_matching(in, len, &s, &sc2);
	n2 = xnat_sip_rewrite(in, &sc2, again, &s, &replaced2);
	if (n2 != n || replaced2 != replaced || (n > 0 && memcmp(out, again, (size_t)n)))
		abort();
	return 0;
}
