// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The IGD's identity and descriptions (agent/lib/upnp_desc.c): uuids, the
 * IGD:1 and IGD:2 root descriptions and the SCPDs, each read back with
 * expat as a client would, so a document that is not well-formed XML or
 * misses an element fails here rather than in Windows.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <expat.h>
#include "upnp_desc.h"

#define D0 "root/device"
#define D1 D0 "/deviceList/device"
#define D2 D1 "/deviceList/device"
#define SVC "/serviceList/service"
#define ACTIONS "scpd/actionList/action"
#define VARS "scpd/serviceStateTable/stateVariable"

static const __u8 seed_0f[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };

/* ------------------------------------------------------------ XML reader */

/* Every element of a document: its path from the root, attributes, text. */
struct xml {
	struct elem {
		char path[200];
		char attr[96];   /* its attributes, "name=value" each, blank-separated */
		char text[200];
	} e[600];
	int n;
	int open[32], depth; /* indices of the elements not closed yet */
	bool overflow;
};

static void XMLCALL on_start(void *user, const XML_Char *name, const XML_Char **attrs)
{
	struct xml *x = user;
	struct elem *e;

	if (x->n == (int)(sizeof(x->e) / sizeof(x->e[0])) || x->depth == 32) {
		x->overflow = true;
		return;
	}
	e = &x->e[x->n];
	snprintf(e->path, sizeof(e->path), "%s%s%s", x->depth ? x->e[x->open[x->depth - 1]].path : "",
		 x->depth ? "/" : "", name);
	for (int i = 0; attrs[i]; i += 2) {
		size_t have = strlen(e->attr);

		snprintf(e->attr + have, sizeof(e->attr) - have, "%s%s=%s", i ? " " : "", attrs[i], attrs[i + 1]);
	}
	x->open[x->depth++] = x->n++;
}

static void XMLCALL on_end(void *user, const XML_Char *name)
{
	struct xml *x = user;

	(void)name;
	if (!x->overflow)
		x->depth--;
}

static void XMLCALL on_text(void *user, const XML_Char *s, int len)
{
	struct xml *x = user;
	struct elem *e;
	size_t have;

	if (x->overflow || !x->depth)
		return;
	e = &x->e[x->open[x->depth - 1]];
	have = strlen(e->text);
	snprintf(e->text + have, sizeof(e->text) - have, "%.*s", len, s);
}

/* The document read back; fails the test if it is not well-formed. */
static struct xml *parse(const char *doc)
{
	struct xml *x = calloc(1, sizeof(*x));
	XML_Parser p = XML_ParserCreate(NULL);

	assert_non_null(x);
	assert_non_null(p);
	XML_SetUserData(p, x);
	XML_SetElementHandler(p, on_start, on_end);
	XML_SetCharacterDataHandler(p, on_text);
	if (XML_Parse(p, doc, (int)strlen(doc), 1) != XML_STATUS_OK)
		fail_msg("not well-formed: %s at line %lu column %lu", XML_ErrorString(XML_GetErrorCode(p)),
			 XML_GetCurrentLineNumber(p), XML_GetCurrentColumnNumber(p));
	XML_ParserFree(p);
	assert_false(x->overflow);
	assert_int_equal(x->depth, 0);
	return x;
}

static int count(const struct xml *x, const char *path)
{
	int n = 0;

	for (int i = 0; i < x->n; i++)
		n += !strcmp(x->e[i].path, path);
	return n;
}

/* The text of the one element at path. */
static const char *text(const struct xml *x, const char *path)
{
	const char *t = NULL;

	for (int i = 0; i < x->n; i++)
		if (!strcmp(x->e[i].path, path)) {
			if (t)
				fail_msg("%s more than once", path);
			t = x->e[i].text;
		}
	if (!t)
		fail_msg("no %s", path);
	return t;
}

static bool has_text(const struct xml *x, const char *path, const char *want)
{
	for (int i = 0; i < x->n; i++)
		if (!strcmp(x->e[i].path, path) && !strcmp(x->e[i].text, want))
			return true;
	return false;
}

