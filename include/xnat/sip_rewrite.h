/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The SIP/SDP address rewriter, one source for the BPF programs and the
 * user-space tests: plain C over bounded buffers, no libc, every loop
 * bounded, one position per step so that BPF can drive it with bpf_loop()
 * and user space with a for loop.
 *
 * What it rewrites: every occurrence of the address `from` (as a whole
 * token: not inside a longer number) by `to`, on every line but Call-ID's
 * (opaque: the dialog's name at both ends): the request line, Via, Contact,
 * From, To, Route, any other header, the SDP (o=, c=, a=rtcp:, ...), so
 * that no private address leaves; the port after a rewritten address;
 * Via's rport= only in the sender's own Via (the top Via of a request
 * going out, of a response coming in): every
 * other Via is another hop's, whose rport= names that hop's view; the SDP
 * media ports of m= and a=rtcp: lines through a table. Call-ID and
 * everything else are copied unchanged. The body is rewritten first, so the
 * headers get its new length as Content-Length. The body is what
 * Content-Length declares (RFC 3261 18.3): bytes after it in a datagram are
 * left as they came; a Content-Length that is not a number, or more than the
 * datagram holds, leaves the message unchanged (xnat_sip_scan_rewritable()).
 */
#ifndef XNAT_SIP_REWRITE_H
#define XNAT_SIP_REWRITE_H

#include "compat.h"

/* Largest message handled; a power of two (index masks). xnatd's slow path
 * builds the rewriter a second time with the largest UDP datagram's
 * (agent/lib/sip_big.c). */
#ifndef XNAT_SIP_MAX
#define XNAT_SIP_MAX 2048
#endif
#define XNAT_SIP_ADDR_MAX 16 /* "255.255.255.255" + 1 */

/* Every buffer index goes through this mask (compat.h). */
#define XNAT_SIP_MASK(i, m) XNAT_MASK(i, m)
#define XNAT_SIP_IDX(i) XNAT_SIP_MASK(i, XNAT_SIP_MAX - 1)
#define XNAT_SIP_MIDX(i) XNAT_SIP_MASK(i, XNAT_SIP_MAX_MEDIA - 1) /* a media stream's index */

#define XNAT_SIP_MAX_MEDIA 8  /* m= lines handled per message; a power of two (index masks) */
#define XNAT_SIP_MAX_SUBST 16 /* media ports translated per message: RTP and a=rtcp: of each */

/* A message buffer. A struct, so that BPF global functions can take it. */
struct xnat_sip_buf {
	__u8 b[XNAT_SIP_MAX];
};

/*
 * The per-line functions are BPF global functions: the verifier checks each
 * once, on its own, instead of once per position of every bpf_loop() that
 * reaches it (which exceeds its budget). They return int for that reason,
 * and check their pointers.
 */
#ifdef __bpf__
#define XNAT_SIP_GLOBAL __attribute__((noinline))
#define XNAT_SIP_INLINE static inline __attribute__((always_inline))
#else
#define XNAT_SIP_GLOBAL static inline
#define XNAT_SIP_INLINE static inline
#endif

struct xnat_sip_subst {
	char from[XNAT_SIP_ADDR_MAX];
	char to[XNAT_SIP_ADDR_MAX];
	__u32 from_len;
	__u32 to_len;
	/* "from:sig_from" becomes "to:sig_to" (host order; 0: ports after the address unchanged) */
	__u16 sig_from;
	__u16 sig_to;
	/* SDP media ports (m= and a=rtcp:): media_from[i] becomes media_to[i] */
	__u16 media_from[XNAT_SIP_MAX_SUBST];
	__u16 media_to[XNAT_SIP_MAX_SUBST];
	__u32 n_media;
	__u8 inbound;  /* 1: WAN -> LAN (the top Via of a response is ours), 0: LAN -> WAN (of a request) */
	__u8 pad[3];
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
	__u8 line_is_via;   /* this line is a Via header */
	__u8 via;           /* XNAT_SIP_VIA_*: where the walk is among the Via values */
	__u8 via_ours;      /* the top Via is the sender's own (see the top of this file) */
};

enum { XNAT_SIP_VIA_NONE = 0, XNAT_SIP_VIA_TOP, XNAT_SIP_VIA_OTHER };

XNAT_SIP_INLINE __u8 xnat_sip_lower(__u8 c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

XNAT_SIP_INLINE int xnat_sip_is_addr_char(__u8 c)
{
	return (c >= '0' && c <= '9') || c == '.';
}

/* addr (network order) as dotted decimal into buf (XNAT_SIP_ADDR_MAX bytes); returns its length. */
XNAT_SIP_INLINE __u32 xnat_sip_format_addr(__be32 addr, char *buf)
{
	const __u8 *b = (const __u8 *)&addr;
	__u32 n = 0, i;

	XNAT_UNROLL
	for (i = 0; i < 4; i++) {
		__u8 v = b[i];

		if (v >= 100)
			buf[n++ & (XNAT_SIP_ADDR_MAX - 1)] = '0' + v / 100;
		if (v >= 10)
			buf[n++ & (XNAT_SIP_ADDR_MAX - 1)] = '0' + v / 10 % 10;
		buf[n++ & (XNAT_SIP_ADDR_MAX - 1)] = '0' + v % 10;
		if (i < 3)
			buf[n++ & (XNAT_SIP_ADDR_MAX - 1)] = '.';
	}
	return n;
}

/* Does the input at pos start with the lower-case word w (len n), case-insensitively? */
XNAT_SIP_INLINE int xnat_sip_match_ci(const struct xnat_sip_buf *in, __u32 in_len, __u32 pos, const char *w, __u32 n)
{
	__u32 i;

	if (pos + n > in_len)
		return 0;
	XNAT_UNROLL
	for (i = 0; i < 16 && i < n; i++)
		if (xnat_sip_lower(in->b[XNAT_SIP_IDX(pos + i)]) != (__u8)w[i])
			return 0;
	return 1;
}

/*
 * A header's name, as the line at pos starts with it: at most 16 bytes
 * before optional blanks (at most 3) and ':', lower-cased and packed into
 * two words (byte i at bits 8i of w[0], then of w[1]); len 0 when the line
 * starts with no such name. Found once per line, then compared with each
 * name a caller knows (XNAT_SIP_NAME_IS): one bounded loop instead of one
 * per name, which the BPF verifier would walk again for each.
 */
struct xnat_sip_name {
	__u64 w[2];
	__u32 len;
	__u32 pad;
};

/* Byte i of the string literal s, 0 past its end: a compile-time constant. */
#define XNAT_SIP_NC(s, i) ((__u64)((i) < sizeof(s) - 1 ? (__u8)(s)[(i) < sizeof(s) - 1 ? (i) : 0] : 0))
#define XNAT_SIP_NW(s, o)                                                                          \
	(XNAT_SIP_NC(s, (o) + 0) | XNAT_SIP_NC(s, (o) + 1) << 8 | XNAT_SIP_NC(s, (o) + 2) << 16 |     \
	 XNAT_SIP_NC(s, (o) + 3) << 24 | XNAT_SIP_NC(s, (o) + 4) << 32 | XNAT_SIP_NC(s, (o) + 5) << 40 | \
	 XNAT_SIP_NC(s, (o) + 6) << 48 | XNAT_SIP_NC(s, (o) + 7) << 56)
/* Is the name n the lower-case literal s? */
#define XNAT_SIP_NAME_IS(n, s) \
	((n)->len == sizeof(s) - 1 && (n)->w[0] == XNAT_SIP_NW(s, 0) && (n)->w[1] == XNAT_SIP_NW(s, 8))

/* The token at pos (it ends at a blank, ':', the end of the line or of the
 * input) into n, as for a name; n->len 0 when there is none or it is
 * longer than 15 bytes. Returns where it ends. A BPF global function: its
 * callers see the token's length as a number, not as each exit of the loop. */
XNAT_SIP_GLOBAL int xnat_sip_token_at(const struct xnat_sip_buf *in, __u32 in_len, __u32 pos,
				      struct xnat_sip_name *n)
{
	__u32 i;
	__u8 c;

	if (!in || !n)
		return (int)pos;
	n->w[0] = 0;
	n->w[1] = 0;
	n->len = 0;
	XNAT_UNROLL
	for (i = 0; i < 16; i++) {
		if (pos + i >= in_len)
			break;
		c = xnat_sip_lower(in->b[XNAT_SIP_IDX(pos + i)]);
		if (c == ':' || c == ' ' || c == '\t' || c == '\r' || c == '\n')
			break;
		n->w[i / 8] |= (__u64)c << (8 * (i % 8));
	}
	if (i < 16)
		n->len = i;
	return (int)(pos + i);
}

/*
 * The header name the line at pos starts with (a token, at most 3 blanks,
 * ':') into n, n->len 0 when it has none. Returns where its value starts
 * (the first byte after ':' and blanks, within 24 bytes of pos), or in_len
 * when it has none there. A BPF global function, as xnat_sip_token_at().
 */
XNAT_SIP_GLOBAL int xnat_sip_name_at(const struct xnat_sip_buf *in, __u32 in_len, __u32 pos,
				     struct xnat_sip_name *n)
{
	__u32 end, k;
	__u8 c;

	if (!in || !n)
		return (int)in_len;
	end = (__u32)xnat_sip_token_at(in, in_len, pos, n);
	XNAT_UNROLL
	for (k = 0; k < 4; k++) {
		if (end + k >= in_len)
			break;
		c = in->b[XNAT_SIP_IDX(end + k)];
		if (c == ':')
			break;
		if (c != ' ' && c != '\t')
			break;
	}
	if (k == 4 || end + k >= in_len || in->b[XNAT_SIP_IDX(end + k)] != ':') {
		n->len = 0;
		return (int)in_len;
	}
	end += k + 1;
	XNAT_UNROLL
	for (k = 0; k < 24; k++) {
		if (end + k >= pos + 24 || end + k >= in_len)
			break;
		c = in->b[XNAT_SIP_IDX(end + k)];
		if (c != ' ' && c != '\t')
			return c == '\r' || c == '\n' ? (int)in_len : (int)(end + k);
	}
	return (int)in_len;
}

/* Position of the port in an m= line ("m=audio 49170 RTP/AVP 0"): after the
 * first blank, or XNAT_SIP_NO_PORT. */
XNAT_SIP_INLINE __u32 xnat_sip_m_port(const struct xnat_sip_buf *in, __u32 len, __u32 pos)
{
	__u32 i;

	XNAT_UNROLL
	for (i = 2; i < 24; i++) {
		__u32 p = pos + i;

		if (p >= len)
			return XNAT_SIP_NO_PORT;
		if (in->b[XNAT_SIP_IDX(p)] == ' ')
			return p + 1;
		if (in->b[XNAT_SIP_IDX(p)] == '\n')
			return XNAT_SIP_NO_PORT;
	}
	return XNAT_SIP_NO_PORT;
}

/* Classify the line that starts at pos. */
XNAT_SIP_GLOBAL int xnat_sip_classify(struct xnat_sip_walk *w, const struct xnat_sip_buf *in, __u32 pos)
{
	struct xnat_sip_name n = {};
	__u32 len;

	if (!w || !in)
		return 0;
	len = w->in_len;
	w->line_is_cl = 0;
	if (pos >= w->body_start) {
		w->line_rewrites = 1;
		if (xnat_sip_match_ci(in, len, pos, "m=", 2))
			w->port_at = xnat_sip_m_port(in, len, pos);
		else if (xnat_sip_match_ci(in, len, pos, "a=rtcp:", 7))
			w->port_at = pos + 7; /* "a=rtcp:53021 IN IP4 addr" (RFC 3605) */
		w->port_kind = XNAT_SIP_PORT_MEDIA;
		return 0;
	}
	if (pos > 0 && (in->b[XNAT_SIP_IDX(pos)] == ' ' || in->b[XNAT_SIP_IDX(pos)] == '\t'))
		return 0; /* a folded continuation line: part of the header above */
	if (pos == 0) { /* the request or status line */
		w->line_rewrites = 1;
		return 0;
	}
	xnat_sip_name_at(in, len, pos, &n);
	w->line_is_cl = XNAT_SIP_NAME_IS(&n, "content-length") || XNAT_SIP_NAME_IS(&n, "l");
	w->line_is_via = XNAT_SIP_NAME_IS(&n, "via") || XNAT_SIP_NAME_IS(&n, "v");
	/* The first Via line's first value is the top Via; a later line (or a
	 * comma, in xnat_sip_step()) ends it. */
	if (w->line_is_via || w->via != XNAT_SIP_VIA_NONE)
		w->via = w->via == XNAT_SIP_VIA_NONE ? XNAT_SIP_VIA_TOP : XNAT_SIP_VIA_OTHER;
	/* Call-ID is opaque: the dialog's name at both ends, never changed. */
	w->line_rewrites = !XNAT_SIP_NAME_IS(&n, "call-id") && !XNAT_SIP_NAME_IS(&n, "i");
	return 0;
}

XNAT_SIP_INLINE void xnat_sip_put(struct xnat_sip_walk *w, struct xnat_sip_buf *out, __u8 c)
{
	if (w->out_len >= XNAT_SIP_MAX) {
		w->error = 1;
		return;
	}
	out->b[XNAT_SIP_IDX(w->out_len)] = c;
	w->out_len++;
}

/* Is the address `from` at pos, as a whole token? */
XNAT_SIP_GLOBAL int xnat_sip_addr_at(const struct xnat_sip_walk *w, const struct xnat_sip_buf *in, __u32 pos,
				    const struct xnat_sip_subst *s)
{
	__u32 i, end;

	if (!w || !in || !s)
		return 0;
	end = pos + s->from_len;

	if (!s->from_len || s->from_len >= XNAT_SIP_ADDR_MAX || end > w->in_len)
		return 0;
	if (pos > 0 && xnat_sip_is_addr_char(in->b[XNAT_SIP_IDX(pos - 1)]))
		return 0;
	if (end < w->in_len && xnat_sip_is_addr_char(in->b[XNAT_SIP_IDX(end)]))
		return 0;
	XNAT_UNROLL
	for (i = 0; i < XNAT_SIP_ADDR_MAX - 1 && i < s->from_len; i++)
		if (in->b[XNAT_SIP_IDX(pos + i)] != (__u8)s->from[i])
			return 0;
	return 1;
}

/* Write the decimal value v. */
XNAT_SIP_INLINE void xnat_sip_put_uint(struct xnat_sip_walk *w, struct xnat_sip_buf *out, __u32 v)
{
	__u8 digits[10];
	int n = 0, i;

	XNAT_UNROLL
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
XNAT_SIP_INLINE __u32 xnat_sip_number(const struct xnat_sip_buf *in, __u32 end, __u32 pos, __u32 *n)
{
	__u32 v = 0, i;

	*n = 0;
	XNAT_UNROLL
	for (i = 0; i < 5; i++) {
		__u8 c;

		if (pos + i >= end)
			break;
		c = in->b[XNAT_SIP_IDX(pos + i)];
		if (c < '0' || c > '9')
			break;
		v = v * 10 + (c - '0');
		*n = i + 1;
	}
	return v;
}

/* What port v becomes. */
XNAT_SIP_INLINE __u32 xnat_sip_port_map(const struct xnat_sip_walk *w, const struct xnat_sip_subst *s,
				      __u32 v)
{
	__u32 i;

	if (w->port_kind == XNAT_SIP_PORT_SIG)
		return s->sig_from && v == s->sig_from ? s->sig_to : v;
	XNAT_UNROLL
	for (i = 0; i < XNAT_SIP_MAX_SUBST; i++)
		if (i < s->n_media && v == s->media_from[i])
			return s->media_to[i];
	return v;
}

/*
 * One step: consume at least one input byte at w->in_pos. Returns 1 while
 * the part has input left, 0 at its end (or on error).
 */
XNAT_SIP_INLINE int xnat_sip_step(struct xnat_sip_walk *w, const struct xnat_sip_buf *in, struct xnat_sip_buf *out,
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
	c = in->b[XNAT_SIP_IDX(pos)];
	if (w->line_is_cl && c >= '0' && c <= '9') {
		/* The old value's digits (all of them: xnat_sip_cl_value() took
		 * up to 8) are replaced by the rewritten body's length. */
		xnat_sip_put_uint(w, out, w->cl_value);
		XNAT_UNROLL
		for (n = 1; n < 9; n++)
			if (pos + n >= w->end || in->b[XNAT_SIP_IDX(pos + n)] < '0' || in->b[XNAT_SIP_IDX(pos + n)] > '9')
				break;
		w->line_is_cl = 0;
		w->in_pos = pos + n;
		return 1;
	}
	if (pos == w->port_at) {
		v = xnat_sip_number(in, w->end, pos, &n);
		w->port_at = XNAT_SIP_NO_PORT;
		/* a port is a number of its own: not the start of an address
		 * ("addr:192.168.1.10") nor of a longer number */
		if (n && (pos + n >= w->end || !xnat_sip_is_addr_char(in->b[XNAT_SIP_IDX(pos + n)]))) {
			to = xnat_sip_port_map(w, s, v);
			xnat_sip_put_uint(w, out, to);
			w->replaced += to != v;
			w->in_pos = pos + n;
			return 1;
		}
	}
	if (w->line_is_via && c == ',')
		w->via = XNAT_SIP_VIA_OTHER;
	if (w->line_is_via && w->via == XNAT_SIP_VIA_TOP && w->via_ours && (c == 'r' || c == 'R') &&
	    xnat_sip_match_ci(in, w->end, pos, "rport=", 6)) {
		/* the sender's own Via: its rport=PORT names the signalling port too */
		XNAT_UNROLL
		for (i = 0; i < 6; i++)
			xnat_sip_put(w, out, in->b[XNAT_SIP_IDX(pos + i)]);
		w->port_at = pos + 6;
		w->port_kind = XNAT_SIP_PORT_SIG;
		w->in_pos = pos + 6;
		return 1;
	}
	if (w->line_rewrites && xnat_sip_addr_at(w, in, pos, s)) {
		XNAT_UNROLL
		for (i = 0; i < XNAT_SIP_ADDR_MAX - 1 && i < s->to_len; i++)
			xnat_sip_put(w, out, (__u8)s->to[i]);
		w->in_pos = pos + s->from_len;
		w->replaced++;
		/* "addr:port": the port comes next */
		if (w->in_pos + 1 < w->end && in->b[XNAT_SIP_IDX(w->in_pos)] == ':') {
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
 * The pre-pass, one position per step like the rewrite. It finds where the
 * body starts, what the message is (method, status, the CSeq method of a
 * response, a hash of Call-ID, the registration's expiry) and the SDP media
 * streams (port, a=rtcp: port, rtcp-mux, and whether their connection
 * address is the one being translated), which the caller maps before the
 * rewrite.
 */
enum xnat_sip_method {
	XNAT_SIP_OTHER = 0,
	XNAT_SIP_INVITE,
	XNAT_SIP_ACK,
	XNAT_SIP_BYE,
	XNAT_SIP_CANCEL,
	XNAT_SIP_REGISTER,
};

/* media_flags of a stream */
#define XNAT_SIP_MEDIA_MUX    (1u << 0) /* a=rtcp-mux: RTCP shares the RTP port */
#define XNAT_SIP_MEDIA_C_SEEN (1u << 1) /* the stream has its own c= line */
#define XNAT_SIP_MEDIA_C_OURS (1u << 2) /* ... carrying the translated address */

#define XNAT_SIP_NO_EXPIRES 0xffffffffu
#define XNAT_SIP_NO_MEDIA 0xff

/* What the line being scanned is, for the checks made on every byte. */
enum { XNAT_SIP_LINE_OTHER = 0, XNAT_SIP_LINE_CALLID, XNAT_SIP_LINE_CONTACT };

struct xnat_sip_scan {
	__u32 pos;
	__u32 len;
	__u32 body_start; /* == len while no empty line was seen */
	__u32 n_media;
	__u16 media[XNAT_SIP_MAX_MEDIA];
	__u16 rtcp[XNAT_SIP_MAX_MEDIA];       /* a=rtcp: port, 0 when none */
	__u8 media_flags[XNAT_SIP_MAX_MEDIA]; /* XNAT_SIP_MEDIA_* */
	__u64 call_id;            /* FNV-1a of the Call-ID value (blanks skipped), 0 when none */
	__u32 expires;            /* Expires header, or XNAT_SIP_NO_EXPIRES */
	__u32 contact_expires;    /* ;expires= of the first Contact that is ours (any, without a
				   match address), or XNAT_SIP_NO_EXPIRES */
	__u32 cur_contact_expires; /* ... of the contact being scanned */
	__u32 content_length;     /* the Content-Length value, or XNAT_SIP_NO_EXPIRES (none) */
	__u32 dgram_len;          /* the bytes scanned: len, unless Content-Length ended the message earlier */
	__u8 cl_bad;              /* a Content-Length that is not a number, or two that differ */
	__u8 method_len;          /* the request line's first token so far (saturating) */
	__u8 method_done;         /* ... ended: by a blank (method_line_ok) or a byte no token has */
	__u8 cur_contact_ours;    /* the contact being scanned carries the match address */
	__u16 status;             /* status code of a response, 0 for a request */
	__u8 method;              /* enum xnat_sip_method: of a request, or a response's CSeq */
	__u8 in_body;
	__u8 line;                /* XNAT_SIP_LINE_* */
	__u8 callid_value;        /* past the ':' of the Call-ID line */
	__u8 cur_media;           /* index of the stream whose lines these are, or XNAT_SIP_NO_MEDIA */
	__u8 candidate;           /* a=candidate: an ICE-aware phone, left alone */
	__u8 session_c_seen;      /* a session-level c= line ... */
	__u8 session_c_ours;      /* ... carrying the translated address */
	__u8 sip;                 /* the first line is a SIP request or status line */
	__u8 stream;              /* a byte stream (TCP): Content-Length ends the message */
	__u8 first_line_done;
	__u8 method_line_ok;      /* the request line starts with a token and a blank */
	__u8 match_len;           /* the translated address (0: every stream counts as ours) */
	char match[XNAT_SIP_ADDR_MAX];
};

XNAT_SIP_INLINE void xnat_sip_scan_init(struct xnat_sip_scan *sc, __u32 len)
{
	__builtin_memset(sc, 0, sizeof(*sc));
	sc->len = len;
	sc->dgram_len = len;
	sc->body_start = len;
	sc->expires = XNAT_SIP_NO_EXPIRES;
	sc->contact_expires = XNAT_SIP_NO_EXPIRES;
	sc->cur_contact_expires = XNAT_SIP_NO_EXPIRES;
	sc->content_length = XNAT_SIP_NO_EXPIRES;
	sc->cur_media = XNAT_SIP_NO_MEDIA;
}

/* A message on a byte stream (SIP over TCP, RFC 3261 18.3): it ends where
 * its Content-Length says, and len bytes may hold more than one. After the
 * scan, sc->len is the first message's length when it is whole. */
XNAT_SIP_INLINE void xnat_sip_scan_stream(struct xnat_sip_scan *sc)
{
	sc->stream = 1;
}

/*
 * May the scanned message be rewritten? It is SIP, and its Content-Length
 * (if any) is a number that the bytes hold. A receiver must reject a
 * message whose Content-Length says more than it got (RFC 3261 18.3): it
 * goes on as it came, never "repaired" nor half-rewritten.
 */
XNAT_SIP_INLINE int xnat_sip_scan_rewritable(const struct xnat_sip_scan *sc)
{
	if (!sc->sip || sc->cl_bad)
		return 0;
	return sc->content_length == XNAT_SIP_NO_EXPIRES ||
	       (sc->in_body && sc->body_start <= sc->len && sc->len - sc->body_start == sc->content_length);
}

/* Is the scanned message whole, framed by its Content-Length? */
XNAT_SIP_INLINE int xnat_sip_scan_framed(const struct xnat_sip_scan *sc)
{
	return sc->sip && sc->in_body && sc->content_length != XNAT_SIP_NO_EXPIRES &&
	       sc->body_start <= sc->len && sc->len - sc->body_start == sc->content_length;
}

/* The media streams that count are those whose address is s->from. */
XNAT_SIP_INLINE void xnat_sip_scan_match(struct xnat_sip_scan *sc, const struct xnat_sip_subst *s)
{
	__u32 i;

	if (s->from_len >= XNAT_SIP_ADDR_MAX)
		return;
	XNAT_UNROLL
	for (i = 0; i < XNAT_SIP_ADDR_MAX; i++)
		sc->match[i] = s->from[i];
	sc->match_len = (__u8)s->from_len;
}

XNAT_SIP_INLINE __u8 xnat_sip_at(const struct xnat_sip_buf *in, __u32 len, __u32 pos)
{
	return pos < len ? in->b[XNAT_SIP_IDX(pos)] : 0;
}

/* The decimal number at pos, at most 9 digits: for Expires values. */
XNAT_SIP_INLINE __u32 xnat_sip_long_number(const struct xnat_sip_buf *in, __u32 len, __u32 pos)
{
	__u32 v = 0, i;

	XNAT_UNROLL
	for (i = 0; i < 9; i++) {
		__u8 c = xnat_sip_at(in, len, pos + i);

		if (c < '0' || c > '9')
			return i ? v : XNAT_SIP_NO_EXPIRES;
		v = v * 10 + (c - '0');
	}
	return v;
}

/* The method named by the token at pos (a request line's first, CSeq's second). */
XNAT_SIP_INLINE __u8 xnat_sip_method_at(const struct xnat_sip_buf *in, __u32 len, __u32 pos)
{
	struct xnat_sip_name n = {};

	xnat_sip_token_at(in, len, pos, &n);
	if (XNAT_SIP_NAME_IS(&n, "invite"))
		return XNAT_SIP_INVITE;
	if (XNAT_SIP_NAME_IS(&n, "ack"))
		return XNAT_SIP_ACK;
	if (XNAT_SIP_NAME_IS(&n, "bye"))
		return XNAT_SIP_BYE;
	if (XNAT_SIP_NAME_IS(&n, "cancel"))
		return XNAT_SIP_CANCEL;
	if (XNAT_SIP_NAME_IS(&n, "register"))
		return XNAT_SIP_REGISTER;
	return XNAT_SIP_OTHER;
}

/* The method of "CSeq: 314159 INVITE", the value starting at pos. */
XNAT_SIP_INLINE __u8 xnat_sip_cseq_method(const struct xnat_sip_buf *in, __u32 len, __u32 pos)
{
	__u32 i;

	XNAT_UNROLL
	for (i = 0; i < 16; i++) {
		__u8 c = xnat_sip_at(in, len, pos + i);

		if ((c < '0' || c > '9') && c != ' ' && c != '\t')
			break;
	}
	return i < 16 ? xnat_sip_method_at(in, len, pos + i) : XNAT_SIP_OTHER;
}

/* Does the c= line at pos ("c=IN IP4 ADDR") carry the translated address? */
XNAT_SIP_INLINE int xnat_sip_c_is_ours(const struct xnat_sip_scan *sc, const struct xnat_sip_buf *in, __u32 pos)
{
	__u32 a = pos + 9, i;

	if (!sc->match_len || !xnat_sip_match_ci(in, sc->len, pos + 2, "in ip4 ", 7))
		return 0;
	/* c=0.0.0.0, a hold (RFC 2543 style): the address stays, the streams
	 * are still the phone's and keep their mappings for the resume. */
	if (xnat_sip_match_ci(in, sc->len, a, "0.0.0.0", 7) && !xnat_sip_is_addr_char(xnat_sip_at(in, sc->len, a + 7)))
		return 1;
	XNAT_UNROLL
	for (i = 0; i < XNAT_SIP_ADDR_MAX - 1 && i < sc->match_len; i++)
		if (xnat_sip_at(in, sc->len, a + i) != (__u8)sc->match[i])
			return 0;
	return !xnat_sip_is_addr_char(xnat_sip_at(in, sc->len, a + sc->match_len));
}

/*
 * A contact ends (a comma, the end of its header line): its expires= counts if
 * it is the phone's. A registrar's 2xx lists every binding of the AOR, each
 * with its own expires=; ours is the one with our address.
 */
XNAT_SIP_INLINE void xnat_sip_contact_end(struct xnat_sip_scan *sc)
{
	if (sc->contact_expires == XNAT_SIP_NO_EXPIRES && sc->cur_contact_expires != XNAT_SIP_NO_EXPIRES &&
	    (!sc->match_len || sc->cur_contact_ours))
		sc->contact_expires = sc->cur_contact_expires;
	sc->cur_contact_expires = XNAT_SIP_NO_EXPIRES;
	sc->cur_contact_ours = 0;
}

/* A byte of RFC 3261's token (a method): alphanum and -.!%*_+`'~ */
XNAT_SIP_INLINE int xnat_sip_token_char(__u8 c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '.' || c == '!' || c == '%' || c == '*' || c == '_' || c == '+' || c == '`' ||
	       c == '\'' || c == '~';
}

/* A Content-Length value at pos: digits, then only blanks to the end of the
 * line, not folded onto the next; XNAT_SIP_NO_EXPIRES when it is anything
 * else ("-999", "12a", none). */
XNAT_SIP_INLINE __u32 xnat_sip_cl_value(const struct xnat_sip_buf *in, __u32 len, __u32 pos)
{
	__u32 v = 0, i, j;
	__u8 c = 0;

	XNAT_UNROLL
	for (i = 0; i < 9; i++) {
		c = xnat_sip_at(in, len, pos + i);
		if (c < '0' || c > '9')
			break;
		v = v * 10 + (c - '0');
	}
	if (!i || i == 9)
		return XNAT_SIP_NO_EXPIRES;
	XNAT_UNROLL
	for (j = 0; j < 3; j++) {
		c = xnat_sip_at(in, len, pos + i + j);
		if (c != ' ' && c != '\t')
			break;
	}
	if (c == '\r' && xnat_sip_at(in, len, pos + i + j + 1) == '\n')
		j++;
	else if (c != '\n')
		return XNAT_SIP_NO_EXPIRES;
	/* the value must not go on on a folded line ("0\r\n 96") */
	c = xnat_sip_at(in, len, pos + i + j + 1);
	return c == ' ' || c == '\t' ? XNAT_SIP_NO_EXPIRES : v;
}

/* A header line starting at pos: what the message says about itself. */
XNAT_SIP_GLOBAL int xnat_sip_scan_header(struct xnat_sip_scan *sc, const struct xnat_sip_buf *in, __u32 pos)
{
	struct xnat_sip_name n = {};
	__u32 len, v, value;

	if (!sc || !in)
		return 0;
	len = sc->len;

	if (pos == 0) { /* request line or status line */
		if (xnat_sip_match_ci(in, len, 0, "sip/2.0 ", 8)) {
			v = xnat_sip_long_number(in, len, 8);
			sc->status = v >= 100 && v <= 699 ? (__u16)v : 0;
		} else {
			sc->method = xnat_sip_method_at(in, len, 0);
		}
		return 0;
	}
	value = (__u32)xnat_sip_name_at(in, len, pos, &n);
	if (!n.len) {
		/* A name too far from its ':' (more blanks than xnat_sip_name_at()
		 * takes) or without one: if it is Content-Length, the message's
		 * length can't be told, and it goes on unchanged. */
		xnat_sip_token_at(in, len, pos, &n);
		if (XNAT_SIP_NAME_IS(&n, "content-length") || XNAT_SIP_NAME_IS(&n, "l"))
			sc->cl_bad = 1;
		return 0;
	}
	if (XNAT_SIP_NAME_IS(&n, "call-id") || XNAT_SIP_NAME_IS(&n, "i")) {
		sc->line = XNAT_SIP_LINE_CALLID;
		sc->call_id = 0xcbf29ce484222325ull; /* FNV-1a offset basis */
		sc->callid_value = 0;
	} else if (XNAT_SIP_NAME_IS(&n, "contact") || XNAT_SIP_NAME_IS(&n, "m")) {
		sc->line = XNAT_SIP_LINE_CONTACT;
	} else if (XNAT_SIP_NAME_IS(&n, "cseq")) {
		if (sc->status)
			sc->method = xnat_sip_cseq_method(in, len, value);
	} else if (XNAT_SIP_NAME_IS(&n, "expires")) {
		v = xnat_sip_long_number(in, len, value);
		sc->expires = v;
	} else if (XNAT_SIP_NAME_IS(&n, "content-length") || XNAT_SIP_NAME_IS(&n, "l")) {
		v = xnat_sip_cl_value(in, len, value);
		if (v == XNAT_SIP_NO_EXPIRES ||
		    (sc->content_length != XNAT_SIP_NO_EXPIRES && sc->content_length != v))
			sc->cl_bad = 1;
		sc->content_length = v;
	}
	return 0;
}

/* A ',', ';', ':' or '@' at pos of a Contact line: a contact ends, a
 * parameter starts, or a URI's host (maybe ours) follows. */
XNAT_SIP_GLOBAL int xnat_sip_scan_contact(struct xnat_sip_scan *sc, const struct xnat_sip_buf *in, __u32 pos)
{
	__u32 len, i;
	__u8 c;

	if (!sc || !in)
		return 0;
	len = sc->len;
	c = xnat_sip_at(in, len, pos);
	if (c == ',') {
		xnat_sip_contact_end(sc);
	} else if (c == ';') {
		if (sc->cur_contact_expires == XNAT_SIP_NO_EXPIRES && xnat_sip_match_ci(in, len, pos + 1, "expires=", 8))
			sc->cur_contact_expires = xnat_sip_long_number(in, len, pos + 9);
	} else if (sc->match_len && sc->match_len < XNAT_SIP_ADDR_MAX) {
		XNAT_UNROLL
		for (i = 0; i < XNAT_SIP_ADDR_MAX - 1 && i < sc->match_len; i++)
			if (xnat_sip_at(in, len, pos + 1 + i) != (__u8)sc->match[i])
				return 0;
		if (!xnat_sip_is_addr_char(xnat_sip_at(in, len, pos + 1 + sc->match_len)))
			sc->cur_contact_ours = 1;
	}
	return 0;
}

/* A body (SDP) line starting at pos. */
XNAT_SIP_GLOBAL int xnat_sip_scan_sdp(struct xnat_sip_scan *sc, const struct xnat_sip_buf *in, __u32 pos)
{
	__u32 len, port, n, v, m;
	int ours;

	if (!sc || !in)
		return 0;
	len = sc->len;
	m = sc->cur_media;

	if (xnat_sip_match_ci(in, len, pos, "m=", 2)) {
		sc->cur_media = XNAT_SIP_NO_MEDIA - 1; /* lines of a stream beyond the table */
		if (sc->n_media >= XNAT_SIP_MAX_MEDIA)
			return 0;
		port = xnat_sip_m_port(in, len, pos);
		if (port == XNAT_SIP_NO_PORT)
			return 0;
		v = xnat_sip_number(in, len, port, &n);
		if (!n)
			return 0;
		m = XNAT_SIP_MIDX(sc->n_media++);
		sc->media[XNAT_SIP_MIDX(m)] = (__u16)v;
		sc->cur_media = (__u8)m;
		return 0;
	}
	if (xnat_sip_match_ci(in, len, pos, "c=", 2)) {
		ours = xnat_sip_c_is_ours(sc, in, pos);
		if (m == XNAT_SIP_NO_MEDIA) {
			sc->session_c_seen = 1;
			sc->session_c_ours = (__u8)ours;
		} else if (m < XNAT_SIP_MAX_MEDIA) {
			sc->media_flags[XNAT_SIP_MIDX(m)] |= XNAT_SIP_MEDIA_C_SEEN | (ours ? XNAT_SIP_MEDIA_C_OURS : 0);
		}
		return 0;
	}
	if (xnat_sip_match_ci(in, len, pos, "a=candidate", 11)) {
		sc->candidate = 1;
		return 0;
	}
	if (m >= XNAT_SIP_MAX_MEDIA)
		return 0;
	if (xnat_sip_match_ci(in, len, pos, "a=rtcp-mux", 10)) {
		sc->media_flags[XNAT_SIP_MIDX(m)] |= XNAT_SIP_MEDIA_MUX;
	} else if (xnat_sip_match_ci(in, len, pos, "a=rtcp:", 7)) {
		v = xnat_sip_number(in, len, pos + 7, &n);
		if (n)
			sc->rtcp[XNAT_SIP_MIDX(m)] = (__u16)v;
	}
	return 0;
}

/* Is media stream i sent to the translated address (and so to be mapped)? */
XNAT_SIP_INLINE int xnat_sip_media_ours(const struct xnat_sip_scan *sc, __u32 i)
{
	__u8 f;

	if (i >= XNAT_SIP_MAX_MEDIA || i >= sc->n_media || !sc->media[XNAT_SIP_MIDX(i)])
		return 0; /* port 0: a disabled stream */
	if (!sc->match_len)
		return 1;
	f = sc->media_flags[XNAT_SIP_MIDX(i)];
	if (f & XNAT_SIP_MEDIA_C_SEEN)
		return !!(f & XNAT_SIP_MEDIA_C_OURS);
	return sc->session_c_ours;
}

/* The registration's lifetime: the Contact's expires=, the Expires header, or RFC 3261's default. */
XNAT_SIP_INLINE __u32 xnat_sip_reg_expires(const struct xnat_sip_scan *sc)
{
	if (sc->contact_expires != XNAT_SIP_NO_EXPIRES)
		return sc->contact_expires;
	if (sc->expires != XNAT_SIP_NO_EXPIRES)
		return sc->expires;
	return 3600;
}

/* One position of the pre-pass. Returns 1 while there is input left. */
XNAT_SIP_INLINE int xnat_sip_scan_step(struct xnat_sip_scan *sc, const struct xnat_sip_buf *in)
{
	__u32 pos = sc->pos, len = sc->len;
	__u8 c, prev;

	if (pos >= len || pos >= XNAT_SIP_MAX)
		return 0;
	c = in->b[XNAT_SIP_IDX(pos)];
	prev = pos ? xnat_sip_at(in, len, pos - 1) : '\n';
	sc->pos = pos + 1;
	if (sc->in_body) {
		if (prev == '\n')
			xnat_sip_scan_sdp(sc, in, pos);
		return 1;
	}
	if (prev == '\n') {
		__u8 n1 = xnat_sip_at(in, len, pos + 1);

		if (sc->line == XNAT_SIP_LINE_CONTACT && c != ' ' && c != '\t')
			xnat_sip_contact_end(sc); /* the Contact line ended */
		if (c == '\n' || (c == '\r' && n1 == '\n')) {
			sc->in_body = 1;
			sc->body_start = pos + (c == '\n' ? 1 : 2);
			sc->pos = sc->body_start;
			/* The body is what Content-Length declares: on a stream the
			 * next message may follow it, in a datagram stray bytes. */
			if (sc->content_length < len - sc->body_start)
				sc->len = sc->body_start + sc->content_length;
			return 1;
		}
		if (c != ' ' && c != '\t') { /* not a folded continuation */
			sc->line = XNAT_SIP_LINE_OTHER;
			xnat_sip_scan_header(sc, in, pos);
		}
	}
	if (!sc->method_done && !sc->status) {
		/* the request line's method: a token (RFC 3261 25.1), then a blank */
		if (c == ' ') {
			sc->method_done = 1;
			sc->method_line_ok = sc->method_len > 0;
		} else if (xnat_sip_token_char(c)) {
			sc->method_len += sc->method_len < 255;
		} else {
			sc->method_done = 1;
		}
	}
	if (c == '\n' && !sc->first_line_done) {
		/* "METHOD uri SIP/2.0" or "SIP/2.0 200 OK" */
		__u32 e = pos >= 1 && xnat_sip_at(in, len, pos - 1) == '\r' ? pos - 1 : pos;

		sc->first_line_done = 1;
		sc->sip = sc->status >= 100 ||
			  (e >= 9 && sc->method_line_ok && xnat_sip_match_ci(in, len, e - 8, " sip/2.0", 8));
	}
	if (sc->line == XNAT_SIP_LINE_CALLID) {
		if (!sc->callid_value)
			sc->callid_value = c == ':';
		else if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			sc->call_id = (sc->call_id ^ c) * 0x100000001b3ull;
	} else if (sc->line == XNAT_SIP_LINE_CONTACT && (c == ',' || c == ';' || c == ':' || c == '@')) {
		xnat_sip_scan_contact(sc, in, pos);
	}
	return 1;
}

/* Set up the rewrite of one part: the body [body_start, len) first, then the
 * headers [0, body_start) with the rewritten body's length as Content-Length. */
XNAT_SIP_INLINE void xnat_sip_begin_part(struct xnat_sip_walk *w, const struct xnat_sip_scan *sc,
				       const struct xnat_sip_subst *s, int body, __u32 body_out_len)
{
	__builtin_memset(w, 0, sizeof(*w));
	w->via_ours = s->inbound ? sc->status != 0 : sc->status == 0;
	w->in_len = sc->len;
	w->body_start = sc->body_start;
	w->in_pos = body ? sc->body_start : 0;
	w->end = body ? sc->len : sc->body_start;
	w->cl_value = body_out_len;
	w->port_at = XNAT_SIP_NO_PORT;
	w->line_start = 1;
}

#endif
