// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The SIP/SDP address rewriter (include/xnat/sip_rewrite.h) on real-shaped messages. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "sip.h"

static __u8 in[XNAT_SIP_MAX], out[XNAT_SIP_MAX + 1];

static struct xnat_sip_subst subst(const char *from, const char *to)
{
	struct xnat_sip_subst s = { .from_len = (__u32)strlen(from), .to_len = (__u32)strlen(to) };

	memcpy(s.from, from, s.from_len);
	memcpy(s.to, to, s.to_len);
	return s;
}

static struct xnat_sip_scan scan;

static int rewrite(const char *msg, const struct xnat_sip_subst *s, __u32 *replaced)
{
	__u32 len = (__u32)strlen(msg);

	memset(in, 0, sizeof(in));
	memset(out, 0, sizeof(out));
	memcpy(in, msg, len);
	xnat_sip_scan(in, len, &scan);
	return xnat_sip_rewrite(in, &scan, out, s, replaced);
}

static const char invite[] =
	"INVITE sip:bob@198.51.100.2:5060 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK776asdhds;rport\r\n"
	"Max-Forwards: 70\r\n"
	"To: Bob <sip:bob@198.51.100.2>\r\n"
	"From: Alice <sip:alice@192.168.1.10>;tag=1928301774\r\n"
	"Call-ID: a84b4c76e66710@192.168.1.10\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Contact: <sip:alice@192.168.1.10:5060>\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 138\r\n"
	"\r\n"
	"v=0\r\n"
	"o=alice 2890844526 2890844526 IN IP4 192.168.1.10\r\n"
	"s=-\r\n"
	"c=IN IP4 192.168.1.10\r\n"
	"t=0 0\r\n"
	"m=audio 49170 RTP/AVP 0\r\n"
	"a=rtpmap:0 PCMU/8000\r\n";

static const char *body_of(const char *msg)
{
	const char *b = strstr(msg, "\r\n\r\n");

	return b ? b + 4 : msg + strlen(msg);
}

static void test_invite_addresses_and_length(void **state)
{
	struct xnat_sip_subst s = subst("192.168.1.10", "203.0.113.200");
	__u32 replaced;
	int n;
	char want_cl[64];

	(void)state;
	n = rewrite(invite, &s, &replaced);
	assert_true(n > 0);
	assert_int_equal(replaced, 5); /* Via, From, Contact, o=, c= */
	assert_non_null(strstr((char *)out, "Via: SIP/2.0/UDP 203.0.113.200:5060;branch"));
	assert_non_null(strstr((char *)out, "From: Alice <sip:alice@203.0.113.200>;tag"));
	assert_non_null(strstr((char *)out, "Contact: <sip:alice@203.0.113.200:5060>"));
	assert_non_null(strstr((char *)out, "o=alice 2890844526 2890844526 IN IP4 203.0.113.200\r\n"));
	assert_non_null(strstr((char *)out, "c=IN IP4 203.0.113.200\r\n"));
	assert_non_null(strstr((char *)out, "Call-ID: a84b4c76e66710@192.168.1.10\r\n")); /* opaque */
	assert_null(strstr(strstr((char *)out, "CSeq"), "192.168.1.10\r\n\r\n"));
	/* the body grew by 2 x 1 byte and Content-Length says so */
	snprintf(want_cl, sizeof(want_cl), "Content-Length: %zu\r\n", strlen(body_of((char *)out)));
	assert_non_null(strstr((char *)out, want_cl));
	assert_int_equal(strlen(body_of((char *)out)), strlen(body_of(invite)) + 2);
	assert_int_equal(n, (int)strlen(invite) + 5 * 1);
}

static void test_shrinking_address(void **state)
{
	struct xnat_sip_subst s = subst("192.168.100.100", "1.2.3.4");
	char msg[1024];
	__u32 replaced;
	int n;

	(void)state;
	snprintf(msg, sizeof(msg),
		 "REGISTER sip:registrar.example.com SIP/2.0\r\n"
		 "v: SIP/2.0/UDP 192.168.100.100:5060;branch=z9hG4bKnashds7\r\n"
		 "t: <sip:alice@example.com>\r\n"
		 "f: <sip:alice@example.com>;tag=456248\r\n"
		 "i: 843817637684230@998sdasdh09\r\n"
		 "CSeq: 1826 REGISTER\r\n"
		 "m: <sip:alice@192.168.100.100:5060>;expires=3600\r\n"
		 "l: 0\r\n\r\n");
	n = rewrite(msg, &s, &replaced);
	assert_int_equal(replaced, 2); /* compact Via and Contact */
	assert_int_equal(n, (int)strlen(msg) - 2 * 8);
	assert_non_null(strstr((char *)out, "v: SIP/2.0/UDP 1.2.3.4:5060;"));
	assert_non_null(strstr((char *)out, "m: <sip:alice@1.2.3.4:5060>;expires=3600"));
	assert_non_null(strstr((char *)out, "l: 0\r\n\r\n"));
}