static void __attribute__((format(printf, 3, 4))) expect(const struct xml *x, const char *path, const char *fmt, ...)
{
	char want[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	assert_string_equal(text(x, path), want);
}

/* ----------------------------------------------------------------- uuids */

static void assert_uuid_form(const char *u)
{
	assert_int_equal(strlen(u), XNAT_UPNP_UUID_LEN);
	for (int i = 0; i < XNAT_UPNP_UUID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			assert_int_equal(u[i], '-');
		else
			assert_non_null(strchr("0123456789abcdef", u[i]));
	}
	assert_int_equal(u[14], '4');                 /* version 4 */
	assert_non_null(strchr("89ab", u[19]));       /* variant 10xx */
}

static void test_uuids_from_seed(void **state)
{
	struct xnat_upnp_device d = { 0 };
	__u8 ones[16];
	unsigned int r = 11;

	(void)state;
	xnat_upnp_device_init(&d, seed_0f);
	assert_string_equal(d.uuid_igd, "00010203-0405-4607-8809-0a0b0c0d0e0f");
	assert_string_equal(d.uuid_wan, "00010203-0405-4607-8809-0a0b0c0d0e10");
	assert_string_equal(d.uuid_wcd, "00010203-0405-4607-8809-0a0b0c0d0e11");

	memset(ones, 0xff, sizeof(ones)); /* the last byte wraps */
	xnat_upnp_device_init(&d, ones);
	assert_string_equal(d.uuid_igd, "ffffffff-ffff-4fff-bfff-ffffffffffff");
	assert_string_equal(d.uuid_wan, "ffffffff-ffff-4fff-bfff-ffffffffff00");
	assert_string_equal(d.uuid_wcd, "ffffffff-ffff-4fff-bfff-ffffffffff01");

	for (int i = 0; i < 200; i++) {
		__u8 seed[16];

		for (int j = 0; j < 16; j++)
			seed[j] = (__u8)rand_r(&r);
		xnat_upnp_device_init(&d, seed);
		assert_uuid_form(d.uuid_igd);
		assert_uuid_form(d.uuid_wan);
		assert_uuid_form(d.uuid_wcd);
		assert_memory_equal(d.uuid_igd, d.uuid_wan, 34); /* only the last byte differs */
		assert_string_not_equal(d.uuid_igd, d.uuid_wan);
		assert_string_not_equal(d.uuid_wan, d.uuid_wcd);
	}
}

static void test_init_defaults_and_kept_fields(void **state)
{
	struct xnat_upnp_device d = { 0 };

	(void)state;
	d.boot_id = 5;
	d.config_id = 9;
	xnat_upnp_device_init(&d, seed_0f);
	assert_string_equal(d.friendly_name, "xnat Internet Gateway");
	assert_string_equal(d.serial, "00010203");
	assert_int_equal(d.boot_id, 5);
	assert_int_equal(d.config_id, 9);

	/* Names set before init stay; one filling its array is cut, not overrun. */
	memset(&d, 0, sizeof(d));
	strcpy(d.friendly_name, "Den router");
	memset(d.serial, 'S', sizeof(d.serial));
	xnat_upnp_device_init(&d, seed_0f);
	assert_string_equal(d.friendly_name, "Den router");
	assert_int_equal(strlen(d.serial), sizeof(d.serial) - 1);
}

/* ---------------------------------------------------- root descriptions */

static struct xnat_upnp_device device(void)
{
	struct xnat_upnp_device d = { .boot_id = 3, .config_id = 42 };

	xnat_upnp_device_init(&d, seed_0f);
	return d;
}

static char *root_desc(const struct xnat_upnp_device *d, int version)
{
	static char buf[16384];
	int n = xnat_upnp_root_desc(d, version, buf, sizeof(buf));

	assert_true(n > 0);
	assert_int_equal(strlen(buf), n);
	return buf;
}

static void check_service(const struct xml *x, const char *dev, const char *type, const char *id, const char *scpd,
			  const char *ctl, const char *evt)
{
	char path[128];

	assert_int_equal(count(x, strcat(strcpy(path, dev), SVC)), 1);
	expect(x, strcat(strcpy(path, dev), SVC "/serviceType"), "urn:schemas-upnp-org:service:%s", type);
	expect(x, strcat(strcpy(path, dev), SVC "/serviceId"), "urn:upnp-org:serviceId:%s", id);
	expect(x, strcat(strcpy(path, dev), SVC "/SCPDURL"), "%s", scpd);
	expect(x, strcat(strcpy(path, dev), SVC "/controlURL"), "%s", ctl);
	expect(x, strcat(strcpy(path, dev), SVC "/eventSubURL"), "%s", evt);
	assert_non_null(xnat_upnp_scpd(scpd)); /* what it names is served */
}

/* What both faces share, at version v. */
static void check_root(const struct xnat_upnp_device *d, int v)
{
	struct xml *x = parse(root_desc(d, v));

	assert_string_equal(x->e[0].path, "root");
	assert_string_equal(x->e[0].attr, "xmlns=urn:schemas-upnp-org:device-1-0 configId=42");
	expect(x, "root/specVersion/major", "1");
	expect(x, "root/specVersion/minor", "1");
	assert_int_equal(count(x, "root/URLBase"), 0);
	assert_int_equal(count(x, D0), 1);
	assert_int_equal(count(x, D1), 1);
	assert_int_equal(count(x, D2), 1);
	assert_int_equal(count(x, D2 "/deviceList"), 0);

	expect(x, D0 "/deviceType", "urn:schemas-upnp-org:device:InternetGatewayDevice:%d", v);
	expect(x, D1 "/deviceType", "urn:schemas-upnp-org:device:WANDevice:%d", v);
	expect(x, D2 "/deviceType", "urn:schemas-upnp-org:device:WANConnectionDevice:%d", v);
	expect(x, D0 "/UDN", "uuid:%s", d->uuid_igd);
	expect(x, D1 "/UDN", "uuid:%s", d->uuid_wan);
	expect(x, D2 "/UDN", "uuid:%s", d->uuid_wcd);
	expect(x, D0 "/friendlyName", "xnat Internet Gateway");
	expect(x, D0 "/manufacturer", "xnat");
	expect(x, D0 "/modelName", "xnat");
	expect(x, D0 "/serialNumber", "00010203");
	/* UDA 1.1: every device has these */
	for (const char *const *dev = (const char *const[]){ D0, D1, D2, NULL }; *dev; dev++)
		for (const char *const *f = (const char *const[]){ "friendlyName", "manufacturer", "modelName", NULL };
		     *f; f++) {
			char path[128];

			snprintf(path, sizeof(path), "%s/%s", *dev, *f);
			assert_true(strlen(text(x, path)) > 0);
		}

	check_service(x, D0, "Layer3Forwarding:1", "L3Forwarding1", XNAT_UPNP_PATH_L3F_SCPD, XNAT_UPNP_CTL_L3F,
		      XNAT_UPNP_EVT_L3F);
	check_service(x, D1, "WANCommonInterfaceConfig:1", "WANCommonIFC1", XNAT_UPNP_PATH_WANCFG_SCPD,
		      XNAT_UPNP_CTL_WANCFG, XNAT_UPNP_EVT_WANCFG);
	check_service(x, D2, v == 1 ? "WANIPConnection:1" : "WANIPConnection:2", "WANIPConn1",
		      v == 1 ? XNAT_UPNP_PATH_WANIPC_SCPD1 : XNAT_UPNP_PATH_WANIPC_SCPD, XNAT_UPNP_CTL_WANIPC,
		      XNAT_UPNP_EVT_WANIPC);
	free(x);
}

static void test_root_desc_igd2(void **state)
{
	struct xnat_upnp_device d = device();

	(void)state;
	check_root(&d, 2);
}

static void test_root_desc_igd1_never_says_2(void **state)
{
	struct xnat_upnp_device d = device();
	struct xml *x;

	(void)state;
	check_root(&d, 1);
	x = parse(root_desc(&d, 1));
	for (int i = 0; i < x->n; i++) {
		const char *leaf = strrchr(x->e[i].path, '/');

		if (leaf && (!strcmp(leaf, "/deviceType") || !strcmp(leaf, "/serviceType")))
			assert_string_equal(x->e[i].text + strlen(x->e[i].text) - 2, ":1");
	}
	assert_null(strstr(root_desc(&d, 1), ":2<"));
	assert_null(strstr(root_desc(&d, 1), XNAT_UPNP_PATH_WANIPC_SCPD "<"));
	free(x);
}

static void test_root_desc_bad_version(void **state)
{
	struct xnat_upnp_device d = device();
	char buf[8192];

	(void)state;
	for (int v = -1; v <= 3; v++) {
		if (v == 1 || v == 2)
			continue;
		memset(buf, 'x', sizeof(buf));
		assert_int_equal(xnat_upnp_root_desc(&d, v, buf, sizeof(buf)), -1);
		assert_string_equal(buf, "");
	}
}

/* Every cap short of the document: -1 and "", never a write past cap (valgrind watches). */
static void test_root_desc_every_short_cap(void **state)
{
	struct xnat_upnp_device d = device();

	(void)state;
	for (int v = 1; v <= 2; v++) {
		char *full = strdup(root_desc(&d, v));
		size_t n = strlen(full);

		for (size_t cap = 0; cap <= n + 1; cap++) {
			char *buf = cap ? malloc(cap) : NULL;
			int rc;

			if (cap)
				memset(buf, 'x', cap);
			rc = xnat_upnp_root_desc(&d, v, buf, cap);
			if (cap <= n) {
				assert_int_equal(rc, -1);
				if (cap)
					assert_int_equal(buf[0], '\0');
			} else {
				assert_int_equal(rc, n);
				assert_string_equal(buf, full);
			}
			free(buf);
		}
		free(full);
	}
}

static void test_root_desc_escapes_names(void **state)
{
	struct xnat_upnp_device d = device();
	struct xml *x;
	char *doc;

	(void)state;
	strcpy(d.friendly_name, "Tom's <Router> & \"Co\"\x01");
	strcpy(d.serial, "S<1>&");
	doc = root_desc(&d, 2);
	assert_non_null(strstr(doc, "<friendlyName>Tom&apos;s &lt;Router&gt; &amp; &quot;Co&quot;</friendlyName>"));
	x = parse(doc);
	expect(x, D0 "/friendlyName", "Tom's <Router> & \"Co\""); /* the control character dropped */
	expect(x, D0 "/serialNumber", "S<1>&");
	expect(x, D1 "/serialNumber", "S<1>&");
	expect(x, D2 "/serialNumber", "S<1>&");
	free(x);

	/* A name filling its array, no NUL, all of it escaping to 6 bytes. */
	memset(d.friendly_name, '"', sizeof(d.friendly_name));
	x = parse(root_desc(&d, 1));
	assert_int_equal(strlen(text(x, D0 "/friendlyName")), sizeof(d.friendly_name));
	assert_int_equal(strspn(text(x, D0 "/friendlyName"), "\""), sizeof(d.friendly_name));
	free(x);
}

/* ------------------------------------------------------------------ SCPDs */

#define WANIPC1_ACTIONS                                                                              \
	"SetConnectionType", "GetConnectionTypeInfo", "RequestConnection", "ForceTermination", "GetStatusInfo", "GetNATRSIPStatus", \
	"GetGenericPortMappingEntry", "GetSpecificPortMappingEntry", "AddPortMapping", "DeletePortMapping", \
	"GetExternalIPAddress"

static const struct scpd_case {
	const char *path;
	const char *actions[16];
	const char *evented[8];   /* the state variables sending events; the others do not */
	const char *absent[8];    /* in no element of it */
} scpds[] = {
	{ XNAT_UPNP_PATH_WANIPC_SCPD1,
	  { WANIPC1_ACTIONS },
	  { "PossibleConnectionTypes", "ConnectionStatus", "ExternalIPAddress", "PortMappingNumberOfEntries" },
	  { "AddAnyPortMapping", "DeletePortMappingRange", "GetListOfPortMappings", "SystemUpdateID",
	    "A_ARG_TYPE_Manage", "A_ARG_TYPE_PortListing", "604800" } },
	{ XNAT_UPNP_PATH_WANIPC_SCPD,
	  { WANIPC1_ACTIONS, "AddAnyPortMapping", "DeletePortMappingRange", "GetListOfPortMappings" },
	  { "PossibleConnectionTypes", "ConnectionStatus", "ExternalIPAddress", "PortMappingNumberOfEntries",
	    "SystemUpdateID" },
	  { NULL } },
	{ XNAT_UPNP_PATH_WANCFG_SCPD,
	  { "GetCommonLinkProperties", "GetTotalBytesSent", "GetTotalBytesReceived", "GetTotalPacketsSent",
	    "GetTotalPacketsReceived" },
	  { "PhysicalLinkStatus" },
	  { "PortMapping" } },
	{ XNAT_UPNP_PATH_L3F_SCPD,
	  { "SetDefaultConnectionService", "GetDefaultConnectionService" },
	  { "DefaultConnectionService" },
	  { "PortMapping" } },
};

static bool listed(const char *const *list, size_t max, const char *name)
{
	for (size_t i = 0; i < max && list[i]; i++)
		if (!strcmp(list[i], name))
			return true;
	return false;
}

/* Each argument's related state variable exists, each variable is declared once, directions are in/out. */
static void check_scpd_consistent(const struct xml *x)
{
	const char *events = NULL;

	for (int i = 0; i < x->n; i++) {
		const struct elem *e = &x->e[i];

		if (!strcmp(e->path, ACTIONS "/argumentList/argument/relatedStateVariable"))
			assert_true(has_text(x, VARS "/name", e->text));
		if (!strcmp(e->path, ACTIONS "/argumentList/argument/direction"))
			assert_true(!strcmp(e->text, "in") || !strcmp(e->text, "out"));
		if (!strcmp(e->path, ACTIONS "/argumentList/argument/name"))
			assert_memory_equal(e->text, "New", 3);
		if (!strcmp(e->path, VARS))
			events = e->attr;
		if (!strcmp(e->path, VARS "/name")) {
			int same = 0;

			assert_true(!strcmp(events, "sendEvents=yes") || !strcmp(events, "sendEvents=no"));
			for (int j = 0; j < x->n; j++)
				same += !strcmp(x->e[j].path, VARS "/name") && !strcmp(x->e[j].text, e->text);
			assert_int_equal(same, 1);
		}
	}
}

/* Whether state variable name sends events. */
static bool evented(const struct xml *x, const char *name)
{
	const char *events = "";

	for (int i = 0; i < x->n; i++) {
		if (!strcmp(x->e[i].path, VARS))
			events = x->e[i].attr;
		if (!strcmp(x->e[i].path, VARS "/name") && !strcmp(x->e[i].text, name))
			return !strcmp(events, "sendEvents=yes");
	}
	fail_msg("no state variable %s", name);
	return false;
}

static void test_scpds(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof(scpds) / sizeof(scpds[0]); c++) {
		const struct scpd_case *sc = &scpds[c];
		const char *doc = xnat_upnp_scpd(sc->path);
		size_t n_actions = 0;
		struct xml *x;

		assert_non_null(doc);
		assert_ptr_equal(doc, xnat_upnp_scpd(sc->path)); /* built once */
		x = parse(doc);
		assert_string_equal(x->e[0].path, "scpd");
		assert_string_equal(x->e[0].attr, "xmlns=urn:schemas-upnp-org:service-1-0");
		expect(x, "scpd/specVersion/major", "1");
		expect(x, "scpd/specVersion/minor", "1");
		while (n_actions < 16 && sc->actions[n_actions]) {
			if (!has_text(x, ACTIONS "/name", sc->actions[n_actions]))
				fail_msg("%s: no action %s", sc->path, sc->actions[n_actions]);
			n_actions++;
		}
		assert_int_equal(count(x, ACTIONS), n_actions); /* exactly these */
		assert_int_equal(count(x, ACTIONS "/name"), n_actions);
		for (int i = 0; i < x->n; i++)
			if (!strcmp(x->e[i].path, VARS "/name"))
				assert_int_equal(evented(x, x->e[i].text), listed(sc->evented, 8, x->e[i].text));
		for (size_t i = 0; i < 8 && sc->evented[i]; i++)
			assert_true(evented(x, sc->evented[i]));
		for (size_t i = 0; i < 8 && sc->absent[i]; i++)
			assert_null(strstr(doc, sc->absent[i]));
		check_scpd_consistent(x);
		free(x);
	}
}

