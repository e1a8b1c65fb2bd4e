// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * SSDP (agent/lib/ssdp.c): the M-SEARCHes real clients send and the ones
 * no client should (each prefix of a good one, random bytes, over-long
 * and repeated fields), what each search target is answered with, and
 * the responses and NOTIFYs header by header. Every datagram is handed
 * over in a buffer of exactly its length, so valgrind sees a read past it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ssdp.h"

#define LOCATION "http://192.168.1.1:5000"
#define URN_D "urn:schemas-upnp-org:device:"
#define URN_S "urn:schemas-upnp-org:service:"

/* What miniupnpc (upnpc, Transmission, qBittorrent...) sends. */
static const char miniupnpc[] = "M-SEARCH * HTTP/1.1\r\n"
				"HOST: 239.255.255.250:1900\r\n"
				"ST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n"
				"MAN: \"ssdp:discover\"\r\n"
				"MX: 2\r\n"
				"\r\n";

static struct xnat_upnp_device dev;

static int setup(void **state)
{
	static const __u8 seed[16] = { 0x3c, 0x9a, 0x51, 0x07, 0xee, 0x21, 0x6b, 0x40,
				       0x9d, 0x12, 0x77, 0x05, 0xa8, 0xc3, 0x1f, 0x5e };

	(void)state;
	memset(&dev, 0, sizeof(dev));
	dev.boot_id = 17;
	dev.config_id = 4;
	xnat_upnp_device_init(&dev, seed);
	return 0;
}

/* ---------------------------------------------------------- M-SEARCH */

/* text[0..len) parsed from a heap copy of exactly len bytes. */
static int parse_n(const char *text, size_t len, struct xnat_ssdp_search *s)
{
	char *buf = len ? malloc(len) : NULL;
	int rc;

	if (len)
		memcpy(buf, text, len);
	rc = xnat_ssdp_parse_msearch(buf, len, s);
	free(buf);
	return rc;
}

static int parse(const char *text, struct xnat_ssdp_search *s)
{
	return parse_n(text, strlen(text), s);
}

/* A multicast search for st with these extra header lines (each ending CRLF). */
static int search(const char *st, const char *extra, struct xnat_ssdp_search *s)
{
	char msg[2048];
	int n = snprintf(msg, sizeof(msg),
			 "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 2\r\n"
			 "ST: %s\r\n%s\r\n", st, extra);

	assert_in_range(n, 1, sizeof(msg) - 1);
	return parse(msg, s);
}

static void test_parse_real_clients(void **state)
{
	struct xnat_ssdp_search s;

	(void)state;
	assert_int_equal(parse(miniupnpc, &s), 0);
	assert_string_equal(s.st, URN_D "InternetGatewayDevice:1");
	assert_int_equal(s.mx, 2);
	assert_false(s.unicast);
	assert_string_equal(s.user_agent, "");

	/* Windows 10 (SSDP Discovery service) */
	assert_int_equal(parse("M-SEARCH * HTTP/1.1\r\n"
			       "HOST: 239.255.255.250:1900\r\n"
			       "MAN: \"ssdp:discover\"\r\n"
			       "MX: 1\r\n"
			       "ST: upnp:rootdevice\r\n"
			       "USER-AGENT: Microsoft-Windows/10.0 UPnP/1.0\r\n"
			       "\r\n", &s), 0);
	assert_string_equal(s.st, "upnp:rootdevice");
	assert_int_equal(s.mx, 1);
	assert_false(s.unicast);
	assert_string_equal(s.user_agent, "Microsoft-Windows/10.0 UPnP/1.0");

	/* Older Windows: mixed-case names, no blank after the colon */
	assert_int_equal(parse("M-SEARCH * HTTP/1.1\r\n"
			       "Host:239.255.255.250:1900\r\n"
			       "ST:urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n"
			       "Man:\"ssdp:discover\"\r\n"
			       "mX:3\r\n"
			       "User-Agent:  Microsoft-Windows/6.1 UPnP/1.0 \t\r\n"
			       "\r\n", &s), 0);
	assert_string_equal(s.st, URN_D "InternetGatewayDevice:1");
	assert_int_equal(s.mx, 3);
	assert_string_equal(s.user_agent, "Microsoft-Windows/6.1 UPnP/1.0");

	/* UDA 1.1 headers we do not read, bare LF line ends, blanks around values */
	assert_int_equal(parse("M-SEARCH * HTTP/1.1\n"
			       "HOST: 239.255.255.250\n"
			       "MAN: \"ssdp:discover\"\n"
			       "MX:\t4 \n"
			       "ST:   ssdp:all  \t\n"
			       "CPFN.UPNP.ORG: Living room\n"
			       "TCPPORT.UPNP.ORG: 49152\n"
			       "\n", &s), 0);
	assert_string_equal(s.st, "ssdp:all");
	assert_int_equal(s.mx, 4);
	assert_false(s.unicast);
}

