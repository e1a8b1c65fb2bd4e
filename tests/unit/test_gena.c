// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * GENA eventing (agent/lib/gena.c): SUBSCRIBE, renewal and UNSUBSCRIBE
 * with the statuses UDA 1.1 section 4 asks for, the CALLBACKs refused
 * since CallStranger (another host, a name, another scheme, anything
 * garbled), the table's bounds and expiry, and the event messages byte by
 * byte. Headers are handed over as heap strings of exactly their size and
 * answers written into buffers of exactly the cap given, so valgrind sees
 * a read or write past either.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <expat.h>
#include "gena.h"
#include "upnp_desc.h"

#define NOW 1000
#define CB "<http://192.168.1.20:5000/notify>"

static const __u8 seed[16] = { 0x5a, 0x11, 0xc0, 0x8e, 0x27, 0x93, 0x4d, 0xf2,
			       0x0b, 0x66, 0xa1, 0x3c, 0xd8, 0x45, 0x7e, 0x19 };
static struct xnat_gena g;
static __be32 client, other;

static __be32 ip4(unsigned int a, unsigned int b, unsigned int c, unsigned int d)
{
	return htonl(a << 24 | b << 16 | c << 8 | d);
}

static int setup(void **state)
{
	(void)state;
	xnat_gena_init(&g, seed);
	client = ip4(192, 168, 1, 20);
	other = ip4(192, 168, 1, 21);
	return 0;
}

/* A heap copy of exactly strlen + 1 bytes (NULL stays NULL). */
static char *dup_exact(const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = malloc(strlen(s) + 1);
	assert_non_null(d);
	memcpy(d, s, strlen(s) + 1);
	return d;
}

/* SUBSCRIBE with every header in a heap buffer of its exact size. */
static void subscribe(const char *path, const char *callback, const char *nt, const char *timeout, const char *sid,
		      __be32 from, __u32 now, struct xnat_gena_answer *a)
{
	char *h_path = dup_exact(path), *h_cb = dup_exact(callback), *h_nt = dup_exact(nt);
	char *h_to = dup_exact(timeout), *h_sid = dup_exact(sid);

	memset(a, 0xa5, sizeof(*a));
	xnat_gena_subscribe(&g, h_path, h_cb, h_nt, h_to, h_sid, from, now, a);
	free(h_path);
	free(h_cb);
	free(h_nt);
	free(h_to);
	free(h_sid);
}

static void unsubscribe(const char *path, const char *sid, const char *callback, const char *nt, __be32 from,
			struct xnat_gena_answer *a)
{
	char *h_path = dup_exact(path), *h_sid = dup_exact(sid), *h_cb = dup_exact(callback), *h_nt = dup_exact(nt);

	memset(a, 0xa5, sizeof(*a));
	xnat_gena_unsubscribe(&g, h_path, h_sid, h_cb, h_nt, from, a);
	free(h_path);
	free(h_sid);
	free(h_cb);
	free(h_nt);
}

/* A new subscription of client to WANIPConnection with callback cb: its answer's status. */
static int new_sub(const char *cb, struct xnat_gena_answer *a)
{
	subscribe(XNAT_UPNP_EVT_WANIPC, cb, "upnp:event", NULL, NULL, client, NOW, a);
	return a->status;
}

static unsigned int used_count(void)
{
	unsigned int n = 0;

	for (int i = 0; i < XNAT_GENA_MAX_SUBS; i++)
		n += g.subs[i].used;
	return n;
}

static void assert_sid_form(const char *sid)
{
	assert_int_equal(strlen(sid), XNAT_GENA_SID_LEN);
	assert_memory_equal(sid, "uuid:", 5);
	for (int i = 5; i < XNAT_GENA_SID_LEN; i++) {
		if (i == 13 || i == 18 || i == 23 || i == 28)
			assert_int_equal(sid[i], '-');
		else if (!strchr("0123456789abcdef", sid[i]))
			fail_msg("not lowercase hex at %d: %s", i, sid);
	}
	assert_int_equal(sid[19], '4');             /* version 4 */
	assert_non_null(strchr("89ab", sid[24]));   /* RFC 4122 variant */
}

/* Every table entry in use is one the parser could have made for its holder. */
static void assert_table_sane(void)
{
	for (int i = 0; i < XNAT_GENA_MAX_SUBS; i++) {
		const struct xnat_gena_sub *s = &g.subs[i];

		if (!s->used)
			continue;
		assert_sid_form(s->sid);
		assert_true(s->service < XNAT_GENA_SERVICES);
		assert_int_not_equal(s->port, 0);
		assert_int_equal(s->path[0], '/');
		assert_in_range(strlen(s->path), 1, XNAT_GENA_PATH_MAX);
		for (const char *p = s->path; *p; p++)
			assert_in_range((unsigned char)*p, 0x21, 0x7e);
	}
}

/* ------------------------------------------------------------ subscribe */

static void test_service_of(void **state)
{
	(void)state;
	assert_int_equal(xnat_gena_service_of(XNAT_UPNP_EVT_WANIPC), XNAT_GENA_WANIPC);
	assert_int_equal(xnat_gena_service_of("/evt/IPConn"), XNAT_GENA_WANIPC);
	assert_int_equal(xnat_gena_service_of(XNAT_UPNP_EVT_WANCFG), XNAT_GENA_WANCFG);
	assert_int_equal(xnat_gena_service_of(XNAT_UPNP_EVT_L3F), XNAT_GENA_L3F);
	assert_int_equal(xnat_gena_service_of(NULL), -1);
	assert_int_equal(xnat_gena_service_of(""), -1);
	assert_int_equal(xnat_gena_service_of("/evt/IPConn/"), -1);
	assert_int_equal(xnat_gena_service_of("/evt/ipconn"), -1);
	assert_int_equal(xnat_gena_service_of(XNAT_UPNP_CTL_WANIPC), -1);
}

