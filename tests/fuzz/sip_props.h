/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The properties of a rewritten SIP datagram, checked on a parse of their
 * own (not the rewriter's), for the fuzz targets of the rewriter
 * (fuzz_sip.c) and of xnatd's path for messages too big for the fast path
 * (fuzz_oversize.c): sip_props() aborts when one does not hold.
 */
#ifndef XNAT_FUZZ_SIP_PROPS_H
#define XNAT_FUZZ_SIP_PROPS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xnat/sip_rewrite.h>

/* ---- the properties, on a parse of their own (not the rewriter's) ---- */

struct line {
	const __u8 *p;
	size_t n;        /* without its '\n' */
	int header;      /* in the headers (the first line included) */
	int folded;      /* a header's continuation line */
	char name[24];   /* of the header it belongs to (a folded line: the one above), lower case */
};

#define MAX_LINES 70000 /* a 64 KiB message of empty lines */

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

/*
 * in[0, sc->dgram_len) rewritten as out[0, n) with s (s->from: the address
 * that must be gone): no private address outside Call-ID, Content-Length the
 * body's, a line with nothing of ours unchanged, no line added or removed,
 * the bytes after the body as they came.
 */
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


#endif
