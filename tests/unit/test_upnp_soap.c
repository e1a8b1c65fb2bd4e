// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * UPnP IGD control (agent/lib/upnp_soap.c and its upnp_*.c) on real BPF
 * maps with the fast path's layouts: requests shaped as miniupnpc and
 * Windows send them, every action under IGD:1 and IGD:2, every reachable
 * error code, what each request leaves in the port table, and hostile
 * envelopes (DTDs, depth, sizes, truncation, garbage, small buffers).
 * Answers are read back with expat, as a control point would.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>
#include <expat.h>
#include <bpf/bpf.h>
#include "forward.h"
#include "lease.h"
#include "lease_maps.h"
#include "ports.h"
#include "upnp_soap.h"

#define NOW 5000
#define WANIPC1 "urn:schemas-upnp-org:service:WANIPConnection:1"
#define WANIPC2 "urn:schemas-upnp-org:service:WANIPConnection:2"
#define WANCFG "urn:schemas-upnp-org:service:WANCommonInterfaceConfig:1"
#define L3F "urn:schemas-upnp-org:service:Layer3Forwarding:1"
#define CONTROL "urn:schemas-upnp-org:control-1-0"
#define ENV_START                                                                                  \
	"<?xml version=\"1.0\"?>\r\n<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" " \
	"s:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\"><s:Body>"
#define ENV_END "</s:Body></s:Envelope>\r\n"
#define UUID_WCD "3f2a7c4e-1b2d-4c5e-8f90-a1b2c3d4e5f2"

static struct xnat_map_fds m;
static struct xnat_upnp_soap srv;
static struct xnat_upnp_device dev;
static __be32 ext, h1, h2;
static __u32 t = NOW;            /* when requests are made */
static char req[32768];
static char out[65536];
static size_t out_len;

static const struct xnat_upnp_policy policy = {
	.secure_mode = true, .leases_per_host = 4, .max_lifetime = 86400, .port_min = 20000, .port_max = 20999,
};

/* ------------------------------------------------------ reading answers */

/* An XML document as a control point reads it: elements by local name, leaf texts. */
struct doc {
	bool ok;
	char root[256];       /* the document element, "ns|local" */
	char response[256];   /* the element at depth 3 (the action's response, or s:Fault) */
	char children[1024];  /* local names of depth-4 elements, comma-separated */
	int n, depth, cur;
	struct {
		char name[64];
		size_t off;
	} el[256];
	char text[70000];
	size_t used;
};

static struct doc ans;  /* the last answer */
static struct doc list; /* a NewPortListing */

static const char *local_name(const char *name)
{
	const char *bar = strrchr(name, '|');

	return bar ? bar + 1 : name;
}

static void XMLCALL doc_start(void *data, const XML_Char *name, const XML_Char **attrs)
{
	struct doc *d = data;

	(void)attrs;
	d->depth++;
	if (d->depth == 1)
		snprintf(d->root, sizeof(d->root), "%s", name);
	if (d->depth == 3)
		snprintf(d->response, sizeof(d->response), "%s", name);
	if (d->depth == 4) {
		if (d->children[0])
			strcat(d->children, ",");
		strncat(d->children, local_name(name), sizeof(d->children) - strlen(d->children) - 1);
	}
	if (d->n >= 256 || d->used + 2 >= sizeof(d->text)) {
		d->cur = -1;
		return;
	}
	snprintf(d->el[d->n].name, sizeof(d->el[d->n].name), "%s", local_name(name));
	d->used++; /* past the previous text's NUL */
	d->el[d->n].off = d->used;
	d->text[d->used] = '\0';
	d->cur = d->n++;
}

static void XMLCALL doc_end(void *data, const XML_Char *name)
{
	struct doc *d = data;

	(void)name;
	d->depth--;
	d->cur = -1; /* text after a child is not a leaf's */
}

static void XMLCALL doc_text(void *data, const XML_Char *s, int len)
{
	struct doc *d = data;

	if (d->cur < 0 || d->cur != d->n - 1 || d->used + (size_t)len + 1 >= sizeof(d->text))
		return;
	memcpy(d->text + d->used, s, (size_t)len);
	d->used += (size_t)len;
	d->text[d->used] = '\0';
}

static bool read_doc(struct doc *d, const char *xml, size_t len)
{
	XML_Parser p = XML_ParserCreateNS(NULL, '|');

	memset(d, 0, sizeof(*d));
	d->cur = -1;
	XML_SetUserData(p, d);
	XML_SetElementHandler(p, doc_start, doc_end);
	XML_SetCharacterDataHandler(p, doc_text);
	d->ok = XML_Parse(p, xml, (int)len, XML_TRUE) == XML_STATUS_OK;
	XML_ParserFree(p);
	return d->ok;
}

/* The text of the i-th element named name, or NULL. */
static const char *nth(const struct doc *d, const char *name, int i)
{
	for (int k = 0; k < d->n; k++)
		if (!strcmp(d->el[k].name, name) && i-- == 0)
			return d->text + d->el[k].off;
	return NULL;
}

static const char *val(const char *name)
{
	return nth(&ans, name, 0);
}

static int count_of(const struct doc *d, const char *name)
{
	int c = 0;

	for (int k = 0; k < d->n; k++)
		c += !strcmp(d->el[k].name, name);
	return c;
}

/* ---------------------------------------------------- making requests */

static const char *path_of(const char *service)
{
	if (strstr(service, "WANCommonInterfaceConfig"))
		return XNAT_UPNP_CTL_WANCFG;
	if (strstr(service, "Layer3Forwarding"))
		return XNAT_UPNP_CTL_L3F;
	return XNAT_UPNP_CTL_WANIPC;
}

static int post_cap(const char *path, const char *header, const char *body, size_t len, __be32 from, size_t cap)
{
	int st = xnat_upnp_soap_handle(&srv, path, header, body, len, from, t, out, cap, &out_len);

	assert_true(st == 200 || st == 500);
	if (cap) {
		assert_true(out_len < cap);
		assert_int_equal(strlen(out), out_len);
	} else {
		assert_int_equal(out_len, 0);
	}
	read_doc(&ans, out, out_len);
	if (out_len)
		assert_true(ans.ok); /* every answer is well-formed XML */
	return st;
}

static int post(const char *path, const char *header, const char *body, size_t len, __be32 from)
{
	return post_cap(path, header, body, len, from, sizeof(out));
}

/* The request miniupnpc's simpleUPnPcommand() writes; args: name, value, ..., NULL. */
static size_t build_v(const char *service, const char *action, va_list ap)
{
	int n = snprintf(req, sizeof(req), ENV_START "<u:%s xmlns:u=\"%s\">", action, service);

	for (const char *name; (name = va_arg(ap, const char *));) {
		const char *value = va_arg(ap, const char *);

		n += snprintf(req + n, sizeof(req) - (size_t)n, "<%s>%s</%s>", name, value, name);
	}
	n += snprintf(req + n, sizeof(req) - (size_t)n, "</u:%s>" ENV_END, action);
	assert_true((size_t)n < sizeof(req));
	return (size_t)n;
}

static __attribute__((sentinel)) size_t build(const char *service, const char *action, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, action);
	n = build_v(service, action, ap);
	va_end(ap);
	return n;
}

/* A request from `from`, with the SOAPAction header miniupnpc sends ("service#action", quoted). */
static __attribute__((sentinel)) int soap(const char *service, const char *action, __be32 from, ...)
{
	char header[256];
	va_list ap;
	size_t len;

	va_start(ap, from);
	len = build_v(service, action, ap);
	va_end(ap);
	snprintf(header, sizeof(header), "\"%s#%s\"", service, action);
	return post(path_of(service), header, req, len, from);
}

static int error_code(void)
{
	const char *c = val("errorCode");

	return c ? atoi(c) : -1;
}

/* A UPnPError fault with that code, and the description that goes with it. */
static void expect_fault(int status, int code, const char *text)
{
	assert_int_equal(status, 500);
	assert_string_equal(ans.response, "http://schemas.xmlsoap.org/soap/envelope/|Fault");
	assert_string_equal(val("faultcode"), "s:Client");
	assert_string_equal(val("faultstring"), "UPnPError");
	assert_int_equal(error_code(), code);
	if (text)
		assert_string_equal(val("errorDescription"), text);
}

#define FAULT(st, code) expect_fault((st), (code), NULL)

/* A response of service's action with exactly these output arguments, in order. */
static void expect_response(int status, const char *service, const char *action, const char *children)
{
	char want[256];

	assert_int_equal(status, 200);
	snprintf(want, sizeof(want), "%s|%sResponse", service, action);
	assert_string_equal(ans.response, want);
	assert_string_equal(ans.children, children);
}

/* AddPortMapping of proto ext -> addr:iport, lease and description given. */
static int add(const char *service, __be32 from, const char *proto, const char *ext_port, const char *client,
	       const char *int_port, const char *lease, const char *desc)
{
	return soap(service, "AddPortMapping", from, "NewRemoteHost", "", "NewExternalPort", ext_port,
		    "NewProtocol", proto, "NewInternalPort", int_port, "NewInternalClient", client, "NewEnabled",
		    "1", "NewPortMappingDescription", desc, "NewLeaseDuration", lease, NULL);
}

static int add_any(__be32 from, const char *proto, const char *ext_port, const char *client, const char *int_port)
{
	return soap(WANIPC2, "AddAnyPortMapping", from, "NewRemoteHost", "", "NewExternalPort", ext_port,
		    "NewProtocol", proto, "NewInternalPort", int_port, "NewInternalClient", client, "NewEnabled",
		    "1", "NewPortMappingDescription", "any", "NewLeaseDuration", "3600", NULL);
}

static int del(const char *service, __be32 from, const char *proto, const char *ext_port)
{
	return soap(service, "DeletePortMapping", from, "NewRemoteHost", "", "NewExternalPort", ext_port,
		    "NewProtocol", proto, NULL);
}

static int get_specific(const char *service, const char *proto, const char *ext_port)
{
	return soap(service, "GetSpecificPortMappingEntry", h1, "NewRemoteHost", "", "NewExternalPort", ext_port,
		    "NewProtocol", proto, NULL);
}

/* The lease holding proto/port must be UPnP's, for addr:iport, expiring then. */
static void expect_lease(__u8 proto, __u16 port, __be32 addr, __u16 iport, __u32 expires)
{
	struct xnat_lease l;

	assert_int_equal(xnat_lease_at(&m, proto, port, &l), 0);
	assert_int_equal(l.owner, XNAT_OWNER_UPNP);
	assert_int_equal(l.int_addr, addr);
	assert_int_equal(l.int_port, iport);
	assert_int_equal(l.expires, expires);
}

static bool port_free(__u8 proto, __u16 port)
{
	struct xnat_lease l;

	return xnat_lease_at(&m, proto, port, &l) != 0;
}

/* ---------------------------------------------------------------- setup */

