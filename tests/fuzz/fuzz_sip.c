// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the SIP/SDP scanner and rewriter: the very C the BPF
 * programs run (include/xnat/sip_rewrite.h), here under ASan and UBSan.
 * The first input byte picks the substitution (direction, address lengths,
 * ports); the rest is the message. Checked beyond "no crash": the result's
 * length, its determinism (the same twice: nothing read that wasn't
 * written), the scan's own bounds, and of a rewritten datagram, with a
 * parse of its own (sip_props()):
 * - no `from` address (the private one, going out) outside Call-ID;
 * - Content-Length equals the body;
 * - a line the rewriter had no reason to touch is unchanged.
 * The rewriter's second build (sip_big.h, xnatd's for messages too big for
 * the fast path) gives the same result, byte for byte.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sip.h"
#include "sip_big.h"
#include "sip_props.h"

static const char *const addrs[] = { "192.168.1.10", "1.2.3.4", "203.0.113.200", "10.0.0.1", "198.51.100.100" };
#define N_ADDRS (sizeof(addrs) / sizeof(addrs[0]))

static struct xnat_sip_subst make_subst(uint8_t k)
{
	struct xnat_sip_subst s = { 0 };
	/* two different addresses: to is 1 to N_ADDRS - 1 places after from */
	const char *from = addrs[k % N_ADDRS], *to = addrs[(k % N_ADDRS + 1 + k / N_ADDRS % (N_ADDRS - 1)) % N_ADDRS];

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
	if (n > 0 && !(data[-1] & 0x80))
		sip_props(in, &sc, out, (size_t)n, &s);
	if (!(data[-1] & 0x80)) {
		static __u8 big_in[XNAT_SIP_BIG_MAX], big_out[XNAT_SIP_BIG_MAX];
		struct xnat_sip_scan bsc;
		int nb;

		memcpy(big_in, in, len);
		memset(big_in + len, 0, XNAT_SIP_MAX - len); /* what the last input left */
		xnat_sip_big_scan_matching(big_in, len, &s, &bsc);
		if (memcmp(&bsc, &sc, sizeof(sc)))
			abort();
		nb = xnat_sip_big_rewrite(big_in, &bsc, big_out, &s, &replaced2);
		/* the small build's -1 may be a result longer than its buffer */
		if (n >= 0 ? nb != n || replaced2 != replaced || memcmp(out, big_out, (size_t)n)
			   : nb >= 0 && nb <= XNAT_SIP_MAX)
			abort();
	}
	return 0;
}