static void test_whole_tokens_only(void **state)
{
	struct xnat_sip_subst s = subst("192.168.1.10", "203.0.113.1");
	__u32 replaced;

	(void)state;
	rewrite("INVITE sip:x@192.168.1.100 SIP/2.0\r\n"
		"VIA: SIP/2.0/UDP 192.168.1.101;branch=z9hG4bK1\r\n"
		"Contact: <sip:a@10.192.168.1.10>\r\n"
		"Content-Length: 0\r\n\r\n", &s, &replaced);
	assert_int_equal(replaced, 0); /* .100, .101 and a longer dotted string are not our host */
	rewrite("INVITE sip:x@192.168.1.10 SIP/2.0\r\n"
		"VIA : SIP/2.0/UDP 192.168.1.10;branch=z9hG4bK1\r\n"
		"Subject: call me at 192.168.1.10\r\n"
		"i: 192.168.1.10\r\n"
		"Content-Length: 0\r\n\r\n", &s, &replaced);
	/* request line, Via with odd case and blank, and Subject: no private
	 * address leaves, but in Call-ID (opaque) */
	assert_int_equal(replaced, 3);
	assert_non_null(strstr((char *)out, "Subject: call me at 203.0.113.1\r\ni: 192.168.1.10\r\n"));
}

/* A status line's reason phrase is text like any other: the address goes. */
static void test_response_status_line(void **state)
{
	struct xnat_sip_subst s = subst("192.168.1.10", "203.0.113.1");
	__u32 replaced;

	(void)state;
	rewrite("SIP/2.0 200 OK 192.168.1.10\r\n"
		"Contact: <sip:alice@192.168.1.10>\r\n"
		"Content-Length: 0\r\n\r\n", &s, &replaced);
	assert_int_equal(replaced, 2);
	assert_true(!strncmp((char *)out, "SIP/2.0 200 OK 203.0.113.1\r\n", 28));
}

static void test_overflow_is_an_error(void **state)
{
	struct xnat_sip_subst s = subst("1.1.1.1", "203.203.203.203");
	static char big[XNAT_SIP_MAX];
	size_t n = 0;

	(void)state;
	n += (size_t)snprintf(big, sizeof(big), "INVITE sip:a@1.1.1.1 SIP/2.0\r\nContact: ");
	while (n + 20 < sizeof(big) - 1)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "<sip:1.1.1.1>,");
	assert_int_equal(rewrite(big, &s, NULL), -1); /* grows past XNAT_SIP_MAX: passed on unchanged */
}

/* Signalling port after the address, media ports of m= and a=rtcp: through the table. */
static void test_ports(void **state)
{
	struct xnat_sip_subst s = subst("192.168.1.10", "198.51.100.1");
	const char *msg =
		"INVITE sip:bob@198.51.100.2 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.168.1.10:5062;branch=z9hG4bK1\r\n"
		"Contact: <sip:alice@192.168.1.10:5062;transport=udp>\r\n"
		"From: <sip:alice@192.168.1.10:5070>;tag=1\r\n"
		"Content-Length: 114\r\n\r\n"
		"v=0\r\n"
		"c=IN IP4 192.168.1.10\r\n"
		"m=audio 49170 RTP/AVP 0\r\n"
		"a=rtcp:49171\r\n"
		"m=video 51372 RTP/AVP 31\r\n"
		"m=image 0 udptl t38\r\n";
	char want_cl[64];
	__u32 replaced;

	(void)state;
	s.sig_from = 5062, s.sig_to = 1024;
	s.media_from[0] = 49170, s.media_to[0] = 2000;
	s.media_from[1] = 49171, s.media_to[1] = 2001;
	s.media_from[2] = 51372, s.media_to[2] = 40000;
	s.n_media = 3;
	assert_true(rewrite(msg, &s, &replaced) > 0);
	assert_int_equal(scan.n_media, 3); /* the pre-pass found audio, video and the disabled image */
	assert_int_equal(scan.media[0], 49170);
	assert_int_equal(scan.media[1], 51372);
	assert_int_equal(scan.media[2], 0);
	assert_non_null(strstr((char *)out, "Via: SIP/2.0/UDP 198.51.100.1:1024;branch"));
	assert_non_null(strstr((char *)out, "<sip:alice@198.51.100.1:1024;transport=udp>"));
	assert_non_null(strstr((char *)out, "<sip:alice@198.51.100.1:5070>")); /* not the mapped port */
	assert_non_null(strstr((char *)out, "m=audio 2000 RTP/AVP 0\r\n"));
	assert_non_null(strstr((char *)out, "a=rtcp:2001\r\n"));
	assert_non_null(strstr((char *)out, "m=video 40000 RTP/AVP 31\r\n"));
	assert_non_null(strstr((char *)out, "m=image 0 udptl t38\r\n")); /* port 0: disabled stream */
	assert_int_equal(replaced, 4 + 2 + 3);
	snprintf(want_cl, sizeof(want_cl), "Content-Length: %zu\r\n", strlen(body_of((char *)out)));
	assert_non_null(strstr((char *)out, want_cl));
}