/* The arguments of the actions clients call, in the order of the specs. */
static void test_scpd_arguments(void **state)
{
	struct xml *x = parse(xnat_upnp_scpd(XNAT_UPNP_PATH_WANIPC_SCPD));
	const char *want_order[] = {
		/* AddPortMapping */
		"NewRemoteHost", "NewExternalPort", "NewProtocol", "NewInternalPort", "NewInternalClient",
		"NewEnabled", "NewPortMappingDescription", "NewLeaseDuration",
	};
	int action = -1, arg = 0;

	(void)state;
	for (int i = 0; i < x->n; i++) {
		if (!strcmp(x->e[i].path, ACTIONS "/name"))
			action = !strcmp(x->e[i].text, "AddPortMapping") ? 1 : 0;
		if (action == 1 && !strcmp(x->e[i].path, ACTIONS "/argumentList/argument/name"))
			assert_string_equal(x->e[i].text, want_order[arg++]);
	}
	assert_int_equal(arg, 8);
	/* v2's additions */
	assert_true(has_text(x, ACTIONS "/argumentList/argument/name", "NewReservedPort"));
	assert_true(has_text(x, ACTIONS "/argumentList/argument/name", "NewStartPort"));
	assert_true(has_text(x, ACTIONS "/argumentList/argument/name", "NewEndPort"));
	assert_true(has_text(x, ACTIONS "/argumentList/argument/name", "NewManage"));
	assert_true(has_text(x, ACTIONS "/argumentList/argument/name", "NewNumberOfPorts"));
	assert_true(has_text(x, ACTIONS "/argumentList/argument/name", "NewPortListing"));
	assert_true(has_text(x, VARS "/allowedValueRange/maximum", "604800"));
	assert_true(has_text(x, VARS "/allowedValueList/allowedValue", "TCP"));
	assert_true(has_text(x, VARS "/allowedValueList/allowedValue", "UDP"));
	free(x);

	x = parse(xnat_upnp_scpd(XNAT_UPNP_PATH_WANIPC_SCPD1));
	assert_int_equal(count(x, VARS "/allowedValueRange"), 0);
	assert_true(has_text(x, ACTIONS "/argumentList/argument/name", "NewPortMappingIndex"));
	free(x);

	x = parse(xnat_upnp_scpd(XNAT_UPNP_PATH_WANCFG_SCPD));
	for (const char *const *a = (const char *const[]){ "NewWANAccessType", "NewLayer1UpstreamMaxBitRate",
							    "NewLayer1DownstreamMaxBitRate", "NewPhysicalLinkStatus",
							    "NewTotalBytesSent", "NewTotalPacketsReceived", NULL };
	     *a; a++)
		assert_true(has_text(x, ACTIONS "/argumentList/argument/name", *a));
	free(x);
}