static int fake_totals_rc;

static int fake_totals(void *ctx, struct xnat_upnp_totals *tot)
{
	(void)ctx;
	tot->bytes_sent = (1ull << 32) + 5;
	tot->bytes_received = 123456789;
	tot->packets_sent = 0xffffffffull;
	tot->packets_received = (3ull << 32) + 7;
	return fake_totals_rc;
}

static int setup(void **state)
{
	(void)state;
	if (lease_maps_create(&m))
		return -1;
	inet_pton(AF_INET, "198.51.100.1", &ext);
	inet_pton(AF_INET, "192.168.1.10", &h1);
	inet_pton(AF_INET, "192.168.1.20", &h2);
	memset(&dev, 0, sizeof(dev));
	strcpy(dev.uuid_wcd, UUID_WCD);
	if (xnat_upnp_soap_init(&srv, &m, &dev, &policy, NOW - 17))
		return -1;
	srv.ext_addr = ext;
	t = NOW;
	fake_totals_rc = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	xnat_upnp_soap_free(&srv);
	xnat_upnp_soap_free(&srv); /* twice is harmless */
	xnat_maps_close(&m);
	return 0;
}

/* -------------------------------------------------- mappings, IGD:1 */

static void test_v1_add_get_delete(void **state)
{
	static const char add_response[] = ENV_START "<u:AddPortMappingResponse xmlns:u=\"" WANIPC1 "\">"
						     "</u:AddPortMappingResponse>" ENV_END;
	int st;

	(void)state;
	st = add(WANIPC1, h1, "TCP", "6881", "192.168.1.10", "6881", "3600", "libminiupnpc");
	assert_int_equal(st, 200);
	assert_string_equal(out, add_response); /* byte for byte */
	expect_lease(IPPROTO_TCP, 6881, h1, 6881, NOW + 3600);
	assert_int_equal(srv.count.requests, 1);
	assert_int_equal(srv.count.added, 1);
	assert_int_equal(srv.changes, 1);
	assert_int_equal(xnat_upnp_soap_count(&srv), 1);

	t = NOW + 100;
	st = get_specific(WANIPC1, "TCP", "6881");
	expect_response(st, WANIPC1, "GetSpecificPortMappingEntry",
			"NewInternalPort,NewInternalClient,NewEnabled,NewPortMappingDescription,NewLeaseDuration");
	assert_string_equal(val("NewInternalPort"), "6881");
	assert_string_equal(val("NewInternalClient"), "192.168.1.10");
	assert_string_equal(val("NewEnabled"), "1");
	assert_string_equal(val("NewPortMappingDescription"), "libminiupnpc");
	assert_string_equal(val("NewLeaseDuration"), "3500");
	FAULT(get_specific(WANIPC1, "UDP", "6881"), 714);

	st = soap(WANIPC1, "GetGenericPortMappingEntry", h2, "NewPortMappingIndex", "0", NULL);
	expect_response(st, WANIPC1, "GetGenericPortMappingEntry",
			"NewRemoteHost,NewExternalPort,NewProtocol,NewInternalPort,NewInternalClient,NewEnabled,"
			"NewPortMappingDescription,NewLeaseDuration");
	assert_string_equal(val("NewRemoteHost"), "");
	assert_string_equal(val("NewExternalPort"), "6881");
	assert_string_equal(val("NewProtocol"), "TCP");
	assert_string_equal(val("NewInternalPort"), "6881");
	assert_string_equal(val("NewInternalClient"), "192.168.1.10");
	assert_string_equal(val("NewPortMappingDescription"), "libminiupnpc");
	assert_string_equal(val("NewLeaseDuration"), "3500");
	expect_fault(soap(WANIPC1, "GetGenericPortMappingEntry", h1, "NewPortMappingIndex", "1", NULL), 713,
		     "SpecifiedArrayIndexInvalid");
	FAULT(soap(WANIPC1, "GetGenericPortMappingEntry", h1, "NewPortMappingIndex", "x", NULL), 402);
	FAULT(soap(WANIPC1, "GetGenericPortMappingEntry", h1, "NewPortMappingIndex", "65536", NULL), 402);
	FAULT(soap(WANIPC1, "GetGenericPortMappingEntry", h1, NULL), 402);

	st = del(WANIPC1, h1, "TCP", "6881");
	expect_response(st, WANIPC1, "DeletePortMapping", "");
	assert_true(port_free(IPPROTO_TCP, 6881));
	assert_int_equal(srv.count.deleted, 1);
	assert_int_equal(srv.changes, 2);
	expect_fault(del(WANIPC1, h1, "TCP", "6881"), 714, "NoSuchEntryInArray");
	FAULT(get_specific(WANIPC1, "TCP", "6881"), 714);
	FAULT(del(WANIPC1, h1, "TCP", "0"), 402);
	FAULT(del(WANIPC1, h1, "SCTP", "6881"), 402);
	assert_int_equal(xnat_upnp_soap_count(&srv), 0);
}

static void test_v1_lease_durations(void **state)
{
	(void)state;
	/* 0 is permanent: expires 0, and reported as 0 */
	assert_int_equal(add(WANIPC1, h1, "UDP", "5000", "192.168.1.10", "5000", "0", "perm"), 200);
	expect_lease(IPPROTO_UDP, 5000, h1, 5000, 0);
	get_specific(WANIPC1, "UDP", "5000");
	assert_string_equal(val("NewLeaseDuration"), "0");
	/* the policy's cap */
	assert_int_equal(add(WANIPC1, h1, "UDP", "5001", "192.168.1.10", "5001", "100000", "long"), 200);
	expect_lease(IPPROTO_UDP, 5001, h1, 5001, NOW + 86400);
	assert_int_equal(add(WANIPC1, h1, "UDP", "5002", "192.168.1.10", "5002", "4294967295", "max"), 200);
	expect_lease(IPPROTO_UDP, 5002, h1, 5002, NOW + 86400);
	/* no cap: still below 2^31 s, so the expiry time never wraps into the past */
	srv.policy.max_lifetime = 0;
	assert_int_equal(add(WANIPC1, h1, "UDP", "5003", "192.168.1.10", "5003", "4294967295", "max"), 200);
	expect_lease(IPPROTO_UDP, 5003, h1, 5003, NOW + 0x7fffffffu);
	FAULT(add(WANIPC1, h1, "UDP", "5004", "192.168.1.10", "5004", "4294967296", "over"), 402);
}

static void test_v2_lease_durations(void **state)
{
	static const char add_response[] = ENV_START "<u:AddPortMappingResponse xmlns:u=\"" WANIPC2 "\">"
						     "</u:AddPortMappingResponse>" ENV_END;

	(void)state;
	assert_int_equal(add(WANIPC2, h1, "TCP", "8000", "192.168.1.10", "80", "0", "zero"), 200);
	assert_string_equal(out, add_response); /* the request's version echoed */
	expect_lease(IPPROTO_TCP, 8000, h1, 80, NOW + 604800);
	assert_int_equal(add(WANIPC2, h1, "TCP", "8001", "192.168.1.10", "81", "700000", "long"), 200);
	expect_lease(IPPROTO_TCP, 8001, h1, 81, NOW + 604800);
	assert_int_equal(add(WANIPC2, h1, "TCP", "8002", "192.168.1.10", "82", "3600", "hour"), 200);
	expect_lease(IPPROTO_TCP, 8002, h1, 82, NOW + 3600);
	get_specific(WANIPC2, "TCP", "8000");
	assert_string_equal(val("NewLeaseDuration"), "604800");
}

/* Windows (NATUPnP.dll) style: other prefixes, typed arguments, whitespace, a Header. */
#define DT "xmlns:dt=\"urn:schemas-microsoft-com:datatypes\" dt:dt="
static void test_windows_style(void **state)
{
	static const char win[] =
		"<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n"
		"<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\" "
		"SOAP-ENV:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\">\r\n"
		" <SOAP-ENV:Header><x:Trace xmlns:x=\"urn:example\"><x:id>1</x:id></x:Trace></SOAP-ENV:Header>\r\n"
		" <SOAP-ENV:Body>\r\n"
		"  <m:AddPortMapping xmlns:m=\"urn:schemas-upnp-org:service:WANIPConnection:1\">\r\n"
		"   <NewRemoteHost " DT "\"string\"></NewRemoteHost>\r\n"
		"   <NewExternalPort " DT "\"ui2\">3074</NewExternalPort>\r\n"
		"   <NewProtocol " DT "\"string\">UDP</NewProtocol>\r\n"
		"   <NewInternalPort " DT "\"ui2\">3074</NewInternalPort>\r\n"
		"   <NewInternalClient " DT "\"string\">192.168.1.10</NewInternalClient>\r\n"
		"   <NewEnabled " DT "\"boolean\">true</NewEnabled>\r\n"
		"   <NewPortMappingDescription " DT "\"string\">Xbox &amp; co</NewPortMappingDescription>\r\n"
		"   <NewLeaseDuration " DT "\"ui4\">0</NewLeaseDuration>\r\n"
		"  </m:AddPortMapping>\r\n"
		" </SOAP-ENV:Body>\r\n"
		"</SOAP-ENV:Envelope>\r\n";
	/* a default namespace: the action's arguments inherit it */
	static const char dflt[] =
		"<Envelope xmlns=\"http://schemas.xmlsoap.org/soap/envelope/\"><Body>"
		"<GetSpecificPortMappingEntry xmlns=\"urn:schemas-upnp-org:service:WANIPConnection:1\">"
		"<NewRemoteHost/><NewExternalPort> 3074 </NewExternalPort><NewProtocol>udp</NewProtocol>"
		"</GetSpecificPortMappingEntry></Body></Envelope>";

	(void)state;
	expect_response(post(XNAT_UPNP_CTL_WANIPC, "\"" WANIPC1 "#AddPortMapping\"",
			     win, strlen(win), h1),
			WANIPC1, "AddPortMapping", "");
	expect_lease(IPPROTO_UDP, 3074, h1, 3074, 0);
	expect_response(post(XNAT_UPNP_CTL_WANIPC, WANIPC1 "#GetSpecificPortMappingEntry", dflt, strlen(dflt), h1),
			WANIPC1, "GetSpecificPortMappingEntry",
			"NewInternalPort,NewInternalClient,NewEnabled,NewPortMappingDescription,NewLeaseDuration");
	assert_string_equal(val("NewPortMappingDescription"), "Xbox & co");
	/* no SOAPAction, or an empty one: the body says it all */
	expect_response(post(XNAT_UPNP_CTL_WANIPC, NULL, dflt, strlen(dflt), h1), WANIPC1,
			"GetSpecificPortMappingEntry",
			"NewInternalPort,NewInternalClient,NewEnabled,NewPortMappingDescription,NewLeaseDuration");
	assert_int_equal(post(XNAT_UPNP_CTL_WANIPC, " \"\" ", dflt, strlen(dflt), h1), 200);
	assert_int_equal(post(XNAT_UPNP_CTL_WANIPC, " " WANIPC1 "#GetSpecificPortMappingEntry\t", dflt,
			      strlen(dflt), h1),
			 200);
}