static void test_parse_mx(void **state)
{
	static const struct {
		const char *mx;
		int rc;
		unsigned int want;
	} cases[] = {
		{ "MX: 1\r\n", 0, 1 },   { "MX: 5\r\n", 0, 5 },   { "MX: 6\r\n", 0, 5 },
		{ "MX: 120\r\n", 0, 5 }, { "MX: 99999999999999999999999\r\n", 0, 5 },
		{ "", -1, 0 },           { "MX: 0\r\n", -1, 0 },  { "MX: abc\r\n", -1, 0 },
		{ "MX: -1\r\n", -1, 0 }, { "MX: 2 3\r\n", -1, 0 }, { "MX:\r\n", -1, 0 },
		{ "MX: +2\r\n", -1, 0 }, { "MX: 2s\r\n", -1, 0 }, { "MX: 2\r\nMX: 3\r\n", -1, 0 },
	};
	struct xnat_ssdp_search s;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char msg[256];

		snprintf(msg, sizeof(msg), "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
			 "MAN: \"ssdp:discover\"\r\nST: ssdp:all\r\n%s\r\n", cases[i].mx);
		assert_int_equal(parse(msg, &s), cases[i].rc);
		assert_int_equal(s.mx, cases[i].want);
	}
	/* No HOST at all: judged as a multicast search, MX needed */
	assert_int_equal(parse("M-SEARCH * HTTP/1.1\r\nMAN: \"ssdp:discover\"\r\nST: ssdp:all\r\nMX: 1\r\n\r\n", &s),
			 0);
	assert_false(s.unicast);
	assert_int_equal(parse("M-SEARCH * HTTP/1.1\r\nMAN: \"ssdp:discover\"\r\nST: ssdp:all\r\n\r\n", &s), -1);
}

static void test_parse_unicast(void **state)
{
	struct xnat_ssdp_search s;

	(void)state;
	assert_int_equal(parse("M-SEARCH * HTTP/1.1\r\nHOST: 192.168.1.1:1900\r\nMAN: \"ssdp:discover\"\r\n"
			       "ST: urn:schemas-upnp-org:device:InternetGatewayDevice:2\r\n\r\n", &s), 0);
	assert_true(s.unicast);
	assert_int_equal(s.mx, 0);
	assert_string_equal(s.st, URN_D "InternetGatewayDevice:2");
	/* MX is not looked at */
	assert_int_equal(parse("M-SEARCH * HTTP/1.1\r\nHOST: 192.168.1.1:1900\r\nMAN: \"ssdp:discover\"\r\n"
			       "MX: abc\r\nST: ssdp:all\r\n\r\n", &s), 0);
	assert_true(s.unicast);
	assert_int_equal(s.mx, 0);
	assert_int_equal(parse("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1901\r\nMAN: \"ssdp:discover\"\r\n"
			       "ST: ssdp:all\r\n\r\n", &s), 0);
	assert_true(s.unicast);
}

