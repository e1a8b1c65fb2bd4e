/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The SIP/SDP address rewriter, one source for the BPF programs and the
 * user-space tests: plain C over bounded buffers, no libc, every loop
 * bounded, one position per step so that BPF can drive it with bpf_loop()
 * and user space with a for loop.
 *
 * What it rewrites: every occurrence of the address `from` (as a whole
 * token: not inside a longer number) by `to`, on the lines that carry
 * addresses: the request line, Via, Contact, From, To, Record-Route, Route,
 * Path (long and compact names, any case), and the SDP o=, c= lines; the
 * port after a rewritten address or in Via's rport= when it is the
 * signalling port; the SDP
 * media ports of m= and a=rtcp: lines through a table. Call-ID and
 * everything else are copied unchanged. The body is rewritten first, so the
 * headers get its new length as Content-Length.
 */
#ifndef XNAT_SIP_REWRITE_H
#define XNAT_SIP_REWRITE_H

#include "compat.h"

#define XNAT_SIP_MAX 2048   /* largest message handled; a power of two (index masks) */
#define XNAT_SIP_ADDR_MAX 16 /* "255.255.255.255" + 1 */

/*
 * Every buffer index goes through this mask. In BPF the mask is an opaque
 * instruction so that the compiler can't drop it (it would, knowing a bound
 * the verifier doesn't) and the verifier sees every index within the buffer.
 */
#ifdef __bpf__
#define XNAT_SIP_IDX(i) ({ __u64 __i = (i); asm volatile("%0 &= %1" : "+r"(__i) : "i"(XNAT_SIP_MAX - 1)); __i; })
#else
#define XNAT_SIP_IDX(i) ((i) & (XNAT_SIP_MAX - 1))
#endif

#define XNAT_SIP_MAX_MEDIA 8 /* m= lines handled per message */

struct xnat_sip_subst {
	char from[XNAT_SIP_ADDR_MAX];
	char to[XNAT_SIP_ADDR_MAX];
	__u32 from_len;
	__u32 to_len;
	/* "from:sig_from" becomes "to:sig_to" (host order; 0: ports after the address unchanged) */
	__u16 sig_from;
	__u16 sig_to;
	/* SDP media ports (m= and a=rtcp:): media_from[i] becomes media_to[i] */
	__u16 media_from[XNAT_SIP_MAX_MEDIA];
	__u16 media_to[XNAT_SIP_MAX_MEDIA];
	__u32 n_media;
};

#define XNAT_SIP_NO_PORT 0xffffffffu
enum { XNAT_SIP_PORT_SIG = 1, XNAT_SIP_PORT_MEDIA = 2 };

/* Walk state of one part (the headers, or the body): input position and
 * end, output length, what the current line is. */
struct xnat_sip_walk {
	__u32 in_pos;
	__u32 end;          /* the part ends here (exclusive) */
	__u32 out_len;
	__u32 in_len;
	__u32 body_start;   /* offset of the body in the input (after the blank line), or in_len */
	__u32 cl_value;     /* Content-Length to write: the rewritten body's length */
	__u32 replaced;     /* addresses and ports rewritten */
	__u32 port_at;      /* a port to translate starts here, or XNAT_SIP_NO_PORT */
	__u8 port_kind;     /* XNAT_SIP_PORT_* */
	__u8 line_start;    /* at the first byte of a line */
	__u8 line_rewrites; /* this line carries addresses */
	__u8 line_is_cl;    /* this line is Content-Length: its value is being replaced */
	__u8 error;         /* 1: output would overflow; the caller passes the message unchanged */
};

