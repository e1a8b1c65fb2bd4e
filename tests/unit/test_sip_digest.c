// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The digest of a SIP message too big for the fast path (agent/lib/sip_digest.h):
 * scanned as the ALG scans, it says what the message says on everything the
 * ALG acts on, for each kind of message the ALG keeps state for; what it
 * can't say is refused, never half-told. And the rewriter's second build
 * (sip_big.h) rewrites a message longer than the first one's buffer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "sip.h"
#include "sip_big.h"
#include "sip_digest.h"

#define PHONE "192.168.1.10"

static __u8 msg_buf[XNAT_SIP_BIG_MAX], big_out[XNAT_SIP_BIG_MAX];
static __u8 digest[XNAT_SIP_MAX];

static struct xnat_sip_subst match(const char *from)
{
	struct xnat_sip_subst s = { .from_len = (__u32)strlen(from) };

	memcpy(s.from, from, s.from_len);
	return s;
}

/* Scan msg (as the ALG: ours is PHONE), digest it, scan the digest. Returns
 * the digest's length, or -1. */
static int digest_of(const char *msg, struct xnat_sip_scan *sc, struct xnat_sip_scan *dsc)
{
	struct xnat_sip_subst s = match(PHONE);
	__u32 len = (__u32)strlen(msg);
	int n;

	memset(msg_buf, 0, sizeof(msg_buf));
	memcpy(msg_buf, msg, len);
	xnat_sip_big_scan_matching(msg_buf, len, &s, sc);
	memset(digest, 0, sizeof(digest));
	n = xnat_sip_digest(msg_buf, len, sc, PHONE, (char *)digest, sizeof(digest) - 1);
	if (n >= 0)
		xnat_sip_scan_matching(digest, (__u32)n, &s, dsc);
	return n;
}

/* head (its lines, each ending in CRLF), Content-Length, body. */
static const char *mk(const char *head, const char *body)
{
	static char m[4096];

	snprintf(m, sizeof(m), "%sContent-Length: %zu\r\n\r\n%s", head, strlen(body), body);
	return m;
}

static void assert_said(const char *msg)
{
	struct xnat_sip_scan sc, dsc;

	assert_true(digest_of(msg, &sc, &dsc) > 0);
	assert_true(sc.sip);
	assert_true(xnat_sip_digest_same(&sc, &dsc));
}

static void test_invite_streams(void **state)
{
	struct xnat_sip_scan sc, dsc;

	(void)state;
	/* Session c= ours; audio with a=rtcp:, video rtcp-mux, a third stream
	 * with its own c= that is someone else's, a fourth disabled (port 0). */
	assert_said(mk("INVITE sip:bob@198.51.100.2 SIP/2.0\r\n"
		       "Via: SIP/2.0/UDP " PHONE ":5060;branch=z9hG4bK1;rport\r\n"
		       "Call-ID:  a84b4c76e66710@" PHONE " \r\n"
		       "CSeq: 1 INVITE\r\n"
		       "Content-Type: application/sdp\r\n",
		       "v=0\r\nc=IN IP4 " PHONE "\r\nt=0 0\r\n"
		       "m=audio 49170 RTP/AVP 0\r\na=rtcp:49181\r\n"
		       "m=video 49172 RTP/AVP 96\r\na=rtcp-mux\r\n"
		       "m=audio 49174 RTP/AVP 0\r\nc=IN IP4 203.0.113.9\r\n"
		       "m=audio 0 RTP/AVP 0\r\n"));
	digest_of("INVITE sip:bob@198.51.100.2 SIP/2.0\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n", &sc, &dsc);
	assert_true(xnat_sip_digest_same(&sc, &dsc));
	/* The twin: scans that differ are told apart. */
	digest_of("INVITE sip:bob@198.51.100.2 SIP/2.0\r\nCall-ID: y\r\nContent-Length: 0\r\n\r\n", &dsc, &sc);
	digest_of("INVITE sip:bob@198.51.100.2 SIP/2.0\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n", &sc, &sc);
	assert_false(xnat_sip_digest_same(&sc, &dsc));
}