static void test_renewal(void **state)
{
	(void)state;
	assert_int_equal(add(WANIPC1, h1, "TCP", "6881", "192.168.1.10", "6881", "3600", "first"), 200);
	t = NOW + 10;
	assert_int_equal(add(WANIPC1, h1, "TCP", "6881", "192.168.1.10", "6881", "7200", "second"), 200);
	expect_lease(IPPROTO_TCP, 6881, h1, 6881, NOW + 10 + 7200);
	assert_int_equal(srv.count.added, 1);
	assert_int_equal(srv.count.renewed, 1);
	assert_int_equal(srv.changes, 1); /* a renewal changes no entry count */
	get_specific(WANIPC1, "TCP", "6881");
	assert_string_equal(val("NewPortMappingDescription"), "second");
	assert_string_equal(val("NewLeaseDuration"), "7200");
	/* IGD:2's AddAnyPortMapping of the same port renews it too */
	expect_response(add_any(h1, "TCP", "6881", "192.168.1.10", "6881"), WANIPC2, "AddAnyPortMapping",
			"NewReservedPort");
	assert_string_equal(val("NewReservedPort"), "6881");
	assert_int_equal(srv.count.renewed, 2);
	get_specific(WANIPC2, "TCP", "6881");
	assert_string_equal(val("NewPortMappingDescription"), "any");
	assert_int_equal(xnat_upnp_soap_count(&srv), 1);
}

/* A dynamic mapping of host:iport on UDP port, as the fast path makes it. */
static void dynamic_mapping(__be32 host, __u16 iport, __u16 port)
{
	union xnat_port_claim c = { .f = { .int_addr = host, .int_port = htons(iport), .owner = XNAT_OWNER_DYNAMIC,
					   .in_use = 1 } };
	struct xnat_eim_key ek = { .int_addr = host, .int_port = htons(iport), .proto = IPPROTO_UDP };
	struct xnat_eim ev = { .ext_port = htons(port) };
	struct xnat_port_table pt;

	assert_int_equal(xnat_ports_open(m.ports, true, &pt), 0);
	assert_int_equal(xnat_port_claim(&pt, (__u32)xnat_port_slot(IPPROTO_UDP, port), c.word, NOW, NULL), 0);
	xnat_ports_close(&pt);
	assert_int_equal(bpf_map_update_elem(m.eim, &ek, &ev, BPF_NOEXIST), 0);
}

static void test_conflicts(void **state)
{
	struct xnat_forward fw = { .proto = IPPROTO_TCP, .owner = XNAT_OWNER_STATIC, .ext_min = 3389,
				   .ext_max = 3389, .int_port = 3389 };
	struct xnat_lease_req natpmp = { .proto = IPPROTO_TCP, .owner = XNAT_OWNER_NATPMP, .int_port = 5000,
					 .want_ext = 7000, .lifetime = 3600, .exact = true, .port_min = 20000,
					 .port_max = 20999 };
	struct xnat_lease l;
	char err[128];

	(void)state;
	/* UPnP against UPnP: 718 under both versions */
	assert_int_equal(add(WANIPC1, h1, "TCP", "6881", "192.168.1.10", "6881", "3600", "h1"), 200);
	expect_fault(add(WANIPC1, h2, "TCP", "6881", "192.168.1.20", "6881", "3600", "h2"), 718,
		     "ConflictInMappingEntry");
	FAULT(add(WANIPC2, h2, "TCP", "6881", "192.168.1.20", "6881", "3600", "h2"), 718);
	FAULT(add(WANIPC1, h1, "TCP", "6881", "192.168.1.10", "6882", "3600", "h1, another port"), 718);
	expect_lease(IPPROTO_TCP, 6881, h1, 6881, NOW + 3600);

	/* another mechanism: a NAT-PMP lease, a static forward */
	natpmp.int_addr = h2;
	assert_int_equal(xnat_lease_grant(&m, &natpmp, NOW, &l), XNAT_LEASE_GRANTED);
	FAULT(add(WANIPC1, h1, "TCP", "7000", "192.168.1.10", "7000", "3600", "x"), 718);
	expect_fault(add(WANIPC2, h1, "TCP", "7000", "192.168.1.10", "7000", "3600", "x"), 729,
		     "ConflictWithOtherMechanisms");
	fw.int_addr = h2;
	assert_int_equal(xnat_forward_add(&m, &fw, err, sizeof(err)), 0);
	FAULT(add(WANIPC1, h1, "TCP", "3389", "192.168.1.10", "3389", "3600", "x"), 718);
	FAULT(add(WANIPC2, h1, "TCP", "3389", "192.168.1.10", "3389", "3600", "x"), 729);
	/* even for the forward's own endpoint: a forward is not UPnP's to renew */
	FAULT(add(WANIPC2, h2, "TCP", "3389", "192.168.1.20", "3389", "3600", "x"), 729);
	assert_int_equal(xnat_lease_at(&m, IPPROTO_TCP, 3389, &l), 0);
	assert_int_equal(l.owner, XNAT_OWNER_STATIC);

	/* the endpoint's own dynamic mapping becomes the lease; another endpoint's is a conflict */
	dynamic_mapping(h1, 40000, 20500);
	assert_int_equal(add(WANIPC2, h1, "UDP", "20500", "192.168.1.10", "40000", "600", "adopted"), 200);
	expect_lease(IPPROTO_UDP, 20500, h1, 40000, NOW + 600);
	dynamic_mapping(h2, 40001, 20501);
	FAULT(add(WANIPC1, h1, "UDP", "20501", "192.168.1.10", "40001", "600", "x"), 718);
	FAULT(add(WANIPC2, h1, "UDP", "20501", "192.168.1.10", "40001", "600", "x"), 729);
	/* a NAT-PMP lease is not UPnP's to delete or list */
	FAULT(del(WANIPC2, h2, "TCP", "7000"), 714);
	FAULT(get_specific(WANIPC2, "TCP", "7000"), 714);
	assert_int_equal(srv.count.refused, 12); /* 714 included: every 7xx */
	assert_int_equal(xnat_upnp_soap_count(&srv), 2);
}

/* The admin's permission rules: a denied port is 718 under IGD:1 and 606
 * under IGD:2 (miniupnpd's answers); AddAnyPortMapping finds an allowed one. */
static void test_permission_rules(void **state)
{
	struct xnat_pm_rules rules;

	(void)state;
	xnat_pm_rules_default(&rules); /* nothing below 1024 */
	srv.policy.rules = &rules;
	expect_fault(add(WANIPC1, h1, "TCP", "80", "192.168.1.10", "80", "3600", "web"), 718,
		     "ConflictInMappingEntry");
	expect_fault(add(WANIPC2, h1, "TCP", "80", "192.168.1.10", "80", "3600", "web"), 606,
		     "Action not authorized");
	assert_true(port_free(IPPROTO_TCP, 80));
	assert_int_equal(add_any(h1, "TCP", "80", "192.168.1.10", "80"), 200);
	assert_in_range(atoi(val("NewReservedPort")), 20000, 20999);
	assert_true(port_free(IPPROTO_TCP, 80));
	assert_int_equal(add(WANIPC2, h1, "TCP", "8080", "192.168.1.10", "80", "3600", "web"), 200);
	srv.policy.rules = NULL;
}

static void test_secure_mode(void **state)
{
	(void)state;
	/* h2 asking for h1 */
	expect_fault(add(WANIPC1, h2, "TCP", "6881", "192.168.1.10", "6881", "3600", "x"), 718,
		     "ConflictInMappingEntry");
	expect_fault(add(WANIPC2, h2, "TCP", "6881", "192.168.1.10", "6881", "3600", "x"), 606,
		     "Action not authorized");
	FAULT(add_any(h2, "TCP", "0", "192.168.1.10", "6881"), 606);
	assert_true(port_free(IPPROTO_TCP, 6881));
	assert_int_equal(xnat_upnp_soap_count(&srv), 0);

	/* h1's own mapping: h2 may not delete it */
	assert_int_equal(add(WANIPC1, h1, "TCP", "6881", "192.168.1.10", "6881", "3600", "mine"), 200);
	FAULT(del(WANIPC2, h2, "TCP", "6881"), 606);
	FAULT(del(WANIPC1, h2, "TCP", "6881"), 714);
	expect_lease(IPPROTO_TCP, 6881, h1, 6881, NOW + 3600);

	/* secure mode off: anyone for anyone */
	srv.policy.secure_mode = false;
	assert_int_equal(add(WANIPC1, h2, "TCP", "6882", "192.168.1.10", "6882", "3600", "for h1"), 200);
	expect_lease(IPPROTO_TCP, 6882, h1, 6882, NOW + 3600);
	assert_int_equal(del(WANIPC2, h2, "TCP", "6881"), 200);
	assert_true(port_free(IPPROTO_TCP, 6881));
}

/* AddPortMapping with every argument given (NULL: left out). */
static int add_args(const char *sv, const char *remote, const char *ext_port, const char *proto, const char *int_port,
		    const char *client, const char *enabled, const char *desc, const char *lease)
{
	const char *names[] = { "NewRemoteHost", "NewExternalPort", "NewProtocol", "NewInternalPort",
				"NewInternalClient", "NewEnabled", "NewPortMappingDescription", "NewLeaseDuration" };
	const char *values[] = { remote, ext_port, proto, int_port, client, enabled, desc, lease };
	char header[128];
	int n = snprintf(req, sizeof(req), ENV_START "<u:AddPortMapping xmlns:u=\"%s\">", sv);

	for (int i = 0; i < 8; i++)
		if (values[i])
			n += snprintf(req + n, sizeof(req) - (size_t)n, "<%s>%s</%s>", names[i], values[i], names[i]);
	n += snprintf(req + n, sizeof(req) - (size_t)n, "</u:AddPortMapping>" ENV_END);
	snprintf(header, sizeof(header), "%s#AddPortMapping", sv);
	return post(XNAT_UPNP_CTL_WANIPC, header, req, (size_t)n, h1);
}