static void test_parse_refusals(void **state)
{
	static const char *const bad[] = {
		/* MAN missing, unquoted, other case, other value */
		"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMX: 2\r\nST: ssdp:all\r\n\r\n",
		"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: ssdp:discover\r\nMX: 2\r\nST: ssdp:all\r\n\r\n",
		"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:DISCOVER\"\r\nMX: 2\r\nST: ssdp:all\r\n\r\n",
		"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:alive\"\r\nMX: 2\r\nST: ssdp:all\r\n\r\n",
		/* ST missing or empty */
		"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 2\r\n\r\n",
		"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 2\r\nST: \r\n\r\n",
		/* ST or MAN twice */
		"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 2\r\nST: ssdp:all\r\n"
		"st: upnp:rootdevice\r\n\r\n",
		"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 2\r\nST: ssdp:all\r\n"
		"MAN: \"ssdp:discover\"\r\n\r\n",
		/* a line without ':', a folded line, a blank in a name */
		"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 2\r\nST: ssdp:all\r\n"
		"garbage\r\n\r\n",
		"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 2\r\nST: ssdp:all\r\n"
		" continued\r\n\r\n",
		"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 2\r\nST : ssdp:all\r\n\r\n",
		"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 2\r\nST: ssdp:all\r\n"
		": empty name\r\n\r\n",
		/* other request lines: NOTIFY, a response, other versions, other case */
		"NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nCACHE-CONTROL: max-age=1800\r\n"
		"LOCATION: http://192.168.1.20:49152/desc.xml\r\nNT: upnp:rootdevice\r\nNTS: ssdp:alive\r\n"
		"SERVER: Linux/5.10 UPnP/1.0 Portable SDK for UPnP devices/1.14\r\n"
		"USN: uuid:2fac1234-31f8-11b4-a222-08002b34c003::upnp:rootdevice\r\n\r\n",
		"HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: upnp:rootdevice\r\n"
		"USN: uuid:2fac1234-31f8-11b4-a222-08002b34c003::upnp:rootdevice\r\nEXT:\r\n"
		"SERVER: Linux/5.10 UPnP/1.1 MiniUPnPd/2.3\r\nLOCATION: http://192.168.1.254:5000/rootDesc.xml\r\n\r\n",
		"M-SEARCH * HTTP/1.0\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 2\r\nST: ssdp:all\r\n\r\n",
		"m-search * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 2\r\nST: ssdp:all\r\n\r\n",
		"M-SEARCH  * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 2\r\nST: ssdp:all\r\n\r\n",
		"M-SEARCH / HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 2\r\nST: ssdp:all\r\n\r\n",
		/* no empty line at the end: cut short */
		"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 2\r\nST: ssdp:all\r\n",
		/* a lone CR or another control character in a line */
		"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 2\r\nST: ssdp:all\r\r\n\r\n",
		"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 2\r\nST: ssdp:\x1b" "all\r\n\r\n",
		"",
		"\r\n",
	};
	struct xnat_ssdp_search s;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&s, 0xa5, sizeof(s));
		if (parse(bad[i], &s) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_string_equal(s.st, ""); /* nothing half-read */
	}
	assert_int_equal(xnat_ssdp_parse_msearch(NULL, 10, &s), -1);
	assert_int_equal(xnat_ssdp_parse_msearch(miniupnpc, sizeof(miniupnpc) - 1, NULL), -1);
}

static void test_parse_bounds(void **state)
{
	char st[XNAT_SSDP_ST_MAX + 2], value[600], extra[1024];
	struct xnat_ssdp_search s;
	size_t n = 0;

	(void)state;
	memset(st, 'a', sizeof(st) - 1);
	st[XNAT_SSDP_ST_MAX] = '\0';
	assert_int_equal(search(st, "", &s), 0);
	assert_string_equal(s.st, st);
	st[XNAT_SSDP_ST_MAX] = 'a';
	st[XNAT_SSDP_ST_MAX + 1] = '\0';
	assert_int_equal(search(st, "", &s), -1);

	/* A line of 512 bytes is read, 513 is not. */
	memset(value, 'v', sizeof(value));
	snprintf(extra, sizeof(extra), "X-PAD: %.*s\r\n", 512 - 7, value);
	assert_int_equal(search("ssdp:all", extra, &s), 0);
	snprintf(extra, sizeof(extra), "X-PAD: %.*s\r\n", 513 - 7, value);
	assert_int_equal(search("ssdp:all", extra, &s), -1);
	snprintf(extra, sizeof(extra), "X-PAD: %.*s\n", 513 - 7, value); /* the CR does not count */
	assert_int_equal(search("ssdp:all", extra, &s), -1);

	/* A USER-AGENT too long is cut to fit. */
	snprintf(extra, sizeof(extra), "USER-AGENT: %.300s\r\n", value);
	assert_int_equal(search("ssdp:all", extra, &s), 0);
	assert_int_equal(strlen(s.user_agent), sizeof(s.user_agent) - 1);

	/* 32 header lines are read, 33 are not (the search has 4). */
	for (int i = 0; i < 28; i++)
		n += (size_t)snprintf(extra + n, sizeof(extra) - n, "X-%d: %d\r\n", i, i);
	assert_int_equal(search("ssdp:all", extra, &s), 0);
	snprintf(extra + n, sizeof(extra) - n, "X-last: 1\r\n");
	assert_int_equal(search("ssdp:all", extra, &s), -1);
}