static void test_hold_and_media_level_c(void **state)
{
	(void)state;
	assert_said(mk("SIP/2.0 200 OK\r\n"
		       "i: hold-1\r\n"
		       "CSeq: 2 INVITE\r\n",
		       "v=0\r\nm=audio 49170 RTP/AVP 0\r\nc=IN IP4 0.0.0.0\r\na=sendonly\r\n"
		       "m=audio 5 X 0\r\n"));
}

static void test_register_expiries(void **state)
{
	struct xnat_sip_scan sc, dsc;

	(void)state;
	assert_said("REGISTER sip:registrar.example.com SIP/2.0\r\n"
		    "Call-ID: reg-1\r\nCSeq: 1 REGISTER\r\nExpires: 3600\r\n"
		    "Contact: <sip:alice@" PHONE ":5060>;expires=600\r\nContent-Length: 0\r\n\r\n");
	/* A registrar's 2xx: the phone's binding is the second contact. */
	assert_said("SIP/2.0 200 OK\r\nCall-ID: reg-1\r\nCSeq: 1 REGISTER\r\n"
		    "Contact: <sip:alice@203.0.113.7>;expires=90, <sip:alice@" PHONE ":5060>;expires=120\r\n"
		    "Content-Length: 0\r\n\r\n");
	digest_of("SIP/2.0 200 OK\r\nCall-ID: reg-1\r\nCSeq: 1 REGISTER\r\n"
		  "Contact: <sip:alice@" PHONE ":5060>;expires=0\r\nContent-Length: 0\r\n\r\n", &sc, &dsc);
	assert_int_equal(xnat_sip_reg_expires(&dsc), 0); /* an unregistration stays one */
	assert_true(xnat_sip_digest_same(&sc, &dsc));
}