static void test_add_arguments(void **state)
{
	static const char *const services[] = { WANIPC1, WANIPC2 };
	static const char *const bad_ports[] = { "65536", "-1", "+80", "12a", "", "0x50", "8 0",
						 "99999999999999999999" };
	static const char *const bad_clients[] = { "host.lan", "192.168.1", "0.0.0.0", "", "192.168.1.10.1",
						   "::ffff:192.168.1.10", "192.168.1.10:80" };
	static const char *const bad_bools[] = { "2", "", "on", "truee" };
	static const char *const good_bools[] = { "1", "true", "YES", "True" };
	const char *c = "192.168.1.10";
	char desc[300], port[8];

	(void)state;
	srv.policy.leases_per_host = 0;
	for (int i = 0; i < 2; i++) {
		const char *sv = services[i];
		int base = 1000 * (i + 1);

		expect_fault(add_args(sv, "203.0.113.5", "80", "TCP", "80", c, "1", "", "0"), 726,
			     "RemoteHostOnlySupportsWildcard");
		snprintf(port, sizeof(port), "%d", base + 1);
		assert_int_equal(add_args(sv, "*", port, "TCP", "80", c, "1", "", "0"), 200);
		expect_fault(add_args(sv, "", "0", "TCP", "80", c, "1", "", "0"), 716,
			     "WildCardNotPermittedInExtPort");
		FAULT(add_args(sv, "", "*", "TCP", "80", c, "1", "", "0"), 716);
		if (i)
			expect_fault(add_args(sv, "", "80", "TCP", "0", c, "1", "", "0"), 732,
				     "WildCardNotPermittedInIntPort");
		else
			expect_fault(add_args(sv, "", "80", "TCP", "0", c, "1", "", "0"), 402, "Invalid Args");
		FAULT(add_args(sv, "", "80", "ICMP", "80", c, "1", "", "0"), 402);
		FAULT(add_args(sv, "", "80", "", "80", c, "1", "", "0"), 402);
		FAULT(add_args(sv, "", "80", "TCPX", "80", c, "1", "", "0"), 402);
		snprintf(port, sizeof(port), "%d", base + 2);
		assert_int_equal(add_args(sv, "", port, "tcp", "80", c, "1", "", "0"), 200); /* any case */
		snprintf(port, sizeof(port), "%d", base + 3);
		assert_int_equal(add_args(sv, "", port, " UDP\n", "80", c, "1", "", "0"), 200); /* whitespace */
		for (size_t k = 0; k < sizeof(bad_ports) / sizeof(bad_ports[0]); k++) {
			FAULT(add_args(sv, "", bad_ports[k], "TCP", "80", c, "1", "", "0"), 402);
			FAULT(add_args(sv, "", "80", "TCP", bad_ports[k], c, "1", "", "0"), 402);
		}
		for (size_t k = 0; k < sizeof(bad_clients) / sizeof(bad_clients[0]); k++)
			FAULT(add_args(sv, "", "80", "TCP", "80", bad_clients[k], "1", "", "0"), 402);
		for (size_t k = 0; k < sizeof(bad_bools) / sizeof(bad_bools[0]); k++)
			FAULT(add_args(sv, "", "80", "TCP", "80", c, bad_bools[k], "", "0"), 402);
		for (size_t k = 0; k < sizeof(good_bools) / sizeof(good_bools[0]); k++) {
			snprintf(port, sizeof(port), "%d", base + 10 + (int)k);
			assert_int_equal(add_args(sv, "", port, "TCP", "80", c, good_bools[k], "", "0"), 200);
		}
		FAULT(add_args(sv, "", "80", "TCP", "80", c, "1", "", "soon"), 402);
		FAULT(add_args(sv, "", "80", "TCP", "80", c, "1", "", "-5"), 402);
		/* required: the ports, the protocol, the client */
		FAULT(add_args(sv, "", NULL, "TCP", "80", c, "1", "", "0"), 402);
		FAULT(add_args(sv, "", "80", NULL, "80", c, "1", "", "0"), 402);
		FAULT(add_args(sv, "", "80", "TCP", NULL, c, "1", "", "0"), 402);
		FAULT(add_args(sv, "", "80", "TCP", "80", NULL, "1", "", "0"), 402);
		/* the others default: wildcard host, enabled, no description, lease 0 */
		snprintf(port, sizeof(port), "%d", base + 4);
		assert_int_equal(add_args(sv, NULL, port, "TCP", "80", c, NULL, NULL, NULL), 200);
		expect_lease(IPPROTO_TCP, (__u16)(base + 4), h1, 80, i ? NOW + 604800 : 0);
		/* the description: 256 bytes at most */
		memset(desc, 'd', sizeof(desc));
		desc[256] = '\0';
		snprintf(port, sizeof(port), "%d", base + 5);
		assert_int_equal(add_args(sv, "", port, "TCP", "80", c, "1", desc, "0"), 200);
		get_specific(sv, "TCP", port);
		assert_int_equal(strlen(val("NewPortMappingDescription")), 256);
		desc[256] = 'd';
		desc[299] = '\0';
		FAULT(add_args(sv, "", "80", "TCP", "80", c, "1", desc, "0"), 402);
	}
	/* an argument nobody knows is ignored */
	assert_int_equal(soap(WANIPC1, "AddPortMapping", h1, "NewRemoteHost", "", "NewExternalPort", "3000",
			      "NewProtocol", "UDP", "NewInternalPort", "3000", "NewInternalClient", c,
			      "NewEnabled", "1", "NewPortMappingDescription", "x", "NewLeaseDuration", "60",
			      "NewColour", "blue", NULL),
			 200);
	assert_true(port_free(IPPROTO_TCP, 80));
}

static void test_enabled_zero(void **state)
{
	(void)state;
	/* a disabled mapping of a free port: success, nothing in the fast path */
	expect_response(soap(WANIPC1, "AddPortMapping", h1, "NewRemoteHost", "", "NewExternalPort", "6881",
			     "NewProtocol", "TCP", "NewInternalPort", "6881", "NewInternalClient", "192.168.1.10",
			     "NewEnabled", "0", "NewPortMappingDescription", "off", "NewLeaseDuration", "0", NULL),
			WANIPC1, "AddPortMapping", "");
	assert_true(port_free(IPPROTO_TCP, 6881));
	assert_int_equal(srv.count.added, 0);
	/* disabling the endpoint's mapping removes it */
	assert_int_equal(add(WANIPC1, h1, "TCP", "6881", "192.168.1.10", "6881", "0", "on"), 200);
	assert_int_equal(soap(WANIPC2, "AddPortMapping", h1, "NewRemoteHost", "", "NewExternalPort", "6881",
			      "NewProtocol", "TCP", "NewInternalPort", "6881", "NewInternalClient", "192.168.1.10",
			      "NewEnabled", "false", "NewPortMappingDescription", "off", "NewLeaseDuration", "0",
			      NULL),
			 200);
	assert_true(port_free(IPPROTO_TCP, 6881));
	assert_int_equal(srv.count.deleted, 1);
	assert_int_equal(srv.changes, 2);
	/* another host's port stays a conflict, disabled or not */
	assert_int_equal(add(WANIPC1, h2, "TCP", "6882", "192.168.1.20", "6882", "0", "h2"), 200);
	FAULT(soap(WANIPC1, "AddPortMapping", h1, "NewRemoteHost", "", "NewExternalPort", "6882", "NewProtocol",
		   "TCP", "NewInternalPort", "6882", "NewInternalClient", "192.168.1.10", "NewEnabled", "0",
		   "NewPortMappingDescription", "off", "NewLeaseDuration", "0", NULL),
	      718);
	expect_lease(IPPROTO_TCP, 6882, h2, 6882, 0);
	/* AddAnyPortMapping too, answering the asked port */
	assert_int_equal(add_any(h1, "UDP", "6883", "192.168.1.10", "6883"), 200);
	assert_string_equal(val("NewReservedPort"), "6883");
	expect_response(soap(WANIPC2, "AddAnyPortMapping", h1, "NewRemoteHost", "", "NewExternalPort", "6883",
			     "NewProtocol", "UDP", "NewInternalPort", "6883", "NewInternalClient", "192.168.1.10",
			     "NewEnabled", "0", "NewPortMappingDescription", "off", "NewLeaseDuration", "0", NULL),
			WANIPC2, "AddAnyPortMapping", "NewReservedPort");
	assert_string_equal(val("NewReservedPort"), "6883");
	assert_true(port_free(IPPROTO_UDP, 6883));
}

static void test_quota(void **state)
{
	struct xnat_lease_req natpmp = { .proto = IPPROTO_UDP, .owner = XNAT_OWNER_NATPMP, .int_port = 9,
					 .want_ext = 9999, .lifetime = 3600, .exact = true, .port_min = 20000,
					 .port_max = 20999 };
	struct xnat_lease l;
	char port[8];

	(void)state;
	natpmp.int_addr = h1; /* other mechanisms' leases are not counted */
	assert_int_equal(xnat_lease_grant(&m, &natpmp, NOW, &l), XNAT_LEASE_GRANTED);
	for (int i = 1; i <= 4; i++) {
		snprintf(port, sizeof(port), "%d", 7000 + i);
		assert_int_equal(add(WANIPC2, h1, "TCP", port, "192.168.1.10", port, "3600", "q"), 200);
	}
	expect_fault(add(WANIPC2, h1, "TCP", "7005", "192.168.1.10", "7005", "3600", "q"), 728,
		     "NoPortMapsAvailable");
	FAULT(add(WANIPC1, h1, "TCP", "7005", "192.168.1.10", "7005", "3600", "q"), 728);
	FAULT(add_any(h1, "TCP", "0", "192.168.1.10", "7005"), 728);
	assert_int_equal(add(WANIPC2, h1, "TCP", "7001", "192.168.1.10", "7001", "60", "renewed"), 200);
	assert_int_equal(add_any(h1, "TCP", "7002", "192.168.1.10", "7002"), 200); /* a renewal too */
	assert_int_equal(add(WANIPC2, h2, "TCP", "7005", "192.168.1.20", "7005", "3600", "h2"), 200);
	assert_int_equal(del(WANIPC2, h1, "TCP", "7001"), 200);
	assert_int_equal(add(WANIPC2, h1, "TCP", "7006", "192.168.1.10", "7006", "3600", "q"), 200);
	assert_int_equal(srv.count.refused, 3);
}

