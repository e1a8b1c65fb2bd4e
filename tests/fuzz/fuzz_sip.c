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

/* ---- the properties, on a parse of their own (not the rewriter's) ---- */

struct line {
	const __u8 *p;
	size_t n;        /* without its '\n' */
	int header;      /* in the headers (the first line included) */
	int folded;      /* a header's continuation line */
	char name[24];   /* of the header it belongs to (a folded line: the one above), lower case */
};

#define MAX_LINES 1100

/* The lines of m[0, len); *hdr_end: where the body starts (len if none). */
static size_t split(const __u8 *m, size_t len, struct line *ls, size_t *hdr_end)
{
	size_t n = 0, i = 0;
	int in_head = 1;
	char name[24] = "";

	*hdr_end = len;
	while (i < len && n < MAX_LINES) {
		const __u8 *e = memchr(m + i, '\n', len - i);
		size_t l = e ? (size_t)(e - (m + i)) : len - i;
		struct line *x = &ls[n++];

		x->p = m + i, x->n = l, x->header = in_head;
		x->folded = in_head && n > 1 && l && (m[i] == ' ' || m[i] == '\t');
		if (in_head && n > 1 && (l == 0 || (l == 1 && m[i] == '\r'))) {
			x->header = 0;
			in_head = 0;
			*hdr_end = i + l + (e ? 1 : 0);
		} else if (in_head && n > 1 && m[i] != ' ' && m[i] != '\t') {
			size_t k = 0, c = 0;

			while (k < l && m[i + k] != ':')
				k++;
			if (k == l)
				k = 0; /* no ':': no header name */
			while (k > 0 && (m[i + k - 1] == ' ' || m[i + k - 1] == '\t'))
				k--;
			for (; c < k && c < sizeof(name) - 1; c++)
				name[c] = (char)(m[i + c] >= 'A' && m[i + c] <= 'Z' ? m[i + c] + 32 : m[i + c]);
			name[c] = '\0';
			if (c < k || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-.!%*_+`'~") != c)
				name[0] = '\0'; /* not a token (RFC 3261 25.1): no header name */
		}
		snprintf(x->name, sizeof(x->name), "%s", x->header && n > 1 ? name : "");
		i += l + (e ? 1 : 0);
	}
	return n;
}

static int addr_char(__u8 c)
{
	return (c >= '0' && c <= '9') || c == '.';
}

/* Does the line hold addr as a whole token? */
static int has_token(const struct line *l, const char *addr, size_t alen)
{
	for (size_t i = 0; i + alen <= l->n; i++)
		if (!memcmp(l->p + i, addr, alen) && (i == 0 || !addr_char(l->p[i - 1])) &&
		    (i + alen == l->n || !addr_char(l->p[i + alen])))
			return 1;
	return 0;
}

static int name_is(const struct line *l, const char *a, const char *b)
{
	return !strcmp(l->name, a) || !strcmp(l->name, b);
}

static int has_ci(const struct line *l, const char *w)
{
	size_t wl = strlen(w);

	for (size_t i = 0; i + wl <= l->n; i++) {
		size_t k = 0;

		while (k < wl && (l->p[i + k] | 0x20) == w[k])
			k++;
		if (k == wl)
			return 1;
	}
	return 0;
}

static void sip_props(const __u8 *in, const struct xnat_sip_scan *sc, const __u8 *out, size_t n,
		      const struct xnat_sip_subst *s)
{
	static struct line li[MAX_LINES], lo[MAX_LINES];
	size_t rest = sc->dgram_len - sc->len, ni, no, hi, ho;

	if (n < rest || memcmp(out + n - rest, in + sc->len, rest))
		abort(); /* the bytes after the body: as they came */
	ni = split(in, sc->len, li, &hi);
	no = split(out, n - rest, lo, &ho);
	if (ni != no || ni >= MAX_LINES)
		abort(); /* lines are rewritten, never added or removed */
	for (size_t i = 0; i < no; i++) {
		const struct line *a = &li[i], *b = &lo[i];
		int callid = b->header && name_is(b, "call-id", "i");

		/* no private address outside Call-ID */
		if (!callid && has_token(b, s->from, s->from_len))
			abort();
		/* Content-Length: the body's length */
		if (b->header && !b->folded && name_is(b, "content-length", "l") &&
		    sc->content_length != XNAT_SIP_NO_EXPIRES) {
			const __u8 *v = memchr(b->p, ':', b->n);
			unsigned long cl = v ? strtoul((const char *)v + 1, NULL, 10) : ~0ul;

			if (cl != n - rest - ho)
				abort();
		}
		/* a line with nothing of ours is unchanged */
		if (has_token(a, s->from, s->from_len) || (a->header && name_is(a, "content-length", "l")) ||
		    (a->header && name_is(a, "via", "v") && has_ci(a, "rport=")) ||
		    (!a->header && (has_ci(a, "m=") || has_ci(a, "a=rtcp:"))))
			continue;
		if (a->n != b->n || memcmp(a->p, b->p, a->n))
			abort();
	}
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