static void test_subscribe_new(void **state)
{
	struct xnat_gena_answer a;
	const struct xnat_gena_sub *s;

	(void)state;
	subscribe(XNAT_UPNP_EVT_WANIPC, CB, "upnp:event", "Second-300", NULL, client, NOW, &a);
	assert_int_equal(a.status, 200);
	assert_string_equal(a.reason, "subscribed");
	assert_int_equal(a.timeout, 300);
	assert_in_range(a.slot, 0, XNAT_GENA_MAX_SUBS - 1);
	assert_sid_form(a.sid);
	s = &g.subs[a.slot];
	assert_true(s->used);
	assert_int_equal(s->service, XNAT_GENA_WANIPC);
	assert_string_equal(s->sid, a.sid);
	assert_int_equal(s->addr, client);
	assert_int_equal(s->port, 5000);
	assert_string_equal(s->path, "/notify");
	assert_int_equal(s->expires, NOW + 300);
	assert_int_equal(s->seq, 0);
	assert_int_equal(g.count.subscribed, 1);
	assert_int_equal(g.count.refused, 0);
	assert_int_equal(used_count(), 1);

	/* Default port and path, scheme in any case, blanks around, no TIMEOUT; another service. */
	subscribe(XNAT_UPNP_EVT_L3F, " \t<HTTP://192.168.1.20>  ", "upnp:event", NULL, NULL, client, NOW, &a);
	assert_int_equal(a.status, 200);
	assert_int_equal(a.timeout, XNAT_GENA_DEFAULT_TIMEOUT);
	s = &g.subs[a.slot];
	assert_int_equal(s->service, XNAT_GENA_L3F);
	assert_int_equal(s->port, 80);
	assert_string_equal(s->path, "/");
	assert_int_equal(s->expires, NOW + XNAT_GENA_DEFAULT_TIMEOUT);

	/* A query, the highest port, a path of exactly XNAT_GENA_PATH_MAX bytes */
	{
		char cb[XNAT_GENA_PATH_MAX + 64], path[XNAT_GENA_PATH_MAX + 1];

		memset(path, 'p', XNAT_GENA_PATH_MAX);
		path[0] = '/';
		path[XNAT_GENA_PATH_MAX] = '\0';
		snprintf(cb, sizeof(cb), "<http://192.168.1.20:65535%s>", path);
		subscribe(XNAT_UPNP_EVT_WANCFG, cb, "upnp:event", NULL, NULL, client, NOW, &a);
		assert_int_equal(a.status, 200);
		assert_int_equal(g.subs[a.slot].port, 65535);
		assert_string_equal(g.subs[a.slot].path, path);
		assert_int_equal(new_sub("<http://192.168.1.20:1/cb?x=1&y=%20>", &a), 200);
		assert_string_equal(g.subs[a.slot].path, "/cb?x=1&y=%20");
		assert_int_equal(g.subs[a.slot].port, 1);
	}
	assert_int_equal(g.count.subscribed, 4);
	assert_int_equal(used_count(), 4);
	assert_table_sane();
}

static void test_callback_refused(void **state)
{
	static const struct {
		const char *callback;
		const char *reason;
	} bad[] = {
		/* someone else: the CallStranger case */
		{ "<http://192.168.1.21:5000/notify>", "callback not the subscriber's address" },
		{ "<http://8.8.8.8/>", "callback not the subscriber's address" },
		{ "<http://127.0.0.1:5000/>", "callback not the subscriber's address" },
		{ "<http://192.168.1.2:5000/>", "callback not the subscriber's address" },
		/* names, other schemes, other address forms */
		{ "<http://printer.lan:5000/notify>", "callback not the subscriber's address" },
		{ "<http://localhost/>", "callback not the subscriber's address" },
		{ "<https://192.168.1.20:5000/notify>", "callback not the subscriber's address" },
		{ "<ftp://192.168.1.20/>", "callback not the subscriber's address" },
		{ "<http:/192.168.1.20/>", "callback not the subscriber's address" },
		{ "<//192.168.1.20/>", "callback not the subscriber's address" },
		{ "<http://>", "callback not the subscriber's address" },
		{ "<>", "callback not the subscriber's address" },
		{ "<http://192.168.001.20/>", "callback not the subscriber's address" },
		{ "<http://0xc0.168.1.20/>", "callback not the subscriber's address" },
		{ "<http://3232235796/>", "callback not the subscriber's address" },
		{ "<http://192.168.1/>", "callback not the subscriber's address" },
		{ "<http://192.168.1.20.1/>", "callback not the subscriber's address" },
		{ "<http://192.168.1.256/>", "callback not the subscriber's address" },
		{ "<http://192.168.1.1234/>", "callback not the subscriber's address" },
		{ "<http://192.168..20/>", "callback not the subscriber's address" },
		{ "<http://[::ffff:192.168.1.20]/>", "callback not the subscriber's address" },
		/* userinfo, fragment */
		{ "<http://user@192.168.1.20/>", "callback not the subscriber's address" },
		{ "<http://192.168.1.20@8.8.8.8/>", "callback not the subscriber's address" },
		{ "<http://192.168.1.20:80@8.8.8.8/>", "callback not the subscriber's address" },
		{ "<http://192.168.1.20/a@b>", "callback not the subscriber's address" },
		{ "<http://192.168.1.20/notify#frag>", "callback not the subscriber's address" },
		/* ports */
		{ "<http://192.168.1.20:0/>", "callback not the subscriber's address" },
		{ "<http://192.168.1.20:65536/>", "callback not the subscriber's address" },
		{ "<http://192.168.1.20:99999999999999999999/>", "callback not the subscriber's address" },
		{ "<http://192.168.1.20:/>", "callback not the subscriber's address" },
		{ "<http://192.168.1.20:80a/>", "callback not the subscriber's address" },
		{ "<http://192.168.1.20:http/>", "callback not the subscriber's address" },
		{ "<http://192.168.1.20:-80/>", "callback not the subscriber's address" },
		{ "<http://192.168.1.20:+80/>", "callback not the subscriber's address" },
		{ "<http://192.168.1.20: 80/>", "callback not the subscriber's address" },
		{ "<http://192.168.1.20:80:81/>", "callback not the subscriber's address" },
		/* paths: not starting with '/', blanks, control and non-ASCII bytes */
		{ "<http://192.168.1.20?x=1>", "callback not the subscriber's address" },
		{ "<http://192.168.1.20notify>", "callback not the subscriber's address" },
		{ "<http://192.168.1.20/no tify>", "callback not the subscriber's address" },
		{ "<http://192.168.1.20/no\ttify>", "callback not the subscriber's address" },
		{ "<http://192.168.1.20/a\r\nHost: evil>", "callback not the subscriber's address" },
		{ "<http://192.168.1.20/a\x01>", "callback not the subscriber's address" },
		{ "<http://192.168.1.20/a\x7f>", "callback not the subscriber's address" },
		{ "<http://192.168.1.20/\xc3\xa9>", "callback not the subscriber's address" },
		/* brackets */
		{ "http://192.168.1.20:5000/notify", "CALLBACK malformed or over-long" },
		{ "<http://192.168.1.20:5000/notify", "CALLBACK malformed or over-long" },
		{ "http://192.168.1.20:5000/notify>", "CALLBACK malformed or over-long" },
		{ "<<http://192.168.1.20:5000/notify>>", "CALLBACK malformed or over-long" },
		{ "<http://192.168.1.20:5000/notify>x", "CALLBACK malformed or over-long" },
		{ "<http://192.168.1.20:5000/notify>,<http://192.168.1.20/>", "CALLBACK malformed or over-long" },
		{ "<http://192.168.1.20:5000/notify> <http://192.168.1.20/", "CALLBACK malformed or over-long" },
		{ "<http://192.168.1.20:5000/notify>\r\n<http://192.168.1.20/>", "CALLBACK malformed or over-long" },
		{ "", "CALLBACK malformed or over-long" },
		{ "   ", "CALLBACK malformed or over-long" },
	};
	struct xnat_gena_answer a;
	char cb[XNAT_GENA_CALLBACK_MAX + 64], path[XNAT_GENA_PATH_MAX + 2];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (new_sub(bad[i].callback, &a) != 412)
			fail_msg("not refused (%d): %s", a.status, bad[i].callback);
		assert_string_equal(a.reason, bad[i].reason);
		assert_int_equal(a.slot, -1);
		assert_string_equal(a.sid, "");
	}
	assert_int_equal(g.count.refused, sizeof(bad) / sizeof(bad[0]));

	/* A path one byte over XNAT_GENA_PATH_MAX */
	memset(path, 'p', XNAT_GENA_PATH_MAX + 1);
	path[0] = '/';
	path[XNAT_GENA_PATH_MAX + 1] = '\0';
	snprintf(cb, sizeof(cb), "<http://192.168.1.20:5000%s>", path);
	assert_int_equal(new_sub(cb, &a), 412);

	/* A header of XNAT_GENA_CALLBACK_MAX bytes is read, one over is not (even with a good first URL). */
	memset(cb, ' ', sizeof(cb));
	memcpy(cb, CB, strlen(CB));
	cb[XNAT_GENA_CALLBACK_MAX - 1] = '>';
	cb[XNAT_GENA_CALLBACK_MAX - 2] = '<';
	cb[XNAT_GENA_CALLBACK_MAX] = '\0';
	assert_int_equal(new_sub(cb, &a), 200);
	cb[XNAT_GENA_CALLBACK_MAX] = ' ';
	cb[XNAT_GENA_CALLBACK_MAX + 1] = '\0';
	assert_int_equal(new_sub(cb, &a), 412);
	assert_string_equal(a.reason, "CALLBACK malformed or over-long");
	/* leading blanks count too: a blank, then the good 1024 bytes */
	memmove(cb + 1, cb, XNAT_GENA_CALLBACK_MAX);
	cb[0] = ' ';
	assert_int_equal(strlen(cb), XNAT_GENA_CALLBACK_MAX + 1);
	assert_int_equal(new_sub(cb, &a), 412);

	assert_int_equal(used_count(), 1);
}