static void test_add_any(void **state)
{
	struct xnat_lease l;
	long p1, p2;

	(void)state;
	expect_fault(soap(WANIPC1, "AddAnyPortMapping", h1, "NewRemoteHost", "", "NewExternalPort", "0",
			  "NewProtocol", "TCP", "NewInternalPort", "9000", "NewInternalClient", "192.168.1.10",
			  "NewEnabled", "1", "NewPortMappingDescription", "", "NewLeaseDuration", "0", NULL),
		     401, "Invalid Action");
	/* any port: one of the policy's range */
	expect_response(add_any(h1, "TCP", "0", "192.168.1.10", "9000"), WANIPC2, "AddAnyPortMapping",
			"NewReservedPort");
	p1 = strtol(val("NewReservedPort"), NULL, 10);
	assert_in_range(p1, 20000, 20999);
	expect_lease(IPPROTO_TCP, (__u16)p1, h1, 9000, NOW + 3600);
	/* each call adds one */
	assert_int_equal(add_any(h1, "TCP", "*", "192.168.1.10", "9000"), 200);
	p2 = strtol(val("NewReservedPort"), NULL, 10);
	assert_in_range(p2, 20000, 20999);
	assert_int_not_equal(p1, p2);
	assert_int_equal(srv.count.added, 2);
	/* the asked port when it is free */
	assert_int_equal(add_any(h1, "TCP", "8080", "192.168.1.10", "9001"), 200);
	assert_string_equal(val("NewReservedPort"), "8080");
	expect_lease(IPPROTO_TCP, 8080, h1, 9001, NOW + 3600);
	/* another one when it is not */
	assert_int_equal(add(WANIPC2, h2, "TCP", "8081", "192.168.1.20", "8081", "3600", "h2"), 200);
	assert_int_equal(add_any(h1, "TCP", "8081", "192.168.1.10", "9002"), 200);
	p1 = strtol(val("NewReservedPort"), NULL, 10);
	assert_in_range(p1, 20000, 20999);
	assert_int_equal(xnat_lease_at(&m, IPPROTO_TCP, 8081, &l), 0);
	assert_int_equal(l.int_addr, h2);
	/* the same endpoint asking its port again: that port, renewed */
	t = NOW + 5;
	assert_int_equal(add_any(h1, "TCP", "8080", "192.168.1.10", "9001"), 200);
	assert_string_equal(val("NewReservedPort"), "8080");
	expect_lease(IPPROTO_TCP, 8080, h1, 9001, NOW + 5 + 3600);
	assert_int_equal(srv.count.renewed, 1);
	FAULT(soap(WANIPC2, "AddAnyPortMapping", h1, "NewExternalPort", "0", "NewProtocol", "TCP",
		   "NewInternalPort", "9000", NULL),
	      402);
}

static int del_range(__be32 from, const char *sv, const char *start, const char *end, const char *proto,
		     const char *manage)
{
	return soap(sv, "DeletePortMappingRange", from, "NewStartPort", start, "NewEndPort", end, "NewProtocol",
		    proto, "NewManage", manage, NULL);
}

static void test_delete_range(void **state)
{
	(void)state;
	srv.policy.leases_per_host = 0;
	assert_int_equal(add(WANIPC2, h1, "TCP", "7001", "192.168.1.10", "7001", "3600", "a"), 200);
	assert_int_equal(add(WANIPC2, h1, "TCP", "7002", "192.168.1.10", "7002", "3600", "b"), 200);
	assert_int_equal(add(WANIPC2, h1, "TCP", "7003", "192.168.1.10", "7003", "3600", "c"), 200);
	assert_int_equal(add(WANIPC2, h1, "UDP", "7002", "192.168.1.10", "7002", "3600", "d"), 200);
	assert_int_equal(add(WANIPC2, h2, "TCP", "7004", "192.168.1.20", "7004", "3600", "e"), 200);
	FAULT(del_range(h1, WANIPC1, "7000", "7010", "TCP", "0"), 401);
	expect_fault(del_range(h1, WANIPC2, "7010", "7000", "TCP", "0"), 733, "InconsistentParameters");
	FAULT(soap(WANIPC2, "DeletePortMappingRange", h1, "NewStartPort", "7000", "NewEndPort", "7010",
		   "NewProtocol", "TCP", NULL),
	      402);
	FAULT(del_range(h1, WANIPC2, "7000", "70000", "TCP", "0"), 402);

	/* Manage 0: the requester's own */
	expect_response(del_range(h1, WANIPC2, "7000", "7010", "TCP", "0"), WANIPC2, "DeletePortMappingRange", "");
	assert_true(port_free(IPPROTO_TCP, 7001) && port_free(IPPROTO_TCP, 7002) && port_free(IPPROTO_TCP, 7003));
	expect_lease(IPPROTO_TCP, 7004, h2, 7004, NOW + 3600);
	expect_lease(IPPROTO_UDP, 7002, h1, 7002, NOW + 3600);
	assert_int_equal(srv.count.deleted, 3);
	assert_int_equal(srv.changes, 5 + 3);
	expect_fault(del_range(h1, WANIPC2, "7000", "7010", "TCP", "0"), 730, "PortMappingNotFound");
	/* Manage 1 is not honoured in secure mode */
	FAULT(del_range(h1, WANIPC2, "7000", "7010", "TCP", "1"), 730);
	expect_lease(IPPROTO_TCP, 7004, h2, 7004, NOW + 3600);
	srv.policy.secure_mode = false;
	assert_int_equal(del_range(h1, WANIPC2, "7000", "7010", "TCP", "1"), 200);
	assert_true(port_free(IPPROTO_TCP, 7004));
	assert_int_equal(del_range(h1, WANIPC2, "7002", "7002", "UDP", "true"), 200);
	assert_int_equal(xnat_upnp_soap_count(&srv), 0);
}

static size_t list_req(const char *sv, const char *start, const char *end, const char *proto, const char *manage,
		       const char *number)
{
	return build(sv, "GetListOfPortMappings", "NewStartPort", start, "NewEndPort", end, "NewProtocol", proto,
		     "NewManage", manage, "NewNumberOfPorts", number, NULL);
}

static int get_list(__be32 from, const char *start, const char *end, const char *proto, const char *manage,
		    const char *number)
{
	size_t len = list_req(WANIPC2, start, end, proto, manage, number);

	return post(XNAT_UPNP_CTL_WANIPC, WANIPC2 "#GetListOfPortMappings", req, len, from);
}

/* The answer's NewPortListing, read as the XML document it is, into list. */
static int listed(void)
{
	const char *doc = val("NewPortListing");

	assert_non_null(doc);
	assert_true(read_doc(&list, doc, strlen(doc)));
	assert_string_equal(list.root, "urn:schemas-upnp-org:gw:WANIPConnection|PortMappingList");
	return count_of(&list, "PortMappingEntry");
}

static void test_list(void **state)
{
	static const char first[] =
		"<p:PortMappingEntry><p:NewRemoteHost></p:NewRemoteHost><p:NewExternalPort>7001</p:NewExternalPort>"
		"<p:NewProtocol>TCP</p:NewProtocol><p:NewInternalPort>7001</p:NewInternalPort>"
		"<p:NewInternalClient>192.168.1.10</p:NewInternalClient><p:NewEnabled>1</p:NewEnabled>"
		"<p:NewDescription>a&lt;b&gt;&amp;&quot;c&apos; ]]&gt; d</p:NewDescription>"
		"<p:NewLeaseTime>3600</p:NewLeaseTime></p:PortMappingEntry>";
	size_t len, full;
	bool cut = false;

	(void)state;
	srv.policy.leases_per_host = 0;
	assert_int_equal(add(WANIPC2, h1, "TCP", "7001", "192.168.1.10", "7001", "3600",
			     "a&lt;b&gt;&amp;&quot;c&apos; ]]&gt; d"),
			 200);
	assert_int_equal(add(WANIPC2, h1, "TCP", "7002", "192.168.1.10", "7002", "0", "two"), 200);
	assert_int_equal(add(WANIPC2, h2, "TCP", "7003", "192.168.1.20", "7003", "3600", "three"), 200);
	assert_int_equal(add(WANIPC2, h1, "UDP", "7001", "192.168.1.10", "7001", "3600", "udp"), 200);

	expect_response(get_list(h1, "1", "65535", "TCP", "1", "0"), WANIPC2, "GetListOfPortMappings",
			"NewPortListing");
	assert_non_null(strstr(out, "<NewPortListing><![CDATA[<p:PortMappingList "
				    "xmlns:p=\"urn:schemas-upnp-org:gw:WANIPConnection\" "
				    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
				    "xsi:schemaLocation=\"urn:schemas-upnp-org:gw:WANIPConnection "
				    "http://www.upnp.org/schemas/gw/WANIPConnection-v2.xsd\">"));
	assert_non_null(strstr(out, first));
	assert_non_null(strstr(out, "</p:PortMappingList>]]></NewPortListing></u:GetListOfPortMappingsResponse>"));
	assert_int_equal(listed(), 3);
	assert_string_equal(nth(&list, "NewRemoteHost", 0), "");
	assert_string_equal(nth(&list, "NewExternalPort", 0), "7001");
	assert_string_equal(nth(&list, "NewProtocol", 0), "TCP");
	assert_string_equal(nth(&list, "NewInternalPort", 0), "7001");
	assert_string_equal(nth(&list, "NewInternalClient", 0), "192.168.1.10");
	assert_string_equal(nth(&list, "NewEnabled", 0), "1");
	assert_string_equal(nth(&list, "NewDescription", 0), "a<b>&\"c' ]]> d");
	assert_string_equal(nth(&list, "NewLeaseTime", 0), "3600");
	assert_string_equal(nth(&list, "NewExternalPort", 1), "7002");
	assert_string_equal(nth(&list, "NewLeaseTime", 1), "604800");
	assert_string_equal(nth(&list, "NewInternalClient", 2), "192.168.1.20");
	assert_string_equal(nth(&list, "NewDescription", 2), "three");

	/* Manage 0: the requester's own; a number; a range; the other protocol */
	assert_int_equal(get_list(h1, "1", "65535", "TCP", "0", "0"), 200);
	assert_int_equal(listed(), 2);
	assert_int_equal(get_list(h1, "1", "65535", "TCP", "1", "1"), 200);
	assert_int_equal(listed(), 1);
	assert_int_equal(get_list(h1, "7002", "7002", "TCP", "1", "0"), 200);
	assert_int_equal(listed(), 1);
	assert_string_equal(nth(&list, "NewExternalPort", 0), "7002");
	assert_int_equal(get_list(h2, "1", "65535", "UDP", "1", "1000"), 200);
	assert_int_equal(listed(), 1);
	assert_string_equal(nth(&list, "NewDescription", 0), "udp");

	expect_fault(get_list(h1, "8000", "7000", "TCP", "1", "0"), 733, "InconsistentParameters");
	expect_fault(get_list(h1, "8000", "9000", "TCP", "1", "0"), 730, "PortMappingNotFound");
	FAULT(get_list(h2, "1", "65535", "UDP", "0", "0"), 730);
	FAULT(soap(WANIPC2, "GetListOfPortMappings", h1, "NewStartPort", "1", "NewEndPort", "65535", "NewProtocol",
		   "TCP", "NewManage", "1", NULL),
	      402);
	len = list_req(WANIPC1, "1", "65535", "TCP", "1", "0");
	FAULT(post(XNAT_UPNP_CTL_WANIPC, NULL, req, len, h1), 401);

	/* a buffer too small for every entry: cut at an entry, or 501 */
	len = list_req(WANIPC2, "1", "65535", "TCP", "1", "0");
	assert_int_equal(post(XNAT_UPNP_CTL_WANIPC, NULL, req, len, h1), 200);
	full = out_len;
	for (size_t cap = 0; cap <= full + 1; cap++) {
		int st = post_cap(XNAT_UPNP_CTL_WANIPC, NULL, req, len, h1, cap);

		if (st == 200) {
			int n = listed();

			assert_in_range(n, 1, 3);
			cut |= n < 3;
			assert_true(n == 3 || cap < full + 1);
		} else if (out_len) {
			FAULT(st, 501);
		}
	}
	assert_true(cut);
	assert_int_equal(post_cap(XNAT_UPNP_CTL_WANIPC, NULL, req, len, h1, full + 1), 200);
	assert_int_equal(listed(), 3);
}

