// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for UPnP IGD control: the SOAP envelope reader
 * (agent/lib/upnp_envelope.c, expat) and the action dispatch behind it
 * (upnp_soap.c, upnp_portmap.c, upnp_info.c, upnp_args.c over lease.c) on
 * real BPF maps (tests/unit/lease_maps.c): needs root. One input is one
 * POST to a control URL, handled as xnatd's upnp_http.c does.
 *
 * Input: two bytes of context, then the body. Byte 0: the control URL
 * (bits 0-1: the one serving the body's service, WANIPConnection's,
 * Layer3Forwarding's, none), the SOAPAction header (bits 2-3: the body's
 * "service#action" quoted, unquoted with blanks, none, or the input's first
 * line, the body following it), the requester among four LAN hosts (bits
 * 4-5), secure mode off (bit 6), no WAN address (bit 7). Byte 1: the answer
 * buffer (bits 0-1: xnatd's 64 KiB, 1024, 600 or 300 bytes), the clock
 * moved 0, 1, 60, 3600, 86400 or 604800 s first (bits 2-4), permission
 * rules (bit 5: host .30 limited to 20000-20063, nobody below 1024), the
 * link totals failing (bit 6).
 *
 * The tables and descriptions are kept from one input to the next, and
 * emptied every RESET_EVERY inputs. Checked beyond "no crash": the status
 * is 200 or 500; the answer is NUL-terminated within its buffer and
 * well-formed XML (expat), an action's Response (of the body's action when
 * it has one) or a Fault with a UPnP error code; a fault changes no
 * mapping, nor does a Get or Query action; AddPortMapping's and
 * AddAnyPortMapping's success is a UPnP lease for the asked endpoint with
 * the asked description, DeletePortMapping's leaves none; every UPnP lease
 * has a description and every description a lease; no host holds more
 * than its quota. On the first input after each reset, the same input on
 * emptied tables gives the same answer again (getrandom() is replaced by
 * a generator seeded from the input).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <expat.h>
#include "check.h"
#include "lease.h"
#include "portmap_rules.h"
#include "tables.h"
#include "upnp_actions.h"

#define RESET_EVERY 256
#define BASE_TIME 100000u
#define MAX_LEASES 4096
#define QUOTA 8
#define UPNP_MASK (1u << XNAT_OWNER_UPNP)
#define SOAP_ENV "http://schemas.xmlsoap.org/soap/envelope/"
#define HEADER_MAX 300

static const size_t caps[4] = { 64 * 1024, 1024, 600, 300 };
static const __u32 clock_steps[8] = { 0, 1, 60, 3600, 86400, 604800, 0, 1 };
static const struct xnat_upnp_policy policy = {
	.secure_mode = true, .leases_per_host = QUOTA, .max_lifetime = 86400, .port_min = 20000, .port_max = 20127,
};
static const int codes[] = { 401, 402, 404, 501, 606, 713, 714, 715, 716, 718, 724,
			     725, 726, 727, 728, 729, 730, 731, 732, 733 };

static struct xnat_map_fds m;
static struct xnat_upnp_device dev;
static struct xnat_upnp_soap srv;
static __u32 now = BASE_TIME;
static unsigned long inputs;
static int totals_rc;
static char out[64 * 1024], first[64 * 1024];
static struct xnat_lease all[MAX_LEASES];
static struct xnat_port_owner before[2 * 65536]; /* the TCP and UDP slots */

static int fake_totals(void *ctx, struct xnat_upnp_totals *t)
{
	(void)ctx;
	t->bytes_sent = (1ull << 32) + 5;
	t->bytes_received = 123456789;
	t->packets_sent = 0xffffffffull;
	t->packets_received = (3ull << 32) + 7;
	return totals_rc;
}