/* Inbound (WAN -> LAN): the same rewriter with the substitution reversed gives
 * the phone its own address and port back, e.g. in the Via of a response. */
static void test_inbound_reverse(void **state)
{
	struct xnat_sip_subst s = subst("198.51.100.1", "192.168.1.10");
	__u32 replaced;

	(void)state;
	s.sig_from = 1024, s.sig_to = 5062, s.inbound = 1; /* a response coming in: its top Via is ours */
	assert_true(rewrite("SIP/2.0 200 OK\r\n"
			    "Via: SIP/2.0/UDP 198.51.100.1:1024;branch=z9hG4bK1;rport=1024;received=198.51.100.1\r\n"
			    "To: <sip:bob@198.51.100.2>;tag=99\r\n"
			    "From: <sip:alice@198.51.100.1:1024>;tag=1\r\n"
			    "Contact: <sip:bob@198.51.100.2:5060>\r\n"
			    "Content-Length: 0\r\n\r\n", &s, &replaced) > 0);
	assert_non_null(strstr((char *)out, "Via: SIP/2.0/UDP 192.168.1.10:5062;branch=z9hG4bK1;rport=5062;received=192.168.1.10\r\n"));
	assert_non_null(strstr((char *)out, "From: <sip:alice@192.168.1.10:5062>;tag=1"));
	assert_non_null(strstr((char *)out, "Contact: <sip:bob@198.51.100.2:5060>")); /* the remote's own */
	assert_int_equal(replaced, 6);
}

/* rewrite() with the pre-pass counting only streams sent to s->from, as the fast path scans. */
static int rewrite_matching(const char *msg, const struct xnat_sip_subst *s, __u32 *replaced)
{
	__u32 len = (__u32)strlen(msg);

	memset(in, 0, sizeof(in));
	memset(out, 0, sizeof(out));
	memcpy(in, msg, len);
	xnat_sip_scan_matching(in, len, s, &scan);
	return xnat_sip_rewrite(in, &scan, out, s, replaced);
}

static void assert_content_length_right(void)
{
	char want_cl[64];

	snprintf(want_cl, sizeof(want_cl), "Content-Length: %zu\r\n", strlen(body_of((char *)out)));
	assert_non_null(strstr((char *)out, want_cl));
}

/* A re-INVITE putting the call on hold, old style: c=0.0.0.0 stays as it is,
 * the stream is still the phone's (mapped, for the resume); o= is the phone's. */