static void test_info(void **state)
{
	static const char ext_ip[] = ENV_START "<u:GetExternalIPAddressResponse xmlns:u=\"" WANIPC1 "\">"
					       "<NewExternalIPAddress>198.51.100.1</NewExternalIPAddress>"
					       "</u:GetExternalIPAddressResponse>" ENV_END;
	int st;

	(void)state;
	assert_int_equal(soap(WANIPC1, "GetExternalIPAddress", h1, NULL), 200);
	assert_string_equal(out, ext_ip);
	expect_response(soap(WANIPC2, "GetExternalIPAddress", h1, NULL), WANIPC2, "GetExternalIPAddress",
			"NewExternalIPAddress");
	st = soap(WANIPC1, "GetStatusInfo", h1, NULL);
	expect_response(st, WANIPC1, "GetStatusInfo", "NewConnectionStatus,NewLastConnectionError,NewUptime");
	assert_string_equal(val("NewConnectionStatus"), "Connected");
	assert_string_equal(val("NewLastConnectionError"), "ERROR_NONE");
	assert_string_equal(val("NewUptime"), "17");
	st = soap(WANIPC2, "GetConnectionTypeInfo", h1, NULL);
	expect_response(st, WANIPC2, "GetConnectionTypeInfo", "NewConnectionType,NewPossibleConnectionTypes");
	assert_string_equal(val("NewConnectionType"), "IP_Routed");
	assert_string_equal(val("NewPossibleConnectionTypes"), "IP_Routed");
	st = soap(WANIPC1, "GetNATRSIPStatus", h1, NULL);
	expect_response(st, WANIPC1, "GetNATRSIPStatus", "NewRSIPAvailable,NewNATEnabled");
	assert_string_equal(val("NewRSIPAvailable"), "0");
	assert_string_equal(val("NewNATEnabled"), "1");
	expect_fault(soap(WANIPC1, "RequestConnection", h1, NULL), 606, "Action not authorized");
	FAULT(soap(WANIPC2, "RequestConnection", h1, NULL), 606);
	FAULT(soap(WANIPC1, "ForceTermination", h1, NULL), 606);
	FAULT(soap(WANIPC2, "ForceTermination", h1, NULL), 606);
	expect_fault(soap(WANIPC1, "SetConnectionType", h1, "NewConnectionType", "IP_Bridged", NULL), 731,
		     "ReadOnly");
	FAULT(soap(WANIPC1, "SetConnectionType", h1, NULL), 402);

	st = soap(WANCFG, "GetCommonLinkProperties", h1, NULL);
	expect_response(st, WANCFG, "GetCommonLinkProperties",
			"NewWANAccessType,NewLayer1UpstreamMaxBitRate,NewLayer1DownstreamMaxBitRate,"
			"NewPhysicalLinkStatus");
	assert_string_equal(val("NewWANAccessType"), "Ethernet");
	assert_string_equal(val("NewLayer1UpstreamMaxBitRate"), "1000000000");
	assert_string_equal(val("NewLayer1DownstreamMaxBitRate"), "1000000000");
	assert_string_equal(val("NewPhysicalLinkStatus"), "Up");
	srv.bitrate_up = 20000000;
	srv.bitrate_down = 100000000;
	soap(WANCFG, "GetCommonLinkProperties", h1, NULL);
	assert_string_equal(val("NewLayer1UpstreamMaxBitRate"), "20000000");
	assert_string_equal(val("NewLayer1DownstreamMaxBitRate"), "100000000");

	st = soap(L3F, "GetDefaultConnectionService", h1, NULL);
	expect_response(st, L3F, "GetDefaultConnectionService", "NewDefaultConnectionService");
	assert_string_equal(val("NewDefaultConnectionService"),
			    "uuid:" UUID_WCD ":WANConnectionDevice:1,urn:upnp-org:serviceId:WANIPConn1");
	expect_response(soap(L3F, "SetDefaultConnectionService", h1, "NewDefaultConnectionService",
			     "uuid:" UUID_WCD ":WANConnectionDevice:1,urn:upnp-org:serviceId:WANIPConn1", NULL),
			L3F, "SetDefaultConnectionService", "");
	FAULT(soap(L3F, "SetDefaultConnectionService", h1, NULL), 402);

	/* QueryStateVariable, as Windows asks it */
	st = soap(CONTROL, "QueryStateVariable", h1, "varName", "ConnectionStatus", NULL);
	expect_response(st, CONTROL, "QueryStateVariable", "return");
	assert_string_equal(val("return"), "Connected");
	soap(CONTROL, "QueryStateVariable", h1, "varName", "ExternalIPAddress", NULL);
	assert_string_equal(val("return"), "198.51.100.1");
	soap(CONTROL, "QueryStateVariable", h1, "varName", "PortMappingNumberOfEntries", NULL);
	assert_string_equal(val("return"), "0");
	assert_int_equal(add(WANIPC1, h1, "TCP", "80", "192.168.1.10", "80", "0", "web"), 200);
	soap(CONTROL, "QueryStateVariable", h1, "varName", "PortMappingNumberOfEntries", NULL);
	assert_string_equal(val("return"), "1");
	expect_fault(soap(CONTROL, "QueryStateVariable", h1, "varName", "Colour", NULL), 404, "Invalid Var");
	FAULT(soap(CONTROL, "QueryStateVariable", h1, NULL), 402);
	build(CONTROL, "QueryStateVariable", "varName", "ConnectionStatus", NULL);
	FAULT(post(XNAT_UPNP_CTL_WANCFG, NULL, req, strlen(req), h1), 401);

	/* no external address yet */
	srv.ext_addr = 0;
	soap(WANIPC1, "GetExternalIPAddress", h1, NULL);
	assert_string_equal(val("NewExternalIPAddress"), "");
	soap(WANIPC1, "GetStatusInfo", h1, NULL);
	assert_string_equal(val("NewConnectionStatus"), "Disconnected");
	soap(WANCFG, "GetCommonLinkProperties", h1, NULL);
	assert_string_equal(val("NewPhysicalLinkStatus"), "Down");
	soap(CONTROL, "QueryStateVariable", h1, "varName", "ConnectionStatus", NULL);
	assert_string_equal(val("return"), "Disconnected");
}

static void test_totals(void **state)
{
	int st;

	(void)state;
	expect_fault(soap(WANCFG, "GetTotalBytesSent", h1, NULL), 501, "Action Failed"); /* no callback */
	srv.totals = fake_totals;
	st = soap(WANCFG, "GetTotalBytesSent", h1, NULL);
	expect_response(st, WANCFG, "GetTotalBytesSent", "NewTotalBytesSent");
	assert_string_equal(val("NewTotalBytesSent"), "5"); /* 2^32 + 5, a ui4 */
	st = soap(WANCFG, "GetTotalBytesReceived", h1, NULL);
	expect_response(st, WANCFG, "GetTotalBytesReceived", "NewTotalBytesReceived");
	assert_string_equal(val("NewTotalBytesReceived"), "123456789");
	st = soap(WANCFG, "GetTotalPacketsSent", h1, NULL);
	expect_response(st, WANCFG, "GetTotalPacketsSent", "NewTotalPacketsSent");
	assert_string_equal(val("NewTotalPacketsSent"), "4294967295");
	st = soap(WANCFG, "GetTotalPacketsReceived", h1, NULL);
	expect_response(st, WANCFG, "GetTotalPacketsReceived", "NewTotalPacketsReceived");
	assert_string_equal(val("NewTotalPacketsReceived"), "7");
	fake_totals_rc = -1;
	FAULT(soap(WANCFG, "GetTotalPacketsReceived", h1, NULL), 501);
	assert_int_equal(srv.count.malformed + srv.count.refused, 0); /* 501 is neither */
	assert_int_equal(srv.count.requests, 6);
}

static void test_routing(void **state)
{
	static const char fault401[] =
		ENV_START "<s:Fault><faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail>"
			  "<UPnPError xmlns=\"urn:schemas-upnp-org:control-1-0\"><errorCode>401</errorCode>"
			  "<errorDescription>Invalid Action</errorDescription></UPnPError></detail></s:Fault>"
			  ENV_END;
	static const char *const bad_headers[] = {
		"nohash", "#GetExternalIPAddress", WANIPC1 "#", "\"" WANIPC1 "#Get\"Ext\"",
		"\"" WANIPC2 "#GetExternalIPAddress\"", "\"" WANIPC1 "#GetStatusInfo\"",
		"\"" WANIPC1 "#GetExternalIPAddress\"x",
	};
	static const char *const bad_types[] = {
		"urn:schemas-upnp-org:service:WANIPConnection:3", "urn:schemas-upnp-org:service:WANIPConnection:0",
		"urn:schemas-upnp-org:service:WANIPConnection:10", "urn:schemas-upnp-org:service:WANIPConnection:1x",
		"urn:schemas-upnp-org:service:WANIPConnection", "urn:schemas-upnp-org:service:WANPPPConnection:1",
		"urn:schemas-upnp-org:service:WANCommonInterfaceConfig:1",
		"URN:SCHEMAS-UPNP-ORG:SERVICE:WANIPConnection:1",
	};
	static const char no_ns[] = ENV_START "<GetExternalIPAddress></GetExternalIPAddress>" ENV_END;
	static const char soap12[] = "<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\"><e:Body>"
				     "<u:GetExternalIPAddress xmlns:u=\"" WANIPC1 "\"/></e:Body></e:Envelope>";
	static const char empty_body[] = ENV_START ENV_END;
	size_t len;

	(void)state;
	len = build(WANIPC1, "GetExternalIPAddress", NULL);
	assert_int_equal(post(XNAT_UPNP_CTL_WANIPC, WANIPC1 "#GetExternalIPAddress", req, len, h1), 200);
	assert_int_equal(post(XNAT_UPNP_CTL_WANCFG, WANIPC1 "#GetExternalIPAddress", req, len, h1), 500);
	assert_string_equal(out, fault401); /* byte for byte */
	FAULT(post("/ctl/Nope", NULL, req, len, h1), 401);
	FAULT(post(NULL, NULL, req, len, h1), 401);
	FAULT(post(XNAT_UPNP_CTL_L3F, NULL, req, len, h1), 401);
	for (size_t i = 0; i < sizeof(bad_headers) / sizeof(bad_headers[0]); i++)
		FAULT(post(XNAT_UPNP_CTL_WANIPC, bad_headers[i], req, len, h1), 401);
	for (size_t i = 0; i < sizeof(bad_types) / sizeof(bad_types[0]); i++) {
		len = build(bad_types[i], "GetExternalIPAddress", NULL);
		FAULT(post(XNAT_UPNP_CTL_WANIPC, NULL, req, len, h1), 401);
	}
	FAULT(soap(WANIPC2, "Frobnicate", h1, NULL), 401);
	FAULT(soap(WANIPC1, "getexternalipaddress", h1, NULL), 401);
	FAULT(soap(WANCFG, "GetExternalIPAddress", h1, NULL), 401);
	FAULT(soap(L3F, "GetCommonLinkProperties", h1, NULL), 401);
	FAULT(soap(WANIPC1, "AddAnyPortMapping", h1, NULL), 401);
	FAULT(soap(WANIPC1, "DeletePortMappingRange", h1, NULL), 401);
	FAULT(soap(WANIPC1, "GetListOfPortMappings", h1, NULL), 401);
	/* no action in the body; the header alone names one: its arguments are what is wrong */
	FAULT(post(XNAT_UPNP_CTL_WANIPC, NULL, no_ns, strlen(no_ns), h1), 401);
	FAULT(post(XNAT_UPNP_CTL_WANIPC, WANIPC1 "#GetExternalIPAddress", no_ns, strlen(no_ns), h1), 402);
	FAULT(post(XNAT_UPNP_CTL_WANIPC, NULL, soap12, strlen(soap12), h1), 401);
	FAULT(post(XNAT_UPNP_CTL_WANIPC, NULL, empty_body, strlen(empty_body), h1), 401);
	FAULT(post(XNAT_UPNP_CTL_WANIPC, WANIPC1 "#Frobnicate", empty_body, strlen(empty_body), h1), 401);
	assert_int_equal(srv.count.malformed, srv.count.requests - 1);
	assert_int_equal(srv.count.refused, 0);
}