static void test_callback_several_urls(void **state)
{
	struct xnat_gena_answer a;

	(void)state;
	/* A foreign first, the client's second: the second is used. */
	assert_int_equal(new_sub("<http://10.0.0.1:5000/evil> <http://192.168.1.20:4000/mine>", &a), 200);
	assert_int_equal(g.subs[a.slot].addr, client);
	assert_int_equal(g.subs[a.slot].port, 4000);
	assert_string_equal(g.subs[a.slot].path, "/mine");
	/* Two acceptable ones, no blank between: the first. */
	assert_int_equal(new_sub("<http://192.168.1.20:1/first><http://192.168.1.20:2/second>", &a), 200);
	assert_int_equal(g.subs[a.slot].port, 1);
	assert_string_equal(g.subs[a.slot].path, "/first");
	/* Unacceptable ones before, blanks and tabs between */
	assert_int_equal(new_sub("<https://192.168.1.20/> \t <http://host/>\t<http://192.168.1.20/third>", &a), 200);
	assert_string_equal(g.subs[a.slot].path, "/third");
	/* None acceptable, or a good one followed by a garbled one */
	assert_int_equal(new_sub("<http://10.0.0.1/> <http://10.0.0.2/>", &a), 412);
	assert_string_equal(a.reason, "callback not the subscriber's address");
	assert_int_equal(new_sub("<http://10.0.0.1/> <http://192.168.1.20/ok> <broken", &a), 412);
	assert_string_equal(a.reason, "CALLBACK malformed or over-long");
	assert_int_equal(used_count(), 3);
}

static void test_nt_and_headers(void **state)
{
	static const char *const bad_nt[] = { NULL, "", "upnp:propchange", "UPNP:EVENT", "upnp:event2",
					      "upnp:even", "ssdp:all" };
	struct xnat_gena_answer a;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_nt) / sizeof(bad_nt[0]); i++) {
		subscribe(XNAT_UPNP_EVT_WANIPC, CB, bad_nt[i], NULL, NULL, client, NOW, &a);
		assert_int_equal(a.status, 412);
		assert_string_equal(a.reason, "NT not upnp:event");
		assert_int_equal(a.slot, -1);
	}
	subscribe(XNAT_UPNP_EVT_WANIPC, CB, " upnp:event ", NULL, NULL, client, NOW, &a);
	assert_int_equal(a.status, 200); /* blanks around a value are not part of it */

	/* No CALLBACK */
	subscribe(XNAT_UPNP_EVT_WANIPC, NULL, "upnp:event", NULL, NULL, client, NOW, &a);
	assert_int_equal(a.status, 412);
	assert_string_equal(a.reason, "no CALLBACK");

	/* SID together with CALLBACK or NT: 400, whatever the SID */
	subscribe(XNAT_UPNP_EVT_WANIPC, CB, NULL, NULL, g.subs[0].sid, client, NOW, &a);
	assert_int_equal(a.status, 400);
	assert_string_equal(a.reason, "SID together with CALLBACK or NT");
	subscribe(XNAT_UPNP_EVT_WANIPC, NULL, "upnp:event", NULL, g.subs[0].sid, client, NOW, &a);
	assert_int_equal(a.status, 400);
	subscribe(XNAT_UPNP_EVT_WANIPC, CB, "upnp:event", "Second-300", "uuid:nope", client, NOW, &a);
	assert_int_equal(a.status, 400);
	subscribe(XNAT_UPNP_EVT_WANIPC, CB, "upnp:event", NULL, "", client, NOW, &a);
	assert_int_equal(a.status, 400);
	assert_int_equal(a.slot, -1);

	/* Not an event path */
	static const char *const bad_path[] = { NULL, "", "/", XNAT_UPNP_CTL_WANIPC, XNAT_UPNP_PATH_ROOT,
						"/evt/IPConn/../L3F", "/evt/IPConnX" };
	for (size_t i = 0; i < sizeof(bad_path) / sizeof(bad_path[0]); i++) {
		subscribe(bad_path[i], CB, "upnp:event", NULL, NULL, client, NOW, &a);
		assert_int_equal(a.status, 400);
		assert_string_equal(a.reason, "not an event path");
		unsubscribe(bad_path[i], g.subs[0].sid, NULL, NULL, client, &a);
		assert_int_equal(a.status, 400);
	}
	assert_int_equal(used_count(), 1);
	assert_int_equal(g.count.subscribed, 1);
	assert_int_equal(g.count.refused, 7 + 1 + 4 + 2 * 7);
}

