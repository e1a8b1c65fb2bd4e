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
	"Content-Length: 139\r\n"
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
		"Content-Length: 0\r\n\r\n", &s, &replaced);
	assert_int_equal(replaced, 2); /* request line, Via with odd case and blank; not Subject */
	assert_non_null(strstr((char *)out, "Subject: call me at 192.168.1.10"));
}

static void test_response_status_line_untouched(void **state)
{
	struct xnat_sip_subst s = subst("192.168.1.10", "203.0.113.1");
	__u32 replaced;

	(void)state;
	rewrite("SIP/2.0 200 OK 192.168.1.10\r\n"
		"Contact: <sip:alice@192.168.1.10>\r\n"
		"Content-Length: 0\r\n\r\n", &s, &replaced);
	assert_int_equal(replaced, 1);
	assert_true(!strncmp((char *)out, "SIP/2.0 200 OK 192.168.1.10\r\n", 29));
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
		"Content-Length: 107\r\n\r\n"
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
	s.sig_from = 1024, s.sig_to = 5062;
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invite_addresses_and_length),
		cmocka_unit_test(test_shrinking_address),
		cmocka_unit_test(test_whole_tokens_only),
		cmocka_unit_test(test_response_status_line_untouched),
		cmocka_unit_test(test_overflow_is_an_error),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_inbound_reverse),
		cmocka_unit_test(test_garbage_never_crashes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