static void reset(void)
{
	tables_clear(&m);
	xnat_upnp_soap_free(&srv);
	CHECK(!xnat_upnp_soap_init(&srv, &m, &dev, &policy, BASE_TIME), "out of memory");
	srv.totals = fake_totals;
	now = BASE_TIME;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const __u8 seed[16] = { 0x3c, 0x9a, 0x51, 0x07, 0xee, 0x21, 0x6b, 0x40,
				       0x9d, 0x12, 0x77, 0x05, 0xa8, 0xc3, 0x1f, 0x5e };

	(void)argc, (void)argv;
	lan_init();
	xnat_upnp_device_init(&dev, seed);
	tables_create(&m, "fuzz_soap");
	CHECK(!xnat_upnp_soap_init(&srv, &m, &dev, &policy, BASE_TIME), "out of memory");
	srv.totals = fake_totals;
	return 0;
}

/* ------------------------------------------------------------ the answer */

/* The answer as a control point reads it: the element at depth 3 and two leaf texts. */
struct reading {
	int depth;
	char response[256];
	const char *want;      /* the local name whose text is kept */
	bool in_want;
	char text[32];
	size_t text_len;
	char code[32];
	bool in_code;
	size_t code_len;
};

static const char *local_of(const char *name)
{
	const char *bar = strrchr(name, '|');

	return bar ? bar + 1 : name;
}

static void XMLCALL on_start(void *data, const XML_Char *name, const XML_Char **attrs)
{
	struct reading *r = data;

	(void)attrs;
	if (++r->depth == 3)
		snprintf(r->response, sizeof(r->response), "%s", name);
	r->in_code = !strcmp(local_of(name), "errorCode");
	r->in_want = r->want && !strcmp(local_of(name), r->want);
}

static void XMLCALL on_end(void *data, const XML_Char *name)
{
	struct reading *r = data;

	(void)name;
	r->depth--;
	r->in_code = r->in_want = false;
}

static void append(char *buf, size_t cap, size_t *len, const XML_Char *s, int n)
{
	if (n > 0 && *len + (size_t)n < cap) {
		memcpy(buf + *len, s, (size_t)n);
		*len += (size_t)n;
		buf[*len] = '\0';
	}
}

static void XMLCALL on_text(void *data, const XML_Char *s, int len)
{
	struct reading *r = data;

	if (r->in_code)
		append(r->code, sizeof(r->code), &r->code_len, s, len);
	if (r->in_want)
		append(r->text, sizeof(r->text), &r->text_len, s, len);
}

static bool read_answer(const char *xml, size_t len, struct reading *r, const char *want)
{
	XML_Parser p = XML_ParserCreateNS(NULL, '|');
	bool ok;

	CHECK(p, "out of memory");
	memset(r, 0, sizeof(*r));
	r->want = want;
	XML_SetUserData(p, r);
	XML_SetElementHandler(p, on_start, on_end);
	XML_SetCharacterDataHandler(p, on_text);
	ok = XML_Parse(p, xml, (int)len, XML_TRUE) == XML_STATUS_OK;
	XML_ParserFree(p);
	return ok;
}

/* ------------------------------------------------------------ the tables */

/* The TCP and UDP port slots now, to compare with after a request. */
static void snapshot(void)
{
	memcpy(before, tables_slots, sizeof(before));
}

/* Nothing held, released or renewed since the snapshot (a free slot's other bytes don't count). */
static bool unchanged(void)
{
	if (!memcmp(before, tables_slots, sizeof(before)))
		return true;
	for (size_t i = 0; i < 2 * 65536; i++) {
		const struct xnat_port_owner *a = &before[i], *b = &tables_slots[i];

		if (a->in_use != b->in_use || (a->in_use && (a->int_addr != b->int_addr || a->int_port != b->int_port ||
							      a->owner != b->owner || a->expires != b->expires)))
			return false;
	}
	return true;
}

/* UPnP leases and descriptions go together; no host over its quota. */
static void check_entries(void)
{
	int n = xnat_lease_list(&m, UPNP_MASK, all, MAX_LEASES), held = 0;

	CHECK(n >= 0 && n <= MAX_LEASES, "%d UPnP leases", n);
	for (int i = 0; i < n; i++) {
		int same = 0;

		CHECK(xnat_upnp_soap_description(&srv, all[i].proto, all[i].ext_port),
		      "lease %u/%u without a description", all[i].proto, all[i].ext_port);
		for (int j = 0; j < n; j++)
			same += all[j].int_addr == all[i].int_addr;
		CHECK(same <= QUOTA, "%d UPnP leases for one host", same);
	}
	for (size_t slot = 0; slot < XNAT_UPNP_ENTRY_SLOTS; slot++)
		held += srv.entries[slot].description != NULL;
	CHECK(held == n, "%d descriptions for %d leases", held, n);
}