static void test_parse_nul_and_after_end(void **state)
{
	static const char nul_in_st[] = "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\n"
					"MX: 2\r\nST: upnp:root\0device\r\n\r\n";
	static const char nul_in_other[] = "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\n"
					   "MX: 2\r\nST: upnp:rootdevice\r\nX-A: \0\r\n\r\n";
	static const char nul_after[] = "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\n"
					"MX: 2\r\nST: upnp:rootdevice\r\n\r\n\0\0garbage\r\nST: x\r\n";
	struct xnat_ssdp_search s;

	(void)state;
	assert_int_equal(parse_n(nul_in_st, sizeof(nul_in_st) - 1, &s), -1);
	assert_int_equal(parse_n(nul_in_other, sizeof(nul_in_other) - 1, &s), -1);
	assert_int_equal(parse_n(nul_after, sizeof(nul_after) - 1, &s), 0);
	assert_string_equal(s.st, "upnp:rootdevice");
	/* nor does the message need a NUL after it */
	assert_int_equal(parse_n(miniupnpc, sizeof(miniupnpc) - 1, &s), 0);
}

/* Each cut of a good search is refused: it is missing at least its end. */
static void test_parse_every_prefix(void **state)
{
	static const char *const msgs[] = {
		miniupnpc,
		"M-SEARCH * HTTP/1.1\nHOST: 192.168.1.1:1900\nMAN: \"ssdp:discover\"\nST: ssdp:all\nUSER-AGENT: x\n\n",
	};
	struct xnat_ssdp_search s;

	(void)state;
	for (size_t m = 0; m < sizeof(msgs) / sizeof(msgs[0]); m++) {
		size_t len = strlen(msgs[m]);

		for (size_t n = 0; n < len; n++)
			assert_int_equal(parse_n(msgs[m], n, &s), -1);
		assert_int_equal(parse_n(msgs[m], len, &s), 0);
	}
}

static void check_search_sane(const struct xnat_ssdp_search *s)
{
	assert_true(strlen(s->st) >= 1 && strlen(s->st) <= XNAT_SSDP_ST_MAX);
	assert_true(strlen(s->user_agent) < sizeof(s->user_agent));
	if (s->unicast)
		assert_int_equal(s->mx, 0);
	else
		assert_in_range(s->mx, 1, XNAT_SSDP_MX_CAP);
}

static void test_parse_garbage_never_crashes(void **state)
{
	unsigned int seed = 1900;
	size_t base = strlen(miniupnpc);
	int accepted = 0;

	(void)state;
	for (int i = 0; i < 10000; i++) {
		struct xnat_ssdp_search s;
		size_t len;
		char *buf;
		int rc;

		if (i % 2) { /* random bytes, some lengths past a datagram */
			len = (size_t)(rand_r(&seed) % 1600);
			buf = malloc(len ? len : 1);
			for (size_t j = 0; j < len; j++)
				buf[j] = (char)rand_r(&seed);
		} else { /* a good search with a few bytes changed, to get past the first line */
			len = base;
			buf = malloc(len);
			memcpy(buf, miniupnpc, len);
			for (int k = rand_r(&seed) % 4; k >= 0; k--)
				buf[(size_t)rand_r(&seed) % len] = "\r\n:\0 \"a5"[rand_r(&seed) % 8];
		}
		rc = xnat_ssdp_parse_msearch(buf, len, &s);
		assert_true(rc == 0 || rc == -1);
		if (!rc) {
			accepted++;
			check_search_sane(&s);
		}
		free(buf);
	}
	assert_true(accepted > 0); /* the mutations did reach the end sometimes */
}

/* ------------------------------------------------------------- targets */

static void usn_of(char *out, size_t cap, const char *uuid, const char *st)
{
	snprintf(out, cap, "uuid:%s::%s", uuid, st);
}