/* -------------------------------------------------------------- renewal */

static void test_renewal(void **state)
{
	struct xnat_gena_answer a, first;
	struct xnat_gena_sub *s;
	char buf[1024], sid[XNAT_GENA_SID_LEN + 1];

	(void)state;
	subscribe(XNAT_UPNP_EVT_WANIPC, CB, "upnp:event", "Second-300", NULL, client, NOW, &first);
	assert_int_equal(first.status, 200);
	s = &g.subs[first.slot];
	assert_true(xnat_gena_notify_request(s, "<x/>", buf, sizeof(buf)) > 0);
	assert_true(xnat_gena_notify_request(s, "<x/>", buf, sizeof(buf)) > 0);
	assert_int_equal(s->seq, 2);

	subscribe(XNAT_UPNP_EVT_WANIPC, NULL, NULL, "Second-600", first.sid, client, NOW + 200, &a);
	assert_int_equal(a.status, 200);
	assert_string_equal(a.reason, "renewed");
	assert_string_equal(a.sid, first.sid);
	assert_int_equal(a.timeout, 600);
	assert_int_equal(a.slot, -1); /* no initial event for a renewal */
	assert_int_equal(s->expires, NOW + 200 + 600);
	assert_int_equal(s->seq, 2);
	assert_int_equal(s->port, 5000);
	assert_string_equal(s->path, "/notify");
	assert_int_equal(g.count.renewed, 1);

	/* No TIMEOUT: the default; a shorter one shortens it */
	subscribe(XNAT_UPNP_EVT_WANIPC, NULL, NULL, NULL, first.sid, client, NOW + 300, &a);
	assert_int_equal(a.status, 200);
	assert_int_equal(s->expires, NOW + 300 + XNAT_GENA_DEFAULT_TIMEOUT);
	subscribe(XNAT_UPNP_EVT_WANIPC, NULL, NULL, "Second-60", first.sid, client, NOW + 400, &a);
	assert_int_equal(s->expires, NOW + 400 + 60);

	/* From another address, on another service, unknown, over-long, empty */
	subscribe(XNAT_UPNP_EVT_WANIPC, NULL, NULL, "Second-600", first.sid, other, NOW + 401, &a);
	assert_int_equal(a.status, 412);
	assert_string_equal(a.reason, "SID held by another address");
	assert_string_equal(a.sid, "");
	subscribe(XNAT_UPNP_EVT_L3F, NULL, NULL, "Second-600", first.sid, client, NOW + 401, &a);
	assert_int_equal(a.status, 412);
	assert_string_equal(a.reason, "unknown SID");
	subscribe(XNAT_UPNP_EVT_WANIPC, NULL, NULL, NULL, "uuid:00000000-0000-4000-8000-000000000000", client,
		  NOW + 401, &a);
	assert_int_equal(a.status, 412);
	snprintf(sid, sizeof(sid), "%s", first.sid);
	sid[XNAT_GENA_SID_LEN - 1] ^= 1;
	subscribe(XNAT_UPNP_EVT_WANIPC, NULL, NULL, NULL, sid, client, NOW + 401, &a);
	assert_int_equal(a.status, 412);
	snprintf(buf, sizeof(buf), "%sx", first.sid);
	subscribe(XNAT_UPNP_EVT_WANIPC, NULL, NULL, NULL, buf, client, NOW + 401, &a);
	assert_int_equal(a.status, 412);
	subscribe(XNAT_UPNP_EVT_WANIPC, NULL, NULL, NULL, "", client, NOW + 401, &a);
	assert_int_equal(a.status, 412);
	assert_int_equal(s->expires, NOW + 400 + 60); /* none of those touched it */
	assert_int_equal(g.count.refused, 6);

	/* Expired at its second: too late, and gone */
	subscribe(XNAT_UPNP_EVT_WANIPC, NULL, NULL, NULL, first.sid, client, NOW + 460, &a);
	assert_int_equal(a.status, 412);
	assert_string_equal(a.reason, "SID expired");
	assert_false(s->used);
	assert_int_equal(g.count.expired, 1);
	subscribe(XNAT_UPNP_EVT_WANIPC, NULL, NULL, NULL, first.sid, client, NOW + 460, &a);
	assert_int_equal(a.status, 412);
	assert_string_equal(a.reason, "unknown SID");
	assert_int_equal(g.count.renewed, 3);
}

static void test_unsubscribe(void **state)
{
	struct xnat_gena_answer a, sub;
	char long_sid[128];

	(void)state;
	subscribe(XNAT_UPNP_EVT_WANCFG, CB, "upnp:event", NULL, NULL, client, NOW, &sub);
	assert_int_equal(sub.status, 200);

	unsubscribe(XNAT_UPNP_EVT_WANCFG, NULL, NULL, NULL, client, &a);
	assert_int_equal(a.status, 412);
	assert_string_equal(a.reason, "no SID");
	unsubscribe(XNAT_UPNP_EVT_WANCFG, "", NULL, NULL, client, &a);
	assert_int_equal(a.status, 412);
	unsubscribe(XNAT_UPNP_EVT_WANCFG, NULL, CB, NULL, client, &a);
	assert_int_equal(a.status, 412); /* no SID comes first (UDA 4.1.3) */
	unsubscribe(XNAT_UPNP_EVT_WANCFG, sub.sid, CB, NULL, client, &a);
	assert_int_equal(a.status, 400);
	assert_string_equal(a.reason, "SID together with CALLBACK or NT");
	unsubscribe(XNAT_UPNP_EVT_WANCFG, sub.sid, NULL, "upnp:event", client, &a);
	assert_int_equal(a.status, 400);
	unsubscribe(XNAT_UPNP_EVT_WANCFG, "uuid:00000000-0000-4000-8000-000000000000", NULL, NULL, client, &a);
	assert_int_equal(a.status, 412);
	assert_string_equal(a.reason, "unknown SID");
	memset(long_sid, 'u', sizeof(long_sid) - 1);
	long_sid[sizeof(long_sid) - 1] = '\0';
	unsubscribe(XNAT_UPNP_EVT_WANCFG, long_sid, NULL, NULL, client, &a);
	assert_int_equal(a.status, 412);
	unsubscribe(XNAT_UPNP_EVT_WANIPC, sub.sid, NULL, NULL, client, &a);
	assert_int_equal(a.status, 412); /* another service's path */
	unsubscribe(XNAT_UPNP_EVT_WANCFG, sub.sid, NULL, NULL, other, &a);
	assert_int_equal(a.status, 412);
	assert_string_equal(a.reason, "SID held by another address");
	assert_true(g.subs[sub.slot].used);
	assert_int_equal(g.count.refused, 9);

	unsubscribe(XNAT_UPNP_EVT_WANCFG, sub.sid, NULL, NULL, client, &a);
	assert_int_equal(a.status, 200);
	assert_string_equal(a.reason, "unsubscribed");
	assert_int_equal(a.slot, -1);
	assert_false(g.subs[sub.slot].used);
	assert_int_equal(used_count(), 0);
	assert_int_equal(g.count.unsubscribed, 1);
	unsubscribe(XNAT_UPNP_EVT_WANCFG, sub.sid, NULL, NULL, client, &a);
	assert_int_equal(a.status, 412);
	subscribe(XNAT_UPNP_EVT_WANCFG, NULL, NULL, NULL, sub.sid, client, NOW, &a);
	assert_int_equal(a.status, 412); /* nor renewed */
}