/* What the arguments of an Add or Delete asked for, read as the handlers read them. */
struct asked {
	__u8 proto;
	__u16 ext_port, int_port;
	__be32 int_addr;
	bool enabled;
	const char *description;
};

static bool read_asked(const struct xnat_upnp_call *call, struct asked *a)
{
	struct xnat_upnp_ctx x = { .s = &srv, .call = call };

	memset(a, 0, sizeof(*a));
	a->enabled = true;
	if (xnat_upnp_arg_port(&x, "NewExternalPort", &a->ext_port) ||
	    xnat_upnp_arg_proto(&x, "NewProtocol", &a->proto))
		return false;
	if (xnat_upnp_arg(call, "NewEnabled") && xnat_upnp_arg_bool(&x, "NewEnabled", &a->enabled))
		return false;
	xnat_upnp_arg_port(&x, "NewInternalPort", &a->int_port);
	xnat_upnp_arg_addr(&x, "NewInternalClient", &a->int_addr);
	a->description = xnat_upnp_arg(call, "NewPortMappingDescription");
	if (!a->description)
		a->description = "";
	return true;
}

static void check_lease(const struct asked *a, __u16 port)
{
	struct xnat_lease l;
	const char *d;

	CHECK(!xnat_lease_at(&m, a->proto, port, &l) && l.owner == XNAT_OWNER_UPNP && l.int_addr == a->int_addr &&
	      l.int_port == a->int_port, "mapping %u/%u answered, not in the table", a->proto, port);
	d = xnat_upnp_soap_description(&srv, a->proto, port);
	CHECK(d && !strcmp(d, a->description), "description '%s' for '%s'", d ? d : "(none)", a->description);
}

/* ------------------------------------------------------------ requests */

static const char *path_for(__u8 mode, const struct xnat_upnp_call *call)
{
	switch (mode & 3) {
	case 0:
		if (strstr(call->service, "WANCommonInterfaceConfig"))
			return XNAT_UPNP_CTL_WANCFG;
		if (strstr(call->service, "Layer3Forwarding"))
			return XNAT_UPNP_CTL_L3F;
		return XNAT_UPNP_CTL_WANIPC;
	case 1:
		return XNAT_UPNP_CTL_WANIPC;
	case 2:
		return XNAT_UPNP_CTL_L3F;
	default:
		return "/";
	}
}

static void configure(const uint8_t *ctx)
{
	srv.policy.secure_mode = !(ctx[0] & 0x40);
	srv.ext_addr = (ctx[0] & 0x80) ? 0 : ext;
	srv.policy.rules = (ctx[1] & 0x20) ? &rules : NULL;
	totals_rc = (ctx[1] & 0x40) ? -1 : 0;
}