static void test_match_each_target(void **state)
{
	const struct {
		const char *st;
		const char *uuid;
		int igd_version;
	} cases[] = {
		{ URN_D "InternetGatewayDevice:1", dev.uuid_igd, 1 },
		{ URN_D "InternetGatewayDevice:2", dev.uuid_igd, 2 },
		{ URN_D "WANDevice:1", dev.uuid_wan, 1 },
		{ URN_D "WANDevice:2", dev.uuid_wan, 2 },
		{ URN_D "WANConnectionDevice:1", dev.uuid_wcd, 1 },
		{ URN_D "WANConnectionDevice:2", dev.uuid_wcd, 2 },
		{ URN_S "WANIPConnection:1", dev.uuid_wcd, 1 },
		{ URN_S "WANIPConnection:2", dev.uuid_wcd, 2 },
		{ URN_S "WANCommonInterfaceConfig:1", dev.uuid_wan, 2 },
		{ URN_S "Layer3Forwarding:1", dev.uuid_igd, 2 },
		{ "upnp:rootdevice", dev.uuid_igd, 2 },
	};
	struct xnat_ssdp_target t[XNAT_SSDP_MAX_TARGETS];
	char want[300];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(xnat_ssdp_match(&dev, cases[i].st, t, XNAT_SSDP_MAX_TARGETS), 1);
		assert_string_equal(t[0].st, cases[i].st);
		usn_of(want, sizeof(want), cases[i].uuid, cases[i].st);
		assert_string_equal(t[0].usn, want);
		assert_int_equal(t[0].igd_version, cases[i].igd_version);
	}
	for (const char *const *u = (const char *const[]){ dev.uuid_igd, dev.uuid_wan, dev.uuid_wcd, NULL }; *u; u++) {
		snprintf(want, sizeof(want), "uuid:%s", *u);
		assert_int_equal(xnat_ssdp_match(&dev, want, t, XNAT_SSDP_MAX_TARGETS), 1);
		assert_string_equal(t[0].st, want);
		assert_string_equal(t[0].usn, want);
		assert_int_equal(t[0].igd_version, 2);
	}
}

static void test_match_nothing(void **state)
{
	char upper[64];
	const char *const none[] = {
		URN_S "WANIPConnection:3", URN_D "InternetGatewayDevice:3", URN_D "WANDevice:3",
		URN_S "WANCommonInterfaceConfig:2", URN_S "Layer3Forwarding:2", URN_S "WANPPPConnection:1",
		URN_D "InternetGatewayDevice:0", URN_D "InternetGatewayDevice:01", URN_D "InternetGatewayDevice:",
		URN_D "InternetGatewayDevice:1 ", URN_D "internetgatewaydevice:1", "urn:schemas-upnp-org:device:",
		"ssdp:ALL", "UPNP:ROOTDEVICE", "upnp:rootdevice:1", "", "uuid:", upper,
		"urn:schemas-wifialliance-org:device:WFADevice:1", URN_D "MediaRenderer:1",
	};
	struct xnat_ssdp_target t[XNAT_SSDP_MAX_TARGETS];

	(void)state;
	snprintf(upper, sizeof(upper), "uuid:%s", dev.uuid_igd);
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		if (xnat_ssdp_match(&dev, none[i], t, XNAT_SSDP_MAX_TARGETS))
			fail_msg("matched %s", none[i]);
	assert_int_equal(xnat_ssdp_match(&dev, NULL, t, XNAT_SSDP_MAX_TARGETS), 0);
}