/* A valid AddPortMapping of UDP port for h1, in req; its length. */
static size_t add_req(const char *port, const char *desc)
{
	return build(WANIPC1, "AddPortMapping", "NewRemoteHost", "", "NewExternalPort", port, "NewProtocol", "UDP",
		     "NewInternalPort", port, "NewInternalClient", "192.168.1.10", "NewEnabled", "1",
		     "NewPortMappingDescription", desc, "NewLeaseDuration", "0", NULL);
}

static void test_hostile_dtd(void **state)
{
	static const char lol[] =
		"<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
		"<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
		"<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
		"<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
		"<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
		"<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
		"<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
		"<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
		"<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
		"<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">]>\n" ENV_START
		"<u:AddPortMapping xmlns:u=\"" WANIPC1 "\"><NewExternalPort>80</NewExternalPort>"
		"<NewProtocol>TCP</NewProtocol><NewInternalPort>80</NewInternalPort>"
		"<NewInternalClient>192.168.1.10</NewInternalClient>"
		"<NewPortMappingDescription>&lol9;</NewPortMappingDescription></u:AddPortMapping>" ENV_END;
	static const char external[] =
		"<?xml version=\"1.0\"?><!DOCTYPE e [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>" ENV_START
		"<u:GetExternalIPAddress xmlns:u=\"" WANIPC1 "\">&x;</u:GetExternalIPAddress>" ENV_END;
	static const char doctype_only[] = "<!DOCTYPE s:Envelope SYSTEM \"http://example.com/x.dtd\">" ENV_START
					   "<u:GetExternalIPAddress xmlns:u=\"" WANIPC1 "\"/>" ENV_END;
	static const char undefined[] = ENV_START "<u:AddPortMapping xmlns:u=\"" WANIPC1 "\">"
					"<NewPortMappingDescription>&lol9;</NewPortMappingDescription>"
					"</u:AddPortMapping>" ENV_END;

	(void)state;
	FAULT(post(XNAT_UPNP_CTL_WANIPC, NULL, lol, strlen(lol), h1), 401);
	FAULT(post(XNAT_UPNP_CTL_WANIPC, WANIPC1 "#AddPortMapping", lol, strlen(lol), h1), 402);
	FAULT(post(XNAT_UPNP_CTL_WANIPC, NULL, external, strlen(external), h1), 401);
	FAULT(post(XNAT_UPNP_CTL_WANIPC, NULL, doctype_only, strlen(doctype_only), h1), 401);
	FAULT(post(XNAT_UPNP_CTL_WANIPC, NULL, undefined, strlen(undefined), h1), 402);
	assert_true(port_free(IPPROTO_TCP, 80));
	assert_int_equal(xnat_upnp_soap_count(&srv), 0);
}

static void test_hostile_shapes(void **state)
{
	static const char two_actions[] = ENV_START "<u:GetExternalIPAddress xmlns:u=\"" WANIPC1 "\"/>"
						    "<u:GetStatusInfo xmlns:u=\"" WANIPC1 "\"/>" ENV_END;
	static const char nested_arg[] = ENV_START "<u:GetGenericPortMappingEntry xmlns:u=\"" WANIPC1 "\">"
						   "<NewPortMappingIndex><i>0</i></NewPortMappingIndex>"
						   "</u:GetGenericPortMappingEntry>" ENV_END;
	static const char twice[] = ENV_START "<u:GetGenericPortMappingEntry xmlns:u=\"" WANIPC1 "\">"
					      "<NewPortMappingIndex>0</NewPortMappingIndex>"
					      "<NewPortMappingIndex>1</NewPortMappingIndex>"
					      "</u:GetGenericPortMappingEntry>" ENV_END;
	static const char nul[] =
		ENV_START "<u:GetExternalIPAddress xmlns:u=\"" WANIPC1 "\">\0</u:GetExternalIPAddress>" ENV_END;
	char *body = malloc(XNAT_UPNP_MAX_BODY * 4);
	char name[128], *p;
	size_t len;
	int n;

	(void)state;
	assert_non_null(body);
	srv.policy.leases_per_host = 0;
	FAULT(post(XNAT_UPNP_CTL_WANIPC, NULL, two_actions, strlen(two_actions), h1), 402);
	FAULT(post(XNAT_UPNP_CTL_WANIPC, NULL, nested_arg, strlen(nested_arg), h1), 402);
	FAULT(post(XNAT_UPNP_CTL_WANIPC, NULL, twice, strlen(twice), h1), 402);
	FAULT(post(XNAT_UPNP_CTL_WANIPC, NULL, nul, sizeof(nul) - 1, h1), 402);

	/* deep nesting, in an argument and in the Header */
	n = snprintf(body, XNAT_UPNP_MAX_BODY * 4, ENV_START "<u:GetExternalIPAddress xmlns:u=\"" WANIPC1 "\"><a>");
	for (int i = 0; i < 2000; i++)
		n += snprintf(body + n, 8, "<b>");
	FAULT(post(XNAT_UPNP_CTL_WANIPC, NULL, body, (size_t)n, h1), 402);
	n = snprintf(body, XNAT_UPNP_MAX_BODY * 4,
		     "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Header>");
	for (int i = 0; i < 2000; i++)
		n += snprintf(body + n, 8, "<h>");
	FAULT(post(XNAT_UPNP_CTL_WANIPC, NULL, body, (size_t)n, h1), 401);
	/* ... but a Header of reasonable depth is fine */
	n = snprintf(body, XNAT_UPNP_MAX_BODY * 4,
		     "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Header><a><b><c><d>"
		     "</d></c></b></a></s:Header><s:Body><u:GetExternalIPAddress xmlns:u=\"" WANIPC1 "\"/>"
		     "</s:Body></s:Envelope>");
	assert_int_equal(post(XNAT_UPNP_CTL_WANIPC, NULL, body, (size_t)n, h1), 200);

	/* 16 arguments at most, unknown ones included: 8 + 8 are fine, 8 + 9 or 8 + 92 are not */
	for (int k = 0; k < 3; k++) {
		int extra = k == 0 ? 8 : k == 1 ? 9 : 92;
		char port[8];

		snprintf(port, sizeof(port), "%d", 4000 + extra);
		len = add_req(port, "x");
		p = strstr(req, "</u:AddPortMapping>");
		n = (int)(p - req);
		memcpy(body, req, (size_t)n);
		for (int i = 0; i < extra; i++)
			n += snprintf(body + n, 64, "<Extra%d>%d</Extra%d>", i, i, i);
		n += snprintf(body + n, 64, "%s", p);
		if (extra == 8) {
			assert_int_equal(post(XNAT_UPNP_CTL_WANIPC, NULL, body, (size_t)n, h1), 200);
		} else {
			FAULT(post(XNAT_UPNP_CTL_WANIPC, NULL, body, (size_t)n, h1), 402);
			assert_true(port_free(IPPROTO_UDP, (__u16)(4000 + extra)));
		}
	}
	expect_lease(IPPROTO_UDP, 4008, h1, 4008, 0);

	/* 256 bytes of value, counted after entities are decoded */
	p = body;
	for (int i = 0; i < 256; i++)
		p += sprintf(p, "&amp;");
	len = add_req("4002", body);
	memmove(body, req, len);
	assert_int_equal(post(XNAT_UPNP_CTL_WANIPC, NULL, body, len, h1), 200);
	get_specific(WANIPC1, "UDP", "4002");
	assert_int_equal(strlen(val("NewPortMappingDescription")), 256);
	assert_int_equal(strspn(val("NewPortMappingDescription"), "&"), 256);
	p = body;
	for (int i = 0; i < 257; i++)
		p += sprintf(p, "&amp;");
	len = add_req("4003", body);
	FAULT(post(XNAT_UPNP_CTL_WANIPC, NULL, req, len, h1), 402);

	/* names too long */
	memset(name, 'A', sizeof(name));
	name[100] = '\0';
	len = build(WANIPC1, name, NULL);
	FAULT(post(XNAT_UPNP_CTL_WANIPC, NULL, req, len, h1), 401);
	len = build(WANIPC1, "GetExternalIPAddress", name, "1", NULL);
	FAULT(post(XNAT_UPNP_CTL_WANIPC, NULL, req, len, h1), 402);
	n = snprintf(body, XNAT_UPNP_MAX_BODY * 4,
		     ENV_START "<u:GetExternalIPAddress xmlns:u=\"urn:%0200d\"/>" ENV_END, 0);
	FAULT(post(XNAT_UPNP_CTL_WANIPC, NULL, body, (size_t)n, h1), 401);

	/* over the body limit: refused whole, even when valid */
	len = build(WANIPC1, "GetExternalIPAddress", NULL);
	memcpy(body, req, len);
	memset(body + len, ' ', XNAT_UPNP_MAX_BODY + 1 - len);
	FAULT(post(XNAT_UPNP_CTL_WANIPC, NULL, body, XNAT_UPNP_MAX_BODY + 1, h1), 401);
	FAULT(post(XNAT_UPNP_CTL_WANIPC, WANIPC1 "#GetExternalIPAddress", body, XNAT_UPNP_MAX_BODY + 1, h1), 402);
	assert_int_equal(post(XNAT_UPNP_CTL_WANIPC, NULL, body, XNAT_UPNP_MAX_BODY, h1), 200);

	/* not XML at all */
	FAULT(post(XNAT_UPNP_CTL_WANIPC, NULL, "hello", 5, h1), 401);
	FAULT(post(XNAT_UPNP_CTL_WANIPC, NULL, "", 0, h1), 401);
	FAULT(post(XNAT_UPNP_CTL_WANIPC, NULL, NULL, 0, h1), 401);
	FAULT(post(XNAT_UPNP_CTL_WANIPC, NULL, "<", 1, h1), 401);
	FAULT(post(XNAT_UPNP_CTL_WANIPC, WANIPC1 "#GetExternalIPAddress", "GET / HTTP/1.0\r\n\r\n", 18, h1), 402);
	for (int i = 0; i < 4096; i++)
		body[i] = (char)(i * 7919 % 251);
	FAULT(post(XNAT_UPNP_CTL_WANIPC, NULL, body, 4096, h1), 401);
	free(body);
}