static inline __u8 xnat_sip_lower(__u8 c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static inline int xnat_sip_is_addr_char(__u8 c)
{
	return (c >= '0' && c <= '9') || c == '.';
}

/* Does the input at pos start with the lower-case word w (len n), case-insensitively? */
static inline int xnat_sip_match_ci(const __u8 *in, __u32 in_len, __u32 pos, const char *w, __u32 n)
{
	__u32 i;

	if (pos + n > in_len)
		return 0;
	for (i = 0; i < 16 && i < n; i++)
		if (xnat_sip_lower(in[XNAT_SIP_IDX(pos + i)]) != (__u8)w[i])
			return 0;
	return 1;
}

/* A header name at pos followed by optional blanks and ':'. */
static inline int xnat_sip_header_is(const __u8 *in, __u32 in_len, __u32 pos, const char *name, __u32 n)
{
	__u32 i;

	if (!xnat_sip_match_ci(in, in_len, pos, name, n))
		return 0;
	for (i = 0; i < 4; i++) {
		__u32 p = pos + n + i;
		__u8 c;

		if (p >= in_len)
			return 0;
		c = in[XNAT_SIP_IDX(p)];
		if (c == ':')
			return 1;
		if (c != ' ' && c != '\t')
			return 0;
	}
	return 0;
}

/* SDP lines that carry the address: o= (origin) and c= (connection). */
static inline int xnat_sip_sdp_addr_line(const __u8 *in, __u32 len, __u32 pos)
{
	return xnat_sip_match_ci(in, len, pos, "o=", 2) || xnat_sip_match_ci(in, len, pos, "c=", 2);
}

/* Position of the port in an m= line ("m=audio 49170 RTP/AVP 0"): after the
 * first blank, or XNAT_SIP_NO_PORT. */
static inline __u32 xnat_sip_m_port(const __u8 *in, __u32 len, __u32 pos)
{
	__u32 i;

	for (i = 2; i < 24; i++) {
		__u32 p = pos + i;

		if (p >= len)
			return XNAT_SIP_NO_PORT;
		if (in[XNAT_SIP_IDX(p)] == ' ')
			return p + 1;
		if (in[XNAT_SIP_IDX(p)] == '\n')
			return XNAT_SIP_NO_PORT;
	}
	return XNAT_SIP_NO_PORT;
}

/* Classify the line that starts at pos. */
static inline void xnat_sip_classify(struct xnat_sip_walk *w, const __u8 *in, __u32 pos)
{
	__u32 len = w->in_len;

	w->line_is_cl = 0;
	if (pos >= w->body_start) {
		w->line_rewrites = xnat_sip_sdp_addr_line(in, len, pos);
		if (xnat_sip_match_ci(in, len, pos, "m=", 2))
			w->port_at = xnat_sip_m_port(in, len, pos);
		else if (xnat_sip_match_ci(in, len, pos, "a=rtcp:", 7))
			w->port_at = pos + 7;
		w->port_kind = XNAT_SIP_PORT_MEDIA;
		return;
	}
	if (pos == 0) { /* request line (a status line has no address to rewrite) */
		w->line_rewrites = !xnat_sip_match_ci(in, len, pos, "sip/2.0", 7);
		return;
	}
	w->line_is_cl = xnat_sip_header_is(in, len, pos, "content-length", 14) ||
			xnat_sip_header_is(in, len, pos, "l", 1);
	w->line_rewrites = xnat_sip_header_is(in, len, pos, "via", 3) ||
			   xnat_sip_header_is(in, len, pos, "v", 1) ||
			   xnat_sip_header_is(in, len, pos, "contact", 7) ||
			   xnat_sip_header_is(in, len, pos, "m", 1) ||
			   xnat_sip_header_is(in, len, pos, "from", 4) ||
			   xnat_sip_header_is(in, len, pos, "f", 1) ||
			   xnat_sip_header_is(in, len, pos, "to", 2) ||
			   xnat_sip_header_is(in, len, pos, "t", 1) ||
			   xnat_sip_header_is(in, len, pos, "record-route", 12) ||
			   xnat_sip_header_is(in, len, pos, "route", 5) ||
			   xnat_sip_header_is(in, len, pos, "path", 4);
}

static inline void xnat_sip_put(struct xnat_sip_walk *w, __u8 *out, __u8 c)
{
	if (w->out_len >= XNAT_SIP_MAX) {
		w->error = 1;
		return;
	}
	out[XNAT_SIP_IDX(w->out_len)] = c;
	w->out_len++;
}

/* Is the address `from` at pos, as a whole token? */
static inline int xnat_sip_addr_at(const struct xnat_sip_walk *w, const __u8 *in, __u32 pos,
				   const struct xnat_sip_subst *s)
{
	__u32 i, end = pos + s->from_len;

	if (!s->from_len || s->from_len >= XNAT_SIP_ADDR_MAX || end > w->in_len)
		return 0;
	if (pos > 0 && xnat_sip_is_addr_char(in[XNAT_SIP_IDX(pos - 1)]))
		return 0;
	if (end < w->in_len && xnat_sip_is_addr_char(in[XNAT_SIP_IDX(end)]))
		return 0;
	for (i = 0; i < XNAT_SIP_ADDR_MAX - 1 && i < s->from_len; i++)
		if (in[XNAT_SIP_IDX(pos + i)] != (__u8)s->from[i])
			return 0;
	return 1;
}

/* Write the decimal value v. */
static inline void xnat_sip_put_uint(struct xnat_sip_walk *w, __u8 *out, __u32 v)
{
	__u8 digits[10];
	int n = 0, i;

	for (i = 0; i < 10; i++) {
		digits[n++] = '0' + v % 10;
		v /= 10;
		if (!v)
			break;
	}
	for (i = 9; i >= 0; i--)
		if (i < n)
			xnat_sip_put(w, out, digits[i]);
}

/* The decimal number at pos (at most 5 digits): its value, and *n its digits. */
static inline __u32 xnat_sip_number(const __u8 *in, __u32 end, __u32 pos, __u32 *n)
{
	__u32 v = 0, i;

	*n = 0;
	for (i = 0; i < 5; i++) {
		__u8 c;

		if (pos + i >= end)
			break;
		c = in[XNAT_SIP_IDX(pos + i)];
		if (c < '0' || c > '9')
			break;
		v = v * 10 + (c - '0');
		*n = i + 1;
	}
	return v;
}

/* What port v becomes. */
static inline __u32 xnat_sip_port_map(const struct xnat_sip_walk *w, const struct xnat_sip_subst *s,
				      __u32 v)
{
	__u32 i;

	if (w->port_kind == XNAT_SIP_PORT_SIG)
		return s->sig_from && v == s->sig_from ? s->sig_to : v;
	for (i = 0; i < XNAT_SIP_MAX_MEDIA; i++)
		if (i < s->n_media && v == s->media_from[i])
			return s->media_to[i];
	return v;
}

/*
 * One step: consume at least one input byte at w->in_pos. Returns 1 while
 * the part has input left, 0 at its end (or on error).
 */
static inline int xnat_sip_step(struct xnat_sip_walk *w, const __u8 *in, __u8 *out,
				const struct xnat_sip_subst *s)
{
	__u32 pos = w->in_pos, i, n, v, to;
	__u8 c;

	if (pos >= w->end || pos >= XNAT_SIP_MAX || w->error)
		return 0;
	if (w->line_start) {
		w->port_at = XNAT_SIP_NO_PORT;
		xnat_sip_classify(w, in, pos);
		w->line_start = 0;
	}
	c = in[XNAT_SIP_IDX(pos)];
	if (w->line_is_cl && c >= '0' && c <= '9') {
		/* The old value's digits are replaced by the rewritten body's length. */
		xnat_sip_put_uint(w, out, w->cl_value);
		xnat_sip_number(in, w->end, pos, &n);
		w->line_is_cl = 0;
		w->in_pos = pos + (n ? n : 1);
		return 1;
	}
	if (pos == w->port_at) {
		v = xnat_sip_number(in, w->end, pos, &n);
		w->port_at = XNAT_SIP_NO_PORT;
		if (n) {
			to = xnat_sip_port_map(w, s, v);
			xnat_sip_put_uint(w, out, to);
			w->replaced += to != v;
			w->in_pos = pos + n;
			return 1;
		}
	}
	if (w->line_rewrites && c == 'r' && xnat_sip_match_ci(in, w->end, pos, "rport=", 6)) {
		/* Via's rport=PORT names the signalling port too */
		for (i = 0; i < 6; i++)
			xnat_sip_put(w, out, in[XNAT_SIP_IDX(pos + i)]);
		w->port_at = pos + 6;
		w->port_kind = XNAT_SIP_PORT_SIG;
		w->in_pos = pos + 6;
		return 1;
	}
	if (w->line_rewrites && xnat_sip_addr_at(w, in, pos, s)) {
		for (i = 0; i < XNAT_SIP_ADDR_MAX - 1 && i < s->to_len; i++)
			xnat_sip_put(w, out, (__u8)s->to[i]);
		w->in_pos = pos + s->from_len;
		w->replaced++;
		/* "addr:port": the port comes next */
		if (w->in_pos + 1 < w->end && in[XNAT_SIP_IDX(w->in_pos)] == ':') {
			w->port_at = w->in_pos + 1;
			w->port_kind = XNAT_SIP_PORT_SIG;
		}
		return 1;
	}
	xnat_sip_put(w, out, c);
	if (c == '\n')
		w->line_start = 1;
	w->in_pos = pos + 1;
	return 1;
}

/*
 * The pre-pass, one position per step like the rewrite: finds where the body
 * starts (after the first empty line) and the media ports of its m= lines,
 * which the caller maps before the rewrite.
 */
struct xnat_sip_scan {
	__u32 pos;
	__u32 len;
	__u32 body_start; /* == len while no empty line was seen */
	__u32 n_media;
	__u16 media[XNAT_SIP_MAX_MEDIA];
	__u8 in_body;
};

static inline void xnat_sip_scan_init(struct xnat_sip_scan *sc, __u32 len)
{
	__builtin_memset(sc, 0, sizeof(*sc));
	sc->len = len;
	sc->body_start = len;
}

static inline __u8 xnat_sip_at(const __u8 *in, __u32 len, __u32 pos)
{
	return pos < len ? in[XNAT_SIP_IDX(pos)] : 0;
}

/* One position of the pre-pass. Returns 1 while there is input left. */
static inline int xnat_sip_scan_step(struct xnat_sip_scan *sc, const __u8 *in)
{
	__u32 pos = sc->pos, len = sc->len, port, n, v;
	__u8 c;

	if (pos >= len || pos >= XNAT_SIP_MAX)
		return 0;
	c = in[XNAT_SIP_IDX(pos)];
	sc->pos = pos + 1;
	if (!sc->in_body) {
		__u8 n1 = xnat_sip_at(in, len, pos + 1), n2 = xnat_sip_at(in, len, pos + 2);

		if (c == '\n' && (n1 == '\n' || (n1 == '\r' && n2 == '\n'))) {
			sc->in_body = 1;
			sc->body_start = pos + (n1 == '\n' ? 2 : 3);
			sc->pos = sc->body_start;
		}
		return 1;
	}
	if ((pos == sc->body_start || xnat_sip_at(in, len, pos - 1) == '\n') &&
	    xnat_sip_match_ci(in, len, pos, "m=", 2) && sc->n_media < XNAT_SIP_MAX_MEDIA) {
		port = xnat_sip_m_port(in, len, pos);
		if (port != XNAT_SIP_NO_PORT) {
			v = xnat_sip_number(in, len, port, &n);
			if (n)
				sc->media[sc->n_media++ & (XNAT_SIP_MAX_MEDIA - 1)] = (__u16)v;
		}
	}
	return 1;
}

/* Set up the rewrite of one part: the body [body_start, len) first, then the
 * headers [0, body_start) with the rewritten body's length as Content-Length. */
static inline void xnat_sip_begin_part(struct xnat_sip_walk *w, const struct xnat_sip_scan *sc,
				       int body, __u32 body_out_len)
{
	__builtin_memset(w, 0, sizeof(*w));
	w->in_len = sc->len;
	w->body_start = sc->body_start;
	w->in_pos = body ? sc->body_start : 0;
	w->end = body ? sc->len : sc->body_start;
	w->cl_value = body_out_len;
	w->port_at = XNAT_SIP_NO_PORT;
	w->line_start = 1;
}

#endif