static void test_notify_targets_and_ssdp_all(void **state)
{
	const struct {
		const char *nt;
		const char *uuid;
	} want[] = {
		{ "upnp:rootdevice", dev.uuid_igd },
		{ NULL, dev.uuid_igd },
		{ URN_D "InternetGatewayDevice:2", dev.uuid_igd },
		{ NULL, dev.uuid_wan },
		{ URN_D "WANDevice:2", dev.uuid_wan },
		{ NULL, dev.uuid_wcd },
		{ URN_D "WANConnectionDevice:2", dev.uuid_wcd },
		{ URN_S "WANIPConnection:2", dev.uuid_wcd },
		{ URN_S "WANCommonInterfaceConfig:1", dev.uuid_wan },
		{ URN_S "Layer3Forwarding:1", dev.uuid_igd },
	};
	struct xnat_ssdp_target t[XNAT_SSDP_MAX_TARGETS], all[XNAT_SSDP_MAX_TARGETS];
	char st[300], usn[300];

	(void)state;
	assert_int_equal(xnat_ssdp_notify_targets(&dev, t, XNAT_SSDP_MAX_TARGETS), 10);
	for (size_t i = 0; i < 10; i++) {
		if (want[i].nt) {
			snprintf(st, sizeof(st), "%s", want[i].nt);
			usn_of(usn, sizeof(usn), want[i].uuid, want[i].nt);
		} else { /* a device's uuid: the USN is the uuid alone */
			snprintf(st, sizeof(st), "uuid:%s", want[i].uuid);
			snprintf(usn, sizeof(usn), "uuid:%s", want[i].uuid);
		}
		assert_string_equal(t[i].st, st);
		assert_string_equal(t[i].usn, usn);
		assert_int_equal(t[i].igd_version, 2);
	}
	assert_int_equal(xnat_ssdp_match(&dev, "ssdp:all", all, XNAT_SSDP_MAX_TARGETS), 10);
	assert_memory_equal(all, t, 10 * sizeof(t[0]));
}

/* Nothing is written past max. */
static void test_match_respects_max(void **state)
{
	struct xnat_ssdp_target t[XNAT_SSDP_MAX_TARGETS], first[XNAT_SSDP_MAX_TARGETS], guard;

	(void)state;
	xnat_ssdp_notify_targets(&dev, first, XNAT_SSDP_MAX_TARGETS);
	for (size_t max = 0; max <= 10; max++) {
		memset(t, 0x5a, sizeof(t));
		memset(&guard, 0x5a, sizeof(guard));
		assert_int_equal(xnat_ssdp_match(&dev, "ssdp:all", t, max), max);
		assert_int_equal(xnat_ssdp_notify_targets(&dev, t, max), max);
		if (max)
			assert_memory_equal(t, first, max * sizeof(t[0]));
		assert_memory_equal(&t[max], &guard, sizeof(guard));
	}
	memset(t, 0x5a, sizeof(t));
	assert_int_equal(xnat_ssdp_match(&dev, "upnp:rootdevice", t, 0), 0);
	assert_int_equal(xnat_ssdp_match(&dev, URN_S "WANIPConnection:1", t, 0), 0);
	assert_memory_equal(&t[0], &guard, sizeof(guard));
}

/* A search for each target we announce finds that target again. */
static void test_search_round_trip(void **state)
{
	struct xnat_ssdp_target t[XNAT_SSDP_MAX_TARGETS], found[XNAT_SSDP_MAX_TARGETS];
	int n = xnat_ssdp_notify_targets(&dev, t, XNAT_SSDP_MAX_TARGETS);

	(void)state;
	for (int i = 0; i < n; i++) {
		struct xnat_ssdp_search s;

		assert_int_equal(search(t[i].st, "", &s), 0);
		assert_int_equal(xnat_ssdp_match(&dev, s.st, found, XNAT_SSDP_MAX_TARGETS), 1);
		assert_memory_equal(&found[0], &t[i], sizeof(t[i]));
	}
}

/* ------------------------------------------------------------ messages */

struct message {
	char first[64];
	int n;
	char name[16][32];
	char value[16][256];
};

/* Checks the framing (CRLF everywhere, one empty line, at the end) and splits the headers. */
static struct message split(const char *m, int len)
{
	struct message out = { 0 };
	const char *p = m, *end;

	assert_true(len > 4);
	assert_int_equal(strlen(m), len);
	assert_string_equal(m + len - 4, "\r\n\r\n");
	for (int i = 0; i < len; i++)
		if (m[i] == '\n')
			assert_true(i > 0 && m[i - 1] == '\r');
		else if (m[i] == '\r')
			assert_true(i + 1 < len && m[i + 1] == '\n');
	end = strstr(p, "\r\n");
	snprintf(out.first, sizeof(out.first), "%.*s", (int)(end - p), p);
	for (p = end + 2; (end = strstr(p, "\r\n")) != p; p = end + 2) {
		const char *colon = memchr(p, ':', (size_t)(end - p));

		assert_non_null(colon);
		assert_true(out.n < 16);
		snprintf(out.name[out.n], sizeof(out.name[0]), "%.*s", (int)(colon - p), p);
		colon += colon[1] == ' ';
		snprintf(out.value[out.n], sizeof(out.value[0]), "%.*s", (int)(end - colon - 1), colon + 1);
		out.n++;
	}
	assert_ptr_equal(p + 2, m + len); /* the empty line is the last */
	return out;
}