/* Every prefix of a valid request is refused and changes nothing; the whole one works. */
static void test_truncated(void **state)
{
	size_t full = add_req("4500", "truncated &amp; whole");
	char *copy = malloc(full);

	(void)state;
	assert_non_null(copy);
	memcpy(copy, req, full);
	for (size_t n = 0; n < full; n++) {
		char *exact = malloc(n ? n : 1); /* no byte past n to read: valgrind would tell */
		int st;

		assert_non_null(exact);
		memcpy(exact, copy, n);
		st = post(XNAT_UPNP_CTL_WANIPC, n % 2 ? WANIPC1 "#AddPortMapping" : NULL, exact, n, h1);
		free(exact);
		if (n >= full - 2) /* only the final CR LF missing: still the whole document */
			continue;
		assert_int_equal(st, 500);
		assert_true(error_code() == 401 || error_code() == 402);
		assert_true(port_free(IPPROTO_UDP, 4500));
	}
	assert_int_equal(post(XNAT_UPNP_CTL_WANIPC, NULL, copy, full, h1), 200);
	expect_lease(IPPROTO_UDP, 4500, h1, 4500, 0);
	free(copy);
}

/* Answers that do not fit: a 501 fault if that fits, else nothing; never a change without its answer. */
static void test_small_caps(void **state)
{
	char full_answer[4096];
	size_t len, full;

	(void)state;
	srv.policy.leases_per_host = 0;
	assert_int_equal(add(WANIPC1, h1, "TCP", "6881", "192.168.1.10", "6881", "0", "sized"), 200);
	len = build(WANIPC1, "GetGenericPortMappingEntry", "NewPortMappingIndex", "0", NULL);
	assert_int_equal(post(XNAT_UPNP_CTL_WANIPC, NULL, req, len, h1), 200);
	full = out_len;
	memcpy(full_answer, out, full + 1);
	for (size_t cap = 0; cap <= full + 80; cap++) {
		int st = post_cap(XNAT_UPNP_CTL_WANIPC, NULL, req, len, h1, cap);

		if (st == 200) {
			assert_true(cap > full);
			assert_string_equal(out, full_answer);
		} else if (out_len) {
			FAULT(st, 501);
		}
		if (cap > full)
			assert_int_equal(st, 200);
	}

	/* AddPortMapping: made only when its answer is sent */
	len = add_req("1", "x");
	assert_int_equal(post(XNAT_UPNP_CTL_WANIPC, NULL, req, len, h1), 200);
	full = out_len;
	for (size_t cap = 0; cap <= full + 80; cap++) {
		char port[8];
		int st;

		snprintf(port, sizeof(port), "%zu", 10000 + cap);
		len = add_req(port, "x");
		st = post_cap(XNAT_UPNP_CTL_WANIPC, NULL, req, len, h1, cap);
		assert_true(st == 200 ? !port_free(IPPROTO_UDP, (__u16)(10000 + cap)) :
					port_free(IPPROTO_UDP, (__u16)(10000 + cap)));
		if (st != 200 && out_len)
			FAULT(st, 501);
		if (cap > full + 64)
			assert_int_equal(st, 200);
	}
}

/* Valid requests with random bytes changed and random cuts: any answer, never a crash. */
static void test_garbage_never_crashes(void **state)
{
	static const char alphabet[] = "<>/&;:\"'=#!?[] \r\nabcxyzAPMNew0123456789|\\";
	unsigned int seed = 11;
	char body[2048];

	(void)state;
	srv.policy.leases_per_host = 0;
	for (int i = 0; i < 4000; i++) {
		size_t len = i % 3 ? add_req("5555", "fuzz") :
				     list_req(WANIPC2, "1", "65535", "UDP", "1", "0");
		int changes = 1 + rand_r(&seed) % 6;
		const char *header = i % 4 == 0 ? NULL : i % 4 == 1 ? WANIPC1 "#AddPortMapping" :
				     i % 4 == 2 ? "\"" WANIPC2 "#GetListOfPortMappings\"" : "x";

		memcpy(body, req, len);
		for (int k = 0; k < changes; k++) {
			size_t at = (size_t)rand_r(&seed) % len;

			body[at] = rand_r(&seed) % 2 ? alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)] :
						       (char)rand_r(&seed);
		}
		if (i % 5 == 0)
			len = (size_t)rand_r(&seed) % (len + 1);
		post_cap(XNAT_UPNP_CTL_WANIPC, header, body, len, h1,
			 i % 7 ? sizeof(out) : (size_t)rand_r(&seed) % 700);
	}
	assert_int_equal(srv.count.requests, 4000);
}

static void test_sweep_and_count(void **state)
{
	struct xnat_lease_req natpmp = { .proto = IPPROTO_TCP, .owner = XNAT_OWNER_NATPMP, .int_port = 7002,
					 .want_ext = 7002, .lifetime = 3600, .exact = true, .port_min = 20000,
					 .port_max = 20999 };
	struct xnat_lease_req restart = { .proto = IPPROTO_TCP, .owner = XNAT_OWNER_UPNP, .int_port = 7009,
					  .want_ext = 7009, .lifetime = 3600, .exact = true, .port_min = 20000,
					  .port_max = 20999 };
	struct xnat_lease l;
	__u32 changes;

	(void)state;
	assert_int_equal(add(WANIPC1, h1, "TCP", "7001", "192.168.1.10", "7001", "60", "a"), 200);
	assert_int_equal(add(WANIPC1, h1, "TCP", "7002", "192.168.1.10", "7002", "60", "b"), 200);
	assert_int_equal(add(WANIPC1, h1, "UDP", "7001", "192.168.1.10", "7001", "60", "c"), 200);
	assert_int_equal(xnat_upnp_soap_count(&srv), 3);
	assert_int_equal(xnat_upnp_soap_sweep(&srv), 0);

	/* the collector expires one */
	assert_int_equal(xnat_lease_at(&m, IPPROTO_TCP, 7002, &l), 0);
	assert_int_equal(xnat_lease_remove(&m, &l), 0);
	changes = srv.changes;
	assert_int_equal(xnat_upnp_soap_sweep(&srv), 1);
	assert_int_equal(srv.changes, changes + 1);
	assert_int_equal(xnat_upnp_soap_sweep(&srv), 0);
	assert_int_equal(srv.changes, changes + 1);
	assert_int_equal(xnat_upnp_soap_count(&srv), 2);
	FAULT(get_specific(WANIPC1, "TCP", "7002"), 714);

	/* another mechanism takes the port: not a UPnP mapping, not listed */
	natpmp.int_addr = h2;
	assert_int_equal(xnat_lease_grant(&m, &natpmp, NOW, &l), XNAT_LEASE_GRANTED);
	FAULT(get_specific(WANIPC1, "TCP", "7002"), 714);
	assert_int_equal(soap(WANIPC1, "GetGenericPortMappingEntry", h1, "NewPortMappingIndex", "1", NULL), 200);
	assert_string_equal(val("NewProtocol"), "UDP"); /* TCP by port, then UDP */
	FAULT(soap(WANIPC1, "GetGenericPortMappingEntry", h1, "NewPortMappingIndex", "2", NULL), 713);

	/* a UPnP lease without a description (xnatd restarted): listed, described "" */
	restart.int_addr = h1;
	assert_int_equal(xnat_lease_grant(&m, &restart, NOW, &l), XNAT_LEASE_GRANTED);
	assert_int_equal(get_specific(WANIPC1, "TCP", "7009"), 200);
	assert_string_equal(val("NewPortMappingDescription"), "");
	assert_string_equal(val("NewEnabled"), "1");
	assert_int_equal(del(WANIPC1, h1, "TCP", "7009"), 200);
	assert_int_equal(xnat_upnp_soap_count(&srv), 2);
}

static void test_counters(void **state)
{
	(void)state;
	srv.totals = fake_totals;
	assert_int_equal(add(WANIPC1, h1, "TCP", "80", "192.168.1.10", "80", "0", "web"), 200);      /* added */
	assert_int_equal(add(WANIPC1, h1, "TCP", "80", "192.168.1.10", "80", "0", "web"), 200);      /* renewed */
	FAULT(add(WANIPC1, h2, "TCP", "80", "192.168.1.20", "80", "0", "web"), 718);                /* refused */
	FAULT(add(WANIPC2, h2, "TCP", "81", "192.168.1.10", "81", "0", "web"), 606);                /* refused */
	FAULT(soap(WANIPC1, "Nope", h1, NULL), 401);                                                 /* malformed */
	FAULT(add(WANIPC1, h1, "TCP", "x", "192.168.1.10", "80", "0", "web"), 402);                 /* malformed */
	fake_totals_rc = -1;
	FAULT(soap(WANCFG, "GetTotalBytesSent", h1, NULL), 501);                                     /* neither */
	assert_int_equal(del(WANIPC1, h1, "TCP", "80"), 200);                                        /* deleted */
	assert_int_equal(srv.count.requests, 8);
	assert_int_equal(srv.count.added, 1);
	assert_int_equal(srv.count.renewed, 1);
	assert_int_equal(srv.count.deleted, 1);
	assert_int_equal(srv.count.refused, 2);
	assert_int_equal(srv.count.malformed, 2);
	assert_int_equal(srv.changes, 2);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_v1_add_get_delete), T(test_v1_lease_durations), T(test_v2_lease_durations),
		T(test_windows_style),     T(test_renewal),            T(test_conflicts),
		T(test_secure_mode),       T(test_add_arguments),      T(test_enabled_zero),
		T(test_quota),             T(test_add_any),            T(test_delete_range),
		T(test_list),              T(test_info),               T(test_totals),
		T(test_routing),           T(test_hostile_dtd),        T(test_hostile_shapes),
		T(test_truncated),         T(test_small_caps),         T(test_garbage_never_crashes),
		T(test_sweep_and_count),   T(test_counters),          T(test_permission_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