static void test_methods_and_ice(void **state)
{
	(void)state;
	assert_said("BYE sip:bob@198.51.100.2 SIP/2.0\r\nCall-ID: c\r\nCSeq: 3 BYE\r\nContent-Length: 0\r\n\r\n");
	assert_said("CANCEL sip:bob@198.51.100.2 SIP/2.0\r\nCall-ID: c\r\nContent-Length: 0\r\n\r\n");
	assert_said("RE%47IST%45R sip:x SIP/2.0\r\nCall-ID: c\r\nContent-Length: 0\r\n\r\n");
	assert_said("SIP/2.0 486 Busy Here\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
	assert_said(mk("INVITE sip:b SIP/2.0\r\nCall-ID: c\r\n",
		       "m=audio 4000 RTP/AVP 0\r\na=candidate:1 1 UDP 1 x\r\n"));
}

/* What the digest can't say: refused. */
static void test_refused(void **state)
{
	static char msg[4096];
	struct xnat_sip_scan sc, dsc;
	int n;

	(void)state;
	n = snprintf(msg, sizeof(msg), "INVITE sip:b SIP/2.0\r\nCall-ID: ");
	memset(msg + n, 'c', 2100);
	snprintf(msg + n + 2100, sizeof(msg) - (size_t)n - 2100, "\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(digest_of(msg, &sc, &dsc), -1); /* a Call-ID longer than a digest */
	/* A folded Call-ID: the scanner hashes its first line only; if the
	 * digest says something else, the scans differ and it is not used. */
	digest_of("INVITE sip:b SIP/2.0\r\nCall-ID: abc\r\n def\r\nContent-Length: 0\r\n\r\n", &sc, &dsc);
	assert_true(sc.call_id != 0);
	assert_true(xnat_sip_digest_same(&sc, &dsc) == (sc.call_id == dsc.call_id));
}

/* The media ports the ALG chose, read back from its rewrite of the digest. */
static void test_media_back(void **state)
{
	struct xnat_sip_subst s = match(PHONE);
	struct xnat_sip_scan sent, back;
	static char d_sent[4096], d_back[4096];

	(void)state;
	snprintf(d_sent, sizeof(d_sent), "%s", mk("INVITE sip:b SIP/2.0\r\n",
		 "c=IN IP4 " PHONE "\r\nm=audio 4000 RTP/AVP 0\r\na=rtcp:4001\r\n"
		 "m=audio 4002 RTP/AVP 0\r\nc=IN IP6 ::\r\n"));
	snprintf(d_back, sizeof(d_back), "%s", mk("INVITE sip:b SIP/2.0\r\n",
		 "c=IN IP4 203.0.113.1\r\nm=audio 6000 RTP/AVP 0\r\na=rtcp:6001\r\n"
		 "m=audio 4002 RTP/AVP 0\r\nc=IN IP6 ::\r\n"));
	xnat_sip_scan_matching((const __u8 *)d_sent, (__u32)strlen(d_sent), &s, &sent);
	xnat_sip_scan((const __u8 *)d_back, (__u32)strlen(d_back), &back);
	assert_int_equal(xnat_sip_digest_media(&sent, &back, &s), 0);
	assert_int_equal(s.n_media, 2); /* the stream that is not ours is not in it */
	assert_int_equal(s.media_from[0], 4000);
	assert_int_equal(s.media_to[0], 6000);
	assert_int_equal(s.media_from[1], 4001);
	assert_int_equal(s.media_to[1], 6001);
	back.n_media = 1;
	s.n_media = 0;
	assert_int_equal(xnat_sip_digest_media(&sent, &back, &s), -1);
	assert_int_equal(s.n_media, 0);
}

/* The second build rewrites a 9 KB message whole: no private address
 * outside Call-ID, Content-Length the body's. */
static void test_big_rewrite(void **state)
{
	static char msg[12000];
	struct xnat_sip_subst s = match(PHONE);
	struct xnat_sip_scan sc;
	char body[11000], cl[40];
	const char *b, *p;
	int n = 0, len;
	__u32 replaced;

	(void)state;
	n += snprintf(body + n, sizeof(body) - (size_t)n, "v=0\r\nc=IN IP4 " PHONE "\r\nm=audio 4000 RTP/AVP 0\r\n");
	for (int i = 0; i < 160; i++)
		n += snprintf(body + n, sizeof(body) - (size_t)n, "a=x-line-%03d:" PHONE " padding padding padding\r\n",
			      i);
	len = snprintf(msg, sizeof(msg),
		       "INVITE sip:b SIP/2.0\r\nVia: SIP/2.0/UDP " PHONE ":5060\r\nCall-ID: 1@" PHONE
		       "\r\nContent-Length: %d\r\n\r\n%s", n, body);
	s.to_len = 13;
	memcpy(s.to, "203.0.113.200", 13);
	memset(msg_buf, 0, sizeof(msg_buf));
	memcpy(msg_buf, msg, (size_t)len);
	xnat_sip_big_scan_matching(msg_buf, (__u32)len, &s, &sc);
	n = xnat_sip_big_rewrite(msg_buf, &sc, big_out, &s, &replaced);
	assert_true(len > 8000);
	assert_true(n > len);
	big_out[n] = 0;
	assert_int_equal(replaced, 162); /* Via, c= and each padding line */
	b = strstr((char *)big_out, "\r\n\r\n") + 4;
	snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n", strlen(b));
	assert_non_null(strstr((char *)big_out, cl));
	p = strstr((char *)big_out, PHONE);
	assert_non_null(p); /* in Call-ID only */
	assert_null(strstr(p + 1, PHONE));
	assert_true(p > strstr((char *)big_out, "Call-ID:"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invite_streams),
		cmocka_unit_test(test_hold_and_media_level_c),
		cmocka_unit_test(test_register_expiries),
		cmocka_unit_test(test_methods_and_ice),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_media_back),
		cmocka_unit_test(test_big_rewrite),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