static void assert_names(const struct message *m, const char *const *names)
{
	int i = 0;

	for (; names[i]; i++) {
		assert_true(i < m->n);
		assert_string_equal(m->name[i], names[i]);
	}
	assert_int_equal(m->n, i);
}

static const char *header(const struct message *m, const char *name)
{
	for (int i = 0; i < m->n; i++)
		if (!strcmp(m->name[i], name))
			return m->value[i];
	fail_msg("no %s", name);
	return NULL;
}

static void test_server_string(void **state)
{
	char server[XNAT_SSDP_SERVER_MAX];
	const char *suffix = " UPnP/1.1 xnat/0.1";
	int n = xnat_ssdp_server(server, sizeof(server));

	(void)state;
	assert_true(n > (int)strlen(suffix));
	assert_int_equal(strlen(server), n);
	assert_string_equal(server + n - strlen(suffix), suffix);
	/* "OS/release": one token, one '/' */
	assert_int_equal(strcspn(server, " "), n - strlen(suffix));
	assert_non_null(memchr(server, '/', (size_t)n - strlen(suffix)));
	for (size_t cap = 0; cap <= (size_t)n; cap++) {
		char small[XNAT_SSDP_SERVER_MAX];

		memset(small, 'x', sizeof(small));
		assert_int_equal(xnat_ssdp_server(cap ? small : NULL, cap), -1);
		if (cap)
			assert_int_equal(small[0], '\0');
	}
}

static void test_response(void **state)
{
	static const char *const names[] = { "CACHE-CONTROL", "EXT", "LOCATION", "SERVER", "ST", "USN",
					     "BOOTID.UPNP.ORG", "CONFIGID.UPNP.ORG", NULL };
	struct xnat_ssdp_target t[XNAT_SSDP_MAX_TARGETS];
	char out[1024], server[XNAT_SSDP_SERVER_MAX];
	struct message m;
	int n;

	(void)state;
	xnat_ssdp_server(server, sizeof(server));
	assert_int_equal(xnat_ssdp_match(&dev, URN_D "InternetGatewayDevice:2", t, 1), 1);
	n = xnat_ssdp_response(&dev, LOCATION, &t[0], out, sizeof(out));
	m = split(out, n);
	assert_string_equal(m.first, "HTTP/1.1 200 OK");
	assert_names(&m, names);
	assert_string_equal(header(&m, "CACHE-CONTROL"), "max-age=1800");
	assert_string_equal(header(&m, "EXT"), "");
	assert_string_equal(header(&m, "LOCATION"), LOCATION XNAT_UPNP_PATH_ROOT);
	assert_string_equal(header(&m, "SERVER"), server);
	assert_string_equal(header(&m, "ST"), t[0].st);
	assert_string_equal(header(&m, "USN"), t[0].usn);
	assert_string_equal(header(&m, "BOOTID.UPNP.ORG"), "17");
	assert_string_equal(header(&m, "CONFIGID.UPNP.ORG"), "4");

	/* A search for an IGD:1 type is sent to the IGD:1 description. */
	for (const char *const *st = (const char *const[]){ URN_D "InternetGatewayDevice:1", URN_D "WANDevice:1",
							     URN_D "WANConnectionDevice:1", URN_S "WANIPConnection:1",
							     NULL };
	     *st; st++) {
		assert_int_equal(xnat_ssdp_match(&dev, *st, t, 1), 1);
		m = split(out, xnat_ssdp_response(&dev, LOCATION, &t[0], out, sizeof(out)));
		assert_string_equal(header(&m, "LOCATION"), LOCATION XNAT_UPNP_PATH_ROOT1);
		assert_string_equal(header(&m, "ST"), *st);
	}
	assert_int_equal(xnat_ssdp_response(&dev, NULL, &t[0], out, sizeof(out)), -1);
	assert_string_equal(out, "");
}

