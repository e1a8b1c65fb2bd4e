// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * SSDP messages (see ssdp.h). An M-SEARCH is read line by line within
 * fixed bounds and refused whole at the first thing out of place (an
 * over-long or unterminated line, a control byte, a header without ':', a
 * header we read given twice). Answers are one snprintf each: the header
 * sets of UDA 1.1 1.2.2, 1.2.3 and 1.3.3, without the optional OPT/01-NLS
 * pair miniupnpd adds.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>
#include "span.h"
#include "fitted.h"
#include "ssdp.h"

#define XSTR(x) STR(x)
#define STR(x) #x

#define LINE_MAX_LEN 512  /* without its CRLF */
#define HEADERS_MAX 32
#define GROUP_HOST XNAT_SSDP_GROUP ":" XSTR(XNAT_SSDP_PORT)
#define MAN_DISCOVER "\"ssdp:discover\""
#define URN_DEVICE "urn:schemas-upnp-org:device:"
#define URN_SERVICE "urn:schemas-upnp-org:service:"
#define PRODUCT "xnat/0.1"

/* ------------------------------------------------------------- M-SEARCH */


/*
 * The line at *pos (LF or CRLF ended, the end not included), *pos moved past
 * it. -1 when the datagram ends before the line does, the line is too long,
 * or it holds a control character (NUL, a lone CR...): nothing a client
 * sends in a search.
 */
static int next_line(const char *buf, size_t len, size_t *pos, struct span *line)
{
	size_t start = *pos, room = len - start, n;
	const char *nl = memchr(buf + start, '\n', room < LINE_MAX_LEN + 2 ? room : LINE_MAX_LEN + 2);

	if (!nl)
		return -1;
	n = (size_t)(nl - (buf + start));
	*pos = start + n + 1;
	if (n && buf[start + n - 1] == '\r')
		n--;
	if (n > LINE_MAX_LEN)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)buf[start + i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return -1;
	}
	*line = (struct span){ buf + start, n };
	return 0;
}

static struct span trim(struct span s)
{
	while (s.len && (s.p[0] == ' ' || s.p[0] == '\t')) {
		s.p++;
		s.len--;
	}
	while (s.len && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t'))
		s.len--;
	return s;
}

/* MX: decimal digits only, capped (a huge value must not overflow); -1 if not a number. */
static int parse_mx(struct span v)
{
	unsigned int mx = 0;

	if (!v.len)
		return -1;
	for (size_t i = 0; i < v.len; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return -1;
		mx = mx * 10 + (unsigned int)(v.p[i] - '0');
		if (mx > XNAT_SSDP_MX_CAP)
			mx = XNAT_SSDP_MX_CAP + 1;
	}
	return (int)mx;
}

enum header { H_HOST, H_MAN, H_MX, H_ST, H_USER_AGENT, H_COUNT };

static const char *const header_names[H_COUNT] = { "HOST", "MAN", "MX", "ST", "USER-AGENT" };

/* Which header a name is; H_COUNT for one we do not read. */
static enum header header_of(struct span name)
{
	int h = 0;

