// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <string.h>
#include "sip_digest.h"
#include "strbuf.h"

static const char *method_name(__u8 m)
{
	switch (m) {
	case XNAT_SIP_INVITE: return "INVITE";
	case XNAT_SIP_ACK: return "ACK";
	case XNAT_SIP_BYE: return "BYE";
	case XNAT_SIP_CANCEL: return "CANCEL";
	case XNAT_SIP_REGISTER: return "REGISTER";
	default: return "OPTIONS"; /* any method the ALG has no state for */
	}
}

static int blank(__u8 c)
{
	return c == ' ' || c == '\t';
}

/* Does the header line at msg[pos, end) name Call-ID (or its compact i)?
 * Returns where its value starts, or 0. */
static __u32 callid_value(const __u8 *msg, __u32 pos, __u32 end)
{
	static const char name[] = "call-id";
	__u32 n = 0, i;

	while (pos + n < end && msg[pos + n] != ':' && !blank(msg[pos + n]))
		n++;
	if (n == 1 ? (msg[pos] | 0x20) != 'i' : n != sizeof(name) - 1)
		return 0;
	for (i = 0; n > 1 && i < n; i++)
		if ((msg[pos + i] | 0x20) != (__u8)name[i])
			return 0;
	for (i = pos + n; i < end && blank(msg[i]); i++)
		;
	return i < end && msg[i] == ':' ? i + 1 : 0;
}

/* The last Call-ID line's value, as it is (the scanner's Call-ID is the
 * last one too); *n 0 when there is none. */
static const __u8 *find_callid(const __u8 *msg, __u32 head_end, __u32 *n)
{
	const __u8 *v = NULL;
	__u32 pos = 0, end, at;

	*n = 0;
	while (pos < head_end) {
		for (end = pos; end < head_end && msg[end] != '\n'; end++)
			;
		if (pos && !blank(msg[pos]) && (at = callid_value(msg, pos, end))) {
			v = msg + at;
			*n = end - at - (end > at && msg[end - 1] == '\r');
		}
		pos = end + 1;
	}
	return v;
}

static void put_c(struct xnat_strbuf *o, int ours, const char *match)
{
	/* Not ours: an address family the ALG never takes for the phone's. */
	if (ours)
		xnat_strbuf_printf(o, "c=IN IP4 %s\r\n", match);
	else
		xnat_strbuf_printf(o, "c=IN IP6 ::\r\n");
}

int xnat_sip_digest(const __u8 *msg, __u32 len, const struct xnat_sip_scan *sc, const char *match,
		    char *out, __u32 cap)
{
	char body[1024];
	struct xnat_strbuf o = { .b = out, .cap = cap }, b = { .b = body, .cap = sizeof(body) };
	const __u8 *callid;
	__u32 callid_len, i;

	if (!cap)
		return -1;
	if (sc->session_c_seen)
		put_c(&b, sc->session_c_ours, match);
	for (i = 0; i < sc->n_media && i < XNAT_SIP_MAX_MEDIA; i++) {
		__u8 f = sc->media_flags[i];

		xnat_strbuf_printf(&b, "m=audio %u RTP/AVP 0\r\n", sc->media[i]);
		if (f & XNAT_SIP_MEDIA_C_SEEN)
			put_c(&b, !!(f & XNAT_SIP_MEDIA_C_OURS), match);
		if (sc->rtcp[i])
			xnat_strbuf_printf(&b, "a=rtcp:%u\r\n", sc->rtcp[i]);
		if (f & XNAT_SIP_MEDIA_MUX)
			xnat_strbuf_printf(&b, "a=rtcp-mux\r\n");
	}
	if (sc->candidate)
		xnat_strbuf_printf(&b, "a=candidate:1 1 UDP 1 %s 9 typ host\r\n", match);
	if (b.full)
		return -1;

	if (sc->status)
		xnat_strbuf_printf(&o, "SIP/2.0 %u Digest\r\n", sc->status);
	else
		xnat_strbuf_printf(&o, "%s sip:digest@%s SIP/2.0\r\n", method_name(sc->method), match);
	callid = find_callid(msg, sc->body_start < len ? sc->body_start : len, &callid_len);
	if (callid)
		xnat_strbuf_printf(&o, "Call-ID:%.*s\r\n", (int)callid_len, (const char *)callid);
	xnat_strbuf_printf(&o, "CSeq: 1 %s\r\n", method_name(sc->method));
	if (sc->expires != XNAT_SIP_NO_EXPIRES)
		xnat_strbuf_printf(&o, "Expires: %u\r\n", sc->expires);
	/* Always a Contact with the address: a digest the ALG rewrote shows it ran. */
	xnat_strbuf_printf(&o, "Contact: <sip:digest@%s>", match);
	if (sc->contact_expires != XNAT_SIP_NO_EXPIRES)
		xnat_strbuf_printf(&o, ";expires=%u", sc->contact_expires);
	xnat_strbuf_printf(&o, "\r\n");
	if (b.len)
		xnat_strbuf_printf(&o, "Content-Type: application/sdp\r\n");
	xnat_strbuf_printf(&o, "Content-Length: %zu\r\n\r\n%.*s", b.len, (int)b.len, body);
	return o.full ? -1 : (int)o.len;
}

int xnat_sip_digest_same(const struct xnat_sip_scan *a, const struct xnat_sip_scan *b)
{
	__u32 i;

	if (a->sip != b->sip || a->status != b->status || a->method != b->method || a->call_id != b->call_id ||
	    a->expires != b->expires || a->contact_expires != b->contact_expires || a->n_media != b->n_media ||
	    a->session_c_seen != b->session_c_seen || a->session_c_ours != b->session_c_ours ||
	    a->candidate != b->candidate || xnat_sip_scan_rewritable(a) != xnat_sip_scan_rewritable(b))
		return 0;
	for (i = 0; i < a->n_media && i < XNAT_SIP_MAX_MEDIA; i++)
		if (a->media[i] != b->media[i] || a->rtcp[i] != b->rtcp[i] || a->media_flags[i] != b->media_flags[i] ||
		    xnat_sip_media_ours(a, i) != xnat_sip_media_ours(b, i))
			return 0;
	return 1;
}

static void add(struct xnat_sip_subst *s, __u16 from, __u16 to)
{
	if (from && to && s->n_media < XNAT_SIP_MAX_SUBST) {
		s->media_from[s->n_media] = from;
		s->media_to[s->n_media] = to;
		s->n_media++;
	}
}

int xnat_sip_digest_media(const struct xnat_sip_scan *sent, const struct xnat_sip_scan *back,
			  struct xnat_sip_subst *s)
{
	__u32 i;

	if (sent->n_media != back->n_media)
		return -1;
	for (i = 0; i < sent->n_media && i < XNAT_SIP_MAX_MEDIA; i++) {
		if (!xnat_sip_media_ours(sent, i))
			continue;
		add(s, sent->media[i], back->media[i]);
		add(s, sent->rtcp[i], back->rtcp[i]);
	}
	return 0;
}