static void test_scpd_unknown_paths(void **state)
{
	(void)state;
	assert_null(xnat_upnp_scpd(NULL));
	assert_null(xnat_upnp_scpd(""));
	assert_null(xnat_upnp_scpd("/"));
	assert_null(xnat_upnp_scpd(XNAT_UPNP_PATH_ROOT));
	assert_null(xnat_upnp_scpd(XNAT_UPNP_CTL_WANIPC));
	assert_null(xnat_upnp_scpd("/WANIPCn.xml/"));
	assert_null(xnat_upnp_scpd("/wanipcn.xml"));
	assert_null(xnat_upnp_scpd("/WANIPCn.xml?x=1"));
}

static void test_wants_igd1(void **state)
{
	(void)state;
	assert_true(xnat_upnp_wants_igd1("Microsoft-Windows/10.0 UPnP/1.0"));
	assert_true(xnat_upnp_wants_igd1("Microsoft-Windows/6.3 UPnP/1.0 Xbox/10.0"));
	assert_true(xnat_upnp_wants_igd1("MICROSOFT-WINDOWS/10.0 UPNP/1.0"));
	assert_true(xnat_upnp_wants_igd1("Mozilla/4.0 (compatible; UPnP/1.0; microsoft)"));
	assert_false(xnat_upnp_wants_igd1(NULL));
	assert_false(xnat_upnp_wants_igd1(""));
	assert_false(xnat_upnp_wants_igd1("Debian/12 UPnP/1.1 MiniUPnPc/2.2.4"));
	assert_false(xnat_upnp_wants_igd1("Linux/6.1 UPnP/1.0 libupnp/1.14"));
	assert_false(xnat_upnp_wants_igd1("Micro soft"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uuids_from_seed),
		cmocka_unit_test(test_init_defaults_and_kept_fields),
		cmocka_unit_test(test_root_desc_igd2),
		cmocka_unit_test(test_root_desc_igd1_never_says_2),
		cmocka_unit_test(test_root_desc_bad_version),
		cmocka_unit_test(test_root_desc_every_short_cap),
		cmocka_unit_test(test_root_desc_escapes_names),
		cmocka_unit_test(test_scpds),
		cmocka_unit_test(test_scpd_arguments),
		cmocka_unit_test(test_scpd_unknown_paths),
		cmocka_unit_test(test_wants_igd1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