static void test_timeout_parsing(void **state)
{
	static const struct {
		const char *header;
		__u32 want;
	} cases[] = {
		{ NULL, XNAT_GENA_DEFAULT_TIMEOUT },
		{ "Second-300", 300 },
		{ "second-300", 300 },
		{ "SECOND-300", 300 },
		{ "  Second-120\t", 120 },
		{ "Second-60", 60 },
		{ "Second-59", 60 },
		{ "Second-1", 60 },
		{ "Second-0", 60 },
		{ "Second-0000000000000000000000000090", XNAT_GENA_DEFAULT_TIMEOUT }, /* over 32 bytes */
		{ "Second-000090", 90 },
		{ "Second-86400", 86400 },
		{ "Second-86401", 86400 },
		{ "Second-4294967296", 86400 },
		{ "Second-99999999999999999999", 86400 },
		{ "Second-infinite", XNAT_GENA_DEFAULT_TIMEOUT },
		{ "Second-INFINITE", XNAT_GENA_DEFAULT_TIMEOUT },
		{ "infinite", XNAT_GENA_DEFAULT_TIMEOUT },
		{ "", XNAT_GENA_DEFAULT_TIMEOUT },
		{ "Second-", XNAT_GENA_DEFAULT_TIMEOUT },
		{ "Second-  300", XNAT_GENA_DEFAULT_TIMEOUT },
		{ "Second--300", XNAT_GENA_DEFAULT_TIMEOUT },
		{ "Second-+300", XNAT_GENA_DEFAULT_TIMEOUT },
		{ "Second-300s", XNAT_GENA_DEFAULT_TIMEOUT },
		{ "Second-3 00", XNAT_GENA_DEFAULT_TIMEOUT },
		{ "Second-0x12c", XNAT_GENA_DEFAULT_TIMEOUT },
		{ "Seconds-300", XNAT_GENA_DEFAULT_TIMEOUT },
		{ "Second300", XNAT_GENA_DEFAULT_TIMEOUT },
		{ "300", XNAT_GENA_DEFAULT_TIMEOUT },
		{ "Minute-5", XNAT_GENA_DEFAULT_TIMEOUT },
	};
	struct xnat_gena_answer a;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		xnat_gena_init(&g, seed);
		subscribe(XNAT_UPNP_EVT_WANIPC, CB, "upnp:event", cases[i].header, NULL, client, NOW, &a);
		assert_int_equal(a.status, 200);
		if (a.timeout != cases[i].want)
			fail_msg("TIMEOUT \"%s\": %u, want %u", cases[i].header ? cases[i].header : "(none)",
				 a.timeout, cases[i].want);
		assert_int_equal(g.subs[a.slot].expires, NOW + cases[i].want);
		/* the same rules on renewal */
		subscribe(XNAT_UPNP_EVT_WANIPC, NULL, NULL, cases[i].header, a.sid, client, NOW + 10, &a);
		assert_int_equal(a.status, 200);
		assert_int_equal(a.timeout, cases[i].want);
	}
}

/* ---------------------------------------------------------------- table */

static void test_quota_and_table_full(void **state)
{
	struct xnat_gena_answer a, last;
	char cb[64];

	(void)state;
	/* One address: 8, then 503, on any service */
	for (int i = 0; i < XNAT_GENA_MAX_PER_HOST; i++) {
		subscribe(XNAT_UPNP_EVT_WANIPC, CB, "upnp:event", i < 2 ? "Second-60" : "Second-600", NULL, client,
			  NOW, &a);
		assert_int_equal(a.status, 200);
	}
	subscribe(XNAT_UPNP_EVT_L3F, CB, "upnp:event", NULL, NULL, client, NOW, &a);
	assert_int_equal(a.status, 503);
	assert_string_equal(a.reason, "too many subscriptions from this address");
	assert_int_equal(a.slot, -1);

	/* Others fill the table */
	for (unsigned int h = 0; h < (XNAT_GENA_MAX_SUBS - XNAT_GENA_MAX_PER_HOST) / XNAT_GENA_MAX_PER_HOST; h++)
		for (int i = 0; i < XNAT_GENA_MAX_PER_HOST; i++) {
			snprintf(cb, sizeof(cb), "<http://10.0.0.%u/>", h + 1);
			subscribe(XNAT_UPNP_EVT_WANCFG, cb, "upnp:event", i ? "Second-900" : "Second-120", NULL,
				  ip4(10, 0, 0, h + 1), NOW, &a);
			assert_int_equal(a.status, 200);
		}
	assert_int_equal(used_count(), XNAT_GENA_MAX_SUBS);
	subscribe(XNAT_UPNP_EVT_WANIPC, "<http://10.0.0.99/>", "upnp:event", NULL, NULL, ip4(10, 0, 0, 99), NOW, &a);
	assert_int_equal(a.status, 503);
	assert_string_equal(a.reason, "subscription table full");
	assert_int_equal(g.count.refused, 2);
	assert_int_equal(g.count.expired, 0);

	/* A second before the first expiry: still full */
	subscribe(XNAT_UPNP_EVT_WANIPC, "<http://10.0.0.99/>", "upnp:event", NULL, NULL, ip4(10, 0, 0, 99),
		  NOW + 59, &a);
	assert_int_equal(a.status, 503);
	/* At it: the client's two 60 s ones are reclaimed, one taken by the new host */
	subscribe(XNAT_UPNP_EVT_WANIPC, "<http://10.0.0.99/>", "upnp:event", NULL, NULL, ip4(10, 0, 0, 99),
		  NOW + 60, &a);
	assert_int_equal(a.status, 200);
	assert_int_equal(g.count.expired, 2);
	assert_int_equal(used_count(), XNAT_GENA_MAX_SUBS - 1);
	/* The client is under its quota again: takes the last slot, then the table is full */
	subscribe(XNAT_UPNP_EVT_L3F, CB, "upnp:event", NULL, NULL, client, NOW + 61, &last);
	assert_int_equal(last.status, 200);
	subscribe(XNAT_UPNP_EVT_L3F, "<http://10.0.0.99/>", "upnp:event", NULL, NULL, ip4(10, 0, 0, 99), NOW + 61, &a);
	assert_int_equal(a.status, 503);
	assert_string_equal(a.reason, "subscription table full");
	/* An unsubscription makes room at once */
	unsubscribe(XNAT_UPNP_EVT_L3F, last.sid, NULL, NULL, client, &a);
	assert_int_equal(a.status, 200);
	subscribe(XNAT_UPNP_EVT_L3F, "<http://10.0.0.99/>", "upnp:event", NULL, NULL, ip4(10, 0, 0, 99), NOW + 61, &a);
	assert_int_equal(a.status, 200);
	assert_table_sane();
}