static void test_hold_reinvite(void **state)
{
	struct xnat_sip_subst s = subst("192.168.1.10", "198.51.100.1");
	const char *body =
		"v=0\r\n"
		"o=alice 2890844526 2890844527 IN IP4 192.168.1.10\r\n"
		"s=-\r\n"
		"c=IN IP4 0.0.0.0\r\n"
		"t=0 0\r\n"
		"m=audio 49170 RTP/AVP 0\r\n"
		"a=sendonly\r\n";
	char msg[1024];
	__u32 replaced;

	(void)state;
	snprintf(msg, sizeof(msg),
		 "INVITE sip:bob@198.51.100.2:5060 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK-2\r\n"
		 "From: <sip:alice@192.168.1.10>;tag=1\r\n"
		 "To: <sip:bob@198.51.100.2>;tag=2\r\n"
		 "Call-ID: hold-1\r\n"
		 "CSeq: 2 INVITE\r\n"
		 "Content-Type: application/sdp\r\n"
		 "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
	assert_true(rewrite_matching(msg, &s, &replaced) > 0);
	assert_int_equal(scan.method, XNAT_SIP_INVITE);
	assert_int_equal(scan.n_media, 1);
	assert_true(xnat_sip_media_ours(&scan, 0)); /* held, still the phone's: mapped */
	assert_non_null(strstr((char *)out, "c=IN IP4 0.0.0.0\r\n"));
	assert_non_null(strstr((char *)out, "o=alice 2890844526 2890844527 IN IP4 198.51.100.1\r\n"));
	assert_non_null(strstr((char *)out, "a=sendonly\r\n"));
	assert_int_equal(replaced, 3); /* Via, From, o= */
	assert_content_length_right();
}

/* Four streams: audio (a=rtcp: with its address), video (its own c=, rtcp-mux),
 * T.38 fax on the phone, and an application stream sent to another host. */
static void test_many_streams(void **state)
{
	struct xnat_sip_subst s = subst("10.0.0.7", "203.0.113.200"); /* 8 -> 13 characters */
	const char *body =
		"v=0\r\n"
		"o=- 1 1 IN IP4 10.0.0.7\r\n"
		"s=-\r\n"
		"c=IN IP4 10.0.0.7\r\n"
		"t=0 0\r\n"
		"m=audio 40000 RTP/AVP 0 101\r\n"
		"a=rtcp:40001 IN IP4 10.0.0.7\r\n"
		"m=video 40002 RTP/AVP 96\r\n"
		"c=IN IP4 10.0.0.7\r\n"
		"a=rtcp-mux\r\n"
		"m=image 40004 udptl t38\r\n"
		"m=application 5000 UDP/BFCP *\r\n"
		"c=IN IP4 10.0.0.77\r\n";
	char msg[2048], want_body[1024];
	__u32 replaced;
	int n;

	(void)state;
	snprintf(msg, sizeof(msg),
		 "INVITE sip:conf@198.51.100.2 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 10.0.0.7:5060;branch=z9hG4bK-m\r\n"
		 "From: <sip:alice@10.0.0.7>;tag=1\r\n"
		 "To: <sip:conf@198.51.100.2>\r\n"
		 "Call-ID: many-1\r\n"
		 "CSeq: 1 INVITE\r\n"
		 "Contact: <sip:alice@10.0.0.7>\r\n"
		 "Content-Type: application/sdp\r\n"
		 "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
	s.media_from[0] = 40000, s.media_to[0] = 2000;
	s.media_from[1] = 40001, s.media_to[1] = 2001;
	s.media_from[2] = 40002, s.media_to[2] = 2002;
	s.media_from[3] = 40004, s.media_to[3] = 2004;
	s.n_media = 4;
	n = rewrite_matching(msg, &s, &replaced);
	assert_true(n > 0);
	assert_int_equal(scan.n_media, 4);
	assert_int_equal(scan.media[0], 40000);
	assert_int_equal(scan.rtcp[0], 40001);
	assert_int_equal(scan.media[1], 40002);
	assert_true(scan.media_flags[1] & XNAT_SIP_MEDIA_MUX);
	assert_int_equal(scan.media[2], 40004);
	assert_int_equal(scan.media[3], 5000);
	assert_true(xnat_sip_media_ours(&scan, 0) && xnat_sip_media_ours(&scan, 1) && xnat_sip_media_ours(&scan, 2));
	assert_false(xnat_sip_media_ours(&scan, 3)); /* 10.0.0.77: another host, not ours to map */
	snprintf(want_body, sizeof(want_body),
		 "v=0\r\n"
		 "o=- 1 1 IN IP4 203.0.113.200\r\n"
		 "s=-\r\n"
		 "c=IN IP4 203.0.113.200\r\n"
		 "t=0 0\r\n"
		 "m=audio 2000 RTP/AVP 0 101\r\n"
		 "a=rtcp:2001 IN IP4 203.0.113.200\r\n"
		 "m=video 2002 RTP/AVP 96\r\n"
		 "c=IN IP4 203.0.113.200\r\n"
		 "a=rtcp-mux\r\n"
		 "m=image 2004 udptl t38\r\n"
		 "m=application 5000 UDP/BFCP *\r\n"
		 "c=IN IP4 10.0.0.77\r\n");
	assert_string_equal(body_of((char *)out), want_body);
	assert_content_length_right();
	assert_non_null(strstr((char *)out, "Contact: <sip:alice@203.0.113.200>\r\n"));
	assert_int_equal(n, (int)(strlen(msg) + 7 * 5 - 4 * 1)); /* 7 addresses +5 each, 4 ports -1 each; Content-Length keeps 3 digits */
}

/* Mixed-case names, folded (continuation) lines, compact forms f: t: i: l:. */
static void test_case_and_folding(void **state)
{
	struct xnat_sip_subst s = subst("192.168.1.10", "1.2.3.4");
	const char *msg =
		"OPTIONS sip:198.51.100.2 SIP/2.0\r\n"
		"VIA: SIP/2.0/UDP\r\n"
		" 192.168.1.10:5060;branch=z9hG4bK-f\r\n"
		"f: <sip:alice@192.168.1.10>;tag=1\r\n"
		"t: <sip:198.51.100.2>\r\n"
		"i: fold-1@192.168.1.10\r\n"
		"contact:\r\n"
		"\t<sip:alice@192.168.1.10:5060>\r\n"
		"CSeq: 1 OPTIONS\r\n"
		"l: 0\r\n\r\n";
	const char *want =
		"OPTIONS sip:198.51.100.2 SIP/2.0\r\n"
		"VIA: SIP/2.0/UDP\r\n"
		" 1.2.3.4:5060;branch=z9hG4bK-f\r\n"
		"f: <sip:alice@1.2.3.4>;tag=1\r\n"
		"t: <sip:198.51.100.2>\r\n"
		"i: fold-1@192.168.1.10\r\n"
		"contact:\r\n"
		"\t<sip:alice@1.2.3.4:5060>\r\n"
		"CSeq: 1 OPTIONS\r\n"
		"l: 0\r\n\r\n";
	__u32 replaced;

	(void)state;
	assert_int_equal(rewrite(msg, &s, &replaced), (int)strlen(want));
	assert_string_equal((char *)out, want);
	assert_int_equal(replaced, 3);
	assert_int_equal(scan.method, XNAT_SIP_OTHER);
}

/* A multipart body: the SDP part's lines are found and rewritten; the text part's
 * mention of the address is not an SDP line and stays. */
static void test_multipart(void **state)
{
	struct xnat_sip_subst s = subst("192.168.1.10", "198.51.100.100");
	const char *body =
		"--b1\r\n"
		"Content-Type: application/sdp\r\n"
		"\r\n"
		"v=0\r\n"
		"o=- 1 1 IN IP4 192.168.1.10\r\n"
		"s=-\r\n"
		"c=IN IP4 192.168.1.10\r\n"
		"t=0 0\r\n"
		"m=audio 49170 RTP/AVP 0\r\n"
		"--b1\r\n"
		"Content-Type: text/plain\r\n"
		"\r\n"
		"call me at 192.168.1.10\r\n"
		"--b1--\r\n";
	char msg[2048];
	__u32 replaced;

	(void)state;
	snprintf(msg, sizeof(msg),
		 "INVITE sip:bob@198.51.100.2 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK-mp\r\n"
		 "Content-Type: multipart/mixed;boundary=b1\r\n"
		 "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
	assert_true(rewrite_matching(msg, &s, &replaced) > 0);
	assert_non_null(strstr((char *)out, "o=- 1 1 IN IP4 198.51.100.100\r\n"));
	assert_non_null(strstr((char *)out, "c=IN IP4 198.51.100.100\r\n"));
	assert_non_null(strstr((char *)out, "call me at 198.51.100.100\r\n")); /* any part: no private address leaves */
	assert_int_equal(scan.n_media, 1);
	assert_true(xnat_sip_media_ours(&scan, 0));
	assert_content_length_right();
}

/* A registrar's 2xx lists every binding of the AOR: ours is the one with our
 * (public) address, whatever its place; without a match address, the first. */
static void test_register_bindings(void **state)
{
	struct xnat_sip_subst s = subst("198.51.100.1", "192.168.1.10");
	const char *msg =
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK-r\r\n"
		"To: <sip:alice@example.com>;tag=r\r\n"
		"Call-ID: reg-1\r\n"
		"CSeq: 7 REGISTER\r\n"
		"Contact: \"Desk, office\" <sip:alice@203.0.113.5>;expires=3000\r\n"
		"m: <sip:alice@198.51.100.10>;expires=7000, <sip:alice@198.51.100.1:5060>;q=1;expires=90\r\n"
		"Expires: 600\r\n"
		"Content-Length: 0\r\n\r\n";

	(void)state;
	assert_true(rewrite_matching(msg, &s, NULL) > 0);
	assert_int_equal(scan.status, 200);
	assert_int_equal(scan.method, XNAT_SIP_REGISTER);
	assert_int_equal(xnat_sip_reg_expires(&scan), 90);
	assert_non_null(strstr((char *)out, "<sip:alice@192.168.1.10:5060>;q=1;expires=90"));
	rewrite(msg, &s, NULL); /* no match address: the first contact's */
	assert_int_equal(xnat_sip_reg_expires(&scan), 3000);
}

/* An ICE-aware phone writes its public candidates itself: the scan says so. */
static void test_ice_flagged(void **state)
{
	struct xnat_sip_subst s = subst("192.168.1.10", "198.51.100.1");
	const char *msg =
		"INVITE sip:bob@198.51.100.2 SIP/2.0\r\n"
		"Content-Length: 115\r\n\r\n"
		"v=0\r\n"
		"c=IN IP4 192.168.1.10\r\n"
		"m=audio 49170 RTP/AVP 0\r\n"
		"a=candidate:1 1 UDP 2130706431 192.168.1.10 49170 typ host\r\n";

	(void)state;
	rewrite(msg, &s, NULL);
	assert_true(scan.candidate);
	rewrite(invite, &s, NULL);
	assert_false(scan.candidate);
}

/* Via's sent-by and its received=, maddr= and rport= parameters, Record-Route, Route, Path. */
static void test_via_params_and_routes(void **state)
{
	struct xnat_sip_subst s = subst("192.168.1.10", "198.51.100.1");
	__u32 replaced;

	(void)state;
	s.sig_from = 5062, s.sig_to = 40000;
	assert_true(rewrite("REGISTER sip:198.51.100.2 SIP/2.0\r\n"
			    "Via: SIP/2.0/UDP 192.168.1.10:5062;maddr=192.168.1.10;received=192.168.1.10;rport=5062\r\n"
			    "Record-Route: <sip:192.168.1.10:5062;lr>\r\n"
			    "Route: <sip:192.168.1.10;lr>\r\n"
			    "Path: <sip:192.168.1.10:5062;lr>\r\n"
			    "Content-Length: 0\r\n\r\n", &s, &replaced) > 0);
	assert_non_null(strstr((char *)out, "Via: SIP/2.0/UDP 198.51.100.1:40000;maddr=198.51.100.1;"
					    "received=198.51.100.1;rport=40000\r\n"));
	assert_non_null(strstr((char *)out, "Record-Route: <sip:198.51.100.1:40000;lr>\r\n"));
	assert_non_null(strstr((char *)out, "Route: <sip:198.51.100.1;lr>\r\n"));
	assert_non_null(strstr((char *)out, "Path: <sip:198.51.100.1:40000;lr>\r\n"));
}

/* The rest of the call: ACK and BYE without a body keep Content-Length 0. */
static void test_ack_bye(void **state)
{
	struct xnat_sip_subst s = subst("192.168.1.10", "198.51.100.1");
	const char *ack =
		"ACK sip:bob@198.51.100.2:5060 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK-a\r\n"
		"From: <sip:alice@192.168.1.10>;tag=1\r\n"
		"To: <sip:bob@198.51.100.2>;tag=2\r\n"
		"Call-ID: c1\r\n"
		"CSeq: 1 ACK\r\n"
		"Content-Length: 0\r\n\r\n";
	const char *want =
		"ACK sip:bob@198.51.100.2:5060 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK-a\r\n"
		"From: <sip:alice@198.51.100.1>;tag=1\r\n"
		"To: <sip:bob@198.51.100.2>;tag=2\r\n"
		"Call-ID: c1\r\n"
		"CSeq: 1 ACK\r\n"
		"Content-Length: 0\r\n\r\n";
	char bye[512];

	(void)state;
	assert_int_equal(rewrite(ack, &s, NULL), (int)strlen(want));
	assert_string_equal((char *)out, want);
	assert_int_equal(scan.method, XNAT_SIP_ACK);
	snprintf(bye, sizeof(bye), "%s", ack);
	memcpy(bye, "BYE", 3);
	memcpy(strstr(bye, "1 ACK"), "2 BYE", 5);
	rewrite(bye, &s, NULL);
	assert_int_equal(scan.method, XNAT_SIP_BYE);
	assert_non_null(strstr((char *)out, "Content-Length: 0\r\n\r\n"));
}

/* SIP over TCP: messages follow one another, each ending where its
 * Content-Length says; half a message, or one without a length, is not whole. */
static void test_stream_framing(void **state)
{
	static const char ringing[] = "SIP/2.0 180 Ringing\r\n"
				      "Via: SIP/2.0/TCP 192.168.1.10:5060;branch=z9hG4bK776asdhds\r\n"
				      "Call-ID: a84b4c76e66710@192.168.1.10\r\n"
				      "CSeq: 314159 INVITE\r\n"
				      "Content-Length: 0\r\n\r\n";
	struct xnat_sip_subst s = subst("192.168.1.10", "203.0.113.77");
	char stream[XNAT_SIP_MAX];
	__u32 off, n, len;
	int r;

	(void)state;
	len = (__u32)snprintf(stream, sizeof(stream), "%s%s%.60s", invite, ringing, invite);
	memset(in, 0, sizeof(in));
	memcpy(in, stream, len);
	xnat_sip_scan_tcp(in, len, &s, &scan);
	assert_true(xnat_sip_scan_framed(&scan));
	assert_int_equal(scan.len, strlen(invite));
	assert_int_equal(scan.n_media, 1); /* the next message's lines are not this body's */
	r = xnat_sip_rewrite(in, &scan, out, &s, &n);
	assert_true(r > 0);
	out[r] = 0;
	assert_non_null(strstr((char *)out, "Content-Length: 138\r\n"));
	assert_null(strstr((char *)out, "180 Ringing"));

	off = scan.len;
	memset(in, 0, sizeof(in));
	memcpy(in, stream + off, len - off);
	xnat_sip_scan_tcp(in, len - off, &s, &scan);
	assert_true(xnat_sip_scan_framed(&scan));
	assert_int_equal(scan.len, strlen(ringing));
	assert_int_equal(scan.status, 180);

	off += scan.len;
	memset(in, 0, sizeof(in));
	memcpy(in, stream + off, len - off);
	xnat_sip_scan_tcp(in, len - off, &s, &scan);
	assert_false(xnat_sip_scan_framed(&scan)); /* 60 bytes of an INVITE */

	/* headers whole but the body cut short, and a message without a length */
	memset(in, 0, sizeof(in));
	memcpy(in, invite, strlen(invite) - 1);
	xnat_sip_scan_tcp(in, (__u32)strlen(invite) - 1, &s, &scan);
	assert_false(xnat_sip_scan_framed(&scan));
	len = (__u32)snprintf(stream, sizeof(stream), "OPTIONS sip:x@198.51.100.2 SIP/2.0\r\nCall-ID: 1\r\n\r\n");
	memset(in, 0, sizeof(in));
	memcpy(in, stream, len);
	xnat_sip_scan_tcp(in, len, &s, &scan);
	assert_false(xnat_sip_scan_framed(&scan));
}

static void test_garbage_never_crashes(void **state)
{
	struct xnat_sip_subst s = subst("192.168.1.10", "203.0.113.200");
	char msg[XNAT_SIP_MAX];
	unsigned int seed = 1;

	(void)state;
	for (int round = 0; round < 2000; round++) {
		size_t len = (size_t)(seed % (sizeof(msg) - 1));

		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			msg[i] = "0123456789.:\r\n ContactViaCl=oc192.168.1.10"[(seed >> 16) % 43];
		}
		msg[len] = '\0';
		rewrite(msg, &s, NULL); /* bounded, no crash; output never exceeds the buffer */
		seed = seed * 1103515245u + 12345u;
	}
}

/* Issue #17, 1: only the sender's own Via (the top Via of a request going
 * out) carries the phone's rport. A phone answering an incoming call sends
 * the proxy's Vias back: their rport= is the proxy's, equal to the phone's
 * port or not. */
static void test_own_via_only(void **state)
{
	struct xnat_sip_subst s = subst("192.168.1.10", "198.51.100.1");
	const char *answer =
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-p1;rport=5060;received=203.0.113.5\r\n"
		"Via: SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bK-p2;rport=5060\r\n"
		"From: <sip:carol@example.com>;tag=7\r\n"
		"To: <sip:alice@example.com>;tag=8\r\n"
		"Call-ID: in-1\r\n"
		"CSeq: 1 INVITE\r\n"
		"Contact: <sip:alice@192.168.1.10:5060>\r\n"
		"Content-Length: 0\r\n\r\n";
	__u32 replaced;

	(void)state;
	s.sig_from = 5060, s.sig_to = 62000;
	assert_true(rewrite(answer, &s, &replaced) > 0);
	assert_non_null(strstr((char *)out, "Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-p1;rport=5060;"
					    "received=203.0.113.5\r\n"));
	assert_non_null(strstr((char *)out, "Via: SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bK-p2;rport=5060\r\n"));
	assert_non_null(strstr((char *)out, "Contact: <sip:alice@198.51.100.1:62000>\r\n")); /* the phone's own */
	assert_int_equal(replaced, 2);
	/* The twin: the phone's own request, its top Via's rport= mapped; a
	 * second Via value on the same line (another hop's) is not. */
	assert_true(rewrite("BYE sip:carol@203.0.113.5 SIP/2.0\r\n"
			    "Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK-b;rport=5060, "
			    "SIP/2.0/UDP 203.0.113.7:5060;rport=5060\r\n"
			    "Content-Length: 0\r\n\r\n", &s, &replaced) > 0);
	assert_non_null(strstr((char *)out, "Via: SIP/2.0/UDP 198.51.100.1:62000;branch=z9hG4bK-b;rport=62000, "
					    "SIP/2.0/UDP 203.0.113.7:5060;rport=5060\r\n"));
	/* Coming in: a request's Vias are the proxy's (untouched), a response's
	 * top Via is the phone's (test_inbound_reverse). */
	s = subst("198.51.100.1", "192.168.1.10");
	s.sig_from = 62000, s.sig_to = 5060, s.inbound = 1;
	assert_true(rewrite("INVITE sip:alice@198.51.100.1:62000 SIP/2.0\r\n"
			    "Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-i;rport=62000\r\n"
			    "Content-Length: 0\r\n\r\n", &s, &replaced) > 0);
	assert_non_null(strstr((char *)out, "INVITE sip:alice@192.168.1.10:5060 SIP/2.0\r\n"));
	assert_non_null(strstr((char *)out, "Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-i;rport=62000\r\n"));
}

/* Issue #17, 2: a method is a token (RFC 3261 25.1), as in RFC 4475's
 * intmeth and esc02, not only letters. */
static void test_token_methods(void **state)
{
	struct xnat_sip_subst s = subst("192.168.1.10", "198.51.100.1");
	__u32 replaced;

	(void)state;
	assert_true(rewrite("!interesting-Method0123456789_*+`.%indeed'~ sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com SIP/2.0\r\n"
			    "Via: SIP/2.0/UDP 192.168.1.10;branch=z9hG4bK-.!%66*_+`'~\r\n"
			    "Contact: <sip:alice@192.168.1.10>\r\n"
			    "Content-Length: 0\r\n\r\n", &s, &replaced) > 0);
	assert_true(scan.sip);
	assert_int_equal(replaced, 2);
	assert_non_null(strstr((char *)out, "Via: SIP/2.0/UDP 198.51.100.1;branch"));
	assert_true(rewrite("RE%47IST%45R sip:registrar.example.com SIP/2.0\r\n"
			    "Contact: <sip:alice@192.168.1.10>\r\n"
			    "Content-Length: 0\r\n\r\n", &s, &replaced) > 0);
	assert_true(scan.sip);
	/* and what is not a token is not SIP: nothing rewritten */
	assert_int_equal(rewrite("INV(ITE sip:bob@example.com SIP/2.0\r\n"
				 "Contact: <sip:alice@192.168.1.10>\r\n"
				 "Content-Length: 0\r\n\r\n", &s, &replaced), -1);
	assert_false(scan.sip);
}

/* Issue #17, 4: in a datagram Content-Length bounds the body; the bytes
 * after it are left as they came (RFC 3261 18.3, RFC 4475 dblreq). */
static void test_bytes_after_body(void **state)
{
	struct xnat_sip_subst s = subst("192.168.1.10", "198.51.100.1");
	char msg[1200], stray[451], want[1300];
	const char *head = "REGISTER sip:example.com SIP/2.0\r\n"
			   "Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK-r\r\n"
			   "Contact: <sip:alice@192.168.1.10>\r\n"
			   "Content-Length: 0\r\n\r\n";
	__u32 replaced;
	int n;

	(void)state;
	memset(stray, 'x', 450);
	memcpy(stray + 100, "c=IN IP4 192.168.1.10", 21); /* even an address of ours stays */
	stray[450] = '\0';
	snprintf(msg, sizeof(msg), "%s%s", head, stray);
	n = rewrite(msg, &s, &replaced);
	snprintf(want, sizeof(want), "REGISTER sip:example.com SIP/2.0\r\n"
				     "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK-r\r\n"
				     "Contact: <sip:alice@198.51.100.1>\r\n"
				     "Content-Length: 0\r\n\r\n%s", stray);
	assert_int_equal(n, (int)strlen(want));
	assert_memory_equal(out, want, strlen(want));
	assert_int_equal(replaced, 2);
}

/* Issue #17, 5: a Content-Length that is not a number, or that says more
 * than the datagram holds, leaves the message unchanged (-1), never
 * half-rewritten nor "repaired". */
static void test_bad_content_length(void **state)
{
	static const char *const values[] = { "-999", "9999", "12a", "", "0x10", "1 2" };
	struct xnat_sip_subst s = subst("192.168.1.10", "198.51.100.1");
	char msg[512];

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		snprintf(msg, sizeof(msg), "INVITE sip:bob@example.com SIP/2.0\r\n"
					   "Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK-c\r\n"
					   "Content-Length: %s\r\n\r\nv=0\r\nc=IN IP4 192.168.1.10\r\n", values[i]);
		assert_int_equal(rewrite(msg, &s, NULL), -1);
	}
	/* two Content-Length headers that differ */
	assert_int_equal(rewrite("INVITE sip:bob@example.com SIP/2.0\r\n"
				 "Via: SIP/2.0/UDP 192.168.1.10\r\n"
				 "Content-Length: 3\r\nl: 4\r\n\r\nabcd", &s, NULL), -1);
	/* the twin: the right length (with trailing blanks) is rewritten */
	assert_true(rewrite("INVITE sip:bob@example.com SIP/2.0\r\n"
			    "Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK-c\r\n"
			    "Content-Length: 28  \r\n\r\nv=0\r\nc=IN IP4 192.168.1.10\r\n", &s, NULL) > 0);
	assert_non_null(strstr((char *)out, "Content-Length: 28  \r\n\r\nv=0\r\nc=IN IP4 198.51.100.1\r\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invite_addresses_and_length),
		cmocka_unit_test(test_shrinking_address),
		cmocka_unit_test(test_whole_tokens_only),
		cmocka_unit_test(test_response_status_line),
		cmocka_unit_test(test_overflow_is_an_error),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_inbound_reverse),
		cmocka_unit_test(test_stream_framing),
		cmocka_unit_test(test_garbage_never_crashes),
		cmocka_unit_test(test_hold_reinvite),
		cmocka_unit_test(test_many_streams),
		cmocka_unit_test(test_case_and_folding),
		cmocka_unit_test(test_multipart),
		cmocka_unit_test(test_register_bindings),
		cmocka_unit_test(test_ice_flagged),
		cmocka_unit_test(test_ack_bye),
		cmocka_unit_test(test_via_params_and_routes),
		cmocka_unit_test(test_own_via_only),
		cmocka_unit_test(test_token_methods),
		cmocka_unit_test(test_bytes_after_body),
		cmocka_unit_test(test_bad_content_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