	while (h < H_COUNT && !span_is_nocase(name, header_names[h]))
		h++;
	return (enum header)h;
}

/* What the headers said; fields still to be judged together. */
struct search_headers {
	struct span value[H_COUNT];
	unsigned int seen;        /* 1 << enum header */
};

static int read_header(struct span line, struct search_headers *h)
{
	const char *colon = memchr(line.p, ':', line.len);
	struct span name;
	enum header which;

	if (!colon)
		return -1;
	name = (struct span){ line.p, (size_t)(colon - line.p) };
	/* No blank in a name: also refuses folded continuation lines. */
	if (!name.len || memchr(name.p, ' ', name.len) || memchr(name.p, '\t', name.len))
		return -1;
	which = header_of(name);
	if (which == H_COUNT)
		return 0;
	if (h->seen & (1u << which))
		return -1; /* two answers to one question: which would we follow? */
	h->seen |= 1u << which;
	h->value[which] = trim((struct span){ colon + 1, line.len - name.len - 1 });
	return 0;
}

/* The headers, judged together, into s. */
static int judge(const struct search_headers *h, struct xnat_ssdp_search *s)
{
	struct span st = h->value[H_ST], host = h->value[H_HOST], ua = h->value[H_USER_AGENT];
	int mx;

	if (!(h->seen & (1u << H_MAN)) || !span_is(h->value[H_MAN], MAN_DISCOVER))
		return -1;
	if (!st.len || st.len > XNAT_SSDP_ST_MAX)
		return -1;
	memcpy(s->st, st.p, st.len);
	s->st[st.len] = '\0';
	/* Sent to the group (or with no HOST at all: treated the same), or to us. */
	s->unicast = (h->seen & (1u << H_HOST)) && !span_is(host, GROUP_HOST) && !span_is(host, XNAT_SSDP_GROUP);
	if (!s->unicast) {
		mx = (h->seen & (1u << H_MX)) ? parse_mx(h->value[H_MX]) : -1;
		if (mx < 1)
			return -1; /* UDA 1.1 1.3.2: MUST silently discard */
		s->mx = mx > XNAT_SSDP_MX_CAP ? XNAT_SSDP_MX_CAP : (unsigned int)mx;
	}
	if (ua.len >= sizeof(s->user_agent))
		ua.len = sizeof(s->user_agent) - 1;
	if (ua.len) /* no User-Agent: no pointer either */
		memcpy(s->user_agent, ua.p, ua.len);
	s->user_agent[ua.len] = '\0';
	return 0;
}

int xnat_ssdp_parse_msearch(const char *buf, size_t len, struct xnat_ssdp_search *s)
{
	struct search_headers h = { 0 };
	struct xnat_ssdp_search out = { 0 };
	struct span line;
	size_t pos = 0;
	int lines = 0;

	if (!s)
		return -1;
	memset(s, 0, sizeof(*s));
	if (!buf || next_line(buf, len, &pos, &line) || !span_is(line, "M-SEARCH * HTTP/1.1"))
		return -1;
	for (;;) {
		if (next_line(buf, len, &pos, &line))
			return -1;
		if (!line.len)
			break; /* the end of the headers: what follows is not ours to read */
		if (++lines > HEADERS_MAX || read_header(line, &h))
			return -1;
	}
	if (judge(&h, &out))
		return -1;
	*s = out;
	return 0;
}

/* ---------------------------------------------------------------- targets */

enum owner { IGD, WAN, WCD };

static const char *owner_uuid(const struct xnat_upnp_device *d, enum owner o)
{
	return o == IGD ? d->uuid_igd : o == WAN ? d->uuid_wan : d->uuid_wcd;
}

/*
 * The devices and services we have, in NOTIFY order. A search for a lower
 * version is answered with that version (UDA 1.1 1.3.2); for IGD:1's types
 * the LOCATION then names the IGD:1 description.
 */
static const struct urn {
	const char *type;         /* without the version */
	int version;              /* the highest we have */
	enum owner owner;
	bool picks_face;          /* the version asked picks the description */
} urns[] = {
	{ URN_DEVICE "InternetGatewayDevice:", 2, IGD, true },
	{ URN_DEVICE "WANDevice:", 2, WAN, true },
	{ URN_DEVICE "WANConnectionDevice:", 2, WCD, true },
	{ URN_SERVICE "WANIPConnection:", 2, WCD, true },
	{ URN_SERVICE "WANCommonInterfaceConfig:", 1, WAN, false },
	{ URN_SERVICE "Layer3Forwarding:", 1, IGD, false },
};

#define N_URNS (sizeof(urns) / sizeof(urns[0]))

static bool is_device(const struct urn *u)
{
	return !strncmp(u->type, URN_DEVICE, strlen(URN_DEVICE));
}

/* A target whose USN is "uuid:<owner>", alone or followed by "::<st>". */
static void target(struct xnat_ssdp_target *t, const char *st, const char *uuid, bool usn_is_uuid,
		   int igd_version)
{
	memset(t, 0, sizeof(*t)); /* no stale bytes after the strings: targets are copied and compared whole */
	snprintf(t->st, sizeof(t->st), "%s", st);
	snprintf(t->usn, sizeof(t->usn), "uuid:%.*s%s%s", XNAT_UPNP_UUID_LEN, uuid, usn_is_uuid ? "" : "::",
		 usn_is_uuid ? "" : st);
	t->igd_version = igd_version;
}

static void uuid_target(struct xnat_ssdp_target *t, const struct xnat_upnp_device *d, enum owner o)
{
	char st[sizeof("uuid:") + XNAT_UPNP_UUID_LEN];

	snprintf(st, sizeof(st), "uuid:%.*s", XNAT_UPNP_UUID_LEN, owner_uuid(d, o));
	target(t, st, owner_uuid(d, o), true, 2);
}

static void urn_target(struct xnat_ssdp_target *t, const struct xnat_upnp_device *d, const struct urn *u,
		       int version)
{
	char st[XNAT_SSDP_ST_MAX + 1];

	snprintf(st, sizeof(st), "%s%d", u->type, version);
	target(t, st, owner_uuid(d, u->owner), false, u->picks_face ? version : 2);
}

int xnat_ssdp_notify_targets(const struct xnat_upnp_device *d, struct xnat_ssdp_target *out, size_t max)
{
	size_t n = 0;

	if (n < max)
		target(&out[n++], "upnp:rootdevice", d->uuid_igd, false, 2);
	for (size_t i = 0; i < N_URNS && n < max; i++) {
		if (is_device(&urns[i])) /* a device is announced by its uuid too */
			uuid_target(&out[n++], d, urns[i].owner);
		if (n < max)
			urn_target(&out[n++], d, &urns[i], urns[i].version);
	}
	return (int)n;
}

int xnat_ssdp_match(const struct xnat_upnp_device *d, const char *st, struct xnat_ssdp_target *out, size_t max)
{
	struct xnat_ssdp_target t;

	if (!st || !max)
		return 0;
	if (!strcmp(st, "ssdp:all"))
		return xnat_ssdp_notify_targets(d, out, max);
	if (!strcmp(st, "upnp:rootdevice")) {
		target(out, st, d->uuid_igd, false, 2);
		return 1;
	}
	for (enum owner o = IGD; o <= WCD; o++) {
		uuid_target(&t, d, o);
		if (!strcmp(st, t.st)) {
			*out = t;
			return 1;
		}
	}
	/* Exact names only (UDA: ST is compared case-sensitively), versions 1 to ours. */
	for (size_t i = 0; i < N_URNS; i++)
		for (int v = 1; v <= urns[i].version; v++) {
			urn_target(&t, d, &urns[i], v);
			if (!strcmp(st, t.st)) {
				*out = t;
				return 1;
			}
		}
	return 0;
}

/* --------------------------------------------------------------- messages */

/* uname's field as an HTTP token: anything else (a blank, a '/') becomes '_'. */
static void token(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	for (; *in && n + 1 < cap; in++)
		out[n++] = isalnum((unsigned char)*in) || strchr("._-+~", *in) ? *in : '_';
	out[n] = '\0';
}

int xnat_ssdp_server(char *out, size_t cap)
{
	struct utsname u;
	char os[sizeof(u.sysname)] = "Linux", release[sizeof(u.release)] = "0";

	if (!uname(&u) && u.sysname[0] && u.release[0]) {
		token(u.sysname, os, sizeof(os));
		token(u.release, release, sizeof(release));
	}
	return xnat_fitted(snprintf(out, cap, "%s/%s UPnP/1.1 " PRODUCT, os, release), out, cap);
}


static const char *root_path(const struct xnat_ssdp_target *t)
{
	return t->igd_version == 1 ? XNAT_UPNP_PATH_ROOT1 : XNAT_UPNP_PATH_ROOT;
}

int xnat_ssdp_response(const struct xnat_upnp_device *d, const char *location, const struct xnat_ssdp_target *t,
		       char *out, size_t cap)
{
	char server[XNAT_SSDP_SERVER_MAX];

	if (!location || xnat_ssdp_server(server, sizeof(server)) < 0)
		return xnat_fitted(-1, out, cap);
	return xnat_fitted(snprintf(out, cap,
			       "HTTP/1.1 200 OK\r\n"
			       "CACHE-CONTROL: max-age=" XSTR(XNAT_SSDP_MAX_AGE) "\r\n"
			       "EXT:\r\n"
			       "LOCATION: %s%s\r\n"
			       "SERVER: %s\r\n"
			       "ST: %s\r\n"
			       "USN: %s\r\n"
			       "BOOTID.UPNP.ORG: %u\r\n"
			       "CONFIGID.UPNP.ORG: %u\r\n"
			       "\r\n",
			       location, root_path(t), server, t->st, t->usn, d->boot_id, d->config_id),
		      out, cap);
}

int xnat_ssdp_notify(const struct xnat_upnp_device *d, const char *location, const struct xnat_ssdp_target *t,
		     bool alive, char *out, size_t cap)
{
	char server[XNAT_SSDP_SERVER_MAX];

	if (!alive)
		return xnat_fitted(snprintf(out, cap,
				       "NOTIFY * HTTP/1.1\r\n"
				       "HOST: " GROUP_HOST "\r\n"
				       "NT: %s\r\n"
				       "NTS: ssdp:byebye\r\n"
				       "USN: %s\r\n"
				       "BOOTID.UPNP.ORG: %u\r\n"
				       "CONFIGID.UPNP.ORG: %u\r\n"
				       "\r\n",
				       t->st, t->usn, d->boot_id, d->config_id),
			      out, cap);
	if (!location || xnat_ssdp_server(server, sizeof(server)) < 0)
		return xnat_fitted(-1, out, cap);
	return xnat_fitted(snprintf(out, cap,
			       "NOTIFY * HTTP/1.1\r\n"
			       "HOST: " GROUP_HOST "\r\n"
			       "CACHE-CONTROL: max-age=" XSTR(XNAT_SSDP_MAX_AGE) "\r\n"
			       "LOCATION: %s%s\r\n"
			       "NT: %s\r\n"
			       "NTS: ssdp:alive\r\n"
			       "SERVER: %s\r\n"
			       "USN: %s\r\n"
			       "BOOTID.UPNP.ORG: %u\r\n"
			       "CONFIGID.UPNP.ORG: %u\r\n"
			       "\r\n",
			       location, root_path(t), t->st, server, t->usn, d->boot_id, d->config_id),
		      out, cap);
}