static void test_expiry(void **state)
{
	static const __u32 timeouts[] = { 60, 60, 120, 300, 300, 300, 86400 };
	struct xnat_gena_answer a;
	char to[32];

	(void)state;
	for (size_t i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++) {
		snprintf(to, sizeof(to), "Second-%u", timeouts[i]);
		subscribe(XNAT_UPNP_EVT_WANIPC, i < 4 ? CB : "<http://192.168.1.21/>", "upnp:event", to, NULL,
			  i < 4 ? client : other, NOW, &a);
		assert_int_equal(a.status, 200);
	}
	assert_int_equal(xnat_gena_expire(&g, NOW), 0);
	assert_int_equal(xnat_gena_expire(&g, NOW + 59), 0);
	assert_int_equal(xnat_gena_expire(&g, NOW + 60), 2);
	assert_int_equal(xnat_gena_expire(&g, NOW + 60), 0);
	assert_int_equal(xnat_gena_expire(&g, NOW + 299), 1);
	assert_int_equal(xnat_gena_expire(&g, NOW + 86399), 3);
	assert_int_equal(used_count(), 1);
	assert_int_equal(g.count.expired, 6);
	assert_int_equal(xnat_gena_expire(&g, NOW + 86400), 1);
	assert_int_equal(used_count(), 0);
	assert_int_equal(g.count.expired, 7);
	assert_int_equal(xnat_gena_expire(&g, 0xffffffffu), 0);

	/* Across the clock's wrap: expires has wrapped, now not yet */
	subscribe(XNAT_UPNP_EVT_WANIPC, CB, "upnp:event", "Second-300", NULL, client, 0xffffff00u, &a);
	assert_int_equal(a.status, 200);
	assert_int_equal(g.subs[a.slot].expires, 0xffffff00u + 300);
	assert_int_equal(xnat_gena_expire(&g, 0xffffffffu), 0);
	assert_int_equal(xnat_gena_expire(&g, 0xffffff00u + 299), 0);
	assert_int_equal(xnat_gena_expire(&g, 0xffffff00u + 300), 1);
}

static void test_sids_unique(void **state)
{
	enum { N = 2000 };
	char (*sids)[XNAT_GENA_SID_LEN + 1] = calloc(N, sizeof(*sids));
	struct xnat_gena_answer a;
	struct xnat_gena other_table;
	__u8 other_seed[16];

	(void)state;
	assert_non_null(sids);
	for (int i = 0; i < N; i++) {
		subscribe(XNAT_UPNP_EVT_WANIPC, CB, "upnp:event", NULL, NULL, client, NOW, &a);
		assert_int_equal(a.status, 200);
		assert_sid_form(a.sid);
		memcpy(sids[i], a.sid, sizeof(sids[i]));
		unsubscribe(XNAT_UPNP_EVT_WANIPC, a.sid, NULL, NULL, client, &a);
		assert_int_equal(a.status, 200);
	}
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++)
			if (!strcmp(sids[i], sids[j]))
				fail_msg("SID %d and %d: %s", i, j, sids[i]);
	/* Another seed, other SIDs; the same seed, the same ones (nothing else goes in) */
	memcpy(other_seed, seed, sizeof(other_seed));
	other_seed[15] ^= 1;
	xnat_gena_init(&other_table, other_seed);
	xnat_gena_subscribe(&other_table, XNAT_UPNP_EVT_WANIPC, CB, "upnp:event", NULL, NULL, client, NOW, &a);
	assert_int_equal(a.status, 200);
	assert_string_not_equal(a.sid, sids[0]);
	xnat_gena_init(&other_table, seed);
	xnat_gena_subscribe(&other_table, XNAT_UPNP_EVT_WANIPC, CB, "upnp:event", NULL, NULL, client, NOW, &a);
	assert_string_equal(a.sid, sids[0]);
	free(sids);
}

/* --------------------------------------------------------------- events */

struct text {
	char buf[512];
	size_t len;
};

static void XMLCALL on_text(void *user, const XML_Char *s, int len)
{
	struct text *t = user;

	assert_true(t->len + (size_t)len < sizeof(t->buf));
	memcpy(t->buf + t->len, s, (size_t)len);
	t->len += (size_t)len;
	t->buf[t->len] = '\0';
}

/* doc parsed as a subscriber would: well-formed, and its text is the values' concatenated. */
static void assert_xml_text(const char *doc, const char *want)
{
	XML_Parser p = XML_ParserCreate(NULL);
	struct text t = { .len = 0 };

	assert_non_null(p);
	XML_SetUserData(p, &t);
	XML_SetCharacterDataHandler(p, on_text);
	if (XML_Parse(p, doc, (int)strlen(doc), 1) != XML_STATUS_OK)
		fail_msg("not well-formed: %s", XML_ErrorString(XML_GetErrorCode(p)));
	XML_ParserFree(p);
	assert_string_equal(t.buf, want);
}

static void test_propertyset(void **state)
{
	const struct xnat_gena_var one[] = { { "ConnectionStatus", "Connected" } };
	const struct xnat_gena_var several[] = {
		{ "PossibleConnectionTypes", "IP_Routed" },
		{ "ExternalIPAddress", "" },
		{ "PortMappingNumberOfEntries", NULL },
		{ "Odd_name_2", "<&>\"'" },
	};
	char out[1024];
	int n;

	(void)state;
	n = xnat_gena_propertyset(one, 1, out, sizeof(out));
	assert_int_equal(n, (int)strlen(out));
	assert_string_equal(out, "<?xml version=\"1.0\"?>\r\n"
				 "<e:propertyset xmlns:e=\"urn:schemas-upnp-org:event-1-0\">"
				 "<e:property><ConnectionStatus>Connected</ConnectionStatus></e:property>"
				 "</e:propertyset>\r\n");
	assert_xml_text(out, "Connected");

	n = xnat_gena_propertyset(several, 4, out, sizeof(out));
	assert_int_equal(n, (int)strlen(out));
	assert_string_equal(out, "<?xml version=\"1.0\"?>\r\n"
				 "<e:propertyset xmlns:e=\"urn:schemas-upnp-org:event-1-0\">"
				 "<e:property><PossibleConnectionTypes>IP_Routed</PossibleConnectionTypes></e:property>"
				 "<e:property><ExternalIPAddress></ExternalIPAddress></e:property>"
				 "<e:property><PortMappingNumberOfEntries></PortMappingNumberOfEntries></e:property>"
				 "<e:property><Odd_name_2>&lt;&amp;&gt;&quot;&apos;</Odd_name_2></e:property>"
				 "</e:propertyset>\r\n");
	assert_xml_text(out, "IP_Routed<&>\"'");

	/* Names that are no element name of ours */
	static const char *const bad_names[] = { NULL, "", "a b", "a<b", "a>b", "x-y", "ns:Name", "\xc3\xa9",
						 "Name/", "Name\n" };
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		const struct xnat_gena_var vars[] = { { "Good", "1" }, { bad_names[i], "1" } };

		memset(out, 'x', sizeof(out));
		assert_int_equal(xnat_gena_propertyset(vars, 2, out, sizeof(out)), -1);
		assert_string_equal(out, "");
	}
	assert_int_equal(xnat_gena_propertyset(one, 0, out, sizeof(out)), -1);
	assert_string_equal(out, "");
	assert_int_equal(xnat_gena_propertyset(NULL, 1, out, sizeof(out)), -1);
	assert_int_equal(xnat_gena_propertyset(one, 1, NULL, 0), -1);
}