static int handle(const char *path, const char *header, const char *body, size_t len, __be32 client, size_t cap,
		  uint64_t seed, size_t *out_len)
{
	tables_rng = seed;
	memset(out, 0xa5, sizeof(out));
	return xnat_upnp_soap_handle(&srv, path, header, body, len, client, now, out, cap, out_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char header[HEADER_MAX + 64];
	struct xnat_upnp_call call;
	struct reading r;
	const char *body, *hdr = NULL, *path;
	size_t len, cap, out_len, again_len;
	int st, again, parsed;
	bool fresh, read_only;
	uint64_t seed;
	__be32 client;

	if (size < 2)
		return 0;
	body = (const char *)data + 2;
	len = size - 2;
	if ((data[0] >> 2 & 3) == 3) { /* the header is the first line */
		const char *nl = memchr(body, '\n', len < HEADER_MAX ? len : HEADER_MAX);
		size_t hl = nl ? (size_t)(nl - body) : 0;

		if (!nl)
			return 0;
		memcpy(header, body, hl);
		header[hl] = '\0';
		hdr = header;
		body += hl + 1;
		len -= hl + 1;
	}
	fresh = inputs++ % RESET_EVERY == 0;
	if (fresh)
		reset();
	now += clock_steps[data[1] >> 2 & 7];
	configure(data);
	client = hosts[data[0] >> 4 & 3];
	cap = caps[data[1] & 3];
	seed = fuzz_hash(data, size);

	/* What the body asks, as the server will read it. */
	memset(&call, 0, sizeof(call));
	parsed = len > XNAT_UPNP_MAX_BODY ? XNAT_UPNP_INVALID_ACTION : xnat_upnp_parse(body, len, &call);
	if ((data[0] >> 2 & 3) < 2 && call.action[0]) {
		snprintf(header, sizeof(header), (data[0] >> 2 & 3) ? " %s#%s\t" : "\"%s#%s\"", call.service,
			 call.action);
		hdr = header;
	}
	path = path_for(data[0], &call);
	read_only = parsed == XNAT_UPNP_OK && (!strncmp(call.action, "Get", 3) || !strncmp(call.action, "Query", 5));

	snapshot();
	st = handle(path, hdr, body, len, client, cap, seed, &out_len);

	CHECK(st == 200 || st == 500, "status %d", st);
	CHECK(cap ? out_len < cap && strlen(out) == out_len : out_len == 0, "answer of %zu bytes in %zu", out_len,
	      cap);
	CHECK(out_len || st == 500, "an empty success");
	if (out_len) {
		const char *want = st == 200 && !strcmp(call.action, "AddAnyPortMapping") ? "NewReservedPort" : NULL;

		CHECK(read_answer(out, out_len, &r, want), "answer not well-formed: %s", out);
		if (st == 500) {
			bool known = false;

			CHECK(!strcmp(r.response, SOAP_ENV "|Fault"), "a 500 answered with %s", r.response);
			for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
				known |= atoi(r.code) == codes[i];
			CHECK(known, "fault code '%s'", r.code);
		} else {
			size_t rl = strlen(r.response);

			CHECK(rl > 8 && !strcmp(r.response + rl - 8, "Response"), "a 200 answered with %s", r.response);
			if (parsed == XNAT_UPNP_OK) {
				char want_el[sizeof(call.service) + sizeof(call.action) + 16];

				snprintf(want_el, sizeof(want_el), "%s|%sResponse", call.service, call.action);
				CHECK(!strcmp(r.response, want_el), "%s answered for %s", r.response, want_el);
			}
		}
	}
	if (st == 500 || read_only)
		CHECK(unchanged(), "status %d (%s): mappings changed", st, call.action);
	if (st == 200 && parsed == XNAT_UPNP_OK) {
		struct asked a;

		if (!strcmp(call.action, "AddPortMapping") && read_asked(&call, &a) && a.enabled)
			check_lease(&a, a.ext_port);
		if (!strcmp(call.action, "AddAnyPortMapping") && read_asked(&call, &a) && a.enabled)
			check_lease(&a, (__u16)atoi(r.text));
		if (!strcmp(call.action, "DeletePortMapping") && read_asked(&call, &a)) {
			struct xnat_lease l;

			CHECK(xnat_lease_at(&m, a.proto, a.ext_port, &l) || l.owner != XNAT_OWNER_UPNP,
			      "deleted, still held");
		}
	}
	if (inputs % 16 == 0)
		check_entries();

	/* Emptied tables, the same input: the same answer. */
	if (fresh) {
		__u32 t = now;

		memcpy(first, out, out_len);
		reset();
		configure(data);
		now = t;
		again = handle(path, hdr, body, len, client, cap, seed, &again_len);
		CHECK(again == st && again_len == out_len && !memcmp(out, first, out_len),
		      "on fresh tables: %d, %zu bytes then %d, %zu bytes", st, out_len, again, again_len);
	}
	return 0;
}