static void test_notify(void **state)
{
	static const char *const alive[] = { "HOST", "CACHE-CONTROL", "LOCATION", "NT", "NTS", "SERVER", "USN",
					     "BOOTID.UPNP.ORG", "CONFIGID.UPNP.ORG", NULL };
	static const char *const byebye[] = { "HOST", "NT", "NTS", "USN", "BOOTID.UPNP.ORG", "CONFIGID.UPNP.ORG",
					      NULL };
	struct xnat_ssdp_target t[XNAT_SSDP_MAX_TARGETS];
	int n = xnat_ssdp_notify_targets(&dev, t, XNAT_SSDP_MAX_TARGETS);
	char out[1024], server[XNAT_SSDP_SERVER_MAX];
	struct xnat_ssdp_search s;
	struct message m;

	(void)state;
	xnat_ssdp_server(server, sizeof(server));
	for (int i = 0; i < n; i++) {
		m = split(out, xnat_ssdp_notify(&dev, LOCATION, &t[i], true, out, sizeof(out)));
		assert_string_equal(m.first, "NOTIFY * HTTP/1.1");
		assert_names(&m, alive);
		assert_string_equal(header(&m, "HOST"), "239.255.255.250:1900");
		assert_string_equal(header(&m, "CACHE-CONTROL"), "max-age=1800");
		assert_string_equal(header(&m, "LOCATION"), LOCATION XNAT_UPNP_PATH_ROOT);
		assert_string_equal(header(&m, "NT"), t[i].st);
		assert_string_equal(header(&m, "NTS"), "ssdp:alive");
		assert_string_equal(header(&m, "SERVER"), server);
		assert_string_equal(header(&m, "USN"), t[i].usn);
		assert_string_equal(header(&m, "BOOTID.UPNP.ORG"), "17");
		assert_string_equal(header(&m, "CONFIGID.UPNP.ORG"), "4");
		assert_int_equal(parse(out, &s), -1); /* not a search */

		/* byebye: no LOCATION, CACHE-CONTROL or SERVER; the location is not even needed */
		m = split(out, xnat_ssdp_notify(&dev, NULL, &t[i], false, out, sizeof(out)));
		assert_string_equal(m.first, "NOTIFY * HTTP/1.1");
		assert_names(&m, byebye);
		assert_string_equal(header(&m, "NT"), t[i].st);
		assert_string_equal(header(&m, "NTS"), "ssdp:byebye");
		assert_string_equal(header(&m, "USN"), t[i].usn);
	}
	assert_int_equal(xnat_ssdp_notify(&dev, NULL, &t[0], true, out, sizeof(out)), -1);
}

/* Every cap short of the message: -1 and "", never a write past cap (valgrind watches). */
static void test_messages_every_short_cap(void **state)
{
	struct xnat_ssdp_target t[XNAT_SSDP_MAX_TARGETS];
	char full[1024];

	(void)state;
	xnat_ssdp_match(&dev, URN_S "WANCommonInterfaceConfig:1", t, 1);
	for (int kind = 0; kind < 3; kind++) {
		int n = kind ? xnat_ssdp_notify(&dev, LOCATION, &t[0], kind == 1, full, sizeof(full))
			     : xnat_ssdp_response(&dev, LOCATION, &t[0], full, sizeof(full));

		assert_true(n > 0);
		for (size_t cap = 0; cap <= (size_t)n + 1; cap++) {
			char *buf = cap ? malloc(cap) : NULL;
			int rc;

			if (cap)
				memset(buf, 'x', cap);
			rc = kind ? xnat_ssdp_notify(&dev, LOCATION, &t[0], kind == 1, buf, cap)
				  : xnat_ssdp_response(&dev, LOCATION, &t[0], buf, cap);
			if (cap <= (size_t)n) {
				assert_int_equal(rc, -1);
				if (cap)
					assert_int_equal(buf[0], '\0');
			} else {
				assert_int_equal(rc, n);
				assert_string_equal(buf, full);
			}
			free(buf);
		}
	}
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_parse_real_clients),     T(test_parse_mx),
		T(test_parse_unicast),          T(test_parse_refusals),
		T(test_parse_bounds),           T(test_parse_nul_and_after_end),
		T(test_parse_every_prefix),     T(test_parse_garbage_never_crashes),
		T(test_match_each_target),      T(test_match_nothing),
		T(test_notify_targets_and_ssdp_all), T(test_match_respects_max),
		T(test_search_round_trip),      T(test_server_string),
		T(test_response),               T(test_notify),
		T(test_messages_every_short_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