static void test_notify_request(void **state)
{
	static const char body[] = "<?xml version=\"1.0\"?>\r\n<e:propertyset "
				   "xmlns:e=\"urn:schemas-upnp-org:event-1-0\"><e:property><PhysicalLinkStatus>Up"
				   "</PhysicalLinkStatus></e:property></e:propertyset>\r\n";
	static const char empty_end[] = "\r\nCONTENT-LENGTH: 0\r\nCONNECTION: close\r\n\r\n";
	struct xnat_gena_answer a;
	struct xnat_gena_sub *s;
	char out[2048], want[2048];
	int n;

	(void)state;
	subscribe(XNAT_UPNP_EVT_WANCFG, "<http://192.168.1.20:49152/upnp/event/cb1?x=1>", "upnp:event", NULL, NULL,
		  client, NOW, &a);
	assert_int_equal(a.status, 200);
	s = &g.subs[a.slot];
	for (__u32 seq = 0; seq < 3; seq++) {
		snprintf(want, sizeof(want),
			 "NOTIFY /upnp/event/cb1?x=1 HTTP/1.1\r\n"
			 "HOST: 192.168.1.20:49152\r\n"
			 "CONTENT-TYPE: text/xml; charset=\"utf-8\"\r\n"
			 "NT: upnp:event\r\n"
			 "NTS: upnp:propchange\r\n"
			 "SID: %s\r\n"
			 "SEQ: %u\r\n"
			 "CONTENT-LENGTH: %zu\r\n"
			 "CONNECTION: close\r\n"
			 "\r\n"
			 "%s",
			 a.sid, seq, strlen(body), body);
		n = xnat_gena_notify_request(s, body, out, sizeof(out));
		assert_int_equal(n, (int)strlen(want));
		assert_string_equal(out, want);
		assert_int_equal(s->seq, seq + 1);
	}

	/* The wrap skips 0: that is the initial event's alone */
	s->seq = 0xfffffffeu;
	assert_true(xnat_gena_notify_request(s, body, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, "\r\nSEQ: 4294967294\r\n"));
	assert_int_equal(s->seq, 0xffffffffu);
	assert_true(xnat_gena_notify_request(s, body, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, "\r\nSEQ: 4294967295\r\n"));
	assert_int_equal(s->seq, 1);
	assert_true(xnat_gena_notify_request(s, body, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, "\r\nSEQ: 1\r\n"));
	assert_int_equal(s->seq, 2);

	/* An empty body; no body, no subscription, a table entry not ours to send: -1, seq kept */
	assert_true(xnat_gena_notify_request(s, "", out, sizeof(out)) > 0);
	n = (int)strlen(out);
	assert_in_range(n, strlen(empty_end), sizeof(out) - 1);
	assert_string_equal(out + n - strlen(empty_end), empty_end);
	assert_int_equal(s->seq, 3);
	assert_int_equal(xnat_gena_notify_request(s, NULL, out, sizeof(out)), -1);
	assert_int_equal(xnat_gena_notify_request(NULL, body, out, sizeof(out)), -1);
	s->path[5] = '\n';
	assert_int_equal(xnat_gena_notify_request(s, body, out, sizeof(out)), -1);
	assert_string_equal(out, "");
	s->path[5] = '/';
	s->path[0] = 'x';
	assert_int_equal(xnat_gena_notify_request(s, body, out, sizeof(out)), -1);
	s->path[0] = '/';
	s->used = false;
	assert_int_equal(xnat_gena_notify_request(s, body, out, sizeof(out)), -1);
	assert_int_equal(s->seq, 3);
}

/* Every cap from 0 to the length + 1 in a heap buffer of exactly that size. */
static void test_every_short_cap(void **state)
{
	const struct xnat_gena_var vars[] = { { "ConnectionStatus", "Connected" }, { "ExternalIPAddress", "<&>" } };
	struct xnat_gena_answer a;
	struct xnat_gena_sub *s;
	char full[2048], body[1024];
	int n_body, n;

	(void)state;
	n_body = xnat_gena_propertyset(vars, 2, body, sizeof(body));
	assert_true(n_body > 0);
	for (size_t cap = 0; cap <= (size_t)n_body + 1; cap++) {
		char *buf = cap ? malloc(cap) : NULL;
		int rc;

		if (cap)
			memset(buf, 'x', cap);
		rc = xnat_gena_propertyset(vars, 2, buf, cap);
		if (cap <= (size_t)n_body) {
			assert_int_equal(rc, -1);
			if (cap)
				assert_int_equal(buf[0], '\0');
		} else {
			assert_int_equal(rc, n_body);
			assert_string_equal(buf, body);
		}
		free(buf);
	}

	subscribe(XNAT_UPNP_EVT_WANIPC, CB, "upnp:event", NULL, NULL, client, NOW, &a);
	assert_int_equal(a.status, 200);
	s = &g.subs[a.slot];
	s->seq = 7;
	n = xnat_gena_notify_request(s, body, full, sizeof(full));
	assert_true(n > 0);
	s->seq = 7;
	for (size_t cap = 0; cap <= (size_t)n + 1; cap++) {
		char *buf = cap ? malloc(cap) : NULL;
		int rc;

		if (cap)
			memset(buf, 'x', cap);
		rc = xnat_gena_notify_request(s, body, buf, cap);
		if (cap <= (size_t)n) {
			assert_int_equal(rc, -1);
			if (cap)
				assert_int_equal(buf[0], '\0');
			assert_int_equal(s->seq, 7); /* a NOTIFY not written was not sent */
		} else {
			assert_int_equal(rc, n);
			assert_string_equal(buf, full);
			assert_int_equal(s->seq, 8);
		}
		free(buf);
	}
}

static void test_evented(void **state)
{
	const char *const *names;

	(void)state;
	assert_int_equal(xnat_gena_evented(XNAT_GENA_WANIPC, &names), 4);
	assert_string_equal(names[0], "PossibleConnectionTypes");
	assert_string_equal(names[1], "ConnectionStatus");
	assert_string_equal(names[2], "ExternalIPAddress");
	assert_string_equal(names[3], "PortMappingNumberOfEntries");
	assert_int_equal(xnat_gena_evented(XNAT_GENA_WANCFG, &names), 1);
	assert_string_equal(names[0], "PhysicalLinkStatus");
	assert_int_equal(xnat_gena_evented(XNAT_GENA_L3F, &names), 1);
	assert_string_equal(names[0], "DefaultConnectionService");
	assert_int_equal(xnat_gena_evented(XNAT_GENA_SERVICES, &names), 0);
	assert_null(names);
	assert_int_equal(xnat_gena_evented((enum xnat_gena_service)-1, &names), 0);
	assert_null(names);

	/* Each service's initial event can be written from these names */
	for (int s = 0; s < XNAT_GENA_SERVICES; s++) {
		struct xnat_gena_var vars[8];
		size_t n = xnat_gena_evented((enum xnat_gena_service)s, &names);
		char out[1024];

		assert_in_range(n, 1, 8);
		for (size_t i = 0; i < n; i++)
			vars[i] = (struct xnat_gena_var){ names[i], "v" };
		assert_true(xnat_gena_propertyset(vars, n, out, sizeof(out)) > 0);
	}
}

/* ------------------------------------------------------------- hostile */

/* Each cut of a good CALLBACK: accepted only where it is still whole. */
static void test_callback_every_prefix(void **state)
{
	static const char header[] = "<http://10.9.9.9/a> <http://192.168.1.20:5000/notify/x?y=1>  "
				     "<http://192.168.1.20/b>";
	const size_t first_end = strlen("<http://10.9.9.9/a> <http://192.168.1.20:5000/notify/x?y=1>");
	const size_t len = strlen(header);
	struct xnat_gena_answer a;

	(void)state;
	for (size_t n = 0; n <= len; n++) {
		char *cut = malloc(n + 1);
		bool whole = n == first_end || n == first_end + 1 || n == first_end + 2 || n == len;

		memcpy(cut, header, n);
		cut[n] = '\0';
		xnat_gena_init(&g, seed);
		xnat_gena_subscribe(&g, XNAT_UPNP_EVT_WANIPC, cut, "upnp:event", NULL, NULL, client, NOW, &a);
		if (whole) {
			assert_int_equal(a.status, 200);
			assert_int_equal(g.subs[a.slot].port, 5000);
			assert_string_equal(g.subs[a.slot].path, "/notify/x?y=1");
		} else if (a.status != 412) {
			fail_msg("cut at %zu: %d", n, a.status);
		}
		free(cut);
	}
}

/* A random header: random bytes, or a good one with a few bytes changed. */
static char *random_header(unsigned int *seedp, const char *good)
{
	size_t len;
	char *s;

	if (rand_r(seedp) % 2) {
		len = (size_t)(rand_r(seedp) % 1200);
		s = malloc(len + 1);
		for (size_t i = 0; i < len; i++)
			s[i] = (char)(rand_r(seedp) % 255 + 1);
	} else {
		len = strlen(good);
		s = malloc(len + 1);
		memcpy(s, good, len);
		for (int k = rand_r(seedp) % 4; k >= 0 && len; k--)
			s[(size_t)rand_r(seedp) % len] = "<> :/@#.0129\x01\x7f\xff"[rand_r(seedp) % 16];
	}
	s[len] = '\0';
	return s;
}

static void test_random_headers_never_crash(void **state)
{
	static const char *const paths[] = { XNAT_UPNP_EVT_WANIPC, XNAT_UPNP_EVT_WANCFG, XNAT_UPNP_EVT_L3F, "/x" };
	unsigned int rnd = 1995;
	int statuses[600] = { 0 };

	(void)state;
	for (int i = 0; i < 10000; i++) {
		struct xnat_gena_answer a;
		const char *path = paths[rand_r(&rnd) % 4];
		unsigned int shape = (unsigned int)rand_r(&rnd);
		char *cb = shape & 1 ? random_header(&rnd, CB " <http://192.168.1.20:80/b>") : NULL;
		char *nt = shape & 2 ? random_header(&rnd, "upnp:event") : NULL;
		char *to = shape & 4 ? random_header(&rnd, "Second-1800") : NULL;
		char *sid = shape & 8 ? random_header(&rnd, g.subs[rand_r(&rnd) % XNAT_GENA_MAX_SUBS].sid) : NULL;
		__be32 from = shape & 16 ? client : ip4(192, 168, 1, (unsigned int)rand_r(&rnd) % 4 + 20);

		/* Keep the good headers often enough that some requests get through. */
		if (shape & 32 && !cb && !sid) {
			cb = dup_exact(CB);
			free(nt);
			nt = dup_exact("upnp:event");
		}
		if (shape & 64) {
			xnat_gena_unsubscribe(&g, path, sid, cb, nt, from, &a);
			assert_true(a.status == 200 || a.status == 400 || a.status == 412);
		} else {
			xnat_gena_subscribe(&g, path, cb, nt, to, sid, from, NOW + (__u32)i / 10, &a);
			assert_true(a.status == 200 || a.status == 400 || a.status == 412 || a.status == 503);
			if (a.status == 200) {
				assert_sid_form(a.sid);
				assert_in_range(a.timeout, XNAT_GENA_MIN_TIMEOUT, XNAT_GENA_MAX_TIMEOUT);
			}
		}
		assert_non_null(a.reason);
		if (a.slot >= 0) {
			assert_int_equal(a.status, 200);
			assert_int_equal(g.subs[a.slot].addr, from);
		}
		statuses[a.status]++;
		free(cb);
		free(nt);
		free(to);
		free(sid);
	}
	assert_table_sane();
	/* Every outcome was reached. */
	assert_true(statuses[200] > 0 && statuses[400] > 0 && statuses[412] > 0 && statuses[503] > 0);
	assert_int_equal(g.count.subscribed + g.count.renewed + g.count.unsubscribed + g.count.refused, 10000);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_service_of),             T(test_subscribe_new),
		T(test_callback_refused),       T(test_callback_several_urls),
		T(test_nt_and_headers),         T(test_renewal),
		T(test_unsubscribe),            T(test_timeout_parsing),
		T(test_quota_and_table_full),   T(test_expiry),
		T(test_sids_unique),            T(test_propertyset),
		T(test_notify_request),         T(test_every_short_cap),
		T(test_evented),                T(test_callback_every_prefix),
		T(test_random_headers_never_crash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
